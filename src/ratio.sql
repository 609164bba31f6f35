-- src/ratio.sql: the ratio family (ratio_summary, ratio_agg, rollup, ratio).

CREATE TYPE ratio_summary;

CREATE FUNCTION ratio_summary_in(cstring) RETURNS ratio_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ratio_summary_out(ratio_summary) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ratio_summary_recv(internal) RETURNS ratio_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION ratio_summary_send(ratio_summary) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE ratio_summary (
    INPUT = ratio_summary_in,
    OUTPUT = ratio_summary_out,
    RECEIVE = ratio_summary_recv,
    SEND = ratio_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE ratio_summary IS
    'exact numerator and denominator sums; text form (v1,rows=N,numerator=A,denominator=B)';
COMMENT ON FUNCTION ratio_summary_in(cstring) IS 'text input of ratio_summary';
COMMENT ON FUNCTION ratio_summary_out(ratio_summary) IS 'text output of ratio_summary';
COMMENT ON FUNCTION ratio_summary_recv(internal) IS 'binary input of ratio_summary';
COMMENT ON FUNCTION ratio_summary_send(ratio_summary) IS 'binary output of ratio_summary';

CREATE FUNCTION ratio_agg_trans(ratio_summary, numeric, numeric) RETURNS ratio_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ratio_summary_combine(ratio_summary, ratio_summary) RETURNS ratio_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ratio_agg_trans(ratio_summary, numeric, numeric) IS
    'transition function of ratio_agg';
COMMENT ON FUNCTION ratio_summary_combine(ratio_summary, ratio_summary) IS
    'merges two ratio summaries (combine function, and the transition of rollup)';

CREATE AGGREGATE ratio_agg(numerator numeric, denominator numeric) (
    SFUNC = ratio_agg_trans,
    STYPE = ratio_summary,
    COMBINEFUNC = ratio_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ratio_agg(numeric, numeric) IS
    'ratio summary: exact sums of numerator and denominator (rows with a NULL are skipped)';

CREATE AGGREGATE rollup(ratio_summary) (
    SFUNC = ratio_summary_combine,
    STYPE = ratio_summary,
    COMBINEFUNC = ratio_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(ratio_summary) IS
    'merges stored ratio summaries into one (same result as aggregating the raw rows)';

CREATE FUNCTION ratio(ratio_summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'ratio_ratio' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION numerator(ratio_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'ratio_numerator' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION denominator(ratio_summary) RETURNS numeric
    AS 'MODULE_PATHNAME', 'ratio_denominator' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION row_count(ratio_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'ratio_row_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ratio(ratio_summary) IS
    'sum(numerator) / sum(denominator) as float8; NULL when the denominator sum is 0';
COMMENT ON FUNCTION numerator(ratio_summary) IS 'exact sum of the numerator';
COMMENT ON FUNCTION denominator(ratio_summary) IS 'exact sum of the denominator';
COMMENT ON FUNCTION row_count(ratio_summary) IS 'number of rows the summary was built from';
