/*
 * test/fuzz/sqlsmith_setup.sql -- what test/t_sqlsmith.sh loads after the demo data set: stored
 * summaries of every summary family (so that sqlsmith finds columns of our types and calls our
 * accessors, rollups and operators on them), and the unprivileged role sqlsmith connects as, with
 * timeouts so that no generated query can hang the run.
 * psql variable: role (the role to create).
 */
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE SCHEMA smith;
SET search_path = retail_kpi, retail_demo, public;

-- a small sample of the sales so that sqlsmith's joins stay fast
CREATE TABLE smith.sales_sample AS
SELECT * FROM retail_demo.sales WHERE sale_id % 50 = 0;

CREATE TABLE smith.margin_daily AS
SELECT sale_date, store_id, margin_agg(revenue, cost, units) AS s
FROM retail_demo.sales WHERE sale_date < date '2024-04-01' GROUP BY 1, 2;

CREATE TABLE smith.ratio_daily AS
SELECT sale_date, store_id, ratio_agg(discount_amount, revenue + discount_amount) AS s
FROM retail_demo.sales WHERE sale_date < date '2024-04-01' GROUP BY 1, 2;

CREATE TABLE smith.abc_store AS
SELECT store_id, abc_agg(sku_id::text, revenue) AS s FROM retail_demo.sales GROUP BY 1;

CREATE TABLE smith.promo_store AS
SELECT p.promo_id, s.store_id,
       promo_agg(s.sale_date, s.units, s.revenue, s.cost, p.start_date, p.end_date,
                 p.baseline_start, p.baseline_end) AS s
FROM retail_demo.promotions p
JOIN retail_demo.sales s ON s.sale_date BETWEEN p.baseline_start AND p.end_date
GROUP BY 1, 2;

-- families merged later: created when their type exists
DO $$
BEGIN
  IF to_regtype('retail_kpi.bridge_summary') IS NOT NULL THEN
    CREATE TABLE smith.bridge_category AS
    SELECT k.category_id, retail_kpi.bridge_agg(s.sku_id::text, s.sale_date >= date '2025-02-02',
                                                s.units, s.revenue, s.cost) AS s
    FROM retail_demo.sales s JOIN retail_demo.skus k USING (sku_id)
    GROUP BY 1;
  END IF;
  IF to_regtype('retail_kpi.stock_summary') IS NOT NULL THEN
    EXECUTE $q$
      CREATE TABLE smith.stock_store AS
      SELECT store_id, date_trunc('quarter', snapshot_date)::date AS quarter,
             retail_kpi.stock_agg(snapshot_date, on_hand_cost, on_hand_units) AS s
      FROM retail_demo.inventory_snapshots GROUP BY 1, 2$q$;
  END IF;
  IF to_regtype('retail_kpi.customer_summary') IS NOT NULL THEN
    EXECUTE $q$
      CREATE TABLE smith.customer_store_month AS
      SELECT store_id, date_trunc('month', sale_date)::date AS month,
             retail_kpi.customer_agg(customer_id, sale_date, revenue) AS s
      FROM retail_demo.sales WHERE sale_date < date '2024-07-01' GROUP BY 1, 2$q$;
  END IF;
END $$;

-- one column of every summary type of the extension, whatever families exist (generic)
CREATE TABLE smith.summary_texts (typ text, txt text);
DO $$
DECLARE r record;
BEGIN
  FOR r IN SELECT c.relname, t.typname
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
           JOIN pg_type t ON t.oid = a.atttypid
           WHERE c.relnamespace = 'smith'::regnamespace AND t.typnamespace = 'retail_kpi'::regnamespace
  LOOP
    EXECUTE format('INSERT INTO smith.summary_texts SELECT %L, s::text FROM smith.%I LIMIT 20',
                   r.typname, r.relname);
  END LOOP;
END $$;

ANALYZE;

-- the role sqlsmith connects as: unprivileged (no file access, no superuser functions), with
-- timeouts and a temp-file limit so that a generated query can neither hang nor fill the disk
CREATE ROLE :"role" LOGIN;
GRANT USAGE ON SCHEMA retail_kpi, retail_demo, smith TO :"role";
GRANT SELECT ON ALL TABLES IN SCHEMA retail_kpi, retail_demo, smith TO :"role";
ALTER ROLE :"role" SET statement_timeout = '1s';
ALTER ROLE :"role" SET lock_timeout = '1s';
ALTER ROLE :"role" SET idle_in_transaction_session_timeout = '10s';
ALTER ROLE :"role" SET temp_file_limit = '100MB';
ALTER ROLE :"role" SET work_mem = '16MB';
ALTER ROLE :"role" SET log_min_error_statement = 'fatal';  -- not the text of sqlsmith's thousands of failing queries
ALTER ROLE :"role" SET search_path = retail_kpi, smith, retail_demo, public;

SELECT (SELECT count(*) FROM smith.margin_daily) AS margin_rows,
       (SELECT count(*) FROM smith.summary_texts) AS summary_texts,
       (SELECT string_agg(DISTINCT typ, ' ' ORDER BY typ) FROM smith.summary_texts) AS summary_types;
