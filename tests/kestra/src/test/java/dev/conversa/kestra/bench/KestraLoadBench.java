package dev.conversa.kestra.bench;

import dev.conversa.kestra.harness.ConversaServices;
import dev.conversa.kestra.harness.ConversaServices.CommandRun;
import dev.conversa.kestra.harness.ConversaServices.UazapiRequest;
import dev.conversa.kestra.harness.ConversaServicesExtension;
import dev.conversa.kestra.harness.FlowLoadReport;
import dev.conversa.kestra.harness.KestraEngine;
import dev.conversa.kestra.harness.KestraEngineExtension;
import dev.conversa.kestra.harness.TestFlows;
import dev.conversa.kestra.harness.UazapiFixtures;
import dev.conversa.kestra.harness.UazapiFixtures.Chat;
import io.kestra.core.models.executions.Execution;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The load benchmark of issue 7 (run by {@code bench/kestra_load.py}, never by {@code make test}:
 * its name is not a test class name Surefire picks up). Many chats, each a burst of three messages
 * within two seconds, posted through the webhook route to the real flows on Kestra 2.0.0's engine
 * with the real {@code conversa}, Redis, S3 and the fake Uazapi; then it prints figures:
 * chats answered exactly once, duplicates, losses, and the latency from each chat's last message
 * to its first {@code /send/text}. It asserts only that it could measure (flows loaded, webhooks
 * accepted): speed is printed, never asserted.
 *
 * <p>System properties: {@code conversa.bench.chats} (100), {@code conversa.bench.spread.seconds}
 * (over how long the chats' first messages are spread, 100), {@code conversa.bench.timeout.seconds}
 * (600), {@code conversa.bench.flows.override} (a folder whose flows replace the shipped ones, for
 * the "before" baseline), and the harness's {@code conversa.kestra.worker.threads}.
 */
@ExtendWith({ConversaServicesExtension.class, KestraEngineExtension.class})
class KestraLoadBench {

    static final String NAMESPACE = "conversa";
    static final Set<String> FLOWS = Set.of(
        "receive-whatsapp", "process-conversation", "sweep-conversations", "ingest-knowledge");
    /** Each chat's burst: three messages within two seconds. */
    static final List<String> BURST = List.of("Oi", "vocês fazem entrega?", "qual a taxa de entrega?");
    static final List<Duration> BURST_OFFSETS = List.of(Duration.ZERO, Duration.ofMillis(900), Duration.ofMillis(1800));

    @Test
    void load(ConversaServices services, KestraEngine engine) throws Exception {
        int chats = Integer.getInteger("conversa.bench.chats", 100);
        Duration spread = Duration.ofSeconds(Long.getLong("conversa.bench.spread.seconds", 100));
        Duration timeout = Duration.ofSeconds(Long.getLong("conversa.bench.timeout.seconds", 600));
        String override = System.getProperty("conversa.bench.flows.override", "");
        long quietMs = Long.parseLong(System.getenv("CONVERSA_QUIET_MS"));

        publishTheExampleKnowledge(services);
        FlowLoadReport report = engine.loadFlows(flowsUnderTest(override));
        assertTrue(report.missing(FLOWS).isEmpty(), report::describe);

        List<Chat> all = new ArrayList<>();
        for (int i = 0; i < chats; i++) {
            all.add(UazapiFixtures.chat(String.format(Locale.ROOT, "55419%08d", 70_000_000 + i)));
        }
        Map<String, Instant> lastPosted = new ConcurrentHashMap<>();
        List<Throwable> failures = new ArrayList<>();
        Instant start = Instant.now().plusSeconds(1);
        ScheduledExecutorService posters = Executors.newScheduledThreadPool(16);
        for (int c = 0; c < chats; c++) {
            Chat chat = all.get(c);
            long chatStart = spread.toMillis() * c / Math.max(chats, 1);
            for (int m = 0; m < BURST.size(); m++) {
                String body = chat.customer(BURST.get(m), "LOAD-" + chat.number() + "-" + m);
                boolean last = m == BURST.size() - 1;
                long at = Duration.between(Instant.now(), start).toMillis() + chatStart + BURST_OFFSETS.get(m).toMillis();
                posters.schedule(() -> {
                    if (last) {
                        lastPosted.put(chat.number(), Instant.now());
                    }
                    HttpResponse<String> response = engine.postWebhook(NAMESPACE, "receive-whatsapp",
                        ConversaServices.secret("WEBHOOK_KEY"), body);
                    if (response.statusCode() != 200) {
                        synchronized (failures) {
                            failures.add(new IllegalStateException("webhook answered " + response.statusCode()));
                        }
                    }
                }, Math.max(at, 0), TimeUnit.MILLISECONDS);
            }
        }
        posters.shutdown();
        assertTrue(posters.awaitTermination(spread.toSeconds() + 60, TimeUnit.SECONDS), "the webhooks were not all posted");
        assertEquals(List.of(), failures, "every webhook is accepted");

        // Wait for every chat's first part, then a little longer: a duplicate would come late.
        Instant deadline = Instant.now().plus(timeout);
        Map<String, List<UazapiRequest>> sent = sentByNumber(services);
        while (Instant.now().isBefore(deadline) && !sent.keySet().containsAll(lastPosted.keySet())) {
            Thread.sleep(1000);
            sent = sentByNumber(services);
        }
        Thread.sleep(Math.max(10_000, 3 * quietMs));
        sent = sentByNumber(services);

        Map<String, Integer> answersPerChat = answeredBatchesPerChat(engine);
        int exactlyOnce = 0;
        int duplicates = 0;
        int lost = 0;
        List<Long> latencies = new ArrayList<>();
        for (Chat chat : all) {
            List<UazapiRequest> parts = sent.getOrDefault(chat.number(), List.of());
            int answers = answersPerChat.getOrDefault(chat.id(), 0);
            long distinctTexts = parts.stream().map(UazapiRequest::text).distinct().count();
            boolean duplicated = answers > 1 || distinctTexts < parts.size();
            if (parts.isEmpty()) {
                lost++;
            } else if (duplicated) {
                duplicates++;
            } else if (answers == 1) {
                exactlyOnce++;
            }
            if (!parts.isEmpty() && lastPosted.containsKey(chat.number())) {
                latencies.add(Duration.between(lastPosted.get(chat.number()), parts.getFirst().at()).toMillis());
            }
        }
        latencies.sort(Comparator.naturalOrder());
        List<Execution> processors = engine.executions(NAMESPACE, "process-conversation");

        String figures = String.join("\n",
            "BENCH flows: " + (override.isEmpty() ? "as shipped (flows/)" : "flows/ with " + override),
            "BENCH chats: " + chats + " (bursts of 3 messages within 2 s, first messages spread over "
                + spread.toSeconds() + " s), worker threads: " + engine.workerThreads() + ", quiet period: " + quietMs + " ms",
            "BENCH answered exactly once: " + exactlyOnce + " / " + chats,
            "BENCH duplicates: " + duplicates + ", lost (no answer within " + timeout.toSeconds() + " s): " + lost,
            "BENCH process-conversation executions: " + processors.size(),
            String.format(Locale.ROOT, "BENCH latency last message -> first /send/text: p50 %.2f s, p95 %.2f s, max %.2f s"
                    + " (target p95 <= quiet + 2 s = %.1f s)",
                percentile(latencies, 50) / 1000.0, percentile(latencies, 95) / 1000.0,
                latencies.isEmpty() ? 0.0 : latencies.getLast() / 1000.0, (quietMs + 2000) / 1000.0),
            String.format(Locale.ROOT, "BENCH latency minus the quiet period: p50 %.2f s, p95 %.2f s",
                (percentile(latencies, 50) - quietMs) / 1000.0, (percentile(latencies, 95) - quietMs) / 1000.0));
        System.out.println(figures);
        FLOWS.forEach(id -> engine.deleteFlow(NAMESPACE, id));
    }

    /** The shipped flows, with any flow of {@code override} put in place of its namesake. */
    private static Path flowsUnderTest(String override) throws IOException {
        if (override.isEmpty()) {
            return TestFlows.conversaFlows();
        }
        Path dir = Files.createTempDirectory("conversa-bench-flows");
        try (Stream<Path> shipped = Files.list(TestFlows.conversaFlows())) {
            for (Path flow : shipped.toList()) {
                Files.copy(flow, dir.resolve(flow.getFileName()));
            }
        }
        try (Stream<Path> replacements = Files.list(Path.of(override))) {
            for (Path flow : replacements.filter(p -> p.toString().endsWith(".yml")).toList()) {
                Files.copy(flow, dir.resolve(flow.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return dir;
    }

    private static void publishTheExampleKnowledge(ConversaServices services) throws IOException {
        Path faq = ConversaServices.repositoryRoot().resolve("app/examples/knowledge/perguntas-frequentes.md");
        services.putKnowledgeObject("docs/perguntas-frequentes.md", Files.readAllBytes(faq));
        CommandRun ingest = services.conversa(Map.of(), "ingest", "--prefix", "docs/");
        assertEquals(0, ingest.exitCode(), ingest::stderr);
    }

    private static Map<String, List<UazapiRequest>> sentByNumber(ConversaServices services) {
        return services.uazapiRequests().stream()
            .filter(r -> "/send/text".equals(r.path()))
            .collect(Collectors.groupingBy(UazapiRequest::number));
    }

    /** How many batches each chat had answered, from process-conversation's own outputs. */
    private static Map<String, Integer> answeredBatchesPerChat(KestraEngine engine) {
        Map<String, Integer> answers = new HashMap<>();
        for (Execution execution : engine.executions(NAMESPACE, "process-conversation")) {
            if (!KestraEngine.hasEnded(execution)) {
                continue;
            }
            String chat = String.valueOf(execution.getInputs().get("chat_id"));
            for (Map<String, Object> run : engine.taskOutputsOfEveryRun(execution, "process")) {
                Object vars = run.get("vars");
                if (vars instanceof Map<?, ?> v && "answered".equals(v.get("status"))) {
                    Object batches = v.get("batches");
                    answers.merge(chat, batches instanceof Number n ? n.intValue() : 1, Integer::sum);
                }
            }
        }
        return answers;
    }

    private static long percentile(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(index, sorted.size() - 1)));
    }
}
