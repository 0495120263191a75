package io.turnstile.codec;

/**
 * What a datagram on a port shared by STUN, DTLS, media and QUIC is, decided by its first byte: RFC 7983 section 7,
 * with the ranges RFC 9443 section 3 updates it to.
 * <pre>
 *   first byte   0..3     STUN (RFC 8489)              ZRTP        16..19
 *                20..63   DTLS (record content types 20..25, DTLS 1.3 unified header 0b001xxxxx)
 *                64..79   TURN channel (RFC 8656)      RTP / RTCP  128..191
 *                80..127  QUIC (RFC 9000)              QUIC        192..255
 *                4..15    not assigned
 * </pre>
 * {@link #of(int)} is one array load; nothing allocates.
 */
public enum DatagramClass
{
    /** 0..3: a STUN message, e.g. an ICE binding request. */
    STUN,
    /** 16..19: ZRTP (RFC 6189). */
    ZRTP,
    /** 20..63: a DTLS record: the verifier's. */
    DTLS,
    /** 64..79: TURN ChannelData. */
    TURN_CHANNEL,
    /** 80..127 and 192..255: QUIC. */
    QUIC,
    /** 128..191: RTP or RTCP (version 2 in the top bits). */
    RTP_RTCP,
    /** 4..15: nothing assigned. */
    UNASSIGNED;

    private static final DatagramClass[] VALUES = values();
    private static final byte[] BY_FIRST_BYTE = new byte[256];

    static
    {
        for (int b = 0; b < 256; b++)
        {
            final DatagramClass type;
            if (b <= 3)
            {
                type = STUN;
            }
            else if (b <= 15)
            {
                type = UNASSIGNED;
            }
            else if (b <= 19)
            {
                type = ZRTP;
            }
            else if (b <= 63)
            {
                type = DTLS;
            }
            else if (b <= 79)
            {
                type = TURN_CHANNEL;
            }
            else if (b <= 127)
            {
                type = QUIC;
            }
            else if (b <= 191)
            {
                type = RTP_RTCP;
            }
            else
            {
                type = QUIC;
            }
            BY_FIRST_BYTE[b] = (byte)type.ordinal();
        }
    }

    /**
     * The class of a datagram starting with this byte.
     *
     * @param firstByte the datagram's first byte, 0..255 (mask a signed byte with 0xFF).
     * @return its class.
     */
    public static DatagramClass of(final int firstByte)
    {
        return VALUES[BY_FIRST_BYTE[firstByte & 0xFF]];
    }

    /**
     * Whether a datagram starting with this byte is DTLS (20..63): the one comparison a demultiplexing worker makes
     * before anything else.
     *
     * @param firstByte the first byte, 0..255.
     * @return true for DTLS.
     */
    public static boolean isDtls(final int firstByte)
    {
        final int b = firstByte & 0xFF;
        return b >= 20 && b <= 63;
    }
}
