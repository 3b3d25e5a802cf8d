package io.aitbc.coordinator.live;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import io.aitbc.coordinator.testsupport.WebSocketTestClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A command committed on this node reaches its WebSocket readers at once, not at the tailer's next
 * poll: the poll interval here is a minute, far longer than the test waits.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {"spring.application.name=local-commits-it", "coordinator.live.poll-interval=60s"})
@ActiveProfiles("test")
class LocalCommitsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final WebSocketTestClient WEB_SOCKETS = new WebSocketTestClient("local-commits-ws");

    @LocalServerPort
    int port;

    @Test
    void jobsSubmittedHereArePushedWithoutWaitingForThePoll() throws Exception {
        CoordinatorTestClient api = new CoordinatorTestClient(port);
        Key client = api.createKey("client");
        Sinks.Many<JsonNode> messages = Sinks.many().replay().all();
        Disposable connection = connect(client, messages);
        try {
            messages.asFlux().filter(m -> m.path("type").asText().equals("subscribed"))
                    .blockFirst(Duration.ofSeconds(10));
            for (int i = 0; i < 3; i++) {
                String jobId = api.submitJob(client, Map.of("type", "ai-inference"));
                JsonNode update = messages.asFlux()
                        .filter(m -> m.path("type").asText().equals("job_update"))
                        .filter(m -> m.path("data").path("job_id").asText().equals(jobId))
                        .blockFirst(Duration.ofSeconds(5));
                assertThat(update).as("update of job %s within 5 s", jobId).isNotNull();
                assertThat(update.path("data").path("status").asText()).isEqualTo("queued");
            }
        } finally {
            connection.dispose();
        }
    }

    private Disposable connect(Key key, Sinks.Many<JsonNode> into) throws Exception {
        String subscription = JSON.writeValueAsString(Map.of("action", "subscribe", "channels", List.of("jobs")));
        URI uri = URI.create("ws://127.0.0.1:" + port + "/ws?api_key=" + key.secret());
        return WEB_SOCKETS.connect(uri, subscription, into::tryEmitNext);
    }
}
