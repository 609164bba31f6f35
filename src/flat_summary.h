/*
 * src/flat_summary.h
 *		Summaries made of a fixed list of exact sums (margin, ratio, promo).
 *
 * Stored layout (a varlena, version 1):
 *		header | ExactSum sums[nsums] | int32 dates[ndates] | overflow numerics
 * Each sum's fast part lives in the header array; a sum that left the 128-bit
 * range also has an overflow numeric in the tail (in sum order), so the value
 * is fast / 10^scale + overflow, still exact.  Dates are family fields such as
 * a promotion's windows (DateADT).
 *
 * Text form:   (v1,rows=3,revenue=10.50,cost=7.00,units=3)
 * An empty value (units=) means the sum received no value.  Dates print as
 * ISO dates.  The binary form carries the same fields in the same order.
 */
#ifndef FLAT_SUMMARY_H
#define FLAT_SUMMARY_H

#include "retail_kpi.h"
#include "exact_sum.h"

#include "lib/stringinfo.h"
#include "utils/date.h"

typedef struct FlatKind
{
	const char *type_name;		/* SQL type name, for messages */
	uint8		kind;			/* tag stored in every value */
	int			nsums;
	const char *const *sum_names;	/* field and argument names */
	int			ndates;
	const char *const *date_names;
} FlatKind;

typedef struct FlatSummary
{
	int32		vl_len_;
	uint8		version;
	uint8		kind;
	uint16		nsums;
	uint16		ndates;
	uint16		flags;			/* family flags */
	int64		nrows;			/* rows aggregated */
	ExactSum	sums[FLEXIBLE_ARRAY_MEMBER];
} FlatSummary;

#define FLAT_DATES(s) \
	((DateADT *) ((char *) (s) + offsetof(FlatSummary, sums) + (s)->nsums * sizeof(ExactSum)))

/* Values are allocated in CurrentMemoryContext; nodeAgg copies a new state into its own. */
extern FlatSummary *flat_new(const FlatKind *k);
extern FlatSummary *flat_copy(const FlatSummary *s);

/* Detoast a stored summary and validate it (22000 on corruption). */
extern FlatSummary *flat_from_datum(const FlatKind *k, Datum d);

/* flat_add's slow path: checks for NaN/infinity, then adds to the overflow part. */
extern FlatSummary *flat_add_overflow(const FlatKind *k, FlatSummary *s, int i, Datum num);

/* Add a finite numeric to sum i, in place when it fits; else returns a new value. */
static inline FlatSummary *
flat_add(const FlatKind *k, FlatSummary *s, int i, Datum num)
{
	int128		value;
	int			scale;

	if (likely(numeric_to_scaled_inline(num, &value, &scale) &&
			   exact_sum_add_inline(&s->sums[i], value, scale)))
		return s;
	return flat_add_overflow(k, s, i, num);
}

/* Add b's sums and rows into a, in place when they fit; else returns a new value. */
extern FlatSummary *flat_merge(const FlatKind *k, FlatSummary *a, const FlatSummary *b);

/* Sum i as a numeric datum (fast part plus overflow). */
extern Datum flat_sum_numeric(const FlatSummary *s, int i);

/* Sign of sum i (-1, 0, 1). */
extern int	flat_sum_sign(const FlatSummary *s, int i);

/* (sum a - sum b) / sum den as float8 (b < 0 means no subtraction); false when den is 0. */
extern bool flat_ratio(const FlatSummary *s, int a, int b, int den, double *result);

extern char *flat_to_cstring(const FlatKind *k, const FlatSummary *s);
extern FlatSummary *flat_from_cstring(const FlatKind *k, const char *str);
extern bytea *flat_send(const FlatKind *k, const FlatSummary *s);
extern FlatSummary *flat_recv(const FlatKind *k, StringInfo buf);

/* True when called as an aggregate support function: the state may be updated in place. */
extern bool rk_in_agg(FunctionCallInfo fcinfo);

/*
 * The SQL-callable functions every flat summary type has: text and binary
 * input/output, and combine (also the transition function of rollup).  The
 * combine handles every NULL case and validates what it reads.
 */
#define FLAT_SUMMARY_FUNCTIONS(prefix, kindvar) \
PG_FUNCTION_INFO_V1(prefix##_in); \
Datum prefix##_in(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_POINTER(flat_from_cstring(&kindvar, PG_GETARG_CSTRING(0))); \
} \
PG_FUNCTION_INFO_V1(prefix##_out); \
Datum prefix##_out(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_CSTRING(flat_to_cstring(&kindvar, flat_from_datum(&kindvar, PG_GETARG_DATUM(0)))); \
} \
PG_FUNCTION_INFO_V1(prefix##_recv); \
Datum prefix##_recv(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_POINTER(flat_recv(&kindvar, (StringInfo) PG_GETARG_POINTER(0))); \
} \
PG_FUNCTION_INFO_V1(prefix##_send); \
Datum prefix##_send(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BYTEA_P(flat_send(&kindvar, flat_from_datum(&kindvar, PG_GETARG_DATUM(0)))); \
} \
PG_FUNCTION_INFO_V1(prefix##_combine); \
Datum prefix##_combine(PG_FUNCTION_ARGS) \
{ \
	FlatSummary *result = flat_combine(&kindvar, fcinfo); \
	if (result == NULL) \
		PG_RETURN_NULL(); \
	PG_RETURN_POINTER(result); \
}

/* Body of the combine functions: merge argument 1 into argument 0. */
extern FlatSummary *flat_combine(const FlatKind *k, FunctionCallInfo fcinfo);

/*
 * The state a transition function updates: a new summary on the first row, the
 * aggregate's own state in place, or a validated copy outside an aggregate.
 */
extern FlatSummary *flat_state(const FlatKind *k, FunctionCallInfo fcinfo);

#endif							/* FLAT_SUMMARY_H */
