package dev.conversa.kestra.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.conversa.kestra.harness.FlowLoadReport;
import dev.conversa.kestra.harness.KestraEngine;
import dev.conversa.kestra.harness.KestraEngineExtension;
import dev.conversa.kestra.harness.TestFlows;
import io.kestra.core.models.executions.Execution;
import io.kestra.core.storages.StorageInterface;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The repository's flows/, exactly as they ship, on Kestra 2.0.0: every one loads, and
 * receive-whatsapp's Webhook trigger keeps the body as sent, in the execution's storage.
 * What the flows do with Redis, S3 and Uazapi is for the end-to-end tests.
 */
@ExtendWith(KestraEngineExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConversaFlowsLoadTest {

    static final String NAMESPACE = "conversa";
    static final Set<String> FLOWS = TestFlows.CONVERSA_FLOWS;
    static final ObjectMapper JSON = new ObjectMapper();

    static FlowLoadReport report;

    @BeforeAll
    static void loadConversaFlows(KestraEngine engine) {
        report = engine.loadFlows(TestFlows.conversaFlows());
    }

    @Test
    @Order(1)
    void every_flow_loads() {
        assertTrue(report.missing(FLOWS).isEmpty(),
            () -> "flows that did not load from " + TestFlows.conversaFlows() + ": " + report.missing(FLOWS)
                + "\n" + report.describe());
        assertEquals(FLOWS, Set.copyOf(report.loadedFlowIds()),
            () -> "flows/ should hold exactly " + FLOWS + "; " + report.describe());
    }

    @Test
    @Order(2)
    void receive_whatsapp_webhook_stores_the_body_as_sent_without_parsing_it(KestraEngine engine) throws Exception {
        String key = new String(Base64.getDecoder().decode(System.getenv("SECRET_WEBHOOK_KEY")), StandardCharsets.UTF_8);
        // What toJson would rewrite: a null field, 1.50, 1e2, escapes.
        String body = "{\"EventType\":\"messages\",\"a\":null,\"b\":1.50,\"c\":1e2,\"d\":\"\\u00e9\\/x\",\"message\":{\"text\":\"oi\"}}";

        assertEquals(404, engine.postWebhook(NAMESPACE, "receive-whatsapp", "wrong-" + key, body).statusCode());
        HttpResponse<String> response = engine.postWebhook(NAMESPACE, "receive-whatsapp", key, body);

        assertEquals(200, response.statusCode(), response::body);
        String executionId = JSON.readTree(response.body()).path("id").asText();
        Execution execution = engine.execution(executionId).orElseThrow();
        assertTrue(execution.getInputs() == null || execution.getInputs().get("body") == null,
            "the body is not copied into the execution's inputs");
        Object uri = execution.getTrigger().getVariables().get("uri");
        assertNotNull(uri, () -> "no stored body: " + execution.getTrigger().getVariables());
        assertFalse(execution.getTrigger().getVariables().containsKey("body"), "nor into the trigger's variables");
        StorageInterface storage = engine.bean(StorageInterface.class);
        try (InputStream stored = storage.get(execution.getTenantId(), NAMESPACE, URI.create(uri.toString()))) {
            assertEquals(body, new String(stored.readAllBytes(), StandardCharsets.UTF_8), "stored byte for byte");
        }
        // No Redis here (what `conversa receive` does is the end-to-end tests' business): let the
        // execution end before the flows are unloaded.
        engine.awaitTerminal(executionId, Duration.ofMinutes(2));
    }

    /** These tests run no Redis: the real flows' schedules must not fire behind them. */
    @AfterAll
    static void unloadConversaFlows() {
        KestraEngine engine = KestraEngine.shared();
        FLOWS.forEach(id -> engine.deleteFlow(TestFlows.namespaceOf(id), id));
    }
}
