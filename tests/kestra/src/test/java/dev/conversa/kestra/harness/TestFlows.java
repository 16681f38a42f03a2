package dev.conversa.kestra.harness;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;

/** Where the flows under test are: the repository's own, and the harness's small ones. */
public final class TestFlows {

    /** The ids of the flows in the repository's {@code flows/}: what must load, and what a test unloads. */
    public static final Set<String> CONVERSA_FLOWS = Set.of(
        "receive-whatsapp", "process-conversation", "sweep-conversations", "ingest-knowledge",
        "purge-executions", "alert-on-failure", "report-knowledge-gaps");

    /** The namespace of one of Conversa's flows: the monitoring flow watches "conversa" from outside it. */
    public static String namespaceOf(String flowId) {
        return flowId.equals("alert-on-failure") ? "conversa.monitoring" : "conversa";
    }

    /** The namespace of every flow under src/test/resources/flows: apart from Conversa's own. */
    public static final String HARNESS_NAMESPACE = "conversa.harness";

    private TestFlows() {
    }

    /**
     * The repository's {@code flows/}, as they ship. Maven passes it as {@code conversa.flows.dir}
     * (module basedir + {@code ../../flows}); outside Maven, the same path from the working directory.
     */
    public static Path conversaFlows() {
        String configured = System.getProperty("conversa.flows.dir");
        Path folder = configured != null ? Path.of(configured) : Path.of("..", "..", "flows");
        return folder.toAbsolutePath().normalize();
    }

    /** A folder of test resources, e.g. {@code flows} or {@code invalid-flows/container-image}. */
    public static Path resourceFolder(String name) {
        URL url = Objects.requireNonNull(TestFlows.class.getClassLoader().getResource(name), "no test resource " + name);
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
