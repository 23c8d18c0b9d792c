// The location-table decoders against CPython's own reading of the same
// table. 3.11+ (py_line_at): each interpreter present compiles a snippet
// whose lines exercise the table's forms (short and one-line forms, long
// forms for a jump of 100+ lines and a line going backwards, entries with
// no line in exception cleanup) and prints co_firstlineno, co_linetable and
// the line co_positions() gives each code unit; every unit's line must be
// the decoder's. 3.10 (py310_line_at): the same idea with co_lines(), on a
// snippet whose table has split entries (a 200-line jump, 400 bytes of code
// on one line), an empty range, lines going back and an entry with no line.
// An absent interpreter is a skip, by name.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "helpers.hpp"
#include "python/python_code.hpp"

using namespace xpu;
using namespace xpu::test;

namespace {

const char *kDump = R"(
import sys
src = "def f(a, b):\n"              \
      "    x = (a +\n"                \
      "         b)\n"                 \
      "    for i in range(3):\n"      \
      "        x += i\n"              \
      "    try:\n"                    \
      "        y = 1 / x\n"           \
      "    except ZeroDivisionError:\n" \
      "        y = 0\n"               \
      + "\n" * 120 +                    \
      "    z = [v * 2\n"              \
      "         for v in\n"           \
      "         range(x)]\n"          \
      "    return (y,\n"              \
      "            z)\n"
ns = {}
exec(compile(src, "snippet.py", "exec"), ns)
code = ns["f"].__code__
print(code.co_firstlineno)
print(code.co_linetable.hex())
print(" ".join("-" if p[0] is None else str(p[0]) for p in code.co_positions()))
)";

// Runs `script` under `python` (it prints co_firstlineno, the line table in
// hex, then each code unit's line or "-"), and checks `line_at` against
// CPython's answer for every code unit and past the end.
struct Compared {
	int lined = 0, unlined = 0, high = 0;
	std::vector<uint8_t> table;  // as CPython gave it
	int firstlineno = 0;
};
template <class LineAt>
Compared compare_with_cpython(const std::string &python, const char *script, size_t min_table,
			      LineAt line_at)
{
	Compared c;
	auto r = run({python, "-c", script});
	INFO(python << ": " << r.err);
	REQUIRE(r.exit_code == 0);
	std::istringstream in(r.out);
	int firstlineno = 0;
	std::string hex, word;
	in >> firstlineno >> hex;
	std::vector<uint8_t> table;
	for (size_t i = 0; i + 1 < hex.size(); i += 2)
		table.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
	REQUIRE(table.size() > min_table);
	int unit = 0;
	while (in >> word) {
		auto got = line_at(table, firstlineno, unit * 2);
		INFO("code unit " << unit << ", CPython says line " << word);
		if (word == "-") {
			CHECK_FALSE(got.has_value());
			c.unlined++;
		} else {
			REQUIRE(got.has_value());
			CHECK(*got == std::stoi(word));
			c.lined++;
			c.high = std::max(c.high, *got);
		}
		unit++;
	}
	// Past the table's end there is no line.
	CHECK_FALSE(line_at(table, firstlineno, (unit + 10) * 2).has_value());
	c.table = std::move(table);
	c.firstlineno = firstlineno;
	return c;
}

void check_decoder_with(const std::string &python)
{
	// 3.11 gives every unit a line; 3.12+ leaves cleanup code without.
	Compared c = compare_with_cpython(python, kDump, 20, [](auto &t, int first, int offset) {
		return py_line_at(t, first, offset);
	});
	CHECK(c.lined > 30);
	CHECK(c.high >= 130);  // the long form after the 120 blank lines was read
}

}  // namespace

TEST_CASE("python location table: lines as CPython 3.11 reads them", "[python]")
{
	const std::string py = "/usr/bin/python3.11";
	if (access(py.c_str(), X_OK) != 0)
		XPU_SKIP(py << " absent");
	check_decoder_with(py);
}

TEST_CASE("python location table: lines as CPython 3.12 reads them", "[python]")
{
	const std::string py = "/root/.pyenv/versions/3.12.1/bin/python3.12";
	if (access(py.c_str(), X_OK) != 0)
		XPU_SKIP(py << " absent");
	check_decoder_with(py);
}

TEST_CASE("python location table: lines as CPython 3.13 reads them", "[python]")
{
	const std::string py = "/root/.pyenv/versions/3.13.0/bin/python3.13";
	if (access(py.c_str(), X_OK) != 0)
		XPU_SKIP(py << " absent");
	check_decoder_with(py);
}

namespace {

// 3.10 has no co_positions(): co_lines() gives (start, end, line) ranges in
// bytes, line None where there is none; printed per code unit.
const char *kDump310 = R"(
src = ("def f(a, b):\n"
       "    x = (a +\n"
       "         b)\n"
       "    for i in range(3):\n"
       "        x += i\n"
       "    try:\n"
       "        y = 1 / x\n"
       "    except ZeroDivisionError:\n"
       "        y = 0\n"
       "    finally:\n"
       "        x -= 1\n"
       "    w = [" + ", ".join(["a"] * 200) + "]\n"
       + "\n" * 200 +
       "    z = [v * 2\n"
       "         for v in\n"
       "         range(x)]\n"
       "    while x:\n"
       "        x -= 1\n"
       "        if x == 5:\n"
       "            break\n"
       "    return (y,\n"
       "            z)\n")
ns = {}
exec(compile(src, "snippet.py", "exec"), ns)
code = ns["f"].__code__
units = [None] * (len(code.co_code) // 2)
for start, end, line in code.co_lines():
    for u in range(start // 2, end // 2):
        units[u] = line
print(code.co_firstlineno)
print(code.co_linetable.hex())
print(" ".join("-" if l is None else str(l) for l in units))
)";

}  // namespace

TEST_CASE("python line table: lines as CPython 3.10 reads them", "[python]")
{
	const std::string py = "/root/.pyenv/versions/3.10.13/bin/python3.10";
	if (access(py.c_str(), X_OK) != 0)
		XPU_SKIP(py << " absent");
	Compared c = compare_with_cpython(py, kDump310, 40, [](auto &t, int first, int offset) {
		return py310_line_at(t, first, offset);
	});
	CHECK(c.lined > 250);   // the 200-element line's code is past 254 bytes
	CHECK(c.unlined >= 1);  // the finally block's cleanup has no line
	CHECK(c.high >= 220);   // the entries after the 200 blank lines were read
	// PyCodeInfo picks the format by the interpreter's minor.
	PyCodeInfo info;
	info.linetable = c.table;
	info.firstlineno = c.firstlineno;
	info.minor = 10;
	CHECK(info.line_at(0) == py310_line_at(c.table, c.firstlineno, 0));
	CHECK(info.line_at(0) == 2);
}
