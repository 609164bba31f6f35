#!/usr/bin/env bash
# test/t_preaggregate_dump.sh: pg_dump and restore of a database holding pre-aggregates
# (docs/preaggregates.md, "Dump and restore"), in plain format (psql -f) and custom format
# (pg_restore -j 2 --exit-on-error).  The source database has a source table, a pre-aggregate by day
# and store holding a summary column (margin_summary) and one by month, both refreshed, a pending
# invalidation (a late sale), a view source (untracked) and a reader role granted SELECT on the
# source.  After each restore it checks: the catalog rows and invalidations are back (regclass
# columns naming the restored tables and source), each pre-aggregate table holds the same rows,
# belongs to the extension's owner and has the same grants, the status is the same (not
# "definition_changed": the OID stored in a definition is not trusted), routed metric_values names
# the pre-aggregate and equals the raw answer, a late insert after the restore is recorded by the
# restored triggers, an incremental refresh brings the table to the raw aggregation, check_catalog
# reports nothing about pre-aggregates, and drop_preaggregate removes the restored triggers (found by
# function and argument: their names hold the old table OIDs).  Then DROP EXTENSION: refused while
# pre-aggregates exist (the error names the triggers), clean after the documented removal, and with
# CASCADE the triggers go and the tables stay for DROP SCHEMA retail_kpi_preagg CASCADE.
#
# Run by test/run_tests.sh with the cluster in PG* variables (a superuser) and the repository as $1;
# RK_BINDIR (psql, pg_dump, pg_restore) and RK_TMP (scratch space) are used when set.
set -euo pipefail
repo=${1:?usage: t_preaggregate_dump.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
tmp=${RK_TMP:-$(mktemp -d)}/preaggregate_dump.$$
src=rk_padump_src
reader=rk_padump_reader
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
cleanup() {
  psql -d postgres -c "DROP DATABASE IF EXISTS $src" -c "DROP DATABASE IF EXISTS ${src}_plain" \
       -c "DROP DATABASE IF EXISTS ${src}_custom" -c "DROP ROLE IF EXISTS $reader" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
cleanup
mkdir -p "$tmp"
fail() { echo "not ok - $*"; exit 1; }

psql -d postgres -c "CREATE ROLE $reader" -c "CREATE DATABASE $src"
psql -d "$src" >/dev/null <<SQL
CREATE SCHEMA shop;
CREATE TABLE shop.sales (sale_date date, store_id int, revenue numeric(12,2), cost numeric(12,2), units int);
INSERT INTO shop.sales
SELECT DATE '2024-01-01' + g % 120, 1 + g % 4, round(((g * 37) % 1000) / 7.0, 2), round(((g * 37) % 1000) / 11.0, 2), 1 + g % 3
FROM generate_series(1, 4000) g;
CREATE VIEW shop.sales_view AS SELECT * FROM shop.sales;
GRANT SELECT ON shop.sales TO $reader;
CREATE EXTENSION retail_kpi;
SET search_path = retail_kpi, public;
SELECT define_dimension('store', 'Store');
SELECT define_source('sales', 'shop.sales', 'sale_date', '{"store": "store_id"}');
SELECT define_source('sales_v', 'shop.sales_view', 'sale_date', '{"store": "store_id"}');
SELECT define_measure('revenue', 'sales', 'sum', 'revenue');
SELECT define_measure('lines', 'sales', 'count');
SELECT define_measure('sales_summary', 'sales', 'margin_agg', 'revenue, cost, units');
SELECT define_measure('revenue_v', 'sales_v', 'sum', 'revenue');
SELECT define_metric('revenue', 'Revenue', measure => 'revenue');
SELECT define_metric('lines', 'Lines', measure => 'lines');
SELECT define_metric('avg_line', 'Revenue per line', kind => 'ratio', numerator => 'revenue', denominator => 'lines');
SELECT define_preaggregate('day_store', 'sales', '{store}', '{revenue,lines,sales_summary}');
SELECT define_preaggregate('by_month', 'sales', '{}', '{revenue}', 'month');
SELECT define_preaggregate('view_day', 'sales_v', '{store}', '{revenue_v}');
SELECT refresh_preaggregate('day_store');
SELECT refresh_preaggregate('by_month');
SELECT refresh_preaggregate('view_day');
-- a late sale: a pending invalidation of both tracked pre-aggregates
INSERT INTO shop.sales VALUES (DATE '2024-02-10', 2, 99.99, 50.00, 1);
SQL

# what must survive: catalog rows (the definition without the relation OID, which changes),
# invalidations, table rows, owners, grants, status, triggers (without their OID-bearing names)
capture() {
  psql -d "$1" -At <<'SQL'
SET search_path = retail_kpi, public;
SELECT 'catalog', code, source, dimensions, measures, grain, "table", relation, time_zone, definition - 'relation',
       tracked, owner, watermark, last_refresh, row_count FROM preaggregates ORDER BY code;
SELECT 'invalidation', preaggregate, period_start FROM preaggregate_invalidations ORDER BY 2, 3;
SELECT 'status', code, state, rows, watermark, pending_periods, tracked FROM preaggregate_status ORDER BY code;
SELECT 'day_store', period_start, store, revenue, lines, sales_summary FROM retail_kpi_preagg.day_store ORDER BY 2, 3;
SELECT 'by_month', period_start, revenue FROM retail_kpi_preagg.by_month ORDER BY 2;
SELECT 'view_day', count(*), sum(revenue_v) FROM retail_kpi_preagg.view_day;
-- (an ACL equal to the default is dumped as none: compare the effective one)
SELECT 'table', c.oid::regclass, c.relowner = e.extowner, coalesce(c.relacl, acldefault('r', c.relowner))
FROM pg_class c, pg_extension e WHERE c.relnamespace = 'retail_kpi_preagg'::regnamespace AND c.relkind = 'r'
  AND e.extname = 'retail_kpi' ORDER BY c.relname;
SELECT 'schema', n.nspowner = e.extowner, n.nspacl FROM pg_namespace n, pg_extension e
WHERE n.nspname = 'retail_kpi_preagg' AND e.extname = 'retail_kpi';
SELECT 'triggers', p.code, array_agg(t.event || ':' || t.enabled ORDER BY t.event)
FROM preaggregates p, _preaggregate_triggers(p.code, p.relation) t GROUP BY 2 ORDER BY 2;
SELECT 'check_catalog', * FROM check_catalog() WHERE object_type = 'preaggregate';
SQL
}
capture "$src" >"$tmp/before.txt"
grep -q '^status|day_store|invalidated|' "$tmp/before.txt" || fail "the source database has no pending invalidation"
grep -q '^triggers|day_store|{delete:true,insert:true,truncate:true,update:true}$' "$tmp/before.txt" ||
  fail "the source database's triggers were not found"

"$bindir/pg_dump" -d "$src" -f "$tmp/db.sql"
"$bindir/pg_dump" -Fc -d "$src" -f "$tmp/db.dump"

for format in plain custom; do
  dst=${src}_$format
  psql -d postgres -c "CREATE DATABASE $dst"
  if [[ $format == plain ]]; then
    psql -d "$dst" -f "$tmp/db.sql" >/dev/null 2>"$tmp/restore.err" || { cat "$tmp/restore.err"; fail "$format: restore failed"; }
  else
    "$bindir/pg_restore" --exit-on-error -j 2 -d "$dst" "$tmp/db.dump" 2>"$tmp/restore.err" ||
      { cat "$tmp/restore.err"; fail "$format: pg_restore reported errors"; }
  fi
  capture "$dst" >"$tmp/after.txt"
  diff -u "$tmp/before.txt" "$tmp/after.txt" || fail "$format: pre-aggregates differ after the restore (- before, + after)"
  echo "ok - $format: catalog rows, invalidations, $(grep -c '^day_store|' "$tmp/after.txt") stored rows, owners, grants, status and triggers restored"

  # the regclass columns name the restored relations; the OID in the stored definitions is the old
  # database's (so the status above was computed with a changed OID)
  r=$(psql -d "$dst" -At -c "SELECT bool_and(\"table\" = to_regclass('retail_kpi_preagg.' || code)
                                               AND relation = (SELECT s.relation FROM retail_kpi.sources s WHERE s.code = p.source)),
                                    bool_and((definition->>'relation')::oid <> relation::oid)
                             FROM retail_kpi.preaggregates p")
  [[ $r == 't|t' ]] || fail "$format: regclass columns do not name the restored tables, or the source kept its OID: $r"

  # routing: metric_sql names the pre-aggregate, routed values equal raw values (pending period read raw)
  r=$(psql -d "$dst" -At <<'SQL'
SET search_path = retail_kpi, public;
SELECT metric_sql('{revenue,avg_line}', '{store}', NULL, '2024-01-01', '2024-04-30', 'month') LIKE '%from pre-aggregate "day_store"%';
SELECT count(*) FROM ((SELECT * FROM metric_values('{revenue,avg_line}', '{store}', NULL, '2024-01-01', '2024-04-30', 'month')
                       EXCEPT SELECT * FROM metric_values('{revenue,avg_line}', '{store}', NULL, '2024-01-01', '2024-04-30', 'month', routing => 'raw'))
                      UNION ALL
                      (SELECT * FROM metric_values('{revenue,avg_line}', '{store}', NULL, '2024-01-01', '2024-04-30', 'month', routing => 'raw')
                       EXCEPT SELECT * FROM metric_values('{revenue,avg_line}', '{store}', NULL, '2024-01-01', '2024-04-30', 'month'))) d;
SELECT count(*) FROM metric_values('{revenue,avg_line}', '{store}', NULL, '2024-01-01', '2024-04-30', 'month');
SQL
)
  [[ $r == $'t\n0\n32' ]] || fail "$format: routed values after the restore: $r"
  echo "ok - $format: metric_sql names the pre-aggregate and routed metric_values equal raw rows (32 values)"

  # the restored triggers fire: a late update is recorded; an incremental refresh fixes every period
  r=$(psql -d "$dst" -At <<'SQL'
SET search_path = retail_kpi, public;
UPDATE shop.sales SET revenue = revenue + 1 WHERE sale_date = DATE '2024-03-05' AND store_id = 1;
SELECT string_agg(preaggregate || ' ' || period_start, ', ' ORDER BY preaggregate, period_start) FROM preaggregate_invalidations;
SELECT refresh_preaggregate_incremental('day_store') > 0, refresh_preaggregate_incremental('by_month') > 0,
       refresh_preaggregate('view_day') > 0;
SELECT string_agg(code || ' ' || state, ', ' ORDER BY code) FROM preaggregate_status;
SELECT count(*) FROM ((SELECT period_start, store, revenue, lines, sales_summary::text FROM retail_kpi_preagg.day_store
                       EXCEPT SELECT sale_date, store_id, sum(revenue), count(*), margin_agg(revenue, cost, units)::text FROM shop.sales GROUP BY 1, 2)
                      UNION ALL
                      (SELECT sale_date, store_id, sum(revenue), count(*), margin_agg(revenue, cost, units)::text FROM shop.sales GROUP BY 1, 2
                       EXCEPT SELECT period_start, store, revenue, lines, sales_summary::text FROM retail_kpi_preagg.day_store)) d;
SELECT count(*) FROM ((SELECT period_start, revenue FROM retail_kpi_preagg.by_month
                       EXCEPT SELECT date_trunc('month', sale_date)::date, sum(revenue) FROM shop.sales GROUP BY 1)
                      UNION ALL
                      (SELECT date_trunc('month', sale_date)::date, sum(revenue) FROM shop.sales GROUP BY 1
                       EXCEPT SELECT period_start, revenue FROM retail_kpi_preagg.by_month)) d;
SQL
)
  want=$'by_month 2024-02-01, by_month 2024-03-01, day_store 2024-02-10, day_store 2024-03-05\nt|t|t\nby_month current, day_store current, view_day untracked\n0\n0'
  [[ $r == "$want" ]] || fail "$format: late data after the restore: got
$r
want
$want"
  echo "ok - $format: the restored triggers record a late update; incremental refreshes equal the raw aggregation"

  # drop_preaggregate removes the restored triggers (named with the old table OIDs) and the table
  r=$(psql -d "$dst" -At <<'SQL'
SET search_path = retail_kpi, public;
SELECT 'dropped' FROM (SELECT drop_preaggregate('day_store')) x;
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'shop.sales'::regclass AND tgargs = convert_to('day_store', 'UTF8') || '\x00'::bytea;
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'shop.sales'::regclass;
SELECT to_regclass('retail_kpi_preagg.day_store') IS NULL;
SQL
)
  [[ $r == $'dropped\n0\n4\nt' ]] || fail "$format: drop after the restore left triggers or the table: $r"
  echo "ok - $format: drop_preaggregate removes the restored triggers and table"
done

# DROP EXTENSION (docs/preaggregates.md, "Removing the extension"): without CASCADE it fails and
# names the triggers on the source; the documented sequence removes everything cleanly and the
# extension can be installed again; with CASCADE the triggers go (the source keeps accepting rows)
# and the tables are left in schema retail_kpi_preagg, which DROP SCHEMA ... CASCADE removes.
if psql -d "$src" -c "DROP EXTENSION retail_kpi" 2>"$tmp/drop.err"; then
  fail "DROP EXTENSION without CASCADE succeeded while pre-aggregates exist"
fi
grep -q 'trigger retail_kpi_preagg_[0-9]*_insert on table shop.sales depends on function retail_kpi._preaggregate_invalidate()' "$tmp/drop.err" ||
  { cat "$tmp/drop.err"; fail "the DROP EXTENSION error does not name the triggers"; }
r=$(psql -d "$src" -At <<'SQL'
SELECT count(*) FROM (SELECT retail_kpi.drop_preaggregate(code, 'uninstall') FROM retail_kpi.preaggregates) x;
DROP SCHEMA retail_kpi_preagg;
DROP EXTENSION retail_kpi;
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'shop.sales'::regclass;
SELECT count(*) FROM pg_namespace WHERE nspname = 'retail_kpi_preagg';
CREATE EXTENSION retail_kpi;
SELECT retail_kpi.define_source('sales', 'shop.sales', 'sale_date', '{}');
SELECT retail_kpi.define_measure('revenue', 'sales', 'sum', 'revenue');
SELECT retail_kpi.define_preaggregate('again', 'sales'), retail_kpi.refresh_preaggregate('again') > 0;
SQL
)
[[ $r == $'3\n0\n0\nsales\nrevenue\nagain|t' ]] || fail "the documented removal before DROP EXTENSION: $r"
echo "ok - DROP EXTENSION fails naming the triggers; drop_preaggregate for each, DROP SCHEMA, DROP EXTENSION remove everything"
r=$(psql -d "${src}_custom" -At 2>/dev/null <<'SQL'
DROP EXTENSION retail_kpi CASCADE;
SELECT count(*) FROM pg_trigger WHERE tgrelid = 'shop.sales'::regclass;
INSERT INTO shop.sales VALUES (DATE '2024-02-11', 1, 1, 1, 1);
SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 'retail_kpi_preagg'::regnamespace AND relkind = 'r';
DROP SCHEMA retail_kpi_preagg CASCADE;
CREATE EXTENSION retail_kpi;
SELECT count(*) FROM retail_kpi.preaggregates;
SQL
)
[[ $r == $'0\nby_month,view_day\n0' ]] || fail "DROP EXTENSION CASCADE: $r"
echo "ok - DROP EXTENSION CASCADE drops the triggers (the source accepts rows) and leaves the tables to DROP SCHEMA retail_kpi_preagg CASCADE"
echo "ok: pre-aggregates survive pg_dump and restore (plain and custom format)"
