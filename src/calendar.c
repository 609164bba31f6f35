/*
 * src/calendar.c
 *		The retail (4-5-4) calendar: fiscal years of 52 or 53 whole weeks that
 *		end on a fixed weekday nearest the end of a month (NRF: the Saturday
 *		nearest 31 January), split into 13-week quarters of 4-5-4, 4-4-5 or
 *		5-4-4 week periods, the first day of a retail unit (retail_trunc), and
 *		comparable (same weekday) dates a year back.
 */
#include "retail_kpi.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "utils/date.h"
#include "utils/datetime.h"

#define CAL_MIN_YEAR 1
#define CAL_MAX_YEAR 9999

static const char *const pattern_names[] = {"4-5-4", "4-4-5", "5-4-4", NULL};
static const int pattern_weeks[3][3] = {{4, 5, 4}, {4, 4, 5}, {5, 4, 4}};

/* The calendar's options, validated. */
typedef struct CalOptions
{
	int			pattern;		/* index into pattern_weeks */
	int			year_end_month; /* 1 .. 12 */
	int			week_end_day;	/* 0 = Sunday .. 6 = Saturday (extract(dow)) */
} CalOptions;

/* One day of the calendar, as returned by retail_calendar and retail_week. */
typedef struct CalDay
{
	DateADT		day;
	int			fiscal_year;
	int			quarter;
	int			period;
	int			week;
	int			day_of_week;	/* 1 = first day of the retail week */
	DateADT		week_start;
	DateADT		period_start;
	DateADT		period_end;
	DateADT		quarter_start;
	DateADT		quarter_end;
	DateADT		year_start;
	DateADT		year_end;
	int			weeks_in_year;
} CalDay;

#define CAL_NCOLUMNS 15

/* Read and check the pattern, year_end_month and week_end_day arguments at first..first+2. */
static CalOptions
cal_options(FunctionCallInfo fcinfo, int first)
{
	CalOptions	o;

	o.pattern = rk_variant(PG_GETARG_TEXT_PP(first), "pattern", pattern_names);
	o.year_end_month = PG_GETARG_INT32(first + 1);
	o.week_end_day = PG_GETARG_INT32(first + 2);
	if (o.year_end_month < 1 || o.year_end_month > 12)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"year_end_month\" must be between 1 and 12"),
				 errdetail("The value given was %d.", o.year_end_month)));
	if (o.week_end_day < 0 || o.week_end_day > 6)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"week_end_day\" must be between 0 and 6"),
				 errdetail("The value given was %d.", o.week_end_day),
				 errhint("Days are numbered as extract(dow): 0 = Sunday, 6 = Saturday.")));
	return o;
}

static inline bool
cal_options_equal(const CalOptions *a, const CalOptions *b)
{
	return a->pattern == b->pattern && a->year_end_month == b->year_end_month &&
		a->week_end_day == b->week_end_day;
}

static void
check_fiscal_year(int fy, const char *argname)
{
	if (fy < CAL_MIN_YEAR || fy > CAL_MAX_YEAR)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must be between %d and %d", argname,
						CAL_MIN_YEAR, CAL_MAX_YEAR),
				 errdetail("The fiscal year given was %d.", fy)));
}

/*
 * Last day of fiscal year fy: the week_end_day nearest the last day of
 * year_end_month.  Fiscal year fy is named for the calendar year of the first
 * day after year_end_month, so it ends in year fy + 1 unless the month is
 * December (NRF: fiscal 2024 ends near 31 January 2025).
 */
static DateADT
fiscal_year_end(int fy, const CalOptions *o)
{
	int			y = o->year_end_month == 12 ? fy : fy + 1;
	int			m = o->year_end_month;
	int			jd = date2j(y, m, day_tab[isleap(y)][m - 1]);
	int			diff = (j2day(jd) - o->week_end_day + 7) % 7;

	/* diff days after the wanted weekday; the nearest one is within 3 days */
	jd = diff <= 3 ? jd - diff : jd + 7 - diff;
	return jd - POSTGRES_EPOCH_JDATE;
}

static DateADT
fiscal_year_start(int fy, const CalOptions *o)
{
	return fiscal_year_end(fy - 1, o) + 1;
}

/* The calendar row of day d in fiscal year fy (d must lie in that year). */
static void
cal_day(DateADT d, int fy, const CalOptions *o, CalDay *r)
{
	DateADT		start = fiscal_year_start(fy, o);
	DateADT		end = fiscal_year_end(fy, o);
	int			offset = d - start;
	int			weeks = (end - start + 1) / 7;
	int			week = offset / 7 + 1;
	int			before = 0;		/* weeks before the current period */
	int			period;

	r->day = d;
	r->fiscal_year = fy;
	r->week = week;
	r->day_of_week = offset % 7 + 1;
	r->week_start = start + (week - 1) * 7;
	r->weeks_in_year = weeks;
	r->year_start = start;
	r->year_end = end;
	for (period = 1; period <= 12; period++)
	{
		int			len = pattern_weeks[o->pattern][(period - 1) % 3];

		if (period == 12)
			len += weeks - 52;	/* the 53rd week goes to the last period */
		if (week <= before + len)
		{
			r->period = period;
			r->period_start = start + before * 7;
			r->period_end = start + (before + len) * 7 - 1;
			break;
		}
		before += len;
	}
	r->quarter = (r->period - 1) / 3 + 1;
	r->quarter_start = start + (r->quarter - 1) * 13 * 7;
	r->quarter_end = r->quarter == 4 ? end : r->quarter_start + 13 * 7 - 1;
}

/* The fiscal year that contains day d; 22008 outside the supported years. */
static int
fiscal_year_of(DateADT d, const CalOptions *o)
{
	int			y,
				m,
				day;
	int			fy;

	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"d\" must be a finite date")));
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	fy = (o->year_end_month == 12 || m > o->year_end_month) ? y : y - 1;
	if (fy >= CAL_MIN_YEAR - 1 && fy <= CAL_MAX_YEAR + 1)
	{
		if (d < fiscal_year_start(fy, o))
			fy--;
		else if (d > fiscal_year_end(fy, o))
			fy++;
	}
	if (fy < CAL_MIN_YEAR || fy > CAL_MAX_YEAR)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date is outside the retail calendar's range"),
				 errdetail("Fiscal years %d to %d are supported.", CAL_MIN_YEAR, CAL_MAX_YEAR)));
	return fy;
}

/* A CalDay as a tuple of the result type. */
static HeapTuple
cal_tuple(TupleDesc tupdesc, const CalDay *r)
{
	Datum		values[CAL_NCOLUMNS];
	bool		nulls[CAL_NCOLUMNS] = {0};

	values[0] = DateADTGetDatum(r->day);
	values[1] = Int32GetDatum(r->fiscal_year);
	values[2] = Int32GetDatum(r->quarter);
	values[3] = Int32GetDatum(r->period);
	values[4] = Int32GetDatum(r->week);
	values[5] = Int32GetDatum(r->day_of_week);
	values[6] = DateADTGetDatum(r->week_start);
	values[7] = DateADTGetDatum(r->week_start + 6);
	values[8] = DateADTGetDatum(r->period_start);
	values[9] = DateADTGetDatum(r->period_end);
	values[10] = Int32GetDatum(r->weeks_in_year);
	values[11] = DateADTGetDatum(r->quarter_start);
	values[12] = DateADTGetDatum(r->quarter_end);
	values[13] = DateADTGetDatum(r->year_start);
	values[14] = DateADTGetDatum(r->year_end);
	return heap_form_tuple(tupdesc, values, nulls);
}

/*
 * What retail_week() keeps per call site in fn_extra (fn_mcxt): the blessed result descriptor,
 * looked up once (the catalog lookup dominated the cost of a call), and the rows of the last days
 * computed with one set of options, direct-mapped by day (256 slots).  metric_sql groups by a
 * retail period with one call per row, and a window holds few distinct days (a pre-aggregate has
 * one row per day and store, in no particular order), so most calls return a copy of a kept row.
 * Both depend only on the arguments and the declared result type, which cannot change while the
 * FmgrInfo lives; other options empty the slots.
 */
#define CAL_CACHE_SLOTS 256

typedef struct CalCache
{
	TupleDesc	tupdesc;
	CalOptions	options;		/* of the rows kept */
	DateADT		day[CAL_CACHE_SLOTS];
	HeapTuple	row[CAL_CACHE_SLOTS];	/* NULL: empty slot */
} CalCache;

static CalCache *
cal_cache(FunctionCallInfo fcinfo)
{
	CalCache   *c = (CalCache *) fcinfo->flinfo->fn_extra;
	TupleDesc	tupdesc;
	MemoryContext old;

	if (c != NULL)
		return c;
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE ||
		tupdesc->natts != CAL_NCOLUMNS)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("retail calendar function called with an unexpected result type")));
	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	c = (CalCache *) palloc0(sizeof(CalCache));
	c->tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = c;
	return c;
}

/* retail_calendar(fiscal_year, pattern, year_end_month, week_end_day): one row per day. */
PG_FUNCTION_INFO_V1(calendar_retail_calendar);
Datum
calendar_retail_calendar(PG_FUNCTION_ARGS)
{
	int			fy = PG_GETARG_INT32(0);
	CalOptions	o = cal_options(fcinfo, 1);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DateADT		d,
				end;

	check_fiscal_year(fy, "fiscal_year");
	InitMaterializedSRF(fcinfo, 0);
	end = fiscal_year_end(fy, &o);
	for (d = fiscal_year_start(fy, &o); d <= end; d++)
	{
		CalDay		r;

		CHECK_FOR_INTERRUPTS();
		cal_day(d, fy, &o, &r);
		tuplestore_puttuple(rsinfo->setResult, cal_tuple(rsinfo->setDesc, &r));
	}
	return (Datum) 0;
}

/* retail_week(d, pattern, year_end_month, week_end_day): the calendar row of day d. */
PG_FUNCTION_INFO_V1(calendar_retail_week);
Datum
calendar_retail_week(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	CalOptions	o = cal_options(fcinfo, 1);
	CalCache   *c = cal_cache(fcinfo);
	int			slot = (int) ((uint32) d % CAL_CACHE_SLOTS);
	CalDay		r;
	MemoryContext old;

	if (!cal_options_equal(&c->options, &o))
	{
		for (int i = 0; i < CAL_CACHE_SLOTS; i++)
		{
			if (c->row[i] != NULL)
				heap_freetuple(c->row[i]);
			c->row[i] = NULL;
		}
		c->options = o;
	}
	if (c->row[slot] == NULL || c->day[slot] != d)
	{
		cal_day(d, fiscal_year_of(d, &o), &o, &r);
		old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
		if (c->row[slot] != NULL)
			heap_freetuple(c->row[slot]);
		c->row[slot] = NULL;
		c->row[slot] = cal_tuple(c->tupdesc, &r);
		MemoryContextSwitchTo(old);
		c->day[slot] = d;
	}
	PG_RETURN_DATUM(heap_copy_tuple_as_datum(c->row[slot], c->tupdesc));
}

static const char *const trunc_units[] = {"week", "period", "quarter", "year", NULL};

/*
 * What retail_trunc() keeps per call site in fn_extra: the first day of the unit for the last days
 * computed with one unit and set of options, direct-mapped by day (256 slots).  metric_sql groups
 * by a retail period with one call per row and a window holds few distinct days, so most calls are
 * a lookup; computing the day's calendar row costs about as much as a whole row of retail_week.
 */
typedef struct TruncCache
{
	int			unit;			/* of the days kept; -1 before the first call */
	CalOptions	options;
	bool		stable;			/* the unit and options are constants of the query: resolved once */
	DateADT		day[CAL_CACHE_SLOTS];
	DateADT		start[CAL_CACHE_SLOTS];
	bool		used[CAL_CACHE_SLOTS];
} TruncCache;

/*
 * retail_trunc(unit, d, pattern, year_end_month, week_end_day): the first day of the retail week,
 * period, quarter or year that contains d, as date_trunc gives the calendar's; what metric_sql
 * groups by at the retail grains (a date, not a row, per input row).
 */
PG_FUNCTION_INFO_V1(calendar_retail_trunc);
Datum
calendar_retail_trunc(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(1);
	TruncCache *c = (TruncCache *) fcinfo->flinfo->fn_extra;
	int			slot = (int) ((uint32) d % CAL_CACHE_SLOTS);

	if (c == NULL)
	{
		c = (TruncCache *) MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(TruncCache));
		c->unit = -1;
		c->stable = get_fn_expr_arg_stable(fcinfo->flinfo, 0) && get_fn_expr_arg_stable(fcinfo->flinfo, 2) &&
			get_fn_expr_arg_stable(fcinfo->flinfo, 3) && get_fn_expr_arg_stable(fcinfo->flinfo, 4);
		fcinfo->flinfo->fn_extra = c;
	}
	if (!c->stable || c->unit < 0)
	{
		/* resolved (and checked) at every call unless they are constants; other ones forget the days */
		int			unit = rk_variant(PG_GETARG_TEXT_PP(0), "unit", trunc_units);
		CalOptions	o = cal_options(fcinfo, 2);

		if (unit != c->unit || !cal_options_equal(&o, &c->options))
		{
			c->unit = unit;
			c->options = o;
			memset(c->used, 0, sizeof(c->used));
		}
	}
	if (!c->used[slot] || c->day[slot] != d)
	{
		CalDay		r;

		cal_day(d, fiscal_year_of(d, &c->options), &c->options, &r);
		c->day[slot] = d;
		c->start[slot] = c->unit == 0 ? r.week_start : c->unit == 1 ? r.period_start :
			c->unit == 2 ? r.quarter_start : r.year_start;
		c->used[slot] = true;
	}
	PG_RETURN_DATEADT(c->start[slot]);
}

static const char *const comparable_methods[] = {"restated", "fiscal_week", NULL};

/*
 * comparable_date(d, method, pattern, year_end_month, week_end_day):
 * 'restated' (default) d - 364 days, the same weekday 52 weeks back (NRF's
 * restated comparison: after a 53-week year the prior year is read shifted by
 * one week, so its first week drops out); 'fiscal_week' the same fiscal week
 * and weekday of the previous fiscal year, NULL for week 53 when the previous
 * year has only 52 weeks.
 */
PG_FUNCTION_INFO_V1(calendar_comparable_date);
Datum
calendar_comparable_date(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	int			method = rk_variant(PG_GETARG_TEXT_PP(1), "method", comparable_methods);
	CalOptions	o = cal_options(fcinfo, 2);
	DateADT		result;

	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"d\" must be a finite date")));
	if (method == 0)
		result = d - 364;
	else
	{
		CalDay		r;
		int			prior;
		DateADT		prior_start;

		cal_day(d, fiscal_year_of(d, &o), &o, &r);
		prior = r.fiscal_year - 1;
		if (prior < CAL_MIN_YEAR)
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("comparable date is outside the retail calendar's range"),
					 errdetail("Fiscal years %d to %d are supported.", CAL_MIN_YEAR, CAL_MAX_YEAR)));
		prior_start = fiscal_year_start(prior, &o);
		if (r.week > (fiscal_year_end(prior, &o) - prior_start + 1) / 7)
			PG_RETURN_NULL();
		result = prior_start + (r.week - 1) * 7 + r.day_of_week - 1;
	}
	if (!IS_VALID_DATE(result))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date out of range")));
	PG_RETURN_DATEADT(result);
}
