// tune's actions made for real on this machine and undone: each value is
// checked before, during and after, and a guard puts the original back
// even when a check fails. The privileged cases are tagged [bpf] (the
// project's "needs root" tag, run by tests/run.sh only as root); the
// journal and the refusals need no privilege.
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <fstream>
#include <functional>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "tune/tune_actions.hpp"
#include "tune/tune_facts.hpp"
#include "tune/tune_journal.hpp"

using namespace xpu;
using namespace xpu::tune;

namespace {

std::string first_line(const std::string &path) { return read_line(path); }

void write_file(const std::string &path, const std::string &v)
{
	std::ofstream f(path);
	f << v;
}

// Runs `restore` when the test leaves the scope, passed or failed.
struct Guard {
	std::function<void()> restore;
	~Guard() { restore(); }
};

Action action(const std::string &rule_text)
{
	auto r = parse_rule("oncpu >= 0 => " + rule_text);
	REQUIRE(r);
	return r->action;
}

// A child to change: `sleep`, reaped at the end.
struct Child {
	pid_t pid = xpu::test::spawn({"/bin/sleep", "30"});
	~Child()
	{
		kill(pid, SIGKILL);
		xpu::test::reap(pid);
	}
};

int ioprio_of(pid_t tid) { return static_cast<int>(syscall(SYS_ioprio_get, 1, tid)); }

std::string affinity_text(pid_t tid)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	REQUIRE(sched_getaffinity(tid, sizeof(set), &set) == 0);
	std::vector<int> cpus;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpus.push_back(c);
	return cpu_list_text(cpus);
}

}  // namespace

TEST_CASE("tune actions: sysctl applied and reverted for real", "[tune][bpf]")
{
	REQUIRE(geteuid() == 0);
	const std::string path = "/proc/sys/vm/dirty_background_ratio";
	const std::string before = first_line(path);
	Guard g{[&] { write_file(path, before); }};
	std::string want = before == "7" ? "8" : "7";
	Plan p = plan_action(action("set sysctl vm.dirty_background_ratio=" + want), {}, true);
	REQUIRE(p.refused.empty());
	REQUIRE(p.changes.size() == 1);
	CHECK(p.changes[0].old_value == before);
	CHECK(describe(p.changes[0]) == "vm.dirty_background_ratio: " + before + " -> " + want);
	REQUIRE(apply_change(p.changes[0]));
	CHECK(first_line(path) == want);
	// Planned again now: nothing to change.
	Plan again = plan_action(action("set sysctl vm.dirty_background_ratio=" + want), {}, true);
	CHECK(again.changes.empty());
	CHECK(again.unchanged == "already " + want);
	auto r = revert_change(p.changes[0]);
	REQUIRE(r);
	CHECK(*r == "restored vm.dirty_background_ratio: " + want + " -> " + before);
	CHECK(first_line(path) == before);
}

TEST_CASE("tune actions: THP mode applied and reverted for real", "[tune][bpf]")
{
	REQUIRE(geteuid() == 0);
	const std::string before = bracketed_choice(first_line(kThpPath));
	if (before.empty()) {
		XPU_SKIP("no transparent huge pages on this kernel");
	}
	Guard g{[&] { write_file(kThpPath, before); }};
	std::string want = before == "never" ? "madvise" : "never";
	Plan p = plan_action(action("set thp " + want), {}, true);
	REQUIRE(p.changes.size() == 1);
	CHECK(p.changes[0].old_value == before);
	REQUIRE(apply_change(p.changes[0]));
	CHECK(bracketed_choice(first_line(kThpPath)) == want);
	REQUIRE(revert_change(p.changes[0]));
	CHECK(bracketed_choice(first_line(kThpPath)) == before);
}

TEST_CASE("tune actions: nice, I/O priority and affinity of a child, for real", "[tune][bpf]")
{
	REQUIRE(geteuid() == 0);
	Child child;
	ActionTarget t{{child.pid}, ""};
	usleep(20000);  // let it exec: the start time is the exec'd child's

	SECTION("nice") {
		int before = getpriority(PRIO_PROCESS, static_cast<id_t>(child.pid));
		// Another value than the one inherited (`nice make test` gives 10).
		int want = before == 7 ? 8 : 7;
		Plan p = plan_action(action("set nice " + std::to_string(want)), t, true);
		REQUIRE(p.changes.size() == 1);
		CHECK(p.changes[0].tid == child.pid);
		CHECK(p.changes[0].start_time == thread_start_time(child.pid));
		CHECK(p.changes[0].old_value == std::to_string(before));
		REQUIRE(apply_change(p.changes[0]));
		CHECK(getpriority(PRIO_PROCESS, static_cast<id_t>(child.pid)) == want);
		REQUIRE(revert_change(p.changes[0]));
		CHECK(getpriority(PRIO_PROCESS, static_cast<id_t>(child.pid)) == before);
	}
	SECTION("ioprio") {
		int before = ioprio_of(child.pid);
		Plan p = plan_action(action("set ioprio idle"), t, true);
		REQUIRE(p.changes.size() == 1);
		REQUIRE(apply_change(p.changes[0]));
		CHECK(ioprio_of(child.pid) == 3 << 13);
		REQUIRE(revert_change(p.changes[0]));
		CHECK(ioprio_of(child.pid) == before);
		Plan be = plan_action(action("set ioprio be,3"), t, true);
		REQUIRE(be.changes.size() == 1);
		REQUIRE(apply_change(be.changes[0]));
		CHECK(ioprio_of(child.pid) == (2 << 13 | 3));
		REQUIRE(revert_change(be.changes[0]));
		CHECK(ioprio_of(child.pid) == before);
	}
	SECTION("affinity") {
		std::string before = affinity_text(child.pid);
		Plan p = plan_action(action("set affinity 0"), t, true);
		if (before == "0") {
			CHECK(p.changes.empty());  // one CPU: nothing to narrow
			return;
		}
		REQUIRE(p.changes.size() == 1);
		CHECK(p.changes[0].old_value == before);
		REQUIRE(apply_change(p.changes[0]));
		CHECK(affinity_text(child.pid) == "0");
		REQUIRE(revert_change(p.changes[0]));
		CHECK(affinity_text(child.pid) == before);
		// node0 names the CPUs of NUMA node 0.
		Plan node = plan_action(action("set affinity node0"), t, true);
		std::string node0 = first_line("/sys/devices/system/node/node0/cpulist");
		if (node0 == before)
			CHECK(node.changes.empty());
		else
			CHECK(node.changes.at(0).new_value == node0);
	}
	SECTION("a reused pid is never touched") {
		int inherited = getpriority(PRIO_PROCESS, static_cast<id_t>(child.pid));
		Plan p = plan_action(action(inherited == 5 ? "set nice 6" : "set nice 5"), t, true);
		REQUIRE(p.changes.size() == 1);
		Change stale = p.changes[0];
		stale.start_time += 1;  // as if the pid now named another process
		int before = getpriority(PRIO_PROCESS, static_cast<id_t>(child.pid));
		CHECK_FALSE(apply_change(stale));
		auto r = revert_change(stale);
		REQUIRE(r);
		CHECK(*r == fmt::format("left alone: tid {} has exited (pid not reused)", child.pid));
		CHECK(getpriority(PRIO_PROCESS, static_cast<id_t>(child.pid)) == before);
	}
}

TEST_CASE("tune actions: NUMA placement on this machine's nodes", "[tune]")
{
	auto nodes = online_nodes();
	Plan far = plan_action(action("set numa 63"), {{getpid()}, ""}, true);
	CHECK(far.refused == fmt::format("NUMA node 63 is not online (nodes: {})", cpu_list_text(nodes)));
	Plan here = plan_action(action("set numa 0"), {{getpid()}, ""}, true);
	if (nodes.size() == 1) {
		// One node (this VM): migrate_pages would move nothing; say so.
		CHECK(here.changes.empty());
		CHECK(here.unchanged == "one NUMA node: all memory is on node 0 already");
	} else {
		REQUIRE(here.changes.size() == 1);
		CHECK(here.changes[0].old_value == cpu_list_text(nodes));
		CHECK(here.changes[0].new_value == "0");
	}
}

TEST_CASE("tune actions: refusals name the reason", "[tune]")
{
	CHECK(plan_action(action("set sysctl vm.no_such_knob=1"), {}, true).refused ==
	      "no sysctl vm.no_such_knob on this kernel (/proc/sys/vm/no_such_knob)");
	Plan p = plan_action(action("set nice 5"), {{}, "the command has exited"}, true);
	CHECK(p.refused == "the command has exited");
	if (first_line(kCpufreq0).empty())
		CHECK(plan_action(action("set governor performance"), {}, true).refused ==
		      "no cpufreq on this machine (/sys/devices/system/cpu/cpu0/cpufreq)");
	// Without privileges a change that would happen is refused, not tried.
	std::string cur = first_line("/proc/sys/vm/dirty_background_ratio");
	Plan unpriv = plan_action(action("set sysctl vm.dirty_background_ratio=" +
					 std::string(cur == "7" ? "8" : "7")), {}, false);
	CHECK(unpriv.refused == "needs root (changes system or other processes' settings)");
	CHECK(unpriv.changes.size() == 1);  // what it would have changed is still shown
	Plan advice = plan_action(action("suggest preload(no_such_allocator)"), {}, false);
	CHECK(advice.advice == "install no_such_allocator (Debian: apt-get install libno_such_allocator2), "
			       "then run the program with LD_PRELOAD=libno_such_allocator.so.2 (a restart, "
			       "no code change)");
	CHECK(cpu_list_text({0, 1, 2, 5, 7, 8}) == "0-2,5,7-8");
}

TEST_CASE("tune journal: lines round-trip, with escapes", "[tune]")
{
	JournalEntry e{{Action::Kind::nice, "tid 12", 12, 3456, "0", "-5"}, "rule\twith tab", 1700000000};
	std::string line = format_entry(e);
	CHECK(line == "v1\t1700000000\tnice\ttid 12\t12\t3456\t0\t-5\trule\\twith tab\n");
	line.pop_back();
	auto back = parse_entry(line);
	REQUIRE(back);
	CHECK(back->rule == "rule\twith tab");
	CHECK(back->change.start_time == 3456);
	CHECK(back->change.kind == Action::Kind::nice);
	CHECK_FALSE(parse_entry("v2\tx"));
	CHECK(parse_entry("garbage").error().msg == "not a journal line: 'garbage'");
}

TEST_CASE("tune journal: append, load, remove; revert leaves gone threads alone", "[tune]")
{
	std::string dir = xpu::test::temp_path("journal");
	Journal j(dir + "/sub/tune.journal");  // directories are created
	auto none = j.load();
	REQUIRE(none);
	CHECK(none->empty());
	// A thread that does not exist (start time 1 never matches a live one).
	JournalEntry gone{{Action::Kind::nice, "tid 999999", 999999, 1, "0", "5"}, "r1", 1};
	JournalEntry other{{Action::Kind::ioprio, "tid 999998", 999998, 1, "none", "idle"}, "r2", 2};
	REQUIRE(j.append(gone));
	REQUIRE(j.append(other));
	auto two = j.load();
	REQUIRE(two);
	REQUIRE(two->size() == 2);
	CHECK(two->at(1).rule == "r2");
	REQUIRE(j.remove({other}));
	REQUIRE(j.load()->size() == 1);
	REQUIRE(j.append(other));
	auto rep = revert_all(j);
	REQUIRE(rep);
	CHECK(rep->left_alone == 2);
	CHECK(rep->restored == 0);
	REQUIRE(rep->lines.size() == 2);
	CHECK(rep->lines[0] == "left alone: tid 999998 has exited (pid not reused)");  // newest first
	CHECK(rep->lines[1] == "left alone: tid 999999 has exited (pid not reused)");
	CHECK(access(j.path().c_str(), F_OK) != 0);  // cleared: the file is gone
	std::system(("rm -rf " + dir).c_str());
}
