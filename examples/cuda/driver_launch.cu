// driver_launch [LAUNCHES]: the driver API path that Triton and other JITs
// take: cuModuleLoadData on PTX text, then cuLaunchKernel LAUNCHES times
// (default 100) from launch_scale_kernel(). Each launch multiplies 1024
// floats by 2, starting from 1.0, so every element ends as 2^LAUNCHES and
// the checksum printed is log2 of element 0 (= LAUNCHES, for up to 127).
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <cuda.h>

#define CU_CHECK(call)                                                                   \
	do {                                                                             \
		CUresult err_ = (call);                                                  \
		if (err_ != CUDA_SUCCESS) {                                              \
			const char *msg_ = "unknown error";                              \
			cuGetErrorString(err_, &msg_);                                   \
			fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call,   \
				msg_);                                                   \
			exit(2);                                                         \
		}                                                                        \
	} while (0)

// scale(float *data, float factor, unsigned n): data[i] *= factor.
static const char kPtx[] = R"(
.version 7.0
.target sm_52
.address_size 64

.visible .entry scale(.param .u64 p_data, .param .f32 p_factor, .param .u32 p_n)
{
	.reg .pred %p;
	.reg .b32 %r<6>;
	.reg .f32 %f<3>;
	.reg .b64 %rd<5>;

	ld.param.u64 %rd1, [p_data];
	ld.param.f32 %f1, [p_factor];
	ld.param.u32 %r1, [p_n];
	mov.u32 %r2, %ctaid.x;
	mov.u32 %r3, %ntid.x;
	mov.u32 %r4, %tid.x;
	mad.lo.s32 %r5, %r2, %r3, %r4;
	setp.ge.u32 %p, %r5, %r1;
	@%p bra DONE;
	cvta.to.global.u64 %rd2, %rd1;
	mul.wide.u32 %rd3, %r5, 4;
	add.s64 %rd4, %rd2, %rd3;
	ld.global.f32 %f2, [%rd4];
	mul.f32 %f2, %f2, %f1;
	st.global.f32 [%rd4], %f2;
DONE:
	ret;
}
)";

__attribute__((noinline)) void launch_scale_kernel(CUfunction fn, CUdeviceptr data, unsigned n, int launches)
{
	float factor = 2.0f;
	void *args[] = {&data, &factor, &n};
	for (int i = 0; i < launches; i++)
		CU_CHECK(cuLaunchKernel(fn, (n + 255) / 256, 1, 1, 256, 1, 1, 0, nullptr, args, nullptr));
}

int main(int argc, char **argv)
{
	int launches = argc > 1 ? atoi(argv[1]) : 100;
	const unsigned n = 1024;
	CU_CHECK(cuInit(0));
	CUdevice dev;
	CU_CHECK(cuDeviceGet(&dev, 0));
	CUcontext ctx;
	CU_CHECK(cuDevicePrimaryCtxRetain(&ctx, dev));
	CU_CHECK(cuCtxSetCurrent(ctx));
	CUmodule mod;
	CU_CHECK(cuModuleLoadData(&mod, kPtx));
	CUfunction fn;
	CU_CHECK(cuModuleGetFunction(&fn, mod, "scale"));
	std::vector<float> host(n, 1.0f);
	CUdeviceptr data;
	CU_CHECK(cuMemAlloc(&data, n * sizeof(float)));
	CU_CHECK(cuMemcpyHtoD(data, host.data(), n * sizeof(float)));
	launch_scale_kernel(fn, data, n, launches);
	CU_CHECK(cuCtxSynchronize());
	CU_CHECK(cuMemcpyDtoH(host.data(), data, n * sizeof(float)));
	printf("driver_launch: kernels=%d checksum=%.0f\n", launches, std::log2(host[0]));
	CU_CHECK(cuMemFree(data));
	CU_CHECK(cuModuleUnload(mod));
	CU_CHECK(cuDevicePrimaryCtxRelease(dev));
	return 0;
}
