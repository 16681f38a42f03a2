package dev.conversa.kestra.bench;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.conversa.kestra.harness.ConversaServices;
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
 * The Kestra load benchmark (run by {@code bench/kestra_load.py}, never by {@code make test}:
 * its name is not a test class name Surefire picks up). Many chats, each a burst of three messages
 * within two seconds, posted through the webhook route to the real flows on Kestra 2.0.0's engine
 * with the real {@code conversa}, Redis, S3 and the fake Uazapi; then it prints figures:
 * chats answered exactly once, duplicates, losses, and the latency from each chat's last message
 * to its first {@code /send/text}. It asserts only that it could measure (flows loaded, webhooks
 * accepted): speed is printed, never asserted.
 *
 * <p>System properties: {@code conversa.bench.chats} (100), {@code conversa.bench.spread.seconds}
 * (over how long the chats' first messages are spread, 100), {@code conversa.bench.warmup.chats}
 * (answered first and left out of the figures, 20), {@code conversa.bench.timeout.seconds}
 * (600), {@code conversa.bench.flows.override} (a folder whose flows replace the shipped ones, to
 * compare a variant), and the harness's {@code conversa.kestra.worker.threads}.
 */
@ExtendWith({ConversaServicesExtension.class, KestraEngineExtension.class})
class KestraLoadBench {

    static final String NAMESPACE = "conversa";
    static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> FLOWS = TestFlows.CONVERSA_FLOWS;
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

        services.publishTheExampleKnowledge();
        FlowLoadReport report = engine.loadFlows(flowsUnderTest(override));
        assertTrue(report.missing(FLOWS).isEmpty(), report::describe);

        int warmupChats = Integer.getInteger("conversa.bench.warmup.chats", 20);
        String warmup = warmUp(services, engine, warmupChats, timeout);

        List<Chat> all = new ArrayList<>();
        for (int i = 0; i < chats; i++) {
            all.add(UazapiFixtures.chat(String.format(Locale.ROOT, "55419%08d", 70_000_000 + i)));
        }
        Map<String, Instant> lastPosted = new ConcurrentHashMap<>();
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long jvmCpuBefore = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        Instant measuredFrom = Instant.now();
        postBursts(engine, all, spread, lastPosted);

        // Wait for every chat's first part, then a little longer: a duplicate would come late.
        awaitFirstParts(services, lastPosted.keySet(), timeout);
        Thread.sleep(Math.max(10_000, 3 * quietMs));
        Map<String, List<UazapiRequest>> sent = sentByNumber(services);

        Map<String, Integer> answersPerChat = answersPerChat(services, all);
        int exactlyOnce = 0;
        int split = 0;
        int duplicates = 0;
        int lost = 0;
        List<Long> latencies = new ArrayList<>();
        for (Chat chat : all) {
            List<UazapiRequest> parts = sent.getOrDefault(chat.number(), List.of());
            int answers = answersPerChat.getOrDefault(chat.id(), 0);
            // A part is known by its track_id (one per part of one answer): two answers may
            // share a text ("Encontrei isto…"), one part sent twice shares its track_id.
            long distinctParts = parts.stream().map(KestraLoadBench::partKey).distinct().count();
            if (parts.isEmpty()) {
                lost++;
            } else if (distinctParts < parts.size()) {
                duplicates++; // a part reached Uazapi twice
            } else if (answers > 1) {
                split++; // the burst was answered in two turns (a message came in after the answer was composed)
            } else if (answers == 1) {
                exactlyOnce++;
            }
            if (!parts.isEmpty() && lastPosted.containsKey(chat.number())) {
                latencies.add(Duration.between(lastPosted.get(chat.number()), parts.getFirst().at()).toMillis());
            }
        }
        latencies.sort(Comparator.naturalOrder());
        long jvmCpuNanos = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() - jvmCpuBefore;
        List<Execution> processors = measured(engine.executions(NAMESPACE, "process-conversation"), measuredFrom);
        Map<String, double[]> commands = commandRuns(engine, measuredFrom);

        String figures = String.join("\n",
            "BENCH flows: " + (override.isEmpty() ? "as shipped (flows/)" : "flows/ with " + override),
            "BENCH " + warmup,
            "BENCH chats: " + chats + " (bursts of 3 messages within 2 s, first messages spread over "
                + spread.toSeconds() + " s), worker threads: " + engine.workerThreads() + ", quiet period: " + quietMs + " ms",
            "BENCH answered exactly once: " + exactlyOnce + " / " + chats,
            "BENCH answered in two turns (split): " + split + ", a part sent twice: " + duplicates
                + ", lost (no answer within " + timeout.toSeconds() + " s): " + lost,
            "BENCH process-conversation executions: " + processors.size(),
            String.format(Locale.ROOT, "BENCH latency last message -> first /send/text: p50 %.2f s, p95 %.2f s, max %.2f s"
                    + " (target p95 <= quiet + 2 s = %.1f s)",
                percentile(latencies, 50) / 1000.0, percentile(latencies, 95) / 1000.0,
                latencies.isEmpty() ? 0.0 : latencies.getLast() / 1000.0, (quietMs + 2000) / 1000.0),
            String.format(Locale.ROOT, "BENCH latency minus the quiet period: p50 %.2f s, p95 %.2f s",
                (percentile(latencies, 50) - quietMs) / 1000.0, (percentile(latencies, 95) - quietMs) / 1000.0));
        System.out.println(figures);
        StringBuilder runs = new StringBuilder("BENCH `conversa` runs per burst:");
        StringBuilder cpu = new StringBuilder(String.format(Locale.ROOT,
            "BENCH CPU seconds per burst: Kestra JVM (engine, harness, webhook posting) %.2f", jvmCpuNanos / 1e9 / chats));
        double total = jvmCpuNanos / 1e9;
        for (var command : commands.entrySet()) {
            runs.append(String.format(Locale.ROOT, " %s %.2f", command.getKey(), command.getValue()[0] / chats));
            cpu.append(String.format(Locale.ROOT, ", %s %.2f", command.getKey(), command.getValue()[1] / chats));
            total += command.getValue()[1];
        }
        System.out.println(runs);
        System.out.println(cpu.append(String.format(Locale.ROOT, "; total %.2f", total / chats)));
        for (String flow : List.of("receive-whatsapp", "process-conversation", "sweep-conversations")) {
            System.out.println("BENCH " + flow + " executions by state: " + statesOf(engine.executions(NAMESPACE, flow)));
        }
        // The scheduled runs: the Loop that restarts chats runs each iteration as an execution of its own.
        List<Execution> sweepRuns = measured(engine.executions(NAMESPACE, "sweep-conversations"), measuredFrom).stream()
            .filter(e -> e.getTrigger() != null && "every-minute".equals(e.getTrigger().getId())).toList();
        for (Execution sweep : sweepRuns) { // to the log: when each minute was due, started, ended, and what it did
            System.out.println("SWEEP due " + (sweep.getTrigger() == null ? "-" : sweep.getTrigger().getVariables().get("date"))
                + " started " + sweep.getState().getStartDate() + " ended " + sweep.getState().getEndDate().orElse(null)
                + " sweep task " + sweep.findTaskRunsByTaskId("sweep").stream().map(r -> r.getState().getCurrent().name()).toList());
        }
        long skipped = sweepRuns.stream().filter(e -> e.findTaskRunsByTaskId("sweep").stream()
            .anyMatch(r -> r.getState().getCurrent() == io.kestra.core.models.flows.State.Type.SKIPPED)).count();
        List<Long> sweepSeconds = sweepRuns.stream().filter(e -> e.getState().getEndDate().isPresent())
            .map(e -> Duration.between(e.getState().getStartDate(), e.getState().getEndDate().get()).toMillis())
            .sorted().toList();
        List<Instant> sweeps = sweepRuns.stream().map(e -> e.getState().getStartDate()).sorted().toList();
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < sweeps.size(); i++) {
            gaps.add(Duration.between(sweeps.get(i - 1), sweeps.get(i)).toMillis());
        }
        gaps.sort(Comparator.naturalOrder());
        long rescues = processors.stream().filter(e -> "none".equals(String.valueOf(e.getInputs().get("due_key")))).count();
        System.out.println("BENCH sweep-conversations: " + sweeps.size() + " runs (" + skipped + " of them a late minute,"
            + " skipped), median gap between runs " + percentile(gaps, 50) / 1000.0 + " s, longest run "
            + (sweepSeconds.isEmpty() ? 0 : sweepSeconds.getLast()) / 1000.0 + " s; processors it started: " + rescues);
        explainLostChats(engine, all, sent);
        printLatencyBreakdown(engine, all, lastPosted, sent);
        FLOWS.forEach(id -> engine.deleteFlow(TestFlows.namespaceOf(id), id));
    }

    /**
     * A Kestra just started is slow for its first minute (the JVM compiles the engine's hot paths,
     * the first commands fill the caches): a few chats answered before the measured ones, on
     * numbers of their own, so that the figures describe a server that has been running. What the
     * warm-up chats waited is printed too, apart.
     */
    private static String warmUp(ConversaServices services, KestraEngine engine, int chats, Duration timeout)
        throws InterruptedException {
        if (chats == 0) {
            return "warm-up: none (the figures include a cold Kestra's first minute)";
        }
        List<Chat> warm = new ArrayList<>();
        for (int i = 0; i < chats; i++) {
            warm.add(UazapiFixtures.chat(String.format(Locale.ROOT, "55419%08d", 80_000_000 + i)));
        }
        Map<String, Instant> lastPosted = new ConcurrentHashMap<>();
        Duration spread = Duration.ofSeconds(3L * chats);
        postBursts(engine, warm, spread, lastPosted);
        awaitFirstParts(services, lastPosted.keySet(), timeout);
        Thread.sleep(5000);
        Map<String, List<UazapiRequest>> sent = sentByNumber(services);
        List<Long> latencies = new ArrayList<>();
        for (Chat chat : warm) {
            List<UazapiRequest> parts = sent.getOrDefault(chat.number(), List.of());
            if (!parts.isEmpty()) {
                latencies.add(Duration.between(lastPosted.get(chat.number()), parts.getFirst().at()).toMillis());
            }
        }
        latencies.sort(Comparator.naturalOrder());
        return String.format(Locale.ROOT, "warm-up (not in the figures below): %d chats over %d s on a Kestra just started,"
                + " %d answered, latency p50 %.2f s, max %.2f s", chats, spread.toSeconds(), latencies.size(),
            percentile(latencies, 50) / 1000.0, latencies.isEmpty() ? 0.0 : latencies.getLast() / 1000.0);
    }

    /** Waits until every number in {@code numbers} got a first part, or the timeout passed. */
    private static void awaitFirstParts(ConversaServices services, Set<String> numbers, Duration timeout)
        throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline) && !sentByNumber(services).keySet().containsAll(numbers)) {
            Thread.sleep(1000);
        }
    }

    /** Posts each chat's burst through the webhook route, the chats' first messages spread evenly. */
    private static void postBursts(KestraEngine engine, List<Chat> all, Duration spread, Map<String, Instant> lastPosted)
        throws InterruptedException {
        List<Throwable> failures = new ArrayList<>();
        Instant start = Instant.now().plusSeconds(1);
        ScheduledExecutorService posters = Executors.newScheduledThreadPool(16);
        for (int c = 0; c < all.size(); c++) {
            Chat chat = all.get(c);
            long chatStart = spread.toMillis() * c / Math.max(all.size(), 1);
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
    }

    /** The executions started once the measured chats began (not the warm-up's). */
    private static List<Execution> measured(List<Execution> executions, Instant from) {
        return executions.stream().filter(e -> !e.getState().getStartDate().isBefore(from)).toList();
    }

    /**
     * For each command the flows run (receive, process, sweep): how many times it ran (every
     * attempt) and the CPU seconds it used, as each run reported them (`cpu_seconds`, from the
     * process's start: interpreter and imports included). A run that died before reporting counts
     * as a run without CPU.
     */
    private static Map<String, double[]> commandRuns(KestraEngine engine, Instant measuredFrom) {
        Map<String, double[]> totals = new java.util.TreeMap<>();
        Map<String, String[]> tasks = Map.of(
            "receive", new String[] {"receive-whatsapp", "receive"},
            "process", new String[] {"process-conversation", "process"},
            "sweep", new String[] {"sweep-conversations", "sweep"});
        for (var command : tasks.entrySet()) {
            double[] sum = new double[2];
            for (Execution execution : measured(engine.executions(NAMESPACE, command.getValue()[0]), measuredFrom)) {
                for (var run : execution.findTaskRunsByTaskId(command.getValue()[1])) {
                    if (run.getState().getCurrent() != io.kestra.core.models.flows.State.Type.SKIPPED) {
                        sum[0] += run.getAttempts() == null ? 1 : Math.max(1, run.getAttempts().size());
                    }
                }
                if (!execution.findTaskRunsByTaskId(command.getValue()[1]).isEmpty()) {
                    Object vars = engine.taskOutputs(execution, command.getValue()[1]).get("vars");
                    if (vars instanceof Map<?, ?> map && map.get("cpu_seconds") instanceof Number seconds) {
                        sum[1] += seconds.doubleValue();
                    }
                }
            }
            totals.put(command.getKey(), sum);
        }
        return totals;
    }

    private static Map<String, Long> statesOf(List<Execution> executions) {
        return executions.stream().collect(Collectors.groupingBy(
            e -> e.getState().getCurrent().name(), java.util.TreeMap::new, Collectors.counting()));
    }

    /**
     * Where each chat's latency went, along the path of its last message: webhook to execution,
     * waiting for a worker, `conversa receive`, the processor's start and wait, waiting for a
     * worker again, then `conversa process` to the first part. Prints p50/p95 of each step, and
     * the timeline of the five slowest chats to the log: what to cut, and why a tail is long.
     */
    private static void printLatencyBreakdown(KestraEngine engine, List<Chat> all, Map<String, Instant> lastPosted,
                                              Map<String, List<UazapiRequest>> sent) {
        Map<String, List<Execution>> receives = new HashMap<>();
        for (Execution e : engine.executions(NAMESPACE, "receive-whatsapp")) {
            receives.computeIfAbsent(String.valueOf(engine.flowOutputs(e).get("chat_id")), k -> new ArrayList<>()).add(e);
        }
        Map<String, List<Execution>> processors = new HashMap<>();
        for (Execution e : engine.executions(NAMESPACE, "process-conversation")) {
            processors.computeIfAbsent(String.valueOf(e.getInputs().get("chat_id")), k -> new ArrayList<>()).add(e);
        }
        String[] steps = {"post->execution", "receive waits for a worker", "receive runs", "receive->processor",
            "processor->loop ends", "process waits for a worker", "process runs->first part", "total", "due->first part"};
        Map<String, List<Long>> bySteps = new java.util.LinkedHashMap<>();
        for (String step : steps) {
            bySteps.put(step, new ArrayList<>());
        }
        List<Map.Entry<Long, String>> timelines = new ArrayList<>();
        for (Chat chat : all) {
            Instant posted = lastPosted.get(chat.number());
            List<UazapiRequest> parts = sent.getOrDefault(chat.number(), List.of());
            List<Execution> chatReceives = receives.getOrDefault(chat.id(), List.of());
            if (posted == null || parts.isEmpty() || chatReceives.isEmpty()) {
                continue;
            }
            Execution receive = chatReceives.getLast();
            Execution processor = processors.getOrDefault(chat.id(), List.of()).stream()
                .filter(e -> !e.findTaskRunsByTaskId("process").isEmpty()
                    && e.findTaskRunsByTaskId("process").getLast().getState().getCurrent() != io.kestra.core.models.flows.State.Type.SKIPPED)
                .reduce((a, b) -> b).orElse(null);
            if (processor == null || receive.findTaskRunsByTaskId("receive").isEmpty()) {
                continue;
            }
            var receiveRun = receive.findTaskRunsByTaskId("receive").getLast().getState();
            var processRun = processor.findTaskRunsByTaskId("process").getLast().getState();
            Instant loopEnd = processor.findTaskRunsByTaskId("until-due").isEmpty() ? processor.getState().getStartDate()
                : processor.findTaskRunsByTaskId("until-due").getLast().getState().getEndDate().orElse(processor.getState().getStartDate());
            Instant[] marks = {posted, receive.getState().getStartDate(), runningAt(receiveRun),
                receiveRun.getEndDate().orElse(runningAt(receiveRun)), processor.getState().getStartDate(), loopEnd,
                runningAt(processRun), parts.getFirst().at()};
            StringBuilder line = new StringBuilder("SLOW " + chat.number() + " due " + processor.getInputs().get("due") + ":");
            for (int i = 0; i < marks.length - 1; i++) {
                long ms = Duration.between(marks[i], marks[i + 1]).toMillis();
                bySteps.get(steps[i]).add(ms);
                line.append(String.format(Locale.ROOT, " %s %.2f s;", steps[i], ms / 1000.0));
            }
            long total = Duration.between(posted, parts.getFirst().at()).toMillis();
            bySteps.get("total").add(total);
            if (!"none".equals(String.valueOf(processor.getInputs().get("due_key")))) { // not a sweep's (due 1970)
                Instant due = Instant.parse(String.valueOf(processor.getInputs().get("due")));
                bySteps.get("due->first part").add(Duration.between(due, parts.getFirst().at()).toMillis());
            }
            timelines.add(Map.entry(total, line + String.format(Locale.ROOT, " total %.2f s; processors %d, receives %d",
                total / 1000.0, processors.getOrDefault(chat.id(), List.of()).size(), chatReceives.size())));
        }
        StringBuilder figures = new StringBuilder("BENCH where the last message's latency goes (p50/p95 s):");
        for (var step : bySteps.entrySet()) {
            List<Long> sorted = step.getValue().stream().sorted().toList();
            figures.append(String.format(Locale.ROOT, " %s %.2f/%.2f;", step.getKey(),
                percentile(sorted, 50) / 1000.0, percentile(sorted, 95) / 1000.0));
        }
        System.out.println(figures);
        timelines.stream().sorted(Map.Entry.<Long, String>comparingByKey().reversed()).limit(5)
            .forEach(t -> System.out.println(t.getValue()));
    }

    /** When a task run left the queue and a worker began it (its creation, if it never ran). */
    private static Instant runningAt(io.kestra.core.models.flows.State state) {
        return state.getHistories().stream()
            .filter(h -> h.getState() == io.kestra.core.models.flows.State.Type.RUNNING)
            .map(io.kestra.core.models.flows.State.History::getDate).findFirst().orElse(state.getStartDate());
    }

    /** For the first few chats that got no answer: what their executions did (to the log, not the figures). */
    private static void explainLostChats(KestraEngine engine, List<Chat> all, Map<String, List<UazapiRequest>> sent) {
        List<Chat> lost = all.stream().filter(c -> !sent.containsKey(c.number())).limit(3).toList();
        for (Chat chat : lost) {
            System.out.println("LOST " + chat.id());
            for (Execution e : engine.executions(NAMESPACE, "process-conversation")) {
                if (chat.id().equals(String.valueOf(e.getInputs().get("chat_id")))) {
                    System.out.println(engine.explain(e));
                }
            }
            for (Execution e : engine.executions(NAMESPACE, "receive-whatsapp")) {
                if (chat.id().equals(engine.flowOutputs(e).get("chat_id"))) {
                    System.out.println(KestraEngine.describe(e) + " outputs " + engine.flowOutputs(e));
                }
            }
        }
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


    private static Map<String, List<UazapiRequest>> sentByNumber(ConversaServices services) {
        return services.uazapiRequests().stream()
            .filter(r -> "/send/text".equals(r.path()))
            .collect(Collectors.groupingBy(UazapiRequest::number));
    }

    /**
     * How many answers each chat got: the bot's turns in the conversation `conversa process` saved
     * in Redis (key layout of app/adapters/redis/keys.py). Task outputs would not do: Kestra 2.0.0
     * keeps one set of outputs for a task inside a LoopUntil, so every iteration reads the last one.
     */
    private static String partKey(UazapiRequest request) {
        Object track = request.json() == null ? null : request.json().get("track_id");
        return track == null || String.valueOf(track).isEmpty() ? "text:" + request.text() : "track:" + track;
    }

    private static Map<String, Integer> answersPerChat(ConversaServices services, List<Chat> chats) {
        Map<String, Integer> answers = new HashMap<>();
        for (Chat chat : chats) {
            String stored = services.redisGet(System.getenv("CONVERSA_REDIS_NAMESPACE") + ":chat:" + chat.id() + ":history");
            if (stored == null) {
                continue;
            }
            try {
                Map<String, Object> conversation = JSON.readValue(stored, new TypeReference<>() { });
                @SuppressWarnings("unchecked")
                List<Map<String, Object>> turns = (List<Map<String, Object>>) conversation.getOrDefault("turns", List.of());
                long botTurns = turns.stream()
                    .filter(turn -> "assistant".equals(String.valueOf(turn.get("role")))).count();
                answers.put(chat.id(), (int) botTurns);
            } catch (IOException e) {
                throw new IllegalStateException("not a conversation: " + stored, e);
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
