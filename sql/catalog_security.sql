-- sql/catalog_security.sql: the rules of docs/security.md one by one (the multi-session attack suite
-- is test/t_security.sh): who may write and certify (R1-R3), evaluation runs trusted code only (R4),
-- own alert rules only and per-rule error rows (R5), identity by OID (R6), private rows and
-- sensitive metrics and the read audit (R7), qualified operators (R9), limits (R10), stored SQL
-- regenerated (R11).
SET search_path = retail_kpi, public;
\set VERBOSITY terse
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metric_grants;
DELETE FROM metrics; DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions; DELETE FROM trusted_roles;

CREATE ROLE rk_secsql_steward;
CREATE ROLE rk_secsql_author;
CREATE ROLE rk_secsql_mallory;
CREATE ROLE rk_secsql_reader;
CREATE ROLE rk_secsql_nobody;
CREATE ROLE rk_secsql_etl;
GRANT retail_kpi_admin TO rk_secsql_steward;
GRANT retail_kpi_author TO rk_secsql_author, rk_secsql_mallory;
GRANT retail_kpi_reader TO rk_secsql_reader;

CREATE SCHEMA rk_secsql;
GRANT USAGE ON SCHEMA rk_secsql TO PUBLIC;
GRANT CREATE ON SCHEMA rk_secsql TO rk_secsql_mallory, rk_secsql_etl;
-- a log any role may append to: who ran code planted by mallory
CREATE TABLE rk_secsql.ran (by_role name, what text);
GRANT INSERT, SELECT ON rk_secsql.ran TO PUBLIC;
CREATE TABLE rk_secsql.sales (sale_date date, region text, revenue numeric, cost numeric, units numeric);
INSERT INTO rk_secsql.sales VALUES ('2025-01-10', 'north', 100, 60, 1), ('2025-01-20', 'south', 50, 20, 2),
                                   ('2025-02-10', 'north', 80, 50, 4);
ALTER TABLE rk_secsql.sales OWNER TO rk_secsql_etl;
GRANT SELECT ON rk_secsql.sales TO PUBLIC;

-- ---- R1: writing needs a grant
SET ROLE rk_secsql_nobody;
SELECT define_dimension('region', 'Region');                             -- 42501
SELECT define_source('sales', 'rk_secsql.sales', 'sale_date', '{}');     -- 42501
SET ROLE rk_secsql_steward;
SELECT define_dimension('region', 'Region', '区域');
SELECT define_source('sales', 'rk_secsql.sales', 'sale_date', '{"region": "region"}');
SELECT define_measure('revenue', 'sales', 'sum', 'revenue');
SELECT define_measure('sales_summary', 'sales', 'margin_agg', 'revenue, cost, units');
SELECT define_metric('revenue', 'Revenue', measure => 'revenue');
SELECT define_metric('sales_summary', 'Sales summary', measure => 'sales_summary');
SELECT define_metric('gross_margin_rate', 'Gross margin rate', 'derived', expression => 'margin_rate(sales_summary)');
-- the sales table belongs to the ETL role, which the stewards have not trusted yet: no certification (R2)
SELECT set_metric_status('revenue', 'certified');
SELECT trust_role('rk_secsql_etl', 'owns the fact tables');
SELECT set_metric_status('revenue', 'certified');
SELECT set_metric_status('gross_margin_rate', 'certified');
RESET ROLE;
SELECT code, owner, status FROM metrics ORDER BY code;
SELECT role, trusted_by, reason FROM trusted_roles;

-- ---- R2/R3: authors cannot certify, nor change what a certified metric rests on
SET ROLE rk_secsql_author;
SELECT define_metric('my_revenue', 'My revenue', measure => 'revenue', status => 'certified');     -- 42501
SELECT define_metric('my_revenue', 'My revenue', measure => 'revenue');
SELECT set_metric_status('my_revenue', 'certified');                                              -- 42501
SELECT define_measure('revenue', 'sales', 'sum', 'revenue * 2');        -- not the owner: 42501
RESET ROLE;
-- even as the owner of an upstream measure, an author cannot change it under a certified metric
SELECT reassign_catalog_owner('measure', 'revenue', 'rk_secsql_author');          -- the superuser is a steward
SET ROLE rk_secsql_author;
SELECT define_measure('revenue', 'sales', 'sum', 'revenue * 2');        -- 42501: certified revenue depends on it
SELECT drop_catalog_object('measure', 'revenue');                      -- 42501 as well
SELECT deprecate_metric('my_revenue');                                 -- its own draft: fine
SET ROLE rk_secsql_steward;
SELECT define_measure('revenue', 'sales', 'sum', 'revenue', description => 'reviewed by a steward');
SELECT reassign_catalog_owner('measure', 'revenue', 'rk_secsql_steward', 'back to the stewards');
SET ROLE rk_secsql_author;
SELECT reassign_catalog_owner('metric', 'my_revenue', 'rk_secsql_author');        -- stewards only: 42501
SELECT trust_role('rk_secsql_author');                                             -- stewards only: 42501
RESET ROLE;
SELECT code, action, changed_by, reason FROM catalog_history WHERE object_type = 'measure' AND code = 'revenue' ORDER BY id;

-- ---- R4: evaluating runs code of trusted roles (or the reader's own) only
SET ROLE rk_secsql_mallory;
CREATE FUNCTION rk_secsql.tag(x numeric) RETURNS numeric LANGUAGE sql VOLATILE
    AS $$ INSERT INTO rk_secsql.ran VALUES (current_user, 'mallory''s view'); SELECT x $$;
CREATE VIEW rk_secsql.mallory_sales AS SELECT sale_date, region, rk_secsql.tag(revenue) AS revenue FROM rk_secsql.sales;
GRANT SELECT ON rk_secsql.mallory_sales TO PUBLIC;
SELECT define_source('mallory_sales', 'rk_secsql.mallory_sales', 'sale_date', '{"region": "region"}');
SELECT define_measure('mallory_revenue', 'mallory_sales', 'sum', 'revenue');
SELECT define_metric('mallory_revenue', 'Mallory''s revenue', measure => 'mallory_revenue');
-- mallory may evaluate her own view
SELECT metric, value FROM metric_values('{mallory_revenue}', grain => 'total');
SET ROLE rk_secsql_reader;
SELECT metric, value FROM metric_values('{mallory_revenue}', grain => 'total');                  -- 42501
SELECT metric_sql('{mallory_revenue}', grain => 'total') IS NOT NULL;                            -- 42501 too
SET ROLE rk_secsql_steward;
SELECT metric, value FROM metric_values('{mallory_revenue}', grain => 'total');                  -- 42501
RESET ROLE;
SELECT by_role, what, count(*) FROM rk_secsql.ran GROUP BY 1, 2 ORDER BY 1;                     -- mallory only
-- a table whose row-level security policy calls mallory's function is code as well
SET ROLE rk_secsql_mallory;
CREATE TABLE rk_secsql.mallory_rls (sale_date date, revenue numeric);
INSERT INTO rk_secsql.mallory_rls VALUES ('2025-01-01', 5);
CREATE FUNCTION rk_secsql.allow(x numeric) RETURNS boolean LANGUAGE sql VOLATILE
    AS $$ INSERT INTO rk_secsql.ran VALUES (current_user, 'mallory''s policy'); SELECT true $$;
ALTER TABLE rk_secsql.mallory_rls ENABLE ROW LEVEL SECURITY;
CREATE POLICY p ON rk_secsql.mallory_rls USING (rk_secsql.allow(revenue));
GRANT SELECT ON rk_secsql.mallory_rls TO PUBLIC;
SELECT define_source('mallory_rls', 'rk_secsql.mallory_rls', 'sale_date');
SELECT define_measure('rls_revenue', 'mallory_rls', 'sum', 'revenue');
SELECT define_metric('rls_revenue', 'RLS revenue', measure => 'rls_revenue');
-- a plain table without row-level security runs no code: anyone may read a draft over it
CREATE TABLE rk_secsql.mallory_plain (sale_date date, revenue numeric);
INSERT INTO rk_secsql.mallory_plain VALUES ('2025-01-01', 7);
GRANT SELECT ON rk_secsql.mallory_plain TO PUBLIC;
SELECT define_source('mallory_plain', 'rk_secsql.mallory_plain', 'sale_date');
SELECT define_measure('plain_revenue', 'mallory_plain', 'sum', 'revenue');
SELECT define_metric('plain_revenue', 'Plain revenue', measure => 'plain_revenue');
SET ROLE rk_secsql_reader;
SELECT metric, value FROM metric_values('{rls_revenue}', grain => 'total');                      -- 42501
SELECT metric, value FROM metric_values('{plain_revenue}', grain => 'total');                    -- 7
-- once a steward trusts mallory, her view runs for everyone
SET ROLE rk_secsql_steward;
SELECT trust_role('rk_secsql_mallory', 'reviewed');
SET ROLE rk_secsql_reader;
SELECT metric, value FROM metric_values('{mallory_revenue}', grain => 'total');                  -- 230
SET ROLE rk_secsql_steward;
SELECT distrust_role('rk_secsql_mallory', 'review withdrawn');
SELECT distrust_role('rk_secsql_mallory');                                                       -- 42704
-- the type check of a new measure plans the relation (a view's IMMUTABLE functions are folded then):
-- a steward's definition over mallory's view is refused as an evaluation would be
SELECT define_measure('steward_on_mallory', 'mallory_sales', 'sum', 'revenue');                  -- 42501
RESET ROLE;
SELECT by_role, what, count(*) FROM rk_secsql.ran GROUP BY 1, 2 ORDER BY 1, 2;
DELETE FROM rk_secsql.ran;                   -- from here on, mallory's code must not run for anyone else

-- allow-listed functions are re-checked at every compilation (R4, R11)
CREATE FUNCTION rk_secsql.double_it(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
SELECT allow_function('double_it', 'rk_secsql.double_it', 'both');
SELECT define_measure('revenue_x2', 'sales', 'sum', 'double_it(revenue)');
SELECT define_metric('revenue_x2', 'Revenue x2', measure => 'revenue_x2');
SELECT metric, value FROM metric_values('{revenue_x2}', grain => 'total');                       -- 460
CREATE OR REPLACE FUNCTION rk_secsql.double_it(x numeric) RETURNS numeric LANGUAGE sql VOLATILE AS $$ SELECT x * 2 $$;
SELECT metric, value FROM metric_values('{revenue_x2}', grain => 'total');                       -- 22023: now volatile
CREATE OR REPLACE FUNCTION rk_secsql.double_it(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT x * 2 $$;
SET ROLE rk_secsql_mallory;
CREATE FUNCTION rk_secsql.double_it(x int) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$ SELECT x * 3 $$;   -- an overload
RESET ROLE;
SELECT metric, value FROM metric_values('{revenue_x2}', grain => 'total');                       -- 42501: mallory's overload
DROP FUNCTION rk_secsql.double_it(int);
-- a stored compiled_sql changed behind the API's back is not executed (R11)
UPDATE measures SET compiled_sql = 'pg_catalog.sum(src.revenue) * 1000' WHERE code = 'revenue_x2';
SELECT metric, value FROM metric_values('{revenue_x2}', grain => 'total');                       -- still 460
SELECT count(*) AS sql_mentions_1000 FROM (SELECT metric_sql('{revenue_x2}', grain => 'total') AS q) x WHERE q LIKE '%1000%';

-- ---- R9: generated SQL uses PostgreSQL's operators whatever the search_path
CREATE SCHEMA rk_secsql_evil;
CREATE FUNCTION rk_secsql_evil.gt(numeric, integer) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO rk_secsql.ran VALUES (current_user, 'evil operator'); SELECT true $$;
CREATE OPERATOR rk_secsql_evil.> (LEFTARG = numeric, RIGHTARG = integer, FUNCTION = rk_secsql_evil.gt);
CREATE FUNCTION rk_secsql_evil.eq(text, text) RETURNS boolean LANGUAGE sql
    AS $$ INSERT INTO rk_secsql.ran VALUES (current_user, 'evil operator'); SELECT true $$;
CREATE OPERATOR rk_secsql_evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = rk_secsql_evil.eq);
SELECT define_metric('high_revenue', 'High revenue share', 'derived', expression => 'CASE WHEN revenue > 100 THEN 1 ELSE 0 END');
SET search_path = rk_secsql_evil, pg_catalog, retail_kpi;
SELECT metric, dimension_values, value FROM metric_values('{high_revenue,revenue}', '{region}', '{"region": ["north"]}', grain => 'total');
SELECT publish_metric_view('rk_secsql_view', '{high_revenue}', '{region}', grain => 'total', schema_name => 'rk_secsql');
SELECT metric, dimension_values, value FROM rk_secsql.rk_secsql_view ORDER BY 2;
SET search_path = retail_kpi, public;
SELECT count(*) AS evil_operator_calls FROM rk_secsql.ran WHERE what = 'evil operator';
SELECT metric_sql('{high_revenue}', grain => 'total') LIKE '%OPERATOR(pg_catalog.>)%' AS qualified;

-- ---- R5: check_alerts evaluates the caller's own rules; named rules fail row by row
SET ROLE rk_secsql_mallory;
SELECT define_alert_rule('mallory_rule', 'mallory_revenue', 'above', 0, grain => 'month');
SELECT define_alert_rule('mallory_on_revenue', 'revenue', 'above', 0, grain => 'month');    -- certified: allowed
SELECT define_alert_rule('mallory_on_draft', 'revenue_x2', 'above', 0);                     -- another's draft: 42501
SET ROLE rk_secsql_steward;
SELECT define_alert_rule('steward_rule', 'revenue', 'below', 1000, dimensions => '{region}');
SELECT rule, severity, period_start, dimension_values, value FROM check_alerts('2025-02-01');   -- own rule only
SELECT rule, severity, left(message, 60) AS message FROM check_alerts('2025-02-01', '{mallory_rule,steward_rule}');
RESET ROLE;
SELECT rule, severity FROM check_alerts('2025-02-01');                                       -- the superuser owns none
SELECT count(*) FILTER (WHERE by_role <> 'rk_secsql_mallory') AS code_run_as_others FROM rk_secsql.ran;   -- 0
SET ROLE rk_secsql_nobody;
SELECT rule FROM check_alerts('2025-02-01', '{steward_rule}');                               -- not visible: 42704

-- ---- R7: private rows, sensitive metrics, read audit
SET ROLE rk_secsql_steward;
SELECT set_target('revenue', '2025-01-01', 120, '{"region": "north"}');
SET ROLE rk_secsql_nobody;
SELECT count(*) AS targets, (SELECT count(*) FROM alert_rules) AS rules, (SELECT count(*) FROM catalog_history) AS history
FROM targets;
SET ROLE rk_secsql_mallory;
SELECT code FROM alert_rules ORDER BY 1;                                                    -- her own
SELECT count(*) > 0 AS sees_own_history, bool_and(object_owner = 'rk_secsql_mallory'::regrole) AS only_own
FROM catalog_history;
SET ROLE rk_secsql_reader;
SELECT count(*) AS targets, (SELECT count(*) FROM alert_rules) AS rules FROM targets;
SELECT count(*) FROM metric_read_log;                                                       -- stewards only: 42501
SET ROLE rk_secsql_steward;
SELECT restrict_metric('revenue');
SELECT grant_metric('revenue', 'rk_secsql_author');
SET ROLE rk_secsql_reader;
SELECT metric, value FROM metric_values('{revenue}', grain => 'total');                     -- 42501
SELECT metric, value FROM metric_values('{gross_margin_rate}', grain => 'total');           -- not restricted itself
SELECT define_metric('x', 'x', 'derived', expression => 'revenue + 1');                     -- reader is no author
SET ROLE rk_secsql_author;
SELECT metric, value FROM metric_values('{revenue}', grain => 'total');                     -- granted
SELECT define_metric('revenue_plus', 'Revenue plus', 'derived', expression => 'revenue + 1');
SET ROLE rk_secsql_reader;
SELECT metric, value FROM metric_values('{revenue_plus}', grain => 'total');                -- through a derived one: 42501
SET ROLE rk_secsql_steward;
SELECT revoke_metric('revenue', 'rk_secsql_author');
SELECT revoke_metric('revenue', 'rk_secsql_author');                                        -- 42704
SELECT restrict_metric('revenue', false);
SELECT set_read_audit(true, 'access audit');
SET ROLE rk_secsql_reader;
SELECT metric, value FROM metric_values('{revenue}', '{region}', grain => 'total');
SET ROLE rk_secsql_steward;
SELECT role_name, session_user_name = session_user AS session_user_logged, metrics, dimensions, grain
FROM metric_read_log ORDER BY id;
SELECT set_read_audit(false);
SET ROLE rk_secsql_author;
SELECT set_read_audit(true);                                                                -- 42501
RESET ROLE;

-- ---- R6: identity by OID
GRANT CREATE ON SCHEMA rk_secsql TO rk_secsql_steward;
SET ROLE rk_secsql_steward;
CREATE TABLE rk_secsql.moving (sale_date date, revenue numeric);
INSERT INTO rk_secsql.moving VALUES ('2025-01-01', 1);
SELECT define_source('moving', 'rk_secsql.moving', 'sale_date');
SELECT define_measure('moving_revenue', 'moving', 'sum', 'revenue');
SELECT define_metric('moving_revenue', 'Moving revenue', measure => 'moving_revenue');
ALTER TABLE rk_secsql.moving RENAME TO moved;
CREATE TABLE rk_secsql.moving (sale_date date, revenue numeric);                -- a new table under the old name
INSERT INTO rk_secsql.moving VALUES ('2025-01-01', 1000);
SELECT metric, value FROM metric_values('{moving_revenue}', grain => 'total');  -- 1: the original, renamed
SELECT problem, code, detail FROM check_catalog() WHERE problem = 'renamed_relation';
DROP TABLE rk_secsql.moved;
SELECT metric, value FROM metric_values('{moving_revenue}', grain => 'total');  -- 42P01, not the new table
RESET ROLE;
-- a dropped owner leaves orphans; a new role with the same name does not inherit them
CREATE ROLE rk_secsql_temp;
GRANT retail_kpi_author TO rk_secsql_temp;
SET ROLE rk_secsql_temp;
SELECT define_dimension('temp_dim', 'Temporary');
RESET ROLE;
DROP ROLE rk_secsql_temp;
CREATE ROLE rk_secsql_temp;
GRANT retail_kpi_author TO rk_secsql_temp;
SET ROLE rk_secsql_temp;
SELECT define_dimension('temp_dim', 'Taken over');                              -- 42501
RESET ROLE;
SELECT problem, object_type, code FROM check_catalog() WHERE problem = 'orphaned_owner';
SELECT reassign_catalog_objects((SELECT owner::oid::text FROM dimensions WHERE code = 'temp_dim'), 'rk_secsql_temp');
SELECT owner FROM dimensions WHERE code = 'temp_dim';

-- ---- R10: bounded input
SELECT define_dimension('long_label', repeat('x', 201));                        -- 22001
SELECT define_metric('long_reason', 'x', measure => 'revenue', reason => repeat('r', 1001));      -- 22001
SELECT define_metric('many_tags', 'x', measure => 'revenue', tags => array_fill('t'::text, ARRAY[33]));   -- 54000
SELECT metric_sql(array_fill('revenue'::text, ARRAY[101]));                     -- 54000
SELECT metric_sql('{revenue}', filters => (SELECT jsonb_object_agg('d' || g, 1) FROM generate_series(1, 33) g));  -- 54000
-- a chain of derived metrics, each using the previous one three times (x + x - x: the same value):
-- compiled, evaluated, checked and traced in linear time, and limited to 32 levels
SELECT define_metric('chain_0', 'chain', 'derived', expression => 'revenue + revenue + revenue');
SELECT count(define_metric('chain_' || g, 'chain', 'derived',
                           expression => format('chain_%s + chain_%s - chain_%s', g - 1, g - 1, g - 1)))
FROM generate_series(1, 30) g;
SELECT define_metric('chain_31', 'chain', 'derived', expression => 'chain_30 + chain_30');
SELECT define_metric('chain_32', 'chain', 'derived', expression => 'chain_31 + chain_31');       -- 54001: 33 levels
SET statement_timeout = '20s';
SELECT count(*) AS lineage_rows FROM metric_lineage('chain_31');
SELECT count(*) AS duplicate_chains FROM check_catalog() WHERE problem = 'duplicate_definition' AND code LIKE 'chain%';
SELECT metric, value FROM metric_values('{chain_31,chain_0}', grain => 'total');              -- 2 x 690 and 690
RESET statement_timeout;

-- cleanup (roles are cluster-wide)
RESET ROLE;
DELETE FROM catalog_functions WHERE NOT builtin;
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metric_grants;
DELETE FROM metrics; DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions; DELETE FROM trusted_roles;
DELETE FROM metric_read_log; DELETE FROM catalog_settings;
DROP SCHEMA rk_secsql CASCADE;
DROP SCHEMA rk_secsql_evil CASCADE;
DROP OWNED BY rk_secsql_mallory, rk_secsql_etl, rk_secsql_temp, rk_secsql_steward;
DROP ROLE rk_secsql_steward, rk_secsql_author, rk_secsql_mallory, rk_secsql_reader, rk_secsql_nobody,
          rk_secsql_etl, rk_secsql_temp;
