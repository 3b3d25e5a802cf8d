package io.aitbc.coordinator.query.dispatch;

import io.aitbc.coordinator.job.api.JobRequirements;

import java.util.List;

/**
 * What a miner provides, as job requirements are compared with it: the names of its GPUs, the
 * memory of its largest GPU, its models and its region.
 *
 * <p>An offer sells the capacity its stated requirements describe: each field it states replaces
 * the registration's, and a field it leaves out is the registration's, so an offer that states
 * nothing sells whatever the registration can serve.
 */
public record Capacity(List<String> gpuNames, int maxVramMb, List<String> models, String region) {

    public Capacity {
        gpuNames = List.copyOf(gpuNames);
        models = List.copyOf(models);
    }

    /** What a miner's registration provides. */
    public static Capacity of(MinerProfile miner) {
        return new Capacity(miner.gpuNames(), miner.maxVramMb(), miner.models(), miner.region());
    }

    /** What an offer of this miner sells, given the requirements it states (or {@code null} for none). */
    public Capacity soldThrough(JobRequirements stated) {
        if (stated == null) {
            return this;
        }
        return new Capacity(
                stated.gpu() == null ? gpuNames : List.of(stated.gpu()),
                stated.minVramGb() == null ? maxVramMb : stated.minVramGb() * 1024,
                stated.models().isEmpty() ? models : stated.models(),
                stated.region() == null ? region : stated.region());
    }
}
