#include "tune/tune_observe.hpp"

#include <signal.h>

#include <chrono>
#include <cmath>
#include <map>

#include "profile/folded_reader.hpp"
#include "profile/net_frames.hpp"
#include "base/log.hpp"
#include "session/profile_session.hpp"
#include "tune/tune_counters.hpp"

namespace xpu::tune {

Result<Observation> observe(RecordConfig cfg)
{
	using Clock = std::chrono::steady_clock;
	cfg.output = std::string(1, '-');  // stdout is for findings: the command writes to stderr
	ProfileSession session(cfg, false);
	if (auto r = session.open(); !r)
		return std::unexpected(r.error());

	// Counters on the command held before its exec, so that they inherit
	// into every thread it starts; on each thread of -p processes; or per
	// CPU with -a. A failure here costs the counters, not the profile.
	std::optional<SoftwareCounters> counters;
	Result<SoftwareCounters> c = cfg.all_cpus	     ? SoftwareCounters::system_wide()
				     : session.command_pid() ? SoftwareCounters::for_pids({session.command_pid()})
							     : SoftwareCounters::for_pids(cfg.pids);
	if (c)
		counters.emplace(std::move(*c));
	else
		log::warn("no counters: {}", c.error().msg);

	Observation ob;
	ob.freq = session.freq();
	ob.offcpu = session.offcpu();
	const auto t0 = Clock::now();
	auto reason = session.run_until(Clock::time_point::max());
	if (!reason)
		return std::unexpected(reason.error());
	ob.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
	ob.stop_reason = reason->value_or(StopReason{StopKind::duration});
	if (counters)
		ob.counters = counters->read();
	if (auto r = session.stop(); !r)
		return std::unexpected(r.error());
	auto set = session.collect();
	if (!set)
		return std::unexpected(set.error());
	ob.net = session.build_net(*set);
	// Bytes are not time: every share tune reads is of time.
	std::erase_if(set->events, [](const Event &e) { return e.kind == EventKind::net_io; });
	ob.profile = session.build(*set);
	auto end = end_session(session, ob.stop_reason, CommandStatus::ignored);
	ob.target_exit = end.target_exit;
	ob.target_signal = end.target_signal;
	ob.exit_code = end.exit_code;
	for (pid_t pid : cfg.pids)
		if (kill(pid, 0) == 0)
			ob.live_pids.push_back(pid);
	return ob;
}

Result<Observation> observe_file(const std::string &path, int freq)
{
	Observation ob;
	ob.freq = freq;
	std::map<std::string, uint64_t, std::less<>> net_bytes;
	auto r = read_folded({path}, [&](std::string_view stack, double w) {
		auto weight = static_cast<uint64_t>(std::llround(w));
		size_t leaf = stack.rfind(';');
		if (stack.substr(leaf == stack.npos ? 0 : leaf + 1).starts_with(kNetPrefix))
			net_bytes[std::string(stack)] += weight;
		else
			ob.profile.add_folded(stack, weight);
	});
	for (const auto &[stack, bytes] : net_bytes)
		ob.net.push_back({stack, bytes, 0});
	if (!r)
		return std::unexpected(r.error());
	for (const auto &src : *r)
		if (src.invalid)
			log::warn("{}: {} lines ignored (first: line {})", src.name, src.invalid,
				  src.first_invalid);
	return ob;
}

}  // namespace xpu::tune
