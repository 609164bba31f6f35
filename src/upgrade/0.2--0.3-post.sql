-- src/upgrade/0.2--0.3-post.sql: last part of retail_kpi--0.2--0.3.sql (see src/upgrade/0.2--0.3.sql):
-- data migrations that need the functions of 0.3.

-- Stored SQL is regenerated, never trusted (docs/security.md, R11): the compiled_sql shown by the
-- catalog is rendered afresh, with qualified operators (R9), as a fresh install of 0.3 renders it.
UPDATE retail_kpi.measures me SET compiled_sql = (retail_kpi._catalog_compile_measure(me.aggregation, me.expression, me.filter)).sql;
UPDATE retail_kpi.metrics m SET compiled_sql = (retail_kpi._catalog_compile_metric(m.kind, m.definition)).sql
WHERE m.kind <> 'simple';
