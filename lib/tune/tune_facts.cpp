#include "tune/tune_facts.hpp"

#include <fstream>

#include "kernel/perf_event.hpp"

namespace xpu::tune {

std::string read_line(const std::string &path)
{
	std::ifstream f(path);
	std::string line;
	std::getline(f, line);
	return line;
}

std::string bracketed_choice(const std::string &text)
{
	size_t open = text.find('['), close = text.find(']');
	if (open == text.npos || close == text.npos || close < open)
		return "";
	return text.substr(open + 1, close - open - 1);
}

std::vector<int> online_nodes()
{
	auto nodes = parse_cpu_list(read_line(kNodeOnline));
	return nodes ? *nodes : std::vector<int>{0};
}

std::map<std::string, Value> system_facts()
{
	std::map<std::string, Value> f;
	auto cpus = online_cpus();
	f["nr_cpus"] = cpus ? Value::number(static_cast<double>(cpus->size()))
			    : Value::absent(cpus.error().msg);
	f["numa_nodes"] = Value::number(static_cast<double>(online_nodes().size()));
	std::string thp = bracketed_choice(read_line(kThpPath));
	f["thp"] = thp.empty() ? Value::absent(fmt::format("no transparent huge pages ({})", kThpPath))
			       : Value::string(thp);
	std::string gov = read_line(kCpufreq0);
	f["governor"] = gov.empty() ? Value::absent("no cpufreq on this machine "
						     "(/sys/devices/system/cpu/cpu0/cpufreq)")
				    : Value::string(gov);
	return f;
}

}  // namespace xpu::tune
