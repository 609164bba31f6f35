#!/usr/bin/env bash
# test/t_cron.sh: scheduled pre-aggregate refresh and alert evaluation with pg_cron, alert events and
# NOTIFY (docs/preaggregates.md "Scheduled refresh", docs/indicator_center.md "Alert events",
# docs/security.md R13).  pg_cron 1.4 schedules by the minute, so the test does not wait for the
# clock: it checks each job registered in cron.job (name, command, user) and runs the job's command
# itself, read from cron.job, as the job's user (what pg_cron's worker does).  Jobs are rescheduled to
# 30 February (never) so that the clock cannot run them meanwhile.
#   1. refresh: scheduled by a steward, registered, its command advances the pre-aggregate;
#   2. alerts: scheduled, its command stores each firing once (a second run adds nothing) and a
#      LISTENing psql session (another role) receives one NOTIFY whose payload carries no data;
#   3. a group role's rules: a member schedules them (SET ROLE in the command), evaluated with the
#      group's rights only;
#   4. attacks by a second login role (mallory): scheduling or unscheduling another role's jobs,
#      changing them behind pg_cron, forging events, reading events, planting code in a metric the
#      steward's rule watches (R4: it never runs as the steward).
# Needs pg_cron preloaded (test/cluster.sh does it when the installation has pg_cron, installing
# postgresql-15-cron when run as root); otherwise prints "skipped: pg_cron not installed (...)" and
# passes, unless RK_REQUIRE_PG_CRON=1 (.ci/run), where that is a failure.
# Run by test/run_tests.sh with the cluster in PGHOST/PGPORT/PGUSER (a superuser) and the repository
# directory as $1; RK_BINDIR (psql) and RK_TMP (scratch space) are used when set.
set -euo pipefail
repo=${1:?usage: t_cron.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
tmp=${RK_TMP:-$(mktemp -d)}/cron.$$
mkdir -p "$tmp"

skip() {
  if [[ ${RK_REQUIRE_PG_CRON:-0} == 1 ]]; then
    echo "FAIL: pg_cron is required (RK_REQUIRE_PG_CRON=1) but $*"
    exit 1
  fi
  echo "skipped: pg_cron not installed ($*)"
  echo "  to run this test: apt-get install postgresql-15-cron (test/cluster.sh does it when run as root)"
  exit 0
}
q0() { "$bindir/psql" -X -q -At -v ON_ERROR_STOP=1 "$@"; }
[[ $(q0 -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'pg_cron'") == 1 ]] ||
  skip "the server has no pg_cron extension"
# the database of pg_cron's running scheduler (cron.database_name); none when it is not preloaded
db=$(q0 -c "SELECT datname FROM pg_stat_activity WHERE backend_type = 'pg_cron launcher' LIMIT 1")
[[ -n $db ]] || skip "the server does not preload it: shared_preload_libraries = 'pg_cron'"
if [[ $(q0 -d "$db" -c "SELECT count(*) FROM pg_extension WHERE extname IN ('retail_kpi', 'pg_cron')") != 0 ]]; then
  skip "database $db (cron.database_name) already has retail_kpi or pg_cron; this test needs them fresh"
fi

roles=(rk_cron_steward rk_cron_mallory rk_cron_ana rk_cron_team)
lpid=
cleanup() {
  [[ -n $lpid ]] && kill "$lpid" 2>/dev/null
  exec 7>&- 2>/dev/null || true
  q0 -d "$db" >/dev/null 2>&1 <<SQL || true
DROP EXTENSION IF EXISTS pg_cron;
DROP EXTENSION IF EXISTS retail_kpi CASCADE;
DROP SCHEMA IF EXISTS rk_cron CASCADE;
DROP SCHEMA IF EXISTS rk_cron_mal CASCADE;
DROP SCHEMA IF EXISTS retail_kpi_preagg CASCADE;
$(for r in "${roles[@]}"; do echo "DROP OWNED BY $r CASCADE;"; done)
$(for r in "${roles[@]}"; do echo "DROP ROLE IF EXISTS $r;"; done)
SQL
  rm -rf "$tmp"
}
trap cleanup EXIT

fails=0
ok() { echo "ok - $*"; }
not_ok() { echo "FAIL - $*"; fails=$((fails + 1)); }
# psql as a role in the cron database (a new session each time)
as() { local r=$1; shift; "$bindir/psql" -X -q -At -v ON_ERROR_STOP=1 -d "$db" -U "$r" "$@"; }
su_sql() { as "${PGUSER:-postgres}" "$@"; }
# expect_error ROLE SQLSTATE SQL DESCRIPTION: the statement fails with that SQLSTATE
expect_error() {
  local out
  out=$(as "$1" -v VERBOSITY=verbose -c "$3" 2>&1) && { not_ok "$4: expected $2, it succeeded ($out)"; return; }
  if [[ $out == *"ERROR:  $2:"* ]]; then ok "$4 ($2)"; else not_ok "$4: expected $2, got: $out"; fi
}
check() {  # description, got, expected
  if [[ $2 == "$3" ]]; then ok "$1"; else not_ok "$1: expected '$3', got '$2'"; fi
}
# runs a job's command as pg_cron would: read from cron.job, in a session of the job's user
run_job() {  # jobname username
  local cmd user
  cmd=$(su_sql -c "SELECT command FROM cron.job WHERE jobname = '$1' AND username = '$2'")
  user=$(su_sql -c "SELECT username FROM cron.job WHERE jobname = '$1' AND username = '$2'")
  [[ -n $cmd ]] || { not_ok "job $1 of $2 is not in cron.job"; return 1; }
  as "$user" -c "$cmd" >/dev/null
}

# ---- setup: a steward, an attacker, a group role with a login member; sales around today
su_sql >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION retail_kpi;
CREATE EXTENSION pg_cron;
CREATE ROLE rk_cron_steward LOGIN;
CREATE ROLE rk_cron_mallory LOGIN;
CREATE ROLE rk_cron_team NOLOGIN;
CREATE ROLE rk_cron_ana LOGIN;
GRANT rk_cron_team TO rk_cron_ana;
GRANT retail_kpi_admin TO rk_cron_steward;
GRANT retail_kpi_author TO rk_cron_mallory, rk_cron_ana;
GRANT USAGE ON SCHEMA cron TO rk_cron_steward, rk_cron_mallory, rk_cron_ana;
CREATE SCHEMA rk_cron;
GRANT USAGE ON SCHEMA rk_cron TO PUBLIC;
-- store a sells 5 a day, store b 100 a day, the 10 days before today
CREATE TABLE rk_cron.sales (sale_date date, store text, revenue numeric);
INSERT INTO rk_cron.sales SELECT CURRENT_DATE - d, s, CASE s WHEN 'a' THEN 5 ELSE 100 END
FROM generate_series(1, 10) d, unnest('{a,b}'::text[]) s;
GRANT SELECT ON rk_cron.sales TO PUBLIC;
-- what mallory's code leaves behind when it runs: who it ran as
CREATE TABLE rk_cron.log (who text, sess text);
GRANT INSERT, SELECT ON rk_cron.log TO PUBLIC;
CREATE SCHEMA rk_cron_mal AUTHORIZATION rk_cron_mallory;
GRANT USAGE ON SCHEMA rk_cron_mal TO PUBLIC;
SQL
as rk_cron_steward >/dev/null <<'SQL'
SET search_path = retail_kpi;
SELECT define_dimension('store', 'Store');
SELECT define_source('cron_sales', 'rk_cron.sales', 'sale_date', '{"store": "store"}');
SELECT define_measure('cron_revenue', 'cron_sales', 'sum', 'revenue');
SELECT define_metric('cron_revenue', 'Revenue', measure => 'cron_revenue');
SELECT set_metric_status('cron_revenue', 'certified');
SELECT define_preaggregate('cron_day_store', 'cron_sales', '{store}', '{cron_revenue}');
SQL

# ---- 1. scheduled refresh
job=$(as rk_cron_steward <<'SQL'
BEGIN;
SELECT retail_kpi.schedule_preaggregate_refresh('cron_day_store');
SELECT schedule FROM cron.job WHERE jobname = 'retail_kpi.refresh.cron_day_store';
-- (30 February: the clock never runs it; the same job, rescheduled)
SELECT retail_kpi.schedule_preaggregate_refresh('cron_day_store', '0 0 30 2 *');
COMMIT;
SQL
)
mapfile -t jl <<<"$job"
check "schedule_preaggregate_refresh returns the job id, default schedule every 5 minutes, rescheduling keeps the job" \
  "${jl[1]}|${jl[2]}" "*/5 * * * *|${jl[0]}"
check "the refresh job is registered in cron.job with its command and the scheduling role" \
  "$(su_sql -c "SELECT jobid, schedule, command, username, database FROM cron.job WHERE jobname = 'retail_kpi.refresh.cron_day_store'")" \
  "${jl[0]}|0 0 30 2 *|SELECT retail_kpi.refresh_preaggregate_incremental('cron_day_store')|rk_cron_steward|$db"
check "scheduled_jobs lists it for its role" \
  "$(as rk_cron_steward -c "SELECT jobid, kind, target, username FROM retail_kpi.scheduled_jobs")" \
  "${jl[0]}|refresh|cron_day_store|rk_cron_steward"
check "before the job runs, the pre-aggregate is empty" \
  "$(su_sql -c "SELECT coalesce(watermark::text, 'none'), (SELECT count(*) FROM retail_kpi_preagg.cron_day_store) FROM retail_kpi.preaggregates")" "none|0"
run_job retail_kpi.refresh.cron_day_store rk_cron_steward
check "running the job's command as its user fills the pre-aggregate up to yesterday (= the raw rows)" \
  "$(su_sql -c "SELECT p.watermark = CURRENT_DATE - 1, (SELECT count(*) FROM (SELECT period_start, store, cron_revenue FROM retail_kpi_preagg.cron_day_store
                 EXCEPT SELECT sale_date, store, sum(revenue) FROM rk_cron.sales GROUP BY 1, 2) x),
                 (SELECT count(*) FROM retail_kpi_preagg.cron_day_store) FROM retail_kpi.preaggregates p")" "t|0|20"
su_sql -c "INSERT INTO rk_cron.sales VALUES (CURRENT_DATE, 'a', 7), (CURRENT_DATE, 'b', 70)"
run_job retail_kpi.refresh.cron_day_store rk_cron_steward
check "a new day: the next run advances the watermark and adds the day's rows" \
  "$(su_sql -c "SELECT p.watermark = CURRENT_DATE, (SELECT sum(cron_revenue) FROM retail_kpi_preagg.cron_day_store WHERE period_start = CURRENT_DATE)
                FROM retail_kpi.preaggregates p")" "t|77"

# ---- 2. scheduled alert evaluation, events, NOTIFY
as rk_cron_steward >/dev/null <<'SQL'
SET search_path = retail_kpi;
-- yesterday (the last complete day): store a (5) is below 50, store b (100) is not
SELECT define_alert_rule('cron_low_store', 'cron_revenue', 'below', 50, grain => 'day', dimensions => '{store}', severity => 'critical');
SQL
ajob=$(as rk_cron_steward -c "SELECT retail_kpi.schedule_alert_evaluation('0 0 30 2 *')")
check "the alert job is registered in cron.job, as the scheduling role, evaluating its rules" \
  "$(su_sql -c "SELECT jobid, command, username FROM cron.job WHERE jobname = 'retail_kpi.alerts.rk_cron_steward'")" \
  "$ajob|SELECT pg_catalog.count(*) FROM retail_kpi.evaluate_alerts()|rk_cron_steward"

# a listening session (mallory: any role may LISTEN, hence a payload without data)
mkfifo "$tmp/listen.in"
"$bindir/psql" -X -d "$db" -U rk_cron_mallory <"$tmp/listen.in" >"$tmp/listen.out" 2>&1 &
lpid=$!
exec 7>"$tmp/listen.in"
echo "LISTEN retail_kpi_alerts; SELECT 'listening';" >&7
for _ in $(seq 100); do grep -q listening "$tmp/listen.out" && break; sleep 0.1; done
grep -q listening "$tmp/listen.out" || not_ok "the listening session did not start: $(cat "$tmp/listen.out")"
# polls the listener (psql prints notifications after each query) until N notifications or 10 s
notifications() {
  local want=$1 i n
  for i in $(seq 50); do
    echo "SELECT 'poll $i';" >&7
    sleep 0.2
    n=$(grep -c 'Asynchronous notification "retail_kpi_alerts"' "$tmp/listen.out" || true)
    ((n >= want)) && break
  done
  echo "$n"
}
run_job retail_kpi.alerts.rk_cron_steward rk_cron_steward
check "the alert job stores the firing as one event (rule, yesterday, members, value, threshold, owner)" \
  "$(su_sql -c "SELECT rule, period_start = CURRENT_DATE - 1, members, value, threshold, severity, rule_owner, evaluated_by FROM retail_kpi.alert_events")" \
  "cron_low_store|t|{\"store\": \"a\"}|5|50|critical|rk_cron_steward|rk_cron_steward"
check "the listening session received one NOTIFY" "$(notifications 1)" 1
eid=$(su_sql -c "SELECT id FROM retail_kpi.alert_events")
payload=$(sed -n 's/.*Asynchronous notification "retail_kpi_alerts" with payload "\(.*\)" received.*/\1/p' "$tmp/listen.out")
check "its payload names the event, the rule and the period, and carries no data (no members, no value)" \
  "$payload" "{\"rule\": \"cron_low_store\", \"event_id\": $eid, \"period_start\": \"$(su_sql -c "SELECT CURRENT_DATE - 1")\"}"
run_job retail_kpi.alerts.rk_cron_steward rk_cron_steward
check "a second run stores nothing new" "$(su_sql -c "SELECT count(*), min(id) FROM retail_kpi.alert_events")" "1|$eid"
check "and sends no second NOTIFY" "$(notifications 2)" 1
check "by hand, evaluate_alerts shows the firing with its event, not new" \
  "$(as rk_cron_steward -c "SELECT event_id, is_new, rule, members FROM retail_kpi.evaluate_alerts()")" \
  "$eid|f|cron_low_store|{\"store\": \"a\"}"

# ---- 3. a group role's rules, scheduled by a login member
as rk_cron_ana >/dev/null <<'SQL'
-- store b (100) above 50: a rule of the team
SELECT retail_kpi.define_alert_rule('cron_team_high', 'cron_revenue', 'above', 50, grain => 'day', dimensions => '{store}', owner => 'rk_cron_team');
SQL
expect_error rk_cron_ana 42501 "SET ROLE rk_cron_team; SELECT retail_kpi.schedule_alert_evaluation('0 0 30 2 *')" \
  "a NOLOGIN role cannot own a job (pg_cron could not run it)"
as rk_cron_ana -c "SELECT retail_kpi.schedule_alert_evaluation('0 0 30 2 *', owner => 'rk_cron_team')" >/dev/null
check "a member schedules the group's evaluation: run as the member, SET ROLE to the group" \
  "$(su_sql -c "SELECT command, username FROM cron.job WHERE jobname = 'retail_kpi.alerts.rk_cron_team'")" \
  "SET ROLE rk_cron_team; SELECT pg_catalog.count(*) FROM retail_kpi.evaluate_alerts()|rk_cron_ana"
run_job retail_kpi.alerts.rk_cron_team rk_cron_ana
check "the group's job evaluated the group's rule only, with the group as owner" \
  "$(su_sql -c "SELECT rule, members, rule_owner, evaluated_by FROM retail_kpi.alert_events ORDER BY id")" \
  "cron_low_store|{\"store\": \"a\"}|rk_cron_steward|rk_cron_steward
cron_team_high|{\"store\": \"b\"}|rk_cron_team|rk_cron_ana"
check "events are visible to members of the rule's owner role only (ana sees the team's)" \
  "$(as rk_cron_ana -c "SELECT string_agg(rule, ',') FROM retail_kpi.alert_events")" "cron_team_high"

# ---- 4. attacks by mallory
expect_error rk_cron_mallory 42501 "SELECT retail_kpi.schedule_preaggregate_refresh('cron_day_store')" \
  "mallory cannot schedule the refresh of a pre-aggregate she does not own"
expect_error rk_cron_mallory 42704 "SELECT retail_kpi.unschedule_preaggregate_refresh('cron_day_store')" \
  "mallory's unschedule finds no job of hers (the steward's is not hers)"
expect_error rk_cron_mallory 42501 "SELECT retail_kpi.schedule_alert_evaluation('* * * * *', owner => 'rk_cron_steward')" \
  "mallory cannot schedule the evaluation of the steward's rules"
expect_error rk_cron_mallory 42704 "SELECT retail_kpi.unschedule_alert_evaluation('rk_cron_steward')" \
  "mallory cannot unschedule the steward's alert job"
out=$(as rk_cron_mallory -c "SELECT cron.unschedule(${jl[0]})" 2>&1) && not_ok "mallory unscheduled the steward's job by id: $out" ||
  ok "pg_cron refuses mallory's cron.unschedule of the steward's job id"
as rk_cron_mallory -c "UPDATE cron.job SET command = 'SELECT 1' WHERE jobid = ${jl[0]}" >/dev/null 2>&1 || true
as rk_cron_mallory -c "DELETE FROM cron.job WHERE jobid = ${jl[0]}" >/dev/null 2>&1 || true
expect_error rk_cron_mallory 42501 "SELECT cron.alter_job(${jl[0]}, command => 'SELECT 1')" \
  "mallory cannot cron.alter_job (not granted)"
# her own job under the same name is hers: it runs as her, next to the steward's
as rk_cron_mallory -c "SELECT cron.schedule('retail_kpi.refresh.cron_day_store', '0 0 30 2 *', 'SELECT 1')" >/dev/null
check "the steward's jobs are unchanged; mallory's job of the same name is a separate job that runs as her" \
  "$(su_sql -c "SELECT jobname, command, username FROM cron.job ORDER BY jobname, username")" \
  "retail_kpi.alerts.rk_cron_steward|SELECT pg_catalog.count(*) FROM retail_kpi.evaluate_alerts()|rk_cron_steward
retail_kpi.alerts.rk_cron_team|SET ROLE rk_cron_team; SELECT pg_catalog.count(*) FROM retail_kpi.evaluate_alerts()|rk_cron_ana
retail_kpi.refresh.cron_day_store|SELECT 1|rk_cron_mallory
retail_kpi.refresh.cron_day_store|SELECT retail_kpi.refresh_preaggregate_incremental('cron_day_store')|rk_cron_steward"
check "scheduled_jobs shows mallory her own job only" \
  "$(as rk_cron_mallory -c "SELECT kind, target, username FROM retail_kpi.scheduled_jobs")" "refresh|cron_day_store|rk_cron_mallory"
expect_error rk_cron_mallory 42501 "SELECT retail_kpi.refresh_preaggregate_incremental('cron_day_store')" \
  "the steward's job command run by mallory is refused (the refresh checks its role)"
expect_error rk_cron_mallory 42501 \
  "SELECT * FROM retail_kpi._catalog_store_alert_events('[{\"rule\": \"cron_low_store\", \"metric\": \"cron_revenue\", \"severity\": \"critical\", \"condition\": \"below\", \"period_start\": \"2020-01-01\", \"dimension_values\": {}, \"value\": 1, \"threshold\": 50, \"message\": \"forged\"}]')" \
  "mallory cannot forge an event of the steward's rule"
check "mallory sees no event (her roles own no rule that fired)" \
  "$(as rk_cron_mallory -c "SELECT count(*) FROM retail_kpi.alert_events")" 0
check "evaluate_alerts by mallory evaluates her own rules only (none)" \
  "$(as rk_cron_mallory -c "SELECT count(*) FROM retail_kpi.evaluate_alerts()")" 0
expect_error rk_cron_mallory 42501 "INSERT INTO retail_kpi.alert_events (rule, period_start, metric, severity, condition, threshold, message, rule_owner, evaluated_by) VALUES ('cron_low_store', '2020-01-01', 'x', 'info', 'below', 1, 'x', 'rk_cron_steward', 'x')" \
  "mallory cannot write alert_events directly"

# mallory plants code: the steward's rule watches her metric over a plain table; then she points its
# source at her view that calls her function (R4 must stop it at evaluation)
as rk_cron_mallory >/dev/null <<'SQL'
CREATE FUNCTION rk_cron_mal.spy() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $f$
BEGIN INSERT INTO rk_cron.log VALUES (current_user, session_user); RETURN true; END $f$;
CREATE VIEW rk_cron_mal.v AS SELECT * FROM rk_cron.sales WHERE rk_cron_mal.spy();
GRANT SELECT ON rk_cron_mal.v TO PUBLIC;
SELECT retail_kpi.define_source('cron_mal', 'rk_cron.sales', 'sale_date', '{"store": "store"}');
SELECT retail_kpi.define_measure('cron_mal_revenue', 'cron_mal', 'sum', 'revenue');
SELECT retail_kpi.define_metric('cron_mal_revenue', 'Revenue (mallory)', measure => 'cron_mal_revenue');
SQL
as rk_cron_steward -c "SELECT retail_kpi.define_alert_rule('cron_watch_mal', 'cron_mal_revenue', 'below', 1000, grain => 'day')" >/dev/null
as rk_cron_mallory >/dev/null <<'SQL'
SELECT retail_kpi.define_source('cron_mal', 'rk_cron_mal.v', 'sale_date', '{"store": "store"}');
-- positive control: her code runs when she evaluates it herself
SELECT count(*) FROM retail_kpi.metric_values('{cron_mal_revenue}', '{}', NULL, CURRENT_DATE - 3, CURRENT_DATE - 1);
SQL
check "positive control: mallory's function runs when mallory evaluates her metric" \
  "$(su_sql -c "SELECT string_agg(DISTINCT who, ',') FROM rk_cron.log")" "rk_cron_mallory"
out=$(run_job retail_kpi.alerts.rk_cron_steward rk_cron_steward 2>&1)
check "the steward's job ran: the rule on mallory's metric failed (R4) with a WARNING, stored nothing" \
  "$(grep -c 'alert rule "cron_watch_mal" was not evaluated.*SQLSTATE 42501' <<<"$out")|$(su_sql -c "SELECT count(*) FROM retail_kpi.alert_events WHERE rule = 'cron_watch_mal'")" "1|0"
check "mallory's code never ran as the steward" \
  "$(su_sql -c "SELECT count(*) FROM rk_cron.log WHERE who <> 'rk_cron_mallory'")" 0

# ---- 5. unscheduling
as rk_cron_steward -c "SELECT retail_kpi.unschedule_preaggregate_refresh('cron_day_store')" >/dev/null
as rk_cron_steward -c "SELECT retail_kpi.unschedule_alert_evaluation()" >/dev/null
as rk_cron_ana -c "SELECT retail_kpi.unschedule_alert_evaluation('rk_cron_team')" >/dev/null
check "unscheduling removes the caller's jobs only (mallory's stays)" \
  "$(su_sql -c "SELECT string_agg(jobname || ':' || username, ',') FROM cron.job")" "retail_kpi.refresh.cron_day_store:rk_cron_mallory"
expect_error rk_cron_steward 42704 "SELECT retail_kpi.unschedule_preaggregate_refresh('cron_day_store')" \
  "unscheduling again: 42704"
expect_error rk_cron_steward 22023 "SELECT retail_kpi.schedule_preaggregate_refresh('cron_day_store', 'every minute')" \
  "a schedule pg_cron does not understand: 22023"
su_sql -c "REVOKE USAGE ON SCHEMA cron FROM rk_cron_steward"
expect_error rk_cron_steward 42501 "SELECT retail_kpi.schedule_preaggregate_refresh('cron_day_store', '0 0 30 2 *')" \
  "without USAGE on schema cron (pg_cron's gate), a clear 42501"
check "no job was left behind" "$(su_sql -c "SELECT count(*) FROM cron.job WHERE username <> 'rk_cron_mallory'")" 0

echo "t_cron.sh: $fails failure(s)"
((fails == 0))
