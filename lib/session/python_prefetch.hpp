// Reads the names of the Python code objects in the stacks counted so far,
// while their processes live: a short-lived process (or one that exits
// before the profile is written) keeps its Python frames' names. Called
// from the session's event loop, only once an interpreter has been seen:
// every 20 ms while new stacks keep coming, every 200 ms when none did.
#pragma once

#include <vector>

#include "kernel/bpf_session.hpp"
#include "kernel/cpu_sampler.hpp"
#include "kernel/net_tracer.hpp"
#include "kernel/offcpu_tracer.hpp"
#include "profile/event.hpp"
#include "symbolize/symbolizer.hpp"

namespace xpu {

// `cache`: stacks already fetched (and their code objects read). Returns
// how many stacks were new.
size_t prefetch_python_names(const CpuSampler *sampler, const OffCpuTracer *offcpu,
			   const NetTracer *net, const BpfSession &bpf, Symbolizer &sym, StackStore &cache);
// The same for stacks known without reading a counts map: GPU launches,
// read as they arrive, since a script often exits right after its last.
size_t prefetch_python_names(const std::vector<ThreadStacks> &stacks, const BpfSession &bpf, Symbolizer &sym,
			   StackStore &cache);

}  // namespace xpu
