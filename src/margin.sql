-- src/margin.sql: the margin family (margin_summary, margin_agg, rollup, accessors).

CREATE TYPE margin_summary;

CREATE FUNCTION margin_summary_in(cstring) RETURNS margin_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION margin_summary_out(margin_summary) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION margin_summary_recv(internal) RETURNS margin_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION margin_summary_send(margin_summary) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE margin_summary (
    INPUT = margin_summary_in,
    OUTPUT = margin_summary_out,
    RECEIVE = margin_summary_recv,
    SEND = margin_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE margin_summary IS
    'exact revenue, cost and units sums of a set of sales rows; text form (v1,rows=N,revenue=R,cost=C,units=U)';
COMMENT ON FUNCTION margin_summary_in(cstring) IS 'text input of margin_summary';
COMMENT ON FUNCTION margin_summary_out(margin_summary) IS 'text output of margin_summary';
COMMENT ON FUNCTION margin_summary_recv(internal) IS 'binary input of margin_summary';
COMMENT ON FUNCTION margin_summary_send(margin_summary) IS 'binary output of margin_summary';

CREATE FUNCTION margin_agg_trans(margin_summary, numeric, numeric) RETURNS margin_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION margin_agg_trans(margin_summary, numeric, numeric, numeric) RETURNS margin_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION margin_summary_combine(margin_summary, margin_summary) RETURNS margin_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION margin_agg_trans(margin_summary, numeric, numeric) IS
    'transition function of margin_agg(revenue, cost) and gross_margin_rate';
COMMENT ON FUNCTION margin_agg_trans(margin_summary, numeric, numeric, numeric) IS
    'transition function of margin_agg(revenue, cost, units)';
COMMENT ON FUNCTION margin_summary_combine(margin_summary, margin_summary) IS
    'merges two margin summaries (combine function, and the transition of rollup)';

CREATE AGGREGATE margin_agg(revenue numeric, cost numeric) (
    SFUNC = margin_agg_trans,
    STYPE = margin_summary,
    COMBINEFUNC = margin_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE margin_agg(numeric, numeric) IS
    'margin summary of sales rows: exact sums of revenue and cost (rows with a NULL are skipped)';

CREATE AGGREGATE margin_agg(revenue numeric, cost numeric, units numeric) (
    SFUNC = margin_agg_trans,
    STYPE = margin_summary,
    COMBINEFUNC = margin_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE margin_agg(numeric, numeric, numeric) IS
    'margin summary of sales rows: exact sums of revenue, cost and units (units may be NULL per row)';

CREATE AGGREGATE rollup(margin_summary) (
    SFUNC = margin_summary_combine,
    STYPE = margin_summary,
    COMBINEFUNC = margin_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(margin_summary) IS
    'merges stored margin summaries into one (same result as aggregating the raw rows)';

CREATE FUNCTION revenue(margin_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'margin_revenue' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION cost(margin_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'margin_cost' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION units(margin_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'margin_units' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gross_profit(margin_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'margin_gross_profit' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION margin_rate(margin_summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'margin_margin_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION markup_rate(margin_summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'margin_markup_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION row_count(margin_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'margin_row_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION revenue(margin_summary) IS 'exact sum of revenue (net sales)';
COMMENT ON FUNCTION cost(margin_summary) IS 'exact sum of cost of goods sold';
COMMENT ON FUNCTION units(margin_summary) IS 'exact sum of units; NULL when no row gave units';
COMMENT ON FUNCTION gross_profit(margin_summary) IS 'revenue - cost, exact';
COMMENT ON FUNCTION margin_rate(margin_summary) IS
    'gross margin rate (revenue - cost) / revenue from the sums; NULL when revenue <= 0';
COMMENT ON FUNCTION markup_rate(margin_summary) IS
    'markup rate (revenue - cost) / cost from the sums; NULL when cost <= 0';
COMMENT ON FUNCTION row_count(margin_summary) IS 'number of rows the summary was built from';

CREATE AGGREGATE gross_margin_rate(revenue numeric, cost numeric) (
    SFUNC = margin_agg_trans,
    STYPE = margin_summary,
    FINALFUNC = margin_rate,
    COMBINEFUNC = margin_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE gross_margin_rate(numeric, numeric) IS
    'gross margin rate of a group of rows: (sum(revenue) - sum(cost)) / sum(revenue); NULL when sum(revenue) <= 0';

-- Rates as numeric with a number of decimals (0.3): rounded once from the exact sums, for reports
-- (round(float8, int) does not exist in PostgreSQL).
CREATE FUNCTION margin_rate(s margin_summary, digits int) RETURNS numeric
    AS 'MODULE_PATHNAME', 'margin_margin_rate_digits' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION markup_rate(s margin_summary, digits int) RETURNS numeric
    AS 'MODULE_PATHNAME', 'margin_markup_rate_digits' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION margin_rate(margin_summary, int) IS
    'gross margin rate (revenue - cost) / revenue as numeric rounded half away from zero to digits decimals from the exact sums; NULL when revenue <= 0';
COMMENT ON FUNCTION markup_rate(margin_summary, int) IS
    'markup rate (revenue - cost) / cost as numeric rounded half away from zero to digits decimals from the exact sums; NULL when cost <= 0';
