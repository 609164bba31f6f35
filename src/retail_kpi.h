/*
 * src/retail_kpi.h
 *		Shared declarations of the retail_kpi extension: argument checks,
 *		variant names and the error conventions every family uses.
 */
#ifndef RETAIL_KPI_H
#define RETAIL_KPI_H

#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/expandeddatum.h"

/* Format version written at the start of every summary (binary, text and stored forms). */
#define RK_FORMAT_VERSION 1

/*
 * Look up a variant name (a method, form, basis ...) given as a text argument.
 * Returns its index in names[] (NULL-terminated); an unknown name raises 22023
 * with a HINT that lists the valid ones.
 */
extern int	rk_variant(text *value, const char *argname, const char *const *names);

/* Raise 22023 when a float8 argument is NaN or infinite. */
extern void rk_check_finite_float8(double value, const char *argname);

/* Raise 22023 when a numeric argument is NaN or infinite. */
extern void rk_check_finite_numeric(Datum value, const char *argname);

/* The numeric constants 0 and the comparison with zero, used by accessors. */
extern int	rk_numeric_sign(Datum value);

/* num / den as a numeric with at least 40 fractional digits (den != 0), the same on every platform. */
extern Datum rk_numeric_quotient(Datum num, Datum den);

/* Correctly rounded float8 of num / den for numerics; NULL (false) when den is 0. */
extern bool rk_numeric_ratio(Datum num, Datum den, double *result);

/* Largest number of decimals the digits arguments accept. */
#define RK_MAX_DIGITS 1000

/*
 * A finite float8 (22023 naming argname otherwise) as the numeric of its
 * shortest decimal representation: what PostgreSQL prints for it.
 */
extern Datum rk_float8_numeric(double value, const char *argname);

/* Raise 22023 unless 0 <= digits <= RK_MAX_DIGITS. */
extern void rk_check_digits(int32 digits);

/* num / den rounded half away from zero to digits decimals, exactly (den != 0). */
extern Datum rk_numeric_round_ratio(Datum num, Datum den, int32 digits);

/* Position of a date among entries sorted by date (index when found, else insertion point). */
extern int	rk_date_position(const DateADT *first_date, int n, size_t stride, DateADT d, bool *found);

/* Dates in the text form of summaries: ISO yyyy-mm-dd whatever DateStyle, every valid date round-trips. */
extern void rk_append_iso_date(StringInfo buf, DateADT d);
extern bool rk_parse_iso_date(const char *s, int len, DateADT *result);

/* A non-negative int64 written with len digits (counts in summary text forms). */
extern bool rk_parse_count(const char *s, int len, int64 *result);

/* The read-write expanded state of an expanded summary's transition or combine call, or NULL. */
extern ExpandedObjectHeader *rk_expanded_state(FunctionCallInfo fcinfo, const ExpandedObjectMethods *methods,
											   const char *type_name, MemoryContext *ctx, bool *in_agg);

#endif							/* RETAIL_KPI_H */
