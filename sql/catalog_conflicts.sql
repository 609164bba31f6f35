-- sql/catalog_conflicts.sql: conflicts and duplicates by meaning (issue 12): check_catalog()'s
-- 'conflicting_label' (one normalised label, different definitions) and 'duplicate_definition' after
-- normalisation (commutation, flattening of exact numeric chains, identities, constant folding),
-- and what is deliberately NOT merged.  Expected results by hand in the comments.
SET search_path = retail_kpi, public;
\set VERBOSITY terse
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;

-- an empty catalog has no problems
SELECT count(*) AS problems FROM check_catalog();

CREATE SCHEMA rk_cfl;
-- numeric money columns, an integer and a float column
CREATE TABLE rk_cfl.sales (d date, revenue numeric, cost numeric, discount numeric, qty int, weight float8);
INSERT INTO rk_cfl.sales VALUES ('2025-01-01', 100.50, 60.25, 5, 3, 1.5), ('2025-01-02', 80, 50, 0, 2, 0.25);
SELECT define_source('sales', 'rk_cfl.sales', 'd');

-- ---- the normal form itself (catalog_normalize_expression), with the types of the names
CREATE FUNCTION pg_temp.nf(e text) RETURNS text LANGUAGE sql AS $$
    SELECT retail_kpi.catalog_normalize_expression(e, 'e', '{abs}', '{pg_catalog.abs}', NULL, NULL, NULL,
                                                   '{a,b,c,i,j,f}', '{numeric,numeric,numeric,int4,int8,float8}')
$$;
-- pairs that must have the same normal form (t) and pairs that must not (f)
SELECT x, y, pg_temp.nf(x) = pg_temp.nf(y) AS same FROM (VALUES
    ('a + b', 'b + a'), ('a * b * c', 'c * (b * a)'), ('a + b + c', 'c + (a + b)'), ('i + j', 'j + i'),
    ('f * i', 'i * f'), ('a = b', 'b = a'), ('a <> b', 'b <> a'), ('a > b', 'b < a'), ('a >= b', 'b <= a'),
    ('a > 0 AND b > 0 AND c > 0', 'c > 0 AND (b > 0 AND a > 0)'), ('a = 1 OR b = 2', 'b = 2 OR a = 1'),
    ('a + 0', 'a'), ('0 + a', 'a'), ('a - 0', 'a'), ('a * 1', 'a'), ('1 * a', 'a'), ('i + 0', 'i'), ('j * 1', 'j'),
    ('i / 1', 'i'), ('f / 1', 'f'), ('f * 1', 'f'), ('-(-a)', 'a'), ('-(-f)', 'f'), ('NOT NOT (a > b)', 'a > b'),
    ('a * (2 * 3)', 'a * 6'), ('a * 2 * 3', '6 * a'), ('i * (2 * 3)', 'i * 6'), ('2 + 3', '5'), ('0.1 + 0.2', '0.3'),
    ('a + 1 + (-1)', 'a'), ('a * 2 * 0.5', 'a * 1.0'), ('2.50 * 2', '5.00'), ('abs(b + a)', 'abs(a + b)'),
    ('a * b', 'a * b'),
    -- not the same:
    ('a - b', 'b - a'), ('a / b', 'b / a'), ('i - j', 'j - i'),
    ('a * 1.0', 'a'),          -- numeric: adds a decimal (12 vs 12.0)
    ('i * 1.0', 'i'),          -- integer becomes numeric (i * 1.0 / 4 is not i / 4)
    ('a / 1', 'a'),            -- numeric division adds scale (2.5 / 1 = 2.5000000000000000)
    ('f + 0', 'f'),            -- float8: -0 + 0 is +0
    ('-(-i)', 'i'),            -- integer: -i overflows for the smallest value
    ('i + j + a', 'i + (j + a)'),   -- i + j is integer arithmetic (may overflow), j + a numeric
    ('f * f * i', 'f * (f * i)'),   -- float8 rounding depends on the grouping
    ('x + 0', 'x'), ('x * 1', 'x'), -- x of unknown type: no identity
    ('6.', '6'), ('i / 6.', 'i / 6'),  -- 6. is numeric, 6 an integer (integer division)
    ('2 + 3', '6'), ('1.0 / 3', '0.333'), ('0.1 + 0.2', '0.30'),
    ('a - b + c', 'a + c - b'),     -- subtraction is not rewritten
    ('a * (b + c)', 'a * b + a * c')) p(x, y);   -- no distributivity
SELECT pg_temp.nf('c * (b * a) + 0'), pg_temp.nf('a * (2 * 3)'), pg_temp.nf('NULLIF(b, a)');
-- integer constants that overflow are not folded (PostgreSQL raises an error for them)
SELECT pg_temp.nf('2147483647 * 2 * c'), pg_temp.nf('c * 2147483647 * 2');
-- comma-separated items keep their order; the plain rendering is unchanged
SELECT pg_temp.nf('b + a, a'), (catalog_parse_expression('b + a * 1', 'e', '{}', '{}')).sql;
-- bad input: as catalog_parse_expression
SELECT catalog_normalize_expression(NULL, 'e', '{}', '{}');
SELECT catalog_normalize_expression('a; DROP TABLE x', 'e', '{}', '{}');
SELECT catalog_normalize_expression('(SELECT 1)', 'e', '{}', '{}');
SELECT catalog_normalize_expression('a', 'e', '{}', '{}', NULL, NULL, NULL, '{a,b}', '{numeric}');
SELECT catalog_normalize_expression('a + 0', 'e', '{}', '{}', NULL, NULL, NULL, '{a}', '{NULL}');   -- unknown type: kept
-- deep nesting: parentheses are not nodes (150 of them are one level: normalised); 150 unary minus
-- are 150 levels, past the limit of 100: the plain rendering (no normalisation, bounded work)
SELECT catalog_normalize_expression(repeat('(', 150) || 'a + 0' || repeat(')', 150), 'e', '{}', '{}', NULL, NULL, NULL, '{a}', '{numeric}') AS shallow,
       catalog_normalize_expression(repeat('- ', 150) || '(a + 0)', 'e', '{}', '{}', NULL, NULL, NULL, '{a}', '{numeric}')
     = (catalog_parse_expression(repeat('- ', 150) || '(a + 0)', 'e', '{}', '{}')).sql AS deep_is_plain;

-- ---- measures and simple metrics: the same SQL over the same relation, written differently
SELECT define_measure('gp', 'sales', 'sum', 'revenue - cost');
SELECT define_measure('gp_copy', 'sales', 'sum', '(revenue - cost) * 1 + 0');
SELECT define_measure('net', 'sales', 'sum', 'revenue + discount * (2 * 3)');
SELECT define_measure('net_copy', 'sales', 'sum', '6 * discount + revenue');
SELECT define_measure('gp_rev', 'sales', 'sum', 'cost - revenue');          -- not a duplicate
SELECT define_measure('rev_dec', 'sales', 'sum', 'revenue * 1.0');           -- not a duplicate of revenue
SELECT define_measure('revenue', 'sales', 'sum', 'revenue');
SELECT define_measure('qty_div', 'sales', 'sum', 'qty / 1');                 -- integer: a duplicate of qty
SELECT define_measure('qty', 'sales', 'sum', 'qty');
SELECT define_measure('big', 'sales', 'sum', 'revenue', filter => 'cost > 0 AND qty > 1');
SELECT define_measure('big_copy', 'sales', 'sum', 'revenue', filter => '1 < qty AND 0 < cost');
-- the values agree where a duplicate is claimed (sum(revenue - cost) = 180.50 - 110.25 = 70.25)
SELECT sum(revenue - cost) = sum((revenue - cost) * 1 + 0) AS gp, sum(revenue + discount * (2 * 3)) = sum(6 * discount + revenue) AS net,
       sum(qty / 1) = sum(qty) AS qty, sum(revenue * 1.0)::text <> sum(revenue)::text AS rev_dec_differs_in_scale
FROM rk_cfl.sales;
SELECT define_metric('gross_profit', 'Gross profit', measure => 'gp');
SELECT define_metric('gross_profit_2', 'Gross profit (copy)', measure => 'gp_copy');
SELECT define_metric('revenue', 'Revenue', measure => 'revenue', label_zh => '销售额');
SELECT define_metric('revenue_dec', 'Revenue decimal', measure => 'rev_dec');

-- ---- three metrics labelled 毛利率 with three formulas; one label in three spellings
SELECT define_metric('gm_rate_a', 'Gross margin rate A', 'ratio', numerator => 'gross_profit', denominator => 'revenue',
                     label_zh => '毛利率');
SELECT define_metric('gm_rate_b', 'Gross margin rate B', 'derived', expression => '(revenue - gross_profit) / revenue',
                     label_zh => '毛利率');
SELECT define_metric('gm_rate_c', 'Gross margin rate C', 'derived', expression => 'gross_profit / revenue * 100',
                     label_zh => ' 毛利率（%） ');
SELECT define_metric('margin_1', 'Gross  Margin', 'derived', expression => 'gross_profit / revenue');
SELECT define_metric('margin_2', 'gross margin', 'derived', expression => 'gross_profit * 100 / revenue');
SELECT define_metric('margin_3', 'ｇｒｏｓｓ　ｍａｒｇｉｎ', 'derived', expression => 'gross_profit - revenue');
-- the same label with the same definition (written differently) is a duplicate, not a conflict
SELECT define_metric('gp_ratio_1', 'GP ratio', 'ratio', numerator => 'gross_profit', denominator => 'revenue');
SELECT define_metric('gp_ratio_2', 'gp-ratio', 'ratio', numerator => 'gross_profit_2', denominator => 'revenue');
-- a deprecated metric with the label is left out; NULL Chinese labels never conflict; a label that
-- is only punctuation is ignored
SELECT define_metric('gm_rate_old', 'Old margin', 'derived', expression => 'gross_profit / revenue * 1.0',
                     label_zh => '毛利率', status => 'deprecated');
SELECT define_metric('p1', '---', 'derived', expression => 'revenue + 1');
SELECT define_metric('p2', '...', 'derived', expression => 'revenue + 2');

-- ---- derived metrics equivalent by commutation, identity and folding (metric value types: numeric)
SELECT define_metric('sum_a', 'Sum A', 'derived', expression => 'revenue + gross_profit');
SELECT define_metric('sum_b', 'Sum B', 'derived', expression => 'gross_profit + revenue');
SELECT define_metric('prod_a', 'Product A', 'derived', expression => 'revenue * gross_profit * revenue_dec');
SELECT define_metric('prod_b', 'Product B', 'derived', expression => 'revenue_dec * (gross_profit * revenue)');
SELECT define_metric('twice_a', 'Twice A', 'derived', expression => 'revenue * (2 * 3)');
SELECT define_metric('twice_b', 'Twice B', 'derived', expression => 'revenue * 6');
SELECT define_metric('rev_plus0', 'Revenue plus zero', 'derived', expression => 'revenue + 0');   -- = revenue itself
SELECT define_metric('diff_a', 'Difference A', 'derived', expression => 'revenue - gross_profit');
SELECT define_metric('diff_b', 'Difference B', 'derived', expression => 'gross_profit - revenue');  -- not a duplicate
SELECT define_metric('quot_a', 'Quotient A', 'derived', expression => 'revenue / gross_profit');
SELECT define_metric('quot_b', 'Quotient B', 'derived', expression => 'gross_profit / revenue');    -- not a duplicate
SELECT define_metric('rev_div1', 'Revenue / 1', 'derived', expression => 'revenue / 1');             -- numeric: not merged
SELECT define_metric('rev_x1', 'Revenue x 1.0', 'derived', expression => 'revenue * 1.0');           -- not merged

-- the values agree where a duplicate is claimed, and differ (at least in scale) where none is
SELECT metric, value, exact_value FROM metric_values('{sum_a,sum_b,prod_a,prod_b,twice_a,twice_b,rev_plus0,revenue,rev_div1,rev_x1}',
                                                     grain => 'total', from_date => '2025-01-01', to_date => '2025-01-31')
ORDER BY metric;

SELECT * FROM check_catalog() WHERE problem IN ('duplicate_definition', 'conflicting_label', 'conflicting_unit');
-- by hand: duplicates gross_profit_2 ~ gross_profit (measures gp_copy ~ gp), net_copy ~ net, qty_div ~ qty,
-- big_copy ~ big; gp_ratio_1 ~ gm_rate_a and gp_ratio_2 ~ both (ratio of duplicates); sum_b ~ sum_a;
-- prod_b ~ prod_a; twice_b ~ twice_a; rev_plus0 ~ revenue.  Conflicts: 毛利率 (gm_rate_a, gm_rate_b,
-- gm_rate_c: three definitions; gm_rate_old deprecated); gross margin (margin_1, margin_2, margin_3);
-- GP ratio / gp-ratio are one label but one definition: no conflict.
SELECT count(*) FILTER (WHERE problem = 'conflicting_label') AS conflicts,
       count(*) FILTER (WHERE problem = 'duplicate_definition') AS duplicates
FROM check_catalog();

-- a redefinition that makes two of the three 毛利率 metrics the same: they are duplicates, still
-- conflicting with the third
SELECT define_metric('gm_rate_b', 'Gross margin rate B', 'derived', expression => 'gross_profit_2 * 1 / revenue',
                     label_zh => '毛利率');
SELECT define_metric('gm_rate_c', 'Gross margin rate C', 'derived', expression => '(gross_profit / revenue)',
                     label_zh => ' 毛利率（%） ');
SELECT * FROM check_catalog() WHERE code LIKE 'gm\_rate%';
-- label keys: case, width, spaces, punctuation
SELECT l, _catalog_label_key(l) FROM unnest(ARRAY['Gross  Margin', 'ｇｒｏｓｓ　ｍａｒｇｉｎ', ' 毛利率（%） ', '毛利率', 'G.M.-rate', '---', '', NULL]) l;

-- cleanup
DROP SCHEMA rk_cfl CASCADE;
DELETE FROM catalog_history; DELETE FROM alert_rules; DELETE FROM targets; DELETE FROM metrics;
DELETE FROM measures; DELETE FROM sources; DELETE FROM dimensions;
