// io::emit_made_beside: items made ahead on another core reach the writer in order, each
// made once, whatever the chunk or the thread count.
#include <gtest/gtest.h>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <cstddef>
#include <future>
#include <stdexcept>
#include <string>
#include <vector>

#include "io/timing.hpp"

using lc15::io::emit_made_beside;

namespace {

std::vector<std::string> made_in_order(std::size_t n, std::size_t chunk) {
    std::vector<std::string> out;
    std::vector<int> times_made(n, 0);
    emit_made_beside<std::string>(
        n, chunk,
        [&](std::size_t i, std::string& item) {
            ++times_made[i];
            item.assign(i % 7 + 1, static_cast<char>('a' + i % 26));  // reused buffer
            item += std::to_string(i);
        },
        [&](const std::string& item) { out.push_back(item); });
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(times_made[i], 1) << "item " << i;
    return out;
}

}  // namespace

TEST(BesideLaunch, FollowsTheProcessThreadLimit) {
    // `lc15 -j 1` sets a global_control of one thread; the default arena still reports every
    // core, so the limit must be read as well, or a task runs beside on a second thread.
    {
        tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
        EXPECT_EQ(lc15::io::beside_launch(), std::launch::deferred);
    }
    {
        tbb::global_control two(tbb::global_control::max_allowed_parallelism, 2);
        tbb::task_arena arena(2);
        arena.execute([] { EXPECT_EQ(lc15::io::beside_launch(), std::launch::async); });
    }
}

TEST(EmitMadeBeside, EmitsEveryItemOnceInOrderForAnyChunk) {
    // beside_launch asks the task arena: one of a single thread makes the items on the
    // caller's thread (deferred), one of two beside it (async).
    for (const int threads : {1, 2}) {
        tbb::task_arena arena(threads);
        arena.execute([&] {
            ASSERT_EQ(lc15::io::beside_launch() == std::launch::deferred, threads == 1);
            for (const std::size_t n : {0u, 1u, 5u, 64u, 1001u}) {
                for (const std::size_t chunk : {0u, 1u, 3u, 64u, 5000u}) {
                    const auto got = made_in_order(n, chunk);
                    ASSERT_EQ(got.size(), n) << "n " << n << " chunk " << chunk;
                    for (std::size_t i = 0; i < n; ++i) {
                        std::string want(i % 7 + 1, static_cast<char>('a' + i % 26));
                        want += std::to_string(i);
                        ASSERT_EQ(got[i], want) << "n " << n << " chunk " << chunk << " item " << i;
                    }
                }
            }
        });
    }
}

TEST(EmitMadeBeside, AnErrorInMakingReachesTheCallerAndStopsTheWriting) {
    std::size_t emitted = 0;
    EXPECT_THROW(emit_made_beside<int>(
                     100, 10,
                     [](std::size_t i, int& item) {
                         if (i == 35) throw std::runtime_error("bad row");
                         item = static_cast<int>(i);
                     },
                     [&](int) { ++emitted; }),
                 std::runtime_error);
    EXPECT_EQ(emitted, 30u);  // the chunk holding the bad row is never written
}
