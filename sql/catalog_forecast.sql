-- sql/catalog_forecast.sql: forecasts of catalog metrics (issue 15, docs/catalog_forecast.md):
-- metric_forecast against plain SQL and against forecast() on hand-built series, the method 'auto'
-- and its fallback, forecast_to_target, the projected attainment of metric_vs_target (period-to-date
-- actual + a forecast of the rest, own and rolled-up targets), the alert condition on it, bad input
-- and the evaluation rules (a reader without rights on the source, a restricted metric).
SET search_path = retail_kpi, public;
\set VERBOSITY terse
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metric_grants;
DELETE FROM metrics; DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;

CREATE SCHEMA rk_fc;
GRANT USAGE ON SCHEMA rk_fc TO PUBLIC;
-- daily sales of two regions, 2023-01-01 .. 2025-06-30: a month effect, a weekday effect, a slow
-- trend and a pseudo-random wobble; north = south + 20 a day
CREATE TABLE rk_fc.sales (sale_date date, region text, revenue numeric(12,2), txn int);
INSERT INTO rk_fc.sales
SELECT d, r, 100 + 10 * extract(month FROM d) + 3 * extract(isodow FROM d) + round((d - date '2023-01-01') * 0.05, 2)
             + CASE r WHEN 'north' THEN 20 ELSE 0 END + (extract(doy FROM d)::int * 7919) % 13,
       extract(doy FROM d)::int
FROM (SELECT CAST(g AS date) AS d FROM generate_series(date '2023-01-01', date '2025-06-30', interval '1 day') g) g,
     (VALUES ('north'), ('south')) x(r);
-- a third region that opened in 2025 (short history) and one that sells every other month (gaps)
INSERT INTO rk_fc.sales
SELECT CAST(g AS date), 'east', 50, 1 FROM generate_series(date '2025-03-01', date '2025-05-31', interval '1 day') g;
INSERT INTO rk_fc.sales
SELECT CAST(g AS date), 'west', 10, 1 FROM generate_series(date '2023-01-01', date '2025-05-31', interval '1 day') g
WHERE extract(month FROM g)::int % 2 = 1;
GRANT SELECT ON rk_fc.sales TO PUBLIC;
CREATE VIEW rk_fc.two_regions AS SELECT * FROM rk_fc.sales WHERE region IN ('north', 'south');
GRANT SELECT ON rk_fc.two_regions TO PUBLIC;

SELECT define_dimension('region', 'Region');
SELECT define_source('sales', 'rk_fc.two_regions', 'sale_date', '{"region": "region"}');
SELECT define_source('all_sales', 'rk_fc.sales', 'sale_date', '{"region": "region"}');
SELECT define_measure('net_sales', 'sales', 'sum', 'revenue');
SELECT define_measure('lines', 'sales', 'count');
SELECT define_measure('all_net_sales', 'all_sales', 'sum', 'revenue');
SELECT define_metric('net_sales', 'Net sales', measure => 'net_sales', status => 'certified');
SELECT define_metric('lines', 'Lines', measure => 'lines');
SELECT define_metric('all_net_sales', 'Net sales, all regions', measure => 'all_net_sales');
SELECT define_metric('avg_line', 'Average line', 'ratio', numerator => 'net_sales', denominator => 'lines');

-- ---- 1. seasonal naive by region and month = the plain monthly sums one season (12 months) back
SELECT dimension_values->>'region' AS region, step, period_start, point, method_used, season_length_used, history_periods
FROM metric_forecast('net_sales', 3, '{region}', from_date => '2023-01-01', to_date => '2025-05-31', method => 'seasonal_naive')
ORDER BY 1, 2;
SELECT count(*) AS mismatches FROM (
    (SELECT dimension_values->>'region', period_start, CAST(point AS numeric)
     FROM metric_forecast('net_sales', 3, '{region}', from_date => '2023-01-01', to_date => '2025-05-31', method => 'seasonal_naive'))
    EXCEPT
    (SELECT region, CAST(date_trunc('month', sale_date) + interval '1 year' AS date), sum(revenue)
     FROM rk_fc.two_regions WHERE sale_date >= '2024-06-01' AND sale_date < '2024-09-01' GROUP BY 1, 2)) x;
-- quarterly: four quarters back; weekly (Monday weeks): 52 weeks back (rows, and rows that differ)
CREATE TEMP TABLE got AS
SELECT period_start, CAST(point AS numeric) AS v
FROM metric_forecast('net_sales', 2, grain => 'quarter', to_date => '2025-03-31', method => 'seasonal_naive');
SELECT (SELECT count(*) FROM got) AS rows, count(*) AS mismatches FROM (
    TABLE got EXCEPT
    SELECT CAST(date_trunc('quarter', sale_date) + interval '1 year' AS date), sum(revenue)
    FROM rk_fc.two_regions WHERE sale_date >= '2024-04-01' AND sale_date < '2024-10-01' GROUP BY 1) x;
DROP TABLE got;
CREATE TEMP TABLE got AS
SELECT period_start, CAST(point AS numeric) AS v
FROM metric_forecast('net_sales', 5, grain => 'week', from_date => '2023-01-02', to_date => '2025-06-22', method => 'seasonal_naive');
SELECT (SELECT count(*) FROM got) AS rows, (SELECT min(period_start) FROM got) AS first_week, count(*) AS mismatches FROM (
    TABLE got EXCEPT
    SELECT CAST(date_trunc('week', sale_date) AS date) + 364, sum(revenue)
    FROM rk_fc.two_regions WHERE sale_date >= '2024-06-24' AND sale_date < '2024-07-29' GROUP BY 1) x;
DROP TABLE got;
SELECT * FROM metric_forecast('net_sales', 1, grain => 'week', to_date => '2025-06-21');             -- 22023: a Saturday
-- retail weeks (Sunday to Saturday, NRF 4-5-4 calendar): 52 weeks (364 days) back as well
CREATE TEMP TABLE got AS
SELECT period_start, CAST(point AS numeric) AS v
FROM metric_forecast('net_sales', 3, grain => 'retail_week', from_date => '2023-01-01', to_date => '2025-06-28', method => 'seasonal_naive');
SELECT (SELECT count(*) FROM got) AS rows, (SELECT min(period_start) FROM got) AS first_week,
       (SELECT extract(dow FROM min(period_start)) FROM got) AS weekday, count(*) AS mismatches FROM (
    TABLE got EXCEPT
    SELECT date '2024-06-30' + 7 * ((sale_date - date '2024-06-30') / 7) + 364, sum(revenue)
    FROM rk_fc.two_regions WHERE sale_date >= '2024-06-30' AND sale_date < '2024-07-21' GROUP BY 1) x;
DROP TABLE got;

-- ---- 2. Holt-Winters from the catalog = forecast() on the series built by hand (same points and intervals)
CREATE TEMP TABLE got AS
SELECT dimension_values->>'region' AS region, step, period_start, point, lower, upper
FROM metric_forecast('net_sales', 4, '{region}', from_date => '2023-01-01', to_date => '2025-05-31',
                     method => 'holt_winters', level => 0.8);
SELECT (SELECT count(*) FROM got) AS rows, count(*) AS mismatches FROM (
    TABLE got EXCEPT
    SELECT region, f.step, f.period, f.point, f.lower, f.upper
    FROM (SELECT region, series_agg(CAST(date_trunc('month', sale_date) AS date), revenue) AS s
          FROM rk_fc.two_regions WHERE sale_date < '2025-06-01' GROUP BY region) x,
         forecast(s, 4, 'holt_winters', level => 0.8) f) x;
DROP TABLE got;
-- 'auto': 29 months (>= 2 x 12) -> Holt-Winters, 17 months -> seasonal naive, 12 months -> refused
SELECT DISTINCT method_used, season_length_used, history_periods
FROM metric_forecast('net_sales', 1, from_date => '2023-01-01', to_date => '2025-05-31');
SELECT DISTINCT method_used, season_length_used, history_periods
FROM metric_forecast('net_sales', 1, from_date => '2024-01-01', to_date => '2025-05-31');
SELECT * FROM metric_forecast('net_sales', 1, from_date => '2024-06-01', to_date => '2025-05-31');   -- 22023
-- the default history ends with the last whole period before today: the data ended in 2025, the
-- months since count as 0 (additive), and the forecast starts with the current month
SELECT count(*) = 2 AS one_row_per_region, bool_and(period_start = CAST(date_trunc('month', current_date) AS date)) AS next_month
FROM metric_forecast('net_sales', 1, '{region}', method => 'naive');
-- year grain: no season; 'auto' is Holt from 4 periods, refused with 3
SELECT * FROM metric_forecast('net_sales', 1, grain => 'year', to_date => '2024-12-31');             -- 22023
-- a ratio metric: forecast as it is (the ratio of the sums one season back; no gaps allowed)
SELECT period_start, round(CAST(point AS numeric), 9) AS point,
       round(CAST(point AS numeric), 9) = (SELECT round(avg(revenue), 9) FROM rk_fc.two_regions
                                           WHERE date_trunc('month', sale_date) = f.period_start - interval '1 year') AS one_year_back
FROM metric_forecast('avg_line', 2, to_date => '2025-05-31', method => 'seasonal_naive') f;

-- ---- 3. short histories and gaps: the member is named, never a silent number
SELECT * FROM metric_forecast('all_net_sales', 1, '{region}', to_date => '2025-05-31');                -- east: 3 periods, 22023
-- west sells in odd months only: additive, so the even months are 0 (29 months: Holt-Winters); the
-- seasonal naive forecast of June is June 2024 (0), of July 2024's 31 days x 10
SELECT dimension_values->>'region' AS region, step, period_start, point, method_used, history_periods
FROM metric_forecast('all_net_sales', 2, '{region}', to_date => '2025-05-31', method => 'seasonal_naive', filters => '{"region": "west"}');
SELECT DISTINCT method_used, history_periods
FROM metric_forecast('all_net_sales', 2, '{region}', to_date => '2025-05-31', filters => '{"region": "west"}');
SELECT * FROM metric_forecast('all_net_sales', 2, '{region}', to_date => '2025-05-31', method => 'seasonal_naive',
                              filters => '{"region": "west"}', gaps => 'error');                      -- 22023: 14 months missing
SELECT * FROM metric_forecast('all_net_sales', 2, '{region}', to_date => '2025-05-31', method => 'holt_winters',
                              filters => '{"region": "east"}');                                       -- 22023 from the C family, member named
-- a ratio's missing value (west has no lines in even months: no value) is an error, not a 0
SELECT define_measure('all_lines', 'all_sales', 'count');
SELECT define_metric('all_lines', 'All lines', measure => 'all_lines');
SELECT define_metric('west_avg', 'West average line', 'ratio', numerator => 'all_net_sales', denominator => 'all_lines');
SELECT * FROM metric_forecast('west_avg', 1, '{region}', to_date => '2025-05-31', filters => '{"region": "west"}');   -- 22023

-- ---- 4. bad input
SELECT * FROM metric_forecast('net_saels', 3);                                      -- 42704, did you mean
SELECT * FROM metric_forecast('net_sales', 0, to_date => '2025-05-31');             -- 22023
SELECT * FROM metric_forecast('net_sales', NULL, to_date => '2025-05-31');          -- 22023
SELECT * FROM metric_forecast('net_sales', 3, to_date => '2025-05-30');             -- 22023: not the end of a month
SELECT * FROM metric_forecast('net_sales', 3, from_date => '2024-01-15', to_date => '2025-05-31');   -- 22023
SELECT * FROM metric_forecast('net_sales', 3, grain => 'total');                    -- 22023
SELECT * FROM metric_forecast('net_sales', 3, method => 'arima');                   -- 22023
SELECT * FROM metric_forecast('net_sales', 3, to_date => '2025-05-31', level => 1); -- 22023 (C family)
SELECT * FROM metric_forecast('net_sales', 3, '{sku}', to_date => '2025-05-31');    -- unknown dimension
SELECT * FROM metric_forecast('net_sales', 3, to_date => '2025-05-31', method => 'ses', trend => 'damped');   -- 22023: SES has no trend
-- auto with a trend: damped Holt-Winters, the same points as forecast() with trend => 'damped'
SELECT count(*) AS rows, count(*) FILTER (WHERE f.point <> w.point OR f.method_used <> 'holt_winters') AS mismatches
FROM metric_forecast('net_sales', 3, to_date => '2025-05-31', trend => 'damped') f
JOIN forecast((SELECT series_agg(CAST(date_trunc('month', sale_date) AS date), revenue) FROM rk_fc.two_regions
               WHERE sale_date < '2025-06-01'), 3, 'holt_winters', trend => 'damped') w ON w.step = f.step;

-- ---- 5. forecast_to_target: the points rounded to cents, as targets of scenario 'forecast'
SELECT period_start, dimension_values->>'region' AS region, value, method_used
FROM forecast_to_target('net_sales', 2, '{region}', from_date => '2023-01-01', to_date => '2025-05-31', method => 'seasonal_naive');
SELECT count(*) AS mismatches FROM (
    (SELECT period_start, dimensions, value FROM targets WHERE scenario = 'forecast')
    EXCEPT
    (SELECT period_start, dimension_values, round(CAST(point AS numeric), 2)
     FROM metric_forecast('net_sales', 2, '{region}', from_date => '2023-01-01', to_date => '2025-05-31', method => 'seasonal_naive'))) x;
-- the upper bound, into another scenario; read back with metric_vs_target(scenario => ...)
SELECT count(*) FROM forecast_to_target('net_sales', 1, '{region}', to_date => '2025-05-31', method => 'seasonal_naive',
                                        scenario => 'optimistic', bound => 'upper', digits => 0);
SELECT t.dimensions->>'region' AS region, t.value = round(CAST(f.upper AS numeric), 0) AS is_upper
FROM targets t JOIN metric_forecast('net_sales', 1, '{region}', to_date => '2025-05-31', method => 'seasonal_naive') f
  ON f.period_start = t.period_start AND f.dimension_values = t.dimensions
WHERE t.scenario = 'optimistic' ORDER BY 1;
SELECT dimension_values->>'region' AS region, round(CAST(actual AS numeric), 2) AS actual, target,
       round(CAST(attainment AS numeric), 4) AS attainment
FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', scenario => 'forecast');
SELECT catalog_history.action, count(*) FROM catalog_history WHERE object_type = 'target' GROUP BY 1;
SELECT * FROM forecast_to_target('net_sales', 1, '{region}', to_date => '2025-05-31', filters => '{"region": "north"}');   -- 0A000
SELECT * FROM forecast_to_target('net_sales', 1, '{region}', to_date => '2025-05-31', bound => 'middle');                  -- 22023
SELECT * FROM forecast_to_target('net_sales', 1, '{region}', to_date => '2025-05-31', scenario => 'Forecast');             -- 22023
-- an error for one member writes nothing
SELECT * FROM forecast_to_target('all_net_sales', 1, '{region}', to_date => '2025-05-31', scenario => 'partial');         -- 22023 (east)
SELECT count(*) AS partial_targets FROM targets WHERE scenario = 'partial';

-- ---- 6. projected attainment: June 2025 as of 2025-06-16 (1-15 June actual, 16-30 June forecast)
SELECT set_target('net_sales', '2025-06-01', 7000, '{"region": "north"}'), set_target('net_sales', '2025-06-01', 6000, '{"region": "south"}');
-- seasonal naive by hand: day d of 16..30 June is forecast by the day of the same weekday in the last
-- week before as_of (9..15 June): as_of - 7 + ((d - as_of) mod 7)
CREATE TEMP TABLE want_proj AS
SELECT s.region, sum(s.revenue) FILTER (WHERE s.sale_date BETWEEN '2025-06-01' AND '2025-06-15') AS to_date,
       (SELECT sum(b.revenue) FROM generate_series(date '2025-06-16', date '2025-06-30', interval '1 day') d,
               rk_fc.sales b
        WHERE b.region = s.region AND b.sale_date = date '2025-06-16' - 7 + (CAST(d AS date) - date '2025-06-16') % 7) AS rest
FROM rk_fc.sales s WHERE s.region IN ('north', 'south') GROUP BY s.region;
SELECT region, to_date, rest, to_date + rest AS projected FROM want_proj ORDER BY 1;
SELECT period_start, dimension_values->>'region' AS region, target, target_source, actual_to_date, projected_value,
       round(CAST(projected_attainment AS numeric), 6) AS projected_attainment, projection_method,
       projected_lower < projected_value AND projected_value < projected_upper AS inside
FROM metric_vs_target('net_sales', '{region}', NULL, '2025-05-01', '2025-06-30', as_of => '2025-06-16', projection => 'seasonal_naive');
SELECT count(*) AS mismatches
FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-16', projection => 'seasonal_naive') t
JOIN want_proj w ON w.region = t.dimension_values->>'region'
WHERE CAST(t.actual_to_date AS numeric) <> w.to_date OR CAST(t.projected_value AS numeric) <> w.to_date + w.rest
   OR t.projected_attainment <> CAST((w.to_date + w.rest) / t.target AS float8);
-- the interval of the rest (15 days) with seasonal naive, m = 7: the error of the sum is
-- sum_k eps_{T+k} (1 + the number of multiples of 7 <= 15 - k): k = 1: 3; k = 2..8: 2; k = 9..15: 1,
-- so its variance is sigma^2 (9 + 7 x 4 + 7 x 1) = 44 sigma^2, its half-width sqrt(44) times the
-- one-day half-width of forecast() on the daily series built by hand
SELECT count(*) AS rows,
       count(*) FILTER (WHERE abs((t.projected_upper - t.projected_value) - w.w1 * sqrt(44)) > 1e-9 * w.w1
                           OR abs((t.projected_value - t.projected_lower) - w.w1 * sqrt(44)) > 1e-9 * w.w1) AS mismatches
FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-16', projection => 'seasonal_naive') t
JOIN (SELECT x.region, f.upper - f.point AS w1
      FROM (SELECT region, series_agg(sale_date, revenue) AS s FROM rk_fc.two_regions
            WHERE sale_date >= date '2025-06-16' - 364 AND sale_date < '2025-06-16' GROUP BY region) x,
           forecast(s, 1, 'seasonal_naive', season_length => 7) f) w
  ON w.region = t.dimension_values->>'region';
-- 'auto': Holt-Winters, damped trend, weekly season, on the 364 days before as_of = forecast() on the
-- daily series built by hand, summed over the 15 days left; the interval of the sum from the daily
-- half-widths w_h (c_j = sqrt(w_{j+1}^2 - w_j^2) / w_1, half-width w_1 sqrt(sum_k (1 + c_1 + .. + c_{15-k})^2)),
-- between the bounds for independent days (sqrt(sum w_h^2)) and for perfectly correlated ones (sum w_h);
-- to 1e-6 relative (the implementation drops increments of w^2 below 1e-9 of w^2, rounding noise)
CREATE TEMP TABLE hw AS
SELECT x.region, f.step, f.point, f.upper - f.point AS w
FROM (SELECT region, series_agg(sale_date, revenue) AS s FROM rk_fc.two_regions
      WHERE sale_date >= date '2025-06-16' - 364 AND sale_date < '2025-06-16' GROUP BY region) x,
     forecast(s, 15, 'holt_winters', season_length => 7, trend => 'damped') f;
CREATE TEMP TABLE hw_sum AS
WITH c AS (SELECT region, step, w, point,
                  coalesce(sqrt(greatest(lead(w) OVER (PARTITION BY region ORDER BY step) ^ 2 - w ^ 2, 0))
                           / first_value(w) OVER (PARTITION BY region ORDER BY step), 0) AS c_j FROM hw),
     cc AS (SELECT region, step, w, point, sum(c_j) OVER (PARTITION BY region ORDER BY step) - c_j AS c_before FROM c)
SELECT region, sum(point) AS rest, min(w) FILTER (WHERE step = 1) * sqrt(sum((1 + c_before) ^ 2)) AS half,
       sqrt(sum(w ^ 2)) AS independent, sum(w) AS correlated
FROM cc GROUP BY region;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE t.projected_value <> t.actual_to_date + w.rest
                           OR abs(t.projected_upper - t.projected_value - w.half) > 1e-6 * w.half
                           OR abs(t.projected_value - t.projected_lower - w.half) > 1e-6 * w.half) AS mismatches,
       bool_and(w.independent < w.half AND w.half < w.correlated) AS between_bounds,
       min(projection_method) AS method
FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-16', projection => 'auto') t
JOIN hw_sum w ON w.region = t.dimension_values->>'region';
-- rolled up from the regions' targets: the region projections added
SELECT target, target_source, actual_to_date, projected_value, projection_method,
       projected_value = (SELECT sum(to_date + rest) FROM want_proj) AS sum_of_regions
FROM metric_vs_target('net_sales', '{}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-16', projection => 'seasonal_naive');
-- like with like: with a target for north only, the total compares north's projection with north's target
SELECT set_target('net_sales', '2025-06-01', NULL, '{"region": "south"}');
SELECT target, actual_to_date, projected_value, members_with_target, members_without_target,
       projected_value = (SELECT to_date + rest FROM want_proj WHERE region = 'north') AS north_only
FROM metric_vs_target('net_sales', '{}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-16', projection => 'seasonal_naive');
SELECT set_target('net_sales', '2025-06-01', 6000, '{"region": "south"}');
-- as_of on the first day of the period: nothing is actual yet, the whole month is forecast
SELECT dimension_values->>'region' AS region, actual_to_date, projected_value > 0 AS forecast
FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-01', projection => 'naive');
-- a period that does not contain as_of has no projection; without projection, none at all
SELECT count(projected_value) AS projected
FROM metric_vs_target('net_sales', '{region}', NULL, '2025-04-01', '2025-05-31', as_of => '2025-06-16', projection => 'auto');
SELECT count(projected_value) AS projected FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-16');
-- too short a daily history (east opened on 1 March; as of 6 March: 5 days) is refused, member named
SELECT * FROM metric_vs_target('all_net_sales', '{region}', '{"region": "east"}', '2025-03-01', '2025-03-31', as_of => '2025-03-06', projection => 'auto');
-- not additive, not a calendar grain, bad level: refused
SELECT * FROM metric_vs_target('avg_line', '{region}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-16', projection => 'auto');  -- 0A000
SELECT * FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', 'total', as_of => '2025-06-16', projection => 'auto');  -- 0A000
SELECT * FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-16', projection => 'arima');  -- 22023
SELECT * FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-16', projection => 'auto', level => 0);  -- 22023
SELECT * FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', as_of => NULL, projection => 'auto');  -- 22004

-- ---- 7. the alert condition: fires where the projected attainment is below the threshold
SELECT define_alert_rule('june_short', 'net_sales', 'projected_attainment_below', 1.1, dimensions => '{region}');
SELECT rule, period_start, dimension_values->>'region' AS region, round(CAST(value AS numeric), 2) AS projected, reference, threshold, message
FROM check_alerts('2025-06-16', '{june_short}');
-- evaluated on the open period: as of 2025-07-01 the open period (July) has no target, nothing fires
SELECT count(*) FROM check_alerts('2025-07-01', '{june_short}');
SELECT define_alert_rule('bad', 'avg_line', 'projected_attainment_below', 0.9);                 -- 0A000
SELECT define_alert_rule('bad', 'net_sales', 'projected_attainment_below', -0.9);               -- 22023

-- ---- 8. evaluation rules: the reader's rights apply (SECURITY INVOKER through metric_values)
CREATE ROLE rk_fc_reader;
CREATE ROLE rk_fc_outsider;
GRANT retail_kpi_reader TO rk_fc_reader;
REVOKE SELECT ON rk_fc.two_regions FROM PUBLIC;
GRANT SELECT ON rk_fc.two_regions TO rk_fc_reader;
SET ROLE rk_fc_outsider;
SELECT * FROM metric_forecast('net_sales', 1, to_date => '2025-05-31');                         -- 42501: no right on the view
SELECT * FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-16', projection => 'auto');  -- 42501
SET ROLE rk_fc_reader;
SELECT count(*) FROM metric_forecast('net_sales', 1, '{region}', to_date => '2025-05-31');      -- allowed: 2
SELECT * FROM forecast_to_target('net_sales', 1, '{region}', to_date => '2025-05-31');          -- 42501: targets are the owner's
RESET ROLE;
SELECT restrict_metric('net_sales');
SET ROLE rk_fc_reader;
SELECT * FROM metric_forecast('net_sales', 1, to_date => '2025-05-31');                         -- 42501: restricted
SELECT * FROM metric_vs_target('net_sales', '{region}', NULL, '2025-06-01', '2025-06-30', as_of => '2025-06-16', projection => 'auto');  -- 42501
RESET ROLE;
SELECT grant_metric('net_sales', 'rk_fc_reader');
SET ROLE rk_fc_reader;
SELECT count(*) FROM metric_forecast('net_sales', 1, to_date => '2025-05-31');                  -- granted: 1
RESET ROLE;

-- cleanup (roles are cluster-wide)
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metric_grants;
DELETE FROM metrics; DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;
DELETE FROM metric_read_log;
DROP SCHEMA rk_fc CASCADE;
DROP ROLE rk_fc_reader, rk_fc_outsider;
