-- sql/distinct.sql: distinct_summary, distinct_agg, rollup, distinct_count, set operations
SET search_path = retail_kpi, public;

-- ===== normal use, computed by hand
-- orders 10, 11, 11, 12, NULL: three distinct orders (NULL keys are skipped)
SELECT distinct_agg(k), distinct_count(distinct_agg(k))
FROM (VALUES (10::bigint), (11), (11), (12), (NULL)) v(k);
-- only NULL keys, or no rows: NULL (like every aggregate of the extension)
SELECT distinct_agg(k) IS NULL AS only_nulls FROM (VALUES (NULL::bigint)) v(k);
SELECT distinct_agg(k) IS NULL AS no_rows FROM (VALUES (1::bigint)) v(k) WHERE false;
-- the whole bigint range: both ends, negatives, zero; ranges across container boundaries
-- (65535, 65536 are in different 65536-key chunks) are merged in the text form
SELECT distinct_agg(k)
FROM (VALUES (9223372036854775807::bigint), (-9223372036854775808), (-1), (0), (1), (65535), (65536),
             (-65536), (-65537), (9223372036854775806)) v(k);
-- customers per store and per region: a customer who visits two stores is one customer
CREATE TABLE visits (store int, region text, customer bigint);
INSERT INTO visits VALUES
  (1, 'north', 100), (1, 'north', 101), (1, 'north', 100),   -- store 1: {100, 101}
  (2, 'north', 101), (2, 'north', 102),                      -- store 2: {101, 102}
  (3, 'south', 100), (3, 'south', NULL);                     -- store 3: {100}
CREATE TABLE store_customers AS
SELECT store, region, distinct_agg(customer) AS s FROM visits GROUP BY store, region;
-- per store 2, 2, 1; north = |{100, 101, 102}| = 3 (not 2 + 2 = 4); south = 1; all = 3
SELECT store, distinct_count(s) FROM store_customers ORDER BY store;
SELECT region, distinct_count(rollup(s)), rollup(s) FROM store_customers GROUP BY region ORDER BY region;
SELECT region, rollup_count(s) FROM store_customers GROUP BY region ORDER BY region;
SELECT distinct_count(rollup(s)) AS all_stores FROM store_customers;
-- set operations: store 1 {100, 101} and store 2 {101, 102}:
-- both {101} = 1, either {100, 101, 102} = 3, store 1 only {100} = 1
SELECT intersection_count(a.s, b.s), union_count(a.s, b.s), difference_count(a.s, b.s),
       difference_count(b.s, a.s), distinct_intersection(a.s, b.s), distinct_union(a.s, b.s),
       distinct_difference(a.s, b.s)
FROM store_customers a, store_customers b WHERE a.store = 1 AND b.store = 2;
SELECT distinct_contains(s, 100) AS has_100, distinct_contains(s, 102) AS has_102,
       distinct_contains(s, -100) AS has_minus_100
FROM store_customers WHERE store = 1;
-- an empty result is an empty summary (count 0), not NULL
SELECT distinct_intersection(a, b), distinct_count(distinct_intersection(a, b)),
       distinct_difference(a, a), intersection_count(a, b)
FROM (VALUES ('(v1,count=2,keys=1..2)'::distinct_summary, '(v1,count=1,keys=3)'::distinct_summary)) v(a, b);
SELECT distinct_count('(v1,count=0,keys=)'), union_count('(v1,count=0,keys=)', '(v1,count=2,keys=-3,3)');
-- NULL arguments: the functions are strict
SELECT distinct_count(NULL) IS NULL AS count_null, intersection_count(NULL, '(v1,count=0,keys=)') IS NULL AS op_null;
-- average order value over distinct orders: 3 order lines of 2 orders, revenue 30 -> 15
SELECT sum(revenue) / distinct_count(distinct_agg(order_id)) AS avg_order_value
FROM (VALUES (1::bigint, 10), (1, 5), (2, 15)) v(order_id, revenue);

-- ===== text keys: the 64-bit hash hashtextextended(key, 0)
SELECT distinct_count(distinct_agg(t)) AS text_keys
FROM (VALUES ('a'), ('b'), ('a'), (''), (NULL), ('é中文')) v(t);   -- 4: a, b, '', é中文
SELECT distinct_agg(t)::text = distinct_agg(hashtextextended(t, 0))::text AS same_as_hash
FROM (SELECT 'customer-' || g AS t FROM generate_series(1, 5000) g) s;

-- ===== random data: equal to count(DISTINCT) per group, for many key shapes
SELECT setseed(0.25);
CREATE TABLE rnd AS
SELECT g, g % 7 AS grp, g % 31 AS part,
       (random() * 1000)::bigint AS dense,                                    -- small dense range
       (random() * 2000000)::bigint - 1000000 AS negative,                    -- around zero
       ((random() - 0.5) * 1.8e19)::numeric(20)::bigint AS huge,              -- the whole range
       (random() * 40)::bigint * 1000000007 AS sparse,                        -- far apart
       CASE g % 4 WHEN 0 THEN g WHEN 1 THEN -g * 65536 WHEN 2 THEN 9223372036854775807 - g % 50
                  ELSE (random() * 300000)::bigint END AS mixed,             -- runs, arrays, bitmaps
       CASE WHEN g % 13 = 0 THEN NULL ELSE g % 5000 END::bigint AS with_nulls
FROM generate_series(1::bigint, 60000) g;
CREATE TEMP VIEW shapes AS
SELECT grp, 'dense' AS shape, dense AS k FROM rnd UNION ALL
SELECT grp, 'negative', negative FROM rnd UNION ALL
SELECT grp, 'huge', huge FROM rnd UNION ALL
SELECT grp, 'sparse', sparse FROM rnd UNION ALL
SELECT grp, 'mixed', mixed FROM rnd UNION ALL
SELECT grp, 'with_nulls', with_nulls FROM rnd;
SELECT shape, count(*) AS groups, sum((a.n = b.n)::int) AS equal, sum(b.n) AS total_distinct
FROM (SELECT shape, grp, distinct_count(distinct_agg(k)) n FROM shapes GROUP BY 1, 2) a
JOIN (SELECT shape, grp, count(DISTINCT k) n FROM shapes GROUP BY 1, 2) b USING (shape, grp)
GROUP BY shape ORDER BY shape;
-- the summary holds exactly the keys: every key is contained, and the text lists the same keys
SELECT shape, bool_and(distinct_contains(s, k)) AS all_contained, count(*) AS keys_tried
FROM shapes JOIN (SELECT shape, grp, distinct_agg(k) s FROM shapes GROUP BY 1, 2) t USING (shape, grp)
WHERE k IS NOT NULL AND k % 3 = 0 GROUP BY shape ORDER BY shape;
SELECT count(*) FILTER (WHERE distinct_contains(s, x)) AS false_positives
FROM (SELECT distinct_agg(dense * 2) s FROM rnd) t, generate_series(1, 1999, 2) x;
-- a whole table at once equals count(DISTINCT), and the text form is exact:
-- the keys recovered from the text (ranges expanded) are the distinct keys
SELECT distinct_count(distinct_agg(mixed)) = count(DISTINCT mixed) AS mixed_equal FROM rnd;
WITH s AS (SELECT distinct_agg(mixed)::text AS txt FROM rnd),
items AS (SELECT regexp_split_to_table(substring(txt FROM 'keys=(.*)\)$'), ',') AS it FROM s),
keys AS (SELECT generate_series(split_part(it, '..', 1)::bigint,
                                coalesce(nullif(split_part(it, '..', 2), ''), it)::bigint) AS k FROM items)
SELECT (SELECT count(*) FROM keys) AS from_text,
       (SELECT count(*) FROM (SELECT k FROM keys EXCEPT SELECT mixed FROM rnd) x) AS not_in_data,
       (SELECT count(*) FROM (SELECT mixed FROM rnd EXCEPT SELECT k FROM keys) x) AS missing;

-- ===== rollup of partial summaries = the summary of all rows
CREATE TABLE partials (shape text, grp int, part int, s distinct_summary);
INSERT INTO partials
SELECT v.shape, r.grp, r.part, distinct_agg(CASE v.shape WHEN 'dense' THEN r.dense WHEN 'negative' THEN r.negative
                                               WHEN 'huge' THEN r.huge WHEN 'sparse' THEN r.sparse
                                               WHEN 'mixed' THEN r.mixed ELSE r.with_nulls END)
FROM rnd r, (VALUES ('dense'), ('negative'), ('huge'), ('sparse'), ('mixed'), ('with_nulls')) v(shape)
GROUP BY 1, 2, 3;
SELECT count(*) AS groups, sum((a.s::text = b.s::text)::int) AS identical
FROM (SELECT shape, grp, rollup(s) s FROM partials GROUP BY 1, 2) a
JOIN (SELECT shape, grp, distinct_agg(k) s FROM shapes GROUP BY 1, 2) b USING (shape, grp);
-- rollup and distinct_union agree; rollup skips NULL summaries
SELECT (SELECT rollup(s) FROM partials WHERE shape = 'mixed' AND grp = 1 AND part IN (1, 2))::text
     = (SELECT distinct_union(a.s, b.s) FROM partials a, partials b
        WHERE a.shape = 'mixed' AND b.shape = 'mixed' AND a.grp = 1 AND b.grp = 1
          AND a.part = 1 AND b.part = 2)::text AS union_is_rollup;
SELECT rollup(s) FROM (VALUES (NULL::distinct_summary), ('(v1,count=1,keys=7)'), (NULL)) v(s);

-- ===== set-operation counts against SQL INTERSECT / EXCEPT / UNION
-- retention: customers of period a (rows with part < 16) who come back in period b (part >= 16)
CREATE TEMP TABLE shapes_p AS
SELECT 'dense' sh, dense k, part < 16 early FROM rnd UNION ALL
SELECT 'negative', negative, part < 16 FROM rnd UNION ALL
SELECT 'huge', huge, part < 16 FROM rnd UNION ALL
SELECT 'sparse', sparse, part < 16 FROM rnd UNION ALL
SELECT 'mixed', mixed, part < 16 FROM rnd UNION ALL
SELECT 'mixed_dense', CASE WHEN part < 16 THEN g ELSE g + 20000 END, part < 16 FROM rnd;
-- the same sets computed by SQL, per shape: (sh, k) pairs of both periods, of A only, of B only
CREATE TEMP TABLE sql_sets AS
WITH a AS (SELECT sh, k FROM shapes_p WHERE early), b AS (SELECT sh, k FROM shapes_p WHERE NOT early)
SELECT 'both' AS op, * FROM (SELECT * FROM a INTERSECT SELECT * FROM b) x UNION ALL
SELECT 'a_only', * FROM (SELECT * FROM a EXCEPT SELECT * FROM b) x UNION ALL
SELECT 'b_only', * FROM (SELECT * FROM b EXCEPT SELECT * FROM a) x UNION ALL
SELECT 'either', * FROM (SELECT * FROM a UNION SELECT * FROM b) x;
SELECT shape,
       intersection_count(a, b) = n_both AS inter_ok,
       difference_count(a, b) = n_a_only AS diff_ok,
       difference_count(b, a) = n_b_only AS diff_ba_ok,
       union_count(a, b) = n_either AS union_ok,
       -- (an empty result is the empty summary; distinct_agg over no rows is NULL)
       distinct_intersection(a, b)::text = coalesce(s_both::text, '(v1,count=0,keys=)') AS inter_summary_ok,
       distinct_difference(a, b)::text = coalesce(s_a_only::text, '(v1,count=0,keys=)') AS diff_summary_ok,
       distinct_union(a, b)::text = s_either::text AS union_summary_ok,
       intersection_count(a, b) AS inter
FROM (SELECT sh AS shape, distinct_agg(k) FILTER (WHERE early) a, distinct_agg(k) FILTER (WHERE NOT early) b
      FROM shapes_p GROUP BY sh) s
JOIN (SELECT sh AS shape,
             count(*) FILTER (WHERE op = 'both') AS n_both, count(*) FILTER (WHERE op = 'a_only') AS n_a_only,
             count(*) FILTER (WHERE op = 'b_only') AS n_b_only, count(*) FILTER (WHERE op = 'either') AS n_either,
             distinct_agg(k) FILTER (WHERE op = 'both') AS s_both,
             distinct_agg(k) FILTER (WHERE op = 'a_only') AS s_a_only,
             distinct_agg(k) FILTER (WHERE op = 'either') AS s_either
      FROM sql_sets GROUP BY sh) q USING (shape)
ORDER BY shape;

-- ===== size: 1,000,000 dense keys take a few hundred bytes (runs), every 3rd key about 377 kB
-- (bitmaps); 1,000,000 keys 100 apart about 2 MB (arrays) -- all under 2 bytes a key
SELECT pg_column_size(distinct_agg(g)) AS dense_bytes,
       pg_column_size(distinct_agg(g * 3)) AS every_third_bytes,
       pg_column_size(distinct_agg(g * 100)) AS spaced_bytes
FROM generate_series(1::bigint, 1000000) g;

-- ===== text form: round trip, canonical ranges, bad input
SELECT s::text = s::text::distinct_summary::text AS roundtrip, count(*)
FROM (SELECT distinct_agg(mixed) s FROM rnd GROUP BY grp UNION ALL
      SELECT distinct_agg(huge) FROM rnd GROUP BY grp) t GROUP BY 1;
-- input need not be canonical: adjacent ranges and single keys are merged on output
SELECT '(v1,count=6,keys=1,2,3..4,6..7)'::distinct_summary;
SELECT ' (v1,count=3,keys=-9223372036854775808..-9223372036854775806) '::distinct_summary;
SELECT '(v1,count=0,keys=)'::distinct_summary;
SELECT '(v1,count=3,keys=+1..3)'::distinct_summary;
CREATE FUNCTION pg_temp.try_in(txt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE detail text;
BEGIN
  PERFORM txt::distinct_summary;
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || coalesce(nullif(detail, ''), SQLERRM);
END $$;
SELECT name, txt, pg_temp.try_in(txt) FROM (VALUES
  (1, '(v2,count=1,keys=1)', 'unsupported version'),
  (2, '(v1,count=2,keys=1)', 'count larger than the keys'),
  (3, '(v1,count=1,keys=1,2)', 'count smaller than the keys'),
  (4, '(v1,count=2,keys=2,1)', 'not ascending'),
  (5, '(v1,count=3,keys=1..3,3)', 'overlap'),
  (6, '(v1,count=3,keys=3..1)', 'empty range'),
  (7, '(v1,count=1,keys=9223372036854775808)', 'beyond bigint'),
  (8, '(v1,count=1,keys=1.5)', 'not an integer'),
  (9, '(v1,count=1,keys=1 )', 'space'),
  (10, '(v1,count=1,keys=1,)', 'trailing comma'),
  (11, '(v1,count=-1,keys=)', 'negative count'),
  (12, '(v1,keys=1)', 'no count'),
  (13, '(v1,count=1)', 'no keys'),
  (14, '(v1,count=1,keys=1', 'no closing parenthesis'),
  (15, '(v1,count=1,keys=1) x', 'text after'),
  (16, '(v1,count=1,keys=1..)', 'range without end'),
  (17, '(v1,count=1,keys=..1)', 'range without start'),
  (18, '', 'empty')) v(n, txt, name) ORDER BY n;

-- ===== binary form: COPY round trip
SELECT current_setting('data_directory') || '/rk_distinct_regress.bin' AS binfile \gset
CREATE TABLE stored (k int, s distinct_summary);
INSERT INTO stored SELECT 1000 + grp, distinct_agg(mixed) FROM rnd GROUP BY grp;
INSERT INTO stored SELECT 2000 + grp, distinct_agg(huge) FROM rnd GROUP BY grp;
INSERT INTO stored SELECT 3000 + grp, distinct_agg(dense) FROM rnd GROUP BY grp;
INSERT INTO stored VALUES (1, '(v1,count=0,keys=)'), (2, '(v1,count=3,keys=-1..1)');
COPY stored TO :'binfile' (FORMAT binary);
CREATE TABLE stored2 (LIKE stored);
COPY stored2 FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, sum((a.s::text = b.s::text)::int) AS identical
FROM stored a JOIN stored2 b USING (k);
-- corrupt binary values are rejected with 22000 (the layout: version 0, kind 1, count 2-9,
-- chunk count 10-13, then per chunk its number 14-21, card 22-25, type 26, payload from 27)
CREATE TEMP TABLE good_bytes AS
SELECT distinct_summary_send('(v1,count=3,keys=1..2,5)'::distinct_summary) AS b;
SELECT b FROM good_bytes;
CREATE TEMP TABLE bad_bytes (name text, b bytea);
INSERT INTO bad_bytes SELECT 'version 2', set_byte(b, 0, 2) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'wrong kind', set_byte(b, 1, 109) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'truncated', substr(b, 1, length(b) - 1) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'header only', substr(b, 1, 12) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'trailing byte', b || '\x00'::bytea FROM good_bytes;
INSERT INTO bad_bytes SELECT 'count 4', set_byte(b, 9, 4) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'negative count', set_byte(b, 2, 255) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'many chunks', overlay(b PLACING '\x7fffffff'::bytea FROM 11) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'chunk number too big', set_byte(b, 14, 1) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'card 0', overlay(b PLACING '\x00000000'::bytea FROM 23) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'card 65537', overlay(b PLACING '\x00010001'::bytea FROM 23) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'unknown type', set_byte(b, 26, 7) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'array not ascending', set_byte(b, 32, 1) FROM good_bytes;
INSERT INTO bad_bytes SELECT 'array duplicate', set_byte(b, 32, 2) FROM good_bytes;
INSERT INTO bad_bytes  -- a bitmap container (5000 keys) with one bit flipped: popcount <> card
SELECT 'bitmap card', set_byte(b, 40, get_byte(b, 40) # 1)
FROM (SELECT distinct_summary_send(distinct_agg(g * 2)) b FROM generate_series(1::bigint, 5000) g) t;
INSERT INTO bad_bytes  -- two runs 1..10 and 21..30 (type 2, nruns at 27-28, runs from 29): overlap
SELECT 'runs overlap', set_byte(b, 34, 5)
FROM (SELECT distinct_summary_send('(v1,count=20,keys=1..10,21..30)') b) t;
INSERT INTO bad_bytes SELECT 'runs truncated', set_byte(b, 28, 3)
FROM (SELECT distinct_summary_send('(v1,count=20,keys=1..10,21..30)') b) t;
INSERT INTO bad_bytes SELECT 'run past the chunk', set_byte(set_byte(b, 35, 255), 36, 255)
FROM (SELECT distinct_summary_send('(v1,count=20,keys=1..10,21..30)') b) t;
CREATE TEMP TABLE recv_target (s distinct_summary);
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
SELECT pg_temp.try_recv(b, :'binfile') AS good FROM good_bytes;
SELECT pg_temp.try_recv(distinct_summary_send('(v1,count=20,keys=1..10,21..30)'), :'binfile') AS good_runs;
SELECT * FROM recv_target;
SELECT name, pg_temp.try_recv(b, :'binfile') FROM bad_bytes ORDER BY name;

-- ===== corrupt stored values (22000): a scratch type with bytea's I/O, binary-coercible to
-- distinct_summary, exposes the stored bytes after the length word: version 0, kind 1, flags 2-3,
-- chunk count 4-7, padding 8-11, count 12-19, directory (chunk << 16 | card - 1) 20-27, type 28,
-- payload from 29 (for one array container)
CREATE TYPE raw_distinct;
CREATE FUNCTION raw_distinct_in(cstring) RETURNS raw_distinct AS 'byteain' LANGUAGE internal IMMUTABLE STRICT;
CREATE FUNCTION raw_distinct_out(raw_distinct) RETURNS cstring AS 'byteaout' LANGUAGE internal IMMUTABLE STRICT;
CREATE TYPE raw_distinct (INPUT = raw_distinct_in, OUTPUT = raw_distinct_out, INTERNALLENGTH = VARIABLE, ALIGNMENT = double);
CREATE CAST (raw_distinct AS distinct_summary) WITHOUT FUNCTION;
CREATE CAST (distinct_summary AS raw_distinct) WITHOUT FUNCTION;
CREATE TEMP TABLE good_raw AS
SELECT '(v1,count=3,keys=1..2,5)'::distinct_summary::raw_distinct::text::bytea AS b;
SELECT b AS stored_bytes, (b::text::raw_distinct::distinct_summary)::text AS unchanged FROM good_raw;
CREATE TEMP TABLE bad_raw (name text, b bytea);
INSERT INTO bad_raw SELECT 'version 2', set_byte(b, 0, 2) FROM good_raw;
INSERT INTO bad_raw SELECT 'wrong kind', set_byte(b, 1, 109) FROM good_raw;
INSERT INTO bad_raw SELECT 'flags set', set_byte(b, 2, 1) FROM good_raw;
INSERT INTO bad_raw SELECT 'many chunks', set_byte(b, 7, 127) FROM good_raw;
INSERT INTO bad_raw SELECT 'padding set', set_byte(b, 8, 1) FROM good_raw;
INSERT INTO bad_raw SELECT 'count 4', set_byte(b, 12, 4) FROM good_raw;
INSERT INTO bad_raw SELECT 'card 4', set_byte(b, 20, 3) FROM good_raw;
INSERT INTO bad_raw SELECT 'unknown type', set_byte(b, 28, 9) FROM good_raw;
INSERT INTO bad_raw SELECT 'array not ascending', set_byte(b, 33, 1) FROM good_raw;
INSERT INTO bad_raw SELECT 'truncated', substr(b, 1, length(b) - 1) FROM good_raw;
INSERT INTO bad_raw SELECT 'header only', substr(b, 1, 16) FROM good_raw;
INSERT INTO bad_raw SELECT 'trailing byte', b || '\x00'::bytea FROM good_raw;
CREATE FUNCTION pg_temp.try_read(bad bytea) RETURNS text LANGUAGE plpgsql AS $$
DECLARE detail text;
BEGIN
  PERFORM distinct_count(bad::text::raw_distinct::distinct_summary);
  RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
  RETURN SQLSTATE || ': ' || SQLERRM || coalesce(' (' || nullif(detail, '') || ')', '');
END $$;
SELECT name, pg_temp.try_read(b) FROM bad_raw ORDER BY name;
-- every reader checks what it reads: rollup, set operations, text output, contains
CREATE TEMP TABLE unsorted AS
SELECT set_byte(b, 33, 1)::text::raw_distinct::distinct_summary AS s FROM good_raw;
SELECT rollup(s) FROM unsorted;
SELECT intersection_count(s, '(v1,count=1,keys=1)') FROM unsorted;
SELECT distinct_union(s, '(v1,count=1,keys=1)') FROM unsorted;
SELECT s::text FROM unsorted;
SELECT distinct_contains(s, 1) FROM unsorted;
SELECT distinct_contains((SELECT set_byte(b, 0, 2) FROM good_raw)::text::raw_distinct::distinct_summary, 1);
-- a run container (keys 1..10: one run, start 1 at bytes 31-32, length - 1 = 9 at bytes 33-34) rolled
-- into a bitmap chunk is set a word at a time, and checked like any other read: a wrong length, and a
-- run past the chunk's end (start 65281, length 256)
SELECT '(v1,count=10,keys=1..10)'::distinct_summary::raw_distinct::text::bytea AS run_bytes;
SELECT rollup_count(s) AS bitmap_then_run, rollup_count(s) FILTER (WHERE i = 1) AS bitmap_alone
FROM (VALUES (1, '(v1,count=6000,keys=1000..6999)'::distinct_summary), (2, '(v1,count=10,keys=1..10)'),
             (3, '(v1,count=4,keys=6998..7001)')) v(i, s);
SELECT rollup_count(s) FROM (VALUES (1, '(v1,count=6000,keys=1000..6999)'::distinct_summary),
                                    (2, set_byte('(v1,count=10,keys=1..10)'::distinct_summary::raw_distinct::text::bytea, 33, 20)::text::raw_distinct::distinct_summary)) v(i, s);
SELECT rollup_count(s) FROM (VALUES (1, '(v1,count=6000,keys=1000..6999)'::distinct_summary),
                                    (2, set_byte(set_byte('(v1,count=10,keys=1..10)'::distinct_summary::raw_distinct::text::bytea, 32, 255), 33, 255)::text::raw_distinct::distinct_summary)) v(i, s);
DROP TYPE raw_distinct CASCADE;

-- ===== support functions called outside an aggregate do not modify their input
SELECT distinct_agg_trans('(v1,count=1,keys=5)', 7::bigint) AS new_state,
       distinct_agg_trans(NULL, 7::bigint) AS first_row,
       distinct_agg_trans(NULL, NULL::bigint) IS NULL AS skipped,
       distinct_agg_trans('(v1,count=1,keys=5)', NULL::bigint) AS null_key;
SELECT distinct_summary_combine(NULL, NULL) IS NULL AS both_null,
       distinct_summary_combine('(v1,count=1,keys=5)', NULL) AS left_only,
       distinct_summary_combine(NULL, '(v1,count=1,keys=5)') AS right_only,
       distinct_summary_combine('(v1,count=1,keys=5)', '(v1,count=2,keys=4..5)') AS merged;

-- ===== parallel aggregation: forced parallel plan, Partial Aggregate, same result as serial
CREATE TABLE big AS
SELECT g % 10 AS grp, (g * 7919) % 150000 AS k, g % 1000 AS d FROM generate_series(1::bigint, 300000) g;
ANALYZE big;
CREATE TABLE serial_result AS
SELECT grp, distinct_agg(k::bigint)::text AS s, count(DISTINCT k) AS n FROM big GROUP BY grp;
CREATE TABLE big_daily AS SELECT grp, d, distinct_agg(k::bigint) AS s FROM big GROUP BY 1, 2;
ANALYZE big_daily;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT grp, distinct_agg(k::bigint) FROM big GROUP BY grp;
EXPLAIN (COSTS OFF) SELECT distinct_agg(k::bigint) FROM big;
SELECT count(*) AS groups, sum((p.s::text = sr.s AND distinct_count(p.s) = sr.n)::int) AS identical
FROM (SELECT grp, distinct_agg(k::bigint) AS s FROM big GROUP BY grp) p JOIN serial_result sr USING (grp);
SELECT distinct_count(distinct_agg(k::bigint)) = (SELECT count(DISTINCT k) FROM big) AS whole_table_parallel
FROM big;
EXPLAIN (COSTS OFF) SELECT grp, rollup(s) FROM big_daily GROUP BY grp;
SELECT count(*) AS groups, sum((p.s::text = sr.s)::int) AS identical
FROM (SELECT grp, rollup(s) AS s FROM big_daily GROUP BY grp) p JOIN serial_result sr USING (grp);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- ===== batches: distinct_agg buffers keys and merges sorted batches into the containers.
-- Each shape is checked against its text form written by plain SQL (maximal runs of consecutive
-- keys, gaps and islands), so the exact set is compared, not only the count.  Shapes: keys each
-- in its own chunk arriving in a scrambled order, three times each (duplicates across batches,
-- new chunks inserted between existing ones, batches that grow with the chunks); keys at chunk
-- boundaries and the extreme keys; one chunk filled past 4096 keys across batches (array to
-- bitmap) and one holding exactly 4096; tiny sets around the insertion-sort cutoff (64 keys).
CREATE TABLE batch_keys AS
SELECT 'spread' AS shape, ((g * 7919) % 30011 - 15000) * 4294967311 AS k
FROM generate_series(1::bigint, 90033) g
UNION ALL
SELECT 'chunk_edges', CASE WHEN c = 0 THEN -9223372036854775808 WHEN c = 1 THEN 9223372036854775807
                           ELSE (c * 37 % 4001 - 2000) * 65536 + o END
FROM generate_series(0, 4001) c, unnest(ARRAY[-1, 0, 1, 65535, 0]) o
UNION ALL
SELECT 'array_to_bitmap', 1000 * 65536 + (g * 13) % 5000 FROM generate_series(1, 15000) g
UNION ALL
SELECT 'full_array', -3 * 65536 + (g * 17) % 8192 FROM generate_series(1, 8192) g WHERE (g * 17) % 8192 % 2 = 0
UNION ALL
SELECT 'mixed', CASE WHEN g % 3 = 0 THEN g % 70000 WHEN g % 3 = 1 THEN -(g % 5000) * 65536 * 3 ELSE g * 100003 % 9000 END
FROM generate_series(1::bigint, 120000) g
UNION ALL
SELECT 'tiny_' || n, (g * 11) % n * 131072 FROM (VALUES (1), (63), (64), (65), (200)) v(n), generate_series(1, 2 * n) g;
CREATE TABLE batch_expected AS
SELECT shape, count(*) AS n,
       '(v1,count=' || sum(hi - lo + 1) || ',keys=' ||
       string_agg(CASE WHEN lo = hi THEN lo::text ELSE lo || '..' || hi END, ',' ORDER BY lo) || ')' AS txt
FROM (SELECT shape, min(k) AS lo, max(k) AS hi
      FROM (SELECT shape, k, k::numeric - row_number() OVER (PARTITION BY shape ORDER BY k) AS island
            FROM (SELECT DISTINCT shape, k FROM batch_keys) d) x
      GROUP BY shape, island) r
GROUP BY shape;
SELECT b.shape, e.n AS ranges, distinct_count(b.s) = (SELECT count(DISTINCT k) FROM batch_keys x WHERE x.shape = b.shape) AS count_ok,
       b.s::text = e.txt AS same_set
FROM (SELECT shape, distinct_agg(k) AS s FROM batch_keys GROUP BY shape) b JOIN batch_expected e USING (shape)
ORDER BY shape;
-- rollup of large and small summaries in turn: a summary with at least 1/16 of the state's chunks is
-- merged in one sorted pass, a smaller one chunk by chunk through the hash index
SELECT count(*) AS shapes, count(*) FILTER (WHERE r.s::text = e.txt) AS same_set
FROM (SELECT shape, rollup(s ORDER BY part) AS s
      FROM (SELECT shape, 2 * ((k % 3 + 3) % 3) AS part, distinct_agg(k) AS s FROM batch_keys GROUP BY 1, 2
            UNION ALL
            SELECT shape, 2 * ((k % 3 + 3) % 3) + 1, distinct_agg(k) FROM batch_keys WHERE (k % 1000 + 1000) % 1000 < 3 GROUP BY 1, 2) p
      GROUP BY shape) r JOIN batch_expected e USING (shape);
-- the same through a sort-based aggregate and a hash aggregate with a tiny work_mem (spilling)
SET enable_hashagg = off;
SELECT count(*) AS shapes, count(*) FILTER (WHERE b.s::text = e.txt) AS same_set
FROM (SELECT shape, distinct_agg(k) AS s FROM batch_keys GROUP BY shape) b JOIN batch_expected e USING (shape);
RESET enable_hashagg;
SET enable_sort = off;
SET work_mem = '64kB';
SELECT count(*) AS groups, count(*) FILTER (WHERE a.n = b.n) AS equal
FROM (SELECT k % 5000 AS g, distinct_count(distinct_agg(k / 7)) AS n FROM batch_keys GROUP BY 1) a
JOIN (SELECT k % 5000 AS g, count(DISTINCT k / 7) AS n FROM batch_keys GROUP BY 1) b USING (g);
RESET work_mem;
RESET enable_sort;
-- a state read after every row (a window aggregate flattens it each time): pending keys are
-- flushed each time, a few into a large state one by one; running counts against a self-join
CREATE TABLE window_keys AS
SELECT g, CASE WHEN g % 5 = 0 THEN g * 3 ELSE (g * 7919 % 1000) * 4294967311 END AS k
FROM generate_series(1::bigint, 2000) g;
SELECT count(*) AS rows_checked, count(*) FILTER (WHERE w.n = j.n) AS equal, max(w.n) AS final_count
FROM (SELECT g, distinct_count(distinct_agg(k) OVER (ORDER BY g)) AS n FROM window_keys) w
JOIN (SELECT a.g, count(DISTINCT b.k) AS n FROM window_keys a JOIN window_keys b ON b.g <= a.g GROUP BY a.g) j USING (g);
SELECT (SELECT s FROM (SELECT g, distinct_agg(k) OVER (ORDER BY g) AS s FROM window_keys) w ORDER BY g DESC LIMIT 1)::text
       = (SELECT distinct_agg(k)::text FROM window_keys) AS window_final_same;
-- a pending buffer never reaches a stored form: text, binary (COPY) and parallel workers' states
CREATE TABLE batch_stored (shape text, s distinct_summary);
INSERT INTO batch_stored SELECT shape, distinct_agg(k) FROM batch_keys GROUP BY shape;
COPY batch_stored TO :'binfile' (FORMAT binary);
CREATE TABLE batch_stored2 (LIKE batch_stored);
COPY batch_stored2 FROM :'binfile' (FORMAT binary);
SELECT count(*) AS shapes, count(*) FILTER (WHERE b.s::text = e.txt AND b.s::text::distinct_summary::text = e.txt) AS same_set
FROM batch_stored2 b JOIN batch_expected e USING (shape);
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
ANALYZE batch_keys;
CREATE FUNCTION pg_temp.plan_is_parallel(q text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE plan text := '';
        line text;
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP plan := plan || line || E'\n'; END LOOP;
  RETURN plan ~ 'Partial' AND plan ~ 'Gather';
END $$;
SELECT pg_temp.plan_is_parallel('SELECT shape, distinct_agg(k) FROM batch_keys GROUP BY shape') AS partial_aggregates;
SELECT count(*) AS shapes, count(*) FILTER (WHERE b.s::text = e.txt) AS same_set
FROM (SELECT shape, distinct_agg(k) AS s FROM batch_keys GROUP BY shape) b JOIN batch_expected e USING (shape);
SET parallel_leader_participation = off;
SELECT count(*) AS shapes, count(*) FILTER (WHERE b.s::text = e.txt) AS same_set
FROM (SELECT shape, distinct_agg(k) AS s FROM batch_keys GROUP BY shape) b JOIN batch_expected e USING (shape);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
-- text keys go through the same buffer
SELECT distinct_agg(code)::text = distinct_agg(hashtextextended(code, 0))::text AS text_same_as_hash,
       distinct_count(distinct_agg(code)) AS n
FROM (SELECT 'C-' || (g % 20000) AS code FROM generate_series(1, 50000) g) t;
DROP TABLE batch_keys, batch_expected, window_keys, batch_stored, batch_stored2;

-- rollup of many small stored summaries (a day and store each), as a routed metric reads them: keys
-- arrive ascending (appended), descending, scrambled, and with repeats within and across summaries,
-- so small arrays go into larger ones before, between and after their keys; stored values are small
-- and read in place (1-byte header).  Expected: the distinct keys of the raw rows, counted by SQL.
CREATE TABLE small_rows AS
SELECT o.ord, g AS grp, (i / 8) AS part,
       CASE o.ord WHEN 'ascending' THEN i WHEN 'descending' THEN 100000 - i
                  WHEN 'scrambled' THEN (i * 7919) % 30011 ELSE (i * 13) % 1500 END AS k
FROM unnest('{ascending,descending,scrambled,repeats}'::text[]) o(ord), generate_series(1, 3) g,
     generate_series(g * 1000, g * 1000 + 3999) i;
CREATE TABLE small_stored AS SELECT ord, grp, part, distinct_agg(k) AS s FROM small_rows GROUP BY 1, 2, 3;
SELECT pg_column_size(s) < 127 AS stored_small FROM small_stored LIMIT 1;
SELECT r.ord, r.grp, r.n AS sql_count, distinct_count(x.s) AS rollup_count, x.s::text = r.txt AS same_set
FROM (SELECT ord, grp, count(DISTINCT k) AS n, distinct_agg(k)::text AS txt FROM small_rows GROUP BY 1, 2) r
JOIN (SELECT ord, grp, rollup(s ORDER BY CASE WHEN ord = 'scrambled' THEN (part * 7919) % 503 ELSE part END) AS s
      FROM small_stored GROUP BY 1, 2) x USING (ord, grp)
ORDER BY 1, 2;
-- rollup_count(s) is distinct_count(rollup(s)) (NULL without summaries, NULL summaries skipped)
SELECT ord, distinct_count(rollup(s)) AS n, rollup_count(s) AS rollup_count,
       (SELECT count(DISTINCT k) FROM small_rows r WHERE r.ord = t.ord) AS sql_count
FROM small_stored t GROUP BY ord ORDER BY ord;
SELECT rollup_count(s) IS NULL AS no_rows FROM small_stored WHERE false;
SELECT rollup_count(s) AS skips_nulls FROM (VALUES (NULL::distinct_summary), ('(v1,count=2,keys=4..5)'), (NULL)) v(s);
-- in parallel (partial states combined): the same counts
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT ord, rollup_count(s) AS rollup_count FROM small_stored GROUP BY ord ORDER BY ord;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE small_rows, small_stored;

DROP VIEW shapes;
DROP TABLE shapes_p, sql_sets;
DROP TABLE visits, store_customers, rnd, partials, stored, stored2, big, big_daily, serial_result;
