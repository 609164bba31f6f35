#!/usr/bin/env bash
# test/bench/metric_sql.sh: the indicator center's compiler.
#  1. compile time of metric_sql for a 5-metric, 3-dimension request (target < 2 ms per call),
#     measured as the wall time of N calls in one statement divided by N;
#  2. the overhead of metric_values over running the SQL it generates directly (same rows).
#
#   usage: PGHOST=... PGPORT=... PGUSER=... PGDATABASE=... bash test/bench/metric_sql.sh [runs] [rows]
#   defaults: 7 runs, 1,000,000 sales rows.  Needs the extension installed in the database
#   (CREATE EXTENSION retail_kpi).  Creates schema bench_catalog and catalog entries with codes
#   bench_*; both are removed at the end (the catalog rows by a superuser DELETE, so run it as one).
set -euo pipefail
runs=${1:-7}
rows=${2:-1000000}
calls=500
psqlc=(psql -X -q -v ON_ERROR_STOP=1)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"${psqlc[@]}" >/dev/null <<SQL
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_catalog CASCADE;
CREATE SCHEMA bench_catalog;
CREATE TABLE bench_catalog.sales AS
SELECT date '2024-01-01' + (i % 731)::int AS sale_date, 1 + (i * 7 % 200)::int AS store_id,
       'R' || (i * 7 % 200) % 8 AS region, 'C' || (i * 13 % 40) AS category,
       round(((i * 37) % 1000) / 7.0, 2) AS revenue, round(((i * 37) % 1000) / 11.0, 2) AS cost,
       (1 + i % 4)::numeric AS units, i / 3 AS txn
FROM generate_series(1::bigint, $rows) i;
VACUUM ANALYZE bench_catalog.sales;
SET search_path = retail_kpi, public;
DELETE FROM metrics WHERE code LIKE 'bench\_%'; DELETE FROM measures WHERE code LIKE 'bench\_%';
DELETE FROM sources WHERE code LIKE 'bench\_%'; DELETE FROM dimensions WHERE code LIKE 'bench\_%';
SELECT define_dimension('bench_store', 'Store'), define_dimension('bench_region', 'Region'),
       define_dimension('bench_category', 'Category');
SELECT define_source('bench_sales', 'bench_catalog.sales', 'sale_date',
                     '{"bench_store": "store_id", "bench_region": "region", "bench_category": "category"}');
SELECT define_measure('bench_net_sales', 'bench_sales', 'sum', 'revenue'),
       define_measure('bench_summary', 'bench_sales', 'margin_agg', 'revenue, cost, units'),
       define_measure('bench_txn', 'bench_sales', 'count_distinct', 'txn'),
       define_measure('bench_units', 'bench_sales', 'sum', 'units');
SELECT define_metric('bench_net_sales', 'Net sales', measure => 'bench_net_sales'),
       define_metric('bench_summary', 'Summary', measure => 'bench_summary'),
       define_metric('bench_txn', 'Transactions', measure => 'bench_txn'),
       define_metric('bench_units', 'Units', measure => 'bench_units'),
       define_metric('bench_gmr', 'Gross margin rate', 'derived', expression => 'margin_rate(bench_summary)'),
       define_metric('bench_gp', 'Gross profit', 'derived', expression => 'gross_profit(bench_summary)'),
       define_metric('bench_atv', 'ATV', 'ratio', numerator => 'bench_net_sales', denominator => 'bench_txn'),
       define_metric('bench_upt', 'UPT', 'ratio', numerator => 'bench_units', denominator => 'bench_txn');
SQL

req="'{bench_net_sales,bench_gmr,bench_gp,bench_atv,bench_upt}', '{bench_region,bench_store,bench_category}', NULL, '2024-01-01', '2024-12-31', 'quarter'"
generated=$("${psqlc[@]}" -At -c "SELECT retail_kpi.metric_sql($req)")

# the generated SQL and metric_values must give the same rows
check=$("${psqlc[@]}" -At -c "SELECT (SELECT count(*) FROM retail_kpi.metric_values($req)),
  (SELECT count(*) FROM ((SELECT * FROM retail_kpi.metric_values($req)) EXCEPT ALL (SELECT * FROM ($generated) g)) x)")
[[ ${check#*|} == 0 ]] || { echo "metric_values and the generated SQL differ: $check"; exit 1; }

{
  echo '\timing on'
  for ((r = 1; r <= runs; r++)); do
    echo "\\echo compile"
    echo "SELECT count(retail_kpi.metric_sql($req)) FROM generate_series(1, $calls);"
    echo "\\echo values"
    echo "SELECT count(*), sum(value) FROM retail_kpi.metric_values($req);"
    echo "\\echo direct"
    echo "SELECT count(*), sum(value) FROM ($generated) g;"
  done
} >"$tmp/run.sql"
"${psqlc[@]}" -f "$tmp/run.sql" 2>&1 | awk '/^(compile|values|direct)$/ {k = $1} /^Time:/ {print k, $2}' >"$tmp/times"

median() { grep "^$1 " "$tmp/times" | awk '{print $2}' | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
c=$(median compile); v=$(median values); d=$(median direct)
printf '%-58s %12s\n' "measure (median of $runs runs, $rows sales rows)" "time"
printf '%-58s %9.3f ms\n' "metric_sql compile, 5 metrics x 3 dimensions (per call)" "$(echo "$c / $calls" | bc -l)"
printf '%-58s %9.1f ms\n' "metric_values (compile + run), $(echo "$check" | cut -d'|' -f1) rows" "$v"
printf '%-58s %9.1f ms\n' "generated SQL run directly" "$d"
printf '%-58s %9.3f\n' "ratio metric_values / direct" "$(echo "$v / $d" | bc -l)"

"${psqlc[@]}" >/dev/null <<'SQL'
SET client_min_messages = warning;
SET search_path = retail_kpi, public;
DELETE FROM metrics WHERE code LIKE 'bench\_%'; DELETE FROM measures WHERE code LIKE 'bench\_%';
DELETE FROM sources WHERE code LIKE 'bench\_%'; DELETE FROM dimensions WHERE code LIKE 'bench\_%';
DELETE FROM catalog_history WHERE code LIKE 'bench\_%';
DROP SCHEMA bench_catalog CASCADE;
SQL
