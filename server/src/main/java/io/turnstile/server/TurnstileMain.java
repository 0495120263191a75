package io.turnstile.server;

/**
 * Entry point of {@code scripts/turnstile}: dispatches to the sub-command named first on the command line.
 */
public final class TurnstileMain
{
    private TurnstileMain()
    {
    }

    /**
     * Run a sub-command.
     *
     * @param args the sub-command and its options.
     */
    public static void main(final String[] args)
    {
        System.err.println("usage: turnstile serve --bind HOST:PORT [options]  (not built yet)");
        System.exit(2);
    }
}
