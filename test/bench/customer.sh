#!/usr/bin/env bash
# test/bench/customer.sh: repurchase rate by region per quarter, from stored daily store customer
# summaries (rollup) against the plain SQL over the raw purchase rows, and customer_agg over the raw
# rows.  Usage: test/bench/customer.sh [rows (default 2000000)] [runs (default 5)]
# Uses the server in the PG* environment variables (e.g. a cluster from test/cluster.sh);
# the extension must be installed there.  Prints medians and ratios, checks that the answers are
# identical; asserts nothing about time.
set -euo pipefail
rows=${1:-2000000}
runs=${2:-5}
here=$(cd "$(dirname "$0")" && pwd)
psql=(psql -X -q -v ON_ERROR_STOP=1)

"${psql[@]}" <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS retail_kpi;
DROP TABLE IF EXISTS bench_purchases, bench_cust_daily;
-- deterministic synthetic member purchase lines (setseed): 200 stores in 8 regions, 365 days, up to
-- 1,000,000 members with a skewed activity (member id = 10^6 * random()^3: a few heavy buyers, many
-- who buy once or twice a year) who buy at their home store (1 line in 10 at another store)
SELECT setseed(0.5) \gset
CREATE TABLE bench_purchases AS
SELECT day, store, store % 8 AS region, customer, amount
FROM (SELECT date '2024-01-01' + floor(random() * 365)::int AS day, c AS customer,
             CASE WHEN random() < 0.1 THEN floor(random() * 200)::int ELSE (c % 200)::int END AS store,
             round((random() * 200 + 1)::numeric, 2)::numeric(14,2) AS amount
      FROM (SELECT floor(1000000 * random() ^ 3)::bigint AS c FROM generate_series(1, $rows)) g) t;
VACUUM ANALYZE bench_purchases;
SQL

echo "== stored daily store summaries: build once"
"${psql[@]}" -P footer=off <<SQL
\timing on
CREATE TABLE bench_cust_daily AS
SELECT day, store, region, retail_kpi.customer_agg(customer, day, amount) AS s
FROM bench_purchases GROUP BY day, store, region;
\timing off
VACUUM ANALYZE bench_cust_daily;
SELECT count(*) AS daily_summaries, pg_size_pretty(pg_total_relation_size('bench_cust_daily')) AS size,
       (SELECT count(*) FROM bench_purchases) AS raw_rows,
       pg_size_pretty(pg_total_relation_size('bench_purchases')) AS raw_size
FROM bench_cust_daily;
SQL

echo "== repurchase rate by region x quarter: $rows rows, median of $runs alternating runs"
for workers in 0 2; do
  "${psql[@]}" -P footer=off <<SQL
\i $here/bench_lib.sql
\echo -- max_parallel_workers_per_gather = $workers
WITH r AS (
  SELECT * FROM pg_temp.rk_bench(jsonb_build_object(
    'a_rollup_daily', 'SELECT region, date_trunc(''quarter'', day), retail_kpi.repurchase_rate(retail_kpi.rollup(s)) FROM bench_cust_daily GROUP BY 1, 2',
    'b_raw_ours',     'SELECT region, date_trunc(''quarter'', day), retail_kpi.repurchase_rate(retail_kpi.customer_agg(customer, day, amount)) FROM bench_purchases GROUP BY 1, 2',
    'c_raw_hand',     'SELECT region, q, (count(*) FILTER (WHERE n >= 2))::float8 / count(*) FROM (SELECT region, date_trunc(''quarter'', day) q, customer, count(DISTINCT day) n FROM bench_purchases GROUP BY 1, 2, 3) x GROUP BY 1, 2'),
    $runs, $workers))
SELECT label, median_ms, min_ms,
       round(median_ms / (SELECT median_ms FROM r WHERE label = 'c_raw_hand'), 3) AS vs_raw_hand
FROM r ORDER BY label;
SQL
done

"${psql[@]}" -P footer=off <<SQL
-- the three answers are identical
SELECT count(*) AS cells,
       count(*) FILTER (WHERE a.rate = b.rate AND b.rate = c.rate) AS identical,
       round(min(a.rate)::numeric, 4) AS min_rate, round(max(a.rate)::numeric, 4) AS max_rate
FROM (SELECT region, date_trunc('quarter', day) q, retail_kpi.repurchase_rate(retail_kpi.rollup(s)) rate
      FROM bench_cust_daily GROUP BY 1, 2) a
JOIN (SELECT region, date_trunc('quarter', day) q,
             retail_kpi.repurchase_rate(retail_kpi.customer_agg(customer, day, amount)) rate
      FROM bench_purchases GROUP BY 1, 2) b USING (region, q)
JOIN (SELECT region, q, (count(*) FILTER (WHERE n >= 2))::float8 / count(*) rate
      FROM (SELECT region, date_trunc('quarter', day) q, customer, count(DISTINCT day) n
            FROM bench_purchases GROUP BY 1, 2, 3) x GROUP BY 1, 2) c USING (region, q);
DROP TABLE bench_purchases, bench_cust_daily;
SQL
