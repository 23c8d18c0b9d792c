// xpu-perf completion bash|zsh (hidden): prints a completion script made
// from this binary's own command-line definitions; `make` writes
// build/completion/ with it and `make install` installs that.
#include <cstdio>

#include "commands.hpp"
#include "system/completion.hpp"

namespace xpu::cmd {

namespace {

// "TEXT:{self,total}=self" (a CLI::IsMember check) -> {"self", "total"}.
std::vector<std::string> choices_of(const CLI::Option &opt)
{
	std::string t = opt.get_type_name();
	auto open = t.find('{'), close = t.find('}');
	std::vector<std::string> out;
	if (open == t.npos || close == t.npos || close < open)
		return out;
	std::string list = t.substr(open + 1, close - open - 1);
	for (size_t at = 0; at <= list.size();) {
		size_t end = std::min(list.find(',', at), list.size());
		if (end > at)
			out.push_back(list.substr(at, end - at));
		at = end + 1;
	}
	return out;
}

CompletionCommand describe(const CLI::App &app, const std::string &name)
{
	CompletionCommand c;
	c.name = name;
	for (const CLI::Option *opt : app.get_options()) {
		if (opt->get_lnames().empty() && opt->get_snames().empty())
			continue;  // a positional
		CompletionOption o;
		for (const auto &s : opt->get_snames())
			o.names.push_back("-" + s);
		for (const auto &l : opt->get_lnames())
			o.names.push_back("--" + l);
		o.takes_value = opt->get_items_expected_min() > 0;
		if (o.takes_value)
			o.choices = choices_of(*opt);
		c.options.push_back(std::move(o));
	}
	return c;
}

}  // namespace

static CompletionSpec completion_spec(CLI::App &app)
{
	CompletionSpec spec;
	spec.program = "xpu-perf";
	spec.root = describe(app, "");
	auto listed = app.get_subcommands([](CLI::App *s) { return !s->get_group().empty(); });
	for (const CLI::App *sub : listed) {
		CompletionCommand c = describe(*sub, sub->get_name());
		c.takes_command = kTakesCommand.contains(c.name);
		c.completes_commands = c.name == "help";
		spec.commands.push_back(std::move(c));
	}
	return spec;
}

void add_completion(CLI::App &app, Globals &)
{
	auto shell = std::make_shared<std::string>();
	CLI::App *sub = app.add_subcommand("completion", "print a shell completion script");
	sub->group("");  // hidden: for the Makefile and packagers
	sub->add_option("shell", *shell, "bash or zsh")
		->required()
		->check(CLI::IsMember({"bash", "zsh"}));
	sub->callback([shell, &app] {
		CompletionSpec spec = completion_spec(app);
		std::string text = *shell == "zsh" ? zsh_completion(spec) : bash_completion(spec);
		std::fputs(text.c_str(), stdout);
	});
}

}  // namespace xpu::cmd
