/*
 * src/stock.c
 *		The stock family: stock_summary keeps, per snapshot date, the exact
 *		summed on-hand balance at cost, in units and at retail.  Balances add
 *		across stores and items on one date and are averaged across dates only
 *		when a KPI is read (inventory is semi-additive).  Also the KPIs that
 *		join a flow (margin_summary) to a balance (stock_summary): inventory
 *		turnover, days of inventory and GMROI.
 *
 * Stored layout (a varlena, version 1):
 *		header | StockEntry entries[capacity]
 * Entries 0 .. ndates-1 are sorted by date, strictly increasing; entries past
 * ndates are zeroed slack that lets the aggregate grow in place (the final
 * function trims it).  Each entry holds three ExactSums (cost, units, retail),
 * each with a value only where some row gave one; every date has at least one.
 * Until 0.2 cost was required on every row; from 0.3 a row may give units or
 * retail without cost (stock in units only), counted in missing[B_COST].
 *
 * Text form:
 *		(v1,rows=5,bases=cost+units,missing_units=1,missing_retail=0,
 *		 2024-01-06:1200.50/300/,2024-01-13:1100.00/280/)
 * one "date:cost/units/retail" item per snapshot date in date order, an empty
 * field for a basis without a value on that date.  bases lists the bases that
 * have a value on at least one date (it is checked against the items);
 * missing_* count the rows whose value for that basis was NULL.  A summary
 * with rows without cost (0.3) adds ",missing_cost=N" after missing_retail,
 * and its bases may lack cost (e.g. bases=units); summaries whose rows all had
 * a cost print exactly as before, so stored format-1 values read back as they
 * were.  The binary form likewise appends missing_cost only when it is > 0.
 */
#include "flat_summary.h"

#include <ctype.h>

#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/datetime.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

/* Hard limit on distinct snapshot dates in one summary (about 8 MB of state). */
#define STOCK_MAX_DATES 100000

#define STOCK_NBASES 3
enum
{
	B_COST,
	B_UNITS,
	B_RETAIL
};

static const char *const basis_names[] = {"cost", "units", "retail", NULL};
static const char *const basis_args[] = {"on_hand_cost", "on_hand_units", "on_hand_retail"};

enum
{
	M_SNAPSHOTS,
	M_ENDPOINTS,
	M_DAILY
};

static const char *const method_names[] = {"snapshots", "endpoints", "daily", NULL};

typedef struct StockEntry
{
	DateADT		date;
	int32		pad;
	ExactSum	sums[STOCK_NBASES];
} StockEntry;

typedef struct StockSummary
{
	int32		vl_len_;
	uint8		version;
	uint8		kind;			/* 's' */
	uint16		flags;			/* reserved, 0 */
	int32		ndates;
	int32		capacity;		/* entries allocated, >= ndates */
	int64		nrows;			/* rows aggregated (a date and at least one value) */
	int64		missing[STOCK_NBASES];	/* rows with a NULL value for the basis */
	StockEntry	entries[FLEXIBLE_ARRAY_MEMBER];
} StockSummary;

#define STOCK_KIND 's'
#define STOCK_SIZE(cap) (offsetof(StockSummary, entries) + (Size) (cap) * sizeof(StockEntry))

/* ---------- storage ---------- */

/* A new empty summary with room for cap dates, in CurrentMemoryContext. */
static StockSummary *
stock_new(int cap)
{
	StockSummary *s = palloc0(STOCK_SIZE(cap));

	SET_VARSIZE(s, STOCK_SIZE(cap));
	s->version = RK_FORMAT_VERSION;
	s->kind = STOCK_KIND;
	s->capacity = cap;
	return s;
}

/* A copy of s with room for at least cap dates (slack zeroed). */
static StockSummary *
stock_copy(const StockSummary *s, int cap)
{
	StockSummary *c;

	if (cap < s->ndates)
		cap = s->ndates;
	c = palloc0(STOCK_SIZE(cap));
	memcpy(c, s, STOCK_SIZE(s->ndates));
	SET_VARSIZE(c, STOCK_SIZE(cap));
	c->capacity = cap;
	return c;
}

/* 54000 when a summary would pass the date limit. */
static void
stock_check_limit(int64 ndates)
{
	if (ndates > STOCK_MAX_DATES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("stock_summary cannot hold more than %d snapshot dates", STOCK_MAX_DATES),
				 errhint("Aggregate fewer dates per group, for example weekly or month-end snapshots, or one summary per year.")));
}

/* Room for need dates: s itself, or a larger copy (capacity doubled, within the limit). */
static StockSummary *
stock_reserve(StockSummary *s, int64 need)
{
	int64		cap;

	stock_check_limit(need);
	if (need <= s->capacity)
		return s;
	cap = Max((int64) s->capacity * 2, 8);
	cap = Min(cap, STOCK_MAX_DATES);
	cap = Max(cap, need);
	return stock_copy(s, (int) cap);
}

static void
stock_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("corrupt stock_summary value"),
			 errdetail("%s", detail)));
}

static void
stock_version_error(int version, int code)
{
	ereport(ERROR,
			(errcode(code),
			 errmsg("unsupported stock_summary format version %d", version),
			 errdetail("This version of retail_kpi reads format version %d.",
					   RK_FORMAT_VERSION)));
}

/* Check the invariants of a summary's fields and entries (22000 when broken). */
static void
stock_validate(const StockSummary *s)
{
	int			i,
				b;

	if (s->flags != 0 || s->ndates < 1 || s->ndates > STOCK_MAX_DATES ||
		s->capacity < s->ndates || s->nrows < s->ndates)
		stock_corrupt("The header's counts are inconsistent.");
	for (b = 0; b < STOCK_NBASES; b++)
		if (s->missing[b] < 0 || s->missing[b] > s->nrows)
			stock_corrupt("A missing-value count is out of range.");
	for (i = 0; i < s->ndates; i++)
	{
		const StockEntry *e = &s->entries[i];

		CHECK_FOR_INTERRUPTS();
		if (DATE_NOT_FINITE(e->date) || !IS_VALID_DATE(e->date) ||
			(i > 0 && e->date <= s->entries[i - 1].date))
			stock_corrupt("The snapshot dates are not valid and strictly increasing.");
		if (e->pad != 0)
			stock_corrupt("An entry's padding is not zero.");
		if (!e->sums[B_COST].has_value && !e->sums[B_UNITS].has_value &&
			!e->sums[B_RETAIL].has_value)
			stock_corrupt("A snapshot date has no on-hand value.");
		if (!e->sums[B_COST].has_value && s->missing[B_COST] == 0)
			stock_corrupt("A snapshot date has no on-hand cost but no row is counted as missing it.");
		for (b = 0; b < STOCK_NBASES; b++)
		{
			const ExactSum *x = &e->sums[b];

			if (x->scale < 0 || x->scale > RK_MAX_SCALE || x->has_value > 1 ||
				x->pad != 0 || x->big_len != 0 ||
				(!x->has_value && (x->fast != 0 || x->scale != 0)))
				stock_corrupt("A sum has an invalid scale or flag.");
		}
	}
}

/* Detoast a stored summary and validate it. */
static StockSummary *
stock_from_datum(Datum d)
{
	StockSummary *s = (StockSummary *) PG_DETOAST_DATUM(d);
	Size		size = VARSIZE(s);

	if (size < offsetof(StockSummary, entries))
		stock_corrupt("The value is shorter than its header.");
	if (s->version != RK_FORMAT_VERSION)
		stock_version_error(s->version, ERRCODE_DATA_EXCEPTION);
	if (s->kind != STOCK_KIND)
		stock_corrupt("The header does not describe this type.");
	if (s->capacity < 0 || s->capacity > STOCK_MAX_DATES || size != STOCK_SIZE(s->capacity))
		stock_corrupt("The value's length does not match its contents.");
	stock_validate(s);
	return s;
}

/* Index of date d in s, inserting an empty entry when absent (may return a new value). */
static int
stock_find_or_insert(StockSummary **sp, DateADT d)
{
	StockSummary *s = *sp;
	int			n = s->ndates;
	bool		found;
	int			lo = rk_date_position(&s->entries[0].date, n, sizeof(StockEntry), d, &found);

	if (found)
		return lo;
	s = stock_reserve(s, (int64) n + 1);
	if (lo < n)
		memmove(&s->entries[lo + 1], &s->entries[lo], (n - lo) * sizeof(StockEntry));
	memset(&s->entries[lo], 0, sizeof(StockEntry));
	s->entries[lo].date = d;
	s->ndates = n + 1;
	*sp = s;
	return lo;
}

/* Add a finite numeric to one per-date sum; 22003 when it leaves the exact range. */
static void
stock_add_numeric(ExactSum *sum, Datum num, int basis)
{
	if (!exact_sum_add_numeric(sum, num))
		exact_sum_overflow_error(basis_args[basis]);
}

/* Add the sums of entry b into entry a. */
static void
stock_add_entry(StockEntry *a, const StockEntry *b)
{
	int			i;

	for (i = 0; i < STOCK_NBASES; i++)
		if (!exact_sum_add_sum(&a->sums[i], &b->sums[i]))
			exact_sum_overflow_error(basis_args[i]);
}

/* Add b's counts into a. */
static void
stock_add_counts(StockSummary *a, const StockSummary *b)
{
	int			i;
	bool		overflow = pg_add_s64_overflow(a->nrows, b->nrows, &a->nrows);

	for (i = 0; i < STOCK_NBASES; i++)
		overflow |= pg_add_s64_overflow(a->missing[i], b->missing[i], &a->missing[i]);
	if (overflow)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count of stock_summary is out of range")));
}

/*
 * Merge b into a: same-date balances add, new dates are inserted in order.
 * The merge runs from the end so that it works in place once a has room.
 */
static StockSummary *
stock_merge(StockSummary *a, const StockSummary *b)
{
	int			na = a->ndates,
				nb = b->ndates;
	int			i = 0,
				j = 0,
				common = 0,
				k;

	while (i < na && j < nb)
	{
		CHECK_FOR_INTERRUPTS();
		if (a->entries[i].date < b->entries[j].date)
			i++;
		else if (a->entries[i].date > b->entries[j].date)
			j++;
		else
			common++, i++, j++;
	}
	a = stock_reserve(a, (int64) na + nb - common);
	i = na - 1;
	j = nb - 1;
	k = na + nb - common - 1;
	while (j >= 0)
	{
		CHECK_FOR_INTERRUPTS();
		if (i >= 0 && a->entries[i].date > b->entries[j].date)
			a->entries[k--] = a->entries[i--];
		else if (i >= 0 && a->entries[i].date == b->entries[j].date)
		{
			a->entries[k] = a->entries[i];
			stock_add_entry(&a->entries[k], &b->entries[j]);
			k--, i--, j--;
		}
		else
			a->entries[k--] = b->entries[j--];
	}
	a->ndates = na + nb - common;
	stock_add_counts(a, b);
	return a;
}

/* ---------- text form ---------- */

/* Bit mask of the bases that have a value on at least one date. */
static int
stock_bases(const StockSummary *s)
{
	int			mask = 0;
	int			i,
				b;

	for (i = 0; i < s->ndates; i++)
		for (b = 0; b < STOCK_NBASES; b++)
			if (s->entries[i].sums[b].has_value)
				mask |= 1 << b;
	return mask;
}

static const char *const bases_text[] = {
	NULL, "cost", "units", "cost+units", "retail", "cost+retail", "units+retail", "cost+units+retail"
};

static char *
stock_to_cstring(const StockSummary *s)
{
	StringInfoData buf;
	int			i,
				b;

	initStringInfo(&buf);
	appendStringInfo(&buf, "(v%d,rows=" INT64_FORMAT ",bases=%s,missing_units=" INT64_FORMAT
					 ",missing_retail=" INT64_FORMAT,
					 s->version, s->nrows, bases_text[stock_bases(s)],
					 s->missing[B_UNITS], s->missing[B_RETAIL]);
	if (s->missing[B_COST] > 0)
		appendStringInfo(&buf, ",missing_cost=" INT64_FORMAT, s->missing[B_COST]);
	for (i = 0; i < s->ndates; i++)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfoChar(&buf, ',');
		rk_append_iso_date(&buf, s->entries[i].date);
		for (b = 0; b < STOCK_NBASES; b++)
		{
			const ExactSum *x = &s->entries[i].sums[b];

			appendStringInfoChar(&buf, b == 0 ? ':' : '/');
			if (x->has_value)
				append_scaled_decimal(&buf, x->fast, x->scale);
		}
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

typedef struct StockParser
{
	const char *str;			/* whole input, for messages */
	const char *p;				/* current position */
	bool		binary;			/* errors are 22000 (binary) rather than 22P02 (text) */
} StockParser;

static void
stock_syntax_error(StockParser *ps, const char *detail)
{
	if (ps->binary)
		stock_corrupt(detail);
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type stock_summary: \"%s\"", ps->str),
			 errdetail("%s", detail)));
}

/*
 * A plain decimal of len characters parsed exactly into value * 10^-scale;
 * false when malformed; 22003 when it does not fit the exact range.
 */
static bool
parse_scaled(const char *s, int len, int basis, int128 *value, int *scale)
{
	switch (parse_exact_decimal(s, len, value, scale))
	{
		case DECIMAL_SYNTAX:
			return false;
		case DECIMAL_RANGE:
			exact_sum_overflow_error(basis_args[basis]);
			break;
		case DECIMAL_OK:
			break;
	}
	return true;
}

/* Expect ",name=" and return the value up to the next ',' or ')'. */
static const char *
parse_field(StockParser *ps, const char *name, int *len)
{
	size_t		nlen = strlen(name);
	const char *v;

	if (*ps->p != ',' || strncmp(ps->p + 1, name, nlen) != 0 || ps->p[1 + nlen] != '=')
		stock_syntax_error(ps, psprintf("Expected field \"%s\".", name));
	v = ps->p + nlen + 2;
	ps->p = v;
	while (*ps->p != '\0' && *ps->p != ',' && *ps->p != ')')
		ps->p++;
	*len = ps->p - v;
	return v;
}

static StockSummary *
stock_from_cstring(const char *str)
{
	StockParser ps = {str, str, false};
	StockSummary *s;
	const char *v;
	int			len;
	long		version;
	char	   *end;
	int64		rows,
				missing_u,
				missing_r,
				missing_c = 0;
	int			mask = -1;
	int			i;

	while (isspace((unsigned char) *ps.p))
		ps.p++;
	if (strncmp(ps.p, "(v", 2) != 0 || !isdigit((unsigned char) ps.p[2]))
		stock_syntax_error(&ps, "A summary starts with \"(v\" and its format version.");
	errno = 0;
	version = strtol(ps.p + 2, &end, 10);
	if (errno != 0 || version != RK_FORMAT_VERSION)
		stock_version_error(errno != 0 ? -1 : (int) version, ERRCODE_INVALID_TEXT_REPRESENTATION);
	ps.p = end;

	v = parse_field(&ps, "rows", &len);
	if (!rk_parse_count(v, len, &rows))
		stock_syntax_error(&ps, "The row count must be a non-negative integer.");
	v = parse_field(&ps, "bases", &len);
	for (i = 0; i < lengthof(bases_text); i++)
		if (bases_text[i] != NULL && strlen(bases_text[i]) == (size_t) len &&
			strncmp(v, bases_text[i], len) == 0)
			mask = i;
	if (mask < 0)
		stock_syntax_error(&ps, "Field \"bases\" must be one or more of cost, units, retail joined by + in that order.");
	v = parse_field(&ps, "missing_units", &len);
	if (!rk_parse_count(v, len, &missing_u))
		stock_syntax_error(&ps, "Field \"missing_units\" must be a non-negative integer.");
	v = parse_field(&ps, "missing_retail", &len);
	if (!rk_parse_count(v, len, &missing_r))
		stock_syntax_error(&ps, "Field \"missing_retail\" must be a non-negative integer.");
	if (strncmp(ps.p, ",missing_cost=", 14) == 0)
	{
		v = parse_field(&ps, "missing_cost", &len);
		if (!rk_parse_count(v, len, &missing_c) || missing_c == 0)
			stock_syntax_error(&ps, "Field \"missing_cost\" must be a positive integer (it is left out when 0).");
	}

	s = stock_new(8);
	s->nrows = rows;
	s->missing[B_COST] = missing_c;
	s->missing[B_UNITS] = missing_u;
	s->missing[B_RETAIL] = missing_r;

	while (*ps.p == ',')
	{
		StockEntry *e;
		DateADT		d;
		int			b;

		CHECK_FOR_INTERRUPTS();
		ps.p++;
		v = ps.p;
		while (*ps.p != '\0' && *ps.p != ':' && *ps.p != ',' && *ps.p != ')')
			ps.p++;
		if (*ps.p != ':' || !rk_parse_iso_date(v, ps.p - v, &d))
			stock_syntax_error(&ps, "A snapshot is written as YYYY-MM-DD:cost/units/retail, with a valid date.");
		if (s->ndates > 0 && d <= s->entries[s->ndates - 1].date)
			stock_syntax_error(&ps, "Snapshot dates must be strictly increasing.");
		s = stock_reserve(s, (int64) s->ndates + 1);
		e = &s->entries[s->ndates++];
		e->date = d;
		for (b = 0; b < STOCK_NBASES; b++)
		{
			int128		value;
			int			scale;

			if (*ps.p != (b == 0 ? ':' : '/'))
				stock_syntax_error(&ps, "A snapshot has three fields cost/units/retail.");
			ps.p++;
			v = ps.p;
			while (*ps.p != '\0' && *ps.p != '/' && *ps.p != ',' && *ps.p != ')')
				ps.p++;
			if (ps.p == v)
				continue;
			if (!parse_scaled(v, ps.p - v, b, &value, &scale))
				stock_syntax_error(&ps, "An on-hand value is not a decimal number.");
			exact_sum_add_scaled(&e->sums[b], value, scale);	/* empty sum: cannot fail */
		}
	}
	if (*ps.p != ')')
		stock_syntax_error(&ps, "Expected \")\" after the last snapshot.");
	ps.p++;
	while (isspace((unsigned char) *ps.p))
		ps.p++;
	if (*ps.p != '\0')
		stock_syntax_error(&ps, "Unexpected text after the summary.");
	if (s->ndates == 0)
		stock_syntax_error(&ps, "A summary has at least one snapshot date.");
	if (rows < s->ndates || missing_u > rows || missing_r > rows || missing_c > rows)
		stock_syntax_error(&ps, "The row count must be at least the number of snapshot dates, and the missing counts at most the row count.");
	if (mask != stock_bases(s))
		stock_syntax_error(&ps, "Field \"bases\" does not match the snapshots' values.");
	for (i = 0; i < s->ndates; i++)
	{
		const StockEntry *e = &s->entries[i];

		if (!e->sums[B_COST].has_value && !e->sums[B_UNITS].has_value &&
			!e->sums[B_RETAIL].has_value)
			stock_syntax_error(&ps, "Every snapshot has at least one on-hand value.");
		if (!e->sums[B_COST].has_value && missing_c == 0)
			stock_syntax_error(&ps, "A snapshot without on-hand cost needs a missing_cost count.");
	}
	return stock_copy(s, s->ndates);
}

/* ---------- SQL-callable: type support ---------- */

PG_FUNCTION_INFO_V1(stock_summary_in);
Datum
stock_summary_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(stock_from_cstring(PG_GETARG_CSTRING(0)));
}

PG_FUNCTION_INFO_V1(stock_summary_out);
Datum
stock_summary_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(stock_to_cstring(stock_from_datum(PG_GETARG_DATUM(0))));
}

/*
 * Binary form: version, kind, ndates, rows, missing units, missing retail, then
 * per date the date and per basis a presence byte and the value as decimal text.
 */
PG_FUNCTION_INFO_V1(stock_summary_send);
Datum
stock_summary_send(PG_FUNCTION_ARGS)
{
	StockSummary *s = stock_from_datum(PG_GETARG_DATUM(0));
	StringInfoData buf;
	StringInfoData num;
	int			i,
				b;

	pq_begintypsend(&buf);
	initStringInfo(&num);
	pq_sendbyte(&buf, s->version);
	pq_sendbyte(&buf, s->kind);
	pq_sendint32(&buf, s->ndates);
	pq_sendint64(&buf, s->nrows);
	pq_sendint64(&buf, s->missing[B_UNITS]);
	pq_sendint64(&buf, s->missing[B_RETAIL]);
	for (i = 0; i < s->ndates; i++)
	{
		CHECK_FOR_INTERRUPTS();
		pq_sendint32(&buf, s->entries[i].date);
		for (b = 0; b < STOCK_NBASES; b++)
		{
			const ExactSum *x = &s->entries[i].sums[b];

			pq_sendbyte(&buf, x->has_value);
			if (x->has_value)
			{
				resetStringInfo(&num);
				append_scaled_decimal(&num, x->fast, x->scale);
				pq_sendint32(&buf, num.len);
				pq_sendbytes(&buf, num.data, num.len);
			}
		}
	}
	if (s->missing[B_COST] > 0)
		pq_sendint64(&buf, s->missing[B_COST]);	/* 0.3: rows without cost */
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Fail with 22000 unless n more bytes are left in buf. */
static void
need_bytes(StringInfo buf, int64 n)
{
	if (n < 0 || buf->len - buf->cursor < n)
		stock_corrupt("The binary value is truncated.");
}

PG_FUNCTION_INFO_V1(stock_summary_recv);
Datum
stock_summary_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	StockSummary *s;
	int			version;
	int32		ndates;
	int			i,
				b;

	need_bytes(buf, 1);
	version = pq_getmsgbyte(buf);
	if (version != RK_FORMAT_VERSION)
		stock_version_error(version, ERRCODE_DATA_EXCEPTION);
	need_bytes(buf, 1 + 4 + 8 * 3);
	if (pq_getmsgbyte(buf) != STOCK_KIND)
		stock_corrupt("The binary header does not describe this type.");
	ndates = (int32) pq_getmsgint(buf, 4);
	if (ndates < 1)
		stock_corrupt("The number of snapshot dates is invalid.");
	stock_check_limit(ndates);
	need_bytes(buf, 24 + (int64) ndates * (4 + 3));
	s = stock_new(ndates);
	s->nrows = pq_getmsgint64(buf);
	s->missing[B_UNITS] = pq_getmsgint64(buf);
	s->missing[B_RETAIL] = pq_getmsgint64(buf);
	for (i = 0; i < ndates; i++)
	{
		StockEntry *e = &s->entries[i];

		CHECK_FOR_INTERRUPTS();
		need_bytes(buf, 4);
		e->date = (DateADT) pq_getmsgint(buf, 4);
		for (b = 0; b < STOCK_NBASES; b++)
		{
			int			has;
			int			len;
			const char *txt;
			int128		value;
			int			scale;

			need_bytes(buf, 1);
			has = pq_getmsgbyte(buf);
			if (has == 0)
				continue;
			if (has != 1)
				stock_corrupt("A value flag is invalid.");
			need_bytes(buf, 4);
			len = (int) pq_getmsgint(buf, 4);
			need_bytes(buf, len);
			txt = pq_getmsgbytes(buf, len);
			if (!parse_scaled(txt, len, b, &value, &scale))
				stock_corrupt("An on-hand value is not a decimal number.");
			exact_sum_add_scaled(&e->sums[b], value, scale);	/* empty sum: cannot fail */
		}
		s->ndates = i + 1;
	}
	if (buf->len - buf->cursor == 8)
	{
		s->missing[B_COST] = pq_getmsgint64(buf);
		if (s->missing[B_COST] <= 0)
			stock_corrupt("The missing-cost count is invalid.");
	}
	if (buf->cursor != buf->len)
		stock_corrupt("The binary value has trailing bytes.");
	stock_validate(s);
	PG_RETURN_POINTER(s);
}

/* ---------- SQL-callable: aggregation ---------- */

/* The state to update: new on the first row, in place inside an aggregate, else a copy. */
static StockSummary *
stock_state(FunctionCallInfo fcinfo, bool in_agg)
{
	if (PG_ARGISNULL(0))
		return stock_new(in_agg ? 8 : 1);
	if (in_agg)
		return (StockSummary *) PG_GETARG_POINTER(0);
	return stock_copy(stock_from_datum(PG_GETARG_DATUM(0)), 0);
}

/* A value returned outside an aggregate carries no growth room. */
static StockSummary *
stock_trimmed(StockSummary *s, bool in_agg)
{
	if (in_agg || s->capacity == s->ndates)
		return s;
	return stock_copy(s, s->ndates);
}

/*
 * stock_agg(snapshot_date, on_hand_cost [, on_hand_units [, on_hand_retail]])
 * transition: a row without a date, or without any on-hand value, is skipped;
 * a NULL value of a basis (cost included, from 0.3) is left out of that basis's
 * sum and counted as missing, so stock kept in units only gives a summary with
 * the units basis and no cost basis.
 */
PG_FUNCTION_INFO_V1(stock_agg_trans);
Datum
stock_agg_trans(PG_FUNCTION_ARGS)
{
	StockSummary *s;
	DateADT		d;
	int			idx;
	int			nargs = PG_NARGS();
	int			b;
	bool		in_agg;

	{
		bool		any_value = false;

		for (b = 0; b < STOCK_NBASES && b + 2 < nargs; b++)
			any_value |= !PG_ARGISNULL(b + 2);
		if (PG_ARGISNULL(1) || !any_value)
		{
			if (PG_ARGISNULL(0))
				PG_RETURN_NULL();
			PG_RETURN_DATUM(PG_GETARG_DATUM(0));
		}
	}
	d = PG_GETARG_DATEADT(1);
	if (DATE_NOT_FINITE(d))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"snapshot_date\" must be a finite date"),
				 errdetail("The value given was %s.", DATE_IS_NOBEGIN(d) ? "-infinity" : "infinity")));
	for (b = 0; b < STOCK_NBASES && b + 2 < nargs; b++)
		if (!PG_ARGISNULL(b + 2))
			rk_check_finite_numeric(PG_GETARG_DATUM(b + 2), basis_args[b]);

	in_agg = rk_in_agg(fcinfo);
	s = stock_state(fcinfo, in_agg);
	idx = stock_find_or_insert(&s, d);
	s->nrows++;
	for (b = 0; b < STOCK_NBASES && b + 2 < nargs; b++)
	{
		if (PG_ARGISNULL(b + 2))
			s->missing[b]++;
		else
			stock_add_numeric(&s->entries[idx].sums[b], PG_GETARG_DATUM(b + 2), b);
	}
	PG_RETURN_POINTER(stock_trimmed(s, in_agg));
}

/* Combine function and rollup transition: merge argument 1 into argument 0. */
PG_FUNCTION_INFO_V1(stock_summary_combine);
Datum
stock_summary_combine(PG_FUNCTION_ARGS)
{
	StockSummary *b;
	bool		in_agg;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	b = stock_from_datum(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(0))
		PG_RETURN_POINTER(stock_copy(b, b->ndates));
	in_agg = rk_in_agg(fcinfo);
	PG_RETURN_POINTER(stock_trimmed(stock_merge(stock_state(fcinfo, in_agg), b), in_agg));
}

/* Final function of stock_agg and rollup: drop the growth slack before the value is stored. */
PG_FUNCTION_INFO_V1(stock_summary_final);
Datum
stock_summary_final(PG_FUNCTION_ARGS)
{
	StockSummary *s;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	s = (StockSummary *) PG_DETOAST_DATUM(PG_GETARG_DATUM(0));
	if (s->capacity == s->ndates)
		PG_RETURN_POINTER(s);
	PG_RETURN_POINTER(stock_copy(s, s->ndates));
}

/* ---------- SQL-callable: balances and averages ---------- */

/* 22023 unless basis b has a value on some date (stock kept in units only has no cost basis). */
static void
stock_require_basis(const StockSummary *s, int b)
{
	if (!(stock_bases(s) & (1 << b)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("stock summary has no on-hand values at basis \"%s\"", basis_names[b]),
				 errdetail("No row given to stock_agg had a non-NULL %s.", basis_args[b]),
				 b == B_COST ?
				 errhint("Use basis => 'units' (or 'retail') for stock kept without cost, or give on_hand_cost to stock_agg.") :
				 errhint("The %s basis is supplied by the %s argument of stock_agg(snapshot_date, on_hand_cost, on_hand_units, on_hand_retail).",
						 basis_names[b], b == B_UNITS ? "third (on_hand_units)" : "fourth (on_hand_retail)")));
}

/* The basis named by a text argument, which must have a value on some date (else 22023). */
static int
stock_basis(const StockSummary *s, text *name)
{
	int			b = rk_variant(name, "basis", basis_names);

	stock_require_basis(s, b);
	return b;
}

static Datum
int64_numeric(int64 v)
{
	return DirectFunctionCall1(int8_numeric, Int64GetDatum(v));
}

static Datum
sum_numeric(const ExactSum *x)
{
	return scaled_to_numeric(x->fast, x->scale);
}

/*
 * Average inventory as an exact fraction num / den (den > 0), so that ratios
 * built on it divide once.  Only dates with a value at the basis take part.
 *	snapshots: num = sum of the per-date totals, den = number of dates
 *	endpoints: num = first + last, den = 2
 *	daily:     num = sum of total(d_i) * (d_{i+1} - d_i) + total(d_n) * 1,
 *	           den = d_n - d_1 + 1 (calendar days, both ends included)
 * The sum runs in 128 bits and falls back to numeric when it would overflow.
 */
static void
stock_average(const StockSummary *s, int basis, int method, Datum *num, Datum *den)
{
	ExactSum	acc = {0};
	bool		fast = true;
	int			first = -1,
				last = -1,
				count = 0,
				i;

	for (i = 0; i < s->ndates; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (!s->entries[i].sums[basis].has_value)
			continue;
		if (first < 0)
			first = i;
		last = i;
		count++;
	}
	if (count == 0)
		elog(ERROR, "stock summary basis without values");	/* callers check the basis */

	if (method == M_ENDPOINTS)
	{
		*num = DirectFunctionCall2(numeric_add, sum_numeric(&s->entries[first].sums[basis]),
								   sum_numeric(&s->entries[last].sums[basis]));
		*den = int64_numeric(2);
		return;
	}

	/* weight of each date: 1 (snapshots) or the days until the next dated value (daily) */
	for (i = first; i <= last && fast; i++)
	{
		const ExactSum *x = &s->entries[i].sums[basis];
		int128		value = x->fast;
		int			next;

		CHECK_FOR_INTERRUPTS();
		if (!x->has_value)
			continue;
		if (method == M_DAILY)
		{
			for (next = i + 1; next <= last && !s->entries[next].sums[basis].has_value; next++)
				;
			if (next <= last &&
				__builtin_mul_overflow(value, (int128) (s->entries[next].date - s->entries[i].date), &value))
				fast = false;
		}
		if (fast && !exact_sum_add_scaled(&acc, value, x->scale))
			fast = false;
	}
	if (fast)
		*num = scaled_to_numeric(acc.fast, acc.scale);
	else
	{
		Datum		total = int64_numeric(0);

		for (i = first; i <= last; i++)
		{
			const ExactSum *x = &s->entries[i].sums[basis];
			Datum		v;
			int			next;

			CHECK_FOR_INTERRUPTS();
			if (!x->has_value)
				continue;
			v = sum_numeric(x);
			if (method == M_DAILY)
			{
				for (next = i + 1; next <= last && !s->entries[next].sums[basis].has_value; next++)
					;
				if (next <= last)
					v = DirectFunctionCall2(numeric_mul, v,
											int64_numeric(s->entries[next].date - s->entries[i].date));
			}
			total = DirectFunctionCall2(numeric_add, total, v);
		}
		*num = total;
	}
	if (method == M_DAILY)
		*den = int64_numeric((int64) s->entries[last].date - s->entries[first].date + 1);
	else
		*den = int64_numeric(count);
}

/* avg_inventory(s, method, basis): the average balance, exact numeric. */
PG_FUNCTION_INFO_V1(stock_avg_inventory);
Datum
stock_avg_inventory(PG_FUNCTION_ARGS)
{
	StockSummary *s = stock_from_datum(PG_GETARG_DATUM(0));
	int			method = rk_variant(PG_GETARG_TEXT_PP(1), "method", method_names);
	int			basis = stock_basis(s, PG_GETARG_TEXT_PP(2));
	Datum		num,
				den;

	stock_average(s, basis, method, &num, &den);
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div, num, den));
}

/* The balance on the first (dir > 0) or last date that has a value at the basis. */
static Datum
stock_endpoint(FunctionCallInfo fcinfo, bool opening)
{
	StockSummary *s = stock_from_datum(PG_GETARG_DATUM(0));
	int			basis = stock_basis(s, PG_GETARG_TEXT_PP(1));
	int			i;

	for (i = 0; i < s->ndates; i++)
	{
		int			k = opening ? i : s->ndates - 1 - i;

		CHECK_FOR_INTERRUPTS();
		if (s->entries[k].sums[basis].has_value)
			PG_RETURN_DATUM(sum_numeric(&s->entries[k].sums[basis]));
	}
	elog(ERROR, "stock summary basis without values");	/* stock_basis checked */
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(stock_opening_inventory);
Datum
stock_opening_inventory(PG_FUNCTION_ARGS)
{
	return stock_endpoint(fcinfo, true);
}

PG_FUNCTION_INFO_V1(stock_closing_inventory);
Datum
stock_closing_inventory(PG_FUNCTION_ARGS)
{
	return stock_endpoint(fcinfo, false);
}

/* Number of distinct snapshot dates. */
PG_FUNCTION_INFO_V1(stock_snapshot_count);
Datum
stock_snapshot_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(stock_from_datum(PG_GETARG_DATUM(0))->ndates);
}

PG_FUNCTION_INFO_V1(stock_first_snapshot);
Datum
stock_first_snapshot(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATEADT(stock_from_datum(PG_GETARG_DATUM(0))->entries[0].date);
}

PG_FUNCTION_INFO_V1(stock_last_snapshot);
Datum
stock_last_snapshot(PG_FUNCTION_ARGS)
{
	StockSummary *s = stock_from_datum(PG_GETARG_DATUM(0));

	PG_RETURN_DATEADT(s->entries[s->ndates - 1].date);
}

/* Rows aggregated (rows with a date and at least one on-hand value). */
PG_FUNCTION_INFO_V1(stock_row_count);
Datum
stock_row_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(stock_from_datum(PG_GETARG_DATUM(0))->nrows);
}

/* Rows whose value at the basis was NULL (for cost: rows that gave only units or retail). */
PG_FUNCTION_INFO_V1(stock_missing_count);
Datum
stock_missing_count(PG_FUNCTION_ARGS)
{
	StockSummary *s = stock_from_datum(PG_GETARG_DATUM(0));

	PG_RETURN_INT64(s->missing[rk_variant(PG_GETARG_TEXT_PP(1), "basis", basis_names)]);
}

/*
 * Per-date balances as rows (snapshot_date, on_hand_cost, on_hand_units,
 * on_hand_retail), NULL where a basis has no value on that date.
 */
PG_FUNCTION_INFO_V1(stock_snapshots);
Datum
stock_snapshots(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	StockSummary *s = stock_from_datum(PG_GETARG_DATUM(0));
	int			i,
				b;

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < s->ndates; i++)
	{
		Datum		values[1 + STOCK_NBASES];
		bool		nulls[1 + STOCK_NBASES];

		CHECK_FOR_INTERRUPTS();
		values[0] = DateADTGetDatum(s->entries[i].date);
		nulls[0] = false;
		for (b = 0; b < STOCK_NBASES; b++)
		{
			nulls[b + 1] = !s->entries[i].sums[b].has_value;
			values[b + 1] = nulls[b + 1] ? (Datum) 0 : sum_numeric(&s->entries[i].sums[b]);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------- SQL-callable: KPIs across a margin and a stock summary ---------- */

/* The margin family's accessors (src/margin.c), called as functions so NULL results come through. */
extern Datum margin_revenue(PG_FUNCTION_ARGS);
extern Datum margin_cost(PG_FUNCTION_ARGS);
extern Datum margin_units(PG_FUNCTION_ARGS);
extern Datum margin_gross_profit(PG_FUNCTION_ARGS);

/* Call a one-argument margin accessor on a margin_summary datum. */
static Datum
margin_call(PGFunction fn, Datum summary, bool *isnull)
{
	LOCAL_FCINFO(fc, 1);
	Datum		result;

	InitFunctionCallInfoData(*fc, NULL, 1, InvalidOid, NULL, NULL);
	fc->args[0].value = summary;
	fc->args[0].isnull = false;
	result = fn(fc);
	*isnull = fc->isnull;
	return result;
}

/*
 * The flow that matches a basis: COGS (cost), net sales (retail) or units sold
 * (units); isnull when the margin summary has no such sum.  Units that were
 * never given to margin_agg are an error, like a missing stock basis.
 */
static Datum
margin_flow(Datum sales, int basis, bool *isnull)
{
	Datum		flow;

	flow = margin_call(basis == B_COST ? margin_cost :
					   basis == B_RETAIL ? margin_revenue : margin_units, sales, isnull);
	if (*isnull && basis == B_UNITS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("margin summary has no units sold for basis \"units\""),
				 errdetail("No row given to margin_agg had non-NULL units."),
				 errhint("Units sold are supplied by the third argument (units) of margin_agg(revenue, cost, units).")));
	return flow;
}

/* flow * den / num with the sign rules of the KPIs: NULL when the average is <= 0. */
PG_FUNCTION_INFO_V1(stock_inventory_turnover);
Datum
stock_inventory_turnover(PG_FUNCTION_ARGS)
{
	StockSummary *s = stock_from_datum(PG_GETARG_DATUM(1));
	int			basis = stock_basis(s, PG_GETARG_TEXT_PP(2));
	int			method = rk_variant(PG_GETARG_TEXT_PP(3), "method", method_names);
	Datum		num,
				den,
				flow;
	bool		isnull;
	double		result;

	flow = margin_flow(PG_GETARG_DATUM(0), basis, &isnull);
	if (isnull)
		PG_RETURN_NULL();
	stock_average(s, basis, method, &num, &den);
	if (rk_numeric_sign(num) <= 0)
		PG_RETURN_NULL();
	if (!rk_numeric_ratio(DirectFunctionCall2(numeric_mul, flow, den), num, &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

/*
 * days_of_inventory = average inventory * period_days / flow.  NULL when the
 * flow is <= 0 or the average is negative; 0 when the average is 0.
 */
PG_FUNCTION_INFO_V1(stock_days_of_inventory);
Datum
stock_days_of_inventory(PG_FUNCTION_ARGS)
{
	StockSummary *s = stock_from_datum(PG_GETARG_DATUM(1));
	Datum		period = PG_GETARG_DATUM(2);
	int			basis = stock_basis(s, PG_GETARG_TEXT_PP(3));
	int			method = rk_variant(PG_GETARG_TEXT_PP(4), "method", method_names);
	Datum		num,
				den,
				flow;
	bool		isnull;
	double		result;

	rk_check_finite_numeric(period, "period_days");
	if (rk_numeric_sign(period) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"period_days\" must be positive"),
				 errdetail("The value given was %s.",
						   DatumGetCString(DirectFunctionCall1(numeric_out, period)))));
	flow = margin_flow(PG_GETARG_DATUM(0), basis, &isnull);
	if (isnull || rk_numeric_sign(flow) <= 0)
		PG_RETURN_NULL();
	stock_average(s, basis, method, &num, &den);
	if (rk_numeric_sign(num) < 0)
		PG_RETURN_NULL();
	if (!rk_numeric_ratio(DirectFunctionCall2(numeric_mul, num, period),
						  DirectFunctionCall2(numeric_mul, den, flow), &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}

/* gmroi = gross profit / average inventory at cost; NULL when the average is <= 0. */
PG_FUNCTION_INFO_V1(stock_gmroi);
Datum
stock_gmroi(PG_FUNCTION_ARGS)
{
	StockSummary *s = stock_from_datum(PG_GETARG_DATUM(1));
	int			method = rk_variant(PG_GETARG_TEXT_PP(2), "method", method_names);
	Datum		num,
				den,
				gp;
	bool		isnull;
	double		result;

	stock_require_basis(s, B_COST);	/* GMROI is at cost: an error for units-only stock */
	gp = margin_call(margin_gross_profit, PG_GETARG_DATUM(0), &isnull);
	if (isnull)
		PG_RETURN_NULL();
	stock_average(s, B_COST, method, &num, &den);
	if (rk_numeric_sign(num) <= 0)
		PG_RETURN_NULL();
	if (!rk_numeric_ratio(DirectFunctionCall2(numeric_mul, gp, den), num, &result))
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}
