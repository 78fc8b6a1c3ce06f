// lc15 bench — a street-like city of any size, its facilities, and the two benchmark kernels.
//
//   GridCityOptions opt = grid_city_for(1'000'000);   // ~1M vertices, ~degree 3
//   WalkGraph g = make_grid_city(opt);
//   std::vector<BenchCategory> cats = pick_facilities(g, 42);
//   auto nearest = nearest_by_category(g, cats);      // kernel 1: [cat][v] -> cm
//   auto counts = count_within_by_category(g, cats);  // kernel 2: [cat][v] -> facilities
//
// The city is a jittered square grid of blocks (`spacing_m` apart) in which a share of the
// block sides is missing (dead ends, superblocks), a share of blocks has a diagonal path, and
// some sides bend (one shape point off the straight line), so that edge lengths are not all
// alike. A few edges are steps or private. Coordinates are rounded to 1e-7 degrees, as in OSM,
// so a graph written to CSV and read back is bit-identical. Every random choice comes from a
// seeded std::mt19937_64 turned into doubles by hand: the same seed gives the same city with
// any standard library.
//
// The kernels are what the benchmark times and tests/test_bench_agreement.cpp checks:
//  * kernel 1 — for every vertex and category, the distance to the nearest facility: one
//    unbounded multi-source search per category (sources are facility vertices, offset 0),
//    categories in parallel (TBB), one search object per task.
//  * kernel 2 — for every vertex and category, the number of facilities within the
//    category's radius (inclusive): one bounded search per facility, all in parallel,
//    counts added with relaxed atomics (a sum does not depend on the order).
// Both give identical results for any thread count.
//
// Cost: make_grid_city O(V log V) (GraphBuilder); kernel 1 O(C (V + A) log V); kernel 2
// O(sum over facilities of the ball within the radius). Thread safety: pure functions.
#pragma once

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/graph.hpp"
#include "engine/search.hpp"

namespace lc15::bench {

struct GridCityOptions {
    std::uint32_t rows = 100, cols = 100;
    double spacing_m = 80.0;       ///< block side
    double jitter = 0.2;           ///< junction displacement, as a share of spacing_m
    double missing_share = 0.3;    ///< block sides that are not streets
    double diagonal_share = 0.1;   ///< blocks crossed by a diagonal path
    double bend_share = 0.3;       ///< streets with one shape point off the straight line
    double steps_share = 0.03;     ///< edges flagged kEdgeSteps
    double private_share = 0.02;   ///< edges flagged kEdgePrivate
    LonLat origin{122.20, 40.62};  ///< south-west corner (Yingkou)
    std::uint64_t seed = 20261127;
};

/// Options for a square city of about `vertices` junctions (about 1 % of grid points end up
/// with no street and are not vertices).
inline GridCityOptions grid_city_for(std::uint32_t vertices, std::uint64_t seed = 20261127) {
    GridCityOptions o;
    const auto side = static_cast<std::uint32_t>(std::ceil(std::sqrt(double(vertices))));
    o.rows = o.cols = std::max<std::uint32_t>(side, 2);
    o.seed = seed;
    return o;
}

namespace detail {
/// Uniform double in [0, 1) from 53 random bits (portable, unlike std::uniform_real_distribution).
inline double unit(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }
inline double round7(double deg) { return std::round(deg * 1e7) / 1e7; }
}  // namespace detail

inline WalkGraph make_grid_city(const GridCityOptions& o) {
    using detail::unit;
    std::mt19937_64 rng(o.seed);
    const LocalProjection proj(o.origin);
    auto at = [&](double x, double y) {
        const LonLat p = proj.inverse(x, y);
        return LonLat{detail::round7(p.lon), detail::round7(p.lat)};
    };
    // Junction positions.
    std::vector<LonLat> pos(std::size_t(o.rows) * o.cols);
    std::vector<std::pair<double, double>> xy(pos.size());
    for (std::uint32_t r = 0; r < o.rows; ++r) {
        for (std::uint32_t c = 0; c < o.cols; ++c) {
            const double x = (c + (unit(rng) - 0.5) * 2 * o.jitter) * o.spacing_m;
            const double y = (r + (unit(rng) - 0.5) * 2 * o.jitter) * o.spacing_m;
            const std::size_t i = std::size_t(r) * o.cols + c;
            xy[i] = {x, y};
            pos[i] = at(x, y);
        }
    }
    GraphBuilder b;
    std::int64_t way_id = 0;
    std::uint64_t shape_key = std::uint64_t{1} << 62;  // never a junction key
    std::vector<WayNode> nodes;
    auto street = [&](std::size_t i, std::size_t j) {
        nodes.clear();
        nodes.push_back({i + 1, pos[i]});
        if (unit(rng) < o.bend_share) {  // a bend: a shape point beside the midpoint
            const double mx = (xy[i].first + xy[j].first) / 2,
                         my = (xy[i].second + xy[j].second) / 2;
            const double side = (unit(rng) - 0.5) * 0.3 * o.spacing_m;
            const double dx = xy[j].first - xy[i].first, dy = xy[j].second - xy[i].second;
            const double len = std::max(1e-9, std::hypot(dx, dy));
            nodes.push_back({shape_key++, at(mx - dy / len * side, my + dx / len * side)});
        }
        nodes.push_back({j + 1, pos[j]});
        std::uint8_t flags = 0;
        const double f = unit(rng);
        if (f < o.steps_share)
            flags = kEdgeSteps;
        else if (f < o.steps_share + o.private_share)
            flags = kEdgePrivate;
        b.add_way(++way_id, nodes, flags);
    };
    for (std::uint32_t r = 0; r < o.rows; ++r) {
        for (std::uint32_t c = 0; c < o.cols; ++c) {
            const std::size_t i = std::size_t(r) * o.cols + c;
            if (c + 1 < o.cols && unit(rng) >= o.missing_share) street(i, i + 1);
            if (r + 1 < o.rows && unit(rng) >= o.missing_share) street(i, i + o.cols);
            if (r + 1 < o.rows && c + 1 < o.cols && unit(rng) < o.diagonal_share) {
                if (rng() & 1)
                    street(i, i + o.cols + 1);
                else
                    street(i + 1, i + o.cols);
            }
        }
    }
    return std::move(b).build();
}

/// One category of the benchmark workload: its radius and its facilities (vertex ids).
struct BenchCategory {
    std::string id;
    double radius_m = 500;
    std::uint32_t vertices_per_facility = 1000;  ///< density used to pick them
    std::vector<VertexId> facilities;            ///< sorted, distinct
};

/// Eight categories with GB 50180-2018 radii and densities of a Chinese city, facilities at
/// random distinct vertices (at least one per category).
inline std::vector<BenchCategory> pick_facilities(const WalkGraph& g, std::uint64_t seed) {
    std::vector<BenchCategory> cats{
        {"kindergarten", 300, 800, {}},    {"primary_school", 500, 1500, {}},
        {"middle_school", 1000, 3000, {}}, {"health_centre", 1000, 2000, {}},
        {"fresh_market", 500, 600, {}},    {"health_station", 300, 700, {}},
        {"fitness", 300, 400, {}},         {"bus_stop", 500, 150, {}},
    };
    std::mt19937_64 rng(seed);
    const std::uint32_t n = g.num_vertices();
    for (BenchCategory& c : cats) {
        const std::uint32_t k = std::clamp<std::uint32_t>(n / c.vertices_per_facility, 1, n);
        while (c.facilities.size() < k) {
            c.facilities.push_back(static_cast<VertexId>(rng() % n));
            if (c.facilities.size() == k) {
                std::sort(c.facilities.begin(), c.facilities.end());
                c.facilities.erase(std::unique(c.facilities.begin(), c.facilities.end()),
                                   c.facilities.end());
            }
        }
    }
    return cats;
}

/// Kernel 1: result[c][v] = cm from v to the nearest facility of category c (kInfDistance if
/// unreachable). Settled-vertex total goes to *settled when given.
inline std::vector<std::vector<Distance>> nearest_by_category(
    const WalkGraph& g, const std::vector<BenchCategory>& cats, std::uint64_t* settled = nullptr) {
    std::vector<std::vector<Distance>> out(cats.size());
    std::vector<std::uint64_t> settled_by(cats.size(), 0);
    tbb::parallel_for(std::size_t{0}, cats.size(), [&](std::size_t c) {
        std::vector<Distance>& d = out[c];
        d.assign(g.num_vertices(), kInfDistance);
        std::vector<SearchSource> src;
        src.reserve(cats[c].facilities.size());
        for (VertexId v : cats[c].facilities) src.push_back({v, 0, 0});
        MultiSourceDijkstra search(g);
        search.run(src, kMaxSearchDistance,
                   [&](VertexId v, Distance dv, std::uint32_t) { d[v] = dv; });
        settled_by[c] = search.settled_count();
    });
    if (settled) {
        *settled = 0;
        for (auto s : settled_by) *settled += s;
    }
    return out;
}

/// Kernel 2: result[c][v] = number of facilities of category c within its radius of v.
inline std::vector<std::vector<std::uint32_t>> count_within_by_category(
    const WalkGraph& g, const std::vector<BenchCategory>& cats, std::uint64_t* settled = nullptr) {
    std::vector<std::vector<std::uint32_t>> out(cats.size(),
                                                std::vector<std::uint32_t>(g.num_vertices(), 0));
    std::vector<std::pair<std::uint32_t, VertexId>> tasks;  // (category, facility vertex)
    for (std::uint32_t c = 0; c < cats.size(); ++c) {
        for (VertexId v : cats[c].facilities) tasks.emplace_back(c, v);
    }
    std::atomic<std::uint64_t> total{0};
    tbb::enumerable_thread_specific<MultiSourceDijkstra> searches(
        [&] { return MultiSourceDijkstra(g); });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, tasks.size(), 16),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                          MultiSourceDijkstra& search =
                              searches.local();  // one per thread, O(1) reset per run
                          std::uint64_t local = 0;
                          for (std::size_t t = r.begin(); t != r.end(); ++t) {
                              const auto [c, f] = tasks[t];
                              const SearchSource src{f, 0, 0};
                              std::uint32_t* counts = out[c].data();
                              search.run(std::span(&src, 1), metres_to_cm(cats[c].radius_m),
                                         [&](VertexId v, Distance, std::uint32_t) {
                                             std::atomic_ref<std::uint32_t>(counts[v]).fetch_add(
                                                 1, std::memory_order_relaxed);
                                         });
                              local += search.settled_count();
                          }
                          total.fetch_add(local, std::memory_order_relaxed);
                      });
    if (settled) *settled = total.load();
    return out;
}

}  // namespace lc15::bench
