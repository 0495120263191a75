package io.turnstile.cookie;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The source of cookie keys, shared by every verifier thread of a server: it publishes an immutable
 * {@link KeyRing} and replaces it on rotation, so that threads verifying meanwhile see either the old ring or the
 * new one, never a mix.
 * <p>
 * Three ways to get keys:
 * <ul>
 *     <li>{@link #random(MacAlgorithm, long, long)}: fresh keys from a CSPRNG, rotated every period (the default);</li>
 *     <li>{@link #fixed(GeneratorParameters)}: a secret set by the application (Qt's
 *     {@code setCookieGeneratorParameters}), replaced only by {@link #rekey(GeneratorParameters, long)};</li>
 *     <li>{@link #fleet(MacAlgorithm, byte[], long, long)}: keys derived from a shared master key and the epoch
 *     number, {@code HKDF-SHA256(master, "turnstile cookie " || algorithm || epoch)} with
 *     {@code epoch = now / period}, so every server holding the master verifies every other server's cookies
 *     with no coordination.</li>
 * </ul>
 * A fleet ring holds, for each master accepted ({@link FleetMasters}: current, staged previous and next, and a
 * master just replaced by {@link #reloadMasters(FleetMasters, long)} for the grace window), the current epoch's key,
 * the previous epoch's for the grace window and, from {@code clockToleranceMs} before the epoch's end, the next
 * epoch's: a server whose clock is a little behind another's then still accepts the cookies the other makes in the
 * next epoch. Key ids are {@code tag(master) << 2 | epoch mod 4}, so a cookie names the one key that checks it.
 * {@link #ring(long)} is on the hot path: a volatile read and a compare, unless a rotation is due, which happens
 * on the calling thread under a lock (and allocates, once per period).
 */
public final class CookieKeys
{
    /** Default rotation period for random and fleet keys: one hour. */
    public static final long DEFAULT_ROTATION_PERIOD_MS = 3_600_000L;
    /** Default grace window for the previous key: the default cookie maximum age, 60 s. */
    public static final long DEFAULT_GRACE_MS = 60_000L;

    private enum Mode
    {
        RANDOM, FIXED, FLEET
    }

    private final Mode mode;
    private final long rotationPeriodMs;
    private final long graceMs;
    private final SecureRandom random;
    private final long clockToleranceMs;
    private FleetMasters masters;
    private List<Retired> retired = List.of();
    private volatile MacAlgorithm algorithm;
    private volatile KeyRing ring;

    private CookieKeys(
        final Mode mode,
        final MacAlgorithm algorithm,
        final long rotationPeriodMs,
        final long graceMs,
        final SecureRandom random,
        final FleetMasters masters,
        final long clockToleranceMs)
    {
        this.mode = mode;
        this.algorithm = algorithm;
        this.rotationPeriodMs = rotationPeriodMs;
        this.graceMs = graceMs;
        this.random = random;
        this.masters = masters;
        this.clockToleranceMs = clockToleranceMs;
    }

    /**
     * Random keys from a CSPRNG with the default algorithm, period and grace window.
     *
     * @return a key source.
     */
    public static CookieKeys random()
    {
        return random(MacAlgorithm.defaultAlgorithm(), DEFAULT_ROTATION_PERIOD_MS, DEFAULT_GRACE_MS);
    }

    /**
     * Random keys from a CSPRNG, replaced every period; the previous key verifies for a grace window after.
     *
     * @param algorithm        the MAC.
     * @param rotationPeriodMs how long a key makes cookies; at least 1 s.
     * @param graceMs          how long the previous key still verifies after a rotation; 0 to the period.
     * @return a key source.
     */
    public static CookieKeys random(final MacAlgorithm algorithm, final long rotationPeriodMs, final long graceMs)
    {
        return random(algorithm, rotationPeriodMs, graceMs, System.currentTimeMillis());
    }

    /**
     * Random keys from a CSPRNG, with the first period starting at a given time.
     *
     * @param algorithm        the MAC.
     * @param rotationPeriodMs how long a key makes cookies; at least 1 s.
     * @param graceMs          how long the previous key still verifies after a rotation; 0 to the period.
     * @param nowMs            start of the first period, epoch milliseconds.
     * @return a key source.
     */
    public static CookieKeys random(
        final MacAlgorithm algorithm, final long rotationPeriodMs, final long graceMs, final long nowMs)
    {
        checkPeriod(rotationPeriodMs, graceMs);
        final CookieKeys keys = new CookieKeys(
            Mode.RANDOM, Objects.requireNonNull(algorithm, "algorithm"), rotationPeriodMs, graceMs,
            new SecureRandom(), null, 0);
        final int firstId = keys.random.nextInt(256);
        keys.ring = new KeyRing(0, keys.randomKey(firstId), null, Long.MIN_VALUE, nowMs + rotationPeriodMs);
        return keys;
    }

    /**
     * A secret set by the application. It does not rotate by time; {@link #rekey(GeneratorParameters, long)}
     * replaces it, keeping the previous key for {@link #DEFAULT_GRACE_MS}.
     *
     * @param parameters algorithm and secret.
     * @return a key source.
     */
    public static CookieKeys fixed(final GeneratorParameters parameters)
    {
        return fixed(parameters, DEFAULT_GRACE_MS);
    }

    /**
     * A secret set by the application, with a grace window for the key it replaces on re-keying.
     *
     * @param parameters algorithm and secret.
     * @param graceMs    how long a replaced key still verifies.
     * @return a key source.
     */
    public static CookieKeys fixed(final GeneratorParameters parameters, final long graceMs)
    {
        Objects.requireNonNull(parameters, "generator parameters must not be null");
        if (graceMs < 0)
        {
            throw new IllegalArgumentException("grace window must not be negative: " + graceMs);
        }
        final CookieKeys keys = new CookieKeys(
            Mode.FIXED, parameters.algorithm(), Long.MAX_VALUE, graceMs, null, null, 0);
        keys.ring = new KeyRing(
            0, new CookieKey(0, parameters.algorithm(), parameters.macKey()), null, Long.MIN_VALUE, Long.MAX_VALUE);
        return keys;
    }

    /**
     * Fleet mode: keys derived from a master key shared by every server and the epoch {@code now / period}.
     *
     * @param algorithm        the MAC.
     * @param masterKey        at least 16 bytes; copied.
     * @param rotationPeriodMs length of an epoch; at least 1 s.
     * @param graceMs          how long the previous epoch's key still verifies into the next epoch.
     * @return a key source.
     */
    public static CookieKeys fleet(
        final MacAlgorithm algorithm, final byte[] masterKey, final long rotationPeriodMs, final long graceMs)
    {
        if (masterKey == null || masterKey.length < GeneratorParameters.MIN_SECRET_LENGTH)
        {
            throw new IllegalArgumentException("fleet master key must be at least " +
                GeneratorParameters.MIN_SECRET_LENGTH + " bytes, got " + (masterKey == null ? 0 : masterKey.length));
        }
        return fleet(algorithm, FleetMasters.single(masterKey), rotationPeriodMs, graceMs, 0,
            System.currentTimeMillis());
    }

    /**
     * Fleet mode with staged masters and a tolerance for clocks that differ between servers.
     *
     * @param algorithm        the MAC.
     * @param masters          the master that issues and the staged ones also accepted.
     * @param rotationPeriodMs length of an epoch; at least 1 s.
     * @param graceMs          how long the previous epoch's key, or a replaced master, still verifies.
     * @param clockToleranceMs how long before an epoch's end its successor's key is accepted: the largest clock
     *                         difference between servers tolerated; 0 to half the period.
     * @param nowMs            epoch milliseconds, for the first ring.
     * @return a key source.
     */
    public static CookieKeys fleet(
        final MacAlgorithm algorithm,
        final FleetMasters masters,
        final long rotationPeriodMs,
        final long graceMs,
        final long clockToleranceMs,
        final long nowMs)
    {
        checkPeriod(rotationPeriodMs, graceMs);
        Objects.requireNonNull(masters, "fleet masters must not be null");
        if (clockToleranceMs < 0 || clockToleranceMs > rotationPeriodMs / 2)
        {
            throw new IllegalArgumentException("clock tolerance must be 0 to half the rotation period (" +
                rotationPeriodMs / 2 + " ms), got " + clockToleranceMs + " ms");
        }
        final CookieKeys keys = new CookieKeys(
            Mode.FLEET, Objects.requireNonNull(algorithm, "algorithm"), rotationPeriodMs, graceMs, null,
            masters, clockToleranceMs);
        keys.ring = keys.fleetRing(nowMs, 0);
        return keys;
    }

    /**
     * Replace the fleet masters now (a re-read master key file). Every master the old set accepted and the new one
     * does not stays accepted for the grace window, so cookies already handed out under it still verify.
     * The new ring is published whole: threads verifying meanwhile see the old ring or the new one.
     *
     * @param next  the new set.
     * @param nowMs epoch milliseconds.
     * @throws IllegalStateException    when these are not fleet keys.
     * @throws IllegalArgumentException when a new master's tag equals that of a master still in its grace window;
     *                                  the keys in force are then unchanged.
     */
    public synchronized void reloadMasters(final FleetMasters next, final long nowMs)
    {
        Objects.requireNonNull(next, "fleet masters must not be null");
        if (mode != Mode.FLEET)
        {
            throw new IllegalStateException("not a fleet key source: only --master-key-file keys can be reloaded");
        }
        final List<Retired> stillRetired = new ArrayList<>();
        for (final Retired old : retired)
        {
            if (old.untilMs >= nowMs && !next.accepts(old.master))
            {
                stillRetired.add(old);
            }
        }
        for (final byte[] master : masters.all())
        {
            if (!next.accepts(master))
            {
                stillRetired.add(new Retired(master, nowMs + graceMs));
            }
        }
        final List<byte[]> held = next.all();
        for (final Retired old : stillRetired)
        {
            held.add(old.master);
        }
        FleetMasters.checkTags(held);
        masters = next;
        retired = List.copyOf(stillRetired);
        ring = fleetRing(nowMs, ring.generation() + 1);
    }

    /**
     * The masters in force (fleet keys only).
     *
     * @return the set, or null for random and fixed keys.
     */
    public synchronized FleetMasters masters()
    {
        return masters;
    }

    /**
     * The ring in force at a time, rotating first when a rotation is due. Zero allocation unless it rotates.
     *
     * @param nowMs epoch milliseconds.
     * @return the ring.
     */
    public KeyRing ring(final long nowMs)
    {
        final KeyRing ring = this.ring;
        if (nowMs < ring.rotateAtMs())
        {
            return ring;
        }
        return rotate(nowMs);
    }

    /**
     * The ring last published, without checking whether a rotation is due.
     *
     * @return the ring.
     */
    public KeyRing ring()
    {
        return ring;
    }

    /**
     * The MAC algorithm of the current key.
     *
     * @return the algorithm.
     */
    public MacAlgorithm algorithm()
    {
        return algorithm;
    }

    /**
     * Replace the current key with an application secret now; the key it replaces keeps verifying for the grace
     * window. In random mode the new secret is then itself rotated away after a period; fleet keys cannot be
     * re-keyed this way.
     *
     * @param parameters algorithm and secret.
     * @param nowMs      epoch milliseconds.
     */
    public synchronized void rekey(final GeneratorParameters parameters, final long nowMs)
    {
        Objects.requireNonNull(parameters, "generator parameters must not be null");
        if (mode == Mode.FLEET)
        {
            throw new IllegalStateException("fleet keys come from the master key; create a new fleet CookieKeys");
        }
        final KeyRing old = ring;
        final CookieKey next = new CookieKey(
            (old.current().id() + 1) & 0xFF, parameters.algorithm(), parameters.macKey());
        final long rotateAt = mode == Mode.RANDOM ? nowMs + rotationPeriodMs : Long.MAX_VALUE;
        algorithm = parameters.algorithm();
        ring = new KeyRing(old.generation() + 1, next, old.current(), nowMs + graceMs, rotateAt);
    }

    /**
     * Rotate now whatever the schedule: a new random key, or for fixed keys nothing. Fleet keys follow the clock.
     *
     * @param nowMs epoch milliseconds.
     */
    public synchronized void rotateNow(final long nowMs)
    {
        if (mode == Mode.RANDOM)
        {
            final KeyRing old = ring;
            ring = new KeyRing(
                old.generation() + 1, randomKey((old.current().id() + 1) & 0xFF), old.current(),
                nowMs + graceMs, nowMs + rotationPeriodMs);
        }
    }

    private synchronized KeyRing rotate(final long nowMs)
    {
        final KeyRing old = ring;
        if (nowMs < old.rotateAtMs())
        {
            return old;
        }
        final KeyRing next = switch (mode)
        {
            case RANDOM -> new KeyRing(
                old.generation() + 1, randomKey((old.current().id() + 1) & 0xFF), old.current(),
                nowMs + graceMs, nowMs + rotationPeriodMs);
            case FLEET -> fleetRing(nowMs, old.generation() + 1);
            case FIXED -> old;
        };
        ring = next;
        return next;
    }

    private CookieKey randomKey(final int id)
    {
        final MacAlgorithm algorithm = this.algorithm;
        final byte[] key = new byte[algorithm.keyLength()];
        random.nextBytes(key);
        return new CookieKey(id, algorithm, key);
    }

    private KeyRing fleetRing(final long nowMs, final long generation)
    {
        final long epoch = Math.floorDiv(nowMs, rotationPeriodMs);
        final long epochStart = epoch * rotationPeriodMs;
        final long epochEnd = epochStart + rotationPeriodMs;
        final long nextFromMs = epochEnd - clockToleranceMs;
        // The next epoch's key is derived only once the boundary is within the tolerance: the ring is replaced then.
        final boolean nearEnd = clockToleranceMs > 0 && nowMs >= nextFromMs;
        final long rotateAtMs = clockToleranceMs > 0 && !nearEnd ? nextFromMs : epochEnd;
        final long previousUntilMs = epochStart + graceMs;

        final List<CookieKey> others = new ArrayList<>();
        final List<long[]> windows = new ArrayList<>();
        final List<byte[]> all = masters.all();
        for (int i = 0; i < all.size(); i++)
        {
            addMaster(all.get(i), i > 0, Long.MAX_VALUE, epoch, previousUntilMs, nearEnd, nextFromMs, others, windows);
        }
        for (final Retired old : retired)
        {
            if (old.untilMs >= nowMs)
            {
                addMaster(old.master, true, old.untilMs, epoch, previousUntilMs, nearEnd, nextFromMs, others, windows);
            }
        }
        final long[] from = new long[others.size()];
        final long[] until = new long[others.size()];
        for (int i = 0; i < from.length; i++)
        {
            from[i] = windows.get(i)[0];
            until[i] = windows.get(i)[1];
        }
        final byte[] current = masters.current();
        return new KeyRing(
            generation,
            fleetKey(current, epoch),
            fleetKey(current, epoch - 1),
            previousUntilMs,
            rotateAtMs,
            others.toArray(new CookieKey[0]),
            from,
            until);
    }

    private void addMaster(
        final byte[] master,
        final boolean withCurrentEpoch,
        final long untilMs,
        final long epoch,
        final long previousUntilMs,
        final boolean nearEnd,
        final long nextFromMs,
        final List<CookieKey> keys,
        final List<long[]> windows)
    {
        if (withCurrentEpoch)
        {
            keys.add(fleetKey(master, epoch));
            windows.add(new long[]{ Long.MIN_VALUE, untilMs });
            keys.add(fleetKey(master, epoch - 1));
            windows.add(new long[]{ Long.MIN_VALUE, Math.min(previousUntilMs, untilMs) });
        }
        if (nearEnd)
        {
            keys.add(fleetKey(master, epoch + 1));
            windows.add(new long[]{ nextFromMs, untilMs });
        }
    }

    /**
     * The key every fleet member derives for an epoch under the current master.
     *
     * @param epoch number, {@code floor(now / period)}.
     * @return the key, whose id is {@link FleetMasters#keyId(byte[], long)}.
     */
    public synchronized CookieKey fleetKey(final long epoch)
    {
        if (mode != Mode.FLEET)
        {
            throw new IllegalStateException("not a fleet key source");
        }
        return fleetKey(masters.current(), epoch);
    }

    private CookieKey fleetKey(final byte[] master, final long epoch)
    {
        final MacAlgorithm algorithm = this.algorithm;
        final byte[] label = ("turnstile cookie " + algorithm.label()).getBytes(StandardCharsets.US_ASCII);
        final byte[] info = ByteBuffer.allocate(label.length + Long.BYTES).put(label).putLong(epoch).array();
        final byte[] key = Hkdf.deriveSha256(null, master, info, algorithm.keyLength());
        return new CookieKey(FleetMasters.keyId(master, epoch), algorithm, key);
    }

    private record Retired(byte[] master, long untilMs)
    {
    }

    private static void checkPeriod(final long rotationPeriodMs, final long graceMs)
    {
        if (rotationPeriodMs < 1000)
        {
            throw new IllegalArgumentException("rotation period must be at least 1000 ms, got " + rotationPeriodMs);
        }
        if (graceMs < 0 || graceMs > rotationPeriodMs)
        {
            throw new IllegalArgumentException(
                "grace window must be 0 to the rotation period (" + rotationPeriodMs + " ms), got " + graceMs);
        }
    }
}
