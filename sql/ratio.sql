-- sql/ratio.sql: ratio_summary, ratio_agg, rollup, ratio, numerator, denominator
SET search_path = retail_kpi, public;
SET extra_float_digits = 0;

-- Conversion by store, computed by hand:
--   store 1: transactions 30 + 20 = 50, traffic 200 + 100 = 300 -> 1/6 = 0.166666666666667
--   store 2: 10 / 40 = 0.25;  both: 60 / 340 = 0.176470588235294
--   the (wrong) average of the two store rates is (1/6 + 1/4) / 2 = 0.208333333333333
CREATE TABLE visits (store int, day int, transactions numeric, traffic numeric);
INSERT INTO visits VALUES (1, 1, 30, 200), (1, 2, 20, 100), (2, 1, 10, 40), (2, 2, NULL, 5);
SELECT store, ratio_agg(transactions, traffic), round(ratio(ratio_agg(transactions, traffic))::numeric, 15)
FROM visits GROUP BY store ORDER BY store;
SELECT numerator(s), denominator(s), row_count(s), round(ratio(s)::numeric, 15) AS ratio
FROM (SELECT ratio_agg(transactions, traffic) AS s FROM visits) t;
SELECT round(avg(r)::numeric, 15) AS wrong_average,
       (SELECT round(ratio(ratio_agg(transactions, traffic))::numeric, 15) FROM visits) AS ratio_of_sums
FROM (SELECT ratio(ratio_agg(transactions, traffic)) AS r FROM visits GROUP BY store) t;
-- correctly rounded float8 of the exact quotient
SELECT ratio(ratio_agg(transactions, traffic)) =
       ((sum(transactions) + 0.0000000000000000000000000000000000000000) / sum(traffic))::float8 AS exact
FROM visits WHERE transactions IS NOT NULL;

-- Edge rules: zero denominator -> NULL; negative denominators are allowed (plain ratio);
-- NULL rows skipped; empty input -> NULL
SELECT ratio(ratio_agg(n, d)) AS zero_den FROM (VALUES (5::numeric, 0::numeric)) v(n, d);
SELECT ratio(ratio_agg(n, d)) AS cancelled_den FROM (VALUES (5::numeric, 2::numeric), (1, -2)) v(n, d);
SELECT ratio(ratio_agg(n, d)) AS negative_den FROM (VALUES (3::numeric, -4::numeric)) v(n, d);
SELECT ratio_agg(n, d) FROM (VALUES (NULL::numeric, 1::numeric), (1, NULL), (2, 8)) v(n, d);
SELECT ratio_agg(n, d) IS NULL AS empty FROM (VALUES (1::numeric, 1::numeric)) v(n, d) WHERE false;

-- Exact sums with large and fine values
SELECT numerator(s)::text = (SELECT sum(n)::text FROM (VALUES (1e39), (0.000001), (-3)) v(n)) AS exact
FROM (SELECT ratio_agg(n, 1) AS s FROM (VALUES (1e39), (0.000001), (-3)) v(n)) t;

-- Rollup of stored per-day summaries equals the raw aggregation
SELECT setseed(0.7);
CREATE TABLE vr AS
SELECT g % 13 AS store, g % 30 AS day, floor(random() * 50)::numeric AS n, round((random() * 300)::numeric, 1) AS d
FROM generate_series(1, 3000) g;
CREATE TABLE vr_daily AS SELECT store, day, ratio_agg(n, d) AS s FROM vr GROUP BY store, day;
SELECT count(*) AS stores, sum((a.s::text = b.s::text)::int) AS identical
FROM (SELECT store, rollup(s) AS s FROM vr_daily GROUP BY store) a
JOIN (SELECT store, ratio_agg(n, d) AS s FROM vr GROUP BY store) b USING (store);
SELECT ratio(rollup(s)) = (SELECT ratio(ratio_agg(n, d)) FROM vr) AS company_same FROM vr_daily;

-- Text form and errors
SELECT '(v1,rows=4,numerator=60,denominator=340.0)'::ratio_summary;
SELECT ratio('(v1,rows=1,numerator=1,denominator=0)'::ratio_summary) IS NULL AS zero;
\set VERBOSITY default
SELECT '(v1,rows=1,revenue=1,cost=1,units=)'::ratio_summary;
SELECT '(v9,rows=1,numerator=1,denominator=1)'::ratio_summary;
SELECT '(v1,rows=1,numerator=1,denominator=x)'::ratio_summary;
SELECT ratio_agg(n, d) FROM (VALUES ('NaN'::numeric, 1::numeric)) v(n, d);
SELECT ratio_agg(n, d) FROM (VALUES (1::numeric, '-Infinity'::numeric)) v(n, d);
\set VERBOSITY terse

-- Binary round trip through COPY (FORMAT binary), and a corrupt value
SELECT current_setting('data_directory') || '/rk_ratio_regress.bin' AS binfile \gset
CREATE TABLE rs (store int, s ratio_summary);
INSERT INTO rs SELECT store, ratio_agg(n, d) FROM vr GROUP BY store;
COPY rs TO :'binfile' (FORMAT binary);
CREATE TABLE rs2 (LIKE rs);
COPY rs2 FROM :'binfile' (FORMAT binary);
SELECT count(*), sum((a.s::text = b.s::text)::int) AS identical FROM rs a JOIN rs2 b USING (store);
CREATE TABLE raw (k int, b bytea);
INSERT INTO raw SELECT 1, substr(ratio_summary_send(s), 1, 20) FROM rs LIMIT 1;
COPY raw TO :'binfile' (FORMAT binary);
\set VERBOSITY default
COPY rs2 FROM :'binfile' (FORMAT binary);
\set VERBOSITY terse

-- Forced parallel plan gives the same summaries as the serial one
CREATE TABLE vbig AS
SELECT g % 50 AS store, (g % 41)::numeric AS n, (g % 97 + 1)::numeric AS d FROM generate_series(1, 100000) g;
ANALYZE vbig;
CREATE TABLE vserial AS SELECT store, ratio_agg(n, d)::text AS s FROM vbig GROUP BY store;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT store, ratio_agg(n, d) FROM vbig GROUP BY store;
SELECT count(*), sum((p.s::text = v.s)::int) AS identical
FROM (SELECT store, ratio_agg(n, d) AS s FROM vbig GROUP BY store) p JOIN vserial v USING (store);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

DROP TABLE visits, vr, vr_daily, rs, rs2, raw, vbig, vserial;

-- ---------------------------------------------------------------------------
-- 0.3: ratio_agg over integer, bigint, float8 and boolean, and ratio(s, digits)
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE typed(i int, j int, b bigint, c bigint, f float8, g float8, cond boolean);
INSERT INTO typed VALUES (1, 3, 1, 3, 0.1, 0.3, true), (2, 3, 2, 3, 0.2, 0.3, false),
                         (NULL, 1, NULL, 1, NULL, 1, NULL), (4, 5, 9007199254740993, 5, 0.7, 0.5, true);
-- integer and bigint sums are exact integers: 7 / 11; bigint 9007199254740996 / 11 (beyond 2^53,
-- exact); float8 values are taken as the decimals they print: 1.0 / 1.1; boolean: 2 of 3 rows
SELECT ratio_agg(i, j) AS ints, ratio_agg(b, c) AS bigints, ratio_agg(f, g) AS floats,
       ratio_agg(cond) AS share_true FROM typed;
SELECT ratio(ratio_agg(i, j)) = 7 / 11::float8 AS int_ratio,
       numerator(ratio_agg(b, c)) = 9007199254740996 AS bigint_exact,
       ratio(ratio_agg(f, g)) = ratio(ratio_agg(f::numeric, g::numeric)) AS float_as_decimal,
       ratio(ratio_agg(cond)) = 2 / 3::float8 AS bool_share,
       ratio(ratio_agg(cond)) = avg(cond::int)::float8 AS bool_is_avg
FROM typed;
-- the same summary type: integer, float8 and boolean summaries roll up together
SELECT rollup(s) FROM (SELECT ratio_agg(i, j) s FROM typed UNION ALL SELECT ratio_agg(f, g) FROM typed
                       UNION ALL SELECT ratio_agg(cond) FROM typed) t;
-- float8 sums do not depend on the order of the rows (sum(float8) does): 500 times each of
-- 0.1, 0.2, ... 1.0 is exactly 500 * 5.5 = 2750.0
SELECT numerator(ratio_agg(x, 1::float8 ORDER BY x)) = numerator(ratio_agg(x, 1::float8 ORDER BY x DESC)) AS order_free,
       numerator(ratio_agg(x, 1::float8)) AS exact_sum
FROM (SELECT ((i % 10 + 1) / 10.0)::float8 AS x FROM generate_series(1, 5000) i) t;
-- 0.1 + 0.2: exactly 0.3 as a decimal sum
SELECT numerator(ratio_agg(x, 1)) FROM (VALUES (0.1::float8), (0.2::float8)) v(x);
-- mixed argument types resolve to the widest form: (int, numeric) numeric, (int, float8) float8,
-- (int, bigint) bigint
CREATE TEMP VIEW ratio_resolved AS
SELECT ratio_agg(i, 1.5) AS int_numeric, ratio_agg(i, g) AS int_float, ratio_agg(i, c) AS int_bigint,
       ratio_agg(cond) AS bool FROM typed;
SELECT pg_get_viewdef('ratio_resolved'::regclass);
-- bad float8 input (22023)
SELECT ratio_agg(x, 1::float8) FROM (VALUES ('NaN'::float8)) v(x);
SELECT ratio_agg(1::float8, x) FROM (VALUES ('Infinity'::float8)) v(x);
-- integer overflow of the 128-bit part goes to the exact numeric overflow part
SELECT numerator(ratio_agg(9223372036854775807::bigint, 1::bigint)) = 9223372036854775807::numeric * 30000 AS big_exact
FROM generate_series(1, 30000);
-- parallel aggregation of each form equals the serial result
CREATE TABLE ratio_typed_big AS
SELECT i % 4 AS g, i AS n, i % 7 + 1 AS d, (i % 100) / 8.0::float8 AS f, i % 3 = 0 AS c
FROM generate_series(1, 30000) i;
ANALYZE ratio_typed_big;
CREATE TEMP TABLE ratio_typed_serial AS
SELECT g, ratio_agg(n, d)::text a, ratio_agg(n::bigint, d::bigint)::text b, ratio_agg(f, f + 1)::text f,
       ratio_agg(c)::text c FROM ratio_typed_big GROUP BY g;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT count(*) AS groups, bool_and(p.a = s.a AND p.b = s.b AND p.f = s.f AND p.c = s.c) AS parallel_equal
FROM (SELECT g, ratio_agg(n, d)::text a, ratio_agg(n::bigint, d::bigint)::text b, ratio_agg(f, f + 1)::text f,
             ratio_agg(c)::text c FROM ratio_typed_big GROUP BY g) p JOIN ratio_typed_serial s USING (g);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE ratio_typed_big;
-- ratio(s, digits): numeric, rounded half away from zero once from the exact sums:
-- 1/8 = 0.125 -> 0.13, -1/8 -> -0.13, 2/3 -> 0.667, 7/11 -> 0.6364; denominator 0 -> NULL
SELECT ratio(ratio_agg(1, 8), 2) AS r1, ratio(ratio_agg(-1, 8), 2) AS r2, ratio(ratio_agg(2, 3), 3) AS r3,
       ratio(ratio_agg(7, 11), 4) AS r4, ratio(ratio_agg(7, 11), 0) AS r5, ratio(ratio_agg(1, 0), 2) AS r6,
       ratio(ratio_agg(1, -8), 2) AS r7;
-- one rounding: 0.124999999999999999999 (21 nines) is not rounded twice into 0.13
SELECT ratio(ratio_agg(124999999999999999999999, 1000000000000000000000000), 2) AS r;
-- against round() of the exact quotient for many fractions
SELECT count(*) AS fractions, count(*) FILTER (WHERE r <> e) AS differ
FROM (SELECT ratio(ratio_agg(a, b), 3) AS r, round(a::numeric / b, 3) AS e
      FROM generate_series(-40, 40) a, generate_series(1, 40) b GROUP BY a, b) t;
SELECT ratio(ratio_agg(1, 3), -1);
SELECT ratio(ratio_agg(1, 3), 1001);
-- float8 values from tiny to huge (the 128-bit path and the numeric path for what does not fit)
-- sum exactly the decimals they print: the same summary as the printed decimals summed as numeric
-- (printed with extra_float_digits = 1, PostgreSQL's default: the shortest decimal; ratio_agg
-- itself always takes the shortest decimal, whatever the session's setting)
SET extra_float_digits = 1;
SELECT ratio_agg(x, y)::text = ratio_agg(x::text::numeric, y::text::numeric)::text AS same_as_printed,
       row_count(ratio_agg(x, y))
FROM (VALUES (1e300::float8, 1.5e-7::float8), (-0.0, 123456789012345680000), (1e-300, 2.5),
             (5e-324, 1.7976931348623157e308), (0.1, 0.2), (-123.456, 1e21), (1e22, -1e-5)) v(x, y);
SET extra_float_digits = 0;
