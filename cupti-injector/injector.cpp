// CUDA's entry point into the injector. The driver dlopens the library
// named by CUDA_INJECTION64_PATH inside cuInit and calls InitializeInjection
// on the app's thread; from there on this file wires CUPTI to the pipe:
//
//   app threads   API callbacks: thread-local depth, the launch hook at the
//                 exit of the outermost launch or memory call
//   CUPTI/flush   buffer completed: records -> frames -> writer's queue
//   flusher       cuptiActivityFlushAll(0) every XPU_PERF_FLUSH_MS; turns
//                 CUPTI off once the writer detached
//   writer        the FIFO (pipe_writer.hpp)
//   atexit        forced flush, drain for at most a second, E
//
// The promise to the app: it never blocks, crashes, prints, or changes its
// exit code because of us. Every failure becomes a W record (when a reader
// is there to get it) and a quiet return. State is allocated once and never
// freed, so no destructor of ours runs at exit.
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "activity_buffer.hpp"
#include "api_class.hpp"
#include "cupti_api.hpp"
#include "launch_hook.hpp"
#include "launch_nesting.hpp"
#include "pipe_writer.hpp"
#include "serializer.hpp"

namespace xpu::injector {

namespace {

constexpr size_t kBufferSize = 2u << 20;  // per CUPTI buffer (wprof, Kineto)
constexpr int kExitDrainMs = 1000;

// One buffer for when malloc fails, lent to one CUPTI request at a time.
alignas(8) uint8_t g_discard[64 << 10];
std::atomic<bool> g_discard_lent{false};

bool g_debug = false;

void debug(const char *fmt, ...)
{
	if (!g_debug)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "xpu-perf injector[%d]: ", getpid());
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

struct Injector {
	CuptiApi api;
	uint32_t pid = 0;
	uint32_t cupti_version = 0;
	bool mono_clock = false;
	CUpti_SubscriberHandle subscriber = nullptr;
	std::vector<uint8_t> runtime_class, driver_class;  // cbid -> ApiClass | kWaits
	uint32_t cbid_device_reset = 0;
	PipeWriter *writer = nullptr;
	std::mutex serialize_mu;
	Serializer *serializer = nullptr;

	std::atomic<bool> active{false};  // CUPTI is on and records flow
	std::atomic<bool> forked_child{false};
	int flush_ms = 500;
	std::thread flusher;
	std::mutex flusher_mu;
	std::condition_variable flusher_cv;
	bool stop_flusher = false;
	std::atomic<bool> cupti_off{false};
	std::vector<CUpti_ActivityKind> enabled_kinds;
};

Injector *g = nullptr;

// In the class tables: the call waits for the GPU (api_waits).
constexpr uint8_t kWaits = 0x80;

thread_local LaunchNesting t_nesting;  // launch/memory calls in flight on this thread

// --- options -----------------------------------------------------------------

int env_int(const char *name, int def, int lo, int hi, std::vector<std::string> &warnings)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end = nullptr;
	long n = strtol(v, &end, 10);
	if (*end || n < lo || n > hi) {
		warnings.push_back(std::string(name) + "=" + v + ": not a number in [" +
				   std::to_string(lo) + ", " + std::to_string(hi) + "]; using " +
				   std::to_string(def));
		return def;
	}
	return static_cast<int>(n);
}

std::string self_comm()
{
	std::ifstream f("/proc/self/comm");
	std::string s;
	std::getline(f, s);
	return s;
}

// --- CUPTI callbacks ---------------------------------------------------------

uint64_t CUPTIAPI mono_timestamp()
{
	return mono_ns();
}

void flush_activity(uint32_t flags)
{
	if (g->active.load())
		g->api.cuptiActivityFlushAll(flags);
}

uint8_t class_of(CUpti_CallbackDomain domain, CUpti_CallbackId cbid)
{
	const auto &table = domain == CUPTI_CB_DOMAIN_RUNTIME_API ? g->runtime_class : g->driver_class;
	return cbid < table.size() ? table[cbid] : uint8_t{kApiOther};
}

void CUPTIAPI on_api_callback(void *, CUpti_CallbackDomain domain, CUpti_CallbackId cbid, const void *data)
{
	if (!g->active.load(std::memory_order_relaxed))
		return;
	if (domain == CUPTI_CB_DOMAIN_RESOURCE) {
		if (cbid == CUPTI_CBID_RESOURCE_CONTEXT_DESTROY_STARTING)
			flush_activity(0);
		return;
	}
	if (domain != CUPTI_CB_DOMAIN_RUNTIME_API && domain != CUPTI_CB_DOMAIN_DRIVER_API)
		return;
	const auto *cb = static_cast<const CUpti_CallbackData *>(data);
	if (domain == CUPTI_CB_DOMAIN_RUNTIME_API && cbid == g->cbid_device_reset) {
		if (cb->callbackSite == CUPTI_API_ENTER)
			flush_activity(0);
		return;
	}
	uint8_t cls = class_of(domain, cbid);
	if (!(cls & (kApiLaunch | kApiMemory | kWaits)))
		return;  // cudaStreamWaitEvent: the host does not wait
	if (cb->callbackSite == CUPTI_API_ENTER) {
		t_nesting.enter();
		return;
	}
	uint32_t corr = 0;
	if (!t_nesting.exit(cb->correlationId, &corr))
		return;
	// At EXIT of the outermost call: the user's API and stack, and the
	// probe's cost off the launch latency.
	uint32_t flags = (cls & kWaits ? proto::kHookWaits : 0) |
			 (cls & (kApiLaunch | kApiMemory) ? 0 : proto::kHookNoWork);
	xpu_perf_launch_hook(corr, cbid, domain | flags);
}

void CUPTIAPI on_buffer_requested(uint8_t **buffer, size_t *size, size_t *max_records)
{
	*max_records = 0;
	*buffer = nullptr;
	*size = 0;
	if (!g->active.load() || g->forked_child.load())
		return;  // CUPTI drops (and counts) what it has no buffer for
	void *p = aligned_alloc(8, kBufferSize);
	if (p) {
		*buffer = static_cast<uint8_t *>(p);
		*size = kBufferSize;
	} else if (!g_discard_lent.exchange(true)) {
		*buffer = g_discard;
		*size = sizeof(g_discard);
	}
}

void CUPTIAPI on_buffer_completed(CUcontext ctx, uint32_t stream, uint8_t *buffer, size_t, size_t valid)
{
	if (g->forked_child.load()) {
		if (buffer != g_discard)
			free(buffer);
		return;
	}
	try {
		if (buffer == g_discard) {
			// Records we had no memory to format: count them, send nothing.
			CUpti_Activity *rec = nullptr;
			uint64_t n = 0;
			while (g->api.cuptiActivityGetNextRecord(buffer, valid, &rec) == CUPTI_SUCCESS)
				n++;
			g->writer->add_cupti_dropped(n);
			g_discard_lent = false;
		} else {
			if (!g->writer->detached()) {
				std::lock_guard lock(g->serialize_mu);
				FrameBuilder frames;
				drain_buffer(g->api, buffer, valid, *g->serializer, frames);
				bool lost = false;
				for (auto &f : frames.take())
					lost |= !g->writer->push(std::move(f));
				if (lost)
					g->serializer->resend_names();
			}
			free(buffer);
		}
		size_t dropped = 0;
		if (g->api.cuptiActivityGetNumDroppedRecords(ctx, stream, &dropped) == CUPTI_SUCCESS)
			g->writer->add_cupti_dropped(dropped);
	} catch (...) {
		// bad_alloc while formatting: the buffer's records are lost, the app is not
	}
}

// --- set-up and tear-down ------------------------------------------------------

void warn(uint32_t code, const std::string &text)
{
	debug("%s", text.c_str());
	Frame f;
	f.bytes = warning_line(g->pid, code, text);
	g->writer->push(std::move(f));
}

void push_line(std::string line)
{
	Frame f;
	f.bytes = std::move(line);
	g->writer->push(std::move(f));
}

// Classifies every runtime and driver callback id by its name.
void classify_callbacks()
{
	for (auto [domain, size, table] :
	     {std::tuple{CUPTI_CB_DOMAIN_RUNTIME_API, static_cast<uint32_t>(CUPTI_RUNTIME_TRACE_CBID_SIZE),
			 &g->runtime_class},
	      std::tuple{CUPTI_CB_DOMAIN_DRIVER_API, static_cast<uint32_t>(CUPTI_DRIVER_TRACE_CBID_SIZE),
			 &g->driver_class}}) {
		// A newer libcupti may know more ids than our headers: look past
		// the end until names run out.
		for (uint32_t cbid = 1;; cbid++) {
			const char *name = nullptr;
			if (g->api.cuptiGetCallbackName(domain, cbid, &name) != CUPTI_SUCCESS || !name) {
				if (cbid >= size)
					break;
				continue;
			}
			if (table->size() <= cbid)
				table->resize(cbid + 1, kApiOther);
			(*table)[cbid] = classify_api(name) | (api_waits(name) ? kWaits : 0);
			if (domain == CUPTI_CB_DOMAIN_RUNTIME_API && api_base_name(name) == "cudaDeviceReset")
				g->cbid_device_reset = cbid;
		}
	}
}

// API records and callbacks for the classes we want; false if no launch
// callback could be enabled (no stacks then: not worth running).
bool enable_api_tracing()
{
	auto &api = g->api;
	int hooks = 0;
	FrameBuilder names;
	for (auto [domain, table] : {std::pair{CUPTI_CB_DOMAIN_RUNTIME_API, &g->runtime_class},
				     std::pair{CUPTI_CB_DOMAIN_DRIVER_API, &g->driver_class}}) {
		for (uint32_t cbid = 0; cbid < table->size(); cbid++) {
			uint8_t cls = (*table)[cbid] & ~kWaits;
			if (!cls)
				continue;
			auto record = domain == CUPTI_CB_DOMAIN_RUNTIME_API ? api.cuptiActivityEnableRuntimeApi
									     : api.cuptiActivityEnableDriverApi;
			if (record)
				record(cbid, 1);
			// Synchronizes too: their stacks take the blame of their waits.
			if (api.cuptiEnableCallback(1, g->subscriber, domain, cbid) == CUPTI_SUCCESS) {
				hooks += cls & kApiLaunch ? 1 : 0;
				// The profiler names the launching API frame from these.
				const char *name = nullptr;
				if (api.cuptiGetCallbackName(domain, cbid, &name) == CUPTI_SUCCESS && name)
					names.add(api_name_line(g->pid, domain, cbid, name), false);
			}
		}
	}
	for (auto &f : names.take())
		g->writer->push(std::move(f));
	if (g->cbid_device_reset)
		api.cuptiEnableCallback(1, g->subscriber, CUPTI_CB_DOMAIN_RUNTIME_API, g->cbid_device_reset);
	api.cuptiEnableCallback(1, g->subscriber, CUPTI_CB_DOMAIN_RESOURCE,
				CUPTI_CBID_RESOURCE_CONTEXT_DESTROY_STARTING);
	return hooks > 0;
}

// Turns CUPTI off: no callbacks, no activity. Safe to call twice.
void cupti_off()
{
	if (g->cupti_off.exchange(true))
		return;
	g->active = false;
	auto &api = g->api;
	for (auto kind : g->enabled_kinds)
		api.cuptiActivityDisable(kind);
	if (g->subscriber) {
		for (auto d : {CUPTI_CB_DOMAIN_RUNTIME_API, CUPTI_CB_DOMAIN_DRIVER_API, CUPTI_CB_DOMAIN_RESOURCE})
			api.cuptiEnableDomain(0, g->subscriber, d);
		api.cuptiUnsubscribe(g->subscriber);
	}
	debug("CUPTI off");
}

// A C record (clock=CUPTI only): the closest of 20 readings of both clocks.
void push_clock_point()
{
	if (!g->api.cuptiGetTimestamp)
		return;
	uint64_t best = UINT64_MAX, mono = 0, cupti = 0;
	for (int i = 0; i < 20; i++) {
		uint64_t t1 = mono_ns(), c = 0;
		if (g->api.cuptiGetTimestamp(&c) != CUPTI_SUCCESS)
			return;
		uint64_t t2 = mono_ns();
		if (t2 - t1 < best) {
			best = t2 - t1;
			mono = t1 + (t2 - t1) / 2;
			cupti = c;
		}
	}
	push_line(clock_line(g->pid, mono, cupti, best / 2 + 1));
}

void flusher_loop()
{
	auto last_clock = std::chrono::steady_clock::now() - std::chrono::seconds(2);
	std::unique_lock lock(g->flusher_mu);
	while (!g->stop_flusher) {
		g->flusher_cv.wait_for(lock, std::chrono::milliseconds(g->flush_ms));
		if (g->stop_flusher)
			break;
		lock.unlock();
		if (g->writer->detached()) {
			cupti_off();  // the reader is gone or never came
		} else if (g->active.load()) {
			g->api.cuptiActivityFlushAll(0);
			auto now = std::chrono::steady_clock::now();
			if (!g->mono_clock && now - last_clock >= std::chrono::seconds(1)) {
				push_clock_point();
				last_clock = now;
			}
		}
		lock.lock();
	}
}

void start_flusher()
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	try {
		g->flusher = std::thread(flusher_loop);
	} catch (...) {
	}
	pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

void at_exit()
{
	if (!g || g->forked_child.load())
		return;
	try {
		{
			std::lock_guard lock(g->flusher_mu);
			g->stop_flusher = true;
		}
		g->flusher_cv.notify_all();
		if (g->flusher.joinable())
			g->flusher.join();
		// Everything CUPTI holds, kernels still running included (flagged).
		flush_activity(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
		bool was_active = g->active.load();
		g->writer->finish(was_active ? "atexit" : "error", kExitDrainMs);
		debug("done: %llu bytes", static_cast<unsigned long long>(g->writer->stats().bytes));
	} catch (...) {
	}
}

void in_forked_child()
{
	if (!g)
		return;
	// The parent's threads do not exist here, its locks may be held: this
	// process stays silent. (An exec'd child loads its own injector.)
	g->forked_child = true;
	g->active = false;
	g->writer->abandon_in_child();
}

// Subscribes to CUPTI's callbacks. Where CUPTI has cuptiSubscribe_v2 (13.0
// on) the subscription carries our name, so that a tool refused after us
// is told who holds CUPTI, and a refusal tells us who does. `call` is the
// function called, `holder` the name CUPTI gave (empty when it gave none).
CUptiResult subscribe(const char *&call, std::string &holder)
{
	auto &api = g->api;
#ifdef CUpti_SubscriberParams_STRUCT_SIZE
	if (api.cuptiSubscribe_v2) {
		char old[CUPTI_OLD_SUBSCRIBER_NAME_MIN_LEN] = {};
		CUpti_SubscriberParams p{};
		p.structSize = CUpti_SubscriberParams_STRUCT_SIZE;
		p.subscriberName = "xpu-perf";
		p.oldSubscriberName = old;
		p.oldSubscriberSize = sizeof(old);
		call = "cuptiSubscribe_v2";
		CUptiResult r = api.cuptiSubscribe_v2(&g->subscriber, on_api_callback, nullptr, &p);
		holder.assign(old, strnlen(old, sizeof(old)));
		return r;
	}
#endif
	call = "cuptiSubscribe";
	holder.clear();
	return api.cuptiSubscribe(&g->subscriber, on_api_callback, nullptr);
}

// Steps 2-11 of the init order (GPU.md §3); a W and false on a fatal failure.
bool start_cupti(const std::vector<std::string> &warnings)
{
	auto &api = g->api;
	const char *call = nullptr;
	std::string holder;
	CUptiResult r = subscribe(call, holder);
	if (r != CUPTI_SUCCESS) {
		g->subscriber = nullptr;
		push_line(hello_line(g->pid, getppid(), "MONO", g->cupti_version, mono_ns(), self_comm()));
		std::string why;
		if (r == CUPTI_ERROR_MULTIPLE_SUBSCRIBERS_NOT_SUPPORTED)
			why = holder.empty() ? "; another CUPTI tool (nsys, a framework profiler) is active"
					     : "; CUPTI is held by \"" + holder + "\"";
		warn(r, api.describe(call, r) + why);
		return false;
	}
	// The clock first, before any activity kind is on (CUPTI's rule).
	r = api.cuptiActivityRegisterTimestampCallback
		    ? api.cuptiActivityRegisterTimestampCallback(mono_timestamp)
		    : CUPTI_ERROR_NOT_SUPPORTED;
	g->mono_clock = r == CUPTI_SUCCESS;
	push_line(hello_line(g->pid, getppid(), g->mono_clock ? "MONO" : "CUPTI", g->cupti_version,
			     mono_ns(), self_comm()));
	for (const auto &w : warnings)
		warn(0, w);
	if (!g->mono_clock)
		warn(r, api.describe("cuptiActivityRegisterTimestampCallback", r) + "; clock=CUPTI");
	if (api.cuptiSetThreadIdType) {
		r = api.cuptiSetThreadIdType(CUPTI_ACTIVITY_THREAD_ID_TYPE_SYSTEM);
		if (r != CUPTI_SUCCESS)
			warn(r, api.describe("cuptiSetThreadIdType", r));
	}
	r = api.cuptiActivityRegisterCallbacks(on_buffer_requested, on_buffer_completed);
	if (r != CUPTI_SUCCESS) {
		warn(r, api.describe("cuptiActivityRegisterCallbacks", r));
		return false;
	}
	g->active = true;  // buffers may be requested from here on
	// Kernels first and early (enabling them late stalls module loading).
	for (auto kind : {CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL, CUPTI_ACTIVITY_KIND_MEMCPY,
			  CUPTI_ACTIVITY_KIND_MEMCPY2, CUPTI_ACTIVITY_KIND_MEMSET,
			  CUPTI_ACTIVITY_KIND_SYNCHRONIZATION}) {
		r = api.cuptiActivityEnable(kind);
		if (r == CUPTI_SUCCESS) {
			g->enabled_kinds.push_back(kind);
			continue;
		}
		warn(r, api.describe("cuptiActivityEnable", r) + " for kind " +
				std::to_string(static_cast<int>(kind)));
		if (kind == CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL)
			return false;
	}
	classify_callbacks();
	if (!enable_api_tracing()) {
		warn(0, "no launch callback could be enabled");
		return false;
	}
	if (api.cuptiActivityFlushPeriod)
		api.cuptiActivityFlushPeriod(static_cast<uint32_t>(g->flush_ms));
	return true;
}

void initialize()
{
	g_debug = getenv("XPU_PERF_INJECTOR_DEBUG") && getenv("XPU_PERF_INJECTOR_DEBUG")[0] == '1';
	const char *pipe = getenv(proto::kEnvPipe);
	if (!pipe || !*pipe) {
		debug("%s unset: disabled", proto::kEnvPipe);
		return;
	}
	std::vector<std::string> warnings;
	WriterOptions opts;
	opts.path = pipe;
	opts.pid = static_cast<uint32_t>(getpid());
	opts.connect_ms = env_int(proto::kEnvConnectMs, 2000, 0, 600000, warnings);
	opts.queue_bytes = static_cast<size_t>(env_int(proto::kEnvQueueMb, 16, 1, 4096, warnings)) << 20;
	g = new Injector;
	g->pid = opts.pid;
	g->flush_ms = env_int(proto::kEnvFlushMs, 500, 10, 60000, warnings);
	g->writer = new PipeWriter(opts);
	g->writer->start();  // connects in the background
	pthread_atfork(nullptr, nullptr, in_forked_child);

	std::string error;
	bool ok = false;
	if (!load_cupti(g->api, error)) {
		push_line(hello_line(g->pid, getppid(), "MONO", 0, mono_ns(), self_comm()));
		warn(0, error);
	} else {
		debug("CUPTI: %s", g->api.path.c_str());
		g->api.cuptiGetVersion(&g->cupti_version);
		g->serializer = new Serializer(g->pid, g->cupti_version);
		ok = start_cupti(warnings);
	}
	// Registered after libcupti was loaded and set up: exit handlers run in
	// reverse order, so ours runs while libcupti's static objects live.
	atexit(at_exit);
	if (!ok) {
		if (g->api.handle)
			cupti_off();
		// Deliver H and W in the background; at exit, wait a second at most.
		g->writer->request_finish("error", opts.connect_ms + kExitDrainMs);
		return;
	}
	start_flusher();
	debug("tracing, pipe %s", pipe);
}

}  // namespace

}  // namespace xpu::injector

extern "C" __attribute__((visibility("default"))) int InitializeInjection(void)
{
	static std::once_flag once;
	try {
		std::call_once(once, [] {
			try {
				xpu::injector::initialize();
			} catch (...) {
				// Nothing of ours may unwind into cuInit.
			}
		});
	} catch (...) {
	}
	return 1;
}
