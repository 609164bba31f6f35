-- src/header.sql: first part of the assembled install script retail_kpi--<version>.sql.
-- The Makefile concatenates src/<family>.sql in the order of FAMILIES.

\echo Use "CREATE EXTENSION retail_kpi" to load this file. \quit

-- The schema must be the installing role's own and empty (docs/security.md, R8): CREATE EXTENSION
-- reuses an existing schema retail_kpi, so a role with CREATE on the database could otherwise
-- create it first and plant objects that the extension's SECURITY DEFINER functions would find.
DO $schema_check$
DECLARE
    nsp oid := pg_catalog.to_regnamespace('retail_kpi');
    owner_name text;
BEGIN
    SELECT pg_catalog.pg_get_userbyid(n.nspowner) INTO owner_name FROM pg_catalog.pg_namespace n WHERE n.oid = nsp;
    IF owner_name IS DISTINCT FROM current_user THEN
        RAISE EXCEPTION 'schema retail_kpi is owned by role %, not by the installing role %',
                        pg_catalog.quote_ident(owner_name), pg_catalog.quote_ident(current_user)
            USING ERRCODE = '42501',
                  DETAIL = 'The extension''s functions trust every object in their schema, so it must be created by the installing role.',
                  HINT = 'Drop the schema (after checking what it holds) or change its owner, then create the extension again.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relnamespace = nsp)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_proc WHERE pronamespace = nsp)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_type WHERE typnamespace = nsp)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_operator WHERE oprnamespace = nsp)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_opfamily WHERE opfnamespace = nsp)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_collation WHERE collnamespace = nsp)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_conversion WHERE connamespace = nsp)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_ts_config WHERE cfgnamespace = nsp)
       OR EXISTS (SELECT 1 FROM pg_catalog.pg_ts_dict WHERE dictnamespace = nsp) THEN
        RAISE EXCEPTION 'schema retail_kpi is not empty'
            USING ERRCODE = '42501',
                  DETAIL = 'The extension''s functions trust every object in their schema; objects created there before the extension would be found by them.',
                  HINT = 'Move or drop the objects of schema retail_kpi, then create the extension again.';
    END IF;
END
$schema_check$;
REVOKE CREATE ON SCHEMA retail_kpi FROM PUBLIC;

COMMENT ON SCHEMA retail_kpi IS 'retail_kpi: retail KPI summaries, decompositions and the indicator center';
