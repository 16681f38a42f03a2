package dev.conversa.kestra.harness;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives test constructors, lifecycle and test methods the JVM's shared {@link KestraEngine}:
 * {@code @ExtendWith(KestraEngineExtension.class)}, then ask for a {@code KestraEngine} parameter.
 * The engine boots once, for the first class that asks, and serves every later one.
 */
public class KestraEngineExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext extension) {
        return parameter.getParameter().getType() == KestraEngine.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext extension) {
        return KestraEngine.shared();
    }
}
