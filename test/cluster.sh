#!/usr/bin/env bash
# test/cluster.sh: the throwaway-cluster harness ("the embedded default", design.md).
#
# As a library (what test/run_tests.sh and test/demo.sh do):
#     . test/cluster.sh
#     rk_use_existing_or_start      # the server named by PG* variables, or a throwaway cluster
#     rk_run psql -c 'select 1'     # long-running steps: interruptible, stopped by the trap
#
# As a command:
#     test/cluster.sh start         build, install into a private copy of PostgreSQL, start a
#                                   throwaway cluster, print its PG* variables and wait; Ctrl-C
#                                   (or `test/cluster.sh stop`) stops and removes it
#     test/cluster.sh run CMD...    the same, but run CMD (e.g. psql) against it, then stop
#     test/cluster.sh stop          stop the clusters started by `start` (this user's)
#
# Functions:
#   rk_ensure_postgres     PostgreSQL 15 server + server headers + gcc/make present, or install
#                          them with apt-get (root on Debian/Ubuntu), or print the command and exit
#   rk_ensure_pg_cron      pg_cron (Debian postgresql-15-cron) present in that installation, or
#                          installed with apt-get (root on Debian/Ubuntu); never fatal: without it,
#                          RK_PG_CRON=0 and the tests that need it say "skipped: pg_cron not installed"
#   rk_build               make (the Makefile builds with -Werror) against the system pg_config
#   rk_private_install     relocated private copy of PostgreSQL in the temp dir (test/private_pg.sh)
#                          plus `make install` into it; exports RK_PG_CONFIG, RK_BINDIR
#   rk_start_cluster       initdb + start in the temp dir (as user rkpg when run as root), unix
#                          socket only, free port; exports PGHOST PGPORT PGUSER PGDATABASE,
#                          RK_DATADIR RK_SOCKDIR RK_LOG, RK_MODE=throwaway; preloads pg_cron
#                          when the private copy has it (cron.database_name = RK_CRON_DATABASE,
#                          default postgres) and exports RK_PG_CRON=1 (else 0)
#   rk_use_existing        use the server given by PG* variables (checks CREATE EXTENSION works);
#                          exports RK_BINDIR, RK_MODE=existing
#   rk_use_existing_or_start
#   rk_run CMD...          run CMD so that the trap can interrupt and stop it
#
# Whatever happens (normal exit, error, Ctrl-C, TERM, HUP, PIPE) the trap stops the server and
# removes the temp dir; RK_KEEP=1 keeps the temp dir (the server is stopped all the same).
# A detached watchdog does the same if this script is killed with SIGKILL.
# RK_ERROR_HOOK may name a function the EXIT trap calls (with the exit status) when the script
# exits with an error.
# Environment knobs: RK_KEEP=1, RK_RUN_USER (default rkpg), RK_USE_EXISTING=0|1 (0: ignore the PG*
# variables, 1: require them), RK_PG_SETTINGS (extra postgresql.conf lines), PG_CONFIG (the
# PostgreSQL 15 installation to use, default /usr/lib/postgresql/15/bin/pg_config).
# Progress messages go to stderr, prefixed with "==> ".

# shellcheck shell=bash

if [[ -n ${RK_CLUSTER_SH_LOADED:-} ]]; then
  # shellcheck disable=SC2317   # reachable when sourced twice
  return 0 2>/dev/null || exit 0
fi
RK_CLUSTER_SH_LOADED=1

RK_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RK_EXTENSION=retail_kpi
RK_PG_MAJOR=15
RK_RUN_USER=${RK_RUN_USER:-rkpg}
RK_SYS_PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$RK_PG_MAJOR/bin/pg_config}
if [[ $RK_SYS_PG_CONFIG != */* ]] && command -v "$RK_SYS_PG_CONFIG" >/dev/null; then
  RK_SYS_PG_CONFIG=$(command -v "$RK_SYS_PG_CONFIG")
fi
RK_APT_PACKAGES=("postgresql-$RK_PG_MAJOR" "postgresql-server-dev-$RK_PG_MAJOR" build-essential)
RK_CRON_PACKAGE=postgresql-$RK_PG_MAJOR-cron    # pg_cron, for scheduled refresh and alerts (optional)
RK_CRON_DATABASE=${RK_CRON_DATABASE:-postgres}  # cron.database_name of the throwaway cluster
RK_PORT_MIN=54320
RK_PORT_MAX=54999
RK_TMP=                     # the temp dir; everything of a throwaway cluster lives in it
RK__CHILD=                  # pid (= process group) of the command rk_run is waiting for
RK__STARTED=                # set once pg_ctl start has been called
RK__WATCHDOG=               # pid of the watchdog (see rk__start_watchdog)
RK__CLEANED=

rk_say() { printf '==> %s\n' "$*" >&2; }
rk_die() { printf '==> ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- prerequisites

# Prints one line per missing piece; returns 0 when nothing is missing.
rk__check_postgres() {
  local pgc=$RK_SYS_PG_CONFIG missing=0 ver bindir pgxs inc p
  if [[ ! -x $pgc ]]; then
    echo "PostgreSQL $RK_PG_MAJOR (no $pgc)"; missing=1
  else
    ver=$("$pgc" --version 2>/dev/null || true)
    if [[ $ver != "PostgreSQL $RK_PG_MAJOR."* ]]; then
      echo "PostgreSQL $RK_PG_MAJOR ($pgc reports '${ver:-nothing}')"; missing=1
    else
      bindir=$("$pgc" --bindir)
      for p in postgres initdb pg_ctl pg_isready psql; do
        [[ -x $bindir/$p ]] || { echo "the PostgreSQL $RK_PG_MAJOR server ($bindir/$p)"; missing=1; }
      done
      pgxs=$("$pgc" --pgxs 2>/dev/null || true)
      [[ -n $pgxs && -f $pgxs ]] || { echo "PGXS (${pgxs:-pg_config --pgxs})"; missing=1; }
      inc=$("$pgc" --includedir-server 2>/dev/null || true)
      [[ -f $inc/postgres.h ]] || { echo "the server headers ($inc/postgres.h)"; missing=1; }
    fi
  fi
  for p in gcc make; do
    command -v "$p" >/dev/null || { echo "$p"; missing=1; }
  done
  return "$missing"
}

rk_ensure_postgres() {
  local missing
  if missing=$(rk__check_postgres); then
    return 0
  fi
  rk_say "missing: $(echo "$missing" | paste -sd, - | sed 's/,/, /g')"
  local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${RK_APT_PACKAGES[*]}"
  if [[ $EUID -ne 0 || ! -f /etc/debian_version ]]; then
    if [[ -f /etc/debian_version ]]; then
      rk_say "install them with:  sudo sh -c '$cmd'"
    else
      rk_say "install PostgreSQL $RK_PG_MAJOR with its server headers (pg_config, PGXS), gcc and make;"
      rk_say "on Debian/Ubuntu:  sudo sh -c '$cmd'"
      rk_say "(or set PG_CONFIG to the pg_config of a PostgreSQL $RK_PG_MAJOR installation)"
    fi
    exit 1
  fi
  rk_say "installing ${RK_APT_PACKAGES[*]} (apt-get, as root)"
  apt-get update </dev/null >&2 || rk_die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${RK_APT_PACKAGES[@]}" </dev/null >&2 ||
    rk_die "apt-get install ${RK_APT_PACKAGES[*]} failed"
  # (postgresql-15 creates and starts its own 'main' cluster on port 5432: we do not use it.)
  if ! missing=$(rk__check_postgres); then
    rk_die "still missing after apt-get install: $(echo "$missing" | paste -sd, -)"
  fi
}

# pg_cron (scheduled pre-aggregate refresh and alert evaluation, docs/preaggregates.md) is optional:
# installed with apt-get when we are root on Debian/Ubuntu, like PostgreSQL itself; otherwise the
# tests that need it are skipped.  Called before rk_private_install, which copies it.
rk_ensure_pg_cron() {
  local lib
  lib=$("$RK_SYS_PG_CONFIG" --pkglibdir 2>/dev/null)/pg_cron.so
  [[ -f $lib ]] && return 0
  if [[ $EUID -ne 0 || ! -f /etc/debian_version ]]; then
    rk_say "pg_cron is not installed: the tests that need it are skipped" \
           "(on Debian/Ubuntu: sudo apt-get install $RK_CRON_PACKAGE)"
    return 0
  fi
  rk_say "installing $RK_CRON_PACKAGE (apt-get, as root)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y "$RK_CRON_PACKAGE" </dev/null >&2; then
    apt-get update </dev/null >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y "$RK_CRON_PACKAGE" </dev/null >&2 ||
      rk_say "apt-get install $RK_CRON_PACKAGE failed: the tests that need pg_cron are skipped"
  fi
  return 0
}

rk_build() {
  rk_tmpdir
  local log=$RK_TMP/build.log
  rk_say "building retail_kpi (make, -Werror)"
  if ! rk_run make -C "$RK_REPO" PG_CONFIG="$RK_SYS_PG_CONFIG" -j"$(nproc 2>/dev/null || echo 2)" \
       >"$log" 2>&1; then
    cat "$log" >&2
    rk_die "the build failed (make PG_CONFIG=$RK_SYS_PG_CONFIG)"
  fi
}

# ---------------------------------------------------------------- temp dir and trap

rk__on_exit() {
  local rc=$?
  # A script may name a function to call first when it exits with an error (not on a signal).
  if ((rc != 0)) && [[ -n ${RK_ERROR_HOOK:-} ]]; then
    "$RK_ERROR_HOOK" "$rc" || true
  fi
  rk_cleanup
  exit "$rc"
}

rk__on_signal() {
  local sig=$1 num
  trap '' INT TERM HUP PIPE       # no re-entry (a closed stderr would raise SIGPIPE again)
  num=$(kill -l "$sig" 2>/dev/null || echo 1)
  rk_say "interrupted (SIG$sig): stopping the throwaway cluster"
  rk_cleanup
  trap - EXIT "$sig"
  kill -s "$sig" $$ 2>/dev/null   # die of the signal, so our caller sees it ...
  exit $((128 + num))             # ... or, if the signal is ignored, exit like it
}

rk_install_trap() {
  trap rk__on_exit EXIT
  trap 'rk__on_signal INT' INT
  trap 'rk__on_signal TERM' TERM
  trap 'rk__on_signal HUP' HUP
  trap 'rk__on_signal PIPE' PIPE  # output piped into `head` that has quit
}

# Creates the temp dir (once) and installs the trap that removes it.
rk_tmpdir() {
  [[ -n $RK_TMP && -d $RK_TMP ]] && return 0
  local base=${TMPDIR:-/tmp}
  # The socket path (RK_TMP/sock/.s.PGSQL.NNNNN) must fit in 107 bytes.
  (( ${#base} > 60 )) && base=/tmp
  rk_install_trap
  RK_TMP=$(mktemp -d "$base/retail_kpi.XXXXXX") || rk_die "mktemp -d failed in $base"
  export RK_TMP
  echo $$ >"$RK_TMP/harness.pid"
  rk__start_watchdog
}

# A trap cannot catch SIGKILL (a CI timeout, kill -9, the OOM killer): a detached watchdog polls
# this script's pid and, once it is gone, stops the server (immediate shutdown) and removes the temp
# dir.  It leaves by itself as soon as the temp dir is gone; rk_cleanup also stops it.
rk__start_watchdog() {
  # shellcheck disable=SC2016   # the script is for the inner bash
  setsid bash -c '
    h=$1 tmp=$2 keep=$3
    while kill -0 "$h" 2>/dev/null && [ -d "$tmp" ]; do sleep 1; done
    kill -0 "$h" 2>/dev/null && exit 0
    # the process group rk_run was waiting for (if it still is that session leader)
    g=$(cat "$tmp/child.pgid" 2>/dev/null)
    if [ -n "$g" ] && [ "$(cut -d" " -f6 "/proc/$g/stat" 2>/dev/null)" = "$g" ]; then
      kill -TERM -- "-$g" 2>/dev/null
    fi
    pidfile=$tmp/data/postmaster.pid
    if [ -f "$pidfile" ]; then
      pid=$(head -n 1 "$pidfile")
      if tr "\\0" " " <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$tmp/data"; then
        kill -QUIT "$pid"
        for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      fi
    fi
    [ "$keep" = 1 ] || rm -rf -- "$tmp"
  ' rk-watchdog "$$" "$RK_TMP" "${RK_KEEP:-0}" </dev/null >/dev/null 2>&1 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&- &
  RK__WATCHDOG=$!
}

# Stops what rk_run is running, the server, and removes the temp dir. Idempotent.
rk_cleanup() {
  [[ -n $RK__CLEANED ]] && return 0
  RK__CLEANED=1
  trap '' INT TERM HUP PIPE       # a second Ctrl-C must not interrupt the cleanup
  set +e
  if [[ -n $RK__CHILD ]]; then
    local i
    kill -TERM -- "-$RK__CHILD" 2>/dev/null || kill -TERM "$RK__CHILD" 2>/dev/null
    for ((i = 0; i < 100; i++)); do rk__alive "$RK__CHILD" || break; sleep 0.1; done
    kill -KILL -- "-$RK__CHILD" 2>/dev/null   # whatever ignored TERM for 10 s
    wait "$RK__CHILD" 2>/dev/null
    RK__CHILD=
  fi
  rk_stop_cluster
  if [[ -n $RK_TMP && -d $RK_TMP ]]; then
    if [[ ${RK_KEEP:-0} == 1 ]]; then
      rk_say "keeping $RK_TMP (RK_KEEP=1)"
    else
      rm -rf -- "$RK_TMP"
    fi
  fi
  if [[ -n $RK__WATCHDOG ]]; then
    kill -TERM -- "-$RK__WATCHDOG" 2>/dev/null || kill -TERM "$RK__WATCHDOG" 2>/dev/null
    RK__WATCHDOG=
  fi
}

# True while process $1 exists and is not a zombie.
rk__alive() {
  local st
  st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $st && ${st:0:1} != Z ]]
}

# Runs "$@" in its own process group and waits for it; unlike a foreground command, the wait is
# interrupted at once by a signal, and the trap stops the whole group. stdin is /dev/null.
rk_run() {
  local rc=0
  if [[ $- == *m* ]]; then         # job control on (interactive use): plain foreground
    "$@" || rc=$?
    return "$rc"
  fi
  setsid "$@" </dev/null &
  RK__CHILD=$!
  if [[ -n $RK_TMP && -d $RK_TMP ]]; then echo "$RK__CHILD" >"$RK_TMP/child.pgid" || true; fi
  wait "$RK__CHILD" || rc=$?
  RK__CHILD=
  return "$rc"
}

# ---------------------------------------------------------------- private install

rk_private_install() {
  rk_tmpdir
  local pgc
  rk_say "private copy of PostgreSQL $RK_PG_MAJOR in $RK_TMP/pg"
  PG_CONFIG=$RK_SYS_PG_CONFIG rk_run bash "$RK_REPO/test/private_pg.sh" "$RK_TMP/pg" \
    >"$RK_TMP/pg_config.path" || rk_die "test/private_pg.sh failed"
  pgc=$(cat "$RK_TMP/pg_config.path")
  rk_say "installing retail_kpi into it (make install PG_CONFIG=$pgc)"
  if ! rk_run make -C "$RK_REPO" PG_CONFIG="$pgc" install >"$RK_TMP/install.log" 2>&1; then
    cat "$RK_TMP/install.log" >&2
    rk_die "make install into the private copy failed"
  fi
  # The server may run as another user (rkpg): let it read everything installed.
  chmod -R a+rX "$RK_TMP/pg"
  RK_PG_CONFIG=$pgc
  RK_BINDIR=$("$pgc" --bindir)
  export RK_PG_CONFIG RK_BINDIR
}

# ---------------------------------------------------------------- cluster

# Runs "$@" as the user that owns the cluster (rkpg when we are root).
rk_as_owner() {
  if [[ $EUID -ne 0 ]]; then
    "$@"
  elif command -v runuser >/dev/null; then
    (cd "$RK_TMP" && runuser -u "$RK_RUN_USER" -- "$@")
  else
    (cd "$RK_TMP" && su -s /bin/bash -c "$(printf '%q ' "$@")" "$RK_RUN_USER")
  fi
}

rk__ensure_run_user() {
  id -u "$RK_RUN_USER" >/dev/null 2>&1 && return 0
  rk_say "creating system user $RK_RUN_USER (postgres refuses to run as root)"
  command -v useradd >/dev/null || rk_die "useradd not found: create a user $RK_RUN_USER, or run as non-root"
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
    --user-group "$RK_RUN_USER" 2>/dev/null ||
    id -u "$RK_RUN_USER" >/dev/null 2>&1 ||   # another run may have created it meanwhile
    rk_die "useradd $RK_RUN_USER failed"
}

rk__port_in_use() {
  local port=$1 f
  for f in /tmp/.s.PGSQL."$port" /var/run/postgresql/.s.PGSQL."$port" \
           /tmp/.s.PGSQL."$port".lock /var/run/postgresql/.s.PGSQL."$port".lock \
           "${TMPDIR:-/tmp}"/retail_kpi.*/sock/.s.PGSQL."$port"*; do
    [[ -e $f ]] && return 0
  done
  # Something listening on TCP (another server that does use TCP)?
  # shellcheck disable=SC2016   # $1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$port" 2>/dev/null && return 0
  return 1
}

rk_free_port() {
  local n=$((RK_PORT_MAX - RK_PORT_MIN + 1)) start i port
  start=$(( (RANDOM + $$) % n ))
  for ((i = 0; i < n; i++)); do
    port=$((RK_PORT_MIN + (start + i) % n))
    rk__port_in_use "$port" || { echo "$port"; return 0; }
  done
  return 1
}

rk_start_cluster() {
  [[ -n ${RK_BINDIR:-} ]] || rk_die "rk_start_cluster: call rk_private_install first"
  rk_tmpdir
  local port i
  if [[ $EUID -eq 0 ]]; then
    rk__ensure_run_user
    chown "$RK_RUN_USER": "$RK_TMP"
  fi
  RK_DATADIR=$RK_TMP/data
  RK_SOCKDIR=$RK_TMP/sock
  RK_LOG=$RK_TMP/server.log
  export RK_DATADIR RK_SOCKDIR RK_LOG
  rk_as_owner mkdir -m 700 "$RK_SOCKDIR"

  rk_say "initdb $RK_DATADIR"
  if ! rk_as_owner "$RK_BINDIR/initdb" -D "$RK_DATADIR" -A trust -U postgres --no-sync \
         -E UTF8 --locale=C --no-instructions >"$RK_TMP/initdb.log" 2>&1 </dev/null; then
    cat "$RK_TMP/initdb.log" >&2
    rk_die "initdb failed"
  fi

  port=$(rk_free_port) || rk_die "no free port in $RK_PORT_MIN-$RK_PORT_MAX"
  # pg_cron when this installation has it: preloaded, its jobs in RK_CRON_DATABASE, and its job
  # connections through our unix socket (there is no TCP)
  local cron_settings=
  RK_PG_CRON=0
  # (RK_PG_CRON_PRELOAD=0 leaves it out: test/valgrind.sh, whose memcheck sees pg_cron's launcher)
  if [[ ${RK_PG_CRON_PRELOAD:-1} != 0 && -f $("$RK_BINDIR/pg_config" --pkglibdir)/pg_cron.so ]]; then
    RK_PG_CRON=1
    cron_settings="shared_preload_libraries = 'pg_cron'
cron.database_name = '$RK_CRON_DATABASE'
cron.host = '$RK_SOCKDIR'"
  fi
  export RK_PG_CRON RK_CRON_DATABASE
  cat >>"$RK_DATADIR/postgresql.conf" <<EOF

# ---- throwaway cluster of retail_kpi's test/cluster.sh
listen_addresses = ''                  # unix socket only, no TCP
port = $port
unix_socket_directories = '$RK_SOCKDIR'
unix_socket_permissions = 0700         # only the cluster's owner (and root) may connect
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 4GB
shared_buffers = 256MB
max_parallel_workers_per_gather = 2
logging_collector = off
log_line_prefix = '%m [%p] %q%u@%d '
lc_messages = 'C'
$cron_settings
${RK_PG_SETTINGS:-}
EOF

  rk_say "starting PostgreSQL $RK_PG_MAJOR (socket $RK_SOCKDIR, port $port, no TCP)"
  RK__STARTED=1
  if ! rk_as_owner "$RK_BINDIR/pg_ctl" start -D "$RK_DATADIR" -l "$RK_LOG" -w -t 60 \
         >/dev/null 2>&1 </dev/null; then
    tail -n 30 "$RK_LOG" >&2 2>/dev/null
    rk_die "the throwaway cluster did not start (log above: $RK_LOG)"
  fi
  for ((i = 0; i < 300; i++)); do
    "$RK_BINDIR/pg_isready" -q -h "$RK_SOCKDIR" -p "$port" -d postgres -U postgres && break
    sleep 0.2
  done
  ((i < 300)) || { tail -n 30 "$RK_LOG" >&2; rk_die "pg_isready: the server does not accept connections"; }

  rk_clear_pg_env
  export PGHOST=$RK_SOCKDIR PGPORT=$port PGUSER=postgres PGDATABASE=postgres
  export RK_MODE=throwaway
  rk_say "cluster ready: PGHOST=$PGHOST PGPORT=$PGPORT PGUSER=$PGUSER PGDATABASE=$PGDATABASE"
}

# Removes the libpq variables that could redirect or alter our connections.
rk_clear_pg_env() {
  unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE PGSERVICEFILE PGOPTIONS \
        PGPASSWORD PGPASSFILE PGSSLMODE PGREQUIRESSL PGTARGETSESSIONATTRS PGAPPNAME
}

rk_stop_cluster() {
  [[ -n $RK__STARTED && -n ${RK_DATADIR:-} ]] || return 0
  local pidfile=$RK_DATADIR/postmaster.pid pid i
  # Interrupted right after pg_ctl start: give the postmaster a moment to write its pid file.
  for ((i = 0; i < 50; i++)); do
    [[ -f $pidfile ]] && break
    sleep 0.1
  done
  [[ -f $pidfile ]] || { RK__STARTED=; return 0; }
  pid=$(head -n 1 "$pidfile" 2>/dev/null)
  rk_say "stopping the throwaway cluster"
  if ! rk_as_owner "$RK_BINDIR/pg_ctl" stop -D "$RK_DATADIR" -m fast -w -t 20 >/dev/null 2>&1 </dev/null &&
     ! rk_as_owner "$RK_BINDIR/pg_ctl" stop -D "$RK_DATADIR" -m immediate -w -t 20 >/dev/null 2>&1 </dev/null; then
    # Last resort, and only if that pid is really our postmaster.
    if [[ -n $pid ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$RK_DATADIR"; then
      rk_say "pg_ctl stop failed: killing postmaster $pid"
      kill -KILL "$pid" 2>/dev/null
    fi
  fi
  # pg_ctl returns when the pid file is gone; the postmaster exits a moment later.
  if [[ -n $pid ]]; then
    for ((i = 0; i < 100; i++)); do
      tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$RK_DATADIR" || break
      sleep 0.05
    done
  fi
  RK__STARTED=
}

# ---------------------------------------------------------------- existing server

rk_existing_server_requested() {
  [[ -n ${PGHOST:-}${PGPORT:-}${PGDATABASE:-}${PGHOSTADDR:-}${PGSERVICE:-} ]]
}

rk_use_existing() {
  local psql avail ver
  if [[ -x $RK_SYS_PG_CONFIG && -x $("$RK_SYS_PG_CONFIG" --bindir)/psql ]]; then
    RK_BINDIR=$("$RK_SYS_PG_CONFIG" --bindir)
    RK_PG_CONFIG=$RK_SYS_PG_CONFIG
  elif command -v psql >/dev/null; then
    RK_BINDIR=$(dirname "$(command -v psql)")
    RK_PG_CONFIG=$(command -v pg_config || true)
  else
    rk_die "psql not found: install postgresql-client-$RK_PG_MAJOR"
  fi
  export RK_BINDIR RK_PG_CONFIG RK_MODE=existing
  psql="$RK_BINDIR/psql"
  rk_say "using the existing server given by the environment:" \
         "PGHOST=${PGHOST:-} PGPORT=${PGPORT:-} PGDATABASE=${PGDATABASE:-} PGUSER=${PGUSER:-}"
  rk_say "(it must run this checkout's build: run 'make && sudo make install' for that server first;" \
         "unset PGHOST PGPORT PGDATABASE to use a throwaway cluster instead)"
  ver=$("$psql" -X -A -t -q -c 'show server_version_num' </dev/null) ||
    rk_die "cannot connect to that server (see the error above)"
  [[ $ver == "$RK_PG_MAJOR"???? ]] ||
    rk_say "warning: that server is version $ver, retail_kpi is built for PostgreSQL $RK_PG_MAJOR"
  avail=$("$psql" -X -A -t -q -c "select default_version from pg_available_extensions where name = '$RK_EXTENSION'" </dev/null) ||
    rk_die "cannot query that server"
  if [[ -z $avail ]]; then
    rk_die "the $RK_EXTENSION extension is not installed on that server. Install it first:" \
           "'make && sudo make install' (add PG_CONFIG=/path/to/pg_config when that server's" \
           "pg_config is not the first on PATH), then run this again"
  fi
  if ! "$psql" -X -q -v ON_ERROR_STOP=1 \
       -c "begin; create extension if not exists $RK_EXTENSION; rollback;" </dev/null >/dev/null; then
    rk_die "CREATE EXTENSION $RK_EXTENSION fails on that server (error above): it needs a role" \
           "allowed to create it (a superuser) and this checkout's build installed there"
  fi
}

# The throwaway path in full: prerequisites, build, private install, cluster.
rk_start_throwaway() {
  rk_ensure_postgres
  rk_ensure_pg_cron
  rk_build
  rk_private_install
  rk_start_cluster
}

# PG* variables set (and RK_USE_EXISTING not 0): use that server; otherwise a throwaway cluster.
rk_use_existing_or_start() {
  if [[ ${RK_USE_EXISTING:-} != 0 ]] && rk_existing_server_requested; then
    rk_use_existing
  else
    rk_clear_pg_env
    rk_start_throwaway
  fi
}

# ---------------------------------------------------------------- command line

rk__main() {
  set -euo pipefail
  case ${1:-} in
    start)
      rk_clear_pg_env
      rk_start_throwaway
      printf 'export PGHOST=%q PGPORT=%q PGUSER=postgres PGDATABASE=postgres\n' "$PGHOST" "$PGPORT"
      rk_say "extension installed in the private copy: psql -c 'CREATE EXTENSION retail_kpi'"
      rk_say "Ctrl-C (or test/cluster.sh stop) stops the cluster and removes $RK_TMP"
      rk_run sleep infinity
      ;;
    run)
      shift
      [[ $# -gt 0 ]] || rk_die "usage: test/cluster.sh run CMD [ARGS...]"
      rk_clear_pg_env
      rk_start_throwaway
      # In the foreground, so that an interactive psql works; Ctrl-C belongs to the command
      # (psql cancels the query), the cluster is stopped when the command ends.
      trap : INT
      "$@"
      ;;
    stop)
      local f found=0 i
      local -A seen=()
      for f in "${TMPDIR:-/tmp}"/retail_kpi.*/harness.pid /tmp/retail_kpi.*/harness.pid; do
        [[ -O $f && -z ${seen[$f]:-} ]] || continue
        seen[$f]=1
        local pid
        pid=$(cat "$f")
        rk_say "stopping the harness $pid ($(dirname "$f"))"
        kill -TERM "$pid" 2>/dev/null || continue
        found=1
        for ((i = 0; i < 600; i++)); do     # wait until it has cleaned up
          kill -0 "$pid" 2>/dev/null || break
          sleep 0.1
        done
      done
      ((found)) || rk_say "no throwaway cluster of $(id -un) is running"
      ;;
    *)
      echo "usage: test/cluster.sh start|run CMD...|stop   (or source it: . test/cluster.sh)" >&2
      exit 2
      ;;
  esac
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
  rk__main "$@"
fi
