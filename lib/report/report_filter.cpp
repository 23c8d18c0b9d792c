#include "report/report_filter.hpp"

#include <algorithm>

#include "base/user_regex.hpp"
#include "report/report_group.hpp"

namespace xpu {

bool FilterOptions::any() const
{
	return !comms.empty() || !pids.empty() || !layers.empty() || !grep.empty() ||
	       !exclude.empty() || !focus.empty();
}

namespace {

Result<std::optional<std::regex>> compile(const std::string &re, const char *flag)
{
	if (re.empty())
		return std::optional<std::regex>{};
	auto compiled = compile_user_regex(re);
	if (!compiled)
		return fail(ExitCode::usage, "{}: bad regular expression '{}': {}", flag, re, compiled.error());
	return std::optional<std::regex>{std::move(*compiled)};
}

bool all_digits(std::string_view s)
{
	return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

Result<StackFilter> StackFilter::make(const FilterOptions &opts)
{
	StackFilter f;
	f.opts_ = opts;
	auto g = compile(opts.grep, "--grep");
	if (!g)
		return std::unexpected(g.error());
	f.grep_ = std::move(*g);
	auto x = compile(opts.exclude, "--exclude");
	if (!x)
		return std::unexpected(x.error());
	f.exclude_ = std::move(*x);
	for (const auto &p : opts.pids)
		if (!all_digits(p))
			return fail(ExitCode::usage, "--pid: '{}' is not a process id", p);
	for (const auto &l : opts.layers) {
		if (l == "cpu")
			f.want_cpu_ = true;
		else if (l == "offcpu")
			f.want_offcpu_ = true;
		else if (l == "gpu")
			f.want_gpu_ = true;
		else if (l == "net")
			f.want_net_ = true;
		else
			return fail(ExitCode::usage, "--layer: '{}' is not cpu, offcpu, gpu or net", l);
	}
	return f;
}

uint8_t StackFilter::bits(FrameId id, const FrameTable &frames)
{
	if (id >= bits_.size())
		bits_.resize(frames.size(), 0);
	uint8_t &b = bits_[id];
	if (b & known)
		return b;
	b = known;
	std::string_view name = frames.name(id);
	auto search = [&](const std::regex &re) {
		return std::regex_search(name.begin(), name.end(), re);
	};
	if (grep_ && search(*grep_))
		b |= grep_match;
	if (exclude_ && search(*exclude_))
		b |= exclude_match;
	if (!opts_.focus.empty() && name == opts_.focus)
		b |= focus_match;
	if (name.starts_with("[off-cpu:"))
		b |= layer_offcpu;
	else if (name.starts_with("[GPU_"))
		b |= layer_gpu;
	else if (name.starts_with("[net:"))
		b |= layer_net;
	return b;
}

std::span<const FrameId> StackFilter::apply(std::span<const FrameId> stack,
					    const FrameTable &frames)
{
	if (stack.empty())
		return {};
	if (!opts_.comms.empty() || !opts_.pids.empty()) {
		FrameId root = stack[0];
		if (root >= root_bits_.size())
			root_bits_.resize(frames.size(), 0);
		uint8_t &rb = root_bits_[root];
		if (!(rb & known)) {
			rb = known;
			std::string_view name = frames.name(root);
			std::string_view comm = comm_of(name);
			bool comm_ok = opts_.comms.empty() ||
				       std::find(opts_.comms.begin(), opts_.comms.end(), comm) !=
					       opts_.comms.end();
			bool pid_ok = opts_.pids.empty();
			if (comm.size() < name.size()) {
				std::string_view pid = name.substr(comm.size() + 1);
				pid_ok = pid_ok || std::find(opts_.pids.begin(), opts_.pids.end(),
							     pid) != opts_.pids.end();
			}
			if (comm_ok && pid_ok)
				rb |= comm_match;
		}
		if (!(rb & comm_match))
			return {};
	}
	bool grepped = !grep_;
	size_t focus_at = opts_.focus.empty() ? 0 : stack.size();
	uint8_t layer = 0;
	for (size_t i = 0; i < stack.size(); ++i) {
		uint8_t b = bits(stack[i], frames);
		if (b & exclude_match)
			return {};
		if (b & grep_match)
			grepped = true;
		if ((b & focus_match) && focus_at == stack.size())
			focus_at = i;
		if (!layer)
			layer = b & (layer_offcpu | layer_gpu | layer_net);
	}
	if (!grepped || focus_at == stack.size())
		return {};
	if (want_cpu_ || want_offcpu_ || want_gpu_ || want_net_) {
		bool ok = layer == layer_offcpu ? want_offcpu_
			  : layer == layer_gpu  ? want_gpu_
			  : layer == layer_net  ? want_net_
						: want_cpu_;
		if (!ok)
			return {};
	}
	return stack.subspan(focus_at);
}

}  // namespace xpu
