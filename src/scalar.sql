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
