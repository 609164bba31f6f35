-- test/procedure_report/report.sql: the stored-procedure report of test/t_procedure_report.sh.
-- A finance team's monthly KPI job, as it would be scheduled (pg_cron, cron + psql):
--     CALL finance.build_monthly_kpi(date '2024-01-01', date '2024-06-01');
-- builds finance.monthly_kpi (one row per month and region) from the indicator center
-- (metric_values) and from stored daily summaries (rollup of margin_summary / ratio_summary),
-- committing month by month and logging each run in finance.kpi_runs.
-- Then every column of the table is checked against hand-written SQL over the raw rows.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS retail_kpi;

-- ---- data: sales lines and store traffic, 2023-12 .. 2024-06, 6 stores in 2 regions (+ one store
-- without a region), some NULL costs
CREATE SCHEMA shop;
CREATE TABLE shop.stores (store_id int PRIMARY KEY, region text);
INSERT INTO shop.stores VALUES (1, 'north'), (2, 'north'), (3, 'north'), (4, 'south'), (5, 'south'), (6, NULL);
CREATE TABLE shop.sales (sale_date date NOT NULL, store_id int NOT NULL, region text, revenue numeric(12,2),
                         cost numeric(12,2), units int, txn int);
INSERT INTO shop.sales
SELECT date '2023-12-01' + (g * 13 % 213), 1 + g % 6, (SELECT region FROM shop.stores WHERE store_id = 1 + g % 6),
       round(((g * 53) % 2000) / 9.0 + 0.05, 2),
       CASE WHEN g % 211 = 0 THEN NULL ELSE round(((g * 29) % 1700) / 13.0 + (g % 7), 2) END,
       1 + g % 4, g / 2
FROM generate_series(1, 20000) g;
CREATE TABLE shop.traffic (day date, store_id int, region text, visitors int);
INSERT INTO shop.traffic
SELECT date '2023-12-01' + d, s, (SELECT region FROM shop.stores WHERE store_id = s), 100 + (d * s * 7) % 90
FROM generate_series(0, 212) d, generate_series(1, 6) s;

-- stored daily summaries (what the nightly ETL keeps)
CREATE TABLE shop.daily_store_summary AS
SELECT sale_date AS day, store_id, region,
       retail_kpi.margin_agg(revenue, cost, units) AS margin,
       retail_kpi.ratio_agg(units, txn) AS units_per_txn_parts
FROM shop.sales GROUP BY 1, 2, 3;

-- ---- the indicator center
\o /dev/null
SELECT retail_kpi.define_dimension('region', 'Region', '区域');
SELECT retail_kpi.define_dimension('store', 'Store', '门店');
SELECT retail_kpi.define_source('sales', 'shop.sales', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT retail_kpi.define_source('traffic', 'shop.traffic', 'day', '{"store": "store_id", "region": "region"}');
SELECT retail_kpi.define_measure('net_sales', 'sales', 'sum', 'revenue', unit => 'CNY');
SELECT retail_kpi.define_measure('sales_summary', 'sales', 'margin_agg', 'revenue, cost, units');
SELECT retail_kpi.define_measure('transactions', 'sales', 'count_distinct', 'txn');
SELECT retail_kpi.define_measure('visitors', 'traffic', 'sum', 'visitors');
SELECT retail_kpi.define_metric('net_sales', 'Net sales', measure => 'net_sales', unit => 'CNY');
SELECT retail_kpi.define_metric('sales_summary', 'Sales summary', measure => 'sales_summary');
SELECT retail_kpi.define_metric('transactions', 'Transactions', measure => 'transactions');
SELECT retail_kpi.define_metric('visitors', 'Visitors', measure => 'visitors');
SELECT retail_kpi.define_metric('gross_margin_rate', 'Gross margin rate', 'derived',
                                expression => 'margin_rate(sales_summary)');
SELECT retail_kpi.define_metric('conversion_rate', 'Conversion rate', 'ratio',
                                numerator => 'transactions', denominator => 'visitors');

\o
-- ---- the report: table, run log, procedures
CREATE SCHEMA finance;
CREATE TABLE finance.monthly_kpi (
    month              date NOT NULL,
    region             text,                     -- NULL: the store without a region
    net_sales          numeric NOT NULL,         -- metric_values exact_value
    net_sales_mom      float8,                   -- change vs the previous month (metric_values compare)
    gross_margin_rate  float8,                   -- derived metric
    conversion_rate    float8,                   -- ratio metric (transactions / visitors)
    gross_profit       numeric,                  -- from the stored daily summaries (rollup)
    margin_rate_stored float8,                   -- margin_rate(rollup(daily summaries))
    units_per_txn_sum  numeric,                  -- numerator(rollup(ratio summaries)) = sum(units)
    built_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE NULLS NOT DISTINCT (month, region)
);
CREATE TABLE finance.kpi_runs (month date, rows_written int, finished_at timestamptz DEFAULT clock_timestamp());

-- One month: replaces that month's rows.
CREATE PROCEDURE finance.build_month(p_month date)
LANGUAGE plpgsql AS $$
DECLARE
    m_start date := date_trunc('month', p_month)::date;
    m_end   date := (date_trunc('month', p_month) + interval '1 month - 1 day')::date;
    n int;
BEGIN
    DELETE FROM finance.monthly_kpi WHERE month = m_start;
    INSERT INTO finance.monthly_kpi (month, region, net_sales, net_sales_mom, gross_margin_rate, conversion_rate,
                                     gross_profit, margin_rate_stored, units_per_txn_sum)
    WITH mv AS (
        SELECT metric, period_start, dimension_values->>'region' AS region, value, exact_value, change
        FROM retail_kpi.metric_values(ARRAY['net_sales', 'gross_margin_rate', 'conversion_rate'], ARRAY['region'],
                                      from_date => m_start, to_date => m_end, grain => 'month',
                                      compare => 'previous_period')
        WHERE period_start = m_start
    ), stored AS (
        SELECT region, retail_kpi.gross_profit(retail_kpi.rollup(margin)) AS gp,
               retail_kpi.margin_rate(retail_kpi.rollup(margin)) AS mr,
               retail_kpi.numerator(retail_kpi.rollup(units_per_txn_parts)) AS units
        FROM shop.daily_store_summary WHERE day BETWEEN m_start AND m_end GROUP BY region
    )
    SELECT m_start, r.region,
           max(mv.exact_value) FILTER (WHERE mv.metric = 'net_sales'),
           max(mv.change) FILTER (WHERE mv.metric = 'net_sales'),
           max(mv.value) FILTER (WHERE mv.metric = 'gross_margin_rate'),
           max(mv.value) FILTER (WHERE mv.metric = 'conversion_rate'),
           s.gp, s.mr, s.units
    FROM (SELECT DISTINCT region FROM mv) r
    JOIN mv ON mv.region IS NOT DISTINCT FROM r.region
    LEFT JOIN stored s ON s.region IS NOT DISTINCT FROM r.region
    GROUP BY r.region, s.gp, s.mr, s.units;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO finance.kpi_runs (month, rows_written) VALUES (m_start, n);
END
$$;
COMMENT ON PROCEDURE finance.build_month(date) IS 'rebuilds one month of finance.monthly_kpi';

-- A range of months, one transaction per month (a failure keeps the months already built).
CREATE PROCEDURE finance.build_monthly_kpi(from_month date, to_month date)
LANGUAGE plpgsql AS $$
DECLARE
    m date := date_trunc('month', from_month)::date;
BEGIN
    WHILE m <= to_month LOOP
        CALL finance.build_month(m);
        COMMIT;
        m := (m + interval '1 month')::date;
    END LOOP;
END
$$;
COMMENT ON PROCEDURE finance.build_monthly_kpi(date, date) IS 'the scheduled job: rebuilds finance.monthly_kpi month by month';

-- ---- run it (twice: the job must be idempotent)
CALL finance.build_monthly_kpi(date '2024-01-01', date '2024-06-01');
CREATE TEMP TABLE first_run AS SELECT * FROM finance.monthly_kpi;
CALL finance.build_monthly_kpi(date '2024-01-01', date '2024-06-01');

\echo '==== finance.monthly_kpi (the report) ===='
SELECT month, coalesce(region, '(none)') AS region, net_sales, round(net_sales_mom::numeric, 4) AS mom,
       round(gross_margin_rate::numeric, 4) AS gmr, round(conversion_rate::numeric, 4) AS conv,
       gross_profit, units_per_txn_sum AS units
FROM finance.monthly_kpi ORDER BY month, region NULLS LAST;

-- ---- checks against hand-written SQL over the raw rows
CREATE TEMP TABLE hand AS
WITH s AS (
    SELECT date_trunc('month', sale_date)::date AS month, region,
           sum(revenue) AS net_sales,
           sum(revenue) FILTER (WHERE cost IS NOT NULL) AS rev_c,
           sum(cost) FILTER (WHERE revenue IS NOT NULL) AS cost_r,
           sum(units) FILTER (WHERE revenue IS NOT NULL AND cost IS NOT NULL) AS units,
           count(DISTINCT txn) AS txns
    FROM shop.sales WHERE sale_date >= '2023-12-01' AND sale_date < '2024-07-01' GROUP BY 1, 2
), t AS (
    SELECT date_trunc('month', day)::date AS month, region, sum(visitors) AS visitors
    FROM shop.traffic GROUP BY 1, 2
)
SELECT s.month, s.region, s.net_sales,
       (s.net_sales - p.net_sales) / nullif(p.net_sales, 0) AS mom,
       (s.rev_c - s.cost_r) / nullif(s.rev_c, 0) AS gmr,
       s.txns::numeric / nullif(t.visitors, 0) AS conv,
       s.rev_c - s.cost_r AS gross_profit, s.units
FROM s LEFT JOIN s p ON p.month = s.month - interval '1 month' AND p.region IS NOT DISTINCT FROM s.region
LEFT JOIN t ON t.month = s.month AND t.region IS NOT DISTINCT FROM s.region
WHERE s.month >= '2024-01-01';

\echo '==== checks ===='
CREATE TEMP TABLE checks (name text, ok boolean);
INSERT INTO checks
SELECT 'rows: one per month and region (6 months x 3 regions)',
       (SELECT count(*) FROM finance.monthly_kpi) = 18 AND (SELECT count(*) FROM hand) = 18
UNION ALL
SELECT 'same (month, region) keys as the hand SQL',
       NOT EXISTS (SELECT month, region FROM finance.monthly_kpi EXCEPT SELECT month, region FROM hand)
       AND NOT EXISTS (SELECT month, region FROM hand EXCEPT SELECT month, region FROM finance.monthly_kpi)
UNION ALL
SELECT 'net_sales = sum(revenue), digit for digit (text equality)',
       bool_and(k.net_sales::text = h.net_sales::text)
FROM finance.monthly_kpi k JOIN hand h ON h.month = k.month AND h.region IS NOT DISTINCT FROM k.region
UNION ALL
SELECT 'gross_profit (rollup of stored summaries) = sum(revenue) - sum(cost), digit for digit',
       bool_and(k.gross_profit::text = h.gross_profit::text)
FROM finance.monthly_kpi k JOIN hand h ON h.month = k.month AND h.region IS NOT DISTINCT FROM k.region
UNION ALL
SELECT 'units (rollup of ratio summaries) = sum(units)',
       bool_and(k.units_per_txn_sum = (SELECT sum(units) FROM shop.sales x
                                       WHERE date_trunc('month', x.sale_date) = k.month
                                         AND x.region IS NOT DISTINCT FROM k.region AND x.txn IS NOT NULL))
FROM finance.monthly_kpi k
UNION ALL
SELECT 'gross_margin_rate (metric) = margin_rate(rollup(stored summaries)), exactly',
       bool_and(k.gross_margin_rate = k.margin_rate_stored) FROM finance.monthly_kpi k
UNION ALL
SELECT 'gross_margin_rate = (revenue - cost) / revenue (relative 1e-15)',
       bool_and(abs(k.gross_margin_rate - h.gmr::float8) <= 1e-15 * abs(h.gmr::float8))
FROM finance.monthly_kpi k JOIN hand h ON h.month = k.month AND h.region IS NOT DISTINCT FROM k.region
UNION ALL
SELECT 'conversion_rate = count(DISTINCT txn) / sum(visitors) (relative 1e-15)',
       bool_and(abs(k.conversion_rate - h.conv::float8) <= 1e-15 * abs(h.conv::float8))
FROM finance.monthly_kpi k JOIN hand h ON h.month = k.month AND h.region IS NOT DISTINCT FROM k.region
UNION ALL
SELECT 'net_sales_mom = (this - previous) / previous (relative 1e-15), January included',
       bool_and(k.net_sales_mom IS NOT NULL AND abs(k.net_sales_mom - h.mom::float8) <= 1e-15 * abs(h.mom::float8))
FROM finance.monthly_kpi k JOIN hand h ON h.month = k.month AND h.region IS NOT DISTINCT FROM k.region
UNION ALL
SELECT 'second CALL gives the same table (idempotent)',
       NOT EXISTS (SELECT month, region, net_sales, net_sales_mom, gross_margin_rate, conversion_rate, gross_profit,
                          margin_rate_stored, units_per_txn_sum FROM first_run
                   EXCEPT SELECT month, region, net_sales, net_sales_mom, gross_margin_rate, conversion_rate,
                          gross_profit, margin_rate_stored, units_per_txn_sum FROM finance.monthly_kpi)
       AND (SELECT count(*) FROM first_run) = (SELECT count(*) FROM finance.monthly_kpi)
UNION ALL
SELECT 'run log: 12 month runs of 3 rows each (COMMIT per month)',
       (SELECT count(*) FROM finance.kpi_runs) = 12 AND (SELECT bool_and(rows_written = 3) FROM finance.kpi_runs)
UNION ALL
SELECT 'the hand SQL is not degenerate (no NULL ratios, some NULL costs skipped)',
       (SELECT bool_and(gmr IS NOT NULL AND conv IS NOT NULL AND mom IS NOT NULL) FROM hand)
       AND (SELECT count(*) FROM shop.sales WHERE cost IS NULL) > 0;

SELECT CASE WHEN ok THEN 'ok      ' ELSE 'FAILED  ' END || name AS result FROM checks;
SELECT format('%s passed, %s failed', count(*) FILTER (WHERE ok), count(*) FILTER (WHERE ok IS NOT TRUE)) AS summary,
       bool_and(coalesce(ok, false)) AS all_ok
FROM checks \gset
\echo :summary
\if :all_ok
\else
  DO $$ BEGIN RAISE EXCEPTION 'procedure report: some checks failed'; END $$;
\endif
