/*
 * xdp_sink: the reply sink on the flooder's veth for scripts/bench --xdp (../shared XDP.md, pitfall 3).
 *
 * The server answers every spoofed hello; routed back to the flooder's namespace, those replies would otherwise cost
 * the flooder's core a full IP receive (and an ICMP port unreachable each). This XDP program drops IPv4 frames whose
 * destination lies in the spoofed /16 before any stack work, and passes everything else, so the legit clients that
 * run in the same namespace (from another /16) still get their HelloVerifyRequests:
 *
 *   if (frame is IPv4 && ip.daddr[0..1] == PREFIX) return XDP_DROP; else return XDP_PASS;
 *
 * Attached with BPF_LINK_CREATE (driver mode), it stays attached exactly as long as this process lives: the script
 * starts it in the background, waits for "attached" on stdout, and kills it (or the namespace goes) at the end.
 *
 *   xdp_sink --dev IFACE [--prefix A.B]      (default 10.201)
 */
#define _GNU_SOURCE
#define TOOL "xdp_sink"
#include "xdpbench.h"

#include <net/if.h>

int main(int argc, char **argv)
{
    const char *dev = NULL;
    unsigned int a = 10, b = 201;
    for (int i = 1; i + 1 < argc; i += 2)
    {
        if (!strcmp(argv[i], "--dev")) dev = argv[i + 1];
        else if (!strcmp(argv[i], "--prefix") && sscanf(argv[i + 1], "%u.%u", &a, &b) == 2 && a < 256 && b < 256) {}
        else dev = NULL, i = argc;
    }
    if (!dev)
    {
        fprintf(stderr, "usage: xdp_sink --dev IFACE [--prefix A.B]\n");
        return 2;
    }
    const int ifindex = (int)if_nametoindex(dev);
    if (ifindex == 0)
    {
        die(dev);
    }
    /* The first two bytes of the destination address, as a little-endian u16 load sees them. */
    const int prefix = (int)(a | b << 8);
    const struct bpf_insn program[] = {
        INSN(BPF_LDX | BPF_W | BPF_MEM, 2, 1, 0, 0),            /* 0: r2 = ctx->data */
        INSN(BPF_LDX | BPF_W | BPF_MEM, 3, 1, 4, 0),            /* 1: r3 = ctx->data_end */
        INSN(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0),          /* 2: r4 = r2 */
        INSN(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 34),         /* 3: r4 += Ethernet 14 + IPv4 20 */
        INSN(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 4, 0),            /* 4: if r4 > r3 goto pass */
        INSN(BPF_LDX | BPF_H | BPF_MEM, 5, 2, 12, 0),           /* 5: r5 = ethertype */
        INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 2, 0x0008),       /* 6: if not IPv4 goto pass */
        INSN(BPF_LDX | BPF_H | BPF_MEM, 5, 2, 30, 0),           /* 7: r5 = daddr[0..1] */
        INSN(BPF_JMP | BPF_JEQ | BPF_K, 5, 0, 2, prefix),       /* 8: if in the prefix goto drop */
        INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS),   /* 9: pass */
        INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),                   /* 10 */
        INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_DROP),   /* 11: drop */
        INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),                   /* 12 */
    };
    const int prog = load_xdp(program, sizeof(program) / sizeof(program[0]), "tsq_sink");
    attach_xdp(prog, ifindex);
    printf("attached\n");
    fflush(stdout);
    /* The link lives as long as its fd: wait for the end. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sig;
    sigwait(&set, &sig);
    return 0;
}
