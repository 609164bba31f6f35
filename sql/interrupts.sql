-- sql/interrupts.sql: statement_timeout cancels long C loops over big summaries (every loop over
-- items, dates or rows in src/*.c calls CHECK_FOR_INTERRUPTS()).  The check is that the statement
-- ends with 57014 (query_canceled), not a crash or another error, and that the session and the
-- stored summaries are intact afterwards.  No timing is asserted: the work below takes far longer
-- than the timeouts on any machine (hundreds of thousands of items; the timeouts are 20 ms).
SET search_path = retail_kpi, public;
\set VERBOSITY sqlstate

-- big summaries, built without a timeout: 300,000 ABC items, 80,000 bridge items
CREATE TEMP TABLE big_abc AS
SELECT abc_agg('item' || i, i % 1000 + 1) AS s FROM generate_series(1, 300000) i;
CREATE TEMP TABLE big_bridge AS
SELECT bridge_agg('item' || (i % 80000), i % 2 = 0, 1, i % 100 + 1, i % 50) AS s
FROM generate_series(1, 160000) i;
SELECT item_count(s) FROM big_abc;
SELECT item_count(s) FROM big_bridge;

SET statement_timeout = '20ms';
-- set-returning functions
SELECT count(*) FROM abc_classify((SELECT s FROM big_abc));
SELECT count(*) FROM abc_ranking((SELECT s FROM big_abc));
SELECT count(*) FROM margin_rate_bridge((SELECT s FROM big_bridge));
SELECT count(*) FROM margin_bridge((SELECT s FROM big_bridge));
-- text and binary output, rollup of big summaries
SELECT length(s::text) FROM big_abc;
SELECT length(abc_summary_send(s)) FROM big_abc;
SELECT item_count(rollup(s)) FROM (SELECT s FROM big_abc UNION ALL SELECT s FROM big_abc) t;
RESET statement_timeout;

-- the session works and the summaries are unchanged
SELECT item_count(s), row_count(s) FROM big_abc;
SELECT count(*) FILTER (WHERE abc_class = 'A') > 0 AS classified FROM abc_classify((SELECT s FROM big_abc));
DROP TABLE big_abc, big_bridge;
