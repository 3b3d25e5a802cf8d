package io.aitbc.coordinator.replay;

/**
 * A job as the coordinator answered it once the replay was over.
 *
 * @param status the wire status, or {@link #NOT_FOUND} when the coordinator does not know the job
 */
record FinalState(String jobId, String status, String minerId, String receiptId) {

    static final String NOT_FOUND = "not_found";

    static FinalState notFound(String jobId) {
        return new FinalState(jobId, NOT_FOUND, null, null);
    }

    boolean isFinal() {
        return switch (status) {
            case "completed", "failed", "canceled", "expired" -> true;
            default -> false;
        };
    }
}
