-- sql/customer.sql: customer_summary, customer_agg, rollup, repurchase rate, purchase frequency,
-- spend per customer, new/returning/lost customers, active rate, rfm_scores, rfm_tiers,
-- cohort_retention.
SET search_path = retail_kpi, public;

-- ===== a small case by hand
-- customer 42:   2024-01-01 2, 2024-01-05 10.50 and 0.25 (two rows, one occasion), 2024-03-15 5.00
--                -> 3 occasions, spend 17.75
-- customer -7:   2024-02-01 3.00                         -> 1 occasion, 3.00
-- customer 2^63-1: 2024-03-01 1                          -> 1 occasion, 1
-- customer -2^63:  2024-03-02 -1 (a return)              -> 1 occasion, -1
-- customer 3:    2024-01-01, 01-02, 01-03, spend 0 each  -> 3 occasions, 0
-- rows with a NULL customer, date or spend are skipped: 10 rows kept
-- customers 5; occasions 3+1+1+1+3 = 9; repeat customers (>= 2 occasions) 42 and 3
--   repurchase rate 2/5 = 0.4; purchase frequency 9/5 = 1.8
--   total spend 17.75 + 3.00 + 1 - 1 + 0 = 20.75; per customer 20.75 / 5 = 4.15
CREATE TABLE cu_small (customer bigint, purchase_date date, spend numeric);
INSERT INTO cu_small VALUES
  (42, '2024-01-05', 10.50), (42, '2024-01-01', 2), (42, '2024-01-05', 0.25), (42, '2024-03-15', 5.00),
  (-7, '2024-02-01', 3.00), (9223372036854775807, '2024-03-01', 1), (-9223372036854775808, '2024-03-02', -1),
  (3, '2024-01-01', 0), (3, '2024-01-02', 0), (3, '2024-01-03', 0),
  (NULL, '2024-01-01', 1), (5, NULL, 1), (5, '2024-01-01', NULL);
SELECT customer_agg(customer, purchase_date, spend) FROM cu_small;
SELECT customer_count(s), purchase_occasions(s), row_count(s), repurchase_rate(s), purchase_frequency(s),
       total_spend(s), spend_per_customer(s), first_purchase_date(s), last_purchase_date(s)
FROM (SELECT customer_agg(customer, purchase_date, spend) s FROM cu_small) q;
SELECT * FROM customer_list((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small));
-- active rate against a member base of 20 members: 5/20; a base <= 0 gives NULL
SELECT active_rate(s, 20) AS active, active_rate(s, 0) AS zero_base, active_rate(s, -3) AS negative_base,
       active_rate(s, 4) AS inconsistent_base
FROM (SELECT customer_agg(customer, purchase_date, spend) s FROM cu_small) q;
-- new versus returning: current = March (42, 2^63-1, -2^63), prior = January-February (42, 3, -7)
--   new 2 (2^63-1, -2^63), returning 1 (42), lost 2 (3, -7)
SELECT new_customers(cur, pri), returning_customers(cur, pri), lost_customers(cur, pri),
       new_customers(cur, NULL) AS no_prior_all_new, returning_customers(cur, NULL) AS no_prior_returning,
       lost_customers(NULL, pri) AS no_current_all_lost, new_customers(NULL, NULL) IS NULL AS both_null
FROM (SELECT customer_agg(customer, purchase_date, spend) FILTER (WHERE purchase_date >= '2024-03-01') cur,
             customer_agg(customer, purchase_date, spend) FILTER (WHERE purchase_date < '2024-03-01') pri
      FROM cu_small) q;
-- RFM as of 2024-03-31, 3 tiers ('ntile': worst first, ties by customer key, sizes 2, 2, 1):
--   recency (days since the last purchase, more is worse):
--     3: 88, -7: 59, 2^63-1: 30, -2^63: 29, 42: 16         -> 1, 1, 2, 2, 3
--   frequency (fewer is worse; ties by key): -2^63: 1, -7: 1, 2^63-1: 1, 3: 3, 42: 3
--                                                          -> 1, 1, 2, 2, 3
--   monetary: -2^63: -1, 3: 0, 2^63-1: 1, -7: 3.00, 42: 17.75 -> 1, 1, 2, 2, 3
SELECT * FROM rfm_scores((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small), '2024-03-31', 3);
-- 'rank': score = 1 + floor(3 * (rank - 1) / 5); frequency 1, 1, 1, 3, 3 has ranks 1, 1, 1, 4, 4
--   -> scores 1, 1, 1, 2, 2 (ties share a score; tier 3 is empty); recency and monetary have no
--   ties: ranks 1..5 -> 1, 1, 2, 2, 3 as with ntile
SELECT customer, r_score, f_score, m_score, method
FROM rfm_scores((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small), '2024-03-31', 3, 'rank');
-- tier sizes and value ranges
SELECT * FROM rfm_tiers((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small), '2024-03-31', 3);
SELECT * FROM rfm_tiers((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small), '2024-03-31', 3, 'rank');
-- the default is 5 tiers: with 5 customers, one per tier ('ntile')
SELECT customer, r_score, f_score, m_score
FROM rfm_scores((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small), '2024-03-31');
-- one tier: everybody scores 1
SELECT DISTINCT r_score, f_score, m_score
FROM rfm_scores((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small), '2024-04-01', 1);
-- recency 0 on the last purchase date itself
SELECT customer, recency FROM rfm_scores('(v1,rows=1,1=1@2024-03-31)', '2024-03-31');
-- cohorts by month: January {42, 3} (size 2): February nobody, March 42 -> 2, 0, 1;
--   February {-7}: 1, 0; March {2^63-1, -2^63}: 2
SELECT * FROM cohort_retention((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small));
-- by quarter: everybody is in the cohort of 2024 Q1
SELECT * FROM cohort_retention((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small), 'quarter');
-- by week (weeks start on Monday; 2024-01-01 was a Monday): the week of 2024-01-01 {42, 3},
-- the week of 2024-01-29 {-7}, the week of 2024-02-26 {2^63-1, -2^63}; 42 again in the week of
-- 2024-03-11 (period 10 of its cohort)
SELECT * FROM cohort_retention((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small), 'week')
WHERE customers > 0;
-- by year and by day
SELECT * FROM cohort_retention((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small), 'year');
SELECT cohort, count(*) AS periods, sum(customers) AS customer_days
FROM cohort_retention((SELECT customer_agg(customer, purchase_date, spend) FROM cu_small), 'day')
GROUP BY cohort ORDER BY cohort;
-- empty input gives NULL; an empty summary (from text) has no customers
SELECT customer_agg(customer, purchase_date, spend) IS NULL AS empty_is_null FROM cu_small WHERE false;
SELECT customer_agg(customer, purchase_date, spend) IS NULL AS all_null_is_null
FROM cu_small WHERE customer IS NULL OR purchase_date IS NULL OR spend IS NULL;
SELECT customer_count(s), purchase_occasions(s), repurchase_rate(s), purchase_frequency(s), total_spend(s),
       spend_per_customer(s), first_purchase_date(s), last_purchase_date(s), active_rate(s, 10)
FROM (VALUES ('(v1,rows=0)'::customer_summary)) v(s);
SELECT (SELECT count(*) FROM customer_list('(v1,rows=0)')) AS list,
       (SELECT count(*) FROM rfm_scores('(v1,rows=0)', '2024-01-01')) AS rfm,
       (SELECT count(*) FROM rfm_tiers('(v1,rows=0)', '2024-01-01')) AS tiers,
       (SELECT count(*) FROM cohort_retention('(v1,rows=0)')) AS cohorts;
-- NULL arguments of the STRICT functions
SELECT repurchase_rate(NULL), active_rate('(v1,rows=0)', NULL),
       (SELECT count(*) FROM rfm_scores('(v1,rows=1,1=1@2024-01-01)', NULL)) AS rfm_null_as_of;

-- ===== text form: exact round trip, any input order, DateStyle-independent dates
SELECT s::text, s::text::customer_summary::text = s::text AS round_trip
FROM (SELECT customer_agg(customer, purchase_date, spend) s FROM cu_small) q;
SELECT '(v1,rows=5,42=1.50@2024-03-01;2024-01-01,-1=0@2024-01-02,7=-2.125@9999-12-31;0001-01-01)'::customer_summary;
SET DateStyle = 'German, DMY';
SELECT '(v1,rows=2,1=1@2024-02-29;2023-12-31)'::customer_summary;
SELECT first_purchase_date('(v1,rows=2,1=1@2024-02-29;2023-12-31)');
RESET DateStyle;
SELECT ' (v1,rows=1,1=1@2024-01-01) '::customer_summary;
-- malformed text (22P02), unsupported version, out-of-range spend (22003)
SELECT 'v1,rows=1'::customer_summary;
SELECT '(v2,rows=1)'::customer_summary;
SELECT '(v1,rows=-1)'::customer_summary;
SELECT '(v1,rows=1,x=1@2024-01-01)'::customer_summary;
SELECT '(v1,rows=1,1=1)'::customer_summary;
SELECT '(v1,rows=1,1@2024-01-01)'::customer_summary;
SELECT '(v1,rows=1,1=1@2024-02-30)'::customer_summary;
SELECT '(v1,rows=1,1=1@2024-1-01)'::customer_summary;
SELECT '(v1,rows=1,1=1@0000-01-01)'::customer_summary;
SELECT '(v1,rows=1,1=1@2024-01-01;)'::customer_summary;
SELECT '(v1,rows=1,1=abc@2024-01-01)'::customer_summary;
SELECT '(v1,rows=1,1=1e5@2024-01-01)'::customer_summary;
SELECT '(v1,rows=1,1=NaN@2024-01-01)'::customer_summary;
SELECT '(v1,rows=2,1=1@2024-01-01,1=2@2024-01-02)'::customer_summary;
SELECT '(v1,rows=2,1=1@2024-01-01;2024-01-01)'::customer_summary;
SELECT '(v1,rows=1,1=1@2024-01-01;2024-01-02)'::customer_summary;
SELECT '(v1,rows=1,9223372036854775808=1@2024-01-01)'::customer_summary;
SELECT '(v1,rows=1,--1=1@2024-01-01)'::customer_summary;
SELECT '(v1,rows=1,1=1@2024-01-01) x'::customer_summary;
SELECT '(v1,rows=1,1=1@2024-01-01'::customer_summary;
SELECT '(v1,rows=1,1=170141183460469231731687303715884105728@2024-01-01)'::customer_summary;

-- ===== binary form: COPY round trip
SELECT current_setting('data_directory') || '/rk_customer_regress.bin' AS binfile \gset
CREATE TABLE cu_bin (s customer_summary);
INSERT INTO cu_bin SELECT customer_agg(customer, purchase_date, spend) FROM cu_small;
INSERT INTO cu_bin VALUES ('(v1,rows=5,42=1.50@2024-03-01;2024-01-01,-1=0@2024-01-02,7=-2.125@9999-12-31;0001-01-01)'),
                          ('(v1,rows=0)');
COPY cu_bin TO :'binfile' (FORMAT binary);
CREATE TABLE cu_bin2 (s customer_summary);
COPY cu_bin2 FROM :'binfile' (FORMAT binary);
SELECT (SELECT array_agg(s::text ORDER BY s::text) FROM cu_bin) =
       (SELECT array_agg(s::text ORDER BY s::text) FROM cu_bin2) AS binary_round_trip,
       (SELECT count(*) FROM cu_bin2) AS n;
-- hand-made binary values (written as bytea, read back as customer_summary):
-- version 1, kind 'c', rows 1, 1 customer: key 5, scale 2, spend 0 * 2^64 + 505, 1 date,
-- 8766 = 2024-01-01 (days since 2000-01-01) -> 5=5.05@2024-01-01
CREATE TABLE cu_raw (b bytea);
CREATE FUNCTION cu_try_recv(raw bytea) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
  TRUNCATE cu_raw; TRUNCATE cu_bin2;
  INSERT INTO cu_raw VALUES (raw);
  EXECUTE format('COPY cu_raw TO %L (FORMAT binary)', current_setting('data_directory') || '/rk_customer_regress.bin');
  EXECUTE format('COPY cu_bin2 FROM %L (FORMAT binary)', current_setting('data_directory') || '/rk_customer_regress.bin');
  RETURN (SELECT s::text FROM cu_bin2);
EXCEPTION WHEN OTHERS THEN
  RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
SELECT cu_try_recv('\x016300000000000000010000000100000000000000050002000000000000000000000000000001f9000000010000223e');
-- two dates in descending order are stored sorted; a negative key and spend -5.05
SELECT cu_try_recv('\x016300000000000000020000000100000000000000050002000000000000000000000000000001f9000000020000223f0000223e');
SELECT cu_try_recv('\x0163000000000000000100000001fffffffffffffffb0002fffffffffffffffffffffffffffffe07000000010000223e');
-- the customer_summary_send of a value reads back identically
SELECT cu_try_recv(customer_summary_send(s)) = s::text AS send_recv
FROM (SELECT customer_agg(customer, purchase_date, spend) s FROM cu_small) q;
-- corrupt binary values are rejected (22000)
SELECT cu_try_recv('\x026300000000000000010000000100000000000000050002000000000000000000000000000001f9000000010000223e');   -- version 2
SELECT cu_try_recv('\x016400000000000000010000000100000000000000050002000000000000000000000000000001f9000000010000223e');   -- kind 'd'
SELECT cu_try_recv('\x016300000000000000010000000100000000000000050002000000000000000000000000000001f9000000010000');       -- truncated
SELECT cu_try_recv('\x016300000000000000010000000100000000000000050002000000000000000000000000000001f9000000010000223e00'); -- trailing byte
SELECT cu_try_recv('\x016300000000000000010000000100000000000000050027000000000000000000000000000001f9000000010000223e');   -- scale 39
SELECT cu_try_recv('\x016300000000000000000000000100000000000000050002000000000000000000000000000001f9000000010000223e');   -- 1 customer, 0 rows
SELECT cu_try_recv('\x016300000000000000010000000100000000000000050002000000000000000000000000000001f900000000');           -- no dates
SELECT cu_try_recv('\x016300000000000000010000000100000000000000050002000000000000000000000000000001f9000000017fffffff');   -- date beyond 9999
SELECT cu_try_recv('\x016300000000000000020000000100000000000000050002000000000000000000000000000001f9000000020000223e0000223e'); -- same date twice
SELECT cu_try_recv('\x01630000000000000002000000020000000000000005000200000000000000000000000000000001000000010000223e'
                   '0000000000000005000200000000000000000000000000000001000000010000223f');                                  -- same customer twice
SELECT cu_try_recv('\x016300000000000000010000000100000000000000050002000000000000000000000000000001f9ffffffff');           -- negative date count
SELECT cu_try_recv('\x016300000000000000010000000100000000000000050002000000000000000000000000000001f97fffffff0000223e');   -- huge date count
SELECT cu_try_recv('\x0163000000000000000000000000');                                                                        -- empty: fine
SELECT cu_try_recv('\x01630000000000000000ffffffff');                                                                        -- negative count

-- ===== generated data: every KPI equals the plain SQL over the raw rows
SELECT setseed(0.25);
CREATE TABLE cu_t AS
SELECT CASE WHEN g % 101 = 0 THEN NULL
            WHEN g % 7 = 0 THEN -((g * 7919) % 3000)::bigint
            ELSE ((g * 7919) % 9000)::bigint END AS customer,
       date '2024-01-01' + (random() * 365)::int AS purchase_date,
       CASE WHEN g % 97 = 0 THEN NULL ELSE round((random() * 300 - 20)::numeric, g % 3) END AS spend,
       1 + g % 5 AS store
FROM generate_series(1, 20000) g;
-- the same customer and day in two stores (an occasion spread over partial states)
INSERT INTO cu_t SELECT customer, purchase_date, 1.5, 1 + store % 5 FROM cu_t WHERE store = 1 AND customer % 3 = 0;
ANALYZE cu_t;
CREATE VIEW cu_v AS
SELECT * FROM cu_t WHERE customer IS NOT NULL AND purchase_date IS NOT NULL AND spend IS NOT NULL;
CREATE TABLE cu_all AS SELECT customer_agg(customer, purchase_date, spend) AS s FROM cu_t;
-- per customer: occasions = count(DISTINCT date), spend = sum(spend) digit for digit
WITH h AS (SELECT customer, count(DISTINCT purchase_date)::int AS occasions, sum(spend) AS spend,
                  min(purchase_date) AS first_purchase, max(purchase_date) AS last_purchase
           FROM cu_v GROUP BY customer)
SELECT (SELECT count(*) FROM h) AS customers,
       (SELECT count(*) FROM (SELECT customer, occasions, spend::text, first_purchase, last_purchase FROM h
                              EXCEPT SELECT customer, occasions, spend::text, first_purchase, last_purchase
                              FROM customer_list((SELECT s FROM cu_all))) x) AS missing,
       (SELECT count(*) FROM (SELECT customer, occasions, spend::text, first_purchase, last_purchase
                              FROM customer_list((SELECT s FROM cu_all))
                              EXCEPT SELECT customer, occasions, spend::text, first_purchase, last_purchase FROM h) x) AS extra;
-- the KPIs: repurchase rate via count(*) FILTER over GROUP BY customer, frequency, spend per customer
WITH c AS (SELECT customer, count(DISTINCT purchase_date) AS n FROM cu_v GROUP BY customer)
SELECT repurchase_rate(s) = (SELECT (count(*) FILTER (WHERE n >= 2))::float8 / count(*) FROM c) AS repurchase_equal,
       purchase_frequency(s) = (SELECT sum(n)::float8 / count(*) FROM c) AS frequency_equal,
       customer_count(s) = (SELECT count(DISTINCT customer) FROM cu_v) AS count_equal,
       purchase_occasions(s) = (SELECT count(*) FROM (SELECT DISTINCT customer, purchase_date FROM cu_v) x) AS occasions_equal,
       row_count(s) = (SELECT count(*) FROM cu_v) AS rows_equal,
       total_spend(s)::text = (SELECT sum(spend)::text FROM cu_v) AS total_equal,
       spend_per_customer(s)::text = (SELECT (sum(spend) / count(DISTINCT customer))::text FROM cu_v) AS per_customer_equal,
       first_purchase_date(s) = (SELECT min(purchase_date) FROM cu_v) AS first_equal,
       last_purchase_date(s) = (SELECT max(purchase_date) FROM cu_v) AS last_equal,
       round(repurchase_rate(s)::numeric, 6) AS repurchase_rate
FROM cu_all;
-- per store (GROUP BY) as well
SELECT count(*) AS stores,
       count(*) FILTER (WHERE repurchase_rate(k.s) = h.rate AND spend_per_customer(k.s) = h.per_customer) AS equal
FROM (SELECT store, customer_agg(customer, purchase_date, spend) s FROM cu_t GROUP BY store) k
JOIN (SELECT store, (count(*) FILTER (WHERE n >= 2))::float8 / count(*) AS rate, sum(m) / count(*) AS per_customer
      FROM (SELECT store, customer, count(DISTINCT purchase_date) n, sum(spend) m FROM cu_v GROUP BY 1, 2) x
      GROUP BY store) h USING (store);
-- new / returning / lost: second half of the year against the first half
WITH cur AS (SELECT DISTINCT customer FROM cu_v WHERE purchase_date >= '2024-07-01'),
pri AS (SELECT DISTINCT customer FROM cu_v WHERE purchase_date < '2024-07-01')
SELECT new_customers(a, b) = (SELECT count(*) FROM cur WHERE customer NOT IN (SELECT customer FROM pri)) AS new_equal,
       returning_customers(a, b) = (SELECT count(*) FROM cur JOIN pri USING (customer)) AS returning_equal,
       lost_customers(a, b) = (SELECT count(*) FROM pri WHERE customer NOT IN (SELECT customer FROM cur)) AS lost_equal,
       new_customers(a, b) + returning_customers(a, b) = customer_count(a) AS new_plus_returning
FROM (SELECT customer_agg(customer, purchase_date, spend) FILTER (WHERE purchase_date >= '2024-07-01') a,
             customer_agg(customer, purchase_date, spend) FILTER (WHERE purchase_date < '2024-07-01') b
      FROM cu_t) q;
-- RFM 'ntile' equals ntile() over (value worst first, customer)
WITH c AS (SELECT customer, date '2025-01-01' - max(purchase_date) AS r, count(DISTINCT purchase_date)::int AS f,
                  sum(spend) AS m FROM cu_v GROUP BY customer),
h AS (SELECT customer, r, f, m, ntile(5) OVER (ORDER BY r DESC, customer) AS rs,
             ntile(5) OVER (ORDER BY f, customer) AS fs, ntile(5) OVER (ORDER BY m, customer) AS ms FROM c),
o AS (SELECT * FROM rfm_scores((SELECT s FROM cu_all), '2025-01-01'))
SELECT (SELECT count(*) FROM o) AS customers,
       (SELECT count(*) FROM o JOIN h USING (customer)
        WHERE o.recency = h.r AND o.frequency = h.f AND o.monetary::text = h.m::text
          AND o.r_score = h.rs AND o.f_score = h.fs AND o.m_score = h.ms AND o.method = 'ntile') AS equal;
-- RFM 'rank' equals 1 + tiers * (rank() - 1) / n, with 7 tiers
WITH c AS (SELECT customer, date '2025-01-01' - max(purchase_date) AS r, count(DISTINCT purchase_date)::int AS f,
                  sum(spend) AS m FROM cu_v GROUP BY customer),
h AS (SELECT customer, 1 + 7 * (rank() OVER (ORDER BY r DESC) - 1) / count(*) OVER () AS rs,
             1 + 7 * (rank() OVER (ORDER BY f) - 1) / count(*) OVER () AS fs,
             1 + 7 * (rank() OVER (ORDER BY m) - 1) / count(*) OVER () AS ms FROM c),
o AS (SELECT * FROM rfm_scores((SELECT s FROM cu_all), '2025-01-01', 7, 'rank'))
SELECT (SELECT count(*) FROM o) AS customers,
       (SELECT count(*) FROM o JOIN h USING (customer)
        WHERE o.r_score = h.rs AND o.f_score = h.fs AND o.m_score = h.ms AND o.method = 'rank') AS equal;
-- rfm_tiers: the sizes add up, and agree with rfm_scores grouped by score
SELECT dimension, sum(customers) AS customers, count(*) AS tiers FROM rfm_tiers((SELECT s FROM cu_all), '2025-01-01')
GROUP BY dimension ORDER BY dimension;
SELECT count(*) AS tier_rows,
       count(*) FILTER (WHERE t.customers = (SELECT count(*) FROM rfm_scores((SELECT s FROM cu_all), '2025-01-01') r
                                            WHERE CASE t.dimension WHEN 'recency' THEN r.r_score
                                                  WHEN 'frequency' THEN r.f_score ELSE r.m_score END = t.score)) AS equal
FROM rfm_tiers((SELECT s FROM cu_all), '2025-01-01') t;
-- cohorts equal the plain SQL (GROUP BY first period, every period up to the last one, zeros included)
CREATE FUNCTION cu_cohorts_sql(g text) RETURNS TABLE (cohort date, period int, customers bigint, cohort_size bigint,
                                                      retention_rate float8)
LANGUAGE sql AS $$
  WITH fp AS (SELECT customer, date_trunc(g, min(purchase_date))::date AS cohort FROM cu_v GROUP BY customer),
  act AS (SELECT DISTINCT customer, date_trunc(g, purchase_date)::date AS p FROM cu_v),
  cells AS (SELECT fp.cohort, act.p, count(*) AS n FROM act JOIN fp USING (customer) GROUP BY 1, 2),
  sizes AS (SELECT fp.cohort, count(*) AS size FROM fp GROUP BY 1),
  grid AS (SELECT s.cohort, s.size, p::date AS p, row_number() OVER (PARTITION BY s.cohort ORDER BY p) - 1 AS period
           FROM sizes s, generate_series(s.cohort, (SELECT max(p) FROM act), (CASE g WHEN 'quarter' THEN '3 months' ELSE '1 ' || g END)::interval) p)
  SELECT grid.cohort, grid.period::int, coalesce(cells.n, 0), grid.size, coalesce(cells.n, 0)::float8 / grid.size
  FROM grid LEFT JOIN cells ON cells.cohort = grid.cohort AND cells.p = grid.p
$$;
SELECT g AS grain,
       (SELECT count(*) FROM cohort_retention((SELECT s FROM cu_all), g)) AS rows,
       (SELECT count(*) FROM (SELECT * FROM cu_cohorts_sql(g)
                              EXCEPT SELECT cohort, period, customers, cohort_size, retention_rate
                              FROM cohort_retention((SELECT s FROM cu_all), g)) x) AS missing,
       (SELECT count(*) FROM (SELECT cohort, period, customers, cohort_size, retention_rate
                              FROM cohort_retention((SELECT s FROM cu_all), g)
                              EXCEPT SELECT * FROM cu_cohorts_sql(g)) x) AS extra
FROM unnest(ARRAY['day', 'week', 'month', 'quarter', 'year']) g;
SELECT cohort, period, customers, cohort_size, round(retention_rate::numeric, 4) AS retention_rate
FROM cohort_retention((SELECT s FROM cu_all), 'quarter');

-- ===== rollup: partial summaries roll up to the summary of all rows
CREATE TABLE cu_daily AS
SELECT purchase_date, store, customer_agg(customer, purchase_date, spend) AS s FROM cu_t GROUP BY 1, 2;
SELECT (SELECT rollup(s) FROM cu_daily)::text = (SELECT s FROM cu_all)::text AS daily_rollup_equal;
-- rolled up per store and month, then again: still equal; and by month equals the raw rows by month
CREATE TABLE cu_monthly AS
SELECT date_trunc('month', purchase_date) AS month, store, rollup(s) AS s FROM cu_daily GROUP BY 1, 2;
SELECT (SELECT rollup(s) FROM cu_monthly)::text = (SELECT s FROM cu_all)::text AS monthly_rollup_equal;
SELECT count(*) AS months, count(*) FILTER (WHERE r.s::text = h.s::text) AS equal
FROM (SELECT month, rollup(s) s FROM cu_monthly GROUP BY 1) r
JOIN (SELECT date_trunc('month', purchase_date) AS month, customer_agg(customer, purchase_date, spend) s
      FROM cu_t GROUP BY 1) h USING (month);
-- rows of one occasion in different partial summaries count once
SELECT purchase_occasions(rollup(s)) AS occasions, customer_count(rollup(s)) AS customers, repurchase_rate(rollup(s))
FROM (VALUES ('(v1,rows=1,1=1@2024-01-01)'::customer_summary), ('(v1,rows=2,1=2.50@2024-01-01,2=1@2024-01-01)'),
             ('(v1,rows=1,2=1@2024-01-02)'), (NULL)) v(s);
SELECT rollup(s) FROM (VALUES ('(v1,rows=1,1=1@2024-01-01)'::customer_summary), ('(v1,rows=2,1=2.50@2024-01-01,2=1@2024-01-01)'),
                              ('(v1,rows=1,2=1@2024-01-02)'), (NULL)) v(s);
SELECT rollup(s) IS NULL AS rollup_of_nulls FROM (VALUES (NULL::customer_summary)) v(s);
-- combine called directly (outside an aggregate) handles NULLs
SELECT customer_summary_combine(NULL, '(v1,rows=1,1=1@2024-01-01)'),
       customer_summary_combine('(v1,rows=1,1=1@2024-01-01)', NULL),
       customer_summary_combine(NULL, NULL) IS NULL AS both_null,
       customer_summary_combine('(v1,rows=1,1=1@2024-01-01)', '(v1,rows=1,1=2@2023-12-31)');
-- sorted aggregation gives the same summaries as hashed aggregation
SET enable_hashagg = off;
CREATE TABLE cu_daily_sorted AS
SELECT purchase_date, store, customer_agg(customer, purchase_date, spend) AS s FROM cu_t GROUP BY 1, 2;
RESET enable_hashagg;
SELECT count(*) AS groups, count(*) FILTER (WHERE a.s::text = b.s::text) AS equal
FROM cu_daily a JOIN cu_daily_sorted b USING (purchase_date, store);
-- as a window aggregate: running customers over the stores
SELECT store, customers_so_far,
       customers_so_far = (SELECT count(DISTINCT customer) FROM cu_v t WHERE t.store <= w.store) AS matches_sql
FROM (SELECT store, customer_count(rollup(s) OVER (ORDER BY store)) AS customers_so_far
      FROM (SELECT store, rollup(s) s FROM cu_daily GROUP BY store) x) w ORDER BY store;

-- ===== forced parallel plan gives the same summary as the serial plan
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT customer_agg(customer, purchase_date, spend) FROM cu_t;
SELECT (SELECT customer_agg(customer, purchase_date, spend) FROM cu_t)::text = (SELECT s::text FROM cu_all) AS parallel_equal;
EXPLAIN (COSTS OFF) SELECT rollup(s) FROM cu_daily;
SELECT (SELECT rollup(s) FROM cu_daily)::text = (SELECT s::text FROM cu_all) AS parallel_rollup_equal;
EXPLAIN (COSTS OFF) SELECT store, customer_agg(customer, purchase_date, spend) FROM cu_t GROUP BY store;
SELECT count(*) FILTER (WHERE p.s::text = b.s::text) AS parallel_grouped_equal
FROM (SELECT store, customer_agg(customer, purchase_date, spend) AS s FROM cu_t GROUP BY store) p
JOIN (SELECT store, rollup(s) s FROM cu_daily_sorted GROUP BY store) b USING (store);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- ===== bad input
SELECT customer_agg(c, d, s) FROM (VALUES (1::bigint, date '2024-01-01', 'NaN'::numeric)) v(c, d, s);
SELECT customer_agg(c, d, s) FROM (VALUES (1::bigint, date '2024-01-01', '-Infinity'::numeric)) v(c, d, s);
SELECT customer_agg(c, d, s) FROM (VALUES (1::bigint, 'infinity'::date, 1)) v(c, d, s);
SELECT customer_agg(c, d, s) FROM (VALUES (1::bigint, '0001-12-31 BC'::date, 1)) v(c, d, s);
SELECT customer_agg(c, d, s) FROM (VALUES (1::bigint, '10000-01-01'::date, 1)) v(c, d, s);
-- a customer's spend beyond the exact 128-bit range (22003)
SELECT customer_agg(1, date '2024-01-01', 99999999999999999999999999999999999999) FROM generate_series(1, 2);
SELECT customer_agg(1, date '2024-01-01', 1e40);
SELECT * FROM rfm_scores('(v1,rows=1,1=1@2024-01-01)', '2024-01-01', 0);
SELECT * FROM rfm_scores('(v1,rows=1,1=1@2024-01-01)', '2024-01-01', 101);
SELECT * FROM rfm_scores('(v1,rows=1,1=1@2024-01-01)', '2024-01-01', 5, 'quantile');
SELECT * FROM rfm_scores('(v1,rows=2,1=1@2024-01-01,2=1@2024-02-01)', '2024-01-31');
SELECT * FROM rfm_scores('(v1,rows=1,1=1@2024-01-01)', 'infinity');
SELECT * FROM rfm_tiers('(v1,rows=1,1=1@2024-01-01)', '2024-01-01', 5, 'quantile');
SELECT * FROM cohort_retention('(v1,rows=1,1=1@2024-01-01)', 'decade');
-- more than 3660 periods (about ten years by day): 54000
SELECT count(*) FROM cohort_retention('(v1,rows=2,1=1@2000-01-01,2=1@2010-01-07)', 'day');
SELECT count(*) FROM cohort_retention('(v1,rows=2,1=1@2000-01-01,2=1@2010-01-08)', 'day');
SELECT count(*) FROM cohort_retention('(v1,rows=2,1=1@2000-01-01,2=1@2010-01-08)', 'month');

-- ===== the examples of docs/customer.md
CREATE TABLE cu_purchases (member_id bigint, purchase_date date, amount numeric);
INSERT INTO cu_purchases VALUES
  (1, '2025-01-03', 120.00), (1, '2025-01-03', 30.00), (1, '2025-02-10', 80.00),
  (2, '2025-01-15', 200.00), (3, '2025-02-01', 45.50), (3, '2025-03-20', 60.00), (3, '2025-03-28', 12.00),
  (4, '2025-03-05', 99.90), (NULL, '2025-03-06', 15.00);
SELECT customer_count(s), purchase_occasions(s), repurchase_rate(s), purchase_frequency(s),
       spend_per_customer(s)
FROM (SELECT customer_agg(member_id, purchase_date, amount) AS s FROM cu_purchases) t;
SELECT * FROM cohort_retention((SELECT customer_agg(member_id, purchase_date, amount) FROM cu_purchases));

DROP FUNCTION cu_try_recv(bytea);
DROP FUNCTION cu_cohorts_sql(text);
DROP VIEW cu_v;
DROP TABLE cu_small, cu_bin, cu_bin2, cu_raw, cu_t, cu_all, cu_daily, cu_monthly, cu_daily_sorted, cu_purchases;
