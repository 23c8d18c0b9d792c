/* A program spinning in anonymous page faults: it maps a region, writes
 * one byte in every 4 KiB page (each write faults a page in), unmaps it,
 * and again. With transparent huge pages on ("always") most of those
 * faults become one per 2 MiB, so `xpu-perf tune` finds it (rule
 * thp-page-faults) and --verify can measure the difference.
 *
 * Usage: page_faults [-n ROUNDS] [-m MIB]   (default 20 rounds of 64 MiB)
 * Prints "faulted PAGES pages in SECONDS s" at exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Not inlined: the profile shows it as the frame that faults. */
__attribute__((noinline)) static long touch_pages(volatile char *p, size_t len)
{
	long pages = 0;

	for (size_t off = 0; off < len; off += 4096, pages++)
		p[off] = 1;
	return pages;
}

int main(int argc, char **argv)
{
	long rounds = 20, mib = 64, pages = 0;
	int opt;

	while ((opt = getopt(argc, argv, "n:m:")) != -1) {
		if (opt == 'n')
			rounds = atol(optarg);
		else if (opt == 'm')
			mib = atol(optarg);
		else {
			fprintf(stderr, "usage: %s [-n ROUNDS] [-m MIB]\n", argv[0]);
			return 1;
		}
	}
	size_t len = (size_t)mib << 20;
	double t0 = now_s();
	for (long r = 0; r < rounds; r++) {
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			perror("mmap");
			return 1;
		}
		pages += touch_pages(p, len);
		munmap(p, len);
	}
	printf("faulted %ld pages in %.3f s\n", pages, now_s() - t0);
	return 0;
}
