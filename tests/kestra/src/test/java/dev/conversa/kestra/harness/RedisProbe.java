package dev.conversa.kestra.harness;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Just enough of Redis's protocol (RESP) to ask the tests' server whether it is up ({@code PING})
 * and to read a value the commands stored ({@code GET}): a client library for two commands
 * would be more than the tests need. One connection per command.
 */
record RedisProbe(String host, int port) {

    /**
     * Sends one command; returns a simple or bulk string reply (null for a nil bulk), a number as
     * text, or null when the server cannot be reached. An error reply throws.
     */
    String command(String... words) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 500);
            socket.setSoTimeout(5_000);
            OutputStream out = socket.getOutputStream();
            out.write(encode(words));
            out.flush();
            return readReply(new BufferedInputStream(socket.getInputStream()));
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] encode(String... words) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(("*" + words.length + "\r\n").getBytes(StandardCharsets.UTF_8));
        for (String word : words) {
            byte[] data = word.getBytes(StandardCharsets.UTF_8);
            bytes.writeBytes(("$" + data.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            bytes.writeBytes(data);
            bytes.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static String readReply(InputStream in) throws IOException {
        int type = in.read();
        String line = readLine(in);
        return switch (type) {
            case '+', ':' -> line;
            case '-' -> throw new IllegalStateException("Redis answered an error: " + line);
            case '$' -> {
                int length = Integer.parseInt(line);
                if (length < 0) {
                    yield null;
                }
                byte[] data = in.readNBytes(length);
                readLine(in); // the CRLF after the data
                yield new String(data, StandardCharsets.UTF_8);
            }
            default -> throw new IllegalStateException("unexpected Redis reply type '" + (char) type + "'");
        };
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\r'; b = in.read()) {
            if (b < 0) {
                throw new IOException("Redis closed the connection");
            }
            line.write(b);
        }
        in.read(); // '\n'
        return line.toString(StandardCharsets.UTF_8);
    }
}
