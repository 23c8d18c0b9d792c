// live --http without sockets: the listen address and security policy, the
// controls as the endpoints parse them, the views and the event the stream
// sends, on a fixture with every layer (GPU frames as issue 4 writes them).
#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "live/http_options.hpp"
#include "live/http_state.hpp"
#include "live/http_view.hpp"

using namespace xpu;

namespace {

std::shared_ptr<const Profile> fixture_profile()
{
	auto p = std::make_shared<Profile>();
	auto text = test::read_file(test::build_dir() + "/../tests/fixtures/http/window.folded");
	for (const auto &[stack, w] : test::parse_folded(text))
		p->add_folded(stack, w);
	return p;
}

LiveSnapshot fixture_snapshot(uint64_t index = 1)
{
	LiveSnapshot s;
	s.index = index;
	s.start = 100;
	s.end = 101;
	s.window = fixture_profile();
	s.session = s.window;
	s.split = layer_totals(*s.window);
	s.health = {.freq = 99, .lost = 1, .lost_total = 3, .with_user = 16, .rooted = 12, .truncated = 2};
	return s;
}

using Params = std::vector<std::pair<std::string, std::string>>;

}  // namespace

TEST_CASE("http options: [ADDR:]PORT", "[http]")
{
	auto o = parse_http_listen("8080");
	REQUIRE(o);
	CHECK(o->host == "127.0.0.1");
	CHECK(o->port == 8080);
	o = parse_http_listen("0.0.0.0:0");
	REQUIRE(o);
	CHECK(o->host == "0.0.0.0");
	CHECK(o->port == 0);
	o = parse_http_listen("[::1]:9000");
	REQUIRE(o);
	CHECK(o->host == "::1");
	CHECK(o->port == 9000);
	for (const char *bad : {"", "x", "80x", "65536", "-1", ":80", "::1:80", "[::1]80", "[]:80",
				"host:"}) {
		INFO(bad);
		auto r = parse_http_listen(bad);
		REQUIRE_FALSE(r);
		CHECK(r.error().exit == ExitCode::usage);
	}
}

TEST_CASE("http options: beyond the loopback needs a token or --insecure", "[http]")
{
	HttpOptions o;
	CHECK(check_http_options(o));
	o.host = "0.0.0.0";
	auto r = check_http_options(o);
	REQUIRE_FALSE(r);
	CHECK(r.error().msg.find("--http-token") != std::string::npos);
	o.insecure = true;
	CHECK(check_http_options(o));
	o.insecure = false;
	o.token = "short";
	CHECK_FALSE(check_http_options(o));
	o.token = "long-enough-token";
	CHECK(check_http_options(o));
	CHECK(is_loopback_host("127.0.0.1"));
	CHECK(is_loopback_host("localhost"));
	CHECK(is_loopback_host("::1"));
	CHECK_FALSE(is_loopback_host("10.0.0.1"));
	CHECK(is_loopback_peer("::ffff:127.0.0.1"));
	CHECK_FALSE(is_loopback_peer("::ffff:10.1.2.3"));
	CHECK(token_matches("secret-token", "secret-token"));
	CHECK_FALSE(token_matches("secret-tokem", "secret-token"));
	CHECK_FALSE(token_matches("secret", "secret-token"));
	CHECK_FALSE(token_matches("", ""));  // no token configured: nothing matches
}

TEST_CASE("http controls: parameters, bad values change nothing", "[http]")
{
	LiveControls c;
	REQUIRE(apply_control_params(c, {{"interval", "0.25"}, {"view", "session"},
					 {"comm", "app,tool"}, {"pid", "100"}, {"regex", "sp.n"},
					 {"layers", "cpu,gpu"}}));
	CHECK(c.interval == std::chrono::milliseconds(250));
	CHECK(c.view == LiveView::session);
	CHECK(c.filter.comms == std::vector<std::string>{"app", "tool"});
	CHECK(c.filter.pids == std::vector<std::string>{"100"});
	CHECK(c.filter.grep == "sp.n");
	CHECK(c.filter.layers == std::vector<std::string>{"cpu", "gpu"});
	CHECK(controls_json(c) ==
	      R"({"paused":false,"interval":0.25,"view":"session","filter":{"comm":["app","tool"],)"
	      R"("pid":["100"],"regex":"sp.n","layers":["cpu","gpu"]}})");

	const std::pair<Params, std::string> bad[] = {
		{{{"interval", "0.01"}}, "interval: '0.01' is not a number of seconds from 0.05 to 3600"},
		{{{"interval", "1s"}}, "interval: '1s' is not a number of seconds from 0.05 to 3600"},
		{{{"view", "all"}}, "view: 'all' is not current or session"},
		{{{"pid", "12a"}}, "pid: '12a' is not a process id"},
		{{{"regex", "("}}, "regex: '(' is not a valid regular expression"},
		{{{"layers", "cpu,disk"}}, "layers: 'disk' is not cpu, offcpu, gpu or net"},
		{{{"colour", "red"}}, "unknown parameter 'colour'"},
		// All or nothing: the good one before the bad one is not applied.
		{{{"view", "current"}, {"view", "nope"}}, "view: 'nope'"},
	};
	for (const auto &[p, msg] : bad) {
		INFO(msg);
		LiveControls before = c;
		auto r = apply_control_params(c, p);
		REQUIRE_FALSE(r);
		CHECK(r.error().msg.starts_with(msg));
		CHECK(controls_json(c) == controls_json(before));
	}
	// An empty value clears a filter.
	REQUIRE(apply_control_params(c, {{"regex", ""}, {"layers", ""}, {"comm", ""}, {"pid", ""}}));
	CHECK_FALSE(c.filter.any());
}

TEST_CASE("http views: filters, flame JSON exactly, GPU in the split", "[http]")
{
	LiveSnapshot s = fixture_snapshot();
	CHECK(s.split.total == 16);
	CHECK(s.split.oncpu == 10);
	CHECK(s.split.offcpu == 2);
	CHECK(s.split.gpu == 4);

	LiveControls c;
	REQUIRE(apply_control_params(c, {{"comm", "tool"}}));
	auto t = view_tree(s, c);
	REQUIRE(t);
	CHECK(flame_json(*t, 100, 0, nullptr) ==
	      R"({"n":"all","v":4,"c":[{"n":"tool-200","v":4,"c":[{"n":"main","v":4,"c":[)"
	      R"({"n":"spin","v":4}]}]}]})");

	REQUIRE(apply_control_params(c, {{"comm", ""}, {"layers", "gpu"}}));
	t = view_tree(s, c);
	REQUIRE(t);
	CHECK(t->total() == 4);
	REQUIRE(apply_control_params(c, {{"layers", ""}, {"regex", "^wait$"}}));
	t = view_tree(s, c);
	REQUIRE(t);
	CHECK(t->total() == 2);
	REQUIRE(apply_control_params(c, {{"regex", ""}, {"pid", "200"}}));
	t = view_tree(s, c);
	REQUIRE(t);
	CHECK(t->total() == 4);

	// Small frames and those past the node budget are left out, counted.
	REQUIRE(apply_control_params(c, {{"pid", ""}}));
	t = view_tree(s, c);
	REQUIRE(t);
	size_t elided = 0;
	std::string small = flame_json(*t, 100, 0.2, &elided);  // under 3.2 of 16 goes
	CHECK(small == R"({"n":"all","v":16,"c":[{"n":"app-100","v":12,"c":[{"n":"main","v":12,)"
		       R"("c":[{"n":"compute","v":9,"c":[{"n":"spin","v":6}]}]}]},)"
		       R"({"n":"tool-200","v":4,"c":[{"n":"main","v":4,"c":[{"n":"spin","v":4}]}]}]})");
	CHECK(elided == 3);  // matmul, copy, wait
	flame_json(*t, 3, 0, &elided);
	CHECK(elided == 4);  // all, app-100 and main fit; compute, copy, wait and tool-200 do not
}

TEST_CASE("http views: the network layer, shown alone and counted apart in bytes", "[http]")
{
	LiveSnapshot s = fixture_snapshot();
	auto p = std::make_shared<Profile>(*s.window);
	p->add_folded("app-100;main;send_batch;[net:send]127.0.0.1:5432", 3000);
	p->add_folded("app-100;main;read_reply;[net:recv]127.0.0.1:5432", 500);
	s.window = s.session = p;
	s.split = layer_totals(*p);
	CHECK(s.split.net == 3500);
	CHECK(s.split.oncpu == 10);  // time stays time

	LiveControls c;
	REQUIRE(apply_control_params(c, {{"layers", "net"}}));
	auto t = view_tree(s, c);
	REQUIRE(t);
	CHECK(t->total() == 3500);
	REQUIRE(apply_control_params(c, {{"layers", "cpu"}}));
	t = view_tree(s, c);
	REQUIRE(t);
	CHECK(t->total() == 10);
	CHECK(window_event_json(s, c, *t, 101).find(R"("gpu":4,"net":3500},)") != std::string::npos);
}

TEST_CASE("http views: the window event", "[http]")
{
	LiveSnapshot s = fixture_snapshot(7);
	LiveControls c;
	auto t = view_tree(s, c);
	REQUIRE(t);
	std::string ev = window_event_json(s, c, *t, 101.5);
	CHECK(ev.find('\n') == std::string::npos);  // one SSE data line
	CHECK(ev.starts_with(
		R"({"window":7,"start":100.000,"end":101.000,"published":101.500,"controls":{"paused":false,)"
		R"("interval":1,"view":"current","filter":{"comm":[],"pid":[],"regex":"","layers":[]}},)"
		R"("freq":99,"lost":1,"lost_total":3,"quality":{"with_user":16.0,"rooted":12.0,"truncated":2.0},)"
		R"("split":{"total":16,"oncpu":10,"offcpu":2,"gpu":4,"net":0},"top":[{"name":"spin","self":10,"total":10},)"
		R"({"name":"[GPU_Kernel]gemm","self":3,"total":3},{"name":"[off-cpu:S]","self":2,"total":2},)"
		R"({"name":"[GPU_Memcpy]HtoD","self":1,"total":1}],"shown":{"total":16,"stacks":5,"elided":0},)"
		R"("flame":{"n":"all","v":16,"c":[{"n":"app-100")"));
	CHECK(ev.ends_with("}}"));
}

TEST_CASE("http views: downloads in report's formats", "[http]")
{
	LiveSnapshot s = fixture_snapshot();
	LiveControls c;
	auto t = view_tree(s, c);
	REQUIRE(t);
	auto folded = export_view(*t, "folded", 99, "t");
	REQUIRE(folded);
	CHECK(folded->content_type == "text/plain; charset=utf-8");
	CHECK(folded->body == "app-100;main;compute;matmul;cudaLaunchKernel;[GPU_Kernel]gemm 3\n"
			      "app-100;main;compute;spin 6\n"
			      "app-100;main;copy;cudaMemcpy;[GPU_Memcpy]HtoD 1\n"
			      "app-100;main;wait;read;[off-cpu:S] 2\n"
			      "tool-200;main;spin 4\n");
	auto svg = export_view(*t, "svg", 99, "live window 1");
	REQUIRE(svg);
	CHECK(svg->content_type == "image/svg+xml");
	CHECK(svg->body.starts_with("<?xml"));
	CHECK(svg->body.find("live window 1") != std::string::npos);
	auto pprof = export_view(*t, "pprof", 99, "");
	REQUIRE(pprof);
	CHECK(pprof->filename == "xpu-perf.pb.gz");
	REQUIRE(pprof->body.size() > 2);
	CHECK(static_cast<unsigned char>(pprof->body[0]) == 0x1f);  // gzip
	CHECK(static_cast<unsigned char>(pprof->body[1]) == 0x8b);
	auto bad = export_view(*t, "png", 99, "");
	REQUIRE_FALSE(bad);
	CHECK(bad.error().msg == "format: 'png' is not folded, svg or pprof");
}

TEST_CASE("http state: pause keeps the shown window, resume shows the newest", "[http]")
{
	LiveState st(LiveControls{});
	CHECK_FALSE(st.next_event(0, std::chrono::milliseconds(0)));
	st.publish(fixture_snapshot(1));
	auto e1 = st.next_event(0, std::chrono::milliseconds(0));
	REQUIRE(e1);
	CHECK(e1->name == "window");
	CHECK(e1->data->starts_with(R"({"window":1,)"));
	st.set_paused(true);
	auto e2 = st.next_event(e1->seq, std::chrono::milliseconds(0));
	REQUIRE(e2);  // the same window, now saying paused
	CHECK(e2->data->find(R"("paused":true)") != std::string::npos);
	st.publish(fixture_snapshot(2));
	st.publish(fixture_snapshot(3));
	CHECK_FALSE(st.next_event(e2->seq, std::chrono::milliseconds(10)));
	CHECK(st.shown()->index == 1);
	CHECK(st.state_json().find(R"("window":1,"latest":3,)") != std::string::npos);
	st.set_paused(false);
	auto e3 = st.next_event(e2->seq, std::chrono::milliseconds(0));
	REQUIRE(e3);
	CHECK(e3->data->starts_with(R"({"window":3,)"));
	// A control change re-renders the shown window at once.
	REQUIRE(st.set_controls({{"layers", "gpu"}}));
	auto e4 = st.next_event(e3->seq, std::chrono::milliseconds(0));
	REQUIRE(e4);
	CHECK(e4->data->find(R"("shown":{"total":4,)") != std::string::npos);
	CHECK_FALSE(st.set_controls({{"layers", "disk"}}));
	CHECK_FALSE(st.next_event(e4->seq, std::chrono::milliseconds(0)));
	// The end wakes a waiting stream and nothing follows it.
	st.finish("target exited");
	auto end = st.next_event(e4->seq, std::chrono::milliseconds(1000));
	REQUIRE(end);
	CHECK(end->name == "end");
	CHECK(*end->data == R"({"reason":"target exited"})");
	st.publish(fixture_snapshot(4));
	CHECK(st.next_event(end->seq, std::chrono::milliseconds(0)) == std::nullopt);
	CHECK_FALSE(st.open_stream(10));
}
