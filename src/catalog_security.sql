-- src/catalog_security.sql: who calls the catalog API and what they may do (docs/security.md is the
-- contract): the C helpers that parse expressions and identify the caller, role and trust checks,
-- row-level security on the private tables, the checks of evaluation (R4) and certification (R2),
-- and the stewards' functions (trust, ownership, sensitive metrics, read audit).
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)
-- Every SECURITY DEFINER function here pins search_path = pg_catalog, pg_temp and qualifies every
-- object of the extension.

-- ---------------------------------------------------------------------------------------------
-- C helpers

CREATE OR REPLACE FUNCTION catalog_parse_expression(expression text, argname text, function_names text[],
                                         function_sql text[], column_prefix text DEFAULT NULL,
                                         replace_names text[] DEFAULT NULL, replace_sql text[] DEFAULT NULL,
                                         OUT sql text, OUT columns text[], OUT functions text[], OUT items int)
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION catalog_parse_expression(text, text, text[], text[], text, text[], text[]) IS
    'validates a catalog expression with the PostgreSQL raw parser (allow-listed nodes, operators, functions, casts) and returns its normalised SQL (operators qualified), referenced columns and functions';

CREATE OR REPLACE FUNCTION catalog_caller() RETURNS name
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION catalog_caller() IS
    'the role calling the catalog API (current role as set by SET ROLE, unchanged by SECURITY DEFINER)';
CREATE OR REPLACE FUNCTION catalog_caller_id() RETURNS regrole
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION catalog_caller_id() IS
    'the role calling the catalog API as an OID (catalog_caller() by identity)';
CREATE OR REPLACE FUNCTION catalog_nearest(name text, candidates text[]) RETURNS text
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION catalog_nearest(text, text[]) IS
    'the candidate nearest to name by edit distance (at most a third of its length and 3 edits), or NULL: the "did you mean" of catalog errors';

-- The HINT of a "does not exist" error: the nearest code of that kind, or where the codes are listed.
CREATE OR REPLACE FUNCTION _catalog_did_you_mean(object_type text, name text) RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    near text;
BEGIN
    near := retail_kpi.catalog_nearest(coalesce(name, ''), CASE object_type
        WHEN 'metric' THEN ARRAY(SELECT m.code FROM retail_kpi.metrics m ORDER BY 1)
        WHEN 'measure' THEN ARRAY(SELECT m.code FROM retail_kpi.measures m ORDER BY 1)
        WHEN 'source' THEN ARRAY(SELECT s.code FROM retail_kpi.sources s ORDER BY 1)
        WHEN 'dimension' THEN ARRAY(SELECT d.code FROM retail_kpi.dimensions d ORDER BY 1)
        ELSE '{}'::text[] END);
    RETURN coalesce(CASE WHEN near IS NOT NULL THEN pg_catalog.format('Did you mean "%s"?', near) END,
                    pg_catalog.format('The %ss are listed in retail_kpi.%s.', replace(object_type, '_', ' '),
                                      CASE object_type WHEN 'metric' THEN 'metric_catalog' ELSE object_type || 's' END));
END
$$;
COMMENT ON FUNCTION _catalog_did_you_mean(text, text) IS 'internal: "did you mean" hint of a catalog object that does not exist';

CREATE OR REPLACE FUNCTION catalog_probe(query text) RETURNS text
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION catalog_probe(text) IS
    'internal: runs a read-only type-check query of the catalog API as the calling role (not as the API owner)';
REVOKE EXECUTE ON FUNCTION catalog_probe(text) FROM PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- Roles and trust (by OID; a role that no longer exists is nobody)

-- True when member is a member of role (through any chain of grants); false when either is gone.
-- (The helpers of this section are PL/pgSQL, not SQL: their queries are planned once per session.)
CREATE OR REPLACE FUNCTION _catalog_has_role(member oid, role oid) RETURNS boolean
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    IF member IS NULL OR role IS NULL
       OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid = member)
       OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.oid = role) THEN
        RETURN false;
    END IF;
    RETURN pg_catalog.pg_has_role(member, role, 'MEMBER');
END
$$;
COMMENT ON FUNCTION _catalog_has_role(oid, oid) IS
    'internal: pg_has_role(member, role, MEMBER), false when either role does not exist';

-- True for superusers and members of retail_kpi_admin (the stewards).
CREATE OR REPLACE FUNCTION _catalog_is_steward(r oid) RETURNS boolean
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    RETURN coalesce((SELECT x.rolsuper FROM pg_catalog.pg_roles x WHERE x.oid = r), false)
        OR retail_kpi._catalog_has_role(r, (SELECT x.oid FROM pg_catalog.pg_roles x WHERE x.rolname = 'retail_kpi_admin'));
END
$$;
COMMENT ON FUNCTION _catalog_is_steward(oid) IS 'internal: is the role a superuser or a member of retail_kpi_admin';

-- True for stewards and members of retail_kpi_author.
CREATE OR REPLACE FUNCTION _catalog_is_author(r oid) RETURNS boolean
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    RETURN retail_kpi._catalog_is_steward(r)
        OR retail_kpi._catalog_has_role(r, (SELECT x.oid FROM pg_catalog.pg_roles x WHERE x.rolname = 'retail_kpi_author'));
END
$$;
COMMENT ON FUNCTION _catalog_is_author(oid) IS 'internal: may the role write to the catalog (author or steward)';

-- Trusted roles (docs/security.md): superusers, stewards, the extension's owner and the roles
-- stewards declared trusted.  Their code may run for every reader and certified metrics rest on them.
CREATE OR REPLACE FUNCTION _catalog_is_trusted(r oid) RETURNS boolean
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    RETURN retail_kpi._catalog_is_steward(r)
        OR EXISTS (SELECT 1 FROM retail_kpi.trusted_roles t
                   WHERE t.role = r AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles x WHERE x.oid = r))
        OR r = (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'retail_kpi');
END
$$;
COMMENT ON FUNCTION _catalog_is_trusted(oid) IS 'internal: is the role trusted (superuser, steward, extension owner, or declared with trust_role)';

-- May code owned by this role run for the caller (R4): the caller's own or a trusted role's
-- (caller_counts: the caller's own code counts), or, with superuser_only, a superuser's or the
-- extension owner's (code that runs with the extension owner's rights).
CREATE OR REPLACE FUNCTION _catalog_may_run_code_of(owner oid, superuser_only boolean, caller_counts boolean DEFAULT true)
RETURNS boolean
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    IF superuser_only THEN
        RETURN coalesce((SELECT x.rolsuper FROM pg_catalog.pg_roles x WHERE x.oid = owner), false)
            OR owner = (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'retail_kpi');
    END IF;
    RETURN (caller_counts AND owner = retail_kpi.catalog_caller_id()) OR retail_kpi._catalog_is_trusted(owner);
END
$$;
COMMENT ON FUNCTION _catalog_may_run_code_of(oid, boolean, boolean) IS
    'internal: may code of this role run for the caller (R4): the caller''s or a trusted role''s; superusers'' only for code run as the extension owner';

-- A role as text for messages: its name, or "role with OID n (dropped)".
CREATE OR REPLACE FUNCTION _catalog_role_label(r oid) RETURNS text
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT coalesce((SELECT pg_catalog.quote_ident(x.rolname) FROM pg_catalog.pg_roles x WHERE x.oid = $1),
                    pg_catalog.format('role with OID %s (dropped)', $1));
$$;
COMMENT ON FUNCTION _catalog_role_label(oid) IS 'internal: a role''s quoted name, or a note that it was dropped';

-- Resolves a role name given to the API (42704 when it does not exist).
CREATE OR REPLACE FUNCTION _catalog_role(name text, argname text) RETURNS regrole
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    r regrole;
BEGIN
    IF name IS NULL THEN
        RAISE EXCEPTION 'argument "%" must not be NULL', argname USING ERRCODE = '22004';
    END IF;
    r := pg_catalog.to_regrole(pg_catalog.quote_ident(name));
    IF r IS NULL THEN
        RAISE EXCEPTION 'role % does not exist', pg_catalog.quote_literal(name)
            USING ERRCODE = '42704', DETAIL = pg_catalog.format('Argument "%s" must name an existing role.', argname);
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION _catalog_role(text, text) IS 'internal: the OID of an existing role named by an API argument';

-- The role that becomes the owner of a new object: the given one (the caller must be a member) or the caller.
CREATE OR REPLACE FUNCTION _catalog_owner(owner text) RETURNS regrole
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
DECLARE
    caller regrole := retail_kpi.catalog_caller_id();
    r regrole;
BEGIN
    IF owner IS NULL THEN
        RETURN caller;
    END IF;
    r := retail_kpi._catalog_role(owner, 'owner');
    IF NOT retail_kpi._catalog_has_role(caller, r) AND NOT retail_kpi._catalog_is_steward(caller) THEN
        RAISE EXCEPTION 'permission denied to make role % an owner', pg_catalog.quote_ident(owner)
            USING ERRCODE = '42501',
                  DETAIL = 'Only members of a role (or of retail_kpi_admin) may give it ownership of catalog objects.';
    END IF;
    RETURN r;
END
$$;
COMMENT ON FUNCTION _catalog_owner(text) IS 'internal: resolves and checks the owner argument of a catalog API call';

-- Raises 42501 unless the caller may write to the catalog at all (R1).
CREATE OR REPLACE FUNCTION _catalog_require_author(what text) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
BEGIN
    IF NOT retail_kpi._catalog_is_author(retail_kpi.catalog_caller_id()) THEN
        RAISE EXCEPTION 'permission denied to %', what
            USING ERRCODE = '42501',
                  DETAIL = pg_catalog.format('Writing to the catalog requires membership of retail_kpi_author or retail_kpi_admin; %s has neither.',
                                             pg_catalog.quote_ident(retail_kpi.catalog_caller())),
                  HINT = 'A steward can grant it: GRANT retail_kpi_author TO ...;';
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_require_author(text) IS 'internal: raises 42501 unless the caller is an author or a steward';

-- Raises 42501 unless the caller is a member of the object's owner role or a steward (R1, R6).
CREATE OR REPLACE FUNCTION _catalog_require_owner(object_type text, code text, owner regrole) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
DECLARE
    caller regrole := retail_kpi.catalog_caller_id();
BEGIN
    IF retail_kpi._catalog_is_steward(caller) OR retail_kpi._catalog_has_role(caller, owner) THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'permission denied to change % "%"', object_type, code
        USING ERRCODE = '42501',
              DETAIL = pg_catalog.format('Only members of its owner role %s or of retail_kpi_admin may change it; %s is neither.',
                                         retail_kpi._catalog_role_label(owner), pg_catalog.quote_ident(retail_kpi.catalog_caller()));
END
$$;
COMMENT ON FUNCTION _catalog_require_owner(text, text, regrole) IS 'internal: permission check of the catalog API (owner or steward)';

-- Raises 42501 unless the caller is a steward.
CREATE OR REPLACE FUNCTION _catalog_require_admin(what text) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
BEGIN
    IF NOT retail_kpi._catalog_is_steward(retail_kpi.catalog_caller_id()) THEN
        RAISE EXCEPTION 'permission denied to %', what
            USING ERRCODE = '42501', DETAIL = 'Only members of retail_kpi_admin (the stewards) may do this.';
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_require_admin(text) IS 'internal: raises 42501 unless the caller is a member of retail_kpi_admin';

-- ---------------------------------------------------------------------------------------------
-- Bounded input (R10)

-- Raises 22001 when a free-text argument is longer than its limit; returns the value.
CREATE OR REPLACE FUNCTION _catalog_check_text(value text, argname text, max_chars int) RETURNS text
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    IF value IS NOT NULL AND pg_catalog.length(value) > max_chars THEN
        RAISE EXCEPTION 'value too long for argument "%" (at most % characters)', argname, max_chars
            USING ERRCODE = '22001', DETAIL = pg_catalog.format('It has %s characters.', pg_catalog.length(value));
    END IF;
    RETURN value;
END
$$;
COMMENT ON FUNCTION _catalog_check_text(text, text, int) IS 'internal: raises 22001 when a free-text argument exceeds its limit (docs/security.md, R10)';

-- Raises 54000 when an array or object argument has more elements than its limit.
CREATE OR REPLACE FUNCTION _catalog_check_count(n int, argname text, max_items int) RETURNS void
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    IF n > max_items THEN
        RAISE EXCEPTION 'argument "%" has too many elements (at most %)', argname, max_items
            USING ERRCODE = '54000', DETAIL = pg_catalog.format('It has %s.', n);
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_check_count(int, text, int) IS 'internal: raises 54000 when an argument has more elements than its limit (R10)';

-- Checks the free-text arguments every definition takes (labels, description, unit, reason).
CREATE OR REPLACE FUNCTION _catalog_check_texts(label_en text, label_zh text, description text, unit text,
                                                reason text) RETURNS void
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    PERFORM retail_kpi._catalog_check_text(label_en, 'label_en', 200);
    PERFORM retail_kpi._catalog_check_text(label_zh, 'label_zh', 200);
    PERFORM retail_kpi._catalog_check_text(description, 'description', 4000);
    PERFORM retail_kpi._catalog_check_text(unit, 'unit', 32);
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
END
$$;
COMMENT ON FUNCTION _catalog_check_texts(text, text, text, text, text) IS 'internal: size limits of the free-text arguments of a definition';

-- ---------------------------------------------------------------------------------------------
-- Private catalog data: row-level security (R7)

-- Policy of the private tables: stewards, readers and members of the row's owner role see a row.
CREATE OR REPLACE FUNCTION _catalog_may_read_private(owner oid) RETURNS boolean
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT retail_kpi._catalog_is_steward(x.oid)
        OR retail_kpi._catalog_has_role(x.oid, (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = 'retail_kpi_reader'))
        OR retail_kpi._catalog_has_role(x.oid, $1)
    FROM pg_catalog.pg_roles x WHERE x.rolname = current_user;
$$;
COMMENT ON FUNCTION _catalog_may_read_private(oid) IS
    'internal: may the current role read a private catalog row (targets, alert rules, history) of objects owned by owner';

ALTER TABLE targets ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS targets_visible ON targets;
CREATE POLICY targets_visible ON targets FOR SELECT TO PUBLIC
    USING (retail_kpi._catalog_may_read_private((SELECT m.owner FROM retail_kpi.metrics m WHERE m.code = targets.metric)));
ALTER TABLE alert_rules ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS alert_rules_visible ON alert_rules;
CREATE POLICY alert_rules_visible ON alert_rules FOR SELECT TO PUBLIC
    USING (retail_kpi._catalog_may_read_private(owner));
ALTER TABLE catalog_history ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS catalog_history_visible ON catalog_history;
CREATE POLICY catalog_history_visible ON catalog_history FOR SELECT TO PUBLIC
    USING (retail_kpi._catalog_may_read_private(object_owner));
-- the read log: every role appends rows naming itself (the audit of its own metric_values calls);
-- stewards read it
GRANT INSERT ON metric_read_log TO PUBLIC;
GRANT USAGE ON SEQUENCE metric_read_log_id_seq TO PUBLIC;
ALTER TABLE metric_read_log ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS metric_read_log_own ON metric_read_log;
CREATE POLICY metric_read_log_own ON metric_read_log FOR INSERT TO PUBLIC
    WITH CHECK (role_name = current_user AND session_user_name = session_user
                AND role_oid = (SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user));
DROP POLICY IF EXISTS metric_read_log_stewards ON metric_read_log;
CREATE POLICY metric_read_log_stewards ON metric_read_log FOR SELECT TO retail_kpi_admin USING (true);
ALTER TABLE metric_grants ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS metric_grants_visible ON metric_grants;
CREATE POLICY metric_grants_visible ON metric_grants FOR SELECT TO PUBLIC
    USING (retail_kpi._catalog_may_read_private((SELECT m.owner FROM retail_kpi.metrics m WHERE m.code = metric_grants.metric))
           OR retail_kpi._catalog_has_role((SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user), grantee));

-- ---------------------------------------------------------------------------------------------
-- Evaluation (R4) and certification (R2)

-- R4: raises 42501 unless every relation that can run code (a view, a table with row-level
-- security) is owned by the caller or a trusted role, and every allow-listed function outside
-- pg_catalog and retail_kpi is, in all its overloads, owned by a trusted role and not VOLATILE.
-- what names the request in the message (e.g. 'metric "x"').
-- With superuser_only (a pre-aggregate's refresh, which runs as the extension's owner): the code must
-- be a superuser's, not merely the caller's or a trusted role's.
CREATE OR REPLACE FUNCTION _catalog_check_evaluation(relations oid[], functions text[], superuser_only boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    caller oid := retail_kpi.catalog_caller_id();
    r record;
BEGIN
    FOR r IN SELECT c.oid, c.relkind, c.relrowsecurity, c.relowner FROM pg_catalog.pg_class c
             WHERE c.oid = ANY (relations) AND (c.relkind = 'v' OR c.relrowsecurity) LOOP
        IF NOT retail_kpi._catalog_may_run_code_of(r.relowner, superuser_only) THEN
            RAISE EXCEPTION 'relation % is owned by role %, which is not %', r.oid::regclass,
                            retail_kpi._catalog_role_label(r.relowner), CASE WHEN superuser_only THEN 'a superuser' ELSE 'trusted' END
                USING ERRCODE = '42501',
                      DETAIL = CASE WHEN r.relkind = 'v' THEN 'A view runs code chosen by its owner with your privileges'
                                    ELSE 'The row-level security policies of a table run code chosen by its owner with your privileges' END
                               || '; the catalog runs such code only for its owner and for roles the stewards trust (docs/security.md, R4).',
                      HINT = 'A steward can trust the role with retail_kpi.trust_role(), or the relation can be handed to a trusted role.';
        END IF;
    END LOOP;
    FOR r IN SELECT f.name, f.sql_name, p.oid AS fn, p.proowner, p.provolatile, p.prokind
             FROM retail_kpi.catalog_functions f
             JOIN pg_catalog.pg_namespace n ON n.nspname = pg_catalog.split_part(f.sql_name, '.', 1)
             JOIN pg_catalog.pg_proc p ON p.pronamespace = n.oid AND p.proname = pg_catalog.split_part(f.sql_name, '.', 2)
             WHERE f.name = ANY (functions) AND n.nspname NOT IN ('pg_catalog', 'retail_kpi')
             ORDER BY f.name, p.oid LOOP
        IF NOT retail_kpi._catalog_may_run_code_of(r.proowner, superuser_only, false) THEN
            RAISE EXCEPTION 'function % is owned by role %, which is not %', r.fn::regprocedure,
                            retail_kpi._catalog_role_label(r.proowner), CASE WHEN superuser_only THEN 'a superuser' ELSE 'trusted' END
                USING ERRCODE = '42501',
                      DETAIL = pg_catalog.format('It is a candidate for the allow-listed function "%s" (%s); allow-listed functions are re-checked at every compilation (docs/security.md, R4).', r.name, r.sql_name),
                      HINT = 'A steward can drop the function, hand it to a trusted role, or trust its owner with retail_kpi.trust_role().';
        END IF;
        IF r.provolatile = 'v' OR r.prokind <> 'f' THEN
            RAISE EXCEPTION 'function % is volatile or not a plain function', r.fn::regprocedure
                USING ERRCODE = '22023',
                      DETAIL = pg_catalog.format('It is a candidate for the allow-listed function "%s"; only immutable or stable functions may be used in catalog expressions.', r.name);
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION _catalog_check_evaluation(oid[], text[], boolean) IS
    'internal: the evaluation rule R4 of docs/security.md (relations and allow-listed functions that run code must be the caller''s or trusted)';

-- R4 for columns: a column whose type (or its domain's base type, or its element type) belongs to a
-- role that is neither the caller nor trusted carries that role's code (input/output functions,
-- implicit casts such a role may create for its type): refused with 42501, as a view of that role.
CREATE OR REPLACE FUNCTION _catalog_check_column_types(relation oid, columns text[], superuser_only boolean DEFAULT false)
RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT a.attname, x.typ, x.owner
             FROM pg_catalog.pg_attribute a
             JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
             CROSS JOIN LATERAL (VALUES (t.oid, t.typowner), (t.typbasetype, NULL), (t.typelem, NULL)) v(typ, owner0)
             CROSS JOIN LATERAL (SELECT v.typ, coalesce(v.owner0, (SELECT y.typowner FROM pg_catalog.pg_type y WHERE y.oid = v.typ)) AS owner) x
             WHERE a.attrelid = relation AND a.attname = ANY (columns) AND a.attnum > 0 AND NOT a.attisdropped
               AND x.typ <> 0 AND x.owner IS NOT NULL
             ORDER BY a.attnum LOOP
        IF NOT retail_kpi._catalog_may_run_code_of(r.owner, superuser_only) THEN
            RAISE EXCEPTION 'column % of relation % has type % of role %, which is not %', pg_catalog.quote_ident(r.attname),
                            relation::regclass, r.typ::regtype, retail_kpi._catalog_role_label(r.owner),
                            CASE WHEN superuser_only THEN 'a superuser' ELSE 'trusted' END
                USING ERRCODE = '42501',
                      DETAIL = 'A type carries code chosen by its owner (input and output functions, implicit casts); the catalog runs such code only for its owner and for roles the stewards trust (docs/security.md, R4).',
                      HINT = 'A steward can trust the role with retail_kpi.trust_role(), or the column can be cast in a view of a trusted role.';
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION _catalog_check_column_types(oid, text[], boolean) IS
    'internal: the evaluation rule R4 for the types of the columns a definition uses';

-- R7: the first of the given metrics that is restricted and that the caller may not evaluate, or NULL.
-- SECURITY DEFINER: the grants are private, the caller may not see every row of metric_grants.
CREATE OR REPLACE FUNCTION _catalog_denied_metric(codes text[]) RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL SAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RETURN (SELECT m.code FROM retail_kpi.metrics m
            WHERE m.code = ANY (codes) AND m.restricted
              AND NOT retail_kpi._catalog_is_steward(retail_kpi.catalog_caller_id())
              AND NOT retail_kpi._catalog_has_role(retail_kpi.catalog_caller_id(), m.owner)
              AND NOT EXISTS (SELECT 1 FROM retail_kpi.metric_grants g
                              WHERE g.metric = m.code AND retail_kpi._catalog_has_role(retail_kpi.catalog_caller_id(), g.grantee))
            ORDER BY m.code LIMIT 1);
END
$$;
COMMENT ON FUNCTION _catalog_denied_metric(text[]) IS
    'internal: the first restricted (sensitive) metric among codes that the caller may not evaluate (R7)';

-- R2: why a metric cannot be certified (the first object upstream of it that is not owned by a
-- trusted role: metrics, measures, sources, their relations, allow-listed functions), or NULL.
CREATE OR REPLACE FUNCTION _catalog_untrusted_upstream(code text) RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    r record;
    fns text[] := '{}';
BEGIN
    FOR r IN SELECT m.code, m.owner, m.kind, m.definition FROM retail_kpi.metrics m
             WHERE m.code = code OR m.code IN (SELECT u.metric FROM retail_kpi._catalog_upstream_metrics(code) u)
             ORDER BY m.code LOOP
        IF NOT retail_kpi._catalog_is_trusted(r.owner) THEN
            RETURN pg_catalog.format('metric "%s" is owned by %s', r.code, retail_kpi._catalog_role_label(r.owner));
        END IF;
        IF r.kind = 'derived' THEN
            BEGIN
                fns := fns || (retail_kpi._catalog_parse(r.definition->>'expression', 'expression', 'metric')).functions;
            EXCEPTION WHEN OTHERS THEN
                RETURN pg_catalog.format('the definition of metric "%s" no longer compiles: %s', r.code, SQLERRM);
            END;
        END IF;
    END LOOP;
    FOR r IN SELECT me.code, me.owner, me.expression, me.filter, s.code AS scode, s.owner AS sowner, s.relation,
                    c.relowner
             FROM retail_kpi.metrics m
             JOIN retail_kpi.measures me ON me.code = m.definition->>'measure'
             LEFT JOIN retail_kpi.sources s ON s.code = me.source
             LEFT JOIN pg_catalog.pg_class c ON c.oid = s.relation
             WHERE m.kind = 'simple'
               AND (m.code = code OR m.code IN (SELECT u.metric FROM retail_kpi._catalog_upstream_metrics(code) u))
             ORDER BY me.code LOOP
        IF NOT retail_kpi._catalog_is_trusted(r.owner) THEN
            RETURN pg_catalog.format('measure "%s" is owned by %s', r.code, retail_kpi._catalog_role_label(r.owner));
        END IF;
        IF r.scode IS NOT NULL AND NOT retail_kpi._catalog_is_trusted(r.sowner) THEN
            RETURN pg_catalog.format('source "%s" is owned by %s', r.scode, retail_kpi._catalog_role_label(r.sowner));
        END IF;
        IF r.relowner IS NOT NULL AND NOT retail_kpi._catalog_is_trusted(r.relowner) THEN
            RETURN pg_catalog.format('relation %s of source "%s" is owned by %s', r.relation::regclass, r.scode,
                                     retail_kpi._catalog_role_label(r.relowner));
        END IF;
        BEGIN
            IF r.expression IS NOT NULL THEN
                fns := fns || (retail_kpi._catalog_parse(r.expression, 'expression', 'row')).functions;
            END IF;
            IF r.filter IS NOT NULL THEN
                fns := fns || (retail_kpi._catalog_parse(r.filter, 'filter', 'row')).functions;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            RETURN pg_catalog.format('the definition of measure "%s" no longer compiles: %s', r.code, SQLERRM);
        END;
    END LOOP;
    SELECT pg_catalog.format('function %s is owned by %s', p.oid::regprocedure, retail_kpi._catalog_role_label(p.proowner))
      INTO r
    FROM retail_kpi.catalog_functions f
    JOIN pg_catalog.pg_namespace n ON n.nspname = pg_catalog.split_part(f.sql_name, '.', 1)
    JOIN pg_catalog.pg_proc p ON p.pronamespace = n.oid AND p.proname = pg_catalog.split_part(f.sql_name, '.', 2)
    WHERE f.name = ANY (fns) AND NOT retail_kpi._catalog_is_trusted(p.proowner)
    ORDER BY 1 LIMIT 1;
    IF FOUND THEN
        RETURN r.format;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION _catalog_untrusted_upstream(text) IS
    'internal: the first object upstream of a metric that is not owned by a trusted role (certification rule R2), or NULL';

-- R3: the first certified metric (other than the object itself) that depends, directly or
-- transitively, on a metric, measure or source; NULL when there is none.
CREATE OR REPLACE FUNCTION _catalog_certified_downstream(object_type text, code text) RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    direct text[];
BEGIN
    -- the metrics that use the object directly (for a metric: itself), then everything downstream of them
    direct := CASE object_type
        WHEN 'metric' THEN ARRAY[code]
        WHEN 'measure' THEN ARRAY(SELECT m.code FROM retail_kpi.metrics m WHERE m.kind = 'simple' AND m.definition->>'measure' = code)
        WHEN 'source' THEN ARRAY(SELECT m.code FROM retail_kpi.metrics m JOIN retail_kpi.measures me ON me.code = m.definition->>'measure'
                                 WHERE m.kind = 'simple' AND me.source = code)
        ELSE '{}'::text[] END;
    RETURN (SELECT m.code FROM retail_kpi.metrics m
            WHERE m.status = 'certified' AND NOT (object_type = 'metric' AND m.code = code)
              AND (m.code = ANY (direct)
                   OR m.code IN (SELECT d.metric FROM unnest(direct) x, retail_kpi._catalog_downstream_metrics(x) d))
            ORDER BY m.code LIMIT 1);
END
$$;
COMMENT ON FUNCTION _catalog_certified_downstream(text, text) IS
    'internal: a certified metric that depends on the given metric, measure or source (rule R3), or NULL';

-- R3: raises 42501 when a non-steward changes an object a certified metric depends on (or a
-- certified metric itself).
CREATE OR REPLACE FUNCTION _catalog_require_uncertified(object_type text, code text, what text) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    dep text;
BEGIN
    IF retail_kpi._catalog_is_steward(retail_kpi.catalog_caller_id()) THEN
        RETURN;
    END IF;
    IF object_type = 'metric' AND EXISTS (SELECT 1 FROM retail_kpi.metrics m WHERE m.code = code AND m.status = 'certified') THEN
        RAISE EXCEPTION 'permission denied to % certified metric "%"', what, code
            USING ERRCODE = '42501', DETAIL = 'Only stewards (members of retail_kpi_admin) may change a certified metric (docs/security.md, R2).';
    END IF;
    dep := retail_kpi._catalog_certified_downstream(object_type, code);
    IF dep IS NOT NULL THEN
        RAISE EXCEPTION 'permission denied to % % "%"', what, object_type, code
            USING ERRCODE = '42501',
                  DETAIL = pg_catalog.format('Certified metric "%s" depends on it; only stewards may change what a certified metric rests on (docs/security.md, R3).', dep),
                  HINT = 'Ask a steward, or define a new object and a draft metric on it.';
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_require_uncertified(text, text, text) IS
    'internal: raises 42501 when a non-steward changes a certified metric or anything upstream of one (R2, R3)';

-- ---------------------------------------------------------------------------------------------
-- The stewards' functions

-- Declares a role trusted (its relations and functions may run for every reader; certified metrics
-- may rest on its objects).
CREATE OR REPLACE FUNCTION trust_role(role text, reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    r regrole;
BEGIN
    PERFORM retail_kpi._catalog_require_admin('trust a role');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    r := retail_kpi._catalog_role(role, 'role');
    INSERT INTO retail_kpi.trusted_roles AS t (role, trusted_by, reason) VALUES (r, retail_kpi.catalog_caller(), reason)
    ON CONFLICT ON CONSTRAINT trusted_roles_pkey DO UPDATE SET trusted_by = EXCLUDED.trusted_by, trusted_at = now(), reason = EXCLUDED.reason;
    PERFORM retail_kpi._catalog_record('trusted_role', r::text, 'trust', reason, NULL, jsonb_build_object('role', r::text));
END
$$;
COMMENT ON FUNCTION trust_role(text, text) IS
    'declares a role trusted: its views, policies and functions may run for every reader, certified metrics may rest on its objects (stewards only)';

-- Withdraws the trust of a role.
CREATE OR REPLACE FUNCTION distrust_role(role text, reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    r regrole;
BEGIN
    PERFORM retail_kpi._catalog_require_admin('withdraw the trust of a role');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    r := retail_kpi._catalog_role(role, 'role');
    DELETE FROM retail_kpi.trusted_roles t WHERE t.role = r;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role % is not declared trusted', pg_catalog.quote_ident(role) USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_record('trusted_role', r::text, 'distrust', reason, jsonb_build_object('role', r::text), NULL);
END
$$;
COMMENT ON FUNCTION distrust_role(text, text) IS 'withdraws the trust given with trust_role (stewards only)';

-- Hands one catalog object to another owner.
CREATE OR REPLACE FUNCTION reassign_catalog_owner(object_type text, code text, new_owner text, reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    r regrole;
    old jsonb;
    new jsonb;
BEGIN
    PERFORM retail_kpi._catalog_require_admin('reassign catalog objects');
    PERFORM retail_kpi._catalog_check_variant(object_type, 'object_type', '{metric,measure,source,dimension,alert_rule,preaggregate}');
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    r := retail_kpi._catalog_role(new_owner, 'new_owner');
    old := retail_kpi._catalog_get(object_type, code);
    IF old IS NULL THEN
        RAISE EXCEPTION '% "%" does not exist', object_type, code USING ERRCODE = '42704';
    END IF;
    CASE object_type
        WHEN 'metric' THEN UPDATE retail_kpi.metrics t SET owner = r, updated_at = now() WHERE t.code = code;
        WHEN 'measure' THEN UPDATE retail_kpi.measures t SET owner = r, updated_at = now() WHERE t.code = code;
        WHEN 'source' THEN UPDATE retail_kpi.sources t SET owner = r, updated_at = now() WHERE t.code = code;
        WHEN 'dimension' THEN UPDATE retail_kpi.dimensions t SET owner = r, updated_at = now() WHERE t.code = code;
        WHEN 'preaggregate' THEN UPDATE retail_kpi.preaggregates t SET owner = r WHERE t.code = code;
        ELSE UPDATE retail_kpi.alert_rules t SET owner = r, updated_at = now() WHERE t.code = code;
    END CASE;
    new := retail_kpi._catalog_get(object_type, code);
    PERFORM retail_kpi._catalog_record(object_type, code, 'owner', reason, old, new);
END
$$;
COMMENT ON FUNCTION reassign_catalog_owner(text, text, text, text) IS
    'hands a metric, measure, source, dimension, alert rule or pre-aggregate to another owner role (stewards only)';

-- Hands every catalog object of one owner (a role name, or the OID of a dropped role) to another.
CREATE OR REPLACE FUNCTION reassign_catalog_objects(old_owner text, new_owner text, reason text DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    o oid;
    x record;
    n int := 0;
BEGIN
    PERFORM retail_kpi._catalog_require_admin('reassign catalog objects');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    IF old_owner IS NULL THEN
        RAISE EXCEPTION 'argument "old_owner" must not be NULL' USING ERRCODE = '22004';
    END IF;
    o := CASE WHEN old_owner ~ '^[0-9]{1,10}$' THEN old_owner::oid
              ELSE retail_kpi._catalog_role(old_owner, 'old_owner') END;
    PERFORM retail_kpi._catalog_role(new_owner, 'new_owner');
    FOR x IN SELECT 'metric' AS t, m.code FROM retail_kpi.metrics m WHERE m.owner = o
             UNION ALL SELECT 'measure', m.code FROM retail_kpi.measures m WHERE m.owner = o
             UNION ALL SELECT 'source', s.code FROM retail_kpi.sources s WHERE s.owner = o
             UNION ALL SELECT 'dimension', d.code FROM retail_kpi.dimensions d WHERE d.owner = o
             UNION ALL SELECT 'alert_rule', a.code FROM retail_kpi.alert_rules a WHERE a.owner = o
             UNION ALL SELECT 'preaggregate', p.code FROM retail_kpi.preaggregates p WHERE p.owner = o
             ORDER BY 1, 2 LOOP
        PERFORM retail_kpi.reassign_catalog_owner(x.t, x.code, new_owner, reason);
        n := n + 1;
    END LOOP;
    RETURN n;
END
$$;
COMMENT ON FUNCTION reassign_catalog_objects(text, text, text) IS
    'hands every catalog object of a role (metrics, measures, sources, dimensions, alert rules, pre-aggregates; a name, or the OID of a dropped role) to another role; returns how many (stewards only)';

-- Makes a metric sensitive (evaluable only by stewards, its owner's members and granted roles), or not.
CREATE OR REPLACE FUNCTION restrict_metric(code text, restricted boolean DEFAULT true, reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.metrics;
    new retail_kpi.metrics;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    IF restricted IS NULL THEN
        RAISE EXCEPTION 'argument "restricted" must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT * INTO old FROM retail_kpi.metrics m WHERE m.code = code FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist', code USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner('metric', code, old.owner);
    PERFORM retail_kpi._catalog_require_uncertified('metric', code, 'restrict');
    UPDATE retail_kpi.metrics m SET restricted = restricted, updated_at = now() WHERE m.code = code RETURNING m.* INTO new;
    PERFORM retail_kpi._catalog_record('metric', code, CASE WHEN restricted THEN 'restrict' ELSE 'unrestrict' END,
                                       reason, to_jsonb(old), to_jsonb(new));
END
$$;
COMMENT ON FUNCTION restrict_metric(text, boolean, text) IS
    'makes a metric sensitive (敏感指标): only stewards, members of its owner and roles granted with grant_metric may evaluate it (owner or steward)';

-- Lets a role (and its members) evaluate a restricted metric.
CREATE OR REPLACE FUNCTION grant_metric(code text, grantee text, reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    m retail_kpi.metrics;
    g regrole;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    SELECT * INTO m FROM retail_kpi.metrics t WHERE t.code = code;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist', code USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner('metric', code, m.owner);
    g := retail_kpi._catalog_role(grantee, 'grantee');
    INSERT INTO retail_kpi.metric_grants (metric, grantee, granted_by) VALUES (code, g, retail_kpi.catalog_caller())
    ON CONFLICT ON CONSTRAINT metric_grants_pkey DO NOTHING;
    PERFORM retail_kpi._catalog_record('metric_grant', code, 'grant', reason, NULL,
                                       jsonb_build_object('metric', code, 'grantee', g::text), m.owner);
END
$$;
COMMENT ON FUNCTION grant_metric(text, text, text) IS 'lets a role evaluate a restricted metric (owner or steward)';

-- Withdraws a grant_metric.
CREATE OR REPLACE FUNCTION revoke_metric(code text, grantee text, reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    m retail_kpi.metrics;
    g regrole;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    SELECT * INTO m FROM retail_kpi.metrics t WHERE t.code = code;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist', code USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner('metric', code, m.owner);
    g := retail_kpi._catalog_role(grantee, 'grantee');
    DELETE FROM retail_kpi.metric_grants t WHERE t.metric = code AND t.grantee = g;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'role % has no grant on metric "%"', pg_catalog.quote_ident(grantee), code USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_record('metric_grant', code, 'revoke', reason,
                                       jsonb_build_object('metric', code, 'grantee', g::text), NULL, m.owner);
END
$$;
COMMENT ON FUNCTION revoke_metric(text, text, text) IS 'withdraws a grant_metric (owner or steward)';

-- Switches the read audit on or off; returns the new setting.
CREATE OR REPLACE FUNCTION set_read_audit(enabled boolean, reason text DEFAULT NULL) RETURNS boolean
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
BEGIN
    PERFORM retail_kpi._catalog_require_admin('change the read audit');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    IF enabled IS NULL THEN
        RAISE EXCEPTION 'argument "enabled" must not be NULL' USING ERRCODE = '22004';
    END IF;
    INSERT INTO retail_kpi.catalog_settings AS s (name, value, updated_by) VALUES ('read_audit', to_jsonb(enabled), retail_kpi.catalog_caller())
    ON CONFLICT ON CONSTRAINT catalog_settings_pkey DO UPDATE SET value = EXCLUDED.value, updated_by = EXCLUDED.updated_by, updated_at = now();
    PERFORM retail_kpi._catalog_record('setting', 'read_audit', CASE WHEN enabled THEN 'enable' ELSE 'disable' END, reason,
                                       NULL, jsonb_build_object('read_audit', enabled));
    RETURN enabled;
END
$$;
COMMENT ON FUNCTION set_read_audit(boolean, text) IS
    'switches the read audit (访问审计) on or off: every metric_values call is then logged in metric_read_log and the server log (stewards only)';

-- Logs one metric_values call when the read audit is on (R7): a row of metric_read_log (not in a
-- read-only transaction) and a LOG line, which a rolled-back transaction cannot undo.  SECURITY
-- INVOKER: the row is inserted with the reader's rights, and row-level security lets a role insert
-- only rows naming itself (current role and session user), so nobody can log reads of another role;
-- control characters are replaced in the LOG line, so nobody can forge a line either.
CREATE OR REPLACE FUNCTION _catalog_audit_read(metrics text[], dimensions text[], grain text, from_date date,
                                               to_date date, as_of timestamptz) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF NOT coalesce((SELECT s.value = 'true'::jsonb FROM retail_kpi.catalog_settings s WHERE s.name = 'read_audit'), false) THEN
        RETURN;
    END IF;
    RAISE LOG '%', pg_catalog.regexp_replace(pg_catalog.format(
        'retail_kpi read audit: role %s (session user %s) read metrics %s by %s at grain %s from %s to %s%s',
        pg_catalog.quote_ident(current_user), pg_catalog.quote_ident(session_user), metrics, dimensions,
        pg_catalog.quote_literal(grain), from_date, to_date,
        CASE WHEN as_of IS NULL THEN '' ELSE ' as of ' || as_of END), '[[:cntrl:]]', ' ', 'g');
    IF current_setting('transaction_read_only') = 'off' THEN
        PERFORM retail_kpi._catalog_require_coordinator('retail_kpi.metric_read_log');
        INSERT INTO retail_kpi.metric_read_log (role_oid, role_name, session_user_name, metrics, dimensions, grain,
                                                from_date, to_date, as_of)
        VALUES ((SELECT r.oid FROM pg_catalog.pg_roles r WHERE r.rolname = current_user), current_user, session_user,
                metrics, coalesce(dimensions, '{}'), grain, from_date, to_date, as_of);
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_audit_read(text[], text[], text, date, date, timestamptz) IS
    'internal: writes the read audit of one metric_values call when it is on';
