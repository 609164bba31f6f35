-- sql/catalog_run.sql: _catalog_run, which runs the SELECT metric_sql compiled with the plans of the
-- last 16 texts kept per session and user (src/catalog_run.c): the rows of the statement itself, only
-- read-only SELECTs with the declared columns, kept plans that follow changes to what they use, and
-- every user's own rights and row-level security.
SET search_path = retail_kpi, public;
CREATE TABLE public.rk_run (id int, region text, amount numeric);
INSERT INTO rk_run SELECT g, CASE WHEN g % 2 = 0 THEN 'north' ELSE 'south' END, g * 1.5 FROM generate_series(1, 10) g;
CREATE FUNCTION pg_temp.totals() RETURNS TABLE(region text, total numeric) LANGUAGE sql AS $$
    SELECT * FROM retail_kpi._catalog_run('SELECT region, sum(amount) FROM public.rk_run GROUP BY 1 ORDER BY 1')
        AS t(region text, total numeric) $$;
-- by hand: north 2+4+...+10 = 30 x 1.5 = 45, south 1+3+...+9 = 25 x 1.5 = 37.5; the second run uses the kept plan
SELECT * FROM pg_temp.totals();
SELECT * FROM pg_temp.totals();
-- the kept plan reads the rows of each call, and is planned again when the table changes
INSERT INTO rk_run VALUES (11, 'east', 100);
SELECT * FROM pg_temp.totals();
CREATE INDEX ON rk_run (region);
SELECT * FROM pg_temp.totals();
-- a change of the statement's result type (sum of integers is a bigint): checked against the declared columns
ALTER TABLE rk_run ALTER COLUMN amount TYPE integer USING amount::integer;
SELECT * FROM pg_temp.totals();
SELECT * FROM retail_kpi._catalog_run('SELECT region, sum(amount) FROM public.rk_run GROUP BY 1 ORDER BY 1')
    AS t(region text, total numeric);
ALTER TABLE rk_run ALTER COLUMN amount TYPE numeric;
SELECT * FROM pg_temp.totals();
-- bad input: other columns than declared, statements that write or lock, several statements
SELECT * FROM _catalog_run('SELECT region FROM public.rk_run') AS t(region int);
SELECT * FROM _catalog_run('SELECT region FROM public.rk_run') AS t(region text, extra int);
SELECT * FROM _catalog_run('DELETE FROM public.rk_run RETURNING id') AS t(id int);
SELECT * FROM _catalog_run('WITH d AS (DELETE FROM public.rk_run RETURNING id) SELECT id FROM d') AS t(id int);
SELECT * FROM _catalog_run('SELECT id FROM public.rk_run FOR UPDATE') AS t(id int);
SELECT * FROM _catalog_run('SELECT 1 AS x INTO TEMP rk_run_copy') AS t(x int);
SELECT * FROM _catalog_run('SELECT 1; SELECT 2') AS t(x int);
SELECT * FROM _catalog_run('SELEC 1') AS t(x int);
SELECT * FROM _catalog_run(NULL) AS t(x int);
SELECT count(*) AS rows_left FROM rk_run;
-- another user runs the same text with its own rights: refused without SELECT, then row-level
-- security limits it to its rows while the owner still sees all (each from its own kept plan)
CREATE ROLE rk_run_reader;
GRANT USAGE ON SCHEMA retail_kpi TO rk_run_reader;
SET ROLE rk_run_reader;
SELECT * FROM pg_temp.totals();
RESET ROLE;
GRANT SELECT ON rk_run TO rk_run_reader;
ALTER TABLE rk_run ENABLE ROW LEVEL SECURITY;
CREATE POLICY north_only ON rk_run FOR SELECT TO rk_run_reader USING (region = 'north');
SET ROLE rk_run_reader;
SELECT * FROM pg_temp.totals();
RESET ROLE;
SELECT * FROM pg_temp.totals();
SET ROLE rk_run_reader;
SELECT * FROM pg_temp.totals();
RESET ROLE;
-- more texts than are kept: the least recently used plans go, every answer stays right (sum 1..40 = 820)
SELECT sum(x) AS total, count(*) AS statements FROM generate_series(1, 40) i, _catalog_run(format('SELECT %s::int', i)) AS t(x int);
SELECT sum(x) AS total FROM generate_series(1, 40) i, _catalog_run(format('SELECT %s::int', 41 - i)) AS t(x int);
-- a statement run by _catalog_run that calls it again: the plans in use are never dropped, even
-- when more statements are under way than are kept (20 levels: 20 + 19 + ... + 1 = 210)
CREATE FUNCTION pg_temp.rec(n int) RETURNS int LANGUAGE plpgsql AS $$
BEGIN
    IF n = 0 THEN
        RETURN 0;
    END IF;
    RETURN n + (SELECT x FROM retail_kpi._catalog_run(format('SELECT pg_temp.rec(%s)', n - 1)) AS t(x int));
END $$;
SELECT pg_temp.rec(20) AS nested_20, pg_temp.rec(20) AS again;
-- ... and one that runs more texts than are kept under a running one (1001 + ... + 1040 = 40820)
CREATE FUNCTION pg_temp.many() RETURNS bigint LANGUAGE sql AS $$
    SELECT sum(x) FROM generate_series(1001, 1040) i, retail_kpi._catalog_run(format('SELECT %s::int', i)) AS t(x int) $$;
SELECT * FROM _catalog_run('SELECT pg_temp.many()') AS t(total bigint);
SELECT * FROM _catalog_run('SELECT pg_temp.many()') AS t(total bigint);
DROP TABLE rk_run;
DROP OWNED BY rk_run_reader;
DROP ROLE rk_run_reader;
