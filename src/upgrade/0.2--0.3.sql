-- src/upgrade/0.2--0.3.sql: first part of the upgrade script retail_kpi--0.2--0.3.sql, assembled by
-- the Makefile (docs/versioning.md): the changes to objects that exist in 0.2 and cannot be replayed
-- from the install script's parts (checks, DROPs of functions whose signature changes, table
-- migrations).  After it come the families new in 0.3, every catalog code file (CREATE OR REPLACE)
-- and src/upgrade/0.2--0.3-post.sql.

\echo Use "ALTER EXTENSION retail_kpi UPDATE TO '0.3'" to load this file. \quit

-- =============================================================================================
-- Indicator center: checks and catalog table migrations (docs/security.md)
-- =============================================================================================

-- (end of the indicator center section)


-- =============================================================================================
-- C families: changes to the families that exist in 0.2 (new overloads, changed comments)
-- =============================================================================================

-- scalar (docs/scalar.md): coefficient_of_variation(numeric) from exact sums (new C symbol for the
-- transition; the combine and final functions read both state layouts), float8 forms of the scalar
-- KPIs, sell_through_from_closing, share, kpi_round.
CREATE OR REPLACE FUNCTION coefficient_of_variation_trans(float8[], numeric) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans_numeric_exact' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION coefficient_of_variation_trans(float8[], numeric, text) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans_numeric_exact' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], numeric) IS
    'transition function of coefficient_of_variation(x numeric): exact sums of the values and of their squares';
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], numeric, text) IS
    'transition function of coefficient_of_variation(x numeric, variant): exact sums of the values and of their squares';
COMMENT ON AGGREGATE coefficient_of_variation(numeric) IS
    'volatility of numeric values from exact sums (the same result in every plan): sample standard deviation / mean; NULL when fewer than 2 values or mean <= 0';
COMMENT ON AGGREGATE coefficient_of_variation(numeric, text) IS
    'volatility of numeric values from exact sums (the same result in every plan), variant ''sample'' or ''population''; NULL when fewer than 2 values or mean <= 0';

-- float8 forms of the scalar KPIs (0.3): what accessors such as ratio() and margin_rate() return
-- goes in without a cast.  A float8 argument is taken as its shortest decimal (the digits
-- PostgreSQL prints), then the numeric form's exact computation runs, so integers below 2^53 and
-- literals of up to 15 significant digits give the numeric form's result to the last bit; integer
-- and quoted-literal arguments resolve to these forms (float8 is the preferred numeric type).
CREATE FUNCTION sell_through_rate(units_sold float8, units_received float8,
                                  opening_on_hand float8 DEFAULT 0) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_sell_through_rate_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sell_through_rate(float8, float8, float8) IS
    'sell-through of float8 figures (each taken as its shortest decimal): units_sold / (opening_on_hand + units_received); NULL when the denominator <= 0';

CREATE FUNCTION sell_through_from_closing(units_sold numeric, closing_on_hand numeric) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_sell_through_from_closing' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sell_through_from_closing(numeric, numeric) IS
    'sell-through from the closing balance: units_sold / (units_sold + closing_on_hand); NULL when that sum <= 0';
CREATE FUNCTION sell_through_from_closing(units_sold float8, closing_on_hand float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_sell_through_from_closing_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sell_through_from_closing(float8, float8) IS
    'sell-through from the closing balance of float8 figures (each taken as its shortest decimal): units_sold / (units_sold + closing_on_hand); NULL when that sum <= 0';

CREATE FUNCTION roi(gain float8, cost float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_roi_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION roi(float8, float8) IS
    'return on investment of float8 figures (each taken as its shortest decimal): (gain - cost) / cost; NULL when cost <= 0';

CREATE FUNCTION promo_roi(incremental_gross_profit float8, spend float8,
                          form text DEFAULT 'net') RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_promo_roi_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION promo_roi(float8, float8, text) IS
    'promotion ROI of float8 figures (each taken as its shortest decimal), forms as promo_roi(numeric, numeric, text); NULL when spend <= 0';

CREATE FUNCTION growth_rate("current" float8, base float8, mode text DEFAULT 'standard')
    RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_growth_rate_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION growth_rate(float8, float8, text) IS
    'growth of float8 figures (each taken as its shortest decimal): (current - base) / base; modes as growth_rate(numeric, numeric, text)';

CREATE FUNCTION attainment(actual float8, target float8,
                           direction text DEFAULT 'higher_is_better') RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_attainment_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION attainment(float8, float8, text) IS
    'target attainment of float8 figures (each taken as its shortest decimal); directions as attainment(numeric, numeric, text)';

-- share(part, total): the share of a group in a total, for GROUP BY queries with a window sum as
-- the total: share(sum(revenue), sum(sum(revenue)) OVER ()).
CREATE FUNCTION share(part numeric, total numeric) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share(numeric, numeric) IS
    'share of a total: part / total from the exact values, rounded once; NULL when total = 0';
CREATE FUNCTION share(part float8, total float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_share_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share(float8, float8) IS
    'share of a total of float8 figures (each taken as its shortest decimal): part / total; NULL when total = 0';

-- kpi_round(value, digits): rounding for float8 KPIs (round(float8, int) does not exist in
-- PostgreSQL; a function of that name here would change what round(5, 2) means for anyone with
-- this schema on the search path, so it has its own name).
CREATE FUNCTION kpi_round(value float8, digits int DEFAULT 2) RETURNS numeric
    AS 'MODULE_PATHNAME', 'scalar_kpi_round' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kpi_round(float8, int) IS
    'a float8 KPI rounded half away from zero to digits decimals (0 .. 1000), from its shortest decimal: kpi_round(0.285, 2) = 0.29';


-- margin (docs/margin.md): margin_rate(s, digits), markup_rate(s, digits).
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

-- ratio (docs/ratio.md): ratio_agg over integer, bigint, float8 and boolean; ratio(s, digits).
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

-- stock (docs/stock.md): on_hand_cost optional per row (stock in units only); comments.
COMMENT ON TYPE stock_summary IS
    'per snapshot date, exact summed on-hand at cost, units and retail; text form (v1,rows=N,bases=cost+units,missing_units=0,missing_retail=0[,missing_cost=N],YYYY-MM-DD:cost/units/retail,...)';
COMMENT ON AGGREGATE stock_agg(date, numeric, numeric) IS
    'stock summary of on-hand snapshot rows: per date, the exact sums of on-hand cost and units (a NULL cost or units is left out and counted as missing; rows without any value are skipped)';
COMMENT ON AGGREGATE stock_agg(date, numeric, numeric, numeric) IS
    'stock summary of on-hand snapshot rows: per date, the exact sums of on-hand cost, units and retail (a NULL cost, units or retail is left out and counted as missing; rows without any value are skipped)';
COMMENT ON FUNCTION row_count(stock_summary) IS 'number of snapshot rows the summary was built from (rows with a date and at least one on-hand value)';
COMMENT ON FUNCTION missing_count(stock_summary, text) IS
    'number of rows whose on-hand value at the basis was NULL (left out of that basis; for cost, rows that gave only units or retail)';

-- abc (docs/abc.md): abc_ranking.
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

-- (end of the C families section)
