-- src/calendar.sql: the retail calendar (retail_calendar, retail_week, retail_trunc, comparable_date).

CREATE TYPE retail_calendar_day AS (
    day date,
    fiscal_year integer,
    fiscal_quarter integer,
    fiscal_period integer,
    fiscal_week integer,
    day_of_week integer,
    week_start date,
    week_end date,
    period_start date,
    period_end date,
    weeks_in_year integer,
    quarter_start date,
    quarter_end date,
    year_start date,
    year_end date
);
COMMENT ON TYPE retail_calendar_day IS
    'one day of a retail (4-5-4) calendar: fiscal year, quarter, period (1-12), week (1-53), day of the retail week (1-7) and the bounds of its week, period, quarter and year';

CREATE FUNCTION retail_calendar(fiscal_year integer, pattern text DEFAULT '4-5-4',
                                year_end_month integer DEFAULT 1, week_end_day integer DEFAULT 6)
    RETURNS SETOF retail_calendar_day
    AS 'MODULE_PATHNAME', 'calendar_retail_calendar'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 371;
COMMENT ON FUNCTION retail_calendar(integer, text, integer, integer) IS
    'every day of a retail fiscal year: the year ends on week_end_day (0 = Sunday .. 6 = Saturday) nearest the last day of year_end_month and is named for the calendar year it starts in (NRF: Saturday nearest 31 January); quarters of 13 weeks in periods of pattern ''4-5-4'', ''4-4-5'' or ''5-4-4''; a 53rd week joins the last period';

CREATE FUNCTION retail_week(d date, pattern text DEFAULT '4-5-4',
                            year_end_month integer DEFAULT 1, week_end_day integer DEFAULT 6)
    RETURNS retail_calendar_day
    AS 'MODULE_PATHNAME', 'calendar_retail_week'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION retail_week(date, text, integer, integer) IS
    'the retail calendar row of one day (same options as retail_calendar)';

CREATE FUNCTION retail_trunc(unit text, d date, pattern text DEFAULT '4-5-4',
                             year_end_month integer DEFAULT 1, week_end_day integer DEFAULT 6)
    RETURNS date
    AS 'MODULE_PATHNAME', 'calendar_retail_trunc'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION retail_trunc(text, date, text, integer, integer) IS
    'the first day of the retail ''week'', ''period'', ''quarter'' or ''year'' that contains d (same options as retail_calendar), as date_trunc for the retail calendar';

CREATE FUNCTION comparable_date(d date, method text DEFAULT 'restated', pattern text DEFAULT '4-5-4',
                                year_end_month integer DEFAULT 1, week_end_day integer DEFAULT 6)
    RETURNS date
    AS 'MODULE_PATHNAME', 'calendar_comparable_date'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION comparable_date(date, text, text, integer, integer) IS
    'the comparable day of the previous year: method ''restated'' d - 364 (same weekday, NRF restated comparison), ''fiscal_week'' the same fiscal week and weekday of the previous fiscal year (NULL for a week 53 the previous year lacks)';
