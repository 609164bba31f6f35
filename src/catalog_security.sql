-- src/catalog_security.sql: who calls the catalog API and what they may do: the C helpers that parse expressions and identify the caller, and the permission checks.
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- ---------------------------------------------------------------------------------------------
-- C helpers

CREATE OR REPLACE FUNCTION catalog_parse_expression(expression text, argname text, function_names text[],
                                         function_sql text[], column_prefix text DEFAULT NULL,
                                         replace_names text[] DEFAULT NULL, replace_sql text[] DEFAULT NULL,
                                         OUT sql text, OUT columns text[], OUT functions text[], OUT items int)
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION catalog_parse_expression(text, text, text[], text[], text, text[], text[]) IS
    'validates a catalog expression with the PostgreSQL raw parser (allow-listed nodes, operators, functions, casts) and returns its normalised SQL, referenced columns and functions';

CREATE OR REPLACE FUNCTION catalog_caller() RETURNS name
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
CREATE OR REPLACE FUNCTION catalog_probe(query text) RETURNS text
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION catalog_probe(text) IS
    'internal: runs a read-only type-check query of the catalog API as the calling role (not as the API owner)';
REVOKE EXECUTE ON FUNCTION catalog_probe(text) FROM PUBLIC;

COMMENT ON FUNCTION catalog_caller() IS
    'the role calling the catalog API (current role as set by SET ROLE, unchanged by SECURITY DEFINER)';


-- The role that becomes the owner of a new object: the given one (the caller must be a member) or the caller.
CREATE OR REPLACE FUNCTION _catalog_owner(owner text) RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
DECLARE
    caller name := retail_kpi.catalog_caller();
BEGIN
    IF owner IS NULL THEN
        RETURN caller::text;
    END IF;
    IF pg_catalog.to_regrole(pg_catalog.quote_ident(owner)) IS NULL THEN
        RAISE EXCEPTION 'role % does not exist', pg_catalog.quote_literal(owner)
            USING ERRCODE = '42704', DETAIL = 'Argument "owner" must name an existing role.';
    END IF;
    IF NOT pg_catalog.pg_has_role(caller, owner::name, 'MEMBER')
       AND NOT (pg_catalog.to_regrole('retail_kpi_admin') IS NOT NULL
                AND pg_catalog.pg_has_role(caller, 'retail_kpi_admin', 'MEMBER')) THEN
        RAISE EXCEPTION 'permission denied to make role % an owner', pg_catalog.quote_ident(owner)
            USING ERRCODE = '42501',
                  DETAIL = 'Only members of a role (or of retail_kpi_admin) may give it ownership of catalog objects.';
    END IF;
    RETURN owner;
END
$$;
COMMENT ON FUNCTION _catalog_owner(text) IS 'internal: resolves and checks the owner argument of a catalog API call';

-- Raises 42501 unless the caller is a member of the object's owner role or of retail_kpi_admin.
CREATE OR REPLACE FUNCTION _catalog_require_owner(object_type text, code text, owner text) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
DECLARE
    caller name := retail_kpi.catalog_caller();
BEGIN
    IF pg_catalog.to_regrole('retail_kpi_admin') IS NOT NULL
       AND pg_catalog.pg_has_role(caller, 'retail_kpi_admin', 'MEMBER') THEN
        RETURN;
    END IF;
    IF owner IS NOT NULL AND pg_catalog.to_regrole(pg_catalog.quote_ident(owner)) IS NOT NULL
       AND pg_catalog.pg_has_role(caller, owner::name, 'MEMBER') THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'permission denied to change % "%"', object_type, code
        USING ERRCODE = '42501',
              DETAIL = format('Only members of its owner role %s or of retail_kpi_admin may change it; %s is neither.',
                              pg_catalog.quote_ident(owner), pg_catalog.quote_ident(caller));
END
$$;
COMMENT ON FUNCTION _catalog_require_owner(text, text, text) IS 'internal: permission check of the catalog API';

-- Raises 42501 unless the caller is a member of retail_kpi_admin.
CREATE OR REPLACE FUNCTION _catalog_require_admin(what text) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
BEGIN
    IF pg_catalog.to_regrole('retail_kpi_admin') IS NULL
       OR NOT pg_catalog.pg_has_role(retail_kpi.catalog_caller(), 'retail_kpi_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied to %', what
            USING ERRCODE = '42501', DETAIL = 'Only members of retail_kpi_admin may do this.';
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_require_admin(text) IS 'internal: raises 42501 unless the caller is a member of retail_kpi_admin';

