/*
 * src/margin.c
 *		The margin family: margin_summary keeps exact revenue, cost and units
 *		sums, so gross margin and markup can be read at any grain without
 *		averaging ratios.
 */
#include "flat_summary.h"

#include "utils/numeric.h"

enum
{
	M_REVENUE,
	M_COST,
	M_UNITS
};

static const char *const margin_sum_names[] = {"revenue", "cost", "units"};

static const FlatKind margin_kind = {
	"margin_summary", 'm', 3, margin_sum_names, 0, NULL
};

FLAT_SUMMARY_FUNCTIONS(margin_summary, margin_kind)

/*
 * margin_agg(revenue, cost [, units]) transition: a row without revenue or cost
 * is skipped; units are optional per row and summed where given, as sum() does.
 */
PG_FUNCTION_INFO_V1(margin_agg_trans);
Datum
margin_agg_trans(PG_FUNCTION_ARGS)
{
	FlatSummary *s;
	bool		has_units = PG_NARGS() > 3 && !PG_ARGISNULL(3);

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	s = flat_state(&margin_kind, fcinfo);
	s->nrows++;
	s = flat_add(&margin_kind, s, M_REVENUE, PG_GETARG_DATUM(1));
	s = flat_add(&margin_kind, s, M_COST, PG_GETARG_DATUM(2));
	if (has_units)
		s = flat_add(&margin_kind, s, M_UNITS, PG_GETARG_DATUM(3));
	PG_RETURN_POINTER(s);
}

/* One sum of the summary as numeric, NULL when it never received a value. */
static Datum
margin_sum(FunctionCallInfo fcinfo, int i)
{
	FlatSummary *s = flat_from_datum(&margin_kind, PG_GETARG_DATUM(0));

	if (!s->sums[i].has_value)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(flat_sum_numeric(s, i));
}

PG_FUNCTION_INFO_V1(margin_revenue);
Datum
margin_revenue(PG_FUNCTION_ARGS)
{
	return margin_sum(fcinfo, M_REVENUE);
}

PG_FUNCTION_INFO_V1(margin_cost);
Datum
margin_cost(PG_FUNCTION_ARGS)
{
	return margin_sum(fcinfo, M_COST);
}

PG_FUNCTION_INFO_V1(margin_units);
Datum
margin_units(PG_FUNCTION_ARGS)
{
	return margin_sum(fcinfo, M_UNITS);
}

/* Gross profit = revenue - cost, exact. */
PG_FUNCTION_INFO_V1(margin_gross_profit);
Datum
margin_gross_profit(PG_FUNCTION_ARGS)
{
	FlatSummary *s = flat_from_datum(&margin_kind, PG_GETARG_DATUM(0));

	PG_RETURN_DATUM(DirectFunctionCall2(numeric_sub,
										flat_sum_numeric(s, M_REVENUE),
										flat_sum_numeric(s, M_COST)));
}

/* (revenue - cost) / revenue; NULL when revenue <= 0. */
PG_FUNCTION_INFO_V1(margin_margin_rate);
Datum
margin_margin_rate(PG_FUNCTION_ARGS)
{
	FlatSummary *s = flat_from_datum(&margin_kind, PG_GETARG_DATUM(0));
	double		result;

	if (flat_sum_sign(s, M_REVENUE) <= 0 ||
		!flat_ratio(s, M_REVENUE, M_COST, M_REVENUE, &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

/* (revenue - cost) / cost; NULL when cost <= 0. */
PG_FUNCTION_INFO_V1(margin_markup_rate);
Datum
margin_markup_rate(PG_FUNCTION_ARGS)
{
	FlatSummary *s = flat_from_datum(&margin_kind, PG_GETARG_DATUM(0));
	double		result;

	if (flat_sum_sign(s, M_COST) <= 0 ||
		!flat_ratio(s, M_REVENUE, M_COST, M_COST, &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

/*
 * margin_rate(s, digits) and markup_rate(s, digits): the rate as numeric,
 * rounded half away from zero to digits decimals straight from the exact
 * sums (one rounding); NULL under the same rule as the float8 accessors.
 */
static Datum
margin_rate_digits(FunctionCallInfo fcinfo, int den)
{
	FlatSummary *s = flat_from_datum(&margin_kind, PG_GETARG_DATUM(0));
	int32		digits = PG_GETARG_INT32(1);
	Datum		gp;

	rk_check_digits(digits);
	if (flat_sum_sign(s, den) <= 0)
		PG_RETURN_NULL();
	gp = DirectFunctionCall2(numeric_sub, flat_sum_numeric(s, M_REVENUE),
							 flat_sum_numeric(s, M_COST));
	PG_RETURN_DATUM(rk_numeric_round_ratio(gp, flat_sum_numeric(s, den), digits));
}

PG_FUNCTION_INFO_V1(margin_margin_rate_digits);
Datum
margin_margin_rate_digits(PG_FUNCTION_ARGS)
{
	return margin_rate_digits(fcinfo, M_REVENUE);
}

PG_FUNCTION_INFO_V1(margin_markup_rate_digits);
Datum
margin_markup_rate_digits(PG_FUNCTION_ARGS)
{
	return margin_rate_digits(fcinfo, M_COST);
}

/* Number of rows the summary was built from. */
PG_FUNCTION_INFO_V1(margin_row_count);
Datum
margin_row_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(flat_from_datum(&margin_kind, PG_GETARG_DATUM(0))->nrows);
}
