-- sql/factor.sql: factor_contributions (chain, shapley, lmdi, lmdi_multiplicative).
SET search_path = retail_kpi, public;

-- Output rounded to 9 decimals so that float formatting noise cannot show.
CREATE FUNCTION fc(b float8[], a float8[], m text DEFAULT 'chain', n text[] DEFAULT NULL)
RETURNS TABLE (ordinal int, factor text, base float8, actual float8, contribution numeric)
LANGUAGE sql AS $$
  SELECT ordinal, factor, base, actual, round(contribution::numeric, 9)
  FROM retail_kpi.factor_contributions(b, a, m, n) $$;

-- ===== chain, 2 factors: a 4 -> 6, b 10 -> 11; V0 = 40, V1 = 66
-- order (a, b): a = 6*10 - 4*10 = 20, b = 6*11 - 6*10 = 6   (sum 26)
SELECT * FROM fc('{4,10}', '{6,11}', 'chain', '{a,b}');
-- order (b, a): b = 4*11 - 4*10 = 4, a = 6*11 - 4*11 = 22  (the caller's order is used)
SELECT * FROM fc('{10,4}', '{11,6}', 'chain', '{b,a}');
-- default method is chain, default names x1, x2
SELECT * FROM factor_contributions('{4,10}', '{6,11}');

-- ===== chain, 3 factors: traffic 1000 -> 1100, conversion 0.2 -> 0.25, ATV 50 -> 48
-- V0 = 10000, V1 = 13200
-- traffic:    1100*0.2*50  - 10000 = 1000
-- conversion: 1100*0.25*50 - 11000 = 2750
-- ATV:        1100*0.25*48 - 13750 = -550     (sum 3200 = 13200 - 10000)
SELECT * FROM fc('{1000,0.2,50}', '{1100,0.25,48}', 'chain', '{traffic,conversion,atv}');

-- negative values are fine for chain: a -2 -> 4, b 3 -> 3: a = 4*3 - (-2*3) = 18, b = 0
SELECT * FROM fc('{-2,3}', '{4,3}');

-- ===== shapley, 2 factors = mean of the two chains: a = (20 + 22)/2 = 21, b = (6 + 4)/2 = 5
SELECT * FROM fc('{4,10}', '{6,11}', 'shapley', '{a,b}');

-- shapley, 3 factors = mean of the 6 chain orders, computed here from 'chain' itself
WITH f(i, b, a) AS (VALUES (1, 1000::float8, 1100::float8), (2, 0.2, 0.25), (3, 50, 48)),
perms(p) AS (VALUES (ARRAY[1,2,3]), (ARRAY[1,3,2]), (ARRAY[2,1,3]), (ARRAY[2,3,1]), (ARRAY[3,1,2]), (ARRAY[3,2,1])),
chains AS (
  SELECT p[c.ordinal] AS i, c.contribution
  FROM perms,
       LATERAL factor_contributions(
         ARRAY(SELECT f.b FROM unnest(p) WITH ORDINALITY u(i, o) JOIN f USING (i) ORDER BY o),
         ARRAY(SELECT f.a FROM unnest(p) WITH ORDINALITY u(i, o) JOIN f USING (i) ORDER BY o)) c),
mean AS (SELECT i, avg(contribution) AS m FROM chains GROUP BY i)
SELECT s.ordinal, round(s.contribution::numeric, 9) AS shapley, round(mean.m::numeric, 9) AS mean_of_chains,
       abs(s.contribution - mean.m) < 1e-9 AS same
FROM factor_contributions('{1000,0.2,50}', '{1100,0.25,48}', 'shapley') s
JOIN mean ON mean.i = s.ordinal ORDER BY 1;

-- shapley is symmetric: three factors that change alike (2 -> 3) each get (27 - 8)/3
SELECT * FROM fc('{2,2,2}', '{3,3,3}', 'shapley');
-- ... and order-free: reversing the factors reverses the contributions
SELECT a.ordinal, abs(a.contribution - b.contribution) < 1e-9 AS same
FROM factor_contributions('{1000,0.2,50}', '{1100,0.25,48}', 'shapley') a
JOIN factor_contributions('{50,0.2,1000}', '{48,0.25,1100}', 'shapley') b ON b.ordinal = 4 - a.ordinal
ORDER BY 1;
-- one factor: the whole change
SELECT * FROM fc('{5}', '{7}', 'shapley');

-- ===== invariants for many factors: the effects add up to V1 - V0 (1e-9 relative),
-- identical factors get identical Shapley values
WITH cases(k, method) AS (
  SELECT k, m FROM (VALUES (12), (15)) ks(k), (VALUES ('chain'), ('shapley'), ('lmdi')) ms(m)),
arr AS (
  SELECT k, method,
         ARRAY(SELECT 1 + (i % 5) / 10.0 FROM generate_series(1, k) i)::float8[] AS b,
         ARRAY(SELECT 1 + (i % 5) / 8.0 - (i % 3) / 20.0 FROM generate_series(1, k) i)::float8[] AS a
  FROM cases),
tot AS (
  SELECT k, method, b, a,
         (SELECT exp(sum(ln(x))) FROM unnest(b) x) AS v0,
         (SELECT exp(sum(ln(x))) FROM unnest(a) x) AS v1
  FROM arr)
SELECT k, method,
       abs(sum(c.contribution) - (v1 - v0)) <= 1e-9 * greatest(abs(v0), abs(v1)) AS adds_up,
       count(*) AS factors
FROM tot, LATERAL factor_contributions(b, a, method) c
GROUP BY k, method, v0, v1 ORDER BY 1, 2;

-- 20 factors: ordinals 2 and 17 (i = 1 and i = 16, same values as i % 15 repeats) get equal Shapley values
WITH arr AS (
  SELECT ARRAY(SELECT 1 + (i % 15) / 100.0 FROM generate_series(0, 19) i)::float8[] AS b,
         ARRAY(SELECT 1 + (i % 15) / 70.0 FROM generate_series(0, 19) i)::float8[] AS a)
SELECT abs(max(contribution) FILTER (WHERE ordinal = 2) - max(contribution) FILTER (WHERE ordinal = 17)) < 1e-12 AS symmetric,
       count(*) AS factors
FROM arr, LATERAL factor_contributions(b, a, 'shapley');

-- multiplicative: the product of the ratios is V1 / V0 for 15 factors
WITH arr AS (
  SELECT ARRAY(SELECT 1 + (i % 5) / 10.0 FROM generate_series(1, 15) i)::float8[] AS b,
         ARRAY(SELECT 1 + (i % 5) / 8.0 - (i % 3) / 20.0 FROM generate_series(1, 15) i)::float8[] AS a),
ratio AS (
  SELECT b, a, (SELECT exp(sum(ln(x))) FROM unnest(a) x) / (SELECT exp(sum(ln(x))) FROM unnest(b) x) AS r FROM arr)
SELECT abs(exp(sum(ln(c.contribution))) - r) < 1e-12 * r AS product_is_ratio, count(*) AS factors
FROM ratio, LATERAL factor_contributions(b, a, 'lmdi_multiplicative') c GROUP BY r;

-- ===== LMDI, one product: a 4 -> 6, b 10 -> 11
-- L(66, 40) = 26 / ln(66/40); a = L * ln(6/4), b = L * ln(11/10); a + b = 26
SELECT c.factor, round(c.contribution::numeric, 9) AS lmdi,
       round((26 / ln(66.0 / 40) * ln(CASE c.factor WHEN 'x1' THEN 6.0 / 4 ELSE 11.0 / 10 END))::numeric, 9) AS by_hand
FROM factor_contributions('{4,10}', '{6,11}', 'lmdi') c ORDER BY c.ordinal;
-- traffic x conversion x ATV: 1000 -> 1100 is ln 1.1 of ln 1.32 of the change
SELECT * FROM fc('{1000,0.2,50}', '{1100,0.25,48}', 'lmdi', '{traffic,conversion,atv}');
SELECT round(sum(contribution)::numeric, 9) AS total FROM factor_contributions('{1000,0.2,50}', '{1100,0.25,48}', 'lmdi');
-- a factor that does not change contributes 0
SELECT * FROM fc('{4,10}', '{4,11}', 'lmdi');
-- a product that does not change: every log ratio is weighted by L(V, V) = V
SELECT * FROM fc('{4,10}', '{8,5}', 'lmdi');   -- a = 40 ln 2, b = -40 ln 2

-- LMDI, two sub-categories (rows) x two factors:
-- row 1: 4*10 = 40 -> 6*11 = 66; row 2: 2*5 = 10 -> 2*4 = 8; V0 = 50, V1 = 74
-- a = L(66,40) ln(6/4) + L(8,10) ln(2/2),  b = L(66,40) ln(11/10) + L(8,10) ln(4/5)
SELECT c.ordinal, c.base IS NULL AND c.actual IS NULL AS base_actual_null,
       round(c.contribution::numeric, 9) AS lmdi,
       round(CASE c.ordinal
               WHEN 1 THEN 26 / ln(66.0 / 40) * ln(1.5)
               ELSE 26 / ln(66.0 / 40) * ln(1.1) + (-2) / ln(8.0 / 10) * ln(0.8) END::numeric, 9) AS by_hand
FROM factor_contributions('{{4,10},{2,5}}', '{{6,11},{2,4}}', 'lmdi') c ORDER BY 1;
-- chain on the same rows: a = (6-4)*10 + 0 = 20, b = 6*1 + 2*(-1) = 4; sum 24
SELECT * FROM fc('{{4,10},{2,5}}', '{{6,11},{2,4}}', 'chain');
-- shapley on rows: a = 21 + 0 = 21, b = 5 + (-2) = 3
SELECT * FROM fc('{{4,10},{2,5}}', '{{6,11},{2,4}}', 'shapley');

-- multiplicative LMDI: D_k = exp(effect_k / L(V1, V0)); one product: D_k = x1/x0
SELECT * FROM fc('{4,10}', '{6,11}', 'lmdi_multiplicative');
-- rows: the product of the D_k is V1/V0 = 74/50 = 1.48
SELECT round(exp(sum(ln(contribution)))::numeric, 12) AS product
FROM factor_contributions('{{4,10},{2,5}}', '{{6,11},{2,4}}', 'lmdi_multiplicative');
SELECT c.ordinal,
       round(c.contribution::numeric, 12) =
       round(exp(l.contribution / ((74 - 50) / ln(74.0 / 50)))::numeric, 12) AS d_is_exp_effect_over_l
FROM factor_contributions('{{4,10},{2,5}}', '{{6,11},{2,4}}', 'lmdi_multiplicative') c
JOIN factor_contributions('{{4,10},{2,5}}', '{{6,11},{2,4}}', 'lmdi') l USING (ordinal) ORDER BY 1;

-- ===== zero values (analytical limits)
-- zero in the base: V0 = 0 -> V1 = 66; the zero factor takes the whole change, b 0
SELECT * FROM fc('{0,10}', '{6,11}', 'lmdi');
-- falls to zero: 40 -> 0, the factor that became zero takes -40
SELECT * FROM fc('{4,10}', '{4,0}', 'lmdi');
-- two factors zero in the base: the change 3*4*2 = 24 is split equally, 12 and 12
SELECT * FROM fc('{0,0,2}', '{3,4,2}', 'lmdi');
-- product 0 in both periods contributes 0 (factor zero in both, or different zero factors)
SELECT * FROM fc('{0,5}', '{0,6}', 'lmdi');
SELECT * FROM fc('{0,5}', '{3,0}', 'lmdi');
-- rows: row 1 goes 0*5 = 0 -> 3*2 = 6 (factor a takes 6); row 2 as before (26)
-- a = 6 + L(66,40) ln 1.5, b = L(66,40) ln 1.1; sum = 72 - 40 = 32
SELECT * FROM fc('{{0,5},{4,10}}', '{{3,2},{6,11}}', 'lmdi');
SELECT round(sum(contribution)::numeric, 9) AS total FROM factor_contributions('{{0,5},{4,10}}', '{{3,2},{6,11}}', 'lmdi');
SELECT round(exp(sum(ln(contribution)))::numeric, 12) AS product_is_1_8
FROM factor_contributions('{{0,5},{4,10}}', '{{3,2},{6,11}}', 'lmdi_multiplicative');
-- row 1 zero in both periods: contributes nothing
SELECT * FROM fc('{{0,5},{4,10}}', '{{3,0},{6,11}}', 'lmdi');
-- multiplicative with a zero total: V1/V0 is 0 or undefined, contributions NULL
SELECT * FROM fc('{4,10}', '{4,0}', 'lmdi_multiplicative');
SELECT * FROM fc('{0,10}', '{6,11}', 'lmdi_multiplicative');
-- chain and shapley with zeros are plain arithmetic: a 0 -> 6: a = 60, b = 6
SELECT * FROM fc('{0,10}', '{6,11}', 'chain');
-- shapley: a = (60 + 66)/2 = 63, b = (6 + 0)/2 = 3
SELECT * FROM fc('{0,10}', '{6,11}', 'shapley');

-- ===== NULL arguments: NULL base or actual gives no rows; NULL names gives x1..xk
SELECT count(*) FROM factor_contributions(NULL, '{1,2}');
SELECT count(*) FROM factor_contributions('{1,2}', NULL, 'lmdi');
SELECT factor FROM factor_contributions('{1,2}', '{2,3}', 'chain', NULL);

-- ===== errors
SELECT * FROM factor_contributions('{1,2}', '{1,2,3}');
SELECT * FROM factor_contributions('{1,2}', '{{1,2}}');
SELECT * FROM factor_contributions('{{1,2},{3,4}}', '{{1,2,3},{4,5,6}}');
SELECT * FROM factor_contributions('{}', '{}');
SELECT * FROM factor_contributions('{1,NULL}', '{1,2}');
SELECT * FROM factor_contributions('{1,2}', '{{1,NULL}}');
SELECT * FROM factor_contributions('{{{1}}}', '{{{1}}}');
SELECT * FROM factor_contributions('{1,2}', '{1,NaN}');
SELECT * FROM factor_contributions('{Infinity,2}', '{1,2}');
SELECT * FROM factor_contributions('{1,2}', '{1,2}', 'chian');
SELECT * FROM factor_contributions('{1,2}', '{1,2}', NULL);
SELECT * FROM factor_contributions('{1,2}', '{1,2}', 'chain', '{a}');
SELECT * FROM factor_contributions('{1,2}', '{1,2}', 'chain', '{a,NULL}');
SELECT * FROM factor_contributions('{1,2}', '{1,2}', 'chain', '{{a,b}}');
SELECT * FROM factor_contributions('{1,-2}', '{1,2}', 'lmdi');
SELECT * FROM factor_contributions('{1,2}', '{1,-2}', 'lmdi_multiplicative');
SELECT * FROM factor_contributions(array_fill(1.0::float8, ARRAY[21]), array_fill(2.0::float8, ARRAY[21]), 'shapley');
-- products beyond double precision (22003)
SELECT * FROM factor_contributions('{1e300,1e300}', '{2e300,1e300}');
SELECT * FROM factor_contributions('{1e300,1e300}', '{2e300,1e300}', 'lmdi');
-- 21 factors are fine for the other methods: 2^21 - 1
SELECT round(sum(contribution)::numeric, 6) FROM factor_contributions(array_fill(1.0::float8, ARRAY[21]), array_fill(2.0::float8, ARRAY[21]), 'lmdi');

-- ===== the examples of docs/factor.md
SELECT ordinal, factor, contribution
FROM factor_contributions(base   => ARRAY[1000, 0.20, 50],
                          actual => ARRAY[1100, 0.25, 48],
                          method => 'chain',
                          names  => ARRAY['traffic', 'conversion', 'atv']);
SELECT factor, round(contribution::numeric, 2) AS contribution
FROM factor_contributions(ARRAY[1000, 0.20, 50], ARRAY[1100, 0.25, 48], 'shapley',
                          ARRAY['traffic', 'conversion', 'atv']);
SELECT factor, round(contribution::numeric, 2) AS contribution
FROM factor_contributions(ARRAY[1000, 0.20, 50], ARRAY[1100, 0.25, 48], 'lmdi',
                          ARRAY['traffic', 'conversion', 'atv']);
SELECT factor, round(contribution::numeric, 4) AS ratio
FROM factor_contributions(ARRAY[1000, 0.20, 50], ARRAY[1100, 0.25, 48], 'lmdi_multiplicative',
                          ARRAY['traffic', 'conversion', 'atv']);
SELECT factor, round(contribution::numeric, 2) AS contribution
FROM factor_contributions(ARRAY[[4, 10], [2, 5]]::float8[], ARRAY[[6, 11], [2, 4]]::float8[], 'lmdi',
                          ARRAY['units', 'price']);

DROP FUNCTION fc(float8[], float8[], text, text[]);
