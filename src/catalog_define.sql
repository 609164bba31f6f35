-- src/catalog_define.sql: the API that writes definitions: dimensions, sources, measures, metrics, status, drops, the function allow-list.
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

-- Appends one row to catalog_history.
CREATE OR REPLACE FUNCTION _catalog_record(object_type text, code text, action text, reason text,
                                old_definition jsonb, new_definition jsonb) RETURNS void
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$
    INSERT INTO retail_kpi.catalog_history
        (object_type, code, action, changed_by, session_user_name, reason, old_definition, new_definition)
    VALUES (object_type, code, action, retail_kpi.catalog_caller(), session_user, reason, old_definition, new_definition);
$$;
COMMENT ON FUNCTION _catalog_record(text, text, text, text, jsonb, jsonb) IS 'internal: appends a change to catalog_history';

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
        ELSE RAISE EXCEPTION 'unknown catalog object type %', object_type;
    END CASE;
END
$$;
COMMENT ON FUNCTION _catalog_get(text, text, timestamptz) IS
    'internal: the row of a catalog object as jsonb, live or as defined at as_of';

-- Parses and re-renders an expression with the allow-listed functions of the given usage.
CREATE OR REPLACE FUNCTION _catalog_parse(expression text, argname text, usage text, column_prefix text DEFAULT NULL,
                               OUT sql text, OUT columns text[], OUT functions text[], OUT items int)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT p.sql, p.columns, p.functions, p.items
    FROM (SELECT coalesce(array_agg(f.name ORDER BY f.name), '{}') AS n,
                 coalesce(array_agg(f.sql_name ORDER BY f.name), '{}') AS s
          FROM retail_kpi.catalog_functions f WHERE f.usage IN (usage, 'both')) a,
         retail_kpi.catalog_parse_expression(expression, argname, a.n, a.s, column_prefix) p;
$$;
COMMENT ON FUNCTION _catalog_parse(text, text, text, text) IS 'internal: catalog_parse_expression with the allow-list of a usage';

-- Qualified name of a type (so generated SQL does not depend on search_path).
CREATE OR REPLACE FUNCTION _catalog_type_name(t regtype) RETURNS text
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT format('%I.%I', n.nspname, ty.typname)
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

-- All metrics a metric depends on, transitively (live definitions).
CREATE OR REPLACE FUNCTION _catalog_upstream_metrics(code text) RETURNS TABLE(metric text, depth int)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    WITH RECURSIVE up(metric, depth, path) AS (
        SELECT d, 1, ARRAY[code, d] FROM retail_kpi.metrics m, unnest(m.depends_on) d WHERE m.code = $1
        UNION ALL
        SELECT d, up.depth + 1, up.path || d
        FROM up JOIN retail_kpi.metrics m ON m.code = up.metric, unnest(m.depends_on) d
        WHERE NOT d = ANY (up.path) AND up.depth < 100
    )
    SELECT metric, min(depth) FROM up GROUP BY metric;
$$;
COMMENT ON FUNCTION _catalog_upstream_metrics(text) IS 'internal: transitive upstream metrics of a metric';

-- ---------------------------------------------------------------------------------------------
-- API: dimensions, sources, measures

CREATE OR REPLACE FUNCTION define_dimension(code text, label_en text, label_zh text DEFAULT NULL,
                                 description text DEFAULT NULL, parent text DEFAULT NULL,
                                 owner text DEFAULT NULL, reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.dimensions;
    new retail_kpi.dimensions;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    IF label_en IS NULL OR btrim(label_en) = '' THEN
        RAISE EXCEPTION 'argument "label_en" must not be empty' USING ERRCODE = '22023';
    END IF;
    IF parent IS NOT NULL THEN
        PERFORM retail_kpi._catalog_check_code(parent, 'parent');
        IF parent = code OR NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions d WHERE d.code = parent) THEN
            RAISE EXCEPTION 'parent dimension "%" does not exist', parent USING ERRCODE = '42704';
        END IF;
    END IF;
    SELECT * INTO old FROM retail_kpi.dimensions d WHERE d.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('dimension', code, old.owner);
        UPDATE retail_kpi.dimensions d SET label_en = label_en, label_zh = label_zh, description = description,
               parent = parent, owner = CASE WHEN owner IS NULL THEN d.owner ELSE retail_kpi._catalog_owner(owner) END, updated_at = now()
         WHERE d.code = code RETURNING d.* INTO new;
    ELSE
        INSERT INTO retail_kpi.dimensions (code, label_en, label_zh, description, parent, owner)
        VALUES (code, label_en, label_zh, description, parent, retail_kpi._catalog_owner(owner))
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('dimension', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_dimension(text, text, text, text, text, text, text) IS
    'creates or updates a dimension (code, English and Chinese labels, optional parent); returns the code';

CREATE OR REPLACE FUNCTION define_source(code text, relation regclass, time_column text DEFAULT NULL,
                              dimensions jsonb DEFAULT '{}', description text DEFAULT NULL,
                              owner text DEFAULT NULL, reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
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
    PERFORM retail_kpi._catalog_check_code(code, 'code');
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
        IF typ NOT IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype) THEN
            RAISE EXCEPTION 'time column % must be of type date, timestamp or timestamptz', pg_catalog.quote_ident(time_column)
                USING ERRCODE = '42804';
        END IF;
    END IF;
    IF dimensions IS NULL OR jsonb_typeof(dimensions) <> 'object' THEN
        RAISE EXCEPTION 'argument "dimensions" must be a JSON object mapping dimension codes to column names'
            USING ERRCODE = '22023';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(dimensions) LOOP
        PERFORM retail_kpi._catalog_check_code(k, 'dimensions');
        IF NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions d WHERE d.code = k) THEN
            RAISE EXCEPTION 'dimension "%" does not exist', k
                USING ERRCODE = '42704', HINT = 'Define it first with retail_kpi.define_dimension().';
        END IF;
        IF jsonb_typeof(v) <> 'string' OR NOT EXISTS (
                SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = relation AND a.attname = (v #>> '{}') AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column % of relation % does not exist', v, relation
                USING ERRCODE = '42703', DETAIL = format('Argument "dimensions" maps dimension "%s" to it.', k);
        END IF;
    END LOOP;
    SELECT * INTO old FROM retail_kpi.sources s WHERE s.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('source', code, old.owner);
        UPDATE retail_kpi.sources s SET schema_name = nsp, relation_name = rel, time_column = time_column,
               dimensions = dimensions, description = description,
               owner = CASE WHEN owner IS NULL THEN s.owner ELSE retail_kpi._catalog_owner(owner) END, updated_at = now()
         WHERE s.code = code RETURNING s.* INTO new;
    ELSE
        INSERT INTO retail_kpi.sources (code, schema_name, relation_name, time_column, dimensions, description, owner)
        VALUES (code, nsp, rel, time_column, dimensions, description, retail_kpi._catalog_owner(owner))
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('source', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_source(text, regclass, text, jsonb, text, text, text) IS
    'creates or updates a source: a table or view, its time column and {dimension code: column} map; returns the code';

CREATE OR REPLACE FUNCTION define_measure(code text, source text, aggregation text, expression text DEFAULT NULL,
                               filter text DEFAULT NULL, label_en text DEFAULT NULL, label_zh text DEFAULT NULL,
                               description text DEFAULT NULL, unit text DEFAULT NULL,
                               owner text DEFAULT NULL, reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.measures;
    new retail_kpi.measures;
    src retail_kpi.sources;
    agg retail_kpi.catalog_aggregations;
    e record;
    f record;
    cols text[] := '{}';
    c text;
    compiled text;
    rtype text;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_code(source, 'source');
    PERFORM retail_kpi._catalog_check_code(aggregation, 'aggregation');
    SELECT * INTO src FROM retail_kpi.sources s WHERE s.code = source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'source "%" does not exist', source USING ERRCODE = '42704';
    END IF;
    SELECT * INTO agg FROM retail_kpi.catalog_aggregations a WHERE a.name = aggregation;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aggregation "%" is not allowed', aggregation
            USING ERRCODE = '22023',
                  HINT = 'Valid values are ' || (SELECT string_agg(pg_catalog.quote_literal(a.name), ', ' ORDER BY a.name)
                                                 FROM retail_kpi.catalog_aggregations a) || '.';
    END IF;
    IF expression IS NULL THEN
        IF agg.min_args > 0 THEN
            RAISE EXCEPTION 'argument "expression" is required for aggregation "%"', aggregation USING ERRCODE = '22023';
        END IF;
        compiled := format('%s(*)', agg.sql_name);
    ELSE
        e := retail_kpi._catalog_parse(expression, 'expression', 'row', 'src');
        IF e.items < agg.min_args OR e.items > agg.max_args OR e.items = 0 THEN
            RAISE EXCEPTION 'aggregation "%" takes % to % arguments, argument "expression" has %',
                aggregation, agg.min_args, agg.max_args, e.items USING ERRCODE = '22023';
        END IF;
        cols := e.columns;
        compiled := format('%s(%s%s)', agg.sql_name, CASE WHEN agg.is_distinct THEN 'DISTINCT ' ELSE '' END, e.sql);
    END IF;
    IF filter IS NOT NULL THEN
        f := retail_kpi._catalog_parse(filter, 'filter', 'row', 'src');
        IF f.items <> 1 THEN
            RAISE EXCEPTION 'argument "filter" must be a single boolean expression' USING ERRCODE = '22023';
        END IF;
        cols := cols || f.columns;
        compiled := format('%s FILTER (WHERE %s)', compiled, f.sql);
    END IF;
    FOREACH c IN ARRAY cols LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = format('%I.%I', src.schema_name, src.relation_name)::regclass
                         AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column % does not exist in source "%"', pg_catalog.quote_ident(c), source
                USING ERRCODE = '42703', DETAIL = format('Relation %I.%I has no such column.', src.schema_name, src.relation_name);
        END IF;
    END LOOP;
    -- type check (no rows are read), run as the caller: wrong argument types or missing functions fail here
    rtype := retail_kpi.catalog_probe(format(
        'SELECT retail_kpi._catalog_type_name(pg_catalog.pg_typeof(x)) FROM (SELECT %s AS x FROM %I.%I AS src WHERE false) q',
        compiled, src.schema_name, src.relation_name));
    SELECT * INTO old FROM retail_kpi.measures m WHERE m.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('measure', code, old.owner);
        IF rtype <> old.result_type AND EXISTS (SELECT 1 FROM retail_kpi.metrics m WHERE m.kind = 'simple'
                                                   AND m.definition->>'measure' = code) THEN
            RAISE EXCEPTION 'cannot change the type of measure "%" from % to %', code, old.result_type, rtype
                USING ERRCODE = '2BP01', DETAIL = 'Metrics are defined on it.';
        END IF;
        UPDATE retail_kpi.measures m SET source = source, aggregation = aggregation, expression = expression,
               filter = filter, compiled_sql = compiled, columns = cols, result_type = rtype,
               label_en = label_en, label_zh = label_zh, description = description, unit = unit,
               owner = CASE WHEN owner IS NULL THEN m.owner ELSE retail_kpi._catalog_owner(owner) END, updated_at = now()
         WHERE m.code = code RETURNING m.* INTO new;
    ELSE
        INSERT INTO retail_kpi.measures (code, source, aggregation, expression, filter, compiled_sql, columns,
                                         result_type, label_en, label_zh, description, unit, owner)
        VALUES (code, source, aggregation, expression, filter, compiled, cols, rtype, label_en, label_zh,
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

CREATE OR REPLACE FUNCTION define_metric(code text, label_en text, kind text DEFAULT 'simple',
                              measure text DEFAULT NULL, numerator text DEFAULT NULL, denominator text DEFAULT NULL,
                              expression text DEFAULT NULL, label_zh text DEFAULT NULL, description text DEFAULT NULL,
                              unit text DEFAULT NULL, polarity text DEFAULT 'higher_is_better',
                              owner text DEFAULT NULL, tags text[] DEFAULT '{}', status text DEFAULT NULL,
                              reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.metrics;
    new retail_kpi.metrics;
    def jsonb;
    deps text[] := '{}';
    compiled text;
    vtype text;
    e record;
    d text;
    probe text := '';
    m_type text;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    IF label_en IS NULL OR btrim(label_en) = '' THEN
        RAISE EXCEPTION 'argument "label_en" must not be empty' USING ERRCODE = '22023';
    END IF;
    PERFORM retail_kpi._catalog_check_variant(kind, 'kind', '{simple,ratio,derived}');
    PERFORM retail_kpi._catalog_check_variant(polarity, 'polarity', '{higher_is_better,lower_is_better,neutral}');
    IF status IS NOT NULL THEN
        PERFORM retail_kpi._catalog_check_variant(status, 'status', '{draft,certified,deprecated}');
    END IF;
    IF tags IS NULL OR array_position(tags, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "tags" must not contain NULL' USING ERRCODE = '22004';
    END IF;
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
            RAISE EXCEPTION 'measure "%" does not exist', measure USING ERRCODE = '42704';
        END IF;
        def := jsonb_build_object('measure', measure);
    WHEN 'ratio' THEN
        PERFORM retail_kpi._catalog_check_code(numerator, 'numerator');
        PERFORM retail_kpi._catalog_check_code(denominator, 'denominator');
        deps := ARRAY[numerator, denominator];
        FOREACH d IN ARRAY deps LOOP
            SELECT m.value_type INTO m_type FROM retail_kpi.metrics m WHERE m.code = d;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'metric "%" does not exist', d USING ERRCODE = '42704';
            END IF;
            IF NOT retail_kpi._catalog_is_number(m_type) THEN
                RAISE EXCEPTION 'metric "%" of type % cannot be the numerator or denominator of a ratio', d, m_type
                    USING ERRCODE = '42804', HINT = 'Use a derived metric with an accessor function instead.';
            END IF;
        END LOOP;
        def := jsonb_build_object('numerator', numerator, 'denominator', denominator);
        compiled := format('CAST(CAST(%I AS pg_catalog.numeric) / NULLIF(CAST(%I AS pg_catalog.numeric), 0) AS pg_catalog.float8)',
                           numerator, denominator);
        vtype := 'pg_catalog.float8';
    WHEN 'derived' THEN
        IF expression IS NULL THEN
            RAISE EXCEPTION 'argument "expression" is required for a derived metric' USING ERRCODE = '22023';
        END IF;
        e := retail_kpi._catalog_parse(expression, 'expression', 'metric', NULL);
        IF e.items <> 1 THEN
            RAISE EXCEPTION 'argument "expression" must be a single expression' USING ERRCODE = '22023';
        END IF;
        IF cardinality(e.columns) = 0 THEN
            RAISE EXCEPTION 'argument "expression" must reference at least one metric' USING ERRCODE = '22023';
        END IF;
        deps := e.columns;
        FOREACH d IN ARRAY deps LOOP
            SELECT m.value_type INTO m_type FROM retail_kpi.metrics m WHERE m.code = d;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'metric "%" does not exist', d
                    USING ERRCODE = '42704', DETAIL = 'Names in the expression of a derived metric must be metric codes.';
            END IF;
            probe := probe || format('%sCAST(NULL AS %s) AS %I', CASE WHEN probe = '' THEN '' ELSE ', ' END, m_type, d);
        END LOOP;
        compiled := e.sql;
        vtype := retail_kpi.catalog_probe(format(
            'SELECT retail_kpi._catalog_type_name(pg_catalog.pg_typeof(%s)) FROM (SELECT %s) q', compiled, probe));
        def := jsonb_build_object('expression', expression);
    END CASE;
    -- cycles: no dependency may (transitively) depend on this metric
    FOREACH d IN ARRAY deps LOOP
        IF d = code OR EXISTS (SELECT 1 FROM retail_kpi._catalog_upstream_metrics(d) u WHERE u.metric = code) THEN
            RAISE EXCEPTION 'metric "%" would depend on itself through "%"', code, d
                USING ERRCODE = '42P17', DETAIL = 'Cycles between metrics are not allowed.';
        END IF;
    END LOOP;

    SELECT * INTO old FROM retail_kpi.metrics m WHERE m.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('metric', code, old.owner);
        IF vtype <> old.value_type AND EXISTS (SELECT 1 FROM retail_kpi.metrics m WHERE code = ANY (m.depends_on)) THEN
            RAISE EXCEPTION 'cannot change the type of metric "%" from % to %', code, old.value_type, vtype
                USING ERRCODE = '2BP01', DETAIL = 'Other metrics are defined on it.';
        END IF;
        UPDATE retail_kpi.metrics m SET label_en = label_en, label_zh = label_zh, description = description,
               unit = unit, polarity = polarity, owner = CASE WHEN owner IS NULL THEN m.owner ELSE retail_kpi._catalog_owner(owner) END,
               status = coalesce(status, m.status), tags = tags, kind = kind, definition = def, compiled_sql = compiled,
               depends_on = deps, value_type = vtype, updated_at = now()
         WHERE m.code = code RETURNING m.* INTO new;
    ELSE
        INSERT INTO retail_kpi.metrics (code, label_en, label_zh, description, unit, polarity, owner, status, tags,
                                        kind, definition, compiled_sql, depends_on, value_type)
        VALUES (code, label_en, label_zh, description, unit, polarity, retail_kpi._catalog_owner(owner),
                coalesce(status, 'draft'), tags,
                kind, def, compiled, deps, vtype)
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('metric', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_metric(text, text, text, text, text, text, text, text, text, text, text, text, text[], text, text) IS
    'creates or updates a metric (simple: measure; ratio: numerator / denominator metrics; derived: expression over metrics); validates, rejects cycles, records history';

CREATE OR REPLACE FUNCTION set_metric_status(code text, status text, reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.metrics;
    new retail_kpi.metrics;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_variant(status, 'status', '{draft,certified,deprecated}');
    SELECT * INTO old FROM retail_kpi.metrics m WHERE m.code = code FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist', code USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner('metric', code, old.owner);
    UPDATE retail_kpi.metrics m SET status = status, updated_at = now() WHERE m.code = code RETURNING m.* INTO new;
    PERFORM retail_kpi._catalog_record('metric', code, 'status', reason, to_jsonb(old), to_jsonb(new));
    RETURN status;
END
$$;
COMMENT ON FUNCTION set_metric_status(text, text, text) IS 'sets a metric''s status (draft, certified, deprecated); owner or admin only';

CREATE OR REPLACE FUNCTION deprecate_metric(code text, reason text DEFAULT NULL) RETURNS text
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$ SELECT retail_kpi.set_metric_status(code, 'deprecated', reason); $$;
COMMENT ON FUNCTION deprecate_metric(text, text) IS 'marks a metric deprecated (same as set_metric_status(code, ''deprecated''))';

-- Drops a catalog object (metric, measure, source, dimension) when nothing depends on it.
CREATE OR REPLACE FUNCTION drop_catalog_object(object_type text, code text, reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old jsonb;
    users text;
BEGIN
    PERFORM retail_kpi._catalog_check_variant(object_type, 'object_type', '{metric,measure,source,dimension,alert_rule}');
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    IF object_type = 'alert_rule' THEN
        old := (SELECT to_jsonb(a) FROM retail_kpi.alert_rules a WHERE a.code = code);
    ELSE
        old := retail_kpi._catalog_get(object_type, code);
    END IF;
    IF old IS NULL THEN
        RAISE EXCEPTION '% "%" does not exist', object_type, code USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner(object_type, code, old->>'owner');
    users := CASE object_type
        WHEN 'metric' THEN (SELECT string_agg(m.code, ', ') FROM retail_kpi.metrics m WHERE code = ANY (m.depends_on))
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
    'drops a metric, measure, source, dimension or alert rule when nothing depends on it; owner or admin only';

CREATE OR REPLACE FUNCTION drop_metric(code text, reason text DEFAULT NULL) RETURNS void
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$ SELECT retail_kpi.drop_catalog_object('metric', code, reason); $$;
COMMENT ON FUNCTION drop_metric(text, text) IS 'drops a metric nothing depends on (owner or admin only)';

-- Adds a function to the allow-list (admin only), e.g. after installing a family that provides it.
CREATE OR REPLACE FUNCTION allow_function(name text, sql_name text, usage text DEFAULT 'metric', description text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
BEGIN
    PERFORM retail_kpi._catalog_require_admin('change the function allow-list');
    PERFORM retail_kpi._catalog_check_code(name, 'name');
    PERFORM retail_kpi._catalog_check_variant(usage, 'usage', '{row,metric,both}');
    IF sql_name IS NULL OR sql_name !~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$' THEN
        RAISE EXCEPTION 'invalid value for argument "sql_name": %', coalesce(quote_literal(sql_name), 'NULL')
            USING ERRCODE = '22023', DETAIL = 'It must be a schema-qualified lowercase function name.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = split_part(sql_name, '.', 1) AND p.proname = split_part(sql_name, '.', 2)
                 AND (p.provolatile = 'v' OR p.prokind <> 'f')) THEN
        RAISE EXCEPTION 'function % is volatile or not a plain function', sql_name
            USING ERRCODE = '22023', DETAIL = 'Only immutable or stable functions may be used in catalog expressions.';
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

