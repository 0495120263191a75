package io.turnstile.bench.pps;

import java.util.List;

/**
 * The responders the harness knows, by the names the command line and the reports use.
 */
final class Responders
{
    /** Every responder, in the order a full run measures them. */
    static final List<String> NAMES = List.of("turnstile", "mmsg-nocrypto", "netty", "nio", "bc");

    private Responders()
    {
    }

    /**
     * Build a responder, not yet started.
     *
     * @param name    one of {@link #NAMES}.
     * @param context its configuration.
     * @return the responder.
     * @throws IllegalArgumentException for an unknown name.
     */
    static Responder create(final String name, final Responder.Context context)
    {
        return switch (name)
        {
            case "turnstile" -> new TurnstileResponder(context);
            case "mmsg-nocrypto" -> new MmsgNoCryptoResponder(context);
            case "netty" -> new NettyEpollResponder(context);
            case "nio" -> new NioResponder(context);
            case "bc" -> new BouncyCastleResponder(context);
            default -> throw new IllegalArgumentException("responder must be one of " + NAMES + ", got " + name);
        };
    }

    /**
     * Whether a responder has a batch size to vary: the NIO loops take one datagram per system call.
     *
     * @param name responder name.
     * @return true for turnstile, mmsg-nocrypto and netty.
     */
    static boolean batches(final String name)
    {
        return !"nio".equals(name) && !"bc".equals(name);
    }
}
