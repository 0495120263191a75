package io.turnstile.tools;

import java.util.Locale;
import java.util.Map;

/**
 * The one JSON writer of the tools and the benchmarks: their reports are JSON, and {@code scripts/report.py} renders
 * the markdown and SVG a person reads from it. Streams into a {@link StringBuilder}: {@link #name(String)} then a
 * value, or a nested {@link #beginObject()} / {@link #beginArray()}; commas are placed by the writer. Strings are quoted and
 * escaped as RFC 8259 section 7 requires ({@code "} and {@code \} backslashed, every control character below U+0020
 * as {@code \}{@code u00XX}); a non-finite double is written as {@code null}.
 * <p>
 * <b>Note:</b> keys keep the order they are written in, which the reports' readers and tests rely on.
 */
public final class JsonWriter
{
    private final StringBuilder sb;
    private boolean comma;

    /**
     * A writer into a new builder.
     */
    public JsonWriter()
    {
        this(new StringBuilder(1024));
    }

    /**
     * A writer appending to a builder.
     *
     * @param sb to append to.
     */
    public JsonWriter(final StringBuilder sb)
    {
        this.sb = sb;
    }

    /**
     * Open an object.
     *
     * @return this.
     */
    public JsonWriter beginObject()
    {
        separate().append('{');
        comma = false;
        return this;
    }

    /**
     * Close the innermost object.
     *
     * @return this.
     */
    public JsonWriter endObject()
    {
        sb.append('}');
        comma = true;
        return this;
    }

    /**
     * Open an array.
     *
     * @return this.
     */
    public JsonWriter beginArray()
    {
        separate().append('[');
        comma = false;
        return this;
    }

    /**
     * Close the innermost array.
     *
     * @return this.
     */
    public JsonWriter endArray()
    {
        sb.append(']');
        comma = true;
        return this;
    }

    /**
     * Write a member's name; its value comes next.
     *
     * @param name the key.
     * @return this.
     */
    public JsonWriter name(final String name)
    {
        quote(separate(), name).append(':');
        comma = false;
        return this;
    }

    /**
     * Write a string, or {@code null}.
     *
     * @param text the value, or null.
     * @return this.
     */
    public JsonWriter value(final String text)
    {
        return raw(null == text ? "null" : quote(new StringBuilder(text.length() + 2), text).toString());
    }

    /**
     * Write a whole number.
     *
     * @param value the number.
     * @return this.
     */
    public JsonWriter value(final long value)
    {
        separate().append(value);
        comma = true;
        return this;
    }

    /**
     * Write a number with a fixed count of decimals.
     *
     * @param value    the number; NaN and infinities are written as {@code null}.
     * @param decimals digits after the point.
     * @return this.
     */
    public JsonWriter value(final double value, final int decimals)
    {
        return raw(Double.isFinite(value) ? String.format(Locale.ROOT, "%." + decimals + "f", value) : "null");
    }

    /**
     * Write a boolean.
     *
     * @param value the value.
     * @return this.
     */
    public JsonWriter value(final boolean value)
    {
        return raw(Boolean.toString(value));
    }

    /**
     * Write JSON text that is already well formed, e.g. another report's object.
     *
     * @param json the text.
     * @return this.
     */
    public JsonWriter raw(final String json)
    {
        separate().append(json);
        comma = true;
        return this;
    }

    /**
     * Write a member whose value is an object of counts, leaving out zeros.
     *
     * @param name   the key.
     * @param counts by label, in the order to write them.
     * @return this.
     */
    public JsonWriter counts(final String name, final Map<String, Long> counts)
    {
        name(name).beginObject();
        counts.forEach((label, count) ->
        {
            if (0 != count)
            {
                name(label).value(count);
            }
        });
        return endObject();
    }

    /**
     * The text written so far.
     *
     * @return JSON.
     */
    @Override
    public String toString()
    {
        return sb.toString();
    }

    private StringBuilder separate()
    {
        if (comma)
        {
            sb.append(',');
        }
        return sb;
    }

    private static StringBuilder quote(final StringBuilder sb, final String text)
    {
        sb.append('"');
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            if (c == '"' || c == '\\')
            {
                sb.append('\\').append(c);
            }
            else if (c < 0x20)
            {
                sb.append(String.format(Locale.ROOT, "\\u%04x", (int)c));
            }
            else
            {
                sb.append(c);
            }
        }
        return sb.append('"');
    }
}
