#!/usr/bin/env bash
# test/bench/turnover.sh: inventory turnover by category from raw sales + on-hand snapshots.
# retail_kpi summaries (margin_agg + stock_agg, joined, inventory_turnover), in two shapes:
#   ours (cat): one summary per category, straight from the joined fact rows;
#   ours (sku): one summary per SKU from the fact tables, rolled up to the category;
# against the hand-written SQL (CTEs: per-category COGS; per-category-and-date on-hand sums,
# then their average).  All compute the same figures (checked before timing).
#
#   usage: PG* env vars set; bash test/bench/turnover.sh [runs (default 7)] [sales_millions (default 3)]
#          WORKERS="0 2" (default) lists the max_parallel_workers_per_gather settings to time
#
# Data: the demo data set (schema retail_demo, from test/demo/generate.sql) when it is loaded and
# has >= 3M sales rows; otherwise a synthetic set in schema bench_turnover (generated once, kept):
# sales_millions x 1M sales rows (default 3) over 3 years, 40 categories x 50 SKUs, 20 stores,
# weekly snapshots of every store x SKU (20 x 2000 x 157 = 6.3M snapshot rows).
# Timing: server-side execution time from EXPLAIN (ANALYZE, TIMING OFF); runs alternate the three
# queries; medians of `runs` after one warm-up each; serial (0 workers) and with 2 workers.
set -euo pipefail
runs=${1:-7}
millions=${2:-3}
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -At)

count_rows() {   # rows of a table, 0 when it does not exist
  if [[ $("${PSQL[@]}" -c "select to_regclass('$1') is not null") == t ]]; then
    "${PSQL[@]}" -c "select count(*) from $1"
  else echo 0; fi
}
demo_rows=$(count_rows retail_demo.sales)

if (( demo_rows >= 3000000 )); then
  schema=retail_demo
  # the demo schema: sales(sale_date, sku_id, units, revenue, cost ...),
  # inventory_snapshots(snapshot_date, store_id, sku_id, on_hand_units, on_hand_cost, on_hand_retail),
  # skus(sku_id, category_id ...)
else
  schema=bench_turnover
  have=$(count_rows bench_turnover.sales)
  if (( have != millions * 1000000 )); then
    echo "generating synthetic data in schema bench_turnover ($millions M sales rows) ..." >&2
    "${PSQL[@]}" <<SQL
DROP SCHEMA IF EXISTS bench_turnover CASCADE;
CREATE SCHEMA bench_turnover;
SET search_path = bench_turnover;
SELECT setseed(0.42);
CREATE TABLE skus AS
  SELECT g AS sku_id, 1 + (g - 1) / 50 AS category_id, round((2 + random() * 60)::numeric, 2) AS unit_cost
  FROM generate_series(1, 2000) g;
CREATE TABLE sales AS
  SELECT date '2022-01-01' + (random() * 1094)::int AS sale_date,
         1 + (random() * 19)::int AS store_id,
         k.sku_id,
         u.units::numeric AS units,
         round(u.units * k.unit_cost * (1.2 + random() * 0.8)::numeric, 2) AS revenue,
         round(u.units * k.unit_cost, 2) AS cost
  FROM (SELECT g, 1 + (random() * 1999)::int AS sku_id, 1 + (random() * 4)::int AS units
        FROM generate_series(1, $millions * 1000000) g) u
  JOIN skus k USING (sku_id);
CREATE TABLE inventory_snapshots AS
  SELECT d::date AS snapshot_date, st AS store_id, k.sku_id,
         n.units AS on_hand_units,
         round(n.units * k.unit_cost, 2) AS on_hand_cost,
         round(n.units * k.unit_cost * 1.6, 2) AS on_hand_retail
  FROM generate_series(date '2022-01-01', date '2024-12-31', interval '7 days') d,
       generate_series(1, 20) st, skus k,
       LATERAL (SELECT (random() * 40)::int::numeric + 0 * st AS units) n;
ANALYZE skus; ANALYZE sales; ANALYZE inventory_snapshots;
SQL
  fi
fi

# ours, category grain: the same shape as the hand SQL (join every row to its category, one summary
# per category).
ours_cat="
WITH s AS (SELECT k.category_id, retail_kpi.margin_agg(x.revenue, x.cost) AS m
           FROM $schema.sales x JOIN $schema.skus k USING (sku_id) GROUP BY 1),
     i AS (SELECT k.category_id, retail_kpi.stock_agg(v.snapshot_date, v.on_hand_cost) AS st
           FROM $schema.inventory_snapshots v JOIN $schema.skus k USING (sku_id) GROUP BY 1)
SELECT category_id, retail_kpi.inventory_turnover(s.m, i.st) AS turnover
FROM s JOIN i USING (category_id) ORDER BY 1"

# ours, SKU grain rolled up: one summary per SKU straight from the fact tables (no join of the
# big tables), then the SKU summaries joined to their category and merged with rollup.  Only
# summaries that keep their parts can do this: per-date balances add across SKUs exactly.
ours_sku="
WITH s AS (SELECT sku_id, retail_kpi.margin_agg(revenue, cost) AS m FROM $schema.sales GROUP BY 1),
     i AS (SELECT sku_id, retail_kpi.stock_agg(snapshot_date, on_hand_cost) AS st
           FROM $schema.inventory_snapshots GROUP BY 1),
     c AS (SELECT k.category_id, retail_kpi.rollup(s.m) AS m
           FROM s JOIN $schema.skus k USING (sku_id) GROUP BY 1),
     d AS (SELECT k.category_id, retail_kpi.rollup(i.st) AS st
           FROM i JOIN $schema.skus k USING (sku_id) GROUP BY 1)
SELECT category_id, retail_kpi.inventory_turnover(c.m, d.st) AS turnover
FROM c JOIN d USING (category_id) ORDER BY 1"

# the hand-written SQL the issue asks for: CTEs with per-date sums, then averages
hand="
WITH s AS (SELECT k.category_id, sum(x.cost) AS cogs
           FROM $schema.sales x JOIN $schema.skus k USING (sku_id) GROUP BY 1),
     d AS (SELECT k.category_id, v.snapshot_date, sum(v.on_hand_cost) AS on_hand
           FROM $schema.inventory_snapshots v JOIN $schema.skus k USING (sku_id) GROUP BY 1, 2),
     a AS (SELECT category_id, avg(on_hand) AS avg_inv FROM d GROUP BY 1)
SELECT category_id, CASE WHEN a.avg_inv > 0 THEN (s.cogs / a.avg_inv)::float8 END AS turnover
FROM s JOIN a USING (category_id) ORDER BY 1"

# all three must agree (to 12 significant digits) before they are timed
for q in "$ours_cat" "$ours_sku"; do
  bad=$("${PSQL[@]}" -c "SELECT count(*) FROM ($q) o FULL JOIN ($hand) h USING (category_id)
    WHERE o.turnover IS DISTINCT FROM h.turnover
      AND NOT abs(o.turnover - h.turnover) <= 1e-12 * abs(h.turnover)")
  [[ $bad == 0 ]] || { echo "turnover.sh: ours and hand SQL disagree on $bad categories" >&2; exit 1; }
done

time_ms() {   # execution time in ms of one query with $1 parallel workers, from EXPLAIN ANALYZE
  "${PSQL[@]}" -c "SET max_parallel_workers_per_gather = $1" \
    -c "EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) $2" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Execution Time"])'
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

nsales=$("${PSQL[@]}" -c "select count(*) from $schema.sales")
nsnap=$("${PSQL[@]}" -c "select count(*) from $schema.inventory_snapshots")
ncat=$("${PSQL[@]}" -c "select count(distinct category_id) from $schema.skus")
printf 'turnover by category (cost basis), schema %s: %s sales rows, %s snapshot rows, %s categories; %s runs, medians in ms\n' \
  "$schema" "$nsales" "$nsnap" "$ncat" "$runs"
printf '%-8s %12s %12s %12s %14s %14s\n' workers "ours (cat)" "ours (sku)" "hand SQL" "cat / hand" "sku / hand"
for w in ${WORKERS:-0 2}; do
  time_ms "$w" "$ours_cat" >/dev/null; time_ms "$w" "$ours_sku" >/dev/null; time_ms "$w" "$hand" >/dev/null  # warm-up
  tc=(); ts=(); th=()
  for ((r = 0; r < runs; r++)); do      # alternate the three queries
    tc+=("$(time_ms "$w" "$ours_cat")"); ts+=("$(time_ms "$w" "$ours_sku")"); th+=("$(time_ms "$w" "$hand")")
  done
  mc=$(median "${tc[@]}"); ms=$(median "${ts[@]}"); mh=$(median "${th[@]}")
  awk -v w="$w" -v c="$mc" -v s="$ms" -v h="$mh" \
    'BEGIN { printf "%-8s %12.0f %12.0f %12.0f %14.3f %14.3f\n", w, c, s, h, c / h, s / h }'
done
echo "target: ours <= 0.75 x hand SQL"
