package io.turnstile.cookie;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * The fleet master keys a server holds: the current master, under which it issues cookies, and optionally a
 * staged previous and next master, whose cookies it accepts too. A fleet rolls a new master without refusing a
 * cookie by first adding it everywhere as next, then promoting it to current everywhere, then dropping the old
 * one. Immutable.
 * <p>
 * Each master has a 6-bit tag, {@code HKDF-SHA256(master, "turnstile master tag")}, which fills the high six bits of
 * the key id of every cookie made under it (the low two bits are the epoch, modulo 4). The key id thus names one
 * master generation and one epoch, so a cookie is checked with one MAC whatever the number of masters; two masters
 * held at once must therefore have different tags, which {@link #of(byte[], byte[], byte[])} checks.
 */
public final class FleetMasters
{
    /** Bits of the key id that carry the epoch. */
    public static final int EPOCH_BITS = 2;

    private static final byte[] TAG_INFO = "turnstile master tag".getBytes(StandardCharsets.US_ASCII);

    private final byte[] current;
    private final List<byte[]> others;

    private FleetMasters(final byte[] current, final List<byte[]> others)
    {
        this.current = current;
        this.others = others;
    }

    /**
     * One master, nothing staged.
     *
     * @param current the master; at least 16 bytes; copied.
     * @return the set.
     */
    public static FleetMasters single(final byte[] current)
    {
        return of(null, current, null);
    }

    /**
     * A staged set: issue under current, accept previous and next too.
     *
     * @param previous the master being retired, or null.
     * @param current  the master that issues; at least 16 bytes.
     * @param next     the master about to be promoted, or null.
     * @return the set; a master given twice counts once.
     * @throws IllegalArgumentException when a master is shorter than 16 bytes, or two different masters share a tag.
     */
    public static FleetMasters of(final byte[] previous, final byte[] current, final byte[] next)
    {
        checkLength("current", current);
        final List<byte[]> others = new ArrayList<>(2);
        for (final byte[] other : new byte[][]{ previous, next })
        {
            if (other != null)
            {
                checkLength(other == previous ? "previous" : "next", other);
                if (!MessageDigest.isEqual(other, current) && !contains(others, other))
                {
                    others.add(other.clone());
                }
            }
        }
        final FleetMasters masters = new FleetMasters(current.clone(), List.copyOf(others));
        checkTags(masters.all());
        return masters;
    }

    /**
     * The master that issues cookies.
     *
     * @return a copy of the key.
     */
    public byte[] current()
    {
        return current.clone();
    }

    /**
     * Every master accepted, the current one first.
     *
     * @return copies of the keys.
     */
    public List<byte[]> all()
    {
        final List<byte[]> all = new ArrayList<>(1 + others.size());
        all.add(current.clone());
        for (final byte[] other : others)
        {
            all.add(other.clone());
        }
        return all;
    }

    /**
     * Whether this set accepts a master.
     *
     * @param master key bytes.
     * @return true when it is current, previous or next here.
     */
    public boolean accepts(final byte[] master)
    {
        return MessageDigest.isEqual(master, current) || contains(others, master);
    }

    /**
     * The tag of a master, the high six bits of the key id of its cookies.
     *
     * @param master key bytes.
     * @return 0 to 63.
     */
    public static int tag(final byte[] master)
    {
        return (Hkdf.deriveSha256(null, master, TAG_INFO, 1)[0] & 0xFF) >>> EPOCH_BITS;
    }

    /**
     * The key id of cookies made under a master in an epoch.
     *
     * @param master key bytes.
     * @param epoch  {@code floor(now / period)}.
     * @return 0 to 255.
     */
    public static int keyId(final byte[] master, final long epoch)
    {
        return (tag(master) << EPOCH_BITS) | (int)(epoch & ((1 << EPOCH_BITS) - 1));
    }

    /**
     * Refuse masters, held at once, that two cookies could not tell apart.
     *
     * @param masters distinct master keys.
     * @throws IllegalArgumentException naming the clash, when two share a tag.
     */
    static void checkTags(final List<byte[]> masters)
    {
        for (int i = 0; i < masters.size(); i++)
        {
            for (int j = i + 1; j < masters.size(); j++)
            {
                if (tag(masters.get(i)) == tag(masters.get(j)))
                {
                    throw new IllegalArgumentException("two master keys held at once share the key id tag " +
                        tag(masters.get(i)) + " (1 chance in 64): their cookies could not be told apart; " +
                        "generate another new master key");
                }
            }
        }
    }

    static boolean contains(final List<byte[]> masters, final byte[] master)
    {
        for (final byte[] m : masters)
        {
            if (MessageDigest.isEqual(m, master))
            {
                return true;
            }
        }
        return false;
    }

    private static void checkLength(final String name, final byte[] master)
    {
        if (master == null || master.length < GeneratorParameters.MIN_SECRET_LENGTH)
        {
            throw new IllegalArgumentException(name + " fleet master key must be at least " +
                GeneratorParameters.MIN_SECRET_LENGTH + " bytes, got " + (master == null ? 0 : master.length));
        }
    }
}
