-- test/jdbc/setup.sql: the data and catalog the JDBC client test (test/t_jdbc.sh) works on.
-- A small sales table, a source/measure/metric set over it, a stored table of daily summaries and a
-- published metric view, in schema jdbc_shop.
\set ON_ERROR_STOP 1
CREATE EXTENSION IF NOT EXISTS retail_kpi;
CREATE SCHEMA jdbc_shop;
CREATE TABLE jdbc_shop.sales (sale_date date NOT NULL, store text NOT NULL, revenue numeric(12,2),
                              cost numeric(12,2), units int);
-- 2024-01-01 .. 2024-06-29, 3 stores, amounts with cents; a few NULL revenues (skipped by the aggregates)
INSERT INTO jdbc_shop.sales
SELECT date '2024-01-01' + (g % 181), (ARRAY['north', 'south', 'east'])[1 + g % 3],
       CASE WHEN g % 97 = 0 THEN NULL ELSE round(((g * 37) % 1000) / 7.0 + 0.01, 2) END,
       round(((g * 37) % 1000) / 11.0, 2), 1 + g % 5
FROM generate_series(1, 5000) g;
CREATE TABLE jdbc_shop.daily_summary (day date, store text, s retail_kpi.margin_summary,
                                      PRIMARY KEY (day, store));

SELECT retail_kpi.define_dimension('store', 'Store', '门店');
SELECT retail_kpi.define_source('jdbc_sales', 'jdbc_shop.sales', 'sale_date', '{"store": "store"}');
SELECT retail_kpi.define_measure('jdbc_net_sales', 'jdbc_sales', 'sum', 'revenue', unit => 'CNY');
SELECT retail_kpi.define_measure('jdbc_sales_summary', 'jdbc_sales', 'margin_agg', 'revenue, cost, units');
SELECT retail_kpi.define_metric('jdbc_net_sales', 'Net sales', measure => 'jdbc_net_sales', unit => 'CNY');
SELECT retail_kpi.define_metric('jdbc_sales_summary', 'Sales summary', measure => 'jdbc_sales_summary');
SELECT retail_kpi.define_metric('jdbc_gross_margin_rate', 'Gross margin rate', 'derived',
                                expression => 'margin_rate(jdbc_sales_summary)');
SELECT retail_kpi.publish_metric_view('jdbc_monthly_sales', ARRAY['jdbc_net_sales', 'jdbc_gross_margin_rate'],
                                      ARRAY['store'], from_date => '2024-01-01', to_date => '2024-06-30',
                                      grain => 'month', schema_name => 'jdbc_shop');

-- the nightly ETL step a BI team would schedule: (re)builds the daily summaries of a date range
CREATE PROCEDURE jdbc_shop.refresh_daily_summary(from_date date, to_date date)
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM jdbc_shop.daily_summary WHERE day BETWEEN from_date AND to_date;
    INSERT INTO jdbc_shop.daily_summary (day, store, s)
    SELECT sale_date, store, retail_kpi.margin_agg(revenue, cost, units)
    FROM jdbc_shop.sales WHERE sale_date BETWEEN from_date AND to_date
    GROUP BY 1, 2;
END
$$;
