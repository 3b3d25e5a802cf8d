package io.aitbc.coordinator.query.dispatch;

import io.aitbc.coordinator.job.api.JobRequirements;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

import java.util.LinkedHashMap;
import java.util.Map;

import static io.aitbc.coordinator.query.jooq.Tables.JOB_QUEUE;

/**
 * The one rule for whether a capacity meets a job's requirements (docs/marketplace.md): {@code region}
 * equal, {@code min_vram_gb} at most the memory of the largest GPU, every one of {@code models} among
 * the capacity's models, {@code gpu} a case-insensitive part of one of its GPU names. A requirement
 * left out is met by anything.
 *
 * <p>The rule is written once, as SQL conditions, because matching must apply it inside the locking
 * query that picks a miner's next job; where one pair is checked (an acceptance, an offer's stated
 * requirements against its miner's registration) the same conditions are evaluated over bound values.
 * Every condition is true or false, never {@code NULL}, so it can be negated safely.
 */
final class RequirementsRule {

    /** A job's requirements as SQL expressions: the columns of {@code job_queue}, or bound values. */
    record Required(Field<String> gpu, Field<Integer> minVramMb, Field<String[]> models, Field<String> region) {

        static final Required QUEUED_JOB = new Required(JOB_QUEUE.REQ_GPU, JOB_QUEUE.REQ_MIN_VRAM_MB,
                JOB_QUEUE.REQ_MODELS, JOB_QUEUE.REQ_REGION);

        /** The requirements as bound values, in the form {@code job_queue} keeps them. */
        static Required of(JobRequirements requirements) {
            JobRequirements required = requirements == null ? JobRequirements.NONE : requirements;
            return new Required(
                    DSL.val(required.gpu(), JOB_QUEUE.REQ_GPU.getDataType()),
                    DSL.val(required.minVramGb() == null ? null : required.minVramGb() * 1024,
                            JOB_QUEUE.REQ_MIN_VRAM_MB.getDataType()),
                    DSL.val(required.models().isEmpty() ? null : required.models().toArray(String[]::new),
                            JOB_QUEUE.REQ_MODELS.getDataType()),
                    DSL.val(required.region(), JOB_QUEUE.REQ_REGION.getDataType()));
        }
    }

    private RequirementsRule() {
    }

    /** One condition per requirement, keyed by the requirement's field name on the wire. */
    static Map<String, Condition> byField(Capacity capacity, Required required) {
        Map<String, Condition> checks = new LinkedHashMap<>();
        checks.put("gpu", required.gpu().isNull().or(DSL.condition(
                "exists (select 1 from unnest(cast({0} as text[])) as gpu(name)"
                        + " where strpos(lower(gpu.name), lower({1})) > 0)",
                DSL.val(capacity.gpuNames().toArray(String[]::new), SQLDataType.VARCHAR.array()),
                required.gpu())));
        checks.put("min_vram_gb", required.minVramMb().isNull()
                .or(required.minVramMb().le(DSL.val(capacity.maxVramMb()))));
        checks.put("models", required.models().isNull().or(DSL.condition("cast({0} as text[]) <@ cast({1} as text[])",
                required.models(), DSL.val(capacity.models().toArray(String[]::new), SQLDataType.VARCHAR.array()))));
        checks.put("region", required.region().isNull()
                .or(required.region().isNotDistinctFrom(DSL.val(capacity.region(), SQLDataType.VARCHAR))));
        return checks;
    }

    /** Whether the capacity meets every requirement. */
    static Condition meets(Capacity capacity, Required required) {
        return DSL.and(byField(capacity, required).values());
    }
}
