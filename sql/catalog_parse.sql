-- sql/catalog_parse.sql: the C validator of catalog expressions (catalog_parse_expression):
-- what it accepts, how it re-renders it (the normalised, quoted form stored in the catalog),
-- and every construct it rejects.
SET search_path = retail_kpi, public;
\set VERBOSITY terse

-- a helper: parse with the abs/round allow-list and the column prefix src
CREATE FUNCTION pg_temp.p(e text, prefix text DEFAULT 'src') RETURNS TABLE(sql text, columns text[], functions text[], items int)
LANGUAGE sql AS $$
    SELECT * FROM retail_kpi.catalog_parse_expression(e, 'expression', '{abs,round,margin_rate}',
        '{pg_catalog.abs,pg_catalog.round,retail_kpi.margin_rate}', prefix);
$$;

-- accepted: columns, constants, operators, CASE, COALESCE, NULLIF, GREATEST/LEAST, casts, named args
SELECT * FROM pg_temp.p('revenue');
SELECT * FROM pg_temp.p('revenue - cost * 2');
SELECT * FROM pg_temp.p('-units + +1.5e3');
SELECT * FROM pg_temp.p('revenue, cost, units');
SELECT * FROM pg_temp.p('abs(revenue) / nullif(units, 0)');
SELECT * FROM pg_temp.p('coalesce(units, 0)::numeric(12,2)');
SELECT * FROM pg_temp.p('CAST(units AS double precision) + units::int + units::bigint');
SELECT * FROM pg_temp.p('CASE WHEN channel = ''web'' THEN revenue ELSE 0 END');
SELECT * FROM pg_temp.p('CASE channel WHEN ''it''''s'' THEN 1 END');
SELECT * FROM pg_temp.p('units > 0 AND NOT returned OR region IS NULL');
SELECT * FROM pg_temp.p('region IN (''north'', ''south'') AND store NOT IN (1, 2) AND a IS DISTINCT FROM b');
SELECT * FROM pg_temp.p('greatest(a, b, 0) - least(a, b)');
SELECT * FROM pg_temp.p('round(revenue, 2) <> true');
SELECT * FROM pg_temp.p('"Mixed Case" + "quo""te"');
SELECT * FROM pg_temp.p('margin_rate(s => summary)', NULL);
-- comments vanish: only the parse tree is rendered
SELECT * FROM pg_temp.p('revenue -- ; DROP TABLE x');
SELECT * FROM pg_temp.p('revenue /* ) FROM pg_authid */');
-- normalisation: spacing, case of keywords and redundant parentheses do not matter
SELECT (SELECT sql FROM pg_temp.p('(Revenue-COST)')) = (SELECT sql FROM pg_temp.p('  revenue   -   cost ')) AS same;

-- rejected: statement separators, clauses, subqueries, parameters, qualified names, unknown functions ...
SELECT * FROM pg_temp.p('1; DROP TABLE metrics');
SELECT * FROM pg_temp.p('revenue); DROP TABLE metrics; SELECT (1');
SELECT * FROM pg_temp.p('revenue FROM pg_authid');
SELECT * FROM pg_temp.p('revenue WHERE true');
SELECT * FROM pg_temp.p('revenue UNION SELECT rolpassword FROM pg_authid');
SELECT * FROM pg_temp.p('(SELECT max(rolpassword) FROM pg_authid)');
SELECT * FROM pg_temp.p('EXISTS (SELECT 1)');
SELECT * FROM pg_temp.p('revenue IN (SELECT 1)');
SELECT * FROM pg_temp.p('$1');
SELECT * FROM pg_temp.p('s.revenue');
SELECT * FROM pg_temp.p('pg_catalog.abs(revenue)');
SELECT * FROM pg_temp.p('pg_sleep(10)');
SELECT * FROM pg_temp.p('sum(revenue)');
SELECT * FROM pg_temp.p('abs(revenue) OVER ()');
SELECT * FROM pg_temp.p('abs(DISTINCT revenue)');
SELECT * FROM pg_temp.p('abs(*)');
SELECT * FROM pg_temp.p('abs(VARIADIC revenue)');
SELECT * FROM pg_temp.p('revenue::regclass');
SELECT * FROM pg_temp.p('revenue::public.mytype');
SELECT * FROM pg_temp.p('revenue::int[]');
SELECT * FROM pg_temp.p('revenue::varchar(3)');
SELECT * FROM pg_temp.p('revenue || ''x''');
SELECT * FROM pg_temp.p('OPERATOR(pg_catalog.+)(1, 2)');
SELECT * FROM pg_temp.p('1 OPERATOR(pg_catalog.+) 2');
SELECT * FROM pg_temp.p('revenue LIKE ''a%''');
SELECT * FROM pg_temp.p('revenue BETWEEN 1 AND 2');
SELECT * FROM pg_temp.p('revenue = ANY (ARRAY[1])');
SELECT * FROM pg_temp.p('ARRAY[1, 2]');
SELECT * FROM pg_temp.p('ROW(1, 2)');
SELECT * FROM pg_temp.p('revenue AS r');
SELECT * FROM pg_temp.p('x''0F''');
SELECT * FROM pg_temp.p('revenue COLLATE "C"');
SELECT * FROM pg_temp.p('(a).b');
SELECT * FROM pg_temp.p('a[1]');
SELECT * FROM pg_temp.p('extract(year from d)');
SELECT * FROM pg_temp.p('current_user');
SELECT * FROM pg_temp.p('');
SELECT * FROM pg_temp.p('   ');
SELECT * FROM pg_temp.p('revenue +');
SELECT * FROM pg_temp.p('*');
SELECT * FROM pg_temp.p(NULL);
SELECT * FROM pg_temp.p(repeat('a+', 6000) || 'a');
-- deep nesting within the length limit is handled (the renderer checks the stack depth)
SELECT length(sql), functions, items FROM pg_temp.p(repeat('abs(', 1600) || '1' || repeat(')', 1600));

-- the caller as seen through SECURITY DEFINER: SET ROLE is honoured
CREATE ROLE rk_catalog_parse_role;
SET ROLE rk_catalog_parse_role;
SELECT retail_kpi.catalog_caller() = 'rk_catalog_parse_role' AS caller_is_set_role;
RESET ROLE;
DROP ROLE rk_catalog_parse_role;
