-- sql/calendar.sql: retail_calendar, retail_week, comparable_date.
SET search_path = retail_kpi, public;
SET datestyle = 'ISO, YMD';

-- NRF years (Saturday nearest 31 January; named for the calendar year they start in).
-- Published: 53-week years FY2000, FY2006, FY2012, FY2017, FY2023; FY2017 ends 2018-02-03,
-- FY2023 ends 2024-02-03, FY2024 = 2024-02-04 .. 2025-02-01.
SELECT fiscal_year, min(day) AS first_day, max(day) AS last_day, max(weeks_in_year) AS weeks,
       count(*) AS days
FROM generate_series(2015, 2026) y, retail_calendar(y) GROUP BY fiscal_year ORDER BY fiscal_year;
SELECT y AS fiscal_year FROM generate_series(1999, 2035) y
WHERE (SELECT max(weeks_in_year) FROM retail_calendar(y)) = 53;

-- FY2023 (4-5-4, 53 weeks): the 53rd week joins period 12 (January, 5 weeks)
SELECT fiscal_quarter, fiscal_period, min(day) AS period_start, max(day) AS period_end,
       count(*) / 7 AS weeks, min(period_start) = min(day) AND max(period_end) = max(day) AS bounds_ok
FROM retail_calendar(2023) GROUP BY fiscal_quarter, fiscal_period ORDER BY fiscal_period;

-- weeks per period for each pattern, in a 52-week (2024) and a 53-week (2023) year
SELECT p AS pattern, y AS fiscal_year,
       string_agg(w::text, '-' ORDER BY fiscal_period) AS weeks_per_period
FROM (SELECT p, y, fiscal_period, count(*) / 7 AS w
      FROM unnest(ARRAY['4-5-4', '4-4-5', '5-4-4']) p, unnest(ARRAY[2023, 2024]) y,
           retail_calendar(y, p)
      GROUP BY p, y, fiscal_period) t
GROUP BY p, y ORDER BY p, y;

-- one day: Thanksgiving 2024 is in fiscal November (period 10), week 43, Thursday = day 5 (Sunday = 1)
SELECT * FROM retail_week('2024-11-28');
SELECT (retail_week('2024-02-04')).fiscal_week AS first_week, (retail_week('2025-02-01')).fiscal_week AS last_week,
       (retail_week('2024-02-03')).fiscal_week AS week_53, (retail_week('2024-02-03')).fiscal_year AS of_2023;

-- every day of 2016-2026 maps back to its own row through retail_week, for several option sets
SELECT o.pattern, o.m, o.wd, count(*) AS days,
       bool_and(retail_week(c.day, o.pattern, o.m, o.wd) = c) AS all_match
FROM (VALUES ('4-5-4', 1, 6), ('4-4-5', 12, 0), ('5-4-4', 6, 5)) o(pattern, m, wd),
     generate_series(2016, 2026) y,
     retail_calendar(y, o.pattern, o.m, o.wd) c
GROUP BY o.pattern, o.m, o.wd ORDER BY o.pattern;

-- structural checks over 2010-2040 and all 84 year-end month / week-end day options: years are
-- contiguous, whole weeks (52 or 53), end on week_end_day within 3 days of the month's last day;
-- weeks are 7 days from week_start; 4 quarters
WITH y AS (
    SELECT m, wd, fy, min(day) AS first_day, max(day) AS last_day, max(weeks_in_year) AS weeks,
           bool_and(week_end = week_start + 6 AND day BETWEEN week_start AND week_end
                    AND extract(dow FROM week_end) = wd
                    AND fiscal_week = (day - year_start) / 7 + 1
                    AND day_of_week = (day - week_start) + 1) AS rows_ok,
           count(DISTINCT (fiscal_quarter, quarter_start, quarter_end)) AS quarters
    FROM generate_series(1, 12) m, generate_series(0, 6) wd, generate_series(2010, 2040) fy,
         retail_calendar(fy, '4-5-4', m, wd)
    GROUP BY m, wd, fy)
SELECT count(*) AS years,
       bool_and(weeks IN (52, 53) AND last_day - first_day + 1 = weeks * 7) AS whole_weeks,
       bool_and(extract(dow FROM last_day) = wd) AS ends_on_week_end_day,
       bool_and(abs(last_day - (make_date(CASE WHEN m = 12 THEN fy ELSE fy + 1 END, m, 1)
                                + interval '1 month' - interval '1 day')::date) <= 3) AS nearest_month_end,
       bool_and(rows_ok) AS rows_ok, bool_and(quarters = 4) AS four_quarters,
       bool_and(prev_last IS NULL OR first_day = prev_last + 1) AS contiguous
FROM (SELECT *, lag(last_day) OVER (PARTITION BY m, wd ORDER BY fy) AS prev_last FROM y) t;

-- other year ends, by hand:
-- December / Sunday: FY2024 ends on the Sunday nearest 2024-12-31 (a Tuesday) = 2024-12-29 and
-- starts after FY2023's end (2023-12-31 is a Sunday); FY2025 ends 2025-12-28 (31 Dec is a Wednesday)
-- and starts 2024-12-30, in the previous calendar year.
-- June / Friday: FY2024 ends on the Friday nearest 2025-06-30 (a Monday) = 2025-06-27;
-- FY2023 ends on the Friday nearest 2024-06-30 (a Sunday) = 2024-06-28.
SELECT 'Dec/Sun' AS options, fiscal_year, min(day), max(day), max(weeks_in_year)
FROM generate_series(2024, 2025) y, retail_calendar(y, '4-4-5', 12, 0) GROUP BY fiscal_year
UNION ALL
SELECT 'Jun/Fri', fiscal_year, min(day), max(day), max(weeks_in_year)
FROM retail_calendar(2024, '4-5-4', 6, 5) GROUP BY fiscal_year
ORDER BY 1, 2;

-- comparable dates
-- restated (default): 364 days back, same weekday: 2018-02-10 -> 2017-02-11 (NRF restates 2017,
-- a 53-week year, one week later for comparison with 2018)
-- fiscal_week: same fiscal week and weekday of the previous fiscal year: 2018-02-10 is FY2018
-- week 1 Saturday; FY2017 week 1 Saturday is 2017-02-04; week 53 of FY2023 has no match in FY2022
SELECT comparable_date('2018-02-10') AS restated,
       comparable_date('2018-02-10', 'fiscal_week') AS fiscal_week,
       comparable_date('2024-01-30') AS restated_week_53,
       comparable_date('2024-01-30', 'fiscal_week') AS fiscal_week_53,
       comparable_date('2023-03-15', 'fiscal_week') AS in_53_week_year;   -- FY2022 is 364 days before FY2023
SELECT bool_and(comparable_date(day) = day - 364) AS restated_364,
       bool_and(extract(dow FROM comparable_date(day)) = extract(dow FROM day)) AS same_weekday,
       bool_and(comparable_date(day, 'fiscal_week') = day - 371) AS after_53_week_year_371,
       bool_and(retail_week(comparable_date(day, 'fiscal_week')) IS NOT DISTINCT FROM
                retail_week(day - 371)) AS same_row
FROM retail_calendar(2024);
SELECT count(*) FILTER (WHERE comparable_date(day, 'fiscal_week') IS NULL) AS null_days,
       bool_and(comparable_date(day, 'fiscal_week') = day - 364 OR fiscal_week = 53) AS others_364
FROM retail_calendar(2023);
-- with other calendar options the fiscal_week method follows that calendar
SELECT comparable_date('2025-06-27', 'fiscal_week', '4-4-5', 6, 5) AS jun_fri;  -- FY2024 last day -> FY2023 last day 2024-06-28

-- bad input
SELECT * FROM retail_calendar(2024, '4-4-4');
SELECT * FROM retail_calendar(2024, '4-5-4', 0);
SELECT * FROM retail_calendar(2024, '4-5-4', 13);
SELECT * FROM retail_calendar(2024, '4-5-4', 1, 7);
SELECT * FROM retail_calendar(2024, '4-5-4', 1, -1);
SELECT * FROM retail_calendar(0);
SELECT * FROM retail_calendar(10000);
SELECT retail_week('infinity');
SELECT retail_week('0001-01-15');
SELECT retail_week('2024-01-01', '4-5-5');
SELECT comparable_date('-infinity');
SELECT comparable_date('2024-01-01', 'yoy');
SELECT comparable_date('2024-01-01', 'restated', '4-5-4', 1, 9);
SELECT count(*) AS strict_no_rows FROM retail_calendar(NULL);
SELECT retail_week(NULL) IS NULL AS strict_null, comparable_date(NULL) IS NULL AS strict_null_b;

-- retail_week keeps the last day it computed per call site: runs of one day, then the same day with
-- other options, give the rows retail_calendar gives (0 mismatches over three years, three patterns,
-- two week-end days, each day twice in a row)
SELECT count(*) AS rows, count(*) FILTER (WHERE w IS DISTINCT FROM c) AS mismatches
FROM (SELECT x.d, x.p, x.e, retail_kpi.retail_week(x.d, x.p, 1, x.e) AS w,
             (SELECT cal FROM unnest('{2021,2022,2023,2024,2025}'::int[]) y, retail_kpi.retail_calendar(y, x.p, 1, x.e) cal
              WHERE cal.day = x.d) AS c
      FROM (SELECT d::date AS d, p, e FROM generate_series(DATE '2022-06-01', DATE '2025-06-30', interval '1 day') d,
                   unnest('{4-5-4,4-4-5,5-4-4}'::text[]) p, unnest('{6,0}'::int[]) e, generate_series(1, 2) rep
            ORDER BY d, p, e) x) t;
-- ... and days in a scrambled order, each several times (slots shared by days 256 apart)
SELECT count(*) AS rows, count(*) FILTER (WHERE w IS DISTINCT FROM c) AS mismatches
FROM (SELECT x.d, retail_kpi.retail_week(x.d) AS w,
             (SELECT cal FROM unnest('{2021,2022,2023,2024,2025}'::int[]) y, retail_kpi.retail_calendar(y) cal
              WHERE cal.day = x.d) AS c
      FROM (SELECT DATE '2022-06-01' + (i * 7919) % 1100 AS d FROM generate_series(1, 3300) i) x) t;

-- retail_trunc(unit, d): the first day of the retail week, period, quarter or year of d, as
-- date_trunc for the retail calendar.  Thanksgiving 2024 (by hand, NRF FY2024 from 2024-02-04):
-- week from Sunday 2024-11-24; Q4 and period 10 from 2024-02-04 + 39 weeks = 2024-11-03.
SELECT retail_trunc('week', '2024-11-28') AS week, retail_trunc('period', '2024-11-28') AS period,
       retail_trunc('quarter', '2024-11-28') AS quarter, retail_trunc('year', '2024-11-28') AS year;
-- the 53rd week of FY2023 (2024-01-28 .. 2024-02-03) is in period 12, which starts 2023-12-31
SELECT retail_trunc('period', '2024-02-03') AS p12_start, retail_trunc('week', '2024-02-03') AS w53_start,
       retail_trunc('year', '2024-02-03') AS fy2023_start, retail_trunc('year', '2024-02-04') AS fy2024_start;
-- other options: 4-4-5, year ending on the Sunday nearest 31 December (FY2025 from 2024-12-30):
-- period 3 of 4-4-5 starts after 8 weeks, 2025-02-24
SELECT retail_trunc('period', '2025-03-10', '4-4-5', 12, 0) AS p3_start,
       retail_trunc('quarter', '2025-03-10', '4-4-5', 12, 0) AS q1_start;
-- every day of three years, every unit and pattern, both week ends, against the bounds of
-- retail_calendar's rows (0 mismatches); the unit and options change from row to row, so the
-- days kept per call site must be forgotten when they do
SELECT count(*) AS rows, count(*) FILTER (WHERE t IS DISTINCT FROM c) AS mismatches
FROM (SELECT retail_kpi.retail_trunc(x.u, x.d, x.p, 1, x.e) AS t,
             CASE x.u WHEN 'week' THEN cal.week_start WHEN 'period' THEN cal.period_start
                      WHEN 'quarter' THEN cal.quarter_start ELSE cal.year_start END AS c
      FROM (SELECT d::date AS d, u, p, e FROM generate_series(DATE '2022-06-01', DATE '2025-06-30', interval '1 day') d,
                   unnest('{week,period,quarter,year}'::text[]) u, unnest('{4-5-4,4-4-5,5-4-4}'::text[]) p,
                   unnest('{6,0}'::int[]) e
            ORDER BY (d::date - DATE '2022-06-01') * 7919 % 1127, u, p, e OFFSET 0) x
      LEFT JOIN (SELECT p, e, cal.* FROM unnest('{4-5-4,4-4-5,5-4-4}'::text[]) p, unnest('{6,0}'::int[]) e,
                        unnest('{2021,2022,2023,2024,2025}'::int[]) y, retail_kpi.retail_calendar(y, p, 1, e) cal) cal
             ON cal.day = x.d AND cal.p = x.p AND cal.e = x.e) t;
-- bad input: unknown unit (with the valid ones), pattern, options; infinite and out-of-range days
SELECT retail_trunc('month', '2024-11-28');
SELECT retail_trunc('', '2024-11-28');
SELECT retail_trunc('quarter', '2024-11-28', '4-5-5');
SELECT retail_trunc('quarter', '2024-11-28', '4-5-4', 0);
SELECT retail_trunc('quarter', '2024-11-28', '4-5-4', 1, 7);
SELECT retail_trunc('week', 'infinity');
SELECT retail_trunc('week', '0001-01-15');
SELECT retail_trunc(NULL, '2024-11-28') IS NULL AS strict_null, retail_trunc('week', NULL) IS NULL AS strict_null_b;
