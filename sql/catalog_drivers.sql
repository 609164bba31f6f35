-- sql/catalog_drivers.sql: driver trees (issue 15): define_metric_drivers (product, sum, members, mix;
-- bad input, cycles, who may declare), check_metric_drivers (a good and a bad declaration),
-- explain_metric_change (chain, Shapley and LMDI against the formulas recomputed in plain SQL,
-- contributions adding up, the split by members, the mix and rate of a ratio, recursion), errors,
-- and security (a role that may not read the source, a restricted metric).
SET search_path = retail_kpi, public;
\set VERBOSITY terse
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metric_grants;
DELETE FROM metric_drivers; DELETE FROM metrics; DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;

CREATE ROLE rk_drv_author;
CREATE ROLE rk_drv_other;
CREATE ROLE rk_drv_reader;
CREATE ROLE rk_drv_nobody;
GRANT retail_kpi_author TO rk_drv_author, rk_drv_other;

-- Four stores in January 2024 (base) and January 2025 (current); one transaction per sales line, so
-- the average transaction value (ATV) is the line's revenue.  Store 1 is the example of docs/factor.md
-- (1000 visitors x 20 % x 50 -> 1100 x 25 % x 48); store 4 is new in 2025; store 5 sells nothing
-- (one free transaction) in the base period.
CREATE SCHEMA rk_drv;
CREATE TABLE rk_drv.sales (sale_date date, store_id int, region text, revenue numeric, cost numeric, txn int);
CREATE TABLE rk_drv.traffic (day date, store_id int, region text, visitors int);
INSERT INTO rk_drv.sales
SELECT d, s, r, atv, round(atv * cr, 2), 0 FROM (VALUES
    (date '2024-01-15', 1, 'north', 200, 50::numeric, 0.60), (date '2024-01-15', 2, 'north', 50, 80, 0.60),
    (date '2024-01-15', 3, 'south', 160, 40, 0.60), (date '2024-01-15', 5, 'south', 1, 0, 0),
    (date '2025-01-15', 1, 'north', 275, 48, 0.55), (date '2025-01-15', 2, 'north', 60, 75, 0.55),
    (date '2025-01-15', 3, 'south', 200, 35, 0.55), (date '2025-01-15', 4, 'north', 30, 50, 0.55),
    (date '2025-01-15', 5, 'south', 2, 30, 0.60)) v(d, s, r, n, atv, cr), generate_series(1, v.n);
UPDATE rk_drv.sales SET txn = x.rn FROM (SELECT ctid AS c, row_number() OVER () AS rn FROM rk_drv.sales) x WHERE ctid = x.c;
INSERT INTO rk_drv.traffic VALUES
    ('2024-01-15', 1, 'north', 1000), ('2024-01-15', 2, 'north', 500), ('2024-01-15', 3, 'south', 800), ('2024-01-15', 5, 'south', 10),
    ('2025-01-15', 1, 'north', 1100), ('2025-01-15', 2, 'north', 400), ('2025-01-15', 3, 'south', 800), ('2025-01-15', 4, 'north', 300),
    ('2025-01-15', 5, 'south', 10);
GRANT USAGE ON SCHEMA rk_drv TO rk_drv_author, rk_drv_other, rk_drv_reader, rk_drv_nobody;
GRANT SELECT ON rk_drv.sales, rk_drv.traffic TO rk_drv_author, rk_drv_other, rk_drv_reader;

SELECT define_dimension('store', 'Store', '门店');
SELECT define_dimension('region', 'Region', '区域');
SELECT define_source('sales', 'rk_drv.sales', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_source('traffic', 'rk_drv.traffic', 'day', '{"store": "store_id", "region": "region"}');
SELECT define_measure('net_sales', 'sales', 'sum', 'revenue');
SELECT define_measure('transactions', 'sales', 'count_distinct', 'txn');
SELECT define_measure('visitors', 'traffic', 'sum', 'visitors');
SELECT define_measure('sales_summary', 'sales', 'margin_agg', 'revenue, cost');
SELECT define_metric('net_sales', 'Net sales', measure => 'net_sales');
SELECT define_metric('transactions', 'Transactions', measure => 'transactions');
SELECT define_metric('visitors', 'Visitors', measure => 'visitors');
SELECT define_metric('sales_summary', 'Sales summary', measure => 'sales_summary');
SELECT define_metric('conversion_rate', 'Conversion', 'ratio', numerator => 'transactions', denominator => 'visitors');
SELECT define_metric('avg_transaction_value', 'ATV', 'ratio', numerator => 'net_sales', denominator => 'transactions');
SELECT define_metric('gross_margin_rate', 'Gross margin rate', 'derived', expression => 'margin_rate(sales_summary)');
SELECT define_metric('gross_profit', 'Gross profit', 'derived', expression => 'gross_profit(sales_summary)');

-- ---- declarations
SELECT define_metric_drivers('net_sales', '{visitors,conversion_rate,avg_transaction_value}', reason => 'traffic x conversion x ticket');
SELECT define_metric_drivers('gross_profit', '{net_sales,gross_margin_rate}');
SELECT define_metric_drivers('conversion_rate', kind => 'mix', dimension => 'store');
SELECT metric, kind, drivers, dimension, tolerance FROM metric_drivers ORDER BY metric;
SELECT action, reason, new_definition->>'kind' AS kind FROM metric_history('net_sales', 'metric_drivers');
-- bad input
SELECT define_metric_drivers('net_sale', '{visitors,conversion_rate}');                 -- 42704, did you mean
SELECT define_metric_drivers('net_sales', '{visitors,conversion_rat}');                 -- 42704
SELECT define_metric_drivers('net_sales', '{visitors,sales_summary}');                  -- 42804 (not a number)
SELECT define_metric_drivers('sales_summary', '{visitors,net_sales}');                  -- 42804
SELECT define_metric_drivers('net_sales', '{visitors}');                                -- 22023 (one driver)
SELECT define_metric_drivers('net_sales', '{visitors,visitors}');                       -- 22023 (twice)
SELECT define_metric_drivers('net_sales', '{visitors,NULL}');                           -- 22023
SELECT define_metric_drivers('net_sales', '{visitors,net_sales}');                      -- 42P17 (itself)
SELECT define_metric_drivers('visitors', '{net_sales,conversion_rate}');                -- 42P17 (through net_sales)
SELECT define_metric_drivers('avg_transaction_value', '{gross_profit,visitors}');        -- 42P17 (gross_profit, net_sales)
SELECT define_metric_drivers('avg_transaction_value', '{gross_margin_rate,visitors}');   -- no cycle: declared (data not checked)
SELECT define_metric_drivers('net_sales', '{visitors,transactions}', tolerance => 1);   -- 22023
SELECT define_metric_drivers('net_sales', '{visitors,transactions}', tolerance => -0.1);-- 22023
SELECT define_metric_drivers('net_sales', '{visitors,transactions}', kind => 'ratio');  -- 22023
SELECT define_metric_drivers('net_sales', '{visitors,transactions}', dimension => 'store');   -- 22023
SELECT define_metric_drivers('net_sales', kind => 'members');                           -- 22023 (no dimension)
SELECT define_metric_drivers('net_sales', kind => 'members', dimension => 'shop');      -- 42704
SELECT define_metric_drivers('net_sales', kind => 'mix', dimension => 'store');         -- 22023 (not a ratio)
SELECT define_metric_drivers('conversion_rate', kind => 'members', dimension => 'store');   -- 22023 (a ratio)
SELECT define_metric_drivers('net_sales', '{a,b,c,d,e,f,g,h,i}');                       -- 54000
SELECT drop_metric_drivers('avg_transaction_value');
SELECT drop_metric_drivers('avg_transaction_value');                                    -- 42704
-- a metric used as a driver cannot be dropped; a metric's own declaration goes with it
SELECT drop_metric('gross_margin_rate');                                                -- 2BP01
SELECT define_metric('tmp_sum', 'Tmp', measure => 'net_sales');
SELECT define_metric_drivers('tmp_sum', kind => 'members', dimension => 'region');
-- check_catalog reports a declaration that no longer fits its metric (here: a dimension dropped behind its back)
UPDATE metric_drivers SET dimension = 'gone' WHERE metric = 'tmp_sum';
SELECT problem, code, detail FROM check_catalog() WHERE problem = 'invalid_drivers';
SELECT drop_metric('tmp_sum');
SELECT count(*) FROM metric_drivers WHERE metric = 'tmp_sum';

-- ---- check_metric_drivers: the product holds in every period, store and region
SELECT count(*) AS rows, bool_and(holds) AS all_hold
FROM check_metric_drivers('net_sales', '2024-01-01', '2025-01-31', 'month', '{store}');
SELECT period_start, dimension_values, metric_value, holds FROM check_metric_drivers('net_sales', '2024-01-01', '2025-01-31', 'year', '{region}');
SELECT count(*), bool_and(holds) FROM check_metric_drivers('gross_profit', '2024-01-01', '2025-01-31', 'month', '{store}');
SELECT period_start, metric_value, drivers_value, holds FROM check_metric_drivers('conversion_rate', '2024-01-01', '2025-01-31', 'year');
-- a bad declaration: net sales = visitors x ATV (conversion forgotten) is reported where it fails
SELECT define_metric('net_sales_2', 'Net sales (bad tree)', measure => 'net_sales');
SELECT define_metric_drivers('net_sales_2', '{visitors,avg_transaction_value}', tolerance => 0.01);
SELECT period_start, dimension_values, metric_value, drivers_value, holds, detail
FROM check_metric_drivers('net_sales_2', '2024-01-01', '2024-01-31', 'month', '{store}') ORDER BY dimension_values::text;
SELECT * FROM explain_metric_change('net_sales_2', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', method => 'chain');  -- 22000
-- members: distinct transactions are additive over stores (a transaction has one store)
SELECT define_metric_drivers('transactions', kind => 'members', dimension => 'store');
SELECT count(*), bool_and(holds) FROM check_metric_drivers('transactions', '2024-01-01', '2025-01-31', 'month', '{region}');
-- check errors
SELECT * FROM check_metric_drivers('visitors', '2024-01-01', '2025-01-31');                   -- 42704 (none declared)
SELECT * FROM check_metric_drivers('net_sales', '2025-01-31', '2024-01-01');                  -- 22023
SELECT * FROM check_metric_drivers('transactions', '2024-01-01', '2025-01-31', 'month', '{store}');   -- 22023

-- ---- explain_metric_change against the formulas, recomputed in plain SQL from the raw rows
-- T = visitors, C = transactions / visitors, A = revenue / transactions; V = T C A = revenue
CREATE TEMP TABLE hand AS
WITH b AS (SELECT (SELECT sum(visitors) FROM rk_drv.traffic WHERE day < '2025-01-01') AS t0,
                  (SELECT count(DISTINCT txn) FROM rk_drv.sales WHERE sale_date < '2025-01-01') AS n0,
                  (SELECT sum(revenue) FROM rk_drv.sales WHERE sale_date < '2025-01-01') AS v0,
                  (SELECT sum(visitors) FROM rk_drv.traffic WHERE day >= '2025-01-01') AS t1,
                  (SELECT count(DISTINCT txn) FROM rk_drv.sales WHERE sale_date >= '2025-01-01') AS n1,
                  (SELECT sum(revenue) FROM rk_drv.sales WHERE sale_date >= '2025-01-01') AS v1)
SELECT b.*, n0::numeric / t0 AS c0, v0 / n0 AS a0, n1::numeric / t1 AS c1, v1 / n1 AS a1 FROM b;
SELECT t0, n0, v0, t1, n1, v1 FROM hand;
CREATE TEMP TABLE ex AS
SELECT m.method, e.* FROM unnest('{chain,shapley,lmdi}'::text[]) m(method),
     LATERAL explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', method => m.method) e;
SELECT method, path, level, node, base_value, current_value, round(contribution, 6) AS contribution, round(share::numeric, 6) AS share
FROM ex ORDER BY method, path;
-- chain: traffic (T1 - T0) C0 A0, conversion T1 (C1 - C0) A0, ticket T1 C1 (A1 - A0)
SELECT e.driver, abs(e.contribution - h.want) < 1e-6 AS chain_ok
FROM ex e, hand, LATERAL (VALUES ('visitors', (t1 - t0) * c0 * a0), ('conversion_rate', t1 * (c1 - c0) * a0),
                                 ('avg_transaction_value', t1 * c1 * (a1 - a0))) h(driver, want)
WHERE e.method = 'chain' AND e.level = 1 AND e.driver = h.driver ORDER BY 1;
-- Shapley of 3 factors: phi_1 = 1/3 [f(1) - f()] + 1/6 [f(12) - f(2)] + 1/6 [f(13) - f(3)] + 1/3 [f(123) - f(23)]
SELECT e.driver, abs(e.contribution - h.want) < 1e-6 AS shapley_ok
FROM ex e, hand, LATERAL (VALUES
    ('visitors', ((t1 - t0) * c0 * a0) / 3 + ((t1 - t0) * c1 * a0) / 6 + ((t1 - t0) * c0 * a1) / 6 + ((t1 - t0) * c1 * a1) / 3),
    ('conversion_rate', (t0 * (c1 - c0) * a0) / 3 + (t1 * (c1 - c0) * a0) / 6 + (t0 * (c1 - c0) * a1) / 6 + (t1 * (c1 - c0) * a1) / 3),
    ('avg_transaction_value', (t0 * c0 * (a1 - a0)) / 3 + (t1 * c0 * (a1 - a0)) / 6 + (t0 * c1 * (a1 - a0)) / 6 + (t1 * c1 * (a1 - a0)) / 3)) h(driver, want)
WHERE e.method = 'shapley' AND e.level = 1 AND e.driver = h.driver ORDER BY 1;
-- LMDI-I: L(V1, V0) ln(x1 / x0), L(a, b) = (a - b) / ln(a / b)
SELECT e.driver, abs(e.contribution - h.want) < 1e-6 AS lmdi_ok
FROM ex e, hand, LATERAL (VALUES ('visitors', (v1 - v0) / ln(v1 / v0) * ln(t1::numeric / t0)), ('conversion_rate', (v1 - v0) / ln(v1 / v0) * ln(c1 / c0)),
                                 ('avg_transaction_value', (v1 - v0) / ln(v1 / v0) * ln(a1 / a0))) h(driver, want)
WHERE e.method = 'lmdi' AND e.level = 1 AND e.driver = h.driver ORDER BY 1;
-- contributions add up to the change: exactly for chain and Shapley, within 1e-9 of max(|V0|, |V1|) for LMDI
SELECT e.method, sum(e.contribution) = max(h.v1 - h.v0) AS exact, abs(sum(e.contribution) - max(h.v1 - h.v0)) <= 1e-9 * max(h.v1) AS within_1e9
FROM ex e, hand h WHERE e.level = 1 GROUP BY e.method ORDER BY 1;
-- the order of the drivers matters for chain only
SELECT define_metric_drivers('net_sales', '{avg_transaction_value,conversion_rate,visitors}');
SELECT m.method, bool_and(abs(a.contribution - e.contribution) < 1e-9) AS same
FROM unnest('{chain,shapley,lmdi}'::text[]) m(method)
CROSS JOIN LATERAL explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', method => m.method) a
JOIN ex e ON e.method = m.method AND e.path = a.path
WHERE a.level = 1 GROUP BY 1 ORDER BY 1;
SELECT define_metric_drivers('net_sales', '{visitors,conversion_rate,avg_transaction_value}');

-- ---- by store: each store's change, and within it the drivers (store 1: 1000, 2750, -550 by chain)
CREATE TEMP TABLE bs AS
SELECT * FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31',
                                    method => 'chain', by => 'store');
SELECT path, level, node, member, base_value, current_value, round(contribution, 6) AS contribution, note FROM bs;
-- each store's contribution is its own change (plain SQL), and they add up to the change exactly
SELECT bool_and(b.contribution = h.change) AS stores_ok, count(*) AS stores
FROM bs b JOIN (SELECT store_id, sum(revenue) FILTER (WHERE sale_date >= '2025-01-01') - coalesce(sum(revenue) FILTER (WHERE sale_date < '2025-01-01'), 0) AS change
                FROM rk_drv.sales GROUP BY 1) h ON b.member = jsonb_build_object('store', h.store_id)
WHERE b.level = 1;
SELECT (SELECT sum(contribution) FROM bs WHERE level = 1) = (SELECT contribution FROM bs WHERE level = 0) AS members_add_up,
       bool_and(s.sum_drivers = m.contribution) AS drivers_add_up_per_store
FROM bs m JOIN (SELECT member, sum(contribution) AS sum_drivers FROM bs WHERE level = 2 GROUP BY member) s USING (member)
WHERE m.level = 1;
-- LMDI by store: store 5 sold nothing in the base period (ATV 0): Shapley for it, with a note
SELECT path, round(contribution, 4) AS contribution, note
FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', by => 'store')
WHERE member = '{"store": 5}' OR member = '{"store": 4}';

-- ---- the mix and rate of a ratio (conversion by store), Shapley: mix = (w1 - w0)(r0 + r1)/2,
-- rate = (r1 - r0)(w0 + w1)/2 with w = the store's share of visitors, r = its conversion
CREATE TEMP TABLE mx AS
SELECT * FROM explain_metric_change('conversion_rate', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', method => 'shapley');
SELECT path, level, node, round(base_value, 6) AS base_value, round(current_value, 6) AS current_value,
       round(contribution, 8) AS contribution, note FROM mx;
WITH s AS (SELECT t.store_id,
                  sum(t.visitors) FILTER (WHERE t.day < '2025-01-01') AS d0, sum(t.visitors) FILTER (WHERE t.day >= '2025-01-01') AS d1,
                  (SELECT count(*) FROM rk_drv.sales x WHERE x.store_id = t.store_id AND x.sale_date < '2025-01-01') AS n0,
                  (SELECT count(*) FROM rk_drv.sales x WHERE x.store_id = t.store_id AND x.sale_date >= '2025-01-01') AS n1
           FROM rk_drv.traffic t GROUP BY 1),
     w AS (SELECT s.*, d0::numeric / sum(d0) OVER () AS w0, d1::numeric / sum(d1) OVER () AS w1,
                  n0::numeric / d0 AS r0, n1::numeric / d1 AS r1 FROM s)
SELECT w.store_id,
       abs(mix.contribution - (w1 - w0) * (r0 + r1) / 2) < 1e-12 AS mix_ok,
       abs(rate.contribution - (r1 - r0) * (w0 + w1) / 2) < 1e-12 AS rate_ok
FROM w JOIN mx mix ON mix.path = 'conversion_rate/store=' || w.store_id || '/mix'
       JOIN mx rate ON rate.path = 'conversion_rate/store=' || w.store_id || '/rate'
WHERE w.d0 IS NOT NULL ORDER BY 1;
-- store 4 is new: its whole term N1_4 / D1 = 30 / 2610 is mix, its rate exactly 0
SELECT round(mix.contribution, 15) = round(30 / 2610.0, 15) AS new_store_mix, rate.contribution = 0 AS new_store_rate,
       mix.contribution = m.contribution AS all_mix
FROM mx m JOIN mx mix ON mix.path = m.path || '/mix' JOIN mx rate ON rate.path = m.path || '/rate'
WHERE m.path = 'conversion_rate/store=4';
SELECT (SELECT sum(contribution) FROM mx WHERE node = 'member') = (SELECT contribution FROM mx WHERE level = 0) AS members_add_up,
       (SELECT sum(contribution) FROM mx WHERE node = 'effect') = (SELECT contribution FROM mx WHERE level = 0) AS effects_add_up;
-- chain: mix = (w1 - w0) r0, rate = w1 (r1 - r0); store 1: w 1000/2310 -> 1100/2610, r 0.2 -> 0.25
SELECT round(contribution, 10) = round((1100 / 2610.0 - 1000 / 2310.0) * 0.2, 10) AS chain_mix_ok
FROM explain_metric_change('conversion_rate', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', method => 'chain')
WHERE path = 'conversion_rate/store=1/mix';
SELECT round(contribution, 10) = round(1100 / 2610.0 * (0.25 - 0.2), 10) AS chain_rate_ok
FROM explain_metric_change('conversion_rate', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', method => 'chain')
WHERE path = 'conversion_rate/store=1/rate';

-- ---- recursion: gross profit = net sales x gross margin rate, net sales = traffic x conversion x ticket,
-- conversion = mix and rate of the stores; every level's children add up to their parent exactly
CREATE TEMP TABLE gp AS
SELECT row_number() OVER () AS n, * FROM explain_metric_change('gross_profit', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31',
                                                               method => 'shapley', depth => 3);
SELECT path, level, node, round(contribution, 6) AS contribution, round(share::numeric, 6) AS share FROM gp WHERE node <> 'effect' ORDER BY n;
SELECT p.path, p.contribution = sum(c.contribution) AS children_add_up
FROM gp p JOIN gp c ON c.path LIKE p.path || '/%' AND c.level = p.level + 1 AND c.node <> 'effect'
GROUP BY p.path, p.contribution ORDER BY 1;
SELECT count(*) AS depth_1_rows FROM explain_metric_change('gross_profit', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31',
                                                           method => 'chain', depth => 1);

-- ---- errors of explain_metric_change
SELECT * FROM explain_metric_change('net_sale', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31');         -- 42704
SELECT * FROM explain_metric_change('visitors', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31');         -- 42704 (no drivers)
SELECT * FROM explain_metric_change('sales_summary', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', by => 'store');  -- 42804
SELECT * FROM explain_metric_change('net_sales', '2024-01-31', '2024-01-01', '2025-01-01', '2025-01-31');        -- 22023 reversed
SELECT * FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-31', '2025-01-01');        -- 22023 reversed
SELECT * FROM explain_metric_change('net_sales', NULL, '2024-01-31', '2025-01-01', '2025-01-31');                -- 22004
SELECT * FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', method => 'ols');  -- 22023
SELECT * FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', depth => 0);      -- 22023
SELECT * FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', by => 'shop');    -- 42704
SELECT * FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', filters => '[1]'); -- 22023
-- a store without rows in the base period, and LMDI on a zero (store 5 sold nothing: ATV 0)
SELECT * FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', '{"store": 4}');  -- 22000
SELECT * FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', '{"store": 5}');  -- 22023 lmdi
SELECT path, round(contribution, 6) AS contribution
FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', '{"store": 5}', 'shapley');
-- customers counted distinct are not additive over stores: a split by store is refused, not wrong
SELECT define_measure('customers', 'sales', 'count_distinct', 'region');
SELECT define_metric('customers', 'Customers (regions as stand-in)', measure => 'customers');
SELECT * FROM explain_metric_change('customers', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', by => 'store');  -- 22000

-- a split has at most 1000 members (R10)
CREATE TABLE rk_drv.many (day date, k int, v numeric);
INSERT INTO rk_drv.many SELECT d, g, g FROM generate_series(1, 1001) g, (VALUES (date '2024-01-15'), (date '2025-01-15')) x(d);
SELECT define_dimension('many_k', 'Key');
SELECT define_source('many', 'rk_drv.many', 'day', '{"many_k": "k"}');
SELECT define_measure('many_v', 'many', 'sum', 'v');
SELECT define_metric('many_v', 'Many', measure => 'many_v');
SELECT * FROM explain_metric_change('many_v', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', by => 'many_k');  -- 54000
SELECT count(*) FROM explain_metric_change('many_v', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', '{"many_k": [1, 2, 3]}',
                                           by => 'many_k');

-- ---- security: who may declare (R1-R3), and evaluation with the caller's rights (R4, R7)
SELECT define_metric('author_sales', 'Author''s sales', measure => 'net_sales', owner => 'rk_drv_author');
SET ROLE rk_drv_author;
SELECT define_metric_drivers('author_sales', '{visitors,conversion_rate,avg_transaction_value}');   -- own metric: allowed
SELECT define_metric_drivers('net_sales', '{visitors,conversion_rate,avg_transaction_value}');      -- 42501: not the owner
SET ROLE rk_drv_other;
SELECT drop_metric_drivers('author_sales');                                                          -- 42501
SET ROLE rk_drv_reader;
SELECT define_metric_drivers('visitors', '{net_sales,transactions}');                                -- 42501: no grant
RESET ROLE;
-- certified by a steward: the author who owns it can no longer change its drivers (R2), nor
-- anybody's but a steward's drivers of a steward's certified metric
SELECT set_metric_status('author_sales', 'certified');      -- 42501: its owner is not trusted
SELECT trust_role('rk_drv_author', 'test');
SELECT set_metric_status('author_sales', 'certified');
SELECT set_metric_status('gross_profit', 'certified');
SET ROLE rk_drv_author;
SELECT define_metric_drivers('author_sales', '{visitors,conversion_rate,avg_transaction_value}', tolerance => 0.001);  -- 42501: certified
SELECT drop_metric_drivers('author_sales');                                                                            -- 42501
SELECT define_metric_drivers('gross_profit', '{net_sales,gross_margin_rate}', tolerance => 0.001);                    -- 42501
RESET ROLE;
SELECT define_metric_drivers('author_sales', '{visitors,conversion_rate,avg_transaction_value}', reason => 'a steward may');
SELECT define_metric_drivers('gross_profit', '{net_sales,gross_margin_rate}', reason => 'a steward may');
SELECT count(*) FROM metric_history('author_sales', 'metric_drivers');
SELECT distrust_role('rk_drv_author', 'test');
DELETE FROM trusted_roles;
-- a role that may not read the source gets the permission error; a reader that may explains
SET ROLE rk_drv_nobody;
SELECT * FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31');  -- 42501
SELECT * FROM check_metric_drivers('net_sales', '2024-01-01', '2025-01-31');                            -- 42501
SET ROLE rk_drv_reader;
SELECT count(*) FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31');
RESET ROLE;
-- a restricted driver is refused to a role without a grant, through the tree
SELECT restrict_metric('avg_transaction_value');
SET ROLE rk_drv_reader;
SELECT * FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31');  -- 42501
SELECT count(*) FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31', by => 'region', depth => 1);  -- 42501 too
RESET ROLE;
SELECT grant_metric('avg_transaction_value', 'rk_drv_reader');
SET ROLE rk_drv_reader;
SELECT count(*) FROM explain_metric_change('net_sales', '2024-01-01', '2024-01-31', '2025-01-01', '2025-01-31');
RESET ROLE;
-- the declarations are public definitions; direct writes are refused
SET ROLE rk_drv_reader;
SELECT count(*) > 0 FROM metric_drivers;
DELETE FROM metric_drivers;                                                                          -- 42501
RESET ROLE;

-- clean up
DELETE FROM metric_grants; DELETE FROM metric_drivers; DELETE FROM catalog_history; DELETE FROM metrics; DELETE FROM measures;
DELETE FROM sources; DELETE FROM dimensions;
DROP SCHEMA rk_drv CASCADE;
DROP ROLE rk_drv_author, rk_drv_other, rk_drv_reader, rk_drv_nobody;
