#!/usr/bin/env bash
# test/bench/preaggregate.sh: pre-aggregates and routing (issue 13, docs/routing.md), three questions
# in one run on warm sessions, medians of `runs` alternating runs (test/bench/bench_lib.sql):
#  A. the scorecard request (net sales, gross margin rate, conversion, inventory turnover, GMROI by
#     region x retail quarter, with the same period last year) over `rows` synthetic sales lines
#     (default 10,000,000, about 3 years of 200 stores): metric_values routed to day x store
#     pre-aggregates, to day x store x category ones, and from raw rows; identical rows checked;
#  B. incremental refresh of one new day with 1 and with 3 years of history;
#  C. routing overhead: month x category gross margin from 29,200 stored daily margin summaries
#     (2,000,000 raw rows), metric_values routed against the same rollup written by hand.
# Usage: test/bench/preaggregate.sh [rows (default 10000000)] [runs (default 7)]
#   RK_BENCH_PARTS="A B C" (default) selects the parts; RK_BENCH_KEEP=1 keeps database rk_bench_preagg.
# Uses the server in the PG* environment variables (e.g. a cluster from test/cluster.sh); the
# extension must be installed there.  Prints medians and ratios; asserts nothing about time.
set -euo pipefail
rows=${1:-10000000}
runs=${2:-7}
here=$(cd "$(dirname "$0")" && pwd)
db=rk_bench_preagg
parts=${RK_BENCH_PARTS:-A B C}
part() { [[ " $parts " == *" $1 "* ]]; }
psql=(psql -X -q -v ON_ERROR_STOP=1 -d "$db")
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"

echo "== data: $rows sales lines, 200 stores in 8 regions, 40 categories; daily traffic; weekly stock"
"${psql[@]}" <<SQL
\timing on
SET client_min_messages = warning;
CREATE EXTENSION retail_kpi;
-- 45 lines per store and day (15 transactions of 3 lines), days from 2023-01-01
CREATE TABLE bench_stores AS SELECT s AS store_id, 'region ' || (s % 8) AS region FROM generate_series(0, 199) s;
ALTER TABLE bench_stores ADD PRIMARY KEY (store_id);
CREATE TABLE bench_sales AS
SELECT DATE '2023-01-01' + (i / 9000)::int AS sale_date, ((i / 45) % 200)::int AS store_id, ((i * 13) % 40)::int AS category,
       i / 3 AS transaction_id, (i % 5 + 1)::int AS units,
       round(((i * 7919) % 9973) / 100.0 + 1, 2) AS revenue,
       round((((i * 7919) % 9973) / 100.0 + 1) * (0.5 + ((i * 31) % 40) / 100.0), 2) AS cost
FROM generate_series(0::bigint, $rows - 1) i;
CREATE INDEX ON bench_sales (sale_date);
CREATE TABLE bench_traffic AS
SELECT d::date AS traffic_date, s AS store_id, 400 + (s * 7 + (d::date - DATE '2023-01-01') * 3) % 200 AS visitors
FROM generate_series(DATE '2023-01-01', (SELECT max(sale_date) FROM bench_sales), interval '1 day') d, generate_series(0, 199) s;
CREATE INDEX ON bench_traffic (traffic_date);
CREATE TABLE bench_stock AS
SELECT d::date AS snapshot_date, s AS store_id, (50000 + (s * 37 + (d::date - DATE '2023-01-01') * 11) % 20000)::numeric AS on_hand_cost,
       (5000 + (s * 13 + (d::date - DATE '2023-01-01')) % 2000)::numeric AS on_hand_units
FROM generate_series(DATE '2023-01-01', (SELECT max(sale_date) FROM bench_sales), interval '7 days') d, generate_series(0, 199) s;
CREATE INDEX ON bench_stock (snapshot_date);
VACUUM ANALYZE bench_stores; VACUUM ANALYZE bench_sales; VACUUM ANALYZE bench_traffic; VACUUM ANALYZE bench_stock;
SELECT min(sale_date), max(sale_date), count(*) FROM bench_sales;
\timing off

SET search_path = retail_kpi, public;
SELECT define_dimension('region', 'Region') IS NOT NULL AS ok \gset
SELECT define_dimension('category', 'Category') IS NOT NULL AS ok \gset
SELECT define_dimension('store', 'Store', dimension_table => 'public.bench_stores', key_column => 'store_id',
                        attributes => '{"region": "region"}') IS NOT NULL AS ok \gset
SELECT define_source('b_sales', 'public.bench_sales', 'sale_date', '{"store": "store_id", "category": "category"}') IS NOT NULL AS ok \gset
SELECT define_source('b_traffic', 'public.bench_traffic', 'traffic_date', '{"store": "store_id"}') IS NOT NULL AS ok \gset
SELECT define_source('b_stock', 'public.bench_stock', 'snapshot_date', '{"store": "store_id"}') IS NOT NULL AS ok \gset
SELECT define_measure('net_sales', 'b_sales', 'sum', 'revenue') IS NOT NULL AS ok \gset
SELECT define_measure('sales_summary', 'b_sales', 'margin_agg', 'revenue, cost, units') IS NOT NULL AS ok \gset
-- distinct transactions: a count_distinct measure of an integer key, stored in a pre-aggregate as a
-- distinct summary (a transaction is counted once per quarter however many days it spans)
SELECT define_measure('transactions', 'b_sales', 'count_distinct', 'transaction_id') IS NOT NULL AS ok \gset
SELECT define_measure('visitors', 'b_traffic', 'sum', 'visitors') IS NOT NULL AS ok \gset
SELECT define_measure('stock_summary', 'b_stock', 'stock_agg', 'snapshot_date, on_hand_cost, on_hand_units') IS NOT NULL AS ok \gset
SELECT count(*) FILTER (WHERE installed) AS standard_metrics FROM install_standard_metrics();
SQL

scorecard="'{net_sales,gross_margin_rate,conversion_rate,inventory_turnover,gmroi}', '{region}', NULL, '2025-08-03', '2025-11-01', 'retail_quarter', 'same_period_last_year'"

if part A; then
echo
echo "== A. the scorecard request: build the pre-aggregates (once)"
"${psql[@]}" <<SQL
SET search_path = retail_kpi, public;
SET client_min_messages = warning;
\timing on
SELECT define_preaggregate('b_sales_day_store', 'b_sales', '{store}');
SELECT refresh_preaggregate('b_sales_day_store');
SELECT define_preaggregate('b_traffic_day_store', 'b_traffic', '{store}');
SELECT refresh_preaggregate('b_traffic_day_store');
SELECT define_preaggregate('b_stock_day_store', 'b_stock', '{store}');
SELECT refresh_preaggregate('b_stock_day_store');
\timing off
SELECT code, rows, pg_size_pretty(size_bytes) AS size FROM preaggregate_status ORDER BY code;
SELECT regexp_replace(l, '^-- retail_kpi routing: ', '') AS routing
FROM regexp_split_to_table(metric_sql($scorecard), E'\n') l WHERE l LIKE '-- retail_kpi routing:%';
SQL

echo
echo "== A. identical rows, routed and raw (rows of each side missing from the other: both 0)"
"${psql[@]}" -P footer=off <<SQL
SET search_path = retail_kpi, public;
CREATE TEMP TABLE r1 AS SELECT * FROM metric_values($scorecard);
CREATE TEMP TABLE r2 AS SELECT * FROM metric_values($scorecard, routing => 'raw');
SELECT (SELECT count(*) FROM r1) AS rows, (SELECT count(*) FROM (SELECT * FROM r1 EXCEPT ALL SELECT * FROM r2) x) AS routed_only,
       (SELECT count(*) FROM (SELECT * FROM r2 EXCEPT ALL SELECT * FROM r1) x) AS raw_only;
SQL

echo
echo "== A. timings: day x store pre-aggregates vs raw rows (median of $runs, ms; no parallel workers)"
echo "      each request warm, in a block of its own: a raw request reads ~150 MB of sales lines through"
echo "      shared buffers and evicts the pre-aggregate's pages, which a dashboard repeating its request"
echo "      does not see; the alternating runs (rk_bench's usual order) follow for comparison"
"${psql[@]}" -P footer=off <<SQL
\i $here/bench_lib.sql
SELECT * FROM pg_temp.rk_bench(jsonb_build_object(
  'routed (day x store), warm block', \$q\$SELECT * FROM retail_kpi.metric_values($scorecard)\$q\$), $runs, 0);
SELECT * FROM pg_temp.rk_bench(jsonb_build_object(
  'raw rows, warm block',             \$q\$SELECT * FROM retail_kpi.metric_values($scorecard, routing => 'raw')\$q\$), $runs, 0);
SELECT * FROM pg_temp.rk_bench(jsonb_build_object(
  'routed (day x store), alternating', \$q\$SELECT * FROM retail_kpi.metric_values($scorecard)\$q\$,
  'raw rows, alternating',             \$q\$SELECT * FROM retail_kpi.metric_values($scorecard, routing => 'raw')\$q\$), $runs, 0);
SQL

echo
echo "== A. the same in backend CPU time (utime + stime of /proc/self/stat, less disturbed by other jobs"
echo "      on the machine; needs a superuser): ms per request, averaged over 20 routed and 3 raw runs"
"${psql[@]}" -P footer=off <<SQL
CREATE FUNCTION pg_temp.cpu_ms() RETURNS bigint LANGUAGE sql AS \$\$
  SELECT (split_part(x, ' ', 12)::bigint + split_part(x, ' ', 13)::bigint) * 10   -- USER_HZ = 100
  FROM (SELECT split_part(pg_read_file('/proc/self/stat'), ') ', 2) AS x) t \$\$;
CREATE FUNCTION pg_temp.cpu_per_run(q text, n int) RETURNS numeric LANGUAGE plpgsql AS \$\$
DECLARE t0 bigint;
BEGIN
  EXECUTE 'SELECT count(b.*) FROM (' || q || ') b';      -- warm
  t0 := pg_temp.cpu_ms();
  FOR i IN 1 .. n LOOP
    EXECUTE 'SELECT count(b.*) FROM (' || q || ') b';
  END LOOP;
  RETURN round((pg_temp.cpu_ms() - t0)::numeric / n, 1);
END \$\$;
SET max_parallel_workers_per_gather = 0;   -- the raw request's CPU would otherwise partly be its workers'
SELECT pg_temp.cpu_per_run(\$q\$SELECT * FROM retail_kpi.metric_values($scorecard)\$q\$, 20) AS routed_cpu_ms,
       pg_temp.cpu_per_run(\$q\$SELECT * FROM retail_kpi.metric_values($scorecard, routing => 'raw')\$q\$, 3) AS raw_cpu_ms;
SQL

echo
echo "== A'. the same request from day x store x category pre-aggregates of the sales (store ones dropped)"
"${psql[@]}" -P footer=off <<SQL
\i $here/bench_lib.sql
SET search_path = retail_kpi, public;
SET client_min_messages = warning;
SELECT drop_preaggregate('b_sales_day_store');
SELECT define_preaggregate('b_sales_day_store_cat', 'b_sales', '{store,category}') IS NOT NULL AS ok \gset
SELECT refresh_preaggregate('b_sales_day_store_cat') AS rows_written;
SELECT regexp_replace(l, '^-- retail_kpi routing: ', '') AS routing
FROM regexp_split_to_table(metric_sql($scorecard), E'\n') l WHERE l LIKE '-- retail_kpi routing:%';
CREATE TEMP TABLE r1 AS SELECT * FROM metric_values($scorecard);
CREATE TEMP TABLE r2 AS SELECT * FROM metric_values($scorecard, routing => 'raw');
SELECT (SELECT count(*) FROM (SELECT * FROM r1 EXCEPT ALL SELECT * FROM r2) x) AS routed_only,
       (SELECT count(*) FROM (SELECT * FROM r2 EXCEPT ALL SELECT * FROM r1) x) AS raw_only;
SELECT * FROM pg_temp.rk_bench(jsonb_build_object(
  'with day x store x category only', \$q\$SELECT * FROM retail_kpi.metric_values($scorecard)\$q\$), $runs, 0);
-- back to day x store for what follows
SELECT drop_preaggregate('b_sales_day_store_cat');
SELECT define_preaggregate('b_sales_day_store', 'b_sales', '{store}') IS NOT NULL AS ok \gset
SELECT refresh_preaggregate('b_sales_day_store') > 0 AS ok \gset
SQL

fi

if part B; then
echo
echo "== B. incremental refresh of one new day (9,000 lines), 3 years and 1 year of history (median of $runs, ms)"
"${psql[@]}" -P footer=off <<SQL
SET search_path = retail_kpi, public;
SET client_min_messages = warning;
CREATE TABLE public.bench_sales_1y AS SELECT * FROM public.bench_sales WHERE sale_date > (SELECT max(sale_date) - 365 FROM public.bench_sales);
CREATE INDEX ON public.bench_sales_1y (sale_date);
VACUUM ANALYZE public.bench_sales_1y;
SELECT define_source('b_sales_1y', 'public.bench_sales_1y', 'sale_date', '{"store": "store_id", "category": "category"}') IS NOT NULL AS ok \gset
SELECT define_measure('net_sales_1y', 'b_sales_1y', 'sum', 'revenue') IS NOT NULL AS ok \gset
SELECT define_measure('sales_summary_1y', 'b_sales_1y', 'margin_agg', 'revenue, cost, units') IS NOT NULL AS ok \gset
SELECT define_preaggregate('b_1y_day_store', 'b_sales_1y', '{store}', '{net_sales_1y,sales_summary_1y}') IS NOT NULL AS ok \gset
SELECT refresh_preaggregate('b_1y_day_store') > 0 AS ok \gset
SELECT define_preaggregate('b_3y_day_store', 'b_sales', '{store}', '{net_sales,sales_summary}') IS NOT NULL AS ok \gset
SELECT refresh_preaggregate('b_3y_day_store') > 0 AS ok \gset
SELECT code, rows, watermark FROM preaggregate_status WHERE code IN ('b_1y_day_store', 'b_3y_day_store') ORDER BY code;
CREATE TEMP TABLE times (history text, ms numeric);
DO \$\$
DECLARE
    t0 timestamptz;
    d date;
    n bigint;
BEGIN
    FOR i IN 1 .. $runs LOOP
        SELECT max(sale_date) + 1 INTO d FROM public.bench_sales;
        INSERT INTO public.bench_sales SELECT d, store_id, category, transaction_id + 100000000, units, revenue, cost
        FROM public.bench_sales WHERE sale_date = d - 7;
        INSERT INTO public.bench_sales_1y SELECT * FROM public.bench_sales WHERE sale_date = d;
        COMMIT;
        t0 := clock_timestamp();
        n := retail_kpi.refresh_preaggregate_incremental('b_3y_day_store');
        COMMIT;
        INSERT INTO times VALUES ('3 years', extract(epoch FROM clock_timestamp() - t0) * 1000);
        t0 := clock_timestamp();
        n := retail_kpi.refresh_preaggregate_incremental('b_1y_day_store');
        COMMIT;
        INSERT INTO times VALUES ('1 year', extract(epoch FROM clock_timestamp() - t0) * 1000);
    END LOOP;
END
\$\$;
SELECT history, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) AS median_ms, round(max(ms), 1) AS max_ms
FROM times GROUP BY 1 ORDER BY 1;
SELECT code, rows, watermark FROM preaggregate_status WHERE code IN ('b_1y_day_store', 'b_3y_day_store') ORDER BY code;
SQL

fi

if part C; then
echo
echo "== C. routing overhead: month x category gross margin from 29,200 stored daily summaries (median of $runs, ms)"
"${psql[@]}" -P footer=off <<SQL
\i $here/bench_lib.sql
SET search_path = retail_kpi, public;
SET client_min_messages = warning;
CREATE TABLE public.bench_cat AS
SELECT DATE '2023-01-01' + (i % 730)::int AS d, ((i / 730) % 40)::text AS category,
       (i % 97 + 1)::numeric AS revenue, (i % 61)::numeric AS cost
FROM generate_series(1, 2000000) i;
CREATE INDEX ON public.bench_cat (d);
VACUUM ANALYZE public.bench_cat;
SELECT define_dimension('cat', 'Category (C)') IS NOT NULL AS ok \gset
SELECT define_source('c_sales', 'public.bench_cat', 'd', '{"cat": "category"}') IS NOT NULL AS ok \gset
SELECT define_measure('c_margin', 'c_sales', 'margin_agg', 'revenue, cost') IS NOT NULL AS ok \gset
SELECT define_metric('c_gm', 'GM summary', measure => 'c_margin') IS NOT NULL AS ok \gset
SELECT define_metric('c_gm_rate', 'GM rate', 'derived', expression => 'margin_rate(c_gm)') IS NOT NULL AS ok \gset
SELECT define_preaggregate('c_day_cat', 'c_sales', '{cat}') IS NOT NULL AS ok \gset
SELECT refresh_preaggregate('c_day_cat') AS stored_rows;
VACUUM ANALYZE retail_kpi_preagg.c_day_cat;
SELECT * FROM pg_temp.rk_bench(jsonb_build_object(
  'routed metric_values', \$q\$SELECT * FROM retail_kpi.metric_values('{c_gm_rate}', '{cat}', NULL, '2023-01-01', '2024-12-31', 'month')\$q\$,
  'metric_sql (compile only)', \$q\$SELECT retail_kpi.metric_sql('{c_gm_rate}', '{cat}', NULL, '2023-01-01', '2024-12-31', 'month')\$q\$,
  'hand rollup', \$q\$SELECT date_trunc('month', period_start)::date AS m, cat, retail_kpi.margin_rate(retail_kpi.rollup(c_margin))
                   FROM retail_kpi_preagg.c_day_cat WHERE period_start BETWEEN '2023-01-01' AND '2024-12-31' GROUP BY 1, 2\$q\$,
  'raw rows (routing => raw)', \$q\$SELECT * FROM retail_kpi.metric_values('{c_gm_rate}', '{cat}', NULL, '2023-01-01', '2024-12-31', 'month', routing => 'raw')\$q\$), $runs, 0);
SQL
fi
[[ -n ${RK_BENCH_KEEP:-} ]] || psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db"
