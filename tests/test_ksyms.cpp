// /proc/kallsyms parsing and kernel frames.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "symbolize/ksyms.hpp"
#include "symbolize/symbolizer.hpp"

using namespace xpu;

namespace {

std::string name_at(const Ksyms &k, uint64_t addr)
{
	auto n = k.lookup(addr);
	return n ? std::string(*n) : "-";
}

}  // namespace

TEST_CASE("ksyms: text symbols, modules, aliases", "[ksyms]")
{
	Ksyms k = Ksyms::parse("ffffffff81000000 T _stext\n"
			       "ffffffff81000000 T _text\n"
			       "ffffffff81000100 t native_safe_halt\n"
			       "ffffffff81000200 D some_data\n"
			       "ffffffff81000300 W weak_fn\n"
			       "ffffffff81000400 b bss_thing\n"
			       "ffffffffc0a01000 t nf_hook_fn\t[nf_conntrack]\n"
			       "ffffffffc0a02000 T bpf_prog_6deef7357e7b4530_on_cpu\t[bpf]\n"
			       "not a line\n");
	CHECK(k.size() == 5);
	CHECK(name_at(k, 0xffffffff80ffffff) == "-");
	CHECK(name_at(k, 0xffffffff81000000) == "_stext");  // first of the aliases
	CHECK(name_at(k, 0xffffffff81000150) == "native_safe_halt");
	CHECK(name_at(k, 0xffffffff81000250) == "native_safe_halt");  // data skipped
	CHECK(name_at(k, 0xffffffff81000300) == "weak_fn");
	CHECK(name_at(k, 0xffffffffc0a01010) == "nf_hook_fn");  // module name dropped
	CHECK(name_at(k, 0xffffffffc0a02001) == "bpf_prog_6deef7357e7b4530_on_cpu");
}

TEST_CASE("ksyms: zero addresses (kptr_restrict) are dropped", "[ksyms]")
{
	Ksyms k = Ksyms::parse("0000000000000000 T _stext\n"
			       "0000000000000000 T schedule\n");
	CHECK(k.size() == 0);
	CHECK(name_at(k, 0xffffffff81000000) == "-");
}

TEST_CASE("ksyms: kernel frames are suffixed and root first", "[ksyms]")
{
	Symbolizer s;
	// Below every kernel symbol, whether or not kallsyms is readable.
	uint64_t ips[] = {1, 2, 0, 7};
	CHECK(s.kernel_stack(ips) ==
	      std::vector<std::string>{"[kernel.kallsyms]_[k]", "[kernel.kallsyms]_[k]"});
	CHECK(s.stats().unknown_frames == 2);
}

TEST_CASE("ksyms: a real kernel symbol from /proc/kallsyms", "[ksyms][bpf]")
{
	// Read the file ourselves: the addresses of schedule and vfs_read, and
	// of the first symbol after vfs_read, whose start is what a return
	// address looks like when vfs_read's last instruction is a call.
	std::ifstream f("/proc/kallsyms");
	std::string line;
	std::vector<uint64_t> text;
	uint64_t vfs_read = 0, schedule = 0, vfs_write = 0;
	while (std::getline(f, line)) {
		std::istringstream in(line);
		std::string addr, type, name;
		in >> addr >> type >> name;
		if (type != "T" && type != "t" && type != "W" && type != "w")
			continue;
		uint64_t a = std::stoull(addr, nullptr, 16);
		text.push_back(a);
		if (name == "vfs_read")
			vfs_read = a;
		else if (name == "schedule")
			schedule = a;
		else if (name == "vfs_write")
			vfs_write = a;
	}
	REQUIRE(vfs_read != 0);  // 0: not root, or kptr_restrict
	REQUIRE(schedule != 0);
	uint64_t after_vfs_read = ~0ull;
	for (uint64_t a : text)
		if (a > vfs_read)
			after_vfs_read = std::min(after_vfs_read, a);
	auto k = Ksyms::load();
	REQUIRE(k);
	CHECK(name_at(*k, vfs_read + 4) == "vfs_read");
	Symbolizer s;
	uint64_t ips[] = {schedule + 4, after_vfs_read};
	CHECK(s.kernel_stack(ips) == std::vector<std::string>{"vfs_read_[k]", "schedule_[k]"});

	// An exact pc below an interrupt frame, at a function's first byte:
	// pc-1 falls in the "__pfx_" padding, which is never the answer.
	REQUIRE(vfs_write != 0);
	uint64_t irq[] = {schedule + 4, vfs_write};
	CHECK(s.kernel_stack(irq) == std::vector<std::string>{"vfs_write_[k]", "schedule_[k]"});
}

TEST_CASE("ksyms: reading the file in blocks gives the table parsing it whole gives", "[ksyms][bpf]")
{
	// load() parses /proc/kallsyms 64 KiB at a time, carrying each block's
	// unfinished last line into the next: every line is cut somewhere in
	// a 5 MB file. parse() sees the whole text at once.
	std::ifstream f("/proc/kallsyms");
	std::stringstream whole;
	whole << f.rdbuf();
	std::string text = whole.str();
	REQUIRE(text.size() > 64 * 1024 * 4);
	Ksyms parsed = Ksyms::parse(text);
	auto loaded = Ksyms::load();
	REQUIRE(loaded);
	REQUIRE(parsed.size() > 1000);  // 0: not root, or kptr_restrict
	// Modules can come and go between the two reads; the kernel's own
	// symbols cannot.
	CHECK(loaded->size() == parsed.size());
	std::string_view rest = text;
	size_t compared = 0, line_no = 0;
	while (!rest.empty()) {
		size_t nl = rest.find('\n');
		std::string_view line = rest.substr(0, nl);
		rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
		if (line_no++ % 97 != 0 || line.find('[') != std::string_view::npos)
			continue;
		uint64_t addr = std::stoull(std::string(line.substr(0, 16)), nullptr, 16);
		auto a = parsed.lookup(addr + 1), b = loaded->lookup(addr + 1);
		REQUIRE(a.has_value() == b.has_value());
		if (a)
			CHECK(*a == *b);
		compared++;
	}
	CHECK(compared > 500);
}
