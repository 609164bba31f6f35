#!/usr/bin/env bash
# test/bench/distinct.sh: exact distinct counts (distinct_agg / distinct_count / rollup) against the
# count(DISTINCT) a user would write, same run, warm session.
# Usage: test/bench/distinct.sh [rows (default 10000000)] [runs (default 5)]
# Uses the server in the PG* environment variables (e.g. a cluster from test/cluster.sh);
# the extension must be installed there.  Prints medians, ratios and sizes; asserts nothing.
#   1. distinct count of `rows` rows over 1,000,000 distinct keys (rows / 10 keys for fewer rows):
#      dense keys (customer ids 1..N in random order) and keys spread over the bigint range
#   2. customers per quarter x region: rollup of stored daily store summaries vs count(DISTINCT)
#      over the raw rows, and the answers compared
#   3. stored size of 1,000,000 dense keys and of other shapes
set -euo pipefail
rows=${1:-10000000}
runs=${2:-5}
keys=$((rows / 10))
here=$(cd "$(dirname "$0")" && pwd)
psql=(psql -X -q -v ON_ERROR_STOP=1)

echo "== data: $rows sale lines, $keys distinct customers, 200 stores in 8 regions, 364 days"
"${psql[@]}" <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS retail_kpi;
DROP TABLE IF EXISTS bench_lines, bench_daily_customers;
-- deterministic: every customer id 1..$keys appears 10 times in a scrambled order; the spread key
-- is a bijection of the customer id onto the bigint range, every key in its own 65536-key chunk
-- (c << 44 xor c: negative for half of them)
CREATE TABLE bench_lines AS
SELECT 1 + (g * 7919 % $keys) AS customer_id,
       ((1 + (g * 7919 % $keys)) << 44) # (1 + (g * 7919 % $keys)) AS spread_key,
       (g % 200) AS store_id,
       (g % 200) % 8 AS region_id,
       date '2024-01-01' + ((g * 31) % 364)::int AS sale_date
FROM generate_series(1::bigint, $rows) g;
VACUUM ANALYZE bench_lines;
SQL

echo "== 1. distinct count of $rows rows over $keys keys: median of $runs alternating runs"
for workers in 0 2; do
  "${psql[@]}" -P footer=off <<SQL
SET work_mem = '64MB';
\i $here/bench_lib.sql
\echo -- max_parallel_workers_per_gather = $workers, work_mem = 64MB
WITH r AS (
  SELECT * FROM pg_temp.rk_bench(jsonb_build_object(
    'a_ours_dense',    'SELECT retail_kpi.distinct_count(retail_kpi.distinct_agg(customer_id)) FROM bench_lines',
    'b_sql_dense',     'SELECT count(DISTINCT customer_id) FROM bench_lines',
    'c_ours_spread',   'SELECT retail_kpi.distinct_count(retail_kpi.distinct_agg(spread_key)) FROM bench_lines',
    'd_sql_spread',    'SELECT count(DISTINCT spread_key) FROM bench_lines',
    'e_floor',         'SELECT count(*) FROM bench_lines'), $runs, $workers))
SELECT o.label, o.median_ms, o.min_ms,
       round(o.median_ms / (SELECT i.median_ms FROM r i WHERE i.label =
             CASE WHEN o.label LIKE '%spread' THEN 'd_sql_spread' ELSE 'b_sql_dense' END), 2) AS vs_count_distinct
FROM r o ORDER BY o.label;
SQL
done
"${psql[@]}" -At <<'SQL'
SELECT 'same counts: ' || ((SELECT retail_kpi.distinct_count(retail_kpi.distinct_agg(customer_id)) FROM bench_lines)
                            = (SELECT count(DISTINCT customer_id) FROM bench_lines)
                       AND (SELECT retail_kpi.distinct_count(retail_kpi.distinct_agg(spread_key)) FROM bench_lines)
                            = (SELECT count(DISTINCT spread_key) FROM bench_lines))::text;
SQL

echo "== 1b. the same queries in backend CPU time (utime + stime of /proc/self/stat: less sensitive to"
echo "       other jobs on the machine than wall-clock time; needs a superuser), serial, 3 runs each"
"${psql[@]}" -P footer=off <<'SQL'
SET work_mem = '64MB';
SET max_parallel_workers_per_gather = 0;
CREATE FUNCTION pg_temp.cpu_ms() RETURNS bigint LANGUAGE sql AS $$
  SELECT (split_part(x, ' ', 12)::bigint + split_part(x, ' ', 13)::bigint) * 1000
         / current_setting('rk.clk_tck')::bigint
  FROM (SELECT split_part(pg_read_file('/proc/self/stat'), ') ', 2) AS x) t $$;
CREATE FUNCTION pg_temp.cpu_of(q text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE t0 bigint;
BEGIN
  t0 := pg_temp.cpu_ms();
  EXECUTE 'SELECT count(b.*) FROM (' || q || ') b';
  RETURN pg_temp.cpu_ms() - t0;
END $$;
SET rk.clk_tck = 100;   -- USER_HZ on Linux
SELECT label, cpu_ms[1] || ', ' || cpu_ms[2] || ', ' || cpu_ms[3] AS cpu_ms_runs,
       (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(cpu_ms) x) AS median_cpu_ms
FROM (SELECT label, ARRAY[pg_temp.cpu_of(q), pg_temp.cpu_of(q), pg_temp.cpu_of(q)] AS cpu_ms
      FROM (VALUES ('a_ours_dense', 'SELECT retail_kpi.distinct_count(retail_kpi.distinct_agg(customer_id)) FROM bench_lines'),
                   ('b_sql_dense', 'SELECT count(DISTINCT customer_id) FROM bench_lines'),
                   ('c_ours_spread', 'SELECT retail_kpi.distinct_count(retail_kpi.distinct_agg(spread_key)) FROM bench_lines'),
                   ('d_sql_spread', 'SELECT count(DISTINCT spread_key) FROM bench_lines'),
                   ('e_floor', 'SELECT count(*) FROM bench_lines')) v(label, q)) t
ORDER BY label;
SQL

echo "== 2. customers per quarter x region: stored daily store summaries vs the raw rows"
"${psql[@]}" -P footer=off <<SQL
SET work_mem = '64MB';
CREATE TABLE bench_daily_customers AS
SELECT sale_date, store_id, region_id, retail_kpi.distinct_agg(customer_id) AS customers
FROM bench_lines GROUP BY 1, 2, 3;
VACUUM ANALYZE bench_daily_customers;
SELECT count(*) AS daily_summaries, pg_size_pretty(pg_total_relation_size('bench_daily_customers')) AS stored,
       pg_size_pretty(pg_total_relation_size('bench_lines')) AS raw_rows
FROM bench_daily_customers;
\i $here/bench_lib.sql
WITH r AS (
  SELECT * FROM pg_temp.rk_bench(jsonb_build_object(
    'a_rollup_daily', 'SELECT date_trunc(''quarter'', sale_date), region_id, retail_kpi.distinct_count(retail_kpi.rollup(customers)) FROM bench_daily_customers GROUP BY 1, 2',
    'b_raw_ours',     'SELECT date_trunc(''quarter'', sale_date), region_id, retail_kpi.distinct_count(retail_kpi.distinct_agg(customer_id)) FROM bench_lines GROUP BY 1, 2',
    'c_raw_sql',      'SELECT date_trunc(''quarter'', sale_date), region_id, count(DISTINCT customer_id) FROM bench_lines GROUP BY 1, 2'), $runs, 0))
SELECT label, median_ms, min_ms,
       round((SELECT median_ms FROM r WHERE label = 'c_raw_sql') / median_ms, 1) AS times_faster_than_raw_sql
FROM r ORDER BY label;
-- the stored-summary answer is identical to the raw one
SELECT count(*) AS cells, count(*) FILTER (WHERE a.n = b.n) AS identical
FROM (SELECT date_trunc('quarter', sale_date) q, region_id, retail_kpi.distinct_count(retail_kpi.rollup(customers)) n
      FROM bench_daily_customers GROUP BY 1, 2) a
JOIN (SELECT date_trunc('quarter', sale_date) q, region_id, count(DISTINCT customer_id) n
      FROM bench_lines GROUP BY 1, 2) b USING (q, region_id);
SQL

echo "== 3. stored size (pg_column_size) of 1,000,000 keys of several shapes (8 bytes a key = 8,000,000)"
"${psql[@]}" -P footer=off <<'SQL'
SELECT shape, pg_column_size(s) AS bytes, round(pg_column_size(s) / 1e6, 3) AS bytes_per_key,
       retail_kpi.distinct_count(s) AS keys
FROM (SELECT 'dense 1..1M' AS shape, retail_kpi.distinct_agg(g) s FROM generate_series(1::bigint, 1000000) g
      UNION ALL SELECT 'every 2nd', retail_kpi.distinct_agg(g * 2) FROM generate_series(1::bigint, 1000000) g
      UNION ALL SELECT 'every 3rd', retail_kpi.distinct_agg(g * 3) FROM generate_series(1::bigint, 1000000) g
      UNION ALL SELECT '1M of 16M at random', retail_kpi.distinct_agg(DISTINCT (hashint8(g)::bigint & 16777215))
                FROM generate_series(1::bigint, 1040000) g
      UNION ALL SELECT 'every 100th', retail_kpi.distinct_agg(g * 100) FROM generate_series(1::bigint, 1000000) g
      UNION ALL SELECT 'spread over bigint', retail_kpi.distinct_agg((g << 44) # g) FROM generate_series(1::bigint, 1000000) g) t
ORDER BY 1;
DROP TABLE bench_lines, bench_daily_customers;
SQL
