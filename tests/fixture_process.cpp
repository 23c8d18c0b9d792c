#include "fixture_process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/auxv.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <cstring>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <gelf.h>

#include "helpers.hpp"

extern char **environ;

namespace xpu::test {

std::string fixture_path(const std::string &name) { return build_dir() + "/fixtures/" + name; }

namespace {

// The [vdso] mapping's start and end in pid; {0, 0} when there is none.
std::pair<uint64_t, uint64_t> vdso_range(pid_t pid)
{
	std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
	std::string line;
	while (std::getline(maps, line))
		if (line.ends_with(" [vdso]"))
			return {std::stoull(line, nullptr, 16),
				std::stoull(line.substr(line.find('-') + 1), nullptr, 16)};
	return {0, 0};
}

}  // namespace

std::optional<std::pair<uint64_t, std::string>> vdso_function(pid_t pid)
{
	auto *image = reinterpret_cast<char *>(getauxval(AT_SYSINFO_EHDR));
	uint64_t start = vdso_range(pid).first;
	auto [own_start, own_end] = vdso_range(getpid());
	if (!image || !start || own_start != reinterpret_cast<uint64_t>(image))
		return std::nullopt;
	elf_version(EV_CURRENT);
	Elf *elf = elf_memory(image, own_end - own_start);
	std::optional<std::pair<uint64_t, std::string>> found;
	GElf_Phdr ph;
	uint64_t load_vaddr = 0;
	for (int i = 0; elf && gelf_getphdr(elf, i, &ph); i++)
		if (ph.p_type == PT_LOAD) {
			load_vaddr = ph.p_vaddr - ph.p_offset;
			break;
		}
	for (Elf_Scn *scn = elf ? elf_nextscn(elf, nullptr) : nullptr; scn && !found;
	     scn = elf_nextscn(elf, scn)) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM)
			continue;
		Elf_Data *data = elf_getdata(scn, nullptr);
		GElf_Sym sym;
		for (int i = 0; data && gelf_getsym(data, i, &sym); i++) {
			std::string name = elf_strptr(elf, sh.sh_link, sym.st_name);
			if (name == "__vdso_clock_gettime" || name == "__kernel_clock_gettime")
				found = {{start + sym.st_value - load_vaddr, name}};
		}
	}
	if (elf)
		elf_end(elf);
	return found;
}

FixtureProcess::FixtureProcess(const std::string &exe, bool lazy)
{
	int in[2], out[2];
	REQUIRE(pipe2(in, O_CLOEXEC) == 0);
	REQUIRE(pipe2(out, O_CLOEXEC) == 0);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	std::string lib = fixture_path("libfixture.so");
	std::vector<char *> argv{const_cast<char *>(exe.c_str()), lib.data()};
	std::string lazy_arg = "lazy";
	if (lazy)
		argv.push_back(lazy_arg.data());
	argv.push_back(nullptr);
	int rc = posix_spawn(&pid_, exe.c_str(), &fa, nullptr, argv.data(), environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(out[1]);
	in_ = in[1];
	out_ = fdopen(out[0], "r");
	INFO("spawn " << exe << ": " << std::strerror(rc));
	REQUIRE(rc == 0);
	running_ = true;
	read_until_ready();
}

FixtureProcess::~FixtureProcess()
{
	finish();
	if (out_)
		fclose(static_cast<FILE *>(out_));
}

void FixtureProcess::read_until_ready()
{
	char line[256];
	while (fgets(line, sizeof(line), static_cast<FILE *>(out_))) {
		std::string s(line);
		if (s == "ready\n")
			return;
		auto sp = s.find(' ');
		REQUIRE(sp != std::string::npos);
		addrs_[s.substr(0, sp)] = std::stoull(s.substr(sp + 1), nullptr, 16);
	}
	FAIL("fixture exited before printing 'ready'");
}

uint64_t FixtureProcess::addr(const std::string &name) const
{
	auto it = addrs_.find(name);
	INFO("fixture address " << name);
	REQUIRE(it != addrs_.end());
	return it->second;
}

void FixtureProcess::load_library()
{
	REQUIRE(write(in_, "load\n", 5) == 5);
	read_until_ready();
}

int FixtureProcess::finish()
{
	if (!running_)
		return -1;
	running_ = false;
	close(in_);
	int status = 0;
	waitpid(pid_, &status, 0);
	return status;
}

}  // namespace xpu::test
