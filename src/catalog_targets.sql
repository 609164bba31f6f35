-- src/catalog_targets.sql: targets, attainment and metric_vs_target.
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- ---------------------------------------------------------------------------------------------
-- Targets

-- Checks a {dimension code: scalar} object (target members).
CREATE OR REPLACE FUNCTION _catalog_check_members(members jsonb, argname text) RETURNS jsonb
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    k text;
    v jsonb;
BEGIN
    IF members IS NULL OR jsonb_typeof(members) <> 'object' THEN
        RAISE EXCEPTION 'argument "%" must be a JSON object mapping dimension codes to values', argname USING ERRCODE = '22023';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(members) LOOP
        PERFORM retail_kpi._catalog_check_code(k, argname);
        IF NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions d WHERE d.code = k) THEN
            RAISE EXCEPTION 'dimension "%" does not exist', k USING ERRCODE = '42704';
        END IF;
        IF jsonb_typeof(v) IN ('object', 'array', 'null') THEN
            RAISE EXCEPTION 'invalid member of dimension "%" in argument "%"', k, argname
                USING ERRCODE = '22023', DETAIL = 'Members are non-null JSON scalars.';
        END IF;
    END LOOP;
    RETURN members;
END
$$;
COMMENT ON FUNCTION _catalog_check_members(jsonb, text) IS 'internal: validates a {dimension: member} object';

CREATE OR REPLACE FUNCTION set_target(metric text, period_start date, value numeric, dimensions jsonb DEFAULT '{}',
                           grain text DEFAULT 'month', scenario text DEFAULT 'budget', reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    m retail_kpi.metrics;
    old retail_kpi.targets;
    new retail_kpi.targets;
BEGIN
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_code(scenario, 'scenario');
    PERFORM retail_kpi._catalog_check_variant(grain, 'grain',
        '{day,week,month,quarter,year,total,retail_week,retail_period,retail_quarter,retail_year}');
    PERFORM retail_kpi._catalog_check_members(dimensions, 'dimensions');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    SELECT * INTO m FROM retail_kpi.metrics t WHERE t.code = metric;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist', metric USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner('metric', metric, m.owner);
    IF period_start IS NULL THEN
        RAISE EXCEPTION 'argument "period_start" must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF grain NOT IN ('day', 'total') AND grain NOT LIKE 'retail\_%' AND date_trunc(grain, period_start::timestamp)::date <> period_start THEN
        RAISE EXCEPTION 'argument "period_start" (%) is not the first day of a %', period_start, grain
            USING ERRCODE = '22023', HINT = format('Use %s.', date_trunc(grain, period_start::timestamp)::date);
    END IF;
    IF value IS NOT NULL AND value IN ('NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric) THEN
        RAISE EXCEPTION 'argument "value" must be a finite number' USING ERRCODE = '22023';
    END IF;
    SELECT * INTO old FROM retail_kpi.targets t
    WHERE t.metric = metric AND t.scenario = scenario AND t.grain = grain AND t.period_start = period_start
      AND t.dimensions = dimensions FOR UPDATE;
    DELETE FROM retail_kpi.targets t
    WHERE t.metric = metric AND t.scenario = scenario AND t.grain = grain AND t.period_start = period_start
      AND t.dimensions = dimensions;
    IF value IS NOT NULL THEN
        INSERT INTO retail_kpi.targets (metric, scenario, grain, period_start, dimensions, value)
        VALUES (metric, scenario, grain, period_start, dimensions, value) RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('target', metric,
        CASE WHEN value IS NULL THEN 'drop' WHEN old.metric IS NULL THEN 'create' ELSE 'update' END,
        reason, to_jsonb(old), to_jsonb(new), m.owner);
END
$$;
COMMENT ON FUNCTION set_target(text, date, numeric, jsonb, text, text, text) IS
    'sets (or with value NULL removes) the target of a metric for one period, dimension members and scenario; metric owner or admin only';

-- Target attainment per kpi-semantics.md: higher_is_better (A - T + |T|) / |T| (1 + A when T = 0);
-- lower_is_better 1 - (A - T) / |T| (1 - A when T = 0).
CREATE OR REPLACE FUNCTION _catalog_attainment(actual numeric, target numeric, direction text) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CAST(CASE WHEN direction = 'lower_is_better'
                     THEN CASE WHEN target = 0 THEN 1 - actual ELSE 1 - (actual - target) / abs(target) END
                     ELSE CASE WHEN target = 0 THEN 1 + actual ELSE (actual - target + abs(target)) / abs(target) END
                END AS float8);
$$;
COMMENT ON FUNCTION _catalog_attainment(numeric, numeric, text) IS 'internal: target attainment (达成率) as in kpi-semantics.md';

CREATE OR REPLACE FUNCTION metric_vs_target(metric text, dimensions text[] DEFAULT '{}', filters jsonb DEFAULT NULL,
                                 from_date date DEFAULT NULL, to_date date DEFAULT NULL, grain text DEFAULT 'month',
                                 scenario text DEFAULT 'budget')
RETURNS TABLE(period_start date, dimension_values jsonb, actual float8, target numeric, attainment float8,
              deviation float8, direction text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    dir text;
BEGIN
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_code(scenario, 'scenario');
    SELECT CASE WHEN m.polarity = 'lower_is_better' THEN 'lower_is_better' ELSE 'higher_is_better' END
      INTO dir FROM retail_kpi.metrics m WHERE m.code = metric;
    RETURN QUERY
    SELECT v.period_start, v.dimension_values, v.value, t.value,
           retail_kpi._catalog_attainment(coalesce(v.exact_value, CAST(v.value AS numeric)), t.value, dir),
           CASE WHEN t.value <> 0 THEN CAST((coalesce(v.exact_value, CAST(v.value AS numeric)) - t.value) / abs(t.value) AS float8) END,
           dir
    FROM retail_kpi.metric_values(ARRAY[metric], dimensions, filters, from_date, to_date, grain) v
    LEFT JOIN retail_kpi.targets t
      ON t.metric = metric AND t.scenario = scenario AND t.grain = grain
     AND t.period_start = v.period_start AND t.dimensions = v.dimension_values
    ORDER BY v.period_start, v.dimension_values;
END
$$;
COMMENT ON FUNCTION metric_vs_target(text, text[], jsonb, date, date, text, text) IS
    'actual value of a metric beside its target, attainment (by the metric''s polarity) and deviation (A - T) / |T|';

