-- src/catalog_alerts.sql: alert rules and their evaluation (check_alerts).
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- ---------------------------------------------------------------------------------------------
-- Alert rules

CREATE OR REPLACE FUNCTION define_alert_rule(code text, metric text, condition text, threshold numeric,
                                  grain text DEFAULT 'month', dimensions text[] DEFAULT '{}', filters jsonb DEFAULT NULL,
                                  severity text DEFAULT 'warning', scenario text DEFAULT 'budget',
                                  enabled boolean DEFAULT true, owner text DEFAULT NULL, reason text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.alert_rules;
    new retail_kpi.alert_rules;
    m retail_kpi.metrics;
BEGIN
    PERFORM retail_kpi._catalog_require_author('define an alert rule');
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    PERFORM retail_kpi._catalog_check_code(scenario, 'scenario');
    PERFORM retail_kpi._catalog_check_variant(condition, 'condition', '{below,above,change_beyond,target_deviation,projected_attainment_below}');
    PERFORM retail_kpi._catalog_check_variant(grain, 'grain', '{day,week,month,quarter,year}');
    PERFORM retail_kpi._catalog_check_variant(severity, 'severity', '{info,warning,critical}');
    IF threshold IS NULL OR threshold IN ('NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric) THEN
        RAISE EXCEPTION 'argument "threshold" must be a finite number' USING ERRCODE = '22023';
    END IF;
    IF condition IN ('change_beyond', 'target_deviation') AND threshold < 0 THEN
        RAISE EXCEPTION 'argument "threshold" must not be negative for condition "%"', condition
            USING ERRCODE = '22023', DETAIL = 'It is a fraction: 0.1 means 10 %.';
    END IF;
    IF condition = 'projected_attainment_below' AND threshold < 0 THEN
        RAISE EXCEPTION 'argument "threshold" must not be negative for condition "%"', condition
            USING ERRCODE = '22023', DETAIL = 'It is an attainment: 0.95 means 95 % of the target.';
    END IF;
    IF enabled IS NULL THEN
        RAISE EXCEPTION 'argument "enabled" must not be NULL' USING ERRCODE = '22004';
    END IF;
    -- validates the metric, dimensions and filters exactly as evaluation will
    PERFORM retail_kpi.metric_sql(metrics => ARRAY[metric], dimensions => dimensions, filters => filters,
                                  from_date => DATE '2000-01-01', to_date => DATE '2000-01-31', grain => grain);
    -- a projection adds period-to-date and forecast values: additive metrics only (docs/catalog_forecast.md)
    IF condition = 'projected_attainment_below' AND NOT retail_kpi._catalog_metric_is_additive(metric) THEN
        RAISE EXCEPTION 'metric "%" cannot be projected: it is not additive', metric
            USING ERRCODE = '0A000',
                  DETAIL = 'Condition "projected_attainment_below" adds the period-to-date actual and a forecast of the rest of the period; only a simple metric over a sum or count adds up that way.';
    END IF;
    -- a rule watches a certified metric, one of the caller's own, or any metric for a steward (R1)
    SELECT * INTO m FROM retail_kpi.metrics t WHERE t.code = metric;
    IF m.status <> 'certified' AND NOT retail_kpi._catalog_has_role(retail_kpi.catalog_caller_id(), m.owner)
       AND NOT retail_kpi._catalog_is_steward(retail_kpi.catalog_caller_id()) THEN
        RAISE EXCEPTION 'permission denied to attach an alert rule to metric "%"', metric
            USING ERRCODE = '42501',
                  DETAIL = pg_catalog.format('It is a %s metric of %s; rules may watch certified metrics, metrics of roles the caller is a member of, or (stewards) any metric.',
                                             m.status, retail_kpi._catalog_role_label(m.owner));
    END IF;
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
    'creates or updates an alert rule: below/above threshold, change vs previous period, deviation from target beyond a fraction, or projected attainment of the open period below a fraction';

-- A value for messages: at most 4 decimals, no trailing zeros.
CREATE OR REPLACE FUNCTION _catalog_fmt(x float8) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT trim_scale(round(CAST(x AS numeric), 4))::text; $$;
COMMENT ON FUNCTION _catalog_fmt(float8) IS 'internal: a value rounded to 4 decimals for alert messages';

-- Evaluates alert rules on the last complete period (of each rule's grain) before as_of; a rule on
-- projected attainment on the period that contains as_of (the days before as_of are actual, the rest
-- is forecast, method 'auto': docs/catalog_forecast.md).  Without
-- rules: the enabled rules owned by the caller's current role only, since evaluating a rule runs its
-- owner's definitions with the caller's rights (docs/security.md, R5); with rules: the named rules
-- the caller may see (disabled ones included), under the evaluation rule R4.  A rule that fails gives
-- one row with severity 'error' and the error as message; the other rules are still evaluated.
CREATE OR REPLACE FUNCTION check_alerts(as_of date DEFAULT CURRENT_DATE, rules text[] DEFAULT NULL)
RETURNS TABLE(rule text, metric text, severity text, condition text, period_start date, dimension_values jsonb,
              value float8, reference float8, threshold numeric, message text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    a retail_kpi.alert_rules;
    p_end date;
    p_start date;
    fired jsonb;
    missing text;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'argument "as_of" must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF rules IS NOT NULL THEN
        IF array_position(rules, NULL) IS NOT NULL THEN
            RAISE EXCEPTION 'argument "rules" must not contain NULL' USING ERRCODE = '22004';
        END IF;
        PERFORM retail_kpi._catalog_check_count(cardinality(rules), 'rules', 1000);
        -- alert_rules is under row-level security: a rule the caller may not see does not exist for it
        SELECT x INTO missing FROM unnest(rules) x
        WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.alert_rules r WHERE r.code = x) ORDER BY 1 LIMIT 1;
        IF missing IS NOT NULL THEN
            RAISE EXCEPTION 'alert rule "%" does not exist', missing
                USING ERRCODE = '42704', HINT = 'Rules of other roles are visible to stewards, members of retail_kpi_reader and members of their owner role.';
        END IF;
    END IF;
    FOR a IN SELECT * FROM retail_kpi.alert_rules r
             WHERE CASE WHEN rules IS NULL THEN r.enabled AND r.owner = retail_kpi.catalog_caller_id()
                        ELSE r.code = ANY (rules) END
             ORDER BY r.code LOOP
        IF a.condition = 'projected_attainment_below' THEN
            -- the open period: the one that contains as_of
            p_start := date_trunc(a.grain, as_of::timestamp)::date;
            p_end := (p_start + ('1 ' || a.grain)::interval)::date - 1;
        ELSE
            -- the last complete period before as_of
            p_end := (date_trunc(a.grain, as_of::timestamp)::date) - 1;
            p_start := date_trunc(a.grain, p_end::timestamp)::date;
        END IF;
        BEGIN
            IF a.condition IN ('below', 'above') THEN
                SELECT coalesce(jsonb_agg(to_jsonb(x)), '[]') INTO fired FROM (
                SELECT a.code AS rule, a.metric, a.severity, a.condition, v.period_start, v.dimension_values, v.value,
                       CAST(a.threshold AS float8) AS reference, a.threshold,
                       format('%s is %s, %s the threshold %s', a.metric, retail_kpi._catalog_fmt(v.value), a.condition, a.threshold) AS message
                FROM retail_kpi.metric_values(ARRAY[a.metric], a.dimensions, a.filters, p_start, p_end, a.grain) v
                WHERE CASE a.condition WHEN 'below' THEN coalesce(v.exact_value, CAST(v.value AS numeric)) < a.threshold
                                       ELSE coalesce(v.exact_value, CAST(v.value AS numeric)) > a.threshold END
                ORDER BY v.period_start, v.dimension_values) x;
            ELSIF a.condition = 'change_beyond' THEN
                SELECT coalesce(jsonb_agg(to_jsonb(x)), '[]') INTO fired FROM (
                SELECT a.code AS rule, a.metric, a.severity, a.condition, v.period_start, v.dimension_values, v.value,
                       v.base_value AS reference, a.threshold,
                       format('%s changed by %s %% vs the previous period (%s → %s, %s), beyond %s %%', a.metric,
                              round(CAST(v.change * 100 AS numeric), 1), retail_kpi._catalog_fmt(v.base_value),
                              retail_kpi._catalog_fmt(v.value),
                              -- the absolute change, in percentage points for a rate
                              CASE WHEN v.change_pp IS NOT NULL
                                   THEN CASE WHEN v.change_pp >= 0 THEN '+' ELSE '' END || round(CAST(v.change_pp AS numeric), 2) || ' pp'
                                   ELSE CASE WHEN v.absolute_change >= 0 THEN '+' ELSE '' END
                                        || retail_kpi._catalog_fmt(CAST(v.absolute_change AS float8)) END,
                              trim_scale(a.threshold * 100)) AS message
                FROM retail_kpi.metric_values(ARRAY[a.metric], a.dimensions, a.filters, p_start, p_end, a.grain,
                                              'previous_period') v
                WHERE abs(CAST(v.change AS numeric)) > a.threshold
                ORDER BY v.period_start, v.dimension_values) x;
            ELSIF a.condition = 'projected_attainment_below' THEN
                SELECT coalesce(jsonb_agg(to_jsonb(x)), '[]') INTO fired FROM (
                SELECT a.code AS rule, a.metric, a.severity, a.condition, t.period_start, t.dimension_values,
                       t.projected_value AS value, CAST(t.target AS float8) AS reference, a.threshold,
                       format('%s is projected at %s (%s actual to %s + %s forecast by %s, 95 %% interval %s to %s) against a target of %s: %s %% attainment, below %s %%',
                              a.metric, retail_kpi._catalog_fmt(t.projected_value), retail_kpi._catalog_fmt(t.actual_to_date),
                              to_char(as_of - 1, 'YYYY-MM-DD'), retail_kpi._catalog_fmt(t.projected_value - t.actual_to_date), t.projection_method,
                              retail_kpi._catalog_fmt(t.projected_lower), retail_kpi._catalog_fmt(t.projected_upper), t.target,
                              round(CAST(t.projected_attainment * 100 AS numeric), 1), trim_scale(a.threshold * 100)) AS message
                FROM retail_kpi.metric_vs_target(a.metric, a.dimensions, a.filters, p_start, p_end, a.grain, a.scenario,
                                                 as_of => as_of, projection => 'auto') t
                WHERE t.period_start = p_start AND CAST(t.projected_attainment AS numeric) < a.threshold
                ORDER BY t.period_start, t.dimension_values) x;
            ELSE
                SELECT coalesce(jsonb_agg(to_jsonb(x)), '[]') INTO fired FROM (
                SELECT a.code AS rule, a.metric, a.severity, a.condition, t.period_start, t.dimension_values,
                       t.actual AS value, CAST(t.target AS float8) AS reference, a.threshold,
                       format('%s is %s against a target of %s (%s %%), beyond %s %%', a.metric,
                              retail_kpi._catalog_fmt(t.actual), t.target,
                              round(CAST(t.deviation * 100 AS numeric), 1), trim_scale(a.threshold * 100)) AS message
                FROM retail_kpi.metric_vs_target(a.metric, a.dimensions, a.filters, p_start, p_end, a.grain, a.scenario) t
                WHERE abs(CAST(t.deviation AS numeric)) > a.threshold
                ORDER BY t.period_start, t.dimension_values) x;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            fired := jsonb_build_array(jsonb_build_object(
                'rule', a.code, 'metric', a.metric, 'severity', 'error', 'condition', a.condition,
                'threshold', a.threshold, 'message', format('rule failed: %s (SQLSTATE %s)', SQLERRM, SQLSTATE)));
        END;
        RETURN QUERY SELECT x.rule, x.metric, x.severity, x.condition, x.period_start, x.dimension_values, x.value,
                            x.reference, x.threshold, x.message
                     FROM jsonb_to_recordset(fired) AS x(rule text, metric text, severity text, condition text,
                                                        period_start date, dimension_values jsonb, value float8,
                                                        reference float8, threshold numeric, message text);
    END LOOP;
END
$$;
COMMENT ON FUNCTION check_alerts(date, text[]) IS
    'evaluates the caller''s own enabled alert rules (or the rules named) on the last complete period before as_of (projected attainment: on the period containing as_of); a failing rule gives a row of severity error';
