-- sql/catalog_families.sql: the catalog over the families built beside it: retail-calendar grains and
-- comparisons (calendar), stock_agg measures with inventory_turnover / gmroi / days_of_inventory /
-- avg_inventory (stock), sell_through_rate and attainment (scalar) — checked against hand-written SQL.
-- The families are all part of the extension now: without them the output differs and the test fails.
SET search_path = retail_kpi, public;
\set VERBOSITY terse
SELECT to_regtype('retail_kpi.stock_summary') IS NOT NULL
       AND to_regproc('retail_kpi.retail_week') IS NOT NULL
       AND to_regprocedure('retail_kpi.sell_through_rate(numeric,numeric,numeric)') IS NOT NULL AS have_families \gset
\if :have_families
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;

CREATE SCHEMA rk_fam;
-- FY2024 (2024-02-04 .. 2025-02-01) and FY2025 (2025-02-02 .. 2026-01-31) of the NRF 4-5-4 calendar
CREATE TABLE rk_fam.sales AS
SELECT d::date AS sale_date, s AS store_id, CASE WHEN s <= 2 THEN 'north' ELSE 'south' END AS region,
       round((100 + (extract(doy FROM d)::int * s) % 50)::numeric * 1.25, 2) AS revenue,
       round((100 + (extract(doy FROM d)::int * s) % 50)::numeric * 0.75, 2) AS cost,
       (1 + (extract(doy FROM d)::int + s) % 5)::numeric AS units
FROM generate_series(date '2024-02-04', date '2026-01-31', interval '1 day') d, generate_series(1, 4) s;
CREATE TABLE rk_fam.stock AS      -- weekly snapshots on Saturdays
SELECT d::date AS snapshot_date, s AS store_id, CASE WHEN s <= 2 THEN 'north' ELSE 'south' END AS region,
       (2000 + (extract(doy FROM d)::int * 7 * s) % 900)::numeric AS on_hand_cost,
       (300 + (extract(doy FROM d)::int * s) % 80)::numeric AS on_hand_units
FROM generate_series(date '2024-02-10', date '2026-01-31', interval '7 days') d, generate_series(1, 4) s;
CREATE TABLE rk_fam.receipts AS
SELECT d::date AS receipt_date, s AS store_id, CASE WHEN s <= 2 THEN 'north' ELSE 'south' END AS region,
       (10 + (extract(doy FROM d)::int * s) % 13)::numeric AS units
FROM generate_series(date '2024-02-05', date '2026-01-31', interval '3 days') d, generate_series(1, 4) s;

SELECT define_dimension('store', 'Store', '门店'), define_dimension('region', 'Region', '区域');
SELECT define_source('sales', 'rk_fam.sales', 'sale_date', '{"store": "store_id", "region": "region"}'),
       define_source('stock', 'rk_fam.stock', 'snapshot_date', '{"store": "store_id", "region": "region"}'),
       define_source('receipts', 'rk_fam.receipts', 'receipt_date', '{"store": "store_id", "region": "region"}');
SELECT define_measure('net_sales', 'sales', 'sum', 'revenue'),
       define_measure('units_sold', 'sales', 'sum', 'units'),
       define_measure('sales_summary', 'sales', 'margin_agg', 'revenue, cost, units'),
       define_measure('stock_summary', 'stock', 'stock_agg', 'snapshot_date, on_hand_cost, on_hand_units'),
       define_measure('units_received', 'receipts', 'sum', 'units');
SELECT code, installed, detail FROM install_standard_metrics()
WHERE code IN ('net_sales', 'sales_summary', 'stock_summary', 'units_sold', 'units_received', 'gross_margin_rate',
               'inventory_turnover', 'gmroi', 'days_of_inventory', 'sell_through_rate')
ORDER BY code;
SELECT define_metric('avg_inventory_cost', 'Average inventory at cost', 'derived', expression => 'avg_inventory(stock_summary)');
SELECT define_metric('days_of_inventory_91', 'Days of inventory (91-day quarter)', 'derived',
                     expression => 'days_of_inventory(sales_summary, stock_summary, 91)', polarity => 'lower_is_better');
SELECT define_metric('turnover_units', 'Turnover in units', 'derived',
                     expression => 'inventory_turnover(sales_summary, stock_summary, basis => ''units'')');
SELECT define_metric('simple_sell_through', 'Sell-through (no opening stock)', 'derived',
                     expression => 'sell_through_rate(units_sold, units_received)');

-- ---- retail grains: periods of the 4-5-4 calendar
SELECT period_start, exact_value FROM metric_values('{net_sales}', '{}', NULL, '2025-02-02', '2026-01-31', 'retail_period');
SELECT (retail_week(sale_date)).period_start, sum(revenue) FROM rk_fam.sales
WHERE sale_date BETWEEN '2025-02-02' AND '2026-01-31' GROUP BY 1 ORDER BY 1;
SELECT count(*) AS retail_weeks, min(period_start), max(period_start), bool_and(extract(dow FROM period_start) = 0) AS sundays
FROM metric_values('{net_sales}', '{}', NULL, '2025-02-02', '2026-01-31', 'retail_week');
SELECT metric, period_start, exact_value FROM metric_values('{net_sales}', grain => 'retail_year');
SELECT (retail_week(sale_date)).fiscal_year, sum(revenue) FROM rk_fam.sales GROUP BY 1 ORDER BY 1;
-- comparisons: the previous retail quarter, and the same retail week last year (364 days back)
SELECT period_start, exact_value, base_value, round(change::numeric, 10)
FROM metric_values('{net_sales}', '{}', NULL, '2025-05-04', '2025-10-31', 'retail_quarter', 'previous_period');
SELECT (retail_week(sale_date)).quarter_start, sum(revenue) FROM rk_fam.sales
WHERE sale_date BETWEEN '2025-02-02' AND '2025-10-31' GROUP BY 1 ORDER BY 1;
SELECT count(*) AS weeks,
       count(*) FILTER (WHERE base_value = (SELECT sum(revenue) FROM rk_fam.sales s
                                            WHERE s.sale_date BETWEEN v.period_start - 364 AND v.period_start - 358)) AS base_ok
FROM metric_values('{net_sales}', '{}', NULL, '2025-02-02', '2025-04-30', 'retail_week', 'same_period_last_year') v;

-- ---- stock: turnover, GMROI, days of inventory by region and retail quarter, against hand-written SQL
CREATE TEMP TABLE got AS
SELECT * FROM metric_values('{inventory_turnover,gmroi,days_of_inventory_91,avg_inventory_cost,turnover_units}', '{region}',
                            NULL, '2025-02-02', '2026-01-31', 'retail_quarter');
CREATE TEMP TABLE want AS
WITH s AS (SELECT (retail_week(sale_date)).quarter_start AS q, region, sum(revenue) r, sum(cost) c, sum(units) u
           FROM rk_fam.sales WHERE sale_date BETWEEN '2025-02-02' AND '2026-01-31' GROUP BY 1, 2),
     d AS (SELECT (retail_week(snapshot_date)).quarter_start AS q, region, snapshot_date,
                  sum(on_hand_cost) cst, sum(on_hand_units) un
           FROM rk_fam.stock WHERE snapshot_date BETWEEN '2025-02-02' AND '2026-01-31' GROUP BY 1, 2, 3),
     i AS (SELECT q, region, avg(cst) ai, avg(un) au FROM d GROUP BY 1, 2)
SELECT m.metric, s.q AS period_start, jsonb_build_object('region', s.region) AS dimension_values,
       CASE m.metric WHEN 'inventory_turnover' THEN s.c / i.ai WHEN 'gmroi' THEN (s.r - s.c) / i.ai
                     WHEN 'days_of_inventory_91' THEN i.ai * 91 / s.c WHEN 'avg_inventory_cost' THEN i.ai
                     ELSE s.u / i.au END::float8 AS value
FROM s JOIN i USING (q, region),
     (VALUES ('inventory_turnover'), ('gmroi'), ('days_of_inventory_91'), ('avg_inventory_cost'), ('turnover_units')) m(metric);
SELECT (SELECT count(*) FROM got) AS got_rows, (SELECT count(*) FROM want) AS want_rows,
       (SELECT count(*) FROM got g JOIN want w USING (metric, period_start, dimension_values)
        WHERE abs(g.value - w.value) <= 1e-12 * abs(w.value)) AS equal;
SELECT metric, period_start, dimension_values, round(value::numeric, 8) FROM got
WHERE period_start = '2025-02-02' ORDER BY 1, 3::text;
DROP TABLE got, want;

-- ---- sell-through (scalar family) and attainment: metric_vs_target agrees with retail_kpi.attainment
SELECT period_start, round(value::numeric, 10) AS sell_through
FROM metric_values('{simple_sell_through}', '{}', NULL, '2025-02-02', '2025-05-03', 'retail_period');
SELECT p, round((sold / recv)::numeric, 10) AS by_hand
FROM (SELECT (retail_week(sale_date)).period_start p, sum(units) sold FROM rk_fam.sales
      WHERE sale_date BETWEEN '2025-02-02' AND '2025-05-03' GROUP BY 1) a
JOIN (SELECT (retail_week(receipt_date)).period_start p, sum(units) recv FROM rk_fam.receipts
      WHERE receipt_date BETWEEN '2025-02-02' AND '2025-05-03' GROUP BY 1) b USING (p) ORDER BY 1;
SELECT set_target('net_sales', '2025-02-01', 60000, '{"region": "north"}'),
       set_target('net_sales', '2025-03-01', 0, '{"region": "north"}'),
       set_target('net_sales', '2025-04-01', -5000, '{"region": "north"}'),
       set_target('days_of_inventory_91', '2025-04-01', 50, '{"region": "north"}', grain => 'quarter');
SELECT count(*) AS rows, count(*) FILTER (WHERE t.attainment = attainment(CAST(t.actual AS numeric), t.target, t.direction)) AS same
FROM (SELECT * FROM metric_vs_target('net_sales', '{region}', NULL, '2025-02-01', '2025-04-30')
      UNION ALL
      SELECT * FROM metric_vs_target('days_of_inventory_91', '{region}', NULL, '2025-04-01', '2025-06-30', 'quarter')) t
WHERE t.target IS NOT NULL;

DROP SCHEMA rk_fam CASCADE;
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;
\else
\echo 'the calendar, scalar or stock family is not installed: skipped'
\endif
