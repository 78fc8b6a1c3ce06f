// OSM ingest benchmarks on the Monaco extract (180k nodes, 27k ways, 212 relations).
//   BM_ReadOsmMonaco   read_osm end to end: both passes, areas, stops, routes, graph build
//   BM_BuildGraph      GraphBuilder alone on Monaco's walkable ways (already decoded)
// Compare with `osmium cat data/osm/monaco.osm.pbf -f opl -o /dev/null` (pure decode + write),
// the I/O limit.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "engine/graph.hpp"
#include "io/osm_reader.hpp"

namespace {

const std::filesystem::path kMonaco =
    std::filesystem::path(LC15_SOURCE_DIR) / "data/osm/monaco.osm.pbf";

void BM_ReadOsmMonaco(benchmark::State& state) {
    std::uint64_t objects = 0;
    for (auto _ : state) {
        lc15::io::OsmData d = lc15::io::read_osm(kMonaco);
        objects = d.nodes + d.ways + d.relations;
        benchmark::DoNotOptimize(d.graph.num_edges());
    }
    if (objects == 0) state.SkipWithError("nothing read");
    state.SetItemsProcessed(static_cast<std::int64_t>(objects) * state.iterations());
    state.counters["objects"] = static_cast<double>(objects);
}
// Real time: libosmium decodes PBF blocks on its own worker threads.
BENCHMARK(BM_ReadOsmMonaco)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_BuildGraph(benchmark::State& state) {
    // Rebuild from the edges of the read graph: same ways, shapes and node keys.
    const lc15::io::OsmData d = lc15::io::read_osm(kMonaco);
    std::size_t nodes = 0;
    for (lc15::EdgeId e = 0; e < d.graph.num_edges(); ++e) nodes += d.graph.edge_shape(e).size();
    for (auto _ : state) {
        lc15::GraphBuilder b = lc15::GraphBuilder::from_graph(d.graph);
        lc15::WalkGraph g = std::move(b).build();
        if (g.num_edges() != d.graph.num_edges()) state.SkipWithError("graph changed");
        benchmark::DoNotOptimize(g.num_vertices());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(nodes) * state.iterations());
    state.counters["way_nodes"] = static_cast<double>(nodes);
}
BENCHMARK(BM_BuildGraph)->Unit(benchmark::kMillisecond);

}  // namespace
