/*
 * src/common.c
 *		Module magic and the helpers every family shares: variant names,
 *		finiteness checks and the numeric-to-float8 ratio.
 */
#include "retail_kpi.h"
#include "exact_sum.h"

#include <ctype.h>
#include <math.h>

#include "common/int.h"
#include "common/shortest_dec.h"
#include "lib/stringinfo.h"
#include "utils/datetime.h"
#include "utils/expandeddatum.h"
#include "utils/numeric.h"

PG_MODULE_MAGIC;

/*
 * Resolve a variant name (a text argument that is not toasted, as PG_GETARG_TEXT_PP gives it),
 * listing the valid names in the HINT when it is unknown.  The name is compared in place: per-row
 * functions such as retail_trunc resolve their variants on every call.
 */
int
rk_variant(text *value, const char *argname, const char *const *names)
{
	const char *data = VARDATA_ANY(value);
	Size		len = VARSIZE_ANY_EXHDR(value);
	char	   *s;
	StringInfoData valid;
	int			i;

	for (i = 0; names[i] != NULL; i++)
	{
		if (strncmp(names[i], data, len) == 0 && names[i][len] == '\0')
			return i;
	}

	s = text_to_cstring(value);
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
 * num / den as a numeric with at least 40 fractional digits (den != 0): the
 * quotient every float8 ratio is rounded from.  numeric arithmetic is integer
 * arithmetic, so the digits are the same on every platform.
 */
Datum
rk_numeric_quotient(Datum num, Datum den)
{
	static const char *const zero40 = "0.0000000000000000000000000000000000000000";
	Datum		widened;

	widened = DirectFunctionCall2(numeric_add, num,
								  DirectFunctionCall3(numeric_in,
													  CStringGetDatum(zero40),
													  ObjectIdGetDatum(InvalidOid),
													  Int32GetDatum(-1)));
	return DirectFunctionCall2(numeric_div, widened, den);
}

/*
 * num / den as float8, correctly rounded: the quotient is computed in numeric
 * with 40 fractional digits before conversion, so the only rounding that
 * matters is the final one.  Returns false when den is zero.
 */
bool
rk_numeric_ratio(Datum num, Datum den, double *result)
{
	if (rk_numeric_sign(den) == 0)
		return false;
	*result = DatumGetFloat8(DirectFunctionCall1(numeric_float8, rk_numeric_quotient(num, den)));
	return true;
}

/*
 * A finite float8 as the numeric of its shortest decimal representation, the
 * digits PostgreSQL prints for it (float8out with extra_float_digits >= 1):
 * 0.1::float8 becomes 0.1, every integer below 2^53 itself, and any decimal
 * of at most 15 significant digits comes back exactly as it was written.
 */
Datum
rk_float8_numeric(double value, const char *argname)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];

	rk_check_finite_float8(value, argname);
	double_to_shortest_decimal_buf(value, buf);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

/*
 * The same shortest decimal as an integer times 10^-scale (the form exact sums
 * add), without building a numeric: false when it does not fit (scale beyond
 * RK_MAX_SCALE or a value beyond 10^38), and the caller takes the numeric path.
 * The value must be finite.
 */
bool
rk_float8_scaled(double value, int128 *result, int *scale)
{
	char		buf[DOUBLE_SHORTEST_DECIMAL_LEN];
	const char *p = buf;
	bool		neg = false;
	bool		dot = false;
	int128		v = 0;
	int			frac = 0;
	int			exp10 = 0;
	int			sc;

	double_to_shortest_decimal_buf(value, buf);
	if (*p == '-')
	{
		neg = true;
		p++;
	}
	/* at most 17 significant digits: v < 10^17 */
	for (; *p != '\0' && *p != 'e'; p++)
	{
		if (*p == '.')
		{
			dot = true;
			continue;
		}
		v = v * 10 + (*p - '0');
		if (dot)
			frac++;
	}
	if (*p == 'e')
		exp10 = atoi(p + 1);
	sc = frac - exp10;
	if (sc < 0)
	{
		if (-sc > RK_MAX_SCALE - 17)
			return false;
		v *= rk_pow10[-sc];
		sc = 0;
	}
	if (sc > RK_MAX_SCALE)
		return false;
	*result = neg ? -v : v;
	*scale = sc;
	return true;
}

/* Raise 22023 unless 0 <= digits <= RK_MAX_DIGITS. */
void
rk_check_digits(int32 digits)
{
	if (digits < 0 || digits > RK_MAX_DIGITS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"digits\" must be between 0 and %d", RK_MAX_DIGITS),
				 errdetail("The value given was %d.", digits)));
}

/*
 * num / den rounded half away from zero to digits decimals, exactly: the
 * quotient of num * 10^digits by den is truncated, and the remainder decides
 * the last digit, so there is one rounding only (never a rounding of an
 * already rounded quotient).  den must not be zero.
 */
/* 10^exponent as an exact numeric (display scale -exponent when negative). */
static Datum
numeric_pow10(int exponent)
{
	char		buf[32];

	snprintf(buf, sizeof(buf), "1e%d", exponent);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

Datum
rk_numeric_round_ratio(Datum num, Datum den, int32 digits)
{
	Datum		scaled;
	Datum		q;
	Datum		r;
	Datum		twice_r;

	rk_check_digits(digits);
	scaled = DirectFunctionCall2(numeric_mul, num, numeric_pow10(digits));
	q = DirectFunctionCall2(numeric_div_trunc, scaled, den);
	r = DirectFunctionCall2(numeric_sub, scaled, DirectFunctionCall2(numeric_mul, q, den));
	twice_r = DirectFunctionCall2(numeric_add, r, r);
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp,
										  DirectFunctionCall1(numeric_abs, twice_r),
										  DirectFunctionCall1(numeric_abs, den))) >= 0)
	{
		/* away from zero: the sign of the exact quotient is the sign of r / den */
		int			sign = rk_numeric_sign(r) * rk_numeric_sign(den);

		q = DirectFunctionCall2(numeric_add, q,
								DirectFunctionCall1(int4_numeric, Int32GetDatum(sign)));
	}
	/* q * 10^-digits: exact, displayed with exactly digits decimals */
	q = DirectFunctionCall2(numeric_trunc, q, Int32GetDatum(0));
	return DirectFunctionCall2(numeric_mul, q, numeric_pow10(-digits));
}

/*
 * The position of date d among n entries sorted by date, each `stride` bytes
 * apart from `first_date` (the date field of the first entry): the index of
 * d when present (*found true), else where it goes.  Rows usually arrive in
 * date order, so the last entry is tried first.  Shared by the families that
 * keep per-date entries (stock, forecast).
 */
int
rk_date_position(const DateADT *first_date, int n, size_t stride, DateADT d, bool *found)
{
#define RK_DATE_AT(i) (*(const DateADT *) ((const char *) first_date + (size_t) (i) * stride))
	int			lo = 0,
				hi;

	*found = false;
	if (n > 0 && RK_DATE_AT(n - 1) == d)
	{
		*found = true;
		return n - 1;
	}
	if (n == 0 || RK_DATE_AT(n - 1) < d)
		return n;
	hi = n - 1;					/* RK_DATE_AT(hi) > d */
	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (RK_DATE_AT(mid) < d)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = RK_DATE_AT(lo) == d;
	return lo;
#undef RK_DATE_AT
}

/*
 * ISO 8601 yyyy-mm-dd (in the text form of the stock and series summaries),
 * independent of DateStyle so that text round-trips everywhere; years before 1 AD use astronomical numbering (1 BC is 0000,
 * 2 BC is -0001) and years after 9999 have more digits.
 */
void
rk_append_iso_date(StringInfo buf, DateADT d)
{
	int			y,
				m,
				day;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	if (y < 0)
		appendStringInfo(buf, "-%04d-%02d-%02d", -y, m, day);
	else
		appendStringInfo(buf, "%04d-%02d-%02d", y, m, day);
}

/*
 * Parse a date written by rk_append_iso_date: [-]yyyy-mm-dd with at least four
 * year digits (astronomical numbering, so 1 BC is 0000), within PostgreSQL's
 * date range.
 */
bool
rk_parse_iso_date(const char *s, int len, DateADT *result)
{
	int			i = 0,
				ndig = 0;
	int64		y = 0;
	int			m,
				d;
	bool		neg = false;
	int64		j;

	if (i < len && s[i] == '-')
		neg = true, i++;
	while (i < len && isdigit((unsigned char) s[i]) && ndig < 8)
		y = y * 10 + (s[i++] - '0'), ndig++;
	if (ndig < 4 || len - i != 6 || s[i] != '-' || s[i + 3] != '-' ||
		!isdigit((unsigned char) s[i + 1]) || !isdigit((unsigned char) s[i + 2]) ||
		!isdigit((unsigned char) s[i + 4]) || !isdigit((unsigned char) s[i + 5]))
		return false;
	m = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
	d = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
	if (neg)
		y = -y;
	if (m < 1 || m > 12 || d < 1 || d > day_tab[isleap(y)][m - 1] ||
		!IS_VALID_JULIAN(y, m, d))
		return false;
	j = date2j((int) y, m, d) - POSTGRES_EPOCH_JDATE;
	if (!IS_VALID_DATE(j))
		return false;
	*result = (DateADT) j;
	return true;
}

/* A non-negative int64 of len digits. */
bool
rk_parse_count(const char *s, int len, int64 *result)
{
	int64		acc = 0;
	int			i;

	if (len < 1 || len > 19)
		return false;
	for (i = 0; i < len; i++)
	{
		if (!isdigit((unsigned char) s[i]) ||
			pg_mul_s64_overflow(acc, 10, &acc) || pg_add_s64_overflow(acc, s[i] - '0', &acc))
			return false;
	}
	*result = acc;
	return true;
}

/*
 * The read-write expanded state of a transition or combine function of an
 * expanded summary (abc, customer, distinct): arg 0 when the call is in an
 * aggregate and arg 0 is already such a state (checked to have the family's
 * methods), else NULL with *ctx the context a new state belongs in: the
 * aggregate context in an aggregate, CurrentMemoryContext outside (where
 * arg 0 must not be changed).  *in_agg tells which.
 */
ExpandedObjectHeader *
rk_expanded_state(FunctionCallInfo fcinfo, const ExpandedObjectMethods *methods,
				  const char *type_name, MemoryContext *ctx, bool *in_agg)
{
	MemoryContext aggctx;
	ExpandedObjectHeader *hdr;

	*in_agg = AggCheckCallContext(fcinfo, &aggctx) != 0;
	*ctx = *in_agg ? aggctx : CurrentMemoryContext;
	if (!*in_agg || PG_ARGISNULL(0) ||
		!VARATT_IS_EXTERNAL_EXPANDED_RW(DatumGetPointer(PG_GETARG_DATUM(0))))
		return NULL;
	hdr = DatumGetEOHP(PG_GETARG_DATUM(0));
	if (hdr->eoh_methods != methods)
		elog(ERROR, "expanded value is not a %s", type_name);
	return hdr;
}
