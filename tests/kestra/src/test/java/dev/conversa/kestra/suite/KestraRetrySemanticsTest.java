package dev.conversa.kestra.suite;

import dev.conversa.kestra.harness.HarnessFlows;
import dev.conversa.kestra.harness.KestraEngine;
import dev.conversa.kestra.harness.KestraEngineExtension;
import io.kestra.core.models.Label;
import io.kestra.core.models.executions.Execution;
import io.kestra.core.models.flows.State;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.conversa.kestra.harness.TestFlows.HARNESS_NAMESPACE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How Kestra 2.0.0 retries a task, as the flows rely on it (probed on the engine, not taken from
 * the docs): an execution passes through FAILED before each retry, which a Flow trigger sees, so
 * alert-on-failure waits for the label the {@code errors} branch sets, and that branch runs only
 * once the execution has failed for good; and a retried task that is not the flow's first runs
 * more often than its {@code maxAttempts}, so no flow retries any other task.
 */
@ExtendWith(KestraEngineExtension.class)
class KestraRetrySemanticsTest {

    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final Label FAILED_FOR_GOOD = new Label("failure", "final");

    @BeforeAll
    static void loadHarnessFlows(KestraEngine engine) {
        HarnessFlows.ensureLoaded(engine);
    }

    @Test
    void a_retry_that_mends_passes_through_failed_without_the_errors_branch(KestraEngine engine) throws Exception {
        Run run = run(engine, "retried-first", Map.of("fails", 1));
        Execution execution = run.execution();

        assertEquals(State.Type.SUCCESS, execution.getState().getCurrent(), () -> engine.explain(execution));
        assertTrue(states(execution).contains(State.Type.FAILED), () -> "FAILED before the retry: " + states(execution));
        assertEquals(2, run.commands());
        assertTrue(execution.findTaskRunsByTaskId("failed-for-good").isEmpty(), () -> engine.explain(execution));
        assertFalse(execution.getLabels().contains(FAILED_FOR_GOOD));
    }

    @Test
    void the_errors_branch_runs_once_when_every_attempt_failed(KestraEngine engine) throws Exception {
        Run run = run(engine, "retried-first", Map.of("fails", 99));
        Execution execution = run.execution();

        assertEquals(State.Type.FAILED, execution.getState().getCurrent(), () -> engine.explain(execution));
        assertEquals(3, run.commands(), "maxAttempts: 3, for the flow's first task");
        assertEquals(3, states(execution).stream().filter(s -> s == State.Type.FAILED).count(), () -> "" + states(execution));
        assertEquals(1, execution.findTaskRunsByTaskId("failed-for-good").size(), () -> engine.explain(execution));
        assertTrue(execution.getLabels().contains(FAILED_FOR_GOOD), () -> "" + execution.getLabels());
    }

    @Test
    void a_retried_task_after_another_runs_more_often_than_its_max_attempts(KestraEngine engine) throws Exception {
        Run run = run(engine, "retried-second", Map.of());
        Execution execution = run.execution();

        assertEquals(State.Type.FAILED, execution.getState().getCurrent(), () -> engine.explain(execution));
        int runs = run.commands();
        assertTrue(runs > 3, () -> "Kestra ran it " + runs + " times: if it keeps maxAttempts now, "
            + "test_only_a_flows_first_task_is_retried_by_kestra (tests/e2e/test_flows.py) may be relaxed");
        assertTrue(execution.findTaskRunsByTaskId("flaky").size() > 1, () -> engine.explain(execution));
    }

    /** An ended execution of a harness flow, and how many times its command ran. */
    record Run(Execution execution, int commands) {
    }

    /**
     * Runs the flow with a fresh marker file its command appends a line to at every run, and waits
     * until the execution has ended for good (a FAILED that a retry follows has not: see
     * {@link KestraEngine#hasEnded}).
     */
    private static Run run(KestraEngine engine, String flowId, Map<String, Object> inputs) throws Exception {
        Path marker = Files.createTempDirectory("retried").resolve("runs");
        Map<String, Object> withMarker = new HashMap<>(inputs);
        withMarker.put("marker", marker.toString());
        Execution returned = engine.run(HARNESS_NAMESPACE, flowId, withMarker, TIMEOUT);
        Execution ended = engine.awaitTerminal(returned.getId(), TIMEOUT);
        return new Run(ended, Files.readAllLines(marker).size());
    }

    private static List<State.Type> states(Execution execution) {
        return execution.getState().getHistories().stream().map(State.History::getState).toList();
    }
}
