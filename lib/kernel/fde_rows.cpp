#include "kernel/fde_rows.hpp"

#include <cstring>
#include <limits>
#include <optional>
#include <vector>

namespace xpu {

namespace {

// libdw's rule kinds, for the two registers the unwinder reads.
enum RegKind : uint8_t { kUnspecified, kUndefined, kSame, kOffset, kValOffset, kRegister, kExpr, kValExpr };
enum CfaKind : uint8_t { kCfaUndefined, kCfaOffset, kCfaExpr, kCfaInvalid };

constexpr uint64_t kRbp = 6, kRsp = 7, kRa = 16;
// libdw refuses register numbers at or above INT32_MAX / sizeof(rule).
constexpr uint64_t kMaxRegister = std::numeric_limits<int32_t>::max() / 8;

// Bounded LEB128 readers: false when the number does not end within `end`
// (or runs past ten bytes), which libdw would read past: refused here.
bool uleb(const uint8_t *&p, const uint8_t *end, uint64_t &out)
{
	out = 0;
	for (int i = 0; i < 10 && p < end; i++) {
		uint8_t b = *p++;
		out |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
		if (!(b & 0x80))
			return true;
	}
	return false;
}

bool sleb(const uint8_t *&p, const uint8_t *end, uint64_t &out)
{
	out = 0;
	for (int i = 0; i < 10 && p < end; i++) {
		uint8_t b = *p++;
		out |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if ((b & 0x40) && i < 9)
				out |= ~uint64_t{0} << (7 * (i + 1));
			return true;
		}
	}
	return false;
}

// libdw keeps a rule's value in a 61-bit signed bit-field.
int64_t as_rule_value(uint64_t v) { return static_cast<int64_t>(v << 3) >> 3; }

bool fits16(int64_t v) { return v >= std::numeric_limits<int16_t>::min() && v <= std::numeric_limits<int16_t>::max(); }

template <typename T>
bool read_le(const uint8_t *&p, const uint8_t *end, T &out)
{
	if (end - p < static_cast<ptrdiff_t>(sizeof(T)))
		return false;
	std::memcpy(&out, p, sizeof(T));
	p += sizeof(T);
	return true;
}

// A DW_EH_PE-encoded pointer, absolute or pc-relative (what compilers and
// linkers write in .eh_frame); anything else is not read.
bool read_pointer(const EhFrameSection &eh, const uint8_t *&p, const uint8_t *end, uint8_t enc, uint64_t &out)
{
	uint64_t base = 0;
	switch (enc & 0xf0) {
	case 0x00: break;
	case 0x10: base = eh.vaddr + static_cast<uint64_t>(p - eh.data); break;
	default: return false;
	}
	uint64_t v = 0;
	bool ok = false;
	switch (enc & 0x0f) {
	case 0x00:
	case 0x04:
	case 0x0c: { uint64_t x = 0; ok = read_le(p, end, x); v = x; break; }
	case 0x02: { uint16_t x = 0; ok = read_le(p, end, x); v = x; break; }
	case 0x03: { uint32_t x = 0; ok = read_le(p, end, x); v = x; break; }
	case 0x0a: { int16_t x = 0; ok = read_le(p, end, x); v = static_cast<uint64_t>(int64_t{x}); break; }
	case 0x0b: { int32_t x = 0; ok = read_le(p, end, x); v = static_cast<uint64_t>(int64_t{x}); break; }
	default: return false;
	}
	out = base + v;
	return ok;
}

// The size of an encoded value an augmentation skips ('P', 'L'); 0 for
// omitted or not understood.
size_t encoded_size(uint8_t enc)
{
	if (enc == 0xff)
		return 0;
	switch (enc & 0x07) {
	case 0x00: return 8;
	case 0x02: return 2;
	case 0x03: return 4;
	case 0x04: return 8;
	default: return 0;
	}
}

// One CIE or FDE's extent: [body, limit) after the length word.
struct Entry {
	const uint8_t *id_at = nullptr;  // the CIE id / CIE pointer
	const uint8_t *limit = nullptr;
	uint32_t id = 0;
};

std::optional<Entry> entry_at(const EhFrameSection &eh, uint64_t off)
{
	if (off >= eh.size || off + 4 >= eh.size)
		return std::nullopt;
	const uint8_t *p = eh.data + off, *end = eh.data + eh.size;
	uint32_t length = 0;
	read_le(p, end, length);
	// 64-bit DWARF lengths do not occur in .eh_frame; 0 is the terminator.
	if (length == 0 || length == 0xffffffff || static_cast<uint64_t>(end - p) < length || length < 5)
		return std::nullopt;
	Entry e{p, p + length, 0};
	read_le(p, end, e.id);
	return e;
}

using State = FdeRowReader::State;
using RegRule = FdeRowReader::RegRule;
using Cie = FdeRowReader::Cie;

enum class Run { done, refused };

// Executes a CFA program. In a FDE, each advance calls `advance(new_loc)`
// with the state before it; it returns false to stop.
template <typename Advance>
Run execute(const uint8_t *p, const uint8_t *end, const Cie &cie, const State *initial, State &s,
	    uint64_t &loc, Advance &&advance)
{
	std::vector<State> stack;
	auto set_reg = [&](uint64_t reg, uint8_t kind, uint64_t value, const uint8_t *expr = nullptr,
			   uint64_t len = 0) {
		if (reg >= kMaxRegister)
			return false;
		RegRule r{kind, as_rule_value(value), expr, len};
		if (reg == kRbp)
			s.rbp = r;
		else if (reg == kRa)
			s.ra = r;
		return true;
	};
	auto daf = static_cast<uint64_t>(cie.daf);
	while (p < end) {
		uint8_t op = *p++;
		uint64_t a = 0, b = 0, delta = 0;
		bool is_advance = false, ok = true;
		switch (op >> 6) {
		case 1: delta = op & 0x3f; is_advance = true; break;
		case 2: ok = uleb(p, end, b) && set_reg(op & 0x3f, kOffset, b * daf); break;
		case 3:
			if (!initial)
				return Run::refused;  // restore in a CIE's own instructions
			if ((op & 0x3f) == kRbp)
				s.rbp = initial->rbp;
			else if ((op & 0x3f) == kRa)
				s.ra = initial->ra;
			break;
		default:
			switch (op) {
			case 0x00: break;  // nop
			case 0x02: { uint8_t x = 0; ok = read_le(p, end, x); delta = x; is_advance = true; break; }
			case 0x03: { uint16_t x = 0; ok = read_le(p, end, x); delta = x; is_advance = true; break; }
			case 0x04: { uint32_t x = 0; ok = read_le(p, end, x); delta = x; is_advance = true; break; }
			case 0x05: ok = uleb(p, end, a) && uleb(p, end, b) && set_reg(a, kOffset, b * daf); break;
			case 0x06:
				ok = uleb(p, end, a) && initial && a < kMaxRegister;
				if (ok && a == kRbp)
					s.rbp = initial->rbp;
				else if (ok && a == kRa)
					s.ra = initial->ra;
				break;
			case 0x07: ok = uleb(p, end, a) && set_reg(a, kUndefined, 0); break;
			case 0x08: ok = uleb(p, end, a) && set_reg(a, kSame, 0); break;
			case 0x09: ok = uleb(p, end, a) && uleb(p, end, b) && set_reg(a, kRegister, b); break;
			case 0x0a: stack.push_back(s); break;
			case 0x0b:
				ok = !stack.empty();
				if (ok) {
					s = stack.back();
					stack.pop_back();
				}
				break;
			case 0x0c:
			case 0x12:  // def_cfa, def_cfa_sf
				ok = uleb(p, end, a) && (op == 0x0c ? uleb(p, end, b) : sleb(p, end, b));
				s.cfa_kind = kCfaOffset;
				s.cfa_reg = a;
				s.cfa_off = op == 0x0c ? b : b * daf;
				break;
			case 0x0d:  // def_cfa_register: only on top of a register rule
				ok = uleb(p, end, a);
				if (s.cfa_kind != kCfaOffset)
					s.cfa_kind = kCfaInvalid;
				s.cfa_reg = a;
				break;
			case 0x0e:
			case 0x13:  // def_cfa_offset, def_cfa_offset_sf
				ok = op == 0x0e ? uleb(p, end, b) : sleb(p, end, b);
				if (s.cfa_kind != kCfaOffset)
					s.cfa_kind = kCfaInvalid;
				s.cfa_off = op == 0x0e ? b : b * daf;
				break;
			case 0x0f:  // def_cfa_expression
				ok = uleb(p, end, a) && a <= static_cast<uint64_t>(end - p);
				if (ok) {
					s.cfa_kind = kCfaExpr;
					s.cfa_expr = p;
					s.cfa_expr_len = a;
					p += a;
				}
				break;
			case 0x10:
			case 0x16:  // expression, val_expression
				ok = uleb(p, end, a) && uleb(p, end, b) && b <= static_cast<uint64_t>(end - p);
				if (ok) {
					ok = set_reg(a, op == 0x10 ? kExpr : kValExpr, 0, p, b);
					p += b;
				}
				break;
			case 0x11: ok = uleb(p, end, a) && sleb(p, end, b) && set_reg(a, kOffset, b * daf); break;
			case 0x14: ok = uleb(p, end, a) && uleb(p, end, b) && set_reg(a, kValOffset, b * daf); break;
			case 0x15: ok = uleb(p, end, a) && sleb(p, end, b) && set_reg(a, kValOffset, b * daf); break;
			case 0x2e: ok = uleb(p, end, a); break;  // GNU_args_size: not a rule
			case 0x2f:  // GNU_negative_offset_extended
				ok = uleb(p, end, a) && uleb(p, end, b) && set_reg(a, kOffset, (0 - b) * daf);
				break;
			default: return Run::refused;  // set_loc, GNU_window_save, unknown
			}
		}
		if (!ok)
			return Run::refused;
		if (!is_advance)
			continue;
		if (!initial)
			return Run::refused;  // libdw: no advance in a CIE
		uint64_t step = delta * cie.caf, next = loc + step;
		if ((cie.caf && step / cie.caf != delta) || next < loc)
			return Run::refused;  // a location that wraps: not followed
		if (!advance(next))
			return Run::done;
		loc = next;
	}
	return Run::done;
}

// A register's rule as the classification sees it (libdw's
// dwarf_frame_register, then "saved at CFA + n?").
struct RegView {
	bool undefined = false, same = false;
	std::optional<int64_t> saved_at;
};

RegView view(const RegRule &r)
{
	RegView v;
	switch (r.kind) {
	case kUnspecified:
	case kUndefined: v.undefined = true; break;
	case kSame: v.same = true; break;
	case kOffset: v.saved_at = r.value; break;
	case kExpr:
	case kValExpr:
		if (r.expr_len == 0) {
			v.undefined = true;  // libdw: an empty expression yields no operations
		} else if (r.kind == kExpr && r.expr[0] == 0x23) {  // DW_OP_plus_uconst on the CFA
			const uint8_t *p = r.expr + 1, *end = r.expr + r.expr_len;
			uint64_t n;
			if (uleb(p, end, n) && p == end)
				v.saved_at = static_cast<int64_t>(n);
		}
		break;
	default: break;  // val_offset, register: not a saved slot
	}
	return v;
}

// GCC's PLT CFA expression: breg7 8; breg16 0; lit15; and; litN; ge; lit3;
// shl; plus. Returns N.
std::optional<int> plt_threshold(const uint8_t *p, uint64_t len)
{
	const uint8_t *end = p + len;
	static constexpr int kShape[] = {0x77, 0x80, 0x3f, 0x1a, -1, 0x2a, 0x33, 0x24, 0x22};
	int n = -1;
	for (int want : kShape) {
		if (p >= end)
			return std::nullopt;
		uint8_t op = *p++;
		if (want == -1) {
			if (op < 0x30 || op > 0x4f)
				return std::nullopt;
			n = op - 0x30;
			continue;
		}
		if (op != want)
			return std::nullopt;
		if (op == 0x77 || op == 0x80) {
			uint64_t off;
			if (!sleb(p, end, off) || off != (op == 0x77 ? 8u : 0u))
				return std::nullopt;
		}
	}
	if (p != end)
		return std::nullopt;
	return n;
}

}  // namespace

UnwindRule classify_state(const State &s, bool signal)
{
	// A signal trampoline's caller is an interrupted context, not a call.
	if (signal)
		return UnwindRule{};
	UnwindRule r;
	if (s.cfa_kind == kCfaOffset) {
		auto off = static_cast<int64_t>(s.cfa_off);
		if (fits16(off) && (s.cfa_reg == kRsp || s.cfa_reg == kRbp)) {
			r.cfa_kind = s.cfa_reg == kRsp ? XPU_CFA_RSP : XPU_CFA_RBP;
			r.cfa_off = static_cast<int16_t>(off);
		}
	} else if (s.cfa_kind == kCfaExpr && s.cfa_expr_len) {
		if (auto n = plt_threshold(s.cfa_expr, s.cfa_expr_len)) {
			r.cfa_kind = XPU_CFA_PLT;
			r.cfa_off = static_cast<int16_t>(*n);
		}
	}
	RegView ra = view(s.ra);
	if (ra.undefined)
		return UnwindRule{.cfa_kind = XPU_CFA_STOP};
	if (r.cfa_kind == XPU_CFA_INVALID || ra.saved_at != -8)
		return UnwindRule{};
	RegView rbp = view(s.rbp);
	if (rbp.undefined) {
		r.rbp_kind = XPU_RBP_UNDEF;
	} else if (rbp.same) {
		r.rbp_kind = XPU_RBP_SAME;
	} else if (rbp.saved_at && fits16(*rbp.saved_at)) {
		r.rbp_kind = XPU_RBP_AT_CFA;
		r.rbp_off = static_cast<int16_t>(*rbp.saved_at);
	} else {
		return UnwindRule{};
	}
	return r;
}

const Cie &FdeRowReader::cie_at(uint64_t off)
{
	auto [it, fresh] = cies_.try_emplace(off);
	Cie &c = it->second;
	if (!fresh)
		return c;
	auto e = entry_at(eh_, off);
	if (!e || e->id != 0)
		return c;
	const uint8_t *p = e->id_at + 4, *end = e->limit;
	uint8_t version = *p++;
	if (version != 1 && version != 3)
		return c;
	auto *aug = static_cast<const uint8_t *>(std::memchr(p, 0, end - p));
	if (!aug)
		return c;
	const char *letters = reinterpret_cast<const char *>(p);
	p = aug + 1;
	uint64_t caf, daf, ra;
	if (p >= end || !uleb(p, end, caf) || p >= end || !sleb(p, end, daf) || p >= end)
		return c;
	if (version == 1)
		p++;
	else if (!uleb(p, end, ra))
		return c;
	c.caf = caf;
	c.daf = static_cast<int64_t>(daf);
	if (letters[0] == 'z') {
		uint64_t size;
		if (p >= end || !uleb(p, end, size) || size > static_cast<uint64_t>(end - p))
			return c;
		const uint8_t *data = p, *data_end = p + size;
		c.sized_aug = true;
		for (const char *l = letters + 1; *l; l++) {
			if (*l == 'S') {
				c.signal = true;
			} else if (*l == 'R' && data < data_end) {
				c.fde_enc = *data++;
			} else if (*l == 'L' && data < data_end) {
				data++;
			} else if (*l == 'P' && data < data_end) {
				size_t n = encoded_size(*data++);
				if (!n)
					return c;
				data += n;
			} else {
				return c;  // an augmentation we do not know
			}
		}
		if (data > data_end)
			return c;
		p = data_end;
	} else if (letters[0] != 0) {
		return c;
	}
	if ((c.fde_enc & 0x0f) == 0)
		c.fde_enc |= 0x04;  // absptr: 8 bytes
	// The ABI's initial state (libdw's x86-64 backend): rbp and the return
	// address keep their values, the CFA is not defined yet.
	State s;
	s.rbp.kind = kSame;
	s.ra.kind = kSame;
	uint64_t loc = 0;
	if (execute(p, end, c, nullptr, s, loc, [](uint64_t) { return true; }) != Run::done)
		return c;
	c.initial = s;
	c.ok = true;
	return c;
}

FdeOutcome FdeRowReader::rows(uint64_t fde_vaddr, uint64_t from, uint64_t limit, const Emit &emit)
{
	last_start_ = last_end_ = 0;
	const UnwindRule none{.cfa_kind = XPU_CFA_NONE};
	auto no_fde = [&] {
		emit(from, none);
		return FdeOutcome::no_fde;
	};
	if (fde_vaddr < eh_.vaddr)
		return no_fde();
	uint64_t off = fde_vaddr - eh_.vaddr;
	auto e = entry_at(eh_, off);
	if (!e || e->id == 0)
		return no_fde();
	uint64_t pos = off + 4;
	if (e->id > pos || pos <= 4)
		return no_fde();
	const Cie &cie = cie_at(pos - e->id);
	if (!cie.ok)
		return no_fde();
	const uint8_t *p = e->id_at + 4, *end = e->limit;
	uint64_t start, range;
	if (!read_pointer(eh_, p, end, cie.fde_enc, start) ||
	    !read_pointer(eh_, p, end, cie.fde_enc & 0x0f, range))
		return no_fde();
	uint64_t fde_end = start + range;
	if (start >= fde_end)
		return no_fde();
	last_start_ = start;
	last_end_ = fde_end;
	if (cie.sized_aug) {
		uint64_t len;
		if (p >= end || !uleb(p, end, len) || len > static_cast<uint64_t>(end - p))
			return no_fde();
		p += len;
	}
	// libdw finds this FDE for `from` only if it covers it.
	if (from < start || from >= fde_end)
		return no_fde();

	// The walk libdw's row-by-row answers add up to: the rule at `pc` is the
	// state before the first advance past it; the next row starts there.
	uint64_t pc = from;
	bool finished = false;
	State s = cie.initial;
	uint64_t loc = start;
	auto advance = [&](uint64_t next) {
		if (next <= pc)
			return true;
		emit(pc, classify_state(s, cie.signal));
		pc = next;
		if (pc >= limit) {
			finished = true;
			return false;
		}
		if (pc >= fde_end) {
			emit(pc, none);
			finished = true;
			return false;
		}
		return true;
	};
	Run run = execute(p, end, cie, &cie.initial, s, loc, advance);
	if (finished)
		return FdeOutcome::rows;
	if (run == Run::refused) {
		emit(pc, UnwindRule{});
		if (fde_end < limit)
			emit(fde_end, none);
		return FdeOutcome::refused;
	}
	emit(pc, classify_state(s, cie.signal));
	if (fde_end < limit)
		emit(fde_end, none);
	return FdeOutcome::rows;
}

}  // namespace xpu
