#!/usr/bin/env bash
# test/demo.sh: the demo command (`make demo`).
#
# Build, install into a private copy of PostgreSQL 15, start a throwaway cluster, CREATE EXTENSION,
# generate the demo retail company (test/demo/generate.sql, schema retail_demo), print the KPI
# report (test/demo/report_*.sql, in name order), stop and remove the cluster.
#
#   SCALE=1 SEED=42 make demo     (defaults; SCALE multiplies the data volume)
#
# With PGHOST, PGPORT or PGDATABASE set, the demo uses that server instead of a throwaway cluster
# (install the extension there first: make && sudo make install); the demo data then stays in that
# database, in schema retail_demo.  RK_USE_EXISTING=0 forces the throwaway cluster.
set -euo pipefail
# shellcheck source=test/cluster.sh
. "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
demo_dir=$RK_REPO/test/demo
generate=$demo_dir/generate.sql
scale=${SCALE:-1}
seed=${SEED:-42}
started=$SECONDS

[[ $scale =~ ^[0-9]+([.][0-9]+)?$ ]] || rk_die "SCALE must be a number (got '$scale')"
[[ $seed =~ ^-?[0-9]+$ ]] || rk_die "SEED must be an integer (got '$seed')"
[[ -f $generate ]] ||
  rk_die "$generate does not exist (yet): the demo data generator is missing from this checkout"

rk_use_existing_or_start
if [[ ${RK_MODE:-} == existing ]]; then
  rk_say "the demo data goes into schema retail_demo of database ${PGDATABASE:-(default)} on that server"
fi

psql=("$RK_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -v scale="$scale" -v seed="$seed")

rk_say "CREATE EXTENSION IF NOT EXISTS retail_kpi"
rk_run "${psql[@]}" -c 'CREATE EXTENSION IF NOT EXISTS retail_kpi' ||
  rk_die "CREATE EXTENSION retail_kpi failed"

rk_say "generating the demo data set (scale=$scale, seed=$seed): test/demo/generate.sql"
t0=$SECONDS
# psql prefixes the NOTICEs of a script with "psql:FILE:LINE: ": show progress notices without it.
exec 3> >(sed -u -E 's/^psql:[^:]*:[0-9]+: (NOTICE|INFO): +/    /' >&2)
progress_pid=$!
rc=0
rk_run "${psql[@]}" -f "$generate" 2>&3 || rc=$?
exec 3>&-
wait "$progress_pid" 2>/dev/null || true
((rc == 0)) || rk_die "test/demo/generate.sql failed"
rk_say "demo data generated in $((SECONDS - t0)) s"

shopt -s nullglob
reports=("$demo_dir"/report_*.sql)
if ((${#reports[@]} > 0)); then
  mapfile -t reports < <(printf '%s\n' "${reports[@]}" | LC_ALL=C sort)
fi
if ((${#reports[@]} == 0)); then
  rk_say "no report yet (test/demo/report_*.sql)"
fi
for r in "${reports[@]}"; do
  rk_say "report: test/demo/${r##*/}"
  rk_run "${psql[@]}" -P pager=off -P footer=off -c 'SET client_min_messages = warning' -f "$r" ||
    rk_die "test/demo/${r##*/} failed"
  echo
done
rk_say "demo finished in $((SECONDS - started)) s"
