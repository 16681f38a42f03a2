package dev.conversa.kestra.suite;

import dev.conversa.kestra.harness.FlowLoadReport;
import dev.conversa.kestra.harness.KestraEngine;
import dev.conversa.kestra.harness.KestraEngineExtension;
import dev.conversa.kestra.harness.TestFlows;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The repository's flows/, exactly as they ship, load on Kestra 2.0.0: all four of them. */
@ExtendWith(KestraEngineExtension.class)
class ConversaFlowsLoadTest {

    static final String NAMESPACE = "conversa";
    static final Set<String> FLOWS = Set.of(
        "receive-whatsapp", "process-conversation", "sweep-conversations", "ingest-knowledge");

    @Test
    void all_four_flows_load(KestraEngine engine) {
        FlowLoadReport report = engine.loadFlows(TestFlows.conversaFlows());

        assertTrue(report.missing(FLOWS).isEmpty(),
            () -> "flows that did not load from " + TestFlows.conversaFlows() + ": " + report.missing(FLOWS)
                + "\n" + report.describe());
        assertEquals(FLOWS, Set.copyOf(report.loadedFlowIds()),
            () -> "flows/ should hold exactly the four flows; " + report.describe());
    }

    /** These unit tests run no Redis: the real flows' schedules must not fire behind them. */
    @AfterAll
    static void unloadConversaFlows() {
        KestraEngine engine = KestraEngine.shared();
        FLOWS.forEach(id -> engine.deleteFlow(NAMESPACE, id));
    }
}
