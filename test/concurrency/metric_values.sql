-- test/concurrency/metric_values.sql: the indicator center while the catalog is edited: net_sales
-- by region must equal the raw sums, and an edited metric is either definition it alternates between
\set d random(0, 300)
\set m random(1, 3)
SELECT conc.assert(bool_and(CASE v.metric
                            WHEN 'net_sales' THEN v.exact_value = w.rev
                            WHEN 'gross_margin_rate' THEN v.value IS NOT NULL
                            ELSE v.exact_value IN (w.rev, w.cost) END)
             AND count(*) = 6, 'metric_values = raw sums')
FROM retail_kpi.metric_values(ARRAY['net_sales', 'gross_margin_rate', 'edit_' || :m::int], ARRAY['region'],
                              from_date => date '2024-01-01' + :d::int, to_date => date '2024-01-01' + :d::int + 60,
                              grain => 'total') v
JOIN (SELECT region, sum(revenue) AS rev, sum(cost) AS cost FROM conc.sales
      WHERE sale_date BETWEEN date '2024-01-01' + :d::int AND date '2024-01-01' + :d::int + 60 GROUP BY region) w
  ON w.region = v.dimension_values->>'region';
