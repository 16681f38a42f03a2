package dev.conversa.kestra.suite;

import dev.conversa.kestra.harness.ConversaServices;
import dev.conversa.kestra.harness.ConversaServices.UazapiRequest;
import dev.conversa.kestra.harness.ConversaServicesExtension;
import dev.conversa.kestra.harness.FlowLoadReport;
import dev.conversa.kestra.harness.KestraEngine;
import dev.conversa.kestra.harness.KestraEngineExtension;
import dev.conversa.kestra.harness.TestFlows;
import io.kestra.core.models.executions.Execution;
import io.kestra.core.models.flows.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The weekly report flow, {@code report-knowledge-gaps}, on Kestra 2.0.0's engine: last week's
 * declined questions and figures are seeded through the application's own stores (Redis), the
 * flow runs {@code conversa gaps --send}, and the fake Uazapi must have received one summary in
 * the team chat (the pom's {@code CONVERSA_TEAM_CHAT}), with the most asked question first and
 * the week's figures; the whole report is in the bucket; a second run sends nothing.
 */
@ExtendWith({ConversaServicesExtension.class, KestraEngineExtension.class})
class KnowledgeGapsReportTest {

    static final String NAMESPACE = "conversa";
    static final String FLOW = "report-knowledge-gaps";
    static final String TEAM_CHAT = System.getenv("CONVERSA_TEAM_CHAT");
    static final Duration TIMEOUT = Duration.ofMinutes(3);
    static List<String> loaded = List.of();

    @BeforeAll
    static void setUp(ConversaServices services, KestraEngine engine) {
        services.python("from tests.fakes.seed_gaps import main; main()", List.of(), new byte[0]);
        FlowLoadReport report = engine.loadFlows(TestFlows.conversaFlows());
        loaded = report.loadedFlowIds();
        assertTrue(report.missing(java.util.Set.of(FLOW)).isEmpty(), () -> "the flow did not load: " + report.describe());
    }

    /** Its Schedule, and the others', must not fire behind the other test classes. */
    @AfterAll
    static void unloadTheFlows() {
        KestraEngine engine = KestraEngine.shared();
        loaded.forEach(id -> engine.deleteFlow(NAMESPACE, id));
    }

    @Test
    void the_weekly_report_reaches_the_team_chat_once_and_its_markdown_the_bucket(
        ConversaServices services, KestraEngine engine) {
        Execution first = engine.run(NAMESPACE, FLOW, Map.of(), TIMEOUT);
        assertEquals(State.Type.SUCCESS, first.getState().getCurrent(), () -> engine.explain(first));
        Map<String, Object> outputs = engine.flowOutputs(first);
        assertEquals("sent", outputs.get("status"), () -> engine.explain(first));
        String week = String.valueOf(outputs.get("week"));
        assertEquals("reports/" + week + ".md", outputs.get("report_key"));

        List<UazapiRequest> sent = teamTexts(services);
        assertEquals(1, sent.size(), () -> "one summary in the team chat: " + sent);
        String summary = sent.getFirst().text();
        assertTrue(summary.contains("Relatório da semana"), summary);
        assertTrue(summary.contains("Conversas: 5 · respondidas pelo bot: 5 · passadas para a equipe: 5"), summary);
        assertTrue(summary.contains("Tempo mediano até a primeira resposta: 4 s"), summary);
        int pizza = summary.indexOf("pizza");
        int bitcoin = summary.indexOf("bitcoin");
        assertTrue(pizza > 0 && bitcoin > pizza, () -> "the most asked (pizza, 3×) comes first: " + summary);
        assertTrue(summary.contains("3×") && summary.contains("2×"), summary);
        assertEquals("conversa", String.valueOf(sent.getFirst().json().get("track_source")));

        // The whole report, in Markdown, in the bucket.
        services.python("import sys; from app.container import build_container; "
            + "text = build_container().blobs().get(sys.argv[1]).decode(); "
            + "assert text.startswith('# Relatório da semana ' + sys.argv[2]) and 'Tem pizza de calabresa?' in text, text",
            List.of("reports/" + week + ".md", week), new byte[0]);

        // The same week again: nothing more in the team chat.
        Execution again = engine.run(NAMESPACE, FLOW, Map.of(), TIMEOUT);
        assertEquals(State.Type.SUCCESS, again.getState().getCurrent(), () -> engine.explain(again));
        assertEquals("already_sent", engine.flowOutputs(again).get("status"), () -> engine.explain(again));
        assertEquals(1, teamTexts(services).size(), () -> "still one summary: " + teamTexts(services));
    }

    private static List<UazapiRequest> teamTexts(ConversaServices services) {
        return services.uazapiRequestsFor(TEAM_CHAT).stream()
            .filter(r -> r.path().equals("/send/text") && r.status() == 200)
            .filter(r -> r.text().contains("Relatório da semana")).toList();
    }
}
