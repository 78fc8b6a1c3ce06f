#pragma once
// Wall-clock seconds of a run's steps, as summary.json's `timings_s` reports them, and how a
// step runs beside another.

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <future>
#include <vector>

namespace lc15::io {

using Clock = std::chrono::steady_clock;

/// Seconds from `t0` to now.
inline double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

/// Runs a task beside the caller when more than one thread may run (in this task arena and
/// under the process's limit, `-j`), else when its result is asked for: the results are the
/// same either way.
inline std::launch beside_launch() {
    const std::size_t allowed =
        tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism);
    return tbb::this_task_arena::max_concurrency() > 1 && allowed > 1 ? std::launch::async
                                                                      : std::launch::deferred;
}

/// Calls emit(item) for the items 0 … n-1 in order, each made in place by make(i, item)
/// (items are reused, their buffers kept): the next `chunk` items are made beside (as
/// beside_launch runs a task) while the caller emits these. For a writer whose rows take time
/// to make, which the caller's core then spends on writing alone; the items are the same
/// either way.
template <class Item, class Make, class Emit>
void emit_made_beside(std::size_t n, std::size_t chunk, Make&& make, Emit&& emit) {
    chunk = std::max<std::size_t>(chunk, 1);
    std::vector<Item> now(std::min(n, chunk)), ahead(now.size());
    auto fill = [&](std::vector<Item>& items, std::size_t from) {
        for (std::size_t i = from; i < std::min(n, from + chunk); ++i) make(i, items[i - from]);
    };
    fill(now, 0);
    for (std::size_t from = 0; from < n; from += chunk) {
        const std::size_t next = from + chunk;
        std::future<void> made;  // waited for before `ahead` is read or destroyed
        if (next < n)
            made = std::async(beside_launch(), [&fill, &ahead, next] { fill(ahead, next); });
        for (std::size_t i = from; i < std::min(n, next); ++i) emit(now[i - from]);
        if (made.valid()) made.get();
        std::swap(now, ahead);
    }
}

}  // namespace lc15::io
