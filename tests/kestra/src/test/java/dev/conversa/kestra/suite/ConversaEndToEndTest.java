package dev.conversa.kestra.suite;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.kestra.core.models.flows.State;
import io.kestra.core.storages.StorageInterface;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Conversa's real flows, end to end, on Kestra 2.0.0's engine: webhooks posted to the webhook
 * route, the project's own {@code conversa} console script run by the worker, a real Redis, the
 * S3 server and the fake Uazapi ({@link ConversaServices}). The assertions are on what the fake
 * Uazapi received and on Kestra's execution states and flow outputs.
 *
 * <p>The pom gives the commands a 2 s quiet period, typing delays of 0.1–0.3 s and a 5 s lease.
 * Each scenario has its own customer number (its own chat), so the scenarios cannot see each
 * other's messages; the sweep's Schedule, which fires every minute while this class runs, may
 * start an extra processor for a chat, which the lease turns into a no-op: so the assertions
 * count answers, never processors started by the sweep.
 *
 * <p>The orphaned chat (scenario 4) is made before the flows load, in {@link #setUp}, so that
 * the wait for the sweep's minute overlaps the other scenarios; it is checked last.
 */
@ExtendWith({ConversaServicesExtension.class, KestraEngineExtension.class})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConversaEndToEndTest {

    private static final Logger log = LoggerFactory.getLogger(ConversaEndToEndTest.class);
    static final String NAMESPACE = "conversa";
    static final Set<String> FLOWS = TestFlows.CONVERSA_FLOWS;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String WEBHOOK_KEY = ConversaServices.secret("WEBHOOK_KEY");
    /** CONVERSA_QUIET_MS, as the pom sets it for the commands. */
    static final Duration QUIET = Duration.ofMillis(Long.parseLong(System.getenv("CONVERSA_QUIET_MS")));
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);
    /** The sweep fires on the minute; the orphan's lease must have expired first. */
    static final Duration SWEEP_TIMEOUT = Duration.ofSeconds(130);

    static final Chat BURST = UazapiFixtures.chat("5541990000001");
    static final Chat DUPLICATE = UazapiFixtures.chat("5541990000002");
    static final Chat ECHO = UazapiFixtures.chat("5541990000003");
    static final Chat TAKEOVER = UazapiFixtures.chat("5541990000004");
    static final Chat ORPHAN = UazapiFixtures.chat("5541990000005");
    static final Chat KNOWLEDGE = UazapiFixtures.chat("5541990000006");
    static final Chat MALFORMED = UazapiFixtures.chat("5541990000007");
    static final Chat FORGED = UazapiFixtures.chat("5541990000008");
    static final Chat SHORT_GAP = UazapiFixtures.chat("5541990000009");
    static final Chat LONG_GAP = UazapiFixtures.chat("5541990000010");
    static final Chat MID_WRITE = UazapiFixtures.chat("5541990000011");
    static final Chat FAILED_READ = UazapiFixtures.chat("5541990000012");

    /** The part the killed processor was sending when it died (stalled at the fake Uazapi). */
    static UazapiRequest orphanStalledPart;
    /** The checksum of the index published before the flows ran (the example FAQ only). */
    static String baseIndexChecksum;

    @BeforeAll
    static void setUp(ConversaServices services, KestraEngine engine) throws Exception {
        baseIndexChecksum = services.publishTheExampleKnowledge();
        // Before the flows load: no sweep and no processor can take the orphan's batch first,
        // and nothing else is sending when the fake Uazapi's next /send/text is made to stall.
        orphanStalledPart = orphanAChat(services);

        FlowLoadReport report = engine.loadFlows(TestFlows.conversaFlows());
        assertTrue(report.missing(FLOWS).isEmpty(), () -> "the flows did not all load: " + report.describe());
    }

    /** The real flows' Schedule must not fire behind the other test classes, which run no servers. */
    @AfterAll
    static void unloadConversaFlows() {
        KestraEngine engine = KestraEngine.shared();
        FLOWS.forEach(id -> engine.deleteFlow(TestFlows.namespaceOf(id), id));
    }

    // ---- 1. a burst ---------------------------------------------------------------------------

    @Test
    @Order(1)
    void a_burst_of_three_messages_gets_one_answer_in_order_with_typing_before_each_part(
        ConversaServices services, KestraEngine engine) throws Exception {
        List<String> texts = List.of("Oi", "vocês fazem entrega?", "qual a taxa de entrega?");
        List<String> receiveIds = new ArrayList<>();
        Instant lastPosted = null;
        for (int i = 0; i < texts.size(); i++) {
            if (i > 0) {
                Thread.sleep(1000);
            }
            lastPosted = Instant.now();
            receiveIds.add(post(engine, BURST.customer(texts.get(i), "BURST-" + i)));
        }

        List<Execution> receives = receiveIds.stream().map(id -> engine.awaitTerminal(id, ANSWER_TIMEOUT)).toList();
        for (Execution receive : receives) {
            assertSucceeded(engine, receive);
            assertEquals("buffered", engine.flowOutputs(receive).get("status"), () -> engine.explain(receive));
            assertEquals(State.Type.SUCCESS, taskState(receive, "start-processing"),
                "every message schedules a processor, due when its own quiet period ends");
        }

        Execution answered = awaitAnswer(engine, BURST);
        // Each processor got its message's due time as an input (rendered per execution) and its
        // loop held `conversa process` back until a second before it.
        for (Execution receive : receives) {
            String processAt = taskVars(engine, receive, "receive").get("process_at").toString();
            String processorId = engine.taskOutputs(receive, "start-processing").get("executionId").toString();
            Execution processor = engine.awaitTerminal(processorId, ANSWER_TIMEOUT);
            assertSucceeded(engine, processor);
            assertEquals(processAt, processor.getInputs().get("due").toString(), () -> engine.explain(processor));
            Instant due = Instant.parse(processAt);
            for (Instant started : engine.commandStarts(processor.getId(), "process")) {
                assertFalse(started.isBefore(due.minusSeconds(1)), () -> "ran at " + started + ", due " + due);
            }
        }
        assertTrue(processRuns(engine, BURST) >= 1);
        List<UazapiRequest> requests = services.uazapiRequestsFor(BURST.number());
        List<UazapiRequest> parts = sent(requests);
        assertEquals(partsSent(engine, answered), parts.size(), () -> "one answer: " + requests);
        assertTrue(parts.size() >= 2, () -> "the answer has a greeting and a passage: " + parts);

        // Typing presence right before each part.
        for (UazapiRequest part : parts) {
            UazapiRequest before = requests.get(requests.indexOf(part) - 1);
            assertEquals("/message/presence", before.path(), () -> "no presence before " + part + " in " + requests);
            assertEquals("composing", before.json().get("presence"));
        }
        // The three messages were read together, and answered as one turn, parts in the order composed.
        List<String> ids = List.of("BURST-0", "BURST-1", "BURST-2");
        assertEquals(List.of(ids), services.uazapiRequests().stream() // markread names messages, not the number
            .filter(r -> r.path().equals("/message/markread") && ids.contains(((List<?>) r.json().get("id")).getFirst()))
            .map(r -> r.json().get("id")).toList());
        List<Map<String, Object>> turns = history(services, BURST);
        assertEquals(List.of("customer", "assistant"), turns.stream().map(t -> t.get("role")).toList());
        assertEquals(String.join("\n", texts), turns.get(0).get("text"), "the burst is one customer turn");
        assertEquals(String.join("\n\n", parts.stream().map(UazapiRequest::text).toList()), turns.get(1).get("text"),
            "the parts arrived in the order the answer was composed");
        assertTrue(turns.get(1).get("text").toString().contains("R$ 7,00"), "answered from the knowledge base");

        assertFalse(parts.getFirst().at().isBefore(lastPosted.plus(QUIET)), "answered once the customer was quiet");
        assertTrue(processRuns(engine, BURST) <= texts.size(), () -> "one `conversa process` per message at most, got "
            + processRuns(engine, BURST));
        Duration latency = Duration.between(lastPosted, parts.getFirst().at()).minus(QUIET);
        log.info("burst: first part {} ms after the quiet period that followed the last webhook ({} `conversa process` runs)",
            latency.toMillis(), processRuns(engine, BURST));
    }

    /**
     * Two bursts in a row that need different waits each wait their own. A flow whose wait is a
     * value rendered from one execution's outputs (a LoopUntil interval, a Pause duration) fails
     * this: Kestra caches that value with the flow, so the second burst waits the first one's wait
     * (here: it comes back every 0.3 s for 4 s, running `conversa process` a dozen times).
     */
    @Test
    @Order(0)
    void two_bursts_needing_different_waits_each_wait_their_own(ConversaServices services, KestraEngine engine)
        throws Exception {
        // The second burst's messages are almost a quiet period apart: it needs a wait many times
        // the first one's.
        for (var burst : List.of(Map.entry(SHORT_GAP, Duration.ofMillis(300)), Map.entry(LONG_GAP, QUIET.minusSeconds(1)))) {
            Chat chat = burst.getKey();
            String first = post(engine, chat.customer("Oi, bom dia", chat.number() + "-1"));
            Thread.sleep(burst.getValue());
            Instant lastPosted = Instant.now();
            String second = post(engine, chat.customer("vocês fazem entrega?", chat.number() + "-2"));
            for (String receive : List.of(first, second)) {
                Execution done = engine.awaitTerminal(receive, ANSWER_TIMEOUT);
                assertEquals("buffered", engine.flowOutputs(done).get("status"), () -> engine.explain(done));
            }

            awaitAnswer(engine, chat);
            List<UazapiRequest> parts = sent(services.uazapiRequestsFor(chat.number()));
            assertFalse(parts.getFirst().at().isBefore(lastPosted.plus(QUIET)),
                () -> chat.number() + " was answered before its customer had been quiet for " + QUIET);
            assertEachProcessorWaitedForItsOwnMessage(engine, chat);
            int runs = processRuns(engine, chat);
            assertTrue(runs <= 2, () -> chat.number() + ": " + runs + " `conversa process` runs for a burst of 2 messages");
            log.info("wait {}: {} ms between the messages, first part {} ms after the quiet period, {} process runs",
                chat.number(), burst.getValue().toMillis(),
                Duration.between(lastPosted, parts.getFirst().at()).minus(QUIET).toMillis(), runs);
        }
    }

    /**
     * Kestra 2.0.0's local storage writes a KV entry in place (it truncates the file, then writes),
     * so a read of the chat's due time at that instant finds an empty file and throws; a
     * {@code kv()} in the wait's condition failed the whole execution, and the burst waited for
     * the sweep. Here the entry's metadata is held empty during the processor's wait, for three
     * of its checks: the processor still answers on time. (It is whole again before
     * {@code check-due} reads it: a read that fails is the next test's.)
     */
    @Test
    @Order(1)
    void a_due_time_caught_mid_write_during_the_wait_costs_nothing(ConversaServices services, KestraEngine engine)
        throws Exception {
        Instant posted = postThenHoldItsDueTimeEmpty(engine, MID_WRITE, () -> Thread.sleep(1500));

        awaitAnswer(engine, MID_WRITE);
        assertAnsweredBeforeTheSweep(services, MID_WRITE, posted);
    }

    /**
     * {@code check-due}'s read of the chat's due time fails (the entry held empty, as if caught
     * mid-write): the read is only an optimisation, so the processor runs the command all the
     * same and answers on time; the execution ends WARNING, and the operator is not told.
     */
    @Test
    @Order(1)
    void a_due_time_read_that_fails_costs_nothing_and_the_operator_is_not_told(ConversaServices services,
                                                                                KestraEngine engine) throws Exception {
        Instant posted = postThenHoldItsDueTimeEmpty(engine, FAILED_READ, () ->
            engine.awaitExecution(NAMESPACE, "process-conversation", about(FAILED_READ).and(e ->
                e.findTaskRunsByTaskId("check-due").stream().anyMatch(run -> run.getState().getCurrent() == State.Type.WARNING)),
                ANSWER_TIMEOUT));

        List<Execution> processors = engine.awaitTerminalExecutions(NAMESPACE, "process-conversation", about(FAILED_READ),
            1, ANSWER_TIMEOUT);
        assertEquals(1, processors.size(), () -> processors.stream().map(engine::explain).toList().toString());
        Execution processor = processors.getFirst();
        assertEquals(State.Type.WARNING, processor.getState().getCurrent(), () -> engine.explain(processor));
        assertEquals("answered", engine.flowOutputs(processor).get("status"), () -> engine.explain(processor));
        assertEquals(1, engine.commandStarts(processor.getId(), "process").size(), () -> engine.explain(processor));
        assertEquals(partsSent(engine, processor), sent(services.uazapiRequestsFor(FAILED_READ.number())).size());
        assertAnsweredBeforeTheSweep(services, FAILED_READ, posted);
        Thread.sleep(2000); // a Flow trigger fires within a few hundred ms of what it sees
        assertTrue(engine.executions(TestFlows.namespaceOf("alert-on-failure"), "alert-on-failure").stream()
                .noneMatch(a -> a.getTrigger() != null
                    && processor.getId().equals(a.getTrigger().getVariables().get("executionId"))),
            "the operator was told of a processor that answered");
    }

    // ---- 2. what must not be answered twice, or at all ----------------------------------------

    @Test
    @Order(2)
    void the_same_webhook_delivered_twice_gets_one_answer(ConversaServices services, KestraEngine engine) {
        String body = DUPLICATE.customer("Qual o horário de funcionamento?", "DUPLICATE-1");
        Execution first = engine.awaitTerminal(post(engine, body), ANSWER_TIMEOUT);
        Execution again = engine.awaitTerminal(post(engine, body), ANSWER_TIMEOUT);

        assertEquals("buffered", engine.flowOutputs(first).get("status"), () -> engine.explain(first));
        assertEquals("duplicate", engine.flowOutputs(again).get("status"), () -> engine.explain(again));
        assertEquals(State.Type.SKIPPED, taskState(again, "start-processing"));

        Execution answered = awaitAnswer(engine, DUPLICATE);
        List<UazapiRequest> parts = sent(services.uazapiRequestsFor(DUPLICATE.number()));
        assertEquals(partsSent(engine, answered), parts.size(), () -> "one answer: " + parts);
        assertEquals(2, history(services, DUPLICATE).size(), "one customer turn, one answer");
    }

    @Test
    @Order(3)
    void a_message_sent_by_the_api_is_not_answered(ConversaServices services, KestraEngine engine) {
        Execution receive = engine.awaitTerminal(
            post(engine, ECHO.sentByApi("Olá! Aqui é o assistente virtual.", "ECHO-1")), ANSWER_TIMEOUT);

        assertSucceeded(engine, receive);
        Map<String, Object> outputs = taskVars(engine, receive, "receive");
        assertEquals("ignored", outputs.get("status"), () -> engine.explain(receive));
        assertTrue(outputs.get("reason").toString().contains("sent by the API"), outputs::toString);
        assertEquals(State.Type.SKIPPED, taskState(receive, "start-processing"));
        assertNothingSentAfterTheQuietPeriod(services, engine, ECHO);
    }

    @Test
    @Order(4)
    void the_owner_typing_on_the_phone_pauses_the_bot(ConversaServices services, KestraEngine engine) throws Exception {
        // The customer writes; while their processor waits for the quiet period, the owner answers
        // from the phone: the processor finds the chat taken over and sends nothing. The owner's
        // webhook is posted once the customer's was taken in, so nothing rests on the order in
        // which Kestra runs two executions.
        Execution customer = engine.awaitTerminal(
            post(engine, TAKEOVER.customer("Oi, vocês abrem no domingo?", "TAKEOVER-1")), ANSWER_TIMEOUT);
        assertEquals("buffered", engine.flowOutputs(customer).get("status"), () -> engine.explain(customer));
        Execution owner = engine.awaitTerminal(
            post(engine, TAKEOVER.owner("Oi! Abrimos sim, das 7h às 13h.", "TAKEOVER-2")), ANSWER_TIMEOUT);
        assertEquals("takeover", engine.flowOutputs(owner).get("status"), () -> engine.explain(owner));

        List<Execution> processors = engine.awaitTerminalExecutions(NAMESPACE, "process-conversation",
            about(TAKEOVER), 1, ANSWER_TIMEOUT);
        for (Execution processor : processors) {
            assertSucceeded(engine, processor);
            assertNotEquals("answered", engine.flowOutputs(processor).get("status"), () -> engine.explain(processor));
        }
        assertTrue(processors.stream().anyMatch(p -> "suppressed".equals(engine.flowOutputs(p).get("status"))),
            "the processor dropped the batch of a chat the owner took over");

        // The customer's next message is not even buffered while the owner has the chat.
        Execution next = engine.awaitTerminal(post(engine, TAKEOVER.customer("Obrigado!", "TAKEOVER-3")), ANSWER_TIMEOUT);
        Map<String, Object> outputs = taskVars(engine, next, "receive");
        assertEquals("ignored", outputs.get("status"), () -> engine.explain(next));
        assertTrue(outputs.get("reason").toString().contains("takeover"), outputs::toString);
        assertEquals(State.Type.SKIPPED, taskState(next, "start-processing"));
        assertNothingSentAfterTheQuietPeriod(services, engine, TAKEOVER);
    }

    // ---- 3. a malformed body ------------------------------------------------------------------

    @Test
    @Order(5)
    void a_malformed_body_fails_receive_with_a_one_line_reason_is_kept_raw_and_not_retried(
        ConversaServices services, KestraEngine engine) throws Exception {
        // A real body cut short, as a dropped connection would deliver it: not JSON at all.
        String full = MALFORMED.customer("Vocês têm pão sem glúten?", "MALFORMED-1");
        String truncated = full.substring(0, full.length() / 2);

        Execution receive = engine.awaitTerminal(post(engine, truncated), ANSWER_TIMEOUT);

        assertEquals(State.Type.FAILED, receive.getState().getCurrent(), () -> engine.explain(receive));
        Map<String, Object> vars = taskVars(engine, receive, "receive");
        String reason = (String) vars.get("reason");
        assertEquals("rejected", vars.get("status"));
        assertTrue(reason.startsWith("webhook body is not JSON: "), reason);
        assertFalse(reason.contains("\n"), "one line");
        assertRejectedOnce(engine, receive, reason);

        CommandRun listing = services.conversa(Map.of(), "dead-letters", "--limit", "1000");
        assertEquals(0, listing.exitCode(), listing.stderr());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> letters = (List<Map<String, Object>>) listing.result().get("dead_letters");
        // Its own letter, by the id receive reported (the store may hold letters of earlier runs).
        List<Map<String, Object>> ours = letters.stream().filter(l -> l.get("id").equals(vars.get("dead_letter_id"))).toList();
        assertEquals(1, ours.size(), () -> "one dead letter holds the raw body; the store has: " + letters);
        assertTrue(String.valueOf(ours.getFirst().get("body")).startsWith(truncated.substring(0, 40)), "the raw body");
        // Not JSON, so its instance token cannot be read: kept among the bodies rejected as not authentic.
        assertEquals("auth", ours.getFirst().get("source"));
        assertEquals(reason, ours.getFirst().get("reason"));
    }

    /**
     * A rejected body is not a failure to retry: `conversa receive` ran once and succeeded (it kept
     * the body), the `rejected` Fail task failed the execution with the reason, and no processor
     * was started.
     */
    private static void assertRejectedOnce(KestraEngine engine, Execution receive, String reason) {
        rejectedExecutions.add(receive.getId());
        var runs = receive.findTaskRunsByTaskId("receive");
        assertEquals(1, runs.size());
        assertEquals(State.Type.SUCCESS, runs.getFirst().getState().getCurrent(), () -> engine.explain(receive));
        int attempts = runs.getFirst().getAttempts() == null ? 1 : runs.getFirst().getAttempts().size();
        assertEquals(1, attempts, () -> "a rejected body is not retried: " + engine.explain(receive));
        assertEquals(State.Type.FAILED, taskState(receive, "rejected"), () -> engine.explain(receive));
        assertTrue(engine.awaitLogLine(receive.getId(), line -> line.contains("conversa receive: rejected: " + reason), Duration.ofSeconds(10)),
            () -> "the reason is the execution's error: " + engine.explain(receive));
        assertTrue(receive.findTaskRunsByTaskId("start-processing").isEmpty(), "no processor for a rejected body");
    }

    // ---- 4. a forged webhook -------------------------------------------------------------------

    @Test
    @Order(8)
    void a_forged_webhook_fails_receive_changes_nothing_sends_nothing_and_is_not_retried(
        ConversaServices services, KestraEngine engine) throws Exception {
        // "parar" would opt the customer out and send the confirmation: a forged one must do neither.
        Execution receive = engine.awaitTerminal(post(engine, FORGED.forged("parar", "FORGED-1")), ANSWER_TIMEOUT);

        assertEquals(State.Type.FAILED, receive.getState().getCurrent(), () -> engine.explain(receive));
        Map<String, Object> vars = taskVars(engine, receive, "receive");
        assertEquals("rejected", vars.get("status"));
        assertEquals("webhook rejected: wrong token for instance 'eKoB39'", vars.get("reason"));
        assertRejectedOnce(engine, receive, vars.get("reason").toString());
        String logs = String.join("\n", engine.logs(receive.getId()));
        assertFalse(logs.contains(UazapiFixtures.FORGED_TOKEN) || logs.contains(ConversaServices.secret("UAZAPI_TOKEN")),
            "no token in the logs");
        assertNothingSentAfterTheQuietPeriod(services, engine, FORGED);

        // The customer was not opted out: their real message is answered.
        Execution genuine = engine.awaitTerminal(post(engine, FORGED.customer("Qual o horário?", "FORGED-2")), ANSWER_TIMEOUT);
        assertEquals("buffered", engine.flowOutputs(genuine).get("status"), () -> engine.explain(genuine));
        awaitAnswer(engine, FORGED);
        assertFalse(sent(services.uazapiRequestsFor(FORGED.number())).isEmpty(), "the genuine message is answered");
    }

    // ---- 5. the knowledge base ----------------------------------------------------------------

    @Test
    @Order(6)
    void ingest_knowledge_publishes_an_index_that_the_next_answer_uses(ConversaServices services, KestraEngine engine)
        throws Exception {
        // A fact no other document has: the next answer can only come from the new index.
        services.putKnowledgeObject("docs/oficina.md", """
            # Oficina de pão

            ## Oficina de fermentação natural
            A oficina de pão de fermentação natural acontece no primeiro sábado de cada mês, às 15h.
            A inscrição custa R$ 135,00 e inclui o fermento Levain Azul para levar para casa.
            """.getBytes(StandardCharsets.UTF_8));

        Execution ingest = engine.run(NAMESPACE, "ingest-knowledge", Map.of(), Duration.ofMinutes(3));

        assertSucceeded(engine, ingest);
        Map<String, Object> published = taskVars(engine, ingest, "ingest");
        assertEquals("ok", published.get("status"));
        assertEquals(2, published.get("documents"), "the FAQ and the new document");
        assertEquals("index/current/", published.get("index_key"));
        assertNotEquals(baseIndexChecksum, published.get("checksum"), "a new index was published");
        assertEquals(published.get("chunks"), engine.flowOutputs(ingest).get("chunks"));

        post(engine, KNOWLEDGE.customer("Quanto custa a oficina de pão de fermentação natural?", "KNOWLEDGE-1"));
        awaitAnswer(engine, KNOWLEDGE);
        String answer = String.join("\n\n", sent(services.uazapiRequestsFor(KNOWLEDGE.number())).stream()
            .map(UazapiRequest::text).toList());
        assertTrue(answer.contains("R$ 135,00") && answer.contains("Levain Azul"),
            () -> "the answer does not come from the new document: " + answer);
    }

    // ---- 4. the sweep -------------------------------------------------------------------------

    @Test
    @Order(7)
    void the_sweep_schedule_answers_a_chat_whose_processor_was_killed_exactly_once(
        ConversaServices services, KestraEngine engine) {
        Execution answered = awaitAnswer(engine, ORPHAN, SWEEP_TIMEOUT);

        // Nothing but the sweep can have started it: no webhook was ever posted for this chat.
        assertTrue(engine.executions(NAMESPACE, "receive-whatsapp").stream()
            .noneMatch(r -> ORPHAN.id().equals(engine.flowOutputs(r).get("chat_id"))));
        Execution sweep = engine.awaitExecution(NAMESPACE, "sweep-conversations", s -> KestraEngine.hasEnded(s)
            && listed(engine, s, "overdue").contains(ORPHAN.id()), Duration.ofSeconds(10));
        assertSucceeded(engine, sweep);
        // The sweep that put the batch back may be an earlier one: a chat is overdue only once it
        // has been due for CONVERSA_SWEEP_GRACE_MS, whatever minute its lease expired in.
        List<Execution> sweeps = engine.executions(NAMESPACE, "sweep-conversations");
        assertTrue(sweeps.stream().anyMatch(s -> KestraEngine.hasEnded(s) && listed(engine, s, "requeued").contains(ORPHAN.id())),
            () -> "a sweep put the killed processor's batch back: " + sweeps.stream()
                .map(s -> taskVars(engine, s, "sweep")).toList());

        List<UazapiRequest> texts = services.uazapiRequestsFor(ORPHAN.number()).stream()
            .filter(r -> r.path().equals("/send/text")).toList();
        List<UazapiRequest> delivered = texts.stream().filter(r -> r.status() == 200).toList();
        assertEquals(partsSent(engine, answered), delivered.size(), () -> "exactly one answer: " + texts);
        assertEquals(List.of(orphanStalledPart.text()), texts.stream().filter(r -> r.status() != 200)
            .map(UazapiRequest::text).toList(), "the killed processor's part was never answered by Uazapi");
        assertEquals(orphanStalledPart.text(), delivered.getFirst().text(),
            "the sweep's processor resumed the reply the killed one had composed");
    }

    // ---- 6. what reaches a command ------------------------------------------------------------

    /** Uazapi's exact bytes reach `conversa receive`: nothing parses and re-serialises them on the way. */
    @Test
    @Order(9)
    void the_exact_bytes_uazapi_sent_reach_conversa_receive(KestraEngine engine) throws Exception {
        String echo = ECHO.sentByApi("Olá! Aqui é o assistente virtual.", "BYTES-1");
        // What a JSON round trip would change: a null, 1.50, 1e2, escapes, a 20-digit number.
        String odd = "{\"extra\":{\"a\":null,\"b\":1.50,\"c\":1e2,\"d\":\"\\u00e9\\/x\\ud83d\\ude00\","
            + "\"n\":12345678901234567890},"
            + echo.substring(echo.indexOf('{') + 1);
        String notJson = "isto não é JSON {{ 7*7 }} \\u00e9 \"token\": ";
        for (String body : List.of(odd, notJson)) {
            Execution receive = engine.awaitTerminal(post(engine, body), ANSWER_TIMEOUT);
            Map<String, Object> vars = taskVars(engine, receive, "receive");
            assertEquals(sha256(body), vars.get("body_sha256"), () -> "other bytes reached conversa: " + engine.explain(receive));
            bytesExecutions.add(receive);
        }
        assertEquals("ignored", taskVars(engine, bytesExecutions.getFirst(), "receive").get("status"));
        assertEquals("rejected", taskVars(engine, bytesExecutions.getLast(), "receive").get("status"));
        rejectedExecutions.add(bytesExecutions.getLast().getId());
    }

    /**
     * A command's environment holds the CONVERSA_* settings and the secrets its flow grants, and
     * nothing else: not Kestra's configuration, not another service's password, not a secret the
     * flow did not ask for. Run with process-conversation's own `env` and the flows' `. conversa-env`.
     */
    @Test
    @Order(10)
    void a_command_sees_only_the_conversa_settings_and_the_secrets_its_flow_grants(KestraEngine engine) throws Exception {
        Map<String, Object> processTask = flowTask("process-conversation.yml", "process");
        @SuppressWarnings("unchecked")
        Map<String, Object> env = new java.util.LinkedHashMap<>((Map<String, Object>) processTask.get("env"));
        List<?> commands = (List<?>) processTask.get("commands");
        assertEquals(". conversa-env", commands.getFirst(), "the flow's commands start by dropping what they must not see");
        Map<String, Object> flow = Map.of(
            "id", "command-environment",
            "namespace", TestFlows.HARNESS_NAMESPACE,
            "inputs", flowPart("process-conversation.yml", "inputs"), // what the task's env reads
            "tasks", List.of(Map.of(
                "id", "names",
                "type", "io.kestra.plugin.scripts.shell.Commands",
                "taskRunner", Map.of("type", "io.kestra.plugin.core.runner.Process"),
                "env", env,
                "commands", List.of(commands.getFirst(),
                    "python3 -c \"import json, os; print('::' + json.dumps({'outputs': {'names': sorted(os.environ)}}) + '::')\""))));
        Path dir = Files.createTempDirectory("command-environment");
        Files.writeString(dir.resolve("command-environment.yml"), io.kestra.core.serializers.JacksonMapper.ofYaml().writeValueAsString(flow));
        assertTrue(engine.loadFlows(dir).missing(Set.of("command-environment")).isEmpty());
        try {
            Execution run = engine.run(TestFlows.HARNESS_NAMESPACE, "command-environment",
                Map.of("chat_id", "eKoB39/5541990000099@s.whatsapp.net"), ANSWER_TIMEOUT);
            assertSucceeded(engine, run);
            @SuppressWarnings("unchecked")
            List<String> names = (List<String>) taskVars(engine, run, "names").get("names");
            log.info("a command's environment: {}", names);
            Set<String> basics = Set.of("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "WORKING_DIR", "OUTPUT_DIR", "PWD");
            List<String> others = names.stream()
                .filter(n -> !n.startsWith("CONVERSA_") && !n.startsWith("LC_") && !basics.contains(n)).toList();
            assertEquals(List.of(), others, "variables a command must not see");
            assertTrue(names.containsAll(List.of("CONVERSA_UAZAPI_TOKEN", "CONVERSA_OPENAI_API_KEY", "CONVERSA_S3_SECRET_KEY",
                "CONVERSA_REDIS_URL")), () -> "the settings and the granted secrets: " + names);
            assertTrue(System.getenv().keySet().stream().anyMatch(n -> n.startsWith("SECRET_"))
                && System.getenv("KESTRA_CONFIGURATION") != null, "the worker's environment does hold them");
        } finally {
            engine.deleteFlow(TestFlows.HARNESS_NAMESPACE, "command-environment");
        }
    }

    /** Every FAILED execution in the namespace is seen by alert-on-failure, which messages the operator once per flow and hour. */
    @Test
    @Order(11)
    void failed_executions_are_reported_to_the_operator_once_per_flow_and_hour(ConversaServices services, KestraEngine engine) {
        String operator = System.getenv("CONVERSA_ALERT_CHAT");
        List<Execution> failed = rejectedExecutions.stream().map(id -> engine.execution(id).orElseThrow()).toList();
        assertTrue(failed.size() >= 2, "the rejected bodies above failed their executions");
        for (Execution one : failed) {
            Execution alert = engine.awaitExecution(TestFlows.namespaceOf("alert-on-failure"), "alert-on-failure",
                a -> KestraEngine.hasEnded(a)
                && one.getId().equals(a.getTrigger() == null ? null : a.getTrigger().getVariables().get("executionId")),
                ANSWER_TIMEOUT);
            assertSucceeded(engine, alert);
            assertTrue(engine.awaitLogLine(alert.getId(), l -> l.contains("receive-whatsapp") && l.contains("FAILED"), Duration.ofSeconds(10)),
                () -> engine.explain(alert));
        }
        List<UazapiRequest> alerts = sent(services.uazapiRequestsFor(operator)).stream()
            .filter(r -> r.text().contains("receive-whatsapp")).toList();
        assertEquals(1, alerts.size(), () -> "one message for receive-whatsapp's failures this hour: " + alerts);
        assertTrue(alerts.getFirst().text().contains("receive-whatsapp"), alerts.getFirst()::text);
    }

    /**
     * Kestra's scheduler fires, one after the other, every minute a long sweep blocked: under a
     * backlog they would run back to back. A minute fired more than 50 s late runs no command.
     */
    @Test
    @Order(96)
    void a_sweep_minute_fired_late_runs_nothing(KestraEngine engine) {
        java.time.ZonedDateTime now = java.time.ZonedDateTime.now(java.time.ZoneId.of("America/Sao_Paulo"));
        Execution late = sweepFiredAt(engine, now.minusMinutes(3));
        assertSucceeded(engine, late);
        assertEquals(State.Type.SKIPPED, taskState(late, "sweep"), () -> engine.explain(late));
        Execution onTime = sweepFiredAt(engine, now);
        assertSucceeded(engine, onTime);
        assertEquals(State.Type.SUCCESS, taskState(onTime, "sweep"), () -> engine.explain(onTime));
    }

    /**
     * Runs sweep-conversations as its every-minute trigger would have fired it at {@code date}.
     * The scheduled sweep keeps running beside the suite, and the flow's concurrency limit
     * cancels whichever of the two comes second: a cancelled run is tried again once the
     * scheduled one has ended (what the limit is for, not what this test checks).
     */
    private static Execution sweepFiredAt(KestraEngine engine, java.time.ZonedDateTime date) {
        Map<String, Object> variables = Map.of("date",
            date.withNano(0).format(java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        Execution run = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            engine.awaitTerminalExecutions(NAMESPACE, "sweep-conversations", 0, ANSWER_TIMEOUT);
            run = engine.runTriggered(NAMESPACE, "sweep-conversations", "every-minute", variables, ANSWER_TIMEOUT);
            if (run.getState().getCurrent() != State.Type.CANCELLED) {
                return run;
            }
        }
        return run;
    }

    /** Kestra's logs of every execution above never show a secret, nor the configuration's password. */
    @Test
    @Order(97)
    void no_log_shows_a_secret(KestraEngine engine) {
        List<String> secrets = new ArrayList<>(System.getenv().entrySet().stream()
            .filter(e -> e.getKey().startsWith("SECRET_"))
            .map(e -> ConversaServices.secret(e.getKey().substring("SECRET_".length()))).toList());
        secrets.add("suite-database-password");
        secrets.add(System.getenv("MINIO_ROOT_PASSWORD"));
        int lines = 0;
        for (String flow : FLOWS) {
            for (Execution execution : engine.executions(TestFlows.namespaceOf(flow), flow)) {
                for (String line : engine.logs(execution.getId())) {
                    lines++;
                    for (String secret : secrets) {
                        assertFalse(line.contains(secret), () -> "a secret in " + flow + "'s log: " + line);
                    }
                }
            }
        }
        assertTrue(lines > 0, "there were logs to look at");
    }

    /** purge-executions deletes the executions that ended, with their logs and stored bodies. */
    @Test
    @Order(98)
    void purge_executions_deletes_what_ended_with_its_logs_and_stored_bodies(KestraEngine engine) throws Exception {
        Execution old = bytesExecutions.getFirst();
        URI body = URI.create(old.getTrigger().getVariables().get("uri").toString());
        StorageInterface storage = engine.bean(StorageInterface.class);
        assertTrue(storage.exists(old.getTenantId(), NAMESPACE, body), "the webhook body was stored");
        assertTrue(engine.awaitLogLine(old.getId(), line -> true, Duration.ofSeconds(10)), "it has logs");

        Execution purge = engine.run(NAMESPACE, "purge-executions", Map.of("retention_days", 0), Duration.ofMinutes(2));

        assertSucceeded(engine, purge);
        assertTrue(((Number) engine.taskOutputs(purge, "executions").get("executionsCount")).intValue() > 0,
            () -> engine.explain(purge));
        assertTrue(engine.execution(old.getId()).isEmpty(), "the execution is gone");
        assertFalse(storage.exists(old.getTenantId(), NAMESPACE, body), "its stored body is gone");
        assertTrue(engine.logs(old.getId()).isEmpty(), "its logs are gone");
    }

    static final List<Execution> bytesExecutions = new ArrayList<>();
    /** The receive-whatsapp executions this class made fail (rejected bodies): what alert-on-failure must see. */
    static final List<String> rejectedExecutions = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** A task of one of the repository's flows, as written. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> flowTask(String file, String taskId) throws IOException {
        return ((List<Map<String, Object>>) flowPart(file, "tasks")).stream()
            .filter(t -> taskId.equals(t.get("id"))).findFirst().orElseThrow();
    }

    /** A top-level part of one of the repository's flows (its tasks, its inputs…), as written. */
    @SuppressWarnings("unchecked")
    private static Object flowPart(String file, String key) throws IOException {
        Map<String, Object> flow = io.kestra.core.serializers.JacksonMapper.ofYaml()
            .readValue(TestFlows.conversaFlows().resolve(file).toFile(), Map.class);
        return flow.get(key);
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- set-up ---------------------------------------------------------------------------------

    /** The example FAQ in the knowledge bucket, and an index of it published by `conversa ingest`. */

    /**
     * A chat whose processor died mid-answer: its message buffered by `conversa receive`, then a
     * `conversa process` run that claims the batch and is SIGKILLed while its first part is on the
     * wire (the fake Uazapi stalls it). The batch stays leased to a dead process until the lease
     * (5 s) expires; only the sweep can save it then.
     */
    private static UazapiRequest orphanAChat(ConversaServices services) throws Exception {
        Path body = Files.createTempFile("orphan-webhook", ".json");
        Files.writeString(body, ORPHAN.customer("Qual o preço do pão francês?", "ORPHAN-1"));
        CommandRun receive = services.conversa(Map.of(), "receive", "--body-file", body.toString());
        assertEquals("buffered", receive.result().get("status"), receive::stderr);

        services.slowUazapi("/send/text", Duration.ofMinutes(5));
        // A zero quiet period for this run only: the customer is taken as quiet already.
        Process processor = services.startConversa(Map.of("CONVERSA_QUIET_MS", "0"), "orphaned-processor",
            "process", "--chat", ORPHAN.id(), "--wait-ms", "0");
        try {
            Instant deadline = Instant.now().plusSeconds(30);
            while (true) {
                List<UazapiRequest> texts = services.uazapiRequestsFor(ORPHAN.number()).stream()
                    .filter(r -> r.path().equals("/send/text")).toList();
                if (!texts.isEmpty()) {
                    return texts.getFirst();
                }
                if (!processor.isAlive() || Instant.now().isAfter(deadline)) {
                    throw new AssertionError("the processor never sent a part (see target/conversa/orphaned-processor.log)");
                }
                Thread.sleep(50);
            }
        } finally {
            processor.destroyForcibly(); // SIGKILL: no `finally`, no release of the lease
            processor.waitFor();
            Files.delete(body);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** POSTs a body to receive-whatsapp's webhook; returns the execution it created. */
    private static String post(KestraEngine engine, String body) {
        return engine.postWebhookExecution(NAMESPACE, "receive-whatsapp", WEBHOOK_KEY, body);
    }

    private static Execution awaitAnswer(KestraEngine engine, Chat chat) {
        return awaitAnswer(engine, chat, ANSWER_TIMEOUT);
    }

    /**
     * Waits until a process-conversation of the chat answered, then checks that all of them
     * ended well and that exactly one answered (a second one, e.g. started by the sweep,
     * finds nothing left to do).
     */
    private static Execution awaitAnswer(KestraEngine engine, Chat chat, Duration timeout) {
        try {
            engine.awaitExecution(NAMESPACE, "process-conversation",
                e -> about(chat).test(e) && "answered".equals(outputsIfEnded(engine, e).get("status")), timeout);
        } catch (AssertionError timedOut) {
            throw new AssertionError("no processor answered " + chat.number() + "; its processors: "
                + engine.executions(NAMESPACE, "process-conversation").stream().filter(about(chat))
                    .map(e -> "scheduled for " + e.getScheduleDate() + ", states " + e.getState().getHistories()
                        + "\n" + engine.explain(e)).toList(), timedOut);
        }
        List<Execution> all = engine.awaitTerminalExecutions(NAMESPACE, "process-conversation", about(chat), 1, timeout);
        all.forEach(e -> assertSucceeded(engine, e));
        List<Execution> answered = all.stream().filter(e -> "answered".equals(engine.flowOutputs(e).get("status"))).toList();
        assertEquals(1, answered.size(), () -> "answered more than once: "
            + answered.stream().map(engine::explain).toList());
        return answered.getFirst();
    }

    private static Map<String, Object> outputsIfEnded(KestraEngine engine, Execution execution) {
        return KestraEngine.hasEnded(execution) ? engine.flowOutputs(execution) : Map.of();
    }

    private static Predicate<Execution> about(Chat chat) {
        return e -> chat.id().equals(e.getInputs() == null ? null : e.getInputs().get("chat_id"));
    }

    /** No process-conversation for the chat, and nothing sent to it, even once the quiet period is over. */
    private static void assertNothingSentAfterTheQuietPeriod(ConversaServices services, KestraEngine engine, Chat chat) {
        try {
            Thread.sleep(QUIET.plusSeconds(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        assertEquals(List.of(), sent(services.uazapiRequestsFor(chat.number())), "nothing was sent to " + chat.number());
        if (chat != TAKEOVER) {
            assertTrue(engine.executions(NAMESPACE, "process-conversation").stream().noneMatch(about(chat)),
                "no processor was started for " + chat.id());
        }
    }

    /**
     * How many times the processors receive-whatsapp scheduled for the chat ran `conversa process`
     * (every attempt). Those the sweep may start beside them are not counted: the sweep's minute
     * falls where it falls, and a processor it starts for a chat being answered finds it busy.
     */
    private static int processRuns(KestraEngine engine, Chat chat) {
        return engine.executions(NAMESPACE, "process-conversation").stream().filter(about(chat))
            .filter(e -> e.getTrigger() != null
                && "receive-whatsapp".equals(e.getTrigger().getVariables().get("flowId")))
            .mapToInt(e -> engine.commandStarts(e.getId(), "process").size())
            .sum();
    }

    /**
     * No processor receive-whatsapp started for the chat ran `conversa process` before its own
     * message was due (less the 1.5 s the command may wait out itself): each waited for its own
     * message's quiet period, not for a time rendered for another execution.
     */
    private static void assertEachProcessorWaitedForItsOwnMessage(KestraEngine engine, Chat chat) {
        List<Execution> processors = engine.executions(NAMESPACE, "process-conversation").stream().filter(about(chat))
            .filter(e -> e.getTrigger() != null && "receive-whatsapp".equals(e.getTrigger().getVariables().get("flowId")))
            .toList();
        assertFalse(processors.isEmpty());
        for (Execution processor : processors) {
            Execution receive = engine.execution(processor.getTrigger().getVariables().get("executionId").toString()).orElseThrow();
            Instant due = Instant.parse(taskVars(engine, receive, "receive").get("process_at").toString());
            // From the logs: a task inside a loop keeps one TaskRun, whose history shows its last run only.
            // A processor superseded by a later message runs no command at all.
            List<Instant> runs = engine.commandStarts(processor.getId(), "process");
            if (runs.isEmpty()) {
                assertEquals("superseded", engine.flowOutputs(processor).get("status"), () -> engine.explain(processor));
                continue;
            }
            Instant firstRun = runs.getFirst();
            assertFalse(firstRun.isBefore(due.minusMillis(1500)), () -> chat.number() + ": a processor ran `conversa process` at "
                + firstRun + ", its message due at " + due + "\n" + engine.explain(processor));
        }
    }

    /** What runs while a test holds a KV entry empty. */
    @FunctionalInterface
    private interface Meanwhile {
        void run() throws Exception;
    }

    /**
     * Posts the chat's question and checks it was buffered; then holds its due time's KV entry
     * empty (its metadata, as Kestra's local storage leaves it mid-write) while {@code meanwhile}
     * runs, and puts it back. Returns when the question was posted.
     */
    private static Instant postThenHoldItsDueTimeEmpty(KestraEngine engine, Chat chat, Meanwhile meanwhile) throws Exception {
        Instant posted = Instant.now();
        Execution receive = engine.awaitTerminal(post(engine, chat.customer("vocês fazem entrega?", chat.number() + "-1")),
            ANSWER_TIMEOUT);
        assertEquals("buffered", engine.flowOutputs(receive).get("status"), () -> engine.explain(receive));
        Path metadata = kvMetadataOf(engine, "due-" + sha1(chat.id()));
        byte[] written = Files.readAllBytes(metadata);
        Files.write(metadata, new byte[0]);
        try {
            meanwhile.run();
        } finally {
            Files.write(metadata, written);
        }
        return posted;
    }

    /** The chat's first part went out within 20 s of the quiet period: its own processor answered, not the sweep. */
    private static void assertAnsweredBeforeTheSweep(ConversaServices services, Chat chat, Instant posted) {
        List<UazapiRequest> parts = sent(services.uazapiRequestsFor(chat.number()));
        assertFalse(parts.isEmpty(), () -> "nothing was sent to " + chat.number());
        assertTrue(parts.getFirst().at().isBefore(posted.plus(QUIET).plusSeconds(20)),
            () -> "answered " + Duration.between(posted, parts.getFirst().at()) + " after the message: by the sweep?");
    }

    /** The metadata file Kestra's local storage keeps beside a KV entry of the namespace. */
    private static Path kvMetadataOf(KestraEngine engine, String key) throws IOException {
        try (var files = Files.walk(engine.storageDir())) {
            return files.filter(f -> f.getFileName().toString().startsWith(key)
                    && f.getFileName().toString().endsWith(".metadata"))
                .findFirst().orElseThrow(() -> new AssertionError("no KV entry " + key + " under " + engine.storageDir()));
        }
    }

    private static String sha1(String text) throws Exception {
        return java.util.HexFormat.of().formatHex(
            java.security.MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<UazapiRequest> sent(List<UazapiRequest> requests) {
        return requests.stream().filter(r -> r.path().equals("/send/text")).toList();
    }

    private static int partsSent(KestraEngine engine, Execution processor) {
        return ((Number) engine.flowOutputs(processor).get("parts_sent")).intValue();
    }

    private static void assertSucceeded(KestraEngine engine, Execution execution) {
        assertEquals(State.Type.SUCCESS, execution.getState().getCurrent(), () -> engine.explain(execution));
    }

    private static State.Type taskState(Execution execution, String taskId) {
        return execution.findTaskRunsByTaskId(taskId).getLast().getState().getCurrent();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> taskVars(KestraEngine engine, Execution execution, String taskId) {
        return (Map<String, Object>) engine.taskOutputs(execution, taskId).getOrDefault("vars", Map.of());
    }

    @SuppressWarnings("unchecked")
    private static List<String> listed(KestraEngine engine, Execution sweep, String field) {
        return (List<String>) taskVars(engine, sweep, "sweep").getOrDefault(field, List.of());
    }

    /**
     * The chat's conversation as `conversa process` saved it in Redis (key layout of
     * app/adapters/redis/keys.py): the turns, oldest first.
     */
    private static List<Map<String, Object>> history(ConversaServices services, Chat chat) {
        String key = System.getenv("CONVERSA_REDIS_NAMESPACE") + ":chat:" + chat.id() + ":history";
        String stored = services.redisGet(key);
        assertNotNull(stored, "no conversation stored at " + key);
        try {
            Map<String, Object> conversation = JSON.readValue(stored, new TypeReference<>() { });
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> turns = (List<Map<String, Object>>) conversation.get("turns");
            return turns;
        } catch (IOException e) {
            throw new AssertionError("not a conversation: " + stored, e);
        }
    }
}
