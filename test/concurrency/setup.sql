-- test/concurrency/setup.sql: data, catalog and roles for test/t_concurrency.sh.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS retail_kpi;
DO $$ BEGIN
    IF to_regrole('rk_conc_owner') IS NULL THEN CREATE ROLE rk_conc_owner LOGIN; END IF;
    -- the edit scripts write to the catalog: an author (docs/security.md, R1)
    GRANT retail_kpi_author TO rk_conc_owner;
END $$;
CREATE SCHEMA conc;
GRANT USAGE ON SCHEMA conc TO rk_conc_owner;
CREATE TABLE conc.sales (sale_date date NOT NULL, store_id int NOT NULL, region text NOT NULL,
                         revenue numeric(12,2), cost numeric(12,2), units int);
INSERT INTO conc.sales
SELECT date '2024-01-01' + (g % 366), 1 + g % 20, CASE WHEN g % 20 < 12 THEN 'north' ELSE 'south' END,
       round(((g * 37) % 3000) / 7.0 + 0.01, 2), round(((g * 31) % 2500) / 9.0, 2), 1 + g % 5
FROM generate_series(1, 60000) g;
CREATE INDEX ON conc.sales (sale_date);
-- stored daily summaries per store, refreshed concurrently by the ETL script
CREATE TABLE conc.daily_summary (day date, store_id int, region text, s retail_kpi.margin_summary,
                                 PRIMARY KEY (day, store_id));
INSERT INTO conc.daily_summary
SELECT sale_date, store_id, region, retail_kpi.margin_agg(revenue, cost, units) FROM conc.sales GROUP BY 1, 2, 3;
-- one row per committed catalog edit, written in the edit's own transaction
CREATE TABLE conc.edit_log (id bigserial PRIMARY KEY, metric text NOT NULL, reason text NOT NULL UNIQUE,
                            label text NOT NULL);
GRANT SELECT ON conc.sales TO rk_conc_owner;
GRANT SELECT, INSERT, DELETE ON conc.daily_summary TO rk_conc_owner;
GRANT SELECT, INSERT ON conc.edit_log TO rk_conc_owner;
GRANT USAGE ON SEQUENCE conc.edit_log_id_seq TO rk_conc_owner;

SELECT retail_kpi.define_dimension('region', 'Region', '区域');
SELECT retail_kpi.define_dimension('store', 'Store', '门店');
SELECT retail_kpi.define_source('conc_sales', 'conc.sales', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT retail_kpi.define_measure('net_sales', 'conc_sales', 'sum', 'revenue');
SELECT retail_kpi.define_measure('net_cost', 'conc_sales', 'sum', 'cost');
SELECT retail_kpi.define_measure('sales_summary', 'conc_sales', 'margin_agg', 'revenue, cost, units');
SELECT retail_kpi.define_metric('net_sales', 'Net sales', measure => 'net_sales');
SELECT retail_kpi.define_metric('sales_summary', 'Sales summary', measure => 'sales_summary');
SELECT retail_kpi.define_metric('gross_margin_rate', 'Gross margin rate', 'derived',
                                expression => 'margin_rate(sales_summary)');
-- the metrics the edit scripts change, owned by rk_conc_owner (pgbench runs as that role)
SELECT retail_kpi.define_metric('edit_' || i, 'Edited metric ' || i, measure => 'net_sales', owner => 'rk_conc_owner')
FROM generate_series(1, 3) i;
-- the read scripts check their results with this (an error makes pgbench report the client)
CREATE FUNCTION conc.assert(ok boolean, what text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION 'check failed: %', what;
    END IF;
    RETURN true;
END
$$;
GRANT USAGE ON SCHEMA conc TO rk_conc_owner;
