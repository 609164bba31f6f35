-- src/upgrade/0.2--0.3.sql: first part of the upgrade script retail_kpi--0.2--0.3.sql, assembled by
-- the Makefile (docs/versioning.md): the changes to objects that exist in 0.2 and cannot be replayed
-- from the install script's parts (checks, DROPs of functions whose signature changes, table
-- migrations).  After it come the families new in 0.3, every catalog code file (CREATE OR REPLACE)
-- and src/upgrade/0.2--0.3-post.sql.

\echo Use "ALTER EXTENSION retail_kpi UPDATE TO '0.3'" to load this file. \quit

-- =============================================================================================
-- Indicator center: checks and catalog table migrations (docs/security.md)
-- =============================================================================================

-- The schema must be the extension owner's (docs/security.md, R8): a schema squatted before 0.3 is
-- refused rather than trusted.
DO $schema_check$
DECLARE
    schema_owner oid := (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'retail_kpi');
    ext_owner oid := (SELECT e.extowner FROM pg_catalog.pg_extension e WHERE e.extname = 'retail_kpi');
BEGIN
    IF schema_owner <> ext_owner THEN
        RAISE EXCEPTION 'schema retail_kpi is owned by role %, not by the extension''s owner %',
                        pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(schema_owner)),
                        pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(ext_owner))
            USING ERRCODE = '42501',
                  DETAIL = 'The extension''s functions trust every object in their schema.',
                  HINT = 'Check what the schema holds, then ALTER SCHEMA retail_kpi OWNER TO the extension''s owner and update again.';
    END IF;
END
$schema_check$;
REVOKE CREATE ON SCHEMA retail_kpi FROM PUBLIC;

-- The author and reader roles (the steward role retail_kpi_admin exists since 0.1).
DO $catalog_role$
DECLARE
    r text;
BEGIN
    FOREACH r IN ARRAY ARRAY['retail_kpi_admin', 'retail_kpi_author', 'retail_kpi_reader'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = r) THEN
            EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', r);
        END IF;
    END LOOP;
END
$catalog_role$;

-- Functions whose arguments or results change, and the one that goes: re-created by the catalog
-- files that follow.  metric_catalog depends on metrics.owner, whose type changes.
DROP VIEW metric_catalog;
DROP FUNCTION _catalog_owner(text);
DROP FUNCTION _catalog_require_owner(text, text, text);
DROP FUNCTION _catalog_record(text, text, text, text, jsonb, jsonb);
DROP FUNCTION _catalog_metric_closure(text[], timestamptz);
DROP FUNCTION _catalog_fingerprint(text, int);
DROP FUNCTION check_alerts(date);
-- metric_values gains exact_base, absolute_change and change_pp (issue 12): views of users that call
-- it must be dropped before the update and created again after it (the update stops otherwise)
DROP FUNCTION metric_values(text[], text[], jsonb, date, date, text, text, timestamptz);
-- metric_sql and publish_metric_view gain subtotals and the wide layout (issue 16)
DROP FUNCTION metric_sql(text[], text[], jsonb, date, date, text, text, timestamptz);
DROP FUNCTION publish_metric_view(text, text[], text[], jsonb, date, date, text, text, text);
-- metric_vs_target gains covered_only and the coverage of the targets (issue 12), likewise
DROP FUNCTION metric_vs_target(text, text[], jsonb, date, date, text, text);

-- Owners by identity (R6): role names become role OIDs; a name that no longer resolves becomes OID 0,
-- an orphan only stewards may change (check_catalog() reports it).
ALTER TABLE dimensions ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner)), 0::oid::regrole);
ALTER TABLE sources ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner)), 0::oid::regrole);
ALTER TABLE measures ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner)), 0::oid::regrole);
ALTER TABLE metrics ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner)), 0::oid::regrole);
ALTER TABLE alert_rules ALTER COLUMN owner TYPE regrole
    USING coalesce(pg_catalog.to_regrole(pg_catalog.quote_ident(owner)), 0::oid::regrole);

-- Sources by identity: the relation their names resolve to now (OID 0 when it no longer exists).
ALTER TABLE sources ADD COLUMN relation regclass;
UPDATE sources SET relation = coalesce(pg_catalog.to_regclass(pg_catalog.format('%I.%I', schema_name, relation_name)),
                                       0::oid::regclass);
ALTER TABLE sources ALTER COLUMN relation SET NOT NULL;
COMMENT ON TABLE sources IS
    'catalog: fact tables or views (by OID: relation; schema_name and relation_name are their names when defined), their time column (NULL: static facts such as selling area), the column of each dimension and the grain of their facts';

-- Grains a measure and a source are valid at (issue 12): promotion summaries are bound to the
-- promotion's own window; a source's facts may be monthly (expenses, receivables).
ALTER TABLE catalog_aggregations ADD COLUMN valid_grains text[]
    CHECK (valid_grains <@ '{day,week,month,quarter,year,total,retail_week,retail_period,retail_quarter,retail_year}');
UPDATE catalog_aggregations SET valid_grains = '{total}' WHERE name = 'promo_agg' AND builtin;
COMMENT ON TABLE catalog_aggregations IS
    'allow-list of aggregations a measure may use: name, the qualified aggregate it renders to, DISTINCT, argument count, the grains it is valid at (NULL: all)';
ALTER TABLE sources ADD COLUMN native_grain text NOT NULL DEFAULT 'day' CHECK (native_grain IN ('day', 'month', 'quarter', 'year'));
DROP FUNCTION define_source(text, regclass, text, jsonb, text, text, text);

-- New functions of the C families usable in derived metrics (the same rows as a fresh install).
INSERT INTO catalog_functions VALUES
    ('kpi_round', 'retail_kpi.kpi_round', 'metric', NULL, true),
    ('share', 'retail_kpi.share', 'metric', NULL, true),
    ('sell_through_from_closing', 'retail_kpi.sell_through_from_closing', 'metric', NULL, true);

-- Dimension tables (issue 16): a dimension's table, its unique key and the columns that give other
-- dimensions, so sources reach those dimensions by a join instead of a view.
ALTER TABLE dimensions ADD COLUMN dimension_table regclass, ADD COLUMN key_column text,
    ADD COLUMN attributes jsonb CHECK (jsonb_typeof(attributes) = 'object');
COMMENT ON TABLE dimensions IS 'catalog: dimensions (store, region, sku, ...), with an optional parent for hierarchies and an optional table (by OID) whose unique key is the member and whose columns give other dimensions (attributes)';
DROP FUNCTION define_dimension(text, text, text, text, text, text, text);

-- Sensitive metrics (R7).
ALTER TABLE metrics ADD COLUMN restricted boolean NOT NULL DEFAULT false;

-- The owner of each history row's object, for row-level security (R7).
ALTER TABLE catalog_history ADD COLUMN object_owner regrole;
UPDATE catalog_history h
SET object_owner = CASE WHEN h.object_type = 'target' THEN (SELECT m.owner FROM metrics m WHERE m.code = h.code)
                        ELSE pg_catalog.to_regrole(pg_catalog.quote_ident(coalesce(h.new_definition, h.old_definition)->>'owner')) END;
COMMENT ON TABLE catalog_history IS
    'every change made through the catalog API: who (calling role and session user), when, why, old and new row, the object''s owner';

-- Added in 0.3 (docs/security.md); src/upgrade/0.2--0.3.sql creates the same tables in 0.2 databases.
CREATE TABLE trusted_roles (
    role        regrole PRIMARY KEY,
    trusted_by  text NOT NULL,
    trusted_at  timestamptz NOT NULL DEFAULT now(),
    reason      text
);
COMMENT ON TABLE trusted_roles IS
    'catalog: roles declared trusted by a steward (their relations and functions may run for every reader and back certified metrics)';

CREATE TABLE metric_grants (
    metric      text NOT NULL,
    grantee     regrole NOT NULL,
    granted_by  text NOT NULL,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (metric, grantee)
);
COMMENT ON TABLE metric_grants IS 'catalog: roles allowed to evaluate a restricted (sensitive) metric';

CREATE TABLE catalog_settings (
    name        text PRIMARY KEY CHECK (name IN ('read_audit')),
    value       jsonb NOT NULL,
    updated_by  text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE catalog_settings IS 'catalog: settings of the indicator center made by stewards (read_audit)';

CREATE SEQUENCE metric_read_log_id_seq;
CREATE TABLE metric_read_log (
    id                bigint PRIMARY KEY DEFAULT nextval('retail_kpi.metric_read_log_id_seq'),
    read_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    role_oid          regrole NOT NULL,
    role_name         text NOT NULL,
    session_user_name text NOT NULL,
    metrics           text[] NOT NULL,
    dimensions        text[] NOT NULL,
    grain             text,
    from_date         date,
    to_date           date,
    as_of             timestamptz,
    -- rows are appended by the readers themselves (row-level security): bounded like every input (R10)
    CONSTRAINT metric_read_log_bounded CHECK (octet_length(metrics::text) <= 8192 AND octet_length(dimensions::text) <= 2048
                                              AND octet_length(coalesce(grain, '')) <= 32)
);
ALTER SEQUENCE metric_read_log_id_seq OWNED BY metric_read_log.id;
COMMENT ON TABLE metric_read_log IS 'the read audit (访问审计): every metric_values call while read_audit is on (stewards only)';


REVOKE ALL ON catalog_aggregations, catalog_functions, dimensions, sources, measures, metrics, targets,
    alert_rules, catalog_history, catalog_history_id_seq, trusted_roles, metric_grants, catalog_settings,
    metric_read_log, metric_read_log_id_seq FROM PUBLIC;
GRANT SELECT ON catalog_aggregations, catalog_functions, dimensions, sources, measures, metrics, targets,
    alert_rules, catalog_history, trusted_roles, metric_grants, catalog_settings TO PUBLIC;
GRANT SELECT ON metric_read_log TO retail_kpi_admin;
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.trusted_roles', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metric_grants', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.catalog_settings', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metric_read_log', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metric_read_log_id_seq', '');

-- The receivables family's functions in derived metrics (as src/catalog_model.sql ships them).
INSERT INTO catalog_functions VALUES
    ('collection_rate', 'retail_kpi.collection_rate', 'metric', NULL, true),
    ('collection_effectiveness_index', 'retail_kpi.collection_effectiveness_index', 'metric', NULL, true),
    ('days_sales_outstanding', 'retail_kpi.days_sales_outstanding', 'metric', NULL, true)
ON CONFLICT (name) DO NOTHING;

-- The customer and distinct families (member KPIs, issue 14) in measures and derived metrics (as
-- src/catalog_model.sql ships them).
INSERT INTO catalog_aggregations (name, sql_name, is_distinct, min_args, max_args, description, builtin, valid_grains) VALUES
    ('customer_agg',   'retail_kpi.customer_agg', false, 3, 3, 'customer summary (customer, purchase_date, spend)', true, NULL),
    ('distinct_agg',   'retail_kpi.distinct_agg', false, 1, 1, 'distinct summary (key)', true, NULL)
ON CONFLICT (name) DO NOTHING;
INSERT INTO catalog_functions VALUES
    ('customer_count', 'retail_kpi.customer_count', 'metric', NULL, true),
    ('repurchase_rate', 'retail_kpi.repurchase_rate', 'metric', NULL, true),
    ('purchase_frequency', 'retail_kpi.purchase_frequency', 'metric', NULL, true),
    ('spend_per_customer', 'retail_kpi.spend_per_customer', 'metric', NULL, true),
    ('active_rate', 'retail_kpi.active_rate', 'metric', NULL, true),
    ('new_customers', 'retail_kpi.new_customers', 'metric', NULL, true),
    ('returning_customers', 'retail_kpi.returning_customers', 'metric', NULL, true),
    ('distinct_count', 'retail_kpi.distinct_count', 'metric', NULL, true),
    ('intersection_count', 'retail_kpi.intersection_count', 'metric', NULL, true),
    ('difference_count', 'retail_kpi.difference_count', 'metric', NULL, true)
ON CONFLICT (name) DO NOTHING;

-- Pre-aggregates (issue 13, src/catalog_preaggregates.sql, docs/preaggregates.md); the upgrade to
-- 0.3 creates the same tables.  The tables they describe live in schema retail_kpi_preagg, created
-- and owned by the extension's owner.
CREATE TABLE preaggregates (
    code          text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    source        text NOT NULL,
    dimensions    text[] NOT NULL DEFAULT '{}',
    measures      text[] NOT NULL,
    grain         text NOT NULL DEFAULT 'day' CHECK (grain IN ('day', 'week', 'month', 'quarter', 'year')),
    "table"       regclass NOT NULL,
    relation      regclass NOT NULL,
    time_zone     text,
    definition    jsonb NOT NULL,
    tracked       boolean NOT NULL,
    owner         regrole NOT NULL,
    watermark     date,
    last_refresh  timestamptz,
    row_count     bigint,
    created_at    timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE preaggregates IS
    'catalog: pre-aggregates: the measures of one source stored per period (grain) and dimension members in a table (by OID) of schema retail_kpi_preagg, with the source relation (by OID), the compiled definition they were built from, whether changes to the source are tracked, the watermark (last period materialised) and the last refresh';

CREATE TABLE preaggregate_invalidations (
    preaggregate  text NOT NULL REFERENCES preaggregates (code) ON DELETE CASCADE,
    period_start  date NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (preaggregate, period_start)
);
COMMENT ON TABLE preaggregate_invalidations IS
    'catalog: periods of a pre-aggregate whose source rows changed after they were materialised (written by the source''s triggers, cleared by refresh_preaggregate)';
REVOKE ALL ON preaggregates, preaggregate_invalidations FROM PUBLIC;
GRANT SELECT ON preaggregates, preaggregate_invalidations TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.preaggregates', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.preaggregate_invalidations', '');

-- Alert rules on projected attainment (issue 15, src/catalog_forecast.sql, docs/catalog_forecast.md).
ALTER TABLE alert_rules DROP CONSTRAINT alert_rules_condition_check,
    ADD CONSTRAINT alert_rules_condition_check CHECK (condition IN ('below', 'above', 'change_beyond', 'target_deviation',
                                                                    'projected_attainment_below'));
COMMENT ON TABLE alert_rules IS
    'catalog: alert rules (value below/above a threshold, change vs previous period, deviation from target beyond a fraction, projected attainment below a fraction)';

-- Alert events (issue 13, src/catalog_schedule.sql, docs/indicator_center.md "Alert events"): what
-- evaluate_alerts() (by hand or as a pg_cron job) found firing, once per rule x period x members.
CREATE SEQUENCE alert_events_id_seq;
CREATE TABLE alert_events (
    id            bigint PRIMARY KEY DEFAULT nextval('retail_kpi.alert_events_id_seq'),
    rule          text NOT NULL REFERENCES alert_rules (code) ON DELETE CASCADE,
    period_start  date NOT NULL,
    members       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(members) = 'object'),
    metric        text NOT NULL,
    severity      text NOT NULL,
    condition     text NOT NULL,
    value         float8,
    reference     float8,
    threshold     numeric NOT NULL,
    message       text NOT NULL,
    rule_owner    regrole NOT NULL,
    evaluated_by  text NOT NULL,
    fired_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT alert_events_once UNIQUE (rule, period_start, members)
);
ALTER SEQUENCE alert_events_id_seq OWNED BY alert_events.id;
COMMENT ON TABLE alert_events IS
    'alert events: each firing of an alert rule stored once per rule, period and dimension members (evaluate_alerts, scheduled with pg_cron), with the value, threshold and message, the rule''s owner whose rights computed it, the session user and when';
REVOKE ALL ON alert_events, alert_events_id_seq FROM PUBLIC;
GRANT SELECT ON alert_events TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.alert_events', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.alert_events_id_seq', '');

-- Driver trees (issue 15, src/catalog_drivers.sql, docs/drivers.md); the upgrade to 0.3 creates the
-- same table.  One declaration per metric: the metric is the product or the sum of other metrics, the
-- sum over the members of a dimension, or (a ratio metric) the mix and rate of those members.
CREATE TABLE metric_drivers (
    metric      text PRIMARY KEY CHECK (metric ~ '^[a-z][a-z0-9_]{0,62}$'),
    kind        text NOT NULL CHECK (kind IN ('product', 'sum', 'members', 'mix')),
    drivers     text[] NOT NULL DEFAULT '{}',
    dimension   text,
    tolerance   numeric NOT NULL CHECK (tolerance >= 0 AND tolerance < 1),
    declared_by text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind IN ('product', 'sum')) = (cardinality(drivers) >= 2 AND dimension IS NULL)),
    CHECK ((kind IN ('members', 'mix')) = (cardinality(drivers) = 0 AND dimension IS NOT NULL))
);
COMMENT ON TABLE metric_drivers IS
    'catalog: how a metric decomposes into drivers (product or sum of metrics, sum over the members of a dimension, mix and rate of a ratio over members), within a relative tolerance checked against data';
REVOKE ALL ON metric_drivers FROM PUBLIC;
GRANT SELECT ON metric_drivers TO PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metric_drivers', '');

-- (end of the indicator center section)


-- =============================================================================================
-- C families: changes to the families that exist in 0.2 (new overloads, changed comments)
-- =============================================================================================

-- scalar (docs/scalar.md): coefficient_of_variation(numeric) from exact sums (new C symbol for the
-- transition; the combine and final functions read both state layouts), float8 forms of the scalar
-- KPIs, sell_through_from_closing, share, kpi_round.
CREATE OR REPLACE FUNCTION coefficient_of_variation_trans(float8[], numeric) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans_numeric_exact' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE OR REPLACE FUNCTION coefficient_of_variation_trans(float8[], numeric, text) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'scalar_cv_trans_numeric_exact' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], numeric) IS
    'transition function of coefficient_of_variation(x numeric): exact sums of the values and of their squares';
COMMENT ON FUNCTION coefficient_of_variation_trans(float8[], numeric, text) IS
    'transition function of coefficient_of_variation(x numeric, variant): exact sums of the values and of their squares';
COMMENT ON AGGREGATE coefficient_of_variation(numeric) IS
    'volatility of numeric values from exact sums (the same result in every plan): sample standard deviation / mean; NULL when fewer than 2 values or mean <= 0';
COMMENT ON AGGREGATE coefficient_of_variation(numeric, text) IS
    'volatility of numeric values from exact sums (the same result in every plan), variant ''sample'' or ''population''; NULL when fewer than 2 values or mean <= 0';

-- float8 forms of the scalar KPIs (0.3): what accessors such as ratio() and margin_rate() return
-- goes in without a cast.  A float8 argument is taken as its shortest decimal (the digits
-- PostgreSQL prints), then the numeric form's exact computation runs, so integers below 2^53 and
-- literals of up to 15 significant digits give the numeric form's result to the last bit; integer
-- and quoted-literal arguments resolve to these forms (float8 is the preferred numeric type).
CREATE FUNCTION sell_through_rate(units_sold float8, units_received float8,
                                  opening_on_hand float8 DEFAULT 0) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_sell_through_rate_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sell_through_rate(float8, float8, float8) IS
    'sell-through of float8 figures (each taken as its shortest decimal): units_sold / (opening_on_hand + units_received); NULL when the denominator <= 0';

CREATE FUNCTION sell_through_from_closing(units_sold numeric, closing_on_hand numeric) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_sell_through_from_closing' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sell_through_from_closing(numeric, numeric) IS
    'sell-through from the closing balance: units_sold / (units_sold + closing_on_hand); NULL when that sum <= 0';
CREATE FUNCTION sell_through_from_closing(units_sold float8, closing_on_hand float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_sell_through_from_closing_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION sell_through_from_closing(float8, float8) IS
    'sell-through from the closing balance of float8 figures (each taken as its shortest decimal): units_sold / (units_sold + closing_on_hand); NULL when that sum <= 0';

CREATE FUNCTION roi(gain float8, cost float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_roi_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION roi(float8, float8) IS
    'return on investment of float8 figures (each taken as its shortest decimal): (gain - cost) / cost; NULL when cost <= 0';

CREATE FUNCTION promo_roi(incremental_gross_profit float8, spend float8,
                          form text DEFAULT 'net') RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_promo_roi_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION promo_roi(float8, float8, text) IS
    'promotion ROI of float8 figures (each taken as its shortest decimal), forms as promo_roi(numeric, numeric, text); NULL when spend <= 0';

CREATE FUNCTION growth_rate("current" float8, base float8, mode text DEFAULT 'standard')
    RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_growth_rate_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION growth_rate(float8, float8, text) IS
    'growth of float8 figures (each taken as its shortest decimal): (current - base) / base; modes as growth_rate(numeric, numeric, text)';

CREATE FUNCTION attainment(actual float8, target float8,
                           direction text DEFAULT 'higher_is_better') RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_attainment_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION attainment(float8, float8, text) IS
    'target attainment of float8 figures (each taken as its shortest decimal); directions as attainment(numeric, numeric, text)';

-- share(part, total): the share of a group in a total, for GROUP BY queries with a window sum as
-- the total: share(sum(revenue), sum(sum(revenue)) OVER ()).
CREATE FUNCTION share(part numeric, total numeric) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_share' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share(numeric, numeric) IS
    'share of a total: part / total from the exact values, rounded once; NULL when total = 0';
CREATE FUNCTION share(part float8, total float8) RETURNS float8
    AS 'MODULE_PATHNAME', 'scalar_share_float8' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION share(float8, float8) IS
    'share of a total of float8 figures (each taken as its shortest decimal): part / total; NULL when total = 0';

-- kpi_round(value, digits): rounding for float8 KPIs (round(float8, int) does not exist in
-- PostgreSQL; a function of that name here would change what round(5, 2) means for anyone with
-- this schema on the search path, so it has its own name).
CREATE FUNCTION kpi_round(value float8, digits int DEFAULT 2) RETURNS numeric
    AS 'MODULE_PATHNAME', 'scalar_kpi_round' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION kpi_round(float8, int) IS
    'a float8 KPI rounded half away from zero to digits decimals (0 .. 1000), from its shortest decimal: kpi_round(0.285, 2) = 0.29';


-- margin (docs/margin.md): margin_rate(s, digits), markup_rate(s, digits).
-- Rates as numeric with a number of decimals (0.3): rounded once from the exact sums, for reports
-- (round(float8, int) does not exist in PostgreSQL).
CREATE FUNCTION margin_rate(s margin_summary, digits int) RETURNS numeric
    AS 'MODULE_PATHNAME', 'margin_margin_rate_digits' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION markup_rate(s margin_summary, digits int) RETURNS numeric
    AS 'MODULE_PATHNAME', 'margin_markup_rate_digits' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION margin_rate(margin_summary, int) IS
    'gross margin rate (revenue - cost) / revenue as numeric rounded half away from zero to digits decimals from the exact sums; NULL when revenue <= 0';
COMMENT ON FUNCTION markup_rate(margin_summary, int) IS
    'markup rate (revenue - cost) / cost as numeric rounded half away from zero to digits decimals from the exact sums; NULL when cost <= 0';

-- ratio (docs/ratio.md): ratio_agg over integer, bigint, float8 and boolean; ratio(s, digits).
-- ratio_agg over the input types analysts have (0.3): integer and bigint sums are exact integers;
-- float8 values are each taken as their shortest decimal (the digits PostgreSQL prints) and summed
-- exactly, so the result does not depend on the order of the rows; boolean: the share of rows where
-- the condition is true.
CREATE FUNCTION ratio_agg_trans(ratio_summary, integer, integer) RETURNS ratio_summary
    AS 'MODULE_PATHNAME', 'ratio_agg_trans_int4' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ratio_agg_trans(ratio_summary, bigint, bigint) RETURNS ratio_summary
    AS 'MODULE_PATHNAME', 'ratio_agg_trans_int8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ratio_agg_trans(ratio_summary, float8, float8) RETURNS ratio_summary
    AS 'MODULE_PATHNAME', 'ratio_agg_trans_float8' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION ratio_agg_trans(ratio_summary, boolean) RETURNS ratio_summary
    AS 'MODULE_PATHNAME', 'ratio_agg_trans_bool' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION ratio_agg_trans(ratio_summary, integer, integer) IS
    'transition function of ratio_agg(integer, integer)';
COMMENT ON FUNCTION ratio_agg_trans(ratio_summary, bigint, bigint) IS
    'transition function of ratio_agg(bigint, bigint)';
COMMENT ON FUNCTION ratio_agg_trans(ratio_summary, float8, float8) IS
    'transition function of ratio_agg(float8, float8)';
COMMENT ON FUNCTION ratio_agg_trans(ratio_summary, boolean) IS
    'transition function of ratio_agg(condition boolean)';

CREATE AGGREGATE ratio_agg(numerator integer, denominator integer) (
    SFUNC = ratio_agg_trans,
    STYPE = ratio_summary,
    COMBINEFUNC = ratio_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ratio_agg(integer, integer) IS
    'ratio summary of integer columns: exact sums of numerator and denominator (rows with a NULL are skipped)';

CREATE AGGREGATE ratio_agg(numerator bigint, denominator bigint) (
    SFUNC = ratio_agg_trans,
    STYPE = ratio_summary,
    COMBINEFUNC = ratio_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ratio_agg(bigint, bigint) IS
    'ratio summary of bigint columns (counts): exact sums of numerator and denominator (rows with a NULL are skipped)';

CREATE AGGREGATE ratio_agg(numerator float8, denominator float8) (
    SFUNC = ratio_agg_trans,
    STYPE = ratio_summary,
    COMBINEFUNC = ratio_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ratio_agg(float8, float8) IS
    'ratio summary of float8 columns: each value taken as its shortest decimal and summed exactly, independent of row order (rows with a NULL are skipped; NaN and infinities are refused)';

CREATE AGGREGATE ratio_agg(condition boolean) (
    SFUNC = ratio_agg_trans,
    STYPE = ratio_summary,
    COMBINEFUNC = ratio_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE ratio_agg(boolean) IS
    'share of rows where the condition is true: numerator = rows where true, denominator = rows where not NULL (NULL rows are skipped)';

CREATE FUNCTION ratio(s ratio_summary, digits int) RETURNS numeric
    AS 'MODULE_PATHNAME', 'ratio_ratio_digits' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ratio(ratio_summary, int) IS
    'sum(numerator) / sum(denominator) as numeric rounded half away from zero to digits decimals from the exact sums; NULL when the denominator sum is 0';

-- stock (docs/stock.md): on_hand_cost optional per row (stock in units only); comments.
COMMENT ON TYPE stock_summary IS
    'per snapshot date, exact summed on-hand at cost, units and retail; text form (v1,rows=N,bases=cost+units,missing_units=0,missing_retail=0[,missing_cost=N],YYYY-MM-DD:cost/units/retail,...)';
COMMENT ON AGGREGATE stock_agg(date, numeric, numeric) IS
    'stock summary of on-hand snapshot rows: per date, the exact sums of on-hand cost and units (a NULL cost or units is left out and counted as missing; rows without any value are skipped)';
COMMENT ON AGGREGATE stock_agg(date, numeric, numeric, numeric) IS
    'stock summary of on-hand snapshot rows: per date, the exact sums of on-hand cost, units and retail (a NULL cost, units or retail is left out and counted as missing; rows without any value are skipped)';
COMMENT ON FUNCTION row_count(stock_summary) IS 'number of snapshot rows the summary was built from (rows with a date and at least one on-hand value)';
COMMENT ON FUNCTION missing_count(stock_summary, text) IS
    'number of rows whose on-hand value at the basis was NULL (left out of that basis; for cost, rows that gave only units or retail)';

-- calendar (docs/calendar.md): retail_trunc, the first day of a retail unit (what metric_sql groups
-- by at the retail grains).
CREATE FUNCTION retail_trunc(unit text, d date, pattern text DEFAULT '4-5-4',
                             year_end_month integer DEFAULT 1, week_end_day integer DEFAULT 6)
    RETURNS date
    AS 'MODULE_PATHNAME', 'calendar_retail_trunc'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION retail_trunc(text, date, text, integer, integer) IS
    'the first day of the retail ''week'', ''period'', ''quarter'' or ''year'' that contains d (same options as retail_calendar), as date_trunc for the retail calendar';

-- abc (docs/abc.md): abc_ranking.
-- abc_ranking (0.3): abc_classify's rows with the rank and the cumulative share before the item,
-- and a choice of cut rule (a new function, so abc_classify's result columns stay as they were).
CREATE FUNCTION abc_ranking(s abc_summary, a_cut float8 DEFAULT 0.8, b_cut float8 DEFAULT 0.95,
                            cut_rule text DEFAULT 'including')
RETURNS TABLE (rank int, item text, value numeric, share float8, cumulative_share_before float8,
               cumulative_share float8, abc_class text)
    AS 'MODULE_PATHNAME', 'abc_ranking'
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 1000;
COMMENT ON FUNCTION abc_ranking(abc_summary, float8, float8, text) IS
    'ABC classes with rank (1 = largest value, ties by item bytes) and cumulative share before the item; cut_rule ''including'' (default) classes as abc_classify (cumulative share including the item <= cut), ''before'' by the cumulative share before the item (< cut), so the item that crosses a cut-off stays in the higher class; value <= 0 is class D, ranked last';

-- bridge (docs/bridge.md "Bridges by group", issue 16): bridge_agg with item_group (format version 2
-- for summaries with item groups; version 1 values unchanged), group_count, margin_bridge_by_group,
-- revenue_bridge_by_group; the type's comment names the v2 text form; summary_format_versions()
-- lists version 2 as readable for bridge_summary.
COMMENT ON TYPE bridge_summary IS
    'per item, exact base and current sums of units, revenue and cost; text form (v1,rows=N,items=K,["item",q0,r0,c0,q1,r1,c1],...), with item groups (v2,...,["item",q0,r0,c0,q1,r1,c1,"group"],...)';
CREATE FUNCTION bridge_agg_group_trans(bridge_summary, text, boolean, numeric, numeric, numeric, text)
    RETURNS bridge_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION bridge_agg_group_trans(bridge_summary, text, boolean, numeric, numeric, numeric, text) IS
    'transition function of bridge_agg(item, is_current, units, revenue, cost, item_group)';

CREATE AGGREGATE bridge_agg(item text, is_current boolean, units numeric, revenue numeric, cost numeric,
                            item_group text) (
    SFUNC = bridge_agg_group_trans,
    STYPE = bridge_summary,
    FINALFUNC = bridge_summary_final,
    COMBINEFUNC = bridge_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE bridge_agg(text, boolean, numeric, numeric, numeric, text) IS
    'bridge summary with item groups (format version 2): as bridge_agg(item, is_current, units, revenue, cost), and each item''s group (one group per item, else 22023; a NULL group is 22004)';

CREATE FUNCTION group_count(bridge_summary) RETURNS integer
    AS 'MODULE_PATHNAME', 'bridge_group_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION group_count(bridge_summary) IS
    'number of distinct item groups in the summary (0 for a summary built without item_group)';

CREATE FUNCTION margin_bridge_by_group(s bridge_summary, method text DEFAULT 'price_volume_mix')
    RETURNS TABLE (item_group text, base numeric, volume numeric, mix numeric, price numeric,
                   cost numeric, interaction numeric, new_items numeric, discontinued numeric,
                   current numeric, method text)
    AS 'MODULE_PATHNAME', 'bridge_margin_bridge_by_group' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    ROWS 100;
COMMENT ON FUNCTION margin_bridge_by_group(bridge_summary, text) IS
    'the company gross-profit bridge reported by item group: per group (C-collation order) the exact sum of its items'' margin_bridge rows (mix against the company average), and the company total row (item_group NULL)';

CREATE FUNCTION revenue_bridge_by_group(s bridge_summary, method text DEFAULT 'price_volume_mix')
    RETURNS TABLE (item_group text, base numeric, volume numeric, mix numeric, price numeric,
                   cost numeric, interaction numeric, new_items numeric, discontinued numeric,
                   current numeric, method text)
    AS 'MODULE_PATHNAME', 'bridge_revenue_bridge_by_group' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    ROWS 100;
COMMENT ON FUNCTION revenue_bridge_by_group(bridge_summary, text) IS
    'the company revenue bridge reported by item group: per group the exact sum of its items'' revenue_bridge rows, and the company total row (item_group NULL)';

CREATE OR REPLACE FUNCTION summary_format_versions()
RETURNS TABLE(summary_type regtype, written_version int, readable_versions int[])
LANGUAGE sql STABLE STRICT PARALLEL SAFE
AS $$
  SELECT t.oid::pg_catalog.regtype, 1,
         CASE WHEN t.typname = 'bridge_summary' THEN ARRAY[1, 2] ELSE ARRAY[1] END
  FROM pg_catalog.pg_type t
  JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = t.oid
                             AND d.deptype = 'e'
  JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid AND e.extname = 'retail_kpi'
  WHERE t.typtype = 'b' AND t.typelem = 0
  ORDER BY t.typname
$$;

-- (end of the C families section)
