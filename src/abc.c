/*
 * src/abc.c
 *		The ABC family: abc_summary keeps one exact value sum per item, so ABC
 *		(Pareto) classes can be computed at any grain from stored summaries;
 *		abc_classify turns a summary into classes.  See docs/abc.md.
 *
 * Flat (stored) form, format version 1:
 *		AbcFlat header | entries sorted by item bytes (memcmp, shorter first)
 *		entry: int128 fast | int16 scale | uint16 pad | int32 len | len bytes,
 *		padded to a multiple of 8 (read with memcpy, no alignment assumed)
 * Text form:	(v1,rows=5,"apple"=10.50,"pear"=-3)
 *		items in the same order, double-quoted with \" and \\ escapes.
 * Binary form: version, kind, rows, item count, then per item its text
 *		(client encoding), scale and the 128-bit sum.
 *
 * While aggregating, the state is an expanded object (AbcExpanded: items in an
 * array plus an open-addressing hash index) that lives in the aggregate's
 * memory context; nodeAgg keeps a read-write expanded object returned by the
 * transition function without copying it, and flattens it (sorted) only when
 * the value leaves the aggregate (a stored value, a parallel worker's partial
 * state, text output).
 */
#include "retail_kpi.h"
#include "exact_sum.h"

#include <ctype.h>

#include "common/hashfn.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/tuplestore.h"

#define ABC_KIND 'a'
/* Items per summary: the flat value must also fit in 1 GB (MaxAllocSize). */
#define ABC_MAX_ITEMS 50000000

typedef struct AbcFlat
{
	int32		vl_len_;
	uint8		version;
	uint8		kind;
	uint16		flags;
	int32		nitems;
	int64		nrows;
	/* entries follow */
} AbcFlat;

#define ABC_ENTRY_HDR 24		/* int128 + int16 + uint16 + int32 */
#define ABC_ENTRY_SIZE(len) TYPEALIGN(8, ABC_ENTRY_HDR + (Size) (len))

typedef struct AbcItem
{
	char	   *key;
	int32		len;
	uint32		hash;
	ExactSum	value;
} AbcItem;

typedef struct AbcExpanded
{
	ExpandedObjectHeader hdr;
	int64		nrows;
	int32		nitems;
	int32		cap;
	AbcItem    *items;
	int32	   *slots;			/* index into items, -1 = empty */
	uint32		nslots;			/* power of two */
	Size		flat_size;
} AbcExpanded;

/* One entry of a flat value, decoded. */
typedef struct AbcEntry
{
	const char *key;
	int32		len;
	ExactSum	value;
	Datum		num;			/* numeric form, filled by abc_classify */
} AbcEntry;

static Size abc_get_flat_size(ExpandedObjectHeader *eohptr);
static void abc_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static const ExpandedObjectMethods abc_methods = {
	abc_get_flat_size,
	abc_flatten_into
};

/* ---------- the expanded form ---------- */

/* A new, empty expanded summary in its own context under parent. */
static AbcExpanded *
abc_new(MemoryContext parent)
{
	MemoryContext ctx = AllocSetContextCreate(parent, "abc_summary", ALLOCSET_DEFAULT_SIZES);
	AbcExpanded *e = MemoryContextAllocZero(ctx, sizeof(AbcExpanded));
	int			i;

	EOH_init_header(&e->hdr, &abc_methods, ctx);
	e->cap = 64;
	e->items = MemoryContextAlloc(ctx, sizeof(AbcItem) * e->cap);
	e->nslots = 128;
	e->slots = MemoryContextAlloc(ctx, sizeof(int32) * e->nslots);
	for (i = 0; i < (int) e->nslots; i++)
		e->slots[i] = -1;
	e->flat_size = sizeof(AbcFlat);
	return e;
}

static inline bool
abc_key_equal(const AbcItem *it, const char *key, int len)
{
	return it->len == len && memcmp(it->key, key, len) == 0;
}

/* Double the hash index and re-insert every item. */
static void
abc_grow_slots(AbcExpanded *e)
{
	uint32		n = e->nslots * 2;
	int32	   *slots = MemoryContextAllocHuge(e->hdr.eoh_context, sizeof(int32) * (Size) n);
	uint32		i;

	for (i = 0; i < n; i++)
		slots[i] = -1;
	for (i = 0; i < (uint32) e->nitems; i++)
	{
		uint32		h = e->items[i].hash & (n - 1);

		CHECK_FOR_INTERRUPTS();
		while (slots[h] >= 0)
			h = (h + 1) & (n - 1);
		slots[h] = i;
	}
	pfree(e->slots);
	e->slots = slots;
	e->nslots = n;
}

/*
 * The item's sum, inserting a new (empty) item when it is not there yet.
 * *is_new tells which happened.
 */
static ExactSum *
abc_lookup(AbcExpanded *e, const char *key, int len, bool *is_new)
{
	uint32		hash = hash_bytes((const unsigned char *) key, len);
	uint32		h = hash & (e->nslots - 1);
	AbcItem    *it;

	while (e->slots[h] >= 0)
	{
		it = &e->items[e->slots[h]];
		if (it->hash == hash && abc_key_equal(it, key, len))
		{
			*is_new = false;
			return &it->value;
		}
		h = (h + 1) & (e->nslots - 1);
	}
	if (e->nitems >= ABC_MAX_ITEMS ||
		e->flat_size + ABC_ENTRY_SIZE(len) > MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("abc_summary cannot hold more items"),
				 errdetail("A summary holds at most %d items and 1 GB of item names and sums.",
						   ABC_MAX_ITEMS),
				 errhint("Aggregate a coarser item key or split the input.")));
	if (e->nitems == e->cap)
	{
		e->cap *= 2;
		e->items = repalloc_huge(e->items, sizeof(AbcItem) * (Size) e->cap);
	}
	it = &e->items[e->nitems];
	it->key = MemoryContextAlloc(e->hdr.eoh_context, Max(len, 1));
	memcpy(it->key, key, len);
	it->len = len;
	it->hash = hash;
	memset(&it->value, 0, sizeof(ExactSum));
	e->slots[h] = e->nitems;
	e->nitems++;
	e->flat_size += ABC_ENTRY_SIZE(len);
	if ((uint32) e->nitems * 2 > e->nslots)
		abc_grow_slots(e);
	*is_new = true;
	return &it->value;
}

/* Add a finite numeric to an item's sum; 22003 when it leaves the 128-bit range. */
static void
abc_add_numeric(AbcExpanded *e, const char *key, int len, Datum num)
{
	bool		is_new;
	ExactSum   *sum = abc_lookup(e, key, len, &is_new);

	if (!exact_sum_add_numeric(sum, num))
		exact_sum_overflow_error("value");
}

/* Add a sum to an item's sum (rollup); 22003 when it leaves the 128-bit range. */
static void
abc_add_sum(AbcExpanded *e, const char *key, int len, const ExactSum *v)
{
	bool		is_new;
	ExactSum   *sum = abc_lookup(e, key, len, &is_new);

	if (!exact_sum_add_scaled(sum, v->fast, v->scale))
		exact_sum_overflow_error("value");
}

/* Item order of the flat form: bytes, then length. */
static int
abc_key_cmp(const char *a, int alen, const char *b, int blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

static int
abc_item_ptr_cmp(const void *pa, const void *pb)
{
	const AbcItem *a = *(const AbcItem *const *) pa;
	const AbcItem *b = *(const AbcItem *const *) pb;

	return abc_key_cmp(a->key, a->len, b->key, b->len);
}

static Size
abc_get_flat_size(ExpandedObjectHeader *eohptr)
{
	return ((AbcExpanded *) eohptr)->flat_size;
}

/* Write the sorted flat form into result (allocated_size bytes, zeroed here). */
static void
abc_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	AbcExpanded *e = (AbcExpanded *) eohptr;
	AbcFlat    *f = (AbcFlat *) result;
	AbcItem   **order;
	char	   *p;
	int			i;

	Assert(allocated_size == e->flat_size);
	memset(result, 0, allocated_size);
	SET_VARSIZE(f, allocated_size);
	f->version = RK_FORMAT_VERSION;
	f->kind = ABC_KIND;
	f->nitems = e->nitems;
	f->nrows = e->nrows;
	order = palloc(sizeof(AbcItem *) * Max(e->nitems, 1));
	for (i = 0; i < e->nitems; i++)
		order[i] = &e->items[i];
	qsort(order, e->nitems, sizeof(AbcItem *), abc_item_ptr_cmp);
	p = (char *) result + sizeof(AbcFlat);
	for (i = 0; i < e->nitems; i++)
	{
		const AbcItem *it = order[i];
		int16		scale = it->value.scale;

		CHECK_FOR_INTERRUPTS();
		memcpy(p, &it->value.fast, 16);
		memcpy(p + 16, &scale, 2);
		memcpy(p + 20, &it->len, 4);
		memcpy(p + ABC_ENTRY_HDR, it->key, it->len);
		p += ABC_ENTRY_SIZE(it->len);
	}
	pfree(order);
}

/* A flat copy of the expanded summary, in CurrentMemoryContext. */
static AbcFlat *
abc_flatten(AbcExpanded *e)
{
	Size		size = EOH_get_flat_size(&e->hdr);
	void	   *f = palloc(size);

	EOH_flatten_into(&e->hdr, f, size);
	return (AbcFlat *) f;
}

/* ---------- the flat form: validation and decoding ---------- */

static void
abc_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("corrupt abc_summary value"),
			 errdetail("%s", detail)));
}

/*
 * Detoast (flattening an expanded value) and validate a stored summary; decode
 * its entries into *entries when asked.
 */
static AbcFlat *
abc_read(Datum d, AbcEntry **entries)
{
	AbcFlat    *f = (AbcFlat *) PG_DETOAST_DATUM(d);
	Size		size = VARSIZE(f);
	const char *p;
	const char *end;
	AbcEntry   *out;
	int			i;

	if (size < sizeof(AbcFlat))
		abc_corrupt("The value is shorter than its header.");
	if (f->version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("unsupported abc_summary format version %d", f->version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	if (f->kind != ABC_KIND || f->flags != 0 || f->nitems < 0 || f->nrows < f->nitems ||
		f->nitems > ABC_MAX_ITEMS)
		abc_corrupt("The header does not describe an abc_summary.");
	out = palloc(sizeof(AbcEntry) * Max(f->nitems, 1));
	p = (const char *) f + sizeof(AbcFlat);
	end = (const char *) f + size;
	for (i = 0; i < f->nitems; i++)
	{
		int128		fast;
		int16		scale;
		int32		len;

		CHECK_FOR_INTERRUPTS();
		if (end - p < ABC_ENTRY_HDR)
			abc_corrupt("An item entry is truncated.");
		memcpy(&fast, p, 16);
		memcpy(&scale, p + 16, 2);
		memcpy(&len, p + 20, 4);
		if (scale < 0 || scale > RK_MAX_SCALE || len < 0 ||
			(Size) (end - p) < ABC_ENTRY_SIZE(len))
			abc_corrupt("An item entry has an invalid scale or length.");
		if (memchr(p + ABC_ENTRY_HDR, '\0', len) != NULL ||
			!pg_verifymbstr(p + ABC_ENTRY_HDR, len, true))
			abc_corrupt("An item name is not valid text in the database encoding.");
		if (i > 0 && abc_key_cmp(out[i - 1].key, out[i - 1].len, p + ABC_ENTRY_HDR, len) >= 0)
			abc_corrupt("The items are not in strictly ascending order.");
		out[i].key = p + ABC_ENTRY_HDR;
		out[i].len = len;
		memset(&out[i].value, 0, sizeof(ExactSum));
		out[i].value.fast = fast;
		out[i].value.scale = scale;
		out[i].value.has_value = 1;
		p += ABC_ENTRY_SIZE(len);
	}
	if (p != end)
		abc_corrupt("The value's length does not match its items.");
	if (entries != NULL)
		*entries = out;
	else
		pfree(out);
	return f;
}

/* Merge a summary datum (flat, or expanded of this type) into e. */
static void
abc_merge_datum(AbcExpanded *e, Datum d)
{
	AbcEntry   *entries;
	AbcFlat    *f;
	int			i;

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		AbcExpanded *b = (AbcExpanded *) DatumGetEOHP(d);

		if (b->hdr.eoh_methods != &abc_methods)
			elog(ERROR, "expanded value is not an abc_summary");
		for (i = 0; i < b->nitems; i++)
		{
			CHECK_FOR_INTERRUPTS();
			abc_add_sum(e, b->items[i].key, b->items[i].len, &b->items[i].value);
		}
		if (pg_add_s64_overflow(e->nrows, b->nrows, &e->nrows))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("row count of abc_summary is out of range")));
		return;
	}
	f = abc_read(d, &entries);
	for (i = 0; i < f->nitems; i++)
	{
		CHECK_FOR_INTERRUPTS();
		abc_add_sum(e, entries[i].key, entries[i].len, &entries[i].value);
	}
	if (pg_add_s64_overflow(e->nrows, f->nrows, &e->nrows))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count of abc_summary is out of range")));
}

/*
 * The state a transition or combine function updates (rk_expanded_state): in an
 * aggregate, its own read-write expanded state, or a new one in the aggregate
 * context (from arg 0 when that is flat); outside an aggregate, a new expanded
 * copy in CurrentMemoryContext.  *in_agg tells which.
 */
static AbcExpanded *
abc_state(FunctionCallInfo fcinfo, bool *in_agg)
{
	MemoryContext ctx;
	AbcExpanded *e = (AbcExpanded *) rk_expanded_state(fcinfo, &abc_methods, "abc_summary", &ctx, in_agg);

	if (e == NULL)
	{
		e = abc_new(ctx);
		if (!PG_ARGISNULL(0))
			abc_merge_datum(e, PG_GETARG_DATUM(0));
	}
	return e;
}

/* Return the state: the expanded object itself in an aggregate, else a flat value. */
static Datum
abc_return(AbcExpanded *e, bool in_agg)
{
	if (in_agg)
		return EOHPGetRWDatum(&e->hdr);
	return PointerGetDatum(abc_flatten(e));
}

/* ---------- text and binary forms ---------- */

static void
abc_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type abc_summary: \"%s\"", str),
			 errdetail("%s", detail)));
}

/* Text output: (v1,rows=N,"item"=value,...) in the stored (byte) order of the items. */
PG_FUNCTION_INFO_V1(abc_summary_out);
Datum
abc_summary_out(PG_FUNCTION_ARGS)
{
	AbcEntry   *entries;
	AbcFlat    *f = abc_read(PG_GETARG_DATUM(0), &entries);
	StringInfoData buf;
	int			i,
				j;

	initStringInfo(&buf);
	appendStringInfo(&buf, "(v%d,rows=" INT64_FORMAT, f->version, f->nrows);
	for (i = 0; i < f->nitems; i++)
	{
		CHECK_FOR_INTERRUPTS();
		appendStringInfoString(&buf, ",\"");
		for (j = 0; j < entries[i].len; j++)
		{
			char		c = entries[i].key[j];

			if (c == '"' || c == '\\')
				appendStringInfoChar(&buf, '\\');
			appendStringInfoChar(&buf, c);
		}
		appendStringInfoString(&buf, "\"=");
		appendStringInfoString(&buf,
							   DatumGetCString(DirectFunctionCall1(numeric_out,
																   exact_sum_fast_numeric(&entries[i].value))));
	}
	appendStringInfoChar(&buf, ')');
	PG_RETURN_CSTRING(buf.data);
}

/* Text input: items in any order, each once; stored sorted. */
PG_FUNCTION_INFO_V1(abc_summary_in);
Datum
abc_summary_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	AbcExpanded *e = abc_new(CurrentMemoryContext);
	StringInfoData key;
	char	   *end;
	long		version;
	int64		rows;

	while (isspace((unsigned char) *p))
		p++;
	if (strncmp(p, "(v", 2) != 0 || !isdigit((unsigned char) p[2]))
		abc_syntax_error(str, "A summary starts with \"(v\" and its format version.");
	errno = 0;
	version = strtol(p + 2, &end, 10);
	if (errno != 0 || version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported abc_summary format version %ld", version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	p = end;
	if (strncmp(p, ",rows=", 6) != 0 || !isdigit((unsigned char) p[6]))
		abc_syntax_error(str, "Expected field \"rows\" with a non-negative integer.");
	errno = 0;
	rows = strtoi64(p + 6, &end, 10);
	if (errno != 0 || rows < 0)
		abc_syntax_error(str, "The row count must be a non-negative integer.");
	e->nrows = rows;
	p = end;
	initStringInfo(&key);
	while (*p == ',')
	{
		const char *v;
		bool		is_new;
		ExactSum   *sum;
		int128		value = 0;
		int			scale = 0;

		CHECK_FOR_INTERRUPTS();
		p++;
		if (*p != '"')
			abc_syntax_error(str, "An item name must be double-quoted.");
		p++;
		resetStringInfo(&key);
		while (*p != '"')
		{
			if (*p == '\0')
				abc_syntax_error(str, "An item name is not terminated.");
			if (*p == '\\')
			{
				p++;
				if (*p != '"' && *p != '\\')
					abc_syntax_error(str, "Only \\\" and \\\\ are valid escapes in an item name.");
			}
			appendStringInfoChar(&key, *p);
			p++;
		}
		p++;
		if (*p != '=')
			abc_syntax_error(str, "Expected \"=\" after an item name.");
		p++;
		v = p;
		while (*p != '\0' && *p != ',' && *p != ')')
			p++;
		switch (parse_exact_decimal(v, p - v, &value, &scale))
		{
			case DECIMAL_SYNTAX:
				abc_syntax_error(str, psprintf("The value of item \"%s\" is not a decimal number.", key.data));
				break;
			case DECIMAL_RANGE:
				exact_sum_overflow_error("value");
				break;
			case DECIMAL_OK:
				break;
		}
		pg_verifymbstr(key.data, key.len, false);
		sum = abc_lookup(e, key.data, key.len, &is_new);
		if (!is_new)
			abc_syntax_error(str, psprintf("Item \"%s\" appears more than once.", key.data));
		if (!exact_sum_add_scaled(sum, value, scale))
			exact_sum_overflow_error("value");
	}
	if (*p != ')')
		abc_syntax_error(str, "Expected \")\" after the last item.");
	p++;
	while (isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		abc_syntax_error(str, "Unexpected text after the summary.");
	if (e->nrows < e->nitems)
		abc_syntax_error(str, "The row count is smaller than the number of items.");
	PG_RETURN_POINTER(abc_flatten(e));
}

/* Binary output: version, kind, rows, item count, then name, scale and 128-bit sum per item. */
PG_FUNCTION_INFO_V1(abc_summary_send);
Datum
abc_summary_send(PG_FUNCTION_ARGS)
{
	AbcEntry   *entries;
	AbcFlat    *f = abc_read(PG_GETARG_DATUM(0), &entries);
	StringInfoData buf;
	int			i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, f->version);
	pq_sendbyte(&buf, f->kind);
	pq_sendint64(&buf, f->nrows);
	pq_sendint32(&buf, f->nitems);
	for (i = 0; i < f->nitems; i++)
	{
		uint128		u = (uint128) entries[i].value.fast;

		CHECK_FOR_INTERRUPTS();
		pq_sendint32(&buf, entries[i].len);
		pq_sendtext(&buf, entries[i].key, entries[i].len);
		pq_sendint16(&buf, entries[i].value.scale);
		pq_sendint64(&buf, (int64) (u >> 64));
		pq_sendint64(&buf, (int64) (uint64) u);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Fail with 22000 unless n more bytes are left in buf. */
static void
abc_need_bytes(StringInfo buf, int64 n)
{
	if (n < 0 || buf->len - buf->cursor < n)
		abc_corrupt("The binary value is truncated.");
}

/* Binary input: validated field by field (22000), items re-sorted in the server encoding. */
PG_FUNCTION_INFO_V1(abc_summary_recv);
Datum
abc_summary_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	AbcExpanded *e = abc_new(CurrentMemoryContext);
	int			version;
	int32		nitems;
	int			i;

	abc_need_bytes(buf, 1 + 1 + 8 + 4);
	version = pq_getmsgbyte(buf);
	if (version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("unsupported abc_summary format version %d", version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	if (pq_getmsgbyte(buf) != ABC_KIND)
		abc_corrupt("The binary header does not describe an abc_summary.");
	e->nrows = pq_getmsgint64(buf);
	nitems = pq_getmsgint(buf, 4);
	if (e->nrows < 0 || nitems < 0 || nitems > e->nrows)
		abc_corrupt("The row or item count is invalid.");
	for (i = 0; i < nitems; i++)
	{
		int32		len;
		int			nbytes;
		char	   *key;
		int16		scale;
		uint64		hi,
					lo;
		bool		is_new;
		ExactSum   *sum;

		CHECK_FOR_INTERRUPTS();
		abc_need_bytes(buf, 4);
		len = pq_getmsgint(buf, 4);
		if (len < 0)
			abc_corrupt("An item name has a negative length.");
		abc_need_bytes(buf, (int64) len + 2 + 16);
		key = pq_getmsgtext(buf, len, &nbytes);
		if ((int) strlen(key) != nbytes)
			abc_corrupt("An item name contains a zero byte.");
		scale = (int16) pq_getmsgint(buf, 2);
		hi = (uint64) pq_getmsgint64(buf);
		lo = (uint64) pq_getmsgint64(buf);
		if (scale < 0 || scale > RK_MAX_SCALE)
			abc_corrupt("An item sum has an invalid scale.");
		sum = abc_lookup(e, key, nbytes, &is_new);
		if (!is_new)
			abc_corrupt("An item appears more than once.");
		sum->fast = (int128) (((uint128) hi << 64) | lo);
		sum->scale = scale;
		sum->has_value = 1;
	}
	if (buf->cursor != buf->len)
		abc_corrupt("The binary value has trailing bytes.");
	PG_RETURN_POINTER(abc_flatten(e));
}

/* ---------- aggregate support ---------- */

/*
 * abc_agg(item, value) transition: adds value to the item's exact sum; a row
 * with a NULL item or value is skipped.
 */
PG_FUNCTION_INFO_V1(abc_agg_trans);
Datum
abc_agg_trans(PG_FUNCTION_ARGS)
{
	AbcExpanded *e;
	bool		in_agg;
	text	   *item;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	rk_check_finite_numeric(PG_GETARG_DATUM(2), "value");
	item = PG_GETARG_TEXT_PP(1);
	e = abc_state(fcinfo, &in_agg);
	abc_add_numeric(e, VARDATA_ANY(item), VARSIZE_ANY_EXHDR(item), PG_GETARG_DATUM(2));
	e->nrows++;
	return abc_return(e, in_agg);
}

/* Merge two summaries (combine function and transition of rollup); NULLs are skipped. */
PG_FUNCTION_INFO_V1(abc_summary_combine);
Datum
abc_summary_combine(PG_FUNCTION_ARGS)
{
	AbcExpanded *e;
	bool		in_agg;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	e = abc_state(fcinfo, &in_agg);
	abc_merge_datum(e, PG_GETARG_DATUM(1));
	return abc_return(e, in_agg);
}

/* Number of rows the summary was built from. */
PG_FUNCTION_INFO_V1(abc_row_count);
Datum
abc_row_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(abc_read(PG_GETARG_DATUM(0), NULL)->nrows);
}

/* Number of distinct items in the summary. */
PG_FUNCTION_INFO_V1(abc_item_count);
Datum
abc_item_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(abc_read(PG_GETARG_DATUM(0), NULL)->nitems);
}

/* ---------- classification ---------- */

/* Sign of an exact sum. */
static inline int
abc_sign(const ExactSum *v)
{
	return (v->fast > 0) - (v->fast < 0);
}

/* Compare two entries' values exactly (numeric when scaling would overflow). */
static int
abc_value_cmp(const AbcEntry *a, const AbcEntry *b)
{
	ExactSum	t = a->value;
	int128		minv = (int128) ((uint128) 1 << 127);

	if (a->value.scale == b->value.scale)
		return (a->value.fast > b->value.fast) - (a->value.fast < b->value.fast);
	if (b->value.fast != minv && exact_sum_add_scaled(&t, -b->value.fast, b->value.scale))
		return abc_sign(&t);
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, a->num, b->num));
}

/* Value descending, then item ascending (bytes). */
static int
abc_rank_cmp(const void *pa, const void *pb)
{
	const AbcEntry *a = (const AbcEntry *) pa;
	const AbcEntry *b = (const AbcEntry *) pb;
	int			c = abc_value_cmp(b, a);

	if (c != 0)
		return c;
	return abc_key_cmp(a->key, a->len, b->key, b->len);
}

/*
 * Running sums of positive values: exact 128-bit while the common scale
 * allows, numeric after that (a total is never refused for its size).
 */
typedef struct AbcTotal
{
	ExactSum	fast;
	bool		use_numeric;
	Datum		num;
} AbcTotal;

static void
abc_total_add(AbcTotal *t, const AbcEntry *en)
{
	if (!t->use_numeric)
	{
		if (exact_sum_add_sum(&t->fast, &en->value))
			return;
		t->use_numeric = true;
		t->num = exact_sum_fast_numeric(&t->fast);
	}
	t->num = DirectFunctionCall2(numeric_add, t->num, en->num);
}

/* part / total as a correctly rounded float8. */
static double
abc_share(const AbcTotal *part, const AbcTotal *total)
{
	double		r;

	if (!part->use_numeric && !total->use_numeric &&
		exact_sum_ratio_fast(&part->fast, &total->fast, &r))
		return r;
	if (!rk_numeric_ratio(part->use_numeric ? part->num : exact_sum_fast_numeric(&part->fast),
						  total->use_numeric ? total->num : exact_sum_fast_numeric(&total->fast),
						  &r))
		elog(ERROR, "abc total is zero");
	return r;
}

/*
 * abc_classify(s, a_cut, b_cut): one row per item, ranked by value descending
 * (ties by item bytes ascending).  Items with a positive value get share =
 * value / total of positive values and the cumulative share including the
 * item itself; class A while cumulative share <= a_cut, B while <= b_cut, else
 * C.  Items with value <= 0 are class D, listed last, with NULL shares.
 *
 * abc_ranking(s, a_cut, b_cut, cut_rule) (0.3) gives the same rows with the
 * rank (1, 2, ... in that order) and the cumulative share before the item;
 * cut_rule 'including' classes as abc_classify, 'before' by the cumulative
 * share before the item (A while it is < a_cut, B while < b_cut), so the item
 * that crosses a cut-off stays in the higher class.
 */
static const char *const abc_cut_rules[] = {"including", "before", NULL};

static Datum
abc_classify_rows(FunctionCallInfo fcinfo, bool ranked)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	double		a_cut = PG_GETARG_FLOAT8(1);
	double		b_cut = PG_GETARG_FLOAT8(2);
	int			rule = ranked ? rk_variant(PG_GETARG_TEXT_PP(3), "cut_rule", abc_cut_rules) : 0;
	AbcEntry   *entries;
	AbcFlat    *f;
	AbcTotal	total;
	AbcTotal	cum;
	int			i;

	rk_check_finite_float8(a_cut, "a_cut");
	rk_check_finite_float8(b_cut, "b_cut");
	if (!(a_cut > 0.0 && a_cut < b_cut && b_cut <= 1.0))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("arguments \"a_cut\" and \"b_cut\" must satisfy 0 < a_cut < b_cut <= 1"),
				 errdetail("a_cut is %g and b_cut is %g.", a_cut, b_cut)));
	InitMaterializedSRF(fcinfo, 0);
	f = abc_read(PG_GETARG_DATUM(0), &entries);

	memset(&total, 0, sizeof(total));
	for (i = 0; i < f->nitems; i++)
	{
		CHECK_FOR_INTERRUPTS();
		entries[i].num = exact_sum_fast_numeric(&entries[i].value);
		if (abc_sign(&entries[i].value) > 0)
			abc_total_add(&total, &entries[i]);
	}
	qsort(entries, f->nitems, sizeof(AbcEntry), abc_rank_cmp);

	memset(&cum, 0, sizeof(cum));
	for (i = 0; i < f->nitems; i++)
	{
		AbcEntry   *en = &entries[i];
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};
		int			c = 0;

		CHECK_FOR_INTERRUPTS();
		if (ranked)
			values[c++] = Int32GetDatum(i + 1);
		values[c++] = PointerGetDatum(cstring_to_text_with_len(en->key, en->len));
		values[c++] = en->num;
		if (abc_sign(&en->value) > 0)
		{
			AbcTotal	one;
			double		before = ranked ? abc_share(&cum, &total) : 0;
			double		cs;
			double		key;

			memset(&one, 0, sizeof(one));
			abc_total_add(&one, en);
			abc_total_add(&cum, en);
			cs = abc_share(&cum, &total);
			values[c++] = Float8GetDatum(abc_share(&one, &total));
			if (ranked)
				values[c++] = Float8GetDatum(before);
			values[c++] = Float8GetDatum(cs);
			key = rule == 0 ? cs : before;
			if (rule == 0)
				values[c++] = CStringGetTextDatum(key <= a_cut ? "A" : (key <= b_cut ? "B" : "C"));
			else
				values[c++] = CStringGetTextDatum(key < a_cut ? "A" : (key < b_cut ? "B" : "C"));
		}
		else
		{
			int			nshares = ranked ? 3 : 2;

			while (nshares-- > 0)
			{
				nulls[c] = true;
				values[c++] = (Datum) 0;
			}
			values[c++] = CStringGetTextDatum("D");
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(abc_classify);
Datum
abc_classify(PG_FUNCTION_ARGS)
{
	return abc_classify_rows(fcinfo, false);
}

PG_FUNCTION_INFO_V1(abc_ranking);
Datum
abc_ranking(PG_FUNCTION_ARGS)
{
	return abc_classify_rows(fcinfo, true);
}
