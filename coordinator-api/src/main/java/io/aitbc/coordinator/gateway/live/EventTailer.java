package io.aitbc.coordinator.gateway.live;

import io.aitbc.coordinator.audit.EventLog;
import io.aitbc.coordinator.audit.StoredEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import reactor.core.Disposable;
import reactor.core.Exceptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.publisher.Sinks.EmitResult;
import reactor.core.scheduler.Schedulers;
import reactor.util.concurrent.Queues;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Follows the event store's head on this node, one query loop for every live reader: WebSocket
 * sessions, RSocket streams and followed audit logs all fan out from here, so every node sees every
 * event whichever node wrote it.
 *
 * <p>Events are published strictly in position order, and none is skipped. Positions come from an
 * identity column, so a transaction may commit an event at position 5 after another committed 6.
 * The tailer therefore holds back everything behind a missing position (a gap) and notes the
 * snapshot's {@code xmax} when it first saw the gap: the transaction that took the position had
 * started by then. Once PostgreSQL's oldest running transaction is at or past that {@code xmax},
 * the gap's transaction has ended: the position is read again and either published (it committed)
 * or passed over for good (it rolled back). That takes as long as the slowest transaction in flight,
 * usually milliseconds.
 *
 * <p>Events committed on this node wake the loop at once ({@link #wake}), so a live reader hears of them
 * within milliseconds; events written by other nodes are found by polling every
 * {@code coordinator.live.poll-interval}.
 *
 * <p><strong>Limitation:</strong> a gap that stays open longer than {@code coordinator.live.gap-wait}
 * (a transaction running that long anywhere on the server) is passed over with a warning, so that
 * live readers are not held back for good; an event that commits after that is in the audit log but
 * was never pushed live.
 */
@Component
public class EventTailer implements SmartLifecycle {

    private static final Logger logger = LoggerFactory.getLogger(EventTailer.class);
    private static final int PREFETCH = 64;

    private final EventLog log;
    private final LiveProperties properties;
    private final Sinks.Many<StoredEvent> sink = Sinks.many().multicast().directBestEffort();
    private final TreeMap<Long, StoredEvent> held = new TreeMap<>();
    private final TreeMap<Long, Gap> gaps = new TreeMap<>();
    private volatile long head = -1;
    private volatile boolean running;
    private volatile boolean woken;
    private long readUpTo;
    private Thread thread;

    EventTailer(EventLog log, LiveProperties properties) {
        this.log = log;
        this.properties = properties;
    }

    private record Gap(long xmax, long seenAtNanos) {
    }

    /**
     * Every event after {@code after} in position order, mapped and filtered: first those already in
     * the store, read in pages as the subscriber asks for them, then the live ones, without gap or
     * repeat. Live events wait in a queue of {@code coordinator.live.session-buffer} entries while the
     * subscriber catches up or reads slowly; when it is full the stream ends with an overflow error
     * ({@link Exceptions#isOverflow}) and the queue is dropped, so a slow reader costs a bounded amount
     * of memory.
     *
     * @param mapping  turns an event into what the subscriber receives, {@code null} for nothing
     * @param relevant keeps only what the subscriber may and wants to see, before it takes queue space
     */
    public <T> Flux<T> follow(long after, Function<StoredEvent, T> mapping, Predicate<T> relevant) {
        return Flux.defer(() -> {
            Sinks.Many<Positioned<T>> queue = Sinks.many().unicast()
                    .onBackpressureBuffer(Queues.<Positioned<T>>get(properties.sessionBuffer()).get());
            // told apart from the queue: a queue that nobody drains would hold back its own error
            Sinks.One<Boolean> overflowed = Sinks.one();
            AtomicBoolean full = new AtomicBoolean();
            // listen before reading the head: an event published in between is then either in the
            // store read below or in the queue, and the position filter keeps it from being both
            Disposable listening = sink.asFlux().subscribe(event -> {
                T mapped = mapping.apply(event);
                if (mapped != null && relevant.test(mapped)
                        && queue.tryEmitNext(new Positioned<>(event.position(), mapped)) == EmitResult.FAIL_OVERFLOW) {
                    full.set(true);
                    overflowed.tryEmitValue(Boolean.TRUE);
                }
            });
            long upTo = awaitHead();
            long from = Math.max(after, 0);
            Flux<T> stored = history(from, upTo)
                    .mapNotNull(mapping)
                    .filter(relevant);
            Flux<T> fresh = queue.asFlux()
                    .filter(item -> item.position() > Math.max(upTo, from))
                    .map(Positioned::value)
                    .publishOn(Schedulers.parallel(), PREFETCH);
            return Flux.concat(stored, fresh)
                    .takeUntilOther(overflowed.asMono())
                    .concatWith(Flux.defer(() -> full.get()
                            ? Flux.error(Exceptions.failWithOverflow("more than " + properties.sessionBuffer()
                                    + " updates waiting"))
                            : Flux.empty()))
                    .doFinally(signal -> listening.dispose());
        });
    }

    private record Positioned<T>(long position, T value) {
    }

    /** Events after {@code after} up to {@code upTo} (both positions), read page by page on demand. */
    public Flux<StoredEvent> history(long after, long upTo) {
        int page = properties.batchSize();
        return Mono.fromCallable(() -> log.after(after, upTo, page, null, null))
                .subscribeOn(Schedulers.boundedElastic())
                .expand(events -> events.size() < page ? Mono.empty()
                        : Mono.fromCallable(() -> log.after(events.get(events.size() - 1).position(), upTo, page,
                                        null, null))
                                .subscribeOn(Schedulers.boundedElastic()))
                .flatMapIterable(events -> events, 1);
    }

    /** The highest position published so far; every lower position is published or known empty. */
    public long head() {
        return awaitHead();
    }

    private long awaitHead() {
        while (head < 0) {
            LockSupport.parkNanos(1_000_000);
        }
        return head;
    }

    @Override
    public void start() {
        running = true;
        // known before the node reports itself started: a reader connecting at once would otherwise wait for
        // it on a network thread (the loop keeps trying if the database cannot answer yet)
        readHead();
        thread = new Thread(this::loop, "event-tailer");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
        sink.tryEmitComplete();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void loop() {
        while (running && head < 0 && !readHead()) {
            sleep(1000);
        }
        while (running) {
            try {
                int read = poll();
                if (read < properties.batchSize()) {
                    awaitWakeOrPollInterval();
                }
            } catch (RuntimeException e) {
                if (running) {
                    logger.warn("Reading new events failed; retrying", e);
                    sleep(1000);
                }
            }
        }
    }

    /** Answers whether the store's head could be read; this node follows the store from there. */
    private boolean readHead() {
        try {
            readUpTo = log.head();
            head = readUpTo;
            logger.info("Following the event store from position [{}]", head);
            return true;
        } catch (RuntimeException e) {
            logger.warn("Cannot read the event store's head yet; retrying", e);
            return false;
        }
    }

    /** Events were committed on this node: read them now rather than at the next poll. */
    public void wake() {
        woken = true;
        Thread loop = thread;
        if (loop != null) {
            LockSupport.unpark(loop);
        }
    }

    private void awaitWakeOrPollInterval() {
        long deadline = System.nanoTime() + properties.pollInterval().toNanos();
        long left;
        while (!woken && running && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left);
        }
        // cleared before the read, so a commit during the read brings another one
        woken = false;
    }

    private int poll() {
        List<StoredEvent> events = log.after(readUpTo, null, properties.batchSize(), null, null);
        if (!events.isEmpty()) {
            // read after the events: every transaction that took a skipped position had started by now
            long xmax = log.snapshotXmax();
            long now = System.nanoTime();
            for (StoredEvent event : events) {
                for (long missing = readUpTo + 1; missing < event.position(); missing++) {
                    gaps.put(missing, new Gap(xmax, now));
                }
                held.put(event.position(), event);
                readUpTo = event.position();
            }
        }
        if (!gaps.isEmpty()) {
            resolveGaps();
        }
        publishReady();
        return events.size();
    }

    private void resolveGaps() {
        long xmin = log.snapshotXmin();
        long now = System.nanoTime();
        List<Long> ended = new ArrayList<>();
        for (Iterator<Map.Entry<Long, Gap>> it = gaps.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Gap> gap = it.next();
            if (xmin >= gap.getValue().xmax()) {
                ended.add(gap.getKey());
                it.remove();
            } else if (now - gap.getValue().seenAtNanos() > properties.gapWait().toNanos()) {
                logger.warn("Position [{}] stayed uncommitted longer than [{}]; live readers pass over it",
                        gap.getKey(), properties.gapWait());
                ended.add(gap.getKey());
                it.remove();
            }
        }
        for (StoredEvent late : log.at(ended)) {
            held.put(late.position(), late);
        }
    }

    private void publishReady() {
        long limit = gaps.isEmpty() ? Long.MAX_VALUE : gaps.firstKey();
        while (!held.isEmpty() && held.firstKey() < limit) {
            StoredEvent event = held.pollFirstEntry().getValue();
            head = event.position();
            // no listener means nobody to tell; every listener asks for everything, so none is skipped
            sink.tryEmitNext(event);
        }
        head = Math.max(head, gaps.isEmpty() ? readUpTo : gaps.firstKey() - 1);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
