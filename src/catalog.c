/*
 * src/catalog.c
 *		The C part of the indicator center (指标中心): validating and
 *		normalising the expressions stored in the catalog, and telling the
 *		SECURITY DEFINER API functions who really called them.
 *
 * Expressions (a measure's column expression and filter, a derived metric's
 * formula) are parsed with PostgreSQL's own raw parser as "SELECT <expr>"
 * and accepted only when the raw parse tree consists of an allow-listed set
 * of nodes: plain column names, constants, a small set of operators,
 * allow-listed functions, casts to allow-listed types, CASE, COALESCE,
 * NULLIF, GREATEST/LEAST, IS [NOT] NULL and AND/OR/NOT.  Anything else
 * (subqueries, parameters, qualified names, statement separators, FROM ...)
 * is rejected.  The accepted tree is then re-rendered as SQL text by this
 * file (never the user's text): identifiers are quoted, string constants
 * are quoted, every operator application is parenthesised and written
 * OPERATOR(pg_catalog.op), and function names are replaced by the
 * qualified names of the allow-list.  NULLIF, IN, IS [NOT] DISTINCT FROM
 * and simple CASE, whose "=" PostgreSQL looks up on the search_path, are
 * rewritten into equivalent forms with qualified operators, so that the
 * rendering means the same under any caller's search_path
 * (docs/security.md, R9).  The rendering is also the normalised form used
 * to find duplicate definitions.
 */
#include "retail_kpi.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "utils/array.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/catcache.h"

PG_FUNCTION_INFO_V1(catalog_parse_expression);
PG_FUNCTION_INFO_V1(catalog_caller);
PG_FUNCTION_INFO_V1(catalog_caller_id);
PG_FUNCTION_INFO_V1(catalog_nearest);
PG_FUNCTION_INFO_V1(catalog_probe);

/* Everything the renderer needs while walking one expression. */
typedef struct CatExprContext
{
	const char *argname;		/* argument named in error messages */
	int			nfuncs;
	char	  **func_names;		/* allow-listed names ... */
	char	  **func_sql;		/* ... and the SQL they render to */
	const char *column_prefix;	/* NULL: bare quoted column names */
	int			nreplace;
	char	  **replace_names;	/* columns rendered as given SQL text */
	char	  **replace_sql;
	List	   *columns;		/* distinct column names seen (char *) */
	List	   *functions;		/* distinct function names used (char *) */
} CatExprContext;

/* Types a cast may name: the last component of the type name, and its SQL. */
static const char *const cast_types[][2] = {
	{"numeric", "pg_catalog.numeric"},
	{"float8", "pg_catalog.float8"},
	{"float4", "pg_catalog.float4"},
	{"int2", "pg_catalog.int2"},
	{"int4", "pg_catalog.int4"},
	{"int8", "pg_catalog.int8"},
	{"text", "pg_catalog.text"},
	{"date", "pg_catalog.date"},
	{"bool", "pg_catalog.bool"},
	{NULL, NULL}
};

/* Operators an A_Expr may use. */
static const char *const allowed_operators[] = {
	"+", "-", "*", "/", "%", "<", ">", "<=", ">=", "=", "<>", NULL
};

static void render_node(CatExprContext *cx, Node *node, StringInfo out);

/*
 * Levenshtein distance of two short names (catalog codes are at most 63
 * bytes; longer inputs are compared on their first 63), for "did you mean"
 * hints.
 */
static int
name_distance(const char *a, const char *b)
{
	int			la = Min((int) strlen(a), 63);
	int			lb = Min((int) strlen(b), 63);
	int			prev[64],
				cur[64];
	int			i,
				j;

	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++)
	{
		cur[0] = i;
		for (j = 1; j <= lb; j++)
		{
			int			d = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);

			d = Min(d, prev[j] + 1);
			d = Min(d, cur[j - 1] + 1);
			cur[j] = d;
		}
		memcpy(prev, cur, sizeof(int) * (lb + 1));
	}
	return prev[lb];
}

/*
 * The candidate nearest to name (NULL when none is close enough: at most a
 * third of the name's length, and at most 3 edits); ties go to the first.
 */
static const char *
nearest_name(const char *name, char **candidates, int n)
{
	int			best = -1;
	int			best_d = Min(3, Max(1, (int) strlen(name) / 3)) + 1;
	int			i;

	for (i = 0; i < n; i++)
	{
		int			d;

		CHECK_FOR_INTERRUPTS();
		d = name_distance(name, candidates[i]);
		if (d < best_d)
		{
			best_d = d;
			best = i;
		}
	}
	return best < 0 ? NULL : candidates[best];
}

/* Does PostgreSQL know a function of this name, in any schema? */
static bool
function_name_exists(const char *name)
{
	CatCList   *list = SearchSysCacheList1(PROCNAMEARGSNSP, CStringGetDatum(name));
	bool		found = list->n_members > 0;

	ReleaseSysCacheList(list);
	return found;
}

/* "(l OPERATOR(pg_catalog.op) r)": a binary operator that no search_path can replace. */
static void
render_binary(CatExprContext *cx, Node *l, const char *op, Node *r, StringInfo out)
{
	appendStringInfoChar(out, '(');
	render_node(cx, l, out);
	appendStringInfo(out, " OPERATOR(pg_catalog.%s) ", op);
	render_node(cx, r, out);
	appendStringInfoChar(out, ')');
}

/* Raise the standard "construct is not allowed" error. */
static void
reject(CatExprContext *cx, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s not allowed in argument \"%s\"", what, cx->argname),
			 errdetail("Catalog expressions may use column or metric names, constants, the operators + - * / %% < > <= >= = <>, "
					   "AND/OR/NOT, IS [NOT] NULL, CASE, COALESCE, NULLIF, GREATEST, LEAST, casts to simple types "
					   "and the functions listed in retail_kpi.catalog_functions.")));
}

/* Append name to a list of distinct C strings. */
static List *
add_distinct(List *list, const char *name)
{
	ListCell   *lc;

	foreach(lc, list)
	{
		if (strcmp((char *) lfirst(lc), name) == 0)
			return list;
	}
	return lappend(list, pstrdup(name));
}

/* Render a comma-separated list of expressions. */
static void
render_list(CatExprContext *cx, List *items, StringInfo out)
{
	ListCell   *lc;
	bool		first = true;

	foreach(lc, items)
	{
		if (!first)
			appendStringInfoString(out, ", ");
		first = false;
		render_node(cx, (Node *) lfirst(lc), out);
	}
}

/* A plain column (or metric) name: one unqualified field. */
static void
render_column(CatExprContext *cx, ColumnRef *ref, StringInfo out)
{
	Node	   *field;
	const char *name;
	int			i;

	if (list_length(ref->fields) != 1)
		reject(cx, "qualified names and \"*\" are");
	field = (Node *) linitial(ref->fields);
	if (!IsA(field, String))
		reject(cx, "\"*\" is");
	name = strVal(field);
	if (name[0] == '\0')
		reject(cx, "an empty name is");
	cx->columns = add_distinct(cx->columns, name);

	for (i = 0; i < cx->nreplace; i++)
	{
		if (strcmp(cx->replace_names[i], name) == 0)
		{
			appendStringInfo(out, "(%s)", cx->replace_sql[i]);
			return;
		}
	}
	if (cx->column_prefix != NULL)
		appendStringInfo(out, "%s.", quote_identifier(cx->column_prefix));
	appendStringInfoString(out, quote_identifier(name));
}

/* A constant: numbers as the lexer read them, strings quoted again. */
static void
render_const(CatExprContext *cx, A_Const *c, StringInfo out)
{
	if (c->isnull)
	{
		appendStringInfoString(out, "NULL");
		return;
	}
	switch (nodeTag(&c->val))
	{
		case T_Integer:
			appendStringInfo(out, "%d", intVal(&c->val));
			break;
		case T_Float:
			/* digits, '.', 'e' and sign only: produced by the lexer */
			appendStringInfoString(out, castNode(Float, &c->val)->fval);
			break;
		case T_Boolean:
			appendStringInfoString(out, boolVal(&c->val) ? "true" : "false");
			break;
		case T_String:
			appendStringInfoString(out, quote_literal_cstr(strVal(&c->val)));
			break;
		default:
			reject(cx, "bit-string constants are");
	}
}

/* An operator application from the allow-list, always parenthesised. */
static void
render_aexpr(CatExprContext *cx, A_Expr *e, StringInfo out)
{
	const char *op;
	int			i;
	bool		ok = false;

	switch (e->kind)
	{
		case AEXPR_OP:
			if (list_length(e->name) != 1)
				reject(cx, "qualified operators are");
			op = strVal(linitial(e->name));
			for (i = 0; allowed_operators[i] != NULL; i++)
				if (strcmp(op, allowed_operators[i]) == 0)
					ok = true;
			if (!ok)
			{
				char	   *what = psprintf("operator \"%s\" is", op);

				reject(cx, what);
			}
			if (e->rexpr == NULL)
				reject(cx, "postfix operators are");
			if (e->lexpr != NULL)
				render_binary(cx, e->lexpr, op, e->rexpr, out);
			else
			{
				appendStringInfo(out, "(OPERATOR(pg_catalog.%s) ", op);
				render_node(cx, e->rexpr, out);
				appendStringInfoChar(out, ')');
			}
			break;
		case AEXPR_NULLIF:
			/* NULLIF(a, b) = CASE WHEN a = b THEN NULL ELSE a END (SQL standard) */
			appendStringInfoString(out, "CASE WHEN ");
			render_binary(cx, e->lexpr, "=", e->rexpr, out);
			appendStringInfoString(out, " THEN NULL ELSE ");
			render_node(cx, e->lexpr, out);
			appendStringInfoString(out, " END");
			break;
		case AEXPR_IN:
			{
				/* x IN (a, b) = (x = a OR x = b); x NOT IN (a, b) = (x <> a AND x <> b) */
				bool		is_in;
				bool		first_item = true;
				ListCell   *lc;

				op = strVal(linitial(e->name));
				is_in = strcmp(op, "=") == 0;
				if (!IsA(e->rexpr, List))
					reject(cx, "this form of IN is");
				appendStringInfoChar(out, '(');
				foreach(lc, (List *) e->rexpr)
				{
					if (!first_item)
						appendStringInfoString(out, is_in ? " OR " : " AND ");
					first_item = false;
					render_binary(cx, e->lexpr, is_in ? "=" : "<>", (Node *) lfirst(lc), out);
				}
				appendStringInfoChar(out, ')');
				break;
			}
		case AEXPR_DISTINCT:
		case AEXPR_NOT_DISTINCT:
			{
				/*
				 * a IS DISTINCT FROM b = CASE WHEN a IS NULL THEN b IS NOT NULL
				 * WHEN b IS NULL THEN true ELSE NOT (a = b) END, and the negation
				 */
				bool		distinct = e->kind == AEXPR_DISTINCT;

				appendStringInfoString(out, "(CASE WHEN ");
				render_node(cx, e->lexpr, out);
				appendStringInfoString(out, " IS NULL THEN ");
				render_node(cx, e->rexpr, out);
				appendStringInfoString(out, distinct ? " IS NOT NULL WHEN " : " IS NULL WHEN ");
				render_node(cx, e->rexpr, out);
				appendStringInfoString(out, distinct ? " IS NULL THEN true ELSE (NOT " :
									   " IS NULL THEN false ELSE (");
				render_binary(cx, e->lexpr, "=", e->rexpr, out);
				appendStringInfoString(out, ") END)");
				break;
			}
		default:
			reject(cx, "this operator form (LIKE, BETWEEN, ANY, ...) is");
	}
}

/* A call of an allow-listed function, rendered with its qualified name. */
static void
render_funccall(CatExprContext *cx, FuncCall *f, StringInfo out)
{
	const char *name;
	int			i;

	if (list_length(f->funcname) != 1)
		reject(cx, "qualified function names (and special forms such as EXTRACT) are");
	if (f->agg_order != NIL || f->agg_filter != NULL || f->over != NULL ||
		f->agg_within_group || f->agg_star || f->agg_distinct || f->func_variadic)
		reject(cx, "ORDER BY, FILTER, OVER, DISTINCT, VARIADIC and \"*\" in function calls are");
	name = strVal(linitial(f->funcname));
	for (i = 0; i < cx->nfuncs; i++)
	{
		if (strcmp(cx->func_names[i], name) == 0)
			break;
	}
	if (i == cx->nfuncs)
	{
		const char *near = nearest_name(name, cx->func_names, cx->nfuncs);

		/* a misspelling says so and names the nearest allowed function */
		if (!function_name_exists(name))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_FUNCTION),
					 errmsg("function \"%s\" does not exist in argument \"%s\"", name, cx->argname),
					 near ? errhint("Did you mean \"%s\"?", near) :
					 errhint("The functions of catalog expressions are listed in retail_kpi.catalog_functions.")));
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("function \"%s\" is not allowed in argument \"%s\"", name, cx->argname),
				 near ? errhint("Did you mean \"%s\"? Only the functions listed in retail_kpi.catalog_functions may be used; a steward can add one with retail_kpi.allow_function().", near) :
				 errhint("Only the functions listed in retail_kpi.catalog_functions may be used; a steward can add one with retail_kpi.allow_function().")));
	}
	cx->functions = add_distinct(cx->functions, name);
	appendStringInfo(out, "%s(", cx->func_sql[i]);
	render_list(cx, f->args, out);
	appendStringInfoChar(out, ')');
}

/* A cast to one of the allow-listed simple types. */
static void
render_typecast(CatExprContext *cx, TypeCast *tc, StringInfo out)
{
	TypeName   *tn = tc->typeName;
	const char *name;
	int			i;

	if (tn->setof || tn->arrayBounds != NIL || tn->pct_type || list_length(tn->names) == 0)
		reject(cx, "this type name is");
	name = strVal(llast(tn->names));
	if (list_length(tn->names) == 2 && strcmp(strVal(linitial(tn->names)), "pg_catalog") != 0)
		reject(cx, "casts to types outside pg_catalog are");
	if (list_length(tn->names) > 2)
		reject(cx, "this type name is");
	for (i = 0; cast_types[i][0] != NULL; i++)
		if (strcmp(cast_types[i][0], name) == 0)
			break;
	if (cast_types[i][0] == NULL)
	{
		char	   *what = psprintf("a cast to type \"%s\" is", name);

		reject(cx, what);
	}
	appendStringInfoString(out, "CAST(");
	render_node(cx, tc->arg, out);
	appendStringInfo(out, " AS %s", cast_types[i][1]);
	if (tn->typmods != NIL)
	{
		ListCell   *lc;
		bool		first = true;

		if (strcmp(name, "numeric") != 0)
			reject(cx, "type modifiers other than numeric(p, s) are");
		appendStringInfoChar(out, '(');
		foreach(lc, tn->typmods)
		{
			A_Const    *m = (A_Const *) lfirst(lc);

			if (!IsA(m, A_Const) || m->isnull || !IsA(&m->val, Integer))
				reject(cx, "this type modifier is");
			appendStringInfo(out, "%s%d", first ? "" : ", ", intVal(&m->val));
			first = false;
		}
		appendStringInfoChar(out, ')');
	}
	appendStringInfoChar(out, ')');
}

/* Render one node of the raw parse tree, or reject it. */
static void
render_node(CatExprContext *cx, Node *node, StringInfo out)
{
	ListCell   *lc;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();		/* one check per expression node */
	if (node == NULL)
		reject(cx, "an empty expression is");

	switch (nodeTag(node))
	{
		case T_ColumnRef:
			render_column(cx, (ColumnRef *) node, out);
			break;
		case T_A_Const:
			render_const(cx, (A_Const *) node, out);
			break;
		case T_A_Expr:
			render_aexpr(cx, (A_Expr *) node, out);
			break;
		case T_FuncCall:
			render_funccall(cx, (FuncCall *) node, out);
			break;
		case T_NamedArgExpr:
			{
				NamedArgExpr *na = (NamedArgExpr *) node;

				appendStringInfo(out, "%s => ", quote_identifier(na->name));
				render_node(cx, (Node *) na->arg, out);
				break;
			}
		case T_TypeCast:
			render_typecast(cx, (TypeCast *) node, out);
			break;
		case T_BoolExpr:
			{
				BoolExpr   *b = (BoolExpr *) node;
				bool		first = true;

				if (b->boolop == NOT_EXPR)
				{
					appendStringInfoString(out, "(NOT ");
					render_node(cx, (Node *) linitial(b->args), out);
					appendStringInfoChar(out, ')');
					break;
				}
				appendStringInfoChar(out, '(');
				foreach(lc, b->args)
				{
					if (!first)
						appendStringInfoString(out, b->boolop == AND_EXPR ? " AND " : " OR ");
					first = false;
					render_node(cx, (Node *) lfirst(lc), out);
				}
				appendStringInfoChar(out, ')');
				break;
			}
		case T_NullTest:
			{
				NullTest   *n = (NullTest *) node;

				appendStringInfoChar(out, '(');
				render_node(cx, (Node *) n->arg, out);
				appendStringInfoString(out, n->nulltesttype == IS_NULL ? " IS NULL)" : " IS NOT NULL)");
				break;
			}
		case T_CaseExpr:
			{
				CaseExpr   *c = (CaseExpr *) node;

				/* a simple CASE x WHEN v is rendered as CASE WHEN x = v */
				appendStringInfoString(out, "CASE");
				foreach(lc, c->args)
				{
					CaseWhen   *w = lfirst_node(CaseWhen, lc);

					appendStringInfoString(out, " WHEN ");
					if (c->arg != NULL)
						render_binary(cx, (Node *) c->arg, "=", (Node *) w->expr, out);
					else
						render_node(cx, (Node *) w->expr, out);
					appendStringInfoString(out, " THEN ");
					render_node(cx, (Node *) w->result, out);
				}
				if (c->defresult != NULL)
				{
					appendStringInfoString(out, " ELSE ");
					render_node(cx, (Node *) c->defresult, out);
				}
				appendStringInfoString(out, " END");
				break;
			}
		case T_CoalesceExpr:
			appendStringInfoString(out, "COALESCE(");
			render_list(cx, ((CoalesceExpr *) node)->args, out);
			appendStringInfoChar(out, ')');
			break;
		case T_MinMaxExpr:
			{
				MinMaxExpr *m = (MinMaxExpr *) node;

				appendStringInfoString(out, m->op == IS_GREATEST ? "GREATEST(" : "LEAST(");
				render_list(cx, m->args, out);
				appendStringInfoChar(out, ')');
				break;
			}
		case T_SubLink:
			reject(cx, "subqueries are");
			break;
		case T_ParamRef:
			reject(cx, "parameters are");
			break;
		default:
			reject(cx, "this kind of expression is");
	}
}

/* Deconstruct a text[] argument (NULL → no elements; NULL elements rejected). */
static int
text_array_to_cstrings(ArrayType *arr, const char *argname, char ***out)
{
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;

	if (arr == NULL)
	{
		*out = NULL;
		return 0;
	}
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	*out = palloc(sizeof(char *) * (n + 1));
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" must not contain NULL elements", argname)));
		(*out)[i] = TextDatumGetCString(elems[i]);
	}
	return n;
}

/* Build a text[] from a list of C strings. */
static Datum
cstring_list_to_array(List *list)
{
	int			n = list_length(list);
	Datum	   *elems = palloc(sizeof(Datum) * Max(n, 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, list)
		elems[i++] = CStringGetTextDatum((char *) lfirst(lc));
	return PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT));
}

/*
 * catalog_parse_expression(expression, argname, function_names, function_sql,
 *                          column_prefix, replace_names, replace_sql)
 *   → (sql text, columns text[], functions text[], items int)
 *
 * Validates expression (one or more comma-separated items) and returns its
 * normalised rendering, the column names it references and the allow-listed
 * functions it calls.  Used by the catalog API at definition time.
 */
Datum
catalog_parse_expression(PG_FUNCTION_ARGS)
{
	CatExprContext cx;
	char	   *expr;
	char	   *query;
	List	   *stmts;
	RawStmt    *raw;
	SelectStmt *sel;
	StringInfoData out;
	ListCell   *lc;
	bool		first = true;
	TupleDesc	tupdesc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int			n;

	memset(&cx, 0, sizeof(cx));
	cx.argname = PG_ARGISNULL(1) ? "expression" : text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be NULL", cx.argname)));
	expr = text_to_cstring(PG_GETARG_TEXT_PP(0));

	cx.nfuncs = text_array_to_cstrings(PG_ARGISNULL(2) ? NULL : PG_GETARG_ARRAYTYPE_P(2),
									   "function_names", &cx.func_names);
	n = text_array_to_cstrings(PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3),
							   "function_sql", &cx.func_sql);
	if (n != cx.nfuncs)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("arguments \"function_names\" and \"function_sql\" must have the same length")));
	cx.column_prefix = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	cx.nreplace = text_array_to_cstrings(PG_ARGISNULL(5) ? NULL : PG_GETARG_ARRAYTYPE_P(5),
										 "replace_names", &cx.replace_names);
	n = text_array_to_cstrings(PG_ARGISNULL(6) ? NULL : PG_GETARG_ARRAYTYPE_P(6),
							   "replace_sql", &cx.replace_sql);
	if (n != cx.nreplace)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("arguments \"replace_names\" and \"replace_sql\" must have the same length")));

	if (strlen(expr) > 10000)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("argument \"%s\" is too long", cx.argname),
				 errdetail("Catalog expressions are limited to 10000 bytes.")));

	query = psprintf("SELECT %s", expr);
	stmts = raw_parser(query, RAW_PARSE_DEFAULT);

	if (list_length(stmts) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must be a single expression", cx.argname),
				 errdetail("Statement separators are not allowed.")));
	raw = linitial_node(RawStmt, stmts);
	if (!IsA(raw->stmt, SelectStmt))
		reject(&cx, "this statement is");
	sel = (SelectStmt *) raw->stmt;
	if (sel->op != SETOP_NONE || sel->distinctClause != NIL || sel->intoClause != NULL ||
		sel->fromClause != NIL || sel->whereClause != NULL || sel->groupClause != NIL ||
		sel->havingClause != NULL || sel->windowClause != NIL || sel->valuesLists != NIL ||
		sel->sortClause != NIL || sel->limitOffset != NULL || sel->limitCount != NULL ||
		sel->lockingClause != NIL || sel->withClause != NULL)
		reject(&cx, "FROM, WHERE, GROUP BY, ORDER BY, LIMIT, UNION, WITH and similar clauses are");
	if (sel->targetList == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must not be empty", cx.argname)));

	initStringInfo(&out);
	foreach(lc, sel->targetList)
	{
		ResTarget  *rt = lfirst_node(ResTarget, lc);

		if (rt->name != NULL || rt->indirection != NIL)
			reject(&cx, "column aliases are");
		if (!first)
			appendStringInfoString(&out, ", ");
		first = false;
		render_node(&cx, rt->val, &out);
	}

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "catalog_parse_expression must return a record");
	tupdesc = BlessTupleDesc(tupdesc);
	values[0] = CStringGetTextDatum(out.data);
	values[1] = cstring_list_to_array(cx.columns);
	values[2] = cstring_list_to_array(cx.functions);
	values[3] = Int32GetDatum(list_length(sel->targetList));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * catalog_caller() → name
 *
 * The role that called the catalog API: the session's current role as set
 * by SET ROLE ("outer" user id), which SECURITY DEFINER functions do not
 * change.  The API's permission checks use it, since current_user inside a
 * SECURITY DEFINER function is the extension's owner.
 */
Datum
catalog_caller(PG_FUNCTION_ARGS)
{
	char	   *name = GetUserNameFromId(GetOuterUserId(), false);

	PG_RETURN_DATUM(DirectFunctionCall1(namein, CStringGetDatum(name)));
}

/*
 * catalog_caller_id() → regrole
 *
 * The same role as catalog_caller(), as an OID: owners are stored by
 * identity (docs/security.md, R6), never by a name that can be re-created.
 */
Datum
catalog_caller_id(PG_FUNCTION_ARGS)
{
	PG_RETURN_OID(GetOuterUserId());
}

/*
 * catalog_nearest(name text, candidates text[]) → text
 *
 * The candidate nearest to name by edit distance, or NULL when none is
 * close (at most a third of the name's length and 3 edits): the "did you
 * mean" of the catalog's 42704 errors.
 */
Datum
catalog_nearest(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	char	  **cands;
	int			n;
	const char *near;

	n = text_array_to_cstrings(PG_GETARG_ARRAYTYPE_P(1), "candidates", &cands);
	near = nearest_name(name, cands, n);
	if (near == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(near));
}

/*
 * catalog_probe(query text) → text
 *
 * Runs a read-only query built by the catalog API (a type check: "SELECT
 * <type name> FROM (<definition> FROM <source> WHERE false)") and returns
 * the first column of its first row.  It runs as the CALLER (the outer
 * role, see catalog_caller), in a security-restricted operation, not as the
 * SECURITY DEFINER owner of the API: planning a user's view may evaluate
 * the user's functions, which must never run with the owner's privileges.
 */
Datum
catalog_probe(PG_FUNCTION_ARGS)
{
	char	   *query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Oid			save_userid;
	int			save_sec_context;
	text	   *result = NULL;
	MemoryContext caller_cxt = CurrentMemoryContext;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(GetOuterUserId(),
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION);
	PG_TRY();
	{
		int			rc;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		rc = SPI_execute(query, true, 1);
		if (rc != SPI_OK_SELECT)	/* e.g. an empty query: bad input, not an internal error */
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"query\" must be a SELECT query")));
		if (SPI_processed > 0)
		{
			bool		isnull;
			Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

			if (!isnull)
			{
				MemoryContext old = MemoryContextSwitchTo(caller_cxt);

				result = DatumGetTextPCopy(d);
				MemoryContextSwitchTo(old);
			}
		}
		SPI_finish();
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();

	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(result);
}
