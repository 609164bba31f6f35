-- test/demo/report_92_forecast.sql: will we make the target? Forecasts of the governed net_sales metric
-- (docs/catalog_forecast.md) on the demo company, after report_90_scorecard.sql bound the catalog and
-- set the stores' budget for November 2025 - January 2026:
--   * next quarter (February - April 2026) by region, monthly, with 95 % intervals (metric_forecast);
--   * the forecast written as targets of scenario 'forecast' (forecast_to_target);
--   * January 2026 seen on 16 January: projected attainment against the budget (metric_vs_target with
--     a projection), then checked against what January really turned out to be;
--   * an alert on projected attainment;
--   * the backtest accuracy of the methods on the demo data (forecast_accuracy), reported as it is.
SET search_path = retail_kpi, retail_demo, public;
\pset footer off
\pset null '-'
SET client_min_messages = warning;

\echo
\echo '=== 92. Forecasts of a governed KPI: will we make the target? (业绩预测) ==='
\echo '--- net sales by region, next retail quarter (Feb - Apr 2026), from the 24 whole months Feb 2024 - Jan 2026'
\echo '    method auto: Holt-Winters (24 months = two seasons of 12); 95 % prediction intervals'
SELECT dimension_values->>'region' AS region, to_char(period_start, 'YYYY-MM') AS month,
       round(point::numeric, 0) AS forecast, round(lower::numeric, 0) AS low_95, round(upper::numeric, 0) AS high_95,
       method_used AS method, history_periods AS months
FROM metric_forecast('net_sales', 3, '{region}', from_date => '2024-02-01', to_date => '2026-01-31')
ORDER BY 1, 2;
\echo '--- the quarter per region: the sum of the monthly points, beside the same quarter last year;'
\echo '    low / high are sums of the monthly bounds (at least as wide as the 95 % interval of the sum)'
WITH f AS (
    SELECT dimension_values->>'region' AS region, sum(point) AS q, sum(lower) AS lo, sum(upper) AS hi
    FROM metric_forecast('net_sales', 3, '{region}', from_date => '2024-02-01', to_date => '2026-01-31') GROUP BY 1),
ly AS (
    SELECT dimension_values->>'region' AS region, sum(exact_value) AS ly
    FROM metric_values('{net_sales}', '{region}', NULL, '2025-02-01', '2025-04-30', 'total') GROUP BY 1)
SELECT region, round(q::numeric, 0) AS "Q1 FY2026 forecast", round(lo::numeric, 0) AS low, round(hi::numeric, 0) AS high,
       round(ly, 0) AS "Q1 FY2025 actual", to_char(100 * (q::numeric / ly - 1), 'FM990.0') || ' %' AS "vs last year"
FROM f JOIN ly USING (region) ORDER BY region;

\echo
\echo '--- the forecast as targets of scenario "forecast" (beside the budget), by region and month'
SELECT count(*) AS forecast_targets_written, min(period_start) AS first_month, max(period_start) AS last_month
FROM forecast_to_target('net_sales', 3, '{region}', from_date => '2024-02-01', to_date => '2026-01-31',
                        reason => 'demo: forecast of Q1 FY2026');
SELECT scenario, count(*) AS targets, sum(value) AS total FROM targets
WHERE metric = 'net_sales' AND period_start >= '2026-02-01' GROUP BY 1;

\echo
\echo '--- January 2026 seen on 16 January: actual of 1-15 January + forecast of 16-31 January against the'
\echo '    budget (stores with a target, rolled up to regions); daily Holt-Winters (damped, weekly season)'
\echo '    on the 364 days before; low / high: the 95 % interval of the sum of the daily forecasts'
SELECT dimension_values->>'region' AS region, target, round(actual_to_date::numeric, 0) AS "actual 1-15 Jan",
       round((projected_value - actual_to_date)::numeric, 0) AS "forecast 16-31 Jan",
       round(projected_value::numeric, 0) AS projected,
       to_char(100 * projected_attainment, 'FM990.0') || ' %' AS "projected 达成率",
       round(projected_lower::numeric, 0) AS low, round(projected_upper::numeric, 0) AS high,
       projection_method AS method
FROM metric_vs_target('net_sales', '{region}', NULL, '2026-01-01', '2026-01-31', as_of => '2026-01-16', projection => 'auto')
ORDER BY 1;
\echo '--- ... and what January turned out to be (the demo data know it): error of the projection. The daily'
\echo '    model has a weekly season only (a yearly one needs two years of days): it carries the level of early'
\echo '    January into its second half, which sells less in this data set, so it overshoots in every region'
SELECT dimension_values->>'region' AS region, round(projected_value::numeric, 0) AS projected,
       round(actual::numeric, 0) AS "actual January", to_char(100 * (projected_value / actual - 1), 'FMS990.00') || ' %' AS error,
       CASE WHEN actual BETWEEN projected_lower AND projected_upper THEN 'yes' ELSE 'no' END AS "inside low-high",
       to_char(100 * attainment, 'FM990.0') || ' %' AS "actual 达成率"
FROM metric_vs_target('net_sales', '{region}', NULL, '2026-01-01', '2026-01-31', as_of => '2026-01-16', projection => 'auto')
ORDER BY 1;

\echo
\echo '--- an alert while the month is running: projected attainment below 105 % (check_alerts as of 2026-01-16)'
SELECT define_alert_rule('january_at_risk', 'net_sales', 'projected_attainment_below', 1.05, dimensions => '{region}',
                         severity => 'warning', reason => 'demo') IS NOT NULL AS ok \gset
SELECT severity, dimension_values->>'region' AS region, message FROM check_alerts('2026-01-16', '{january_at_risk}')
ORDER BY region;

\echo
\echo '--- backtest accuracy on the demo data (rolling origin, forecast_accuracy; MASE < 1: better than the'
\echo '    in-sample seasonal naive). Daily net sales by region, the projection''s setting: 16 days ahead,'
\echo '    the last 60 origins, parameters re-estimated at each origin'
WITH s AS (
    SELECT dimension_values->>'region' AS region, series_agg(period_start, exact_value) AS s
    FROM metric_values('{net_sales}', '{region}', NULL, '2024-02-04', '2026-01-31', 'day') GROUP BY 1)
SELECT s.region, a.method, a.origins, a.forecasts, round(a.mae::numeric, 0) AS mae,
       round(a.smape::numeric, 2) AS "sMAPE %", round(a.mase::numeric, 3) AS mase
FROM s, forecast_accuracy(s.s, 16, 'holt_winters', season_length => 7, trend => 'damped', origins => 60, gaps => 'zero') a
ORDER BY 1, 2;
\echo '--- monthly net sales by region (24 months): Holt-Winters needs 24 months to fit, so it cannot be'
\echo '    backtested here; Holt (trend, no season) 3 months ahead vs seasonal naive, every origin'
WITH s AS (
    SELECT dimension_values->>'region' AS region, series_agg(period_start, exact_value) AS s
    FROM metric_values('{net_sales}', '{region}', NULL, '2024-02-01', '2026-01-31', 'month') GROUP BY 1)
SELECT s.region, a.method, a.origins, a.forecasts, round(a.mae::numeric, 0) AS mae,
       round(a.smape::numeric, 2) AS "sMAPE %", round(a.mase::numeric, 3) AS mase
FROM s, forecast_accuracy(s.s, 3, 'holt', season_length => 12) a
ORDER BY 1, 2;
RESET client_min_messages;
