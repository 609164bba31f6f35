#!/usr/bin/env bash
# test/t_security.sh: the attack suite of the indicator center (docs/security.md, threats T1-T8,
# rules R1-R11).  Several LOGIN roles attack the catalog, each attack in its own psql session as
# the attacking role, and every test asserts the defence: the exact SQLSTATE, or that no code of the
# attacker ran in the victim's session.
#
# Roles (created here, dropped at the end even on failure):
#   rk_sec_steward  member of retail_kpi_admin          rk_sec_author  member of retail_kpi_author
#   rk_sec_mallory  member of retail_kpi_author         rk_sec_reader  member of retail_kpi_reader
#   rk_sec_nobody   no grant                            rk_sec_etl     owns the fact tables (trusted)
#   rk_sec_team     NOLOGIN group owning the governed objects (trusted; rk_sec_author is a member)
#   rk_sec_temp, rk_sec_leaver  authors whose role is dropped / whose objects are handed over (T6)
#   rk_sec_shared   NOLOGIN group of which mallory and the steward are both members
# Mallory's code is a plain (SECURITY INVOKER) function mal.spy(what) that raises the WARNING
# "rk_sec_spy: <what> ran as <current_user>" (once per session) and logs current_user into sec.log
# (insertable by everyone): wherever it runs it runs with the rights of the session that calls it.
# Every test fails when the WARNING reaches a victim's session or sec.log holds a row of another role
# than mallory, except the positive controls, which prove that the spy does run when code is
# reached (a test that cannot fail is a defect).
#
# Output: one line per test, "ok - [id] <attack>" or "FAIL - [id] <attack>: expected ..., got ...",
# then the counts; exit 1 on any FAIL.  Tests listed in PENDING (below, with the reason: what the
# implementation does not meet yet) print "pending - ..." instead of FAIL when they fail.
# Run alone: RK_BINDIR=<bin dir> RK_TMP=/tmp/x RK_LOG=<server log> bash test/t_security.sh $PWD with the
# PG* variables of a throwaway cluster (test/cluster.sh start); RK_SEC_KEEP=1 keeps the database and
# roles afterwards, RK_SEC_STRICT=1 turns pending tests into failures.
#
# Run by test/run_tests.sh with the cluster in PGHOST/PGPORT/PGUSER (a superuser), the repository as
# $1, RK_BINDIR and RK_TMP exported, RK_LOG = the server log when known.  The cluster must accept
# `psql -U <role>` without a password (the throwaway cluster uses trust on its unix socket).
set -uo pipefail
repo=${1:?usage: t_security.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
tmp=${RK_TMP:-/tmp}/security.$$
db=rk_security
su=${PGUSER:-postgres}
roles=(rk_sec_steward rk_sec_author rk_sec_mallory rk_sec_reader rk_sec_nobody rk_sec_etl rk_sec_team
       rk_sec_temp rk_sec_leaver rk_sec_shared)
t3dbs=(rk_security_t3a rk_security_t3b rk_security_t3c)

# Tests that main does not pass yet, with the reason: reported "pending" (not FAIL) when they fail,
# "ok" when they pass.  RK_SEC_STRICT=1 reports them as FAIL.
declare -A PENDING=(
)

psql_su() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -U "$su" "$@"; }

cleanup() {
  local d r
  for d in "$db" "${t3dbs[@]}"; do
    psql_su -d postgres -c "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true
  done
  for r in "${roles[@]}"; do
    psql_su -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1 || true
  done
  rm -rf "$tmp"
}
trap '[[ ${RK_SEC_KEEP:-0} == 1 ]] || cleanup' EXIT   # RK_SEC_KEEP=1 keeps the database and roles to look at
cleanup
mkdir -p "$tmp"

# The server log from here on (T5: no crash, no out of memory, no PANIC; R7: the audit LOG lines).
logfile=${RK_LOG:-}
if [[ -z $logfile ]]; then
  logfile=$(psql_su -d postgres -At -c "SELECT coalesce(pg_current_logfile(), '')" 2>/dev/null || true)
  if [[ -n $logfile && $logfile != /* ]]; then
    logfile=$(psql_su -d postgres -At -c "SHOW data_directory")/$logfile
  fi
fi
[[ -n $logfile && -r $logfile ]] || logfile=
log_offset=0
[[ -n $logfile ]] && log_offset=$(stat -c %s "$logfile")
server_log() { [[ -n $logfile ]] && tail -c +"$((log_offset + 1))" "$logfile"; }

# ---------------------------------------------------------------------------------------------
# Running SQL as a role and asserting

# run ROLE < SQL: runs SQL (stdin) in a fresh session of ROLE on $DB (default $db), errors verbose,
# statement_timeout $TMO (default 60s).  Sets RC, OUT, LAST (last output line), STATE (SQLSTATE of
# the first error, empty if none), ERRMSG (its line), SPIED (the spy's first WARNING, if any).
run() {
  local role=$1 sql
  sql=$(cat)
  RC=0
  OUT=$({ printf '\\set VERBOSITY verbose\n'; printf "SET statement_timeout = '%s';\n" "${TMO:-60s}"
          printf '%s\n' "$sql"; } |
        "$bindir/psql" -X -q -At -v ON_ERROR_STOP=1 -U "$role" -d "${DB:-$db}" 2>"$tmp/err") || RC=$?
  ERRMSG=$(grep -m1 -E '(ERROR|FATAL):  ' "$tmp/err" | sed -E 's/^psql:[^ ]* //')
  STATE=$(sed -nE 's/.*(ERROR|FATAL):  ([0-9A-Z]{5}):.*/\2/p' <<<"$ERRMSG" | head -n1)
  SPIED=$(grep -m1 -oE 'rk_sec_spy: .*' "$tmp/err" || true)
  LAST=$(printf '%s\n' "$OUT" | tail -n1)
}

passed=0 failed=0 pending=0
declare -A seen_ids=()
is_pending() { [[ ${RK_SEC_STRICT:-0} != 1 && -n ${PENDING[$1]:-} ]]; }
report() {   # report ID OK(0|1) "attack" "detail when failed"
  local id=$1 ok=$2 what=$3 detail=$4
  [[ -z ${seen_ids[$id]:-} ]] || { echo "FAIL - test id $id used twice (fix the suite)"; failed=$((failed + 1)); }
  seen_ids[$id]=1
  if ((ok)); then
    passed=$((passed + 1)); echo "ok - [$id] $what"
  elif is_pending "$id"; then
    pending=$((pending + 1)); echo "pending - [$id] $what: ${PENDING[$id]} (expected failure: $detail)"
  else
    failed=$((failed + 1)); echo "FAIL - [$id] $what: $detail"
  fi
}

# Rows of sec.log written by another role than mallory since the last call (then empties it).
foreign_spy_rows() {
  [[ ${DB:-$db} == "$db" ]] || { echo ""; return; }
  psql_su -d "$db" -At -c "SELECT coalesce(string_agg(DISTINCT who || ' (' || what || ')', ', '), '') FROM sec.log
                             WHERE who <> 'rk_sec_mallory'" -c "TRUNCATE sec.log" 2>/dev/null
}
# The spy's verdict on the last run: empty when no code of mallory ran in a victim's session.
spy_verdict() {
  local role=$1 rows
  rows=$(foreign_spy_rows)
  if [[ -n $SPIED && $role != rk_sec_mallory ]]; then
    echo "mallory's code ran in $role's session ($SPIED)"
  elif [[ -n $rows ]]; then
    echo "mallory's code ran as $rows"
  fi
}
got() {   # what the last run gave, for messages
  if ((RC != 0)); then echo "error ${STATE:-?} (${ERRMSG:0:300})"; else echo "success (last line '${LAST:0:200}')"; fi
}

# expect_error ID ROLE STATE "attack" < SQL: the SQL fails with STATE (alternatives: "A|B")
expect_error() {
  local id=$1 role=$2 state=$3 what=$4 spy
  run "$role"
  spy=$(spy_verdict "$role")
  if [[ -n $spy ]]; then report "$id" 0 "$what" "expected $state, $spy; got $(got)"
  elif ((RC != 0)) && [[ -n $STATE && "|$state|" == *"|$STATE|"* ]]; then report "$id" 1 "$what" ""
  else report "$id" 0 "$what" "expected error $state, got $(got)"; fi
}
# expect_ok ID ROLE "attack/use" < SQL: the SQL succeeds and runs no code of mallory
expect_ok() {
  local id=$1 role=$2 what=$3 spy
  run "$role"
  spy=$(spy_verdict "$role")
  if [[ -n $spy ]]; then report "$id" 0 "$what" "$spy"
  elif ((RC == 0)); then report "$id" 1 "$what" ""
  else report "$id" 0 "$what" "expected success, got $(got)"; fi
}
# expect_true ID ROLE "attack" < SQL: the SQL succeeds, its last output line is 't', no code of mallory ran
expect_true() {
  local id=$1 role=$2 what=$3 spy
  run "$role"
  spy=$(spy_verdict "$role")
  if [[ -n $spy ]]; then report "$id" 0 "$what" "$spy"
  elif ((RC == 0)) && [[ $LAST == t ]]; then report "$id" 1 "$what" ""
  else report "$id" 0 "$what" "expected 't', got $(got)"; fi
}
# expect_spied ID ROLE "control" < SQL: positive control: mallory's code does run here
expect_spied() {
  local id=$1 role=$2 what=$3 rows
  run "$role"
  rows=$(foreign_spy_rows)
  if [[ -n $SPIED || -n $rows ]]; then report "$id" 1 "$what" ""
  else report "$id" 0 "$what" "expected the spy to run (the test setup is broken), got $(got)"; fi
}
# expect_hidden ID ROLE "attack" < SQL returning a count: 0 rows visible, or 42501
expect_hidden() {
  local id=$1 role=$2 what=$3 spy
  run "$role"
  spy=$(spy_verdict "$role")
  if [[ -n $spy ]]; then report "$id" 0 "$what" "$spy"
  elif { ((RC == 0)) && [[ $LAST == 0 ]]; } || { ((RC != 0)) && [[ $STATE == 42501 ]]; }; then report "$id" 1 "$what" ""
  else report "$id" 0 "$what" "expected 0 visible rows or 42501, got $(got)"; fi
}
# setup_step "what" ROLE < SQL: a setup step; a failure is reported (FAIL) and the suite goes on
setup_step() {
  local what=$1 role=$2
  run "$role"
  if ((RC != 0)); then
    failed=$((failed + 1)); echo "FAIL - setup: $what: $(got)"
  fi
  foreign_spy_rows >/dev/null
}
# same output of two runs (T4: the evil search_path changes nothing)
same_as() {   # same_as ID ROLE "attack" BASELINE_FILE < SQL (output compared sorted, no spy)
  local id=$1 role=$2 what=$3 base=$4 spy
  run "$role"
  spy=$(spy_verdict "$role")
  if [[ -n $spy ]]; then report "$id" 0 "$what" "$spy"
  elif ((RC != 0)); then report "$id" 0 "$what" "expected the baseline result, got $(got)"
  elif [[ $(sort <<<"$OUT") != "$(sort "$base")" || ! -s $base ]]; then
    report "$id" 0 "$what" "expected the same rows as with a clean search_path ($(wc -l <"$base") rows), got $(wc -l <<<"$OUT") rows: $(diff <(sort "$base") <(sort <<<"$OUT") | head -n 4 | tr '\n' ' ')"
  else report "$id" 1 "$what" ""; fi
}
baseline() {   # baseline FILE ROLE < SQL: run with a clean search_path, keep the output
  local file=$1 role=$2
  run "$role"
  if ((RC != 0)); then
    failed=$((failed + 1)); echo "FAIL - setup: baseline $file: $(got)"; : >"$tmp/$file"
  else
    printf '%s\n' "$OUT" >"$tmp/$file"
  fi
}

echo "# t_security.sh: attacks on the indicator center (docs/security.md)"

# ---------------------------------------------------------------------------------------------
# Setup: roles, database, extension, fact tables of the trusted ETL role, mallory's code

psql_su -d postgres >/dev/null <<'SQL' || { echo "FAIL - setup: roles and database"; exit 1; }
CREATE ROLE rk_sec_steward LOGIN;
CREATE ROLE rk_sec_author LOGIN;
CREATE ROLE rk_sec_mallory LOGIN;
CREATE ROLE rk_sec_reader LOGIN;
CREATE ROLE rk_sec_nobody LOGIN;
CREATE ROLE rk_sec_etl LOGIN;
CREATE ROLE rk_sec_team NOLOGIN;
CREATE ROLE rk_sec_temp LOGIN;
CREATE ROLE rk_sec_leaver LOGIN;
CREATE ROLE rk_sec_shared NOLOGIN;
GRANT rk_sec_team TO rk_sec_author;
GRANT rk_sec_shared TO rk_sec_mallory, rk_sec_steward;
CREATE DATABASE rk_security;
SQL

if ! "$bindir/psql" -X -q -U rk_sec_nobody -d "$db" -c 'SELECT 1' >/dev/null 2>&1; then
  echo "SKIP - the server does not let the suite log in as its roles without a password (it needs trust"
  echo "       authentication on its socket, as the throwaway cluster of test/cluster.sh has): nothing tested"
  exit 0
fi
psql_su -d "$db" >/dev/null <<'SQL' || { echo "FAIL - setup: CREATE EXTENSION and fact tables"; exit 1; }
CREATE EXTENSION retail_kpi;
-- the extension's roles (docs/security.md "The roles"); a missing one makes its tests fail
DO $$
DECLARE g record;
BEGIN
    FOR g IN SELECT * FROM (VALUES ('retail_kpi_admin', 'rk_sec_steward'), ('retail_kpi_author', 'rk_sec_author'),
                                   ('retail_kpi_author', 'rk_sec_mallory'), ('retail_kpi_author', 'rk_sec_temp'),
                                   ('retail_kpi_author', 'rk_sec_leaver'), ('retail_kpi_reader', 'rk_sec_reader')) v(g, r) LOOP
        IF pg_catalog.to_regrole(g.g) IS NULL THEN
            RAISE WARNING 'role % does not exist: % gets no grant', g.g, g.r;
        ELSE
            EXECUTE format('GRANT %I TO %I', g.g, g.r);
        END IF;
    END LOOP;
END
$$;
-- the spy's log, writable by everyone; a canary for SQL injection
CREATE SCHEMA sec;
GRANT USAGE ON SCHEMA sec TO PUBLIC;
CREATE TABLE sec.log (id bigserial, who text, sess text, what text, at timestamptz DEFAULT clock_timestamp());
GRANT INSERT ON sec.log TO PUBLIC;
GRANT USAGE ON SEQUENCE sec.log_id_seq TO PUBLIC;
CREATE TABLE sec.canary (x int);
INSERT INTO sec.canary VALUES (1);
GRANT SELECT ON sec.canary TO PUBLIC;
CREATE SCHEMA etl AUTHORIZATION rk_sec_etl;
CREATE SCHEMA mal AUTHORIZATION rk_sec_mallory;
CREATE SCHEMA evil AUTHORIZATION rk_sec_mallory;
CREATE SCHEMA stw AUTHORIZATION rk_sec_steward;
CREATE SCHEMA pub AUTHORIZATION rk_sec_steward;
CREATE SCHEMA nob AUTHORIZATION rk_sec_nobody;
GRANT USAGE ON SCHEMA stw, pub TO PUBLIC;

-- the trusted ETL role's fact tables (January to March 2025)
SET ROLE rk_sec_etl;
CREATE TABLE etl.sales (sale_date date, store_id int, region text, revenue numeric(12,2), cost numeric(12,2),
                        units int, txn int);
INSERT INTO etl.sales
SELECT date '2025-01-01' + g % 90, 1 + g % 4, CASE WHEN g % 4 < 2 THEN 'north' ELSE 'south' END,
       round(10 + ((g * 37) % 500) / 7.0, 2), round(6 + ((g * 37) % 300) / 11.0, 2), 1 + g % 3, g / 2
FROM generate_series(1, 3000) g;
CREATE TABLE etl.traffic (day date, store_id int, region text, visitors int);
INSERT INTO etl.traffic
SELECT date '2025-01-01' + d, s, CASE WHEN s < 3 THEN 'north' ELSE 'south' END, 40 + (d * s) % 30
FROM generate_series(0, 89) d, generate_series(1, 4) s;
CREATE TABLE etl.stores (store_id int PRIMARY KEY, zone_id int);
INSERT INTO etl.stores SELECT s, 1 + s % 2 FROM generate_series(1, 4) s;
CREATE TABLE etl.broken (sale_date date, region text, amount numeric);
INSERT INTO etl.broken SELECT date '2025-02-01' + g % 28, 'north', g FROM generate_series(1, 50) g;
CREATE TABLE etl.ren (sale_date date, region text, amount numeric);
INSERT INTO etl.ren SELECT date '2025-02-01' + g, 'north', 1 FROM generate_series(1, 10) g;
CREATE TABLE etl.ownerchg (sale_date date, region text, amount numeric);
INSERT INTO etl.ownerchg SELECT date '2025-02-01' + g, 'north', 2 FROM generate_series(1, 10) g;
-- identifiers that need quoting (injection through column names)
CREATE TABLE etl.weird ("sale date" date, "st'ore" int, "re""gion" text, "rev; drop table sec.canary; --" numeric);
INSERT INTO etl.weird SELECT date '2025-02-01' + g % 28, g % 3, CASE WHEN g % 2 = 0 THEN 'n''orth' ELSE 'so"uth' END, g
FROM generate_series(1, 100) g;
-- big summaries for the statement_timeout tests (T5)
CREATE TABLE etl.big_bridge AS
SELECT retail_kpi.bridge_agg('item' || g, g % 2 = 0, 1 + g % 5, 10 + g % 7, 5 + g % 3) AS s
FROM generate_series(1, 200000) g;
CREATE TABLE etl.big_abc AS
SELECT retail_kpi.abc_agg('item' || g, (g % 1000)::numeric) AS s FROM generate_series(1, 1000000) g;
GRANT USAGE ON SCHEMA etl TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA etl TO PUBLIC;
RESET ROLE;

-- mallory's code and relations
SET ROLE rk_sec_mallory;
CREATE FUNCTION mal.spy(what text) RETURNS boolean
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $f$
BEGIN
    BEGIN
        IF current_setting('rk_sec.spied', true) IS DISTINCT FROM 'yes' THEN
            PERFORM set_config('rk_sec.spied', 'yes', false);
            RAISE WARNING 'rk_sec_spy: % ran as % (session user %)', what, current_user, session_user;
            INSERT INTO sec.log (who, sess, what) VALUES (current_user, session_user, what);
        END IF;
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'rk_sec_spy: % ran as % (session user %; not logged: %)', what, current_user, session_user, SQLERRM;
    END;
    RETURN true;
END
$f$;
CREATE TABLE mal.facts (sale_date date, store_id int, region text, amount numeric);
INSERT INTO mal.facts SELECT date '2025-02-01' + g % 28, 1 + g % 4, 'north', g FROM generate_series(1, 100) g;
CREATE VIEW mal.spy_view AS SELECT sale_date, store_id, region, amount FROM mal.facts WHERE mal.spy('view mal.spy_view');
CREATE TABLE mal.plain (sale_date date, store_id int, region text, amount numeric);
INSERT INTO mal.plain SELECT * FROM mal.facts;
CREATE TABLE mal.rls_t (sale_date date, store_id int, region text, amount numeric);
INSERT INTO mal.rls_t SELECT * FROM mal.facts;
ALTER TABLE mal.rls_t ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON mal.rls_t USING (mal.spy('policy of mal.rls_t'));
CREATE TABLE mal.empty_t (sale_date date, store_id int, region text, amount numeric);
CREATE TABLE mal.later_rls (sale_date date, store_id int, region text, amount numeric);
INSERT INTO mal.later_rls SELECT * FROM mal.facts;
-- a plain table (no RLS) whose column has mallory's type with her implicit cast to numeric
CREATE TYPE mal.amt AS (v numeric);
CREATE FUNCTION mal.amt_num(a mal.amt) RETURNS numeric LANGUAGE plpgsql IMMUTABLE
    AS $f$BEGIN PERFORM mal.spy('implicit cast mal.amt -> numeric'); RETURN a.v; END$f$;
CREATE CAST (mal.amt AS numeric) WITH FUNCTION mal.amt_num(mal.amt) AS IMPLICIT;
CREATE TABLE mal.typed (sale_date date, store_id int, region text, amount mal.amt);
INSERT INTO mal.typed SELECT sale_date, store_id, region, ROW(amount)::mal.amt FROM mal.facts;
-- dimension tables with row-level security whose policy calls her function
CREATE TABLE mal.zones (zone_id int PRIMARY KEY, area text);
INSERT INTO mal.zones VALUES (1, 'east'), (2, 'west');
ALTER TABLE mal.zones ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON mal.zones USING (mal.spy('policy of dimension table mal.zones'));
CREATE TABLE mal.mstores (store_id int PRIMARY KEY, mzone text);
INSERT INTO mal.mstores SELECT s, 'z' || s % 2 FROM generate_series(1, 4) s;
ALTER TABLE mal.mstores ENABLE ROW LEVEL SECURITY;
ALTER TABLE mal.mstores FORCE ROW LEVEL SECURITY;   -- for the positive control as herself
CREATE POLICY everyone ON mal.mstores USING (mal.spy('policy of dimension table mal.mstores'));
-- an IMMUTABLE function on a constant in a view: the planner folds it, so planning alone runs it
CREATE FUNCTION mal.ispy(what text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE
    AS $f$BEGIN RETURN mal.spy(what); END$f$;
CREATE VIEW mal.fold_view AS SELECT sale_date, store_id, region, amount FROM mal.facts WHERE mal.ispy('view mal.fold_view, folded at planning');
-- an immutable function a steward may allow-list by mistake
CREATE FUNCTION mal.twice(x numeric) RETURNS numeric LANGUAGE plpgsql IMMUTABLE
    AS $f$BEGIN PERFORM mal.spy('allow-listed mal.twice'); RETURN 2 * x; END$f$;
GRANT USAGE ON SCHEMA mal, evil TO PUBLIC;
GRANT SELECT ON ALL TABLES IN SCHEMA mal TO PUBLIC;
RESET ROLE;
SQL

# T4: mallory's schema "evil" shadows pg_catalog's operators, functions and types for whoever puts it
# first on the search_path; every object calls the spy and otherwise behaves like the original.
setup_step "mallory's evil schema" rk_sec_mallory <<'SQL'
SET search_path = pg_catalog, pg_temp;
DO $evil$
DECLARE
    r record;
    n int := 0;
    basic regtype[] := ARRAY['text', 'numeric', 'int4', 'int8', 'float8', 'date', 'jsonb', 'bool', 'timestamp',
                             'timestamptz', 'interval']::regtype[];
BEGIN
    FOR r IN
        SELECT o.oprname AS op, o.oprleft::regtype::text AS l, o.oprright::regtype::text AS rt,
               o.oprresult::regtype::text AS res
        FROM pg_operator o
        WHERE o.oprnamespace = 'pg_catalog'::regnamespace AND o.oprkind = 'b'
          AND o.oprname IN ('=', '<>', '<', '>', '<=', '>=', '+', '-', '*', '/', '%', '||')
          AND o.oprleft = ANY (basic) AND o.oprright = ANY (basic)
        UNION ALL   -- mixed types PostgreSQL resolves by casting: an exact match wins over them
        SELECT v.op, t.l, t.rt, CASE WHEN v.op IN ('+', '-', '*', '/') THEN t.arith ELSE 'boolean' END
        FROM (VALUES ('='), ('<>'), ('<'), ('>'), ('<='), ('>='), ('+'), ('-'), ('*'), ('/')) v(op),
             (VALUES ('numeric', 'integer', 'numeric'), ('integer', 'numeric', 'numeric'), ('numeric', 'bigint', 'numeric'),
                     ('double precision', 'integer', 'double precision'), ('double precision', 'numeric', 'double precision'),
                     ('numeric', 'double precision', 'double precision')) t(l, rt, arith)
    LOOP
        n := n + 1;
        EXECUTE format('CREATE FUNCTION evil.op_%s(a %s, b %s) RETURNS %s LANGUAGE plpgsql '
                       'SET search_path = pg_catalog, pg_temp AS %L', n, r.l, r.rt, r.res,
                       format('BEGIN PERFORM mal.spy(%L); RETURN a %s b; END',
                              'operator ' || r.op || '(' || r.l || ', ' || r.rt || ')', r.op));
        EXECUTE format('CREATE OPERATOR evil.%s (LEFTARG = %s, RIGHTARG = %s, FUNCTION = evil.op_%s)', r.op, r.l, r.rt, n);
    END LOOP;
END
$evil$;
-- functions with the signatures of pg_catalog's (the earlier schema wins) or better matches
CREATE FUNCTION evil.date_trunc(f text, d timestamp) RETURNS timestamp LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function date_trunc(text, timestamp)'); RETURN date_trunc(f, d); END$$;
CREATE FUNCTION evil.date_trunc(f text, d timestamptz) RETURNS timestamptz LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function date_trunc(text, timestamptz)'); RETURN date_trunc(f, d); END$$;
CREATE FUNCTION evil.date_trunc(f text, d date) RETURNS timestamp LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function date_trunc(text, date)'); RETURN date_trunc(f, d::timestamp); END$$;
CREATE FUNCTION evil.abs(x numeric) RETURNS numeric LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function abs(numeric)'); RETURN abs(x); END$$;
CREATE FUNCTION evil.round(x numeric) RETURNS numeric LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function round(numeric)'); RETURN round(x); END$$;
CREATE FUNCTION evil.round(x numeric, d integer) RETURNS numeric LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function round(numeric, integer)'); RETURN round(x, d); END$$;
CREATE FUNCTION evil.lower(x text) RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function lower(text)'); RETURN lower(x); END$$;
CREATE FUNCTION evil.to_jsonb(x text) RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function to_jsonb(text)'); RETURN to_jsonb(x); END$$;
CREATE FUNCTION evil.to_jsonb(x integer) RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function to_jsonb(integer)'); RETURN to_jsonb(x); END$$;
CREATE FUNCTION evil.jsonb_build_object(k text, v text) RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function jsonb_build_object(text, text)'); RETURN jsonb_build_object(k, v); END$$;
CREATE FUNCTION evil.jsonb_build_object(k text, v integer) RETURNS jsonb LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function jsonb_build_object(text, integer)'); RETURN jsonb_build_object(k, v); END$$;
CREATE FUNCTION evil.format(f text, a text) RETURNS text LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function format(text, text)'); RETURN format(f, a); END$$;
CREATE FUNCTION evil.generate_series(a date, b date, s interval) RETURNS SETOF date LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('function generate_series(date, date, interval)'); RETURN QUERY SELECT d::date FROM generate_series(a::timestamp, b::timestamp, s) d; END$$;
CREATE FUNCTION evil.sum_step(s numeric, x numeric) RETURNS numeric LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('aggregate sum(numeric)'); RETURN CASE WHEN x IS NULL THEN s ELSE coalesce(s, 0) + x END; END$$;
CREATE AGGREGATE evil.sum(numeric) (SFUNC = evil.sum_step, STYPE = numeric);
CREATE FUNCTION evil.count_step(s bigint) RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('aggregate count(*)'); RETURN s + 1; END$$;
CREATE AGGREGATE evil.count(*) (SFUNC = evil.count_step, STYPE = bigint, INITCOND = '0');
CREATE FUNCTION evil.max_step(s date, x date) RETURNS date LANGUAGE plpgsql SET search_path = pg_catalog AS
  $$BEGIN PERFORM mal.spy('aggregate max(date)'); RETURN greatest(s, x); END$$;
CREATE AGGREGATE evil.max(date) (SFUNC = evil.max_step, STYPE = date);
-- types: CAST(x AS float8) and friends find these domains first; their CHECK runs on every cast
CREATE DOMAIN evil.float8 AS pg_catalog.float8 CHECK (mal.spy('type evil.float8'));
CREATE DOMAIN evil.float4 AS pg_catalog.float4 CHECK (mal.spy('type evil.float4'));
CREATE DOMAIN evil.int2 AS pg_catalog.int2 CHECK (mal.spy('type evil.int2'));
CREATE DOMAIN evil.int4 AS pg_catalog.int4 CHECK (mal.spy('type evil.int4'));
CREATE DOMAIN evil.int8 AS pg_catalog.int8 CHECK (mal.spy('type evil.int8'));
CREATE DOMAIN evil."numeric" AS pg_catalog.numeric CHECK (mal.spy('type evil.numeric'));
CREATE DOMAIN evil.text AS pg_catalog.text CHECK (mal.spy('type evil.text'));
CREATE DOMAIN evil.name AS pg_catalog.name CHECK (mal.spy('type evil.name'));
CREATE DOMAIN evil.date AS pg_catalog.date CHECK (mal.spy('type evil.date'));
CREATE DOMAIN evil.jsonb AS pg_catalog.jsonb CHECK (mal.spy('type evil.jsonb'));
CREATE DOMAIN evil.bool AS pg_catalog.bool CHECK (mal.spy('type evil.bool'));
CREATE DOMAIN evil.timestamptz AS pg_catalog.timestamptz CHECK (mal.spy('type evil.timestamptz'));
CREATE DOMAIN evil.regclass AS pg_catalog.regclass CHECK (mal.spy('type evil.regclass'));
SQL

EVIL="SET search_path = evil, pg_catalog, retail_kpi;"
CLEAN="SET search_path = pg_catalog, retail_kpi;"

# ---------------------------------------------------------------------------------------------
# The catalog: governed objects of the trusted team, an author's and mallory's objects

setup_step "steward trusts the ETL role and the team (trust_role)" rk_sec_steward <<'SQL'
SELECT retail_kpi.trust_role('rk_sec_etl', 'owner of the fact tables');
SELECT retail_kpi.trust_role('rk_sec_team', 'finance team');
SQL

setup_step "steward's governed catalog" rk_sec_steward <<'SQL'
SET search_path = retail_kpi, pg_catalog;
SELECT define_dimension('store', 'Store', '门店');
SELECT define_dimension('region', 'Region', '区域');
SELECT define_source('sales', 'etl.sales', 'sale_date', '{"store": "store_id", "region": "region"}', owner => 'rk_sec_team');
SELECT define_source('traffic', 'etl.traffic', 'day', '{"store": "store_id", "region": "region"}', owner => 'rk_sec_team');
SELECT define_measure('sales_rev', 'sales', 'sum', 'revenue', owner => 'rk_sec_team');
SELECT define_measure('sales_lines', 'sales', 'count', owner => 'rk_sec_team');
SELECT define_measure('sales_margin', 'sales', 'margin_agg', 'revenue, cost, units', owner => 'rk_sec_team');
SELECT define_measure('sales_visitors', 'traffic', 'sum', 'visitors', owner => 'rk_sec_team');
SELECT define_measure('sales_north_gp', 'sales', 'sum', 'revenue - cost * 1.0',
                      filter => 'region = ''north'' AND units >= 2 AND txn % 2 = 0 AND lower(region) IN (''north'', ''x'')',
                      owner => 'rk_sec_team');
SELECT define_measure('team_free', 'sales', 'max', 'units', owner => 'rk_sec_team');
SELECT define_metric('rev', 'Revenue', measure => 'sales_rev', owner => 'rk_sec_team');
SELECT define_metric('lines', 'Lines', measure => 'sales_lines', owner => 'rk_sec_team');
SELECT define_metric('visitors', 'Visitors', measure => 'sales_visitors', owner => 'rk_sec_team');
SELECT define_metric('margin_sum', 'Margin summary', measure => 'sales_margin', owner => 'rk_sec_team');
SELECT define_metric('north_gp', 'North gross profit', measure => 'sales_north_gp', owner => 'rk_sec_team');
SELECT define_metric('cert_rev', 'Certified revenue', measure => 'sales_rev', owner => 'rk_sec_team', status => 'certified');
SELECT define_metric('cert_ratio', 'Revenue per line', 'ratio', numerator => 'rev', denominator => 'lines',
                     owner => 'rk_sec_team', status => 'certified');
SELECT define_metric('cert_dep', 'Certified, attacked', measure => 'sales_rev', owner => 'rk_sec_team', status => 'certified');
SELECT define_metric('cert_gmr', 'Gross margin rate', 'derived', expression => 'margin_rate(margin_sum)',
                     owner => 'rk_sec_team', status => 'certified');
SELECT define_metric('t4_mix', 'Operators', 'derived',
                     expression => 'CASE WHEN lines > 0 THEN rev / nullif(lines, 0) ELSE 0 END + coalesce(visitors, 0) * 0.5 '
                                 || '+ CASE lines WHEN 1 THEN 1 ELSE 2 END + CASE WHEN visitors IN (1, 2, 3) THEN 1 ELSE 0 END '
                                 || '+ CASE WHEN rev IS DISTINCT FROM lines THEN 1 ELSE 0 END + greatest(rev, 0) - least(lines, 0) '
                                 || '+ abs(north_gp) % 7 + round(visitors::numeric / 3, 2) - (rev >= 0)::int + (lines <= 1e9)::int',
                     owner => 'rk_sec_team');
SELECT define_metric('audit_me', 'Audited revenue', measure => 'sales_rev', owner => 'rk_sec_team');
SELECT define_metric('audit_rb', 'Audited revenue (rolled back)', measure => 'sales_rev', owner => 'rk_sec_team');
SELECT define_metric('audit_ro', 'Audited revenue (read only)', measure => 'sales_rev', owner => 'rk_sec_team');
SELECT set_target('cert_rev', '2025-02-01', 100000, '{"region": "north"}', reason => 'budget');
SELECT define_alert_rule('st_good', 'cert_rev', 'below', 1e15, dimensions => '{region}', reason => 'fires always');
-- a rule that will break (its measure's column is dropped by the ETL role)
SELECT define_source('broken', 'etl.broken', 'sale_date', '{"region": "region"}');
SELECT define_measure('broken_amount', 'broken', 'sum', 'amount');
SELECT define_metric('broken_metric', 'Broken', measure => 'broken_amount');
SELECT define_alert_rule('st_broken', 'broken_metric', 'below', 1e15, reason => 'will break');
-- T6: a renamed relation; T2/R3: a relation whose owner changes
SELECT define_source('ren', 'etl.ren', 'sale_date', '{"region": "region"}', owner => 'rk_sec_team');
SELECT define_measure('ren_amount', 'ren', 'sum', 'amount', owner => 'rk_sec_team');
SELECT define_metric('ren_metric', 'Renamed', measure => 'ren_amount', owner => 'rk_sec_team');
SELECT define_source('ownerchg', 'etl.ownerchg', 'sale_date', '{"region": "region"}', owner => 'rk_sec_team');
SELECT define_measure('ownerchg_amount', 'ownerchg', 'sum', 'amount', owner => 'rk_sec_team');
SELECT define_metric('cert_oc', 'Certified, relation changes owner', measure => 'ownerchg_amount',
                     owner => 'rk_sec_team', status => 'certified');
SQL

setup_step "author's catalog" rk_sec_author <<'SQL'
SET search_path = retail_kpi, pg_catalog;
SELECT define_measure('auth_rev', 'sales', 'sum', 'revenue');
SELECT define_metric('auth_metric', 'Author metric', measure => 'auth_rev');
SELECT define_metric('auth_cert_try', 'Author metric (steward tries to certify)', measure => 'auth_rev');
SELECT define_metric('auth_secret', 'Secret revenue', measure => 'sales_rev');
SELECT define_metric('auth_secret_x2', 'Secret revenue x2', 'derived', expression => 'auth_secret * 2');
SELECT define_alert_rule('auth_rule', 'auth_metric', 'above', 0);
SQL

setup_step "mallory's catalog (sources over her view, plain table, RLS table, empty table)" rk_sec_mallory <<'SQL'
SET search_path = retail_kpi, pg_catalog;
SELECT define_source('mal_view_src', 'mal.spy_view', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_source('mal_plain_src', 'mal.plain', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_source('mal_rls_src', 'mal.rls_t', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_source('mal_empty_src', 'mal.empty_t', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_source('mal_later_src', 'mal.later_rls', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_source('mal_fold_src', 'mal.fold_view', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_measure('mal_fold_amt', 'mal_fold_src', 'sum', 'amount');
SELECT define_metric('mal_fold_metric', 'Mallory folded', measure => 'mal_fold_amt');
SELECT define_source('mal_typed_src', 'mal.typed', 'sale_date', '{"store": "store_id", "region": "region"}');
SELECT define_measure('mal_typed_amt', 'mal_typed_src', 'sum', 'amount');
SELECT define_metric('mal_typed_metric', 'Mallory typed', measure => 'mal_typed_amt');
SELECT define_measure('mal_view_amt', 'mal_view_src', 'sum', 'amount');
SELECT define_measure('mal_plain_amt', 'mal_plain_src', 'sum', 'amount');
SELECT define_measure('mal_rls_amt', 'mal_rls_src', 'sum', 'amount');
SELECT define_measure('mal_empty_amt', 'mal_empty_src', 'sum', 'amount');
SELECT define_measure('mal_later_amt', 'mal_later_src', 'sum', 'amount');
-- squats the standard library's conventional measure code before the steward binds it
SELECT define_measure('net_sales', 'mal_view_src', 'sum', 'amount', unit => 'CNY');
SELECT define_metric('mal_view_metric', 'Mallory view', measure => 'mal_view_amt');
SELECT define_metric('mal_plain_metric', 'Mallory plain', measure => 'mal_plain_amt');
SELECT define_metric('mal_rls_metric', 'Mallory RLS', measure => 'mal_rls_amt');
SELECT define_metric('mal_empty_metric', 'Mallory empty', measure => 'mal_empty_amt');
SELECT define_metric('mal_later_metric', 'Mallory later RLS', measure => 'mal_later_amt');
SELECT define_alert_rule('mal_rule', 'mal_view_metric', 'below', 1e15);
-- dimension tables: her own source over the trusted sales table reaching her table, and the code
-- "zone" squatted with her table before the steward's dimension refers to it
SELECT define_dimension('mzone', 'M zone');
SELECT define_dimension('mstore', 'M store', dimension_table => 'mal.mstores', key_column => 'store_id',
                        attributes => '{"mzone": "mzone"}');
SELECT define_source('mal_sales', 'etl.sales', 'sale_date', '{"mstore": "store_id"}');
SELECT define_measure('mal_sales_rev', 'mal_sales', 'sum', 'revenue');
SELECT define_metric('mal_sales_metric', 'Mallory over trusted sales', measure => 'mal_sales_rev');
SELECT define_dimension('area', 'Area');
SELECT define_dimension('zone', 'Zone', dimension_table => 'mal.zones', key_column => 'zone_id', attributes => '{"area": "area"}');
-- a rule owned by a group the steward is also a member of
SELECT define_alert_rule('mal_shared_rule', 'mal_view_metric', 'below', 1e15, owner => 'rk_sec_shared');
SQL

# ---------------------------------------------------------------------------------------------
echo "# positive controls: the spy runs when mallory's code is reached ($SECONDS s)"

expect_spied p.view rk_sec_reader "control: a reader selecting from mallory's view runs her function as the reader" <<'SQL'
SELECT count(*) FROM mal.spy_view;
SQL
expect_spied p.operator rk_sec_reader "control: with evil first on the search_path, numeric > integer is mallory's operator" <<SQL
$EVIL
SELECT 2::numeric > 1;
SQL
expect_spied p.divide rk_sec_reader "control: with evil first on the search_path, numeric / numeric and text = text are mallory's operators" <<SQL
$EVIL
SELECT 1::numeric / 3::numeric, 'a'::text = 'b'::text;
SQL
expect_true p.evil_catalog "$su" "control: mallory's schema evil holds >(numeric, integer), /(numeric, numeric), =(text, text), +(numeric, numeric), 96+ operators in all" <<'SQL'
SELECT count(*) FILTER (WHERE (oprname::text, oprleft::regtype::text, oprright::regtype::text) IN
           (('>', 'numeric', 'integer'), ('/', 'numeric', 'numeric'), ('=', 'text', 'text'), ('+', 'numeric', 'numeric'))) = 4
   AND count(*) >= 96
FROM pg_operator WHERE oprnamespace = 'evil'::regnamespace;
SQL
expect_spied p.type rk_sec_reader "control: with evil first on the search_path, CAST(x AS float8) checks mallory's domain" <<SQL
$EVIL
SELECT CAST(1 AS float8);
SQL
expect_spied p.fold rk_sec_reader "control: merely planning a query over mallory's fold_view (EXPLAIN) runs her IMMUTABLE function as the reader" <<'SQL'
EXPLAIN SELECT * FROM mal.fold_view;
SQL
expect_spied p.own rk_sec_mallory "control: mallory evaluating her own metric over her view runs her function (allowed: her own code)" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{mal_view_metric}', '{}', NULL, '2025-02-01', '2025-02-28', 'total');
SQL

# expect_true_or ID ROLE STATES "attack" < SQL: last line 't', or an error with one of STATES; no spy
expect_true_or() {
  local id=$1 role=$2 states=$3 what=$4 spy
  run "$role"
  spy=$(spy_verdict "$role")
  if [[ -n $spy ]]; then report "$id" 0 "$what" "$spy"
  elif ((RC == 0)) && [[ $LAST == t ]]; then report "$id" 1 "$what" ""
  elif ((RC != 0)) && [[ "|$states|" == *"|$STATE|"* ]]; then report "$id" 1 "$what" ""
  else report "$id" 0 "$what" "expected 't' or error $states, got $(got)"; fi
}

# ---------------------------------------------------------------------------------------------
echo "# T1 / R4, R5: evaluating never runs code of a role the reader has not trusted ($SECONDS s)"

VALS="'{}', NULL, '2025-02-01', '2025-02-28', 'total'"
for who in rk_sec_reader rk_sec_steward "$su"; do
  expect_error "t1.view.$who" "$who" 42501 "$who evaluates mallory's draft metric over her view that calls her function (metric_values)" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_view_metric}', $VALS);
SQL
done
expect_error t1.view.fold rk_sec_reader 42501 "a reader evaluates mallory's metric over her view whose IMMUTABLE function the planner folds (refused before anything is planned)" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_fold_metric}', $VALS);
SQL
expect_error t1.view.fold_vs_target rk_sec_reader 42501 "the same through metric_vs_target" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_vs_target('mal_fold_metric', '{}', NULL, '2025-02-01', '2025-02-28');
SQL
for who in rk_sec_steward "$su"; do
  expect_true_or "t1.define.$who" "$who" 42501 "$who relabels mallory's measure over her view (the type check plans it): refused, or nothing of hers runs" <<'SQL'
SELECT retail_kpi.define_measure('mal_fold_amt', 'mal_fold_src', 'sum', 'amount', label_en => 'relabelled') IS NOT NULL;
SQL
done
expect_true_or t1.define.source rk_sec_steward 42501 "a steward redescribes mallory's source over her view (the type check plans it): refused, or nothing of hers runs" <<'SQL'
SELECT retail_kpi.define_source('mal_fold_src', 'mal.fold_view', 'sale_date', '{"store": "store_id", "region": "region"}',
                                description => 'reviewed') IS NOT NULL;
SQL
expect_true_or t1.define.metric rk_sec_steward 42501 "a steward relabels mallory's metric over her view: refused, or nothing of hers runs" <<'SQL'
SELECT retail_kpi.define_metric('mal_fold_metric', 'Relabelled', measure => 'mal_fold_amt') IS NOT NULL;
SQL
expect_true_or t1.define.author_source rk_sec_author 42501 "an author defines his own source over mallory's view: refused, or nothing of hers runs" <<'SQL'
SELECT retail_kpi.define_source('auth_on_fold', 'mal.fold_view', 'sale_date', '{"region": "region"}') IS NOT NULL;
SQL
expect_error t1.view.as_of rk_sec_reader 42501 "a reader evaluates mallory's metric over her view as of now (as_of path)" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{mal_view_metric}', '{}', NULL, '2025-02-01', '2025-02-28', 'total', as_of => now());
SQL
expect_error t1.view.metric_sql rk_sec_reader 42501 "a reader compiles mallory's metric over her view (metric_sql)" <<'SQL'
SELECT retail_kpi.metric_sql('{mal_view_metric}');
SQL
expect_error t1.view.vs_target rk_sec_reader 42501 "a reader compares mallory's metric over her view with targets (metric_vs_target)" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_vs_target('mal_view_metric', '{}', NULL, '2025-02-01', '2025-02-28');
SQL
# forecasts (issue 15) read the history through metric_values: the same rule
for who in rk_sec_reader rk_sec_steward "$su"; do
  expect_error "t1.view.forecast.$who" "$who" 42501 "$who forecasts mallory's metric over her view (metric_forecast)" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_forecast('mal_view_metric', 1, method => 'naive', to_date => '2025-02-28');
SQL
done
expect_error t1.view.projection rk_sec_reader 42501 "a reader projects mallory's metric over her view (metric_vs_target with projection)" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_vs_target('mal_view_metric', '{}', NULL, '2025-02-01', '2025-02-28', as_of => '2025-02-15', projection => 'naive');
SQL
expect_error t1.view.forecast_to_target rk_sec_steward 42501 "a steward writes a forecast of mallory's metric over her view as targets (forecast_to_target)" <<'SQL'
SELECT count(*) FROM retail_kpi.forecast_to_target('mal_view_metric', 1, method => 'naive', to_date => '2025-02-28');
SQL
expect_error t1.view.publish rk_sec_steward 42501 "a steward publishes a view of mallory's metric over her view (publish_metric_view)" <<'SQL'
SELECT retail_kpi.publish_metric_view('mal_published', '{mal_view_metric}', schema_name => 'pub');
SQL
# an author's derived metric over mallory's metric: defining it may be refused, evaluating must be
run rk_sec_author <<'SQL'
SELECT retail_kpi.define_metric('auth_over_mal', 'Over mallory', 'derived', expression => 'mal_view_metric + 1');
SQL
foreign_spy_rows >/dev/null
expect_error t1.view.derived rk_sec_reader "42501|42704" "a reader evaluates an author's derived metric whose closure holds mallory's view" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{auth_over_mal}', $VALS);
SQL
# driver trees (docs/drivers.md): explaining a change evaluates every driver under R4
setup_step "mallory declares her view's metric a driver of her plain metric" rk_sec_mallory <<'SQL'
SELECT retail_kpi.define_metric_drivers('mal_plain_metric', '{mal_view_metric,mal_empty_metric}', tolerance => 0.5);
SQL
for who in rk_sec_reader rk_sec_steward "$su"; do
  expect_error "t1.drivers.$who" "$who" 42501 "$who explains the change of mallory's plain metric whose driver reads her view (explain_metric_change)" <<'SQL'
SELECT count(*) FROM retail_kpi.explain_metric_change('mal_plain_metric', '2025-02-01', '2025-02-28', '2025-02-01', '2025-02-28',
                                                      method => 'chain');
SQL
done
expect_error t1.drivers.check rk_sec_reader 42501 "a reader checks the declaration (check_metric_drivers) of mallory's metric over her view" <<'SQL'
SELECT count(*) FROM retail_kpi.check_metric_drivers('mal_plain_metric', '2025-02-01', '2025-02-28');
SQL
expect_true t1.plain rk_sec_reader "a reader evaluates mallory's metric over her plain table without RLS: allowed, the reader's own privileges apply" <<SQL
SELECT (SELECT exact_value FROM retail_kpi.metric_values('{mal_plain_metric}', $VALS))
     = (SELECT sum(amount) FROM mal.plain WHERE sale_date BETWEEN '2025-02-01' AND '2025-02-28');
SQL
expect_error t1.rls rk_sec_reader 42501 "a reader evaluates mallory's metric over her table with RLS whose policy calls her function" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_rls_metric}', $VALS);
SQL
expect_ok t1.later.before rk_sec_reader "a reader evaluates mallory's metric over a plain table (before she enables RLS on it)" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_later_metric}', $VALS);
SQL
setup_step "mallory enables RLS with a policy calling her function, and turns her empty table into a view (PostgreSQL 15 _RETURN rule)" rk_sec_mallory <<'SQL'
ALTER TABLE mal.later_rls ENABLE ROW LEVEL SECURITY;
CREATE POLICY everyone ON mal.later_rls USING (mal.spy('policy of mal.later_rls'));
CREATE RULE "_RETURN" AS ON SELECT TO mal.empty_t DO INSTEAD
    SELECT sale_date, store_id, region, amount FROM mal.facts WHERE mal.spy('mal.empty_t turned into a view');
SQL
expect_error t1.later.after rk_sec_reader 42501 "a reader evaluates the same metric after mallory enabled RLS with her policy (checked at every evaluation)" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_later_metric}', $VALS);
SQL
expect_error t1.return_rule rk_sec_reader 42501 "a reader evaluates mallory's metric over a table she turned into a view after defining the source (same OID)" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_empty_metric}', $VALS);
SQL

expect_spied p.dimtable rk_sec_mallory "control: mallory evaluating her metric by mzone joins her dimension table (its policy runs)" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_sales_metric}', '{mzone}', NULL, '2025-02-01', '2025-02-28', 'total');
SQL
expect_error t1.dimtable.request rk_sec_reader 42501 "a reader requests mallory's metric (over the trusted sales table) by an attribute of her RLS dimension table" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_sales_metric}', '{mzone}', NULL, '2025-02-01', '2025-02-28', 'total');
SQL
expect_error t1.dimtable.filter rk_sec_reader 42501 "a reader filters mallory's metric on an attribute of her RLS dimension table" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_sales_metric}', '{}', '{"mzone": "z1"}', '2025-02-01', '2025-02-28', 'total');
SQL
expect_ok t1.dimtable.steward_define rk_sec_steward "a steward defines dimension shop (etl.stores) whose attribute is mallory's squatted dimension zone, a source and a metric" <<'SQL'
SELECT retail_kpi.define_dimension('shop', 'Shop', dimension_table => 'etl.stores', key_column => 'store_id',
                                   attributes => '{"zone": "zone_id"}');
SELECT retail_kpi.define_source('shop_sales', 'etl.sales', 'sale_date', '{"shop": "store_id"}', owner => 'rk_sec_team');
SELECT retail_kpi.define_measure('shop_rev', 'shop_sales', 'sum', 'revenue', owner => 'rk_sec_team');
SELECT retail_kpi.define_metric('shop_rev', 'Shop revenue', measure => 'shop_rev', owner => 'rk_sec_team');
SQL
for who in rk_sec_reader rk_sec_steward; do
  expect_error "t1.dimtable.chain.$who" "$who" 42501 "$who requests the team's metric by area: the chain shop (trusted) -> zone (mallory's table) reaches her RLS table" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{shop_rev}', '{area}', NULL, '2025-02-01', '2025-02-28', 'total');
SQL
done
expect_error t1.cast rk_sec_reader 42501 "a reader evaluates mallory's metric over her plain table (no RLS) whose column has her type with an implicit cast function (beyond R4's letter: plain tables do run code)" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_typed_metric}', $VALS);
SQL
expect_error t1.publish.schema rk_sec_mallory 42501 "mallory publishes a metric view into the steward's schema" <<'SQL'
SELECT retail_kpi.publish_metric_view('mal_in_pub', '{rev}', schema_name => 'pub');
SQL

# R5: check_alerts evaluates the caller's own rules only; named rules of others give an error row
expect_true t1.alerts.steward rk_sec_steward "a steward's check_alerts() evaluates neither mallory's rule nor her rule owned by a group they share (only rules of his current role)" <<'SQL'
SELECT count(*) FILTER (WHERE rule IN ('mal_rule', 'mal_shared_rule')) = 0 AND count(*) FILTER (WHERE rule = 'st_good') > 0
   AND count(*) FILTER (WHERE rule NOT IN ('st_good', 'st_broken')) = 0
FROM retail_kpi.check_alerts('2025-03-10');
SQL
expect_error t1.alerts.plant rk_sec_mallory 42501 "mallory plants an alert rule owned by the steward (owner =>) into his check_alerts()" <<'SQL'
SELECT retail_kpi.define_alert_rule('mal_planted', 'mal_view_metric', 'below', 1e15, owner => 'rk_sec_steward');
SQL
expect_true t1.alerts.super "$su" "a superuser's check_alerts() evaluates no rule of anybody else (it owns none)" <<'SQL'
SELECT count(*) = 0 FROM retail_kpi.check_alerts('2025-03-10');
SQL
expect_true t1.alerts.author rk_sec_author "an author's check_alerts() evaluates only the author's rule" <<'SQL'
SELECT count(*) FILTER (WHERE rule <> 'auth_rule') = 0 AND count(*) FILTER (WHERE rule = 'auth_rule') > 0
FROM retail_kpi.check_alerts('2025-03-10');
SQL
expect_spied t1.alerts.own rk_sec_mallory "control: mallory's own check_alerts() evaluates her rule (it fires, her function runs as herself)" <<'SQL'
SELECT count(*) FROM retail_kpi.check_alerts('2025-03-10') WHERE rule = 'mal_rule' AND severity = 'warning';
SQL
for who in rk_sec_steward rk_sec_reader "$su"; do
  expect_true "t1.alerts.named.$who" "$who" "$who names mallory's rule: check_alerts(rules => '{mal_rule}') refuses it by R4 as one error row naming her view, not an error of the call" <<'SQL'
SELECT count(*) = 1 AND bool_and(severity = 'error') AND bool_and(message LIKE '%spy_view%' AND message LIKE '%42501%')
FROM retail_kpi.check_alerts('2025-03-10', rules => '{mal_rule}');
SQL
done
expect_true_or t1.alerts.named.nobody rk_sec_nobody "42501|42704" "a role without grant names mallory's rule: nothing evaluated (an error row, no row, or 42501)" <<'SQL'
SELECT count(*) FILTER (WHERE severity <> 'error') = 0 FROM retail_kpi.check_alerts('2025-03-10', rules => '{mal_rule}');
SQL
expect_true_or t1.alerts.named.author rk_sec_author "42501|42704" "an author (who may not see mallory's rule) names it: nothing evaluated" <<'SQL'
SELECT count(*) FILTER (WHERE severity <> 'error') = 0 FROM retail_kpi.check_alerts('2025-03-10', rules => '{mal_rule}');
SQL
setup_step "the ETL role drops the column of the broken rule's measure" "$su" <<'SQL'
SET ROLE rk_sec_etl;
ALTER TABLE etl.broken DROP COLUMN amount;
SQL
expect_true t1.alerts.failing rk_sec_steward "a failing rule (dropped column) gives one error row; the steward's other rule is still evaluated" <<'SQL'
SELECT count(*) FILTER (WHERE rule = 'st_broken' AND severity = 'error') = 1
   AND count(*) FILTER (WHERE rule = 'st_good' AND severity <> 'error') > 0
FROM retail_kpi.check_alerts('2025-03-10');
SQL
expect_true t1.alerts.mixed rk_sec_steward "a steward names his rule and mallory's: his fires, hers is one error row" <<'SQL'
SELECT count(*) FILTER (WHERE rule = 'mal_rule' AND severity = 'error' AND message LIKE '%42501%') = 1
   AND count(*) FILTER (WHERE rule = 'st_good' AND severity <> 'error') > 0
FROM retail_kpi.check_alerts('2025-03-10', rules => '{st_good,mal_rule}');
SQL

# R2: the standard library bound by a steward to a measure mallory registered first
expect_true t1.stdlib rk_sec_steward "a steward binds the standard library (certified) while mallory's measure net_sales (over her view) squats the code: not certified" <<'SQL'
DO $$ BEGIN PERFORM retail_kpi.install_standard_metrics(status => 'certified');
EXCEPTION WHEN insufficient_privilege THEN NULL; END $$;
SELECT coalesce((SELECT status FROM retail_kpi.metrics WHERE code = 'net_sales'), 'absent') <> 'certified';
SQL

# trust: a steward declares mallory trusted, then withdraws it
setup_step "steward trusts mallory (trust_role)" rk_sec_steward <<'SQL'
SELECT retail_kpi.trust_role('rk_sec_mallory', 'code reviewed');
SQL
run rk_sec_reader <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_view_metric}', $VALS);
SQL
foreign_spy_rows >/dev/null
report t1.trusted $((RC == 0)) "after trust_role(mallory) by a steward a reader may evaluate her metric over her view" "expected success, got $(got)"
setup_step "steward withdraws the trust (distrust_role)" rk_sec_steward <<'SQL'
SELECT retail_kpi.distrust_role('rk_sec_mallory');
SQL
expect_error t1.distrusted rk_sec_reader 42501 "after distrust_role(mallory) the reader is refused again" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{mal_view_metric}', $VALS);
SQL
expect_error t1.trust.author rk_sec_author 42501 "an author declares himself trusted (trust_role)" <<'SQL'
SELECT retail_kpi.trust_role('rk_sec_author', 'me');
SQL
expect_error t1.trust.mallory rk_sec_mallory 42501 "mallory withdraws the ETL role's trust (distrust_role)" <<'SQL'
SELECT retail_kpi.distrust_role('rk_sec_etl');
SQL

# ---------------------------------------------------------------------------------------------
echo "# T2 / R1-R3: writing requires a grant; certified numbers rest on trusted objects only ($SECONDS s)"

for who in rk_sec_nobody rk_sec_reader; do
  expect_error "t2.nogrant.dimension.$who" "$who" 42501 "$who (no author grant) defines a dimension" <<SQL
SELECT retail_kpi.define_dimension('x_dim_$who', 'X');
SQL
  expect_error "t2.nogrant.source.$who" "$who" 42501 "$who (no author grant) defines a source" <<SQL
SELECT retail_kpi.define_source('x_src_$who', 'etl.sales', 'sale_date', '{"region": "region"}');
SQL
  expect_error "t2.nogrant.measure.$who" "$who" 42501 "$who (no author grant) defines a measure" <<SQL
SELECT retail_kpi.define_measure('x_measure_$who', 'sales', 'sum', 'revenue');
SQL
  expect_error "t2.nogrant.metric.$who" "$who" 42501 "$who (no author grant) defines a metric" <<SQL
SELECT retail_kpi.define_metric('x_metric_$who', 'X', measure => 'sales_rev');
SQL
  expect_error "t2.nogrant.rule.$who" "$who" 42501 "$who (no author grant) attaches an alert rule to a certified metric" <<SQL
SELECT retail_kpi.define_alert_rule('x_rule_$who', 'cert_rev', 'below', 1);
SQL
done
expect_error t2.nogrant.target rk_sec_nobody 42501 "a role without grant sets a target" <<'SQL'
SELECT retail_kpi.set_target('cert_rev', '2025-02-01', 1, '{"region": "north"}');
SQL
expect_error t2.setrole "$su" 42501 "a superuser session after SET ROLE rk_sec_nobody defines a dimension (the caller is the SET ROLE role)" <<'SQL'
SET ROLE rk_sec_nobody;
SELECT retail_kpi.define_dimension('x_dim_setrole', 'X');
SQL
setup_step "the steward writes a SECURITY DEFINER wrapper around define_dimension and grants it to everyone" rk_sec_steward <<'SQL'
CREATE FUNCTION stw.make_dim(code text) RETURNS text LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog
    AS $$ SELECT retail_kpi.define_dimension(code, 'via wrapper') $$;
SQL
expect_error t2.definer rk_sec_nobody 42501 "a role without grant calls a steward's SECURITY DEFINER wrapper of the API (the caller is still checked)" <<'SQL'
SELECT stw.make_dim('x_dim_definer');
SQL
expect_error t2.cert.define rk_sec_author 42501 "an author defines a metric with status certified" <<'SQL'
SELECT retail_kpi.define_metric('x_cert', 'X', measure => 'auth_rev', status => 'certified');
SQL
expect_error t2.cert.status rk_sec_author 42501 "an author certifies his own metric (set_metric_status)" <<'SQL'
SELECT retail_kpi.set_metric_status('auth_metric', 'certified');
SQL
expect_error t2.cert.deprecate rk_sec_author 42501 "an author (member of the owner team) deprecates a certified metric" <<'SQL'
SELECT retail_kpi.deprecate_metric('cert_dep', 'gone');
SQL
expect_error t2.cert.redefine rk_sec_author 42501 "an author (member of the owner team) redefines a certified metric" <<'SQL'
SELECT retail_kpi.define_metric('cert_dep', 'Certified (edited)', measure => 'sales_rev');
SQL
expect_error t2.cert.untrusted_measure rk_sec_steward 42501 "a steward certifies a metric over a measure owned by an author (untrusted upstream)" <<'SQL'
SELECT retail_kpi.set_metric_status('auth_cert_try', 'certified');
SQL
expect_error t2.cert.untrusted_relation rk_sec_steward 42501 "a steward certifies a metric over mallory's plain table" <<'SQL'
SELECT retail_kpi.set_metric_status('mal_plain_metric', 'certified');
SQL
expect_error t2.upstream.measure rk_sec_author 42501 "an author (member of the owner team) redefines a measure upstream of certified metrics" <<'SQL'
SELECT retail_kpi.define_measure('sales_rev', 'sales', 'sum', 'revenue', label_en => 'edited by an author');
SQL
expect_error t2.upstream.source rk_sec_author 42501 "an author (member of the owner team) redefines a source upstream of certified metrics" <<'SQL'
SELECT retail_kpi.define_source('sales', 'etl.sales', 'sale_date', '{"store": "store_id", "region": "region"}',
                                description => 'edited by an author');
SQL
expect_error t2.upstream.metric rk_sec_author 42501 "an author (member of the owner team) redefines a draft metric upstream of a certified ratio (transitively)" <<'SQL'
SELECT retail_kpi.define_metric('rev', 'Revenue (edited)', measure => 'sales_rev');
SQL
expect_error t2.upstream.measure_label rk_sec_author 42501 "an author (member of the owner team) relabels the count measure under a certified ratio" <<'SQL'
SELECT retail_kpi.define_measure('sales_lines', 'sales', 'count', label_en => 'edited');
SQL
expect_ok t2.upstream.free rk_sec_author "an author (member of the owner team) changes a team measure nothing certified uses: allowed" <<'SQL'
SELECT retail_kpi.define_measure('team_free', 'sales', 'max', 'units', label_en => 'edited by a team member');
SQL
expect_true t2.upstream.steward rk_sec_steward "a steward changes the measure under certified metrics: allowed and recorded in the history" <<'SQL'
SELECT retail_kpi.define_measure('sales_rev', 'sales', 'sum', 'revenue', label_en => 'Revenue', reason => 'steward relabel');
SELECT count(*) = 1 FROM retail_kpi.catalog_history
WHERE object_type = 'measure' AND code = 'sales_rev' AND reason = 'steward relabel' AND changed_by::text = 'rk_sec_steward';
SQL
expect_error t2.owner.give_team rk_sec_mallory 42501 "mallory gives a new metric to the trusted team she is not a member of (owner =>)" <<'SQL'
SELECT retail_kpi.define_metric('x_team', 'X', measure => 'mal_plain_amt', owner => 'rk_sec_team');
SQL
expect_error t2.owner.give_admin rk_sec_mallory 42501 "mallory gives a new metric to retail_kpi_admin (owner =>)" <<'SQL'
SELECT retail_kpi.define_metric('x_admin', 'X', measure => 'mal_plain_amt', owner => 'retail_kpi_admin');
SQL
expect_error t2.other.redefine rk_sec_mallory 42501 "mallory redefines the author's draft metric" <<'SQL'
SELECT retail_kpi.define_metric('auth_metric', 'Hijacked', measure => 'mal_plain_amt');
SQL
expect_error t2.other.drop rk_sec_mallory 42501 "mallory drops the author's draft metric" <<'SQL'
SELECT retail_kpi.drop_metric('auth_secret_x2');
SQL
expect_error t2.other.target rk_sec_mallory 42501 "mallory sets a target on the author's metric" <<'SQL'
SELECT retail_kpi.set_target('auth_metric', '2025-02-01', 1);
SQL
expect_error t2.other.rule rk_sec_mallory 42501 "mallory redefines the author's alert rule" <<'SQL'
SELECT retail_kpi.define_alert_rule('auth_rule', 'auth_metric', 'below', 0);
SQL
expect_error t2.other.dimension rk_sec_mallory 42501 "mallory redefines the steward's dimension" <<'SQL'
SELECT retail_kpi.define_dimension('store', 'Hijacked store');
SQL
expect_error t2.other.remove_target rk_sec_mallory 42501 "mallory removes the budget of the team's certified metric (set_target value NULL)" <<'SQL'
SELECT retail_kpi.set_target('cert_rev', '2025-02-01', NULL, '{"region": "north"}');
SQL
expect_error t2.other.disable_rule rk_sec_mallory 42501 "mallory disables the steward's alert rule" <<'SQL'
SELECT retail_kpi.define_alert_rule('st_good', 'cert_rev', 'below', 1e15, dimensions => '{region}', enabled => false);
SQL
expect_error t2.rule.draft rk_sec_author 42501 "an author attaches an alert rule to mallory's draft metric" <<'SQL'
SELECT retail_kpi.define_alert_rule('x_on_mal', 'mal_plain_metric', 'below', 1);
SQL
expect_ok t2.rule.certified rk_sec_author "an author attaches an alert rule to a certified metric: allowed" <<'SQL'
SELECT retail_kpi.define_alert_rule('auth_on_cert', 'cert_rev', 'below', 1);
SQL
for t in metrics measures sources dimensions targets alert_rules catalog_history catalog_functions catalog_aggregations \
         trusted_roles metric_read_log metric_grants catalog_settings metric_drivers; do
  expect_error "t2.direct.insert.$t" rk_sec_steward 42501 "a steward writes retail_kpi.$t directly (INSERT)" <<SQL
INSERT INTO retail_kpi.$t DEFAULT VALUES;
SQL
done
expect_error t2.drivers.certified rk_sec_mallory 42501 "mallory declares the drivers of the team's certified metric" <<'SQL'
SELECT retail_kpi.define_metric_drivers('cert_rev', '{mal_plain_metric,mal_empty_metric}', tolerance => 0.5);
SQL
expect_error t2.drivers.other rk_sec_mallory 42501 "mallory declares the drivers of the author's metric" <<'SQL'
SELECT retail_kpi.define_metric_drivers('auth_metric', '{mal_plain_metric,mal_empty_metric}', tolerance => 0.5);
SQL
expect_error t2.drivers.author rk_sec_author 42501 "an author (member of the team) declares the drivers of the team's certified metric" <<'SQL'
SELECT retail_kpi.define_metric_drivers('cert_rev', '{auth_metric,mal_plain_metric}', tolerance => 0.5);
SQL
expect_error t2.direct.update rk_sec_author 42501 "an author updates retail_kpi.metrics directly (certifies his metric)" <<'SQL'
UPDATE retail_kpi.metrics SET status = 'certified' WHERE code = 'auth_metric';
SQL
expect_error t2.direct.delete rk_sec_mallory 42501 "mallory deletes the change history directly" <<'SQL'
DELETE FROM retail_kpi.catalog_history;
SQL
expect_error t2.direct.sequence rk_sec_steward 42501 "a steward advances the history sequence directly" <<'SQL'
SELECT nextval('retail_kpi.catalog_history_id_seq');
SQL
setup_step "the ETL role hands the relation of a certified metric to mallory (ALTER TABLE ... OWNER)" "$su" <<'SQL'
ALTER TABLE etl.ownerchg OWNER TO rk_sec_mallory;
SQL
expect_true t2.untrusted_dependency rk_sec_steward "check_catalog() reports the certified metric whose relation is now owned by mallory (certified_untrusted_dependency)" <<'SQL'
SELECT count(*) > 0 FROM retail_kpi.check_catalog() WHERE problem = 'certified_untrusted_dependency' AND code = 'cert_oc';
SQL

# ---------------------------------------------------------------------------------------------
echo "# T3 / R8: the schema is the extension's ($SECONDS s)"

psql_su -d postgres >/dev/null <<'SQL' || echo "FAIL - setup: T3 databases"
CREATE DATABASE rk_security_t3a;
CREATE DATABASE rk_security_t3b;
CREATE DATABASE rk_security_t3c;
GRANT CREATE ON DATABASE rk_security_t3a TO rk_sec_mallory;
SQL
planted=$(cat <<'SQL'
CREATE FUNCTION retail_kpi.spy_eq(a name, b text) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'rk_sec_spy: planted =(name, text) ran as %', current_user; RETURN a::text OPERATOR(pg_catalog.=) b; END$$;
CREATE OPERATOR retail_kpi.= (LEFTARG = name, RIGHTARG = text, FUNCTION = retail_kpi.spy_eq);
CREATE FUNCTION retail_kpi.spy_gt(a numeric, b integer) RETURNS boolean LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'rk_sec_spy: planted >(numeric, integer) ran as %', current_user; RETURN a OPERATOR(pg_catalog.>) b; END$$;
CREATE OPERATOR retail_kpi.> (LEFTARG = numeric, RIGHTARG = integer, FUNCTION = retail_kpi.spy_gt);
CREATE FUNCTION retail_kpi.format(f text, a text) RETURNS text LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'rk_sec_spy: planted format(text, text) ran as %', current_user; RETURN pg_catalog.format(f, a); END$$;
CREATE FUNCTION retail_kpi.quote_ident(a name) RETURNS text LANGUAGE plpgsql
    AS $$BEGIN RAISE WARNING 'rk_sec_spy: planted quote_ident(name) ran as %', current_user; RETURN pg_catalog.quote_ident(a::text); END$$;
GRANT USAGE ON SCHEMA retail_kpi TO PUBLIC;
SQL
)
DB=rk_security_t3a setup_step "mallory (CREATE on the database) creates schema retail_kpi and plants operators and functions" rk_sec_mallory <<SQL
CREATE SCHEMA retail_kpi;
$planted
SQL
DB=rk_security_t3a expect_error t3.squatted "$su" 42501 "the superuser runs CREATE EXTENSION over the schema retail_kpi mallory created first (nothing of hers runs)" <<'SQL'
CREATE EXTENSION retail_kpi;
SQL
if [[ $RC == 0 ]]; then   # the extension got installed over her schema: does her code run inside the API?
  DB=rk_security_t3a expect_ok t3.squatted.api "$su" "(after the squatted install) the superuser uses the API: mallory's planted objects must not run" <<'SQL'
SELECT retail_kpi.define_dimension('d', 'D');
SELECT retail_kpi.define_dimension('d', 'D2', reason => 'again');
SQL
fi
DB=rk_security_t3b setup_step "the installer owns schema retail_kpi but granted CREATE on it to mallory, who planted objects" "$su" <<SQL
CREATE SCHEMA retail_kpi;
GRANT CREATE, USAGE ON SCHEMA retail_kpi TO rk_sec_mallory;
SET ROLE rk_sec_mallory;
$planted
SQL
DB=rk_security_t3b expect_error t3.nonempty "$su" 42501 "CREATE EXTENSION over the installer's schema retail_kpi that already holds mallory's objects" <<'SQL'
CREATE EXTENSION retail_kpi;
SQL
DB=rk_security_t3c expect_ok t3.empty_own "$su" "CREATE EXTENSION over an empty schema retail_kpi owned by the installer: allowed" <<'SQL'
CREATE SCHEMA retail_kpi;
CREATE EXTENSION retail_kpi;
SQL
DB=rk_security_t3c expect_error t3.upgrade "$su" 42501 "ALTER EXTENSION UPDATE to 0.3 with schema retail_kpi owned by mallory (not the extension's owner)" <<'SQL'
DROP EXTENSION retail_kpi;
DROP SCHEMA IF EXISTS retail_kpi;
CREATE EXTENSION retail_kpi VERSION '0.2';
ALTER SCHEMA retail_kpi OWNER TO rk_sec_mallory;
ALTER EXTENSION retail_kpi UPDATE TO '0.3';
SQL
for who in rk_sec_mallory rk_sec_steward; do
  expect_error "t3.plant.function.$who" "$who" 42501 "$who creates a function in schema retail_kpi after the install" <<'SQL'
CREATE FUNCTION retail_kpi.format(f text, a text) RETURNS text LANGUAGE sql AS 'SELECT f';
SQL
done
expect_error t3.plant.table rk_sec_mallory 42501 "mallory creates a table in schema retail_kpi" <<'SQL'
CREATE TABLE retail_kpi.metrics_shadow (x int);
SQL
expect_error t3.probe rk_sec_mallory 42501 "mallory calls the internal catalog_probe (runs a query as the caller in a restricted context) directly" <<'SQL'
SELECT retail_kpi.catalog_probe('SELECT 1');
SQL
expect_true t3.definer_path "$su" "every SECURITY DEFINER function of the extension has search_path = pg_catalog, pg_temp" <<'SQL'
SELECT coalesce(string_agg(p.oid::regprocedure::text || ' ' || coalesce(array_to_string(p.proconfig, ';'), 'no SET'), ', '), 't')
FROM pg_proc p
WHERE p.pronamespace = 'retail_kpi'::regnamespace AND p.prosecdef
  AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false);
SQL

# ---------------------------------------------------------------------------------------------
echo "# T4 / R9: generated SQL means the same under any search_path ($SECONDS s)"

REQ1="retail_kpi.metric_values('{rev,cert_ratio,cert_gmr,t4_mix,north_gp,visitors}', '{region}', '{\"region\": [\"north\", \"south\"]}', '2025-01-01', '2025-03-31', 'month', 'previous_period')"
REQ2="retail_kpi.metric_values('{rev,t4_mix,cert_ratio}', '{store}', NULL, '2025-01-06', '2025-03-30', 'week', 'same_period_last_year')"
REQ3="retail_kpi.metric_values('{t4_mix,cert_gmr}', '{}', '{\"store\": [1, 2]}', '2025-01-01', '2025-03-31', 'total')"
SQLREQ="retail_kpi.metric_sql('{rev,cert_ratio,cert_gmr,t4_mix,north_gp,visitors}', '{region}', '{\"region\": [\"north\", \"south\"]}', '2025-01-01', '2025-03-31', 'month', 'previous_period')"
baseline t4_req1 rk_sec_reader <<<"$CLEAN SELECT * FROM $REQ1;"
baseline t4_req2 rk_sec_reader <<<"$CLEAN SELECT * FROM $REQ2;"
baseline t4_req3 rk_sec_reader <<<"$CLEAN SELECT * FROM $REQ3;"
baseline t4_target rk_sec_steward <<<"$CLEAN SELECT * FROM retail_kpi.metric_vs_target('cert_rev', '{region}', NULL, '2025-01-01', '2025-03-31');"
same_as t4.values.month rk_sec_reader "a reader with evil first on the search_path (operators, functions, types of mallory): metric_values by month, previous_period" "$tmp/t4_req1" <<<"$EVIL SELECT * FROM $REQ1;"
same_as t4.values.week rk_sec_reader "the same by ISO week and store, same_period_last_year" "$tmp/t4_req2" <<<"$EVIL SELECT * FROM $REQ2;"
same_as t4.values.total rk_sec_reader "the same at grain total with a filter on store" "$tmp/t4_req3" <<<"$EVIL SELECT * FROM $REQ3;"
same_as t4.metric_sql rk_sec_reader "a reader runs the text of metric_sql (\\gexec) with evil first on the search_path" "$tmp/t4_req1" <<EOSQL
$EVIL
SELECT $SQLREQ \\gexec
EOSQL
same_as t4.vs_target rk_sec_steward "a steward with evil first on the search_path: metric_vs_target" "$tmp/t4_target" <<<"$EVIL SELECT * FROM retail_kpi.metric_vs_target('cert_rev', '{region}', NULL, '2025-01-01', '2025-03-31');"
setup_step "the steward publishes the same request with a clean search_path (baseline view)" rk_sec_steward <<EOSQL
$CLEAN
SELECT retail_kpi.publish_metric_view('kpi_clean', '{rev,cert_ratio,cert_gmr,t4_mix}', '{region}', NULL, '2025-01-01', '2025-03-31', 'month', schema_name => 'pub');
GRANT SELECT ON pub.kpi_clean TO PUBLIC;
EOSQL
baseline t4_view rk_sec_reader <<<"$CLEAN SELECT * FROM pub.kpi_clean;"
expect_ok t4.publish rk_sec_steward "a steward publishes a metric view with evil first on the search_path" <<EOSQL
$EVIL
SELECT retail_kpi.publish_metric_view('kpi_evil', '{rev,cert_ratio,cert_gmr,t4_mix}', '{region}', NULL, '2025-01-01', '2025-03-31', 'month', schema_name => 'pub');
GRANT SELECT ON pub.kpi_evil TO PUBLIC;
EOSQL
same_as t4.view.clean_path rk_sec_reader "a reader with a clean search_path queries the view published under the evil search_path (no operator of mallory bound into it)" "$tmp/t4_view" <<<"$CLEAN SELECT * FROM pub.kpi_evil;"
same_as t4.view.evil_path rk_sec_reader "a reader with evil first on the search_path queries the view published with a clean one" "$tmp/t4_view" <<<"$EVIL SELECT * FROM pub.kpi_clean;"
expect_ok t4.alerts rk_sec_steward "a steward runs check_alerts() (message formatting, conditions) with evil first on the search_path" <<EOSQL
$EVIL
SELECT pg_catalog.count(*) FROM retail_kpi.check_alerts('2025-03-10');
SELECT pg_catalog.count(*) FROM retail_kpi.check_alerts('2025-03-10', rules => '{st_good,st_broken}');
EOSQL
expect_ok t4.define rk_sec_author "an author defines a measure (expression, filter) and a derived metric with evil first on the search_path" <<EOSQL
$EVIL
SELECT retail_kpi.define_measure('t4_auth_m', 'sales', 'sum', 'revenue * 2 + cost / 3', filter => 'region = ''north'' AND units > 1');
SELECT retail_kpi.define_metric('t4_auth', 'T4', measure => 't4_auth_m');
SELECT retail_kpi.define_metric('t4_auth_d', 'T4 derived', 'derived', expression => 't4_auth / nullif(lines, 0) + abs(t4_auth)');
SELECT retail_kpi.define_alert_rule('t4_auth_rule', 't4_auth', 'change_beyond', 0.1);
EOSQL
expect_ok t4.stdlib rk_sec_steward "a steward lists and binds the standard library with evil first on the search_path" <<EOSQL
$EVIL
SELECT pg_catalog.count(*) FROM retail_kpi.standard_metric_templates();
SELECT pg_catalog.count(*) FROM retail_kpi.install_standard_metrics('{"units_sold": "sales_lines"}');
EOSQL
expect_ok t4.governance rk_sec_steward "a steward runs check_catalog, metric_lineage, metric_history and metric_catalog with evil first on the search_path" <<EOSQL
$EVIL
SELECT pg_catalog.count(*) FROM retail_kpi.check_catalog();
SELECT pg_catalog.count(*) FROM retail_kpi.metric_lineage('cert_ratio');
SELECT pg_catalog.count(*) FROM retail_kpi.metric_history('cert_rev');
SELECT pg_catalog.count(*) FROM retail_kpi.metric_catalog;
EOSQL

# ---------------------------------------------------------------------------------------------
echo "# T5 / R10: one login role cannot exhaust the server ($SECONDS s)"

# a chain of derived metrics, each referencing the previous one 3 times (3^n expansions if not memoised)
TMO=30s run rk_sec_author <<'SQL'
CREATE TEMP TABLE chain_result (i int, state text, message text);
DO $$
DECLARE
    i int;
BEGIN
    PERFORM retail_kpi.define_metric('ch00', 'chain 0', measure => 'sales_rev');
    FOR i IN 1..40 LOOP
        BEGIN
            PERFORM retail_kpi.define_metric(format('ch%s', lpad(i::text, 2, '0')), format('chain %s', i), 'derived',
                expression => format('%1$s + %1$s * 1 + %1$s', format('ch%s', lpad((i - 1)::text, 2, '0'))));
        EXCEPTION WHEN OTHERS THEN
            INSERT INTO chain_result VALUES (i, SQLSTATE, SQLERRM);
            EXIT;
        END;
    END LOOP;
END
$$;
SELECT coalesce((SELECT i || ' ' || state || ' ' || message FROM chain_result), 'none');
SQL
foreign_spy_rows >/dev/null
chain_fail=${LAST%% *}
chain_state=$(awk '{print $2}' <<<"$LAST")
if ((RC == 0)) && [[ $chain_fail =~ ^3[23]$ && $chain_state == 54001 ]]; then
  report t5.chain.depth 1 "an author defines a chain of 40 derived metrics (each uses the previous one 3 times): refused past depth 32 with 54001" ""
else
  report t5.chain.depth 0 "an author defines a chain of 40 derived metrics (each uses the previous one 3 times): refused past depth 32 with 54001" \
    "expected the first failure at ch32/ch33 with 54001 within 30 s, got $(got)"
fi
TMO=20s expect_ok t5.chain.check_catalog rk_sec_reader "check_catalog() over the 30-deep chain of triple references finishes (statement_timeout 20s)" <<'SQL'
SELECT count(*) FROM retail_kpi.check_catalog();
SQL
TMO=20s expect_true t5.chain.lineage rk_sec_reader "metric_lineage() of the 30-deep chain finishes and lists its 30 upstream metrics" <<'SQL'
SELECT count(*) FILTER (WHERE direction = 'upstream' AND object_type = 'metric') = 30 FROM retail_kpi.metric_lineage('ch30');
SQL
# Planning the generated SQL must not grow exponentially with the depth (a planner that inlines each
# level's expression 3 times per level exhausts the server's memory at depth 30: the server process is
# killed and every session of the cluster with it).  The deep evaluations run only when the EXPLAIN
# VERBOSE of depth 8 is less than 4 times that of depth 4 (linear: about 2 times; 3^n: 81 times).
TMO=20s run rk_sec_reader <<'SQL'
CREATE TEMP TABLE plan_size (depth int, bytes bigint);
DO $$
DECLARE
    d int;
    r record;
    n bigint;
BEGIN
    FOREACH d IN ARRAY ARRAY[4, 8] LOOP
        n := 0;
        FOR r IN EXECUTE 'EXPLAIN (VERBOSE) ' || retail_kpi.metric_sql(ARRAY[format('ch%s', lpad(d::text, 2, '0'))], '{}', NULL,
                                                                       '2025-02-01', '2025-02-28', 'total') LOOP
            n := n + length(r."QUERY PLAN");
        END LOOP;
        INSERT INTO plan_size VALUES (d, n);
    END LOOP;
END
$$;
SELECT (SELECT bytes FROM plan_size WHERE depth = 8) < 4 * (SELECT bytes FROM plan_size WHERE depth = 4);
SQL
foreign_spy_rows >/dev/null
plan_linear=0
((RC == 0)) && [[ $LAST == t ]] && plan_linear=1
report t5.chain.plan_linear "$plan_linear" "the plan of the generated SQL grows linearly with the chain's depth (EXPLAIN VERBOSE at depth 8 < 4 x depth 4)" \
  "expected linear growth, got $(got)"
if ((plan_linear)); then
  TMO=20s expect_true t5.chain.values rk_sec_reader "metric_values() of the 30-deep chain finishes with the exact value 3^30 x revenue" <<'SQL'
SELECT v.exact_value = 205891132094649 * (SELECT sum(revenue) FROM etl.sales WHERE sale_date BETWEEN '2025-02-01' AND '2025-02-28')
FROM retail_kpi.metric_values('{ch30}', '{}', NULL, '2025-02-01', '2025-02-28', 'total') v;
SQL
  TMO=20s expect_ok t5.chain.as_of rk_sec_reader "metric_values(as_of => now()) of the 30-deep chain finishes" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{ch30}', '{}', NULL, '2025-02-01', '2025-02-28', 'total', as_of => now());
SQL
else
  report t5.chain.values 0 "metric_values() of the 30-deep chain finishes with the exact value 3^30 x revenue" \
    "not run: the plan grows exponentially (t5.chain.plan_linear), it would exhaust the server's memory"
  report t5.chain.as_of 0 "metric_values(as_of => now()) of the 30-deep chain finishes" "not run: see t5.chain.plan_linear"
fi
TMO=20s expect_true t5.chain.metric_sql rk_sec_reader "metric_sql() of the 30-deep chain finishes and stays small (under 1 MB)" <<'SQL'
SELECT length(retail_kpi.metric_sql('{ch30}')) < 1000000;
SQL
TMO=20s expect_ok t5.chain.redefine rk_sec_author "an author redefines the bottom of the 30-deep chain (fingerprints, closures) within 20 s" <<'SQL'
SELECT retail_kpi.define_metric('ch01', 'chain 1 (relabelled)', 'derived', expression => 'ch00 + ch00 * 1 + ch00');
SQL

BIG="repeat('x', 10 * 1024 * 1024)"
expect_error t5.text.label_10mb rk_sec_author 22001 "an author defines a dimension with a 10 MB label" <<SQL
SELECT retail_kpi.define_dimension('big_label', $BIG);
SQL
expect_error t5.text.label_201 rk_sec_author 22001 "an author defines a metric with a 201-character label" <<'SQL'
SELECT retail_kpi.define_metric('lab201', repeat('x', 201), measure => 'auth_rev');
SQL
expect_ok t5.text.label_200 rk_sec_author "an author defines a metric with a 200-character (400-byte) label: allowed" <<'SQL'
SELECT retail_kpi.define_metric('lab200', repeat('é', 200), measure => 'auth_rev');
SQL
expect_error t5.text.label_zh rk_sec_author 22001 "an author defines a metric with a 201-character Chinese label" <<'SQL'
SELECT retail_kpi.define_metric('labzh', 'x', measure => 'auth_rev', label_zh => repeat('指', 201));
SQL
expect_error t5.text.description rk_sec_author 22001 "an author defines a measure with a 4001-character description" <<'SQL'
SELECT retail_kpi.define_measure('desc4001', 'sales', 'sum', 'revenue', description => repeat('x', 4001));
SQL
expect_error t5.text.description_10mb rk_sec_author 22001 "an author defines a source with a 10 MB description" <<SQL
SELECT retail_kpi.define_source('desc10mb', 'etl.sales', 'sale_date', '{"region": "region"}', description => $BIG);
SQL
expect_error t5.text.reason_10mb rk_sec_author 22001 "an author changes a metric with a 10 MB reason (copied into the history)" <<SQL
SELECT retail_kpi.define_metric('auth_metric', 'Author metric', measure => 'auth_rev', reason => $BIG);
SQL
expect_error t5.text.reason_1001 rk_sec_steward 22001 "a steward sets a target with a 1001-character reason" <<'SQL'
SELECT retail_kpi.set_target('cert_rev', '2025-03-01', 1, '{"region": "north"}', reason => repeat('x', 1001));
SQL
expect_error t5.text.reason_rule rk_sec_author 22001 "an author defines an alert rule with a 10 MB reason" <<SQL
SELECT retail_kpi.define_alert_rule('big_reason', 'auth_metric', 'below', 1, reason => $BIG);
SQL
expect_error t5.text.unit rk_sec_author 22001 "an author defines a metric with a 33-character unit" <<'SQL'
SELECT retail_kpi.define_metric('unit33', 'x', measure => 'auth_rev', unit => repeat('u', 33));
SQL
expect_error t5.text.tags rk_sec_author 54000 "an author defines a metric with 33 tags (a count: 54000; a tag too long: 22001)" <<'SQL'
SELECT retail_kpi.define_metric('tags33', 'x', measure => 'auth_rev', tags => (SELECT array_agg('t' || g) FROM generate_series(1, 33) g));
SQL
expect_error t5.text.tag_64 rk_sec_author 22001 "an author defines a metric with a 64-character tag" <<'SQL'
SELECT retail_kpi.define_metric('tag64', 'x', measure => 'auth_rev', tags => ARRAY[repeat('t', 64)]);
SQL
expect_error t5.text.reason_trust rk_sec_steward 22001 "a steward trusts a role with a 10 MB reason" <<SQL
SELECT retail_kpi.trust_role('rk_sec_etl', $BIG);
SQL
expect_error t5.text.reason_restrict rk_sec_author 22001 "an author restricts his metric with a 10 MB reason" <<SQL
SELECT retail_kpi.restrict_metric('auth_metric', true, $BIG);
SQL
expect_error t5.expression rk_sec_author 54000 "an author defines a measure with an 11000-byte expression" <<'SQL'
SELECT retail_kpi.define_measure('big_expr', 'sales', 'sum', repeat('revenue + ', 1100) || '1');
SQL
setup_step "the steward defines 70 dimensions d01..d70, the author 101 metrics m001..m101" rk_sec_steward <<'SQL'
SELECT count(retail_kpi.define_dimension('d' || lpad(g::text, 2, '0'), 'D' || g)) FROM generate_series(1, 70) g;
SQL
setup_step "the steward defines a source with 40 dimensions (all mapped to store_id) and a metric over it" rk_sec_steward <<'SQL'
SELECT retail_kpi.define_source('wide40', 'etl.sales', 'sale_date',
    (SELECT jsonb_object_agg('d' || lpad(g::text, 2, '0'), 'store_id') FROM generate_series(1, 40) g), owner => 'rk_sec_team');
SELECT retail_kpi.define_measure('wide_rev', 'wide40', 'sum', 'revenue', owner => 'rk_sec_team');
SELECT retail_kpi.define_metric('wide_metric', 'Wide', measure => 'wide_rev', owner => 'rk_sec_team');
SQL
setup_step "the author defines 101 metrics" rk_sec_author <<'SQL'
SELECT count(retail_kpi.define_metric('m' || lpad(g::text, 3, '0'), 'M' || g, measure => 'auth_rev')) FROM generate_series(1, 101) g;
SQL
expect_error t5.filters.values rk_sec_reader 54000 "a reader filters a dimension on 1001 values" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{rev}', '{region}',
    jsonb_build_object('region', (SELECT jsonb_agg(g::text) FROM generate_series(1, 1001) g)));
SQL
expect_ok t5.filters.dimensions32 rk_sec_reader "a reader filters on 32 dimensions and requests 16: allowed" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{wide_metric}', (SELECT array_agg('d' || lpad(g::text, 2, '0')) FROM generate_series(1, 16) g),
    (SELECT jsonb_object_agg('d' || lpad(g::text, 2, '0'), 1) FROM generate_series(1, 32) g), '2025-02-01', '2025-02-03', 'total');
SQL
expect_error t5.filters.dimensions rk_sec_reader 54000 "a reader filters on 33 dimensions" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{wide_metric}', '{}',
    (SELECT jsonb_object_agg('d' || lpad(g::text, 2, '0'), 1) FROM generate_series(1, 33) g));
SQL
expect_error t5.request.dimensions rk_sec_reader 54000 "a reader requests 17 dimensions" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{wide_metric}', (SELECT array_agg('d' || lpad(g::text, 2, '0')) FROM generate_series(1, 17) g));
SQL
expect_error t5.request.metrics rk_sec_reader 54000 "a reader requests 101 metrics" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values((SELECT array_agg('m' || lpad(g::text, 3, '0')) FROM generate_series(1, 101) g));
SQL
expect_error t5.source.dimensions rk_sec_author 54000 "an author defines a source with 65 dimensions" <<'SQL'
SELECT retail_kpi.define_source('wide', 'etl.sales', 'sale_date',
    (SELECT jsonb_object_agg('d' || lpad(g::text, 2, '0'), 'store_id') FROM generate_series(1, 65) g));
SQL
expect_error t5.bindings rk_sec_steward 54000 "a steward binds the standard library with 201 bindings" <<'SQL'
SELECT count(*) FROM retail_kpi.install_standard_metrics((SELECT jsonb_object_agg('k' || g, 'sales_rev') FROM generate_series(1, 201) g));
SQL
# (each call takes about 0.1 to 0.5 s on an idle machine; 20 of them make sure the timeout fires during one)
TMO=100ms expect_error t5.timeout.bridge rk_sec_reader 57014 "statement_timeout 100ms cancels margin_bridge over a 200,000-item bridge summary" <<'SQL'
SELECT sum(x.n) FROM generate_series(1, 20) i,
    LATERAL (SELECT count(*) + i - i AS n FROM etl.big_bridge, retail_kpi.margin_bridge(s)) x;
SQL
TMO=100ms expect_error t5.timeout.abc rk_sec_reader 57014 "statement_timeout 100ms cancels abc_classify over a 1,000,000-item ABC summary" <<'SQL'
SELECT sum(x.n) FROM generate_series(1, 20) i,
    LATERAL (SELECT count(*) + i - i AS n FROM etl.big_abc, retail_kpi.abc_classify(s)) x;
SQL
TMO=100ms expect_error t5.timeout.rollup rk_sec_reader 57014 "statement_timeout 100ms cancels merging two 1,000,000-item ABC summaries" <<'SQL'
SELECT sum(x.n) FROM generate_series(1, 20) i,
    LATERAL (SELECT retail_kpi.item_count(retail_kpi.rollup(s)) + i - i AS n
             FROM (SELECT s FROM etl.big_abc UNION ALL SELECT s FROM etl.big_abc) y) x;
SQL

# ---------------------------------------------------------------------------------------------
echo "# T6 / R6: identity is by OID ($SECONDS s)"

setup_step "rk_sec_temp (author) defines a metric, then the superuser drops the role and re-creates it" rk_sec_temp <<'SQL'
SELECT retail_kpi.define_metric('tmp_metric', 'Temp', measure => 'sales_rev');
SQL
psql_su -d "$db" >/dev/null 2>&1 <<'SQL' || echo "FAIL - setup: drop and re-create rk_sec_temp"
DROP OWNED BY rk_sec_temp;
DROP ROLE rk_sec_temp;
CREATE ROLE rk_sec_temp LOGIN;
DO $$ BEGIN IF pg_catalog.to_regrole('retail_kpi_author') IS NOT NULL THEN GRANT retail_kpi_author TO rk_sec_temp; END IF; END $$;
SQL
expect_error t6.orphan.redefine rk_sec_temp 42501 "a new role with the dropped owner's name redefines the orphaned metric" <<'SQL'
SELECT retail_kpi.define_metric('tmp_metric', 'Hijacked', measure => 'sales_rev');
SQL
expect_error t6.orphan.drop rk_sec_temp 42501 "a new role with the dropped owner's name drops the orphaned metric" <<'SQL'
SELECT retail_kpi.drop_metric('tmp_metric');
SQL
expect_true t6.orphan.prints rk_sec_reader "the orphaned metric's owner prints as an OID number, not as the new role's name" <<'SQL'
SELECT owner::text ~ '^[0-9]+$' FROM retail_kpi.metrics WHERE code = 'tmp_metric';
SQL
expect_true t6.orphan.check rk_sec_reader "check_catalog() reports the orphaned owner" <<'SQL'
SELECT count(*) = 1 FROM retail_kpi.check_catalog() WHERE problem = 'orphaned_owner' AND object_type = 'metric' AND code = 'tmp_metric';
SQL
for who in rk_sec_author rk_sec_mallory rk_sec_temp; do
  expect_error "t6.reassign.$who" "$who" 42501 "$who hands the orphaned metric to himself (reassign_catalog_owner)" <<SQL
SELECT retail_kpi.reassign_catalog_owner('metric', 'tmp_metric', '$who');
SQL
done
expect_true t6.reassign.steward rk_sec_steward "a steward hands the orphaned metric to the author (reassign_catalog_owner)" <<'SQL'
SELECT retail_kpi.reassign_catalog_owner('metric', 'tmp_metric', 'rk_sec_author');
SELECT owner::text = 'rk_sec_author' FROM retail_kpi.metrics WHERE code = 'tmp_metric';
SQL
setup_step "rk_sec_leaver (author) defines a measure and a metric" rk_sec_leaver <<'SQL'
SELECT retail_kpi.define_measure('leaver_m', 'sales', 'sum', 'units');
SELECT retail_kpi.define_metric('leaver_metric', 'Leaver', measure => 'leaver_m');
SQL
expect_error t6.reassign_all.self rk_sec_leaver 42501 "an author hands all his objects to the trusted team (reassign_catalog_objects)" <<'SQL'
SELECT retail_kpi.reassign_catalog_objects('rk_sec_leaver', 'rk_sec_team');
SQL
expect_error t6.reassign_all.mallory rk_sec_mallory 42501 "mallory takes over all the author's objects (reassign_catalog_objects)" <<'SQL'
SELECT retail_kpi.reassign_catalog_objects('rk_sec_author', 'rk_sec_mallory');
SQL
expect_true t6.reassign_all.steward rk_sec_steward "a steward hands all of a leaving author's objects to another author (reassign_catalog_objects)" <<'SQL'
SELECT retail_kpi.reassign_catalog_objects('rk_sec_leaver', 'rk_sec_author');
SELECT (SELECT count(*) FROM retail_kpi.metrics WHERE owner::text = 'rk_sec_leaver')
     + (SELECT count(*) FROM retail_kpi.measures WHERE owner::text = 'rk_sec_leaver') = 0
   AND (SELECT owner::text FROM retail_kpi.metrics WHERE code = 'leaver_metric') = 'rk_sec_author';
SQL
setup_step "the steward trusts rk_sec_leaver; the superuser drops the role and re-creates it (author, with a schema)" rk_sec_steward <<'SQL'
SELECT retail_kpi.trust_role('rk_sec_leaver', 'reviewed');
SQL
psql_su -d "$db" >/dev/null 2>&1 <<'SQL' || echo "FAIL - setup: drop and re-create rk_sec_leaver"
DROP OWNED BY rk_sec_leaver;
DROP ROLE rk_sec_leaver;
CREATE ROLE rk_sec_leaver LOGIN;
GRANT retail_kpi_author TO rk_sec_leaver;
CREATE SCHEMA lv AUTHORIZATION rk_sec_leaver;
GRANT USAGE ON SCHEMA lv TO PUBLIC;
SQL
setup_step "the new rk_sec_leaver defines a metric over his view that calls mallory's function" rk_sec_leaver <<'SQL'
CREATE VIEW lv.v AS SELECT sale_date, store_id, region, amount FROM mal.facts WHERE mal.spy('view lv.v of the new rk_sec_leaver');
GRANT SELECT ON lv.v TO PUBLIC;
SELECT retail_kpi.define_source('lv_src', 'lv.v', 'sale_date', '{"region": "region"}');
SELECT retail_kpi.define_measure('lv_amt', 'lv_src', 'sum', 'amount');
SELECT retail_kpi.define_metric('lv_metric', 'New leaver', measure => 'lv_amt');
SQL
expect_error t6.trust_by_oid rk_sec_reader 42501 "a role re-created with the name of a dropped trusted role is not trusted: a reader evaluates its view" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{lv_metric}', '{}', NULL, '2025-02-01', '2025-02-28', 'total');
SQL
REN="SELECT exact_value FROM retail_kpi.metric_values('{ren_metric}', '{}', NULL, '2025-02-01', '2025-02-28', 'total')"
expect_true t6.rename.before rk_sec_reader "(before the rename) the source's metric sums the relation's 10 rows" <<<"SELECT ($REN) = 10;"
setup_step "the ETL role renames the source's relation" "$su" <<<"ALTER TABLE etl.ren RENAME TO ren_old;"
expect_true t6.rename.works rk_sec_reader "a source whose relation was renamed still works" <<<"SELECT ($REN) = 10;"
expect_true t6.rename.check rk_sec_reader "check_catalog() reports the renamed relation" <<'SQL'
SELECT count(*) = 1 FROM retail_kpi.check_catalog() WHERE problem = 'renamed_relation' AND code = 'ren';
SQL
setup_step "the ETL role creates a new relation under the old name with other numbers" "$su" <<'SQL'
SET ROLE rk_sec_etl;
CREATE TABLE etl.ren (sale_date date, region text, amount numeric);
INSERT INTO etl.ren SELECT date '2025-02-01' + g % 28, 'north', 1000 FROM generate_series(1, 50) g;
GRANT SELECT ON etl.ren TO PUBLIC;
SQL
expect_true t6.rename.not_picked rk_sec_reader "a new relation created under the old name is not picked up (the source still reads the original)" <<<"SELECT ($REN) = 10;"
setup_step "the ETL role drops the original relation" "$su" <<<"DROP TABLE etl.ren_old;"
expect_error t6.rename.dropped rk_sec_reader 42P01 "the original relation dropped: 42P01, the new one under the old name is still not used" <<<"$REN;"

# ---------------------------------------------------------------------------------------------
echo "# T7 / R7: private catalog data is not public ($SECONDS s)"

for t in targets alert_rules catalog_history metric_read_log; do
  expect_hidden "t7.nobody.$t" rk_sec_nobody "a role without grant reads retail_kpi.$t (objects of others)" <<SQL
SELECT count(*) FROM retail_kpi.$t;
SQL
done
expect_true t7.nobody.vs_target rk_sec_nobody "a role without grant reads the budget of a public metric through metric_vs_target (target hidden)" <<'SQL'
SELECT count(*) FILTER (WHERE target IS NOT NULL) = 0 AND count(*) > 0
FROM retail_kpi.metric_vs_target('cert_rev', '{region}', NULL, '2025-02-01', '2025-02-28');
SQL
expect_true t7.nobody.metric_history rk_sec_nobody "a role without grant reads the change history of the team's metric through metric_history()" <<'SQL'
SELECT count(*) = 0 FROM retail_kpi.metric_history('cert_rev');
SQL
expect_true t7.nobody.lineage rk_sec_nobody "a role without grant lists the targets and alert rules of the team's metric through metric_lineage()" <<'SQL'
SELECT count(*) = 0 FROM retail_kpi.metric_lineage('cert_rev') WHERE object_type IN ('target', 'alert_rule');
SQL
expect_true t7.reader.lineage rk_sec_reader "a reader sees them through metric_lineage()" <<'SQL'
SELECT count(*) FILTER (WHERE object_type = 'target') > 0 AND count(*) FILTER (WHERE object_type = 'alert_rule') > 0
FROM retail_kpi.metric_lineage('cert_rev');
SQL
expect_true t7.definitions.public rk_sec_nobody "a role without grant reads the definitions (metrics, measures, sources, dimensions)" <<'SQL'
SELECT (SELECT count(*) FROM retail_kpi.metrics) > 0 AND (SELECT count(*) FROM retail_kpi.measures) > 0
   AND (SELECT count(*) FROM retail_kpi.sources) > 0 AND (SELECT count(*) FROM retail_kpi.dimensions) > 0;
SQL
expect_true t7.mallory.rules rk_sec_mallory "mallory (author) sees only the alert rules of roles she is a member of" <<'SQL'
SELECT count(*) FILTER (WHERE NOT pg_has_role('rk_sec_mallory', owner::oid, 'MEMBER')) = 0
   AND count(*) FILTER (WHERE code IN ('mal_rule', 'mal_shared_rule')) = 2
FROM retail_kpi.alert_rules;
SQL
expect_true t7.mallory.targets rk_sec_mallory "mallory (author) sees no target of the team's certified metric" <<'SQL'
SELECT count(*) = 0 FROM retail_kpi.targets WHERE metric = 'cert_rev';
SQL
expect_true t7.mallory.history rk_sec_mallory "mallory (author) sees the history of her objects, not of others' (reasons, session users)" <<'SQL'
SELECT count(*) FILTER (WHERE code IN ('cert_rev', 'auth_metric', 'sales_rev', 'st_good')) = 0
   AND count(*) FILTER (WHERE code = 'mal_view_metric') > 0
FROM retail_kpi.catalog_history;
SQL
expect_true t7.reader.sees rk_sec_reader "a reader sees every target, alert rule and history row" <<'SQL'
SELECT (SELECT count(*) FROM retail_kpi.targets WHERE metric = 'cert_rev') > 0
   AND (SELECT count(*) FROM retail_kpi.alert_rules WHERE code IN ('mal_rule', 'auth_rule', 'st_good')) = 3
   AND (SELECT count(*) FROM retail_kpi.catalog_history WHERE code IN ('cert_rev', 'auth_metric', 'mal_view_metric')) >= 3;
SQL
expect_error t7.restrict.other rk_sec_mallory 42501 "mallory restricts the author's metric" <<<"SELECT retail_kpi.restrict_metric('auth_metric');"
expect_error t7.restrict.certified rk_sec_author 42501 "an author (member of the owner team) restricts a certified metric" <<<"SELECT retail_kpi.restrict_metric('cert_rev');"
run "$su" <<<"SELECT now();"
before_restrict=$LAST
setup_step "the author restricts his metric auth_secret" rk_sec_author <<<"SELECT retail_kpi.restrict_metric('auth_secret');"
SECRET="'{}', NULL, '2025-02-01', '2025-02-28', 'total'"
for who in rk_sec_nobody rk_sec_reader rk_sec_mallory; do
  expect_error "t7.restricted.$who" "$who" 42501 "$who (not granted) evaluates the restricted metric" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{auth_secret}', $SECRET);
SQL
done
expect_error t7.restricted.derived rk_sec_nobody 42501 "a role without grant evaluates a public derived metric over the restricted one" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{auth_secret_x2}', $SECRET);
SQL
expect_error t7.restricted.as_of rk_sec_reader 42501 "a reader (not granted; he may read the history) evaluates the restricted metric as of a time before it was restricted (as_of)" <<SQL
SELECT count(*) FROM retail_kpi.metric_values('{auth_secret,auth_secret_x2}', $SECRET, as_of => '$before_restrict');
SQL
expect_error t7.restricted.publish rk_sec_nobody 42501 "a role without grant publishes a view of the restricted metric into his own schema" <<'SQL'
SELECT retail_kpi.publish_metric_view('secret_view', '{auth_secret}', schema_name => 'nob');
SQL
expect_error t7.restricted.vs_target rk_sec_nobody 42501 "a role without grant compares the restricted metric with targets (metric_vs_target)" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_vs_target('auth_secret', '{}', NULL, '2025-02-01', '2025-02-28');
SQL
expect_ok t7.restricted.owner rk_sec_author "the owner evaluates his restricted metric" <<<"SELECT count(*) FROM retail_kpi.metric_values('{auth_secret,auth_secret_x2}', $SECRET);"
expect_ok t7.restricted.steward rk_sec_steward "a steward evaluates the restricted metric" <<<"SELECT count(*) FROM retail_kpi.metric_values('{auth_secret}', $SECRET);"
expect_error t7.grant.mallory rk_sec_mallory 42501 "mallory grants herself the restricted metric (grant_metric)" <<<"SELECT retail_kpi.grant_metric('auth_secret', 'rk_sec_mallory');"
setup_step "the author grants the restricted metric to the reader" rk_sec_author <<<"SELECT retail_kpi.grant_metric('auth_secret', 'rk_sec_reader');"
expect_ok t7.granted.reader rk_sec_reader "after grant_metric the reader evaluates the restricted metric and the derived one" <<<"SELECT count(*) FROM retail_kpi.metric_values('{auth_secret,auth_secret_x2}', $SECRET);"
expect_error t7.granted.nobody rk_sec_nobody 42501 "grant_metric to the reader lets nobody else in" <<<"SELECT count(*) FROM retail_kpi.metric_values('{auth_secret}', $SECRET);"
expect_hidden t7.grants.nobody rk_sec_nobody "a role without grant reads who was granted restricted metrics (metric_grants)" <<<"SELECT count(*) FROM retail_kpi.metric_grants;"
setup_step "the author revokes it (revoke_metric)" rk_sec_author <<<"SELECT retail_kpi.revoke_metric('auth_secret', 'rk_sec_reader');"
expect_error t7.revoked rk_sec_reader 42501 "after revoke_metric the reader is refused again" <<<"SELECT count(*) FROM retail_kpi.metric_values('{auth_secret}', $SECRET);"

# read audit
expect_error t7.audit.author rk_sec_author 42501 "an author switches the read audit off or on (set_read_audit)" <<<"SELECT retail_kpi.set_read_audit(false);"
setup_step "the steward switches the read audit on" rk_sec_steward <<<"SELECT retail_kpi.set_read_audit(true);"
expect_ok t7.audit.read rk_sec_reader "(audit on) a reader evaluates audit_me" <<<"SELECT count(*) FROM retail_kpi.metric_values('{audit_me}', $SECRET);"
expect_true t7.audit.logged rk_sec_steward "the read log has a row naming the reader and the metric" <<'SQL'
SELECT count(*) > 0 FROM retail_kpi.metric_read_log l
WHERE to_jsonb(l)::text LIKE '%rk_sec_reader%' AND to_jsonb(l)::text LIKE '%audit_me%';
SQL
expect_hidden t7.audit.reader_reads rk_sec_reader "a reader reads the read log (stewards only)" <<<"SELECT count(*) FROM retail_kpi.metric_read_log;"
expect_hidden t7.audit.author_reads rk_sec_author "an author reads the read log (stewards only)" <<<"SELECT count(*) FROM retail_kpi.metric_read_log;"
expect_error t7.audit.forge rk_sec_mallory 42501 "mallory writes a read-log row in a steward's name (row-level security: a role logs only itself)" <<'SQL'
INSERT INTO retail_kpi.metric_read_log (role_oid, role_name, session_user_name, metrics, dimensions)
VALUES ('rk_sec_steward'::regrole, 'rk_sec_steward', 'rk_sec_steward', '{forged_by_mallory}', '{}');
SQL
expect_error t7.audit.forge_call rk_sec_mallory 23514 "mallory calls the audit directly with a line break and a fake steward entry in an over-long grain: the LOG line is written in one line, the row is refused (bounded)" <<'SQL'
SELECT retail_kpi._catalog_audit_read('{cert_rev}', '{}',
    E'month from x to y\n2026-01-01 00:00:00.000 UTC [1] rk_sec_steward@rk_security LOG:  retail_kpi read audit: role rk_sec_steward (session user rk_sec_steward) read metrics {forged_by_mallory}',
    NULL, NULL, NULL);
SQL
n=$(psql_su -d "$db" -At -c "SELECT count(*) FROM retail_kpi.metric_read_log WHERE role_name <> session_user_name OR (metrics = '{cert_rev}' AND role_name <> 'rk_sec_mallory' AND grain LIKE 'month from x%')")
report t7.audit.forge_rows $((n == 0)) "no read-log row names a role other than the one that wrote it" "found $n"

expect_error t5.read_log_flood rk_sec_mallory "23514|22001|54000|42501" "mallory appends a 10 MB row in her own name to the read log directly (T5: unbounded writes)" <<'SQL'
INSERT INTO retail_kpi.metric_read_log (role_oid, role_name, session_user_name, metrics, dimensions, grain)
VALUES ('rk_sec_mallory'::regrole, 'rk_sec_mallory', 'rk_sec_mallory', ARRAY[repeat('m', 10 * 1024 * 1024)], '{}', repeat('g', 1000000));
SQL
if [[ -n $logfile ]]; then
  n=$(server_log | grep -c '^[[:space:]]*2026-01-01 00:00:00.000 UTC \[1\]' || true)
  report t7.audit.forge_log $((n == 0)) "the server log holds no audit line forged by mallory (a line break in an argument)" "found $n forged line(s) (a continuation line starting with the fake prefix)"
fi
expect_ok t7.audit.rollback rk_sec_reader "(audit on) a reader evaluates audit_rb in a transaction he rolls back" <<SQL
BEGIN;
SELECT count(*) FROM retail_kpi.metric_values('{audit_rb}', $SECRET);
ROLLBACK;
SQL
expect_ok t7.audit.read_only rk_sec_reader "(audit on) a reader evaluates audit_ro in a read-only transaction: allowed" <<SQL
BEGIN READ ONLY;
SELECT count(*) FROM retail_kpi.metric_values('{audit_ro}', $SECRET);
COMMIT;
SQL
if [[ -n $logfile ]]; then
  sleep 0.3
  for m in audit_me audit_rb audit_ro; do
    n=$(server_log | grep -E 'LOG: ' | grep -F "$m" | grep -c -F rk_sec_reader || true)
    report "t7.audit.server_log.$m" $((n > 0)) "the server log has a LOG line naming rk_sec_reader and $m (survives rollback and read-only)" \
      "expected a LOG line with rk_sec_reader and $m in $logfile, found none"
  done
else
  echo "skip - t7.audit.server_log: the server log is not available (RK_LOG unset, no logging collector)"
fi
setup_step "the steward switches the read audit off" rk_sec_steward <<<"SELECT retail_kpi.set_read_audit(false);"

# ---------------------------------------------------------------------------------------------
echo "# T8 / R4, R11: stored code is re-checked, stored SQL regenerated ($SECONDS s)"

setup_step "the steward writes stw.bump(numeric) (IMMUTABLE) and allow-lists it; the author uses it" rk_sec_steward <<'SQL'
CREATE FUNCTION stw.bump(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
SELECT retail_kpi.allow_function('bump', 'stw.bump', 'both', 'adds one');
SQL
setup_step "the author defines a derived metric and a measure (expression and filter) calling bump()" rk_sec_author <<'SQL'
SELECT retail_kpi.define_metric('bumped', 'Bumped revenue', 'derived', expression => 'bump(rev)');
SELECT retail_kpi.define_measure('bumped_m', 'sales', 'sum', 'bump(revenue)', filter => 'bump(units) > 1');
SELECT retail_kpi.define_metric('bumped_row', 'Bumped rows', measure => 'bumped_m');
SQL
BUMP="SELECT count(*) FROM retail_kpi.metric_values('{bumped}', '{}', NULL, '2025-02-01', '2025-02-28', 'total');"
expect_error t8.allow.author rk_sec_author 42501 "an author extends the function allow-list (allow_function)" <<'SQL'
SELECT retail_kpi.allow_function('my_spy', 'mal.spy', 'both');
SQL
expect_true t8.bump.before rk_sec_reader "(before the replacement) a reader evaluates the metric calling the steward's allow-listed function" <<'SQL'
SELECT v.exact_value = (SELECT sum(revenue) + 1 FROM etl.sales WHERE sale_date BETWEEN '2025-02-01' AND '2025-02-28')
FROM retail_kpi.metric_values('{bumped}', '{}', NULL, '2025-02-01', '2025-02-28', 'total') v;
SQL
setup_step "the steward replaces stw.bump by a VOLATILE function (CREATE OR REPLACE)" rk_sec_steward <<'SQL'
CREATE OR REPLACE FUNCTION stw.bump(x numeric) RETURNS numeric LANGUAGE sql VOLATILE AS 'SELECT x + 1';
SQL
expect_error t8.volatile rk_sec_reader 22023 "a reader evaluates the metric after its allow-listed function was replaced by a VOLATILE one" <<<"$BUMP"
setup_step "the steward makes it IMMUTABLE again and (by mistake) grants CREATE on his schema to mallory" rk_sec_steward <<'SQL'
CREATE OR REPLACE FUNCTION stw.bump(x numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT x + 1';
GRANT CREATE ON SCHEMA stw TO rk_sec_mallory;
SQL
expect_ok t8.immutable_again rk_sec_reader "(IMMUTABLE again) a reader evaluates the metric" <<<"$BUMP"
setup_step "mallory adds an overload stw.bump(float8) that calls her spy" rk_sec_mallory <<'SQL'
CREATE FUNCTION stw.bump(x float8) RETURNS float8 LANGUAGE plpgsql IMMUTABLE
    AS $$BEGIN PERFORM mal.spy('overload stw.bump(float8)'); RETURN x + 1; END$$;
SQL
expect_error t8.overload rk_sec_reader 42501 "a reader evaluates the metric after mallory added an overload of the allow-listed function in its schema" <<<"$BUMP"
expect_error t8.overload.row rk_sec_reader 42501 "the same through a measure whose expression and filter call the function" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{bumped_row}', '{}', NULL, '2025-02-01', '2025-02-28', 'total');
SQL
expect_error t8.fold rk_sec_author 42501 "an author defines a metric calling bump(2): resolved to mallory's overload bump(float8), which the type check would fold, running her code" <<'SQL'
SELECT retail_kpi.define_metric('bump_const', 'Bump const', 'derived', expression => 'bump(2) * rev');
SQL
expect_error t8.allow.untrusted rk_sec_steward 42501 "a steward allow-lists mallory's IMMUTABLE function mal.twice (owned by an untrusted role)" <<'SQL'
SELECT retail_kpi.allow_function('twice', 'mal.twice', 'metric', 'doubles');
SQL
baseline t8_values rk_sec_reader <<<"$CLEAN SELECT * FROM retail_kpi.metric_values('{rev,cert_ratio,cert_gmr}', '{region}', NULL, '2025-01-01', '2025-03-31', 'month');"
setup_step "the superuser edits compiled_sql of a measure and of a derived metric behind the API (one of them calls mallory's view)" "$su" <<'SQL'
CREATE TABLE sec.saved AS SELECT 'measure' AS t, code, compiled_sql FROM retail_kpi.measures WHERE code = 'sales_rev'
    UNION ALL SELECT 'metric', code, compiled_sql FROM retail_kpi.metrics WHERE code = 'cert_gmr';
UPDATE retail_kpi.measures SET compiled_sql = '(pg_catalog.sum("revenue") * 1000 + (SELECT pg_catalog.count(*) FROM mal.spy_view))'
WHERE code = 'sales_rev';
UPDATE retail_kpi.metrics SET compiled_sql = '(1000 + (SELECT pg_catalog.count(*) FROM mal.spy_view))' WHERE code = 'cert_gmr';
SQL
same_as t8.compiled_sql rk_sec_reader "a reader evaluates metrics whose stored compiled_sql was edited behind the API: regenerated, same numbers, nothing of mallory runs" "$tmp/t8_values" <<<"$CLEAN SELECT * FROM retail_kpi.metric_values('{rev,cert_ratio,cert_gmr}', '{region}', NULL, '2025-01-01', '2025-03-31', 'month');"
setup_step "the superuser restores compiled_sql" "$su" <<'SQL'
UPDATE retail_kpi.measures m SET compiled_sql = s.compiled_sql FROM sec.saved s WHERE s.t = 'measure' AND m.code = s.code;
UPDATE retail_kpi.metrics m SET compiled_sql = s.compiled_sql FROM sec.saved s WHERE s.t = 'metric' AND m.code = s.code;
SQL

# ---------------------------------------------------------------------------------------------
echo "# R12: a pre-aggregate answers only what the raw rows would (routing) ($SECONDS s)"

setup_step "the steward defines and refreshes day x store pre-aggregates of the team's sources" rk_sec_steward <<'SQL'
SELECT retail_kpi.define_preaggregate('sec_sales_day', 'sales', '{store,region}', '{sales_rev,sales_lines,sales_margin,sales_north_gp}');
SELECT retail_kpi.refresh_preaggregate('sec_sales_day', NULL, '2025-03-15');
SELECT retail_kpi.define_preaggregate('sec_traffic_day', 'traffic', '{store,region}', '{sales_visitors}');
SELECT retail_kpi.refresh_preaggregate('sec_traffic_day', NULL, '2025-03-15');
SQL
expect_true r12.routed rk_sec_reader "control: a reader's request is answered from the steward's pre-aggregates (the SQL names them)" <<SQL
SELECT $SQLREQ LIKE '%from pre-aggregate "sec_sales_day"%from pre-aggregate "sec_traffic_day"%'
    OR $SQLREQ LIKE '%from pre-aggregate "sec_traffic_day"%from pre-aggregate "sec_sales_day"%';
SQL
same_as r12.same_numbers rk_sec_reader "a reader's routed request gives the rows of the raw baseline (clean search_path)" "$tmp/t4_req1" <<<"$CLEAN SELECT * FROM $REQ1;"
same_as r12.evil_path rk_sec_reader "the routed request with evil first on the search_path: the same rows, nothing of mallory runs" "$tmp/t4_req1" <<<"$EVIL SELECT * FROM $REQ1;"
same_as r12.evil_gexec rk_sec_reader "the text of the routed metric_sql run by the reader (\\gexec) with evil first on the search_path" "$tmp/t4_req1" <<EOSQL
$EVIL
SELECT $SQLREQ \\gexec
EOSQL
expect_error r12.plant.insert rk_sec_mallory 42501 "mallory inserts a forged row into the steward's pre-aggregate table" <<'SQL'
INSERT INTO retail_kpi_preagg.sec_sales_day (period_start, store, region, sales_rev) VALUES ('2025-01-05', 1, 'north', 1e9);
SQL
expect_error r12.plant.invalidations rk_sec_mallory 42501 "mallory deletes the invalidation log so that stale stored periods would be read" <<'SQL'
DELETE FROM retail_kpi.preaggregate_invalidations;
SQL
expect_error r12.plant.watermark rk_sec_mallory 42501 "mallory moves the watermark forward so that the raw tail would be skipped" <<'SQL'
UPDATE retail_kpi.preaggregates SET watermark = '2030-01-01';
SQL
expect_error r12.refresh_other rk_sec_mallory 42501 "mallory refreshes the steward's pre-aggregate" <<'SQL'
SELECT retail_kpi.refresh_preaggregate('sec_sales_day');
SQL
expect_error r12.drop_other rk_sec_mallory 42501 "mallory drops the steward's pre-aggregate" <<'SQL'
SELECT retail_kpi.drop_preaggregate('sec_sales_day');
SQL
expect_error r12.schema rk_sec_mallory 42501 "mallory creates a table in schema retail_kpi_preagg" <<'SQL'
CREATE TABLE retail_kpi_preagg.mine (x int);
SQL
# _catalog_run (metric_values runs the compiled SQL through it, with kept plans) is no way around
# privileges, nor a way to write
expect_error r12.run.read rk_sec_mallory 42501 "mallory reads the spy log (INSERT only) through retail_kpi._catalog_run" <<'SQL'
SELECT * FROM retail_kpi._catalog_run('SELECT count(*) FROM sec.log') AS t(n bigint);
SQL
expect_error r12.run.write rk_sec_mallory 0A000 "mallory empties the canary through retail_kpi._catalog_run (a data-modifying WITH)" <<'SQL'
SELECT * FROM retail_kpi._catalog_run('WITH d AS (DELETE FROM sec.canary RETURNING x) SELECT x FROM d') AS t(x int);
SQL
expect_true r12.run.canary rk_sec_reader "the canary still holds its row" <<'SQL'
SELECT count(*) = 1 FROM sec.canary;
SQL
# revoking SELECT on the source from the readers takes it away from the stored rows at once
psql_su -d "$db" -q -c "REVOKE SELECT ON etl.sales FROM PUBLIC" || echo "FAIL - setup: revoke"
expect_error r12.revoked.values rk_sec_reader 42501 "SELECT on the source revoked: the reader's metric_values errors (not the stored numbers)" <<<"SELECT count(*) FROM $REQ1;"
expect_hidden r12.revoked.table rk_sec_reader "SELECT on the source revoked: the reader reads the pre-aggregate table directly" <<'SQL'
SELECT count(*) FROM retail_kpi_preagg.sec_sales_day;
SQL
# column privileges only: the reader may read the raw columns, not the stored rows; routing reads raw rows
psql_su -d "$db" -q -c "GRANT SELECT (sale_date, store_id, region, revenue, cost, units, txn) ON etl.sales TO rk_sec_reader" || echo "FAIL - setup: column grant"
expect_true r12.column_privileges rk_sec_reader "with column privileges only, the request is answered from raw rows (the SQL says why) with the raw numbers" <<SQL
SELECT $SQLREQ LIKE '%source "sales" from raw rows: rk_sec_reader has no table-level SELECT%'
   AND (SELECT count(*) FROM $REQ1) > 0;
SQL
psql_su -d "$db" -q -c "REVOKE SELECT (sale_date, store_id, region, revenue, cost, units, txn) ON etl.sales FROM rk_sec_reader" -c "GRANT SELECT ON etl.sales TO PUBLIC" || echo "FAIL - setup: re-grant"
expect_true r12.regranted rk_sec_reader "SELECT granted again: the reader reads the pre-aggregate again" <<'SQL'
SELECT count(*) > 0 FROM retail_kpi_preagg.sec_sales_day;
SQL
# row-level security switched on by the table's owner after the pre-aggregate exists: raw rows, her policy applies
psql_su -d "$db" -q <<'SQL' || echo "FAIL - setup: RLS"
ALTER TABLE etl.sales ENABLE ROW LEVEL SECURITY;
CREATE POLICY r12_north ON etl.sales FOR SELECT USING (region = 'north');
SQL
expect_true r12.rls rk_sec_reader "row-level security enabled on the source: the reader's answer is from raw rows under the policy (north only)" <<SQL
SELECT $SQLREQ LIKE '%source "sales" from raw rows: its relation has row-level security%'
   AND (SELECT array_agg(DISTINCT dimension_values->>'region') FROM $REQ1 WHERE metric = 'rev' AND value IS NOT NULL) = '{north}';
SQL
psql_su -d "$db" -q -c "DROP POLICY r12_north ON etl.sales" -c "ALTER TABLE etl.sales DISABLE ROW LEVEL SECURITY" || echo "FAIL - setup: RLS off"
setup_step "the steward drops the pre-aggregates" rk_sec_steward <<'SQL'
SELECT retail_kpi.drop_preaggregate('sec_sales_day'), retail_kpi.drop_preaggregate('sec_traffic_day');
SQL

# ---------------------------------------------------------------------------------------------
echo "# SQL injection through codes, labels, filter values and identifiers ($SECONDS s)"

expect_error inj.code.dimension rk_sec_author 22023 "an author defines a dimension whose code holds a quote and a statement" <<'SQL'
SELECT retail_kpi.define_dimension('re"gion''; DROP TABLE sec.canary; --', 'X');
SQL
expect_error inj.code.metric_values rk_sec_reader "22023|42704" "a reader requests a metric code holding a quote and a statement" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{"rev\"; DROP TABLE sec.canary; --"}');
SQL
expect_error inj.code.dimension_request rk_sec_reader "22023|42704" "a reader requests a dimension name holding quotes" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{rev}', ARRAY['region"); DROP TABLE sec.canary; --']);
SQL
expect_error inj.filter.key rk_sec_reader "22023|42704" "a reader filters on a dimension name holding quotes" <<'SQL'
SELECT count(*) FROM retail_kpi.metric_values('{rev}', '{}', '{"region\" = region OR true; --": "x"}');
SQL
expect_true inj.filter.value rk_sec_reader "a reader filters on a value holding quotes and a statement: compared as a literal (no row)" <<'SQL'
SELECT count(*) = 0 FROM retail_kpi.metric_values('{rev}', '{region}', '{"region": ["north'' OR ''1''=''1", "x\"; DROP TABLE sec.canary; --"]}',
                                                  '2025-01-01', '2025-03-31', 'month');
SQL
expect_true inj.label rk_sec_author "an author's labels and description with quotes and statements are stored verbatim as data" <<'SQL'
SELECT retail_kpi.define_metric('inj_label', E'It''s "quoted"; DROP TABLE sec.canary; --', measure => 'auth_rev',
                                label_zh => '$$; DROP TABLE sec.canary; $$', description => E'\\''; --');
SELECT label_en = E'It''s "quoted"; DROP TABLE sec.canary; --' AND label_zh = '$$; DROP TABLE sec.canary; $$'
   AND description = E'\\''; --'
FROM retail_kpi.metrics WHERE code = 'inj_label';
SQL
expect_error inj.time_column rk_sec_author 42703 "an author defines a source whose time column holds a statement" <<'SQL'
SELECT retail_kpi.define_source('inj_src', 'etl.sales', 'sale_date; DROP TABLE sec.canary; --', '{"region": "region"}');
SQL
expect_error inj.dimension_column rk_sec_author 42703 "an author maps a dimension to a column name holding a quote and a statement" <<'SQL'
SELECT retail_kpi.define_source('inj_src', 'etl.sales', 'sale_date', '{"region": "region\"; DROP TABLE sec.canary; --"}');
SQL
expect_true inj.quoted_identifiers rk_sec_author "a source whose column names need quoting (quote, double quote, space, semicolon) works and gives the plain-SQL numbers" <<'SQL'
SELECT retail_kpi.define_source('weird', 'etl.weird', 'sale date', '{"store": "st''ore", "region": "re\"gion"}');
SELECT retail_kpi.define_measure('weird_amount', 'weird', 'sum', '"rev; drop table sec.canary; --"');
SELECT retail_kpi.define_metric('weird_metric', 'Weird', measure => 'weird_amount');
SELECT count(*) = 2 AND bool_and(v.exact_value = w.total)
FROM retail_kpi.metric_values('{weird_metric}', '{region}', '{"region": ["n''orth", "so\"uth"]}', '2025-02-01', '2025-02-28', 'total') v
JOIN (SELECT "re""gion" AS region, sum("rev; drop table sec.canary; --") AS total FROM etl.weird GROUP BY 1) w
  ON w.region = v.dimension_values->>'region';
SQL
expect_error inj.expression rk_sec_author "22023|42601" "an author's measure expression closes the aggregate and adds a statement" <<'SQL'
SELECT retail_kpi.define_measure('inj_expr', 'sales', 'sum', 'revenue); DROP TABLE sec.canary; --');
SQL
expect_error inj.expression_subquery rk_sec_author 22023 "an author's measure expression holds a subquery over mallory's view" <<'SQL'
SELECT retail_kpi.define_measure('inj_sub', 'sales', 'sum', 'revenue + (SELECT count(*) FROM mal.spy_view)');
SQL
expect_true_or inj.publish_name rk_sec_steward 22023 "a steward publishes a view whose name holds quotes and a statement (an odd name or 22023, nothing else)" <<'SQL'
SELECT retail_kpi.publish_metric_view('v"; DROP TABLE sec.canary; --', '{rev}', schema_name => 'pub') IS NOT NULL;
SQL
expect_true_or inj.publish_schema rk_sec_steward "22023|3F000" "a steward publishes into a schema name holding quotes and a statement (an error, nothing else)" <<'SQL'
SELECT retail_kpi.publish_metric_view('v_inj', '{rev}', schema_name => 'pub"; DROP TABLE sec.canary; --') IS NULL;
SQL
expect_true inj.canary "$su" "after every injection attempt the canary table is intact" <<<"SELECT count(*) = 1 FROM sec.canary;"

# ---------------------------------------------------------------------------------------------
echo "# the server after the attacks ($SECONDS s)"

if [[ -n $logfile ]]; then
  bad=$(server_log | grep -E 'server process .* (was terminated|exited with exit code)|terminated by signal|out of memory|PANIC' | head -n 5)
  report server.log $([[ -z $bad ]] && echo 1 || echo 0) "the server log shows no crash, no out of memory, no PANIC" "found: $bad"
else
  echo "skip - server.log: the server log is not available (RK_LOG unset, no logging collector): crashes not checked"
fi
run "$su" <<<"SELECT 1;"
report server.alive $((RC == 0)) "the server still accepts connections" "got $(got)"

echo "$passed passed, $failed failed, $pending pending"
((failed == 0))
