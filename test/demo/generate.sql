/*
 * test/demo/generate.sql -- deterministic demo data set for retail_kpi
 *
 * (Re)creates schema retail_demo and fills it with a small retail company: stores, SKUs, two NRF
 * retail years of daily sales lines (FY2024 = 2024-02-04 .. 2025-02-01, FY2025 = 2025-02-02 ..
 * 2026-01-31), returns, purchase receipts, weekly inventory snapshots, door-counter traffic,
 * promotions, monthly store targets and accounts receivable.
 *
 *   psql -v scale=1 -v seed=42 -f test/demo/generate.sql
 *
 * scale (default 1, any positive number) multiplies stores and SKUs, hence every fact table,
 * linearly; seed (default 42, a bigint) selects the data set.  Same scale + same seed = the same
 * rows, byte for byte: every random number is a hash of (seed, purpose, keys) -- see pg_temp.rnd
 * below -- so nothing depends on execution order, parallelism or the session's random() state.
 *
 * Runs on stock PostgreSQL 15 (no extension needed).  Everything is set-based SQL; the only loops
 * are one set of INSERTs per 4-5-4 fiscal period of sales (24) and one INSERT per week of the
 * inventory simulation (104).
 * Helper functions and work tables live in pg_temp (named rdg_*) and vanish with the session.
 * See test/demo/README.md for the data model.
 */
\set ON_ERROR_STOP on
\set QUIET on
\if :{?scale}
\else
\set scale 1
\endif
\if :{?seed}
\else
\set seed 42
\endif

SET client_min_messages = notice;
SET jit = off;                    -- compile time would dominate these short statements
SET synchronous_commit = off;
SET work_mem = '256MB';
-- keep the work tables (up to a few hundred MB at large scales) in local buffers; this can only be
-- changed before the session's first use of a temporary table, so ignore a refusal
DO $$
BEGIN
  PERFORM set_config('temp_buffers', '1GB', false);
EXCEPTION WHEN others THEN
  RAISE NOTICE 'temp_buffers left at %', current_setting('temp_buffers');
END
$$;

SELECT set_config('retail_demo.scale', :'scale', false) AS _rdg_scale,
       set_config('retail_demo.seed', :'seed', false) AS _rdg_seed,
       set_config('retail_demo.t0', clock_timestamp()::text, false) AS _rdg_t0
\gset

/* ------------------------------------------------------------------------------------------------
 * Phase 0: parameters, helper functions, empty schema
 * ---------------------------------------------------------------------------------------------- */
DO $do$
DECLARE
  v_scale numeric;
  v_seed  bigint;
  r       record;
BEGIN
  BEGIN
    v_scale := current_setting('retail_demo.scale')::numeric;
    v_seed  := current_setting('retail_demo.seed')::bigint;
  EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
    RAISE EXCEPTION 'invalid scale "%" or seed "%"',
          current_setting('retail_demo.scale'), current_setting('retail_demo.seed')
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Pass a positive number as scale and an integer as seed, e.g. psql -v scale=1 -v seed=42 -f test/demo/generate.sql.';
  END;
  IF v_scale IS NULL OR v_scale <= 0 OR v_scale > 200 THEN
    RAISE EXCEPTION 'scale must be greater than 0 and at most 200, not %', v_scale
      USING ERRCODE = 'invalid_parameter_value';
  END IF;

  -- work tables of an earlier run in this session
  FOR r IN SELECT c.relname FROM pg_class c
            WHERE c.relnamespace = pg_my_temp_schema() AND c.relkind = 'r' AND c.relname LIKE 'rdg\_%'
  LOOP
    EXECUTE format('DROP TABLE pg_temp.%I', r.relname);
  END LOOP;

  CREATE TEMP TABLE rdg_param (scale numeric, seed bigint, n_stores int, n_skus int, sku_scale numeric);
  INSERT INTO rdg_param
  SELECT v_scale, v_seed,
         greatest(3, round(40 * v_scale))::int,
         greatest(90, round(2000 * v_scale))::int,
         greatest(90, round(2000 * v_scale)) / 2000.0;

  /* rnd(purpose, k1, k2, k3): uniform double in [0, 1), a pure function of the seed and the keys
   * (53 bits of a chain of hashint8extended).  The seed is baked in as a constant so the SQL
   * function is IMMUTABLE and gets inlined; the chain starts with the constant arguments (purpose,
   * then the keys that default to 0), so the planner folds those and a row pays one hash per
   * variable key. */
  EXECUTE format($f$
    CREATE OR REPLACE FUNCTION pg_temp.rnd(a bigint, b bigint DEFAULT 0, c bigint DEFAULT 0, d bigint DEFAULT 0)
    RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
    $b$ SELECT (hashint8extended(b, hashint8extended(c, hashint8extended(d, hashint8extended(a, %s::bigint))))
                & 9007199254740991)::double precision / 9007199254740992.0 $b$ $f$, v_seed);
END
$do$;

-- standard normal deviate (Box-Muller) from two rnd() draws
CREATE OR REPLACE FUNCTION pg_temp.nrm(a bigint, b bigint DEFAULT 0, c bigint DEFAULT 0)
RETURNS double precision LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT sqrt(-2 * ln(1 - pg_temp.rnd(a, b, c, 1))) * cos(2 * pi() * pg_temp.rnd(a, b, c, 2)) $$;

-- "psychological" list price: 38.99, 5.89, never below 0.99
CREATE OR REPLACE FUNCTION pg_temp.psych(x double precision)
RETURNS numeric LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT greatest(0.99, CASE WHEN x >= 10 THEN round(x::numeric) - 0.01 ELSE round(x::numeric, 1) - 0.01 END) $$;

CREATE OR REPLACE FUNCTION pg_temp.elapsed()
RETURNS text LANGUAGE sql VOLATILE AS
$$ SELECT to_char(extract(epoch FROM clock_timestamp() - current_setting('retail_demo.t0')::timestamptz), 'FM9990.0') || ' s' $$;

-- progress line with row counts of the named retail_demo tables
CREATE OR REPLACE PROCEDURE pg_temp.note(msg text, VARIADIC tabs text[] DEFAULT '{}')
LANGUAGE plpgsql AS $$
DECLARE
  t text; n bigint; parts text[] := '{}';
BEGIN
  FOREACH t IN ARRAY tabs LOOP
    EXECUTE format('SELECT count(*) FROM retail_demo.%I', t) INTO n;
    parts := parts || format('%s %s', t, to_char(n, 'FM999,999,999'));
  END LOOP;
  RAISE NOTICE '[%] %', pg_temp.elapsed(),
        msg || CASE WHEN cardinality(parts) > 0 THEN ': ' || array_to_string(parts, ', ') ELSE '' END;
END
$$;

DO $$
BEGIN
  RAISE NOTICE '[%] retail_demo: scale %, seed %, % stores, % SKUs', pg_temp.elapsed(),
        (SELECT scale FROM rdg_param), (SELECT seed FROM rdg_param),
        (SELECT n_stores FROM rdg_param), (SELECT n_skus FROM rdg_param);
END
$$;

SET client_min_messages = warning;
DROP SCHEMA IF EXISTS retail_demo CASCADE;
SET client_min_messages = notice;
CREATE SCHEMA retail_demo;
COMMENT ON SCHEMA retail_demo IS
  'Deterministic demo data of a small retail company, generated by test/demo/generate.sql (retail_kpi).';

CREATE TABLE retail_demo.regions (
  region_id      smallint PRIMARY KEY,
  region_name    text NOT NULL UNIQUE,
  region_name_zh text NOT NULL
);

CREATE TABLE retail_demo.stores (
  store_id        integer PRIMARY KEY,
  store_code      text NOT NULL UNIQUE,
  store_name      text NOT NULL,
  region_id       smallint NOT NULL REFERENCES retail_demo.regions,
  city            text NOT NULL,
  selling_area_m2 numeric(8,1) NOT NULL CHECK (selling_area_m2 > 0),
  fte_staff       numeric(6,1) NOT NULL CHECK (fte_staff > 0),
  opened_on       date NOT NULL,
  closed_on       date,
  CHECK (closed_on IS NULL OR closed_on > opened_on)
);

CREATE TABLE retail_demo.categories (
  category_id      smallint PRIMARY KEY,
  category_name    text NOT NULL UNIQUE,
  category_name_zh text NOT NULL
);

CREATE TABLE retail_demo.skus (
  sku_id          integer PRIMARY KEY,
  sku_code        text NOT NULL UNIQUE,
  category_id     smallint NOT NULL REFERENCES retail_demo.categories,
  sku_name        text NOT NULL,
  uom             text NOT NULL CHECK (uom IN ('EA', 'KG')),
  list_price      numeric(14,2) NOT NULL CHECK (list_price > 0),
  unit_cost       numeric(14,2) NOT NULL CHECK (unit_cost > 0),
  supplier        text NOT NULL,
  season          text NOT NULL CHECK (season IN ('SS', 'AW', 'ALL')),
  launched_on     date NOT NULL,
  discontinued_on date,
  CHECK (discontinued_on IS NULL OR discontinued_on > launched_on)
);

CREATE TABLE retail_demo.sku_prices (
  sku_id     integer NOT NULL REFERENCES retail_demo.skus,
  valid_from date NOT NULL,
  valid_to   date,
  list_price numeric(14,2) NOT NULL CHECK (list_price > 0),
  unit_cost  numeric(14,2) NOT NULL CHECK (unit_cost > 0),
  PRIMARY KEY (sku_id, valid_from),
  CHECK (valid_to IS NULL OR valid_to > valid_from)
);

CREATE TABLE retail_demo.store_assortment (
  store_id integer NOT NULL REFERENCES retail_demo.stores,
  sku_id   integer NOT NULL REFERENCES retail_demo.skus,
  PRIMARY KEY (store_id, sku_id)
);

CREATE TABLE retail_demo.promotions (
  promo_id       smallint PRIMARY KEY,
  promo_name     text NOT NULL,
  promo_name_zh  text NOT NULL,
  category_id    smallint REFERENCES retail_demo.categories,
  start_date     date NOT NULL,
  end_date       date NOT NULL,
  baseline_start date NOT NULL,
  baseline_end   date NOT NULL,
  discount_rate  numeric(4,3) NOT NULL,
  spend          numeric(14,2) NOT NULL,
  CHECK (start_date <= end_date AND baseline_start <= baseline_end AND baseline_end < start_date)
);

CREATE TABLE retail_demo.sales (
  sale_id         bigint NOT NULL,
  transaction_id  bigint NOT NULL,
  store_id        integer NOT NULL,
  sku_id          integer NOT NULL,
  sale_date       date NOT NULL,
  units           numeric(12,3) NOT NULL,
  revenue         numeric(14,2) NOT NULL,
  discount_amount numeric(14,2) NOT NULL,
  cost            numeric(14,2) NOT NULL,
  customer_id     bigint,
  promo_id        smallint
);

CREATE TABLE retail_demo.returns (
  return_id     bigint NOT NULL,
  sale_id       bigint NOT NULL,
  store_id      integer NOT NULL,
  sku_id        integer NOT NULL,
  sale_date     date NOT NULL,
  return_date   date NOT NULL,
  units         numeric(12,3) NOT NULL,
  refund_amount numeric(14,2) NOT NULL
);

CREATE TABLE retail_demo.receipts (
  receipt_id   bigint NOT NULL,
  store_id     integer NOT NULL,
  sku_id       integer NOT NULL,
  receipt_date date NOT NULL,
  units        numeric(12,3) NOT NULL,
  unit_cost    numeric(14,2) NOT NULL
);

CREATE TABLE retail_demo.inventory_snapshots (
  snapshot_date  date NOT NULL,
  store_id       integer NOT NULL,
  sku_id         integer NOT NULL,
  on_hand_units  numeric(12,3) NOT NULL,
  on_hand_cost   numeric(14,2) NOT NULL,
  on_hand_retail numeric(14,2) NOT NULL
);

CREATE TABLE retail_demo.traffic (
  store_id     integer NOT NULL,
  traffic_date date NOT NULL,
  visitors     integer NOT NULL CHECK (visitors >= 0)
);

CREATE TABLE retail_demo.store_targets (
  store_id            integer NOT NULL,
  month               date NOT NULL CHECK (extract(day FROM month) = 1),
  revenue_target      numeric(14,2) NOT NULL,
  gross_profit_target numeric(14,2) NOT NULL
);

CREATE TABLE retail_demo.ar_balances (
  store_id       integer NOT NULL,
  month_end      date NOT NULL,
  begin_ar       numeric(14,2) NOT NULL,
  credit_sales   numeric(14,2) NOT NULL,
  cash_collected numeric(14,2) NOT NULL,
  end_ar         numeric(14,2) NOT NULL,
  end_current_ar numeric(14,2) NOT NULL,
  CHECK (end_ar = begin_ar + credit_sales - cash_collected),
  CHECK (end_current_ar BETWEEN 0 AND end_ar)
);

/* ------------------------------------------------------------------------------------------------
 * Phase 1: dimensions
 * ---------------------------------------------------------------------------------------------- */

/* Calendar.  day_f = store-independent daily traffic factor: weekday pattern x month x holidays. */
CREATE TEMP TABLE rdg_cal AS
SELECT d::date AS d,
       (extract(year FROM d) * 10000 + extract(month FROM d) * 100 + extract(day FROM d))::int AS dnum,
       (d::date - date '2024-02-04') AS day_no,
       CASE WHEN d < date '2025-02-02' THEN 2024 ELSE 2025 END AS fy,
       extract(dow FROM d)::int AS dow,
       extract(month FROM d)::int AS mon,
       (d::date - date '2024-02-04') / 7 AS w,
       ('{1.25,0.80,0.82,0.86,0.92,1.10,1.40}'::float8[])[extract(dow FROM d)::int + 1]
     * ('{0.85,0.80,0.92,0.95,1.00,1.00,0.97,1.00,0.95,1.02,1.12,1.35}'::float8[])[extract(month FROM d)::int]
     * CASE WHEN to_char(d, 'MMDD') BETWEEN '1215' AND '1224' THEN 1.25
            WHEN to_char(d, 'MMDD') = '1225' THEN 0.45
            WHEN to_char(d, 'MMDD') = '1226' THEN 1.30
            WHEN to_char(d, 'MMDD') = '0101' THEN 0.60
            WHEN d::date IN (date '2024-11-29', date '2025-11-28') THEN 1.70   -- Black Friday
            WHEN d::date IN (date '2024-02-10', date '2025-01-29') THEN 0.50   -- Spring Festival
            ELSE 1 END AS day_f
FROM generate_series(timestamp '2024-02-04', timestamp '2026-01-31', interval '1 day') d;

INSERT INTO retail_demo.regions VALUES
  (1, 'North',   '华北'),
  (2, 'East',    '华东'),
  (3, 'South',   '华南'),
  (4, 'Central', '华中'),
  (5, 'West',    '西部');

/* Category parameters (not stored in retail_demo):
 *   line_share  share of sales lines; sku_share share of the SKU count (exact, numeric)
 *   price_mu/price_sig  median and log-spread of list prices; margin  1 - cost/list in FY2024
 *   price_up/cost_up  mean FY2025 change of list price and unit cost; mix_y2  FY2025 demand factor
 *   multi  P(units >= n+1 | units >= n) per line; ret_rate  share of lines returned
 *   seasonal  has SS/AW items; k  replenishment cycle (weeks); safety  safety stock (weeks);
 *   dmin  presentation stock (units); mf  monthly demand factor relative to the store's traffic */
CREATE TEMP TABLE rdg_cat (
  category_id smallint, name text, name_zh text, line_share float8, sku_share numeric,
  price_mu float8, price_sig float8, margin float8, price_up float8, cost_up float8, mix_y2 float8,
  multi float8, ret_rate float8, seasonal boolean, k int, safety float8, dmin int, mf float8[],
  nouns text[], suppliers text[], sku_cum_lo numeric, sku_cum_hi numeric);
INSERT INTO rdg_cat (category_id, name, name_zh, line_share, sku_share, price_mu, price_sig, margin,
                     price_up, cost_up, mix_y2, multi, ret_rate, seasonal, k, safety, dmin, mf, nouns, suppliers)
VALUES
 (1, 'Apparel', '服装', 0.22, 0.25, 39, 0.50, 0.58, 0.040, 0.065, 0.96, 0.18, 0.060, true, 4, 6, 3,
  '{0.80,0.78,1.02,1.05,1.00,0.95,0.92,0.95,1.05,1.10,1.18,1.30}',
  '{T-Shirt,Shirt,Jeans,Chinos,Dress,Skirt,Sweater,Hoodie,Jacket,Coat,Shorts,Polo}',
  '{"Jiangnan Textiles","Pearl River Garments","Northwind Apparel","Silk Road Fashion"}'),
 (2, 'Footwear', '鞋履', 0.09, 0.10, 69, 0.45, 0.52, 0.030, 0.030, 1.02, 0.10, 0.070, true, 4, 6, 3,
  '{0.85,0.80,1.00,1.05,1.05,1.00,0.95,1.00,1.05,1.05,1.10,1.20}',
  '{Sneaker,"Running Shoe",Boot,Sandal,Loafer,Slipper,Trainer}',
  '{"Putian Footwear","Stride Co.","Dongguan Shoe Works"}'),
 (3, 'Home', '家居', 0.11, 0.13, 25, 0.60, 0.48, 0.020, 0.010, 1.00, 0.22, 0.030, false, 4, 5, 2,
  '{0.90,0.85,1.00,1.05,1.05,1.00,0.95,1.00,1.00,1.02,1.12,1.25}',
  '{Mug,Towel,Pillow,Blanket,"Storage Box",Candle,Vase,"Plate Set",Lamp}',
  '{"Yiwu Home Goods","Foshan Ceramics","Cosy Living Ltd."}'),
 (4, 'Beauty', '美妆', 0.13, 0.12, 22, 0.55, 0.62, 0.050, 0.020, 1.15, 0.30, 0.020, false, 2, 4, 3,
  '{0.95,1.05,1.10,1.00,1.05,0.95,0.95,0.95,0.95,1.00,1.20,1.30}',
  '{Lipstick,"Face Cream",Serum,Shampoo,Conditioner,"Body Lotion",Mascara,Sunscreen}',
  '{"Lotus Cosmetics","Shanghai Beauty Lab","Glow Partners"}'),
 (5, 'Food', '食品', 0.20, 0.14, 6, 0.50, 0.30, 0.060, 0.080, 1.05, 0.50, 0.005, false, 1, 3, 6,
  '{1.05,1.10,0.95,0.95,1.00,1.00,1.00,1.00,1.00,1.02,1.05,1.20}',
  '{"Green Tea","Coffee Beans",Cookies,Chocolate,Rice,Noodles,Nuts,"Dried Fruit","Snack Mix"}',
  '{"Golden Harvest Foods","Fujian Tea House","Sunrise Snacks","Valley Farms"}'),
 (6, 'Electronics', '数码电子', 0.05, 0.06, 120, 0.70, 0.25, -0.020, -0.040, 0.88, 0.05, 0.040, false, 4, 4, 1,
  '{0.85,0.80,0.90,0.90,0.95,1.05,0.95,1.10,1.00,1.00,1.45,1.50}',
  '{Earbuds,Headphones,"Power Bank",Charger,"Smart Watch",Speaker,"USB Cable",Keyboard}',
  '{"Shenzhen Digital","Huaqiang Electronics","Bright Circuit"}'),
 (7, 'Toys', '玩具', 0.07, 0.08, 28, 0.55, 0.45, 0.030, 0.040, 1.00, 0.15, 0.030, false, 4, 5, 2,
  '{0.70,0.75,0.80,0.85,0.95,1.05,0.95,0.90,0.85,0.95,1.50,2.60}',
  '{Puzzle,"Building Blocks","Plush Toy",Doll,"RC Car","Board Game","Art Kit"}',
  '{"Shantou Toys","Happy Panda Toys","Blue Kite Games"}'),
 (8, 'Sports', '运动户外', 0.07, 0.07, 45, 0.50, 0.47, 0.030, 0.025, 1.10, 0.12, 0.040, true, 4, 5, 2,
  '{0.80,0.85,1.00,1.10,1.20,1.30,1.30,1.10,1.00,0.90,0.90,1.00}',
  '{"Yoga Mat",Dumbbell,"Water Bottle",Backpack,Tent,Cap,Jersey,Racket}',
  '{"Summit Outdoor","Xiamen Sports","Active Line"}'),
 (9, 'Accessories', '配饰', 0.06, 0.05, 18, 0.50, 0.60, 0.040, 0.050, 0.97, 0.15, 0.030, true, 4, 5, 2,
  '{0.85,0.85,1.00,1.00,1.00,1.00,0.95,0.95,1.00,1.05,1.20,1.40}',
  '{Scarf,Belt,Wallet,Sunglasses,Gloves,Hat,Handbag,Socks}',
  '{"Yiwu Accessories","Hangzhou Leather","Urban Style Co."}');
UPDATE rdg_cat c SET sku_cum_hi = x.hi, sku_cum_lo = x.hi - c.sku_share
FROM (SELECT category_id, sum(sku_share) OVER (ORDER BY category_id) AS hi FROM rdg_cat) x
WHERE x.category_id = c.category_id;

INSERT INTO retail_demo.categories SELECT category_id, name, name_zh FROM rdg_cat ORDER BY category_id;

/* Stores.  A few open during the history (no comparable base), one or two close. */
CREATE TEMP TABLE rdg_store AS
WITH cities(region_id, names) AS (VALUES
  (1, '{Beijing,Tianjin,Shijiazhuang,Jinan,Qingdao,Dalian,Shenyang,Harbin}'::text[]),
  (2, '{Shanghai,Hangzhou,Nanjing,Suzhou,Ningbo,Hefei,Wuxi}'::text[]),
  (3, '{Guangzhou,Shenzhen,Xiamen,Fuzhou,Dongguan,Foshan,Nanning,Haikou}'::text[]),
  (4, '{Wuhan,Changsha,Zhengzhou,Nanchang,Taiyuan,Luoyang}'::text[]),
  (5, '{Chengdu,Chongqing,Xi''an,Kunming,Guiyang,Lanzhou}'::text[])),
b AS (
  SELECT i AS store_id,
         1 + floor(5 * pg_temp.rnd(1001, i))::int AS region_id,
         round((300 + 1200 * pg_temp.rnd(1002, i) ^ 1.4)::numeric, -1) AS area,
         row_number() OVER (ORDER BY pg_temp.rnd(1010, i), i) AS life_rank
  FROM rdg_param p, generate_series(1, p.n_stores) i),
c AS (
  SELECT b.*, ci.names[1 + floor(cardinality(ci.names) * pg_temp.rnd(1003, b.store_id))::int] AS city,
         ('{Plaza,Central,Mall,Outlet,Station,Riverside,Park,Square,Gate,Center}'::text[])
           [1 + floor(10 * pg_temp.rnd(1004, b.store_id))::int] AS site,
         CASE WHEN b.life_rank <= greatest(1, round(3 * p.scale))
              THEN date '2024-04-01' + floor(578 * pg_temp.rnd(1011, b.store_id))::int
              ELSE date '2008-01-01' + floor(5800 * pg_temp.rnd(1011, b.store_id))::int END AS opened_on,
         CASE WHEN b.life_rank > greatest(1, round(3 * p.scale))
               AND b.life_rank <= greatest(1, round(3 * p.scale)) + greatest(1, round(1.5 * p.scale))
              THEN date '2024-09-01' + floor(480 * pg_temp.rnd(1012, b.store_id))::int END AS closed_on
  FROM b JOIN cities ci USING (region_id) CROSS JOIN rdg_param p)
SELECT c.store_id, c.region_id, c.city,
       c.city || ' ' || c.site
         || CASE WHEN row_number() OVER (PARTITION BY c.city, c.site ORDER BY c.store_id) > 1
                 THEN ' ' || row_number() OVER (PARTITION BY c.city, c.site ORDER BY c.store_id) ELSE '' END AS store_name,
       c.area,
       round((c.area / 80 * (0.85 + 0.3 * pg_temp.rnd(1005, c.store_id))::numeric), 1) AS fte,
       c.opened_on, c.closed_on,
       -- mean transactions per day before seasonality
       c.area * 0.0234 * (0.8 + 0.4 * pg_temp.rnd(1006, c.store_id)) AS base_txn,
       0.18 + 0.14 * pg_temp.rnd(1007, c.store_id) AS conv,
       -0.06 + 0.14 * pg_temp.rnd(1008, c.store_id) AS growth,      -- FY2025 traffic change
       0.50 + 0.20 * pg_temp.rnd(1009, c.store_id) AS loyal,        -- share of loyalty transactions
       least(1.5, greatest(0.6, c.area / 800.0))::float8 AS size_f, -- assortment breadth
       CASE WHEN pg_temp.rnd(1013, c.store_id) < 0.35 THEN 0
            ELSE 0.03 + 0.12 * pg_temp.rnd(1014, c.store_id) END AS b2b -- share sold on account
FROM c;

INSERT INTO retail_demo.stores
SELECT store_id, 'S' || lpad(store_id::text, 4, '0'), store_name, region_id, city, area, fte, opened_on, closed_on
FROM rdg_store ORDER BY store_id;

/* SKUs.  Categories get exact shares of a hashed permutation; popularity is Zipf-like by a random
 * rank within the category; ~10 % launch in FY2025, ~8 % are discontinued before FY2025. */
CREATE TEMP TABLE rdg_sku AS
WITH b AS (
  SELECT i AS sku_id, row_number() OVER (ORDER BY pg_temp.rnd(2001, i), i) AS pos, p.n_skus
  FROM rdg_param p, generate_series(1, p.n_skus) i),
c AS (
  SELECT b.sku_id, c.category_id
  FROM b JOIN rdg_cat c ON (b.pos - 0.5) / b.n_skus >= c.sku_cum_lo AND (b.pos - 0.5) / b.n_skus < c.sku_cum_hi),
r AS (
  SELECT c.*, pg_temp.rnd(2003, c.sku_id) AS u_launch, pg_temp.rnd(2004, c.sku_id) AS u_disc
  FROM c),
l AS (
  SELECT r.*,
         CASE WHEN u_launch < 0.10 THEN date '2025-02-02' + floor(240 * pg_temp.rnd(2005, sku_id))::int
              WHEN u_launch < 0.15 THEN date '2024-02-04' + floor(300 * pg_temp.rnd(2005, sku_id))::int
              ELSE date '2019-01-01' + floor(1856 * pg_temp.rnd(2005, sku_id))::int END AS launched_on
  FROM r),
d AS (
  SELECT l.*,
         CASE WHEN u_disc < 0.08 AND launched_on < date '2024-02-04'
                THEN date '2024-10-01' + floor(120 * pg_temp.rnd(2006, sku_id))::int
              WHEN u_disc >= 0.08 AND u_disc < 0.12 AND launched_on < date '2025-04-01'
                THEN date '2025-05-01' + floor(210 * pg_temp.rnd(2006, sku_id))::int END AS disc_on
  FROM l),
rk AS (   -- popularity rank in the category; items launched or dropped during the history tend to rank lower
  SELECT d.*, row_number() OVER (PARTITION BY d.category_id
                                 ORDER BY pg_temp.rnd(2002, d.sku_id)
                                          * CASE WHEN d.launched_on >= date '2024-02-04' OR d.disc_on IS NOT NULL THEN 2 ELSE 1 END,
                                          d.sku_id) AS pop_rank
  FROM d),
p AS (
  SELECT d.*, k.seasonal, k.k, k.safety, k.dmin, k.price_up, k.cost_up, k.multi, k.ret_rate,
         CASE WHEN NOT k.seasonal THEN 'ALL'
              WHEN pg_temp.rnd(2007, d.sku_id) < 0.4 THEN 'SS'
              WHEN pg_temp.rnd(2007, d.sku_id) < 0.8 THEN 'AW' ELSE 'ALL' END AS season,
         (d.category_id = 5 AND pg_temp.rnd(2008, d.sku_id) < 0.2) AS weighed,
         pg_temp.psych(least(20 * k.price_mu, k.price_mu * exp(k.price_sig * pg_temp.nrm(2009, d.sku_id)))
                       * CASE WHEN d.category_id = 5 AND pg_temp.rnd(2008, d.sku_id) < 0.2 THEN 2 ELSE 1 END) AS p1,
         least(0.92, greatest(0.12, 1 - k.margin + 0.07 * pg_temp.nrm(2010, d.sku_id))) AS cost_ratio,
         k.nouns[1 + floor(cardinality(k.nouns) * pg_temp.rnd(2011, d.sku_id))::int] AS noun,
         k.suppliers[1 + floor(cardinality(k.suppliers) * pg_temp.rnd(2012, d.sku_id) ^ 1.5)::int] AS supplier
  FROM rk d JOIN rdg_cat k USING (category_id)),
q AS (
  SELECT p.*, round(p.p1 * p.cost_ratio::numeric, 2) AS c1,
         CASE WHEN pg_temp.rnd(2013, p.sku_id) < 0.35 THEN p.p1
              ELSE pg_temp.psych(p.p1::float8 * (1 + p.price_up / 0.65 + 0.012 * pg_temp.nrm(2014, p.sku_id))) END AS p2
  FROM p)
SELECT q.sku_id, q.category_id, q.pop_rank, 1.0 / q.pop_rank ^ 0.6 AS pop, q.season, q.weighed, q.multi, q.ret_rate,
       q.launched_on, q.disc_on, q.k, q.safety, q.dmin, q.noun, q.supplier,
       q.p1, greatest(0.01, q.c1) AS c1, q.p2,
       greatest(0.01, round(greatest(0.01, q.c1) * (1 + q.cost_up + 0.01 * pg_temp.nrm(2015, q.sku_id))::numeric, 2)) AS c2
FROM q;

INSERT INTO retail_demo.skus
SELECT k.sku_id, 'SKU' || lpad(k.sku_id::text, 6, '0'), k.category_id,
       CASE WHEN k.weighed THEN 'Loose ' || k.noun || ' (kg)'
            ELSE ('{Classic,Premium,Basic,Urban,Eco,Pro,Lite,Deluxe,Everyday,Vintage,Active,Soft}'::text[])
                   [1 + floor(12 * pg_temp.rnd(2016, k.sku_id))::int] || ' ' || k.noun END
         || ' ' || lpad((k.sku_id % 1000)::text, 3, '0'),
       CASE WHEN k.weighed THEN 'KG' ELSE 'EA' END,
       CASE WHEN k.disc_on < date '2025-02-02' THEN k.p1 ELSE k.p2 END,
       CASE WHEN k.disc_on < date '2025-02-02' THEN k.c1 ELSE k.c2 END,
       k.supplier, k.season, k.launched_on, k.disc_on
FROM rdg_sku k ORDER BY k.sku_id;

INSERT INTO retail_demo.sku_prices
SELECT sku_id, launched_on, date '2025-02-02', p1, c1 FROM rdg_sku WHERE launched_on < date '2025-02-02'
UNION ALL
SELECT sku_id, greatest(launched_on, date '2025-02-02'), NULL, p2, c2 FROM rdg_sku
WHERE disc_on IS NULL OR disc_on > date '2025-02-02'
ORDER BY 1, 2;

/* Assortment: the top sellers of each category almost everywhere, the long tail thinly spread;
 * larger stores carry more.  The tail probability shrinks with scale so that the SKUs per store,
 * and hence the snapshot rows per store, stay constant. */
INSERT INTO retail_demo.store_assortment
SELECT s.store_id, k.sku_id
FROM rdg_store s CROSS JOIN rdg_sku k CROSS JOIN rdg_param p
WHERE k.pop_rank <= 3
   OR pg_temp.rnd(3001, s.store_id, k.sku_id) < s.size_f * (0.55 * exp(-(k.pop_rank - 1) / 40.0) + 0.02 / p.sku_scale)
ORDER BY 1, 2;

/* Promotions: 7-21 day windows, 28-day baseline immediately before; category_id NULL = storewide. */
CREATE TEMP TABLE rdg_promo AS
SELECT v.promo_id::smallint AS promo_id, v.name, v.name_zh, v.category_id::smallint AS category_id,
       v.start_date::date AS start_date, (v.start_date::date + v.days - 1) AS end_date,
       (v.start_date::date - 28) AS baseline_start, (v.start_date::date - 1) AS baseline_end,
       v.discount::numeric(4,3) AS discount, v.days, v.spend_per_store_day
FROM (VALUES
  ( 1, 'Spring Apparel Launch',      '春装上新',       1, '2024-03-16', 16, 0.20, 60),
  ( 2, 'Beauty Week',                '美妆周',         4, '2024-05-04',  9, 0.25, 30),
  ( 3, 'Summer Sports Festival',     '夏季运动节',     8, '2024-06-15', 16, 0.20, 25),
  ( 4, 'Back to School Electronics', '开学季数码',     6, '2024-08-17', 17, 0.15, 40),
  ( 5, 'Singles Day 2024',           '双十一 2024',    NULL, '2024-11-09', 7, 0.15, 150),
  ( 6, 'Christmas Toys',             '圣诞玩具',       7, '2024-12-14', 11, 0.20, 30),
  ( 7, 'Home Refresh',               '家居焕新',       3, '2025-03-08', 16, 0.25, 25),
  ( 8, 'Food Festival',              '美食节',         5, '2025-04-19', 15, 0.15, 20),
  ( 9, 'Summer Footwear',            '夏日鞋履',       2, '2025-06-07', 15, 0.25, 40),
  (10, '618 Electronics',            '618 数码',       6, '2025-06-12',  7, 0.18, 45),
  (11, 'Singles Day 2025',           '双十一 2025',    NULL, '2025-11-08', 7, 0.15, 150),
  (12, 'Accessories Autumn Sale',    '秋季配饰特卖',   9, '2025-09-06', 15, 0.30, 15)
) v(promo_id, name, name_zh, category_id, start_date, days, discount, spend_per_store_day);

INSERT INTO retail_demo.promotions
SELECT p.promo_id, p.name, p.name_zh, p.category_id, p.start_date, p.end_date, p.baseline_start, p.baseline_end,
       p.discount, round(p.spend_per_store_day * p.days * prm.n_stores, -2)
FROM rdg_promo p CROSS JOIN rdg_param prm ORDER BY p.promo_id;

-- which promotion (if any) applies to a category on a day; a category promotion beats a storewide one
CREATE TEMP TABLE rdg_promo_cat AS
SELECT DISTINCT ON (c.d, k.category_id) c.d, k.category_id, p.promo_id, p.discount, p.category_id IS NOT NULL AS cat_promo
FROM rdg_promo p
JOIN rdg_cal c ON c.d BETWEEN p.start_date AND p.end_date
JOIN rdg_cat k ON p.category_id IS NULL OR p.category_id = k.category_id
ORDER BY c.d, k.category_id, p.category_id IS NULL, p.promo_id;

-- transactions uplift on promotion days (part of a category promotion's extra lines cannibalise others)
CREATE TEMP TABLE rdg_promo_day AS
SELECT c.d, 1 + sum(CASE WHEN p.category_id IS NULL THEN 0.35 ELSE 0.7 * k.line_share END) AS txn_f
FROM rdg_promo p
JOIN rdg_cal c ON c.d BETWEEN p.start_date AND p.end_date
LEFT JOIN rdg_cat k ON k.category_id = p.category_id
GROUP BY c.d;

ANALYZE rdg_cal, rdg_cat, rdg_store, rdg_sku, rdg_promo, rdg_promo_cat, rdg_promo_day,
        retail_demo.regions, retail_demo.stores, retail_demo.skus, retail_demo.store_assortment;

CALL pg_temp.note('dimensions', 'regions', 'stores', 'categories', 'skus', 'sku_prices', 'store_assortment', 'promotions');

/* ------------------------------------------------------------------------------------------------
 * Phase 2: sales lines, returns and traffic, one 4-5-4 fiscal period (4 or 5 weeks) at a time
 * ---------------------------------------------------------------------------------------------- */
CREATE TEMP TABLE rdg_sd (store_id int, region_id int, d date, dnum int, day_no int, fy int, mon int, dow int,
                          n_txn int, loyal float8, conv float8);
CREATE TEMP TABLE rdg_ccdf (region_id int, d date, cats smallint[], lb float8[]);
CREATE TEMP TABLE rdg_kcdf (store_id int, category_id smallint, skus int[], lb float8[]);
CREATE TEMP TABLE rdg_lines (sale_id bigint, transaction_id bigint, store_id int, sku_id int, sale_date date,
                             units numeric, price numeric, ucost numeric, disc numeric, customer_id bigint,
                             promo_id smallint, ret_rate float8);
CREATE TEMP TABLE rdg_wsold (store_id int, sku_id int, w int, mu bigint);  -- mu = units x 1000

-- NRF 4-5-4 fiscal periods: the loop unit (whole weeks, so weekly totals never straddle two loops)
CREATE TEMP TABLE rdg_per AS
SELECT f.fy, x.p::int AS period, f.fs + 7 * (x.cw - x.wk)::int AS p_start, f.fs + 7 * x.cw::int - 1 AS p_end
FROM (VALUES (2024, date '2024-02-04'), (2025, date '2025-02-02')) f(fy, fs)
CROSS JOIN LATERAL (
  SELECT u.p, u.wk, sum(u.wk) OVER (ORDER BY u.p) AS cw
  FROM unnest('{4,5,4,4,5,4,4,5,4,4,5,4}'::int[]) WITH ORDINALITY u(wk, p)) x;

DO $do$
DECLARE
  per      record;
  v_start  date;
  v_end    date;
  v_lines  bigint;
  v_txn    bigint;
  v_ret    bigint;
  v_rbase  bigint := 0;
  v_total  bigint := 0;
BEGIN
  FOR per IN SELECT * FROM rdg_per ORDER BY p_start LOOP
    v_start := per.p_start;
    v_end   := per.p_end;

    -- open store-days and their number of transactions
    TRUNCATE rdg_sd, rdg_ccdf, rdg_kcdf, rdg_lines;
    INSERT INTO rdg_sd
    SELECT s.store_id, s.region_id, c.d, c.dnum, c.day_no, c.fy, c.mon, c.dow,
           round(s.base_txn * c.day_f
                 * CASE WHEN c.fy = 2025 THEN 1 + s.growth ELSE 1 END
                 * coalesce(pd.txn_f, 1)
                 * (0.85 + 0.30 * pg_temp.rnd(101, s.store_id, c.day_no)))::int,
           s.loyal, s.conv
    FROM rdg_store s
    JOIN rdg_cal c ON c.d BETWEEN v_start AND v_end
                  AND c.d >= s.opened_on AND (s.closed_on IS NULL OR c.d < s.closed_on)
    LEFT JOIN rdg_promo_day pd ON pd.d = c.d;

    -- category choice per region and day: categories and the lower bounds of their cumulative
    -- weight shares, for width_bucket()
    INSERT INTO rdg_ccdf
    WITH wt AS (
      SELECT r.region_id, c.d, k.category_id,
             k.line_share
             * (0.8 + 0.4 * pg_temp.rnd(102, r.region_id, k.category_id))     -- regional taste
             * k.mf[c.mon]
             * CASE WHEN c.fy = 2025 THEN k.mix_y2 ELSE 1 END
             * CASE WHEN pc.cat_promo THEN 1.9 ELSE 1 END AS w
      FROM retail_demo.regions r
      CROSS JOIN rdg_cal c
      CROSS JOIN rdg_cat k
      LEFT JOIN rdg_promo_cat pc ON pc.d = c.d AND pc.category_id = k.category_id
      WHERE c.d BETWEEN v_start AND v_end),
    cum AS (SELECT wt.*, sum(w) OVER (PARTITION BY region_id, d ORDER BY category_id) AS cw FROM wt),
    tot AS (SELECT cum.*, max(cw) OVER (PARTITION BY region_id, d) AS tw FROM cum)
    SELECT region_id, d, array_agg(category_id ORDER BY category_id), array_agg((cw - w) / tw ORDER BY category_id)
    FROM tot GROUP BY region_id, d;

    -- SKU choice per store and category: by popularity and season (SS Feb-Jul, AW Aug-Jan)
    INSERT INTO rdg_kcdf
    WITH wt AS (
      SELECT a.store_id, k.category_id, k.sku_id,
             k.pop * CASE k.season WHEN 'ALL' THEN 1.0
                                   WHEN 'SS' THEN CASE WHEN per.period <= 6 THEN 1.6 ELSE 0.45 END
                                   ELSE CASE WHEN per.period <= 6 THEN 0.45 ELSE 1.6 END END AS w
      FROM retail_demo.store_assortment a
      JOIN rdg_sku k USING (sku_id)
      WHERE k.launched_on <= v_end AND (k.disc_on IS NULL OR k.disc_on > v_start)),
    cum AS (SELECT wt.*, sum(w) OVER (PARTITION BY store_id, category_id ORDER BY sku_id) AS cw FROM wt),
    tot AS (SELECT cum.*, max(cw) OVER (PARTITION BY store_id, category_id) AS tw FROM cum)
    SELECT store_id, category_id, array_agg(sku_id ORDER BY sku_id), array_agg((cw - w) / tw ORDER BY sku_id)
    FROM tot GROUP BY store_id, category_id;

    ANALYZE rdg_sd, rdg_ccdf, rdg_kcdf;

    -- the lines: transaction_id = yyyymmdd | store (5 digits) | transaction (4), sale_id = transaction_id | line
    -- (units, price, cost and discount rate first; the money is computed from them below)
    INSERT INTO rdg_lines
    SELECT li.sale_id, li.txn_id, li.store_id, k.sku_id, li.d, q.units, q.price, q.ucost, q.disc,
           li.customer_id, pc.promo_id, k.ret_rate
    FROM (
      SELECT sd.store_id, sd.region_id, sd.d, sd.fy, sd.mon, tx.txn_id, tx.customer_id, tx.txn_id * 10 + l AS sale_id
      FROM rdg_sd sd
      CROSS JOIN LATERAL generate_series(1, sd.n_txn) t
      CROSS JOIN LATERAL (
        SELECT x.txn_id,
               CASE WHEN pg_temp.rnd(211, x.txn_id) < sd.loyal
                    THEN sd.store_id::bigint * 100000 + 1 + floor(2500 * pg_temp.rnd(212, x.txn_id) ^ 2)::bigint END AS customer_id,
               width_bucket(x.u, '{0,0.42,0.68,0.85,0.95}'::float8[]) AS n_lines  -- 1-5 lines, mean 2.1
        FROM (SELECT (sd.dnum::bigint * 100000 + sd.store_id) * 10000 + t AS txn_id,
                     pg_temp.rnd(210, (sd.dnum::bigint * 100000 + sd.store_id) * 10000 + t) AS u) x
      ) tx
      CROSS JOIN LATERAL generate_series(1, tx.n_lines) l
    ) li
    JOIN rdg_ccdf cc ON cc.region_id = li.region_id AND cc.d = li.d
    JOIN rdg_kcdf kc ON kc.store_id = li.store_id
                    AND kc.category_id = cc.cats[width_bucket(pg_temp.rnd(201, li.sale_id), cc.lb)]
    JOIN rdg_sku k ON k.sku_id = kc.skus[width_bucket(pg_temp.rnd(202, li.sale_id), kc.lb)]
    LEFT JOIN rdg_promo_cat pc ON pc.d = li.d AND pc.category_id = k.category_id
    CROSS JOIN LATERAL (
      SELECT CASE WHEN k.weighed
                  THEN round(((0.15 + 1.6 * pg_temp.rnd(203, li.sale_id))
                              * CASE WHEN pc.promo_id IS NULL THEN 1 ELSE 1.25 END)::numeric, 3)
                  ELSE (least(12, 1 + floor(ln(1 - pg_temp.rnd(203, li.sale_id)) / ln(k.multi)))
                        + CASE WHEN pc.promo_id IS NOT NULL AND pg_temp.rnd(204, li.sale_id) < 0.3 THEN 1 ELSE 0 END)::numeric
             END AS units,
             CASE WHEN li.fy = 2025 THEN k.p2 ELSE k.p1 END AS price,
             CASE WHEN li.fy = 2025 THEN k.c2 ELSE k.c1 END AS ucost,
             CASE WHEN pc.promo_id IS NOT NULL THEN pc.discount
                  WHEN k.season = 'SS' AND li.mon IN (7, 8) AND pg_temp.rnd(205, li.sale_id) < 0.5 THEN 0.30
                  WHEN k.season = 'AW' AND li.mon IN (1, 2) AND pg_temp.rnd(205, li.sale_id) < 0.5 THEN 0.30
                  WHEN pg_temp.rnd(205, li.sale_id) < 0.07 THEN 0.10
                  ELSE 0 END::numeric AS disc
    ) q
    WHERE li.d >= k.launched_on AND (k.disc_on IS NULL OR li.d < k.disc_on);

    INSERT INTO retail_demo.sales
    SELECT m.sale_id, m.transaction_id, m.store_id, m.sku_id, m.sale_date, m.units,
           round(m.units * m.price * (1 - m.disc), 2),
           round(m.units * m.price, 2) - round(m.units * m.price * (1 - m.disc), 2),
           round(m.units * m.ucost, 2), m.customer_id, m.promo_id
    FROM rdg_lines m
    ORDER BY m.sale_id;
    GET DIAGNOSTICS v_lines = ROW_COUNT;

    -- weekly units per store and SKU for the inventory simulation (periods are whole weeks)
    INSERT INTO rdg_wsold
    SELECT store_id, sku_id, (sale_date - date '2024-02-04') / 7, (1000 * sum(units))::bigint
    FROM rdg_lines GROUP BY 1, 2, 3;

    -- returns: to the selling store, within 30 days, partly partial; none after the history ends
    INSERT INTO retail_demo.returns
    SELECT v_rbase + row_number() OVER (ORDER BY s.sale_id), s.sale_id, s.store_id, s.sku_id, s.sale_date,
           r.return_date, r.units, round(round(s.units * s.price * (1 - s.disc), 2) * r.units / s.units, 2)
    FROM rdg_lines s
    JOIN rdg_store st USING (store_id)
    CROSS JOIN LATERAL (
      SELECT s.sale_date + 1 + floor(29 * pg_temp.rnd(402, s.sale_id) ^ 2)::int AS return_date,
             CASE WHEN s.units > 1 AND s.units = trunc(s.units) AND pg_temp.rnd(403, s.sale_id) < 0.4
                  THEN 1 ELSE s.units END AS units) r
    WHERE pg_temp.rnd(401, s.sale_id) < s.ret_rate * CASE WHEN s.promo_id IS NULL THEN 1 ELSE 1.4 END
      AND r.return_date <= date '2026-01-31'
      AND (st.closed_on IS NULL OR r.return_date < st.closed_on)
    ORDER BY s.sale_id;
    GET DIAGNOSTICS v_ret = ROW_COUNT;
    v_rbase := v_rbase + v_ret;

    -- door counter: transactions / conversion (lower on weekends), with daily noise
    INSERT INTO retail_demo.traffic
    SELECT sd.store_id, sd.d,
           greatest(coalesce(a.n, 0),
                    round(coalesce(a.n, 0) / (sd.conv * (0.85 + 0.30 * pg_temp.rnd(301, sd.store_id, sd.day_no))
                                              * CASE WHEN sd.dow IN (0, 6) THEN 0.9 ELSE 1.05 END)))::int
    FROM rdg_sd sd
    LEFT JOIN (SELECT store_id, sale_date, count(DISTINCT transaction_id) AS n FROM rdg_lines GROUP BY 1, 2) a
           ON a.store_id = sd.store_id AND a.sale_date = sd.d
    ORDER BY sd.store_id, sd.d;

    SELECT count(DISTINCT transaction_id) INTO v_txn FROM rdg_lines;
    v_total := v_total + v_lines;
    RAISE NOTICE '[%] sales FY% P% (% .. %): % lines, % transactions, % returns (total % lines)',
          pg_temp.elapsed(), per.fy, to_char(per.period, 'FM00'), v_start, v_end, to_char(v_lines, 'FM999,999,999'), to_char(v_txn, 'FM999,999,999'),
          to_char(v_ret, 'FM999,999,999'), to_char(v_total, 'FM999,999,999');
  END LOOP;
END
$do$;

/* ------------------------------------------------------------------------------------------------
 * Phase 3: inventory -- weekly simulation per store x carried SKU with periodic order-up-to
 * replenishment.  Per week: on_hand = previous on_hand + receipts - units sold + units returned,
 * exactly.  Review every k weeks (staggered), or earlier when stock falls below a week's
 * forecast; the order-up-to level is presentation stock + forecast x (k + safety) weeks.
 * Sales never wait for stock, so a demand spike can drive on-hand negative, as in real systems.
 * ---------------------------------------------------------------------------------------------- */
CREATE TEMP TABLE rdg_wret AS
SELECT store_id, sku_id, (return_date - date '2024-02-04') / 7 AS w, (1000 * sum(units))::bigint AS mu
FROM retail_demo.returns GROUP BY 1, 2, 3;
CREATE INDEX ON rdg_wsold (w);
CREATE INDEX ON rdg_wret (w);

-- store x carried SKU pairs, the weeks wa..wb in which both are active, the replenishment rule
CREATE TEMP TABLE rdg_pair AS
SELECT x.* FROM (
  SELECT a.store_id, a.sku_id, k.weighed, k.k,
         -- a few pairs are replenished just in time (no presentation or safety stock): these are
         -- where on-hand goes negative now and then
         CASE WHEN pg_temp.rnd(6002, a.store_id, a.sku_id) < 0.003 THEN 0 ELSE k.safety END AS safety,
         CASE WHEN pg_temp.rnd(6002, a.store_id, a.sku_id) < 0.003 THEN 0 ELSE k.dmin END AS dmin,
         floor(k.k * pg_temp.rnd(6001, a.store_id, a.sku_id))::int AS phase,
         greatest(k.launched_on, s.opened_on) < date '2024-02-04' AS active_before,
         greatest(0, (greatest(k.launched_on, s.opened_on) - date '2024-02-04') / 7) AS wa,
         least(103, floor((least(coalesce(k.disc_on, date '2026-02-01'), coalesce(s.closed_on, date '2026-02-01'))
                           - date '2024-02-04' - 1) / 7.0)::int) AS wb,
         k.c1, k.p1, k.c2, k.p2
  FROM retail_demo.store_assortment a
  JOIN rdg_sku k USING (sku_id)
  JOIN rdg_store s USING (store_id)) x
WHERE x.wa <= x.wb;
ANALYZE rdg_pair, rdg_wsold, rdg_wret;

CREATE TEMP TABLE rdg_state (store_id int, sku_id int, onhand bigint);
CREATE TEMP TABLE rdg_new (store_id int, sku_id int, onhand bigint, receipt bigint, uc numeric, lp numeric);

/* Quantities in the simulation are integer thousandths of a unit (exact for EA and KG items).
 * fcst = mean net weekly units of the pair over the previous week and the next six, within its
 * active weeks (the buyer's forecast). */
DO $do$
DECLARE
  v_w     int;
  v_rbase bigint := 0;
  v_n     bigint;
BEGIN
  -- opening stock on Saturday 2024-02-03 for what was on the shelf before the history starts
  INSERT INTO rdg_state
  SELECT p.store_id, p.sku_id,
         CASE WHEN p.weighed THEN round(1000 * (p.dmin + x.fcst * (p.safety + p.k / 2.0)))
              ELSE 1000 * (p.dmin + ceil(x.fcst * (p.safety + p.k / 2.0))) END::bigint
  FROM rdg_pair p
  LEFT JOIN (SELECT store_id, sku_id, sum(mu) AS net
             FROM (SELECT store_id, sku_id, mu FROM rdg_wsold WHERE w BETWEEN 0 AND 6
                   UNION ALL
                   SELECT store_id, sku_id, -mu FROM rdg_wret WHERE w BETWEEN 0 AND 6) u
             GROUP BY 1, 2) f ON f.store_id = p.store_id AND f.sku_id = p.sku_id
  CROSS JOIN LATERAL (SELECT greatest(0, coalesce(f.net, 0))::float8 / (least(6, p.wb) + 1) / 1000 AS fcst) x
  WHERE p.active_before;

  INSERT INTO retail_demo.inventory_snapshots
  SELECT date '2024-02-03', st.store_id, st.sku_id, st.onhand / 1000.0,
         round(st.onhand * p.c1 / 1000, 2), round(st.onhand * p.p1 / 1000, 2)
  FROM rdg_state st JOIN rdg_pair p USING (store_id, sku_id);

  FOR v_w IN 0..103 LOOP
    TRUNCATE rdg_new;
    INSERT INTO rdg_new
    SELECT p.store_id, p.sku_id, x.st + r.rec - coalesce(so.mu, 0) + coalesce(rt.mu, 0), r.rec,
           CASE WHEN v_w < 52 THEN p.c1 ELSE p.c2 END, CASE WHEN v_w < 52 THEN p.p1 ELSE p.p2 END
    FROM rdg_pair p
    LEFT JOIN rdg_state st ON st.store_id = p.store_id AND st.sku_id = p.sku_id
    LEFT JOIN rdg_wsold so ON so.w = v_w AND so.store_id = p.store_id AND so.sku_id = p.sku_id
    LEFT JOIN rdg_wret rt ON rt.w = v_w AND rt.store_id = p.store_id AND rt.sku_id = p.sku_id
    LEFT JOIN (SELECT store_id, sku_id, sum(mu) AS net
               FROM (SELECT store_id, sku_id, mu FROM rdg_wsold WHERE w BETWEEN v_w - 1 AND v_w + 6
                     UNION ALL
                     SELECT store_id, sku_id, -mu FROM rdg_wret WHERE w BETWEEN v_w - 1 AND v_w + 6) u
               GROUP BY 1, 2) f ON f.store_id = p.store_id AND f.sku_id = p.sku_id
    CROSS JOIN LATERAL (
      SELECT coalesce(st.onhand, 0) AS st, st.store_id IS NULL AS fresh,
             greatest(0, coalesce(f.net, 0))::float8
               / (least(v_w + 6, p.wb) - greatest(v_w - 1, p.wa) + 1) / 1000 AS fcst) x
    CROSS JOIN LATERAL (
      SELECT CASE WHEN x.fresh OR (v_w + p.phase) % p.k = 0 OR x.st < 1000 * x.fcst
                  THEN greatest(0, CASE WHEN p.weighed THEN round(1000 * (p.dmin + x.fcst * (p.k + p.safety)))
                                        ELSE 1000 * (p.dmin + ceil(x.fcst * (p.k + p.safety))) END::bigint
                                   - x.st)
                  ELSE 0 END AS rec) r
    WHERE v_w BETWEEN p.wa AND p.wb;

    INSERT INTO retail_demo.inventory_snapshots
    SELECT date '2024-02-10' + 7 * v_w, n.store_id, n.sku_id, n.onhand / 1000.0,
           round(n.onhand * n.uc / 1000, 2), round(n.onhand * n.lp / 1000, 2)
    FROM rdg_new n;

    INSERT INTO retail_demo.receipts
    SELECT v_rbase + row_number() OVER (ORDER BY n.store_id, n.sku_id), n.store_id, n.sku_id,
           date '2024-02-04' + 7 * v_w + n.store_id % 3, n.receipt / 1000.0, n.uc
    FROM rdg_new n
    WHERE n.receipt > 0;
    GET DIAGNOSTICS v_n = ROW_COUNT;
    v_rbase := v_rbase + v_n;

    TRUNCATE rdg_state;
    INSERT INTO rdg_state SELECT store_id, sku_id, onhand FROM rdg_new;

    IF v_w % 13 = 12 THEN
      RAISE NOTICE '[%] inventory simulated through week % (%)', pg_temp.elapsed(), v_w + 1,
            date '2024-02-10' + 7 * v_w;
    END IF;
  END LOOP;
END
$do$;

CALL pg_temp.note('inventory', 'inventory_snapshots', 'receipts');

/* ------------------------------------------------------------------------------------------------
 * Phase 4: monthly store targets and accounts receivable
 * ---------------------------------------------------------------------------------------------- */
CREATE TEMP TABLE rdg_mrev AS
SELECT store_id, date_trunc('month', sale_date)::date AS month, sum(revenue) AS revenue, sum(revenue - cost) AS gp
FROM retail_demo.sales GROUP BY 1, 2;

-- targets near the actuals (about half of them are met), rounded to hundreds; some store-months have none
INSERT INTO retail_demo.store_targets
SELECT r.store_id, r.month,
       round(r.revenue * (0.92 + 0.14 * pg_temp.rnd(5101, r.store_id, r.month - date '2000-01-01'))::numeric, -2),
       round(r.gp * (0.92 + 0.14 * pg_temp.rnd(5102, r.store_id, r.month - date '2000-01-01'))::numeric, -2)
FROM rdg_mrev r JOIN rdg_store s USING (store_id)
WHERE pg_temp.rnd(5103, r.store_id, r.month - date '2000-01-01') >= 0.05
  AND r.month > date_trunc('month', s.opened_on)          -- no target in a store's opening month
ORDER BY 1, 2;

-- AR for stores that sell on account: credit sales are that share of the month's net sales;
-- collections are part of the opening balance plus a little of the new invoices.  The recursion
-- carries end_ar into the next month's begin_ar; rows start in the store's first month with sales.
INSERT INTO retail_demo.ar_balances
WITH RECURSIVE mo AS (
  SELECT m::date AS month, (m + interval '1 month')::date - 1 AS month_end,
         row_number() OVER (ORDER BY m)::int AS mi
  FROM generate_series(date '2024-02-01', date '2026-01-01', interval '1 month') m),
sm AS (   -- dense store x month from the first month with sales
  SELECT s.store_id, mo.mi, mo.month_end,
         round(coalesce(r.revenue, 0) * s.b2b::numeric, 2) AS credit,
         (0.55 + 0.30 * pg_temp.rnd(5001, s.store_id, mo.mi))::numeric AS c1,
         (0.05 + 0.10 * pg_temp.rnd(5002, s.store_id, mo.mi))::numeric AS c2,
         (0.85 + 0.10 * pg_temp.rnd(5003, s.store_id, mo.mi))::numeric AS c3
  FROM rdg_store s
  CROSS JOIN mo
  LEFT JOIN rdg_mrev r ON r.store_id = s.store_id AND r.month = mo.month
  WHERE s.b2b > 0 AND mo.month >= (SELECT min(month) FROM rdg_mrev x WHERE x.store_id = s.store_id)),
ar(store_id, mi, month_end, begin_ar, credit, cash, end_ar, c2, c3) AS (
  SELECT f.store_id, f.mi, f.month_end, x.b AS begin_ar, f.credit, y.cash, x.b + f.credit - y.cash AS end_ar,
         f.c2, f.c3
  FROM sm f
  CROSS JOIN LATERAL (SELECT round(f.credit * 1.2, 2) AS b) x
  CROSS JOIN LATERAL (SELECT round(x.b * f.c1 + f.credit * f.c2, 2) AS cash) y
  WHERE f.mi = (SELECT min(mi) FROM sm z WHERE z.store_id = f.store_id)
  UNION ALL
  SELECT n.store_id, n.mi, n.month_end, a.end_ar, n.credit, y.cash, a.end_ar + n.credit - y.cash,
         n.c2, n.c3
  FROM ar a
  JOIN sm n ON n.store_id = a.store_id AND n.mi = a.mi + 1
  CROSS JOIN LATERAL (SELECT round(a.end_ar * n.c1 + n.credit * n.c2, 2) AS cash) y)
SELECT store_id, month_end, begin_ar, credit, cash, end_ar,
       least(end_ar, round(credit * (1 - c2) * c3, 2))
FROM ar
ORDER BY store_id, month_end;

CALL pg_temp.note('targets and receivables', 'store_targets', 'ar_balances');

/* ------------------------------------------------------------------------------------------------
 * Phase 5: keys, indexes, comments, statistics
 * ---------------------------------------------------------------------------------------------- */
ALTER TABLE retail_demo.sales
  ADD PRIMARY KEY (sale_id),
  ADD FOREIGN KEY (store_id) REFERENCES retail_demo.stores,
  ADD FOREIGN KEY (sku_id) REFERENCES retail_demo.skus,
  ADD FOREIGN KEY (promo_id) REFERENCES retail_demo.promotions,
  ADD CHECK (units > 0 AND revenue >= 0 AND cost >= 0 AND discount_amount >= 0);
CREATE INDEX sales_sale_date_idx ON retail_demo.sales (sale_date);

ALTER TABLE retail_demo.returns
  ADD PRIMARY KEY (return_id),
  ADD UNIQUE (sale_id),
  ADD FOREIGN KEY (sale_id) REFERENCES retail_demo.sales,
  ADD CHECK (return_date > sale_date AND units > 0 AND refund_amount >= 0);

ALTER TABLE retail_demo.receipts
  ADD PRIMARY KEY (receipt_id),
  ADD FOREIGN KEY (store_id, sku_id) REFERENCES retail_demo.store_assortment,
  ADD CHECK (units > 0);

ALTER TABLE retail_demo.inventory_snapshots
  ADD PRIMARY KEY (snapshot_date, store_id, sku_id),
  ADD FOREIGN KEY (store_id, sku_id) REFERENCES retail_demo.store_assortment,
  ADD CHECK (extract(dow FROM snapshot_date) = 6);

ALTER TABLE retail_demo.traffic
  ADD PRIMARY KEY (store_id, traffic_date),
  ADD FOREIGN KEY (store_id) REFERENCES retail_demo.stores;

ALTER TABLE retail_demo.store_targets
  ADD PRIMARY KEY (store_id, month),
  ADD FOREIGN KEY (store_id) REFERENCES retail_demo.stores;

ALTER TABLE retail_demo.ar_balances
  ADD PRIMARY KEY (store_id, month_end),
  ADD FOREIGN KEY (store_id) REFERENCES retail_demo.stores;

COMMENT ON TABLE retail_demo.regions IS 'Sales regions (English and Chinese names).';
COMMENT ON TABLE retail_demo.stores IS
  'Stores with selling area (m2) and staff (FTE). opened_on is the first trading day, closed_on (NULL = open) the first day closed; a few stores open or close during the history.';
COMMENT ON TABLE retail_demo.categories IS 'Merchandise categories (English and Chinese names).';
COMMENT ON TABLE retail_demo.skus IS
  'Items. list_price and unit_cost are the current (latest) values, see sku_prices for history. uom EA = each, KG = sold by weight. season SS/AW/ALL. discontinued_on (NULL = active) is the first day the SKU is no longer sold.';
COMMENT ON TABLE retail_demo.sku_prices IS
  'List price and standard unit cost per SKU and validity interval [valid_from, valid_to), valid_to NULL = open. Prices change once, on 2025-02-02 (start of FY2025).';
COMMENT ON TABLE retail_demo.store_assortment IS 'The SKUs each store carries (listed and stocked while the SKU is active).';
COMMENT ON TABLE retail_demo.promotions IS
  'Promotions with their inclusive window [start_date, end_date], the 28-day baseline window right before, the discount given and the spend. category_id NULL = storewide.';
COMMENT ON TABLE retail_demo.sales IS
  'POS sales lines. revenue = round(units * list_price * (1 - discount rate), 2) is net of discount; discount_amount = round(units * list_price, 2) - revenue; cost = round(units * unit_cost, 2), with the price and cost valid on sale_date (sku_prices). transaction_id = yyyymmdd, store (5 digits), ticket (4 digits); sale_id = transaction_id * 10 + line. customer_id only for loyalty members; promo_id when the line was sold on promotion.';
COMMENT ON TABLE retail_demo.returns IS
  'Customer returns of sales lines (at most one per line), at the selling store; sale_date is the original sale date. refund_amount is the line revenue pro rata to the units returned. Returned units go back to stock.';
COMMENT ON TABLE retail_demo.receipts IS
  'Purchase receipts into store stock (units at the standard unit cost valid on receipt_date).';
COMMENT ON TABLE retail_demo.inventory_snapshots IS
  'Weekly on-hand per store and carried active SKU at the close of Saturday (retail week end), from 2024-02-03 (opening) to 2026-01-31. on_hand_cost and on_hand_retail value units at the cost and list price valid on the snapshot date. on_hand(week) = on_hand(previous Saturday) + receipts - sales units + returned units of the week; a few rows are negative.';
COMMENT ON TABLE retail_demo.traffic IS 'Door-counter visitors per store and trading day.';
COMMENT ON TABLE retail_demo.store_targets IS
  'Monthly revenue and gross-profit targets per store (month = first day of the calendar month); some store-months have no target.';
COMMENT ON TABLE retail_demo.ar_balances IS
  'Monthly accounts receivable of the stores that sell on account to business customers: end_ar = begin_ar + credit_sales - cash_collected; end_current_ar is the part of end_ar not yet past due.';

ANALYZE retail_demo.regions, retail_demo.stores, retail_demo.categories, retail_demo.skus,
        retail_demo.sku_prices, retail_demo.store_assortment, retail_demo.promotions, retail_demo.sales,
        retail_demo.returns, retail_demo.receipts, retail_demo.inventory_snapshots, retail_demo.traffic,
        retail_demo.store_targets, retail_demo.ar_balances;

CALL pg_temp.note('done', 'regions', 'stores', 'categories', 'skus', 'sku_prices', 'store_assortment',
                  'promotions', 'sales', 'returns', 'receipts', 'inventory_snapshots', 'traffic',
                  'store_targets', 'ar_balances');

DROP TABLE rdg_param, rdg_cal, rdg_cat, rdg_store, rdg_sku, rdg_promo, rdg_promo_cat, rdg_promo_day,
           rdg_sd, rdg_ccdf, rdg_kcdf, rdg_lines, rdg_wsold, rdg_wret, rdg_per, rdg_pair, rdg_state, rdg_new, rdg_mrev;
