/* Known network traffic, for the network layer's tests and benchmark.
 *
 * Traffic mode (default): N messages of SMALL bytes over loopback TCP from
 * send_small(), and N messages of LARGE bytes over a Unix stream socket
 * from send_large(); a server thread receives each stream to its end in
 * serve_tcp() and serve_unix(). Every send is one blocking call that sends
 * its whole message, so the sender's bytes and calls are exact; the
 * receiver's bytes are exact, its calls are not (streams merge and split).
 *
 * Request/response mode (-b ROUNDS): the client sends a REQ-byte request,
 * the server answers with a REQ-byte reply, ROUNDS times, over loopback TCP:
 * four socket calls a round. Prints the loop's seconds.
 *
 * -d MS waits that long before any traffic: a profiler that has just seen
 * the exec is still reading the new image's maps and tables (tens of ms on
 * a busy machine), and stacks taken before then end early.
 *
 * Usage: net_traffic [-n N] [-s SMALL] [-l LARGE] [-u PATH] [-b ROUNDS] [-q REQ] [-d MS]
 * Prints "tcp_port=P unix_path=PATH" first, then "received tcp=B unix=B".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long n = 100, small = 64, large = 4096, rounds, req = 64, delay_ms;
static const char *unix_path;
static int tcp_listener, unix_listener;
static long tcp_received, unix_received;

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Reads the stream to its end; returns the bytes. */
static long drain(int fd)
{
	char buf[65536];
	long total = 0;
	ssize_t got;

	while ((got = recv(fd, buf, sizeof(buf), 0)) > 0)
		total += got;
	if (got < 0)
		die("recv");
	return total;
}

__attribute__((noinline)) static void serve_tcp(void)
{
	int fd = accept(tcp_listener, NULL, NULL);

	if (fd < 0)
		die("accept tcp");
	tcp_received = drain(fd);
	close(fd);
}

__attribute__((noinline)) static void serve_unix(void)
{
	int fd = accept(unix_listener, NULL, NULL);

	if (fd < 0)
		die("accept unix");
	unix_received = drain(fd);
	close(fd);
}

/* Answers each request with a reply of the same size until EOF. */
__attribute__((noinline)) static void serve_requests(void)
{
	int fd = accept(tcp_listener, NULL, NULL), one = 1;
	char *buf = calloc(1, req);
	ssize_t got;

	if (fd < 0 || !buf)
		die("accept requests");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while ((got = recv(fd, buf, req, MSG_WAITALL)) == req)
		if (send(fd, buf, req, 0) != req)
			die("send reply");
	close(fd);
	free(buf);
}

static void *server(void *arg)
{
	(void)arg;
	if (rounds) {
		serve_requests();
		return NULL;
	}
	serve_tcp();
	serve_unix();
	return NULL;
}

static void send_all(int fd, const char *buf, long size)
{
	if (send(fd, buf, size, 0) != size)
		die("send");
}

__attribute__((noinline)) static void send_small(int fd)
{
	char *buf = calloc(1, small);

	for (long i = 0; i < n; i++)
		send_all(fd, buf, small);
	free(buf);
}

__attribute__((noinline)) static void send_large(int fd)
{
	char *buf = calloc(1, large);

	for (long i = 0; i < n; i++)
		send_all(fd, buf, large);
	free(buf);
}

__attribute__((noinline)) static void request_loop(int fd)
{
	char *buf = calloc(1, req);
	double t0 = now_s();

	for (long i = 0; i < rounds; i++) {
		send_all(fd, buf, req);
		if (recv(fd, buf, req, MSG_WAITALL) != req)
			die("recv reply");
	}
	printf("seconds=%.6f rounds=%ld\n", now_s() - t0, rounds);
	free(buf);
}

static int tcp_connect(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect tcp");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static int listen_tcp(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tcp_listener = socket(AF_INET, SOCK_STREAM, 0);
	if (tcp_listener < 0 || bind(tcp_listener, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(tcp_listener, 1) || getsockname(tcp_listener, (struct sockaddr *)&a, &len))
		die("listen tcp");
	return ntohs(a.sin_port);
}

static struct sockaddr_un unix_addr(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (strlen(unix_path) >= sizeof(a.sun_path))
		die("unix path too long");
	strcpy(a.sun_path, unix_path);
	return a;
}

static void listen_unix(void)
{
	struct sockaddr_un a = unix_addr();

	unlink(unix_path);
	unix_listener = socket(AF_UNIX, SOCK_STREAM, 0);
	if (unix_listener < 0 || bind(unix_listener, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(unix_listener, 1))
		die("listen unix");
}

static int unix_connect(void)
{
	struct sockaddr_un a = unix_addr();
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)))
		die("connect unix");
	return fd;
}

int main(int argc, char **argv)
{
	char default_path[64];
	pthread_t thread;
	int opt, port, fd;

	snprintf(default_path, sizeof(default_path), "/tmp/net_traffic.%d.sock", getpid());
	unix_path = default_path;
	while ((opt = getopt(argc, argv, "n:s:l:u:b:q:d:")) != -1) {
		switch (opt) {
		case 'n': n = atol(optarg); break;
		case 's': small = atol(optarg); break;
		case 'l': large = atol(optarg); break;
		case 'u': unix_path = optarg; break;
		case 'b': rounds = atol(optarg); break;
		case 'q': req = atol(optarg); break;
		case 'd': delay_ms = atol(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-n N] [-s SMALL] [-l LARGE] [-u PATH] "
					"[-b ROUNDS] [-q REQ] [-d MS]\n", argv[0]);
			return 2;
		}
	}
	if (n < 0 || small < 1 || large < 1 || req < 1 || rounds < 0 || delay_ms < 0)
		die("bad sizes");
	if (delay_ms) {
		struct timespec d = {delay_ms / 1000, (delay_ms % 1000) * 1000000};
		nanosleep(&d, NULL);
	}
	port = listen_tcp();
	if (!rounds)
		listen_unix();
	printf("tcp_port=%d unix_path=%s\n", port, rounds ? "-" : unix_path);
	fflush(stdout);
	if (pthread_create(&thread, NULL, server, NULL))
		die("pthread_create");
	fd = tcp_connect(port);
	if (rounds) {
		request_loop(fd);
		close(fd);
		pthread_join(thread, NULL);
		return 0;
	}
	send_small(fd);
	close(fd);
	fd = unix_connect();
	send_large(fd);
	close(fd);
	pthread_join(thread, NULL);
	unlink(unix_path);
	printf("received tcp=%ld unix=%ld\n", tcp_received, unix_received);
	return tcp_received == n * small && unix_received == n * large ? 0 : 1;
}
