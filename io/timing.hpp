#pragma once
// Wall-clock seconds of a run's steps, as summary.json's `timings_s` reports them, and how a
// step runs beside another.

#include <oneapi/tbb/task_arena.h>

#include <chrono>
#include <future>

namespace lc15::io {

using Clock = std::chrono::steady_clock;

/// Seconds from `t0` to now.
inline double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Runs a task beside the caller when more than one thread may run, else when its result is
/// asked for: the results are the same either way.
inline std::launch beside_launch() {
    return tbb::this_task_arena::max_concurrency() > 1 ? std::launch::async : std::launch::deferred;
}

}  // namespace lc15::io
