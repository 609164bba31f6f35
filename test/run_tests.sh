#!/usr/bin/env bash
# test/run_tests.sh: the test command (`make test`).
#
# Build (-Werror), install into a private copy of PostgreSQL 15, start a throwaway cluster, run the
# pg_regress suite (sql/ + expected/, `make installcheck`), then every test/t_*.sh script, and print
# "N passed, N failed".  Exits non-zero on any failure.  Everything is stopped and removed at the end.
#
# Each test/t_*.sh runs with bash, gets the cluster through PGHOST/PGPORT/PGUSER/PGDATABASE (a
# superuser, database postgres, extension installable but not created) and the repository
# directory as $1; RK_BINDIR (psql, pg_dump ...) and RK_TMP (scratch space) are exported too.  It
# passes by exiting 0.
#
# The throwaway cluster is always used (PG* variables are ignored) unless RK_USE_EXISTING=1, which
# runs the suite against the server given by the PG* variables instead (after `make install` there).
set -euo pipefail
# shellcheck source=test/cluster.sh
. "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
repo=$RK_REPO
started=$SECONDS

# A failure before the tests run (build, install, cluster) still ends with the summary line.
setup_done=0
setup_failed() {
  ((setup_done)) && return 0
  echo "setup failed before any test ran (see the messages above)"
  echo "0 passed, 1 failed"
}
RK_ERROR_HOOK=setup_failed

if [[ ${RK_USE_EXISTING:-0} == 1 ]]; then
  rk_ensure_postgres
  rk_build
  rk_use_existing
  pg_config=$RK_SYS_PG_CONFIG
else
  rk_clear_pg_env
  rk_start_throwaway
  pg_config=$RK_PG_CONFIG
fi

setup_done=1
passed=0
failed=0
failures=()

# ---- pg_regress
shopt -s nullglob
regress_files=("$repo"/sql/*.sql)
if ((${#regress_files[@]} == 0)); then
  rk_say "no pg_regress tests (sql/*.sql) yet"
else
  rk_say "pg_regress: ${#regress_files[@]} tests (make installcheck)"
  rm -f "$repo/regression.out" "$repo/regression.diffs"
  out=$RK_TMP/installcheck.out      # pg_regress deletes regression.out when all pass: keep a copy
  exec 3> >(tee "$out")
  tee_pid=$!
  rc=0
  rk_run make -C "$repo" --no-print-directory PG_CONFIG="$pg_config" installcheck >&3 2>&1 || rc=$?
  exec 3>&-
  wait "$tee_pid" 2>/dev/null || true
  # pg_regress's result lines: PostgreSQL <= 15 "test foo ... ok", "... FAILED",
  # "... failed (ignored)"; PostgreSQL >= 16 (TAP) "ok 1 - foo", "not ok 2 - bar".
  r_ok=$(grep -cE '\.\.\. ok|^ok [0-9]+ ' "$out" || true)
  r_fail=$(grep -ciE '\.\.\. failed|^not ok [0-9]+ ' "$out" || true)
  while read -r name; do failures+=("pg_regress: $name"); done < <(
    sed -nE 's/^ *(test +)?([^ ]+) +\.\.\. (FAILED|failed).*/\2/p; s/^not ok [0-9]+ +- +([^ ]+).*/\1/p' "$out")
  if ((rc != 0 && r_fail == 0)); then
    r_fail=1                       # pg_regress itself failed (could not create the database ...)
    failures+=("pg_regress (make installcheck exited with $rc)")
  fi
  passed=$((passed + r_ok))
  failed=$((failed + r_fail))
  if ((r_fail > 0)) && [[ -s $repo/regression.diffs ]]; then
    echo "======================== regression.diffs ========================"
    lines=$(wc -l <"$repo/regression.diffs")
    head -n 3000 "$repo/regression.diffs"
    ((lines <= 3000)) || echo "... ($lines lines in all: $repo/regression.diffs)"
    echo "=================================================================="
  fi
fi

# ---- test/t_*.sh scripts
scripts=("$repo"/test/t_*.sh)
if ((${#scripts[@]} == 0)); then
  rk_say "no test/t_*.sh scripts yet"
fi
for t in "${scripts[@]}"; do
  name=${t#"$repo"/}
  rk_say "running $name"
  t0=$SECONDS
  rc=0
  rk_run bash "$t" "$repo" || rc=$?
  if ((rc == 0)); then
    passed=$((passed + 1))
    echo "ok      $name ($((SECONDS - t0)) s)"
  else
    failed=$((failed + 1))
    failures+=("$name (exit $rc)")
    echo "FAILED  $name (exit $rc, $((SECONDS - t0)) s)"
  fi
done

if ((failed > 0)); then
  echo "failed:"
  printf '  %s\n' "${failures[@]}"
  if [[ -n ${RK_LOG:-} && -f $RK_LOG ]]; then
    echo "---- last lines of the server log ($RK_LOG) ----"
    tail -n 40 "$RK_LOG"
  fi
fi
rk_say "tests finished in $((SECONDS - started)) s"
echo "$passed passed, $failed failed"
((failed == 0))
