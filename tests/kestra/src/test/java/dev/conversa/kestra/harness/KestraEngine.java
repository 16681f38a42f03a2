package dev.conversa.kestra.harness;

import io.kestra.core.exceptions.InternalException;
import io.kestra.core.models.executions.Execution;
import io.kestra.core.models.executions.LogEntry;
import io.kestra.core.models.executions.TaskRun;
import io.kestra.core.models.flows.FlowWithSource;
import io.kestra.core.models.flows.State;
import io.kestra.core.repositories.ExecutionRepositoryInterface;
import io.kestra.core.repositories.FlowRepositoryInterface;
import io.kestra.core.repositories.LocalFlowRepositoryLoader;
import io.kestra.core.repositories.LogDataStoreInterface;
import io.kestra.core.queues.QueueException;
import io.kestra.core.runners.FlowInputOutput;
import io.kestra.core.runners.TestRunner;
import io.kestra.worker.systemworker.SystemWorker;
import io.kestra.core.runners.TestRunnerUtils;
import io.kestra.core.services.ExecutionOutputService;
import io.kestra.core.services.TaskOutputService;
import io.kestra.core.tenant.TenantService;
import io.micronaut.context.ApplicationContext;
import io.micronaut.data.model.Pageable;
import io.micronaut.runtime.server.EmbeddedServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * Kestra 2.0.0's real engine, in this JVM: executor, worker, scheduler and indexer (Kestra's
 * {@link TestRunner}) on in-memory H2 and local storage, plus the stand-in webhook route on an
 * embedded HTTP server on 127.0.0.1.
 *
 * <p>Booting takes several seconds, so one engine is shared by every test class of the JVM
 * ({@link #shared()}); it is closed when the JVM exits. Tests keep out of each other's way by
 * using their own namespaces.
 *
 * <p>Settings, as system properties (or the environment variable in brackets):
 * <ul>
 *   <li>{@code conversa.kestra.worker.threads} ({@code CONVERSA_KESTRA_WORKER_THREADS}), default 8;</li>
 *   <li>{@code conversa.kestra.scheduler} ({@code CONVERSA_KESTRA_SCHEDULER}), default true: Schedule triggers fire.</li>
 * </ul>
 */
public final class KestraEngine implements AutoCloseable {

    /** Kestra's default tenant: the one in the webhook URL ({@code /api/v1/main/…}). */
    public static final String TENANT = TenantService.MAIN_TENANT;

    private static final Logger log = LoggerFactory.getLogger(KestraEngine.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static KestraEngine shared;

    private final ApplicationContext context;
    private final TestRunner runner;
    private final EmbeddedServer server;
    private final Path storageDir;
    private final int workerThreads;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** The engine of this JVM, booted on first use. */
    public static synchronized KestraEngine shared() {
        if (shared == null) {
            shared = boot(setting("conversa.kestra.worker.threads", 8), setting("conversa.kestra.scheduler", true));
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close, "kestra-engine-shutdown"));
        }
        return shared;
    }

    /** A new engine; most tests want {@link #shared()} instead. */
    public static KestraEngine boot(int workerThreads, boolean scheduler) {
        Instant start = Instant.now();
        Path storageDir = createTempDir("conversa-kestra-storage");
        int controllerPort = FreePorts.pick();
        int httpPort = FreePorts.pick();

        Map<String, Object> properties = new HashMap<>();
        properties.put("kestra.storage.local.base-path", storageDir.toString());
        properties.put("kestra.tasks.tmp-dir.path", createTempDir("conversa-kestra-tmp").toString());
        properties.put("kestra.controller.port", controllerPort);
        properties.put("kestra.worker.controllers.static.endpoints", List.of(Map.of("host", "127.0.0.1", "port", controllerPort)));
        properties.put("micronaut.server.port", httpPort);
        // As `kestra server standalone`: its system worker runs the SystemTasks (PurgeExecutions,
        // PurgeLogs…), which Kestra 2.0 routes to a queue of their own.
        properties.put("kestra.server-type", "STANDALONE");

        ApplicationContext context = ApplicationContext.builder()
            .environments("test")
            .properties(properties)
            .deduceEnvironment(false)
            .start();
        try {
            TestRunner runner = context.getBean(TestRunner.class);
            runner.setWorkerThread(workerThreads);
            runner.setSchedulerEnabled(scheduler);
            runner.run(); // returns once every service reports it is running
            context.getBean(SystemWorker.class).start();
            EmbeddedServer server = context.getBean(EmbeddedServer.class).start();
            log.info("Kestra engine up in {} ms: {} worker threads, scheduler {}, webhook route on {}",
                Duration.between(start, Instant.now()).toMillis(), workerThreads, scheduler ? "on" : "off", server.getURL());
            return new KestraEngine(context, runner, server, storageDir, workerThreads);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
    }

    private KestraEngine(ApplicationContext context, TestRunner runner, EmbeddedServer server, Path storageDir,
                         int workerThreads) {
        this.context = context;
        this.runner = runner;
        this.server = server;
        this.storageDir = storageDir;
        this.workerThreads = workerThreads;
    }

    /** How many worker threads run tasks (each running command holds one). */
    public int workerThreads() {
        return workerThreads;
    }

    // ---- flows -------------------------------------------------------------------------------

    /**
     * Loads every flow file of {@code folder} as Kestra does at start-up
     * ({@link LocalFlowRepositoryLoader}), and reports what loaded and what the loader warned about.
     */
    public FlowLoadReport loadFlows(Path folder) {
        LocalFlowRepositoryLoader loader = bean(LocalFlowRepositoryLoader.class);
        try (LogCapture warnings = LogCapture.warningsOf(LocalFlowRepositoryLoader.class)) {
            List<FlowWithSource> loaded = loader.load(TENANT, folder.toFile());
            return new FlowLoadReport(loaded.stream().map(FlowWithSource::getId).sorted().toList(), warnings.lines());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read flows from " + folder, e);
        }
    }

    /** Removes a flow (and so its triggers: a deleted flow's Schedule stops firing). */
    public void deleteFlow(String namespace, String flowId) {
        FlowRepositoryInterface flows = bean(FlowRepositoryInterface.class);
        flows.findByIdWithSource(TENANT, namespace, flowId).ifPresent(flows::delete);
    }

    // ---- webhook route -----------------------------------------------------------------------

    /** {@code http://127.0.0.1:<port>/api/v1/main/executions/webhook}: append {@code /namespace/flowId/key}. */
    public URI webhookBaseUrl() {
        return URI.create(server.getURL() + "/api/v1/" + TENANT + "/executions/webhook");
    }

    public URI webhookUrl(String namespace, String flowId, String key) {
        return URI.create(webhookBaseUrl() + "/" + namespace + "/" + flowId + "/"
            + URLEncoder.encode(key, StandardCharsets.UTF_8).replace("+", "%20"));
    }

    /** POSTs a JSON body to a flow's webhook, as Uazapi would. */
    public HttpResponse<String> postWebhook(String namespace, String flowId, String key, String jsonBody) {
        HttpRequest request = HttpRequest.newBuilder(webhookUrl(namespace, flowId, key))
            .timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(jsonBody))
            .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * POSTs a body to a flow's webhook, expects 200, and returns the id of the execution it
     * created (Kestra answers a webhook with the execution as JSON).
     */
    public String postWebhookExecution(String namespace, String flowId, String key, String jsonBody) {
        HttpResponse<String> response = postWebhook(namespace, flowId, key, jsonBody);
        if (response.statusCode() != 200) {
            throw new AssertionError("the webhook answered " + response.statusCode() + ": " + response.body());
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body()).path("id").asText();
        } catch (IOException e) {
            throw new AssertionError("the webhook did not answer with an execution: " + response.body(), e);
        }
    }

    // ---- executions --------------------------------------------------------------------------

    /**
     * Starts an execution of a flow with these inputs (rendered and typed as Kestra does for an
     * execution started from the API) and waits until it ends.
     */
    public Execution run(String namespace, String flowId, Map<String, Object> inputs, Duration timeout) {
        FlowInputOutput flowIO = bean(FlowInputOutput.class);
        try {
            return bean(TestRunnerUtils.class).runOne(TENANT, namespace, flowId, null,
                (flow, execution) -> flowIO.readExecutionInputs(flow, execution, inputs), timeout);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out after " + timeout.toSeconds() + " s running " + namespace + "." + flowId, e);
        } catch (QueueException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs a flow as its trigger {@code triggerId} would start it, with these trigger variables
     * (a Schedule's {@code date}, say), and waits until it ends: what the scheduler does, at a
     * date of the test's choosing.
     */
    public Execution runTriggered(String namespace, String flowId, String triggerId, Map<String, Object> variables,
                                  Duration timeout) {
        io.kestra.core.models.flows.Flow flow = bean(FlowRepositoryInterface.class)
            .findById(TENANT, namespace, flowId, Optional.empty()).orElseThrow();
        var trigger = flow.getTriggers().stream().filter(t -> t.getId().equals(triggerId)).findFirst().orElseThrow();
        Execution execution = Execution.newExecution(flow, List.of())
            .withTrigger(io.kestra.core.models.executions.ExecutionTrigger.of(trigger, variables));
        try {
            return bean(TestRunnerUtils.class).runOne(execution, flow, timeout);
        } catch (TimeoutException e) {
            throw new AssertionError("timed out after " + timeout.toSeconds() + " s running " + namespace + "." + flowId, e);
        } catch (QueueException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every execution of a flow, oldest first (as stored by Kestra's repository). */
    public List<Execution> executions(String namespace, String flowId) {
        return bean(ExecutionRepositoryInterface.class)
            .findByFlowId(TENANT, namespace, flowId, Pageable.from(1, 10_000) /* Kestra pages count from 1 */)
            .stream()
            .sorted(Comparator.comparing(e -> e.getState().getStartDate()))
            .toList();
    }

    public Optional<Execution> execution(String executionId) {
        return bean(ExecutionRepositoryInterface.class).findById(TENANT, executionId);
    }

    /** Waits until the execution exists and has reached a terminal state (SUCCESS, FAILED, KILLED, WARNING…). */
    public Execution awaitTerminal(String executionId, Duration timeout) {
        return awaitValue("execution " + executionId + " to end", timeout,
            () -> execution(executionId).filter(KestraEngine::hasEnded));
    }

    /** Waits until the flow has at least {@code count} executions and all of them have ended; returns them. */
    public List<Execution> awaitTerminalExecutions(String namespace, String flowId, int count, Duration timeout) {
        return awaitValue(count + " ended execution(s) of " + namespace + "." + flowId, timeout, () -> {
            List<Execution> all = executions(namespace, flowId);
            return all.size() >= count && all.stream().allMatch(KestraEngine::hasEnded)
                ? Optional.of(all) : Optional.empty();
        });
    }

    /**
     * Waits until at least {@code count} executions of the flow match {@code which} and all of
     * those have ended; returns them, oldest first (e.g. the executions about one chat).
     */
    public List<Execution> awaitTerminalExecutions(String namespace, String flowId, Predicate<Execution> which,
                                                   int count, Duration timeout) {
        return awaitValue(count + " ended matching execution(s) of " + namespace + "." + flowId, timeout, () -> {
            List<Execution> matching = executions(namespace, flowId).stream().filter(which).toList();
            return matching.size() >= count && matching.stream().allMatch(KestraEngine::hasEnded)
                ? Optional.of(matching) : Optional.empty();
        });
    }

    /** Waits for the first execution of the flow that matches {@code condition}. */
    public Execution awaitExecution(String namespace, String flowId, Predicate<Execution> condition, Duration timeout) {
        return awaitValue("an execution of " + namespace + "." + flowId + " matching the condition", timeout,
            () -> executions(namespace, flowId).stream().filter(condition).findFirst());
    }

    /** Kills a running execution (its running commands too) and waits until Kestra says it is KILLED. */
    public Execution kill(String executionId) {
        Execution execution = execution(executionId).orElseThrow(() -> new IllegalArgumentException("no execution " + executionId));
        if (hasEnded(execution)) {
            return execution;
        }
        try {
            return bean(TestRunnerUtils.class).killExecution(execution);
        } catch (QueueException e) {
            throw new IllegalStateException(e);
        }
    }

    /** How long a FAILED execution must stay FAILED to have ended: see {@link #hasEnded}. */
    static final Duration FAILED_FOR_GOOD_AFTER = Duration.ofMillis(1500);

    /**
     * Whether the execution is in a terminal state (a PAUSED or queued one is not). Kestra 2.0.0
     * takes an execution through FAILED before each retry of a task, and to RETRYING some 0.1 s
     * later: a FAILED execution has ended once it has stayed FAILED for {@link #FAILED_FOR_GOOD_AFTER}.
     */
    public static boolean hasEnded(Execution execution) {
        State state = execution.getState();
        if (state.getCurrent() != State.Type.FAILED) {
            return state.isTerminated();
        }
        Instant failedAt = state.getHistories().getLast().getDate();
        return failedAt.plus(FAILED_FOR_GOOD_AFTER).isBefore(Instant.now());
    }

    /** The flow's {@code outputs:} as Kestra computed them for this execution. */
    public Map<String, Object> flowOutputs(Execution execution) {
        try {
            Map<String, Object> outputs = bean(ExecutionOutputService.class).getOutputs(execution);
            return outputs == null ? Map.of() : outputs;
        } catch (InternalException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The outputs of a task (for a script task: {@code vars}, {@code exitCode}, …); for a task run several times, the last run. */
    public Map<String, Object> taskOutputs(Execution execution, String taskId) {
        List<Map<String, Object>> all = taskOutputsOfEveryRun(execution, taskId);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no run of task '" + taskId + "' in execution " + execution.getId());
        }
        return all.getLast();
    }

    /** The outputs of every run of a task (a task inside a Loop runs once per value). */
    public List<Map<String, Object>> taskOutputsOfEveryRun(Execution execution, String taskId) {
        TaskOutputService outputs = bean(TaskOutputService.class);
        return execution.findTaskRunsByTaskId(taskId).stream().map(run -> {
            try {
                Map<String, Object> values = outputs.getOutputs(run);
                return values == null ? Map.<String, Object>of() : values;
            } catch (InternalException e) {
                throw new IllegalStateException(e);
            }
        }).toList();
    }

    /** The execution's own log lines (task stdout/stderr included), oldest first: "LEVEL taskId: message". */
    public List<String> logs(String executionId) {
        return bean(LogDataStoreInterface.class).findByExecutionId(TENANT, executionId, Level.TRACE).stream()
            .sorted(Comparator.comparing(LogEntry::getTimestamp))
            .map(entry -> entry.getLevel() + " " + (entry.getTaskId() == null ? "-" : entry.getTaskId())
                + ": " + entry.getMessage())
            .toList();
    }

    /**
     * Whether a log line of the execution matches, waiting up to {@code timeout} for it: Kestra
     * stores log lines through a queue of their own, so an execution can end before its last
     * lines are readable (seen under a CPU burner).
     */
    public boolean awaitLogLine(String executionId, Predicate<String> matches, Duration timeout) {
        try {
            awaitValue("a matching log line of " + executionId, timeout,
                () -> logs(executionId).stream().filter(matches).findFirst());
            return true;
        } catch (AssertionError timedOut) { // the caller's assertion says what was missing, and why
            return false;
        }
    }

    /** When each command of a task started, from the Process runner's "Starting command" log lines. */
    public List<Instant> commandStarts(String executionId, String taskId) {
        return bean(LogDataStoreInterface.class).findByExecutionId(TENANT, executionId, Level.TRACE).stream()
            .filter(entry -> taskId.equals(entry.getTaskId()) && entry.getMessage() != null
                && entry.getMessage().startsWith("Starting command"))
            .map(LogEntry::getTimestamp).sorted().toList();
    }

    /** {@link #describe(Execution)} plus the execution's logs: the message for a failed assertion. */
    public String explain(Execution execution) {
        StringBuilder text = new StringBuilder(describe(execution)).append("\n  logs:");
        logs(execution.getId()).forEach(line -> text.append("\n    ").append(line));
        return text.toString();
    }

    /** The state of each task run, {@code taskId -> state}, to explain a failed assertion. */
    public static String describe(Execution execution) {
        StringBuilder text = new StringBuilder(execution.getFlowId()).append(' ').append(execution.getId())
            .append(": ").append(execution.getState().getCurrent());
        for (TaskRun run : execution.getTaskRunList() == null ? List.<TaskRun>of() : execution.getTaskRunList()) {
            text.append("\n  ").append(run.getTaskId())
                .append(run.getValue() == null ? "" : "[" + run.getValue() + "]")
                .append(": ").append(run.getState().getCurrent());
        }
        return text.toString();
    }

    // ---- plumbing ----------------------------------------------------------------------------

    /** Any bean of Kestra's context (repositories, services, queues…), for what this class does not wrap. */
    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public ApplicationContext context() {
        return context;
    }

    /** Where Kestra's local storage keeps files (execution outputs, inputs of type FILE…). */
    public Path storageDir() {
        return storageDir;
    }

    @Override
    public void close() {
        try {
            server.stop();
            runner.close();
        } catch (Exception e) {
            log.warn("Kestra engine did not stop cleanly", e);
        } finally {
            context.close();
        }
    }

    private static <T> T awaitValue(String what, Duration timeout, java.util.function.Supplier<Optional<T>> probe) {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("timed out after " + timeout.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + what, e);
            }
        }
    }

    private static Path createTempDir(String prefix) {
        try {
            return Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T setting(String property, T fallback) {
        String env = property.toUpperCase().replace('.', '_');
        String value = System.getProperty(property, System.getenv(env));
        if (value == null || value.isBlank()) {
            return fallback;
        }
        if (fallback instanceof Integer) {
            return (T) Integer.valueOf(value.trim());
        }
        if (fallback instanceof Boolean) {
            return (T) Boolean.valueOf(value.trim());
        }
        return (T) value;
    }
}
