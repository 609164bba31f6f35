-- src/catalog_stdlib.sql: the standard library: templates of the retail KPIs of kpi-semantics.md and their installation.
-- (the indicator center, 指标中心; one file per concern, assembled by the Makefile in the order of FAMILIES)

-- ---------------------------------------------------------------------------------------------
-- The standard library: templates of the retail KPIs of kpi-semantics.md over conventional measure codes

CREATE OR REPLACE FUNCTION standard_metric_templates()
RETURNS TABLE(code text, label_en text, label_zh text, kind text, measure text, numerator text, denominator text,
              expression text, unit text, polarity text, description text)
LANGUAGE sql IMMUTABLE CALLED ON NULL INPUT PARALLEL SAFE AS $$
    VALUES
    -- base metrics: one per conventional measure code (bound to the user's measures)
    ('net_sales', 'Net sales', '净销售额', 'simple', 'net_sales', NULL, NULL, NULL, 'currency', 'higher_is_better', 'sum of net sales (revenue)'),
    ('cogs', 'Cost of goods sold', '销售成本', 'simple', 'cogs', NULL, NULL, NULL, 'currency', 'lower_is_better', 'sum of cost of goods sold'),
    ('units_sold', 'Units sold', '销量', 'simple', 'units_sold', NULL, NULL, NULL, 'units', 'higher_is_better', 'sum of units sold'),
    ('sales_summary', 'Sales margin summary', '销售毛利汇总', 'simple', 'sales_summary', NULL, NULL, NULL, NULL, 'neutral', 'margin_agg(revenue, cost, units) of the sales rows'),
    ('transactions', 'Transactions', '交易笔数', 'simple', 'transactions', NULL, NULL, NULL, 'count', 'higher_is_better', 'number of distinct transactions'),
    ('customers', 'Customers', '顾客数', 'simple', 'customers', NULL, NULL, NULL, 'count', 'higher_is_better', 'number of distinct customers'),
    ('visitors', 'Visitors (traffic)', '客流', 'simple', 'visitors', NULL, NULL, NULL, 'count', 'higher_is_better', 'store traffic'),
    ('selling_area_m2', 'Selling area', '营业面积', 'simple', 'selling_area_m2', NULL, NULL, NULL, 'm2', 'neutral', 'selling area in square metres'),
    ('fte', 'Staff (FTE)', '员工人数(FTE)', 'simple', 'fte', NULL, NULL, NULL, 'FTE', 'neutral', 'full-time-equivalent staff'),
    ('returned_units', 'Returned units', '退货数量', 'simple', 'returned_units', NULL, NULL, NULL, 'units', 'lower_is_better', 'units returned'),
    ('stock_summary', 'Stock summary', '库存汇总', 'simple', 'stock_summary', NULL, NULL, NULL, NULL, 'neutral', 'stock_agg of inventory snapshots'),
    ('units_received', 'Units received', '进货数量', 'simple', 'units_received', NULL, NULL, NULL, 'units', 'neutral', 'units received'),
    ('opening_units', 'Opening on-hand units', '期初库存数量', 'simple', 'opening_units', NULL, NULL, NULL, 'units', 'neutral', 'units on hand at the start'),
    ('period_days', 'Days in period', '期间天数', 'simple', 'period_days', NULL, NULL, NULL, 'days', 'neutral', 'number of days in the period'),
    ('skus_sold', 'SKUs sold', '动销SKU数', 'simple', 'skus_sold', NULL, NULL, NULL, 'count', 'higher_is_better', 'SKUs with net units sold > 0'),
    ('skus_listed', 'SKUs listed', '在售SKU数', 'simple', 'skus_listed', NULL, NULL, NULL, 'count', 'neutral', 'SKUs listed or stocked'),
    ('cash_collected', 'Cash collected', '回款额', 'simple', 'cash_collected', NULL, NULL, NULL, 'currency', 'higher_is_better', 'begin AR + sales - end AR'),
    ('credit_sales', 'Credit sales', '赊销额', 'simple', 'credit_sales', NULL, NULL, NULL, 'currency', 'neutral', 'sales on credit'),
    ('promo_summary', 'Promotion summary', '促销汇总', 'simple', 'promo_summary', NULL, NULL, NULL, NULL, 'neutral', 'promo_agg of promotion sales'),
    ('promo_spend', 'Promotion spend', '促销费用', 'simple', 'promo_spend', NULL, NULL, NULL, 'currency', 'lower_is_better', 'promotion spend'),
    -- KPIs
    ('gross_profit', 'Gross profit', '毛利额', 'derived', NULL, NULL, NULL, 'gross_profit(sales_summary)', 'currency', 'higher_is_better', 'revenue - cost'),
    ('gross_margin_rate', 'Gross margin rate', '毛利率', 'derived', NULL, NULL, NULL, 'margin_rate(sales_summary)', 'ratio', 'higher_is_better', '(R - C) / R; NULL when R <= 0'),
    ('markup_rate', 'Markup rate', '加价率', 'derived', NULL, NULL, NULL, 'markup_rate(sales_summary)', 'ratio', 'higher_is_better', '(R - C) / C; NULL when C <= 0'),
    ('conversion_rate', 'Conversion rate', '客流转化率', 'ratio', NULL, 'transactions', 'visitors', NULL, 'ratio', 'higher_is_better', 'transactions / traffic'),
    ('avg_transaction_value', 'Average transaction value', '客单价', 'ratio', NULL, 'net_sales', 'transactions', NULL, 'currency', 'higher_is_better', 'net sales / transactions'),
    ('sales_per_customer', 'Sales per customer', '客单价(按顾客)', 'ratio', NULL, 'net_sales', 'customers', NULL, 'currency', 'higher_is_better', 'net sales / distinct customers (variant per_customer)'),
    ('units_per_transaction', 'Units per transaction', '连带率', 'ratio', NULL, 'units_sold', 'transactions', NULL, 'units', 'higher_is_better', 'units / transactions'),
    ('sales_per_m2', 'Sales per m²', '坪效', 'ratio', NULL, 'net_sales', 'selling_area_m2', NULL, 'currency/m2', 'higher_is_better', 'net sales / selling area'),
    ('sales_per_fte', 'Sales per FTE', '人效', 'ratio', NULL, 'net_sales', 'fte', NULL, 'currency/FTE', 'higher_is_better', 'net sales / FTE'),
    ('return_rate', 'Return rate', '退货率', 'ratio', NULL, 'returned_units', 'units_sold', NULL, 'ratio', 'lower_is_better', 'returned units / sold units'),
    ('sku_activity_rate', 'SKU activity rate', '动销率', 'ratio', NULL, 'skus_sold', 'skus_listed', NULL, 'ratio', 'higher_is_better', 'SKUs sold / SKUs listed'),
    ('collection_rate', 'Collection rate', '回款率', 'ratio', NULL, 'cash_collected', 'net_sales', NULL, 'ratio', 'higher_is_better', 'cash collected / sales'),
    ('sell_through_rate', 'Sell-through rate', '售罄率', 'derived', NULL, NULL, NULL, 'sell_through_rate(units_sold, units_received, opening_units)', 'ratio', 'higher_is_better', 'units sold / (opening on-hand + units received)'),
    ('inventory_turnover', 'Inventory turnover', '库存周转率', 'derived', NULL, NULL, NULL, 'inventory_turnover(sales_summary, stock_summary)', 'times', 'higher_is_better', 'COGS / average inventory at cost'),
    ('days_of_inventory', 'Days of inventory', '库存周转天数', 'derived', NULL, NULL, NULL, 'days_of_inventory(sales_summary, stock_summary, period_days)', 'days', 'lower_is_better', 'average inventory x period days / COGS'),
    ('gmroi', 'GMROI', '毛利回报率', 'derived', NULL, NULL, NULL, 'gmroi(sales_summary, stock_summary)', 'times', 'higher_is_better', 'gross profit / average inventory at cost'),
    ('promo_roi', 'Promotion ROI', '促销ROI', 'derived', NULL, NULL, NULL, 'promo_roi(promo_summary, promo_spend)', 'ratio', 'higher_is_better', '(incremental GP - spend) / spend')
$$;
COMMENT ON FUNCTION standard_metric_templates() IS
    'the standard retail KPI definitions (kpi-semantics.md) over conventional measure codes; install them with install_standard_metrics';

CREATE OR REPLACE FUNCTION install_standard_metrics(bindings jsonb DEFAULT '{}', owner text DEFAULT NULL,
                                         status text DEFAULT 'draft', reason text DEFAULT 'standard library')
RETURNS TABLE(code text, installed boolean, detail text)
LANGUAGE plpgsql VOLATILE CALLED ON NULL INPUT SECURITY INVOKER PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_variable
DECLARE
    t record;
    bound text;
    bound_unit text;
BEGIN
    -- binding the standard library decides what the standard KPIs mean for everyone: stewards only
    -- (docs/security.md, R2); certifying them also checks that the measures bound are trusted
    PERFORM retail_kpi._catalog_require_admin('install the standard metrics');
    IF bindings IS NULL OR jsonb_typeof(bindings) <> 'object' THEN
        RAISE EXCEPTION 'argument "bindings" must be a JSON object mapping conventional measure codes to measure codes'
            USING ERRCODE = '22023';
    END IF;
    PERFORM retail_kpi._catalog_check_count((SELECT count(*)::int FROM jsonb_object_keys(bindings)), 'bindings', 200);
    FOR t IN SELECT * FROM retail_kpi.standard_metric_templates() LOOP
        code := t.code;
        IF EXISTS (SELECT 1 FROM retail_kpi.metrics m WHERE m.code = t.code) THEN
            installed := false;
            detail := 'a metric with this code already exists (left unchanged)';
            RETURN NEXT;
            CONTINUE;
        END IF;
        BEGIN
            IF t.kind = 'simple' THEN
                bound := coalesce(bindings->>t.measure, t.measure);
                bound_unit := (SELECT m.unit FROM retail_kpi.measures m WHERE m.code = bound);
                IF NOT EXISTS (SELECT 1 FROM retail_kpi.measures m WHERE m.code = bound) THEN
                    installed := false;
                    detail := format('measure "%s" is not defined', bound);
                    RETURN NEXT;
                    CONTINUE;
                END IF;
            ELSE
                bound := NULL;
                bound_unit := NULL;
            END IF;
            PERFORM retail_kpi.define_metric(t.code, t.label_en, t.kind, measure => bound, numerator => t.numerator,
                                             denominator => t.denominator, expression => t.expression,
                                             label_zh => t.label_zh, description => t.description,
                                             unit => coalesce(bound_unit, t.unit),
                                             polarity => t.polarity, owner => owner, tags => '{standard}',
                                             status => status, reason => reason);
            installed := true;
            detail := coalesce('measure ' || bound, t.numerator || ' / ' || t.denominator, t.expression);
        EXCEPTION WHEN OTHERS THEN
            installed := false;
            detail := SQLERRM;
        END;
        RETURN NEXT;
    END LOOP;
END
$$;
COMMENT ON FUNCTION install_standard_metrics(jsonb, text, text, text) IS
    'defines the standard KPI metrics whose measures exist (bindings map conventional measure codes to yours); returns what was installed or why not (stewards only)';
