// test/jdbc/RetailKpiJdbc.java: the JDBC client test of retail_kpi (run by test/t_jdbc.sh).
//
// Talks to the server the way BI tools (Tableau, Metabase, FineBI, DBeaver) do through PgJDBC:
// discovers the extension's functions and a published metric view with DatabaseMetaData, calls the
// aggregates and metric_values with PreparedStatement parameters (LocalDate, text[] arrays), reads
// summary columns as strings and passes them back as parameters (setString + ?::type, and
// setObject(..., Types.OTHER)), and checks every value against plain SQL over the same rows.
// Works on the data of test/jdbc/setup.sql.  Prints one line per check and "N passed, N failed";
// exits 1 when a check failed.
//
//   java -cp /usr/share/java/postgresql.jar:CLASSES RetailKpiJdbc JDBC_URL USER
import java.math.BigDecimal;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

public class RetailKpiJdbc {
    private static int passed = 0;
    private static int failed = 0;

    private static void check(String name, boolean ok, String detail) {
        if (ok) {
            passed++;
            System.out.println("ok      " + name);
        } else {
            failed++;
            System.out.println("FAILED  " + name + (detail == null ? "" : ": " + detail));
        }
    }

    private static void checkEq(String name, Object got, Object want) {
        boolean ok = got == null ? want == null : got.equals(want);
        check(name, ok, "got " + got + ", want " + want);
    }

    // BigDecimal.equals: same digits AND same scale (sum(numeric) digit for digit)
    private static void checkExact(String name, BigDecimal got, BigDecimal want) {
        check(name, got != null && want != null && got.equals(want), "got " + got + ", want " + want);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: RetailKpiJdbc JDBC_URL USER");
            System.exit(2);
        }
        Properties props = new Properties();
        props.setProperty("user", args[1]);
        props.setProperty("ApplicationName", "retail_kpi JDBC test");
        // run every statement enough times for PgJDBC to switch to server-side prepared statements
        props.setProperty("prepareThreshold", "2");
        // {call ...} on a PROCEDURE needs CALL (the default escape mode rewrites it to SELECT)
        props.setProperty("escapeSyntaxCallMode", "callIfNoReturn");
        try (Connection c = DriverManager.getConnection(args[0], props)) {
            System.out.println("connected: " + c.getMetaData().getDatabaseProductName() + " "
                    + c.getMetaData().getDatabaseProductVersion() + ", driver "
                    + c.getMetaData().getDriverName() + " " + c.getMetaData().getDriverVersion());
            metadata(c);
            for (int round = 1; round <= 3; round++) {   // rounds 2 and 3: server-side prepared
                String r = " [round " + round + "]";
                aggregates(c, r);
                summariesAsStrings(c, r);
                metricValues(c, r);
            }
            storedSummaries(c);
            publishedView(c);
        } catch (SQLException e) {
            failed++;
            System.out.println("FAILED  unexpected SQLException: " + e.getSQLState() + " " + e.getMessage());
            e.printStackTrace(System.out);
        }
        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }

    // DatabaseMetaData: what a BI tool's function browser and table list show
    private static void metadata(Connection c) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        // PgJDBC 42.x: getFunctions lists plain functions (prokind 'f'), not aggregates, and
        // getProcedures lists procedures (prokind 'p') only; REMARKS is the COMMENT ON text.
        Map<String, String> functions = new LinkedHashMap<>();
        try (ResultSet rs = md.getFunctions(null, "retail_kpi", "%")) {
            while (rs.next()) {
                functions.put(rs.getString("FUNCTION_NAME"), rs.getString("REMARKS"));
            }
        }
        for (String f : new String[] {"revenue", "margin_rate", "gross_profit", "ratio", "numerator", "metric_values",
                                      "metric_sql", "publish_metric_view", "define_metric", "margin_summary_in"}) {
            check("getFunctions(retail_kpi) lists " + f + " with a COMMENT as REMARKS",
                  functions.get(f) != null && !functions.get(f).isEmpty(),
                  functions.containsKey(f) ? "no REMARKS" : functions.size() + " functions listed, not " + f);
        }
        List<String> noRemarks = new ArrayList<>();
        for (Map.Entry<String, String> e : functions.entrySet()) {
            if (e.getValue() == null || e.getValue().isEmpty()) noRemarks.add(e.getKey());
        }
        check("every function getFunctions lists has REMARKS (" + functions.size() + ")", noRemarks.isEmpty(),
              "without: " + noRemarks);
        // aggregates: what a BI tool's own catalog query (DBeaver, Metabase) sees, with their comments
        Set<String> aggregates = new HashSet<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT p.proname, obj_description(p.oid, 'pg_proc') FROM pg_proc p"
                + " WHERE p.pronamespace = 'retail_kpi'::regnamespace AND p.prokind = 'a'")) {
            while (rs.next()) {
                if (rs.getString(2) != null) aggregates.add(rs.getString(1));
            }
        }
        for (String a : new String[] {"margin_agg", "gross_margin_rate", "ratio_agg", "rollup"}) {
            check("aggregate " + a + " found in pg_proc with a comment", aggregates.contains(a), "found " + aggregates);
        }
        check("getFunctions does not list aggregates (PgJDBC behaviour, documented)", !functions.containsKey("margin_agg"), null);
        int revenueColumns = 0;
        try (ResultSet rs = md.getFunctionColumns(null, "retail_kpi", "margin_rate", "%")) {
            while (rs.next()) {
                if (rs.getString("TYPE_NAME") != null && rs.getString("TYPE_NAME").contains("margin_summary")) {
                    revenueColumns++;
                }
            }
        }
        check("getFunctionColumns(margin_rate) shows the margin_summary argument", revenueColumns >= 1, null);
        Set<String> procedures = new HashSet<>();
        try (ResultSet rs = md.getProcedures(null, "jdbc_shop", "%")) {
            while (rs.next()) {
                procedures.add(rs.getString("PROCEDURE_NAME"));
            }
        }
        check("getProcedures(jdbc_shop) lists the ETL procedure refresh_daily_summary",
              procedures.contains("refresh_daily_summary"), "listed: " + procedures);

        int views = 0;
        String remarks = null;
        try (ResultSet rs = md.getTables(null, "jdbc_shop", "jdbc_monthly_sales", new String[] {"VIEW"})) {
            while (rs.next()) {
                views++;
                remarks = rs.getString("REMARKS");
            }
        }
        checkEq("getTables(VIEW) finds the published metric view", views, 1);
        check("the view's REMARKS name its metrics", remarks != null && remarks.startsWith("retail_kpi metric view")
              && remarks.contains("jdbc_net_sales"), "REMARKS = " + remarks);
        Map<String, String> cols = new LinkedHashMap<>();
        try (ResultSet rs = md.getColumns(null, "jdbc_shop", "jdbc_monthly_sales", "%")) {
            while (rs.next()) {
                cols.put(rs.getString("COLUMN_NAME"), rs.getString("TYPE_NAME"));
            }
        }
        checkEq("getColumns of the metric view", cols.toString(),
                "{metric=text, period_start=date, dimension_values=jsonb, value=float8, exact_value=numeric,"
                + " base_value=float8, change=float8, exact_base=numeric, absolute_change=numeric,"
                + " change_pp=float8}");
        Set<String> types = new HashSet<>();
        try (ResultSet rs = md.getUDTs(null, "retail_kpi", "%summary", null)) {
            while (rs.next()) {
                types.add(rs.getString("TYPE_NAME"));
            }
        }
        // PgJDBC reports only domains and composite types as UDTs; the base types show up in getTypeInfo
        Set<String> typeInfo = new HashSet<>();
        try (ResultSet rs = md.getTypeInfo()) {
            while (rs.next()) {
                typeInfo.add(rs.getString("TYPE_NAME"));
            }
        }
        check("getTypeInfo lists margin_summary and ratio_summary",
              typeInfo.contains("margin_summary") && typeInfo.contains("ratio_summary"), "UDTs: " + types);
    }

    private static Array stores(Connection c, String... names) throws SQLException {
        return c.createArrayOf("text", names);
    }

    // Aggregates with parameters (dates, text arrays), checked against plain SQL over the same rows.
    private static void aggregates(Connection c, String r) throws SQLException {
        LocalDate from = LocalDate.of(2024, 2, 1);
        LocalDate to = LocalDate.of(2024, 3, 31);
        String where = " FROM jdbc_shop.sales WHERE sale_date BETWEEN ? AND ? AND store = ANY (?)";
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT retail_kpi.revenue(retail_kpi.margin_agg(revenue, cost, units)),"
                + " retail_kpi.cost(retail_kpi.margin_agg(revenue, cost, units)),"
                + " retail_kpi.units(retail_kpi.margin_agg(revenue, cost, units)),"
                + " retail_kpi.gross_profit(retail_kpi.margin_agg(revenue, cost, units)),"
                + " retail_kpi.margin_rate(retail_kpi.margin_agg(revenue, cost, units)),"
                + " retail_kpi.gross_margin_rate(revenue, cost),"
                + " retail_kpi.ratio(retail_kpi.ratio_agg(units, revenue)),"
                + " retail_kpi.numerator(retail_kpi.ratio_agg(units, revenue)),"
                + " retail_kpi.denominator(retail_kpi.ratio_agg(units, revenue)),"
                + " sum(revenue) FILTER (WHERE revenue IS NOT NULL AND cost IS NOT NULL),"
                + " sum(cost) FILTER (WHERE revenue IS NOT NULL AND cost IS NOT NULL),"
                + " sum(units) FILTER (WHERE revenue IS NOT NULL AND cost IS NOT NULL),"
                + " sum(units) FILTER (WHERE revenue IS NOT NULL AND units IS NOT NULL),"
                + " sum(revenue) FILTER (WHERE revenue IS NOT NULL AND units IS NOT NULL),"
                + " count(*)" + where)) {
            ps.setObject(1, from);
            ps.setObject(2, to);
            ps.setArray(3, stores(c, "north", "east"));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                BigDecimal rev = rs.getBigDecimal(10), cost = rs.getBigDecimal(11);
                checkExact("margin_agg revenue = sum(revenue)" + r, rs.getBigDecimal(1), rev);
                checkExact("margin_agg cost = sum(cost)" + r, rs.getBigDecimal(2), cost);
                check("margin_agg units = sum(units)" + r, rs.getBigDecimal(3).compareTo(rs.getBigDecimal(12)) == 0,
                      rs.getBigDecimal(3) + " vs " + rs.getBigDecimal(12));
                checkExact("gross_profit = sum(revenue) - sum(cost)" + r, rs.getBigDecimal(4), rev.subtract(cost));
                double rate = rs.getDouble(5);
                checkEq("gross_margin_rate(revenue, cost) = margin_rate(margin_agg(...))" + r, rs.getDouble(6), rate);
                double want = rev.subtract(cost).divide(rev, java.math.MathContext.DECIMAL128).doubleValue();
                check("margin_rate = (revenue - cost) / revenue" + r, Math.abs(rate - want) <= Math.ulp(want),
                      rate + " vs " + want);
                BigDecimal num = rs.getBigDecimal(8), den = rs.getBigDecimal(9);
                check("ratio_agg numerator = sum(units)" + r, num.compareTo(rs.getBigDecimal(13)) == 0,
                      num + " vs " + rs.getBigDecimal(13));
                checkExact("ratio_agg denominator = sum(revenue)" + r, den, rs.getBigDecimal(14));
                double ratio = num.divide(den, java.math.MathContext.DECIMAL128).doubleValue();
                check("ratio = numerator / denominator" + r, Math.abs(rs.getDouble(7) - ratio) <= Math.ulp(ratio),
                      rs.getDouble(7) + " vs " + ratio);
                check("the filter selected rows" + r, rs.getLong(15) > 500, "count " + rs.getLong(15));
            }
            // an empty selection: every aggregate is NULL
            ps.setObject(1, LocalDate.of(2030, 1, 1));
            ps.setObject(2, LocalDate.of(2030, 1, 31));
            ps.setArray(3, stores(c, "north"));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                rs.getBigDecimal(1);
                boolean n1 = rs.wasNull();
                rs.getDouble(6);
                boolean n2 = rs.wasNull();
                rs.getDouble(7);
                boolean n3 = rs.wasNull();
                check("empty input gives NULL (margin_agg, gross_margin_rate, ratio_agg)" + r, n1 && n2 && n3, null);
            }
        }
        // a NULL text[] parameter and a Java-side NULL date are accepted as SQL NULL
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT retail_kpi.gross_margin_rate(revenue, cost) FROM jdbc_shop.sales"
                + " WHERE (? IS NULL OR sale_date >= ?) AND (?::text[] IS NULL OR store = ANY (?))")) {
            ps.setNull(1, Types.DATE);
            ps.setNull(2, Types.DATE);
            ps.setNull(3, Types.ARRAY);
            ps.setNull(4, Types.ARRAY);
            try (ResultSet rs = ps.executeQuery(); Statement st = c.createStatement();
                 ResultSet w = st.executeQuery("SELECT retail_kpi.gross_margin_rate(revenue, cost) FROM jdbc_shop.sales")) {
                rs.next();
                w.next();
                checkEq("NULL parameters: gross_margin_rate over all rows" + r, rs.getDouble(1), w.getDouble(1));
            }
        }
    }

    // Summaries read with getString and passed back as parameters.
    private static void summariesAsStrings(Connection c, String r) throws SQLException {
        List<String> perStore = new ArrayList<>();
        List<BigDecimal> revenues = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT store, retail_kpi.margin_agg(revenue, cost, units), sum(revenue) FILTER (WHERE cost IS NOT NULL)"
                + " FROM jdbc_shop.sales WHERE sale_date >= ? AND sale_date < ? GROUP BY store ORDER BY store")) {
            ps.setObject(1, LocalDate.of(2024, 1, 1));
            ps.setObject(2, LocalDate.of(2024, 7, 1));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    perStore.add(rs.getString(2));
                    revenues.add(rs.getBigDecimal(3));
                }
            }
        }
        checkEq("three per-store summaries" + r, perStore.size(), 3);
        check("summary text starts with its format version" + r, perStore.get(0).startsWith("(v1,"), perStore.get(0));
        // setString + ?::retail_kpi.margin_summary
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT retail_kpi.revenue(?::retail_kpi.margin_summary), (?::retail_kpi.margin_summary)::text")) {
            for (int i = 0; i < perStore.size(); i++) {
                ps.setString(1, perStore.get(i));
                ps.setString(2, perStore.get(i));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    checkExact("setString summary " + i + ": revenue exact" + r, rs.getBigDecimal(1), revenues.get(i));
                    checkEq("setString summary " + i + ": text round trip" + r, rs.getString(2), perStore.get(i));
                }
            }
        }
        // setObject(..., Types.OTHER): the server infers the type from the function's argument
        try (PreparedStatement ps = c.prepareStatement("SELECT retail_kpi.margin_rate(?), retail_kpi.gross_profit(?)")) {
            ps.setObject(1, perStore.get(0), Types.OTHER);
            ps.setObject(2, perStore.get(0), Types.OTHER);
            try (ResultSet rs = ps.executeQuery(); PreparedStatement w = c.prepareStatement(
                    "SELECT retail_kpi.margin_rate(s), retail_kpi.gross_profit(s) FROM (SELECT retail_kpi.margin_agg(revenue, cost, units) s"
                    + " FROM jdbc_shop.sales WHERE store = ? AND sale_date >= ? AND sale_date < ?) q")) {
                w.setString(1, "east");
                w.setObject(2, LocalDate.of(2024, 1, 1));
                w.setObject(3, LocalDate.of(2024, 7, 1));
                try (ResultSet ws = w.executeQuery()) {
                    rs.next();
                    ws.next();
                    checkEq("setObject(OTHER) summary: margin_rate" + r, rs.getDouble(1), ws.getDouble(1));
                    checkExact("setObject(OTHER) summary: gross_profit" + r, rs.getBigDecimal(2), ws.getBigDecimal(2));
                }
            }
        }
        // the three strings as a text[] parameter, rolled up on the server
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT retail_kpi.rollup(x::retail_kpi.margin_summary)::text FROM unnest(?::text[]) x");
             Statement st = c.createStatement()) {
            ps.setArray(1, c.createArrayOf("text", perStore.toArray()));
            try (ResultSet rs = ps.executeQuery(); ResultSet w = st.executeQuery(
                    "SELECT retail_kpi.margin_agg(revenue, cost, units)::text FROM jdbc_shop.sales"
                    + " WHERE sale_date >= '2024-01-01' AND sale_date < '2024-07-01'")) {
                rs.next();
                w.next();
                checkEq("rollup of the per-store strings = margin_agg over all rows" + r, rs.getString(1), w.getString(1));
            }
        }
        // a malformed summary string is rejected with 22P02, and the connection stays usable
        try (PreparedStatement ps = c.prepareStatement("SELECT retail_kpi.revenue(?::retail_kpi.margin_summary)")) {
            ps.setString(1, "(v1,rows=1,revenue=abc)");
            String state = null;
            try {
                ps.executeQuery().close();
            } catch (SQLException e) {
                state = e.getSQLState();
            }
            checkEq("malformed summary text -> SQLSTATE 22P02" + r, state, "22P02");
        }
    }

    // metric_values with array, date parameters; exact values against GROUP BY over the table.
    private static void metricValues(Connection c, String r) throws SQLException {
        Map<String, BigDecimal> want = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT date_trunc('month', sale_date)::date, store, sum(revenue) FROM jdbc_shop.sales"
                + " WHERE sale_date BETWEEN ? AND ? AND store = ANY (?) GROUP BY 1, 2 ORDER BY 1, 2")) {
            ps.setObject(1, LocalDate.of(2024, 2, 1));
            ps.setObject(2, LocalDate.of(2024, 4, 30));
            ps.setArray(3, stores(c, "north", "south"));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    want.put(rs.getObject(1, LocalDate.class) + "/" + rs.getString(2), rs.getBigDecimal(3));
                }
            }
        }
        Map<String, BigDecimal> got = new LinkedHashMap<>();
        Map<String, Double> gotValue = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT period_start, dimension_values->>'store', exact_value, value"
                + " FROM retail_kpi.metric_values(?, ?, ?::jsonb, ?, ?, ?) ORDER BY 1, 2")) {
            ps.setArray(1, c.createArrayOf("text", new String[] {"jdbc_net_sales"}));
            ps.setArray(2, c.createArrayOf("text", new String[] {"store"}));
            ps.setString(3, "{\"store\": [\"north\", \"south\"]}");
            ps.setObject(4, LocalDate.of(2024, 2, 1));
            ps.setObject(5, LocalDate.of(2024, 4, 30));
            ps.setString(6, "month");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String k = rs.getObject(1, LocalDate.class) + "/" + rs.getString(2);
                    got.put(k, rs.getBigDecimal(3));
                    gotValue.put(k, rs.getDouble(4));
                }
            }
        }
        checkEq("metric_values: same periods and stores as GROUP BY" + r, got.keySet().toString(), want.keySet().toString());
        boolean allExact = !want.isEmpty(), allFloat = !want.isEmpty();
        for (Map.Entry<String, BigDecimal> e : want.entrySet()) {
            allExact &= e.getValue().equals(got.get(e.getKey()));
            allFloat &= gotValue.get(e.getKey()) != null && gotValue.get(e.getKey()) == e.getValue().doubleValue();
        }
        check("metric_values exact_value = sum(revenue) digit for digit (6 cells)" + r, allExact && want.size() == 6,
              "got " + got + ", want " + want);
        check("metric_values value = float8 of the sum" + r, allFloat, "got " + gotValue);
        // a derived metric through metric_values equals the aggregate over the same rows
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT value FROM retail_kpi.metric_values(?, from_date => ?, to_date => ?, grain => 'total')");
             PreparedStatement w = c.prepareStatement(
                "SELECT retail_kpi.gross_margin_rate(revenue, cost) FROM jdbc_shop.sales WHERE sale_date BETWEEN ? AND ?")) {
            ps.setArray(1, c.createArrayOf("text", new String[] {"jdbc_gross_margin_rate"}));
            ps.setObject(2, LocalDate.of(2024, 3, 1));
            ps.setObject(3, LocalDate.of(2024, 3, 31));
            w.setObject(1, LocalDate.of(2024, 3, 1));
            w.setObject(2, LocalDate.of(2024, 3, 31));
            try (ResultSet rs = ps.executeQuery(); ResultSet ws = w.executeQuery()) {
                boolean one = rs.next() && ws.next();
                check("metric_values(derived margin rate, grain total) = gross_margin_rate" + r,
                      one && rs.getDouble(1) == ws.getDouble(1), one ? rs.getDouble(1) + " vs " + ws.getDouble(1) : "no row");
            }
        }
    }

    // ETL-style: write summaries into a table through parameters, roll them up, compare.
    private static void storedSummaries(Connection c) throws SQLException {
        List<Object[]> rows = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT sale_date, store, retail_kpi.margin_agg(revenue, cost, units) FROM jdbc_shop.sales"
                + " GROUP BY 1, 2 ORDER BY 1, 2")) {
            while (rs.next()) {
                rows.add(new Object[] {rs.getObject(1, LocalDate.class), rs.getString(2), rs.getString(3)});
            }
        }
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try (PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_shop.daily_summary (day, store, s) VALUES (?, ?, ?)")) {
            for (Object[] row : rows) {
                ins.setObject(1, row[0]);
                ins.setString(2, (String) row[1]);
                ins.setObject(3, row[2], Types.OTHER);
                ins.addBatch();
            }
            int[] counts = ins.executeBatch();
            c.commit();
            checkEq("batch insert of daily summaries (setObject OTHER)", counts.length, rows.size());
        } finally {
            c.setAutoCommit(auto);
        }
        // the same table refilled by the ETL procedure through a CallableStatement (JDBC escape syntax)
        try (java.sql.CallableStatement cs = c.prepareCall("{call jdbc_shop.refresh_daily_summary(?, ?)}")) {
            cs.setObject(1, LocalDate.of(2024, 1, 1));
            cs.setObject(2, LocalDate.of(2024, 6, 30));
            cs.execute();
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM jdbc_shop.daily_summary")) {
            rs.next();
            checkEq("CALL refresh_daily_summary: one row per day and store", rs.getLong(1), (long) rows.size());
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT store, retail_kpi.rollup(s)::text FROM jdbc_shop.daily_summary"
                + " WHERE day BETWEEN ? AND ? AND store = ANY (?) GROUP BY store ORDER BY store");
             PreparedStatement w = c.prepareStatement(
                "SELECT store, retail_kpi.margin_agg(revenue, cost, units)::text FROM jdbc_shop.sales"
                + " WHERE sale_date BETWEEN ? AND ? AND store = ANY (?) GROUP BY store ORDER BY store")) {
            for (PreparedStatement p : new PreparedStatement[] {ps, w}) {
                p.setObject(1, LocalDate.of(2024, 1, 15));
                p.setObject(2, LocalDate.of(2024, 5, 14));
                p.setArray(3, stores(c, "south", "east"));
            }
            List<String> a = new ArrayList<>(), b = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) a.add(rs.getString(1) + " " + rs.getString(2));
            }
            try (ResultSet rs = w.executeQuery()) {
                while (rs.next()) b.add(rs.getString(1) + " " + rs.getString(2));
            }
            check("rollup of stored daily summaries = margin_agg over the raw rows (2 stores)",
                  a.equals(b) && a.size() == 2, "got " + a + ", want " + b);
        }
    }

    // The published view: what a BI tool shows after picking it in its table list.
    private static void publishedView(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*), count(*) FILTER (WHERE metric = 'jdbc_net_sales'),"
                + " count(*) FILTER (WHERE v.exact_value = w.s) FROM jdbc_shop.jdbc_monthly_sales v"
                + " LEFT JOIN (SELECT date_trunc('month', sale_date)::date AS m, store, sum(revenue) AS s"
                + "            FROM jdbc_shop.sales GROUP BY 1, 2) w"
                + " ON v.metric = 'jdbc_net_sales' AND w.m = v.period_start AND w.store = v.dimension_values->>'store'")) {
            rs.next();
            checkEq("metric view: 2 metrics x 6 months x 3 stores", rs.getLong(1), 36L);
            checkEq("metric view: every net-sales cell equals the GROUP BY sum", rs.getLong(3), rs.getLong(2));
        }
    }
}
