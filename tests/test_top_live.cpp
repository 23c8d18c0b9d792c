// The pure parts of `top` and `live`: the model's rows, decay, filters and
// callers/callees; the batch snapshot and JSON window, exactly; the key
// decoder. The BPF side is exercised by tests/shell/top.sh and live.sh.
#include <catch2/catch.hpp>

#include "live/live.hpp"
#include "base/terminal.hpp"
#include "top/top_model.hpp"
#include "top/top_render.hpp"
#include "live/window_stats.hpp"

using namespace xpu;

namespace {

Profile window_a()
{
	Profile p;
	p.add_folded("app-10;main;work;hot", 6);
	p.add_folded("app-10;main;work;warm", 3);
	p.add_folded("app-10;main;read_[k];[off-cpu:S]", 10);
	p.add_folded("db-22;loop;hot", 1);
	return p;
}

const TopRow *find(const std::vector<TopRow> &rows, const std::string &name)
{
	for (const auto &r : rows)
		if (r.name == name)
			return &r;
	return nullptr;
}

}  // namespace

TEST_CASE("top: process frames split into comm and pid", "[top]")
{
	CHECK(split_process_frame("app-10") == std::pair<std::string, std::string>{"app", "10"});
	CHECK(split_process_frame("kworker/0:1-events-7") ==
	      std::pair<std::string, std::string>{"kworker/0:1-events", "7"});
	CHECK(split_process_frame("no-pid") == std::pair<std::string, std::string>{"no-pid", ""});
	CHECK(split_process_frame("trailing-") == std::pair<std::string, std::string>{"trailing-", ""});
}

TEST_CASE("top: rows of one window by every sort", "[top]")
{
	TopModel m;
	m.add_window(window_a(), {{"[libc.so.6]", 2}, {"app", 8}});
	auto sym = m.rows(TopSort::symbol, "");
	REQUIRE(sym.size() == 7);  // hot warm read [off-cpu:S] main work loop
	CHECK(sym[0].name == "[off-cpu:S]");
	CHECK(sym[0].self == 10);
	CHECK(sym[1].name == "hot");
	CHECK(sym[1].self == 7);
	CHECK(sym[1].total == 7);
	CHECK(sym[1].decayed == Approx(7.0 / 20));
	const TopRow *main = find(sym, "main");
	REQUIRE(main);
	CHECK(main->self == 0);
	CHECK(main->total == 19);

	auto tot = m.rows(TopSort::total, "");
	CHECK(tot[0].name == "main");
	CHECK(tot[0].decayed == Approx(19.0 / 20));

	auto comm = m.rows(TopSort::comm, "");
	REQUIRE(comm.size() == 2);
	CHECK(comm[0].name == "app");
	CHECK(comm[0].self == 19);
	auto pid = m.rows(TopSort::pid, "");
	CHECK(pid[0].name == "10 app");
	CHECK(pid[1].name == "22 db");
	auto dso = m.rows(TopSort::dso, "");
	REQUIRE(dso.size() == 2);
	CHECK(dso[0].name == "app");
	CHECK(dso[0].decayed == Approx(0.8));
	auto stacks = m.rows(TopSort::stack, "");
	CHECK(stacks[0].name == "app-10;main;read_[k];[off-cpu:S]");

	LayerTotals w = m.window_totals();
	CHECK(w.total == 20);
	CHECK(w.offcpu == 10);
	CHECK(w.oncpu == 10);
}

TEST_CASE("top: older windows decay, filters are substrings without case", "[top]")
{
	TopModel m(0.5);
	m.add_window(window_a(), {});
	Profile b;
	b.add_folded("app-10;main;work;warm", 20);
	m.add_window(b, {});
	auto rows = m.rows(TopSort::symbol, "");
	// warm: 3 * 0.5 + 20 = 21.5 of (20 * 0.5 + 20) = 30.
	CHECK(rows[0].name == "warm");
	CHECK(rows[0].self == 20);
	CHECK(rows[0].decayed == Approx(21.5 / 30));
	const TopRow *hot = find(rows, "hot");
	REQUIRE(hot);
	CHECK(hot->self == 0);  // nothing in the last window
	CHECK(hot->decayed == Approx(3.5 / 30));

	auto filtered = m.rows(TopSort::symbol, "WAR");
	REQUIRE(filtered.size() == 1);
	CHECK(filtered[0].name == "warm");
	CHECK(m.rows(TopSort::symbol, "nothing-like-it").empty());
	CHECK(m.session_totals().total == 40);
}

TEST_CASE("top: callers and callees over the session", "[top]")
{
	TopModel m;
	m.add_window(window_a(), {});
	TopRelations r = m.relations("hot");
	CHECK(r.self == 7);
	CHECK(r.total == 7);
	CHECK(r.session == 20);
	REQUIRE(r.callers.size() == 2);
	CHECK(r.callers[0] == std::pair<std::string, double>{"work", 6});
	CHECK(r.callers[1] == std::pair<std::string, double>{"loop", 1});
	CHECK(r.callees.empty());
	TopRelations main = m.relations("main");
	REQUIRE(main.callers.size() == 1);
	CHECK(main.callers[0].first == "app-10");  // the process frame
	REQUIRE(main.callees.size() == 2);
	CHECK(main.callees[0] == std::pair<std::string, double>{"read_[k]", 10});
	CHECK(main.callees[1] == std::pair<std::string, double>{"work", 9});
}

TEST_CASE("top: the batch snapshot, exactly", "[top]")
{
	TopModel m;
	m.add_window(window_a(), {});
	TopView v;
	TopHeader h{.freq = 99, .event = "cpu-clock", .target = "all processes", .window_s = 1.0,
		    .session_s = 3.2, .lost = 2, .offcpu = true};
	CHECK(render_top_batch(m, v, h, 3) ==
	      "xpu-perf top  99 Hz cpu-clock  all processes  sort: symbol  3 s\n"
	      "last 1.0 s: on-CPU 10 samples, off-CPU 0.10 s  |  lost 2  stacks 4\n"
	      "  Self%   Total%  Samples  Decayed  Function\n"
	      " 50.00%  50.00%       10   50.00%  [off-cpu:S]\n"
	      " 35.00%  35.00%        7   35.00%  hot\n"
	      " 15.00%  15.00%        3   15.00%  warm\n");
	v.sort = TopSort::comm;
	v.paused = true;
	v.filter = "db";
	h.offcpu = false;
	CHECK(render_top_batch(m, v, h, 3) ==
	      "xpu-perf top  99 Hz cpu-clock  all processes  sort: comm  3 s  [paused]  filter: db\n"
	      "last 1.0 s: on-CPU 10 samples  |  lost 2  stacks 4\n"
	      "  Self%   Total%  Samples  Decayed  Command\n"
	      "  5.00%   5.00%        1    5.00%  db\n");
}

TEST_CASE("top: the screen keeps the selection visible and marks it", "[top]")
{
	TopModel m;
	m.add_window(window_a(), {});
	TopView v;
	v.selected = 5;
	TopHeader h{.event = "cpu-clock", .target = "all processes"};
	std::string screen = render_top_screen(m, v, h, 8, 60);  // room for 3 rows
	CHECK(v.scroll == 3);
	CHECK(screen.find("\x1b[7m") != std::string::npos);
	CHECK(std::count(screen.begin(), screen.end(), '\n') == 7);
	v.selected = 100;  // past the end: the last row
	render_top_screen(m, v, h, 8, 60);
	CHECK(v.selected == 6);
}

TEST_CASE("terminal: keys from escape sequences", "[top]")
{
	size_t used = 0;
	CHECK(decode_key("\x1b[A", used).key == Key::up);
	CHECK(used == 3);
	CHECK(decode_key("\x1b[B", used).key == Key::down);
	CHECK(decode_key("\x1bOA", used).key == Key::up);  // application cursor mode
	CHECK(decode_key("\x1b[5~", used).key == Key::page_up);
	CHECK(used == 4);
	CHECK(decode_key("\x1b[6~", used).key == Key::page_down);
	CHECK(decode_key("\r", used).key == Key::enter);
	CHECK(decode_key("\x7f", used).key == Key::backspace);
	KeyPress q = decode_key("qx", used);
	CHECK(q.key == Key::ch);
	CHECK(q.ch == 'q');
	CHECK(used == 1);
	CHECK(decode_key("\x1b", used).key == Key::escape);
	decode_key("\x1b[1", used);  // incomplete: wait for the rest
	CHECK(used == 0);
}

TEST_CASE("live: a JSON window, exactly", "[live]")
{
	Profile p;
	p.add_folded("app;main;hot", 6);
	p.add_folded("app;main;\"q\";[off-cpu:S]", 4);
	LiveWindow w{.index = 3, .start = 100.25, .end = 101.5, .freq = 99, .lost = 1, .profile = &p};
	char *buf = nullptr;
	size_t len = 0;
	std::FILE *f = open_memstream(&buf, &len);
	write_window_json(w, 2, f);
	std::fclose(f);
	std::string got(buf, len);
	free(buf);
	CHECK(got == "{\"window\":3,\"start\":100.250,\"end\":101.500,\"freq\":99,\"total\":10,"
		     "\"oncpu\":6,\"offcpu\":4,\"gpu\":0,\"stacks\":2,\"lost\":1,\"top\":["
		     "{\"name\":\"hot\",\"self\":6,\"total\":6,\"self_pct\":60.00,\"total_pct\":60.00},"
		     "{\"name\":\"[off-cpu:S]\",\"self\":4,\"total\":4,\"self_pct\":40.00,"
		     "\"total_pct\":40.00}]}\n");
}

TEST_CASE("live: the folded window and the text tree", "[live]")
{
	Profile p;
	p.add_folded("app;main;hot", 98);
	p.add_folded("app;main;cold", 2);
	LiveWindow w{.index = 1, .start = 5, .end = 6, .freq = 99, .profile = &p};
	char *buf = nullptr;
	size_t len = 0;
	std::FILE *f = open_memstream(&buf, &len);
	write_window_folded(w, f);
	std::fclose(f);
	CHECK(std::string(buf, len) ==
	      "# xpu-perf live window=1 start=5.000 end=6.000\napp;main;cold 2\napp;main;hot 98\n");
	free(buf);
	auto lines = window_tree_lines(w, 10, 80);
	REQUIRE(lines.size() == 6);
	CHECK(lines[0] == "xpu-perf live  window 1  1.0 s  100 samples (on-CPU 100, off-CPU 0, GPU 0)  lost 0");
	CHECK(lines[2] == " 100.0%  app");
	CHECK(lines[3] == " 100.0%    main");
	CHECK(lines[4] == "  98.0%      hot");
	CHECK(lines[5] == "   2.0%      cold");
}

TEST_CASE("window stats: layers", "[live]")
{
	Profile p;
	p.add_folded("app;main;[GPU_Kernel]gemm", 5);
	p.add_folded("app;main;[off-cpu:D]", 3);
	p.add_folded("app;main", 2);
	// --wakers: the waker's stack follows the off-CPU frame; still off-CPU.
	p.add_folded("app;main;[off-cpu:S];--;try_to_wake_up_[k];writer;app", 4);
	// --net: bytes, apart from the samples.
	p.add_folded("app;main;send;[net:send]127.0.0.1:80", 1000);
	LayerTotals t = layer_totals(p);
	CHECK(t.total == 1014);
	CHECK(t.gpu == 5);
	CHECK(t.offcpu == 7);
	CHECK(t.oncpu == 2);
	CHECK(t.net == 1000);
}
