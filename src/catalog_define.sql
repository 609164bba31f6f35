-- src/catalog_define.sql: the API that writes definitions (dimensions, sources, measures, metrics, status, drops, the function allow-list) and the helpers that compile them.
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- ---------------------------------------------------------------------------------------------
-- Internal helpers (not SECURITY DEFINER; they cannot write the tables on their own)

-- Checks that a code is a plain snake_case identifier (the only form allowed for catalog codes).
CREATE OR REPLACE FUNCTION _catalog_check_code(value text, argname text) RETURNS text
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    IF value IS NULL THEN
        RAISE EXCEPTION 'argument "%" must not be NULL', argname USING ERRCODE = '22004';
    END IF;
    IF value !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid value for argument "%": %', argname, pg_catalog.quote_literal(value)
            USING ERRCODE = '22023',
                  DETAIL = 'Catalog codes are snake_case identifiers: a lowercase letter, then lowercase letters, digits or underscores (at most 63 characters).';
    END IF;
    RETURN value;
END
$$;
COMMENT ON FUNCTION _catalog_check_code(text, text) IS 'internal: raises 22023 unless value is a snake_case code';

-- Checks a variant name against a list (22023 with the valid names in the HINT).
CREATE OR REPLACE FUNCTION _catalog_check_variant(value text, argname text, valid text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    IF value IS NULL OR NOT value = ANY (valid) THEN
        RAISE EXCEPTION 'invalid value for argument "%": %', argname, coalesce(pg_catalog.quote_literal(value), 'NULL')
            USING ERRCODE = '22023',
                  HINT = 'Valid values are ' || (SELECT string_agg(pg_catalog.quote_literal(v), ', ') FROM unnest(valid) v) || '.';
    END IF;
    RETURN value;
END
$$;
COMMENT ON FUNCTION _catalog_check_variant(text, text, text[]) IS 'internal: raises 22023 unless value is one of valid';

-- Citus (docs/scale-out.md): how Citus stores a relation, read with dynamic SQL so that retail_kpi
-- never depends on Citus: NULL without Citus or for a relation Citus does not manage, else
-- {"method": "distributed" (hash), "reference", "single_shard" or "local" (a Citus local table),
--  "column": the distribution column of a hash-distributed table}.
CREATE OR REPLACE FUNCTION _citus_table(relation oid) RETURNS jsonb
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    r jsonb;
BEGIN
    IF pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT pg_catalog.jsonb_build_object(''method'', CASE WHEN p.partmethod OPERATOR(pg_catalog.=) ''h'' THEN ''distributed'' '
            '    WHEN p.repmodel OPERATOR(pg_catalog.=) ''t'' THEN ''reference'' WHEN p.colocationid OPERATOR(pg_catalog.<>) 0 THEN ''single_shard'' '
            '    ELSE ''local'' END, '
            '  ''column'', CASE WHEN p.partmethod OPERATOR(pg_catalog.=) ''h'' THEN pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) END) '
            'FROM pg_catalog.pg_dist_partition p WHERE p.logicalrelid OPERATOR(pg_catalog.=) $1'
        INTO r USING relation;
    RETURN r;
END
$$;
COMMENT ON FUNCTION _citus_table(oid) IS
    'internal: how Citus stores a relation (method and distribution column), NULL without Citus or for a relation Citus does not manage';

-- Citus (docs/scale-out.md): raises unless this node may write a catalog table: a catalog table that
-- a user turned into a Citus (reference) table is written from the coordinator only, where its
-- ids come from the coordinator's sequence (unique, increasing); on a worker, the sequence is the
-- worker's own and would hand out ids the coordinator has already used.
CREATE OR REPLACE FUNCTION _catalog_require_coordinator(relation regclass) RETURNS void
LANGUAGE plpgsql STABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    coordinator boolean;
BEGIN
    IF retail_kpi._citus_table(relation) IS NULL THEN
        RETURN;
    END IF;
    EXECUTE 'SELECT pg_catalog.citus_is_coordinator()' INTO coordinator;
    IF NOT coordinator THEN
        RAISE EXCEPTION 'catalog table % is a Citus table: it is written from the coordinator only', relation
            USING ERRCODE = '0A000',
                  DETAIL = 'Its ids come from a sequence of the coordinator; this node''s own sequence would repeat them.',
                  HINT = 'Run catalog calls (define_*, drop_*, refresh_preaggregate, metric_values with the read audit on) on the coordinator.';
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_require_coordinator(regclass) IS
    'internal: raises on a Citus worker when a catalog table is a Citus table (written from the coordinator only)';

-- Appends one row to catalog_history; object_owner (visibility, R7) defaults to the owner in the
-- new (or old) definition.  On a Citus worker it raises if catalog_history is a Citus table.
CREATE OR REPLACE FUNCTION _catalog_record(object_type text, code text, action text, reason text,
                                           old_definition jsonb, new_definition jsonb, object_owner oid DEFAULT NULL)
RETURNS void
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$
    SELECT retail_kpi._catalog_require_coordinator('retail_kpi.catalog_history');
    INSERT INTO retail_kpi.catalog_history
        (object_type, code, action, changed_by, session_user_name, reason, old_definition, new_definition, object_owner)
    VALUES ($1, $2, $3, retail_kpi.catalog_caller(), session_user, $4, $5, $6,
            coalesce($7, pg_catalog.to_regrole(coalesce($6, $5)->>'owner')));
$$;
COMMENT ON FUNCTION _catalog_record(text, text, text, text, jsonb, jsonb, oid) IS 'internal: appends a change to catalog_history';

-- An object's row as jsonb: the live row, or the definition in force at as_of (from the history).
CREATE OR REPLACE FUNCTION _catalog_get(object_type text, code text, as_of timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
BEGIN
    IF as_of IS NOT NULL THEN
        RETURN (SELECT h.new_definition FROM retail_kpi.catalog_history h
                WHERE h.object_type = object_type AND h.code = code AND h.changed_at <= as_of
                ORDER BY h.id DESC LIMIT 1);
    END IF;
    CASE object_type
        WHEN 'metric' THEN RETURN (SELECT to_jsonb(t) FROM retail_kpi.metrics t WHERE t.code = code);
        WHEN 'measure' THEN RETURN (SELECT to_jsonb(t) FROM retail_kpi.measures t WHERE t.code = code);
        WHEN 'source' THEN RETURN (SELECT to_jsonb(t) FROM retail_kpi.sources t WHERE t.code = code);
        WHEN 'dimension' THEN RETURN (SELECT to_jsonb(t) FROM retail_kpi.dimensions t WHERE t.code = code);
        WHEN 'alert_rule' THEN RETURN (SELECT to_jsonb(t) FROM retail_kpi.alert_rules t WHERE t.code = code);
        WHEN 'preaggregate' THEN RETURN (SELECT to_jsonb(t) FROM retail_kpi.preaggregates t WHERE t.code = code);
        ELSE RAISE EXCEPTION 'unknown catalog object type %', object_type;
    END CASE;
END
$$;
COMMENT ON FUNCTION _catalog_get(text, text, timestamptz) IS
    'internal: the row of a catalog object as jsonb, live or as defined at as_of';

-- Parses and re-renders an expression with the allow-listed functions of the given usage.
CREATE OR REPLACE FUNCTION _catalog_parse(expression text, argname text, usage text, column_prefix text DEFAULT NULL,
                               OUT sql text, OUT columns text[], OUT functions text[], OUT items int)
-- (PL/pgSQL, not SQL: its query is planned once per session, it runs on every compilation)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
BEGIN
    SELECT p.sql, p.columns, p.functions, p.items INTO sql, columns, functions, items
    FROM (SELECT coalesce(array_agg(f.name ORDER BY f.name), '{}') AS n,
                 coalesce(array_agg(f.sql_name ORDER BY f.name), '{}') AS s
          FROM retail_kpi.catalog_functions f WHERE f.usage IN (usage, 'both')) a,
         retail_kpi.catalog_parse_expression(expression, argname, a.n, a.s, column_prefix) p;
END
$$;
COMMENT ON FUNCTION _catalog_parse(text, text, text, text) IS 'internal: catalog_parse_expression with the allow-list of a usage';

-- Qualified name of a type (so generated SQL does not depend on search_path).
CREATE OR REPLACE FUNCTION _catalog_type_name(t regtype) RETURNS text
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT pg_catalog.format('%I.%I', n.nspname, ty.typname)
    FROM pg_catalog.pg_type ty JOIN pg_catalog.pg_namespace n ON n.oid = ty.typnamespace
    WHERE ty.oid = t;
$$;
COMMENT ON FUNCTION _catalog_type_name(regtype) IS 'internal: schema-qualified, quoted type name';

-- True for the value types a metric may return to metric_values.
CREATE OR REPLACE FUNCTION _catalog_is_number(type_name text) RETURNS boolean
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT type_name IN ('pg_catalog."numeric"', 'pg_catalog.int8', 'pg_catalog.int4', 'pg_catalog.int2',
                         'pg_catalog.float8', 'pg_catalog.float4', 'pg_catalog.numeric');
$$;
COMMENT ON FUNCTION _catalog_is_number(text) IS 'internal: is the (qualified) type numeric, integer or floating point';

-- All metrics a metric depends on, transitively, with the shortest distance (live definitions).
-- Breadth-first, each metric visited once: linear in the size of the catalog (R10).
CREATE OR REPLACE FUNCTION _catalog_upstream_metrics(code text) RETURNS TABLE(metric text, depth int)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    frontier text[] := ARRAY[code];
    seen text[] := ARRAY[code];
    nxt text[];
    d int := 0;
BEGIN
    LOOP
        SELECT array_agg(DISTINCT x) INTO nxt
        FROM retail_kpi.metrics m, unnest(m.depends_on) x
        WHERE m.code = ANY (frontier) AND NOT x = ANY (seen);
        EXIT WHEN nxt IS NULL;
        d := d + 1;
        seen := seen || nxt;
        frontier := nxt;
        RETURN QUERY SELECT x, d FROM unnest(nxt) x;
    END LOOP;
END
$$;
COMMENT ON FUNCTION _catalog_upstream_metrics(text) IS 'internal: transitive upstream metrics of a metric (breadth-first, linear)';

-- The metrics that depend on a metric, transitively, with the shortest distance (linear).
CREATE OR REPLACE FUNCTION _catalog_downstream_metrics(code text) RETURNS TABLE(metric text, depth int)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    frontier text[] := ARRAY[code];
    seen text[] := ARRAY[code];
    nxt text[];
    d int := 0;
BEGIN
    LOOP
        SELECT array_agg(m.code) INTO nxt FROM retail_kpi.metrics m
        WHERE m.depends_on && frontier AND NOT m.code = ANY (seen);
        EXIT WHEN nxt IS NULL;
        d := d + 1;
        seen := seen || nxt;
        frontier := nxt;
        RETURN QUERY SELECT x, d FROM unnest(nxt) x;
    END LOOP;
END
$$;
COMMENT ON FUNCTION _catalog_downstream_metrics(text) IS 'internal: transitive downstream metrics of a metric (breadth-first, linear)';

-- The length of one period of a grain as an interval ('1 quarter' is not an interval literal).
CREATE OR REPLACE FUNCTION _catalog_grain_interval(grain text) RETURNS interval
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CAST(CASE $1 WHEN 'quarter' THEN '3 months' ELSE '1 ' || $1 END AS pg_catalog.interval);
$$;
COMMENT ON FUNCTION _catalog_grain_interval(text) IS 'internal: one period of a calendar grain (day, week, month, quarter, year) as an interval';

-- The qualified, quoted name of a source's relation, found by its OID (R6): a renamed relation is
-- followed, a dropped one is an error, a new relation with the old name is never picked up.
CREATE OR REPLACE FUNCTION _catalog_relation_sql(relation oid, source text) RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    q text;
BEGIN
    SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) INTO q
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = relation;
    IF q IS NULL THEN
        RAISE EXCEPTION 'the relation of source "%" no longer exists', source
            USING ERRCODE = '42P01',
                  DETAIL = 'Sources refer to their relation by identity; it was dropped (or the catalog was restored into another database without it).',
                  HINT = 'Define the source again with retail_kpi.define_source().';
    END IF;
    RETURN q;
END
$$;
COMMENT ON FUNCTION _catalog_relation_sql(oid, text) IS 'internal: the current qualified name of a source''s relation (by OID)';

-- The SQL of a measure rendered afresh from its definition (R11): the allow-listed aggregate over the
-- parsed expression, with its FILTER; the columns and allow-listed functions it uses.
CREATE OR REPLACE FUNCTION _catalog_compile_measure(aggregation text, expression text, filter text,
                                                    OUT sql text, OUT columns text[], OUT functions text[])
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    agg retail_kpi.catalog_aggregations;
    e record;
    f record;
BEGIN
    SELECT * INTO agg FROM retail_kpi.catalog_aggregations a WHERE a.name = aggregation;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aggregation "%" is not allowed', aggregation
            USING ERRCODE = '22023',
                  HINT = 'Valid values are ' || (SELECT string_agg(pg_catalog.quote_literal(a.name), ', ' ORDER BY a.name)
                                                 FROM retail_kpi.catalog_aggregations a) || '.';
    END IF;
    columns := '{}';
    functions := '{}';
    IF expression IS NULL THEN
        IF agg.min_args > 0 THEN
            RAISE EXCEPTION 'argument "expression" is required for aggregation "%"', aggregation USING ERRCODE = '22023';
        END IF;
        sql := pg_catalog.format('%s(*)', agg.sql_name);
    ELSE
        e := retail_kpi._catalog_parse(expression, 'expression', 'row', 'src');
        IF e.items < agg.min_args OR e.items > agg.max_args OR e.items = 0 THEN
            RAISE EXCEPTION 'aggregation "%" takes % to % arguments, argument "expression" has %',
                aggregation, agg.min_args, agg.max_args, e.items USING ERRCODE = '22023';
        END IF;
        columns := e.columns;
        functions := e.functions;
        sql := pg_catalog.format('%s(%s%s)', agg.sql_name, CASE WHEN agg.is_distinct THEN 'DISTINCT ' ELSE '' END, e.sql);
    END IF;
    IF filter IS NOT NULL THEN
        f := retail_kpi._catalog_parse(filter, 'filter', 'row', 'src');
        IF f.items <> 1 THEN
            RAISE EXCEPTION 'argument "filter" must be a single boolean expression' USING ERRCODE = '22023';
        END IF;
        columns := columns || f.columns;
        functions := functions || f.functions;
        sql := pg_catalog.format('%s FILTER (WHERE %s)', sql, f.sql);
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_compile_measure(text, text, text) IS
    'internal: the aggregate SQL of a measure, rendered afresh from its aggregation, expression and filter';

-- The SQL of a ratio or derived metric rendered afresh from its definition (R11), with the metrics
-- it depends on and the allow-listed functions it calls (simple metrics: NULL SQL).
CREATE OR REPLACE FUNCTION _catalog_compile_metric(kind text, definition jsonb,
                                                   OUT sql text, OUT depends_on text[], OUT functions text[])
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    e record;
BEGIN
    depends_on := '{}';
    functions := '{}';
    IF kind = 'ratio' THEN
        depends_on := ARRAY[definition->>'numerator', definition->>'denominator'];
        -- n / NULLIF(d, 0) with operators no search_path can replace (R9)
        sql := pg_catalog.format('CAST(CASE WHEN CAST(%2$I AS pg_catalog.numeric) OPERATOR(pg_catalog.=) 0 THEN NULL'
                                 ' ELSE CAST(%1$I AS pg_catalog.numeric) OPERATOR(pg_catalog./) CAST(%2$I AS pg_catalog.numeric)'
                                 ' END AS pg_catalog.float8)',
                                 definition->>'numerator', definition->>'denominator');
    ELSIF kind = 'derived' THEN
        e := retail_kpi._catalog_parse(definition->>'expression', 'expression', 'metric', NULL);
        IF e.items <> 1 THEN
            RAISE EXCEPTION 'argument "expression" must be a single expression' USING ERRCODE = '22023';
        END IF;
        depends_on := e.columns;
        functions := e.functions;
        sql := e.sql;
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_compile_metric(text, jsonb) IS
    'internal: the SQL of a ratio or derived metric, rendered afresh from its definition, its dependencies and functions';

-- Raises 54000 unless tags are at most 32 non-NULL codes-like texts of at most 63 characters.
CREATE OR REPLACE FUNCTION _catalog_check_tags(tags text[]) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    t text;
BEGIN
    IF tags IS NULL OR array_position(tags, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "tags" must not contain NULL' USING ERRCODE = '22004';
    END IF;
    PERFORM retail_kpi._catalog_check_count(cardinality(tags), 'tags', 32);
    FOREACH t IN ARRAY tags LOOP
        PERFORM retail_kpi._catalog_check_text(t, 'tags', 63);
    END LOOP;
    RETURN tags;
END
$$;
COMMENT ON FUNCTION _catalog_check_tags(text[]) IS 'internal: limits of a metric''s tags (R10)';

-- ---------------------------------------------------------------------------------------------
-- API: dimensions, sources, measures (SECURITY DEFINER: the caller is checked, docs/security.md R1-R3)

CREATE OR REPLACE FUNCTION define_dimension(code text, label_en text, label_zh text DEFAULT NULL,
                                 description text DEFAULT NULL, parent text DEFAULT NULL,
                                 owner text DEFAULT NULL, reason text DEFAULT NULL,
                                 dimension_table regclass DEFAULT NULL, key_column text DEFAULT NULL,
                                 attributes jsonb DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.dimensions;
    new retail_kpi.dimensions;
BEGIN
    PERFORM retail_kpi._catalog_require_author('define a dimension');
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_texts(label_en, label_zh, description, NULL, reason);
    IF label_en IS NULL OR btrim(label_en) = '' THEN
        RAISE EXCEPTION 'argument "label_en" must not be empty' USING ERRCODE = '22023';
    END IF;
    IF parent IS NOT NULL THEN
        PERFORM retail_kpi._catalog_check_code(parent, 'parent');
        IF parent = code OR NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions d WHERE d.code = parent) THEN
            RAISE EXCEPTION 'parent dimension "%" does not exist', parent USING ERRCODE = '42704';
        END IF;
    END IF;
    PERFORM retail_kpi._catalog_check_dimension_table(code, dimension_table, key_column, attributes);
    SELECT * INTO old FROM retail_kpi.dimensions d WHERE d.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('dimension', code, old.owner);
        UPDATE retail_kpi.dimensions d SET label_en = label_en, label_zh = label_zh, description = description,
               parent = parent, owner = CASE WHEN owner IS NULL THEN d.owner ELSE retail_kpi._catalog_owner(owner) END, updated_at = now(),
               dimension_table = dimension_table, key_column = key_column, attributes = attributes
         WHERE d.code = code RETURNING d.* INTO new;
    ELSE
        INSERT INTO retail_kpi.dimensions (code, label_en, label_zh, description, parent, owner, dimension_table, key_column,
                                           attributes)
        VALUES (code, label_en, label_zh, description, parent, retail_kpi._catalog_owner(owner), dimension_table, key_column,
                attributes)
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('dimension', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_dimension(text, text, text, text, text, text, text, regclass, text, jsonb) IS
    'creates or updates a dimension (code, English and Chinese labels, optional parent, optional table with a unique key and the columns of other dimensions); returns the code';

-- Checks a dimension's table (issue 16): a table or view the caller may read, a key column with a
-- single-column unique index (so joining it never multiplies fact rows), and attributes mapping
-- existing dimension codes to its columns.  All three or none.
CREATE OR REPLACE FUNCTION _catalog_check_dimension_table(code text, dimension_table regclass, key_column text,
                                                          attributes jsonb) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    k text;
    v jsonb;
    keynum int2;
BEGIN
    IF dimension_table IS NULL AND key_column IS NULL AND attributes IS NULL THEN
        RETURN;
    END IF;
    IF dimension_table IS NULL OR key_column IS NULL OR attributes IS NULL THEN
        RAISE EXCEPTION 'arguments "dimension_table", "key_column" and "attributes" go together' USING ERRCODE = '22023';
    END IF;
    IF NOT pg_catalog.has_table_privilege(retail_kpi.catalog_caller(), dimension_table, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for relation %', dimension_table
            USING ERRCODE = '42501', DETAIL = 'A dimension table must be readable by the caller.';
    END IF;
    SELECT a.attnum INTO keynum FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = dimension_table AND a.attname = key_column AND a.attnum > 0 AND NOT a.attisdropped;
    IF keynum IS NULL THEN
        RAISE EXCEPTION 'column % of relation % does not exist', pg_catalog.quote_ident(key_column), dimension_table
            USING ERRCODE = '42703', DETAIL = 'Argument "key_column" must name a column of the dimension table.';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = dimension_table AND i.indisunique
                     AND i.indnatts = 1 AND i.indkey[0] = keynum AND i.indpred IS NULL) THEN
        RAISE EXCEPTION 'column % of relation % is not a unique key', pg_catalog.quote_ident(key_column), dimension_table
            USING ERRCODE = '22023', DETAIL = 'Joining a dimension table on a key that is not unique would count fact rows several times.',
                  HINT = 'Add a primary key or a unique index on the column.';
    END IF;
    IF jsonb_typeof(attributes) <> 'object' OR attributes = '{}' THEN
        RAISE EXCEPTION 'argument "attributes" must be a non-empty JSON object mapping dimension codes to columns' USING ERRCODE = '22023';
    END IF;
    PERFORM retail_kpi._catalog_check_count((SELECT count(*)::int FROM jsonb_object_keys(attributes)), 'attributes', 64);
    FOR k, v IN SELECT * FROM jsonb_each(attributes) LOOP
        PERFORM retail_kpi._catalog_check_code(k, 'attributes');
        IF k = code OR NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions d WHERE d.code = k) THEN
            RAISE EXCEPTION 'dimension "%" does not exist', k
                USING ERRCODE = '42704', DETAIL = 'It is a key of argument "attributes".', HINT = retail_kpi._catalog_did_you_mean('dimension', k);
        END IF;
        IF jsonb_typeof(v) <> 'string' OR NOT EXISTS (
                SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = dimension_table AND a.attname = (v #>> '{}') AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column % of relation % does not exist', left(v::text, 200), dimension_table
                USING ERRCODE = '42703', DETAIL = format('Argument "attributes" maps dimension "%s" to it.', k);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION _catalog_check_dimension_table(text, regclass, text, jsonb) IS
    'internal: validates a dimension''s table, unique key and attribute columns';

CREATE OR REPLACE FUNCTION define_source(code text, relation regclass, time_column text DEFAULT NULL,
                              dimensions jsonb DEFAULT '{}', description text DEFAULT NULL,
                              owner text DEFAULT NULL, reason text DEFAULT NULL, native_grain text DEFAULT 'day') RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.sources;
    new retail_kpi.sources;
    nsp text;
    rel text;
    k text;
    v jsonb;
    typ oid;
BEGIN
    PERFORM retail_kpi._catalog_require_author('define a source');
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_texts(NULL, NULL, description, NULL, reason);
    PERFORM retail_kpi._catalog_check_variant(native_grain, 'native_grain', '{day,month,quarter,year}');
    IF relation IS NULL THEN
        RAISE EXCEPTION 'argument "relation" must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT n.nspname, c.relname INTO nsp, rel
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = relation AND c.relkind IN ('r', 'v', 'm', 'p', 'f');
    IF NOT FOUND THEN
        RAISE EXCEPTION 'relation % is not a table or view', relation USING ERRCODE = '42809';
    END IF;
    IF (SELECT c.relpersistence FROM pg_catalog.pg_class c WHERE c.oid = relation) = 't' THEN
        RAISE EXCEPTION 'relation % is temporary', relation
            USING ERRCODE = '22023', DETAIL = 'A source must be visible to every session.';
    END IF;
    IF NOT pg_catalog.has_table_privilege(retail_kpi.catalog_caller(), relation, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for relation %', relation
            USING ERRCODE = '42501', DETAIL = 'A source can only be defined on a relation the caller may read.';
    END IF;
    IF time_column IS NOT NULL THEN
        SELECT a.atttypid INTO typ FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = relation AND a.attname = time_column AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'column % of relation % does not exist', pg_catalog.quote_ident(time_column), relation
                USING ERRCODE = '42703', DETAIL = 'Argument "time_column" must name a column of the relation.';
        END IF;
        IF typ NOT IN ('pg_catalog.date'::pg_catalog.regtype, 'pg_catalog.timestamp'::pg_catalog.regtype,
                       'pg_catalog.timestamptz'::pg_catalog.regtype) THEN
            RAISE EXCEPTION 'time column % must be of type date, timestamp or timestamptz', pg_catalog.quote_ident(time_column)
                USING ERRCODE = '42804';
        END IF;
    END IF;
    IF dimensions IS NULL OR jsonb_typeof(dimensions) <> 'object' THEN
        RAISE EXCEPTION 'argument "dimensions" must be a JSON object mapping dimension codes to column names'
            USING ERRCODE = '22023';
    END IF;
    PERFORM retail_kpi._catalog_check_count((SELECT count(*)::int FROM jsonb_object_keys(dimensions)), 'dimensions', 64);
    FOR k, v IN SELECT * FROM jsonb_each(dimensions) LOOP
        PERFORM retail_kpi._catalog_check_code(k, 'dimensions');
        IF NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions d WHERE d.code = k) THEN
            RAISE EXCEPTION 'dimension "%" does not exist', k
                USING ERRCODE = '42704',
                      HINT = coalesce(nullif(retail_kpi._catalog_did_you_mean('dimension', k), 'The dimensions are listed in retail_kpi.dimensions.') || ' ', '')
                             || 'Define it first with retail_kpi.define_dimension().';
        END IF;
        IF jsonb_typeof(v) <> 'string' OR NOT EXISTS (
                SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = relation AND a.attname = (v #>> '{}') AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column % of relation % does not exist', left(v::text, 200), relation
                USING ERRCODE = '42703', DETAIL = format('Argument "dimensions" maps dimension "%s" to it.', k);
        END IF;
    END LOOP;
    SELECT * INTO old FROM retail_kpi.sources s WHERE s.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('source', code, old.owner);
        PERFORM retail_kpi._catalog_require_uncertified('source', code, 'change');
        UPDATE retail_kpi.sources s SET schema_name = nsp, relation_name = rel, relation = relation,
               time_column = time_column, dimensions = dimensions, description = description, native_grain = native_grain,
               owner = CASE WHEN owner IS NULL THEN s.owner ELSE retail_kpi._catalog_owner(owner) END, updated_at = now()
         WHERE s.code = code RETURNING s.* INTO new;
    ELSE
        INSERT INTO retail_kpi.sources (code, schema_name, relation_name, relation, time_column, dimensions, description, owner,
                                        native_grain)
        VALUES (code, nsp, rel, relation, time_column, dimensions, description, retail_kpi._catalog_owner(owner), native_grain)
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('source', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_source(text, regclass, text, jsonb, text, text, text, text) IS
    'creates or updates a source: a table or view (kept by OID), its time column, {dimension code: column} map and the grain of its facts (day, or month ... for periodic facts); returns the code';

CREATE OR REPLACE FUNCTION define_measure(code text, source text, aggregation text, expression text DEFAULT NULL,
                               filter text DEFAULT NULL, label_en text DEFAULT NULL, label_zh text DEFAULT NULL,
                               description text DEFAULT NULL, unit text DEFAULT NULL,
                               owner text DEFAULT NULL, reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.measures;
    new retail_kpi.measures;
    src retail_kpi.sources;
    cm record;
    c text;
    relsql text;
    rtype text;
BEGIN
    PERFORM retail_kpi._catalog_require_author('define a measure');
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_code(source, 'source');
    PERFORM retail_kpi._catalog_check_code(aggregation, 'aggregation');
    PERFORM retail_kpi._catalog_check_texts(label_en, label_zh, description, unit, reason);
    SELECT * INTO src FROM retail_kpi.sources s WHERE s.code = source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'source "%" does not exist', source USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('source', source);
    END IF;
    cm := retail_kpi._catalog_compile_measure(aggregation, expression, filter);
    relsql := retail_kpi._catalog_relation_sql(src.relation, source);
    FOREACH c IN ARRAY cm.columns LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = src.relation AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column % does not exist in source "%"', pg_catalog.quote_ident(c), source
                USING ERRCODE = '42703', DETAIL = format('Relation %s has no such column.', relsql);
        END IF;
    END LOOP;
    -- the type check plans the relation, and planning can run code of a view (an IMMUTABLE function is
    -- folded): the evaluation rule R4 applies to it as to any evaluation (docs/security.md)
    PERFORM retail_kpi._catalog_check_evaluation(ARRAY[src.relation::oid], cm.functions);
    PERFORM retail_kpi._catalog_check_column_types(src.relation, cm.columns || src.time_column);
    -- type check (no rows are read), run as the caller: wrong argument types or missing functions fail here
    rtype := retail_kpi.catalog_probe(format(
        'SELECT retail_kpi._catalog_type_name(pg_catalog.pg_typeof(x)) FROM (SELECT %s AS x FROM %s AS src WHERE false) q',
        cm.sql, relsql));
    SELECT * INTO old FROM retail_kpi.measures m WHERE m.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('measure', code, old.owner);
        PERFORM retail_kpi._catalog_require_uncertified('measure', code, 'change');
        IF rtype <> old.result_type AND EXISTS (SELECT 1 FROM retail_kpi.metrics m WHERE m.kind = 'simple'
                                                   AND m.definition->>'measure' = code) THEN
            RAISE EXCEPTION 'cannot change the type of measure "%" from % to %', code, old.result_type, rtype
                USING ERRCODE = '2BP01', DETAIL = 'Metrics are defined on it.';
        END IF;
        UPDATE retail_kpi.measures m SET source = source, aggregation = aggregation, expression = expression,
               filter = filter, compiled_sql = cm.sql, columns = cm.columns, result_type = rtype,
               label_en = label_en, label_zh = label_zh, description = description, unit = unit,
               owner = CASE WHEN owner IS NULL THEN m.owner ELSE retail_kpi._catalog_owner(owner) END, updated_at = now()
         WHERE m.code = code RETURNING m.* INTO new;
    ELSE
        INSERT INTO retail_kpi.measures (code, source, aggregation, expression, filter, compiled_sql, columns,
                                         result_type, label_en, label_zh, description, unit, owner)
        VALUES (code, source, aggregation, expression, filter, cm.sql, cm.columns, rtype, label_en, label_zh,
                description, unit, retail_kpi._catalog_owner(owner))
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('measure', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_measure(text, text, text, text, text, text, text, text, text, text, text) IS
    'creates or updates a measure: an allow-listed aggregation of a validated column expression (and optional filter) of a source';

-- ---------------------------------------------------------------------------------------------
-- API: metrics

-- Raises 42501 unless the caller is a steward and everything upstream of the metric is trusted (R2).
CREATE OR REPLACE FUNCTION _catalog_require_certifiable(code text) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    why text;
BEGIN
    PERFORM retail_kpi._catalog_require_admin('certify a metric');
    why := retail_kpi._catalog_untrusted_upstream(code);
    IF why IS NOT NULL THEN
        RAISE EXCEPTION 'metric "%" cannot be certified: %', code, why
            USING ERRCODE = '42501',
                  DETAIL = 'A certified metric may rest only on objects owned by stewards or by roles they trust (docs/security.md, R2).',
                  HINT = 'Reassign the object to a trusted role (reassign_catalog_owner, ALTER ... OWNER TO) or trust its owner with trust_role().';
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_require_certifiable(text) IS 'internal: raises 42501 unless the caller is a steward and the metric''s upstream is trusted (R2)';

CREATE OR REPLACE FUNCTION define_metric(code text, label_en text, kind text DEFAULT 'simple',
                              measure text DEFAULT NULL, numerator text DEFAULT NULL, denominator text DEFAULT NULL,
                              expression text DEFAULT NULL, label_zh text DEFAULT NULL, description text DEFAULT NULL,
                              unit text DEFAULT NULL, polarity text DEFAULT 'higher_is_better',
                              owner text DEFAULT NULL, tags text[] DEFAULT '{}', status text DEFAULT NULL,
                              reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.metrics;
    new retail_kpi.metrics;
    def jsonb;
    cm record;
    vtype text;
    d text;
    probe text := '';
    m_type text;
    lvl int;
BEGIN
    PERFORM retail_kpi._catalog_require_author('define a metric');
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_texts(label_en, label_zh, description, unit, reason);
    IF label_en IS NULL OR btrim(label_en) = '' THEN
        RAISE EXCEPTION 'argument "label_en" must not be empty' USING ERRCODE = '22023';
    END IF;
    PERFORM retail_kpi._catalog_check_variant(kind, 'kind', '{simple,ratio,derived}');
    PERFORM retail_kpi._catalog_check_variant(polarity, 'polarity', '{higher_is_better,lower_is_better,neutral}');
    IF status IS NOT NULL THEN
        PERFORM retail_kpi._catalog_check_variant(status, 'status', '{draft,certified,deprecated}');
    END IF;
    PERFORM retail_kpi._catalog_check_tags(tags);
    IF (kind <> 'simple' AND measure IS NOT NULL) OR (kind <> 'ratio' AND (numerator IS NOT NULL OR denominator IS NOT NULL))
       OR (kind <> 'derived' AND expression IS NOT NULL) THEN
        RAISE EXCEPTION 'arguments do not match kind "%"', kind
            USING ERRCODE = '22023',
                  HINT = 'A simple metric takes "measure", a ratio metric "numerator" and "denominator", a derived metric "expression".';
    END IF;
    CASE kind
    WHEN 'simple' THEN
        PERFORM retail_kpi._catalog_check_code(measure, 'measure');
        SELECT m.result_type INTO vtype FROM retail_kpi.measures m WHERE m.code = measure;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'measure "%" does not exist', measure USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('measure', measure);
        END IF;
        def := jsonb_build_object('measure', measure);
    WHEN 'ratio' THEN
        PERFORM retail_kpi._catalog_check_code(numerator, 'numerator');
        PERFORM retail_kpi._catalog_check_code(denominator, 'denominator');
        FOREACH d IN ARRAY ARRAY[numerator, denominator] LOOP
            SELECT m.value_type INTO m_type FROM retail_kpi.metrics m WHERE m.code = d;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'metric "%" does not exist', d USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('metric', d);
            END IF;
            IF NOT retail_kpi._catalog_is_number(m_type) THEN
                RAISE EXCEPTION 'metric "%" of type % cannot be the numerator or denominator of a ratio', d, m_type
                    USING ERRCODE = '42804', HINT = 'Use a derived metric with an accessor function instead.';
            END IF;
        END LOOP;
        def := jsonb_build_object('numerator', numerator, 'denominator', denominator);
        vtype := 'pg_catalog.float8';
    WHEN 'derived' THEN
        IF expression IS NULL THEN
            RAISE EXCEPTION 'argument "expression" is required for a derived metric' USING ERRCODE = '22023';
        END IF;
        def := jsonb_build_object('expression', expression);
    END CASE;
    cm := retail_kpi._catalog_compile_metric(kind, def);
    IF kind = 'derived' THEN
        IF cardinality(cm.depends_on) = 0 THEN
            RAISE EXCEPTION 'argument "expression" must reference at least one metric' USING ERRCODE = '22023';
        END IF;
        FOREACH d IN ARRAY cm.depends_on LOOP
            SELECT m.value_type INTO m_type FROM retail_kpi.metrics m WHERE m.code = d;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'metric "%" does not exist', d
                    USING ERRCODE = '42704', DETAIL = 'Names in the expression of a derived metric must be metric codes.',
                          HINT = retail_kpi._catalog_did_you_mean('metric', d);
            END IF;
            probe := probe || format('%sCAST(NULL AS %s) AS %I', CASE WHEN probe = '' THEN '' ELSE ', ' END, m_type, d);
        END LOOP;
        -- the type check folds constant calls: the allow-listed functions are checked first (R4)
        PERFORM retail_kpi._catalog_check_evaluation('{}', cm.functions);
        vtype := retail_kpi.catalog_probe(format(
            'SELECT retail_kpi._catalog_type_name(pg_catalog.pg_typeof(%s)) FROM (SELECT %s) q', cm.sql, probe));
    END IF;
    -- cycles: no dependency may (transitively) depend on this metric
    FOREACH d IN ARRAY cm.depends_on LOOP
        IF d = code OR EXISTS (SELECT 1 FROM retail_kpi._catalog_upstream_metrics(d) u WHERE u.metric = code) THEN
            RAISE EXCEPTION 'metric "%" would depend on itself through "%"', code, d
                USING ERRCODE = '42P17', DETAIL = 'Cycles between metrics are not allowed.';
        END IF;
    END LOOP;
    -- depth (R10): the closure raises 54001 beyond the limit; this metric adds one level
    IF cardinality(cm.depends_on) > 0 THEN
        SELECT max(c.level) INTO lvl FROM retail_kpi._catalog_metric_closure(cm.depends_on, NULL) c;
        IF lvl + 1 > 32 THEN
            RAISE EXCEPTION 'metric "%" would be derived % levels deep', code, lvl + 1
                USING ERRCODE = '54001', DETAIL = 'Chains of derived metrics are limited to 32 levels (docs/security.md, R10).';
        END IF;
    END IF;

    SELECT * INTO old FROM retail_kpi.metrics m WHERE m.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('metric', code, old.owner);
        PERFORM retail_kpi._catalog_require_uncertified('metric', code, 'change');
        IF vtype <> old.value_type AND EXISTS (SELECT 1 FROM retail_kpi.metrics m WHERE code = ANY (m.depends_on)) THEN
            RAISE EXCEPTION 'cannot change the type of metric "%" from % to %', code, old.value_type, vtype
                USING ERRCODE = '2BP01', DETAIL = 'Other metrics are defined on it.';
        END IF;
        UPDATE retail_kpi.metrics m SET label_en = label_en, label_zh = label_zh, description = description,
               unit = unit, polarity = polarity, owner = CASE WHEN owner IS NULL THEN m.owner ELSE retail_kpi._catalog_owner(owner) END,
               status = coalesce(status, m.status), tags = tags, kind = kind, definition = def, compiled_sql = cm.sql,
               depends_on = cm.depends_on, value_type = vtype, updated_at = now()
         WHERE m.code = code RETURNING m.* INTO new;
    ELSE
        INSERT INTO retail_kpi.metrics (code, label_en, label_zh, description, unit, polarity, owner, status, tags,
                                        kind, definition, compiled_sql, depends_on, value_type)
        VALUES (code, label_en, label_zh, description, unit, polarity, retail_kpi._catalog_owner(owner),
                coalesce(status, 'draft'), tags,
                kind, def, cm.sql, cm.depends_on, vtype)
        RETURNING * INTO new;
    END IF;
    IF new.status = 'certified' THEN
        PERFORM retail_kpi._catalog_require_certifiable(code);
    END IF;
    PERFORM retail_kpi._catalog_record('metric', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_metric(text, text, text, text, text, text, text, text, text, text, text, text, text[], text, text) IS
    'creates or updates a metric (simple: measure; ratio: numerator / denominator metrics; derived: expression over metrics); validates, rejects cycles, records history';

CREATE OR REPLACE FUNCTION set_metric_status(code text, status text, reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.metrics;
    new retail_kpi.metrics;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_variant(status, 'status', '{draft,certified,deprecated}');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    SELECT * INTO old FROM retail_kpi.metrics m WHERE m.code = code FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist', code USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('metric', code);
    END IF;
    PERFORM retail_kpi._catalog_require_owner('metric', code, old.owner);
    PERFORM retail_kpi._catalog_require_uncertified('metric', code, 'change the status of');
    IF status = 'certified' THEN
        PERFORM retail_kpi._catalog_require_certifiable(code);
    END IF;
    UPDATE retail_kpi.metrics m SET status = status, updated_at = now() WHERE m.code = code RETURNING m.* INTO new;
    PERFORM retail_kpi._catalog_record('metric', code, 'status', reason, to_jsonb(old), to_jsonb(new));
    RETURN status;
END
$$;
COMMENT ON FUNCTION set_metric_status(text, text, text) IS
    'sets a metric''s status (draft, certified, deprecated); owner or steward, certifying and changing a certified metric stewards only';

CREATE OR REPLACE FUNCTION deprecate_metric(code text, reason text DEFAULT NULL) RETURNS text
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$ SELECT retail_kpi.set_metric_status(code, 'deprecated', reason); $$;
COMMENT ON FUNCTION deprecate_metric(text, text) IS 'marks a metric deprecated (same as set_metric_status(code, ''deprecated''))';

-- Drops a catalog object (metric, measure, source, dimension, alert rule) when nothing depends on it.
CREATE OR REPLACE FUNCTION drop_catalog_object(object_type text, code text, reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old jsonb;
    users text;
BEGIN
    PERFORM retail_kpi._catalog_check_variant(object_type, 'object_type', '{metric,measure,source,dimension,alert_rule}');
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    old := retail_kpi._catalog_get(object_type, code);
    IF old IS NULL THEN
        RAISE EXCEPTION '% "%" does not exist', object_type, code USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner(object_type, code, (old->>'owner')::regrole);
    IF object_type IN ('metric', 'measure', 'source') THEN
        PERFORM retail_kpi._catalog_require_uncertified(object_type, code, 'drop');
    END IF;
    users := CASE object_type
        WHEN 'metric' THEN (SELECT string_agg(x, ', ') FROM (SELECT m.code FROM retail_kpi.metrics m WHERE code = ANY (m.depends_on)
                                                            UNION ALL
                                                            SELECT 'the drivers of ' || d.metric FROM retail_kpi.metric_drivers d
                                                            WHERE code = ANY (d.drivers)) u(x))
        WHEN 'measure' THEN (SELECT string_agg(m.code, ', ') FROM retail_kpi.metrics m
                             WHERE m.kind = 'simple' AND m.definition->>'measure' = code)
        WHEN 'source' THEN (SELECT string_agg(m.code, ', ') FROM retail_kpi.measures m WHERE m.source = code)
        WHEN 'dimension' THEN (SELECT string_agg(s.code, ', ') FROM retail_kpi.sources s WHERE s.dimensions ? code)
        ELSE NULL END;
    IF users IS NOT NULL THEN
        RAISE EXCEPTION 'cannot drop % "%" because other catalog objects depend on it', object_type, code
            USING ERRCODE = '2BP01', DETAIL = 'Used by: ' || users || '.';
    END IF;
    IF object_type = 'metric' THEN
        IF EXISTS (SELECT 1 FROM retail_kpi.alert_rules a WHERE a.metric = code)
           OR EXISTS (SELECT 1 FROM retail_kpi.targets t WHERE t.metric = code) THEN
            RAISE EXCEPTION 'cannot drop metric "%" because targets or alert rules refer to it', code USING ERRCODE = '2BP01';
        END IF;
        DELETE FROM retail_kpi.metric_grants g WHERE g.metric = code;
        -- its declaration of drivers goes with it (docs/drivers.md)
        DELETE FROM retail_kpi.metric_drivers d WHERE d.metric = code;
        DELETE FROM retail_kpi.metrics m WHERE m.code = code;
    ELSIF object_type = 'measure' THEN
        DELETE FROM retail_kpi.measures m WHERE m.code = code;
    ELSIF object_type = 'source' THEN
        DELETE FROM retail_kpi.sources s WHERE s.code = code;
    ELSIF object_type = 'dimension' THEN
        DELETE FROM retail_kpi.dimensions d WHERE d.code = code;
    ELSE
        DELETE FROM retail_kpi.alert_rules a WHERE a.code = code;
    END IF;
    PERFORM retail_kpi._catalog_record(object_type, code, 'drop', reason, old, NULL);
END
$$;
COMMENT ON FUNCTION drop_catalog_object(text, text, text) IS
    'drops a metric, measure, source, dimension or alert rule when nothing depends on it; owner or steward (stewards only upstream of a certified metric)';

CREATE OR REPLACE FUNCTION drop_metric(code text, reason text DEFAULT NULL) RETURNS void
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$ SELECT retail_kpi.drop_catalog_object('metric', code, reason); $$;
COMMENT ON FUNCTION drop_metric(text, text) IS 'drops a metric nothing depends on (owner or admin only)';

-- Adds a function to the allow-list (stewards only), e.g. after installing a family that provides it.
-- Its volatility and owner are checked now and again at every compilation (R4).
CREATE OR REPLACE FUNCTION allow_function(name text, sql_name text, usage text DEFAULT 'metric', description text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
BEGIN
    PERFORM retail_kpi._catalog_require_admin('change the function allow-list');
    PERFORM retail_kpi._catalog_check_code(name, 'name');
    PERFORM retail_kpi._catalog_check_variant(usage, 'usage', '{row,metric,both}');
    PERFORM retail_kpi._catalog_check_text(description, 'description', 4000);
    IF sql_name IS NULL OR sql_name !~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$' OR length(sql_name) > 127 THEN
        RAISE EXCEPTION 'invalid value for argument "sql_name": %', coalesce(quote_literal(left(sql_name, 200)), 'NULL')
            USING ERRCODE = '22023', DETAIL = 'It must be a schema-qualified lowercase function name.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = split_part(sql_name, '.', 1) AND p.proname = split_part(sql_name, '.', 2)
                 AND (p.provolatile = 'v' OR p.prokind <> 'f')) THEN
        RAISE EXCEPTION 'function % is volatile or not a plain function', sql_name
            USING ERRCODE = '22023', DETAIL = 'Only immutable or stable functions may be used in catalog expressions.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = split_part(sql_name, '.', 1) AND p.proname = split_part(sql_name, '.', 2)
                 AND n.nspname NOT IN ('pg_catalog', 'retail_kpi') AND NOT retail_kpi._catalog_is_trusted(p.proowner)) THEN
        RAISE EXCEPTION 'function % is owned by a role that is not trusted', sql_name
            USING ERRCODE = '42501', DETAIL = 'Allow-listed functions run for every reader; their owners must be trusted (docs/security.md, R4).',
                  HINT = 'Trust the owner with retail_kpi.trust_role() first, or hand the function to a trusted role.';
    END IF;
    IF EXISTS (SELECT 1 FROM retail_kpi.catalog_functions f WHERE f.name = name AND f.builtin) THEN
        RAISE EXCEPTION 'function "%" is a built-in entry of the allow-list', name
            USING ERRCODE = '22023', DETAIL = 'Built-in entries come from the extension''s install script and cannot be replaced.';
    END IF;
    DELETE FROM retail_kpi.catalog_functions f WHERE f.name = name;
    INSERT INTO retail_kpi.catalog_functions VALUES (name, sql_name, usage, description, false);
    PERFORM retail_kpi._catalog_record('function', name, 'allow', NULL, NULL,
                                       jsonb_build_object('name', name, 'sql_name', sql_name, 'usage', usage));
END
$$;
COMMENT ON FUNCTION allow_function(text, text, text, text) IS
    'adds or replaces a function of the catalog expression allow-list (retail_kpi_admin only)';
