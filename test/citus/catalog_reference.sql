-- test/citus/catalog_reference.sql: manual check of the catalog tables turned into Citus reference
-- tables (docs/scale-out.md, "Catalog tables as reference tables").  Not part of `make test`.
-- Run as a superuser on the COORDINATOR, naming a worker's port (same host and socket directory):
--
--     psql -X -v ON_ERROR_STOP=1 -v worker_port=55432 -f test/citus/catalog_reference.sql
--
-- It turns retail_kpi.catalog_history into a reference table, checks that catalog calls on the
-- coordinator get unique increasing ids from the coordinator's sequence, that a catalog call on a
-- worker is refused with a clear error (before: a duplicate key from the worker's own sequence),
-- which other catalog tables Citus refuses to convert, and that the conversion cannot be undone
-- (undistribute_table is refused: the extension depends on the table).  Use a THROWAWAY cluster:
-- catalog_history stays a reference table, and DROP EXTENSION retail_kpi then leaves its shard
-- tables behind on every node (drop them by hand before creating the extension again).
\set ON_ERROR_STOP 1
\set VERBOSITY default
SET client_min_messages = warning;
SET search_path = retail_kpi, public;
DELETE FROM dimensions WHERE code LIKE 'cr\_%';
DROP SCHEMA IF EXISTS rk_cr CASCADE;
CREATE SCHEMA rk_cr;
CREATE TABLE rk_cr.checks (n serial, name text, ok boolean, detail text);   -- a plain table on the coordinator

SELECT create_reference_table('retail_kpi.catalog_history')
WHERE NOT EXISTS (SELECT 1 FROM pg_dist_partition WHERE logicalrelid = 'retail_kpi.catalog_history'::regclass);
SELECT coalesce(max(id), 0) AS before_id FROM catalog_history \gset
SELECT define_dimension('cr_a', 'A'), define_dimension('cr_b', 'B'), define_dimension('cr_a', 'A again');
INSERT INTO rk_cr.checks (name, ok, detail)
SELECT 'coordinator: 3 new history rows, ids unique and increasing after the previous ones',
       count(*) = 3 AND count(DISTINCT id) = 3
       AND array_agg(id ORDER BY id) = array_agg(id ORDER BY changed_at, id),
       string_agg(id::text, ', ' ORDER BY id)
FROM catalog_history WHERE code LIKE 'cr\_%' AND id > :before_id;
INSERT INTO rk_cr.checks (name, ok, detail)
SELECT 'catalog_history is a reference table on every node', count(DISTINCT nodeport) >= 3, string_agg(DISTINCT nodeport::text, ', ')
FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid)
WHERE s.logicalrelid = 'retail_kpi.catalog_history'::regclass;   -- (citus_shards does not list extension tables)

-- the other catalog tables: what Citus does with them
DO $$
DECLARE
    t text;
    err text;
BEGIN
    FOREACH t IN ARRAY ARRAY['retail_kpi.metric_read_log', 'retail_kpi.preaggregates'] LOOP
        BEGIN
            PERFORM create_reference_table(t);
            err := NULL;
            RAISE EXCEPTION 'undo';              -- converted: undo it (the check then fails)
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS err = MESSAGE_TEXT;
        END;
        INSERT INTO rk_cr.checks (name, ok, detail) VALUES (t || ' is refused by Citus', err <> 'undo', err);
    END LOOP;
END
$$;

-- on a worker: the catalog call is refused before it writes anything
\set coordinator_port :PORT
\connect - - - :worker_port
SET search_path = retail_kpi, public;
\set ON_ERROR_STOP 0
SELECT define_dimension('cr_worker', 'On a worker');
\set ON_ERROR_STOP 1
SELECT :'LAST_ERROR_SQLSTATE' AS worker_state, :'LAST_ERROR_MESSAGE' AS worker_message \gset
\connect - - - :coordinator_port
SET search_path = retail_kpi, public;
INSERT INTO rk_cr.checks (name, ok, detail)
VALUES ('worker: a catalog call is refused (0A000, run it on the coordinator)',
        :'worker_state' = '0A000' AND :'worker_message' LIKE 'catalog table retail_kpi.catalog_history is a Citus table%',
        :'worker_state' || ' ' || :'worker_message');
INSERT INTO rk_cr.checks (name, ok, detail)
SELECT 'worker: nothing was written', count(*) = 0, NULL FROM catalog_history WHERE code = 'cr_worker' AND id > :before_id;

-- the conversion cannot be undone: undistribute_table recreates the table, which the extension owns
SELECT define_dimension('cr_c', 'C');
DO $$
DECLARE
    err text;
BEGIN
    PERFORM undistribute_table('retail_kpi.catalog_history');
    INSERT INTO rk_cr.checks (name, ok, detail) VALUES ('undistribute_table is refused', false, 'it was undistributed');
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS err = MESSAGE_TEXT;
    INSERT INTO rk_cr.checks (name, ok, detail) VALUES ('undistribute_table is refused', err = 'cannot alter table because an extension depends on it', err);
END
$$;
INSERT INTO rk_cr.checks (name, ok, detail)
SELECT 'coordinator again: 4 rows, ids unique and increasing', count(*) = 4 AND count(DISTINCT id) = 4
       AND array_agg(id ORDER BY id) = array_agg(id ORDER BY changed_at, id), string_agg(id::text, ', ' ORDER BY id)
FROM catalog_history WHERE code LIKE 'cr\_%' AND id > :before_id;
DELETE FROM dimensions WHERE code LIKE 'cr\_%';

SELECT n, name, CASE WHEN ok THEN 'ok' ELSE 'FAIL' END AS result, detail FROM rk_cr.checks ORDER BY n;
SELECT format('%s checks, %s failed', count(*), count(*) FILTER (WHERE NOT ok)) AS summary FROM rk_cr.checks;
DROP SCHEMA rk_cr CASCADE;
