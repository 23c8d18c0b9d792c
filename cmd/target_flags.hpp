// The flags every profiling subcommand shares (record, top, live): what to
// profile, how often, which layers and how stacks are walked. Each command
// adds its own on top.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "commands.hpp"
#include "session/config.hpp"

namespace xpu::cmd {

struct TargetFlags {
	RecordConfig cfg;
	std::string pids;
	std::string duration;
	std::string call_graph{call_graph_name(CallGraph::automatic)};  // a kCallGraphModes name
	std::optional<uint64_t> min_block;
	std::optional<uint64_t> max_block;
	bool no_python_lines = false;  // --no-python-lines
};

// Declares the shared flags on `sub`, writing into `f`.
void add_target_flags(CLI::App *sub, TargetFlags &f);

// The config the flags describe, with `command` as the command to launch.
// Bad values end the process with a usage error.
RecordConfig to_config(const TargetFlags &f, const std::vector<std::string> &command);

}  // namespace xpu::cmd
