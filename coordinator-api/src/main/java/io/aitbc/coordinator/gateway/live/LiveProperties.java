package io.aitbc.coordinator.gateway.live;

import org.springframework.boot.context.properties.ConfigurationProperties;

import java.time.Duration;

/**
 * Settings of live updates, from {@code coordinator.live.*}.
 *
 * @param pollInterval  how often the node's tailer looks for new events when it is at the head
 * @param batchSize     the most events the tailer reads in one query
 * @param gapWait       the longest the tailer holds back events behind a position whose transaction
 *                      it cannot prove finished; past it the position is taken as rolled back
 * @param sessionBuffer the most messages one WebSocket or stream subscriber may fall behind before it
 *                      is disconnected as a slow consumer
 * @param maxFrameBytes the largest WebSocket frame accepted from a client
 * @param pingInterval  how often the server pings an idle WebSocket
 * @param closeGrace    how long a slow consumer's close handshake may take before the connection is cut
 */
@ConfigurationProperties("coordinator.live")
record LiveProperties(Duration pollInterval, int batchSize, Duration gapWait, int sessionBuffer,
                      int maxFrameBytes, Duration pingInterval, Duration closeGrace) {

    LiveProperties {
        pollInterval = pollInterval == null ? Duration.ofMillis(25) : pollInterval;
        batchSize = batchSize <= 0 ? 1000 : batchSize;
        gapWait = gapWait == null ? Duration.ofSeconds(60) : gapWait;
        sessionBuffer = sessionBuffer <= 0 ? 8192 : sessionBuffer;
        maxFrameBytes = maxFrameBytes <= 0 ? 1_048_576 : maxFrameBytes;
        pingInterval = pingInterval == null ? Duration.ofSeconds(30) : pingInterval;
        closeGrace = closeGrace == null ? Duration.ofSeconds(5) : closeGrace;
    }
}
