-- src/bridge.sql: the bridge family (bridge_summary, bridge_agg, rollup, margin_bridge,
-- revenue_bridge, margin_rate_bridge; item groups: bridge_agg with item_group, group_count,
-- margin_bridge_by_group, revenue_bridge_by_group).

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
    'per item, exact base and current sums of units, revenue and cost; text form (v1,rows=N,items=K,["item",q0,r0,c0,q1,r1,c1],...), with item groups (v2,...,["item",q0,r0,c0,q1,r1,c1,"group"],...)';
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

-- item groups (0.3): the company bridge reported by group (docs/bridge.md "Bridges by group")
CREATE FUNCTION bridge_agg_group_trans(bridge_summary, text, boolean, numeric, numeric, numeric, text)
    RETURNS bridge_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bridge_agg_group_trans(bridge_summary, text, boolean, numeric, numeric, numeric, text) IS
    'transition function of bridge_agg(item, is_current, units, revenue, cost, item_group)';

CREATE AGGREGATE bridge_agg(item text, is_current boolean, units numeric, revenue numeric, cost numeric,
                            item_group text) (
    SFUNC = bridge_agg_group_trans,
    STYPE = bridge_summary,
    FINALFUNC = bridge_summary_final,
    COMBINEFUNC = bridge_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE bridge_agg(text, boolean, numeric, numeric, numeric, text) IS
    'bridge summary with item groups (format version 2): as bridge_agg(item, is_current, units, revenue, cost), and each item''s group (one group per item, else 22023; a NULL group is 22004)';

CREATE FUNCTION group_count(bridge_summary) RETURNS integer
    AS 'MODULE_PATHNAME', 'bridge_group_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION group_count(bridge_summary) IS
    'number of distinct item groups in the summary (0 for a summary built without item_group)';

CREATE FUNCTION margin_bridge_by_group(s bridge_summary, method text DEFAULT 'price_volume_mix')
    RETURNS TABLE (item_group text, base numeric, volume numeric, mix numeric, price numeric,
                   cost numeric, interaction numeric, new_items numeric, discontinued numeric,
                   current numeric, method text)
    AS 'MODULE_PATHNAME', 'bridge_margin_bridge_by_group' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    ROWS 100;
COMMENT ON FUNCTION margin_bridge_by_group(bridge_summary, text) IS
    'the company gross-profit bridge reported by item group: per group (C-collation order) the exact sum of its items'' margin_bridge rows (mix against the company average), and the company total row (item_group NULL)';

CREATE FUNCTION revenue_bridge_by_group(s bridge_summary, method text DEFAULT 'price_volume_mix')
    RETURNS TABLE (item_group text, base numeric, volume numeric, mix numeric, price numeric,
                   cost numeric, interaction numeric, new_items numeric, discontinued numeric,
                   current numeric, method text)
    AS 'MODULE_PATHNAME', 'bridge_revenue_bridge_by_group' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    ROWS 100;
COMMENT ON FUNCTION revenue_bridge_by_group(bridge_summary, text) IS
    'the company revenue bridge reported by item group: per group the exact sum of its items'' revenue_bridge rows, and the company total row (item_group NULL)';
