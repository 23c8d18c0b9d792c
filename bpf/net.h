/* Network I/O: the key and value of bpf/net.bpf.c's `net_counts` map, read by
 * lib/kernel/net_tracer.cpp. */
#ifndef XPU_BPF_NET_H
#define XPU_BPF_NET_H

#include "common.h"

/* What the count is of. */
#define XPU_NET_SEND 1       /* bytes a send/write on a socket returned */
#define XPU_NET_RECV 2       /* bytes a recv/read on a socket returned */
#define XPU_NET_RETRANS 3    /* TCP segments retransmitted (bytes: their length) */

/* Address families, as the kernel numbers them. */
#define XPU_NET_AF_UNIX 1
#define XPU_NET_AF_INET 2
#define XPU_NET_AF_INET6 10

#define XPU_NET_ADDR_LEN 64  /* an IPv6 address, or the first bytes of a Unix path */

/* One entry per distinct (process, user stack, peer, protocol, direction).
 * The peer is where the socket is connected: address and port for IPv4 and
 * IPv6 (addr holds 4 or 16 bytes, port in host order); for a Unix socket
 * the path it is bound to, its peer's or its own (addr_len bytes, the first
 * 0 for an abstract name). */
struct xpu_net_key {
	__u32 pid;       /* tgid; 0 for a retransmit of a socket no target sent on */
	__u32 gen;       /* address-space id, see struct xpu_proc */
	__u64 ustack;    /* hash into `stacks`, 0 when there is none */
	__u32 flags;     /* XPU_KEY_* */
	__u16 dir;       /* XPU_NET_* */
	__u16 family;    /* XPU_NET_AF_* */
	__u16 protocol;  /* IPPROTO_* for inet; SOCK_* type for Unix */
	__u16 port;
	__u32 addr_len;
	__u8 addr[XPU_NET_ADDR_LEN];
	char comm[XPU_COMM_LEN];
};

struct xpu_net_value {
	__u64 bytes;
	__u64 count;  /* calls (send, recv) or segments (retransmit) */
};

/* Who last sent on a TCP socket: retransmits run from timers and softirqs,
 * where the current task is anybody; they are counted under this. */
struct xpu_net_owner {
	__u32 pid;
	__u32 gen;
	__u64 ustack;
	__u32 flags;
	__u32 _pad;
	char comm[XPU_COMM_LEN];
};

#endif /* XPU_BPF_NET_H */
