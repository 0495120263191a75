/*
 * xdpbench.h: what scripts/bench --xdp's C tools (afpacket_flood, xdp_sink, xsk_responder) share, so that each
 * keeps only its own job. Header-only: each tool defines TOOL (its name, for messages) and includes it once; the
 * functions are static inline, so a tool that does not use one is not warned about it.
 */
#ifndef XDPBENCH_H
#define XDPBENCH_H

#ifndef TOOL
#error "define TOOL (the tool's name for its messages) before including xdpbench.h"
#endif

#include <errno.h>
#include <sched.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Set by on_signal: the tool's loop ends and it prints its report. */
static volatile sig_atomic_t stop __attribute__((unused));

static inline void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static inline void die(const char *what)
{
    fprintf(stderr, TOOL ": %s: %s\n", what, strerror(errno));
    exit(1);
}

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Pin the calling thread to one CPU (the scripts give each tool its own); -1 leaves it where it is. */
static inline void pin_to_cpu(int cpu)
{
    if (cpu >= 0)
    {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) != 0)
        {
            die("sched_setaffinity");
        }
    }
}

/* RFC 1071 over the 20-byte IPv4 header. */
static inline uint16_t ip_checksum(const uint8_t *header)
{
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
    {
        sum += (uint32_t)header[i] << 8 | header[i + 1];
    }
    while (sum >> 16)
    {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return (uint16_t)~sum;
}

static inline int sys_bpf(int cmd, union bpf_attr *attr)
{
    return (int)syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

#define INSN(op_, dst_, src_, off_, imm_) \
    ((struct bpf_insn){.code = (op_), .dst_reg = (dst_), .src_reg = (src_), .off = (off_), .imm = (imm_)})

/* Load an XDP program (at most 15 characters of name); on failure print the verifier's log and exit 1. */
static inline int load_xdp(const struct bpf_insn *program, uint32_t count, const char *name)
{
    static char log[65536];
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_XDP;
    attr.insn_cnt = count;
    attr.insns = (uint64_t)(uintptr_t)program;
    attr.license = (uint64_t)(uintptr_t)"Apache-2.0";
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = sizeof(log);
    attr.log_level = 1;
    attr.expected_attach_type = BPF_XDP;
    const size_t length = strlen(name);
    memcpy(attr.prog_name, name, length < sizeof(attr.prog_name) ? length : sizeof(attr.prog_name) - 1);
    const int prog = sys_bpf(BPF_PROG_LOAD, &attr);
    if (prog < 0)
    {
        fprintf(stderr, TOOL ": BPF_PROG_LOAD: %s\n%s\n", strerror(errno), log);
        exit(1);
    }
    return prog;
}

/* Attach in driver mode with BPF_LINK_CREATE: the program stays attached as long as the returned fd (the process). */
static inline int attach_xdp(int prog, int ifindex)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.link_create.prog_fd = (uint32_t)prog;
    attr.link_create.target_ifindex = (uint32_t)ifindex;
    attr.link_create.attach_type = BPF_XDP;
    attr.link_create.flags = 4; /* XDP_FLAGS_DRV_MODE (linux/if_link.h) */
    const int link = sys_bpf(BPF_LINK_CREATE, &attr);
    if (link < 0)
    {
        die("BPF_LINK_CREATE");
    }
    return link;
}

#endif
