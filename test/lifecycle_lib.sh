#!/usr/bin/env bash
# test/lifecycle_lib.sh: shared by test/t_upgrade.sh and test/t_dump_restore.sh (sourced, not a test).
#
#   lc_fill DB          user tables (schema lc) with stored summaries of EVERY summary type of the
#                       installed extension (table lc.sum_<type>, hand-written format version 1
#                       literals included) and a filled indicator-center catalog; fails when a
#                       summary type of the extension has no fixture (add one below for a new family)
#   lc_queries DB OUT   writes to OUT the capture queries, generated from DB's catalog: for every
#                       stored summary table, its text, each one-argument function of the extension
#                       that takes that type (accessors, KPIs, SRFs such as abc_classify, _send) and
#                       rollup() per group; then catalog rows, metric_values and metric_vs_target.
#                       Generate them once (before the change) and run the same file before and after.
#   lc_capture DB FILE  runs the capture queries of FILE in DB (sorted, stable output)
#   lc_objects DB       normalized listing of the extension's objects (functions with their full
#                       definitions, aggregates, types, relations, columns, constraints, indexes,
#                       views, ACLs, comments, pg_extension_config_dump registrations)
#   lc_copy_out DB DIR / lc_copy_check DB DIR
#                       COPY (FORMAT binary) of every lc.sum_* table to DIR, and reading those files
#                       back through the types' recv functions into DB (same text as stored)
# Needs: bindir (psql), set by the caller.
# shellcheck shell=bash

lc_psql() { "${bindir:?set bindir before sourcing lifecycle_lib.sh}/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

lc_fill() {
  lc_psql -d "$1" >/dev/null <<'SQL'
SET search_path = retail_kpi, public;
CREATE SCHEMA lc;
CREATE TABLE lc.sales (sale_date date, store_id int, region text, sku text, revenue numeric(12,2),
                       cost numeric(12,2), units int, txn int);
INSERT INTO lc.sales
SELECT date '2024-01-01' + (g * 7 % 400), 1 + g % 4, CASE WHEN g % 4 < 2 THEN 'north' ELSE 'south' END,
       'sku' || (g * 13 % 37), round(((g * 37) % 1000) / 7.0, 2), round(((g * 37) % 1000) / 11.0, 2),
       1 + g % 3, g / 2
FROM generate_series(1, 3000) g;
CREATE TABLE lc.traffic (day date, store_id int, region text, visitors int);
INSERT INTO lc.traffic
SELECT date '2024-01-01' + d, s, CASE WHEN s < 3 THEN 'north' ELSE 'south' END, 40 + (d * s) % 30
FROM generate_series(0, 400) d, generate_series(1, 4) s;
CREATE TABLE lc.stock (snapshot_date date, store_id int, on_hand_cost numeric, on_hand_units numeric,
                       on_hand_retail numeric);
INSERT INTO lc.stock
SELECT date '2024-01-07' + 7 * w, s, 1000 + (w * s * 37) % 500 + 0.25 * s, 100 + (w * s) % 40,
       1600 + (w * s * 53) % 700
FROM generate_series(0, 56) w, generate_series(1, 4) s;

-- stored summaries: one table per summary type, grp = the rollup group
CREATE TABLE lc.sum_margin_summary (id int, grp text, s margin_summary);
INSERT INTO lc.sum_margin_summary
SELECT row_number() OVER (ORDER BY store_id, m), 'store' || store_id, s
FROM (SELECT store_id, date_trunc('month', sale_date) m, margin_agg(revenue, cost, units) s
      FROM lc.sales GROUP BY 1, 2) t;
INSERT INTO lc.sum_margin_summary VALUES
  (1001, 'literal', '(v1,rows=3,revenue=150.75,cost=100.15,units=15)'),
  (1002, 'literal', (SELECT margin_agg(r, c) FROM (VALUES (0, 5)) v(r, c)));
CREATE TABLE lc.sum_ratio_summary (id int, grp text, s ratio_summary);
INSERT INTO lc.sum_ratio_summary
SELECT row_number() OVER (ORDER BY store_id, sale_date), 'store' || store_id, s
FROM (SELECT store_id, sale_date, ratio_agg(revenue, units) s FROM lc.sales GROUP BY 1, 2) t;
INSERT INTO lc.sum_ratio_summary VALUES
  (1001, 'literal', '(v1,rows=1,numerator=1,denominator=0)'),
  (1002, 'literal', '(v1,rows=1,numerator=2,denominator=8)');
CREATE TABLE lc.sum_abc_summary (id int, grp text, s abc_summary);
INSERT INTO lc.sum_abc_summary
SELECT store_id, 'all', abc_agg(sku, revenue - cost) FROM lc.sales GROUP BY store_id;
INSERT INTO lc.sum_abc_summary VALUES
  (1001, 'literal', '(v1,rows=10,"Zeta"=15,"apple"=15.0,"beta"=15.00,"neg"=-10,"tail"=5,"top"=50,"zero"=0)');
CREATE TABLE lc.sum_promo_summary (id int, grp text, s promo_summary);
INSERT INTO lc.sum_promo_summary
SELECT store_id, 'promo_march', promo_agg(sale_date, units, revenue, cost, '2024-03-01', '2024-03-14',
                                          '2024-02-01', '2024-02-28')
FROM lc.sales GROUP BY store_id;
SQL
  # families that may or may not be installed (the test covers what the extension has)
  lc_psql -d "$1" >/dev/null <<'SQL'
SET search_path = retail_kpi, public;
SELECT to_regtype('retail_kpi.stock_summary') IS NOT NULL AS has_stock,
       to_regtype('retail_kpi.bridge_summary') IS NOT NULL AS has_bridge \gset
\if :has_stock
CREATE TABLE lc.sum_stock_summary (id int, grp text, s stock_summary);
INSERT INTO lc.sum_stock_summary
SELECT store_id, 'all', stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail)
FROM lc.stock GROUP BY store_id;
INSERT INTO lc.sum_stock_summary
SELECT 100 + store_id, 'cost_only', stock_agg(snapshot_date, on_hand_cost) FROM lc.stock GROUP BY store_id;
\endif
\if :has_bridge
CREATE TABLE lc.sum_bridge_summary (id int, grp text, s bridge_summary);
INSERT INTO lc.sum_bridge_summary
SELECT store_id, 'q1_vs_q2', bridge_agg(sku, sale_date >= '2024-04-01', units, revenue, cost)
FROM lc.sales WHERE sale_date BETWEEN '2024-01-01' AND '2024-06-30' GROUP BY store_id;
\endif
SQL
  lc_fill_new_types "$1" || return 1
  # every summary type of the extension has a fixture table
  local missing
  missing=$(lc_psql -d "$1" -At <<'SQL'
SELECT string_agg(t.typname, ', ' ORDER BY t.typname)
FROM pg_type t
JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'retail_kpi'
WHERE t.typtype = 'b' AND t.typelem = 0 AND to_regclass('lc.sum_' || t.typname) IS NULL;
SQL
)
  if [[ -n $missing ]]; then
    echo "FAIL: no stored-summary fixture in test/lifecycle_lib.sh for: $missing"
    return 1
  fi
  # the catalog, filled through its API
  lc_psql -d "$1" >/dev/null <<'SQL'
SET search_path = retail_kpi, public;
SELECT define_dimension('store', 'Store', '门店');
SELECT define_dimension('region', 'Region', '区域');
SELECT define_source('sales', 'lc.sales', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_source('traffic', 'lc.traffic', 'day', '{"store": "store_id", "region": "region"}');
SELECT define_measure('net_sales', 'sales', 'sum', 'revenue', unit => 'CNY');
SELECT define_measure('sales_summary', 'sales', 'margin_agg', 'revenue, cost, units');
SELECT define_measure('transactions', 'sales', 'count_distinct', 'txn');
SELECT define_measure('visitors', 'traffic', 'sum', 'visitors');
SELECT * FROM install_standard_metrics(status => 'certified');
SELECT define_metric('net_sales', 'Net sales (revised)', measure => 'net_sales', unit => 'CNY', reason => 'label');
SELECT define_metric('sales_per_visitor', 'Sales per visitor', 'ratio', numerator => 'net_sales',
                     denominator => 'visitors', unit => 'CNY');
SELECT set_target('net_sales', '2024-03-01', 25000, '{"region": "north"}', reason => 'budget');
SELECT define_alert_rule('low_sales', 'net_sales', 'below', 20000, dimensions => '{region}');
SQL
}

# Fixtures of the summary types added after 0.1 (lc_fill calls it; test/t_upgrade.sh calls it again
# after ALTER EXTENSION UPDATE, when those types have appeared): each table is created only when its
# type exists and the table does not yet.
lc_fill_new_types() {
  lc_psql -d "$1" >/dev/null <<'SQL'
SET search_path = retail_kpi, public;
SELECT to_regtype('retail_kpi.customer_summary') IS NOT NULL
       AND to_regclass('lc.sum_customer_summary') IS NULL AS need_customer \gset
\if :need_customer
CREATE TABLE lc.sum_customer_summary (id int, grp text, s customer_summary);
INSERT INTO lc.sum_customer_summary
SELECT row_number() OVER (ORDER BY store_id, m), 'store' || store_id, s
FROM (SELECT store_id, date_trunc('month', sale_date) m,
             customer_agg(txn % 60 - 10, sale_date, revenue) s
      FROM lc.sales GROUP BY 1, 2) t;
INSERT INTO lc.sum_customer_summary VALUES
  (1001, 'literal', '(v1,rows=10,-9223372036854775808=-1@2024-03-02,-7=3.00@2024-02-01,3=0@2024-01-01;2024-01-02;2024-01-03,42=17.75@2024-01-01;2024-01-05;2024-03-15,9223372036854775807=1@2024-03-01)'),
  (1002, 'literal', '(v1,rows=0)');
\endif
SQL
}

lc_queries() {
  lc_psql -d "$1" -At >"$2" <<'SQL'
-- each stored summary's text and every one-argument function of the extension applied to it
SELECT format('SELECT %L, id, s::text FROM lc.%I ORDER BY id;', c.relname, c.relname)
FROM pg_class c WHERE c.relnamespace = 'lc'::regnamespace AND c.relname LIKE 'sum\_%' AND c.relkind = 'r'
UNION ALL
SELECT format('SELECT %L, id, (SELECT string_agg(x::text, %L) FROM retail_kpi.%I(s) x) FROM lc.%I ORDER BY id;',
              p.oid::regprocedure::text, ' ; ', p.proname, c.relname)
FROM pg_class c
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 's'
JOIN pg_proc p ON p.proargtypes[0] = a.atttypid AND p.pronargs - p.pronargdefaults = 1 AND p.prokind = 'f'
JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'retail_kpi'
WHERE c.relnamespace = 'lc'::regnamespace AND c.relname LIKE 'sum\_%' AND c.relkind = 'r'
  AND p.prorettype <> 'cstring'::regtype
UNION ALL
SELECT format('SELECT %L, grp, retail_kpi.rollup(s)::text FROM lc.%I GROUP BY grp ORDER BY grp;',
              'rollup ' || c.relname, c.relname)
FROM pg_class c WHERE c.relnamespace = 'lc'::regnamespace AND c.relname LIKE 'sum\_%' AND c.relkind = 'r'
ORDER BY 1;
SQL
  cat >>"$2" <<'SQL'
SET search_path = retail_kpi, public;
SELECT 'dimensions', to_jsonb(t)::text FROM dimensions t ORDER BY 2;
SELECT 'sources', to_jsonb(t)::text FROM sources t ORDER BY 2;
SELECT 'measures', to_jsonb(t)::text FROM measures t ORDER BY 2;
SELECT 'metrics', to_jsonb(t)::text FROM metrics t ORDER BY 2;
SELECT 'targets', to_jsonb(t)::text FROM targets t ORDER BY 2;
SELECT 'alert_rules', to_jsonb(t)::text FROM alert_rules t ORDER BY 2;
SELECT 'history', to_jsonb(t)::text FROM catalog_history t ORDER BY 2;
SELECT 'functions', to_jsonb(t)::text FROM catalog_functions t ORDER BY 2;
SELECT 'aggregations', to_jsonb(t)::text FROM catalog_aggregations t ORDER BY 2;
SELECT 'metric_catalog', to_jsonb(t)::text FROM metric_catalog t ORDER BY 2;
SELECT 'values', v::text FROM metric_values('{net_sales,gross_margin_rate,conversion_rate,avg_transaction_value,sales_per_visitor}',
                                            '{region}', NULL, '2024-01-01', '2024-12-31', 'quarter', 'previous_period') v
ORDER BY 2;
SELECT 'values_total', v::text FROM metric_values('{net_sales,gross_margin_rate}', '{store}', NULL, '2024-01-01',
                                                  '2024-12-31', 'total') v ORDER BY 2;
SELECT 'vs_target', v::text FROM metric_vs_target('net_sales', '{region}', NULL, '2024-03-01', '2024-03-31') v ORDER BY 2;
SELECT 'alerts', v::text FROM check_alerts('2024-03-31') v ORDER BY 2;
SQL
}

lc_capture() {
  lc_psql -d "$1" -At -f "$2"
}

lc_objects() {
  lc_psql -d "$1" -At <<'SQL'
CREATE TEMP VIEW m AS
SELECT d.classid, d.objid, d.objsubid
FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'retail_kpi'
WHERE d.deptype = 'e' AND d.refclassid = 'pg_extension'::regclass;
-- every member object
SELECT 'member', pg_describe_object(classid, objid, objsubid) FROM m ORDER BY 2;
-- functions and procedures: the full definition (arguments with defaults, result, language,
-- volatility, strictness, parallel safety, security, cost, rows, SET options, body / C symbol)
SELECT 'function', pg_get_functiondef(p.oid), coalesce(p.proacl::text, '')
FROM m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
WHERE p.prokind IN ('f', 'p') ORDER BY 2;
SELECT 'aggregate', p.oid::regprocedure::text, p.proparallel, a.aggkind, a.aggnumdirectargs,
       a.aggtransfn::regprocedure::text, a.aggfinalfn::text, a.aggcombinefn::text, a.aggserialfn::text,
       a.aggdeserialfn::text, a.aggmtransfn::text, a.aggfinalextra, a.aggfinalmodify, a.aggsortop,
       format_type(a.aggtranstype, NULL), a.aggtransspace, a.agginitval, pg_get_function_arguments(p.oid),
       pg_get_function_result(p.oid)
FROM m JOIN pg_proc p ON m.classid = 'pg_proc'::regclass AND p.oid = m.objid
JOIN pg_aggregate a ON a.aggfnoid = p.oid ORDER BY 2;
SELECT 'type', format_type(t.oid, NULL), t.typtype, t.typlen, t.typbyval, t.typalign, t.typstorage,
       t.typcategory, t.typinput::text, t.typoutput::text, t.typreceive::text, t.typsend::text,
       t.typmodin::text, t.typanalyze::text, format_type(t.typelem, NULL), coalesce(t.typacl::text, '')
FROM m JOIN pg_type t ON m.classid = 'pg_type'::regclass AND t.oid = m.objid ORDER BY 2;
SELECT 'relation', c.oid::regclass::text, c.relkind, c.relpersistence, coalesce(c.relacl::text, ''),
       coalesce(c.reloptions::text, '')
FROM m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid ORDER BY 2;
SELECT 'column', c.oid::regclass::text, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod),
       a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated, coalesce(a.attacl::text, '')
FROM m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum ORDER BY 2, 3;
SELECT 'constraint', co.conrelid::regclass::text, co.conname, pg_get_constraintdef(co.oid)
FROM m JOIN pg_constraint co ON m.classid = 'pg_class'::regclass AND co.conrelid = m.objid ORDER BY 2, 3;
SELECT 'index', pg_get_indexdef(i.indexrelid)
FROM m JOIN pg_index i ON m.classid = 'pg_class'::regclass AND i.indrelid = m.objid ORDER BY 2;
SELECT 'view', c.oid::regclass::text, pg_get_viewdef(c.oid)
FROM m JOIN pg_class c ON m.classid = 'pg_class'::regclass AND c.oid = m.objid WHERE c.relkind IN ('v', 'm')
ORDER BY 2;
SELECT 'trigger', pg_get_triggerdef(tg.oid)
FROM m JOIN pg_trigger tg ON m.classid = 'pg_class'::regclass AND tg.tgrelid = m.objid WHERE NOT tg.tgisinternal
ORDER BY 2;
SELECT 'sequence', s.seqrelid::regclass::text, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement,
       s.seqmax, s.seqmin, s.seqcache, s.seqcycle
FROM m JOIN pg_sequence s ON m.classid = 'pg_class'::regclass AND s.seqrelid = m.objid ORDER BY 2;
-- comments of member objects and of their columns
SELECT 'comment', pg_describe_object(ds.classoid, ds.objoid, ds.objsubid), ds.description
FROM pg_description ds
JOIN m ON m.classid = ds.classoid AND m.objid = ds.objoid ORDER BY 2;
SELECT 'comment', 'schema retail_kpi', obj_description('retail_kpi'::regnamespace, 'pg_namespace');
-- tables and sequences dumped by pg_dump (pg_extension_config_dump), with their conditions
SELECT 'config_dump', c::regclass::text, coalesce(cond, '')
FROM pg_extension e, unnest(e.extconfig, e.extcondition) AS u(c, cond)
WHERE e.extname = 'retail_kpi' ORDER BY 2;
SELECT 'extension', extrelocatable, extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'retail_kpi';
SQL
}

lc_copy_out() {
  local db=$1 dir=$2 t
  mkdir -p "$dir"
  for t in $(lc_psql -d "$db" -At -c "SELECT relname FROM pg_class WHERE relnamespace = 'lc'::regnamespace AND relname LIKE 'sum\_%' AND relkind = 'r' ORDER BY 1"); do
    lc_psql -d "$db" -c "\\copy lc.$t TO '$dir/$t.bin' (FORMAT binary)"
    lc_psql -d "$db" -At -c "SELECT id, s::text FROM lc.$t ORDER BY id" >"$dir/$t.txt"
  done
}

lc_copy_check() {   # the binary files written by lc_copy_out read back (recv) as the same text
  local db=$1 dir=$2 f t bad=0
  for f in "$dir"/*.bin; do
    t=$(basename "$f" .bin)
    lc_psql -d "$db" -At >"$dir/$t.back" <<SQL
CREATE TEMP TABLE back (LIKE lc.$t);
\\copy back FROM '$f' (FORMAT binary)
SELECT id, s::text FROM back ORDER BY id;
SQL
    if ! diff -u "$dir/$t.txt" "$dir/$t.back"; then
      echo "FAIL: $t: binary COPY written before does not read back identically"
      bad=1
    fi
  done
  return "$bad"
}
