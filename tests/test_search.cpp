// Oracle tests: the multi-source bounded Dijkstra against a naive Bellman-Ford on random
// graphs. Seed fixed, overridable with LC15_TEST_SEED.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "engine/search.hpp"

#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

using lc15::test::test_seed;

WalkGraph random_graph(std::mt19937_64& rng, int n, int m, bool with_steps) {
    GraphBuilder b;
    std::uniform_real_distribution<double> coord(0.0, 0.02);
    std::vector<LonLat> pos(n);
    for (auto& p : pos) p = {122.2 + coord(rng), 40.6 + coord(rng)};
    std::uniform_int_distribution<int> pick(0, n - 1);
    for (int i = 0; i < m; ++i) {
        const int a = pick(rng), c = pick(rng);
        std::vector<WayNode> nodes{{std::uint64_t(a) + 1, pos[a]}, {std::uint64_t(c) + 1, pos[c]}};
        b.add_way(i, nodes, with_steps && (rng() % 5 == 0) ? kEdgeSteps : 0);
    }
    return std::move(b).build();
}

// Bellman-Ford on the same graph: the oracle.
std::vector<std::pair<Distance, std::uint32_t>> oracle(const WalkGraph& g,
                                                       const std::vector<SearchSource>& src,
                                                       Distance limit, std::uint8_t forbidden) {
    std::vector<std::pair<Distance, std::uint32_t>> d(g.num_vertices(), {kInfDistance, kInvalidId});
    for (const auto& s : src) {
        d[s.vertex] = std::min(d[s.vertex], std::make_pair(s.offset, s.label));
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (VertexId v = 0; v < g.num_vertices(); ++v) {
            if (d[v].first == kInfDistance) continue;
            for (ArcId a = g.first_out(v); a < g.first_out(v + 1); ++a) {
                if (g.arc_flags(a) & forbidden) continue;
                const auto cand = std::make_pair(d[v].first + g.arc_length(a), d[v].second);
                if (cand < d[g.head(a)]) {
                    d[g.head(a)] = cand;
                    changed = true;
                }
            }
        }
    }
    for (auto& x : d) {
        if (x.first > limit) x = {kInfDistance, kInvalidId};
    }
    return d;
}

TEST(MultiSourceDijkstra, MatchesBellmanFordOnRandomGraphs) {
    std::mt19937_64 rng(test_seed());
    for (int round = 0; round < 40; ++round) {
        const int n = 20 + static_cast<int>(rng() % 60);
        const WalkGraph g = random_graph(rng, n, n * 2, round % 2 == 1);
        MultiSourceDijkstra search(g);
        for (int q = 0; q < 5; ++q) {
            std::vector<SearchSource> src;
            const int k = 1 + static_cast<int>(rng() % 4);
            for (int i = 0; i < k; ++i) {
                src.push_back({static_cast<VertexId>(rng() % g.num_vertices()),
                               static_cast<Distance>(rng() % 20000),
                               static_cast<std::uint32_t>(rng() % 3)});
            }
            const Distance limit =
                q == 0 ? kMaxSearchDistance : static_cast<Distance>(rng() % 300000);
            const std::uint8_t forbidden = round % 2 == 1 ? kEdgeSteps : 0;
            std::vector<int> settled(g.num_vertices(), 0);
            Distance last = 0;
            search.run(
                src, limit,
                [&](VertexId v, Distance d, std::uint32_t) {
                    ++settled[v];
                    EXPECT_GE(d, last) << "settled out of order";
                    last = d;
                },
                forbidden);
            const auto want = oracle(g, src, limit, forbidden);
            for (VertexId v = 0; v < g.num_vertices(); ++v) {
                ASSERT_EQ(search.distance(v), want[v].first)
                    << "seed " << test_seed() << " round " << round << " v " << v;
                ASSERT_EQ(search.label(v), want[v].second)
                    << "label, round " << round << " v " << v;
                ASSERT_EQ(settled[v], want[v].first == kInfDistance ? 0 : 1);
            }
        }
    }
}

// run_nearest's own state and loop against run() on the same searches, ties of distance
// between sources included (offsets on a coarse grid, few labels), and against the oracle.
TEST(MultiSourceDijkstra, RunNearestMatchesRunUnbounded) {
    std::mt19937_64 rng(test_seed() + 1);
    for (int round = 0; round < 40; ++round) {
        const int n = 20 + static_cast<int>(rng() % 80);
        const WalkGraph g = random_graph(rng, n, n * 2, round % 2 == 1);
        MultiSourceDijkstra search(g);
        MultiSourceDijkstra reference(g);
        std::vector<Distance> dist(g.num_vertices(), 7);
        std::vector<std::uint32_t> label(g.num_vertices(), 7);
        for (int q = 0; q < 5; ++q) {
            std::vector<SearchSource> src;
            const int k = 1 + static_cast<int>(rng() % 12);
            for (int i = 0; i < k; ++i) {
                src.push_back({static_cast<VertexId>(rng() % g.num_vertices()),
                               static_cast<Distance>(rng() % 4 * 5000),
                               static_cast<std::uint32_t>(rng() % 4)});
            }
            const std::uint8_t forbidden = round % 2 == 1 ? kEdgeSteps : 0;
            search.run_nearest(src, dist, label, forbidden);
            reference.run(
                src, kMaxSearchDistance, [](VertexId, Distance, std::uint32_t) {}, forbidden);
            const auto want = oracle(g, src, kMaxSearchDistance, forbidden);
            std::uint32_t reached = 0;
            for (VertexId v = 0; v < g.num_vertices(); ++v) {
                ASSERT_EQ(dist[v], reference.distance(v)) << "round " << round << " v " << v;
                ASSERT_EQ(label[v], reference.label(v)) << "round " << round << " v " << v;
                ASSERT_EQ(dist[v], want[v].first) << "round " << round << " v " << v;
                ASSERT_EQ(label[v], want[v].second) << "round " << round << " v " << v;
                reached += dist[v] != kInfDistance;
            }
            EXPECT_EQ(search.settled_count(), reached) << "each reached vertex settled once";
            EXPECT_EQ(search.distance(src[0].vertex), kInfDistance)
                << "run()'s results are not those of run_nearest";
        }
    }
}

// Forbidden flags that no arc carries are dropped before the search (its arcs' flags then go
// unread); the flags some arc carries still keep those arcs out, in run() and run_nearest().
TEST(MultiSourceDijkstra, ForbiddenFlagsAbsentFromTheGraphChangeNothing) {
    std::mt19937_64 rng(test_seed() + 2);
    int with_steps = 0;  // rounds whose graph has steps to keep out
    for (int round = 0; round < 20; ++round) {
        const bool steps = round % 2 == 1;
        const int n = 20 + static_cast<int>(rng() % 60);
        const WalkGraph g = random_graph(rng, n, n * 2, steps);
        std::uint8_t present = 0;
        for (ArcId a = 0; a < g.num_arcs(); ++a) present |= g.arc_flags(a);
        ASSERT_EQ(g.arc_flags_present(), present) << "round " << round;
        if (!steps) ASSERT_EQ(present & kEdgeSteps, 0) << "round " << round;
        with_steps += (present & kEdgeSteps) != 0;
        MultiSourceDijkstra search(g);
        std::vector<Distance> dist(g.num_vertices());
        std::vector<std::uint32_t> label(g.num_vertices());
        const std::vector<SearchSource> src{
            {static_cast<VertexId>(rng() % g.num_vertices()), 0, 0},
            {static_cast<VertexId>(rng() % g.num_vertices()), 3000, 1}};
        const std::uint8_t forbidden = kEdgeClosed | kEdgeSteps;
        const auto want = oracle(g, src, kMaxSearchDistance, forbidden);
        search.run_nearest(src, dist, label, forbidden);
        for (VertexId v = 0; v < g.num_vertices(); ++v) {
            ASSERT_EQ(dist[v], want[v].first) << "round " << round << " v " << v;
            ASSERT_EQ(label[v], want[v].second) << "round " << round << " v " << v;
        }
        search.run(
            src, 200000, [](VertexId, Distance, std::uint32_t) {}, forbidden);
        const auto bounded = oracle(g, src, 200000, forbidden);
        for (VertexId v = 0; v < g.num_vertices(); ++v)
            ASSERT_EQ(search.distance(v), bounded[v].first) << "round " << round << " v " << v;
    }
    EXPECT_GT(with_steps, 0) << "no graph had steps: the flags kept were not tried";
}

TEST(MultiSourceDijkstra, LimitIsInclusive) {
    GraphBuilder b;
    // Three vertices on a line, 100 m apart (about 0.0011788 deg of latitude each).
    const double step = 100.0 / (kEarthRadiusM * kPi / 180.0);
    std::vector<WayNode> nodes{
        {1, {122.0, 40.0}}, {2, {122.0, 40.0 + step}}, {3, {122.0, 40.0 + 2 * step}}};
    b.add_way(1, std::span(nodes.data(), 2), 0);
    b.add_way(2, std::span(nodes.data() + 1, 2), 0);
    const WalkGraph g = std::move(b).build();
    ASSERT_EQ(g.num_vertices(), 3u);
    VertexId first = 0;
    for (VertexId v = 0; v < 3; ++v)
        if (g.vertex_key(v) == 1) first = v;
    MultiSourceDijkstra search(g);
    const std::vector<SearchSource> src{{first, 0, 0}};
    int count = 0;
    search.run(src, 20000, [&](VertexId, Distance, std::uint32_t) { ++count; });
    EXPECT_EQ(count, 3) << "a vertex exactly at the limit is settled";
    search.run(src, 19999, [&](VertexId, Distance, std::uint32_t) { ++count; });
    EXPECT_EQ(count, 5) << "one short of the limit leaves the far vertex out";
}

}  // namespace
}  // namespace lc15
