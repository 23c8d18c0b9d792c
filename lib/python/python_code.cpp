#include "python/python_code.hpp"

#include <sys/uio.h>

#include <cstring>

#include <fmt/format.h>

#include "python/python_binary.hpp"
#include "symbolize/demangle.hpp"

namespace xpu {

namespace {

// Location-table varints: 6 bits a byte, low bits first, 0x40 continues.
struct TableReader {
	std::span<const uint8_t> t;
	size_t i = 0;
	bool more() const { return i < t.size(); }
	uint8_t byte() { return i < t.size() ? t[i++] : 0; }
	uint32_t varint()
	{
		uint8_t b = byte();
		uint32_t v = b & 63;
		for (int shift = 6; (b & 64) && shift < 32; shift += 6) {
			b = byte();
			v |= static_cast<uint32_t>(b & 63) << shift;
		}
		return v;
	}
	int32_t svarint()
	{
		uint32_t v = varint();
		return (v & 1) ? -static_cast<int32_t>(v >> 1) : static_cast<int32_t>(v >> 1);
	}
};

bool read_mem(pid_t pid, uint64_t addr, void *out, size_t len)
{
	iovec local{out, len};
	iovec remote{reinterpret_cast<void *>(addr), len};
	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

// A str object's text: compact strings only (all that code objects hold);
// Latin-1 converted to UTF-8, wider kinds given up on.
std::optional<std::string> read_str(pid_t pid, uint64_t obj, const PyOffsets &o)
{
	struct {
		uint64_t refcnt, type, length, hash;
		uint32_t state;
	} h;
	if (!obj || !read_mem(pid, obj, &h, sizeof(h)) || h.length > 4096)
		return std::nullopt;
	bool compact = h.state & (1u << 5), ascii = h.state & (1u << 6);
	unsigned kind = (h.state >> 2) & 7;
	if (!compact || kind != 1)
		return std::nullopt;
	std::string raw(h.length, '\0');
	if (!read_mem(pid, obj + (ascii ? o.unicode_ascii_data : o.unicode_compact_data), raw.data(),
		      raw.size()))
		return std::nullopt;
	if (ascii)
		return raw;
	std::string utf8;
	for (unsigned char c : raw) {
		if (c < 0x80) {
			utf8 += static_cast<char>(c);
		} else {
			utf8 += static_cast<char>(0xc0 | (c >> 6));
			utf8 += static_cast<char>(0x80 | (c & 0x3f));
		}
	}
	return utf8;
}

std::optional<std::vector<uint8_t>> read_bytes(pid_t pid, uint64_t obj)
{
	uint64_t size = 0;
	if (!obj || !read_mem(pid, obj + 16, &size, sizeof(size)) || size > (1u << 20))
		return std::nullopt;
	std::vector<uint8_t> out(size);
	if (size && !read_mem(pid, obj + 32, out.data(), size))
		return std::nullopt;
	return out;
}

std::optional<PyCodeIdentity> read_identity(pid_t pid, uint64_t code, const PyOffsets &o)
{
	PyCodeIdentity id;
	if (!read_mem(pid, code + o.code_filename, &id.filename, 8) ||
	    !read_mem(pid, code + o.code_qualname, &id.qualname, 8) ||
	    !read_mem(pid, code + o.code_linetable, &id.linetable, 8) ||
	    !read_mem(pid, code + o.code_firstlineno, &id.firstlineno, 4))
		return std::nullopt;
	return id;
}

std::optional<PyCodeInfo> read_code(pid_t pid, const PyCodeIdentity &id, const PyOffsets &o)
{
	auto q = read_str(pid, id.qualname, o);
	auto f = read_str(pid, id.filename, o);
	auto t = read_bytes(pid, id.linetable);
	if (!q || !f)
		return std::nullopt;
	PyCodeInfo info;
	info.qualname = std::move(*q);
	info.filename = std::move(*f);
	info.firstlineno = id.firstlineno;
	info.minor = o.minor;
	if (t)
		info.linetable = std::move(*t);
	return info;
}

}  // namespace

std::optional<int> py_line_at(std::span<const uint8_t> table, int firstlineno, int addr)
{
	TableReader r{table};
	int line = firstlineno;
	int start = 0;  // byte offset of the entry's first instruction
	while (r.more()) {
		uint8_t first = r.byte();
		if (!(first & 0x80))
			return std::nullopt;  // not at an entry's start: corrupt
		int code = (first >> 3) & 15;
		int end = start + ((first & 7) + 1) * 2;
		bool has_line = true;
		switch (code) {
		case 15:  // no location
			has_line = false;
			break;
		case 14:  // long form: line delta, end-line delta, columns
			line += r.svarint();
			r.varint();
			r.varint();
			r.varint();
			break;
		case 13:  // no columns
			line += r.svarint();
			break;
		case 10:
		case 11:
		case 12:  // one-line form: delta 0..2, two column bytes
			line += code - 10;
			r.byte();
			r.byte();
			break;
		default:  // short form: same line, one column byte
			r.byte();
			break;
		}
		if (addr >= start && addr < end)
			return has_line ? std::optional<int>(line) : std::nullopt;
		start = end;
	}
	return std::nullopt;
}

std::optional<int> py310_line_at(std::span<const uint8_t> table, int firstlineno, int addr)
{
	int line = firstlineno;
	int start = 0;
	for (size_t i = 0; i + 1 < table.size(); i += 2) {
		int end = start + table[i];
		int delta = static_cast<int8_t>(table[i + 1]);
		// -128 leaves the running line as it was; an empty range
		// (byte delta 0) still moves it.
		if (delta != -128)
			line += delta;
		if (addr >= start && addr < end)
			return delta == -128 ? std::nullopt : std::optional<int>(line);
		start = end;
	}
	return std::nullopt;
}

std::optional<int> PyCodeInfo::line_at(int units) const
{
	return minor == 10 ? py310_line_at(linetable, firstlineno, units * 2)
			   : py_line_at(linetable, firstlineno, units * 2);
}

const PyOffsets *PyCodeReader::offsets(pid_t pid) const
{
	auto it = offsets_.find(pid);
	return it == offsets_.end() ? nullptr : it->second;
}

const PyCodeInfo *PyCodeReader::code(pid_t pid, uint64_t ip)
{
	const uint64_t addr = python_code_of(ip), fp = python_fingerprint_of(ip);
	auto &seen = codes_[{pid, addr}];
	for (auto it = seen.rbegin(); it != seen.rend(); ++it)
		if (xpu_py_fingerprint(it->id.qualname) == fp)
			return it->info ? &*it->info : nullptr;
	const PyOffsets *o = offsets(pid);
	if (!o)
		return nullptr;  // not cached: the interpreter may be described later
	// Not seen with this fingerprint: read what is there now, if it is the
	// object the entry names (a later one at the same address is not).
	auto id = read_identity(pid, addr, *o);
	if (!id || xpu_py_fingerprint(id->qualname) != fp)
		return nullptr;
	seen.push_back({*id, read_code(pid, *id, *o)});
	return seen.back().info ? &*seen.back().info : nullptr;
}

std::string PyCodeReader::frame(pid_t pid, uint64_t ip, bool lines)
{
	const PyCodeInfo *c = code(pid, ip);
	if (!c)
		return "[python:unknown]";
	std::string file = c->filename;
	if (auto slash = file.rfind('/'); slash != std::string::npos)
		file = file.substr(slash + 1);
	std::string out;
	if (!lines) {
		out = fmt::format("{} ({})", c->qualname, file);
		make_frame_safe(out);
		return out;
	}
	// The walker's offset is CPython's "lasti" (prev_instr or instr_ptr
	// less the first instruction; 3.10's f_lasti): the line of the
	// instruction there.
	auto line = c->line_at(static_cast<int>(python_units_of(ip)));
	out = fmt::format("{} ({}:{})", c->qualname, file, line.value_or(c->firstlineno));
	make_frame_safe(out);
	return out;
}

}  // namespace xpu
