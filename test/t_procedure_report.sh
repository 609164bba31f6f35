#!/usr/bin/env bash
# test/t_procedure_report.sh: a psql-driven stored-procedure report (issue 6, "Real clients"):
# a PL/pgSQL PROCEDURE builds a monthly KPI table from metric_values and stored summaries, CALLed
# the way a finance team schedules it, and the table is checked against hand-written SQL.
# The SQL is test/procedure_report/report.sql (it prints the report and "N passed, N failed").
#
# Run by test/run_tests.sh with the cluster in PG* variables (a superuser) and the repository as $1;
# alone:  PGHOST=... PGPORT=... bash test/t_procedure_report.sh .
set -euo pipefail
repo=${1:?usage: t_procedure_report.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
db=rk_procedure_report
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
cleanup() { psql -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
psql -d postgres -c "CREATE DATABASE $db"
rc=0
psql -d "$db" -P pager=off -f "$repo/test/procedure_report/report.sql" || rc=$?
exit "$rc"
