package dev.conversa.kestra.harness;

import io.kestra.core.exceptions.IllegalVariableEvaluationException;
import io.kestra.core.models.flows.Flow;
import io.kestra.core.repositories.FlowRepositoryInterface;
import io.kestra.core.serializers.JacksonMapper;
import io.kestra.core.services.WebhookService;
import io.kestra.core.storages.StorageContext;
import io.kestra.core.storages.StorageInterface;
import io.kestra.core.utils.IdUtils;
import io.kestra.plugin.core.trigger.AbstractWebhookTrigger;
import io.kestra.plugin.core.trigger.WebhookContext;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.inject.Inject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * TEST-SCOPE STAND-IN for the webhook route of Kestra's webserver, which is not published to any
 * registry reachable here. Production uses the webserver of the {@code kestra/kestra} image.
 *
 * <p>It serves the same URL, {@code POST /api/v1/{tenant}/executions/webhook/{namespace}/{flowId}/{key}},
 * does only what a route must (find the flow, find the Webhook trigger whose rendered key is the
 * one in the URL, 404 otherwise) and then hands the request to the trigger's own
 * {@code evaluate(WebhookContext)} from Kestra core, which renders the trigger's inputs, creates
 * and queues the execution, and chooses the response. Written from Kestra's public API only.
 *
 * <p>A trigger with {@code fetchType: STORE} gets the request's bytes as they arrived, stored in
 * Kestra's internal storage under the execution the call will create (its id minted first, as
 * {@link WebhookContext} documents), and handed over as {@code storedBodyUri}: the flow reads it
 * as {@code trigger.uri}. Any other fetch type gets the body as text, as before.
 */
@Controller("/api/v1/{tenant}/executions/webhook")
public class WebhookRoute {

    private static final Logger log = LoggerFactory.getLogger(WebhookRoute.class);

    @Inject
    FlowRepositoryInterface flowRepository;

    @Inject
    WebhookService webhookService;

    @Inject
    StorageInterface storage;

    /** Blocking pool: {@code evaluate} waits on Kestra's queue, which must not happen on the event loop. */
    @ExecuteOn(TaskExecutors.BLOCKING)
    @Post(uri = "/{namespace}/{flowId}/{key}", consumes = MediaType.ALL, produces = MediaType.ALL)
    public HttpResponse<?> trigger(
        @PathVariable String tenant,
        @PathVariable String namespace,
        @PathVariable String flowId,
        @PathVariable String key,
        HttpRequest<?> request,
        @Body @Nullable byte[] body
    ) throws Exception {
        Optional<Flow> flow = flowRepository.findByIdForExecutionWithoutAcl(tenant, namespace, flowId);
        if (flow.isEmpty()) {
            return notFound("Flow not found");
        }
        Optional<AbstractWebhookTrigger> trigger = triggerWithKey(flow.get(), key);
        if (trigger.isEmpty()) {
            return notFound("Webhook not found");
        }

        String executionId = IdUtils.create();
        byte[] bytes = body == null ? new byte[0] : body;
        boolean store = trigger.get().getFetchType() == AbstractWebhookTrigger.FetchType.STORE;
        URI stored = store ? storeBody(flow.get(), trigger.get(), executionId, bytes) : null;
        WebhookContext context = WebhookContext.builder()
            .request(toKestraRequest(request, store ? "" : new String(bytes, StandardCharsets.UTF_8)))
            .flow(flow.get())
            .trigger(trigger.get())
            .webhookService(webhookService)
            .executionId(executionId)
            .storedBodyUri(stored)
            // No .path(...): it is for webhook routes with a sub-path, and evaluate answers 404 with one.
            .build();

        io.kestra.core.http.HttpResponse<?> answer = trigger.get().evaluate(context).block();
        return toMicronautResponse(Objects.requireNonNull(answer, "Webhook.evaluate answered nothing"));
    }

    /** The request's bytes, unchanged, in the internal storage of the execution this call creates. */
    private URI storeBody(Flow flow, AbstractWebhookTrigger trigger, String executionId, byte[] bytes) throws Exception {
        StorageContext context = StorageContext.forTrigger(
            flow.getTenantId(), flow.getNamespace(), flow.getId(), executionId, trigger.getId());
        URI uri = URI.create(context.getContextStorageURI() + "/body");
        return storage.put(flow.getTenantId(), flow.getNamespace(), uri, new ByteArrayInputStream(bytes));
    }

    /** The enabled webhook trigger of the flow whose key, once rendered (it may use secret()), is {@code key}. */
    private Optional<AbstractWebhookTrigger> triggerWithKey(Flow flow, String key) {
        if (flow.getTriggers() == null) {
            return Optional.empty();
        }
        for (var candidate : flow.getTriggers()) {
            if (candidate instanceof AbstractWebhookTrigger webhook
                && !webhook.isDisabled()
                && key.equals(renderedKey(flow, webhook))) {
                return Optional.of(webhook);
            }
        }
        return Optional.empty();
    }

    /** The trigger's key; null (no match) if it cannot be rendered, e.g. its secret is not set. */
    private @Nullable String renderedKey(Flow flow, AbstractWebhookTrigger webhook) {
        try {
            return webhookService.runContext(flow, webhook).render(webhook.getKey());
        } catch (IllegalVariableEvaluationException e) {
            log.warn("Webhook key of {}.{} cannot be rendered (is its secret set as SECRET_<NAME>?): {}",
                flow.getNamespace(), flow.getId(), e.getMessage());
            return null;
        }
    }

    private static io.kestra.core.http.HttpRequest toKestraRequest(HttpRequest<?> request, @Nullable String body) {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        request.getHeaders().forEach((name, values) -> headers.put(name, List.copyOf(values)));
        String contentType = request.getContentType().map(MediaType::toString).orElse(MediaType.TEXT_PLAIN);
        return io.kestra.core.http.HttpRequest.builder()
            .method(request.getMethodName())
            .uri(URI.create("http://127.0.0.1" + request.getUri()))
            .headers(HttpHeaders.of(headers, (name, value) -> true))
            .body(io.kestra.core.http.HttpRequest.StringRequestBody.builder()
                .content(body == null ? "" : body)
                .contentType(contentType)
                .charset(StandardCharsets.UTF_8)
                .build())
            .remoteAddress(request.getRemoteAddress())
            .build();
    }

    /**
     * Kestra's answer as a Micronaut response. The body is serialised here with Kestra's own JSON
     * mapper (as its webserver would), so the route needs no Micronaut serde setup for Kestra types.
     */
    private static HttpResponse<?> toMicronautResponse(io.kestra.core.http.HttpResponse<?> answer) throws Exception {
        MutableHttpResponse<String> response = HttpResponse.status(HttpStatus.valueOf(answer.getStatus().getCode()));
        Object body = answer.getBody();
        if (body == null) {
            return response;
        }
        // contentType() throws when Kestra set no header; its default answer is JSON.
        String contentType = answer.getHeaders() == null ? null
            : answer.getHeaders().firstValue("Content-Type").orElse(null);
        String text = body instanceof String string ? string : JacksonMapper.ofJson().writeValueAsString(body);
        return response
            .body(text)
            .contentType(contentType == null || contentType.isBlank() ? MediaType.APPLICATION_JSON : contentType);
    }

    private static HttpResponse<?> notFound(String message) {
        return HttpResponse.notFound(Map.of("message", message)).contentType(MediaType.APPLICATION_JSON);
    }
}
