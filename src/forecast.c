/*
 * src/forecast.c
 *		The forecast family: series_summary keeps a KPI series (one exact sum
 *		per period date), so that many series are built at once with GROUP BY
 *		and rolled up like any summary; forecast(), forecast_model() and
 *		forecast_accuracy() fit naive, seasonal naive and exponential smoothing
 *		models (SES, Holt, Holt-Winters; ETS models with additive errors) to a
 *		summary and return point forecasts with prediction intervals, the
 *		fitted parameters, and a rolling-origin backtest.  See docs/forecast.md.
 *
 * Stored layout (a varlena, version 1):
 *		header | SeriesEntry entries[capacity]
 * Entries 0 .. nperiods-1 are sorted by date, strictly increasing; entries past
 * nperiods are zeroed slack that lets the aggregate grow in place (the final
 * function trims it).  Values of the same period add up (exact sums).
 *
 * Text form:	(v1,rows=5,2024-01-01:120.50,2024-01-08:98)
 * Binary form: version, kind, period count, rows, then per period the date and
 *		the value as decimal text.
 */
#include "flat_summary.h"

#include <ctype.h>
#include <float.h>
#include <math.h>

#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/datetime.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#define SERIES_KIND 'f'
/* Periods per summary, and per series after filling gaps (about 3 MB of state). */
#define SERIES_MAX_PERIODS 100000
#define FC_MAX_HORIZON 1000

typedef struct SeriesEntry
{
	DateADT		date;
	int32		pad;
	ExactSum	value;
} SeriesEntry;

typedef struct SeriesSummary
{
	int32		vl_len_;
	uint8		version;
	uint8		kind;			/* 'f' */
	uint16		flags;			/* reserved, 0 */
	int32		nperiods;
	int32		capacity;		/* entries allocated, >= nperiods */
	int64		nrows;			/* rows aggregated (period and value given) */
	SeriesEntry entries[FLEXIBLE_ARRAY_MEMBER];
} SeriesSummary;

#define SERIES_SIZE(cap) (offsetof(SeriesSummary, entries) + (Size) (cap) * sizeof(SeriesEntry))

/* ---------- storage ---------- */

/* A new empty summary with room for cap periods, in CurrentMemoryContext. */
static SeriesSummary *
series_new(int cap)
{
	SeriesSummary *s = palloc0(SERIES_SIZE(cap));

	SET_VARSIZE(s, SERIES_SIZE(cap));
	s->version = RK_FORMAT_VERSION;
	s->kind = SERIES_KIND;
	s->capacity = cap;
	return s;
}

/* A copy of s with room for at least cap periods (slack zeroed). */
static SeriesSummary *
series_copy(const SeriesSummary *s, int cap)
{
	SeriesSummary *c;

	if (cap < s->nperiods)
		cap = s->nperiods;
	c = palloc0(SERIES_SIZE(cap));
	memcpy(c, s, SERIES_SIZE(s->nperiods));
	SET_VARSIZE(c, SERIES_SIZE(cap));
	c->capacity = cap;
	return c;
}

/* 54000 when a series would pass the period limit. */
static void
series_check_limit(int64 n)
{
	if (n > SERIES_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("series_summary cannot hold more than %d periods", SERIES_MAX_PERIODS),
				 errhint("Aggregate to a coarser period (for example weeks or months), or one series per year range.")));
}

/* Room for need periods: s itself, or a larger copy (capacity doubled, within the limit). */
static SeriesSummary *
series_reserve(SeriesSummary *s, int64 need)
{
	int64		cap;

	series_check_limit(need);
	if (need <= s->capacity)
		return s;
	cap = Max((int64) s->capacity * 2, 16);
	cap = Min(cap, SERIES_MAX_PERIODS);
	cap = Max(cap, need);
	return series_copy(s, (int) cap);
}

/* Raise 22000 for a corrupt stored or binary value. */
static void
series_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("corrupt series_summary value"),
			 errdetail("%s", detail)));
}

/* Raise code (22000 binary and stored, 22P02 text) for a format version this library does not read. */
static void
series_version_error(int version, int code)
{
	ereport(ERROR,
			(errcode(code),
			 errmsg("unsupported series_summary format version %d", version),
			 errdetail("This version of retail_kpi reads format version %d.",
					   RK_FORMAT_VERSION)));
}

/* Check the invariants of a summary's fields and entries (22000 when broken). */
static void
series_validate(const SeriesSummary *s)
{
	int			i;

	if (s->flags != 0 || s->nperiods < 1 || s->nperiods > SERIES_MAX_PERIODS ||
		s->capacity < s->nperiods || s->nrows < s->nperiods)
		series_corrupt("The header's counts are inconsistent.");
	for (i = 0; i < s->nperiods; i++)
	{
		const SeriesEntry *e = &s->entries[i];
		const ExactSum *x = &e->value;

		CHECK_FOR_INTERRUPTS();
		if (DATE_NOT_FINITE(e->date) || !IS_VALID_DATE(e->date) ||
			(i > 0 && e->date <= s->entries[i - 1].date))
			series_corrupt("The period dates are not valid and strictly increasing.");
		if (e->pad != 0 || x->has_value != 1 || x->scale < 0 || x->scale > RK_MAX_SCALE ||
			x->pad != 0 || x->big_len != 0)
			series_corrupt("A period's value has an invalid scale or flag.");
	}
}

/* Detoast a stored summary and validate it. */
static SeriesSummary *
series_from_datum(Datum d)
{
	SeriesSummary *s = (SeriesSummary *) PG_DETOAST_DATUM(d);
	Size		size = VARSIZE(s);

	if (size < offsetof(SeriesSummary, entries))
		series_corrupt("The value is shorter than its header.");
	if (s->version != RK_FORMAT_VERSION)
		series_version_error(s->version, ERRCODE_DATA_EXCEPTION);
	if (s->kind != SERIES_KIND)
		series_corrupt("The header does not describe this type.");
	if (s->capacity < 0 || s->capacity > SERIES_MAX_PERIODS || size != SERIES_SIZE(s->capacity))
		series_corrupt("The value's length does not match its contents.");
	series_validate(s);
	return s;
}

/* Index of period d in s, inserting an empty entry when absent (may return a new value). */
static int
series_find_or_insert(SeriesSummary **sp, DateADT d)
{
	SeriesSummary *s = *sp;
	int			n = s->nperiods;
	bool		found;
	int			lo = rk_date_position(&s->entries[0].date, n, sizeof(SeriesEntry), d, &found);

	if (found)
		return lo;
	s = series_reserve(s, (int64) n + 1);
	if (lo < n)
		memmove(&s->entries[lo + 1], &s->entries[lo], (n - lo) * sizeof(SeriesEntry));
	memset(&s->entries[lo], 0, sizeof(SeriesEntry));
	s->entries[lo].date = d;
	s->nperiods = n + 1;
	*sp = s;
	return lo;
}

/*
 * Merge b into a: same-period values add, new periods are inserted in order.
 * The merge runs from the end so that it works in place once a has room.
 */
static SeriesSummary *
series_merge(SeriesSummary *a, const SeriesSummary *b)
{
	int			na = a->nperiods,
				nb = b->nperiods;
	int			i = 0,
				j = 0,
				common = 0,
				k;

	while (i < na && j < nb)
	{
		if (a->entries[i].date < b->entries[j].date)
			i++;
		else if (a->entries[i].date > b->entries[j].date)
			j++;
		else
			common++, i++, j++;
		CHECK_FOR_INTERRUPTS();
	}
	a = series_reserve(a, (int64) na + nb - common);
	i = na - 1;
	j = nb - 1;
	k = na + nb - common - 1;
	while (j >= 0)
	{
		if (i >= 0 && a->entries[i].date > b->entries[j].date)
			a->entries[k--] = a->entries[i--];
		else if (i >= 0 && a->entries[i].date == b->entries[j].date)
		{
			a->entries[k] = a->entries[i];
			if (!exact_sum_add_sum(&a->entries[k].value, &b->entries[j].value))
				exact_sum_overflow_error("value");
			k--, i--, j--;
		}
		else
			a->entries[k--] = b->entries[j--];
		CHECK_FOR_INTERRUPTS();
	}
	a->nperiods = na + nb - common;
	if (pg_add_s64_overflow(a->nrows, b->nrows, &a->nrows))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count of series_summary is out of range")));
	return a;
}

/* ---------- text form ---------- */

/* The text form: (v1,rows=N,YYYY-MM-DD:sum,...) in date order. */
static char *
series_to_cstring(const SeriesSummary *s)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "(v%d,rows=" INT64_FORMAT, s->version, s->nrows);
	for (i = 0; i < s->nperiods; i++)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfoChar(&buf, ',');
		rk_append_iso_date(&buf, s->entries[i].date);
		appendStringInfoChar(&buf, ':');
		append_scaled_decimal(&buf, s->entries[i].value.fast, s->entries[i].value.scale);
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* Raise 22P02 for malformed text input. */
static void
series_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type series_summary: \"%s\"", str),
			 errdetail("%s", detail)));
}

/*
 * Parse the text form exactly (blanks around the whole value allowed): dates
 * strictly increasing, at least one period, rows >= periods (22P02 otherwise).
 */
static SeriesSummary *
series_from_cstring(const char *str)
{
	const char *p = str;
	const char *v;
	SeriesSummary *s;
	long		version;
	char	   *end;
	int64		rows;

	while (isspace((unsigned char) *p))
		p++;
	if (strncmp(p, "(v", 2) != 0 || !isdigit((unsigned char) p[2]))
		series_syntax_error(str, "A summary starts with \"(v\" and its format version.");
	errno = 0;
	version = strtol(p + 2, &end, 10);
	if (errno != 0 || version != RK_FORMAT_VERSION)
		series_version_error(errno != 0 ? -1 : (int) version, ERRCODE_INVALID_TEXT_REPRESENTATION);
	p = end;
	if (strncmp(p, ",rows=", 6) != 0)
		series_syntax_error(str, "Expected field \"rows\".");
	p += 6;
	v = p;
	while (*p != '\0' && *p != ',' && *p != ')')
		p++;
	if (!rk_parse_count(v, p - v, &rows))
		series_syntax_error(str, "The row count must be a non-negative integer.");

	s = series_new(16);
	s->nrows = rows;
	while (*p == ',')
	{
		SeriesEntry *e;
		DateADT		d;
		int128		value;
		int			scale;

		CHECK_FOR_INTERRUPTS();
		p++;
		v = p;
		while (*p != '\0' && *p != ':' && *p != ',' && *p != ')')
			p++;
		if (*p != ':' || !rk_parse_iso_date(v, p - v, &d))
			series_syntax_error(str, "A period is written as YYYY-MM-DD:value, with a valid date.");
		if (s->nperiods > 0 && d <= s->entries[s->nperiods - 1].date)
			series_syntax_error(str, "Period dates must be strictly increasing.");
		p++;
		v = p;
		while (*p != '\0' && *p != ',' && *p != ')')
			p++;
		switch (parse_exact_decimal(v, p - v, &value, &scale))
		{
			case DECIMAL_SYNTAX:
				series_syntax_error(str, "A period's value is not a decimal number.");
				break;
			case DECIMAL_RANGE:
				exact_sum_overflow_error("value");
				break;
			case DECIMAL_OK:
				break;
		}
		s = series_reserve(s, (int64) s->nperiods + 1);
		e = &s->entries[s->nperiods++];
		e->date = d;
		exact_sum_add_scaled(&e->value, value, scale);	/* empty sum: cannot fail */
		e->value.has_value = 1;
	}
	if (*p != ')')
		series_syntax_error(str, "Expected \")\" after the last period.");
	p++;
	while (isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		series_syntax_error(str, "Unexpected text after the summary.");
	if (s->nperiods == 0)
		series_syntax_error(str, "A summary has at least one period.");
	if (rows < s->nperiods)
		series_syntax_error(str, "The row count must be at least the number of periods.");
	return series_copy(s, s->nperiods);
}

/* ---------- SQL-callable: type support ---------- */

/* Text input of series_summary. */
PG_FUNCTION_INFO_V1(series_summary_in);
Datum
series_summary_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(series_from_cstring(PG_GETARG_CSTRING(0)));
}

/* Text output of series_summary. */
PG_FUNCTION_INFO_V1(series_summary_out);
Datum
series_summary_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(series_to_cstring(series_from_datum(PG_GETARG_DATUM(0))));
}

/* Binary output: version, kind, period count, rows, then per period its date and decimal value. */
PG_FUNCTION_INFO_V1(series_summary_send);
Datum
series_summary_send(PG_FUNCTION_ARGS)
{
	SeriesSummary *s = series_from_datum(PG_GETARG_DATUM(0));
	StringInfoData buf;
	StringInfoData num;
	int			i;

	pq_begintypsend(&buf);
	initStringInfo(&num);
	pq_sendbyte(&buf, s->version);
	pq_sendbyte(&buf, s->kind);
	pq_sendint32(&buf, s->nperiods);
	pq_sendint64(&buf, s->nrows);
	for (i = 0; i < s->nperiods; i++)
	{
		CHECK_FOR_INTERRUPTS();
		resetStringInfo(&num);
		append_scaled_decimal(&num, s->entries[i].value.fast, s->entries[i].value.scale);
		pq_sendint32(&buf, s->entries[i].date);
		pq_sendint32(&buf, num.len);
		pq_sendbytes(&buf, num.data, num.len);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Fail with 22000 unless n more bytes are left in buf. */
static void
series_need_bytes(StringInfo buf, int64 n)
{
	if (n < 0 || buf->len - buf->cursor < n)
		series_corrupt("The binary value is truncated.");
}

/* Binary input: validated field by field (22000). */
PG_FUNCTION_INFO_V1(series_summary_recv);
Datum
series_summary_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	SeriesSummary *s;
	int			version;
	int32		n;
	int			i;

	series_need_bytes(buf, 1);
	version = pq_getmsgbyte(buf);
	if (version != RK_FORMAT_VERSION)
		series_version_error(version, ERRCODE_DATA_EXCEPTION);
	series_need_bytes(buf, 1 + 4 + 8);
	if (pq_getmsgbyte(buf) != SERIES_KIND)
		series_corrupt("The binary header does not describe this type.");
	n = (int32) pq_getmsgint(buf, 4);
	if (n < 1)
		series_corrupt("The number of periods is invalid.");
	series_check_limit(n);
	series_need_bytes(buf, 8 + (int64) n * 9);
	s = series_new(n);
	s->nrows = pq_getmsgint64(buf);
	for (i = 0; i < n; i++)
	{
		SeriesEntry *e = &s->entries[i];
		int			len;
		const char *txt;
		int128		value;
		int			scale;

		CHECK_FOR_INTERRUPTS();
		series_need_bytes(buf, 8);
		e->date = (DateADT) pq_getmsgint(buf, 4);
		len = (int) pq_getmsgint(buf, 4);
		series_need_bytes(buf, len);
		txt = pq_getmsgbytes(buf, len);
		switch (parse_exact_decimal(txt, len, &value, &scale))
		{
			case DECIMAL_SYNTAX:
				series_corrupt("A period's value is not a decimal number.");
				break;
			case DECIMAL_RANGE:
				exact_sum_overflow_error("value");
				break;
			case DECIMAL_OK:
				break;
		}
		exact_sum_add_scaled(&e->value, value, scale);	/* empty sum: cannot fail */
		e->value.has_value = 1;
		s->nperiods = i + 1;
	}
	if (buf->cursor != buf->len)
		series_corrupt("The binary value has trailing bytes.");
	series_validate(s);
	PG_RETURN_POINTER(s);
}

/* ---------- SQL-callable: aggregation ---------- */

/* The state to update: new on the first row, in place inside an aggregate, else a copy. */
static SeriesSummary *
series_state(FunctionCallInfo fcinfo, bool in_agg)
{
	if (PG_ARGISNULL(0))
		return series_new(in_agg ? 16 : 1);
	if (in_agg)
		return (SeriesSummary *) PG_GETARG_POINTER(0);
	return series_copy(series_from_datum(PG_GETARG_DATUM(0)), 0);
}

/* A value returned outside an aggregate carries no growth room. */
static SeriesSummary *
series_trimmed(SeriesSummary *s, bool in_agg)
{
	if (in_agg || s->capacity == s->nperiods)
		return s;
	return series_copy(s, s->nperiods);
}

/*
 * series_agg(period, value) transition: adds value to the period's exact sum;
 * a row with a NULL period or value is skipped.
 */
PG_FUNCTION_INFO_V1(series_agg_trans);
Datum
series_agg_trans(PG_FUNCTION_ARGS)
{
	SeriesSummary *s;
	DateADT		d;
	int			idx;
	bool		in_agg;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	d = PG_GETARG_DATEADT(1);
	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"period\" must be a finite date"),
				 errdetail("The value given was %s.", DATE_IS_NOBEGIN(d) ? "-infinity" : "infinity")));
	rk_check_finite_numeric(PG_GETARG_DATUM(2), "value");
	in_agg = rk_in_agg(fcinfo);
	s = series_state(fcinfo, in_agg);
	idx = series_find_or_insert(&s, d);
	if (!exact_sum_add_numeric(&s->entries[idx].value, PG_GETARG_DATUM(2)))
		exact_sum_overflow_error("value");
	s->nrows++;
	PG_RETURN_POINTER(series_trimmed(s, in_agg));
}

/* Combine function and rollup transition: merge argument 1 into argument 0. */
PG_FUNCTION_INFO_V1(series_summary_combine);
Datum
series_summary_combine(PG_FUNCTION_ARGS)
{
	SeriesSummary *b;
	bool		in_agg;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = series_from_datum(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(series_copy(b, b->nperiods));
	in_agg = rk_in_agg(fcinfo);
	PG_RETURN_POINTER(series_trimmed(series_merge(series_state(fcinfo, in_agg), b), in_agg));
}

/* Final function of series_agg and rollup: drop the growth slack before the value is stored. */
PG_FUNCTION_INFO_V1(series_summary_final);
Datum
series_summary_final(PG_FUNCTION_ARGS)
{
	SeriesSummary *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (SeriesSummary *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	if (s->capacity == s->nperiods)
		PG_RETURN_POINTER(s);
	PG_RETURN_POINTER(series_copy(s, s->nperiods));
}

/* Number of rows the summary was built from. */
PG_FUNCTION_INFO_V1(series_row_count);
Datum
series_row_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(series_from_datum(PG_GETARG_DATUM(0))->nrows);
}

/* series_points(s): one row per period, (period date, value numeric), in date order. */
PG_FUNCTION_INFO_V1(series_points);
Datum
series_points(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SeriesSummary *s;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	s = series_from_datum(PG_GETARG_DATUM(0));
	for (i = 0; i < s->nperiods; i++)
	{
		Datum		values[2];
		bool		nulls[2] = {false, false};

		values[0] = DateADTGetDatum(s->entries[i].date);
		values[1] = scaled_to_numeric(s->entries[i].value.fast, s->entries[i].value.scale);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}

/* ---------- the regular series: spacing, gaps, values as float8 ---------- */

enum
{
	SP_DAYS,
	SP_MONTHS
};

typedef struct Spacing
{
	int			unit;			/* SP_DAYS or SP_MONTHS */
	int			step;			/* days or months between periods */
	bool		month_end;		/* SP_MONTHS: periods are month ends */
	int			dom;			/* SP_MONTHS, not month_end: the day of month */
	DateADT		first;			/* date of period 0 */
	int64		first_month;	/* SP_MONTHS: year * 12 + month - 1 of period 0 */
} Spacing;

enum
{
	G_ERROR,
	G_ZERO
};

static const char *const gaps_names[] = {"error", "zero", NULL};

typedef struct Series
{
	int			n;				/* periods, gaps filled */
	double	   *y;
	Spacing		sp;
	int			filled;			/* periods filled with 0 */
} Series;

/* Exact powers of ten as doubles (10^22 is the last exact one). */
static const double pow10_double[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
	1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

/* An exact sum as the nearest float8 (one correctly rounded division, or via numeric). */
static double
sum_to_double(const ExactSum *x)
{
	int128		v = x->fast;
	int128		lim = (int128) 1 << 53;

	if (v > -lim && v < lim && x->scale <= 22)
		return (double) (int64) v / pow10_double[x->scale];
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, scaled_to_numeric(v, x->scale)));
}

/* Greatest common divisor of two non-negative integers (gcd(a, 0) = a). */
static int64
gcd64(int64 a, int64 b)
{
	while (b != 0)
	{
		int64		t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* year * 12 + month - 1 of a date, and its day of month. */
static int64
month_number(DateADT d, int *dom, bool *month_end)
{
	int			y,
				m,
				day;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	*dom = day;
	*month_end = day == day_tab[isleap(y)][m - 1];
	return (int64) y * 12 + (m - 1);
}

/* The text form of a spacing: "1 day", "7 days", "1 month", "3 months (month ends)". */
static char *
spacing_text(const Spacing *sp)
{
	if (sp->unit == SP_DAYS)
		return psprintf("%d day%s", sp->step, sp->step == 1 ? "" : "s");
	return psprintf("%d month%s%s", sp->step, sp->step == 1 ? "" : "s",
					sp->month_end ? " (month ends)" : "");
}

/*
 * Date of period k (0 = the first period; k may run past the series).  22008
 * when it leaves PostgreSQL's date range.
 */
static DateADT
period_date(const Spacing *sp, int64 k)
{
	int64		j;

	if (sp->unit == SP_DAYS)
		j = (int64) sp->first + k * sp->step;
	else
	{
		int64		mn = sp->first_month + k * sp->step;
		int64		y = mn >= 0 ? mn / 12 : -((-mn + 11) / 12);
		int			m = (int) (mn - y * 12) + 1;
		int			d;

		if (y < -4713 || y > 5874898)
			j = PG_INT64_MAX;
		else
		{
			d = day_tab[isleap(y)][m - 1];
			if (!sp->month_end && sp->dom < d)
				d = sp->dom;
			if (!IS_VALID_JULIAN(y, m, d))
				j = PG_INT64_MAX;
			else
				j = (int64) date2j((int) y, m, d) - POSTGRES_EPOCH_JDATE;
		}
	}
	if (j < PG_INT32_MIN || j > PG_INT32_MAX || !IS_VALID_DATE((int32) j))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("forecast period is out of the range of type date"),
				 errdetail("Period %lld after the first one does not fit in a date.", (long long) k)));
	return (DateADT) j;
}

/*
 * The regular series of a summary: detect the spacing of its period dates
 * (months when every date is a month end or every date has the same day of
 * month -- or the last day of a month too short for it --, else the greatest common divisor of the day differences), then either
 * refuse gaps (22023) or fill them with 0.  Needs at least 2 periods, which
 * callers check first.
 */
static Series *
series_regular(const SeriesSummary *s, int gaps)
{
	Series	   *r = palloc0(sizeof(Series));
	Spacing    *sp = &r->sp;
	int			n = s->nperiods;
	int			dom0,
				dom,
				dom_max = 0;
	bool		all_end = true,
				same_dom = true,
				end;
	int64		g = 0,
				total,
				last_idx;
	int64	   *idx = palloc(sizeof(int64) * n);
	int			i;

	Assert(n >= 2);
	sp->first = s->entries[0].date;
	sp->first_month = month_number(s->entries[0].date, &dom0, &end);
	for (i = 0; i < n; i++)
	{
		(void) month_number(s->entries[i].date, &dom, &end);
		dom_max = Max(dom_max, dom);
	}
	/* the same day of month, or the month's last day when the month is shorter */
	for (i = 0; i < n; i++)
	{
		idx[i] = month_number(s->entries[i].date, &dom, &end);
		all_end &= end;
		same_dom &= dom == dom_max || (end && dom < dom_max);
		CHECK_FOR_INTERRUPTS();
	}
	if (all_end || same_dom)
	{
		sp->unit = SP_MONTHS;
		sp->month_end = all_end;
		sp->dom = dom_max;
		for (i = 0; i < n; i++)
			idx[i] -= sp->first_month;
	}
	else
	{
		sp->unit = SP_DAYS;
		for (i = 0; i < n; i++)
			idx[i] = (int64) s->entries[i].date - sp->first;
	}
	for (i = 1; i < n; i++)
	{
		g = gcd64(idx[i] - idx[i - 1], g);
		CHECK_FOR_INTERRUPTS();
	}
	Assert(g > 0);
	sp->step = (int) Min(g, PG_INT32_MAX);
	last_idx = idx[n - 1] / g;
	total = last_idx + 1;
	if (total > n && gaps == G_ERROR)
	{
		int			first_gap = 0;

		for (i = 1; i < n; i++)
			if (idx[i] / g != i)
			{
				first_gap = i - 1;
				break;
			}
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series has gaps: " INT64_FORMAT " of its " INT64_FORMAT " periods are missing",
						total - n, total),
				 errdetail("The periods are spaced %s; the first missing one follows %s.",
						   spacing_text(sp),
						   DatumGetCString(DirectFunctionCall1(date_out,
															   DateADTGetDatum(s->entries[first_gap].date)))),
				 errhint("Pass gaps => 'zero' to count a missing period as 0, or fill the series before aggregating.")));
	}
	series_check_limit(total);
	r->n = (int) total;
	r->filled = (int) (total - n);
	r->y = palloc0(sizeof(double) * r->n);
	for (i = 0; i < n; i++)
	{
		r->y[idx[i] / g] = sum_to_double(&s->entries[i].value);
		CHECK_FOR_INTERRUPTS();
	}
	pfree(idx);
	return r;
}

/* ---------- models ---------- */

enum
{
	M_NAIVE,
	M_SNAIVE,
	M_SES,
	M_HOLT,
	M_HW
};

static const char *const method_names[] = {"naive", "seasonal_naive", "ses", "holt", "holt_winters", NULL};

enum
{
	T_NONE,
	T_ADDITIVE,
	T_DAMPED
};

static const char *const trend_names[] = {"none", "additive", "damped", NULL};

enum
{
	S_NONE,
	S_ADDITIVE,
	S_MULTIPLICATIVE
};

static const char *const seasonal_names[] = {"none", "additive", "multiplicative", NULL};

enum
{
	P_ALPHA,
	P_BETA,
	P_GAMMA,
	P_PHI,
	NPARAMS
};

static const char *const param_names[] = {"alpha", "beta", "gamma", "phi"};

/* Bounds of estimated parameters; phi as FPP3 recommends. */
#define PAR_LO 1e-4
#define PAR_HI (1.0 - 1e-4)
#define PHI_LO 0.8
#define PHI_HI 0.98

/* What the caller asked for: the method, its components and any fixed parameters. */
typedef struct ModelSpec
{
	int			method;
	int			trend;
	int			season;
	int			m;				/* season length; 1 when the model has none */
	int			m_default;		/* the season length used for baselines (1 = none) */
	bool		given[NPARAMS];
	double		par[NPARAMS];
	int			gaps;
} ModelSpec;

/* A fitted model: parameters and the states after the last observation. */
typedef struct Fit
{
	const ModelSpec *spec;
	double		par[NPARAMS];	/* alpha, beta (trend, component form), gamma, phi */
	int			n;				/* observations fitted */
	const double *y;			/* those observations (naive methods read them) */
	double		l0,
				b0;				/* initial level and trend */
	double	   *s0;				/* initial seasonal states, ring of m (index t mod m) */
	double		l,
				b;				/* final level and trend */
	double	   *s;				/* final seasonal states, ring of m */
	double		sse;
	int			nerr;			/* one-step errors in sse */
	double		sigma;			/* residual standard deviation */
} Fit;

/* Minimum number of periods a method needs to be fitted. */
static int
spec_min_periods(const ModelSpec *sp)
{
	switch (sp->method)
	{
		case M_NAIVE:
			return 2;
		case M_SNAIVE:
			return sp->m + 1;
		case M_SES:
			return 3;
		case M_HOLT:
			return 4;
		default:
			if (sp->season == S_NONE)
				return sp->trend == T_NONE ? 3 : 4;
			return Max(2 * sp->m, 4);
	}
}

/* The default season length of a spacing: 7 for days, 52 for weeks, 12 for months, 4 for quarters. */
static int
default_season(const Spacing *sp)
{
	if (sp->unit == SP_DAYS)
		return sp->step == 1 ? 7 : (sp->step == 7 ? 52 : 1);
	return sp->step == 1 ? 12 : (sp->step == 3 ? 4 : 1);
}

/*
 * Read the model arguments of forecast(), forecast_model() and
 * forecast_accuracy() (argument positions given by the caller; par_arg is the
 * first of alpha, beta, gamma, phi) and check them.  The season length is
 * resolved later, once the spacing is known (spec_resolve_season).
 */
static void
spec_from_args(FunctionCallInfo fcinfo, ModelSpec *sp, int method_arg, int season_arg,
			   int par_arg, int trend_arg, int seasonal_arg, int gaps_arg)
{
	int			k;
	int			trend = -1,
				season = -1;

	memset(sp, 0, sizeof(ModelSpec));
	if (PG_ARGISNULL(method_arg))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"method\" must not be NULL"),
				 errhint("Valid values are 'naive', 'seasonal_naive', 'ses', 'holt', 'holt_winters'.")));
	sp->method = rk_variant(PG_GETARG_TEXT_PP(method_arg), "method", method_names);
	if (PG_ARGISNULL(gaps_arg))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"gaps\" must not be NULL"),
				 errhint("Valid values are 'error', 'zero'.")));
	sp->gaps = rk_variant(PG_GETARG_TEXT_PP(gaps_arg), "gaps", gaps_names);
	if (!PG_ARGISNULL(trend_arg))
		trend = rk_variant(PG_GETARG_TEXT_PP(trend_arg), "trend", trend_names);
	if (!PG_ARGISNULL(seasonal_arg))
		season = rk_variant(PG_GETARG_TEXT_PP(seasonal_arg), "seasonal", seasonal_names);

	switch (sp->method)
	{
		case M_NAIVE:
		case M_SNAIVE:
		case M_SES:
			if (trend > T_NONE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("argument \"trend\" must be NULL or 'none' for method \"%s\"",
								method_names[sp->method]),
						 errhint("Use method 'holt' or 'holt_winters' for a trend.")));
			if (season > S_NONE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("argument \"seasonal\" must be NULL or 'none' for method \"%s\"",
								method_names[sp->method]),
						 errhint("Use method 'seasonal_naive' or 'holt_winters' for seasonality.")));
			sp->trend = T_NONE;
			sp->season = S_NONE;
			break;
		case M_HOLT:
			if (season > S_NONE)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("argument \"seasonal\" must be NULL or 'none' for method \"holt\""),
						 errhint("Use method 'holt_winters' for a seasonal model.")));
			sp->trend = trend < 0 ? T_ADDITIVE : trend;
			sp->season = S_NONE;
			break;
		default:
			sp->trend = trend < 0 ? T_ADDITIVE : trend;
			sp->season = season < 0 ? S_ADDITIVE : season;
			break;
	}

	for (k = 0; k < NPARAMS; k++)
	{
		bool		applies;

		if (PG_ARGISNULL(par_arg + k))
			continue;
		switch (k)
		{
			case P_ALPHA:
				applies = sp->method >= M_SES;
				break;
			case P_BETA:
				applies = sp->method >= M_SES && sp->trend != T_NONE;
				break;
			case P_GAMMA:
				applies = sp->method >= M_SES && sp->season != S_NONE;
				break;
			default:
				applies = sp->method >= M_SES && sp->trend == T_DAMPED;
				break;
		}
		if (!applies)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"%s\" does not apply to this model", param_names[k]),
					 errdetail("Method \"%s\" with trend '%s' and seasonal '%s' has no %s parameter.",
							   method_names[sp->method], trend_names[sp->trend],
							   seasonal_names[sp->season], param_names[k]),
					 errhint("alpha applies to ses, holt and holt_winters; beta to a trend; gamma to a seasonal model; phi to trend 'damped'.")));
		sp->par[k] = PG_GETARG_FLOAT8(par_arg + k);
		rk_check_finite_float8(sp->par[k], param_names[k]);
		if (k == P_PHI ? !(sp->par[k] > 0.0 && sp->par[k] <= 1.0) : !(sp->par[k] >= 0.0 && sp->par[k] <= 1.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"%s\" must be %s", param_names[k],
							k == P_PHI ? "in (0, 1]" : "in [0, 1]"),
					 errdetail("The value given was %g.", sp->par[k])));
		sp->given[k] = true;
	}

	sp->m = 1;
	if (!PG_ARGISNULL(season_arg))
	{
		int32		m = PG_GETARG_INT32(season_arg);
		bool		seasonal = sp->method == M_SNAIVE || sp->season != S_NONE;

		if (m < (seasonal ? 2 : 1) || m > SERIES_MAX_PERIODS)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"season_length\" must be between %d and %d",
							seasonal ? 2 : 1, SERIES_MAX_PERIODS),
					 errdetail("The value given was %d.", m)));
		sp->m = m;
		sp->m_default = m;
	}
}

/* Fill in the season length from the spacing when it was not given. */
static void
spec_resolve_season(ModelSpec *sp, const Spacing *spacing, bool season_given)
{
	bool		seasonal = sp->method == M_SNAIVE || sp->season != S_NONE;

	if (!season_given)
	{
		sp->m_default = default_season(spacing);
		sp->m = sp->m_default;
		if (seasonal && sp->m < 2)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"season_length\" is needed for a series spaced %s",
							spacing_text(spacing)),
					 errdetail("The season length defaults to 7 for daily, 52 for weekly, 12 for monthly and 4 for quarterly series."),
					 errhint("Pass season_length, or use a non-seasonal method.")));
	}
	if (!seasonal)
		sp->m = 1;
}

/* 22023 when a series is too short for the method. */
static void
check_length(const ModelSpec *sp, int n, const char *what)
{
	int			need = spec_min_periods(sp);

	if (n < need)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series is too short for method \"%s\"", method_names[sp->method]),
				 errdetail("%s %d periods; the method needs at least %d%s.", what, n, need,
						   sp->method == M_HW && sp->season != S_NONE ?
						   psprintf(" (two seasons of %d)", sp->m) : ""),
				 errhint(sp->method == M_HW ?
						 "Use a shorter season_length, method 'seasonal_naive' (one season) or 'holt' (no season)." :
						 "Use a simpler method or a longer series.")));
}

/* 22023 when multiplicative seasonality meets a value that is not positive. */
static void
check_positive(const ModelSpec *sp, const Series *r)
{
	int			i;

	if (sp->season != S_MULTIPLICATIVE)
		return;
	for (i = 0; i < r->n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!(r->y[i] > 0.0))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("seasonal 'multiplicative' needs positive values"),
					 errdetail("Period %s has the value %g.",
							   DatumGetCString(DirectFunctionCall1(date_out,
																   DateADTGetDatum(period_date(&r->sp, i)))),
							   r->y[i]),
					 errhint("Use seasonal => 'additive', or forecast a series without zero or negative periods.")));
	}
}

/*
 * Initial states by the heuristic of Hyndman et al. (2008, section 2.6.1), as
 * in R's forecast::ets: seasonal indices from a classical decomposition of the
 * first min(3, n / m) whole seasons (centred 2xm moving average, seasonal
 * means of the detrended values, normalised to sum 0 or to average 1); level
 * and trend from a least-squares line through the first min(max(10, 2m), n)
 * seasonally adjusted values (intercept at t = 0 and slope), or the mean of
 * those values when the model has no trend.
 */
static void
init_states(const ModelSpec *sp, const double *y, int n, Fit *f)
{
	int			m = sp->m;
	int			maxn;
	double	   *sa;
	int			t;

	if (sp->season != S_NONE)
	{
		int			K = Min(3, n / m);
		int			len = K * m;
		double	   *sum = palloc0(sizeof(double) * m);
		int		   *cnt = palloc0(sizeof(int) * m);
		double		mean = 0.0;
		int			half = m / 2;

		for (t = half; t + half <= len - 1; t++)
		{
			double		ma = 0.0;
			int			i;

			if (m % 2 == 0)
			{
				ma = 0.5 * y[t - half] + 0.5 * y[t + half];
				for (i = t - half + 1; i < t + half; i++)
					ma += y[i];
			}
			else
				for (i = t - half; i <= t + half; i++)
					ma += y[i];
			ma /= m;
			sum[t % m] += sp->season == S_ADDITIVE ? y[t] - ma : y[t] / ma;
			cnt[t % m]++;
			CHECK_FOR_INTERRUPTS();
		}
		for (t = 0; t < m; t++)
		{
			sum[t] /= cnt[t];
			mean += sum[t];
		}
		mean /= m;
		/* data index t is time t + 1; s0 holds s_{t+1-m} at ring position (t + 1) mod m */
		for (t = 0; t < m; t++)
			f->s0[(t + 1) % m] = sp->season == S_ADDITIVE ? sum[t] - mean : sum[t] / mean;
		pfree(sum);
		pfree(cnt);
		maxn = Min(Max(10, 2 * m), n);
	}
	else
		maxn = Min(10, n);

	sa = palloc(sizeof(double) * maxn);
	for (t = 0; t < maxn; t++)
	{
		CHECK_FOR_INTERRUPTS();
		sa[t] = y[t];
		if (sp->season == S_ADDITIVE)
			sa[t] -= f->s0[(t + 1) % m];
		else if (sp->season == S_MULTIPLICATIVE)
			sa[t] /= f->s0[(t + 1) % m];
	}
	if (sp->trend == T_NONE)
	{
		double		mean = 0.0;

		for (t = 0; t < maxn; t++)
			mean += sa[t];
		f->l0 = mean / maxn;
		f->b0 = 0.0;
	}
	else
	{
		/* least squares of sa on t = 1 .. maxn */
		double		tbar = (maxn + 1) / 2.0,
					ybar = 0.0,
					sxy = 0.0,
					sxx = 0.0;

		for (t = 0; t < maxn; t++)
			ybar += sa[t];
		ybar /= maxn;
		for (t = 0; t < maxn; t++)
		{
			sxy += (t + 1 - tbar) * (sa[t] - ybar);
			sxx += (t + 1 - tbar) * (t + 1 - tbar);
		}
		f->b0 = sxy / sxx;
		f->l0 = ybar - f->b0 * tbar;
	}
	pfree(sa);
}

/*
 * Run the exponential smoothing recursions (FPP3 component form) over y with
 * the parameters in f->par from the initial states, leaving the final states
 * in f->l, f->b, f->s.  Returns the sum of squared one-step errors, or +inf
 * when a state or error is not finite (the parameters are then unusable).
 *
 *	yhat_t = l + phi b (+ s_{t-m} | * s_{t-m})
 *	l_t = alpha (y_t - s_{t-m} | y_t / s_{t-m}) + (1 - alpha) (l_{t-1} + phi b_{t-1})
 *	b_t = beta (l_t - l_{t-1}) + (1 - beta) phi b_{t-1}
 *	s_t = gamma (y_t - l_{t-1} - phi b_{t-1} | y_t / (l_{t-1} + phi b_{t-1})) + (1 - gamma) s_{t-m}
 */
static double
ets_run(const ModelSpec *sp, const double *y, int n, Fit *f)
{
	double		alpha = f->par[P_ALPHA],
				beta = f->par[P_BETA],
				gamma = f->par[P_GAMMA],
				phi = sp->trend == T_DAMPED ? f->par[P_PHI] : 1.0;
	double		l = f->l0,
				b = sp->trend == T_NONE ? 0.0 : f->b0;
	double		sse = 0.0;
	int			m = sp->m;
	int			t;

	if (sp->season != S_NONE)
		memcpy(f->s, f->s0, sizeof(double) * m);
	for (t = 1; t <= n; t++)
	{
		double		yt = y[t - 1];
		double		base = l + phi * b;
		double		lnew;
		double		e;
		int			pos = t % m;

		switch (sp->season)
		{
			case S_ADDITIVE:
				e = yt - (base + f->s[pos]);
				lnew = alpha * (yt - f->s[pos]) + (1.0 - alpha) * base;
				f->s[pos] = gamma * (yt - base) + (1.0 - gamma) * f->s[pos];
				break;
			case S_MULTIPLICATIVE:
				e = yt - base * f->s[pos];
				lnew = alpha * (yt / f->s[pos]) + (1.0 - alpha) * base;
				f->s[pos] = gamma * (yt / base) + (1.0 - gamma) * f->s[pos];
				break;
			default:
				e = yt - base;
				lnew = alpha * yt + (1.0 - alpha) * base;
				break;
		}
		if (sp->trend != T_NONE)
			b = beta * (lnew - l) + (1.0 - beta) * phi * b;
		l = lnew;
		sse += e * e;
		if (!isfinite(sse) || !isfinite(l) || !isfinite(b) ||
			(sp->season != S_NONE && !isfinite(f->s[pos])))
			return INFINITY;
		if ((t & 1023) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	f->l = l;
	f->b = b;
	return sse;
}

/* sum_{i=1..h} phi^i (h when phi = 1). */
static double
phi_sum(double phi, int h)
{
	double		acc = 0.0,
				p = 1.0;
	int			i;

	if (phi == 1.0)
		return h;
	for (i = 1; i <= h; i++)
	{
		p *= phi;
		acc += p;
	}
	return acc;
}

/* ---------- Nelder-Mead ---------- */

typedef struct Objective
{
	const ModelSpec *sp;
	const double *y;
	int			n;
	Fit		   *f;
	int			free[NPARAMS];	/* indexes of the estimated parameters */
	int			d;
	int			evals;
} Objective;

/* lo + (hi - lo) * logistic(u): maps the real line onto the open interval. */
static double
bounded(double u, double lo, double hi)
{
	return lo + (hi - lo) / (1.0 + exp(-u));
}

/* Inverse of bounded(). */
static double
unbounded(double p, double lo, double hi)
{
	double		x = (p - lo) / (hi - lo);

	return log(x / (1.0 - x));
}

/* Set the estimated parameters of f from the unconstrained vector u. */
static void
objective_params(Objective *o, const double *u)
{
	int			k;

	for (k = 0; k < o->d; k++)
	{
		int			p = o->free[k];

		switch (p)
		{
			case P_GAMMA:		/* gamma < 1 - alpha */
				o->f->par[p] = (1.0 - o->f->par[P_ALPHA]) * bounded(u[k], PAR_LO, PAR_HI);
				break;
			case P_PHI:
				o->f->par[p] = bounded(u[k], PHI_LO, PHI_HI);
				break;
			default:
				o->f->par[p] = bounded(u[k], PAR_LO, PAR_HI);
				break;
		}
	}
}

/* SSE of the one-step errors at the parameters u. */
static double
objective(Objective *o, const double *u)
{
	o->evals++;
	objective_params(o, u);
	return ets_run(o->sp, o->y, o->n, o->f);
}

/*
 * Nelder-Mead simplex minimisation of the objective over d <= 4 unconstrained
 * coordinates (standard coefficients: reflection 1, expansion 2, contraction
 * 1/2, shrink 1/2), from u with initial steps of 1; stops when the objective
 * values of the simplex agree to 1e-10 relative or after 500 iterations.
 * u receives the best point; returns its value.
 */
static double
nelder_mead(Objective *o, double *u)
{
	int			d = o->d;
	double		x[NPARAMS + 1][NPARAMS];
	double		fx[NPARAMS + 1];
	double		c[NPARAMS],
				xr[NPARAMS],
				xe[NPARAMS];
	int			i,
				k,
				iter;

	for (i = 0; i <= d; i++)
	{
		memcpy(x[i], u, sizeof(double) * d);
		if (i > 0)
			x[i][i - 1] += 1.0;
		fx[i] = objective(o, x[i]);
	}
	for (iter = 0; iter < 500; iter++)
	{
		int			best = 0,
					worst = 0,
					second;
		double		fr;

		CHECK_FOR_INTERRUPTS();
		for (i = 1; i <= d; i++)
		{
			if (fx[i] < fx[best])
				best = i;
			if (fx[i] > fx[worst])
				worst = i;
		}
		second = best;
		for (i = 0; i <= d; i++)
			if (i != worst && fx[i] > fx[second])
				second = i;
		if (isfinite(fx[worst]) &&
			fx[worst] - fx[best] <= 1e-10 * (fabs(fx[best]) + fabs(fx[worst])) + 1e-300)
			break;
		for (k = 0; k < d; k++)
		{
			c[k] = 0.0;
			for (i = 0; i <= d; i++)
				if (i != worst)
					c[k] += x[i][k];
			c[k] /= d;
			xr[k] = c[k] + (c[k] - x[worst][k]);
		}
		fr = objective(o, xr);
		if (fr < fx[best])
		{
			double		fe;

			for (k = 0; k < d; k++)
				xe[k] = c[k] + 2.0 * (c[k] - x[worst][k]);
			fe = objective(o, xe);
			if (fe < fr)
			{
				memcpy(x[worst], xe, sizeof(double) * d);
				fx[worst] = fe;
			}
			else
			{
				memcpy(x[worst], xr, sizeof(double) * d);
				fx[worst] = fr;
			}
		}
		else if (fr < fx[second])
		{
			memcpy(x[worst], xr, sizeof(double) * d);
			fx[worst] = fr;
		}
		else
		{
			double		fc;

			/* contraction: outside when the reflection helped, else inside */
			for (k = 0; k < d; k++)
				xe[k] = fr < fx[worst] ? c[k] + 0.5 * (xr[k] - c[k]) : c[k] + 0.5 * (x[worst][k] - c[k]);
			fc = objective(o, xe);
			if (fc < Min(fr, fx[worst]))
			{
				memcpy(x[worst], xe, sizeof(double) * d);
				fx[worst] = fc;
			}
			else
			{
				for (i = 0; i <= d; i++)
				{
					if (i == best)
						continue;
					for (k = 0; k < d; k++)
						x[i][k] = x[best][k] + 0.5 * (x[i][k] - x[best][k]);
					fx[i] = objective(o, x[i]);
				}
			}
		}
	}
	k = 0;
	for (i = 1; i <= d; i++)
		if (fx[i] < fx[k])
			k = i;
	memcpy(u, x[k], sizeof(double) * d);
	return fx[k];
}

/*
 * Estimate the free smoothing parameters by minimising the SSE of the
 * one-step errors: the best of a few starting points (alpha 0.1, 0.3, 0.6,
 * 0.9 with beta 0.1, gamma 0.1 (1 - alpha), phi 0.95), then Nelder-Mead, then
 * a second Nelder-Mead restarted from the result.  Leaves the parameters in f.
 */
static void
estimate(const ModelSpec *sp, const double *y, int n, Fit *f)
{
	Objective	o;
	double		u[NPARAMS],
				best_u[NPARAMS];
	double		best = INFINITY;
	static const double alphas[] = {0.1, 0.3, 0.6, 0.9};
	int			k,
				a;

	memset(&o, 0, sizeof(o));
	o.sp = sp;
	o.y = y;
	o.n = n;
	o.f = f;
	for (k = 0; k < NPARAMS; k++)
	{
		bool		used = k == P_ALPHA || (k == P_BETA && sp->trend != T_NONE) ||
			(k == P_GAMMA && sp->season != S_NONE) || (k == P_PHI && sp->trend == T_DAMPED);

		if (used && !sp->given[k])
			o.free[o.d++] = k;
	}
	if (o.d == 0)
		return;
	for (a = 0; a < lengthof(alphas); a++)
	{
		double		v;

		for (k = 0; k < o.d; k++)
		{
			switch (o.free[k])
			{
				case P_ALPHA:
					u[k] = unbounded(alphas[a], PAR_LO, PAR_HI);
					break;
				case P_PHI:
					u[k] = unbounded(0.95, PHI_LO, PHI_HI);
					break;
				default:
					u[k] = unbounded(0.1, PAR_LO, PAR_HI);
					break;
			}
		}
		v = objective(&o, u);
		if (v < best || a == 0)
		{
			best = v;
			memcpy(best_u, u, sizeof(u));
		}
		if (sp->given[P_ALPHA])
			break;				/* the starting points differ only in alpha */
	}
	nelder_mead(&o, best_u);
	nelder_mead(&o, best_u);
	objective_params(&o, best_u);
}

/*
 * Fit the model to y[0 .. n-1]: parameters given or estimated, initial and
 * final states, one-step SSE and the residual standard deviation (root mean
 * squared one-step error; for the naive methods over the n - m errors that
 * exist).  22003 when the fitted model is not finite.
 */
static void
fit_model(const ModelSpec *sp, const double *y, int n, Fit *f)
{
	int			k;

	memset(f, 0, sizeof(Fit));
	f->spec = sp;
	f->n = n;
	f->y = y;
	for (k = 0; k < NPARAMS; k++)
		f->par[k] = sp->given[k] ? sp->par[k] : NAN;
	if (sp->method == M_NAIVE || sp->method == M_SNAIVE)
	{
		int			m = sp->method == M_NAIVE ? 1 : sp->m;
		int			t;

		for (t = m; t < n; t++)
		{
			double		e = y[t] - y[t - m];

			CHECK_FOR_INTERRUPTS();
			f->sse += e * e;
		}
		f->nerr = n - m;
	}
	else
	{
		if (sp->trend == T_NONE)
			f->par[P_BETA] = 0.0;
		if (sp->season == S_NONE)
			f->par[P_GAMMA] = 0.0;
		if (sp->trend != T_DAMPED)
			f->par[P_PHI] = 1.0;
		f->s0 = palloc0(sizeof(double) * sp->m);
		f->s = palloc0(sizeof(double) * sp->m);
		init_states(sp, y, n, f);
		estimate(sp, y, n, f);
		f->sse = ets_run(sp, y, n, f);
		f->nerr = n;
	}
	if (!isfinite(f->sse) || !isfinite(f->l0) || !isfinite(f->b0))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("method \"%s\" cannot be fitted to this series: its states are not finite numbers",
						method_names[sp->method]),
				 errhint("Check the smoothing parameters, use seasonal => 'additive', or rescale the values.")));
	f->sigma = f->nerr > 0 ? sqrt(f->sse / f->nerr) : 0.0;
}

/* Point forecast h >= 1 steps after the fitted data. */
static double
fit_point(const Fit *f, int h)
{
	const ModelSpec *sp = f->spec;
	int			n = f->n;
	double		phi = f->par[P_PHI];
	double		base;

	switch (sp->method)
	{
		case M_NAIVE:
			return f->y[n - 1];
		case M_SNAIVE:
			return f->y[n + h - 1 - sp->m * ((h - 1) / sp->m + 1)];
		default:
			break;
	}
	base = f->l + (sp->trend == T_NONE ? 0.0 : phi_sum(phi, h) * f->b);
	switch (sp->season)
	{
		case S_ADDITIVE:
			return base + f->s[(n + h) % sp->m];
		case S_MULTIPLICATIVE:
			return base * f->s[(n + h) % sp->m];
		default:
			return base;
	}
}

/*
 * Forecast variance factor v_h, with sigma_h = sigma * sqrt(v_h):
 *	naive: h; seasonal naive: k + 1 with k = floor((h - 1) / m) (FPP3 table 5.2);
 *	ETS with additive components (class 1, Hyndman et al. 2008, chapter 6;
 *	FPP3 table 8.8): 1 + sum_{j=1}^{h-1} c_j^2, c_j = alpha + beta' phi_j
 *	+ gamma [j mod m = 0], with beta' = alpha beta (beta of the component form)
 *	and phi_j = phi + ... + phi^j;
 *	multiplicative seasonality (no analytic formula): the first-order
 *	approximation c_j = (alpha + beta' phi_j) s_{n+h} / s_{n+h-j}
 *	+ gamma [j mod m = 0] L_h / L_{h-j}, L_i = l_n + phi_i b_n (exact when
 *	gamma = 0; it drops the products of innovations otherwise).
 */
static double
fit_variance_factor(const Fit *f, int h)
{
	const ModelSpec *sp = f->spec;
	double		alpha = f->par[P_ALPHA],
				beta = f->par[P_ALPHA] * f->par[P_BETA],
				gamma = f->par[P_GAMMA],
				phi = f->par[P_PHI];
	double		v = 1.0;
	double	   *phis;			/* phis[i] = phi_i, i = 0 .. h */
	double		pw = 1.0;
	int			m = sp->m;
	int			j;

	if (sp->method == M_NAIVE)
		return h;
	if (sp->method == M_SNAIVE)
		return (h - 1) / m + 1;
	phis = palloc(sizeof(double) * (h + 1));
	phis[0] = 0.0;
	for (j = 1; j <= h; j++)
	{
		pw *= phi;
		phis[j] = phis[j - 1] + pw;
	}
	for (j = 1; j < h; j++)
	{
		double		cj;

		CHECK_FOR_INTERRUPTS();
		if (sp->season == S_MULTIPLICATIVE)
		{
			double		sh = f->s[(f->n + h) % m],
						shj = f->s[(f->n + h - j) % m];
			double		lh = f->l + phis[h] * f->b,
						lhj = f->l + phis[h - j] * f->b;

			cj = (alpha + beta * phis[j]) * sh / shj + (j % m == 0 ? gamma * lh / lhj : 0.0);
		}
		else
			cj = alpha + beta * phis[j] + (sp->season != S_NONE && j % m == 0 ? gamma : 0.0);
		v += cj * cj;
	}
	pfree(phis);
	return v;
}

/*
 * The standard normal quantile (Wichura 1988, algorithm AS 241, PPND16:
 * relative accuracy about 1e-16), for 0 < p < 1.
 */
static double
norm_quantile(double p)
{
	double		q = p - 0.5,
				r,
				val;

	if (fabs(q) <= 0.425)
	{
		r = 0.180625 - q * q;
		return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r +
						 67265.770927008700853) * r + 45921.953931549871457) * r +
					   13731.693765509461125) * r + 1971.5909503065514427) * r +
					 133.14166789178437745) * r + 3.387132872796366608) /
			(((((((r * 5226.495278852545925 + 28729.085735721942674) * r +
				  39307.89580009271061) * r + 21213.794301586595867) * r +
				5394.1960214247511077) * r + 687.1870074920579083) * r +
			  42.313330701600911252) * r + 1.0);
	}
	r = q < 0 ? p : 1.0 - p;
	r = sqrt(-log(r));
	if (r <= 5.0)
	{
		r -= 1.6;
		val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r +
					0.24178072517745061177) * r + 1.27045825245236838258) * r +
				  3.64784832476320460504) * r + 5.7694972214606914055) * r +
				4.6303378461565452959) * r + 1.42343711074968357734) /
			(((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r +
				  0.0151986665636164571966) * r + 0.14810397642748007459) * r +
				0.68976733498510000455) * r + 1.6763848301838038494) * r +
			  2.05319162663775882187) * r + 1.0);
	}
	else
	{
		r -= 5.0;
		val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r +
					0.0012426609473880784386) * r + 0.026532189526576123093) * r +
				  0.29656057182850489123) * r + 1.7848265399172913358) * r +
				5.4637849111641143699) * r + 6.6579046435011037772) /
			(((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r +
				  1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
				0.0148753612908506148525) * r + 0.13692988092273580531) * r +
			  0.59983220655588793769) * r + 1.0);
	}
	return q < 0 ? -val : val;
}

/* 22023 unless 1 <= horizon <= FC_MAX_HORIZON (NULL included). */
static int
check_horizon(FunctionCallInfo fcinfo, int arg)
{
	int32		h;

	if (PG_ARGISNULL(arg))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"horizon\" must not be NULL")));
	h = PG_GETARG_INT32(arg);
	if (h < 1 || h > FC_MAX_HORIZON)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"horizon\" must be between 1 and %d", FC_MAX_HORIZON),
				 errdetail("The value given was %d.", h)));
	return h;
}

/*
 * The regular series of argument 0 for a spec: spacing, gaps, season length,
 * length and sign checks.
 */
static Series *
prepare_series(FunctionCallInfo fcinfo, ModelSpec *sp, bool season_given)
{
	SeriesSummary *s = series_from_datum(PG_GETARG_DATUM(0));
	Series	   *r;

	if (s->nperiods < 2)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series is too short for method \"%s\"", method_names[sp->method]),
				 errdetail("The series has 1 period; forecasting needs at least 2 to find their spacing.")));
	r = series_regular(s, sp->gaps);
	spec_resolve_season(sp, &r->sp, season_given);
	check_length(sp, r->n, "The series has");
	check_positive(sp, r);
	return r;
}

/* 22003 when an output value is not finite. */
static double
finite_output(double v, const ModelSpec *sp)
{
	if (!isfinite(v))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("forecast of method \"%s\" is not a finite number", method_names[sp->method]),
				 errhint("Check the smoothing parameters, use seasonal => 'additive', or rescale the values.")));
	return v;
}

/*
 * forecast(s, horizon, method, season_length, level, alpha, beta, gamma, phi,
 * trend, seasonal, gaps): one row per step 1 .. horizon, (step, period, point,
 * lower, upper); the interval is point -/+ z sigma_h with z the standard normal
 * quantile of (1 + level) / 2.  A NULL summary gives no rows.
 */
PG_FUNCTION_INFO_V1(series_forecast);
Datum
series_forecast(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ModelSpec	sp;
	Series	   *r;
	Fit			f;
	int			horizon,
				h;
	double		level,
				z;

	InitMaterializedSRF(fcinfo, 0);
	horizon = check_horizon(fcinfo, 1);
	spec_from_args(fcinfo, &sp, 2, 3, 5, 9, 10, 11);
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"level\" must not be NULL")));
	level = PG_GETARG_FLOAT8(4);
	rk_check_finite_float8(level, "level");
	if (!(level > 0.0 && level < 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"level\" must be between 0 and 1 (exclusive)"),
				 errdetail("The value given was %g.", level),
				 errhint("A 95%% interval is level => 0.95.")));
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	z = norm_quantile(0.5 + level / 2.0);
	r = prepare_series(fcinfo, &sp, !PG_ARGISNULL(3));
	fit_model(&sp, r->y, r->n, &f);
	for (h = 1; h <= horizon; h++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};
		double		point = finite_output(fit_point(&f, h), &sp);
		double		half = finite_output(z * f.sigma * sqrt(fit_variance_factor(&f, h)), &sp);

		values[0] = Int32GetDatum(h);
		values[1] = DateADTGetDatum(period_date(&r->sp, (int64) r->n - 1 + h));
		values[2] = Float8GetDatum(point);
		values[3] = Float8GetDatum(finite_output(point - half, &sp));
		values[4] = Float8GetDatum(finite_output(point + half, &sp));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}

/*
 * forecast_model(s, method, season_length, alpha, beta, gamma, phi, trend,
 * seasonal, gaps): the fitted model in one row: method, trend, seasonal
 * (NULL for the naive methods), season_length (NULL without a season), spacing, periods (gaps filled), filled (periods filled with
 * 0), alpha, beta, gamma, phi (NULL where the model has none), sigma, sse,
 * initial_level, initial_trend, final level and trend.
 */
PG_FUNCTION_INFO_V1(series_forecast_model);
Datum
series_forecast_model(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ModelSpec	sp;
	Series	   *r;
	Fit			f;
	Datum		values[17];
	bool		nulls[17];
	bool		ets;
	int			k;

	InitMaterializedSRF(fcinfo, 0);
	spec_from_args(fcinfo, &sp, 1, 2, 3, 7, 8, 9);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	r = prepare_series(fcinfo, &sp, !PG_ARGISNULL(2));
	fit_model(&sp, r->y, r->n, &f);
	ets = sp.method >= M_SES;
	memset(nulls, 0, sizeof(nulls));
	values[0] = CStringGetTextDatum(method_names[sp.method]);
	values[1] = CStringGetTextDatum(trend_names[sp.trend]);
	values[2] = CStringGetTextDatum(seasonal_names[sp.season]);
	nulls[1] = nulls[2] = !ets;
	values[3] = Int32GetDatum(sp.m);
	nulls[3] = sp.method != M_SNAIVE && sp.season == S_NONE;
	values[4] = CStringGetTextDatum(spacing_text(&r->sp));
	values[5] = Int32GetDatum(r->n);
	values[6] = Int32GetDatum(r->filled);
	for (k = 0; k < NPARAMS; k++)
	{
		bool		used = ets && (k == P_ALPHA || (k == P_BETA && sp.trend != T_NONE) ||
								   (k == P_GAMMA && sp.season != S_NONE) ||
								   (k == P_PHI && sp.trend == T_DAMPED));

		values[7 + k] = Float8GetDatum(f.par[k]);
		nulls[7 + k] = !used;
	}
	values[11] = Float8GetDatum(f.sigma);
	values[12] = Float8GetDatum(f.sse);
	values[13] = Float8GetDatum(f.l0);
	values[14] = Float8GetDatum(f.b0);
	values[15] = Float8GetDatum(f.l);
	values[16] = Float8GetDatum(f.b);
	nulls[13] = nulls[15] = !ets;
	nulls[14] = nulls[16] = !ets || sp.trend == T_NONE;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}

/* Error sums of one method over a backtest. */
typedef struct Accuracy
{
	double		abs_sum;
	double		sq_sum;
	double		smape_sum;
	int64		smape_n;
	double		scaled_sum;
	bool		scaled_null;
	int64		n;
} Accuracy;

/* Forecast y[o .. o+h-1] from y[0 .. o-1] and add the errors to acc (q = MASE scale of the origin). */
static void
backtest_origin(const ModelSpec *sp, const double *y, int o, int horizon, double q, Accuracy *acc)
{
	Fit			f;
	int			h;

	fit_model(sp, y, o, &f);
	for (h = 1; h <= horizon; h++)
	{
		double		actual = y[o + h - 1];
		double		pred = finite_output(fit_point(&f, h), sp);
		double		e = fabs(actual - pred);
		double		den = fabs(actual) + fabs(pred);

		acc->abs_sum += e;
		acc->sq_sum += e * e;
		if (den > 0.0)
		{
			acc->smape_sum += 200.0 * e / den;
			acc->smape_n++;
		}
		if (q > 0.0)
			acc->scaled_sum += e / q;
		else
			acc->scaled_null = true;
		acc->n++;
	}
	if (f.s0)
	{
		pfree(f.s0);
		pfree(f.s);
	}
}

/*
 * forecast_accuracy(s, horizon, method, season_length, origins, alpha, beta,
 * gamma, phi, trend, seasonal, gaps): rolling-origin backtest.  For every
 * origin o (the training set is the first o periods; the last `origins'
 * origins that leave a full horizon, all of them when NULL), the model is
 * fitted (parameters re-estimated) and forecasts 1 .. horizon are compared
 * with the actual values.  One row for the method and one for the seasonal
 * naive baseline (naive when the series has no season length): (method,
 * origins, forecasts, mae, rmse, smape, mase).  sMAPE = mean of
 * 200 |e| / (|y| + |yhat|) over the forecasts where the denominator is not 0;
 * MASE = mean of |e| / Q_o, Q_o the mean absolute in-sample seasonal naive
 * error of the origin's training set (FPP3 section 5.8), NULL when some Q_o = 0.
 */
PG_FUNCTION_INFO_V1(series_forecast_accuracy);
Datum
series_forecast_accuracy(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ModelSpec	sp,
				base;
	Series	   *r;
	int			horizon,
				mb,
				o_min,
				o_first,
				possible,
				o,
				i,
				nmethods;
	double	   *cum;			/* cum[t] = sum_{u < t} |y_u - y_{u-mb}| (u >= mb) */
	Accuracy	acc[2];
	const ModelSpec *specs[2];

	InitMaterializedSRF(fcinfo, 0);
	horizon = check_horizon(fcinfo, 1);
	spec_from_args(fcinfo, &sp, 2, 3, 5, 9, 10, 11);
	if (!PG_ARGISNULL(4) && PG_GETARG_INT32(4) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"origins\" must be at least 1 (or NULL for every origin)"),
				 errdetail("The value given was %d.", PG_GETARG_INT32(4))));
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	r = prepare_series(fcinfo, &sp, !PG_ARGISNULL(3));

	/* the baseline: seasonal naive with the season length, naive without one */
	mb = Max(sp.m_default, 1);
	memset(&base, 0, sizeof(base));
	base.method = mb >= 2 ? M_SNAIVE : M_NAIVE;
	base.m = mb;
	base.m_default = mb;
	base.gaps = sp.gaps;
	specs[0] = &sp;
	specs[1] = &base;
	nmethods = (sp.method == base.method && (sp.method == M_NAIVE || sp.m == mb)) ? 1 : 2;

	o_min = Max(spec_min_periods(&sp), spec_min_periods(&base));
	o_min = Max(o_min, mb + 1);
	possible = r->n - horizon - o_min + 1;
	if (possible < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("series is too short for a backtest of method \"%s\" with horizon %d",
						method_names[sp.method], horizon),
				 errdetail("The series has %d periods; a backtest needs at least %d (training) + %d (horizon).",
						   r->n, o_min, horizon),
				 errhint("Use a shorter horizon or a method that needs less history.")));
	o_first = o_min;
	if (!PG_ARGISNULL(4) && PG_GETARG_INT32(4) < possible)
		o_first = r->n - horizon - PG_GETARG_INT32(4) + 1;

	cum = palloc0(sizeof(double) * (r->n + 1));
	for (i = 0; i < r->n; i++)
	{
		cum[i + 1] = cum[i] + (i >= mb ? fabs(r->y[i] - r->y[i - mb]) : 0.0);
		CHECK_FOR_INTERRUPTS();
	}

	memset(acc, 0, sizeof(acc));
	for (o = o_first; o + horizon <= r->n; o++)
	{
		double		q = cum[o] / (o - mb);

		for (i = 0; i < nmethods; i++)
			backtest_origin(specs[i], r->y, o, horizon, q, &acc[i]);
		CHECK_FOR_INTERRUPTS();
	}

	for (i = 0; i < nmethods; i++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		Accuracy   *a = &acc[i];

		values[0] = CStringGetTextDatum(method_names[specs[i]->method]);
		values[1] = Int32GetDatum(r->n - horizon - o_first + 1);
		values[2] = Int64GetDatum(a->n);
		values[3] = Float8GetDatum(finite_output(a->abs_sum / a->n, &sp));
		values[4] = Float8GetDatum(finite_output(sqrt(a->sq_sum / a->n), &sp));
		values[5] = Float8GetDatum(a->smape_n > 0 ? a->smape_sum / a->smape_n : 0.0);
		nulls[5] = a->smape_n == 0;
		values[6] = Float8GetDatum(a->scaled_null ? 0.0 : finite_output(a->scaled_sum / a->n, &sp));
		nulls[6] = a->scaled_null;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
