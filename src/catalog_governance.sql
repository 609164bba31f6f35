-- src/catalog_governance.sql: governance: history, lineage, fingerprints and check_catalog().
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- ---------------------------------------------------------------------------------------------
-- Governance: history, lineage

CREATE OR REPLACE FUNCTION metric_history(code text, object_type text DEFAULT 'metric')
RETURNS TABLE(id bigint, action text, changed_by text, session_user_name text, changed_at timestamptz,
              reason text, old_definition jsonb, new_definition jsonb)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT h.id, h.action, h.changed_by, h.session_user_name, h.changed_at, h.reason, h.old_definition, h.new_definition
    FROM retail_kpi.catalog_history h
    WHERE h.object_type = $2 AND h.code = $1
    ORDER BY h.id;
$$;
COMMENT ON FUNCTION metric_history(text, text) IS 'the changes of a metric (or of another catalog object type), oldest first';

CREATE OR REPLACE FUNCTION metric_lineage(code text)
RETURNS TABLE(direction text, depth int, object_type text, object_code text, detail text)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    WITH up AS (SELECT u.metric, u.depth FROM retail_kpi._catalog_upstream_metrics($1) u
                UNION ALL SELECT $1, 0),
    down AS (
        WITH RECURSIVE dn(metric, depth, path) AS (
            SELECT m.code, 1, ARRAY[$1, m.code] FROM retail_kpi.metrics m WHERE $1 = ANY (m.depends_on)
            UNION ALL
            SELECT m.code, dn.depth + 1, dn.path || m.code
            FROM dn JOIN retail_kpi.metrics m ON dn.metric = ANY (m.depends_on)
            WHERE NOT m.code = ANY (dn.path) AND dn.depth < 100)
        SELECT metric, min(depth) AS depth FROM dn GROUP BY metric)
    SELECT * FROM (
        SELECT 'upstream', up.depth, 'metric', up.metric, m.kind || ': ' || coalesce(m.compiled_sql, m.definition::text)
        FROM up JOIN retail_kpi.metrics m ON m.code = up.metric WHERE up.depth > 0
        UNION ALL
        SELECT 'upstream', up.depth + 1, 'measure', me.code, me.compiled_sql
        FROM up JOIN retail_kpi.metrics m ON m.code = up.metric AND m.kind = 'simple'
        JOIN retail_kpi.measures me ON me.code = m.definition->>'measure'
        UNION ALL
        SELECT DISTINCT 'upstream', up.depth + 2, 'source', s.code, format('%I.%I', s.schema_name, s.relation_name)
        FROM up JOIN retail_kpi.metrics m ON m.code = up.metric AND m.kind = 'simple'
        JOIN retail_kpi.measures me ON me.code = m.definition->>'measure'
        JOIN retail_kpi.sources s ON s.code = me.source
        UNION ALL
        SELECT 'downstream', down.depth, 'metric', down.metric, m.status
        FROM down JOIN retail_kpi.metrics m ON m.code = down.metric
        UNION ALL
        SELECT 'downstream', 1, 'target', t.scenario, count(*) || ' target rows'
        FROM retail_kpi.targets t WHERE t.metric = $1 GROUP BY t.scenario
        UNION ALL
        SELECT 'downstream', 1, 'alert_rule', a.code, a.condition
        FROM retail_kpi.alert_rules a WHERE a.metric = $1
    ) x(direction, depth, object_type, object_code, detail)
    ORDER BY 1 DESC, 2, 3, 4;
$$;
COMMENT ON FUNCTION metric_lineage(text) IS
    'upstream metrics, measures and sources of a metric and the metrics, targets and alert rules downstream of it (impact analysis)';

-- Normalised definition of a metric, with every reference expanded (for duplicate detection).
CREATE OR REPLACE FUNCTION _catalog_fingerprint(code text, depth int DEFAULT 0) RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    m retail_kpi.metrics;
    me retail_kpi.measures;
    s retail_kpi.sources;
    names text[];
    fps text[];
    p record;
BEGIN
    SELECT * INTO m FROM retail_kpi.metrics t WHERE t.code = code;
    IF NOT FOUND OR depth > 50 THEN
        RETURN 'missing:' || code;
    END IF;
    IF m.kind = 'simple' THEN
        SELECT * INTO me FROM retail_kpi.measures t WHERE t.code = m.definition->>'measure';
        IF NOT FOUND THEN
            RETURN 'missing measure:' || (m.definition->>'measure');
        END IF;
        SELECT * INTO s FROM retail_kpi.sources t WHERE t.code = me.source;
        IF NOT FOUND THEN
            RETURN 'missing source:' || me.source || ':' || me.compiled_sql;
        END IF;
        RETURN format('%I.%I:%s', s.schema_name, s.relation_name, me.compiled_sql);
    ELSIF m.kind = 'ratio' THEN
        RETURN format('ratio(%s, %s)', retail_kpi._catalog_fingerprint(m.definition->>'numerator', depth + 1),
                      retail_kpi._catalog_fingerprint(m.definition->>'denominator', depth + 1));
    END IF;
    SELECT array_agg(d), array_agg(retail_kpi._catalog_fingerprint(d, depth + 1)) INTO names, fps FROM unnest(m.depends_on) d;
    SELECT * INTO p FROM retail_kpi.catalog_parse_expression(m.definition->>'expression', 'expression',
        (SELECT array_agg(f.name) FROM retail_kpi.catalog_functions f),
        (SELECT array_agg(f.sql_name) FROM retail_kpi.catalog_functions f), NULL, names, fps);
    RETURN p.sql;
END
$$;
COMMENT ON FUNCTION _catalog_fingerprint(text, int) IS 'internal: normalised, fully expanded definition of a metric';

CREATE OR REPLACE FUNCTION check_catalog()
RETURNS TABLE(problem text, object_type text, code text, detail text)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    WITH fp AS (SELECT m.code, m.unit, retail_kpi._catalog_fingerprint(m.code) AS fp FROM retail_kpi.metrics m),
    rel AS (SELECT s.*, to_regclass(format('%I.%I', s.schema_name, s.relation_name)) AS oid FROM retail_kpi.sources s)
    SELECT * FROM (
        -- two metrics with the same normalised definition (duplicate 口径)
        SELECT 'duplicate_definition', 'metric', a.code,
               format('same definition as metric "%s": %s', b.code, a.fp)
        FROM fp a JOIN fp b ON a.fp = b.fp AND a.code > b.code
        UNION ALL
        SELECT 'duplicate_definition', 'measure', a.code, format('same definition as measure "%s"', b.code)
        FROM retail_kpi.measures a JOIN retail_kpi.measures b
          ON a.code > b.code AND a.compiled_sql = b.compiled_sql
         AND (SELECT format('%I.%I', s.schema_name, s.relation_name) FROM retail_kpi.sources s WHERE s.code = a.source)
           = (SELECT format('%I.%I', s.schema_name, s.relation_name) FROM retail_kpi.sources s WHERE s.code = b.source)
        UNION ALL
        -- one code used with conflicting units: a measure and a metric of the same code, or a simple metric and its measure
        SELECT 'conflicting_unit', 'metric', m.code,
               format('unit "%s" but measure "%s" has unit "%s"', m.unit, me.code, me.unit)
        FROM retail_kpi.metrics m JOIN retail_kpi.measures me
          ON (me.code = m.code OR (m.kind = 'simple' AND me.code = m.definition->>'measure'))
        WHERE m.unit IS NOT NULL AND me.unit IS NOT NULL AND m.unit <> me.unit
        UNION ALL
        SELECT 'conflicting_unit', 'metric', a.code, format('same definition as metric "%s" but unit %s vs %s', b.code,
                                                             coalesce(quote_literal(a.unit), 'NULL'), coalesce(quote_literal(b.unit), 'NULL'))
        FROM fp a JOIN fp b ON a.fp = b.fp AND a.code > b.code
        WHERE a.unit IS DISTINCT FROM b.unit
        UNION ALL
        -- references to missing or deprecated objects
        SELECT 'missing_reference', 'metric', m.code, format('metric "%s" does not exist', d)
        FROM retail_kpi.metrics m, unnest(m.depends_on) d
        WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.metrics x WHERE x.code = d)
        UNION ALL
        SELECT 'missing_reference', 'metric', m.code, format('measure "%s" does not exist', m.definition->>'measure')
        FROM retail_kpi.metrics m
        WHERE m.kind = 'simple' AND NOT EXISTS (SELECT 1 FROM retail_kpi.measures x WHERE x.code = m.definition->>'measure')
        UNION ALL
        SELECT 'missing_reference', 'measure', me.code, format('source "%s" does not exist', me.source)
        FROM retail_kpi.measures me WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.sources s WHERE s.code = me.source)
        UNION ALL
        SELECT 'missing_reference', 'source', r.code, format('relation %I.%I does not exist', r.schema_name, r.relation_name)
        FROM rel r WHERE r.oid IS NULL
        UNION ALL
        SELECT 'missing_reference', 'source', s.code, format('dimension "%s" does not exist', d)
        FROM retail_kpi.sources s, jsonb_object_keys(s.dimensions) d
        WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions x WHERE x.code = d)
        UNION ALL
        SELECT 'missing_reference', 'dimension', d.code, format('parent dimension "%s" does not exist', d.parent)
        FROM retail_kpi.dimensions d
        WHERE d.parent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions x WHERE x.code = d.parent)
        UNION ALL
        SELECT 'missing_reference', 'target', t.metric, format('metric "%s" does not exist', t.metric)
        FROM (SELECT DISTINCT t.metric FROM retail_kpi.targets t) t
        WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.metrics x WHERE x.code = t.metric)
        UNION ALL
        SELECT 'missing_reference', 'alert_rule', a.code, format('metric "%s" does not exist', a.metric)
        FROM retail_kpi.alert_rules a WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.metrics x WHERE x.code = a.metric)
        UNION ALL
        SELECT 'deprecated_reference', 'metric', m.code, format('depends on deprecated metric "%s"', d)
        FROM retail_kpi.metrics m, unnest(m.depends_on) d
        WHERE m.status <> 'deprecated'
          AND EXISTS (SELECT 1 FROM retail_kpi.metrics x WHERE x.code = d AND x.status = 'deprecated')
        UNION ALL
        SELECT 'deprecated_reference', 'alert_rule', a.code, format('watches deprecated metric "%s"', a.metric)
        FROM retail_kpi.alert_rules a JOIN retail_kpi.metrics x ON x.code = a.metric AND x.status = 'deprecated'
        WHERE a.enabled
        UNION ALL
        -- certified metrics depending on drafts
        SELECT 'certified_depends_on_draft', 'metric', m.code, format('depends on draft metric "%s"', u.metric)
        FROM retail_kpi.metrics m, retail_kpi._catalog_upstream_metrics(m.code) u
        WHERE m.status = 'certified'
          AND EXISTS (SELECT 1 FROM retail_kpi.metrics x WHERE x.code = u.metric AND x.status = 'draft')
        UNION ALL
        -- source columns that no longer exist
        SELECT 'missing_column', 'source', r.code, format('column %I of %I.%I does not exist', c, r.schema_name, r.relation_name)
        FROM rel r, LATERAL (SELECT r.time_column WHERE r.time_column IS NOT NULL
                             UNION ALL SELECT v FROM jsonb_each_text(r.dimensions) e(k, v)) cols(c)
        WHERE r.oid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                                WHERE a.attrelid = r.oid AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped)
        UNION ALL
        SELECT 'missing_column', 'measure', me.code, format('column %I of %I.%I does not exist', c, r.schema_name, r.relation_name)
        FROM retail_kpi.measures me JOIN rel r ON r.code = me.source, unnest(me.columns) c
        WHERE r.oid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                                WHERE a.attrelid = r.oid AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped)
    ) p(problem, object_type, code, detail)
    ORDER BY 1, 2, 3, 4;
$$;
COMMENT ON FUNCTION check_catalog() IS
    'problems in the catalog: duplicate definitions, conflicting units, missing or deprecated references, certified metrics on drafts, missing columns';

