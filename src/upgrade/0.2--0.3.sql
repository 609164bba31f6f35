-- src/upgrade/0.2--0.3.sql: first part of the upgrade script retail_kpi--0.2--0.3.sql, assembled by
-- the Makefile (docs/versioning.md): the changes to objects that exist in 0.2 and cannot be replayed
-- from the install script's parts (checks, DROPs of functions whose signature changes, table
-- migrations).  After it come the families new in 0.3, every catalog code file (CREATE OR REPLACE)
-- and src/upgrade/0.2--0.3-post.sql.

\echo Use "ALTER EXTENSION retail_kpi UPDATE TO '0.3'" to load this file. \quit

-- =============================================================================================
-- Indicator center: checks and catalog table migrations (docs/security.md)
-- =============================================================================================

-- (end of the indicator center section)


-- =============================================================================================
-- C families: changes to the families that exist in 0.2 (new overloads, changed comments)
-- =============================================================================================

-- (end of the C families section)
