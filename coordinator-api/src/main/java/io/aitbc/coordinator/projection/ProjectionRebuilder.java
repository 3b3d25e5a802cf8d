package io.aitbc.coordinator.projection;

import io.aitbc.coordinator.audit.EventLog;
import io.aitbc.coordinator.audit.StoredEvent;
import org.jooq.DSLContext;
import org.jooq.Record2;
import org.jooq.impl.DSL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Rebuilds a projection from the first event while the service keeps answering from its live tables.
 *
 * <ol>
 *   <li>Shadow tables are created like the live ones ({@code CREATE TABLE job_view_rebuild (LIKE
 *       job_view INCLUDING ALL)}).</li>
 *   <li>All events are read in position order, in batches, and applied through a fresh instance of
 *       the projection whose jOOQ writes are rendered into the shadow tables. Positions missing
 *       while reading (an event whose transaction had not committed yet) are remembered.</li>
 *   <li>The live tables are locked {@code IN EXCLUSIVE MODE}: reads go on, and every command
 *       transaction that already wrote them has committed, while new ones wait. The events committed
 *       since, and those at the remembered positions, are applied; the shadow tables take the live
 *       names and the old tables are dropped, all in this one transaction.</li>
 * </ol>
 *
 * <p>Events applied late (at a remembered position) are older than some already applied, but only
 * events of other aggregates can be: an aggregate's next event cannot commit before its previous one.
 * Projection rows are per aggregate, so the result is the same as in position order.
 *
 * <p>Only subscribing projections whose tables are listed in {@link #TABLES} can be rebuilt; the
 * receipts processor has its own rebuild in the receipts module.
 */
@Component
public class ProjectionRebuilder {

    private static final Logger logger = LoggerFactory.getLogger(ProjectionRebuilder.class);
    private static final int BATCH = 2000;
    private static final String SHADOW = "_rebuild";
    private static final String RETIRED = "_retired";
    private static final Pattern TOKEN_INDEX = Pattern.compile("\"index\"\\s*:\\s*(\\d+)");

    // the tables each subscribing projection writes; a projection added later joins here
    static final Map<String, List<String>> TABLES = Map.of(
            "job-views", List.of("job_view"),
            "job-dispatch", List.of("job_queue", "job_deadline"),
            "miner-views", List.of("miner_view"),
            "market-offers", List.of("offer_view", "market_deadline"),
            "market-stats", List.of("market_job", "miner_stats"));

    private final DSLContext dsl;
    private final EventLog log;
    private final ShadowProjections projections;
    private final TransactionTemplate transactions;
    private final Clock clock;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "projection-rebuild");
        thread.setDaemon(true);
        return thread;
    });
    private final ExecutorService reader = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "projection-rebuild-reader");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean busy = new AtomicBoolean();
    private final Map<String, ProjectionStatus.Rebuild> rebuilds = new ConcurrentHashMap<>();

    ProjectionRebuilder(DSLContext dsl, EventLog log, ShadowProjections projections,
                        PlatformTransactionManager transactionManager, Clock clock) {
        this.dsl = dsl;
        this.log = log;
        this.projections = projections;
        this.transactions = new TransactionTemplate(transactionManager);
        this.clock = clock;
    }

    /** Every projection this service keeps, in name order, with the receipts processor's token. */
    public List<ProjectionStatus> statuses() {
        long head = log.head();
        List<ProjectionStatus> statuses = new ArrayList<>();
        for (String name : TABLES.keySet().stream().sorted().toList()) {
            ProjectionStatus.Rebuild rebuild = rebuilds.get(name);
            String state = rebuild == null || rebuild.phase().equals("done") ? "live"
                    : rebuild.phase().equals("failed") ? "failed" : "rebuilding";
            statuses.add(new ProjectionStatus(name, "subscribing", state, head, 0, TABLES.get(name), rebuild));
        }
        trackingPosition("receipts").ifPresent(position -> statuses.add(new ProjectionStatus("receipts", "tracking",
                "live", position, Math.max(0, head - position), List.of("receipt", "receipt_log_node"), null)));
        return statuses;
    }

    public Optional<ProjectionStatus> status(String name) {
        return statuses().stream().filter(status -> status.name().equals(name)).findFirst();
    }

    public boolean isRebuildable(String name) {
        return TABLES.containsKey(name);
    }

    /**
     * Starts rebuilding one projection, or all of them one after another for {@code all}, in the
     * background; false when a rebuild is already running.
     */
    public boolean start(String name) {
        if (!busy.compareAndSet(false, true)) {
            return false;
        }
        List<String> names = name.equals("all") ? TABLES.keySet().stream().sorted().toList() : List.of(name);
        names.forEach(each -> rebuilds.put(each, progress(each, "queued", 0, 0, 0)));
        worker.submit(() -> {
            try {
                names.forEach(this::rebuildQuietly);
            } finally {
                busy.set(false);
            }
        });
        return true;
    }

    /** Rebuilds one projection now, on the calling thread (for tests and the command line). */
    public void rebuild(String name) {
        List<String> tables = TABLES.get(name);
        if (tables == null) {
            throw new IllegalArgumentException("Projection " + name + " cannot be rebuilt");
        }
        long head = log.head();
        logger.info("Rebuilding projection [{}] from the first event; [{}] events in the store", name, head);
        rebuilds.put(name, progress(name, "copying", 0, 0, head));
        Map<String, String> shadow = new LinkedHashMap<>();
        tables.forEach(table -> shadow.put(table, table + SHADOW));
        transactions.executeWithoutResult(status -> shadow.forEach((table, copy) -> {
            dsl.execute("DROP TABLE IF EXISTS " + DSL.name(copy));
            dsl.execute("CREATE TABLE " + DSL.name(copy) + " (LIKE " + DSL.name(table) + " INCLUDING ALL)");
        }));
        ShadowProjections.Handler handler = projections.create(name, shadow);

        TreeSet<Long> missing = new TreeSet<>();
        long position = 0;
        long applied = 0;
        List<StoredEvent> batch = log.after(0, null, BATCH, null, null);
        while (!batch.isEmpty()) {
            // read the next batch while this one is applied: the database and the projection take turns less
            long last = batch.get(batch.size() - 1).position();
            CompletableFuture<List<StoredEvent>> next = batch.size() < BATCH
                    ? CompletableFuture.completedFuture(List.of())
                    : CompletableFuture.supplyAsync(() -> log.after(last, null, BATCH, null, null), reader);
            List<StoredEvent> events = batch;
            transactions.executeWithoutResult(status -> handler.applyAll(events));
            for (StoredEvent event : batch) {
                for (long skipped = position + 1; skipped < event.position(); skipped++) {
                    missing.add(skipped);
                }
                position = event.position();
            }
            applied += batch.size();
            rebuilds.put(name, progress(name, "copying", applied, position, head));
            batch = next.join();
        }

        long copied = position;
        long total = applied;
        long finalApplied = transactions.execute(status -> {
            rebuilds.put(name, progress(name, "swapping", total, copied, head));
            dsl.execute("LOCK TABLE " + String.join(", ", tables.stream().map(t -> DSL.name(t).toString()).toList())
                    + " IN EXCLUSIVE MODE");
            List<StoredEvent> late = log.at(missing);
            handler.applyAll(late);
            long count = total + late.size();
            long after = copied;
            List<StoredEvent> rest;
            do {
                rest = log.after(after, null, BATCH, null, null);
                handler.applyAll(rest);
                count += rest.size();
                after = rest.isEmpty() ? after : rest.get(rest.size() - 1).position();
            } while (rest.size() == BATCH);
            for (Map.Entry<String, String> pair : shadow.entrySet()) {
                swap(pair.getKey(), pair.getValue());
            }
            return count;
        });
        rebuilds.put(name, new ProjectionStatus.Rebuild("done", finalApplied, log.head(), head,
                rebuilds.get(name).startedAt(), clock.instant(), null));
        logger.info("Rebuilt projection [{}] from [{}] events", name, finalApplied);
    }

    /**
     * SHA-256 (hex) of the projection's rows in a fixed order: equal hashes mean equal contents,
     * whatever the physical order or the index names.
     */
    public String contentHash(String name) {
        StringBuilder all = new StringBuilder();
        for (String table : TABLES.get(name)) {
            String hash = dsl.fetchValue(DSL.field("(SELECT encode(sha256(convert_to(coalesce(string_agg(t::text, "
                    + "E'\\n' ORDER BY t::text), ''), 'UTF8')), 'hex') FROM " + DSL.name(table) + " t)", String.class));
            all.append(table).append('=').append(hash).append('\n');
        }
        return Hashes.sha256Hex(all.toString().getBytes(StandardCharsets.UTF_8));
    }

    private void swap(String table, String shadow) {
        Map<String, String> originalNames = indexNamesByShape(table);
        Map<String, String> shadowNames = indexNamesByShape(shadow);
        dsl.execute("ALTER TABLE " + DSL.name(table) + " RENAME TO " + DSL.name(table + RETIRED));
        dsl.execute("ALTER TABLE " + DSL.name(shadow) + " RENAME TO " + DSL.name(table));
        dsl.execute("DROP TABLE " + DSL.name(table + RETIRED));
        // keep the original index and constraint names, so the next rebuild and every tool see the same schema
        shadowNames.forEach((shape, shadowIndex) -> {
            String original = originalNames.get(shape);
            if (original != null && !original.equals(shadowIndex)) {
                dsl.execute("ALTER INDEX " + DSL.name(shadowIndex) + " RENAME TO " + DSL.name(original));
            }
        });
    }

    /** Index name by its definition without index and table names. */
    private Map<String, String> indexNamesByShape(String table) {
        Map<String, String> names = new LinkedHashMap<>();
        for (Record2<String, String> index : dsl.select(DSL.field("indexname", String.class),
                        DSL.field("indexdef", String.class))
                .from(DSL.table("pg_indexes"))
                .where(DSL.field("tablename").eq(table))
                .and(DSL.field("schemaname").eq(DSL.field("current_schema()")))
                .fetch()) {
            String definition = index.value2();
            String shape = definition.replaceFirst("^CREATE (UNIQUE )?INDEX \\S+ ON \\S+ ", "$1");
            names.put(shape, index.value1());
        }
        return names;
    }

    private void rebuildQuietly(String name) {
        try {
            rebuild(name);
        } catch (RuntimeException e) {
            logger.warn("Rebuilding projection [{}] failed; the live tables are unchanged", name, e);
            ProjectionStatus.Rebuild last = rebuilds.get(name);
            rebuilds.put(name, new ProjectionStatus.Rebuild("failed", last.appliedEvents(), last.position(),
                    last.head(), last.startedAt(), clock.instant(), e.getMessage()));
        }
    }

    private ProjectionStatus.Rebuild progress(String name, String phase, long applied, long position, long head) {
        ProjectionStatus.Rebuild last = rebuilds.get(name);
        boolean fresh = last == null || phase.equals("queued") || last.finishedAt() != null;
        return new ProjectionStatus.Rebuild(phase, applied, position, head,
                fresh ? clock.instant() : last.startedAt(), null, null);
    }

    private Optional<Long> trackingPosition(String processor) {
        return dsl.select(DSL.field("token", byte[].class))
                .from(DSL.table("token_entry"))
                .where(DSL.field("processor_name").eq(processor))
                .fetch(record -> record.value1())
                .stream()
                .filter(token -> token != null)
                .map(token -> new String(token, StandardCharsets.UTF_8))
                .map(ProjectionRebuilder::indexOf)
                .max(Long::compare);
    }

    /** The {@code index} of a serialized global-sequence or gap-aware tracking token. */
    static long indexOf(String token) {
        var matcher = TOKEN_INDEX.matcher(token);
        return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
    }
}
