// Ranking every dead-end link on the real Monaco city (configs/monaco.toml: 4,046 vertices,
// 9,201 homes, 22 categories), loaded once through io::load_city; target: under 2 s
// (docs/BENCHMARKS.md). Wall time (TBB threads), as `lc15 deadends` runs it.
//   BM_MonacoDeadendsRank      dead ends + candidate links + scorer + one score per link + rank
//   BM_MonacoDeadendsScoreOnly one score per candidate link (the scorer built once)
//   BM_MonacoNetworkMetrics    the network indicators of every community
#include <benchmark/benchmark.h>

#include <oneapi/tbb/parallel_for.h>

#include <vector>

#include "engine/network_metrics.hpp"
#include "io/city.hpp"
#include "io/network_figures.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/deadends.hpp"

namespace lc15 {
namespace {

struct MonacoLinks {
    io::City city = io::load_city(io::load_city_config(LC15_SOURCE_DIR "/configs/monaco.toml"));
    scenarios::ScenarioCity sc = scenarios::make_scenario_city(city);
    scenarios::ScenarioEvaluator ev{sc};
};

MonacoLinks& monaco() {
    static MonacoLinks m;
    return m;
}

struct Ranked {
    std::size_t candidates = 0;
    std::vector<std::size_t> order;
};

Ranked rank_all(MonacoLinks& m) {
    const io::NetworkFigures nf = io::network_inputs(m.city);
    const auto ends = dead_end_vertices(nf.inputs(m.city.osm.graph));
    scenarios::LinkOptions opt;
    opt.max_snap_m = m.city.config.max_snap_m;
    opt.forbidden_flags = m.city.forbidden_flags;
    const auto c = scenarios::find_link_candidates(m.city.osm.graph, *m.city.snapper, ends,
                                                   scenarios::link_barriers(m.city), opt);
    const scenarios::LinkScorer scorer(m.ev.base_model());
    std::vector<scenarios::LinkGain> gains(c.size());
    std::vector<scenarios::LinkReach> reaches(c.size());
    tbb::parallel_for(std::size_t{0}, c.size(), [&](std::size_t i) {
        if (c[i].refusal == scenarios::LinkRefusal::kNone)
            gains[i] = scorer.score(c[i].from_snap, c[i].to_snap, &reaches[i]);
        else
            reaches[i].assign(scorer.num_categories(), {});
    });
    Ranked r;
    for (const auto& x : c) r.candidates += x.refusal == scenarios::LinkRefusal::kNone;
    r.order = scenarios::rank_links_greedy(scorer, c, gains, reaches).order;  // as lc15 deadends
    return r;
}

void BM_MonacoDeadendsRank(benchmark::State& state) {
    MonacoLinks& m = monaco();
    std::size_t n = 0;
    for (auto _ : state) {
        Ranked r = rank_all(m);
        n = r.candidates;
        benchmark::DoNotOptimize(r.order.data());
    }
    state.counters["links"] = static_cast<double>(n);
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(BM_MonacoDeadendsRank)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MonacoDeadendsScoreOnly(benchmark::State& state) {
    MonacoLinks& m = monaco();
    const io::NetworkFigures nf = io::network_inputs(m.city);
    const auto ends = dead_end_vertices(nf.inputs(m.city.osm.graph));
    scenarios::LinkOptions opt;
    opt.max_snap_m = m.city.config.max_snap_m;
    const auto c = scenarios::find_link_candidates(m.city.osm.graph, *m.city.snapper, ends,
                                                   scenarios::link_barriers(m.city), opt);
    const scenarios::LinkScorer scorer(m.ev.base_model());
    std::vector<scenarios::LinkGain> gains(c.size());
    for (auto _ : state) {
        tbb::parallel_for(std::size_t{0}, c.size(), [&](std::size_t i) {
            if (c[i].refusal == scenarios::LinkRefusal::kNone)
                gains[i] = scorer.score(c[i].from_snap, c[i].to_snap);
        });
        benchmark::DoNotOptimize(gains.data());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.size()));
}
BENCHMARK(BM_MonacoDeadendsScoreOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MonacoNetworkMetrics(benchmark::State& state) {
    MonacoLinks& m = monaco();
    for (auto _ : state) {
        io::NetworkFigures f = io::network_figures(m.city);
        benchmark::DoNotOptimize(f.report.city.walk_km);
    }
    state.counters["communities"] = static_cast<double>(m.city.communities.size());
}
BENCHMARK(BM_MonacoNetworkMetrics)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace lc15
