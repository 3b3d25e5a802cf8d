package io.aitbc.coordinator.miner.api;

import java.util.List;

/** The hardware and software a miner offers; {@code jobTypes} empty means every type. */
public record MinerCapabilities(List<Gpu> gpus, List<String> models, String cuda, List<String> jobTypes) {

    public MinerCapabilities {
        gpus = gpus == null ? List.of() : List.copyOf(gpus);
        models = models == null ? List.of() : List.copyOf(models);
        jobTypes = jobTypes == null ? List.of() : List.copyOf(jobTypes);
    }

    public record Gpu(String name, int memoryMb) {
    }
}
