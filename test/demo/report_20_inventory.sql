-- test/demo/report_20_inventory.sql: inventory section of the demo report: turnover, days of
-- inventory and GMROI by category (cost basis) for each retail year of the demo data.
-- Flows (COGS, gross profit) come from retail_demo.sales through margin_agg; balances from
-- retail_demo.inventory_snapshots through stock_agg (per date, summed over stores and SKUs);
-- the two summaries are joined per category and year, and rolled up for the company total.
-- Retail year (NRF): it ends on the Saturday nearest 31 January of the next calendar year.
-- The average inventory of a year includes the opening balance (the last snapshot on or before
-- the day before the year starts, i.e. the previous year's closing Saturday).
\set QUIET on
SET search_path = retail_kpi, retail_demo, public;
\pset footer off
\pset null '-'

-- one margin summary and one stock summary per retail year and category, kept in a temp table
CREATE TEMP TABLE inv_kpi AS
WITH bounds AS (
    SELECT min(sale_date) AS first_sale, max(sale_date) AS last_sale FROM sales),
years AS (
    -- every retail year that overlaps the sales history, clipped to it
    SELECT fy, greatest(fy_start, first_sale) AS period_start, least(fy_end, last_sale) AS period_end
    FROM bounds,
         LATERAL generate_series(extract(year FROM first_sale)::int - 1, extract(year FROM last_sale)::int) fy,
         LATERAL (SELECT make_date(fy, 1, 31) AS jan31_this, make_date(fy + 1, 1, 31) AS jan31_next) j,
         LATERAL (SELECT jan31_this + ((6 - extract(dow FROM jan31_this)::int + 3) % 7) - 3 + 1 AS fy_start,
                         jan31_next + ((6 - extract(dow FROM jan31_next)::int + 3) % 7) - 3 AS fy_end) b
    WHERE fy_start <= last_sale AND fy_end >= first_sale),
windows AS (
    -- balances from the opening snapshot (the last one before the period) to the period's end
    SELECT y.*, coalesce((SELECT max(i.snapshot_date) FROM inventory_snapshots i
                          WHERE i.snapshot_date < y.period_start), y.period_start) AS first_snapshot
    FROM years y),
flows AS (
    SELECT w.fy, k.category_id, margin_agg(s.revenue, s.cost, s.units) AS m
    FROM sales s JOIN skus k USING (sku_id)
    JOIN windows w ON s.sale_date BETWEEN w.period_start AND w.period_end
    GROUP BY 1, 2),
balances AS (
    SELECT w.fy, k.category_id, stock_agg(i.snapshot_date, i.on_hand_cost, i.on_hand_units) AS st
    FROM inventory_snapshots i JOIN skus k USING (sku_id)
    JOIN windows w ON i.snapshot_date BETWEEN w.first_snapshot AND w.period_end
    GROUP BY 1, 2)
SELECT w.fy, w.period_start, w.period_end, f.category_id, f.m, b.st
FROM windows w JOIN flows f USING (fy) JOIN balances b USING (fy, category_id);

\echo
\echo '=== 20.1 Inventory turnover, days of inventory and GMROI by category (cost basis), per retail year ==='
\echo 'turnover = COGS / average inventory at cost (mean of the snapshot-date totals, opening balance'
\echo 'included); days of inventory = average inventory x days in the period / COGS;'
\echo 'GMROI = gross profit / average inventory at cost.  ALL CATEGORIES = rollup of the category summaries.'
SELECT 'FY' || t.fy AS "retail year",
       to_char(t.period_start, 'YYYY-MM-DD') || ' .. ' || to_char(t.period_end, 'YYYY-MM-DD') AS period,
       coalesce(c.category_name, 'ALL CATEGORIES') AS category,
       snapshot_count(t.st) AS snapshots,
       round(cost(t.m), 0) AS cogs,
       round(avg_inventory(t.st), 0) AS "avg inventory",
       round(inventory_turnover(t.m, t.st)::numeric, 2) AS turnover,
       round(days_of_inventory(t.m, t.st, t.period_end - t.period_start + 1)::numeric, 1) AS "days of inv.",
       round(gmroi(t.m, t.st)::numeric, 2) AS gmroi,
       round(inventory_turnover(t.m, t.st, 'units')::numeric, 2) AS "unit turnover"
FROM (SELECT fy, period_start, period_end, category_id, m, st FROM inv_kpi
      UNION ALL
      SELECT fy, period_start, period_end, NULL, rollup(m), rollup(st) FROM inv_kpi GROUP BY 1, 2, 3) t
LEFT JOIN categories c USING (category_id)
ORDER BY t.fy, t.category_id NULLS LAST;

\echo
\echo '=== 20.2 Company turnover: ratio of the rolled-up summaries vs. the (wrong) mean of category ratios ==='
\echo 'and the average-inventory methods: snapshots (default), endpoints ((opening + closing) / 2),'
\echo 'daily (time-weighted over calendar days)'
SELECT 'FY' || fy AS "retail year",
       round(inventory_turnover(rollup(m), rollup(st))::numeric, 3) AS "company turnover",
       round(avg(inventory_turnover(m, st))::numeric, 3) AS "mean of category turnovers (wrong)",
       round(opening_inventory(rollup(st)), 0) AS opening,
       round(closing_inventory(rollup(st)), 0) AS closing,
       round(inventory_turnover(rollup(m), rollup(st), method => 'endpoints')::numeric, 3) AS "turnover, endpoints",
       round(inventory_turnover(rollup(m), rollup(st), method => 'daily')::numeric, 3) AS "turnover, daily"
FROM inv_kpi GROUP BY fy ORDER BY fy;

DROP TABLE inv_kpi;
