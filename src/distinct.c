/*
 * src/distinct.c
 *		The distinct family: distinct_summary keeps an exact set of bigint keys
 *		(customers, orders, SKUs) in compressed containers, so distinct counts
 *		roll up from stored summaries (a customer who visits two stores is one
 *		customer of the region) and sets can be intersected and subtracted
 *		(retention).  See docs/distinct.md.
 *
 * Keys: a bigint k is mapped to the unsigned u = k XOR 2^63 (order kept, the
 * whole bigint range exact).  u is split into a chunk number (its high 48
 * bits) and a 16-bit low part; each chunk that holds keys has a container of
 * low parts, as in roaring bitmaps:
 *		array	sorted uint16 list, at most 4096 keys (2 bytes a key)
 *		bitmap	65536 bits (8 KiB), for chunks with more than 4096 keys
 *		run		sorted list of (start, length - 1) pairs (stored form only)
 *
 * Flat (stored) form, format version 1, native byte order, read with memcpy
 * (no alignment assumed past the header):
 *		DistinctFlat header (count = number of keys)
 *		uint64 dir[nchunks]		chunk << 16 | (card - 1), chunks strictly ascending
 *		uint8  types[nchunks]	0 array, 1 bitmap, 2 run
 *		payloads in chunk order, no padding:
 *			array	card x uint16, strictly ascending
 *			bitmap	1024 x uint64, popcount = card
 *			run		uint16 nruns, nruns x (uint16 start, uint16 length - 1),
 *					ascending, neither overlapping nor adjacent, lengths summing to card
 * The writer always picks the smallest encoding (run when strictly smaller,
 * else array up to 4096 keys, else bitmap); a reader accepts any valid one.
 *
 * Text form:	(v1,count=6,keys=-5..-3,7,100..101)
 *		keys and inclusive ranges "a..b" in ascending order; the writer merges
 *		consecutive keys into maximal ranges.  Empty set: (v1,count=0,keys=).
 * Binary form: version, kind, count, chunk count, then per chunk its number
 *		(int64), card (int32), type (byte) and payload in network byte order.
 *
 * While aggregating, the state is an expanded object (DistinctExpanded: the
 * chunks in an array plus an open-addressing hash index on the chunk number)
 * in its own memory context, limited to DISTINCT_MAX_MEMORY bytes; it is
 * flattened (chunks sorted) only when the value leaves the aggregate.
 *
 * distinct_agg does not insert each key into its container: it appends the
 * key to a buffer of pending keys in the state.  A full buffer is flushed as
 * a batch: radix-sorted, deduplicated, and merged into the sorted chunk array
 * in one sequential pass (new chunks inserted in place from the back), so a
 * key costs a few sequential memory accesses instead of a random hash probe
 * into a table of a million chunks.  A batch holds as many keys as there are
 * chunks (so a pass over the chunk array is paid for by as many keys), and at
 * least min(BATCH_MIN, keys held) - never much more memory than the state
 * itself, which matters for the many small states of a hash aggregate; the
 * buffer (and the scratch space of the sort) are charged to the memory limit.  Every reader of the state (flattening for storage, a parallel
 * worker's state or a final value, a merge of an expanded state) flushes the
 * buffer first, so pending keys never reach a stored or serialised form; a
 * small flush into a large state (a window aggregate flattens after each row)
 * adds the keys one by one through the hash index instead.
 */
#include "retail_kpi.h"

#include <ctype.h>

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "port/pg_bitutils.h"
#include "utils/expandeddatum.h"
#include "utils/memutils.h"

#define DISTINCT_KIND 'd'

/* Working memory of one summary while it is built, merged or read from text/binary. */
#define DISTINCT_MAX_MEMORY ((Size) 256 * 1024 * 1024)
/* Text output stops before this size (54000): the binary form has no such limit. */
#define DISTINCT_MAX_TEXT ((Size) 512 * 1024 * 1024)

#define ARRAY_MAX 4096			/* keys in an array container */
#define BITMAP_WORDS 1024		/* uint64 words of a bitmap container */
#define BITMAP_BYTES (BITMAP_WORDS * 8)
#define INLINE_CAP 4			/* array entries kept inside the chunk itself */
#define BATCH_INIT 16			/* first allocation of the pending-key buffer */
#define BATCH_MIN 8192			/* a batch of a large state holds at least this many keys */
#define BATCH_MAX (1 << 22)		/* a batch holds at most this many keys (32 MB) */
#define BATCH_SMALL 64			/* batches up to this size are insertion-sorted */

enum
{
	C_ARRAY = 0,
	C_BITMAP = 1,
	C_RUN = 2
};

typedef struct DistinctFlat
{
	int32		vl_len_;
	uint8		version;
	uint8		kind;
	uint16		flags;
	int32		nchunks;
	int32		pad;
	int64		count;
	/* dir, types, payloads follow */
} DistinctFlat;

/* One chunk of the expanded form. */
typedef struct DChunk
{
	uint64		hi;				/* chunk number (high 48 bits of u) */
	int32		card;			/* keys held, >= 1 */
	uint16		cap;			/* array capacity; INLINE_CAP = kept in d.inl */
	bool		is_bitmap;
	union
	{
		uint16		inl[INLINE_CAP];
		uint16	   *arr;
		uint64	   *bits;
	}			d;
} DChunk;

typedef struct DistinctExpanded
{
	ExpandedObjectHeader hdr;
	int64		count;
	int32		nchunks;
	int32		cap;
	DChunk	   *chunks;
	int32	   *slots;			/* index into chunks, -1 = empty */
	uint32		nslots;			/* power of two */
	int32		last;			/* chunk of the previous key, -1 = none */
	bool		sorted;			/* chunks are in ascending order */
	bool		indexed;		/* slots index the chunks (else rebuilt when needed) */
	uint64	   *buf;			/* pending keys (unsigned form), not yet in count */
	int32		nbuf;			/* pending keys held */
	int32		bufcap;			/* allocated buffer entries */
	Size		mem;			/* bytes allocated for chunks, index and containers */
	Size		flat_size;		/* 0 = not computed since the last change */
} DistinctExpanded;

/* A decoded container: an array or a bitmap in caller-provided buffers. */
typedef struct DCont
{
	int32		card;
	bool		is_bitmap;
	uint16	   *arr;			/* ARRAY_MAX entries */
	uint64	   *bits;			/* BITMAP_WORDS words */
} DCont;

/*
 * A validated flat value, with the offsets of its containers.  The value is read in place, packed
 * (a small summary stored with a 1-byte header is not copied to be read), so only the header is
 * copied out, into hdr, for aligned access; everything past it is read with memcpy.
 */
typedef struct DRead
{
	DistinctFlat hdr;			/* the header's fields (its length word is not set) */
	const char *dirp;			/* unaligned uint64 entries: read with dir_get */
	const uint8 *types;
	const char **payload;		/* start of each container's payload */
	const char *few[8];			/* payload of a value with few chunks (no allocation) */
} DRead;

static Size distinct_get_flat_size(ExpandedObjectHeader *eohptr);
static void distinct_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size);

static void distinct_decode(const DRead *r, int32 i, DCont *c);
static void distinct_flush(DistinctExpanded *e);
static void chunk_union(DistinctExpanded *e, DChunk *c, const DCont *src);

static const ExpandedObjectMethods distinct_methods = {
	distinct_get_flat_size,
	distinct_flatten_into
};

/* ---------- keys ---------- */

/* bigint to the order-preserving unsigned key. */
static inline uint64
key_to_u(int64 k)
{
	return (uint64) k ^ ((uint64) 1 << 63);
}

/* The unsigned key back to bigint. */
static inline int64
u_to_key(uint64 u)
{
	return (int64) (u ^ ((uint64) 1 << 63));
}

/* Hash of a chunk number for the index. */
static inline uint32
chunk_hash(uint64 hi)
{
	hi ^= hi >> 33;
	hi *= UINT64CONST(0xff51afd7ed558ccd);
	hi ^= hi >> 33;
	hi *= UINT64CONST(0xc4ceb9fe1a85ec53);
	hi ^= hi >> 33;
	return (uint32) hi;
}

/* ---------- errors ---------- */

/* A stored or received value that is not a valid distinct_summary: 22000. */
static void
distinct_corrupt(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_EXCEPTION),
			 errmsg("corrupt distinct_summary value"),
			 errdetail("%s", detail)));
}

/* Text input that is not a valid distinct_summary: 22P02. */
static void
distinct_syntax_error(const char *str, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type distinct_summary: \"%.200s%s\"", str,
					strlen(str) > 200 ? "..." : ""),
			 errdetail("%s", detail)));
}

/* ---------- the expanded form ---------- */

/* Count bytes against the summary's memory limit (54000 past it). */
static void
distinct_charge(DistinctExpanded *e, Size bytes)
{
	if (e->mem + bytes > DISTINCT_MAX_MEMORY)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("distinct_summary cannot hold more keys"),
				 errdetail("A distinct summary may use at most 256 MB while it is built or merged "
						   "(about two billion keys in dense ranges, about five million keys that "
						   "are all more than 65536 apart)."),
				 errhint("Count at a finer grain, or map the keys to a dense surrogate key.")));
	e->mem += bytes;
}

/* Grows the chunk array of e to hold at least need chunks (doubling, charged to the limit). */
static void
chunks_grow(DistinctExpanded *e, int32 need)
{
	int32		cap = e->cap;

	if (need <= cap)
		return;
	while (cap < need)
		cap *= 2;
	distinct_charge(e, sizeof(DChunk) * (Size) (cap - e->cap));
	e->chunks = repalloc_huge(e->chunks, sizeof(DChunk) * (Size) cap);
	e->cap = cap;
}

/*
 * One step of a merge from the back of the chunk array, which has room for the new chunks above
 * the old ones: moves the old chunks above hi up to the write position *w, and returns the slot of
 * chunk hi there (the old chunk hi moved into it, or a new empty one).  *w and *old are the write
 * and read positions, going down; once they meet no old chunk moves any more.
 */
static DChunk *
chunk_slot_from_back(DistinctExpanded *e, int32 *w, int32 *old, uint64 hi)
{
	DChunk	   *c;

	if (*w == *old)
	{
		while (*old >= 0 && e->chunks[*old].hi > hi)
			(*old)--;
		*w = *old;
	}
	else
		while (*old >= 0 && e->chunks[*old].hi > hi)
			e->chunks[(*w)--] = e->chunks[(*old)--];
	c = &e->chunks[*w];
	if (*old >= 0 && e->chunks[*old].hi == hi)
	{
		if (*w != *old)
			*c = e->chunks[*old];
		(*old)--;
	}
	else
	{
		memset(c, 0, sizeof(DChunk));
		c->hi = hi;
		c->cap = INLINE_CAP;
	}
	return c;
}

/* A new, empty expanded summary in its own memory context under parent. */
static DistinctExpanded *
distinct_new(MemoryContext parent)
{
	MemoryContext ctx = AllocSetContextCreate(parent, "distinct_summary",
											  ALLOCSET_START_SMALL_SIZES);
	DistinctExpanded *e = MemoryContextAllocZero(ctx, sizeof(DistinctExpanded));

	EOH_init_header(&e->hdr, &distinct_methods, ctx);
	e->cap = 8;
	e->chunks = MemoryContextAlloc(ctx, sizeof(DChunk) * e->cap);
	e->nslots = 16;
	e->slots = MemoryContextAlloc(ctx, sizeof(int32) * e->nslots);
	memset(e->slots, -1, sizeof(int32) * e->nslots);
	e->last = -1;
	e->sorted = true;
	e->indexed = true;
	e->mem = sizeof(DistinctExpanded) + sizeof(DChunk) * e->cap + sizeof(int32) * e->nslots;
	return e;
}

/* Rebuild the hash index with n slots (a power of two). */
static void
distinct_rehash(DistinctExpanded *e, uint32 n)
{
	int32	   *slots;
	int32		i;

	if (n != e->nslots)
	{
		distinct_charge(e, sizeof(int32) * (Size) n);
		slots = MemoryContextAllocHuge(e->hdr.eoh_context, sizeof(int32) * (Size) n);
		pfree(e->slots);
		e->mem -= sizeof(int32) * (Size) e->nslots;
		e->slots = slots;
		e->nslots = n;
	}
	memset(e->slots, -1, sizeof(int32) * (Size) n);
	for (i = 0; i < e->nchunks; i++)
	{
		uint32		h = chunk_hash(e->chunks[i].hi) & (n - 1);

		while (e->slots[h] >= 0)
			h = (h + 1) & (n - 1);
		e->slots[h] = i;
	}
}

/* Rebuild the index after a batch merge or a sort moved the chunks (more than twice their number of slots). */
static void
distinct_reindex(DistinctExpanded *e)
{
	uint32		n = e->nslots;

	while ((Size) n < 2 * (Size) e->nchunks + 2)
		n *= 2;
	distinct_rehash(e, n);
	e->indexed = true;
	e->last = -1;
}

/* The chunk with number hi, created empty (card 0) when missing and create is set; else -1. */
static int32
distinct_find(DistinctExpanded *e, uint64 hi, bool create)
{
	uint32		h;
	DChunk	   *c;

	if (e->last >= 0 && e->chunks[e->last].hi == hi)
		return e->last;
	if (!e->indexed)
		distinct_reindex(e);
	h = chunk_hash(hi) & (e->nslots - 1);
	while (e->slots[h] >= 0)
	{
		if (e->chunks[e->slots[h]].hi == hi)
			return e->last = e->slots[h];
		h = (h + 1) & (e->nslots - 1);
	}
	if (!create)
		return -1;
	if (e->nchunks == e->cap)
	{
		distinct_charge(e, sizeof(DChunk) * (Size) e->cap);
		e->cap *= 2;
		e->chunks = repalloc_huge(e->chunks, sizeof(DChunk) * (Size) e->cap);
	}
	c = &e->chunks[e->nchunks];
	memset(c, 0, sizeof(DChunk));
	c->hi = hi;
	c->cap = INLINE_CAP;
	if (e->nchunks > 0 && hi < e->chunks[e->nchunks - 1].hi)
		e->sorted = false;
	e->slots[h] = e->nchunks;
	e->last = e->nchunks;
	e->nchunks++;
	if ((uint32) e->nchunks * 2 > e->nslots)
		distinct_rehash(e, e->nslots * 2);
	return e->nchunks - 1;
}

/* The array entries of an array chunk. */
static inline uint16 *
chunk_array(DChunk *c)
{
	return c->cap == INLINE_CAP ? c->d.inl : c->d.arr;
}

/* Make room for n array entries in an array chunk. */
static void
chunk_reserve(DistinctExpanded *e, DChunk *c, int32 n)
{
	int32		cap = c->cap;
	uint16	   *arr;

	if (n <= cap)
		return;
	while (cap < n)
		cap *= 2;
	distinct_charge(e, sizeof(uint16) * (Size) (cap - (c->cap == INLINE_CAP ? 0 : c->cap)));
	arr = MemoryContextAlloc(e->hdr.eoh_context, sizeof(uint16) * cap);
	memcpy(arr, chunk_array(c), sizeof(uint16) * c->card);
	if (c->cap != INLINE_CAP)
		pfree(c->d.arr);
	c->d.arr = arr;
	c->cap = (uint16) cap;
}

/* Turn an array chunk into a bitmap chunk. */
static void
chunk_to_bitmap(DistinctExpanded *e, DChunk *c)
{
	uint64	   *bits;
	uint16	   *arr = chunk_array(c);
	int32		i;

	distinct_charge(e, BITMAP_BYTES);
	bits = MemoryContextAllocZero(e->hdr.eoh_context, BITMAP_BYTES);
	for (i = 0; i < c->card; i++)
		bits[arr[i] >> 6] |= (uint64) 1 << (arr[i] & 63);
	if (c->cap != INLINE_CAP)
	{
		pfree(c->d.arr);
		e->mem -= sizeof(uint16) * (Size) c->cap;
	}
	c->d.bits = bits;
	c->cap = 0;
	c->is_bitmap = true;
}

/* Add one key (u) to the set. */
static void
distinct_add(DistinctExpanded *e, uint64 u)
{
	int32		ci = distinct_find(e, u >> 16, true);	/* may move e->chunks */
	DChunk	   *c = &e->chunks[ci];
	uint16		lo = (uint16) (u & 0xFFFF);
	uint16	   *arr;
	int32		l,
				r;

	if (c->is_bitmap)
	{
		uint64		bit = (uint64) 1 << (lo & 63);

		if (!(c->d.bits[lo >> 6] & bit))
		{
			c->d.bits[lo >> 6] |= bit;
			c->card++;
			e->count++;
			e->flat_size = 0;
		}
		return;
	}
	arr = chunk_array(c);
	/* binary search for the insertion point; appending is the common case */
	if (c->card == 0 || arr[c->card - 1] < lo)
		l = c->card;
	else
	{
		l = 0;
		r = c->card;
		while (l < r)
		{
			int32		m = (l + r) / 2;

			if (arr[m] < lo)
				l = m + 1;
			else
				r = m;
		}
		if (arr[l] == lo)
			return;
	}
	if (c->card == ARRAY_MAX)
	{
		chunk_to_bitmap(e, c);
		c->d.bits[lo >> 6] |= (uint64) 1 << (lo & 63);
		c->card++;
		e->count++;
		e->flat_size = 0;
		return;
	}
	chunk_reserve(e, c, c->card + 1);
	arr = chunk_array(c);
	if (l < c->card)
		memmove(arr + l + 1, arr + l, sizeof(uint16) * (c->card - l));
	arr[l] = lo;
	c->card++;
	e->count++;
	e->flat_size = 0;
}

/* Union a decoded container into chunk hi. */
static void
distinct_add_cont(DistinctExpanded *e, uint64 hi, const DCont *src)
{
	int32		i;

	if (src->card == 0)
		return;
	i = distinct_find(e, hi, true);	/* may move e->chunks */
	chunk_union(e, &e->chunks[i], src);
}

/* Union a decoded container into chunk c (the state's count follows). */
static void
chunk_union(DistinctExpanded *e, DChunk *c, const DCont *src)
{
	int32		before;
	int32		i;

	before = c->card;
	if (!c->is_bitmap && !src->is_bitmap && src->card * 4 <= c->card &&
		c->card + src->card <= ARRAY_MAX / 4)
	{
		/*
		 * A few keys into a larger array (a rollup of many small summaries): find the new ones by
		 * binary search and merge them in from the back, so the keys below the first new one stay
		 * where they are (keys ascending over time are appended); a full merge would rewrite the
		 * whole array for each summary.
		 */
		uint16		fresh[ARRAY_MAX / 4];
		uint16	   *a = chunk_array(c);
		int32		nf = 0,
					lo = 0,
					ia,
					ib,
					w;

		if (src->arr[0] > a[c->card - 1])
		{
			/* all above (keys ascending over time): appended */
			chunk_reserve(e, c, c->card + src->card);
			memcpy(chunk_array(c) + c->card, src->arr, sizeof(uint16) * src->card);
			c->card += src->card;
		}
		else
		{
			for (ib = 0; ib < src->card; ib++)
			{
				uint16		k = src->arr[ib];
				int32		hi = c->card;

				while (lo < hi)
				{
					int32		mid = (lo + hi) / 2;

					if (a[mid] < k)
						lo = mid + 1;
					else
						hi = mid;
				}
				if (lo == c->card || a[lo] != k)
					fresh[nf++] = k;
			}
			chunk_reserve(e, c, c->card + nf);
			a = chunk_array(c);
			for (ia = c->card - 1, ib = nf - 1, w = c->card + nf - 1; ib >= 0; w--)
				a[w] = (ia >= 0 && a[ia] > fresh[ib]) ? a[ia--] : fresh[ib--];
			c->card += nf;
		}
	}
	else if (!c->is_bitmap && !src->is_bitmap)
	{
		uint16		merged[2 * ARRAY_MAX];
		uint16	   *a = chunk_array(c);
		int32		ia = 0,
					ib = 0,
					n = 0;

		while (ia < c->card && ib < src->card)
		{
			if (a[ia] < src->arr[ib])
				merged[n++] = a[ia++];
			else if (a[ia] > src->arr[ib])
				merged[n++] = src->arr[ib++];
			else
			{
				merged[n++] = a[ia++];
				ib++;
			}
		}
		while (ia < c->card)
			merged[n++] = a[ia++];
		while (ib < src->card)
			merged[n++] = src->arr[ib++];
		/*
		 * A union keeps an array up to 1024 keys: merging into a large array
		 * costs its whole length each time (a rollup of many small summaries),
		 * setting bits costs only the new keys.  The stored form still uses
		 * the smallest encoding.
		 */
		if (n <= ARRAY_MAX / 4)
		{
			chunk_reserve(e, c, n);
			memcpy(chunk_array(c), merged, sizeof(uint16) * n);
			c->card = n;
		}
		else
		{
			c->card = 0;		/* an empty array becomes an empty bitmap */
			chunk_to_bitmap(e, c);
			for (i = 0; i < n; i++)
				c->d.bits[merged[i] >> 6] |= (uint64) 1 << (merged[i] & 63);
			c->card = n;
		}
	}
	else
	{
		int32		card = 0;

		if (!c->is_bitmap)
			chunk_to_bitmap(e, c);
		if (src->is_bitmap)
		{
			for (i = 0; i < BITMAP_WORDS; i++)
			{
				c->d.bits[i] |= src->bits[i];
				card += pg_popcount64(c->d.bits[i]);
			}
		}
		else
		{
			/* count only the new keys: a rollup adds many small arrays to one bitmap */
			card = c->card;
			for (i = 0; i < src->card; i++)
			{
				uint64	   *w = &c->d.bits[src->arr[i] >> 6];
				uint64		bit = (uint64) 1 << (src->arr[i] & 63);

				card += (*w & bit) == 0;
				*w |= bit;
			}
		}
		c->card = card;
	}
	e->count += c->card - before;
	e->flat_size = 0;
}

/*
 * The rules for the runs of a container of card keys: ascending, neither
 * overlapping nor adjacent, within the chunk, summing to card.  run_check
 * checks run [s, en] after the previous ones (*prev_end starts at -2, *total
 * at 0), runs_check_total the whole.
 */
static inline void
run_check(int64 s, int64 en, int64 *prev_end, int64 *total)
{
	if (s <= *prev_end + 1 || en > 0xFFFF)
		distinct_corrupt("The runs of a run container overlap, touch or are out of order.");
	*total += en - s + 1;
	*prev_end = en;
}

static inline void
runs_check_total(int64 total, int32 card, int32 nruns)
{
	if (total != card || nruns == 0)
		distinct_corrupt("A run container does not hold as many keys as its chunk declares.");
}

/* Check runs given as arrays (starts[i], lens[i] = length - 1). */
static void
runs_check(int32 card, int32 nruns, const uint16 *starts, const uint16 *lens)
{
	int64		total = 0;
	int64		prev_end = -2;

	for (int32 i = 0; i < nruns; i++)
		run_check(starts[i], (int64) starts[i] + lens[i], &prev_end, &total);
	runs_check_total(total, card, nruns);
}

/*
 * The runs of a stored run container of card keys (payload p), unpacked into
 * few (RUNS_FEW starts, then RUNS_FEW lengths) or, when there are more, into
 * allocated arrays (runs_free releases them); returns their number.  A
 * container without runs is refused here.
 */
#define RUNS_FEW 32

static int32
runs_read(const char *p, int32 card, uint16 *few, uint16 **starts, uint16 **lens)
{
	uint16		nruns;

	memcpy(&nruns, p, 2);
	if (nruns == 0)
		runs_check_total(0, card, 0);
	*starts = nruns <= RUNS_FEW ? few : palloc(sizeof(uint16) * Max(nruns, 1));
	*lens = nruns <= RUNS_FEW ? few + RUNS_FEW : palloc(sizeof(uint16) * Max(nruns, 1));
	for (int32 j = 0; j < nruns; j++)
	{
		memcpy(&(*starts)[j], p + 2 + 4 * j, 2);
		memcpy(&(*lens)[j], p + 4 + 4 * j, 2);
	}
	return nruns;
}

static void
runs_free(uint16 *few, uint16 *starts, uint16 *lens)
{
	if (starts != few)
	{
		pfree(starts);
		pfree(lens);
	}
}

/*
 * Union a stored run container (payload p, card keys) into bitmap chunk c: each run is checked
 * (run_check) and sets its bits a word at a time, the new keys counted with popcount, instead of
 * decoding the keys one by one.
 */
static void
chunk_union_runs(DistinctExpanded *e, DChunk *c, const char *p, int32 card)
{
	uint16		nruns;
	int64		total = 0;
	int64		prev_end = -2;
	int32		added = 0;

	Assert(c->is_bitmap);
	memcpy(&nruns, p, 2);
	for (int32 j = 0; j < nruns; j++)
	{
		uint16		s16,
					l16;
		int64		s,
					en;

		memcpy(&s16, p + 2 + 4 * j, 2);
		memcpy(&l16, p + 4 + 4 * j, 2);
		s = s16;
		en = s + l16;
		run_check(s, en, &prev_end, &total);
		for (int64 w = s >> 6; w <= en >> 6; w++)
		{
			int			lo = w == (s >> 6) ? (int) (s & 63) : 0;
			int			hi = w == (en >> 6) ? (int) (en & 63) : 63;
			uint64		mask = (hi - lo == 63) ? ~UINT64CONST(0) :
				(((UINT64CONST(1) << (hi - lo + 1)) - 1) << lo);

			added += pg_popcount64(mask & ~c->d.bits[w]);
			c->d.bits[w] |= mask;
		}
	}
	runs_check_total(total, card, nruns);
	c->card += added;
	e->count += added;
	e->flat_size = 0;
}

/* Add every key of [ua, ub] (unsigned keys, ua <= ub). */
static void
distinct_add_range(DistinctExpanded *e, uint64 ua, uint64 ub)
{
	uint64		hi;

	for (hi = ua >> 16;; hi++)
	{
		uint32		l = hi == (ua >> 16) ? (uint32) (ua & 0xFFFF) : 0;
		uint32		r = hi == (ub >> 16) ? (uint32) (ub & 0xFFFF) : 0xFFFF;

		CHECK_FOR_INTERRUPTS();
		if (r - l + 1 <= 64)
		{
			uint32		x;

			for (x = l; x <= r; x++)
				distinct_add(e, (hi << 16) | x);
		}
		else
		{
			uint64		bits[BITMAP_WORDS];
			DCont		src;
			uint32		x;

			memset(bits, 0, sizeof(bits));
			for (x = l; x <= r; x++)
				bits[x >> 6] |= (uint64) 1 << (x & 63);
			src.card = r - l + 1;
			src.is_bitmap = true;
			src.bits = bits;
			src.arr = NULL;
			distinct_add_cont(e, hi, &src);
		}
		if (hi == (ub >> 16))
			break;
	}
}

/* qsort comparator of chunks by number. */
static int
dchunk_cmp(const void *pa, const void *pb)
{
	uint64		a = ((const DChunk *) pa)->hi;
	uint64		b = ((const DChunk *) pb)->hi;

	return (a > b) - (a < b);
}

/* Sort the chunks by number (the index is rebuilt when next needed). */
static void
distinct_sort(DistinctExpanded *e)
{
	if (e->sorted)
		return;
	qsort(e->chunks, e->nchunks, sizeof(DChunk), dchunk_cmp);
	e->indexed = false;
	e->last = -1;
	e->sorted = true;
}

/* ---------- batches of pending keys ---------- */

/*
 * Add n ascending, distinct keys of chunk c (their low 16 bits are used) to
 * that chunk: bits set in a bitmap, or one merge into an array (a bitmap when
 * the array would pass 4096 keys).
 */
static void
chunk_add_sorted(DistinctExpanded *e, DChunk *c, const uint64 *keys, int32 n)
{
	int32		before = c->card;
	int32		i;

	if (!c->is_bitmap && c->card + n > ARRAY_MAX)
		chunk_to_bitmap(e, c);
	if (c->is_bitmap)
	{
		int32		card = c->card;

		for (i = 0; i < n; i++)
		{
			uint16		lo = (uint16) keys[i];
			uint64	   *w = &c->d.bits[lo >> 6];
			uint64		bit = (uint64) 1 << (lo & 63);

			card += (*w & bit) == 0;
			*w |= bit;
		}
		c->card = card;
	}
	else if (c->card == 0 || (uint16) keys[0] > chunk_array(c)[c->card - 1])
	{
		/* a new chunk, or keys above those it holds: append */
		uint16	   *arr;

		chunk_reserve(e, c, c->card + n);
		arr = chunk_array(c);
		for (i = 0; i < n; i++)
			arr[c->card + i] = (uint16) keys[i];
		c->card += n;
	}
	else
	{
		uint16		merged[ARRAY_MAX];
		uint16	   *a = chunk_array(c);
		int32		ia = 0,
					ib = 0,
					m = 0;

		while (ia < c->card && ib < n)
		{
			uint16		b = (uint16) keys[ib];

			if (a[ia] < b)
				merged[m++] = a[ia++];
			else if (a[ia] > b)
			{
				merged[m++] = b;
				ib++;
			}
			else
			{
				merged[m++] = a[ia++];
				ib++;
			}
		}
		while (ia < c->card)
			merged[m++] = a[ia++];
		while (ib < n)
			merged[m++] = (uint16) keys[ib++];
		chunk_reserve(e, c, m);
		memcpy(chunk_array(c), merged, sizeof(uint16) * m);
		c->card = m;
	}
	e->count += c->card - before;
}

/* Insertion sort of a few keys. */
static void
keys_insertion_sort(uint64 *a, int32 n)
{
	int32		i;

	for (i = 1; i < n; i++)
	{
		uint64		v = a[i];
		int32		j = i;

		while (j > 0 && a[j - 1] > v)
		{
			a[j] = a[j - 1];
			j--;
		}
		a[j] = v;
	}
}

/*
 * Sort n unsigned keys a[] whose bytes above shift + 8 are all equal, using
 * t[] (n keys) as scratch: a most-significant-digit radix sort by bytes.
 * Each level scatters the keys into 256 buckets by the byte at shift (a
 * level where every key has the same byte is skipped), then sorts each
 * bucket by the next byte down; buckets of a few keys are insertion-sorted.
 * The first level moves the whole batch once; the buckets below it are small
 * enough to stay in the processor's cache.
 */
static void
keys_radix_sort(uint64 *a, uint64 *t, int32 n, int shift)
{
	uint32		counts[256];
	uint32		offsets[256];
	uint32		sum = 0;
	int32		i;
	int			d;

	if (n <= BATCH_SMALL)
	{
		keys_insertion_sort(a, n);
		return;
	}
	CHECK_FOR_INTERRUPTS();
	for (;;)
	{
		memset(counts, 0, sizeof(counts));
		for (i = 0; i < n; i++)
			counts[(a[i] >> shift) & 255]++;
		if (counts[(a[0] >> shift) & 255] != (uint32) n)
			break;
		if (shift == 0)
			return;				/* all keys equal */
		shift -= 8;
	}
	for (d = 0; d < 256; d++)
	{
		offsets[d] = sum;
		sum += counts[d];
	}
	for (i = 0; i < n; i++)
	{
		uint64		v = a[i];

		t[offsets[(v >> shift) & 255]++] = v;
	}
	/* offsets[d] is now the end of bucket d: sort each bucket in t (scratch in a), then copy back */
	if (shift > 0)
	{
		uint32		start = 0;

		for (d = 0; d < 256; d++)
		{
			if (offsets[d] - start > 1)
				keys_radix_sort(t + start, a + start, (int32) (offsets[d] - start), shift - 8);
			start = offsets[d];
		}
	}
	memcpy(a, t, sizeof(uint64) * (Size) n);
}

/* Sort n unsigned keys in ascending order, tmp (n keys) as scratch. */
static void
keys_sort(uint64 *a, uint64 *tmp, int32 n)
{
	uint64		diff = 0;
	int32		i;

	if (n <= BATCH_SMALL)
	{
		keys_insertion_sort(a, n);
		return;
	}
	/* start at the highest byte in which the keys differ */
	for (i = 1; i < n; i++)
	{
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		diff |= a[i] ^ a[0];
	}
	if (diff == 0)
		return;
	keys_radix_sort(a, tmp, n, (pg_leftmost_one_pos64(diff) / 8) * 8);
}

/*
 * Move the pending keys into the containers.  A batch that is small next to
 * the state (a flush forced after few keys) is added key by key through the
 * hash index; otherwise the keys are sorted and deduplicated, and merged with
 * the sorted chunk array in one pass from the back, new chunks inserted where
 * they belong.
 */
static void
distinct_flush(DistinctExpanded *e)
{
	int32		n = e->nbuf;
	int32		m,
				i,
				j,
				nnew,
				w,
				old,
				ge;
	uint64	   *keys;
	uint64	   *tmp;
	MemoryContext ctx = e->hdr.eoh_context;

	if (n == 0)
		return;
	e->flat_size = 0;
	if ((Size) n * 16 < (Size) e->nchunks)
	{
		for (i = 0; i < n; i++)
		{
			CHECK_FOR_INTERRUPTS();
			distinct_add(e, e->buf[i]);
		}
		e->nbuf = 0;
		return;
	}

	/* sort (in a temporary buffer of the same size, charged while it lives) and deduplicate */
	distinct_charge(e, sizeof(uint64) * (Size) e->bufcap);
	tmp = MemoryContextAllocHuge(ctx, sizeof(uint64) * (Size) e->bufcap);
	keys = e->buf;
	keys_sort(keys, tmp, n);
	m = 1;
	for (i = 1; i < n; i++)
	{
		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (keys[i] != keys[m - 1])
			keys[m++] = keys[i];
	}

	/* count the chunks the batch adds, and make room for them */
	distinct_sort(e);
	nnew = 0;
	j = 0;
	for (i = 0; i < m;)
	{
		uint64		hi = keys[i] >> 16;

		CHECK_FOR_INTERRUPTS();
		while (i < m && (keys[i] >> 16) == hi)
			i++;
		while (j < e->nchunks && e->chunks[j].hi < hi)
			j++;
		if (j == e->nchunks || e->chunks[j].hi != hi)
			nnew++;
	}
	chunks_grow(e, e->nchunks + nnew);

	/* merge from the back: old chunks move up past the new ones */
	w = e->nchunks + nnew - 1;
	old = e->nchunks - 1;
	ge = m;
	while (ge > 0)
	{
		uint64		hi = keys[ge - 1] >> 16;
		int32		gs = ge - 1;
		DChunk	   *c;

		CHECK_FOR_INTERRUPTS();
		while (gs > 0 && (keys[gs - 1] >> 16) == hi)
			gs--;
		c = chunk_slot_from_back(e, &w, &old, hi);
		chunk_add_sorted(e, c, keys + gs, ge - gs);
		w--;
		ge = gs;
	}
	Assert(w == old);
	e->nchunks += nnew;
	if (nnew > 0)
	{
		e->indexed = false;
		e->last = -1;
	}

	pfree(tmp);
	e->mem -= sizeof(uint64) * (Size) e->bufcap;
	e->nbuf = 0;
}

/*
 * The pending-key buffer is full: grow it up to the batch size, else flush
 * it.  The batch size is the number of chunks (a pass over the chunk array is
 * paid for by as many keys), at least min(BATCH_MIN, keys held) and
 * BATCH_SMALL, at most BATCH_MAX: a small state (one of many groups of a hash
 * aggregate) never has a buffer much larger than itself.
 */
static void
distinct_buffer_full(DistinctExpanded *e)
{
	int64		target = Max(Min(BATCH_MIN, e->count), BATCH_SMALL);

	target = Min(Max(target, e->nchunks), BATCH_MAX);

	if (e->bufcap < target)
	{
		int32		cap = e->bufcap == 0 ? BATCH_INIT : (int32) Min(e->bufcap * 2, target);

		distinct_charge(e, sizeof(uint64) * (Size) (cap - e->bufcap));
		if (e->buf == NULL)
			e->buf = MemoryContextAllocHuge(e->hdr.eoh_context, sizeof(uint64) * (Size) cap);
		else
			e->buf = repalloc_huge(e->buf, sizeof(uint64) * (Size) cap);
		e->bufcap = cap;
	}
	else
		distinct_flush(e);
}

/* Add one key (u) to the pending keys of an aggregate's state. */
static inline void
distinct_push(DistinctExpanded *e, uint64 u)
{
	if (unlikely(e->nbuf == e->bufcap))
		distinct_buffer_full(e);
	e->buf[e->nbuf++] = u;
}

/* Number of runs of consecutive keys in a chunk. */
static int32
chunk_nruns(DChunk *c)
{
	int32		n = 0;
	int32		i;

	if (c->is_bitmap)
	{
		uint64		carry = 0;

		for (i = 0; i < BITMAP_WORDS; i++)
		{
			uint64		w = c->d.bits[i];

			n += pg_popcount64(w & ~((w << 1) | carry));
			carry = w >> 63;
		}
	}
	else
	{
		uint16	   *arr = chunk_array(c);

		for (i = 0; i < c->card; i++)
			if (i == 0 || arr[i] != arr[i - 1] + 1)
				n++;
	}
	return n;
}

/* The encoding the writer picks for a chunk, and its payload size. */
static int
chunk_encoding(DChunk *c, Size *size)
{
	Size		run = 2 + 4 * (Size) chunk_nruns(c);
	Size		other = c->card <= ARRAY_MAX ? 2 * (Size) c->card : BITMAP_BYTES;

	if (run < other)
	{
		*size = run;
		return C_RUN;
	}
	*size = other;
	return c->card <= ARRAY_MAX ? C_ARRAY : C_BITMAP;
}

/* Size of the flat form (expanded-object method): the pending keys are flushed first. */
static Size
distinct_get_flat_size(ExpandedObjectHeader *eohptr)
{
	DistinctExpanded *e = (DistinctExpanded *) eohptr;
	Size		size;
	int32		i;

	distinct_flush(e);
	if (e->flat_size != 0)
		return e->flat_size;
	size = sizeof(DistinctFlat) + (Size) e->nchunks * 9;
	for (i = 0; i < e->nchunks; i++)
	{
		Size		payload;

		(void) chunk_encoding(&e->chunks[i], &payload);
		size += payload;
	}
	if (size > MaxAllocSize)	/* cannot happen under the memory limit */
		elog(ERROR, "distinct_summary too large to store");
	e->flat_size = size;
	return size;
}

/* Write the flat form (chunks sorted, smallest encoding each) into result. */
static void
distinct_flatten_into(ExpandedObjectHeader *eohptr, void *result, Size allocated_size)
{
	DistinctExpanded *e = (DistinctExpanded *) eohptr;
	DistinctFlat *f = (DistinctFlat *) result;
	char	   *dir;
	char	   *types;
	char	   *p;
	int32		i;

	distinct_flush(e);
	distinct_sort(e);
	Assert(allocated_size == distinct_get_flat_size(eohptr));
	memset(result, 0, sizeof(DistinctFlat));
	SET_VARSIZE(f, allocated_size);
	f->version = RK_FORMAT_VERSION;
	f->kind = DISTINCT_KIND;
	f->nchunks = e->nchunks;
	f->count = e->count;
	dir = (char *) result + sizeof(DistinctFlat);
	types = dir + (Size) e->nchunks * 8;
	p = types + e->nchunks;
	for (i = 0; i < e->nchunks; i++)
	{
		DChunk	   *c = &e->chunks[i];
		uint64		d = (c->hi << 16) | (uint64) (c->card - 1);
		Size		payload;
		uint8		type = (uint8) chunk_encoding(c, &payload);

		memcpy(dir + (Size) i * 8, &d, 8);
		types[i] = (char) type;
		if (type == C_ARRAY && c->is_bitmap)
		{
			/* a bitmap chunk that an operation left with few keys */
			char	   *q = p;
			int32		w;

			for (w = 0; w < BITMAP_WORDS; w++)
			{
				uint64		bitsw = c->d.bits[w];

				while (bitsw != 0)
				{
					uint16		v = (uint16) (w * 64 + pg_rightmost_one_pos64(bitsw));

					memcpy(q, &v, 2);
					q += 2;
					bitsw &= bitsw - 1;
				}
			}
			Assert(q == p + payload);
		}
		else if (type == C_ARRAY)
			memcpy(p, chunk_array(c), payload);
		else if (type == C_BITMAP)
			memcpy(p, c->d.bits, payload);
		else
		{
			uint16		nruns = (uint16) ((payload - 2) / 4);
			char	   *q = p + 2;
			int32		x = -1; /* current position in the chunk, 0..65536 */

			memcpy(p, &nruns, 2);
			if (c->is_bitmap)
			{
				/* runs of set bits: find a start, then the next clear bit */
				for (x = 0; x < 65536;)
				{
					uint64		w = c->d.bits[x >> 6] >> (x & 63);
					int32		start,
								end;
					uint16		s16,
								l16;

					if (w == 0)
					{
						x = (x | 63) + 1;
						continue;
					}
					start = x + pg_rightmost_one_pos64(w);
					end = start;
					for (;;)
					{
						uint64		nw = ~c->d.bits[end >> 6] >> (end & 63);

						if (nw != 0)
						{
							end += pg_rightmost_one_pos64(nw);
							break;
						}
						end = (end | 63) + 1;
						if (end >= 65536)
						{
							end = 65536;
							break;
						}
					}
					s16 = (uint16) start;
					l16 = (uint16) (end - start - 1);
					memcpy(q, &s16, 2);
					memcpy(q + 2, &l16, 2);
					q += 4;
					x = end;
				}
			}
			else
			{
				uint16	   *arr = chunk_array(c);
				int32		j = 0;

				while (j < c->card)
				{
					int32		k = j;
					uint16		l16;

					while (k + 1 < c->card && arr[k + 1] == arr[k] + 1)
						k++;
					l16 = (uint16) (k - j);
					memcpy(q, &arr[j], 2);
					memcpy(q + 2, &l16, 2);
					q += 4;
					j = k + 1;
				}
			}
			Assert(q == p + payload);
		}
		p += payload;
	}
	Assert(p == (char *) result + allocated_size);
}

/* A flat copy of the expanded summary, in CurrentMemoryContext. */
static DistinctFlat *
distinct_flatten(DistinctExpanded *e)
{
	Size		size = EOH_get_flat_size(&e->hdr);
	void	   *f = palloc(size);

	EOH_flatten_into(&e->hdr, f, size);
	return (DistinctFlat *) f;
}

/* Flatten a summary built outside an aggregate and free its working memory. */
static DistinctFlat *
distinct_finish(DistinctExpanded *e)
{
	DistinctFlat *f = distinct_flatten(e);

	DeleteExpandedObject(EOHPGetRWDatum(&e->hdr));
	return f;
}

/* ---------- the flat form: validation and decoding ---------- */

/* Check a decoded container against its declared card. */
static void
cont_check(const DCont *c, int32 card)
{
	int32		i;

	if (c->is_bitmap)
	{
		int32		n = 0;

		for (i = 0; i < BITMAP_WORDS; i++)
			n += pg_popcount64(c->bits[i]);
		if (n != card)
			distinct_corrupt("A bitmap container does not hold as many keys as its chunk declares.");
	}
	else
	{
		if (card > ARRAY_MAX)
			distinct_corrupt("An array container holds more than 4096 keys.");
		for (i = 1; i < card; i++)
			if (c->arr[i] <= c->arr[i - 1])
				distinct_corrupt("An array container is not in strictly ascending order.");
	}
}

/* Fill a container from runs (checked first, runs_check). */
static void
cont_from_runs(DCont *c, int32 card, int32 nruns, const uint16 *starts, const uint16 *lens)
{
	int32		i;

	runs_check(card, nruns, starts, lens);
	c->card = card;
	c->is_bitmap = card > ARRAY_MAX;
	if (c->is_bitmap)
	{
		uint64	   *bits = c->bits;

		memset(bits, 0, BITMAP_BYTES);
		for (i = 0; i < nruns; i++)
		{
			uint32		end = (uint32) starts[i] + lens[i];

			for (uint32 x = starts[i]; x <= end; x++)
				bits[x >> 6] |= (uint64) 1 << (x & 63);
		}
	}
	else
	{
		uint16	   *arr = c->arr;
		int32		n = 0;

		for (i = 0; i < nruns; i++)
		{
			uint32		end = (uint32) starts[i] + lens[i];

			for (uint32 x = starts[i]; x <= end; x++)
				arr[n++] = (uint16) x;
		}
	}
}

/* Read a 64-bit directory entry. */
static inline uint64
dir_get(const DRead *r, int32 i)
{
	uint64		d;

	memcpy(&d, r->dirp + (Size) i * 8, 8);
	return d;
}

/*
 * Detoast (flattening an expanded value) and check a stored summary: header,
 * directory order, payload sizes.  Container contents are checked when a
 * container is decoded (distinct_decode), which every reader does for the
 * containers it uses; full = decode and check all of them now.
 */
static void
distinct_read(Datum d, DRead *r, bool full)
{
	struct varlena *v = PG_DETOAST_DATUM_PACKED(d);
	const char *base = VARDATA_ANY(v) - VARHDRSZ;	/* where a 4-byte header would start */
	Size		size = VARSIZE_ANY_EXHDR(v) + VARHDRSZ;
	const DistinctFlat *f = &r->hdr;
	const char *p;
	const char *end;
	int64		total = 0;
	int32		i;

	if (size < sizeof(DistinctFlat))
		distinct_corrupt("The value is shorter than its header.");
	memcpy((char *) &r->hdr + VARHDRSZ, base + VARHDRSZ, sizeof(DistinctFlat) - VARHDRSZ);
	if (f->version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("unsupported distinct_summary format version %d", f->version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	if (f->kind != DISTINCT_KIND || f->flags != 0 || f->pad != 0 || f->nchunks < 0 ||
		f->count < 0 || (Size) f->nchunks > (size - sizeof(DistinctFlat)) / 11)
		distinct_corrupt("The header does not describe a distinct_summary.");
	r->dirp = base + sizeof(DistinctFlat);
	r->types = (const uint8 *) (r->dirp + (Size) f->nchunks * 8);
	r->payload = f->nchunks <= lengthof(r->few) ? r->few : palloc(sizeof(char *) * f->nchunks);
	p = (const char *) r->types + f->nchunks;
	end = base + size;
	for (i = 0; i < f->nchunks; i++)
	{
		uint64		dv = dir_get(r, i);
		int32		card = (int32) (dv & 0xFFFF) + 1;
		Size		need;

		if (i > 0 && (dv >> 16) <= (dir_get(r, i - 1) >> 16))
			distinct_corrupt("The chunks are not in strictly ascending order.");
		r->payload[i] = p;
		switch (r->types[i])
		{
			case C_ARRAY:
				need = 2 * (Size) card;
				break;
			case C_BITMAP:
				need = BITMAP_BYTES;
				break;
			case C_RUN:
				{
					uint16		nruns;

					if (end - p < 2)
						distinct_corrupt("A run container is truncated.");
					memcpy(&nruns, p, 2);
					need = 2 + 4 * (Size) nruns;
					break;
				}
			default:
				distinct_corrupt("A container has an unknown type.");
				need = 0;		/* keep compiler quiet */
		}
		if ((Size) (end - p) < need)
			distinct_corrupt("A container is truncated.");
		p += need;
		total += card;
	}
	if (p != end)
		distinct_corrupt("The value's length does not match its containers.");
	if (total != f->count)
		distinct_corrupt("The key count does not match the containers.");
	if (full)
	{
		uint16		arr[ARRAY_MAX];
		uint64		bits[BITMAP_WORDS];
		DCont		c;

		c.arr = arr;
		c.bits = bits;
		for (i = 0; i < f->nchunks; i++)
		{
			CHECK_FOR_INTERRUPTS();
			distinct_decode(r, i, &c);
		}
	}
}

/* Free what distinct_read allocated. */
static void
distinct_read_done(DRead *r)
{
	if (r->payload != r->few)
		pfree(r->payload);
}

/* Decode (and check) container i of a flat value into c's buffers. */
static void
distinct_decode(const DRead *r, int32 i, DCont *c)
{
	const char *p = r->payload[i];
	int32		card = (int32) (dir_get(r, i) & 0xFFFF) + 1;

	switch (r->types[i])
	{
		case C_ARRAY:
			if (card > ARRAY_MAX)
				distinct_corrupt("An array container holds more than 4096 keys.");
			memcpy(c->arr, p, 2 * (Size) card);
			c->is_bitmap = false;
			break;
		case C_BITMAP:
			memcpy(c->bits, p, BITMAP_BYTES);
			c->is_bitmap = true;
			break;
		default:
			{
				uint16		few[2 * RUNS_FEW];
				uint16	   *starts;
				uint16	   *lens;
				int32		nruns = runs_read(p, card, few, &starts, &lens);

				cont_from_runs(c, card, nruns, starts, lens);
				runs_free(few, starts, lens);
				return;
			}
	}
	c->card = card;
	cont_check(c, card);
}

/*
 * Union a checked flat value into e by walking both chunk lists in order
 * (the value's directory is sorted, the state's chunks are sorted first):
 * the new chunks are inserted from the back as in distinct_flush, so the
 * merge costs one sequential pass over both instead of a hash probe per
 * chunk.  Used when the value has at least 1/16 as many chunks as the state.
 */
static void
distinct_merge_sorted(DistinctExpanded *e, const DRead *r)
{
	uint16		arr[ARRAY_MAX];
	uint64		bits[BITMAP_WORDS];
	DCont		src;
	int32		n = r->hdr.nchunks;
	int32		nnew = 0;
	int32		i,
				j,
				w,
				old;

	src.arr = arr;
	src.bits = bits;
	distinct_sort(e);
	for (i = 0, j = 0; i < n; i++)
	{
		uint64		hi = dir_get(r, i) >> 16;

		CHECK_FOR_INTERRUPTS();
		while (j < e->nchunks && e->chunks[j].hi < hi)
			j++;
		if (j == e->nchunks || e->chunks[j].hi != hi)
			nnew++;
	}
	chunks_grow(e, e->nchunks + nnew);
	w = e->nchunks + nnew - 1;
	old = e->nchunks - 1;
	for (i = n - 1; i >= 0; i--)
	{
		uint64		hi = dir_get(r, i) >> 16;
		DChunk	   *c;

		CHECK_FOR_INTERRUPTS();
		c = chunk_slot_from_back(e, &w, &old, hi);
		distinct_decode(r, i, &src);
		chunk_union(e, c, &src);
		w--;
	}
	Assert(w == old);
	e->nchunks += nnew;
	if (nnew > 0)
	{
		e->indexed = false;
		e->last = -1;
	}
	e->flat_size = 0;
}

/* The expanded summary a datum points to (VARATT_IS_EXTERNAL_EXPANDED), checked to be one. */
static DistinctExpanded *
distinct_expanded(Datum d)
{
	DistinctExpanded *e = (DistinctExpanded *) DatumGetEOHP(d);

	if (e->hdr.eoh_methods != &distinct_methods)
		elog(ERROR, "expanded value is not a distinct_summary");
	return e;
}

/* Merge a summary datum (flat, or expanded of this type) into e. */
static void
distinct_merge_datum(DistinctExpanded *e, Datum d)
{
	DRead		r;
	uint16		arr[ARRAY_MAX];
	uint64		bits[BITMAP_WORDS];
	DCont		c;
	int32		i;

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(d)))
	{
		DistinctExpanded *b = distinct_expanded(d);

		distinct_flush(b);		/* its pending keys too */
		for (i = 0; i < b->nchunks; i++)
		{
			DChunk	   *bc = &b->chunks[i];

			CHECK_FOR_INTERRUPTS();
			c.card = bc->card;
			c.is_bitmap = bc->is_bitmap;
			c.arr = bc->is_bitmap ? NULL : chunk_array(bc);
			c.bits = bc->is_bitmap ? bc->d.bits : NULL;
			distinct_add_cont(e, bc->hi, &c);
		}
		return;
	}
	distinct_read(d, &r, false);
	c.arr = arr;
	c.bits = bits;
	if (r.hdr.nchunks == 1)
	{
		/* one chunk (the keys of a day and store): straight to its chunk, often the last one used */
		uint64		hi = dir_get(&r, 0) >> 16;
		int32		i0 = distinct_find(e, hi, true);

		if (r.types[0] == C_RUN && e->chunks[i0].is_bitmap)
			chunk_union_runs(e, &e->chunks[i0], r.payload[0], (int32) (dir_get(&r, 0) & 0xFFFF) + 1);
		else
		{
			distinct_decode(&r, 0, &c);
			chunk_union(e, &e->chunks[i0], &c);
		}
		distinct_read_done(&r);
		return;
	}
	if ((Size) r.hdr.nchunks * 16 >= (Size) e->nchunks)
	{
		/* as large as the state or more (a worker's partial state): one sequential merge */
		distinct_merge_sorted(e, &r);
		distinct_read_done(&r);
		return;
	}
	for (i = 0; i < r.hdr.nchunks; i++)
	{
		CHECK_FOR_INTERRUPTS();
		distinct_decode(&r, i, &c);
		distinct_add_cont(e, dir_get(&r, i) >> 16, &c);
	}
	distinct_read_done(&r);
}

/*
 * The state a transition or combine function updates (rk_expanded_state): in an
 * aggregate, its own read-write expanded state, or a new one in the aggregate
 * context (from arg 0 when that is flat); outside an aggregate, a new expanded
 * copy in CurrentMemoryContext.  *in_agg tells which.
 */
static DistinctExpanded *
distinct_state(FunctionCallInfo fcinfo, bool *in_agg)
{
	MemoryContext ctx;
	DistinctExpanded *e = (DistinctExpanded *) rk_expanded_state(fcinfo, &distinct_methods, "distinct_summary", &ctx, in_agg);

	if (e == NULL)
	{
		e = distinct_new(ctx);
		if (!PG_ARGISNULL(0))
			distinct_merge_datum(e, PG_GETARG_DATUM(0));
	}
	return e;
}

/* Return the state: the expanded object itself in an aggregate, else a flat value. */
static Datum
distinct_return(DistinctExpanded *e, bool in_agg)
{
	if (in_agg)
		return EOHPGetRWDatum(&e->hdr);
	return PointerGetDatum(distinct_finish(e));
}

/* ---------- text and binary forms ---------- */

/* Append one key or range of the text form. */
static void
append_range(StringInfo buf, uint64 a, uint64 b, bool first)
{
	if (buf->len > DISTINCT_MAX_TEXT)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("distinct_summary is too large for its text form"),
				 errdetail("The text form of a distinct summary is limited to 512 MB."),
				 errhint("Use the binary form (COPY ... (FORMAT binary)), or count at a finer grain.")));
	if (!first)
		appendStringInfoChar(buf, ',');
	if (a == b)
		appendStringInfo(buf, INT64_FORMAT, u_to_key(a));
	else
		appendStringInfo(buf, INT64_FORMAT ".." INT64_FORMAT, u_to_key(a), u_to_key(b));
}

/* Text output: (v1,count=N,keys=a..b,c,...), maximal ranges in ascending order. */
PG_FUNCTION_INFO_V1(distinct_summary_out);
Datum
distinct_summary_out(PG_FUNCTION_ARGS)
{
	DRead		r;
	uint16		arr[ARRAY_MAX];
	uint64		bits[BITMAP_WORDS];
	DCont		c;
	StringInfoData buf;
	bool		have = false;
	bool		first = true;
	uint64		rs = 0,
				re = 0;
	int32		i;

	distinct_read(PG_GETARG_DATUM(0), &r, false);
	c.arr = arr;
	c.bits = bits;
	initStringInfo(&buf);
	appendStringInfo(&buf, "(v%d,count=" INT64_FORMAT ",keys=", r.hdr.version, r.hdr.count);
	for (i = 0; i < r.hdr.nchunks; i++)
	{
		uint64		base = (dir_get(&r, i) >> 16) << 16;
		int32		j;

		CHECK_FOR_INTERRUPTS();
		distinct_decode(&r, i, &c);
		for (j = 0; j < (c.is_bitmap ? 65536 : c.card); j++)
		{
			uint64		u;

			if (c.is_bitmap)
			{
				uint64		w = bits[j >> 6] >> (j & 63);

				if (w == 0)
				{
					j |= 63;	/* the loop's j++ moves to the next word */
					continue;
				}
				j += pg_rightmost_one_pos64(w);
				u = base | (uint64) j;
			}
			else
				u = base | arr[j];
			if (have && u == re + 1)
				re = u;
			else
			{
				if (have)
				{
					append_range(&buf, rs, re, first);
					first = false;
				}
				rs = re = u;
				have = true;
			}
		}
	}
	if (have)
		append_range(&buf, rs, re, first);
	appendStringInfoChar(&buf, ')');
	PG_RETURN_CSTRING(buf.data);
}

/* Parse a bigint at *p (optional sign, digits); false when there is none or it is out of range. */
static bool
parse_key(const char **p, int64 *out)
{
	const char *s = *p;
	char	   *end;

	if (!(isdigit((unsigned char) *s) || ((*s == '-' || *s == '+') && isdigit((unsigned char) s[1]))))
		return false;
	errno = 0;
	*out = strtoi64(s, &end, 10);
	if (errno != 0)
		return false;
	*p = end;
	return true;
}

/* Text input: keys and ranges in ascending order, the count must match. */
PG_FUNCTION_INFO_V1(distinct_summary_in);
Datum
distinct_summary_in(PG_FUNCTION_ARGS)
{
	const char *str = PG_GETARG_CSTRING(0);
	const char *p = str;
	DistinctExpanded *e = distinct_new(CurrentMemoryContext);
	char	   *end;
	long		version;
	int64		count;
	uint64		total = 0;
	bool		have_prev = false;
	uint64		prev = 0;

	while (isspace((unsigned char) *p))
		p++;
	if (strncmp(p, "(v", 2) != 0 || !isdigit((unsigned char) p[2]))
		distinct_syntax_error(str, "A summary starts with \"(v\" and its format version.");
	errno = 0;
	version = strtol(p + 2, &end, 10);
	if (errno != 0 || version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unsupported distinct_summary format version %ld", version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	p = end;
	if (strncmp(p, ",count=", 7) != 0 || !isdigit((unsigned char) p[7]))
		distinct_syntax_error(str, "Expected field \"count\" with a non-negative integer.");
	errno = 0;
	count = strtoi64(p + 7, &end, 10);
	if (errno != 0 || count < 0)
		distinct_syntax_error(str, "The count must be a non-negative bigint.");
	p = end;
	if (strncmp(p, ",keys=", 6) != 0)
		distinct_syntax_error(str, "Expected field \"keys\" after the count.");
	p += 6;
	if (*p != ')')
	{
		for (;;)
		{
			int64		a,
						b;
			uint64		ua,
						ub;

			if (!parse_key(&p, &a))
				distinct_syntax_error(str, "Expected a key (a bigint) or a range \"a..b\".");
			b = a;
			if (p[0] == '.' && p[1] == '.')
			{
				p += 2;
				if (!parse_key(&p, &b))
					distinct_syntax_error(str, "Expected the end of a range \"a..b\" (a bigint).");
			}
			ua = key_to_u(a);
			ub = key_to_u(b);
			if (ub < ua)
				distinct_syntax_error(str, "A range \"a..b\" must have a <= b.");
			if (have_prev && ua <= prev)
				distinct_syntax_error(str, "Keys and ranges must be in strictly ascending order without overlap.");
			/* the count bounds the work: a range larger than what is left is an error now */
			if (ub - ua >= (uint64) count - total)
				distinct_syntax_error(str, "The keys are more than the count.");
			total += ub - ua + 1;
			distinct_add_range(e, ua, ub);
			prev = ub;
			have_prev = true;
			if (*p != ',')
				break;
			p++;
		}
	}
	if (*p != ')')
		distinct_syntax_error(str, "Expected \",\" or \")\" after a key.");
	p++;
	while (isspace((unsigned char) *p))
		p++;
	if (*p != '\0')
		distinct_syntax_error(str, "Unexpected text after the summary.");
	if (total != (uint64) count)
		distinct_syntax_error(str, "The count does not match the number of keys.");
	PG_RETURN_POINTER(distinct_finish(e));
}

/* Binary output: version, kind, count, chunk count, then number, card, type and payload per chunk. */
PG_FUNCTION_INFO_V1(distinct_summary_send);
Datum
distinct_summary_send(PG_FUNCTION_ARGS)
{
	DRead		r;
	StringInfoData buf;
	int32		i;

	distinct_read(PG_GETARG_DATUM(0), &r, true);
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, r.hdr.version);
	pq_sendbyte(&buf, r.hdr.kind);
	pq_sendint64(&buf, r.hdr.count);
	pq_sendint32(&buf, r.hdr.nchunks);
	for (i = 0; i < r.hdr.nchunks; i++)
	{
		uint64		dv = dir_get(&r, i);
		const char *p = r.payload[i];
		int32		card = (int32) (dv & 0xFFFF) + 1;
		int32		n,
					j;

		CHECK_FOR_INTERRUPTS();
		pq_sendint64(&buf, (int64) (dv >> 16));
		pq_sendint32(&buf, card);
		pq_sendbyte(&buf, r.types[i]);
		switch (r.types[i])
		{
			case C_ARRAY:
				for (j = 0; j < card; j++)
				{
					uint16		v;

					memcpy(&v, p + 2 * j, 2);
					pq_sendint16(&buf, v);
				}
				break;
			case C_BITMAP:
				for (j = 0; j < BITMAP_WORDS; j++)
				{
					uint64		w;

					memcpy(&w, p + 8 * j, 8);
					pq_sendint64(&buf, (int64) w);
				}
				break;
			default:
				{
					uint16		nruns;

					memcpy(&nruns, p, 2);
					n = 1 + 2 * nruns;
					for (j = 0; j < n; j++)
					{
						uint16		v;

						memcpy(&v, p + 2 * j, 2);
						pq_sendint16(&buf, v);
					}
				}
		}
	}
	distinct_read_done(&r);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* Fail with 22000 unless n more bytes are left in buf. */
static void
distinct_need_bytes(StringInfo buf, int64 n)
{
	if (n < 0 || buf->len - buf->cursor < n)
		distinct_corrupt("The binary value is truncated.");
}

/* Binary input: every container decoded and checked (22000), stored in the writer's encoding. */
PG_FUNCTION_INFO_V1(distinct_summary_recv);
Datum
distinct_summary_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	DistinctExpanded *e = distinct_new(CurrentMemoryContext);
	uint16		arr[ARRAY_MAX];
	uint64		bits[BITMAP_WORDS];
	DCont		c;
	int			version;
	int64		count;
	int32		nchunks;
	int64		total = 0;
	int64		prev = -1;
	int32		i;

	distinct_need_bytes(buf, 1 + 1 + 8 + 4);
	version = pq_getmsgbyte(buf);
	if (version != RK_FORMAT_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("unsupported distinct_summary format version %d", version),
				 errdetail("This version of retail_kpi reads format version %d.",
						   RK_FORMAT_VERSION)));
	if (pq_getmsgbyte(buf) != DISTINCT_KIND)
		distinct_corrupt("The binary header does not describe a distinct_summary.");
	count = pq_getmsgint64(buf);
	nchunks = pq_getmsgint(buf, 4);
	if (count < 0 || nchunks < 0)
		distinct_corrupt("The key or chunk count is invalid.");
	c.arr = arr;
	c.bits = bits;
	for (i = 0; i < nchunks; i++)
	{
		int64		hi;
		int32		card;
		int			type;
		int32		j;

		CHECK_FOR_INTERRUPTS();
		distinct_need_bytes(buf, 8 + 4 + 1);
		hi = pq_getmsgint64(buf);
		card = pq_getmsgint(buf, 4);
		type = pq_getmsgbyte(buf);
		if (hi < 0 || hi >= ((int64) 1 << 48) || hi <= prev)
			distinct_corrupt("The chunk numbers are out of range or not in strictly ascending order.");
		if (card < 1 || card > 65536)
			distinct_corrupt("A chunk's key count is out of range.");
		prev = hi;
		switch (type)
		{
			case C_ARRAY:
				if (card > ARRAY_MAX)
					distinct_corrupt("An array container holds more than 4096 keys.");
				distinct_need_bytes(buf, 2 * (int64) card);
				for (j = 0; j < card; j++)
					arr[j] = (uint16) pq_getmsgint(buf, 2);
				c.is_bitmap = false;
				c.card = card;
				cont_check(&c, card);
				break;
			case C_BITMAP:
				distinct_need_bytes(buf, BITMAP_BYTES);
				for (j = 0; j < BITMAP_WORDS; j++)
					bits[j] = (uint64) pq_getmsgint64(buf);
				c.is_bitmap = true;
				c.card = card;
				cont_check(&c, card);
				break;
			case C_RUN:
				{
					int32		nruns;
					uint16	   *starts;
					uint16	   *lens;

					distinct_need_bytes(buf, 2);
					nruns = (uint16) pq_getmsgint(buf, 2);
					distinct_need_bytes(buf, 4 * (int64) nruns);
					starts = palloc(sizeof(uint16) * Max(nruns, 1));
					lens = palloc(sizeof(uint16) * Max(nruns, 1));
					for (j = 0; j < nruns; j++)
					{
						starts[j] = (uint16) pq_getmsgint(buf, 2);
						lens[j] = (uint16) pq_getmsgint(buf, 2);
					}
					cont_from_runs(&c, card, nruns, starts, lens);
					pfree(starts);
					pfree(lens);
					break;
				}
			default:
				distinct_corrupt("A container has an unknown type.");
		}
		distinct_add_cont(e, (uint64) hi, &c);
		total += card;
	}
	if (buf->cursor != buf->len)
		distinct_corrupt("The binary value has trailing bytes.");
	if (total != count)
		distinct_corrupt("The key count does not match the containers.");
	PG_RETURN_POINTER(distinct_finish(e));
}

/* ---------- aggregate support ---------- */

/* distinct_agg(key bigint) transition: adds the key; NULL keys are skipped. */
PG_FUNCTION_INFO_V1(distinct_agg_trans);
Datum
distinct_agg_trans(PG_FUNCTION_ARGS)
{
	DistinctExpanded *e;
	bool		in_agg;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	e = distinct_state(fcinfo, &in_agg);
	distinct_push(e, key_to_u(PG_GETARG_INT64(1)));
	return distinct_return(e, in_agg);
}

/*
 * distinct_agg(key text) transition: adds the key's 64-bit hash, the value of
 * hashtextextended(key, 0) under a deterministic collation; NULL keys are skipped.
 */
PG_FUNCTION_INFO_V1(distinct_agg_trans_text);
Datum
distinct_agg_trans_text(PG_FUNCTION_ARGS)
{
	DistinctExpanded *e;
	bool		in_agg;
	text	   *key;
	uint64		h;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	key = PG_GETARG_TEXT_PP(1);
	h = DatumGetUInt64(hash_any_extended((const unsigned char *) VARDATA_ANY(key),
										 VARSIZE_ANY_EXHDR(key), 0));
	e = distinct_state(fcinfo, &in_agg);
	distinct_push(e, key_to_u((int64) h));
	return distinct_return(e, in_agg);
}

/* Union of two summaries (combine function and transition of rollup); NULLs are skipped. */
PG_FUNCTION_INFO_V1(distinct_summary_combine);
Datum
distinct_summary_combine(PG_FUNCTION_ARGS)
{
	DistinctExpanded *e;
	bool		in_agg;

	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_DATUM(PG_GETARG_DATUM(0));
	}
	e = distinct_state(fcinfo, &in_agg);
	distinct_merge_datum(e, PG_GETARG_DATUM(1));
	return distinct_return(e, in_agg);
}

/* ---------- accessors and set operations ---------- */

/* Number of distinct keys in the summary. */
PG_FUNCTION_INFO_V1(distinct_count);
Datum
distinct_count(PG_FUNCTION_ARGS)
{
	DRead		r;

	if (VARATT_IS_EXTERNAL_EXPANDED(DatumGetPointer(PG_GETARG_DATUM(0))))
	{
		/* the result of rollup() or distinct_agg() in the same query: no need to flatten it */
		DistinctExpanded *e = distinct_expanded(PG_GETARG_DATUM(0));

		distinct_flush(e);
		PG_RETURN_INT64(e->count);
	}
	distinct_read(PG_GETARG_DATUM(0), &r, true);
	PG_RETURN_INT64(r.hdr.count);
}

/* Is key in the summary?  Reads only the key's container (the structure is checked). */
PG_FUNCTION_INFO_V1(distinct_contains);
Datum
distinct_contains(PG_FUNCTION_ARGS)
{
	DRead		r;
	uint64		u = key_to_u(PG_GETARG_INT64(1));
	uint16		arr[ARRAY_MAX];
	uint64		bits[BITMAP_WORDS];
	DCont		c;
	int32		l = 0,
				h;
	uint16		lo = (uint16) (u & 0xFFFF);

	distinct_read(PG_GETARG_DATUM(0), &r, false);
	h = r.hdr.nchunks;
	while (l < h)
	{
		int32		m = l + (h - l) / 2;

		if ((dir_get(&r, m) >> 16) < (u >> 16))
			l = m + 1;
		else
			h = m;
	}
	if (l >= r.hdr.nchunks || (dir_get(&r, l) >> 16) != (u >> 16))
		PG_RETURN_BOOL(false);
	c.arr = arr;
	c.bits = bits;
	distinct_decode(&r, l, &c);
	if (c.is_bitmap)
		PG_RETURN_BOOL((bits[lo >> 6] >> (lo & 63)) & 1);
	l = 0;
	h = c.card;
	while (l < h)
	{
		int32		m = (l + h) / 2;

		if (arr[m] < lo)
			l = m + 1;
		else
			h = m;
	}
	PG_RETURN_BOOL(l < c.card && arr[l] == lo);
}

/*
 * Intersection of two decoded containers: its size, and when out is given
 * the keys themselves (out is then an array or a bitmap as needed).
 */
static int32
cont_intersect(const DCont *a, const DCont *b, DCont *out)
{
	int32		n = 0;
	int32		i;

	if (a->is_bitmap && b->is_bitmap)
	{
		for (i = 0; i < BITMAP_WORDS; i++)
		{
			uint64		w = a->bits[i] & b->bits[i];

			if (out)
				out->bits[i] = w;
			n += pg_popcount64(w);
		}
		if (out)
		{
			out->is_bitmap = true;
			out->card = n;
		}
		return n;
	}
	if (a->is_bitmap)
	{
		const DCont *t = a;

		a = b;
		b = t;
	}
	/* a is an array */
	if (b->is_bitmap)
	{
		for (i = 0; i < a->card; i++)
			if ((b->bits[a->arr[i] >> 6] >> (a->arr[i] & 63)) & 1)
			{
				if (out)
					out->arr[n] = a->arr[i];
				n++;
			}
	}
	else
	{
		int32		ia = 0,
					ib = 0;

		while (ia < a->card && ib < b->card)
		{
			if (a->arr[ia] < b->arr[ib])
				ia++;
			else if (a->arr[ia] > b->arr[ib])
				ib++;
			else
			{
				if (out)
					out->arr[n] = a->arr[ia];
				n++;
				ia++;
				ib++;
			}
		}
	}
	if (out)
	{
		out->is_bitmap = false;
		out->card = n;
	}
	return n;
}

/* a minus b for decoded containers, into out (an array or bitmap like a). */
static void
cont_difference(const DCont *a, const DCont *b, DCont *out)
{
	int32		i;
	int32		n = 0;

	if (a->is_bitmap)
	{
		memcpy(out->bits, a->bits, BITMAP_BYTES);
		if (b->is_bitmap)
			for (i = 0; i < BITMAP_WORDS; i++)
				out->bits[i] &= ~b->bits[i];
		else
			for (i = 0; i < b->card; i++)
				out->bits[b->arr[i] >> 6] &= ~((uint64) 1 << (b->arr[i] & 63));
		for (i = 0; i < BITMAP_WORDS; i++)
			n += pg_popcount64(out->bits[i]);
		out->is_bitmap = true;
		out->card = n;
		return;
	}
	if (b->is_bitmap)
	{
		for (i = 0; i < a->card; i++)
			if (!((b->bits[a->arr[i] >> 6] >> (a->arr[i] & 63)) & 1))
				out->arr[n++] = a->arr[i];
	}
	else
	{
		int32		ib = 0;

		for (i = 0; i < a->card; i++)
		{
			while (ib < b->card && b->arr[ib] < a->arr[i])
				ib++;
			if (ib < b->card && b->arr[ib] == a->arr[i])
				continue;
			out->arr[n++] = a->arr[i];
		}
	}
	out->is_bitmap = false;
	out->card = n;
}

/* Set operations between two summaries, walking their chunks in order. */
typedef enum
{
	OP_INTERSECT_COUNT,
	OP_INTERSECTION,
	OP_DIFFERENCE
} DistinctOp;

/*
 * Runs op on a and b: returns the intersection count, or builds the
 * intersection or the difference a - b into *result (flat).
 */
static int64
distinct_setop(Datum da, Datum db, DistinctOp op, DistinctFlat **result, int64 *counts)
{
	DRead		ra,
				rb;
	uint16		arr_a[ARRAY_MAX],
				arr_b[ARRAY_MAX],
				arr_o[ARRAY_MAX];
	uint64		bits_a[BITMAP_WORDS],
				bits_b[BITMAP_WORDS],
				bits_o[BITMAP_WORDS];
	DCont		ca,
				cb,
				co;
	DistinctExpanded *e = op == OP_INTERSECT_COUNT ? NULL : distinct_new(CurrentMemoryContext);
	int64		n = 0;
	int32		i = 0,
				j = 0;

	distinct_read(da, &ra, false);
	distinct_read(db, &rb, false);
	if (counts != NULL)
	{
		counts[0] = ra.hdr.count;
		counts[1] = rb.hdr.count;
	}
	ca.arr = arr_a;
	ca.bits = bits_a;
	cb.arr = arr_b;
	cb.bits = bits_b;
	co.arr = arr_o;
	co.bits = bits_o;
	while (i < ra.hdr.nchunks)
	{
		uint64		ha = dir_get(&ra, i) >> 16;
		uint64		hb = j < rb.hdr.nchunks ? dir_get(&rb, j) >> 16 : PG_UINT64_MAX;

		CHECK_FOR_INTERRUPTS();
		if (hb < ha)
		{
			distinct_decode(&rb, j, &cb);	/* every container read is checked */
			j++;
			continue;
		}
		distinct_decode(&ra, i, &ca);
		if (hb == ha)
		{
			distinct_decode(&rb, j, &cb);
			if (op == OP_INTERSECT_COUNT)
				n += cont_intersect(&ca, &cb, NULL);
			else if (op == OP_INTERSECTION)
			{
				(void) cont_intersect(&ca, &cb, &co);
				distinct_add_cont(e, ha, &co);
			}
			else
			{
				cont_difference(&ca, &cb, &co);
				distinct_add_cont(e, ha, &co);
			}
			j++;
		}
		else if (op == OP_DIFFERENCE)
			distinct_add_cont(e, ha, &ca);
		i++;
	}
	for (; j < rb.hdr.nchunks; j++)
	{
		CHECK_FOR_INTERRUPTS();
		distinct_decode(&rb, j, &cb);
	}
	if (e != NULL)
	{
		/* drop chunks the operation emptied (distinct_add_cont never creates an empty one) */
		n = e->count;
		*result = distinct_finish(e);
	}
	return n;
}

/* |a ∩ b|: keys in both summaries. */
PG_FUNCTION_INFO_V1(distinct_intersection_count);
Datum
distinct_intersection_count(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(distinct_setop(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), OP_INTERSECT_COUNT, NULL, NULL));
}

/* |a ∪ b| = |a| + |b| - |a ∩ b|. */
PG_FUNCTION_INFO_V1(distinct_union_count);
Datum
distinct_union_count(PG_FUNCTION_ARGS)
{
	int64		counts[2];
	int64		both = distinct_setop(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), OP_INTERSECT_COUNT, NULL, counts);

	PG_RETURN_INT64(counts[0] + counts[1] - both);
}

/* |a - b|: keys of a that are not in b. */
PG_FUNCTION_INFO_V1(distinct_difference_count);
Datum
distinct_difference_count(PG_FUNCTION_ARGS)
{
	int64		counts[2];
	int64		both = distinct_setop(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), OP_INTERSECT_COUNT, NULL, counts);

	PG_RETURN_INT64(counts[0] - both);
}

/* The union of two summaries as a summary. */
PG_FUNCTION_INFO_V1(distinct_union);
Datum
distinct_union(PG_FUNCTION_ARGS)
{
	DistinctExpanded *e = distinct_new(CurrentMemoryContext);

	distinct_merge_datum(e, PG_GETARG_DATUM(0));
	distinct_merge_datum(e, PG_GETARG_DATUM(1));
	PG_RETURN_POINTER(distinct_finish(e));
}

/* The intersection of two summaries as a summary. */
PG_FUNCTION_INFO_V1(distinct_intersection);
Datum
distinct_intersection(PG_FUNCTION_ARGS)
{
	DistinctFlat *f;

	(void) distinct_setop(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), OP_INTERSECTION, &f, NULL);
	PG_RETURN_POINTER(f);
}

/* a minus b as a summary. */
PG_FUNCTION_INFO_V1(distinct_difference);
Datum
distinct_difference(PG_FUNCTION_ARGS)
{
	DistinctFlat *f;

	(void) distinct_setop(PG_GETARG_DATUM(0), PG_GETARG_DATUM(1), OP_DIFFERENCE, &f, NULL);
	PG_RETURN_POINTER(f);
}
