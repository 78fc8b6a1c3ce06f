// Places against demand and exact siting on the real Monaco city (configs/monaco.toml), loaded
// once through io::load_city. Targets (docs/BENCHMARKS.md): 2SFCA for every category < 50 ms;
// exact siting of 30 pocket parks < 30 s, with the gap printed if the limit stops it.
//   BM_MonacoTwoStepAllCategories  reach matrices (one bounded search per facility) + the two
//                                  sparse products, for all 22 categories
//   BM_MonacoTwoStepProducts       the two products alone, reach matrices built beforehand
//   BM_MonacoExactPocketParks30    CBC on K = 30 pocket parks over the optimiser's candidates
//
//   ./build-bench/bench/lc15_bench --benchmark_filter=MonacoTwoStep\|MonacoExact
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "engine/capacity.hpp"
#include "io/city.hpp"
#include "io/coverage_output.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/siting.hpp"

namespace lc15 {
namespace {

struct MonacoPlaces {
    io::City city;
    CoverageModel model;
    std::vector<DemandRule> demand;  // per category: the rules' group, else everyone
    std::vector<double> places;      // per handle: capacity, else 100 (a benchmark's stand-in)
    MonacoPlaces()
        : city(io::load_city(io::load_city_config(LC15_SOURCE_DIR "/configs/monaco.toml"))),
          model(io::make_coverage_model(city)) {
        model.compute();
        for (const io::CategoryDef& c : city.config.rules.categories)
            demand.push_back(c.demand.enabled()
                                 ? c.demand
                                 : DemandRule{"everyone", 1.0, 1000, "benchmark", 100, ""});
        places = io::places_by_handle(city);
        for (double& p : places)
            if (p <= 0) p = 100;
    }
};

const MonacoPlaces& monaco() {
    static const MonacoPlaces m;
    return m;
}

void BM_MonacoTwoStepAllCategories(benchmark::State& state) {
    const MonacoPlaces& m = monaco();
    const auto nc = static_cast<std::uint32_t>(m.city.communities.size());
    double gap = 0;
    for (auto _ : state) {
        gap = 0;
        for (std::uint32_t k = 0; k < m.demand.size(); ++k)
            gap += measure_places(m.model, k, m.demand[k], m.places, nc).city.gap;
        benchmark::DoNotOptimize(gap);
    }
    state.counters["categories"] = static_cast<double>(m.demand.size());
    state.counters["facilities"] = static_cast<double>(m.model.num_facility_handles());
    state.counters["homes"] = static_cast<double>(m.model.homes().size());
}
BENCHMARK(BM_MonacoTwoStepAllCategories)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MonacoTwoStepProducts(benchmark::State& state) {
    const MonacoPlaces& m = monaco();
    std::vector<ReachMatrix> w;
    std::vector<std::vector<double>> demand;
    std::size_t nnz = 0;
    for (std::uint32_t k = 0; k < m.demand.size(); ++k) {
        w.push_back(reach_matrix(m.model, k));
        nnz += static_cast<std::size_t>(w.back().nonZeros());
        demand.push_back(demand_of(m.model, m.demand[k]));
    }
    for (auto _ : state) {
        for (std::size_t k = 0; k < w.size(); ++k) {
            TwoStepResult r = two_step(w[k], demand[k], m.places);
            benchmark::DoNotOptimize(r);
        }
    }
    state.counters["nonzeros"] = static_cast<double>(nnz);
}
BENCHMARK(BM_MonacoTwoStepProducts)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MonacoExactPocketParks30(benchmark::State& state) {
    const MonacoPlaces& m = monaco();
    const std::uint32_t cat = m.city.config.rules.index_of("pocket_park", "benchmark");
    const scenarios::SitingInputs in = scenarios::make_siting_inputs(m.city, cat);
    CandidateOptions co;
    co.forbidden_flags = in.options.forbidden_flags;
    const Candidates cands =
        generate_candidates(m.city.osm.graph, co, in.home_points, in.residential);
    SitingOptions opt = in.options;
    opt.k = 30;
    const CoverageSets sets =
        build_coverage_sets(m.city.osm.graph, cands.snaps, in.homes, in.existing, opt);
    const std::vector<LonLat> pos = cands.positions();
    const SitingResult greedy = greedy_siting(sets, pos, opt, in.existing_pos);
    ExactSiting e;
    for (auto _ : state) {
        e = ilp_siting(sets, pos, opt, in.existing_pos, nullptr, 30);
        benchmark::DoNotOptimize(e);
    }
    state.counters["candidates"] = static_cast<double>(cands.snaps.size());
    state.counters["exact"] = e.value;
    state.counters["bound"] = e.bound;
    state.counters["gap"] = e.gap;
    state.counters["optimal"] = e.optimal ? 1 : 0;
    state.counters["greedy_ratio"] = e.value > 0 ? greedy.covered() / e.value : 1.0;
}
BENCHMARK(BM_MonacoExactPocketParks30)->Unit(benchmark::kSecond)->UseRealTime()->Iterations(1);

}  // namespace
}  // namespace lc15
