-- src/catalog_forecast.sql: forecasts of catalog metrics (metric_forecast, forecast_to_target) and the
-- projection of an open period (period-to-date actual + forecast of the rest) used by
-- metric_vs_target and check_alerts (issue 15, docs/catalog_forecast.md).
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)
--
-- Every function here is SECURITY INVOKER: the metric's history is read through metric_values, so the
-- evaluation rule (R4), restricted metrics (R7) and the caller's own rights on the sources apply.

-- ---------------------------------------------------------------------------------------------
-- Internal helpers

-- The first day of the period of a grain that contains d (the grains metric_forecast accepts).
CREATE OR REPLACE FUNCTION _catalog_period_of(d date, grain text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN grain = 'retail_week' THEN (retail_kpi.retail_week(d)).week_start
                ELSE CAST(date_trunc(grain, CAST(d AS timestamp)) AS date) END;
$$;
COMMENT ON FUNCTION _catalog_period_of(date, text) IS
    'internal: the first day of the period of a grain (day, week, month, quarter, year, retail_week) that contains a date';

-- The length of one period of a grain, as the step between period starts.
CREATE OR REPLACE FUNCTION _catalog_grain_step(grain text) RETURNS interval
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE grain WHEN 'day' THEN interval '1 day' WHEN 'week' THEN interval '7 days'
                      WHEN 'retail_week' THEN interval '7 days' WHEN 'month' THEN interval '1 month'
                      WHEN 'quarter' THEN interval '3 months' WHEN 'year' THEN interval '1 year' END;
$$;
COMMENT ON FUNCTION _catalog_grain_step(text) IS 'internal: the step between two period starts of a grain';

-- Whether a metric's values add up over periods and members: a simple metric over a sum or count
-- measure (the same test as the roll-up of children's targets in metric_vs_target).
CREATE OR REPLACE FUNCTION _catalog_metric_is_additive(metric text) RETURNS boolean
LANGUAGE sql STABLE STRICT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
    SELECT m.kind = 'simple' AND coalesce(me.aggregation IN ('sum', 'count'), false)
    FROM retail_kpi.metrics m LEFT JOIN retail_kpi.measures me ON me.code = m.definition->>'measure'
    WHERE m.code = metric;
$$;
COMMENT ON FUNCTION _catalog_metric_is_additive(text) IS
    'internal: true for a simple metric over a sum or count measure (its values add up), false otherwise, NULL for an unknown metric';

-- Raises 42704 (with a did-you-mean hint) unless the metric exists (visible to the caller).
CREATE OR REPLACE FUNCTION _catalog_require_metric(metric text) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
BEGIN
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    IF NOT EXISTS (SELECT 1 FROM retail_kpi.metrics t WHERE t.code = metric) THEN
        RAISE EXCEPTION 'metric "%" does not exist', metric
            USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('metric', metric);
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_require_metric(text) IS 'internal: raises 42704 unless the metric exists';

-- ' for {members}' for messages, nothing for the whole (no dimensions).
CREATE OR REPLACE FUNCTION _catalog_member_label(member jsonb) RETURNS text
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN member IS NULL OR member = '{}' THEN '' ELSE ' for ' || member::text END;
$$;
COMMENT ON FUNCTION _catalog_member_label(jsonb) IS 'internal: the dimension members of a forecast for error messages';

-- Forecasts one member's series with the C family.  method 'auto' picks, by the number n of regular
-- periods (gaps included) and the season length m: Holt-Winters (additive, estimated) when n >= 2m,
-- seasonal naive when m + 1 <= n < 2m, Holt when there is no season and n >= 4, and otherwise refuses
-- with 22023; any other method is passed as it is.  Errors of the C family are raised again with the
-- metric and the member named.  Returns the method used with every row.
CREATE OR REPLACE FUNCTION _catalog_forecast_member(s retail_kpi.series_summary, horizon int, method text, m int,
                                                    level float8, gaps text, trend text, step interval,
                                                    metric text, member jsonb)
RETURNS TABLE(step_no int, period date, point float8, lower float8, upper float8, method_used text, periods int)
-- PARALLEL UNSAFE: its exception block starts a subtransaction, which parallel mode forbids
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    first_p date;
    last_p date;
    n int;
    chosen text := method;
    st text;
    msg text;
    det text;
    hnt text;
BEGIN
    SELECT min(p.period), max(p.period) INTO first_p, last_p FROM retail_kpi.series_points(s) p;
    SELECT count(*) INTO n FROM generate_series(CAST(first_p AS timestamp), CAST(last_p AS timestamp), step) g;
    IF method = 'auto' THEN
        chosen := CASE WHEN m IS NOT NULL AND n >= 2 * m THEN 'holt_winters'
                       WHEN m IS NOT NULL AND n >= m + 1 THEN 'seasonal_naive'
                       WHEN m IS NULL AND n >= 4 THEN 'holt' END;
        IF chosen IS NULL THEN
            RAISE EXCEPTION 'cannot forecast metric "%"%: % periods are too few', metric, retail_kpi._catalog_member_label(member), n
                USING ERRCODE = '22023',
                      DETAIL = CASE WHEN m IS NULL THEN 'Method "auto" needs at least 4 periods without a season (Holt).'
                                    ELSE format('Method "auto" needs at least %s periods (seasonal naive, season length %s); Holt-Winters needs %s.', m + 1, m, 2 * m) END,
                      HINT = 'Give a longer history (argument "from_date"), a shorter "season_length", or a method such as ''naive''.';
        END IF;
    END IF;
    BEGIN
        RETURN QUERY
        SELECT f.step, f.period, f.point, f.lower, f.upper, chosen, n
        FROM retail_kpi.forecast(s, horizon, chosen, season_length => m, level => level, gaps => gaps,
                                 -- a trend given with an explicit method goes to the C family (22023 where the
                                 -- method has none); with 'auto' it applies when the choice has a trend
                                 trend => CASE WHEN method <> 'auto' OR chosen IN ('holt', 'holt_winters') THEN trend END) f;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
        RAISE EXCEPTION 'cannot forecast metric "%"%: %', metric, retail_kpi._catalog_member_label(member), msg
            USING ERRCODE = st,
                  DETAIL = coalesce(nullif(det, ''), format('The series has %s periods (%s to %s); method %s.', n,
                                                               to_char(first_p, 'YYYY-MM-DD'), to_char(last_p, 'YYYY-MM-DD'), chosen)),
                  HINT = coalesce(nullif(hnt, ''), 'The methods and their minimum lengths are in docs/forecast.md.');
    END;
END
$$;
COMMENT ON FUNCTION _catalog_forecast_member(series_summary, int, text, int, float8, text, text, interval, text, jsonb) IS
    'internal: forecasts one member''s series (method auto: Holt-Winters, else seasonal naive, else refuse), naming the metric and member in errors';

-- ---------------------------------------------------------------------------------------------
-- metric_forecast

-- Forecasts a metric by dimension members: its history at the grain is read with metric_values (the
-- caller's rights, R4, R7), one series per member set is built with series_agg and forecast with the
-- C family (docs/forecast.md).  The history is whole periods only: from_date must be the first day of
-- a period, to_date (default: the end of the last complete period before today) the last day of one.
-- Season length by grain: day 7, week and retail_week 52, month 12, quarter 4, year none.  Gaps
-- (periods without rows between a member's first period and the end of the history) count as 0 for
-- additive metrics (sum, count) and are an error otherwise, unless `gaps` says; an additive member
-- without rows in the last periods gets 0 there (the series ends with the history).
CREATE OR REPLACE FUNCTION metric_forecast(metric text, horizon int, dimensions text[] DEFAULT '{}',
                                           filters jsonb DEFAULT NULL, from_date date DEFAULT NULL,
                                           to_date date DEFAULT NULL, grain text DEFAULT 'month',
                                           method text DEFAULT 'auto', level float8 DEFAULT 0.95,
                                           season_length int DEFAULT NULL, gaps text DEFAULT NULL,
                                           trend text DEFAULT NULL)
RETURNS TABLE(dimension_values jsonb, step int, period_start date, point float8, lower float8, upper float8,
              method_used text, season_length_used int, history_periods int)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    additive boolean;
    gap_mode text;
    m int;
    last_ps date;
    stp interval;
    r record;
BEGIN
    PERFORM retail_kpi._catalog_require_metric(metric);
    PERFORM retail_kpi._catalog_check_variant(grain, 'grain', '{day,week,month,quarter,year,retail_week}');
    PERFORM retail_kpi._catalog_check_variant(method, 'method', '{auto,naive,seasonal_naive,ses,holt,holt_winters}');
    IF gaps IS NOT NULL THEN
        PERFORM retail_kpi._catalog_check_variant(gaps, 'gaps', '{error,zero}');
    END IF;
    IF horizon IS NULL OR horizon < 1 OR horizon > 1000 THEN
        RAISE EXCEPTION 'argument "horizon" must be between 1 and 1000' USING ERRCODE = '22023',
            DETAIL = format('It is %s.', coalesce(horizon::text, 'NULL'));
    END IF;
    IF level IS NULL OR NOT (level > 0 AND level < 1) THEN
        RAISE EXCEPTION 'argument "level" must be between 0 and 1 (exclusive)' USING ERRCODE = '22023';
    END IF;
    IF dimensions IS NULL OR array_position(dimensions, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "dimensions" must be an array without NULL elements' USING ERRCODE = '22023';
    END IF;
    additive := retail_kpi._catalog_metric_is_additive(metric);
    gap_mode := coalesce(gaps, CASE WHEN additive THEN 'zero' ELSE 'error' END);
    m := coalesce(season_length, CASE grain WHEN 'day' THEN 7 WHEN 'week' THEN 52 WHEN 'retail_week' THEN 52
                                             WHEN 'month' THEN 12 WHEN 'quarter' THEN 4 END);
    stp := retail_kpi._catalog_grain_step(grain);
    -- whole periods only
    IF to_date IS NULL THEN
        to_date := retail_kpi._catalog_period_of(current_date, grain) - 1;
    ELSIF retail_kpi._catalog_period_of(to_date + 1, grain) <> to_date + 1 THEN
        RAISE EXCEPTION 'argument "to_date" (%) is not the last day of a %', to_char(to_date, 'YYYY-MM-DD'), grain
            USING ERRCODE = '22023', DETAIL = 'A forecast continues whole periods; a period cut short would be taken as a low value.',
                  HINT = format('Use %s (the end of the last whole period).', to_char(retail_kpi._catalog_period_of(to_date + 1, grain) - 1, 'YYYY-MM-DD'));
    END IF;
    IF from_date IS NOT NULL AND retail_kpi._catalog_period_of(from_date, grain) <> from_date THEN
        RAISE EXCEPTION 'argument "from_date" (%) is not the first day of a %', to_char(from_date, 'YYYY-MM-DD'), grain
            USING ERRCODE = '22023', DETAIL = 'A forecast continues whole periods; a period cut short would be taken as a low value.',
                  HINT = format('Use %s.', to_char(retail_kpi._catalog_period_of(from_date, grain) + stp, 'YYYY-MM-DD'));
    END IF;
    IF from_date IS NOT NULL AND from_date > to_date THEN
        RAISE EXCEPTION 'argument "from_date" (%) is after the end of the history (%)', to_char(from_date, 'YYYY-MM-DD'), to_char(to_date, 'YYYY-MM-DD')
            USING ERRCODE = '22023';
    END IF;
    last_ps := retail_kpi._catalog_period_of(to_date, grain);

    FOR r IN
        WITH v AS (
            SELECT x.dimension_values AS dv, x.period_start AS ps, coalesce(x.exact_value, CAST(x.value AS numeric)) AS val
            FROM retail_kpi.metric_values(metrics => ARRAY[metric], dimensions => dimensions, filters => filters,
                                          from_date => from_date, to_date => to_date, grain => grain) x),
        -- every period of the grain from a member's first value to the end of the history: the series
        -- given to the C family is regular at the grain (its own spacing would otherwise be inferred
        -- from the dates, e.g. every other month for a member that sells in odd months only)
        b AS (SELECT v.dv, min(v.ps) AS first_p FROM v WHERE v.val IS NOT NULL GROUP BY v.dv),
        g AS (SELECT b.dv, CAST(x AS date) AS ps
              FROM b, generate_series(CAST(b.first_p AS timestamp), CAST(last_ps AS timestamp), stp) x),
        gv AS (SELECT g.dv, g.ps, v.val FROM g LEFT JOIN v ON v.dv = g.dv AND v.ps = g.ps AND v.val IS NOT NULL)
        SELECT gv.dv, retail_kpi.series_agg(gv.ps, CASE WHEN gap_mode = 'zero' THEN coalesce(gv.val, 0) ELSE gv.val END) AS s,
               count(*) AS n, count(*) FILTER (WHERE gv.val IS NULL) AS missing,
               min(gv.ps) FILTER (WHERE gv.val IS NULL) AS first_missing
        FROM gv GROUP BY gv.dv ORDER BY gv.dv
    LOOP
        IF r.missing > 0 AND gap_mode = 'error' THEN
            RAISE EXCEPTION 'cannot forecast metric "%"%: % of its % periods have no value, the first %', metric,
                  retail_kpi._catalog_member_label(r.dv), r.missing, r.n, to_char(r.first_missing, 'YYYY-MM-DD')
                USING ERRCODE = '22023',
                      DETAIL = 'The periods run from the member''s first value to the end of the history; a value of a ratio or derived metric can be missing (no rows, division by zero).',
                      HINT = 'With gaps => ''zero'' a period without a value counts as 0; or give a shorter history.';
        END IF;
        RETURN QUERY
        SELECT r.dv, f.step_no, f.period, f.point, f.lower, f.upper, f.method_used,
               CASE WHEN f.method_used IN ('seasonal_naive', 'holt_winters') THEN m END, f.periods
        FROM retail_kpi._catalog_forecast_member(r.s, horizon, method, m, level, gap_mode, trend, stp, metric, r.dv) f;
    END LOOP;
END
$$;
COMMENT ON FUNCTION metric_forecast(text, int, text[], jsonb, date, date, text, text, float8, int, text, text) IS
    'forecasts a metric by dimension members for the next periods of a grain from its history (read with metric_values), with prediction intervals and the method used per member';

-- ---------------------------------------------------------------------------------------------
-- forecast_to_target

-- Writes a forecast as targets of a scenario (default 'forecast'): one target per member set and
-- forecast period, the point forecast (or the lower or upper end of the interval: `bound`) rounded to
-- `digits` decimals, with set_target (metric owner or steward only, as for any target).  Filters are
-- refused: a target is keyed by dimension members, a filtered forecast would be stored as if it were
-- the members' whole value.  Returns what was written.
CREATE OR REPLACE FUNCTION forecast_to_target(metric text, horizon int, dimensions text[] DEFAULT '{}',
                                              from_date date DEFAULT NULL, to_date date DEFAULT NULL,
                                              grain text DEFAULT 'month', method text DEFAULT 'auto',
                                              scenario text DEFAULT 'forecast', bound text DEFAULT 'point',
                                              level float8 DEFAULT 0.95, digits int DEFAULT 2,
                                              reason text DEFAULT NULL, filters jsonb DEFAULT NULL)
RETURNS TABLE(period_start date, dimension_values jsonb, value numeric, method_used text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    rows jsonb;
BEGIN
    PERFORM retail_kpi._catalog_check_code(scenario, 'scenario');
    PERFORM retail_kpi._catalog_check_variant(bound, 'bound', '{point,lower,upper}');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    IF digits IS NULL OR digits < 0 OR digits > 10 THEN
        RAISE EXCEPTION 'argument "digits" must be between 0 and 10' USING ERRCODE = '22023';
    END IF;
    IF filters IS NOT NULL THEN
        RAISE EXCEPTION 'argument "filters" is not supported by forecast_to_target'
            USING ERRCODE = '0A000', DETAIL = 'Targets are keyed by dimension members only: a filtered forecast would be stored as the members'' whole value.',
                  HINT = 'Forecast by the dimension you would filter on (argument "dimensions").';
    END IF;
    PERFORM retail_kpi._catalog_require_metric(metric);
    -- the whole forecast first: an error for one member writes nothing
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'p', f.period_start, 'd', f.dimension_values, 'm', f.method_used,
               'v', round(CAST(CASE bound WHEN 'lower' THEN f.lower WHEN 'upper' THEN f.upper ELSE f.point END AS numeric), digits))
               ORDER BY f.period_start, f.dimension_values), '[]')
      INTO rows
    FROM retail_kpi.metric_forecast(metric, horizon, dimensions, NULL, from_date, to_date, grain, method, level) f;
    PERFORM retail_kpi.set_target(metric, (x->>'p')::date, (x->>'v')::numeric, x->'d', grain, scenario,
                                  coalesce(reason, format('forecast (%s, %s)', x->>'m', bound)))
    FROM jsonb_array_elements(rows) x;
    RETURN QUERY SELECT (x->>'p')::date, x->'d', (x->>'v')::numeric, x->>'m' FROM jsonb_array_elements(rows) x;
END
$$;
COMMENT ON FUNCTION forecast_to_target(text, int, text[], date, date, text, text, text, text, float8, int, text, jsonb) IS
    'writes a metric''s forecast (point or an interval bound) as targets of a scenario (default forecast) with set_target; returns the targets written';

-- ---------------------------------------------------------------------------------------------
-- Projection of the open period

-- The projection of the period of `grain` that contains as_of, by dimension members: the actual of
-- the days before as_of (period to date) and a forecast of the days from as_of to the period's end,
-- from the metric's daily values of the 364 days before as_of (52 weeks; days without rows are 0, the
-- series ends with the day before as_of).  method 'auto': Holt-Winters with a damped trend and a
-- weekly season (m = 7, parameters estimated) from 14 days of history, seasonal naive (the same
-- weekday a week before) from 8 days, otherwise 22023.  The rest's interval is the interval of the
-- sum of the daily forecasts (the errors of the days are correlated through the states; the weights
-- come from the daily interval widths, docs/catalog_forecast.md).  Additive metrics only (0A000).
CREATE OR REPLACE FUNCTION _catalog_project_period(metric text, dimensions text[], filters jsonb, grain text,
                                                   as_of date, method text, level float8)
RETURNS TABLE(dimension_values jsonb, period_start date, actual_to_date numeric, rest float8, rest_lower float8,
              rest_upper float8, method_used text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    ps date;
    pe date;
    r record;
    pts float8[];
    ws float8[];
    cum float8[];
    mth text;
    h int;
    total float8;
    sq float8;
    half float8;
    d float8;
BEGIN
    PERFORM retail_kpi._catalog_check_variant(method, 'projection', '{auto,naive,seasonal_naive,ses,holt,holt_winters}');
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'argument "as_of" must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF grain NOT IN ('day', 'week', 'month', 'quarter', 'year') THEN
        RAISE EXCEPTION 'a projection needs a calendar grain (day, week, month, quarter or year), not "%"', grain
            USING ERRCODE = '0A000', HINT = 'Call without "projection", or at a calendar grain.';
    END IF;
    IF NOT retail_kpi._catalog_metric_is_additive(metric) THEN
        RAISE EXCEPTION 'metric "%" cannot be projected: it is not additive', metric
            USING ERRCODE = '0A000',
                  DETAIL = 'A projection adds the period-to-date actual and a forecast of the rest of the period; only a simple metric over a sum or count adds up that way.',
                  HINT = 'Project its numerator and denominator (metric_vs_target with "projection" on each), or call without "projection".';
    END IF;
    ps := retail_kpi._catalog_period_of(as_of, grain);
    pe := CAST(ps + retail_kpi._catalog_grain_step(grain) AS date) - 1;
    FOR r IN
        WITH v AS (
            SELECT x.dimension_values AS dv, x.period_start AS d, coalesce(x.exact_value, CAST(x.value AS numeric)) AS val
            FROM retail_kpi.metric_values(metrics => ARRAY[metric], dimensions => dimensions, filters => filters,
                                          from_date => as_of - 364, to_date => as_of - 1, grain => 'day') x),
        -- every day from the member's first value to the day before as_of; days without rows are 0
        b AS (SELECT v.dv, min(v.d) AS first_d FROM v WHERE v.val IS NOT NULL GROUP BY v.dv),
        g AS (SELECT b.dv, CAST(x AS date) AS d
              FROM b, generate_series(CAST(b.first_d AS timestamp), CAST(as_of - 1 AS timestamp), interval '1 day') x),
        gv AS (SELECT g.dv, g.d, coalesce(v.val, 0) AS val FROM g LEFT JOIN v ON v.dv = g.dv AND v.d = g.d)
        SELECT gv.dv, retail_kpi.series_agg(gv.d, gv.val) AS s, coalesce(sum(gv.val) FILTER (WHERE gv.d >= ps), 0) AS to_date_sum
        FROM gv GROUP BY gv.dv ORDER BY gv.dv
    LOOP
        SELECT array_agg(f.point ORDER BY f.step_no), array_agg(f.upper - f.point ORDER BY f.step_no), max(f.method_used)
          INTO pts, ws, mth
        FROM retail_kpi._catalog_forecast_member(r.s, pe - as_of + 1, method, 7, level, 'zero',
                                                 CASE WHEN method = 'auto' THEN 'damped' END,
                                                 interval '1 day', metric, r.dv) f;
        h := cardinality(pts);
        total := 0;
        FOR k IN 1 .. h LOOP
            total := total + pts[k];
        END LOOP;
        -- the interval of the sum: w_h = z sigma_h = z sigma sqrt(1 + sum_{j<h} c_j^2) gives c_j
        -- (c_j >= 0 for these additive models); the sum's error is sum_k eps_{T+k} (1 + C_{H-k}),
        -- C_i = c_1 + ... + c_i, so its half-width is w_1 sqrt(sum_k (1 + C_{H-k})^2)
        cum := ARRAY[0::float8];
        FOR j IN 1 .. h - 1 LOOP
            -- increments below 1e-9 of w_j^2 are rounding noise of equal widths (c_j = 0)
            d := ws[j + 1] ^ 2 - ws[j] ^ 2;
            cum := cum || (cum[j] + CASE WHEN ws[1] > 0 AND d > 1e-9 * ws[j] ^ 2 THEN sqrt(d) / ws[1] ELSE 0 END);
        END LOOP;
        sq := 0;
        FOR k IN 1 .. h LOOP
            sq := sq + (1 + cum[h - k + 1]) ^ 2;     -- cum[i + 1] = C_i
        END LOOP;
        half := ws[1] * sqrt(sq);
        dimension_values := r.dv;
        period_start := ps;
        actual_to_date := r.to_date_sum;
        rest := total;
        rest_lower := total - half;
        rest_upper := total + half;
        method_used := mth;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION _catalog_project_period(text, text[], jsonb, text, date, text, float8) IS
    'internal: per member set, the period-to-date actual and a forecast of the rest of the period containing as_of, from 364 days of daily history (additive metrics only)';
