// The pipe protocol between cupti-injector (inside the profiled CUDA app) and
// xpu-perf: the one place it is written down. Both ends include this header;
// both are tested against the same fixture streams (tests/fixtures/gpu/).
// Header-only and dependency-free on purpose: the injector contains no
// profiler code, and the profiler never includes CUDA headers.
//
// Transport. xpu-perf creates a FIFO (mode 0600) in its private run
// directory, opens it O_RDONLY|O_NONBLOCK before the app starts and passes
// its path in XPU_PERF_PIPE. The injector opens it O_WRONLY|O_NONBLOCK and
// retries on ENXIO (no reader yet) for up to XPU_PERF_CONNECT_MS. Every
// write() is one frame of whole lines, at most kMaxFrame (PIPE_BUF) bytes,
// so the frames of several processes sharing the FIFO (children inherit the
// environment) never interleave. Only a writer thread writes; a full pipe or
// a gone reader makes the injector drop and count, never wait.
//
// Lines. Text, fields separated by one '\t', ended by '\n'. Field 1 is the
// record type (one letter), field 2 the writing process's pid (as the app
// sees it: getpid()). Numbers are unsigned decimal; times are nanoseconds in
// the clock named by the H record (MONO: CLOCK_MONOTONIC, the clock of
// bpf_ktime_get_ns). Strings (S and N names, W text, H comm) escape '\\' as "\\\\",
// tab as "\\t" and newline as "\\n".
//
// Versions. H carries "MAJOR.MINOR". A reader rejects a stream whose major
// differs from kProtoMajor; a newer minor may append fields to any record
// and add record types: readers ignore trailing fields they do not know and
// lines whose type they do not know.
//
// Records (fields after "TYPE\tPID"):
//
//   H  hello       proto(1.0) ppid clock(MONO|CUPTI) cupti_version mono_ns comm
//                  first line of each process's stream
//   C  clock       mono_ns cupti_ns uncertainty_ns
//                  only with clock=CUPTI: a calibration point to map CUPTI
//                  time into CLOCK_MONOTONIC
//   S  string      id full_len text
//                  a kernel name (mangled, as CUPTI reports it) for K records;
//                  sent once per id before its first use; text may be
//                  truncated to fit one frame (full_len says how long it was)
//   K  kernel      corr start end device context stream name_id graph_id
//                  graph_node_id grid_x grid_y grid_z block_x block_y block_z
//                  flags
//   M  memcpy      corr start end device context stream copy_kind src_kind
//                  dst_kind bytes src_device dst_device graph_id flags
//   Z  memset      corr start end device context stream bytes value
//                  graph_id flags
//   Y  sync        corr start end sync_type context stream event_id
//   G  graph       corr start end device graph_id stream
//                  one graph launch as a whole (per-kernel K records of its
//                  nodes carry the same corr)
//   N  api name    domain cbid name
//                  the name CUPTI gives a callback id (cuptiGetCallbackName),
//                  sent once per launch-class id before the first hook call
//                  that carries it: the profiler names the launching API
//                  frame with it ("cudaLaunchKernel_v7000" -> cudaLaunchKernel)
//   A  api         tid corr R|D cbid start end ret
//                  a runtime (R) or driver (D) API call of the launch,
//                  memory or sync class
//   D  stats       cupti_dropped ring_dropped frames_dropped bytes records
//                  totals so far; about every second and before E
//   W  warning     code text
//                  e.g. CUPTI unavailable, a second subscriber, no driver
//   E  end         reason(atexit|detached|error) records dropped
//                  the last line of a complete stream of this pid; a pid whose
//                  stream ends without E was cut short (crash, SIGKILL, _exit)
//
// corr is CUPTI's correlation id (u32 per process). graph_id 0 = not part of
// a graph. start = end = 0 means CUPTI had no timing for the record.
//
// The launch hook. At the exit of each outermost launch-class API call the
// injector calls kLaunchHookSymbol(corr, cbid, domain); xpu-perf's uprobe on
// it takes the CPU stack, so the pair (pid, corr) joins that stack with the
// K/M/Z records the launch produced.
#pragma once

#include <stdint.h>

namespace xpu::gpu_proto {

inline constexpr int kProtoMajor = 1;
inline constexpr int kProtoMinor = 0;
inline constexpr const char *kProtoVersion = "1.0";

// Largest write(): PIPE_BUF, the size up to which a FIFO write is atomic.
inline constexpr unsigned kMaxFrame = 4096;

// Environment the profiler sets for the app.
inline constexpr const char *kEnvPipe = "XPU_PERF_PIPE";             // FIFO path
inline constexpr const char *kEnvConnectMs = "XPU_PERF_CONNECT_MS";  // default 2000
inline constexpr const char *kEnvFlushMs = "XPU_PERF_FLUSH_MS";      // default 500
inline constexpr const char *kEnvQueueMb = "XPU_PERF_QUEUE_MB";      // default 16
inline constexpr const char *kEnvCuptiPath = "XPU_PERF_CUPTI";       // libcupti to dlopen

// The exported, never-inlined function the uprobe attaches to:
//   extern "C" void xpu_perf_launch_hook(uint32_t corr, uint32_t cbid, uint32_t domain);
inline constexpr const char *kLaunchHookSymbol = "xpu_perf_launch_hook";

// domain argument of the hook (CUPTI's CUpti_CallbackDomain values).
inline constexpr uint32_t kDomainDriver = 1;
inline constexpr uint32_t kDomainRuntime = 2;
// Flags the injector ors into the hook's domain argument (CUPTI's domains
// are small numbers): the call waits for the GPU (a synchronize, a
// synchronous copy), so its wall time is blamed on the GPU work it waited
// for; the call launches nothing itself (a synchronize): not a launch.
inline constexpr uint32_t kHookWaits = 1u << 8;
inline constexpr uint32_t kHookNoWork = 1u << 9;
inline constexpr uint32_t kHookDomainMask = 0xff;

// K, M, Z flags.
inline constexpr uint32_t kFlagDeviceLaunched = 1u << 0;  // launched from the GPU
inline constexpr uint32_t kFlagNoTimestamps = 1u << 1;    // start/end unknown
inline constexpr uint32_t kFlagIncomplete = 1u << 2;      // still running at the flush

// M copy_kind: CUPTI's CUpti_ActivityMemcpyKind values (asserted against the
// CUDA headers in tests/test_injector_abi.cpp where they are installed).
enum CopyKind : uint32_t {
	kCopyUnknown = 0,
	kCopyHtoD = 1,
	kCopyDtoH = 2,
	kCopyHtoA = 3,
	kCopyAtoH = 4,
	kCopyAtoA = 5,
	kCopyAtoD = 6,
	kCopyDtoA = 7,
	kCopyDtoD = 8,
	kCopyHtoH = 9,
	kCopyPtoP = 10,
};

// M src_kind / dst_kind: CUPTI's CUpti_ActivityMemoryKind values.
enum MemoryKind : uint32_t {
	kMemUnknown = 0,
	kMemPageable = 1,
	kMemPinned = 2,
	kMemDevice = 3,
	kMemArray = 4,
	kMemManaged = 5,
	kMemDeviceStatic = 6,
	kMemManagedStatic = 7,
};

// Y sync_type: CUPTI's CUpti_ActivitySynchronizationType values.
enum SyncType : uint32_t {
	kSyncUnknown = 0,
	kSyncEvent = 1,
	kSyncStreamWaitEvent = 2,
	kSyncStream = 3,
	kSyncContext = 4,
};

}  // namespace xpu::gpu_proto
