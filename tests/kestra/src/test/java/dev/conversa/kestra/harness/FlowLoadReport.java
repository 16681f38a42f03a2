package dev.conversa.kestra.harness;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What {@code LocalFlowRepositoryLoader} did with a folder: the ids of the flows it saved, and
 * the warnings it logged. The loader does not throw for an invalid flow, it logs a WARN and
 * skips it, so the warnings are the only place the reason shows up.
 */
public record FlowLoadReport(List<String> loadedFlowIds, List<String> warnings) {

    /** The expected ids that did not load, in name order. */
    public Set<String> missing(Set<String> expected) {
        Set<String> missing = new TreeSet<>(expected);
        loadedFlowIds.forEach(missing::remove);
        return missing;
    }

    /** A multi-line explanation for an assertion message. */
    public String describe() {
        StringBuilder text = new StringBuilder("loaded ").append(loadedFlowIds);
        if (warnings.isEmpty()) {
            text.append("; the loader logged no warning");
        } else {
            text.append("; the loader warned:");
            warnings.forEach(w -> text.append("\n  - ").append(w));
        }
        return text.toString();
    }
}
