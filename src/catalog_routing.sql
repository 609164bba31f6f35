-- src/catalog_routing.sql: aggregate awareness (issue 13): metric_sql answers the measures of a source from the smallest pre-aggregate that covers the request, plus the raw rows of the periods after its watermark and of its invalidated periods, so that routed answers equal raw ones.
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- Security (docs/security.md, R12; docs/preaggregates.md "Routing"): routing runs inside metric_sql,
-- as the caller, after the evaluation rule (R4) and the restricted-metric rule (R7) have passed on the
-- raw request; the routed SQL reads the pre-aggregate table and the source relation with the
-- caller's rights.  It routes only when that shows the caller exactly the rows the raw query would:
-- no row-level security on the source, table-level SELECT on the source and on the pre-aggregate
-- table, the same measure definitions and dimension columns as when the table was materialised,
-- the same time zone for a timestamptz time column.  Otherwise the answer comes from raw rows and
-- the SQL says why.

-- The stored column of a pre-aggregate measure rolled up to a coarser group, as SQL over src."measure.<code>":
-- the rule of each aggregation (sum of sums, sum of counts, min of minima, rollup() of summaries,
-- the count of the union of distinct summaries); NULL when the stored values cannot be combined
-- into exactly the raw value (a float8 sum depends on the order of its terms).
CREATE OR REPLACE FUNCTION _catalog_rollup_sql(aggregation text, result_type text, stored jsonb, col text) RETURNS text
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT CASE
        WHEN $3->>'rollup' = 'distinct_count'
            THEN pg_catalog.format('COALESCE(retail_kpi.rollup_count(src.%I), 0)', $4)
        WHEN $1 IN ('sum', 'count') AND $2 IN ('pg_catalog.float8', 'pg_catalog.float4', 'double precision', 'real') THEN NULL
        WHEN $1 IN ('sum', 'count') THEN pg_catalog.format('CAST(pg_catalog.sum(src.%I) AS %s)', $4, $2)
        WHEN $1 IN ('min', 'max') THEN pg_catalog.format('pg_catalog.%s(src.%I)', $1, $4)
        WHEN $1 IN ('margin_agg', 'ratio_agg', 'stock_agg', 'bridge_agg', 'abc_agg', 'customer_agg', 'distinct_agg')
            THEN pg_catalog.format('retail_kpi.rollup(src.%I)', $4)
    END;
$$;
COMMENT ON FUNCTION _catalog_rollup_sql(text, text, jsonb, text) IS
    'internal: SQL rolling a stored pre-aggregate column up exactly (NULL when its aggregation cannot be rolled up exactly)';

-- Whether a pre-aggregate of grain g can give the periods of a requested grain: whole g periods
-- must tile every requested period (day tiles all, retail periods included; month tiles quarter and
-- year; ...).
CREATE OR REPLACE FUNCTION _catalog_grain_derivable(stored text, requested text) RETURNS boolean
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT $1 = 'day' OR $1 = $2 OR $2 = 'total'
        OR ($1 = 'month' AND $2 IN ('quarter', 'year')) OR ($1 = 'quarter' AND $2 = 'year');
$$;
COMMENT ON FUNCTION _catalog_grain_derivable(text, text) IS 'internal: can periods of one grain be added up into periods of another';

-- The SQL condition ' AND (...)' keeping a date or timestamp expression inside the windows given as
-- pairs [start, end) of bounds (a NULL bound is open; '' when nothing is bounded), written as
-- ranges an index on the expression can use.
CREATE OR REPLACE FUNCTION _catalog_window_sql(expr text, bounds date[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    parts text[] := '{}';
    c text;
BEGIN
    -- a loop of simple expressions: metric_sql calls this several times per request
    FOR i IN 1 .. coalesce(cardinality(bounds), 0) / 2 LOOP
        c := concat_ws(' AND ',
                       CASE WHEN bounds[2 * i - 1] IS NOT NULL
                            THEN format('%s OPERATOR(pg_catalog.>=) %L::pg_catalog.date', expr, bounds[2 * i - 1]) END,
                       CASE WHEN bounds[2 * i] IS NOT NULL
                            THEN format('%s OPERATOR(pg_catalog.<) %L::pg_catalog.date', expr, bounds[2 * i]) END);
        IF c = '' THEN
            RETURN '';          -- an unbounded window: nothing to keep out
        END IF;
        parts := parts || ('(' || c || ')');
    END LOOP;
    IF cardinality(parts) = 0 THEN
        RETURN '';
    END IF;
    RETURN ' AND (' || array_to_string(parts, ' OR ') || ')';
END
$$;
COMMENT ON FUNCTION _catalog_window_sql(text, date[]) IS
    'internal: SQL condition keeping an expression inside windows given as [start, end) pairs of dates';

-- The windows given as pairs [start, end) of bounds (a NULL bound is open), sorted, with overlapping
-- and adjacent ones merged: the stored rows of a pre-aggregate are read one window at a time (an
-- index range scan each), so no row may be read twice.
CREATE OR REPLACE FUNCTION _catalog_window_ranges(bounds date[]) RETURNS date[]
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r record;
    merged date[] := '{}';
    cur_lo date;
    cur_hi date;
    have boolean := false;
BEGIN
    FOR r IN SELECT bounds[2 * i - 1] AS lo, bounds[2 * i] AS hi
             FROM generate_series(1, coalesce(cardinality(bounds), 0) / 2) i ORDER BY 1 NULLS FIRST LOOP
        IF have AND (cur_hi IS NULL OR r.lo IS NULL OR r.lo <= cur_hi) THEN
            cur_hi := CASE WHEN cur_hi IS NULL OR r.hi IS NULL THEN NULL ELSE greatest(cur_hi, r.hi) END;
        ELSE
            IF have THEN
                merged := merged || ARRAY[cur_lo, cur_hi];
            END IF;
            cur_lo := r.lo;
            cur_hi := r.hi;
            have := true;
        END IF;
    END LOOP;
    IF have THEN
        merged := merged || ARRAY[cur_lo, cur_hi];
    END IF;
    RETURN merged;
END
$$;
COMMENT ON FUNCTION _catalog_window_ranges(date[]) IS
    'internal: windows given as [start, end) pairs of dates, sorted, overlapping and adjacent ones merged';

-- Chooses the pre-aggregate that answers the measures of one source in a metric request, and
-- returns the SQL of a derived table to read instead of the source relation: it has the source's
-- time column (as the period start at the pre-aggregate's grain), the source's dimension columns
-- the pre-aggregate stores, and one column "measure.<code>" per measure with the stored value, so
-- that metric_sql's period, window, filter and dimension-table SQL apply to it unchanged; and the
-- SQL rolling up each measure.  Its rows are the stored ones up to the watermark except invalidated
-- periods, and the raw rows (grouped at the pre-aggregate's grain) of the periods after the
-- watermark, of the invalidated periods and, without a window, of rows without a time.  When no
-- pre-aggregate qualifies, preaggregate is NULL and note says why for each candidate; with no
-- candidate at all note is NULL.  Runs as the caller (inside metric_sql).
CREATE OR REPLACE FUNCTION _catalog_route(source text, src jsonb, meas jsonb, measures text[], needed text[],
                                          join_keys text[], grain text, bounds date[], routing text,
                                          OUT preaggregate text, OUT relation_sql text, OUT measure_sql jsonb, OUT note text)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    p record;
    why text;
    reasons text[] := '{}';
    srcdims text[] := ARRAY(SELECT jsonb_object_keys(src->'dimensions'));
    need text[];
    d text;
    mc text;
    rs jsonb;
    roll text;
    b date;
    rel oid := (src->>'relation_oid')::oid;
    relrow record;
    best record;
    tcol text := src->>'time_column';
    tbl text;
    per text;
    cols text;
    rawcols text;
    rawgrp text;
    ngroup int;
    lo date := bounds[1];
    hi date := bounds[cardinality(bounds)];
    tabwin text := '';
    ranges date[];
    rawwin text := '';
    wm text;
    nxt text;
    inv text;
BEGIN
    IF tcol IS NULL OR NOT EXISTS (SELECT 1 FROM retail_kpi.preaggregates x WHERE x.source = source) THEN
        RETURN;
    END IF;
    IF routing = 'raw' THEN
        note := pg_catalog.format('source "%s" from raw rows: routing => ''raw'' was requested', source);
        RETURN;
    END IF;
    -- what the raw query reads of the source: the dimensions it groups or filters by and the keys of
    -- the dimension tables it joins, when they are columns of the source
    need := ARRAY(SELECT DISTINCT x FROM unnest(needed || join_keys) x WHERE x = ANY (srcdims) ORDER BY 1);
    SELECT c.relrowsecurity, pg_catalog.has_table_privilege(rel, 'SELECT') AS can_select, c.reltuples INTO relrow
    FROM pg_catalog.pg_class c WHERE c.oid = rel;
    IF relrow.relrowsecurity THEN
        note := pg_catalog.format('source "%s" from raw rows: its relation has row-level security, which a shared pre-aggregate cannot honour', source);
        RETURN;
    END IF;
    IF NOT relrow.can_select THEN
        note := pg_catalog.format('source "%s" from raw rows: %s has no table-level SELECT on its relation (column privileges are not honoured by a pre-aggregate)',
                                  source, pg_catalog.quote_ident(current_user));
        RETURN;
    END IF;
    FOR p IN SELECT x.code, x.dimensions, x.measures, x.grain, x."table", x.relation, x.time_zone, x.definition,
                    x.tracked, x.watermark, x.row_count
             FROM retail_kpi.preaggregates x WHERE x.source = source
             ORDER BY x.row_count NULLS LAST, cardinality(x.dimensions), x.code LOOP
        why := NULL;
        rs := '{}';
        IF p.watermark IS NULL THEN
            why := 'never refreshed';
        ELSIF p.relation::oid <> rel OR p.definition->>'time_column' IS DISTINCT FROM tcol THEN
            why := 'its source was redefined';
        ELSIF NOT p.tracked AND routing <> 'include_untracked' THEN
            why := 'changes to its source (a view or a Citus table) are not tracked (routing => ''include_untracked'' accepts that)';
        ELSIF p.tracked AND (SELECT pg_catalog.count(*) FROM retail_kpi._preaggregate_triggers(p.code, rel) t WHERE t.enabled) < 4 THEN
            why := 'a trigger that records late changes to its source is missing or disabled (check_catalog() reports it)';
        ELSIF p.time_zone IS NOT NULL AND p.time_zone <> pg_catalog.current_setting('TimeZone') THEN
            why := pg_catalog.format('its periods are days in time zone %s, the session''s is %s', p.time_zone, pg_catalog.current_setting('TimeZone'));
        ELSIF relrow.reltuples >= 100000 AND p.row_count > relrow.reltuples / 2 THEN
            -- rolling up summaries costs more per row than aggregating raw rows
            why := pg_catalog.format('it holds %s rows for about %s rows of its source: reading the raw rows is cheaper',
                                     p.row_count, relrow.reltuples::bigint);
        ELSIF NOT retail_kpi._catalog_grain_derivable(p.grain, grain) THEN
            why := pg_catalog.format('grain "%s" cannot be derived from its grain "%s"', grain, p.grain);
        ELSIF NOT pg_catalog.has_table_privilege(p."table"::oid, 'SELECT') THEN
            why := pg_catalog.format('%s has no SELECT on its table', pg_catalog.quote_ident(current_user));
        END IF;
        IF why IS NULL THEN
            FOREACH d IN ARRAY need LOOP
                IF NOT d = ANY (p.dimensions) THEN
                    why := pg_catalog.format('dimension "%s" is not stored', d);
                    EXIT;
                ELSIF p.definition->'dimensions'->>d IS DISTINCT FROM src->'dimensions'->>d THEN
                    why := pg_catalog.format('dimension "%s" was redefined', d);
                    EXIT;
                END IF;
            END LOOP;
        END IF;
        IF why IS NULL THEN
            FOREACH b IN ARRAY bounds LOOP
                CONTINUE WHEN b IS NULL;
                IF retail_kpi._preaggregate_period_start(b, p.grain) <> b THEN
                    why := pg_catalog.format('the window is not made of whole %s periods (%s)', p.grain, pg_catalog.to_char(b, 'YYYY-MM-DD'));
                    EXIT;
                END IF;
            END LOOP;
        END IF;
        IF why IS NULL THEN
            FOREACH mc IN ARRAY measures LOOP
                IF NOT mc = ANY (p.measures) THEN
                    why := pg_catalog.format('measure "%s" is not stored', mc);
                    EXIT;
                END IF;
                -- the stored column is the measure as it is defined now (or at as_of): the same SQL
                -- fills it (for a count_distinct measure, the distinct summary of the same key)
                IF (CASE WHEN p.definition->'measures'->mc->>'rollup' = 'distinct_count'
                        THEN p.definition->'measures'->mc->>'sql' IS DISTINCT FROM
                                 (retail_kpi._preaggregate_distinct_measure(rel, meas->mc->>'expression', meas->mc->>'filter')).sql
                             OR meas->mc->>'aggregation' IS DISTINCT FROM 'count_distinct'
                        ELSE p.definition->'measures'->mc->>'sql' IS DISTINCT FROM meas->mc->>'compiled_sql'
                             OR p.definition->'measures'->mc->>'type' IS DISTINCT FROM meas->mc->>'result_type' END) THEN
                    why := pg_catalog.format('measure "%s" is defined differently than when it was materialised', mc);
                    EXIT;
                END IF;
                roll := retail_kpi._catalog_rollup_sql(meas->mc->>'aggregation', meas->mc->>'result_type', p.definition->'measures'->mc, 'measure.' || mc);
                IF roll IS NULL THEN
                    why := pg_catalog.format('measure "%s" (%s of %s) cannot be rolled up exactly', mc, meas->mc->>'aggregation', meas->mc->>'result_type');
                    EXIT;
                END IF;
                rs := rs || jsonb_build_object(mc, roll);
            END LOOP;
        END IF;
        IF why IS NULL THEN
            best := p;
            measure_sql := rs;
            EXIT;
        END IF;
        reasons := reasons || pg_catalog.format('pre-aggregate "%s": %s', p.code, why);
    END LOOP;
    IF best IS NULL THEN
        note := pg_catalog.format('source "%s" from raw rows: %s', source, array_to_string(reasons, '; '));
        RETURN;
    END IF;

    -- the derived table: stored rows, then raw rows of the tail, of invalidated periods and without a time
    tbl := retail_kpi._catalog_relation_sql(best."table"::oid, 'pre-aggregate ' || best.code);
    IF best.tracked THEN
        -- the watermark read by the query itself, in its snapshot (a refresh may commit meanwhile)
        wm := pg_catalog.format('(SELECT w.watermark FROM retail_kpi.preaggregates w WHERE w.code OPERATOR(pg_catalog.=) %L)', best.code);
        nxt := pg_catalog.format('(SELECT CAST(w.watermark OPERATOR(pg_catalog.+) CAST(%L AS pg_catalog.interval) AS pg_catalog.date) '
                                 'FROM retail_kpi.preaggregates w WHERE w.code OPERATOR(pg_catalog.=) %L)', retail_kpi._catalog_grain_interval(best.grain), best.code);
    ELSE
        -- untracked (a view, a Citus table): no invalidation is ever recorded, and the watermark is a
        -- constant, so that the query reads only the source and the pre-aggregate (Citus cannot join
        -- a distributed table with the coordinator's catalog tables); periods up to it may be stale
        wm := pg_catalog.format('%L::pg_catalog.date', best.watermark);
        nxt := pg_catalog.format('%L::pg_catalog.date', CAST(best.watermark + retail_kpi._catalog_grain_interval(best.grain) AS date));
    END IF;
    inv := pg_catalog.format('retail_kpi.preaggregate_invalidations i WHERE i.preaggregate OPERATOR(pg_catalog.=) %L', best.code);
    per := retail_kpi._preaggregate_period_sql(best.definition, best.grain, best.time_zone);
    cols := pg_catalog.format('p.period_start AS %I', tcol);
    rawcols := pg_catalog.format('%s AS %I', per, tcol);
    ngroup := 1;
    FOR d IN SELECT DISTINCT src->'dimensions'->>x FROM unnest(best.dimensions) x WHERE x = ANY (need) LOOP
        cols := cols || pg_catalog.format(', p.%I AS %I', (SELECT x FROM unnest(best.dimensions) x WHERE src->'dimensions'->>x = d LIMIT 1), d);
        rawcols := rawcols || pg_catalog.format(', src.%I', d);
        ngroup := ngroup + 1;
    END LOOP;
    -- the raw parts group by the period and each dimension column above
    rawgrp := (SELECT string_agg(g::text, ', ') FROM generate_series(1, ngroup) g);
    FOREACH mc IN ARRAY measures LOOP
        cols := cols || pg_catalog.format(', p.%I AS %I', mc, 'measure.' || mc);
        rawcols := rawcols || pg_catalog.format(', %s AS %I', best.definition->'measures'->mc->>'sql', 'measure.' || mc);
    END LOOP;
    -- the window (whole periods of the pre-aggregate) read from both parts, as pairs [start, end) of
    -- bounds (two windows when comparing with the same period last year); metric_sql applies it again
    tabwin := retail_kpi._catalog_window_sql('p.period_start', bounds);
    ranges := retail_kpi._catalog_window_ranges(bounds);
    rawwin := retail_kpi._catalog_window_sql(pg_catalog.format('src.%I', tcol), bounds);
    -- the stored rows, one SELECT per window (merged windows do not overlap): each reads its index
    -- range, where one OR of the windows made the planner scan the whole span between them; the
    -- invalidated periods are left out with NOT IN, one hashed look-up per row (period_start is the
    -- key of preaggregate_invalidations, never NULL)
    relation_sql := '(' || (SELECT string_agg('SELECT ' || cols || ' FROM ' || tbl || ' AS p WHERE p.period_start OPERATOR(pg_catalog.<=) ' || wm
                                              || CASE WHEN best.tracked THEN ' AND p.period_start NOT IN (SELECT i.period_start FROM ' || inv || ')' ELSE '' END
                                              || retail_kpi._catalog_window_sql('p.period_start', w.r), E'\n  UNION ALL ' ORDER BY w.i)
                            FROM (SELECT i, ARRAY[ranges[2 * i - 1], ranges[2 * i]] AS r
                                  FROM generate_series(1, greatest(cardinality(ranges) / 2, 1)) i) w)
        -- the tail after the watermark (the time column compared as metric_sql does: the session's
        -- time zone is the pre-aggregate's)
        || E'\n  UNION ALL SELECT ' || rawcols || pg_catalog.format(' FROM %s AS src', retail_kpi._catalog_relation_sql(rel, source))
        || pg_catalog.format(' WHERE src.%I OPERATOR(pg_catalog.>=) ', tcol) || nxt || rawwin || ' GROUP BY ' || rawgrp
        -- the invalidated periods, each read by its time range
        || CASE WHEN best.tracked THEN
               E'\n  UNION ALL SELECT ' || rawcols || pg_catalog.format(' FROM (SELECT i.period_start AS lo, CAST(i.period_start OPERATOR(pg_catalog.+) CAST(%L AS pg_catalog.interval) AS pg_catalog.date) AS hi FROM ', retail_kpi._catalog_grain_interval(best.grain))
               || inv || ' AND i.period_start OPERATOR(pg_catalog.<=) ' || wm || replace(tabwin, 'p.period_start', 'i.period_start') || ') AS inv'
               || pg_catalog.format(' JOIN %s AS src ON src.%I OPERATOR(pg_catalog.>=) inv.lo AND src.%I OPERATOR(pg_catalog.<) inv.hi', retail_kpi._catalog_relation_sql(rel, source), tcol, tcol)
               || CASE WHEN rawwin <> '' THEN ' WHERE ' || substr(rawwin, 6) ELSE '' END || ' GROUP BY ' || rawgrp
           ELSE '' END
        || CASE WHEN lo IS NULL AND hi IS NULL
                THEN E'\n  UNION ALL SELECT ' || rawcols || pg_catalog.format(' FROM %s AS src WHERE src.%I IS NULL GROUP BY ',
                                                                           retail_kpi._catalog_relation_sql(rel, source), tcol) || rawgrp
                ELSE '' END
        || ')';
    preaggregate := best.code;
    note := pg_catalog.format('source "%s" from pre-aggregate "%s" (%s, grain %s, watermark %s; raw rows after it and for invalidated periods)%s',
                              source, best.code, tbl, best.grain, pg_catalog.to_char(best.watermark, 'YYYY-MM-DD'),
                              CASE WHEN NOT best.tracked THEN ': changes to its source (a view or a Citus table) are not tracked, periods up to the watermark may be stale' ELSE '' END);
END
$$;
COMMENT ON FUNCTION _catalog_route(text, jsonb, jsonb, text[], text[], text[], text, date[], text) IS
    'internal: the pre-aggregate answering the measures of one source in a metric request, as a derived table and roll-up SQL, or why none can';
