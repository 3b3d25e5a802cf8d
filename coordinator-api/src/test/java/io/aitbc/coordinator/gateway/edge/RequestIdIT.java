package io.aitbc.coordinator.gateway.edge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient;
import io.aitbc.coordinator.testsupport.CoordinatorTestClient.Key;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.ActiveProfiles;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** One request id follows a request into its answer, the metadata of its events, and the logs of all it caused. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "logging.level.io.aitbc.coordinator.infra.MessageLoggingContext=debug")
@ActiveProfiles("test")
// a context of its own: closed after the class, so its connections do not add up over the suite
@DirtiesContext
@ExtendWith(OutputCaptureExtension.class)
class RequestIdIT {

    @LocalServerPort
    int port;

    @Autowired
    DSLContext dsl;

    @Test
    void requestIdReachesEventMetadataAndTheLogsOfCommandAndProjection(CapturedOutput output) throws IOException {
        // given
        CoordinatorTestClient api = new CoordinatorTestClient(port);
        Key client = api.createKey("client");
        String requestId = "req_trace-" + UUID.randomUUID();

        // when
        JsonNode job = api.http().post().uri("/v1/jobs")
                .header("X-API-Key", client.secret())
                .header("X-Request-Id", requestId)
                .contentType(MediaType.APPLICATION_JSON)
                .bodyValue(Map.of("type", "ai-inference", "requirements", Map.of("region", "trace-" + requestId)))
                .exchange()
                .expectStatus().isCreated()
                .expectHeader().valueEquals("X-Request-Id", requestId)
                .expectBody(JsonNode.class).returnResult().getResponseBody();
        String jobId = job.get("job_id").asText();

        // then
        List<JsonNode> metadata = new ArrayList<>();
        for (byte[] raw : dsl.select(DSL.field(DSL.name("meta_data"), byte[].class))
                .from(DSL.table(DSL.name("domain_event_entry")))
                .where(DSL.field(DSL.name("aggregate_identifier"), String.class).eq(jobId))
                .fetch(0, byte[].class)) {
            metadata.add(new ObjectMapper().readTree(raw));
        }
        assertThat(metadata).isNotEmpty().allSatisfy(meta -> {
            assertThat(meta.get("request_id").asText()).isEqualTo(requestId);
            assertThat(meta.get("principal").asText()).isEqualTo(client.principal());
        });
        List<String> lines = output.getAll().lines().filter(line -> line.contains("req=" + requestId)).toList();
        assertThat(lines).anySatisfy(line -> assertThat(line).contains("Handling command [SubmitJobCommand]"));
        assertThat(lines).anySatisfy(line -> assertThat(line)
                .contains("Handling event [JobSubmittedEvent]").contains("job=" + jobId));
    }

    @Test
    void errorsCarryTheCallersRequestId() {
        CoordinatorTestClient api = new CoordinatorTestClient(port);
        String requestId = "req_error-" + UUID.randomUUID();

        JsonNode error = api.http().get().uri("/v1/nowhere")
                .header("X-API-Key", CoordinatorTestClient.ADMIN_KEY)
                .header("X-Request-Id", requestId)
                .exchange()
                .expectStatus().isNotFound()
                .expectHeader().valueEquals("X-Request-Id", requestId)
                .expectBody(JsonNode.class).returnResult().getResponseBody();

        assertThat(error.get("error").get("details").get("request_id").asText()).isEqualTo(requestId);
    }
}
