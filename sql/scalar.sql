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

-- ---------------------------------------------------------------------------
-- 0.3: float8 forms of the scalar KPIs.  Integer and quoted-literal arguments resolve to the
-- float8 form (float8 is PostgreSQL's preferred numeric type), numeric literals to the numeric
-- form, a float8 anywhere to the float8 form; a float8 is taken as its shortest decimal, so each
-- call below gives exactly the numeric form's result.
-- ---------------------------------------------------------------------------
SELECT growth_rate(110, 100) AS ints, growth_rate('110', '100') AS unknowns,
       growth_rate(110.0, 100) AS numeric_int, growth_rate(110::float8, 100::numeric) AS float_numeric,
       growth_rate(110::float8, 100::float8) AS floats, growth_rate(110::bigint, 100) AS bigint_int;
-- which form each call resolves to (the view keeps the casts the parser added)
CREATE TEMP VIEW resolved AS
SELECT growth_rate(110, 100) AS ints, growth_rate('110', '100') AS unknowns,
       growth_rate(110.5, 100) AS numerics, growth_rate(110.5, 100::float8) AS mixed,
       roi(count(*), 2) AS bigint_int, attainment(80, 100, 'lower_is_better') AS with_text;
SELECT pg_get_viewdef('resolved'::regclass);
-- a grid of 2-decimal values (signs, zero, large) and of integers: the float8 form equals the
-- numeric form bit for bit for every KPI
CREATE TEMP TABLE grid AS
SELECT a, b FROM unnest(ARRAY[-1234.56, -1, -0.05, 0, 0.01, 0.3, 1, 2.5, 99.99, 100, 110,
                              123456789.01, 9999999999999.99]) a,
                 unnest(ARRAY[-1234.56, -1, -0.05, 0, 0.01, 0.3, 1, 2.5, 99.99, 100, 110,
                              123456789.01, 9999999999999.99]) b;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE growth_rate(a::float8, b::float8) IS DISTINCT FROM growth_rate(a, b)) AS growth,
       count(*) FILTER (WHERE growth_rate(a::float8, b::float8, 'abs_base') IS DISTINCT FROM growth_rate(a, b, 'abs_base')) AS growth_abs,
       count(*) FILTER (WHERE roi(a::float8, b::float8) IS DISTINCT FROM roi(a, b)) AS roi,
       count(*) FILTER (WHERE promo_roi(a::float8, b::float8, 'gross') IS DISTINCT FROM promo_roi(a, b, 'gross')) AS promo,
       count(*) FILTER (WHERE attainment(a::float8, b::float8) IS DISTINCT FROM attainment(a, b)) AS attain,
       count(*) FILTER (WHERE attainment(a::float8, b::float8, 'lower_is_better') IS DISTINCT FROM attainment(a, b, 'lower_is_better')) AS attain_low,
       count(*) FILTER (WHERE sell_through_rate(a::float8, b::float8, 1::float8) IS DISTINCT FROM sell_through_rate(a, b, 1)) AS sell_through,
       count(*) FILTER (WHERE sell_through_from_closing(a::float8, b::float8) IS DISTINCT FROM sell_through_from_closing(a, b)) AS from_closing,
       count(*) FILTER (WHERE share(a::float8, b::float8) IS DISTINCT FROM share(a, b)) AS share,
       count(*) FILTER (WHERE growth_rate(a::float8, b::float8) IS NOT NULL) AS growth_not_null
FROM grid;
SELECT count(*) AS pairs,
       count(*) FILTER (WHERE growth_rate(a, b) IS DISTINCT FROM growth_rate(a::numeric, b::numeric)) AS growth,
       count(*) FILTER (WHERE attainment(a, b) IS DISTINCT FROM attainment(a::numeric, b::numeric)) AS attain
FROM generate_series(-7, 7) a, generate_series(-7, 7) b;
-- accessors' float8 results go in without casts: margin rates 0.4 and 0.3 are read as 0.4 and 0.3,
-- so growth is exactly (0.4 - 0.3) / 0.3 = 1/3 rounded once (float8 arithmetic would give
-- 0.3333333333333335)
SELECT growth_rate(margin_rate(margin_agg(150, 90)), margin_rate(margin_agg(100, 70))) = 1 / 3::float8
       AS accessor_args, (0.4::float8 - 0.3::float8) / 0.3::float8 AS float8_arithmetic;
-- the documented limit: a bigint beyond 2^53 resolves to the float8 form and loses its last
-- digits (9007199254740993 becomes 9007199254740992); cast such values to numeric
SELECT growth_rate(9007199254740993::bigint, 9007199254740992::bigint) AS via_float8,
       growth_rate(9007199254740993::numeric, 9007199254740992::numeric) > 0 AS numeric_exact;
-- bad float8 input: NaN and infinities (22023), named after the argument
SELECT growth_rate('NaN'::float8, 1);
SELECT roi(1, '-Infinity'::float8);
SELECT sell_through_from_closing(1, 'Infinity'::float8);

-- sell_through_from_closing: sold / (sold + closing): 30 / (30 + 70) = 0.3; 0 / 0 and a negative
-- denominator give NULL; 5 / (5 + 0) = 1
SELECT sell_through_from_closing(30, 70) AS s1, sell_through_from_closing(0, 0) AS s2,
       sell_through_from_closing(-5, 3) AS s3, sell_through_from_closing(5, 0) AS s4,
       sell_through_from_closing(units_sold => 1, closing_on_hand => 2) = 1 / 3::float8 AS named;

-- share(part, total): part / total; NULL when total = 0; signs kept
SELECT share(1, 3) = 1 / 3::float8 AS third, share(1, 0) AS zero_total, share(-1, 4) AS negative,
       share(0.1::float8, 0.3::float8) = share(0.1, 0.3) AS float_exact;
-- with GROUP BY and a window sum: the shares of the stores, equal to the hand-written division
CREATE TEMP TABLE store_sales(store text, revenue numeric);
INSERT INTO store_sales VALUES ('n', 120.50), ('n', 79.50), ('s', 300), ('e', 0), ('w', 500.25);
SELECT store, share(sum(revenue), sum(sum(revenue)) OVER ()) AS share,
       share(sum(revenue), sum(sum(revenue)) OVER ()) = (sum(revenue) / sum(sum(revenue)) OVER ())::float8 AS hand,
       rank() OVER (ORDER BY sum(revenue) DESC) AS rank
FROM store_sales GROUP BY store ORDER BY store;

-- kpi_round(value, digits): half away from zero from the shortest decimal
SELECT kpi_round(0.285) AS r1, kpi_round(2.675::float8, 2) AS r2, kpi_round(-0.125::float8, 2) AS r3,
       kpi_round(1 / 3::float8, 4) AS r4, kpi_round(1234.5::float8, 0) AS r5,
       kpi_round(growth_rate(110, 100), 3) AS r6, pg_typeof(kpi_round(0.5)) AS type;
SELECT kpi_round(0.5, -1);
SELECT kpi_round(0.5, 1001);
SELECT kpi_round('NaN', 2);

-- ---------------------------------------------------------------------------
-- 0.3: coefficient_of_variation(numeric) from exact sums.  2,4,4,4,5,5,7,9: n = 8, Sx = 40,
-- Sxx = 232, N = n Sxx - Sx^2 = 256; sample: cv^2 = N n / ((n - 1) Sx^2) = 2048 / 11200;
-- population: cv^2 = N / Sx^2 = 256 / 1600 = 0.16, cv = 0.4
-- ---------------------------------------------------------------------------
SELECT coefficient_of_variation(x::numeric) = sqrt((2048 / 11200.0)::float8) AS sample_exact,
       coefficient_of_variation(x::numeric, 'population') AS population
FROM cv WHERE g = 1;
-- the order of the rows does not change a bit
SELECT coefficient_of_variation(x ORDER BY x) = coefficient_of_variation(x ORDER BY x DESC) AS order_free
FROM (SELECT (i * 7919 % 10007) / 100.0 + 0.001 * (i % 3) AS x FROM generate_series(1, 5000) i) t;
-- trailing zeros (avg() results) are fine; values beyond the exact range are refused (22003)
SELECT coefficient_of_variation(x) = coefficient_of_variation(round(x, 3)) AS trailing_zeros
FROM (VALUES (1234.5650000000000000), (1000.0000000000000000), (1500.1250000000000000)) v(x);
SELECT coefficient_of_variation(x) FROM (VALUES (1e20::numeric), (2e20)) v(x);
SELECT coefficient_of_variation(x) FROM (VALUES (0.12345678901234567890123::numeric), (1)) v(x);
SELECT coefficient_of_variation(x, v) FROM (VALUES (1::numeric, 'sample'), (2, 'population')) t(x, v);
-- the exact state is a float8[9]; a malformed one is rejected (22000)
SELECT coefficient_of_variation_final('{2,1,0,3,0,0,5,0,0}') = sqrt(2 / 9::float8)
       AS exact_final_ok;  -- values 1 and 2: n 2, Sx 3, Sxx 5, N = 2 * 5 - 9 = 1, cv^2 = 1 * 2 / (1 * 9)
SELECT coefficient_of_variation_final('{2,3,0,3,0,0,5,0,0}');
SELECT coefficient_of_variation_final('{2,1,0,3.5,0,0,5,0,0}');
SELECT coefficient_of_variation_final('{2,1,0,3,-1,0,5,0,0}');
SELECT coefficient_of_variation_combine('{2,1,0,3,0,0,5,0,0}', '{1,5,0,1}');

-- forced parallel plan and serial plan give bit-identical numeric results
CREATE TABLE cv_num AS
    SELECT i % 5 AS g, (100 + (i * 37) % 101 + (i % 13) * 0.25 + (i % 7) * 0.001)::numeric AS x
    FROM generate_series(1, 40000) i;
ANALYZE cv_num;
CREATE TEMP TABLE cv_num_serial AS
    SELECT g, coefficient_of_variation(x) c, coefficient_of_variation(x, 'population') p FROM cv_num GROUP BY g;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT g, coefficient_of_variation(x), coefficient_of_variation(x, 'population') FROM cv_num GROUP BY g;
SELECT count(*) AS groups, bool_and(p.c = s.c) AS sample_identical, bool_and(p.p = s.p) AS population_identical,
       bool_and(float8send(p.c) = float8send(s.c)) AS same_bits
FROM (SELECT g, coefficient_of_variation(x) c, coefficient_of_variation(x, 'population') p
      FROM cv_num GROUP BY g) p JOIN cv_num_serial s USING (g);
EXPLAIN (COSTS OFF) SELECT coefficient_of_variation(x) FROM cv_num;
SELECT coefficient_of_variation(x) = (SELECT coefficient_of_variation(x ORDER BY x DESC) FROM cv_num) AS whole_table
FROM cv_num;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
DROP TABLE cv_num;
