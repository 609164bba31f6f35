-- sql/catalog_governance.sql: check_catalog (each problem), targets and metric_vs_target (attainment
-- rules of kpi-semantics.md), alert rules and check_alerts, and the standard KPI library.
SET search_path = retail_kpi, public;
\set VERBOSITY terse
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;

CREATE SCHEMA rk_gov;
CREATE TABLE rk_gov.sales (sale_date date, store_id int, region text, revenue numeric, cost numeric, units numeric,
                           txn int, customer int, extra numeric);
-- region north: Jan 1000 / Feb 800 / Mar 1200 revenue; south: Jan 500 / Feb 600 / Mar 0 (returns only: -50)
INSERT INTO rk_gov.sales VALUES
    ('2025-01-10', 1, 'north', 600, 400, 6, 1, 1, 0), ('2025-01-20', 1, 'north', 400, 250, 4, 2, 2, 0),
    ('2025-02-10', 1, 'north', 800, 500, 8, 3, 1, 0),
    ('2025-03-05', 1, 'north', 700, 420, 7, 4, 3, 0), ('2025-03-25', 1, 'north', 500, 300, 5, 5, 3, 0),
    ('2025-01-15', 2, 'south', 500, 350, 5, 6, 4, 0), ('2025-02-15', 2, 'south', 600, 390, 6, 7, 5, 0),
    ('2025-03-15', 2, 'south', -50, -30, -1, 8, 5, 0);
CREATE TABLE rk_gov.traffic (day date, store_id int, region text, visitors int);
INSERT INTO rk_gov.traffic VALUES ('2025-01-31', 1, 'north', 100), ('2025-02-28', 1, 'north', 80), ('2025-03-31', 1, 'north', 50),
                                  ('2025-01-31', 2, 'south', 40), ('2025-02-28', 2, 'south', 40), ('2025-03-31', 2, 'south', 10);
CREATE TABLE rk_gov.stores (store_id int, region text, area numeric, fte numeric);
INSERT INTO rk_gov.stores VALUES (1, 'north', 100, 4), (2, 'south', 50, 2.5);

SELECT define_dimension('store', 'Store', '门店');
SELECT define_dimension('region', 'Region', '区域');
SELECT define_source('sales', 'rk_gov.sales', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_source('traffic', 'rk_gov.traffic', 'day', '{"store": "store_id", "region": "region"}');
SELECT define_source('stores', 'rk_gov.stores', NULL, '{"store": "store_id", "region": "region"}');

-- ---- the standard library, bound to these sources (conventional codes, one bound under another name)
SELECT define_measure('revenue_total', 'sales', 'sum', 'revenue', unit => 'currency');
SELECT define_measure('cogs', 'sales', 'sum', 'cost', unit => 'currency');
SELECT define_measure('units_sold', 'sales', 'sum', 'units');
SELECT define_measure('sales_summary', 'sales', 'margin_agg', 'revenue, cost, units');
SELECT define_measure('transactions', 'sales', 'count_distinct', 'txn');
SELECT define_measure('customers', 'sales', 'count_distinct', 'customer');
SELECT define_measure('visitors', 'traffic', 'sum', 'visitors');
SELECT define_measure('selling_area_m2', 'stores', 'sum', 'area');
SELECT define_measure('fte', 'stores', 'sum', 'fte');
SELECT * FROM install_standard_metrics('{"net_sales": "revenue_total"}', status => 'certified');
SELECT code, label_zh, kind, definition, unit, polarity, status, tags FROM metric_catalog ORDER BY code;
SELECT code, installed, detail FROM install_standard_metrics() WHERE code IN ('net_sales', 'gmroi');
SELECT install_standard_metrics('[]');
SELECT metric, dimension_values, round(value::numeric, 6) AS value
FROM metric_values('{net_sales,gross_margin_rate,markup_rate,conversion_rate,avg_transaction_value,sales_per_customer,units_per_transaction,sales_per_m2,sales_per_fte}',
                   '{region}', NULL, '2025-01-01', '2025-03-31', 'total');
-- by hand: north R 3000 C 1870 U 30, 5 txn, 3 customers, 230 visitors, 100 m2, 4 FTE;
--          south R 1050 C 710 U 10, 3 txn, 2 customers, 90 visitors, 50 m2, 2.5 FTE
SELECT 'north' AS region, round((3000 - 1870) / 3000.0, 6) AS gmr, round((3000 - 1870) / 1870.0, 6) AS markup,
       round(5 / 230.0, 6) AS conv, 600 AS atv, 1000 AS spc, 6 AS upt, 30 AS spm2, 750 AS spfte
UNION ALL
SELECT 'south', round(340 / 1050.0, 6), round(340 / 710.0, 6), round(3 / 90.0, 6), 350, 525, round(10 / 3.0, 6), 21, 420;

-- ---- targets and attainment
SELECT set_target('net_sales', '2025-01-01', 1000, '{"region": "north"}');
SELECT set_target('net_sales', '2025-02-01', 1000, '{"region": "north"}');
SELECT set_target('net_sales', '2025-03-01', 1000, '{"region": "north"}', reason => 'budget v1');
SELECT set_target('net_sales', '2025-03-01', 1100, '{"region": "north"}', reason => 'budget v2');
SELECT set_target('net_sales', '2025-01-01', 400, '{"region": "south"}');
SELECT set_target('net_sales', '2025-02-01', 0, '{"region": "south"}');
SELECT set_target('net_sales', '2025-03-01', -100, '{"region": "south"}');
SELECT set_target('net_sales', '2025-03-01', 1200, '{"region": "south"}', scenario => 'forecast');
SELECT set_target('cogs', '2025-01-01', 800, '{"region": "north"}');
SELECT set_target('cogs', '2025-02-01', 0, '{"region": "north"}');
SELECT set_target('cogs', '2025-03-01', -100, '{"region": "north"}');
SELECT set_target('net_sales', '2025-01-01', 1500);
SELECT set_target('net_sales', '2025-01-01', NULL);             -- removes it again
SELECT code AS metric, action, reason, coalesce(old_definition, new_definition)->>'dimensions' AS members,
       old_definition->>'value' AS old, new_definition->>'value' AS new
FROM catalog_history
WHERE object_type = 'target' AND (coalesce(old_definition, new_definition)->>'period_start' = '2025-03-01' OR action = 'drop')
ORDER BY id;
SELECT * FROM metric_vs_target('net_sales', '{region}', NULL, '2025-01-01', '2025-03-31');
-- by hand (higher_is_better, (A - T + |T|) / |T|, 1 + A when T = 0):
--   north Jan 1000/1000 = 1; Feb 800/1000 = 0.8; Mar 1200/1100 = 1.090909...
--   south Jan 500/400 = 1.25; Feb T = 0: 1 + 600 = 601; Mar A = -50, T = -100: (-50 + 100 + 100) / 100 = 1.5
SELECT * FROM metric_vs_target('net_sales', '{region}', NULL, '2025-03-01', '2025-03-31', scenario => 'forecast');
SELECT * FROM metric_vs_target('cogs', '{region}', '{"region": "north"}', '2025-01-01', '2025-03-31');
-- by hand (cogs is lower_is_better, 1 - (A - T) / |T|, 1 - A when T = 0):
--   Jan A 650, T 800: 1 - (-150 / 800) = 1.1875; Feb A 500, T 0: 1 - 500 = -499; Mar A 720, T -100: 1 - 820 / 100 = -7.2
SELECT set_target('net_sales', '2025-03-15', 1);
SELECT set_target('net_sales', '2025-03-01', 'NaN');
SELECT set_target('nosuch', '2025-03-01', 1);
SELECT set_target('net_sales', '2025-03-01', 1, '{"nosuch": 1}');
SELECT set_target('net_sales', NULL, 1);

-- ---- targets along a hierarchy, with coverage (issue 12): children's targets roll up for an
-- additive metric, the actual compared is that of the children with a target (like with like)
CREATE TABLE rk_gov.cov_sales (sale_date date, store text, region text, revenue numeric, lines int);
INSERT INTO rk_gov.cov_sales VALUES
    ('2025-01-05', 'n1', 'north', 100, 1), ('2025-01-06', 'n2', 'north', 200, 2), ('2025-01-07', 'n3', 'north', 300, 3),
    ('2025-01-08', 's1', 'south', 50, 1), ('2025-01-09', 's2', 'south', 70, 1),
    ('2025-02-05', 'n1', 'north', 10, 1);
SELECT define_source('cov_sales', 'rk_gov.cov_sales', 'sale_date', '{"store": "store", "region": "region"}');
SELECT define_measure('cov_revenue', 'cov_sales', 'sum', 'revenue');
SELECT define_measure('cov_lines', 'cov_sales', 'sum', 'lines');
SELECT define_metric('cov_revenue', 'Revenue (coverage test)', measure => 'cov_revenue');
SELECT define_metric('cov_lines', 'Lines (coverage test)', measure => 'cov_lines');
SELECT define_metric('cov_price', 'Revenue per line', 'ratio', numerator => 'cov_revenue', denominator => 'cov_lines');
SELECT set_target('cov_revenue', '2025-01-01', 80, '{"store": "n1"}'), set_target('cov_revenue', '2025-01-01', 250, '{"store": "n2"}'),
       set_target('cov_revenue', '2025-02-01', 20, '{"store": "n1"}'), set_target('cov_revenue', '2025-02-01', 40, '{"store": "n4"}');
SELECT set_target('cov_price', '2025-01-01', 90, '{"store": "n1"}');
-- by hand, January: north n1 100 (target 80), n2 200 (250), n3 300 (none): covered actual 300 of 600,
-- target 330, attainment 300 / 330 = 0.9090909091, coverage 0.5, 2 with and 1 without a target;
-- south: no target (0 of 2 covered); February: n1 10 vs 20 (0.5); n4 has a target and no row (left out)
SELECT period_start, dimension_values, actual, target, round(attainment::numeric, 10) AS attainment, actual_all,
       covered_actual, coverage, members_with_target, members_without_target, target_source
FROM metric_vs_target('cov_revenue', '{region}', NULL, '2025-01-01', '2025-02-28');
-- the company total: 300 of 720 covered (0.4166666667), target 330
SELECT period_start, actual, target, actual_all, round(coverage::numeric, 10) AS coverage, members_with_target,
       members_without_target, target_source
FROM metric_vs_target('cov_revenue', '{}', NULL, '2025-01-01', '2025-01-31');
-- comparing all the actual with the children's targets is available, explicitly: 600 / 330 = 1.8181818182
SELECT dimension_values, actual, target, round(attainment::numeric, 10) AS attainment
FROM metric_vs_target('cov_revenue', '{region}', '{"region": "north"}', '2025-01-01', '2025-01-31', covered_only => false);
-- a parent's own target wins over its children's: south 120 against 100
SELECT set_target('cov_revenue', '2025-01-01', 100, '{"region": "south"}');
SELECT dimension_values, actual, target, attainment, members_with_target, members_without_target, target_source
FROM metric_vs_target('cov_revenue', '{region}', '{"region": "south"}', '2025-01-01', '2025-01-31');
-- a ratio metric's targets are never summed: a parent needs its own
SELECT dimension_values, actual, target, target_source
FROM metric_vs_target('cov_price', '{region}', '{"region": "north"}', '2025-01-01', '2025-01-31');
SELECT count(*) FROM metric_vs_target('cov_revenue', '{region}', covered_only => NULL);
-- allocation of a parent's target to its children, exact to the cent (largest remainder)
INSERT INTO rk_gov.cov_sales VALUES ('2024-06-10', 'n1', 'north', 200, 1), ('2024-06-11', 'n2', 'north', 300, 1),
                                    ('2024-06-12', 'n3', 'north', 500, 1), ('2024-06-13', 's1', 'south', 1, 1);
SELECT set_target('cov_revenue', '2025-06-01', 100.00, '{"region": "north"}');
-- equal: 100.00 / 3 = 33.333...: 33.34 + 33.33 + 33.33 (the first member takes the cent left)
SELECT dimension_values, weight, round(share, 6) AS share, value FROM allocate_target('cov_revenue', '2025-06-01', 'store', '{"region": "north"}');
-- by last year's sales 200 : 300 : 500 -> 20.00, 30.00, 50.00
SELECT dimension_values, weight, share, value FROM allocate_target('cov_revenue', '2025-06-01', 'store', '{"region": "north"}', 'last_year');
-- awkward: 0.05 over three equal shares -> 0.02, 0.02, 0.01; a negative target keeps its sign
SELECT set_target('cov_revenue', '2025-06-01', 0.05, '{"region": "north"}');
SELECT string_agg(value::text, ' ' ORDER BY dimension_values->>'store') AS values, sum(value) AS total
FROM allocate_target('cov_revenue', '2025-06-01', 'store', '{"region": "north"}');
SELECT set_target('cov_revenue', '2025-06-01', -10, '{"region": "north"}');
SELECT string_agg(value::text, ' ' ORDER BY dimension_values->>'store') AS values, sum(value) AS total
FROM allocate_target('cov_revenue', '2025-06-01', 'store', '{"region": "north"}', 'last_year', digits => 0);
-- 1000.00 by last year's lines (1 : 1 : 1) through another metric, the children's targets stored
SELECT set_target('cov_revenue', '2025-06-01', 1000.00, '{"region": "north"}');
SELECT sum(value) AS total, count(*) FROM allocate_target('cov_revenue', '2025-06-01', 'store', '{"region": "north"}', 'metric',
                                                          basis_metric => 'cov_lines');
SELECT dimensions, value FROM targets WHERE metric = 'cov_revenue' AND period_start = '2025-06-01' ORDER BY dimensions::text;
-- bad input
SELECT * FROM allocate_target('cov_revenue', '2025-07-01', 'store', '{"region": "north"}');               -- no parent target: 42704
SELECT * FROM allocate_target('cov_revenue', '2025-06-01', 'store', '{"region": "north"}', 'metric');     -- basis_metric missing
SELECT * FROM allocate_target('cov_revenue', '2025-06-01', 'store', '{"region": "north"}', 'by_mood');    -- 22023
SELECT * FROM allocate_target('cov_revenue', '2025-06-01', 'store', '{"region": "north"}', basis_from => '2000-01-01',
                              basis_to => '2000-01-31');                                                 -- no members
SELECT * FROM allocate_target('cov_revenue', '2025-06-01', 'store', '{"region": "north"}', digits => 9);  -- 22023

-- ---- alert rules
SELECT define_alert_rule('north_sales_low', 'net_sales', 'below', 1000, dimensions => '{region}',
                         filters => '{"region": "north"}', severity => 'critical');
SELECT define_alert_rule('margin_high', 'gross_margin_rate', 'above', 0.35, dimensions => '{region}', severity => 'info');
SELECT define_alert_rule('sales_swing', 'net_sales', 'change_beyond', 0.15, dimensions => '{region}');
SELECT define_alert_rule('off_budget', 'net_sales', 'target_deviation', 0.1, dimensions => '{region}');
-- a rate (unit 'ratio'): its change is also given in percentage points
SELECT define_alert_rule('margin_swing', 'gross_margin_rate', 'change_beyond', 0.05, dimensions => '{region}');
SELECT define_alert_rule('disabled_rule', 'net_sales', 'above', 0, enabled => false);
SELECT define_alert_rule('bad', 'net_sales', 'below', 'NaN');
SELECT define_alert_rule('bad', 'net_sales', 'change_beyond', -0.1);
SELECT define_alert_rule('bad', 'net_sales', 'below', 1, grain => 'total');
SELECT define_alert_rule('bad', 'net_sales', 'below', 1, dimensions => '{nosuch}');
SELECT define_alert_rule('bad', 'sales_summary', 'below', 1);
-- as of 2025-03-10 the last complete month is February
SELECT * FROM check_alerts('2025-03-10');
-- by hand, February: north 800 < 1000 (critical); margins north 0.375 > 0.35, south 0.35 not above;
-- change north (800 - 1000) / 1000 = -20 % beyond 15 %, south (600 - 500) / 500 = +20 %;
-- target deviation north (800 - 1000) / 1000 = -20 % beyond 10 %; south target 0 -> no deviation defined
-- margin rate north Jan 0.35 -> Feb 0.375: +7.1 %, +2.5 pp; south 0.3 -> 0.35: +16.7 %, +5 pp
SELECT * FROM check_alerts('2025-04-01');
-- March: north 1200 not below; margin north 480/1200 = 0.4 above; south -20/-50: margin of R <= 0 is NULL;
-- change north +50 %; south base 600 -> -50: -108.3 %; deviation north 100 / 1100 = 9.1 % (not beyond),
-- south (-50 - -100) / 100 = 50 %; margin rate north 0.375 -> 0.4: +6.7 %, +2.5 pp (south: NULL, R <= 0)
SELECT check_alerts(NULL);

-- ---- check_catalog: every kind of problem
SELECT * FROM check_catalog();       -- a clean catalog
-- duplicate definition (and the same measure twice), with another unit
SELECT define_measure('revenue_copy', 'sales', 'sum', 'revenue', unit => 'currency');
SELECT define_metric('turnover', 'Turnover', measure => 'revenue_copy', unit => 'CNY');
SELECT define_metric('atv_copy', 'ATV copy', 'ratio', numerator => 'turnover', denominator => 'transactions');
-- conflicting unit between a metric and its measure
SELECT define_measure('cost_usd', 'sales', 'sum', 'cost * 1', unit => 'USD');
SELECT define_metric('cost_usd', 'Cost', measure => 'cost_usd', unit => 'CNY');
-- certified on draft, deprecated reference
SELECT define_metric('draft_base', 'Draft base', measure => 'units_sold');
SELECT define_metric('certified_top', 'Certified top', 'derived', expression => 'draft_base * 2', status => 'certified');
SELECT define_metric('old_metric', 'Old', 'derived', expression => 'fte * 2', status => 'deprecated');
SELECT define_metric('to_be_deleted', 'Deleted later', 'derived', expression => 'fte * 3');
SELECT define_metric('dangling', 'Dangling', 'derived', expression => 'to_be_deleted + 1');
SELECT define_metric('uses_old', 'Uses old', 'derived', expression => 'old_metric + 1');
SELECT define_alert_rule('watch_old', 'old_metric', 'below', 1);
-- missing objects and columns (made behind the API's back by the superuser, or by DDL on the user's tables)
CREATE TABLE rk_gov.gone (d date, x numeric);
SELECT define_source('gone', 'rk_gov.gone', 'd');
DROP TABLE rk_gov.gone;
SELECT define_measure('extra', 'sales', 'sum', 'extra');
ALTER TABLE rk_gov.sales DROP COLUMN extra;
ALTER TABLE rk_gov.traffic RENAME COLUMN day TO traffic_day;
SELECT define_dimension('child', 'Child', parent => 'store');
DELETE FROM dimensions WHERE code = 'store';
DELETE FROM metrics WHERE code = 'to_be_deleted';
SELECT define_measure('orphan', 'stores', 'sum', 'area');
DELETE FROM sources WHERE code = 'stores';
DELETE FROM metrics WHERE code = 'cogs';
SELECT * FROM check_catalog();

-- found by test/t_fuzz_summaries.sh: the internal probe (not granted to PUBLIC) reports a query
-- that is not a SELECT as bad input (22023), not as an internal error (XX000)
SELECT catalog_probe('');
SELECT catalog_probe('SELECT 42::text');

-- cleanup
DROP SCHEMA rk_gov CASCADE;
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;
