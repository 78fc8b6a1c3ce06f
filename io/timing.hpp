#pragma once
// Wall-clock seconds of a run's steps, as summary.json's `timings_s` reports them.

#include <chrono>

namespace lc15::io {

using Clock = std::chrono::steady_clock;

/// Seconds from `t0` to now.
inline double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace lc15::io
