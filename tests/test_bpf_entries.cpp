// Reading a BPF hash map a chunk at a time (bpf_util.hpp): against a real
// kernel map whose values are as large as a stack's, every entry is handed
// over once, no chunk is larger than asked, values arrive with their keys,
// and the taking variant leaves the map empty.
#include <bpf/bpf.h>
#include <unistd.h>

#include <map>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "kernel/bpf_util.hpp"
#include "base/fd.hpp"

using namespace xpu;

namespace {

struct Big {
	__u64 first;
	__u64 rest[255];
};

}  // namespace

TEST_CASE("map entries: read in chunks, each once, with its value; taken ones leave the map", "[bpf]")
{
	if (geteuid() != 0)
		XPU_SKIP("needs root to create BPF maps");
	int raw = bpf_map_create(BPF_MAP_TYPE_HASH, "xpu_test_big", sizeof(__u64), sizeof(Big), 2000, nullptr);
	REQUIRE(raw >= 0);
	Fd fd(raw);
	for (__u64 k = 1; k <= 1000; k++) {
		Big v{};
		v.first = k * 7;
		v.rest[254] = k;
		REQUIRE(bpf_map_update_elem(fd.get(), &k, &v, BPF_ANY) == 0);
	}

	std::map<__u64, __u64> seen;
	size_t chunks = 0, largest = 0;
	int err = read_entries_in_chunks<__u64, Big>(fd.get(), 64, [&](const __u64 *keys, const Big *values, size_t n) {
		chunks++;
		largest = std::max(largest, n);
		for (size_t i = 0; i < n; i++) {
			CHECK(values[i].first == keys[i] * 7);
			CHECK(values[i].rest[254] == keys[i]);
			CHECK(seen.emplace(keys[i], values[i].first).second);
		}
	});
	REQUIRE(err == 0);
	CHECK(seen.size() == 1000);
	CHECK(largest <= 64);
	CHECK(chunks >= 1000 / 64);

	std::vector<__u64> keys;
	std::vector<Big> values;
	REQUIRE(take_all_entries(fd.get(), keys, values) == 0);
	CHECK(keys.size() == 1000);
	__u64 next = 0;
	CHECK(bpf_map_get_next_key(fd.get(), nullptr, &next) != 0);  // empty now
}
