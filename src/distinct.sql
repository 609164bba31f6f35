-- src/distinct.sql: the distinct family (distinct_summary, distinct_agg, rollup, counts and set operations).

CREATE TYPE distinct_summary;

CREATE FUNCTION distinct_summary_in(cstring) RETURNS distinct_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION distinct_summary_out(distinct_summary) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION distinct_summary_recv(internal) RETURNS distinct_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION distinct_summary_send(distinct_summary) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE distinct_summary (
    INPUT = distinct_summary_in,
    OUTPUT = distinct_summary_out,
    RECEIVE = distinct_summary_recv,
    SEND = distinct_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE distinct_summary IS
    'exact set of bigint keys in compressed containers; text form (v1,count=N,keys=a..b,c,...)';
COMMENT ON FUNCTION distinct_summary_in(cstring) IS 'text input of distinct_summary';
COMMENT ON FUNCTION distinct_summary_out(distinct_summary) IS 'text output of distinct_summary';
COMMENT ON FUNCTION distinct_summary_recv(internal) IS 'binary input of distinct_summary';
COMMENT ON FUNCTION distinct_summary_send(distinct_summary) IS 'binary output of distinct_summary';

CREATE FUNCTION distinct_agg_trans(distinct_summary, bigint) RETURNS distinct_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION distinct_agg_trans(distinct_summary, text) RETURNS distinct_summary
    AS 'MODULE_PATHNAME', 'distinct_agg_trans_text' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION distinct_summary_combine(distinct_summary, distinct_summary) RETURNS distinct_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION distinct_agg_trans(distinct_summary, bigint) IS
    'transition function of distinct_agg(key bigint)';
COMMENT ON FUNCTION distinct_agg_trans(distinct_summary, text) IS
    'transition function of distinct_agg(key text): adds hashtextextended(key, 0)';
COMMENT ON FUNCTION distinct_summary_combine(distinct_summary, distinct_summary) IS
    'union of two distinct summaries (combine function, and the transition of rollup)';

CREATE AGGREGATE distinct_agg(key bigint) (
    SFUNC = distinct_agg_trans,
    STYPE = distinct_summary,
    COMBINEFUNC = distinct_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE distinct_agg(bigint) IS
    'exact set of the distinct keys of a group of rows (NULL keys are skipped)';

CREATE AGGREGATE distinct_agg(key text) (
    SFUNC = distinct_agg_trans,
    STYPE = distinct_summary,
    COMBINEFUNC = distinct_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE distinct_agg(text) IS
    'set of the 64-bit hashes hashtextextended(key, 0) of text keys (NULL keys are skipped; '
    'two distinct keys collide with probability 2^-64)';

CREATE AGGREGATE rollup(distinct_summary) (
    SFUNC = distinct_summary_combine,
    STYPE = distinct_summary,
    COMBINEFUNC = distinct_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(distinct_summary) IS
    'union of stored distinct summaries (same set as aggregating the raw rows)';

CREATE FUNCTION distinct_count(distinct_summary) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION distinct_contains(s distinct_summary, key bigint) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION intersection_count(a distinct_summary, b distinct_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'distinct_intersection_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION union_count(a distinct_summary, b distinct_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'distinct_union_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION difference_count(a distinct_summary, b distinct_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'distinct_difference_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION distinct_union(a distinct_summary, b distinct_summary) RETURNS distinct_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION distinct_intersection(a distinct_summary, b distinct_summary) RETURNS distinct_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION distinct_difference(a distinct_summary, b distinct_summary) RETURNS distinct_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION distinct_count(distinct_summary) IS 'number of distinct keys in the summary';
COMMENT ON FUNCTION distinct_contains(distinct_summary, bigint) IS 'true when the key is in the summary';
COMMENT ON FUNCTION intersection_count(distinct_summary, distinct_summary) IS
    'number of keys in both summaries (e.g. customers of period a who came back in period b)';
COMMENT ON FUNCTION union_count(distinct_summary, distinct_summary) IS
    'number of keys in either summary';
COMMENT ON FUNCTION difference_count(distinct_summary, distinct_summary) IS
    'number of keys of a that are not in b (a minus b)';
COMMENT ON FUNCTION distinct_union(distinct_summary, distinct_summary) IS
    'the union of two summaries, as a summary';
COMMENT ON FUNCTION distinct_intersection(distinct_summary, distinct_summary) IS
    'the keys in both summaries, as a summary';
COMMENT ON FUNCTION distinct_difference(distinct_summary, distinct_summary) IS
    'the keys of a that are not in b (a minus b), as a summary';

-- distinct_count(rollup(s)) in one aggregate: the count is read from the union as it is built (the
-- value of an aggregate without a final function is copied flat before it is passed on), what a
-- routed count_distinct measure computes per group (docs/routing.md).
CREATE AGGREGATE rollup_count(distinct_summary) (
    SFUNC = distinct_summary_combine,
    STYPE = distinct_summary,
    FINALFUNC = distinct_count,
    COMBINEFUNC = distinct_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup_count(distinct_summary) IS
    'number of distinct keys in the union of the summaries (distinct_count(rollup(s)) without building the union''s value); NULL without summaries';
