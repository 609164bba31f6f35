-- src/promo.sql: the promotion family (promo_summary, promo_agg, rollup, uplift and ROI accessors).

CREATE TYPE promo_summary;

CREATE FUNCTION promo_summary_in(cstring) RETURNS promo_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION promo_summary_out(promo_summary) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION promo_summary_recv(internal) RETURNS promo_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION promo_summary_send(promo_summary) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE promo_summary (
    INPUT = promo_summary_in,
    OUTPUT = promo_summary_out,
    RECEIVE = promo_summary_recv,
    SEND = promo_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE promo_summary IS
    'exact units, revenue and cost sums of a promotion window and a baseline window, with the windows; text form (v1,rows=N,promo_units=..,promo_revenue=..,promo_cost=..,baseline_units=..,baseline_revenue=..,baseline_cost=..,promo_start=YYYY-MM-DD,promo_end=..,baseline_start=..,baseline_end=..)';
COMMENT ON FUNCTION promo_summary_in(cstring) IS 'text input of promo_summary';
COMMENT ON FUNCTION promo_summary_out(promo_summary) IS 'text output of promo_summary';
COMMENT ON FUNCTION promo_summary_recv(internal) IS 'binary input of promo_summary';
COMMENT ON FUNCTION promo_summary_send(promo_summary) IS 'binary output of promo_summary';

CREATE FUNCTION promo_agg_trans(promo_summary, date, numeric, numeric, numeric,
                                date, date, date, date) RETURNS promo_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION promo_summary_combine(promo_summary, promo_summary) RETURNS promo_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION promo_agg_trans(promo_summary, date, numeric, numeric, numeric, date, date, date, date) IS
    'transition function of promo_agg';
COMMENT ON FUNCTION promo_summary_combine(promo_summary, promo_summary) IS
    'merges two promo summaries of the same windows (combine function, and the transition of rollup)';

CREATE AGGREGATE promo_agg(sale_date date, units numeric, revenue numeric, cost numeric,
                           promo_start date, promo_end date,
                           baseline_start date, baseline_end date) (
    SFUNC = promo_agg_trans,
    STYPE = promo_summary,
    COMBINEFUNC = promo_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE promo_agg(date, numeric, numeric, numeric, date, date, date, date) IS
    'promotion summary: exact sums of units, revenue and cost of the rows inside the promotion window and inside the baseline window (inclusive); other rows are ignored, rows with a NULL are skipped, every row must carry the same windows';

CREATE AGGREGATE rollup(promo_summary) (
    SFUNC = promo_summary_combine,
    STYPE = promo_summary,
    COMBINEFUNC = promo_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(promo_summary) IS
    'merges stored promo summaries of one promotion (same windows) into one, e.g. stores into the company';

CREATE FUNCTION promo_units(s promo_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'promo_promo_units' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION promo_revenue(s promo_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'promo_promo_revenue' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION promo_cost(s promo_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'promo_promo_cost' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION baseline_units(s promo_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'promo_baseline_units' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION baseline_revenue(s promo_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'promo_baseline_revenue' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION baseline_cost(s promo_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'promo_baseline_cost' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION promo_days(s promo_summary) RETURNS integer
    AS 'MODULE_PATHNAME', 'promo_promo_days' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION baseline_days(s promo_summary) RETURNS integer
    AS 'MODULE_PATHNAME', 'promo_baseline_days' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION row_count(promo_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'promo_row_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION incremental_units(s promo_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'promo_incremental_units' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION incremental_revenue(s promo_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'promo_incremental_revenue' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION incremental_gross_profit(s promo_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'promo_incremental_gross_profit' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION promo_roi(s promo_summary, spend numeric, form text DEFAULT 'net') RETURNS float8
    AS 'MODULE_PATHNAME', 'promo_promo_roi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION promo_units(promo_summary) IS 'exact units sold inside the promotion window (0 when none)';
COMMENT ON FUNCTION promo_revenue(promo_summary) IS 'exact revenue inside the promotion window (0 when none)';
COMMENT ON FUNCTION promo_cost(promo_summary) IS 'exact cost of goods sold inside the promotion window (0 when none)';
COMMENT ON FUNCTION baseline_units(promo_summary) IS 'exact units sold inside the baseline window (0 when none)';
COMMENT ON FUNCTION baseline_revenue(promo_summary) IS 'exact revenue inside the baseline window (0 when none)';
COMMENT ON FUNCTION baseline_cost(promo_summary) IS 'exact cost of goods sold inside the baseline window (0 when none)';
COMMENT ON FUNCTION promo_days(promo_summary) IS 'days of the promotion window, both ends included';
COMMENT ON FUNCTION baseline_days(promo_summary) IS 'days of the baseline window, both ends included';
COMMENT ON FUNCTION row_count(promo_summary) IS 'number of rows that fell inside one of the two windows';
COMMENT ON FUNCTION incremental_units(promo_summary) IS
    'promo units - baseline units / baseline days * promo days, rounded half away from zero to 6 more decimals than the sums';
COMMENT ON FUNCTION incremental_revenue(promo_summary) IS
    'promo revenue - baseline revenue / baseline days * promo days, rounded half away from zero to 6 more decimals than the sums';
COMMENT ON FUNCTION incremental_gross_profit(promo_summary) IS
    'promo gross profit - baseline gross profit / baseline days * promo days, rounded half away from zero to 6 more decimals than the sums';
COMMENT ON FUNCTION promo_roi(promo_summary, numeric, text) IS
    'promotion ROI from the unrounded uplift: form ''net'' (incremental GP - spend) / spend, ''gross'' incremental GP / spend, ''revenue'' (incremental revenue - spend) / spend; NULL when spend <= 0';
