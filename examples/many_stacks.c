/* A workload with many distinct call stacks, for measuring how a profiler
 * copes with a large profile: 14 levels, each with two functions (level_N_a
 * and level_N_b), and each call picks its callee from one bit of a path
 * counter, so up to 2^14 = 16384 distinct stacks appear, each equally often.
 *
 * Usage: many_stacks [-t SECONDS] [-j THREADS]
 * The last line carries start_ns and end_ns (CLOCK_MONOTONIC) like cpu_split's.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define LEVELS 14

typedef void (*level_fn)(unsigned path, int level);
static level_fn table[LEVELS][2];
static volatile unsigned long sink;

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __attribute__((noinline)) void leaf_work(void)
{
	unsigned long x = sink;

	for (int i = 0; i < 40000; i++)
		x = x * 6364136223846793005ul + 1442695040888963407ul;
	sink = x;
}

static inline void descend(unsigned path, int level)
{
	if (level == LEVELS)
		leaf_work();
	else
		table[level][(path >> level) & 1](path, level + 1);
	__asm__ volatile("" ::: "memory"); /* no tail call: keep this frame */
}

#define LEVEL_FNS(n)                                                                      \
	static __attribute__((noinline)) void level_##n##_a(unsigned p, int l) { descend(p, l); } \
	static __attribute__((noinline)) void level_##n##_b(unsigned p, int l) { descend(p, l); }
LEVEL_FNS(0) LEVEL_FNS(1) LEVEL_FNS(2) LEVEL_FNS(3) LEVEL_FNS(4) LEVEL_FNS(5) LEVEL_FNS(6)
LEVEL_FNS(7) LEVEL_FNS(8) LEVEL_FNS(9) LEVEL_FNS(10) LEVEL_FNS(11) LEVEL_FNS(12)
LEVEL_FNS(13)

#define SET(n) table[n][0] = level_##n##_a, table[n][1] = level_##n##_b
static void init_table(void)
{
	SET(0); SET(1); SET(2); SET(3); SET(4); SET(5); SET(6);
	SET(7); SET(8); SET(9); SET(10); SET(11); SET(12); SET(13);
}

static double seconds = 5;

static void *worker(void *arg)
{
	unsigned path = (unsigned)(unsigned long)arg * 7919u;
	double end = wall_s() + seconds;

	while (wall_s() < end)
		descend(path++, 0);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 1, opt;
	double started = wall_s();

	while ((opt = getopt(argc, argv, "t:j:")) != -1) {
		if (opt == 't')
			seconds = atof(optarg);
		else if (opt == 'j')
			threads = atoi(optarg);
		else {
			fprintf(stderr, "usage: %s [-t SECONDS] [-j THREADS]\n", argv[0]);
			return 1;
		}
	}
	init_table();
	pthread_t tids[64];
	if (threads < 1 || threads > 64)
		threads = 1;
	for (int i = 1; i < threads; i++)
		pthread_create(&tids[i], NULL, worker, (void *)(unsigned long)i);
	worker(0);
	for (int i = 1; i < threads; i++)
		pthread_join(tids[i], NULL);
	printf("many_stacks pid=%d start_ns=%.0f end_ns=%.0f\n", getpid(), started * 1e9,
	       wall_s() * 1e9);
	return 0;
}
