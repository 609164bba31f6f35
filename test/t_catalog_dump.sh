#!/usr/bin/env bash
# test/t_catalog_dump.sh: pg_dump / pg_restore of a database holding the extension and a filled
# indicator-center catalog gives back identical catalog rows (every table registered with
# pg_extension_config_dump, the history sequence included) and identical metric_values.
#
# Run by test/run_tests.sh with the cluster in PGHOST/PGPORT/PGUSER (a superuser) and the repository
# directory as $1; RK_BINDIR (psql, pg_dump ...) and RK_TMP (scratch space) are used when set.
set -euo pipefail
repo=${1:?usage: t_catalog_dump.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
tmp=${RK_TMP:-$(mktemp -d)}/catalog_dump.$$
mkdir -p "$tmp"
src=rk_catalog_dump_src
dst=rk_catalog_dump_dst
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

cleanup() {
  psql -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS $dst" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
cleanup
mkdir -p "$tmp"

psql -d postgres -c "CREATE DATABASE $src" -c "CREATE DATABASE $dst"

# a database with user tables, the extension and a catalog filled through the API
psql -d "$src" >/dev/null <<'SQL'
CREATE SCHEMA shop;
CREATE TABLE shop.sales (sale_date date, store_id int, region text, revenue numeric(12,2), cost numeric(12,2),
                         units int, txn int);
INSERT INTO shop.sales
SELECT date '2024-01-01' + (g * 7 % 400), 1 + g % 4, CASE WHEN g % 4 < 2 THEN 'north' ELSE 'south' END,
       round(((g * 37) % 1000) / 7.0, 2), round(((g * 37) % 1000) / 11.0, 2), 1 + g % 3, g / 2
FROM generate_series(1, 3000) g;
CREATE TABLE shop.traffic (day date, store_id int, region text, visitors int);
INSERT INTO shop.traffic
SELECT date '2024-01-01' + d, s, CASE WHEN s < 3 THEN 'north' ELSE 'south' END, 40 + (d * s) % 30
FROM generate_series(0, 400) d, generate_series(1, 4) s;
CREATE EXTENSION retail_kpi;
SET search_path = retail_kpi, public;
SELECT define_dimension('store', 'Store', '门店');
SELECT define_dimension('region', 'Region', '区域');
SELECT define_source('sales', 'shop.sales', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_source('traffic', 'shop.traffic', 'day', '{"store": "store_id", "region": "region"}');
SELECT define_measure('net_sales', 'sales', 'sum', 'revenue', unit => 'CNY');
SELECT define_measure('sales_summary', 'sales', 'margin_agg', 'revenue, cost, units');
SELECT define_measure('transactions', 'sales', 'count_distinct', 'txn');
SELECT define_measure('visitors', 'traffic', 'sum', 'visitors');
SELECT * FROM install_standard_metrics(status => 'certified');
SELECT define_metric('net_sales', 'Net sales (revised)', measure => 'net_sales', unit => 'CNY', reason => 'label');
SELECT set_target('net_sales', '2024-03-01', 25000, '{"region": "north"}', reason => 'budget');
SELECT define_alert_rule('low_sales', 'net_sales', 'below', 20000, dimensions => '{region}');
-- alert events (every region that sold in March 2024 fires)
SELECT define_alert_rule('any_sales', 'net_sales', 'above', 0, dimensions => '{region}');
SELECT count(*) FROM evaluate_alerts('2024-04-01');
SELECT allow_function('my_abs', 'pg_catalog.abs', 'both', 'a user-added allow-list entry (dumped)');
SELECT define_metric_drivers('net_sales', '{visitors,conversion_rate,avg_transaction_value}', reason => 'driver tree (dumped)');
SQL

dump_catalog() {   # all catalog rows as sorted JSON lines, and metric values
  psql -d "$1" -At <<'SQL'
SET search_path = retail_kpi, public;
SELECT 'dimensions', to_jsonb(t)::text FROM dimensions t ORDER BY 2;
SELECT 'sources', to_jsonb(t)::text FROM sources t ORDER BY 2;
SELECT 'measures', to_jsonb(t)::text FROM measures t ORDER BY 2;
SELECT 'metrics', to_jsonb(t)::text FROM metrics t ORDER BY 2;
SELECT 'targets', to_jsonb(t)::text FROM targets t ORDER BY 2;
SELECT 'alert_rules', to_jsonb(t)::text FROM alert_rules t ORDER BY 2;
SELECT 'alert_events', to_jsonb(t)::text FROM alert_events t ORDER BY 2;
SELECT 'history', to_jsonb(t)::text FROM catalog_history t ORDER BY 2;
SELECT 'functions', to_jsonb(t)::text FROM catalog_functions t WHERE NOT builtin ORDER BY 2;
SELECT 'functions', count(*) FROM catalog_functions;
SELECT 'drivers', to_jsonb(t)::text FROM metric_drivers t ORDER BY 2;
SELECT 'explain', e::text FROM explain_metric_change('net_sales', '2024-01-01', '2024-03-31', '2024-04-01', '2024-06-30',
                                                     '{"region": "north"}', 'shapley', by => 'store') e;
SELECT 'aggregations', count(*) FROM catalog_aggregations;
SELECT 'values', v::text FROM metric_values('{net_sales,gross_margin_rate,conversion_rate,avg_transaction_value}',
                                            '{region}', NULL, '2024-01-01', '2024-12-31', 'quarter', 'previous_period') v;
SELECT 'vs_target', v::text FROM metric_vs_target('net_sales', '{region}', NULL, '2024-03-01', '2024-03-31') v;
SQL
}

dump_catalog "$src" >"$tmp/before.txt"
"$bindir/pg_dump" -Fc -d "$src" -f "$tmp/db.dump"
"$bindir/pg_restore" -d "$dst" "$tmp/db.dump"
dump_catalog "$dst" >"$tmp/after.txt"

rows=$(grep -c . "$tmp/before.txt")
if ! diff -u "$tmp/before.txt" "$tmp/after.txt"; then
  echo "FAIL: catalog rows or metric values differ after dump and restore"
  exit 1
fi
for t in dimensions sources measures metrics targets alert_rules alert_events history functions drivers explain values vs_target; do
  n=$(grep -c "^$t|" "$tmp/after.txt" || true)
  if ((n == 0)); then
    echo "FAIL: no $t rows were compared"
    exit 1
  fi
done

# the restored catalog keeps working: history ids continue after the restored ones
psql -d "$dst" -At <<'SQL' >"$tmp/check.txt"
SET search_path = retail_kpi, public;
SELECT max(id) FROM catalog_history;
SELECT define_metric('net_sales', 'Net sales (after restore)', measure => 'net_sales', unit => 'CNY', reason => 'restore test');
SELECT id > (SELECT max(id) FROM catalog_history WHERE reason IS DISTINCT FROM 'restore test') FROM catalog_history
WHERE reason = 'restore test';
SELECT count(*) FROM check_catalog() WHERE problem <> 'duplicate_definition';
-- events: evaluating March again stores nothing new; April's new events get ids after the restored ones
SELECT count(*) FILTER (WHERE is_new) FROM evaluate_alerts('2024-04-01');
SELECT count(*) > 0 AND bool_and(event_id > (SELECT max(id) FROM alert_events WHERE period_start < '2024-04-01'))
FROM evaluate_alerts('2024-05-01') WHERE is_new;
SQL
if [[ $(sed -n 3p "$tmp/check.txt") != t || $(sed -n 4p "$tmp/check.txt") != 0 ||
      $(sed -n 5p "$tmp/check.txt") != 0 || $(sed -n 6p "$tmp/check.txt") != t ]]; then
  echo "FAIL: the restored catalog does not continue its history or has problems:"
  cat "$tmp/check.txt"
  exit 1
fi
echo "ok: $rows catalog rows and metric values identical after pg_dump / pg_restore"
