package io.turnstile.nativeio.xdp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class XdpLinkTest
{
    @Test
    @Timeout(30)
    void shouldAttachInDriverModeOnVethAndDetachOnClose() throws Exception
    {
        final VethNetwork network = VethNetwork.create();
        assumeTrue(null != network);
        try (network)
        {
            network.inServer(() ->
            {
                final int ifindex = Bpf.ifIndex(network.serverInterface());
                try (BpfMap xsks = BpfMap.xskMap(1, "test_xsks");
                    BpfProgram program = BpfProgram.loadXdp("test_redirect",
                        EbpfAssemblerTest.portRedirect(41234, xsks.fd()));
                    XdpLink link = XdpLink.attach(program, ifindex, XdpMode.DRIVER))
                {
                    assertEquals(ifindex, link.ifindex());
                    final String attached = network.serverLinkDetails();
                    assertTrue(attached.contains("xdp") && attached.contains("test_redirect"), attached);
                    // One program per interface and mode: a second link is refused, and the message says why.
                    final BpfException busy = assertThrows(BpfException.class,
                        () -> XdpLink.attach(program, ifindex, XdpMode.DRIVER));
                    assertTrue(busy.getMessage().contains("BPF_LINK_CREATE"), busy.getMessage());
                }
                final String detached = network.serverLinkDetails();
                assertFalse(detached.contains("xdp"), detached);
                return null;
            }, 20);
        }
    }

    @Test
    @Timeout(30)
    void shouldAttachInSkbModeOrTheKernelsChoice() throws Exception
    {
        final VethNetwork network = VethNetwork.create();
        assumeTrue(null != network);
        try (network)
        {
            network.inServer(() ->
            {
                final int ifindex = Bpf.ifIndex(network.serverInterface());
                try (BpfMap xsks = BpfMap.xskMap(1, "test_xsks");
                    BpfProgram program = BpfProgram.loadXdp("test_redirect",
                        EbpfAssemblerTest.portRedirect(41234, xsks.fd()));
                    XdpLink link = XdpLink.attach(program, ifindex, XdpMode.SKB))
                {
                    assertEquals(XdpMode.SKB, link.mode());
                    final String attached = network.serverLinkDetails();
                    assertTrue(attached.contains("xdpgeneric"), attached);
                }
                assertFalse(network.serverLinkDetails().contains("xdp"));
                // No flag: the kernel picks native mode where the driver has it, as veth does.
                try (BpfProgram program = BpfProgram.loadXdp("test_drop",
                    new EbpfAssembler().returnVerdict(EbpfAssembler.XDP_DROP).build());
                    XdpLink link = XdpLink.attach(program, ifindex, XdpMode.AUTO))
                {
                    final String attached = network.serverLinkDetails();
                    assertTrue(attached.contains("xdp") && !attached.contains("xdpgeneric"), attached);
                    assertEquals(XdpMode.AUTO, link.mode());
                }
                return null;
            }, 20);
        }
    }
}
