-- test/demo/report_95_receivables.sql: receivables (应收账款) of the stores that sell on account:
-- collection rate (回款率) over credit sales, days sales outstanding (DSO) and the collection effectiveness
-- index (CEI) by region for the last calendar quarter, from the indicator center (the standard library
-- bound to retail_demo.ar_balances by report_90_scorecard.sql), each next to the same figure computed by
-- hand-written SQL; the company's monthly trend; and what the 0.2 template (cash / all net sales) showed.
SET search_path = retail_kpi, retail_demo, public;
\pset footer off
\pset null '-'
SET client_min_messages = warning;

\echo
\echo '=== 95. Receivables (应收账款): collection rate (回款率), DSO and CEI ==='
\echo 'AR balances are month-end figures: flows (credit sales, cash) add up over months, balances do not:'
\echo 'a quarter opens with its first month''s opening AR and closes with its last month''s closing AR.'
\echo 'DSO uses the scorecard''s period_days binding (days with sales); over whole months it equals the'
\echo 'calendar days the hand-written SQL uses, and the check column would show it if it did not.'

-- The hand-written figures for a window of whole months, by region and for the company ('(all)'):
-- flows summed, balances at the window's first and last month end (summed across stores), days = the
-- calendar days of those months.  Plain SQL, independent of the extension.
CREATE FUNCTION pg_temp.ar_by_hand(from_date date, to_date date)
RETURNS TABLE(region text, credit numeric, cash numeric, begin_ar numeric, end_ar numeric, end_current_ar numeric,
              days int)
LANGUAGE sql STABLE AS $$
WITH a AS (SELECT g.region, x.*
           FROM retail_demo.ar_balances x JOIN retail_demo.stores st USING (store_id)
           JOIN retail_demo.regions r USING (region_id)
           CROSS JOIN LATERAL (VALUES (r.region_name), ('(all)')) g(region)
           WHERE x.month_end BETWEEN from_date AND to_date),
f AS (SELECT a.region, sum(credit_sales) AS credit, sum(cash_collected) AS cash,
             min(month_end) AS first_end, max(month_end) AS last_end
      FROM a GROUP BY a.region)
SELECT f.region, f.credit, f.cash, b.begin_ar, e.end_ar, e.end_current_ar,
       f.last_end - date_trunc('month', f.first_end)::date + 1
FROM f
CROSS JOIN LATERAL (SELECT sum(a.begin_ar) AS begin_ar FROM a WHERE a.region = f.region AND a.month_end = f.first_end) b
CROSS JOIN LATERAL (SELECT sum(a.end_ar) AS end_ar, sum(a.end_current_ar) AS end_current_ar
                    FROM a WHERE a.region = f.region AND a.month_end = f.last_end) e
$$;

-- metric_values (by region and for the company) next to the hand-written figures, with a check column
CREATE FUNCTION pg_temp.ar_side_by_side(from_date date, to_date date, grain text)
RETURNS TABLE(region text, credit_sales text, cr text, cr_hand text, dso text, dso_hand text, cei text,
              cei_hand text, check_ text)
LANGUAGE sql STABLE AS $$
WITH v AS (
    SELECT coalesce(dimension_values->>'region', '(all)') AS region, metric, value
    FROM retail_kpi.metric_values('{collection_rate,dso,collection_effectiveness_index}', '{region}', NULL,
                                  from_date, to_date, grain)
    UNION ALL
    SELECT '(all)', metric, value
    FROM retail_kpi.metric_values('{collection_rate,dso,collection_effectiveness_index}', '{}', NULL,
                                  from_date, to_date, grain)),
m AS (
    SELECT region, max(value) FILTER (WHERE metric = 'collection_rate') AS cr,
           max(value) FILTER (WHERE metric = 'dso') AS dso,
           max(value) FILTER (WHERE metric = 'collection_effectiveness_index') AS cei
    FROM v GROUP BY region),
h AS (
    -- a non-positive denominator gives NULL, as the KPI functions do (kpi-semantics.md)
    SELECT region, credit, (cash / nullif(greatest(credit, 0), 0))::float8 AS cr,
           (end_ar * days / nullif(greatest(credit, 0), 0))::float8 AS dso,
           ((begin_ar + credit - end_ar) / nullif(greatest(begin_ar + credit - end_current_ar, 0), 0))::float8 AS cei
    FROM pg_temp.ar_by_hand(from_date, to_date))
SELECT coalesce(m.region, h.region), to_char(h.credit, 'FM999,999,990'),
       to_char(100 * m.cr, 'FM990.00') || ' %', to_char(100 * h.cr, 'FM990.00') || ' %',
       to_char(m.dso, 'FM990.0'), to_char(h.dso, 'FM990.0'), to_char(m.cei, 'FM0.000'), to_char(h.cei, 'FM0.000'),
       CASE WHEN coalesce(abs(m.cr - h.cr) <= 1e-9 * abs(h.cr), m.cr IS NULL AND h.cr IS NULL)
                 AND coalesce(abs(m.dso - h.dso) <= 1e-9 * abs(h.dso), m.dso IS NULL AND h.dso IS NULL)
                 AND coalesce(abs(m.cei - h.cei) <= 1e-9 * abs(h.cei), m.cei IS NULL AND h.cei IS NULL)
            THEN 'equal' ELSE 'DIFFERENT' END
FROM m FULL JOIN h USING (region)
WHERE h.region IS NOT NULL OR m.cr IS NOT NULL OR m.dso IS NOT NULL OR m.cei IS NOT NULL
ORDER BY coalesce(m.region, h.region) = '(all)', 1
$$;

\echo
\echo '--- by region, Q4 2025 (Oct - Dec): metric_values (grain quarter) and hand-written SQL side by side'
SELECT region, credit_sales, cr AS "回款率 collection rate", cr_hand AS "by hand", dso AS "DSO (days)", dso_hand AS "by hand",
       cei AS "CEI", cei_hand AS "by hand", check_ AS "check"
FROM pg_temp.ar_side_by_side('2025-10-01', '2025-12-31', 'quarter');

\echo
\echo '--- fiscal year 2025 in whole calendar months (Feb 2025 - Jan 2026, grain total): over a year'
\echo '    collections match credit sales (about 100 %); a quarter''s rate moves with the seasons'
SELECT region, credit_sales, cr AS "回款率 collection rate", cr_hand AS "by hand", dso AS "DSO (days)", dso_hand AS "by hand",
       cei AS "CEI", cei_hand AS "by hand", check_ AS "check"
FROM pg_temp.ar_side_by_side('2025-02-01', '2026-01-31', 'total');

\echo
\echo '--- the balances behind them (metric_values: begin_ar, end_ar, end_current_ar, period_days; hand-written SQL)'
WITH v AS (
    SELECT dimension_values->>'region' AS region, metric, exact_value
    FROM metric_values('{begin_ar,end_ar,end_current_ar,period_days}', '{region}', NULL,
                       '2025-10-01', '2025-12-31', 'quarter')),
m AS (
    SELECT region, max(exact_value) FILTER (WHERE metric = 'begin_ar') AS begin_ar,
           max(exact_value) FILTER (WHERE metric = 'end_ar') AS end_ar,
           max(exact_value) FILTER (WHERE metric = 'end_current_ar') AS end_current_ar,
           max(exact_value) FILTER (WHERE metric = 'period_days') AS days
    FROM v GROUP BY region)
SELECT h.region, m.begin_ar AS "opening AR", h.begin_ar AS "by hand", m.end_ar AS "closing AR", h.end_ar AS "by hand",
       m.end_current_ar AS "closing current AR", h.end_current_ar AS "by hand", m.days AS "days", h.days AS "by hand",
       CASE WHEN (m.begin_ar, m.end_ar, m.end_current_ar, m.days) = (h.begin_ar, h.end_ar, h.end_current_ar, h.days)
            THEN 'equal' ELSE 'DIFFERENT' END AS "check"
FROM pg_temp.ar_by_hand('2025-10-01', '2025-12-31') h LEFT JOIN m USING (region)
WHERE h.region <> '(all)'
ORDER BY 1;

\echo
\echo '--- the company, month by month (grain month): metric_values and hand-written SQL'
WITH v AS (
    SELECT period_start, metric, value
    FROM metric_values('{collection_rate,dso,collection_effectiveness_index}', '{}', NULL,
                       '2025-07-01', '2026-01-31', 'month')),
m AS (
    SELECT period_start, max(value) FILTER (WHERE metric = 'collection_rate') AS cr,
           max(value) FILTER (WHERE metric = 'dso') AS dso,
           max(value) FILTER (WHERE metric = 'collection_effectiveness_index') AS cei
    FROM v GROUP BY period_start),
h AS (
    SELECT date_trunc('month', month_end)::date AS period_start,
           (sum(cash_collected) / sum(credit_sales))::float8 AS cr,
           (sum(end_ar) * extract(day FROM max(month_end)) / sum(credit_sales))::float8 AS dso,
           ((sum(begin_ar) + sum(credit_sales) - sum(end_ar))
            / (sum(begin_ar) + sum(credit_sales) - sum(end_current_ar)))::float8 AS cei
    FROM ar_balances WHERE month_end BETWEEN '2025-07-01' AND '2026-01-31' GROUP BY 1)
SELECT to_char(h.period_start, 'YYYY-MM') AS month,
       to_char(100 * m.cr, 'FM990.00') || ' %' AS "回款率 collection rate", to_char(100 * h.cr, 'FM990.00') || ' %' AS "by hand",
       to_char(m.dso, 'FM990.0') AS "DSO (days)", to_char(h.dso, 'FM990.0') AS "by hand",
       to_char(m.cei, 'FM0.000') AS "CEI", to_char(h.cei, 'FM0.000') AS "by hand",
       CASE WHEN abs(m.cr - h.cr) <= 1e-9 * abs(h.cr) AND abs(m.dso - h.dso) <= 1e-9 * abs(h.dso)
                 AND abs(m.cei - h.cei) <= 1e-9 * abs(h.cei) THEN 'equal' ELSE 'DIFFERENT' END AS "check"
FROM h LEFT JOIN m USING (period_start)
ORDER BY 1;

\echo
\echo '--- why the template changed: collections over ALL net sales (the 0.2 template, cash sales included)'
\echo '    against collections over credit sales (the sales booked to AR), Q4 2025'
SELECT h.region, to_char(h.cash, 'FM999,999,990') AS cash_collected, to_char(h.credit, 'FM999,999,990') AS credit_sales,
       to_char(s.net_sales, 'FM999,999,990') AS net_sales,
       to_char(100 * h.cash / s.net_sales, 'FM990.00') || ' %' AS "cash / net sales (0.2)",
       to_char(100 * h.cash / h.credit, 'FM990.00') || ' %' AS "cash / credit sales (0.3)"
FROM pg_temp.ar_by_hand('2025-10-01', '2025-12-31') h
JOIN (SELECT r.region_name AS region, sum(x.revenue) AS net_sales
      FROM sales x JOIN stores st USING (store_id) JOIN regions r USING (region_id)
      WHERE x.sale_date BETWEEN '2025-10-01' AND '2025-12-31' GROUP BY 1) s USING (region)
ORDER BY 1;

\echo
\echo '--- the scalar functions on one store''s December 2025 (the variants the templates do not use)'
SELECT store_id, credit_sales, cash_collected, begin_ar, end_ar, end_current_ar,
       round(collection_rate(cash_collected, credit_sales)::numeric, 4) AS "cash / credit",
       round(collection_rate(begin_ar, credit_sales, end_ar)::numeric, 4) AS "roll-forward",
       round(collection_rate(begin_ar, credit_sales, end_ar, end_current_ar, variant => 'cei')::numeric, 4) AS cei,
       round(days_sales_outstanding(end_ar, credit_sales, 31)::numeric, 1) AS "DSO ending",
       round(days_sales_outstanding(end_ar, credit_sales, 31, begin_ar, method => 'average')::numeric, 1) AS "DSO average"
FROM ar_balances WHERE month_end = '2025-12-31' AND store_id = (SELECT min(store_id) FROM ar_balances);
RESET client_min_messages;
