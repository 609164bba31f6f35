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

-- coefficient_of_variation: state float8[4] {n, sum, sum of squared deviations, variant code} for
-- float8 input; for numeric input (from 0.3) float8[9] {n, variant code, scale, exact sum and exact
-- sum of squares as 42-bit integer limbs}, the same in every plan (src/scalar.c).
CREATE FUNCTION coefficient_of_variation_trans(float8[], float8) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION coefficient_of_variation_trans(float8[], float8, text) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION coefficient_of_variation_trans(float8[], numeric) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans_numeric_exact' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION coefficient_of_variation_trans(float8[], numeric, text) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans_numeric_exact' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION coefficient_of_variation_combine(float8[], float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_combine' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION coefficient_of_variation_final(float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_cv_final' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], float8) IS
    'transition function of coefficient_of_variation(x float8)';
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], float8, text) IS
    'transition function of coefficient_of_variation(x float8, variant)';
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], numeric) IS
    'transition function of coefficient_of_variation(x numeric): exact sums of the values and of their squares';
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], numeric, text) IS
    'transition function of coefficient_of_variation(x numeric, variant): exact sums of the values and of their squares';
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
    'volatility of numeric values from exact sums (the same result in every plan): sample standard deviation / mean; NULL when fewer than 2 values or mean <= 0';

CREATE AGGREGATE coefficient_of_variation(x numeric, variant text) (
    SFUNC = coefficient_of_variation_trans,
    STYPE = float8[],
    FINALFUNC = coefficient_of_variation_final,
    COMBINEFUNC = coefficient_of_variation_combine,
    INITCOND = '{0,0,0,0}',
    PARALLEL = SAFE
);
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
