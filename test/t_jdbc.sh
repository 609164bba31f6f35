#!/usr/bin/env bash
# test/t_jdbc.sh: the JDBC client test (issue 6, "Real clients"): a Java 17 program using Debian's
# PgJDBC (test/jdbc/RetailKpiJdbc.java) connects over TCP the way BI tools do and checks metadata
# discovery, aggregates and metric_values with prepared-statement parameters, summaries passed as
# strings, a CALLed procedure and a published metric view (data: test/jdbc/setup.sql).
#
# Run by test/run_tests.sh (`make test`) with the repository directory as $1, or alone:
#     bash test/t_jdbc.sh .        (needs RK_BINDIR of an installation with the extension, or the
#                                   system PostgreSQL 15 with the extension installed)
# Needs java + javac (17) and /usr/share/java/postgresql.jar: when missing they are installed with
# apt-get (openjdk-17-jdk-headless libpostgresql-jdbc-java) if we run as root on Debian; otherwise
# the command is printed and the test fails.
#
# PgJDBC needs TCP and the harness's cluster is unix-socket only, so this script starts its own
# throwaway cluster through test/cluster.sh (same binaries, RK_BINDIR) with
# listen_addresses = '127.0.0.1' on a free port and a pg_hba.conf that trusts only the user
# postgres from 127.0.0.1 (and local socket connections).  The Java program is compiled with javac
# into a temp dir at test time; nothing is built in the repository.
set -euo pipefail
repo=$(cd "${1:?usage: t_jdbc.sh REPO_DIR}" && pwd)
jar=${RK_JDBC_JAR:-/usr/share/java/postgresql.jar}

# ---- Java and PgJDBC
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v javac >/dev/null || missing+=(openjdk-17-jdk-headless)
[[ -f $jar ]] || missing+=(libpostgresql-jdbc-java)
if ((${#missing[@]})); then
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${missing[*]}"
  if [[ $EUID -ne 0 || ! -f /etc/debian_version ]]; then
    echo "t_jdbc: missing ${missing[*]}; install with:  sudo sh -c '$cmd'" >&2
    exit 1
  fi
  echo "t_jdbc: installing ${missing[*]} (apt-get, as root)" >&2
  apt-get update </dev/null >&2 || { echo "t_jdbc: apt-get update failed" >&2; exit 1; }
  DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" </dev/null >&2 ||
    { echo "t_jdbc: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi
jver=$(java -version 2>&1 | sed -nE '1s/.*version "([0-9]+).*/\1/p')
if [[ -z $jver || $jver -lt 17 ]]; then
  echo "t_jdbc: java ${jver:-?} found, 17 or later needed (apt-get install openjdk-17-jdk-headless)" >&2
  exit 1
fi

# ---- own throwaway cluster with a 127.0.0.1 listener
# (a new temp dir: forget the caller's; keep its binaries)
bindir=${RK_BINDIR:-}
unset RK_TMP RK_CLUSTER_SH_LOADED
# shellcheck source=test/cluster.sh
. "$repo/test/cluster.sh"
if [[ -z $bindir ]]; then
  rk_ensure_postgres
  bindir=$("$RK_SYS_PG_CONFIG" --bindir)
fi
RK_BINDIR=$bindir
export RK_BINDIR
RK_PG_SETTINGS="listen_addresses = '127.0.0.1'     # t_jdbc.sh: PgJDBC needs TCP
max_connections = 20"
rk_clear_pg_env
rk_start_cluster
cat >"$RK_DATADIR/pg_hba.conf" <<HBA
# t_jdbc.sh: socket connections of the owner, TCP from 127.0.0.1 for the user postgres only
local   all   all                      trust
host    all   postgres   127.0.0.1/32  trust
HBA
rk_as_owner "$RK_BINDIR/pg_ctl" reload -D "$RK_DATADIR" -s </dev/null
sleep 0.5

psql() { "$RK_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql -d postgres -c 'CREATE DATABASE rk_jdbc'
psql -d rk_jdbc -f "$repo/test/jdbc/setup.sql" >/dev/null

# ---- compile and run
classes=$RK_TMP/jdbc-classes
mkdir -p "$classes"
javac -encoding UTF-8 -Xlint:all -Werror -d "$classes" -cp "$jar" "$repo/test/jdbc/RetailKpiJdbc.java"
rc=0
rk_run java -cp "$jar:$classes" RetailKpiJdbc "jdbc:postgresql://127.0.0.1:$PGPORT/rk_jdbc" postgres || rc=$?
if ((rc != 0)); then
  echo "---- last lines of the server log ----"
  tail -n 20 "$RK_LOG"
fi
exit "$rc"
