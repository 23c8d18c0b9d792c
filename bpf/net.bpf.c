// SPDX-License-Identifier: GPL-2.0
/* Network I/O of the target processes, from BTF tracepoints (no kprobes):
 * sock_send_length and sock_recv_length fire in the sending or receiving
 * task after every socket send or receive, whatever the family, with what
 * the call returned. Each one with bytes takes the task's user stack with
 * the shared unwinder (native and Python frames) and adds the bytes to
 * (process, stack, peer, protocol, direction) in the kernel.
 *
 * tcp_retransmit_skb runs from the retransmit timer or a softirq, where the
 * current task is whoever was on the CPU: a retransmit is counted under the
 * last target stack that sent on the socket (net_owners), or, system-wide
 * (-a), under the peer alone. */
#include "common.bpf.h"
#include "net.h"

#define MSG_PEEK 2
#define IPPROTO_TCP 6

/* max_entries and NO_PREALLOC are set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct xpu_net_key);
	__type(value, struct xpu_net_value);
} net_counts SEC(".maps");

/* TCP socket -> who last sent on it, for retransmits. Entries go when the
 * socket is destroyed (tcp_destroy_sock, so a recycled address never
 * inherits an old owner); LRU where that tracepoint is missing. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct xpu_net_owner);
} net_owners SEC(".maps");

/* Keys are built in per-CPU scratch: 112 bytes is a lot of BPF stack next
 * to the unwinder's. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xpu_net_key);
} net_scratch SEC(".maps");

static __always_inline void add_bytes(struct xpu_net_key *key, __u64 bytes)
{
	struct xpu_net_value init = { .bytes = bytes, .count = 1 }, *v;

	v = bpf_map_lookup_elem(&net_counts, key);
	if (!v) {
		if (bpf_map_update_elem(&net_counts, key, &init, BPF_NOEXIST) == 0)
			return;
		v = bpf_map_lookup_elem(&net_counts, key); /* raced with another CPU */
		if (!v) {
			stat_inc(XPU_STAT_NET_FULL);
			return;
		}
	}
	__sync_fetch_and_add(&v->bytes, bytes);
	__sync_fetch_and_add(&v->count, 1);
}

/* The path a Unix socket's peer is bound to (a client's peer is the
 * listening path), else its own (a server's accepted socket is unbound on
 * the client's side). */
static __always_inline void unix_peer(const struct sock *sk, struct xpu_net_key *key)
{
	const struct unix_sock *u = (const void *)sk;
	struct sock *peer = BPF_CORE_READ(u, peer);
	struct unix_address *addr = 0;
	int len;

	if (peer)
		addr = BPF_CORE_READ((struct unix_sock *)peer, addr);
	if (!addr)
		addr = BPF_CORE_READ(u, addr);
	if (!addr)
		return;
	len = BPF_CORE_READ(addr, len) - (int)sizeof(__u16); /* sun_family */
	if (len <= 0)
		return;
	if (len > XPU_NET_ADDR_LEN)
		len = XPU_NET_ADDR_LEN;
	if (bpf_probe_read_kernel(key->addr, len, addr->name[0].sun_path) == 0)
		key->addr_len = len;
}

/* Fills the peer and protocol of `sk` into `key` (zeroed by the caller). */
static __always_inline void fill_peer(const struct sock *sk, struct xpu_net_key *key)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	key->family = family;
	if (family == XPU_NET_AF_INET) {
		key->protocol = BPF_CORE_READ(sk, sk_protocol);
		key->port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		key->addr_len = 4;
		/* _INTO reads sizeof(*dst): the address's type, not a byte. */
		BPF_CORE_READ_INTO((__be32 *)key->addr, sk, __sk_common.skc_daddr);
	} else if (family == XPU_NET_AF_INET6) {
		key->protocol = BPF_CORE_READ(sk, sk_protocol);
		key->port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
		key->addr_len = 16;
		BPF_CORE_READ_INTO((struct in6_addr *)key->addr, sk, __sk_common.skc_v6_daddr);
	} else if (family == XPU_NET_AF_UNIX) {
		key->protocol = BPF_CORE_READ(sk, sk_type);
		unix_peer(sk, key);
	}
}

static __always_inline struct xpu_net_key *fresh_key(void)
{
	__u32 zero = 0;
	struct xpu_net_key *key = bpf_map_lookup_elem(&net_scratch, &zero);

	if (key)
		__builtin_memset(key, 0, sizeof(*key));
	return key;
}

/* Remembers who sent on a TCP socket, when that changed. */
static __always_inline void note_owner(const struct sock *sk, const struct xpu_net_key *key)
{
	__u64 id = (__u64)sk;
	struct xpu_net_owner *o = bpf_map_lookup_elem(&net_owners, &id), n = {};

	if (o && o->pid == key->pid && o->gen == key->gen && o->ustack == key->ustack)
		return;
	n.pid = key->pid;
	n.gen = key->gen;
	n.ustack = key->ustack;
	n.flags = key->flags;
	__builtin_memcpy(n.comm, key->comm, sizeof(n.comm));
	bpf_map_update_elem(&net_owners, &id, &n, BPF_ANY);
}

static __always_inline int on_io(void *ctx, const struct sock *sk, int ret, int flags, __u16 dir)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct task_struct *task;
	struct xpu_net_key *key;
	struct xpu_scratch *s;
	struct xpu_proc *proc;
	struct user_start u;

	if (ret <= 0 || (flags & MSG_PEEK) || tgid == 0 || !is_target(tgid))
		return 0;
	key = fresh_key();
	if (!key)
		return 0;
	stat_inc(XPU_STAT_NET_EVENTS);
	proc = current_proc(tgid);
	key->pid = tgid;
	key->gen = proc ? proc->gen : 0;
	key->dir = dir;
	bpf_get_current_comm(key->comm, sizeof(key->comm));
	fill_peer(sk, key);
	task = bpf_get_current_task_btf();
	/* The task is in a system call: its user registers are where it
	 * entered the kernel. */
	if (want_user && user_start_of(task, &u)) {
		/* The thread's own scratch: a sample or a wake-up from an
		 * interrupt may run on this CPU in the middle of the walk. */
		s = get_task_scratch();
		if (s && walk_user_stacks) {
			walk_begin(s, u.ip, u.sp, u.bp);
			key->ustack = finish_user_stack(s, tgid);
		}
		/* Without bpf_loop, bpf_get_stack from a raw tracepoint reads
		 * the same user registers. */
		else if (s) {
			key->ustack = capture_stack(ctx, BPF_F_USER_STACK, USER_SEED, s);
		}
		note_stacks(key->ustack, true, 0, false, &key->flags);
	}
	add_bytes(key, (__u64)ret);
	if (dir == XPU_NET_SEND && key->protocol == IPPROTO_TCP &&
	    (key->family == XPU_NET_AF_INET || key->family == XPU_NET_AF_INET6))
		note_owner(sk, key);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(on_sock_send, struct sock *sk, int ret, int flags)
{
	return on_io(ctx, sk, ret, flags, XPU_NET_SEND);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(on_sock_recv, struct sock *sk, int ret, int flags)
{
	return on_io(ctx, sk, ret, flags, XPU_NET_RECV);
}

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(on_retransmit, const struct sock *sk, const struct sk_buff *skb)
{
	__u64 id = (__u64)sk;
	struct xpu_net_owner *o = bpf_map_lookup_elem(&net_owners, &id);
	struct xpu_net_key *key;

	if (!o && filter_pids)
		return 0; /* no target process sent on it */
	key = fresh_key();
	if (!key)
		return 0;
	if (o) {
		key->pid = o->pid;
		key->gen = o->gen;
		key->ustack = o->ustack;
		key->flags = o->flags;
		__builtin_memcpy(key->comm, o->comm, sizeof(key->comm));
	}
	key->dir = XPU_NET_RETRANS;
	fill_peer(sk, key);
	add_bytes(key, BPF_CORE_READ(skb, len));
	return 0;
}

/* A socket address is reused once the socket is gone: forget its sender. */
SEC("tp_btf/tcp_destroy_sock")
int BPF_PROG(on_tcp_destroy, struct sock *sk)
{
	__u64 id = (__u64)sk;

	bpf_map_delete_elem(&net_owners, &id);
	return 0;
}
