-- src/upgrade/0.2--0.3.sql: first part of the upgrade script retail_kpi--0.2--0.3.sql, assembled by
-- the Makefile (docs/versioning.md): the changes to objects that exist in 0.2 and cannot be replayed
-- from the install script's parts (checks, DROPs of functions whose signature changes, table
-- migrations).  After it come the families new in 0.3, every catalog code file (CREATE OR REPLACE)
-- and src/upgrade/0.2--0.3-post.sql.

\echo Use "ALTER EXTENSION retail_kpi UPDATE TO '0.3'" to load this file. \quit

-- =============================================================================================
-- Indicator center: checks and catalog table migrations (docs/security.md)
-- =============================================================================================

-- The schema must be the extension owner's (docs/security.md, R8): a schema squatted before 0.3 is
-- refused rather than trusted.
DO $schema_check$
DECLARE
    schema_owner oid := (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'retail_kpi');
    ext_owner oid := (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'retail_kpi');
BEGIN
    IF schema_owner <> ext_owner THEN
        RAISE EXCEPTION 'schema retail_kpi is owned by role %, not by the extension''s owner %',
                        pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(schema_owner)),
                        pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(ext_owner))
            USING ERRCODE = '42501',
                  DETAIL = 'The extension''s functions trust every object in their schema.',
                  HINT = 'Check what the schema holds, then ALTER SCHEMA retail_kpi OWNER TO the extension''s owner and update again.';
    END IF;
END
$schema_check$;
REVOKE CREATE ON SCHEMA retail_kpi FROM PUBLIC;

-- The author and reader roles (the steward role retail_kpi_admin exists since 0.1).
DO $catalog_role$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['retail_kpi_admin', 'retail_kpi_author', 'retail_kpi_reader'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$catalog_role$;

-- Functions whose arguments or results change, and the one that goes: re-created by the catalog
-- files that follow.  metric_catalog depends on metrics.owner, whose type changes.
DROP VIEW metric_catalog;
DROP FUNCTION _catalog_owner(text);
DROP FUNCTION _catalog_require_owner(text, text, text);
DROP FUNCTION _catalog_record(text, text, text, text, jsonb, jsonb);
DROP FUNCTION _catalog_metric_closure(text[], timestamptz);
DROP FUNCTION _catalog_fingerprint(text, int);
DROP FUNCTION check_alerts(date);

-- Owners by identity (R6): role names become role OIDs; a name that no longer resolves becomes OID 0,
-- an orphan only stewards may change (check_catalog() reports it).
ALTER TABLE dimensions ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner)), 0::oid::regrole);
ALTER TABLE sources ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner)), 0::oid::regrole);
ALTER TABLE measures ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner)), 0::oid::regrole);
ALTER TABLE metrics ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner)), 0::oid::regrole);
ALTER TABLE alert_rules ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner)), 0::oid::regrole);

-- Sources by identity: the relation their names resolve to now (OID 0 when it no longer exists).
ALTER TABLE sources ADD COLUMN relation regclass;
UPDATE sources SET relation = coalesce(pg_catalog.to_regclass(pg_catalog.format('%I.%I', schema_name, relation_name)),
                                       0::oid::regclass);
ALTER TABLE sources ALTER COLUMN relation SET NOT NULL;
COMMENT ON TABLE sources IS
    'catalog: fact tables or views (by OID: relation; schema_name and relation_name are their names when defined), their time column (NULL: static facts such as selling area) and the column of each dimension';

-- Sensitive metrics (R7).
ALTER TABLE metrics ADD COLUMN restricted boolean NOT NULL DEFAULT false;

-- The owner of each history row's object, for row-level security (R7).
ALTER TABLE catalog_history ADD COLUMN object_owner regrole;
UPDATE catalog_history h
SET object_owner = CASE WHEN h.object_type = 'target' THEN (SELECT m.owner FROM metrics m WHERE m.code = h.code)
                        ELSE pg_catalog.to_regrole(pg_catalog.quote_ident(coalesce(h.new_definition, h.old_definition)->>'owner')) END;
COMMENT ON TABLE catalog_history IS
    'every change made through the catalog API: who (calling role and session user), when, why, old and new row, the object''s owner';

-- Added in 0.3 (docs/security.md); src/upgrade/0.2--0.3.sql creates the same tables in 0.2 databases.
CREATE TABLE trusted_roles (
    role        regrole PRIMARY KEY,
    trusted_by  text NOT NULL,
    trusted_at  timestamptz NOT NULL DEFAULT now(),
    reason      text
);
COMMENT ON TABLE trusted_roles IS
    'catalog: roles declared trusted by a steward (their relations and functions may run for every reader and back certified metrics)';

CREATE TABLE metric_grants (
    metric      text NOT NULL,
    grantee     regrole NOT NULL,
    granted_by  text NOT NULL,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (metric, grantee)
);
COMMENT ON TABLE metric_grants IS 'catalog: roles allowed to evaluate a restricted (sensitive) metric';

CREATE TABLE catalog_settings (
    name        text PRIMARY KEY CHECK (name IN ('read_audit')),
    value       jsonb NOT NULL,
    updated_by  text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE catalog_settings IS 'catalog: settings of the indicator center made by stewards (read_audit)';

CREATE SEQUENCE metric_read_log_id_seq;
CREATE TABLE metric_read_log (
    id                bigint PRIMARY KEY DEFAULT nextval('retail_kpi.metric_read_log_id_seq'),
    read_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    role_oid          regrole NOT NULL,
    role_name         text NOT NULL,
    session_user_name text NOT NULL,
    metrics           text[] NOT NULL,
    dimensions        text[] NOT NULL,
    grain             text,
    from_date         date,
    to_date           date,
    as_of             timestamptz
);
ALTER SEQUENCE metric_read_log_id_seq OWNED BY metric_read_log.id;
COMMENT ON TABLE metric_read_log IS 'the read audit (访问审计): every metric_values call while read_audit is on (stewards only)';


REVOKE ALL ON catalog_aggregations, catalog_functions, dimensions, sources, measures, metrics, targets,
    alert_rules, catalog_history, catalog_history_id_seq, trusted_roles, metric_grants, catalog_settings,
    metric_read_log, metric_read_log_id_seq FROM PUBLIC;
GRANT SELECT ON catalog_aggregations, catalog_functions, dimensions, sources, measures, metrics, targets,
    alert_rules, catalog_history, trusted_roles, metric_grants, catalog_settings TO PUBLIC;
GRANT SELECT ON metric_read_log TO retail_kpi_admin;
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.trusted_roles', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metric_grants', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.catalog_settings', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metric_read_log', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metric_read_log_id_seq', '');

-- (end of the indicator center section)


-- =============================================================================================
-- C families: changes to the families that exist in 0.2 (new overloads, changed comments)
-- =============================================================================================

-- (end of the C families section)
