-- test/demo/report_30_sell_through_promo.sql: sell-through, SKU activity and promotion sections of
-- the demo report (retail year FY2025 = 2025-02-02 .. 2026-01-31 on the NRF calendar).
SET search_path = retail_kpi, retail_demo, public;
\pset footer off
\pset null '-'

\echo
\echo '=== 30.1 Sell-through (售罄率) by season, FY2025 ==='
\echo 'sell-through = net units sold / (opening on-hand + units received); opening = the snapshot'
\echo 'of Saturday 2025-02-01 (close of FY2024); net sold = sales units - returned units of FY2025'
WITH fy AS (SELECT min(day) AS first_day, max(day) AS last_day FROM retail_calendar(2025)),
sold AS (
    SELECT k.season, sum(s.units) AS units
    FROM sales s JOIN skus k USING (sku_id), fy
    WHERE s.sale_date BETWEEN fy.first_day AND fy.last_day GROUP BY 1),
returned AS (
    SELECT k.season, sum(r.units) AS units
    FROM returns r JOIN skus k USING (sku_id), fy
    WHERE r.return_date BETWEEN fy.first_day AND fy.last_day GROUP BY 1),
received AS (
    SELECT k.season, sum(r.units) AS units
    FROM receipts r JOIN skus k USING (sku_id), fy
    WHERE r.receipt_date BETWEEN fy.first_day AND fy.last_day GROUP BY 1),
opening AS (
    SELECT k.season, sum(i.on_hand_units) AS units
    FROM inventory_snapshots i JOIN skus k USING (sku_id), fy
    WHERE i.snapshot_date = fy.first_day - 1 GROUP BY 1)
SELECT season, o.units AS opening_units, rc.units AS received_units,
       s.units - coalesce(rt.units, 0) AS net_sold_units,
       round(100 * sell_through_rate(s.units - coalesce(rt.units, 0), rc.units, o.units)::numeric, 2)
           AS "sell-through %",
       round(100 * sell_through_rate(s.units - coalesce(rt.units, 0), rc.units)::numeric, 2)
           AS "sold / received %"
FROM sold s LEFT JOIN returned rt USING (season) LEFT JOIN received rc USING (season)
LEFT JOIN opening o USING (season)
ORDER BY season;

\echo
\echo '=== 30.2 SKU activity rate (动销率) and dead-stock rate (滞销率) by category, FY2025 quarters ==='
\echo 'grain: store x SKU of the store assortment, counting SKUs active (launched, not discontinued)'
\echo 'during the quarter; active = net units sold (sales - returns) > 0 in the quarter'
WITH q AS (
    SELECT fiscal_quarter, min(day) AS q_start, max(day) AS q_end
    FROM retail_calendar(2025) GROUP BY 1),
listed AS (
    SELECT q.fiscal_quarter, k.category_id, a.store_id, a.sku_id
    FROM store_assortment a JOIN skus k USING (sku_id) CROSS JOIN q
    WHERE k.launched_on <= q.q_end AND (k.discontinued_on IS NULL OR k.discontinued_on > q.q_start)),
moves AS (
    SELECT store_id, sku_id, sale_date AS d, units FROM sales
    UNION ALL
    SELECT store_id, sku_id, return_date, -units FROM returns),
net AS (
    SELECT q.fiscal_quarter, m.store_id, m.sku_id, sum(m.units) AS net_units
    FROM moves m JOIN q ON m.d BETWEEN q.q_start AND q.q_end
    GROUP BY 1, 2, 3),
flagged AS (
    SELECT l.*, coalesce(n.net_units, 0) > 0 AS active
    FROM listed l LEFT JOIN net n USING (fiscal_quarter, store_id, sku_id))
SELECT c.category_name AS category, c.category_name_zh AS "品类",
       round(100 * activity_rate(count(*) FILTER (WHERE fiscal_quarter = 1 AND active),
                                 count(*) FILTER (WHERE fiscal_quarter = 1))::numeric, 1) AS "Q1 动销 %",
       round(100 * activity_rate(count(*) FILTER (WHERE fiscal_quarter = 2 AND active),
                                 count(*) FILTER (WHERE fiscal_quarter = 2))::numeric, 1) AS "Q2 动销 %",
       round(100 * activity_rate(count(*) FILTER (WHERE fiscal_quarter = 3 AND active),
                                 count(*) FILTER (WHERE fiscal_quarter = 3))::numeric, 1) AS "Q3 动销 %",
       round(100 * activity_rate(count(*) FILTER (WHERE fiscal_quarter = 4 AND active),
                                 count(*) FILTER (WHERE fiscal_quarter = 4))::numeric, 1) AS "Q4 动销 %",
       round(100 * dead_stock_rate(count(*) FILTER (WHERE fiscal_quarter = 4 AND active),
                                   count(*) FILTER (WHERE fiscal_quarter = 4))::numeric, 1) AS "Q4 滞销 %"
FROM flagged JOIN categories c USING (category_id)
GROUP BY c.category_id, 1, 2 ORDER BY c.category_id;

\echo
\echo '=== 30.3 Promotion uplift and ROI per promotion ==='
\echo 'uplift = promotion-window total - baseline daily run-rate x promotion days (baseline = the'
\echo 'window before the promotion); rows of the promoted category only (all categories when storewide);'
\echo 'per-store promo_agg summaries rolled up to the company; ROI net = (incremental GP - spend) / spend'
WITH per_store AS (
    SELECT p.promo_id, s.store_id,
           promo_agg(s.sale_date, s.units, s.revenue, s.cost,
                     p.start_date, p.end_date, p.baseline_start, p.baseline_end) AS ps
    FROM promotions p
    JOIN sales s ON s.sale_date BETWEEN least(p.start_date, p.baseline_start)
                                    AND greatest(p.end_date, p.baseline_end)
    JOIN skus k ON k.sku_id = s.sku_id AND (p.category_id IS NULL OR k.category_id = p.category_id)
    GROUP BY p.promo_id, s.store_id),
company AS (SELECT promo_id, rollup(ps) AS ps FROM per_store GROUP BY promo_id)
SELECT p.promo_id AS id, p.promo_name AS promotion, p.start_date, promo_days(c.ps) AS days,
       baseline_days(c.ps) AS base_days,
       promo_units(c.ps) AS units, round(incremental_units(c.ps), 1) AS "incr. units",
       round(incremental_revenue(c.ps), 2) AS "incr. revenue",
       round(incremental_gross_profit(c.ps), 2) AS "incr. GP", p.spend,
       round(promo_roi(c.ps, p.spend)::numeric, 3) AS "ROI net",
       round(promo_roi(c.ps, p.spend, 'gross')::numeric, 3) AS "ROI gross",
       round(promo_roi(c.ps, p.spend, 'revenue')::numeric, 3) AS "ROI revenue"
FROM promotions p JOIN company c USING (promo_id)
ORDER BY p.promo_id;
