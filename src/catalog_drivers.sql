-- src/catalog_drivers.sql: driver trees (issue 15): how a metric decomposes into drivers, the check of a declaration against data, and explain_metric_change.
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- A metric declares one decomposition (table metric_drivers, docs/drivers.md):
--   product  V = x1 * ... * xk        (net sales = visitors x conversion x average transaction value)
--   sum      V = x1 + ... + xk        (net sales = store sales + online sales)
--   members  V = sum over the members of a dimension of V   (an additive metric)
--   mix      R = N / D = sum over members of w_m * r_m, w_m = D_m / D, r_m = N_m / D_m   (a ratio metric)
-- Declaring follows the rules of changing the metric (docs/security.md, R1-R3); checking and
-- explaining evaluate through metric_values with the caller's rights (SECURITY INVOKER, R4, R7).

-- ---------------------------------------------------------------------------------------------
-- Internal helpers

-- True when the target metric is reachable from the start metrics along declared product/sum
-- drivers (breadth-first, each metric visited once: linear in the size of the catalog, R10).
CREATE OR REPLACE FUNCTION _drivers_reaches(start text[], target text) RETURNS boolean
LANGUAGE plpgsql STABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    seen text[] := start;
    frontier text[] := start;
BEGIN
    WHILE cardinality(frontier) > 0 LOOP
        IF target = ANY (frontier) THEN
            RETURN true;
        END IF;
        frontier := ARRAY(SELECT DISTINCT x FROM retail_kpi.metric_drivers d, unnest(d.drivers) x
                          WHERE d.metric = ANY (frontier) AND x <> ALL (seen));
        seen := seen || frontier;
    END LOOP;
    RETURN false;
END
$$;
COMMENT ON FUNCTION _drivers_reaches(text[], text) IS
    'internal: is the target metric reachable from the start metrics through declared drivers (cycle check)';

-- Values of metrics over one window (grain total) by the given dimensions, through metric_values
-- (the caller's rights, R4 and R7 apply); numeric values exact, float values cast to numeric.
CREATE OR REPLACE FUNCTION _drivers_values(metrics text[], dimensions text[], filters jsonb, from_date date, to_date date)
RETURNS TABLE(metric text, member jsonb, value numeric)
LANGUAGE sql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
    SELECT v.metric, CASE WHEN cardinality($2) = 1 THEN v.dimension_values -> $2[1] ELSE v.dimension_values END,
           coalesce(v.exact_value, CAST(v.value AS numeric))
    FROM retail_kpi.metric_values(metrics => $1, dimensions => $2, filters => $3, from_date => $4, to_date => $5,
                                  grain => 'total') v;
$$;
COMMENT ON FUNCTION _drivers_values(text[], text[], jsonb, date, date) IS
    'internal: metric values over one window (grain total) through metric_values, as numeric';

-- Raises 54000 when a split by the members of a dimension would have more nodes than the limit (R10).
CREATE OR REPLACE FUNCTION _drivers_check_split(dim text, members int) RETURNS void
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
BEGIN
    IF members > 1000 THEN
        RAISE EXCEPTION 'dimension "%" has % members here, more than the limit of 1000 for a split', dim, members
            USING ERRCODE = '54000', DETAIL = 'Every member of a split is a node of the tree (docs/security.md, R10).',
                  HINT = 'Split by a coarser dimension, or narrow the request with filters.';
    END IF;
END
$$;
COMMENT ON FUNCTION _drivers_check_split(text, int) IS 'internal: the limit of members in a split of a driver tree (R10)';

-- Does a decomposition hold: |value - expected| <= tolerance * |expected| (absolute when expected is 0).
CREATE OR REPLACE FUNCTION _drivers_holds(value numeric, expected numeric, tolerance numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    SELECT CASE WHEN $1 IS NULL AND $2 IS NULL THEN true
                WHEN $1 IS NULL OR $2 IS NULL THEN false
                ELSE abs($1 - $2) <= $3 * CASE WHEN $2 = 0 THEN 1 ELSE abs($2) END END;
$$;
COMMENT ON FUNCTION _drivers_holds(numeric, numeric, numeric) IS
    'internal: is value within the relative tolerance of expected (absolute when expected is 0)';

-- Adds the difference between total and the sum of the contributions to the largest one (in
-- absolute value, the first on ties), so that they add up to total exactly.
CREATE OR REPLACE FUNCTION _drivers_fix_sum(c numeric[], total numeric) RETURNS numeric[]
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    best int := 1;
    s numeric := 0;
BEGIN
    IF cardinality(c) = 0 THEN
        RETURN c;
    END IF;
    FOR i IN 1 .. cardinality(c) LOOP
        s := s + c[i];
        IF abs(c[i]) > abs(c[best]) THEN
            best := i;
        END IF;
    END LOOP;
    c[best] := c[best] + (total - s);
    RETURN c;
END
$$;
COMMENT ON FUNCTION _drivers_fix_sum(numeric[], numeric) IS
    'internal: makes contributions add up to a total exactly (the remainder goes to the largest one)';

-- The contributions of the drivers of a product (V = x1 * ... * xk) or a sum to the metric's change
-- from v0 to v1, by method (docs/drivers.md):
--   chain    states s_0 = v0, s_j = x1_1..x1_j * x0_(j+1)..x0_k, s_k = v1; c_j = s_j - s_(j-1)
--   shapley  f(S) = product with the drivers in S at current values (f(none) = v0, f(all) = v1);
--            c_j = sum over S without j of |S|! (k - |S| - 1)! / k! * (f(S + j) - f(S))
--   lmdi     c_j = L(v1, v0) * ln(x1_j / x0_j), L(a, b) = (a - b) / ln(a / b), L(a, a) = a
-- A sum's contributions are the drivers' changes.  Chain, Shapley and sums add up to v1 - v0
-- exactly (numeric; Shapley's division by k! is rounded and its remainder fixed, _drivers_fix_sum).
CREATE OR REPLACE FUNCTION _drivers_split(kind text, method text, x0 numeric[], x1 numeric[], v0 numeric, v1 numeric)
RETURNS numeric[]
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    k int := cardinality(x0);
    full_set int := (1 << cardinality(x0)) - 1;
    c numeric[] := '{}';
    f numeric[];
    p numeric;
    w numeric;
    kf numeric;
    acc numeric;
    n int;
BEGIN
    IF kind = 'sum' THEN
        FOR j IN 1 .. k LOOP
            c := c || (x1[j] - x0[j]);
        END LOOP;
        RETURN retail_kpi._drivers_fix_sum(c, v1 - v0);
    END IF;
    IF method = 'chain' THEN
        acc := v0;
        FOR j IN 1 .. k LOOP
            IF j = k THEN
                p := v1;
            ELSE
                p := 1;
                FOR i IN 1 .. k LOOP
                    p := p * CASE WHEN i <= j THEN x1[i] ELSE x0[i] END;
                END LOOP;
            END IF;
            c := c || (p - acc);
            acc := p;
        END LOOP;
        RETURN c;
    ELSIF method = 'shapley' THEN
        -- f over the 2^k subsets (k <= 8: at most 256), the end points anchored at the metric's values
        f := array_fill(NULL::numeric, ARRAY[full_set + 1]);
        FOR s IN 0 .. full_set LOOP
            IF s = 0 THEN
                f[1] := v0;
            ELSIF s = full_set THEN
                f[s + 1] := v1;
            ELSE
                p := 1;
                FOR i IN 1 .. k LOOP
                    p := p * CASE WHEN (s >> (i - 1)) & 1 = 1 THEN x1[i] ELSE x0[i] END;
                END LOOP;
                f[s + 1] := p;
            END IF;
        END LOOP;
        kf := factorial(k);
        FOR j IN 1 .. k LOOP
            acc := 0;
            FOR s IN 0 .. full_set LOOP
                CONTINUE WHEN (s >> (j - 1)) & 1 = 1;
                n := length(replace(CAST(CAST(s AS bit(8)) AS text), '0', ''));
                acc := acc + factorial(n) * factorial(k - n - 1) * (f[(s | (1 << (j - 1))) + 1] - f[s + 1]);
            END LOOP;
            c := c || (acc / kf);
        END LOOP;
        RETURN retail_kpi._drivers_fix_sum(c, v1 - v0);
    ELSE
        -- lmdi: the caller checked that every value is positive
        w := CASE WHEN v1 = v0 THEN v0 ELSE (v1 - v0) / ln(v1 / v0) END;
        FOR j IN 1 .. k LOOP
            c := c || CASE WHEN x1[j] = x0[j] THEN 0 ELSE w * ln(x1[j] / x0[j]) END;
        END LOOP;
        RETURN c;
    END IF;
END
$$;
COMMENT ON FUNCTION _drivers_split(text, text, numeric[], numeric[], numeric, numeric) IS
    'internal: contributions of the drivers of a product or sum to the change from v0 to v1 (chain, shapley, lmdi)';

-- The mix and rate effects of one member of a ratio R = sum of w_m * r_m (docs/drivers.md):
--   chain    mix = (w1 - w0) * r0,            rate = w1 * (r1 - r0)
--   shapley  mix = (w1 - w0) * (r0 + r1) / 2, rate = (r1 - r0) * (w0 + w1) / 2
--   lmdi     mix = L(w1 r1, w0 r0) * ln(w1 / w0), rate = L(w1 r1, w0 r0) * ln(r1 / r0)
-- mix + rate = w1 r1 - w0 r0 (exactly for chain and shapley).
CREATE OR REPLACE FUNCTION _drivers_mix(method text, w0 numeric, w1 numeric, r0 numeric, r1 numeric,
                                        OUT mix numeric, OUT rate numeric)
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
DECLARE
    a numeric := w1 * r1;
    b numeric := w0 * r0;
    l numeric;
BEGIN
    IF method = 'chain' THEN
        mix := (w1 - w0) * r0;
        rate := a - b - mix;
    ELSIF method = 'shapley' THEN
        mix := (w1 - w0) * (r0 + r1) / 2;
        rate := a - b - mix;
    ELSE
        l := CASE WHEN a = b THEN a ELSE (a - b) / ln(a / b) END;
        mix := CASE WHEN w1 = w0 THEN 0 ELSE l * ln(w1 / w0) END;
        rate := CASE WHEN r1 = r0 THEN 0 ELSE l * ln(r1 / r0) END;
    END IF;
END
$$;
COMMENT ON FUNCTION _drivers_mix(text, numeric, numeric, numeric, numeric) IS
    'internal: mix and rate effects of one member of a ratio (chain, shapley, lmdi)';

-- The error of a decomposition that does not hold on the data of an explanation.
CREATE OR REPLACE FUNCTION _drivers_not_holding(metric text, what text, member jsonb, period text, got numeric,
                                                expected numeric, tolerance numeric) RETURNS void
LANGUAGE plpgsql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
BEGIN
    RAISE EXCEPTION 'the % of metric "%" do not add up to its value', what, metric
        USING ERRCODE = '22000',
              DETAIL = format('In the %s period%s they give %s, the metric is %s (relative tolerance %s).', period,
                              CASE WHEN member IS NULL OR member = '{}' THEN '' ELSE ' for ' || member::text END,
                              coalesce(got::text, 'NULL'), coalesce(expected::text, 'NULL'), tolerance),
              HINT = 'check_metric_drivers() shows where the declaration does not hold; correct the drivers or the tolerance with define_metric_drivers().';
END
$$;
COMMENT ON FUNCTION _drivers_not_holding(text, text, jsonb, text, numeric, numeric, numeric) IS
    'internal: raises 22000 for a decomposition that does not hold on the data';


-- One node of the tree of explain_metric_change and everything below it.  The node is metric t_metric
-- under the filters t_filters (its member context t_member), with contribution t_c to the root's change
-- and its own values t_v0, t_v1; its children split t_c in proportion to their contributions to the
-- node's own change t_v1 - t_v0 (docs/drivers.md).  t_split: a dimension to split the node by (the
-- root's "by"); t_pre: values of the node's drivers fetched by the parent ({driver: [base, current]}).
CREATE OR REPLACE FUNCTION _drivers_tree(t_metric text, t_filters jsonb, t_member jsonb, t_path text, t_sort int[],
                                         t_lvl int, t_node text, t_c numeric, t_v0 numeric, t_v1 numeric,
                                         t_split text, t_method text, base_from date, base_to date,
                                         current_from date, current_to date, t_depth int, t_pre jsonb)
RETURNS TABLE(sort_key int[], path text, level int, node text, driver text, member jsonb, base_value numeric,
              current_value numeric, contribution numeric, note text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    d retail_kpi.metric_drivers;
    m retail_kpi.metrics;
    own numeric := t_v1 - t_v0;
    factor numeric;
    dim text;
    expansion text;
    at_root boolean := t_member IS NULL OR t_member = '{}';
    the_note text;
    tol numeric;
    x0 numeric[] := '{}';
    x1 numeric[] := '{}';
    raw numeric[] := '{}';
    fixed numeric[];
    meth text := t_method;
    r record;
    e record;
    mem jsonb[] := '{}';
    mv0 numeric[] := '{}';
    mv1 numeric[] := '{}';
    mpre jsonb[] := '{}';
    mnotes text[] := '{}';
    mix numeric[] := '{}';
    allmix boolean[] := '{}';
    dd0 numeric[] := '{}';
    dd1 numeric[] := '{}';
    nn0 numeric[] := '{}';
    nn1 numeric[] := '{}';
    n0 numeric;
    n1 numeric;
    d0 numeric;
    d1 numeric;
    label text;
    num text;
    den text;
    fetch_metrics text[];
BEGIN
    SELECT * INTO m FROM retail_kpi.metrics x WHERE x.code = t_metric;
    SELECT * INTO d FROM retail_kpi.metric_drivers x WHERE x.metric = t_metric;
    tol := coalesce(d.tolerance, 1e-9);
    IF t_split IS NOT NULL THEN
        expansion := 'by';
        dim := t_split;
    ELSIF d.metric IS NOT NULL AND t_depth > 0
          AND NOT (d.kind IN ('members', 'mix') AND t_member IS NOT NULL AND t_member ? d.dimension) THEN
        expansion := d.kind;
        dim := d.dimension;
    END IF;
    IF expansion IS NOT NULL THEN
        IF t_lvl = 0 THEN
            factor := 1;
        ELSIF own <> 0 THEN
            factor := t_c / own;
        ELSE
            the_note := 'no change of its own: its contribution is not split';
            expansion := NULL;
        END IF;
    END IF;

    IF expansion IN ('product', 'sum') THEN
        IF t_pre IS NOT NULL AND t_pre ?& d.drivers THEN
            x0 := ARRAY(SELECT CAST(t_pre -> u.x ->> 0 AS numeric) FROM unnest(d.drivers) WITH ORDINALITY u(x, o) ORDER BY u.o);
            x1 := ARRAY(SELECT CAST(t_pre -> u.x ->> 1 AS numeric) FROM unnest(d.drivers) WITH ORDINALITY u(x, o) ORDER BY u.o);
        ELSE
            x0 := ARRAY(SELECT v.value FROM unnest(d.drivers) WITH ORDINALITY u(x, o)
                        LEFT JOIN retail_kpi._drivers_values(d.drivers, '{}', t_filters, base_from, base_to) v ON v.metric = u.x
                        ORDER BY u.o);
            x1 := ARRAY(SELECT v.value FROM unnest(d.drivers) WITH ORDINALITY u(x, o)
                        LEFT JOIN retail_kpi._drivers_values(d.drivers, '{}', t_filters, current_from, current_to) v ON v.metric = u.x
                        ORDER BY u.o);
        END IF;
        -- a sum's missing driver is 0; a product's is undefined
        IF d.kind = 'sum' THEN
            x0 := ARRAY(SELECT coalesce(u.x, 0) FROM unnest(x0) WITH ORDINALITY u(x, o) ORDER BY u.o);
            x1 := ARRAY(SELECT coalesce(u.x, 0) FROM unnest(x1) WITH ORDINALITY u(x, o) ORDER BY u.o);
        END IF;
        FOR i IN 1 .. cardinality(d.drivers) LOOP
            IF x0[i] IS NULL OR x1[i] IS NULL THEN
                label := format('driver "%s" has no value in the %s period', d.drivers[i],
                                CASE WHEN x0[i] IS NULL THEN 'base' ELSE 'current' END);
                IF at_root THEN
                    RAISE EXCEPTION 'cannot explain the change of metric "%": %', t_metric, label
                        USING ERRCODE = '22000',
                              HINT = 'A driver without a value (no rows, or a zero denominator) cannot be a factor; check_metric_drivers() shows the periods.';
                END IF;
                the_note := label || ': not split';
                expansion := NULL;
                EXIT;
            END IF;
        END LOOP;
    END IF;

    IF expansion IN ('product', 'sum') THEN
        -- the declaration must hold on these data (within its tolerance)
        n0 := CASE WHEN d.kind = 'sum' THEN 0 ELSE 1 END;
        n1 := n0;
        FOR i IN 1 .. cardinality(x0) LOOP
            n0 := CASE WHEN d.kind = 'sum' THEN n0 + x0[i] ELSE n0 * x0[i] END;
            n1 := CASE WHEN d.kind = 'sum' THEN n1 + x1[i] ELSE n1 * x1[i] END;
        END LOOP;
        IF NOT retail_kpi._drivers_holds(n0, t_v0, tol) THEN
            PERFORM retail_kpi._drivers_not_holding(t_metric, 'drivers', t_member, 'base', n0, t_v0, tol);
        END IF;
        IF NOT retail_kpi._drivers_holds(n1, t_v1, tol) THEN
            PERFORM retail_kpi._drivers_not_holding(t_metric, 'drivers', t_member, 'current', n1, t_v1, tol);
        END IF;
        IF meth = 'lmdi' AND d.kind = 'product'
           AND (t_v0 <= 0 OR t_v1 <= 0 OR EXISTS (SELECT 1 FROM unnest(x0 || x1) u(x) WHERE u.x <= 0)) THEN
            IF at_root THEN
                RAISE EXCEPTION 'method "lmdi" needs positive values: metric "%" or one of its drivers is zero or negative', t_metric
                    USING ERRCODE = '22023',
                          DETAIL = format('Base: %s = %s, drivers %s = %s; current: %s, drivers %s.', t_metric, t_v0,
                                          d.drivers, x0, t_v1, x1),
                          HINT = 'Use method => ''shapley'' or ''chain'', which accept any values.';
            END IF;
            meth := 'shapley';
            the_note := 'lmdi needs positive values: Shapley used';
        END IF;
        raw := retail_kpi._drivers_split(d.kind, meth, x0, x1, t_v0, t_v1);
        fixed := ARRAY(SELECT u.x * factor FROM unnest(raw) WITH ORDINALITY u(x, o) ORDER BY u.o);
        IF meth <> 'lmdi' OR d.kind = 'sum' THEN
            fixed := retail_kpi._drivers_fix_sum(fixed, t_c);
        END IF;
        FOR i IN 1 .. cardinality(d.drivers) LOOP
            RETURN QUERY SELECT * FROM retail_kpi._drivers_tree(
                d.drivers[i], t_filters, t_member, t_path || '/' || d.drivers[i], t_sort || i, t_lvl + 1, 'driver',
                fixed[i], x0[i], x1[i], NULL, t_method, base_from, base_to, current_from, current_to, t_depth - 1, NULL);
        END LOOP;
    ELSIF expansion IN ('by', 'members') AND m.kind <> 'ratio' THEN
        -- additive over the members of dim; split by "by", the node's drivers come along in the same query
        fetch_metrics := CASE WHEN expansion = 'by' AND d.kind IN ('product', 'sum') THEN t_metric || d.drivers
                              ELSE ARRAY[t_metric] END;
        FOR r IN
            WITH b AS (SELECT * FROM retail_kpi._drivers_values(fetch_metrics, ARRAY[dim], t_filters, base_from, base_to)),
                 a AS (SELECT * FROM retail_kpi._drivers_values(fetch_metrics, ARRAY[dim], t_filters, current_from, current_to)),
                 j AS (SELECT coalesce(b.metric, a.metric) AS code, coalesce(b.member, a.member) AS mm,
                              b.value AS b_value, a.value AS a_value
                       FROM b FULL JOIN a ON a.metric = b.metric AND a.member IS NOT DISTINCT FROM b.member),
                 g AS (SELECT j.mm, coalesce(max(j.b_value) FILTER (WHERE j.code = t_metric), 0) AS b_value,
                              coalesce(max(j.a_value) FILTER (WHERE j.code = t_metric), 0) AS a_value,
                              jsonb_object_agg(j.code, jsonb_build_array(j.b_value, j.a_value)) FILTER (WHERE j.code <> t_metric) AS pre
                       FROM j GROUP BY j.mm)
            SELECT g.* FROM g ORDER BY g.a_value - g.b_value DESC, g.mm::text
        LOOP
            mem := mem || r.mm;
            mv0 := mv0 || r.b_value;
            mv1 := mv1 || r.a_value;
            mpre := mpre || r.pre;
        END LOOP;
        PERFORM retail_kpi._drivers_check_split(dim, cardinality(mem));
        n0 := coalesce((SELECT sum(u.x) FROM unnest(mv0) u(x)), 0);
        n1 := coalesce((SELECT sum(u.x) FROM unnest(mv1) u(x)), 0);
        IF NOT retail_kpi._drivers_holds(n0, t_v0, tol) THEN
            PERFORM retail_kpi._drivers_not_holding(t_metric, format('members of dimension "%s"', dim), t_member, 'base', n0, t_v0, tol);
        END IF;
        IF NOT retail_kpi._drivers_holds(n1, t_v1, tol) THEN
            PERFORM retail_kpi._drivers_not_holding(t_metric, format('members of dimension "%s"', dim), t_member, 'current', n1, t_v1, tol);
        END IF;
        raw := ARRAY(SELECT (mv1[o] - mv0[o]) * factor FROM generate_subscripts(mv0, 1) o ORDER BY o);
        fixed := retail_kpi._drivers_fix_sum(raw, t_c);
        FOR i IN 1 .. cardinality(mem) LOOP
            RETURN QUERY SELECT * FROM retail_kpi._drivers_tree(
                t_metric, coalesce(t_filters, '{}') || jsonb_build_object(dim, mem[i]),
                coalesce(t_member, '{}') || jsonb_build_object(dim, mem[i]),
                t_path || '/' || dim || '=' || coalesce(mem[i] #>> '{}', 'NULL'), t_sort || i, t_lvl + 1, 'member',
                fixed[i], mv0[i], mv1[i], NULL, t_method, base_from, base_to, current_from, current_to,
                -- a split by the root's "by" keeps the depth; a declared split is one level
                CASE WHEN expansion = 'by' THEN t_depth ELSE 0 END, mpre[i]);
        END LOOP;
    ELSIF expansion IN ('by', 'mix') THEN
        -- a ratio R = N / D over the members of dim: R = sum of w_m r_m, w_m = D_m / D, r_m = N_m / D_m
        IF m.kind <> 'ratio' THEN
            RAISE EXCEPTION 'metric "%" is not a ratio metric: its mix declaration no longer holds', t_metric
                USING ERRCODE = '22023', HINT = 'Declare its drivers again with define_metric_drivers().';
        END IF;
        num := m.definition->>'numerator';
        den := m.definition->>'denominator';
        FOR r IN
            WITH q AS (SELECT 0 AS p, v.* FROM retail_kpi._drivers_values(ARRAY[num, den], ARRAY[dim], t_filters, base_from, base_to) v
                       UNION ALL
                       SELECT 1, v.* FROM retail_kpi._drivers_values(ARRAY[num, den], ARRAY[dim], t_filters, current_from, current_to) v)
            SELECT q.member AS mm,
                   coalesce(max(q.value) FILTER (WHERE q.p = 0 AND q.metric = num), 0) AS b_num,
                   coalesce(max(q.value) FILTER (WHERE q.p = 0 AND q.metric = den), 0) AS b_den,
                   coalesce(max(q.value) FILTER (WHERE q.p = 1 AND q.metric = num), 0) AS a_num,
                   coalesce(max(q.value) FILTER (WHERE q.p = 1 AND q.metric = den), 0) AS a_den
            FROM q GROUP BY q.member ORDER BY q.member::text
        LOOP
            mem := mem || r.mm;
            nn0 := nn0 || r.b_num;
            dd0 := dd0 || r.b_den;
            nn1 := nn1 || r.a_num;
            dd1 := dd1 || r.a_den;
        END LOOP;
        PERFORM retail_kpi._drivers_check_split(dim, cardinality(mem));
        n0 := coalesce((SELECT sum(u.x) FROM unnest(nn0) u(x)), 0);
        d0 := coalesce((SELECT sum(u.x) FROM unnest(dd0) u(x)), 0);
        n1 := coalesce((SELECT sum(u.x) FROM unnest(nn1) u(x)), 0);
        d1 := coalesce((SELECT sum(u.x) FROM unnest(dd1) u(x)), 0);
        IF d0 = 0 OR d1 = 0 OR NOT retail_kpi._drivers_holds(n0 / d0, t_v0, tol) THEN
            PERFORM retail_kpi._drivers_not_holding(t_metric, format('members of dimension "%s"', dim), t_member, 'base',
                                                    CASE WHEN d0 <> 0 THEN n0 / d0 END, t_v0, tol);
        END IF;
        IF NOT retail_kpi._drivers_holds(n1 / d1, t_v1, tol) THEN
            PERFORM retail_kpi._drivers_not_holding(t_metric, format('members of dimension "%s"', dim), t_member, 'current',
                                                    n1 / d1, t_v1, tol);
        END IF;
        FOR i IN 1 .. cardinality(mem) LOOP
            -- the member's own ratio (NULL without a denominator)
            mv0 := mv0 || CASE WHEN dd0[i] <> 0 THEN nn0[i] / dd0[i] END;
            mv1 := mv1 || CASE WHEN dd1[i] <> 0 THEN nn1[i] / dd1[i] END;
            IF dd0[i] = 0 OR dd1[i] = 0 THEN
                -- new or discontinued member: all of its change (N_m1 / D1 - N_m0 / D0) is mix
                mix := mix || (nn1[i] / d1 - nn0[i] / d0);
                allmix := allmix || true;
                raw := raw || (nn1[i] / d1 - nn0[i] / d0);
                mnotes := mnotes || CASE WHEN dd0[i] = 0 AND dd1[i] = 0 THEN 'no denominator in either period: all mix'
                                         WHEN dd0[i] = 0 THEN 'new member (no denominator in the base period): all mix'
                                         ELSE 'discontinued member (no denominator in the current period): all mix' END;
            ELSE
                IF meth = 'lmdi' AND (nn0[i] <= 0 OR nn1[i] <= 0 OR dd0[i] < 0 OR dd1[i] < 0) THEN
                    e := retail_kpi._drivers_mix('shapley', dd0[i] / d0, dd1[i] / d1, mv0[i], mv1[i]);
                    mnotes := mnotes || 'lmdi needs positive values: midpoint (Shapley) formula used'::text;
                ELSE
                    e := retail_kpi._drivers_mix(meth, dd0[i] / d0, dd1[i] / d1, mv0[i], mv1[i]);
                    mnotes := mnotes || NULL::text;
                END IF;
                mix := mix || e.mix;
                allmix := allmix || false;
                raw := raw || (e.mix + e.rate);
            END IF;
        END LOOP;
        raw := ARRAY(SELECT u.x * factor FROM unnest(raw) WITH ORDINALITY u(x, o) ORDER BY u.o);
        fixed := CASE WHEN meth = 'lmdi' THEN raw ELSE retail_kpi._drivers_fix_sum(raw, t_c) END;
        FOR i IN 1 .. cardinality(mem) LOOP
            label := t_path || '/' || dim || '=' || coalesce(mem[i] #>> '{}', 'NULL');
            sort_key := t_sort || i;
            path := label;
            level := t_lvl + 1;
            node := 'member';
            driver := t_metric;
            member := coalesce(t_member, '{}') || jsonb_build_object(dim, mem[i]);
            base_value := mv0[i];
            current_value := mv1[i];
            contribution := fixed[i];
            note := mnotes[i];
            RETURN NEXT;
            -- the effects: mix (the member's share of the denominator) and rate (the member's ratio)
            sort_key := t_sort || i || 1;
            path := label || '/mix';
            level := t_lvl + 2;
            node := 'effect';
            driver := 'mix';
            base_value := CASE WHEN d0 <> 0 THEN dd0[i] / d0 END;
            current_value := CASE WHEN d1 <> 0 THEN dd1[i] / d1 END;
            -- all of a new or discontinued member's contribution is mix (its rate is 0 exactly)
            contribution := CASE WHEN allmix[i] THEN fixed[i] ELSE mix[i] * factor END;
            note := NULL;
            RETURN NEXT;
            sort_key := t_sort || i || 2;
            path := label || '/rate';
            driver := 'rate';
            base_value := mv0[i];
            current_value := mv1[i];
            contribution := CASE WHEN allmix[i] THEN 0 ELSE fixed[i] - mix[i] * factor END;
            RETURN NEXT;
        END LOOP;
    END IF;

    -- the node itself
    sort_key := t_sort;
    path := t_path;
    level := t_lvl;
    node := t_node;
    driver := t_metric;
    member := t_member;
    base_value := t_v0;
    current_value := t_v1;
    contribution := t_c;
    note := the_note;
    RETURN NEXT;
END
$$;
COMMENT ON FUNCTION _drivers_tree(text, jsonb, jsonb, text, int[], int, text, numeric, numeric, numeric, text, text,
                                  date, date, date, date, int, jsonb) IS
    'internal: one node of the driver tree of explain_metric_change and its children (recursive)';

-- ---------------------------------------------------------------------------------------------
-- API: declaring drivers (SECURITY DEFINER: the caller is checked like a change of the metric,
-- docs/security.md R1-R3)

-- Declares how a metric decomposes: kind product or sum (drivers: 2 to 8 numeric metrics), members
-- (an additive metric over the members of dimension) or mix (a ratio metric over the members of
-- dimension).  tolerance: the relative difference allowed between the metric and its decomposition.
CREATE OR REPLACE FUNCTION define_metric_drivers(metric text, drivers text[] DEFAULT NULL, kind text DEFAULT 'product',
                                                 tolerance numeric DEFAULT 1e-9, dimension text DEFAULT NULL,
                                                 reason text DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    m retail_kpi.metrics;
    x retail_kpi.metrics;
    old retail_kpi.metric_drivers;
    new retail_kpi.metric_drivers;
    dr text;
BEGIN
    PERFORM retail_kpi._catalog_require_author('declare the drivers of a metric');
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_variant(kind, 'kind', '{product,sum,members,mix}');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    IF tolerance IS NULL OR tolerance < 0 OR tolerance >= 1 THEN
        RAISE EXCEPTION 'argument "tolerance" must be at least 0 and less than 1' USING ERRCODE = '22023',
            DETAIL = 'It is the relative difference allowed between the metric and its decomposition (1e-9: an identity up to float rounding).';
    END IF;
    SELECT * INTO m FROM retail_kpi.metrics t WHERE t.code = metric FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist', metric USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('metric', metric);
    END IF;
    IF NOT retail_kpi._catalog_is_number(m.value_type) THEN
        RAISE EXCEPTION 'metric "%" of type % cannot have drivers', metric, m.value_type
            USING ERRCODE = '42804', HINT = 'Drivers explain numeric metrics; declare them on a metric that reads a number from the summary.';
    END IF;
    IF kind IN ('product', 'sum') THEN
        IF dimension IS NOT NULL THEN
            RAISE EXCEPTION 'argument "dimension" is not used by kind "%"', kind USING ERRCODE = '22023',
                HINT = 'Kinds members and mix take a dimension, product and sum take drivers.';
        END IF;
        IF drivers IS NULL OR cardinality(drivers) < 2 OR array_ndims(drivers) <> 1 OR array_position(drivers, NULL) IS NOT NULL THEN
            RAISE EXCEPTION 'argument "drivers" must list at least 2 metrics, without NULL' USING ERRCODE = '22023';
        END IF;
        IF cardinality(drivers) > 8 THEN
            RAISE EXCEPTION 'argument "drivers" has % metrics, more than the limit of 8', cardinality(drivers) USING ERRCODE = '54000',
                DETAIL = 'Shapley contributions are computed over the 2^k subsets of the drivers.',
                HINT = 'Group drivers into intermediate metrics with drivers of their own (a tree).';
        END IF;
        IF (SELECT count(DISTINCT u) FROM unnest(drivers) u) < cardinality(drivers) THEN
            RAISE EXCEPTION 'argument "drivers" lists a metric twice' USING ERRCODE = '22023';
        END IF;
        FOREACH dr IN ARRAY drivers LOOP
            PERFORM retail_kpi._catalog_check_code(dr, 'drivers');
            SELECT * INTO x FROM retail_kpi.metrics t WHERE t.code = dr;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'driver metric "%" does not exist', dr USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('metric', dr);
            END IF;
            IF NOT retail_kpi._catalog_is_number(x.value_type) THEN
                RAISE EXCEPTION 'driver metric "%" of type % is not a number', dr, x.value_type USING ERRCODE = '42804',
                    HINT = 'A driver is a numeric metric; read a number from a summary with a derived metric (margin_rate(sales_summary)).';
            END IF;
            IF dr = metric OR retail_kpi._drivers_reaches(ARRAY[dr], metric) THEN
                RAISE EXCEPTION 'metric "%" would be its own driver through "%"', metric, dr USING ERRCODE = '42P17',
                    DETAIL = 'Driver trees cannot have cycles.';
            END IF;
        END LOOP;
    ELSE
        IF drivers IS NOT NULL AND cardinality(drivers) > 0 THEN
            RAISE EXCEPTION 'argument "drivers" is not used by kind "%"', kind USING ERRCODE = '22023',
                HINT = 'Kind members and mix split the metric by the members of "dimension".';
        END IF;
        PERFORM retail_kpi._catalog_check_code(dimension, 'dimension');
        IF NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions t WHERE t.code = dimension) THEN
            RAISE EXCEPTION 'dimension "%" does not exist', dimension USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('dimension', dimension);
        END IF;
        IF kind = 'mix' AND m.kind <> 'ratio' THEN
            RAISE EXCEPTION 'kind "mix" needs a ratio metric; metric "%" is %', metric, m.kind USING ERRCODE = '22023',
                HINT = 'An additive metric splits by members with kind => ''members''.';
        END IF;
        IF kind = 'members' AND m.kind = 'ratio' THEN
            RAISE EXCEPTION 'kind "members" needs an additive metric; metric "%" is a ratio', metric USING ERRCODE = '22023',
                HINT = 'A ratio splits by members into mix and rate effects with kind => ''mix''.';
        END IF;
        drivers := '{}';
    END IF;
    -- the same rules as changing the metric (R1-R3)
    PERFORM retail_kpi._catalog_require_owner('metric', metric, m.owner);
    PERFORM retail_kpi._catalog_require_uncertified('metric', metric, 'declare the drivers of');
    SELECT * INTO old FROM retail_kpi.metric_drivers t WHERE t.metric = metric FOR UPDATE;
    INSERT INTO retail_kpi.metric_drivers AS t (metric, kind, drivers, dimension, tolerance, declared_by, updated_at)
    VALUES (metric, kind, drivers, dimension, tolerance, retail_kpi.catalog_caller(), now())
    ON CONFLICT ON CONSTRAINT metric_drivers_pkey DO UPDATE
        SET kind = excluded.kind, drivers = excluded.drivers, dimension = excluded.dimension, tolerance = excluded.tolerance,
            declared_by = excluded.declared_by, updated_at = excluded.updated_at
    RETURNING * INTO new;
    PERFORM retail_kpi._catalog_record('metric_drivers', metric, CASE WHEN old.metric IS NULL THEN 'create' ELSE 'update' END,
                                       reason, to_jsonb(old), to_jsonb(new), m.owner);
    RETURN metric;
END
$$;
COMMENT ON FUNCTION define_metric_drivers(text, text[], text, numeric, text, text) IS
    'declares how a metric decomposes into drivers (product or sum of metrics, members of a dimension, mix and rate of a ratio) within a relative tolerance; the metric''s owner or a steward (stewards only for a certified metric)';

-- Removes a metric's declaration of drivers (the same rules as declaring it).
CREATE OR REPLACE FUNCTION drop_metric_drivers(metric text, reason text DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY DEFINER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    m retail_kpi.metrics;
    old retail_kpi.metric_drivers;
BEGIN
    PERFORM retail_kpi._catalog_require_author('drop the drivers of a metric');
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_text(reason, 'reason', 1000);
    SELECT * INTO old FROM retail_kpi.metric_drivers t WHERE t.metric = metric FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" has no declared drivers', metric USING ERRCODE = '42704';
    END IF;
    SELECT * INTO m FROM retail_kpi.metrics t WHERE t.code = metric;
    PERFORM retail_kpi._catalog_require_owner('metric', metric, m.owner);
    PERFORM retail_kpi._catalog_require_uncertified('metric', metric, 'drop the drivers of');
    DELETE FROM retail_kpi.metric_drivers t WHERE t.metric = metric;
    PERFORM retail_kpi._catalog_record('metric_drivers', metric, 'drop', reason, to_jsonb(old), NULL, m.owner);
END
$$;
COMMENT ON FUNCTION drop_metric_drivers(text, text) IS
    'removes a metric''s declaration of drivers; the metric''s owner or a steward (stewards only for a certified metric)';

-- ---------------------------------------------------------------------------------------------
-- API: checking and explaining (SECURITY INVOKER: values come from metric_values with the caller's
-- rights, R4 and R7 apply)

-- Compares a metric with its declared decomposition for each period and dimension members: the
-- product or sum of its drivers, the sum over the members, or sum N_m / sum D_m of a ratio's members.
CREATE OR REPLACE FUNCTION check_metric_drivers(metric text, from_date date, to_date date, grain text DEFAULT 'month',
                                                dimensions text[] DEFAULT '{}', filters jsonb DEFAULT NULL)
RETURNS TABLE(period_start date, dimension_values jsonb, metric_value numeric, drivers_value numeric, difference numeric,
              relative_difference float8, holds boolean, detail text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    d retail_kpi.metric_drivers;
    m retail_kpi.metrics;
    r record;
    parts text[];
BEGIN
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    IF from_date IS NULL OR to_date IS NULL THEN
        RAISE EXCEPTION 'arguments "from_date" and "to_date" must not be NULL' USING ERRCODE = '22004';
    END IF;
    IF from_date > to_date THEN
        RAISE EXCEPTION 'argument "from_date" (%) is after "to_date" (%)', from_date, to_date USING ERRCODE = '22023';
    END IF;
    IF dimensions IS NULL OR array_position(dimensions, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'argument "dimensions" must be an array without NULL elements' USING ERRCODE = '22023';
    END IF;
    SELECT * INTO m FROM retail_kpi.metrics t WHERE t.code = metric;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist', metric USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('metric', metric);
    END IF;
    SELECT * INTO d FROM retail_kpi.metric_drivers t WHERE t.metric = metric;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" has no declared drivers', metric USING ERRCODE = '42704',
            HINT = 'Declare them with define_metric_drivers().';
    END IF;
    IF d.dimension = ANY (dimensions) THEN
        RAISE EXCEPTION 'argument "dimensions" must not contain "%", the dimension the metric is split by', d.dimension
            USING ERRCODE = '22023';
    END IF;
    FOR r IN
        WITH v AS (SELECT x.metric AS code, x.period_start AS ps,
                          CASE WHEN d.kind IN ('members', 'mix') THEN x.dimension_values - d.dimension ELSE x.dimension_values END AS dv,
                          coalesce(x.exact_value, CAST(x.value AS numeric)) AS val
                   FROM retail_kpi.metric_values(
                            metrics => CASE d.kind WHEN 'mix' THEN ARRAY[m.definition->>'numerator', m.definition->>'denominator']
                                                   WHEN 'members' THEN ARRAY[metric] ELSE d.drivers END,
                            dimensions => CASE WHEN d.kind IN ('members', 'mix') THEN dimensions || d.dimension ELSE dimensions END,
                            filters => filters, from_date => from_date, to_date => to_date, grain => grain) x),
             t AS (SELECT x.period_start AS ps, x.dimension_values AS dv, coalesce(x.exact_value, CAST(x.value AS numeric)) AS val
                   FROM retail_kpi.metric_values(metrics => ARRAY[metric], dimensions => dimensions, filters => filters,
                                                 from_date => from_date, to_date => to_date, grain => grain) x),
             -- the decomposition per period and members, grouped once (a hash join, not a scan per row)
             g AS (SELECT v.ps, v.dv, sum(v.val) AS total,
                          sum(v.val) FILTER (WHERE v.code = m.definition->>'numerator')
                            / nullif(sum(v.val) FILTER (WHERE v.code = m.definition->>'denominator'), 0) AS ratio,
                          jsonb_object_agg(v.code, v.val) AS vals
                   FROM v GROUP BY v.ps, v.dv)
        SELECT coalesce(t.ps, g.ps) AS ps, coalesce(t.dv, g.dv) AS dv, t.val AS mval,
               CASE d.kind WHEN 'mix' THEN g.ratio WHEN 'product' THEN NULL ELSE coalesce(g.total, 0) END AS dval,
               ARRAY(SELECT CAST(g.vals ->> u.x AS numeric) FROM unnest(d.drivers) WITH ORDINALITY u(x, o) ORDER BY u.o) AS xs
        FROM t FULL JOIN g ON g.ps = t.ps AND g.dv = t.dv
        ORDER BY 1, CAST(coalesce(t.dv, g.dv) AS text)
    LOOP
        period_start := r.ps;
        dimension_values := r.dv;
        metric_value := r.mval;
        drivers_value := r.dval;
        detail := NULL;
        IF d.kind = 'product' THEN
            drivers_value := 1;
            parts := '{}';
            FOR i IN 1 .. cardinality(d.drivers) LOOP
                drivers_value := drivers_value * r.xs[i];
                parts := parts || format('%s = %s', d.drivers[i], coalesce(r.xs[i]::text, 'NULL'));
            END LOOP;
            detail := array_to_string(parts, ' x ');
        ELSIF d.kind = 'sum' THEN
            detail := (SELECT string_agg(format('%s = %s', d.drivers[o], coalesce(r.xs[o]::text, 'NULL')), ' + ' ORDER BY o)
                       FROM generate_subscripts(d.drivers, 1) o);
        ELSIF d.kind = 'members' THEN
            detail := format('sum over the members of %s', d.dimension);
        ELSE
            detail := format('sum of %s / sum of %s over the members of %s', m.definition->>'numerator',
                             m.definition->>'denominator', d.dimension);
        END IF;
        difference := metric_value - drivers_value;
        relative_difference := CASE WHEN metric_value <> 0 THEN CAST(difference / abs(metric_value) AS float8) END;
        holds := retail_kpi._drivers_holds(drivers_value, metric_value, d.tolerance);
        IF NOT holds THEN
            detail := detail || format(': differs from %s = %s by more than the tolerance %s', metric,
                                       coalesce(metric_value::text, 'NULL'), d.tolerance);
        END IF;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION check_metric_drivers(text, date, date, text, text[], jsonb) IS
    'compares a metric with its declared decomposition (product or sum of drivers, sum over members, mix of a ratio) per period and dimension members, with the caller''s rights; holds is false where the difference exceeds the declared tolerance';

-- Explains the change of a metric from a base window to a current window: one row per node of its
-- driver tree with the node's values and its contribution to the change; optionally split by the
-- members of a dimension first.
CREATE OR REPLACE FUNCTION explain_metric_change(metric text, base_from date, base_to date, current_from date,
                                                 current_to date, filters jsonb DEFAULT NULL, method text DEFAULT 'lmdi',
                                                 "by" text DEFAULT NULL, depth int DEFAULT 3)
RETURNS TABLE(path text, level int, node text, driver text, member jsonb, base_value numeric, current_value numeric,
              contribution numeric, share float8, note text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    m retail_kpi.metrics;
    v0 numeric;
    v1 numeric;
BEGIN
    PERFORM retail_kpi._catalog_check_code(metric, 'metric');
    PERFORM retail_kpi._catalog_check_variant(method, 'method', '{lmdi,shapley,chain}');
    IF base_from IS NULL OR base_to IS NULL OR current_from IS NULL OR current_to IS NULL THEN
        RAISE EXCEPTION 'the periods must not be NULL' USING ERRCODE = '22004',
            HINT = 'Give base_from, base_to, current_from and current_to.';
    END IF;
    IF base_from > base_to THEN
        RAISE EXCEPTION 'argument "base_from" (%) is after "base_to" (%)', base_from, base_to USING ERRCODE = '22023';
    END IF;
    IF current_from > current_to THEN
        RAISE EXCEPTION 'argument "current_from" (%) is after "current_to" (%)', current_from, current_to USING ERRCODE = '22023';
    END IF;
    IF depth IS NULL OR depth < 1 OR depth > 10 THEN
        RAISE EXCEPTION 'argument "depth" must be between 1 and 10' USING ERRCODE = '22023';
    END IF;
    IF filters IS NOT NULL AND jsonb_typeof(filters) <> 'object' THEN
        RAISE EXCEPTION 'argument "filters" must be a JSON object' USING ERRCODE = '22023';
    END IF;
    SELECT * INTO m FROM retail_kpi.metrics t WHERE t.code = metric;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'metric "%" does not exist', metric USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('metric', metric);
    END IF;
    IF NOT retail_kpi._catalog_is_number(m.value_type) THEN
        RAISE EXCEPTION 'metric "%" of type % is not a number', metric, m.value_type USING ERRCODE = '42804';
    END IF;
    IF "by" IS NOT NULL THEN
        PERFORM retail_kpi._catalog_check_code("by", 'by');
        IF NOT EXISTS (SELECT 1 FROM retail_kpi.dimensions t WHERE t.code = "by") THEN
            RAISE EXCEPTION 'dimension "%" does not exist', "by" USING ERRCODE = '42704', HINT = retail_kpi._catalog_did_you_mean('dimension', "by");
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM retail_kpi.metric_drivers t WHERE t.metric = metric) THEN
        RAISE EXCEPTION 'metric "%" has no declared drivers', metric USING ERRCODE = '42704',
            HINT = 'Declare them with define_metric_drivers(), or split the change by the members of a dimension with "by".';
    END IF;
    v0 := (SELECT v.value FROM retail_kpi._drivers_values(ARRAY[metric], '{}', filters, base_from, base_to) v);
    v1 := (SELECT v.value FROM retail_kpi._drivers_values(ARRAY[metric], '{}', filters, current_from, current_to) v);
    IF v0 IS NULL OR v1 IS NULL THEN
        RAISE EXCEPTION 'metric "%" has no value in the % period', metric, CASE WHEN v0 IS NULL THEN 'base' ELSE 'current' END
            USING ERRCODE = '22000',
                  DETAIL = format('Base %s to %s, current %s to %s%s.', base_from, base_to, current_from, current_to,
                                  CASE WHEN filters IS NULL THEN '' ELSE ', filters ' || filters::text END);
    END IF;
    RETURN QUERY
    SELECT t.path, t.level, t.node, t.driver, t.member, trim_scale(t.base_value), trim_scale(t.current_value),
           trim_scale(t.contribution), CASE WHEN v1 <> v0 THEN CAST(t.contribution / (v1 - v0) AS float8) END, t.note
    FROM retail_kpi._drivers_tree(metric, filters, NULL, metric, '{}', 0, 'metric', v1 - v0, v0, v1, "by", method,
                                  base_from, base_to, current_from, current_to, depth, NULL) t
    ORDER BY t.sort_key;
END
$$;
COMMENT ON FUNCTION explain_metric_change(text, date, date, date, date, jsonb, text, text, int) IS
    'explains the change of a metric between two windows along its declared driver tree (lmdi, shapley or chain), optionally split by the members of a dimension first; contributions add up to the change; the caller''s rights';
