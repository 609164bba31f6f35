-- src/abc.sql: the ABC family (abc_summary, abc_agg, rollup, abc_classify).

CREATE TYPE abc_summary;

CREATE FUNCTION abc_summary_in(cstring) RETURNS abc_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION abc_summary_out(abc_summary) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION abc_summary_recv(internal) RETURNS abc_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION abc_summary_send(abc_summary) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE abc_summary (
    INPUT = abc_summary_in,
    OUTPUT = abc_summary_out,
    RECEIVE = abc_summary_recv,
    SEND = abc_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE abc_summary IS
    'exact value sum per item, for ABC classes at any grain; text form (v1,rows=N,"item"=value,...) with items in byte order';
COMMENT ON FUNCTION abc_summary_in(cstring) IS 'text input of abc_summary';
COMMENT ON FUNCTION abc_summary_out(abc_summary) IS 'text output of abc_summary';
COMMENT ON FUNCTION abc_summary_recv(internal) IS 'binary input of abc_summary';
COMMENT ON FUNCTION abc_summary_send(abc_summary) IS 'binary output of abc_summary';

CREATE FUNCTION abc_agg_trans(abc_summary, text, numeric) RETURNS abc_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION abc_summary_combine(abc_summary, abc_summary) RETURNS abc_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION abc_agg_trans(abc_summary, text, numeric) IS
    'transition function of abc_agg(item, value)';
COMMENT ON FUNCTION abc_summary_combine(abc_summary, abc_summary) IS
    'merges two abc summaries, summing the values of the same item (combine function, and the transition of rollup)';

CREATE AGGREGATE abc_agg(item text, value numeric) (
    SFUNC = abc_agg_trans,
    STYPE = abc_summary,
    COMBINEFUNC = abc_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE abc_agg(text, numeric) IS
    'abc summary of rows: exact sum of value per item (rows with a NULL item or value are skipped)';

CREATE AGGREGATE rollup(abc_summary) (
    SFUNC = abc_summary_combine,
    STYPE = abc_summary,
    COMBINEFUNC = abc_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(abc_summary) IS
    'merges stored abc summaries into one, summing the values of the same item (same result as aggregating the raw rows)';

CREATE FUNCTION row_count(abc_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'abc_row_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION item_count(abc_summary) RETURNS int
    AS 'MODULE_PATHNAME', 'abc_item_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION row_count(abc_summary) IS 'number of rows the summary was built from';
COMMENT ON FUNCTION item_count(abc_summary) IS 'number of distinct items in the summary';

CREATE FUNCTION abc_classify(s abc_summary, a_cut float8 DEFAULT 0.8, b_cut float8 DEFAULT 0.95)
RETURNS TABLE (item text, value numeric, share float8, cumulative_share float8, abc_class text)
    AS 'MODULE_PATHNAME', 'abc_classify'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION abc_classify(abc_summary, float8, float8) IS
    'ABC (Pareto) classes: items by value descending (ties by item bytes); A while cumulative share <= a_cut, B while <= b_cut, else C; value <= 0 is class D (left out of the total, listed last)';

-- abc_ranking (0.3): abc_classify's rows with the rank and the cumulative share before the item,
-- and a choice of cut rule (a new function, so abc_classify's result columns stay as they were).
CREATE FUNCTION abc_ranking(s abc_summary, a_cut float8 DEFAULT 0.8, b_cut float8 DEFAULT 0.95,
                            cut_rule text DEFAULT 'including')
RETURNS TABLE (rank int, item text, value numeric, share float8, cumulative_share_before float8,
               cumulative_share float8, abc_class text)
    AS 'MODULE_PATHNAME', 'abc_ranking'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION abc_ranking(abc_summary, float8, float8, text) IS
    'ABC classes with rank (1 = largest value, ties by item bytes) and cumulative share before the item; cut_rule ''including'' (default) classes as abc_classify (cumulative share including the item <= cut), ''before'' by the cumulative share before the item (< cut), so the item that crosses a cut-off stays in the higher class; value <= 0 is class D, ranked last';
