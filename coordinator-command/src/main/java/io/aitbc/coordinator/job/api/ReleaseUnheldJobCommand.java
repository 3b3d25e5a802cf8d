package io.aitbc.coordinator.job.api;

import org.axonframework.modelling.command.TargetAggregateIdentifier;

import java.time.Instant;

/**
 * The miner's heartbeat listed the jobs it holds, and this one was not among them: the answer to the
 * poll that handed it out never reached the miner. Unless the job was assigned at or after
 * {@code assignedBefore} (that answer may still be on its way), the miner's lease ends now, as if it
 * had lapsed. Answers true when the job was released.
 */
public record ReleaseUnheldJobCommand(@TargetAggregateIdentifier String jobId, String minerId,
                                      Instant assignedBefore) {
}
