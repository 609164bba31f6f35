-- src/catalog_model.sql: the indicator center's data model: the admin role, allow-lists, catalog tables, their privileges and pg_dump registration.
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- Security model: docs/security.md is the contract.  In short: the catalog tables are written only
-- by the extension owner, through the SECURITY DEFINER API (search_path pinned, every object
-- qualified), which checks the CALLER (catalog_caller(): the SET ROLE role); owners are role OIDs and
-- sources relation OIDs; targets, alert rules and history are visible to stewards, readers and the
-- objects' owners (row-level security, src/catalog_security.sql); everything that evaluates metrics is
-- SECURITY INVOKER and runs code of trusted roles only.

-- The roles are cluster-wide: create them only when they do not exist (DROP EXTENSION never drops
-- them, since other databases may use them): stewards, authors, readers (docs/security.md).
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

GRANT USAGE ON SCHEMA retail_kpi TO PUBLIC;


-- ---------------------------------------------------------------------------------------------
-- Allow-lists (data, so families added later are referenced by name)

CREATE TABLE catalog_aggregations (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    sql_name    text NOT NULL CHECK (sql_name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
    is_distinct boolean NOT NULL DEFAULT false,
    min_args    int NOT NULL CHECK (min_args >= 0),
    max_args    int NOT NULL CHECK (max_args >= min_args),
    description text,
    builtin     boolean NOT NULL DEFAULT false,
    valid_grains text[] CHECK (valid_grains <@ '{day,week,month,quarter,year,total,retail_week,retail_period,retail_quarter,retail_year}')
);
COMMENT ON TABLE catalog_aggregations IS
    'allow-list of aggregations a measure may use: name, the qualified aggregate it renders to, DISTINCT, argument count, the grains it is valid at (NULL: all)';

INSERT INTO catalog_aggregations (name, sql_name, is_distinct, min_args, max_args, description, builtin, valid_grains) VALUES
    ('sum',            'pg_catalog.sum',         false, 1, 1, 'sum of the expression', true, NULL),
    ('count',          'pg_catalog.count',       false, 0, 1, 'count(*) without expression, else count of non-NULL values', true, NULL),
    ('count_distinct', 'pg_catalog.count',       true,  1, 1, 'number of distinct non-NULL values', true, NULL),
    ('min',            'pg_catalog.min',         false, 1, 1, 'minimum', true, NULL),
    ('max',            'pg_catalog.max',         false, 1, 1, 'maximum', true, NULL),
    ('margin_agg',     'retail_kpi.margin_agg',  false, 2, 3, 'margin summary (revenue, cost [, units])', true, NULL),
    ('ratio_agg',      'retail_kpi.ratio_agg',   false, 2, 2, 'ratio summary (numerator, denominator)', true, NULL),
    ('stock_agg',      'retail_kpi.stock_agg',   false, 2, 4, 'stock summary (snapshot_date, on_hand_cost [, units [, retail]])', true, NULL),
    ('promo_agg',      'retail_kpi.promo_agg',   false, 8, 8, 'promotion summary', true, '{total}'),
    ('bridge_agg',     'retail_kpi.bridge_agg',  false, 5, 5, 'bridge summary', true, NULL),
    ('abc_agg',        'retail_kpi.abc_agg',     false, 2, 2, 'ABC summary', true, NULL),
    -- added in 0.3 (src/upgrade/0.2--0.3.sql adds the same rows)
    ('customer_agg',   'retail_kpi.customer_agg', false, 3, 3, 'customer summary (customer, purchase_date, spend)', true, NULL),
    ('distinct_agg',   'retail_kpi.distinct_agg', false, 1, 1, 'distinct summary (key)', true, NULL);

CREATE TABLE catalog_functions (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]{0,62}$'),
    sql_name    text NOT NULL CHECK (sql_name ~ '^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$'),
    usage       text NOT NULL CHECK (usage IN ('row', 'metric', 'both')),
    description text,
    builtin     boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE catalog_functions IS
    'allow-list of functions in catalog expressions: usage row (measure expressions and filters), metric (derived metrics) or both';

INSERT INTO catalog_functions VALUES
    ('abs', 'pg_catalog.abs', 'both', NULL, true),
    ('round', 'pg_catalog.round', 'both', NULL, true),
    ('trunc', 'pg_catalog.trunc', 'both', NULL, true),
    ('ceil', 'pg_catalog.ceil', 'both', NULL, true),
    ('floor', 'pg_catalog.floor', 'both', NULL, true),
    ('sign', 'pg_catalog.sign', 'both', NULL, true),
    ('power', 'pg_catalog.power', 'both', NULL, true),
    ('sqrt', 'pg_catalog.sqrt', 'both', NULL, true),
    ('ln', 'pg_catalog.ln', 'both', NULL, true),
    ('exp', 'pg_catalog.exp', 'both', NULL, true),
    ('lower', 'pg_catalog.lower', 'row', NULL, true),
    ('upper', 'pg_catalog.upper', 'row', NULL, true),
    -- margin and ratio families
    ('revenue', 'retail_kpi.revenue', 'metric', NULL, true),
    ('cost', 'retail_kpi.cost', 'metric', NULL, true),
    ('units', 'retail_kpi.units', 'metric', NULL, true),
    ('gross_profit', 'retail_kpi.gross_profit', 'metric', NULL, true),
    ('margin_rate', 'retail_kpi.margin_rate', 'metric', NULL, true),
    ('markup_rate', 'retail_kpi.markup_rate', 'metric', NULL, true),
    ('ratio', 'retail_kpi.ratio', 'metric', NULL, true),
    ('numerator', 'retail_kpi.numerator', 'metric', NULL, true),
    ('denominator', 'retail_kpi.denominator', 'metric', NULL, true),
    -- families built in parallel (checked when a definition uses them)
    ('avg_inventory', 'retail_kpi.avg_inventory', 'metric', NULL, true),
    ('opening_inventory', 'retail_kpi.opening_inventory', 'metric', NULL, true),
    ('closing_inventory', 'retail_kpi.closing_inventory', 'metric', NULL, true),
    ('inventory_turnover', 'retail_kpi.inventory_turnover', 'metric', NULL, true),
    ('days_of_inventory', 'retail_kpi.days_of_inventory', 'metric', NULL, true),
    ('gmroi', 'retail_kpi.gmroi', 'metric', NULL, true),
    ('sell_through_rate', 'retail_kpi.sell_through_rate', 'metric', NULL, true),
    ('roi', 'retail_kpi.roi', 'metric', NULL, true),
    ('promo_roi', 'retail_kpi.promo_roi', 'metric', NULL, true),
    ('growth_rate', 'retail_kpi.growth_rate', 'metric', NULL, true),
    ('attainment', 'retail_kpi.attainment', 'metric', NULL, true),
    ('activity_rate', 'retail_kpi.activity_rate', 'metric', NULL, true),
    ('dead_stock_rate', 'retail_kpi.dead_stock_rate', 'metric', NULL, true),
    ('incremental_units', 'retail_kpi.incremental_units', 'metric', NULL, true),
    ('incremental_revenue', 'retail_kpi.incremental_revenue', 'metric', NULL, true),
    ('incremental_gross_profit', 'retail_kpi.incremental_gross_profit', 'metric', NULL, true),
    -- added in 0.3 (src/upgrade/0.2--0.3.sql adds the same rows)
    ('kpi_round', 'retail_kpi.kpi_round', 'metric', NULL, true),
    ('share', 'retail_kpi.share', 'metric', NULL, true),
    ('sell_through_from_closing', 'retail_kpi.sell_through_from_closing', 'metric', NULL, true),
    ('collection_rate', 'retail_kpi.collection_rate', 'metric', NULL, true),
    ('collection_effectiveness_index', 'retail_kpi.collection_effectiveness_index', 'metric', NULL, true),
    ('days_sales_outstanding', 'retail_kpi.days_sales_outstanding', 'metric', NULL, true),
    ('customer_count', 'retail_kpi.customer_count', 'metric', NULL, true),
    ('repurchase_rate', 'retail_kpi.repurchase_rate', 'metric', NULL, true),
    ('purchase_frequency', 'retail_kpi.purchase_frequency', 'metric', NULL, true),
    ('spend_per_customer', 'retail_kpi.spend_per_customer', 'metric', NULL, true),
    ('active_rate', 'retail_kpi.active_rate', 'metric', NULL, true),
    ('new_customers', 'retail_kpi.new_customers', 'metric', NULL, true),
    ('returning_customers', 'retail_kpi.returning_customers', 'metric', NULL, true),
    ('distinct_count', 'retail_kpi.distinct_count', 'metric', NULL, true),
    ('intersection_count', 'retail_kpi.intersection_count', 'metric', NULL, true),
    ('difference_count', 'retail_kpi.difference_count', 'metric', NULL, true);

-- ---------------------------------------------------------------------------------------------
-- Catalog tables

CREATE TABLE dimensions (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    label_en    text NOT NULL,
    label_zh    text,
    description text,
    parent      text,
    owner       regrole NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    dimension_table regclass,
    key_column  text,
    attributes  jsonb CHECK (jsonb_typeof(attributes) = 'object')
);
COMMENT ON TABLE dimensions IS 'catalog: dimensions (store, region, sku, ...), with an optional parent for hierarchies and an optional table (by OID) whose unique key is the member and whose columns give other dimensions (attributes)';

CREATE TABLE sources (
    code          text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    schema_name   text NOT NULL,
    relation_name text NOT NULL,
    time_column   text,
    dimensions    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(dimensions) = 'object'),
    description   text,
    owner         regrole NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    relation      regclass NOT NULL,
    native_grain  text NOT NULL DEFAULT 'day' CHECK (native_grain IN ('day', 'month', 'quarter', 'year'))
);
COMMENT ON TABLE sources IS
    'catalog: fact tables or views (by OID: relation; schema_name and relation_name are their names when defined), their time column (NULL: static facts such as selling area), the column of each dimension and the grain of their facts';

CREATE TABLE measures (
    code         text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    source       text NOT NULL,
    aggregation  text NOT NULL,
    expression   text,
    filter       text,
    compiled_sql text NOT NULL,
    columns      text[] NOT NULL DEFAULT '{}',
    result_type  text NOT NULL,
    label_en     text,
    label_zh     text,
    description  text,
    unit         text,
    owner        regrole NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE measures IS
    'catalog: an aggregation over a column expression of one source; compiled_sql is the validated, re-rendered aggregate';

CREATE TABLE metrics (
    code         text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    label_en     text NOT NULL,
    label_zh     text,
    description  text,
    unit         text,
    polarity     text NOT NULL DEFAULT 'higher_is_better'
                 CHECK (polarity IN ('higher_is_better', 'lower_is_better', 'neutral')),
    owner        regrole NOT NULL,
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'certified', 'deprecated')),
    tags         text[] NOT NULL DEFAULT '{}',
    kind         text NOT NULL CHECK (kind IN ('simple', 'ratio', 'derived')),
    definition   jsonb NOT NULL,
    compiled_sql text,
    depends_on   text[] NOT NULL DEFAULT '{}',
    value_type   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    restricted   boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE metrics IS
    'catalog: governed metric definitions (simple: one measure; ratio: numerator / denominator metric; derived: expression over metrics)';

CREATE TABLE targets (
    metric       text NOT NULL,
    scenario     text NOT NULL DEFAULT 'budget' CHECK (scenario ~ '^[a-z][a-z0-9_]{0,62}$'),
    grain        text NOT NULL,
    period_start date NOT NULL,
    dimensions   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(dimensions) = 'object'),
    value        numeric NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (metric, scenario, grain, period_start, dimensions)
);
COMMENT ON TABLE targets IS 'catalog: target values of a metric per period, dimension members and scenario (budget, forecast)';

CREATE TABLE alert_rules (
    code        text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]{0,62}$'),
    metric      text NOT NULL,
    grain       text NOT NULL,
    dimensions  text[] NOT NULL DEFAULT '{}',
    filters     jsonb,
    condition   text NOT NULL CHECK (condition IN ('below', 'above', 'change_beyond', 'target_deviation',
                                                   'projected_attainment_below')),
    threshold   numeric NOT NULL,
    scenario    text NOT NULL DEFAULT 'budget',
    severity    text NOT NULL DEFAULT 'warning' CHECK (severity IN ('info', 'warning', 'critical')),
    enabled     boolean NOT NULL DEFAULT true,
    owner       regrole NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE alert_rules IS
    'catalog: alert rules (value below/above a threshold, change vs previous period, deviation from target beyond a fraction, projected attainment below a fraction)';

CREATE SEQUENCE catalog_history_id_seq;
CREATE TABLE catalog_history (
    id                bigint PRIMARY KEY DEFAULT nextval('retail_kpi.catalog_history_id_seq'),
    object_type       text NOT NULL,
    code              text NOT NULL,
    action            text NOT NULL,
    changed_by        text NOT NULL,
    session_user_name text NOT NULL,
    changed_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    reason            text,
    old_definition    jsonb,
    new_definition    jsonb,
    object_owner      regrole
);
ALTER SEQUENCE catalog_history_id_seq OWNED BY catalog_history.id;
CREATE INDEX catalog_history_object ON catalog_history (object_type, code, id);
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

-- Only the extension owner writes; reads: definitions by everyone, private data through row-level
-- security (src/catalog_security.sql), the read log by stewards.
REVOKE ALL ON catalog_aggregations, catalog_functions, dimensions, sources, measures, metrics, targets,
    alert_rules, catalog_history, catalog_history_id_seq, trusted_roles, metric_grants, catalog_settings,
    metric_read_log, metric_read_log_id_seq, preaggregates, preaggregate_invalidations, alert_events,
    alert_events_id_seq, metric_drivers FROM PUBLIC;
GRANT SELECT ON catalog_aggregations, catalog_functions, dimensions, sources, measures, metrics, targets,
    alert_rules, catalog_history, trusted_roles, metric_grants, catalog_settings, preaggregates,
    preaggregate_invalidations, alert_events, metric_drivers TO PUBLIC;
GRANT SELECT ON metric_read_log TO retail_kpi_admin;

-- pg_dump keeps the rows users added (the built-in allow-list rows come from the install script).
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.catalog_aggregations', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.catalog_functions', 'WHERE NOT builtin');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.dimensions', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.sources', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.measures', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metrics', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.targets', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.alert_rules', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.catalog_history', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.catalog_history_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.trusted_roles', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metric_grants', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.catalog_settings', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metric_read_log', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metric_read_log_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.preaggregates', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.preaggregate_invalidations', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.alert_events', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.alert_events_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('retail_kpi.metric_drivers', '');
