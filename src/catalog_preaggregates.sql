-- src/catalog_preaggregates.sql: governed pre-aggregates (issue 13, foundation): definition, table, full and incremental refresh with a watermark, the invalidation log of late data, status, drop.
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- Security (docs/security.md is the contract; docs/preaggregates.md "Security" gives the reasons):
-- * define/refresh/drop are SECURITY DEFINER (they write catalog rows and a table in schema
--   retail_kpi_preagg owned by the extension's owner); they check the CALLER: authors define, members
--   of the pre-aggregate's owner role or stewards refresh and drop, and the caller must hold SELECT on
--   the source relation.
-- * the source is read with the extension owner's rights, so that the stored rows are the same
--   whoever refreshes (a pre-aggregate is shared by every reader) and nobody can plant rows: hence
--   sources that could give readers different rows or run code of anyone but a superuser are
--   refused: row-level security, security_invoker views, foreign tables, views, column types and
--   allow-listed functions not owned by a superuser (a refresh runs as the extension's owner).
-- * readers read the table with their own rights: SELECT on it follows SELECT on the source
--   relation (table-level grants, re-synchronised at every refresh).

-- ---------------------------------------------------------------------------------------------
-- Internal helpers

-- How a count_distinct measure is stored in a pre-aggregate, exactly: as a distinct summary
-- (retail_kpi.distinct_agg of its expression cast to bigint, with the measure's FILTER), which rolls
-- up by set union to the same count as count(DISTINCT) over the raw rows.  Only when the expression
-- is a column of the source's relation of type smallint, integer or bigint, optionally cast to one of
-- these types: such keys are stored exactly (text keys would be stored as 64-bit hashes, and a
-- computed expression's type is not proven).  The type is read from the relation's catalog
-- (pg_attribute): nothing is planned or evaluated.  Returns the aggregate SQL (alias src) and the
-- key's type, or a NULL sql, the column's type when known and the reason ('type' or 'expression').
-- Runs as the caller (not SECURITY DEFINER); called by _preaggregate_definition and
-- define_preaggregate.
CREATE OR REPLACE FUNCTION _preaggregate_distinct_measure(relation oid, expression text, filter text,
                                                          OUT sql text, OUT key_type text, OUT reason text)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    e record;
    f record;
    col text;
    t oid;
BEGIN
    e := retail_kpi._catalog_parse(expression, 'expression', 'row', 'src');
    IF cardinality(e.columns) = 1 THEN
        col := e.columns[1];
    END IF;
    IF col IS NULL OR NOT (e.sql = pg_catalog.format('src.%I', col)
                           OR e.sql = ANY (ARRAY[pg_catalog.format('CAST(src.%I AS pg_catalog.int8)', col),
                                                 pg_catalog.format('CAST(src.%I AS pg_catalog.int4)', col),
                                                 pg_catalog.format('CAST(src.%I AS pg_catalog.int2)', col)])) THEN
        reason := 'expression';
        RETURN;
    END IF;
    SELECT a.atttypid INTO t FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = relation AND a.attname = col AND a.attnum > 0 AND NOT a.attisdropped;
    key_type := pg_catalog.format_type(t, NULL);
    IF t IS NULL OR t NOT IN ('pg_catalog.int2'::pg_catalog.regtype, 'pg_catalog.int4'::pg_catalog.regtype,
                              'pg_catalog.int8'::pg_catalog.regtype) THEN
        reason := 'type';
        RETURN;
    END IF;
    sql := pg_catalog.format('retail_kpi.distinct_agg(%s)',
                             CASE WHEN e.sql = pg_catalog.format('CAST(src.%I AS pg_catalog.int8)', col) THEN e.sql
                                  ELSE pg_catalog.format('CAST(%s AS pg_catalog.int8)', e.sql) END);
    IF filter IS NOT NULL THEN
        f := retail_kpi._catalog_parse(filter, 'filter', 'row', 'src');
        sql := pg_catalog.format('%s FILTER (WHERE %s)', sql, f.sql);
    END IF;
END
$$;
COMMENT ON FUNCTION _preaggregate_distinct_measure(oid, text, text) IS
    'internal: the distinct summary SQL that stores a count_distinct measure exactly in a pre-aggregate (integer column keys only), or the reason it cannot';

-- The compiled definition of a pre-aggregate from the live catalog: the source relation (OID), its
-- time column and type, the column of each dimension, the aggregate SQL and type of each measure,
-- the columns and allow-listed functions they use.  Raises the errors of bad input (unknown source,
-- dimension or measure, a measure that cannot be pre-aggregated, a grain finer than the source's).
-- Called by define_preaggregate and by every refresh, which compares it with the stored one.
CREATE OR REPLACE FUNCTION _preaggregate_definition(source text, dimensions text[], measures text[], grain text)
RETURNS jsonb
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    src retail_kpi.sources;
    m retail_kpi.measures;
    agg retail_kpi.catalog_aggregations;
    cm record;
    dm record;
    d text;
    mc text;
    dims jsonb := '{}';
    meas jsonb := '{}';
    cols text[] := '{}';
    fns text[] := '{}';
    ttype text;
BEGIN
    SELECT * INTO src FROM retail_kpi.sources s WHERE s.code = source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'source "%" does not exist', source USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('source', source);
    END IF;
    IF src.time_column IS NULL THEN
        RAISE EXCEPTION 'source "%" has no time column', source
            USING ERRCODE = '22023', DETAIL = 'A pre-aggregate stores one row per period; static facts (such as selling area) are read from raw rows.';
    END IF;
    IF src.native_grain <> 'day' AND NOT grain = ANY (CASE src.native_grain WHEN 'month' THEN '{month,quarter,year}'::text[]
                                                                            WHEN 'quarter' THEN '{quarter,year}'::text[]
                                                                            ELSE '{year}'::text[] END) THEN
        RAISE EXCEPTION 'source "%" holds % facts: grain "%" is finer or not aligned', source, src.native_grain, grain
            USING ERRCODE = '22023';
    END IF;
    SELECT pg_catalog.format_type(a.atttypid, NULL) INTO ttype FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = src.relation AND a.attname = src.time_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF ttype IS NULL OR ttype NOT IN ('date', 'timestamp without time zone', 'timestamp with time zone') THEN
        RAISE EXCEPTION 'the time column of source "%" must be a date or a timestamp', source
            USING ERRCODE = '22023', DETAIL = pg_catalog.format('Column %s has type %s.', pg_catalog.quote_ident(src.time_column), coalesce(ttype, 'none (it was dropped)'));
    END IF;
    cols := ARRAY[src.time_column];
    FOREACH d IN ARRAY dimensions LOOP
        IF NOT src.dimensions ? d THEN
            RAISE EXCEPTION 'dimension "%" is not a column of source "%"', d, source
                USING ERRCODE = '22023',
                      HINT = 'A pre-aggregate stores the dimensions its source carries (retail_kpi.sources.dimensions); coarser members (a store''s region) are reached through the dimension''s table.';
        END IF;
        IF d = 'period_start' OR d = ANY (measures) THEN
            RAISE EXCEPTION 'dimension "%" has the name of a measure or of column period_start', d USING ERRCODE = '22023';
        END IF;
        dims := dims || jsonb_build_object(d, src.dimensions->>d);
        cols := cols || (src.dimensions->>d);
    END LOOP;
    FOREACH mc IN ARRAY measures LOOP
        SELECT * INTO m FROM retail_kpi.measures x WHERE x.code = mc;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'measure "%" does not exist', mc USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('measure', mc);
        END IF;
        IF m.source <> source THEN
            RAISE EXCEPTION 'measure "%" belongs to source "%", not "%"', mc, m.source, source USING ERRCODE = '22023';
        END IF;
        SELECT * INTO agg FROM retail_kpi.catalog_aggregations a WHERE a.name = m.aggregation;
        IF agg.is_distinct AND agg.builtin AND agg.name = 'count_distinct' THEN
            -- stored as a distinct summary when that is exact; read as distinct_count(rollup(column))
            cm := retail_kpi._catalog_compile_measure(m.aggregation, m.expression, m.filter);
            dm := retail_kpi._preaggregate_distinct_measure(src.relation, m.expression, m.filter);
            IF dm.reason = 'type' AND dm.key_type IN ('text', 'character varying', 'character', 'name') THEN
                RAISE EXCEPTION 'measure "%" counts distinct text values and cannot be pre-aggregated', mc
                    USING ERRCODE = '0A000',
                          DETAIL = 'A distinct summary stores integer keys exactly but text keys as 64-bit hashes (docs/distinct.md): a count rolled up from stored summaries could differ from count(DISTINCT) over the raw rows by a hash collision, and answers from a pre-aggregate must be identical to those from raw rows.',
                          HINT = 'Count an integer key instead (the surrogate id of the dimension); this measure is answered from raw rows.';
            ELSIF dm.reason = 'type' THEN
                RAISE EXCEPTION 'measure "%" counts distinct values of type % and cannot be pre-aggregated', mc, coalesce(dm.key_type, 'unknown')
                    USING ERRCODE = '0A000',
                          DETAIL = 'Distinct counts are stored exactly (as distinct summaries) only for keys of type smallint, integer or bigint.',
                          HINT = 'Count an integer key instead; this measure is answered from raw rows.';
            ELSIF dm.reason IS NOT NULL THEN
                RAISE EXCEPTION 'measure "%" counts distinct values of a computed expression and cannot be pre-aggregated', mc
                    USING ERRCODE = '0A000',
                          DETAIL = 'A count_distinct measure is stored exactly when its expression is a column of type smallint, integer or bigint (optionally cast to one of them); the type of a computed expression is not proven.',
                          HINT = 'Make the key a column of the source''s relation (or of a view over it); this measure is answered from raw rows.';
            END IF;
            meas := meas || jsonb_build_object(mc, jsonb_build_object('sql', dm.sql, 'type', 'retail_kpi.distinct_summary',
                                                                      'aggregation', m.aggregation, 'rollup', 'distinct_count',
                                                                      'rollup_sql', 'COALESCE(retail_kpi.rollup_count(%1$s), 0)',
                                                                      'key_type', dm.key_type, 'result_type', m.result_type));
            cols := cols || cm.columns;
            fns := fns || cm.functions;
            CONTINUE;
        END IF;
        IF agg.is_distinct THEN
            RAISE EXCEPTION 'measure "%" counts distinct values and cannot be pre-aggregated', mc
                USING ERRCODE = '0A000',
                      DETAIL = pg_catalog.format('Its aggregation %s was added to the allow-list: the catalog does not know how to roll it up.', m.aggregation);
        END IF;
        IF agg.valid_grains IS NOT NULL OR NOT agg.builtin THEN
            RAISE EXCEPTION 'measure "%" cannot be pre-aggregated', mc
                USING ERRCODE = '0A000',
                      DETAIL = CASE WHEN agg.valid_grains IS NOT NULL
                                    THEN pg_catalog.format('Its aggregation %s summarises a window of its own (a promotion''s), which periods cannot split.', m.aggregation)
                                    ELSE pg_catalog.format('Its aggregation %s was added to the allow-list: the catalog does not know how to roll it up.', m.aggregation) END;
        END IF;
        cm := retail_kpi._catalog_compile_measure(m.aggregation, m.expression, m.filter);
        meas := meas || jsonb_build_object(mc, jsonb_build_object('sql', cm.sql, 'type', m.result_type, 'aggregation', m.aggregation));
        cols := cols || cm.columns;
        fns := fns || cm.functions;
    END LOOP;
    RETURN jsonb_build_object('relation', src.relation::oid, 'time_column', src.time_column, 'time_type', ttype,
                              'dimensions', dims, 'measures', meas,
                              'columns', to_jsonb(ARRAY(SELECT DISTINCT x FROM unnest(cols) x ORDER BY 1)),
                              'functions', to_jsonb(ARRAY(SELECT DISTINCT x FROM unnest(fns) x ORDER BY 1)));
END
$$;
COMMENT ON FUNCTION _preaggregate_definition(text, text[], text[], text) IS
    'internal: the compiled definition of a pre-aggregate from the live catalog (relation, time column, dimension columns, measure SQL and types)';

-- Raises unless the source relation may be read into a shared pre-aggregate by the caller (see the
-- head of this file): it exists, the caller has SELECT on it, it has no row-level security, it is not
-- a security_invoker view or a foreign table, and views, the types of the columns read and the
-- allow-listed functions are superusers' (a refresh runs as the extension's owner).  Runs as the
-- caller (not SECURITY DEFINER).
CREATE OR REPLACE FUNCTION _preaggregate_check_source(relation oid, columns text[], functions text[], source text)
RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    caller oid := retail_kpi.catalog_caller_id();
    r record;
BEGIN
    PERFORM retail_kpi._catalog_relation_sql(relation, source);
    SELECT c.oid, c.relkind, c.relrowsecurity, c.relowner, c.reloptions INTO r FROM pg_catalog.pg_class c WHERE c.oid = relation;
    IF NOT pg_catalog.has_table_privilege(caller, relation, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for relation %', relation::regclass
            USING ERRCODE = '42501',
                  DETAIL = pg_catalog.format('Defining or refreshing a pre-aggregate of source "%s" requires SELECT on its relation; %s has not.',
                                             source, pg_catalog.quote_ident(retail_kpi.catalog_caller()));
    END IF;
    -- a foreign table would be read through the extension owner's user mapping: refused
    IF r.relkind NOT IN ('r', 'p', 'v', 'm') THEN
        RAISE EXCEPTION 'relation % of source "%" cannot be pre-aggregated', relation::regclass, source USING ERRCODE = '0A000';
    END IF;
    IF r.relrowsecurity THEN
        RAISE EXCEPTION 'relation % of source "%" has row-level security', relation::regclass, source
            USING ERRCODE = '0A000',
                  DETAIL = 'A pre-aggregate is one table shared by every reader of the source: it cannot honour policies that show readers different rows.',
                  HINT = 'Metrics over this source are answered from raw rows.';
    END IF;
    IF r.relkind = 'v' THEN
        IF EXISTS (SELECT 1 FROM unnest(r.reloptions) o WHERE o IN ('security_invoker=true', 'security_invoker=on', 'security_invoker=1')) THEN
            RAISE EXCEPTION 'view % of source "%" is security_invoker', relation::regclass, source
                USING ERRCODE = '0A000',
                      DETAIL = 'Its rows depend on the privileges and row-level security of each reader: one shared pre-aggregate cannot give every reader their own rows.';
        END IF;
    END IF;
    -- views, column types and allow-listed functions run as the extension's owner in a refresh
    PERFORM retail_kpi._catalog_check_evaluation(ARRAY[relation], functions, true);
    PERFORM retail_kpi._catalog_check_column_types(relation, columns, true);
END
$$;
COMMENT ON FUNCTION _preaggregate_check_source(oid, text[], text[], text) IS
    'internal: raises unless a source relation may be read into a shared pre-aggregate by the caller (SELECT, no row-level security, superusers'' code only)';

-- The time column of a source row (alias src) as a date or timestamp: a timestamptz column in the
-- pre-aggregate's pinned time zone, so periods do not depend on the session's TimeZone.
CREATE OR REPLACE FUNCTION _preaggregate_local_time_sql(definition jsonb, time_zone text) RETURNS text
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT CASE WHEN $1->>'time_type' = 'timestamp with time zone'
                THEN pg_catalog.format('pg_catalog.timezone(%L, src.%I)', $2, $1->>'time_column')
                ELSE pg_catalog.format('src.%I', $1->>'time_column') END;
$$;

-- The SQL expression of a row's period start (alias src) at a grain, as metric_sql computes it; a
-- timestamptz column is read in the time zone pinned when the pre-aggregate was defined.
CREATE OR REPLACE FUNCTION _preaggregate_period_sql(definition jsonb, grain text, time_zone text) RETURNS text
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT CASE WHEN $2 = 'day' THEN pg_catalog.format('CAST(%s AS pg_catalog.date)', retail_kpi._preaggregate_local_time_sql($1, $3))
                ELSE pg_catalog.format('CAST(pg_catalog.date_trunc(%L, CAST(%s AS pg_catalog.timestamp)) AS pg_catalog.date)',
                                       $2, retail_kpi._preaggregate_local_time_sql($1, $3)) END;
$$;
COMMENT ON FUNCTION _preaggregate_local_time_sql(jsonb, text) IS
    'internal: SQL of a source row''s time as a date or timestamp (timestamptz in the pre-aggregate''s time zone)';
COMMENT ON FUNCTION _preaggregate_period_sql(jsonb, text, text) IS
    'internal: SQL of a source row''s period start at a grain, as metric_sql computes it';

-- The first day of the period after the one starting at d.
CREATE OR REPLACE FUNCTION _preaggregate_next_period(d date, grain text) RETURNS date
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT CAST($1 + retail_kpi._catalog_grain_interval($2) AS pg_catalog.date);
$$;
COMMENT ON FUNCTION _preaggregate_next_period(date, text) IS 'internal: the start of the period after the one starting at d';

-- The start of the period containing d.
CREATE OR REPLACE FUNCTION _preaggregate_period_start(d date, grain text) RETURNS date
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT CASE WHEN $2 = 'day' THEN $1 ELSE CAST(pg_catalog.date_trunc($2, CAST($1 AS pg_catalog.timestamp)) AS pg_catalog.date) END;
$$;
COMMENT ON FUNCTION _preaggregate_period_start(date, text) IS 'internal: the start of the period (at a grain) containing a day';

-- Gives SELECT on a pre-aggregate's table to exactly the roles holding SELECT on its source relation
-- (table-level grants, PUBLIC included; the relation's owner too).  Called by the SECURITY DEFINER
-- API only (the table belongs to the extension's owner).
CREATE OR REPLACE FUNCTION _preaggregate_sync_grants(tbl oid, relation oid) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$
DECLARE
    g oid;
    prev text := pg_catalog.current_setting('retail_kpi.syncing_grants', true);
BEGIN
    -- the GRANTs and REVOKEs below are the extension's own: the event triggers leave them alone
    PERFORM pg_catalog.set_config('retail_kpi.syncing_grants', 'on', true);
    FOR g IN SELECT DISTINCT a.grantee FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
             WHERE c.oid = tbl AND a.grantee <> c.relowner LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM %s', tbl::regclass,
                                  CASE WHEN g = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(g::regrole::text) END);
    END LOOP;
    EXECUTE pg_catalog.format('REVOKE ALL ON %s FROM PUBLIC', tbl::regclass);
    FOR g IN SELECT DISTINCT a.grantee FROM pg_catalog.pg_class c,
                    pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))) a
             WHERE c.oid = relation AND a.privilege_type = 'SELECT' LOOP
        EXECUTE pg_catalog.format('GRANT SELECT ON %s TO %s', tbl::regclass,
                                  CASE WHEN g = 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(g::regrole::text) END);
    END LOOP;
    PERFORM pg_catalog.set_config('retail_kpi.syncing_grants', coalesce(prev, 'off'), true);
END
$$;
COMMENT ON FUNCTION _preaggregate_sync_grants(oid, oid) IS
    'internal: SELECT on a pre-aggregate''s table for exactly the roles with SELECT on its source relation';
REVOKE EXECUTE ON FUNCTION _preaggregate_sync_grants(oid, oid) FROM PUBLIC;

-- Event trigger function: before a GRANT or REVOKE of a user (not the extension's own), when
-- pre-aggregates exist, takes the lock that serialises re-synchronisations until the end of the
-- transaction: taken before the statement changes any privilege, it cannot be waited for by a
-- session that holds a change this one waits for (two parallel pg_restore workers granting on one
-- pre-aggregate table deadlocked when it was taken after).
CREATE OR REPLACE FUNCTION _preaggregate_grants_lock() RETURNS event_trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_catalog.current_setting('retail_kpi.syncing_grants', true) IS DISTINCT FROM 'on'
       AND EXISTS (SELECT 1 FROM retail_kpi.preaggregates) THEN
        PERFORM pg_catalog.pg_advisory_xact_lock(1380667969, 0);
    END IF;
END
$$;
COMMENT ON FUNCTION _preaggregate_grants_lock() IS
    'internal: event trigger before GRANT and REVOKE: serialises the re-synchronisation of pre-aggregate privileges';
REVOKE EXECUTE ON FUNCTION _preaggregate_grants_lock() FROM PUBLIC;
DROP EVENT TRIGGER IF EXISTS retail_kpi_preaggregate_grants_lock;
CREATE EVENT TRIGGER retail_kpi_preaggregate_grants_lock ON ddl_command_start WHEN TAG IN ('GRANT', 'REVOKE')
    EXECUTE FUNCTION _preaggregate_grants_lock();
COMMENT ON EVENT TRIGGER retail_kpi_preaggregate_grants_lock IS
    'retail_kpi: before GRANT and REVOKE, the lock that serialises re-synchronising pre-aggregate privileges';

-- Event trigger function: after any GRANT or REVOKE, re-synchronises the SELECT privileges of every
-- pre-aggregate table with its source relation's, so that revoking SELECT on a source takes it away
-- from the stored rows at once (not at the next refresh).  A GRANT statement does not say which
-- relations it touched, so all pre-aggregates are re-synchronised (a few GRANTs each); the GRANTs
-- and REVOKEs it runs itself do not fire it again.  SECURITY DEFINER: the tables belong to the
-- extension's owner.
CREATE OR REPLACE FUNCTION _preaggregate_grants_changed() RETURNS event_trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p record;
BEGIN
    IF pg_catalog.current_setting('retail_kpi.syncing_grants', true) = 'on' THEN
        RETURN;
    END IF;
    PERFORM pg_catalog.set_config('retail_kpi.syncing_grants', 'on', true);
    -- only the tables whose grantees of SELECT differ from their source's (most GRANTs touch
    -- others); one re-synchronisation at a time (concurrent GRANTs, a parallel pg_restore: two
    -- sessions rewriting one table's privileges at once fail with "tuple concurrently updated"),
    -- under the lock _preaggregate_grants_lock took before the statement
    FOR p IN SELECT x."table"::oid AS tbl, x.relation::oid AS rel FROM retail_kpi.preaggregates x
             JOIN pg_catalog.pg_class t ON t.oid = x."table"
             JOIN pg_catalog.pg_class r ON r.oid = x.relation
             WHERE (SELECT pg_catalog.array_agg(DISTINCT a.grantee ORDER BY a.grantee)
                    FROM pg_catalog.aclexplode(coalesce(r.relacl, pg_catalog.acldefault('r', r.relowner))) a
                    WHERE a.privilege_type = 'SELECT' AND a.grantee <> t.relowner)
                   IS DISTINCT FROM
                   (SELECT pg_catalog.array_agg(DISTINCT a.grantee ORDER BY a.grantee)
                    FROM pg_catalog.aclexplode(t.relacl) a WHERE a.grantee <> t.relowner)
                OR EXISTS (SELECT 1 FROM pg_catalog.aclexplode(t.relacl) a
                           WHERE a.grantee <> t.relowner AND a.privilege_type <> 'SELECT') LOOP
        PERFORM retail_kpi._preaggregate_sync_grants(p.tbl, p.rel);
    END LOOP;
    PERFORM pg_catalog.set_config('retail_kpi.syncing_grants', 'off', true);
END
$$;
COMMENT ON FUNCTION _preaggregate_grants_changed() IS
    'internal: event trigger after GRANT and REVOKE: SELECT on every pre-aggregate table follows its source relation''s at once';
REVOKE EXECUTE ON FUNCTION _preaggregate_grants_changed() FROM PUBLIC;
DROP EVENT TRIGGER IF EXISTS retail_kpi_preaggregate_grants;
CREATE EVENT TRIGGER retail_kpi_preaggregate_grants ON ddl_command_end WHEN TAG IN ('GRANT', 'REVOKE')
    EXECUTE FUNCTION _preaggregate_grants_changed();
COMMENT ON EVENT TRIGGER retail_kpi_preaggregate_grants IS
    'retail_kpi: SELECT on pre-aggregate tables follows SELECT on their source relations after every GRANT and REVOKE';

-- The trigger of a pre-aggregate's source table (statement level, transition tables): records the
-- materialised periods (up to the watermark) that an INSERT, UPDATE, DELETE or TRUNCATE touched in
-- preaggregate_invalidations.  SECURITY DEFINER: the role changing the source has no right on the
-- log.  It acts only for the relation of the pre-aggregate named by its argument, so a trigger
-- attached elsewhere records nothing.
CREATE OR REPLACE FUNCTION _preaggregate_invalidate() RETURNS trigger
LANGUAGE plpgsql VOLATILE SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p retail_kpi.preaggregates;
    per text;
    q text;
BEGIN
    SELECT * INTO p FROM retail_kpi.preaggregates x WHERE x.code = TG_ARGV[0];
    IF NOT FOUND OR p.relation::oid <> TG_RELID OR p.watermark IS NULL THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'TRUNCATE' THEN
        q := pg_catalog.format('SELECT DISTINCT t.period_start FROM %s t', p."table"::oid::regclass);
    ELSE
        per := retail_kpi._preaggregate_period_sql(p.definition, p.grain, p.time_zone);
        q := CASE TG_OP WHEN 'INSERT' THEN pg_catalog.format('SELECT %s FROM rk_new AS src', per)
                        WHEN 'DELETE' THEN pg_catalog.format('SELECT %s FROM rk_old AS src', per)
                        ELSE pg_catalog.format('SELECT %1$s FROM rk_new AS src UNION SELECT %1$s FROM rk_old AS src', per) END;
    END IF;
    -- DO UPDATE (not NOTHING): it locks a pending row, so a concurrent refresh that clears it waits
    -- for this transaction and then reads its rows
    EXECUTE pg_catalog.format('INSERT INTO retail_kpi.preaggregate_invalidations AS i (preaggregate, period_start) '
                              'SELECT DISTINCT $1, x.p FROM (%s) x(p) WHERE x.p IS NOT NULL AND x.p OPERATOR(pg_catalog.<=) $2 ORDER BY 2 '
                              'ON CONFLICT (preaggregate, period_start) DO UPDATE SET recorded_at = pg_catalog.now()', q)
        USING p.code, p.watermark;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION _preaggregate_invalidate() IS
    'internal: trigger of a pre-aggregate''s source table: records the materialised periods a statement touched in preaggregate_invalidations';

-- The name of a pre-aggregate's trigger for one event (by the table's OID: fits in 63 bytes).
CREATE OR REPLACE FUNCTION _preaggregate_trigger_name(tbl oid, event text) RETURNS text
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT 'retail_kpi_preagg_' || $1::text || '_' || $2;
$$;
COMMENT ON FUNCTION _preaggregate_trigger_name(oid, text) IS 'internal: the name of a pre-aggregate''s trigger on its source for one event';

-- The triggers of a pre-aggregate on its source: those calling _preaggregate_invalidate with the
-- pre-aggregate's code as argument, found by function and argument rather than by name (a name holds
-- the OID of the table when it was defined, which a dump and restore changes), with their event and
-- whether they fire (tgenabled 'D': disabled).
CREATE OR REPLACE FUNCTION _preaggregate_triggers(code text, relation oid)
RETURNS TABLE(name name, event text, enabled boolean)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT t.tgname,
           CASE WHEN t.tgtype::int OPERATOR(pg_catalog.&) 4 OPERATOR(pg_catalog.<>) 0 THEN 'insert'
                WHEN t.tgtype::int OPERATOR(pg_catalog.&) 8 OPERATOR(pg_catalog.<>) 0 THEN 'delete'
                WHEN t.tgtype::int OPERATOR(pg_catalog.&) 16 OPERATOR(pg_catalog.<>) 0 THEN 'update'
                ELSE 'truncate' END,
           t.tgenabled OPERATOR(pg_catalog.<>) 'D'
    FROM pg_catalog.pg_trigger t
    WHERE t.tgrelid OPERATOR(pg_catalog.=) $2
      AND t.tgfoid OPERATOR(pg_catalog.=) CAST('retail_kpi._preaggregate_invalidate()' AS pg_catalog.regprocedure)
      AND t.tgnargs OPERATOR(pg_catalog.=) 1
      AND t.tgargs OPERATOR(pg_catalog.=) (pg_catalog.convert_to($1, 'UTF8') OPERATOR(pg_catalog.||) '\x00'::pg_catalog.bytea);
$$;
COMMENT ON FUNCTION _preaggregate_triggers(text, oid) IS
    'internal: the triggers of a pre-aggregate on its source relation (by function and argument), their event and whether they fire';

-- True when a stored definition and the one the catalog compiles now describe the same
-- pre-aggregate.  The relation's OID in a definition is not compared: it changes when a database is
-- dumped and restored; the pre-aggregate's relation column (a regclass, restored by name) must be
-- the live source's relation instead.  Everything else in a definition is names and SQL text.
CREATE OR REPLACE FUNCTION _preaggregate_same_definition(stored jsonb, live jsonb, relation oid) RETURNS boolean
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT coalesce(($1 OPERATOR(pg_catalog.-) 'relation') OPERATOR(pg_catalog.=) ($2 OPERATOR(pg_catalog.-) 'relation')
                    AND CAST($2 OPERATOR(pg_catalog.->>) 'relation' AS pg_catalog.oid) OPERATOR(pg_catalog.=) $3, false);
$$;
COMMENT ON FUNCTION _preaggregate_same_definition(jsonb, jsonb, oid) IS
    'internal: do a stored and a live pre-aggregate definition agree (the relation compared by the relation column, not by the OID stored in the definition)';

-- True while the stored definition of a pre-aggregate is the one the catalog compiles now (false
-- when its source or measures were redefined or dropped).
CREATE OR REPLACE FUNCTION _preaggregate_is_current(code text) RETURNS boolean
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    p retail_kpi.preaggregates;
BEGIN
    SELECT * INTO p FROM retail_kpi.preaggregates x WHERE x.code = code;
    RETURN retail_kpi._preaggregate_same_definition(p.definition, retail_kpi._preaggregate_definition(p.source, p.dimensions, p.measures, p.grain),
                                                    p.relation);
EXCEPTION WHEN OTHERS THEN
    RETURN false;
END
$$;
COMMENT ON FUNCTION _preaggregate_is_current(text) IS 'internal: is the stored definition of a pre-aggregate the one the catalog compiles now';

-- The size of a pre-aggregate's table: its shards' (on every node) for a Citus table, whose own
-- relation on the coordinator is empty.
CREATE OR REPLACE FUNCTION _preaggregate_size(tbl oid) RETURNS bigint
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = tbl) THEN
        RETURN NULL;
    END IF;
    IF retail_kpi._citus_table(tbl) IS NULL THEN
        RETURN pg_catalog.pg_total_relation_size(tbl);
    END IF;
    EXECUTE 'SELECT pg_catalog.citus_total_relation_size($1)' INTO n USING tbl::regclass;
    RETURN n;
END
$$;
COMMENT ON FUNCTION _preaggregate_size(oid) IS 'internal: the size of a pre-aggregate''s table (its shards'' for a Citus table)';

-- ---------------------------------------------------------------------------------------------
-- API

-- Defines a pre-aggregate and creates its (empty) table retail_kpi_preagg.<code>: one row per
-- period x dimension members, a column per dimension (the source column's type) and per measure
-- (exactly what the measure's aggregate returns).  Authors; the caller needs SELECT on the source.
CREATE OR REPLACE FUNCTION define_preaggregate(code text, source text, dimensions text[] DEFAULT '{}',
                                               measures text[] DEFAULT NULL, grain text DEFAULT 'day',
                                               owner text DEFAULT NULL, reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    def jsonb;
    new retail_kpi.preaggregates;
    skipped text[];
    rel record;
    tbl oid;
    cols text := '';
    keys text := 'period_start';
    k text;
    v jsonb;
    ev text;
    tracked boolean;
    tz text;
    citus jsonb;
    distdim text;
    extowner oid := (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'retail_kpi');
BEGIN
    PERFORM retail_kpi._catalog_require_author('define a pre-aggregate');
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_code(source, 'source');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    PERFORM retail_kpi._catalog_check_variant(grain, 'grain', '{day,week,month,quarter,year}');
    IF dimensions IS NULL OR array_position(dimensions, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "dimensions" must be an array without NULL elements' USING ERRCODE = '22023';
    END IF;
    PERFORM retail_kpi._catalog_check_count(cardinality(dimensions), 'dimensions', 16);
    IF cardinality(ARRAY(SELECT DISTINCT x FROM unnest(dimensions) x)) <> cardinality(dimensions) THEN
        RAISE EXCEPTION 'argument "dimensions" names a dimension twice' USING ERRCODE = '22023';
    END IF;
    IF measures IS NULL THEN
        -- all the measures of the source that can be pre-aggregated (the others are named in a NOTICE)
        SELECT coalesce(array_agg(x.code ORDER BY x.code) FILTER (WHERE x.storable), '{}'),
               array_agg(x.code ORDER BY x.code) FILTER (WHERE NOT x.storable)
          INTO measures, skipped
        FROM (SELECT m.code,
                     CASE WHEN a.is_distinct THEN a.builtin AND a.name = 'count_distinct'
                                                  AND (retail_kpi._preaggregate_distinct_measure(s.relation, m.expression, m.filter)).sql IS NOT NULL
                          ELSE a.valid_grains IS NULL AND a.builtin END AS storable
              FROM retail_kpi.measures m JOIN retail_kpi.catalog_aggregations a ON a.name = m.aggregation
                   JOIN retail_kpi.sources s ON s.code = m.source
              WHERE m.source = source) x;
        IF skipped IS NOT NULL THEN
            RAISE NOTICE 'measures % of source "%" cannot be pre-aggregated and are left out', array_to_string(skipped, ', '), source;
        END IF;
    END IF;
    IF array_position(measures, NULL) IS NOT NULL OR cardinality(measures) = 0 THEN
        RAISE EXCEPTION 'argument "measures" must be a non-empty array without NULL elements' USING ERRCODE = '22023';
    END IF;
    PERFORM retail_kpi._catalog_check_count(cardinality(measures), 'measures', 64);
    measures := ARRAY(SELECT DISTINCT x FROM unnest(measures) x ORDER BY 1);
    IF EXISTS (SELECT 1 FROM retail_kpi.preaggregates p WHERE p.code = code) THEN
        RAISE EXCEPTION 'pre-aggregate "%" already exists', code
            USING ERRCODE = '42710', HINT = 'Drop it with retail_kpi.drop_preaggregate() to define it again.';
    END IF;
    def := retail_kpi._preaggregate_definition(source, dimensions, measures, grain);
    PERFORM retail_kpi._preaggregate_check_source((def->>'relation')::oid,
                                                  ARRAY(SELECT jsonb_array_elements_text(def->'columns')),
                                                  ARRAY(SELECT jsonb_array_elements_text(def->'functions')), source);
    tz := CASE WHEN def->>'time_type' = 'timestamp with time zone' THEN pg_catalog.current_setting('TimeZone') END;

    -- the schema of pre-aggregate tables: the extension owner's, never a squatter's (T3)
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace n WHERE n.nspname = 'retail_kpi_preagg') THEN
        CREATE SCHEMA retail_kpi_preagg;
        REVOKE ALL ON SCHEMA retail_kpi_preagg FROM PUBLIC;
        GRANT USAGE ON SCHEMA retail_kpi_preagg TO PUBLIC;
        COMMENT ON SCHEMA retail_kpi_preagg IS 'tables of the retail_kpi pre-aggregates (written only by retail_kpi.refresh_preaggregate)';
    ELSIF (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'retail_kpi_preagg') <> extowner THEN
        RAISE EXCEPTION 'schema retail_kpi_preagg is not owned by the owner of extension retail_kpi'
            USING ERRCODE = '42501',
                  DETAIL = 'Pre-aggregate tables are created only in a schema of the extension''s owner (docs/security.md, T3).',
                  HINT = 'A superuser can drop or rename the schema.';
    END IF;
    IF pg_catalog.to_regclass(pg_catalog.format('retail_kpi_preagg.%I', code)) IS NOT NULL THEN
        RAISE EXCEPTION 'relation retail_kpi_preagg.% already exists', code USING ERRCODE = '42P07';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(def->'dimensions') LOOP
        cols := cols || pg_catalog.format(', %I %s', k,
                    (SELECT pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute a
                     WHERE a.attrelid = (def->>'relation')::oid AND a.attname = v #>> '{}' AND a.attnum > 0));
    END LOOP;
    -- key order: the dimensions in the order given
    keys := keys || coalesce((SELECT string_agg(pg_catalog.format(', %I', x), '' ORDER BY o) FROM unnest(dimensions) WITH ORDINALITY u(x, o)), '');
    FOR k, v IN SELECT * FROM jsonb_each(def->'measures') ORDER BY 1 LOOP
        cols := cols || pg_catalog.format(', %I %s', k, v->>'type');
    END LOOP;
    EXECUTE pg_catalog.format('CREATE TABLE retail_kpi_preagg.%I (period_start pg_catalog.date NOT NULL%s)', code, cols);
    tbl := pg_catalog.to_regclass(pg_catalog.format('retail_kpi_preagg.%I', code));
    EXECUTE pg_catalog.format('CREATE UNIQUE INDEX ON retail_kpi_preagg.%I (%s) NULLS NOT DISTINCT', code, keys);
    EXECUTE pg_catalog.format('COMMENT ON TABLE retail_kpi_preagg.%I IS %L', code,
                              'retail_kpi pre-aggregate "' || code || '" of source "' || source || '" (written only by retail_kpi.refresh_preaggregate)');
    PERFORM retail_kpi._preaggregate_sync_grants(tbl, (def->>'relation')::oid);

    -- Citus (docs/scale-out.md): a pre-aggregate of a hash-distributed source that keeps the
    -- dimension read from the distribution column is distributed by it, colocated with the source
    -- (a refresh then runs shard by shard on the workers); of any other distributed or reference
    -- source it is a reference table (its rows are gathered on the coordinator)
    citus := retail_kpi._citus_table((def->>'relation')::oid);
    IF citus->>'method' IN ('distributed', 'reference', 'single_shard') THEN
        SELECT min(d.key) INTO distdim FROM jsonb_each_text(def->'dimensions') d WHERE d.value = citus->>'column';
        IF distdim IS NOT NULL THEN
            EXECUTE 'SELECT pg_catalog.create_distributed_table($1, $2, colocate_with => $3)'
                USING tbl::regclass, distdim, (def->>'relation')::oid::regclass::text;
        ELSE
            EXECUTE 'SELECT pg_catalog.create_reference_table($1)' USING tbl::regclass;
        END IF;
    END IF;

    -- late data: statement-level triggers with transition tables on a table source; not on a Citus
    -- distributed or reference table: its rows change in shards on the workers, where the trigger
    -- would not see the catalog (and Citus refuses such triggers): such a source is untracked
    SELECT c.relkind INTO rel FROM pg_catalog.pg_class c WHERE c.oid = (def->>'relation')::oid;
    tracked := rel.relkind IN ('r', 'p') AND coalesce(citus->>'method', 'local') = 'local';
    IF tracked THEN
        FOREACH ev IN ARRAY ARRAY['insert', 'update', 'delete', 'truncate'] LOOP
            EXECUTE pg_catalog.format('CREATE TRIGGER %I AFTER %s ON %s %s FOR EACH STATEMENT EXECUTE FUNCTION retail_kpi._preaggregate_invalidate(%L)',
                                      retail_kpi._preaggregate_trigger_name(tbl, ev), upper(ev), (def->>'relation')::oid::regclass,
                                      CASE ev WHEN 'insert' THEN 'REFERENCING NEW TABLE AS rk_new'
                                              WHEN 'update' THEN 'REFERENCING OLD TABLE AS rk_old NEW TABLE AS rk_new'
                                              WHEN 'delete' THEN 'REFERENCING OLD TABLE AS rk_old' ELSE '' END, code);
        END LOOP;
    END IF;

    INSERT INTO retail_kpi.preaggregates (code, source, dimensions, measures, grain, "table", relation, time_zone,
                                          definition, tracked, owner)
    VALUES (code, source, dimensions, measures, grain, tbl, (def->>'relation')::oid, tz, def, tracked, retail_kpi._catalog_owner(owner))
    RETURNING * INTO new;
    PERFORM retail_kpi._catalog_record('preaggregate', code, 'create', reason, NULL, to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_preaggregate(text, text, text[], text[], text, text, text) IS
    'defines a pre-aggregate (measures of one source per period and dimension members) and creates its empty table in schema retail_kpi_preagg; authors with SELECT on the source';

-- Refreshes a pre-aggregate: all of it (no window), or the periods overlapping [from_date, to_date]
-- (either end open): deletes and recomputes exactly those periods in the caller's transaction,
-- serialised per pre-aggregate, clears their invalidations, advances the watermark, re-synchronises
-- the table's privileges.  Returns the number of rows written.  Members of the owner role or stewards.
CREATE OR REPLACE FUNCTION refresh_preaggregate(code text, from_date date DEFAULT NULL, to_date date DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    p retail_kpi.preaggregates;
    def jsonb;
    tbl text;
    rel text;
    lt text;
    lo date;
    hi date;
    cond text := '';
    srccond text := '';
    sel text;
    cols text := 'period_start';
    k text;
    v jsonb;
    n int;
    deleted bigint;
    written bigint;
    mark date;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    IF from_date IS NOT NULL AND to_date IS NOT NULL AND from_date > to_date THEN
        RAISE EXCEPTION 'argument "from_date" (%) is after argument "to_date" (%)', from_date, to_date USING ERRCODE = '22023';
    END IF;
    SELECT * INTO p FROM retail_kpi.preaggregates x WHERE x.code = code;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'pre-aggregate "%" does not exist', code USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner('pre-aggregate', code, p.owner);
    -- one refresh of a pre-aggregate at a time (readers are never blocked: they see the table as it
    -- was until this transaction commits)
    PERFORM pg_catalog.pg_advisory_xact_lock(1380667969, p."table"::oid::int4);
    -- NO KEY UPDATE, not UPDATE: a source's trigger recording a new invalidation checks the foreign
    -- key with KEY SHARE on this row, which must not wait for the refresh (that would deadlock with
    -- a refresh waiting below for the trigger's transaction)
    SELECT * INTO p FROM retail_kpi.preaggregates x WHERE x.code = code FOR NO KEY UPDATE;
    def := retail_kpi._preaggregate_definition(p.source, p.dimensions, p.measures, p.grain);
    IF NOT retail_kpi._preaggregate_same_definition(p.definition, def, p.relation) THEN
        RAISE EXCEPTION 'the definition of pre-aggregate "%" is out of date', code
            USING ERRCODE = '55000',
                  DETAIL = 'Its source or measures were redefined after it was created, so its stored rows would mix two definitions.',
                  HINT = 'Drop it with retail_kpi.drop_preaggregate() and define it again.';
    END IF;
    PERFORM retail_kpi._preaggregate_check_source(p.relation, ARRAY(SELECT jsonb_array_elements_text(def->'columns')),
                                                  ARRAY(SELECT jsonb_array_elements_text(def->'functions')), p.source);
    tbl := retail_kpi._catalog_relation_sql(p."table", 'pre-aggregate ' || code);
    rel := retail_kpi._catalog_relation_sql(p.relation, p.source);
    lo := retail_kpi._preaggregate_period_start(from_date, p.grain);
    hi := retail_kpi._preaggregate_next_period(retail_kpi._preaggregate_period_start(to_date, p.grain), p.grain);
    IF lo IS NOT NULL AND (p.watermark IS NULL OR lo > retail_kpi._preaggregate_next_period(p.watermark, p.grain)) THEN
        RAISE EXCEPTION 'the window of the refresh of pre-aggregate "%" leaves periods unmaterialised', code
            USING ERRCODE = '22023',
                  DETAIL = CASE WHEN p.watermark IS NULL THEN 'It has no materialised period yet.'
                                ELSE pg_catalog.format('Its watermark is the period starting %s; the window starts with the period starting %s.', p.watermark, lo) END,
                  HINT = 'Start the window at most one period after the watermark, or refresh it fully (no window).';
    END IF;
    -- the periods of the window; invalidations first (see _preaggregate_invalidate)
    IF lo IS NOT NULL THEN
        cond := cond || pg_catalog.format(' AND period_start OPERATOR(pg_catalog.>=) %L::pg_catalog.date', lo);
    END IF;
    IF hi IS NOT NULL THEN
        cond := cond || pg_catalog.format(' AND period_start OPERATOR(pg_catalog.<) %L::pg_catalog.date', hi);
    END IF;
    -- rows locked in period order, as the trigger records them: two statements never wait for each other in a cycle
    EXECUTE 'DELETE FROM retail_kpi.preaggregate_invalidations d WHERE d.preaggregate OPERATOR(pg_catalog.=) $1 AND d.period_start IN '
            '(SELECT period_start FROM retail_kpi.preaggregate_invalidations WHERE preaggregate OPERATOR(pg_catalog.=) $1'
            || cond || ' ORDER BY period_start FOR UPDATE)' USING code;
    EXECUTE pg_catalog.format('DELETE FROM %s WHERE true', tbl) || cond;
    GET DIAGNOSTICS deleted = ROW_COUNT;

    lt := retail_kpi._preaggregate_local_time_sql(def, p.time_zone);
    srccond := pg_catalog.format(' WHERE %s IS NOT NULL', lt);
    IF lo IS NOT NULL THEN
        srccond := srccond || pg_catalog.format(' AND %s OPERATOR(pg_catalog.>=) %L::pg_catalog.date', lt, lo);
    END IF;
    IF hi IS NOT NULL THEN
        srccond := srccond || pg_catalog.format(' AND %s OPERATOR(pg_catalog.<) %L::pg_catalog.date', lt, hi);
    END IF;
    sel := 'SELECT ' || retail_kpi._preaggregate_period_sql(def, p.grain, p.time_zone);
    n := 1;
    FOREACH k IN ARRAY p.dimensions LOOP
        cols := cols || pg_catalog.format(', %I', k);
        sel := sel || pg_catalog.format(', src.%I', def->'dimensions'->>k);
        n := n + 1;
    END LOOP;
    FOR k, v IN SELECT * FROM jsonb_each(def->'measures') ORDER BY 1 LOOP
        cols := cols || pg_catalog.format(', %I', k);
        sel := sel || ', ' || (v->>'sql');
    END LOOP;
    sel := sel || pg_catalog.format(' FROM %s AS src', rel) || srccond
        || ' GROUP BY ' || (SELECT string_agg(g::text, ', ') FROM generate_series(1, n) g)
        -- stored in period order: a window of periods is then a few contiguous pages of the table
        -- (a hash aggregate's order scattered each day over the whole table, and a routed request
        -- read most of its pages for two quarters); a Citus table is written shard by shard as is
        || CASE WHEN retail_kpi._citus_table(p."table"::oid) IS NULL
                THEN ' ORDER BY ' || (SELECT string_agg(g::text, ', ') FROM generate_series(1, n) g) ELSE '' END;
    EXECUTE pg_catalog.format('INSERT INTO %s (%s) %s', tbl, cols, sel);
    GET DIAGNOSTICS written = ROW_COUNT;

    -- the watermark: the last period of the window (every period up to it is materialised, empty
    -- ones included), or with an open end the last period holding rows
    IF hi IS NOT NULL THEN
        mark := greatest(p.watermark, CAST(hi - retail_kpi._catalog_grain_interval(p.grain) AS pg_catalog.date));
    ELSE
        EXECUTE pg_catalog.format('SELECT pg_catalog.max(period_start) FROM %s', tbl) INTO mark;
        IF lo IS NOT NULL THEN
            mark := greatest(mark, p.watermark);
        END IF;
    END IF;
    PERFORM retail_kpi._preaggregate_sync_grants(p."table", p.relation);
    UPDATE retail_kpi.preaggregates x
       SET watermark = mark, last_refresh = pg_catalog.clock_timestamp(),
           row_count = CASE WHEN lo IS NULL AND hi IS NULL THEN written ELSE coalesce(x.row_count, 0) - deleted + written END
     WHERE x.code = code;
    RETURN written;
END
$$;
COMMENT ON FUNCTION refresh_preaggregate(text, date, date) IS
    'recomputes a pre-aggregate fully or for the periods overlapping a window, in one transaction, serialised per pre-aggregate; clears their invalidations and advances the watermark; returns the rows written';

-- Brings a pre-aggregate up to date by the periods that need it only: every invalidated period, then
-- the tail after the watermark (open end), each by refresh_preaggregate (same checks, same lock);
-- a pre-aggregate never refreshed is refreshed fully.  For an untracked source (a view) the
-- watermark's own period is recomputed too, since late rows there cannot be seen.  Returns the rows
-- written.  Members of the owner role or stewards (checked by refresh_preaggregate).
CREATE OR REPLACE FUNCTION refresh_preaggregate_incremental(code text) RETURNS bigint
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    p retail_kpi.preaggregates;
    d date;
    written bigint := 0;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    SELECT * INTO p FROM retail_kpi.preaggregates x WHERE x.code = code;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'pre-aggregate "%" does not exist', code USING ERRCODE = '42704';
    END IF;
    IF p.watermark IS NULL THEN
        RETURN retail_kpi.refresh_preaggregate(code);
    END IF;
    FOR d IN SELECT i.period_start FROM retail_kpi.preaggregate_invalidations i
             WHERE i.preaggregate = code ORDER BY 1 LOOP
        written := written + retail_kpi.refresh_preaggregate(code, d, d);
    END LOOP;
    written := written + retail_kpi.refresh_preaggregate(code,
        CASE WHEN p.tracked THEN retail_kpi._preaggregate_next_period(p.watermark, p.grain) ELSE p.watermark END, NULL);
    RETURN written;
END
$$;
COMMENT ON FUNCTION refresh_preaggregate_incremental(text) IS
    'refreshes the invalidated periods of a pre-aggregate and the tail after its watermark (a full refresh the first time); returns the rows written';

-- Drops a pre-aggregate: its triggers, its table, its catalog row and pending invalidations.
-- Members of the owner role or stewards.
CREATE OR REPLACE FUNCTION drop_preaggregate(code text, reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    p retail_kpi.preaggregates;
    ev text;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    SELECT * INTO p FROM retail_kpi.preaggregates x WHERE x.code = code FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'pre-aggregate "%" does not exist', code USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner('pre-aggregate', code, p.owner);
    PERFORM pg_catalog.pg_advisory_xact_lock(1380667969, p."table"::oid::int4);
    -- by function and argument, not by name: a restored database has the old table OID in the names
    FOR ev IN SELECT t.name FROM retail_kpi._preaggregate_triggers(p.code, p.relation) t LOOP
        EXECUTE pg_catalog.format('DROP TRIGGER %I ON %s', ev, p.relation::oid::regclass);
    END LOOP;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = p."table") THEN
        EXECUTE pg_catalog.format('DROP TABLE %s', p."table"::oid::regclass);
    END IF;
    DELETE FROM retail_kpi.preaggregates x WHERE x.code = code;
    PERFORM retail_kpi._catalog_record('preaggregate', code, 'drop', reason, to_jsonb(p), NULL);
END
$$;
COMMENT ON FUNCTION drop_preaggregate(text, text) IS 'drops a pre-aggregate, its table and its triggers (owner or steward)';

-- The state of every pre-aggregate: rows and size of its table, watermark, last refresh and lag,
-- pending invalidated periods, whether changes to its source are tracked, and a one-word verdict.
CREATE OR REPLACE VIEW preaggregate_status AS
SELECT p.code, p.source, p.grain, p.dimensions, p.measures, p."table", p.owner,
       p.row_count AS rows, retail_kpi._preaggregate_size(p."table") AS size_bytes,
       p.watermark, p.last_refresh, pg_catalog.now() - p.last_refresh AS since_refresh,
       i.pending_periods, i.first_pending_period, p.tracked,
       CASE WHEN p.tracked THEN 'tracked (triggers on the source table)'
            ELSE 'not tracked: the source is a ' || coalesce((SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                                                                                 WHEN 'f' THEN 'foreign table'
                                                                                 -- only a Citus table is an untracked table
                                                                                 WHEN 'r' THEN 'Citus distributed or reference table'
                                                                                 WHEN 'p' THEN 'Citus distributed or reference table'
                                                                                 ELSE 'relation' END
                                                              FROM pg_catalog.pg_class c WHERE c.oid = p.relation), 'dropped relation')
                 || ': refresh after changes' END AS source_changes,
       CASE WHEN NOT retail_kpi._preaggregate_is_current(p.code) THEN 'definition_changed'
            WHEN p.tracked AND (SELECT pg_catalog.count(*) FROM retail_kpi._preaggregate_triggers(p.code, p.relation) t WHERE t.enabled) < 4
                THEN 'triggers_missing'
            WHEN p.last_refresh IS NULL THEN 'never_refreshed'
            WHEN i.pending_periods > 0 THEN 'invalidated'
            WHEN NOT p.tracked THEN 'untracked'
            ELSE 'current' END AS state
FROM retail_kpi.preaggregates p
CROSS JOIN LATERAL (SELECT pg_catalog.count(*) AS pending_periods, pg_catalog.min(x.period_start) AS first_pending_period
                    FROM retail_kpi.preaggregate_invalidations x WHERE x.preaggregate = p.code) i;
COMMENT ON VIEW preaggregate_status IS
    'pre-aggregates: rows and size, watermark, last refresh and lag, pending invalidated periods, whether source changes are tracked, state (current, invalidated, untracked, never_refreshed, definition_changed, triggers_missing)';
GRANT SELECT ON preaggregate_status TO PUBLIC;
