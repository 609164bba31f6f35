-- src/receivables.sql: the receivables family (应收账款): collection rate (回款率) over credit sales and in
-- the roll-forward form, collection effectiveness index (CEI), days sales outstanding (DSO); docs/receivables.md.

CREATE FUNCTION collection_rate(cash_collected numeric, credit_sales numeric) RETURNS float8
    AS 'MODULE_PATHNAME', 'receivables_collection_rate_cash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION collection_rate(numeric, numeric) IS
    'collection rate (回款率) over credit sales: cash_collected / credit_sales; NULL when credit_sales <= 0';

CREATE FUNCTION collection_rate(begin_ar numeric, credit_sales numeric, end_ar numeric,
                                end_current_ar numeric DEFAULT NULL, variant text DEFAULT 'standard')
    RETURNS float8
    AS 'MODULE_PATHNAME', 'receivables_collection_rate' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION collection_rate(numeric, numeric, numeric, numeric, text) IS
    'collection rate from the AR roll-forward: variant ''standard'' (begin_ar + credit_sales - end_ar) / credit_sales (NULL when credit_sales <= 0), ''cei'' the collection effectiveness index (needs end_current_ar); NULL amounts give NULL';

CREATE FUNCTION collection_effectiveness_index(begin_ar numeric, credit_sales numeric, end_ar numeric,
                                               end_current_ar numeric) RETURNS float8
    AS 'MODULE_PATHNAME', 'receivables_cei' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION collection_effectiveness_index(numeric, numeric, numeric, numeric) IS
    'collection effectiveness index (CEI): (begin_ar + credit_sales - end_ar) / (begin_ar + credit_sales - end_current_ar); NULL when that denominator <= 0';

CREATE FUNCTION days_sales_outstanding(end_ar numeric, credit_sales numeric, period_days numeric,
                                       begin_ar numeric DEFAULT NULL, method text DEFAULT 'ending')
    RETURNS float8
    AS 'MODULE_PATHNAME', 'receivables_dso' LANGUAGE C IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE;
COMMENT ON FUNCTION days_sales_outstanding(numeric, numeric, numeric, numeric, text) IS
    'days sales outstanding (DSO): method ''ending'' end_ar x period_days / credit_sales, ''average'' (begin_ar + end_ar) / 2 x period_days / credit_sales; NULL when credit_sales <= 0 or an amount is NULL; period_days must be > 0';
