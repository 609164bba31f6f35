-- sql/stock.sql: the stock family (stock_summary, stock_agg, rollup, average inventory,
-- opening/closing, inventory_turnover, days_of_inventory, gmroi).
SET search_path = retail_kpi, public;

-- ---------------------------------------------------------------------------
-- 1. A small case computed by hand.
--    Per-date totals (all stores and SKUs of one date added):
--      2024-01-01: cost 100.00 + 50.50 + 20.00 = 170.50, units 10 + 5 + 2 = 17, retail 150.00 + 80.00 + 30.00 = 260.00
--      2024-01-08: cost  80.00 + 40.00         = 120.00, units  8 + 4     = 12, retail 120.00 + 60.00         = 180.00
--      2024-01-22: cost  60.25 + 10.00         =  70.25, units  6 + 1     =  7, retail  90.00 + 16.00         = 106.00
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE snap (store int, sku text, d date, cost numeric, units numeric, retail numeric);
INSERT INTO snap VALUES
  (1, 'a', '2024-01-22', 60.25, 6, 90.00),   -- rows out of date order on purpose
  (1, 'a', '2024-01-01', 100.00, 10, 150.00),
  (1, 'b', '2024-01-01', 50.50, 5, 80.00),
  (2, 'a', '2024-01-01', 20.00, 2, 30.00),
  (1, 'a', '2024-01-08', 80.00, 8, 120.00),
  (2, 'a', '2024-01-08', 40.00, 4, 60.00),
  (1, 'b', '2024-01-22', 10.00, 1, 16.00);

SELECT stock_agg(d, cost, units, retail) FROM snap;
SELECT stock_agg(d, cost) FROM snap;
SELECT stock_agg(d, cost, units) FROM snap;

CREATE TEMP TABLE s1 AS SELECT stock_agg(d, cost, units, retail) AS s FROM snap;

-- snapshots: cost (170.50 + 120.00 + 70.25) / 3 = 360.75 / 3 = 120.25
--            units (17 + 12 + 7) / 3 = 12, retail (260 + 180 + 106) / 3 = 546 / 3 = 182
-- endpoints: cost (170.50 + 70.25) / 2 = 120.375, units (17 + 7) / 2 = 12, retail (260 + 106) / 2 = 183
-- daily: Jan 1 holds 7 days (to Jan 8), Jan 8 holds 14 days (to Jan 22), Jan 22 counts 1 day;
--        22 calendar days from Jan 1 to Jan 22 inclusive.
--        cost   (170.50 * 7 + 120.00 * 14 + 70.25) / 22 = (1193.50 + 1680.00 + 70.25) / 22 = 2943.75 / 22
--        units  (17 * 7 + 12 * 14 + 7) / 22 = 294 / 22
--        retail (260 * 7 + 180 * 14 + 106) / 22 = 4446 / 22
SELECT m, b, avg_inventory(s, m, b)
FROM s1, unnest(ARRAY['snapshots', 'endpoints', 'daily']) m, unnest(ARRAY['cost', 'units', 'retail']) b
ORDER BY m, b;
SELECT avg_inventory(s) = 120.25 AS snap_cost,
       avg_inventory(s, 'snapshots', 'units') = 12 AS snap_units,
       avg_inventory(s, 'snapshots', 'retail') = 182 AS snap_retail,
       avg_inventory(s, 'endpoints') = 120.375 AS end_cost,
       avg_inventory(s, 'endpoints', 'units') = 12 AS end_units,
       avg_inventory(s, 'endpoints', 'retail') = 183 AS end_retail,
       avg_inventory(s, 'daily') = 2943.75 / 22 AS daily_cost,
       avg_inventory(s, 'daily', 'units') = 294 / 22.0 AS daily_units,
       avg_inventory(s, 'daily', 'retail') = 4446 / 22.0 AS daily_retail,
       avg_inventory(s, method => 'daily', basis => 'units') = 294 / 22.0 AS named_args
FROM s1;
SELECT opening_inventory(s) AS open_cost, closing_inventory(s) AS close_cost,
       opening_inventory(s, 'units') AS open_units, closing_inventory(s, 'units') AS close_units,
       opening_inventory(s, basis => 'retail') AS open_retail, closing_inventory(s, 'retail') AS close_retail,
       snapshot_count(s), first_snapshot(s), last_snapshot(s), row_count(s),
       missing_count(s, 'units') AS missing_units
FROM s1;
SELECT * FROM snapshots((SELECT s FROM s1));

-- Sales of the same period: revenue 1000.00, cost 601.50, units 60.
CREATE TEMP TABLE m1 AS
SELECT margin_agg(revenue, cost, units) AS m
FROM (VALUES (400.00, 241.50, 25), (600.00, 360.00, 35)) v(revenue, cost, units);

-- turnover cost = 601.50 / 120.25; retail = 1000.00 / 182; units = 60 / 12 = 5
-- daily cost: 601.50 / (2943.75 / 22) = 601.50 * 22 / 2943.75 = 13233 / 2943.75
-- endpoints cost: 601.50 / 120.375
SELECT round(inventory_turnover(m, s)::numeric, 12) AS cost_turnover,
       round(inventory_turnover(m, s)::numeric, 12) = round(601.50 / 120.25, 12) AS cost_ok,
       round(inventory_turnover(m, s, 'retail')::numeric, 12) = round(1000.00 / 182, 12) AS retail_ok,
       inventory_turnover(m, s, 'units') = 5 AS units_ok,
       round(inventory_turnover(m, s, 'cost', 'daily')::numeric, 12) = round(13233 / 2943.75, 12) AS daily_ok,
       round(inventory_turnover(m, s, method => 'endpoints')::numeric, 12) = round(601.50 / 120.375, 12) AS endpoints_ok
FROM m1, s1;
-- days of inventory (period 21 days): cost 120.25 * 21 / 601.50 = 2525.25 / 601.50;
-- units 12 * 365 / 60 = 73; retail daily 4446 / 22 * 30 / 1000 = 133380 / 22000
SELECT round(days_of_inventory(m, s, 21)::numeric, 12) AS doi_cost,
       round(days_of_inventory(m, s, 21)::numeric, 12) = round(2525.25 / 601.50, 12) AS cost_ok,
       days_of_inventory(m, s, 365, 'units') = 73 AS units_ok,
       round(days_of_inventory(m, s, 30, 'retail', 'daily')::numeric, 12) = round(133380 / 22000.0, 12) AS retail_daily_ok,
       days_of_inventory(m, s, 21) = 21 / inventory_turnover(m, s) AS equals_period_over_turnover
FROM m1, s1;
-- GMROI = (1000.00 - 601.50) / 120.25 = 398.50 / 120.25; endpoints 398.50 / 120.375
SELECT round(gmroi(m, s)::numeric, 12) AS gmroi,
       round(gmroi(m, s)::numeric, 12) = round(398.50 / 120.25, 12) AS ok,
       round(gmroi(m, s, 'endpoints')::numeric, 12) = round(398.50 / 120.375, 12) AS endpoints_ok
FROM m1, s1;

-- the example of docs/stock.md (values checked above; printed to 12 decimals)
SELECT round(inventory_turnover(m, s)::numeric, 12),
       round(inventory_turnover(m, s, 'retail')::numeric, 12),
       round(inventory_turnover(m, s, 'units')::numeric, 12),
       round(inventory_turnover(m, s, 'cost', 'daily')::numeric, 12),
       round(days_of_inventory(m, s, 21)::numeric, 12),
       round(days_of_inventory(m, s, 365, 'units')::numeric, 12),
       round(gmroi(m, s)::numeric, 12),
       round(gmroi(m, s, 'endpoints')::numeric, 12)
FROM m1, s1;
-- and the averages example
SELECT avg_inventory(s),
       avg_inventory(s, 'endpoints'),
       avg_inventory(s, 'daily'),
       avg_inventory(s, method => 'daily', basis => 'units'),
       opening_inventory(s), closing_inventory(s, 'retail')
FROM (SELECT stock_agg(d, cost, units, retail) AS s FROM snap) x;

-- Two snapshots: the default average is (begin + end) / 2, the same as 'endpoints'.
SELECT avg_inventory(s) AS snapshots, avg_inventory(s, 'endpoints') AS endpoints,
       avg_inventory(s) = (170.50 + 120.00) / 2 AS ok
FROM (SELECT stock_agg(d, cost) AS s FROM snap WHERE d < '2024-01-20') x;

-- One snapshot: every method gives that balance.
SELECT avg_inventory(s), avg_inventory(s, 'endpoints'), avg_inventory(s, 'daily')
FROM (SELECT stock_agg(d, cost) AS s FROM snap WHERE d = '2024-01-08') x;

-- Daily with uneven gaps: 1000 on Mar 1 holds 3 days, 400 on Mar 4 holds 27 days (to Mar 31),
-- 100 on Mar 31 counts 1 day: (3000 + 10800 + 100) / 31 = 13900 / 31.
SELECT avg_inventory(s, 'daily') = 13900 / 31.0 AS ok, avg_inventory(s, 'daily')
FROM (SELECT stock_agg(d, c) AS s
      FROM (VALUES (date '2024-03-01', 1000), ('2024-03-04', 400), ('2024-03-31', 100)) v(d, c)) x;

-- Negative on-hand values are summed as given: Jan 1: 50 + (-80) = -30, Jan 2: 10.
-- snapshots (-30 + 10) / 2 = -10; turnover and GMROI are NULL (average <= 0);
-- days of inventory is NULL for a negative average and 0 for a zero average.
SELECT avg_inventory(s), inventory_turnover(m, s) IS NULL AS turnover_null,
       gmroi(m, s) IS NULL AS gmroi_null, days_of_inventory(m, s, 30) IS NULL AS doi_null
FROM m1, (SELECT stock_agg(d, c) AS s
          FROM (VALUES (date '2024-01-01', 50), ('2024-01-01', -80), ('2024-01-02', 10)) v(d, c)) x;
SELECT avg_inventory(s), inventory_turnover(m, s) IS NULL AS turnover_null,
       gmroi(m, s) IS NULL AS gmroi_null, days_of_inventory(m, s, 30) AS doi
FROM m1, (SELECT stock_agg(d, c) AS s
          FROM (VALUES (date '2024-01-01', 5), ('2024-01-01', -5)) v(d, c)) x;
-- zero or negative flow: days of inventory NULL; turnover is then 0 or negative (as computed)
-- GMROI here = 10.00 / 120.25
SELECT days_of_inventory(m, s, 30) IS NULL AS doi_null, inventory_turnover(m, s) AS turnover,
       round(gmroi(m, s)::numeric, 12) = round(10.00 / 120.25, 12) AS gmroi_ok
FROM s1, (SELECT margin_agg(r, c, u) AS m FROM (VALUES (10.00, 0.00, 0)) v(r, c, u)) x;

-- ---------------------------------------------------------------------------
-- 2. NULLs: rows with a NULL date, or without any on-hand value, are skipped; a NULL units or
--    retail value is left out of that basis and counted as missing; a basis with no value on a date
--    skips that date.  (Until 0.2 a row with a NULL cost was skipped whole; from 0.3 its units and
--    retail count and its cost is missing: section 2b.)
-- ---------------------------------------------------------------------------
SELECT stock_agg(d, c, u, r)
FROM (VALUES (date '2024-01-01', 10, 1, NULL::numeric), (NULL, 99, 9, 9), ('2024-01-01', NULL, NULL, NULL),
             ('2024-01-08', 20, NULL, 4), ('2024-01-15', 30, 3, 6)) v(d, c, u, r);
-- units exist on Jan 1 and Jan 15 only: snapshots (1 + 3) / 2 = 2; opening 1, closing 3;
-- daily over Jan 1..15: 1 * 14 + 3 * 1 = 17 over 15 days.  retail: Jan 8 and Jan 15: (4 + 6) / 2 = 5.
SELECT avg_inventory(s, 'snapshots', 'units') AS units_avg, opening_inventory(s, 'units'),
       closing_inventory(s, 'units'), avg_inventory(s, 'daily', 'units') = 17 / 15.0 AS daily_units_ok,
       avg_inventory(s, 'snapshots', 'retail') AS retail_avg, opening_inventory(s, 'retail'),
       missing_count(s, 'units') AS missing_units, missing_count(s, 'retail') AS missing_retail,
       missing_count(s, 'cost') AS missing_cost, row_count(s)
FROM (SELECT stock_agg(d, c, u, r) AS s
      FROM (VALUES (date '2024-01-01', 10, 1, NULL::numeric), (NULL, 99, 9, 9), ('2024-01-01', NULL, NULL, NULL),
                   ('2024-01-08', 20, NULL, 4), ('2024-01-15', 30, 3, 6)) v(d, c, u, r)) x;
-- ---------------------------------------------------------------------------
-- 2b. Stock in units only (0.3): on_hand_cost may be NULL on every row; the units basis works,
--     the cost basis is an error that says so (never a silent NULL or a wrong number).
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE units_only AS
SELECT stock_agg(d, NULL::numeric, u) AS s
FROM (VALUES (date '2024-01-01', 10), ('2024-01-08', 20), ('2024-01-08', NULL), ('2024-01-15', 30)) v(d, u);
-- 3 rows with units (the all-NULL row is skipped), every one without cost
SELECT s FROM units_only;
-- snapshots (10 + 20 + 30) / 3 = 20; endpoints (10 + 30) / 2 = 20;
-- daily 10 * 7 + 20 * 7 + 30 * 1 = 240 over 15 days = 16
SELECT avg_inventory(s, basis => 'units') AS snapshots, avg_inventory(s, 'endpoints', 'units') AS endpoints,
       avg_inventory(s, 'daily', 'units') = 16 AS daily_16, opening_inventory(s, 'units'),
       closing_inventory(s, 'units'), missing_count(s, 'cost') AS missing_cost,
       missing_count(s, 'units') AS missing_units, row_count(s), snapshot_count(s)
FROM units_only;
SELECT * FROM snapshots((SELECT s FROM units_only));
-- the cost basis (the default) is refused with a hint
SELECT avg_inventory(s) FROM units_only;
SELECT closing_inventory(s) FROM units_only;
SELECT gmroi((SELECT margin_agg(100, 60)), s) FROM units_only;
-- turnover in units: units sold 120 / average units on hand 20 = 6
SELECT inventory_turnover(margin_agg(r, c, q), (SELECT s FROM units_only), basis => 'units') AS turnover_units
FROM (VALUES (100, 60, 70), (80, 50, 50)) v(r, c, q);
-- the text form round-trips (missing_cost appears only when > 0; binary: section 7)
SELECT s::text::stock_summary::text = s::text AS text_rt FROM units_only;
-- partial cost: on Jan 1 one row has cost 100 and units 10, another only units 5
SELECT s, avg_inventory(s) AS cost_avg, avg_inventory(s, basis => 'units') AS units_avg,
       missing_count(s, 'cost') AS missing_cost, s::text::stock_summary::text = s::text AS text_rt
FROM (SELECT stock_agg(d, c, u) AS s
      FROM (VALUES (date '2024-01-01', 100, 10), ('2024-01-01', NULL, 5), ('2024-01-08', 80, 8)) v(d, c, u)) x;
-- rollup of a units-only summary and a summary with cost: same as aggregating the rows together
SELECT rollup(s)::text = (SELECT stock_agg(d, c, u)
                          FROM (VALUES (date '2024-01-01', NULL::numeric, 10), ('2024-01-08', NULL, 20),
                                       ('2024-01-15', NULL, 30), ('2024-01-08', 5.5, 2)) v(d, c, u))::text
       AS rollup_ok
FROM (SELECT s FROM units_only
      UNION ALL SELECT stock_agg(date '2024-01-08', 5.5, 2)) t;
-- hand-written text of a units-only summary, and bad ones
SELECT '(v1,rows=2,bases=units,missing_units=0,missing_retail=0,missing_cost=2,2024-01-01:/3/,2024-01-02:/4/)'::stock_summary;
SELECT '(v1,rows=1,bases=units,missing_units=0,missing_retail=0,2024-01-01:/3/)'::stock_summary;
SELECT '(v1,rows=1,bases=units,missing_units=0,missing_retail=0,missing_cost=0,2024-01-01:/3/)'::stock_summary;
SELECT '(v1,rows=1,bases=units,missing_units=0,missing_retail=0,missing_cost=2,2024-01-01:/3/)'::stock_summary;
-- empty input and all-skipped input give NULL
SELECT stock_agg(d, cost) IS NULL AS empty FROM snap WHERE false;
SELECT stock_agg(d, c) IS NULL AS all_skipped FROM (VALUES (NULL::date, 1), ('2024-01-01', NULL)) v(d, c);
-- NULL summaries give NULL KPIs (STRICT)
SELECT avg_inventory(NULL) IS NULL AS a, inventory_turnover(m, NULL) IS NULL AS t,
       gmroi(NULL, s) IS NULL AS g, days_of_inventory(m, s, NULL) IS NULL AS d
FROM m1, s1;
-- combine handles every NULL case
SELECT stock_summary_combine(NULL, NULL) IS NULL AS both_null,
       stock_summary_combine(s, NULL)::text = s::text AS right_null,
       stock_summary_combine(NULL, s)::text = s::text AS left_null,
       avg_inventory(stock_summary_combine(s, s)) = 2 * avg_inventory(s) AS doubled
FROM s1;
-- the transition function called outside an aggregate leaves its argument unchanged
SELECT stock_agg_trans(s, '2024-01-08', 1)::text AS added, s::text AS original
FROM (SELECT stock_agg(d, c) AS s FROM (VALUES (date '2024-01-01', 5), ('2024-01-15', 7)) v(d, c)) x;

-- ---------------------------------------------------------------------------
-- 3. Rollup: per-store (and per-SKU) summaries rolled up equal the company summary.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE per_store AS
SELECT store, stock_agg(d, cost, units, retail) AS s FROM snap GROUP BY store;
SELECT (SELECT rollup(s) FROM per_store)::text = (SELECT s FROM s1)::text AS stores_equal;
SELECT (SELECT rollup(s) FROM (SELECT stock_agg(d, cost, units, retail) AS s FROM snap GROUP BY sku, store) x)::text
       = (SELECT s FROM s1)::text AS sku_store_equal;
SELECT rollup(s) IS NULL AS empty_rollup FROM per_store WHERE false;
-- rollup mixing bases: a summary with units and one without (its units are absent, not zero)
SELECT rollup(s)
FROM (SELECT stock_agg(d, cost, units) AS s FROM snap WHERE store = 1
      UNION ALL SELECT stock_agg(d, cost) FROM snap WHERE store = 2) x;

-- ---------------------------------------------------------------------------
-- 4. Generated data: every method and basis, turnover, days of inventory and GMROI by category
--    against hand-written SQL (per-date sums, then averages).
--    Weekly snapshots with weeks 3, 10 and 11 missing (uneven gaps), category 4 missing week 5,
--    a few negative balances, some NULL retail values.
-- ---------------------------------------------------------------------------
CREATE TABLE stock_gen AS
SELECT date '2024-01-06' + 7 * w AS snapshot_date, st AS store_id, k AS sku_id, 1 + k % 4 AS category_id,
       u AS on_hand_units,
       round(u * (1 + k % 9) * 1.37, 2) AS on_hand_cost,
       CASE WHEN (w + k + st) % 23 = 0 THEN NULL ELSE round(u * (1 + k % 9) * 2.19, 2) END AS on_hand_retail
FROM generate_series(0, 25) w, generate_series(1, 8) st, generate_series(1, 60) k,
     LATERAL (SELECT ((w * 37 + st * 11 + k * 7) % 50 - 2)::numeric AS u) x
WHERE w NOT IN (3, 10, 11) AND NOT (k % 4 = 3 AND w = 5);
CREATE TABLE sales_gen AS
SELECT date '2024-01-06' + g % 170 AS sale_date, 1 + g % 60 AS sku_id, 1 + (1 + g % 60) % 4 AS category_id,
       (1 + g % 5)::numeric AS units,
       round((1 + g % 5) * (3 + g % 13) * 1.1, 2) AS revenue,
       round((1 + g % 5) * (2 + g % 7) * 0.97, 2) AS cost
FROM generate_series(1, 20000) g;
SELECT count(*) AS snapshot_rows, count(DISTINCT snapshot_date) AS dates FROM stock_gen;

CREATE TEMP TABLE ours AS
SELECT category_id, st, m
FROM (SELECT category_id, stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail) AS st
      FROM stock_gen GROUP BY 1) a
JOIN (SELECT category_id, margin_agg(revenue, cost, units) AS m FROM sales_gen GROUP BY 1) b USING (category_id);

CREATE TEMP TABLE hand AS
WITH per_date AS (
  SELECT category_id, snapshot_date, sum(on_hand_cost) AS c, sum(on_hand_units) AS u, sum(on_hand_retail) AS r
  FROM stock_gen GROUP BY 1, 2),
weighted AS (
  SELECT category_id, snapshot_date, c, u, r,
         coalesce(lead(snapshot_date) OVER (PARTITION BY category_id ORDER BY snapshot_date) - snapshot_date, 1) AS days,
         first_value(c) OVER w AS first_c, last_value(c) OVER w AS last_c,
         first_value(u) OVER w AS first_u, last_value(u) OVER w AS last_u,
         first_value(r) OVER w AS first_r, last_value(r) OVER w AS last_r
  FROM per_date
  WINDOW w AS (PARTITION BY category_id ORDER BY snapshot_date ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)),
avgs AS (
  SELECT category_id,
         avg(c) AS snap_c, avg(u) AS snap_u, avg(r) AS snap_r,
         (min(first_c) + min(last_c)) / 2 AS end_c, (min(first_u) + min(last_u)) / 2 AS end_u,
         (min(first_r) + min(last_r)) / 2 AS end_r,
         sum(c * days) / (max(snapshot_date) - min(snapshot_date) + 1) AS daily_c,
         sum(u * days) / (max(snapshot_date) - min(snapshot_date) + 1) AS daily_u,
         sum(r * days) / (max(snapshot_date) - min(snapshot_date) + 1) AS daily_r
  FROM weighted GROUP BY 1),
flows AS (
  SELECT category_id, sum(revenue) AS revenue, sum(cost) AS cogs, sum(units) AS units
  FROM sales_gen GROUP BY 1)
SELECT * FROM avgs JOIN flows USING (category_id);
-- every per-date retail total exists here (NULLs are sparse), so the hand SQL's dates are ours
SELECT count(*) AS dates_without_retail
FROM (SELECT snapshot_date, category_id FROM stock_gen GROUP BY 1, 2 HAVING count(on_hand_retail) = 0) x;

-- averages: exact numeric equality with the hand SQL
SELECT category_id,
       avg_inventory(st) = snap_c AS snap_c, avg_inventory(st, 'snapshots', 'units') = snap_u AS snap_u,
       avg_inventory(st, 'snapshots', 'retail') = snap_r AS snap_r,
       avg_inventory(st, 'endpoints') = end_c AS end_c, avg_inventory(st, 'endpoints', 'units') = end_u AS end_u,
       avg_inventory(st, 'endpoints', 'retail') = end_r AS end_r,
       avg_inventory(st, 'daily') = daily_c AS daily_c, avg_inventory(st, 'daily', 'units') = daily_u AS daily_u,
       avg_inventory(st, 'daily', 'retail') = daily_r AS daily_r
FROM ours JOIN hand USING (category_id) ORDER BY 1;
SELECT category_id, snapshot_count(st), first_snapshot(st), last_snapshot(st), round(avg_inventory(st), 4) AS avg_cost,
       round(avg_inventory(st, 'daily'), 4) AS daily_cost, missing_count(st, 'retail') AS missing_retail
FROM ours ORDER BY 1;
-- KPIs: equal to the hand SQL to 12 significant digits (the hand SQL divides twice)
SELECT category_id,
       round(inventory_turnover(m, st)::numeric, 6) AS turnover,
       abs(inventory_turnover(m, st) / (cogs / snap_c)::float8 - 1) < 1e-12 AS turn_cost,
       abs(inventory_turnover(m, st, 'retail') / (revenue / snap_r)::float8 - 1) < 1e-12 AS turn_retail,
       abs(inventory_turnover(m, st, 'units') / (units / snap_u)::float8 - 1) < 1e-12 AS turn_units,
       abs(inventory_turnover(m, st, 'cost', 'daily') / (cogs / daily_c)::float8 - 1) < 1e-12 AS turn_daily,
       abs(inventory_turnover(m, st, 'retail', 'endpoints') / (revenue / end_r)::float8 - 1) < 1e-12 AS turn_end_retail,
       round(days_of_inventory(m, st, 170)::numeric, 6) AS doi,
       abs(days_of_inventory(m, st, 170) / (snap_c * 170 / cogs)::float8 - 1) < 1e-12 AS doi_cost,
       abs(days_of_inventory(m, st, 365, 'units', 'daily') / (daily_u * 365 / units)::float8 - 1) < 1e-12 AS doi_units_daily,
       abs(days_of_inventory(m, st, 360, 'retail') / (snap_r * 360 / revenue)::float8 - 1) < 1e-12 AS doi_retail,
       round(gmroi(m, st)::numeric, 6) AS gmroi,
       abs(gmroi(m, st) / ((revenue - cogs) / snap_c)::float8 - 1) < 1e-12 AS gmroi_ok,
       abs(gmroi(m, st, 'daily') / ((revenue - cogs) / daily_c)::float8 - 1) < 1e-12 AS gmroi_daily
FROM ours JOIN hand USING (category_id) ORDER BY 1;

-- rollup of per-store, per-category summaries equals the company summary, per category and overall
CREATE TEMP TABLE store_cat AS
SELECT store_id, category_id, stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail) AS st
FROM stock_gen GROUP BY 1, 2;
SELECT bool_and(r.st::text = o.st::text) AS per_category_equal
FROM (SELECT category_id, rollup(st) AS st FROM store_cat GROUP BY 1) r JOIN ours o USING (category_id);
SELECT (SELECT rollup(st) FROM store_cat)::text
       = (SELECT stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail) FROM stock_gen)::text
       AS company_equal;

-- ---------------------------------------------------------------------------
-- 5. Text and binary round trips
-- ---------------------------------------------------------------------------
SELECT bool_and(st::text::stock_summary::text = st::text) AS text_round_trip FROM ours;
-- extreme dates (4714 BC is written in astronomical numbering as -4713), extreme scales, blanks around
SELECT s, s::text::stock_summary::text = s::text AS round_trip, first_snapshot(s), last_snapshot(s)
FROM (SELECT stock_agg(d, c, NULL, r) AS s
      FROM (VALUES (date '4714-11-24 BC', -0.50, 1.0), ('0001-12-31 BC', 0, NULL), ('2024-02-29', 123456789012345678.9012345678901234567, NULL),
                   ('5874897-12-31', 0.00000000000000000000000000000000000001, NULL)) v(d, c, r)) x;
SELECT '  (v1,rows=4,bases=cost+retail,missing_units=4,missing_retail=3,-4713-11-24:-0.50//1.0,0000-12-31:0//,2024-02-29:123456789012345678.9012345678901234567//,5874897-12-31:0.00000000000000000000000000000000000001//)  '::stock_summary;
CREATE TEMP TABLE bin_out (category_id int, st stock_summary);
CREATE TEMP TABLE bin_in (category_id int, st stock_summary);
INSERT INTO bin_out SELECT category_id, st FROM ours;
INSERT INTO bin_out VALUES (0, (SELECT s FROM s1)), (-1, NULL);
-- units-only and partial-cost summaries (0.3: missing_cost is appended to the binary form)
INSERT INTO bin_out VALUES (-2, (SELECT s FROM units_only)),
  (-3, '(v1,rows=3,bases=cost+units,missing_units=0,missing_retail=0,missing_cost=1,2024-01-01:100/15/,2024-01-08:80/8/)');
-- a file name per server port, so that clusters running this test at the same time do not collide
SELECT '/tmp/retail_kpi_stock_' || current_setting('port') || '.bin' AS binfile,
       '/tmp/retail_kpi_stock_bad_' || current_setting('port') || '.bin' AS badfile \gset
COPY bin_out TO :'binfile' (FORMAT binary);
COPY bin_in FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, bool_and(i.st::text IS NOT DISTINCT FROM o.st::text) AS binary_round_trip
FROM bin_out o JOIN bin_in i USING (category_id);
SELECT stock_summary_send(st) = stock_summary_send(st::text::stock_summary) AS send_stable FROM ours LIMIT 1;
SELECT stock_summary_send(s) = stock_summary_send(s::text::stock_summary) AS send_stable_units_only FROM units_only;

-- ---------------------------------------------------------------------------
-- 6. Bad input
-- ---------------------------------------------------------------------------
-- infinite dates, NaN and infinite values (22023)
SELECT stock_agg(d, 1) FROM (VALUES (date 'infinity')) v(d);
SELECT stock_agg(d, 1) FROM (VALUES (date '-infinity')) v(d);
SELECT stock_agg('2024-01-01', 'NaN'::numeric);
SELECT stock_agg('2024-01-01', 1, 'Infinity'::numeric);
SELECT stock_agg('2024-01-01', 1, 1, '-Infinity'::numeric);
-- sums outside the exact 128-bit range (22003)
SELECT stock_agg('2024-01-01', 1e37::numeric) FROM generate_series(1, 20);
SELECT stock_agg('2024-01-01', 1, 1e-39::numeric);
SELECT rollup(s) FROM (SELECT stock_agg('2024-01-01', 1e37::numeric) AS s FROM generate_series(1, 10)
                       UNION ALL SELECT stock_agg('2024-01-01', 1e37::numeric) FROM generate_series(1, 10)) x;
-- unknown method or basis (22023 with the valid names)
SELECT avg_inventory(s, 'weekly') FROM s1;
SELECT avg_inventory(s, 'snapshots', 'price') FROM s1;
SELECT opening_inventory(s, 'value') FROM s1;
SELECT inventory_turnover(m, s, 'margin') FROM m1, s1;
SELECT inventory_turnover(m, s, 'cost', 'average') FROM m1, s1;
SELECT gmroi(m, s, 'weighted') FROM m1, s1;
SELECT missing_count(s, 'qty') FROM s1;
-- a basis the stock summary never received (22023, the HINT names the stock_agg argument)
SELECT avg_inventory(s, 'snapshots', 'units') FROM (SELECT stock_agg(d, cost) AS s FROM snap) x;
SELECT inventory_turnover(m, s, 'retail') FROM m1, (SELECT stock_agg(d, cost, units) AS s FROM snap) x;
SELECT closing_inventory(s, 'retail') FROM (SELECT stock_agg(d, cost, units, NULL) AS s FROM snap) x;
-- units basis without units in the margin summary (22023, the HINT names margin_agg's third argument)
SELECT inventory_turnover(m, s, 'units') FROM s1, (SELECT margin_agg(10, 5) AS m) x;
SELECT days_of_inventory(m, s, 30, 'units') FROM s1, (SELECT margin_agg(10, 5) AS m) x;
-- period_days must be positive and finite (22023)
SELECT days_of_inventory(m, s, 0) FROM m1, s1;
SELECT days_of_inventory(m, s, -30) FROM m1, s1;
SELECT days_of_inventory(m, s, 'NaN') FROM m1, s1;
SELECT days_of_inventory(m, s, 'Infinity') FROM m1, s1;
-- malformed text (22P02)
SELECT 'garbage'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1//'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1/)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01://)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1x//)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-02-30:1//)'::stock_summary;
SELECT '(v1,rows=2,bases=cost,missing_units=0,missing_retail=0,2024-01-08:1//,2024-01-01:1//)'::stock_summary;
SELECT '(v1,rows=2,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1//,2024-01-01:1//)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1/2/)'::stock_summary;
SELECT '(v1,rows=1,bases=cost+units,missing_units=0,missing_retail=0,2024-01-01:1//)'::stock_summary;
SELECT '(v1,rows=1,bases=units,missing_units=0,missing_retail=0,2024-01-01:1//)'::stock_summary;
SELECT '(v1,rows=0,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1//)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=2,missing_retail=0,2024-01-01:1//)'::stock_summary;
SELECT '(v1,rows=-1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1//)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1//) x'::stock_summary;
SELECT '(v1,bases=cost,rows=1,missing_units=0,missing_retail=0,2024-01-01:1//)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1e0//)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:+1//)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:.5//)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,24-01-01:1//)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,5874898-01-01:1//)'::stock_summary;
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,-4713-11-23:1//)'::stock_summary;
-- a value beyond the exact range in text (22003)
SELECT '(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1000000000000000000000000000000000000000//)'::stock_summary;
-- unsupported format version (text: 22P02)
SELECT '(v2,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1//)'::stock_summary;
-- corrupt binary input (22000) and wrong binary version: the good bytes, then altered copies
CREATE TEMP TABLE good_bytes AS
SELECT stock_summary_send('(v1,rows=2,bases=cost+units,missing_units=0,missing_retail=0,2024-01-01:1.5/2/,2024-01-08:3//)'::stock_summary) AS b;
SELECT b FROM good_bytes;
CREATE TEMP TABLE bad_bytes (name text, b bytea);
INSERT INTO bad_bytes SELECT 'version 2', set_byte(b, 0, 2) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'wrong kind', set_byte(b, 1, 109) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'truncated', substr(b, 1, length(b) - 1) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'trailing byte', b || '\x00'::bytea FROM good_bytes;
INSERT INTO bad_bytes SELECT 'zero dates', overlay(b PLACING '\x00000000'::bytea FROM 3) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'too many dates', overlay(b PLACING '\x000186a1'::bytea FROM 3) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'dates out of order', overlay(b PLACING '\x00002300'::bytea FROM 31) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'bad flag', set_byte(b, 34, 7) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'no cost', overlay(b PLACING '\x00'::bytea FROM 35 FOR 8) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'bad digits', set_byte(b, 39, 120) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'rows below dates', overlay(b PLACING '\x0000000000000001'::bytea FROM 7) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'negative missing', overlay(b PLACING '\xffffffffffffffff'::bytea FROM 15) FROM good_bytes;
-- 0.3: an int64 missing-cost count may follow the dates; it must be > 0 and at most the rows, and
-- a date without cost is valid only with it (the last row is accepted)
INSERT INTO bad_bytes SELECT 'missing cost 0', b || '\x0000000000000000'::bytea FROM good_bytes;
INSERT INTO bad_bytes SELECT 'missing cost > rows', b || '\x0000000000000003'::bytea FROM good_bytes;
INSERT INTO bad_bytes SELECT 'no cost but counted', overlay(b PLACING '\x00'::bytea FROM 35 FOR 8) || '\x0000000000000001'::bytea
FROM good_bytes;
CREATE TEMP TABLE recv_target (st stock_summary);
CREATE FUNCTION pg_temp.try_recv(bad bytea, file text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE detail text;
BEGIN
  EXECUTE format('COPY (SELECT %L::bytea) TO %L (FORMAT binary)', bad, file);
  EXECUTE format('COPY recv_target FROM %L (FORMAT binary)', file);
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END $$;
SELECT pg_temp.try_recv(b, :'badfile') AS good FROM good_bytes;
SELECT * FROM recv_target;
SELECT name, pg_temp.try_recv(b, :'badfile') FROM bad_bytes;
-- corrupt stored values (22000): a scratch varlena type with bytea's I/O and the same alignment,
-- binary-coercible to stock_summary, exposes and alters the stored bytes (after the 4-byte length
-- word: version 0, type tag 1, flags 2-3, ndates 4-7, capacity 8-11, rows 12-19, missing counts
-- 20-43, then 80-byte entries from 44: date 44-47, padding 48-51, then per basis (cost, units,
-- retail) a 24-byte sum: 128-bit value, scale (2 bytes), has-value flag, padding, overflow length;
-- the first entry's cost sum is at 52-75, its retail sum at 100-123).
CREATE TYPE raw_stock;
CREATE FUNCTION raw_stock_in(cstring) RETURNS raw_stock AS 'byteain' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION raw_stock_out(raw_stock) RETURNS cstring AS 'byteaout' LANGUAGE internal IMMUTABLE STRICT;
CREATE TYPE raw_stock (INPUT = raw_stock_in, OUTPUT = raw_stock_out, INTERNALLENGTH = VARIABLE, ALIGNMENT = double);
CREATE CAST (raw_stock AS stock_summary) WITHOUT FUNCTION;
CREATE CAST (stock_summary AS raw_stock) WITHOUT FUNCTION;
CREATE TEMP TABLE good_raw AS
SELECT '(v1,rows=2,bases=cost+units,missing_units=0,missing_retail=0,2024-01-01:1.5/2/,2024-01-08:3//)'::stock_summary::raw_stock::text::bytea AS b;
SELECT length(b) AS stored_bytes, (b::text::raw_stock::stock_summary)::text AS unchanged FROM good_raw;
CREATE TEMP TABLE bad_raw (name text, b bytea);
INSERT INTO bad_raw SELECT 'version 2', set_byte(b, 0, 2) FROM good_raw;
INSERT INTO bad_raw SELECT 'wrong type tag', set_byte(b, 1, 109) FROM good_raw;
INSERT INTO bad_raw SELECT 'flags set', set_byte(b, 2, 1) FROM good_raw;
INSERT INTO bad_raw SELECT 'capacity off', set_byte(b, 8, 9) FROM good_raw;
INSERT INTO bad_raw SELECT 'padding set', set_byte(b, 48, 1) FROM good_raw;
INSERT INTO bad_raw SELECT 'truncated', substr(b, 1, length(b) - 8) FROM good_raw;
INSERT INTO bad_raw SELECT 'header only', substr(b, 1, 20) FROM good_raw;
INSERT INTO bad_raw SELECT 'rows zero', set_byte(b, 12, 0) FROM good_raw;
INSERT INTO bad_raw SELECT 'dates out of order', set_byte(set_byte(b, 45, 255), 46, 0) FROM good_raw;
INSERT INTO bad_raw SELECT 'cost missing', set_byte(b, 70, 0) FROM good_raw;
INSERT INTO bad_raw SELECT 'scale 39', set_byte(b, 68, 39) FROM good_raw;
INSERT INTO bad_raw SELECT 'overflow length', set_byte(b, 72, 1) FROM good_raw;
INSERT INTO bad_raw SELECT 'value without flag', set_byte(b, 100, 1) FROM good_raw;
CREATE FUNCTION pg_temp.try_read(bad bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE detail text;
BEGIN
  PERFORM snapshot_count(bad::text::raw_stock::stock_summary);
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END $$;
SELECT name, pg_temp.try_read(b) FROM bad_raw;
-- the combine function (rollup) validates what it reads too
SELECT rollup(s) FROM (VALUES ('(v1,rows=1,bases=cost,missing_units=0,missing_retail=0,2024-01-01:1//)'::stock_summary),
                              ((SELECT set_byte(b, 70, 0) FROM good_raw)::text::raw_stock::stock_summary)) v(s);
DROP TYPE raw_stock CASCADE;

-- ---------------------------------------------------------------------------
-- 7. The date limit: 100,000 distinct dates fit; one more fails with 54000, from stock_agg,
--    from rollup and from text input.
-- ---------------------------------------------------------------------------
SELECT snapshot_count(stock_agg(d::date, 1)), last_snapshot(stock_agg(d::date, 1))
FROM generate_series(date '2000-01-01', date '2000-01-01' + 99999, interval '1 day') d;
SELECT snapshot_count(stock_agg(d::date, 1))
FROM generate_series(date '2000-01-01', date '2000-01-01' + 100000, interval '1 day') d;
-- dates in reverse order (each new date inserted at the front) and in a scrambled order:
-- same summary as in date order
SELECT a::text = b::text AS reverse_equal, a::text = c::text AS scrambled_equal, snapshot_count(a)
FROM (SELECT stock_agg(date '2000-01-01' + g, g) AS a FROM generate_series(0, 4999) g) x,
     (SELECT stock_agg(date '2000-01-01' + g, g) AS b FROM generate_series(4999, 0, -1) g) y,
     (SELECT stock_agg(date '2000-01-01' + (g * 7919) % 5000, (g * 7919) % 5000) AS c
      FROM generate_series(0, 4999) g) z;
SELECT snapshot_count(rollup(s))
FROM (SELECT stock_agg(date '2000-01-01' + g, 1) AS s FROM generate_series(0, 60000) g
      UNION ALL SELECT stock_agg(date '2200-01-01' + g, 1) FROM generate_series(0, 60000) g) x;
SELECT snapshot_count(('(v1,rows=100001,bases=cost,missing_units=0,missing_retail=0,'
       || string_agg(to_char(date '2000-01-01' + g, 'YYYY-MM-DD') || ':1//', ',' ORDER BY g) || ')')::stock_summary)
FROM generate_series(0, 100000) g;

-- ---------------------------------------------------------------------------
-- 8. Parallel aggregation gives the serial result.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE serial AS
SELECT category_id, stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail)::text AS st
FROM stock_gen GROUP BY 1;
CREATE TABLE stock_store_cat AS SELECT * FROM store_cat;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT category_id, stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail) FROM stock_gen GROUP BY 1;
SELECT bool_and(p.st::text = s.st) AS parallel_equal, count(*)
FROM (SELECT category_id, stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail) AS st
      FROM stock_gen GROUP BY 1) p JOIN serial s USING (category_id);
EXPLAIN (COSTS OFF)
SELECT stock_agg(snapshot_date, on_hand_cost) FROM stock_gen;
SELECT stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail)::text
       = (SELECT rollup(st::stock_summary)::text FROM serial) AS parallel_plain_equal
FROM stock_gen;
EXPLAIN (COSTS OFF)
SELECT rollup(st) FROM stock_store_cat;
SELECT rollup(st)::text = (SELECT rollup(st::stock_summary)::text FROM serial) AS parallel_rollup_equal
FROM stock_store_cat;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

DROP TABLE stock_gen, sales_gen, stock_store_cat;
