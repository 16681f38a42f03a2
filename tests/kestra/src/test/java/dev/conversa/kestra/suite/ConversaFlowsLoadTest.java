package dev.conversa.kestra.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.conversa.kestra.harness.FlowLoadReport;
import dev.conversa.kestra.harness.KestraEngine;
import dev.conversa.kestra.harness.KestraEngineExtension;
import dev.conversa.kestra.harness.TestFlows;
import io.kestra.core.models.executions.Execution;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The repository's flows/, exactly as they ship, on Kestra 2.0.0: all five load, and
 * receive-whatsapp's Webhook trigger turns a JSON body into its input (no 422).
 * What the flows do with Redis, S3 and Uazapi is for the end-to-end tests.
 */
@ExtendWith(KestraEngineExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConversaFlowsLoadTest {

    static final String NAMESPACE = "conversa";
    static final Set<String> FLOWS = Set.of(
        "receive-whatsapp", "process-conversation", "sweep-conversations", "ingest-knowledge",
        "report-knowledge-gaps");
    static final ObjectMapper JSON = new ObjectMapper();

    static FlowLoadReport report;

    @BeforeAll
    static void loadConversaFlows(KestraEngine engine) {
        report = engine.loadFlows(TestFlows.conversaFlows());
    }

    @Test
    @Order(1)
    void all_five_flows_load() {
        assertTrue(report.missing(FLOWS).isEmpty(),
            () -> "flows that did not load from " + TestFlows.conversaFlows() + ": " + report.missing(FLOWS)
                + "\n" + report.describe());
        assertEquals(FLOWS, Set.copyOf(report.loadedFlowIds()),
            () -> "flows/ should hold exactly the five flows; " + report.describe());
    }

    @Test
    @Order(2)
    void receive_whatsapp_webhook_takes_a_json_body_as_its_input(KestraEngine engine) throws Exception {
        String key = new String(Base64.getDecoder().decode(System.getenv("SECRET_WEBHOOK_KEY")), StandardCharsets.UTF_8);
        String body = "{\"EventType\":\"messages\",\"message\":{\"text\":\"oi\",\"fromMe\":false}}";

        assertEquals(404, engine.postWebhook(NAMESPACE, "receive-whatsapp", "wrong-" + key, body).statusCode());
        HttpResponse<String> response = engine.postWebhook(NAMESPACE, "receive-whatsapp", key, body);

        assertEquals(200, response.statusCode(), response::body);
        String executionId = JSON.readTree(response.body()).path("id").asText();
        Execution execution = engine.execution(executionId).orElseThrow();
        assertEquals(JSON.readTree(body), JSON.readTree((String) execution.getInputs().get("body")));
        // No Redis here: what `conversa receive` does is the end-to-end tests' business.
        engine.kill(executionId);
    }

    /** These tests run no Redis: the real flows' schedules must not fire behind them. */
    @AfterAll
    static void unloadConversaFlows() {
        KestraEngine engine = KestraEngine.shared();
        FLOWS.forEach(id -> engine.deleteFlow(NAMESPACE, id));
    }
}
