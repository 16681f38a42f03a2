package dev.conversa.kestra.harness;

import java.util.Set;

/** Loads the harness's own test flows (src/test/resources/flows) once per engine. */
public final class HarnessFlows {

    public static final Set<String> IDS = Set.of("shell-outputs", "shell-fails", "shell-timeout", "shell-default-runner", "webhook-echo",
        "retried-first", "retried-second");

    private static boolean loaded;

    private HarnessFlows() {
    }

    public static synchronized void ensureLoaded(KestraEngine engine) {
        if (loaded) {
            return;
        }
        FlowLoadReport report = engine.loadFlows(TestFlows.resourceFolder("flows"));
        if (!report.missing(IDS).isEmpty()) {
            throw new IllegalStateException("harness flows did not load: " + report.missing(IDS) + "\n" + report.describe());
        }
        loaded = true;
    }
}
