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

#ifndef HAVE_INT128
#error "retail_kpi needs a compiler with 128-bit integers"
#endif

#define RK_MAX_SCALE 38			/* largest scale of the 128-bit fast path */

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

/* value*10^-scale as a numeric datum. */
extern Datum scaled_to_numeric(int128 value, int scale);

/*
 * num/den of two fast parts as a correctly rounded float8, when both fit in
 * 53 bits once brought to one scale; false otherwise (use rk_numeric_ratio).
 */
extern bool exact_sum_ratio_fast(const ExactSum *num, const ExactSum *den, double *result);

/* Raise 22003 naming the argument: a sum left the exact 128-bit range. */
extern void exact_sum_overflow_error(const char *argname) pg_attribute_noreturn();

#endif							/* EXACT_SUM_H */
