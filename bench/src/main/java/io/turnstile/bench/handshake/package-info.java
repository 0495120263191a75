/**
 * Completed DTLS handshakes per second and the latency legitimate BouncyCastle clients see, against the in-process
 * echo server, with and without a concurrent spoofed flood, side by side in one run.
 */
package io.turnstile.bench.handshake;
