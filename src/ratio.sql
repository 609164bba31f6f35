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

-- ratio_agg over the input types analysts have (0.3): integer and bigint sums are exact integers;
-- float8 values are each taken as their shortest decimal (the digits PostgreSQL prints) and summed
-- exactly, so the result does not depend on the order of the rows; boolean: the share of rows where
-- the condition is true.
CREATE FUNCTION ratio_agg_trans(ratio_summary, integer, integer) RETURNS ratio_summary
    AS 'MODULE_PATHNAME', 'ratio_agg_trans_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ratio_agg_trans(ratio_summary, bigint, bigint) RETURNS ratio_summary
    AS 'MODULE_PATHNAME', 'ratio_agg_trans_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ratio_agg_trans(ratio_summary, float8, float8) RETURNS ratio_summary
    AS 'MODULE_PATHNAME', 'ratio_agg_trans_float8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ratio_agg_trans(ratio_summary, boolean) RETURNS ratio_summary
    AS 'MODULE_PATHNAME', 'ratio_agg_trans_bool' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ratio_agg_trans(ratio_summary, integer, integer) IS
    'transition function of ratio_agg(integer, integer)';
COMMENT ON FUNCTION ratio_agg_trans(ratio_summary, bigint, bigint) IS
    'transition function of ratio_agg(bigint, bigint)';
COMMENT ON FUNCTION ratio_agg_trans(ratio_summary, float8, float8) IS
    'transition function of ratio_agg(float8, float8)';
COMMENT ON FUNCTION ratio_agg_trans(ratio_summary, boolean) IS
    'transition function of ratio_agg(condition boolean)';

CREATE AGGREGATE ratio_agg(numerator integer, denominator integer) (
    SFUNC = ratio_agg_trans,
    STYPE = ratio_summary,
    COMBINEFUNC = ratio_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ratio_agg(integer, integer) IS
    'ratio summary of integer columns: exact sums of numerator and denominator (rows with a NULL are skipped)';

CREATE AGGREGATE ratio_agg(numerator bigint, denominator bigint) (
    SFUNC = ratio_agg_trans,
    STYPE = ratio_summary,
    COMBINEFUNC = ratio_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ratio_agg(bigint, bigint) IS
    'ratio summary of bigint columns (counts): exact sums of numerator and denominator (rows with a NULL are skipped)';

CREATE AGGREGATE ratio_agg(numerator float8, denominator float8) (
    SFUNC = ratio_agg_trans,
    STYPE = ratio_summary,
    COMBINEFUNC = ratio_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ratio_agg(float8, float8) IS
    'ratio summary of float8 columns: each value taken as its shortest decimal and summed exactly, independent of row order (rows with a NULL are skipped; NaN and infinities are refused)';

CREATE AGGREGATE ratio_agg(condition boolean) (
    SFUNC = ratio_agg_trans,
    STYPE = ratio_summary,
    COMBINEFUNC = ratio_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ratio_agg(boolean) IS
    'share of rows where the condition is true: numerator = rows where true, denominator = rows where not NULL (NULL rows are skipped)';

CREATE FUNCTION ratio(s ratio_summary, digits int) RETURNS numeric
    AS 'MODULE_PATHNAME', 'ratio_ratio_digits' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ratio(ratio_summary, int) IS
    'sum(numerator) / sum(denominator) as numeric rounded half away from zero to digits decimals from the exact sums; NULL when the denominator sum is 0';
