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
