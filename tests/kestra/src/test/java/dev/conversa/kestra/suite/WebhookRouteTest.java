package dev.conversa.kestra.suite;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.conversa.kestra.harness.HarnessFlows;
import dev.conversa.kestra.harness.KestraEngine;
import dev.conversa.kestra.harness.KestraEngineExtension;
import io.kestra.core.models.executions.Execution;
import io.kestra.core.models.flows.State;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import static dev.conversa.kestra.harness.TestFlows.HARNESS_NAMESPACE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** The stand-in webhook route: Kestra's URL, the trigger's rendered key, then Kestra's own Webhook.evaluate. */
@ExtendWith(KestraEngineExtension.class)
class WebhookRouteTest {

    /** SECRET_HARNESS_WEBHOOK_KEY, set (base64) by the pom for the test JVM. */
    static final String KEY = "harness-webhook-key";
    static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void loadHarnessFlows(KestraEngine engine) {
        HarnessFlows.ensureLoaded(engine);
    }

    @Test
    void a_wrong_key_is_404_and_starts_nothing(KestraEngine engine) {
        int before = engine.executions(HARNESS_NAMESPACE, "webhook-echo").size();

        HttpResponse<String> response = engine.postWebhook(HARNESS_NAMESPACE, "webhook-echo", "not-the-key", "{}");

        assertEquals(404, response.statusCode(), response::body);
        assertEquals(before, engine.executions(HARNESS_NAMESPACE, "webhook-echo").size());
    }

    @Test
    void an_unknown_flow_is_404(KestraEngine engine) {
        assertEquals(404, engine.postWebhook(HARNESS_NAMESPACE, "no-such-flow", KEY, "{}").statusCode());
        // A flow without a Webhook trigger has no webhook either.
        assertEquals(404, engine.postWebhook(HARNESS_NAMESPACE, "shell-fails", KEY, "{}").statusCode());
    }

    @Test
    void the_right_key_starts_an_execution_with_the_json_body_as_input(KestraEngine engine) throws Exception {
        String body = "{\"event\":\"messages\",\"message\":{\"text\":\"Olá, tudo bem?\",\"fromMe\":false},\"n\":3}";

        HttpResponse<String> response = engine.postWebhook(HARNESS_NAMESPACE, "webhook-echo", KEY, body);

        assertEquals(200, response.statusCode(), response::body);
        String executionId = JSON.readTree(response.body()).path("id").asText(null);
        assertNotNull(executionId, () -> "no execution id in the webhook answer: " + response.body());

        Execution execution = engine.awaitTerminal(executionId, Duration.ofSeconds(60));
        assertEquals(State.Type.SUCCESS, execution.getState().getCurrent(), () -> engine.explain(execution));
        Map<String, Object> outputs = engine.flowOutputs(execution);
        assertEquals(JSON.readTree(body), JSON.readTree((String) outputs.get("body")),
            "trigger.body | toJson gives the posted JSON back");
        String rendered = (String) outputs.get("body");
        assertEquals(rendered.getBytes(StandardCharsets.UTF_8).length, ((Number) outputs.get("bytes")).intValue(),
            "the body reaches the command as an input file");
    }
}
