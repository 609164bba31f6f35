-- sql/margin.sql: margin_summary, margin_agg, rollup, accessors, gross_margin_rate
SET search_path = retail_kpi, public;
SET extra_float_digits = 0;

-- Normal use, computed by hand:
--   revenue 100.00 + 50.50 + 0.25 = 150.75; cost 60.00 + 40.10 + 0.05 = 100.15
--   units 10 + 5 (third row has no units) = 15
--   gross profit 50.60; margin rate 50.60 / 150.75 = 0.335655058043118
--   markup 50.60 / 100.15 = 0.505242136794808
CREATE TABLE sales (store int, day date, r numeric, c numeric, u numeric);
INSERT INTO sales VALUES
  (1, '2024-01-01', 100.00, 60.00, 10),
  (1, '2024-01-02', 50.50, 40.10, 5),
  (2, '2024-01-02', 0.25, 0.05, NULL);
SELECT margin_agg(r, c, u) FROM sales;
SELECT margin_agg(r, c) FROM sales;
SELECT revenue(s), cost(s), units(s), gross_profit(s), row_count(s),
       round(margin_rate(s)::numeric, 15) AS margin_rate,
       round(markup_rate(s)::numeric, 15) AS markup_rate
FROM (SELECT margin_agg(r, c, u) AS s FROM sales) t;
SELECT round(gross_margin_rate(r, c)::numeric, 15) FROM sales;
-- the ratio is the correctly rounded float8 of the exact quotient
SELECT margin_rate(margin_agg(r, c)) = ((sum(r) - sum(c) + 0.0000000000000000000000000000000000000000) / sum(r))::float8 AS exact,
       markup_rate(margin_agg(r, c)) = ((sum(r) - sum(c) + 0.0000000000000000000000000000000000000000) / sum(c))::float8 AS exact_markup
FROM sales;

-- Ratio of sums, not average of ratios: store 1 margin 50.40/150.50, store 2 0.20/0.25 = 0.8
SELECT store, round(gross_margin_rate(r, c)::numeric, 6) FROM sales GROUP BY store ORDER BY store;
-- the average of the two store margins (0.334884 + 0.8) / 2 = 0.567442 is wrong;
-- the blended margin is 50.60 / 150.75 = 0.335655
SELECT round(avg(m)::numeric, 6) AS wrong_average_of_store_margins,
       (SELECT round(gross_margin_rate(r, c)::numeric, 6) FROM sales) AS ratio_of_sums
FROM (SELECT store, gross_margin_rate(r, c) AS m FROM sales GROUP BY store) t;

-- NULL rows are skipped; units NULL only drops the units; empty input gives NULL
SELECT margin_agg(r, c, u) FROM (VALUES (NULL::numeric, 1::numeric, 1::numeric),
                                        (2, NULL, 1), (3, 1, NULL)) v(r, c, u);
SELECT margin_agg(r, c) IS NULL AS empty_is_null, gross_margin_rate(r, c) IS NULL AS rate_null
FROM sales WHERE false;
SELECT margin_agg(r, c) IS NULL AS all_null_is_null
FROM (VALUES (NULL::numeric, NULL::numeric)) v(r, c);
SELECT units(margin_agg(r, c)) IS NULL AS no_units FROM sales;

-- Zero and negative denominators give NULL, never 0 or an error
SELECT margin_rate(margin_agg(r, c)) AS zero_revenue, markup_rate(margin_agg(r, c)) AS markup
FROM (VALUES (0::numeric, 5::numeric)) v(r, c);
SELECT margin_rate(margin_agg(r, c)) AS negative_revenue,
       markup_rate(margin_agg(r, c)) AS zero_cost
FROM (VALUES (-10::numeric, 0::numeric)) v(r, c);
SELECT margin_rate(margin_agg(r, c)), markup_rate(margin_agg(r, c)) AS negative_cost
FROM (VALUES (10::numeric, -2::numeric)) v(r, c);
-- returns: negative rows are summed as given (10 - 4 = 6 revenue, 5 - 2 = 3 cost) -> 0.5
SELECT margin_rate(margin_agg(r, c)) FROM (VALUES (10::numeric, 5::numeric), (-4, -2)) v(r, c);

-- Exactness: the sums equal sum(numeric) digit for digit, for mixed scales, signs,
-- values past the 128-bit fast path (1e40, 38+ digits, scale > 38) and cancellation.
CREATE TABLE odd (r numeric, c numeric);
INSERT INTO odd VALUES
  (1.5, 0.333), (-0.0001, 2), (123456789012345678901234567890.12, 1),
  (99999999999999999999999999999999999999, 0.1), (99999999999999999999999999999999999999, 0.1),
  (1e40, 1), (0.000000000000000000000000000000000000000001, 0), (-1e40, -1), (0.10, 0.1000);
SELECT revenue(s)::text = (SELECT sum(r)::text FROM odd) AS revenue_exact,
       cost(s)::text = (SELECT sum(c)::text FROM odd) AS cost_exact,
       revenue(s) AS revenue, cost(s) AS cost
FROM (SELECT margin_agg(r, c) AS s FROM odd) t;
-- the same through text and binary round trips and rollup of one-row summaries
SELECT revenue(s::text::margin_summary)::text = (SELECT sum(r)::text FROM odd) AS text_exact,
       s::text::margin_summary::text = s::text AS text_round_trip
FROM (SELECT margin_agg(r, c) AS s FROM odd) t;
SELECT revenue(rollup(s))::text = (SELECT sum(r)::text FROM odd) AS rollup_exact
FROM (SELECT margin_agg(r, c) AS s FROM odd GROUP BY r, c) t;
-- random values of scales 0..4 (seeded), compared with sum() as text
SELECT setseed(0.42);
CREATE TABLE rnd AS
SELECT g % 17 AS grp,
       round((random() * 2000 - 500)::numeric, g % 5) AS r,
       round((random() * 1500)::numeric, (g + 2) % 5) AS c,
       round((random() * 10)::numeric, g % 3) AS u
FROM generate_series(1, 5000) g;
SELECT count(*) AS groups,
       sum((revenue(s)::text = sr::text AND cost(s)::text = sc::text
            AND units(s)::text = su::text)::int) AS exact_groups
FROM (SELECT grp, margin_agg(r, c, u) AS s, sum(r) AS sr, sum(c) AS sc, sum(u) AS su
      FROM rnd GROUP BY grp) t;

-- random magnitudes 1e-25 .. 1e35 and scales 0 .. 44 (seeded): every single value
-- decodes exactly, and every group's sum equals sum() as text
CREATE TABLE wide AS
SELECT g % 50 AS grp,
       round((random() - 0.3)::numeric * 10::numeric ^ (floor(random() * 60) - 25)::int,
             floor(random() * 45)::int) AS r
FROM generate_series(1, 20000) g;
SELECT count(*) AS values_not_exact FROM wide
WHERE revenue(margin_agg_trans(NULL, r, 0))::text <> r::text;
SELECT count(*) AS groups, sum((revenue(s)::text = sr::text)::int) AS exact_groups
FROM (SELECT grp, margin_agg(r, 0) AS s, sum(r) AS sr FROM wide GROUP BY grp) t;

-- Rollup of stored daily summaries equals the raw aggregation
CREATE TABLE rnd_daily AS
SELECT grp, (g % 31) AS day, margin_agg(r, c, u) AS s
FROM (SELECT *, row_number() OVER () AS g FROM rnd) x GROUP BY grp, day;
SELECT count(*) AS groups,
       sum((a.s::text = b.s::text)::int) AS identical
FROM (SELECT grp, rollup(s) AS s FROM rnd_daily GROUP BY grp) a
JOIN (SELECT grp, margin_agg(r, c, u) AS s FROM rnd GROUP BY grp) b USING (grp);
SELECT rollup(s) IS NULL AS rollup_of_nothing FROM rnd_daily WHERE false;
SELECT rollup(s)::text = (SELECT margin_agg(r, c, u)::text FROM rnd) AS nulls_ignored
FROM (SELECT s FROM rnd_daily UNION ALL SELECT NULL) t;

-- Text form: accepted, normalised, round-trips
SELECT '(v1,rows=2,revenue=30.75,cost=20.10,units=)'::margin_summary;
SELECT '  (v1,rows=1,revenue=-1.5,cost=0,units=2.000)  '::margin_summary;
SELECT margin_rate('(v1,rows=1,revenue=200,cost=150,units=)'::margin_summary);
-- malformed text: 22P02
\set VERBOSITY default
SELECT 'garbage'::margin_summary;
SELECT '(v2,rows=1,revenue=1,cost=1,units=)'::margin_summary;
SELECT '(v1,rows=1,revenue=1,cost=1)'::margin_summary;
SELECT '(v1,rows=1,revenue=1e5,cost=1,units=)'::margin_summary;
SELECT '(v1,rows=1,revenue=NaN,cost=1,units=)'::margin_summary;
SELECT '(v1,rows=-1,revenue=1,cost=1,units=)'::margin_summary;
SELECT '(v1,rows=0,revenue=1,cost=1,units=)'::margin_summary;
SELECT '(v1,rows=1,cost=1,revenue=1,units=)'::margin_summary;
SELECT '(v1,rows=1,revenue=1,cost=1,units=) x'::margin_summary;
SELECT '(v1,rows=1,revenue=1.,cost=1,units=)'::margin_summary;

-- NaN and infinities are bad input naming the argument
SELECT margin_agg(r, c) FROM (VALUES ('NaN'::numeric, 1::numeric)) v(r, c);
SELECT margin_agg(r, c) FROM (VALUES (1::numeric, 'Infinity'::numeric)) v(r, c);
SELECT margin_agg(r, c, u) FROM (VALUES (1::numeric, 1::numeric, '-Infinity'::numeric)) v(r, c, u);
SELECT gross_margin_rate(r, c) FROM (VALUES (1::numeric, 'NaN'::numeric)) v(r, c);
\set VERBOSITY terse

-- Binary round trip through COPY (FORMAT binary)
SELECT current_setting('data_directory') || '/rk_margin_regress.bin' AS binfile \gset
CREATE TABLE stored (k int, s margin_summary);
INSERT INTO stored SELECT grp, margin_agg(r, c, u) FROM rnd GROUP BY grp;
INSERT INTO stored SELECT 100, margin_agg(r, c) FROM odd;
COPY stored TO :'binfile' (FORMAT binary);
CREATE TABLE stored2 (LIKE stored);
COPY stored2 FROM :'binfile' (FORMAT binary);
SELECT count(*) AS rows, sum((a.s::text = b.s::text)::int) AS identical
FROM stored a JOIN stored2 b USING (k);
-- corrupt binary values are rejected with 22000: write raw bytes as a bytea field
-- and read them back as margin_summary (binary COPY passes the field's bytes to recv)
CREATE TABLE raw (k int, b bytea);
INSERT INTO raw VALUES (1, '\x02'::bytea);                 -- wrong version
COPY raw TO :'binfile' (FORMAT binary);
\set VERBOSITY default
COPY stored2 FROM :'binfile' (FORMAT binary);
TRUNCATE raw; INSERT INTO raw VALUES (1, '\x016d'::bytea); -- truncated
COPY raw TO :'binfile' (FORMAT binary);
COPY stored2 FROM :'binfile' (FORMAT binary);
TRUNCATE raw;
INSERT INTO raw SELECT 1, overlay(margin_summary_send(s) placing '\x72'::bytea from 2 for 1)
FROM stored WHERE k = 100;                                  -- kind byte of a ratio summary
COPY raw TO :'binfile' (FORMAT binary);
COPY stored2 FROM :'binfile' (FORMAT binary);
TRUNCATE raw;
INSERT INTO raw SELECT 1, margin_summary_send(s) || '\x00'::bytea FROM stored WHERE k = 100;
COPY raw TO :'binfile' (FORMAT binary);
COPY stored2 FROM :'binfile' (FORMAT binary);               -- trailing bytes
TRUNCATE raw;
INSERT INTO raw SELECT 1, overlay(margin_summary_send(s) placing '\x3f'::bytea from 24 for 1)
FROM stored WHERE k = 100;                                  -- a digit replaced by '?'
COPY raw TO :'binfile' (FORMAT binary);
COPY stored2 FROM :'binfile' (FORMAT binary);
\set VERBOSITY terse
-- the same bytes sent by send() are accepted again
TRUNCATE raw; INSERT INTO raw SELECT k, margin_summary_send(s) FROM stored;
COPY raw TO :'binfile' (FORMAT binary);
TRUNCATE stored2;
COPY stored2 FROM :'binfile' (FORMAT binary);
SELECT count(*) AS via_bytea, sum((a.s::text = b.s::text)::int) AS identical
FROM stored a JOIN stored2 b USING (k);

-- Combining two summaries whose fast parts overflow 128 bits stays exact
SELECT revenue(rollup(s)) AS big_sum,
       revenue(rollup(s)) = 2 * 99999999999999999999999999999999999999::numeric AS exact
FROM (SELECT margin_agg(99999999999999999999999999999999999999, 1) AS s
      FROM generate_series(1, 2)
      GROUP BY generate_series) t;

-- Called outside an aggregate, the transition function does not modify its input
SELECT margin_agg_trans('(v1,rows=1,revenue=1,cost=1,units=)', 2, 1) AS new_state,
       margin_agg_trans(NULL, 2, 1) AS first_row,
       margin_agg_trans(NULL, NULL, 1) IS NULL AS skipped;
SELECT margin_summary_combine(NULL, NULL) IS NULL AS both_null,
       margin_summary_combine('(v1,rows=1,revenue=1,cost=1,units=)', NULL) AS left_only,
       margin_summary_combine(NULL, '(v1,rows=1,revenue=1,cost=1,units=)') AS right_only;

-- Parallel aggregation: forced parallel plan, Partial Aggregate, same result as serial
CREATE TABLE big AS
SELECT g % 100 AS grp, round((g % 977) * 1.37, 2) AS r, round((g % 613) * 0.91, 2) AS c, (g % 7) AS u
FROM generate_series(1, 200000) g;
ANALYZE big;
CREATE TABLE serial_result AS
SELECT grp, margin_agg(r, c, u)::text AS s, gross_margin_rate(r, c) AS m FROM big GROUP BY grp;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT grp, margin_agg(r, c, u), gross_margin_rate(r, c) FROM big GROUP BY grp;
EXPLAIN (COSTS OFF) SELECT margin_agg(r, c, u) FROM big;
SELECT count(*) AS groups, sum((p.s::text = sr.s AND p.m = sr.m)::int) AS identical
FROM (SELECT grp, margin_agg(r, c, u) AS s, gross_margin_rate(r, c) AS m FROM big GROUP BY grp) p
JOIN serial_result sr USING (grp);
SELECT margin_agg(r, c, u)::text = (SELECT margin_agg(r, c, u)::text FROM big) AS whole_table_parallel
FROM big;
-- rollup of a stored summary table in parallel
CREATE TABLE big_daily AS SELECT grp, r::int % 50 AS d, margin_agg(r, c, u) AS s FROM big GROUP BY 1, 2;
ANALYZE big_daily;
EXPLAIN (COSTS OFF) SELECT grp, rollup(s) FROM big_daily GROUP BY grp;
SELECT count(*) AS groups, sum((p.s::text = sr.s)::int) AS identical
FROM (SELECT grp, rollup(s) AS s FROM big_daily GROUP BY grp) p JOIN serial_result sr USING (grp);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
RESET parallel_leader_participation;

-- Stored summaries with a NULL in a table behave like NULL everywhere
SELECT revenue(NULL::margin_summary) IS NULL AS strict_accessor;

DROP TABLE sales, odd, wide, rnd, rnd_daily, stored, stored2, raw, big, big_daily, serial_result;

-- ---------------------------------------------------------------------------
-- 0.3: margin_rate(s, digits) and markup_rate(s, digits): numeric, rounded half away from zero
-- once from the exact sums.  revenue 150.75, cost 100.15: margin 50.60 / 150.75 = 0.33565506...,
-- markup 50.60 / 100.15 = 0.50524213...; revenue 8, cost 7: margin 1/8 = 0.125 -> 0.13;
-- revenue 8, cost 9: -0.125 -> -0.13; revenue <= 0 or cost <= 0 -> NULL (as the float8 forms)
-- ---------------------------------------------------------------------------
SELECT margin_rate(margin_agg(150.75, 100.15), 4) AS m4, markup_rate(margin_agg(150.75, 100.15), 4) AS k4,
       margin_rate(margin_agg(8, 7), 2) AS half_up, margin_rate(margin_agg(8, 9), 2) AS half_down,
       margin_rate(margin_agg(0, 1), 2) AS no_revenue, markup_rate(margin_agg(1, 0), 2) AS no_cost,
       margin_rate(margin_agg(150.75, 100.15), 0) AS d0, pg_typeof(margin_rate(margin_agg(1, 1), 2)) AS type;
-- against round() of the exact quotient on the random stores
SELECT count(*) AS groups,
       count(*) FILTER (WHERE margin_rate(m, 6) <> round((revenue(m) - cost(m)) / revenue(m), 6)) AS margin_differ,
       count(*) FILTER (WHERE markup_rate(m, 6) <> round((revenue(m) - cost(m)) / cost(m), 6)) AS markup_differ
FROM (SELECT margin_agg(r, c) AS m
      FROM (SELECT i % 50 AS g, (i * 7919 % 100003) / 100.0 AS r, (i * 104729 % 70001) / 100.0 AS c
            FROM generate_series(1, 20000) i) t GROUP BY g) x;
SELECT margin_rate(margin_agg(1, 1), -1);
