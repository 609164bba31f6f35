/*
 * src/funnel.c
 *		The funnel family: step rates of a conversion funnel (visitors ->
 *		buyers -> ...) from the stage counts.  See docs/funnel.md.
 */
#include "retail_kpi.h"

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/tuplestore.h"

/* 22023 naming the argument, with a sentence saying what is wrong. */
static void
funnel_bad(const char *argname, const char *message, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("argument \"%s\" %s", argname, message),
			 detail ? errdetail("%s", detail) : 0));
}

/* a / b as float8, or NULL (false) when b is 0. */
static bool
funnel_rate(int64 a, int64 b, double *result)
{
	if (b == 0)
		return false;
	*result = (double) a / (double) b;
	return true;
}

/*
 * funnel(stage_counts bigint[], stage_names text[])
 * One row per stage: step_rate = count / previous count (stage 1 is compared
 * with itself, so 1 when its count is positive), rate_from_top = count / first
 * count, drop_off = 1 - step_rate; a zero denominator gives NULL.  Counts may
 * grow down the funnel (rates above 1, negative drop-off).
 */
PG_FUNCTION_INFO_V1(funnel_steps);
Datum
funnel_steps(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	ArrayType  *counts_arr;
	Datum	   *counts;
	bool	   *cnulls;
	int			n;
	Datum	   *names = NULL;
	bool	   *nnulls = NULL;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0))
		return (Datum) 0;
	counts_arr = PG_GETARG_ARRAYTYPE_P(0);
	if (ARR_NDIM(counts_arr) > 1)
		funnel_bad("stage_counts", "must be a one-dimensional array",
					psprintf("The array has %d dimensions.", ARR_NDIM(counts_arr)));
	deconstruct_array(counts_arr, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &counts, &cnulls, &n);
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (cnulls[i])
			funnel_bad("stage_counts", "must not contain NULL",
						psprintf("The count of stage %d is NULL.", i + 1));
		if (DatumGetInt64(counts[i]) < 0)
			funnel_bad("stage_counts", "must not contain negative counts",
						psprintf("The count of stage %d is " INT64_FORMAT ".", i + 1,
								 DatumGetInt64(counts[i])));
	}
	if (!PG_ARGISNULL(1))
	{
		ArrayType  *names_arr = PG_GETARG_ARRAYTYPE_P(1);
		int			nn;

		if (ARR_NDIM(names_arr) > 1)
			funnel_bad("stage_names", "must be a one-dimensional array",
						psprintf("The array has %d dimensions.", ARR_NDIM(names_arr)));
		deconstruct_array(names_arr, TEXTOID, -1, false, TYPALIGN_INT, &names, &nnulls, &nn);
		if (nn != n)
			funnel_bad("stage_names", "must have one name per stage",
						psprintf("There are %d stage counts but %d names.", n, nn));
		for (i = 0; i < n; i++)
			if (nnulls[i])
				funnel_bad("stage_names", "must not contain NULL",
							psprintf("The name of stage %d is NULL.", i + 1));
	}

	for (i = 0; i < n; i++)
	{
		int64		c = DatumGetInt64(counts[i]);
		int64		prev = DatumGetInt64(counts[i > 0 ? i - 1 : 0]);
		int64		top = DatumGetInt64(counts[0]);
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		double		step,
					fromtop;

		CHECK_FOR_INTERRUPTS();
		values[0] = Int32GetDatum(i + 1);
		if (names != NULL)
			values[1] = names[i];
		else
		{
			nulls[1] = true;
			values[1] = (Datum) 0;
		}
		values[2] = Int64GetDatum(c);
		if (funnel_rate(c, prev, &step))
		{
			values[3] = Float8GetDatum(step);
			values[5] = Float8GetDatum(1.0 - step);
		}
		else
		{
			nulls[3] = nulls[5] = true;
			values[3] = values[5] = (Datum) 0;
		}
		if (funnel_rate(c, top, &fromtop))
			values[4] = Float8GetDatum(fromtop);
		else
		{
			nulls[4] = true;
			values[4] = (Datum) 0;
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
