/*
 * src/promo.c
 *		The promotion family: promo_summary keeps exact units, revenue and cost
 *		sums of a promotion window and of a baseline (reference) window, plus
 *		the two windows themselves, so uplift and promotion ROI can be read at
 *		any grain (store, category, company) and summaries roll up exactly.
 */
#include "flat_summary.h"

#include "utils/datetime.h"
#include "utils/numeric.h"

enum
{
	P_PROMO_UNITS,
	P_PROMO_REVENUE,
	P_PROMO_COST,
	P_BASE_UNITS,
	P_BASE_REVENUE,
	P_BASE_COST,
	P_NSUMS
};

enum
{
	D_PROMO_START,
	D_PROMO_END,
	D_BASE_START,
	D_BASE_END,
	D_NDATES
};

static const char *const promo_sum_names[] = {
	"promo_units", "promo_revenue", "promo_cost",
	"baseline_units", "baseline_revenue", "baseline_cost"
};

static const char *const promo_date_names[] = {
	"promo_start", "promo_end", "baseline_start", "baseline_end"
};

static const FlatKind promo_kind = {
	"promo_summary", 'p', P_NSUMS, promo_sum_names, D_NDATES, promo_date_names
};

/* Extra digits kept by the incremental accessors beyond the sums' own scale. */
#define PROMO_EXTRA_SCALE 6

/* A date as ISO text for messages, independent of DateStyle. */
static char *
iso_date(DateADT d)
{
	int			y,
				m,
				day;

	if (DATE_NOT_FINITE(d))
		return pstrdup(DATE_IS_NOBEGIN(d) ? "-infinity" : "infinity");
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	return psprintf("%04d-%02d-%02d", y, m, day);
}

/* Windows as text: "promotion A..B, baseline C..D". */
static char *
windows_text(const DateADT *w)
{
	return psprintf("promotion %s..%s, baseline %s..%s",
					iso_date(w[D_PROMO_START]), iso_date(w[D_PROMO_END]),
					iso_date(w[D_BASE_START]), iso_date(w[D_BASE_END]));
}

/*
 * Why a set of windows is invalid, or NULL when it is valid: every date is
 * finite, each window has start <= end, and the windows do not share a day.
 */
static const char *
windows_problem(const DateADT *w, const char **argname)
{
	int			i;

	for (i = 0; i < D_NDATES; i++)
	{
		if (DATE_NOT_FINITE(w[i]))
		{
			*argname = promo_date_names[i];
			return "A window date must be finite.";
		}
	}
	if (w[D_PROMO_START] > w[D_PROMO_END])
	{
		*argname = "promo_end";
		return "The promotion window ends before it starts.";
	}
	if (w[D_BASE_START] > w[D_BASE_END])
	{
		*argname = "baseline_end";
		return "The baseline window ends before it starts.";
	}
	if (!(w[D_PROMO_END] < w[D_BASE_START] || w[D_BASE_END] < w[D_PROMO_START]))
	{
		*argname = "baseline_start";
		return "The baseline window overlaps the promotion window; a day cannot be both.";
	}
	return NULL;
}

/* A stored or received summary: framework checks plus valid windows (22000). */
static FlatSummary *
promo_from_datum(Datum d)
{
	FlatSummary *s = flat_from_datum(&promo_kind, d);
	const char *argname;
	const char *problem = windows_problem(FLAT_DATES(s), &argname);

	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("corrupt promo_summary value"),
				 errdetail("%s", problem)));
	return s;
}

PG_FUNCTION_INFO_V1(promo_summary_in);
Datum
promo_summary_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	FlatSummary *s = flat_from_cstring(&promo_kind, str);
	const char *argname;
	const char *problem = windows_problem(FLAT_DATES(s), &argname);

	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input syntax for type promo_summary: \"%s\"", str),
				 errdetail("%s", problem)));
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(promo_summary_out);
Datum
promo_summary_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(flat_to_cstring(&promo_kind, promo_from_datum(PG_GETARG_DATUM(0))));
}

PG_FUNCTION_INFO_V1(promo_summary_recv);
Datum
promo_summary_recv(PG_FUNCTION_ARGS)
{
	FlatSummary *s = flat_recv(&promo_kind, (StringInfo) PG_GETARG_POINTER(0));
	const char *argname;
	const char *problem = windows_problem(FLAT_DATES(s), &argname);

	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("corrupt promo_summary value"),
				 errdetail("%s", problem)));
	PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(promo_summary_send);
Datum
promo_summary_send(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(flat_send(&promo_kind, promo_from_datum(PG_GETARG_DATUM(0))));
}

/* True when two summaries (or a summary and a row) have the same windows. */
static bool
same_windows(const DateADT *a, const DateADT *b)
{
	return memcmp(a, b, D_NDATES * sizeof(DateADT)) == 0;
}

/*
 * Combine (and the transition of rollup): summaries of one promotion merge by
 * adding their sums; summaries of different windows cannot be merged.
 */
PG_FUNCTION_INFO_V1(promo_summary_combine);
Datum
promo_summary_combine(PG_FUNCTION_ARGS)
{
	FlatSummary *a;
	FlatSummary *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = promo_from_datum(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(flat_copy(b));
	if (!rk_in_agg(fcinfo))
		(void) promo_from_datum(PG_GETARG_DATUM(0));
	a = flat_state(&promo_kind, fcinfo);
	if (!same_windows(FLAT_DATES(a), FLAT_DATES(b)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot combine promo_summary values with different windows"),
				 errdetail("One has %s; the other has %s.",
						   windows_text(FLAT_DATES(a)), windows_text(FLAT_DATES(b))),
				 errhint("Roll up only summaries of the same promotion.")));
	PG_RETURN_POINTER(flat_merge(&promo_kind, a, b));
}

/*
 * promo_agg(sale_date, units, revenue, cost, promo_start, promo_end,
 * baseline_start, baseline_end) transition.  A row with a NULL argument is
 * skipped.  The first row fixes the group's windows (validated); every later
 * row must carry the same ones.  Rows dated inside a window add to that
 * window's sums; rows outside both windows are ignored (but still checked).
 */
PG_FUNCTION_INFO_V1(promo_agg_trans);
Datum
promo_agg_trans(PG_FUNCTION_ARGS)
{
	static const char *const numeric_args[] = {"units", "revenue", "cost"};
	FlatSummary *s;
	DateADT		w[D_NDATES];
	DateADT		day;
	int			first;
	int			i;

	for (i = 1; i <= 8; i++)
	{
		if (PG_ARGISNULL(i))
		{
			if (PG_ARGISNULL(0))
				PG_RETURN_NULL();
			PG_RETURN_DATUM(PG_GETARG_DATUM(0));
		}
	}
	day = PG_GETARG_DATEADT(1);
	if (DATE_NOT_FINITE(day))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"sale_date\" must be a finite date")));
	for (i = 0; i < 3; i++)
		rk_check_finite_numeric(PG_GETARG_DATUM(2 + i), numeric_args[i]);
	for (i = 0; i < D_NDATES; i++)
		w[i] = PG_GETARG_DATEADT(5 + i);

	if (PG_ARGISNULL(0))
	{
		const char *argname;
		const char *problem = windows_problem(w, &argname);

		if (problem != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid promotion windows in argument \"%s\"", argname),
					 errdetail("%s The windows given were %s.", problem, windows_text(w))));
		s = flat_new(&promo_kind);
		memcpy(FLAT_DATES(s), w, sizeof(w));
	}
	else
	{
		s = rk_in_agg(fcinfo) ? (FlatSummary *) PG_GETARG_POINTER(0)
			: flat_copy(promo_from_datum(PG_GETARG_DATUM(0)));
		if (!same_windows(FLAT_DATES(s), w))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("promotion windows differ between rows of a group"),
					 errdetail("The group has %s; a row has %s.",
							   windows_text(FLAT_DATES(s)), windows_text(w)),
					 errhint("Group by the promotion so that every row of a group carries the same windows.")));
	}

	if (day >= w[D_PROMO_START] && day <= w[D_PROMO_END])
		first = P_PROMO_UNITS;
	else if (day >= w[D_BASE_START] && day <= w[D_BASE_END])
		first = P_BASE_UNITS;
	else
		PG_RETURN_POINTER(s);

	s->nrows++;
	for (i = 0; i < 3; i++)
		s = flat_add(&promo_kind, s, first + i, PG_GETARG_DATUM(2 + i));
	PG_RETURN_POINTER(s);
}

/* Days of a window, both ends included. */
static int64
window_days(const FlatSummary *s, int start)
{
	return (int64) FLAT_DATES(s)[start + 1] - FLAT_DATES(s)[start] + 1;
}

static Datum
int8_num(int64 v)
{
	return DirectFunctionCall1(int8_numeric, Int64GetDatum(v));
}

/* One window total (units, revenue or cost); 0 when no row fell in the window. */
static Datum
promo_sum(FunctionCallInfo fcinfo, int i)
{
	PG_RETURN_DATUM(flat_sum_numeric(promo_from_datum(PG_GETARG_DATUM(0)), i));
}

PG_FUNCTION_INFO_V1(promo_promo_units);
Datum
promo_promo_units(PG_FUNCTION_ARGS)
{
	return promo_sum(fcinfo, P_PROMO_UNITS);
}

PG_FUNCTION_INFO_V1(promo_promo_revenue);
Datum
promo_promo_revenue(PG_FUNCTION_ARGS)
{
	return promo_sum(fcinfo, P_PROMO_REVENUE);
}

PG_FUNCTION_INFO_V1(promo_promo_cost);
Datum
promo_promo_cost(PG_FUNCTION_ARGS)
{
	return promo_sum(fcinfo, P_PROMO_COST);
}

PG_FUNCTION_INFO_V1(promo_baseline_units);
Datum
promo_baseline_units(PG_FUNCTION_ARGS)
{
	return promo_sum(fcinfo, P_BASE_UNITS);
}

PG_FUNCTION_INFO_V1(promo_baseline_revenue);
Datum
promo_baseline_revenue(PG_FUNCTION_ARGS)
{
	return promo_sum(fcinfo, P_BASE_REVENUE);
}

PG_FUNCTION_INFO_V1(promo_baseline_cost);
Datum
promo_baseline_cost(PG_FUNCTION_ARGS)
{
	return promo_sum(fcinfo, P_BASE_COST);
}

/* A window's day count as integer (22003 for a window longer than integer range). */
static Datum
window_days_int4(FunctionCallInfo fcinfo, int start)
{
	int64		days = window_days(promo_from_datum(PG_GETARG_DATUM(0)), start);

	if (days > PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("window of " INT64_FORMAT " days is out of range for type integer",
						days)));
	PG_RETURN_INT32((int32) days);
}

PG_FUNCTION_INFO_V1(promo_promo_days);
Datum
promo_promo_days(PG_FUNCTION_ARGS)
{
	return window_days_int4(fcinfo, D_PROMO_START);
}

PG_FUNCTION_INFO_V1(promo_baseline_days);
Datum
promo_baseline_days(PG_FUNCTION_ARGS)
{
	return window_days_int4(fcinfo, D_BASE_START);
}

PG_FUNCTION_INFO_V1(promo_row_count);
Datum
promo_row_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(promo_from_datum(PG_GETARG_DATUM(0))->nrows);
}

/*
 * Scaled numerator of an incremental amount: actual * baseline_days -
 * baseline * promo_days, so that incremental = numerator / baseline_days
 * exactly (actual and baseline are window totals of one measure).
 */
static Datum
incremental_numerator(const FlatSummary *s, Datum actual, Datum baseline)
{
	return DirectFunctionCall2(numeric_sub,
							   DirectFunctionCall2(numeric_mul, actual,
												   int8_num(window_days(s, D_BASE_START))),
							   DirectFunctionCall2(numeric_mul, baseline,
												   int8_num(window_days(s, D_PROMO_START))));
}

static int
numeric_dscale(Datum d)
{
	return DatumGetInt32(DirectFunctionCall1(numeric_scale, d));
}

/* 10^e as a numeric (e may be negative), exactly. */
static Datum
pow10_numeric(int e)
{
	return DirectFunctionCall3(numeric_in, CStringGetDatum(psprintf("1e%d", e)),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/*
 * num / den (den > 0) rounded half away from zero to `scale` decimals, with
 * exactly one rounding: integer division of num * 10^scale by den.
 */
static Datum
divide_rounded(Datum num, int64 den, int scale)
{
	Datum		n = DirectFunctionCall2(numeric_mul, num, pow10_numeric(scale));
	Datum		d = int8_num(den);
	Datum		q = DirectFunctionCall2(numeric_div_trunc, n, d);
	Datum		r = DirectFunctionCall2(numeric_sub, n, DirectFunctionCall2(numeric_mul, q, d));
	Datum		twice_r = DirectFunctionCall2(numeric_add, r, r);

	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp,
										  DirectFunctionCall1(numeric_abs, twice_r), d)) >= 0)
		q = DirectFunctionCall2(numeric_add, q,
								DirectFunctionCall1(int4_numeric,
													Int32GetDatum(rk_numeric_sign(n))));
	q = DirectFunctionCall2(numeric_mul, q, pow10_numeric(-scale));
	return DirectFunctionCall2(numeric_round, q, Int32GetDatum(scale));
}

/*
 * actual - baseline * promo_days / baseline_days, rounded half away from zero
 * to PROMO_EXTRA_SCALE more decimals than the larger scale of the two amounts.
 */
static Datum
incremental_amount(const FlatSummary *s, Datum actual, Datum baseline)
{
	int			scale = Max(numeric_dscale(actual), numeric_dscale(baseline)) + PROMO_EXTRA_SCALE;

	scale = Min(scale, NUMERIC_MAX_DISPLAY_SCALE);
	return divide_rounded(incremental_numerator(s, actual, baseline),
						  window_days(s, D_BASE_START), scale);
}

/* Gross profit (revenue - cost) of the promotion or the baseline window. */
static Datum
window_gross_profit(const FlatSummary *s, int revenue)
{
	return DirectFunctionCall2(numeric_sub, flat_sum_numeric(s, revenue),
							   flat_sum_numeric(s, revenue + 1));
}

PG_FUNCTION_INFO_V1(promo_incremental_units);
Datum
promo_incremental_units(PG_FUNCTION_ARGS)
{
	FlatSummary *s = promo_from_datum(PG_GETARG_DATUM(0));

	PG_RETURN_DATUM(incremental_amount(s, flat_sum_numeric(s, P_PROMO_UNITS),
									   flat_sum_numeric(s, P_BASE_UNITS)));
}

PG_FUNCTION_INFO_V1(promo_incremental_revenue);
Datum
promo_incremental_revenue(PG_FUNCTION_ARGS)
{
	FlatSummary *s = promo_from_datum(PG_GETARG_DATUM(0));

	PG_RETURN_DATUM(incremental_amount(s, flat_sum_numeric(s, P_PROMO_REVENUE),
									   flat_sum_numeric(s, P_BASE_REVENUE)));
}

PG_FUNCTION_INFO_V1(promo_incremental_gross_profit);
Datum
promo_incremental_gross_profit(PG_FUNCTION_ARGS)
{
	FlatSummary *s = promo_from_datum(PG_GETARG_DATUM(0));

	PG_RETURN_DATUM(incremental_amount(s, window_gross_profit(s, P_PROMO_REVENUE),
									   window_gross_profit(s, P_BASE_REVENUE)));
}

static const char *const promo_roi_forms[] = {"net", "gross", "revenue", NULL};

/*
 * promo_roi(s, spend, form) from the unrounded incremental amount X = N / bd:
 * 'net' (X - spend) / spend = (N - spend * bd) / (spend * bd); 'gross' X / spend;
 * 'revenue' the same as 'net' with X the incremental revenue.  NULL when spend <= 0.
 */
PG_FUNCTION_INFO_V1(promo_promo_roi);
Datum
promo_promo_roi(PG_FUNCTION_ARGS)
{
	FlatSummary *s = promo_from_datum(PG_GETARG_DATUM(0));
	Datum		spend = PG_GETARG_DATUM(1);
	int			form;
	Datum		num;
	Datum		den;
	double		result;

	rk_check_finite_numeric(spend, "spend");
	form = rk_variant(PG_GETARG_TEXT_PP(2), "form", promo_roi_forms);
	if (rk_numeric_sign(spend) <= 0)
		PG_RETURN_NULL();
	if (form == 2)
		num = incremental_numerator(s, flat_sum_numeric(s, P_PROMO_REVENUE),
									flat_sum_numeric(s, P_BASE_REVENUE));
	else
		num = incremental_numerator(s, window_gross_profit(s, P_PROMO_REVENUE),
									window_gross_profit(s, P_BASE_REVENUE));
	den = DirectFunctionCall2(numeric_mul, spend, int8_num(window_days(s, D_BASE_START)));
	if (form != 1)
		num = DirectFunctionCall2(numeric_sub, num, den);
	if (!rk_numeric_ratio(num, den, &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}
