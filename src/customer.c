/*
 * src/customer.c
 *		The customer family: customer_summary keeps, per customer (bigint key),
 *		the set of distinct purchase dates and the exact spend, so that member
 *		KPIs (repurchase rate, purchase frequency, spend per customer, new versus
 *		returning customers, active rate, RFM scores, cohort retention) can be
 *		read at any grain from stored summaries.  See docs/customer.md.
 *
 * A purchase occasion is a distinct (customer, purchase date): the summary
 * keeps every customer's dates, so merging partial summaries is exact (the
 * union of two date sets), and recency, first purchase, cohorts and periods of
 * activity all come from the same dates.
 *
 * Flat (stored) form, format version 1:
 *		CustFlat header | entries sorted by customer key (signed, ascending)
 *		entry: int64 key | int128 spend | int16 scale | uint16 pad | int32 ndates |
 *		ndates x int32 dates (DateADT, strictly ascending), padded to a multiple
 *		of 8 (read with memcpy, no alignment assumed)
 * Text form:	(v1,rows=4,-7=3.00@2024-02-01,42=12.50@2024-01-01;2024-01-05)
 * Binary form: version, kind, rows, customer count, then per customer its key,
 *		scale, 128-bit spend, date count and dates.
 *
 * While aggregating, the state is an expanded object (CustExpanded: customers
 * in an array plus an open-addressing hash index on the key) that lives in the
 * aggregate's memory context; it is flattened (sorted) only when the value
 * leaves the aggregate.
 */
#include "retail_kpi.h"
#include "exact_sum.h"

#include <ctype.h>

#include "common/int.h"
#include "datatype/timestamp.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#define CUST_KIND 'c'
/* Customers per summary: the flat value must also fit in 1 GB (MaxAllocSize). */
#define CUST_MAX_CUSTOMERS 50000000
/* Distinct purchase dates per customer: about 100 years of daily purchases. */
#define CUST_MAX_DATES 36600
/* Periods a cohort table may span (3660 days is ten years by day). */
#define CUST_MAX_PERIODS 3660
/* Quantile tiers of rfm_scores. */
#define CUST_MAX_TIERS 100
/* Dates kept inside the customer's slot before an array is allocated. */
#define CUST_INLINE 3

typedef struct CustFlat
{
	int32		vl_len_;
	uint8		version;
	uint8		kind;
	uint16		flags;
	int32		ncustomers;
	int32		pad;
	int64		nrows;
	int64		noccasions;		/* total of the customers' date counts */
	/* entries follow */
} CustFlat;

#define CUST_ENTRY_HDR 32		/* int64 + int128 + int16 + uint16 + int32 */
#define CUST_ENTRY_SIZE(n) TYPEALIGN(8, CUST_ENTRY_HDR + 4 * (Size) (n))

typedef struct CustItem
{
	int64		key;
	ExactSum	spend;
	int32		ndates;
	int32		cap;			/* capacity of ext; 0 while the dates are inline */
	union
	{
		DateADT		inl[CUST_INLINE];
		DateADT    *ext;
	}			d;
	uint32		hash;
} CustItem;

#define CUST_DATES(it) ((it)->cap == 0 ? (it)->d.inl : (it)->d.ext)

typedef struct CustExpanded
{
	ExpandedObjectHeader hdr;
	int64		nrows;
	int64		noccasions;
	int32		ncustomers;
	int32		cap;
	CustItem   *items;
	int32	   *slots;			/* index into items, -1 = empty */
	uint32		nslots;			/* power of two */
	Size		flat_size;
} CustExpanded;

/* One entry of a flat value, decoded. */
typedef struct CustEntry
{
	int64		key;
	ExactSum	spend;
	int32		ndates;
	const char *dates;			/* ndates x int32, unaligned */
} CustEntry;

static Size cust_get_flat_size(ExpandedObjectHeader *eohptr);
static void cust_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods cust_methods = {
	cust_get_flat_size,
	cust_flatten_into
};

/* Date i of a decoded entry. */
static inline DateADT
cust_entry_date(const CustEntry *en, int i)
{
	DateADT		d;

	memcpy(&d, en->dates + 4 * (Size) i, 4);
	return d;
}

/* First and last accepted purchase dates: 0001-01-01 and 9999-12-31. */
static inline DateADT
cust_min_date(void)
{
	return date2j(1, 1, 1) - POSTGRES_EPOCH_JDATE;
}

static inline DateADT
cust_max_date(void)
{
	return date2j(9999, 12, 31) - POSTGRES_EPOCH_JDATE;
}

/* ---------- the expanded form ---------- */

/* A new, empty expanded summary in its own context under parent. */
static CustExpanded *
cust_new(MemoryContext parent)
{
	MemoryContext ctx = AllocSetContextCreate(parent, "customer_summary", ALLOCSET_DEFAULT_SIZES);
	CustExpanded *e = MemoryContextAllocZero(ctx, sizeof(CustExpanded));
	int			i;

	EOH_init_header(&e->hdr, &cust_methods, ctx);
	e->cap = 64;
	e->items = MemoryContextAlloc(ctx, sizeof(CustItem) * e->cap);
	e->nslots = 128;
	e->slots = MemoryContextAlloc(ctx, sizeof(int32) * e->nslots);
	for (i = 0; i < (int) e->nslots; i++)
		e->slots[i] = -1;
	e->flat_size = sizeof(CustFlat);
	return e;
}

/* A 32-bit hash of a 64-bit key (the splitmix64 finalizer). */
static inline uint32
cust_hash(int64 key)
{
	uint64		h = (uint64) key;

	h ^= h >> 30;
	h *= UINT64CONST(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64CONST(0x94d049bb133111eb);
	h ^= h >> 31;
	return (uint32) h;
}

/* Double the hash index and re-insert every customer. */
static void
cust_grow_slots(CustExpanded *e)
{
	uint32		n = e->nslots * 2;
	int32	   *slots = MemoryContextAllocHuge(e->hdr.eoh_context, sizeof(int32) * (Size) n);
	uint32		i;

	for (i = 0; i < n; i++)
		slots[i] = -1;
	for (i = 0; i < (uint32) e->ncustomers; i++)
	{
		uint32		h = e->items[i].hash & (n - 1);

		while (slots[h] >= 0)
			h = (h + 1) & (n - 1);
		slots[h] = i;
	}
	pfree(e->slots);
	e->slots = slots;
	e->nslots = n;
}

/* Raise 54000: the summary would exceed its size limits. */
static void
cust_too_big(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("customer_summary cannot hold more customers"),
			 errdetail("A summary holds at most %d customers and 1 GB of keys, spends and purchase dates.",
					   CUST_MAX_CUSTOMERS),
			 errhint("Summarize fewer customers per summary (a finer group key) or a shorter window.")));
}

/*
 * The customer's slot, inserting a new customer (no dates, no spend) when it
 * is not there yet.  *is_new tells which happened.
 */
static CustItem *
cust_lookup(CustExpanded *e, int64 key, bool *is_new)
{
	uint32		hash = cust_hash(key);
	uint32		h = hash & (e->nslots - 1);
	CustItem   *it;

	while (e->slots[h] >= 0)
	{
		it = &e->items[e->slots[h]];
		if (it->key == key)
		{
			*is_new = false;
			return it;
		}
		h = (h + 1) & (e->nslots - 1);
	}
	if (e->ncustomers >= CUST_MAX_CUSTOMERS ||
		e->flat_size + CUST_ENTRY_SIZE(0) > MaxAllocSize)
		cust_too_big();
	if (e->ncustomers == e->cap)
	{
		e->cap *= 2;
		e->items = repalloc_huge(e->items, sizeof(CustItem) * (Size) e->cap);
	}
	it = &e->items[e->ncustomers];
	memset(it, 0, sizeof(CustItem));
	it->key = key;
	it->hash = hash;
	e->slots[h] = e->ncustomers;
	e->ncustomers++;
	e->flat_size += CUST_ENTRY_SIZE(0);
	if ((uint32) e->ncustomers * 2 > e->nslots)
		cust_grow_slots(e);
	*is_new = true;
	return it;
}

/*
 * Add a purchase date to a customer's date set (kept sorted); false when the
 * date was there already.  54000 beyond CUST_MAX_DATES dates per customer.
 */
static bool
cust_add_date(CustExpanded *e, CustItem *it, DateADT d)
{
	DateADT    *dates = CUST_DATES(it);
	int			n = it->ndates;
	int			pos;
	Size		grow;

	if (n == 0 || d > dates[n - 1])
		pos = n;
	else
	{
		int			lo = 0,
					hi = n - 1;

		/* first position whose date is >= d (dates[n - 1] >= d) */
		while (lo < hi)
		{
			int			mid = lo + (hi - lo) / 2;

			if (dates[mid] < d)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (dates[lo] == d)
			return false;
		pos = lo;
	}
	if (n >= CUST_MAX_DATES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("customer_summary cannot hold more purchase dates for customer " INT64_FORMAT,
						it->key),
				 errdetail("A summary holds at most %d distinct purchase dates per customer.",
						   CUST_MAX_DATES),
				 errhint("Summarize a shorter window.")));
	grow = CUST_ENTRY_SIZE(n + 1) - CUST_ENTRY_SIZE(n);
	if (e->flat_size + grow > MaxAllocSize)
		cust_too_big();
	if (it->cap == 0 && n + 1 > CUST_INLINE)
	{
		DateADT		tmp[CUST_INLINE];
		DateADT    *ext;

		memcpy(tmp, it->d.inl, sizeof(tmp));
		ext = MemoryContextAlloc(e->hdr.eoh_context, sizeof(DateADT) * 8);
		memcpy(ext, tmp, sizeof(DateADT) * n);
		it->d.ext = ext;
		it->cap = 8;
	}
	else if (it->cap > 0 && n + 1 > it->cap)
	{
		it->cap = Min(it->cap * 2, CUST_MAX_DATES);
		it->d.ext = repalloc(it->d.ext, sizeof(DateADT) * it->cap);
	}
	dates = CUST_DATES(it);
	if (pos < n)
		memmove(&dates[pos + 1], &dates[pos], sizeof(DateADT) * (n - pos));
	dates[pos] = d;
	it->ndates++;
	e->noccasions++;
	e->flat_size += grow;
	return true;
}

/* Add spend (value * 10^-scale) to a customer's exact spend; 22003 beyond 128 bits. */
static void
cust_add_spend(CustItem *it, int128 value, int scale)
{
	if (!exact_sum_add_inline(&it->spend, value, scale))
		exact_sum_overflow_error("spend");
}

/* Customer order of the flat form: key ascending. */
static int
cust_item_ptr_cmp(const void *pa, const void *pb)
{
	const CustItem *a = *(const CustItem *const *) pa;
	const CustItem *b = *(const CustItem *const *) pb;

	return (a->key > b->key) - (a->key < b->key);
}

static Size
cust_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return ((CustExpanded *) eohptr)->flat_size;
}

/* Write the sorted flat form into result (allocated_size bytes, zeroed here). */
static void
cust_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	CustExpanded *e = (CustExpanded *) eohptr;
	CustFlat   *f = (CustFlat *) result;
	CustItem  **order;
	char	   *p;
	int			i;

	Assert(allocated_size == e->flat_size);
	memset(result, 0, allocated_size);
	SET_VARSIZE(f, allocated_size);
	f->version = RK_FORMAT_VERSION;
	f->kind = CUST_KIND;
	f->ncustomers = e->ncustomers;
	f->nrows = e->nrows;
	f->noccasions = e->noccasions;
	order = palloc(sizeof(CustItem *) * Max(e->ncustomers, 1));
	for (i = 0; i < e->ncustomers; i++)
		order[i] = &e->items[i];
	qsort(order, e->ncustomers, sizeof(CustItem *), cust_item_ptr_cmp);
	p = (char *) result + sizeof(CustFlat);
	for (i = 0; i < e->ncustomers; i++)
	{
		const CustItem *it = order[i];
		int16		scale = it->spend.scale;

		memcpy(p, &it->key, 8);
		memcpy(p + 8, &it->spend.fast, 16);
		memcpy(p + 24, &scale, 2);
		memcpy(p + 28, &it->ndates, 4);
		memcpy(p + CUST_ENTRY_HDR, CUST_DATES(it), 4 * (Size) it->ndates);
		p += CUST_ENTRY_SIZE(it->ndates);
	}
	pfree(order);
}

/* A flat copy of the expanded summary, in CurrentMemoryContext. */
static CustFlat *
cust_flatten(CustExpanded *e)
{
	Size		size = EOH_get_flat_size(&e->hdr);
	void	   *f = palloc(size);

	EOH_flatten_into(&e->hdr, f, size);
	return (CustFlat *) f;
}

/* ---------- the flat form: validation and decoding ---------- */

static void
cust_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("corrupt customer_summary value"),
			 errdetail("%s", detail)));
}

/*
 * Detoast (flattening an expanded value) and validate a stored summary; decode
 * its entries into *entries when asked.
 */
static CustFlat *
cust_read(Datum d, CustEntry **entries)
{
	CustFlat   *f = (CustFlat *) PG_DETOAST_DATUM(d);
	Size		size = VARSIZE(f);
	const char *p;
	const char *end;
	CustEntry  *out;
	DateADT		mind = cust_min_date();
	DateADT		maxd = cust_max_date();
	int64		total = 0;
	int			i;

	if (size < sizeof(CustFlat))
		cust_corrupt("The value is shorter than its header.");
	if (f->version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("unsupported customer_summary format version %d", f->version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	if (f->kind != CUST_KIND || f->flags != 0 || f->pad != 0 || f->ncustomers < 0 ||
		f->ncustomers > CUST_MAX_CUSTOMERS || f->noccasions < f->ncustomers ||
		f->nrows < f->noccasions)
		cust_corrupt("The header does not describe a customer_summary.");
	out = palloc(sizeof(CustEntry) * Max(f->ncustomers, 1));
	p = (const char *) f + sizeof(CustFlat);
	end = (const char *) f + size;
	for (i = 0; i < f->ncustomers; i++)
	{
		int64		key;
		int128		fast;
		int16		scale;
		int32		n;
		DateADT		prev = 0;
		int			j;

		if (end - p < CUST_ENTRY_HDR)
			cust_corrupt("A customer entry is truncated.");
		memcpy(&key, p, 8);
		memcpy(&fast, p + 8, 16);
		memcpy(&scale, p + 24, 2);
		memcpy(&n, p + 28, 4);
		if (scale < 0 || scale > RK_MAX_SCALE || p[26] != 0 || p[27] != 0 ||
			n < 1 || n > CUST_MAX_DATES || (Size) (end - p) < CUST_ENTRY_SIZE(n))
			cust_corrupt("A customer entry has an invalid scale or date count.");
		if (i > 0 && out[i - 1].key >= key)
			cust_corrupt("The customers are not in strictly ascending order.");
		out[i].key = key;
		memset(&out[i].spend, 0, sizeof(ExactSum));
		out[i].spend.fast = fast;
		out[i].spend.scale = scale;
		out[i].spend.has_value = 1;
		out[i].ndates = n;
		out[i].dates = p + CUST_ENTRY_HDR;
		for (j = 0; j < n; j++)
		{
			DateADT		dt = cust_entry_date(&out[i], j);

			if (dt < mind || dt > maxd || (j > 0 && dt <= prev))
				cust_corrupt("A customer's purchase dates are out of range or not strictly ascending.");
			prev = dt;
		}
		total += n;
		p += CUST_ENTRY_SIZE(n);
	}
	if (p != end)
		cust_corrupt("The value's length does not match its customers.");
	if (total != f->noccasions)
		cust_corrupt("The occasion count does not match the customers' dates.");
	if (entries != NULL)
		*entries = out;
	else
		pfree(out);
	return f;
}

/* Add one customer's spend and dates (from a flat entry or an expanded item) to e. */
static void
cust_merge_customer(CustExpanded *e, int64 key, const ExactSum *spend, int n,
					const DateADT *dates, const CustEntry *en)
{
	bool		is_new;
	CustItem   *it = cust_lookup(e, key, &is_new);
	int			j;

	if (!exact_sum_add_scaled(&it->spend, spend->fast, spend->scale))
		exact_sum_overflow_error("spend");
	for (j = 0; j < n; j++)
		cust_add_date(e, it, dates != NULL ? dates[j] : cust_entry_date(en, j));
}

/* Merge a summary datum (flat, or expanded of this type) into e. */
static void
cust_merge_datum(CustExpanded *e, Datum d)
{
	CustEntry  *entries;
	CustFlat   *f;
	int64		nrows;
	int			i;

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		CustExpanded *b = (CustExpanded *) DatumGetEOHP(d);

		if (b->hdr.eoh_methods != &cust_methods)
			elog(ERROR, "expanded value is not a customer_summary");
		for (i = 0; i < b->ncustomers; i++)
		{
			cust_merge_customer(e, b->items[i].key, &b->items[i].spend, b->items[i].ndates,
								CUST_DATES(&b->items[i]), NULL);
			CHECK_FOR_INTERRUPTS();
		}
		nrows = b->nrows;
	}
	else
	{
		f = cust_read(d, &entries);
		for (i = 0; i < f->ncustomers; i++)
		{
			cust_merge_customer(e, entries[i].key, &entries[i].spend, entries[i].ndates, NULL,
								&entries[i]);
			CHECK_FOR_INTERRUPTS();
		}
		nrows = f->nrows;
	}
	if (pg_add_s64_overflow(e->nrows, nrows, &e->nrows))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count of customer_summary is out of range")));
}

/*
 * The state a transition or combine function updates (rk_expanded_state): in an
 * aggregate, its own read-write expanded state, or a new one in the aggregate
 * context (from arg 0 when that is flat); outside an aggregate, a new expanded
 * copy in CurrentMemoryContext.  *in_agg tells which.
 */
static CustExpanded *
cust_state(FunctionCallInfo fcinfo, bool *in_agg)
{
	MemoryContext ctx;
	CustExpanded *e = (CustExpanded *) rk_expanded_state(fcinfo, &cust_methods, "customer_summary", &ctx, in_agg);

	if (e == NULL)
	{
		e = cust_new(ctx);
		if (!PG_ARGISNULL(0))
			cust_merge_datum(e, PG_GETARG_DATUM(0));
	}
	return e;
}

/* Return the state: the expanded object itself in an aggregate, else a flat value. */
static Datum
cust_return(CustExpanded *e, bool in_agg)
{
	if (in_agg)
		return EOHPGetRWDatum(&e->hdr);
	return PointerGetDatum(cust_flatten(e));
}

/* ---------- text and binary forms ---------- */

static void
cust_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type customer_summary: \"%s\"", str),
			 errdetail("%s", detail)));
}

/* Append a date as YYYY-MM-DD (independent of DateStyle). */
static void
cust_append_date(StringInfo buf, DateADT d)
{
	int			y,
				m,
				dd;

	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &dd);
	appendStringInfo(buf, "%04d-%02d-%02d", y, m, dd);
}

/* Parse YYYY-MM-DD at p (exactly 10 characters) into *d; false when it is not a valid date. */
static bool
cust_parse_date(const char *p, DateADT *d)
{
	int			y,
				m,
				dd,
				i,
				yy,
				mm,
				ddd;

	for (i = 0; i < 10; i++)
	{
		if (i == 4 || i == 7)
		{
			if (p[i] != '-')
				return false;
		}
		else if (!isdigit((unsigned char) p[i]))
			return false;
	}
	y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
	m = (p[5] - '0') * 10 + (p[6] - '0');
	dd = (p[8] - '0') * 10 + (p[9] - '0');
	if (y < 1 || m < 1 || m > 12 || dd < 1 || dd > 31)
		return false;
	*d = date2j(y, m, dd) - POSTGRES_EPOCH_JDATE;
	j2date(*d + POSTGRES_EPOCH_JDATE, &yy, &mm, &ddd);
	return yy == y && mm == m && ddd == dd;
}

/* Text output: (v1,rows=N,key=spend@date;date,...) with customers by key ascending. */
PG_FUNCTION_INFO_V1(customer_summary_out);
Datum
customer_summary_out(PG_FUNCTION_ARGS)
{
	CustEntry  *entries;
	CustFlat   *f = cust_read(PG_GETARG_DATUM(0), &entries);
	StringInfoData buf;
	int			i,
				j;

	initStringInfo(&buf);
	appendStringInfo(&buf, "(v%d,rows=" INT64_FORMAT, f->version, f->nrows);
	for (i = 0; i < f->ncustomers; i++)
	{
		appendStringInfo(&buf, "," INT64_FORMAT "=", entries[i].key);
		append_scaled_decimal(&buf, entries[i].spend.fast, entries[i].spend.scale);
		for (j = 0; j < entries[i].ndates; j++)
		{
			appendStringInfoChar(&buf, j == 0 ? '@' : ';');
			cust_append_date(&buf, cust_entry_date(&entries[i], j));
		}
		CHECK_FOR_INTERRUPTS();
	}
	appendStringInfoChar(&buf, ')');
	PG_RETURN_CSTRING(buf.data);
}

/* Text input: customers in any order, each once, dates in any order, each once; stored sorted. */
PG_FUNCTION_INFO_V1(customer_summary_in);
Datum
customer_summary_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	CustExpanded *e = cust_new(CurrentMemoryContext);
	char	   *end;
	long		version;
	int64		rows;
	DateADT		mind = cust_min_date();
	DateADT		maxd = cust_max_date();

	while (isspace((unsigned char) *p))
		p++;
	if (strncmp(p, "(v", 2) != 0 || !isdigit((unsigned char) p[2]))
		cust_syntax_error(str, "A summary starts with \"(v\" and its format version.");
	errno = 0;
	version = strtol(p + 2, &end, 10);
	if (errno != 0 || version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported customer_summary format version %ld", version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	p = end;
	if (strncmp(p, ",rows=", 6) != 0 || !isdigit((unsigned char) p[6]))
		cust_syntax_error(str, "Expected field \"rows\" with a non-negative integer.");
	errno = 0;
	rows = strtoi64(p + 6, &end, 10);
	if (errno != 0 || rows < 0)
		cust_syntax_error(str, "The row count must be a non-negative integer.");
	e->nrows = rows;
	p = end;
	while (*p == ',')
	{
		const char *v;
		int64		key;
		bool		is_new;
		CustItem   *it;
		int128		value = 0;
		int			scale = 0;

		p++;
		if (!(isdigit((unsigned char) *p) || (*p == '-' && isdigit((unsigned char) p[1]))))
			cust_syntax_error(str, "A customer key must be an integer.");
		errno = 0;
		key = strtoi64(p, &end, 10);
		if (errno != 0)
			cust_syntax_error(str, "A customer key is out of range for type bigint.");
		p = end;
		if (*p != '=')
			cust_syntax_error(str, "Expected \"=\" and the spend after a customer key.");
		p++;
		v = p;
		while (*p != '\0' && *p != '@' && *p != ',' && *p != ')')
			p++;
		switch (parse_exact_decimal(v, p - v, &value, &scale))
		{
			case DECIMAL_SYNTAX:
				cust_syntax_error(str, psprintf("The spend of customer " INT64_FORMAT " is not a decimal number.", key));
				break;
			case DECIMAL_RANGE:
				exact_sum_overflow_error("spend");
				break;
			case DECIMAL_OK:
				break;
		}
		if (*p != '@')
			cust_syntax_error(str, psprintf("Customer " INT64_FORMAT " has no purchase dates (expected \"@\").", key));
		it = cust_lookup(e, key, &is_new);
		if (!is_new)
			cust_syntax_error(str, psprintf("Customer " INT64_FORMAT " appears more than once.", key));
		cust_add_spend(it, value, scale);
		do
		{
			DateADT		d;

			p++;
			if (strnlen(p, 10) < 10 || !cust_parse_date(p, &d))
				cust_syntax_error(str, psprintf("A purchase date of customer " INT64_FORMAT " is not a valid date of the form YYYY-MM-DD.", key));
			if (d < mind || d > maxd)
				cust_syntax_error(str, "Purchase dates must be between 0001-01-01 and 9999-12-31.");
			if (!cust_add_date(e, it, d))
				cust_syntax_error(str, psprintf("A purchase date of customer " INT64_FORMAT " appears more than once.", key));
			p += 10;
		} while (*p == ';');
		CHECK_FOR_INTERRUPTS();
	}
	if (*p != ')')
		cust_syntax_error(str, "Expected \")\" after the last customer.");
	p++;
	while (isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		cust_syntax_error(str, "Unexpected text after the summary.");
	if (e->nrows < e->noccasions)
		cust_syntax_error(str, "The row count is smaller than the number of purchase occasions.");
	PG_RETURN_POINTER(cust_flatten(e));
}

/* Binary output: version, kind, rows, customer count, then key, scale, spend, dates per customer. */
PG_FUNCTION_INFO_V1(customer_summary_send);
Datum
customer_summary_send(PG_FUNCTION_ARGS)
{
	CustEntry  *entries;
	CustFlat   *f = cust_read(PG_GETARG_DATUM(0), &entries);
	StringInfoData buf;
	int			i,
				j;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, f->version);
	pq_sendbyte(&buf, f->kind);
	pq_sendint64(&buf, f->nrows);
	pq_sendint32(&buf, f->ncustomers);
	for (i = 0; i < f->ncustomers; i++)
	{
		uint128		u = (uint128) entries[i].spend.fast;

		pq_sendint64(&buf, entries[i].key);
		pq_sendint16(&buf, entries[i].spend.scale);
		pq_sendint64(&buf, (int64) (u >> 64));
		pq_sendint64(&buf, (int64) (uint64) u);
		pq_sendint32(&buf, entries[i].ndates);
		for (j = 0; j < entries[i].ndates; j++)
			pq_sendint32(&buf, cust_entry_date(&entries[i], j));
		CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Fail with 22000 unless n more bytes are left in buf. */
static void
cust_need_bytes(StringInfo buf, int64 n)
{
	if (n < 0 || buf->len - buf->cursor < n)
		cust_corrupt("The binary value is truncated.");
}

/* Binary input: validated field by field (22000). */
PG_FUNCTION_INFO_V1(customer_summary_recv);
Datum
customer_summary_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	CustExpanded *e = cust_new(CurrentMemoryContext);
	DateADT		mind = cust_min_date();
	DateADT		maxd = cust_max_date();
	int			version;
	int32		ncustomers;
	int			i,
				j;

	cust_need_bytes(buf, 1 + 1 + 8 + 4);
	version = pq_getmsgbyte(buf);
	if (version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("unsupported customer_summary format version %d", version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	if (pq_getmsgbyte(buf) != CUST_KIND)
		cust_corrupt("The binary header does not describe a customer_summary.");
	e->nrows = pq_getmsgint64(buf);
	ncustomers = pq_getmsgint(buf, 4);
	if (e->nrows < 0 || ncustomers < 0 || ncustomers > e->nrows)
		cust_corrupt("The row or customer count is invalid.");
	for (i = 0; i < ncustomers; i++)
	{
		int64		key;
		int16		scale;
		uint64		hi,
					lo;
		int32		n;
		bool		is_new;
		CustItem   *it;

		cust_need_bytes(buf, 8 + 2 + 16 + 4);
		key = pq_getmsgint64(buf);
		scale = (int16) pq_getmsgint(buf, 2);
		hi = (uint64) pq_getmsgint64(buf);
		lo = (uint64) pq_getmsgint64(buf);
		n = pq_getmsgint(buf, 4);
		if (scale < 0 || scale > RK_MAX_SCALE)
			cust_corrupt("A customer's spend has an invalid scale.");
		if (n < 1 || n > CUST_MAX_DATES)
			cust_corrupt("A customer's date count is invalid.");
		cust_need_bytes(buf, 4 * (int64) n);
		it = cust_lookup(e, key, &is_new);
		if (!is_new)
			cust_corrupt("A customer appears more than once.");
		it->spend.fast = (int128) (((uint128) hi << 64) | lo);
		it->spend.scale = scale;
		it->spend.has_value = 1;
		for (j = 0; j < n; j++)
		{
			DateADT		d = (DateADT) pq_getmsgint(buf, 4);

			if (d < mind || d > maxd)
				cust_corrupt("A purchase date is out of range.");
			if (!cust_add_date(e, it, d))
				cust_corrupt("A purchase date appears more than once for one customer.");
		}
		CHECK_FOR_INTERRUPTS();
	}
	if (buf->cursor != buf->len)
		cust_corrupt("The binary value has trailing bytes.");
	if (e->nrows < e->noccasions)
		cust_corrupt("The row count is smaller than the number of purchase occasions.");
	PG_RETURN_POINTER(cust_flatten(e));
}

/* ---------- aggregate support ---------- */

/* Raise 22023 unless d is a purchase date in the accepted range. */
static void
cust_check_date(DateADT d, const char *argname)
{
	if (DATE_NOT_FINITE(d) || d < cust_min_date() || d > cust_max_date())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must be a date between 0001-01-01 and 9999-12-31", argname),
				 errdetail("The value given was %s.",
						   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(d))))));
}

/*
 * customer_agg(customer, purchase_date, spend) transition: adds the date to
 * the customer's date set and spend to its exact spend; a row with a NULL
 * argument is skipped.
 */
PG_FUNCTION_INFO_V1(customer_agg_trans);
Datum
customer_agg_trans(PG_FUNCTION_ARGS)
{
	CustExpanded *e;
	bool		in_agg;
	bool		is_new;
	CustItem   *it;
	DateADT		d;
	int128		value;
	int			scale;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	d = PG_GETARG_DATEADT(2);
	cust_check_date(d, "purchase_date");
	rk_check_finite_numeric(PG_GETARG_DATUM(3), "spend");
	if (!numeric_to_scaled_inline(PG_GETARG_DATUM(3), &value, &scale))
		exact_sum_overflow_error("spend");
	e = cust_state(fcinfo, &in_agg);
	it = cust_lookup(e, PG_GETARG_INT64(1), &is_new);
	cust_add_spend(it, value, scale);
	cust_add_date(e, it, d);
	e->nrows++;
	return cust_return(e, in_agg);
}

/* Merge two summaries (combine function and transition of rollup); NULLs are skipped. */
PG_FUNCTION_INFO_V1(customer_summary_combine);
Datum
customer_summary_combine(PG_FUNCTION_ARGS)
{
	CustExpanded *e;
	bool		in_agg;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	e = cust_state(fcinfo, &in_agg);
	cust_merge_datum(e, PG_GETARG_DATUM(1));
	return cust_return(e, in_agg);
}

/* ---------- accessors ---------- */

/* Number of rows the summary was built from. */
PG_FUNCTION_INFO_V1(customer_row_count);
Datum
customer_row_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(cust_read(PG_GETARG_DATUM(0), NULL)->nrows);
}

/* Number of distinct customers. */
PG_FUNCTION_INFO_V1(customer_count);
Datum
customer_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(cust_read(PG_GETARG_DATUM(0), NULL)->ncustomers);
}

/* Number of purchase occasions (distinct customer and date pairs). */
PG_FUNCTION_INFO_V1(customer_purchase_occasions);
Datum
customer_purchase_occasions(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(cust_read(PG_GETARG_DATUM(0), NULL)->noccasions);
}

/* Customers with two or more occasions / customers; NULL without customers. */
PG_FUNCTION_INFO_V1(customer_repurchase_rate);
Datum
customer_repurchase_rate(PG_FUNCTION_ARGS)
{
	CustEntry  *entries;
	CustFlat   *f = cust_read(PG_GETARG_DATUM(0), &entries);
	int64		repeat = 0;
	int			i;

	if (f->ncustomers == 0)
		PG_RETURN_NULL();
	for (i = 0; i < f->ncustomers; i++)
		repeat += entries[i].ndates >= 2;
	PG_RETURN_FLOAT8((double) repeat / (double) f->ncustomers);
}

/* Occasions / customers; NULL without customers. */
PG_FUNCTION_INFO_V1(customer_purchase_frequency);
Datum
customer_purchase_frequency(PG_FUNCTION_ARGS)
{
	CustFlat   *f = cust_read(PG_GETARG_DATUM(0), NULL);

	if (f->ncustomers == 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) f->noccasions / (double) f->ncustomers);
}

/* Exact total of the customers' spends as numeric (128-bit while it fits, numeric after). */
static Datum
cust_total_spend(const CustFlat *f, const CustEntry *entries)
{
	ExactSum	total;
	Datum		num = (Datum) 0;
	bool		use_numeric = false;
	int			i;

	memset(&total, 0, sizeof(total));
	for (i = 0; i < f->ncustomers; i++)
	{
		if (!use_numeric)
		{
			if (exact_sum_add_sum(&total, &entries[i].spend))
				continue;
			use_numeric = true;
			num = exact_sum_fast_numeric(&total);
		}
		num = DirectFunctionCall2(numeric_add, num, exact_sum_fast_numeric(&entries[i].spend));
		CHECK_FOR_INTERRUPTS();
	}
	return use_numeric ? num : exact_sum_fast_numeric(&total);
}

/* Exact total spend; NULL without customers. */
PG_FUNCTION_INFO_V1(customer_total_spend);
Datum
customer_total_spend(PG_FUNCTION_ARGS)
{
	CustEntry  *entries;
	CustFlat   *f = cust_read(PG_GETARG_DATUM(0), &entries);

	if (f->ncustomers == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(cust_total_spend(f, entries));
}

/* Total spend / customers (numeric division, as sum(spend) / count(DISTINCT customer)). */
PG_FUNCTION_INFO_V1(customer_spend_per_customer);
Datum
customer_spend_per_customer(PG_FUNCTION_ARGS)
{
	CustEntry  *entries;
	CustFlat   *f = cust_read(PG_GETARG_DATUM(0), &entries);

	if (f->ncustomers == 0)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div, cust_total_spend(f, entries),
										DirectFunctionCall1(int8_numeric,
															Int64GetDatum(f->ncustomers))));
}

/* The earliest (first = true) or latest purchase date of the summary; NULL without customers. */
static Datum
cust_bound_date(FunctionCallInfo fcinfo, bool first)
{
	CustEntry  *entries;
	CustFlat   *f = cust_read(PG_GETARG_DATUM(0), &entries);
	DateADT		best = 0;
	int			i;

	if (f->ncustomers == 0)
		PG_RETURN_NULL();
	for (i = 0; i < f->ncustomers; i++)
	{
		DateADT		d = cust_entry_date(&entries[i], first ? 0 : entries[i].ndates - 1);

		if (i == 0 || (first ? d < best : d > best))
			best = d;
	}
	PG_RETURN_DATEADT(best);
}

/* The summary's first purchase date. */
PG_FUNCTION_INFO_V1(customer_first_purchase_date);
Datum
customer_first_purchase_date(PG_FUNCTION_ARGS)
{
	return cust_bound_date(fcinfo, true);
}

/* The summary's last purchase date. */
PG_FUNCTION_INFO_V1(customer_last_purchase_date);
Datum
customer_last_purchase_date(PG_FUNCTION_ARGS)
{
	return cust_bound_date(fcinfo, false);
}

/* customer_list(s): one row per customer (key, occasions, spend, first and last purchase). */
PG_FUNCTION_INFO_V1(customer_list);
Datum
customer_list(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CustEntry  *entries;
	CustFlat   *f;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	f = cust_read(PG_GETARG_DATUM(0), &entries);
	for (i = 0; i < f->ncustomers; i++)
	{
		Datum		values[5];
		bool		nulls[5] = {false, false, false, false, false};

		values[0] = Int64GetDatum(entries[i].key);
		values[1] = Int32GetDatum(entries[i].ndates);
		values[2] = exact_sum_fast_numeric(&entries[i].spend);
		values[3] = DateADTGetDatum(cust_entry_date(&entries[i], 0));
		values[4] = DateADTGetDatum(cust_entry_date(&entries[i], entries[i].ndates - 1));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}

/* active_rate(s, member_base): customers / member_base; NULL when member_base <= 0. */
PG_FUNCTION_INFO_V1(customer_active_rate);
Datum
customer_active_rate(PG_FUNCTION_ARGS)
{
	CustFlat   *f = cust_read(PG_GETARG_DATUM(0), NULL);
	int64		base = PG_GETARG_INT64(1);

	if (base <= 0)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8((double) f->ncustomers / (double) base);
}

/* ---------- current versus prior period ---------- */

typedef enum CustCompare
{
	CUST_NEW,					/* in current, not in prior */
	CUST_RETURNING,				/* in current and in prior */
	CUST_LOST					/* in prior, not in current */
} CustCompare;

/*
 * Count customers of current and prior (either may be NULL: no customers;
 * both NULL gives NULL) by a merge of the two sorted key lists.
 */
static Datum
cust_compare(FunctionCallInfo fcinfo, CustCompare what)
{
	CustEntry  *a = NULL;
	CustEntry  *b = NULL;
	int			na = 0,
				nb = 0,
				i = 0,
				j = 0;
	int64		only_a = 0,
				both = 0,
				only_b = 0;

	if (PG_ARGISNULL(0) && PG_ARGISNULL(1))
		PG_RETURN_NULL();
	if (!PG_ARGISNULL(0))
		na = cust_read(PG_GETARG_DATUM(0), &a)->ncustomers;
	if (!PG_ARGISNULL(1))
		nb = cust_read(PG_GETARG_DATUM(1), &b)->ncustomers;
	while (i < na || j < nb)
	{
		if (j >= nb || (i < na && a[i].key < b[j].key))
		{
			only_a++;
			i++;
		}
		else if (i >= na || b[j].key < a[i].key)
		{
			only_b++;
			j++;
		}
		else
		{
			both++;
			i++;
			j++;
		}
		if (((i + j) & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
	}
	PG_RETURN_INT64(what == CUST_NEW ? only_a : (what == CUST_RETURNING ? both : only_b));
}

/* Customers of current absent from prior. */
PG_FUNCTION_INFO_V1(customer_new_customers);
Datum
customer_new_customers(PG_FUNCTION_ARGS)
{
	return cust_compare(fcinfo, CUST_NEW);
}

/* Customers of current present in prior. */
PG_FUNCTION_INFO_V1(customer_returning_customers);
Datum
customer_returning_customers(PG_FUNCTION_ARGS)
{
	return cust_compare(fcinfo, CUST_RETURNING);
}

/* Customers of prior absent from current. */
PG_FUNCTION_INFO_V1(customer_lost_customers);
Datum
customer_lost_customers(PG_FUNCTION_ARGS)
{
	return cust_compare(fcinfo, CUST_LOST);
}

/* ---------- RFM ---------- */

typedef struct RfmRow
{
	int64		key;
	int32		recency;
	int32		frequency;
	int128		mnorm;			/* spend at the common scale (when fits) */
	Datum		mnum;			/* spend as numeric */
	int			score[3];
} RfmRow;

typedef struct RfmSortArg
{
	int			dim;			/* 0 recency, 1 frequency, 2 monetary */
	bool		use_numeric;
} RfmSortArg;

/* How a is compared with b on one dimension, worst first (1 = a is better). */
static int
rfm_value_cmp(const RfmRow *a, const RfmRow *b, const RfmSortArg *arg)
{
	switch (arg->dim)
	{
		case 0:
			/* more days since the last purchase is worse */
			return (a->recency < b->recency) - (a->recency > b->recency);
		case 1:
			return (a->frequency > b->frequency) - (a->frequency < b->frequency);
		default:
			if (!arg->use_numeric)
				return (a->mnorm > b->mnorm) - (a->mnorm < b->mnorm);
			return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a->mnum, b->mnum));
	}
}

/* Worst first, ties by customer key ascending. */
static int
rfm_sort_cmp(const void *pa, const void *pb, void *parg)
{
	const RfmRow *a = *(const RfmRow *const *) pa;
	const RfmRow *b = *(const RfmRow *const *) pb;
	int			c = rfm_value_cmp(a, b, (const RfmSortArg *) parg);

	if (c != 0)
		return c;
	return (a->key > b->key) - (a->key < b->key);
}

/*
 * Score one dimension: order the customers worst first (ties by key), then
 * 'ntile': the n customers are dealt into tiers groups as ntile(tiers) does
 * (sizes differ by at most one, larger groups first); 'rank': score =
 * 1 + floor(tiers * (rank - 1) / n) with rank the 1-based rank of the
 * customer's value (ties share the rank of the first of them, hence a score).
 */
static void
rfm_score_dimension(RfmRow **order, int n, int tiers, bool rank_method, RfmSortArg *arg)
{
	int64		q = n / tiers;
	int64		r = n % tiers;
	int			i;
	int			rank = 1;

	qsort_arg(order, n, sizeof(RfmRow *), rfm_sort_cmp, arg);
	for (i = 0; i < n; i++)
	{
		int			score;

		if (rank_method)
		{
			if (i > 0 && rfm_value_cmp(order[i - 1], order[i], arg) != 0)
				rank = i + 1;
			score = 1 + (int) (((int64) tiers * (rank - 1)) / n);
		}
		else if (i < r * (q + 1))
			score = (int) (i / (q + 1)) + 1;
		else
			score = (int) (r + (i - r * (q + 1)) / q) + 1;
		order[i]->score[arg->dim] = score;
		CHECK_FOR_INTERRUPTS();
	}
}

static const char *const rfm_methods[] = {"ntile", "rank", NULL};

/*
 * rfm_scores(s, as_of, tiers, method): per customer recency (days from the
 * last purchase to as_of), frequency (purchase occasions), monetary (spend)
 * and their scores 1..tiers, tiers being best.
 */
PG_FUNCTION_INFO_V1(customer_rfm_scores);
Datum
customer_rfm_scores(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	DateADT		as_of = PG_GETARG_DATEADT(1);
	int32		tiers = PG_GETARG_INT32(2);
	int			method = rk_variant(PG_GETARG_TEXT_PP(3), "method", rfm_methods);
	CustEntry  *entries;
	CustFlat   *f;
	RfmRow	   *rows;
	RfmRow	  **order;
	RfmSortArg	arg;
	int			max_scale = 0;
	int			i,
				dim;

	if (tiers < 1 || tiers > CUST_MAX_TIERS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"tiers\" must be between 1 and %d", CUST_MAX_TIERS),
				 errdetail("The value given was %d.", tiers)));
	if (DATE_NOT_FINITE(as_of))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"as_of\" must be a finite date")));
	InitMaterializedSRF(fcinfo, 0);
	f = cust_read(PG_GETARG_DATUM(0), &entries);
	rows = palloc(sizeof(RfmRow) * Max(f->ncustomers, 1));
	order = palloc(sizeof(RfmRow *) * Max(f->ncustomers, 1));
	memset(&arg, 0, sizeof(arg));
	for (i = 0; i < f->ncustomers; i++)
	{
		DateADT		last = cust_entry_date(&entries[i], entries[i].ndates - 1);

		if (last > as_of)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"as_of\" is before the last purchase of customer " INT64_FORMAT,
							entries[i].key),
					 errdetail("The customer's last purchase date is %s; as_of is %s.",
							   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(last))),
							   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(as_of)))),
					 errhint("Pass an as_of on or after last_purchase_date(s).")));
		rows[i].key = entries[i].key;
		rows[i].recency = as_of - last;
		rows[i].frequency = entries[i].ndates;
		rows[i].mnum = exact_sum_fast_numeric(&entries[i].spend);
		max_scale = Max(max_scale, entries[i].spend.scale);
		order[i] = &rows[i];
		CHECK_FOR_INTERRUPTS();
	}
	/* spends at one scale for integer comparison, or numeric when one would overflow */
	for (i = 0; i < f->ncustomers && !arg.use_numeric; i++)
	{
		int128		v = entries[i].spend.fast;

		if (__builtin_mul_overflow(v, rk_pow10[max_scale - entries[i].spend.scale], &rows[i].mnorm))
			arg.use_numeric = true;
	}
	for (dim = 0; dim < 3; dim++)
	{
		arg.dim = dim;
		rfm_score_dimension(order, f->ncustomers, tiers, method == 1, &arg);
	}
	/* output by customer key */
	for (i = 0; i < f->ncustomers; i++)
	{
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};

		values[0] = Int64GetDatum(rows[i].key);
		values[1] = Int32GetDatum(rows[i].recency);
		values[2] = Int32GetDatum(rows[i].frequency);
		values[3] = rows[i].mnum;
		values[4] = Int32GetDatum(rows[i].score[0]);
		values[5] = Int32GetDatum(rows[i].score[1]);
		values[6] = Int32GetDatum(rows[i].score[2]);
		values[7] = CStringGetTextDatum(rfm_methods[method]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		CHECK_FOR_INTERRUPTS();
	}
	return (Datum) 0;
}

/* ---------- cohort retention ---------- */

static const char *const cohort_grains[] = {"day", "week", "month", "quarter", "year", NULL};

enum
{
	GRAIN_DAY, GRAIN_WEEK, GRAIN_MONTH, GRAIN_QUARTER, GRAIN_YEAR
};

/* Floor division for the week index of dates before the reference Monday. */
static inline int32
cust_floor_div(int32 a, int32 b)
{
	return a >= 0 ? a / b : -((-a + b - 1) / b);
}

/* The period index of a date at the grain (consecutive periods have consecutive indexes). */
static int32
cust_period(DateADT d, int grain)
{
	int			y,
				m,
				dd;

	switch (grain)
	{
		case GRAIN_DAY:
			return d;
		case GRAIN_WEEK:
			/* weeks start on Monday, as date_trunc('week'); 2000-01-03 (day 2) was a Monday */
			return cust_floor_div(d - 2, 7);
		default:
			break;
	}
	j2date(d + POSTGRES_EPOCH_JDATE, &y, &m, &dd);
	if (grain == GRAIN_MONTH)
		return y * 12 + (m - 1);
	if (grain == GRAIN_QUARTER)
		return y * 4 + (m - 1) / 3;
	return y;
}

/* The first day of the period with that index. */
static DateADT
cust_period_start(int32 p, int grain)
{
	switch (grain)
	{
		case GRAIN_DAY:
			return p;
		case GRAIN_WEEK:
			return p * 7 + 2;
		case GRAIN_MONTH:
			return date2j(p / 12, p % 12 + 1, 1) - POSTGRES_EPOCH_JDATE;
		case GRAIN_QUARTER:
			return date2j(p / 4, (p % 4) * 3 + 1, 1) - POSTGRES_EPOCH_JDATE;
		default:
			return date2j(p, 1, 1) - POSTGRES_EPOCH_JDATE;
	}
}

/* (cohort period, offset) of one customer's activity, sortable as one int64. */
static int
cust_int64_cmp(const void *pa, const void *pb)
{
	int64		a = *(const int64 *) pa;
	int64		b = *(const int64 *) pb;

	return (a > b) - (a < b);
}

/*
 * cohort_retention(s, grain): customers by the period of their first purchase
 * (the cohort) and, for every period from the cohort's up to the summary's
 * last period, how many of them purchased in it.
 */
PG_FUNCTION_INFO_V1(customer_cohort_retention);
Datum
customer_cohort_retention(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int			grain = rk_variant(PG_GETARG_TEXT_PP(1), "grain", cohort_grains);
	CustEntry  *entries;
	CustFlat   *f;
	int64	   *cells;
	int64		ncells = 0;
	int32		minp = PG_INT32_MAX,
				maxp = PG_INT32_MIN;
	int64		k;
	int			i,
				j;

	InitMaterializedSRF(fcinfo, 0);
	f = cust_read(PG_GETARG_DATUM(0), &entries);
	if (f->ncustomers == 0)
		return (Datum) 0;
	for (i = 0; i < f->ncustomers; i++)
	{
		minp = Min(minp, cust_period(cust_entry_date(&entries[i], 0), grain));
		maxp = Max(maxp, cust_period(cust_entry_date(&entries[i], entries[i].ndates - 1), grain));
	}
	if ((int64) maxp - minp + 1 > CUST_MAX_PERIODS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("cohort_retention cannot span more than %d periods", CUST_MAX_PERIODS),
				 errdetail("The summary's purchases span " INT64_FORMAT " periods of grain \"%s\".",
						   (int64) maxp - minp + 1, cohort_grains[grain]),
				 errhint("Use a coarser grain or a summary of a shorter window.")));
	/* one cell per customer and distinct period: (cohort - minp) * CUST_MAX_PERIODS + offset */
	cells = MemoryContextAllocHuge(CurrentMemoryContext, sizeof(int64) * (Size) f->noccasions);
	for (i = 0; i < f->ncustomers; i++)
	{
		int32		cohort = cust_period(cust_entry_date(&entries[i], 0), grain);
		int32		prev = PG_INT32_MIN;

		for (j = 0; j < entries[i].ndates; j++)
		{
			int32		p = cust_period(cust_entry_date(&entries[i], j), grain);

			if (p == prev)
				continue;
			cells[ncells++] = (int64) (cohort - minp) * CUST_MAX_PERIODS + (p - cohort);
			prev = p;
		}
		CHECK_FOR_INTERRUPTS();
	}
	qsort(cells, ncells, sizeof(int64), cust_int64_cmp);
	/* walk the cohorts in order, emitting every offset 0 .. maxp - cohort */
	k = 0;
	while (k < ncells)
	{
		int32		cohort = (int32) (cells[k] / CUST_MAX_PERIODS) + minp;
		int64		cohort_base = (int64) (cohort - minp) * CUST_MAX_PERIODS;
		int64		size = 0;
		int32		off;

		/* offset 0 holds every customer of the cohort */
		while (k < ncells && cells[k] == cohort_base)
		{
			size++;
			k++;
		}
		for (off = 0; off <= maxp - cohort; off++)
		{
			Datum		values[6];
			bool		nulls[6] = {false, false, false, false, false, false};
			int64		count = 0;

			if (off == 0)
				count = size;
			else
				while (k < ncells && cells[k] == cohort_base + off)
				{
					count++;
					k++;
				}
			values[0] = DateADTGetDatum(cust_period_start(cohort, grain));
			values[1] = Int32GetDatum(off);
			values[2] = Int64GetDatum(count);
			values[3] = Int64GetDatum(size);
			values[4] = Float8GetDatum((double) count / (double) size);
			values[5] = CStringGetTextDatum(cohort_grains[grain]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			CHECK_FOR_INTERRUPTS();
		}
	}
	return (Datum) 0;
}
