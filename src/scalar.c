/*
 * src/scalar.c
 *		The scalar family: sell-through, ROI, promotion ROI, growth, target
 *		attainment, SKU activity rates, and the coefficient_of_variation
 *		aggregate.  Every ratio is computed once from exact numeric parts and
 *		rounded once to double precision (rk_numeric_ratio).
 */
#include "retail_kpi.h"
#include "exact_sum.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/float.h"
#include "utils/numeric.h"

/* Numeric helpers: exact arithmetic on finite numerics. */
static Datum
num_add(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_add, a, b);
}

static Datum
num_sub(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_sub, a, b);
}

static Datum
num_abs(Datum a)
{
	return DirectFunctionCall1(numeric_abs, a);
}

/*
 * Argument i as a finite numeric, 22023 naming it otherwise.  The float8
 * overloads (is_float8) read a float8 and take its shortest decimal, the
 * digits PostgreSQL prints for it (rk_float8_numeric), so that an integer or
 * a literal of up to 15 significant digits gives exactly the numeric form's
 * result.
 */
static Datum
kpi_arg(FunctionCallInfo fcinfo, int i, const char *argname, bool is_float8)
{
	Datum		d = PG_GETARG_DATUM(i);

	if (is_float8)
		return rk_float8_numeric(PG_GETARG_FLOAT8(i), argname);
	rk_check_finite_numeric(d, argname);
	return d;
}

/* The numeric (SQL name) and float8 (SQL name with suffix _float8) entry points of a body. */
#define KPI_ENTRY_POINTS(name, body) \
PG_FUNCTION_INFO_V1(name); \
Datum name(PG_FUNCTION_ARGS) { return body(fcinfo, false); } \
PG_FUNCTION_INFO_V1(name##_float8); \
Datum name##_float8(PG_FUNCTION_ARGS) { return body(fcinfo, true); }

/* num / den as float8 when den > 0 (den_must_be_positive) or den != 0; NULL otherwise. */
static Datum
ratio_or_null(FunctionCallInfo fcinfo, Datum num, Datum den, bool den_must_be_positive)
{
	double		result;
	int			sign = rk_numeric_sign(den);

	if (sign == 0 || (den_must_be_positive && sign < 0) ||
		!rk_numeric_ratio(num, den, &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

/*
 * sell_through_rate(units_sold, units_received, opening_on_hand):
 * sold / (opening + received); NULL when that denominator is <= 0.
 */
static Datum
sell_through_body(FunctionCallInfo fcinfo, bool f8)
{
	Datum		sold = kpi_arg(fcinfo, 0, "units_sold", f8);
	Datum		received = kpi_arg(fcinfo, 1, "units_received", f8);
	Datum		opening = kpi_arg(fcinfo, 2, "opening_on_hand", f8);

	return ratio_or_null(fcinfo, sold, num_add(opening, received), true);
}

KPI_ENTRY_POINTS(scalar_sell_through_rate, sell_through_body)

/*
 * sell_through_from_closing(units_sold, closing_on_hand): sold / (sold +
 * closing), the sell-through of the units that were available when the
 * period's receipts and opening stock are only known through the closing
 * balance; NULL when sold + closing <= 0.
 */
static Datum
sell_through_closing_body(FunctionCallInfo fcinfo, bool f8)
{
	Datum		sold = kpi_arg(fcinfo, 0, "units_sold", f8);
	Datum		closing = kpi_arg(fcinfo, 1, "closing_on_hand", f8);

	return ratio_or_null(fcinfo, sold, num_add(sold, closing), true);
}

KPI_ENTRY_POINTS(scalar_sell_through_from_closing, sell_through_closing_body)

/* roi(gain, cost) = (gain - cost) / cost; NULL when cost <= 0. */
static Datum
roi_body(FunctionCallInfo fcinfo, bool f8)
{
	Datum		gain = kpi_arg(fcinfo, 0, "gain", f8);
	Datum		cost = kpi_arg(fcinfo, 1, "cost", f8);

	return ratio_or_null(fcinfo, num_sub(gain, cost), cost, true);
}

KPI_ENTRY_POINTS(scalar_roi, roi_body)

static const char *const promo_roi_forms[] = {"net", "gross", "revenue", NULL};

/*
 * promo_roi(incremental_gross_profit, spend, form): 'net' (igp - spend) / spend,
 * 'gross' igp / spend, 'revenue' (incremental revenue - spend) / spend where
 * the first argument is then the incremental revenue.  NULL when spend <= 0.
 */
static Datum
promo_roi_body(FunctionCallInfo fcinfo, bool f8)
{
	Datum		gain = kpi_arg(fcinfo, 0, "incremental_gross_profit", f8);
	Datum		spend = kpi_arg(fcinfo, 1, "spend", f8);
	int			form = rk_variant(PG_GETARG_TEXT_PP(2), "form", promo_roi_forms);

	if (form == 1)
		return ratio_or_null(fcinfo, gain, spend, true);
	return ratio_or_null(fcinfo, num_sub(gain, spend), spend, true);
}

KPI_ENTRY_POINTS(scalar_promo_roi, promo_roi_body)

static const char *const growth_modes[] = {"standard", "abs_base", NULL};

/*
 * growth_rate(current, base, mode): (current - base) / base, NULL when base <= 0
 * ('standard'); 'abs_base' divides by |base| and is NULL only when base = 0.
 */
static Datum
growth_rate_body(FunctionCallInfo fcinfo, bool f8)
{
	Datum		current = kpi_arg(fcinfo, 0, "current", f8);
	Datum		base = kpi_arg(fcinfo, 1, "base", f8);
	int			mode = rk_variant(PG_GETARG_TEXT_PP(2), "mode", growth_modes);

	if (mode == 0)
		return ratio_or_null(fcinfo, num_sub(current, base), base, true);
	return ratio_or_null(fcinfo, num_sub(current, base), num_abs(base), false);
}

KPI_ENTRY_POINTS(scalar_growth_rate, growth_rate_body)

static const char *const attainment_directions[] = {"higher_is_better", "lower_is_better", NULL};

/*
 * attainment(actual, target, direction):
 *	higher_is_better: (A - T + |T|) / |T|, and 1 + A when T = 0;
 *	lower_is_better:  1 - (A - T) / |T| = (|T| - A + T) / |T|, and 1 - A when T = 0.
 * The numerator is exact, so the result is rounded once.
 */
static Datum
attainment_body(FunctionCallInfo fcinfo, bool f8)
{
	Datum		actual = kpi_arg(fcinfo, 0, "actual", f8);
	Datum		target = kpi_arg(fcinfo, 1, "target", f8);
	int			direction = rk_variant(PG_GETARG_TEXT_PP(2), "direction",
									   attainment_directions);
	Datum		one = DirectFunctionCall1(int4_numeric, Int32GetDatum(1));
	Datum		abs_t;

	if (rk_numeric_sign(target) == 0)
	{
		Datum		v = direction == 0 ? num_add(one, actual) : num_sub(one, actual);

		PG_RETURN_DATUM(DirectFunctionCall1(numeric_float8, v));
	}
	abs_t = num_abs(target);
	if (direction == 0)
		return ratio_or_null(fcinfo, num_add(num_sub(actual, target), abs_t), abs_t, true);
	return ratio_or_null(fcinfo, num_add(num_sub(abs_t, actual), target), abs_t, true);
}

KPI_ENTRY_POINTS(scalar_attainment, attainment_body)

/*
 * share(part, total): part / total, the share of a group in a total (with
 * a window sum as the total); NULL when total = 0.
 */
static Datum
share_body(FunctionCallInfo fcinfo, bool f8)
{
	Datum		part = kpi_arg(fcinfo, 0, "part", f8);
	Datum		total = kpi_arg(fcinfo, 1, "total", f8);

	return ratio_or_null(fcinfo, part, total, false);
}

KPI_ENTRY_POINTS(scalar_share, share_body)

/*
 * kpi_round(value, digits): a float8 KPI as numeric, rounded half away from
 * zero to digits decimals from its shortest decimal (the digits PostgreSQL
 * prints), so that 0.285 gives 0.29 as round(0.285::numeric, 2) does.
 */
PG_FUNCTION_INFO_V1(scalar_kpi_round);
Datum
scalar_kpi_round(PG_FUNCTION_ARGS)
{
	Datum		v = rk_float8_numeric(PG_GETARG_FLOAT8(0), "value");
	int32		digits = PG_GETARG_INT32(1);

	rk_check_digits(digits);
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_round, v, Int32GetDatum(digits)));
}

/* Check a SKU count argument: counts are never negative. */
static int64
sku_count_arg(FunctionCallInfo fcinfo, int i, const char *argname)
{
	int64		v = PG_GETARG_INT64(i);

	if (v < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must not be negative", argname),
				 errdetail("The value given was " INT64_FORMAT ".", v)));
	return v;
}

/* part / whole of two counts as a correctly rounded float8 (whole > 0). */
static double
count_ratio(int64 part, int64 whole)
{
	double		r;

	/* below 2^53 both are exact doubles and IEEE division rounds correctly */
	if (part < (INT64CONST(1) << 53) && whole < (INT64CONST(1) << 53))
		return (double) part / (double) whole;
	rk_numeric_ratio(DirectFunctionCall1(int8_numeric, Int64GetDatum(part)),
					 DirectFunctionCall1(int8_numeric, Int64GetDatum(whole)), &r);
	return r;
}

/* activity_rate(active_skus, assortment_skus) = active / assortment; NULL when assortment = 0. */
PG_FUNCTION_INFO_V1(scalar_activity_rate);
Datum
scalar_activity_rate(PG_FUNCTION_ARGS)
{
	int64		active = sku_count_arg(fcinfo, 0, "active_skus");
	int64		assortment = sku_count_arg(fcinfo, 1, "assortment_skus");

	if (assortment == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(count_ratio(active, assortment));
}

/*
 * dead_stock_rate(active_skus, assortment_skus) = (assortment - active) / assortment,
 * i.e. 1 - activity_rate without a second rounding; NULL when assortment = 0.
 */
PG_FUNCTION_INFO_V1(scalar_dead_stock_rate);
Datum
scalar_dead_stock_rate(PG_FUNCTION_ARGS)
{
	int64		active = sku_count_arg(fcinfo, 0, "active_skus");
	int64		assortment = sku_count_arg(fcinfo, 1, "assortment_skus");
	double		r;

	if (assortment == 0)
		PG_RETURN_NULL();
	if (active <= assortment)
		PG_RETURN_FLOAT8(count_ratio(assortment - active, assortment));
	/* more active SKUs than listed (inconsistent counts): a negative rate, returned as is */
	rk_numeric_ratio(DirectFunctionCall2(numeric_sub,
										 DirectFunctionCall1(int8_numeric, Int64GetDatum(assortment)),
										 DirectFunctionCall1(int8_numeric, Int64GetDatum(active))),
					 DirectFunctionCall1(int8_numeric, Int64GetDatum(assortment)), &r);
	PG_RETURN_FLOAT8(r);
}

/*
 * coefficient_of_variation: the state is a float8[4] {N, Sx, Sxx, variant}
 * with Sxx the sum of squared deviations from the mean (Youngs-Cramer, as
 * PostgreSQL's float8_accum), variant 0 = not yet known, 1 = sample,
 * 2 = population.  A real array type, so it crosses process boundaries as is.
 */
#define CV_STATE_LEN 4
#define CV_UNSET 0
#define CV_SAMPLE 1
#define CV_POPULATION 2

static const char *const cv_variants[] = {"sample", "population", NULL};

/* The state's values, validated (22000 when it is not a CV state). */
static float8 *
cv_state_values(ArrayType *a)
{
	float8	   *v;

	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != CV_STATE_LEN || ARR_HASNULL(a) ||
		ARR_ELEMTYPE(a) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("corrupt coefficient_of_variation state"),
				 errdetail("The state must be a float8 array of %d values without NULLs.",
						   CV_STATE_LEN)));
	v = (float8 *) ARR_DATA_PTR(a);
	if (!(v[0] >= 0) || v[0] != floor(v[0]) || isinf(v[0]) ||
		isnan(v[1]) || isinf(v[1]) || !(v[2] >= 0) || isinf(v[2]) ||
		(v[3] != CV_UNSET && v[3] != CV_SAMPLE && v[3] != CV_POPULATION) ||
		(v[0] == 0 && (v[1] != 0 || v[2] != 0)) || (v[0] > 0 && v[3] == CV_UNSET))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("corrupt coefficient_of_variation state"),
				 errdetail("The count, sums or variant code are out of range.")));
	return v;
}

/* The state to update: in place inside an aggregate, else a copy. */
static ArrayType *
cv_state(FunctionCallInfo fcinfo)
{
	if (AggCheckCallContext(fcinfo, NULL))
		return PG_GETARG_ARRAYTYPE_P(0);
	return PG_GETARG_ARRAYTYPE_P_COPY(0);
}

/* Add one finite value to the state (Youngs-Cramer update). */
static void
cv_accum(float8 *v, double x)
{
	double		n = v[0] + 1.0;
	double		sx = v[1] + x;
	double		sxx = v[2];

	if (v[0] > 0)
	{
		double		tmp = x * n - sx;

		sxx += tmp * tmp / (n * v[0]);
		if (isinf(sx) || isinf(sxx))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("coefficient_of_variation is out of range"),
					 errdetail("The sum of the values or of their squared deviations overflowed double precision.")));
	}
	else
		sxx = 0;
	v[0] = n;
	v[1] = sx;
	v[2] = sxx;
}

/* Record the group's variant; every row of a group must give the same one. */
static void
cv_set_variant(float8 *v, int variant)
{
	if (v[3] == CV_UNSET)
		v[3] = variant;
	else if (v[3] != variant)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"variant\" must be the same on every row of a group"),
				 errdetail("The group has both 'sample' and 'population' rows.")));
}

/* Shared body of both transitions: the variant (argument 2, if given) and x. */
static ArrayType *
cv_trans(FunctionCallInfo fcinfo, double x)
{
	ArrayType  *a = cv_state(fcinfo);
	float8	   *v = cv_state_values(a);

	if (PG_NARGS() > 2)
		cv_set_variant(v, CV_SAMPLE + rk_variant(PG_GETARG_TEXT_PP(2), "variant", cv_variants));
	else
		cv_set_variant(v, CV_SAMPLE);
	cv_accum(v, x);
	return a;
}

/* Transition of coefficient_of_variation(x float8 [, variant text]). */
PG_FUNCTION_INFO_V1(scalar_cv_trans);
Datum
scalar_cv_trans(PG_FUNCTION_ARGS)
{
	double		x = PG_GETARG_FLOAT8(1);

	rk_check_finite_float8(x, "x");
	PG_RETURN_ARRAYTYPE_P(cv_trans(fcinfo, x));
}

/* Transition of coefficient_of_variation(x numeric [, variant text]). */
PG_FUNCTION_INFO_V1(scalar_cv_trans_numeric);
Datum
scalar_cv_trans_numeric(PG_FUNCTION_ARGS)
{
	double		x;

	rk_check_finite_numeric(PG_GETARG_DATUM(1), "x");
	x = DatumGetFloat8(DirectFunctionCall1(numeric_float8, PG_GETARG_DATUM(1)));
	rk_check_finite_float8(x, "x");		/* beyond double precision's range */
	PG_RETURN_ARRAYTYPE_P(cv_trans(fcinfo, x));
}

/*
 * Exact state of coefficient_of_variation(x numeric [, variant]), from 0.3:
 * a float8[9] {N, variant, s, Sx (3 limbs), Sxx (3 limbs)} where Sx is the
 * exact sum of the values times 10^s and Sxx the exact sum of their squares
 * times 10^2s, both 128-bit integers kept as three 42-bit limbs (integers
 * below 2^42, all of the value's sign) so that a float8 holds each exactly
 * and the array's text form round-trips.  Integer sums do not depend on the
 * order of the rows, so every plan (serial, parallel, distributed) gives the
 * same sums, and the result is computed from them once (scalar_cv_final).
 * The float8 layout (length 4) stays the state of the float8 aggregates.
 */
#define CVX_STATE_LEN 9
#define CVX_LIMB_BITS 42
#define CVX_MAX_SCALE 19		/* Sxx has scale 2s <= 38 */

typedef struct CvExact
{
	int64		n;
	int			variant;
	int			scale;
	int128		sx;
	int128		sxx;
} CvExact;

static void
cvx_corrupt(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("corrupt coefficient_of_variation state"),
			 errdetail("The exact state's count, variant, scale or sums are out of range.")));
}

static void
cvx_out_of_range(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("coefficient_of_variation is out of range"),
			 errdetail("The exact sums of the numeric values or of their squares need more than 126 bits, or a value has more than %d decimals.",
					   CVX_MAX_SCALE),
			 errhint("Round the values, or cast them to float8 for the floating-point version.")));
}

/* |x| < 2^126, the range three limbs hold. */
static bool
cvx_fits(int128 x)
{
	int128		lim = (int128) 1 << (3 * CVX_LIMB_BITS);

	return x < lim && x > -lim;
}

/* Read three limbs into a 128-bit integer (false when they are not valid limbs). */
static bool
cvx_get128(const float8 *l, int128 *x)
{
	double		lim = ldexp(1.0, CVX_LIMB_BITS);
	int			sign = 0;
	uint128		u = 0;
	int			i;

	for (i = 2; i >= 0; i--)
	{
		double		v = l[i];

		if (!(fabs(v) < lim) || v != floor(v))
			return false;
		if (v != 0)
		{
			int			sv = v < 0 ? -1 : 1;

			if (sign != 0 && sign != sv)
				return false;
			sign = sv;
		}
		u = (u << CVX_LIMB_BITS) | (uint128) (uint64) fabs(v);
	}
	*x = sign < 0 ? -(int128) u : (int128) u;
	return true;
}

/* Write a 128-bit integer (|x| < 2^126) as three limbs. */
static void
cvx_put128(float8 *l, int128 x)
{
	uint128		u = x < 0 ? (uint128) (-x) : (uint128) x;
	uint64		mask = (UINT64CONST(1) << CVX_LIMB_BITS) - 1;
	int			i;

	for (i = 0; i < 3; i++)
	{
		double		v = (double) (uint64) (u & mask);

		l[i] = (x < 0 && v != 0) ? -v : v;
		u >>= CVX_LIMB_BITS;
	}
}

/* Decode and validate an exact state array (22000 when it is not one). */
static void
cvx_read(ArrayType *a, CvExact *st)
{
	float8	   *v;

	if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != CVX_STATE_LEN || ARR_HASNULL(a) ||
		ARR_ELEMTYPE(a) != FLOAT8OID)
		cvx_corrupt();
	v = (float8 *) ARR_DATA_PTR(a);
	if (!(v[0] >= 1 && v[0] <= 9007199254740992.0) || v[0] != floor(v[0]) ||
		(v[1] != CV_SAMPLE && v[1] != CV_POPULATION) ||
		!(v[2] >= 0 && v[2] <= CVX_MAX_SCALE) || v[2] != floor(v[2]) ||
		!cvx_get128(v + 3, &st->sx) || !cvx_get128(v + 6, &st->sxx) || st->sxx < 0)
		cvx_corrupt();
	st->n = (int64) v[0];
	st->variant = (int) v[1];
	st->scale = (int) v[2];
}

/* A new float8[9] array holding st. */
static ArrayType *
cvx_array(const CvExact *st)
{
	Datum		d[CVX_STATE_LEN];
	float8		v[CVX_STATE_LEN];
	int			i;

	v[0] = (double) st->n;
	v[1] = st->variant;
	v[2] = st->scale;
	cvx_put128(v + 3, st->sx);
	cvx_put128(v + 6, st->sxx);
	for (i = 0; i < CVX_STATE_LEN; i++)
		d[i] = Float8GetDatum(v[i]);
	return construct_array(d, CVX_STATE_LEN, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL,
						   TYPALIGN_DOUBLE);
}

/* Bring st to scale (>= st->scale), 22003 when the sums leave the range. */
static void
cvx_rescale(CvExact *st, int scale)
{
	int			d = scale - st->scale;

	if (d == 0)
		return;
	if (scale > CVX_MAX_SCALE ||
		__builtin_mul_overflow(st->sx, rk_pow10[d], &st->sx) ||
		__builtin_mul_overflow(st->sxx, rk_pow10[2 * d], &st->sxx) ||
		!cvx_fits(st->sx) || !cvx_fits(st->sxx))
		cvx_out_of_range();
	st->scale = scale;
}

/* Add b into a (variants must agree), exactly. */
static void
cvx_merge(CvExact *a, CvExact *b)
{
	if (a->variant != b->variant)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"variant\" must be the same on every row of a group"),
				 errdetail("The group has both 'sample' and 'population' rows.")));
	cvx_rescale(a, Max(a->scale, b->scale));
	cvx_rescale(b, a->scale);
	if (__builtin_add_overflow(a->sx, b->sx, &a->sx) ||
		__builtin_add_overflow(a->sxx, b->sxx, &a->sxx) ||
		!cvx_fits(a->sx) || !cvx_fits(a->sxx) || a->n > INT64CONST(9007199254740992) - b->n)
		cvx_out_of_range();
	a->n += b->n;
}

/*
 * Exact transition of coefficient_of_variation(x numeric [, variant text]),
 * bound by the 0.3 install and upgrade scripts; the state starts as the
 * aggregate's INITCOND {0,0,0,0} and becomes the exact layout on the first row.
 */
PG_FUNCTION_INFO_V1(scalar_cv_trans_numeric_exact);
Datum
scalar_cv_trans_numeric_exact(PG_FUNCTION_ARGS)
{
	ArrayType  *a = PG_GETARG_ARRAYTYPE_P(0);
	Datum		x = PG_GETARG_DATUM(1);
	CvExact		st;
	CvExact		row;
	int128		value;
	int			scale;

	rk_check_finite_numeric(x, "x");
	row.variant = CV_SAMPLE;
	if (PG_NARGS() > 2)
		row.variant = CV_SAMPLE + rk_variant(PG_GETARG_TEXT_PP(2), "variant", cv_variants);
	if (!numeric_to_scaled_inline(x, &value, &scale))
		cvx_out_of_range();
	/* trailing zeros (avg() results carry many) do not count towards the limits */
	while (scale > 0 && value % 10 == 0)
		value /= 10, scale--;
	if (scale > CVX_MAX_SCALE ||
		value >= ((int128) 1 << 63) || value <= -((int128) 1 << 63))
		cvx_out_of_range();
	row.n = 1;
	row.scale = scale;
	row.sx = value;
	row.sxx = value * value;	/* |value| < 2^63: below 2^126 */

	if (ARR_NDIM(a) == 1 && ARR_DIMS(a)[0] == CV_STATE_LEN)
	{
		/* the INITCOND: nothing added yet */
		float8	   *v = cv_state_values(a);

		if (v[0] != 0)
			cvx_corrupt();
		st = row;
	}
	else
	{
		cvx_read(a, &st);
		cvx_merge(&st, &row);
	}
	PG_RETURN_ARRAYTYPE_P(cvx_array(&st));
}

/* True when a is an exact state (length 9). */
static bool
cv_is_exact(ArrayType *a)
{
	return ARR_NDIM(a) == 1 && ARR_DIMS(a)[0] == CVX_STATE_LEN;
}

/* True when a is a float8-layout state with no value yet (the INITCOND). */
static bool
cv_is_empty_float(ArrayType *a)
{
	return !cv_is_exact(a) && cv_state_values(a)[0] == 0;
}

/* Combine two exact states, or an exact state and an empty one. */
static Datum
cvx_combine(FunctionCallInfo fcinfo, ArrayType *a, ArrayType *b)
{
	CvExact		sa,
				sb;

	if (!cv_is_exact(a))
	{
		if (!cv_is_empty_float(a))
			cvx_corrupt();
		cvx_read(b, &sb);
		PG_RETURN_ARRAYTYPE_P(cvx_array(&sb));
	}
	cvx_read(a, &sa);
	if (!cv_is_exact(b))
	{
		if (!cv_is_empty_float(b))
			cvx_corrupt();
		PG_RETURN_ARRAYTYPE_P(cvx_array(&sa));
	}
	cvx_read(b, &sb);
	cvx_merge(&sa, &sb);
	PG_RETURN_ARRAYTYPE_P(cvx_array(&sa));
}

/*
 * Final value of an exact state: with N = n Sxx - Sx^2 (exact), the squared
 * result is N n / ((n - 1) Sx^2) (sample) or N / Sx^2 (population), computed
 * exactly and rounded once to float8; its square root is correctly rounded
 * too (IEEE 754), so the result is the same on every platform and plan.
 */
static Datum
cvx_final(FunctionCallInfo fcinfo, ArrayType *a)
{
	CvExact		st;
	Datum		n,
				sx,
				num,
				den;
	double		q;

	cvx_read(a, &st);
	if (st.n < 2 || st.sx <= 0)
		PG_RETURN_NULL();
	n = DirectFunctionCall1(int8_numeric, Int64GetDatum(st.n));
	sx = scaled_to_numeric(st.sx, 0);
	num = DirectFunctionCall2(numeric_sub,
							  DirectFunctionCall2(numeric_mul, n, scaled_to_numeric(st.sxx, 0)),
							  DirectFunctionCall2(numeric_mul, sx, sx));
	den = DirectFunctionCall2(numeric_mul, sx, sx);
	if (st.variant == CV_SAMPLE)
	{
		num = DirectFunctionCall2(numeric_mul, num, n);
		den = DirectFunctionCall2(numeric_mul, den,
								  DirectFunctionCall1(int8_numeric, Int64GetDatum(st.n - 1)));
	}
	if (!rk_numeric_ratio(num, den, &q))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(sqrt(q));
}

/*
 * Combine two states (Chan et al.'s parallel formula, as float8_combine);
 * exact states (length 9) are added exactly.
 */
PG_FUNCTION_INFO_V1(scalar_cv_combine);
Datum
scalar_cv_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a;
	float8	   *v1;
	float8	   *v2;
	double		n1,
				n2;

	if (cv_is_exact(PG_GETARG_ARRAYTYPE_P(0)) || cv_is_exact(PG_GETARG_ARRAYTYPE_P(1)))
		return cvx_combine(fcinfo, PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1));
	a = cv_state(fcinfo);
	v1 = cv_state_values(a);
	v2 = cv_state_values(PG_GETARG_ARRAYTYPE_P(1));
	n1 = v1[0];
	n2 = v2[0];

	if (n2 == 0)
		PG_RETURN_ARRAYTYPE_P(a);
	cv_set_variant(v1, (int) v2[3]);
	if (n1 == 0)
	{
		v1[0] = n2;
		v1[1] = v2[1];
		v1[2] = v2[2];
	}
	else
	{
		double		n = n1 + n2;
		double		sx = v1[1] + v2[1];
		double		tmp = v1[1] / n1 - v2[1] / n2;
		double		sxx = v1[2] + v2[2] + n1 * n2 * tmp * tmp / n;

		if (isinf(sx) || isinf(sxx))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("coefficient_of_variation is out of range"),
					 errdetail("The sum of the values or of their squared deviations overflowed double precision.")));
		v1[0] = n;
		v1[1] = sx;
		v1[2] = sxx;
	}
	PG_RETURN_ARRAYTYPE_P(a);
}

/* Final: stddev / mean; NULL when n < 2 or mean <= 0 (exact states: cvx_final). */
PG_FUNCTION_INFO_V1(scalar_cv_final);
Datum
scalar_cv_final(PG_FUNCTION_ARGS)
{
	float8	   *v;
	double		n;
	double		mean;
	double		var;

	if (cv_is_exact(PG_GETARG_ARRAYTYPE_P(0)))
		return cvx_final(fcinfo, PG_GETARG_ARRAYTYPE_P(0));
	v = cv_state_values(PG_GETARG_ARRAYTYPE_P(0));
	n = v[0];

	if (n < 2 || v[1] <= 0)
		PG_RETURN_NULL();
	mean = v[1] / n;
	var = v[2] / (v[3] == CV_POPULATION ? n : n - 1.0);
	PG_RETURN_FLOAT8(sqrt(var) / mean);
}
