#include "session/snapshot_schedule.hpp"

namespace xpu {

namespace {
using std::chrono::milliseconds;
constexpr milliseconds kSteps[] = {milliseconds(100), milliseconds(400), milliseconds(1500)};
constexpr milliseconds kSteady(2000);

milliseconds delay_after(int step)
{
	return step < static_cast<int>(std::size(kSteps)) ? kSteps[step] : kSteady;
}
}  // namespace

void SnapshotSchedule::track(pid_t pid, uint32_t gen, Clock::time_point now)
{
	procs_[pid] = Entry{gen, 0, now + delay_after(0)};
}

void SnapshotSchedule::forget(pid_t pid) { procs_.erase(pid); }

std::vector<SnapshotSchedule::AddressSpace> SnapshotSchedule::due(Clock::time_point now)
{
	std::vector<AddressSpace> out;
	for (auto &[pid, e] : procs_) {
		if (e.next > now)
			continue;
		out.emplace_back(pid, e.gen);
		e.step++;
		e.next = now + delay_after(e.step);
	}
	return out;
}

std::vector<SnapshotSchedule::AddressSpace> SnapshotSchedule::live() const
{
	std::vector<AddressSpace> out;
	for (const auto &[pid, e] : procs_)
		out.emplace_back(pid, e.gen);
	return out;
}

}  // namespace xpu
