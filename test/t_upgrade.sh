#!/usr/bin/env bash
# test/t_upgrade.sh: ALTER EXTENSION retail_kpi UPDATE from 0.1 (the first release, frozen script
# retail_kpi--0.1.sql) to the current version keeps every stored value and catalog row, and leaves the
# same objects as a fresh install of the current version.
#   1. CREATE EXTENSION retail_kpi VERSION '0.1'; store summaries of every summary type (format
#      version 1, hand-written literals included) and fill the catalog (test/lifecycle_lib.sh);
#      capture summary texts, every one-argument accessor/KPI on them, rollups, catalog rows,
#      metric_values, targets and alerts; COPY the summaries out in binary format
#   2. ALTER EXTENSION retail_kpi UPDATE, then (new sessions) the same capture must be identical and
#      the binary files must read back identically
#   3. a normalized listing of the extension's objects (test/lifecycle_lib.sh lc_objects) of the
#      upgraded database must equal a fresh install's, and so must the shipped allow-list rows
# Run by test/run_tests.sh with the cluster in PG* variables (a superuser) and the repository as $1.
set -euo pipefail
repo=${1:?usage: t_upgrade.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
# shellcheck source=test/lifecycle_lib.sh
. "$repo/test/lifecycle_lib.sh"
tmp=${RK_TMP:-$(mktemp -d)}/upgrade.$$
old=rk_upgrade_old
new=rk_upgrade_new
first=0.1
current=$(sed -nE "s/^default_version *= *'([^']*)'.*/\1/p" "$repo/retail_kpi.control")

cleanup() {
  lc_psql -d postgres -c "DROP DATABASE IF EXISTS $old" -c "DROP DATABASE IF EXISTS $new" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
[[ -n ${LC_KEEP:-} ]] && trap - EXIT   # LC_KEEP=1: keep the databases and files
cleanup
mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }

lc_psql -d postgres -c "CREATE DATABASE $old" -c "CREATE DATABASE $new"

# the update path the packaging must provide
path=$(lc_psql -d postgres -At -c "SELECT path FROM pg_extension_update_paths('retail_kpi')
                                    WHERE source = '$first' AND target = '$current'")
[[ -n $path ]] || fail "no update path from $first to $current (pg_extension_update_paths)"
echo "update path: $path"

# 1. version 0.1 with stored values
lc_psql -d "$old" -c "CREATE EXTENSION retail_kpi VERSION '$first'"
v=$(lc_psql -d "$old" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'retail_kpi'")
[[ $v == "$first" ]] || fail "CREATE EXTENSION ... VERSION '$first' installed '$v'"
lc_fill "$old"
lc_queries "$old" "$tmp/queries.sql"
# 0.3 (docs/security.md) adds columns to catalog rows (sources.relation, metrics.restricted,
# catalog_history.object_owner) and re-renders the stored compiled_sql with qualified operators:
# the rows are compared without those keys, and the keys are checked on their own after the update.
sed -i -e "s/^SELECT 'sources', to_jsonb(t)::text/SELECT 'sources', (to_jsonb(t) - 'relation' - 'native_grain')::text/" \
       -e "s/^SELECT 'aggregations', to_jsonb(t)::text/SELECT 'aggregations', (to_jsonb(t) - 'valid_grains')::text/" \
       -e "s/^SELECT 'functions', to_jsonb(t)::text FROM catalog_functions t/SELECT 'functions', to_jsonb(t)::text FROM catalog_functions t WHERE t.name NOT IN ('kpi_round', 'share', 'sell_through_from_closing')/" \
       -e "s/^SELECT 'measures', to_jsonb(t)::text/SELECT 'measures', (to_jsonb(t) - 'compiled_sql')::text/" \
       -e "s/^SELECT 'metrics', to_jsonb(t)::text/SELECT 'metrics', (to_jsonb(t) - 'compiled_sql' - 'restricted')::text/" \
       -e "s/^SELECT 'history', to_jsonb(t)::text/SELECT 'history', (to_jsonb(t) - 'object_owner')::text/" "$tmp/queries.sql"
# metric_values gains columns in 0.3 (exact_base, absolute_change, change_pp): the 0.2 columns are compared
sed -i -e "s/^SELECT '\(values\|values_total\)', v::text FROM metric_values/SELECT '\1', (v.metric, v.period_start, v.dimension_values, v.value, v.exact_value, v.base_value, v.change)::text FROM metric_values/" "$tmp/queries.sql"
[[ $(grep -c "^SELECT 'values[_a-z]*', (v.metric, " "$tmp/queries.sql") == 2 ]] || fail "the capture queries of metric_values were not adapted"
# metric_vs_target gains the coverage of the targets in 0.3: its 0.2 columns are compared
sed -i -e "s/^SELECT 'vs_target', v::text FROM metric_vs_target/SELECT 'vs_target', (v.period_start, v.dimension_values, v.actual, v.target, v.attainment, v.deviation, v.direction)::text FROM metric_vs_target/" "$tmp/queries.sql"
grep -q "^SELECT 'vs_target', (v.period_start, " "$tmp/queries.sql" || fail "the capture query of metric_vs_target was not adapted"
grep -q "^SELECT 'functions', .* WHERE t.name NOT IN " "$tmp/queries.sql" || fail "the capture query of the allow-list was not adapted"
for what in sources measures metrics history aggregations; do
  grep -q "^SELECT '$what', (to_jsonb(t) - " "$tmp/queries.sql" || fail "the capture query of $what was not adapted"
done
lc_capture "$old" "$tmp/queries.sql" >"$tmp/before.txt"
lc_copy_out "$old" "$tmp/bin"

# 2. update, then read everything back in new sessions
lc_psql -d "$old" -c "ALTER EXTENSION retail_kpi UPDATE"
v=$(lc_psql -d "$old" -At -c "SELECT extversion FROM pg_extension WHERE extname = 'retail_kpi'")
[[ $v == "$current" ]] || fail "ALTER EXTENSION retail_kpi UPDATE left version '$v', expected '$current'"
lc_capture "$old" "$tmp/queries.sql" >"$tmp/after.txt"
if ! diff -u "$tmp/before.txt" "$tmp/after.txt"; then
  fail "stored summaries, KPI values or catalog rows read back differently after the update"
fi
for what in 'sum_margin_summary' 'sum_ratio_summary' 'sum_abc_summary' 'sum_promo_summary' \
            'retail_kpi.margin_rate(retail_kpi.margin_summary)' 'retail_kpi.ratio(retail_kpi.ratio_summary)' \
            'retail_kpi.abc_classify(retail_kpi.abc_summary' 'retail_kpi.incremental_revenue(retail_kpi.promo_summary)' \
            'rollup sum_' dimensions sources measures metrics targets alert_rules history values vs_target; do
  grep -q "^$what" "$tmp/after.txt" || fail "nothing compared for '$what'"
done
lc_copy_check "$old" "$tmp/bin" || fail "binary summaries of $first do not read back after the update"

# what 0.3 added to the catalog rows: sources bound to the relation their names resolved to, every
# history row with its object's owner, compiled_sql re-rendered exactly as a fresh install renders it
got=$(lc_psql -d "$old" -At <<'SQL'
SELECT (SELECT count(*) FROM retail_kpi.sources s
        WHERE s.relation <> pg_catalog.to_regclass(format('%I.%I', s.schema_name, s.relation_name))) = 0
   AND (SELECT count(*) FROM retail_kpi.sources) > 0
   AND (SELECT count(*) FROM retail_kpi.catalog_history WHERE object_owner IS NULL AND object_type <> 'function') = 0
   AND (SELECT count(*) FROM retail_kpi.measures me
        WHERE me.compiled_sql <> (retail_kpi._catalog_compile_measure(me.aggregation, me.expression, me.filter)).sql) = 0
   AND (SELECT count(*) FROM retail_kpi.metrics m WHERE m.kind <> 'simple'
          AND m.compiled_sql <> (retail_kpi._catalog_compile_metric(m.kind, m.definition)).sql) = 0
   AND (SELECT count(*) FROM retail_kpi.metrics m WHERE m.kind = 'ratio' AND m.compiled_sql LIKE '%OPERATOR(pg_catalog./)%') > 0
   AND (SELECT bool_and(NOT restricted) FROM retail_kpi.metrics);
SQL
)
[[ $got == t ]] || fail "the catalog rows were not migrated to 0.3 (relation OIDs, history owners, compiled_sql)"
got=$(lc_psql -d "$old" -At <<'SQL'
SELECT bool_and(v.absolute_change = v.exact_value - v.exact_base AND v.change_pp IS NULL) FILTER (WHERE v.metric = 'net_sales')
   AND bool_and(abs(v.change_pp - (v.value - v.base_value) * 100) < 1e-9) FILTER (WHERE v.metric = 'gross_margin_rate')
   AND count(*) FILTER (WHERE v.metric = 'net_sales' AND v.exact_base IS NOT NULL) > 0
FROM retail_kpi.metric_values('{net_sales,gross_margin_rate}', '{region}', NULL, '2024-01-01', '2024-12-31', 'quarter',
                              'previous_period') v;
SQL
)
[[ $got == t ]] || fail "metric_values of 0.3 does not give the exact base, absolute change and percentage points"


# summary types added after 0.1 get their fixtures now, in the upgraded database (written and read
# back by the new version's functions: the summary_format_versions() check below counts them)
lc_fill_new_types "$old"

# the functions added in 0.2 work in the upgraded database
got=$(lc_psql -d "$old" -At -c "SELECT retail_kpi.extension_version()")
[[ $got == "$current" ]] || fail "extension_version() = '$got' after the update"
got=$(lc_psql -d "$old" -At <<'SQL'
SELECT count(*) FILTER (WHERE written_version = 1 AND 1 = ANY (readable_versions)) = count(*)
       AND count(*) = (SELECT count(*) FROM pg_class
                       WHERE relnamespace = 'lc'::regnamespace AND relname LIKE 'sum\_%')
FROM retail_kpi.summary_format_versions();
SQL
)
[[ $got == t ]] || fail "summary_format_versions() does not list every summary type as reading version 1"

# 3. the upgraded extension has the same objects as a fresh install of the current version
lc_psql -d "$new" -c "CREATE EXTENSION retail_kpi"
lc_objects "$old" >"$tmp/objects_upgraded.txt"
lc_objects "$new" >"$tmp/objects_fresh.txt"
if ! diff -u "$tmp/objects_fresh.txt" "$tmp/objects_upgraded.txt"; then
  fail "the upgraded extension's objects differ from a fresh $current install (- fresh, + upgraded)"
fi
shipped="SELECT 'aggregations', to_jsonb(t)::text FROM retail_kpi.catalog_aggregations t ORDER BY 2;
         SELECT 'functions', to_jsonb(t)::text FROM retail_kpi.catalog_functions t WHERE builtin ORDER BY 2;"
lc_psql -d "$old" -At -c "$shipped" >"$tmp/shipped_upgraded.txt"
lc_psql -d "$new" -At -c "$shipped" >"$tmp/shipped_fresh.txt"
if ! diff -u "$tmp/shipped_fresh.txt" "$tmp/shipped_upgraded.txt"; then
  fail "the shipped allow-list rows differ between a fresh install and the upgraded database"
fi
for what in member function aggregate type relation column comment config_dump; do
  grep -q "^$what|" "$tmp/objects_fresh.txt" || fail "the object listing has no '$what' rows"
done

echo "ok: $(wc -l <"$tmp/before.txt") values identical after $first -> $current," \
     "$(wc -l <"$tmp/objects_fresh.txt") object lines equal to a fresh install"
