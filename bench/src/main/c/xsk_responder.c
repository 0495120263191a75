/*
 * xsk_responder: the C AF_XDP ceiling of scripts/bench --xdp (issue 11: "a minimal C AF_XDP responder that spends
 * about one AES-CMAC's time (~250 ns) per request, as the ceiling for a responder doing crypto").
 *
 * Raw syscalls only, as ../shared/XDP.md describes them (no libbpf, no libxdp): an XSKMAP, the 25-instruction XDP
 * program of XDP.md (IPv4, no options, not a fragment, UDP to --port -> bpf_redirect_map(xskmap, rx_queue_index,
 * XDP_PASS)), attached with BPF_LINK_CREATE in driver mode, one AF_XDP socket in copy mode with XDP_USE_NEED_WAKEUP
 * on queue 0, a UMEM of 8192 frames of 2048 bytes (larger than RX + TX rings plus the fill headroom, XDP.md pitfall
 * 2). Per request: busy-wait --work-ns (default 250) on CLOCK_MONOTONIC, the stand-in for the cookie's MAC; then the
 * reply is built in place, HelloVerifyRequest-sized (60 bytes of UDP payload: record header, handshake header,
 * version, a 32-byte cookie), MACs, addresses and ports swapped, IPv4 checksum recomputed, UDP checksum 0, and
 * queued on the TX ring. The TX ring is kicked whenever it holds frames the kernel has not taken (an EBUSY kick
 * otherwise leaves them there with an empty fill ring: XDP.md pitfall 2); completions go back to the fill ring.
 * No validation of the DTLS bytes: this is a ceiling, not a server.
 *
 *   xsk_responder --dev IFACE --port N [--work-ns NS] [--duration S] [--cpu N]
 *
 * Prints "ready" on stderr once attached and bound, and one JSON line on stdout when it stops (SIGTERM, SIGINT or
 * --duration, default 600 s): {"rx":..,"tx":.. (completed),"kicks":..,"kick_busy":..,"rx_dropped":..,"rx_ring_full":..,
 * "fill_empty":..}. The program detaches when the process ends. Needs root (CAP_NET_ADMIN, CAP_BPF, CAP_NET_RAW).
 */
#define _GNU_SOURCE
#define TOOL "xsk_responder"
#include "xdpbench.h"

#include <linux/if_xdp.h>
#include <net/if.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#ifndef AF_XDP
#define AF_XDP 44
#endif
#ifndef SOL_XDP
#define SOL_XDP 283
#endif

#define FRAMES 8192
#define FRAME_SIZE 2048
#define FILL_SIZE 4096
#define COMP_SIZE 4096
#define RX_SIZE 2048
#define TX_SIZE 2048
#define BATCH 64
#define REPLY_PAYLOAD 60

/* One mmapped ring: free-running u32 producer and consumer indices shared with the kernel (acquire/release). */
struct ring
{
    uint32_t *producer;
    uint32_t *consumer;
    uint32_t *flags;
    void *descs;
    uint32_t mask;
};

static void map_ring(int fd, const struct xdp_ring_offset *off, uint32_t size, size_t entry, off_t pgoff,
    struct ring *ring)
{
    void *base = mmap(NULL, off->desc + size * entry, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, pgoff);
    if (base == MAP_FAILED)
    {
        die("mmap ring");
    }
    ring->producer = (uint32_t *)((char *)base + off->producer);
    ring->consumer = (uint32_t *)((char *)base + off->consumer);
    ring->flags = (uint32_t *)((char *)base + off->flags);
    ring->descs = (char *)base + off->desc;
    ring->mask = size - 1;
}

static uint32_t load_acquire(const uint32_t *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store_release(uint32_t *p, uint32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

int main(int argc, char **argv)
{
    const char *dev = NULL;
    int port = 0, cpu = -1;
    long work_ns = 250;
    int busy_poll_us = 0;
    double duration = 600;
    for (int i = 1; i + 1 < argc; i += 2)
    {
        if (!strcmp(argv[i], "--dev")) dev = argv[i + 1];
        else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--work-ns")) work_ns = atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--duration")) duration = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--cpu")) cpu = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--busy-poll")) busy_poll_us = atoi(argv[i + 1]);
        else { dev = NULL; break; }
    }
    if (!dev || port <= 0 || port > 65535 || work_ns < 0 || duration <= 0 || duration > 3600 || busy_poll_us < 0)
    {
        fprintf(stderr, "usage: xsk_responder --dev IFACE --port N [--work-ns NS] [--duration S] [--cpu N] "
            "[--busy-poll USEC]\n");
        return 2;
    }
    pin_to_cpu(cpu);
    const int ifindex = (int)if_nametoindex(dev);
    if (ifindex == 0)
    {
        die(dev);
    }

    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.map_type = BPF_MAP_TYPE_XSKMAP;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 64;
    const int map = sys_bpf(BPF_MAP_CREATE, &attr);
    if (map < 0)
    {
        die("BPF_MAP_CREATE");
    }

    /* XDP.md's verified program; the port compared as the u16 a little-endian load of the big-endian field gives. */
    const int port_le = ((port & 0xff) << 8) | (port >> 8);
    const struct bpf_insn program[] = {
        INSN(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),         /*  0: r6 = ctx */
        INSN(BPF_LDX | BPF_W | BPF_MEM, 2, 6, 0, 0),           /*  1: r2 = data */
        INSN(BPF_LDX | BPF_W | BPF_MEM, 3, 6, 4, 0),           /*  2: r3 = data_end */
        INSN(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0),         /*  3: r4 = r2 */
        INSN(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 42),        /*  4: r4 += eth + ip + udp */
        INSN(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 17, 0),          /*  5: if r4 > r3 goto pass */
        INSN(BPF_LDX | BPF_H | BPF_MEM, 5, 2, 12, 0),          /*  6: ethertype */
        INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 15, 0x0008),     /*  7: IPv4? */
        INSN(BPF_LDX | BPF_B | BPF_MEM, 5, 2, 14, 0),          /*  8: version/IHL */
        INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 13, 0x45),       /*  9 */
        INSN(BPF_LDX | BPF_B | BPF_MEM, 5, 2, 23, 0),          /* 10: protocol */
        INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 11, 17),         /* 11: UDP? */
        INSN(BPF_LDX | BPF_H | BPF_MEM, 5, 2, 20, 0),          /* 12: frag_off */
        INSN(BPF_ALU64 | BPF_AND | BPF_K, 5, 0, 0, 0xff3f),    /* 13: MF | offset */
        INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 8, 0),           /* 14 */
        INSN(BPF_LDX | BPF_H | BPF_MEM, 5, 2, 36, 0),          /* 15: UDP destination port */
        INSN(BPF_JMP | BPF_JNE | BPF_K, 5, 0, 6, port_le),     /* 16 */
        INSN(BPF_LDX | BPF_W | BPF_MEM, 2, 6, 16, 0),          /* 17: rx_queue_index */
        INSN(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map), /* 18-19: r1 = xskmap */
        INSN(0, 0, 0, 0, 0),
        INSN(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, XDP_PASS),  /* 20: fallback */
        INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map), /* 21 */
        INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),                  /* 22 */
        INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS),  /* 23: pass */
        INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),                  /* 24 */
    };
    const int prog = load_xdp(program, sizeof(program) / sizeof(program[0]), "tsq_xsk_ceiling");

    const int fd = socket(AF_XDP, SOCK_RAW, 0);
    if (fd < 0)
    {
        die("socket(AF_XDP)");
    }
    uint8_t *umem = mmap(NULL, (size_t)FRAMES * FRAME_SIZE, PROT_READ | PROT_WRITE,
        MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (umem == MAP_FAILED)
    {
        die("mmap UMEM");
    }
    struct xdp_umem_reg reg;
    memset(&reg, 0, sizeof(reg));
    reg.addr = (uint64_t)(uintptr_t)umem;
    reg.len = (uint64_t)FRAMES * FRAME_SIZE;
    reg.chunk_size = FRAME_SIZE;
    if (setsockopt(fd, SOL_XDP, XDP_UMEM_REG, &reg, sizeof(reg)) != 0)
    {
        die("XDP_UMEM_REG");
    }
    const int sizes[4] = {FILL_SIZE, COMP_SIZE, RX_SIZE, TX_SIZE};
    const int options[4] = {XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING, XDP_RX_RING, XDP_TX_RING};
    for (int i = 0; i < 4; i++)
    {
        if (setsockopt(fd, SOL_XDP, options[i], &sizes[i], sizeof(int)) != 0)
        {
            die("ring size");
        }
    }
    struct xdp_mmap_offsets off;
    socklen_t optlen = sizeof(off);
    if (getsockopt(fd, SOL_XDP, XDP_MMAP_OFFSETS, &off, &optlen) != 0)
    {
        die("XDP_MMAP_OFFSETS");
    }
    struct ring fill, comp, rx, tx;
    map_ring(fd, &off.fr, FILL_SIZE, sizeof(uint64_t), XDP_UMEM_PGOFF_FILL_RING, &fill);
    map_ring(fd, &off.cr, COMP_SIZE, sizeof(uint64_t), XDP_UMEM_PGOFF_COMPLETION_RING, &comp);
    map_ring(fd, &off.rx, RX_SIZE, sizeof(struct xdp_desc), XDP_PGOFF_RX_RING, &rx);
    map_ring(fd, &off.tx, TX_SIZE, sizeof(struct xdp_desc), XDP_PGOFF_TX_RING, &tx);

    /* Frames 0..FILL_SIZE-1 start in the fill ring; the rest are free for nothing: RX frames become TX frames. */
    uint64_t *fill_addrs = fill.descs;
    for (uint32_t i = 0; i < FILL_SIZE; i++)
    {
        fill_addrs[i] = (uint64_t)i * FRAME_SIZE;
    }
    store_release(fill.producer, FILL_SIZE);
    /* Frames held neither by the kernel nor in flight: a stack the completions refill. */
    static uint64_t spare[FRAMES];
    uint32_t spare_count = 0;
    for (uint32_t i = FILL_SIZE; i < FRAMES; i++)
    {
        spare[spare_count++] = (uint64_t)i * FRAME_SIZE;
    }

    struct sockaddr_xdp sxdp;
    memset(&sxdp, 0, sizeof(sxdp));
    sxdp.sxdp_family = AF_XDP;
    sxdp.sxdp_flags = XDP_COPY | XDP_USE_NEED_WAKEUP;
    sxdp.sxdp_ifindex = (uint32_t)ifindex;
    sxdp.sxdp_queue_id = 0;
    /* The queue's previous socket (a responder that just exited) is released asynchronously: EBUSY for a moment. */
    int bound = -1;
    for (int attempt = 0; attempt < 40; attempt++)
    {
        bound = bind(fd, (struct sockaddr *)&sxdp, sizeof(sxdp));
        if (bound == 0 || errno != EBUSY)
        {
            break;
        }
        usleep(50000);
    }
    if (bound != 0)
    {
        die("bind AF_XDP");
    }
    if (busy_poll_us > 0)
    {
        /* Preferred busy polling, as Turnstile's serve --xdp-busy-poll: SO_PREFER_BUSY_POLL, SO_BUSY_POLL and
           SO_BUSY_POLL_BUDGET (asm-generic/socket.h: 69, 46, 70), then a recvfrom per loop drives the NAPI poll. */
        const int one = 1, budget = BATCH;
        if (setsockopt(fd, SOL_SOCKET, 69, &one, sizeof(one)) != 0 ||
            setsockopt(fd, SOL_SOCKET, 46, &busy_poll_us, sizeof(busy_poll_us)) != 0 ||
            setsockopt(fd, SOL_SOCKET, 70, &budget, sizeof(budget)) != 0)
        {
            die("setsockopt busy poll");
        }
    }
    uint32_t key = 0, value = (uint32_t)fd;
    memset(&attr, 0, sizeof(attr));
    attr.map_fd = (uint32_t)map;
    attr.key = (uint64_t)(uintptr_t)&key;
    attr.value = (uint64_t)(uintptr_t)&value;
    if (sys_bpf(BPF_MAP_UPDATE_ELEM, &attr) != 0)
    {
        die("BPF_MAP_UPDATE_ELEM");
    }
    attach_xdp(prog, ifindex);

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    fprintf(stderr, "xsk_responder: ready on %s queue 0, port %d, %ld ns of work per request\n", dev, port, work_ns);

    unsigned long long received = 0, sent = 0, kicks = 0, kick_busy = 0;
    const uint64_t end = now_ns() + (uint64_t)(duration * 1e9);
    struct xdp_desc *rx_descs = rx.descs, *tx_descs = tx.descs;
    uint64_t *comp_addrs = comp.descs;
    uint32_t rx_cons = *rx.consumer, tx_prod = *tx.producer, fill_prod = *fill.producer, comp_cons = *comp.consumer;
    while (!stop)
    {
        /* Completions: transmitted frames go back to the fill ring (or the spare stack when it is full). */
        const uint32_t comp_avail = load_acquire(comp.producer) - comp_cons;
        if (comp_avail > 0)
        {
            sent += comp_avail;
            const uint32_t fill_free = FILL_SIZE - (fill_prod - load_acquire(fill.consumer));
            uint32_t i = 0;
            for (; i < comp_avail && i < fill_free; i++)
            {
                fill_addrs[fill_prod++ & fill.mask] = comp_addrs[comp_cons++ & comp.mask];
            }
            for (; i < comp_avail; i++)
            {
                spare[spare_count++] = comp_addrs[comp_cons++ & comp.mask];
            }
            store_release(comp.consumer, comp_cons);
            store_release(fill.producer, fill_prod);
        }
        else if (spare_count > 0)
        {
            const uint32_t fill_free = FILL_SIZE - (fill_prod - load_acquire(fill.consumer));
            for (uint32_t i = 0; i < fill_free && spare_count > 0; i++)
            {
                fill_addrs[fill_prod++ & fill.mask] = spare[--spare_count];
            }
            store_release(fill.producer, fill_prod);
        }

        if (busy_poll_us > 0)
        {
            recvfrom(fd, NULL, 0, MSG_DONTWAIT, NULL, NULL);
        }
        uint32_t avail = load_acquire(rx.producer) - rx_cons;
        const uint32_t tx_free = TX_SIZE - (tx_prod - load_acquire(tx.consumer));
        if (avail > BATCH)
        {
            avail = BATCH;
        }
        if (avail > tx_free)
        {
            avail = tx_free;
        }
        for (uint32_t i = 0; i < avail; i++)
        {
            const struct xdp_desc *d = &rx_descs[rx_cons++ & rx.mask];
            uint8_t *f = umem + d->addr;
            /* The stand-in for the cookie's MAC. */
            if (work_ns > 0)
            {
                const uint64_t until = now_ns() + (uint64_t)work_ns;
                while (now_ns() < until)
                {
                }
            }
            uint8_t tmp[6];
            memcpy(tmp, f, 6);
            memcpy(f, f + 6, 6);
            memcpy(f + 6, tmp, 6);
            uint8_t *ip = f + 14;
            uint8_t addr[4];
            memcpy(addr, ip + 12, 4);
            memcpy(ip + 12, ip + 16, 4);
            memcpy(ip + 16, addr, 4);
            ip[2] = (uint8_t)((20 + 8 + REPLY_PAYLOAD) >> 8);
            ip[3] = (uint8_t)(20 + 8 + REPLY_PAYLOAD);
            ip[8] = 64;
            ip[10] = 0;
            ip[11] = 0;
            const uint16_t checksum = ip_checksum(ip);
            ip[10] = (uint8_t)(checksum >> 8);
            ip[11] = (uint8_t)checksum;
            uint8_t *udp = ip + 20;
            uint8_t ports[2];
            memcpy(ports, udp, 2);
            memcpy(udp, udp + 2, 2);
            memcpy(udp + 2, ports, 2);
            udp[4] = (uint8_t)((8 + REPLY_PAYLOAD) >> 8);
            udp[5] = (uint8_t)(8 + REPLY_PAYLOAD);
            udp[6] = 0;
            udp[7] = 0;
            uint8_t *dtls = udp + 8;
            dtls[0] = 22;    /* handshake record, DTLS 1.0 version as RFC 6347 4.2.1 advises for the HVR */
            dtls[1] = 0xfe;
            dtls[2] = 0xff;
            dtls[11] = 0;
            dtls[12] = REPLY_PAYLOAD - 13;
            dtls[13] = 3;    /* hello_verify_request */
            struct xdp_desc *t = &tx_descs[tx_prod++ & tx.mask];
            t->addr = d->addr;
            t->len = 14 + 20 + 8 + REPLY_PAYLOAD;
            t->options = 0;
        }
        if (avail > 0)
        {
            store_release(rx.consumer, rx_cons);
            store_release(tx.producer, tx_prod);
            received += avail;
        }
        /* Kick while the kernel has not taken every TX frame: copy mode sends at most 32 per call. */
        if (load_acquire(tx.consumer) != tx_prod)
        {
            kicks++;
            if (sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0) < 0 && errno == EBUSY)
            {
                kick_busy++;
            }
        }
        if (avail == 0 && load_acquire(tx.consumer) == tx_prod && load_acquire(comp.producer) == comp_cons)
        {
            if (now_ns() >= end)
            {
                break;
            }
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            poll(&pfd, 1, 100);
        }
    }
    struct xdp_statistics stats;
    memset(&stats, 0, sizeof(stats));
    optlen = sizeof(stats);
    getsockopt(fd, SOL_XDP, XDP_STATISTICS, &stats, &optlen);
    printf("{\"rx\":%llu,\"tx\":%llu,\"kicks\":%llu,\"kick_busy\":%llu,\"rx_dropped\":%llu,\"rx_ring_full\":%llu,"
        "\"fill_empty\":%llu,\"tx_invalid\":%llu}\n", received, sent, kicks, kick_busy,
        (unsigned long long)stats.rx_dropped, (unsigned long long)stats.rx_ring_full,
        (unsigned long long)stats.rx_fill_ring_empty_descs, (unsigned long long)stats.tx_invalid_descs);
    return 0;
}
