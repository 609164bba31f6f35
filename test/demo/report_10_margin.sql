-- test/demo/report_10_margin.sql: gross margin section of the demo report.
SET search_path = retail_kpi, retail_demo, public;
\pset footer off
\pset null '-'

\echo
\echo '=== 1. Gross margin (毛利率) by region and retail year ==='
\echo 'margin = (revenue - cost) / revenue from exact sums; retail years per the NRF 4-5-4 calendar'
SELECT r.region_name AS region, r.region_name_zh AS "区域",
       CASE WHEN s.sale_date < date '2025-02-02' THEN 'FY2024' ELSE 'FY2025' END AS year,
       revenue(margin_agg(s.revenue, s.cost)) AS revenue,
       gross_profit(margin_agg(s.revenue, s.cost)) AS gross_profit,
       round(100 * gross_margin_rate(s.revenue, s.cost)::numeric, 2) AS "margin %",
       round(100 * markup_rate(margin_agg(s.revenue, s.cost))::numeric, 2) AS "markup %"
FROM sales s JOIN stores st USING (store_id) JOIN regions r USING (region_id)
GROUP BY 1, 2, 3 ORDER BY 1, 3;

\echo
\echo '=== 2. Gross margin by category and retail year ==='
SELECT c.category_name AS category, c.category_name_zh AS "品类",
       round(100 * gross_margin_rate(s.revenue, s.cost) FILTER (WHERE s.sale_date < date '2025-02-02')::numeric, 2) AS "FY2024 margin %",
       round(100 * gross_margin_rate(s.revenue, s.cost) FILTER (WHERE s.sale_date >= date '2025-02-02')::numeric, 2) AS "FY2025 margin %",
       round(100 * (gross_margin_rate(s.revenue, s.cost) FILTER (WHERE s.sale_date >= date '2025-02-02')
                  - gross_margin_rate(s.revenue, s.cost) FILTER (WHERE s.sale_date < date '2025-02-02'))::numeric, 2) AS "change (pp)"
FROM sales s JOIN skus k USING (sku_id) JOIN categories c USING (category_id)
GROUP BY 1, 2 ORDER BY 1;

\echo
\echo '=== 3. The average-of-ratios error: mean of store margins vs the company margin ==='
\echo 'Averaging store margins gives every store the same weight; the true company margin is the'
\echo 'ratio of summed gross profit to summed revenue (what rollup() and margin_agg give).'
WITH per_store AS (
    SELECT CASE WHEN sale_date < date '2025-02-02' THEN 'FY2024' ELSE 'FY2025' END AS year,
           store_id, margin_agg(revenue, cost) AS s
    FROM sales GROUP BY 1, 2
)
SELECT year,
       round(100 * avg(margin_rate(s))::numeric, 3) AS "mean of store margins % (wrong)",
       round(100 * margin_rate(rollup(s))::numeric, 3) AS "company margin % (right)",
       round(100 * (avg(margin_rate(s)) - margin_rate(rollup(s)))::numeric, 3) AS "error (pp)"
FROM per_store GROUP BY year ORDER BY year;

\echo
\echo '=== 4. Stored daily summaries roll up to exactly the raw figures ==='
DROP TABLE IF EXISTS retail_demo.daily_margin;
CREATE TABLE retail_demo.daily_margin AS
SELECT s.sale_date, s.store_id, k.category_id, margin_agg(s.revenue, s.cost, s.units) AS s
FROM sales s JOIN skus k USING (sku_id)
GROUP BY 1, 2, 3;
COMMENT ON TABLE retail_demo.daily_margin IS 'one margin_summary per day x store x category (built by the demo report)';
SELECT count(*) AS "daily summary rows",
       pg_size_pretty(pg_total_relation_size('retail_demo.daily_margin')) AS size
FROM retail_demo.daily_margin;
WITH from_summaries AS (
    SELECT date_trunc('month', d.sale_date)::date AS month, st.region_id, rollup(d.s) AS s
    FROM retail_demo.daily_margin d JOIN stores st USING (store_id) GROUP BY 1, 2
), from_rows AS (
    SELECT date_trunc('month', s.sale_date)::date AS month, st.region_id,
           sum(s.revenue) AS revenue, sum(s.cost) AS cost, sum(s.units) AS units,
           ((sum(s.revenue) - sum(s.cost)) / nullif(sum(s.revenue), 0)) AS margin
    FROM sales s JOIN stores st USING (store_id) GROUP BY 1, 2
)
SELECT count(*) AS "month x region cells",
       count(*) FILTER (WHERE revenue(f.s)::text = r.revenue::text AND cost(f.s)::text = r.cost::text
                          AND units(f.s)::text = r.units::text) AS "identical sums",
       max(abs(margin_rate(f.s) - r.margin::float8)) AS "max margin difference"
FROM from_summaries f JOIN from_rows r USING (month, region_id);
\echo 'Example: FY2025 Q4 months by region, from the stored summaries only'
SELECT date_trunc('month', d.sale_date)::date AS month, r.region_name AS region,
       revenue(rollup(d.s)) AS revenue, round(100 * margin_rate(rollup(d.s))::numeric, 2) AS "margin %"
FROM retail_demo.daily_margin d JOIN stores st USING (store_id) JOIN regions r USING (region_id)
WHERE d.sale_date >= date '2025-11-01'
GROUP BY 1, 2 ORDER BY 1, 2;
