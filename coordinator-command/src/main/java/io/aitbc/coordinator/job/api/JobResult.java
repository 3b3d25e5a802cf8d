package io.aitbc.coordinator.job.api;

import com.fasterxml.jackson.databind.JsonNode;

/** What a job produced, as its miner reported it. */
public record JobResult(String jobId, JsonNode result) {
}
