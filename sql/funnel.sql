-- sql/funnel.sql: funnel(stage_counts, stage_names).
SET search_path = retail_kpi, public;

-- visitors 1000 -> product views 400 -> carts 100 -> orders 25
-- step rate:     1000/1000 = 1, 400/1000 = 0.4, 100/400 = 0.25, 25/100 = 0.25
-- rate from top: 1, 0.4, 100/1000 = 0.1, 25/1000 = 0.025
-- drop-off:      0, 0.6, 0.75, 0.75
SELECT * FROM funnel(ARRAY[1000, 400, 100, 25], ARRAY['visitors', 'views', 'carts', 'orders']);

-- default names are NULL
SELECT stage, name, count, step_rate FROM funnel('{10,5}');

-- a zero stage: the stage after it has no step rate or drop-off (0/0 -> NULL), rate from top 0
SELECT * FROM funnel('{1000,0,0}');
-- a zero first stage: every ratio NULL
SELECT * FROM funnel('{0,0,5}');
-- counts may grow down the funnel: 120/100 = 1.2, drop-off 1 - 1.2 = -0.2
SELECT stage, count, round(step_rate::numeric, 12) AS step_rate,
       round(rate_from_top::numeric, 12) AS rate_from_top, round(drop_off::numeric, 12) AS drop_off
FROM funnel('{100,120}');
-- one stage; an empty array or NULL gives no rows
SELECT * FROM funnel('{7}', '{only}');
SELECT count(*) FROM funnel('{}');
SELECT count(*) FROM funnel(NULL);
-- large counts stay exact in the count column
SELECT stage, count, rate_from_top FROM funnel(ARRAY[9007199254740993, 9007199254740993]::bigint[]);

-- errors
SELECT * FROM funnel('{10,NULL,3}');
SELECT * FROM funnel('{10,-1}');
SELECT * FROM funnel('{10,5}', '{a}');
SELECT * FROM funnel('{10,5}', '{a,NULL}');
SELECT * FROM funnel('{{10,5},{3,1}}');
SELECT * FROM funnel('{10,5}', '{{a,b}}');
SELECT * FROM funnel('{}', '{a}');

-- the example of docs/funnel.md
SELECT stage, name, count, round(step_rate::numeric, 4) AS step_rate,
       round(rate_from_top::numeric, 4) AS rate_from_top, round(drop_off::numeric, 4) AS drop_off
FROM funnel(stage_counts => ARRAY[5000, 1250, 500, 200],
            stage_names  => ARRAY['visitors', 'transactions', '2+ units', 'loyalty 2+']);
