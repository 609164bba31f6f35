-- src/catalog_alerts.sql: alert rules and their evaluation (check_alerts).
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- ---------------------------------------------------------------------------------------------
-- Alert rules

CREATE OR REPLACE FUNCTION define_alert_rule(code text, metric text, condition text, threshold numeric,
                                  grain text DEFAULT 'month', dimensions text[] DEFAULT '{}', filters jsonb DEFAULT NULL,
                                  severity text DEFAULT 'warning', scenario text DEFAULT 'budget',
                                  enabled boolean DEFAULT true, owner text DEFAULT NULL, reason text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.alert_rules;
    new retail_kpi.alert_rules;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_code(scenario, 'scenario');
    PERFORM retail_kpi._catalog_check_variant(condition, 'condition', '{below,above,change_beyond,target_deviation}');
    PERFORM retail_kpi._catalog_check_variant(grain, 'grain', '{day,week,month,quarter,year}');
    PERFORM retail_kpi._catalog_check_variant(severity, 'severity', '{info,warning,critical}');
    IF threshold IS NULL OR threshold IN ('NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric) THEN
        RAISE EXCEPTION 'argument "threshold" must be a finite number' USING ERRCODE = '22023';
    END IF;
    IF condition IN ('change_beyond', 'target_deviation') AND threshold < 0 THEN
        RAISE EXCEPTION 'argument "threshold" must not be negative for condition "%"', condition
            USING ERRCODE = '22023', DETAIL = 'It is a fraction: 0.1 means 10 %.';
    END IF;
    IF enabled IS NULL THEN
        RAISE EXCEPTION 'argument "enabled" must not be NULL' USING ERRCODE = '22004';
    END IF;
    -- validates the metric, dimensions and filters exactly as evaluation will
    PERFORM retail_kpi.metric_sql(ARRAY[metric], dimensions, filters, DATE '2000-01-01', DATE '2000-01-31', grain);
    SELECT * INTO old FROM retail_kpi.alert_rules a WHERE a.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('alert_rule', code, old.owner);
        UPDATE retail_kpi.alert_rules a SET metric = metric, grain = grain, dimensions = dimensions, filters = filters,
               condition = condition, threshold = threshold, scenario = scenario, severity = severity,
               enabled = enabled, owner = CASE WHEN owner IS NULL THEN a.owner ELSE retail_kpi._catalog_owner(owner) END, updated_at = now()
         WHERE a.code = code RETURNING a.* INTO new;
    ELSE
        INSERT INTO retail_kpi.alert_rules (code, metric, grain, dimensions, filters, condition, threshold, scenario,
                                            severity, enabled, owner)
        VALUES (code, metric, grain, dimensions, filters, condition, threshold, scenario, severity, enabled,
                retail_kpi._catalog_owner(owner))
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('alert_rule', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_alert_rule(text, text, text, numeric, text, text[], jsonb, text, text, boolean, text, text) IS
    'creates or updates an alert rule: below/above threshold, change vs previous period or deviation from target beyond a fraction';

-- A value for messages: at most 4 decimals, no trailing zeros.
CREATE OR REPLACE FUNCTION _catalog_fmt(x float8) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT trim_scale(round(CAST(x AS numeric), 4))::text; $$;
COMMENT ON FUNCTION _catalog_fmt(float8) IS 'internal: a value rounded to 4 decimals for alert messages';

CREATE OR REPLACE FUNCTION check_alerts(as_of date DEFAULT CURRENT_DATE)
RETURNS TABLE(rule text, metric text, severity text, condition text, period_start date, dimension_values jsonb,
              value float8, reference float8, threshold numeric, message text)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE AS $$
#variable_conflict use_variable
DECLARE
    a retail_kpi.alert_rules;
    p_end date;
    p_start date;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'argument "as_of" must not be NULL' USING ERRCODE = '22004';
    END IF;
    FOR a IN SELECT * FROM retail_kpi.alert_rules r WHERE r.enabled ORDER BY r.code LOOP
        -- the last complete period before as_of
        p_end := (date_trunc(a.grain, as_of::timestamp)::date) - 1;
        p_start := date_trunc(a.grain, p_end::timestamp)::date;
        IF a.condition IN ('below', 'above') THEN
            RETURN QUERY
            SELECT a.code, a.metric, a.severity, a.condition, v.period_start, v.dimension_values, v.value,
                   CAST(a.threshold AS float8), a.threshold,
                   format('%s is %s, %s the threshold %s', a.metric, retail_kpi._catalog_fmt(v.value), a.condition, a.threshold)
            FROM retail_kpi.metric_values(ARRAY[a.metric], a.dimensions, a.filters, p_start, p_end, a.grain) v
            WHERE CASE a.condition WHEN 'below' THEN coalesce(v.exact_value, CAST(v.value AS numeric)) < a.threshold
                                   ELSE coalesce(v.exact_value, CAST(v.value AS numeric)) > a.threshold END;
        ELSIF a.condition = 'change_beyond' THEN
            RETURN QUERY
            SELECT a.code, a.metric, a.severity, a.condition, v.period_start, v.dimension_values, v.value,
                   v.base_value, a.threshold,
                   format('%s changed by %s %% vs the previous period (%s → %s), beyond %s %%', a.metric,
                          round(CAST(v.change * 100 AS numeric), 1), retail_kpi._catalog_fmt(v.base_value),
                          retail_kpi._catalog_fmt(v.value), trim_scale(a.threshold * 100))
            FROM retail_kpi.metric_values(ARRAY[a.metric], a.dimensions, a.filters, p_start, p_end, a.grain,
                                          'previous_period') v
            WHERE abs(CAST(v.change AS numeric)) > a.threshold;
        ELSE
            RETURN QUERY
            SELECT a.code, a.metric, a.severity, a.condition, t.period_start, t.dimension_values, t.actual,
                   CAST(t.target AS float8), a.threshold,
                   format('%s is %s against a target of %s (%s %%), beyond %s %%', a.metric,
                          retail_kpi._catalog_fmt(t.actual), t.target,
                          round(CAST(t.deviation * 100 AS numeric), 1), trim_scale(a.threshold * 100))
            FROM retail_kpi.metric_vs_target(a.metric, a.dimensions, a.filters, p_start, p_end, a.grain, a.scenario) t
            WHERE abs(CAST(t.deviation AS numeric)) > a.threshold;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION check_alerts(date) IS
    'evaluates every enabled alert rule on the last complete period (of its grain) before as_of and returns the alerts that fire';

