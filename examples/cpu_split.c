/* Ground-truth CPU workload: three functions burn 60%, 30% and 10% of the
 * thread's CPU time, interleaved in 10 ms rounds so any sampling window sees
 * the same split. The split actually achieved is measured with
 * CLOCK_THREAD_CPUTIME_ID and printed at exit, so a profiler's shares can be
 * checked against it:
 *
 *   truth pid=1234 burn_60=60.02 burn_30=29.99 burn_10=9.99
 *
 * Usage: cpu_split [-t SECONDS | -n ROUNDS] [-f]
 *   -t  how long to run (default 2)
 *   -n  a fixed amount of work instead: ROUNDS rounds of 6:3:1 loop
 *       iterations (benchmarks compare wall times of the same work)
 *   -f  do the work in a forked child (the parent only waits)
 *
 * The last line also carries start_ns and end_ns, the CLOCK_MONOTONIC times
 * the program started and its work ended, so a benchmark can tell a
 * profiler's start-up, its cost while sampling, and its time from the end
 * of the work to a written profile apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static volatile unsigned long sink;

static void churn(unsigned long iters)
{
	unsigned long x = sink;

	for (unsigned long i = 0; i < iters; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
}

/* Spins until `budget` seconds of this thread's CPU time have passed; returns
 * the CPU time actually spent. The clock is read every few microseconds so
 * its syscall is a negligible share of the samples. */
static __attribute__((noinline)) double spin(double budget)
{
	double start = thread_cpu_s(), now = start;

	while (now - start < budget) {
		churn(20000);
		now = thread_cpu_s();
	}
	return now - start;
}

/* Fixed work: `units` x 200k iterations, timed with the thread CPU clock. */
static __attribute__((noinline)) double spin_fixed(int units)
{
	double start = thread_cpu_s();

	churn(200000ul * units);
	return thread_cpu_s() - start;
}

static double spent[3];
static long rounds; /* 0: run for a time instead */
static double started;

__attribute__((noinline)) void burn_60(void) { spent[0] += rounds ? spin_fixed(6) : spin(0.006); }
__attribute__((noinline)) void burn_30(void) { spent[1] += rounds ? spin_fixed(3) : spin(0.003); }
__attribute__((noinline)) void burn_10(void) { spent[2] += rounds ? spin_fixed(1) : spin(0.001); }

static void work(double seconds)
{
	double end = wall_s() + seconds;

	for (long r = 0; rounds ? r < rounds : wall_s() < end; r++) {
		burn_60();
		burn_30();
		burn_10();
	}
	double total = spent[0] + spent[1] + spent[2];
	printf("truth pid=%d burn_60=%.2f burn_30=%.2f burn_10=%.2f start_ns=%.0f end_ns=%.0f\n",
	       getpid(), 100 * spent[0] / total, 100 * spent[1] / total, 100 * spent[2] / total,
	       started * 1e9, wall_s() * 1e9);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	double seconds = 2;
	int in_child = 0, opt;

	started = wall_s();
	while ((opt = getopt(argc, argv, "t:n:f")) != -1) {
		switch (opt) {
		case 't':
			seconds = atof(optarg);
			break;
		case 'n':
			rounds = atol(optarg);
			break;
		case 'f':
			in_child = 1;
			break;
		default:
			fprintf(stderr, "usage: %s [-t SECONDS | -n ROUNDS] [-f]\n", argv[0]);
			return 1;
		}
	}
	if (!in_child) {
		work(seconds);
		return 0;
	}
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		work(seconds);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
