-- sql/catalog_schedule.sql: scheduling and alert events without pg_cron (the pg_cron jobs themselves,
-- NOTIFY and the attacks on jobs are in test/t_cron.sh): the clear error of every scheduling function
-- when pg_cron is not installed in this database (this database never has it: whether the server
-- preloads pg_cron does not change the output), the checks made before it, the jobs view, and
-- evaluate_alerts: events stored once per rule x period x members, computed independently by plain
-- SQL, their visibility, forged and bad input.
SET search_path = retail_kpi, public;
\set VERBOSITY terse
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metric_grants;
DELETE FROM metrics; DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions; DELETE FROM trusted_roles;

CREATE ROLE rk_sc_owner;
CREATE ROLE rk_sc_member;
CREATE ROLE rk_sc_other;
GRANT retail_kpi_author TO rk_sc_owner, rk_sc_other;
GRANT rk_sc_owner TO rk_sc_member;
CREATE SCHEMA rk_sc;
GRANT USAGE ON SCHEMA rk_sc TO PUBLIC;
-- 3 stores, Jan 1 - Feb 28 2025: store a sells 10 + d % 7, b 40 + d % 5, c 100 - d (d = day number)
CREATE TABLE rk_sc.sales (sale_date date, store text, revenue numeric);
INSERT INTO rk_sc.sales
SELECT DATE '2025-01-01' + d, s, CASE s WHEN 'a' THEN 10 + d % 7 WHEN 'b' THEN 40 + d % 5 ELSE 100 - d END
FROM generate_series(0, 58) d, unnest('{a,b,c}'::text[]) s;
GRANT SELECT ON rk_sc.sales TO PUBLIC;

SET ROLE rk_sc_owner;
SELECT define_dimension('store', 'Store');
SELECT define_source('sc_sales', 'rk_sc.sales', 'sale_date', '{"store": "store"}');
SELECT define_measure('sc_revenue', 'sc_sales', 'sum', 'revenue');
SELECT define_metric('sc_revenue', 'Revenue', measure => 'sc_revenue');
SELECT define_preaggregate('sc_day_store', 'sc_sales', '{store}', '{sc_revenue}');
-- days (by store) below 45, and months (all stores) above 4000 (January: 4332, February: 3094)
SELECT define_alert_rule('sc_low_day', 'sc_revenue', 'below', 45, grain => 'day', dimensions => '{store}');
SELECT define_alert_rule('sc_high_month', 'sc_revenue', 'above', 4000, grain => 'month', severity => 'info');

-- ---- without pg_cron in this database: 55000 with the install hint, from every scheduling function
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT schedule_preaggregate_refresh('sc_day_store');
\set VERBOSITY terse
SELECT schedule_preaggregate_refresh('sc_day_store', '0 3 * * *');                    -- 55000
SELECT unschedule_preaggregate_refresh('sc_day_store');                                -- 55000
SELECT schedule_alert_evaluation('0 6 * * *');                                         -- 55000
SELECT schedule_alert_evaluation();                                                    -- 55000
SELECT unschedule_alert_evaluation();                                                  -- 55000
-- the checks that come first: bad code, unknown pre-aggregate, a role that may not refresh it,
-- an owner the caller is not a member of
SELECT schedule_preaggregate_refresh('Bad Code');                                      -- 22023
SELECT schedule_preaggregate_refresh(NULL);                                            -- 22004
SELECT schedule_preaggregate_refresh('sc_nope');                                       -- 42704
SET ROLE rk_sc_other;
SELECT schedule_preaggregate_refresh('sc_day_store');                                  -- 42501
SELECT schedule_alert_evaluation('0 6 * * *', owner => 'rk_sc_owner');                 -- 42501
SELECT schedule_alert_evaluation('0 6 * * *', owner => 'rk_sc_nobody');                -- 42704
-- the jobs view works (empty) without pg_cron
SELECT count(*) FROM scheduled_jobs;
SET ROLE rk_sc_owner;

-- ---- evaluate_alerts: as of Jan 15, the last complete day is Jan 14 (d = 13) and month December (none)
-- store a: 10 + 13 % 7 = 16 < 45, b: 40 + 13 % 5 = 43 < 45, c: 100 - 13 = 87: a and b fire
SELECT event_id IS NOT NULL AS stored, is_new, rule, severity, period_start, members, value, threshold, message
FROM evaluate_alerts('2025-01-15') ORDER BY rule, members::text;
-- the same evaluation again: the same events, none new, nothing stored twice
SELECT is_new, rule, period_start, members FROM evaluate_alerts('2025-01-15') ORDER BY rule, members::text;
SELECT count(*) FROM alert_events;
-- a raised threshold does not make a second event of the same rule, period and members
SELECT define_alert_rule('sc_low_day', 'sc_revenue', 'below', 50, grain => 'day', dimensions => '{store}');
SELECT is_new, members, threshold FROM evaluate_alerts('2025-01-15') ORDER BY members::text;
SELECT rule, members, threshold FROM alert_events ORDER BY id;
SELECT define_alert_rule('sc_low_day', 'sc_revenue', 'below', 45, grain => 'day', dimensions => '{store}');
-- every day of January and February, once each, twice over: the events are exactly the days and
-- stores below 45 and the months above 4000, by plain SQL
SELECT count(*) FILTER (WHERE is_new) AS new_events FROM generate_series(DATE '2025-01-02', '2025-03-01', '1 day') d,
       LATERAL evaluate_alerts(d::date);
SELECT count(*) FILTER (WHERE is_new) AS new_events FROM generate_series(DATE '2025-01-02', '2025-03-01', '1 day') d,
       LATERAL evaluate_alerts(d::date);
CREATE TEMP VIEW expected_events AS
SELECT 'sc_low_day' AS rule, sale_date AS period_start, jsonb_build_object('store', store) AS members, sum(revenue)::float8 AS value
FROM rk_sc.sales GROUP BY sale_date, store HAVING sum(revenue) < 45
UNION ALL
SELECT 'sc_high_month', date_trunc('month', sale_date)::date, '{}', sum(revenue)::float8
FROM rk_sc.sales GROUP BY 2 HAVING sum(revenue) > 4000;
SELECT (SELECT count(*) FROM expected_events) AS expected,
       (SELECT count(*) FROM alert_events) AS stored,
       (SELECT count(*) FROM (SELECT rule, period_start, members, value FROM alert_events
                              EXCEPT SELECT * FROM expected_events) x) AS stored_not_expected,
       (SELECT count(*) FROM (SELECT * FROM expected_events
                              EXCEPT SELECT rule, period_start, members, value FROM alert_events) x) AS expected_not_stored;
SELECT rule, period_start, members, value, message FROM alert_events WHERE rule = 'sc_high_month';
SELECT count(DISTINCT rule_owner) AS owners, min(rule_owner::text) AS owner, min(evaluated_by) = session_user AS by_session_user
FROM alert_events;

-- ---- visibility: members of the rule's owner role see its events; other roles (authors included) do not
SET ROLE rk_sc_member;
SELECT count(*) FROM alert_events;
SET ROLE rk_sc_other;
SELECT count(*) FROM alert_events;
-- evaluate_alerts evaluates the caller's own rules only: none for rk_sc_other
SELECT count(*) FROM evaluate_alerts('2025-01-15');
-- forging: the storing helper refuses rules the current role does not own, and bad input
SELECT * FROM _catalog_store_alert_events('[{"rule": "sc_low_day", "metric": "sc_revenue", "severity": "warning", "condition": "below", "period_start": "2020-01-01", "dimension_values": {}, "value": 1, "threshold": 45, "message": "forged"}]');  -- 42501
SELECT * FROM _catalog_store_alert_events('{}');                                       -- 22023
SELECT * FROM _catalog_store_alert_events(NULL);                                       -- 22023
INSERT INTO alert_events (rule, period_start, metric, severity, condition, threshold, message, rule_owner, evaluated_by)
VALUES ('sc_low_day', '2020-01-01', 'x', 'info', 'below', 1, 'x', 'rk_sc_other', 'x');  -- 42501
SET ROLE rk_sc_owner;
SELECT evaluate_alerts(NULL);                                                          -- 22004
SELECT * FROM _catalog_store_alert_events('[{"rule": "sc_low_day", "metric": "sc_revenue", "severity": "warning", "condition": "below", "dimension_values": {}, "value": 1, "threshold": 45, "message": "no period"}]');  -- 22004

-- ---- a failing rule (here both: their column was renamed): a WARNING and a row of severity error each, no event
RESET ROLE;
ALTER TABLE rk_sc.sales RENAME COLUMN revenue TO amount;
SET ROLE rk_sc_owner;
SELECT event_id, is_new, rule, severity, message ~ '^rule failed: .*SQLSTATE 42703' AS failed FROM evaluate_alerts('2025-03-15') ORDER BY rule;
SELECT count(*) FROM alert_events;
RESET ROLE;
ALTER TABLE rk_sc.sales RENAME COLUMN amount TO revenue;

-- ---- pg_dump keeps the events (extension configuration tables)
SELECT c.relname FROM pg_extension e, unnest(e.extconfig) x JOIN pg_class c ON c.oid = x
WHERE e.extname = 'retail_kpi' AND c.relname LIKE 'alert_events%' ORDER BY 1;

RESET ROLE;
DROP VIEW expected_events;
SELECT drop_preaggregate('sc_day_store');
DELETE FROM alert_rules;
SELECT count(*) AS events_left FROM alert_events;                -- the events go with their rules
DELETE FROM catalog_history; DELETE FROM metrics; DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;
DROP SCHEMA rk_sc CASCADE;
DROP ROLE rk_sc_owner, rk_sc_member, rk_sc_other;
