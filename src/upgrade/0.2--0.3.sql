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


-- (end of the C families section)
