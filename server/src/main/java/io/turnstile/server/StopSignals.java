package io.turnstile.server;

import io.turnstile.nativeio.LibC;

import java.lang.foreign.Arena;
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
 * <p>
 * A process started with SIGHUP ignored ({@code nohup}, or a parent that ignores it) keeps it ignored: HotSpot leaves
 * an ignored shutdown signal alone, so a handler registered for it never runs. The master key reload asks for SIGHUP
 * explicitly, so {@link #installHangup(Consumer)} puts the default disposition back through {@code signal(2)} and
 * registers again; the server then neither dies on a hang-up (what {@code nohup} was for) nor misses a reload.
 */
final class StopSignals
{
    /** The signals that stop the server. */
    static final String[] NAMES = { "INT", "TERM" };

    /** What {@link #installHangup(Consumer)} managed. */
    enum Hangup
    {
        /** SIGHUP calls back. */
        HANDLED,
        /** SIGHUP was ignored when the process started; it was reset and now calls back. */
        HANDLED_AFTER_RESET,
        /** SIGHUP is ignored and could not be reset: it will not call back. */
        IGNORED,
        /** This JVM offers no signal API. */
        UNAVAILABLE
    }

    private static final int SIGHUP = 1;

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
        boolean handled = true;
        for (final String name : NAMES)
        {
            handled &= null != handle(name, onSignal);
        }
        return handled;
    }

    /**
     * Handle SIGHUP by calling back with "SIGHUP" instead of exiting (the fleet's master key reload), resetting it to
     * the default disposition first when the process started with it ignored.
     *
     * @param onSignal called on the JVM's signal thread.
     * @return what was managed; anything but {@link Hangup#HANDLED} and {@link Hangup#HANDLED_AFTER_RESET} means no
     *         reload on SIGHUP.
     */
    static Hangup installHangup(final Consumer<String> onSignal)
    {
        final Object previous = handle("HUP", onSignal);
        if (null == previous)
        {
            return Hangup.UNAVAILABLE;
        }
        if (!isIgnored(previous))
        {
            return Hangup.HANDLED;
        }
        if (!setDisposition(SIGHUP, LibC.SIG_DFL))
        {
            return Hangup.IGNORED;
        }
        final Object again = handle("HUP", onSignal);
        if (null != again && !isIgnored(again))
        {
            return Hangup.HANDLED_AFTER_RESET;
        }
        // Not registered after all: ignore it again rather than let a hang-up end a server started under nohup.
        setDisposition(SIGHUP, LibC.SIG_IGN);
        return Hangup.IGNORED;
    }

    private static boolean isIgnored(final Object handler)
    {
        try
        {
            return handler == Class.forName("sun.misc.SignalHandler").getField("SIG_IGN").get(null);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            return false;
        }
    }

    /**
     * Set a signal's disposition with {@code signal(2)}, below the JVM: only for one HotSpot left alone.
     *
     * @param disposition {@link LibC#SIG_DFL} or {@link LibC#SIG_IGN}.
     * @return false when the call failed or cannot be made (no FFM bindings here).
     */
    private static boolean setDisposition(final int signal, final long disposition)
    {
        try (Arena arena = Arena.ofConfined())
        {
            return LibC.signal(arena.allocate(LibC.ERRNO_STATE_LAYOUT), signal, disposition) == 0;
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return false;
        }
    }

    /**
     * Register a handler calling back with the signal's name.
     *
     * @return the handler it replaced (sun.misc.SignalHandler.SIG_IGN when the signal was and stays ignored), or null
     *         when this JVM offers no signal API.
     */
    private static Object handle(final String name, final Consumer<String> onSignal)
    {
        try
        {
            final Class<?> signalClass = Class.forName("sun.misc.Signal");
            final Class<?> handlerClass = Class.forName("sun.misc.SignalHandler");
            final Constructor<?> newSignal = signalClass.getConstructor(String.class);
            final Method handle = signalClass.getMethod("handle", signalClass, handlerClass);
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
            return handle.invoke(null, newSignal.newInstance(name), handler);
        }
        catch (final ReflectiveOperationException | RuntimeException ex)
        {
            return null;
        }
    }
}
