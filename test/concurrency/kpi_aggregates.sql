-- test/concurrency/kpi_aggregates.sql: one-step KPIs over a random 31-day window of the raw rows;
-- the exact revenue of margin_agg must equal sum(revenue) (else conc.assert raises an error)
\set d random(0, 335)
\set s random(1, 20)
SELECT conc.assert(retail_kpi.revenue(retail_kpi.margin_agg(revenue, cost, units))
                 IS NOT DISTINCT FROM sum(revenue) FILTER (WHERE cost IS NOT NULL), 'margin_agg revenue = sum(revenue)'),
       retail_kpi.gross_margin_rate(revenue, cost), retail_kpi.ratio(retail_kpi.ratio_agg(units, revenue))
FROM conc.sales
WHERE sale_date BETWEEN date '2024-01-01' + :d::int AND date '2024-01-01' + :d::int + 30 AND store_id <= :s::int;
