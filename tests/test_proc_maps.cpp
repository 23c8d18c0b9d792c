// /proc/PID/maps parsing, from literal text and from this process.
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include <catch2/catch.hpp>

#include "symbolize/proc_maps.hpp"

using namespace xpu;

TEST_CASE("proc maps: every kind of line", "[proc_maps]")
{
	// The kernel pads before the path to align it in a column.
	const char *text =
		"55d0c0a00000-55d0c0a02000 r--p 00000000 fd:01 1835043          /usr/bin/cat\n"
		"55d0c0a02000-55d0c0a07000 r-xp 00002000 fd:01 1835043          /usr/bin/cat\n"
		"55d0c1e4e000-55d0c1e6f000 rw-p 00000000 00:00 0                [heap]\n"
		"7f1e2a000000-7f1e2a001000 r-xp 00000000 00:00 0 \n"
		"7f1e2b028000-7f1e2b1bd000 r-xp 00028000 103:02 2359 /opt/my app/a b.so (deleted)\n"
		"7ffd5b3f2000-7ffd5b3f4000 r-xp 00000000 00:00 0                [vdso]\n"
		"ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0        [vsyscall]";
	auto maps = parse_proc_maps(text);
	REQUIRE(maps);
	REQUIRE(maps->size() == 7);

	const Mapping &cat = (*maps)[1];
	CHECK(cat.start == 0x55d0c0a02000);
	CHECK(cat.end == 0x55d0c0a07000);
	CHECK(cat.offset == 0x2000);
	CHECK(cat.perms == "r-xp");
	CHECK(cat.dev_major == 0xfd);
	CHECK(cat.dev_minor == 1);
	CHECK(cat.inode == 1835043);
	CHECK(cat.path == "/usr/bin/cat");
	CHECK(cat.executable());
	CHECK(cat.file_backed());
	CHECK_FALSE(cat.deleted());
	CHECK(cat.basename() == "cat");
	CHECK_FALSE((*maps)[0].executable());

	const Mapping &heap = (*maps)[2];
	CHECK(heap.path == "[heap]");
	CHECK_FALSE(heap.file_backed());
	CHECK(heap.basename() == "[heap]");

	const Mapping &anon = (*maps)[3];
	CHECK(anon.path.empty());
	CHECK(anon.executable());
	CHECK_FALSE(anon.file_backed());

	const Mapping &del = (*maps)[4];
	CHECK(del.dev_major == 0x103);
	CHECK(del.dev_minor == 2);
	CHECK(del.path == "/opt/my app/a b.so (deleted)");
	CHECK(del.deleted());
	CHECK(del.file_path() == "/opt/my app/a b.so");
	CHECK(del.basename() == "a b.so");

	CHECK((*maps)[6].start == 0xffffffffff600000);
	CHECK((*maps)[6].path == "[vsyscall]");
}

TEST_CASE("proc maps: malformed lines fail with their line number", "[proc_maps]")
{
	CHECK(parse_proc_maps("")->empty());
	auto bad = parse_proc_maps("00400000-00401000 r-xp 00000000 fd:01 12 /bin/x\n"
				   "00401000-00402000 r-xp zz fd:01 12 /bin/x\n");
	REQUIRE_FALSE(bad);
	CHECK(bad.error().msg.find("line 2") != std::string::npos);
	CHECK_FALSE(
	    parse_proc_maps("00402000-00401000 r-xp 00000000 fd:01 12 /x\n"));  // end < start
	CHECK_FALSE(parse_proc_maps("00401000-00402000 r-x 00000000 fd:01 12 /x\n"));
	CHECK_FALSE(parse_proc_maps("00401000-00402000 r-xp 00000000 fd:01 1x2 /x\n"));
	CHECK_FALSE(parse_proc_maps("garbage\n"));
}

TEST_CASE("proc maps: this process", "[proc_maps]")
{
	auto maps = read_proc_maps(getpid());
	REQUIRE(maps);
	char *exe = realpath("/proc/self/exe", nullptr);
	REQUIRE(exe);
	bool found_text = false, found_stack = false;
	auto here = reinterpret_cast<uint64_t>(&read_proc_maps);
	for (const Mapping &m : *maps) {
		if (m.path == exe && m.executable() && m.start <= here && here < m.end)
			found_text = true;
		found_stack |= m.path == "[stack]";
	}
	free(exe);
	CHECK(found_text);
	CHECK(found_stack);

	auto gone = read_proc_maps(INT_MAX);  // above pid_max: never a process
	REQUIRE_FALSE(gone);
	CHECK(gone.error().exit == ExitCode::no_such_process);
}
