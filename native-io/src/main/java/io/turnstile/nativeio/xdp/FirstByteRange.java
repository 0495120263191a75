package io.turnstile.nativeio.xdp;

/**
 * An inclusive range of a UDP payload's first byte that the XDP filter passes to the kernel instead of dropping as
 * "not DTLS": RFC 7983 §7 demultiplexes STUN, ZRTP, DTLS, TURN channels and RTP/RTCP sharing one port by that byte.
 *
 * @param low  lowest first byte, 0 to 255.
 * @param high highest first byte, low to 255.
 */
public record FirstByteRange(int low, int high)
{
    /** STUN (RFC 8489), first byte 0–3. */
    public static final FirstByteRange STUN = new FirstByteRange(0, 3);
    /** ZRTP (RFC 6189), first byte 16–19. */
    public static final FirstByteRange ZRTP = new FirstByteRange(16, 19);
    /** DTLS 1.3 ciphertext records with the unified header (RFC 9147 §4), first byte 32–63 ({@code 001xxxxx}). */
    public static final FirstByteRange DTLS13_CIPHERTEXT = new FirstByteRange(32, 63);
    /** TURN channel data (RFC 8656), first byte 64–79. */
    public static final FirstByteRange TURN_CHANNEL = new FirstByteRange(64, 79);
    /** RTP and RTCP (RFC 3550), first byte 128–191. */
    public static final FirstByteRange RTP_RTCP = new FirstByteRange(128, 191);

    /**
     * Check the bounds.
     *
     * @param low  lowest first byte.
     * @param high highest first byte.
     */
    public FirstByteRange
    {
        if (low < 0 || high > 255 || low > high)
        {
            throw new IllegalArgumentException("first byte range must be within 0..255 and low <= high, got " +
                low + ".." + high);
        }
    }
}
