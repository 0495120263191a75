package io.turnstile.nativeio;

/**
 * Defaults of the native-io components, each overridable by a system property, Aeron's {@code Configuration} way: a
 * Context field starts from the method here, so {@code -Dturnstile.batch.size=32} changes every context made after
 * it, and a setter on the context changes one. Limits are not here: each is checked once, by the context that owns
 * the value ({@link BatchSocket.Context}, {@link VerifierServer.Context}).
 */
public final class Configuration
{
    /** System property for datagrams per recvmmsg/sendmmsg. */
    public static final String BATCH_SIZE_PROP_NAME = "turnstile.batch.size";
    /** System property for the bytes of one receive or send slot. */
    public static final String SLOT_BYTES_PROP_NAME = "turnstile.slot.bytes";
    /** System property for SO_RCVBUF of each worker socket. */
    public static final String RECEIVE_BUFFER_BYTES_PROP_NAME = "turnstile.receive.buffer.bytes";
    /** System property for SO_SNDBUF of each worker socket. */
    public static final String SEND_BUFFER_BYTES_PROP_NAME = "turnstile.send.buffer.bytes";
    /** System property for the number of workers; 0 means one per CPU given, else per available processor. */
    public static final String WORKERS_PROP_NAME = "turnstile.workers";
    /** System property for the counters a server reserves beyond its workers', for components that add their own. */
    public static final String SPARE_COUNTERS_PROP_NAME = "turnstile.spare.counters";

    private Configuration()
    {
    }

    /**
     * Datagrams per batch.
     *
     * @return the property, else {@link BatchSocket.Context#DEFAULT_BATCH_SIZE}.
     */
    public static int batchSize()
    {
        return Integer.getInteger(BATCH_SIZE_PROP_NAME, BatchSocket.Context.DEFAULT_BATCH_SIZE);
    }

    /**
     * Bytes of a slot: the longest datagram received whole.
     *
     * @return the property, else {@link BatchSocket.Context#DEFAULT_SLOT_BYTES}.
     */
    public static int slotBytes()
    {
        return Integer.getInteger(SLOT_BYTES_PROP_NAME, BatchSocket.Context.DEFAULT_SLOT_BYTES);
    }

    /**
     * Kernel receive buffer per socket.
     *
     * @return the property, else {@link BatchSocket.Context#DEFAULT_RECEIVE_BUFFER_BYTES}.
     */
    public static int receiveBufferBytes()
    {
        return Integer.getInteger(RECEIVE_BUFFER_BYTES_PROP_NAME, BatchSocket.Context.DEFAULT_RECEIVE_BUFFER_BYTES);
    }

    /**
     * Kernel send buffer per socket.
     *
     * @return the property, else {@link BatchSocket.Context#DEFAULT_SEND_BUFFER_BYTES}.
     */
    public static int sendBufferBytes()
    {
        return Integer.getInteger(SEND_BUFFER_BYTES_PROP_NAME, BatchSocket.Context.DEFAULT_SEND_BUFFER_BYTES);
    }

    /**
     * Workers of a server.
     *
     * @return the property, else 0 (decided when the context concludes).
     */
    public static int workers()
    {
        return Integer.getInteger(WORKERS_PROP_NAME, 0);
    }

    /**
     * Counters reserved for other components.
     *
     * @return the property, else {@link VerifierServer.Context#DEFAULT_SPARE_COUNTERS}.
     */
    public static int spareCounters()
    {
        return Integer.getInteger(SPARE_COUNTERS_PROP_NAME, VerifierServer.Context.DEFAULT_SPARE_COUNTERS);
    }
}
