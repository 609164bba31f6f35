-- src/funnel.sql: the funnel family (funnel: step rates of a conversion funnel).

CREATE FUNCTION funnel(stage_counts bigint[], stage_names text[] DEFAULT NULL)
RETURNS TABLE (stage int, name text, count bigint, step_rate float8, rate_from_top float8,
               drop_off float8)
    AS 'MODULE_PATHNAME', 'funnel_steps'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 5;
COMMENT ON FUNCTION funnel(bigint[], text[]) IS
    'conversion funnel: one row per stage with step rate (stage / previous, 1 for stage 1), rate from top (stage / first) and drop-off (1 - step rate); a zero denominator gives NULL; NULL stage_counts gives no rows';
