-- src/header.sql: first part of the assembled install script retail_kpi--<version>.sql.
-- The Makefile concatenates src/<family>.sql in the order of FAMILIES.

\echo Use "CREATE EXTENSION retail_kpi" to load this file. \quit

COMMENT ON SCHEMA retail_kpi IS 'retail_kpi: retail KPI summaries, decompositions and the indicator center';
