package io.turnstile.server;

import io.turnstile.cookie.CookieKeys;
import io.turnstile.cookie.FleetMasters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Re-reads {@code --master-key-file} on request (SIGHUP) and hands the masters to the running {@link CookieKeys},
 * which publishes a new immutable key ring whole: workers verifying meanwhile read the old ring or the new one, with
 * no lock on their path. A file that cannot be used (unreadable, readable by group or others, malformed, a tag
 * clash) leaves the keys in force and says why on stderr. Reloads are counted for the statistics line.
 */
final class MasterKeyReloader
{
    private final Path file;
    private final CookieKeys keys;
    private final PrintStream err;
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();

    /**
     * A reloader.
     *
     * @param file the master key file.
     * @param keys the fleet keys the server runs with.
     * @param err  where each reload is reported.
     */
    MasterKeyReloader(final Path file, final CookieKeys keys, final PrintStream err)
    {
        this.file = file;
        this.keys = keys;
        this.err = err;
    }

    /**
     * Read the file and publish its masters, or keep the keys in force when it cannot be used.
     *
     * @param reason what asked, for the message (e.g. "SIGHUP").
     * @return true when the new masters are in force.
     */
    synchronized boolean reload(final String reason)
    {
        try
        {
            final FleetMasters masters = MasterKeyFile.read(file);
            keys.reloadMasters(masters, System.currentTimeMillis());
            reloads.incrementAndGet();
            err.println("turnstile: " + reason + ": master keys reloaded from " + file + ": " +
                masters.all().size() + " master" + (masters.all().size() == 1 ? "" : "s") + ", issuing under key " +
                "id tag " + FleetMasters.tag(masters.current()) +
                "; masters dropped stay accepted for the grace window");
            return true;
        }
        catch (final RuntimeException ex)
        {
            failed.incrementAndGet();
            err.println("turnstile: " + reason + ": keeping the master keys in force: " + ex.getMessage());
            return false;
        }
        finally
        {
            err.flush();
        }
    }

    /**
     * Reloads that put new masters in force.
     *
     * @return the count.
     */
    long reloads()
    {
        return reloads.get();
    }

    /**
     * Reloads refused, the keys in force kept.
     *
     * @return the count.
     */
    long failed()
    {
        return failed.get();
    }

    /**
     * Append {@code ,"key_reloads":n,"key_reload_failures":m} to a statistics line.
     *
     * @param sb the line being built.
     */
    void appendJson(final StringBuilder sb)
    {
        sb.append(",\"key_reloads\":").append(reloads.get()).append(",\"key_reload_failures\":").append(failed.get());
    }
}
