// lc15's own CSR and search against Boost.Graph on the same generated city: the measurement
// behind keeping engine/graph.hpp + engine/search.hpp (see engine/bgl.hpp).
//
//   ./build-bench/bench/lc15_bench --benchmark_filter=Bgl\|Ours
//
// Three ways to run one Dijkstra from one vertex, unbounded and bounded at 500 m:
//  * Ours:   MultiSourceDijkstra on WalkGraph (timestamps: O(1) reset, inclusive limit);
//  * BglOnWalkGraph: boost::dijkstra_shortest_paths_no_color_map on WalkGraph through the
//    adaptors of engine/bgl.hpp (no copy of the graph);
//  * BglCsr: the same BGL algorithm on boost::compressed_sparse_row_graph with 32-bit vertex
//    and edge indices (PITFALLS: the default size_t doubles the memory) and a uint32 weight.
// BGL has no distance limit: the bounded runs stop it by throwing from the visitor at the first
// vertex beyond 500 m, the usual BGL idiom, and still pay the O(V) initialisation of the
// distance map on every run. Items are settled vertices; each run's count is checked against
// lc15's so that no variant can look faster by doing less.
#include <benchmark/benchmark.h>

#include <boost/graph/compressed_sparse_row_graph.hpp>
#include <boost/graph/dijkstra_shortest_paths_no_color_map.hpp>
#include <map>
#include <memory>

#include "bench/grid_city.hpp"
#include "engine/bgl.hpp"
#include "engine/components.hpp"

namespace lc15::bench {
namespace {

struct ArcWeight {
    std::uint32_t w;
};
using Csr = boost::compressed_sparse_row_graph<boost::directedS, boost::no_property, ArcWeight,
                                               boost::no_property, std::uint32_t, std::uint32_t>;

struct BglCity {
    WalkGraph g;
    Csr csr;
    VertexId source = 0;
    std::uint32_t unbounded_settled = 0, bounded_settled = 0;
};

constexpr Distance kLimit = 50000;  // 500 m

const BglCity& city(std::uint32_t vertices) {
    static std::map<std::uint32_t, std::unique_ptr<BglCity>> cache;
    auto& c = cache[vertices];
    if (!c) {
        c = std::make_unique<BglCity>();
        c->g = make_grid_city(grid_city_for(vertices));
        const Components comp = connected_components(c->g);
        VertexId s = c->g.num_vertices() / 2;
        while (comp.component[s] != 0) ++s;
        c->source = s;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> arcs;
        std::vector<ArcWeight> w;
        for (VertexId v = 0; v < c->g.num_vertices(); ++v) {
            for (ArcId a = c->g.first_out(v); a < c->g.first_out(v + 1); ++a) {
                arcs.emplace_back(v, c->g.head(a));
                w.push_back({c->g.arc_length(a)});
            }
        }
        c->csr =
            Csr(boost::edges_are_sorted, arcs.begin(), arcs.end(), w.begin(), c->g.num_vertices());
        MultiSourceDijkstra search(c->g);
        const std::vector<SearchSource> src{{s, 0, 0}};
        search.run(src, kMaxSearchDistance,
                   [&](VertexId, Distance, std::uint32_t) { ++c->unbounded_settled; });
        search.run(src, kLimit, [&](VertexId, Distance, std::uint32_t) { ++c->bounded_settled; });
    }
    return *c;
}

struct Stop {};

template <class Graph>
struct CountingVisitor : boost::default_dijkstra_visitor {
    std::uint32_t* settled;
    const std::vector<Distance>* dist;
    Distance limit;
    template <class V>
    void examine_vertex(V v, const Graph&) {
        if ((*dist)[v] > limit) throw Stop{};
        ++*settled;
    }
};

void report(benchmark::State& state, std::uint64_t settled, const WalkGraph& g) {
    state.SetItemsProcessed(static_cast<std::int64_t>(settled));
    state.counters["vertices"] = g.num_vertices();
}

void BM_Ours(benchmark::State& state) {
    const BglCity& c = city(static_cast<std::uint32_t>(state.range(0)));
    const Distance limit = state.range(1) ? kLimit : kMaxSearchDistance;
    const std::uint32_t want = state.range(1) ? c.bounded_settled : c.unbounded_settled;
    MultiSourceDijkstra search(c.g);
    const std::vector<SearchSource> src{{c.source, 0, 0}};
    std::uint64_t total = 0;
    for (auto _ : state) {
        std::uint32_t seen = 0;
        search.run(src, limit, [&](VertexId, Distance, std::uint32_t) { ++seen; });
        if (seen != want) return state.SkipWithError("settled count differs");
        total += seen;
    }
    report(state, total, c.g);
}

template <class Graph, class WeightMap>
void run_bgl(benchmark::State& state, const Graph& graph, WeightMap weights, const BglCity& c) {
    const Distance limit = state.range(1) ? kLimit : kMaxSearchDistance;
    const std::uint32_t want = state.range(1) ? c.bounded_settled : c.unbounded_settled;
    std::vector<Distance> d(c.g.num_vertices());
    std::uint64_t total = 0;
    for (auto _ : state) {
        std::uint32_t seen = 0;
        CountingVisitor<Graph> vis;
        vis.settled = &seen;
        vis.dist = &d;
        vis.limit = limit;
        try {
            boost::dijkstra_shortest_paths_no_color_map(
                graph, c.source,
                boost::weight_map(weights)
                    .distance_map(boost::make_iterator_property_map(
                        d.begin(), boost::get(boost::vertex_index, graph)))
                    .distance_inf(kInfDistance)
                    .visitor(vis));
        } catch (const Stop&) {
        }
        if (seen != want) return state.SkipWithError("settled count differs from lc15's");
        total += seen;
    }
    report(state, total, c.g);
}

void BM_BglOnWalkGraph(benchmark::State& state) {
    const BglCity& c = city(static_cast<std::uint32_t>(state.range(0)));
    run_bgl(state, c.g, arc_length_map(c.g), c);
}

void BM_BglCsr(benchmark::State& state) {
    const BglCity& c = city(static_cast<std::uint32_t>(state.range(0)));
    run_bgl(state, c.csr, boost::get(&ArcWeight::w, c.csr), c);
    state.counters["csr_bytes_per_arc"] =
        double(c.csr.m_forward.m_rowstart.size() * 4 + c.csr.m_forward.m_column.size() * 4 +
               boost::num_edges(c.csr) * sizeof(ArcWeight)) /
        boost::num_edges(c.csr);
    state.counters["lc15_bytes_per_arc"] = double(c.g.core_bytes()) / c.g.num_arcs();
}

// Args: vertices, bounded (0: unbounded, 1: 500 m).
BENCHMARK(BM_Ours)->Args({250000, 0})->Args({250000, 1})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BglOnWalkGraph)->Args({250000, 0})->Args({250000, 1})->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_BglCsr)->Args({250000, 0})->Args({250000, 1})->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace lc15::bench
