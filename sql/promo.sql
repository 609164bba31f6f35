-- sql/promo.sql: promo_summary, promo_agg, rollup, uplift accessors and promo_roi.
SET search_path = retail_kpi, public;
SET datestyle = 'ISO, YMD';

-- Promotion window 2024-03-01 .. 2024-03-03 (3 days), baseline window 2024-02-01 .. 2024-02-07
-- (7 days); the baseline run-rate is scaled by 3/7.
CREATE TEMP TABLE ps(store int, d date, units numeric, revenue numeric, cost numeric);
INSERT INTO ps VALUES
    (1, '2024-03-01', 10, 100.00, 60.00), (1, '2024-03-02', 12, 120.00, 70.00),
    (1, '2024-03-03', 8, 80.00, 50.00),                                         -- promo
    (1, '2024-02-01', 5, 50.00, 30.00), (1, '2024-02-05', 2, 20.50, 12.00),
    (1, '2024-02-07', 3, 30.00, 18.00),                                         -- baseline
    (1, '2024-01-31', 99, 990.00, 1.00), (1, '2024-02-08', 99, 990.00, 1.00),
    (1, '2024-02-29', 99, 990.00, 1.00), (1, '2024-03-04', 99, 990.00, 1.00),   -- outside
    (2, '2024-03-01', 4, 44.44, 20.00),                                         -- promo
    (2, '2024-02-03', 7, 70.70, 35.35),                                         -- baseline
    (2, '2024-03-02', NULL, 10.00, 5.00);                                       -- skipped (NULL)

CREATE TEMP TABLE ps_store AS
SELECT store, promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-03', '2024-02-01', '2024-02-07') s
FROM ps GROUP BY store;

SELECT store, s FROM ps_store ORDER BY store;
-- store 1: promo 30 units, 300.00 revenue, 120.00 GP; baseline 10 units, 100.50 revenue, 40.50 GP
--   incremental units   30 - 10 * 3/7     = 25.714285714...  -> 25.714286 (scale 0 + 6)
--   incremental revenue 300.00 - 100.50 * 3/7 = 256.928571428... -> 256.92857143 (scale 2 + 6)
--   incremental GP      120.00 - 40.50 * 3/7  = 102.642857142... -> 102.64285714
-- store 2: promo 4, 44.44, GP 24.44; baseline 7, 70.70, GP 35.35
--   units 4 - 3 = 1; revenue 44.44 - 30.30 = 14.14; GP 24.44 - 15.15 = 9.29
SELECT store, promo_units(s), promo_revenue(s), promo_cost(s),
       baseline_units(s), baseline_revenue(s), baseline_cost(s),
       promo_days(s), baseline_days(s), row_count(s)
FROM ps_store ORDER BY store;
SELECT store, incremental_units(s), incremental_revenue(s), incremental_gross_profit(s)
FROM ps_store ORDER BY store;

-- company = rollup of the stores = aggregate of the raw rows
-- promo 34, 344.44, GP 144.44; baseline 17, 171.20, GP 75.85
--   units 34 - 51/7 = 26.714285714... ; revenue 344.44 - 513.60/7 = 271.068571428...
--   GP 144.44 - 227.55/7 = 111.932857142...
SELECT (SELECT rollup(s) FROM ps_store)::text =
       (SELECT promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-03', '2024-02-01', '2024-02-07')
        FROM ps)::text AS rollup_equals_raw;
SELECT incremental_units(c), incremental_revenue(c), incremental_gross_profit(c)
FROM (SELECT rollup(s) c FROM ps_store) t;
-- the same with hand-written SQL
SELECT round(sum(units) FILTER (WHERE d BETWEEN '2024-03-01' AND '2024-03-03')
             - sum(units) FILTER (WHERE d BETWEEN '2024-02-01' AND '2024-02-07') * 3 / 7, 6) AS units,
       round(sum(revenue) FILTER (WHERE d BETWEEN '2024-03-01' AND '2024-03-03')
             - sum(revenue) FILTER (WHERE d BETWEEN '2024-02-01' AND '2024-02-07') * 3 / 7, 8) AS revenue,
       round(sum(revenue - cost) FILTER (WHERE d BETWEEN '2024-03-01' AND '2024-03-03')
             - sum(revenue - cost) FILTER (WHERE d BETWEEN '2024-02-01' AND '2024-02-07') * 3 / 7, 8) AS gp
FROM ps WHERE units IS NOT NULL;

-- promo_roi with spend 50, from the unrounded uplift:
--   net     (783.53/7 - 50) / 50 = 433.53 / 350  = 1.238657142857...
--   gross   (783.53/7) / 50      = 783.53 / 350  = 2.238657142857...
--   revenue (1897.48/7 - 50) / 50 = 1547.48 / 350 = 4.421371428571...
SELECT round(promo_roi(c, 50)::numeric, 12) AS net,
       round(promo_roi(c, 50, 'gross')::numeric, 12) AS gross,
       round(promo_roi(c, 50, 'revenue')::numeric, 12) AS revenue,
       promo_roi(c, 0) AS "null 0", promo_roi(c, -10, 'gross') AS "null neg"
FROM (SELECT rollup(s) c FROM ps_store) t;
SELECT round(433.53 / 350, 12) AS net, round(783.53 / 350, 12) AS gross, round(1547.48 / 350, 12) AS revenue;
-- the scalar promo_roi on the same uplift gives the same figure
SELECT promo_roi(9.29, 4.645) AS scalar_net_1, promo_roi(s, 4.645) AS summary_net_1
FROM ps_store WHERE store = 2;

-- the example of docs/promo.md: net ROI (102.642857142857... - 50) / 50 = 1.052857142857...
SELECT incremental_units(s), incremental_revenue(s), incremental_gross_profit(s),
       round(promo_roi(s, 50)::numeric, 12) AS net_roi, round((120.00 * 7 - 40.50 * 3 - 350) / 350, 12) AS by_hand
FROM (SELECT promo_agg(d, u, r, c, '2024-03-01', '2024-03-03', '2024-02-01', '2024-02-07') s
      FROM (VALUES ('2024-03-01'::date, 10, 100.00, 60.00), ('2024-03-02', 12, 120.00, 70.00),
                   ('2024-03-03', 8, 80.00, 50.00),
                   ('2024-02-01', 5, 50.00, 30.00), ('2024-02-05', 2, 20.50, 12.00),
                   ('2024-02-07', 3, 30.00, 18.00),
                   ('2024-04-01', 100, 1000.00, 1.00)) v(d, u, r, c)) t;

-- a group with no row inside either window: a summary with zero sums and the windows
SELECT s, promo_units(s), incremental_units(s), incremental_revenue(s), promo_roi(s, 10) AS "net -1"
FROM (SELECT promo_agg(d, units, revenue, cost, '2025-03-01', '2025-03-03', '2025-02-01', '2025-02-07') s
      FROM ps) t;
-- a baseline after the promotion is allowed; windows are inclusive at both ends
SELECT promo_units(s) AS "30", baseline_units(s) AS "99", baseline_days(s) AS "1",
       incremental_units(s) AS "30 - 99*3 = -267"
FROM (SELECT promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-03', '2024-03-04', '2024-03-04') s
      FROM ps WHERE store = 1) t;
-- empty input and all-NULL input give NULL
SELECT promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-03', '2024-02-01', '2024-02-07') IS NULL AS empty
FROM ps WHERE false;
SELECT promo_agg(d, units, revenue, cost, NULL, '2024-03-03', '2024-02-01', '2024-02-07') IS NULL AS null_window
FROM ps;

-- errors: rows of a group that disagree on the windows
SELECT promo_agg(d, units, revenue, cost, '2024-03-01',
                 CASE WHEN store = 2 THEN '2024-03-04'::date ELSE '2024-03-03' END,
                 '2024-02-01', '2024-02-07')
FROM ps;
-- combining summaries of different windows
SELECT rollup(s) FROM (
    SELECT promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-03', '2024-02-01', '2024-02-07') s FROM ps
    UNION ALL
    SELECT promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-03', '2024-02-02', '2024-02-07') FROM ps) t;
-- invalid windows
SELECT promo_agg(d, units, revenue, cost, '2024-03-03', '2024-03-01', '2024-02-01', '2024-02-07') FROM ps;
SELECT promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-03', '2024-02-07', '2024-02-01') FROM ps;
SELECT promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-03', '2024-02-01', '2024-03-01') FROM ps;
SELECT promo_agg(d, units, revenue, cost, '2024-03-01', 'infinity', '2024-02-01', '2024-02-07') FROM ps;
-- bad rows
SELECT promo_agg(d, u, 1, 1, '2024-03-01', '2024-03-03', '2024-02-01', '2024-02-07')
FROM (VALUES ('2024-03-01'::date, 'NaN'::numeric)) v(d, u);
SELECT promo_agg(d, 1, 1, 'Infinity', '2024-03-01', '2024-03-03', '2024-02-01', '2024-02-07')
FROM (VALUES ('2024-03-01'::date)) v(d);
SELECT promo_agg(d, 1, 1, 1, '2024-03-01', '2024-03-03', '2024-02-01', '2024-02-07')
FROM (VALUES ('-infinity'::date)) v(d);
SELECT promo_roi(s, 'NaN') FROM ps_store;
SELECT promo_roi(s, 1, 'roi') FROM ps_store;

-- text round trip and text input checks
SELECT bool_and(s::text::promo_summary::text = s::text) AS text_round_trip FROM ps_store;
SELECT '(v1,rows=0,promo_units=,promo_revenue=,promo_cost=,baseline_units=,baseline_revenue=,baseline_cost=,promo_start=2024-03-01,promo_end=2024-03-03,baseline_start=2024-02-01,baseline_end=2024-02-07)'::promo_summary;
SELECT '(v1,rows=1,promo_units=1,promo_revenue=2,promo_cost=1,baseline_units=,baseline_revenue=,baseline_cost=,promo_start=2024-03-01,promo_end=2024-03-03,baseline_start=2024-03-02,baseline_end=2024-03-07)'::promo_summary;
SELECT '(v1,rows=1,promo_units=1,promo_revenue=2,promo_cost=1,baseline_units=,baseline_revenue=,baseline_cost=,promo_start=2024-03-01,promo_end=2024-03-03,baseline_start=2024-02-01)'::promo_summary;
SELECT '(v2,rows=1)'::promo_summary;
SELECT '(v1,rows=0,promo_units=1,promo_revenue=,promo_cost=,baseline_units=,baseline_revenue=,baseline_cost=,promo_start=2024-03-01,promo_end=2024-03-03,baseline_start=2024-02-01,baseline_end=2024-02-07)'::promo_summary;

-- binary round trip through COPY
CREATE TEMP TABLE ps_copy (store int, s promo_summary);
SELECT current_setting('data_directory') || '/rk_promo_regress.bin' AS binfile \gset
COPY ps_store TO :'binfile' (FORMAT binary);
COPY ps_copy FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, bool_and(a.s::text = b.s::text) AS binary_round_trip
FROM ps_store a JOIN ps_copy b USING (store);

-- forced parallel plan equals the serial result; per-store rollup equals the company
CREATE TABLE ps_big AS
SELECT i % 10 AS store, DATE '2024-01-15' + (i % 60) AS d,
       (1 + i % 5)::numeric AS units, round((1 + i % 5) * 9.99 + (i % 7) * 0.01, 2) AS revenue,
       round((1 + i % 5) * 6.15, 2) AS cost
FROM generate_series(1, 20000) i;
ANALYZE ps_big;
CREATE TEMP TABLE ps_serial AS
SELECT store, promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-10', '2024-02-01', '2024-02-14') s
FROM ps_big GROUP BY store;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-10', '2024-02-01', '2024-02-14') FROM ps_big;
SELECT (SELECT promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-10', '2024-02-01', '2024-02-14')
        FROM ps_big)::text = (SELECT rollup(s) FROM ps_serial)::text AS parallel_equals_rollup;
SELECT count(*) AS stores, bool_and(p.s::text = q.s::text) AS parallel_equals_serial
FROM (SELECT store, promo_agg(d, units, revenue, cost, '2024-03-01', '2024-03-10', '2024-02-01', '2024-02-14') s
      FROM ps_big GROUP BY store) p JOIN ps_serial q USING (store);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
-- the company figures against hand-written SQL (10 promo days, 14 baseline days)
SELECT incremental_revenue(c) = round(
           (SELECT sum(revenue) FROM ps_big WHERE d BETWEEN '2024-03-01' AND '2024-03-10')
           - (SELECT sum(revenue) FROM ps_big WHERE d BETWEEN '2024-02-01' AND '2024-02-14') * 10 / 14, 8)
       AS revenue_matches,
       promo_units(c) = (SELECT sum(units) FROM ps_big WHERE d BETWEEN '2024-03-01' AND '2024-03-10')
       AS units_match
FROM (SELECT rollup(s) c FROM ps_serial) t;
DROP TABLE ps_big;
