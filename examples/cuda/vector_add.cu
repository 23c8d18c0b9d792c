// vector_add [N]: c = a + b on N floats (default 1M), one kernel launch from
// launch_vector_add(). Prints the launch count and a checksum (the sum of c,
// exactly 3*N: a = 1, b = 2).
#include <vector>

#include "cuda_check.h"

__global__ void vector_add(const float *a, const float *b, float *c, int n)
{
	int i = blockIdx.x * blockDim.x + threadIdx.x;
	if (i < n)
		c[i] = a[i] + b[i];
}

LAUNCHER void launch_vector_add(const float *a, const float *b, float *c, int n)
{
	vector_add<<<(n + 255) / 256, 256>>>(a, b, c, n);
	CUDA_CHECK(cudaGetLastError());
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1 << 20;
	std::vector<float> a(n, 1.0f), b(n, 2.0f), c(n);
	float *da, *db, *dc;
	size_t bytes = n * sizeof(float);
	CUDA_CHECK(cudaMalloc(&da, bytes));
	CUDA_CHECK(cudaMalloc(&db, bytes));
	CUDA_CHECK(cudaMalloc(&dc, bytes));
	CUDA_CHECK(cudaMemcpy(da, a.data(), bytes, cudaMemcpyHostToDevice));
	CUDA_CHECK(cudaMemcpy(db, b.data(), bytes, cudaMemcpyHostToDevice));
	launch_vector_add(da, db, dc, n);
	CUDA_CHECK(cudaMemcpy(c.data(), dc, bytes, cudaMemcpyDeviceToHost));
	double sum = 0;
	for (float x : c)
		sum += x;
	printf("vector_add: n=%d kernels=1 copies=3 checksum=%.0f\n", n, sum);
	CUDA_CHECK(cudaFree(da));
	CUDA_CHECK(cudaFree(db));
	CUDA_CHECK(cudaFree(dc));
	return 0;
}
