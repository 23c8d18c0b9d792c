// many_kernels [THREADS [PER_THREAD]]: THREADS host threads (default 4),
// each on its own stream, each launching PER_THREAD (default 25000) tiny
// kernels from launch_tiny_kernels(). Every kernel adds 1 to a counter, so
// the checksum equals the number of kernels launched.
#include <thread>
#include <vector>

#include "cuda_check.h"

__global__ void tiny_kernel(unsigned long long *counter)
{
	if (threadIdx.x == 0)
		atomicAdd(counter, 1ull);
}

LAUNCHER void launch_tiny_kernels(unsigned long long *counter, cudaStream_t stream, int count)
{
	for (int i = 0; i < count; i++)
		tiny_kernel<<<1, 32, 0, stream>>>(counter);
	CUDA_CHECK(cudaGetLastError());
}

LAUNCHER void worker(unsigned long long *counter, int count)
{
	cudaStream_t stream;
	CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
	launch_tiny_kernels(counter, stream, count);
	CUDA_CHECK(cudaStreamSynchronize(stream));
	CUDA_CHECK(cudaStreamDestroy(stream));
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 4;
	int per_thread = argc > 2 ? atoi(argv[2]) : 25000;
	unsigned long long *counter, result = 0;
	CUDA_CHECK(cudaMalloc(&counter, sizeof(*counter)));
	CUDA_CHECK(cudaMemset(counter, 0, sizeof(*counter)));
	std::vector<std::thread> pool;
	for (int t = 0; t < threads; t++)
		pool.emplace_back(worker, counter, per_thread);
	for (auto &t : pool)
		t.join();
	CUDA_CHECK(cudaMemcpy(&result, counter, sizeof(result), cudaMemcpyDeviceToHost));
	printf("many_kernels: threads=%d streams=%d kernels=%lld checksum=%llu\n", threads, threads,
	       static_cast<long long>(threads) * per_thread, result);
	CUDA_CHECK(cudaFree(counter));
	return 0;
}
