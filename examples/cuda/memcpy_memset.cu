// memcpy_memset [MB]: copies and memsets of MB megabytes (default 8), each
// from a named host function: pageable and pinned host-to-device and
// device-to-host copies, synchronous and async (launch_copies), a
// device-to-device copy, cudaMemset and cudaMemsetAsync (launch_memsets),
// and one kernel that sums the result. Prints the counts and a checksum
// (the number of bytes equal to 7 after the memsets: MB * 2^20).
#include <cstring>
#include <vector>

#include "cuda_check.h"

__global__ void count_sevens(const unsigned char *p, size_t n, unsigned long long *count)
{
	size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
	if (i < n && p[i] == 7)
		atomicAdd(count, 1ull);
}

LAUNCHER int launch_copies(unsigned char *dev, unsigned char *dev2, unsigned char *pageable,
			   unsigned char *pinned, size_t bytes, cudaStream_t stream)
{
	CUDA_CHECK(cudaMemcpy(dev, pageable, bytes, cudaMemcpyHostToDevice));               // sync, pageable
	CUDA_CHECK(cudaMemcpy(pageable, dev, bytes, cudaMemcpyDeviceToHost));
	CUDA_CHECK(cudaMemcpyAsync(dev, pinned, bytes, cudaMemcpyHostToDevice, stream));   // async, pinned
	CUDA_CHECK(cudaMemcpyAsync(pinned, dev, bytes, cudaMemcpyDeviceToHost, stream));
	CUDA_CHECK(cudaMemcpyAsync(dev2, dev, bytes, cudaMemcpyDeviceToDevice, stream));
	CUDA_CHECK(cudaStreamSynchronize(stream));
	return 5;
}

LAUNCHER int launch_memsets(unsigned char *dev, unsigned char *dev2, size_t bytes, cudaStream_t stream)
{
	CUDA_CHECK(cudaMemset(dev2, 0, bytes));
	CUDA_CHECK(cudaMemsetAsync(dev, 7, bytes, stream));
	CUDA_CHECK(cudaStreamSynchronize(stream));
	return 2;
}

int main(int argc, char **argv)
{
	size_t bytes = static_cast<size_t>(argc > 1 ? atoi(argv[1]) : 8) << 20;
	std::vector<unsigned char> pageable(bytes, 1);
	unsigned char *pinned, *dev, *dev2;
	unsigned long long *count, result = 0;
	cudaStream_t stream;
	CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
	CUDA_CHECK(cudaMallocHost(&pinned, bytes));
	memset(pinned, 2, bytes);
	CUDA_CHECK(cudaMalloc(&dev, bytes));
	CUDA_CHECK(cudaMalloc(&dev2, bytes));
	CUDA_CHECK(cudaMalloc(&count, sizeof(*count)));
	int copies = launch_copies(dev, dev2, pageable.data(), pinned, bytes, stream);
	int memsets = launch_memsets(dev, dev2, bytes, stream);
	CUDA_CHECK(cudaMemset(count, 0, sizeof(*count)));
	count_sevens<<<(bytes + 255) / 256, 256, 0, stream>>>(dev, bytes, count);
	CUDA_CHECK(cudaMemcpyAsync(&result, count, sizeof(result), cudaMemcpyDeviceToHost, stream));
	CUDA_CHECK(cudaStreamSynchronize(stream));
	// + the counter's memset and read-back
	printf("memcpy_memset: bytes=%zu copies=%d memsets=%d kernels=1 checksum=%llu\n", bytes,
	       copies + 1, memsets + 1, result);
	CUDA_CHECK(cudaFree(count));
	CUDA_CHECK(cudaFree(dev2));
	CUDA_CHECK(cudaFree(dev));
	CUDA_CHECK(cudaFreeHost(pinned));
	CUDA_CHECK(cudaStreamDestroy(stream));
	return 0;
}
