// Catch2 v2 entry point. Tests tagged [bpf] need root (CAP_BPF+CAP_PERFMON)
// and kernel BTF; tests/run.sh filters them out, with a message, elsewhere.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
