/*
 * src/common.c
 *		Module magic and the helpers every family shares: variant names,
 *		finiteness checks and the numeric-to-float8 ratio.
 */
#include "retail_kpi.h"
#include "exact_sum.h"

#include <math.h>

#include "lib/stringinfo.h"
#include "utils/numeric.h"

PG_MODULE_MAGIC;

/* Resolve a variant name, listing the valid names in the HINT when it is unknown. */
int
rk_variant(text *value, const char *argname, const char *const *names)
{
	char	   *s = text_to_cstring(value);
	StringInfoData valid;
	int			i;

	for (i = 0; names[i] != NULL; i++)
	{
		if (strcmp(s, names[i]) == 0)
		{
			pfree(s);
			return i;
		}
	}

	initStringInfo(&valid);
	for (i = 0; names[i] != NULL; i++)
		appendStringInfo(&valid, "%s'%s'", i > 0 ? ", " : "", names[i]);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for argument \"%s\": \"%s\"", argname, s),
			 errhint("Valid values are %s.", valid.data)));
	return -1;					/* keep compiler quiet */
}

/* NaN and infinities are bad input for every KPI argument. */
void
rk_check_finite_float8(double value, const char *argname)
{
	if (isnan(value) || isinf(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must be a finite number", argname),
				 errdetail("The value given was %s.", isnan(value) ? "NaN" :
						   (value > 0 ? "Infinity" : "-Infinity"))));
}

/* Same check for numeric, whose NaN and infinities are special values. */
void
rk_check_finite_numeric(Datum value, const char *argname)
{
	Numeric		num;

	if (likely(!numeric_datum_is_special(value)))
		return;
	num = DatumGetNumeric(value);
	if (numeric_is_nan(num) || numeric_is_inf(num))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must be a finite number", argname),
				 errdetail("The value given was %s.",
						   numeric_is_nan(num) ? "NaN" : "an infinity")));
}

/* Sign of a finite numeric: -1, 0 or 1. */
int
rk_numeric_sign(Datum value)
{
	Datum		sign = DirectFunctionCall1(numeric_sign, value);

	return (int) DatumGetFloat8(DirectFunctionCall1(numeric_float8, sign));
}

/*
 * num / den as float8, correctly rounded: the quotient is computed in numeric
 * with 40 fractional digits before conversion, so the only rounding that
 * matters is the final one.  Returns false when den is zero.
 */
bool
rk_numeric_ratio(Datum num, Datum den, double *result)
{
	static const char *const zero40 = "0.0000000000000000000000000000000000000000";
	Datum		widened;
	Datum		q;

	if (rk_numeric_sign(den) == 0)
		return false;
	widened = DirectFunctionCall2(numeric_add, num,
								  DirectFunctionCall3(numeric_in,
													  CStringGetDatum(zero40),
													  ObjectIdGetDatum(InvalidOid),
													  Int32GetDatum(-1)));
	q = DirectFunctionCall2(numeric_div, widened, den);
	*result = DatumGetFloat8(DirectFunctionCall1(numeric_float8, q));
	return true;
}
