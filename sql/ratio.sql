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
