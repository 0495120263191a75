/*
 * afpacket_flood: the spoofed ClientHello flooder of scripts/bench --xdp (docs/../shared XDP.md "Topology").
 *
 * Writes prebuilt Ethernet/IPv4/UDP frames, each carrying the same real DTLS ClientHello and a random source address
 * in a /16 and a random source port, straight onto a device with AF_PACKET + PACKET_QDISC_BYPASS + sendmmsg: no
 * routing, no qdisc, no skb per packet in user space. About 0.8 Mpps from one core here, against 0.55-0.69 Mpps for
 * a raw IP socket, which is what makes a max-rate flood exceed AF_XDP's capacity and not only the socket path's.
 *
 * Always bounded: --duration seconds (at most 600) and --packets (default 100M). Rate: --rate PPS, or 0 for as fast
 * as the device takes them; it is paced per batch against CLOCK_MONOTONIC, so short bursts of --batch frames.
 * Prints one JSON line: {"sent":..,"failed":..,"duration_s":..,"pps":..}.
 *
 *   afpacket_flood --dev IFACE --src-mac MAC --dst-mac MAC --dst IP --port N --payload FILE
 *                  [--sources A.B.0.0] [--rate PPS] [--duration S] [--packets N] [--batch N] [--cpu N]
 *
 * Needs CAP_NET_RAW. Built by scripts/bench into a temporary directory (gcc -O2); it is not part of the product.
 */
#define _GNU_SOURCE
#define TOOL "afpacket_flood"
#include "xdpbench.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>

#define MAX_BATCH 256
#define MAX_PAYLOAD 1400
#define FRAME_HEADERS 42 /* Ethernet 14 + IPv4 20 + UDP 8 */

static void usage(const char *why)
{
    fprintf(stderr, "afpacket_flood: %s\nusage: afpacket_flood --dev IFACE --src-mac MAC --dst-mac MAC --dst IP "
        "--port N --payload FILE [--sources A.B.0.0] [--rate PPS|0] [--duration S] [--packets N] [--batch N] "
        "[--cpu N]\n", why);
    exit(2);
}

static void parse_mac(const char *text, uint8_t *mac)
{
    unsigned int b[6];
    if (sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) != 6)
    {
        usage("bad MAC address");
    }
    for (int i = 0; i < 6; i++)
    {
        mac[i] = (uint8_t)b[i];
    }
}

static double now_s(void)
{
    return now_ns() / 1e9;
}

/* xorshift64*: a different source per packet without a syscall or a lock. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t next_random(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

int main(int argc, char **argv)
{
    const char *dev = NULL, *payload_file = NULL, *dst_text = NULL, *sources_text = "10.201.0.0";
    uint8_t src_mac[6] = {0}, dst_mac[6] = {0};
    int have_src_mac = 0, have_dst_mac = 0, port = 0, batch = 64, cpu = -1;
    double rate = 0, duration = 5;
    unsigned long long max_packets = 100000000ULL;

    for (int i = 1; i < argc; i++)
    {
        const char *arg = argv[i];
        if (i + 1 >= argc)
        {
            usage("every option takes a value");
        }
        const char *value = argv[++i];
        if (!strcmp(arg, "--dev")) dev = value;
        else if (!strcmp(arg, "--src-mac")) { parse_mac(value, src_mac); have_src_mac = 1; }
        else if (!strcmp(arg, "--dst-mac")) { parse_mac(value, dst_mac); have_dst_mac = 1; }
        else if (!strcmp(arg, "--dst")) dst_text = value;
        else if (!strcmp(arg, "--port")) port = atoi(value);
        else if (!strcmp(arg, "--payload")) payload_file = value;
        else if (!strcmp(arg, "--sources")) sources_text = value;
        else if (!strcmp(arg, "--rate")) rate = strcmp(value, "max") ? atof(value) : 0;
        else if (!strcmp(arg, "--duration")) duration = atof(value);
        else if (!strcmp(arg, "--packets")) max_packets = strtoull(value, NULL, 10);
        else if (!strcmp(arg, "--batch")) batch = atoi(value);
        else if (!strcmp(arg, "--cpu")) cpu = atoi(value);
        else usage("unknown option");
    }
    if (!dev || !payload_file || !dst_text || !have_src_mac || !have_dst_mac || port <= 0 || port > 65535)
    {
        usage("--dev, --src-mac, --dst-mac, --dst, --port and --payload are required");
    }
    if (duration <= 0 || duration > 600 || batch < 1 || batch > MAX_BATCH || rate < 0 || max_packets == 0)
    {
        usage("--duration must be in (0, 600], --batch in [1, 256], --rate >= 0, --packets > 0");
    }
    struct in_addr dst, sources;
    if (inet_pton(AF_INET, dst_text, &dst) != 1 || inet_pton(AF_INET, sources_text, &sources) != 1)
    {
        usage("bad IPv4 address");
    }

    uint8_t payload[MAX_PAYLOAD];
    FILE *in = fopen(payload_file, "rb");
    if (!in)
    {
        die(payload_file);
    }
    size_t payload_length = fread(payload, 1, sizeof(payload), in);
    fclose(in);
    if (payload_length == 0)
    {
        usage("empty payload");
    }

    pin_to_cpu(cpu);

    int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: this socket never receives */
    if (fd < 0)
    {
        die("socket(AF_PACKET)");
    }
    int one = 1;
    /* PACKET_QDISC_BYPASS: straight to the driver's xmit, the qdisc (and its lock) skipped. */
    if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) != 0)
    {
        die("PACKET_QDISC_BYPASS");
    }
    struct sockaddr_ll address;
    memset(&address, 0, sizeof(address));
    address.sll_family = AF_PACKET;
    address.sll_protocol = htons(ETH_P_IP);
    address.sll_ifindex = (int)if_nametoindex(dev);
    if (address.sll_ifindex == 0)
    {
        die(dev);
    }
    address.sll_halen = 6;
    memcpy(address.sll_addr, dst_mac, 6);
    if (bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0)
    {
        die("bind");
    }

    /* One frame per batch slot; the source address, source port and IP checksum are rewritten before each send. */
    static uint8_t frames[MAX_BATCH][FRAME_HEADERS + MAX_PAYLOAD];
    struct iovec iov[MAX_BATCH];
    struct mmsghdr messages[MAX_BATCH];
    const size_t frame_length = FRAME_HEADERS + payload_length;
    memset(messages, 0, sizeof(messages));
    for (int i = 0; i < batch; i++)
    {
        uint8_t *f = frames[i];
        memcpy(f, dst_mac, 6);
        memcpy(f + 6, src_mac, 6);
        f[12] = 0x08;
        f[13] = 0x00;
        uint8_t *ip = f + 14;
        ip[0] = 0x45;
        ip[1] = 0;
        ip[2] = (uint8_t)((20 + 8 + payload_length) >> 8);
        ip[3] = (uint8_t)(20 + 8 + payload_length);
        ip[6] = 0x40; /* DF */
        ip[8] = 64;
        ip[9] = 17;
        memcpy(ip + 16, &dst, 4);
        uint8_t *udp = ip + 20;
        udp[2] = (uint8_t)(port >> 8);
        udp[3] = (uint8_t)port;
        udp[4] = (uint8_t)((8 + payload_length) >> 8);
        udp[5] = (uint8_t)(8 + payload_length);
        udp[6] = 0; /* no UDP checksum: optional for IPv4 (RFC 768) */
        udp[7] = 0;
        memcpy(udp + 8, payload, payload_length);
        iov[i].iov_base = f;
        iov[i].iov_len = frame_length;
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }

    /* A signal ignored on entry (a non-interactive shell's background job and SIGINT) stays ignored. */
    if (signal(SIGINT, on_signal) == SIG_IGN)
    {
        signal(SIGINT, SIG_IGN);
    }
    signal(SIGTERM, on_signal);
    rng_state ^= (uint64_t)getpid() << 17 ^ (uint64_t)(now_s() * 1e9);

    const uint32_t base = ntohl(sources.s_addr) & 0xffff0000u;
    unsigned long long sent = 0, failed = 0;
    const double start = now_s();
    const double end = start + duration;
    double now = start;
    while (!stop && now < end && sent < max_packets)
    {
        int n = batch;
        if ((unsigned long long)n > max_packets - sent)
        {
            n = (int)(max_packets - sent);
        }
        if (rate > 0)
        {
            /* Pacing: the batch leaves when the schedule says its first packet is due. */
            const double due = start + (double)(sent + failed) / rate;
            while (!stop && (now = now_s()) < due)
            {
                const double wait = due - now;
                if (wait > 200e-6)
                {
                    struct timespec ts = {0, (long)((wait - 100e-6) * 1e9)};
                    nanosleep(&ts, NULL);
                }
            }
            if (now >= end)
            {
                break;
            }
        }
        for (int i = 0; i < n; i++)
        {
            uint8_t *ip = frames[i] + 14;
            const uint32_t r = next_random();
            uint32_t source = htonl(base | (r & 0xffff));
            /* Neither .0 nor .255 in the last byte: some stacks treat them specially. */
            if ((r & 0xff) == 0 || (r & 0xff) == 0xff)
            {
                source = htonl(base | (r & 0xff00) | 1);
            }
            memcpy(ip + 12, &source, 4);
            const uint16_t source_port = (uint16_t)(1024 + (r >> 16) % 64000);
            ip[20] = (uint8_t)(source_port >> 8);
            ip[21] = (uint8_t)source_port;
            ip[10] = 0;
            ip[11] = 0;
            const uint16_t checksum = ip_checksum(ip);
            ip[10] = (uint8_t)(checksum >> 8);
            ip[11] = (uint8_t)checksum;
        }
        const int done = sendmmsg(fd, messages, (unsigned int)n, 0);
        if (done < 0)
        {
            if (errno != EAGAIN && errno != ENOBUFS && errno != EINTR)
            {
                die("sendmmsg");
            }
            failed += (unsigned long long)n;
        }
        else
        {
            sent += (unsigned long long)done;
            failed += (unsigned long long)(n - done);
        }
        now = now_s();
    }
    const double elapsed = now_s() - start;
    printf("{\"sent\":%llu,\"failed\":%llu,\"duration_s\":%.3f,\"pps\":%.0f,\"target_pps\":%.0f}\n",
        sent, failed, elapsed, elapsed > 0 ? sent / elapsed : 0.0, rate);
    close(fd);
    return 0;
}
