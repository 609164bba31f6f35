/*
 * src/catalog_run.c
 *		Runs the SQL that metric_sql compiled for metric_values
 *		with a per-session cache of its plans.
 *
 * metric_values used to run the compiled SQL with PL/pgSQL's EXECUTE, which
 * plans it on every call: a scorecard of five metrics over three sources is a
 * query of a dozen subqueries whose planning costs milliseconds, as much as
 * running it from pre-aggregates.  Dashboards send the same request again and
 * again, and the same request compiles to the same text while the catalog,
 * the caller's rights and the pre-aggregates' watermarks stay the same (the
 * routing comment at the head of the SQL names the watermark).  So the plans
 * of the last RUN_CACHE_SIZE texts run by the session are kept, keyed by the
 * text and the current user, as prepared statements are: PostgreSQL's plan
 * cache re-plans a kept statement when a table, function or type it uses
 * changes, or the search_path, and privileges and row-level security are
 * checked when it runs, for the role running it.  A kept statement that
 * something it uses has invalidated is prepared again.  The text is compiled
 * again on every call, so every catalog rule is applied on every call.
 *
 * Only a single SELECT without data-modifying parts is run; its result
 * columns must be those the caller declares (the result type of the calling
 * function).
 */
#include "retail_kpi.h"

#include "common/hashfn.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "executor/tstoreReceiver.h"
#include "tcop/dest.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/plancache.h"

#define RUN_CACHE_SIZE 16

typedef struct RunEntry
{
	char	   *sql;			/* NULL: empty slot (in TopMemoryContext) */
	uint64		hash;
	Oid			userid;
	SPIPlanPtr	plan;			/* kept (SPI_keepplan) */
	uint64		used;			/* clock of the last use */
	int			busy;			/* runs of it under way (a statement may call _catalog_run again) */
} RunEntry;

static RunEntry run_cache[RUN_CACHE_SIZE];
static uint64 run_clock = 0;

/* Free a kept plan (not running) and empty its slot. */
static void
run_forget(RunEntry *e)
{
	Assert(e->busy == 0);
	SPI_freeplan(e->plan);
	pfree(e->sql);
	e->sql = NULL;
	e->plan = NULL;
}

/* The cached plan of sql for the current user, or NULL. */
static RunEntry *
run_lookup(const char *sql, uint64 hash, Oid userid)
{
	for (int i = 0; i < RUN_CACHE_SIZE; i++)
	{
		RunEntry   *e = &run_cache[i];

		if (e->sql != NULL && e->hash == hash && e->userid == userid && strcmp(e->sql, sql) == 0)
			return e;
	}
	return NULL;
}

/* The statement of a plan prepared by SPI_prepare. */
static CachedPlanSource *
run_source(SPIPlanPtr plan)
{
	List	   *sources = SPI_plan_get_plan_sources(plan);

	if (list_length(sources) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("argument \"sql\" must be a single SELECT statement")));
	return (CachedPlanSource *) linitial(sources);
}

/*
 * Check a newly prepared plan: one SELECT without data-modifying parts or row locks (what
 * metric_sql writes).  Its result type is then fixed: if a change to an object it uses would change
 * it, the plan cache refuses to run it rather than return other columns.
 */
static void
run_check_statement(SPIPlanPtr plan)
{
	CachedPlanSource *ps = run_source(plan);
	ListCell   *lc;

	if (ps->commandTag != CMDTAG_SELECT)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("argument \"sql\" must be a single SELECT statement")));
	foreach(lc, ps->query_list)
	{
		Query	   *q = lfirst_node(Query, lc);

		if (q->commandType != CMD_SELECT || q->hasModifyingCTE || q->rowMarks != NIL)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("argument \"sql\" must be a read-only SELECT statement"),
					 errdetail("It writes (SELECT INTO, a data-modifying WITH) or locks rows (FOR UPDATE, FOR SHARE).")));
	}
	ps->fixed_result = true;
}

/* Check that the statement's result columns have the types the caller declares. */
static void
run_check_columns(SPIPlanPtr plan, TupleDesc expected)
{
	TupleDesc	got = run_source(plan)->resultDesc;

	if (got == NULL || got->natts != expected->natts)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("the columns of argument \"sql\" do not match the declared result"),
				 errdetail("The statement returns %d columns, %d were declared.",
						   got ? got->natts : 0, expected->natts)));
	for (int i = 0; i < expected->natts; i++)
	{
		Oid			a = TupleDescAttr(got, i)->atttypid;
		Oid			b = TupleDescAttr(expected, i)->atttypid;

		if (a != b)
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("the columns of argument \"sql\" do not match the declared result"),
					 errdetail("Column %d is of type %s, %s was declared.", i + 1,
							   format_type_be(a), format_type_be(b))));
	}
}

/*
 * _catalog_run(sql): the rows of a SELECT, planned once per session, text and user (see the top of
 * the file); the caller gives the column list.  Runs with the caller's rights, like EXECUTE.
 */
PG_FUNCTION_INFO_V1(catalog_run);
Datum
catalog_run(PG_FUNCTION_ARGS)
{
	char	   *sql = text_to_cstring(PG_GETARG_TEXT_PP(0));
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	uint64		hash = hash_bytes_extended((const unsigned char *) sql, strlen(sql), 0);
	Oid			userid = GetUserId();
	RunEntry   *volatile e;
	SPIPlanPtr	plan;
	DestReceiver *dest;
	SPIExecuteOptions options;
	volatile int rc = 0;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	e = run_lookup(sql, hash, userid);
	if (e != NULL && !run_source(e->plan)->is_valid && e->busy == 0)
	{
		/*
		 * Something it uses changed since it last ran: prepare it again (it would be re-planned
		 * anyway), so that a change of its result type is checked against the declared columns
		 * instead of making the kept statement fail on every call.
		 */
		run_forget(e);
		e = NULL;
	}
	if (e != NULL)
		plan = e->plan;
	else
	{
		/* parallel plans allowed, as for RETURN QUERY EXECUTE (raw rows of big sources use them) */
		RunEntry   *victim = NULL;

		plan = SPI_prepare_cursor(sql, 0, NULL, CURSOR_OPT_PARALLEL_OK);
		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		run_check_statement(plan);
		/*
		 * Kept in the least recently used slot (an empty one first) that is not running: a
		 * statement run by _catalog_run may call it again (a function in the caller's SQL), and a
		 * plan in use is never freed.  With every slot in use, the plan is not kept (SPI_finish
		 * frees it).
		 */
		for (int i = 0; i < RUN_CACHE_SIZE; i++)
		{
			RunEntry   *c = &run_cache[i];

			if (c->sql != NULL && c->busy > 0)
				continue;
			if (c->sql == NULL)
			{
				victim = c;
				break;
			}
			if (victim == NULL || c->used < victim->used)
				victim = c;
		}
		if (victim != NULL)
		{
			if (victim->sql != NULL)
				run_forget(victim);
			if (SPI_keepplan(plan) != 0)
				elog(ERROR, "SPI_keepplan failed");
			victim->plan = plan;
			victim->hash = hash;
			victim->userid = userid;
			victim->sql = MemoryContextStrdup(TopMemoryContext, sql);
			e = victim;
		}
	}
	if (e != NULL)
		e->used = ++run_clock;
	run_check_columns(plan, rsinfo->setDesc);

	/* the rows go straight into the result's tuplestore */
	dest = CreateDestReceiver(DestTuplestore);
	SetTuplestoreDestReceiverParams(dest, rsinfo->setResult, rsinfo->econtext->ecxt_per_query_memory,
									true, NULL, NULL);
	memset(&options, 0, sizeof(options));
	options.read_only = false;	/* a new snapshot, as EXECUTE takes in a volatile function */
	options.dest = dest;
	if (e != NULL)
		e->busy++;
	PG_TRY();
	{
		rc = SPI_execute_plan_extended(plan, &options);
	}
	PG_FINALLY();
	{
		if (e != NULL)
			e->busy--;
	}
	PG_END_TRY();
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "SPI_execute_plan_extended failed: %s", SPI_result_code_string(rc));
	dest->rDestroy(dest);
	SPI_finish();
	return (Datum) 0;
}
