// The GPU side of the timeline (record --trace, live --http) as timed
// events of weight 0 (profile/event.hpp: their time is in the correlator's
// and the wait blame's counted events already): each GPU record a gpu_work
// event, each launch (and, for live, each synchronizing call) a gpu_call
// event at the interval CUPTI timed for it (A records) or the hook's
// moment, and record's blamed sync waits gpu_wait events with what they
// waited for. Kept here as they arrive until the session takes them into
// its EventSet; session/timeline_input draws them. The folded profile sums
// these away; the timeline keeps every one, up to a bound (counted beyond).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "gpu/gpu_launch_probe.hpp"
#include "gpu/gpu_stream.hpp"
#include "gpu/gpu_wait_blame.hpp"
#include "profile/event.hpp"

namespace xpu {

// A GPU record as a timed gpu_work event, and back (for the trace writer).
Event gpu_record_event(const GpuActivity &a, std::shared_ptr<const EventAttrs> attrs);
GpuActivity gpu_activity_of(const Event &e);  // e: a gpu_work event with GpuRecordAttrs

// Equal attributes behind one pointer: a training loop launches the same
// few kernels with the same API millions of times. Bounded: past kMax
// distinct values it starts over (sharing less, never wrong).
template <class T>
class SharedAttrs {
public:
	std::shared_ptr<const EventAttrs> get(T attrs)
	{
		if (auto it = pool_.find(attrs); it != pool_.end())
			return *it;
		if (pool_.size() >= kMax)
			pool_.clear();
		return *pool_.insert(std::make_shared<const EventAttrs>(std::move(attrs))).first;
	}

private:
	static constexpr size_t kMax = 1u << 16;
	struct Less {
		using is_transparent = void;
		static const T &of(const std::shared_ptr<const EventAttrs> &p) { return std::get<T>(*p); }
		static const T &of(const T &t) { return t; }
		template <class A, class B>
		bool operator()(const A &a, const B &b) const
		{
			return of(a) < of(b);
		}
	};
	std::set<std::shared_ptr<const EventAttrs>, Less> pool_;
};

class GpuTimeline {
public:
	// Past this many launches plus GPU records plus waits, more are
	// counted, not kept. A record is an Event (120 bytes) and attributes
	// shared with the records of the same kernel on the same stream: about
	// 126 bytes a record in a loop of a few kernels, 330 when every one
	// differs (4 M: 0.5 to 1.3 GB).
	static constexpr size_t kMaxEvents = 4u << 20;

	void add_launch(const LaunchEvent &l);
	void add_activity(const GpuActivity &a);
	void add_api_call(const GpuApiCall &c);
	void set_api_name(pid_t pid, uint32_t domain, uint32_t cbid, const std::string &name);
	// Synchronizing calls with what they waited for (known at the end).
	void add_waits(std::vector<BlamedWait> waits);

	// What is kept and not taken yet: the launches' hooks, the GPU records.
	const std::vector<LaunchEvent> &launches() const { return launches_; }
	const std::vector<Event> &activities() const { return records_; }
	// The launching API's frame name ("cudaLaunchKernel").
	std::string api_of(const LaunchEvent &l) const;
	// The interval CUPTI timed for the call with this id: the outermost of
	// the nested runtime and driver records. {0, 0} when none came.
	std::pair<uint64_t, uint64_t> api_interval(pid_t pid, uint32_t corr) const;
	uint64_t dropped() const { return dropped_; }

	// record --trace, at the end: every GPU record, then every launch (at
	// CUPTI's interval for it or the hook's moment), then every blamed
	// wait, appended to `out` as events and forgotten here.
	void take_all(std::vector<Event> &out);

	// live --http, a window at a time. A synchronizing call's hook, drawn
	// on its thread's lane as the interval CUPTI timed (without the blame
	// split record --trace gives it: that needs the session's end).
	void add_sync_call(const LaunchEvent &l);
	// What is ready now, appended to `out`, then forgotten: GPU records as
	// they came; calls once CUPTI timed them (A records come later than
	// the hook), or at the hook's moment after `patience` windows without
	// one. Memory stays that of a few windows.
	void take_window(std::vector<Event> &out, int patience = 2);
	// The stacks of the calls take_window has still to give (to fetch
	// with the window's, so that they are there when it does).
	std::vector<ThreadStacks> call_stacks() const;

private:
	bool full();  // counts one dropped event when it says yes
	// A call as the timeline draws it: CUPTI's interval for it, or the
	// hook's moment when none came (record --trace and live share it).
	Event call_event(const LaunchEvent &l, bool sync);

	std::vector<Event> records_;  // gpu_work
	std::vector<LaunchEvent> launches_;
	std::vector<Event> waits_;               // record: gpu_wait
	std::vector<LaunchEvent> sync_calls_;    // live: synchronizing calls
	struct Pending {
		LaunchEvent call;
		bool sync = false;
		int windows = 0;  // taken this many times without an interval
	};
	std::vector<Pending> pending_;  // live: calls waiting for their A record
	std::map<std::pair<pid_t, uint32_t>, std::pair<uint64_t, uint64_t>> api_;
	std::map<std::tuple<pid_t, uint32_t, uint32_t>, std::string> api_names_;
	SharedAttrs<GpuRecordAttrs> record_attrs_;
	SharedAttrs<GpuCallAttrs> call_attrs_;
	uint64_t dropped_ = 0;
};

}  // namespace xpu
