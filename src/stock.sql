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
    'per snapshot date, exact summed on-hand at cost, units and retail; text form (v1,rows=N,bases=cost+units,missing_units=0,missing_retail=0[,missing_cost=N],YYYY-MM-DD:cost/units/retail,...)';
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
    'stock summary of on-hand snapshot rows: per date, the exact sums of on-hand cost and units (a NULL cost or units is left out and counted as missing; rows without any value are skipped)';

CREATE AGGREGATE stock_agg(snapshot_date date, on_hand_cost numeric, on_hand_units numeric,
                           on_hand_retail numeric) (
    SFUNC = stock_agg_trans,
    STYPE = stock_summary,
    FINALFUNC = stock_summary_final,
    COMBINEFUNC = stock_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE stock_agg(date, numeric, numeric, numeric) IS
    'stock summary of on-hand snapshot rows: per date, the exact sums of on-hand cost, units and retail (a NULL cost, units or retail is left out and counted as missing; rows without any value are skipped)';

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
COMMENT ON FUNCTION row_count(stock_summary) IS 'number of snapshot rows the summary was built from (rows with a date and at least one on-hand value)';
COMMENT ON FUNCTION missing_count(stock_summary, text) IS
    'number of rows whose on-hand value at the basis was NULL (left out of that basis; for cost, rows that gave only units or retail)';
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
