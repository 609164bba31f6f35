-- sql/catalog_members.sql: member KPIs (会员, issue 14) through the catalog: the customer_agg and
-- distinct_agg measures, the standard templates customer_count, repurchase_rate, purchase_frequency,
-- spend_per_member and avg_order_value evaluated by metric_values at two grains (month, total) and two
-- dimensions (store, region), each against hand-written SQL over the rows; customer counts roll up from
-- store to region as count(DISTINCT customer), not as a sum; the allow-listed accessors (active_rate,
-- new_customers, returning_customers, intersection_count, difference_count, distinct_count) in derived
-- metrics.
SET search_path = retail_kpi, public;
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;

-- the allow-lists ship the aggregations and accessors
SELECT name, sql_name, min_args, max_args, valid_grains FROM catalog_aggregations
WHERE name IN ('customer_agg', 'distinct_agg') ORDER BY name;
SELECT name, sql_name, usage FROM catalog_functions
WHERE name IN ('customer_count', 'repurchase_rate', 'purchase_frequency', 'spend_per_customer', 'active_rate',
               'new_customers', 'returning_customers', 'distinct_count', 'intersection_count', 'difference_count')
ORDER BY name;
-- every allow-listed name resolves to a function or aggregate of the extension
SELECT count(*) AS unresolved FROM (
    SELECT sql_name FROM catalog_functions WHERE name IN ('customer_count', 'repurchase_rate', 'purchase_frequency',
           'spend_per_customer', 'active_rate', 'new_customers', 'returning_customers', 'distinct_count',
           'intersection_count', 'difference_count')
    UNION ALL SELECT sql_name FROM catalog_aggregations WHERE name IN ('customer_agg', 'distinct_agg')) a
WHERE NOT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                  WHERE n.nspname || '.' || p.proname = a.sql_name);

-- Sales lines, Jan - Feb 2025: stores 1, 2 north, 3, 4 south; txn = ticket; customer NULL = anonymous
-- (store 4 has anonymous sales only: 0 customers, no repurchase rate).
--   customer 11: 01-03 store 1 (two tickets, one day), 01-20 store 2, 02-20 store 3 (south)
--   customer 12: 01-05 store 1
--   customer 13: 01-10 store 2, 02-02 store 3
--   customer 14: 02-07 store 3 (two tickets, one day)
--   customer 15: 02-09 store 1, 02-15 store 2
CREATE SCHEMA rk_mem;
CREATE TABLE rk_mem.sales (sale_date date, store_id int, region text, txn bigint, customer_id bigint, revenue numeric);
INSERT INTO rk_mem.sales VALUES
    ('2025-01-03', 1, 'north', 1001, 11, 10.00), ('2025-01-03', 1, 'north', 1001, 11, 5.50),
    ('2025-01-03', 1, 'north', 1002, 11, 4.00), ('2025-01-20', 2, 'north', 1003, 11, 30.00),
    ('2025-01-05', 1, 'north', 1004, 12, 12.25), ('2025-01-10', 2, 'north', 1005, 13, 8.00),
    ('2025-01-08', 2, 'north', 1006, NULL, 3.00), ('2025-01-08', 2, 'north', 1006, NULL, 1.00),
    ('2025-02-20', 3, 'south', 1007, 11, 40.00), ('2025-02-02', 3, 'south', 1008, 13, 16.00),
    ('2025-02-07', 3, 'south', 1009, 14, 9.99), ('2025-02-07', 3, 'south', 1010, 14, 0.01),
    ('2025-02-09', 1, 'north', 1011, 15, 25.00), ('2025-02-15', 2, 'north', 1012, 15, -5.00),
    ('2025-02-10', 3, 'south', 1013, NULL, 7.00), ('2025-01-15', 4, 'south', 1014, NULL, 6.00);
-- the member base (static: members on file with their home store); 16 and 17 never bought
CREATE TABLE rk_mem.members (customer_id bigint, store_id int, region text);
INSERT INTO rk_mem.members VALUES (11, 1, 'north'), (12, 1, 'north'), (13, 2, 'north'), (14, 3, 'south'),
    (15, 1, 'north'), (16, 3, 'south'), (17, 2, 'north');

SELECT define_dimension('store', 'Store', '门店'), define_dimension('region', 'Region', '区域');
SELECT define_source('sales', 'rk_mem.sales', 'sale_date', '{"store": "store_id", "region": "region"}'),
       define_source('members', 'rk_mem.members', NULL, '{"store": "store_id", "region": "region"}');
SELECT define_measure('net_sales', 'sales', 'sum', 'revenue', unit => 'CNY'),
       define_measure('customer_summary', 'sales', 'customer_agg', 'customer_id, sale_date, revenue'),
       define_measure('order_keys', 'sales', 'distinct_agg', 'txn'),
       define_measure('members', 'members', 'count_distinct', 'customer_id');
SELECT code, installed, detail FROM install_standard_metrics()
WHERE installed OR code IN ('customer_count', 'repurchase_rate', 'purchase_frequency', 'spend_per_member',
                            'avg_order_value', 'sales_per_customer')
ORDER BY code;
SELECT code, kind, unit, polarity, definition FROM metric_catalog
WHERE code IN ('customer_summary', 'order_keys', 'customer_count', 'repurchase_rate', 'purchase_frequency',
               'spend_per_member', 'avg_order_value') ORDER BY code;

-- ---- the hand-written figures per (grain, dimension, period, member), from the rows
CREATE TEMP TABLE hand AS
WITH r AS (
    -- (the total grain has no period: a stand-in date, so that the joins below match it)
    SELECT g.grain, d.dim, CASE g.grain WHEN 'month' THEN date_trunc('month', s.sale_date)::date
                                        ELSE date '0001-01-01' END AS period_start,
           CASE d.dim WHEN 'store' THEN jsonb_build_object('store', s.store_id)
                      ELSE jsonb_build_object('region', s.region) END AS member, s.*
    FROM rk_mem.sales s, (VALUES ('month'), ('total')) g(grain), (VALUES ('store'), ('region')) d(dim)),
per_customer AS (
    SELECT grain, dim, period_start, member, customer_id, count(DISTINCT sale_date) AS days, sum(revenue) AS spend
    FROM r WHERE customer_id IS NOT NULL GROUP BY 1, 2, 3, 4, 5),
c AS (
    SELECT grain, dim, period_start, member, count(*) AS customers, count(*) FILTER (WHERE days >= 2) AS repeaters,
           sum(days) AS occasions, sum(spend) AS spend
    FROM per_customer GROUP BY 1, 2, 3, 4)
SELECT r.grain, r.dim, nullif(r.period_start, date '0001-01-01') AS period_start, r.member,
       count(DISTINCT r.customer_id) AS customer_count,
       c.repeaters::float8 / c.customers AS repurchase_rate, c.occasions::float8 / c.customers AS purchase_frequency,
       c.spend / c.customers AS spend_per_member, sum(r.revenue) / count(DISTINCT r.txn) AS avg_order_value
FROM r LEFT JOIN c USING (grain, dim, period_start, member)
GROUP BY r.grain, r.dim, r.period_start, r.member, c.repeaters, c.customers, c.occasions, c.spend;

-- the figures by region and month (by hand: north Jan: 11 (2 days), 12, 13 -> 3 customers, 1 repeater,
-- 4 occasions, spend 69.75 -> 23.25; orders 1001..1006 -> 73.75 / 6; south Jan: anonymous only (0
-- customers, rates NULL, order value 6.00); north Feb:
-- 15 (2 days, spend 20.00); south Feb: 11, 13, 14 (one day each) -> 0 repeaters; anonymous 1013 counts
-- as an order only)
SELECT dimension_values->>'region' AS region, period_start, metric, value, exact_value
FROM metric_values('{customer_count,repurchase_rate,purchase_frequency,spend_per_member,avg_order_value}',
                   '{region}', NULL, '2025-01-01', '2025-02-28', 'month')
ORDER BY metric, region, period_start;

-- metric_values equals the hand-written SQL, every metric, both grains, both dimensions (no row on
-- either side without its twin: EXCEPT both ways over the long format, float8 compared with =)
CREATE TEMP TABLE cat AS
SELECT g.grain, d.dim, CASE g.grain WHEN 'month' THEN v.period_start END AS period_start, v.dimension_values AS member,
       v.metric, v.value, v.exact_value
FROM (VALUES ('month'), ('total')) g(grain), (VALUES ('store'), ('region')) d(dim),
     LATERAL metric_values('{customer_count,repurchase_rate,purchase_frequency,spend_per_member,avg_order_value}',
                           ARRAY[d.dim], NULL, '2025-01-01', '2025-02-28', g.grain) v;
CREATE TEMP TABLE hand_long AS
SELECT grain, dim, period_start, member, m.metric, m.value, m.exact_value
FROM hand, LATERAL (VALUES ('customer_count', customer_count::float8, customer_count::numeric),
                           ('repurchase_rate', repurchase_rate, NULL),
                           ('purchase_frequency', purchase_frequency, NULL),
                           ('spend_per_member', spend_per_member::float8, spend_per_member),
                           ('avg_order_value', avg_order_value::float8, avg_order_value)) m(metric, value, exact_value);
SELECT count(*) AS catalog_rows, (SELECT count(*) FROM hand_long) AS hand_rows,
       count(*) FILTER (WHERE value IS NULL) AS null_values FROM cat;
SELECT 'catalog only' AS side, * FROM (SELECT * FROM cat EXCEPT SELECT * FROM hand_long) x
UNION ALL
SELECT 'hand only', * FROM (SELECT * FROM hand_long EXCEPT SELECT * FROM cat) y
ORDER BY 1, 2, 3, 4, 5, 6;

-- customers roll up as distinct customers, not as a sum: region = count(DISTINCT customer) of its rows,
-- which is less than the sum over its stores in the north (11 and 15 bought in both stores 1 and 2: 3 + 3
-- store customers, 4 region customers)
SELECT r.region, r.value AS region_customers, s.store_sum, h.distinct_customers,
       r.value = h.distinct_customers AS equals_distinct, r.value < s.store_sum AS below_store_sum
FROM (SELECT dimension_values->>'region' AS region, value
      FROM metric_values('{customer_count}', '{region}', NULL, '2025-01-01', '2025-02-28', 'total')) r
JOIN (SELECT m.region, sum(v.value) AS store_sum
      FROM metric_values('{customer_count}', '{store}', NULL, '2025-01-01', '2025-02-28', 'total') v
      JOIN (SELECT DISTINCT store_id, region FROM rk_mem.sales) m ON m.store_id = (v.dimension_values->>'store')::int
      GROUP BY m.region) s USING (region)
JOIN (SELECT region, count(DISTINCT customer_id) AS distinct_customers FROM rk_mem.sales GROUP BY region) h USING (region)
ORDER BY region;
-- and the grand total: 5 customers (11 bought in both regions), not 4 + 3
SELECT value AS all_customers, (SELECT count(DISTINCT customer_id) FROM rk_mem.sales) AS hand
FROM metric_values('{customer_count}', '{}', NULL, '2025-01-01', '2025-02-28', 'total');
-- the subtotals of a request agree too
SELECT dimension_values, value FROM metric_values('{customer_count}', '{region}', NULL, '2025-01-01', '2025-02-28',
                                                  'total', subtotals => true)
ORDER BY dimension_values;

-- sales_per_customer (all net sales / distinct customers) and spend_per_member (member spend / members)
-- are different 口径: anonymous sales count in the first only
SELECT define_measure('customers', 'sales', 'count_distinct', 'customer_id');
SELECT code, installed FROM install_standard_metrics() WHERE code IN ('customers', 'sales_per_customer');
SELECT metric, value, exact_value FROM metric_values('{sales_per_customer,spend_per_member}', '{}', NULL,
                                                     '2025-01-01', '2025-02-28', 'total') ORDER BY metric;
-- by hand: net sales 172.75 / 5 customers = 34.55; member spend 155.75 (without the anonymous 3.00,
-- 1.00, 7.00, 6.00) / 5 = 31.15
SELECT sum(revenue) / count(DISTINCT customer_id) AS sales_per_customer,
       sum(revenue) FILTER (WHERE customer_id IS NOT NULL) / count(DISTINCT customer_id) AS spend_per_member
FROM rk_mem.sales;

-- ---- the allow-listed accessors in derived metrics
-- active members: buyers / members on file (static source)
SELECT define_metric('members', 'Members on file', 'simple', measure => 'members', unit => 'count');
SELECT define_metric('active_member_rate', 'Active member rate', 'derived',
                     expression => 'active_rate(customer_summary, members)', unit => 'ratio', label_zh => '会员活跃度');
-- by hand, total: 5 buyers / 7 members = 0.714...; by region the buyers of the region over its home members:
-- north 4 (11, 12, 13, 15) / 5, south 3 (11, 13, 14) / 2 = 1.5 (buyers from elsewhere: returned as is)
SELECT dimension_values->>'region' AS region, value,
       value = (SELECT count(DISTINCT s.customer_id)::float8 FROM rk_mem.sales s
                WHERE s.region = v.dimension_values->>'region' OR v.dimension_values = '{}')
             / (SELECT count(*) FROM rk_mem.members m
                WHERE m.region = v.dimension_values->>'region' OR v.dimension_values = '{}') AS equals_hand
FROM metric_values('{active_member_rate}', '{region}', NULL, '2025-01-01', '2025-02-28', 'total', subtotals => true) v
ORDER BY region NULLS LAST;

-- new and returning customers of February against January: measures filtered on the month
SELECT define_measure('jan_customers', 'sales', 'customer_agg', 'customer_id, sale_date, revenue',
                      filter => 'sale_date < ''2025-02-01''::date'),
       define_measure('feb_customers', 'sales', 'customer_agg', 'customer_id, sale_date, revenue',
                      filter => 'sale_date >= ''2025-02-01''::date'),
       define_measure('jan_buyers', 'sales', 'distinct_agg', 'customer_id', filter => 'sale_date < ''2025-02-01''::date'),
       define_measure('feb_buyers', 'sales', 'distinct_agg', 'customer_id', filter => 'sale_date >= ''2025-02-01''::date');
SELECT define_metric(c, c, 'simple', measure => c) FROM unnest('{jan_customers,feb_customers,jan_buyers,feb_buyers}'::text[]) c;
SELECT define_metric('feb_new_customers', 'New customers in February', 'derived',
                     expression => 'new_customers(feb_customers, jan_customers)', unit => 'count'),
       define_metric('feb_returning_customers', 'Returning customers in February', 'derived',
                     expression => 'returning_customers(feb_customers, jan_customers)', unit => 'count'),
       define_metric('kept_buyers', 'Buyers of both months', 'derived',
                     expression => 'intersection_count(feb_buyers, jan_buyers)', unit => 'count'),
       define_metric('lost_buyers', 'January buyers absent in February', 'derived',
                     expression => 'difference_count(jan_buyers, feb_buyers)', unit => 'count'),
       define_metric('orders', 'Orders', 'derived', expression => 'distinct_count(order_keys)', unit => 'count');
-- by hand: January 11, 12, 13; February 11, 13, 14, 15 -> new 14, 15 (2), returning 11, 13 (2),
-- both months 2, January only: 12 (1); orders 1001 .. 1014 (14)
SELECT metric, value FROM metric_values('{feb_new_customers,feb_returning_customers,kept_buyers,lost_buyers,orders}',
                                        '{}', NULL, '2025-01-01', '2025-02-28', 'total')
ORDER BY metric;
WITH j AS (SELECT DISTINCT customer_id FROM rk_mem.sales WHERE sale_date < '2025-02-01' AND customer_id IS NOT NULL),
     f AS (SELECT DISTINCT customer_id FROM rk_mem.sales WHERE sale_date >= '2025-02-01' AND customer_id IS NOT NULL)
SELECT (SELECT count(*) FROM f WHERE customer_id NOT IN (SELECT * FROM j)) AS new,
       (SELECT count(*) FROM f WHERE customer_id IN (SELECT * FROM j)) AS returning,
       (SELECT count(*) FROM j WHERE customer_id NOT IN (SELECT * FROM f)) AS lost,
       (SELECT count(DISTINCT txn) FROM rk_mem.sales) AS orders;
-- by region: north in February has 15 only (new: none of its January buyers); a NULL prior summary (south
-- has no January rows) counts as no customers, so all of south's February customers are new
SELECT dimension_values->>'region' AS region, metric, value
FROM metric_values('{feb_new_customers,feb_returning_customers}', '{region}', NULL, '2025-01-01', '2025-02-28', 'total')
ORDER BY region, metric;

-- a function that is not allow-listed is refused (lost_customers is not in the list)
\set VERBOSITY terse
SELECT define_metric('lost_x', 'Lost', 'derived', expression => 'lost_customers(feb_customers, jan_customers)');

DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;
DROP SCHEMA rk_mem CASCADE;
