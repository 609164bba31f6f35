/*
 * src/bridge.c
 *		The bridge family: bridge_summary keeps, per item, the exact base and
 *		current sums of units, revenue and cost, and the bridge functions
 *		split the change of gross profit (or revenue, or margin rate) between
 *		the two periods into volume, mix, price, cost, new and discontinued
 *		items.
 *
 * Layout of a bridge_summary (a varlena, format version 1):
 *		header | uint32 slots[nslots] | BridgeEntry entries[cap_items] | int64 hi[cap_items][6] | key heap
 * While an aggregate runs, the value is a working form ("hashed"): an
 * open-addressing hash table (linear probing; a slot holds the top 10 bits
 * of the key's hash and entry index + 1 in the low 22 bits, 0 is empty) over a dense entry array, both grown
 * by doubling, plus a heap holding the item keys.  Each entry also keeps the
 * first 16 bytes of its key, so that short keys are compared without touching
 * the heap (fewer cache misses per input row).  The aggregate's final function turns it into the
 * canonical stored form: no slots, entries sorted by item key (bytewise, i.e.
 * C collation), keys packed in the same order, no spare capacity.  Every
 * value read from outside the running aggregate is validated; the slot array
 * of a working form read from elsewhere (a parallel worker's partial state)
 * is never trusted: it is rebuilt.
 *
 * Sums are 128-bit integers at the largest display scale seen (as in
 * exact_sum.h); a per-item sum that leaves that range raises 22003.
 */
#include "flat_summary.h"	/* retail_kpi.h, exact_sum.h, rk_in_agg */

#include <ctype.h>
#include <math.h>

#include "common/hashfn.h"
#include "common/int.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "utils/datum.h"
#include "utils/numeric.h"

#define BRIDGE_KIND			'b'
#define BRIDGE_MAX_ITEMS	(1 << 21)	/* 2,097,152 distinct items */
#define BRIDGE_MAX_KEY		1000	/* bytes of one item key */
#define BRIDGE_MAX_HEAP		(256 * 1024 * 1024)	/* bytes of all item keys */
#define BRIDGE_MIN_SCALE	12		/* decimal places of computed effects */

/* Sum positions in an entry: base units, revenue, cost, then current. */
enum
{
	B_Q0, B_R0, B_C0, B_Q1, B_R1, B_C1
};

#define PRESENT_BASE	1
#define PRESENT_CURRENT 2

#define KEY_PREFIX 16

/*
 * An item.  Each sum is a 128-bit integer times 10^-scale, split in two: the
 * low 64 bits here and the high 64 bits in a parallel array (B_HI), which an
 * input row only touches when a carry changes it.  The entries stay small (80
 * bytes), so more of the table stays in cache.
 */
typedef struct BridgeEntry
{
	char		prefix[KEY_PREFIX];	/* first key bytes, zero padded (working form only) */
	uint32		key_off;		/* key bytes in the heap */
	uint32		key_len;
	int8		scale[6];
	uint8		present;		/* PRESENT_BASE | PRESENT_CURRENT: periods with rows */
	uint8		pad;
	uint64		lo[6];			/* low 64 bits of the sums */
} BridgeEntry;

/* The sums of one item outside a summary (text and binary input). */
typedef struct EntrySums
{
	int128		v[6];
	int8		scale[6];
	uint8		present;
} EntrySums;

typedef struct BridgeSummary
{
	int32		vl_len_;
	uint8		version;
	uint8		kind;
	uint8		hashed;			/* 1: working form with slots; 0: canonical form */
	uint8		pad;
	int32		nitems;
	int32		cap_items;
	int32		nslots;
	uint32		heap_used;
	uint32		heap_cap;
	int64		nrows;			/* input rows aggregated */
} BridgeSummary;

static const char *const sum_arg_names[6] = {"units", "revenue", "cost", "units", "revenue", "cost"};

static Size
slots_offset(void)
{
	return MAXALIGN(sizeof(BridgeSummary));
}

static Size
entries_offset(int32 nslots)
{
	return MAXALIGN(slots_offset() + (Size) nslots * sizeof(uint32));
}

static Size
hi_offset(int32 nslots, int32 cap_items)
{
	return entries_offset(nslots) + (Size) cap_items * sizeof(BridgeEntry);
}

static Size
heap_offset(int32 nslots, int32 cap_items)
{
	return hi_offset(nslots, cap_items) + (Size) cap_items * 6 * sizeof(int64);
}

#define B_SLOTS(s)		((uint32 *) ((char *) (s) + slots_offset()))
#define SLOT_TAG_MASK	0xFFC00000U	/* hash bits kept in a slot */
#define SLOT_IDX_MASK	0x003FFFFFU	/* entry index + 1 (BRIDGE_MAX_ITEMS < 2^22) */
#define B_ENTRIES(s)	((BridgeEntry *) ((char *) (s) + entries_offset((s)->nslots)))
#define B_HI(s)			((int64 *) ((char *) (s) + hi_offset((s)->nslots, (s)->cap_items)))
#define B_HEAP(s)		((char *) (s) + heap_offset((s)->nslots, (s)->cap_items))
#define B_KEY(s, e)		(B_HEAP(s) + (e)->key_off)

StaticAssertDecl(sizeof(BridgeEntry) == 80, "BridgeEntry is 80 bytes");
StaticAssertDecl(BRIDGE_MAX_ITEMS < SLOT_IDX_MASK, "entry indexes fit in a slot");

/* Sum j of entry e of s. */
static inline int128
ev(const BridgeSummary *s, const BridgeEntry *e, int j)
{
	int64		hi = B_HI(s)[(e - B_ENTRIES(s)) * 6 + j];

	return (int128) (((uint128) (uint64) hi << 64) | e->lo[j]);
}

/* Store sum j of entry e of s. */
static inline void
set_ev(BridgeSummary *s, BridgeEntry *e, int j, int128 v)
{
	B_HI(s)[(e - B_ENTRIES(s)) * 6 + j] = (int64) (v >> 64);
	e->lo[j] = (uint64) v;
}

/* A new empty value with the given capacities. */
static BridgeSummary *
bridge_alloc(bool hashed, int32 nslots, int32 cap_items, uint32 heap_cap)
{
	Size		size = heap_offset(nslots, cap_items) + heap_cap;
	BridgeSummary *s = palloc_extended(size, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);

	SET_VARSIZE(s, size);
	s->version = RK_FORMAT_VERSION;
	s->kind = BRIDGE_KIND;
	s->hashed = hashed ? 1 : 0;
	s->nslots = nslots;
	s->cap_items = cap_items;
	s->heap_cap = heap_cap;
	return s;
}

static BridgeSummary *
bridge_new_working(void)
{
	return bridge_alloc(true, 128, 64, 1024);
}

static void
bridge_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("corrupt bridge_summary value"),
			 errdetail("%s", detail)));
}

static uint32
key_hash(const char *key, int len)
{
	return hash_bytes((const unsigned char *) key, len);
}

/* Put entry index i into the slot array (the key is known to be absent). */
static void
slot_insert(BridgeSummary *s, uint32 hash, int32 i)
{
	uint32	   *slots = B_SLOTS(s);
	uint32		mask = s->nslots - 1;
	uint32		pos = hash & mask;

	while (slots[pos] != 0)
		pos = (pos + 1) & mask;
	slots[pos] = (hash & SLOT_TAG_MASK) | (uint32) (i + 1);
}

/*
 * A copy of s with room for at least need_items entries and need_heap key
 * bytes (capacities doubled), slots rebuilt.  Raises 54000 past the limits.
 */
static BridgeSummary *
bridge_grow(BridgeSummary *s, int64 need_items, uint64 need_heap)
{
	int64		cap = Max(s->cap_items, 64);
	uint64		hcap = Max(s->heap_cap, 1024);
	BridgeSummary *n;
	BridgeEntry *e;
	int32		i;

	if (need_items > BRIDGE_MAX_ITEMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("bridge_summary cannot hold more than %d distinct items", BRIDGE_MAX_ITEMS),
				 errhint("Aggregate per group (e.g. per category) and bridge the groups separately.")));
	if (need_heap > BRIDGE_MAX_HEAP)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("item keys of a bridge_summary cannot exceed %d bytes in total", BRIDGE_MAX_HEAP)));
	while (cap < need_items)
		cap *= 2;
	cap = Min(cap, BRIDGE_MAX_ITEMS);
	while (hcap < need_heap)
		hcap *= 2;
	hcap = Min(hcap, BRIDGE_MAX_HEAP);

	n = bridge_alloc(true, (int32) (cap * 2), (int32) cap, (uint32) hcap);
	n->nitems = s->nitems;
	n->nrows = s->nrows;
	n->heap_used = s->heap_used;
	memcpy(B_ENTRIES(n), B_ENTRIES(s), (Size) s->nitems * sizeof(BridgeEntry));
	memcpy(B_HI(n), B_HI(s), (Size) s->nitems * 6 * sizeof(int64));
	memcpy(B_HEAP(n), B_HEAP(s), s->heap_used);
	e = B_ENTRIES(n);
	for (i = 0; i < n->nitems; i++)
	{
		CHECK_FOR_INTERRUPTS();
		slot_insert(n, key_hash(B_KEY(n, &e[i]), e[i].key_len), i);
	}
	return n;
}

/*
 * The entry of key in the working value *ps, created when absent (*ps may move).
 * *created tells which.
 */
static BridgeEntry *
bridge_lookup(BridgeSummary **ps, const char *key, int len, bool *created)
{
	BridgeSummary *s = *ps;
	uint32		hash = key_hash(key, len);
	uint32		mask = s->nslots - 1;
	uint32		pos = hash & mask;
	uint32	   *slots = B_SLOTS(s);
	BridgeEntry *entries = B_ENTRIES(s);
	BridgeEntry *e;

	for (;;)
	{
		uint32		slot = slots[pos];

		if (slot == 0)
			break;
		if (((slot ^ hash) & SLOT_TAG_MASK) == 0)
		{
			e = &entries[(slot & SLOT_IDX_MASK) - 1];
			if (e->key_len == (uint32) len &&
				memcmp(len <= KEY_PREFIX ? e->prefix : B_KEY(s, e), key, len) == 0)
			{
				*created = false;
				return e;
			}
		}
		pos = (pos + 1) & mask;
	}

	if (len > BRIDGE_MAX_KEY)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("argument \"item\" is too long for a bridge_summary"),
				 errdetail("An item key has %d bytes; the limit is %d.", len, BRIDGE_MAX_KEY)));
	if (s->nitems >= s->cap_items || (uint64) s->heap_used + len > s->heap_cap)
	{
		s = bridge_grow(s, (int64) s->nitems + 1, (uint64) s->heap_used + len);
		*ps = s;
	}
	e = &B_ENTRIES(s)[s->nitems];
	memset(e, 0, sizeof(BridgeEntry));
	memset(&B_HI(s)[(Size) s->nitems * 6], 0, 6 * sizeof(int64));
	memcpy(e->prefix, key, Min(len, KEY_PREFIX));
	e->key_off = s->heap_used;
	e->key_len = len;
	memcpy(B_HEAP(s) + s->heap_used, key, len);
	s->heap_used += len;
	slot_insert(s, hash, s->nitems);
	s->nitems++;
	*created = true;
	return e;
}

/*
 * Add value*10^-scale to sum j of entry e of s; 22003 when it leaves the
 * exact range.  The sum keeps the largest scale seen.  The common case (same
 * scale, no change of the high word) touches only the entry.
 */
static inline void
entry_add_scaled(BridgeSummary *s, BridgeEntry *e, int j, int128 value, int scale)
{
	int			sc = e->scale[j];
	uint64		xlo,
				nlo;
	int64		xhi;
	bool		carry;

	if (unlikely(scale != sc))
	{
		if (scale < sc)
		{
			if (__builtin_mul_overflow(value, rk_pow10[sc - scale], &value))
				exact_sum_overflow_error(sum_arg_names[j]);
		}
		else
		{
			int128		cur;

			if (scale > RK_MAX_SCALE ||
				__builtin_mul_overflow(ev(s, e, j), rk_pow10[scale - sc], &cur))
				exact_sum_overflow_error(sum_arg_names[j]);
			set_ev(s, e, j, cur);
			e->scale[j] = scale;
		}
	}
	xlo = (uint64) value;
	xhi = (int64) (value >> 64);
	nlo = e->lo[j] + xlo;
	carry = nlo < xlo;
	if (likely((xhi == 0 && !carry) || (xhi == -1 && carry)))
		e->lo[j] = nlo;			/* the high word does not change: no overflow possible */
	else
	{
		int128		r;

		if (__builtin_add_overflow(ev(s, e, j), value, &r))
			exact_sum_overflow_error(sum_arg_names[j]);
		set_ev(s, e, j, r);
	}
}

/* Add the sums of the periods present in src (of summary ss) into dst (of s). */
static void
entry_merge(BridgeSummary *s, BridgeEntry *dst, const BridgeSummary *ss, const BridgeEntry *src)
{
	int			i;

	for (i = 0; i < 6; i++)
	{
		if (src->present & (i < 3 ? PRESENT_BASE : PRESENT_CURRENT))
			entry_add_scaled(s, dst, i, ev(ss, src, i), src->scale[i]);
	}
	dst->present |= src->present;
}

/* Add staged sums (text or binary input) into dst of s. */
static void
entry_merge_sums(BridgeSummary *s, BridgeEntry *dst, const EntrySums *src)
{
	int			i;

	for (i = 0; i < 6; i++)
	{
		if (src->present & (i < 3 ? PRESENT_BASE : PRESENT_CURRENT))
		{
			if (src->scale[i] < 0 || src->scale[i] > RK_MAX_SCALE)
				exact_sum_overflow_error(sum_arg_names[i]);
			entry_add_scaled(s, dst, i, src->v[i], src->scale[i]);
		}
	}
	dst->present |= src->present;
}

/* Order of keys: bytewise, a prefix first (C collation). */
static int
key_cmp(const char *a, uint32 alen, const char *b, uint32 blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* Sort item: the key's first 16 bytes as two big-endian integers, then the entry. */
typedef struct SortItem
{
	uint64		k1,
				k2;
	int32		idx;
} SortItem;

/* Full key comparison of two sort items whose first 16 bytes are equal. */
static int
sort_item_tie(const SortItem *x, const SortItem *y, const BridgeSummary *s)
{
	const BridgeEntry *ex = &B_ENTRIES(s)[x->idx];
	const BridgeEntry *ey = &B_ENTRIES(s)[y->idx];

	return key_cmp(B_KEY(s, ex), ex->key_len, B_KEY(s, ey), ey->key_len);
}

/* sort_items(): PostgreSQL's sort template with the comparison inlined */
#define ST_SORT sort_items
#define ST_ELEMENT_TYPE SortItem
#define ST_COMPARE_ARG_TYPE const BridgeSummary
#define ST_COMPARE(a, b, arg) \
	((a)->k1 != (b)->k1 ? ((a)->k1 < (b)->k1 ? -1 : 1) : \
	 (a)->k2 != (b)->k2 ? ((a)->k2 < (b)->k2 ? -1 : 1) : sort_item_tie((a), (b), (arg)))
#define ST_SCOPE static
#define ST_DEFINE
#include "lib/sort_template.h"

/* Big-endian value of up to 8 key bytes, zero padded (keys never contain a zero byte). */
static inline uint64
key_word(const char *key, int len)
{
	uint64		w = 0;
	int			i;

	for (i = 0; i < 8; i++)
		w = (w << 8) | (i < len ? (unsigned char) key[i] : 0);
	return w;
}

/* Entry indexes in key order (the stored form is already in order). */
static int32 *
bridge_order(const BridgeSummary *s)
{
	int32	   *order = palloc_extended(sizeof(int32) * Max(s->nitems, 1), MCXT_ALLOC_HUGE);
	int32		i;

	if (s->hashed && s->nitems > 1)
	{
		SortItem   *items = palloc_extended(sizeof(SortItem) * s->nitems, MCXT_ALLOC_HUGE);
		const BridgeEntry *e = B_ENTRIES(s);

		for (i = 0; i < s->nitems; i++)
		{
			const char *key = B_KEY(s, &e[i]);
			int			len = e[i].key_len;

			CHECK_FOR_INTERRUPTS();
			items[i].k1 = key_word(key, len);
			items[i].k2 = len > 8 ? key_word(key + 8, len - 8) : 0;
			items[i].idx = i;
		}
		sort_items(items, s->nitems, s);
		for (i = 0; i < s->nitems; i++)
			order[i] = items[i].idx;
		pfree(items);
	}
	else
	{
		for (i = 0; i < s->nitems; i++)
			order[i] = i;
	}
	return order;
}

/* The canonical stored form of s: sorted, packed, no slots. */
static BridgeSummary *
bridge_compact(const BridgeSummary *s)
{
	BridgeSummary *c;
	int32	   *order;
	BridgeEntry *ce;
	char	   *heap;
	uint32		off = 0;
	int32		i;

	if (!s->hashed)
	{
		c = palloc_extended(VARSIZE(s), MCXT_ALLOC_HUGE);
		memcpy(c, s, VARSIZE(s));
		return c;
	}
	order = bridge_order(s);
	c = bridge_alloc(false, 0, s->nitems, s->heap_used);
	c->nitems = s->nitems;
	c->nrows = s->nrows;
	c->heap_used = s->heap_used;
	ce = B_ENTRIES(c);
	heap = B_HEAP(c);
	for (i = 0; i < s->nitems; i++)
	{
		const BridgeEntry *e = &B_ENTRIES(s)[order[i]];

		CHECK_FOR_INTERRUPTS();
		ce[i] = *e;
		memcpy(&B_HI(c)[(Size) i * 6], &B_HI(s)[(Size) order[i] * 6], 6 * sizeof(int64));
		memset(ce[i].prefix, 0, KEY_PREFIX);
		ce[i].pad = 0;
		ce[i].key_off = off;
		memcpy(heap + off, B_KEY(s, e), e->key_len);
		off += e->key_len;
	}
	pfree(order);
	return c;
}

/*
 * A working copy of a validated value: entries copied, hashes recomputed,
 * slots rebuilt.  Duplicate keys mean the value was corrupt.
 */
static BridgeSummary *
bridge_to_working(const BridgeSummary *s)
{
	int64		cap = 64;
	BridgeSummary *w;
	BridgeEntry *we;
	char	   *heap;
	uint32	   *slots;
	uint32		mask;
	uint32		off = 0;
	int32		i;

	while (cap < s->nitems)
		cap *= 2;
	w = bridge_alloc(true, (int32) (cap * 2), (int32) cap, Max(s->heap_used, 1024));
	w->nrows = s->nrows;
	w->nitems = s->nitems;
	we = B_ENTRIES(w);
	heap = B_HEAP(w);
	slots = B_SLOTS(w);
	mask = w->nslots - 1;
	for (i = 0; i < s->nitems; i++)
	{
		const BridgeEntry *src = &B_ENTRIES(s)[i];
		const char *key = B_KEY(s, src);
		uint32		len = src->key_len;
		uint32		hash = key_hash(key, len);
		uint32		pos = hash & mask;
		BridgeEntry *e = &we[i];

		CHECK_FOR_INTERRUPTS();
		/* the sums and flags as validated; key, prefix and hash rebuilt here */
		*e = *src;
		memcpy(&B_HI(w)[(Size) i * 6], &B_HI(s)[(Size) i * 6], 6 * sizeof(int64));
		memset(e->prefix, 0, KEY_PREFIX);
		memcpy(e->prefix, key, Min(len, KEY_PREFIX));
		e->key_off = off;
		memcpy(heap + off, key, len);
		off += len;
		while (slots[pos] != 0)
		{
			const BridgeEntry *o = &we[(slots[pos] & SLOT_IDX_MASK) - 1];

			if (((slots[pos] ^ hash) & SLOT_TAG_MASK) == 0 && o->key_len == len &&
				memcmp(heap + o->key_off, key, len) == 0)
				bridge_corrupt("An item appears twice.");
			pos = (pos + 1) & mask;
		}
		slots[pos] = (hash & SLOT_TAG_MASK) | (uint32) (i + 1);
	}
	w->heap_used = off;
	return w;
}

/* Detoast a stored value and validate it (22000 on corruption). */
static BridgeSummary *
bridge_from_datum(Datum d)
{
	BridgeSummary *s = (BridgeSummary *) PG_DETOAST_DATUM(d);
	uint64		size = VARSIZE(s);
	BridgeEntry *entries;
	const char *heap;
	uint64		key_bytes = 0;
	int32		i;
	int			encoding = GetDatabaseEncoding();

	if (size < sizeof(BridgeSummary))
		bridge_corrupt("The value is shorter than its header.");
	if (s->version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("unsupported bridge_summary format version %d", s->version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	if (s->kind != BRIDGE_KIND || s->hashed > 1 || s->pad != 0)
		bridge_corrupt("The header does not describe a bridge_summary.");
	if (s->nitems < 0 || s->cap_items < s->nitems || s->cap_items > BRIDGE_MAX_ITEMS ||
		s->heap_used > s->heap_cap || s->heap_cap > BRIDGE_MAX_HEAP ||
		s->nrows < s->nitems)
		bridge_corrupt("The item counts are invalid.");
	if (s->hashed)
	{
		if (s->nslots < s->cap_items || s->nslots <= 0 || (s->nslots & (s->nslots - 1)) != 0 ||
			s->nslots > 2 * BRIDGE_MAX_ITEMS)
			bridge_corrupt("The hash table size is invalid.");
	}
	else if (s->nslots != 0 || s->cap_items != s->nitems || s->heap_cap != s->heap_used)
		bridge_corrupt("A stored value has spare capacity.");
	if (size != (uint64) heap_offset(s->nslots, s->cap_items) + s->heap_cap)
		bridge_corrupt("The value's length does not match its contents.");

	entries = B_ENTRIES(s);
	heap = B_HEAP(s);
	for (i = 0; i < s->nitems; i++)
	{
		const BridgeEntry *e = &entries[i];
		int			j;

		CHECK_FOR_INTERRUPTS();
		/* keys are packed: the stored form in order, in any form no more than the heap holds */
		key_bytes += e->key_len;
		if (key_bytes > s->heap_used || (!s->hashed && e->key_off != key_bytes - e->key_len))
			bridge_corrupt("The item keys overlap.");

		if (e->present == 0 || e->present > 3 || e->pad != 0)
			bridge_corrupt("An item's period flags are invalid.");
		for (j = 0; j < 6; j++)
		{
			bool		has = (e->present & (j < 3 ? PRESENT_BASE : PRESENT_CURRENT)) != 0;

			if (e->scale[j] < 0 || e->scale[j] > RK_MAX_SCALE ||
				(!has && (ev(s, e, j) != 0 || e->scale[j] != 0)))
				bridge_corrupt("A sum has an invalid scale.");
		}
		if (e->key_len > BRIDGE_MAX_KEY || (uint64) e->key_off + e->key_len > s->heap_used)
			bridge_corrupt("An item key lies outside the value.");
		if (!pg_verify_mbstr(encoding, heap + e->key_off, e->key_len, true))
			bridge_corrupt("An item key is not valid in the database encoding.");
		if (!s->hashed && i > 0 &&
			key_cmp(heap + entries[i - 1].key_off, entries[i - 1].key_len,
					heap + e->key_off, e->key_len) >= 0)
			bridge_corrupt("The items are not in strictly ascending order.");
	}
	return s;
}

/*
 * bridge_agg(item, is_current, units, revenue, cost) transition: rows with a
 * NULL argument are skipped, as sum() does; NaN or infinities are errors.
 */
PG_FUNCTION_INFO_V1(bridge_agg_trans);
Datum
bridge_agg_trans(PG_FUNCTION_ARGS)
{
	BridgeSummary *s;
	text	   *item;
	BridgeEntry *e;
	bool		created;
	bool		in_agg = rk_in_agg(fcinfo);
	int			first;
	int			i;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3) ||
		PG_ARGISNULL(4) || PG_ARGISNULL(5))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	if (PG_ARGISNULL(0))
		s = bridge_new_working();
	else if (in_agg && ((BridgeSummary *) PG_GETARG_POINTER(0))->hashed)
		s = (BridgeSummary *) PG_GETARG_POINTER(0);
	else
		s = bridge_to_working(bridge_from_datum(PG_GETARG_DATUM(0)));

	item = PG_GETARG_TEXT_PP(1);
	e = bridge_lookup(&s, VARDATA_ANY(item), VARSIZE_ANY_EXHDR(item), &created);
	first = PG_GETARG_BOOL(2) ? B_Q1 : B_Q0;
	for (i = 0; i < 3; i++)
	{
		int128		value;
		int			scale;

		if (!numeric_to_scaled_inline(PG_GETARG_DATUM(3 + i), &value, &scale))
		{
			rk_check_finite_numeric(PG_GETARG_DATUM(3 + i), sum_arg_names[i]);
			exact_sum_overflow_error(sum_arg_names[i]);
		}
		entry_add_scaled(s, e, first + i, value, scale);
	}
	e->present |= PG_GETARG_BOOL(2) ? PRESENT_CURRENT : PRESENT_BASE;
	s->nrows++;
	if (!in_agg)
		s = bridge_compact(s);
	PG_RETURN_POINTER(s);
}

/* Merge the entries of b into the working value a (which may move). */
static BridgeSummary *
bridge_merge(BridgeSummary *a, const BridgeSummary *b)
{
	BridgeEntry *be = B_ENTRIES(b);
	int32		i;

	if (pg_add_s64_overflow(a->nrows, b->nrows, &a->nrows))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("row count of bridge_summary is out of range")));
	for (i = 0; i < b->nitems; i++)
	{
		bool		created;
		BridgeEntry *e = bridge_lookup(&a, B_KEY(b, &be[i]), be[i].key_len, &created);

		CHECK_FOR_INTERRUPTS();
		entry_merge(a, e, b, &be[i]);
	}
	return a;
}

/*
 * Combine function (and transition of rollup): merges argument 1 into
 * argument 0, handling every NULL case; in place inside an aggregate.
 */
PG_FUNCTION_INFO_V1(bridge_summary_combine);
Datum
bridge_summary_combine(PG_FUNCTION_ARGS)
{
	bool		in_agg = rk_in_agg(fcinfo);
	BridgeSummary *a;
	BridgeSummary *b;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		if (in_agg)
			PG_RETURN_DATUM(PG_GETARG_DATUM(0));
		PG_RETURN_POINTER(bridge_compact(bridge_from_datum(PG_GETARG_DATUM(0))));
	}
	b = bridge_from_datum(PG_GETARG_DATUM(1));
	if (PG_ARGISNULL(0))
	{
		if (in_agg)
			PG_RETURN_POINTER(bridge_to_working(b));
		PG_RETURN_POINTER(bridge_compact(b));
	}
	if (in_agg && ((BridgeSummary *) PG_GETARG_POINTER(0))->hashed)
		a = (BridgeSummary *) PG_GETARG_POINTER(0);
	else
		a = bridge_to_working(bridge_from_datum(PG_GETARG_DATUM(0)));
	a = bridge_merge(a, b);
	if (!in_agg)
		a = bridge_compact(a);
	PG_RETURN_POINTER(a);
}

/* Final function of bridge_agg and rollup: the canonical stored form. */
PG_FUNCTION_INFO_V1(bridge_summary_final);
Datum
bridge_summary_final(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(bridge_compact(bridge_from_datum(PG_GETARG_DATUM(0))));
}

/* ---------- numbers ---------- */

/*
 * value*10^-scale as a numeric, built directly in numeric's stored format
 * (base-10000 digits, short header): the SRFs emit millions of these.
 */
#define NUM_SHORT				0x8000
#define NUM_SHORT_SIGN_MASK		0x2000
#define NUM_SHORT_DSCALE_SHIFT	7
#define NUM_SHORT_WEIGHT_SIGN	0x0040
#define NUM_SHORT_WEIGHT_MASK	0x003F

static Datum
int128_to_numeric(int128 value, int scale)
{
	uint128		mag = value < 0 ? -(uint128) value : (uint128) value;
	int			pad = (4 - scale % 4) % 4;
	int16		groups[16];
	int			ng = 0;
	int			first,
				last;
	int			weight;
	int			i;
	Size		len;
	char	   *result;
	uint16		header;

	Assert(scale >= 0 && scale <= RK_MAX_SCALE);
	/*
	 * Base-10000 digits of mag * 10^pad, least significant first; the least
	 * significant one has weight -(scale + pad) / 4.  The pad digits are
	 * produced separately so that the multiplication cannot overflow, and
	 * 64-bit arithmetic is used as soon as the rest fits.
	 */
	if (pad > 0)
	{
		static const int p10[4] = {1, 10, 100, 1000};
		int			low = (int) (mag % p10[4 - pad]);

		groups[ng++] = (int16) (low * p10[pad]);
		mag /= p10[4 - pad];
	}
	while (mag > PG_UINT64_MAX)
	{
		groups[ng++] = (int16) (mag % 10000);
		mag /= 10000;
	}
	{
		uint64		m = (uint64) mag;

		while (m > 0)
		{
			groups[ng++] = (int16) (m % 10000);
			m /= 10000;
		}
	}
	first = 0;
	while (first < ng && groups[first] == 0)
		first++;				/* trailing zero groups */
	last = ng - 1;
	while (last >= first && groups[last] == 0)
		last--;					/* leading zero groups */
	if (first > last)
	{
		weight = 0;
		ng = 0;
	}
	else
	{
		weight = last - (scale + pad) / 4;
		ng = last - first + 1;
	}
	len = VARHDRSZ + sizeof(uint16) + ng * sizeof(int16);
	result = palloc(len);
	SET_VARSIZE(result, len);
	header = NUM_SHORT | (value < 0 && ng > 0 ? NUM_SHORT_SIGN_MASK : 0) |
		(scale << NUM_SHORT_DSCALE_SHIFT) |
		(weight < 0 ? NUM_SHORT_WEIGHT_SIGN : 0) | (weight & NUM_SHORT_WEIGHT_MASK);
	memcpy(result + VARHDRSZ, &header, sizeof(uint16));
	for (i = 0; i < ng; i++)
	{
		int16		g = groups[last - i];

		memcpy(result + VARHDRSZ + sizeof(uint16) + i * sizeof(int16), &g, sizeof(int16));
	}
	return PointerGetDatum(result);
}

static void
bridge_range_error(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("bridge effect is out of the exact range"),
			 errdetail("Bridge effects are computed exactly in 128-bit fixed point (38 significant digits)."),
			 errhint("Aggregate smaller groups, or reduce the number of decimal places of the inputs.")));
}

static inline int128
ck_add(int128 a, int128 b)
{
	int128		r;

	if (__builtin_add_overflow(a, b, &r))
		bridge_range_error();
	return r;
}

static inline int128
ck_sub(int128 a, int128 b)
{
	int128		r;

	if (__builtin_sub_overflow(a, b, &r))
		bridge_range_error();
	return r;
}

static inline int128
ck_mul(int128 a, int128 b)
{
	int128		r;

	if (__builtin_mul_overflow(a, b, &r))
		bridge_range_error();
	return r;
}

/* a*10^(to-from), to >= from */
static inline int128
rescale(int128 a, int from, int to)
{
	Assert(to >= from);
	if (to - from > RK_MAX_SCALE)
	{
		if (a != 0)
			bridge_range_error();
		return 0;
	}
	return ck_mul(a, rk_pow10[to - from]);
}

/* n / d rounded half away from zero, d != 0 */
static inline int128
rdiv(int128 n, int128 d)
{
	int128		q = n / d;
	int128		r = n % d;
	int128		ar = r < 0 ? -r : r;
	int128		ad = d < 0 ? -d : d;

	if (ar >= ad - ar)
		q += ((n < 0) != (d < 0)) ? -1 : 1;
	return q;
}

/* ---------- text and binary forms ---------- */

/* (v1,rows=N,items=K,["key",q0,r0,c0,q1,r1,c1],...) with empty fields for a period without rows */
static char *
bridge_to_cstring(const BridgeSummary *s)
{
	StringInfoData buf;
	int32	   *order = bridge_order(s);
	int32		i;

	initStringInfo(&buf);
	appendStringInfo(&buf, "(v%d,rows=" INT64_FORMAT ",items=%d", s->version, s->nrows, s->nitems);
	for (i = 0; i < s->nitems; i++)
	{
		const BridgeEntry *e = &B_ENTRIES(s)[order[i]];
		const char *key = B_KEY(s, e);
		uint32		k;
		int			j;

		CHECK_FOR_INTERRUPTS();
		appendStringInfoString(&buf, ",[\"");
		for (k = 0; k < e->key_len; k++)
		{
			if (key[k] == '"' || key[k] == '\\')
				appendStringInfoChar(&buf, '\\');
			appendStringInfoChar(&buf, key[k]);
		}
		appendStringInfoChar(&buf, '"');
		for (j = 0; j < 6; j++)
		{
			appendStringInfoChar(&buf, ',');
			if (e->present & (j < 3 ? PRESENT_BASE : PRESENT_CURRENT))
				append_scaled_decimal(&buf, ev(s, e, j), e->scale[j]);
		}
		appendStringInfoChar(&buf, ']');
	}
	appendStringInfoChar(&buf, ')');
	return buf.data;
}

static void
bridge_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type bridge_summary: \"%s\"", str),
			 errdetail("%s", detail)));
}

static BridgeSummary *
bridge_from_cstring(const char *str)
{
	BridgeSummary *s = bridge_new_working();
	const char *p = str;
	char	   *end;
	long		version;
	int64		rows;
	long		nitems;
	int32		i;
	StringInfoData key;
	int			encoding = GetDatabaseEncoding();

	initStringInfo(&key);
	while (isspace((unsigned char) *p))
		p++;
	if (strncmp(p, "(v", 2) != 0 || !isdigit((unsigned char) p[2]))
		bridge_syntax_error(str, "A summary starts with \"(v\" and its format version.");
	version = strtol(p + 2, &end, 10);
	if (version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported bridge_summary format version %ld", version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	p = end;
	if (strncmp(p, ",rows=", 6) != 0 || !isdigit((unsigned char) p[6]))
		bridge_syntax_error(str, "Expected field \"rows\" with a non-negative integer.");
	errno = 0;
	rows = strtoi64(p + 6, &end, 10);
	if (errno != 0)
		bridge_syntax_error(str, "The row count is out of range.");
	p = end;
	if (strncmp(p, ",items=", 7) != 0 || !isdigit((unsigned char) p[7]))
		bridge_syntax_error(str, "Expected field \"items\" with a non-negative integer.");
	errno = 0;
	nitems = strtol(p + 7, &end, 10);
	if (errno != 0 || nitems > BRIDGE_MAX_ITEMS)
		bridge_syntax_error(str, "The item count is out of range.");
	p = end;
	if (rows < nitems)
		bridge_syntax_error(str, "The row count is smaller than the item count.");
	s->nrows = rows;

	for (i = 0; i < nitems; i++)
	{
		EntrySums	tmp;
		BridgeEntry *e;
		bool		created;
		int			given = 0;	/* which of the six fields were given */
		int			j;

		CHECK_FOR_INTERRUPTS();
		if (p[0] != ',' || p[1] != '[' || p[2] != '"')
			bridge_syntax_error(str, "Expected an item in the form [\"key\",units,revenue,cost,units,revenue,cost].");
		p += 3;
		resetStringInfo(&key);
		while (*p != '"')
		{
			if (*p == '\0')
				bridge_syntax_error(str, "An item key is not terminated.");
			if (*p == '\\')
			{
				p++;
				if (*p != '"' && *p != '\\')
					bridge_syntax_error(str, "Only \\\" and \\\\ are valid escapes in an item key.");
			}
			appendStringInfoChar(&key, *p++);
		}
		p++;
		if (!pg_verify_mbstr(encoding, key.data, key.len, true))
			bridge_syntax_error(str, "An item key is not valid in the database encoding.");
		memset(&tmp, 0, sizeof(tmp));
		for (j = 0; j < 6; j++)
		{
			const char *v;
			int128		value;
			int			scale;

			if (*p != ',')
				bridge_syntax_error(str, "An item has six fields after its key.");
			v = ++p;
			while (*p != '\0' && *p != ',' && *p != ']')
				p++;
			if (p == v)
				continue;
			switch (parse_exact_decimal(v, p - v, &value, &scale))
			{
				case DECIMAL_SYNTAX:
					bridge_syntax_error(str, "A sum is not a decimal number.");
					break;
				case DECIMAL_RANGE:
					exact_sum_overflow_error(sum_arg_names[j]);
					break;
				case DECIMAL_OK:
					break;
			}
			tmp.v[j] = value;
			tmp.scale[j] = scale;
			given |= 1 << j;
		}
		if (*p != ']')
			bridge_syntax_error(str, "An item has six fields after its key.");
		p++;
		if ((given & 7) != 0 && (given & 7) != 7)
			bridge_syntax_error(str, "A period of an item gives all three sums or none.");
		if ((given & 56) != 0 && (given & 56) != 56)
			bridge_syntax_error(str, "A period of an item gives all three sums or none.");
		if (given == 0)
			bridge_syntax_error(str, "An item has sums for at least one period.");
		tmp.present = ((given & 7) ? PRESENT_BASE : 0) | ((given & 56) ? PRESENT_CURRENT : 0);
		e = bridge_lookup(&s, key.data, key.len, &created);
		if (!created)
			bridge_syntax_error(str, psprintf("Item \"%s\" appears twice.", key.data));
		entry_merge_sums(s, e, &tmp);
	}
	if (*p != ')')
		bridge_syntax_error(str, "Expected \")\" after the last item (is the item count right?).");
	p++;
	while (isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		bridge_syntax_error(str, "Unexpected text after the summary.");
	return bridge_compact(s);
}

PG_FUNCTION_INFO_V1(bridge_summary_in);
Datum
bridge_summary_in(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(bridge_from_cstring(PG_GETARG_CSTRING(0)));
}

PG_FUNCTION_INFO_V1(bridge_summary_out);
Datum
bridge_summary_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(bridge_to_cstring(bridge_from_datum(PG_GETARG_DATUM(0))));
}

/*
 * Binary form: version, kind, rows (int64), items (int32), then per item in
 * key order: key length (int32), key bytes, period flags (byte), and for each
 * period present three sums as scale (byte) and the 128-bit value (two int64).
 */
PG_FUNCTION_INFO_V1(bridge_summary_send);
Datum
bridge_summary_send(PG_FUNCTION_ARGS)
{
	BridgeSummary *s = bridge_from_datum(PG_GETARG_DATUM(0));
	int32	   *order = bridge_order(s);
	StringInfoData buf;
	int32		i;

	pq_begintypsend(&buf);
	pq_sendbyte(&buf, s->version);
	pq_sendbyte(&buf, BRIDGE_KIND);
	pq_sendint64(&buf, s->nrows);
	pq_sendint32(&buf, s->nitems);
	for (i = 0; i < s->nitems; i++)
	{
		const BridgeEntry *e = &B_ENTRIES(s)[order[i]];
		int			j;

		CHECK_FOR_INTERRUPTS();
		pq_sendint32(&buf, e->key_len);
		pq_sendbytes(&buf, B_KEY(s, e), e->key_len);
		pq_sendbyte(&buf, e->present);
		for (j = 0; j < 6; j++)
		{
			if (!(e->present & (j < 3 ? PRESENT_BASE : PRESENT_CURRENT)))
				continue;
			pq_sendbyte(&buf, e->scale[j]);
			pq_sendint64(&buf, (int64) (ev(s, e, j) >> 64));
			pq_sendint64(&buf, (int64) (uint64) ev(s, e, j));
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
need_bytes(StringInfo buf, int64 n)
{
	if (n < 0 || buf->len - buf->cursor < n)
		bridge_corrupt("The binary value is truncated.");
}

PG_FUNCTION_INFO_V1(bridge_summary_recv);
Datum
bridge_summary_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	BridgeSummary *s = bridge_new_working();
	int			version;
	int32		nitems;
	int32		i;
	int			encoding = GetDatabaseEncoding();

	need_bytes(buf, 1);
	version = pq_getmsgbyte(buf);
	if (version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("unsupported bridge_summary format version %d", version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	need_bytes(buf, 1 + 8 + 4);
	if (pq_getmsgbyte(buf) != BRIDGE_KIND)
		bridge_corrupt("The binary header does not describe a bridge_summary.");
	s->nrows = pq_getmsgint64(buf);
	nitems = pq_getmsgint(buf, 4);
	if (nitems < 0 || nitems > BRIDGE_MAX_ITEMS || s->nrows < nitems)
		bridge_corrupt("The item counts are invalid.");
	for (i = 0; i < nitems; i++)
	{
		EntrySums	tmp;
		BridgeEntry *e;
		int32		len;
		const char *key;
		bool		created;
		int			j;

		CHECK_FOR_INTERRUPTS();
		need_bytes(buf, 4);
		len = pq_getmsgint(buf, 4);
		if (len < 0 || len > BRIDGE_MAX_KEY)
			bridge_corrupt("An item key length is invalid.");
		need_bytes(buf, len + 1);
		key = pq_getmsgbytes(buf, len);
		if (!pg_verify_mbstr(encoding, key, len, true))
			bridge_corrupt("An item key is not valid in the database encoding.");
		memset(&tmp, 0, sizeof(tmp));
		tmp.present = pq_getmsgbyte(buf);
		if (tmp.present == 0 || tmp.present > 3)
			bridge_corrupt("An item's period flags are invalid.");
		for (j = 0; j < 6; j++)
		{
			uint64		hi,
						lo;

			if (!(tmp.present & (j < 3 ? PRESENT_BASE : PRESENT_CURRENT)))
				continue;
			need_bytes(buf, 17);
			tmp.scale[j] = pq_getmsgbyte(buf);
			if (tmp.scale[j] < 0 || tmp.scale[j] > RK_MAX_SCALE)
				bridge_corrupt("A sum has an invalid scale.");
			hi = (uint64) pq_getmsgint64(buf);
			lo = (uint64) pq_getmsgint64(buf);
			tmp.v[j] = (int128) (((uint128) hi << 64) | lo);
		}
		e = bridge_lookup(&s, key, len, &created);
		if (!created)
			bridge_corrupt("An item appears twice.");
		entry_merge_sums(s, e, &tmp);
	}
	if (buf->cursor != buf->len)
		bridge_corrupt("The binary value has trailing bytes.");
	PG_RETURN_POINTER(bridge_compact(s));
}

/* Number of input rows the summary was built from. */
PG_FUNCTION_INFO_V1(bridge_row_count);
Datum
bridge_row_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(bridge_from_datum(PG_GETARG_DATUM(0))->nrows);
}

/* Number of distinct items. */
PG_FUNCTION_INFO_V1(bridge_item_count);
Datum
bridge_item_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(bridge_from_datum(PG_GETARG_DATUM(0))->nitems);
}

/* ---------- bridges ---------- */

static const char *const bridge_methods[] = {"price_volume_mix", "price_volume", "interaction", NULL};

enum
{
	M_PVM, M_PV, M_INTERACTION
};

/* Output columns of margin_bridge and revenue_bridge */
enum
{
	O_BASE, O_VOLUME, O_MIX, O_PRICE, O_COST, O_INTERACTION, O_NEW, O_DISC, O_CURRENT, O_N
};

/* An item's sums brought to common scales: units at sq, money at sm. */
typedef struct ItemVals
{
	int128		q[2],
				r[2],
				c[2];
	bool		active[2];		/* units > 0 in that period */
} ItemVals;

/* Largest scales of units and of money over the summary. */
static void
summary_scales(const BridgeSummary *s, int *sq, int *sm)
{
	BridgeEntry *e = B_ENTRIES(s);
	int32		i;

	*sq = 0;
	*sm = 0;
	for (i = 0; i < s->nitems; i++)
	{
		CHECK_FOR_INTERRUPTS();
		*sq = Max(*sq, Max(e[i].scale[B_Q0], e[i].scale[B_Q1]));
		*sm = Max(*sm, Max(Max(e[i].scale[B_R0], e[i].scale[B_C0]),
						   Max(e[i].scale[B_R1], e[i].scale[B_C1])));
	}
}

static void
item_error(const BridgeSummary *s, const BridgeEntry *e, int period, const char *what)
{
	StringInfoData d;

	initStringInfo(&d);
	appendStringInfoString(&d, "Net units ");
	append_scaled_decimal(&d, ev(s, e, period * 3 + 0), e->scale[period * 3 + 0]);
	appendStringInfoString(&d, ", revenue ");
	append_scaled_decimal(&d, ev(s, e, period * 3 + 1), e->scale[period * 3 + 1]);
	appendStringInfoString(&d, ", cost ");
	append_scaled_decimal(&d, ev(s, e, period * 3 + 2), e->scale[period * 3 + 2]);
	appendStringInfoString(&d, ".");
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("item \"%s\" has %s in the %s period",
					pnstrdup(B_KEY(s, e), e->key_len), what, period == 0 ? "base" : "current"),
			 errdetail("%s", d.data),
			 errhint("A bridge needs net units > 0 wherever an item has revenue or cost; "
					 "exclude such rows or items, or correct the data.")));
}

/*
 * Read an item's sums at the common scales and classify each period: active
 * (units > 0), absent (no rows, or units, revenue and cost all 0), or an
 * error (units < 0, or units = 0 with revenue or cost).
 */
static void
item_values(const BridgeSummary *s, const BridgeEntry *e, int sq, int sm, ItemVals *iv)
{
	int			p;

	for (p = 0; p < 2; p++)
	{
		iv->q[p] = rescale(ev(s, e, p * 3 + 0), e->scale[p * 3 + 0], sq);
		iv->r[p] = rescale(ev(s, e, p * 3 + 1), e->scale[p * 3 + 1], sm);
		iv->c[p] = rescale(ev(s, e, p * 3 + 2), e->scale[p * 3 + 2], sm);
		if (iv->q[p] < 0)
			item_error(s, e, p, "negative net units");
		if (iv->q[p] == 0 && (iv->r[p] != 0 || iv->c[p] != 0))
			item_error(s, e, p, "revenue or cost but no net units");
		iv->active[p] = iv->q[p] > 0;
	}
}

/*
 * One row of a gross-profit (revenue_only = false) or revenue bridge.  All
 * values in out[] are at scale d except base, current, new and discontinued,
 * which are exact at scale sm.
 */
static void
bridge_item_effects(const ItemVals *iv, int method, bool revenue_only, int sm, int d,
					int128 Q0, int128 Q1, int128 *out)
{
	int			k = d - sm;
	int128		g0 = revenue_only ? iv->r[0] : ck_sub(iv->r[0], iv->c[0]);
	int128		g1 = revenue_only ? iv->r[1] : ck_sub(iv->r[1], iv->c[1]);
	int128		dg;
	int128		q0 = iv->q[0],
				q1 = iv->q[1];
	int			i;

	for (i = 0; i < O_N; i++)
		out[i] = 0;
	out[O_BASE] = g0;
	out[O_CURRENT] = g1;
	if (iv->active[0] && iv->active[1])
	{
		dg = rescale(ck_sub(g1, g0), 0, k);
		if (method == M_INTERACTION)
		{
			/* price at base volume q0·(p1 - p0), volume at base price (q1 - q0)·m0 */
			out[O_PRICE] = ck_sub(rdiv(ck_mul(q0, rescale(iv->r[1], 0, k)), q1),
								  rescale(iv->r[0], 0, k));
			if (!revenue_only)
				out[O_COST] = -ck_sub(rdiv(ck_mul(q0, rescale(iv->c[1], 0, k)), q1),
									  rescale(iv->c[0], 0, k));
			out[O_VOLUME] = ck_sub(rdiv(ck_mul(q1, rescale(g0, 0, k)), q0), rescale(g0, 0, k));
			out[O_INTERACTION] = ck_sub(ck_sub(ck_sub(dg, out[O_VOLUME]), out[O_PRICE]), out[O_COST]);
		}
		else
		{
			/* price q1·(p1 - p0) = R1 - q1·R0/q0; cost -q1·(c1 - c0) */
			out[O_PRICE] = ck_sub(rescale(iv->r[1], 0, k),
								  rdiv(ck_mul(q1, rescale(iv->r[0], 0, k)), q0));
			if (!revenue_only)
				out[O_COST] = -ck_sub(rescale(iv->c[1], 0, k),
									  rdiv(ck_mul(q1, rescale(iv->c[0], 0, k)), q0));
			if (method == M_PVM)
			{
				/* (Q1 - Q0)·s0·m0 = GP0·(Q1 - Q0)/Q0; mix is the rest */
				out[O_VOLUME] = rdiv(ck_mul(rescale(g0, 0, k), ck_sub(Q1, Q0)), Q0);
				out[O_MIX] = ck_sub(ck_sub(ck_sub(dg, out[O_VOLUME]), out[O_PRICE]), out[O_COST]);
			}
			else
			{
				/* (q1 - q0)·m0 is the rest */
				out[O_VOLUME] = ck_sub(ck_sub(dg, out[O_PRICE]), out[O_COST]);
			}
		}
	}
	else if (iv->active[1])
		out[O_NEW] = g1;
	else if (iv->active[0])
		out[O_DISC] = -g0;
}

/* Emit one bridge row; item NULL for the total. */
static void
bridge_put_row(ReturnSetInfo *rsinfo, const char *key, int keylen, const int128 *out,
			   int sm, int d, bool used[O_N], text *method)
{
	Datum		values[O_N + 2];
	bool		nulls[O_N + 2];
	int			i;

	memset(nulls, 0, sizeof(nulls));
	if (key == NULL)
		nulls[0] = true;
	else
		values[0] = PointerGetDatum(cstring_to_text_with_len(key, keylen));
	for (i = 0; i < O_N; i++)
	{
		int			scale = (i == O_BASE || i == O_CURRENT || i == O_NEW || i == O_DISC) ? sm : d;

		values[1 + i] = int128_to_numeric(out[i], used[i] ? scale : 0);
	}
	values[O_N + 1] = PointerGetDatum(method);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* Body of margin_bridge and revenue_bridge. */
static Datum
bridge_srf(FunctionCallInfo fcinfo, bool revenue_only)
{
	BridgeSummary *s = bridge_from_datum(PG_GETARG_DATUM(0));
	text	   *mtext = PG_GETARG_TEXT_PP(1);
	int			method = rk_variant(mtext, "method", bridge_methods);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32	   *order = bridge_order(s);
	BridgeEntry *entries = B_ENTRIES(s);
	ItemVals	iv;
	int			sq,
				sm,
				d;
	int128		Q0 = 0,
				Q1 = 0;
	int128		total[O_N];
	int128		out[O_N];
	bool		used[O_N];
	text	   *mcopy = cstring_to_text(bridge_methods[method]);
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	int32		i;
	int			j;

	InitMaterializedSRF(fcinfo, 0);
	summary_scales(s, &sq, &sm);
	d = Max(BRIDGE_MIN_SCALE, sm);

	/* first pass: check every item, and the units of the continuing items */
	for (i = 0; i < s->nitems; i++)
	{
		CHECK_FOR_INTERRUPTS();
		item_values(s, &entries[order[i]], sq, sm, &iv);
		if (iv.active[0] && iv.active[1])
		{
			Q0 = ck_add(Q0, iv.q[0]);
			Q1 = ck_add(Q1, iv.q[1]);
		}
	}

	for (j = 0; j < O_N; j++)
	{
		total[j] = 0;
		used[j] = true;
	}
	used[O_MIX] = (method == M_PVM);
	used[O_INTERACTION] = (method == M_INTERACTION);
	used[O_COST] = !revenue_only;

	/* second pass: one row per item, built in a per-row context (the tuplestore copies it) */
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "bridge row", ALLOCSET_SMALL_SIZES);
	for (i = 0; i < s->nitems; i++)
	{
		const BridgeEntry *e = &entries[order[i]];
		bool		row_used[O_N];
		bool		both;

		CHECK_FOR_INTERRUPTS();
		item_values(s, e, sq, sm, &iv);
		both = iv.active[0] && iv.active[1];
		bridge_item_effects(&iv, method, revenue_only, sm, d, Q0, Q1, out);
		for (j = 0; j < O_N; j++)
		{
			total[j] = ck_add(total[j], out[j]);
			/* effects that do not apply to this item print as a plain 0 */
			if (j == O_BASE || j == O_CURRENT)
				row_used[j] = true;
			else if (j == O_NEW)
				row_used[j] = iv.active[1] && !iv.active[0];
			else if (j == O_DISC)
				row_used[j] = iv.active[0] && !iv.active[1];
			else
				row_used[j] = used[j] && both;
		}
		oldcxt = MemoryContextSwitchTo(rowcxt);
		bridge_put_row(rsinfo, B_KEY(s, e), e->key_len, out, sm, d, row_used, mcopy);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);
	}
	bridge_put_row(rsinfo, NULL, 0, total, sm, d, used, mcopy);
	MemoryContextDelete(rowcxt);
	return (Datum) 0;
}

/* Gross-profit bridge of a bridge_summary: one row per item and a total row. */
PG_FUNCTION_INFO_V1(bridge_margin_bridge);
Datum
bridge_margin_bridge(PG_FUNCTION_ARGS)
{
	return bridge_srf(fcinfo, false);
}

/* Revenue bridge: the same split of revenue (no cost effect). */
PG_FUNCTION_INFO_V1(bridge_revenue_bridge);
Datum
bridge_revenue_bridge(PG_FUNCTION_ARGS)
{
	return bridge_srf(fcinfo, true);
}

/* An exact 128-bit value as numeric. */
static Datum
num128(int128 x)
{
	return scaled_to_numeric(x, 0);
}

/* a * b of numerics, exact. */
static Datum
nmul(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_mul, a, b);
}

/* a - b of numerics, exact. */
static Datum
nsub(Datum a, Datum b)
{
	return DirectFunctionCall2(numeric_sub, a, b);
}

/* A numeric as float8 (one correct rounding of its decimal digits). */
static double
nfloat(Datum a)
{
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8, a));
}

/*
 * x / y for two exact values at one scale, as float8 (y != 0): IEEE division
 * when both are exact doubles (correctly rounded), else from the numeric
 * quotient; the same bits on every platform either way.
 */
static double
ratio128(int128 x, int128 y)
{
	int128		lim = (int128) 1 << 53;

	if (x < lim && x > -lim && y < lim && y > -lim)
		return (double) x / (double) y;
	return nfloat(rk_numeric_quotient(num128(x), num128(y)));
}

/*
 * Margin-rate bridge: with revenue shares w = R_item / R_total and item
 * margin rates r = GP_item / R_item, the change of the total margin rate is
 * split into mix Σ (w1 - w0)·r0 and rate Σ w1·(r1 - r0).  An item without
 * positive revenue in one of the periods (new, discontinued, or revenue <= 0)
 * has no rate effect: its whole change of contribution GP1/R1 - GP0/R0 is mix.
 * NULL effects when a period's total revenue is <= 0.
 *
 * Every effect is an exact fraction of integer sums, divided once in numeric
 * (rk_numeric_quotient) and rounded once to float8; the total rate effect is
 * the exact sum of the items' quotients and the total mix the exact change
 * minus it.  Integer and numeric arithmetic give the same bits on every
 * platform (until 0.2 this used long double, whose width depends on the
 * platform: 80-bit x87, 64-bit, or 128-bit software on aarch64).
 */
PG_FUNCTION_INFO_V1(bridge_margin_rate_bridge);
Datum
bridge_margin_rate_bridge(PG_FUNCTION_ARGS)
{
	BridgeSummary *s = bridge_from_datum(PG_GETARG_DATUM(0));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int32	   *order = bridge_order(s);
	BridgeEntry *entries = B_ENTRIES(s);
	int			sq,
				sm;
	int128		RT[2] = {0, 0},
				GT[2] = {0, 0};
	bool		ok;
	Datum		rate_sum;
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	Datum		values[5];
	bool		nulls[5];
	int32		i;
	int			p;

	InitMaterializedSRF(fcinfo, 0);
	summary_scales(s, &sq, &sm);
	for (i = 0; i < s->nitems; i++)
	{
		const BridgeEntry *e = &entries[i];

		CHECK_FOR_INTERRUPTS();
		for (p = 0; p < 2; p++)
		{
			int128		r = rescale(ev(s, e, p * 3 + 1), e->scale[p * 3 + 1], sm);
			int128		c = rescale(ev(s, e, p * 3 + 2), e->scale[p * 3 + 2], sm);

			RT[p] = ck_add(RT[p], r);
			GT[p] = ck_add(GT[p], ck_sub(r, c));
		}
	}
	ok = RT[0] > 0 && RT[1] > 0;
	rate_sum = num128(0);

	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "bridge row", ALLOCSET_SMALL_SIZES);
	for (i = 0; i < s->nitems; i++)
	{
		const BridgeEntry *e = &entries[order[i]];
		int128		r[2],
					g[2];

		CHECK_FOR_INTERRUPTS();
		memset(nulls, 0, sizeof(nulls));
		for (p = 0; p < 2; p++)
		{
			r[p] = rescale(ev(s, e, p * 3 + 1), e->scale[p * 3 + 1], sm);
			g[p] = ck_sub(r[p], rescale(ev(s, e, p * 3 + 2), e->scale[p * 3 + 2], sm));
		}
		oldcxt = MemoryContextSwitchTo(rowcxt);
		values[0] = PointerGetDatum(cstring_to_text_with_len(B_KEY(s, e), e->key_len));
		MemoryContextSwitchTo(oldcxt);
		if (r[0] > 0)
			values[1] = Float8GetDatum(ratio128(g[0], r[0]));
		else
			nulls[1] = true;
		if (r[1] > 0)
			values[4] = Float8GetDatum(ratio128(g[1], r[1]));
		else
			nulls[4] = true;
		if (!ok)
			nulls[2] = nulls[3] = true;
		else if (r[0] > 0 && r[1] > 0)
		{
			/*
			 * mix  = (w1 - w0) r0     = (R1 RT0 - R0 RT1) G0 / (RT1 RT0 R0)
			 * rate = w1 (r1 - r0)     = (G1 R0 - G0 R1) / (RT1 R0)
			 * as exact fractions of integers, each divided once
			 */
			Datum		mixq,
						rateq;

			oldcxt = MemoryContextSwitchTo(rowcxt);
			mixq = rk_numeric_quotient(nmul(nsub(nmul(num128(r[1]), num128(RT[0])),
												 nmul(num128(r[0]), num128(RT[1]))),
											num128(g[0])),
									   nmul(nmul(num128(RT[1]), num128(RT[0])), num128(r[0])));
			rateq = rk_numeric_quotient(nsub(nmul(num128(g[1]), num128(r[0])),
											 nmul(num128(g[0]), num128(r[1]))),
										nmul(num128(RT[1]), num128(r[0])));
			values[2] = Float8GetDatum(nfloat(mixq));
			values[3] = Float8GetDatum(nfloat(rateq));
			rateq = DirectFunctionCall2(numeric_add, rate_sum, rateq);
			MemoryContextSwitchTo(oldcxt);
			/* the running sum lives outside the per-row context: one value at a time */
			pfree(DatumGetPointer(rate_sum));
			rate_sum = datumCopy(rateq, false, -1);
		}
		else
		{
			/* no rate effect: mix = G1 / RT1 - G0 / RT0 = (G1 RT0 - G0 RT1) / (RT0 RT1) */
			oldcxt = MemoryContextSwitchTo(rowcxt);
			values[2] = Float8GetDatum(nfloat(rk_numeric_quotient(nsub(nmul(num128(g[1]), num128(RT[0])),
																	   nmul(num128(g[0]), num128(RT[1]))),
																  nmul(num128(RT[0]), num128(RT[1])))));
			MemoryContextSwitchTo(oldcxt);
			values[3] = Float8GetDatum(0.0);
		}
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		MemoryContextReset(rowcxt);
	}
	MemoryContextDelete(rowcxt);

	/* total: the rates of the sums; mix is what the rate effect leaves of the change */
	memset(nulls, 0, sizeof(nulls));
	nulls[0] = true;
	if (RT[0] > 0)
		values[1] = Float8GetDatum(ratio128(GT[0], RT[0]));
	else
		nulls[1] = true;
	if (RT[1] > 0)
		values[4] = Float8GetDatum(ratio128(GT[1], RT[1]));
	else
		nulls[4] = true;
	if (ok)
	{
		/* exact: change = GT1/RT1 - GT0/RT0 (40-digit quotients), mix = change - sum of the rate effects */
		Datum		change = nsub(rk_numeric_quotient(num128(GT[1]), num128(RT[1])),
								  rk_numeric_quotient(num128(GT[0]), num128(RT[0])));

		values[3] = Float8GetDatum(nfloat(rate_sum));
		values[2] = Float8GetDatum(nfloat(nsub(change, rate_sum)));
	}
	else
		nulls[2] = nulls[3] = true;
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}
