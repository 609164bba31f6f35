-- test/citus/verify.sql: manual verification of retail_kpi on a Citus cluster (docs/scale-out.md).
-- Not part of `make test` (Citus is not a Debian package and is never built or fetched by this
-- repository).  Run it as a superuser on the COORDINATOR of a cluster where citus and retail_kpi are
-- installed on every node and the workers are added (docs/scale-out.md, "How it was verified"):
--
--     psql -X -v ON_ERROR_STOP=1 -f test/citus/verify.sql
--
-- It creates schema rk_ct (dropped first) and catalog objects whose codes start with ct_, loads the
-- same rows into plain local tables (l_*) and Citus distributed tables (d_*, distributed by store,
-- colocated), and compares, with EXCEPT ALL both ways on the text forms:
--   1. every aggregate and rollup of the summary families, grouped by the distribution column, by
--      another column and not at all, with Citus's binary protocol off and on;
--   2. the set-returning functions over summaries computed on the distributed tables;
--   3. metric_values (with subtotals too) over the distributed sources and over the local ones;
--   4. pre-aggregates of distributed sources (colocated or reference tables): stored rows rolled up
--      = raw aggregates, full and incremental refresh, late rows (untracked, visible in the status);
--   5. routing: raw by default (untracked), and with routing => 'include_untracked' routed = raw.
-- Each check is a row of the final table; the last line is "N checks, N failed" and the script
-- raises at the end if any check failed.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET search_path = retail_kpi, public;

-- ---- clean up a previous run
SELECT drop_preaggregate(code) FROM preaggregates WHERE code LIKE 'ct\_%';
DELETE FROM metrics WHERE code LIKE 'ct\_%';
DELETE FROM measures WHERE code LIKE 'ct\_%';
DELETE FROM sources WHERE code LIKE 'ct\_%';
DELETE FROM dimensions WHERE code LIKE 'ct\_%';
DROP SCHEMA IF EXISTS rk_ct CASCADE;
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ct_reader') THEN
        DROP OWNED BY ct_reader;
        DROP ROLE ct_reader;
    END IF;
END $$;
CREATE SCHEMA rk_ct;

-- ---- the checks and their comparison: q1 and q2 return the same multiset of rows
CREATE TEMP TABLE checks (n serial, part text, name text, ok boolean, detail text);
CREATE FUNCTION pg_temp.same(part text, name text, q1 text, q2 text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    a bigint; b bigint; rows1 bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) x', q1, q2) INTO a;
    EXECUTE format('SELECT count(*) FROM ((%s) EXCEPT ALL (%s)) x', q2, q1) INTO b;
    EXECUTE format('SELECT count(*) FROM (%s) x', q1) INTO rows1;
    INSERT INTO checks (part, name, ok, detail)
    VALUES (part, name, a = 0 AND b = 0 AND rows1 > 0, format('%s rows, %s only in the first, %s only in the second', rows1, a, b));
EXCEPTION WHEN OTHERS THEN
    INSERT INTO checks (part, name, ok, detail) VALUES (part, name, false, 'error: ' || SQLERRM);
END
$$;
CREATE FUNCTION pg_temp.check(part text, name text, ok boolean, detail text DEFAULT NULL) RETURNS void LANGUAGE sql AS $$
    INSERT INTO checks (part, name, ok, detail) VALUES ($1, $2, coalesce($3, false), $4);
$$;

-- ---- data: 6 stores in 2 regions, 120 days (Jan 1 - Apr 30 2025), 5 lines per store and day;
-- stock snapshots every Monday; traffic per store and day.  The same rows locally and distributed.
CREATE TABLE rk_ct.l_sales (sale_date date, store text, region text, sku text, txn bigint, customer bigint,
                            revenue numeric, cost numeric, units int);
INSERT INTO rk_ct.l_sales
SELECT DATE '2025-01-01' + d, 's' || s, CASE WHEN s % 2 = 0 THEN 'south' ELSE 'north' END,
       'sku' || ((d * 7 + s * 3 + l) % 23), (d * 100 + s * 10 + l / 2), CASE WHEN (d + l) % 4 = 0 THEN NULL ELSE (d * 5 + s * 11 + l) % 90 + 1 END,
       round(((d * 13 + s * 7 + l * 5) % 97) + 0.35, 2), round(((d * 13 + s * 7 + l * 5) % 97) * 0.62, 2), (d + s + l) % 6
FROM generate_series(0, 119) d, generate_series(1, 6) s, generate_series(1, 5) l;
CREATE TABLE rk_ct.l_stock (snapshot_date date, store text, region text, on_hand_cost numeric, on_hand_units numeric, on_hand_retail numeric);
INSERT INTO rk_ct.l_stock
SELECT DATE '2024-12-30' + 7 * w, 's' || s, CASE WHEN s % 2 = 0 THEN 'south' ELSE 'north' END,
       1000 + (w * 37 + s * 11) % 400 + 0.5, 100 + (w * 5 + s) % 40, 1800 + (w * 41 + s * 13) % 500
FROM generate_series(0, 17) w, generate_series(1, 6) s;
CREATE TABLE rk_ct.l_traffic (day date, store text, region text, visitors numeric);
INSERT INTO rk_ct.l_traffic
SELECT DATE '2025-01-01' + d, 's' || s, CASE WHEN s % 2 = 0 THEN 'south' ELSE 'north' END,
       200 + 20 * s + round(30 * sin(d * 2 * pi() / 7)) + d % 11
FROM generate_series(0, 119) d, generate_series(1, 6) s;
CREATE TABLE rk_ct.d_sales (LIKE rk_ct.l_sales);
CREATE TABLE rk_ct.d_stock (LIKE rk_ct.l_stock);
CREATE TABLE rk_ct.d_traffic (LIKE rk_ct.l_traffic);
SELECT create_distributed_table('rk_ct.d_sales', 'store');
SELECT create_distributed_table('rk_ct.d_stock', 'store', colocate_with => 'rk_ct.d_sales');
SELECT create_distributed_table('rk_ct.d_traffic', 'store', colocate_with => 'rk_ct.d_sales');
INSERT INTO rk_ct.d_sales SELECT * FROM rk_ct.l_sales;
INSERT INTO rk_ct.d_stock SELECT * FROM rk_ct.l_stock;
INSERT INTO rk_ct.d_traffic SELECT * FROM rk_ct.l_traffic;
SELECT pg_temp.check('setup', 'distributed tables have shards on both workers',
                     (SELECT count(DISTINCT nodeport) FROM citus_shards WHERE table_name = 'rk_ct.d_sales'::regclass) >= 2);

-- ---- 1. aggregates and rollups: local = distributed, by store (pushed down), by region (partial
-- aggregates combined on the coordinator: summaries shipped between nodes) and in total
DO $$
DECLARE
    agg record;
    g text;
    proto text;
    q text;
BEGIN
    FOR proto IN SELECT unnest('{off,on}'::text[]) LOOP
        PERFORM set_config('citus.enable_binary_protocol', proto, false);
        FOR agg IN SELECT * FROM (VALUES
            ('sales', 'margin_agg(revenue, cost, units)'), ('sales', 'margin_agg(revenue, cost)'),
            ('sales', 'gross_margin_rate(revenue, cost)'), ('sales', 'ratio_agg(revenue, units::numeric)'),
            ('sales', 'ratio_agg(units > 2)'), ('sales', 'ratio_agg(units, 3)'), ('sales', 'abc_agg(sku, revenue - cost)'),
            ('sales', 'bridge_agg(sku, sale_date >= ''2025-03-01'', units, revenue, cost)'),
            ('sales', 'distinct_agg(customer)'), ('sales', 'distinct_agg(sku)'),
            ('sales', 'customer_agg(customer, sale_date, revenue)'), ('sales', 'coefficient_of_variation(revenue)'),
            ('sales', 'promo_agg(sale_date, units, revenue, cost, ''2025-03-01'', ''2025-03-14'', ''2025-02-01'', ''2025-02-28'')'),
            ('stock', 'stock_agg(snapshot_date, on_hand_cost)'), ('stock', 'stock_agg(snapshot_date, on_hand_cost, on_hand_units)'),
            ('stock', 'stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail)'),
            ('traffic', 'series_agg(day, visitors)')) v(tbl, expr) LOOP
            FOREACH g IN ARRAY ARRAY['store', 'region', '''all'''] LOOP
                q := format('SELECT %s AS g, (%s)::text AS v FROM rk_ct.%%s_%s GROUP BY 1', g, agg.expr, agg.tbl);
                PERFORM pg_temp.same('1 aggregates', format('%s by %s, binary %s', agg.expr, g, proto), format(q, 'l'), format(q, 'd'));
            END LOOP;
        END LOOP;
        -- rollup of per store x day summaries, by region and in total (summaries shipped as values);
        -- the inner query is pushed down to the shards, the outer one runs on the coordinator
        FOR agg IN SELECT * FROM (VALUES
            ('sales', 'margin_agg(revenue, cost, units)'), ('sales', 'ratio_agg(revenue, units::numeric)'),
            ('sales', 'abc_agg(sku, revenue - cost)'), ('sales', 'bridge_agg(sku, sale_date >= ''2025-03-01'', units, revenue, cost)'),
            ('sales', 'distinct_agg(customer)'), ('sales', 'customer_agg(customer, sale_date, revenue)'),
            ('sales', 'promo_agg(sale_date, units, revenue, cost, ''2025-03-01'', ''2025-03-14'', ''2025-02-01'', ''2025-02-28'')'),
            ('stock', 'stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail)'),
            ('traffic', 'series_agg(day, visitors)')) v(tbl, expr) LOOP
            FOREACH g IN ARRAY ARRAY['region', '''all'''] LOOP
                q := format('SELECT %s AS g, rollup(s)::text AS v FROM (SELECT store, region, %s AS s FROM rk_ct.%%s_%s GROUP BY store, region) t GROUP BY 1',
                            g, agg.expr, agg.tbl);
                PERFORM pg_temp.same('1 rollups', format('rollup(%s) by %s, binary %s', agg.expr, g, proto), format(q, 'l'), format(q, 'd'));
            END LOOP;
        END LOOP;
    END LOOP;
    PERFORM set_config('citus.enable_binary_protocol', 'on', false);
END
$$;

-- ---- 2. set-returning functions over summaries of the distributed tables: per store (a lateral
-- call pushed down with the aggregate) and over the total summary
DO $$
DECLARE
    f record;
    q text;
BEGIN
    FOR f IN SELECT * FROM (VALUES
        ('sales', 'abc_agg(sku, revenue - cost)', 'abc_classify(s)'), ('sales', 'abc_agg(sku, revenue - cost)', 'abc_ranking(s)'),
        ('sales', 'bridge_agg(sku, sale_date >= ''2025-03-01'', units, revenue, cost)', 'margin_bridge(s)'),
        ('sales', 'bridge_agg(sku, sale_date >= ''2025-03-01'', units, revenue, cost)', 'revenue_bridge(s)'),
        ('sales', 'bridge_agg(sku, sale_date >= ''2025-03-01'', units, revenue, cost)', 'margin_rate_bridge(s)'),
        ('sales', 'customer_agg(customer, sale_date, revenue)', 'customer_list(s)'),
        ('sales', 'customer_agg(customer, sale_date, revenue)', 'rfm_scores(s, ''2025-05-01'')'),
        ('sales', 'customer_agg(customer, sale_date, revenue)', 'rfm_tiers(s, ''2025-05-01'')'),
        ('sales', 'customer_agg(customer, sale_date, revenue)', 'cohort_retention(s)'),
        ('stock', 'stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail)', 'snapshots(s)'),
        ('traffic', 'series_agg(day, visitors)', 'series_points(s)'),
        ('traffic', 'series_agg(day, visitors)', 'forecast(s, 14)'),
        ('traffic', 'series_agg(day, visitors)', 'forecast_model(s)'),
        ('traffic', 'series_agg(day, visitors)', 'forecast_accuracy(s, 7)')) v(tbl, agg, fn) LOOP
        q := format('SELECT t.store, x::text FROM (SELECT store, %s AS s FROM rk_ct.%%s_%s GROUP BY store) t, LATERAL %s x', f.agg, f.tbl, f.fn);
        PERFORM pg_temp.same('2 set-returning', f.fn || ' per store', format(q, 'l'), format(q, 'd'));
        q := format('SELECT x::text FROM (SELECT %s AS s FROM rk_ct.%%s_%s) t, LATERAL %s x', f.agg, f.tbl, f.fn);
        PERFORM pg_temp.same('2 set-returning', f.fn || ' in total', format(q, 'l'), format(q, 'd'));
    END LOOP;
    -- receivables: scalar functions of the AR balances (stock_agg per month end)
    q := 'SELECT store, days_sales_outstanding(closing_inventory(s), 1000::numeric, 30)::text, collection_rate(500::numeric, opening_inventory(s))::text '
         'FROM (SELECT store, stock_agg(snapshot_date, on_hand_cost) s FROM rk_ct.%s_stock GROUP BY store) t';
    PERFORM pg_temp.same('2 set-returning', 'receivables scalars over stock summaries', format(q, 'l'), format(q, 'd'));
END
$$;

-- ---- 3. metric_values: the same measures and metrics over the local (ct_l_*) and the distributed
-- (ct_d_*) sources give the same rows (metric codes compared without their prefix)
SELECT define_dimension('ct_store', 'Store'), define_dimension('ct_region', 'Region');
DO $$
DECLARE
    k text;
BEGIN
    FOREACH k IN ARRAY ARRAY['l', 'd'] LOOP
        PERFORM define_source(format('ct_%s_sales', k), format('rk_ct.%s_sales', k)::regclass, 'sale_date', '{"ct_store": "store", "ct_region": "region"}');
        PERFORM define_source(format('ct_%s_stock', k), format('rk_ct.%s_stock', k)::regclass, 'snapshot_date', '{"ct_store": "store", "ct_region": "region"}');
        PERFORM define_source(format('ct_%s_traffic', k), format('rk_ct.%s_traffic', k)::regclass, 'day', '{"ct_store": "store", "ct_region": "region"}');
        PERFORM define_measure(format('ct_%s_revenue', k), format('ct_%s_sales', k), 'sum', 'revenue');
        PERFORM define_measure(format('ct_%s_cost', k), format('ct_%s_sales', k), 'sum', 'cost');
        PERFORM define_measure(format('ct_%s_lines', k), format('ct_%s_sales', k), 'count');
        PERFORM define_measure(format('ct_%s_max_rev', k), format('ct_%s_sales', k), 'max', 'revenue');
        PERFORM define_measure(format('ct_%s_min_cost', k), format('ct_%s_sales', k), 'min', 'cost');
        PERFORM define_measure(format('ct_%s_txns', k), format('ct_%s_sales', k), 'count_distinct', 'txn');
        PERFORM define_measure(format('ct_%s_margin', k), format('ct_%s_sales', k), 'margin_agg', 'revenue, cost, units');
        PERFORM define_measure(format('ct_%s_basket', k), format('ct_%s_sales', k), 'ratio_agg', 'revenue, units::numeric');
        PERFORM define_measure(format('ct_%s_orders', k), format('ct_%s_sales', k), 'distinct_agg', 'txn');
        PERFORM define_measure(format('ct_%s_members', k), format('ct_%s_sales', k), 'customer_agg', 'customer, sale_date, revenue');
        PERFORM define_measure(format('ct_%s_abc', k), format('ct_%s_sales', k), 'abc_agg', 'sku, revenue - cost');
        PERFORM define_measure(format('ct_%s_bridge', k), format('ct_%s_sales', k), 'bridge_agg', 'sku, sale_date >= ''2025-03-01'', units, revenue, cost');
        PERFORM define_measure(format('ct_%s_north_rev', k), format('ct_%s_sales', k), 'sum', 'revenue', filter => 'region = ''north''');
        PERFORM define_measure(format('ct_%s_stock', k), format('ct_%s_stock', k), 'stock_agg', 'snapshot_date, on_hand_cost, on_hand_units, on_hand_retail');
        PERFORM define_measure(format('ct_%s_visitors', k), format('ct_%s_traffic', k), 'sum', 'visitors');
        PERFORM define_metric(format('ct_%s_revenue', k), 'Revenue', measure => format('ct_%s_revenue', k));
        PERFORM define_metric(format('ct_%s_lines', k), 'Lines', measure => format('ct_%s_lines', k));
        PERFORM define_metric(format('ct_%s_max_rev', k), 'Max revenue', measure => format('ct_%s_max_rev', k));
        PERFORM define_metric(format('ct_%s_min_cost', k), 'Min cost', measure => format('ct_%s_min_cost', k));
        PERFORM define_metric(format('ct_%s_txns', k), 'Transactions', measure => format('ct_%s_txns', k));
        PERFORM define_metric(format('ct_%s_visitors', k), 'Visitors', measure => format('ct_%s_visitors', k));
        PERFORM define_metric(format('ct_%s_north_rev', k), 'North revenue', measure => format('ct_%s_north_rev', k));
        PERFORM define_metric(format('ct_%s_margin', k), 'Margin summary', measure => format('ct_%s_margin', k));
        PERFORM define_metric(format('ct_%s_stock', k), 'Stock summary', measure => format('ct_%s_stock', k));
        PERFORM define_metric(format('ct_%s_members', k), 'Member summary', measure => format('ct_%s_members', k));
        PERFORM define_metric(format('ct_%s_orders', k), 'Order keys', measure => format('ct_%s_orders', k));
        PERFORM define_metric(format('ct_%s_basket', k), 'Basket summary', measure => format('ct_%s_basket', k));
        PERFORM define_metric(format('ct_%s_abc', k), 'ABC summary', measure => format('ct_%s_abc', k));
        PERFORM define_metric(format('ct_%s_bridge', k), 'Bridge summary', measure => format('ct_%s_bridge', k));
        PERFORM define_metric(format('ct_%s_gm_rate', k), 'Gross margin rate', 'derived', expression => format('margin_rate(ct_%s_margin)', k));
        PERFORM define_metric(format('ct_%s_gp_ratio', k), 'GP ratio', 'ratio', numerator => format('ct_%s_revenue', k), denominator => format('ct_%s_lines', k));
        PERFORM define_metric(format('ct_%s_conversion', k), 'Conversion', 'ratio', numerator => format('ct_%s_txns', k), denominator => format('ct_%s_visitors', k));
        PERFORM define_metric(format('ct_%s_turnover', k), 'Turnover', 'derived', expression => format('inventory_turnover(ct_%1$s_margin, ct_%1$s_stock)', k));
        PERFORM define_metric(format('ct_%s_gmroi', k), 'GMROI', 'derived', expression => format('gmroi(ct_%1$s_margin, ct_%1$s_stock)', k));
        PERFORM define_metric(format('ct_%s_members_n', k), 'Members', 'derived', expression => format('coalesce(customer_count(ct_%s_members), 0)', k));
        PERFORM define_metric(format('ct_%s_repurchase', k), 'Repurchase', 'derived', expression => format('repurchase_rate(ct_%s_members)', k));
        PERFORM define_metric(format('ct_%s_spend_per_member', k), 'Spend per member', 'derived', expression => format('spend_per_customer(ct_%s_members)', k));
        PERFORM define_metric(format('ct_%s_basket_ratio', k), 'Revenue per unit', 'derived', expression => format('ratio(ct_%s_basket)', k));
        PERFORM define_metric(format('ct_%s_aov', k), 'AOV', 'derived', expression => format('ct_%1$s_revenue / nullif(distinct_count(ct_%1$s_orders), 0)', k));
    END LOOP;
END
$$;
DO $$
DECLARE
    -- every metric that returns a number (summary metrics are inputs of the derived ones)
    m text[] := '{revenue,lines,max_rev,min_cost,txns,visitors,north_rev,gm_rate,gp_ratio,conversion,turnover,gmroi,members_n,repurchase,spend_per_member,aov,basket_ratio}';
    dims text[];
    gr text;
    cmp text;
    q text;
BEGIN
    FOREACH gr IN ARRAY ARRAY['month', 'quarter', 'week'] LOOP
        FOR dims, cmp IN SELECT * FROM (VALUES ('{}'::text[], NULL::text), ('{ct_store}', NULL), ('{ct_region}', 'previous_period'),
                                               ('{ct_region,ct_store}', NULL)) v LOOP
            q := format('SELECT substr(metric, 6) AS metric, period_start, dimension_values, value, exact_value, base_value, change, exact_base, absolute_change, change_pp '
                        'FROM retail_kpi.metric_values(ARRAY(SELECT ''ct_%%s_'' || x FROM unnest(%L::text[]) x), %L, NULL, ''2025-01-01'', ''2025-04-30'', %L, %L)',
                        m, dims, gr, cmp);
            PERFORM pg_temp.same('3 metric_values', format('%s metrics by %s at %s%s', cardinality(m), dims, gr, coalesce(' compared with ' || cmp, '')),
                                 format(q, 'l'), format(q, 'd'));
        END LOOP;
    END LOOP;
    -- filtered on a dimension
    q := 'SELECT substr(metric, 6), period_start, dimension_values, value, exact_value FROM retail_kpi.metric_values(''{ct_%1$s_revenue,ct_%1$s_gm_rate,ct_%1$s_members_n}'', '
         '''{ct_region,ct_store}'', ''{"ct_region": "north"}'', ''2025-01-01'', ''2025-04-30'', ''month'')';
    PERFORM pg_temp.same('3 metric_values', 'filtered by region', format(q, 'l'), format(q, 'd'));
END
$$;
-- subtotals (ROLLUP with GROUPING, which Citus refuses over a distributed table): metric_sql reads
-- the rows of the window of a distributed source in a subquery Citus runs first
DO $$
DECLARE
    q text;
    dims text;
    f text;
BEGIN
    FOR dims, f IN SELECT * FROM (VALUES ('{ct_region,ct_store}', NULL), ('{ct_region}', NULL), ('{ct_region,ct_store}', '{"ct_region": "north"}')) v LOOP
        q := format('SELECT substr(metric, 6), period_start, dimension_values, value, exact_value, base_value, change FROM retail_kpi.metric_values('
                    '''{ct_%%1$s_revenue,ct_%%1$s_gm_rate,ct_%%1$s_members_n,ct_%%1$s_txns,ct_%%1$s_aov,ct_%%1$s_conversion,ct_%%1$s_turnover,ct_%%1$s_min_cost}'', '
                    '%L, %L, ''2025-01-01'', ''2025-04-30'', ''month'', ''previous_period'', subtotals => true)', dims, f);
        PERFORM pg_temp.same('3 metric_values', format('8 metrics by %s with subtotals%s', dims, coalesce(', filtered ' || f, '')),
                             format(q, 'l'), format(q, 'd'));
    END LOOP;
    PERFORM pg_temp.check('3 metric_values', 'subtotals: the generated SQL reads the distributed source in a subquery',
        strpos(retail_kpi.metric_sql('{ct_d_revenue}', '{ct_region}', subtotals => true), '(SELECT * FROM rk_ct.d_sales AS src') > 0
        AND strpos(retail_kpi.metric_sql('{ct_l_revenue}', '{ct_region}', subtotals => true), ' FROM rk_ct.l_sales AS src GROUP BY') > 0);
END
$$;

-- the read audit of a metric_values call over a distributed source (metric_read_log: a plain table
-- of the coordinator)
SELECT set_read_audit(true, 'test/citus/verify.sql');
SELECT count(*) AS audited_rows FROM metric_values('{ct_d_revenue}', '{ct_store}', NULL, '2025-01-01', '2025-01-31') \gset
SELECT set_read_audit(false, 'test/citus/verify.sql');
SELECT pg_temp.check('3 metric_values', 'read audit of a call over a distributed source',
       :audited_rows = 6 AND EXISTS (SELECT 1 FROM metric_read_log WHERE metrics = '{ct_d_revenue}' AND dimensions = '{ct_store}' AND from_date = '2025-01-01'));

-- ---- 4. pre-aggregates of distributed sources
-- day x store: distributed by store, colocated with rk_ct.d_sales; month x region and day (no
-- dimension): reference tables; day x store of the stock source: colocated
SELECT define_preaggregate('ct_pa_day_store', 'ct_d_sales', '{ct_store}');
SELECT define_preaggregate('ct_pa_month_region', 'ct_d_sales', '{ct_region}', grain => 'month');
SELECT define_preaggregate('ct_pa_day', 'ct_d_sales', '{}');
SELECT define_preaggregate('ct_pa_stock', 'ct_d_stock', '{ct_store,ct_region}');
SELECT pg_temp.check('4 pre-aggregates', 'day x store is distributed by ct_store, colocated with the source',
       (SELECT p.partmethod = 'h' AND column_to_column_name(p.logicalrelid, p.partkey) = 'ct_store'
               AND p.colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'rk_ct.d_sales'::regclass)
        FROM pg_dist_partition p WHERE p.logicalrelid = 'retail_kpi_preagg.ct_pa_day_store'::regclass));
SELECT pg_temp.check('4 pre-aggregates', 'stock day x store x region is colocated with its source',
       (SELECT p.colocationid = (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'rk_ct.d_stock'::regclass)
        FROM pg_dist_partition p WHERE p.logicalrelid = 'retail_kpi_preagg.ct_pa_stock'::regclass));
SELECT pg_temp.check('4 pre-aggregates', 'month x region and day (no store) are reference tables',
       (SELECT count(*) = 2 FROM pg_dist_partition p WHERE p.repmodel = 't'
          AND p.logicalrelid IN ('retail_kpi_preagg.ct_pa_month_region'::regclass, 'retail_kpi_preagg.ct_pa_day'::regclass)));
SELECT pg_temp.check('4 pre-aggregates', 'no triggers on the distributed sources; untracked',
       NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid IN ('rk_ct.d_sales'::regclass, 'rk_ct.d_stock'::regclass) AND tgname LIKE 'retail\_kpi%')
       AND NOT EXISTS (SELECT 1 FROM preaggregates WHERE code LIKE 'ct\_pa\_%' AND tracked));
SELECT pg_temp.check('4 pre-aggregates', 'every measure stored (count_distinct of an integer key as a distinct summary)',
       (SELECT 'ct_d_txns' = ANY (measures) AND cardinality(measures) = 13 FROM preaggregates WHERE code = 'ct_pa_day_store'),
       (SELECT measures::text FROM preaggregates WHERE code = 'ct_pa_day_store'));

SELECT pg_temp.check('4 pre-aggregates', 'full refresh day x store: 120 days x 6 stores', refresh_preaggregate('ct_pa_day_store') = 720);
SELECT pg_temp.check('4 pre-aggregates', 'full refresh month x region: 4 months x 2 regions', refresh_preaggregate('ct_pa_month_region') = 8);
SELECT pg_temp.check('4 pre-aggregates', 'full refresh day: 120 days', refresh_preaggregate('ct_pa_day') = 120);
SELECT pg_temp.check('4 pre-aggregates', 'full refresh stock: 18 Mondays x 6 stores', refresh_preaggregate('ct_pa_stock') = 108);
SELECT pg_temp.check('4 pre-aggregates', 'status: untracked, sized, says Citus',
       (SELECT bool_and(state = 'untracked' AND size_bytes > 0 AND source_changes LIKE '%Citus%') FROM preaggregate_status WHERE code LIKE 'ct\_pa\_%'));

-- stored rows rolled up (month x store, month x region, total) = the raw aggregates of the distributed source
CREATE FUNCTION pg_temp.compare_preaggregates(label text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    stored_cols text := 'sum(ct_d_revenue), sum(ct_d_cost), sum(ct_d_lines), max(ct_d_max_rev), min(ct_d_min_cost), rollup(ct_d_margin)::text, '
                        'rollup(ct_d_basket)::text, rollup(ct_d_orders)::text, rollup(ct_d_members)::text, rollup(ct_d_abc)::text, '
                        'rollup(ct_d_bridge)::text, sum(ct_d_north_rev)';
    raw_cols text := 'sum(revenue), sum(cost), count(*), max(revenue), min(cost), margin_agg(revenue, cost, units)::text, '
                     'ratio_agg(revenue, units::numeric)::text, distinct_agg(txn)::text, customer_agg(customer, sale_date, revenue)::text, '
                     'abc_agg(sku, revenue - cost)::text, bridge_agg(sku, sale_date >= ''2025-03-01'', units, revenue, cost)::text, '
                     'sum(revenue) FILTER (WHERE region = ''north'')';
    g record;
BEGIN
    FOR g IN SELECT * FROM (VALUES ('ct_pa_day_store', 'ct_store', 'store'), ('ct_pa_month_region', 'ct_region', 'region'),
                                   ('ct_pa_day', '''all''', '''all''')) v(pa, sdim, rdim) LOOP
        PERFORM pg_temp.same('4 pre-aggregates', format('%s: %s rolled up by month = raw', label, g.pa),
            format('SELECT date_trunc(''month'', period_start)::date, %s, %s FROM retail_kpi_preagg.%I GROUP BY 1, 2', g.sdim, stored_cols, g.pa),
            format('SELECT date_trunc(''month'', sale_date)::date, %s, %s FROM rk_ct.d_sales GROUP BY 1, 2', g.rdim, raw_cols));
        PERFORM pg_temp.same('4 pre-aggregates', format('%s: %s rolled up in total = raw', label, g.pa),
            format('SELECT %s FROM retail_kpi_preagg.%I', stored_cols, g.pa), format('SELECT %s FROM rk_ct.d_sales', raw_cols));
    END LOOP;
    PERFORM pg_temp.same('4 pre-aggregates', format('%s: ct_pa_stock rolled up by month and region = raw', label),
        'SELECT date_trunc(''month'', period_start)::date, ct_region, rollup(ct_d_stock)::text FROM retail_kpi_preagg.ct_pa_stock GROUP BY 1, 2',
        'SELECT date_trunc(''month'', snapshot_date)::date, region, stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail)::text FROM rk_ct.d_stock GROUP BY 1, 2');
END
$$;
SELECT pg_temp.compare_preaggregates('after the full refresh');

-- a new day (May 1) and an incremental refresh: only the tail is recomputed
INSERT INTO rk_ct.d_sales
SELECT DATE '2025-05-01', 's' || s, CASE WHEN s % 2 = 0 THEN 'south' ELSE 'north' END, 'sku' || s, 900000 + s, s, 10 * s + 0.5, 6 * s, s
FROM generate_series(1, 6) s;
INSERT INTO rk_ct.d_stock SELECT DATE '2025-05-05', 's' || s, CASE WHEN s % 2 = 0 THEN 'south' ELSE 'north' END, 900 + s, 90 + s, 1500 + s FROM generate_series(1, 6) s;
SELECT pg_temp.check('4 pre-aggregates', 'incremental refresh day x store: the watermark day again + May 1 = 12 rows',
                     refresh_preaggregate_incremental('ct_pa_day_store') = 12);
SELECT pg_temp.check('4 pre-aggregates', 'incremental refresh month x region: April and May = 4 rows',
                     refresh_preaggregate_incremental('ct_pa_month_region') = 4);
SELECT pg_temp.check('4 pre-aggregates', 'incremental refresh day', refresh_preaggregate_incremental('ct_pa_day') = 2);
SELECT pg_temp.check('4 pre-aggregates', 'incremental refresh stock', refresh_preaggregate_incremental('ct_pa_stock') = 12);
SELECT pg_temp.check('4 pre-aggregates', 'watermarks advanced to May',
       (SELECT bool_and(watermark >= '2025-05-01') FROM preaggregates WHERE code LIKE 'ct\_pa\_%'));
SELECT pg_temp.compare_preaggregates('after the incremental refresh');

-- late rows in a materialised period: not tracked (no trigger), so the stored rows are stale until a
-- refresh of that window; the status says untracked, with no pending period
INSERT INTO rk_ct.d_sales VALUES ('2025-02-10', 's3', 'north', 'sku1', 999999, 5, 123.45, 50, 3);
UPDATE rk_ct.d_sales SET revenue = revenue + 1 WHERE sale_date = '2025-03-03' AND store = 's2';
DELETE FROM rk_ct.d_sales WHERE sale_date = '2025-01-20' AND store = 's5' AND units = 1;
SELECT pg_temp.check('4 pre-aggregates', 'late rows: state untracked, nothing pending (changes are not seen)',
       (SELECT bool_and(state = 'untracked' AND pending_periods = 0) FROM preaggregate_status WHERE code LIKE 'ct\_pa\_%'));
SELECT pg_temp.check('4 pre-aggregates', 'late rows: the stored February differs from the raw one until refreshed',
       (SELECT sum(ct_d_revenue) FROM retail_kpi_preagg.ct_pa_day_store WHERE period_start BETWEEN '2025-02-01' AND '2025-02-28')
       <> (SELECT sum(revenue) FROM rk_ct.d_sales WHERE sale_date BETWEEN '2025-02-01' AND '2025-02-28'));
SELECT refresh_preaggregate('ct_pa_day_store', '2025-01-01', '2025-03-31');
SELECT refresh_preaggregate('ct_pa_month_region', '2025-01-01', '2025-03-31');
SELECT refresh_preaggregate('ct_pa_day', '2025-01-01', '2025-03-31');
SELECT pg_temp.compare_preaggregates('after late rows and a window refresh');

-- privileges follow the source's, on the distributed table too
CREATE ROLE ct_reader LOGIN;   -- Citus connects to the workers as the current user
GRANT USAGE ON SCHEMA rk_ct TO ct_reader;
GRANT SELECT ON rk_ct.d_sales TO ct_reader;
SELECT refresh_preaggregate('ct_pa_day_store', '2025-05-01', '2025-05-01');
SELECT pg_temp.check('4 pre-aggregates', 'SELECT on the pre-aggregate follows the source''s',
       has_table_privilege('ct_reader', 'retail_kpi_preagg.ct_pa_day_store', 'SELECT')
       AND NOT has_table_privilege('ct_reader', 'retail_kpi_preagg.ct_pa_stock', 'SELECT'));
SET ROLE ct_reader;
SELECT count(*) AS reader_rows FROM retail_kpi_preagg.ct_pa_day_store \gset
RESET ROLE;
SELECT pg_temp.check('4 pre-aggregates', 'the reader reads the distributed pre-aggregate (rows on the workers)', :reader_rows = 726, :'reader_rows');
DROP OWNED BY ct_reader;
DROP ROLE ct_reader;

-- a non-superuser author defines and refreshes a pre-aggregate of a distributed source (the API is
-- SECURITY DEFINER: Citus works as the extension's owner)
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'ct_author') THEN
        DROP OWNED BY ct_author;
        DROP ROLE ct_author;
    END IF;
END $$;
CREATE ROLE ct_author LOGIN;
GRANT retail_kpi_author TO ct_author;
GRANT USAGE ON SCHEMA rk_ct TO ct_author;
GRANT SELECT ON rk_ct.d_sales TO ct_author;
SET ROLE ct_author;
SELECT define_preaggregate('ct_pa_author', 'ct_d_sales', '{ct_store}', '{ct_d_revenue,ct_d_margin}');
SELECT refresh_preaggregate('ct_pa_author') AS author_rows \gset
RESET ROLE;
SELECT pg_temp.check('4 pre-aggregates', 'a non-superuser author defines and refreshes one', :author_rows = 726, :'author_rows');
SELECT pg_temp.same('4 pre-aggregates', 'the author''s pre-aggregate rolled up by store = raw',
       'SELECT ct_store, sum(ct_d_revenue), rollup(ct_d_margin)::text FROM retail_kpi_preagg.ct_pa_author GROUP BY 1',
       'SELECT store, sum(revenue), margin_agg(revenue, cost, units)::text FROM rk_ct.d_sales GROUP BY 1');
SELECT drop_preaggregate('ct_pa_author');
DROP OWNED BY ct_author;
DROP ROLE ct_author;

-- ---- 5. routing (docs/routing.md) over pre-aggregates of distributed sources: untracked, so read raw
-- by default (the SQL says why); with routing => 'include_untracked' (after refreshing everything,
-- so nothing is stale) the routed answers equal the raw ones on the distributed tables
SELECT pg_temp.check('5 routing', 'by default a distributed source is read raw (untracked), and the SQL says so',
       metric_sql('{ct_d_revenue}', '{ct_store}', NULL, '2025-01-01', '2025-04-30', 'month')
           LIKE '%source "ct_d_sales" from raw rows:%not tracked%');
SELECT count(refresh_preaggregate(code)) AS refreshed FROM preaggregates WHERE code LIKE 'ct\_pa%' \gset
SELECT pg_temp.check('5 routing', 'with include_untracked the request is answered from a colocated pre-aggregate',
       metric_sql('{ct_d_revenue,ct_d_gm_rate}', '{ct_store}', NULL, '2025-01-01', '2025-04-30', 'month', routing => 'include_untracked')
           LIKE '%source "ct_d_sales" from pre-aggregate "ct_pa_day_store"%');
SELECT pg_temp.same('5 routing', 'routed = raw: revenue, margin rate, lines, max by store and month',
       $q$SELECT * FROM metric_values('{ct_d_revenue,ct_d_gm_rate,ct_d_lines,ct_d_max_rev}', '{ct_store}', NULL, '2025-01-01', '2025-04-30', 'month', routing => 'include_untracked')$q$,
       $q$SELECT * FROM metric_values('{ct_d_revenue,ct_d_gm_rate,ct_d_lines,ct_d_max_rev}', '{ct_store}', NULL, '2025-01-01', '2025-04-30', 'month', routing => 'raw')$q$);
SELECT pg_temp.same('5 routing', 'routed = raw: by region and month (reference pre-aggregate), previous period',
       $q$SELECT * FROM metric_values('{ct_d_revenue,ct_d_gm_rate}', '{ct_region}', NULL, '2025-02-01', '2025-04-30', 'month', 'previous_period', routing => 'include_untracked')$q$,
       $q$SELECT * FROM metric_values('{ct_d_revenue,ct_d_gm_rate}', '{ct_region}', NULL, '2025-02-01', '2025-04-30', 'month', 'previous_period', routing => 'raw')$q$);
SELECT pg_temp.same('5 routing', 'routed = raw: turnover and GMROI by store and week (sales and stock pre-aggregates)',
       $q$SELECT * FROM metric_values('{ct_d_turnover,ct_d_gmroi}', '{ct_store}', NULL, '2025-01-06', '2025-04-27', 'week', routing => 'include_untracked')$q$,
       $q$SELECT * FROM metric_values('{ct_d_turnover,ct_d_gmroi}', '{ct_store}', NULL, '2025-01-06', '2025-04-27', 'week', routing => 'raw')$q$);
SELECT pg_temp.same('5 routing', 'routed = raw: revenue and margin rate by store, total with the previous period',
       $q$SELECT * FROM metric_values('{ct_d_revenue,ct_d_gm_rate,ct_d_txns}', '{ct_store}', NULL, '2025-03-01', '2025-04-30', 'total', 'previous_period', routing => 'include_untracked')$q$,
       $q$SELECT * FROM metric_values('{ct_d_revenue,ct_d_gm_rate,ct_d_txns}', '{ct_store}', NULL, '2025-03-01', '2025-04-30', 'total', 'previous_period', routing => 'raw')$q$);

-- drop: the distributed and reference tables go with their shards
SELECT drop_preaggregate('ct_pa_month_region');
SELECT pg_temp.check('4 pre-aggregates', 'drop removes the reference table and its shards',
       to_regclass('retail_kpi_preagg.ct_pa_month_region') IS NULL
       AND NOT EXISTS (SELECT 1 FROM citus_shards WHERE table_name::text LIKE '%ct_pa_month_region%'));

-- ---- the result
SELECT part, name, CASE WHEN ok THEN 'ok' ELSE 'FAIL' END AS result, detail FROM checks ORDER BY n;
SELECT format('%s checks, %s failed', count(*), count(*) FILTER (WHERE NOT ok)) AS summary FROM checks;
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM checks WHERE NOT ok) THEN
        RAISE EXCEPTION 'test/citus/verify.sql: % check(s) failed', (SELECT count(*) FROM checks WHERE NOT ok);
    END IF;
END $$;
