/**
 * Batched UDP I/O through java.lang.foreign bindings to Linux recvmmsg/sendmmsg, and the multi-core server that
 * puts the verifier on real sockets. Not built yet: see the native-io issue.
 */
package io.turnstile.nativeio;
