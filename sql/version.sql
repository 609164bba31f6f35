-- sql/version.sql: the functions added in 0.2 (extension_version, summary_format_versions).
-- The upgrade from 0.1 itself is tested by test/t_upgrade.sh.
SET search_path = retail_kpi, public;

-- the installed version, as pg_extension records it; a fresh install is the default version
SELECT extension_version() = (SELECT extversion FROM pg_extension WHERE extname = 'retail_kpi') AS same_as_catalog,
       extension_version() = (SELECT default_version FROM pg_available_extensions WHERE name = 'retail_kpi') AS is_default;

-- every summary type of the extension (the *_summary base types of schema retail_kpi, found here by
-- name, array types left out), each writing format version 1 and reading version 1
SELECT (SELECT array_agg(summary_type::text ORDER BY summary_type::text) FROM summary_format_versions())
     = (SELECT array_agg(typname::text ORDER BY typname::text) FROM pg_type
        WHERE typnamespace = 'retail_kpi'::regnamespace AND typtype = 'b' AND typname LIKE '%\_summary' AND typname NOT LIKE '\_%')
       AS every_summary_type,
       (SELECT count(*) >= 4 FROM summary_format_versions()) AS at_least_four;
-- every type reads version 1; bridge_summary also reads version 2 (item groups, 0.3)
SELECT DISTINCT written_version, readable_versions FROM summary_format_versions() ORDER BY 1, 2;
SELECT summary_type FROM summary_format_versions() WHERE readable_versions <> '{1}';

-- a format version 1 literal of each family present reads back as written
SELECT '(v1,rows=3,revenue=150.75,cost=100.15,units=15)'::margin_summary::text;
SELECT '(v1,rows=1,numerator=2,denominator=8)'::ratio_summary::text;

-- declared properties
SELECT proname, provolatile, proisstrict, proparallel, prosecdef, obj_description(oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_proc WHERE pronamespace = 'retail_kpi'::regnamespace
  AND proname IN ('extension_version', 'summary_format_versions') ORDER BY 1;
