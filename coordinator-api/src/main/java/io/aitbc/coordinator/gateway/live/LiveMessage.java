package io.aitbc.coordinator.gateway.live;

/**
 * One message of the live channels, rendered once per node and shared by every session.
 *
 * @param channel  {@code jobs}, {@code marketplace} or {@code receipts}
 * @param jobId    the job it concerns, {@code null} for marketplace updates
 * @param clientId the job's client, who may read it
 * @param minerId  the job's miner, who may read it
 * @param json     the message as sent: {@code {"type": …, "position": …, "data": {…}}}
 */
public record LiveMessage(long position, String channel, String jobId, String clientId, String minerId,
                          String json) {

    public static final String JOBS = "jobs";
    public static final String MARKETPLACE = "marketplace";
    public static final String RECEIPTS = "receipts";
}
