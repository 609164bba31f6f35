-- sql/receivables.sql: the receivables family (应收账款): collection_rate (回款率) over credit sales and in
-- the roll-forward form (variant 'cei'), collection_effectiveness_index, days_sales_outstanding; then the
-- standard library's receivables templates through the catalog, at month, quarter and total grains,
-- against hand-written SQL.  Expected values are computed by hand in the comments.
SET search_path = retail_kpi, public;
\set VERBOSITY terse

-- errors as "SQLSTATE: message (hint)", so the codes are part of the expected output
CREATE FUNCTION pg_temp.err(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st text; msg text; hint text;
BEGIN
    EXECUTE q;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN st || ': ' || msg || coalesce(' (' || nullif(hint, '') || ')', '');
END
$$;

-- ---- collection rate over credit sales: cash collected / credit sales
SELECT collection_rate(98, 100) AS "0.98",                                                  -- 98 / 100
       collection_rate(cash_collected => 245.50, credit_sales => 250) AS "0.982",           -- 245.5 / 250
       collection_rate(0, 100) AS "0",
       collection_rate(130, 100) AS "1.3";          -- collecting old balances: above 1 is a real value
-- correctly rounded once: both integers are below 2^53, so the float8 division of the cents is exact-then-rounded
SELECT collection_rate(1234567890123.45, 1234567890123.46) = 123456789012345::float8 / 123456789012346::float8 AS rounded_once,
       collection_rate(1, 3) = 1::float8 / 3 AS third;

-- ---- the roll-forward form (the standard's default): (begin AR + credit sales - end AR) / credit sales
-- begin 1000, credit sales 500, end 1010: (1000 + 500 - 1010) / 500 = 490 / 500 = 0.98
SELECT collection_rate(1000, 500, 1010) AS "0.98",
       collection_rate(begin_ar => 1000, credit_sales => 500, end_ar => 1010, variant => 'standard') AS "0.98 named",
       collection_rate(98, 100, 2) AS "1.96";      -- three arguments: (98 + 100 - 2) / 100, not the cash form
-- on a balanced ledger (end = begin + credit - cash) both forms agree
SELECT count(*) AS ledgers, count(*) FILTER (WHERE collection_rate(b, s, b + s - c) = collection_rate(c, s)) AS same
FROM (VALUES (0, 100, 98), (1000, 500, 490), (250.25, 99.99, 300.10), (5, 0.01, 0.01)) v(b, s, c);

-- ---- collection effectiveness index: (begin + credit - end) / (begin + credit - end current)
-- begin 1000, credit 500, end 1010, end current 400: 490 / 1100 = 49 / 110 = 0.44545...
SELECT collection_effectiveness_index(1000, 500, 1010, 400) = 49::float8 / 110 AS cei,
       collection_rate(1000, 500, 1010, 400, variant => 'cei') = 49::float8 / 110 AS variant_cei,
       collection_effectiveness_index(begin_ar => 200, credit_sales => 800, end_ar => 150, end_current_ar => 150) AS "1";
-- everything collectable was collected (end AR all current) -> 1; nothing collected -> 0
SELECT collection_effectiveness_index(0, 100, 0, 0) AS "1 (all collected)",
       collection_effectiveness_index(100, 100, 200, 50) AS "0";

-- ---- days sales outstanding: end AR x days / credit sales (method 'ending'), or average AR (method 'average')
-- end 1010, credit 500, 30 days: 1010 x 30 / 500 = 60.6; average (1000 + 1010) / 2 = 1005: 1005 x 30 / 500 = 60.3
SELECT days_sales_outstanding(1010, 500, 30) AS "60.6",
       days_sales_outstanding(end_ar => 1010, credit_sales => 500, period_days => 30, begin_ar => 1000,
                              method => 'average') AS "60.3",
       days_sales_outstanding(100, 300, 91) = 91::float8 / 3 AS "91/3 rounded once",
       days_sales_outstanding(1000, 365, 365) AS "1000",
       days_sales_outstanding(-50, 100, 30) AS "-15 (credit balance)";

-- ---- edge cases: a zero or negative denominator gives NULL; NULL amounts give NULL
SELECT collection_rate(5, 0) AS credit_0, collection_rate(5, -10) AS credit_neg,
       collection_rate(100, 0, 100) AS rollforward_0, collection_rate(100, -5, 80) AS rollforward_neg,
       collection_effectiveness_index(100, 0, 50, 100) AS cei_den_0,           -- 100 + 0 - 100 = 0
       collection_effectiveness_index(100, 0, 50, 300) AS cei_den_neg,         -- 100 - 300 < 0
       days_sales_outstanding(100, 0, 30) AS dso_0, days_sales_outstanding(100, -1, 30) AS dso_neg;
SELECT collection_rate(NULL, 1) AS a, collection_rate(1, NULL) AS b, collection_rate(NULL, 1, 1) AS c,
       collection_rate(1, 1, NULL) AS d, collection_rate(1, 1, 1, NULL, 'cei') AS e,
       collection_effectiveness_index(1, 1, 1, NULL) AS f, days_sales_outstanding(NULL, 1, 30) AS g,
       days_sales_outstanding(1, 1, NULL) AS h,
       days_sales_outstanding(1, 1, 30, method => 'average') AS "i (no begin_ar)";
-- the NULL rule holds before the denominator rule, and also with a denominator that would be NULL
SELECT collection_rate(NULL::numeric, NULL::numeric) AS a, days_sales_outstanding(NULL, NULL, NULL) AS b;

-- ---- bad input: non-finite amounts, bad or NULL variants, arguments the variant does not use, days <= 0
SELECT pg_temp.err(q) FROM (VALUES
    ($$SELECT retail_kpi.collection_rate('NaN', 1)$$),
    ($$SELECT retail_kpi.collection_rate(1, 'Infinity')$$),
    ($$SELECT retail_kpi.collection_rate(1, 2, '-Infinity')$$),
    ($$SELECT retail_kpi.collection_rate('NaN', 2, 1)$$),
    ($$SELECT retail_kpi.collection_rate(1, 2, 3, 'NaN', variant => 'cei')$$),
    ($$SELECT retail_kpi.collection_effectiveness_index(1, 2, 3, 'Infinity')$$),
    ($$SELECT retail_kpi.days_sales_outstanding('NaN', 1, 30)$$),
    ($$SELECT retail_kpi.days_sales_outstanding(1, 1, 'Infinity')$$),
    ($$SELECT retail_kpi.days_sales_outstanding(1, 1, 30, 'NaN', 'average')$$),
    ($$SELECT retail_kpi.collection_rate(1, 2, 3, variant => 'CEI')$$),
    ($$SELECT retail_kpi.collection_rate(1, 2, 3, variant => NULL)$$),
    ($$SELECT retail_kpi.collection_rate(NULL, NULL, NULL, variant => 'nonsense')$$),
    ($$SELECT retail_kpi.collection_rate(1000, 500, 1010, 400)$$),
    ($$SELECT retail_kpi.days_sales_outstanding(1, 2, 30, method => 'begin')$$),
    ($$SELECT retail_kpi.days_sales_outstanding(1, 2, 30, method => NULL)$$),
    ($$SELECT retail_kpi.days_sales_outstanding(1010, 500, 30, 1000)$$),
    ($$SELECT retail_kpi.days_sales_outstanding(1, 2, 0)$$),
    ($$SELECT retail_kpi.days_sales_outstanding(1, 0, -30)$$),
    ($$SELECT retail_kpi.days_sales_outstanding(NULL, NULL, -1)$$)) t(q);

-- ---- the SQL objects: volatility, strictness, parallel safety, comments
SELECT p.oid::regprocedure AS function, p.provolatile AS vol, p.proisstrict AS strict, p.proparallel AS par,
       obj_description(p.oid, 'pg_proc') IS NOT NULL AS commented
FROM pg_proc p
WHERE p.pronamespace = 'retail_kpi'::regnamespace
  AND p.proname IN ('collection_rate', 'collection_effectiveness_index', 'days_sales_outstanding')
ORDER BY 1::text;

-- =============================================================================================
-- Through the catalog: the standard templates bound to a small AR ledger
-- =============================================================================================
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;

-- the templates: collection rate divides by credit sales (0.2 divided by all net sales)
SELECT code, kind, coalesce(measure, numerator || ' / ' || denominator, expression) AS definition, unit
FROM standard_metric_templates()
WHERE code IN ('cash_collected', 'credit_sales', 'begin_ar_summary', 'end_ar_summary', 'end_current_ar_summary',
               'begin_ar', 'end_ar', 'end_current_ar', 'collection_rate', 'dso', 'collection_effectiveness_index',
               'period_days')
ORDER BY code;

-- Monthly AR per store, Jan - Jun 2025 (month_end rows).  Stores 1, 2 north, 3, 4 south; store 4 starts
-- in February (its opening balance 40 appears in February).  Each month: end = begin + credit - cash
-- (a CHECK), the next begin = this end; end_current <= end.
CREATE SCHEMA rk_ar;
CREATE TABLE rk_ar.ar_balances (
    store_id int, region text, month_end date, begin_ar numeric(12,2), credit_sales numeric(12,2),
    cash_collected numeric(12,2), end_ar numeric(12,2), end_current_ar numeric(12,2),
    CHECK (end_ar = begin_ar + credit_sales - cash_collected), CHECK (end_current_ar BETWEEN 0 AND end_ar));
INSERT INTO rk_ar.ar_balances
WITH RECURSIVE m AS (
    SELECT s AS store_id, i, (date '2025-01-01' + make_interval(months => i))::date - 1 AS month_end,
           (100 * s + 7 * i * s + 13 * (i % 3))::numeric AS credit
    FROM generate_series(1, 4) s, generate_series(1, 6) i
    WHERE NOT (s = 4 AND i = 1)),
led(store_id, i, month_end, b, credit, cash) AS (
    SELECT store_id, i, month_end, CASE store_id WHEN 4 THEN 40 ELSE 50 * store_id END::numeric, credit,
           round((CASE store_id WHEN 4 THEN 40 ELSE 50 * store_id END + credit) * 0.6, 2)
    FROM m WHERE i = CASE store_id WHEN 4 THEN 2 ELSE 1 END
    UNION ALL
    SELECT n.store_id, n.i, n.month_end, l.b + l.credit - l.cash, n.credit,
           round((l.b + l.credit - l.cash + n.credit) * (0.55 + 0.05 * (n.i % 4)), 2)
    FROM led l JOIN m n ON n.store_id = l.store_id AND n.i = l.i + 1)
SELECT store_id, CASE WHEN store_id <= 2 THEN 'north' ELSE 'south' END, month_end, b, credit, cash,
       b + credit - cash, round((b + credit - cash) * 0.7, 2)
FROM led;
SELECT count(*) AS rows, min(month_end), max(month_end), sum(credit_sales) AS credit, sum(cash_collected) AS cash
FROM rk_ar.ar_balances;
-- days of the period: one row per calendar day of each month that has AR rows (count_distinct per group)
CREATE VIEW rk_ar.ar_days AS
SELECT d::date AS day, a.store_id, a.region
FROM rk_ar.ar_balances a, generate_series(date_trunc('month', a.month_end), a.month_end, interval '1 day') d;

SELECT define_dimension('store', 'Store', '门店'), define_dimension('region', 'Region', '区域');
SELECT define_source('ar', 'rk_ar.ar_balances', 'month_end', '{"store": "store_id", "region": "region"}'),
       define_source('ar_days', 'rk_ar.ar_days', 'day', '{"store": "store_id", "region": "region"}');
SELECT define_measure('cash_collected', 'ar', 'sum', 'cash_collected', unit => 'CNY'),
       define_measure('credit_sales', 'ar', 'sum', 'credit_sales', unit => 'CNY'),
       define_measure('begin_ar_summary', 'ar', 'stock_agg', 'month_end, begin_ar'),
       define_measure('end_ar_summary', 'ar', 'stock_agg', 'month_end, end_ar'),
       define_measure('end_current_ar_summary', 'ar', 'stock_agg', 'month_end, end_current_ar'),
       define_measure('period_days', 'ar_days', 'count_distinct', 'day', unit => 'days');
SELECT code, installed, detail FROM install_standard_metrics()
WHERE installed OR code IN ('collection_rate', 'dso', 'collection_effectiveness_index') ORDER BY code;
SELECT code, unit, polarity, definition FROM metric_catalog
WHERE code IN ('collection_rate', 'dso', 'collection_effectiveness_index', 'begin_ar', 'end_ar') ORDER BY code;

-- the hand-written figures: per region and period (month or quarter), flows summed over the period's
-- rows, balances taken at the period's first (begin) and last (end) month end, days = calendar days
CREATE TEMP TABLE hand AS
WITH r AS (
    SELECT g.grain, CASE g.grain WHEN 'month' THEN date_trunc('month', a.month_end)
                                 ELSE date_trunc('quarter', a.month_end) END::date AS period_start, a.*
    FROM rk_ar.ar_balances a, (VALUES ('month'), ('quarter')) g(grain)),
p AS (
    SELECT grain, period_start, region, sum(credit_sales) AS credit, sum(cash_collected) AS cash,
           min(month_end) AS first_end, max(month_end) AS last_end
    FROM r GROUP BY 1, 2, 3),
b AS (
    SELECT p.*, (SELECT sum(begin_ar) FROM rk_ar.ar_balances x WHERE x.region = p.region AND x.month_end = p.first_end) AS begin_ar,
           (SELECT sum(end_ar) FROM rk_ar.ar_balances x WHERE x.region = p.region AND x.month_end = p.last_end) AS end_ar,
           (SELECT sum(end_current_ar) FROM rk_ar.ar_balances x WHERE x.region = p.region AND x.month_end = p.last_end) AS end_cur,
           p.last_end - date_trunc('month', p.first_end)::date + 1 AS days
    FROM p)
SELECT grain, period_start, jsonb_build_object('region', region) AS dimension_values, credit, cash, begin_ar, end_ar,
       end_cur, days,
       cash / credit AS collection_rate,
       end_ar * days / credit AS dso,
       (begin_ar + credit - end_ar) / (begin_ar + credit - end_cur) AS cei
FROM b;

CREATE TEMP TABLE got AS
SELECT 'month' AS grain, * FROM metric_values('{collection_rate,dso,collection_effectiveness_index,begin_ar,end_ar}',
                                             '{region}', NULL, '2025-01-01', '2025-06-30', 'month')
UNION ALL
SELECT 'quarter', * FROM metric_values('{collection_rate,dso,collection_effectiveness_index,begin_ar,end_ar}',
                                       '{region}', NULL, '2025-01-01', '2025-06-30', 'quarter');
-- every figure equal to the hand-written one (ratios to 12 significant digits, balances exactly)
SELECT g.grain, g.metric, count(*) AS rows,
       count(*) FILTER (WHERE CASE g.metric
           WHEN 'collection_rate' THEN abs(g.value - h.collection_rate::float8) <= 1e-12 * abs(h.collection_rate::float8)
           WHEN 'dso' THEN abs(g.value - h.dso::float8) <= 1e-12 * abs(h.dso::float8)
           WHEN 'collection_effectiveness_index' THEN abs(g.value - h.cei::float8) <= 1e-12 * abs(h.cei::float8)
           WHEN 'begin_ar' THEN g.exact_value = h.begin_ar
           WHEN 'end_ar' THEN g.exact_value = h.end_ar END) AS equal
FROM got g JOIN hand h USING (grain, period_start, dimension_values)
GROUP BY 1, 2 ORDER BY 1, 2;
SELECT (SELECT count(*) FROM got) AS got_rows, (SELECT count(*) * 5 FROM hand) AS hand_rows;
-- the quarter figures themselves
SELECT period_start, dimension_values->>'region' AS region, credit, cash, begin_ar, end_ar, end_cur, days,
       round(collection_rate, 6) AS collection_rate, round(dso, 4) AS dso, round(cei, 6) AS cei
FROM hand WHERE grain = 'quarter' ORDER BY 1, 2;
SELECT period_start, dimension_values->>'region' AS region, metric, round(value::numeric, 6) AS value
FROM got WHERE grain = 'quarter' ORDER BY 1, 2, 3;
-- balances are semi-additive: the quarter's end AR is the last month's, not the sum over its months
SELECT g.dimension_values->>'region' AS region, g.exact_value AS end_ar_q1,
       (SELECT sum(end_ar) FROM rk_ar.ar_balances a WHERE a.region = g.dimension_values->>'region'
          AND a.month_end BETWEEN '2025-01-01' AND '2025-03-31') AS sum_over_months
FROM got g WHERE g.grain = 'quarter' AND g.metric = 'end_ar' AND g.period_start = '2025-01-01' ORDER BY 1;

-- a window of whole months (grain total) and the store dimension: the same rules
SELECT v.dimension_values->>'store' AS store, v.metric, round(v.value::numeric, 8) AS value,
       round(CASE v.metric
           WHEN 'collection_rate' THEN (SELECT sum(cash_collected) / sum(credit_sales) FROM rk_ar.ar_balances a
                                        WHERE a.store_id = (v.dimension_values->>'store')::int AND a.month_end <= '2025-05-31')
           WHEN 'dso' THEN (SELECT (SELECT a.end_ar FROM rk_ar.ar_balances a
                                    WHERE a.store_id = (v.dimension_values->>'store')::int AND a.month_end = '2025-05-31')
                                   * (max(month_end) - date_trunc('month', min(month_end))::date + 1) / sum(credit_sales)
                            FROM rk_ar.ar_balances a
                            WHERE a.store_id = (v.dimension_values->>'store')::int AND a.month_end <= '2025-05-31')
       END, 8) AS by_hand
FROM metric_values('{collection_rate,dso}', '{store}', NULL, '2025-01-01', '2025-05-31', 'total') v
ORDER BY 1, 2;

-- the roll-forward variant and DSO on average AR as user-defined derived metrics over the same measures
SELECT define_metric('collection_rate_rollforward', 'Collection rate (roll-forward)', 'derived',
                     expression => 'collection_rate(begin_ar, credit_sales, end_ar)'),
       define_metric('dso_average', 'DSO on average AR', 'derived',
                     expression => 'days_sales_outstanding(end_ar, credit_sales, period_days, begin_ar, method => ''average'')');
-- The roll-forward equals cash / credit sales where AR moves only by credit sales and cash: not in south's
-- first quarter, where store 4's opening balance of 40 entered AR in February (the quarter's opening AR is
-- the region's AR at its first month end, January, when store 4 had none): there the roll-forward counts
-- those 40 as collected (other_movements = roll-forward numerator - cash = -40).  DSO on average AR by hand.
SELECT g.period_start, g.dimension_values->>'region' AS region, round(g.value::numeric, 10) AS rollforward,
       round((h.begin_ar + h.credit - h.end_ar) / h.credit, 10) AS rollforward_by_hand,
       round(h.collection_rate, 10) AS cash_over_credit, h.begin_ar + h.credit - h.end_ar - h.cash AS other_movements,
       round(d.value::numeric, 8) AS dso_average,
       round((h.begin_ar + h.end_ar) / 2 * h.days / h.credit, 8) AS by_hand
FROM metric_values('{collection_rate_rollforward}', '{region}', NULL, '2025-01-01', '2025-06-30', 'quarter') g
JOIN metric_values('{dso_average}', '{region}', NULL, '2025-01-01', '2025-06-30', 'quarter') d
     USING (period_start, dimension_values)
JOIN hand h ON h.grain = 'quarter' AND h.period_start = g.period_start AND h.dimension_values = g.dimension_values
ORDER BY 1, 2;
-- a definition with a bad variant is refused when it is made
SELECT pg_temp.err($$SELECT retail_kpi.define_metric('dso_bad', 'DSO', 'derived',
                     expression => 'days_sales_outstanding(end_ar, credit_sales, period_days, method => ''mean'')')$$);
SELECT count(*) AS dso_bad_defined FROM metrics WHERE code = 'dso_bad';

DROP TABLE hand, got;
DROP SCHEMA rk_ar CASCADE;
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;
