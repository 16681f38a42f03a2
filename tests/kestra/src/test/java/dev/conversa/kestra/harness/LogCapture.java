package dev.conversa.kestra.harness;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/** Collects the WARN-and-above lines one logger writes while a block of code runs. */
final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    private final Logger logger;
    private final List<String> lines = new ArrayList<>();

    private LogCapture(Class<?> source) {
        this.logger = (Logger) LoggerFactory.getLogger(source);
        setName("conversa-capture");
        setContext(logger.getLoggerContext());
        start();
        logger.addAppender(this);
    }

    static LogCapture warningsOf(Class<?> source) {
        return new LogCapture(source);
    }

    @Override
    protected synchronized void append(ILoggingEvent event) {
        if (!event.getLevel().isGreaterOrEqual(Level.WARN)) {
            return;
        }
        StringBuilder line = new StringBuilder(event.getFormattedMessage());
        // The reason a flow is invalid is often only in the exception chain.
        for (IThrowableProxy cause = event.getThrowableProxy(); cause != null; cause = cause.getCause()) {
            String message = cause.getClassName() + ": " + cause.getMessage();
            if (line.indexOf(message) < 0) { // wrapped exceptions often repeat their cause's message
                line.append(" | ").append(message);
            }
        }
        lines.add(line.toString());
    }

    synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        logger.detachAppender(this);
        stop();
    }
}
