-- test/concurrency/rollup_summaries.sql: rollup of stored daily summaries by region for a random
-- quarter, checked against the raw rows in the same statement (one snapshot; conc.assert raises an error on a mismatch)
\set d random(0, 270)
SELECT conc.assert(bool_and(retail_kpi.revenue(r.s) = w.rev AND retail_kpi.cost(r.s) = w.cost), 'rollup of stored summaries = raw sums')
FROM (SELECT region, retail_kpi.rollup(s) AS s FROM conc.daily_summary
      WHERE day BETWEEN date '2024-01-01' + :d::int AND date '2024-01-01' + :d::int + 90 GROUP BY region) r
JOIN (SELECT region, sum(revenue) AS rev, sum(cost) AS cost FROM conc.sales
      WHERE sale_date BETWEEN date '2024-01-01' + :d::int AND date '2024-01-01' + :d::int + 90 GROUP BY region) w
  USING (region);
