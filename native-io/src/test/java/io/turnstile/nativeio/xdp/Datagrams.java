package io.turnstile.nativeio.xdp;

import java.nio.ByteBuffer;

/**
 * Test support: UDP payloads for the XDP filter, laid out by RFC 6347 §4.1 (record), §4.2.2 (handshake header) and
 * §4.2.1 (ClientHello).
 */
final class Datagrams
{
    private Datagrams()
    {
    }

    /**
     * An epoch-0 ClientHello record, DTLS 1.2, one fragment.
     *
     * @param cookieLength 0 for a first hello, else the length of a cookie of 0x5a bytes.
     * @param sessionIdLength bytes of session_id, 0 to 32.
     * @return the payload.
     */
    static byte[] clientHello(final int cookieLength, final int sessionIdLength)
    {
        final int body = 2 + 32 + 1 + sessionIdLength + 1 + cookieLength + 2 + 2 + 2;
        final ByteBuffer buffer = ByteBuffer.allocate(13 + 12 + body);
        buffer.put((byte)22).putShort((short)0xfefd).putShort((short)0).putShort((short)0).putInt(0)
            .putShort((short)(12 + body));
        buffer.put((byte)1).put((byte)0).putShort((short)body).putShort((short)0)
            .put((byte)0).putShort((short)0).put((byte)0).putShort((short)body);
        buffer.putShort((short)0xfefd).put(new byte[32]).put((byte)sessionIdLength).put(new byte[sessionIdLength]);
        buffer.put((byte)cookieLength);
        for (int i = 0; i < cookieLength; i++)
        {
            buffer.put((byte)0x5a);
        }
        buffer.putShort((short)2).putShort((short)0xc02b).put((byte)1).put((byte)0);
        return buffer.array();
    }

    /**
     * A DTLS record of the given type, epoch and body length, version 1.2.
     *
     * @param type   content type.
     * @param epoch  epoch.
     * @param length body bytes (zeros).
     * @return the payload.
     */
    static byte[] record(final int type, final int epoch, final int length)
    {
        final ByteBuffer buffer = ByteBuffer.allocate(13 + length);
        buffer.put((byte)type).putShort((short)0xfefd).putShort((short)epoch).putShort((short)0).putInt(1)
            .putShort((short)length);
        return buffer.array();
    }

    /**
     * A ClientHello fragment with a non-zero fragment offset (a later piece of a fragmented hello).
     *
     * @return the payload.
     */
    static byte[] laterHelloFragment()
    {
        final byte[] hello = clientHello(0, 0);
        hello[13 + 6 + 2] = 10;
        return hello;
    }

    /**
     * Bytes of a constant.
     *
     * @param length how many.
     * @param value  each byte.
     * @return the payload.
     */
    static byte[] filled(final int length, final int value)
    {
        final byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte)value);
        return bytes;
    }
}
