-- test/demo/report_90_scorecard.sql: the indicator center (指标中心) on the demo company.
-- Binds the standard KPI library to retail_demo through views, sets targets and alert rules,
-- prints a KPI scorecard by region (metric_values), the comparison with targets, the alerts that
-- fire, and check_catalog() catching a deliberately planted duplicate definition.
SET search_path = retail_kpi, retail_demo, public;
\pset footer off
\pset null '-'
SET client_min_messages = warning;

\echo
\echo '=== 90. Indicator center (指标中心): governed KPI definitions ==='
\echo 'Sources are views over retail_demo; the catalog binds the standard KPIs to them.'

CREATE OR REPLACE VIEW retail_demo.kpi_sales AS
SELECT s.sale_date, s.store_id, r.region_name AS region, s.sku_id, s.units, s.revenue, s.cost,
       s.transaction_id, s.customer_id
FROM retail_demo.sales s JOIN retail_demo.stores st USING (store_id) JOIN retail_demo.regions r USING (region_id);
CREATE OR REPLACE VIEW retail_demo.kpi_traffic AS
SELECT t.traffic_date, t.store_id, r.region_name AS region, t.visitors
FROM retail_demo.traffic t JOIN retail_demo.stores st USING (store_id) JOIN retail_demo.regions r USING (region_id);
CREATE OR REPLACE VIEW retail_demo.kpi_returns AS
SELECT x.return_date, x.store_id, r.region_name AS region, x.units
FROM retail_demo.returns x JOIN retail_demo.stores st USING (store_id) JOIN retail_demo.regions r USING (region_id);
CREATE OR REPLACE VIEW retail_demo.kpi_stores AS
SELECT st.store_id, r.region_name AS region, st.selling_area_m2, st.fte_staff
FROM retail_demo.stores st JOIN retail_demo.regions r USING (region_id);
CREATE OR REPLACE VIEW retail_demo.kpi_assortment AS
SELECT a.store_id, r.region_name AS region, a.sku_id
FROM retail_demo.store_assortment a JOIN retail_demo.stores st USING (store_id) JOIN retail_demo.regions r USING (region_id);

CREATE OR REPLACE VIEW retail_demo.kpi_stock AS
SELECT i.snapshot_date, i.store_id, r.region_name AS region, i.on_hand_units, i.on_hand_cost, i.on_hand_retail
FROM retail_demo.inventory_snapshots i JOIN retail_demo.stores st USING (store_id) JOIN retail_demo.regions r USING (region_id);
CREATE OR REPLACE VIEW retail_demo.kpi_receipts AS
SELECT x.receipt_date, x.store_id, r.region_name AS region, x.units
FROM retail_demo.receipts x JOIN retail_demo.stores st USING (store_id) JOIN retail_demo.regions r USING (region_id);

SELECT define_dimension('store', 'Store', '门店') IS NOT NULL AS ok,
       define_dimension('region', 'Region', '区域') IS NOT NULL AS ok2 \gset
SELECT define_source('demo_sales', 'retail_demo.kpi_sales', 'sale_date', '{"store": "store_id", "region": "region"}',
                     'sales lines with their region') IS NOT NULL AS ok \gset
SELECT define_source('demo_traffic', 'retail_demo.kpi_traffic', 'traffic_date', '{"store": "store_id", "region": "region"}') IS NOT NULL AS ok \gset
SELECT define_source('demo_returns', 'retail_demo.kpi_returns', 'return_date', '{"store": "store_id", "region": "region"}') IS NOT NULL AS ok \gset
SELECT define_source('demo_stores', 'retail_demo.kpi_stores', NULL, '{"store": "store_id", "region": "region"}',
                     'static store attributes (selling area, staff)') IS NOT NULL AS ok \gset
SELECT define_source('demo_assortment', 'retail_demo.kpi_assortment', NULL, '{"store": "store_id", "region": "region"}') IS NOT NULL AS ok \gset
SELECT define_source('demo_stock', 'retail_demo.kpi_stock', 'snapshot_date', '{"store": "store_id", "region": "region"}',
                     'weekly inventory snapshots') IS NOT NULL AS ok \gset
SELECT define_source('demo_receipts', 'retail_demo.kpi_receipts', 'receipt_date', '{"store": "store_id", "region": "region"}') IS NOT NULL AS ok \gset

SELECT count(define_measure(code, src, agg, expr, filter, unit => unit, reason => 'demo binding')) AS measures_defined
FROM (VALUES ('net_sales', 'demo_sales', 'sum', 'revenue', NULL, 'CNY'),
             ('cogs', 'demo_sales', 'sum', 'cost', NULL, 'CNY'),
             ('units_sold', 'demo_sales', 'sum', 'units', NULL, 'units'),
             ('sales_summary', 'demo_sales', 'margin_agg', 'revenue, cost, units', NULL, NULL),
             ('transactions', 'demo_sales', 'count_distinct', 'transaction_id', NULL, 'count'),
             ('customers', 'demo_sales', 'count_distinct', 'customer_id', NULL, 'count'),
             ('skus_sold', 'demo_sales', 'count_distinct', 'sku_id', 'units > 0', 'count'),
             ('visitors', 'demo_traffic', 'sum', 'visitors', NULL, 'count'),
             ('returned_units', 'demo_returns', 'sum', 'units', NULL, 'units'),
             ('selling_area_m2', 'demo_stores', 'sum', 'selling_area_m2', NULL, 'm2'),
             ('fte', 'demo_stores', 'sum', 'fte_staff', NULL, 'FTE'),
             ('skus_listed', 'demo_assortment', 'count_distinct', 'sku_id', NULL, 'count'),
             ('units_received', 'demo_receipts', 'sum', 'units', NULL, 'units'),
             ('period_days', 'demo_sales', 'count_distinct', 'sale_date', NULL, 'days')) m(code, src, agg, expr, filter, unit);
-- the stock summary needs the stock family (stock_agg); without it the inventory KPIs are left out
DO $$
BEGIN
    PERFORM retail_kpi.define_measure('stock_summary', 'demo_stock', 'stock_agg',
                                      'snapshot_date, on_hand_cost, on_hand_units, on_hand_retail', reason => 'demo binding');
EXCEPTION WHEN undefined_function THEN
    NULL;
END
$$;

\echo
\echo '--- standard library: which KPIs could be bound (the others need families or data not bound here)'
SELECT code, installed, detail FROM install_standard_metrics(status => 'certified', reason => 'demo')
WHERE installed OR detail NOT LIKE 'a metric with this code already exists%'
ORDER BY installed DESC, code;

\echo
\echo '--- KPI scorecard by region, Nov 2025 - Jan 2026 (the last retail quarter), vs the same period last year'
SELECT array_agg(k ORDER BY o)::text AS kpis
FROM unnest('{net_sales,gross_margin_rate,markup_rate,conversion_rate,avg_transaction_value,units_per_transaction,sales_per_m2,sales_per_fte,return_rate,sku_activity_rate,inventory_turnover,gmroi,days_of_inventory}'::text[])
     WITH ORDINALITY u(k, o)
WHERE EXISTS (SELECT 1 FROM metrics m WHERE m.code = u.k) \gset
WITH v AS (
    SELECT * FROM metric_values(:'kpis', '{region}', NULL, '2025-11-02', '2026-01-31', 'total', 'same_period_last_year'))
SELECT m.label_zh || ' ' || m.label_en AS kpi, v.dimension_values->>'region' AS region,
       CASE WHEN m.unit = 'ratio' THEN to_char(100 * v.value, 'FM990.00') || ' %'
            ELSE to_char(v.value, 'FM999,999,990.00') END AS value,
       CASE WHEN m.unit = 'ratio' THEN to_char(100 * v.base_value, 'FM990.00') || ' %'
            ELSE to_char(v.base_value, 'FM999,999,990.00') END AS last_year,
       -- rates change in percentage points (finance's reading), the others relative to last year
       CASE WHEN v.change_pp IS NOT NULL THEN to_char(v.change_pp, 'FMS990.00') || ' pp'
            ELSE to_char(100 * v.change, 'FMS990.0') || ' %' END AS growth
FROM v JOIN metrics m ON m.code = v.metric
ORDER BY array_position(:'kpis'::text[], v.metric), region;

\echo
\echo '--- the same metric, checked against hand-written SQL (ratio of sums, never an average of ratios)'
SELECT v.dimension_values->>'region' AS region, round(v.value::numeric, 10) AS "conversion (metric_values)",
       round((SELECT count(DISTINCT s.transaction_id)::numeric
                     / (SELECT sum(t.visitors) FROM kpi_traffic t WHERE t.region = v.dimension_values->>'region'
                          AND t.traffic_date BETWEEN '2025-11-02' AND '2026-01-31')
              FROM kpi_sales s WHERE s.region = v.dimension_values->>'region'
                AND s.sale_date BETWEEN '2025-11-02' AND '2026-01-31'), 10) AS "by hand"
FROM metric_values('{conversion_rate}', '{region}', NULL, '2025-11-02', '2026-01-31', 'total') v
ORDER BY 1;

\echo
\echo '--- targets: monthly revenue targets per store (retail_demo.store_targets; some stores have none),'
\echo '    rolled up to regions: the actual of the stores with a target against their targets (like with like)'
SELECT count(set_target('net_sales', month, revenue_target, jsonb_build_object('store', store_id), reason => 'FY2025 budget'))
       AS targets_set
FROM store_targets WHERE month BETWEEN '2025-11-01' AND '2026-01-01';
SELECT period_start AS month, dimension_values->>'region' AS region,
       round(actual::numeric, 2) AS "actual (stores with a target)", target,
       to_char(100 * attainment, 'FM990.0') || ' %' AS "达成率 attainment",
       members_with_target || ' of ' || (members_with_target + members_without_target) AS "stores with a target",
       to_char(100 * coverage, 'FM990.0') || ' %' AS "actual covered",
       to_char(100 * actual_all / target, 'FM990.0') || ' %' AS "all stores / targets (unlike)"
FROM metric_vs_target('net_sales', '{region}', NULL, '2025-11-01', '2026-01-31')
ORDER BY 1, 2;

\echo
\echo '--- the same attainment by hand: per region and month, stores with a target only'
WITH m AS (SELECT date_trunc('month', sale_date)::date AS month, store_id, sum(revenue) AS revenue
           FROM sales WHERE sale_date BETWEEN '2025-11-01' AND '2026-01-31' GROUP BY 1, 2)
SELECT m.month, r.region_name AS region, sum(m.revenue) AS "actual (stores with a target)",
       sum(t.revenue_target) AS target, to_char(100 * sum(m.revenue) / sum(t.revenue_target), 'FM990.0') || ' %' AS "达成率 attainment"
FROM m JOIN store_targets t ON t.store_id = m.store_id AND t.month = m.month
JOIN stores st ON st.store_id = m.store_id JOIN regions r USING (region_id)
GROUP BY 1, 2 ORDER BY 1, 2;

\echo
\echo '--- alert rules, and the alerts that fire for January 2026 (check_alerts as of 2026-02-01)'
SELECT define_alert_rule('revenue_off_target', 'net_sales', 'target_deviation', 0.05, dimensions => '{region}',
                         severity => 'warning', reason => 'demo') IS NOT NULL AS ok \gset
SELECT define_alert_rule('margin_swing', 'gross_margin_rate', 'change_beyond', 0.02, dimensions => '{region}',
                         severity => 'info', reason => 'demo') IS NOT NULL AS ok \gset
SELECT define_alert_rule('low_conversion', 'conversion_rate', 'below', 0.22, dimensions => '{region}',
                         severity => 'critical', reason => 'demo') IS NOT NULL AS ok \gset
SELECT define_alert_rule('high_returns', 'return_rate', 'above', 0.03, dimensions => '{region}',
                         severity => 'warning', reason => 'demo') IS NOT NULL AS ok \gset
SELECT code, metric, condition, threshold, severity FROM alert_rules ORDER BY code;
SELECT severity, rule, dimension_values->>'region' AS region, message FROM check_alerts('2026-02-01')
ORDER BY CASE severity WHEN 'critical' THEN 1 WHEN 'warning' THEN 2 ELSE 3 END, rule, region;

\echo
\echo '--- governance: lineage of a KPI, its history, and the SQL it compiles to'
SELECT * FROM metric_lineage('conversion_rate');
SELECT action, changed_by = current_user AS by_me, reason FROM metric_history('conversion_rate');
SELECT left(metric_sql('{conversion_rate}', '{region}', NULL, '2025-11-02', '2026-01-31', 'total'), 400) || ' ...' AS generated_sql;

\echo
\echo '--- check_catalog(): a planted duplicate (another team defines "revenue" with its own measure)'
SELECT define_measure('sales_revenue', 'demo_sales', 'sum', '(revenue)', unit => 'CNY', reason => 'planted duplicate') IS NOT NULL AS ok \gset
SELECT define_metric('revenue_amount', 'Revenue amount', measure => 'sales_revenue', label_zh => '销售金额', unit => 'CNY',
                     reason => 'planted duplicate') IS NOT NULL AS ok \gset
SELECT * FROM check_catalog();
RESET client_min_messages;
