-- test/demo/report_98_drivers.sql: driver trees (指标归因) on the demo company: why did a region's net
-- sales move year over year?  Declares net sales = traffic x conversion x ticket (and conversion = mix
-- and rate of the stores) on the catalog of report_90_scorecard.sql, checks the declaration against
-- the data, explains FY2025 vs FY2024 for one region through its drivers and then by store, and
-- cross-checks every figure against hand-written SQL over retail_demo.
-- Retail years (NRF 4-5-4): FY2024 = 2024-02-04 .. 2025-02-01, FY2025 = 2025-02-02 .. 2026-01-31.
SET search_path = retail_kpi, retail_demo, public;
\pset footer off
\pset null '-'
SET client_min_messages = warning;

\echo
\echo '=== 98. Why did net sales move? Driver trees (指标归因) ==='
\echo 'net_sales = visitors x conversion_rate x avg_transaction_value; conversion_rate = mix and rate of the stores.'
SELECT define_metric_drivers('net_sales', '{visitors,conversion_rate,avg_transaction_value}',
                             reason => 'demo: traffic x conversion x ticket') AS declared,
       define_metric_drivers('conversion_rate', kind => 'mix', dimension => 'store',
                             reason => 'demo: conversion by store') AS declared_2;

\echo
\echo '--- the declaration against the data: every store and retail month of both years (tolerance 1e-9)'
SELECT count(*) AS store_months, count(*) FILTER (WHERE holds) AS holding,
       max(abs(relative_difference)) AS "max |relative difference|"
FROM check_metric_drivers('net_sales', '2024-02-04', '2026-01-31', 'retail_period', '{store}');

-- the region explained: the one with a store opened or closed in the two years (else the first)
SELECT r.region_name AS region
FROM regions r JOIN stores st USING (region_id)
GROUP BY r.region_name
ORDER BY bool_or(st.opened_on > date '2024-02-04' OR st.closed_on IS NOT NULL) DESC, r.region_name LIMIT 1 \gset

-- hand-written: the region's traffic, transactions and revenue per store and year, from retail_demo
CREATE TEMP TABLE drv_hand AS
WITH t AS (SELECT tr.store_id, CASE WHEN tr.traffic_date < date '2025-02-02' THEN 0 ELSE 1 END AS y, sum(tr.visitors) AS visitors
           FROM traffic tr JOIN stores st USING (store_id) JOIN regions r USING (region_id)
           WHERE r.region_name = :'region' AND tr.traffic_date BETWEEN date '2024-02-04' AND date '2026-01-31'
           GROUP BY 1, 2),
     s AS (SELECT sa.store_id, CASE WHEN sa.sale_date < date '2025-02-02' THEN 0 ELSE 1 END AS y,
                  count(DISTINCT sa.transaction_id) AS transactions, sum(sa.revenue) AS revenue
           FROM sales sa JOIN stores st USING (store_id) JOIN regions r USING (region_id)
           WHERE r.region_name = :'region' AND sa.sale_date BETWEEN date '2024-02-04' AND date '2026-01-31'
           GROUP BY 1, 2)
SELECT coalesce(t.store_id, s.store_id) AS store_id, coalesce(t.y, s.y) AS y, t.visitors, s.transactions, s.revenue
FROM t FULL JOIN s ON s.store_id = t.store_id AND s.y = t.y;
CREATE TEMP TABLE drv_region AS
SELECT max(visitors) FILTER (WHERE y = 0)::numeric AS t0, max(visitors) FILTER (WHERE y = 1)::numeric AS t1,
       max(transactions) FILTER (WHERE y = 0)::numeric AS n0, max(transactions) FILTER (WHERE y = 1)::numeric AS n1,
       max(revenue) FILTER (WHERE y = 0) AS v0, max(revenue) FILTER (WHERE y = 1) AS v1
FROM (SELECT y, sum(visitors) AS visitors, sum(transactions) AS transactions, sum(revenue) AS revenue
      FROM drv_hand GROUP BY y) x;

\echo
\echo '--- net sales of region' :'region' 'FY2025 vs FY2024, through traffic, conversion and ticket'
\echo 'hand = the same formula in plain SQL over retail_demo: chain (T1-T0)C0A0, T1(C1-C0)A0, T1C1(A1-A0);'
\echo 'LMDI L(V1,V0) ln(x1/x0), L(a,b) = (a-b)/ln(a/b); Shapley = mean of the 3! chain orders.'
CREATE TEMP TABLE drv_tree AS
SELECT m.method, e.*
FROM unnest('{lmdi,shapley,chain}'::text[]) m(method),
     LATERAL explain_metric_change('net_sales', '2024-02-04', '2025-02-01', '2025-02-02', '2026-01-31',
                                   jsonb_build_object('region', :'region'), m.method, depth => 1) WITH ORDINALITY e;
WITH h AS (SELECT *, n0 / t0 AS c0, n1 / t1 AS c1, v0 / n0 AS a0, v1 / n1 AS a1,
                  (v1 - v0) / ln(v1 / v0) AS l FROM drv_region),
     want AS (
    SELECT 'chain' AS method, 'visitors' AS driver, (t1 - t0) * c0 * a0 AS value FROM h
    UNION ALL SELECT 'chain', 'conversion_rate', t1 * (c1 - c0) * a0 FROM h
    UNION ALL SELECT 'chain', 'avg_transaction_value', t1 * c1 * (a1 - a0) FROM h
    UNION ALL SELECT 'lmdi', 'visitors', l * ln(t1 / t0) FROM h
    UNION ALL SELECT 'lmdi', 'conversion_rate', l * ln(c1 / c0) FROM h
    UNION ALL SELECT 'lmdi', 'avg_transaction_value', l * ln(a1 / a0) FROM h
    -- Shapley of three factors x, y, z: (1/3)[own change, others at base] + (1/6)[one other at current]
    -- x 2 + (1/3)[others at current]
    UNION ALL SELECT 'shapley', 'visitors', (t1 - t0) * (c0 * a0 / 3 + (c1 * a0 + c0 * a1) / 6 + c1 * a1 / 3) FROM h
    UNION ALL SELECT 'shapley', 'conversion_rate', (c1 - c0) * (t0 * a0 / 3 + (t1 * a0 + t0 * a1) / 6 + t1 * a1 / 3) FROM h
    UNION ALL SELECT 'shapley', 'avg_transaction_value', (a1 - a0) * (t0 * c0 / 3 + (t1 * c0 + t0 * c1) / 6 + t1 * c1 / 3) FROM h
    UNION ALL SELECT x.m, 'net_sales', v1 - v0 FROM h, unnest('{chain,lmdi,shapley}'::text[]) x(m))
SELECT t.driver, round(t.base_value, 4) AS "FY2024", round(t.current_value, 4) AS "FY2025",
       round(max(t.contribution) FILTER (WHERE t.method = 'lmdi'), 2) AS lmdi,
       round(max(t.contribution) FILTER (WHERE t.method = 'shapley'), 2) AS shapley,
       round(max(t.contribution) FILTER (WHERE t.method = 'chain'), 2) AS chain,
       round(100 * max(t.share) FILTER (WHERE t.method = 'lmdi')::numeric, 1) AS "lmdi %",
       max(abs(t.contribution - w.value)) < 1e-6 AS "= hand"
FROM drv_tree t JOIN want w ON w.method = t.method AND w.driver = t.driver
GROUP BY t.path, t.driver, t.base_value, t.current_value ORDER BY min(t.ordinality);
SELECT method, round(sum(contribution) FILTER (WHERE level = 1), 9) AS "Σ drivers",
       max(contribution) FILTER (WHERE level = 0) AS "change of net sales",
       sum(contribution) FILTER (WHERE level = 1) = max(contribution) FILTER (WHERE level = 0) AS "adds up exactly",
       abs(sum(contribution) FILTER (WHERE level = 1) - max(contribution) FILTER (WHERE level = 0))
         <= 1e-9 * greatest(max(base_value) FILTER (WHERE level = 0), max(current_value) FILTER (WHERE level = 0)) AS "within 1e-9"
FROM drv_tree GROUP BY method ORDER BY method;

\echo
\echo '--- the same change by store (chain): each store''s change, and within it traffic, conversion, ticket'
\echo 'A store opened or closed in the two years has no base (or current) traffic: its change is not split.'
CREATE TEMP TABLE drv_stores AS
SELECT * FROM explain_metric_change('net_sales', '2024-02-04', '2025-02-01', '2025-02-02', '2026-01-31',
                                    jsonb_build_object('region', :'region'), 'chain', by => 'store', depth => 1);
CREATE TEMP TABLE drv_store_hand AS
SELECT b.store_id, coalesce(a.revenue, 0) - coalesce(b.revenue, 0) AS change,
       b.visitors::numeric AS t0, a.visitors::numeric AS t1,
       b.transactions::numeric / b.visitors AS c0, a.transactions::numeric / a.visitors AS c1,
       b.revenue / b.transactions AS a0, a.revenue / a.transactions AS a1
FROM (SELECT DISTINCT store_id FROM drv_hand) k
LEFT JOIN drv_hand b ON b.store_id = k.store_id AND b.y = 0
LEFT JOIN drv_hand a ON a.store_id = k.store_id AND a.y = 1;
SELECT st.store_code AS store, st.store_name, m.base_value AS "FY2024", m.current_value AS "FY2025",
       round(m.contribution, 2) AS change,
       round(tr.contribution, 2) AS traffic, round(cv.contribution, 2) AS conversion, round(tk.contribution, 2) AS ticket,
       m.contribution = h.change
       AND (tr.contribution IS NULL OR (abs(tr.contribution - (h.t1 - h.t0) * h.c0 * h.a0) < 1e-6
                                        AND abs(cv.contribution - h.t1 * (h.c1 - h.c0) * h.a0) < 1e-6
                                        AND abs(tk.contribution - h.t1 * h.c1 * (h.a1 - h.a0)) < 1e-6)) AS "= hand",
       coalesce(m.note, '') AS note
FROM drv_stores m
JOIN stores st ON st.store_id = (m.member->>'store')::int
JOIN drv_store_hand h ON h.store_id = st.store_id
LEFT JOIN drv_stores tr ON tr.member = m.member AND tr.driver = 'visitors'
LEFT JOIN drv_stores cv ON cv.member = m.member AND cv.driver = 'conversion_rate'
LEFT JOIN drv_stores tk ON tk.member = m.member AND tk.driver = 'avg_transaction_value'
WHERE m.node = 'member'
ORDER BY m.contribution DESC, st.store_code;
SELECT count(*) FILTER (WHERE node = 'member') AS stores,
       sum(contribution) FILTER (WHERE node = 'member') AS "Σ stores",
       max(contribution) FILTER (WHERE level = 0) AS "change of net sales",
       sum(contribution) FILTER (WHERE node = 'member') = max(contribution) FILTER (WHERE level = 0) AS "adds up exactly",
       max(contribution) FILTER (WHERE level = 0) = (SELECT v1 - v0 FROM drv_region) AS "= hand"
FROM drv_stores;

\echo
\echo '--- conversion of region' :'region' 'by store: mix (share of the region''s traffic) and rate (the store''s conversion), Shapley'
\echo 'mix = (w1 - w0)(r0 + r1)/2, rate = (r1 - r0)(w0 + w1)/2; a new or closed store''s term is all mix.'
CREATE TEMP TABLE drv_mix AS
SELECT * FROM explain_metric_change('conversion_rate', '2024-02-04', '2025-02-01', '2025-02-02', '2026-01-31',
                                    jsonb_build_object('region', :'region'), 'shapley');
WITH w AS (SELECT h.store_id, h.t0 / sum(h.t0) OVER () AS w0, h.t1 / sum(h.t1) OVER () AS w1, h.c0 AS r0, h.c1 AS r1
           FROM drv_store_hand h)
SELECT st.store_code AS store, round(100 * mx.base_value, 2) AS "traffic share FY2024 %", round(100 * mx.current_value, 2) AS "FY2025 %",
       round(100 * rt.base_value, 2) AS "conversion FY2024 %", round(100 * rt.current_value, 2) AS "FY2025 %",
       round(100 * mx.contribution, 4) AS "mix pp", round(100 * rt.contribution, 4) AS "rate pp",
       CASE WHEN w.w0 > 0 AND w.w1 > 0
            THEN abs(mx.contribution - (w.w1 - w.w0) * (w.r0 + w.r1) / 2) < 1e-12
                 AND abs(rt.contribution - (w.r1 - w.r0) * (w.w0 + w.w1) / 2) < 1e-12
            -- a new or closed store: its whole term w1 r1 - w0 r0 is mix
            ELSE abs(mx.contribution - (coalesce(w.w1 * w.r1, 0) - coalesce(w.w0 * w.r0, 0))) < 1e-12
                 AND rt.contribution = 0 END AS "= hand",
       coalesce(m.note, '') AS note
FROM drv_mix m
JOIN drv_mix mx ON mx.path = m.path || '/mix'
JOIN drv_mix rt ON rt.path = m.path || '/rate'
JOIN stores st ON st.store_id = (m.member->>'store')::int
LEFT JOIN w ON w.store_id = st.store_id
WHERE m.node = 'member'
ORDER BY st.store_code;
SELECT round(100 * max(base_value) FILTER (WHERE level = 0), 4) AS "conversion FY2024 %",
       round(100 * max(current_value) FILTER (WHERE level = 0), 4) AS "FY2025 %",
       round(100 * sum(contribution) FILTER (WHERE driver = 'mix'), 4) AS "Σ mix pp",
       round(100 * sum(contribution) FILTER (WHERE driver = 'rate'), 4) AS "Σ rate pp",
       sum(contribution) FILTER (WHERE node = 'effect') = max(contribution) FILTER (WHERE level = 0) AS "adds up exactly",
       abs(max(current_value) FILTER (WHERE level = 0) - (SELECT n1 / t1 FROM drv_region)) < 1e-12
       AND abs(max(base_value) FILTER (WHERE level = 0) - (SELECT n0 / t0 FROM drv_region)) < 1e-12 AS "= hand"
FROM drv_mix;

DROP TABLE drv_mix, drv_store_hand, drv_stores, drv_tree, drv_region, drv_hand;
