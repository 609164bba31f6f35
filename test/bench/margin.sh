#!/usr/bin/env bash
# test/bench/margin.sh: gross_margin_rate() against the hand-written SQL and the count(*) floor.
# Usage: test/bench/margin.sh [rows (default 3000000)] [runs (default 7)]
# Uses the server in the PG* environment variables (e.g. a cluster from test/cluster.sh);
# the extension must be installed there.  Prints medians and ratios; asserts nothing.
set -euo pipefail
rows=${1:-3000000}
runs=${2:-7}
here=$(cd "$(dirname "$0")" && pwd)
psql=(psql -X -q -v ON_ERROR_STOP=1)

"${psql[@]}" <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS retail_kpi;
DROP TABLE IF EXISTS bench_sales, bench_daily;
-- deterministic synthetic sales lines: 1000 stores, 8 categories, 365 days, money with cents
CREATE TABLE bench_sales AS
SELECT (g % 1000) AS store,
       (g % 8) AS category,
       date '2024-01-01' + (g / 1000 % 365)::int AS day,
       round(((g * 7919 % 10007) / 100.0 + 1)::numeric, 2)::numeric(14,2) AS revenue,
       round(((g * 7919 % 10007) / 160.0 + (g % 13) / 10.0)::numeric, 2)::numeric(14,2) AS cost
FROM generate_series(1::bigint, $rows) g;
VACUUM ANALYZE bench_sales;
SQL

echo "== gross margin by store: $rows rows x 1000 groups, median of $runs alternating runs"
for workers in 0 2; do
  "${psql[@]}" -P footer=off <<SQL
\i $here/bench_lib.sql
\echo -- max_parallel_workers_per_gather = $workers
WITH r AS (
  SELECT * FROM pg_temp.rk_bench(jsonb_build_object(
    'a_ours',  'SELECT store, retail_kpi.gross_margin_rate(revenue, cost) FROM bench_sales GROUP BY store',
    'b_hand',  'SELECT store, ((sum(revenue) - sum(cost)) / nullif(sum(revenue), 0))::float8 FROM bench_sales GROUP BY store',
    'c_floor', 'SELECT store, count(*) FROM bench_sales GROUP BY store'), $runs, $workers))
SELECT label, median_ms, min_ms,
       round(median_ms / (SELECT median_ms FROM r WHERE label = 'b_hand'), 2) AS vs_hand,
       round(median_ms / (SELECT median_ms FROM r WHERE label = 'c_floor'), 2) AS vs_floor
FROM r ORDER BY label;
SQL
done

echo "== month x category: rollup of a stored daily summary table vs the raw scan"
"${psql[@]}" -P footer=off <<SQL
CREATE TABLE bench_daily AS
SELECT day, store, category, retail_kpi.margin_agg(revenue, cost) AS s
FROM bench_sales GROUP BY day, store, category;
VACUUM ANALYZE bench_daily;
\i $here/bench_lib.sql
WITH r AS (
  SELECT * FROM pg_temp.rk_bench(jsonb_build_object(
    'a_rollup_daily', 'SELECT date_trunc(''month'', day), category, retail_kpi.margin_rate(retail_kpi.rollup(s)) FROM bench_daily GROUP BY 1, 2',
    'b_raw_ours',     'SELECT date_trunc(''month'', day), category, retail_kpi.gross_margin_rate(revenue, cost) FROM bench_sales GROUP BY 1, 2',
    'c_raw_hand',     'SELECT date_trunc(''month'', day), category, ((sum(revenue) - sum(cost)) / nullif(sum(revenue), 0))::float8 FROM bench_sales GROUP BY 1, 2'), $runs, 0))
SELECT label, median_ms, min_ms,
       round(median_ms / (SELECT median_ms FROM r WHERE label = 'c_raw_hand'), 3) AS vs_raw_hand
FROM r ORDER BY label;
-- the stored-summary answer is identical to the raw one
SELECT count(*) AS cells,
       count(*) FILTER (WHERE a.m IS NOT DISTINCT FROM b.m) AS identical
FROM (SELECT date_trunc('month', day) mo, category, retail_kpi.margin_rate(retail_kpi.rollup(s)) m FROM bench_daily GROUP BY 1, 2) a
JOIN (SELECT date_trunc('month', day) mo, category, retail_kpi.gross_margin_rate(revenue, cost) m FROM bench_sales GROUP BY 1, 2) b
USING (mo, category);
DROP TABLE bench_sales, bench_daily;
SQL
