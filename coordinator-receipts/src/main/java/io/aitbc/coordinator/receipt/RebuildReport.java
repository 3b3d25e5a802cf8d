package io.aitbc.coordinator.receipt;

/**
 * The log as stored compared with the log derived again from the events.
 *
 * @param storedSize      leaves in the stored log
 * @param derivedSize     leaves derived from the events (more when the processor lags behind)
 * @param storedRoot      base64 root of the stored log
 * @param derivedRoot     base64 root of the derived log over the same number of leaves
 * @param firstDifference the first index whose leaf differs, or -1
 */
public record RebuildReport(long storedSize, long derivedSize, String storedRoot, String derivedRoot,
        long firstDifference) {

    /** True when every stored leaf is the derived leaf at the same index. */
    public boolean identical() {
        return firstDifference < 0 && storedRoot.equals(derivedRoot);
    }
}
