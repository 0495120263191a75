/**
 * Legitimate client load: DTLS cookie exchanges (and the start of a handshake) from a separate address while a
 * flood runs, with success ratio, failures by reason and latency in an HdrHistogram.
 */
package io.turnstile.tools.load;
