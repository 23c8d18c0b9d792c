#include "output/writer_table.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>

#include <fmt/format.h>

namespace xpu {

namespace {

std::string plural(size_t n, std::string_view word)
{
	return fmt::format("{} {}{}", n, word, n == 1 ? "" : word.ends_with('s') ? "es" : "s");
}

double pct(double part, double whole) { return whole > 0 ? 100 * part / whole : 0.0; }

std::string share(double part, double whole) { return fmt::format("{:.2f}%", pct(part, whole)); }

// What one row is, for the header ("10 functions") and the column title.
struct GroupWords {
	const char *noun;
	const char *column;
};

GroupWords words(GroupBy g)
{
	switch (g) {
	case GroupBy::symbol:
		return {"function", "Function"};
	case GroupBy::dso:
		return {"dso", "DSO"};
	case GroupBy::comm:
		return {"command", "Command"};
	case GroupBy::pid:
		return {"process", "Process"};
	case GroupBy::layer:
		return {"layer", "Layer"};
	}
	return {"function", "Function"};
}

std::string human(const StackTree &tree, const TableOptions &opts,
		  const std::vector<FunctionStats> &rows, size_t shown, size_t limited)
{
	const char *key = opts.sort == TableSort::self ? "self" : "total";
	GroupWords gw = words(opts.group);
	std::string out;
	auto it = std::back_inserter(out);
	fmt::format_to(it, "# {} {} in {}, {}; ", format_weight(tree.total()), opts.unit,
		       plural(tree.stacks(), "stack"), plural(rows.size(), gw.noun));
	if (shown < rows.size())
		fmt::format_to(it, "top {} by {}", shown, key);
	else
		fmt::format_to(it, "sorted by {}", key);
	if (limited > 0)
		fmt::format_to(it, " ({} under {}%)", limited, format_weight(opts.percent_limit));
	out += "\n#\n";

	size_t w = 5;  // "Total"
	for (size_t i = 0; i < shown; ++i)
		w = std::max({w, format_weight(rows[i].self).size(),
			      format_weight(rows[i].total).size()});
	fmt::format_to(it, "#{:>8}{:>9}  {:>{}}  {:>{}}  {}\n", "Self%", "Total%", "Self", w,
		       "Total", w, gw.column);
	for (size_t i = 0; i < shown; ++i) {
		const auto &r = rows[i];
		fmt::format_to(it, "{:>9}{:>9}  {:>{}}  {:>{}}  {}\n", share(r.self, tree.total()),
			       share(r.total, tree.total()), format_weight(r.self), w,
			       format_weight(r.total), w, r.name);
	}
	return out;
}

std::string csv(const StackTree &tree, const std::vector<FunctionStats> &rows, size_t shown)
{
	std::string out = "name,self,self_percent,total,total_percent\n";
	auto it = std::back_inserter(out);
	for (size_t i = 0; i < shown; ++i) {
		const auto &r = rows[i];
		fmt::format_to(it, "{},{},{:.4f},{},{:.4f}\n", csv_field(r.name),
			       exact_number(r.self), pct(r.self, tree.total()),
			       exact_number(r.total), pct(r.total, tree.total()));
	}
	return out;
}

std::string json(const StackTree &tree, const TableOptions &opts,
		 const std::vector<FunctionStats> &rows, size_t shown)
{
	std::string out;
	auto it = std::back_inserter(out);
	fmt::format_to(it,
		       "{{\"unit\":{},\"total\":{},\"stacks\":{},\"group\":\"{}\",\"sort\":\"{}\","
		       "\"rows\":[",
		       json_string(opts.unit), exact_number(tree.total()), tree.stacks(),
		       to_string(opts.group), opts.sort == TableSort::self ? "self" : "total");
	for (size_t i = 0; i < shown; ++i) {
		const auto &r = rows[i];
		fmt::format_to(it,
			       "{}\n{{\"name\":{},\"self\":{},\"self_percent\":{:.4f},"
			       "\"total\":{},\"total_percent\":{:.4f}}}",
			       i ? "," : "", json_string(r.name), exact_number(r.self),
			       pct(r.self, tree.total()), exact_number(r.total),
			       pct(r.total, tree.total()));
	}
	out += "]}\n";
	return out;
}

}  // namespace

void sort_rows(std::vector<FunctionStats> &rows, TableSort by)
{
	std::sort(rows.begin(), rows.end(), [by](const FunctionStats &a, const FunctionStats &b) {
		double ka = by == TableSort::self ? a.self : a.total;
		double kb = by == TableSort::self ? b.self : b.total;
		if (ka != kb)
			return ka > kb;
		double ta = by == TableSort::self ? a.total : a.self;
		double tb = by == TableSort::self ? b.total : b.self;
		if (ta != tb)
			return ta > tb;
		return a.name < b.name;
	});
}

std::string format_table(const StackTree &tree, const TableOptions &opts)
{
	std::vector<FunctionStats> rows = group_stats(tree, opts.group);
	sort_rows(rows, opts.sort);
	// Rows are sorted by the key, so the ones under the limit are a tail.
	size_t kept = rows.size();
	if (opts.percent_limit > 0)
		while (kept > 0) {
			const auto &r = rows[kept - 1];
			double k = opts.sort == TableSort::self ? r.self : r.total;
			if (pct(k, tree.total()) >= opts.percent_limit)
				break;
			--kept;
		}
	size_t limited = rows.size() - kept;
	size_t shown = opts.top == 0 ? kept : std::min(opts.top, kept);
	switch (opts.format) {
	case TableFormat::csv:
		return csv(tree, rows, shown);
	case TableFormat::json:
		return json(tree, opts, rows, shown);
	case TableFormat::human:
		break;
	}
	return human(tree, opts, rows, shown, limited);
}

std::string csv_field(std::string_view s)
{
	if (s.find_first_of(",\"\r\n") == std::string_view::npos)
		return std::string(s);
	std::string out = "\"";
	for (char c : s) {
		if (c == '"')
			out += '"';
		out += c;
	}
	out += '"';
	return out;
}

// The length of the valid UTF-8 sequence at s[i], or 0.
static size_t utf8_len(std::string_view s, size_t i)
{
	auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
	unsigned char c = b(i);
	size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
	if (n == 0 || i + n > s.size())
		return 0;
	for (size_t k = 1; k < n; ++k)
		if ((b(i + k) & 0xc0) != 0x80)
			return 0;
	if (n == 2 && c < 0xc2)
		return 0;  // overlong
	if (n == 3) {
		uint32_t cp = (c & 0x0fu) << 12 | (b(i + 1) & 0x3fu) << 6 | (b(i + 2) & 0x3fu);
		if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	}
	if (n == 4) {
		uint32_t cp = (c & 0x07u) << 18 | (b(i + 1) & 0x3fu) << 12 |
			      (b(i + 2) & 0x3fu) << 6 | (b(i + 3) & 0x3fu);
		if (cp < 0x10000 || cp > 0x10ffff)
			return 0;
	}
	return n;
}

std::string valid_utf8(std::string_view s)
{
	std::string out;
	out.reserve(s.size());
	for (size_t i = 0; i < s.size();) {
		size_t n = utf8_len(s, i);
		if (n == 0) {
			out += "\xef\xbf\xbd";
			++i;
		} else {
			out.append(s.substr(i, n));
			i += n;
		}
	}
	return out;
}

std::string json_string(std::string_view raw)
{
	std::string fixed;
	std::string_view s = raw;
	for (size_t i = 0; i < raw.size(); ++i)
		if (static_cast<unsigned char>(raw[i]) >= 0x80) {
			fixed = valid_utf8(raw);
			s = fixed;
			break;
		}
	std::string out = "\"";
	for (unsigned char c : s) {
		switch (c) {
		case '"':
			out += "\\\"";
			break;
		case '\\':
			out += "\\\\";
			break;
		case '\n':
			out += "\\n";
			break;
		case '\t':
			out += "\\t";
			break;
		case '\r':
			out += "\\r";
			break;
		default:
			if (c < 0x20)
				out += fmt::format("\\u{:04x}", c);
			else
				out += static_cast<char>(c);
		}
	}
	out += '"';
	return out;
}

std::string exact_number(double v)
{
	if (!std::isfinite(v))
		return fmt::format("{}", v);
	if (std::nearbyint(v) == v)
		return fmt::format("{:.0f}", v);  // every digit, however large: no exponent
	std::string s = fmt::format("{}", v);
	if (s.find('e') == std::string::npos)
		return s;
	// Folded weights (flamegraph.pl's \d+(\.\d*)?) have no exponent: the
	// same value in fixed notation, enough digits to read back the same.
	s = fmt::format("{:.{}f}", v, 17 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
	while (s.back() == '0')
		s.pop_back();
	if (s.back() == '.')
		s.pop_back();
	return s;
}

}  // namespace xpu
