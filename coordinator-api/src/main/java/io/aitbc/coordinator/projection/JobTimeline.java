package io.aitbc.coordinator.projection;

import io.aitbc.coordinator.audit.EventLog;
import io.aitbc.coordinator.audit.StoredEvent;
import io.aitbc.coordinator.job.api.JobView;
import io.aitbc.coordinator.query.jooq.tables.records.JobViewRecord;
import org.jooq.DSLContext;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.aitbc.coordinator.query.jooq.Tables.JOB_VIEW;

/**
 * A job as it stood at a moment: its events up to then, applied by the job view projection itself to a
 * temporary copy of {@code job_view} that lives for one transaction, and read back as the live view
 * is read. So {@code ?as_of} and {@code GET /v1/jobs/{id}} can never disagree on how an event maps.
 */
@Component
public class JobTimeline {

    private static final String PROCESSING_GROUP = "job-views";
    private static final String TEMPORARY = "job_view_as_of";

    private final DSLContext dsl;
    private final EventLog log;
    private final ShadowProjections projections;
    private final TransactionTemplate transactions;
    private final Method toView;

    JobTimeline(DSLContext dsl, EventLog log, ShadowProjections projections,
                PlatformTransactionManager transactionManager) throws ReflectiveOperationException {
        this.dsl = dsl;
        this.log = log;
        this.projections = projections;
        this.transactions = new TransactionTemplate(transactionManager);
        // the live view's own row mapping, package-private in the query module
        this.toView = Class.forName("io.aitbc.coordinator.query.job.JobQueryHandler")
                .getDeclaredMethod("toView", JobViewRecord.class);
        this.toView.setAccessible(true);
    }

    /** The job's events, in order. */
    public List<StoredEvent> history(String jobId) {
        return log.ofAggregate(jobId);
    }

    /** The job as its events up to {@code time} (included) made it; empty when it did not exist yet. */
    public Optional<JobView> asOf(String jobId, Instant time) {
        List<StoredEvent> events = log.ofAggregate(jobId).stream()
                .filter(event -> !event.timestamp().isAfter(time))
                .toList();
        if (events.isEmpty()) {
            return Optional.empty();
        }
        return transactions.execute(status -> {
            dsl.execute("CREATE TEMPORARY TABLE " + TEMPORARY + " (LIKE job_view INCLUDING DEFAULTS) ON COMMIT DROP");
            Map<String, String> temporary = Map.of(JOB_VIEW.getName(), TEMPORARY);
            projections.create(PROCESSING_GROUP, temporary).applyAll(events);
            return projections.mapped(temporary).selectFrom(JOB_VIEW)
                    .where(JOB_VIEW.JOB_ID.eq(jobId))
                    .fetchOptional()
                    .map(this::view);
        });
    }

    private JobView view(JobViewRecord row) {
        try {
            return (JobView) toView.invoke(null, row);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        }
    }
}
