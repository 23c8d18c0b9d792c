// Shell completion scripts, generated from the command-line definitions
// (cmd/completion.cpp turns the CLI11 tree into a CompletionSpec), so that
// a new command or option completes without editing a script.
#pragma once

#include <string>
#include <vector>

namespace xpu {

struct CompletionOption {
	std::vector<std::string> names;    // "-F", "--freq"
	bool takes_value = false;
	std::vector<std::string> choices;  // the values it accepts, when a fixed set
};

struct CompletionCommand {
	std::string name;  // "" for the root
	std::vector<CompletionOption> options;
	bool takes_command = false;      // record: a command line follows the options
	bool completes_commands = false;  // help: its argument is one of ours
};

struct CompletionSpec {
	std::string program;  // "xpu-perf"
	CompletionCommand root;
	std::vector<CompletionCommand> commands;
};

// A bash script defining _xpu_perf and `complete -F _xpu_perf xpu-perf`.
std::string bash_completion(const CompletionSpec &spec);
// The same for zsh, through its bash completion layer (bashcompinit).
std::string zsh_completion(const CompletionSpec &spec);

}  // namespace xpu
