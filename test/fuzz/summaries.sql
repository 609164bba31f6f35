/*
 * test/fuzz/summaries.sql -- in-server fuzzing of every retail_kpi summary type (run by
 * test/t_fuzz_summaries.sh; see docs/hardening.md).
 *
 * Creates, in schema rk_fuzz of the current database:
 *   types      every base type of schema retail_kpi whose input function is our C code
 *   base       valid values of each type, built by the type's aggregates over generated rows
 *   outcome    counts per (type, form, mutation, outcome)
 *   failures   every case that was neither accepted (round trip + accessors ok) nor rejected with
 *              a documented SQLSTATE
 * and the functions fuzz_text(type, n, seed), fuzz_binary(type, n, seed, file), fuzz_combine(type).
 * Nothing here is specific to one summary type: a new type is picked up automatically as long as
 * one of its aggregates takes arguments of the kinds make_base() knows (date, numeric, text,
 * boolean, integers, double precision).
 */
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS rk_fuzz CASCADE;
CREATE SCHEMA rk_fuzz;
SET search_path = rk_fuzz, public;

CREATE TABLE types AS
SELECT t.oid::regtype AS typ, t.typname::text AS name
FROM pg_type t JOIN pg_proc i ON i.oid = t.typinput
WHERE t.typnamespace = 'retail_kpi'::regnamespace AND t.typtype = 'b'
  AND i.prolang = (SELECT oid FROM pg_language WHERE lanname = 'c')
  AND i.probin LIKE '%retail_kpi%'
ORDER BY 2;

CREATE TABLE base (typ regtype, id int, variant int, txt text, bin bytea);
-- one row per case (append-only: counting in place would leave a chain of row versions per
-- counter inside the one long transaction of a run, and slow down quadratically)
CREATE TABLE outcome_log (typ regtype, form text, kind text, result text);
CREATE VIEW outcome AS
SELECT typ, form, kind, result, count(*) AS n FROM outcome_log GROUP BY 1, 2, 3, 4;
CREATE TABLE failures (typ regtype, form text, kind text, stage text, sqlstate text, message text,
                       input text);
CREATE TABLE accepted (typ regtype, form text, txt text);

-- generated rows: a mix of scales, signs, huge magnitudes, NULLs, awkward item names
SELECT setseed(0.5);
CREATE TABLE rows AS
SELECT g,
       (CASE WHEN g <= 40 THEN g                      -- 40 one-row groups
             WHEN g <= 200 THEN 40 + g % 20           -- 20 groups of 8
             ELSE 60 + g % 6 END) AS grp,             -- 6 groups of ~300
       date '2024-01-01' + (random() * 59)::int AS d,
       CASE WHEN g % 97 = 0 THEN NULL
            WHEN g % 89 = 0 THEN 123456789012345678901234567890.123456
            ELSE round((random() * 2000)::numeric, g % 5) END AS n1,
       CASE WHEN g % 53 = 0 THEN 0
            ELSE round((random() * 1500)::numeric, g % 3) END AS n2,
       CASE WHEN g % 71 = 0 THEN NULL ELSE (random() * 20)::int::numeric END AS n3,
       (ARRAY['sku-1', 'sku 2', 'a,b', 'q"uote', 'back\slash', '(paren)', 'é中文😀', 'x=y', '',
              'sku-10', 'sku-11', 'semi;colon', 'brace{}', 'v1', 'long-' || repeat('z', 200)])
             [1 + g % 15] AS t,
       g % 2 = 0 AS b
FROM generate_series(1, 2000) g;

-- expression for one aggregate argument of the given type (position among args of that type)
CREATE FUNCTION arg_expr(t regtype, nth int, variant int) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN t = 'date'::regtype AND nth = 1 THEN 'd'
    -- further date arguments are constant windows: 01-01..01-16, 01-31..02-15 (variant shifts them)
    WHEN t = 'date'::regtype THEN format('date %L', date '2024-01-01' + 15 * (nth - 2) + 7 * variant)
    WHEN t = 'numeric'::regtype THEN (ARRAY['n1', 'n2', 'n3', 'n1'])[least(nth, 4)]
    WHEN t = 'text'::regtype THEN 't'
    WHEN t = 'boolean'::regtype THEN 'b'
    WHEN t IN ('integer'::regtype, 'bigint'::regtype, 'smallint'::regtype) THEN '(g % 100)::' || t::text
    WHEN t IN ('double precision'::regtype, 'real'::regtype) THEN 'n1::' || t::text
    END
$$;

-- valid values of type typ from every aggregate returning it (except rollup-style ones)
CREATE FUNCTION make_base(typ regtype) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
  agg record; args text; sql text; n int := 0; ty regtype; cnt int[]; i int; variant int;
  r record; e text; nagg int := -1;
BEGIN
  FOR agg IN
    SELECT p.oid, p.proname, ARRAY(SELECT unnest(p.proargtypes::regtype[])) AS at,
           (SELECT count(*) FROM unnest(p.proargtypes::regtype[]) x WHERE x = 'date'::regtype) AS ndates
    FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
    WHERE p.pronamespace = 'retail_kpi'::regnamespace AND p.prorettype = typ
      AND NOT typ = ANY (p.proargtypes::regtype[])
    ORDER BY p.pronargs, p.oid
  LOOP
    nagg := nagg + 1;
    FOR variant IN 0 .. CASE WHEN agg.ndates > 1 THEN 1 ELSE 0 END LOOP
      args := ''; cnt := '{}';
      FOR i IN 1 .. array_length(agg.at, 1) LOOP
        ty := agg.at[i];
        cnt := cnt || (SELECT count(*)::int + 1 FROM unnest(agg.at[1:i-1]) x WHERE x = ty);
        IF arg_expr(ty, cnt[i], variant) IS NULL THEN
          RAISE WARNING 'no generator for argument type % of %', ty, agg.oid::regprocedure;
          args := NULL;
          EXIT;
        END IF;
        args := args || CASE WHEN i > 1 THEN ', ' ELSE '' END || arg_expr(ty, cnt[i], variant);
      END LOOP;
      CONTINUE WHEN args IS NULL;
      sql := format('SELECT grp, retail_kpi.%I(%s)::text AS s FROM rk_fuzz.rows GROUP BY grp ORDER BY grp',
                    agg.proname, args);
      -- values of different aggregates of a type are different variants: they may not merge (a
      -- bridge_summary with item groups and one without: 22023), like summaries of other windows
      BEGIN
        FOR r IN EXECUTE sql LOOP
          CONTINUE WHEN r.s IS NULL;
          n := n + 1;
          EXECUTE format('INSERT INTO rk_fuzz.base VALUES ($1, $2, $3, $4, %s(%L::%s))',
                         regexp_replace(typ::text, '$', '_send'), r.s, typ)
            USING typ, n, variant + 10 * nagg, r.s;
        END LOOP;
      EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS e = MESSAGE_TEXT;
        RAISE WARNING '% (%): % %', agg.oid::regprocedure, variant, SQLSTATE, e;
      END;
    END LOOP;
  END LOOP;
  RETURN n;
END $$;

-- single-argument accessors (other arguments defaulted) of a type, as call templates
CREATE FUNCTION accessors(typ regtype) RETURNS SETOF text LANGUAGE sql STABLE AS $$
  SELECT format('SELECT count(*) FROM (SELECT %I.%I($1::%s)) s', n.nspname, p.proname, typ)
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = 'retail_kpi' AND p.prokind = 'f' AND p.pronargs >= 1
    AND p.proargtypes[0] = typ AND p.pronargs - p.pronargdefaults = 1
    AND p.oid <> (SELECT typoutput FROM pg_type WHERE oid = typ)
  ORDER BY p.proname
$$;

CREATE FUNCTION count_outcome(typ regtype, form text, kind text, result text) RETURNS void
LANGUAGE sql AS $$
  INSERT INTO rk_fuzz.outcome_log VALUES (typ, form, kind, result)
$$;

CREATE FUNCTION rnd(n int) RETURNS int LANGUAGE sql VOLATILE AS $$ SELECT floor(random() * n)::int $$;

-- Checks a value that was accepted: its text form must round-trip and every accessor must either
-- work or fail with a documented SQLSTATE.  Returns NULL when fine, else 'stage:sqlstate:message'.
CREATE FUNCTION check_accepted(typ regtype, txt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE t2 text; t3 text; acc text; st text; msg text; b1 bytea; b2 bytea;
BEGIN
  BEGIN
    EXECUTE format('SELECT $1::%s::text', typ) INTO t2 USING txt;
    EXECUTE format('SELECT $1::%s::text', typ) INTO t3 USING t2;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
    RETURN 'roundtrip:' || SQLSTATE || ':' || msg;
  END;
  IF t2 IS DISTINCT FROM t3 THEN
    RETURN 'roundtrip:-:in(out(x)) <> x: ' || left(t2, 200) || ' / ' || left(t3, 200);
  END IF;
  BEGIN   -- send(in(out(x))) = send(x)
    EXECUTE format('SELECT %s($1::%s), %s($2::%s)', regexp_replace(typ::text, '$', '_send'), typ,
                   regexp_replace(typ::text, '$', '_send'), typ) INTO b1, b2 USING txt, t2;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
    RETURN 'send:' || SQLSTATE || ':' || msg;
  END;
  IF b1 IS DISTINCT FROM b2 THEN
    RETURN 'send:-:send(x) <> send(in(out(x)))';
  END IF;
  FOR acc IN SELECT rk_fuzz.accessors(typ) LOOP
    BEGIN
      EXECUTE acc USING txt;
    EXCEPTION WHEN OTHERS THEN
      st := SQLSTATE;
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
      -- documented: 22003 (a sum or result out of range), 22023 (bad argument), 54000 (limits)
      IF st NOT IN ('22003', '22023', '54000') THEN
        RETURN 'accessor:' || st || ':' || msg || ' [' || acc || ']';
      END IF;
    END;
  END LOOP;
  RETURN NULL;
END $$;

-- Checks a value just received in binary, in the temp table fuzz_target (one row): every
-- one-argument accessor and a rollup with itself run on the received datum itself (not on its
-- re-parsed text), and send(x) must equal send(in(out(x))).  NULL when fine.
CREATE FUNCTION check_received(typ regtype) RETURNS text LANGUAGE plpgsql AS $$
DECLARE acc text; st text; msg text; same bool;
BEGIN
  BEGIN
    EXECUTE format('SELECT %1$s(s) = %1$s(s::text::%2$s) FROM fuzz_target',
                   (SELECT typsend FROM pg_type WHERE oid = typ)::regproc, typ) INTO same;
  EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
    RETURN 'received_send:' || SQLSTATE || ':' || msg;
  END;
  IF NOT same THEN
    RETURN 'received_send:-:send(x) <> send(in(out(x))) for the received value';
  END IF;
  FOR acc IN SELECT replace(rk_fuzz.accessors(typ), format('($1::%s)) s', typ), '(s) FROM fuzz_target) s')
             UNION ALL SELECT 'SELECT count(*) FROM (SELECT retail_kpi.rollup(s) FROM (SELECT s FROM fuzz_target UNION ALL SELECT s FROM fuzz_target) t) s'
  LOOP
    BEGIN
      EXECUTE acc;
    EXCEPTION WHEN OTHERS THEN
      st := SQLSTATE;
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
      IF st NOT IN ('22003', '22023', '54000') THEN
        RETURN 'received_accessor:' || st || ':' || msg || ' [' || acc || ']';
      END IF;
    END;
  END LOOP;
  RETURN NULL;
END $$;

-- one mutation of a text form; returns (kind, mutated)
CREATE FUNCTION mutate_text(t text, i int, OUT kind text, OUT m text) LANGUAGE plpgsql AS $$
DECLARE
  L int := length(t); p int; q int; toks text[]; nums text[]; k int;
  junk text[] := ARRAY[',', '=', '(', ')', 'v1', 'v2', '-', '+', '.', 'e', 'E', '9', ' ', '"', '\',
                       E'\n', E'\t', '{', '}', '[', ']', ';', ':', 'NaN', 'Infinity', 'é', '中',
                       '😀', E'\u00a0', 'rows=', 'x', '0', ',,', '()', E'\u2028', '%s', ''''];
  bignums text[] := ARRAY['', '-', '+', '.', '0.', '.5', '-0', '00', '1e5', '1E-5', '1e400',
                          'NaN', 'Infinity', '-Infinity', 'inf', '0x10', '1_000', '١٢٣',
                          repeat('9', 39), repeat('9', 100), '-' || repeat('9', 1000),
                          '0.' || repeat('0', 1000) || '1', repeat('9', 38) || '.' || repeat('9', 38),
                          '170141183460469231731687303715884105727',
                          '-170141183460469231731687303715884105728',
                          '170141183460469231731687303715884105728', '2147483647', '2147483648',
                          '-2147483649', '9223372036854775807', '9223372036854775808',
                          '-9223372036854775809', '18446744073709551616', '4294967296', '-1',
                          '1.5', '1 ', ' 1', '1,5', '5874897', '-4713', '99999999'];
BEGIN
  k := i % 12;
  IF k = 0 THEN                                   -- truncation
    kind := 'truncate'; p := CASE WHEN L <= 400 THEN i / 12 % (L + 1) ELSE rk_fuzz.rnd(L + 1) END;
    m := left(t, p);
  ELSIF k = 1 THEN                                -- junk insertion
    kind := 'insert_junk'; p := rk_fuzz.rnd(L + 1);
    m := left(t, p) || junk[1 + rk_fuzz.rnd(array_length(junk, 1))] || substr(t, p + 1);
  ELSIF k = 2 THEN                                -- character replaced
    kind := 'replace_char'; p := rk_fuzz.rnd(L) + 1;
    m := overlay(t placing junk[1 + rk_fuzz.rnd(array_length(junk, 1))] from p for 1);
  ELSIF k = 3 THEN                                -- span deleted
    kind := 'delete_span'; p := rk_fuzz.rnd(L) + 1; q := 1 + rk_fuzz.rnd(8);
    m := overlay(t placing '' from p for q);
  ELSIF k = 4 THEN                                -- wrong / malformed version
    kind := 'version';
    m := regexp_replace(t, 'v1', (ARRAY['v0', 'v2', 'v255', 'v256', 'v99999999999', 'v', 'V1', 'v01',
                                        'v-1', 'v1.0', 'v 1', 'x1', ''])[1 + rk_fuzz.rnd(13)]);
  ELSIF k IN (5, 6) THEN                          -- a number replaced by a huge/tiny/odd one
    kind := 'number';
    nums := ARRAY(SELECT x[1] FROM regexp_matches(t, '-?[0-9]+(\.[0-9]+)?', 'g') x);
    IF coalesce(array_length(nums, 1), 0) = 0 THEN m := t || '1e400';
    ELSE
      q := 1 + rk_fuzz.rnd(array_length(nums, 1));          -- the q-th number
      p := 0;
      FOR j IN 1 .. q LOOP p := strpos(substr(t, p + 1), nums[j]) + p; END LOOP;
      m := left(t, p - 1) || bignums[1 + rk_fuzz.rnd(array_length(bignums, 1))]
           || substr(t, p + length(nums[q]));
    END IF;
  ELSIF k = 7 THEN                                -- a comma-separated field duplicated
    kind := 'dup_field'; toks := string_to_array(t, ',');
    p := 1 + rk_fuzz.rnd(array_length(toks, 1));
    m := array_to_string(toks[1:p] || toks[p:], ',');
  ELSIF k = 8 THEN                                -- a field removed
    kind := 'drop_field'; toks := string_to_array(t, ',');
    p := 1 + rk_fuzz.rnd(array_length(toks, 1));
    m := array_to_string(toks[1:p-1] || toks[p+1:], ',');
  ELSIF k = 9 THEN                                -- two fields swapped
    kind := 'swap_fields'; toks := string_to_array(t, ',');
    p := 1 + rk_fuzz.rnd(array_length(toks, 1)); q := 1 + rk_fuzz.rnd(array_length(toks, 1));
    m := toks[p]; toks[p] := toks[q]; toks[q] := m;
    m := array_to_string(toks, ',');
  ELSIF k = 10 THEN                               -- a slice of the value repeated (long inputs)
    kind := 'repeat_slice'; p := rk_fuzz.rnd(L) + 1; q := 1 + rk_fuzz.rnd(40);
    m := left(t, p) || repeat(substr(t, p, q), 1 + rk_fuzz.rnd(2000)) || substr(t, p + 1);
  ELSE                                            -- whole-input specials
    kind := 'special';
    m := (ARRAY['', ' ', '(', ')', '()', '(v1)', '(v1,)', 'v1', t || ' ', ' ' || t, t || t,
                upper(t), t || ',', repeat('(', 10000), repeat(t, 50), 'NULL', 'null',
                left(t, -1) || ',rows=1)', replace(t, ',', ', '), replace(t, '=', ' = '),
                repeat('x', 1000000)])[1 + rk_fuzz.rnd(21)];
  END IF;
END $$;

-- n text-mutation cases of type typ
CREATE FUNCTION fuzz_text(typ regtype, ncases int, seed float8, trace bool DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  bases text[]; b text; i int; mu record; res text; st text; msg text; chk text;
BEGIN
  PERFORM setseed(seed);
  bases := ARRAY(SELECT txt FROM rk_fuzz.base WHERE base.typ = fuzz_text.typ ORDER BY id);
  IF coalesce(array_length(bases, 1), 0) = 0 THEN
    RAISE EXCEPTION 'no valid values of %', typ;
  END IF;
  FOR i IN 0 .. ncases - 1 LOOP
    b := bases[1 + (i / 12 / 7) % array_length(bases, 1)];   -- a base value for a run of cases
    mu := rk_fuzz.mutate_text(b, i);
    IF trace THEN RAISE NOTICE 'case % (%): %', i, mu.kind, left(mu.m, 2000); END IF;
    BEGIN
      EXECUTE format('SELECT $1::%s::text', typ) INTO res USING mu.m;
      chk := rk_fuzz.check_accepted(typ, res);
      IF chk IS NULL THEN
        PERFORM rk_fuzz.count_outcome(typ, 'text', mu.kind, 'accepted');
        IF random() < 0.2 THEN INSERT INTO rk_fuzz.accepted VALUES (typ, 'text', res); END IF;
      ELSE
        PERFORM rk_fuzz.count_outcome(typ, 'text', mu.kind, 'FAILED');
        INSERT INTO rk_fuzz.failures VALUES (typ, 'text', mu.kind, split_part(chk, ':', 1),
          split_part(chk, ':', 2), substr(chk, length(split_part(chk, ':', 1)) + length(split_part(chk, ':', 2)) + 3),
          left(mu.m, 2000));
      END IF;
    EXCEPTION WHEN OTHERS THEN
      st := SQLSTATE;
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
      -- documented: 22P02 (malformed), 22003 (a number out of the summary's range, as int4in
      -- does), 54000 (a size limit)
      IF st IN ('22P02', '22003', '54000') THEN
        PERFORM rk_fuzz.count_outcome(typ, 'text', mu.kind, 'rejected ' || st);
      ELSE
        PERFORM rk_fuzz.count_outcome(typ, 'text', mu.kind, 'FAILED');
        INSERT INTO rk_fuzz.failures VALUES (typ, 'text', mu.kind, 'in', st, msg, left(mu.m, 2000));
      END IF;
    END;
  END LOOP;
END $$;

-- one mutation of a binary form
CREATE FUNCTION mutate_bin(b bytea, i int, OUT kind text, OUT m bytea) LANGUAGE plpgsql AS $$
DECLARE L int := length(b); p int; q int; k int; v int;
BEGIN
  k := i % 10;
  IF k = 0 THEN
    kind := 'truncate'; p := CASE WHEN L <= 300 THEN i / 10 % L ELSE rk_fuzz.rnd(L) END;
    m := substr(b, 1, p);
  ELSIF k IN (1, 2) THEN
    kind := 'byte_flip'; m := b;
    FOR j IN 1 .. 1 + rk_fuzz.rnd(3) LOOP
      m := set_byte(m, rk_fuzz.rnd(L), rk_fuzz.rnd(256));
    END LOOP;
  ELSIF k = 3 THEN
    kind := 'bit_flip'; p := rk_fuzz.rnd(L);
    m := set_byte(b, p, get_byte(b, p) # (1 << rk_fuzz.rnd(8)));
  ELSIF k = 4 THEN
    kind := 'extend'; m := b;
    FOR j IN 1 .. 1 + rk_fuzz.rnd(16) LOOP m := m || set_byte('\x00'::bytea, 0, rk_fuzz.rnd(256)); END LOOP;
  ELSIF k = 5 THEN                                -- a 4-byte field made huge / negative / zero
    kind := 'int32'; p := rk_fuzz.rnd(greatest(L - 3, 1));
    m := b;
    v := rk_fuzz.rnd(6);
    FOR j IN 0 .. 3 LOOP
      IF p + j < L THEN
        m := set_byte(m, p + j, CASE v WHEN 0 THEN 255 WHEN 1 THEN CASE WHEN j = 0 THEN 127 ELSE 255 END
                                        WHEN 2 THEN 0 WHEN 3 THEN CASE WHEN j = 0 THEN 128 ELSE 0 END
                                        WHEN 4 THEN CASE WHEN j = 3 THEN 1 ELSE 0 END
                                        ELSE CASE WHEN j = 2 THEN 1 ELSE 0 END END);
      END IF;
    END LOOP;
  ELSIF k = 6 THEN
    kind := 'version'; m := set_byte(b, 0, (ARRAY[0, 2, 3, 127, 128, 255])[1 + rk_fuzz.rnd(6)]);
  ELSIF k = 7 THEN
    kind := 'delete_span'; p := rk_fuzz.rnd(L); q := 1 + rk_fuzz.rnd(8);
    m := overlay(b placing '' from p + 1 for q);
  ELSIF k = 8 THEN
    kind := 'dup_span'; p := rk_fuzz.rnd(L); q := 1 + rk_fuzz.rnd(16);
    m := substr(b, 1, p + q) || substr(b, p + 1);
  ELSE
    kind := 'special';
    m := (ARRAY['\x'::bytea, '\x00', '\x01', '\x0100', b || b, substr(b, 1, 2) || '\xffffffff'::bytea,
                '\x01' || decode(repeat('ff', 64), 'hex'), substr(b, 1, 1)])[1 + rk_fuzz.rnd(8)];
  END IF;
END $$;

-- n binary-mutation cases of type typ, through COPY (FORMAT binary) of a bytea value read back
-- into a column of type typ (COPY hands the field's bytes to the type's recv function)
CREATE FUNCTION fuzz_binary(typ regtype, ncases int, seed float8, file text, trace bool DEFAULT false)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  bases bytea[]; b bytea; i int; mu record; res text; st text; msg text; chk text; stage text;
  chk_recv text;
BEGIN
  PERFORM setseed(seed);
  bases := ARRAY(SELECT bin FROM rk_fuzz.base WHERE base.typ = fuzz_binary.typ ORDER BY id);
  IF coalesce(array_length(bases, 1), 0) = 0 THEN
    RAISE EXCEPTION 'no valid values of %', typ;
  END IF;
  EXECUTE format('CREATE TEMP TABLE IF NOT EXISTS fuzz_target (s %s)', typ);
  TRUNCATE fuzz_target;
  FOR i IN 0 .. ncases - 1 LOOP
    b := bases[1 + (i / 10 / 7) % array_length(bases, 1)];
    mu := rk_fuzz.mutate_bin(b, i);
    IF trace THEN RAISE NOTICE 'case % (%): %', i, mu.kind, left(mu.m::text, 4000); END IF;
    EXECUTE format('COPY (SELECT %L::bytea) TO %L (FORMAT binary)', mu.m, file);
    stage := 'recv'; res := NULL; chk_recv := NULL;
    BEGIN
      EXECUTE format('COPY fuzz_target FROM %L (FORMAT binary)', file);
      stage := 'check';
      SELECT s::text INTO res FROM fuzz_target;
      chk_recv := rk_fuzz.check_received(typ);
      RAISE SQLSTATE 'RKF00';                      -- roll back the loaded row
    EXCEPTION WHEN OTHERS THEN
      st := SQLSTATE;
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
    END;
    IF st = 'RKF00' THEN                           -- accepted by recv
      chk := coalesce(chk_recv, rk_fuzz.check_accepted(typ, res));
      IF chk IS NULL THEN
        PERFORM rk_fuzz.count_outcome(typ, 'binary', mu.kind, 'accepted');
        IF random() < 0.2 THEN INSERT INTO rk_fuzz.accepted VALUES (typ, 'binary', res); END IF;
      ELSE
        PERFORM rk_fuzz.count_outcome(typ, 'binary', mu.kind, 'FAILED');
        INSERT INTO rk_fuzz.failures VALUES (typ, 'binary', mu.kind, split_part(chk, ':', 1),
          split_part(chk, ':', 2), substr(chk, length(split_part(chk, ':', 1)) + length(split_part(chk, ':', 2)) + 3),
          left(mu.m::text, 4000));
      END IF;
    -- documented: 22000 (corrupt), 22P02, 22003 (a number out of range), 54000 (limits), 22021
    -- (a string that is not valid in the database encoding, as for text's own recv)
    ELSIF stage = 'recv' AND st IN ('22000', '22P02', '22003', '54000', '22021') THEN
      PERFORM rk_fuzz.count_outcome(typ, 'binary', mu.kind, 'rejected ' || st);
    ELSE
      PERFORM rk_fuzz.count_outcome(typ, 'binary', mu.kind, 'FAILED');
      INSERT INTO rk_fuzz.failures VALUES (typ, 'binary', mu.kind, stage, st, msg, left(mu.m::text, 4000));
    END IF;
  END LOOP;
END $$;

-- rollup of summaries that may disagree: pairs of base values (both window variants), pairs of
-- accepted mutants, and everything at once.  A rollup either works (and its result round-trips)
-- or fails with 22023 (the summaries cannot be merged, e.g. promo windows differ), 22003 (a sum
-- leaves the exact range) or 54000 (a size limit).  For a type whose aggregate takes constant
-- windows (more than one date argument), merging values of different windows must give 22023.
CREATE FUNCTION fuzz_combine(typ regtype, npairs int, seed float8) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  a record; b record; res text; st text; msg text; chk text; windows bool; i int; kind text;
  vals text[];
BEGIN
  PERFORM setseed(seed);
  SELECT bool_or((SELECT count(*) FROM unnest(p.proargtypes::regtype[]) x WHERE x = 'date'::regtype) > 1)
    INTO windows
  FROM pg_aggregate g JOIN pg_proc p ON p.oid = g.aggfnoid
  WHERE p.pronamespace = 'retail_kpi'::regnamespace AND p.prorettype = typ
    AND NOT typ = ANY (p.proargtypes::regtype[]);
  FOR i IN 1 .. npairs LOOP
    IF i % 2 = 0 OR NOT EXISTS (SELECT 1 FROM rk_fuzz.accepted x WHERE x.typ = fuzz_combine.typ) THEN
      SELECT * INTO a FROM rk_fuzz.base x WHERE x.typ = fuzz_combine.typ ORDER BY random() LIMIT 1;
      SELECT * INTO b FROM rk_fuzz.base x WHERE x.typ = fuzz_combine.typ ORDER BY random() LIMIT 1;
      kind := CASE WHEN a.variant = b.variant THEN 'same_variant' ELSE 'other_variant' END;
    ELSE
      SELECT txt, -1 AS variant INTO a FROM rk_fuzz.accepted x WHERE x.typ = fuzz_combine.typ ORDER BY random() LIMIT 1;
      SELECT txt, -1 AS variant INTO b FROM rk_fuzz.base x WHERE x.typ = fuzz_combine.typ ORDER BY random() LIMIT 1;
      kind := 'mutant+base';
    END IF;
    BEGIN
      EXECUTE format('SELECT retail_kpi.rollup(s)::text FROM (VALUES ($1::%1$s), ($2::%1$s)) v(s)', typ)
        INTO res USING a.txt, b.txt;
      chk := rk_fuzz.check_accepted(typ, res);
      IF chk IS NOT NULL THEN
        INSERT INTO rk_fuzz.failures VALUES (typ, 'rollup', kind, 'check', split_part(chk, ':', 2), chk,
                                             left(a.txt, 1000) || ' + ' || left(b.txt, 1000));
        PERFORM rk_fuzz.count_outcome(typ, 'rollup', kind, 'FAILED');
      ELSIF windows AND kind = 'other_variant' AND a.variant % 10 <> b.variant % 10 THEN  -- other windows
        INSERT INTO rk_fuzz.failures VALUES (typ, 'rollup', kind, 'rollup', '-',
          'summaries of different windows were merged', left(a.txt, 1000) || ' + ' || left(b.txt, 1000));
        PERFORM rk_fuzz.count_outcome(typ, 'rollup', kind, 'FAILED');
      ELSE
        PERFORM rk_fuzz.count_outcome(typ, 'rollup', kind, 'merged');
      END IF;
    EXCEPTION WHEN OTHERS THEN
      st := SQLSTATE;
      GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
      IF st IN ('22023', '22003', '54000') AND NOT (kind = 'same_variant' AND st = '22023') THEN
        PERFORM rk_fuzz.count_outcome(typ, 'rollup', kind, 'rejected ' || st);
      ELSE
        PERFORM rk_fuzz.count_outcome(typ, 'rollup', kind, 'FAILED');
        INSERT INTO rk_fuzz.failures VALUES (typ, 'rollup', kind, 'rollup', st, msg,
                                             left(a.txt, 1000) || ' + ' || left(b.txt, 1000));
      END IF;
    END;
  END LOOP;
  -- all accepted mutants and base values of one variant in one rollup
  vals := ARRAY(SELECT txt FROM rk_fuzz.accepted x WHERE x.typ = fuzz_combine.typ
                UNION ALL SELECT txt FROM rk_fuzz.base x WHERE x.typ = fuzz_combine.typ AND variant = 0);
  BEGIN
    EXECUTE format('SELECT retail_kpi.rollup(s::%s)::text FROM unnest($1) s', typ) INTO res USING vals;
    chk := rk_fuzz.check_accepted(typ, res);
    IF chk IS NULL THEN
      PERFORM rk_fuzz.count_outcome(typ, 'rollup', 'all_at_once', 'merged');
    ELSE
      PERFORM rk_fuzz.count_outcome(typ, 'rollup', 'all_at_once', 'FAILED');
      INSERT INTO rk_fuzz.failures VALUES (typ, 'rollup', 'all_at_once', 'check', '-', chk, NULL);
    END IF;
  EXCEPTION WHEN OTHERS THEN
    st := SQLSTATE;
    GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
    IF st IN ('22023', '22003', '54000') THEN
      PERFORM rk_fuzz.count_outcome(typ, 'rollup', 'all_at_once', 'rejected ' || st);
    ELSE
      PERFORM rk_fuzz.count_outcome(typ, 'rollup', 'all_at_once', 'FAILED');
      INSERT INTO rk_fuzz.failures VALUES (typ, 'rollup', 'all_at_once', 'rollup', st, msg, NULL);
    END IF;
  END;
END $$;

SELECT name, rk_fuzz.make_base(typ) AS valid_values FROM rk_fuzz.types ORDER BY name;
-- keys of the whole bigint range for distinct_summary (the generic rows give only small keys):
-- negative and huge keys, array, bitmap and run containers, the empty set
DO $$
BEGIN
  IF to_regtype('retail_kpi.distinct_summary') IS NOT NULL THEN
    INSERT INTO rk_fuzz.base
    SELECT 'retail_kpi.distinct_summary'::regtype, 1000 + row_number() OVER (), 0, s::text,
           retail_kpi.distinct_summary_send(s)
    FROM (SELECT retail_kpi.distinct_agg(k) s FROM (SELECT (hashint8(g)::bigint << 32) # g AS k
                                                    FROM generate_series(1, 300) g) t
          UNION ALL SELECT retail_kpi.distinct_agg(-g * 3) FROM generate_series(1::bigint, 9000) g
          UNION ALL SELECT retail_kpi.distinct_agg(9223372036854775807 - g % 70000 - g / 70000 * 200000)
                    FROM generate_series(1::bigint, 140000) g
          UNION ALL SELECT retail_kpi.distinct_agg(g) FROM generate_series(-9223372036854775808, -9223372036854775800) g
          UNION ALL SELECT '(v1,count=0,keys=)'::retail_kpi.distinct_summary) v;
  END IF;
END $$;

-- ---------------------------------------------------------------- every function, odd arguments
-- Values tried for an argument of a type (as SQL literals; the summary pools are filled from
-- base and accepted at run time).  NULL is always among them.
CREATE TABLE arg_pool (typ regtype, lit text);
INSERT INTO arg_pool
SELECT 'numeric'::regtype, x FROM unnest(ARRAY['0', '-1', '1.5', '0.000000000000000000000000000001',
  '123456789012345678901234567890', '1' || repeat('0', 100), '''NaN''', '''Infinity''', '''-Infinity''',
  '-0.5', '99999999999999999999999999999999999999']) x
UNION ALL SELECT 'double precision', x FROM unnest(ARRAY['0', '-1', '0.5', '1e308', '-1e308', '5e-324',
  '''NaN''', '''Infinity''', '''-Infinity''', '1', '2']) x
UNION ALL SELECT 'integer', x FROM unnest(ARRAY['0', '-1', '1', '7', '2147483647', '-2147483648']) x
UNION ALL SELECT 'bigint', x FROM unnest(ARRAY['0', '-1', '1', '9223372036854775807', '-9223372036854775808']) x
UNION ALL SELECT 'text', x FROM unnest(ARRAY['''''', '''x''', '''snapshots''', '''average''', '''cost''',
  '''units''', '''retail''', '''price_volume_mix''', '''mix_price_volume''', '''day''', '''week''',
  '''month''', '''retail_week''', '''nrf''', '''sales''', '''é中😀''', 'repeat(''a'', 5000)',
  '''a,b''', '''"''', '''\''', '''holt_winters''', '''seasonal_naive''', '''naive''', '''ses''', '''holt''',
  '''additive''', '''multiplicative''', '''damped''', '''none''', '''zero''', '''error''']) x
UNION ALL SELECT 'date', x FROM unnest(ARRAY['''2024-01-01''', '''2024-02-29''', '''infinity''', '''-infinity''',
  '''4714-11-24 BC''', '''5874897-12-31''', '''2000-01-01''', '''10000-01-01''']) x
UNION ALL SELECT 'timestamp with time zone', x FROM unnest(ARRAY['''2024-01-01 00:00+00''', '''infinity''',
  '''-infinity''', '''294276-12-31 23:59:59+00''']) x
UNION ALL SELECT 'boolean', x FROM unnest(ARRAY['true', 'false']) x
UNION ALL SELECT 'text[]', x FROM unnest(ARRAY['''{}''', '''{a,b}''', '''{NULL}''', '''{"",""}''',
  'ARRAY[''price'', ''volume'', ''mix'']']) x
UNION ALL SELECT 'bigint[]', x FROM unnest(ARRAY['''{}''', '''{1,2,3}''', '''{NULL}''', '''{-1,0}''',
  '''{9223372036854775807,9223372036854775807}''']) x
UNION ALL SELECT 'double precision[]', x FROM unnest(ARRAY['''{}''', '''{1,2,3}''', '''{NULL}''', '''{NaN}''',
  '''{1e308,1e308}''', '''{-1,0}''']) x
UNION ALL SELECT 'jsonb', x FROM unnest(ARRAY['''{}''', '''[]''', '''null''', '''{"a": 1}''', '''{"store": "x"}''',
  '''"x"''', '''{"a": {"b": [1, 2]}}''']) x
UNION ALL SELECT 'regclass', x FROM unnest(ARRAY['''pg_class''', '''rk_fuzz.rows''', '0']) x
UNION ALL SELECT 'regtype', x FROM unnest(ARRAY['''int4''', '''numeric''', '''retail_kpi.margin_summary''', '0']) x;

-- a random argument of type t: NULL one time in 8, else a value from the pools
CREATE FUNCTION random_arg(t regtype) RETURNS text LANGUAGE plpgsql AS $$
DECLARE v text;
BEGIN
  IF random() < 0.125 THEN RETURN format('NULL::%s', t); END IF;
  IF EXISTS (SELECT 1 FROM rk_fuzz.types y WHERE y.typ = t) THEN
    IF random() < 0.7 THEN
      SELECT txt INTO v FROM rk_fuzz.base b WHERE b.typ = t ORDER BY random() LIMIT 1;
    ELSE
      SELECT txt INTO v FROM rk_fuzz.accepted a WHERE a.typ = t ORDER BY random() LIMIT 1;
    END IF;
    RETURN CASE WHEN v IS NULL THEN format('NULL::%s', t) ELSE format('%L::%s', v, t) END;
  END IF;
  SELECT lit INTO v FROM rk_fuzz.arg_pool p WHERE p.typ = t ORDER BY random() LIMIT 1;
  RETURN CASE WHEN v IS NULL THEN format('NULL::%s', t) ELSE format('(%s)::%s', v, t) END;
END $$;

-- ncalls calls of every function and aggregate of schema retail_kpi (except type I/O and
-- support functions taking internal/cstring) with arguments drawn from the pools; an aggregate
-- gets 1 to 3 rows.  Any outcome is fine except an internal error (class XX), a protocol or
-- system error (08, 58), insufficient resources (53) or an assertion (P0004) -- and, checked
-- by the caller in the server log, a crash.
CREATE FUNCTION fuzz_functions(ncalls int, seed float8) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  f record; i int; j int; k int; args text; rowsql text; sql text; st text; msg text; nrows int;
BEGIN
  PERFORM setseed(seed);
  FOR f IN
    SELECT p.oid, p.proname, p.prokind, ARRAY(SELECT unnest(p.proargtypes::regtype[])) AS at
    FROM pg_proc p
    WHERE p.pronamespace = 'retail_kpi'::regnamespace AND p.prokind IN ('f', 'a')
      AND NOT EXISTS (SELECT 1 FROM unnest(p.proargtypes::regtype[]) t
                      WHERE t IN ('internal'::regtype, 'cstring'::regtype))
      AND p.prorettype <> 'internal'::regtype
    ORDER BY p.proname, p.oid
  LOOP
    FOR i IN 1 .. ncalls LOOP
      IF f.prokind = 'a' THEN
        nrows := 1 + rk_fuzz.rnd(3);
        rowsql := '';
        FOR j IN 1 .. nrows LOOP
          args := '';
          FOR k IN 1 .. coalesce(array_length(f.at, 1), 0) LOOP
            args := args || CASE WHEN k > 1 THEN ', ' ELSE '' END || rk_fuzz.random_arg(f.at[k]);
          END LOOP;
          rowsql := rowsql || CASE WHEN j > 1 THEN ' UNION ALL ' ELSE '' END || 'SELECT ' || args;
        END LOOP;
        -- the rows' columns are named a1..an
        args := (SELECT string_agg('a' || n, ', ') FROM generate_series(1, array_length(f.at, 1)) n);
        sql := format('SELECT count(*) FROM (SELECT retail_kpi.%I(%s) FROM (%s) v(%s)) s',
                      f.proname, args, rowsql, args);
      ELSE
        args := '';
        FOR k IN 1 .. coalesce(array_length(f.at, 1), 0) LOOP
          args := args || CASE WHEN k > 1 THEN ', ' ELSE '' END || rk_fuzz.random_arg(f.at[k]);
        END LOOP;
        sql := format('SELECT count(*) FROM (SELECT retail_kpi.%I(%s)) s', f.proname, args);
      END IF;
      BEGIN
        EXECUTE sql;
        INSERT INTO rk_fuzz.outcome_log VALUES (NULL, 'call', f.proname, 'ok');
      EXCEPTION WHEN OTHERS THEN
        st := SQLSTATE;
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
        IF left(st, 2) IN ('XX', '08', '58', '53') OR st = 'P0004' THEN
          INSERT INTO rk_fuzz.failures VALUES (NULL, 'call', f.oid::regprocedure::text, 'call', st, msg,
                                               left(sql, 2000));
        END IF;
        INSERT INTO rk_fuzz.outcome_log VALUES (NULL, 'call', f.proname, st);
      END;
    END LOOP;
  END LOOP;
END $$;
