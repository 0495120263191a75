package io.turnstile.tools;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest
{
    @Test
    void shouldParseIpv4AndIpv6HostPorts() throws Exception
    {
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 4433),
            Cli.hostPort("--target", "127.0.0.1:4433"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 5684),
            Cli.hostPort("--target", "[::1]:5684"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 5684),
            Cli.hostPort("--target", "::1:5684"));
    }

    @Test
    void shouldRefuseBadHostPortsByWhatIsWrong()
    {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cli.hostPort("--target", "4433"))
            .getMessage().contains("HOST:PORT"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Cli.hostPort("--target", "127.0.0.1:x"))
            .getMessage().contains("bad port"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> Cli.hostPort("--target", "127.0.0.1:70000")).getMessage().contains("70000"));
    }
}
