#include "live/timeline_json.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "output/writer_table.hpp"

namespace xpu {

namespace {

// ns -> µs with one decimal: enough for a page, a third of the bytes.
std::string us(uint64_t ns) { return fmt::format("{}.{}", ns / 1000, ns % 1000 / 100); }

std::string at(const std::vector<std::string> &stack)
{
	std::string out;
	size_t from = stack.size() > kTimelineStackFrames ? stack.size() - kTimelineStackFrames : 0;
	for (size_t i = from; i < stack.size(); i++)
		out += (out.empty() ? "" : ";") + stack[i];
	return out;
}

}  // namespace

std::string timeline_window_json(uint64_t window, const TraceInput &in, size_t max_events)
{
	// The first `max_events` in time order, whatever their kind.
	std::vector<uint64_t> starts;
	for (const auto &a : in.gpu)
		starts.push_back(a.start);
	for (const auto &c : in.calls)
		starts.push_back(c.start);
	for (const auto &w : in.waits)
		starts.push_back(w.start);
	uint64_t cutoff = UINT64_MAX;  // events starting from here on are left out
	if (starts.size() > max_events) {
		std::nth_element(starts.begin(), starts.begin() + static_cast<long>(max_events), starts.end());
		cutoff = starts[max_events];
	}
	size_t kept = 0;
	auto keep = [&](uint64_t start) {
		if (start >= cutoff || kept >= max_events)
			return false;
		kept++;
		return true;
	};

	std::string json = fmt::format("{{\"window\":{},\"gpu\":[", window);
	std::string sep;
	for (const auto &a : in.gpu) {
		if (!keep(a.start))
			continue;
		json += fmt::format("{}{{\"pid\":{},\"dev\":{},\"stream\":{},\"name\":{},\"cat\":\"{}\",\"s\":{},\"d\":{},\"corr\":{}}}",
				    sep, a.pid, a.device, a.stream, json_string(gpu_work_name(a)),
				    gpu_work_category(a.kind), us(a.start), us(a.ns()), a.corr);
		sep = ",";
	}
	json += "],\"calls\":[";
	sep.clear();
	std::set<std::pair<pid_t, pid_t>> threads;
	for (const auto &c : in.calls) {
		if (!keep(c.start))
			continue;
		json += fmt::format("{}{{\"pid\":{},\"tid\":{},\"api\":{},\"s\":{},\"d\":{},\"corr\":{},\"at\":{}}}",
				    sep, c.pid, c.tid, json_string(c.api), us(c.start), us(c.end - c.start), c.corr,
				    json_string(at(c.stack)));
		threads.insert({c.pid, c.tid});
		sep = ",";
	}
	json += "],\"waits\":[";
	sep.clear();
	for (const auto &w : in.waits) {
		if (!keep(w.start))
			continue;
		json += fmt::format("{}{{\"pid\":{},\"tid\":{},\"api\":{},\"s\":{},\"d\":{},\"at\":{}}}", sep, w.pid,
				    w.tid, json_string(w.api), us(w.start), us(w.end - w.start), json_string(at(w.stack)));
		threads.insert({w.pid, w.tid});
		sep = ",";
	}
	json += "],\"threads\":[";
	sep.clear();
	for (const auto &[pid, tid] : threads) {
		auto it = in.thread_names.find({pid, tid});
		json += fmt::format("{}{{\"pid\":{},\"tid\":{},\"name\":{}}}", sep, pid, tid,
				    json_string(it != in.thread_names.end() ? it->second : std::string()));
		sep = ",";
	}
	json += fmt::format("],\"dropped\":{}}}", starts.size() - kept);
	return json;
}

}  // namespace xpu
