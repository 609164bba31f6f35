-- sql/bridge_group.sql: bridges by item group (issue 16): bridge_agg(..., item_group), group_count,
-- margin_bridge_by_group, revenue_bridge_by_group; format version 2 of bridge_summary
SET search_path = retail_kpi, public;

-- Hand-computed case: two groups, fruit = A, C (continuing), N (new); veg = B (continuing),
-- D (discontinued).
--   A: q0 10, R0 100, C0 60 (p0 10, c0 6, GP0 40);  q1 12, R1 132, C1 78 (p1 11, c1 6.5, GP1 54)
--   C: q0 10, R0 80, C0 50 (p0 8, c0 5, GP0 30);    q1 18, R1 144, C1 99 (p1 8, c1 5.5, GP1 45)
--   B: q0 20, R0 100, C0 80 (p0 5, c0 4, GP0 20);   q1 15, R1 75, C1 57 (p1 5, c1 3.8, GP1 18)
--   N: new, q1 5, R1 50, C1 30 (GP1 20);   D: discontinued, q0 4, R0 20, C0 12 (GP0 8)
-- The company bridge (price_volume_mix): continuing A, B, C: Q0 = 40, Q1 = 45, volume = GP0 * 5/40:
--   A: volume 5, price 12*(11-10) = 12, cost -12*(6.5-6) = -6, mix 14 - 5 - 12 + 6 = 3
--   C: volume 3.75, price 18*(8-8) = 0, cost -18*(5.5-5) = -9, mix 15 - 3.75 - 0 + 9 = 20.25
--   B: volume 2.5, price 0, cost -15*(3.8-4) = 3, mix -2 - 2.5 - 0 - 3 = -7.5
-- reported by group:
--   fruit: base 70, volume 8.75, mix 23.25, price 12, cost -15, new 20, current 119 (49 = 119 - 70)
--   veg:   base 28, volume 2.5, mix -7.5, price 0, cost 3, discontinued -8, current 18 (-10 = 18 - 28)
--   total: base 98, volume 11.25, mix 15.75, price 12, cost -12, new 20, discontinued -8, current 137
-- A bridge per group (GROUP BY group), for comparison:
--   fruit alone: Q0 = 20, Q1 = 30, volume = GP0 * 10/20: A 20, C 15 -> 35; mix A 14 - 20 - 12 + 6 = -12,
--                C 15 - 15 - 0 + 9 = 9 -> -3; price 12, cost -15, new 20
--   veg alone:   Q0 = 20, Q1 = 15, volume B 20 * -5/20 = -5, mix -2 + 5 - 0 - 3 = 0; cost 3, discontinued -8
--   the sum of the per-group bridges: volume 30, mix -3 (not 11.25 and 15.75); volume + mix is 27 either way
CREATE TABLE bg_hand (item text, cur boolean, q numeric, r numeric, c numeric, grp text);
INSERT INTO bg_hand VALUES
  ('A', false, 10, 100.00, 60.00, 'fruit'), ('A', true, 12, 132.00, 78.00, 'fruit'),
  ('C', false, 10, 80.00, 50.00, 'fruit'), ('C', true, 18, 144.00, 99.00, 'fruit'),
  ('N', true, 5, 50.00, 30.00, 'fruit'),
  ('B', false, 20, 100.00, 80.00, 'veg'), ('B', true, 15, 75.00, 57.00, 'veg'),
  ('D', false, 4, 20.00, 12.00, 'veg');
CREATE TABLE bg_hand_s AS SELECT bridge_agg(item, cur, q, r, c, grp) AS s FROM bg_hand;
SELECT s FROM bg_hand_s;
SELECT row_count(s), item_count(s), group_count(s) FROM bg_hand_s;
SELECT b.* FROM bg_hand_s, margin_bridge_by_group(s) b;
-- every value against the hand computation above
SELECT count(*) AS rows_differing_from_hand FROM (
  SELECT item_group, base, volume, mix, price, cost, interaction, new_items, discontinued, current
  FROM bg_hand_s, margin_bridge_by_group(s)
  EXCEPT
  SELECT * FROM (VALUES ('fruit', 70, 8.75, 23.25, 12, -15, 0, 20, 0, 119),
                        ('veg', 28, 2.5, -7.5, 0, 3, 0, 0, -8, 18),
                        (NULL, 98, 11.25, 15.75, 12, -12, 0, 20, -8, 137))
               v(g, b, vo, mi, pr, co, it, nw, di, cu)) x;
-- the item-level bridge of the same summary is the existing margin_bridge (groups do not change it)
SELECT b.* FROM bg_hand_s, margin_bridge(s) b;
-- the method is named and checked as in margin_bridge
SELECT DISTINCT method FROM bg_hand_s, margin_bridge_by_group(s, method => 'interaction');
SELECT * FROM bg_hand_s, margin_bridge_by_group(s, 'volume');

-- A bridge per group (GROUP BY grp) splits volume and mix differently: per group 35 / -3 and
-- -5 / 0, summing to 30 / -3, while the company bridge reported by group has 11.25 / 15.75
SELECT t.grp, b.volume, b.mix, b.price, b.cost, b.new_items, b.discontinued
FROM (SELECT grp, bridge_agg(item, cur, q, r, c) AS s FROM bg_hand GROUP BY grp) t, margin_bridge(s) b
WHERE b.item IS NULL ORDER BY t.grp;
SELECT sum(b.volume) AS per_group_volume, sum(b.mix) AS per_group_mix,
       (SELECT volume FROM bg_hand_s, margin_bridge(s) WHERE item IS NULL) AS company_volume,
       (SELECT mix FROM bg_hand_s, margin_bridge(s) WHERE item IS NULL) AS company_mix
FROM (SELECT grp, bridge_agg(item, cur, q, r, c) AS s FROM bg_hand GROUP BY grp) t, margin_bridge(s) b
WHERE b.item IS NULL;

-- Revenue bridge by group: fruit = A, C, N; veg = B, D.  Company: Q0 40, Q1 45, volume = R0 * 5/40:
--   A: volume 12.5, price 12, mix 32 - 12.5 - 12 = 7.5;  C: volume 10, price 0, mix 64 - 10 = 54
--   B: volume 12.5, price 0, mix -25 - 12.5 = -37.5;  N new 50, D discontinued -20
--   fruit: base 180, volume 22.5, mix 61.5, price 12, new 50, current 326
--   veg:   base 120, volume 12.5, mix -37.5, discontinued -20, current 75
SELECT b.* FROM bg_hand_s, revenue_bridge_by_group(s) b;
SELECT count(*) AS rows_differing_from_hand FROM (
  SELECT item_group, base, volume, mix, price, cost, interaction, new_items, discontinued, current
  FROM bg_hand_s, revenue_bridge_by_group(s)
  EXCEPT
  SELECT * FROM (VALUES ('fruit', 180, 22.5, 61.5, 12, 0, 0, 50, 0, 326),
                        ('veg', 120, 12.5, -37.5, 0, 0, 0, 0, -20, 75),
                        (NULL, 300, 35, 24, 12, 0, 0, 50, -20, 401))
               v(g, b, vo, mi, pr, co, it, nw, di, cu)) x;

-- A generated data set: 300 items in 7 groups, 3 stores, decimals, new and discontinued items
CREATE TABLE bg_rows AS
SELECT 'sku' || (g % 300) AS item, 'cat' || ((g % 300) % 7) AS grp, 1 + g % 3 AS store,
       (g % 2 = 0) AS cur, 1 + (g * 7) % 9 AS q,
       round((1 + (g * 7) % 9) * (5 + (g % 300) % 13 + (g % 5) * 0.37), 2) AS r,
       round((1 + (g * 7) % 9) * (3 + (g % 300) % 11 + (g % 3) * 0.21), 2) AS c
FROM generate_series(1, 6000) g
WHERE NOT ((g % 300) < 15 AND g % 2 = 0)      -- items sku0..sku14: base period only (discontinued)
  AND NOT ((g % 300) >= 285 AND g % 2 = 1);   -- items sku285..sku299: current period only (new)
CREATE TABLE bg_s AS SELECT bridge_agg(item, cur, q, r, c, grp) AS s FROM bg_rows;
SELECT item_count(s), group_count(s), row_count(s) FROM bg_s;
-- the group rows add up exactly to the total row, for every method and both bridges
SELECT m, fn,
       bool_and(t.base = g.base AND t.volume = g.volume AND t.mix = g.mix AND t.price = g.price AND
                t.cost = g.cost AND t.interaction = g.interaction AND t.new_items = g.new_items AND
                t.discontinued = g.discontinued AND t.current = g.current) AS groups_sum_to_total
FROM (VALUES ('price_volume_mix'), ('price_volume'), ('interaction')) v(m),
     (VALUES ('margin'), ('revenue')) f(fn),
     LATERAL (SELECT * FROM bg_s, margin_bridge_by_group(s, m) WHERE fn = 'margin' AND item_group IS NULL
              UNION ALL
              SELECT * FROM bg_s, revenue_bridge_by_group(s, m) WHERE fn = 'revenue' AND item_group IS NULL) t,
     LATERAL (SELECT sum(base) base, sum(volume) volume, sum(mix) mix, sum(price) price, sum(cost) cost,
                     sum(interaction) interaction, sum(new_items) new_items, sum(discontinued) discontinued,
                     sum(current) current
              FROM (SELECT * FROM bg_s, margin_bridge_by_group(s, m) WHERE fn = 'margin'
                    UNION ALL
                    SELECT * FROM bg_s, revenue_bridge_by_group(s, m) WHERE fn = 'revenue') x
              WHERE item_group IS NOT NULL) g
GROUP BY m, fn ORDER BY m, fn;
-- the total row is the company bridge's total row, to the digit (text of the whole row)
SELECT m,
       (SELECT row(base, volume, mix, price, cost, interaction, new_items, discontinued, current, method)::text
        FROM bg_s, margin_bridge_by_group(s, m) WHERE item_group IS NULL)
     = (SELECT row(base, volume, mix, price, cost, interaction, new_items, discontinued, current, method)::text
        FROM bg_s, margin_bridge(s, m) WHERE item IS NULL) AS margin_total_identical,
       (SELECT row(base, volume, mix, price, cost, interaction, new_items, discontinued, current, method)::text
        FROM bg_s, revenue_bridge_by_group(s, m) WHERE item_group IS NULL)
     = (SELECT row(base, volume, mix, price, cost, interaction, new_items, discontinued, current, method)::text
        FROM bg_s, revenue_bridge(s, m) WHERE item IS NULL) AS revenue_total_identical
FROM (VALUES ('price_volume_mix'), ('price_volume'), ('interaction')) v(m) ORDER BY m;
-- each group row equals the company bridge's item rows summed by group in plain SQL (items joined
-- to their group from the rows), for every method and both bridges
CREATE TABLE bg_item_group AS SELECT DISTINCT item, grp FROM bg_rows;
SELECT m, fn, count(*) AS rows_compared, count(*) FILTER (WHERE NOT same) AS rows_differing
FROM (VALUES ('price_volume_mix'), ('price_volume'), ('interaction')) v(m),
     (VALUES ('margin'), ('revenue')) f(fn),
     LATERAL (
       SELECT row(g.base, g.volume, g.mix, g.price, g.cost, g.interaction, g.new_items, g.discontinued, g.current)
              IS NOT DISTINCT FROM row(p.base, p.volume, p.mix, p.price, p.cost, p.interaction, p.new_items,
                                       p.discontinued, p.current) AS same
       FROM (SELECT * FROM bg_s, margin_bridge_by_group(s, m) WHERE fn = 'margin'
             UNION ALL SELECT * FROM bg_s, revenue_bridge_by_group(s, m) WHERE fn = 'revenue') g
       FULL JOIN (SELECT ig.grp, sum(b.base) base, sum(b.volume) volume, sum(b.mix) mix, sum(b.price) price,
                         sum(b.cost) cost, sum(b.interaction) interaction, sum(b.new_items) new_items,
                         sum(b.discontinued) discontinued, sum(b.current) current
                  FROM (SELECT * FROM bg_s, margin_bridge(s, m) WHERE fn = 'margin'
                        UNION ALL SELECT * FROM bg_s, revenue_bridge(s, m) WHERE fn = 'revenue') b
                  JOIN bg_item_group ig ON ig.item = b.item
                  GROUP BY ig.grp) p ON p.grp = g.item_group
       WHERE g.item_group IS NOT NULL OR p.grp IS NOT NULL) x
GROUP BY m, fn ORDER BY m, fn;
-- new and discontinued items are in the groups' rows (sku0..14: discontinued, sku285..299: new)
SELECT count(*) FILTER (WHERE new_items <> 0) AS groups_with_new,
       count(*) FILTER (WHERE discontinued <> 0) AS groups_with_discontinued
FROM bg_s, margin_bridge_by_group(s) WHERE item_group IS NOT NULL;

-- Rollup of partial summaries with groups (per store, and in a parallel-style combine) equals the
-- summary of all rows
SELECT (SELECT rollup(s)::text FROM (SELECT bridge_agg(item, cur, q, r, c, grp) AS s FROM bg_rows GROUP BY store) t)
     = (SELECT s::text FROM bg_s) AS rollup_equals_all_rows;
SELECT (SELECT bridge_summary_combine(a.s, b.s)::text
        FROM (SELECT bridge_agg(item, cur, q, r, c, grp) AS s FROM bg_rows WHERE store = 1) a,
             (SELECT bridge_agg(item, cur, q, r, c, grp) AS s FROM bg_rows WHERE store <> 1) b)
     = (SELECT s::text FROM bg_s) AS combine_equals_all_rows;
SELECT bridge_summary_combine(NULL, s)::text = s::text AS left_null,
       bridge_summary_combine(s, NULL)::text = s::text AS right_null
FROM bg_hand_s;
-- parallel aggregation gives the same value
SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT (SELECT bridge_agg(item, cur, q, r, c, grp)::text FROM bg_rows) = (SELECT s::text FROM bg_s)
  AS parallel_equals_serial;
RESET parallel_setup_cost; RESET parallel_tuple_cost; RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- Text round trip (keys and groups with quotes, backslashes, commas, brackets, Unicode, empty)
CREATE TABLE bg_keys (item text, grp text);
INSERT INTO bg_keys VALUES ('a"b', 'g\h'), ('c,d]', '["x",1]'), ('é中文😀', ''), ('', 'e"'), ('plain', 'g\h');
CREATE TABLE bg_keys_s AS
SELECT bridge_agg(item, cur, 1, 10.5, 7, grp) AS s FROM bg_keys, (VALUES (false), (true)) v(cur);
SELECT s FROM bg_keys_s;
SELECT s::text::bridge_summary::text = s::text AS text_round_trip, group_count(s) FROM bg_keys_s;
SELECT quote_nullable(b.item_group) AS item_group, b.base, b.current FROM bg_keys_s, margin_bridge_by_group(s) b;
SELECT (SELECT s::text FROM bg_s)::bridge_summary::text = (SELECT s::text FROM bg_s) AS text_round_trip_300;
-- v2 text values are read and merged by rollup
SELECT '(v2,rows=2,items=1,["A",1,2,1,2,4,2,"g"])'::bridge_summary;
SELECT rollup(s) FROM (VALUES ('(v2,rows=2,items=1,["A",1,2,1,2,4,2,"g"])'::bridge_summary),
                              ('(v2,rows=1,items=1,["B",1,3,1,,,,"h"])'::bridge_summary)) v(s);
-- an empty grouped summary is valid (no groups: only the total row)
SELECT group_count('(v2,rows=0,items=0)'), (SELECT count(*) FROM margin_bridge_by_group('(v2,rows=0,items=0)'));

-- Binary round trip through COPY (FORMAT binary); the send form of version 2 starts with 2
SELECT '/tmp/rk_bridge_group_' || pg_backend_pid() || '.bin' AS binfile \gset
CREATE TABLE bg_stored (k int, s bridge_summary);
INSERT INTO bg_stored SELECT 1, s FROM bg_hand_s;
INSERT INTO bg_stored SELECT 2, s FROM bg_s;
INSERT INTO bg_stored SELECT 3, s FROM bg_keys_s;
INSERT INTO bg_stored VALUES (4, '(v2,rows=0,items=0)');
INSERT INTO bg_stored VALUES (5, '(v1,rows=6,items=4,["A",10,100.00,60.00,12,132.00,78.00],["B",20,100.00,80.00,15,75.00,57.00],["D",4,20.00,12.00,,,],["N",,,,5,50.00,30.00])');
COPY bg_stored TO :'binfile' (FORMAT binary);
CREATE TABLE bg_stored2 (LIKE bg_stored);
COPY bg_stored2 FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, sum((a.s::text = b.s::text)::int) AS identical,
       sum((bridge_summary_send(a.s) = bridge_summary_send(b.s))::int) AS identical_send
FROM bg_stored a JOIN bg_stored2 b USING (k);
SELECT bridge_summary_send(s) FROM bg_hand_s;

-- Stored summaries without groups are unchanged: version 1 in every form, as before
SELECT s, bridge_summary_send(s) FROM bg_stored WHERE k = 5;
SELECT bridge_agg(item, cur, q, r, c) FROM bg_hand;
SELECT group_count(s) FROM bg_stored WHERE k = 5;
SELECT written_version, readable_versions FROM summary_format_versions()
WHERE summary_type = 'bridge_summary'::regtype;

-- Bad input
\set VERBOSITY default
-- an item in two groups
SELECT bridge_agg(item, cur, q, r, c, CASE WHEN cur THEN 'veg' ELSE grp END) FROM bg_hand;
-- rollup of summaries that put an item in different groups
SELECT rollup(s) FROM (VALUES ('(v2,rows=1,items=1,["A",1,2,1,,,,"fruit"])'::bridge_summary),
                              ('(v2,rows=1,items=1,["A",,,,1,2,1,"veg"])'::bridge_summary)) v(s);
-- a summary with groups and one without
SELECT rollup(s) FROM (VALUES ('(v2,rows=1,items=1,["A",1,2,1,,,,"fruit"])'::bridge_summary),
                              ('(v1,rows=1,items=1,["B",1,2,1,,,])'::bridge_summary)) v(s);
SELECT bridge_agg_trans('(v2,rows=1,items=1,["A",1,2,1,,,,"fruit"])', 'B', true, 1, 2, 1);
SELECT bridge_agg_group_trans('(v1,rows=1,items=1,["B",1,2,1,,,])', 'B', true, 1, 2, 1, 'g');
-- a NULL group (a row with a NULL elsewhere is skipped, as in bridge_agg without groups)
SELECT bridge_agg(item, cur, q, r, c, NULLIF(grp, 'veg')) FROM bg_hand;
SELECT bridge_agg(item, cur, NULLIF(q, 4), r, c, CASE WHEN q = 4 THEN NULL ELSE grp END) FROM bg_hand;
-- a by-group bridge of a summary without groups
SELECT * FROM margin_bridge_by_group('(v1,rows=1,items=1,["B",1,2,1,,,])');
SELECT * FROM revenue_bridge_by_group('(v1,rows=1,items=1,["B",1,2,1,,,])');
-- a group longer than 1000 bytes
SELECT bridge_agg('x', true, 1, 1, 1, repeat('g', 1001));
-- malformed text of version 2 (22P02)
SELECT '(v2,rows=1,items=1,["A",1,2,1,,,])'::bridge_summary;
SELECT '(v2,rows=1,items=1,["A",1,2,1,,,,g])'::bridge_summary;
SELECT '(v2,rows=1,items=1,["A",1,2,1,,,,"g)'::bridge_summary;
SELECT '(v2,rows=1,items=1,["A",1,2,1,,,,"g\x"])'::bridge_summary;
SELECT '(v2,rows=1,items=1,["A",1,2,1,,,,"g","h"])'::bridge_summary;
SELECT '(v1,rows=1,items=1,["A",1,2,1,,,,"g"])'::bridge_summary;
SELECT '(v2,rows=2,items=2,["A",1,2,1,,,,"g"],["A",1,2,1,,,,"g"])'::bridge_summary;
SELECT '(v3,rows=0,items=0)'::bridge_summary;
SELECT '(v99999999999999999999,rows=0,items=0)'::bridge_summary;
-- corrupt binary values of version 2 (22000)
CREATE TABLE bg_raw (k int, b bytea);
INSERT INTO bg_raw SELECT 1, substr(bridge_summary_send(s), 1, length(bridge_summary_send(s)) - 2) FROM bg_hand_s;
COPY bg_raw TO :'binfile' (FORMAT binary);
COPY bg_stored2 FROM :'binfile' (FORMAT binary);                  -- truncated group
TRUNCATE bg_raw;
INSERT INTO bg_raw SELECT 1, overlay(bridge_summary_send(s) placing '\x7fffffff'::bytea from 123 for 4)
FROM bg_hand_s;
SELECT substr(bridge_summary_send(s), 123, 9) FROM bg_hand_s;      -- the group length and "fruit" of "A"
COPY bg_raw TO :'binfile' (FORMAT binary);
COPY bg_stored2 FROM :'binfile' (FORMAT binary);                  -- group length
TRUNCATE bg_raw;
INSERT INTO bg_raw SELECT 1, overlay(bridge_summary_send(s) placing '\xff'::bytea from 127 for 1)
FROM bg_hand_s;
COPY bg_raw TO :'binfile' (FORMAT binary);
COPY bg_stored2 FROM :'binfile' (FORMAT binary);                  -- group not valid UTF-8
TRUNCATE bg_raw;
INSERT INTO bg_raw SELECT 1, overlay(bridge_summary_send(s) placing '\x01'::bytea from 1 for 1)
FROM bg_hand_s;
COPY bg_raw TO :'binfile' (FORMAT binary);
COPY bg_stored2 FROM :'binfile' (FORMAT binary);                  -- v2 bytes read as v1: rejected
TRUNCATE bg_raw;
INSERT INTO bg_raw SELECT 1, bridge_summary_send(s) FROM bg_stored WHERE k = 5;
INSERT INTO bg_raw SELECT 2, overlay(bridge_summary_send(s) placing '\x02'::bytea from 1 for 1)
FROM bg_stored WHERE k = 5;
COPY bg_raw TO :'binfile' (FORMAT binary);
COPY bg_stored2 FROM :'binfile' (FORMAT binary);                  -- v1 bytes read as v2: rejected
\set VERBOSITY terse
\! rm -f /tmp/rk_bridge_group_*.bin
