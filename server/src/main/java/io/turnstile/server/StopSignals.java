package io.turnstile.server;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.Consumer;

/**
 * Turns SIGINT and SIGTERM into a call the server can act on, naming the signal, so the summary it prints on the way
 * out can say which one stopped it (a shutdown hook alone cannot tell).
 * <p>
 * The JDK's only handler API is {@code sun.misc.Signal} in {@code jdk.unsupported}; javac warns about it without a way
 * to suppress the warning, and the build fails on warnings, so it is reached reflectively. Where it is missing,
 * {@link #install(Consumer)} says so and the caller relies on its shutdown hook.
 */
final class StopSignals
{
    /** The signals that stop the server. */
    static final String[] NAMES = { "INT", "TERM" };

    private StopSignals()
    {
    }

    /**
     * Handle SIGINT and SIGTERM by calling back with "SIGINT" or "SIGTERM" instead of exiting.
     *
     * @param onSignal called on the JVM's signal thread; must return promptly.
     * @return true when both are handled; false when this JVM offers no signal API.
     */
    static boolean install(final Consumer<String> onSignal)
    {
        return handle(NAMES, onSignal);
    }

    /**
     * Handle SIGHUP by calling back with "SIGHUP" instead of exiting (the fleet's master key reload).
     *
     * @param onSignal called on the JVM's signal thread.
     * @return true when handled; false when this JVM offers no signal API.
     */
    static boolean installHangup(final Consumer<String> onSignal)
    {
        return handle(new String[]{ "HUP" }, onSignal);
    }

    private static boolean handle(final String[] names, final Consumer<String> onSignal)
    {
        try
        {
            final Class<?> signalClass = Class.forName("sun.misc.Signal");
            final Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            final Constructor<?> newSignal = signalClass.getConstructor(String.class);
            final Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
            for (final String name : names)
            {
                final Object handler = Proxy.newProxyInstance(
                    handlerClass.getClassLoader(),
                    new Class<?>[]{ handlerClass },
                    (proxy, method, args) -> switch (method.getName())
                    {
                        case "handle" ->
                        {
                            onSignal.accept("SIG" + name);
                            yield null;
                        }
                        case "hashCode" -> System.identityHashCode(proxy);
                        case "equals" -> proxy == args[0];
                        default -> "turnstile SIG" + name + " handler";
                    });
                handle.invoke(null, newSignal.newInstance(name), handler);
            }
            return true;
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            return false;
        }
    }
}
