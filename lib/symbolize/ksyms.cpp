#include "symbolize/ksyms.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "base/fd.hpp"
#include "base/lines.hpp"
#include "symbolize/build_id.hpp"
#include "symbolize/proc_maps.hpp"

namespace xpu {

namespace {

bool is_text_type(char t)
{
	return t == 't' || t == 'T' || t == 'w' || t == 'W';
}

// One line: "ffffffff81000000 T _stext" or "ffffffffc0a01000 t fn\t[mod]".
bool parse_line(std::string_view s, uint64_t &addr, char &type, std::string_view &name)
{
	auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), addr, 16);
	if (ec != std::errc() || p == s.data())
		return false;
	s.remove_prefix(p - s.data());
	if (s.size() < 4 || s[0] != ' ' || s[2] != ' ')
		return false;
	type = s[1];
	s.remove_prefix(3);
	name = s.substr(0, s.find_first_of(" \t"));
	return !name.empty();
}

}  // namespace

std::string_view Ksyms::add_lines(std::string_view text)
{
	while (!text.empty()) {
		size_t nl = text.find('\n');
		if (nl == std::string_view::npos)
			return text;
		std::string_view line = next_line(text);
		uint64_t addr = 0;
		char type = 0;
		std::string_view name;
		if (!parse_line(line, addr, type, name) || addr == 0 || !is_text_type(type))
			continue;
		syms_.push_back(Sym{addr, static_cast<uint32_t>(names_.size()),
				    static_cast<uint32_t>(name.size())});
		names_.append(name);
	}
	return {};
}

void Ksyms::finish()
{
	// Several names often share an address (_text, _stext, aliases): keep
	// the first in file order, which is the kernel's own choice of order.
	std::stable_sort(syms_.begin(), syms_.end(),
			 [](const Sym &a, const Sym &b) { return a.addr < b.addr; });
	auto dup = std::unique(syms_.begin(), syms_.end(),
			       [](const Sym &a, const Sym &b) { return a.addr == b.addr; });
	syms_.erase(dup, syms_.end());
}

void Ksyms::reserve_for_kernel()
{
	// Room for a large kernel's table reserved at once, so the vectors are
	// never regrown (each regrowth copies, and freed copies stay resident in
	// the reading thread's malloc arena). Pages never written are never
	// resident: a kernel with 120,000 text symbols and 3 MB of names
	// touches what it needs.
	syms_.reserve(1u << 18);
	names_.reserve(8u << 20);
}

Ksyms Ksyms::parse(std::string_view text)
{
	Ksyms k;
	std::string_view rest = k.add_lines(text);
	if (!rest.empty())
		k.add_lines(std::string(rest) + '\n');
	k.finish();
	return k;
}

Result<Ksyms> Ksyms::load()
{
	Fd fd(::open("/proc/kallsyms", O_RDONLY | O_CLOEXEC));
	if (!fd)
		return fail(ExitCode::internal, "cannot open /proc/kallsyms: {}", std::strerror(errno));
	Ksyms k;
	k.reserve_for_kernel();
	// A block of lines at a time, the unfinished last line carried over.
	std::string buf(64 * 1024, '\0');
	size_t kept = 0;
	for (;;) {
		ssize_t n = ::read(fd.get(), buf.data() + kept, buf.size() - kept);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(ExitCode::internal, "cannot read /proc/kallsyms: {}", std::strerror(errno));
		if (n == 0)
			break;
		std::string_view rest = k.add_lines(std::string_view(buf.data(), kept + n));
		kept = rest.size();
		std::memmove(buf.data(), rest.data(), kept);
		if (kept == buf.size())
			kept = 0;  // a line longer than the buffer: not kallsyms, dropped
	}
	if (kept)
		k.add_lines(std::string(buf.data(), kept) + '\n');
	k.finish();
	return k;
}

std::optional<std::string_view> Ksyms::lookup(uint64_t addr) const
{
	auto it = std::upper_bound(syms_.begin(), syms_.end(), addr,
				   [](uint64_t a, const Sym &s) { return a < s.addr; });
	if (it == syms_.begin())
		return std::nullopt;
	const Sym &s = *std::prev(it);
	return std::string_view(names_).substr(s.name_off, s.name_len);
}

std::string build_id_from_notes(std::string_view notes)
{
	// Elf_Nhdr: namesz, descsz, type (native 32-bit words), then the name
	// and the descriptor, each padded to 4 bytes.
	constexpr uint32_t kGnuBuildId = 3;  // NT_GNU_BUILD_ID
	auto pad = [](size_t n) { return (n + 3) & ~size_t(3); };
	size_t at = 0;
	while (notes.size() - at >= 12) {
		uint32_t h[3];
		std::memcpy(h, notes.data() + at, sizeof(h));
		at += 12;
		if (pad(h[0]) > notes.size() - at || pad(h[1]) > notes.size() - at - pad(h[0]))
			break;
		std::string_view name = notes.substr(at, h[0]);
		std::string_view desc = notes.substr(at + pad(h[0]), h[1]);
		at += pad(h[0]) + pad(h[1]);
		if (h[2] != kGnuBuildId || name != std::string_view("GNU\0", 4) || desc.empty())
			continue;
		return build_id_hex(desc.data(), desc.size());
	}
	return "";
}

std::string kernel_build_id()
{
	auto notes = read_text_file("/sys/kernel/notes");
	return notes ? build_id_from_notes(*notes) : "";
}

}  // namespace xpu
