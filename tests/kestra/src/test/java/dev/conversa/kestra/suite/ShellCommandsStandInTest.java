package dev.conversa.kestra.suite;

import dev.conversa.kestra.harness.FlowLoadReport;
import dev.conversa.kestra.harness.HarnessFlows;
import dev.conversa.kestra.harness.KestraEngine;
import dev.conversa.kestra.harness.KestraEngineExtension;
import dev.conversa.kestra.harness.TestFlows;
import io.kestra.core.models.executions.Execution;
import io.kestra.core.models.flows.State;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;

import static dev.conversa.kestra.harness.TestFlows.HARNESS_NAMESPACE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test-scope io.kestra.plugin.scripts.shell.Commands runs on Kestra's engine as the flows need. */
@ExtendWith(KestraEngineExtension.class)
class ShellCommandsStandInTest {

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    @BeforeAll
    static void loadHarnessFlows(KestraEngine engine) {
        HarnessFlows.ensureLoaded(engine);
    }

    @Test
    void commands_get_env_input_files_secrets_and_emit_outputs(KestraEngine engine) {
        Execution execution = engine.run(HARNESS_NAMESPACE, "shell-outputs", Map.of("greeting", "olá"), TIMEOUT);

        assertEquals(State.Type.SUCCESS, execution.getState().getCurrent(), () -> engine.explain(execution));
        Map<String, Object> vars = vars(engine.taskOutputs(execution, "run"));
        assertEquals("olá", vars.get("greeting"), "env var rendered from an input");
        assertEquals("olá from a file", vars.get("file"), "inputFiles written to the working directory");
        assertEquals("harness-secret-value", vars.get("secret"), "secret() from SECRET_HARNESS_SECRET");
        assertEquals(2, vars.get("lines"), "several ::{\"outputs\"}:: lines merge");
        assertEquals(System.getenv("PATH"), vars.get("path"), "the worker JVM's PATH reaches the commands");
        assertEquals(0, engine.taskOutputs(execution, "run").get("exitCode"));
        assertEquals(Map.of("greeting", "olá"), engine.flowOutputs(execution));
    }

    @Test
    void run_if_false_skips_the_task(KestraEngine engine) {
        Execution execution = engine.run(HARNESS_NAMESPACE, "shell-outputs", Map.of(), TIMEOUT);

        assertEquals(State.Type.SUCCESS, execution.getState().getCurrent(), () -> engine.explain(execution));
        assertEquals(State.Type.SKIPPED,
            execution.findTaskRunsByTaskId("only-for-nope").getFirst().getState().getCurrent(),
            () -> engine.explain(execution));
    }

    @Test
    void a_non_zero_exit_fails_the_task_and_stops_the_script(KestraEngine engine) {
        Execution execution = engine.run(HARNESS_NAMESPACE, "shell-fails", Map.of(), TIMEOUT);

        assertEquals(State.Type.FAILED, execution.getState().getCurrent(), () -> engine.explain(execution));
        assertEquals(State.Type.FAILED, execution.findTaskRunsByTaskId("fail").getFirst().getState().getCurrent());
        assertTrue(engine.awaitLogLine(execution.getId(), line -> line.contains("exit code 3"), Duration.ofSeconds(10)),
            () -> "the failure is in the execution's logs: " + engine.explain(execution));
        assertEquals(Map.of("reached", "before"), vars(engine.taskOutputs(execution, "fail")),
            "set -e: nothing ran after the failing command");
    }

    @Test
    void a_command_past_the_timeout_is_stopped_and_fails(KestraEngine engine) {
        long start = System.nanoTime();
        Execution execution = engine.run(HARNESS_NAMESPACE, "shell-timeout", Map.of(), TIMEOUT);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertEquals(State.Type.FAILED, execution.getState().getCurrent(), () -> engine.explain(execution));
        assertTrue(took.compareTo(Duration.ofSeconds(20)) < 0, () -> "the 30 s sleep was not stopped: took " + took);
    }

    @Test
    void without_a_task_runner_commands_go_to_docker_as_in_the_real_plugin(KestraEngine engine) {
        Execution execution = engine.run(HARNESS_NAMESPACE, "shell-default-runner", Map.of(), TIMEOUT);

        // No Docker engine on the machines that run this suite: the Docker runner cannot start.
        assertEquals(State.Type.FAILED, execution.getState().getCurrent(), () -> engine.explain(execution));
        assertTrue(engine.awaitLogLine(execution.getId(), line -> line.toLowerCase().contains("docker"), Duration.ofSeconds(10)),
            () -> "the Docker runner was used: " + engine.explain(execution));
    }

    @Test
    void properties_the_flows_do_not_use_are_rejected(KestraEngine engine) {
        FlowLoadReport report = engine.loadFlows(TestFlows.resourceFolder("invalid-flows"));

        assertTrue(report.loadedFlowIds().isEmpty(), () -> "these flows should not load: " + report.describe());
        for (String property : new String[] {"containerImage", "beforeCommands", "interpreter"}) {
            assertTrue(report.warnings().stream().anyMatch(w -> w.contains("\"" + property + "\"")),
                () -> "no warning names the unknown property " + property + ": " + report.describe());
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> vars(Map<String, Object> taskOutputs) {
        return (Map<String, Object>) taskOutputs.getOrDefault("vars", Map.of());
    }
}
