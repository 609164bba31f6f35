-- test/demo/report_40_targets_growth.sql: target attainment, year-over-year growth on the retail
-- calendar and sales volatility sections of the demo report.
SET search_path = retail_kpi, retail_demo, public;
\pset footer off
\pset null '-'

\echo
\echo '=== 40.1 Store target attainment (达成率), calendar 2025 ==='
\echo 'attainment = actual / target (higher is better) over the months that have a target;'
\echo 'revenue and gross profit targets; 10 best and 10 worst stores by revenue attainment'
WITH actual AS (
    SELECT store_id, date_trunc('month', sale_date)::date AS month, margin_agg(revenue, cost) AS m
    FROM sales WHERE sale_date >= date '2025-01-01' AND sale_date < date '2026-01-01'
    GROUP BY 1, 2),
st AS (
    SELECT t.store_id, count(*) AS months,
           coalesce(revenue(rollup(a.m)), 0) AS revenue, sum(t.revenue_target) AS revenue_target,
           coalesce(gross_profit(rollup(a.m)), 0) AS gp, sum(t.gross_profit_target) AS gp_target
    FROM store_targets t LEFT JOIN actual a USING (store_id, month)
    WHERE t.month >= date '2025-01-01' AND t.month < date '2026-01-01'
    GROUP BY t.store_id),
ranked AS (
    SELECT st.*, attainment(revenue, revenue_target) AS rev_att, attainment(gp, gp_target) AS gp_att,
           rank() OVER (ORDER BY attainment(revenue, revenue_target) DESC, store_id) AS r_best,
           rank() OVER (ORDER BY attainment(revenue, revenue_target), store_id) AS r_worst
    FROM st)
SELECT s.store_code AS store, s.store_name, months, revenue, revenue_target,
       round(100 * rev_att::numeric, 1) AS "revenue 达成 %",
       round(100 * gp_att::numeric, 1) AS "GP 达成 %"
FROM ranked JOIN stores s USING (store_id)
WHERE r_best <= 10 OR r_worst <= 10
ORDER BY rev_att DESC, store_id;

\echo
\echo '=== 40.2 Company target attainment by month, 2025 (stores with a target that month) ==='
WITH actual AS (
    SELECT store_id, date_trunc('month', sale_date)::date AS month,
           sum(revenue) AS revenue, sum(revenue - cost) AS gp
    FROM sales WHERE sale_date >= date '2025-01-01' AND sale_date < date '2026-01-01'
    GROUP BY 1, 2)
SELECT to_char(t.month, 'YYYY-MM') AS month, count(*) AS stores,
       sum(t.revenue_target) AS revenue_target, coalesce(sum(a.revenue), 0) AS revenue,
       round(100 * attainment(coalesce(sum(a.revenue), 0), sum(t.revenue_target))::numeric, 1) AS "revenue 达成 %",
       round(100 * attainment(coalesce(sum(a.gp), 0), sum(t.gross_profit_target))::numeric, 1) AS "GP 达成 %"
FROM store_targets t LEFT JOIN actual a USING (store_id, month)
WHERE t.month >= date '2025-01-01' AND t.month < date '2026-01-01'
GROUP BY t.month ORDER BY t.month;

\echo
\echo '=== 40.3 Year-over-year growth (同比) by fiscal period, FY2025 vs FY2024, comparable weeks ==='
\echo 'each FY2025 day is compared with comparable_date(day) = the same weekday 52 weeks earlier'
\echo '(NRF restated); comparable stores only: open on every day of both years'
WITH comp_stores AS (
    SELECT store_id FROM stores
    WHERE opened_on <= date '2024-02-04' AND (closed_on IS NULL OR closed_on > date '2026-01-31')),
daily AS (
    SELECT s.sale_date, sum(s.revenue) AS revenue, sum(s.units) AS units
    FROM sales s JOIN comp_stores USING (store_id) GROUP BY s.sale_date),
cal AS (SELECT c.*, comparable_date(c.day) AS base_day FROM retail_calendar(2025) c)
SELECT c.fiscal_quarter AS q, c.fiscal_period AS period, min(c.period_start) AS period_start,
       count(DISTINCT c.fiscal_week) AS weeks,
       sum(b.revenue) AS base_revenue, sum(d.revenue) AS revenue,
       round(100 * growth_rate(sum(d.revenue), sum(b.revenue))::numeric, 2) AS "revenue 同比 %",
       round(100 * growth_rate(sum(d.units), sum(b.units))::numeric, 2) AS "units 同比 %"
FROM cal c
LEFT JOIN daily d ON d.sale_date = c.day
LEFT JOIN daily b ON b.sale_date = c.base_day
GROUP BY c.fiscal_quarter, c.fiscal_period ORDER BY c.fiscal_period;

\echo
\echo '=== 40.4 Weekly sales volatility (波动率) by region, FY2025 ==='
\echo 'coefficient of variation of the weekly revenue series of each region (and of the company):'
\echo 'sample standard deviation / mean over the 52 retail weeks; population variant beside it'
WITH wk AS (
    SELECT st.region_id, w.fiscal_week, sum(s.revenue) AS revenue
    FROM sales s JOIN stores st USING (store_id) JOIN retail_calendar(2025) w ON w.day = s.sale_date
    GROUP BY GROUPING SETS ((st.region_id, w.fiscal_week), (w.fiscal_week)))
SELECT coalesce(r.region_name, 'company') AS region, coalesce(r.region_name_zh, '公司') AS "区域",
       count(*) AS weeks,
       round(coefficient_of_variation(wk.revenue)::numeric, 4) AS "CV sample",
       round(coefficient_of_variation(wk.revenue, 'population')::numeric, 4) AS "CV population"
FROM wk LEFT JOIN regions r USING (region_id)
GROUP BY wk.region_id, r.region_name, r.region_name_zh ORDER BY wk.region_id NULLS LAST;
