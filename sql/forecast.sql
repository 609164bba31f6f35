-- sql/forecast.sql: the forecast family (series_summary, series_agg, rollup, series_points,
-- forecast, forecast_model, forecast_accuracy).
SET search_path = retail_kpi, public;

-- ---------------------------------------------------------------------------
-- 1. Building a series: values of the same period add up exactly, NULL rows are skipped,
--    rows may come in any order; text form, points, rollup.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE raw (store int, period date, value numeric);
INSERT INTO raw VALUES
  (1, '2024-01-15', 10.50), (1, '2024-01-01', 4.25), (2, '2024-01-01', 3), (1, '2024-01-08', 7),
  (2, '2024-01-15', 0.05), (1, NULL, 99), (2, '2024-01-08', NULL), (2, '2024-01-22', -1.5);
-- 2024-01-01: 4.25 + 3 = 7.25; 2024-01-08: 7; 2024-01-15: 10.50 + 0.05 = 10.55; 2024-01-22: -1.5;
-- 6 rows counted (the rows with a NULL period or value are skipped)
SELECT series_agg(period, value) FROM raw;
SELECT row_count(series_agg(period, value)) FROM raw;
SELECT * FROM series_points((SELECT series_agg(period, value) FROM raw));
SELECT store, series_agg(period, value) FROM raw GROUP BY store ORDER BY store;
-- rollup of per-store summaries = the summary of all rows
SELECT rollup(s)::text = (SELECT series_agg(period, value)::text FROM raw) AS rollup_equal
FROM (SELECT store, series_agg(period, value) AS s FROM raw GROUP BY store) x;
-- no rows, or only skipped rows: NULL, and forecasts of NULL are no rows
SELECT series_agg(period, value) IS NULL AS empty_is_null FROM raw WHERE store = 3;
SELECT series_agg(period, value) IS NULL AS skipped_is_null FROM raw WHERE period IS NULL;
SELECT count(*) FROM forecast(NULL, 3);
SELECT count(*) FROM forecast_model(NULL);
SELECT count(*) FROM forecast_accuracy(NULL, 3);
-- the same value from the aggregate outside an aggregate context (transition called directly)
SELECT series_agg_trans(series_agg_trans(NULL, '2024-01-08', 2), '2024-01-01', 1.0);

-- ---------------------------------------------------------------------------
-- 2. Text and binary forms round-trip exactly.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE rt AS
SELECT store, series_agg(period, value) AS s FROM raw GROUP BY store
UNION ALL SELECT 0, series_agg(d, v)
FROM (VALUES (date '4714-11-24 BC', -0.50), ('0001-12-31 BC', 0), ('2024-02-29', 123456789012345678.9012345678901234567),
             ('5874897-12-31', 0.00000000000000000000000000000000000001)) v(d, v);
SELECT store, s FROM rt ORDER BY store;
SELECT bool_and(s::text::series_summary::text = s::text) AS text_round_trip FROM rt;
SELECT bool_and(series_summary_send(s) = series_summary_send(s::text::series_summary)) AS send_stable FROM rt;
SELECT '  (v1,rows=3,2024-01-01:1,2024-02-01:2.50)  '::series_summary;
SELECT '/tmp/retail_kpi_forecast_' || current_setting('port') || '.bin' AS binfile,
       '/tmp/retail_kpi_forecast_bad_' || current_setting('port') || '.bin' AS badfile \gset
CREATE TEMP TABLE rt_in (store int, s series_summary);
COPY rt TO :'binfile' (FORMAT binary);
COPY rt_in FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, bool_and(i.s::text = o.s::text) AS binary_round_trip
FROM rt o JOIN rt_in i USING (store);

-- ---------------------------------------------------------------------------
-- 3. Seasonal naive, computed by hand (FPP3 sections 5.2 and 5.5).
--    Quarterly series (dates on the 1st, 3 months apart: season length 4 by default),
--    y = 10, 20, 30, 40, 14, 22, 35, 41 (2022-01-01 .. 2023-10-01).
--    Forecasts: y_{T+h} = y_{T+h-4(k+1)}, k = floor((h-1)/4): h=1..4 -> 14, 22, 35, 41; h=5..6 -> 14, 22.
--    Residuals e_t = y_t - y_{t-4}: 4, 2, 5, 1; sigma^2 = (16 + 4 + 25 + 1) / 4 = 11.5.
--    sigma_h = sigma sqrt(k + 1): h=1..4 sqrt(11.5), h=5..6 sqrt(23).
--    95% interval: point -/+ 1.959963984540054 sigma_h (qnorm(0.975)).
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE q (s series_summary);
INSERT INTO q
SELECT series_agg((date '2022-01-01' + make_interval(months => 3 * (i::int - 1)))::date, y)
FROM unnest(ARRAY[10, 20, 30, 40, 14, 22, 35, 41]::numeric[]) WITH ORDINALITY u(y, i);
SELECT method, trend, seasonal, season_length, spacing, periods, filled, alpha, sigma ^ 2 AS sigma2
FROM forecast_model((SELECT s FROM q), 'seasonal_naive');
SELECT f.step, f.period, f.point, e.point AS hand_point,
       abs(f.lower - (e.point - 1.959963984540054 * sqrt(e.var))) < 1e-9 AS lower_ok,
       abs(f.upper - (e.point + 1.959963984540054 * sqrt(e.var))) < 1e-9 AS upper_ok
FROM forecast((SELECT s FROM q), 6, 'seasonal_naive') f
JOIN (VALUES (1, 14, 11.5), (2, 22, 11.5), (3, 35, 11.5), (4, 41, 11.5), (5, 14, 23), (6, 22, 23))
     e(step, point, var) USING (step)
ORDER BY step;
-- naive: y_{T+h} = 41, sigma^2 = mean of (y_t - y_{t-1})^2 over the 7 differences, sigma_h = sigma sqrt(h)
--   differences 10, 10, 10, -26, 8, 13, 6: squares 100 + 100 + 100 + 676 + 64 + 169 + 36 = 1245
SELECT step, point, abs(upper - point - 1.959963984540054 * sqrt(1245 / 7.0 * step)) < 1e-9 AS interval_ok
FROM forecast((SELECT s FROM q), 3, 'naive');
-- the level sets the normal quantile: level 0.5 -> 0.6744897501960817, 0.99 -> 2.5758293035489004
SELECT level, round(((upper - point) / sqrt(11.5))::numeric, 12) AS z
FROM unnest(ARRAY[0.5, 0.8, 0.95, 0.99, 0.999999]) level,
     forecast((SELECT s FROM q), 1, 'seasonal_naive', level => level);

-- ---------------------------------------------------------------------------
-- 4. Holt-Winters additive, ETS(A,A,A), with fixed alpha = 0.5, beta = 0.3, gamma = 0.2,
--    recomputed in plain SQL from the published equations (FPP3 section 8.3, component form):
--      l_t = alpha (y_t - s_{t-m}) + (1 - alpha)(l_{t-1} + b_{t-1})
--      b_t = beta (l_t - l_{t-1}) + (1 - beta) b_{t-1}
--      s_t = gamma (y_t - l_{t-1} - b_{t-1}) + (1 - gamma) s_{t-m}
--      yhat_{T+h} = l_T + h b_T + s_{T+h-m(k+1)}
--    with the initial states of the documented heuristic (classical decomposition: centred 2x4
--    moving average over the first two seasons, detrended values per quarter, centred to sum 0;
--    then a least-squares line through the 8 seasonally adjusted values, t = 1 .. 8).
--    Intervals: FPP3 table 8.8, ETS(A,A,A), with beta_ets = alpha * beta:
--      sigma_h^2 = sigma^2 [1 + (h-1){a^2 + a b h + b^2 h (2h-1)/6} + g k {2a + g + b m (k+1)}]
--    sigma^2 = mean squared one-step error over the 8 periods.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE hw (t int, y float8);
INSERT INTO hw SELECT i, y FROM unnest(ARRAY[10, 20, 30, 40, 14, 22, 35, 41]::float8[]) WITH ORDINALITY u(y, i);
CREATE TEMP TABLE hw_init AS
WITH ma AS (SELECT t, y, (0.5 * lag(y, 2) OVER w + lag(y) OVER w + y + lead(y) OVER w + 0.5 * lead(y, 2) OVER w) / 4 AS ma
            FROM hw WINDOW w AS (ORDER BY t)),
     d AS (SELECT (t - 1) % 4 AS p, y - ma AS d FROM ma WHERE ma IS NOT NULL),
     fig AS (SELECT p, d - avg(d) OVER () AS fig FROM d),
     sa AS (SELECT t, y - fig AS sa FROM hw JOIN fig ON fig.p = (hw.t - 1) % 4)
SELECT (SELECT regr_intercept(sa, t) FROM sa) AS l0, (SELECT regr_slope(sa, t) FROM sa) AS b0,
       -- ring of seasonal states: position (t mod 4) + 1 holds s_{t-4} for t = 1 .. 4
       ARRAY(SELECT fig FROM fig ORDER BY (p + 1) % 4) AS s0;
SELECT round(l0::numeric, 10) AS l0, round(b0::numeric, 10) AS b0,
       (SELECT array_agg(round(x::numeric, 10)) FROM unnest(s0) x) AS s0 FROM hw_init;
CREATE TEMP TABLE hw_run AS
WITH RECURSIVE r(t, l, b, s, e) AS (
  SELECT 0, l0, b0, s0, 0::float8 FROM hw_init
  UNION ALL
  SELECT r.t + 1,
         0.5 * (hw.y - r.s[(r.t + 1) % 4 + 1]) + 0.5 * (r.l + r.b),
         0.3 * (0.5 * (hw.y - r.s[(r.t + 1) % 4 + 1]) + 0.5 * (r.l + r.b) - r.l) + 0.7 * r.b,
         r.s[1:(r.t + 1) % 4] || (0.2 * (hw.y - r.l - r.b) + 0.8 * r.s[(r.t + 1) % 4 + 1]) || r.s[(r.t + 1) % 4 + 2:],
         hw.y - (r.l + r.b + r.s[(r.t + 1) % 4 + 1])
  FROM r JOIN hw ON hw.t = r.t + 1)
SELECT * FROM r;
CREATE TEMP TABLE hw_hand AS
SELECT h AS step,
       fin.l + h * fin.b + fin.s[(8 + h) % 4 + 1] AS point,
       sig.sigma2 * (1 + (h - 1) * (0.25 + 0.5 * 0.15 * h + 0.15 ^ 2 * h * (2 * h - 1) / 6.0)
                     + 0.2 * ((h - 1) / 4) * (2 * 0.5 + 0.2 + 0.15 * 4 * ((h - 1) / 4 + 1))) AS var
FROM generate_series(1, 9) h,
     (SELECT * FROM hw_run WHERE t = 8) fin,
     (SELECT sum(e * e) / 8 AS sigma2 FROM hw_run WHERE t > 0) sig;
SELECT f.step, f.period, round(f.point::numeric, 9) AS point,
       abs(f.point - h.point) < 1e-9 AS point_ok,
       abs(f.lower - (h.point - 1.959963984540054 * sqrt(h.var))) < 1e-9 AS lower_ok,
       abs(f.upper - (h.point + 1.959963984540054 * sqrt(h.var))) < 1e-9 AS upper_ok
FROM forecast((SELECT s FROM q), 9, 'holt_winters', alpha => 0.5, beta => 0.3, gamma => 0.2) f
JOIN hw_hand h USING (step) ORDER BY step;
SELECT abs(m.initial_level - i.l0) < 1e-9 AS l0_ok, abs(m.initial_trend - i.b0) < 1e-9 AS b0_ok,
       abs(m.level - r.l) < 1e-9 AS l_ok, abs(m.trend_value - r.b) < 1e-9 AS b_ok,
       abs(m.sse - (SELECT sum(e * e) FROM hw_run)) < 1e-9 AS sse_ok,
       m.alpha, m.beta, m.gamma, m.phi
FROM forecast_model((SELECT s FROM q), alpha => 0.5, beta => 0.3, gamma => 0.2) m, hw_init i,
     hw_run r WHERE r.t = 8;

-- ---------------------------------------------------------------------------
-- 5. Holt-Winters multiplicative, ETS(A,A,M), fixed alpha = 0.4, beta = 0.2, gamma = 0.3, and
--    the damped additive trend (phi = 0.9), recomputed the same way:
--      l_t = alpha y_t / s_{t-m} + (1 - alpha)(l_{t-1} + phi b_{t-1})
--      b_t = beta (l_t - l_{t-1}) + (1 - beta) phi b_{t-1}
--      s_t = gamma y_t / (l_{t-1} + phi b_{t-1}) + (1 - gamma) s_{t-m}
--      yhat_{T+h} = (l_T + (phi + ... + phi^h) b_T) s_{T+h-m(k+1)}
--    Initial seasonal indices: detrended values y / MA per quarter, scaled to average 1.
--    Interval (documented first-order approximation): c_j = (alpha + alpha beta phi_j) s_{T+h} / s_{T+h-j}
--      + gamma [j = 4, 8, ..] L_h / L_{h-j}, L_i = l_T + phi_i b_T, sigma_h^2 = sigma^2 (1 + sum c_j^2).
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE mw_init AS
WITH ma AS (SELECT t, y, (0.5 * lag(y, 2) OVER w + lag(y) OVER w + y + lead(y) OVER w + 0.5 * lead(y, 2) OVER w) / 4 AS ma
            FROM hw WINDOW w AS (ORDER BY t)),
     d AS (SELECT (t - 1) % 4 AS p, y / ma AS d FROM ma WHERE ma IS NOT NULL),
     fig AS (SELECT p, d / avg(d) OVER () AS fig FROM d),
     sa AS (SELECT t, y / fig AS sa FROM hw JOIN fig ON fig.p = (hw.t - 1) % 4)
SELECT (SELECT regr_intercept(sa, t) FROM sa) AS l0, (SELECT regr_slope(sa, t) FROM sa) AS b0,
       ARRAY(SELECT fig FROM fig ORDER BY (p + 1) % 4) AS s0;
CREATE TEMP TABLE mw_run AS
WITH RECURSIVE r(t, l, b, s, e) AS (
  SELECT 0, l0, b0, s0, 0::float8 FROM mw_init
  UNION ALL
  SELECT r.t + 1,
         0.4 * hw.y / r.s[(r.t + 1) % 4 + 1] + 0.6 * (r.l + 0.9 * r.b),
         0.2 * (0.4 * hw.y / r.s[(r.t + 1) % 4 + 1] + 0.6 * (r.l + 0.9 * r.b) - r.l) + 0.8 * 0.9 * r.b,
         r.s[1:(r.t + 1) % 4] || (0.3 * hw.y / (r.l + 0.9 * r.b) + 0.7 * r.s[(r.t + 1) % 4 + 1]) || r.s[(r.t + 1) % 4 + 2:],
         hw.y - (r.l + 0.9 * r.b) * r.s[(r.t + 1) % 4 + 1]
  FROM r JOIN hw ON hw.t = r.t + 1)
SELECT * FROM r;
CREATE TEMP TABLE mw_hand AS
WITH fin AS (SELECT * FROM mw_run WHERE t = 8),
     sig AS (SELECT sum(e * e) / 8 AS sigma2 FROM mw_run WHERE t > 0),
     phis AS (SELECT i, (SELECT coalesce(sum(0.9 ^ k), 0) FROM generate_series(1, i) k) AS phi_i
              FROM generate_series(0, 9) i)
SELECT h AS step,
       (fin.l + ph.phi_i * fin.b) * fin.s[(8 + h) % 4 + 1] AS point,
       sig.sigma2 * (1 + coalesce((SELECT sum(((0.4 + 0.4 * 0.2 * pj.phi_i) * fin.s[(8 + h) % 4 + 1] / fin.s[(8 + h - j) % 4 + 1]
                                            + CASE WHEN j % 4 = 0 THEN 0.3 * (fin.l + ph.phi_i * fin.b) / (fin.l + pq.phi_i * fin.b) ELSE 0 END) ^ 2)
                                   FROM generate_series(1, h - 1) j
                                   JOIN phis pj ON pj.i = j JOIN phis pq ON pq.i = h - j), 0)) AS var
FROM generate_series(1, 9) h JOIN phis ph ON ph.i = h, fin, sig;
SELECT f.step, round(f.point::numeric, 9) AS point, abs(f.point - h.point) < 1e-9 AS point_ok,
       abs(f.upper - (h.point + 1.959963984540054 * sqrt(h.var))) < 1e-9 AS upper_ok
FROM forecast((SELECT s FROM q), 9, 'holt_winters', alpha => 0.4, beta => 0.2, gamma => 0.3, phi => 0.9,
              trend => 'damped', seasonal => 'multiplicative') f
JOIN mw_hand h USING (step) ORDER BY step;

-- ---------------------------------------------------------------------------
-- 6. SES and Holt with fixed parameters against FPP3 table 8.8:
--    ETS(A,N,N): sigma_h^2 = sigma^2 [1 + alpha^2 (h-1)]
--    ETS(A,A,N): sigma_h^2 = sigma^2 [1 + (h-1){a^2 + a b h + b^2 h (2h-1)/6}], b = alpha beta
--    ETS(A,Ad,N): sigma_h^2 = sigma^2 [1 + a^2 (h-1) + b phi h / (1-phi)^2 {2a(1-phi) + b phi}
--                  - b phi (1-phi^h) / ((1-phi)^2 (1-phi^2)) {2a(1-phi^2) + b phi (1 + 2phi - phi^h)}]
-- ---------------------------------------------------------------------------
SELECT f.step, abs((f.upper - f.point) - 1.959963984540054 * m.sigma * sqrt(1 + 0.36 * (f.step - 1))) < 1e-9 AS ses_ok
FROM forecast((SELECT s FROM q), 4, 'ses', alpha => 0.6) f, forecast_model((SELECT s FROM q), 'ses', alpha => 0.6) m;
SELECT f.step,
       abs((f.upper - f.point) - 1.959963984540054 * m.sigma
           * sqrt(1 + (f.step - 1) * (0.36 + 0.6 * 0.12 * f.step + 0.12 ^ 2 * f.step * (2 * f.step - 1) / 6.0))) < 1e-9 AS holt_ok,
       -- point: l_T + h b_T
       abs(f.point - (m.level + f.step * m.trend_value)) < 1e-9 AS point_ok
FROM forecast((SELECT s FROM q), 4, 'holt', alpha => 0.6, beta => 0.2) f,
     forecast_model((SELECT s FROM q), 'holt', alpha => 0.6, beta => 0.2) m;
SELECT f.step,
       abs((f.upper - f.point) - 1.959963984540054 * m.sigma
           * sqrt(1 + 0.36 * (f.step - 1)
                  + 0.12 * 0.8 * f.step / 0.04 * (2 * 0.6 * 0.2 + 0.12 * 0.8)
                  - 0.12 * 0.8 * (1 - 0.8 ^ f.step) / (0.04 * 0.36) * (2 * 0.6 * 0.36 + 0.12 * 0.8 * (1 + 1.6 - 0.8 ^ f.step)))) < 1e-9 AS damped_ok,
       abs(f.point - (m.level + (SELECT sum(0.8 ^ k) FROM generate_series(1, f.step) k) * m.trend_value)) < 1e-9 AS point_ok
FROM forecast((SELECT s FROM q), 4, 'holt', alpha => 0.6, beta => 0.2, phi => 0.8, trend => 'damped') f,
     forecast_model((SELECT s FROM q), 'holt', alpha => 0.6, beta => 0.2, phi => 0.8, trend => 'damped') m;

-- ---------------------------------------------------------------------------
-- 7. Estimation recovers the parameters of series generated by the model itself (innovations
--    from md5, a fixed deterministic sequence in [-1, 1): no random()), and the estimate has an
--    SSE no larger than the true parameters'.  A noise-free series would not identify the
--    parameters (every alpha fits it exactly), so the innovations are needed.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE eps AS
SELECT t, ('x' || substr(md5(t::text), 1, 8))::bit(32)::int / 2147483648.0 * 5 AS e
FROM generate_series(1, 3000) t;
-- ETS(A,N,N), alpha = 0.3, 400 daily periods
CREATE TEMP TABLE gen_ses AS
WITH RECURSIVE r(t, l, y) AS (SELECT 0, 100.0::float8, NULL::float8
  UNION ALL SELECT r.t + 1, r.l + 0.3 * e.e, r.l + e.e FROM r JOIN eps e ON e.t = r.t + 1 WHERE r.t < 400)
SELECT series_agg(date '2020-01-01' + t, y::numeric) AS s FROM r WHERE t > 0;
SELECT abs(alpha - 0.3) < 0.02 AS alpha_recovered, spacing,
       sse <= (SELECT sse FROM forecast_model((SELECT s FROM gen_ses), 'ses', alpha => 0.3)) AS sse_minimal
FROM forecast_model((SELECT s FROM gen_ses), 'ses');
-- ETS(A,A,N), alpha = 0.5, beta = 0.2 (ETS beta = 0.1), 3000 daily periods
CREATE TEMP TABLE gen_holt AS
WITH RECURSIVE r(t, l, b, y) AS (SELECT 0, 100.0::float8, 1.0::float8, NULL::float8
  UNION ALL SELECT r.t + 1, r.l + r.b + 0.5 * e.e, r.b + 0.1 * e.e, r.l + r.b + e.e FROM r JOIN eps e ON e.t = r.t + 1)
SELECT series_agg(date '2000-01-01' + t, y::numeric) AS s FROM r WHERE t > 0;
SELECT abs(alpha - 0.5) < 0.02 AS alpha_recovered, abs(beta - 0.2) < 0.02 AS beta_recovered,
       sse <= (SELECT sse FROM forecast_model((SELECT s FROM gen_holt), 'holt', alpha => 0.5, beta => 0.2)) AS sse_minimal
FROM forecast_model((SELECT s FROM gen_holt), 'holt');
-- ETS(A,A,A), m = 4, alpha = 0.3, beta = 0.1 (ETS beta = 0.03), gamma = 0.2, 3000 weekly periods
CREATE TEMP TABLE gen_hw AS
WITH RECURSIVE r(t, l, b, s, y) AS (
  SELECT 0, 100.0::float8, 0.5::float8, ARRAY[10.0, -5.0, -10.0, 5.0]::float8[], NULL::float8
  UNION ALL
  SELECT r.t + 1, r.l + r.b + 0.3 * e.e, r.b + 0.03 * e.e,
         r.s[1:(r.t + 1) % 4] || (r.s[(r.t + 1) % 4 + 1] + 0.2 * e.e) || r.s[(r.t + 1) % 4 + 2:],
         r.l + r.b + r.s[(r.t + 1) % 4 + 1] + e.e
  FROM r JOIN eps e ON e.t = r.t + 1)
SELECT series_agg(date '2000-01-03' + 7 * t, y::numeric) AS s FROM r WHERE t > 0;
SELECT abs(alpha - 0.3) < 0.03 AS alpha_recovered, abs(beta - 0.1) < 0.02 AS beta_recovered,
       abs(gamma - 0.2) < 0.02 AS gamma_recovered, spacing, season_length,
       sse <= (SELECT sse FROM forecast_model((SELECT s FROM gen_hw), season_length => 4, alpha => 0.3, beta => 0.1, gamma => 0.2)) AS sse_minimal
FROM forecast_model((SELECT s FROM gen_hw), season_length => 4);
-- the estimated parameters are the ones forecast() uses: same forecasts as with them given
SELECT bool_and(abs(a.point - b.point) < 1e-9 AND abs(a.upper - b.upper) < 1e-9) AS same_forecasts
FROM forecast((SELECT s FROM gen_hw), 8, season_length => 4) a
JOIN forecast((SELECT s FROM gen_hw), 8, season_length => 4,
              alpha => (SELECT alpha FROM forecast_model((SELECT s FROM gen_hw), season_length => 4)),
              beta => (SELECT beta FROM forecast_model((SELECT s FROM gen_hw), season_length => 4)),
              gamma => (SELECT gamma FROM forecast_model((SELECT s FROM gen_hw), season_length => 4))) b
USING (step);
-- a damped trend's phi is estimated within [0.8, 0.98]
SELECT phi BETWEEN 0.8 AND 0.98 AS phi_in_bounds, trend FROM forecast_model((SELECT s FROM gen_holt), 'holt', trend => 'damped');

-- ---------------------------------------------------------------------------
-- 8. Spacing: days, weeks, months, month ends, quarters; forecast periods continue it.
-- ---------------------------------------------------------------------------
SELECT spacing, season_length FROM forecast_model((SELECT s FROM gen_ses), 'ses');
SELECT m.spacing, m.season_length, array_agg(f.period ORDER BY f.step) AS next_periods
FROM (VALUES ('daily', 1, 'day'), ('weekly', 7, 'day'), ('monthly', 1, 'month'), ('month_end', -1, 'month'),
             ('quarterly', 3, 'month'), ('every 5 days', 5, 'day'), ('yearly', 12, 'month')) k(name, n, unit)
CROSS JOIN LATERAL (
  SELECT series_agg(CASE WHEN k.unit = 'day' THEN date '2024-01-29' + k.n * i
                         WHEN k.n = -1 THEN (date '2024-02-01' + make_interval(months => i))::date - 1
                         ELSE (date '2023-11-30' + make_interval(months => k.n * i))::date END, 10 + i % 3) AS s
  FROM generate_series(0, 11) i) x
CROSS JOIN LATERAL forecast_model(x.s, 'naive') m
CROSS JOIN LATERAL forecast(x.s, 3, 'naive') f
GROUP BY k.name, m.spacing, m.season_length ORDER BY k.name;

-- ---------------------------------------------------------------------------
-- 9. Gaps: an error by default, or filled with 0.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE gappy AS
SELECT series_agg(date '2024-01-01' + 7 * i, 5 + i) AS s FROM generate_series(0, 11) i WHERE i NOT IN (3, 4, 8);
SELECT * FROM forecast((SELECT s FROM gappy), 2, 'naive');
SELECT periods, filled, spacing FROM forecast_model((SELECT s FROM gappy), 'naive', gaps => 'zero');
-- filled periods count as 0: the seasonal naive forecast repeats the last season, weeks 8 .. 11:
-- 0 (week 8 is missing), 14, 15, 16
SELECT step, period, point FROM forecast((SELECT s FROM gappy), 4, 'seasonal_naive', season_length => 4, gaps => 'zero');

-- ---------------------------------------------------------------------------
-- 10. Accuracy, computed by hand.  y = 10, 12, 11, 14, 13, 15 (weekly), method naive,
--     season_length 2 (baseline seasonal naive with m = 2), horizon 1.
--     Origins (training lengths) 3, 4, 5: the first needs m + 1 = 3 periods.
--       naive forecasts 11, 14, 13 for actuals 14, 13, 15: |e| = 3, 1, 2
--       seasonal naive  12, 11, 14 for actuals 14, 13, 15: |e| = 2, 2, 1
--     MAE 2 and 5/3; RMSE sqrt(14/3) and sqrt(9/3);
--     sMAPE mean of 200|e| / (|y| + |yhat|): naive 600/25, 200/27, 400/28; snaive 400/26, 400/24, 200/29
--     MASE scale Q_o = mean |y_t - y_{t-2}| of the training set: Q_3 = 1, Q_4 = 3/2, Q_5 = 5/3;
--       naive (3/1 + 1/1.5 + 2/(5/3)) / 3; snaive (2/1 + 2/1.5 + 1/(5/3)) / 3
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE acc AS
SELECT series_agg(date '2024-01-01' + 7 * (i::int - 1), y) AS s
FROM unnest(ARRAY[10, 12, 11, 14, 13, 15]::numeric[]) WITH ORDINALITY u(y, i);
SELECT a.method, a.origins, a.forecasts,
       abs(a.mae - e.mae) < 1e-12 AS mae_ok, abs(a.rmse - e.rmse) < 1e-12 AS rmse_ok,
       abs(a.smape - e.smape) < 1e-12 AS smape_ok, abs(a.mase - e.mase) < 1e-12 AS mase_ok,
       round(a.mae::numeric, 6) AS mae, round(a.smape::numeric, 6) AS smape, round(a.mase::numeric, 6) AS mase
FROM forecast_accuracy((SELECT s FROM acc), 1, 'naive', season_length => 2) a
JOIN (VALUES ('naive', 2.0, sqrt(14 / 3.0), (600 / 25.0 + 200 / 27.0 + 400 / 28.0) / 3, (3 / 1.0 + 1 / 1.5 + 2 / (5 / 3.0)) / 3),
             ('seasonal_naive', 5 / 3.0, sqrt(3.0), (400 / 26.0 + 400 / 24.0 + 200 / 29.0) / 3, (2 / 1.0 + 2 / 1.5 + 1 / (5 / 3.0)) / 3))
     e(method, mae, rmse, smape, mase) USING (method);
-- horizon 2: origins 3 and 4 leave two periods each; origins => 1 keeps the last one only
--   naive from 4 periods (10, 12, 11, 14): 14, 14 for 13, 15 -> MAE 1.5
SELECT method, origins, forecasts, mae FROM forecast_accuracy((SELECT s FROM acc), 2, 'naive', season_length => 2);
SELECT method, origins, forecasts, mae FROM forecast_accuracy((SELECT s FROM acc), 2, 'naive', season_length => 2, origins => 1);
-- the method itself as baseline: one row
SELECT method, origins, forecasts FROM forecast_accuracy((SELECT s FROM acc), 1, 'seasonal_naive', season_length => 2);
-- a constant training set has a zero seasonal naive scale: MASE is NULL
SELECT method, mae, mase FROM forecast_accuracy((SELECT series_agg(date '2024-01-01' + i, 7) FROM generate_series(0, 9) i), 1, 'ses', season_length => 2);
-- on the estimated Holt-Winters series: exponential smoothing against seasonal naive
SELECT method, origins, forecasts, mase < 1 AS better_than_in_sample_snaive
FROM forecast_accuracy((SELECT s FROM gen_hw), 4, season_length => 4, origins => 20);

-- ---------------------------------------------------------------------------
-- 11. Partial states combine: a forced parallel plan gives the same summaries and forecasts.
-- ---------------------------------------------------------------------------
CREATE TABLE fc_rows AS
SELECT (g % 7) AS store, (g % 3) AS category, date '2023-01-02' + 7 * ((g / 21) % 104) AS week,
       round((100 + (g % 97) + 20 * sin(g / 21 * 2 * pi() / 52))::numeric, 2) AS revenue
FROM generate_series(0, 21 * 104 * 3 - 1) g;
CREATE TEMP TABLE fc_serial AS
SELECT store, category, series_agg(week, revenue)::text AS s FROM fc_rows GROUP BY 1, 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT store, category, series_agg(week, revenue) FROM fc_rows GROUP BY 1, 2;
SELECT bool_and(p.s::text = f.s) AS parallel_equal, count(*)
FROM (SELECT store, category, series_agg(week, revenue) AS s FROM fc_rows GROUP BY 1, 2) p
JOIN fc_serial f USING (store, category);
EXPLAIN (COSTS OFF)
SELECT series_agg(week, revenue) FROM fc_rows;
CREATE TEMP TABLE fc_par AS SELECT series_agg(week, revenue) AS s FROM fc_rows;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT (SELECT s::text FROM fc_par) = (SELECT rollup(s::series_summary)::text FROM fc_serial) AS parallel_plain_equal;
SELECT bool_and(a.point = b.point AND a.lower = b.lower AND a.upper = b.upper) AS same_forecast, count(*)
FROM forecast((SELECT s FROM fc_par), 8) a
JOIN forecast((SELECT rollup(s::series_summary) FROM fc_serial), 8) b USING (step);
-- many series at once, one row per series and step
SELECT count(*) AS rows, count(DISTINCT (store, category)) AS series, min(period), max(period)
FROM (SELECT store, category, series_agg(week, revenue) AS s FROM fc_rows GROUP BY 1, 2) x,
     forecast(s, 4, 'holt_winters');
DROP TABLE fc_rows;

-- ---------------------------------------------------------------------------
-- 12. Bad input: clear errors, never a NaN.
-- ---------------------------------------------------------------------------
\set VERBOSITY default
-- building: infinite periods, NaN and infinite values (22023)
SELECT series_agg(d, 1) FROM (VALUES (date 'infinity')) v(d);
SELECT series_agg('2024-01-01', 'NaN'::numeric);
SELECT series_agg('2024-01-01', '-Infinity'::numeric);
-- text input (22P02), a value out of the exact range (22003), unsupported version
SELECT '(v1,rows=1)'::series_summary;
SELECT '(v1,rows=2,2024-01-08:1,2024-01-01:2)'::series_summary;
SELECT '(v1,rows=2,2024-01-01:1,2024-01-01:2)'::series_summary;
SELECT '(v1,rows=1,2024-01-01:1,2024-01-08:2)'::series_summary;
SELECT '(v1,rows=1,2024-02-30:1)'::series_summary;
SELECT '(v1,rows=1,2024-01-01:1e5)'::series_summary;
SELECT '(v1,rows=1,2024-01-01:1) x'::series_summary;
SELECT '(v1,rows=1,2024-01-01:1000000000000000000000000000000000000000)'::series_summary;
SELECT '(v2,rows=1,2024-01-01:1)'::series_summary;
-- corrupt binary input (22000)
CREATE TEMP TABLE good_bytes AS SELECT series_summary_send('(v1,rows=3,2024-01-01:1.5,2024-01-08:3)'::series_summary) AS b;
SELECT b FROM good_bytes;
CREATE TEMP TABLE bad_bytes (name text, b bytea);
INSERT INTO bad_bytes SELECT 'version 2', set_byte(b, 0, 2) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'wrong kind', set_byte(b, 1, 109) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'truncated', substr(b, 1, length(b) - 1) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'trailing byte', b || '\x00'::bytea FROM good_bytes;
INSERT INTO bad_bytes SELECT 'zero periods', overlay(b PLACING '\x00000000'::bytea FROM 3) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'too many periods', overlay(b PLACING '\x000186a1'::bytea FROM 3) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'periods out of order', overlay(b PLACING '\x00002200'::bytea FROM 26) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'rows below periods', overlay(b PLACING '\x0000000000000001'::bytea FROM 7) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'bad digits', set_byte(b, 23, 120) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'huge length', overlay(b PLACING '\x7fffffff'::bytea FROM 19) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'negative length', overlay(b PLACING '\xffffffff'::bytea FROM 19) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'infinite date', overlay(b PLACING '\x7fffffff'::bytea FROM 15) FROM good_bytes;
CREATE TEMP TABLE recv_target (s series_summary);
CREATE FUNCTION pg_temp.try_recv(bad bytea, file text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE detail text;
BEGIN
  EXECUTE format('COPY (SELECT %L::bytea) TO %L (FORMAT binary)', bad, file);
  EXECUTE format('COPY recv_target FROM %L (FORMAT binary)', file);
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END $$;
SELECT pg_temp.try_recv(b, :'badfile') AS good FROM good_bytes;
SELECT * FROM recv_target;
SELECT name, pg_temp.try_recv(b, :'badfile') FROM bad_bytes ORDER BY name;
-- corrupt stored values (22000): a scratch varlena type with bytea's I/O and the same alignment,
-- binary-coercible to series_summary, exposes and alters the stored bytes (after the 4-byte length
-- word: version 0, type tag 1, flags 2-3, nperiods 4-7, capacity 8-11, rows 12-19, then 32-byte
-- entries from 20: date 20-23, padding 24-27, the sum: 128-bit value 28-43, scale 44-45, has-value
-- flag 46, padding 47, overflow length 48-51; the second entry's date at 52-55)
CREATE TYPE raw_series;
CREATE FUNCTION raw_series_in(cstring) RETURNS raw_series AS 'byteain' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION raw_series_out(raw_series) RETURNS cstring AS 'byteaout' LANGUAGE internal IMMUTABLE STRICT;
CREATE TYPE raw_series (INPUT = raw_series_in, OUTPUT = raw_series_out, INTERNALLENGTH = VARIABLE, ALIGNMENT = double);
CREATE CAST (raw_series AS series_summary) WITHOUT FUNCTION;
CREATE CAST (series_summary AS raw_series) WITHOUT FUNCTION;
CREATE TEMP TABLE good_raw AS
SELECT '(v1,rows=3,2024-01-01:1.5,2024-01-08:3)'::series_summary::raw_series::text::bytea AS b;
SELECT length(b) AS stored_bytes, (b::text::raw_series::series_summary)::text AS unchanged FROM good_raw;
CREATE TEMP TABLE bad_raw (name text, b bytea);
INSERT INTO bad_raw SELECT 'version 2', set_byte(b, 0, 2) FROM good_raw;
INSERT INTO bad_raw SELECT 'wrong type tag', set_byte(b, 1, 109) FROM good_raw;
INSERT INTO bad_raw SELECT 'flags set', set_byte(b, 2, 1) FROM good_raw;
INSERT INTO bad_raw SELECT 'capacity off', set_byte(b, 8, 9) FROM good_raw;
INSERT INTO bad_raw SELECT 'truncated', substr(b, 1, length(b) - 8) FROM good_raw;
INSERT INTO bad_raw SELECT 'header only', substr(b, 1, 10) FROM good_raw;
INSERT INTO bad_raw SELECT 'rows zero', set_byte(b, 12, 0) FROM good_raw;
INSERT INTO bad_raw SELECT 'infinite date', overlay(b PLACING '\xffffff7f'::bytea FROM 21) FROM good_raw;
INSERT INTO bad_raw SELECT 'periods out of order', set_byte(set_byte(b, 53, 0), 54, 0) FROM good_raw;
INSERT INTO bad_raw SELECT 'padding set', set_byte(b, 24, 1) FROM good_raw;
INSERT INTO bad_raw SELECT 'scale 39', set_byte(b, 44, 39) FROM good_raw;
INSERT INTO bad_raw SELECT 'no value flag', set_byte(b, 46, 0) FROM good_raw;
INSERT INTO bad_raw SELECT 'overflow length', set_byte(b, 48, 1) FROM good_raw;
CREATE FUNCTION pg_temp.try_read(bad bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE detail text;
BEGIN
  PERFORM row_count(bad::text::raw_series::series_summary);
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END $$;
SELECT name, pg_temp.try_read(b) FROM bad_raw;
-- the combine function (rollup) and forecast() validate what they read too
SELECT rollup(s) FROM (VALUES ('(v1,rows=1,2024-01-01:1)'::series_summary),
                              ((SELECT set_byte(b, 46, 0) FROM good_raw)::text::raw_series::series_summary)) v(s);
SELECT * FROM forecast((SELECT set_byte(b, 44, 39) FROM good_raw)::text::raw_series::series_summary, 1, 'naive');
DROP TYPE raw_series CASCADE;
-- arguments (22023)
SELECT * FROM forecast((SELECT s FROM q), 0);
SELECT * FROM forecast((SELECT s FROM q), 1001);
SELECT * FROM forecast((SELECT s FROM q), NULL);
SELECT * FROM forecast((SELECT s FROM q), 2, NULL);
SELECT * FROM forecast((SELECT s FROM q), 2, 'arima');
SELECT * FROM forecast((SELECT s FROM q), 2, level => 1);
SELECT * FROM forecast((SELECT s FROM q), 2, level => 0);
SELECT * FROM forecast((SELECT s FROM q), 2, level => 'NaN');
SELECT * FROM forecast((SELECT s FROM q), 2, level => NULL);
SELECT * FROM forecast((SELECT s FROM q), 2, alpha => 1.5);
SELECT * FROM forecast((SELECT s FROM q), 2, alpha => 'NaN');
SELECT * FROM forecast((SELECT s FROM q), 2, phi => 0, trend => 'damped');
SELECT * FROM forecast((SELECT s FROM q), 2, 'holt', gamma => 0.1);
SELECT * FROM forecast((SELECT s FROM q), 2, 'ses', beta => 0.1);
SELECT * FROM forecast((SELECT s FROM q), 2, 'holt', phi => 0.9);
SELECT * FROM forecast((SELECT s FROM q), 2, 'naive', alpha => 0.5);
SELECT * FROM forecast((SELECT s FROM q), 2, 'ses', trend => 'additive');
SELECT * FROM forecast((SELECT s FROM q), 2, 'holt', seasonal => 'additive');
SELECT * FROM forecast((SELECT s FROM q), 2, trend => 'quadratic');
SELECT * FROM forecast((SELECT s FROM q), 2, seasonal => 'mixed');
SELECT * FROM forecast((SELECT s FROM q), 2, gaps => 'interpolate');
SELECT * FROM forecast((SELECT s FROM q), 2, gaps => NULL);
SELECT * FROM forecast((SELECT s FROM q), 2, season_length => 1);
SELECT * FROM forecast((SELECT s FROM q), 2, 'seasonal_naive', season_length => 0);
SELECT * FROM forecast((SELECT s FROM q), 2, 'ses', season_length => 0);
-- too short: Holt-Winters needs two seasons, seasonal naive one season and one period
SELECT * FROM forecast((SELECT s FROM q), 2, season_length => 5);
SELECT * FROM forecast((SELECT s FROM q), 2, 'seasonal_naive', season_length => 8);
SELECT * FROM forecast('(v1,rows=1,2024-01-01:5)'::series_summary, 2, 'naive');
SELECT * FROM forecast('(v1,rows=2,2024-01-01:5,2024-01-02:6)'::series_summary, 2, 'ses');
-- a spacing without a default season length
SELECT * FROM forecast((SELECT series_agg(date '2024-01-01' + 5 * i, i) FROM generate_series(0, 20) i), 2);
-- multiplicative seasonality needs positive values (22023)
SELECT * FROM forecast((SELECT series_agg(date '2024-01-01' + 7 * i, i % 4) FROM generate_series(0, 20) i), 2,
                       season_length => 4, seasonal => 'multiplicative');
SELECT * FROM forecast((SELECT s FROM gappy), 2, season_length => 4, seasonal => 'multiplicative', gaps => 'zero');
-- forecast periods past the end of the date range (22008)
SELECT * FROM forecast((SELECT series_agg(date '5874897-12-01' - 7 * i, 1) FROM generate_series(0, 3) i), 10, 'naive');
-- backtests: origins < 1, a series too short for the horizon
SELECT * FROM forecast_accuracy((SELECT s FROM acc), 1, 'naive', season_length => 2, origins => 0);
SELECT * FROM forecast_accuracy((SELECT s FROM acc), 4, 'naive', season_length => 2);
SELECT * FROM forecast_accuracy((SELECT s FROM q), 1);
-- parameters that make the recursions explode give 22003, not NaN or infinity
SELECT * FROM forecast((SELECT series_agg(date '2024-01-01' + 7 * i, (ARRAY[1e37, 1e-37, 1])[i % 3 + 1]::numeric)
                        FROM generate_series(0, 40) i), 2, season_length => 4, seasonal => 'multiplicative',
                       alpha => 1, beta => 1, gamma => 1);
-- limits: more than 100000 periods (54000)
SELECT row_count(series_agg(date '2000-01-01' + g, 1)) FROM generate_series(0, 100000) g;
-- 60002 periods that span 120001 days: filling the gaps would pass the limit
SELECT periods FROM forecast_model((SELECT series_agg(d, 1) FROM (SELECT date '2000-01-01' + 2 * g FROM generate_series(0, 60000) g
                                                                  UNION ALL SELECT date '2000-01-02') x(d)), 'naive', gaps => 'zero');
SELECT periods, filled FROM forecast_model((SELECT series_agg(date '2000-01-01' + 2 * g, 1) FROM generate_series(0, 60000) g), 'naive');

-- ---------------------------------------------------------------------------
-- 13. statement_timeout cancels a long backtest (every loop checks for interrupts): 57014, then
--     the session works.  No timing is asserted: refitting Holt-Winters at 20,000 origins of a
--     20,000-period series takes minutes, the timeout is 20 ms.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE long_series AS
SELECT series_agg(date '1970-01-01' + g, 100 + g % 7 + g % 13) AS s FROM generate_series(0, 19999) g;
\set VERBOSITY sqlstate
SET statement_timeout = '20ms';
SELECT count(*) FROM forecast_accuracy((SELECT s FROM long_series), 7);
RESET statement_timeout;
\set VERBOSITY default
SELECT periods, spacing, season_length FROM forecast_model((SELECT s FROM long_series), 'seasonal_naive');
