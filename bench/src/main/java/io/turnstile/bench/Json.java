package io.turnstile.bench;

import java.util.Locale;

/**
 * The one piece of JSON the benchmark reports cannot write with a plain {@code append}: a string value, quoted and
 * escaped as RFC 8259 section 7 requires ({@code "} and {@code \} backslashed, every control character below
 * U+0020 as {@code \}{@code u00XX}). Reports build the rest of their object by hand, so their key order and number
 * formats stay what their readers expect.
 */
public final class Json
{
    private Json()
    {
    }

    /**
     * Append a JSON string.
     *
     * @param sb   to append to.
     * @param text the value, not null.
     * @return {@code sb}, for chaining.
     */
    public static StringBuilder appendQuoted(final StringBuilder sb, final String text)
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

    /**
     * A JSON string, or the JSON literal {@code null}.
     *
     * @param text the value, or null.
     * @return the quoted and escaped value, or {@code null}.
     */
    public static String quoteOrNull(final String text)
    {
        return null == text ? "null" : appendQuoted(new StringBuilder(text.length() + 2), text).toString();
    }
}
