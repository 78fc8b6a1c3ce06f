// Scenario edits re-scored on the real Monaco city (configs/monaco.toml: 4,046 vertices, 9,201
// homes, 22 categories), loaded once through io::load_city. An edit is one kindergarten
// added at (or moved to) a home's position, 41 positions spread over the homes, as in
// docs/SCENARIOS.md. Items: edits (or full computations) per second.
//   BM_MonacoAddFullReport   add_facility + a whole report() (how scenarios re-scored before)
//   BM_MonacoComputeReport   full compute() + report(), for comparison
//   BM_MonacoEvaluateAdd     ScenarioEvaluator::evaluate of a one-edit add_facility scenario
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/coverage.hpp"
#include "io/city.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/scenario.hpp"

namespace lc15 {
namespace {

struct Monaco {
    io::City city;
    std::uint32_t num_communities = 0;
    std::uint32_t kindergarten = kInvalidId;
    std::vector<SnapResult> sites;  // snapped home positions, spread over the homes
    std::vector<LonLat> site_pos;

    Monaco() : city(io::load_city(io::load_city_config(LC15_SOURCE_DIR "/configs/monaco.toml"))) {
        num_communities = static_cast<std::uint32_t>(city.communities.size());
        const auto rules = city.effective_rules();
        for (std::uint32_t k = 0; k < rules.size(); ++k)
            if (rules[k].id == "kindergarten") kindergarten = k;
        const std::size_t n = city.homes.size();
        for (std::size_t i = 0; i < 41 && n > 0; ++i) {
            const io::HomeRecord& h = city.homes[i * n / 41];
            if (!h.snap.ok()) continue;
            sites.push_back(h.snap);
            site_pos.push_back(h.pos);
        }
    }
};

const Monaco& monaco() {
    static const Monaco m;
    return m;
}

bool usable(benchmark::State& state, const Monaco& c) {
    if (c.kindergarten == kInvalidId || c.sites.empty()) {
        state.SkipWithError("Monaco: no kindergarten category or no snapped home");
        return false;
    }
    return true;
}

void BM_MonacoAddFullReport(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    CoverageModel m = io::make_coverage_model(c.city);
    m.compute();
    std::size_t i = 0, changes = 0;
    for (auto _ : state) {
        Delta d;
        const FacilityHandle f = m.add_facility(c.kindergarten, c.sites[i % c.sites.size()], &d);
        const CoverageReport r = m.report(c.num_communities);
        benchmark::DoNotOptimize(r.city_score);
        changes += d.changes.size();
        state.PauseTiming();
        m.remove_facility(f);
        state.ResumeTiming();
        ++i;
    }
    state.counters["changes_per_edit"] = double(changes) / double(state.iterations());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MonacoAddFullReport)->Unit(benchmark::kMillisecond);

void BM_MonacoComputeReport(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    CoverageModel m = io::make_coverage_model(c.city);
    for (auto _ : state) {
        m.compute();
        const CoverageReport r = m.report(c.num_communities);
        benchmark::DoNotOptimize(r.city_score);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MonacoComputeReport)->Unit(benchmark::kMillisecond);

void BM_MonacoEvaluateAdd(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    const scenarios::ScenarioCity sc = scenarios::make_scenario_city(c.city);
    scenarios::ScenarioEvaluator ev(sc);
    std::vector<scenarios::Scenario> scen;
    for (std::size_t i = 0; i < c.site_pos.size(); ++i) {
        scenarios::Scenario s;
        s.name = "kindergarten " + std::to_string(i);
        scenarios::Edit e;
        e.type = scenarios::EditType::kAddFacility;
        e.index = 1;
        e.where = "bench (edit 1)";
        e.category = "kindergarten";
        e.name = s.name;
        e.points = {c.site_pos[i]};
        e.point_names = {s.name};
        s.edits.push_back(e);
        scen.push_back(std::move(s));
    }
    std::size_t i = 0;
    for (auto _ : state) {
        const scenarios::ScenarioOutcome out = ev.evaluate(scen[i++ % scen.size()]);
        benchmark::DoNotOptimize(out.city_score_after);
    }
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MonacoEvaluateAdd)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lc15
