/*
 * src/flat_summary.c
 *		Fixed-field summaries of exact sums: storage, merging, text and binary
 *		forms, validation.  See flat_summary.h for the layout.
 */
#include "flat_summary.h"

#include <ctype.h>

#include "common/int.h"
#include "libpq/pqformat.h"
#include "utils/datetime.h"
#include "utils/numeric.h"

/* Size of the header, the sums and the dates: where the overflow numerics start. */
static Size
flat_fixed_size(int nsums, int ndates)
{
	return MAXALIGN(offsetof(FlatSummary, sums) + nsums * sizeof(ExactSum) +
					ndates * sizeof(DateADT));
}

/* The overflow numeric of sum i, or NULL. */
static Numeric
flat_big(const FlatSummary *s, int i)
{
	char	   *p = (char *) s + flat_fixed_size(s->nsums, s->ndates);
	int			j;

	if (s->sums[i].big_len == 0)
		return NULL;
	for (j = 0; j < i; j++)
		p += MAXALIGN(s->sums[j].big_len);
	return (Numeric) p;
}

FlatSummary *
flat_new(const FlatKind *k)
{
	Size		size = flat_fixed_size(k->nsums, k->ndates);
	FlatSummary *s = palloc0(size);

	SET_VARSIZE(s, size);
	s->version = RK_FORMAT_VERSION;
	s->kind = k->kind;
	s->nsums = k->nsums;
	s->ndates = k->ndates;
	return s;
}

FlatSummary *
flat_copy(const FlatSummary *s)
{
	FlatSummary *c = palloc(VARSIZE(s));

	memcpy(c, s, VARSIZE(s));
	return c;
}

/* A corrupt stored value is reported, never trusted. */
static void
flat_corrupt(const FlatKind *k, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("corrupt %s value", k->type_name),
			 errdetail("%s", detail)));
}

/* Check a detoasted value of kind k: header, sums and overflow numerics. */
static FlatSummary *
flat_check(const FlatKind *k, FlatSummary *s)
{
	Size		size = VARSIZE(s);
	Size		expected;
	int			i;

	if (size < offsetof(FlatSummary, sums))
		flat_corrupt(k, "The value is shorter than its header.");
	if (s->version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("unsupported %s format version %d", k->type_name, s->version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	if (s->kind != k->kind || s->nsums != k->nsums || s->ndates != k->ndates ||
		s->flags != 0 || s->nrows < 0)
		flat_corrupt(k, "The header does not describe this type.");
	expected = flat_fixed_size(s->nsums, s->ndates);
	if (size < expected)
		flat_corrupt(k, "The value is shorter than its sums.");
	for (i = 0; i < s->nsums; i++)
	{
		const ExactSum *e = &s->sums[i];

		if (e->scale < 0 || e->scale > RK_MAX_SCALE || e->has_value > 1 ||
			e->big_len < 0 || (e->big_len > 0 && e->big_len < (int32) (VARHDRSZ + sizeof(uint16))) ||
			(!e->has_value && (e->fast != 0 || e->big_len != 0)))
			flat_corrupt(k, "A sum has an invalid scale or length.");
		expected += MAXALIGN(e->big_len);
	}
	if (expected != size)
		flat_corrupt(k, "The value's length does not match its contents.");
	for (i = 0; i < s->nsums; i++)
	{
		Numeric		big = flat_big(s, i);

		if (big != NULL &&
			(VARSIZE(big) != (Size) s->sums[i].big_len ||
			 VARATT_IS_EXTENDED(big) || numeric_is_nan(big) || numeric_is_inf(big)))
			flat_corrupt(k, "An overflow sum is not a finite numeric.");
	}
	return s;
}

/* A stored value of kind k, detoasted and checked. */
FlatSummary *
flat_from_datum(const FlatKind *k, Datum d)
{
	return flat_check(k, (FlatSummary *) PG_DETOAST_DATUM(d));
}

/* A value stored with a 1-byte header, given a 4-byte one: at most this long. */
#define FLAT_LOCAL_BYTES (VARATT_SHORT_MAX - VARHDRSZ_SHORT + VARHDRSZ)

/*
 * The same, for a value read once and dropped (the input of a combine): a small value stored with a
 * 1-byte header is copied into buf (aligned, FLAT_LOCAL_BYTES) instead of a new allocation; a rollup
 * of many stored summaries reads one per row.
 */
static FlatSummary *
flat_from_datum_local(const FlatKind *k, Datum d, FlatSummary *buf)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(d);

	if (VARATT_IS_SHORT(v))
	{
		Size		len = VARSIZE_SHORT(v) - VARHDRSZ_SHORT;

		memcpy((char *) buf + VARHDRSZ, VARDATA_SHORT(v), len);
		SET_VARSIZE(buf, len + VARHDRSZ);
		return flat_check(k, buf);
	}
	return flat_from_datum(k, d);
}

/* Rebuild s with sum i's overflow numeric replaced by big. */
static FlatSummary *
flat_replace_big(FlatSummary *s, int i, Numeric big)
{
	Size		fixed = flat_fixed_size(s->nsums, s->ndates);
	Size		size = fixed;
	FlatSummary *n;
	char	   *p;
	int			j;

	for (j = 0; j < s->nsums; j++)
		size += MAXALIGN(j == i ? VARSIZE(big) : s->sums[j].big_len);
	n = palloc0(size);
	memcpy(n, s, fixed);
	SET_VARSIZE(n, size);
	n->sums[i].big_len = VARSIZE(big);
	n->sums[i].has_value = 1;
	p = (char *) n + fixed;
	for (j = 0; j < s->nsums; j++)
	{
		Numeric		src = (j == i) ? big : flat_big(s, j);

		if (src != NULL)
		{
			memcpy(p, src, VARSIZE(src));
			p += MAXALIGN(VARSIZE(src));
		}
	}
	return n;
}

/* Add num to sum i's overflow part. */
static FlatSummary *
flat_add_big(FlatSummary *s, int i, Datum num)
{
	Numeric		old = flat_big(s, i);
	Datum		total;

	if (old == NULL)
		total = DirectFunctionCall1(numeric_uplus, num);	/* a plain copy */
	else
		total = DirectFunctionCall2(numeric_add, NumericGetDatum(old), num);
	return flat_replace_big(s, i, DatumGetNumeric(total));
}

FlatSummary *
flat_add_overflow(const FlatKind *k, FlatSummary *s, int i, Datum num)
{
	rk_check_finite_numeric(num, k->sum_names[i]);
	if (exact_sum_add_numeric(&s->sums[i], num))
		return s;				/* fits after rescaling the sum */
	return flat_add_big(s, i, num);
}

FlatSummary *
flat_merge(const FlatKind *k, FlatSummary *a, const FlatSummary *b)
{
	int			i;

	if (pg_add_s64_overflow(a->nrows, b->nrows, &a->nrows))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count of %s is out of range", k->type_name)));
	for (i = 0; i < k->nsums; i++)
	{
		Numeric		bbig = flat_big(b, i);

		if (!b->sums[i].has_value)
			continue;
		if (!exact_sum_add_sum(&a->sums[i], &b->sums[i]))
			a = flat_add_big(a, i, exact_sum_fast_numeric(&b->sums[i]));
		if (bbig != NULL)
		{
			bbig = flat_big(b, i);	/* b is unchanged; a may have moved */
			a = flat_add_big(a, i, NumericGetDatum(bbig));
		}
	}
	return a;
}

Datum
flat_sum_numeric(const FlatSummary *s, int i)
{
	Datum		fast = exact_sum_fast_numeric(&s->sums[i]);
	Numeric		big = flat_big(s, i);

	if (big == NULL)
		return fast;
	return DirectFunctionCall2(numeric_add, NumericGetDatum(big), fast);
}

int
flat_sum_sign(const FlatSummary *s, int i)
{
	if (s->sums[i].big_len == 0)
		return (s->sums[i].fast > 0) - (s->sums[i].fast < 0);
	return rk_numeric_sign(flat_sum_numeric(s, i));
}

bool
flat_ratio(const FlatSummary *s, int a, int b, int den, double *result)
{
	ExactSum	num = s->sums[a];
	Datum		numd;

	if (b < 0 || exact_sum_add_scaled(&num, -s->sums[b].fast, s->sums[b].scale))
	{
		if (s->sums[a].big_len == 0 && (b < 0 || s->sums[b].big_len == 0) &&
			exact_sum_ratio_fast(&num, &s->sums[den], result))
			return true;
	}
	numd = flat_sum_numeric(s, a);
	if (b >= 0)
		numd = DirectFunctionCall2(numeric_sub, numd, flat_sum_numeric(s, b));
	return rk_numeric_ratio(numd, flat_sum_numeric(s, den), result);
}

/* ISO yyyy-mm-dd, independent of DateStyle so that text round-trips everywhere. */
static void
append_iso_date(StringInfo buf, DateADT d)
{
	int			y,
				m,
				day;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &day);
	appendStringInfo(buf, "%04d-%02d-%02d", y, m, day);
}

char *
flat_to_cstring(const FlatKind *k, const FlatSummary *s)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "(v%d,rows=" INT64_FORMAT, s->version, s->nrows);
	for (i = 0; i < k->nsums; i++)
	{
		appendStringInfo(&buf, ",%s=", k->sum_names[i]);
		if (s->sums[i].has_value)
			appendStringInfoString(&buf,
								   DatumGetCString(DirectFunctionCall1(numeric_out,
																	   flat_sum_numeric(s, i))));
	}
	for (i = 0; i < k->ndates; i++)
	{
		appendStringInfo(&buf, ",%s=", k->date_names[i]);
		append_iso_date(&buf, FLAT_DATES(s)[i]);
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

/* A plain decimal within numeric's limits, so that numeric_in cannot fail on it. */
static bool
valid_decimal(const char *s, int len)
{
	int128		value;
	int			scale;
	int			int_digits;

	if (parse_exact_decimal(s, len, &value, &scale) == DECIMAL_SYNTAX)
		return false;
	int_digits = len - (s[0] == '-') - (scale > 0 ? scale + 1 : 0);
	return int_digits <= 131072 && scale <= 16383;
}

/*
 * Parse a date exactly as append_iso_date writes it: yyyy-mm-dd, with a
 * longer year after 9999 and a minus sign before the (astronomical) year of a
 * BC date, so that every valid date round-trips.  Anything else is refused.
 */
static bool
parse_iso_date(const char *s, int len, DateADT *result)
{
	int			y,
				m,
				d,
				n = 0;
	char		tmp[16];
	StringInfoData canon;
	bool		same;

	if (len < 10 || len > 13)
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (sscanf(tmp, "%d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != len ||
		y < -4713 || y > 5874897 || m < 1 || m > 12 || d < 1 ||
		d > day_tab[isleap(y)][m - 1] || !IS_VALID_JULIAN(y, m, d))
		return false;
	*result = date2j(y, m, d) - POSTGRES_EPOCH_JDATE;
	if (!IS_VALID_DATE(*result))
		return false;
	initStringInfo(&canon);
	append_iso_date(&canon, *result);
	same = canon.len == len && memcmp(canon.data, s, len) == 0;
	pfree(canon.data);
	return same;
}

/* The text-input error of every summary type. */
static void
flat_syntax_error(const FlatKind *k, const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"", k->type_name, str),
			 errdetail("%s", detail)));
}

/* Expect ",name=" at *p and return the value's extent up to the next ',' or ')'. */
static const char *
flat_field(const FlatKind *k, const char *str, const char **p, const char *name, int *len)
{
	const char *v;
	size_t		nlen = strlen(name);

	if (**p != ',' || strncmp(*p + 1, name, nlen) != 0 || (*p)[1 + nlen] != '=')
		flat_syntax_error(k, str, psprintf("Expected field \"%s\".", name));
	v = *p + nlen + 2;
	*p = v;
	while (**p != '\0' && **p != ',' && **p != ')')
		(*p)++;
	*len = *p - v;
	return v;
}

FlatSummary *
flat_from_cstring(const FlatKind *k, const char *str)
{
	FlatSummary *s = flat_new(k);
	const char *p = str;
	const char *v;
	int			len;
	int			version;
	char	   *end;
	int64		rows;
	int			i;

	while (isspace((unsigned char) *p))
		p++;
	if (strncmp(p, "(v", 2) != 0 || !isdigit((unsigned char) p[2]))
		flat_syntax_error(k, str, "A summary starts with \"(v\" and its format version.");
	version = (int) strtol(p + 2, &end, 10);
	if (version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported %s format version %d", k->type_name, version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	p = end;
	v = flat_field(k, str, &p, "rows", &len);
	if (len == 0 || len > 19 || !valid_decimal(v, len) || v[0] == '-' || memchr(v, '.', len))
		flat_syntax_error(k, str, "The row count must be a non-negative integer.");
	rows = strtoi64(v, NULL, 10);
	s->nrows = rows;

	for (i = 0; i < k->nsums; i++)
	{
		v = flat_field(k, str, &p, k->sum_names[i], &len);
		if (len == 0)
			continue;
		if (!valid_decimal(v, len))
			flat_syntax_error(k, str, psprintf("Field \"%s\" is not a decimal number.",
											   k->sum_names[i]));
		s = flat_add(k, s, i,
					 DirectFunctionCall3(numeric_in, CStringGetDatum(pnstrdup(v, len)),
										 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
		if (rows == 0)
			flat_syntax_error(k, str, "A summary of zero rows has no sums.");
	}
	for (i = 0; i < k->ndates; i++)
	{
		v = flat_field(k, str, &p, k->date_names[i], &len);
		if (!parse_iso_date(v, len, &FLAT_DATES(s)[i]))
			flat_syntax_error(k, str, psprintf("Field \"%s\" is not a date in the form YYYY-MM-DD.",
											   k->date_names[i]));
	}
	if (*p != ')')
		flat_syntax_error(k, str, "Expected \")\" after the last field.");
	p++;
	while (isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		flat_syntax_error(k, str, "Unexpected text after the summary.");
	return s;
}

bytea *
flat_send(const FlatKind *k, const FlatSummary *s)
{
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, s->version);
	pq_sendbyte(&buf, s->kind);
	pq_sendint16(&buf, s->nsums);
	pq_sendint16(&buf, s->ndates);
	pq_sendint64(&buf, s->nrows);
	for (i = 0; i < k->ndates; i++)
		pq_sendint32(&buf, FLAT_DATES(s)[i]);
	for (i = 0; i < k->nsums; i++)
	{
		pq_sendbyte(&buf, s->sums[i].has_value);
		if (s->sums[i].has_value)
		{
			char	   *txt = DatumGetCString(DirectFunctionCall1(numeric_out,
																  flat_sum_numeric(s, i)));
			int			len = strlen(txt);

			pq_sendint32(&buf, len);
			pq_sendbytes(&buf, txt, len);
		}
	}
	return pq_endtypsend(&buf);
}

/* Fail with 22000 unless n more bytes are left in buf. */
static void
need_bytes(const FlatKind *k, StringInfo buf, int n)
{
	if (n < 0 || buf->len - buf->cursor < n)
		flat_corrupt(k, "The binary value is truncated.");
}

FlatSummary *
flat_recv(const FlatKind *k, StringInfo buf)
{
	FlatSummary *s = flat_new(k);
	int			version;
	int			i;

	need_bytes(k, buf, 1);
	version = pq_getmsgbyte(buf);
	if (version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("unsupported %s format version %d", k->type_name, version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	need_bytes(k, buf, 1 + 2 + 2 + 8);
	if (pq_getmsgbyte(buf) != k->kind || pq_getmsgint(buf, 2) != k->nsums ||
		pq_getmsgint(buf, 2) != k->ndates)
		flat_corrupt(k, "The binary header does not describe this type.");
	s->nrows = pq_getmsgint64(buf);
	if (s->nrows < 0)
		flat_corrupt(k, "The row count is negative.");
	need_bytes(k, buf, 4 * k->ndates);
	for (i = 0; i < k->ndates; i++)
	{
		DateADT		d = pq_getmsgint(buf, 4);

		if (DATE_NOT_FINITE(d) || !IS_VALID_DATE(d))
			flat_corrupt(k, "A date is out of range.");
		FLAT_DATES(s)[i] = d;
	}
	for (i = 0; i < k->nsums; i++)
	{
		int			has;
		int			len;
		const char *txt;

		need_bytes(k, buf, 1);
		has = pq_getmsgbyte(buf);
		if (has == 0)
			continue;
		if (has != 1 || s->nrows == 0)
			flat_corrupt(k, "A sum flag is invalid.");
		need_bytes(k, buf, 4);
		len = pq_getmsgint(buf, 4);
		need_bytes(k, buf, len);
		txt = pq_getmsgbytes(buf, len);
		if (!valid_decimal(txt, len))
			flat_corrupt(k, "A sum is not a decimal number.");
		s = flat_add(k, s, i,
					 DirectFunctionCall3(numeric_in, CStringGetDatum(pnstrdup(txt, len)),
										 ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	}
	if (buf->cursor != buf->len)
		flat_corrupt(k, "The binary value has trailing bytes.");
	return s;
}

bool
rk_in_agg(FunctionCallInfo fcinfo)
{
	return AggCheckCallContext(fcinfo, NULL) != 0;
}

FlatSummary *
flat_state(const FlatKind *k, FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		return flat_new(k);
	if (rk_in_agg(fcinfo))
		return (FlatSummary *) PG_GETARG_POINTER(0);
	return flat_copy(flat_from_datum(k, PG_GETARG_DATUM(0)));
}

FlatSummary *
flat_combine(const FlatKind *k, FunctionCallInfo fcinfo)
{
	union
	{
		FlatSummary s;
		char		bytes[FLAT_LOCAL_BYTES];
	}			local;
	FlatSummary *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			return NULL;
		return (FlatSummary *) PG_GETARG_POINTER(0);
	}
	b = flat_from_datum_local(k, PG_GETARG_DATUM(1), &local.s);
	if (PG_ARGISNULL(0))
		return flat_copy(b);
	return flat_merge(k, flat_state(k, fcinfo), b);
}
