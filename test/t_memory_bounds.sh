#!/usr/bin/env bash
# test/t_memory_bounds.sh: the documented size limits of the summaries fail cleanly with 54000,
# and summaries of a fixed shape do not grow with the number of rows (docs/hardening.md).
#
# Quick checks (run by `make test`):
#   - every fixed-shape summary (margin, ratio, promo) and abc/bridge over few items: the backend's
#     peak memory (VmHWM of /proc/self/status, read by the backend itself) grows by less than
#     MEM_GROWTH_KB (default 16384 kB; 1,000,000 rows x 16 bytes would be 15625 kB) while aggregating 1,000,000 rows -- nothing per row;
#   - bridge: an item key over 1000 bytes -> 54000; a text value claiming more than 2,097,152
#     items -> rejected (22P02) before anything is allocated;
#   - stock (when the family is installed): more than 100,000 snapshot dates -> 54000;
#   - series (when installed): more than 100,000 periods (aggregate, rollup, gaps filled) -> 54000;
#     a forecast horizon over 1000 -> 22023;
#   - customer (when installed): more than 36,600 purchase dates of one customer (aggregate and
#     rollup) -> 54000; a cohort table spanning more than 3,660 periods -> 54000.
#   - distinct (when installed): more than 256 MB of working memory (7,000,000 keys all in different
#     65536-key chunks, a rollup of 10,000,000, a text range of 2^63 keys) -> 54000; 4,000,000 such
#     keys fit, with a backend peak below +400 MB, and a rollup of two summaries of 3,000,000.
# MEM_BOUNDS_LONG=1 adds the big ones (about 1 GB of memory and a minute):
#   - bridge with 1,000,000 items: size of the summary and peak memory, printed;
#   - customer with 1,000,000 customers of 3 dates each: size and peak memory, printed;
#   - bridge with 2,097,153 items -> 54000.
# Needs a superuser (pg_read_file of /proc/self/status); run by test/run_tests.sh with the
# cluster in PG* variables and the repository as $1.
set -euo pipefail
repo=${1:?usage: t_memory_bounds.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
growth_kb=${MEM_GROWTH_KB:-16384}
db=rk_memory_bounds
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
cleanup() { psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
psql -d postgres -c "CREATE DATABASE $db"
psql -d "$db" -c "CREATE EXTENSION retail_kpi"

status=0
fail() { echo "FAILED: $*"; status=1; }

# Peak memory of a fresh backend before and after a query: "before_kB after_kB result".
peak() {
  psql -d "$db" -At -F ' ' <<SQL
SET search_path = retail_kpi, public;
SELECT substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\s*(\d+) kB') AS before \gset
SELECT ($1) AS result \gset
SELECT :'before', substring(pg_read_file('/proc/self/status') FROM 'VmHWM:\s*(\d+) kB'), :'result';
SQL
}

# The SQLSTATE of a statement (or "ok").
sqlstate() {
  psql -d "$db" -At <<SQL
SET search_path = retail_kpi, public;
DO \$\$ BEGIN PERFORM ($1); RAISE NOTICE 'ok'; EXCEPTION WHEN OTHERS THEN RAISE NOTICE '%', SQLSTATE; END \$\$;
SQL
}
state_of() { sqlstate "$1" 2>&1 | sed -n 's/^NOTICE: *//p' | tail -n 1; }

echo "per-row growth: peak memory while aggregating 1,000,000 rows (limit +${growth_kb} kB)"
declare -A queries=(
  [margin_agg]="SELECT row_count(margin_agg(g % 1000 * 0.01, g % 700 * 0.01, 1)) FROM generate_series(1, 1000000) g"
  [ratio_agg]="SELECT row_count(ratio_agg(g % 1000 * 0.01, 1 + g % 700)) FROM generate_series(1, 1000000) g"
  [promo_agg]="SELECT row_count(promo_agg(date '2024-01-01' + g % 60, 1, g % 100, g % 70, '2024-02-01', '2024-02-29', '2024-01-01', '2024-01-31')) FROM generate_series(1, 1000000) g"
  [abc_agg_100_items]="SELECT item_count(abc_agg('sku-' || g % 100, g % 1000 * 0.01)) FROM generate_series(1, 1000000) g"
  [customer_agg_100_customers]="SELECT purchase_occasions(customer_agg(g % 100, date '2024-01-01' + g % 60, g % 1000 * 0.01)) FROM generate_series(1, 1000000) g"
  [bridge_agg_100_items]="SELECT item_count(bridge_agg('sku-' || g % 100, g % 2 = 0, 1, g % 100, g % 70)) FROM generate_series(1, 1000000) g"
)
if psql -d "$db" -At -c "SELECT to_regtype('retail_kpi.series_summary') IS NOT NULL" | grep -q t; then
  queries[series_agg_60_periods]="SELECT row_count(series_agg(date '2024-01-01' + g % 60, g % 1000 * 0.01)) FROM generate_series(1, 1000000) g"
fi
if psql -d "$db" -At -c "SELECT to_regtype('retail_kpi.distinct_summary') IS NOT NULL" | grep -q t; then
  queries[distinct_agg_1000_keys]="SELECT distinct_count(distinct_agg(g % 1000 * 1000003)) FROM generate_series(1::bigint, 1000000) g"
fi
if psql -d "$db" -At -c "SELECT to_regtype('retail_kpi.stock_summary') IS NOT NULL" | grep -q t; then
  queries[stock_agg_60_dates]="SELECT snapshot_count(stock_agg(date '2024-01-01' + g % 60, g % 1000 * 0.01)) FROM generate_series(1, 1000000) g"
fi
for name in $(printf '%s\n' "${!queries[@]}" | sort); do
  read -r before after result < <(peak "${queries[$name]}")
  delta=$((after - before))
  printf '  %-22s result %-8s peak %7d kB -> %7d kB (+%d kB)\n' "$name" "$result" "$before" "$after" "$delta"
  ((delta <= growth_kb)) || fail "$name: peak memory grew by $delta kB"
done

echo "limits (54000 = program_limit_exceeded):"
check() {   # name, expected SQLSTATE, statement
  local got
  got=$(state_of "$3")
  printf '  %-46s %s (expected %s)\n' "$1" "$got" "$2"
  [[ $got == "$2" ]] || fail "$1: got $got, expected $2"
}
check "bridge: item key of 1001 bytes" 54000 \
  "SELECT bridge_agg(repeat('x', 1001), true, 1, 1, 1)"
check "bridge: item key of 1000 bytes" ok \
  "SELECT bridge_agg(repeat('x', 1000), true, 1, 1, 1)"
check "bridge: text claiming 2,097,153 items" 22P02 \
  "SELECT '(v1,rows=3000000,items=2097153)'::bridge_summary"
if psql -d "$db" -At -c "SELECT to_regtype('retail_kpi.stock_summary') IS NOT NULL" | grep -q t; then
  check "stock: 100,000 snapshot dates" ok \
    "SELECT stock_agg(date '1900-01-01' + g, 1) FROM generate_series(1, 100000) g"
  check "stock: 100,001 snapshot dates" 54000 \
    "SELECT stock_agg(date '1900-01-01' + g, 1) FROM generate_series(1, 100001) g"
  check "stock: rollup to 100,001 dates" 54000 \
    "SELECT rollup(s) FROM (SELECT stock_agg(date '1900-01-01' + g, 1) s FROM generate_series(1, 100000) g
                            UNION ALL SELECT stock_agg(date '1800-01-01', 1)) t"
else
  echo "  (stock_summary is not installed: its date limit is not checked)"
fi

if psql -d "$db" -At -c "SELECT to_regtype('retail_kpi.series_summary') IS NOT NULL" | grep -q t; then
  check "series: 100,000 periods" ok \
    "SELECT series_agg(date '1900-01-01' + g, 1) FROM generate_series(1, 100000) g"
  check "series: 100,001 periods" 54000 \
    "SELECT series_agg(date '1900-01-01' + g, 1) FROM generate_series(1, 100001) g"
  check "series: rollup to 100,001 periods" 54000 \
    "SELECT rollup(s) FROM (SELECT series_agg(date '1900-01-01' + g, 1) s FROM generate_series(1, 100000) g
                            UNION ALL SELECT series_agg(date '1800-01-01', 1)) t"
  check "series: gaps filled to 100,001 periods" 54000 \
    "SELECT count(*) FROM retail_kpi.forecast((SELECT series_agg(d, 1) FROM (VALUES (date '2000-01-01'), (date '2000-01-02'), (date '2000-01-01' + 100000)) v(d)), 1, 'naive', gaps => 'zero')"
  check "series: forecast horizon 1001" 22023 \
    "SELECT count(*) FROM retail_kpi.forecast((SELECT series_agg(date '2000-01-01' + g, 1) FROM generate_series(1, 10) g), 1001, 'naive')"
else
  echo "  (series_summary is not installed: its limits are not checked)"
fi

if psql -d "$db" -At -c "SELECT to_regtype('retail_kpi.customer_summary') IS NOT NULL" | grep -q t; then
  check "customer: 36,600 purchase dates of one customer" ok \
    "SELECT customer_agg(1, date '2000-01-01' + g, 1) FROM generate_series(1, 36600) g"
  check "customer: 36,601 purchase dates of one customer" 54000 \
    "SELECT customer_agg(1, date '2000-01-01' + g, 1) FROM generate_series(1, 36601) g"
  check "customer: rollup to 36,601 dates" 54000 \
    "SELECT rollup(s) FROM (SELECT customer_agg(1, date '2000-01-01' + g, 1) s FROM generate_series(1, 36600) g
                            UNION ALL SELECT customer_agg(1, date '1900-01-01', 1)) t"
  check "customer: cohort table over 3,661 days" 54000 \
    "SELECT count(*) FROM retail_kpi.cohort_retention((SELECT customer_agg(g, date '2000-01-01' + g, 1) FROM generate_series(0, 3660) g), 'day')"
else
  echo "  (customer_summary is not installed: its limits are not checked)"
fi

if psql -d "$db" -At -c "SELECT to_regtype('retail_kpi.distinct_summary') IS NOT NULL" | grep -q t; then
  # 256 MB of working memory: about 4-5 million keys that are all in different 65536-key chunks
  check "distinct: 3,000,000 keys far apart" ok \
    "SELECT distinct_count(distinct_agg(g * 100000)) FROM generate_series(1::bigint, 3000000) g"
  check "distinct: 7,000,000 keys far apart" 54000 \
    "SELECT distinct_count(distinct_agg(g * 100000)) FROM generate_series(1::bigint, 7000000) g"
  # a rollup merges summaries as large as its state in one sorted pass (no hash index): two summaries
  # of 3,000,000 such keys fit; five of 2,000,000 (built one at a time by a correlated subquery) do not
  check "distinct: rollup of 6,000,000 keys far apart" ok \
    "SELECT distinct_count(rollup(s)) FROM (SELECT distinct_agg((2 * p - 1) * g * 100000) s
       FROM generate_series(1::bigint, 3000000) g, generate_series(0, 1) p GROUP BY p) t"
  check "distinct: rollup past the limit" 54000 \
    "SELECT distinct_count(rollup(s)) FROM (SELECT (SELECT distinct_agg((5 * g + p) * 100000)
       FROM generate_series(1::bigint, 2000000) g) s FROM generate_series(0, 4) p) t"
  check "distinct: text range of 2^63 keys" 54000 \
    "SELECT '(v1,count=9223372036854775807,keys=0..9223372036854775806)'::distinct_summary"
  check "distinct: text range beyond its count" 22P02 \
    "SELECT '(v1,count=5,keys=0..9223372036854775806)'::distinct_summary"
  read -r before after result < <(peak "SELECT distinct_count(distinct_agg(g * 100000)) FROM generate_series(1::bigint, 4000000) g")
  printf '  %-46s peak %d kB -> %d kB (+%d kB)\n' "distinct: 4,000,000 keys far apart" "$before" "$after" "$((after - before))"
  ((after - before <= 400 * 1024)) || fail "distinct: 4,000,000 keys far apart used more than 400 MB"
else
  echo "  (distinct_summary is not installed: its memory limit is not checked)"
fi

if [[ ${MEM_BOUNDS_LONG:-0} == 1 ]]; then
  echo "long checks:"
  read -r before after result < <(peak "SELECT pg_column_size(s) || ' bytes, ' || customer_count(s) || ' customers, ' || purchase_occasions(s) || ' occasions, send ' || octet_length(customer_summary_send(s)) || ' bytes' FROM (SELECT customer_agg(g % 1000000, date '2024-01-01' + g % 365, 1) s FROM generate_series(1, 3000000) g) t")
  echo "  customer, 1,000,000 customers x 3 dates: $result; backend peak $before kB -> $after kB"
  read -r before after result < <(peak "SELECT pg_column_size(s) || ' bytes, ' || item_count(s) || ' items, send ' || octet_length(bridge_summary_send(s)) || ' bytes' FROM (SELECT bridge_agg('sku-' || g, g % 2 = 0, 1, g % 100, g % 70) s FROM generate_series(1, 1000000) g) t")
  echo "  bridge, 1,000,000 items: $result; backend peak $before kB -> $after kB"
  check "bridge: 2,097,153 items" 54000 \
    "SELECT bridge_agg('sku-' || g, true, 1, 1, 1) FROM generate_series(1, 2097153) g"
fi
((status == 0)) && echo "memory bounds: all checks passed"
exit "$status"
