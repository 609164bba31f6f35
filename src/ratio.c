/*
 * src/ratio.c
 *		The ratio family: ratio_summary keeps exact numerator and denominator
 *		sums, for any "sum over sum" KPI (conversion, units per transaction ...).
 */
#include "flat_summary.h"

#include "utils/numeric.h"

enum
{
	R_NUMERATOR,
	R_DENOMINATOR
};

static const char *const ratio_sum_names[] = {"numerator", "denominator"};

static const FlatKind ratio_kind = {
	"ratio_summary", 'r', 2, ratio_sum_names, 0, NULL
};

FLAT_SUMMARY_FUNCTIONS(ratio_summary, ratio_kind)

/* ratio_agg(numerator, denominator) transition: rows with a NULL are skipped. */
PG_FUNCTION_INFO_V1(ratio_agg_trans);
Datum
ratio_agg_trans(PG_FUNCTION_ARGS)
{
	FlatSummary *s;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}

	s = flat_state(&ratio_kind, fcinfo);
	s->nrows++;
	s = flat_add(&ratio_kind, s, R_NUMERATOR, PG_GETARG_DATUM(1));
	s = flat_add(&ratio_kind, s, R_DENOMINATOR, PG_GETARG_DATUM(2));
	PG_RETURN_POINTER(s);
}

/* The state for one more row (a new summary, the aggregate's own, or a copy); NULL rows skip. */
static FlatSummary *
ratio_row_state(FunctionCallInfo fcinfo)
{
	FlatSummary *s = flat_state(&ratio_kind, fcinfo);

	s->nrows++;
	return s;
}

/* Add an integer to sum i exactly (in place when it fits the 128-bit part). */
static FlatSummary *
ratio_add_int64(FlatSummary *s, int i, int64 v)
{
	if (exact_sum_add_inline(&s->sums[i], (int128) v, 0))
		return s;
	return flat_add_overflow(&ratio_kind, s, i, DirectFunctionCall1(int8_numeric, Int64GetDatum(v)));
}

/*
 * Add a finite float8's shortest decimal to sum i exactly: straight into the
 * 128-bit part when it fits, else through a numeric (the same value).
 */
static FlatSummary *
ratio_add_float8(FlatSummary *s, int i, double x, const char *argname)
{
	int128		v;
	int			scale;

	if (rk_float8_scaled(x, &v, &scale) && exact_sum_add_inline(&s->sums[i], v, scale))
		return s;
	return flat_add_overflow(&ratio_kind, s, i, rk_float8_numeric(x, argname));
}

/* Pass the state through when a row has a NULL argument. */
#define RATIO_SKIP_NULL_ROW(nargs) \
	do { \
		int			a_; \
		for (a_ = 1; a_ <= (nargs); a_++) \
			if (PG_ARGISNULL(a_)) \
			{ \
				if (PG_ARGISNULL(0)) \
					PG_RETURN_NULL(); \
				PG_RETURN_DATUM(PG_GETARG_DATUM(0)); \
			} \
	} while (0)

/* ratio_agg(numerator integer, denominator integer) transition: exact integer sums. */
PG_FUNCTION_INFO_V1(ratio_agg_trans_int4);
Datum
ratio_agg_trans_int4(PG_FUNCTION_ARGS)
{
	FlatSummary *s;

	RATIO_SKIP_NULL_ROW(2);
	s = ratio_row_state(fcinfo);
	s = ratio_add_int64(s, R_NUMERATOR, PG_GETARG_INT32(1));
	s = ratio_add_int64(s, R_DENOMINATOR, PG_GETARG_INT32(2));
	PG_RETURN_POINTER(s);
}

/* ratio_agg(numerator bigint, denominator bigint) transition: exact integer sums. */
PG_FUNCTION_INFO_V1(ratio_agg_trans_int8);
Datum
ratio_agg_trans_int8(PG_FUNCTION_ARGS)
{
	FlatSummary *s;

	RATIO_SKIP_NULL_ROW(2);
	s = ratio_row_state(fcinfo);
	s = ratio_add_int64(s, R_NUMERATOR, PG_GETARG_INT64(1));
	s = ratio_add_int64(s, R_DENOMINATOR, PG_GETARG_INT64(2));
	PG_RETURN_POINTER(s);
}

/*
 * ratio_agg(numerator float8, denominator float8) transition: each value is
 * taken as its shortest decimal (rk_float8_numeric) and summed exactly, so the
 * sums do not depend on the order of the rows (sum(float8) does); NaN and
 * infinities are refused (22023).
 */
PG_FUNCTION_INFO_V1(ratio_agg_trans_float8);
Datum
ratio_agg_trans_float8(PG_FUNCTION_ARGS)
{
	FlatSummary *s;
	double		num;
	double		den;

	RATIO_SKIP_NULL_ROW(2);
	num = PG_GETARG_FLOAT8(1);
	den = PG_GETARG_FLOAT8(2);
	rk_check_finite_float8(num, "numerator");
	rk_check_finite_float8(den, "denominator");
	s = ratio_row_state(fcinfo);
	s = ratio_add_float8(s, R_NUMERATOR, num, "numerator");
	s = ratio_add_float8(s, R_DENOMINATOR, den, "denominator");
	PG_RETURN_POINTER(s);
}

/*
 * ratio_agg(condition boolean) transition: the share of rows where the
 * condition is true; numerator 1 for true, 0 for false, denominator 1 per row;
 * rows where it is NULL are skipped.
 */
PG_FUNCTION_INFO_V1(ratio_agg_trans_bool);
Datum
ratio_agg_trans_bool(PG_FUNCTION_ARGS)
{
	FlatSummary *s;

	RATIO_SKIP_NULL_ROW(1);
	s = ratio_row_state(fcinfo);
	s = ratio_add_int64(s, R_NUMERATOR, PG_GETARG_BOOL(1) ? 1 : 0);
	s = ratio_add_int64(s, R_DENOMINATOR, 1);
	PG_RETURN_POINTER(s);
}

/* ratio(s, digits): the ratio as numeric rounded half away from zero from the exact sums. */
PG_FUNCTION_INFO_V1(ratio_ratio_digits);
Datum
ratio_ratio_digits(PG_FUNCTION_ARGS)
{
	FlatSummary *s = flat_from_datum(&ratio_kind, PG_GETARG_DATUM(0));
	int32		digits = PG_GETARG_INT32(1);

	rk_check_digits(digits);
	if (flat_sum_sign(s, R_DENOMINATOR) == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(rk_numeric_round_ratio(flat_sum_numeric(s, R_NUMERATOR),
										   flat_sum_numeric(s, R_DENOMINATOR), digits));
}

PG_FUNCTION_INFO_V1(ratio_numerator);
Datum
ratio_numerator(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(flat_sum_numeric(flat_from_datum(&ratio_kind, PG_GETARG_DATUM(0)),
									 R_NUMERATOR));
}

PG_FUNCTION_INFO_V1(ratio_denominator);
Datum
ratio_denominator(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(flat_sum_numeric(flat_from_datum(&ratio_kind, PG_GETARG_DATUM(0)),
									 R_DENOMINATOR));
}

/* Sum of numerators / sum of denominators; NULL when the denominator is 0. */
PG_FUNCTION_INFO_V1(ratio_ratio);
Datum
ratio_ratio(PG_FUNCTION_ARGS)
{
	FlatSummary *s = flat_from_datum(&ratio_kind, PG_GETARG_DATUM(0));
	double		result;

	if (flat_sum_sign(s, R_DENOMINATOR) == 0 ||
		!flat_ratio(s, R_NUMERATOR, -1, R_DENOMINATOR, &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

PG_FUNCTION_INFO_V1(ratio_row_count);
Datum
ratio_row_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(flat_from_datum(&ratio_kind, PG_GETARG_DATUM(0))->nrows);
}
