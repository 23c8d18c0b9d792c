// graph_launch [NODES [LAUNCHES]]: captures a graph of NODES kernels
// (default 8) on a stream, then launch_graph() launches it LAUNCHES times
// (default 100). Each node adds its index + 1 to a counter, so the checksum
// is LAUNCHES * NODES * (NODES + 1) / 2 and the kernel count NODES * LAUNCHES.
#include "cuda_check.h"

__global__ void graph_node(unsigned long long *counter, int add)
{
	if (threadIdx.x == 0)
		atomicAdd(counter, static_cast<unsigned long long>(add));
}

LAUNCHER cudaGraphExec_t build_graph(unsigned long long *counter, cudaStream_t stream, int nodes)
{
	cudaGraph_t graph;
	cudaGraphExec_t exec;
	CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
	for (int i = 0; i < nodes; i++)
		graph_node<<<1, 32, 0, stream>>>(counter, i + 1);
	CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
	CUDA_CHECK(cudaGraphInstantiate(&exec, graph, 0));
	CUDA_CHECK(cudaGraphDestroy(graph));
	return exec;
}

LAUNCHER void launch_graph(cudaGraphExec_t exec, cudaStream_t stream, int launches)
{
	for (int i = 0; i < launches; i++)
		CUDA_CHECK(cudaGraphLaunch(exec, stream));
}

int main(int argc, char **argv)
{
	int nodes = argc > 1 ? atoi(argv[1]) : 8;
	int launches = argc > 2 ? atoi(argv[2]) : 100;
	unsigned long long *counter, result = 0;
	cudaStream_t stream;
	CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
	CUDA_CHECK(cudaMalloc(&counter, sizeof(*counter)));
	CUDA_CHECK(cudaMemset(counter, 0, sizeof(*counter)));
	cudaGraphExec_t exec = build_graph(counter, stream, nodes);
	launch_graph(exec, stream, launches);
	CUDA_CHECK(cudaStreamSynchronize(stream));
	CUDA_CHECK(cudaMemcpy(&result, counter, sizeof(result), cudaMemcpyDeviceToHost));
	printf("graph_launch: nodes=%d launches=%d kernels=%d checksum=%llu\n", nodes, launches,
	       nodes * launches, result);
	CUDA_CHECK(cudaGraphExecDestroy(exec));
	CUDA_CHECK(cudaStreamDestroy(stream));
	CUDA_CHECK(cudaFree(counter));
	return 0;
}
