package dev.conversa.kestra.suite;

import dev.conversa.kestra.harness.ConversaServices;
import dev.conversa.kestra.harness.ConversaServicesExtension;
import dev.conversa.kestra.harness.FlowLoadReport;
import dev.conversa.kestra.harness.KestraEngine;
import dev.conversa.kestra.harness.KestraEngineExtension;
import dev.conversa.kestra.harness.TestFlows;
import dev.conversa.kestra.harness.UazapiFixtures;
import dev.conversa.kestra.harness.UazapiFixtures.Chat;
import io.kestra.core.models.executions.Execution;
import io.kestra.core.models.flows.State;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The owner's side through the real flows and the webhook route: a customer who asks for a person
 * is answered, the team chat (the pom's {@code CONVERSA_TEAM_CHAT}) gets one notice, a forged
 * {@code #bot} from the team chat fails and changes nothing, the genuine one gives the chat back
 * to the bot at once (answered in the team chat), and the customer's next question is answered.
 */
@ExtendWith({ConversaServicesExtension.class, KestraEngineExtension.class})
class OwnerSideEndToEndTest {

    static final String NAMESPACE = "conversa";
    static final String WEBHOOK_KEY = ConversaServices.secret("WEBHOOK_KEY");
    static final Duration TIMEOUT = Duration.ofSeconds(90);
    static final Chat CUSTOMER = UazapiFixtures.chat("5541990000031");
    static final Chat TEAM = UazapiFixtures.chat(System.getenv("CONVERSA_TEAM_CHAT"));
    static List<String> loaded = List.of();

    @BeforeAll
    static void setUp(ConversaServices services, KestraEngine engine) throws IOException {
        services.publishTheExampleKnowledge();
        FlowLoadReport report = engine.loadFlows(TestFlows.conversaFlows());
        loaded = report.loadedFlowIds();
        assertTrue(report.missing(Set.of("receive-whatsapp", "process-conversation")).isEmpty(), report::describe);
    }

    @AfterAll
    static void unloadTheFlows() {
        KestraEngine engine = KestraEngine.shared();
        loaded.forEach(id -> engine.deleteFlow(NAMESPACE, id));
    }

    @Test
    void a_handoff_tells_the_team_once_and_bot_from_the_team_chat_ends_the_takeover(
        ConversaServices services, KestraEngine engine) {
        receive(engine, CUSTOMER.customer("Quero falar com um atendente", "OWNER-1"), "buffered");
        awaitAnswered(engine, 1);
        List<String> notices = teamTexts(services).stream().filter(t -> t.contains("Atendimento humano")).toList();
        assertEquals(1, notices.size(), () -> "one notice: " + teamTexts(services));
        assertTrue(notices.getFirst().contains("https://wa.me/" + CUSTOMER.number())
            && notices.getFirst().contains("o cliente pediu para falar com uma pessoa"), notices::toString);

        // The bot stepped back: the customer's next message is not taken in.
        receive(engine, CUSTOMER.customer("Alô?", "OWNER-2"), "ignored");

        // A forged command from the team chat fails, sends nothing, changes nothing.
        String forged = post(engine, TEAM.forged("#bot " + CUSTOMER.number(), "OWNER-3"));
        assertEquals(State.Type.FAILED, engine.awaitTerminal(forged, TIMEOUT).getState().getCurrent());
        receive(engine, CUSTOMER.customer("Alô??", "OWNER-4"), "ignored");
        assertEquals(1, teamTexts(services).size(), () -> "nothing more in the team chat: " + teamTexts(services));

        // The genuine one gives the chat back at once, and says so in the team chat.
        receive(engine, TEAM.customer("#bot " + CUSTOMER.number(), "OWNER-5"), "command");
        assertTrue(teamTexts(services).getLast().contains("voltou para o bot"), () -> teamTexts(services).toString());
        receive(engine, CUSTOMER.customer("vocês aceitam pix?", "OWNER-6"), "buffered");
        awaitAnswered(engine, 2);
        assertTrue(customerTexts(services).getLast().contains("Pix"), () -> customerTexts(services).toString());
    }

    private static void receive(KestraEngine engine, String body, String status) {
        Execution done = engine.awaitTerminal(post(engine, body), TIMEOUT);
        assertEquals(State.Type.SUCCESS, done.getState().getCurrent(), () -> engine.explain(done));
        assertEquals(status, engine.flowOutputs(done).get("status"), () -> engine.explain(done));
    }

    /** POSTs a body to receive-whatsapp's webhook; returns the execution it created. */
    private static String post(KestraEngine engine, String body) {
        return engine.postWebhookExecution(NAMESPACE, "receive-whatsapp", WEBHOOK_KEY, body);
    }

    /** Waits until {@code count} processors of the customer's chat answered. */
    private static void awaitAnswered(KestraEngine engine, int count) {
        engine.awaitExecution(NAMESPACE, "process-conversation", e -> answered(engine, e) >= count, TIMEOUT);
    }

    private static long answered(KestraEngine engine, Execution ignored) {
        return engine.executions(NAMESPACE, "process-conversation").stream()
            .filter(e -> CUSTOMER.id().equals(e.getInputs() == null ? null : e.getInputs().get("chat_id")))
            .filter(KestraEngine::hasEnded)
            .filter(e -> "answered".equals(engine.flowOutputs(e).get("status")))
            .count();
    }

    /** What the team chat got about this customer (other test classes may write there too). */
    private static List<String> teamTexts(ConversaServices services) {
        return services.sentTextsTo(TEAM.number()).stream().filter(t -> t.contains(CUSTOMER.number())).toList();
    }

    private static List<String> customerTexts(ConversaServices services) {
        return services.sentTextsTo(CUSTOMER.number());
    }

}
