package io.turnstile.tools.flood;

import io.turnstile.tools.JsonWriter;

/**
 * What a {@link SpoofedFlood} did: packets and bytes sent, for how long, why it stopped, and what went wrong.
 * Immutable; {@link #toJson()} is the one-line summary {@code scripts/flood} prints.
 *
 * @param mode          {@code raw} or {@code udp}: the mode that actually ran (after any fallback).
 * @param target        {@code HOST:PORT}.
 * @param sources       the source prefix.
 * @param sourceCount   distinct source addresses in use: the UDP sockets, or the usable hosts of the prefix (capped
 *                      at 2^24 when counted).
 * @param sinkPorts     sink sockets whose ports sources were drawn from (0: random ports, or UDP mode).
 * @param template      the hello capture's name.
 * @param payloadBytes  UDP payload per packet.
 * @param batchSize     packets per sendmmsg.
 * @param targetRate    packets per second aimed at; 0 for max.
 * @param sent          packets the kernel accepted.
 * @param bytes         UDP payload bytes of those packets.
 * @param wireBytes     the same with IPv4 and UDP headers (28 bytes a packet).
 * @param durationNs    from the first send to the last.
 * @param errors        packets refused by the kernel for their own sake (e.g. EPERM from a firewall).
 * @param wouldBlock    sendmmsg calls that found the socket buffer full (EAGAIN, ENOBUFS) and were retried.
 * @param lastError     errno name of the last refusal, or null.
 * @param stoppedBy     {@code packets}, {@code duration}, {@code stop} (asked to), or {@code errors} (nothing got
 *                      through).
 * @param notice        what the flood had to change (e.g. raw sockets refused, fell back to UDP), or null.
 */
public record FloodReport(
    String mode,
    String target,
    String sources,
    long sourceCount,
    int sinkPorts,
    String template,
    int payloadBytes,
    int batchSize,
    long targetRate,
    long sent,
    long bytes,
    long wireBytes,
    long durationNs,
    long errors,
    long wouldBlock,
    String lastError,
    String stoppedBy,
    String notice)
{
    /**
     * Seconds from the first send to the last.
     *
     * @return duration in seconds.
     */
    public double durationSeconds()
    {
        return durationNs / 1e9;
    }

    /**
     * Packets per second achieved.
     *
     * @return sent over duration; 0 when nothing was timed.
     */
    public double pps()
    {
        return durationNs <= 0 ? 0 : sent * 1e9 / durationNs;
    }

    /**
     * The summary as one line of JSON, keys in snake case.
     *
     * @return e.g. {@code {"sent":150000,"bytes":30750000,"duration_s":3.000,"pps":50000,"mode":"raw",...}}.
     */
    public String toJson()
    {
        final JsonWriter json = new JsonWriter().beginObject()
            .name("sent").value(sent).name("bytes").value(bytes)
            .name("duration_s").value(durationSeconds(), 3).name("pps").value(pps(), 0)
            .name("mode").value(mode).name("target").value(target).name("sources").value(sources)
            .name("source_addresses").value(sourceCount).name("sink_ports").value(sinkPorts)
            .name("template").value(template).name("payload_bytes").value(payloadBytes)
            .name("wire_bytes").value(wireBytes).name("batch").value(batchSize).name("rate");
        return (0 == targetRate ? json.value("max") : json.value(targetRate))
            .name("errors").value(errors).name("would_block").value(wouldBlock).name("last_error").value(lastError)
            .name("stopped_by").value(stoppedBy).name("notice").value(notice).endObject().toString();
    }
}
