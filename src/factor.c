/*
 * src/factor.c
 *		Factor analysis of a product V = x1 * x2 * ... * xk (or of a sum of such
 *		products over sub-categories, V = sum_i prod_k x_ik): how much of the
 *		change from base to actual each factor explains.  Methods: chain
 *		substitution, Shapley (exact, over subsets), additive LMDI-I and
 *		multiplicative LMDI.  See docs/factor.md.
 */
#include "retail_kpi.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"

/* Shapley visits all 2^k subsets: k is capped so that the table stays at 8 MB. */
#define FACTOR_SHAPLEY_MAX_K 20

enum
{
	FM_CHAIN,
	FM_SHAPLEY,
	FM_LMDI,
	FM_LMDI_MULT
};

static const char *const factor_methods[] = {
	"chain", "shapley", "lmdi", "lmdi_multiplicative", NULL
};

/* The input after validation: n sub-categories (rows) by k factors, row-major. */
typedef struct FactorInput
{
	int			n;
	int			k;
	bool		two_dim;
	double	   *x0;				/* base values, n * k */
	double	   *x1;				/* actual values, n * k */
} FactorInput;

/* 22023 for a bad array argument, with a sentence saying what is wrong. */
static void
factor_bad_array(const char *argname, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid array for argument \"%s\"", argname),
			 errdetail("%s", detail)));
}

/* Read a float8 array of one or two dimensions; no NULL elements, finite values. */
static double *
factor_read_array(ArrayType *a, const char *argname, int *ndim, int *dims)
{
	Datum	   *elems;
	bool	   *nulls;
	int			nelems;
	double	   *out;
	int			i;

	*ndim = ARR_NDIM(a);
	if (*ndim == 0)
		factor_bad_array(argname, "The array is empty; give at least one factor.");
	if (*ndim > 2)
		factor_bad_array(argname, psprintf("The array has %d dimensions; use one (the factors of one product) or two (sub-categories by factors).", *ndim));
	dims[0] = ARR_DIMS(a)[0];
	dims[1] = *ndim == 2 ? ARR_DIMS(a)[1] : 0;
	deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &elems, &nulls, &nelems);
	out = palloc(sizeof(double) * Max(nelems, 1));
	for (i = 0; i < nelems; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (nulls[i])
			factor_bad_array(argname, psprintf("Element %d (in storage order) is NULL; every factor value must be given.", i + 1));
		out[i] = DatumGetFloat8(elems[i]);
		if (isnan(out[i]) || isinf(out[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"%s\" must contain only finite numbers", argname),
					 errdetail("Element %d (in storage order) is %s.", i + 1,
							   isnan(out[i]) ? "NaN" : (out[i] > 0 ? "Infinity" : "-Infinity"))));
	}
	return out;
}

/* Validate base and actual together: same shape. */
static void
factor_read_input(ArrayType *base, ArrayType *actual, FactorInput *in)
{
	int			nd0,
				nd1,
				d0[2],
				d1[2];

	in->x0 = factor_read_array(base, "base", &nd0, d0);
	in->x1 = factor_read_array(actual, "actual", &nd1, d1);
	if (nd0 != nd1 || d0[0] != d1[0] || d0[1] != d1[1])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("arguments \"base\" and \"actual\" must have the same shape"),
				 errdetail("base is %s, actual is %s.",
						   nd0 == 1 ? psprintf("[%d]", d0[0]) : psprintf("[%d][%d]", d0[0], d0[1]),
						   nd1 == 1 ? psprintf("[%d]", d1[0]) : psprintf("[%d][%d]", d1[0], d1[1]))));
	in->two_dim = nd0 == 2;
	in->n = in->two_dim ? d0[0] : 1;
	in->k = in->two_dim ? d0[1] : d0[0];
}

/* Factor names: the caller's (one per factor, none NULL) or x1, x2, ... */
static char **
factor_names(ArrayType *names, int k)
{
	char	  **out = palloc(sizeof(char *) * k);
	int			i;

	if (names == NULL)
	{
		for (i = 0; i < k; i++)
			out[i] = psprintf("x%d", i + 1);
		return out;
	}
	else
	{
		Datum	   *elems;
		bool	   *nulls;
		int			nelems;

		if (ARR_NDIM(names) != 1 || ARR_DIMS(names)[0] != k)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"names\" must have one name per factor"),
					 errdetail("There are %d factors but %d names in %d dimension(s).", k,
							   ARR_NDIM(names) == 0 ? 0 : ArrayGetNItems(ARR_NDIM(names), ARR_DIMS(names)),
							   ARR_NDIM(names))));
		deconstruct_array(names, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &nelems);
		for (i = 0; i < k; i++)
		{
			if (nulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("argument \"names\" must not contain NULL"),
						 errdetail("Name %d is NULL.", i + 1)));
			out[i] = TextDatumGetCString(elems[i]);
		}
		return out;
	}
}

/*
 * Chain substitution: P_j = sum_i (actual for factors 1..j, base for the
 * rest); effect_j = P_j - P_{j-1}.  The effects telescope to V1 - V0.
 */
static void
factor_chain(const FactorInput *in, double *contrib)
{
	int			k = in->k;
	double	   *prev = palloc0(sizeof(double) * (k + 1));
	int			i,
				j,
				m;

	for (j = 0; j <= k; j++)
	{
		double		p = 0.0;

		for (i = 0; i < in->n; i++)
		{
			double		prod = 1.0;

			CHECK_FOR_INTERRUPTS();
			for (m = 0; m < k; m++)
				prod *= (m < j ? in->x1 : in->x0)[i * k + m];
			p += prod;
		}
		prev[j] = p;
	}
	for (j = 0; j < k; j++)
		contrib[j] = prev[j + 1] - prev[j];
	pfree(prev);
}

/*
 * Shapley value of each factor: the average over all k! orders of its chain
 * effect, computed as sum over subsets S not containing j of
 * |S|! (k-|S|-1)! / k! * (f(S + j) - f(S)), where f(S) is V with the factors in
 * S at their actual values.  f is tabulated over the 2^k subsets (a product
 * table built factor by factor per sub-category), so the cost is
 * O(n 2^k + k 2^k) instead of O(k! k).
 */
static void
factor_shapley(const FactorInput *in, double *contrib)
{
	int			k = in->k;
	Size		nsub = (Size) 1 << k;
	double	   *f = palloc0(sizeof(double) * nsub);
	double	   *p = palloc(sizeof(double) * nsub);
	double	   *w = palloc(sizeof(double) * k);
	int			i,
				j,
				s;
	Size		S;

	for (i = 0; i < in->n; i++)
	{
		Size		size = 1;

		CHECK_FOR_INTERRUPTS();
		/* p over the first m factors; bit m of S set = factor m at actual */
		p[0] = 1.0;
		for (j = 0; j < k; j++)
		{
			double		a0 = in->x0[i * k + j];
			double		a1 = in->x1[i * k + j];

			for (S = 0; S < size; S++)
			{
				p[S | size] = p[S] * a1;
				p[S] = p[S] * a0;
			}
			size <<= 1;
			CHECK_FOR_INTERRUPTS();
		}
		for (S = 0; S < nsub; S++)
			f[S] += p[S];
	}

	/* w[s] = s! (k-s-1)! / k! = 1 / (k * C(k-1, s)) */
	for (s = 0; s < k; s++)
	{
		double		c = 1.0;
		int			t;

		for (t = 1; t <= s; t++)
			c = c * (k - t) / t;
		w[s] = 1.0 / (k * c);
	}

	for (j = 0; j < k; j++)
	{
		Size		bit = (Size) 1 << j;
		double		acc = 0.0;

		for (S = 0; S < nsub; S++)
		{
			if (S & bit)
				continue;
			acc += w[__builtin_popcountll((unsigned long long) S)] * (f[S | bit] - f[S]);
		}
		contrib[j] = acc;
		CHECK_FOR_INTERRUPTS();
	}
	pfree(f);
	pfree(p);
	pfree(w);
}

/*
 * Logarithmic mean L(a, b) = (a - b) / (ln a - ln b), L(a, a) = a, for a, b > 0.
 * Written as b * t / log1p(t) with t = (a - b) / b to stay accurate when a is
 * close to b.
 */
static double
log_mean(double a, double b)
{
	double		t;

	if (a == b)
		return a;
	t = (a - b) / b;
	return b * t / log1p(t);
}

/*
 * Additive LMDI-I: effect_k = sum_i L(V1_i, V0_i) * ln(x1_ik / x0_ik).
 * Zero values take the analytical limits (Ang & Liu 2007):
 *  - a sub-category whose product is 0 in both periods contributes 0;
 *  - a sub-category whose product is 0 in one period only: every factor that
 *    is non-zero in both periods contributes 0 (L -> 0 times a finite log), and
 *    the whole change V1_i - V0_i goes to the factor(s) that are 0 in that
 *    period, split equally among them when there are several (the limit of
 *    replacing every zero by the same small value delta -> 0).
 */
static void
factor_lmdi(const FactorInput *in, double *contrib)
{
	int			k = in->k;
	int			i,
				m;

	for (m = 0; m < k; m++)
		contrib[m] = 0.0;
	for (i = 0; i < in->n; i++)
	{
		const double *a0 = in->x0 + i * k;
		const double *a1 = in->x1 + i * k;
		double		v0 = 1.0,
					v1 = 1.0;
		int			zeros0 = 0,
					zeros1 = 0;

		CHECK_FOR_INTERRUPTS();
		for (m = 0; m < k; m++)
		{
			v0 *= a0[m];
			v1 *= a1[m];
			zeros0 += a0[m] == 0.0;
			zeros1 += a1[m] == 0.0;
		}
		if (zeros0 > 0 && zeros1 > 0)
			continue;			/* product 0 in both periods: no contribution */
		if (zeros0 > 0 || zeros1 > 0)
		{
			/* 0 in one period: the zero factors of that period take the change */
			const double *z = zeros0 > 0 ? a0 : a1;
			double		share = (v1 - v0) / (zeros0 > 0 ? zeros0 : zeros1);

			for (m = 0; m < k; m++)
				if (z[m] == 0.0)
					contrib[m] += share;
			continue;
		}
		if (v0 == 0.0 || v1 == 0.0 || isinf(v0) || isinf(v1))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("product of the factors is out of the range of double precision"),
					 errdetail("The product of sub-category %d underflows or overflows.", i + 1)));
		{
			double		L = log_mean(v1, v0);

			for (m = 0; m < k; m++)
				if (a1[m] != a0[m])
					contrib[m] += L * log(a1[m] / a0[m]);
		}
	}
}

/* LMDI needs positive (or zero) values: a logarithm of a negative is undefined. */
static void
factor_check_nonnegative(const FactorInput *in)
{
	int			i;

	for (i = 0; i < in->n * in->k; i++)
	{
		const char *arg = NULL;

		CHECK_FOR_INTERRUPTS();
		if (in->x0[i] < 0)
			arg = "base";
		else if (in->x1[i] < 0)
			arg = "actual";
		if (arg != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"%s\" must not contain negative values for LMDI", arg),
					 errdetail("Element %d (in storage order) is %g.", i + 1,
							   arg[0] == 'b' ? in->x0[i] : in->x1[i]),
					 errhint("LMDI takes logarithms of the factor ratios; use method 'chain' or 'shapley' for negative factors.")));
	}
}

/* Total value V = sum_i prod_k x_ik of one period. */
static double
factor_total(const FactorInput *in, const double *x)
{
	double		v = 0.0;
	int			i,
				m;

	for (i = 0; i < in->n; i++)
	{
		double		prod = 1.0;

		CHECK_FOR_INTERRUPTS();
		for (m = 0; m < in->k; m++)
			prod *= x[i * in->k + m];
		v += prod;
	}
	return v;
}

/*
 * factor_contributions(base float8[], actual float8[], method text, names text[])
 * One row per factor: (ordinal, factor, base, actual, contribution).  NULL base
 * or actual gives no rows; a NULL method is an error; NULL names means x1..xk.
 */
PG_FUNCTION_INFO_V1(factor_contributions);
Datum
factor_contributions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	FactorInput in;
	int			method;
	char	  **names;
	double	   *contrib;
	bool	   *contrib_null;
	int			j;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"method\" must not be NULL"),
				 errhint("Valid values are 'chain', 'shapley', 'lmdi', 'lmdi_multiplicative'.")));
	method = rk_variant(PG_GETARG_TEXT_PP(2), "method", factor_methods);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		return (Datum) 0;		/* no rows, as a strict function would give */

	factor_read_input(PG_GETARG_ARRAYTYPE_P(0), PG_GETARG_ARRAYTYPE_P(1), &in);
	names = factor_names(PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3), in.k);
	contrib = palloc0(sizeof(double) * in.k);
	contrib_null = palloc0(sizeof(bool) * in.k);

	switch (method)
	{
		case FM_CHAIN:
			factor_chain(&in, contrib);
			break;
		case FM_SHAPLEY:
			if (in.k > FACTOR_SHAPLEY_MAX_K)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("method 'shapley' supports at most %d factors", FACTOR_SHAPLEY_MAX_K),
						 errdetail("%d factors were given.", in.k),
						 errhint("Use method 'lmdi' or 'chain' for more factors.")));
			factor_shapley(&in, contrib);
			break;
		case FM_LMDI:
			factor_check_nonnegative(&in);
			factor_lmdi(&in, contrib);
			break;
		case FM_LMDI_MULT:
			{
				double		v0,
							v1;

				factor_check_nonnegative(&in);
				v0 = factor_total(&in, in.x0);
				v1 = factor_total(&in, in.x1);
				if (v0 == 0.0 || v1 == 0.0)
				{
					/* V1/V0 is 0 or undefined: no multiplicative split exists */
					for (j = 0; j < in.k; j++)
						contrib_null[j] = true;
				}
				else
				{
					/* ln D_k = additive effect_k / L(V1, V0), so prod D_k = V1/V0 */
					double		L = log_mean(v1, v0);

					factor_lmdi(&in, contrib);
					for (j = 0; j < in.k; j++)
						contrib[j] = exp(contrib[j] / L);
				}
				break;
			}
	}

	/* a product beyond double precision would give Infinity or NaN: refuse it */
	for (j = 0; j < in.k; j++)
		if (!contrib_null[j] && (isnan(contrib[j]) || isinf(contrib[j])))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("factor contributions are out of the range of double precision"),
					 errdetail("The product of the factors overflows; the contribution of factor %d is not finite.", j + 1),
					 errhint("Scale the factors (for example thousands instead of units).")));

	for (j = 0; j < in.k; j++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = Int32GetDatum(j + 1);
		values[1] = CStringGetTextDatum(names[j]);
		if (in.two_dim)
		{
			nulls[2] = nulls[3] = true;
			values[2] = values[3] = (Datum) 0;
		}
		else
		{
			values[2] = Float8GetDatum(in.x0[j]);
			values[3] = Float8GetDatum(in.x1[j]);
		}
		values[4] = Float8GetDatum(contrib[j]);
		nulls[4] = contrib_null[j];
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
