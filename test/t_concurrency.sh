#!/usr/bin/env bash
# test/t_concurrency.sh: concurrency (issue 6, "Real clients"): pgbench with CONC_CLIENTS (default 8)
# clients for CONC_SECONDS (default 60) seconds mixing KPI queries, metric_values and catalog edits,
# as the owner role rk_conc_owner (not a superuser), with -M prepared (extended protocol).
#
# Scripts (test/concurrency/, weight after @):
#   kpi_aggregates@4         margin_agg / gross_margin_rate / ratio_agg over a random window of raw rows
#   rollup_summaries@3       rollup of stored daily summaries by region = the raw sums (same snapshot)
#   refresh_summaries@1      the ETL rebuilds one day of stored summaries (DELETE + INSERT, one transaction)
#   metric_values@3          metric_values of fixed and concurrently edited metrics = the raw sums
#   catalog_edit@2           define_metric update of one of 3 metrics with a reason, logged in
#                            conc.edit_log in the same transaction
#   catalog_edit_rollback@1  the same, rolled back
# The read scripts check their own results in SQL (conc.assert raises an error on a mismatch,
# which aborts the pgbench client).  Expected errors: none.  Everything runs in READ COMMITTED: define_metric locks the metric
# row (SELECT ... FOR UPDATE), so concurrent edits of one metric wait for each other instead of
# failing; readers never block.  pgbench runs with --max-tries=1, so a serialization failure or
# deadlock would be reported as a failed transaction, and any other error aborts the client:
# both fail this test.
# After the run: pgbench exited 0 with 0 failed transactions; catalog_history holds exactly one
# 'update' row per committed edit (the (metric, reason) pairs equal conc.edit_log, whose row count
# is pgbench's transaction count of the catalog_edit script, plus at most one per client for edits
# that committed as the timer expired); no row of a rolled-back edit; each
# metric's live row equals the new_definition of its last history row.
#
# Run by test/run_tests.sh with the cluster in PG* variables (a superuser) and the repository as $1.
set -euo pipefail
repo=${1:?usage: t_concurrency.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
seconds=${CONC_SECONDS:-60}
clients=${CONC_CLIENTS:-8}
db=rk_concurrency
dir=$repo/test/concurrency
tmp=${RK_TMP:-/tmp}/concurrency.$$
mkdir -p "$tmp"
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
  psql -d postgres -c "DROP DATABASE IF EXISTS $db" -c "DROP ROLE IF EXISTS rk_conc_owner" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
cleanup
mkdir -p "$tmp"
pgbench=$bindir/pgbench
[[ -x $pgbench ]] || pgbench=$(command -v pgbench) || { echo "pgbench not found (postgresql-client-15)" >&2; exit 1; }

psql -d postgres -c "CREATE DATABASE $db"
psql -d "$db" -f "$dir/setup.sql" >/dev/null
psql -d "$db" -c 'ANALYZE'

echo "pgbench: $clients clients, $seconds s, as rk_conc_owner"
rc=0
"$pgbench" -n -M prepared -c "$clients" -j 2 -T "$seconds" --max-tries=1 -U rk_conc_owner \
  -f "$dir/kpi_aggregates.sql@4" -f "$dir/rollup_summaries.sql@3" -f "$dir/refresh_summaries.sql@1" \
  -f "$dir/metric_values.sql@3" -f "$dir/catalog_edit.sql@2" -f "$dir/catalog_edit_rollback.sql@1" "$db" \
  >"$tmp/pgbench.out" 2>"$tmp/pgbench.err" || rc=$?
cat "$tmp/pgbench.out"
if [[ -s $tmp/pgbench.err ]]; then
  echo "---- pgbench stderr (first 30 lines) ----"
  head -n 30 "$tmp/pgbench.err"
fi

passed=0 failed=0
check() {   # check NAME CONDITION-RESULT(t/f or 0/1)
  if [[ $2 == t || $2 == 0 ]]; then
    passed=$((passed + 1)); echo "ok      $1"
  else
    failed=$((failed + 1)); echo "FAILED  $1"
  fi
}
check "pgbench exit status 0 (got $rc)" "$([[ $rc == 0 ]] && echo t || echo f)"
failed_tx=$(sed -nE 's/^number of failed transactions: ([0-9]+).*/\1/p' "$tmp/pgbench.out")
check "no failed transactions (${failed_tx:-not reported})" "$([[ $failed_tx == 0 ]] && echo t || echo f)"
aborted=$(grep -c 'aborted' "$tmp/pgbench.err" || true)
check "no client aborted ($aborted)" "$([[ $aborted == 0 ]] && echo t || echo f)"
# per-script transaction counts: "SQL script 5: .../catalog_edit.sql" followed by " - N transactions"
edits_tx=$(awk '/^SQL script [0-9]+: .*\/catalog_edit\.sql/ { f = 1; next } f && /transactions/ { print $2; exit }' \
  "$tmp/pgbench.out")
for s in kpi_aggregates rollup_summaries refresh_summaries metric_values catalog_edit catalog_edit_rollback; do
  n=$(awk -v s="/$s.sql" 'index($0, "SQL script") == 1 && index($0, s) { f = 1; next } f && /transactions/ { print $2; exit }' \
    "$tmp/pgbench.out")
  check "script $s ran (${n:-0} transactions)" "$([[ ${n:-0} -gt 0 ]] && echo t || echo f)"
done

q() { psql -d "$db" -A -t -c "$1"; }
logged=$(q "SELECT count(*) FROM conc.edit_log")
# pgbench does not count a transaction whose COMMIT was already sent when the -T timer expired
# (seen: 2530 logged, 2529 counted), so its count is a lower bound, exceeded by at most one
# transaction per client; the exact check is the history against the log below.
check "edit_log rows ($logged) = catalog_edit transactions counted by pgbench (${edits_tx:-?}) + at most $clients in flight at the end" \
  "$([[ -n $edits_tx ]] && ((logged >= edits_tx && logged <= edits_tx + clients)) && echo t || echo f)"
check "catalog_history: exactly one 'update' row per committed edit (same (metric, reason) pairs)" "$(q "
  WITH h AS (SELECT code, reason FROM retail_kpi.catalog_history
             WHERE object_type = 'metric' AND action = 'update' AND code LIKE 'edit\_%'),
       l AS (SELECT metric AS code, reason FROM conc.edit_log)
  SELECT (SELECT count(*) FROM h) = (SELECT count(*) FROM l)
     AND (SELECT count(*) FROM (SELECT DISTINCT * FROM h) d) = (SELECT count(*) FROM h)
     AND NOT EXISTS (SELECT * FROM h EXCEPT SELECT * FROM l)
     AND NOT EXISTS (SELECT * FROM l EXCEPT SELECT * FROM h)")"
check "no history row of a rolled-back edit" "$(q "
  SELECT count(*) = 0 FROM retail_kpi.catalog_history WHERE reason LIKE 'pgbench rollback%'
     OR new_definition->>'label_en' = 'Abandoned edit'")"
check "each edited metric's live row = new_definition of its last history row" "$(q "
  SELECT bool_and(to_jsonb(m) = h.new_definition) AND count(*) = 3
  FROM retail_kpi.metrics m
  JOIN LATERAL (SELECT new_definition FROM retail_kpi.catalog_history c
                WHERE c.object_type = 'metric' AND c.code = m.code ORDER BY c.id DESC LIMIT 1) h ON true
  WHERE m.code LIKE 'edit\_%'")"
check "each edit's history row links to the previous one (old_definition = previous new_definition)" "$(q "
  SELECT bool_and(old_definition = prev) FROM (
    SELECT old_definition, lag(new_definition) OVER (PARTITION BY code ORDER BY id) AS prev
    FROM retail_kpi.catalog_history WHERE object_type = 'metric' AND code LIKE 'edit\_%') x
  WHERE prev IS NOT NULL")"
check "stored summaries still complete (one per day and store of the raw rows)" "$(q "
  SELECT (SELECT count(*) FROM conc.daily_summary) = (SELECT count(*) FROM (SELECT DISTINCT sale_date, store_id FROM conc.sales) d)")"
echo "$passed passed, $failed failed"
((failed == 0))
