#include "session/record.hpp"

#include <chrono>

#include "base/log.hpp"
#include "base/output_file.hpp"
#include "session/profile_session.hpp"
#include "output/writer_folded.hpp"

namespace xpu {

namespace {

using Clock = std::chrono::steady_clock;

// Where the profile goes: the folded file, and what --trace and --pprof add.
struct Outputs {
	std::optional<OutputFile> folded, trace, pprof;
};

// The folded profile, then the same run's timeline and pprof, which leave
// it unchanged.
Result<void> write_profile(ProfileSession &session, const RecordConfig &cfg, Outputs &out,
			   RecordSummary &sum, const PprofRecordOptions &pprof_opts)
{
	auto ms = [t = Clock::now()] {
		return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
	};
	auto set = session.collect();
	double collected = ms();
	if (!set)
		return std::unexpected(set.error());
	Profile prof = session.build(*set, &sum.quality);
	double built = ms();
	if (auto r = write_folded(prof, out.folded->stream()); !r)
		return r;
	if (auto r = out.folded->commit(); !r)
		return r;
	if (out.trace) {
		TraceInput in = session.trace_input(*set);
		if (cfg.trace_off_cpu)
			sum.offcpu_timeline =
				OffCpuTimelineCount{in.offcpu.size(), session.offcpu_trace_dropped()};
		if (auto r = write_trace(in, *out.trace); !r)
			return r;
	}
	double written = ms();
	if (out.pprof) {
		auto bytes = session.build_pprof(*set, pprof_opts);
		if (!bytes)
			return std::unexpected(bytes.error());
		if (auto r = out.pprof->write_and_commit(*bytes); !r)
			return r;
		log::debug("pprof: {} bytes in {:.1f} ms", bytes->size(), ms() - written);
	}
	sum.weight = prof.total();
	sum.stacks = prof.size();
	if (session.offcpu())
		sum.processes = process_times(*set, session.freq());
	if (session.net())
		sum.net = net_totals(set->events);
	log::debug("profile: read {:.1f} ms, symbolized {:.1f} ms, written {:.1f} ms", collected,
		   built - collected, written - built);
	return {};
}

}  // namespace

Result<RecordSummary> run_record(const RecordConfig &cfg)
{
	ProfileSession session(cfg, false);
	Outputs out;
	auto opened = session.open([&]() -> Result<void> {
		for (auto [path, file] : {std::pair{&cfg.output, &out.folded}, {&cfg.trace, &out.trace},
					  {&cfg.pprof, &out.pprof}}) {
			if (path->empty())
				continue;
			auto o = OutputFile::open(*path);
			if (!o)
				return std::unexpected(o.error());
			file->emplace(std::move(*o));
		}
		return {};
	});
	if (!opened)
		return std::unexpected(opened.error());

	RecordSummary sum;
	sum.freq = cfg.freq;
	sum.event = session.event_name();
	const auto t0 = Clock::now();
	PprofRecordOptions pprof_opts;
	pprof_opts.time_nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
					std::chrono::system_clock::now().time_since_epoch())
					.count();
	auto reason = session.run_until(Clock::time_point::max());
	if (!reason)
		return std::unexpected(reason.error());
	const auto t_stop = Clock::now();
	sum.stop_reason = reason->value_or(StopReason{StopKind::duration});
	sum.seconds = std::chrono::duration<double>(t_stop - t0).count();

	if (auto r = session.stop(); !r)
		return std::unexpected(r.error());
	pprof_opts.duration_nanos =
	    std::chrono::duration_cast<std::chrono::nanoseconds>(t_stop - t0).count();
	if (auto r = write_profile(session, cfg, out, sum, pprof_opts); !r)
		return std::unexpected(r.error());
	sum.exit_to_written_s = std::chrono::duration<double>(Clock::now() - t_stop).count();

	auto st = session.stats();
	sum.gpu = session.gpu_summary();
	sum.gpu_only = cfg.gpu_only;
	sum.samples = st.samples;
	sum.switches = st.switches;
	sum.switches_unseen = st.offcpu_unseen;
	sum.lost = st.lost();
	sum.stack_errors = st.stack_errors();
	sum.quality.python = st.python;
	sum.unwind = session.unwind_report();
	if (st.procs_full)
		log::warn("{} processes could not be tracked (process map full)", st.procs_full);
	auto end = end_session(session, sum.stop_reason, CommandStatus::passed_on);
	sum.target_exit = end.target_exit;
	sum.target_signal = end.target_signal;
	sum.exit_code = end.exit_code;
	return sum;
}

namespace {

std::string seconds(double s) { return fmt::format("{:.2f} s", s); }

std::string process_line(const ProcessTime &p, int freq)
{
	std::string line = fmt::format("  {}[{}]: on-CPU {}, off-CPU {}", p.comm, p.pid,
				       seconds(static_cast<double>(p.oncpu_samples) / freq),
				       seconds(p.offcpu_total_ns() / 1e9));
	std::string states;
	for (const auto &[state, ns] : p.offcpu_ns)
		states += fmt::format("{}{} {}", states.empty() ? "" : ", ", state, seconds(ns / 1e9));
	if (!states.empty())
		line += " (" + states + ")";
	return line;
}

std::string percent(double part, double whole) { return fmt::format("{:.1f}%", 100 * part / whole); }

// "  GPU: 1240 launches, 1200 kernels, 40 copies/memsets, 100.0% under their launch stack,
// 35.20 ms of GPU time, 0 dropped"; nothing for a program that used no CUDA.
std::vector<std::string> gpu_lines(const GpuSummary &g, bool gpu_only)
{
	std::vector<std::string> lines;
	if (g.entry_points) {
		lines.push_back(fmt::format(
			"  GPU: {} launches counted at the CUDA API ({} entry points probed); no GPU "
			"time: xpu-perf did not start these processes, so no injector (weights of "
			"[GPU_Launch] stacks are launch counts)",
			g.launches, g.entry_probes));
		if (g.dropped)
			lines.back() += fmt::format(", {} dropped", g.dropped);
		return lines;
	}
	if (g.processes == 0 && g.launches == 0) {
		if (gpu_only)
			lines.push_back("  GPU: no CUDA activity (the command did not load the CUDA "
					"driver, or its injector could not start)");
		return lines;
	}
	std::string line = fmt::format("  GPU: {} launches, {} kernels, {} copies/memsets, {} under "
				       "their launch stack, {:.2f} ms of GPU time, {} dropped",
				       g.launches, g.kernels, g.activities - g.kernels,
				       g.activities ? percent(static_cast<double>(g.matched),
							      static_cast<double>(g.activities))
						    : "-",
				       g.gpu_ns / 1e6, g.dropped);
	if (g.truncated)
		line += fmt::format("; {} process streams cut short (crash or kill: their last "
				    "records are lost)",
				    g.truncated);
	if (g.malformed)
		line += fmt::format("; {} malformed pipe lines", g.malformed);
	lines.push_back(line);
	if (g.waits)
		lines.push_back(fmt::format("  GPU waits: {} synchronizing calls, {:.2f} ms, {:.2f} ms of it with "
					    "nothing running on the waited streams ([GPU_Wait] stacks)",
					    g.waits, g.wait_ns / 1e6, g.wait_idle_ns / 1e6));
	for (const auto &w : g.warnings)
		lines.push_back("  GPU warning: " + w);
	return lines;
}

// "; stacks 97.0% rooted (2.1% truncated: no-table 2.1%)".
std::string quality_summary(const StackQuality &q)
{
	std::string net;
	if (q.net_calls > 0)
		net = fmt::format("; network stacks {} rooted", percent(q.net_rooted, q.net_calls));
	if (q.with_user <= 0)
		return net;
	std::string s = fmt::format("; stacks {} rooted", percent(q.rooted, q.with_user));
	if (double t = q.truncated_total(); t > 0) {
		std::string reasons;
		for (const auto &[reason, w] : q.truncated)
			reasons += fmt::format("{}{} {}", reasons.empty() ? "" : ", ", reason,
					       percent(w, q.with_user));
		s += fmt::format(" ({} truncated: {})", percent(t, q.with_user), reasons);
	}
	return s + net;
}

// "python: 812 stack walks in an interpreter, 812 eval calls walked,
// 810 completed (99.8%), 4,120 Python frames; failed: read-fault 2".
// Walks, not samples: an off-CPU wait whose stack is reused is not walked
// again.
std::string python_quality_line(const PyWalkStats &p)
{
	if (!p.stacks && !p.eval_calls)
		return "";
	std::string line = fmt::format(
		"  python: {} stack walks in an interpreter, {} eval calls walked, {} completed ({:.1f}%), "
		"{} Python frames",
		p.stacks, p.eval_calls, p.completed,
		p.eval_calls ? 100.0 * static_cast<double>(p.completed) / static_cast<double>(p.eval_calls) : 0.0,
		p.frames);
	std::string failed;
	for (const auto &[reason, n] : p.failed)
		failed += fmt::format("{}{} {}", failed.empty() ? "" : ", ", reason, n);
	line += "; failed: " + (failed.empty() ? std::string("none") : failed);
	return line;
}

// "unwind tables: 40 loaded (1,204,113 of 2,097,152 rows), 1 without one,
// 3 evicted; built in 812 ms, 5 asked for by walks".
std::string unwind_tables_line(const UnwindStats &u)
{
	std::string line = fmt::format("  unwind tables: {} loaded ({} of {} rows)", u.loaded, u.rows,
				       u.row_capacity);
	if (u.failed)
		line += fmt::format(", {} binaries without one", u.failed);
	if (u.queued)
		line += fmt::format(", {} not built yet", u.queued);
	if (u.evictions)
		line += fmt::format(", {} evicted for tables walks wanted", u.evictions);
	if (u.no_room)
		line += fmt::format(", {} found no room", u.no_room);
	if (u.by_libdw)
		line += fmt::format(", {} read by libdw", u.by_libdw);
	if (u.refused_fdes)
		line += fmt::format(", {} FDE programs not followed", u.refused_fdes);
	line += fmt::format("; built in {:.0f} ms, {} asked for by walks", u.build_ms, u.wanted);
	return line;
}

}  // namespace

std::vector<std::string> quality_table(const StackQuality &q, const std::optional<UnwindReport> &unwind)
{
	std::vector<std::string> lines;
	if (q.with_user <= 0)
		return lines;
	lines.push_back(fmt::format("stack quality: {:.0f} weighted stacks with user frames, {} rooted",
				    q.with_user, percent(q.rooted, q.with_user)));
	for (const auto &[reason, w] : q.truncated)
		lines.push_back(fmt::format("  {:>7}  truncated: {}", percent(w, q.with_user), reason));
	for (const auto &[module, w] : q.unrooted) {
		std::string line = fmt::format("  {:>7}  ended early in {}", percent(w, q.with_user), module);
		if (unwind)
			if (auto it = unwind->missing.find(module); it != unwind->missing.end())
				line += fmt::format(" (no unwind table: {})", it->second.why);
		lines.push_back(std::move(line));
	}
	if (auto py = python_quality_line(q.python); !py.empty())
		lines.push_back(std::move(py));
	if (q.net_calls > 0)
		lines.push_back(fmt::format("  network: {:.0f} calls with user stacks, {} rooted", q.net_calls,
					    percent(q.net_rooted, q.net_calls)));
	if (unwind)
		lines.push_back(unwind_tables_line(unwind->stats));
	return lines;
}

std::vector<std::string> format_summary(const RecordSummary &s, const std::string &output)
{
	std::string counted = fmt::format("{} samples", s.samples);
	if (!s.processes.empty() || s.switches)
		counted += fmt::format(", {} off-CPU intervals", s.switches);
	if (s.switches_unseen)
		counted += fmt::format(" ({} ended unseen, timed by CPU time)", s.switches_unseen);
	std::string line = fmt::format("{}, {} unique stacks, {} lost, {:.2f} s ({}, stopped: {}) -> {}",
				       counted, s.stacks, s.lost, s.seconds, s.event, describe(s.stop_reason),
				       output == "-" ? "stdout" : output);
	if (s.stack_errors)
		line += fmt::format("; {} stacks incomplete", s.stack_errors);
	line += quality_summary(s.quality);
	std::vector<std::string> lines = {line};
	constexpr size_t kShown = 5;
	for (size_t i = 0; i < s.processes.size() && i < kShown; i++)
		lines.push_back(process_line(s.processes[i], s.freq));
	if (s.processes.size() > kShown)
		lines.push_back(fmt::format("  ... and {} more processes", s.processes.size() - kShown));
	if (s.gpu)
		for (auto &l : gpu_lines(*s.gpu, s.gpu_only))
			lines.push_back(std::move(l));
	if (s.net)
		lines.push_back(format_net_totals(*s.net));
	if (s.offcpu_timeline) {
		const auto &t = *s.offcpu_timeline;
		lines.push_back(fmt::format("  off-CPU timeline: {} intervals drawn, {} dropped", t.drawn,
					    t.dropped));
		if (t.dropped)
			lines.back() += " (left out of the timeline, not of the profile: a higher "
					"--min-block draws fewer)";
	}
	return lines;
}

}  // namespace xpu
