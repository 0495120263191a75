package io.turnstile.tools.flood;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * An IPv4 prefix such as {@code 127.0.0.0/8}, and the hosts in it a flood may use as sources: every address except
 * those ending in .0 or .255 (network and broadcast-looking hosts, which some stacks treat specially) and one
 * excluded address, the flood's target, so that no spoofed packet claims to come from the server itself.
 */
final class Ipv4Cidr
{
    private static final int DRAW_ATTEMPTS = 64;

    private final int base;
    private final int prefixLength;
    private final long size;

    private Ipv4Cidr(final int base, final int prefixLength)
    {
        this.prefixLength = prefixLength;
        this.size = 1L << (32 - prefixLength);
        this.base = 0 == prefixLength ? 0 : base & (int)(0xFFFF_FFFFL << (32 - prefixLength));
    }

    /**
     * Parse {@code a.b.c.d/n}; a bare address is a /32.
     *
     * @param text the prefix.
     * @return the prefix, its base address masked to the prefix length.
     * @throws IllegalArgumentException naming the bad text.
     */
    static Ipv4Cidr parse(final String text)
    {
        final int slash = text.indexOf('/');
        final String host = slash < 0 ? text : text.substring(0, slash);
        final int prefixLength;
        try
        {
            prefixLength = slash < 0 ? 32 : Integer.parseInt(text.substring(slash + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("CIDR prefix length must be a number 0 to 32, got '" + text + "'");
        }
        if (prefixLength < 0 || prefixLength > 32)
        {
            throw new IllegalArgumentException("CIDR prefix length must be 0 to 32, got '" + text + "'");
        }
        return new Ipv4Cidr(toInt(parseAddress(host, text)), prefixLength);
    }

    /**
     * Parse an IPv4 literal in its four-part form, without a name lookup.
     *
     * @param host    e.g. {@code 127.0.0.1}.
     * @param context the text to name in the error.
     * @return the address.
     * @throws IllegalArgumentException naming the context when it is not one.
     */
    static Inet4Address parseAddress(final String host, final String context)
    {
        try
        {
            // ofLiteral also takes the short forms (127.1): an a.b.c.d prefix must have its four parts.
            if (host.split("\\.", -1).length == 4)
            {
                return Inet4Address.ofLiteral(host);
            }
        }
        catch (final IllegalArgumentException ex)
        {
            // named below
        }
        throw new IllegalArgumentException("not an IPv4 address (a.b.c.d): '" + context + "'");
    }

    static int toInt(final InetAddress address)
    {
        return ByteBuffer.wrap(address.getAddress()).getInt();
    }
    static String toText(final int address)
    {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." +
            (address & 0xFF);
    }

    /**
     * Whether an address lies in the prefix.
     *
     * @param address as a big-endian int.
     * @return true when the prefix contains it.
     */
    boolean contains(final int address)
    {
        return 0 == prefixLength || (address ^ base) >>> (32 - prefixLength) == 0;
    }

    /**
     * Whether the whole prefix lies inside another.
     *
     * @param outer the enclosing prefix.
     * @return true when every address of this one is in outer.
     */
    boolean isWithin(final Ipv4Cidr outer)
    {
        return prefixLength >= outer.prefixLength && outer.contains(base);
    }

    /**
     * Whether a flood may use an address as a source.
     *
     * @param address  candidate, big-endian int.
     * @param excluded the one address never to use (the target).
     * @return true when in the prefix, not ending .0 or .255, and not excluded.
     */
    boolean isUsable(final int address, final int excluded)
    {
        final int last = address & 0xFF;
        return contains(address) && last != 0 && last != 255 && address != excluded;
    }

    /**
     * Count the usable sources, up to a limit (a /8 has 16 million; nobody needs them counted).
     *
     * @param excluded the target.
     * @param limit    stop counting here.
     * @return usable addresses, at most limit.
     */
    long countUsable(final int excluded, final long limit)
    {
        long count = 0;
        for (long i = 0; i < size && count < limit; i++)
        {
            if (isUsable(base + (int)i, excluded))
            {
                count++;
            }
        }
        return count;
    }

    /**
     * Draw a usable source at random.
     *
     * @param random   the flood's generator.
     * @param excluded the target.
     * @return a usable address; when a few draws all miss (a tiny prefix), the first usable one by a scan.
     */
    int draw(final SplittableRandom random, final int excluded)
    {
        final long mask = size - 1;
        for (int i = 0; i < DRAW_ATTEMPTS; i++)
        {
            final int candidate = base + (int)(random.nextLong() >>> 32 & mask);
            if (isUsable(candidate, excluded))
            {
                return candidate;
            }
        }
        for (long i = 0; i < size; i++)
        {
            if (isUsable(base + (int)i, excluded))
            {
                return base + (int)i;
            }
        }
        throw new IllegalStateException(this + " has no usable source address");
    }

    /**
     * Addresses in the prefix, usable or not.
     *
     * @return 1 to 2^32.
     */
    long size()
    {
        return size;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return toText(base) + "/" + prefixLength;
    }
}
