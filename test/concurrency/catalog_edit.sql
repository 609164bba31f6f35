-- test/concurrency/catalog_edit.sql: the owner changes a metric (label and definition, with a
-- reason) and logs the change in conc.edit_log in the same transaction
\set m random(1, 3)
\set flip random(0, 1)
BEGIN;
SELECT retail_kpi.define_metric('edit_' || :m::int, 'Edited metric ' || :m::int || ' at ' || txid_current(),
                                measure => CASE WHEN :flip::int = 1 THEN 'net_cost' ELSE 'net_sales' END,
                                reason => 'pgbench edit ' || txid_current());
INSERT INTO conc.edit_log (metric, reason, label)
VALUES ('edit_' || :m::int, 'pgbench edit ' || txid_current(), 'Edited metric ' || :m::int || ' at ' || txid_current());
END;
