-- sql/bridge.sql: bridge_summary, bridge_agg, rollup, margin_bridge, revenue_bridge, margin_rate_bridge
SET search_path = retail_kpi, public;
SET extra_float_digits = 0;

-- Hand-computed case.  Base period (0) and current period (1):
--   A: q0 10, R0 100, C0 60 (p0 10, c0 6, m0 4, GP0 40);  q1 12, R1 132, C1 78 (p1 11, c1 6.5, m1 4.5, GP1 54)
--   B: q0 20, R0 100, C0 80 (p0 5, c0 4, m0 1, GP0 20);   q1 15, R1 75, C1 57 (p1 5, c1 3.8, m1 1.2, GP1 18)
--   N: new, q1 5, R1 50, C1 30 (GP1 20);   D: discontinued, q0 4, R0 20, C0 12 (GP0 8)
-- Continuing items A and B: Q0 = 30, Q1 = 27, M0 = (40 + 20) / 30 = 2.
-- price_volume_mix:
--   A: volume (27-30)*(10/30)*4 = -4; mix (12/27 - 10/30)*27*4 = (12 - 9)*4 = 12;
--      price 12*(11-10) = 12; cost -12*(6.5-6) = -6;  sum 14 = 54 - 40
--   B: volume (27-30)*(20/30)*1 = -2; mix (15 - 18)*1 = -3; price 15*0 = 0; cost -15*(3.8-4) = 3; sum -2
--   total: base 68, volume -6 (= (Q1-Q0)*M0), mix 9, price 12, cost -3, new 20, discontinued -8,
--          current 92; -6 + 9 + 12 - 3 + 20 - 8 = 24 = 92 - 68
CREATE TABLE br_hand (item text, cur boolean, q numeric, r numeric, c numeric);
INSERT INTO br_hand VALUES
  ('A', false, 10, 100.00, 60.00), ('A', true, 12, 132.00, 78.00),
  ('B', false, 20, 100.00, 80.00), ('B', true, 15, 75.00, 57.00),
  ('N', true, 5, 50.00, 30.00), ('D', false, 4, 20.00, 12.00);
CREATE TABLE br_hand_s AS SELECT bridge_agg(item, cur, q, r, c) AS s FROM br_hand;
SELECT s FROM br_hand_s;
SELECT row_count(s), item_count(s) FROM br_hand_s;
SELECT b.* FROM br_hand_s, margin_bridge(s) b;
-- the default is price_volume_mix, given by name too
SELECT count(*) FROM br_hand_s, margin_bridge(s, method => 'price_volume_mix') b
WHERE b.method = 'price_volume_mix';
-- price_volume: volume per item (q1 - q0)*m0: A (12-10)*4 = 8, B (15-20)*1 = -5; total 3; no mix
SELECT b.* FROM br_hand_s, margin_bridge(s, 'price_volume') b;
-- interaction: price at base volume q0*(p1-p0): A 10*1 = 10, B 0; cost -q0*(c1-c0): A -5, B 4;
-- volume (q1-q0)*m0: A 8, B -5; interaction (q1-q0)*(m1-m0): A 2*0.5 = 1, B -5*0.2 = -1
SELECT b.* FROM br_hand_s, margin_bridge(s, 'interaction') b;
-- revenue bridge, price_volume_mix:
--   A: volume -3*(10/30)*10 = -10; mix (12 - 9)*10 = 30; price 12; sum 32 = 132 - 100
--   B: volume -3*(20/30)*5 = -10; mix (15 - 18)*5 = -15; price 0; sum -25
--   new 50, discontinued -20; base 220, current 257
SELECT b.* FROM br_hand_s, revenue_bridge(s) b;
-- price_volume: A volume 2*10 = 20, B -5*5 = -25
SELECT b.* FROM br_hand_s, revenue_bridge(s, 'price_volume') b;
-- interaction: A price 10, volume 20, interaction 2*1 = 2; B price 0, volume -25, interaction 0
SELECT b.* FROM br_hand_s, revenue_bridge(s, 'interaction') b;
-- Margin-rate bridge: base rate 68/220, current 92/257.
--   A: r0 0.4, r1 54/132, w0 100/220, w1 132/257: mix (132/257 - 100/220)*0.4, rate 132/257*(54/132 - 0.4) = 1.2/257
--   B: r0 0.2, r1 0.24: mix (75/257 - 100/220)*0.2, rate 75/257*0.04 = 3/257
--   N (new): all mix, 20/257;  D (discontinued): all mix, -8/220
SELECT item, round(base_rate::numeric, 12) AS base_rate, round(mix::numeric, 12) AS mix,
       round(rate::numeric, 12) AS rate, round(current_rate::numeric, 12) AS current_rate
FROM br_hand_s, margin_rate_bridge(s);
SELECT item,
       abs(mix - expected_mix) < 1e-15 AS mix_ok, abs(rate - expected_rate) < 1e-15 AS rate_ok
FROM br_hand_s, margin_rate_bridge(s)
JOIN (VALUES ('A', (132/257.0 - 100/220.0) * 0.4, 1.2/257.0),
             ('B', (75/257.0 - 100/220.0) * 0.2, 3/257.0),
             ('D', -8/220.0, 0), ('N', 20/257.0, 0)) v(i, expected_mix, expected_rate) ON v.i = item
ORDER BY item;
SELECT abs(mix + rate - (92/257.0 - 68/220.0)) < 1e-15 AS total_exact,
       abs(rate - 4.2/257.0) < 1e-15 AS rate_total_ok
FROM br_hand_s, margin_rate_bridge(s) WHERE item IS NULL;

-- NULL rows are skipped (as sum() does); empty input gives NULL; the bridges of NULL give no rows
SELECT bridge_agg(i, c, q, r, k) FROM (VALUES
  (NULL::text, true, 1::numeric, 1::numeric, 1::numeric), ('x', NULL, 1, 1, 1), ('x', true, NULL, 1, 1),
  ('x', true, 1, NULL, 1), ('x', true, 1, 1, NULL), ('y', true, 2, 3.5, 1)) v(i, c, q, r, k);
SELECT bridge_agg(item, cur, q, r, c) IS NULL AS empty_is_null FROM br_hand WHERE false;
SELECT count(*) FROM margin_bridge(NULL);
SELECT count(*) FROM margin_rate_bridge(NULL);

-- Rows are summed per item and period before the bridge: a return (negative units) in a period
-- nets against that period's sales.  Item E: base 3 - 1 = 2 units, 30 - 10 = 20 revenue.
SELECT bridge_agg(item, cur, q, r, c) FROM (VALUES
  ('E', false, 3, 30.00, 18.00), ('E', false, -1, -10.00, -6.00), ('E', true, 2, 22, 12)) v(item, cur, q, r, c);
-- An item whose period sums are all zero (sold and fully returned) is absent in that period:
-- here F is new (its base is 0 units, 0 revenue, 0 cost)
SELECT item, base, new_items, discontinued, current FROM margin_bridge((SELECT bridge_agg(item, cur, q, r, c) FROM (VALUES
  ('F', false, 1, 5.00, 3.00), ('F', false, -1, -5.00, -3.00), ('F', true, 2, 10, 6),
  ('G', false, 1, 4, 1), ('G', true, 1, 4, 1)) v(item, cur, q, r, c)));

-- Edge cases that cannot be bridged are errors naming the item (22023)
\set VERBOSITY default
SELECT * FROM margin_bridge((SELECT bridge_agg(item, cur, q, r, c) FROM (VALUES
  ('ok', false, 1, 1, 1), ('ok', true, 1, 1, 1),
  ('ret', false, 1, 10, 6), ('ret', false, -3, -30, -18)) v(item, cur, q, r, c)));
SELECT * FROM revenue_bridge((SELECT bridge_agg(item, cur, q, r, c) FROM (VALUES
  ('fee', true, 0, 2.50, 0)) v(item, cur, q, r, c)));
SELECT * FROM margin_bridge((SELECT bridge_agg(item, cur, q, r, c) FROM (VALUES
  ('cost only', false, 0, 0, 1.25), ('cost only', true, 1, 2, 1)) v(item, cur, q, r, c)));
-- unknown method: 22023 with the valid names
SELECT * FROM margin_bridge((SELECT s FROM br_hand_s), 'mix');
SELECT * FROM revenue_bridge((SELECT s FROM br_hand_s), method => '');
-- NaN and infinities are bad input naming the argument
SELECT bridge_agg('a', true, 'NaN'::numeric, 1, 1);
SELECT bridge_agg('a', true, 1, 'Infinity'::numeric, 1);
SELECT bridge_agg('a', true, 1, 1, '-Infinity'::numeric);
-- sums beyond the exact 128-bit range: 22003
SELECT bridge_agg('a', true, 1, 99999999999999999999999999999999999999, 0)
FROM generate_series(1, 2);
SELECT bridge_agg('a', true, 1, 0.000000000000000000000000000000000000001, 0);
-- item keys longer than 1000 bytes: 54000
SELECT bridge_agg(repeat('k', 1001), true, 1, 1, 1);
SELECT item_count(bridge_agg(repeat('k', 1000), true, 1, 1, 1));
\set VERBOSITY terse

-- All continuing items: no new or discontinued.  Q0 = 0 (nothing sold in the base period): every
-- item is new and there is no volume/mix/price/cost.  Q1 = 0: every item is discontinued.
SELECT item, base, volume, mix, new_items, discontinued, current FROM margin_bridge((SELECT bridge_agg(item, true, q, r, c) FROM br_hand WHERE cur));
SELECT item, base, volume, mix, new_items, discontinued, current FROM margin_bridge((SELECT bridge_agg(item, false, q, r, c) FROM br_hand WHERE cur));
-- margin-rate bridge with no revenue in a period: rates and effects NULL (zero denominator)
SELECT * FROM margin_rate_bridge((SELECT bridge_agg(item, true, q, r, c) FROM br_hand WHERE cur));
SELECT * FROM margin_rate_bridge('(v1,rows=2,items=1,["z",1,0,0,1,5,2])');
-- an item with revenue <= 0 in a period has no rate effect: its change of contribution is all mix
SELECT item, base_rate, round(mix::numeric, 12) AS mix, rate, round(current_rate::numeric, 12) AS current_rate
FROM margin_rate_bridge('(v1,rows=4,items=2,["neg",1,-5,1,1,5,1],["pos",1,10,5,1,10,4])');

-- Text form: exact round trip, items in C-collation (byte) order whatever the input order
SELECT s::text = s::text::bridge_summary::text AS round_trip FROM br_hand_s;
SELECT '(v1,rows=3,items=2,["b",,,,1,2.50,1.000],["a",1,1,1,2,2,2])'::bridge_summary;
-- Item keys with commas, quotes, backslashes, brackets, unicode, spaces and the empty string
CREATE TABLE br_keys (k text);
INSERT INTO br_keys VALUES ('a,b'), ('say "hi"'), ('back\slash'), ('x],["y'), ('咖啡 ☕'), (''), (' '),
  ('\"'), ('"'), ('\'), ('é'), ('new
line');
CREATE TABLE br_keys_s AS SELECT bridge_agg(k, true, 1, 2, 1) AS s FROM br_keys;
SELECT s FROM br_keys_s;
SELECT s::text::bridge_summary::text = s::text AS keys_round_trip, item_count(s) FROM br_keys_s;
SELECT count(*) AS keys_back FROM br_keys_s, margin_bridge(s) b JOIN br_keys ON br_keys.k = b.item;
SELECT string_agg(coalesce(item, '<total>'), ' | ') FROM br_keys_s, margin_bridge(s);

-- Malformed text: 22P02
\set VERBOSITY default
SELECT 'x'::bridge_summary;
SELECT '(v3,rows=0,items=0)'::bridge_summary;
SELECT '(v1,rows=1,items=1)'::bridge_summary;
SELECT '(v1,rows=0,items=1,["a",1,1,1,,,])'::bridge_summary;
SELECT '(v1,rows=1,items=1,["a",1,1,,,,])'::bridge_summary;
SELECT '(v1,rows=1,items=1,["a",,,,,,])'::bridge_summary;
SELECT '(v1,rows=2,items=2,["a",1,1,1,,,],["a",,,,1,1,1])'::bridge_summary;
SELECT '(v1,rows=1,items=1,["a\n",1,1,1,,,])'::bridge_summary;
SELECT '(v1,rows=1,items=1,["a",1e3,1,1,,,])'::bridge_summary;
SELECT '(v1,rows=1,items=1,["a",1,1,1,,,]) x'::bridge_summary;
SELECT '(v1,rows=1,items=1,["a,1,1,1,,,])'::bridge_summary;
\set VERBOSITY terse
SELECT '(v1,rows=0,items=0)'::bridge_summary;
SELECT b.* FROM margin_bridge('(v1,rows=0,items=0)') b;

-- Seeded random data set: 4 regions x 300 items, some items only in one period
SELECT setseed(0.42);
CREATE TABLE br_rnd AS
SELECT (random() * 3)::int AS region, 'sku' || lpad(item::text, 3, '0') AS item, cur,
       (1 + floor(random() * 9))::numeric AS q,
       round((1 + random() * 50)::numeric, 2) AS unit_price, round((0.4 + random() * 0.5)::numeric, 3) AS cost_share
FROM generate_series(1, 20000) g, LATERAL (SELECT (g % 300) AS item,
  CASE WHEN g % 300 < 20 THEN false WHEN g % 300 >= 280 THEN true ELSE random() < 0.5 END AS cur) x;
ALTER TABLE br_rnd ADD COLUMN r numeric, ADD COLUMN c numeric;
UPDATE br_rnd SET r = round(q * unit_price * (CASE WHEN cur THEN 1.05 ELSE 1 END), 2), c = round(q * unit_price * cost_share, 2);
CREATE TABLE br_rnd_s AS SELECT bridge_agg(item, cur, q, r, c) AS s FROM br_rnd;
-- the sums kept per item are sum(numeric) digit for digit
SELECT count(*) AS items,
       sum((b.base = x.r0 - x.c0 AND b.current = x.r1 - x.c1)::int) AS exact_sums
FROM br_rnd_s, margin_bridge(s) b
JOIN (SELECT item, coalesce(sum(r) FILTER (WHERE NOT cur), 0) AS r0, coalesce(sum(c) FILTER (WHERE NOT cur), 0) AS c0,
             coalesce(sum(r) FILTER (WHERE cur), 0) AS r1, coalesce(sum(c) FILTER (WHERE cur), 0) AS c1
      FROM br_rnd GROUP BY item) x USING (item);
-- every method, margin and revenue: effects add up to current - base exactly per item and in
-- total; the total row equals the sum of the item rows
SELECT m, kind,
       bool_and(volume + mix + price + cost + interaction + new_items + discontinued = current - base) AS rows_exact,
       count(*) FILTER (WHERE item IS NULL) AS total_rows
FROM (VALUES ('price_volume_mix'), ('price_volume'), ('interaction')) v(m),
     LATERAL (SELECT 'margin' AS kind, b.* FROM br_rnd_s, margin_bridge(s, m) b
              UNION ALL SELECT 'revenue', b.* FROM br_rnd_s, revenue_bridge(s, m) b) x
GROUP BY m, kind ORDER BY m, kind;
CREATE FUNCTION pg_temp.bridge_rows(kind text, m text) RETURNS SETOF record LANGUAGE sql AS $$
  SELECT b.item, b.base, b.volume, b.mix, b.price, b.cost, b.interaction, b.new_items, b.discontinued, b.current
  FROM br_rnd_s, margin_bridge(s, m) b WHERE kind = 'margin'
  UNION ALL
  SELECT b.item, b.base, b.volume, b.mix, b.price, b.cost, b.interaction, b.new_items, b.discontinued, b.current
  FROM br_rnd_s, revenue_bridge(s, m) b WHERE kind = 'revenue' $$;
SELECT m, kind,
       (SELECT row(sum(base), sum(volume), sum(mix), sum(price), sum(cost), sum(interaction), sum(new_items), sum(discontinued), sum(current))::text
        FROM pg_temp.bridge_rows(kind, m) AS t(item text, base numeric, volume numeric, mix numeric, price numeric, cost numeric,
             interaction numeric, new_items numeric, discontinued numeric, current numeric) WHERE item IS NOT NULL)
     = (SELECT row(base, volume, mix, price, cost, interaction, new_items, discontinued, current)::text
        FROM pg_temp.bridge_rows(kind, m) AS t(item text, base numeric, volume numeric, mix numeric, price numeric, cost numeric,
             interaction numeric, new_items numeric, discontinued numeric, current numeric) WHERE item IS NULL) AS total_is_sum_of_rows
FROM (VALUES ('price_volume_mix'), ('price_volume'), ('interaction')) v(m), (VALUES ('margin'), ('revenue')) k(kind)
ORDER BY m, kind;
-- each effect matches its formula computed independently in SQL (within 1e-6; the bridge rounds
-- computed effects to 12 decimals and puts the residue in mix / volume / interaction)
CREATE TABLE br_rnd_items AS
SELECT item, coalesce(sum(q) FILTER (WHERE NOT cur), 0) AS q0, coalesce(sum(r) FILTER (WHERE NOT cur), 0) AS r0,
       coalesce(sum(c) FILTER (WHERE NOT cur), 0) AS c0, coalesce(sum(q) FILTER (WHERE cur), 0) AS q1,
       coalesce(sum(r) FILTER (WHERE cur), 0) AS r1, coalesce(sum(c) FILTER (WHERE cur), 0) AS c1
FROM br_rnd GROUP BY item;
CREATE TABLE br_rnd_expected AS
SELECT i.*, tq.qq0, tq.qq1, (r0 - c0) / nullif(q0, 0) AS m0, (r1 - c1) / nullif(q1, 0) AS m1,
       r0 / nullif(q0, 0) AS p0, r1 / nullif(q1, 0) AS p1, c0 / nullif(q0, 0) AS k0, c1 / nullif(q1, 0) AS k1
FROM br_rnd_items i, (SELECT sum(q0) AS qq0, sum(q1) AS qq1 FROM br_rnd_items WHERE q0 > 0 AND q1 > 0) tq;
SELECT count(*) AS continuing,
       max(abs(b.volume - (e.qq1 - e.qq0) * (e.q0 / e.qq0) * e.m0)) < 1e-6 AS volume_ok,
       max(abs(b.mix - (e.q1 / e.qq1 - e.q0 / e.qq0) * e.qq1 * e.m0)) < 1e-6 AS mix_ok,
       max(abs(b.price - e.q1 * (e.p1 - e.p0))) < 1e-6 AS price_ok,
       max(abs(b.cost + e.q1 * (e.k1 - e.k0))) < 1e-6 AS cost_ok
FROM br_rnd_s, margin_bridge(s) b JOIN br_rnd_expected e USING (item) WHERE e.q0 > 0 AND e.q1 > 0;
SELECT max(abs(b.volume - (e.q1 - e.q0) * e.m0)) < 1e-6 AS pv_volume_ok
FROM br_rnd_s, margin_bridge(s, 'price_volume') b JOIN br_rnd_expected e USING (item) WHERE e.q0 > 0 AND e.q1 > 0;
SELECT max(abs(b.price - e.q0 * (e.p1 - e.p0))) < 1e-6 AS int_price_ok,
       max(abs(b.cost + e.q0 * (e.k1 - e.k0))) < 1e-6 AS int_cost_ok,
       max(abs(b.volume - (e.q1 - e.q0) * e.m0)) < 1e-6 AS int_volume_ok,
       max(abs(b.interaction - (e.q1 - e.q0) * (e.m1 - e.m0))) < 1e-6 AS int_interaction_ok
FROM br_rnd_s, margin_bridge(s, 'interaction') b JOIN br_rnd_expected e USING (item) WHERE e.q0 > 0 AND e.q1 > 0;
SELECT max(abs(b.volume - (e.qq1 - e.qq0) * (e.q0 / e.qq0) * e.p0)) < 1e-6 AS rev_volume_ok,
       max(abs(b.mix - (e.q1 / e.qq1 - e.q0 / e.qq0) * e.qq1 * e.p0)) < 1e-6 AS rev_mix_ok
FROM br_rnd_s, revenue_bridge(s) b JOIN br_rnd_expected e USING (item) WHERE e.q0 > 0 AND e.q1 > 0;
-- total volume effect is (Q1 - Q0) * M0 with M0 = GP0 / Q0 over continuing items
SELECT abs(b.volume - (SELECT (sum(q1) - sum(q0)) * sum(r0 - c0) / sum(q0) FROM br_rnd_items WHERE q0 > 0 AND q1 > 0)) < 1e-6 AS total_volume_ok
FROM br_rnd_s, margin_bridge(s) b WHERE item IS NULL;
-- new and discontinued items
SELECT sum(b.new_items) = (SELECT sum(r1 - c1) FROM br_rnd_items WHERE q0 = 0) AS new_ok,
       sum(b.discontinued) = (SELECT -sum(r0 - c0) FROM br_rnd_items WHERE q1 = 0) AS disc_ok,
       count(*) FILTER (WHERE b.new_items <> 0) AS new_count, count(*) FILTER (WHERE b.discontinued <> 0) AS disc_count
FROM br_rnd_s, margin_bridge(s) b WHERE item IS NOT NULL;
-- the revenue bridge's price effect equals the margin bridge's, for every method
SELECT m, bool_and(g.price = r.price) AS same_price, count(*)
FROM (VALUES ('price_volume_mix'), ('price_volume'), ('interaction')) v(m),
     LATERAL (SELECT b.* FROM br_rnd_s, margin_bridge(s, m) b) g
     JOIN LATERAL (SELECT b.* FROM br_rnd_s, revenue_bridge(s, m) b) r ON g.item IS NOT DISTINCT FROM r.item
GROUP BY m ORDER BY m;
-- margin-rate bridge: mix + rate = current - base (per item up to float rounding, total exactly
-- up to 1e-12), item rows add up to the total row, and each effect matches its formula
SELECT abs(t.mix + t.rate - (t.current_rate - t.base_rate)) < 1e-12 AS total_exact,
       abs((SELECT sum(mix) FROM br_rnd_s, margin_rate_bridge(s) WHERE item IS NOT NULL) - t.mix) < 1e-12 AS mix_rows_sum,
       abs((SELECT sum(rate) FROM br_rnd_s, margin_rate_bridge(s) WHERE item IS NOT NULL) - t.rate) < 1e-12 AS rate_rows_sum,
       abs(t.base_rate - (SELECT sum(r0 - c0) / sum(r0) FROM br_rnd_items)::float8) < 1e-15 AS base_ok,
       abs(t.current_rate - (SELECT sum(r1 - c1) / sum(r1) FROM br_rnd_items)::float8) < 1e-15 AS current_ok
FROM br_rnd_s, margin_rate_bridge(s) t WHERE t.item IS NULL;
SELECT max(abs(b.mix - ((e.r1 / tr.r1 - e.r0 / tr.r0) * (e.r0 - e.c0) / e.r0)::float8)) < 1e-12 AS rate_mix_ok,
       max(abs(b.rate - (e.r1 / tr.r1 * ((e.r1 - e.c1) / e.r1 - (e.r0 - e.c0) / e.r0))::float8)) < 1e-12 AS rate_rate_ok
FROM br_rnd_s, margin_rate_bridge(s) b JOIN br_rnd_items e USING (item),
     (SELECT sum(r0) AS r0, sum(r1) AS r1 FROM br_rnd_items) tr
WHERE e.r0 > 0 AND e.r1 > 0;
SELECT max(abs(b.mix - ((e.r1 - e.c1) / tr.r1 - (e.r0 - e.c0) / tr.r0)::float8)) < 1e-12 AS new_disc_all_mix,
       bool_and(b.rate = 0) AS no_rate_effect
FROM br_rnd_s, margin_rate_bridge(s) b JOIN br_rnd_items e USING (item),
     (SELECT sum(r0) AS r0, sum(r1) AS r1 FROM br_rnd_items) tr
WHERE e.r0 = 0 OR e.r1 = 0;

-- Rollup: per-region summaries stored and rolled up equal the company summary (same text,
-- same bridge), whatever the grouping
CREATE TABLE br_by_region AS SELECT region, bridge_agg(item, cur, q, r, c) AS s FROM br_rnd GROUP BY region;
SELECT (SELECT rollup(s) FROM br_by_region)::text = (SELECT s FROM br_rnd_s)::text AS rollup_equals_company;
SELECT (SELECT rollup(s) FROM (SELECT rollup(s) AS s FROM br_by_region GROUP BY region % 2) x)::text
     = (SELECT s FROM br_rnd_s)::text AS rollup_of_rollups;
SELECT row_count(s) = 20000 AS all_rows, item_count(s) FROM br_rnd_s;
-- combine handles every NULL case, also called directly
SELECT bridge_summary_combine(NULL, NULL) IS NULL AS both_null,
       bridge_summary_combine(s, NULL)::text = s::text AS right_null,
       bridge_summary_combine(NULL, s)::text = s::text AS left_null
FROM br_hand_s;
SELECT bridge_summary_combine(s, s) FROM br_hand_s;
SELECT rollup(s) IS NULL AS rollup_of_nulls FROM (VALUES (NULL::bridge_summary)) v(s);

-- Binary round trip through COPY (FORMAT binary)
SELECT '/tmp/rk_bridge_' || pg_backend_pid() || '.bin' AS binfile \gset
CREATE TABLE br_stored (k int, s bridge_summary);
INSERT INTO br_stored SELECT region, s FROM br_by_region;
INSERT INTO br_stored SELECT 10, s FROM br_hand_s;
INSERT INTO br_stored SELECT 11, s FROM br_keys_s;
INSERT INTO br_stored VALUES (12, '(v1,rows=0,items=0)');
COPY br_stored TO :'binfile' (FORMAT binary);
CREATE TABLE br_stored2 (LIKE br_stored);
COPY br_stored2 FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, sum((a.s::text = b.s::text)::int) AS identical
FROM br_stored a JOIN br_stored2 b USING (k);
-- corrupt binary values are rejected with 22000
CREATE TABLE br_raw (k int, b bytea);
\set VERBOSITY default
INSERT INTO br_raw VALUES (1, '\x03'::bytea);                                         -- wrong version
COPY br_raw TO :'binfile' (FORMAT binary);
COPY br_stored2 FROM :'binfile' (FORMAT binary);
TRUNCATE br_raw; INSERT INTO br_raw VALUES (1, '\x0162'::bytea);                         -- truncated
COPY br_raw TO :'binfile' (FORMAT binary);
COPY br_stored2 FROM :'binfile' (FORMAT binary);
TRUNCATE br_raw; INSERT INTO br_raw SELECT 1, overlay(bridge_summary_send(s) placing '\x6d'::bytea from 2 for 1)
FROM br_hand_s;                                                                       -- kind byte
COPY br_raw TO :'binfile' (FORMAT binary);
COPY br_stored2 FROM :'binfile' (FORMAT binary);
TRUNCATE br_raw; INSERT INTO br_raw SELECT 1, bridge_summary_send(s) || '\x00'::bytea FROM br_hand_s;  -- trailing
COPY br_raw TO :'binfile' (FORMAT binary);
COPY br_stored2 FROM :'binfile' (FORMAT binary);
TRUNCATE br_raw; INSERT INTO br_raw SELECT 1, overlay(bridge_summary_send(s) placing '\x07'::bytea from 20 for 1)
FROM br_hand_s;                                                                       -- period flags of "A"
COPY br_raw TO :'binfile' (FORMAT binary);
COPY br_stored2 FROM :'binfile' (FORMAT binary);
TRUNCATE br_raw; INSERT INTO br_raw SELECT 1, overlay(bridge_summary_send(s) placing '\x27'::bytea from 21 for 1)
FROM br_hand_s;                                                                       -- scale 39
COPY br_raw TO :'binfile' (FORMAT binary);
COPY br_stored2 FROM :'binfile' (FORMAT binary);
TRUNCATE br_raw; INSERT INTO br_raw SELECT 1, overlay(bridge_summary_send(s) placing '\x41'::bytea from 127 for 1)
FROM br_hand_s;                                                                       -- key "B" becomes a duplicate "A"
COPY br_raw TO :'binfile' (FORMAT binary);
COPY br_stored2 FROM :'binfile' (FORMAT binary);
TRUNCATE br_raw; INSERT INTO br_raw SELECT 1, overlay(bridge_summary_send(s) placing '\xff'::bytea from 19 for 1)
FROM br_hand_s;                                                                       -- key not valid UTF-8
COPY br_raw TO :'binfile' (FORMAT binary);
COPY br_stored2 FROM :'binfile' (FORMAT binary);
\set VERBOSITY terse
-- the bytes sent by send() are accepted again
TRUNCATE br_raw; INSERT INTO br_raw SELECT k, bridge_summary_send(s) FROM br_stored;
COPY br_raw TO :'binfile' (FORMAT binary);
TRUNCATE br_stored2;
COPY br_stored2 FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, sum((a.s::text = b.s::text)::int) AS identical
FROM br_stored a JOIN br_stored2 b USING (k);
\! rm -f /tmp/rk_bridge_*.bin

-- Parallel aggregation: forced parallel plan, Partial Aggregate, same result as serial
CREATE TABLE br_big AS SELECT * FROM br_rnd, generate_series(1, 3) rep;
ANALYZE br_big;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT bridge_agg(item, cur, q, r, c) FROM br_big;
CREATE TABLE br_par AS SELECT bridge_agg(item, cur, q, r, c) AS s FROM br_big;
EXPLAIN (COSTS OFF) SELECT region, bridge_agg(item, cur, q, r, c) FROM br_big GROUP BY region;
CREATE TABLE br_par_g AS SELECT region, bridge_agg(item, cur, q, r, c) AS s FROM br_big GROUP BY region;
EXPLAIN (COSTS OFF) SELECT rollup(s) FROM (SELECT s FROM br_par_g, generate_series(1, 3000)) x;
CREATE TABLE br_par_r AS SELECT rollup(s) AS s FROM (SELECT s FROM br_par_g, generate_series(1, 3000)) x;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;
SELECT (SELECT s::text FROM br_par) = (SELECT bridge_agg(item, cur, q, r, c)::text FROM br_big) AS parallel_equals_serial,
       (SELECT string_agg(s::text, ';' ORDER BY region) FROM br_par_g)
     = (SELECT string_agg(s::text, ';' ORDER BY region) FROM (SELECT region, bridge_agg(item, cur, q, r, c) AS s FROM br_big GROUP BY region) x)
       AS grouped_parallel_equals_serial,
       (SELECT s::text FROM br_par_r) = (SELECT rollup(s)::text FROM (SELECT s FROM br_par_g, generate_series(1, 3000)) x)
       AS parallel_rollup_equals_serial;
-- three copies of each row: every sum tripled, so the bridge's base and current are tripled
SELECT b3.base = 3 * b1.base AND b3.current = 3 * b1.current AS tripled
FROM br_par, margin_bridge(br_par.s) b3, br_rnd_s, margin_bridge(br_rnd_s.s) b1 WHERE b3.item IS NULL AND b1.item IS NULL;

-- Sums beyond 64 bits, mixed signs and scales (each sum is kept as two 64-bit words): every
-- stored sum equals sum(numeric), also after a rollup of parts and a text round trip
SELECT setseed(0.7);
CREATE TABLE br_wide AS
SELECT (g % 50)::text AS item, random() < 0.5 AS cur,
       round(((random() - 0.5) * 10 ^ (1 + (g % 23)))::numeric, g % 7) AS q,
       round(((random() - 0.5) * 10 ^ (1 + (g % 22)))::numeric, (g + 3) % 9) AS r,
       round(((random() - 0.45) * 10 ^ (g % 21))::numeric, (g + 1) % 5) AS c
FROM generate_series(1, 30000) g;
CREATE TABLE br_wide_s AS SELECT bridge_agg(item, cur, q, r, c) AS s FROM br_wide;
WITH x AS (SELECT item, sum(q) FILTER (WHERE NOT cur) q0, sum(r) FILTER (WHERE NOT cur) r0, sum(c) FILTER (WHERE NOT cur) c0,
                  sum(q) FILTER (WHERE cur) q1, sum(r) FILTER (WHERE cur) r1, sum(c) FILTER (WHERE cur) c1
           FROM br_wide GROUP BY item)
SELECT (SELECT s::text FROM br_wide_s) = '(v1,rows=30000,items=' || count(*) || ',' ||
         string_agg(format('["%s",%s,%s,%s,%s,%s,%s]', item, q0, r0, c0, q1, r1, c1), ',' ORDER BY item COLLATE "C") || ')'
       AS exact_wide_sums,
       (SELECT max(abs(r)) > 1e20 FROM br_wide) AS beyond_64_bits
FROM x;
SELECT (SELECT rollup(s)::text FROM (SELECT bridge_agg(item, cur, q, r, c) AS s FROM br_wide GROUP BY length(q::text) % 5) z)
     = (SELECT s::text FROM br_wide_s) AS rollup_exact,
       (SELECT s::text::bridge_summary::text = s::text FROM br_wide_s) AS text_round_trip;

-- Keys equal in their first 16 bytes are ordered by the rest (shorter first when one is a prefix)
SELECT string_agg(item, ' < ') FROM margin_bridge((SELECT bridge_agg(k, true, 1, 1, 0)
  FROM unnest(ARRAY['ppppppppppppppppz', 'pppppppppppppppp', 'ppppppppppppppppa', 'pppppppppppppppp0', 'ppppppppppppppp']) k));

-- Many items: the hash table grows through several doublings, items come out sorted
SELECT item_count(s), row_count(s),
       (SELECT bool_and(item COLLATE "C" > prev COLLATE "C") FROM (SELECT item, lag(item) OVER () AS prev FROM margin_bridge(s) WHERE item IS NOT NULL) x
        WHERE prev IS NOT NULL) AS sorted,
       (SELECT new_items FROM margin_bridge(s) WHERE item IS NULL) AS new_total
FROM (SELECT bridge_agg(md5(g::text), true, 1, g, 0) AS s FROM generate_series(1, 50000) g) x;

DROP TABLE br_hand, br_hand_s, br_keys, br_keys_s, br_rnd, br_rnd_s, br_rnd_items, br_rnd_expected,
  br_by_region, br_stored, br_stored2, br_raw, br_big, br_par, br_par_g, br_par_r, br_wide, br_wide_s;
