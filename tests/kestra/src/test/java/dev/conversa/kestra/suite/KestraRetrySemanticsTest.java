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
        Path marker = Files.createTempDirectory("retried").resolve("runs");
        Execution execution = settled(engine, engine.run(HARNESS_NAMESPACE, "retried-first",
            Map.of("marker", marker.toString(), "fails", 1), TIMEOUT));

        assertEquals(State.Type.SUCCESS, execution.getState().getCurrent(), () -> engine.explain(execution));
        assertTrue(states(execution).contains(State.Type.FAILED), () -> "FAILED before the retry: " + states(execution));
        assertEquals(2, Files.readAllLines(marker).size());
        assertTrue(execution.findTaskRunsByTaskId("failed-for-good").isEmpty(), () -> engine.explain(execution));
        assertFalse(execution.getLabels().contains(FAILED_FOR_GOOD));
    }

    @Test
    void the_errors_branch_runs_once_when_every_attempt_failed(KestraEngine engine) throws Exception {
        Path marker = Files.createTempDirectory("retried").resolve("runs");
        Execution execution = settled(engine, engine.run(HARNESS_NAMESPACE, "retried-first",
            Map.of("marker", marker.toString(), "fails", 99), TIMEOUT));

        assertEquals(State.Type.FAILED, execution.getState().getCurrent(), () -> engine.explain(execution));
        assertEquals(3, Files.readAllLines(marker).size(), "maxAttempts: 3, for the flow's first task");
        assertEquals(3, states(execution).stream().filter(s -> s == State.Type.FAILED).count(), () -> "" + states(execution));
        assertEquals(1, execution.findTaskRunsByTaskId("failed-for-good").size(), () -> engine.explain(execution));
        assertTrue(execution.getLabels().contains(FAILED_FOR_GOOD), () -> "" + execution.getLabels());
    }

    @Test
    void a_retried_task_after_another_runs_more_often_than_its_max_attempts(KestraEngine engine) throws Exception {
        Path marker = Files.createTempDirectory("retried").resolve("runs");
        Execution execution = settled(engine, engine.run(HARNESS_NAMESPACE, "retried-second",
            Map.of("marker", marker.toString()), TIMEOUT));

        assertEquals(State.Type.FAILED, execution.getState().getCurrent(), () -> engine.explain(execution));
        int runs = Files.readAllLines(marker).size();
        assertTrue(runs > 3, () -> "Kestra ran it " + runs + " times: if it keeps maxAttempts now, "
            + "test_only_a_flows_first_task_is_retried_by_kestra (tests/e2e/test_flows.py) may be relaxed");
        assertTrue(execution.findTaskRunsByTaskId("flaky").size() > 1, () -> engine.explain(execution));
    }

    /** The execution once it has stopped changing (the run call may return at a FAILED that a retry follows). */
    private static Execution settled(KestraEngine engine, Execution returned) throws InterruptedException {
        Execution latest = returned;
        for (int i = 0; i < 100; i++) {
            Thread.sleep(200);
            Execution now = engine.execution(returned.getId()).orElseThrow();
            if (KestraEngine.hasEnded(now) && now.getState().getHistories().size() == latest.getState().getHistories().size()
                && i > 10) {
                return now;
            }
            latest = now;
        }
        throw new AssertionError("the execution never settled: " + engine.explain(latest));
    }

    private static List<State.Type> states(Execution execution) {
        return execution.getState().getHistories().stream().map(State.History::getState).toList();
    }
}
