/* Ground-truth wall-clock workload: the main thread spends known shares of
 * its wall time computing, sleeping in nanosleep, and blocked reading a pipe
 * that a second thread ("writer") fills after a delay, in 10 ms rounds of
 * 4 + 3 + 3 ms. The split actually achieved is measured with
 * CLOCK_MONOTONIC around each phase and printed at exit:
 *
 *   truth pid=1234 compute=40.10 sleep=30.05 pipe=29.85 vfork=0.00 writer_tid=1235
 *
 * (writer_tid: the writer thread's id, for profiles that label threads.)
 *
 * With -D, each round also waits 2 ms for a vfork()ed child, which the
 * kernel does in uninterruptible sleep (state D): "vfork" is then a fourth
 * share, and the others shrink.
 *
 * Usage: wall_split [-t SECONDS] [-D]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int to_main[2], to_writer[2];
static volatile unsigned long sink;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)(s * 1e9) };

	nanosleep(&ts, NULL);
}

__attribute__((noinline)) void compute(double seconds)
{
	double end = now_s() + seconds;
	unsigned long x = sink;

	while (now_s() < end)
		for (int i = 0; i < 2000; i++)
			x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
}

__attribute__((noinline)) void do_sleep(double seconds) { sleep_s(seconds); }

__attribute__((noinline)) void wait_for_pipe(void)
{
	char c;

	if (write(to_writer[1], "g", 1) != 1 || read(to_main[0], &c, 1) != 1)
		exit(1);
}

__attribute__((noinline)) void wait_for_vfork(void)
{
	pid_t pid = vfork();

	if (pid == 0) { /* the parent stays in D until this child exits */
		sleep_s(0.002);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

static volatile pid_t writer_tid;

static void *writer(void *arg)
{
	char c;

	(void)arg;
	writer_tid = (pid_t)syscall(SYS_gettid);
	prctl(PR_SET_NAME, "writer");
	while (read(to_writer[0], &c, 1) == 1) {
		sleep_s(0.003);
		if (write(to_main[1], "x", 1) != 1)
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	double seconds = 3, spent[4] = { 0 };
	int with_vfork = 0, opt;
	pthread_t tid;

	while ((opt = getopt(argc, argv, "t:D")) != -1) {
		if (opt == 't')
			seconds = atof(optarg);
		else if (opt == 'D')
			with_vfork = 1;
		else {
			fprintf(stderr, "usage: %s [-t SECONDS] [-D]\n", argv[0]);
			return 1;
		}
	}
	if (pipe(to_main) || pipe(to_writer) || pthread_create(&tid, NULL, writer, NULL))
		return 1;
	double end = now_s() + seconds;
	while (now_s() < end) {
		double t0 = now_s();
		compute(0.004);
		double t1 = now_s();
		do_sleep(0.003);
		double t2 = now_s();
		wait_for_pipe();
		double t3 = now_s();
		if (with_vfork)
			wait_for_vfork();
		double t4 = now_s();
		spent[0] += t1 - t0;
		spent[1] += t2 - t1;
		spent[2] += t3 - t2;
		spent[3] += t4 - t3;
	}
	double total = spent[0] + spent[1] + spent[2] + spent[3];
	printf("truth pid=%d compute=%.2f sleep=%.2f pipe=%.2f vfork=%.2f writer_tid=%d\n", getpid(),
	       100 * spent[0] / total, 100 * spent[1] / total, 100 * spent[2] / total,
	       100 * spent[3] / total, (int)writer_tid);
	return 0;
}
