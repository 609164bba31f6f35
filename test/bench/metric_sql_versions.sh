#!/usr/bin/env bash
# test/bench/metric_sql_versions.sh: the cost of 0.3's security model on compilation: metric_sql of
# the same request in a database at 0.2 (the frozen install script) and one at the current version,
# same cluster, same retail_kpi.so, alternated; prints the times and the ratio.
#   usage: PGHOST=... PGPORT=... PGUSER=... bash test/bench/metric_sql_versions.sh [rounds] [calls]
#   defaults: 3 rounds of 300 calls.  Needs a superuser; creates and drops databases rk_bench_v02 and
#   rk_bench_vcur.
set -euo pipefail
rounds=${1:-3}
calls=${2:-300}
psqlc=(psql -X -q -v ON_ERROR_STOP=1)
trap '"${psqlc[@]}" -d postgres -c "DROP DATABASE IF EXISTS rk_bench_v02" -c "DROP DATABASE IF EXISTS rk_bench_vcur" >/dev/null 2>&1' EXIT
"${psqlc[@]}" -d postgres -c "DROP DATABASE IF EXISTS rk_bench_v02" -c "DROP DATABASE IF EXISTS rk_bench_vcur" \
  -c "CREATE DATABASE rk_bench_v02" -c "CREATE DATABASE rk_bench_vcur" >/dev/null
"${psqlc[@]}" -d rk_bench_v02 -c "CREATE EXTENSION retail_kpi VERSION '0.2'" >/dev/null
"${psqlc[@]}" -d rk_bench_vcur -c "CREATE EXTENSION retail_kpi" >/dev/null
setup="SET search_path = retail_kpi, public;
CREATE SCHEMA bench_catalog;
CREATE TABLE bench_catalog.sales AS SELECT date '2024-01-01' + (i % 731)::int AS sale_date, 1 + (i * 7 % 200)::int AS store_id,
       'R' || (i * 7 % 200) % 8 AS region, 'C' || (i * 13 % 40) AS category,
       round(((i * 37) % 1000) / 7.0, 2) AS revenue, round(((i * 37) % 1000) / 11.0, 2) AS cost,
       (1 + i % 4)::numeric AS units, i / 3 AS txn FROM generate_series(1::bigint, 1000) i;
SELECT define_dimension('bench_store', 'Store'), define_dimension('bench_region', 'Region'), define_dimension('bench_category', 'Category');
SELECT define_source('bench_sales', 'bench_catalog.sales', 'sale_date', '{\"bench_store\": \"store_id\", \"bench_region\": \"region\", \"bench_category\": \"category\"}');
SELECT define_measure('bench_net_sales', 'bench_sales', 'sum', 'revenue'), define_measure('bench_summary', 'bench_sales', 'margin_agg', 'revenue, cost, units'),
       define_measure('bench_txn', 'bench_sales', 'count_distinct', 'txn'), define_measure('bench_units', 'bench_sales', 'sum', 'units');
SELECT define_metric('bench_net_sales', 'Net sales', measure => 'bench_net_sales'), define_metric('bench_summary', 'Summary', measure => 'bench_summary'),
       define_metric('bench_txn', 'Transactions', measure => 'bench_txn'), define_metric('bench_units', 'Units', measure => 'bench_units'),
       define_metric('bench_gmr', 'Gross margin rate', 'derived', expression => 'margin_rate(bench_summary)'),
       define_metric('bench_gp', 'Gross profit', 'derived', expression => 'gross_profit(bench_summary)'),
       define_metric('bench_atv', 'ATV', 'ratio', numerator => 'bench_net_sales', denominator => 'bench_txn'),
       define_metric('bench_upt', 'UPT', 'ratio', numerator => 'bench_units', denominator => 'bench_txn');"
for db in rk_bench_v02 rk_bench_vcur; do "${psqlc[@]}" -d "$db" -c "$setup" >/dev/null; done
q="SELECT count(retail_kpi.metric_sql('{bench_net_sales,bench_gmr,bench_gp,bench_atv,bench_upt}',
   '{bench_region,bench_store,bench_category}', NULL, '2024-01-01', '2024-12-31', 'quarter')) FROM generate_series(1, $calls);"
run() {   # warm session: the first statement plans, the second is timed
  "${psqlc[@]}" -d "$1" -c '\timing on' -c "$q" -c "$q" | awk '/^Time:/ {t = $2} END {print t}'
}
old=0; new=0
for ((r = 1; r <= rounds; r++)); do
  a=$(run rk_bench_v02); b=$(run rk_bench_vcur)
  printf 'round %d: 0.2 %9.1f ms   current %9.1f ms   (%d calls each)\n' "$r" "$a" "$b" "$calls"
  old=$(echo "$old + $a" | bc -l); new=$(echo "$new + $b" | bc -l)
done
printf 'ratio current / 0.2: %.2f\n' "$(echo "$new / $old" | bc -l)"
