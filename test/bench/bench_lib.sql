-- test/bench/bench_lib.sql: a timing helper shared by the benchmark scripts.
-- rk_bench(label_and_sql jsonb, runs int, workers int) runs each query `runs` times,
-- alternating between the queries, and returns the median milliseconds of each.
CREATE OR REPLACE FUNCTION pg_temp.rk_bench(queries jsonb, runs int, workers int)
RETURNS TABLE(label text, median_ms numeric, min_ms numeric)
LANGUAGE plpgsql AS $$
DECLARE
    q record;
    i int;
    t0 timestamptz;
    times jsonb := '{}';
BEGIN
    PERFORM set_config('max_parallel_workers_per_gather', workers::text, true);
    FOR i IN 0 .. runs LOOP               -- run 0 warms the cache and is not counted
        FOR q IN SELECT key, value FROM jsonb_each_text(queries) LOOP
            t0 := clock_timestamp();
            EXECUTE 'SELECT count(b.*) FROM (' || q.value || ') b';  -- a whole-row reference keeps every output column computed
            IF i > 0 THEN
                times := jsonb_set(times, ARRAY[q.key],
                    coalesce(times -> q.key, '[]') ||
                    to_jsonb(extract(epoch FROM clock_timestamp() - t0) * 1000));
            END IF;
        END LOOP;
    END LOOP;
    RETURN QUERY
    SELECT k, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY v::numeric)::numeric, 1),
           round(min(v::numeric), 1)
    FROM jsonb_each(times) AS e(k, arr), jsonb_array_elements_text(arr) AS v
    GROUP BY k ORDER BY k;
END $$;
