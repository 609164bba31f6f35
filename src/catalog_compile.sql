-- src/catalog_compile.sql: the compiler: a metric request to SQL (metric_sql), its evaluation (metric_values), published views.
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- ---------------------------------------------------------------------------------------------
-- The compiler

-- The closure of requested metrics over their dependencies, live or as defined at as_of: code, the
-- row (NULL when the metric does not exist) and its evaluation level: 0 for simple (or missing)
-- metrics, 1 + D - d for the others, where d is a metric's deepest distance from the requested ones
-- and D the deepest of any derived or ratio metric, so that every dependency is computed at a lower
-- level than the metrics using it.  One recursive query over (metric, distance) pairs: at most 33
-- distances per metric, never the number of paths (docs/security.md, R10).  Raises 54000 beyond
-- 1000 metrics and 54001 beyond 32 levels (where a cycle, which the API never stores, ends too).
CREATE OR REPLACE FUNCTION _catalog_metric_closure(metrics text[], as_of timestamptz)
RETURNS TABLE(code text, level int, j jsonb)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_column
BEGIN
    IF as_of IS NULL THEN
        RETURN QUERY
        WITH RECURSIVE c(code, depth) AS (
            SELECT DISTINCT x, 0 FROM unnest(metrics) x
            UNION
            SELECT d, c.depth + 1 FROM c JOIN retail_kpi.metrics m ON m.code = c.code, unnest(m.depends_on) d
            WHERE c.depth < 33),
        g AS (SELECT c.code, max(c.depth) AS depth FROM c GROUP BY c.code),
        r AS (SELECT g.code, g.depth, to_jsonb(m) AS j, m.kind, count(*) OVER () AS n,
                     max(g.depth) OVER () AS deepest, max(g.depth) FILTER (WHERE m.kind <> 'simple') OVER () AS deepest_derived
              FROM g LEFT JOIN retail_kpi.metrics m ON m.code = g.code)
        SELECT r.code, CASE WHEN r.n > 1000 OR r.deepest >= 33 THEN retail_kpi._catalog_closure_limit(r.n, r.deepest)
                            WHEN r.kind IS NULL OR r.kind = 'simple' THEN 0 ELSE 1 + r.deepest_derived - r.depth END, r.j
        FROM r;
    ELSE
        RETURN QUERY
        WITH RECURSIVE h AS (
            SELECT DISTINCT ON (hh.code) hh.code, hh.new_definition AS j FROM retail_kpi.catalog_history hh
            WHERE hh.object_type = 'metric' AND hh.changed_at <= as_of ORDER BY hh.code, hh.id DESC),
        c(code, depth) AS (
            SELECT DISTINCT x, 0 FROM unnest(metrics) x
            UNION
            SELECT d, c.depth + 1 FROM c JOIN h ON h.code = c.code, jsonb_array_elements_text(h.j->'depends_on') d
            WHERE c.depth < 33 AND h.j IS NOT NULL),
        g AS (SELECT c.code, max(c.depth) AS depth FROM c GROUP BY c.code),
        r AS (SELECT g.code, g.depth, h.j, h.j->>'kind' AS kind, count(*) OVER () AS n,
                     max(g.depth) OVER () AS deepest, max(g.depth) FILTER (WHERE h.j->>'kind' <> 'simple') OVER () AS deepest_derived
              FROM g LEFT JOIN h ON h.code = g.code)
        SELECT r.code, CASE WHEN r.n > 1000 OR r.deepest >= 33 THEN retail_kpi._catalog_closure_limit(r.n, r.deepest)
                            WHEN r.kind IS NULL OR r.kind = 'simple' THEN 0 ELSE 1 + r.deepest_derived - r.depth END, r.j
        FROM r;
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_metric_closure(text[], timestamptz) IS
    'internal: metrics of a request and everything they depend on, with evaluation level and row (live or as of a time); bounded, never path-enumerating';

-- Raises the error of a closure beyond its limits (54000: more than 1000 metrics, 54001: deeper
-- than 32 levels).
CREATE OR REPLACE FUNCTION _catalog_closure_limit(n bigint, deepest int) RETURNS int
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    IF n > 1000 THEN
        RAISE EXCEPTION 'the metrics requested depend on more than 1000 metrics'
            USING ERRCODE = '54000', DETAIL = 'A request and everything it depends on are limited to 1000 metrics (docs/security.md, R10).';
    END IF;
    RAISE EXCEPTION 'the metrics requested are derived more than 32 levels deep'
        USING ERRCODE = '54001', DETAIL = 'Chains of derived metrics are limited to 32 levels (docs/security.md, R10).';
END
$$;
COMMENT ON FUNCTION _catalog_closure_limit(bigint, int) IS 'internal: raises the error of a metric closure beyond its limits';

-- The rows of the given measures, sources or dimensions as a {code: row} object, live or as of a time.
-- Sources carry relation_oid: their relation by identity; with as_of it is the source's current
-- relation (docs/security.md, R6), NULL when the source no longer exists.
CREATE OR REPLACE FUNCTION _catalog_objects(object_type text, codes text[], as_of timestamptz) RETURNS jsonb
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    IF as_of IS NOT NULL THEN
        RETURN (SELECT jsonb_object_agg(h.code, h.j || CASE WHEN $1 = 'source' THEN jsonb_build_object('relation_oid',
                                                          (SELECT s.relation::oid FROM retail_kpi.sources s WHERE s.code = h.code))
                                                     ELSE '{}' END)
                FROM (SELECT DISTINCT ON (hh.code) hh.code, hh.new_definition AS j FROM retail_kpi.catalog_history hh
                      WHERE hh.object_type = $1 AND hh.code = ANY ($2) AND hh.changed_at <= $3
                      ORDER BY hh.code, hh.id DESC) h
                WHERE h.j IS NOT NULL);
    END IF;
    CASE object_type
        WHEN 'measure' THEN RETURN (SELECT jsonb_object_agg(t.code, to_jsonb(t)) FROM retail_kpi.measures t WHERE t.code = ANY ($2));
        WHEN 'source' THEN RETURN (SELECT jsonb_object_agg(t.code, to_jsonb(t) || jsonb_build_object('relation_oid', t.relation::oid))
                                   FROM retail_kpi.sources t WHERE t.code = ANY ($2));
        WHEN 'dimension' THEN RETURN (SELECT jsonb_object_agg(t.code, to_jsonb(t)) FROM retail_kpi.dimensions t WHERE t.code = ANY ($2));
        ELSE RAISE EXCEPTION 'unknown catalog object type %', object_type;
    END CASE;
END
$$;
COMMENT ON FUNCTION _catalog_objects(text, text[], timestamptz) IS
    'internal: {code: row} of catalog objects of one type, live or as defined at as_of';

CREATE OR REPLACE FUNCTION metric_sql(metrics text[], dimensions text[] DEFAULT '{}', filters jsonb DEFAULT NULL,
                           from_date date DEFAULT NULL, to_date date DEFAULT NULL, grain text DEFAULT 'month',
                           compare text DEFAULT NULL, as_of timestamptz DEFAULT NULL,
                           subtotals boolean DEFAULT false, layout text DEFAULT 'long',
                           routing text DEFAULT 'auto') RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE
-- the catalog queries inside are planned once per session (planning them per call would dominate);
-- the caller's search_path never reaches the code below (docs/security.md, R9)
SET plan_cache_mode = force_generic_plan SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    mdefs jsonb := '{}';       -- metric code -> row
    meas jsonb := '{}';        -- measure code -> row
    srcs jsonb := '{}';        -- source code -> row
    src_measures jsonb := '{}';-- source code -> [measure codes]
    mcodes text[];
    scodes text[];
    dims_found jsonb;
    c text;
    r jsonb;
    d text;
    k text;
    v jsonb;
    lvl int;
    maxlvl int := 0;
    cm record;
    fns text[] := '{}';
    rolled boolean;
    dimvals text;
    dimtabs jsonb;             -- dimension code -> {table, key, attributes} of dimensions with a table
    needed text[];
    dexpr jsonb;               -- per source: dimension code -> SQL expression
    joins text;
    joined text[];
    dimrels oid[] := '{}';
    changed boolean;
    dimcols text := '';        -- ', "dim.x", ...' for select lists
    dimjoin text := '';
    staticjoin text := '';
    period text;
    shift text;
    rfield text;               -- retail grains: the retail_calendar_day field giving the period start
    first_period date;         -- with compare: the start of the first current period
    basekey text;              -- with compare: the comparison period of k.period_start
    lo date;
    hi date;
    where_common text;
    where_time text;           -- the time part of where_common
    fromsrc text;              -- the source in the FROM clause of a source's CTE
    ctes text[] := '{}';
    timed text[] := '{}';
    static text[] := '{}';
    i int;
    s text;
    sel text;
    q text;
    mc text;
    ncol int;
    base text;
    vals text := '';
    ord int := 0;
    filt text;
    vgrains text[];
    prev text;
    relsql text;               -- what a source's query reads: its relation, or a pre-aggregate's derived table
    rt record;                 -- the routing of a source (src/catalog_routing.sql)
    rtm jsonb;                 -- its roll-up SQL per measure when routed
    notes text := '';          -- one SQL comment line per routed or not routed source
    gap_lo date;               -- same period last year: the periods between the comparison window
    gap_hi date;               -- and the current one are not read (no current period uses them)
BEGIN
    IF metrics IS NULL OR cardinality(metrics) = 0 OR array_position(metrics, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "metrics" must be a non-empty array without NULL elements' USING ERRCODE = '22023';
    END IF;
    IF dimensions IS NULL OR array_position(dimensions, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "dimensions" must be an array without NULL elements' USING ERRCODE = '22023';
    END IF;
    PERFORM retail_kpi._catalog_check_count(cardinality(metrics), 'metrics', 100);
    PERFORM retail_kpi._catalog_check_variant(layout, 'layout', '{long,wide}');
    PERFORM retail_kpi._catalog_check_variant(routing, 'routing', '{auto,raw,include_untracked}');
    IF subtotals IS NULL THEN
        RAISE EXCEPTION 'argument "subtotals" must not be NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM retail_kpi._catalog_check_count(cardinality(dimensions), 'dimensions', 16);
    PERFORM retail_kpi._catalog_check_variant(grain, 'grain',
        '{day,week,month,quarter,year,total,retail_week,retail_period,retail_quarter,retail_year}');
    IF grain LIKE 'retail\_%' THEN
        IF to_regprocedure('retail_kpi.retail_week(date,text,integer,integer)') IS NULL
           OR to_regprocedure('retail_kpi.retail_trunc(text,date,text,integer,integer)') IS NULL THEN
            RAISE EXCEPTION 'grain "%" needs the retail calendar', grain
                USING ERRCODE = '0A000', DETAIL = 'Functions retail_kpi.retail_week(date) and retail_kpi.retail_trunc(text, date) are not both installed.';
        END IF;
        rfield := CASE grain WHEN 'retail_week' THEN 'week_start' WHEN 'retail_period' THEN 'period_start'
                             WHEN 'retail_quarter' THEN 'quarter_start' ELSE 'year_start' END;
    END IF;
    IF compare IS NOT NULL THEN
        PERFORM retail_kpi._catalog_check_variant(compare, 'compare', '{previous_period,same_period_last_year}');
    END IF;
    IF from_date IS NOT NULL AND to_date IS NOT NULL AND from_date > to_date THEN
        RAISE EXCEPTION 'argument "from_date" (%) is after argument "to_date" (%)', from_date, to_date USING ERRCODE = '22023';
    END IF;
    IF compare IS NOT NULL AND (from_date IS NULL OR to_date IS NULL) THEN
        RAISE EXCEPTION 'argument "compare" requires "from_date" and "to_date"' USING ERRCODE = '22023';
    END IF;
    IF (SELECT count(DISTINCT x) FROM unnest(metrics) x) <> cardinality(metrics)
       OR (SELECT count(DISTINCT x) FROM unnest(dimensions) x) <> cardinality(dimensions) THEN
        RAISE EXCEPTION 'arguments "metrics" and "dimensions" must not repeat a code' USING ERRCODE = '22023';
    END IF;
    IF filters IS NOT NULL AND jsonb_typeof(filters) <> 'object' THEN
        RAISE EXCEPTION 'argument "filters" must be a JSON object mapping dimension codes to a value or an array of values'
            USING ERRCODE = '22023';
    END IF;
    dims_found := coalesce(retail_kpi._catalog_objects('dimension',
                               dimensions || ARRAY(SELECT jsonb_object_keys(coalesce(filters, '{}'))), as_of), '{}');
    FOREACH d IN ARRAY dimensions LOOP
        PERFORM retail_kpi._catalog_check_code(d, 'dimensions');
        IF NOT dims_found ? d THEN
            RAISE EXCEPTION 'dimension "%" does not exist', d USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('dimension', d);
        END IF;
        dimcols := dimcols || format(', %I', 'dim.' || d);
        -- "IS NOT DISTINCT FROM" looks its "=" up on the search_path: written out with a qualified operator (R9)
        dimjoin := dimjoin || format(' AND (b.%1$I OPERATOR(pg_catalog.=) k.%1$I OR (b.%1$I IS NULL AND k.%1$I IS NULL))', 'dim.' || d);
        staticjoin := staticjoin || format(' AND (st.%1$I OPERATOR(pg_catalog.=) b.%1$I OR (st.%1$I IS NULL AND b.%1$I IS NULL))', 'dim.' || d);
    END LOOP;
    -- subtotals: every source is aggregated with ROLLUP over the dimensions, and the GROUPING() bits
    -- ("grouping.id") tell a subtotal row from a member that is NULL; they join like a dimension
    rolled := subtotals AND cardinality(dimensions) > 0;
    IF rolled THEN
        dimcols := dimcols || ', "grouping.id"';
        dimjoin := dimjoin || ' AND b."grouping.id" OPERATOR(pg_catalog.=) k."grouping.id"';
        staticjoin := staticjoin || ' AND st."grouping.id" OPERATOR(pg_catalog.=) b."grouping.id"';
    END IF;
    IF filters IS NOT NULL THEN
        IF jsonb_typeof(filters) <> 'object' THEN
            RAISE EXCEPTION 'argument "filters" must be a JSON object mapping dimension codes to a value or an array of values'
                USING ERRCODE = '22023';
        END IF;
        PERFORM retail_kpi._catalog_check_count((SELECT count(*)::int FROM jsonb_object_keys(filters)), 'filters', 32);
        FOR k, v IN SELECT * FROM jsonb_each(filters) LOOP
            PERFORM retail_kpi._catalog_check_code(k, 'filters');
            IF jsonb_typeof(v) = 'array' THEN
                PERFORM retail_kpi._catalog_check_count(jsonb_array_length(v), 'filters', 1000);
            END IF;
            IF NOT dims_found ? k THEN
                RAISE EXCEPTION 'dimension "%" does not exist', k USING ERRCODE = '42704', DETAIL = 'It is a key of argument "filters".',
                      HINT = retail_kpi._catalog_did_you_mean('dimension', k);
            END IF;
            IF jsonb_typeof(v) = 'object' OR (jsonb_typeof(v) = 'array' AND (jsonb_array_length(v) = 0 OR EXISTS (
                    SELECT 1 FROM jsonb_array_elements(v) x WHERE jsonb_typeof(x) IN ('object', 'array', 'null')))) THEN
                RAISE EXCEPTION 'invalid filter value for dimension "%"', k
                    USING ERRCODE = '22023', DETAIL = 'A filter value is a JSON scalar or a non-empty array of non-null scalars.';
            END IF;
        END LOOP;
    END IF;

    -- resolve the metrics and everything they depend on, with their evaluation level
    IF EXISTS (SELECT 1 FROM unnest(metrics) x WHERE x !~ '^[a-z][a-z0-9_]{0,62}$') THEN
        FOREACH c IN ARRAY metrics LOOP
            PERFORM retail_kpi._catalog_check_code(c, 'metrics');
        END LOOP;
    END IF;
    SELECT jsonb_object_agg(x.code, x.j || jsonb_build_object('level', x.level)), max(x.level),
           (array_agg(x.code ORDER BY x.code) FILTER (WHERE x.j IS NULL))[1]
      INTO mdefs, maxlvl, c
    FROM retail_kpi._catalog_metric_closure(metrics, as_of) x;
    IF c IS NOT NULL THEN
        RAISE EXCEPTION 'metric "%" does not exist%', c,
            CASE WHEN as_of IS NULL THEN '' ELSE ' at ' || as_of::text END USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('metric', c);
    END IF;
    -- sensitive metrics (R7), directly or through the metrics using them
    c := retail_kpi._catalog_denied_metric(ARRAY(SELECT jsonb_object_keys(mdefs)));
    IF c IS NOT NULL THEN
        RAISE EXCEPTION 'permission denied for metric "%"', c
            USING ERRCODE = '42501',
                  DETAIL = 'It is restricted (sensitive): only stewards, members of its owner role and roles granted it may evaluate it.',
                  HINT = 'Its owner or a steward can grant it with retail_kpi.grant_metric().';
    END IF;
    -- every definition is rendered afresh (R11): the stored compiled_sql is not trusted
    FOR c, r IN SELECT * FROM jsonb_each(mdefs) LOOP
        CONTINUE WHEN r->>'kind' = 'simple';
        cm := retail_kpi._catalog_compile_metric(r->>'kind', r->'definition');
        mdefs := jsonb_set(mdefs, ARRAY[c, 'compiled_sql'], to_jsonb(cm.sql));
        fns := fns || cm.functions;
    END LOOP;
    SELECT coalesce(array_agg(DISTINCT ev->'definition'->>'measure'), '{}') INTO mcodes
    FROM jsonb_each(mdefs) e(ek, ev) WHERE ev->>'kind' = 'simple';
    meas := coalesce(retail_kpi._catalog_objects('measure', mcodes, as_of), '{}');
    SELECT x INTO k FROM unnest(mcodes) x WHERE NOT meas ? x ORDER BY 1 LIMIT 1;
    IF k IS NOT NULL THEN
        RAISE EXCEPTION 'measure "%" does not exist%', k,
            CASE WHEN as_of IS NULL THEN '' ELSE ' at ' || as_of::text END USING ERRCODE = '42704';
    END IF;
    SELECT coalesce(array_agg(DISTINCT ev->>'source'), '{}') INTO scodes FROM jsonb_each(meas) e(ek, ev);
    srcs := coalesce(retail_kpi._catalog_objects('source', scodes, as_of), '{}');
    SELECT x INTO k FROM unnest(scodes) x WHERE NOT srcs ? x ORDER BY 1 LIMIT 1;
    IF k IS NOT NULL THEN
        RAISE EXCEPTION 'source "%" does not exist%', k,
            CASE WHEN as_of IS NULL THEN '' ELSE ' at ' || as_of::text END USING ERRCODE = '42704';
    END IF;
    FOR c, r IN SELECT * FROM jsonb_each(meas) LOOP
        cm := retail_kpi._catalog_compile_measure(r->>'aggregation', r->>'expression', r->>'filter');
        meas := jsonb_set(jsonb_set(meas, ARRAY[c, 'compiled_sql'], to_jsonb(cm.sql)), ARRAY[c, 'columns'], to_jsonb(cm.columns));
        fns := fns || cm.functions;
    END LOOP;
    FOR c, r IN SELECT * FROM jsonb_each(srcs) LOOP
        IF r->>'relation_oid' IS NULL THEN
            RAISE EXCEPTION 'source "%" does not exist', c
                USING ERRCODE = '42704', DETAIL = 'With as_of, definitions are those in force then, but a source''s relation is its current one (docs/security.md, R6).';
        END IF;
        srcs := jsonb_set(srcs, ARRAY[c, 'relation_sql'], to_jsonb(retail_kpi._catalog_relation_sql((r->>'relation_oid')::oid, c)));
    END LOOP;
    -- the evaluation rule (R4): views and tables with row-level security of trusted roles only, and
    -- allow-listed functions re-checked
    PERFORM retail_kpi._catalog_check_evaluation(ARRAY(SELECT (ev->>'relation_oid')::oid FROM jsonb_each(srcs) e(ek, ev)), fns);
    -- and the types of the columns the request reads: the measures', the dimensions', the time column
    FOR c, r IN SELECT * FROM jsonb_each(srcs) LOOP
        PERFORM retail_kpi._catalog_check_column_types((r->>'relation_oid')::oid,
            ARRAY(SELECT jsonb_array_elements_text(me.value->'columns') FROM jsonb_each(meas) me WHERE me.value->>'source' = c)
            || ARRAY(SELECT e.value #>> '{}' FROM jsonb_each(r->'dimensions') e) || (r->>'time_column'));
    END LOOP;
    SELECT coalesce(jsonb_object_agg(q.src, q.arr), '{}') INTO src_measures
    FROM (SELECT ev->>'source' AS src, jsonb_agg(ek ORDER BY ek) AS arr FROM jsonb_each(meas) e(ek, ev) GROUP BY 1) q;
    FOREACH c IN ARRAY metrics LOOP
        IF NOT retail_kpi._catalog_is_number(mdefs->c->>'value_type') THEN
            RAISE EXCEPTION 'metric "%" has type % and cannot be returned as a value', c, mdefs->c->>'value_type'
                USING ERRCODE = '42804', HINT = 'Request a metric derived from it with an accessor function (for example margin_rate).';
        END IF;
        IF mdefs->c->>'status' = 'deprecated' THEN
            RAISE NOTICE 'metric "%" is deprecated', c;
        END IF;
    END LOOP;

    -- date range, with the comparison periods
    shift := CASE WHEN compare IS NULL THEN NULL
                  WHEN compare = 'same_period_last_year' THEN CASE grain WHEN 'week' THEN '364 days' ELSE '1 year' END
                  ELSE CASE grain WHEN 'day' THEN '1 day' WHEN 'week' THEN '7 days' WHEN 'month' THEN '1 month'
                                  WHEN 'quarter' THEN '3 months' WHEN 'year' THEN '1 year'
                                  ELSE (to_date - from_date + 1)::text || ' days' END END;
    lo := from_date;
    hi := to_date;
    IF compare IS NOT NULL THEN
        -- whole periods when comparing: from_date moves back to the start of its period
        IF rfield IS NOT NULL THEN
            EXECUTE format('SELECT (retail_kpi.retail_week($1)).%I', rfield) INTO first_period USING from_date;
            -- retail comparison: the period containing the day before (previous) or 364 days before
            -- (same period last year, NRF restated: same weekday 52 weeks back)
            basekey := format('retail_kpi.retail_trunc(%L, k."period.start" OPERATOR(pg_catalog.-) %s)',
                              replace(rfield, '_start', ''), CASE WHEN compare = 'previous_period' THEN 1 ELSE 364 END);
            EXECUTE format('SELECT (retail_kpi.retail_week($1 - %s)).%I',
                           CASE WHEN compare = 'previous_period' THEN 1 ELSE 364 END, rfield) INTO lo USING first_period;
        ELSE
            first_period := CASE WHEN grain IN ('day', 'total') THEN from_date
                                 ELSE date_trunc(grain, from_date::timestamp)::date END;
            basekey := format('CAST(k."period.start" OPERATOR(pg_catalog.-) %L::pg_catalog.interval AS pg_catalog.date)', shift);
            lo := (first_period - shift::interval)::date;
        END IF;
    END IF;

    -- same period last year at a grain: only the comparison periods and the current ones are read,
    -- not the year between them ([gap_lo, first_period) is skipped when it is not empty)
    IF compare = 'same_period_last_year' AND grain <> 'total' THEN
        IF rfield IS NOT NULL THEN
            EXECUTE format('SELECT (retail_kpi.retail_week((retail_kpi.retail_week((retail_kpi.retail_week($1)).%1$I - 364)).%1$I)).%2$I + 1',
                           rfield, replace(rfield, '_start', '_end')) INTO gap_lo USING hi;
        ELSIF grain = 'day' THEN
            gap_lo := (hi - shift::interval)::date + 1;
        ELSE
            gap_lo := (date_trunc(grain, (date_trunc(grain, hi::timestamp) - shift::interval)) + retail_kpi._catalog_grain_interval(grain))::date;
        END IF;
        IF gap_lo >= first_period THEN
            gap_lo := NULL;
        END IF;
    END IF;

    -- valid grains (issue 12): a measure whose aggregation summarises a window of its own (a
    -- promotion's) is valid only at the grains of its allow-list row; a source of periodic facts
    -- (monthly expenses, receivables) only at its grain or coarser, over whole periods
    FOR c, r IN SELECT * FROM jsonb_each(meas) ORDER BY 1 LOOP
        SELECT a.valid_grains INTO vgrains FROM retail_kpi.catalog_aggregations a WHERE a.name = r->>'aggregation';
        IF vgrains IS NOT NULL AND NOT grain = ANY (vgrains) THEN
            RAISE EXCEPTION 'measure "%" is not valid at grain "%"', c, grain
                USING ERRCODE = '22023',
                      DETAIL = format('Its aggregation %s summarises a window of its own (a promotion''s): split into %s periods it would give another value in each.',
                                      r->>'aggregation', grain),
                      HINT = 'Valid grains: ' || array_to_string(vgrains, ', ') || '.';
        END IF;
    END LOOP;
    FOR c, r IN SELECT * FROM jsonb_each(srcs) ORDER BY 1 LOOP
        CONTINUE WHEN coalesce(r->>'native_grain', 'day') = 'day' OR r->>'time_column' IS NULL;
        vgrains := CASE r->>'native_grain' WHEN 'month' THEN '{month,quarter,year,total}'::text[]
                                          WHEN 'quarter' THEN '{quarter,year,total}'::text[] ELSE '{year,total}'::text[] END;
        IF NOT grain = ANY (vgrains) THEN
            RAISE EXCEPTION 'source "%" holds % facts: grain "%" is finer or not aligned', c, r->>'native_grain', grain
                USING ERRCODE = '22023', HINT = 'Valid grains: ' || array_to_string(vgrains, ', ') || '.';
        END IF;
        FOREACH d IN ARRAY ARRAY['from_date', 'to_date', 'comparison'] LOOP
            k := CASE d WHEN 'from_date' THEN from_date::text WHEN 'to_date' THEN (to_date + 1)::text
                        ELSE CASE WHEN compare IS NOT NULL AND grain = 'total' THEN lo::text END END;
            CONTINUE WHEN k IS NULL;
            IF date_trunc(r->>'native_grain', k::timestamp)::date <> k::date THEN
                RAISE EXCEPTION 'the window does not cover whole % periods of source "%"', r->>'native_grain', c
                    USING ERRCODE = '22023',
                          DETAIL = CASE d WHEN 'from_date' THEN format('Argument "from_date" (%s) is not the first day of a %s.', from_date, r->>'native_grain')
                                          WHEN 'to_date' THEN format('Argument "to_date" (%s) is not the last day of a %s.', to_date, r->>'native_grain')
                                          ELSE format('The comparison window starts on %s, not on the first day of a %s.', lo, r->>'native_grain') END,
                          HINT = CASE d WHEN 'comparison' THEN 'Compare at the source''s grain or coarser instead of grain total.'
                                        ELSE format('The source holds one row per %s: align the window to whole periods.', r->>'native_grain') END;
            END IF;
        END LOOP;
    END LOOP;

    -- dimension tables (issue 16): a source reaches a dimension it does not carry through the table of
    -- one it does (store -> stores.region_name), joined on its unique key, up to 3 levels (sku ->
    -- category -> department); unused joins on unique keys are removed by the planner
    SELECT coalesce(jsonb_object_agg(d.code, jsonb_build_object('table', d.dimension_table::oid, 'key', d.key_column,
                                                                'attributes', d.attributes)), '{}')
      INTO dimtabs FROM retail_kpi.dimensions d WHERE d.dimension_table IS NOT NULL;
    needed := dimensions || ARRAY(SELECT jsonb_object_keys(coalesce(filters, '{}')));

    -- one aggregate query per source
    i := 0;
    FOR s, r IN SELECT * FROM jsonb_each(srcs) ORDER BY 1 LOOP
        i := i + 1;
        dexpr := (SELECT coalesce(jsonb_object_agg(e.key, format('src.%I', e.value #>> '{}')), '{}') FROM jsonb_each(r->'dimensions') e);
        joins := '';
        joined := '{}';
        FOR pass IN 1 .. 3 LOOP
            changed := false;
            FOR k, v IN SELECT * FROM jsonb_each(dimtabs) ORDER BY 1 LOOP
                CONTINUE WHEN NOT dexpr ? k OR k = ANY (joined);
                CONTINUE WHEN NOT EXISTS (SELECT 1 FROM jsonb_object_keys(v->'attributes') a
                                          WHERE NOT dexpr ? a AND (a = ANY (needed) OR dimtabs ? a));
                joined := joined || k;
                dimrels := dimrels || (v->>'table')::oid;
                joins := joins || format(' LEFT JOIN %s AS %I ON %I.%I OPERATOR(pg_catalog.=) %s',
                                         retail_kpi._catalog_relation_sql((v->>'table')::oid, 'dimension table of ' || k),
                                         'dim.table.' || k, 'dim.table.' || k, v->>'key', dexpr->>k);
                dexpr := (SELECT coalesce(jsonb_object_agg(a.key, format('%I.%I', 'dim.table.' || k, a.value)), '{}')
                          FROM jsonb_each_text(v->'attributes') a WHERE NOT dexpr ? a.key) || dexpr;
                changed := true;
            END LOOP;
            EXIT WHEN NOT changed;
        END LOOP;
        -- aggregate awareness (issue 13): the smallest pre-aggregate covering this source's part of
        -- the request replaces its relation; its rows stand in for the raw rows, so everything below
        -- applies unchanged
        relsql := r->>'relation_sql';
        rtm := NULL;
        IF r->>'time_column' IS NOT NULL THEN
            SELECT * INTO rt FROM retail_kpi._catalog_route(s, r, meas, ARRAY(SELECT jsonb_array_elements_text(src_measures->s)),
                                                            needed, joined, grain,
                                                            CASE WHEN compare IS NOT NULL AND grain = 'total'
                                                                 THEN ARRAY[lo, (to_date - shift::interval)::date + 1, from_date, to_date + 1]
                                                                 WHEN gap_lo IS NOT NULL THEN ARRAY[lo, gap_lo, first_period, hi + 1]
                                                                 ELSE ARRAY[lo, hi + 1] END,
                                                            routing);
            IF rt.note IS NOT NULL THEN
                notes := notes || '-- retail_kpi routing: ' || replace(rt.note, E'\n', ' ') || E'\n';
            END IF;
            IF rt.preaggregate IS NOT NULL THEN
                relsql := rt.relation_sql;
                rtm := rt.measure_sql;
            END IF;
        END IF;
        IF r->>'time_column' IS NULL THEN
            period := 'CAST(NULL AS pg_catalog.date)';
        ELSIF grain = 'day' THEN
            period := format('CAST(src.%I AS pg_catalog.date)', r->>'time_column');
        ELSIF grain = 'total' THEN
            IF compare IS NULL THEN
                period := format('CAST(%L AS pg_catalog.date)', from_date);
            ELSE
                period := format('CASE WHEN src.%I OPERATOR(pg_catalog.>=) %L::pg_catalog.date THEN %L::pg_catalog.date ELSE %L::pg_catalog.date END',
                                 r->>'time_column', from_date, from_date, lo);
            END IF;
        ELSIF rfield IS NOT NULL THEN
            -- retail_trunc: a date per row (retail_week's whole calendar row cost twice as much)
            period := format('retail_kpi.retail_trunc(%L, CAST(src.%I AS pg_catalog.date))', replace(rfield, '_start', ''), r->>'time_column');
        ELSE
            period := format('CAST(pg_catalog.date_trunc(%L, CAST(src.%I AS pg_catalog.timestamp)) AS pg_catalog.date)',
                             grain, r->>'time_column');
        END IF;
        sel := format('SELECT %s AS "period.start"', period);
        FOREACH d IN ARRAY dimensions LOOP
            IF NOT dexpr ? d THEN
                RAISE EXCEPTION 'dimension "%" is not available in source "%"', d, s
                    USING ERRCODE = '22023',
                          HINT = 'Add the dimension''s column to the source with retail_kpi.define_source(), or give a dimension of the source a table with it as an attribute (define_dimension).';
            END IF;
            sel := sel || format(', %s AS %I', dexpr->>d, 'dim.' || d);
        END LOOP;
        FOR mc IN SELECT jsonb_array_elements_text(src_measures->s) LOOP
            sel := sel || format(', %s AS %I', coalesce(rtm->>mc, meas->mc->>'compiled_sql'), 'measure.' || mc);
        END LOOP;
        where_common := '';
        IF r->>'time_column' IS NOT NULL THEN
            IF compare IS NOT NULL AND grain = 'total' THEN
                -- the current window and the comparison window, which need not be adjacent
                where_common := where_common || format(
                    ' AND ((src.%1$I OPERATOR(pg_catalog.>=) %2$L::pg_catalog.date AND src.%1$I OPERATOR(pg_catalog.<) %3$L::pg_catalog.date)'
                    ' OR (src.%1$I OPERATOR(pg_catalog.>=) %4$L::pg_catalog.date AND src.%1$I OPERATOR(pg_catalog.<) %5$L::pg_catalog.date))',
                    r->>'time_column', from_date, to_date + 1, lo, (to_date - shift::interval)::date + 1);
            ELSE
                IF lo IS NOT NULL THEN
                    where_common := where_common || format(' AND src.%I OPERATOR(pg_catalog.>=) %L::pg_catalog.date', r->>'time_column', lo);
                END IF;
                IF hi IS NOT NULL THEN
                    where_common := where_common || format(' AND src.%I OPERATOR(pg_catalog.<) %L::pg_catalog.date', r->>'time_column', hi + 1);
                END IF;
                IF gap_lo IS NOT NULL THEN
                    where_common := where_common || format(' AND (src.%1$I OPERATOR(pg_catalog.<) %2$L::pg_catalog.date OR src.%1$I OPERATOR(pg_catalog.>=) %3$L::pg_catalog.date)',
                                                           r->>'time_column', gap_lo, first_period);
                END IF;
            END IF;
        END IF;
        where_time := where_common;
        IF filters IS NOT NULL THEN
            FOR k, v IN SELECT * FROM jsonb_each(filters) ORDER BY 1 LOOP
                IF NOT dexpr ? k THEN
                    RAISE EXCEPTION 'dimension "%" is not available in source "%"', k, s
                        USING ERRCODE = '22023', DETAIL = 'It is a key of argument "filters".';
                END IF;
                IF jsonb_typeof(v) = 'null' THEN
                    filt := format('%s IS NULL', dexpr->>k);
                ELSIF jsonb_typeof(v) = 'array' THEN
                    -- an untyped array literal takes the column's array type, as IN (...) would
                    filt := format('%s OPERATOR(pg_catalog.=) ANY (%L)', dexpr->>k,
                                   (SELECT array_agg(x)::text FROM jsonb_array_elements_text(v) x));
                ELSE
                    filt := format('%s OPERATOR(pg_catalog.=) %L', dexpr->>k, v #>> '{}');
                END IF;
                where_common := where_common || ' AND ' || filt;
            END LOOP;
        END IF;
        fromsrc := format('%s AS src', relsql);
        -- Citus (docs/scale-out.md): Citus refuses ROLLUP/GROUPING over a distributed table, so with
        -- subtotals the rows of the window are read by a subquery that Citus runs first (OFFSET 0
        -- keeps it from being merged into the query), and the subtotals are computed on the coordinator
        IF rolled AND rtm IS NULL AND retail_kpi._citus_table((r->>'relation_oid')::oid)->>'method' IN ('distributed', 'single_shard') THEN
            fromsrc := format('(SELECT * FROM %s AS src%s OFFSET 0) AS src', r->>'relation_sql',
                              CASE WHEN where_time <> '' THEN ' WHERE ' || substr(where_time, 6) ELSE '' END);
        END IF;
        sel := sel || ' FROM ' || fromsrc || joins;
        IF where_common <> '' THEN
            sel := sel || ' WHERE ' || substr(where_common, 6);
        END IF;
        ncol := 1 + cardinality(dimensions);
        IF rolled THEN
            -- GROUPING() of the dimension columns, in the select list after the measures
            sel := replace(sel, ' FROM ' || fromsrc,
                           format(', GROUPING(%s) AS "grouping.id" FROM %s',
                                  (SELECT string_agg(dexpr->>x, ', ' ORDER BY o)
                                   FROM unnest(dimensions) WITH ORDINALITY u(x, o)), fromsrc));
            sel := sel || ' GROUP BY 1, ROLLUP(' || (SELECT string_agg(g::text, ', ') FROM generate_series(2, ncol) g) || ')';
        ELSE
            sel := sel || ' GROUP BY ' || (SELECT string_agg(g::text, ', ') FROM generate_series(1, ncol) g);
        END IF;
        ctes := ctes || format('%I AS (%s)', 'src.' || s, sel);
        IF r->>'time_column' IS NULL THEN
            static := static || s;
        ELSE
            timed := timed || s;
        END IF;
    END LOOP;

    -- the dimension tables joined are evaluated too (R4)
    IF cardinality(dimrels) > 0 THEN
        PERFORM retail_kpi._catalog_check_evaluation(dimrels, '{}');
        FOR k, v IN SELECT * FROM jsonb_each(dimtabs) WHERE (value->>'table')::oid = ANY (dimrels) LOOP
            PERFORM retail_kpi._catalog_check_column_types((v->>'table')::oid,
                ARRAY[v->>'key'] || ARRAY(SELECT e.value #>> '{}' FROM jsonb_each(v->'attributes') e));
        END LOOP;
    END IF;

    -- combine the sources on (period, dimensions)
    IF cardinality(timed) = 0 THEN
        timed := static[1:1];
        static := static[2:];
    END IF;
    IF cardinality(timed) = 1 THEN
        base := format('SELECT * FROM %I', 'src.' || timed[1]);
    ELSE
        q := '';
        FOR i IN 1 .. cardinality(timed) LOOP
            sel := format('SELECT %s AS "src.no", "period.start"%s', i, dimcols);
            FOR s IN SELECT jsonb_object_keys(srcs) ORDER BY 1 LOOP
                CONTINUE WHEN NOT s = ANY (timed);
                FOR mc IN SELECT jsonb_array_elements_text(src_measures->s) LOOP
                    IF s = timed[i] THEN
                        sel := sel || format(', %I', 'measure.' || mc);
                    ELSE
                        sel := sel || format(', CAST(NULL AS %s) AS %I', meas->mc->>'result_type', 'measure.' || mc);
                    END IF;
                END LOOP;
            END LOOP;
            q := q || CASE WHEN i > 1 THEN ' UNION ALL ' ELSE '' END || sel || format(' FROM %I', 'src.' || timed[i]);
        END LOOP;
        sel := 'SELECT "period.start"' || dimcols;
        FOR i IN 1 .. cardinality(timed) LOOP
            FOR mc IN SELECT jsonb_array_elements_text(src_measures->timed[i]) LOOP
                sel := sel || format(', (pg_catalog.array_agg(%1$I) FILTER (WHERE "src.no" OPERATOR(pg_catalog.=) %2$s))[1] AS %1$I', 'measure.' || mc, i);
            END LOOP;
        END LOOP;
        base := sel || ' FROM (' || q || ') u GROUP BY "period.start"' || dimcols;
    END IF;
    ctes := ctes || format('%I AS (%s)', 'combined', base);
    prev := 'combined';
    FOREACH s IN ARRAY static LOOP
        sel := 'SELECT b.*';
        FOR mc IN SELECT jsonb_array_elements_text(src_measures->s) LOOP
            sel := sel || format(', st.%I', 'measure.' || mc);
        END LOOP;
        sel := sel || format(' FROM %I b LEFT JOIN %I st ON true', prev, 'src.' || s) || staticjoin;
        ctes := ctes || format('%I AS (%s)', 'with.' || s, sel);
        prev := 'with.' || s;
    END LOOP;

    -- metric levels
    FOR lvl IN 0 .. maxlvl LOOP
        sel := 'SELECT *';
        FOR c, r IN SELECT * FROM jsonb_each(mdefs) ORDER BY 1 LOOP
            CONTINUE WHEN (r->>'level')::int <> lvl;
            IF r->>'kind' = 'simple' THEN
                sel := sel || format(', %I AS %I', 'measure.' || (r->'definition'->>'measure'), c);
            ELSE
                sel := sel || format(', %s AS %I', r->>'compiled_sql', c);
            END IF;
        END LOOP;
        -- OFFSET 0 keeps the planner from pulling each level up into the next: pulled up, a metric
        -- that uses the one below it n times would copy its expression n times per level, an
        -- expression tree exponential in the depth (docs/security.md, R10)
        ctes := ctes || format('%I AS (%s FROM %I%s)', 'level.' || lvl, sel, prev, CASE WHEN lvl > 0 THEN ' OFFSET 0' ELSE '' END);
        prev := 'level.' || lvl;
    END LOOP;

    -- long format
    FOREACH c IN ARRAY metrics LOOP
        ord := ord + 1;
        vals := vals || CASE WHEN ord > 1 THEN ', ' ELSE '' END
            || format('(%s, %L, CAST(k.%I AS pg_catalog.float8), %s, CAST(k.%I AS pg_catalog.numeric), %s, %s, %s)', ord, c, c,
                      CASE WHEN mdefs->c->>'value_type' IN ('pg_catalog.float8', 'pg_catalog.float4') THEN 'CAST(NULL AS pg_catalog.numeric)'
                           ELSE format('CAST(k.%I AS pg_catalog.numeric)', c) END, c,
                      CASE WHEN compare IS NULL THEN 'CAST(NULL AS pg_catalog.numeric)'
                           ELSE format('CAST(b.%I AS pg_catalog.numeric)', c) END,
                      -- exact: the value is numeric or an integer, so base and change are exact too
                      CASE WHEN mdefs->c->>'value_type' IN ('pg_catalog.float8', 'pg_catalog.float4') THEN 'false' ELSE 'true' END,
                      -- a rate (unit ratio, rate or %): its change is also given in percentage points
                      CASE WHEN lower(mdefs->c->>'unit') IN ('ratio', 'rate', '%', 'percent', 'pct') THEN 'true' ELSE 'false' END);
    END LOOP;
    -- dimension_values: the members of the grouped dimensions (a subtotal row lacks the key of each
    -- dimension it totals over; the grand total is {})
    dimvals := CASE WHEN cardinality(dimensions) = 0 THEN '''{}''::pg_catalog.jsonb'
                    WHEN NOT rolled THEN 'pg_catalog.jsonb_build_object(' || (SELECT string_agg(format('%L, k.%I', x, 'dim.' || x), ', ')
                                                                            FROM unnest(dimensions) x) || ')'
                    ELSE (SELECT string_agg(format('CASE WHEN (k."grouping.id" OPERATOR(pg_catalog.&) %s) OPERATOR(pg_catalog.=) 0 '
                                                   'THEN pg_catalog.jsonb_build_object(%L, k.%I) ELSE CAST(%L AS pg_catalog.jsonb) END',
                                                   1 << (cardinality(dimensions) - o::int), x, 'dim.' || x, '{}'),
                                            ' OPERATOR(pg_catalog.||) ' ORDER BY o)
                          FROM unnest(dimensions) WITH ORDINALITY u(x, o)) END;
    IF layout = 'wide' THEN
        -- one row per period and members, one column per dimension and per metric (with compare: its
        -- base and relative change besides), for BI tools
        q := 'WITH ' || array_to_string(ctes, E',\n') || E'\nSELECT k."period.start" AS period_start'
            || coalesce((SELECT string_agg(format(', k.%I AS %I', 'dim.' || x, x), '' ORDER BY o)
                         FROM unnest(dimensions) WITH ORDINALITY u(x, o)), '')
            || CASE WHEN rolled THEN ', k."grouping.id" AS "grouping"' ELSE '' END
            || (SELECT string_agg(format(', CAST(k.%1$I AS %2$s) AS %1$I', x,
                                         CASE WHEN mdefs->x->>'value_type' IN ('pg_catalog.float8', 'pg_catalog.float4')
                                              THEN 'pg_catalog.float8' ELSE 'pg_catalog.numeric' END)
                                  || CASE WHEN compare IS NULL THEN ''
                                          ELSE format(', CAST(b.%1$I AS %2$s) AS %3$I, CASE WHEN CAST(b.%1$I AS pg_catalog.numeric) OPERATOR(pg_catalog.>) 0 '
                                                      'THEN CAST((CAST(k.%1$I AS pg_catalog.numeric) OPERATOR(pg_catalog.-) CAST(b.%1$I AS pg_catalog.numeric)) '
                                                      'OPERATOR(pg_catalog./) CAST(b.%1$I AS pg_catalog.numeric) AS pg_catalog.float8) END AS %4$I, '
                                                      'CAST(CAST(k.%1$I AS pg_catalog.numeric) OPERATOR(pg_catalog.-) CAST(b.%1$I AS pg_catalog.numeric) AS %2$s) AS %5$I',
                                                      x, CASE WHEN mdefs->x->>'value_type' IN ('pg_catalog.float8', 'pg_catalog.float4')
                                                              THEN 'pg_catalog.float8' ELSE 'pg_catalog.numeric' END,
                                                      x || '_base', x || '_change', x || '_absolute_change') END, '' ORDER BY o)
                FROM unnest(metrics) WITH ORDINALITY u(x, o))
            || format(E'\nFROM %I k', prev);
        IF compare IS NOT NULL THEN
            q := q || format(' LEFT JOIN %I b ON b."period.start" OPERATOR(pg_catalog.=) %s', prev, basekey) || dimjoin
                   || format(' WHERE k."period.start" OPERATOR(pg_catalog.>=) %L::pg_catalog.date', first_period);
        END IF;
        RETURN notes || q || E'\nORDER BY k."period.start"' || replace(dimcols, ', "', ', k."');
    END IF;
    q := 'WITH ' || array_to_string(ctes, E',\n')
        || E'\nSELECT v.metric, k."period.start" AS period_start, ' || dimvals
        || ' AS dimension_values, v.value, v.exact_value, CAST(v.base AS pg_catalog.float8) AS base_value, '
        || 'CASE WHEN v.base OPERATOR(pg_catalog.>) 0 THEN CAST((v.cur OPERATOR(pg_catalog.-) v.base) OPERATOR(pg_catalog./) v.base AS pg_catalog.float8) END AS change, '
        || 'CASE WHEN v.exact THEN v.base END AS exact_base, '
        || 'v.cur OPERATOR(pg_catalog.-) v.base AS absolute_change, '
        || 'CASE WHEN v.rate THEN CAST((v.cur OPERATOR(pg_catalog.-) v.base) OPERATOR(pg_catalog.*) 100 AS pg_catalog.float8) END AS change_pp'
        || format(E'\nFROM %I k', prev);
    IF compare IS NOT NULL THEN
        q := q || format(' LEFT JOIN %I b ON b."period.start" OPERATOR(pg_catalog.=) %s', prev, basekey) || dimjoin;
    END IF;
    q := q || ' CROSS JOIN LATERAL (VALUES ' || vals || ') v(ord, metric, value, exact_value, cur, base, exact, rate)';
    IF compare IS NOT NULL THEN
        q := q || format(' WHERE k."period.start" OPERATOR(pg_catalog.>=) %L::pg_catalog.date', first_period);
    END IF;
    q := q || E'\nORDER BY v.ord, k."period.start"' || replace(dimcols, ', "', ', k."');
    RETURN notes || q;
END
$$;
COMMENT ON FUNCTION metric_sql(text[], text[], jsonb, date, date, text, text, timestamptz, boolean, text, text) IS
    'compiles a metric request (metrics by dimensions at a grain, filtered, optionally compared, as defined at as_of, with subtotals, long or wide) into SQL, answering from pre-aggregates where they cover it (routing auto, raw or include_untracked; comment lines say which); metric_values runs the long form';

-- Runs the SELECT metric_sql compiled, with the plans of the last 16 texts kept per session and
-- user (src/catalog_run.c): the same request from a dashboard is not planned again, while every
-- catalog rule is applied again by compiling it.  SECURITY INVOKER: the statement runs with the
-- caller's rights, like EXECUTE (anybody may call it: it runs nothing the caller could not run).
CREATE OR REPLACE FUNCTION _catalog_run(sql text) RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'catalog_run' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE ROWS 100;
COMMENT ON FUNCTION _catalog_run(text) IS
    'internal: the rows of a read-only SELECT (the caller lists its columns), planned once per session, text and user';

CREATE OR REPLACE FUNCTION metric_values(metrics text[], dimensions text[] DEFAULT '{}', filters jsonb DEFAULT NULL,
                              from_date date DEFAULT NULL, to_date date DEFAULT NULL, grain text DEFAULT 'month',
                              compare text DEFAULT NULL, as_of timestamptz DEFAULT NULL, subtotals boolean DEFAULT false,
                              routing text DEFAULT 'auto')
RETURNS TABLE(metric text, period_start date, dimension_values jsonb, value float8, exact_value numeric,
              base_value float8, change float8, exact_base numeric, absolute_change numeric, change_pp float8)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE ROWS 100
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    q text := retail_kpi.metric_sql(metrics, dimensions, filters, from_date, to_date, grain, compare, as_of, subtotals, 'long', routing);
BEGIN
    PERFORM retail_kpi._catalog_audit_read(metrics, dimensions, grain, from_date, to_date, as_of);
    RETURN QUERY SELECT * FROM retail_kpi._catalog_run(q)
        AS t(metric text, period_start date, dimension_values jsonb, value float8, exact_value numeric,
             base_value float8, change float8, exact_base numeric, absolute_change numeric, change_pp float8);
END
$$;
COMMENT ON FUNCTION metric_values(text[], text[], jsonb, date, date, text, text, timestamptz, boolean, text) IS
    'runs metric_sql with the caller''s privileges (row-level security applies) under a pinned search_path; one row per metric, period and dimension members, with the comparison''s base, relative and absolute change (percentage points for rates)';

CREATE OR REPLACE FUNCTION publish_metric_view(view_name text, metrics text[], dimensions text[] DEFAULT '{}',
                                    filters jsonb DEFAULT NULL, from_date date DEFAULT NULL, to_date date DEFAULT NULL,
                                    grain text DEFAULT 'month', compare text DEFAULT NULL,
                                    schema_name text DEFAULT pg_catalog.current_schema(),
                                    subtotals boolean DEFAULT false, layout text DEFAULT 'long') RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE
-- the view is created under this search_path: it binds PostgreSQL's operators once and for all
-- (docs/security.md, R9); schema_name's default, the caller's current schema, is evaluated by the caller
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    nsp text := schema_name;
    sql text;
BEGIN
    IF view_name IS NULL OR view_name !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid value for argument "view_name": %', coalesce(quote_literal(view_name), 'NULL')
            USING ERRCODE = '22023', DETAIL = 'View names are lowercase identifiers.';
    END IF;
    IF nsp IS NULL OR nsp !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid value for argument "schema_name": %', coalesce(quote_literal(nsp), 'NULL') USING ERRCODE = '22023';
    END IF;
    -- from raw rows: a view reading a pre-aggregate's table would keep it from being dropped, and
    -- its watermark is read when the view runs, but its choice would be frozen at publication
    sql := retail_kpi.metric_sql(metrics, dimensions, filters, from_date, to_date, grain, compare, NULL, subtotals, layout, 'raw');
    EXECUTE format('CREATE OR REPLACE VIEW %I.%I WITH (security_invoker = true) AS %s', nsp, view_name, sql);
    EXECUTE format('COMMENT ON VIEW %I.%I IS %L', nsp, view_name,
                   'retail_kpi metric view: ' || array_to_string(metrics, ', ') || ' (definitions as published at ' || now() || ')');
    RETURN format('%I.%I', nsp, view_name);
END
$$;
COMMENT ON FUNCTION publish_metric_view(text, text[], text[], jsonb, date, date, text, text, text, boolean, text) IS
    'creates or replaces an ordinary (security_invoker) view over metric_sql for BI tools; definitions are frozen at publication';

-- A readable list of the metrics for BI tools and analysts.
CREATE OR REPLACE VIEW metric_catalog AS
SELECT m.code, m.label_en, m.label_zh, m.description, m.unit, m.polarity, m.status, m.owner, m.tags, m.kind,
       coalesce(m.definition->>'measure', (m.definition->>'numerator') || ' / ' || (m.definition->>'denominator'),
                m.definition->>'expression') AS definition,
       m.depends_on, m.updated_at
FROM retail_kpi.metrics m;
COMMENT ON VIEW metric_catalog IS 'the metrics of the catalog with labels, unit, status, owner and a one-line definition';
GRANT SELECT ON metric_catalog TO PUBLIC;

