/*
 * src/exact_sum.c
 *		Exact 128-bit fixed-point sums of numeric values (see exact_sum.h).
 */
#include "retail_kpi.h"
#include "exact_sum.h"

#include <ctype.h>

#include "utils/numeric.h"

/* numeric's on-disk header bits (the format is stable: it is stored in tables) */
#define NUM_SIGN_MASK			0xC000
#define NUM_NEG					0x4000
#define NUM_SHORT				0x8000
#define NUM_SPECIAL				0xC000
#define NUM_SHORT_SIGN_MASK		0x2000
#define NUM_SHORT_DSCALE_MASK	0x1F80
#define NUM_SHORT_DSCALE_SHIFT	7
#define NUM_SHORT_WEIGHT_SIGN	0x0040
#define NUM_SHORT_WEIGHT_MASK	0x003F
#define NUM_DSCALE_MASK			0x3FFF
#define NBASE					10000

int128		rk_pow10[RK_MAX_SCALE + 1];

/* Powers of ten up to 10^38, filled when the library is loaded. */
static void __attribute__((constructor))
fill_pow10_table(void)
{
	int			i;

	rk_pow10[0] = 1;
	for (i = 1; i <= RK_MAX_SCALE; i++)
		rk_pow10[i] = rk_pow10[i - 1] * 10;
}


/* x * 10^k with overflow detection. */
static inline bool
mul_pow10(int128 x, int k, int128 *result)
{
	if (k < 0 || k > RK_MAX_SCALE)
		return x == 0 ? (*result = 0, true) : false;
	return !__builtin_mul_overflow(x, rk_pow10[k], result);
}

bool
numeric_datum_is_special(Datum num)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(num);
	uint16		header;

	if (VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v))
		v = pg_detoast_datum_packed(v);
	memcpy(&header, VARDATA_ANY(v), sizeof(uint16));
	return (header & NUM_SIGN_MASK) == NUM_SPECIAL;
}

/*
 * Decode numeric's header and base-10000 digits into an int128 at the display
 * scale.  Ordinary money and quantities have at most four base-10000 digits,
 * which are accumulated in 64 bits; the last digit's trailing zeros below the
 * display scale are removed with a 32-bit division, so no 128-bit division is
 * ever needed.
 */
bool
numeric_to_scaled(Datum num, int128 *value, int *scale)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(num);
	const char *p;
	Size		len;
	uint16		header;
	bool		negative;
	int			dscale;
	int			weight;
	const char *digits;
	int			ndigits;
	int			exponent;
	int			i;
	int16		last;
	int128		acc;

	if (unlikely(VARATT_IS_EXTERNAL(v) || VARATT_IS_COMPRESSED(v)))
		v = pg_detoast_datum_packed(v);
	p = VARDATA_ANY(v);
	len = VARSIZE_ANY_EXHDR(v);
	memcpy(&header, p, sizeof(uint16));

	if (likely(header & NUM_SHORT))
	{
		if ((header & NUM_SIGN_MASK) == NUM_SPECIAL)
			return false;		/* NaN or infinity: callers report it */
		negative = (header & NUM_SHORT_SIGN_MASK) != 0;
		dscale = (header & NUM_SHORT_DSCALE_MASK) >> NUM_SHORT_DSCALE_SHIFT;
		weight = (header & NUM_SHORT_WEIGHT_SIGN) ?
			(int) (~NUM_SHORT_WEIGHT_MASK | (header & NUM_SHORT_WEIGHT_MASK)) :
			(int) (header & NUM_SHORT_WEIGHT_MASK);
		digits = p + sizeof(uint16);
		ndigits = (len - sizeof(uint16)) / sizeof(int16);
	}
	else
	{
		int16		w;

		negative = (header & NUM_SIGN_MASK) == NUM_NEG;
		dscale = header & NUM_DSCALE_MASK;
		memcpy(&w, p + sizeof(uint16), sizeof(int16));
		weight = w;
		digits = p + 2 * sizeof(uint16);
		ndigits = (len - 2 * sizeof(uint16)) / sizeof(int16);
	}

	if (ndigits == 0)
	{
		if (dscale > RK_MAX_SCALE)
			return false;
		*value = 0;
		*scale = dscale;
		return true;
	}
	/* an int128 (39 digits) spans at most 11 base-10000 digits, whatever its scale */
	if (dscale > RK_MAX_SCALE || ndigits > 11)
		return false;

	/* all digits but the last, then the last with its trailing zeros handled */
	memcpy(&last, digits + (ndigits - 1) * sizeof(int16), sizeof(int16));
	exponent = 4 * (weight - ndigits + 1) + dscale;
	if (exponent < 0)
	{
		static const int16 p10[4] = {1, 10, 100, 1000};

		if (exponent < -3 || last % p10[-exponent] != 0)
			return false;		/* digits beyond the display scale: numeric handles it */
		last /= p10[-exponent];
	}
	if (ndigits <= 4 && exponent <= 14)
	{
		/* the common case, entirely in 64 bits: a < 10^12, the result < 10^18 */
		static const int64 p10_64[19] = {
			1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
			1000000000, INT64CONST(10000000000), INT64CONST(100000000000),
			INT64CONST(1000000000000), INT64CONST(10000000000000),
			INT64CONST(100000000000000), INT64CONST(1000000000000000),
			INT64CONST(10000000000000000), INT64CONST(100000000000000000),
			INT64CONST(1000000000000000000)
		};
		int64		a = 0;
		int64		r;

		for (i = 0; i < ndigits - 1; i++)
		{
			int16		d;

			memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
			a = a * NBASE + d;
		}
		if (!__builtin_mul_overflow(a, p10_64[exponent + 4], &r) &&
			!__builtin_add_overflow(r, (int64) last * p10_64[Max(exponent, 0)], &r))
		{
			*value = negative ? -r : r;
			*scale = dscale;
			return true;
		}
	}

	/*
	 * Accumulate -|value|: the negative range of int128 is one larger, so
	 * that the smallest int128 (which sums can reach) is decoded too.
	 */
	acc = 0;
	for (i = 0; i < ndigits - 1; i++)
	{
		int16		d;

		memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
		if (__builtin_mul_overflow(acc, NBASE, &acc) ||
			__builtin_sub_overflow(acc, (int128) d, &acc))
			return false;
	}
	/* value * 10^dscale = acc * 10^(exponent + 4) + last * 10^max(exponent, 0) */
	if (exponent < 0)
	{
		if (!mul_pow10(acc, exponent + 4, &acc))
			return false;
	}
	else
	{
		int128		l;

		if (!mul_pow10(acc, exponent + 4, &acc) || !mul_pow10(last, exponent, &l))
			return false;
		last = 0;
		if (__builtin_sub_overflow(acc, l, &acc))
			return false;
	}
	if (__builtin_sub_overflow(acc, (int128) last, &acc))
		return false;
	if (!negative)
	{
		if (__builtin_sub_overflow((int128) 0, acc, &acc))
			return false;		/* 2^127 */
	}
	*value = acc;
	*scale = dscale;
	return true;
}

/* Bring both operands to the larger scale and add. */
bool
exact_sum_add_scaled(ExactSum *sum, int128 value, int scale)
{
	int128		acc = sum->fast;
	int			s = sum->scale;

	if (scale > s)
	{
		if (!mul_pow10(acc, scale - s, &acc))
			return false;
		s = scale;
	}
	else if (scale < s)
	{
		if (!mul_pow10(value, s - scale, &value))
			return false;
	}
	if (__builtin_add_overflow(acc, value, &acc))
		return false;
	sum->fast = acc;
	sum->scale = s;
	sum->has_value = 1;
	return true;
}

bool
exact_sum_add_numeric(ExactSum *sum, Datum num)
{
	int128		value;
	int			scale;

	if (!numeric_to_scaled(num, &value, &scale))
		return false;
	return exact_sum_add_scaled(sum, value, scale);
}

bool
exact_sum_add_sum(ExactSum *sum, const ExactSum *other)
{
	bool		had = sum->has_value;

	if (!other->has_value)
		return true;
	if (!exact_sum_add_scaled(sum, other->fast, other->scale))
		return false;
	sum->has_value = had || other->has_value;
	return true;
}

/* value * 10^-scale in numeric_out's format: plain digits, a point before the last scale digits. */
void
append_scaled_decimal(StringInfo buf, int128 value, int scale)
{
	char		digits[48];
	int			nd = 0;
	uint128		mag = value < 0 ? -(uint128) value : (uint128) value;
	int			i;

	while (mag > PG_UINT64_MAX)
	{
		digits[nd++] = '0' + (int) (mag % 10);
		mag /= 10;
	}
	{
		uint64		m = (uint64) mag;	/* 64-bit division once it fits */

		do
		{
			digits[nd++] = '0' + (int) (m % 10);
			m /= 10;
		} while (m > 0);
	}
	while (nd <= scale)
		digits[nd++] = '0';
	if (value < 0)
		appendStringInfoChar(buf, '-');
	for (i = nd - 1; i >= 0; i--)
	{
		appendStringInfoChar(buf, digits[i]);
		if (i == scale && scale > 0)
			appendStringInfoChar(buf, '.');
	}
}

/* value * 10^-scale as a numeric, through its decimal text. */
Datum
scaled_to_numeric(int128 value, int scale)
{
	StringInfoData buf;

	initStringInfo(&buf);
	append_scaled_decimal(&buf, value, scale);
	return DirectFunctionCall3(numeric_in, CStringGetDatum(buf.data),
							   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

Datum
exact_sum_fast_numeric(const ExactSum *sum)
{
	return scaled_to_numeric(sum->fast, sum->scale);
}

/*
 * Two integers below 2^53 are exact doubles, and IEEE division of exact
 * operands is correctly rounded; the common scale cancels out.
 */
bool
exact_sum_ratio_fast(const ExactSum *num, const ExactSum *den, double *result)
{
	const int128 limit = ((int128) 1) << 53;
	int128		a = num->fast;
	int128		b = den->fast;

	if (num->big_len > 0 || den->big_len > 0)
		return false;
	if (num->scale < den->scale && !mul_pow10(a, den->scale - num->scale, &a))
		return false;
	if (den->scale < num->scale && !mul_pow10(b, num->scale - den->scale, &b))
		return false;
	if (b == 0 || a >= limit || a <= -limit || b >= limit || b <= -limit)
		return false;
	*result = (double) a / (double) b;
	return true;
}

void
exact_sum_overflow_error(const char *argname)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("sum of \"%s\" is out of the exact range of this summary", argname),
			 errdetail("Per-date and per-item sums are exact up to 38 significant digits, with at most %d decimal places.",
					   RK_MAX_SCALE)));
}

DecimalParse
parse_exact_decimal(const char *s, int len, int128 *value, int *scale)
{
	int			i = 0,
				before = 0,
				after = 0;
	bool		negative = false;
	bool		overflow = false;
	int128		acc = 0;

	if (i < len && s[i] == '-')
		negative = true, i++;
	/* accumulate -|value|, so that -2^127 (which sums can reach) is read too */
	for (; i < len && isdigit((unsigned char) s[i]); i++, before++)
		overflow |= __builtin_mul_overflow(acc, 10, &acc) ||
			__builtin_sub_overflow(acc, s[i] - '0', &acc);
	if (i < len && s[i] == '.')
	{
		for (i++; i < len && isdigit((unsigned char) s[i]); i++, after++)
			overflow |= __builtin_mul_overflow(acc, 10, &acc) ||
				__builtin_sub_overflow(acc, s[i] - '0', &acc);
		if (after == 0)
			return DECIMAL_SYNTAX;
	}
	if (i != len || before == 0)
		return DECIMAL_SYNTAX;
	*scale = after;
	if (!negative)
		overflow |= __builtin_sub_overflow((int128) 0, acc, &acc);
	if (overflow || after > RK_MAX_SCALE)
		return DECIMAL_RANGE;
	*value = acc;
	return DECIMAL_OK;
}
