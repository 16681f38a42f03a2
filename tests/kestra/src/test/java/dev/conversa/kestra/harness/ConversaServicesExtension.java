package dev.conversa.kestra.harness;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts the JVM's {@link ConversaServices} (Redis, S3, fake Uazapi) before the class's tests,
 * and gives test constructors, lifecycle and test methods a {@code ConversaServices} parameter.
 * List it before {@link KestraEngineExtension}: the servers are up before any flow can run.
 */
public class ConversaServicesExtension implements BeforeAllCallback, ParameterResolver {

    @Override
    public void beforeAll(ExtensionContext context) {
        ConversaServices.shared();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == ConversaServices.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        return ConversaServices.shared();
    }
}
