#include "system/check.hpp"

#include <fmt/format.h>

#include "system/capabilities.hpp"
#include "gpu/cuda_probe.hpp"
#include "system/fp_census.hpp"
#include "python/python_binary.hpp"
#include "python/python_library.hpp"
#include "symbolize/elf_file.hpp"
#include "session/preflight.hpp"
#include "output/writer_table.hpp"  // json_string

namespace xpu {

namespace {


const char *color_of(CheckStatus s)
{
	switch (s) {
	case CheckStatus::ok: return "\033[32m";       // green
	case CheckStatus::missing: return "\033[31m";  // red
	default: return "\033[33m";                    // yellow
	}
}

// The CPython interpreter in `path`, or in the libpython it links against.
std::optional<std::pair<std::string, PythonBinary>> find_python(const std::string &path)
{
	for (const auto &candidate : {std::optional<std::string>(path), linked_libpython(path)}) {
		if (!candidate)
			continue;
		auto elf = ElfFile::open_path(*candidate);
		if (!elf)
			continue;
		if (auto b = detect_python(**elf))
			return std::pair{*candidate, std::move(*b)};
	}
	return std::nullopt;
}

// "binary_python": whether record walks this interpreter's Python frames
// and with which offsets, or the one line saying why not. No item for a
// file that is no interpreter.
std::optional<CheckItem> python_item(const std::string &path)
{
	auto found = find_python(path);
	if (!found)
		return std::nullopt;
	const auto &[file, b] = *found;
	std::string where = file == path ? path : fmt::format("{} (via {})", path, file);
	CheckItem item;
	if (b.refused.empty())
		item = make_item("binary_python", CheckStatus::ok, false,
				 fmt::format("{}: CPython {} supported: Python frames walked (offsets: {})",
					     where, b.version(), b.offsets_source));
	else
		item = make_item("binary_python", CheckStatus::missing, false,
				 fmt::format("{}: refused: {}", where, b.refused),
				 "run the program under CPython 3.10, 3.11, 3.12 or 3.13 (default build) for "
				 "Python frames");
	item.values = {{"major", b.major}, {"minor", b.minor}};
	if (b.micro >= 0)  // before 3.11, only when PY_VERSION is found
		item.values.emplace_back("micro", b.micro);
	return item;
}

}  // namespace

const char *to_string(CheckStatus s)
{
	switch (s) {
	case CheckStatus::ok: return "ok";
	case CheckStatus::missing: return "missing";
	default: return "info";
	}
}

bool CheckReport::record_can_run() const { return blockers().empty(); }

std::vector<std::string> CheckReport::blockers() const
{
	std::vector<std::string> out;
	for (const auto &i : items)
		if (i.needed && i.status != CheckStatus::ok)
			out.push_back(i.name);
	return out;
}

Result<std::vector<CheckItem>> binary_items(const std::string &path)
{
	auto c = census_frame_pointers(path);
	if (!c)
		return std::unexpected(c.error());
	std::vector<CheckItem> items;
	if (!c->supported_arch) {
		items.push_back(make_item("binary_frame_pointers", CheckStatus::info, false,
					  path + ": unsupported arch (the census reads x86-64 code)"));
	} else if (c->functions == 0) {
		items.push_back(make_item("binary_frame_pointers", CheckStatus::info, false,
					  path + ": no function symbols to look at"));
	} else {
		double pct = 100.0 * static_cast<double>(c->with_fp) / static_cast<double>(c->functions);
		std::string detail = fmt::format("{}: {} of {} functions ({:.0f}%) keep frame pointers "
						 "({})",
						 path, c->with_fp, c->functions, pct, c->symbol_source);
		// Most of them: the few without are leaves, crt code, hand-written assembly.
		bool most = pct >= 80;
		CheckItem item = make_item(
			"binary_frame_pointers", most ? CheckStatus::ok : CheckStatus::info, false,
			detail,
			most ? "" : "rebuild with -fno-omit-frame-pointer, or rely on record's default "
				    "--call-graph auto (.eh_frame)");
		item.values = {{"functions", static_cast<long long>(c->functions)},
			       {"with_frame_pointers", static_cast<long long>(c->with_fp)}};
		items.push_back(std::move(item));
	}
	if (c->has_eh_frame_hdr)
		items.push_back(make_item("binary_eh_frame", CheckStatus::ok, false,
					  path + ": .eh_frame_hdr present (--call-graph dwarf works)"));
	else
		items.push_back(make_item("binary_eh_frame", CheckStatus::missing, false,
					  path + (c->has_eh_frame ? ": .eh_frame without .eh_frame_hdr"
								  : ": no .eh_frame") +
						  " (--call-graph dwarf cannot unwind it)",
					  "link without --no-eh-frame-hdr / -fno-asynchronous-unwind-tables, "
					  "or build with frame pointers"));
	if (auto py = python_item(path))
		items.push_back(std::move(*py));
	return items;
}

Result<CheckReport> run_check(const CheckConfig &cfg)
{
	CheckReport r;
	// The binary first: a bad path is the user's mistake, reported before probing.
	std::vector<CheckItem> binary;
	if (!cfg.binary.empty()) {
		auto b = binary_items(cfg.binary);
		if (!b)
			return std::unexpected(b.error());
		binary = std::move(*b);
	}
	bool privileged = current_privileges().enough();
	r.items.push_back(probe_privileges());
	r.items.push_back(probe_kernel_version());
	r.items.push_back(probe_btf());
	r.items.push_back(probe_perf_event());
	for (auto &i : probe_bpf_features(privileged))
		r.items.push_back(std::move(i));
	r.items.push_back(probe_kprobes());
	r.items.push_back(probe_net_tracepoints_item());
	r.items.push_back(probe_perf_event_paranoid(privileged));
	r.items.push_back(probe_perf_event_max_stack());
	r.items.push_back(probe_tracefs());
	r.items.push_back(probe_lockdown());
	for (auto &i : binary)
		r.items.push_back(std::move(i));
	if (cfg.gpu)
		for (auto &i : probe_cuda())
			r.items.push_back(std::move(i));
	return r;
}

std::string format_check_text(const CheckReport &r, bool color)
{
	std::string out;
	for (const auto &i : r.items) {
		std::string status = to_string(i.status);
		std::string padded = fmt::format("{:<8}", status);
		if (color)
			padded = std::string(color_of(i.status)) + status + "\033[0m" +
				 std::string(8 - status.size(), ' ');
		out += fmt::format("{} {:<22}{}", padded, i.name, i.detail);
		if (!i.fix.empty() && i.status != CheckStatus::ok)
			out += "; fix: " + i.fix;
		out += '\n';
	}
	auto blockers = r.blockers();
	if (blockers.empty())
		out += "record can run here\n";
	else
		out += fmt::format("record cannot run here: {} missing (see the fixes above)\n",
				   fmt::join(blockers, ", "));
	return out;
}

std::string format_check_json(const CheckReport &r)
{
	std::string out = fmt::format("{{\n  \"schema\": 1,\n  \"record_can_run\": {},\n  \"checks\": [",
				      r.record_can_run() ? "true" : "false");
	for (size_t n = 0; n < r.items.size(); n++) {
		const CheckItem &i = r.items[n];
		out += fmt::format("{}\n    {{\"name\": {}, \"status\": \"{}\", \"needed\": {}, "
				   "\"detail\": {}, \"fix\": {}",
				   n ? "," : "", json_string(i.name), to_string(i.status),
				   i.needed ? "true" : "false", json_string(i.detail),
				   json_string(i.status == CheckStatus::ok ? "" : i.fix));
		out += ", \"values\": {";
		for (size_t k = 0; k < i.values.size(); k++)
			out += fmt::format("{}{}: {}", k ? ", " : "", json_string(i.values[k].first),
					   i.values[k].second);
		out += "}}";
	}
	return out + "\n  ]\n}\n";
}

}  // namespace xpu
