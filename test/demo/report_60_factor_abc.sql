-- test/demo/report_60_factor_abc.sql: factor analysis, ABC classes and a funnel (demo report).
-- Retail years (NRF 4-5-4): FY2024 = 2024-02-04 .. 2025-02-01, FY2025 = 2025-02-02 .. 2026-01-31.
SET search_path = retail_kpi, retail_demo, public;
SET client_min_messages = warning;
\pset footer off
\pset null '-'

-- revenue = traffic x conversion x average transaction value (ATV), per store and retail year:
-- traffic = visitors, conversion = transactions / visitors, ATV = revenue / transactions
CREATE TEMP VIEW store_year AS
WITH t AS (
    SELECT store_id, CASE WHEN traffic_date < date '2025-02-02' THEN 2024 ELSE 2025 END AS fy,
           sum(visitors) AS visitors
    FROM traffic WHERE traffic_date BETWEEN date '2024-02-04' AND date '2026-01-31'
    GROUP BY 1, 2),
s AS (
    SELECT store_id, CASE WHEN sale_date < date '2025-02-02' THEN 2024 ELSE 2025 END AS fy,
           count(DISTINCT transaction_id) AS transactions, sum(revenue) AS revenue
    FROM sales WHERE sale_date BETWEEN date '2024-02-04' AND date '2026-01-31'
    GROUP BY 1, 2)
SELECT store_id, fy, t.visitors, s.transactions, s.revenue,
       t.visitors::float8 AS traffic,
       s.transactions::float8 / nullif(t.visitors, 0) AS conversion,
       s.revenue::float8 / nullif(s.transactions, 0) AS atv
FROM t JOIN s USING (store_id, fy);

CREATE TEMP VIEW store_factors AS
SELECT b.store_id, st.store_code, st.store_name,
       (st.opened_on <= date '2024-02-04' AND st.closed_on IS NULL) AS comparable,
       b.revenue AS revenue_2024, a.revenue AS revenue_2025,
       ARRAY[b.traffic, b.conversion, b.atv] AS base,
       ARRAY[a.traffic, a.conversion, a.atv] AS actual
FROM store_year b JOIN store_year a ON a.store_id = b.store_id AND a.fy = 2025 AND b.fy = 2024
JOIN stores st ON st.store_id = b.store_id
WHERE b.traffic > 0 AND a.traffic > 0 AND b.conversion > 0 AND a.conversion > 0;

CREATE TEMP VIEW store_effects AS
SELECT f.store_id, f.store_code, f.store_name, f.comparable, f.revenue_2024, f.revenue_2025,
       f.revenue_2025 - f.revenue_2024 AS change,
       max(c.contribution) FILTER (WHERE c.method = 'chain' AND c.ordinal = 1) AS chain_traffic,
       max(c.contribution) FILTER (WHERE c.method = 'chain' AND c.ordinal = 2) AS chain_conversion,
       max(c.contribution) FILTER (WHERE c.method = 'chain' AND c.ordinal = 3) AS chain_atv,
       max(c.contribution) FILTER (WHERE c.method = 'lmdi' AND c.ordinal = 1) AS lmdi_traffic,
       max(c.contribution) FILTER (WHERE c.method = 'lmdi' AND c.ordinal = 2) AS lmdi_conversion,
       max(c.contribution) FILTER (WHERE c.method = 'lmdi' AND c.ordinal = 3) AS lmdi_atv,
       sum(c.contribution) FILTER (WHERE c.method = 'chain') AS chain_total,
       sum(c.contribution) FILTER (WHERE c.method = 'lmdi') AS lmdi_total
FROM store_factors f
CROSS JOIN LATERAL (
    SELECT 'chain' AS method, x.* FROM factor_contributions(f.base, f.actual, 'chain',
                                                            ARRAY['traffic', 'conversion', 'atv']) x
    UNION ALL
    SELECT 'lmdi', x.* FROM factor_contributions(f.base, f.actual, 'lmdi',
                                                 ARRAY['traffic', 'conversion', 'atv']) x) c
GROUP BY 1, 2, 3, 4, 5, 6;

\echo
\echo '=== 60.1 Store revenue change FY2025 vs FY2024: traffic x conversion x ATV (因素分析) ==='
\echo 'chain = 连环替代法 in the order traffic, conversion, ATV; lmdi = additive LMDI-I (order-free).'
\echo 'Effects add up to the revenue change (check column: largest |effects - change| over all stores).'
SELECT count(*) AS stores, count(*) FILTER (WHERE comparable) AS comparable_stores,
       sum(revenue_2024) AS revenue_2024, sum(revenue_2025) AS revenue_2025,
       round(sum(chain_traffic)::numeric, 2) AS "Σ chain traffic",
       round(sum(chain_conversion)::numeric, 2) AS "Σ chain conversion",
       round(sum(chain_atv)::numeric, 2) AS "Σ chain ATV",
       round(max(greatest(abs(chain_total - change::float8), abs(lmdi_total - change::float8)))::numeric, 6) AS "check"
FROM store_effects;

\echo
\echo '--- top 10 stores by revenue growth (amounts in currency units; * = not comparable, opened or closed in the period)'
SELECT store_code || CASE WHEN comparable THEN '' ELSE ' *' END AS store, store_name,
       round(revenue_2024) AS "FY2024", round(revenue_2025) AS "FY2025", round(change) AS change,
       round(chain_traffic::numeric) AS "chain traffic", round(chain_conversion::numeric) AS "chain conv",
       round(chain_atv::numeric) AS "chain ATV",
       round(lmdi_traffic::numeric) AS "LMDI traffic", round(lmdi_conversion::numeric) AS "LMDI conv",
       round(lmdi_atv::numeric) AS "LMDI ATV"
FROM store_effects ORDER BY change DESC, store_code LIMIT 10;

\echo
\echo '--- bottom 10 stores by revenue growth'
SELECT store_code || CASE WHEN comparable THEN '' ELSE ' *' END AS store, store_name,
       round(revenue_2024) AS "FY2024", round(revenue_2025) AS "FY2025", round(change) AS change,
       round(chain_traffic::numeric) AS "chain traffic", round(chain_conversion::numeric) AS "chain conv",
       round(chain_atv::numeric) AS "chain ATV",
       round(lmdi_traffic::numeric) AS "LMDI traffic", round(lmdi_conversion::numeric) AS "LMDI conv",
       round(lmdi_atv::numeric) AS "LMDI ATV"
FROM store_effects ORDER BY change ASC, store_code LIMIT 10;

\echo
\echo '--- company: comparable stores as sub-categories (2-D input, V = Σ stores traffic x conversion x ATV)'
\echo 'lmdi_multiplicative gives each factor as a ratio; their product is revenue FY2025 / FY2024.'
WITH m AS (
    SELECT array_agg(base ORDER BY store_id) AS base, array_agg(actual ORDER BY store_id) AS actual,
           sum(revenue_2024) AS r0, sum(revenue_2025) AS r1
    FROM store_factors WHERE comparable)
SELECT c.factor,
       round(max(c.contribution) FILTER (WHERE c.method = 'chain')::numeric, 2) AS chain,
       round(max(c.contribution) FILTER (WHERE c.method = 'shapley')::numeric, 2) AS shapley,
       round(max(c.contribution) FILTER (WHERE c.method = 'lmdi')::numeric, 2) AS lmdi,
       round(max(c.contribution) FILTER (WHERE c.method = 'lmdi_multiplicative')::numeric, 6) AS "lmdi ratio",
       max(m.r1 - m.r0) AS "revenue change", round(max(m.r1 / m.r0), 6) AS "revenue ratio"
FROM m CROSS JOIN LATERAL (
    SELECT meth AS method, x.*
    FROM unnest(ARRAY['chain', 'shapley', 'lmdi', 'lmdi_multiplicative']) meth,
         LATERAL factor_contributions(m.base, m.actual, meth, ARRAY['traffic', 'conversion', 'atv']) x) c
GROUP BY c.ordinal, c.factor ORDER BY c.ordinal;

\echo
\echo '=== 60.2 ABC classes of SKUs by FY2025 revenue (ABC 分类) ==='
\echo 'A while cumulative revenue share <= 80 %, B while <= 95 %, else C; revenue <= 0 is D.'
\echo 'Per-store summaries are stored and rolled up to the company (same result as the raw rows).'
DROP TABLE IF EXISTS retail_demo.sku_abc_by_store;
CREATE TABLE retail_demo.sku_abc_by_store AS
SELECT store_id, abc_agg(k.sku_code, s.revenue) AS s
FROM sales s JOIN skus k USING (sku_id)
WHERE s.sale_date BETWEEN date '2025-02-02' AND date '2026-01-31'
GROUP BY store_id;
COMMENT ON TABLE retail_demo.sku_abc_by_store IS 'one abc_summary of FY2025 SKU revenue per store (built by the demo report)';
SELECT (SELECT rollup(s) FROM retail_demo.sku_abc_by_store)::text =
       (SELECT abc_agg(k.sku_code, s.revenue) FROM sales s JOIN skus k USING (sku_id)
        WHERE s.sale_date BETWEEN date '2025-02-02' AND date '2026-01-31')::text AS "rollup = raw";
SELECT abc_class AS class, count(*) AS skus,
       round(100.0 * count(*) / sum(count(*)) OVER (), 1) AS "% of SKUs",
       sum(value) AS revenue,
       round(100 * sum(share)::numeric, 2) AS "% of revenue"
FROM abc_classify((SELECT rollup(s) FROM retail_demo.sku_abc_by_store))
GROUP BY abc_class ORDER BY abc_class;

\echo
\echo '--- ABC classes by category (number of SKUs per class)'
SELECT cat.category_name AS category, cat.category_name_zh AS "品类",
       count(*) FILTER (WHERE c.abc_class = 'A') AS "A", count(*) FILTER (WHERE c.abc_class = 'B') AS "B",
       count(*) FILTER (WHERE c.abc_class = 'C') AS "C", count(*) FILTER (WHERE c.abc_class = 'D') AS "D",
       round(100 * sum(c.share)::numeric, 2) AS "% of revenue"
FROM abc_classify((SELECT rollup(s) FROM retail_demo.sku_abc_by_store)) c
JOIN skus k ON k.sku_code = c.item JOIN categories cat USING (category_id)
GROUP BY 1, 2 ORDER BY 1;

\echo
\echo '--- the 5 largest SKUs'
SELECT c.item AS sku, k.sku_name, c.value AS revenue, round(100 * c.share::numeric, 3) AS "share %",
       round(100 * c.cumulative_share::numeric, 3) AS "cumulative %", c.abc_class AS class
FROM abc_classify((SELECT rollup(s) FROM retail_demo.sku_abc_by_store)) c
JOIN skus k ON k.sku_code = c.item
ORDER BY c.value DESC, c.item LIMIT 5;

\echo
\echo '=== 60.3 Store funnel FY2025 (转化漏斗): visitors -> transactions -> baskets of 2+ units -> loyalty 2+ ==='
WITH txn AS (
    SELECT transaction_id, sum(units) AS units, bool_or(customer_id IS NOT NULL) AS loyalty
    FROM sales WHERE sale_date BETWEEN date '2025-02-02' AND date '2026-01-31'
    GROUP BY transaction_id),
counts AS (
    SELECT (SELECT sum(visitors) FROM traffic
            WHERE traffic_date BETWEEN date '2025-02-02' AND date '2026-01-31')::bigint AS visitors,
           count(*) AS transactions,
           count(*) FILTER (WHERE units >= 2) AS multi,
           count(*) FILTER (WHERE units >= 2 AND loyalty) AS multi_loyalty
    FROM txn)
SELECT f.stage, f.name, f.count, round(100 * f.step_rate::numeric, 2) AS "step %",
       round(100 * f.rate_from_top::numeric, 2) AS "from top %", round(100 * f.drop_off::numeric, 2) AS "drop-off %"
FROM counts, funnel(ARRAY[visitors, transactions, multi, multi_loyalty],
                    ARRAY['visitors', 'transactions', 'baskets 2+ units', 'loyalty, 2+ units']) f;

DROP VIEW store_effects, store_factors, store_year;
