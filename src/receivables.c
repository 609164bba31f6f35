/*
 * src/receivables.c
 *		The receivables family (应收账款): collection rate (回款率) over credit
 *		sales and in the roll-forward form, the collection effectiveness index
 *		(CEI) and days sales outstanding (DSO).  Scalar functions over exact
 *		numeric parts: every ratio is computed once in numeric and rounded once
 *		to double precision (rk_numeric_ratio); a non-positive denominator
 *		gives NULL (kpi-semantics.md).
 */
#include "retail_kpi.h"

#include "utils/numeric.h"

/* Exact numeric a + b. */
static Datum
num_add(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_add, a, b);
}

/* Exact numeric a - b. */
static Datum
num_sub(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_sub, a, b);
}

/* Exact numeric a * b. */
static Datum
num_mul(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_mul, a, b);
}

/* Argument i as a finite numeric (the caller has checked it is not NULL), 22023 naming it otherwise. */
static Datum
finite_arg(FunctionCallInfo fcinfo, int i, const char *argname)
{
	Datum		d = PG_GETARG_DATUM(i);

	rk_check_finite_numeric(d, argname);
	return d;
}

/* The variant argument i: 22004 when NULL, 22023 with the valid names when unknown. */
static int
variant_arg(FunctionCallInfo fcinfo, int i, const char *argname, const char *const *names)
{
	if (PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be NULL", argname),
				 errhint("Omit it for the default '%s'.", names[0])));
	return rk_variant(PG_GETARG_TEXT_PP(i), argname, names);
}

/*
 * An argument that the chosen variant does not use must be omitted (NULL):
 * passing it is taken as a sign that another variant was meant (22023).
 */
static void
unused_arg(FunctionCallInfo fcinfo, int i, const char *argname, const char *variant_argname,
		   const char *variant, const char *user)
{
	if (!PG_ARGISNULL(i))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" is not used by %s '%s'", argname, variant_argname, variant),
				 errdetail("Only %s '%s' uses it.", variant_argname, user),
				 errhint("Omit \"%s\", or pass %s => '%s'.", argname, variant_argname, user)));
}

/* num / den as float8 when den > 0; NULL otherwise. */
static Datum
ratio_or_null(FunctionCallInfo fcinfo, Datum num, Datum den)
{
	double		result;

	if (rk_numeric_sign(den) <= 0 || !rk_numeric_ratio(num, den, &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

/*
 * CEI = (begin AR + credit sales - end AR) / (begin AR + credit sales - end
 * current AR); NULL when the denominator is <= 0.
 */
static Datum
cei(FunctionCallInfo fcinfo, Datum begin_ar, Datum credit_sales, Datum end_ar, Datum end_current_ar)
{
	Datum		available = num_add(begin_ar, credit_sales);

	return ratio_or_null(fcinfo, num_sub(available, end_ar), num_sub(available, end_current_ar));
}

/* collection_rate(cash_collected, credit_sales) = cash / credit sales; NULL when credit sales <= 0. */
PG_FUNCTION_INFO_V1(receivables_collection_rate_cash);
Datum
receivables_collection_rate_cash(PG_FUNCTION_ARGS)
{
	Datum		cash = finite_arg(fcinfo, 0, "cash_collected");
	Datum		credit = finite_arg(fcinfo, 1, "credit_sales");

	return ratio_or_null(fcinfo, cash, credit);
}

static const char *const collection_rate_variants[] = {"standard", "cei", NULL};

/*
 * collection_rate(begin_ar, credit_sales, end_ar, end_current_ar, variant):
 *	'standard': (begin AR + credit sales - end AR) / credit sales, NULL when
 *				credit sales <= 0; end_current_ar must be omitted;
 *	'cei':		the collection effectiveness index (see cei()).
 * A NULL amount gives NULL; a NULL variant is an error (22004).
 */
PG_FUNCTION_INFO_V1(receivables_collection_rate);
Datum
receivables_collection_rate(PG_FUNCTION_ARGS)
{
	int			variant = variant_arg(fcinfo, 4, "variant", collection_rate_variants);
	Datum		begin_ar;
	Datum		credit;
	Datum		end_ar;

	if (variant == 0)
		unused_arg(fcinfo, 3, "end_current_ar", "variant", "standard", "cei");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || (variant == 1 && PG_ARGISNULL(3)))
		PG_RETURN_NULL();
	begin_ar = finite_arg(fcinfo, 0, "begin_ar");
	credit = finite_arg(fcinfo, 1, "credit_sales");
	end_ar = finite_arg(fcinfo, 2, "end_ar");
	if (variant == 1)
		return cei(fcinfo, begin_ar, credit, end_ar, finite_arg(fcinfo, 3, "end_current_ar"));
	return ratio_or_null(fcinfo, num_sub(num_add(begin_ar, credit), end_ar), credit);
}

/* collection_effectiveness_index(begin_ar, credit_sales, end_ar, end_current_ar): see cei(). */
PG_FUNCTION_INFO_V1(receivables_cei);
Datum
receivables_cei(PG_FUNCTION_ARGS)
{
	Datum		begin_ar = finite_arg(fcinfo, 0, "begin_ar");
	Datum		credit = finite_arg(fcinfo, 1, "credit_sales");
	Datum		end_ar = finite_arg(fcinfo, 2, "end_ar");
	Datum		end_current_ar = finite_arg(fcinfo, 3, "end_current_ar");

	return cei(fcinfo, begin_ar, credit, end_ar, end_current_ar);
}

static const char *const dso_methods[] = {"ending", "average", NULL};

/*
 * days_sales_outstanding(end_ar, credit_sales, period_days, begin_ar, method):
 *	'ending':  end AR x period_days / credit sales (begin_ar must be omitted);
 *	'average': (begin AR + end AR) / 2 x period_days / credit sales.
 * NULL when credit sales <= 0 or an amount is NULL; period_days must be > 0.
 * The product is exact and divided once: (begin + end) x days / (2 x credit).
 */
PG_FUNCTION_INFO_V1(receivables_dso);
Datum
receivables_dso(PG_FUNCTION_ARGS)
{
	int			method = variant_arg(fcinfo, 4, "method", dso_methods);
	Datum		end_ar;
	Datum		credit;
	Datum		days;
	Datum		ar;
	Datum		den;

	if (method == 0)
		unused_arg(fcinfo, 3, "begin_ar", "method", "ending", "average");
	if (!PG_ARGISNULL(2))
	{
		days = finite_arg(fcinfo, 2, "period_days");
		if (rk_numeric_sign(days) <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"period_days\" must be positive"),
					 errdetail("The value given was %s.",
							   DatumGetCString(DirectFunctionCall1(numeric_out, days)))));
	}
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || (method == 1 && PG_ARGISNULL(3)))
		PG_RETURN_NULL();
	end_ar = finite_arg(fcinfo, 0, "end_ar");
	credit = finite_arg(fcinfo, 1, "credit_sales");
	days = PG_GETARG_DATUM(2);
	ar = end_ar;
	den = credit;
	if (method == 1)
	{
		ar = num_add(finite_arg(fcinfo, 3, "begin_ar"), end_ar);
		den = num_add(credit, credit);
	}
	return ratio_or_null(fcinfo, num_mul(ar, days), den);
}
