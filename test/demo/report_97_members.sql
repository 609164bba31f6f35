-- test/demo/report_97_members.sql: member KPIs (会员) of the demo company's loyalty members.
-- The loyalty members are retail_demo.sales.customer_id (customer_id = home store · member number: a
-- member buys at its home store only; anonymous sales have no customer_id). The member base is the
-- members on file, i.e. seen at their first purchase (the demo has no member master table: view
-- retail_demo.kpi_members, with the date each member joined).
-- Through the catalog (the standard templates bound by report_90_scorecard.sql: customer_summary,
-- order_keys) for repurchase rate, frequency, spend, customers and active members by region; the
-- customer family's functions directly for RFM tiers and cohort retention. Every figure is checked
-- against hand-written SQL over the sales rows (a column "check" that must be t).
SET search_path = retail_kpi, retail_demo, public;
\pset footer off
\pset null '-'
SET client_min_messages = warning;

\echo
\echo '=== 97. Members (会员): repurchase, activity, RFM tiers, cohort retention ==='

-- the member base: members on file with their home store and region, joined at their first purchase
CREATE OR REPLACE VIEW retail_demo.kpi_members AS
SELECT s.customer_id, s.store_id, r.region_name AS region, min(s.sale_date) AS joined_on
FROM retail_demo.sales s JOIN retail_demo.stores st USING (store_id) JOIN retail_demo.regions r USING (region_id)
WHERE s.customer_id IS NOT NULL
GROUP BY s.customer_id, s.store_id, r.region_name;
SELECT define_source('demo_members', 'retail_demo.kpi_members', NULL, '{"store": "store_id", "region": "region"}',
                     'loyalty members on file (static: one row per member, with the date joined)') IS NOT NULL AS ok \gset
-- members on file at the end of Q4 2025 (the quarter reported below)
SELECT define_measure('member_base_q4_2025', 'demo_members', 'count_distinct', 'customer_id',
                      'joined_on <= ''2025-12-31''::date', unit => 'count', reason => 'demo binding') IS NOT NULL AS ok \gset
SELECT define_metric('member_base_q4_2025', 'Members on file (end of Q4 2025)', 'simple',
                     measure => 'member_base_q4_2025', label_zh => '会员数(2025Q4末)', unit => 'count',
                     polarity => 'neutral', reason => 'demo') IS NOT NULL AS ok \gset
SELECT define_metric('active_member_rate_q4_2025', 'Active member rate (Q4 2025)', 'derived',
                     expression => 'active_rate(customer_summary, member_base_q4_2025)',
                     label_zh => '会员活跃度(2025Q4)', unit => 'ratio', reason => 'demo') IS NOT NULL AS ok \gset

\echo
\echo '--- the member templates of the standard library (bound by report 90 to the sales view)'
SELECT code, label_zh, label_en, definition, unit FROM metric_catalog
WHERE code IN ('customer_summary', 'order_keys', 'customer_count', 'repurchase_rate', 'purchase_frequency',
               'spend_per_member', 'avg_order_value', 'active_member_rate_q4_2025')
ORDER BY array_position('{customer_summary,order_keys,customer_count,repurchase_rate,purchase_frequency,spend_per_member,avg_order_value,active_member_rate_q4_2025}'::text[], code);

\echo
\echo '--- by region, Q4 2025 (Oct - Dec): metric_values (grain quarter)'
SELECT v.dimension_values->>'region' AS region,
       max(v.value) FILTER (WHERE v.metric = 'customer_count') AS "顾客数 members buying",
       max(v.value) FILTER (WHERE v.metric = 'member_base_q4_2025') AS "会员数 on file",
       to_char(100 * max(v.value) FILTER (WHERE v.metric = 'active_member_rate_q4_2025'), 'FM990.00') || ' %' AS "会员活跃度 active",
       to_char(100 * max(v.value) FILTER (WHERE v.metric = 'repurchase_rate'), 'FM990.00') || ' %' AS "复购率 repurchase",
       round(max(v.value) FILTER (WHERE v.metric = 'purchase_frequency')::numeric, 3) AS "购买频次 frequency",
       round(max(v.exact_value) FILTER (WHERE v.metric = 'spend_per_member'), 2) AS "会员客单价 spend/member",
       round(max(v.exact_value) FILTER (WHERE v.metric = 'avg_order_value'), 2) AS "客单价 per order"
FROM metric_values('{customer_count,member_base_q4_2025,active_member_rate_q4_2025,repurchase_rate,purchase_frequency,spend_per_member,avg_order_value}',
                   '{region}', NULL, '2025-10-01', '2025-12-31', 'quarter') v
GROUP BY 1 ORDER BY 1;

\echo
\echo '--- the same figures by hand-written SQL over the sales rows (check: every catalog figure equal)'
WITH q AS (
    SELECT k.region, k.customer_id, k.sale_date, k.revenue, k.transaction_id
    FROM kpi_sales k WHERE k.sale_date BETWEEN '2025-10-01' AND '2025-12-31'),
pc AS (   -- per member: purchase days (one occasion per day) and spend
    SELECT region, customer_id, count(DISTINCT sale_date) AS days, sum(revenue) AS spend
    FROM q WHERE customer_id IS NOT NULL GROUP BY 1, 2),
h AS (
    SELECT pc.region, count(*) AS customers, count(*) FILTER (WHERE days >= 2)::float8 / count(*) AS repurchase,
           sum(days)::float8 / count(*) AS frequency, sum(spend) / count(*) AS spend_per_member,
           (SELECT count(*) FROM kpi_members m WHERE m.region = pc.region AND m.joined_on <= '2025-12-31') AS base,
           (SELECT sum(revenue) / count(DISTINCT transaction_id) FROM q WHERE q.region = pc.region) AS per_order
    FROM pc GROUP BY pc.region),
v AS (
    SELECT dimension_values->>'region' AS region, metric, value, exact_value
    FROM metric_values('{customer_count,member_base_q4_2025,active_member_rate_q4_2025,repurchase_rate,purchase_frequency,spend_per_member,avg_order_value}',
                       '{region}', NULL, '2025-10-01', '2025-12-31', 'quarter'))
SELECT h.region, h.customers AS "members buying", h.base AS "on file",
       to_char(100 * h.customers::float8 / h.base, 'FM990.00') || ' %' AS active,
       to_char(100 * h.repurchase, 'FM990.00') || ' %' AS repurchase, round(h.frequency::numeric, 3) AS frequency,
       round(h.spend_per_member, 2) AS "spend/member", round(h.per_order, 2) AS "per order",
       (SELECT bool_and(CASE v.metric
                        WHEN 'customer_count' THEN v.value = h.customers
                        WHEN 'member_base_q4_2025' THEN v.value = h.base
                        WHEN 'active_member_rate_q4_2025' THEN v.value = h.customers::float8 / h.base
                        WHEN 'repurchase_rate' THEN v.value = h.repurchase
                        WHEN 'purchase_frequency' THEN v.value = h.frequency
                        WHEN 'spend_per_member' THEN v.exact_value = h.spend_per_member
                        WHEN 'avg_order_value' THEN v.exact_value = h.per_order END)
               AND count(*) = 7
        FROM v WHERE v.region = h.region) AS "check"
FROM h ORDER BY 1;

\echo
\echo '--- all regions: members are counted once (a sum over regions or stores would count a member per'
\echo '    place it bought; here every member has one home store, so the store sum equals the total)'
SELECT v.value AS "顾客数 (metric_values, total)",
       (SELECT count(DISTINCT customer_id) FROM sales WHERE sale_date BETWEEN '2025-10-01' AND '2025-12-31') AS "by hand",
       (SELECT sum(w.value) FROM metric_values('{customer_count}', '{store}', NULL, '2025-10-01', '2025-12-31', 'quarter') w)
           AS "sum over stores",
       v.value = (SELECT count(DISTINCT customer_id) FROM sales WHERE sale_date BETWEEN '2025-10-01' AND '2025-12-31')
           AS "check"
FROM metric_values('{customer_count}', '{}', NULL, '2025-10-01', '2025-12-31', 'quarter') v;

\echo
\echo '--- RFM tiers (会员分层) as of 2025-12-31, over the members buying in calendar 2025: tier sizes and'
\echo '    value ranges (rfm_tiers, ntile method, 5 = best) against ntile(5) over the rows by hand'
CREATE TEMP TABLE members_2025 AS
SELECT customer_agg(customer_id, sale_date, revenue) AS s
FROM sales WHERE sale_date BETWEEN '2025-01-01' AND '2025-12-31';
WITH pc AS (
    SELECT customer_id, '2025-12-31'::date - max(sale_date) AS recency, count(DISTINCT sale_date)::numeric AS frequency,
           sum(revenue) AS monetary
    FROM sales WHERE sale_date BETWEEN '2025-01-01' AND '2025-12-31' AND customer_id IS NOT NULL GROUP BY 1),
scored AS (   -- worst first, ties by member key: R by days descending, F and M ascending
    SELECT 'recency' AS dimension, ntile(5) OVER (ORDER BY recency DESC, customer_id) AS score, recency::numeric AS value
    FROM pc
    UNION ALL SELECT 'frequency', ntile(5) OVER (ORDER BY frequency, customer_id), frequency FROM pc
    UNION ALL SELECT 'monetary', ntile(5) OVER (ORDER BY monetary, customer_id), monetary FROM pc),
hand AS (SELECT dimension, score, count(*) AS customers, min(value) AS min_value, max(value) AS max_value
         FROM scored GROUP BY 1, 2)
SELECT t.dimension, t.score, t.customers, t.min_value, t.max_value,
       t.customers = h.customers AND t.min_value = h.min_value AND t.max_value = h.max_value AS "check"
FROM members_2025, rfm_tiers(s, '2025-12-31') t
LEFT JOIN hand h ON h.dimension = t.dimension AND h.score = t.score
ORDER BY array_position('{recency,frequency,monetary}'::text[], t.dimension), t.score DESC;

\echo
\echo '--- the best members: R, F and M all in tier 5, as of 2025-12-31 (rfm_scores), and the same count by hand'
WITH pc AS (
    SELECT customer_id, '2025-12-31'::date - max(sale_date) AS recency, count(DISTINCT sale_date) AS frequency,
           sum(revenue) AS monetary
    FROM sales WHERE sale_date BETWEEN '2025-01-01' AND '2025-12-31' AND customer_id IS NOT NULL GROUP BY 1),
hand AS (
    SELECT customer_id, ntile(5) OVER (ORDER BY recency DESC, customer_id) AS r,
           ntile(5) OVER (ORDER BY frequency, customer_id) AS f, ntile(5) OVER (ORDER BY monetary, customer_id) AS m
    FROM pc)
SELECT (SELECT count(*) FROM members_2025, rfm_scores(s, '2025-12-31') x WHERE x.r_score = 5 AND x.f_score = 5 AND x.m_score = 5)
           AS "555 members (rfm_scores)",
       (SELECT count(*) FROM hand WHERE r = 5 AND f = 5 AND m = 5) AS "by hand",
       (SELECT count(*) FROM members_2025, rfm_scores(s, '2025-12-31') x) AS "members scored",
       (SELECT count(*) FROM members_2025, rfm_scores(s, '2025-12-31') x JOIN hand h ON h.customer_id = x.customer
        WHERE (x.r_score, x.f_score, x.m_score) IS DISTINCT FROM (h.r, h.f, h.m)) = 0 AS "check (every member's scores)";

\echo
\echo '--- cohort retention (留存) by month: members by the month of their first-ever purchase (summary over the'
\echo '    whole history), cohorts Aug - Oct 2025, share of the cohort buying again in each later month'
CREATE TEMP TABLE members_all AS SELECT customer_agg(customer_id, sale_date, revenue) AS s FROM sales;
SELECT to_char(c.cohort, 'YYYY-MM') AS cohort, max(c.cohort_size) AS members,
       max(to_char(100 * c.retention_rate, 'FM990.0') || ' %') FILTER (WHERE c.period = 1) AS "month +1",
       max(to_char(100 * c.retention_rate, 'FM990.0') || ' %') FILTER (WHERE c.period = 2) AS "month +2",
       max(to_char(100 * c.retention_rate, 'FM990.0') || ' %') FILTER (WHERE c.period = 3) AS "month +3",
       max(to_char(100 * c.retention_rate, 'FM990.0') || ' %') FILTER (WHERE c.period = 4) AS "month +4",
       max(to_char(100 * c.retention_rate, 'FM990.0') || ' %') FILTER (WHERE c.period = 5) AS "month +5"
FROM members_all, cohort_retention(s, 'month') c
WHERE c.cohort BETWEEN '2025-08-01' AND '2025-10-01'
GROUP BY c.cohort ORDER BY c.cohort;

\echo
\echo '--- the same cells by hand: first month per member, months with a purchase (every cell, zeros included)'
WITH first AS (
    SELECT customer_id, date_trunc('month', min(sale_date))::date AS cohort FROM sales
    WHERE customer_id IS NOT NULL GROUP BY 1),
active AS (
    SELECT DISTINCT customer_id, date_trunc('month', sale_date)::date AS month FROM sales WHERE customer_id IS NOT NULL),
hand AS (
    SELECT f.cohort, (extract(year FROM age(a.month, f.cohort)) * 12 + extract(month FROM age(a.month, f.cohort)))::int AS period,
           count(*) AS customers
    FROM first f JOIN active a USING (customer_id) GROUP BY 1, 2),
sizes AS (SELECT cohort, count(*) AS cohort_size FROM first GROUP BY 1),
cells AS (
    SELECT c.cohort, c.period, c.customers, c.cohort_size, c.retention_rate,
           coalesce(h.customers, 0) AS hand_customers, z.cohort_size AS hand_size
    FROM members_all, cohort_retention(s, 'month') c
    LEFT JOIN hand h ON h.cohort = c.cohort AND h.period = c.period
    JOIN sizes z ON z.cohort = c.cohort)
SELECT to_char(cohort, 'YYYY-MM') AS cohort, max(hand_size) AS members,
       string_agg(period || ': ' || hand_customers, ', ' ORDER BY period) FILTER (WHERE period BETWEEN 1 AND 5)
           AS "members buying in month +1 .. +5 (by hand)",
       bool_and(customers = hand_customers AND cohort_size = hand_size
                AND retention_rate = hand_customers::float8 / hand_size) AS "check"
FROM cells WHERE cohort BETWEEN '2025-08-01' AND '2025-10-01'
GROUP BY cohort ORDER BY cohort;
SELECT count(*) AS "cells (all cohorts)",
       bool_and(c.customers = coalesce(h.customers, 0)) AS "check (every cell of every cohort)"
FROM members_all, cohort_retention(s, 'month') c
LEFT JOIN (SELECT f.cohort, date_trunc('month', s2.sale_date)::date AS month, count(DISTINCT s2.customer_id) AS customers
           FROM (SELECT customer_id, date_trunc('month', min(sale_date))::date AS cohort FROM sales
                 WHERE customer_id IS NOT NULL GROUP BY 1) f
           JOIN sales s2 USING (customer_id) GROUP BY 1, 2) h
       ON h.cohort = c.cohort AND h.month = (c.cohort + make_interval(months => c.period))::date;
