-- sql/scalar.sql: sell-through, ROI, promotion ROI, growth, attainment, SKU activity rates
-- and the coefficient_of_variation aggregate.  Expected values are worked out by hand in the
-- comments; ratios that are not short decimals are compared with the correctly rounded
-- float8 quotient (x::float8 / y) or printed rounded.
SET search_path = retail_kpi, public;

-- sell-through = sold / (opening + received)
SELECT sell_through_rate(30, 100)          AS "0.3",      -- 30 / (0 + 100)
       sell_through_rate(30, 80, 20)       AS "0.3 b",    -- 30 / (20 + 80)
       sell_through_rate(45, 20, 10)       AS "1.5",      -- inconsistent inputs, returned anyway
       sell_through_rate(0, 10)            AS "0",
       sell_through_rate(5, 0)             AS "null 0",   -- denominator 0
       sell_through_rate(5, -10, 5)        AS "null neg", -- denominator -5
       sell_through_rate(5, 10, -10)       AS "null 0 b";
-- one rounding only: 1/3 is the correctly rounded double, 0.3/0.1 is exactly 3
SELECT sell_through_rate(1, 3) = 1::float8 / 3 AS third_ok,
       sell_through_rate(0.3, 0.1) = 3         AS exact_ok;

-- roi = (gain - cost) / cost, NULL when cost <= 0
SELECT roi(150, 100) AS "0.5", roi(50, 100) AS "-0.5", roi(0.3, 0.1) AS "2 exactly",
       roi(10, 0) AS "null 0", roi(10, -5) AS "null neg";

-- promo_roi: net (igp - spend) / spend, gross igp / spend, revenue (incremental revenue - spend) / spend
SELECT promo_roi(300, 100)            AS "net 2",
       promo_roi(300, 100, 'net')     AS "net 2 b",
       promo_roi(300, 100, 'gross')   AS "gross 3",
       promo_roi(500, 100, 'revenue') AS "revenue 4",
       promo_roi(-50, 100)            AS "net -1.5",
       promo_roi(300, 0)              AS "null 0",
       promo_roi(300, -1, 'gross')    AS "null neg";

-- growth_rate: standard NULL when base <= 0; abs_base divides by |base|, NULL only at 0
SELECT growth_rate(110, 100)              AS "0.1",
       growth_rate(90, 100)               AS "-0.1",
       growth_rate(5, 0)                  AS "null 0",
       growth_rate(5, -10)                AS "null neg",
       growth_rate(5, -10, 'abs_base')    AS "1.5",   -- (5 + 10) / 10
       growth_rate(-20, -10, 'abs_base')  AS "-1",    -- (-20 + 10) / 10
       growth_rate(5, 0, 'abs_base')      AS "null 0 b",
       growth_rate(110, 100, 'standard')  AS "0.1 b";
SELECT growth_rate(1.1, 1) = 0.1::float8 AS exact_ok;  -- 0.1 as double, not 0.10000000000000009

-- attainment
-- higher_is_better: (A - T + |T|) / |T|, 1 + A when T = 0
SELECT attainment(80, 100)    AS "0.8",
       attainment(120, 100)   AS "1.2",
       attainment(5, 0)       AS "6",      -- 1 + 5
       attainment(-2, 0)      AS "-1",     -- 1 - 2
       attainment(-50, -100)  AS "1.5",    -- (-50 + 100 + 100) / 100
       attainment(-150, -100) AS "0.5",    -- (-150 + 100 + 100) / 100
       attainment(0, -100)    AS "2";      -- (0 + 100 + 100) / 100
-- lower_is_better: 1 - (A - T) / |T|, 1 - A when T = 0
SELECT attainment(80, 100, 'lower_is_better')    AS "1.2",   -- 1 - (-20) / 100
       attainment(120, 100, 'lower_is_better')   AS "0.8",   -- 1 - 20 / 100
       attainment(0.25, 0, 'lower_is_better')    AS "0.75",  -- 1 - 0.25
       attainment(-50, -100, 'lower_is_better')  AS "0.5",   -- 1 - 50 / 100
       attainment(-150, -100, 'lower_is_better') AS "1.5",   -- 1 - (-50) / 100
       attainment(80, 100, 'higher_is_better')   AS "0.8";
SELECT attainment(1, 3) = 1::float8 / 3 AS third_ok,
       attainment(0.7, 0.1) = 7 AS exact_ok;      -- 0.7 / 0.1 in double would be 6.999999999999999

-- SKU activity (dong xiao lv) and dead stock
SELECT activity_rate(3, 4) AS "0.75", dead_stock_rate(3, 4) AS "0.25",
       activity_rate(0, 4) AS "0", dead_stock_rate(0, 4) AS "1",
       activity_rate(0, 0) AS "null", dead_stock_rate(0, 0) AS "null b";
SELECT activity_rate(1, 3) = 1::float8 / 3 AS third_ok, dead_stock_rate(1, 3) = 2::float8 / 3 AS two_thirds_ok;
-- inconsistent counts (more active than listed) are returned as given
SELECT activity_rate(5, 4) AS "1.25", dead_stock_rate(5, 4) AS "-0.25";
SELECT activity_rate(-1, 4);
SELECT dead_stock_rate(1, -4);

-- named arguments ("current" is a reserved word) and integer arguments resolve without casts
SELECT growth_rate("current" => 5, base => 4, mode => 'abs_base') AS "0.25",
       sell_through_rate(units_sold => 1, units_received => 2::bigint) AS "0.5",
       attainment(actual => 9, target => 10, direction => 'lower_is_better') AS "1.1";
SELECT round(coefficient_of_variation(x)::numeric, 12) AS "sqrt(5/3) / 2.5"
FROM generate_series(1, 4) x;   -- integers: mean 2.5, sample variance 5/3
SELECT round((sqrt(5.0 / 3) / 2.5)::numeric, 12) AS by_hand;

-- NULL arguments: STRICT functions return NULL
SELECT sell_through_rate(NULL, 1) IS NULL AS a, roi(1, NULL) IS NULL AS b,
       growth_rate(1, 1, NULL) IS NULL AS c, attainment(NULL, 1) IS NULL AS d;

-- bad input: NaN / infinities name the argument
SELECT sell_through_rate('NaN', 1);
SELECT sell_through_rate(1, 'Infinity');
SELECT sell_through_rate(1, 1, '-Infinity');
SELECT roi('NaN', 1);
SELECT roi(1, 'NaN');
SELECT promo_roi('Infinity', 1);
SELECT promo_roi(1, 'NaN');
SELECT growth_rate('NaN', 1);
SELECT growth_rate(1, 'Infinity', 'abs_base');
SELECT attainment('NaN', 1);
SELECT attainment(1, '-Infinity');
-- unknown variants list the valid ones
SELECT promo_roi(1, 1, 'Net');
SELECT growth_rate(1, 1, 'yoy');
SELECT attainment(1, 1, 'higher');

-- coefficient_of_variation: 2,4,4,4,5,5,7,9 has mean 5 and sum of squared deviations 32:
-- sample sd = sqrt(32/7), population sd = sqrt(32/8) = 2
CREATE TEMP TABLE cv(g int, x float8);
INSERT INTO cv VALUES (1, 2), (1, 4), (1, 4), (1, 4), (1, 5), (1, 5), (1, 7), (1, 9),
                      (2, 7),                     -- one value: NULL
                      (3, -1), (3, 1),            -- mean 0: NULL
                      (4, -5), (4, -3),           -- mean < 0: NULL
                      (5, NULL), (5, 2), (5, 4);  -- NULL skipped: sd sqrt(2), mean 3
SELECT g,
       round(coefficient_of_variation(x)::numeric, 12) AS sample,
       round(coefficient_of_variation(x, 'sample')::numeric, 12) AS sample_b,
       round(coefficient_of_variation(x, 'population')::numeric, 12) AS population,
       round(coefficient_of_variation(x::numeric)::numeric, 12) AS sample_numeric,
       round(coefficient_of_variation(x::numeric, 'population')::numeric, 12) AS population_numeric
FROM cv GROUP BY g ORDER BY g;
SELECT round((sqrt(32.0 / 7) / 5)::numeric, 12) AS "g1 sample by hand",
       round((sqrt(2.0) / 3)::numeric, 12) AS "g5 sample by hand";
-- same as the hand-written SQL
SELECT bool_and(abs(c - h) <= 1e-12 * h) AS matches_hand_sql
FROM (SELECT coefficient_of_variation(x) c, stddev_samp(x) / avg(x) h
      FROM cv WHERE g IN (1, 5) GROUP BY g) t;
SELECT coefficient_of_variation(x) IS NULL AS empty_is_null FROM cv WHERE false;
SELECT coefficient_of_variation(x) FROM (VALUES (1::float8), ('NaN')) v(x);
SELECT coefficient_of_variation(x) FROM (VALUES (1::float8), ('Infinity')) v(x);
SELECT coefficient_of_variation(x) FROM (VALUES (1::numeric), ('NaN')) v(x);
SELECT coefficient_of_variation(x) FROM (VALUES (1e300::float8), (1e308), (1e308)) v(x);
SELECT coefficient_of_variation(x, 'pop') FROM cv;
SELECT coefficient_of_variation(x, v) FROM (VALUES (1::float8, 'sample'), (2, 'population')) t(x, v);
-- the state is a plain float8[]; a malformed one is rejected
SELECT coefficient_of_variation_final('{1,2}');
SELECT coefficient_of_variation_final('{-1,0,0,1}');
SELECT coefficient_of_variation_final('{2,10,8,1}') = sqrt(8.0) / 5 AS final_ok;  -- n 2, mean 5, var 8

-- forced parallel plan equals the serial result
CREATE TABLE cv_big AS
    SELECT i % 7 AS g, (100 + (i * 37) % 101 + (i % 13) * 0.25)::float8 AS x
    FROM generate_series(1, 20000) i;
ANALYZE cv_big;
CREATE TEMP TABLE cv_serial AS
    SELECT g, coefficient_of_variation(x) c, coefficient_of_variation(x, 'population') p,
           stddev_samp(x) / avg(x) h FROM cv_big GROUP BY g;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT g, coefficient_of_variation(x), coefficient_of_variation(x, 'population') FROM cv_big GROUP BY g;
SELECT count(*) AS groups,
       bool_and(abs(p.c - s.c) <= 1e-12 * s.c) AS sample_equal,
       bool_and(abs(p.p - s.p) <= 1e-12 * s.p) AS population_equal,
       bool_and(abs(p.c - s.h) <= 1e-12 * s.h) AS hand_sql_equal
FROM (SELECT g, coefficient_of_variation(x) c, coefficient_of_variation(x, 'population') p
      FROM cv_big GROUP BY g) p JOIN cv_serial s USING (g);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP TABLE cv_big;
