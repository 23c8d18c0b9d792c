// sync_wait [--blocking] [MS]: one kernel that runs MS milliseconds
// (default 300) on the GPU's own clock, launched from launch_spin(), then
// cudaStreamSynchronize from wait_for_gpu(). The profile must put
// [GPU_Wait]spin under wait_for_gpu;cudaStreamSynchronize with about the
// wait's wall time. Prints that wall time and the CPU time the thread spent
// inside the call: CUDA's default scheduling spins (CPU ~ wall), while
// --blocking (cudaDeviceScheduleBlockingSync) sleeps (CPU ~ 0), GPU.md
// check 5.
#include <cstring>
#include <ctime>

#include "cuda_check.h"

__global__ void spin(unsigned long long ns)
{
	unsigned long long t0, t;
	asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
	do
		asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
	while (t - t0 < ns);
}

LAUNCHER void launch_spin(cudaStream_t s, unsigned long long ns)
{
	spin<<<1, 1, 0, s>>>(ns);
	CUDA_CHECK(cudaGetLastError());
}

LAUNCHER void wait_for_gpu(cudaStream_t s) { CUDA_CHECK(cudaStreamSynchronize(s)); }

static double now_ms(clockid_t clock)
{
	timespec t;
	clock_gettime(clock, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	bool blocking = argc > 1 && !strcmp(argv[1], "--blocking");
	int ms = argc > 1 + blocking ? atoi(argv[1 + blocking]) : 300;
	if (blocking)  // before the context exists, or it has no effect
		CUDA_CHECK(cudaSetDeviceFlags(cudaDeviceScheduleBlockingSync));
	cudaStream_t s;
	CUDA_CHECK(cudaStreamCreate(&s));
	launch_spin(s, 1000000ull);  // warm up: module load, first launch
	wait_for_gpu(s);
	launch_spin(s, ms * 1000000ull);
	double wall = now_ms(CLOCK_MONOTONIC), cpu = now_ms(CLOCK_THREAD_CPUTIME_ID);
	wait_for_gpu(s);
	wall = now_ms(CLOCK_MONOTONIC) - wall;
	cpu = now_ms(CLOCK_THREAD_CPUTIME_ID) - cpu;
	printf("sync_wait: %s kernels=2 sync_wall_ms %.3f sync_cpu_ms %.3f\n", blocking ? "blocking" : "spin",
	       wall, cpu);
	CUDA_CHECK(cudaStreamDestroy(s));
	return 0;
}
