#!/usr/bin/env bash
# test/bench/bridge.sh: the company gross-profit bridge (margin_bridge over bridge_agg) against the
# hand-written SQL computing the same price/volume/mix effects with CTEs and window functions.
#
#   usage: PGHOST=... PGPORT=... PGUSER=... PGDATABASE=... bash test/bench/bridge.sh [runs] [rows] [skus]
#   defaults: 7 runs, 3,000,000 sales rows, 230,000 SKUs (200,000 continuing, 15,000 new, 15,000
#   discontinued).  The data are generated deterministically (no random()) into table
#   bench_bridge_sales in the current database (dropped at the end).  The extension must be installed
#   in the database (CREATE EXTENSION retail_kpi).  Both queries run alternately; the script prints the
#   median wall time of each (psql \timing of a query that sums every effect column, so no column can
#   be skipped by the planner) and their ratio, after checking that both give the same total effects.
#   BRIDGE_BENCH_KEEP=1 keeps the table (and reuses an existing one) for repeated runs.
set -euo pipefail
keep=${BRIDGE_BENCH_KEEP:-0}
runs=${1:-7}
rows=${2:-3000000}
skus=${3:-230000}
psqlc=(psql -X -q -v ON_ERROR_STOP=1)

exists=$("${psqlc[@]}" -At -c "SELECT to_regclass('bench_bridge_sales') IS NOT NULL")
if [[ $keep == 1 && $exists == t ]]; then
  echo "reusing table bench_bridge_sales"
else
"${psqlc[@]}" <<SQL
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_bridge_sales;
-- sku n: n < 15000 sells only in the base period, n >= skus - 15000 only in the current one.
-- Price and cost per unit depend on the sku and the period; units 1..5 per row.
CREATE TABLE bench_bridge_sales AS
SELECT 'SKU' || lpad(n::text, 7, '0') AS sku,
       CASE WHEN n < 15000 THEN false WHEN n >= $skus - 15000 THEN true ELSE (i / $skus) % 2 = 1 END AS is_current,
       u::numeric AS units,
       round(u * (1 + (n % 4973) / 100.0) * (1 + ((i / $skus) % 2) * ((n % 7) - 3) / 100.0), 2) AS revenue,
       round(u * (1 + (n % 4973) / 100.0) * (0.55 + (n % 29) / 100.0), 2) AS cost
FROM (SELECT i, (i * 7919) % $skus AS n, 1 + (i * 31 % 5) AS u
      FROM generate_series(0::bigint, $rows - 1) i) g;
VACUUM ANALYZE bench_bridge_sales;
SQL
fi

ours="SELECT count(*), sum(volume), sum(mix), sum(price), sum(cost), sum(new_items), sum(discontinued)
FROM retail_kpi.margin_bridge((SELECT retail_kpi.bridge_agg(sku, is_current, units, revenue, cost)
                               FROM bench_bridge_sales))"
hand="WITH per AS (
  SELECT sku,
         coalesce(sum(units)   FILTER (WHERE NOT is_current), 0) AS q0,
         coalesce(sum(revenue) FILTER (WHERE NOT is_current), 0) AS r0,
         coalesce(sum(cost)    FILTER (WHERE NOT is_current), 0) AS c0,
         coalesce(sum(units)   FILTER (WHERE is_current), 0) AS q1,
         coalesce(sum(revenue) FILTER (WHERE is_current), 0) AS r1,
         coalesce(sum(cost)    FILTER (WHERE is_current), 0) AS c1
  FROM bench_bridge_sales GROUP BY sku),
cls AS (
  SELECT *, q0 > 0 AND q1 > 0 AS both_periods,
         sum(q0) FILTER (WHERE q0 > 0 AND q1 > 0) OVER () AS qq0,
         sum(q1) FILTER (WHERE q0 > 0 AND q1 > 0) OVER () AS qq1
  FROM per),
eff AS (
  SELECT sku,
         CASE WHEN both_periods THEN (qq1 - qq0) * (q0 / qq0) * ((r0 - c0) / q0) ELSE 0 END AS volume,
         CASE WHEN both_periods THEN (q1 / qq1 - q0 / qq0) * qq1 * ((r0 - c0) / q0) ELSE 0 END AS mix,
         CASE WHEN both_periods THEN q1 * (r1 / q1 - r0 / q0) ELSE 0 END AS price,
         CASE WHEN both_periods THEN -q1 * (c1 / q1 - c0 / q0) ELSE 0 END AS cost,
         CASE WHEN q1 > 0 AND q0 = 0 THEN r1 - c1 ELSE 0 END AS new_items,
         CASE WHEN q0 > 0 AND q1 = 0 THEN -(r0 - c0) ELSE 0 END AS discontinued
  FROM cls),
rows_and_total AS (
  SELECT sku, volume, mix, price, cost, new_items, discontinued FROM eff
  UNION ALL
  SELECT NULL, sum(volume), sum(mix), sum(price), sum(cost), sum(new_items), sum(discontinued) FROM eff)
SELECT count(*), sum(volume), sum(mix), sum(price), sum(cost), sum(new_items), sum(discontinued)
FROM rows_and_total"

# same answer (effects rounded to 6 places: the hand SQL's divisions round differently)
check="SELECT (SELECT row(c, round(v, 6), round(m, 6), round(p, 6), round(k, 6), n, d)::text FROM ($ours) o(c, v, m, p, k, n, d))
     = (SELECT row(c, round(v, 6), round(m, 6), round(p, 6), round(k, 6), n, d)::text FROM ($hand) h(c, v, m, p, k, n, d))"
same=$("${psqlc[@]}" -At -c "SET work_mem = '512MB'" -c "$check")
echo "same totals: $same"
[[ $same == t ]] || { echo "bridge.sh: results differ" >&2; exit 1; }

# $1: settings, $2: query; prints the wall time in ms
time_query() {
  "${psqlc[@]}" -c "SET work_mem = '512MB'" -c "$1" -c '\timing on' -c "$2" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
items=$("${psqlc[@]}" -At -c "SELECT count(DISTINCT sku) FROM bench_bridge_sales")
printf '%-44s %s\n' "sales rows / distinct SKUs" "$rows / $items"
printf '%-44s %s\n' "runs per query (alternating)" "$runs"
# default settings (parallel plans allowed: both sides get a parallel aggregate) and serial
for mode in "default (parallel allowed)" "serial (max_parallel_workers_per_gather = 0)"; do
  if [[ $mode == default* ]]; then set_cmd="SET work_mem = '512MB'"; else set_cmd="SET max_parallel_workers_per_gather = 0"; fi
  t_ours=(); t_hand=()
  for ((r = 0; r < runs; r++)); do
    t_ours+=("$(time_query "$set_cmd" "$ours")")
    t_hand+=("$(time_query "$set_cmd" "$hand")")
  done
  m_ours=$(median "${t_ours[@]}")
  m_hand=$(median "${t_hand[@]}")
  echo "-- $mode"
  printf '%-44s %10.1f\n' "  margin_bridge(bridge_agg(...)) median ms" "$m_ours"
  printf '%-44s %10.1f\n' "  hand-written SQL median ms" "$m_hand"
  printf '%-44s %10.2f\n' "  speed-up (hand / ours)" "$(echo "$m_hand / $m_ours" | bc -l)"
  echo "  all runs ours: ${t_ours[*]}"
  echo "  all runs hand: ${t_hand[*]}"
done
[[ $keep == 1 ]] || "${psqlc[@]}" -c "DROP TABLE bench_bridge_sales"
