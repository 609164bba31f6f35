-- test/demo/report_50_bridge.sql: year-over-year gross-profit bridge section of the demo report.
-- Retail year FY2024 = 2024-02-04 .. 2025-02-01 (base), FY2025 = 2025-02-02 .. 2026-01-31 (current).
\set QUIET on
SET search_path = retail_kpi, retail_demo, public;
\pset footer off
\pset null '-'

-- One bridge summary per region (per SKU: FY2024 and FY2025 units, revenue, cost), kept for the
-- sections below; the company bridge is the rollup of the regions.
CREATE TEMP TABLE bridge_by_region AS
SELECT st.region_id,
       bridge_agg(k.sku_code, s.sale_date >= date '2025-02-02', s.units, s.revenue, s.cost) AS s
FROM sales s JOIN stores st USING (store_id) JOIN skus k USING (sku_id)
WHERE s.sale_date BETWEEN date '2024-02-04' AND date '2026-01-31'
GROUP BY st.region_id;
CREATE TEMP TABLE bridge_company AS SELECT rollup(s) AS s FROM bridge_by_region;

\echo
\echo '=== 50.1 Gross-profit bridge FY2024 -> FY2025, company (毛利桥: 量、结构、价、成本、新品、停售) ==='
\echo 'price_volume_mix: volume = (Q1 - Q0) x base average unit margin; mix = shift between SKUs of different'
\echo 'unit margins; price = q1 x (p1 - p0); cost = -q1 x (c1 - c0); new / discontinued SKUs on their own.'
\echo 'The effects add up to the change exactly (check column).  Sales lines only (returns are not netted in).'
SELECT base AS "GP FY2024", round(volume, 2) AS volume, round(mix, 2) AS mix, round(price, 2) AS price,
       round(cost, 2) AS cost, new_items AS "new SKUs", discontinued AS "discontinued SKUs",
       current AS "GP FY2025", current - base AS change,
       volume + mix + price + cost + new_items + discontinued = current - base AS "adds up"
FROM bridge_company, margin_bridge(s) WHERE item IS NULL;

\echo
\echo '--- the same change by method (price_volume: no mix split; interaction: price at base volume)'
SELECT method, round(volume, 2) AS volume, round(mix, 2) AS mix, round(price, 2) AS price,
       round(cost, 2) AS cost, round(interaction, 2) AS interaction, new_items AS "new SKUs",
       discontinued AS "discontinued SKUs", current - base AS change
FROM (VALUES ('price_volume_mix'), ('price_volume'), ('interaction')) v(m),
     LATERAL (SELECT b.* FROM bridge_company, margin_bridge(s, m) b WHERE item IS NULL) b;

\echo
\echo '--- revenue bridge (its price effect equals the gross-profit bridge''s)'
SELECT base AS "revenue FY2024", round(volume, 2) AS volume, round(mix, 2) AS mix, round(price, 2) AS price,
       new_items AS "new SKUs", discontinued AS "discontinued SKUs", current AS "revenue FY2025"
FROM bridge_company, revenue_bridge(s) WHERE item IS NULL;

\echo
\echo '=== 50.2 Gross-profit bridge by region ==='
SELECT r.region_name AS region, r.region_name_zh AS "区域", b.base AS "GP FY2024",
       round(b.volume, 2) AS volume, round(b.mix, 2) AS mix, round(b.price, 2) AS price,
       round(b.cost, 2) AS cost, b.new_items AS "new SKUs", b.discontinued AS "discontinued SKUs",
       b.current AS "GP FY2025"
FROM bridge_by_region br JOIN regions r USING (region_id), margin_bridge(br.s) b
WHERE b.item IS NULL
ORDER BY r.region_name;
\echo 'Note: a SKU sold in FY2024 only in another region is "new" in this region, so the regions'' new'
\echo 'and discontinued effects need not add up to the company''s; revenue and GP totals do:'
SELECT (SELECT sum(b.base) FROM bridge_by_region br, margin_bridge(br.s) b WHERE b.item IS NULL)
         = (SELECT base FROM bridge_company, margin_bridge(s) WHERE item IS NULL) AS "base GP adds up",
       (SELECT sum(b.current) FROM bridge_by_region br, margin_bridge(br.s) b WHERE b.item IS NULL)
         = (SELECT current FROM bridge_company, margin_bridge(s) WHERE item IS NULL) AS "current GP adds up",
       (SELECT s::text FROM bridge_company)
         = (SELECT bridge_agg(k.sku_code, s.sale_date >= date '2025-02-02', s.units, s.revenue, s.cost)::text
            FROM sales s JOIN skus k USING (sku_id)
            WHERE s.sale_date BETWEEN date '2024-02-04' AND date '2026-01-31') AS "rollup of regions = company";

\echo
\echo '=== 50.3 SKUs driving each effect (company bridge, top 5 by size of the effect) ==='
WITH b AS (SELECT b.* FROM bridge_company, margin_bridge(s) b WHERE b.item IS NOT NULL),
effects AS (
    SELECT e.effect, b.item, e.amount
    FROM b, LATERAL (VALUES ('1 volume', b.volume), ('2 mix', b.mix), ('3 price', b.price), ('4 cost', b.cost),
                            ('5 new', b.new_items), ('6 discontinued', b.discontinued)) e(effect, amount)
    WHERE e.amount <> 0),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY effect ORDER BY abs(amount) DESC, item) AS rank FROM effects)
SELECT r.effect, r.rank, r.item AS sku, k.sku_name, c.category_name AS category, round(r.amount, 2) AS amount
FROM ranked r JOIN skus k ON k.sku_code = r.item JOIN categories c USING (category_id)
WHERE r.rank <= 5
ORDER BY r.effect, r.rank;

\echo
\echo '=== 50.4 Margin-rate bridge by category (毛利率变动: 结构 vs 品类毛利率) ==='
\echo 'mix = (w1 - w0) x r0: revenue moving between categories of different margin rates;'
\echo 'rate = w1 x (r1 - r0): the categories'' own margin rates changing.  Rates in %, effects in pp.'
WITH m AS (
    SELECT bridge_agg(c.category_name, s.sale_date >= date '2025-02-02', s.units, s.revenue, s.cost) AS s
    FROM sales s JOIN skus k USING (sku_id) JOIN categories c USING (category_id)
    WHERE s.sale_date BETWEEN date '2024-02-04' AND date '2026-01-31')
SELECT coalesce(b.item, 'TOTAL') AS category, c.category_name_zh AS "品类",
       round(100 * b.base_rate::numeric, 2) AS "margin FY2024 %",
       round(100 * b.mix::numeric, 3) AS "mix pp", round(100 * b.rate::numeric, 3) AS "rate pp",
       round(100 * b.current_rate::numeric, 2) AS "margin FY2025 %"
FROM m, margin_rate_bridge(m.s) b LEFT JOIN categories c ON c.category_name = b.item
ORDER BY b.item IS NULL, b.item;
