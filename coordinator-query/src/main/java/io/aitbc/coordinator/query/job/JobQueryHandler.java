package io.aitbc.coordinator.query.job;

import io.aitbc.coordinator.common.api.Money;
import io.aitbc.coordinator.job.api.FindJobQuery;
import io.aitbc.coordinator.job.api.FindJobResultQuery;
import io.aitbc.coordinator.job.api.JobResult;
import io.aitbc.coordinator.job.api.JobPage;
import io.aitbc.coordinator.job.api.JobRequirements;
import io.aitbc.coordinator.job.api.JobStatus;
import io.aitbc.coordinator.job.api.JobView;
import io.aitbc.coordinator.job.api.ListJobsQuery;
import io.aitbc.coordinator.query.infra.JsonText;
import io.aitbc.coordinator.query.jooq.tables.records.JobViewRecord;
import org.axonframework.queryhandling.QueryHandler;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.springframework.stereotype.Component;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import static io.aitbc.coordinator.query.infra.Times.instant;
import static io.aitbc.coordinator.query.infra.Times.utc;
import static io.aitbc.coordinator.query.jooq.Tables.JOB_VIEW;

/** Answers job queries from {@code job_view}. */
@Component
class JobQueryHandler {

    private final DSLContext dsl;

    JobQueryHandler(DSLContext dsl) {
        this.dsl = dsl;
    }

    @QueryHandler
    JobView handle(FindJobQuery query) {
        return dsl.selectFrom(JOB_VIEW)
                .where(JOB_VIEW.JOB_ID.eq(query.jobId()))
                .fetchOptional()
                .map(JobQueryHandler::toView)
                .orElse(null);
    }

    @QueryHandler
    JobResult handle(FindJobResultQuery query) {
        return dsl.select(JOB_VIEW.RESULT)
                .from(JOB_VIEW)
                .where(JOB_VIEW.JOB_ID.eq(query.jobId()))
                .and(JOB_VIEW.STATUS.eq(JobStatus.COMPLETED.wireName()))
                .fetchOptional(JOB_VIEW.RESULT)
                .map(result -> new JobResult(query.jobId(), JsonText.tree(result)))
                .orElse(null);
    }

    @QueryHandler
    JobPage handle(ListJobsQuery query) {
        Condition filter = DSL.noCondition();
        if (query.clientId() != null) {
            filter = filter.and(JOB_VIEW.CLIENT_ID.eq(query.clientId()));
        }
        if (query.status() != null) {
            filter = filter.and(JOB_VIEW.STATUS.eq(query.status().wireName()));
        }
        if (query.type() != null) {
            filter = filter.and(JOB_VIEW.TYPE.eq(query.type()));
        }
        long total = dsl.fetchCount(JOB_VIEW, filter);

        var select = dsl.selectFrom(JOB_VIEW).where(filter);
        List<JobViewRecord> rows;
        if (query.cursor() != null) {
            Cursor after = Cursor.decode(query.cursor());
            rows = select.and(DSL.row(JOB_VIEW.CREATED_AT, JOB_VIEW.JOB_ID)
                            .lt(DSL.row(DSL.val(utc(after.createdAt())), DSL.val(after.jobId()))))
                    .orderBy(JOB_VIEW.CREATED_AT.desc(), JOB_VIEW.JOB_ID.desc())
                    .limit(query.limit() + 1)
                    .fetch();
        } else {
            rows = select
                    .orderBy(JOB_VIEW.CREATED_AT.desc(), JOB_VIEW.JOB_ID.desc())
                    .limit(query.limit() + 1)
                    .offset(query.offset())
                    .fetch();
        }

        List<JobView> jobs = new ArrayList<>();
        for (int i = 0; i < Math.min(rows.size(), query.limit()); i++) {
            jobs.add(toView(rows.get(i)));
        }
        String nextCursor = null;
        if (rows.size() > query.limit()) {
            JobView last = jobs.get(jobs.size() - 1);
            nextCursor = new Cursor(last.createdAt(), last.jobId()).encode();
        }
        return new JobPage(jobs, total, query.limit(), query.offset(), nextCursor);
    }

    static JobView toView(JobViewRecord row) {
        Instant leaseExpiresAt = instant(row.getLeaseExpiresAt());
        Instant expiresAt = instant(row.getExpiresAt());
        Instant estimatedCompletion = leaseExpiresAt == null ? null
                : leaseExpiresAt.isBefore(expiresAt) ? leaseExpiresAt : expiresAt;
        JobView.JobError error = row.getErrorCode() == null ? null
                : new JobView.JobError(row.getErrorCode(), row.getErrorMessage());
        return new JobView(
                row.getJobId(),
                row.getType(),
                row.getName(),
                JobStatus.fromWire(row.getStatus()).orElseThrow(),
                row.getClientId(),
                row.getMinerId(),
                row.getOfferId(),
                JsonText.tree(row.getPayload()),
                JsonText.read(row.getRequirements(), JobRequirements.class),
                money(row.getMaxPrice()),
                money(row.getPrice()),
                money(row.getUnitPrice()),
                row.getUnitType(),
                row.getAttempt(),
                row.getMaxAttempts(),
                row.getProgress(),
                instant(row.getCreatedAt()),
                instant(row.getStartedAt()),
                instant(row.getCompletedAt()),
                instant(row.getCanceledAt()),
                expiresAt,
                leaseExpiresAt,
                instant(row.getReservedUntil()),
                estimatedCompletion,
                error,
                row.getReceiptId());
    }

    private static String money(BigDecimal amount) {
        return amount == null ? null : Money.format(amount);
    }

    /** Where a page ended: the creation time and id of its last job, opaque to clients. */
    record Cursor(Instant createdAt, String jobId) {

        String encode() {
            String text = createdAt.toEpochMilli() + ":" + jobId;
            return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String cursor) {
            try {
                String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
                int colon = text.indexOf(':');
                return new Cursor(Instant.ofEpochMilli(Long.parseLong(text.substring(0, colon))),
                        text.substring(colon + 1));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cursor is not one this service issued");
            }
        }
    }
}
