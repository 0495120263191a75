/**
 * Turnstile: a stateless DTLS ClientHello cookie verifier (RFC 6347 section 4.2.1).
 */
package io.turnstile;
