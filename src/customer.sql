-- src/customer.sql: the customer family (customer_summary, customer_agg, rollup, repurchase rate,
-- purchase frequency, spend per customer, new/returning/lost customers, active rate, RFM, cohorts).

CREATE TYPE customer_summary;

CREATE FUNCTION customer_summary_in(cstring) RETURNS customer_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION customer_summary_out(customer_summary) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION customer_summary_recv(internal) RETURNS customer_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION customer_summary_send(customer_summary) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE customer_summary (
    INPUT = customer_summary_in,
    OUTPUT = customer_summary_out,
    RECEIVE = customer_summary_recv,
    SEND = customer_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE customer_summary IS
    'per customer (bigint key): the distinct purchase dates and the exact spend; text form (v1,rows=N,customer=spend@date;date,...) with customers by key';
COMMENT ON FUNCTION customer_summary_in(cstring) IS 'text input of customer_summary';
COMMENT ON FUNCTION customer_summary_out(customer_summary) IS 'text output of customer_summary';
COMMENT ON FUNCTION customer_summary_recv(internal) IS 'binary input of customer_summary';
COMMENT ON FUNCTION customer_summary_send(customer_summary) IS 'binary output of customer_summary';

CREATE FUNCTION customer_agg_trans(customer_summary, bigint, date, numeric) RETURNS customer_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION customer_summary_combine(customer_summary, customer_summary) RETURNS customer_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION customer_agg_trans(customer_summary, bigint, date, numeric) IS
    'transition function of customer_agg(customer, purchase_date, spend)';
COMMENT ON FUNCTION customer_summary_combine(customer_summary, customer_summary) IS
    'merges two customer summaries: union of each customer''s purchase dates, sum of its spend (combine function, and the transition of rollup)';

CREATE AGGREGATE customer_agg(customer bigint, purchase_date date, spend numeric) (
    SFUNC = customer_agg_trans,
    STYPE = customer_summary,
    COMBINEFUNC = customer_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE customer_agg(bigint, date, numeric) IS
    'customer summary of purchase rows: per customer its distinct purchase dates (occasions) and exact spend (rows with a NULL argument are skipped)';

CREATE AGGREGATE rollup(customer_summary) (
    SFUNC = customer_summary_combine,
    STYPE = customer_summary,
    COMBINEFUNC = customer_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(customer_summary) IS
    'merges stored customer summaries into one (same result as aggregating the raw rows)';

CREATE FUNCTION row_count(customer_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'customer_row_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION customer_count(s customer_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'customer_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION purchase_occasions(s customer_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'customer_purchase_occasions' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION repurchase_rate(s customer_summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'customer_repurchase_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION purchase_frequency(s customer_summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'customer_purchase_frequency' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION total_spend(s customer_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'customer_total_spend' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION spend_per_customer(s customer_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'customer_spend_per_customer' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION first_purchase_date(s customer_summary) RETURNS date
    AS 'MODULE_PATHNAME', 'customer_first_purchase_date' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION last_purchase_date(s customer_summary) RETURNS date
    AS 'MODULE_PATHNAME', 'customer_last_purchase_date' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION active_rate(s customer_summary, member_base bigint) RETURNS float8
    AS 'MODULE_PATHNAME', 'customer_active_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION row_count(customer_summary) IS 'number of rows the summary was built from';
COMMENT ON FUNCTION customer_count(customer_summary) IS 'number of distinct customers';
COMMENT ON FUNCTION purchase_occasions(customer_summary) IS
    'number of purchase occasions: distinct (customer, purchase date) pairs';
COMMENT ON FUNCTION repurchase_rate(customer_summary) IS
    'repurchase rate (复购率): customers with two or more purchase occasions / customers; NULL without customers';
COMMENT ON FUNCTION purchase_frequency(customer_summary) IS
    'purchase frequency: purchase occasions / customers; NULL without customers';
COMMENT ON FUNCTION total_spend(customer_summary) IS 'exact total spend of the customers (sum(spend)); NULL without customers';
COMMENT ON FUNCTION spend_per_customer(customer_summary) IS
    'spend per customer: total spend / customers (numeric division, as sum(spend) / count(DISTINCT customer)); NULL without customers';
COMMENT ON FUNCTION first_purchase_date(customer_summary) IS 'earliest purchase date of the summary; NULL without customers';
COMMENT ON FUNCTION last_purchase_date(customer_summary) IS 'latest purchase date of the summary; NULL without customers';
COMMENT ON FUNCTION active_rate(customer_summary, bigint) IS
    'active-member rate (会员活跃度): customers with a purchase in the summary / member_base; NULL when member_base <= 0';

CREATE FUNCTION customer_list(s customer_summary)
RETURNS TABLE (customer bigint, occasions int, spend numeric, first_purchase date, last_purchase date)
    AS 'MODULE_PATHNAME', 'customer_list'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION customer_list(customer_summary) IS
    'one row per customer, by key: purchase occasions, exact spend, first and last purchase date';

CREATE FUNCTION new_customers(current customer_summary, prior customer_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'customer_new_customers' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION returning_customers(current customer_summary, prior customer_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'customer_returning_customers' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION lost_customers(current customer_summary, prior customer_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'customer_lost_customers' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION new_customers(customer_summary, customer_summary) IS
    'customers of current absent from prior (a NULL summary has no customers; NULL when both are NULL)';
COMMENT ON FUNCTION returning_customers(customer_summary, customer_summary) IS
    'customers of current also present in prior (a NULL summary has no customers; NULL when both are NULL)';
COMMENT ON FUNCTION lost_customers(customer_summary, customer_summary) IS
    'customers of prior absent from current (a NULL summary has no customers; NULL when both are NULL)';

CREATE FUNCTION rfm_scores(s customer_summary, as_of date, tiers int DEFAULT 5, method text DEFAULT 'ntile')
RETURNS TABLE (customer bigint, recency int, frequency int, monetary numeric,
               r_score int, f_score int, m_score int, method text)
    AS 'MODULE_PATHNAME', 'customer_rfm_scores'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION rfm_scores(customer_summary, date, int, text) IS
    'RFM per customer: recency (days from the last purchase to as_of), frequency (occasions), monetary (spend) and scores 1..tiers (tiers = best); method ''ntile'' (ntile over worst first, ties by customer key) or ''rank'' (1 + floor(tiers * (rank - 1) / n), ties share a score)';

CREATE FUNCTION rfm_tiers(s customer_summary, as_of date, tiers int DEFAULT 5, method text DEFAULT 'ntile')
RETURNS TABLE (dimension text, score int, customers bigint, min_value numeric, max_value numeric, method text)
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE ROWS 15
AS $$
  WITH r AS MATERIALIZED (SELECT * FROM retail_kpi.rfm_scores($1, $2, $3, $4))
  SELECT d.dimension, d.score, d.customers, d.min_value, d.max_value, $4
  FROM (SELECT 1 AS o, 'recency'::text AS dimension, r.r_score AS score, pg_catalog.count(*) AS customers,
               pg_catalog.min(r.recency)::numeric AS min_value, pg_catalog.max(r.recency)::numeric AS max_value
        FROM r GROUP BY r.r_score
        UNION ALL
        SELECT 2, 'frequency', r.f_score, pg_catalog.count(*), pg_catalog.min(r.frequency)::numeric,
               pg_catalog.max(r.frequency)::numeric
        FROM r GROUP BY r.f_score
        UNION ALL
        SELECT 3, 'monetary', r.m_score, pg_catalog.count(*), pg_catalog.min(r.monetary), pg_catalog.max(r.monetary)
        FROM r GROUP BY r.m_score) d
  ORDER BY d.o, d.score
$$;
COMMENT ON FUNCTION rfm_tiers(customer_summary, date, int, text) IS
    'sizes and value ranges of the RFM tiers of rfm_scores: one row per dimension (recency, frequency, monetary) and score';

CREATE FUNCTION cohort_retention(s customer_summary, grain text DEFAULT 'month')
RETURNS TABLE (cohort date, period int, customers bigint, cohort_size bigint, retention_rate float8, grain text)
    AS 'MODULE_PATHNAME', 'customer_cohort_retention'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION cohort_retention(customer_summary, text) IS
    'cohort retention: customers by the period of their first purchase (cohort), and for each period since (0 = the cohort''s own, up to the summary''s last period) the customers who purchased in it and their share of the cohort; grain day, week (Monday), month, quarter or year';
