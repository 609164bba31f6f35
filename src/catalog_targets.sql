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
            RAISE EXCEPTION 'dimension "%" does not exist', k USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('dimension', k);
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
        RAISE EXCEPTION 'metric "%" does not exist', metric USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('metric', metric);
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

-- A metric's actual beside its target, by dimension members and period, with the coverage of the
-- targets (issue 12, docs/indicator_center.md "Targets and coverage"):
--  * a row's own target: a target set at exactly the requested dimensions' members;
--  * otherwise, for an additive metric (a simple metric over a sum or count measure), the targets set
--    on its children roll up: the metric is evaluated at the finer dimensions of those targets, each
--    child is matched with its target, and the row compares the actual of the children that have a
--    target with the sum of their targets (like with like: covered_only => true), never the actual of
--    all children with the targets of some (the "185 %" of a region where three stores have none);
--  * the coverage columns say how much of the actual the targets cover: actual_all, covered_actual,
--    coverage = covered_actual / actual_all, members_with_target, members_without_target;
--  * a ratio or derived metric's parent target must be set explicitly (its targets are not summed).
-- target_source is 'own', 'children: <dimensions>' or NULL (no target).
-- Projected attainment (issue 15, docs/catalog_forecast.md): with `projection` (a forecast method or
-- 'auto'), the row of the period that contains as_of (the first day not known yet) also gets the
-- actual of the days before as_of, that plus a forecast of the days from as_of to the period's end
-- (_catalog_project_period, src/catalog_forecast.sql: additive metrics only), its interval and its
-- attainment; rolled-up rows add their children's projections, like with like as the actual.
CREATE OR REPLACE FUNCTION metric_vs_target(metric text, dimensions text[] DEFAULT '{}', filters jsonb DEFAULT NULL,
                                 from_date date DEFAULT NULL, to_date date DEFAULT NULL, grain text DEFAULT 'month',
                                 scenario text DEFAULT 'budget', covered_only boolean DEFAULT true,
                                 as_of date DEFAULT CURRENT_DATE, projection text DEFAULT NULL, level float8 DEFAULT 0.95)
RETURNS TABLE(period_start date, dimension_values jsonb, actual float8, target numeric, attainment float8,
              deviation float8, direction text, actual_all float8, covered_actual float8, coverage float8,
              members_with_target int, members_without_target int, target_source text,
              actual_to_date float8, projected_value float8, projected_lower float8, projected_upper float8,
              projected_attainment float8, projection_method text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    dir text;
    additive boolean;
    child_keys text[];
    detail_dims text[];
    unplaced int;
    detail jsonb;
    proj jsonb := '[]';
    proj_start date;
BEGIN
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_code(scenario, 'scenario');
    IF projection IS NOT NULL THEN
        PERFORM retail_kpi._catalog_require_metric(metric);
        IF level IS NULL OR NOT (level > 0 AND level < 1) THEN
            RAISE EXCEPTION 'argument "level" must be between 0 and 1 (exclusive)' USING ERRCODE = '22023';
        END IF;
        IF as_of IS NULL THEN
            RAISE EXCEPTION 'argument "as_of" must not be NULL' USING ERRCODE = '22004';
        END IF;
    END IF;
    IF covered_only IS NULL THEN
        RAISE EXCEPTION 'argument "covered_only" must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF dimensions IS NULL OR array_position(dimensions, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "dimensions" must be an array without NULL elements' USING ERRCODE = '22023';
    END IF;
    SELECT CASE WHEN m.polarity = 'lower_is_better' THEN 'lower_is_better' ELSE 'higher_is_better' END,
           m.kind = 'simple' AND coalesce(me.aggregation IN ('sum', 'count'), false)
      INTO dir, additive
    FROM retail_kpi.metrics m LEFT JOIN retail_kpi.measures me ON me.code = m.definition->>'measure'
    WHERE m.code = metric;
    -- the finest set of target dimensions below the requested ones (most dimensions, then most targets)
    IF additive THEN
        SELECT k.keys INTO child_keys
        FROM (SELECT ARRAY(SELECT x FROM jsonb_object_keys(t.dimensions) x ORDER BY 1) AS keys, count(*) AS n
              FROM retail_kpi.targets t
              WHERE t.metric = metric AND t.scenario = scenario AND t.grain = grain
                AND (from_date IS NULL OR t.period_start >= date_trunc(grain, from_date::timestamp)::date OR grain NOT IN ('day', 'week', 'month', 'quarter', 'year'))
                AND (to_date IS NULL OR t.period_start <= to_date)
              GROUP BY 1) k
        WHERE NOT k.keys <@ dimensions
        ORDER BY cardinality(k.keys) DESC, k.n DESC, k.keys LIMIT 1;
    END IF;

    IF projection IS NOT NULL AND grain IN ('day', 'week', 'month', 'quarter', 'year') THEN
        proj_start := CAST(date_trunc(grain, CAST(as_of AS timestamp)) AS date);
    END IF;
    IF projection IS NOT NULL AND (proj_start IS NULL
           OR ((from_date IS NULL OR CAST(proj_start + retail_kpi._catalog_grain_step(grain) AS date) > from_date)
               AND (to_date IS NULL OR proj_start <= to_date))) THEN
        SELECT coalesce(jsonb_agg(to_jsonb(x)), '[]') INTO proj
        FROM retail_kpi._catalog_project_period(metric, CASE WHEN child_keys IS NULL THEN dimensions
                                                             ELSE dimensions || ARRAY(SELECT x FROM unnest(child_keys) x WHERE NOT x = ANY (dimensions)) END,
                                                filters, grain, as_of, projection, level) x;
    END IF;

    IF child_keys IS NULL THEN
        -- own targets only
        RETURN QUERY
        WITH pr AS (SELECT * FROM jsonb_to_recordset(proj) AS x(dimension_values jsonb, period_start date, actual_to_date numeric,
                                                                 rest float8, rest_lower float8, rest_upper float8, method_used text))
        SELECT v.period_start, v.dimension_values, v.value, t.value,
               retail_kpi._catalog_attainment(coalesce(v.exact_value, CAST(v.value AS numeric)), t.value, dir),
               CASE WHEN t.value <> 0 THEN CAST((coalesce(v.exact_value, CAST(v.value AS numeric)) - t.value) / abs(t.value) AS float8) END,
               dir, v.value, CASE WHEN t.value IS NOT NULL THEN v.value END,
               CASE WHEN t.value IS NULL THEN 0::float8 ELSE 1::float8 END,
               CASE WHEN t.value IS NULL THEN 0 ELSE 1 END, CASE WHEN t.value IS NULL THEN 1 ELSE 0 END,
               CASE WHEN t.value IS NOT NULL THEN 'own' END,
               CAST(pr.actual_to_date AS float8), CAST(pr.actual_to_date AS float8) + pr.rest,
               CAST(pr.actual_to_date AS float8) + pr.rest_lower, CAST(pr.actual_to_date AS float8) + pr.rest_upper,
               retail_kpi._catalog_attainment(pr.actual_to_date + CAST(pr.rest AS numeric), t.value, dir), pr.method_used
        FROM retail_kpi.metric_values(metrics => ARRAY[metric], dimensions => dimensions, filters => filters,
                                      from_date => from_date, to_date => to_date, grain => grain) v
        LEFT JOIN retail_kpi.targets t
          ON t.metric = metric AND t.scenario = scenario AND t.grain = grain
         AND t.period_start = v.period_start AND t.dimensions = v.dimension_values
        LEFT JOIN pr ON pr.period_start = v.period_start AND pr.dimension_values = v.dimension_values
        ORDER BY v.period_start, v.dimension_values;
        RETURN;
    END IF;

    -- children's targets roll up: the metric at the requested and the targets' dimensions, once
    detail_dims := dimensions || ARRAY(SELECT x FROM unnest(child_keys) x WHERE NOT x = ANY (dimensions));
    SELECT coalesce(jsonb_agg(jsonb_build_object(
               'period_start', v.period_start, 'a', coalesce(v.exact_value, CAST(v.value AS numeric)),
               'parent', coalesce((SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(v.dimension_values) e
                                   WHERE e.key = ANY (dimensions)), '{}'),
               'child', (SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each(v.dimension_values) e
                         WHERE e.key = ANY (child_keys)))), '[]')
      INTO detail
    FROM retail_kpi.metric_values(metrics => ARRAY[metric], dimensions => detail_dims, filters => filters,
                                  from_date => from_date, to_date => to_date, grain => grain) v;
    RETURN QUERY
    WITH d AS (SELECT * FROM jsonb_to_recordset(detail) AS x(period_start date, a numeric, parent jsonb, child jsonb)),
    pr AS (SELECT * FROM jsonb_to_recordset(proj) AS x(dimension_values jsonb, period_start date, actual_to_date numeric,
                                                       rest float8, rest_lower float8, rest_upper float8, method_used text)),
    dc AS (
        SELECT d.*, t.value AS child_target, pr.actual_to_date AS atd, pr.actual_to_date + CAST(pr.rest AS numeric) AS pv,
               pr.actual_to_date + CAST(pr.rest_lower AS numeric) AS pl, pr.actual_to_date + CAST(pr.rest_upper AS numeric) AS pu,
               pr.method_used
        FROM d LEFT JOIN retail_kpi.targets t
          ON t.metric = metric AND t.scenario = scenario AND t.grain = grain
         AND t.period_start = d.period_start AND t.dimensions = d.child
        LEFT JOIN pr ON pr.period_start = d.period_start AND pr.dimension_values = d.parent || d.child),
    p AS (
        SELECT dc.period_start, dc.parent, sum(dc.a) AS a_all, sum(dc.a) FILTER (WHERE dc.child_target IS NOT NULL) AS a_cov,
               sum(dc.child_target) AS t_children, count(dc.child_target)::int AS n_with,
               count(*) FILTER (WHERE dc.child_target IS NULL)::int AS n_without,
               -- projections: complete (every child projected) or none
               CASE WHEN count(dc.pv) = count(*) THEN jsonb_build_array(sum(dc.atd), sum(dc.pv), sum(dc.pl), sum(dc.pu)) END AS proj_all,
               CASE WHEN count(dc.pv) FILTER (WHERE dc.child_target IS NOT NULL) = count(dc.child_target)
                    THEN jsonb_build_array(sum(dc.atd) FILTER (WHERE dc.child_target IS NOT NULL),
                                           sum(dc.pv) FILTER (WHERE dc.child_target IS NOT NULL),
                                           sum(dc.pl) FILTER (WHERE dc.child_target IS NOT NULL),
                                           sum(dc.pu) FILTER (WHERE dc.child_target IS NOT NULL)) END AS proj_cov,
               string_agg(DISTINCT dc.method_used, ', ') AS pm
        FROM dc GROUP BY 1, 2),
    r AS (
        SELECT p.*, own.value AS t_own,
               CASE WHEN own.value IS NOT NULL THEN own.value WHEN p.n_with > 0 THEN p.t_children END AS t,
               CASE WHEN own.value IS NULL AND p.n_with > 0 AND covered_only THEN coalesce(p.a_cov, 0) ELSE p.a_all END AS a,
               CASE WHEN own.value IS NULL AND p.n_with > 0 AND covered_only THEN p.proj_cov ELSE p.proj_all END AS pj
        FROM p LEFT JOIN retail_kpi.targets own
          ON own.metric = metric AND own.scenario = scenario AND own.grain = grain
         AND own.period_start = p.period_start AND own.dimensions = p.parent)
    SELECT r.period_start, r.parent, CAST(r.a AS float8), r.t,
           retail_kpi._catalog_attainment(r.a, r.t, dir),
           CASE WHEN r.t <> 0 THEN CAST((r.a - r.t) / abs(r.t) AS float8) END,
           dir, CAST(r.a_all AS float8), CAST(coalesce(r.a_cov, 0) AS float8),
           CASE WHEN r.a_all <> 0 THEN CAST(coalesce(r.a_cov, 0) / r.a_all AS float8) END,
           r.n_with, r.n_without,
           CASE WHEN r.t_own IS NOT NULL THEN 'own' WHEN r.n_with > 0 THEN 'children: ' || array_to_string(child_keys, ', ') END,
           CAST(r.pj->>0 AS float8), CAST(r.pj->>1 AS float8), CAST(r.pj->>2 AS float8), CAST(r.pj->>3 AS float8),
           retail_kpi._catalog_attainment(CAST(r.pj->>1 AS numeric), r.t, dir), CASE WHEN r.pj IS NOT NULL THEN r.pm END
    FROM r ORDER BY r.period_start, r.parent;

    -- children's targets whose members have no row in their period cannot be placed under a parent
    -- (with filters, the members filtered out are not known either: no notice then)
    SELECT count(*) INTO unplaced FROM retail_kpi.targets t
    WHERE filters IS NULL AND t.metric = metric AND t.scenario = scenario AND t.grain = grain
      AND ARRAY(SELECT x FROM jsonb_object_keys(t.dimensions) x ORDER BY 1) = child_keys
      AND t.period_start IN (SELECT DISTINCT (x->>'period_start')::date FROM jsonb_array_elements(detail) x)
      AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(detail) x
                      WHERE (x->>'period_start')::date = t.period_start AND x->'child' = t.dimensions);
    IF unplaced > 0 THEN
        RAISE NOTICE 'targets of metric "%" left out: % (their members have no rows in their period)', metric, unplaced
            USING HINT = 'Their parents cannot be found from the data; each parent''s attainment covers its members with rows.';
    END IF;
END
$$;
COMMENT ON FUNCTION metric_vs_target(text, text[], jsonb, date, date, text, text, boolean, date, text, float8) IS
    'actual value of a metric beside its target (own, or rolled up from children''s targets for additive metrics), attainment (by polarity), deviation, the coverage of the targets and, with projection, the projected attainment of the period containing as_of';

-- Allocates a parent's target to its children (issue 12): the members of child_dimension under the
-- parent's members, found in the data of the basis window (default: the same period one year
-- earlier), get shares by method 'equal', 'last_year' (the metric's own values in the basis window)
-- or 'metric' (basis_metric's values there); the amounts are exact to `digits` decimals and add up
-- to the parent's target exactly (largest remainder: every child gets the share rounded down, the
-- units left go one by one to the largest remainders, ties to the first members).  The children's
-- targets are written with set_target (its permission rules apply) and returned.
CREATE OR REPLACE FUNCTION allocate_target(metric text, period_start date, child_dimension text,
                                           parent jsonb DEFAULT '{}', method text DEFAULT 'equal',
                                           basis_metric text DEFAULT NULL, basis_from date DEFAULT NULL,
                                           basis_to date DEFAULT NULL, grain text DEFAULT 'month',
                                           scenario text DEFAULT 'budget', digits int DEFAULT 2,
                                           reason text DEFAULT NULL)
RETURNS TABLE(dimension_values jsonb, weight numeric, share numeric, value numeric)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    total numeric;
    unit numeric;
    period_end date;
    dims text[];
    w jsonb;
    wsum numeric;
    alloc jsonb;
BEGIN
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_code(child_dimension, 'child_dimension');
    PERFORM retail_kpi._catalog_check_code(scenario, 'scenario');
    PERFORM retail_kpi._catalog_check_variant(method, 'method', '{equal,last_year,metric}');
    PERFORM retail_kpi._catalog_check_variant(grain, 'grain', '{day,week,month,quarter,year}');
    PERFORM retail_kpi._catalog_check_members(parent, 'parent');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    IF period_start IS NULL THEN
        RAISE EXCEPTION 'argument "period_start" must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF digits IS NULL OR digits < 0 OR digits > 6 THEN
        RAISE EXCEPTION 'argument "digits" must be between 0 and 6' USING ERRCODE = '22023';
    END IF;
    IF parent ? child_dimension THEN
        RAISE EXCEPTION 'argument "parent" must not name the child dimension "%"', child_dimension USING ERRCODE = '22023';
    END IF;
    IF (method = 'metric') <> (basis_metric IS NOT NULL) THEN
        RAISE EXCEPTION 'argument "basis_metric" is required with method "metric" and only with it' USING ERRCODE = '22023';
    END IF;
    SELECT t.value INTO total FROM retail_kpi.targets t
    WHERE t.metric = metric AND t.scenario = scenario AND t.grain = grain AND t.period_start = period_start
      AND t.dimensions = parent;
    IF total IS NULL THEN
        RAISE EXCEPTION 'metric "%" has no % target for % at %', metric, scenario, period_start, parent
            USING ERRCODE = '42704', HINT = 'Set the parent''s target first with retail_kpi.set_target().';
    END IF;
    unit := power(10::numeric, -digits);
    IF trunc(total, digits) <> total THEN
        RAISE EXCEPTION 'the target % has more than % decimals', total, digits
            USING ERRCODE = '22023', HINT = 'Raise argument "digits" or round the parent''s target.';
    END IF;
    -- the basis window: the target's period, one year earlier unless given
    period_end := (date_trunc(grain, period_start::timestamp) + retail_kpi._catalog_grain_interval(grain))::date - 1;
    basis_from := coalesce(basis_from, (period_start - interval '1 year')::date);
    basis_to := coalesce(basis_to, (period_end - interval '1 year')::date);
    dims := ARRAY(SELECT jsonb_object_keys(parent) ORDER BY 1) || child_dimension;
    SELECT coalesce(jsonb_object_agg(v.dimension_values->>child_dimension,
                                     jsonb_build_object('m', v.dimension_values - ARRAY(SELECT jsonb_object_keys(parent)),
                                                        'w', CASE WHEN method = 'equal' THEN 1
                                                                  ELSE coalesce(v.exact_value, CAST(v.value AS numeric)) END)), '{}')
      INTO w
    FROM retail_kpi.metric_values(ARRAY[coalesce(basis_metric, metric)], dims, CASE WHEN parent = '{}' THEN NULL ELSE parent END,
                                  basis_from, basis_to, 'total') v
    WHERE v.dimension_values->child_dimension IS NOT NULL AND jsonb_typeof(v.dimension_values->child_dimension) <> 'null';
    IF w = '{}' THEN
        RAISE EXCEPTION 'no member of dimension "%" under % has rows from % to %', child_dimension, parent, basis_from, basis_to
            USING ERRCODE = '22023', HINT = 'Give the basis window with arguments "basis_from" and "basis_to".';
    END IF;
    SELECT sum((e.value->>'w')::numeric) INTO wsum FROM jsonb_each(w) e;
    IF EXISTS (SELECT 1 FROM jsonb_each(w) e WHERE (e.value->>'w')::numeric < 0 OR e.value->>'w' IS NULL) OR wsum <= 0 THEN
        RAISE EXCEPTION 'the basis of the allocation has negative, missing or no weight'
            USING ERRCODE = '22023', DETAIL = 'Shares need non-negative weights with a positive sum.', HINT = 'Use method "equal", or another basis.';
    END IF;
    -- largest remainder on |total| in units of 10^-digits; the sign is the target's
    WITH s AS (
        SELECT e.value->'m' AS members, (e.value->>'w')::numeric AS wt, e.key AS k,
               abs(total) / unit * (e.value->>'w')::numeric / wsum AS raw_units
        FROM jsonb_each(w) e),
    f AS (SELECT s.*, floor(s.raw_units) AS base_units,
                 row_number() OVER (ORDER BY s.raw_units - floor(s.raw_units) DESC, s.k) AS rnk FROM s),
    g AS (SELECT f.*, round(abs(total) / unit) - sum(f.base_units) OVER () AS extra FROM f)
    SELECT jsonb_agg(jsonb_build_object('m', g.members, 'w', g.wt, 'share', g.wt / wsum,
                                        'value', round(sign(total) * (g.base_units + CASE WHEN g.rnk <= g.extra THEN 1 ELSE 0 END) * unit, digits))
                     ORDER BY g.k)
      INTO alloc FROM g;
    PERFORM retail_kpi.set_target(metric, period_start, (a->>'value')::numeric, a->'m', grain, scenario,
                                  coalesce(reason, format('allocated from %s by %s', parent, method)))
    FROM jsonb_array_elements(alloc) a;
    RETURN QUERY SELECT a->'m', (a->>'w')::numeric, (a->>'share')::numeric, (a->>'value')::numeric
                 FROM jsonb_array_elements(alloc) a;
END
$$;
COMMENT ON FUNCTION allocate_target(text, date, text, jsonb, text, text, date, date, text, text, int, text) IS
    'allocates a parent''s target to its children (equal, by last year''s share, or by another metric) exactly to the cent (largest remainder), writes and returns them';
