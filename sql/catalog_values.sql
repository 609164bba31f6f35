-- sql/catalog_values.sql: the compiler. metric_values equals the hand-written SQL for simple, ratio
-- (numerator and denominator from different sources, each aggregated at the grain first), derived and
-- static-source metrics, at every grain, with filters and period comparisons; row-level security on a
-- source limits what each role sees; publish_metric_view; errors of metric_sql.
SET search_path = retail_kpi, public;
\set VERBOSITY terse
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;

CREATE SCHEMA rk_val;
CREATE TABLE rk_val.stores (store_id int PRIMARY KEY, region text, area_m2 numeric);
INSERT INTO rk_val.stores VALUES (1, 'north', 120.5), (2, 'north', 80), (3, 'south', 200), (4, 'south', 50.25), (5, NULL, 10);
CREATE TABLE rk_val.sales (sale_date date, store_id int, region text, revenue numeric(12,2), cost numeric(12,2),
                           units int, txn int);
INSERT INTO rk_val.sales
SELECT date '2024-01-01' + (g * 7 % 731), 1 + g % 5, (SELECT region FROM rk_val.stores s WHERE s.store_id = 1 + g % 5),
       round(((g * 37) % 1000) / 7.0, 2), round(((g * 37) % 1000) / 11.0, 2), 1 + g % 4, g / 3
FROM generate_series(1, 12000) g;
INSERT INTO rk_val.sales VALUES ('2024-03-03', 1, 'north', NULL, 5, 1, -1);   -- a NULL revenue is skipped by sum
CREATE TABLE rk_val.traffic (ts timestamp, store_id int, region text, visitors int);
INSERT INTO rk_val.traffic
SELECT timestamp '2024-01-01 09:00' + d * interval '1 day' + s * interval '1 hour', s,
       (SELECT region FROM rk_val.stores x WHERE x.store_id = s), 50 + (d * s) % 40
FROM generate_series(0, 730) d, generate_series(1, 5) s;

SELECT define_dimension('store', 'Store', '门店');
SELECT define_dimension('region', 'Region', '区域');
SELECT define_source('sales', 'rk_val.sales', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_source('traffic', 'rk_val.traffic', 'ts', '{"store": "store_id", "region": "region"}');
SELECT define_source('stores', 'rk_val.stores', NULL, '{"store": "store_id", "region": "region"}');
SELECT define_measure('net_sales', 'sales', 'sum', 'revenue');
SELECT define_measure('sales_summary', 'sales', 'margin_agg', 'revenue, cost, units');
SELECT define_measure('transactions', 'sales', 'count_distinct', 'txn');
SELECT define_measure('big_lines', 'sales', 'count', filter => 'revenue >= 100');
SELECT define_measure('visitors', 'traffic', 'sum', 'visitors');
SELECT define_measure('selling_area', 'stores', 'sum', 'area_m2');
SELECT define_metric('net_sales', 'Net sales', measure => 'net_sales');
SELECT define_metric('sales_summary', 'Sales summary', measure => 'sales_summary');
SELECT define_metric('transactions', 'Transactions', measure => 'transactions');
SELECT define_metric('big_lines', 'Lines of 100 or more', measure => 'big_lines');
SELECT define_metric('visitors', 'Visitors', measure => 'visitors');
SELECT define_metric('selling_area', 'Selling area', measure => 'selling_area', unit => 'm2');
SELECT define_metric('gross_margin_rate', 'Gross margin rate', 'derived', expression => 'margin_rate(sales_summary)');
SELECT define_metric('conversion_rate', 'Conversion', 'ratio', numerator => 'transactions', denominator => 'visitors');
SELECT define_metric('avg_transaction_value', 'ATV', 'ratio', numerator => 'net_sales', denominator => 'transactions');
SELECT define_metric('sales_per_m2', 'Sales per m²', 'ratio', numerator => 'net_sales', denominator => 'selling_area');
SELECT define_metric('gp_per_visitor', 'Gross profit per visitor', 'derived',
                     expression => 'gross_profit(sales_summary) / nullif(visitors, 0)');
SELECT define_metric('gp_per_visitor_pct', 'GP per visitor (x100)', 'derived', expression => 'round(gp_per_visitor * 100, 4)');

-- compare a metric_values call with hand-written SQL (same rows; values equal to 1e-12 relative);
-- mismatches also counts a difference in the number of rows
CREATE FUNCTION pg_temp.diff(got regclass, want regclass) RETURNS TABLE(got_rows bigint, want_rows bigint, mismatches bigint)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format($q$
        SELECT (SELECT count(*) FROM %1$s), (SELECT count(*) FROM %2$s),
               (SELECT count(*) FROM %1$s g FULL JOIN %2$s w
                  ON g.metric = w.metric AND g.period_start IS NOT DISTINCT FROM w.period_start
                 AND g.dimension_values = w.dimension_values
                WHERE g.metric IS NULL OR w.metric IS NULL
                   OR NOT ((g.value IS NULL AND w.value IS NULL)
                           OR abs(g.value - w.value) <= 1e-12 * greatest(abs(w.value), 1e-300)))
               + abs((SELECT count(*) FROM %1$s) - (SELECT count(*) FROM %2$s))$q$, got, want);
END $$;

-- ---- simple metrics by region and month, all grains
CREATE TEMP TABLE got AS SELECT * FROM metric_values('{net_sales,transactions,big_lines}', '{region}',
                                                     from_date => '2024-02-10', to_date => '2024-11-20');
CREATE TEMP TABLE want AS
SELECT m.metric, date_trunc('month', sale_date)::date AS period_start, jsonb_build_object('region', region) AS dimension_values,
       CASE m.metric WHEN 'net_sales' THEN sum(revenue) WHEN 'transactions' THEN count(DISTINCT txn)
                     ELSE count(*) FILTER (WHERE revenue >= 100) END::float8 AS value
FROM rk_val.sales, (VALUES ('net_sales'), ('transactions'), ('big_lines')) m(metric)
WHERE sale_date BETWEEN '2024-02-10' AND '2024-11-20' GROUP BY 1, 2, 3;
SELECT * FROM pg_temp.diff('got', 'want');
-- exact money: exact_value is sum(numeric) digit for digit
SELECT count(*) AS exact_mismatches FROM got g
WHERE g.metric = 'net_sales' AND g.exact_value IS DISTINCT FROM
      (SELECT sum(revenue) FROM rk_val.sales s WHERE date_trunc('month', sale_date)::date = g.period_start
          AND s.region IS NOT DISTINCT FROM (g.dimension_values->>'region') AND sale_date BETWEEN '2024-02-10' AND '2024-11-20');
SELECT metric, period_start, dimension_values, value, exact_value FROM got
WHERE period_start = '2024-02-01' ORDER BY metric, dimension_values::text;
DROP TABLE got, want;

CREATE FUNCTION pg_temp.by_grain(grain text) RETURNS TABLE(got_rows bigint, want_rows bigint, mismatches bigint)
LANGUAGE plpgsql AS $$
BEGIN
    DROP TABLE IF EXISTS got, want;
    CREATE TEMP TABLE got AS SELECT * FROM retail_kpi.metric_values('{net_sales}', '{store}', NULL, '2024-01-01', '2025-12-31', grain);
    CREATE TEMP TABLE want AS
    SELECT 'net_sales'::text AS metric,
           CASE WHEN grain = 'total' THEN date '2024-01-01' ELSE date_trunc(grain, sale_date)::date END AS period_start,
           jsonb_build_object('store', store_id) AS dimension_values, sum(revenue)::float8 AS value
    FROM rk_val.sales GROUP BY 1, 2, 3;
    RETURN QUERY SELECT * FROM pg_temp.diff('got', 'want');
END $$;
SELECT g AS grain, d.* FROM unnest('{day,week,month,quarter,year,total}'::text[]) g, pg_temp.by_grain(g) d;
DROP TABLE got, want;
-- weeks start on Monday (ISO), as date_trunc('week') does
SELECT DISTINCT extract(isodow FROM period_start) AS week_starts_on FROM metric_values('{net_sales}', grain => 'week');

-- ---- ratio from two sources: each side aggregated at the grain, then divided once
CREATE TEMP TABLE got AS SELECT * FROM metric_values('{conversion_rate}', '{region}', from_date => '2024-01-01',
                                                     to_date => '2024-12-31', grain => 'quarter');
CREATE TEMP TABLE want AS
WITH t AS (SELECT date_trunc('quarter', sale_date)::date p, region, count(DISTINCT txn) n FROM rk_val.sales
           WHERE sale_date BETWEEN '2024-01-01' AND '2024-12-31' GROUP BY 1, 2),
     v AS (SELECT date_trunc('quarter', ts)::date p, region, sum(visitors) d FROM rk_val.traffic
           WHERE ts >= '2024-01-01' AND ts < '2025-01-01' GROUP BY 1, 2)
SELECT 'conversion_rate'::text AS metric, coalesce(t.p, v.p) AS period_start,
       jsonb_build_object('region', coalesce(t.region, v.region)) AS dimension_values,
       (t.n::numeric / nullif(v.d, 0))::float8 AS value
FROM t FULL JOIN v ON t.p = v.p AND t.region IS NOT DISTINCT FROM v.region;
SELECT * FROM pg_temp.diff('got', 'want');
-- never an average of ratios: the region's rate is not the mean of its stores' rates
SELECT g.value = w.value AS ratio_of_sums,
       g.value <> (SELECT avg(value) FROM metric_values('{conversion_rate}', '{store,region}', '{"region": "north"}',
                                                        '2024-01-01', '2024-03-31', 'quarter')) AS not_mean_of_store_rates
FROM got g JOIN want w USING (metric, period_start, dimension_values)
WHERE g.period_start = '2024-01-01' AND g.dimension_values = '{"region": "north"}';
DROP TABLE got, want;

-- ---- derived metrics (margin rate from the margin summary; an expression over two sources; a derived of a derived)
CREATE TEMP TABLE got AS SELECT * FROM metric_values('{gross_margin_rate,gp_per_visitor,gp_per_visitor_pct}', '{}',
                                                     from_date => '2024-01-01', to_date => '2025-12-31', grain => 'year');
CREATE TEMP TABLE want AS
WITH s AS (SELECT date_trunc('year', sale_date)::date p, sum(revenue) r, sum(cost) FILTER (WHERE revenue IS NOT NULL) c
           FROM rk_val.sales WHERE revenue IS NOT NULL AND cost IS NOT NULL GROUP BY 1),
     v AS (SELECT date_trunc('year', ts)::date p, sum(visitors) d FROM rk_val.traffic GROUP BY 1)
SELECT 'gross_margin_rate'::text AS metric, p AS period_start, '{}'::jsonb AS dimension_values, ((r - c) / r)::float8 AS value FROM s
UNION ALL
SELECT 'gp_per_visitor', p, '{}', ((r - c) / d)::float8 FROM s JOIN v USING (p)
UNION ALL
SELECT 'gp_per_visitor_pct', p, '{}', round((((r - c) / d)::float8 * 100)::numeric, 4)::float8 FROM s JOIN v USING (p);
SELECT * FROM pg_temp.diff('got', 'want');
SELECT metric, period_start, round(value::numeric, 10) FROM got ORDER BY 1, 2;
DROP TABLE got, want;

-- ---- a static source (no time column): selling area is summed over the stores of the group, in every period
CREATE TEMP TABLE got AS SELECT * FROM metric_values('{selling_area,sales_per_m2}', '{region}', NULL,
                                                     '2024-01-01', '2024-02-29', 'month');
CREATE TEMP TABLE want AS
WITH a AS (SELECT region, sum(area_m2) a FROM rk_val.stores GROUP BY 1),
     s AS (SELECT date_trunc('month', sale_date)::date p, region, sum(revenue) r FROM rk_val.sales
           WHERE sale_date BETWEEN '2024-01-01' AND '2024-02-29' GROUP BY 1, 2)
SELECT 'selling_area'::text AS metric, p AS period_start, jsonb_build_object('region', region) AS dimension_values, a::float8 AS value
FROM s JOIN a USING (region)
UNION ALL SELECT 'sales_per_m2', p, jsonb_build_object('region', region), (r / a)::float8 FROM s LEFT JOIN a USING (region)
UNION ALL SELECT 'selling_area', p, jsonb_build_object('region', NULL::text), 10 FROM s WHERE region IS NULL;
SELECT * FROM pg_temp.diff('got', 'want');
SELECT metric, period_start, dimension_values, round(value::numeric, 6) FROM got ORDER BY 1, 2, 3::text;
DROP TABLE got, want;
SELECT metric, period_start, value FROM metric_values('{selling_area}');   -- only static: one row, no period

-- ---- filters: a value, a list, NULL; always literals
SELECT metric, dimension_values, exact_value FROM metric_values('{net_sales}', '{store}', '{"store": 3}', grain => 'total');
SELECT sum(revenue) AS by_hand FROM rk_val.sales WHERE store_id = 3;
SELECT metric, dimension_values, exact_value FROM metric_values('{net_sales}', '{region}', '{"store": [1, 2, 3]}', grain => 'total');
SELECT region, sum(revenue) AS by_hand FROM rk_val.sales WHERE store_id IN (1, 2, 3) GROUP BY 1 ORDER BY 1;
SELECT metric, dimension_values, exact_value FROM metric_values('{net_sales}', '{store}', '{"region": null}', grain => 'total');
SELECT sum(revenue) AS by_hand FROM rk_val.sales WHERE region IS NULL;
SELECT count(*) FROM metric_values('{net_sales}', '{}', '{"region": "nowhere"}');

-- ---- comparisons: previous period and same period last year (growth NULL when the base is <= 0)
CREATE TEMP TABLE got AS SELECT * FROM metric_values('{net_sales}', '{region}', NULL, '2025-03-01', '2025-06-30', 'month',
                                                     'same_period_last_year');
SELECT count(*) AS rows, count(*) FILTER (WHERE abs(base_value - (SELECT sum(revenue) FROM rk_val.sales s
           WHERE date_trunc('month', s.sale_date)::date = (g.period_start - interval '1 year')::date
             AND s.region IS NOT DISTINCT FROM g.dimension_values->>'region')::float8) > 1e-9) AS base_mismatches,
       count(*) FILTER (WHERE abs(change - (value - base_value) / base_value) > 1e-12) AS change_mismatches
FROM got g;
SELECT metric, period_start, dimension_values, exact_value, base_value, round(change::numeric, 10) FROM got
WHERE dimension_values = '{"region": "south"}' ORDER BY period_start;
DROP TABLE got;
SELECT metric, period_start, exact_value, base_value, round(change::numeric, 10)
FROM metric_values('{net_sales,conversion_rate}', '{}', NULL, '2024-05-15', '2024-07-31', 'month', 'previous_period');
SELECT date_trunc('month', sale_date)::date AS month, sum(revenue) FROM rk_val.sales
WHERE sale_date BETWEEN '2024-04-01' AND '2024-07-31' GROUP BY 1 ORDER BY 1;
SELECT metric, period_start, exact_value, base_value, round(change::numeric, 10)
FROM metric_values('{net_sales}', '{}', NULL, '2024-07-01', '2024-09-30', 'total', 'previous_period');
SELECT sum(revenue) FILTER (WHERE sale_date >= '2024-07-01') AS current, sum(revenue) FILTER (WHERE sale_date < '2024-07-01') AS base
FROM rk_val.sales WHERE sale_date BETWEEN date '2024-07-01' - 92 AND '2024-09-30';
-- the exact base and the absolute change (numeric metrics), percentage points (metrics whose unit is
-- a rate), checked against the same sums by hand
SELECT define_metric('gross_margin_rate', 'Gross margin rate', 'derived', expression => 'margin_rate(sales_summary)',
                     unit => 'ratio');
CREATE TEMP TABLE got AS SELECT * FROM metric_values('{net_sales,gross_margin_rate}', '{}', NULL, '2024-07-01', '2024-09-30',
                                                     'total', 'previous_period');
WITH h AS (SELECT sum(revenue) FILTER (WHERE sale_date >= '2024-07-01') AS cur_r, sum(cost) FILTER (WHERE sale_date >= '2024-07-01') AS cur_c,
                  sum(revenue) FILTER (WHERE sale_date < '2024-07-01') AS base_r, sum(cost) FILTER (WHERE sale_date < '2024-07-01') AS base_c
           FROM rk_val.sales WHERE sale_date BETWEEN date '2024-07-01' - 92 AND '2024-09-30')
SELECT g.metric, g.exact_base = h.base_r AS exact_base_ok, g.absolute_change = h.cur_r - h.base_r AS absolute_change_ok,
       g.change_pp IS NULL AS no_pp
FROM got g, h WHERE g.metric = 'net_sales'
UNION ALL
SELECT g.metric, g.exact_base IS NULL, abs(g.absolute_change - (((h.cur_r - h.cur_c) / h.cur_r) - ((h.base_r - h.base_c) / h.base_r))) < 1e-12,
       abs(g.change_pp - 100 * (((h.cur_r - h.cur_c) / h.cur_r) - ((h.base_r - h.base_c) / h.base_r))::float8) < 1e-9
FROM got g, h WHERE g.metric = 'gross_margin_rate';
DROP TABLE got;
-- total with the same period last year: the two windows are not adjacent
SELECT metric, period_start, exact_value, base_value, round(change::numeric, 10)
FROM metric_values('{net_sales}', '{}', NULL, '2025-03-01', '2025-05-31', 'total', 'same_period_last_year');
SELECT sum(revenue) FILTER (WHERE sale_date >= '2025-03-01') AS current, sum(revenue) FILTER (WHERE sale_date < '2025-03-01') AS base
FROM rk_val.sales WHERE sale_date BETWEEN '2025-03-01' AND '2025-05-31' OR sale_date BETWEEN '2024-03-01' AND '2024-05-31';

-- ---- row-level security on a source: each role sees its rows, with the same metric definitions
CREATE ROLE rk_val_north;
CREATE ROLE rk_val_all;
CREATE ROLE rk_val_none;
GRANT USAGE ON SCHEMA rk_val TO rk_val_north, rk_val_all, rk_val_none;
GRANT SELECT ON rk_val.sales, rk_val.traffic, rk_val.stores TO rk_val_north, rk_val_all;
ALTER TABLE rk_val.sales ENABLE ROW LEVEL SECURITY;
CREATE POLICY north_only ON rk_val.sales FOR SELECT TO rk_val_north USING (region = 'north');
CREATE POLICY everything ON rk_val.sales FOR SELECT TO rk_val_all USING (true);
SET ROLE rk_val_north;
SELECT metric, dimension_values, exact_value FROM metric_values('{net_sales}', '{region}', grain => 'total');
RESET ROLE;
SELECT region, sum(revenue) FROM rk_val.sales GROUP BY 1 ORDER BY 1;
SET ROLE rk_val_all;
SELECT metric, dimension_values, exact_value FROM metric_values('{net_sales}', '{region}', grain => 'total');
SET ROLE rk_val_none;
SELECT metric, dimension_values, exact_value FROM metric_values('{net_sales}', '{region}', grain => 'total');
RESET ROLE;

-- ---- publish_metric_view: an ordinary security_invoker view with the same rows
SELECT publish_metric_view('kpi_by_region', '{net_sales,conversion_rate}', '{region}', NULL, '2024-01-01', '2024-12-31',
                           'quarter', schema_name => 'rk_val');
SELECT (SELECT count(*) FROM rk_val.kpi_by_region) AS view_rows,
       (SELECT count(*) FROM (SELECT * FROM rk_val.kpi_by_region
                              EXCEPT SELECT * FROM metric_values('{net_sales,conversion_rate}', '{region}', NULL,
                                                                 '2024-01-01', '2024-12-31', 'quarter')) x) AS differing;
GRANT SELECT ON rk_val.kpi_by_region TO rk_val_north;
SET ROLE rk_val_north;
-- the view runs with the reader's privileges: north sees only north's sales (other regions' rows come from
-- the traffic source, with no visible sales)
SELECT period_start, dimension_values, exact_value FROM rk_val.kpi_by_region
WHERE metric = 'net_sales' AND period_start = '2024-01-01' ORDER BY 2::text;
RESET ROLE;
SELECT obj_description('rk_val.kpi_by_region'::regclass) LIKE 'retail_kpi metric view: net_sales, conversion_rate%' AS commented;

-- ---- errors
SELECT metric_sql('{}');
SELECT metric_sql(NULL);
SELECT metric_sql('{net_sales,NULL}');
SELECT metric_sql('{net_sales,net_sales}');
SELECT metric_sql('{nosuch}');
SELECT metric_sql('{net_sales}', '{nosuch}');
SELECT metric_sql('{net_sales}', '{store,store}');
SELECT metric_sql('{sales_summary}');
SELECT metric_sql('{net_sales}', grain => 'fortnight');
SELECT metric_sql('{net_sales}', from_date => '2024-02-01', to_date => '2024-01-01');
SELECT metric_sql('{net_sales}', compare => 'previous_period');
SELECT metric_sql('{net_sales}', compare => 'yoy', from_date => '2024-01-01', to_date => '2024-01-31');
SELECT metric_sql('{net_sales}', filters => '[1]');
SELECT metric_sql('{net_sales}', filters => '{"store": []}');
SELECT metric_sql('{net_sales}', filters => '{"store": [null]}');
SELECT define_dimension('channel', 'Channel');
SELECT metric_sql('{net_sales}', '{channel}');
SELECT metric_sql('{net_sales}', filters => '{"channel": "web"}');

-- ---- valid grains (issue 12): a promotion summary only over its own window, monthly facts only
-- over whole months at month grain or coarser; refused with 22023 and the valid grains, never split
CREATE TABLE rk_val.promo_lines (sale_date date, units numeric, revenue numeric, cost numeric);
INSERT INTO rk_val.promo_lines VALUES ('2024-02-10', 10, 100, 60), ('2024-02-20', 10, 100, 60),
                                      ('2024-03-05', 30, 270, 180), ('2024-03-30', 5, 50, 30);
SELECT define_source('promo_lines', 'rk_val.promo_lines', 'sale_date');
SELECT define_measure('march_promo', 'promo_lines', 'promo_agg',
                      'sale_date, units, revenue, cost, CAST(''2024-03-01'' AS date), CAST(''2024-03-14'' AS date), '
                      'CAST(''2024-02-01'' AS date), CAST(''2024-02-29'' AS date)');
SELECT define_metric('march_promo', 'March promotion', measure => 'march_promo');
SELECT define_metric('promo_incremental_revenue', 'Incremental revenue', 'derived', expression => 'incremental_revenue(march_promo)');
SELECT metric, value FROM metric_values('{promo_incremental_revenue}', grain => 'month');    -- 22023
SELECT metric, value FROM metric_values('{promo_incremental_revenue}', grain => 'total');
-- by hand: promotion 270 over 14 days, baseline 200 over 29 days: 270 - 200 / 29 * 14 = 173.448275862...
SELECT round(270 - 200 / 29.0 * 14, 9) AS by_hand;
CREATE TABLE rk_val.monthly_costs (month_start date, region text, amount numeric);
INSERT INTO rk_val.monthly_costs VALUES ('2024-01-01', 'north', 100), ('2024-02-01', 'north', 110), ('2024-03-01', 'north', 120),
                                        ('2024-04-01', 'north', 130), ('2024-01-01', 'south', 50);
SELECT define_source('monthly_costs', 'rk_val.monthly_costs', 'month_start', '{"region": "region"}', native_grain => 'month');
SELECT define_source('bad', 'rk_val.monthly_costs', 'month_start', native_grain => 'fortnight');           -- 22023
SELECT define_measure('costs', 'monthly_costs', 'sum', 'amount');
SELECT define_metric('costs', 'Costs', measure => 'costs');
SELECT metric, period_start, value FROM metric_values('{costs}', '{}', NULL, '2024-01-01', '2024-03-31', 'quarter');   -- 380
SELECT metric, value FROM metric_values('{costs}', '{}', NULL, '2024-01-01', '2024-01-31', 'day');        -- 22023: finer
SELECT metric, value FROM metric_values('{costs}', '{}', NULL, '2024-01-01', '2024-03-31', 'week');       -- 22023: not aligned
SELECT metric, value FROM metric_values('{costs}', '{}', NULL, '2024-01-15', '2024-03-31', 'month');      -- 22023: from_date
SELECT metric, value FROM metric_values('{costs}', '{}', NULL, '2024-01-01', '2024-03-15', 'total');      -- 22023: to_date
SELECT metric, value FROM metric_values('{costs}', '{}', NULL, '2024-02-01', '2024-03-31', 'total', 'previous_period');  -- 22023: 60 days back
SELECT metric, value, base_value FROM metric_values('{costs}', '{}', NULL, '2024-03-01', '2024-04-30', 'month', 'previous_period');
SELECT drop_metric('costs'), drop_catalog_object('measure', 'costs'), drop_catalog_object('source', 'monthly_costs');
SELECT drop_metric('promo_incremental_revenue'), drop_metric('march_promo'), drop_catalog_object('measure', 'march_promo'),
       drop_catalog_object('source', 'promo_lines');

-- ---- subtotals and a grand total (issue 16): ROLLUP over (region, store) in every source; ratios and
-- distinct counts are computed at each level from its own parts (never summed from the level below);
-- a subtotal row lacks the keys it totals over, so store 5, whose region is NULL, stays apart from the
-- subtotal of all regions.  Checked against GROUPING SETS written by hand.
CREATE TEMP TABLE got AS
SELECT * FROM metric_values('{net_sales,transactions,conversion_rate,sales_per_m2}', '{region,store}', NULL,
                            '2024-01-01', '2024-12-31', 'total', subtotals => true);
SELECT (SELECT coalesce(array_agg(x ORDER BY x), '{}') FROM jsonb_object_keys(dimension_values) x) AS level, count(*)
FROM got WHERE metric = 'net_sales' GROUP BY 1 ORDER BY 1;
WITH s AS (SELECT region, store_id, GROUPING(region, store_id) AS g, sum(revenue) AS rev, count(DISTINCT txn) AS txn
           FROM rk_val.sales WHERE sale_date BETWEEN '2024-01-01' AND '2024-12-31' GROUP BY ROLLUP (region, store_id)),
t AS (SELECT region, store_id, GROUPING(region, store_id) AS g, sum(visitors) AS vis
      FROM rk_val.traffic WHERE ts >= '2024-01-01' AND ts < '2025-01-01' GROUP BY ROLLUP (region, store_id)),
a AS (SELECT region, store_id, GROUPING(region, store_id) AS g, sum(area_m2) AS area FROM rk_val.stores GROUP BY ROLLUP (region, store_id)),
h AS (SELECT CASE WHEN s.g & 2 = 0 THEN jsonb_build_object('region', s.region) ELSE '{}' END
             || CASE WHEN s.g & 1 = 0 THEN jsonb_build_object('store', s.store_id) ELSE '{}' END AS dv,
             s.rev, s.txn, t.vis, a.area
      FROM s LEFT JOIN t ON t.g = s.g AND t.region IS NOT DISTINCT FROM s.region AND t.store_id IS NOT DISTINCT FROM s.store_id
             LEFT JOIN a ON a.g = s.g AND a.region IS NOT DISTINCT FROM s.region AND a.store_id IS NOT DISTINCT FROM s.store_id)
SELECT count(*) AS hand_rows,
       count(*) FILTER (WHERE (SELECT g.exact_value FROM got g WHERE g.metric = 'net_sales' AND g.dimension_values = h.dv) IS DISTINCT FROM h.rev) AS net_sales_mismatches,
       count(*) FILTER (WHERE (SELECT g.exact_value FROM got g WHERE g.metric = 'transactions' AND g.dimension_values = h.dv) IS DISTINCT FROM h.txn) AS txn_mismatches,
       count(*) FILTER (WHERE abs((SELECT g.value FROM got g WHERE g.metric = 'conversion_rate' AND g.dimension_values = h.dv)
                                  - (h.txn::numeric / h.vis)::float8) > 1e-12) AS conversion_mismatches,
       count(*) FILTER (WHERE abs((SELECT g.value FROM got g WHERE g.metric = 'sales_per_m2' AND g.dimension_values = h.dv)
                                  - (h.rev / h.area)::float8) > 1e-9) AS per_m2_mismatches,
       (SELECT count(*) FROM got WHERE metric = 'net_sales') AS metric_rows
FROM h;
DROP TABLE got;
-- with a comparison, each level is compared with the same level of the base period
SELECT dimension_values, exact_value, exact_base, absolute_change = exact_value - exact_base AS ok
FROM metric_values('{net_sales}', '{region}', NULL, '2025-01-01', '2025-03-31', 'total', 'same_period_last_year', subtotals => true)
WHERE dimension_values = '{}';
SELECT sum(revenue) FILTER (WHERE sale_date >= '2025-01-01') AS current, sum(revenue) FILTER (WHERE sale_date < '2025-01-01') AS base
FROM rk_val.sales WHERE sale_date BETWEEN '2025-01-01' AND '2025-03-31' OR sale_date BETWEEN '2024-01-01' AND '2024-03-31';
-- the wide layout (one column per metric, per dimension), published as a view for BI tools
SELECT publish_metric_view('kpi_wide', '{net_sales,conversion_rate}', '{region}', NULL, '2024-01-01', '2024-12-31', 'quarter',
                           'previous_period', schema_name => 'rk_val', subtotals => true, layout => 'wide');
SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'rk_val.kpi_wide'::regclass AND attnum > 0 ORDER BY attnum;
SELECT count(*) AS wide_rows,
       count(*) FILTER (WHERE w.net_sales IS DISTINCT FROM l.exact_value) AS mismatches,
       count(*) FILTER (WHERE w.net_sales_absolute_change IS DISTINCT FROM l.absolute_change
                           OR w.net_sales_base IS DISTINCT FROM l.exact_base) AS change_mismatches
FROM rk_val.kpi_wide w
JOIN metric_values('{net_sales}', '{region}', NULL, '2024-01-01', '2024-12-31', 'quarter', 'previous_period', subtotals => true) l
  ON l.period_start = w.period_start
 AND l.dimension_values = CASE WHEN w."grouping" = 0 THEN jsonb_build_object('region', w.region) ELSE '{}' END;
SELECT metric_sql('{net_sales}', layout => 'tall');                                       -- 22023
SELECT metric_sql('{net_sales}', subtotals => NULL);                                      -- 22004

-- ---- dimension tables (issue 16): a source that carries only the store reaches region and country
-- through the stores and regions tables (joined on their unique keys), without a view
CREATE TABLE rk_val.regions (region text PRIMARY KEY, country text);
INSERT INTO rk_val.regions VALUES ('north', 'CN'), ('south', 'CN');
CREATE TABLE rk_val.store_sales AS SELECT sale_date, store_id, revenue FROM rk_val.sales;
SELECT define_dimension('country', 'Country', '国家');
SELECT define_dimension('region', 'Region', '区域', dimension_table => 'rk_val.regions', key_column => 'region',
                        attributes => '{"country": "country"}');
SELECT define_dimension('store', 'Store', '门店', dimension_table => 'rk_val.stores', key_column => 'store_id',
                        attributes => '{"region": "region"}');
SELECT define_source('store_sales', 'rk_val.store_sales', 'sale_date', '{"store": "store_id"}');
SELECT define_measure('store_revenue', 'store_sales', 'sum', 'revenue');
SELECT define_metric('store_revenue', 'Revenue by store', measure => 'store_revenue');
SELECT v.dimension_values, v.exact_value = h.rev AS matches_hand
FROM metric_values('{store_revenue}', '{region}', NULL, '2024-01-01', '2024-12-31', 'total') v
JOIN (SELECT st.region, sum(s.revenue) AS rev FROM rk_val.store_sales s JOIN rk_val.stores st USING (store_id)
      WHERE s.sale_date BETWEEN '2024-01-01' AND '2024-12-31' GROUP BY 1) h
  ON h.region IS NOT DISTINCT FROM v.dimension_values->>'region'
ORDER BY 1;
-- two levels (store -> region -> country), a filter on a joined dimension, subtotals
SELECT dimension_values, exact_value = (SELECT sum(revenue) FROM rk_val.store_sales s JOIN rk_val.stores st USING (store_id)
                                        WHERE st.region IS NOT NULL AND s.sale_date BETWEEN '2024-01-01' AND '2024-12-31') AS matches_hand
FROM metric_values('{store_revenue}', '{country}', '{"region": ["north", "south"]}', '2024-01-01', '2024-12-31', 'total');
SELECT count(*) FILTER (WHERE dimension_values = '{}') AS grand_totals, count(*) AS rows
FROM metric_values('{store_revenue}', '{country,region}', NULL, '2024-01-01', '2024-12-31', 'total', subtotals => true);
-- bad input
SELECT define_dimension('store', 'Store', dimension_table => 'rk_val.sales', key_column => 'store_id',
                        attributes => '{"region": "region"}');                                  -- not unique: 22023
SELECT define_dimension('store', 'Store', dimension_table => 'rk_val.stores', key_column => 'nosuch',
                        attributes => '{"region": "region"}');                                  -- 42703
SELECT define_dimension('store', 'Store', dimension_table => 'rk_val.stores', key_column => 'store_id',
                        attributes => '{"regoin": "region"}');                                  -- 42704
SELECT define_dimension('store', 'Store', dimension_table => 'rk_val.stores');                 -- 22023: all three
SELECT metric_values('{store_revenue}', '{country}') IS NOT NULL FROM (SELECT define_dimension('region', 'Region')) x;  -- no table any more: 22023

-- ---- "did you mean" (issue 16): misspelled metrics, dimensions, measures and functions name the nearest
\set VERBOSITY default
\set SHOW_CONTEXT never
SELECT * FROM metric_values('{net_sale}');
SELECT * FROM metric_values('{net_sales}', '{regoin}');
SELECT * FROM metric_values('{zzzzzzzz}');
SELECT define_metric('gm2', 'GM', 'derived', expression => 'margin_rat(sales_summary)');
SELECT define_metric('gm2', 'GM', 'derived', expression => 'random()');
SELECT define_metric('gm2', 'GM', measure => 'net_sale');
SELECT define_measure('m2', 'sale', 'sum', 'revenue');
\set VERBOSITY terse
\set SHOW_CONTEXT errors

-- cleanup
RESET ROLE;
DROP SCHEMA rk_val CASCADE;
DROP ROLE rk_val_north, rk_val_all, rk_val_none;
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;
