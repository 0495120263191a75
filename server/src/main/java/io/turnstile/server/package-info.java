/**
 * The runnable Turnstile server: {@code turnstile serve} on top of the native-io workers, its once-a-second
 * statistics, and the hand-off of verified peers to a BouncyCastle DTLS handshake.
 */
package io.turnstile.server;
