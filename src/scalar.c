/*
 * src/scalar.c
 *		The scalar family: sell-through, ROI, promotion ROI, growth, target
 *		attainment, SKU activity rates, and the coefficient_of_variation
 *		aggregate.  Every ratio is computed once from exact numeric parts and
 *		rounded once to double precision (rk_numeric_ratio).
 */
#include "retail_kpi.h"

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

/* Argument i as a finite numeric, 22023 naming it otherwise. */
static Datum
finite_arg(FunctionCallInfo fcinfo, int i, const char *argname)
{
	Datum		d = PG_GETARG_DATUM(i);

	rk_check_finite_numeric(d, argname);
	return d;
}

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
PG_FUNCTION_INFO_V1(scalar_sell_through_rate);
Datum
scalar_sell_through_rate(PG_FUNCTION_ARGS)
{
	Datum		sold = finite_arg(fcinfo, 0, "units_sold");
	Datum		received = finite_arg(fcinfo, 1, "units_received");
	Datum		opening = finite_arg(fcinfo, 2, "opening_on_hand");

	return ratio_or_null(fcinfo, sold, num_add(opening, received), true);
}

/* roi(gain, cost) = (gain - cost) / cost; NULL when cost <= 0. */
PG_FUNCTION_INFO_V1(scalar_roi);
Datum
scalar_roi(PG_FUNCTION_ARGS)
{
	Datum		gain = finite_arg(fcinfo, 0, "gain");
	Datum		cost = finite_arg(fcinfo, 1, "cost");

	return ratio_or_null(fcinfo, num_sub(gain, cost), cost, true);
}

static const char *const promo_roi_forms[] = {"net", "gross", "revenue", NULL};

/*
 * promo_roi(incremental_gross_profit, spend, form): 'net' (igp - spend) / spend,
 * 'gross' igp / spend, 'revenue' (incremental revenue - spend) / spend where
 * the first argument is then the incremental revenue.  NULL when spend <= 0.
 */
PG_FUNCTION_INFO_V1(scalar_promo_roi);
Datum
scalar_promo_roi(PG_FUNCTION_ARGS)
{
	Datum		gain = finite_arg(fcinfo, 0, "incremental_gross_profit");
	Datum		spend = finite_arg(fcinfo, 1, "spend");
	int			form = rk_variant(PG_GETARG_TEXT_PP(2), "form", promo_roi_forms);

	if (form == 1)
		return ratio_or_null(fcinfo, gain, spend, true);
	return ratio_or_null(fcinfo, num_sub(gain, spend), spend, true);
}

static const char *const growth_modes[] = {"standard", "abs_base", NULL};

/*
 * growth_rate(current, base, mode): (current - base) / base, NULL when base <= 0
 * ('standard'); 'abs_base' divides by |base| and is NULL only when base = 0.
 */
PG_FUNCTION_INFO_V1(scalar_growth_rate);
Datum
scalar_growth_rate(PG_FUNCTION_ARGS)
{
	Datum		current = finite_arg(fcinfo, 0, "current");
	Datum		base = finite_arg(fcinfo, 1, "base");
	int			mode = rk_variant(PG_GETARG_TEXT_PP(2), "mode", growth_modes);

	if (mode == 0)
		return ratio_or_null(fcinfo, num_sub(current, base), base, true);
	return ratio_or_null(fcinfo, num_sub(current, base), num_abs(base), false);
}

static const char *const attainment_directions[] = {"higher_is_better", "lower_is_better", NULL};

/*
 * attainment(actual, target, direction):
 *	higher_is_better: (A - T + |T|) / |T|, and 1 + A when T = 0;
 *	lower_is_better:  1 - (A - T) / |T| = (|T| - A + T) / |T|, and 1 - A when T = 0.
 * The numerator is exact, so the result is rounded once.
 */
PG_FUNCTION_INFO_V1(scalar_attainment);
Datum
scalar_attainment(PG_FUNCTION_ARGS)
{
	Datum		actual = finite_arg(fcinfo, 0, "actual");
	Datum		target = finite_arg(fcinfo, 1, "target");
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

/* Combine two states (Chan et al.'s parallel formula, as float8_combine). */
PG_FUNCTION_INFO_V1(scalar_cv_combine);
Datum
scalar_cv_combine(PG_FUNCTION_ARGS)
{
	ArrayType  *a = cv_state(fcinfo);
	float8	   *v1 = cv_state_values(a);
	float8	   *v2 = cv_state_values(PG_GETARG_ARRAYTYPE_P(1));
	double		n1 = v1[0],
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

/* Final: stddev / mean; NULL when n < 2 or mean <= 0. */
PG_FUNCTION_INFO_V1(scalar_cv_final);
Datum
scalar_cv_final(PG_FUNCTION_ARGS)
{
	float8	   *v = cv_state_values(PG_GETARG_ARRAYTYPE_P(0));
	double		n = v[0];
	double		mean;
	double		var;

	if (n < 2 || v[1] <= 0)
		PG_RETURN_NULL();
	mean = v[1] / n;
	var = v[2] / (v[3] == CV_POPULATION ? n : n - 1.0);
	PG_RETURN_FLOAT8(sqrt(var) / mean);
}
