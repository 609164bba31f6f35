/*
 * src/ratio.c
 *		The ratio family: ratio_summary keeps exact numerator and denominator
 *		sums, for any "sum over sum" KPI (conversion, units per transaction ...).
 */
#include "flat_summary.h"

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
