package io.kestra.plugin.scripts.shell;

import io.kestra.core.models.property.Property;
import io.kestra.core.models.tasks.InputFilesInterface;
import io.kestra.core.models.tasks.RunnableTask;
import io.kestra.core.models.tasks.Task;
import io.kestra.core.models.tasks.runners.TaskRunner;
import io.kestra.core.runners.RunContext;
import io.kestra.plugin.core.runner.Process;
import io.kestra.plugin.scripts.runner.docker.Docker;
import io.kestra.plugin.scripts.exec.scripts.models.ScriptOutput;
import io.kestra.plugin.scripts.exec.scripts.runners.CommandsWrapper;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * TEST-SCOPE STAND-IN for the official {@code io.kestra.plugin.scripts.shell.Commands} task
 * (plugin-script-shell), which no registry reachable here serves. Production runs the official
 * plugin shipped in the {@code kestra/kestra} image; this class exists so that Conversa's flows
 * can run on Kestra 2.0.0's real engine in tests.
 *
 * <p>Written from Kestra's public API only. It deliberately declares only the properties
 * Conversa's flows use ({@code commands}, {@code env}, {@code inputFiles}, {@code taskRunner}),
 * on top of the ones every task inherits from {@link Task} ({@code id}, {@code type},
 * {@code description}, {@code timeout}, {@code retry}, {@code runIf}, …). Kestra's YAML mapper
 * fails on unknown fields, so a flow using any other property of the real plugin (e.g.
 * {@code containerImage}, {@code beforeCommands}, {@code interpreter}) fails to load here:
 * the flows stay inside the subset this suite actually exercises.
 *
 * <p>The work is done by Kestra's own script machinery ({@link CommandsWrapper}): the commands
 * are joined into one {@code /bin/sh -c} script run by the task runner (the {@link Docker} runner
 * by default, as in the real plugin; Conversa's flows name {@link Process}, which inherits the
 * worker JVM's environment, PATH included), {@code inputFiles} are
 * written to the working directory, and {@code ::{"outputs":…}::} / {@code ::{"metrics":…}::}
 * lines on stdout become the task's {@code vars} outputs and metrics. A non-zero exit code
 * fails the task.
 */
public class Commands extends Task implements RunnableTask<ScriptOutput>, InputFilesInterface {

    /** Like the real shell plugin: the commands form one POSIX shell script. */
    private static final List<String> SHELL = List.of("/bin/sh", "-c");

    @NotNull
    private Property<List<String>> commands;

    private Property<Map<String, String>> env;

    /** A map of file name to (rendered) content, or an expression giving one; Kestra's type. */
    private Object inputFiles;

    /** The real plugin's default: the Docker runner (a flow that wants the worker itself says so). */
    @Valid
    private TaskRunner<?> taskRunner = Docker.instance();

    /** Held so that {@link #kill()} (timeout, execution killed) can stop the running process. */
    private transient volatile TaskRunner<?> runningRunner;

    public Commands() {
        // Kestra's plugin discovery (ServiceLoader) and its YAML mapper both need this.
    }

    @Override
    public ScriptOutput run(RunContext runContext) throws Exception {
        Map<String, String> renderedEnv = env == null
            ? Map.of()
            : runContext.render(env).asMap(String.class, String.class);
        Duration renderedTimeout = getTimeout() == null
            ? null
            : runContext.render(getTimeout()).as(Duration.class).orElse(null);

        runningRunner = taskRunner;
        return new CommandsWrapper(runContext)
            .withEnv(renderedEnv)
            .withTaskRunner(taskRunner)
            .withInputFiles(inputFiles)
            .withTimeout(renderedTimeout)
            .withInterpreter(Property.ofValue(SHELL))
            // `set -e` first, as the real shell task's default failFast does.
            .withFailFast(true)
            .withBeforeCommandsWithOptions(true)
            .withCommands(commands)
            .run();
    }

    @Override
    public void kill() {
        TaskRunner<?> runner = runningRunner;
        if (runner != null) {
            runner.kill();
        }
    }

    public Property<List<String>> getCommands() {
        return commands;
    }

    public Property<Map<String, String>> getEnv() {
        return env;
    }

    @Override
    public Object getInputFiles() {
        return inputFiles;
    }

    public TaskRunner<?> getTaskRunner() {
        return taskRunner;
    }
}
