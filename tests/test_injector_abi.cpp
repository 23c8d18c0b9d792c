// The CUPTI record layouts the injector reads (GPU.md §7.1), pinned against
// the CUDA headers it was compiled with, and lib/gpu/gpu_protocol.h's enums
// against CUPTI's: the protocol passes CUPTI's numbers through unchanged, so
// a CUDA release that renumbers them must fail here, not in a profile.
#include <cstddef>

#include <catch2/catch.hpp>

#include "helpers.hpp"

#include "gpu/gpu_protocol.h"

#ifdef XPU_HAVE_CUPTI

#include <cupti.h>

#include "cupti-injector/serializer.hpp"

namespace proto = xpu::gpu_proto;

// The kernel record: CUDA 13.0's Kernel10, and the prefix older ones share.
static_assert(sizeof(CUpti_ActivityKernel10) == 216);
static_assert(offsetof(CUpti_ActivityKernel10, start) == 16);
static_assert(offsetof(CUpti_ActivityKernel10, end) == 24);
static_assert(offsetof(CUpti_ActivityKernel10, deviceId) == 40);
static_assert(offsetof(CUpti_ActivityKernel10, correlationId) == 92);
static_assert(offsetof(CUpti_ActivityKernel10, name) == 104);
static_assert(offsetof(CUpti_ActivityKernel10, graphNodeId) == 144);
static_assert(offsetof(CUpti_ActivityKernel10, graphId) == 156);
static_assert(offsetof(CUpti_ActivityKernel10, isDeviceLaunched) == 208);
static_assert(offsetof(CUpti_ActivityKernel10, correlationId) ==
	      offsetof(CUpti_ActivityKernel9, correlationId));
static_assert(offsetof(CUpti_ActivityKernel10, name) == offsetof(CUpti_ActivityKernel9, name));
static_assert(offsetof(CUpti_ActivityKernel10, graphId) == offsetof(CUpti_ActivityKernel9, graphId));
static_assert(offsetof(CUpti_ActivityKernel10, graphNodeId) ==
	      offsetof(CUpti_ActivityKernel9, graphNodeId));

static_assert(sizeof(CUpti_ActivityAPI) == 40);
static_assert(offsetof(CUpti_ActivityAPI, correlationId) == 32);
static_assert(sizeof(CUpti_ActivityMemcpy6) == 96);
static_assert(offsetof(CUpti_ActivityMemcpy6, correlationId) == 44);
static_assert(sizeof(CUpti_ActivityMemcpyPtoP4) == 96);
static_assert(sizeof(CUpti_ActivityMemset4) == 88);
static_assert(sizeof(CUpti_ActivitySynchronization2) == 56);
static_assert(offsetof(CUpti_ActivitySynchronization2, correlationId) == 24);
static_assert(sizeof(CUpti_ActivityExternalCorrelation) == 24);
static_assert(sizeof(CUpti_ActivityGraphTrace2) == 56);
// The prefix the 13.0 memcpy/memset records share with CUDA 12's.
static_assert(offsetof(CUpti_ActivityMemcpy6, graphId) == offsetof(CUpti_ActivityMemcpy5, graphId));
static_assert(offsetof(CUpti_ActivityMemset4, graphId) == offsetof(CUpti_ActivityMemset3, graphId));

// Protocol enums = CUPTI enums (compared as the u32 the protocol carries).
constexpr bool same(uint32_t ours, uint32_t cupti) { return ours == cupti; }
static_assert(same(proto::kCopyUnknown, CUPTI_ACTIVITY_MEMCPY_KIND_UNKNOWN));
static_assert(same(proto::kCopyHtoD, CUPTI_ACTIVITY_MEMCPY_KIND_HTOD));
static_assert(same(proto::kCopyDtoH, CUPTI_ACTIVITY_MEMCPY_KIND_DTOH));
static_assert(same(proto::kCopyHtoA, CUPTI_ACTIVITY_MEMCPY_KIND_HTOA));
static_assert(same(proto::kCopyAtoH, CUPTI_ACTIVITY_MEMCPY_KIND_ATOH));
static_assert(same(proto::kCopyAtoA, CUPTI_ACTIVITY_MEMCPY_KIND_ATOA));
static_assert(same(proto::kCopyAtoD, CUPTI_ACTIVITY_MEMCPY_KIND_ATOD));
static_assert(same(proto::kCopyDtoA, CUPTI_ACTIVITY_MEMCPY_KIND_DTOA));
static_assert(same(proto::kCopyDtoD, CUPTI_ACTIVITY_MEMCPY_KIND_DTOD));
static_assert(same(proto::kCopyHtoH, CUPTI_ACTIVITY_MEMCPY_KIND_HTOH));
static_assert(same(proto::kCopyPtoP, CUPTI_ACTIVITY_MEMCPY_KIND_PTOP));
static_assert(same(proto::kMemUnknown, CUPTI_ACTIVITY_MEMORY_KIND_UNKNOWN));
static_assert(same(proto::kMemPageable, CUPTI_ACTIVITY_MEMORY_KIND_PAGEABLE));
static_assert(same(proto::kMemPinned, CUPTI_ACTIVITY_MEMORY_KIND_PINNED));
static_assert(same(proto::kMemDevice, CUPTI_ACTIVITY_MEMORY_KIND_DEVICE));
static_assert(same(proto::kMemArray, CUPTI_ACTIVITY_MEMORY_KIND_ARRAY));
static_assert(same(proto::kMemManaged, CUPTI_ACTIVITY_MEMORY_KIND_MANAGED));
static_assert(same(proto::kMemDeviceStatic, CUPTI_ACTIVITY_MEMORY_KIND_DEVICE_STATIC));
static_assert(same(proto::kMemManagedStatic, CUPTI_ACTIVITY_MEMORY_KIND_MANAGED_STATIC));
static_assert(same(proto::kSyncUnknown, CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_UNKNOWN));
static_assert(same(proto::kSyncEvent, CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_EVENT_SYNCHRONIZE));
static_assert(same(proto::kSyncStreamWaitEvent, CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_WAIT_EVENT));
static_assert(same(proto::kSyncStream, CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_STREAM_SYNCHRONIZE));
static_assert(same(proto::kSyncContext, CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE_CONTEXT_SYNCHRONIZE));
static_assert(same(proto::kDomainDriver, CUPTI_CB_DOMAIN_DRIVER_API));
static_assert(same(proto::kDomainRuntime, CUPTI_CB_DOMAIN_RUNTIME_API));

TEST_CASE("CUPTI headers: the kernel record is Kernel10 from CUPTI 13.0 on", "[injector][abi]")
{
	// The serializer reads isDeviceLaunched (offset 208) only from a CUPTI
	// at least this new; an older one hands out a shorter Kernel9.
	CHECK(CUPTI_API_VERSION >= xpu::injector::kCupti13);
	CHECK(sizeof(CUpti_ActivityKernel9) < offsetof(CUpti_ActivityKernel10, isDeviceLaunched) + 1);
}

#else

TEST_CASE("CUPTI headers: record layouts", "[injector][abi]")
{
	CHECK(xpu::gpu_proto::kMaxFrame == 4096);
	XPU_SKIP("built without CUDA's CUPTI headers (CUDA_HOME); CUPTI ABI checks skipped");
}

#endif
