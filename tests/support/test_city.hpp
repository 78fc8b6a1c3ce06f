// Test support — what several engine tests share: the randomised tests' seed and a small
// street map laid out in metres.
//
//   std::mt19937_64 rng(lc15::test::test_seed());   // LC15_TEST_SEED overrides the fixed seed
//   LonLat p = lc15::test::metres_at(300, 40);       // 300 m east, 40 m north of 122.2E 40.6N
//   WalkGraph g = lc15::test::l_streets();           // an L of streets, junctions every 500 m
//   WalkGraph r = lc15::test::jittered_grid(rng, 14, 150, 20, 15);  // a random street grid
//   std::string m = lc15::test::input_error_of([&] { load_city_config(p); });  // what() or
//                                                    // "no error"
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "engine/error.hpp"
#include "engine/graph.hpp"

namespace lc15::test {

/// The seed of every randomised test: fixed, overridable with the LC15_TEST_SEED variable.
inline std::uint64_t test_seed() {
    const char* s = std::getenv("LC15_TEST_SEED");
    return s ? std::strtoull(s, nullptr, 10) : 20261127u;
}

/// Metres east/north of 122.2E 40.6N, as WGS84. Along a meridian 1 m is exactly 1/111195°.
inline LonLat metres_at(double x_m, double y_m) {
    constexpr LonLat kOrigin{122.2, 40.6};
    const double m_per_deg = deg2rad(1.0) * kEarthRadiusM;
    return {kOrigin.lon + x_m / (m_per_deg * std::cos(deg2rad(kOrigin.lat + y_m / m_per_deg))),
            kOrigin.lat + y_m / m_per_deg};
}

/// An L of streets: north along x = 0 from y = 0 to 4000 m, then east along y = 4000 m to
/// x = 4000 m; junctions every 500 m (node keys 1..9 north, 9 and 101..108 east).
inline WalkGraph l_streets() {
    GraphBuilder b;
    std::vector<WayNode> north, east;
    for (int i = 0; i <= 8; ++i) north.push_back({std::uint64_t(i + 1), metres_at(0, 500.0 * i)});
    for (int i = 0; i <= 8; ++i) {
        east.push_back({std::uint64_t(i == 0 ? 9 : 100 + i), metres_at(500.0 * i, 4000)});
    }
    b.add_way(1, north, 0);
    b.add_way(2, east, 0);
    return std::move(b).build();
}

/// A street grid of n x n junctions `gap_m` apart, each moved by up to `jitter_m` east and
/// north, with each link left out with probability `missing_percent` / 100 (draws from `rng` in
/// a fixed order, so a seed gives one grid).
inline WalkGraph jittered_grid(std::mt19937_64& rng, int n, double gap_m, double jitter_m,
                               unsigned missing_percent) {
    GraphBuilder b;
    std::uniform_real_distribution<double> jitter(-jitter_m, jitter_m);
    std::vector<LonLat> pos(n * n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            pos[i * n + j] = metres_at(gap_m * i + jitter(rng), gap_m * j + jitter(rng));
    std::int64_t way = 0;
    auto add = [&](int a, int c) {
        if (rng() % 100 < missing_percent) return;
        std::vector<WayNode> nodes{{std::uint64_t(a + 1), pos[a]}, {std::uint64_t(c + 1), pos[c]}};
        b.add_way(++way, nodes, 0);
    };
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) {
            if (i + 1 < n) add(i * n + j, (i + 1) * n + j);
            if (j + 1 < n) add(i * n + j, i * n + j + 1);
        }
    return std::move(b).build();
}

/// The message of the lc15::InputError that `f` throws, or "no error".
inline std::string input_error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace lc15::test
