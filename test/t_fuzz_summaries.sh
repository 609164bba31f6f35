#!/usr/bin/env bash
# test/t_fuzz_summaries.sh: fuzzing of every summary type (docs/hardening.md).
#
# For every base type of schema retail_kpi whose input function is our C code (found in pg_type,
# so a new summary type is covered without editing this script), valid values are built by the
# type's aggregates over generated rows (test/fuzz/summaries.sql), then
#   - their TEXT form is mutated (truncation at every position, junk, replaced characters,
#     deleted spans, wrong versions, numbers replaced by huge/tiny/odd ones, duplicated, dropped
#     and swapped fields, very long inputs, whole-input specials) and read with the input function;
#   - their BINARY form (send) is mutated (truncation, byte and bit flips, extensions, 32-bit
#     fields made huge/negative/zero, wrong versions, deleted and duplicated spans) and read by the
#     receive function through COPY (FORMAT binary) of a bytea value into a column of the type
#     (the file lives in the server's data directory);
#   - pairs of summaries that may disagree (promo windows, mutants accepted above) are rolled up;
#   - every function and aggregate of the extension is called (FUZZ_CASES/60 times, at least 10)
#     with arguments drawn from pools of odd values (NULL, NaN, infinities, extreme numbers and
#     dates, empty and long strings, the valid and mutated summaries): any SQLSTATE is fine except
#     an internal error (XX), a protocol/system error (08, 58), 53 (resources) or an assertion.
# Each case must be accepted -- then in(out(x)) = x, send(in(out(x))) = send(x), and every
# one-argument accessor works or fails with 22003/22023/54000 -- or be rejected with a documented
# SQLSTATE: text 22P02 (22003/54000 for out-of-range numbers or sizes), binary 22000 (22P02, 22003,
# 54000, and 22021 for a string that is not valid in the server encoding); a rollup works or fails
# with 22023/22003/54000, and must fail with 22023 for summaries of different windows.
# Finally the server log must not show a crash, an assertion failure, a PANIC or "out of memory".
#
#   FUZZ_CASES=N   text cases per type (default 2400; binary cases are half as many, rollup
#                  pairs a tenth).  Long run: FUZZ_CASES=30000 (see docs/hardening.md).
#   FUZZ_SEED=S    a number in [0, 1) for setseed (default 0.42); the run is deterministic.
# Run by test/run_tests.sh with the cluster in PG* variables and the repository as $1; by hand:
#   test/cluster.sh run bash test/t_fuzz_summaries.sh .   (or with your own server in PG*)
set -euo pipefail
repo=${1:?usage: t_fuzz_summaries.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
cases=${FUZZ_CASES:-2400}
seed=${FUZZ_SEED:-0.42}
db=rk_fuzz_summaries
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

[[ $cases =~ ^[0-9]+$ ]] || { echo "FUZZ_CASES must be a number"; exit 2; }
bcases=$((cases / 2))
pairs=$((cases / 10 > 20 ? cases / 10 : 20))
calls=$((cases / 60 > 10 ? cases / 60 : 10))

# The server log: the harness's (RK_LOG), else the logging collector's file, else none.
log=${RK_LOG:-}
if [[ -z $log ]]; then
  log=$(psql -d postgres -At -c "SELECT CASE WHEN pg_current_logfile() IS NULL THEN ''
                                   WHEN pg_current_logfile() LIKE '/%' THEN pg_current_logfile()
                                   ELSE current_setting('data_directory') || '/' || pg_current_logfile() END" 2>/dev/null || true)
fi
log_start=0
if [[ -n $log && -r $log ]]; then
  log_start=$(stat -c %s "$log")
else
  echo "note: the server log is not readable here (set RK_LOG): only the connection is checked"
  log=
fi

cleanup() { psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
psql -d postgres -c "CREATE DATABASE $db"
psql -d "$db" -c "CREATE EXTENSION retail_kpi"
psql -d "$db" -f "$repo/test/fuzz/summaries.sql" -o /dev/null
file=$(psql -d "$db" -At -c "SELECT current_setting('data_directory') || '/rk_fuzz_summaries.bin'")

types=$(psql -d "$db" -At -c "SELECT typ FROM rk_fuzz.types ORDER BY name")
echo "summary types: $(echo "$types" | sed 's/retail_kpi\.//' | paste -sd' ' -)"
psql -d "$db" -At -F ' ' -c "SELECT name, count(b.id) FROM rk_fuzz.types t LEFT JOIN rk_fuzz.base b
                              ON b.typ = t.typ GROUP BY name ORDER BY name" |
  while read -r name n; do echo "  $name: $n valid values built by its aggregates"; done
missing=$(psql -d "$db" -At -c "SELECT string_agg(name, ', ') FROM rk_fuzz.types t
                                 WHERE NOT EXISTS (SELECT 1 FROM rk_fuzz.base b WHERE b.typ = t.typ)")
if [[ -n $missing ]]; then
  echo "FAILED: no valid values could be built for: $missing (teach arg_expr() in test/fuzz/summaries.sql its aggregate's argument types)"
  exit 1
fi

crashed=0
for typ in $types; do
  for step in "fuzz_text('$typ', $cases, $seed)" "fuzz_binary('$typ', $bcases, $seed, '$file')" \
              "fuzz_combine('$typ', $pairs, $seed)"; do
    t0=$SECONDS
    if ! psql -d "$db" -c "SELECT rk_fuzz.$step" -o /dev/null; then
      echo "FAILED: rk_fuzz.$step did not complete (the backend died or the run broke)"
      echo "  re-run with tracing to see the last case: add 'true' as the last argument of"
      echo "  rk_fuzz.fuzz_text/fuzz_binary (each case is printed before it runs)"
      crashed=1
      break 2
    fi
    echo "  $typ: $step ($((SECONDS - t0)) s)"
  done
done

if ((crashed == 0)); then
  t0=$SECONDS
  if ! psql -d "$db" -c "SET client_min_messages = warning" \
       -c "SELECT rk_fuzz.fuzz_functions($calls, $seed)" -o /dev/null; then
    echo "FAILED: rk_fuzz.fuzz_functions($calls, $seed) did not complete (the backend died?)"
    crashed=1
  fi
  echo "  every function and aggregate: fuzz_functions($calls calls each) ($((SECONDS - t0)) s)"
fi

echo "outcomes (type, form, result, cases):"
psql -d "$db" -At -F ' | ' -c "SELECT replace(typ::text, 'retail_kpi.', ''), form, result, sum(n)
                                FROM rk_fuzz.outcome WHERE form <> 'call'
                                GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" | sed 's/^/  /'
echo "function calls with odd arguments (SQLSTATE or ok, calls, functions):"
psql -d "$db" -At -F ' | ' -c "SELECT result, sum(n), count(DISTINCT kind) FROM rk_fuzz.outcome
                                WHERE form = 'call' GROUP BY 1 ORDER BY 2 DESC" | sed 's/^/  /'
total=$(psql -d "$db" -At -c "SELECT coalesce(sum(n), 0) FROM rk_fuzz.outcome")
nfail=$(psql -d "$db" -At -c "SELECT count(*) FROM rk_fuzz.failures")
echo "$total cases in all"
status=0
if ((nfail > 0)); then
  echo "FAILED: $nfail cases neither accepted cleanly nor rejected with a documented SQLSTATE:"
  psql -d "$db" -At -F ' | ' -c "SELECT replace(typ::text, 'retail_kpi.', ''), form, kind, stage, sqlstate,
                                        left(message, 300), left(input, 300)
                                 FROM rk_fuzz.failures ORDER BY 1, 2, 3 LIMIT 30" | sed 's/^/  /'
  status=1
fi
((crashed == 0)) || status=1

if [[ -n $log ]]; then
  bad=$(tail -c +"$((log_start + 1))" "$log" |
        grep -E 'terminated by signal|TRAP:|PANIC|out of memory|server process .* was terminated|Assert' || true)
  if [[ -n $bad ]]; then
    echo "FAILED: the server log shows:"
    echo "$bad" | head -n 20 | sed 's/^/  /'
    status=1
  else
    echo "server log ($log): no crash, assertion failure, PANIC or out of memory"
  fi
fi
((status == 0)) && echo "fuzz: all cases accepted with a round trip or rejected with a documented SQLSTATE"
exit "$status"
