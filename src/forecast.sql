-- src/forecast.sql: the forecast family (series_summary, series_agg, rollup, series_points,
-- forecast, forecast_model, forecast_accuracy).

CREATE TYPE series_summary;

CREATE FUNCTION series_summary_in(cstring) RETURNS series_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION series_summary_out(series_summary) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION series_summary_recv(internal) RETURNS series_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION series_summary_send(series_summary) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE series_summary (
    INPUT = series_summary_in,
    OUTPUT = series_summary_out,
    RECEIVE = series_summary_recv,
    SEND = series_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = extended
);
COMMENT ON TYPE series_summary IS
    'a KPI series: per period date, the exact sum of the values; text form (v1,rows=N,YYYY-MM-DD:value,...)';
COMMENT ON FUNCTION series_summary_in(cstring) IS 'text input of series_summary';
COMMENT ON FUNCTION series_summary_out(series_summary) IS 'text output of series_summary';
COMMENT ON FUNCTION series_summary_recv(internal) IS 'binary input of series_summary';
COMMENT ON FUNCTION series_summary_send(series_summary) IS 'binary output of series_summary';

CREATE FUNCTION series_agg_trans(series_summary, date, numeric) RETURNS series_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION series_summary_combine(series_summary, series_summary) RETURNS series_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
CREATE FUNCTION series_summary_final(series_summary) RETURNS series_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION series_agg_trans(series_summary, date, numeric) IS
    'transition function of series_agg(period, value)';
COMMENT ON FUNCTION series_summary_combine(series_summary, series_summary) IS
    'merges two series summaries by adding same-period values (combine function, and the transition of rollup)';
COMMENT ON FUNCTION series_summary_final(series_summary) IS
    'final function of series_agg and rollup: trims the growth room of the aggregate state';

CREATE AGGREGATE series_agg(period date, value numeric) (
    SFUNC = series_agg_trans,
    STYPE = series_summary,
    FINALFUNC = series_summary_final,
    COMBINEFUNC = series_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE series_agg(date, numeric) IS
    'series summary of rows: per period date, the exact sum of value (rows of the same period add up; rows with a NULL period or value are skipped)';

CREATE AGGREGATE rollup(series_summary) (
    SFUNC = series_summary_combine,
    STYPE = series_summary,
    FINALFUNC = series_summary_final,
    COMBINEFUNC = series_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE rollup(series_summary) IS
    'merges stored series summaries into one, adding the values of the same period (same result as aggregating the raw rows)';

CREATE FUNCTION row_count(series_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'series_row_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION row_count(series_summary) IS 'number of rows the summary was built from';

CREATE FUNCTION series_points(s series_summary)
RETURNS TABLE (period date, value numeric)
    AS 'MODULE_PATHNAME', 'series_points'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION series_points(series_summary) IS
    'the periods of a series summary in date order, with the exact sum of each';

CREATE FUNCTION forecast(s series_summary, horizon int, method text DEFAULT 'holt_winters',
                         season_length int DEFAULT NULL, level float8 DEFAULT 0.95,
                         alpha float8 DEFAULT NULL, beta float8 DEFAULT NULL,
                         gamma float8 DEFAULT NULL, phi float8 DEFAULT NULL,
                         trend text DEFAULT NULL, seasonal text DEFAULT NULL,
                         gaps text DEFAULT 'error')
RETURNS TABLE (step int, period date, point float8, lower float8, upper float8)
    AS 'MODULE_PATHNAME', 'series_forecast'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 12;
COMMENT ON FUNCTION forecast(series_summary, int, text, int, float8, float8, float8, float8, float8, text, text, text) IS
    'forecasts of a series for steps 1 .. horizon (naive, seasonal_naive, ses, holt, holt_winters; parameters given or estimated by least squares) with prediction intervals at the given level';

CREATE FUNCTION forecast_model(s series_summary, method text DEFAULT 'holt_winters',
                               season_length int DEFAULT NULL,
                               alpha float8 DEFAULT NULL, beta float8 DEFAULT NULL,
                               gamma float8 DEFAULT NULL, phi float8 DEFAULT NULL,
                               trend text DEFAULT NULL, seasonal text DEFAULT NULL,
                               gaps text DEFAULT 'error')
RETURNS TABLE (method text, trend text, seasonal text, season_length int, spacing text,
               periods int, filled int, alpha float8, beta float8, gamma float8, phi float8,
               sigma float8, sse float8, initial_level float8, initial_trend float8,
               level float8, trend_value float8)
    AS 'MODULE_PATHNAME', 'series_forecast_model'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 1;
COMMENT ON FUNCTION forecast_model(series_summary, text, int, float8, float8, float8, float8, text, text, text) IS
    'the model forecast() fits to a series: spacing, season length, smoothing parameters (given or estimated), residual standard deviation, initial and final states';

CREATE FUNCTION forecast_accuracy(s series_summary, horizon int, method text DEFAULT 'holt_winters',
                                  season_length int DEFAULT NULL, origins int DEFAULT NULL,
                                  alpha float8 DEFAULT NULL, beta float8 DEFAULT NULL,
                                  gamma float8 DEFAULT NULL, phi float8 DEFAULT NULL,
                                  trend text DEFAULT NULL, seasonal text DEFAULT NULL,
                                  gaps text DEFAULT 'error')
RETURNS TABLE (method text, origins int, forecasts bigint, mae float8, rmse float8, smape float8,
               mase float8)
    AS 'MODULE_PATHNAME', 'series_forecast_accuracy'
    LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE ROWS 2;
COMMENT ON FUNCTION forecast_accuracy(series_summary, int, text, int, int, float8, float8, float8, float8, text, text, text) IS
    'rolling-origin backtest of a forecasting method against the seasonal naive baseline: MAE, RMSE, sMAPE and MASE over every origin that leaves a full horizon';
