-- sql/abc.sql: abc_summary, abc_agg, rollup, abc_classify.
SET search_path = retail_kpi, public;

-- ===== a small case by hand
-- positive total = 50 + 15 + 15 + 15 + 5 = 100
--   top   50          cum 0.50  A
--   Zeta  15          cum 0.65  A   (three-way tie at 15: item bytes ascending,
--   apple 15.0        cum 0.80  A    'Z' = 0x5A sorts before 'a' = 0x61;
--   beta  15.00       cum 0.95  B    0.80 <= a_cut and 0.95 <= b_cut: the cut is inclusive)
--   tail  5           cum 1.00  C
--   zero  0           D (left out of the total, listed last, shares NULL)
--   neg   -4 + -6     D
-- rows with a NULL item or value are skipped
CREATE TABLE abc_small (item text, value numeric);
INSERT INTO abc_small VALUES
  ('top', 30), ('top', 20), ('beta', 7.25), ('beta', 7.75), ('apple', 15.0), ('Zeta', 15),
  ('tail', 5), ('zero', 0), ('neg', -4), ('neg', -6), (NULL, 100), ('top', NULL);
SELECT abc_agg(item, value) FROM abc_small;
SELECT * FROM abc_classify((SELECT abc_agg(item, value) FROM abc_small));
-- other cut-offs: A while cum <= 0.5, B while cum <= 0.8
SELECT item, abc_class FROM abc_classify((SELECT abc_agg(item, value) FROM abc_small), a_cut => 0.5, b_cut => 0.8);
-- b_cut = 1: no class C
SELECT item, abc_class FROM abc_classify((SELECT abc_agg(item, value) FROM abc_small), 0.6, 1);
-- a single item that alone is above a_cut is class B or C, not A (the rule is literal)
SELECT * FROM abc_classify('(v1,rows=2,"big"=90,"small"=10)');
-- only non-positive values: everything is D
SELECT * FROM abc_classify('(v1,rows=2,"a"=0,"b"=-1.5)');
-- accessors; empty input gives NULL
SELECT row_count(s), item_count(s) FROM (SELECT abc_agg(item, value) s FROM abc_small) q;
SELECT abc_agg(item, value) IS NULL AS empty_is_null FROM abc_small WHERE false;
SELECT abc_agg(item, value) IS NULL AS all_null_is_null FROM abc_small WHERE item IS NULL OR value IS NULL;
-- an empty summary (from text) has no rows
SELECT count(*) FROM abc_classify('(v1,rows=0)');

-- ===== text form: exact round trip, quoting, any input order
SELECT s::text, s::text::abc_summary::text = s::text AS round_trip
FROM (SELECT abc_agg(item, value) s FROM abc_small) q;
SELECT '(v1,rows=4,"b"=1,"a\"b"=2.50,"c\\d"=-3,"=,)"=0)'::abc_summary;
SELECT item FROM abc_classify('(v1,rows=4,"b"=1,"a\"b"=2.50,"c\\d"=-3,"=,)"=0)');
SELECT ' (v1,rows=1,"ü"=1) '::abc_summary;
-- malformed text (22P02)
SELECT 'v1,rows=1'::abc_summary;
SELECT '(v2,rows=1)'::abc_summary;
SELECT '(v1,rows=-1)'::abc_summary;
SELECT '(v1,rows=1,a=1)'::abc_summary;
SELECT '(v1,rows=1,"a=1)'::abc_summary;
SELECT '(v1,rows=1,"a"=NaN)'::abc_summary;
SELECT '(v1,rows=1,"a"=1e5)'::abc_summary;
SELECT '(v1,rows=2,"a"=1,"a"=2)'::abc_summary;
SELECT '(v1,rows=1,"a"=1,"b"=2)'::abc_summary;
SELECT '(v1,rows=1,"a"=1) x'::abc_summary;
SELECT '(v1,rows=1,"a\x"=1)'::abc_summary;

-- ===== binary form: COPY round trip
SELECT current_setting('data_directory') || '/rk_abc_regress.bin' AS binfile \gset
CREATE TABLE abc_bin (s abc_summary);
INSERT INTO abc_bin SELECT abc_agg(item, value) FROM abc_small;
INSERT INTO abc_bin VALUES ('(v1,rows=4,"b"=1,"a\"b"=2.50,"c\\d"=-3,"=,)"=0)'), ('(v1,rows=0)');
COPY abc_bin TO :'binfile' (FORMAT binary);
CREATE TABLE abc_bin2 (s abc_summary);
COPY abc_bin2 FROM :'binfile' (FORMAT binary);
SELECT (SELECT array_agg(s::text ORDER BY s::text) FROM abc_bin) =
       (SELECT array_agg(s::text ORDER BY s::text) FROM abc_bin2) AS binary_round_trip,
       (SELECT count(*) FROM abc_bin2) AS n;
-- hand-made binary values (written as bytea, read back as abc_summary):
-- version 1, kind 'a', rows 1, 1 item, len 1, "x", scale 2, value 0 * 2^64 + 505 -> x = 5.05
CREATE TABLE abc_raw (b bytea);
INSERT INTO abc_raw VALUES ('\x016100000000000000010000000100000001780002000000000000000000000000000001f9');
COPY abc_raw TO :'binfile' (FORMAT binary);
TRUNCATE abc_bin2;
COPY abc_bin2 FROM :'binfile' (FORMAT binary);
SELECT s FROM abc_bin2;
-- corrupt binary values are rejected (22000)
CREATE FUNCTION abc_try_recv(raw bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE abc_raw; TRUNCATE abc_bin2;
  INSERT INTO abc_raw VALUES (raw);
  EXECUTE format('COPY abc_raw TO %L (FORMAT binary)', current_setting('data_directory') || '/rk_abc_regress.bin');
  EXECUTE format('COPY abc_bin2 FROM %L (FORMAT binary)', current_setting('data_directory') || '/rk_abc_regress.bin');
  RETURN (SELECT s::text FROM abc_bin2);
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
-- the same value through the function, then a negative value: -505 at scale 2 = -5.05
SELECT abc_try_recv('\x016100000000000000010000000100000001780002000000000000000000000000000001f9');
SELECT abc_try_recv('\x016100000000000000010000000100000001780002fffffffffffffffffffffffffffffe07');
SELECT abc_try_recv('\x026100000000000000010000000100000001780002000000000000000000000000000001f9');  -- version 2
SELECT abc_try_recv('\x016200000000000000010000000100000001780002000000000000000000000000000001f9');  -- kind 'b'
SELECT abc_try_recv('\x016100000000000000010000000100000001780002000000000000000000000000000001');    -- truncated
SELECT abc_try_recv('\x016100000000000000010000000100000001780002000000000000000000000000000001f900'); -- trailing byte
SELECT abc_try_recv('\x016100000000000000010000000100000001780027000000000000000000000000000001f9');  -- scale 39
SELECT abc_try_recv('\x016100000000000000000000000100000001780002000000000000000000000000000001f9');  -- 1 item, 0 rows
SELECT abc_try_recv('\x016100000000000000020000000200000001780002000000000000000000000000000001f900000001780002000000000000000000000000000001f9'); -- duplicate item
SELECT abc_try_recv('\x016100000000000000010000000100000064780002000000000000000000000000000001f9');  -- name length beyond the end
SELECT abc_try_recv('\x01610000000000000001000000010000000278000002000000000000000000000000000001f9'); -- zero byte in the name
-- found by test/t_fuzz_summaries.sh: a negative name length is corrupt (22000), not a protocol error
SELECT abc_try_recv('\x0161000000000000000100000001ffffffff28706172656e2900000000000000000000000000000000048f');
-- found by the fuzzer: every 128-bit sum the binary form (or an aggregate) can hold has a text form
-- that reads back, e.g. 39 digits spread over 11 base-10000 digits, and -2^127
SELECT abc_try_recv('\x016100000000000000010000000100000003783d7900027fffffff0000000000000000000057f7');
SELECT abc_try_recv('\x016100000000000000010000000100000003783d7900027fffffff0000000000000000000057f7')::abc_summary::text
       AS read_back;
SELECT s::text, s::text::abc_summary::text = s::text AS round_trip
FROM (SELECT abc_agg('x', v) AS s
      FROM (VALUES (850705916906205346039557219268136601.05), (850705916906205346039557219268136601.06)) t(v)) q;
SELECT s::text, s::text::abc_summary::text = s::text AS round_trip
FROM (SELECT abc_agg('x', v) AS s FROM (VALUES (-170141183460469231731687303715884105727), (-1)) t(v)) q;
SELECT '(v1,rows=1,"x"=170141183460469231731687303715884105728)'::abc_summary;  -- 2^127: 22003

-- ===== exact sums: per item value equals sum(numeric) digit for digit
CREATE TABLE abc_t (item text, value numeric, store int);
INSERT INTO abc_t
SELECT 'sku' || lpad(((g * 7919) % 3000)::text, 4, '0'),
       CASE WHEN g % 13 = 0 THEN NULL ELSE ((g * 31) % 1001 - 40)::numeric / 100 END,
       g % 7
FROM generate_series(1, 30000) g;
-- returns: items ret0 .. ret19 with sums <= 0 (ret0, ret5, ret10, ret15 sum to 0): class D
INSERT INTO abc_t SELECT 'ret' || (g % 20), -(g % 5)::numeric, g % 7 FROM generate_series(1, 200) g;
ANALYZE abc_t;
SELECT count(*) AS items, count(*) FILTER (WHERE c.value = h.value) AS equal_digits,
       count(*) FILTER (WHERE c.value::text = h.value::text) AS equal_text
FROM abc_classify((SELECT abc_agg(item, value) FROM abc_t)) c
JOIN (SELECT item, sum(value) AS value FROM abc_t GROUP BY item HAVING count(value) > 0) h USING (item);
-- a very large item next to values with 20 decimals: the item sums stay exact; the total
-- (10^23 at scale 20 does not fit in 128 bits) falls back to numeric
CREATE TABLE abc_huge AS SELECT item, value FROM abc_t
  UNION ALL VALUES ('sku-huge', 123456789012345678901234.5678), ('sku-huge', 0.0001);
SELECT count(*) AS items, count(*) FILTER (WHERE c.value::text = h.value::text) AS equal_text,
       max(c.value) AS huge, min(c.cumulative_share) FILTER (WHERE c.item = 'sku-huge') AS huge_cum,
       count(*) FILTER (WHERE c.abc_class = 'C') AS class_c
FROM abc_classify((SELECT abc_agg(item, value) FROM abc_huge)) c
JOIN (SELECT item, sum(value) AS value FROM abc_huge GROUP BY item HAVING count(value) > 0) h USING (item);

-- ===== classification equals the hand-written SQL (window functions)
WITH s AS (SELECT item, sum(value) AS value FROM abc_t WHERE value IS NOT NULL GROUP BY item),
total AS (SELECT sum(value) AS total FROM s WHERE value > 0),
hand AS (
  SELECT item, value,
         row_number() OVER (ORDER BY value DESC, item COLLATE "C") AS rank,
         CASE WHEN value > 0 THEN value / total END AS share,
         CASE WHEN value > 0 THEN sum(value) OVER (ORDER BY value DESC, item COLLATE "C" ROWS UNBOUNDED PRECEDING) / total END AS cum
  FROM s, total),
hand_class AS (
  SELECT *, CASE WHEN value <= 0 THEN 'D' WHEN cum <= 0.8 THEN 'A' WHEN cum <= 0.95 THEN 'B' ELSE 'C' END AS cls FROM hand),
ours AS (
  SELECT c.*, row_number() OVER () AS rank
  FROM abc_classify((SELECT abc_agg(item, value) FROM abc_t)) c)
SELECT count(*) AS items,
       count(*) FILTER (WHERE o.rank = h.rank) AS same_rank,
       count(*) FILTER (WHERE o.abc_class = h.cls) AS same_class,
       count(*) FILTER (WHERE abs(o.share - h.share::float8) <= 1e-15 * o.share OR (o.share IS NULL AND h.share IS NULL)) AS same_share,
       count(*) FILTER (WHERE abs(o.cumulative_share - h.cum::float8) <= 1e-15 OR (o.cumulative_share IS NULL AND h.cum IS NULL)) AS same_cum
FROM ours o JOIN hand_class h USING (item);
SELECT abc_class, count(*), round(sum(share)::numeric, 12) AS share
FROM abc_classify((SELECT abc_agg(item, value) FROM abc_t)) GROUP BY 1 ORDER BY 1;

-- ===== rollup: per-store summaries roll up to the same summary as the raw rows
CREATE TABLE abc_by_store AS SELECT store, abc_agg(item, value) AS s FROM abc_t GROUP BY store;
SELECT (SELECT rollup(s) FROM abc_by_store)::text = (SELECT abc_agg(item, value) FROM abc_t)::text AS rollup_equal;
-- the same item of different stores is summed
SELECT rollup(s) FROM (VALUES ('(v1,rows=2,"a"=1.5,"b"=2)'::abc_summary), ('(v1,rows=1,"a"=-0.25)'), (NULL)) v(s);
SELECT rollup(s) IS NULL AS rollup_of_nulls FROM (VALUES (NULL::abc_summary)) v(s);
-- combine called directly (outside an aggregate) handles NULLs
SELECT abc_summary_combine(NULL, '(v1,rows=1,"a"=1)'), abc_summary_combine('(v1,rows=1,"a"=1)', NULL),
       abc_summary_combine(NULL, NULL) IS NULL AS both_null, abc_summary_combine('(v1,rows=1,"a"=1)', '(v1,rows=1,"a"=2)');
-- grouped and sorted aggregation give the same summaries as hashed aggregation
SET enable_hashagg = off;
CREATE TABLE abc_by_store_sorted AS SELECT store, abc_agg(item, value) AS s FROM abc_t GROUP BY store;
RESET enable_hashagg;
SELECT count(*) AS stores, count(*) FILTER (WHERE a.s::text = b.s::text) AS equal
FROM abc_by_store a JOIN abc_by_store_sorted b USING (store);
-- as a window aggregate (running summary over stores)
SELECT store, items_so_far,
       items_so_far = (SELECT count(DISTINCT item) FROM abc_t t WHERE t.store <= w.store AND t.value IS NOT NULL) AS matches_sql
FROM (SELECT store, item_count(rollup(s) OVER (ORDER BY store)) AS items_so_far FROM abc_by_store) w ORDER BY store;

-- ===== forced parallel plan gives the same summary as the serial plan
CREATE TABLE abc_serial AS SELECT abc_agg(item, value) AS s FROM abc_t;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT abc_agg(item, value) FROM abc_t;
SELECT (SELECT abc_agg(item, value) FROM abc_t)::text = (SELECT s::text FROM abc_serial) AS parallel_equal;
EXPLAIN (COSTS OFF) SELECT store, abc_agg(item, value) FROM abc_t GROUP BY store;
SELECT count(*) FILTER (WHERE p.s::text = b.s::text) AS parallel_grouped_equal
FROM (SELECT store, abc_agg(item, value) AS s FROM abc_t GROUP BY store) p
JOIN abc_by_store_sorted b USING (store);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- ===== bad input
SELECT abc_agg(item, value) FROM (VALUES ('a', 'NaN'::numeric)) v(item, value);
SELECT abc_agg(item, value) FROM (VALUES ('a', 'Infinity'::numeric)) v(item, value);
SELECT * FROM abc_classify('(v1,rows=1,"a"=1)', 0, 0.5);
SELECT * FROM abc_classify('(v1,rows=1,"a"=1)', 0.9, 0.8);
SELECT * FROM abc_classify('(v1,rows=1,"a"=1)', 0.8, 0.8);
SELECT * FROM abc_classify('(v1,rows=1,"a"=1)', 0.8, 1.5);
SELECT * FROM abc_classify('(v1,rows=1,"a"=1)', -0.1, 0.5);
SELECT * FROM abc_classify('(v1,rows=1,"a"=1)', 'NaN', 0.9);
SELECT count(*) FROM abc_classify('(v1,rows=1,"a"=1)', NULL, 0.9);  -- strict: no rows
-- an item sum that leaves the exact 128-bit range (22003)
SELECT abc_agg('a', 99999999999999999999999999999999999999) FROM generate_series(1, 2);

-- ===== the examples of docs/abc.md
SELECT item, value, round(share::numeric, 4) AS share,
       round(cumulative_share::numeric, 4) AS cumulative_share, abc_class
FROM abc_classify((SELECT abc_agg(item, value) FROM abc_small));
SELECT abc_class, count(*) AS items, sum(value) AS value
FROM abc_classify((SELECT rollup(s) FROM abc_by_store), a_cut => 0.7, b_cut => 0.9)
GROUP BY abc_class ORDER BY abc_class;

DROP FUNCTION abc_try_recv(bytea);
DROP TABLE abc_small, abc_huge, abc_bin, abc_bin2, abc_raw, abc_t, abc_by_store, abc_by_store_sorted,
           abc_serial;

-- ---------------------------------------------------------------------------
-- 0.3: abc_ranking: rank, cumulative share before the item, cut_rule.  Values 50, 35, 10, 5
-- (total 100), 0 and -3: cumulative shares 0.5, 0.85, 0.95, 1 and before 0, 0.5, 0.85, 0.95.
-- 'including' (as abc_classify): A <= 0.8, B <= 0.95 -> A, B, B, C;
-- 'before': A while before < 0.8, B while before < 0.95 -> A, A (b crosses 0.8), B, C.
-- ---------------------------------------------------------------------------
CREATE TEMP TABLE abc_rank_in AS
SELECT abc_agg(i, v) AS s FROM (VALUES ('a', 50), ('b', 35), ('c', 10), ('d', 5), ('e', 0), ('f', -3)) t(i, v);
SELECT * FROM abc_ranking((SELECT s FROM abc_rank_in));
SELECT rank, item, abc_class FROM abc_ranking((SELECT s FROM abc_rank_in), cut_rule => 'before');
-- abc_ranking 'including' gives abc_classify's rows and classes; rank is the row order, and the
-- cumulative share before an item is the previous item's cumulative share
CREATE TEMP TABLE abc_rank_rows AS
SELECT 'sku' || (i % 997) AS k, ((i * 7919) % 1009) / 10.0 - 5 AS v FROM generate_series(1, 20000) i;
SELECT count(*) AS rows,
       count(*) FILTER (WHERE (r.item, r.value, r.share, r.cumulative_share, r.abc_class)
                              IS DISTINCT FROM (c.item, c.value, c.share, c.cumulative_share, c.abc_class)) AS differ,
       bool_and(r.cumulative_share_before IS NOT DISTINCT FROM lag_cs) AS before_is_previous
FROM (SELECT *, CASE WHEN rank = 1 THEN 0 ELSE lag(cumulative_share) OVER (ORDER BY rank) END AS lag_cs
      FROM abc_ranking((SELECT abc_agg(k, v) FROM abc_rank_rows))) r
JOIN (SELECT row_number() OVER () AS rank, * FROM abc_classify((SELECT abc_agg(k, v) FROM abc_rank_rows))) c
  USING (rank);
-- 'before' puts exactly the crossing items one class higher: classes by hand from the
-- cumulative share before each item
SELECT count(*) FILTER (WHERE abc_class <> CASE WHEN value <= 0 THEN 'D'
                                                WHEN cumulative_share_before < 0.7 THEN 'A'
                                                WHEN cumulative_share_before < 0.9 THEN 'B' ELSE 'C' END) AS differ,
       count(*) FILTER (WHERE abc_class = 'A') AS a_items
FROM abc_ranking((SELECT abc_agg(k, v) FROM abc_rank_rows), 0.7, 0.9, 'before');
SELECT count(*) FROM abc_ranking((SELECT s FROM abc_rank_in), cut_rule => 'after');
SELECT count(*) FROM abc_ranking((SELECT s FROM abc_rank_in), 0.9, 0.8);
