-- src/catalog_governance.sql: governance: history, lineage, fingerprints and check_catalog().
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- ---------------------------------------------------------------------------------------------
-- Governance: history, lineage

CREATE OR REPLACE FUNCTION metric_history(code text, object_type text DEFAULT 'metric')
RETURNS TABLE(id bigint, action text, changed_by text, session_user_name text, changed_at timestamptz,
              reason text, old_definition jsonb, new_definition jsonb)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT h.id, h.action, h.changed_by, h.session_user_name, h.changed_at, h.reason, h.old_definition, h.new_definition
    FROM retail_kpi.catalog_history h
    WHERE h.object_type = $2 AND h.code = $1
    ORDER BY h.id;
$$;
COMMENT ON FUNCTION metric_history(text, text) IS 'the changes of a metric (or of another catalog object type) that the caller may see (docs/security.md, R7), oldest first';

CREATE OR REPLACE FUNCTION metric_lineage(code text)
RETURNS TABLE(direction text, depth int, object_type text, object_code text, detail text)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    WITH up AS (SELECT u.metric, u.depth FROM retail_kpi._catalog_upstream_metrics($1) u
                UNION ALL SELECT $1, 0),
    down AS (SELECT d.metric, d.depth FROM retail_kpi._catalog_downstream_metrics($1) d)
    SELECT * FROM (
        SELECT 'upstream', up.depth, 'metric', up.metric, m.kind || ': ' || coalesce(m.compiled_sql, m.definition::text)
        FROM up JOIN retail_kpi.metrics m ON m.code = up.metric WHERE up.depth > 0
        UNION ALL
        SELECT 'upstream', up.depth + 1, 'measure', me.code, me.compiled_sql
        FROM up JOIN retail_kpi.metrics m ON m.code = up.metric AND m.kind = 'simple'
        JOIN retail_kpi.measures me ON me.code = m.definition->>'measure'
        UNION ALL
        SELECT DISTINCT 'upstream', up.depth + 2, 'source', s.code, s.relation::text
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

-- ---------------------------------------------------------------------------------------------
-- Conflicts and duplicates: normal forms of definitions and labels (docs/indicator_center.md,
-- "Conflicts and duplicates")

CREATE OR REPLACE FUNCTION catalog_normalize_expression(expression text, argname text, function_names text[],
                                         function_sql text[], column_prefix text DEFAULT NULL,
                                         replace_names text[] DEFAULT NULL, replace_sql text[] DEFAULT NULL,
                                         typed_names text[] DEFAULT NULL, typed_types regtype[] DEFAULT NULL)
    RETURNS text
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION catalog_normalize_expression(text, text, text[], text[], text, text[], text[], text[], regtype[]) IS
    'the normal form of a catalog expression, for duplicate detection only (never executed): validated like catalog_parse_expression, commutative operands sorted, exact numeric + and * chains flattened, safe identities removed, constants folded; typed_names/typed_types give the types the rules depend on';

-- The key under which labels are compared: NFKC (full-width forms folded; UTF8 databases only), lower
-- case, without white space and punctuation (ASCII, Latin-1, general, CJK and full-width punctuation).
CREATE OR REPLACE FUNCTION _catalog_label_key(label text) RETURNS text
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT pg_catalog.regexp_replace(
               pg_catalog.lower(CASE WHEN pg_catalog.getdatabaseencoding() = 'UTF8'
                                     THEN pg_catalog.normalize($1, 'NFKC') ELSE $1 END),
               E'[\\s\\u0021-\\u002f\\u003a-\\u0040\\u005b-\\u0060\\u007b-\\u007e\\u00a0-\\u00bf\\u00d7\\u00f7'
            || E'\\u2000-\\u206f\\u2e00-\\u2e7f\\u3000-\\u3003\\u3008-\\u3020\\u3030\\u303d\\u30fb'
            || E'\\ufe10-\\ufe1f\\ufe30-\\ufe6f\\uff01-\\uff0f\\uff1a-\\uff20\\uff3b-\\uff40\\uff5b-\\uff65]',
               '', 'g');
$$;
COMMENT ON FUNCTION _catalog_label_key(text) IS
    'internal: a label normalised for comparison (NFKC, lower case, white space and punctuation removed)';

-- The normal form of a measure's aggregate (for fingerprints only): the allow-listed aggregate over
-- the normalised expression and filter, with the types of the relation's columns; NULL when the
-- definition no longer compiles.
CREATE OR REPLACE FUNCTION _catalog_measure_normal_form(aggregation text, expression text, filter text,
                                                        relation oid, columns text[])
RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    agg retail_kpi.catalog_aggregations;
    fn text[];
    fs text[];
    tn text[];
    tt regtype[];
    e text := '*';
    f text := '';
BEGIN
    SELECT * INTO agg FROM retail_kpi.catalog_aggregations a WHERE a.name = aggregation;
    IF NOT FOUND OR relation IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(array_agg(x.name ORDER BY x.name), '{}'), coalesce(array_agg(x.sql_name ORDER BY x.name), '{}')
      INTO fn, fs FROM retail_kpi.catalog_functions x WHERE x.usage IN ('row', 'both');
    SELECT coalesce(array_agg(a.attname::text ORDER BY a.attnum), '{}'), coalesce(array_agg(a.atttypid::regtype ORDER BY a.attnum), '{}')
      INTO tn, tt FROM pg_catalog.pg_attribute a
     WHERE a.attrelid = relation AND a.attnum > 0 AND NOT a.attisdropped AND a.attname::text = ANY (columns);
    BEGIN
        IF expression IS NOT NULL THEN
            e := retail_kpi.catalog_normalize_expression(expression, 'expression', fn, fs, 'src', NULL, NULL, tn, tt);
        END IF;
        IF filter IS NOT NULL THEN
            f := ' FILTER (WHERE ' || retail_kpi.catalog_normalize_expression(filter, 'filter', fn, fs, 'src', NULL, NULL, tn, tt) || ')';
        END IF;
    EXCEPTION WHEN OTHERS THEN
        RETURN NULL;
    END;
    RETURN pg_catalog.format('%s(%s%s)%s', agg.sql_name, CASE WHEN agg.is_distinct THEN 'DISTINCT ' ELSE '' END, e, f);
END
$$;
COMMENT ON FUNCTION _catalog_measure_normal_form(text, text, text, oid, text[]) IS
    'internal: the normal form of a measure''s aggregate (duplicate detection), NULL when it no longer compiles';

-- Fingerprints of every metric's definition, for duplicate detection: fp is a hash of the
-- normal form of the definition (catalog_normalize_expression) in which every reference is replaced
-- by the referenced object's fingerprint (a Merkle hash), so a fingerprint never grows with the depth of
-- the chain, and each metric is hashed once, level by level (docs/security.md, R10).  A derived
-- metric whose normal form is one reference (x * 1 of an integer x) has the fingerprint of that
-- metric.  expr is the stored definition one level deep, for messages.  A metric whose references are
-- missing or invalid gets a fingerprint of its own (never equal to another's).
CREATE OR REPLACE FUNCTION _catalog_fingerprints() RETURNS TABLE(code text, fp text, expr text)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_column
DECLARE
    fps jsonb := '{}';         -- code -> fingerprint
    exprs jsonb := '{}';       -- code -> normalised one-level definition
    m record;
    e text;
    ref text;
    tn text[];
    tt regtype[];
    progress boolean := true;
    fnames text[];
    fsql text[];
BEGIN
    SELECT coalesce(array_agg(f.name ORDER BY f.name), '{}'), coalesce(array_agg(f.sql_name ORDER BY f.name), '{}')
      INTO fnames, fsql FROM retail_kpi.catalog_functions f;
    -- simple metrics: the measure's SQL over its relation (by identity)
    FOR m IN SELECT t.code, me.aggregation, me.expression, me.filter, me.columns, s.relation, s.code AS scode
             FROM retail_kpi.metrics t
             LEFT JOIN retail_kpi.measures me ON me.code = t.definition->>'measure'
             LEFT JOIN retail_kpi.sources s ON s.code = me.source
             WHERE t.kind = 'simple' LOOP
        e := pg_catalog.format('%s:%s', m.relation::oid::text,
                               retail_kpi._catalog_measure_normal_form(m.aggregation, m.expression, m.filter,
                                                                       m.relation, m.columns));
        IF m.relation IS NULL OR e IS NULL THEN
            e := 'invalid:' || m.code;
        END IF;
        fps := fps || jsonb_build_object(m.code, pg_catalog.md5(e));
        exprs := exprs || jsonb_build_object(m.code, coalesce(pg_catalog.format('%s: %s', m.relation::text,
            (SELECT me.compiled_sql FROM retail_kpi.metrics t JOIN retail_kpi.measures me ON me.code = t.definition->>'measure'
             WHERE t.code = m.code)), e));
    END LOOP;
    -- the others, in rounds: a metric is hashed once all the metrics it references are
    WHILE progress LOOP
        progress := false;
        FOR m IN SELECT t.code, t.kind, t.definition, t.depends_on FROM retail_kpi.metrics t
                 WHERE t.kind <> 'simple' AND NOT fps ? t.code
                   AND NOT EXISTS (SELECT 1 FROM unnest(t.depends_on) d
                                   WHERE NOT fps ? d AND EXISTS (SELECT 1 FROM retail_kpi.metrics x WHERE x.code = d))
                 ORDER BY t.code LOOP
            progress := true;
            IF EXISTS (SELECT 1 FROM unnest(m.depends_on) d WHERE NOT fps ? d) THEN
                e := 'invalid:' || m.code;
                exprs := exprs || jsonb_build_object(m.code, e);
            ELSIF m.kind = 'ratio' THEN
                e := pg_catalog.format('ratio(%s, %s)', fps->>(m.definition->>'numerator'), fps->>(m.definition->>'denominator'));
                exprs := exprs || jsonb_build_object(m.code, pg_catalog.format('%I / %I', m.definition->>'numerator', m.definition->>'denominator'));
            ELSE
                BEGIN
                    SELECT coalesce(array_agg(u.d ORDER BY u.o), '{}'), coalesce(array_agg(pg_catalog.to_regtype(x.value_type) ORDER BY u.o), '{}')
                      INTO tn, tt
                      FROM unnest(m.depends_on) WITH ORDINALITY u(d, o) LEFT JOIN retail_kpi.metrics x ON x.code = u.d;
                    e := retail_kpi.catalog_normalize_expression(m.definition->>'expression', 'expression', fnames, fsql, NULL,
                        m.depends_on, ARRAY(SELECT pg_catalog.quote_literal('#' || (fps->>d)) FROM unnest(m.depends_on) d),
                        tn, tt);
                    exprs := exprs || jsonb_build_object(m.code, (retail_kpi._catalog_parse(m.definition->>'expression', 'expression', 'metric')).sql);
                EXCEPTION WHEN OTHERS THEN
                    e := 'invalid:' || m.code;
                    exprs := exprs || jsonb_build_object(m.code, e);
                END;
            END IF;
            -- the normal form is one reference: the same values as the referenced metric
            SELECT fps->>d INTO ref FROM unnest(m.depends_on) d
             WHERE e = '(' || pg_catalog.quote_literal('#' || (fps->>d)) || ')' LIMIT 1;
            fps := fps || jsonb_build_object(m.code, coalesce(ref, pg_catalog.md5(e)));
        END LOOP;
    END LOOP;
    RETURN QUERY SELECT t.code, coalesce(fps->>t.code, pg_catalog.md5('invalid:' || t.code)), exprs->>t.code
                 FROM retail_kpi.metrics t;
END
$$;
COMMENT ON FUNCTION _catalog_fingerprints() IS
    'internal: a hash of every metric''s normalised definition with references replaced by their hashes (duplicate detection, linear)';

CREATE OR REPLACE FUNCTION check_catalog()
RETURNS TABLE(problem text, object_type text, code text, detail text)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
    WITH fp AS (SELECT m.code, m.unit, m.label_en, m.label_zh, m.status, f.fp, f.expr
                FROM retail_kpi.metrics m JOIN retail_kpi._catalog_fingerprints() f USING (code)),
    -- each metric's labels (not deprecated metrics), one row per distinct normalised label
    lbl AS (SELECT DISTINCT ON (f.code, k.key) f.code, f.fp, k.label, k.key
            FROM fp f, LATERAL (SELECT l.n, l.label, retail_kpi._catalog_label_key(l.label) AS key
                                FROM (VALUES (1, f.label_en), (2, f.label_zh)) l(n, label) WHERE l.label IS NOT NULL) k
            WHERE f.status <> 'deprecated' AND k.key <> ''
            ORDER BY f.code, k.key, k.n),
    -- labels used by metrics with more than one definition
    grp AS (SELECT l.key, count(*) AS n, count(DISTINCT l.fp) AS nd, array_agg(l.code ORDER BY l.code) AS codes
            FROM lbl l GROUP BY l.key HAVING count(DISTINCT l.fp) > 1),
    mf AS (SELECT me.code, s.relation,
                  retail_kpi._catalog_measure_normal_form(me.aggregation, me.expression, me.filter, s.relation, me.columns) AS nf
           FROM retail_kpi.measures me JOIN retail_kpi.sources s ON s.code = me.source),
    rel AS (SELECT s.*, c.oid, c.relname, n.nspname FROM retail_kpi.sources s
            LEFT JOIN pg_catalog.pg_class c ON c.oid = s.relation LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace),
    -- pre-aggregates: whether their table and source relation exist, who owns the table
    pa AS (SELECT p.code, p.source, p."table", p.relation, p.tracked,
                  t.oid IS NOT NULL AS has_table, t.relowner AS table_owner, r.oid IS NOT NULL AS has_relation,
                  (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'retail_kpi') AS extowner
           FROM retail_kpi.preaggregates p
           LEFT JOIN pg_catalog.pg_class t ON t.oid = p."table" LEFT JOIN pg_catalog.pg_class r ON r.oid = p.relation)
    SELECT * FROM (
        -- two metrics with the same normalised definition (duplicate 口径)
        SELECT 'duplicate_definition', 'metric', a.code,
               format('same definition as metric "%s": %s', b.code, a.expr)
        FROM fp a JOIN fp b ON a.fp = b.fp AND a.code > b.code
        UNION ALL
        SELECT 'duplicate_definition', 'measure', a.code, format('same definition as measure "%s"', b.code)
        FROM mf a JOIN mf b ON a.code > b.code AND a.nf = b.nf AND a.relation = b.relation
        UNION ALL
        -- one label (normalised) used by metrics with different definitions (conflicting 口径)
        SELECT 'conflicting_label', 'metric', l.code,
               format('label %s is used by %s metrics with %s different definitions: %s%s', quote_literal(l.label),
                      g.n, g.nd, array_to_string(g.codes[1:10], ', '), CASE WHEN g.n > 10 THEN ', ...' ELSE '' END)
        FROM lbl l JOIN grp g ON g.key = l.key
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
        SELECT 'missing_reference', 'source', r.code, format('relation %I.%I does not exist (it was dropped)', r.schema_name, r.relation_name)
        FROM rel r WHERE r.oid IS NULL
        UNION ALL
        -- the relation was renamed or moved since the source was defined (it is still used, by identity)
        SELECT 'renamed_relation', 'source', r.code, format('relation %I.%I is now %I.%I', r.schema_name, r.relation_name, r.nspname, r.relname)
        FROM rel r WHERE r.oid IS NOT NULL AND (r.nspname, r.relname) IS DISTINCT FROM (r.schema_name, r.relation_name)
        UNION ALL
        -- objects whose owner role was dropped: only stewards may change them (R6)
        SELECT 'orphaned_owner', o.t, o.code, format('owner role with OID %s no longer exists', o.owner::oid)
        FROM (SELECT 'metric' AS t, x.code, x.owner FROM retail_kpi.metrics x
              UNION ALL SELECT 'measure', x.code, x.owner FROM retail_kpi.measures x
              UNION ALL SELECT 'source', x.code, x.owner FROM retail_kpi.sources x
              UNION ALL SELECT 'dimension', x.code, x.owner FROM retail_kpi.dimensions x
              UNION ALL SELECT 'alert_rule', x.code, x.owner FROM retail_kpi.alert_rules x
              UNION ALL SELECT 'preaggregate', x.code, x.owner FROM retail_kpi.preaggregates x) o
        WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid = o.owner)
        UNION ALL
        -- certified metrics resting on objects that are no longer trusted (R3)
        SELECT 'certified_untrusted_dependency', 'metric', m.code, u.why
        FROM retail_kpi.metrics m, LATERAL (SELECT retail_kpi._catalog_untrusted_upstream(m.code) AS why) u
        WHERE m.status = 'certified' AND u.why IS NOT NULL
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
        UNION ALL
        -- declarations of drivers (docs/drivers.md) that no longer fit their metrics
        SELECT 'invalid_drivers', 'metric', d.metric,
               CASE WHEN m.code IS NULL THEN 'the metric does not exist'
                    WHEN NOT retail_kpi._catalog_is_number(m.value_type) THEN format('the metric is of type %s, not a number', m.value_type)
                    WHEN d.kind = 'mix' AND m.kind <> 'ratio' THEN format('kind mix but the metric is %s, not a ratio', m.kind)
                    WHEN d.kind = 'members' AND m.kind = 'ratio' THEN 'kind members but the metric is a ratio'
                    ELSE format('dimension "%s" does not exist', d.dimension) END
        FROM retail_kpi.metric_drivers d LEFT JOIN retail_kpi.metrics m ON m.code = d.metric
        WHERE m.code IS NULL OR NOT retail_kpi._catalog_is_number(m.value_type) OR (d.kind = 'mix' AND m.kind <> 'ratio')
           OR (d.kind = 'members' AND m.kind = 'ratio')
           OR (d.dimension IS NOT NULL AND NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions x WHERE x.code = d.dimension))
        UNION ALL
        SELECT 'invalid_drivers', 'metric', d.metric,
               CASE WHEN m.code IS NULL THEN format('driver "%s" does not exist', u.x)
                    ELSE format('driver "%s" is of type %s, not a number', u.x, m.value_type) END
        FROM retail_kpi.metric_drivers d CROSS JOIN LATERAL unnest(d.drivers) u(x) LEFT JOIN retail_kpi.metrics m ON m.code = u.x
        WHERE m.code IS NULL OR NOT retail_kpi._catalog_is_number(m.value_type)
        UNION ALL
        -- pre-aggregates (docs/preaggregates.md, "Governance"): what they rest on is gone ...
        SELECT 'missing_reference', 'preaggregate', p.code, format('source "%s" does not exist', p.source)
        FROM pa p WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.sources s WHERE s.code = p.source)
        UNION ALL
        SELECT 'missing_reference', 'preaggregate', p.code, format('its source relation (OID %s) does not exist (it was dropped)', p.relation::oid)
        FROM pa p WHERE NOT p.has_relation
        UNION ALL
        SELECT 'missing_reference', 'preaggregate', p.code, format('its table (OID %s) does not exist (it was dropped by hand): drop the pre-aggregate and define it again', p."table"::oid)
        FROM pa p WHERE NOT p.has_table
        UNION ALL
        -- ... its source or measures were redefined: its rows follow the old definition
        SELECT 'outdated_preaggregate', 'preaggregate', p.code,
               'its source or measures were redefined after it was created: it is not used and cannot be refreshed; drop it and define it again'
        FROM pa p WHERE p.has_relation AND p.has_table AND NOT retail_kpi._preaggregate_is_current(p.code)
        UNION ALL
        -- ... changes to its source are no longer recorded (a trigger was dropped or disabled)
        SELECT 'untracked_changes', 'preaggregate', p.code,
               format('the %s trigger on %s is %s: late changes are not recorded, so stored periods may be stale; drop the pre-aggregate and define it again',
                      ev, p.relation, CASE WHEN t.enabled IS NULL THEN 'missing' ELSE 'disabled' END)
        FROM pa p CROSS JOIN unnest(ARRAY['insert', 'update', 'delete', 'truncate']) ev
        LEFT JOIN retail_kpi._preaggregate_triggers(p.code, p.relation) t ON t.event = ev
        WHERE p.tracked AND p.has_relation AND t.enabled IS NOT TRUE
        UNION ALL
        -- ... its table belongs to another role than the extension's owner (a restore by another role)
        SELECT 'foreign_table_owner', 'preaggregate', p.code,
               format('table %s belongs to %s, not to the extension''s owner %s: refreshes fail', p."table",
                      quote_ident(pg_get_userbyid(p.table_owner)), quote_ident(pg_get_userbyid(p.extowner)))
        FROM pa p WHERE p.has_table AND p.table_owner <> p.extowner
    ) p(problem, object_type, code, detail)
    ORDER BY 1, 2, 3, 4;
$$;
COMMENT ON FUNCTION check_catalog() IS
    'problems in the catalog: duplicate definitions (after normalisation), labels shared by different definitions, conflicting units, missing or deprecated references, certified metrics on drafts or on untrusted objects, orphaned owners, renamed relations, missing columns; declarations of drivers that no longer fit; pre-aggregates that are outdated, whose table, source or triggers are gone or whose table has another owner';

