-- src/header.sql: first part of the assembled install script retail_kpi--<version>.sql.
-- The Makefile concatenates src/<family>.sql in the order of FAMILIES.

\echo Use "CREATE EXTENSION retail_kpi" to load this file. \quit

COMMENT ON SCHEMA retail_kpi IS 'retail_kpi: retail KPI summaries, decompositions and the indicator center';
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
-- src/stock.sql: the stock family (stock_summary, stock_agg, rollup, average inventory,
-- and the KPIs across a margin_summary and a stock_summary: turnover, days of inventory, GMROI).

CREATE TYPE stock_summary;

CREATE FUNCTION stock_summary_in(cstring) RETURNS stock_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION stock_summary_out(stock_summary) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION stock_summary_recv(internal) RETURNS stock_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION stock_summary_send(stock_summary) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE stock_summary (
    INPUT = stock_summary_in,
    OUTPUT = stock_summary_out,
    RECEIVE = stock_summary_recv,
    SEND = stock_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE stock_summary IS
    'per snapshot date, exact summed on-hand at cost, units and retail; text form (v1,rows=N,bases=cost+units,missing_units=0,missing_retail=0,YYYY-MM-DD:cost/units/retail,...)';
COMMENT ON FUNCTION stock_summary_in(cstring) IS 'text input of stock_summary';
COMMENT ON FUNCTION stock_summary_out(stock_summary) IS 'text output of stock_summary';
COMMENT ON FUNCTION stock_summary_recv(internal) IS 'binary input of stock_summary';
COMMENT ON FUNCTION stock_summary_send(stock_summary) IS 'binary output of stock_summary';

CREATE FUNCTION stock_agg_trans(stock_summary, date, numeric) RETURNS stock_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION stock_agg_trans(stock_summary, date, numeric, numeric) RETURNS stock_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION stock_agg_trans(stock_summary, date, numeric, numeric, numeric) RETURNS stock_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION stock_summary_combine(stock_summary, stock_summary) RETURNS stock_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION stock_summary_final(stock_summary) RETURNS stock_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION stock_agg_trans(stock_summary, date, numeric) IS
    'transition function of stock_agg(snapshot_date, on_hand_cost)';
COMMENT ON FUNCTION stock_agg_trans(stock_summary, date, numeric, numeric) IS
    'transition function of stock_agg(snapshot_date, on_hand_cost, on_hand_units)';
COMMENT ON FUNCTION stock_agg_trans(stock_summary, date, numeric, numeric, numeric) IS
    'transition function of stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail)';
COMMENT ON FUNCTION stock_summary_combine(stock_summary, stock_summary) IS
    'merges two stock summaries by adding same-date balances (combine function, and the transition of rollup)';
COMMENT ON FUNCTION stock_summary_final(stock_summary) IS
    'final function of stock_agg and rollup: trims the growth room of the aggregate state';

CREATE AGGREGATE stock_agg(snapshot_date date, on_hand_cost numeric) (
    SFUNC = stock_agg_trans,
    STYPE = stock_summary,
    FINALFUNC = stock_summary_final,
    COMBINEFUNC = stock_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE stock_agg(date, numeric) IS
    'stock summary of on-hand snapshot rows: per date, the exact sum of on-hand cost (rows with a NULL date or cost are skipped)';

CREATE AGGREGATE stock_agg(snapshot_date date, on_hand_cost numeric, on_hand_units numeric) (
    SFUNC = stock_agg_trans,
    STYPE = stock_summary,
    FINALFUNC = stock_summary_final,
    COMBINEFUNC = stock_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE stock_agg(date, numeric, numeric) IS
    'stock summary of on-hand snapshot rows: per date, the exact sums of on-hand cost and units (NULL units are left out and counted as missing)';

CREATE AGGREGATE stock_agg(snapshot_date date, on_hand_cost numeric, on_hand_units numeric,
                           on_hand_retail numeric) (
    SFUNC = stock_agg_trans,
    STYPE = stock_summary,
    FINALFUNC = stock_summary_final,
    COMBINEFUNC = stock_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE stock_agg(date, numeric, numeric, numeric) IS
    'stock summary of on-hand snapshot rows: per date, the exact sums of on-hand cost, units and retail (NULL units or retail are left out and counted as missing)';

CREATE AGGREGATE rollup(stock_summary) (
    SFUNC = stock_summary_combine,
    STYPE = stock_summary,
    FINALFUNC = stock_summary_final,
    COMBINEFUNC = stock_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(stock_summary) IS
    'merges stored stock summaries (of stores, SKUs ...) by adding same-date balances; same result as aggregating the raw rows';

CREATE FUNCTION avg_inventory(s stock_summary, method text DEFAULT 'snapshots', basis text DEFAULT 'cost')
    RETURNS numeric
    AS 'MODULE_PATHNAME', 'stock_avg_inventory' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION opening_inventory(s stock_summary, basis text DEFAULT 'cost') RETURNS numeric
    AS 'MODULE_PATHNAME', 'stock_opening_inventory' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION closing_inventory(s stock_summary, basis text DEFAULT 'cost') RETURNS numeric
    AS 'MODULE_PATHNAME', 'stock_closing_inventory' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION snapshot_count(s stock_summary) RETURNS integer
    AS 'MODULE_PATHNAME', 'stock_snapshot_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION first_snapshot(s stock_summary) RETURNS date
    AS 'MODULE_PATHNAME', 'stock_first_snapshot' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION last_snapshot(s stock_summary) RETURNS date
    AS 'MODULE_PATHNAME', 'stock_last_snapshot' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION row_count(stock_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'stock_row_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION missing_count(s stock_summary, basis text) RETURNS bigint
    AS 'MODULE_PATHNAME', 'stock_missing_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION snapshots(s stock_summary,
                          OUT snapshot_date date, OUT on_hand_cost numeric,
                          OUT on_hand_units numeric, OUT on_hand_retail numeric)
    RETURNS SETOF record
    AS 'MODULE_PATHNAME', 'stock_snapshots' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION avg_inventory(stock_summary, text, text) IS
    'average inventory, exact: method snapshots (mean of per-date totals, default), endpoints ((first + last) / 2) or daily (time-weighted over calendar days); basis cost (default), units or retail';
COMMENT ON FUNCTION opening_inventory(stock_summary, text) IS
    'summed on-hand on the first snapshot date that has a value at the basis';
COMMENT ON FUNCTION closing_inventory(stock_summary, text) IS
    'summed on-hand on the last snapshot date that has a value at the basis';
COMMENT ON FUNCTION snapshot_count(stock_summary) IS 'number of distinct snapshot dates';
COMMENT ON FUNCTION first_snapshot(stock_summary) IS 'earliest snapshot date';
COMMENT ON FUNCTION last_snapshot(stock_summary) IS 'latest snapshot date';
COMMENT ON FUNCTION row_count(stock_summary) IS 'number of snapshot rows the summary was built from';
COMMENT ON FUNCTION missing_count(stock_summary, text) IS
    'number of rows whose on-hand value at the basis was NULL (left out of that basis); 0 for cost';
COMMENT ON FUNCTION snapshots(stock_summary) IS
    'the per-date summed balances as rows; NULL where a basis has no value on that date';

CREATE FUNCTION inventory_turnover(sales margin_summary, stock stock_summary,
                                   basis text DEFAULT 'cost', method text DEFAULT 'snapshots')
    RETURNS double precision
    AS 'MODULE_PATHNAME', 'stock_inventory_turnover' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION days_of_inventory(sales margin_summary, stock stock_summary, period_days numeric,
                                  basis text DEFAULT 'cost', method text DEFAULT 'snapshots')
    RETURNS double precision
    AS 'MODULE_PATHNAME', 'stock_days_of_inventory' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION gmroi(sales margin_summary, stock stock_summary, method text DEFAULT 'snapshots')
    RETURNS double precision
    AS 'MODULE_PATHNAME', 'stock_gmroi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION inventory_turnover(margin_summary, stock_summary, text, text) IS
    'inventory turnover: COGS / average inventory at cost (basis cost), net sales / at retail (retail), units sold / units on hand (units); NULL when the average is <= 0';
COMMENT ON FUNCTION days_of_inventory(margin_summary, stock_summary, numeric, text, text) IS
    'days of inventory: average inventory * period_days / flow of the same basis; NULL when the flow is <= 0 or the average is negative';
COMMENT ON FUNCTION gmroi(margin_summary, stock_summary, text) IS
    'gross margin return on inventory: gross profit / average inventory at cost; NULL when the average is <= 0';
-- src/scalar.sql: the scalar family (sell-through, ROI, promotion ROI, growth, attainment,
-- SKU activity rates, coefficient_of_variation).

CREATE FUNCTION sell_through_rate(units_sold numeric, units_received numeric,
                                  opening_on_hand numeric DEFAULT 0) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_sell_through_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sell_through_rate(numeric, numeric, numeric) IS
    'sell-through: units_sold / (opening_on_hand + units_received); NULL when the denominator <= 0';

CREATE FUNCTION roi(gain numeric, cost numeric) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_roi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION roi(numeric, numeric) IS
    'return on investment (gain - cost) / cost; NULL when cost <= 0';

CREATE FUNCTION promo_roi(incremental_gross_profit numeric, spend numeric,
                          form text DEFAULT 'net') RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_promo_roi' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION promo_roi(numeric, numeric, text) IS
    'promotion ROI: form ''net'' (igp - spend) / spend, ''gross'' igp / spend, ''revenue'' (first argument = incremental revenue) (inc_revenue - spend) / spend; NULL when spend <= 0';

CREATE FUNCTION growth_rate("current" numeric, base numeric, mode text DEFAULT 'standard')
    RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_growth_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION growth_rate(numeric, numeric, text) IS
    'growth (current - base) / base; mode ''standard'' NULL when base <= 0, ''abs_base'' divides by |base| and is NULL only when base = 0';

CREATE FUNCTION attainment(actual numeric, target numeric,
                           direction text DEFAULT 'higher_is_better') RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_attainment' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION attainment(numeric, numeric, text) IS
    'target attainment: higher_is_better (A - T + |T|) / |T| (1 + A when T = 0); lower_is_better 1 - (A - T) / |T| (1 - A when T = 0)';

CREATE FUNCTION activity_rate(active_skus bigint, assortment_skus bigint) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_activity_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION activity_rate(bigint, bigint) IS
    'SKU activity rate: SKUs with net units sold > 0 / SKUs in the assortment; NULL when the assortment is empty';

CREATE FUNCTION dead_stock_rate(active_skus bigint, assortment_skus bigint) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_dead_stock_rate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION dead_stock_rate(bigint, bigint) IS
    'dead-stock rate: 1 - activity_rate = (assortment - active) / assortment; NULL when the assortment is empty';

-- coefficient_of_variation: state float8[4] {n, sum, sum of squared deviations, variant code}.
CREATE FUNCTION coefficient_of_variation_trans(float8[], float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION coefficient_of_variation_trans(float8[], float8, text) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION coefficient_of_variation_trans(float8[], numeric) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans_numeric' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION coefficient_of_variation_trans(float8[], numeric, text) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans_numeric' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION coefficient_of_variation_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION coefficient_of_variation_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_cv_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], float8) IS
    'transition function of coefficient_of_variation(x float8)';
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], float8, text) IS
    'transition function of coefficient_of_variation(x float8, variant)';
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], numeric) IS
    'transition function of coefficient_of_variation(x numeric)';
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], numeric, text) IS
    'transition function of coefficient_of_variation(x numeric, variant)';
COMMENT ON FUNCTION coefficient_of_variation_combine(float8[], float8[]) IS
    'combine function of coefficient_of_variation (parallel merge of two states)';
COMMENT ON FUNCTION coefficient_of_variation_final(float8[]) IS
    'final function of coefficient_of_variation: stddev / mean; NULL when n < 2 or mean <= 0';

CREATE AGGREGATE coefficient_of_variation(x float8) (
    SFUNC = coefficient_of_variation_trans,
    STYPE = float8[],
    FINALFUNC = coefficient_of_variation_final,
    COMBINEFUNC = coefficient_of_variation_combine,
    INITCOND = '{0,0,0,0}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE coefficient_of_variation(float8) IS
    'volatility: sample standard deviation / mean; NULL when fewer than 2 values or mean <= 0';

CREATE AGGREGATE coefficient_of_variation(x float8, variant text) (
    SFUNC = coefficient_of_variation_trans,
    STYPE = float8[],
    FINALFUNC = coefficient_of_variation_final,
    COMBINEFUNC = coefficient_of_variation_combine,
    INITCOND = '{0,0,0,0}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE coefficient_of_variation(float8, text) IS
    'volatility with variant ''sample'' or ''population'' standard deviation / mean (same variant on every row); NULL when fewer than 2 values or mean <= 0';

CREATE AGGREGATE coefficient_of_variation(x numeric) (
    SFUNC = coefficient_of_variation_trans,
    STYPE = float8[],
    FINALFUNC = coefficient_of_variation_final,
    COMBINEFUNC = coefficient_of_variation_combine,
    INITCOND = '{0,0,0,0}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE coefficient_of_variation(numeric) IS
    'volatility of numeric values (computed in double precision): sample standard deviation / mean; NULL when fewer than 2 values or mean <= 0';

CREATE AGGREGATE coefficient_of_variation(x numeric, variant text) (
    SFUNC = coefficient_of_variation_trans,
    STYPE = float8[],
    FINALFUNC = coefficient_of_variation_final,
    COMBINEFUNC = coefficient_of_variation_combine,
    INITCOND = '{0,0,0,0}',
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE coefficient_of_variation(numeric, text) IS
    'volatility of numeric values with variant ''sample'' or ''population''; NULL when fewer than 2 values or mean <= 0';
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
-- src/calendar.sql: the retail calendar (retail_calendar, retail_week, comparable_date).

CREATE TYPE retail_calendar_day AS (
    day date,
    fiscal_year integer,
    fiscal_quarter integer,
    fiscal_period integer,
    fiscal_week integer,
    day_of_week integer,
    week_start date,
    week_end date,
    period_start date,
    period_end date,
    weeks_in_year integer,
    quarter_start date,
    quarter_end date,
    year_start date,
    year_end date
);
COMMENT ON TYPE retail_calendar_day IS
    'one day of a retail (4-5-4) calendar: fiscal year, quarter, period (1-12), week (1-53), day of the retail week (1-7) and the bounds of its week, period, quarter and year';

CREATE FUNCTION retail_calendar(fiscal_year integer, pattern text DEFAULT '4-5-4',
                                year_end_month integer DEFAULT 1, week_end_day integer DEFAULT 6)
    RETURNS SETOF retail_calendar_day
    AS 'MODULE_PATHNAME', 'calendar_retail_calendar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 371;
COMMENT ON FUNCTION retail_calendar(integer, text, integer, integer) IS
    'every day of a retail fiscal year: the year ends on week_end_day (0 = Sunday .. 6 = Saturday) nearest the last day of year_end_month and is named for the calendar year it starts in (NRF: Saturday nearest 31 January); quarters of 13 weeks in periods of pattern ''4-5-4'', ''4-4-5'' or ''5-4-4''; a 53rd week joins the last period';

CREATE FUNCTION retail_week(d date, pattern text DEFAULT '4-5-4',
                            year_end_month integer DEFAULT 1, week_end_day integer DEFAULT 6)
    RETURNS retail_calendar_day
    AS 'MODULE_PATHNAME', 'calendar_retail_week'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION retail_week(date, text, integer, integer) IS
    'the retail calendar row of one day (same options as retail_calendar)';

CREATE FUNCTION comparable_date(d date, method text DEFAULT 'restated', pattern text DEFAULT '4-5-4',
                                year_end_month integer DEFAULT 1, week_end_day integer DEFAULT 6)
    RETURNS date
    AS 'MODULE_PATHNAME', 'calendar_comparable_date'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION comparable_date(date, text, text, integer, integer) IS
    'the comparable day of the previous year: method ''restated'' d - 364 (same weekday, NRF restated comparison), ''fiscal_week'' the same fiscal week and weekday of the previous fiscal year (NULL for a week 53 the previous year lacks)';
-- src/bridge.sql: the bridge family (bridge_summary, bridge_agg, rollup, margin_bridge,
-- revenue_bridge, margin_rate_bridge).

CREATE TYPE bridge_summary;

CREATE FUNCTION bridge_summary_in(cstring) RETURNS bridge_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION bridge_summary_out(bridge_summary) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION bridge_summary_recv(internal) RETURNS bridge_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION bridge_summary_send(bridge_summary) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE bridge_summary (
    INPUT = bridge_summary_in,
    OUTPUT = bridge_summary_out,
    RECEIVE = bridge_summary_recv,
    SEND = bridge_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE bridge_summary IS
    'per item, exact base and current sums of units, revenue and cost; text form (v1,rows=N,items=K,["item",q0,r0,c0,q1,r1,c1],...)';
COMMENT ON FUNCTION bridge_summary_in(cstring) IS 'text input of bridge_summary';
COMMENT ON FUNCTION bridge_summary_out(bridge_summary) IS 'text output of bridge_summary (items in C-collation order)';
COMMENT ON FUNCTION bridge_summary_recv(internal) IS 'binary input of bridge_summary';
COMMENT ON FUNCTION bridge_summary_send(bridge_summary) IS 'binary output of bridge_summary';

CREATE FUNCTION bridge_agg_trans(bridge_summary, text, boolean, numeric, numeric, numeric)
    RETURNS bridge_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION bridge_summary_combine(bridge_summary, bridge_summary) RETURNS bridge_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION bridge_summary_final(bridge_summary) RETURNS bridge_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION bridge_agg_trans(bridge_summary, text, boolean, numeric, numeric, numeric) IS
    'transition function of bridge_agg(item, is_current, units, revenue, cost)';
COMMENT ON FUNCTION bridge_summary_combine(bridge_summary, bridge_summary) IS
    'merges two bridge summaries (combine function, and the transition of rollup)';
COMMENT ON FUNCTION bridge_summary_final(bridge_summary) IS
    'final function of bridge_agg and rollup: the canonical (sorted, packed) stored form';

CREATE AGGREGATE bridge_agg(item text, is_current boolean, units numeric, revenue numeric, cost numeric) (
    SFUNC = bridge_agg_trans,
    STYPE = bridge_summary,
    FINALFUNC = bridge_summary_final,
    COMBINEFUNC = bridge_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE bridge_agg(text, boolean, numeric, numeric, numeric) IS
    'bridge summary of sales rows: per item, exact units, revenue and cost of the base (is_current false) and current period; rows with a NULL are skipped';

CREATE AGGREGATE rollup(bridge_summary) (
    SFUNC = bridge_summary_combine,
    STYPE = bridge_summary,
    FINALFUNC = bridge_summary_final,
    COMBINEFUNC = bridge_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(bridge_summary) IS
    'merges stored bridge summaries into one (same result as aggregating the raw rows)';

CREATE FUNCTION row_count(bridge_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'bridge_row_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION item_count(bridge_summary) RETURNS integer
    AS 'MODULE_PATHNAME', 'bridge_item_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION row_count(bridge_summary) IS 'number of rows the summary was built from';
COMMENT ON FUNCTION item_count(bridge_summary) IS 'number of distinct items in the summary';

CREATE FUNCTION margin_bridge(s bridge_summary, method text DEFAULT 'price_volume_mix')
    RETURNS TABLE (item text, base numeric, volume numeric, mix numeric, price numeric,
                   cost numeric, interaction numeric, new_items numeric, discontinued numeric,
                   current numeric, method text)
    AS 'MODULE_PATHNAME', 'bridge_margin_bridge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    ROWS 1000;
COMMENT ON FUNCTION margin_bridge(bridge_summary, text) IS
    'gross-profit bridge base -> current: one row per item (C-collation order) and a total row (item NULL); methods price_volume_mix (default), price_volume, interaction';

CREATE FUNCTION revenue_bridge(s bridge_summary, method text DEFAULT 'price_volume_mix')
    RETURNS TABLE (item text, base numeric, volume numeric, mix numeric, price numeric,
                   cost numeric, interaction numeric, new_items numeric, discontinued numeric,
                   current numeric, method text)
    AS 'MODULE_PATHNAME', 'bridge_revenue_bridge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    ROWS 1000;
COMMENT ON FUNCTION revenue_bridge(bridge_summary, text) IS
    'revenue bridge base -> current (cost effect 0; price effect equals the gross-profit bridge''s); one row per item and a total row (item NULL)';

CREATE FUNCTION margin_rate_bridge(s bridge_summary)
    RETURNS TABLE (item text, base_rate float8, mix float8, rate float8, current_rate float8)
    AS 'MODULE_PATHNAME', 'bridge_margin_rate_bridge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    ROWS 1000;
COMMENT ON FUNCTION margin_rate_bridge(bridge_summary) IS
    'margin-rate bridge: mix sum((w1 - w0) * r0) and rate sum(w1 * (r1 - r0)) per item and in a total row (item NULL)';
-- src/factor.sql: the factor family (factor_contributions: chain, Shapley, LMDI).

CREATE FUNCTION factor_contributions(
    base float8[],
    actual float8[],
    method text DEFAULT 'chain',
    names text[] DEFAULT NULL)
RETURNS TABLE (ordinal int, factor text, base float8, actual float8, contribution float8)
    AS 'MODULE_PATHNAME', 'factor_contributions'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION factor_contributions(float8[], float8[], text, text[]) IS
    'factor analysis of V = x1*...*xk (or sum over rows of a 2-D array): each factor''s contribution to the change from base to actual; methods chain (default), shapley, lmdi, lmdi_multiplicative; NULL base or actual gives no rows';
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
-- src/funnel.sql: the funnel family (funnel: step rates of a conversion funnel).

CREATE FUNCTION funnel(stage_counts bigint[], stage_names text[] DEFAULT NULL)
RETURNS TABLE (stage int, name text, count bigint, step_rate float8, rate_from_top float8,
               drop_off float8)
    AS 'MODULE_PATHNAME', 'funnel_steps'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 5;
COMMENT ON FUNCTION funnel(bigint[], text[]) IS
    'conversion funnel: one row per stage with step rate (stage / previous, 1 for stage 1), rate from top (stage / first) and drop-off (1 - step rate); a zero denominator gives NULL; NULL stage_counts gives no rows';
-- src/catalog.sql: the indicator center (指标中心): catalog tables, the API that writes them,
-- the compiler (metric_sql / metric_values), governance (history, lineage, check_catalog),
-- targets, alert rules and the standard KPI library.  Assembled last into the install script.
--
-- Security model (see docs/indicator_center.md):
--  * catalog tables are readable by PUBLIC and writable only by the extension owner; ordinary users
--    change them through the SECURITY DEFINER API functions below (search_path pinned);
--  * the API checks the CALLER (catalog_caller(): the SET ROLE role, unaffected by SECURITY DEFINER):
--    changing an object requires membership of its owner role or of the admin role retail_kpi_admin;
--  * every expression is parsed in C (catalog_parse_expression) and stored re-rendered with quoted
--    identifiers; every identifier in generated SQL is quoted with format('%I'), every value with %L;
--  * metric_sql / metric_values / publish_metric_view are SECURITY INVOKER: the caller's privileges and
--    row-level security apply to the sources.

-- The admin role is cluster-wide: create it only when it does not exist (it is never dropped by
-- DROP EXTENSION, since other databases may use it).
DO $catalog_role$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'retail_kpi_admin') THEN
        CREATE ROLE retail_kpi_admin NOLOGIN;
    END IF;
END
$catalog_role$;

GRANT USAGE ON SCHEMA retail_kpi TO PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- C helpers

CREATE FUNCTION catalog_parse_expression(expression text, argname text, function_names text[],
                                         function_sql text[], column_prefix text DEFAULT NULL,
                                         replace_names text[] DEFAULT NULL, replace_sql text[] DEFAULT NULL,
                                         OUT sql text, OUT columns text[], OUT functions text[], OUT items int)
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION catalog_parse_expression(text, text, text[], text[], text, text[], text[]) IS
    'validates a catalog expression with the PostgreSQL raw parser (allow-listed nodes, operators, functions, casts) and returns its normalised SQL, referenced columns and functions';

CREATE FUNCTION catalog_caller() RETURNS name
    AS 'MODULE_PATHNAME' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
CREATE FUNCTION catalog_probe(query text) RETURNS text
    AS 'MODULE_PATHNAME' LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION catalog_probe(text) IS
    'internal: runs a read-only type-check query of the catalog API as the calling role (not as the API owner)';
REVOKE EXECUTE ON FUNCTION catalog_probe(text) FROM PUBLIC;

COMMENT ON FUNCTION catalog_caller() IS
    'the role calling the catalog API (current role as set by SET ROLE, unchanged by SECURITY DEFINER)';

-- ---------------------------------------------------------------------------------------------
-- Allow-lists (data, so families added later are referenced by name)

CREATE TABLE catalog_aggregations (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    sql_name    text NOT NULL CHECK (sql_name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
    is_distinct boolean NOT NULL DEFAULT false,
    min_args    int NOT NULL CHECK (min_args >= 0),
    max_args    int NOT NULL CHECK (max_args >= min_args),
    description text,
    builtin     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE catalog_aggregations IS
    'allow-list of aggregations a measure may use: name, the qualified aggregate it renders to, DISTINCT, argument count';

INSERT INTO catalog_aggregations VALUES
    ('sum',            'pg_catalog.sum',         false, 1, 1, 'sum of the expression', true),
    ('count',          'pg_catalog.count',       false, 0, 1, 'count(*) without expression, else count of non-NULL values', true),
    ('count_distinct', 'pg_catalog.count',       true,  1, 1, 'number of distinct non-NULL values', true),
    ('min',            'pg_catalog.min',         false, 1, 1, 'minimum', true),
    ('max',            'pg_catalog.max',         false, 1, 1, 'maximum', true),
    ('margin_agg',     'retail_kpi.margin_agg',  false, 2, 3, 'margin summary (revenue, cost [, units])', true),
    ('ratio_agg',      'retail_kpi.ratio_agg',   false, 2, 2, 'ratio summary (numerator, denominator)', true),
    ('stock_agg',      'retail_kpi.stock_agg',   false, 2, 4, 'stock summary (snapshot_date, on_hand_cost [, units [, retail]])', true),
    ('promo_agg',      'retail_kpi.promo_agg',   false, 8, 8, 'promotion summary', true),
    ('bridge_agg',     'retail_kpi.bridge_agg',  false, 5, 5, 'bridge summary', true),
    ('abc_agg',        'retail_kpi.abc_agg',     false, 2, 2, 'ABC summary', true);

CREATE TABLE catalog_functions (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    sql_name    text NOT NULL CHECK (sql_name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
    usage       text NOT NULL CHECK (usage IN ('row', 'metric', 'both')),
    description text,
    builtin     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE catalog_functions IS
    'allow-list of functions in catalog expressions: usage row (measure expressions and filters), metric (derived metrics) or both';

INSERT INTO catalog_functions VALUES
    ('abs', 'pg_catalog.abs', 'both', NULL, true),
    ('round', 'pg_catalog.round', 'both', NULL, true),
    ('trunc', 'pg_catalog.trunc', 'both', NULL, true),
    ('ceil', 'pg_catalog.ceil', 'both', NULL, true),
    ('floor', 'pg_catalog.floor', 'both', NULL, true),
    ('sign', 'pg_catalog.sign', 'both', NULL, true),
    ('power', 'pg_catalog.power', 'both', NULL, true),
    ('sqrt', 'pg_catalog.sqrt', 'both', NULL, true),
    ('ln', 'pg_catalog.ln', 'both', NULL, true),
    ('exp', 'pg_catalog.exp', 'both', NULL, true),
    ('lower', 'pg_catalog.lower', 'row', NULL, true),
    ('upper', 'pg_catalog.upper', 'row', NULL, true),
    -- margin and ratio families
    ('revenue', 'retail_kpi.revenue', 'metric', NULL, true),
    ('cost', 'retail_kpi.cost', 'metric', NULL, true),
    ('units', 'retail_kpi.units', 'metric', NULL, true),
    ('gross_profit', 'retail_kpi.gross_profit', 'metric', NULL, true),
    ('margin_rate', 'retail_kpi.margin_rate', 'metric', NULL, true),
    ('markup_rate', 'retail_kpi.markup_rate', 'metric', NULL, true),
    ('ratio', 'retail_kpi.ratio', 'metric', NULL, true),
    ('numerator', 'retail_kpi.numerator', 'metric', NULL, true),
    ('denominator', 'retail_kpi.denominator', 'metric', NULL, true),
    -- families built in parallel (checked when a definition uses them)
    ('avg_inventory', 'retail_kpi.avg_inventory', 'metric', NULL, true),
    ('opening_inventory', 'retail_kpi.opening_inventory', 'metric', NULL, true),
    ('closing_inventory', 'retail_kpi.closing_inventory', 'metric', NULL, true),
    ('inventory_turnover', 'retail_kpi.inventory_turnover', 'metric', NULL, true),
    ('days_of_inventory', 'retail_kpi.days_of_inventory', 'metric', NULL, true),
    ('gmroi', 'retail_kpi.gmroi', 'metric', NULL, true),
    ('sell_through_rate', 'retail_kpi.sell_through_rate', 'metric', NULL, true),
    ('roi', 'retail_kpi.roi', 'metric', NULL, true),
    ('promo_roi', 'retail_kpi.promo_roi', 'metric', NULL, true),
    ('growth_rate', 'retail_kpi.growth_rate', 'metric', NULL, true),
    ('attainment', 'retail_kpi.attainment', 'metric', NULL, true),
    ('activity_rate', 'retail_kpi.activity_rate', 'metric', NULL, true),
    ('dead_stock_rate', 'retail_kpi.dead_stock_rate', 'metric', NULL, true),
    ('incremental_units', 'retail_kpi.incremental_units', 'metric', NULL, true),
    ('incremental_revenue', 'retail_kpi.incremental_revenue', 'metric', NULL, true),
    ('incremental_gross_profit', 'retail_kpi.incremental_gross_profit', 'metric', NULL, true);

-- ---------------------------------------------------------------------------------------------
-- Catalog tables

CREATE TABLE dimensions (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    label_en    text NOT NULL,
    label_zh    text,
    description text,
    parent      text,
    owner       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE dimensions IS 'catalog: dimensions (store, region, sku, ...), with an optional parent for hierarchies';

CREATE TABLE sources (
    code          text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    schema_name   text NOT NULL,
    relation_name text NOT NULL,
    time_column   text,
    dimensions    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(dimensions) = 'object'),
    description   text,
    owner         text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE sources IS
    'catalog: fact tables or views, their time column (NULL: static facts such as selling area) and the column of each dimension';

CREATE TABLE measures (
    code         text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    source       text NOT NULL,
    aggregation  text NOT NULL,
    expression   text,
    filter       text,
    compiled_sql text NOT NULL,
    columns      text[] NOT NULL DEFAULT '{}',
    result_type  text NOT NULL,
    label_en     text,
    label_zh     text,
    description  text,
    unit         text,
    owner        text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE measures IS
    'catalog: an aggregation over a column expression of one source; compiled_sql is the validated, re-rendered aggregate';

CREATE TABLE metrics (
    code         text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    label_en     text NOT NULL,
    label_zh     text,
    description  text,
    unit         text,
    polarity     text NOT NULL DEFAULT 'higher_is_better'
                 CHECK (polarity IN ('higher_is_better', 'lower_is_better', 'neutral')),
    owner        text NOT NULL,
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'certified', 'deprecated')),
    tags         text[] NOT NULL DEFAULT '{}',
    kind         text NOT NULL CHECK (kind IN ('simple', 'ratio', 'derived')),
    definition   jsonb NOT NULL,
    compiled_sql text,
    depends_on   text[] NOT NULL DEFAULT '{}',
    value_type   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE metrics IS
    'catalog: governed metric definitions (simple: one measure; ratio: numerator / denominator metric; derived: expression over metrics)';

CREATE TABLE targets (
    metric       text NOT NULL,
    scenario     text NOT NULL DEFAULT 'budget' CHECK (scenario ~ '^[a-z][a-z0-9_]{0,62}$'),
    grain        text NOT NULL,
    period_start date NOT NULL,
    dimensions   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(dimensions) = 'object'),
    value        numeric NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (metric, scenario, grain, period_start, dimensions)
);
COMMENT ON TABLE targets IS 'catalog: target values of a metric per period, dimension members and scenario (budget, forecast)';

CREATE TABLE alert_rules (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    metric      text NOT NULL,
    grain       text NOT NULL,
    dimensions  text[] NOT NULL DEFAULT '{}',
    filters     jsonb,
    condition   text NOT NULL CHECK (condition IN ('below', 'above', 'change_beyond', 'target_deviation')),
    threshold   numeric NOT NULL,
    scenario    text NOT NULL DEFAULT 'budget',
    severity    text NOT NULL DEFAULT 'warning' CHECK (severity IN ('info', 'warning', 'critical')),
    enabled     boolean NOT NULL DEFAULT true,
    owner       text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE alert_rules IS
    'catalog: alert rules (value below/above a threshold, change vs previous period or deviation from target beyond a fraction)';

CREATE SEQUENCE catalog_history_id_seq;
CREATE TABLE catalog_history (
    id                bigint PRIMARY KEY DEFAULT nextval('retail_kpi.catalog_history_id_seq'),
    object_type       text NOT NULL,
    code              text NOT NULL,
    action            text NOT NULL,
    changed_by        text NOT NULL,
    session_user_name text NOT NULL,
    changed_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    reason            text,
    old_definition    jsonb,
    new_definition    jsonb
);
ALTER SEQUENCE catalog_history_id_seq OWNED BY catalog_history.id;
CREATE INDEX catalog_history_object ON catalog_history (object_type, code, id);
COMMENT ON TABLE catalog_history IS
    'every change made through the catalog API: who (calling role and session user), when, why, old and new row';

-- Only the extension owner writes; everyone reads.
REVOKE ALL ON catalog_aggregations, catalog_functions, dimensions, sources, measures, metrics, targets,
    alert_rules, catalog_history, catalog_history_id_seq FROM PUBLIC;
GRANT SELECT ON catalog_aggregations, catalog_functions, dimensions, sources, measures, metrics, targets,
    alert_rules, catalog_history TO PUBLIC;

-- pg_dump keeps the rows users added (the built-in allow-list rows come from the install script).
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.catalog_aggregations', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.catalog_functions', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.dimensions', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.sources', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.measures', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metrics', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.targets', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.alert_rules', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.catalog_history', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.catalog_history_id_seq', '');

-- ---------------------------------------------------------------------------------------------
-- Internal helpers (not SECURITY DEFINER; they cannot write the tables on their own)

-- Checks that a code is a plain snake_case identifier (the only form allowed for catalog codes).
CREATE FUNCTION _catalog_check_code(value text, argname text) RETURNS text
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    IF value IS NULL THEN
        RAISE EXCEPTION 'argument "%" must not be NULL', argname USING ERRCODE = '22004';
    END IF;
    IF value !~ '^[a-z][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid value for argument "%": %', argname, pg_catalog.quote_literal(value)
            USING ERRCODE = '22023',
                  DETAIL = 'Catalog codes are snake_case identifiers: a lowercase letter, then lowercase letters, digits or underscores (at most 63 characters).';
    END IF;
    RETURN value;
END
$$;
COMMENT ON FUNCTION _catalog_check_code(text, text) IS 'internal: raises 22023 unless value is a snake_case code';

-- Checks a variant name against a list (22023 with the valid names in the HINT).
CREATE FUNCTION _catalog_check_variant(value text, argname text, valid text[]) RETURNS text
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    IF value IS NULL OR NOT value = ANY (valid) THEN
        RAISE EXCEPTION 'invalid value for argument "%": %', argname, coalesce(pg_catalog.quote_literal(value), 'NULL')
            USING ERRCODE = '22023',
                  HINT = 'Valid values are ' || (SELECT string_agg(pg_catalog.quote_literal(v), ', ') FROM unnest(valid) v) || '.';
    END IF;
    RETURN value;
END
$$;
COMMENT ON FUNCTION _catalog_check_variant(text, text, text[]) IS 'internal: raises 22023 unless value is one of valid';

-- The role that becomes the owner of a new object: the given one (the caller must be a member) or the caller.
CREATE FUNCTION _catalog_owner(owner text) RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
DECLARE
    caller name := retail_kpi.catalog_caller();
BEGIN
    IF owner IS NULL THEN
        RETURN caller::text;
    END IF;
    IF pg_catalog.to_regrole(pg_catalog.quote_ident(owner)) IS NULL THEN
        RAISE EXCEPTION 'role % does not exist', pg_catalog.quote_literal(owner)
            USING ERRCODE = '42704', DETAIL = 'Argument "owner" must name an existing role.';
    END IF;
    IF NOT pg_catalog.pg_has_role(caller, owner::name, 'MEMBER')
       AND NOT (pg_catalog.to_regrole('retail_kpi_admin') IS NOT NULL
                AND pg_catalog.pg_has_role(caller, 'retail_kpi_admin', 'MEMBER')) THEN
        RAISE EXCEPTION 'permission denied to make role % an owner', pg_catalog.quote_ident(owner)
            USING ERRCODE = '42501',
                  DETAIL = 'Only members of a role (or of retail_kpi_admin) may give it ownership of catalog objects.';
    END IF;
    RETURN owner;
END
$$;
COMMENT ON FUNCTION _catalog_owner(text) IS 'internal: resolves and checks the owner argument of a catalog API call';

-- Raises 42501 unless the caller is a member of the object's owner role or of retail_kpi_admin.
CREATE FUNCTION _catalog_require_owner(object_type text, code text, owner text) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
DECLARE
    caller name := retail_kpi.catalog_caller();
BEGIN
    IF pg_catalog.to_regrole('retail_kpi_admin') IS NOT NULL
       AND pg_catalog.pg_has_role(caller, 'retail_kpi_admin', 'MEMBER') THEN
        RETURN;
    END IF;
    IF owner IS NOT NULL AND pg_catalog.to_regrole(pg_catalog.quote_ident(owner)) IS NOT NULL
       AND pg_catalog.pg_has_role(caller, owner::name, 'MEMBER') THEN
        RETURN;
    END IF;
    RAISE EXCEPTION 'permission denied to change % "%"', object_type, code
        USING ERRCODE = '42501',
              DETAIL = format('Only members of its owner role %s or of retail_kpi_admin may change it; %s is neither.',
                              pg_catalog.quote_ident(owner), pg_catalog.quote_ident(caller));
END
$$;
COMMENT ON FUNCTION _catalog_require_owner(text, text, text) IS 'internal: permission check of the catalog API';

-- Raises 42501 unless the caller is a member of retail_kpi_admin.
CREATE FUNCTION _catalog_require_admin(what text) RETURNS void
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL RESTRICTED AS $$
BEGIN
    IF pg_catalog.to_regrole('retail_kpi_admin') IS NULL
       OR NOT pg_catalog.pg_has_role(retail_kpi.catalog_caller(), 'retail_kpi_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'permission denied to %', what
            USING ERRCODE = '42501', DETAIL = 'Only members of retail_kpi_admin may do this.';
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_require_admin(text) IS 'internal: raises 42501 unless the caller is a member of retail_kpi_admin';

-- Appends one row to catalog_history.
CREATE FUNCTION _catalog_record(object_type text, code text, action text, reason text,
                                old_definition jsonb, new_definition jsonb) RETURNS void
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$
    INSERT INTO retail_kpi.catalog_history
        (object_type, code, action, changed_by, session_user_name, reason, old_definition, new_definition)
    VALUES (object_type, code, action, retail_kpi.catalog_caller(), session_user, reason, old_definition, new_definition);
$$;
COMMENT ON FUNCTION _catalog_record(text, text, text, text, jsonb, jsonb) IS 'internal: appends a change to catalog_history';

-- An object's row as jsonb: the live row, or the definition in force at as_of (from the history).
CREATE FUNCTION _catalog_get(object_type text, code text, as_of timestamptz DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
BEGIN
    IF as_of IS NOT NULL THEN
        RETURN (SELECT h.new_definition FROM retail_kpi.catalog_history h
                WHERE h.object_type = object_type AND h.code = code AND h.changed_at <= as_of
                ORDER BY h.id DESC LIMIT 1);
    END IF;
    CASE object_type
        WHEN 'metric' THEN RETURN (SELECT to_jsonb(t) FROM retail_kpi.metrics t WHERE t.code = code);
        WHEN 'measure' THEN RETURN (SELECT to_jsonb(t) FROM retail_kpi.measures t WHERE t.code = code);
        WHEN 'source' THEN RETURN (SELECT to_jsonb(t) FROM retail_kpi.sources t WHERE t.code = code);
        WHEN 'dimension' THEN RETURN (SELECT to_jsonb(t) FROM retail_kpi.dimensions t WHERE t.code = code);
        ELSE RAISE EXCEPTION 'unknown catalog object type %', object_type;
    END CASE;
END
$$;
COMMENT ON FUNCTION _catalog_get(text, text, timestamptz) IS
    'internal: the row of a catalog object as jsonb, live or as defined at as_of';

-- Parses and re-renders an expression with the allow-listed functions of the given usage.
CREATE FUNCTION _catalog_parse(expression text, argname text, usage text, column_prefix text DEFAULT NULL,
                               OUT sql text, OUT columns text[], OUT functions text[], OUT items int)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT p.sql, p.columns, p.functions, p.items
    FROM (SELECT coalesce(array_agg(f.name ORDER BY f.name), '{}') AS n,
                 coalesce(array_agg(f.sql_name ORDER BY f.name), '{}') AS s
          FROM retail_kpi.catalog_functions f WHERE f.usage IN (usage, 'both')) a,
         retail_kpi.catalog_parse_expression(expression, argname, a.n, a.s, column_prefix) p;
$$;
COMMENT ON FUNCTION _catalog_parse(text, text, text, text) IS 'internal: catalog_parse_expression with the allow-list of a usage';

-- Qualified name of a type (so generated SQL does not depend on search_path).
CREATE FUNCTION _catalog_type_name(t regtype) RETURNS text
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT format('%I.%I', n.nspname, ty.typname)
    FROM pg_catalog.pg_type ty JOIN pg_catalog.pg_namespace n ON n.oid = ty.typnamespace
    WHERE ty.oid = t;
$$;
COMMENT ON FUNCTION _catalog_type_name(regtype) IS 'internal: schema-qualified, quoted type name';

-- True for the value types a metric may return to metric_values.
CREATE FUNCTION _catalog_is_number(type_name text) RETURNS boolean
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT type_name IN ('pg_catalog."numeric"', 'pg_catalog.int8', 'pg_catalog.int4', 'pg_catalog.int2',
                         'pg_catalog.float8', 'pg_catalog.float4', 'pg_catalog.numeric');
$$;
COMMENT ON FUNCTION _catalog_is_number(text) IS 'internal: is the (qualified) type numeric, integer or floating point';

-- All metrics a metric depends on, transitively (live definitions).
CREATE FUNCTION _catalog_upstream_metrics(code text) RETURNS TABLE(metric text, depth int)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    WITH RECURSIVE up(metric, depth, path) AS (
        SELECT d, 1, ARRAY[code, d] FROM retail_kpi.metrics m, unnest(m.depends_on) d WHERE m.code = $1
        UNION ALL
        SELECT d, up.depth + 1, up.path || d
        FROM up JOIN retail_kpi.metrics m ON m.code = up.metric, unnest(m.depends_on) d
        WHERE NOT d = ANY (up.path) AND up.depth < 100
    )
    SELECT metric, min(depth) FROM up GROUP BY metric;
$$;
COMMENT ON FUNCTION _catalog_upstream_metrics(text) IS 'internal: transitive upstream metrics of a metric';

-- ---------------------------------------------------------------------------------------------
-- API: dimensions, sources, measures

CREATE FUNCTION define_dimension(code text, label_en text, label_zh text DEFAULT NULL,
                                 description text DEFAULT NULL, parent text DEFAULT NULL,
                                 owner text DEFAULT NULL, reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.dimensions;
    new retail_kpi.dimensions;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    IF label_en IS NULL OR btrim(label_en) = '' THEN
        RAISE EXCEPTION 'argument "label_en" must not be empty' USING ERRCODE = '22023';
    END IF;
    IF parent IS NOT NULL THEN
        PERFORM retail_kpi._catalog_check_code(parent, 'parent');
        IF parent = code OR NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions d WHERE d.code = parent) THEN
            RAISE EXCEPTION 'parent dimension "%" does not exist', parent USING ERRCODE = '42704';
        END IF;
    END IF;
    SELECT * INTO old FROM retail_kpi.dimensions d WHERE d.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('dimension', code, old.owner);
        UPDATE retail_kpi.dimensions d SET label_en = label_en, label_zh = label_zh, description = description,
               parent = parent, owner = CASE WHEN owner IS NULL THEN d.owner ELSE retail_kpi._catalog_owner(owner) END, updated_at = now()
         WHERE d.code = code RETURNING d.* INTO new;
    ELSE
        INSERT INTO retail_kpi.dimensions (code, label_en, label_zh, description, parent, owner)
        VALUES (code, label_en, label_zh, description, parent, retail_kpi._catalog_owner(owner))
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('dimension', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_dimension(text, text, text, text, text, text, text) IS
    'creates or updates a dimension (code, English and Chinese labels, optional parent); returns the code';

CREATE FUNCTION define_source(code text, relation regclass, time_column text DEFAULT NULL,
                              dimensions jsonb DEFAULT '{}', description text DEFAULT NULL,
                              owner text DEFAULT NULL, reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.sources;
    new retail_kpi.sources;
    nsp text;
    rel text;
    k text;
    v jsonb;
    typ oid;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    IF relation IS NULL THEN
        RAISE EXCEPTION 'argument "relation" must not be NULL' USING ERRCODE = '22004';
    END IF;
    SELECT n.nspname, c.relname INTO nsp, rel
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.oid = relation AND c.relkind IN ('r', 'v', 'm', 'p', 'f');
    IF NOT FOUND THEN
        RAISE EXCEPTION 'relation % is not a table or view', relation USING ERRCODE = '42809';
    END IF;
    IF (SELECT c.relpersistence FROM pg_catalog.pg_class c WHERE c.oid = relation) = 't' THEN
        RAISE EXCEPTION 'relation % is temporary', relation
            USING ERRCODE = '22023', DETAIL = 'A source must be visible to every session.';
    END IF;
    IF NOT pg_catalog.has_table_privilege(retail_kpi.catalog_caller(), relation, 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for relation %', relation
            USING ERRCODE = '42501', DETAIL = 'A source can only be defined on a relation the caller may read.';
    END IF;
    IF time_column IS NOT NULL THEN
        SELECT a.atttypid INTO typ FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = relation AND a.attname = time_column AND a.attnum > 0 AND NOT a.attisdropped;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'column % of relation % does not exist', pg_catalog.quote_ident(time_column), relation
                USING ERRCODE = '42703', DETAIL = 'Argument "time_column" must name a column of the relation.';
        END IF;
        IF typ NOT IN ('date'::regtype, 'timestamp'::regtype, 'timestamptz'::regtype) THEN
            RAISE EXCEPTION 'time column % must be of type date, timestamp or timestamptz', pg_catalog.quote_ident(time_column)
                USING ERRCODE = '42804';
        END IF;
    END IF;
    IF dimensions IS NULL OR jsonb_typeof(dimensions) <> 'object' THEN
        RAISE EXCEPTION 'argument "dimensions" must be a JSON object mapping dimension codes to column names'
            USING ERRCODE = '22023';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(dimensions) LOOP
        PERFORM retail_kpi._catalog_check_code(k, 'dimensions');
        IF NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions d WHERE d.code = k) THEN
            RAISE EXCEPTION 'dimension "%" does not exist', k
                USING ERRCODE = '42704', HINT = 'Define it first with retail_kpi.define_dimension().';
        END IF;
        IF jsonb_typeof(v) <> 'string' OR NOT EXISTS (
                SELECT 1 FROM pg_catalog.pg_attribute a
                WHERE a.attrelid = relation AND a.attname = (v #>> '{}') AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column % of relation % does not exist', v, relation
                USING ERRCODE = '42703', DETAIL = format('Argument "dimensions" maps dimension "%s" to it.', k);
        END IF;
    END LOOP;
    SELECT * INTO old FROM retail_kpi.sources s WHERE s.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('source', code, old.owner);
        UPDATE retail_kpi.sources s SET schema_name = nsp, relation_name = rel, time_column = time_column,
               dimensions = dimensions, description = description,
               owner = CASE WHEN owner IS NULL THEN s.owner ELSE retail_kpi._catalog_owner(owner) END, updated_at = now()
         WHERE s.code = code RETURNING s.* INTO new;
    ELSE
        INSERT INTO retail_kpi.sources (code, schema_name, relation_name, time_column, dimensions, description, owner)
        VALUES (code, nsp, rel, time_column, dimensions, description, retail_kpi._catalog_owner(owner))
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('source', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_source(text, regclass, text, jsonb, text, text, text) IS
    'creates or updates a source: a table or view, its time column and {dimension code: column} map; returns the code';

CREATE FUNCTION define_measure(code text, source text, aggregation text, expression text DEFAULT NULL,
                               filter text DEFAULT NULL, label_en text DEFAULT NULL, label_zh text DEFAULT NULL,
                               description text DEFAULT NULL, unit text DEFAULT NULL,
                               owner text DEFAULT NULL, reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.measures;
    new retail_kpi.measures;
    src retail_kpi.sources;
    agg retail_kpi.catalog_aggregations;
    e record;
    f record;
    cols text[] := '{}';
    c text;
    compiled text;
    rtype text;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_code(source, 'source');
    PERFORM retail_kpi._catalog_check_code(aggregation, 'aggregation');
    SELECT * INTO src FROM retail_kpi.sources s WHERE s.code = source;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'source "%" does not exist', source USING ERRCODE = '42704';
    END IF;
    SELECT * INTO agg FROM retail_kpi.catalog_aggregations a WHERE a.name = aggregation;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'aggregation "%" is not allowed', aggregation
            USING ERRCODE = '22023',
                  HINT = 'Valid values are ' || (SELECT string_agg(pg_catalog.quote_literal(a.name), ', ' ORDER BY a.name)
                                                 FROM retail_kpi.catalog_aggregations a) || '.';
    END IF;
    IF expression IS NULL THEN
        IF agg.min_args > 0 THEN
            RAISE EXCEPTION 'argument "expression" is required for aggregation "%"', aggregation USING ERRCODE = '22023';
        END IF;
        compiled := format('%s(*)', agg.sql_name);
    ELSE
        e := retail_kpi._catalog_parse(expression, 'expression', 'row', 'src');
        IF e.items < agg.min_args OR e.items > agg.max_args OR e.items = 0 THEN
            RAISE EXCEPTION 'aggregation "%" takes % to % arguments, argument "expression" has %',
                aggregation, agg.min_args, agg.max_args, e.items USING ERRCODE = '22023';
        END IF;
        cols := e.columns;
        compiled := format('%s(%s%s)', agg.sql_name, CASE WHEN agg.is_distinct THEN 'DISTINCT ' ELSE '' END, e.sql);
    END IF;
    IF filter IS NOT NULL THEN
        f := retail_kpi._catalog_parse(filter, 'filter', 'row', 'src');
        IF f.items <> 1 THEN
            RAISE EXCEPTION 'argument "filter" must be a single boolean expression' USING ERRCODE = '22023';
        END IF;
        cols := cols || f.columns;
        compiled := format('%s FILTER (WHERE %s)', compiled, f.sql);
    END IF;
    FOREACH c IN ARRAY cols LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                       WHERE a.attrelid = format('%I.%I', src.schema_name, src.relation_name)::regclass
                         AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped) THEN
            RAISE EXCEPTION 'column % does not exist in source "%"', pg_catalog.quote_ident(c), source
                USING ERRCODE = '42703', DETAIL = format('Relation %I.%I has no such column.', src.schema_name, src.relation_name);
        END IF;
    END LOOP;
    -- type check (no rows are read), run as the caller: wrong argument types or missing functions fail here
    rtype := retail_kpi.catalog_probe(format(
        'SELECT retail_kpi._catalog_type_name(pg_catalog.pg_typeof(x)) FROM (SELECT %s AS x FROM %I.%I AS src WHERE false) q',
        compiled, src.schema_name, src.relation_name));
    SELECT * INTO old FROM retail_kpi.measures m WHERE m.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('measure', code, old.owner);
        IF rtype <> old.result_type AND EXISTS (SELECT 1 FROM retail_kpi.metrics m WHERE m.kind = 'simple'
                                                   AND m.definition->>'measure' = code) THEN
            RAISE EXCEPTION 'cannot change the type of measure "%" from % to %', code, old.result_type, rtype
                USING ERRCODE = '2BP01', DETAIL = 'Metrics are defined on it.';
        END IF;
        UPDATE retail_kpi.measures m SET source = source, aggregation = aggregation, expression = expression,
               filter = filter, compiled_sql = compiled, columns = cols, result_type = rtype,
               label_en = label_en, label_zh = label_zh, description = description, unit = unit,
               owner = CASE WHEN owner IS NULL THEN m.owner ELSE retail_kpi._catalog_owner(owner) END, updated_at = now()
         WHERE m.code = code RETURNING m.* INTO new;
    ELSE
        INSERT INTO retail_kpi.measures (code, source, aggregation, expression, filter, compiled_sql, columns,
                                         result_type, label_en, label_zh, description, unit, owner)
        VALUES (code, source, aggregation, expression, filter, compiled, cols, rtype, label_en, label_zh,
                description, unit, retail_kpi._catalog_owner(owner))
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('measure', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_measure(text, text, text, text, text, text, text, text, text, text, text) IS
    'creates or updates a measure: an allow-listed aggregation of a validated column expression (and optional filter) of a source';

-- ---------------------------------------------------------------------------------------------
-- API: metrics

CREATE FUNCTION define_metric(code text, label_en text, kind text DEFAULT 'simple',
                              measure text DEFAULT NULL, numerator text DEFAULT NULL, denominator text DEFAULT NULL,
                              expression text DEFAULT NULL, label_zh text DEFAULT NULL, description text DEFAULT NULL,
                              unit text DEFAULT NULL, polarity text DEFAULT 'higher_is_better',
                              owner text DEFAULT NULL, tags text[] DEFAULT '{}', status text DEFAULT NULL,
                              reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.metrics;
    new retail_kpi.metrics;
    def jsonb;
    deps text[] := '{}';
    compiled text;
    vtype text;
    e record;
    d text;
    probe text := '';
    m_type text;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    IF label_en IS NULL OR btrim(label_en) = '' THEN
        RAISE EXCEPTION 'argument "label_en" must not be empty' USING ERRCODE = '22023';
    END IF;
    PERFORM retail_kpi._catalog_check_variant(kind, 'kind', '{simple,ratio,derived}');
    PERFORM retail_kpi._catalog_check_variant(polarity, 'polarity', '{higher_is_better,lower_is_better,neutral}');
    IF status IS NOT NULL THEN
        PERFORM retail_kpi._catalog_check_variant(status, 'status', '{draft,certified,deprecated}');
    END IF;
    IF tags IS NULL OR array_position(tags, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "tags" must not contain NULL' USING ERRCODE = '22004';
    END IF;
    IF (kind <> 'simple' AND measure IS NOT NULL) OR (kind <> 'ratio' AND (numerator IS NOT NULL OR denominator IS NOT NULL))
       OR (kind <> 'derived' AND expression IS NOT NULL) THEN
        RAISE EXCEPTION 'arguments do not match kind "%"', kind
            USING ERRCODE = '22023',
                  HINT = 'A simple metric takes "measure", a ratio metric "numerator" and "denominator", a derived metric "expression".';
    END IF;
    CASE kind
    WHEN 'simple' THEN
        PERFORM retail_kpi._catalog_check_code(measure, 'measure');
        SELECT m.result_type INTO vtype FROM retail_kpi.measures m WHERE m.code = measure;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'measure "%" does not exist', measure USING ERRCODE = '42704';
        END IF;
        def := jsonb_build_object('measure', measure);
    WHEN 'ratio' THEN
        PERFORM retail_kpi._catalog_check_code(numerator, 'numerator');
        PERFORM retail_kpi._catalog_check_code(denominator, 'denominator');
        deps := ARRAY[numerator, denominator];
        FOREACH d IN ARRAY deps LOOP
            SELECT m.value_type INTO m_type FROM retail_kpi.metrics m WHERE m.code = d;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'metric "%" does not exist', d USING ERRCODE = '42704';
            END IF;
            IF NOT retail_kpi._catalog_is_number(m_type) THEN
                RAISE EXCEPTION 'metric "%" of type % cannot be the numerator or denominator of a ratio', d, m_type
                    USING ERRCODE = '42804', HINT = 'Use a derived metric with an accessor function instead.';
            END IF;
        END LOOP;
        def := jsonb_build_object('numerator', numerator, 'denominator', denominator);
        compiled := format('CAST(CAST(%I AS pg_catalog.numeric) / NULLIF(CAST(%I AS pg_catalog.numeric), 0) AS pg_catalog.float8)',
                           numerator, denominator);
        vtype := 'pg_catalog.float8';
    WHEN 'derived' THEN
        IF expression IS NULL THEN
            RAISE EXCEPTION 'argument "expression" is required for a derived metric' USING ERRCODE = '22023';
        END IF;
        e := retail_kpi._catalog_parse(expression, 'expression', 'metric', NULL);
        IF e.items <> 1 THEN
            RAISE EXCEPTION 'argument "expression" must be a single expression' USING ERRCODE = '22023';
        END IF;
        IF cardinality(e.columns) = 0 THEN
            RAISE EXCEPTION 'argument "expression" must reference at least one metric' USING ERRCODE = '22023';
        END IF;
        deps := e.columns;
        FOREACH d IN ARRAY deps LOOP
            SELECT m.value_type INTO m_type FROM retail_kpi.metrics m WHERE m.code = d;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'metric "%" does not exist', d
                    USING ERRCODE = '42704', DETAIL = 'Names in the expression of a derived metric must be metric codes.';
            END IF;
            probe := probe || format('%sCAST(NULL AS %s) AS %I', CASE WHEN probe = '' THEN '' ELSE ', ' END, m_type, d);
        END LOOP;
        compiled := e.sql;
        vtype := retail_kpi.catalog_probe(format(
            'SELECT retail_kpi._catalog_type_name(pg_catalog.pg_typeof(%s)) FROM (SELECT %s) q', compiled, probe));
        def := jsonb_build_object('expression', expression);
    END CASE;
    -- cycles: no dependency may (transitively) depend on this metric
    FOREACH d IN ARRAY deps LOOP
        IF d = code OR EXISTS (SELECT 1 FROM retail_kpi._catalog_upstream_metrics(d) u WHERE u.metric = code) THEN
            RAISE EXCEPTION 'metric "%" would depend on itself through "%"', code, d
                USING ERRCODE = '42P17', DETAIL = 'Cycles between metrics are not allowed.';
        END IF;
    END LOOP;

    SELECT * INTO old FROM retail_kpi.metrics m WHERE m.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('metric', code, old.owner);
        IF vtype <> old.value_type AND EXISTS (SELECT 1 FROM retail_kpi.metrics m WHERE code = ANY (m.depends_on)) THEN
            RAISE EXCEPTION 'cannot change the type of metric "%" from % to %', code, old.value_type, vtype
                USING ERRCODE = '2BP01', DETAIL = 'Other metrics are defined on it.';
        END IF;
        UPDATE retail_kpi.metrics m SET label_en = label_en, label_zh = label_zh, description = description,
               unit = unit, polarity = polarity, owner = CASE WHEN owner IS NULL THEN m.owner ELSE retail_kpi._catalog_owner(owner) END,
               status = coalesce(status, m.status), tags = tags, kind = kind, definition = def, compiled_sql = compiled,
               depends_on = deps, value_type = vtype, updated_at = now()
         WHERE m.code = code RETURNING m.* INTO new;
    ELSE
        INSERT INTO retail_kpi.metrics (code, label_en, label_zh, description, unit, polarity, owner, status, tags,
                                        kind, definition, compiled_sql, depends_on, value_type)
        VALUES (code, label_en, label_zh, description, unit, polarity, retail_kpi._catalog_owner(owner),
                coalesce(status, 'draft'), tags,
                kind, def, compiled, deps, vtype)
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('metric', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_metric(text, text, text, text, text, text, text, text, text, text, text, text, text[], text, text) IS
    'creates or updates a metric (simple: measure; ratio: numerator / denominator metrics; derived: expression over metrics); validates, rejects cycles, records history';

CREATE FUNCTION set_metric_status(code text, status text, reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.metrics;
    new retail_kpi.metrics;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_variant(status, 'status', '{draft,certified,deprecated}');
    SELECT * INTO old FROM retail_kpi.metrics m WHERE m.code = code FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist', code USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner('metric', code, old.owner);
    UPDATE retail_kpi.metrics m SET status = status, updated_at = now() WHERE m.code = code RETURNING m.* INTO new;
    PERFORM retail_kpi._catalog_record('metric', code, 'status', reason, to_jsonb(old), to_jsonb(new));
    RETURN status;
END
$$;
COMMENT ON FUNCTION set_metric_status(text, text, text) IS 'sets a metric''s status (draft, certified, deprecated); owner or admin only';

CREATE FUNCTION deprecate_metric(code text, reason text DEFAULT NULL) RETURNS text
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$ SELECT retail_kpi.set_metric_status(code, 'deprecated', reason); $$;
COMMENT ON FUNCTION deprecate_metric(text, text) IS 'marks a metric deprecated (same as set_metric_status(code, ''deprecated''))';

-- Drops a catalog object (metric, measure, source, dimension) when nothing depends on it.
CREATE FUNCTION drop_catalog_object(object_type text, code text, reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old jsonb;
    users text;
BEGIN
    PERFORM retail_kpi._catalog_check_variant(object_type, 'object_type', '{metric,measure,source,dimension,alert_rule}');
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    IF object_type = 'alert_rule' THEN
        old := (SELECT to_jsonb(a) FROM retail_kpi.alert_rules a WHERE a.code = code);
    ELSE
        old := retail_kpi._catalog_get(object_type, code);
    END IF;
    IF old IS NULL THEN
        RAISE EXCEPTION '% "%" does not exist', object_type, code USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner(object_type, code, old->>'owner');
    users := CASE object_type
        WHEN 'metric' THEN (SELECT string_agg(m.code, ', ') FROM retail_kpi.metrics m WHERE code = ANY (m.depends_on))
        WHEN 'measure' THEN (SELECT string_agg(m.code, ', ') FROM retail_kpi.metrics m
                             WHERE m.kind = 'simple' AND m.definition->>'measure' = code)
        WHEN 'source' THEN (SELECT string_agg(m.code, ', ') FROM retail_kpi.measures m WHERE m.source = code)
        WHEN 'dimension' THEN (SELECT string_agg(s.code, ', ') FROM retail_kpi.sources s WHERE s.dimensions ? code)
        ELSE NULL END;
    IF users IS NOT NULL THEN
        RAISE EXCEPTION 'cannot drop % "%" because other catalog objects depend on it', object_type, code
            USING ERRCODE = '2BP01', DETAIL = 'Used by: ' || users || '.';
    END IF;
    IF object_type = 'metric' THEN
        IF EXISTS (SELECT 1 FROM retail_kpi.alert_rules a WHERE a.metric = code)
           OR EXISTS (SELECT 1 FROM retail_kpi.targets t WHERE t.metric = code) THEN
            RAISE EXCEPTION 'cannot drop metric "%" because targets or alert rules refer to it', code USING ERRCODE = '2BP01';
        END IF;
        DELETE FROM retail_kpi.metrics m WHERE m.code = code;
    ELSIF object_type = 'measure' THEN
        DELETE FROM retail_kpi.measures m WHERE m.code = code;
    ELSIF object_type = 'source' THEN
        DELETE FROM retail_kpi.sources s WHERE s.code = code;
    ELSIF object_type = 'dimension' THEN
        DELETE FROM retail_kpi.dimensions d WHERE d.code = code;
    ELSE
        DELETE FROM retail_kpi.alert_rules a WHERE a.code = code;
    END IF;
    PERFORM retail_kpi._catalog_record(object_type, code, 'drop', reason, old, NULL);
END
$$;
COMMENT ON FUNCTION drop_catalog_object(text, text, text) IS
    'drops a metric, measure, source, dimension or alert rule when nothing depends on it; owner or admin only';

CREATE FUNCTION drop_metric(code text, reason text DEFAULT NULL) RETURNS void
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE AS $$ SELECT retail_kpi.drop_catalog_object('metric', code, reason); $$;
COMMENT ON FUNCTION drop_metric(text, text) IS 'drops a metric nothing depends on (owner or admin only)';

-- Adds a function to the allow-list (admin only), e.g. after installing a family that provides it.
CREATE FUNCTION allow_function(name text, sql_name text, usage text DEFAULT 'metric', description text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
BEGIN
    PERFORM retail_kpi._catalog_require_admin('change the function allow-list');
    PERFORM retail_kpi._catalog_check_code(name, 'name');
    PERFORM retail_kpi._catalog_check_variant(usage, 'usage', '{row,metric,both}');
    IF sql_name IS NULL OR sql_name !~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$' THEN
        RAISE EXCEPTION 'invalid value for argument "sql_name": %', coalesce(quote_literal(sql_name), 'NULL')
            USING ERRCODE = '22023', DETAIL = 'It must be a schema-qualified lowercase function name.';
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = split_part(sql_name, '.', 1) AND p.proname = split_part(sql_name, '.', 2)
                 AND (p.provolatile = 'v' OR p.prokind <> 'f')) THEN
        RAISE EXCEPTION 'function % is volatile or not a plain function', sql_name
            USING ERRCODE = '22023', DETAIL = 'Only immutable or stable functions may be used in catalog expressions.';
    END IF;
    IF EXISTS (SELECT 1 FROM retail_kpi.catalog_functions f WHERE f.name = name AND f.builtin) THEN
        RAISE EXCEPTION 'function "%" is a built-in entry of the allow-list', name
            USING ERRCODE = '22023', DETAIL = 'Built-in entries come from the extension''s install script and cannot be replaced.';
    END IF;
    DELETE FROM retail_kpi.catalog_functions f WHERE f.name = name;
    INSERT INTO retail_kpi.catalog_functions VALUES (name, sql_name, usage, description, false);
    PERFORM retail_kpi._catalog_record('function', name, 'allow', NULL, NULL,
                                       jsonb_build_object('name', name, 'sql_name', sql_name, 'usage', usage));
END
$$;
COMMENT ON FUNCTION allow_function(text, text, text, text) IS
    'adds or replaces a function of the catalog expression allow-list (retail_kpi_admin only)';

-- ---------------------------------------------------------------------------------------------
-- The compiler

-- The closure of requested metrics over their dependencies: code, deepest depth from a requested metric,
-- and the row (NULL when the metric does not exist), live or as defined at as_of.
CREATE FUNCTION _catalog_metric_closure(metrics text[], as_of timestamptz)
RETURNS TABLE(code text, depth int, j jsonb)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_column
BEGIN
    IF as_of IS NULL THEN
        RETURN QUERY
        WITH RECURSIVE c(code, depth) AS (
            SELECT x, 0 FROM unnest(metrics) x
            UNION
            SELECT d, c.depth + 1 FROM c JOIN retail_kpi.metrics m ON m.code = c.code, unnest(m.depends_on) d
            WHERE c.depth < 64)
        SELECT c.code, max(c.depth), (SELECT to_jsonb(m) FROM retail_kpi.metrics m WHERE m.code = c.code)
        FROM c GROUP BY c.code;
    ELSE
        RETURN QUERY
        WITH RECURSIVE h AS (
            SELECT DISTINCT ON (hh.code) hh.code, hh.new_definition AS j FROM retail_kpi.catalog_history hh
            WHERE hh.object_type = 'metric' AND hh.changed_at <= as_of ORDER BY hh.code, hh.id DESC),
        c(code, depth) AS (
            SELECT x, 0 FROM unnest(metrics) x
            UNION
            SELECT d, c.depth + 1 FROM c JOIN h ON h.code = c.code, jsonb_array_elements_text(h.j->'depends_on') d
            WHERE c.depth < 64 AND h.j IS NOT NULL)
        SELECT c.code, max(c.depth), (SELECT h.j FROM h WHERE h.code = c.code) FROM c GROUP BY c.code;
    END IF;
END
$$;
COMMENT ON FUNCTION _catalog_metric_closure(text[], timestamptz) IS
    'internal: metrics of a request and everything they depend on, with depth and row (live or as of a time)';

-- The rows of the given measures, sources or dimensions as a {code: row} object, live or as of a time.
CREATE FUNCTION _catalog_objects(object_type text, codes text[], as_of timestamptz) RETURNS jsonb
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    IF as_of IS NOT NULL THEN
        RETURN (SELECT jsonb_object_agg(h.code, h.j)
                FROM (SELECT DISTINCT ON (hh.code) hh.code, hh.new_definition AS j FROM retail_kpi.catalog_history hh
                      WHERE hh.object_type = $1 AND hh.code = ANY ($2) AND hh.changed_at <= $3
                      ORDER BY hh.code, hh.id DESC) h
                WHERE h.j IS NOT NULL);
    END IF;
    CASE object_type
        WHEN 'measure' THEN RETURN (SELECT jsonb_object_agg(t.code, to_jsonb(t)) FROM retail_kpi.measures t WHERE t.code = ANY ($2));
        WHEN 'source' THEN RETURN (SELECT jsonb_object_agg(t.code, to_jsonb(t)) FROM retail_kpi.sources t WHERE t.code = ANY ($2));
        WHEN 'dimension' THEN RETURN (SELECT jsonb_object_agg(t.code, to_jsonb(t)) FROM retail_kpi.dimensions t WHERE t.code = ANY ($2));
        ELSE RAISE EXCEPTION 'unknown catalog object type %', object_type;
    END CASE;
END
$$;
COMMENT ON FUNCTION _catalog_objects(text, text[], timestamptz) IS
    'internal: {code: row} of catalog objects of one type, live or as defined at as_of';

CREATE FUNCTION metric_sql(metrics text[], dimensions text[] DEFAULT '{}', filters jsonb DEFAULT NULL,
                           from_date date DEFAULT NULL, to_date date DEFAULT NULL, grain text DEFAULT 'month',
                           compare text DEFAULT NULL, as_of timestamptz DEFAULT NULL) RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE
-- the catalog queries inside are planned once per session (planning them per call would dominate)
SET plan_cache_mode = force_generic_plan AS $$
#variable_conflict use_variable
DECLARE
    mdefs jsonb := '{}';       -- metric code -> row
    meas jsonb := '{}';        -- measure code -> row
    srcs jsonb := '{}';        -- source code -> row
    src_measures jsonb := '{}';-- source code -> [measure codes]
    mcodes text[];
    scodes text[];
    dims_found jsonb;
    stack text[];
    c text;
    r jsonb;
    d text;
    k text;
    v jsonb;
    lvl int;
    maxlvl int := 0;
    pass int := 0;
    dimcols text := '';        -- ', "dim.x", ...' for select lists
    dimjoin text := '';
    staticjoin text := '';
    period text;
    shift text;
    rfield text;               -- retail grains: the retail_calendar_day field giving the period start
    first_period date;         -- with compare: the start of the first current period
    basekey text;              -- with compare: the comparison period of k.period_start
    lo date;
    hi date;
    where_common text;
    ctes text[] := '{}';
    timed text[] := '{}';
    static text[] := '{}';
    i int;
    s text;
    sel text;
    q text;
    mc text;
    ncol int;
    base text;
    vals text := '';
    ord int := 0;
    filt text;
    prev text;
BEGIN
    IF metrics IS NULL OR cardinality(metrics) = 0 OR array_position(metrics, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "metrics" must be a non-empty array without NULL elements' USING ERRCODE = '22023';
    END IF;
    IF dimensions IS NULL OR array_position(dimensions, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "dimensions" must be an array without NULL elements' USING ERRCODE = '22023';
    END IF;
    PERFORM retail_kpi._catalog_check_variant(grain, 'grain',
        '{day,week,month,quarter,year,total,retail_week,retail_period,retail_quarter,retail_year}');
    IF grain LIKE 'retail\_%' THEN
        IF to_regprocedure('retail_kpi.retail_week(date,text,integer,integer)') IS NULL THEN
            RAISE EXCEPTION 'grain "%" needs the retail calendar', grain
                USING ERRCODE = '0A000', DETAIL = 'Function retail_kpi.retail_week(date) is not installed.';
        END IF;
        rfield := CASE grain WHEN 'retail_week' THEN 'week_start' WHEN 'retail_period' THEN 'period_start'
                             WHEN 'retail_quarter' THEN 'quarter_start' ELSE 'year_start' END;
    END IF;
    IF compare IS NOT NULL THEN
        PERFORM retail_kpi._catalog_check_variant(compare, 'compare', '{previous_period,same_period_last_year}');
    END IF;
    IF from_date IS NOT NULL AND to_date IS NOT NULL AND from_date > to_date THEN
        RAISE EXCEPTION 'argument "from_date" (%) is after argument "to_date" (%)', from_date, to_date USING ERRCODE = '22023';
    END IF;
    IF compare IS NOT NULL AND (from_date IS NULL OR to_date IS NULL) THEN
        RAISE EXCEPTION 'argument "compare" requires "from_date" and "to_date"' USING ERRCODE = '22023';
    END IF;
    IF (SELECT count(DISTINCT x) FROM unnest(metrics) x) <> cardinality(metrics)
       OR (SELECT count(DISTINCT x) FROM unnest(dimensions) x) <> cardinality(dimensions) THEN
        RAISE EXCEPTION 'arguments "metrics" and "dimensions" must not repeat a code' USING ERRCODE = '22023';
    END IF;
    IF filters IS NOT NULL AND jsonb_typeof(filters) <> 'object' THEN
        RAISE EXCEPTION 'argument "filters" must be a JSON object mapping dimension codes to a value or an array of values'
            USING ERRCODE = '22023';
    END IF;
    dims_found := coalesce(retail_kpi._catalog_objects('dimension',
                               dimensions || ARRAY(SELECT jsonb_object_keys(coalesce(filters, '{}'))), as_of), '{}');
    FOREACH d IN ARRAY dimensions LOOP
        PERFORM retail_kpi._catalog_check_code(d, 'dimensions');
        IF NOT dims_found ? d THEN
            RAISE EXCEPTION 'dimension "%" does not exist', d USING ERRCODE = '42704';
        END IF;
        dimcols := dimcols || format(', %I', 'dim.' || d);
        dimjoin := dimjoin || format(' AND b.%1$I IS NOT DISTINCT FROM k.%1$I', 'dim.' || d);
        staticjoin := staticjoin || format(' AND st.%1$I IS NOT DISTINCT FROM b.%1$I', 'dim.' || d);
    END LOOP;
    IF filters IS NOT NULL THEN
        IF jsonb_typeof(filters) <> 'object' THEN
            RAISE EXCEPTION 'argument "filters" must be a JSON object mapping dimension codes to a value or an array of values'
                USING ERRCODE = '22023';
        END IF;
        FOR k, v IN SELECT * FROM jsonb_each(filters) LOOP
            PERFORM retail_kpi._catalog_check_code(k, 'filters');
            IF NOT dims_found ? k THEN
                RAISE EXCEPTION 'dimension "%" does not exist', k USING ERRCODE = '42704', DETAIL = 'It is a key of argument "filters".';
            END IF;
            IF jsonb_typeof(v) = 'object' OR (jsonb_typeof(v) = 'array' AND (jsonb_array_length(v) = 0 OR EXISTS (
                    SELECT 1 FROM jsonb_array_elements(v) x WHERE jsonb_typeof(x) IN ('object', 'array', 'null')))) THEN
                RAISE EXCEPTION 'invalid filter value for dimension "%"', k
                    USING ERRCODE = '22023', DETAIL = 'A filter value is a JSON scalar or a non-empty array of non-null scalars.';
            END IF;
        END LOOP;
    END IF;

    -- resolve the metrics and everything they depend on (one recursive query), with their evaluation
    -- level: simple metrics 0, the others 1 + (deepest dependency depth) - (their depth), so that every
    -- dependency is computed at a lower level than the metrics using it
    IF EXISTS (SELECT 1 FROM unnest(metrics) x WHERE x !~ '^[a-z][a-z0-9_]{0,62}$') THEN
        FOREACH c IN ARRAY metrics LOOP
            PERFORM retail_kpi._catalog_check_code(c, 'metrics');
        END LOOP;
    END IF;
    SELECT jsonb_object_agg(x.code, x.j || jsonb_build_object('level',
               CASE WHEN x.j->>'kind' = 'simple' THEN 0 ELSE 1 + x.maxdepth - x.depth END)),
           max(CASE WHEN x.j->>'kind' = 'simple' THEN 0 ELSE 1 + x.maxdepth - x.depth END),
           max(x.depth), (array_agg(x.code ORDER BY x.code) FILTER (WHERE x.j IS NULL))[1]
      INTO mdefs, maxlvl, pass, c
    FROM (SELECT cl.*, max(cl.depth) OVER () AS maxdepth
          FROM retail_kpi._catalog_metric_closure(metrics, as_of) cl) x;
    IF c IS NOT NULL THEN
        RAISE EXCEPTION 'metric "%" does not exist%', c,
            CASE WHEN as_of IS NULL THEN '' ELSE ' at ' || as_of::text END USING ERRCODE = '42704';
    END IF;
    IF pass >= 64 THEN
        RAISE EXCEPTION 'the metrics requested depend on each other in a cycle' USING ERRCODE = '42P17';
    END IF;
    SELECT coalesce(array_agg(DISTINCT ev->'definition'->>'measure'), '{}') INTO mcodes
    FROM jsonb_each(mdefs) e(ek, ev) WHERE ev->>'kind' = 'simple';
    meas := coalesce(retail_kpi._catalog_objects('measure', mcodes, as_of), '{}');
    SELECT x INTO k FROM unnest(mcodes) x WHERE NOT meas ? x ORDER BY 1 LIMIT 1;
    IF k IS NOT NULL THEN
        RAISE EXCEPTION 'measure "%" does not exist%', k,
            CASE WHEN as_of IS NULL THEN '' ELSE ' at ' || as_of::text END USING ERRCODE = '42704';
    END IF;
    SELECT coalesce(array_agg(DISTINCT ev->>'source'), '{}') INTO scodes FROM jsonb_each(meas) e(ek, ev);
    srcs := coalesce(retail_kpi._catalog_objects('source', scodes, as_of), '{}');
    SELECT x INTO k FROM unnest(scodes) x WHERE NOT srcs ? x ORDER BY 1 LIMIT 1;
    IF k IS NOT NULL THEN
        RAISE EXCEPTION 'source "%" does not exist%', k,
            CASE WHEN as_of IS NULL THEN '' ELSE ' at ' || as_of::text END USING ERRCODE = '42704';
    END IF;
    SELECT coalesce(jsonb_object_agg(q.src, q.arr), '{}') INTO src_measures
    FROM (SELECT ev->>'source' AS src, jsonb_agg(ek ORDER BY ek) AS arr FROM jsonb_each(meas) e(ek, ev) GROUP BY 1) q;
    FOREACH c IN ARRAY metrics LOOP
        IF NOT retail_kpi._catalog_is_number(mdefs->c->>'value_type') THEN
            RAISE EXCEPTION 'metric "%" has type % and cannot be returned as a value', c, mdefs->c->>'value_type'
                USING ERRCODE = '42804', HINT = 'Request a metric derived from it with an accessor function (for example margin_rate).';
        END IF;
        IF mdefs->c->>'status' = 'deprecated' THEN
            RAISE NOTICE 'metric "%" is deprecated', c;
        END IF;
    END LOOP;

    -- date range, with the comparison periods
    shift := CASE WHEN compare IS NULL THEN NULL
                  WHEN compare = 'same_period_last_year' THEN CASE grain WHEN 'week' THEN '364 days' ELSE '1 year' END
                  ELSE CASE grain WHEN 'day' THEN '1 day' WHEN 'week' THEN '7 days' WHEN 'month' THEN '1 month'
                                  WHEN 'quarter' THEN '3 months' WHEN 'year' THEN '1 year'
                                  ELSE (to_date - from_date + 1)::text || ' days' END END;
    lo := from_date;
    hi := to_date;
    IF compare IS NOT NULL THEN
        -- whole periods when comparing: from_date moves back to the start of its period
        IF rfield IS NOT NULL THEN
            EXECUTE format('SELECT (retail_kpi.retail_week($1)).%I', rfield) INTO first_period USING from_date;
            -- retail comparison: the period containing the day before (previous) or 364 days before
            -- (same period last year, NRF restated: same weekday 52 weeks back)
            basekey := format('(retail_kpi.retail_week(k."period.start" - %s)).%I',
                              CASE WHEN compare = 'previous_period' THEN 1 ELSE 364 END, rfield);
            EXECUTE format('SELECT (retail_kpi.retail_week($1 - %s)).%I',
                           CASE WHEN compare = 'previous_period' THEN 1 ELSE 364 END, rfield) INTO lo USING first_period;
        ELSE
            first_period := CASE WHEN grain IN ('day', 'total') THEN from_date
                                 ELSE date_trunc(grain, from_date::timestamp)::date END;
            basekey := format('CAST(k."period.start" - %L::pg_catalog.interval AS pg_catalog.date)', shift);
            lo := (first_period - shift::interval)::date;
        END IF;
    END IF;

    -- one aggregate query per source
    i := 0;
    FOR s, r IN SELECT * FROM jsonb_each(srcs) ORDER BY 1 LOOP
        i := i + 1;
        IF r->>'time_column' IS NULL THEN
            period := 'CAST(NULL AS pg_catalog.date)';
        ELSIF grain = 'day' THEN
            period := format('CAST(src.%I AS pg_catalog.date)', r->>'time_column');
        ELSIF grain = 'total' THEN
            IF compare IS NULL THEN
                period := format('CAST(%L AS pg_catalog.date)', from_date);
            ELSE
                period := format('CASE WHEN src.%I >= %L::pg_catalog.date THEN %L::pg_catalog.date ELSE %L::pg_catalog.date END',
                                 r->>'time_column', from_date, from_date, lo);
            END IF;
        ELSIF rfield IS NOT NULL THEN
            period := format('(retail_kpi.retail_week(CAST(src.%I AS pg_catalog.date))).%I', r->>'time_column', rfield);
        ELSE
            period := format('CAST(pg_catalog.date_trunc(%L, CAST(src.%I AS pg_catalog.timestamp)) AS pg_catalog.date)',
                             grain, r->>'time_column');
        END IF;
        sel := format('SELECT %s AS "period.start"', period);
        FOREACH d IN ARRAY dimensions LOOP
            IF NOT (r->'dimensions') ? d THEN
                RAISE EXCEPTION 'dimension "%" is not available in source "%"', d, s
                    USING ERRCODE = '22023', HINT = 'Add the dimension''s column to the source with retail_kpi.define_source().';
            END IF;
            sel := sel || format(', src.%I AS %I', r->'dimensions'->>d, 'dim.' || d);
        END LOOP;
        FOR mc IN SELECT jsonb_array_elements_text(src_measures->s) LOOP
            sel := sel || format(', %s AS %I', meas->mc->>'compiled_sql', 'measure.' || mc);
        END LOOP;
        where_common := '';
        IF r->>'time_column' IS NOT NULL THEN
            IF compare IS NOT NULL AND grain = 'total' THEN
                -- the current window and the comparison window, which need not be adjacent
                where_common := where_common || format(
                    ' AND ((src.%1$I >= %2$L::pg_catalog.date AND src.%1$I < %3$L::pg_catalog.date)'
                    ' OR (src.%1$I >= %4$L::pg_catalog.date AND src.%1$I < %5$L::pg_catalog.date))',
                    r->>'time_column', from_date, to_date + 1, lo, (to_date - shift::interval)::date + 1);
            ELSE
                IF lo IS NOT NULL THEN
                    where_common := where_common || format(' AND src.%I >= %L::pg_catalog.date', r->>'time_column', lo);
                END IF;
                IF hi IS NOT NULL THEN
                    where_common := where_common || format(' AND src.%I < %L::pg_catalog.date', r->>'time_column', hi + 1);
                END IF;
            END IF;
        END IF;
        IF filters IS NOT NULL THEN
            FOR k, v IN SELECT * FROM jsonb_each(filters) ORDER BY 1 LOOP
                IF NOT (r->'dimensions') ? k THEN
                    RAISE EXCEPTION 'dimension "%" is not available in source "%"', k, s
                        USING ERRCODE = '22023', DETAIL = 'It is a key of argument "filters".';
                END IF;
                IF jsonb_typeof(v) = 'null' THEN
                    filt := format('src.%I IS NULL', r->'dimensions'->>k);
                ELSIF jsonb_typeof(v) = 'array' THEN
                    filt := format('src.%I IN (%s)', r->'dimensions'->>k,
                                   (SELECT string_agg(format('%L', x), ', ') FROM jsonb_array_elements_text(v) x));
                ELSE
                    filt := format('src.%I = %L', r->'dimensions'->>k, v #>> '{}');
                END IF;
                where_common := where_common || ' AND ' || filt;
            END LOOP;
        END IF;
        sel := sel || format(' FROM %I.%I AS src', r->>'schema_name', r->>'relation_name');
        IF where_common <> '' THEN
            sel := sel || ' WHERE ' || substr(where_common, 6);
        END IF;
        ncol := 1 + cardinality(dimensions);
        sel := sel || ' GROUP BY ' || (SELECT string_agg(g::text, ', ') FROM generate_series(1, ncol) g);
        ctes := ctes || format('%I AS (%s)', 'src.' || s, sel);
        IF r->>'time_column' IS NULL THEN
            static := static || s;
        ELSE
            timed := timed || s;
        END IF;
    END LOOP;

    -- combine the sources on (period, dimensions)
    IF cardinality(timed) = 0 THEN
        timed := static[1:1];
        static := static[2:];
    END IF;
    IF cardinality(timed) = 1 THEN
        base := format('SELECT * FROM %I', 'src.' || timed[1]);
    ELSE
        q := '';
        FOR i IN 1 .. cardinality(timed) LOOP
            sel := format('SELECT %s AS "src.no", "period.start"%s', i, dimcols);
            FOR s IN SELECT jsonb_object_keys(srcs) ORDER BY 1 LOOP
                CONTINUE WHEN NOT s = ANY (timed);
                FOR mc IN SELECT jsonb_array_elements_text(src_measures->s) LOOP
                    IF s = timed[i] THEN
                        sel := sel || format(', %I', 'measure.' || mc);
                    ELSE
                        sel := sel || format(', CAST(NULL AS %s) AS %I', meas->mc->>'result_type', 'measure.' || mc);
                    END IF;
                END LOOP;
            END LOOP;
            q := q || CASE WHEN i > 1 THEN ' UNION ALL ' ELSE '' END || sel || format(' FROM %I', 'src.' || timed[i]);
        END LOOP;
        sel := 'SELECT "period.start"' || dimcols;
        FOR i IN 1 .. cardinality(timed) LOOP
            FOR mc IN SELECT jsonb_array_elements_text(src_measures->timed[i]) LOOP
                sel := sel || format(', (pg_catalog.array_agg(%1$I) FILTER (WHERE "src.no" = %2$s))[1] AS %1$I', 'measure.' || mc, i);
            END LOOP;
        END LOOP;
        base := sel || ' FROM (' || q || ') u GROUP BY "period.start"' || dimcols;
    END IF;
    ctes := ctes || format('%I AS (%s)', 'combined', base);
    prev := 'combined';
    FOREACH s IN ARRAY static LOOP
        sel := 'SELECT b.*';
        FOR mc IN SELECT jsonb_array_elements_text(src_measures->s) LOOP
            sel := sel || format(', st.%I', 'measure.' || mc);
        END LOOP;
        sel := sel || format(' FROM %I b LEFT JOIN %I st ON true', prev, 'src.' || s) || staticjoin;
        ctes := ctes || format('%I AS (%s)', 'with.' || s, sel);
        prev := 'with.' || s;
    END LOOP;

    -- metric levels
    FOR lvl IN 0 .. maxlvl LOOP
        sel := 'SELECT *';
        FOR c, r IN SELECT * FROM jsonb_each(mdefs) ORDER BY 1 LOOP
            CONTINUE WHEN (r->>'level')::int <> lvl;
            IF r->>'kind' = 'simple' THEN
                sel := sel || format(', %I AS %I', 'measure.' || (r->'definition'->>'measure'), c);
            ELSE
                sel := sel || format(', %s AS %I', r->>'compiled_sql', c);
            END IF;
        END LOOP;
        ctes := ctes || format('%I AS (%s FROM %I)', 'level.' || lvl, sel, prev);
        prev := 'level.' || lvl;
    END LOOP;

    -- long format
    FOREACH c IN ARRAY metrics LOOP
        ord := ord + 1;
        vals := vals || CASE WHEN ord > 1 THEN ', ' ELSE '' END
            || format('(%s, %L, CAST(k.%I AS pg_catalog.float8), %s, CAST(k.%I AS pg_catalog.numeric), %s)', ord, c, c,
                      CASE WHEN mdefs->c->>'value_type' IN ('pg_catalog.float8', 'pg_catalog.float4') THEN 'CAST(NULL AS pg_catalog.numeric)'
                           ELSE format('CAST(k.%I AS pg_catalog.numeric)', c) END, c,
                      CASE WHEN compare IS NULL THEN 'CAST(NULL AS pg_catalog.numeric)'
                           ELSE format('CAST(b.%I AS pg_catalog.numeric)', c) END);
    END LOOP;
    q := 'WITH ' || array_to_string(ctes, E',\n')
        || E'\nSELECT v.metric, k."period.start" AS period_start, '
        || CASE WHEN cardinality(dimensions) = 0 THEN '''{}''::pg_catalog.jsonb'
                ELSE 'pg_catalog.jsonb_build_object(' || (SELECT string_agg(format('%L, k.%I', x, 'dim.' || x), ', ')
                                                           FROM unnest(dimensions) x) || ')' END
        || ' AS dimension_values, v.value, v.exact_value, CAST(v.base AS pg_catalog.float8) AS base_value, '
        || 'CASE WHEN v.base > 0 THEN CAST((v.cur - v.base) / v.base AS pg_catalog.float8) END AS change'
        || format(E'\nFROM %I k', prev);
    IF compare IS NOT NULL THEN
        q := q || format(' LEFT JOIN %I b ON b."period.start" = %s', prev, basekey) || dimjoin;
    END IF;
    q := q || ' CROSS JOIN LATERAL (VALUES ' || vals || ') v(ord, metric, value, exact_value, cur, base)';
    IF compare IS NOT NULL THEN
        q := q || format(' WHERE k."period.start" >= %L::pg_catalog.date', first_period);
    END IF;
    q := q || E'\nORDER BY v.ord, k."period.start"' || replace(dimcols, ', "', ', k."');
    RETURN q;
END
$$;
COMMENT ON FUNCTION metric_sql(text[], text[], jsonb, date, date, text, text, timestamptz) IS
    'compiles a metric request (metrics by dimensions at a grain, filtered, optionally compared and as defined at as_of) into the SQL that metric_values runs';

CREATE FUNCTION metric_values(metrics text[], dimensions text[] DEFAULT '{}', filters jsonb DEFAULT NULL,
                              from_date date DEFAULT NULL, to_date date DEFAULT NULL, grain text DEFAULT 'month',
                              compare text DEFAULT NULL, as_of timestamptz DEFAULT NULL)
RETURNS TABLE(metric text, period_start date, dimension_values jsonb, value float8, exact_value numeric,
              base_value float8, change float8)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE ROWS 100 AS $$
BEGIN
    RETURN QUERY EXECUTE retail_kpi.metric_sql(metrics, dimensions, filters, from_date, to_date, grain, compare, as_of);
END
$$;
COMMENT ON FUNCTION metric_values(text[], text[], jsonb, date, date, text, text, timestamptz) IS
    'runs metric_sql with the caller''s privileges (row-level security applies); one row per metric, period and dimension members';

CREATE FUNCTION publish_metric_view(view_name text, metrics text[], dimensions text[] DEFAULT '{}',
                                    filters jsonb DEFAULT NULL, from_date date DEFAULT NULL, to_date date DEFAULT NULL,
                                    grain text DEFAULT 'month', compare text DEFAULT NULL,
                                    schema_name text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE AS $$
DECLARE
    nsp text := coalesce(schema_name, current_schema());
    sql text;
BEGIN
    IF view_name IS NULL OR view_name !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid value for argument "view_name": %', coalesce(quote_literal(view_name), 'NULL')
            USING ERRCODE = '22023', DETAIL = 'View names are lowercase identifiers.';
    END IF;
    IF nsp IS NULL OR nsp !~ '^[a-z_][a-z0-9_]{0,62}$' THEN
        RAISE EXCEPTION 'invalid value for argument "schema_name": %', coalesce(quote_literal(nsp), 'NULL') USING ERRCODE = '22023';
    END IF;
    sql := retail_kpi.metric_sql(metrics, dimensions, filters, from_date, to_date, grain, compare);
    EXECUTE format('CREATE OR REPLACE VIEW %I.%I WITH (security_invoker = true) AS %s', nsp, view_name, sql);
    EXECUTE format('COMMENT ON VIEW %I.%I IS %L', nsp, view_name,
                   'retail_kpi metric view: ' || array_to_string(metrics, ', ') || ' (definitions as published at ' || now() || ')');
    RETURN format('%I.%I', nsp, view_name);
END
$$;
COMMENT ON FUNCTION publish_metric_view(text, text[], text[], jsonb, date, date, text, text, text) IS
    'creates or replaces an ordinary (security_invoker) view over metric_sql for BI tools; definitions are frozen at publication';

-- A readable list of the metrics for BI tools and analysts.
CREATE VIEW metric_catalog AS
SELECT m.code, m.label_en, m.label_zh, m.description, m.unit, m.polarity, m.status, m.owner, m.tags, m.kind,
       coalesce(m.definition->>'measure', (m.definition->>'numerator') || ' / ' || (m.definition->>'denominator'),
                m.definition->>'expression') AS definition,
       m.depends_on, m.updated_at
FROM retail_kpi.metrics m;
COMMENT ON VIEW metric_catalog IS 'the metrics of the catalog with labels, unit, status, owner and a one-line definition';
GRANT SELECT ON metric_catalog TO PUBLIC;

-- ---------------------------------------------------------------------------------------------
-- Governance: history, lineage

CREATE FUNCTION metric_history(code text, object_type text DEFAULT 'metric')
RETURNS TABLE(id bigint, action text, changed_by text, session_user_name text, changed_at timestamptz,
              reason text, old_definition jsonb, new_definition jsonb)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT h.id, h.action, h.changed_by, h.session_user_name, h.changed_at, h.reason, h.old_definition, h.new_definition
    FROM retail_kpi.catalog_history h
    WHERE h.object_type = $2 AND h.code = $1
    ORDER BY h.id;
$$;
COMMENT ON FUNCTION metric_history(text, text) IS 'the changes of a metric (or of another catalog object type), oldest first';

CREATE FUNCTION metric_lineage(code text)
RETURNS TABLE(direction text, depth int, object_type text, object_code text, detail text)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    WITH up AS (SELECT u.metric, u.depth FROM retail_kpi._catalog_upstream_metrics($1) u
                UNION ALL SELECT $1, 0),
    down AS (
        WITH RECURSIVE dn(metric, depth, path) AS (
            SELECT m.code, 1, ARRAY[$1, m.code] FROM retail_kpi.metrics m WHERE $1 = ANY (m.depends_on)
            UNION ALL
            SELECT m.code, dn.depth + 1, dn.path || m.code
            FROM dn JOIN retail_kpi.metrics m ON dn.metric = ANY (m.depends_on)
            WHERE NOT m.code = ANY (dn.path) AND dn.depth < 100)
        SELECT metric, min(depth) AS depth FROM dn GROUP BY metric)
    SELECT * FROM (
        SELECT 'upstream', up.depth, 'metric', up.metric, m.kind || ': ' || coalesce(m.compiled_sql, m.definition::text)
        FROM up JOIN retail_kpi.metrics m ON m.code = up.metric WHERE up.depth > 0
        UNION ALL
        SELECT 'upstream', up.depth + 1, 'measure', me.code, me.compiled_sql
        FROM up JOIN retail_kpi.metrics m ON m.code = up.metric AND m.kind = 'simple'
        JOIN retail_kpi.measures me ON me.code = m.definition->>'measure'
        UNION ALL
        SELECT DISTINCT 'upstream', up.depth + 2, 'source', s.code, format('%I.%I', s.schema_name, s.relation_name)
        FROM up JOIN retail_kpi.metrics m ON m.code = up.metric AND m.kind = 'simple'
        JOIN retail_kpi.measures me ON me.code = m.definition->>'measure'
        JOIN retail_kpi.sources s ON s.code = me.source
        UNION ALL
        SELECT 'downstream', down.depth, 'metric', down.metric, m.status
        FROM down JOIN retail_kpi.metrics m ON m.code = down.metric
        UNION ALL
        SELECT 'downstream', 1, 'target', t.scenario, count(*) || ' target rows'
        FROM retail_kpi.targets t WHERE t.metric = $1 GROUP BY t.scenario
        UNION ALL
        SELECT 'downstream', 1, 'alert_rule', a.code, a.condition
        FROM retail_kpi.alert_rules a WHERE a.metric = $1
    ) x(direction, depth, object_type, object_code, detail)
    ORDER BY 1 DESC, 2, 3, 4;
$$;
COMMENT ON FUNCTION metric_lineage(text) IS
    'upstream metrics, measures and sources of a metric and the metrics, targets and alert rules downstream of it (impact analysis)';

-- Normalised definition of a metric, with every reference expanded (for duplicate detection).
CREATE FUNCTION _catalog_fingerprint(code text, depth int DEFAULT 0) RETURNS text
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
#variable_conflict use_variable
DECLARE
    m retail_kpi.metrics;
    me retail_kpi.measures;
    s retail_kpi.sources;
    names text[];
    fps text[];
    p record;
BEGIN
    SELECT * INTO m FROM retail_kpi.metrics t WHERE t.code = code;
    IF NOT FOUND OR depth > 50 THEN
        RETURN 'missing:' || code;
    END IF;
    IF m.kind = 'simple' THEN
        SELECT * INTO me FROM retail_kpi.measures t WHERE t.code = m.definition->>'measure';
        IF NOT FOUND THEN
            RETURN 'missing measure:' || (m.definition->>'measure');
        END IF;
        SELECT * INTO s FROM retail_kpi.sources t WHERE t.code = me.source;
        IF NOT FOUND THEN
            RETURN 'missing source:' || me.source || ':' || me.compiled_sql;
        END IF;
        RETURN format('%I.%I:%s', s.schema_name, s.relation_name, me.compiled_sql);
    ELSIF m.kind = 'ratio' THEN
        RETURN format('ratio(%s, %s)', retail_kpi._catalog_fingerprint(m.definition->>'numerator', depth + 1),
                      retail_kpi._catalog_fingerprint(m.definition->>'denominator', depth + 1));
    END IF;
    SELECT array_agg(d), array_agg(retail_kpi._catalog_fingerprint(d, depth + 1)) INTO names, fps FROM unnest(m.depends_on) d;
    SELECT * INTO p FROM retail_kpi.catalog_parse_expression(m.definition->>'expression', 'expression',
        (SELECT array_agg(f.name) FROM retail_kpi.catalog_functions f),
        (SELECT array_agg(f.sql_name) FROM retail_kpi.catalog_functions f), NULL, names, fps);
    RETURN p.sql;
END
$$;
COMMENT ON FUNCTION _catalog_fingerprint(text, int) IS 'internal: normalised, fully expanded definition of a metric';

CREATE FUNCTION check_catalog()
RETURNS TABLE(problem text, object_type text, code text, detail text)
LANGUAGE sql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    WITH fp AS (SELECT m.code, m.unit, retail_kpi._catalog_fingerprint(m.code) AS fp FROM retail_kpi.metrics m),
    rel AS (SELECT s.*, to_regclass(format('%I.%I', s.schema_name, s.relation_name)) AS oid FROM retail_kpi.sources s)
    SELECT * FROM (
        -- two metrics with the same normalised definition (duplicate 口径)
        SELECT 'duplicate_definition', 'metric', a.code,
               format('same definition as metric "%s": %s', b.code, a.fp)
        FROM fp a JOIN fp b ON a.fp = b.fp AND a.code > b.code
        UNION ALL
        SELECT 'duplicate_definition', 'measure', a.code, format('same definition as measure "%s"', b.code)
        FROM retail_kpi.measures a JOIN retail_kpi.measures b
          ON a.code > b.code AND a.compiled_sql = b.compiled_sql
         AND (SELECT format('%I.%I', s.schema_name, s.relation_name) FROM retail_kpi.sources s WHERE s.code = a.source)
           = (SELECT format('%I.%I', s.schema_name, s.relation_name) FROM retail_kpi.sources s WHERE s.code = b.source)
        UNION ALL
        -- one code used with conflicting units: a measure and a metric of the same code, or a simple metric and its measure
        SELECT 'conflicting_unit', 'metric', m.code,
               format('unit "%s" but measure "%s" has unit "%s"', m.unit, me.code, me.unit)
        FROM retail_kpi.metrics m JOIN retail_kpi.measures me
          ON (me.code = m.code OR (m.kind = 'simple' AND me.code = m.definition->>'measure'))
        WHERE m.unit IS NOT NULL AND me.unit IS NOT NULL AND m.unit <> me.unit
        UNION ALL
        SELECT 'conflicting_unit', 'metric', a.code, format('same definition as metric "%s" but unit %s vs %s', b.code,
                                                             coalesce(quote_literal(a.unit), 'NULL'), coalesce(quote_literal(b.unit), 'NULL'))
        FROM fp a JOIN fp b ON a.fp = b.fp AND a.code > b.code
        WHERE a.unit IS DISTINCT FROM b.unit
        UNION ALL
        -- references to missing or deprecated objects
        SELECT 'missing_reference', 'metric', m.code, format('metric "%s" does not exist', d)
        FROM retail_kpi.metrics m, unnest(m.depends_on) d
        WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.metrics x WHERE x.code = d)
        UNION ALL
        SELECT 'missing_reference', 'metric', m.code, format('measure "%s" does not exist', m.definition->>'measure')
        FROM retail_kpi.metrics m
        WHERE m.kind = 'simple' AND NOT EXISTS (SELECT 1 FROM retail_kpi.measures x WHERE x.code = m.definition->>'measure')
        UNION ALL
        SELECT 'missing_reference', 'measure', me.code, format('source "%s" does not exist', me.source)
        FROM retail_kpi.measures me WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.sources s WHERE s.code = me.source)
        UNION ALL
        SELECT 'missing_reference', 'source', r.code, format('relation %I.%I does not exist', r.schema_name, r.relation_name)
        FROM rel r WHERE r.oid IS NULL
        UNION ALL
        SELECT 'missing_reference', 'source', s.code, format('dimension "%s" does not exist', d)
        FROM retail_kpi.sources s, jsonb_object_keys(s.dimensions) d
        WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions x WHERE x.code = d)
        UNION ALL
        SELECT 'missing_reference', 'dimension', d.code, format('parent dimension "%s" does not exist', d.parent)
        FROM retail_kpi.dimensions d
        WHERE d.parent IS NOT NULL AND NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions x WHERE x.code = d.parent)
        UNION ALL
        SELECT 'missing_reference', 'target', t.metric, format('metric "%s" does not exist', t.metric)
        FROM (SELECT DISTINCT t.metric FROM retail_kpi.targets t) t
        WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.metrics x WHERE x.code = t.metric)
        UNION ALL
        SELECT 'missing_reference', 'alert_rule', a.code, format('metric "%s" does not exist', a.metric)
        FROM retail_kpi.alert_rules a WHERE NOT EXISTS (SELECT 1 FROM retail_kpi.metrics x WHERE x.code = a.metric)
        UNION ALL
        SELECT 'deprecated_reference', 'metric', m.code, format('depends on deprecated metric "%s"', d)
        FROM retail_kpi.metrics m, unnest(m.depends_on) d
        WHERE m.status <> 'deprecated'
          AND EXISTS (SELECT 1 FROM retail_kpi.metrics x WHERE x.code = d AND x.status = 'deprecated')
        UNION ALL
        SELECT 'deprecated_reference', 'alert_rule', a.code, format('watches deprecated metric "%s"', a.metric)
        FROM retail_kpi.alert_rules a JOIN retail_kpi.metrics x ON x.code = a.metric AND x.status = 'deprecated'
        WHERE a.enabled
        UNION ALL
        -- certified metrics depending on drafts
        SELECT 'certified_depends_on_draft', 'metric', m.code, format('depends on draft metric "%s"', u.metric)
        FROM retail_kpi.metrics m, retail_kpi._catalog_upstream_metrics(m.code) u
        WHERE m.status = 'certified'
          AND EXISTS (SELECT 1 FROM retail_kpi.metrics x WHERE x.code = u.metric AND x.status = 'draft')
        UNION ALL
        -- source columns that no longer exist
        SELECT 'missing_column', 'source', r.code, format('column %I of %I.%I does not exist', c, r.schema_name, r.relation_name)
        FROM rel r, LATERAL (SELECT r.time_column WHERE r.time_column IS NOT NULL
                             UNION ALL SELECT v FROM jsonb_each_text(r.dimensions) e(k, v)) cols(c)
        WHERE r.oid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                                WHERE a.attrelid = r.oid AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped)
        UNION ALL
        SELECT 'missing_column', 'measure', me.code, format('column %I of %I.%I does not exist', c, r.schema_name, r.relation_name)
        FROM retail_kpi.measures me JOIN rel r ON r.code = me.source, unnest(me.columns) c
        WHERE r.oid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
                                                WHERE a.attrelid = r.oid AND a.attname = c AND a.attnum > 0 AND NOT a.attisdropped)
    ) p(problem, object_type, code, detail)
    ORDER BY 1, 2, 3, 4;
$$;
COMMENT ON FUNCTION check_catalog() IS
    'problems in the catalog: duplicate definitions, conflicting units, missing or deprecated references, certified metrics on drafts, missing columns';

-- ---------------------------------------------------------------------------------------------
-- Targets

-- Checks a {dimension code: scalar} object (target members).
CREATE FUNCTION _catalog_check_members(members jsonb, argname text) RETURNS jsonb
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    k text;
    v jsonb;
BEGIN
    IF members IS NULL OR jsonb_typeof(members) <> 'object' THEN
        RAISE EXCEPTION 'argument "%" must be a JSON object mapping dimension codes to values', argname USING ERRCODE = '22023';
    END IF;
    FOR k, v IN SELECT * FROM jsonb_each(members) LOOP
        PERFORM retail_kpi._catalog_check_code(k, argname);
        IF NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions d WHERE d.code = k) THEN
            RAISE EXCEPTION 'dimension "%" does not exist', k USING ERRCODE = '42704';
        END IF;
        IF jsonb_typeof(v) IN ('object', 'array', 'null') THEN
            RAISE EXCEPTION 'invalid member of dimension "%" in argument "%"', k, argname
                USING ERRCODE = '22023', DETAIL = 'Members are non-null JSON scalars.';
        END IF;
    END LOOP;
    RETURN members;
END
$$;
COMMENT ON FUNCTION _catalog_check_members(jsonb, text) IS 'internal: validates a {dimension: member} object';

CREATE FUNCTION set_target(metric text, period_start date, value numeric, dimensions jsonb DEFAULT '{}',
                           grain text DEFAULT 'month', scenario text DEFAULT 'budget', reason text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    m retail_kpi.metrics;
    old retail_kpi.targets;
    new retail_kpi.targets;
BEGIN
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_code(scenario, 'scenario');
    PERFORM retail_kpi._catalog_check_variant(grain, 'grain',
        '{day,week,month,quarter,year,total,retail_week,retail_period,retail_quarter,retail_year}');
    PERFORM retail_kpi._catalog_check_members(dimensions, 'dimensions');
    SELECT * INTO m FROM retail_kpi.metrics t WHERE t.code = metric;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist', metric USING ERRCODE = '42704';
    END IF;
    PERFORM retail_kpi._catalog_require_owner('metric', metric, m.owner);
    IF period_start IS NULL THEN
        RAISE EXCEPTION 'argument "period_start" must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF grain NOT IN ('day', 'total') AND grain NOT LIKE 'retail\_%' AND date_trunc(grain, period_start::timestamp)::date <> period_start THEN
        RAISE EXCEPTION 'argument "period_start" (%) is not the first day of a %', period_start, grain
            USING ERRCODE = '22023', HINT = format('Use %s.', date_trunc(grain, period_start::timestamp)::date);
    END IF;
    IF value IS NOT NULL AND value IN ('NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric) THEN
        RAISE EXCEPTION 'argument "value" must be a finite number' USING ERRCODE = '22023';
    END IF;
    SELECT * INTO old FROM retail_kpi.targets t
    WHERE t.metric = metric AND t.scenario = scenario AND t.grain = grain AND t.period_start = period_start
      AND t.dimensions = dimensions FOR UPDATE;
    DELETE FROM retail_kpi.targets t
    WHERE t.metric = metric AND t.scenario = scenario AND t.grain = grain AND t.period_start = period_start
      AND t.dimensions = dimensions;
    IF value IS NOT NULL THEN
        INSERT INTO retail_kpi.targets (metric, scenario, grain, period_start, dimensions, value)
        VALUES (metric, scenario, grain, period_start, dimensions, value) RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('target', metric,
        CASE WHEN value IS NULL THEN 'drop' WHEN old.metric IS NULL THEN 'create' ELSE 'update' END,
        reason, to_jsonb(old), to_jsonb(new));
END
$$;
COMMENT ON FUNCTION set_target(text, date, numeric, jsonb, text, text, text) IS
    'sets (or with value NULL removes) the target of a metric for one period, dimension members and scenario; metric owner or admin only';

-- Target attainment per kpi-semantics.md: higher_is_better (A - T + |T|) / |T| (1 + A when T = 0);
-- lower_is_better 1 - (A - T) / |T| (1 - A when T = 0).
CREATE FUNCTION _catalog_attainment(actual numeric, target numeric, direction text) RETURNS float8
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CAST(CASE WHEN direction = 'lower_is_better'
                     THEN CASE WHEN target = 0 THEN 1 - actual ELSE 1 - (actual - target) / abs(target) END
                     ELSE CASE WHEN target = 0 THEN 1 + actual ELSE (actual - target + abs(target)) / abs(target) END
                END AS float8);
$$;
COMMENT ON FUNCTION _catalog_attainment(numeric, numeric, text) IS 'internal: target attainment (达成率) as in kpi-semantics.md';

CREATE FUNCTION metric_vs_target(metric text, dimensions text[] DEFAULT '{}', filters jsonb DEFAULT NULL,
                                 from_date date DEFAULT NULL, to_date date DEFAULT NULL, grain text DEFAULT 'month',
                                 scenario text DEFAULT 'budget')
RETURNS TABLE(period_start date, dimension_values jsonb, actual float8, target numeric, attainment float8,
              deviation float8, direction text)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE AS $$
#variable_conflict use_variable
DECLARE
    dir text;
BEGIN
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_code(scenario, 'scenario');
    SELECT CASE WHEN m.polarity = 'lower_is_better' THEN 'lower_is_better' ELSE 'higher_is_better' END
      INTO dir FROM retail_kpi.metrics m WHERE m.code = metric;
    RETURN QUERY
    SELECT v.period_start, v.dimension_values, v.value, t.value,
           retail_kpi._catalog_attainment(coalesce(v.exact_value, CAST(v.value AS numeric)), t.value, dir),
           CASE WHEN t.value <> 0 THEN CAST((coalesce(v.exact_value, CAST(v.value AS numeric)) - t.value) / abs(t.value) AS float8) END,
           dir
    FROM retail_kpi.metric_values(ARRAY[metric], dimensions, filters, from_date, to_date, grain) v
    LEFT JOIN retail_kpi.targets t
      ON t.metric = metric AND t.scenario = scenario AND t.grain = grain
     AND t.period_start = v.period_start AND t.dimensions = v.dimension_values
    ORDER BY v.period_start, v.dimension_values;
END
$$;
COMMENT ON FUNCTION metric_vs_target(text, text[], jsonb, date, date, text, text) IS
    'actual value of a metric beside its target, attainment (by the metric''s polarity) and deviation (A - T) / |T|';

-- ---------------------------------------------------------------------------------------------
-- Alert rules

CREATE FUNCTION define_alert_rule(code text, metric text, condition text, threshold numeric,
                                  grain text DEFAULT 'month', dimensions text[] DEFAULT '{}', filters jsonb DEFAULT NULL,
                                  severity text DEFAULT 'warning', scenario text DEFAULT 'budget',
                                  enabled boolean DEFAULT true, owner text DEFAULT NULL, reason text DEFAULT NULL)
RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, retail_kpi, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    old retail_kpi.alert_rules;
    new retail_kpi.alert_rules;
BEGIN
    PERFORM retail_kpi._catalog_check_code(code, 'code');
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_code(scenario, 'scenario');
    PERFORM retail_kpi._catalog_check_variant(condition, 'condition', '{below,above,change_beyond,target_deviation}');
    PERFORM retail_kpi._catalog_check_variant(grain, 'grain', '{day,week,month,quarter,year}');
    PERFORM retail_kpi._catalog_check_variant(severity, 'severity', '{info,warning,critical}');
    IF threshold IS NULL OR threshold IN ('NaN'::numeric, 'Infinity'::numeric, '-Infinity'::numeric) THEN
        RAISE EXCEPTION 'argument "threshold" must be a finite number' USING ERRCODE = '22023';
    END IF;
    IF condition IN ('change_beyond', 'target_deviation') AND threshold < 0 THEN
        RAISE EXCEPTION 'argument "threshold" must not be negative for condition "%"', condition
            USING ERRCODE = '22023', DETAIL = 'It is a fraction: 0.1 means 10 %.';
    END IF;
    IF enabled IS NULL THEN
        RAISE EXCEPTION 'argument "enabled" must not be NULL' USING ERRCODE = '22004';
    END IF;
    -- validates the metric, dimensions and filters exactly as evaluation will
    PERFORM retail_kpi.metric_sql(ARRAY[metric], dimensions, filters, DATE '2000-01-01', DATE '2000-01-31', grain);
    SELECT * INTO old FROM retail_kpi.alert_rules a WHERE a.code = code FOR UPDATE;
    IF FOUND THEN
        PERFORM retail_kpi._catalog_require_owner('alert_rule', code, old.owner);
        UPDATE retail_kpi.alert_rules a SET metric = metric, grain = grain, dimensions = dimensions, filters = filters,
               condition = condition, threshold = threshold, scenario = scenario, severity = severity,
               enabled = enabled, owner = CASE WHEN owner IS NULL THEN a.owner ELSE retail_kpi._catalog_owner(owner) END, updated_at = now()
         WHERE a.code = code RETURNING a.* INTO new;
    ELSE
        INSERT INTO retail_kpi.alert_rules (code, metric, grain, dimensions, filters, condition, threshold, scenario,
                                            severity, enabled, owner)
        VALUES (code, metric, grain, dimensions, filters, condition, threshold, scenario, severity, enabled,
                retail_kpi._catalog_owner(owner))
        RETURNING * INTO new;
    END IF;
    PERFORM retail_kpi._catalog_record('alert_rule', code, CASE WHEN old.code IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new));
    RETURN code;
END
$$;
COMMENT ON FUNCTION define_alert_rule(text, text, text, numeric, text, text[], jsonb, text, text, boolean, text, text) IS
    'creates or updates an alert rule: below/above threshold, change vs previous period or deviation from target beyond a fraction';

-- A value for messages: at most 4 decimals, no trailing zeros.
CREATE FUNCTION _catalog_fmt(x float8) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT trim_scale(round(CAST(x AS numeric), 4))::text; $$;
COMMENT ON FUNCTION _catalog_fmt(float8) IS 'internal: a value rounded to 4 decimals for alert messages';

CREATE FUNCTION check_alerts(as_of date DEFAULT CURRENT_DATE)
RETURNS TABLE(rule text, metric text, severity text, condition text, period_start date, dimension_values jsonb,
              value float8, reference float8, threshold numeric, message text)
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE AS $$
#variable_conflict use_variable
DECLARE
    a retail_kpi.alert_rules;
    p_end date;
    p_start date;
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'argument "as_of" must not be NULL' USING ERRCODE = '22004';
    END IF;
    FOR a IN SELECT * FROM retail_kpi.alert_rules r WHERE r.enabled ORDER BY r.code LOOP
        -- the last complete period before as_of
        p_end := (date_trunc(a.grain, as_of::timestamp)::date) - 1;
        p_start := date_trunc(a.grain, p_end::timestamp)::date;
        IF a.condition IN ('below', 'above') THEN
            RETURN QUERY
            SELECT a.code, a.metric, a.severity, a.condition, v.period_start, v.dimension_values, v.value,
                   CAST(a.threshold AS float8), a.threshold,
                   format('%s is %s, %s the threshold %s', a.metric, retail_kpi._catalog_fmt(v.value), a.condition, a.threshold)
            FROM retail_kpi.metric_values(ARRAY[a.metric], a.dimensions, a.filters, p_start, p_end, a.grain) v
            WHERE CASE a.condition WHEN 'below' THEN coalesce(v.exact_value, CAST(v.value AS numeric)) < a.threshold
                                   ELSE coalesce(v.exact_value, CAST(v.value AS numeric)) > a.threshold END;
        ELSIF a.condition = 'change_beyond' THEN
            RETURN QUERY
            SELECT a.code, a.metric, a.severity, a.condition, v.period_start, v.dimension_values, v.value,
                   v.base_value, a.threshold,
                   format('%s changed by %s %% vs the previous period (%s → %s), beyond %s %%', a.metric,
                          round(CAST(v.change * 100 AS numeric), 1), retail_kpi._catalog_fmt(v.base_value),
                          retail_kpi._catalog_fmt(v.value), trim_scale(a.threshold * 100))
            FROM retail_kpi.metric_values(ARRAY[a.metric], a.dimensions, a.filters, p_start, p_end, a.grain,
                                          'previous_period') v
            WHERE abs(CAST(v.change AS numeric)) > a.threshold;
        ELSE
            RETURN QUERY
            SELECT a.code, a.metric, a.severity, a.condition, t.period_start, t.dimension_values, t.actual,
                   CAST(t.target AS float8), a.threshold,
                   format('%s is %s against a target of %s (%s %%), beyond %s %%', a.metric,
                          retail_kpi._catalog_fmt(t.actual), t.target,
                          round(CAST(t.deviation * 100 AS numeric), 1), trim_scale(a.threshold * 100))
            FROM retail_kpi.metric_vs_target(a.metric, a.dimensions, a.filters, p_start, p_end, a.grain, a.scenario) t
            WHERE abs(CAST(t.deviation AS numeric)) > a.threshold;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION check_alerts(date) IS
    'evaluates every enabled alert rule on the last complete period (of its grain) before as_of and returns the alerts that fire';

-- ---------------------------------------------------------------------------------------------
-- The standard library: templates of the retail KPIs of kpi-semantics.md over conventional measure codes

CREATE FUNCTION standard_metric_templates()
RETURNS TABLE(code text, label_en text, label_zh text, kind text, measure text, numerator text, denominator text,
              expression text, unit text, polarity text, description text)
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    VALUES
    -- base metrics: one per conventional measure code (bound to the user's measures)
    ('net_sales', 'Net sales', '净销售额', 'simple', 'net_sales', NULL, NULL, NULL, 'currency', 'higher_is_better', 'sum of net sales (revenue)'),
    ('cogs', 'Cost of goods sold', '销售成本', 'simple', 'cogs', NULL, NULL, NULL, 'currency', 'lower_is_better', 'sum of cost of goods sold'),
    ('units_sold', 'Units sold', '销量', 'simple', 'units_sold', NULL, NULL, NULL, 'units', 'higher_is_better', 'sum of units sold'),
    ('sales_summary', 'Sales margin summary', '销售毛利汇总', 'simple', 'sales_summary', NULL, NULL, NULL, NULL, 'neutral', 'margin_agg(revenue, cost, units) of the sales rows'),
    ('transactions', 'Transactions', '交易笔数', 'simple', 'transactions', NULL, NULL, NULL, 'count', 'higher_is_better', 'number of distinct transactions'),
    ('customers', 'Customers', '顾客数', 'simple', 'customers', NULL, NULL, NULL, 'count', 'higher_is_better', 'number of distinct customers'),
    ('visitors', 'Visitors (traffic)', '客流', 'simple', 'visitors', NULL, NULL, NULL, 'count', 'higher_is_better', 'store traffic'),
    ('selling_area_m2', 'Selling area', '营业面积', 'simple', 'selling_area_m2', NULL, NULL, NULL, 'm2', 'neutral', 'selling area in square metres'),
    ('fte', 'Staff (FTE)', '员工人数(FTE)', 'simple', 'fte', NULL, NULL, NULL, 'FTE', 'neutral', 'full-time-equivalent staff'),
    ('returned_units', 'Returned units', '退货数量', 'simple', 'returned_units', NULL, NULL, NULL, 'units', 'lower_is_better', 'units returned'),
    ('stock_summary', 'Stock summary', '库存汇总', 'simple', 'stock_summary', NULL, NULL, NULL, NULL, 'neutral', 'stock_agg of inventory snapshots'),
    ('units_received', 'Units received', '进货数量', 'simple', 'units_received', NULL, NULL, NULL, 'units', 'neutral', 'units received'),
    ('opening_units', 'Opening on-hand units', '期初库存数量', 'simple', 'opening_units', NULL, NULL, NULL, 'units', 'neutral', 'units on hand at the start'),
    ('period_days', 'Days in period', '期间天数', 'simple', 'period_days', NULL, NULL, NULL, 'days', 'neutral', 'number of days in the period'),
    ('skus_sold', 'SKUs sold', '动销SKU数', 'simple', 'skus_sold', NULL, NULL, NULL, 'count', 'higher_is_better', 'SKUs with net units sold > 0'),
    ('skus_listed', 'SKUs listed', '在售SKU数', 'simple', 'skus_listed', NULL, NULL, NULL, 'count', 'neutral', 'SKUs listed or stocked'),
    ('cash_collected', 'Cash collected', '回款额', 'simple', 'cash_collected', NULL, NULL, NULL, 'currency', 'higher_is_better', 'begin AR + sales - end AR'),
    ('credit_sales', 'Credit sales', '赊销额', 'simple', 'credit_sales', NULL, NULL, NULL, 'currency', 'neutral', 'sales on credit'),
    ('promo_summary', 'Promotion summary', '促销汇总', 'simple', 'promo_summary', NULL, NULL, NULL, NULL, 'neutral', 'promo_agg of promotion sales'),
    ('promo_spend', 'Promotion spend', '促销费用', 'simple', 'promo_spend', NULL, NULL, NULL, 'currency', 'lower_is_better', 'promotion spend'),
    -- KPIs
    ('gross_profit', 'Gross profit', '毛利额', 'derived', NULL, NULL, NULL, 'gross_profit(sales_summary)', 'currency', 'higher_is_better', 'revenue - cost'),
    ('gross_margin_rate', 'Gross margin rate', '毛利率', 'derived', NULL, NULL, NULL, 'margin_rate(sales_summary)', 'ratio', 'higher_is_better', '(R - C) / R; NULL when R <= 0'),
    ('markup_rate', 'Markup rate', '加价率', 'derived', NULL, NULL, NULL, 'markup_rate(sales_summary)', 'ratio', 'higher_is_better', '(R - C) / C; NULL when C <= 0'),
    ('conversion_rate', 'Conversion rate', '客流转化率', 'ratio', NULL, 'transactions', 'visitors', NULL, 'ratio', 'higher_is_better', 'transactions / traffic'),
    ('avg_transaction_value', 'Average transaction value', '客单价', 'ratio', NULL, 'net_sales', 'transactions', NULL, 'currency', 'higher_is_better', 'net sales / transactions'),
    ('sales_per_customer', 'Sales per customer', '客单价(按顾客)', 'ratio', NULL, 'net_sales', 'customers', NULL, 'currency', 'higher_is_better', 'net sales / distinct customers (variant per_customer)'),
    ('units_per_transaction', 'Units per transaction', '连带率', 'ratio', NULL, 'units_sold', 'transactions', NULL, 'units', 'higher_is_better', 'units / transactions'),
    ('sales_per_m2', 'Sales per m²', '坪效', 'ratio', NULL, 'net_sales', 'selling_area_m2', NULL, 'currency/m2', 'higher_is_better', 'net sales / selling area'),
    ('sales_per_fte', 'Sales per FTE', '人效', 'ratio', NULL, 'net_sales', 'fte', NULL, 'currency/FTE', 'higher_is_better', 'net sales / FTE'),
    ('return_rate', 'Return rate', '退货率', 'ratio', NULL, 'returned_units', 'units_sold', NULL, 'ratio', 'lower_is_better', 'returned units / sold units'),
    ('sku_activity_rate', 'SKU activity rate', '动销率', 'ratio', NULL, 'skus_sold', 'skus_listed', NULL, 'ratio', 'higher_is_better', 'SKUs sold / SKUs listed'),
    ('collection_rate', 'Collection rate', '回款率', 'ratio', NULL, 'cash_collected', 'net_sales', NULL, 'ratio', 'higher_is_better', 'cash collected / sales'),
    ('sell_through_rate', 'Sell-through rate', '售罄率', 'derived', NULL, NULL, NULL, 'sell_through_rate(units_sold, units_received, opening_units)', 'ratio', 'higher_is_better', 'units sold / (opening on-hand + units received)'),
    ('inventory_turnover', 'Inventory turnover', '库存周转率', 'derived', NULL, NULL, NULL, 'inventory_turnover(sales_summary, stock_summary)', 'times', 'higher_is_better', 'COGS / average inventory at cost'),
    ('days_of_inventory', 'Days of inventory', '库存周转天数', 'derived', NULL, NULL, NULL, 'days_of_inventory(sales_summary, stock_summary, period_days)', 'days', 'lower_is_better', 'average inventory x period days / COGS'),
    ('gmroi', 'GMROI', '毛利回报率', 'derived', NULL, NULL, NULL, 'gmroi(sales_summary, stock_summary)', 'times', 'higher_is_better', 'gross profit / average inventory at cost'),
    ('promo_roi', 'Promotion ROI', '促销ROI', 'derived', NULL, NULL, NULL, 'promo_roi(promo_summary, promo_spend)', 'ratio', 'higher_is_better', '(incremental GP - spend) / spend')
$$;
COMMENT ON FUNCTION standard_metric_templates() IS
    'the standard retail KPI definitions (kpi-semantics.md) over conventional measure codes; install them with install_standard_metrics';

CREATE FUNCTION install_standard_metrics(bindings jsonb DEFAULT '{}', owner text DEFAULT NULL,
                                         status text DEFAULT 'draft', reason text DEFAULT 'standard library')
RETURNS TABLE(code text, installed boolean, detail text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE AS $$
#variable_conflict use_variable
DECLARE
    t record;
    bound text;
    bound_unit text;
BEGIN
    IF bindings IS NULL OR jsonb_typeof(bindings) <> 'object' THEN
        RAISE EXCEPTION 'argument "bindings" must be a JSON object mapping conventional measure codes to measure codes'
            USING ERRCODE = '22023';
    END IF;
    FOR t IN SELECT * FROM retail_kpi.standard_metric_templates() LOOP
        code := t.code;
        IF EXISTS (SELECT 1 FROM retail_kpi.metrics m WHERE m.code = t.code) THEN
            installed := false;
            detail := 'a metric with this code already exists (left unchanged)';
            RETURN NEXT;
            CONTINUE;
        END IF;
        BEGIN
            IF t.kind = 'simple' THEN
                bound := coalesce(bindings->>t.measure, t.measure);
                bound_unit := (SELECT m.unit FROM retail_kpi.measures m WHERE m.code = bound);
                IF NOT EXISTS (SELECT 1 FROM retail_kpi.measures m WHERE m.code = bound) THEN
                    installed := false;
                    detail := format('measure "%s" is not defined', bound);
                    RETURN NEXT;
                    CONTINUE;
                END IF;
            ELSE
                bound := NULL;
                bound_unit := NULL;
            END IF;
            PERFORM retail_kpi.define_metric(t.code, t.label_en, t.kind, measure => bound, numerator => t.numerator,
                                             denominator => t.denominator, expression => t.expression,
                                             label_zh => t.label_zh, description => t.description,
                                             unit => coalesce(bound_unit, t.unit),
                                             polarity => t.polarity, owner => owner, tags => '{standard}',
                                             status => status, reason => reason);
            installed := true;
            detail := coalesce('measure ' || bound, t.numerator || ' / ' || t.denominator, t.expression);
        EXCEPTION WHEN OTHERS THEN
            installed := false;
            detail := SQLERRM;
        END;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION install_standard_metrics(jsonb, text, text, text) IS
    'defines the standard KPI metrics whose measures exist (bindings map conventional measure codes to yours); returns what was installed or why not';
-- src/version.sql: the extension's own version and the formats of its summary types (added in 0.2;
-- existing 0.1 databases get the same objects from retail_kpi--0.1--0.2.sql).

-- extension_version(): the version of retail_kpi installed in this database (what ALTER EXTENSION
-- retail_kpi UPDATE last moved it to), so that a report or a BI data source can check which
-- definitions it runs on. Not named version(): pg_catalog.version() would win on any search_path.
CREATE FUNCTION extension_version() RETURNS text
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$ SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'retail_kpi' $$;
COMMENT ON FUNCTION extension_version() IS
  'the version of the retail_kpi extension installed in this database (pg_extension.extversion)';

-- summary_format_versions(): each summary type of the extension (the base types, found in the
-- catalog so that new families appear by themselves), the format version it writes and the format
-- versions it reads. Stored summaries of format version 1 stay readable in every later version.
CREATE FUNCTION summary_format_versions()
RETURNS TABLE(summary_type regtype, written_version int, readable_versions int[])
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT t.oid::pg_catalog.regtype, 1, ARRAY[1]
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = t.oid
                             AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'retail_kpi'
  WHERE t.typtype = 'b' AND t.typelem = 0
  ORDER BY t.typname
$$;
COMMENT ON FUNCTION summary_format_versions() IS
  'the summary types of retail_kpi with the format version each writes and the versions it reads (1 is readable forever)';
