#!/usr/bin/env bash
# test/t_preaggregates.sh: pre-aggregates under concurrency (docs/preaggregates.md), with several
# sessions: (1) a refresh waits for a concurrent transaction that changed a period already pending
# in the invalidation log, then reads its rows (no change is lost between the log and the
# recomputation); (2) a change committed after a refresh's snapshot stays pending; (3) readers
# summing the table while refreshes (full and by window) run in a loop always see the whole total:
# no lost or doubled rows; (4) two refreshes of one pre-aggregate are serialised; (5) routed
# metric_values answers (pre-aggregate + raw tail + invalidated periods read raw) equal the raw
# answer in the same snapshot while refreshes and late and new rows are committed concurrently;
# (6) a refresh waiting for a loading transaction does not deadlock with that transaction's next
# invalidation.
#
# Run by test/run_tests.sh with the cluster in PGHOST/PGPORT/PGUSER (a superuser) and the repository
# directory as $1; RK_BINDIR (psql) and RK_TMP (scratch space) are used when set.
set -euo pipefail
repo=${1:?usage: t_preaggregates.sh REPO_DIR}
bindir=${RK_BINDIR:-$(dirname "$(command -v psql)")}
tmp=${RK_TMP:-$(mktemp -d)}/preaggregates.$$
db=rk_preagg_conc
psql() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
pids=()
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$bindir/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
mkdir -p "$tmp"
fail() { echo "FAIL: $*"; exit 1; }
"$bindir/psql" -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"

psql >/dev/null <<'SQL'
CREATE EXTENSION retail_kpi;
SET search_path = retail_kpi, public;
CREATE TABLE public.sales (sale_date date, store int, revenue numeric);
INSERT INTO public.sales SELECT DATE '2025-01-01' + d % 60, s, d + s FROM generate_series(0, 599) d, generate_series(1, 5) s;
SELECT define_dimension('store', 'Store');
SELECT define_source('sales', 'public.sales', 'sale_date', '{"store": "store"}');
SELECT define_measure('revenue', 'sales', 'sum', 'revenue');
SELECT define_metric('revenue', 'Revenue', measure => 'revenue');
SELECT define_preaggregate('day_store', 'sales', '{store}', '{revenue}');
SELECT refresh_preaggregate('day_store');
SQL
check_equal() {  # stored = raw, per day and store, both ways
  local n
  n=$(psql -At -c "SELECT count(*) FROM ((SELECT period_start, store, revenue FROM retail_kpi_preagg.day_store
                     EXCEPT SELECT sale_date, store, sum(revenue) FROM public.sales GROUP BY 1, 2)
                     UNION ALL (SELECT sale_date, store, sum(revenue) FROM public.sales GROUP BY 1, 2
                     EXCEPT SELECT period_start, store, revenue FROM retail_kpi_preagg.day_store)) x")
  [[ $n == 0 ]] || fail "$1: $n rows differ between the pre-aggregate and the raw rows"
}
# waits (at most 60 s) until another session runs a statement matching a LIKE pattern, optionally
# waiting for a lock: proof that it holds (or waits for) what the next step depends on
wait_for() {  # pattern [Lock]
  local i
  for i in $(seq 1 600); do
    [[ $(psql -At -c "SELECT count(*) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE '$1'
                      AND state = 'active' ${2:+AND wait_event_type = 'Lock'}") != 0 ]] && return 0
    sleep 0.1
  done
  fail "no session ran '$1' ${2:+waiting for a lock }within 60 s"
}
pending() { psql -At -c "SELECT count(*) FROM retail_kpi.preaggregate_invalidations WHERE period_start = '$1'"; }
check_equal "after the full refresh"

# (1) Jan 10 is pending; a transaction changes it again (its trigger locks the pending row) and
# stays open; a refresh of Jan 10 waits for it (seen waiting for a lock), then reads its rows
psql -c "INSERT INTO public.sales VALUES ('2025-01-10', 1, 1000)"
[[ $(pending 2025-01-10) == 1 ]] || fail "(1) the late insert was not recorded"
psql >/dev/null <<'SQL' &
BEGIN;
INSERT INTO public.sales VALUES ('2025-01-10', 2, 500);
SELECT pg_sleep(3);
COMMIT;
SQL
pids+=($!)
wait_for 'SELECT pg_sleep(3)%'
psql -c "SELECT retail_kpi.refresh_preaggregate('day_store', '2025-01-10', '2025-01-10')" >/dev/null &
pids+=($!)
wait_for '%refresh_preaggregate(%2025-01-10%' Lock
wait "${pids[-2]}" "${pids[-1]}"
check_equal "(1) refresh concurrent with a change to a pending period"
[[ $(pending 2025-01-10) == 0 ]] || fail "(1) Jan 10 still pending after the refresh"
echo "ok: (1) a refresh waits for a concurrent change to a pending period and includes it"

# (2) a change committed after the refresh read the source stays pending
psql >/dev/null <<'SQL' &
BEGIN;
SELECT retail_kpi.refresh_preaggregate('day_store', '2025-01-12', '2025-01-12');
SELECT pg_sleep(1.5);
COMMIT;
SQL
pids+=($!)
wait_for 'SELECT pg_sleep(1.5)%'
psql -c "INSERT INTO public.sales VALUES ('2025-01-12', 3, 7)"
wait "${pids[-1]}"
[[ $(pending 2025-01-12) == 1 ]] || fail "(2) a change committed after the refresh's snapshot was lost"
psql -c "SELECT retail_kpi.refresh_preaggregate_incremental('day_store')" >/dev/null
check_equal "(2) after the incremental refresh"
echo "ok: (2) a change committed during a refresh stays pending and the next refresh applies it"

# (3) readers during refreshes: the stored total is always the raw total (the source does not change)
total=$(psql -At -c "SELECT sum(revenue) FROM public.sales")
psql >/dev/null <<'SQL' &
DO $$
BEGIN
    FOR i IN 1 .. 15 LOOP
        PERFORM retail_kpi.refresh_preaggregate('day_store');
        PERFORM retail_kpi.refresh_preaggregate('day_store', DATE '2025-01-01' + i, DATE '2025-01-20' + i);
        COMMIT;
    END LOOP;
END
$$;
SQL
pids+=($!)
writer=${pids[-1]}
reads=0
while kill -0 "$writer" 2>/dev/null; do
  got=$(psql -At -c "SELECT sum(revenue) FROM retail_kpi_preagg.day_store")
  [[ $got == "$total" ]] || fail "(3) a reader saw $got instead of $total during a refresh"
  reads=$((reads + 1))
done
wait "$writer" || fail "(3) the refresh loop failed"
(( reads > 0 )) || fail "(3) no read happened during the refreshes"
check_equal "(3) after the refresh loop"
echo "ok: (3) $reads reads during 30 refreshes all saw the whole total"

# (4) two refreshes of one pre-aggregate are serialised: the second waits for the first
psql >/dev/null <<'SQL' &
BEGIN;
SELECT retail_kpi.refresh_preaggregate('day_store', '2025-02-01', '2025-02-01');
SELECT pg_sleep(4);
COMMIT;
SQL
pids+=($!)
wait_for 'SELECT pg_sleep(4)%'
psql -c "SELECT retail_kpi.refresh_preaggregate('day_store', '2025-02-20', '2025-02-20')" >/dev/null &
pids+=($!)
wait_for '%refresh_preaggregate(%2025-02-20%' Lock
wait "${pids[-2]}" "${pids[-1]}"
check_equal "(4) after two serialised refreshes"
echo "ok: (4) refreshes of one pre-aggregate are serialised (the second waited for the first's lock)"

# (5) routed readers while refreshes run and late rows (materialised days) and new rows (after the
# watermark) are committed: in one REPEATABLE READ snapshot, the routed answer by store and month
# equals the raw rows' sum, always; and the request is routed (its SQL names the pre-aggregate)
psql -At -c "SELECT retail_kpi.metric_sql('{revenue}', '{store}', NULL, NULL, NULL, 'month')" | grep -q 'from pre-aggregate "day_store"' \
  || fail "(5) the request is not routed to day_store"
psql >/dev/null <<'SQL' &
DO $$
BEGIN
    FOR i IN 1 .. 12 LOOP
        PERFORM retail_kpi.refresh_preaggregate_incremental('day_store');
        COMMIT;
        PERFORM pg_sleep(0.05);
        PERFORM retail_kpi.refresh_preaggregate('day_store', DATE '2025-01-01' + 2 * i, DATE '2025-01-05' + 2 * i);
        COMMIT;
    END LOOP;
END
$$;
SQL
pids+=($!)
refresher=${pids[-1]}
psql >/dev/null <<'SQL' &
DO $$
BEGIN
    FOR i IN 1 .. 60 LOOP
        INSERT INTO public.sales VALUES (DATE '2025-01-01' + (i * 7) % 60, i % 5 + 1, i);          -- late: a materialised day
        INSERT INTO public.sales VALUES (DATE '2025-03-01' + i % 20, i % 5 + 1, 2 * i);           -- new: after the watermark
        UPDATE public.sales SET revenue = revenue + 1 WHERE sale_date = DATE '2025-01-02' + i % 50 AND store = 1;
        COMMIT;
        PERFORM pg_sleep(0.02);
    END LOOP;
END
$$;
SQL
pids+=($!)
changer=${pids[-1]}
reads=0
while kill -0 "$refresher" 2>/dev/null || kill -0 "$changer" 2>/dev/null; do
  got=$(psql -At <<'SQL'
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT count(*) FROM (
  (SELECT period_start, (dimension_values->>'store')::int AS store, exact_value
   FROM retail_kpi.metric_values('{revenue}', '{store}', NULL, NULL, NULL, 'month')
   EXCEPT SELECT date_trunc('month', sale_date)::date, store, sum(revenue) FROM public.sales GROUP BY 1, 2)
  UNION ALL
  (SELECT date_trunc('month', sale_date)::date, store, sum(revenue) FROM public.sales GROUP BY 1, 2
   EXCEPT SELECT period_start, (dimension_values->>'store')::int, exact_value
   FROM retail_kpi.metric_values('{revenue}', '{store}', NULL, NULL, NULL, 'month', routing => 'auto'))) x;
COMMIT;
SQL
)
  [[ $got == 0 ]] || fail "(5) a routed answer differed from the raw rows in $got groups during refreshes and late data"
  reads=$((reads + 1))
done
wait "$refresher" || fail "(5) the refresh loop failed"
wait "$changer" || fail "(5) the change loop failed"
(( reads > 0 )) || fail "(5) no routed read happened"
echo "ok: (5) $reads routed reads during refreshes and concurrent late/new rows all equalled the raw rows"

# (6) a loading transaction that first touches a pending period (locking its invalidation row) and
# then a materialised period with no pending row (a new row: the foreign key check locks the
# pre-aggregate's catalog row with KEY SHARE), while a refresh of the first period waits for it:
# the refresh's row lock (NO KEY UPDATE) must not block the key check, or the two deadlock
psql -c "SELECT retail_kpi.refresh_preaggregate_incremental('day_store')" \
     -c "INSERT INTO public.sales VALUES (DATE '2025-01-10', 1, 1)" >/dev/null
psql >/dev/null <<'SQL' &
BEGIN;
INSERT INTO public.sales VALUES (DATE '2025-01-10', 2, 5);
SELECT pg_sleep(3);
INSERT INTO public.sales VALUES (DATE '2025-01-20', 2, 7);
COMMIT;
SQL
pids+=($!)
loader=${pids[-1]}
wait_for 'SELECT pg_sleep(3)%'
psql -c "SELECT retail_kpi.refresh_preaggregate('day_store', '2025-01-10', '2025-01-10')" >/dev/null &
pids+=($!)
refresh=${pids[-1]}
wait_for '%refresh_preaggregate(%2025-01-10%' Lock
wait "$loader" || fail "(6) the loading transaction failed"
wait "$refresh" || fail "(6) the refresh failed"
[[ $(psql -At -c "SELECT string_agg(period_start::text, ',' ORDER BY 1) FROM retail_kpi.preaggregate_invalidations") == 2025-01-20 ]] \
  || fail "(6) the pending periods after the refresh are not exactly the second day"
psql -c "SELECT retail_kpi.refresh_preaggregate_incremental('day_store')" >/dev/null
check_equal "(6) after the loading transaction and the refresh"
echo "ok: (6) a refresh waiting for a loading transaction does not block its next invalidation (no deadlock)"
echo "ok: pre-aggregates under concurrency"
