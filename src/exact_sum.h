/*
 * src/exact_sum.h
 *		Exact sums of numeric values.
 *
 * A sum is held as a 128-bit integer with a decimal scale (value = fast / 10^scale),
 * which covers every realistic money or quantity total (38 significant digits)
 * and adds a numeric in a few nanoseconds.  The scale is the largest display
 * scale seen, exactly as sum(numeric) does, so the result has the same digits.
 * Values that do not fit go to an overflow numeric kept by the owner of the
 * sum (see flat_summary.h); families with many sums per summary (stock, bridge)
 * raise 22003 instead, and say so in their docs.
 */
#ifndef EXACT_SUM_H
#define EXACT_SUM_H

#include "postgres.h"

#include "lib/stringinfo.h"

#ifndef HAVE_INT128
#error "retail_kpi needs a compiler with 128-bit integers"
#endif

#define RK_MAX_SCALE 38			/* largest scale of the 128-bit fast path */

/* 10^0 .. 10^38, filled when the library is loaded. */
extern int128 rk_pow10[RK_MAX_SCALE + 1];

typedef struct ExactSum
{
	int128		fast;			/* the sum times 10^scale */
	int16		scale;			/* decimal scale of fast, 0 .. RK_MAX_SCALE */
	uint8		has_value;		/* at least one value was added */
	uint8		pad;
	int32		big_len;		/* length of the overflow numeric (owner-kept), 0 if none */
} ExactSum;

/*
 * Decode a finite numeric datum (packed or not) into an integer times 10^-scale
 * without allocating.  Returns false when it does not fit in 128 bits.
 */
extern bool numeric_to_scaled(Datum num, int128 *value, int *scale);

/* True when a numeric datum is NaN or an infinity (reads the header without detoasting). */
extern bool numeric_datum_is_special(Datum num);

/* Add value*10^-scale to the fast part; false (sum unchanged) when it would overflow. */
extern bool exact_sum_add_scaled(ExactSum *sum, int128 value, int scale);

/* Add a finite numeric to the fast part; false (sum unchanged) when it does not fit. */
extern bool exact_sum_add_numeric(ExactSum *sum, Datum num);

/* Add another sum's fast part; false (sum unchanged) when it would overflow. */
extern bool exact_sum_add_sum(ExactSum *sum, const ExactSum *other);

/* The fast part as a numeric datum with the sum's scale. */
extern Datum exact_sum_fast_numeric(const ExactSum *sum);

/* Append value*10^-scale in numeric_out's format (plain decimal). */
extern void append_scaled_decimal(StringInfo buf, int128 value, int scale);

/* value*10^-scale as a numeric datum. */
extern Datum scaled_to_numeric(int128 value, int scale);

/*
 * num/den of two fast parts as a correctly rounded float8, when both fit in
 * 53 bits once brought to one scale; false otherwise (use rk_numeric_ratio).
 */
extern bool exact_sum_ratio_fast(const ExactSum *num, const ExactSum *den, double *result);

/*
 * The hot path of every transition function, inlined: a numeric stored with a
 * short varlena header and short numeric header (every value below 10^16 with at
 * most 4 decimals: all money and quantities in practice) is decoded with a few
 * 64-bit operations; anything else goes through numeric_to_scaled().
 */
static inline bool
numeric_to_scaled_inline(Datum num, int128 *value, int *scale)
{
	const uint8 *v = (const uint8 *) DatumGetPointer(num);

	if (VARATT_IS_1B(v) && !VARATT_IS_1B_E(v))
	{
		const uint8 *p = v + VARHDRSZ_SHORT;
		int			nd = (int) (VARSIZE_1B(v) - VARHDRSZ_SHORT - sizeof(uint16)) / (int) sizeof(int16);
		uint16		h;

		memcpy(&h, p, sizeof(uint16));
		/* short numeric (0x8000 set, 0x4000 clear), 1..4 digits, display scale <= 4 */
		if ((h & 0xC000) == 0x8000 && nd >= 1 && nd <= 4 && ((h >> 7) & 0x3F) <= 4)
		{
			int			dscale = (h >> 7) & 0x3F;
			int			weight = (h & 0x40) ? (int) (h | ~0x3F) : (int) (h & 0x3F);
			int			exponent = 4 * (weight - nd + 1) + dscale;
			int64		acc = 0;
			int			i;

			for (i = 0; i < nd; i++)
			{
				int16		d;

				memcpy(&d, p + sizeof(uint16) + i * sizeof(int16), sizeof(int16));
				acc = acc * 10000 + d;
			}
			/* acc < 10^16; bring it to 10^-dscale units, exactly */
			if (exponent >= 0)
			{
				static const int64 p10[13] = {
					1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
					1000000000, INT64CONST(10000000000), INT64CONST(100000000000),
					INT64CONST(1000000000000)
				};

				if (exponent > 12)
					return numeric_to_scaled(num, value, scale);
				*value = (int128) acc * p10[exponent];	/* < 10^28: cannot overflow */
			}
			else
			{
				/* trailing zeros of the last digit below the display scale */
				switch (exponent)
				{
					case -1:
						if (acc % 10 != 0)
							return numeric_to_scaled(num, value, scale);
						*value = acc / 10;
						break;
					case -2:
						if (acc % 100 != 0)
							return numeric_to_scaled(num, value, scale);
						*value = acc / 100;
						break;
					case -3:
						if (acc % 1000 != 0)
							return numeric_to_scaled(num, value, scale);
						*value = acc / 1000;
						break;
					default:
						return numeric_to_scaled(num, value, scale);
				}
			}
			if (h & 0x2000)
				*value = -*value;
			*scale = dscale;
			return true;
		}
	}
	return numeric_to_scaled(num, value, scale);
}

/* Add at the sum's own scale (the usual case) inline; otherwise rescale. */
static inline bool
exact_sum_add_inline(ExactSum *sum, int128 value, int scale)
{
	int128		r;

	if (likely(scale == sum->scale) && !__builtin_add_overflow(sum->fast, value, &r))
	{
		sum->fast = r;
		sum->has_value = 1;
		return true;
	}
	return exact_sum_add_scaled(sum, value, scale);
}

/* Outcome of parse_exact_decimal. */
typedef enum DecimalParse
{
	DECIMAL_OK,					/* *value and *scale are set */
	DECIMAL_SYNTAX,				/* not a plain decimal */
	DECIMAL_RANGE				/* a plain decimal outside the exact 128-bit range */
} DecimalParse;

/*
 * Parse a plain decimal of len bytes (optional '-', digits, optional '.' and
 * digits; no exponent, no spaces), the form summaries use in their text, exactly
 * into value * 10^-scale.  *scale is set whenever the syntax is valid.
 */
extern DecimalParse parse_exact_decimal(const char *s, int len, int128 *value, int *scale);

/*
 * A finite float8's shortest decimal (rk_float8_numeric) as value * 10^-scale;
 * false when it does not fit the 128-bit form (use rk_float8_numeric then).
 */
extern bool rk_float8_scaled(double value, int128 *result, int *scale);

/* Raise 22003 naming the argument: a sum left the exact 128-bit range. */
extern void exact_sum_overflow_error(const char *argname) pg_attribute_noreturn();

#endif							/* EXACT_SUM_H */
