/* A program that spends its time in the allocator: it keeps a pool of
 * live blocks and replaces random ones with new blocks of random sizes
 * (16 B to 64 KiB), writing a little into each. Most of its CPU time is
 * glibc's malloc and free, which `xpu-perf tune` names (rule allocator:
 * suggest an LD_PRELOAD allocator).
 *
 * Usage: malloc_heavy [-n MILLIONS] [-t THREADS]   (default 2 million ops, 2 threads)
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define POOL 8192

static long ops = 2000000;

static uint64_t next_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

__attribute__((noinline)) static void fill(char *p, size_t n)
{
	p[0] = 1;
	p[n - 1] = 2;
}

__attribute__((noinline)) static void *churn(void *arg)
{
	static __thread void *pool[POOL];
	uint64_t seed = 0x9e3779b97f4a7c15ULL + (uintptr_t)arg;

	for (long i = 0; i < ops; i++) {
		uint64_t r = next_rand(&seed);
		size_t slot = r % POOL;
		size_t size = 16 + (r >> 20) % (r & 0x100 ? 65536 : 512);
		free(pool[slot]);
		pool[slot] = malloc(size);
		fill(pool[slot], size);
	}
	for (size_t s = 0; s < POOL; s++)
		free(pool[s]);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = 2, opt;

	while ((opt = getopt(argc, argv, "n:t:")) != -1) {
		if (opt == 'n')
			ops = atol(optarg) * 1000000;
		else if (opt == 't')
			threads = atoi(optarg);
		else {
			fprintf(stderr, "usage: %s [-n MILLIONS] [-t THREADS]\n", argv[0]);
			return 1;
		}
	}
	pthread_t t[64];
	if (threads < 1 || threads > 64)
		return 1;
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, churn, (void *)(uintptr_t)(i + 1));
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	printf("%ld allocations in %d threads\n", ops * threads, threads);
	return 0;
}
