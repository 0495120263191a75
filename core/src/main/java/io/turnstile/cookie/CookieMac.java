package io.turnstile.cookie;

/**
 * A keyed MAC that cookies are made with. Implementations keep every per-key precomputation and scratch space
 * up front, so that {@link #compute(byte[], int, int, byte[], int)} allocates nothing.
 * <p>
 * <b>Note:</b> instances are not thread safe; a {@link CookieGenerator} owns its own.
 */
public interface CookieMac
{
    /**
     * The algorithm this MAC implements.
     *
     * @return the algorithm.
     */
    MacAlgorithm algorithm();

    /**
     * Key the MAC. Called on key rotation only, never per packet, so it may allocate.
     *
     * @param key of {@link MacAlgorithm#keyLength()} bytes.
     */
    void init(byte[] key);

    /**
     * MAC a message.
     *
     * @param input       holding the message, at most {@code CookieGenerator.MAX_MAC_INPUT} bytes; not modified.
     * @param offset      of the message.
     * @param length      of the message.
     * @param output      receiving {@link MacAlgorithm#macLength()} bytes.
     * @param outputOffset at which to write.
     */
    void compute(byte[] input, int offset, int length, byte[] output, int outputOffset);
}
