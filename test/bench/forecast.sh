#!/usr/bin/env bash
# test/bench/forecast.sh: forecasts for 1,000 weekly series (50 stores x 20 categories, two years of
# weekly revenue) with forecast(series_agg(...)), against the plain SQL a user would write (seasonal
# naive with window functions; Holt-Winters with fixed parameters as a recursive CTE), and the
# rolling-origin backtest accuracy of exponential smoothing against seasonal naive on the same data.
#
#   usage: PGHOST=... PGPORT=... PGUSER=... PGDATABASE=... bash test/bench/forecast.sh [runs]
#   defaults: 5 runs.  The data are generated deterministically (md5 noise, no random()) into tables
#   bench_fc_weekly (104,000 rows: store, category, week, revenue) and bench_fc_series (the 1,000
#   stored series summaries) in the current database, dropped at the end (FORECAST_BENCH_KEEP=1
#   keeps and reuses them).  The extension must be installed (CREATE EXTENSION retail_kpi).
#   Queries run alternately in one warm session (the plain SQL Holt-Winters, tens of seconds, only
#   once); the script prints the median wall time of each
#   (psql \timing) and the ratios, after checking that our seasonal naive forecasts and intervals
#   equal the plain SQL ones.  Then the backtest table (forecast_accuracy per series).
set -euo pipefail
keep=${FORECAST_BENCH_KEEP:-0}
runs=${1:-5}
psqlc=(psql -X -q -v ON_ERROR_STOP=1)

exists=$("${psqlc[@]}" -At -c "SELECT to_regclass('bench_fc_series') IS NOT NULL")
if [[ $keep == 1 && $exists == t ]]; then
  echo "reusing tables bench_fc_weekly, bench_fc_series"
else
"${psqlc[@]}" <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_fc_weekly, bench_fc_series;
-- level 1000..4000 by store and category, a trend of -0.1 % .. +0.3 % of the level per week, a
-- yearly season (sine, amplitude 10 % .. 28 %, phase by category) and +-5 % noise from md5
CREATE TABLE bench_fc_weekly AS
SELECT s AS store, c AS category, date '2023-01-02' + 7 * w AS week,
       round(((lvl + lvl * tr * w) * (1 + amp * sin(2 * pi() * (w + 3 * c) / 52))
              + lvl * 0.05 * (('x' || substr(md5(s || ':' || c || ':' || w), 1, 8))::bit(32)::int / 2147483648.0))::numeric, 2)
         AS revenue
FROM generate_series(1, 50) s, generate_series(1, 20) c, generate_series(0, 103) w,
     LATERAL (SELECT 1000.0 + 37 * s + 53 * c AS lvl, 0.001 * ((s * 7 + c) % 5 - 1) AS tr,
                     0.10 + 0.02 * (c % 10) AS amp) p;
VACUUM ANALYZE bench_fc_weekly;
CREATE TABLE bench_fc_series AS
SELECT store, category, retail_kpi.series_agg(week, revenue) AS s FROM bench_fc_weekly GROUP BY 1, 2;
VACUUM ANALYZE bench_fc_series;
SQL
fi

# Each query returns one row (count and a checksum of the points) so that nothing is skipped.
declare -A q
q[hw_rows]="SELECT count(*), round(sum(point)::numeric, 2) FROM (SELECT store, category, retail_kpi.series_agg(week, revenue) AS s
  FROM bench_fc_weekly GROUP BY 1, 2) x, retail_kpi.forecast(s, 13)"
q[hw_stored]="SELECT count(*), round(sum(point)::numeric, 2) FROM bench_fc_series, retail_kpi.forecast(s, 13)"
q[hw_fixed]="SELECT count(*), round(sum(point)::numeric, 2) FROM bench_fc_series,
  retail_kpi.forecast(s, 13, alpha => 0.3, beta => 0.1, gamma => 0.2)"
q[snaive_rows]="SELECT count(*), round(sum(point)::numeric, 2) FROM (SELECT store, category, retail_kpi.series_agg(week, revenue) AS s
  FROM bench_fc_weekly GROUP BY 1, 2) x, retail_kpi.forecast(s, 13, 'seasonal_naive')"
# plain SQL seasonal naive: the value 52 weeks before each forecast week, sigma from the in-sample
# seasonal differences, sigma_h = sigma (k = 0 for h <= 52), z = qnorm(0.975)
snaive_sql="WITH d AS (SELECT store, category, week, revenue,
                  revenue - lag(revenue, 52) OVER (PARTITION BY store, category ORDER BY week) AS e,
                  max(week) OVER (PARTITION BY store, category) AS last_week
           FROM bench_fc_weekly),
     sig AS (SELECT store, category, sqrt(avg(e * e)) AS sigma FROM d WHERE e IS NOT NULL GROUP BY 1, 2),
     f AS (SELECT d.store, d.category, ((d.week - (d.last_week - 52 * 7)) / 7)::int AS step,
                  d.last_week + (d.week - (d.last_week - 52 * 7)) AS period, d.revenue::float8 AS point
           FROM d WHERE d.week > d.last_week - 52 * 7 AND d.week <= d.last_week - 39 * 7)
SELECT f.store, f.category, f.step, f.period, f.point, f.point - 1.959963984540054 * sig.sigma AS lower,
       f.point + 1.959963984540054 * sig.sigma AS upper
FROM f JOIN sig USING (store, category)"
q[snaive_sql]="SELECT count(*), round(sum(point)::numeric, 2) FROM ($snaive_sql) x"
# plain SQL Holt-Winters (additive, fixed alpha 0.3, beta 0.1, gamma 0.2) as a recursive CTE over
# all series at once, with the simple textbook initialisation (level = mean of the first season,
# trend = difference of the two seasonal means / 52, seasonal = first season minus its mean)
q[hw_sql]="WITH RECURSIVE y AS (
  SELECT store, category, (week - date '2023-01-02') / 7 + 1 AS t, revenue::float8 AS y FROM bench_fc_weekly),
init AS (
  SELECT store, category, avg(y) FILTER (WHERE t <= 52) AS l0,
         (avg(y) FILTER (WHERE t > 52) - avg(y) FILTER (WHERE t <= 52)) / 52 AS b0,
         array_agg(y ORDER BY t) FILTER (WHERE t <= 52) AS first FROM y GROUP BY 1, 2),
r AS (
  SELECT store, category, 0 AS t, l0 AS l, b0 AS b,
         ARRAY(SELECT v - l0 FROM unnest(first) v) AS s FROM init
  UNION ALL
  SELECT r.store, r.category, r.t + 1,
         0.3 * (y.y - r.s[r.t % 52 + 1]) + 0.7 * (r.l + r.b),
         0.1 * (0.3 * (y.y - r.s[r.t % 52 + 1]) + 0.7 * (r.l + r.b) - r.l) + 0.9 * r.b,
         r.s[1:r.t % 52] || (0.2 * (y.y - r.l - r.b) + 0.8 * r.s[r.t % 52 + 1]) || r.s[r.t % 52 + 2:]
  FROM r JOIN y ON y.store = r.store AND y.category = r.category AND y.t = r.t + 1)
SELECT count(*), round(sum(r.l + h * r.b + r.s[(r.t + h - 1) % 52 + 1])::numeric, 2)
FROM r, generate_series(1, 13) h WHERE r.t = 104"

# our seasonal naive = the plain SQL one (points and intervals)
same=$("${psqlc[@]}" -At -c "SELECT count(*) = 13000 AND bool_and(abs(o.point - p.point) < 1e-9
                                                            AND abs(o.lower - p.lower) < 1e-6 AND abs(o.upper - p.upper) < 1e-6)
  FROM (SELECT store, category, f.* FROM bench_fc_series, retail_kpi.forecast(s, 13, 'seasonal_naive') f) o
  JOIN ($snaive_sql) p USING (store, category, step, period)")
echo "seasonal naive, ours = plain SQL (points and intervals): $same"
[[ $same == t ]] || { echo "forecast.sh: seasonal naive results differ" >&2; exit 1; }

# the plain SQL Holt-Winters takes tens of seconds: it runs once, after the first round
order=(hw_rows hw_stored hw_fixed snaive_rows snaive_sql hw_sql)
script=$(mktemp)
trap 'rm -f "$script"' EXIT
{
  echo "\\timing on"
  for ((i = 0; i < runs; i++)); do
    for k in "${order[@]}"; do
      [[ $k == hw_sql && $i -gt 0 ]] && continue
      echo "\\echo @@ $k"
      echo "${q[$k]};"
    done
  done
} >"$script"
out=$("${psqlc[@]}" -At -f "$script")
declare -A times
cur=
while IFS= read -r line; do
  if [[ $line == "@@ "* ]]; then cur=${line#@@ }
  elif [[ $line =~ ^Time:\ ([0-9.]+)\ ms ]]; then times[$cur]+="${BASH_REMATCH[1]} "
  fi
done <<<"$out"
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "medians of $runs runs (ms), 1,000 series x 13 weeks:"
for k in "${order[@]}"; do
  printf '  %-12s %10.1f   (runs: %s)\n' "$k" "$(median "${times[$k]}")" "${times[$k]}"
done
m_snaive=$(median "${times[snaive_rows]}"); m_snaive_sql=$(median "${times[snaive_sql]}")
m_hw_fixed=$(median "${times[hw_fixed]}"); m_hw_sql=$(median "${times[hw_sql]}")
awk -v a="$m_snaive" -v b="$m_snaive_sql" -v c="$m_hw_fixed" -v d="$m_hw_sql" 'BEGIN {
  printf "ratios: seasonal naive ours / plain SQL = %.2f; Holt-Winters fixed parameters ours (stored) / plain SQL = %.3f\n", a / b, c / d }'

echo
echo "backtest (forecast_accuracy, horizon 13, every origin from week 53 on: 39 origins x 13 steps per series):"
"${psqlc[@]}" <<'SQL'
\pset footer off
CREATE TEMP TABLE acc AS
SELECT store, category, a.*
FROM bench_fc_series,
     LATERAL (SELECT 'ses' AS model, * FROM retail_kpi.forecast_accuracy(s, 13, 'ses')
              UNION ALL
              SELECT 'holt_damped', * FROM retail_kpi.forecast_accuracy(s, 13, 'holt', trend => 'damped')) a;
-- per model: the means of the per-series measures, the model's and seasonal naive's side by side
-- (same origins), and on how many series the model's MASE is below seasonal naive's
SELECT m.model, count(*) AS series,
       round(avg(m.mae)::numeric, 1) AS mae, round(avg(b.mae)::numeric, 1) AS mae_snaive,
       round(avg(m.smape)::numeric, 2) AS smape, round(avg(b.smape)::numeric, 2) AS smape_snaive,
       round(avg(m.mase)::numeric, 3) AS mase, round(avg(b.mase)::numeric, 3) AS mase_snaive,
       count(*) FILTER (WHERE m.mase < b.mase) AS beats_snaive
FROM acc m JOIN acc b ON b.store = m.store AND b.category = m.category AND b.model = m.model
                     AND b.method = 'seasonal_naive'
WHERE m.method <> 'seasonal_naive'
GROUP BY 1 ORDER BY 1;
SQL
echo "time of one backtest of 1,000 series (holt damped, refit at every origin, and seasonal naive):"
"${psqlc[@]}" -c "\\timing on" -c "SELECT count(*) FROM bench_fc_series, retail_kpi.forecast_accuracy(s, 13, 'holt', trend => 'damped')" | grep Time

if [[ $keep != 1 ]]; then
  "${psqlc[@]}" -c "DROP TABLE bench_fc_weekly, bench_fc_series"
fi
