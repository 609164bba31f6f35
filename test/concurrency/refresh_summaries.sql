-- test/concurrency/refresh_summaries.sql: the ETL rebuilds one day of stored summaries
-- (DELETE + INSERT in one transaction) while the rollups read them
\set d random(0, 365)
BEGIN;
-- two refreshes of the same day would race (both DELETE, then the second INSERT hits the primary
-- key): a real ETL serialises them per day, here with a transaction-level advisory lock
SELECT pg_advisory_xact_lock(20240101, :d::int);
DELETE FROM conc.daily_summary WHERE day = date '2024-01-01' + :d::int;
INSERT INTO conc.daily_summary
SELECT sale_date, store_id, region, retail_kpi.margin_agg(revenue, cost, units)
FROM conc.sales WHERE sale_date = date '2024-01-01' + :d::int GROUP BY 1, 2, 3;
END;
