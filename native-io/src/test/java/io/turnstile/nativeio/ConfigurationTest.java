package io.turnstile.nativeio;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Defaults come from system properties when set, from the compiled defaults otherwise, and a context's setter
 * overrides either.
 */
class ConfigurationTest
{
    @AfterEach
    void clearProperties()
    {
        System.clearProperty(Configuration.BATCH_SIZE_PROP_NAME);
        System.clearProperty(Configuration.RECEIVE_BUFFER_BYTES_PROP_NAME);
        System.clearProperty(Configuration.WORKERS_PROP_NAME);
    }

    @Test
    void shouldTakeTheCompiledDefaultsWithoutProperties()
    {
        assertEquals(BatchSocket.Context.DEFAULT_BATCH_SIZE, new BatchSocket.Context().batchSize());
        assertEquals(BatchSocket.Context.DEFAULT_RECEIVE_BUFFER_BYTES, new BatchSocket.Context().receiveBufferBytes());
        assertEquals(VerifierServer.Context.DEFAULT_SPARE_COUNTERS, new VerifierServer.Context().spareCounters());
    }

    @Test
    void shouldStartEveryNewContextFromTheSystemProperties()
    {
        System.setProperty(Configuration.BATCH_SIZE_PROP_NAME, "32");
        System.setProperty(Configuration.RECEIVE_BUFFER_BYTES_PROP_NAME, "65536");
        System.setProperty(Configuration.WORKERS_PROP_NAME, "3");

        assertEquals(32, new BatchSocket.Context().batchSize());
        assertEquals(65_536, new VerifierServer.Context().receiveBufferBytes());
        assertEquals(3, new VerifierServer.Context().workers());
        assertEquals(8, new BatchSocket.Context().batchSize(8).batchSize(), "a setter overrides the property");
    }
}
