#!/usr/bin/env bash
# test/t_sqlsmith.sh: random SQL from sqlsmith against the extension and the demo data set
# (docs/hardening.md).
#
# Loads test/demo/generate.sql (scale 0.1) and test/fuzz/sqlsmith_setup.sql (stored summaries of
# every family, an unprivileged role with statement_timeout 1s) into a scratch database, runs
# sqlsmith with a fixed seed for a number of queries under a time limit, then checks the server
# log: no backend terminated by a signal, no assertion failure (TRAP), no PANIC, no "out of
# memory".  sqlsmith's own errors (syntax, types, permissions, timeouts) are expected and ignored.
# On a finding, the log lines and the last queries are kept under test/fuzz/findings/.
#
#   SMITH_QUERIES=N  queries (default 3000)        SMITH_SEED=S  sqlsmith's seed (default 42)
#   SMITH_TIME=T     time limit in seconds (default 170; sqlsmith is stopped then, which is fine)
# Long run (documented in docs/hardening.md):
#   SMITH_QUERIES=20000 SMITH_TIME=900 test/cluster.sh run bash test/t_sqlsmith.sh .
#
# sqlsmith (Debian package `sqlsmith`) is installed with apt-get when missing and we are root;
# otherwise the test is skipped with the command to run -- except under CI=true, where a missing
# sqlsmith is a failure.
set -euo pipefail
repo=${1:?usage: t_sqlsmith.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
nq=${SMITH_QUERIES:-3000}
seed=${SMITH_SEED:-42}
limit=${SMITH_TIME:-170}
db=rk_sqlsmith
role=rk_sqlsmith
tmp=${RK_TMP:-$(mktemp -d)}/sqlsmith.$$
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

if ! command -v sqlsmith >/dev/null; then
  cmd="apt-get install -y sqlsmith"
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "installing sqlsmith: $cmd"
    DEBIAN_FRONTEND=noninteractive apt-get install -y sqlsmith </dev/null >/dev/null 2>&1 ||
      { apt-get update </dev/null >/dev/null 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y sqlsmith </dev/null >/dev/null 2>&1; } || true
  fi
  if ! command -v sqlsmith >/dev/null; then
    if [[ ${CI:-} == true ]]; then
      echo "FAILED: sqlsmith is not installed and could not be installed ($cmd, as root)"
      exit 1
    fi
    echo "skipped: sqlsmith is not installed; install it with:  sudo $cmd"
    exit 0
  fi
fi

mkdir -p "$tmp"
cleanup() {
  psql -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  psql -d postgres -c "DROP ROLE IF EXISTS $role" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
cleanup
mkdir -p "$tmp"

# The server log: the harness's (RK_LOG), else the logging collector's file.
log=${RK_LOG:-}
if [[ -z $log ]]; then
  log=$(psql -d postgres -At -c "SELECT CASE WHEN pg_current_logfile() IS NULL THEN ''
                                   WHEN pg_current_logfile() LIKE '/%' THEN pg_current_logfile()
                                   ELSE current_setting('data_directory') || '/' || pg_current_logfile() END" 2>/dev/null || true)
fi
if [[ -z $log || ! -r $log ]]; then
  if [[ ${CI:-} == true ]]; then
    echo "FAILED: the server log is not readable (set RK_LOG), so crashes cannot be detected"
    exit 1
  fi
  echo "skipped: the server log is not readable here (set RK_LOG to its path)"
  exit 0
fi

t0=$SECONDS
psql -d postgres -c "CREATE DATABASE $db"
psql -d "$db" -c "CREATE EXTENSION retail_kpi"
psql -d "$db" -v scale=0.1 -v seed=42 -f "$repo/test/demo/generate.sql" >/dev/null 2>"$tmp/generate.err" ||
  { cat "$tmp/generate.err"; echo "FAILED: loading the demo data set"; exit 1; }
echo "demo data set (scale 0.1) and stored summaries loaded in $((SECONDS - t0)) s:"
psql -d "$db" -v role="$role" -f "$repo/test/fuzz/sqlsmith_setup.sql" -At -F ' ' |
  while read -r m n types; do echo "  $m margin summary rows, $n stored summary texts; types: $types"; done

log_start=$(stat -c %s "$log")
target="host=${PGHOST:-/tmp} port=${PGPORT:-5432} dbname=$db user=$role"
echo "sqlsmith --seed=$seed --max-queries=$nq --exclude-catalog (time limit ${limit}s)"
t0=$SECONDS
rc=0
timeout -k 10 "$limit" sqlsmith --target="$target" --seed="$seed" --max-queries="$nq" \
  --exclude-catalog --verbose --dump-all-queries >"$tmp/queries.sql" 2>"$tmp/report.txt" </dev/null || rc=$?
elapsed=$((SECONDS - t0))
queries=$(grep -c ';$' "$tmp/queries.sql" || true)
ours=$(grep -o 'retail_kpi\.[a-z_0-9]*' "$tmp/queries.sql" | sort | uniq -c | sort -rn || true)
echo "sqlsmith exited with $rc after ${elapsed}s; about $queries queries generated"
grep -E '^error rate' "$tmp/report.txt" | tail -n 1 | sed 's/^/  /' || true
echo "calls/references to the extension's objects (top 25 of $(echo "$ours" | grep -c . || true)):"
echo "$ours" | head -n 25 | awk '{printf "  %6d %s\n", $1, $2}'

status=0
case $rc in
  0) ;;
  124|137) echo "note: stopped by the time limit (${limit}s), not a failure" ;;
  *) echo "FAILED: sqlsmith exited with $rc:"; tail -n 20 "$tmp/report.txt" | sed 's/^/  /'; status=1 ;;
esac

bad=$(tail -c +"$((log_start + 1))" "$log" |
      grep -E -A2 'terminated by signal|TRAP:|PANIC|out of memory|was terminated by' || true)
oom=$(grep -i 'out of memory' "$tmp/report.txt" || true)
if [[ -n $bad || -n $oom ]]; then
  status=1
  finding=$repo/test/fuzz/findings/sqlsmith-seed$seed-$(date -u +%Y%m%dT%H%M%S).txt
  mkdir -p "$(dirname "$finding")"
  {
    echo "# sqlsmith --seed=$seed --max-queries=$nq --exclude-catalog (test/t_sqlsmith.sh)"
    echo "# server log:"
    echo "$bad" | head -c 20000
    [[ -z $oom ]] || { echo "# sqlsmith's error report:"; echo "$oom" | head -c 5000; }
    echo "# last queries sent:"
    tail -c 20000 "$tmp/queries.sql"
  } >"$finding"
  echo "FAILED: the server log shows a crash, an assertion failure, a PANIC or out of memory:"
  echo "$bad" | head -n 30 | sed 's/^/  /'
  [[ -z $oom ]] || echo "$oom" | head -n 5 | sed 's/^/  /'
  echo "kept in ${finding#"$repo"/}"
else
  echo "server log: no backend terminated by a signal, no assertion failure, no PANIC, no out of memory"
fi
exit "$status"
