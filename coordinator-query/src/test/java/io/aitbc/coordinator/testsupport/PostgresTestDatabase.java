package io.aitbc.coordinator.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A fresh database on the real PostgreSQL server for each test application context, dropped when
 * the JVM exits. Separate databases let several test runs share one server without seeing each
 * other's events.
 *
 * <p>The server defaults to {@code 127.0.0.1:5432} as user {@code postgres} (trust authentication);
 * {@code COORDINATOR_TEST_PG_HOST}, {@code …_PORT} and {@code …_USER} move it.
 */
public final class PostgresTestDatabase {

    private static final String PREFIX = "coord_test_";
    private static final String HOST = env("COORDINATOR_TEST_PG_HOST", "127.0.0.1");
    private static final String PORT = env("COORDINATOR_TEST_PG_PORT", "5432");
    private static final String USER = env("COORDINATOR_TEST_PG_USER", "postgres");
    private static final List<String> CREATED = new ArrayList<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(PostgresTestDatabase::dropCreated, "drop-test-databases"));
    }

    private PostgresTestDatabase() {
    }

    public static String user() {
        return USER;
    }

    public static String url(String database) {
        return "jdbc:postgresql://" + HOST + ":" + PORT + "/" + database;
    }

    /** Creates an empty database and answers its JDBC URL. */
    public static synchronized String create() {
        String name = PREFIX + Instant.now().getEpochSecond() + "_"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
        try (Connection connection = admin(); Statement statement = connection.createStatement()) {
            dropAbandoned(statement);
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create a test database on " + url("postgres")
                    + "; is PostgreSQL running?", e);
        }
        CREATED.add(name);
        return url(name);
    }

    private static void dropCreated() {
        try (Connection connection = admin(); Statement statement = connection.createStatement()) {
            for (String name : CREATED) {
                statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            }
        } catch (SQLException e) {
            // the server may already be gone at shutdown; abandoned databases are dropped next run
        }
    }

    /** Test databases of runs that were killed before they could drop theirs. */
    private static void dropAbandoned(Statement statement) throws SQLException {
        long cutoff = Instant.now().minus(6, ChronoUnit.HOURS).getEpochSecond();
        List<String> abandoned = new ArrayList<>();
        try (ResultSet rows = statement.executeQuery(
                "SELECT datname FROM pg_database WHERE datname LIKE '" + PREFIX + "%'")) {
            while (rows.next()) {
                String name = rows.getString(1);
                String[] parts = name.substring(PREFIX.length()).split("_");
                if (parts.length == 2 && parts[0].matches("\\d+") && Long.parseLong(parts[0]) < cutoff) {
                    abandoned.add(name);
                }
            }
        }
        for (String name : abandoned) {
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    private static Connection admin() throws SQLException {
        return DriverManager.getConnection(url("postgres"), USER, "");
    }

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }
}
