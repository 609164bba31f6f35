-- sql/catalog_preaggregate_governance.sql: governance of pre-aggregates (issue 13): reassign_catalog_owner
-- and reassign_catalog_objects move pre-aggregates (the new owner may refresh, the old one may not);
-- check_catalog() reports pre-aggregates whose owner role was dropped, whose definition is out of
-- date, whose table or source relation is gone, whose triggers were dropped or disabled, whose table
-- belongs to another role; the status shows missing triggers; triggers are recognised by function
-- and argument (any name), and drop_preaggregate removes them.
SET search_path = retail_kpi, public;
\set VERBOSITY terse
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metric_grants;
DELETE FROM metrics; DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions; DELETE FROM trusted_roles;

CREATE ROLE rk_pg_author;
CREATE ROLE rk_pg_other;
CREATE ROLE rk_pg_gone;
GRANT retail_kpi_author TO rk_pg_author, rk_pg_other, rk_pg_gone;
CREATE SCHEMA rk_pg;
GRANT USAGE ON SCHEMA rk_pg TO PUBLIC;
-- 10 days (Jan 1 - Jan 10 2025) x 3 stores
CREATE TABLE rk_pg.sales (sale_date date, store int, revenue numeric);
INSERT INTO rk_pg.sales SELECT DATE '2025-01-01' + d % 10, d % 3, d FROM generate_series(0, 59) d;
CREATE VIEW rk_pg.sales_view AS SELECT * FROM rk_pg.sales;
GRANT SELECT ON rk_pg.sales, rk_pg.sales_view TO rk_pg_author, rk_pg_other;

SET ROLE rk_pg_author;
SELECT define_dimension('store', 'Store');
SELECT define_source('pg_sales', 'rk_pg.sales', 'sale_date', '{"store": "store"}');
SELECT define_source('pg_view', 'rk_pg.sales_view', 'sale_date', '{"store": "store"}');
SELECT define_measure('revenue', 'pg_sales', 'sum', 'revenue');
SELECT define_measure('view_revenue', 'pg_view', 'sum', 'revenue');
SELECT define_preaggregate('pg_day', 'pg_sales', '{store}');
SELECT define_preaggregate('pg_total', 'pg_sales', '{}', '{revenue}', 'month');
SELECT define_preaggregate('pg_view_day', 'pg_view', '{store}');
SELECT code, refresh_preaggregate(code) FROM preaggregates ORDER BY code;   -- 10 x 3, 1, 10 x 3
RESET ROLE;
-- nothing to report
SELECT * FROM check_catalog() WHERE object_type = 'preaggregate';
SELECT code, state FROM preaggregate_status ORDER BY code;

-- ---- reassigning one pre-aggregate: the new owner may refresh it, the old one may not
SELECT reassign_catalog_owner('preaggregate', 'pg_day', 'rk_pg_other', 'handover');
SELECT code, owner FROM preaggregates ORDER BY code;
SELECT code, action, old_definition->>'owner' AS old_owner, new_definition->>'owner' AS new_owner, reason
FROM catalog_history WHERE object_type = 'preaggregate' AND action = 'owner';
SET ROLE rk_pg_author;
SELECT refresh_preaggregate('pg_day');                                        -- 42501
SELECT reassign_catalog_owner('preaggregate', 'pg_day', 'rk_pg_author');      -- 42501: stewards only
SET ROLE rk_pg_other;
SELECT refresh_preaggregate('pg_day');                                        -- 30
RESET ROLE;
SELECT reassign_catalog_owner('preaggregate', 'no_such', 'rk_pg_author');     -- 42704
SELECT reassign_catalog_owner('preagg', 'pg_day', 'rk_pg_author');            -- 22023
-- every object of a role: the pre-aggregate is the only one of rk_pg_other
SELECT reassign_catalog_objects('rk_pg_other', 'rk_pg_author', 'back');       -- 1
SELECT code, owner FROM preaggregates ORDER BY code;

-- ---- an owner role dropped: reported as orphaned, handed over by its OID
SELECT reassign_catalog_owner('preaggregate', 'pg_total', 'rk_pg_gone');
DROP ROLE rk_pg_gone;
SELECT problem, object_type, code FROM check_catalog() WHERE object_type = 'preaggregate';
SELECT owner::oid AS gone_oid FROM preaggregates WHERE code = 'pg_total' \gset
SELECT reassign_catalog_objects(:'gone_oid', 'rk_pg_author', 'orphan');       -- 1
SELECT code, owner FROM preaggregates ORDER BY code;

-- ---- triggers: the source's owner (here a superuser) drops one and disables another: changes are no longer recorded
SELECT t.name AS delete_trigger FROM _preaggregate_triggers('pg_day', 'rk_pg.sales'::regclass) t WHERE t.event = 'delete' \gset
SELECT t.name AS update_trigger FROM _preaggregate_triggers('pg_day', 'rk_pg.sales'::regclass) t WHERE t.event = 'update' \gset
DROP TRIGGER :"delete_trigger" ON rk_pg.sales;
ALTER TABLE rk_pg.sales DISABLE TRIGGER :"update_trigger";
SELECT * FROM check_catalog() WHERE object_type = 'preaggregate';
SELECT code, state FROM preaggregate_status ORDER BY code;
-- put back: a trigger of any name calling the function with the pre-aggregate's code counts
CREATE TRIGGER my_own_name AFTER DELETE ON rk_pg.sales REFERENCING OLD TABLE AS rk_old
    FOR EACH STATEMENT EXECUTE FUNCTION retail_kpi._preaggregate_invalidate('pg_day');
ALTER TABLE rk_pg.sales ENABLE TRIGGER :"update_trigger";
SELECT * FROM check_catalog() WHERE object_type = 'preaggregate';
SELECT code, state FROM preaggregate_status ORDER BY code;
DELETE FROM rk_pg.sales WHERE sale_date = '2025-01-03' AND store = 0;
SELECT preaggregate, period_start FROM preaggregate_invalidations ORDER BY 1, 2;

-- ---- a redefined measure, a table given to another role, a table dropped by hand, a source dropped
SET ROLE rk_pg_author;
SELECT define_measure('view_revenue', 'pg_view', 'sum', 'revenue * 2');
RESET ROLE;
ALTER TABLE retail_kpi_preagg.pg_total OWNER TO rk_pg_other;
SELECT problem, object_type, code FROM check_catalog() WHERE object_type = 'preaggregate';
SELECT detail LIKE 'table retail_kpi_preagg.pg_total belongs to rk_pg_other, not to the extension''s owner %: refreshes fail' AS owner_detail
FROM check_catalog() WHERE problem = 'foreign_table_owner';
SELECT state FROM preaggregate_status WHERE code = 'pg_view_day';
DO $$ BEGIN
    EXECUTE format('ALTER TABLE retail_kpi_preagg.pg_total OWNER TO %I',
                   (SELECT extowner::regrole FROM pg_extension WHERE extname = 'retail_kpi'));
END $$;
DROP TABLE retail_kpi_preagg.pg_view_day;
SELECT problem, object_type, code, regexp_replace(detail, '[0-9]+', 'N') AS detail
FROM check_catalog() WHERE object_type = 'preaggregate';
DROP VIEW rk_pg.sales_view;
SELECT problem, object_type, code, regexp_replace(detail, '[0-9]+', 'N') AS detail
FROM check_catalog() WHERE object_type = 'preaggregate';

-- ---- drop: triggers of any name go, a missing table or source is fine
SET ROLE rk_pg_author;
SELECT code, drop_preaggregate(code, 'done') FROM preaggregates ORDER BY code;
SELECT count(*) AS triggers_left FROM pg_trigger WHERE tgrelid = 'rk_pg.sales'::regclass;
RESET ROLE;
SELECT code, action, new_definition->>'owner' AS new_owner, reason FROM catalog_history WHERE object_type = 'preaggregate' ORDER BY id;
SELECT * FROM check_catalog() WHERE object_type = 'preaggregate';

DELETE FROM catalog_history; DELETE FROM metrics; DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;
DROP SCHEMA rk_pg CASCADE;
DROP ROLE rk_pg_author, rk_pg_other;
