/* Context-switch stress: two threads hand one byte back and forth over two
 * pipes, ROUNDS times, so each round is two blocking reads and two wake-ups
 * (about 100k context switches a second on a small machine). The worst case
 * for an off-CPU profiler, which does its work at every switch.
 *
 * Usage: pingpong [-n ROUNDS] [-c CPU]
 *   -c  pin both threads to one CPU: every hand-over is then a direct
 *       context switch, with no cross-CPU wake-up or idle exit in the way
 *       (on a VM those dominate and hide the cost being measured)
 * Prints start_ns and end_ns (CLOCK_MONOTONIC) like cpu_split.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

static int ping[2], pong[2];
static long rounds = 100000;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void serve(void)
{
	char c;

	for (long i = 0; i < rounds; i++)
		if (read(ping[0], &c, 1) != 1 || write(pong[1], &c, 1) != 1)
			exit(1);
}

static void *server(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "pong");
	serve();
	return NULL;
}

__attribute__((noinline)) static void play(void)
{
	char c = 'x';

	for (long i = 0; i < rounds; i++)
		if (write(ping[1], &c, 1) != 1 || read(pong[0], &c, 1) != 1)
			exit(1);
}

int main(int argc, char **argv)
{
	pthread_t tid;
	int opt, cpu = -1;

	while ((opt = getopt(argc, argv, "n:c:")) != -1) {
		if (opt == 'n')
			rounds = atol(optarg);
		else if (opt == 'c')
			cpu = atoi(optarg);
		else {
			fprintf(stderr, "usage: %s [-n ROUNDS] [-c CPU]\n", argv[0]);
			return 1;
		}
	}
	if (cpu >= 0) { /* before the second thread exists: it inherits the mask */
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			return 1;
	}
	double start = now_s();
	if (pipe(ping) || pipe(pong) || pthread_create(&tid, NULL, server, NULL))
		return 1;
	play();
	pthread_join(tid, NULL);
	printf("pingpong rounds=%ld start_ns=%.0f end_ns=%.0f\n", rounds, start * 1e9, now_s() * 1e9);
	return 0;
}
