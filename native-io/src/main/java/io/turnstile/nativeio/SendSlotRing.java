package io.turnstile.nativeio;

/**
 * The ring of send slots both {@link BatchSocket} implementations stage replies into: slots are handed out in order
 * from the head, and a flush that the kernel stops part way (EAGAIN) resumes at the head next time, so staged
 * replies are never reordered or sent twice.
 * <pre>
 *   head ---&gt; [staged][staged][staged][ free ][ free ] ---&gt; wraps to slot 0
 *             &lt;------- count -------&gt;
 * </pre>
 * Public for {@link BatchSocket} implementations in other packages (the AF_XDP socket); one per socket, on the
 * socket's thread.
 */
public final class SendSlotRing
{
    private final int capacity;
    private final int slotBytes;
    private int head;
    private int count;

    /**
     * An empty ring.
     *
     * @param capacity  send slots.
     * @param slotBytes bytes per slot, the most a reply may have.
     */
    public SendSlotRing(final int capacity, final int slotBytes)
    {
        this.capacity = capacity;
        this.slotBytes = slotBytes;
    }

    /**
     * The slot the next reply must be staged in.
     *
     * @return the slot, or -1 when every slot holds a reply not yet sent.
     */
    public int next()
    {
        if (count == capacity)
        {
            return -1;
        }
        final int slot = head + count;
        return slot < capacity ? slot : slot - capacity;
    }

    /**
     * Refuse staging anywhere but the next slot, or more bytes than a slot holds: API misuse, not bad input.
     *
     * @param slot   the caller staged into.
     * @param length of the reply.
     */
    public void checkStage(final int slot, final int length)
    {
        if (slot != next() || slot < 0)
        {
            throw new IllegalArgumentException("slot must be the next send slot " + next() + ", got " + slot);
        }
        if (length < 0 || length > slotBytes)
        {
            throw new IllegalArgumentException("length must be 0 to " + slotBytes + ", got " + length);
        }
    }

    /**
     * The slot from {@link #next()} now holds a reply.
     */
    public void commit()
    {
        count++;
    }

    /**
     * The first staged slot, which the next send starts from.
     *
     * @return the head slot.
     */
    public int head()
    {
        return head;
    }

    /**
     * Staged replies not yet sent.
     *
     * @return the count.
     */
    public int count()
    {
        return count;
    }

    /**
     * Staged replies from the head to the end of the slot array, the most one send call can take in order.
     *
     * @return the contiguous count.
     */
    public int contiguous()
    {
        return Math.min(count, capacity - head);
    }

    /**
     * Release sent (or dropped) replies from the head.
     *
     * @param released how many, at most {@link #count()}.
     */
    public void advance(final int released)
    {
        count -= released;
        if (count == 0)
        {
            head = 0;
        }
        else
        {
            final int next = head + released;
            head = next < capacity ? next : next - capacity;
        }
    }
}
