#!/usr/bin/env bash
# test/t_dump_restore.sh: pg_dump -Fc / pg_restore of a database holding the extension, stored
# summaries of EVERY summary type (format version 1 literals included) and a filled catalog gives
# identical query results in the restored database: summary texts, every one-argument accessor/KPI
# and the binary send form of each stored summary, rollups, catalog rows, metric_values,
# metric_vs_target and check_alerts (fixtures and capture queries: test/lifecycle_lib.sh).
# Complements test/t_catalog_dump.sh, which checks the catalog's rows, its history sequence and
# that the restored catalog keeps working.  The restore runs with --exit-on-error and 2 jobs.
# Run by test/run_tests.sh with the cluster in PG* variables (a superuser) and the repository as $1.
set -euo pipefail
repo=${1:?usage: t_dump_restore.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
# shellcheck source=test/lifecycle_lib.sh
. "$repo/test/lifecycle_lib.sh"
tmp=${RK_TMP:-$(mktemp -d)}/dump_restore.$$
src=rk_dump_restore_src
dst=rk_dump_restore_dst

cleanup() {
  lc_psql -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
cleanup
mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }

lc_psql -d postgres -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst"
lc_psql -d "$src" -c "CREATE EXTENSION retail_kpi"
lc_fill "$src"
lc_queries "$src" "$tmp/queries.sql"
lc_capture "$src" "$tmp/queries.sql" >"$tmp/before.txt"

"$bindir/pg_dump" -Fc -d "$src" -f "$tmp/db.dump"
"$bindir/pg_restore" --exit-on-error -j 2 -d "$dst" "$tmp/db.dump" ||
  fail "pg_restore reported errors"

lc_capture "$dst" "$tmp/queries.sql" >"$tmp/after.txt"
if ! diff -u "$tmp/before.txt" "$tmp/after.txt"; then
  fail "query results differ after pg_dump / pg_restore (- before, + after)"
fi
# the comparison covered every summary table, their accessors, rollups and the catalog
n_types=$(lc_psql -d "$dst" -At -c "SELECT count(*) FROM retail_kpi.summary_format_versions()")
n_tables=$(grep -o '^sum_[a-z_]*' "$tmp/after.txt" | sort -u | wc -l)
((n_tables == n_types && n_types >= 4)) || fail "compared $n_tables stored-summary tables for $n_types summary types"
for what in 'rollup sum_' 'retail_kpi.margin_rate(' 'retail_kpi.margin_summary_send(' \
            'retail_kpi.abc_classify(' metrics targets alert_rules values vs_target alerts; do
  grep -q "^$what" "$tmp/after.txt" || fail "nothing compared for '$what'"
done
# the extension's objects are the extension's again (not loose copies made by the restore)
got=$(lc_psql -d "$dst" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'retail_kpi'")
want=$(lc_psql -d "$src" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'retail_kpi'")
[[ $got == "$want" ]] || fail "restored extension version '$got', source '$want'"
lc_objects "$src" >"$tmp/objects_src.txt"
lc_objects "$dst" >"$tmp/objects_dst.txt"
diff -u "$tmp/objects_src.txt" "$tmp/objects_dst.txt" || fail "the restored extension's objects differ"
echo "ok: $(wc -l <"$tmp/after.txt") result lines ($n_tables summary types) identical after pg_dump -Fc / pg_restore"
