#!/usr/bin/env bash
# test/valgrind.sh: the pg_regress suite with the server under valgrind (memcheck).
#
#   bash test/valgrind.sh              (as root or as a normal user; takes 30-60 minutes)
#
# Not part of `make test` (too slow).  What it does:
#   1. copies the sources into a temp dir and builds them there with -O0 -g (the checkout's own
#      build products are left alone), installs that build into a private copy of PostgreSQL 15;
#   2. initdb + a throwaway cluster (test/cluster.sh), then restarts it with the `postgres` binary
#      of the private copy replaced by a wrapper that runs the real one under
#        valgrind --tool=memcheck --trace-children=yes --track-origins=yes --leak-check=full
#                 --show-leak-kinds=definite --errors-for-leak-kinds=none --error-exitcode=128
#                 --suppressions=test/valgrind.supp --error-markers=... --log-file=.../vg.%p.log
#      (every backend, parallel worker and auxiliary process is a forked child of the postmaster,
#      so each gets its own log file).  --error-exitcode=128 makes a process with an invalid access
#      exit with 128, which the postmaster treats as a crash (visible in the server log and as
#      failing tests); definite leaks are printed but do not count for the exit code
#      (--errors-for-leak-kinds=none): every backend checks for leaks when it exits, and one leak
#      of PostgreSQL's own not in the suppressions would otherwise turn each disconnection into a
#      crash-restart of the whole cluster;
#   3. runs `make installcheck` (the whole sql/ suite) against it, stops the cluster;
#   4. reads the valgrind logs: every reported error (invalid read/write, use of uninitialised
#      values, bad free, definite leak ...) whose stack has a frame of ours (retail_kpi.so, or one
#      of our src/*.c files in the -O0 -g build) is ours and fails the run; the others (PostgreSQL's, not covered by test/valgrind.supp) are counted and listed.
# Exit status: 0 when pg_regress passed (except VALGRIND_KNOWN_DIFFS), no backend died of a signal and no error is attributed
# to retail_kpi.so; 1 otherwise.
#
# VALGRIND_SELFTEST=1 checks the checker instead (a minute): it compiles a deliberately broken C
# function into the build copy (heap read past a malloc'ed block, branch on uninitialised memory,
# definite leak), calls it, and passes only if all three are reported as ours and the backend's
# exit 128 shows in the server log.
# VALGRIND_SUPP=FILE uses another suppressions file; VALGRIND_ERROR_EXITCODE=0 keeps processes
# with errors running (to see, with --track-origins, where suppressed reports come from).
# Knobs: VALGRIND_OUT=DIR keeps the logs and the summary there (default: a directory under /tmp
# that is printed at the end); VALGRIND_REGRESS="margin ratio" runs only those pg_regress tests;
# VALGRIND_EXTRA="--num-callers=40" adds valgrind options; VALGRIND_KNOWN_DIFFS (default: none)
# names pg_regress tests whose output is known to differ under valgrind for a reason that is not a
# memory error (they are reported, and do not fail the run).  Until 0.2 it was "bridge": valgrind
# 3.19 converts a negative __int128 to long double as 0 (its x87 emulation of libgcc's
# __floattixf), which changed one margin_rate_bridge result; since 0.3 src/bridge.c uses no long
# double (exact numeric fractions) and the bridge test passes under valgrind as it is.  The C
# program in docs/hardening-clients.md reproduces the valgrind behaviour without PostgreSQL.
#
# Limits (see docs/hardening-clients.md): Debian's PostgreSQL is not built with USE_VALGRIND, so
# palloc() memory is not tracked chunk by chunk: memcheck sees only the malloc'ed blocks of the
# memory contexts.  A read or write past the end of a palloc'ed chunk that stays inside its block
# is NOT reported, and "definitely lost" can only concern malloc'ed memory (a palloc'ed chunk is
# freed with its context, and leaks into long-lived contexts look "still reachable").  What is
# reported: accesses outside any malloc'ed block, use of uninitialised bytes (fresh blocks), bad
# frees, and definite malloc leaks.
set -euo pipefail
# no pg_cron in this cluster: its launcher starts with the postmaster and writes the relcache init
# file, whose padding memcheck reports as uninitialised (PostgreSQL's, in a stripped binary the
# suppressions cannot name), so the launcher would exit with --error-exitcode and the postmaster
# restart in a loop; the sql/ suite does not need pg_cron
export RK_PG_CRON_PRELOAD=0
# shellcheck source=test/cluster.sh
. "$(dirname "${BASH_SOURCE[0]}")/cluster.sh"
repo=$RK_REPO
started=$SECONDS

rk_ensure_postgres
if ! command -v valgrind >/dev/null; then
  if [[ $EUID -eq 0 && -f /etc/debian_version ]]; then
    rk_say "installing valgrind (apt-get, as root)"
    apt-get update </dev/null >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y valgrind </dev/null >&2 ||
      rk_die "apt-get install valgrind failed"
  else
    rk_die "valgrind is missing: sudo apt-get install valgrind"
  fi
fi
rk_tmpdir
out=${VALGRIND_OUT:-$(mktemp -d /tmp/retail_kpi-valgrind.XXXXXX)}
mkdir -p "$out/logs"
rm -f "$out"/logs/vg.*.log

# ---- 1. -O0 -g build in a copy of the sources
build=$RK_TMP/build
mkdir -p "$build"
( cd "$repo" && cp -a Makefile retail_kpi.control src sql expected "$build"/ &&
  { ls retail_kpi--*--*.sql >/dev/null 2>&1 && cp -a retail_kpi--*--*.sql "$build"/ || true; } )
( cd "$build" && rm -f src/*.o src/*.bc ./*.so retail_kpi--0.1.sql && rm -rf results )
selftest=${VALGRIND_SELFTEST:-0}
if [[ $selftest == 1 ]]; then
  # A deliberately broken function, compiled into the copy only: a heap read past a malloc'ed
  # block, a branch on uninitialised memory and a definite leak, all inside retail_kpi.so.
  cat >"$build/src/zz_vg_selftest.c" <<'CSRC'
/* zz_vg_selftest.c: written by test/valgrind.sh VALGRIND_SELFTEST=1 into its build copy only */
#include "postgres.h"
#include "fmgr.h"
#include <stdlib.h>

#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

PG_FUNCTION_INFO_V1(rk_vg_selftest);
Datum
rk_vg_selftest(PG_FUNCTION_ARGS)
{
	volatile char *p = malloc(16);
	int			r = 0;

	if (p[3] == 'x')			/* uninitialised */
		r = 1;
	r += p[PG_GETARG_INT32(0)];	/* 16 or more: past the block */
	p = NULL;					/* leaked */
	PG_RETURN_INT32(r);
}
CSRC
fi
rk_say "building with -O0 -g in $build"
if ! rk_run make -C "$build" PG_CONFIG="$RK_SYS_PG_CONFIG" COPT='-O0 -g -fno-omit-frame-pointer' \
     -j"$(nproc 2>/dev/null || echo 2)" >"$RK_TMP/build.log" 2>&1; then
  cat "$RK_TMP/build.log" >&2; rk_die "the -O0 build failed"
fi
PG_CONFIG=$RK_SYS_PG_CONFIG rk_run bash "$repo/test/private_pg.sh" "$RK_TMP/pg" >"$RK_TMP/pg_config.path" ||
  rk_die "test/private_pg.sh failed"
RK_PG_CONFIG=$(cat "$RK_TMP/pg_config.path")
rk_run make -C "$build" PG_CONFIG="$RK_PG_CONFIG" install >"$RK_TMP/install.log" 2>&1 ||
  { cat "$RK_TMP/install.log" >&2; rk_die "make install into the private copy failed"; }
chmod -R a+rX "$RK_TMP/pg"
RK_BINDIR=$("$RK_PG_CONFIG" --bindir)
export RK_PG_CONFIG RK_BINDIR

# ---- 2. cluster (initdb without valgrind), then restart under valgrind
RK_PG_SETTINGS="jit = off
autovacuum = off
max_connections = 40
${RK_PG_SETTINGS:-}"
rk_start_cluster
rk_stop_cluster

supp=$RK_TMP/valgrind.supp
cp "${VALGRIND_SUPP:-$repo/test/valgrind.supp}" "$supp"
chmod a+r "$supp"
# the server's user writes the logs: it must reach them through $out (mktemp -d makes it 0700)
if [[ $EUID -eq 0 ]]; then chown "$RK_RUN_USER" "$out/logs"; chmod a+x "$out"; fi
chmod 777 "$out/logs" 2>/dev/null || true
mv "$RK_BINDIR/postgres" "$RK_BINDIR/postgres.bin"
cat >"$RK_BINDIR/postgres" <<WRAP
#!/bin/sh
# retail_kpi test/valgrind.sh: the real server is postgres.bin, run under valgrind
exec valgrind --tool=memcheck --trace-children=yes --track-origins=yes \\
  --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=none \\
  --error-exitcode=${VALGRIND_ERROR_EXITCODE:-128} --num-callers=30 --read-var-info=no --show-error-list=yes --fullpath-after= \\
  --suppressions=$supp --gen-suppressions=all \\
  --error-markers=RKVG-BEGIN,RKVG-END \\
  --log-file=$out/logs/vg.%p.log ${VALGRIND_EXTRA:-} \\
  "$RK_BINDIR/postgres.bin" "\$@"
WRAP
chmod 755 "$RK_BINDIR/postgres"

rk_say "starting the cluster under valgrind (slow)"
RK__STARTED=1
if ! rk_as_owner "$RK_BINDIR/pg_ctl" start -D "$RK_DATADIR" -l "$RK_LOG" -w -t 600 >/dev/null 2>&1 </dev/null; then
  tail -n 30 "$RK_LOG" >&2; rk_die "the cluster did not start under valgrind"
fi

# ---- 3. the suite
regress_rc=0
regress=()
[[ -n ${VALGRIND_REGRESS:-} ]] && regress=(REGRESS="$VALGRIND_REGRESS")
if [[ $selftest == 1 ]]; then
  rk_say "self-test: calling a deliberately broken function in retail_kpi.so"
  "$RK_BINDIR/psql" -X -q -c "CREATE FUNCTION rk_vg_selftest(int) RETURNS int LANGUAGE c STRICT
                              AS 'retail_kpi', 'rk_vg_selftest'" -c 'SELECT rk_vg_selftest(24)' \
    >"$out/installcheck.out" 2>&1 || true
  sleep 5                     # the crash-restart after the backend's exit 128
else
  rk_say "running pg_regress under valgrind (logs in $out/logs)"
  rk_run make -C "$build" --no-print-directory PG_CONFIG="$RK_PG_CONFIG" installcheck "${regress[@]}" \
    >"$out/installcheck.out" 2>&1 || regress_rc=$?
fi
cat "$out/installcheck.out"
[[ -f $build/regression.diffs ]] && cp "$build/regression.diffs" "$out/"
rk_stop_cluster
cp "$RK_LOG" "$out/server.log" 2>/dev/null || true

# ---- 4. the logs
# Each error is printed between RKVG-BEGIN and RKVG-END lines (leak records included).  A frame of
# our code shows as "(in .../retail_kpi.so)" without debug info, and as its source file with the
# -O0 -g build: "fn (/tmp/.../build/src/margin.c:123)" thanks to --fullpath-after=, or
# "fn (margin.c:123)" in logs written without it.  (VALGRIND_SELFTEST=1 checks this attribution.)
our_files=$(cd "$build/src" && ls ./*.c | sed 's|^\./||' | tr '\n' ' ')
ours=0 theirs=0
: >"$out/ours.txt"; : >"$out/theirs.txt"
for f in "$out"/logs/vg.*.log; do
  [[ -e $f ]] || continue
  awk -v ours="$out/ours.txt" -v theirs="$out/theirs.txt" -v f="${f##*/}" -v src="$build/src/" \
      -v files="$our_files" '
    BEGIN { n = split(files, a, " "); for (i = 1; i <= n; i++) base["(" a[i] ":"] = 1 }
    function is_ours(b,   k) {
      if (index(b, "retail_kpi.so") || index(b, src)) return 1
      for (k in base) if (index(b, k)) return 1
      return 0
    }
    /RKVG-BEGIN/ { inb = 1; blk = "== " f "\n"; next }
    /RKVG-END/   { if (is_ours(blk)) print blk >> ours; else print blk >> theirs; inb = 0; next }
    inb { blk = blk $0 "\n" }' "$f"
done
ours=$(grep -c '^== vg\.' "$out/ours.txt" || true)
theirs=$(grep -c '^== vg\.' "$out/theirs.txt" || true)
nlogs=$(find "$out/logs" -name 'vg.*.log' | wc -l)
known=" ${VALGRIND_KNOWN_DIFFS-} "
regress_failed=() regress_known=()
while read -r t; do
  if [[ $known == *" $t "* ]]; then regress_known+=("$t"); else regress_failed+=("$t"); fi
done < <(sed -nE 's/^test +([^ ]+) +\.\.\. +FAILED.*/\1/p' "$out/installcheck.out")
regress_ok=1
if ((${#regress_failed[@]} > 0)) || { ((regress_rc != 0)) && ((${#regress_known[@]} == 0)); }; then
  regress_ok=0
fi
signals=$(grep -cE 'terminated by signal|was terminated by|exited with exit code 128' "$out/server.log" || true)

{
  echo "valgrind run of $(date -u '+%Y-%m-%d %H:%M UTC'), $((SECONDS - started)) s"
  echo "pg_regress: exit $regress_rc, $(grep -cE '\.\.\. ok' "$out/installcheck.out" || true) ok," \
       "$(grep -ciE '\.\.\. failed' "$out/installcheck.out" || true) failed" \
       "(unexpected: ${regress_failed[*]:-none}; known under valgrind: ${regress_known[*]:-none})"
  echo "valgrind logs (processes): $nlogs"
  echo "errors attributed to retail_kpi.so: $ours"
  echo "other errors (PostgreSQL itself, not suppressed): $theirs"
  echo "server log lines about processes killed by a signal / valgrind exit 128: $signals"
} | tee "$out/summary.txt"
if ((ours > 0)); then
  echo "---- errors in our code ($out/ours.txt) ----"
  head -n 200 "$out/ours.txt"
fi
if ((theirs > 0)); then
  echo "---- kinds of the other errors ($out/theirs.txt) ----"
  grep -E '^==[0-9]+== [A-Z]|^==[0-9]+== .*(lost|Invalid|uninitialised|Syscall)' "$out/theirs.txt" |
    sed -E 's/^==[0-9]+== //; s/[0-9,]+ bytes/N bytes/g; s/ in loss record.*//' | sort | uniq -c | sort -rn | head -20
fi
# which suppressions matched (--show-error-list=yes prints "used_suppression: COUNT NAME FILE:LINE")
grep -h 'used_suppression:' "$out"/logs/vg.*.log 2>/dev/null |
  sed -E 's/.*used_suppression: *([0-9]+) +([^ ]+).*/\2 \1/' |
  awk '{ n[$1] += $2 } END { for (k in n) printf "suppressed (PostgreSQL, test/valgrind.supp): %6d x %s\n", n[k], k }' |
  sort | tee -a "$out/summary.txt"
rk_say "logs and summary kept in $out"
if ((${#regress_known[@]} > 0)) && [[ -f $out/regression.diffs ]]; then
  echo "---- known valgrind differences (VALGRIND_KNOWN_DIFFS; not memory errors) ----"
  head -n 40 "$out/regression.diffs"
fi
if [[ $selftest == 1 ]]; then
  kinds=$(grep -cE 'Invalid read|uninitialised value|definitely lost' "$out/ours.txt" || true)
  if ((ours >= 3 && kinds >= 3 && signals >= 1)); then
    echo "self-test passed: the invalid read, the uninitialised branch and the leak in retail_kpi.so" \
         "were reported ($ours errors), and the backend's valgrind exit 128 was seen"
    exit 0
  fi
  echo "self-test FAILED: expected 3 errors attributed to retail_kpi.so and an exit 128 (got $ours, $signals)"
  exit 1
fi
((regress_ok == 1 && ours == 0 && signals == 0))
