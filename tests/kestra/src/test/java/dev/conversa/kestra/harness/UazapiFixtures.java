package dev.conversa.kestra.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Webhook bodies built from the real Uazapi captures in {@code tests/fixtures/uazapi/} (see
 * {@code SOURCE.md} there), the way the Python tests build theirs: the captured body with its
 * text, message id and instance token replaced. Each scenario also gets its own customer number, so that the
 * scenarios' chats never meet.
 */
public final class UazapiFixtures {

    /** A customer's text message, captured from a one-to-one chat. */
    public static final String CUSTOMER_TEXT = "titobahe__user-chat__from-others__text.sent.json";
    /** The owner typing on the business phone (fromMe, not sent by the API), same chat. */
    public static final String OWNER_TEXT = "titobahe__user-chat__from-me__text.sent.event.json";

    /** The token a forged body carries (not the instance's). */
    public static final String FORGED_TOKEN = "forged-token-0000";

    /** The customer's number in those captures; every occurrence is replaced by the scenario's. */
    private static final String CAPTURED_NUMBER = "11565944224";
    private static final ObjectMapper JSON = new ObjectMapper();

    private UazapiFixtures() {
    }

    /** The chat a body lands in, computed as Conversa does: {@code instanceName/chatid}. */
    public static String chatId(String body) {
        try {
            var data = JSON.readTree(body);
            return data.path("instanceName").asText() + "/" + data.path("message").path("chatid").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Uazapi body builder for one customer number (digits, e.g. {@code 5541990000001}). */
    public static Chat chat(String number) {
        return new Chat(number);
    }

    public record Chat(String number) {

        /** The chat key Conversa gives this customer's chat in the captures' instance. */
        public String id() {
            return chatId(customer("x", "x"));
        }

        /** A text from the customer. */
        public String customer(String text, String messageId) {
            return body(CUSTOMER_TEXT, text, messageId, false);
        }

        /** A text typed by the owner on the business phone. */
        public String owner(String text, String messageId) {
            return body(OWNER_TEXT, text, messageId, false);
        }

        /** A customer's text as forged by someone who knows the webhook URL but not the instance token. */
        public String forged(String text, String messageId) {
            return body(CUSTOMER_TEXT, text, messageId, false)
                .replace(ConversaServices.secret("UAZAPI_TOKEN"), FORGED_TOKEN);
        }

        /** A text Conversa itself sent through the API, echoed back by Uazapi ({@code fromMe} + {@code wasSentByApi}). */
        public String sentByApi(String text, String messageId) {
            return body(OWNER_TEXT, text, messageId, true);
        }

        private String body(String fixture, String text, String messageId, boolean sentByApi) {
            try {
                String captured = Files.readString(fixtures().resolve(fixture)).replace(CAPTURED_NUMBER, number);
                ObjectNode data = (ObjectNode) JSON.readTree(captured);
                ObjectNode message = (ObjectNode) data.get("message");
                message.put("text", text);
                ((ObjectNode) message.get("content")).put("text", text);
                message.put("messageid", messageId);
                message.put("id", data.path("owner").asText() + ":" + messageId);
                message.put("wasSentByApi", sentByApi);
                // Signed as Uazapi signs its webhooks: with the instance's token, the one the flows configure.
                data.put("token", ConversaServices.secret("UAZAPI_TOKEN"));
                return JSON.writeValueAsString(data);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static Path fixtures() {
        return ConversaServices.repositoryRoot().resolve("tests/fixtures/uazapi");
    }
}
