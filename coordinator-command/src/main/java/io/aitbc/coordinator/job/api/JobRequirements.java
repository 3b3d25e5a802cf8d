package io.aitbc.coordinator.job.api;

import java.util.List;

/**
 * What a miner must offer to run a job. Every field is optional: {@code gpu} is matched
 * case-insensitively against the names of the miner's GPUs, {@code minVramGb} against its largest
 * GPU, {@code models} must all be among the miner's models, {@code region} must equal its region.
 */
public record JobRequirements(String gpu, Integer minVramGb, List<String> models, String region) {

    public static final JobRequirements NONE = new JobRequirements(null, null, List.of(), null);

    public JobRequirements {
        models = models == null ? List.of() : List.copyOf(models);
    }
}
