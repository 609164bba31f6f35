-- src/version.sql: the extension's own version and the formats of its summary types (added in 0.2;
-- existing 0.1 databases get the same objects from retail_kpi--0.1--0.2.sql).

-- extension_version(): the version of retail_kpi installed in this database (what ALTER EXTENSION
-- retail_kpi UPDATE last moved it to), so that a report or a BI data source can check which
-- definitions it runs on. Not named version(): pg_catalog.version() would win on any search_path.
CREATE FUNCTION extension_version() RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'retail_kpi' $$;
COMMENT ON FUNCTION extension_version() IS
  'the version of the retail_kpi extension installed in this database (pg_extension.extversion)';

-- summary_format_versions(): each summary type of the extension (the base types, found in the
-- catalog so that new families appear by themselves), the format version it writes and the format
-- versions it reads. Stored summaries of format version 1 stay readable in every later version.
-- bridge_summary (0.3) writes version 2 for a summary with item groups, version 1 otherwise.
CREATE FUNCTION summary_format_versions()
RETURNS TABLE(summary_type regtype, written_version int, readable_versions int[])
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT t.oid::pg_catalog.regtype, 1,
         CASE WHEN t.typname = 'bridge_summary' THEN ARRAY[1, 2] ELSE ARRAY[1] END
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = t.oid
                             AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'retail_kpi'
  WHERE t.typtype = 'b' AND t.typelem = 0
  ORDER BY t.typname
$$;
COMMENT ON FUNCTION summary_format_versions() IS
  'the summary types of retail_kpi with the format version each writes and the versions it reads (1 is readable forever)';
