// Google Benchmark of lc15's search kernel (engine/search.hpp) on generated grid cities.
//
//   ./build/bench/lc15_bench --benchmark_counters_tabular=true
//
// items_per_second is vertices settled per second. Every benchmark checks that the search
// settled what it should (an independent count) and fails with SkipWithError otherwise, so a
// faster number can never come from doing less work.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>

#include "bench/grid_city.hpp"
#include "engine/components.hpp"

namespace lc15::bench {
namespace {

struct City {
    WalkGraph g;
    Components comp;
    std::vector<BenchCategory> cats;
};

const City& city(std::uint32_t vertices) {
    static std::map<std::uint32_t, std::unique_ptr<City>> cache;
    auto& c = cache[vertices];
    if (!c) {
        c = std::make_unique<City>();
        c->g = make_grid_city(grid_city_for(vertices));
        c->comp = connected_components(c->g);
        c->cats = pick_facilities(c->g, 42);
    }
    return *c;
}

// One unbounded search from one vertex: settles exactly its connected component.
void BM_SingleSourceUnbounded(benchmark::State& state) {
    const City& c = city(static_cast<std::uint32_t>(state.range(0)));
    MultiSourceDijkstra search(c.g);
    VertexId src = 0;
    while (c.comp.component[src] != 0) ++src;  // a vertex of the main network
    const std::vector<SearchSource> sources{{src, 0, 0}};
    std::uint64_t settled = 0;
    for (auto _ : state) {
        std::uint32_t seen = 0;
        search.run(sources, kMaxSearchDistance, [&](VertexId, Distance d, std::uint32_t) {
            ++seen;
            benchmark::DoNotOptimize(d);
        });
        if (seen != c.comp.size[0] || search.settled_count() != seen) {
            state.SkipWithError("settled count differs from the component size");
            return;
        }
        settled += seen;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(settled));
    state.counters["vertices"] = c.g.num_vertices();
}

// Kernel 1's search, every facility of the benchmark's category (its second argument) as a
// source: runs search_once per iteration and checks that it settled every vertex of the
// components holding a facility.
template <class SearchOnce>
void category_benchmark(benchmark::State& state, SearchOnce&& search_once) {
    const City& c = city(static_cast<std::uint32_t>(state.range(0)));
    const BenchCategory& cat = c.cats[static_cast<std::size_t>(state.range(1))];
    std::vector<SearchSource> sources;
    std::vector<char> has(c.comp.count(), 0);
    for (VertexId v : cat.facilities) {
        sources.push_back({v, 0, 0});
        has[c.comp.component[v]] = 1;
    }
    std::uint64_t expected = 0;
    for (std::uint32_t k = 0; k < c.comp.count(); ++k) expected += has[k] ? c.comp.size[k] : 0;
    MultiSourceDijkstra search(c.g);
    std::uint64_t settled = 0;
    for (auto _ : state) {
        search_once(search, sources);
        if (search.settled_count() != expected) {
            state.SkipWithError("settled count differs from the reachable vertices");
            return;
        }
        settled += search.settled_count();
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(settled));
    state.counters["sources"] = static_cast<double>(sources.size());
}

// Through run(), its 16-byte state per vertex, nothing written out.
void BM_MultiSourceCategory(benchmark::State& state) {
    category_benchmark(
        state, [](MultiSourceDijkstra& search, const std::vector<SearchSource>& sources) {
            search.run(sources, kMaxSearchDistance,
                       [](VertexId, Distance d, std::uint32_t) { benchmark::DoNotOptimize(d); });
        });
}

// The same search as coverage runs it: run_nearest, 8 bytes of state per vertex, every
// vertex's (distance, label) written out. A third argument of 1 forbids closed ways, as every
// city run does (io::City::forbidden_flags) on a graph where no way is closed.
void BM_MultiSourceNearest(benchmark::State& state) {
    std::vector<Distance> dist;
    std::vector<std::uint32_t> label;
    const std::uint8_t forbidden = state.range(2) != 0 ? kEdgeClosed : 0;
    category_benchmark(state,
                       [&](MultiSourceDijkstra& search, const std::vector<SearchSource>& sources) {
                           dist.resize(search.graph().num_vertices());
                           label.resize(search.graph().num_vertices());
                           search.run_nearest(sources, dist, label, forbidden);
                           benchmark::DoNotOptimize(dist.data());
                       });
}

// Kernel 2's search: one bounded search per facility, radius in metres. The expected ball
// sizes come from searches with twice the limit, counting distances within the radius.
void BM_BoundedPerFacility(benchmark::State& state) {
    const City& c = city(static_cast<std::uint32_t>(state.range(0)));
    const Distance limit = metres_to_cm(static_cast<double>(state.range(1)));
    const std::vector<VertexId>& fac = c.cats.back().facilities;  // the densest category
    const std::size_t n = std::min<std::size_t>(fac.size(), 256);
    MultiSourceDijkstra search(c.g);
    std::vector<std::uint32_t> expected(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        const SearchSource s{fac[i], 0, 0};
        search.run(std::span(&s, 1), 2 * limit,
                   [&](VertexId, Distance d, std::uint32_t) { expected[i] += d <= limit; });
    }
    std::uint64_t settled = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i < n; ++i) {
            const SearchSource s{fac[i], 0, 0};
            search.run(std::span(&s, 1), limit,
                       [](VertexId, Distance d, std::uint32_t) { benchmark::DoNotOptimize(d); });
            if (search.settled_count() != expected[i]) {
                state.SkipWithError("a bounded search settled a different ball than the oracle");
                return;
            }
            settled += search.settled_count();
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(settled));
    state.counters["searches"] = static_cast<double>(n);
}

BENCHMARK(BM_SingleSourceUnbounded)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MultiSourceCategory)
    ->Args({1'000'000, 2})
    ->Args({1'000'000, 7})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MultiSourceNearest)
    ->Args({1'000'000, 2, 0})
    ->Args({1'000'000, 7, 0})
    ->Args({1'000'000, 7, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BoundedPerFacility)
    ->Args({1'000'000, 300})
    ->Args({1'000'000, 500})
    ->Args({1'000'000, 1000})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lc15::bench
