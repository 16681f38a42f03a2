package dev.conversa.kestra.harness;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The servers Conversa's flows talk to in the end-to-end tests, as plain processes on 127.0.0.1:
 * {@code redis-server}, the S3 server ({@code nanio}, from the project's virtualenv) and the fake
 * Uazapi ({@code python -m tests.fakes.uazapi_server}, run from the repository root).
 *
 * <p>They listen on the ports the pom reserved (build-helper's {@code reserve-network-port}) and
 * put into this JVM's environment as {@code CONVERSA_REDIS_URL}, {@code CONVERSA_S3_ENDPOINT} and
 * {@code CONVERSA_UAZAPI_URL}: the commands the flows run inherit that environment, so the servers
 * must be where it says. The S3 credentials and the Uazapi token are the decoded values of the
 * secrets the flows use ({@code SECRET_S3_*}, {@code SECRET_UAZAPI_TOKEN}).
 *
 * <p>Started once per JVM ({@link #shared()}), stopped when the JVM exits. Each server's output
 * goes to {@code target/conversa/<name>.log}.
 */
public final class ConversaServices {

    private static final Logger log = LoggerFactory.getLogger(ConversaServices.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
    private static ConversaServices shared;

    private final Path repo;
    private final Path logDir;
    private final List<Process> servers = new ArrayList<>();
    private final List<Path> dataDirs = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final RedisProbe redis;
    private final URI uazapiUrl;
    private final Map<String, String> commandEnv;

    /** The servers of this JVM, started on first use. */
    public static synchronized ConversaServices shared() {
        if (shared == null) {
            ConversaServices services = new ConversaServices(repositoryRoot());
            Runtime.getRuntime().addShutdownHook(new Thread(services::stop, "conversa-services-shutdown"));
            services.start();
            shared = services;
        }
        return shared;
    }

    private ConversaServices(Path repo) {
        this.repo = repo;
        this.logDir = repo.resolve("tests/kestra/target/conversa");
        URI redisUrl = URI.create(requiredEnv("CONVERSA_REDIS_URL"));
        this.redis = new RedisProbe(redisUrl.getHost(), redisUrl.getPort());
        this.uazapiUrl = URI.create(requiredEnv("CONVERSA_UAZAPI_URL"));
        // What a flow's task sees: this JVM's environment plus the secrets the flows map to CONVERSA_*.
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("CONVERSA_UAZAPI_TOKEN", secret("UAZAPI_TOKEN"));
        env.put("CONVERSA_S3_ACCESS_KEY", secret("S3_ACCESS_KEY"));
        env.put("CONVERSA_S3_SECRET_KEY", secret("S3_SECRET_KEY"));
        this.commandEnv = Map.copyOf(env);
    }

    /** The repository root (the pom passes it as {@code conversa.repo.dir}); it must hold the installed virtualenv. */
    public static Path repositoryRoot() {
        String configured = System.getProperty("conversa.repo.dir");
        Path root = (configured != null ? Path.of(configured) : Path.of("..", "..")).toAbsolutePath().normalize();
        if (!Files.isExecutable(root.resolve(".venv/bin/conversa"))) {
            throw new IllegalStateException(root.resolve(".venv/bin/conversa")
                + " is missing: the end-to-end tests run the project's own console script; run `make .venv/.real` first");
        }
        return root;
    }

    // ---- start and stop ----------------------------------------------------------------------

    private void start() {
        Instant begin = Instant.now();
        try {
            Files.createDirectories(logDir);
            startRedis();
            startS3();
            startUazapi();
        } catch (IOException | RuntimeException e) {
            stop();
            throw new IllegalStateException("could not start the end-to-end servers: " + e.getMessage(), e);
        }
        log.info("Redis, S3 (nanio) and fake Uazapi up in {} ms", Duration.between(begin, Instant.now()).toMillis());
    }

    private void startRedis() throws IOException {
        Path data = tempDir("conversa-redis");
        Process process = launch("redis", List.of("redis-server", "--bind", redis.host(), "--port", String.valueOf(redis.port()),
            "--save", "", "--appendonly", "no", "--dir", data.toString()), Map.of());
        awaitReady("redis-server", process, () -> "PONG".equals(redis.command("PING")));
    }

    private void startS3() throws IOException {
        String[] endpoint = requiredEnv("CONVERSA_S3_ENDPOINT").split(":");
        Path data = tempDir("conversa-s3");
        Process process = launch("nanio", List.of(repo.resolve(".venv/bin/nanio").toString(), "serve",
                "--host", endpoint[0], "--port", endpoint[1], "--data-dir", data.toString(),
                "--no-access-log", "--log-level", "warning"),
            Map.of("NANIO_ACCESS_KEY", commandEnv.get("CONVERSA_S3_ACCESS_KEY"),
                "NANIO_SECRET_KEY", commandEnv.get("CONVERSA_S3_SECRET_KEY")));
        URI root = URI.create("http://" + endpoint[0] + ":" + endpoint[1] + "/");
        awaitReady("nanio", process, () -> answers(root));
        // The knowledge bucket, created as production's compose does, through the S3 API.
        python("from app.container import build_container; build_container().blobs().ensure_bucket()", List.of(), new byte[0]);
    }

    private void startUazapi() throws IOException {
        Process process = launch("uazapi", List.of(repo.resolve(".venv/bin/python").toString(),
            "-m", "tests.fakes.uazapi_server", "--host", uazapiUrl.getHost(), "--port", String.valueOf(uazapiUrl.getPort()),
            "--token", commandEnv.get("CONVERSA_UAZAPI_TOKEN")), Map.of());
        awaitReady("the fake Uazapi", process, () -> answers(uazapiUrl.resolve("/_fake/requests")));
    }

    private Process launch(String name, List<String> command, Map<String, String> extraEnv) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command)
            .directory(repo.toFile()) // the fake Uazapi imports `tests.fakes`
            .redirectErrorStream(true)
            .redirectOutput(logDir.resolve(name + ".log").toFile());
        builder.environment().putAll(extraEnv);
        Process process = builder.start();
        servers.add(process);
        return process;
    }

    private void awaitReady(String name, Process process, BooleanSupplier ready) {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue() + "; see " + logDir);
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(name + " did not answer within " + START_TIMEOUT.toSeconds() + " s; see " + logDir);
            }
            sleep(Duration.ofMillis(100));
        }
    }

    private boolean answers(URI uri) {
        try {
            http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return true; // any HTTP answer (even 403) means the server is up
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private synchronized void stop() {
        for (Process process : servers) {
            process.destroy(); // SIGTERM: each of them exits cleanly on it
        }
        for (Process process : servers) {
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        servers.clear();
        dataDirs.forEach(ConversaServices::deleteTree);
        dataDirs.clear();
    }

    // ---- the commands, as the flows run them ---------------------------------------------------

    /** The environment a flow's command gets: this JVM's, plus the CONVERSA_* the flows map from secrets. */
    public Map<String, String> commandEnv() {
        return commandEnv;
    }

    /** A command's exit code and output; {@link #result()} is the JSON object on its last stdout line. */
    public record CommandRun(int exitCode, String stdout, String stderr) {
        public Map<String, Object> result() {
            List<String> lines = stdout.strip().lines().toList();
            if (lines.isEmpty()) {
                throw new AssertionError("the command printed nothing on stdout; stderr:\n" + stderr);
            }
            return parse(lines.getLast(), new TypeReference<>() { });
        }
    }

    /** Runs {@code conversa args…} to completion with {@link #commandEnv()} plus {@code extraEnv}. */
    public CommandRun conversa(Map<String, String> extraEnv, String... args) {
        List<String> command = new ArrayList<>(List.of(repo.resolve(".venv/bin/conversa").toString()));
        command.addAll(List.of(args));
        return run(command, extraEnv, new byte[0]);
    }

    /** Starts {@code conversa args…} in the background (to kill it); its output goes to target/conversa. */
    public Process startConversa(Map<String, String> extraEnv, String logName, String... args) {
        List<String> command = new ArrayList<>(List.of(repo.resolve(".venv/bin/conversa").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true)
            .redirectOutput(logDir.resolve(logName + ".log").toFile());
        builder.environment().clear();
        builder.environment().putAll(commandEnv);
        builder.environment().putAll(extraEnv);
        try {
            return builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes an object to the knowledge bucket on the S3 server, with the application's own blob store. */
    public void putKnowledgeObject(String key, byte[] content) {
        python("import sys; from app.container import build_container; "
            + "build_container().blobs().put(sys.argv[1], sys.stdin.buffer.read())", List.of(key), content);
    }

    /**
     * Uploads the bundled example FAQ under {@code docs/} and publishes its index with
     * {@code conversa ingest}, as an owner would before the first message; returns the index's checksum.
     */
    public String publishTheExampleKnowledge() throws IOException {
        Path faq = repositoryRoot().resolve("app/examples/knowledge/perguntas-frequentes.md");
        putKnowledgeObject("docs/perguntas-frequentes.md", Files.readAllBytes(faq));
        CommandRun ingest = conversa(Map.of(), "ingest", "--prefix", "docs/");
        assertEquals(0, ingest.exitCode(), ingest::stderr);
        return (String) ingest.result().get("checksum");
    }

    /** Runs {@code python -c code args…} with the commands' environment; fails the test if it fails. */
    public void python(String code, List<String> args, byte[] stdin) {
        List<String> command = new ArrayList<>(List.of(repo.resolve(".venv/bin/python").toString(), "-c", code));
        command.addAll(args);
        CommandRun run = run(command, Map.of(), stdin);
        if (run.exitCode() != 0) {
            throw new IllegalStateException("python -c failed (" + run.exitCode() + "): " + run.stderr());
        }
    }

    private CommandRun run(List<String> command, Map<String, String> extraEnv, byte[] stdin) {
        ProcessBuilder builder = new ProcessBuilder(command).directory(repo.toFile());
        builder.environment().clear();
        builder.environment().putAll(commandEnv);
        builder.environment().putAll(extraEnv);
        try {
            Process process = builder.start();
            try (var in = process.getOutputStream()) {
                in.write(stdin);
            }
            // Output is small: read stderr on another thread so that neither pipe can fill up.
            var stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
            String stdout = readAll(process.getInputStream());
            if (!process.waitFor(2, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new AssertionError("timed out: " + command);
            }
            return new CommandRun(process.exitValue(), stdout, stderr.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // ---- the fake Uazapi ---------------------------------------------------------------------

    /**
     * One request the fake Uazapi received: {@code time} in epoch seconds, {@code status} what it
     * answered (0: never answered, e.g. still stalled by {@link #slowUazapi}).
     */
    public record UazapiRequest(String method, String path, Map<String, Object> json, double time, int status) {
        public String number() {
            return json == null ? "" : String.valueOf(json.getOrDefault("number", ""));
        }

        public String text() {
            return json == null ? "" : String.valueOf(json.getOrDefault("text", ""));
        }

        public Instant at() {
            return Instant.ofEpochMilli(Math.round(time * 1000));
        }
    }

    /** Every request the fake Uazapi received, oldest first. */
    public List<UazapiRequest> uazapiRequests() {
        List<Map<String, Object>> raw = parse(get(uazapiUrl.resolve("/_fake/requests")), new TypeReference<>() { });
        return raw.stream().map(r -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> json = r.get("json") instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
            return new UazapiRequest((String) r.get("method"), (String) r.get("path"), json,
                ((Number) r.get("time")).doubleValue(), ((Number) r.get("status")).intValue());
        }).toList();
    }

    /**
     * The requests about one WhatsApp number (their {@code number} field), oldest first:
     * {@code /send/text} and {@code /message/presence}. A {@code /message/markread} names message
     * ids only: look for it in {@link #uazapiRequests()}.
     */
    public List<UazapiRequest> uazapiRequestsFor(String number) {
        return uazapiRequests().stream().filter(r -> number.equals(r.number())).toList();
    }

    /** The texts the fake Uazapi accepted for {@code number} (its {@code /send/text} with status 200), oldest first. */
    public List<String> sentTextsTo(String number) {
        return uazapiRequestsFor(number).stream()
            .filter(r -> r.path().equals("/send/text") && r.status() == 200).map(UazapiRequest::text).toList();
    }

    /** The next request to {@code path} stalls this long before it is answered. */
    public void slowUazapi(String path, Duration delay) {
        post(uazapiUrl.resolve("/_fake/slow"), Map.of("path", path, "seconds", delay.toMillis() / 1000.0));
    }

    // ---- Redis -------------------------------------------------------------------------------

    /** {@code GET key} on the tests' Redis (null if absent): to look at what the commands stored. */
    public String redisGet(String key) {
        return redis.command("GET", key);
    }

    // ---- plumbing ----------------------------------------------------------------------------

    private String get(URI uri) {
        return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build());
    }

    private void post(URI uri, Object body) {
        try {
            send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String send(HttpRequest request) {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(request.uri() + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static <T> T parse(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new AssertionError("not the expected JSON: " + json, e);
        }
    }

    private static String readAll(InputStream stream) {
        try {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path tempDir(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        dataDirs.add(dir);
        return dir;
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            log.debug("could not delete {}", dir, e);
        }
    }

    private static String requiredEnv(String name) {
        String value = System.getenv(name);
        if (value == null || value.isBlank()) {
            throw new IllegalStateException(name + " is not set: the pom sets it for the test JVM (run through Maven)");
        }
        return value;
    }

    /** A Kestra secret as the flows see it: {@code SECRET_<NAME>}, base64-decoded. */
    public static String secret(String name) {
        return new String(Base64.getDecoder().decode(requiredEnv("SECRET_" + name)), StandardCharsets.UTF_8);
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
