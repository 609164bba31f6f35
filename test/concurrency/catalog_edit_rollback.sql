-- test/concurrency/catalog_edit_rollback.sql: an edit that is rolled back must leave no history
\set m random(1, 3)
BEGIN;
SELECT retail_kpi.define_metric('edit_' || :m::int, 'Abandoned edit', measure => 'net_sales',
                                reason => 'pgbench rollback ' || txid_current());
ROLLBACK;
