// Scenario edits re-scored on the real Monaco city (configs/monaco.toml: 4,046 vertices, 9,201
// homes, 22 categories), loaded once through io::load_city. An edit is one kindergarten
// added at (or moved to) a home's position, 41 positions spread over the homes, as in
// docs/SCENARIOS.md. Items: edits (or full computations) per second; wall time (TBB threads).
//   BM_MonacoAddRescore      add_facility + update_report (the incremental re-scoring)
//   BM_MonacoMoveRescore     move_facility + update_report
//   BM_MonacoCloseRescore    remove_facility (an existing kindergarten closed) + update_report
//   BM_MonacoRandomRescore   200 seeded random edits (add / move / close, any category, at home
//                            positions) each timed with its update_report: counters p50_ms,
//                            p99_ms, max_ms, mean_ms and changes_per_edit
//   BM_MonacoAddOnly         add_facility alone (the edit's share of the above)
//   BM_MonacoAddFullReport   add_facility + a whole report() (how scenarios re-scored before)
//   BM_MonacoComputeReport   full compute() + report(), for comparison
//   BM_MonacoEvaluateAdd     ScenarioEvaluator::evaluate of a one-edit scenario adding a
//                            270-place kindergarten (a category with places: the edit, the
//                            coverage and places re-scoring, the comparison and the undo);
//                            counter places_per_edit: city kindergarten places moved
//   BM_MonacoEvaluateMove    the same for moving one of the city's kindergartens to a site
//   BM_MonacoEvaluateClose   the same for closing one of the city's kindergartens
// LC15_BENCH_CITY=<config.toml> runs the same items on another city instead of Monaco, e.g. a
// synthetic city from lc15_synth_city --toml (the names keep "Monaco" so results compare).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
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

    static std::string config_path() {
        const char* other = std::getenv("LC15_BENCH_CITY");
        return other && *other ? other : LC15_SOURCE_DIR "/configs/monaco.toml";
    }

    Monaco() : city(io::load_city(io::load_city_config(config_path()))) {
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

// Once per benchmark: the updated report must equal a fresh report() exactly. Empty when it
// does, else the first difference.
std::string report_difference(const CoverageReport& a, const CoverageReport& b) {
    if (a.communities.size() != b.communities.size() || a.city.size() != b.city.size())
        return "shape";
    for (std::size_t c = 0; c < a.communities.size(); ++c) {
        const CommunityMetrics& x = a.communities[c];
        const CommunityMetrics& y = b.communities[c];
        const std::string at = "community " + std::to_string(c);
        if (x.score != y.score || x.lacking != y.lacking) return at + " score";
        for (std::size_t k = 0; k < x.by_category.size(); ++k) {
            const CategoryCommunityMetrics& p = x.by_category[k];
            const CategoryCommunityMetrics& q = y.by_category[k];
            const std::string ak = at + " category " + std::to_string(k) + " ";
            if (p.population != q.population || p.covered_population != q.covered_population ||
                p.share != q.share)
                return ak + "population";
            if (p.median_m != q.median_m || p.p90_m != q.p90_m) return ak + "quantiles";
            if (p.facilities_within != q.facilities_within)
                return ak + "facilities_within " + std::to_string(p.facilities_within) + " vs " +
                       std::to_string(q.facilities_within);
            if (p.pass != q.pass) return ak + "pass";
        }
    }
    for (std::size_t k = 0; k < a.city.size(); ++k) {
        if (a.city[k].population != b.city[k].population ||
            a.city[k].covered_population != b.city[k].covered_population ||
            a.city[k].share != b.city[k].share)
            return "city category " + std::to_string(k);
    }
    if (a.city_score != b.city_score)
        return "city score " + std::to_string(a.city_score) + " vs " + std::to_string(b.city_score);
    return {};
}
bool same_report(const CoverageReport& a, const CoverageReport& b) {
    return report_difference(a, b).empty();
}

// Times `add` (one kindergarten added at the next site, plus whatever the variant re-scores)
// over the sites in turn; `undo` removes it again outside the timing. Reports the home
// results changed per edit and edits per second.
template <class Add, class Undo>
void time_adds(benchmark::State& state, const Monaco& c, CoverageModel& m, Add add, Undo undo) {
    std::size_t i = 0, changes = 0;
    for (auto _ : state) {
        Delta d;
        const FacilityHandle f = add(c.sites[i % c.sites.size()], d);
        changes += d.changes.size();
        state.PauseTiming();
        undo(f);
        state.ResumeTiming();
        ++i;
    }
    state.counters["changes_per_edit"] = double(changes) / double(state.iterations());
    state.SetItemsProcessed(state.iterations());
}

void BM_MonacoAddRescore(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    CoverageModel m = io::make_coverage_model(c.city);
    m.compute();
    CoverageReport report = m.report(c.num_communities);
    {  // the check, outside the timed loop
        Delta d;
        const FacilityHandle f = m.add_facility(c.kindergarten, c.sites.front(), &d);
        m.update_report(report, d);
        if (!same_report(report, m.report(c.num_communities))) {
            state.SkipWithError("update_report after add differs from a fresh report()");
            return;
        }
        Delta u;
        m.remove_facility(f, &u);
        m.update_report(report, u);
        if (!same_report(report, m.report(c.num_communities))) {
            state.SkipWithError("update_report after remove differs from a fresh report()");
            return;
        }
    }
    time_adds(
        state, c, m,
        [&](const SnapResult& site, Delta& d) {
            const FacilityHandle f = m.add_facility(c.kindergarten, site, &d);
            m.update_report(report, d);
            benchmark::DoNotOptimize(report);
            return f;
        },
        [&](FacilityHandle f) {
            Delta u;
            m.remove_facility(f, &u);
            m.update_report(report, u);
        });
}
BENCHMARK(BM_MonacoAddRescore)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MonacoMoveRescore(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    std::vector<FacilityHandle> handle_of_record;
    CoverageModel m = io::make_coverage_model(c.city, &handle_of_record);
    FacilityHandle f = kInvalidId;  // the city's first kindergarten
    for (std::size_t r = 0; r < c.city.facilities.size() && f == kInvalidId; ++r)
        if (c.city.facilities[r].category == c.kindergarten) f = handle_of_record[r];
    if (f == kInvalidId || !m.facility_active(f)) {
        state.SkipWithError("Monaco: no kindergarten on the network to move");
        return;
    }
    m.compute();
    CoverageReport report = m.report(c.num_communities);
    {
        Delta d;
        m.move_facility(f, c.sites.front(), &d);
        m.update_report(report, d);
        if (!same_report(report, m.report(c.num_communities))) {
            state.SkipWithError("update_report after move differs from a fresh report()");
            return;
        }
    }
    std::size_t i = 1, changes = 0;
    for (auto _ : state) {
        Delta d;
        m.move_facility(f, c.sites[i++ % c.sites.size()], &d);
        m.update_report(report, d);
        benchmark::DoNotOptimize(report);
        changes += d.changes.size();
    }
    state.counters["changes_per_edit"] = double(changes) / double(state.iterations());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MonacoMoveRescore)->Unit(benchmark::kMillisecond)->UseRealTime();

// The city's kindergartens on the network, up to 41 spread over the records.
std::vector<FacilityHandle> kindergartens(const Monaco& c, const CoverageModel& m,
                                          const std::vector<FacilityHandle>& handle_of_record) {
    std::vector<FacilityHandle> all;
    for (std::size_t r = 0; r < c.city.facilities.size(); ++r) {
        const FacilityHandle f = handle_of_record[r];
        if (c.city.facilities[r].category == c.kindergarten && f != kInvalidId &&
            m.facility_active(f) && m.facility_snap(f).ok())
            all.push_back(f);
    }
    std::vector<FacilityHandle> out;
    for (std::size_t i = 0; i < 41 && !all.empty(); ++i) {
        const FacilityHandle f = all[i * all.size() / 41];
        if (out.empty() || out.back() != f) out.push_back(f);
    }
    return out;
}

void BM_MonacoCloseRescore(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    std::vector<FacilityHandle> handle_of_record;
    CoverageModel m = io::make_coverage_model(c.city, &handle_of_record);
    std::vector<FacilityHandle> open = kindergartens(c, m, handle_of_record);
    if (open.empty()) {
        state.SkipWithError("Monaco: no kindergarten on the network to close");
        return;
    }
    m.compute();
    CoverageReport report = m.report(c.num_communities);
    // Reopens open[i] (under a new handle) and brings the report back, outside the timing.
    auto reopen = [&](std::size_t i) {
        Delta u;
        open[i] = m.add_facility(c.kindergarten, m.facility_entrances(open[i]), &u);
        m.update_report(report, u);
    };
    {
        Delta d;
        m.remove_facility(open.front(), &d);
        m.update_report(report, d);
        if (!same_report(report, m.report(c.num_communities))) {
            state.SkipWithError("update_report after close differs from a fresh report()");
            return;
        }
        reopen(0);
    }
    std::size_t i = 0, changes = 0;
    for (auto _ : state) {
        const std::size_t j = i++ % open.size();
        Delta d;
        m.remove_facility(open[j], &d);
        m.update_report(report, d);
        benchmark::DoNotOptimize(report);
        changes += d.changes.size();
        state.PauseTiming();
        reopen(j);
        state.ResumeTiming();
    }
    state.counters["changes_per_edit"] = double(changes) / double(state.iterations());
    state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MonacoCloseRescore)->Unit(benchmark::kMillisecond)->UseRealTime();

// 200 edits drawn with seed 42: a third each add a facility of a random category at a random
// home's position, move a random open facility there, or close one. Each edit and its
// update_report are timed together; the report is checked against a fresh one at the end.
void BM_MonacoRandomRescore(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    CoverageModel m = io::make_coverage_model(c.city);
    m.compute();
    const auto ncat = static_cast<std::uint32_t>(m.rules().size());
    std::vector<double> ms;
    std::size_t changes = 0;
    for (auto _ : state) {
        CoverageReport report = m.report(c.num_communities);
        std::vector<FacilityHandle> open;
        for (FacilityHandle f = 0; f < m.num_facility_handles(); ++f)
            if (m.facility_active(f)) open.push_back(f);
        std::mt19937_64 rng(42);
        auto site = [&] {
            for (;;) {
                const SnapResult& s = c.city.homes[rng() % c.city.homes.size()].snap;
                if (s.ok()) return s;
            }
        };
        for (int e = 0; e < 200; ++e) {
            const int op = open.empty() ? 0 : static_cast<int>(rng() % 3);
            const auto cat = static_cast<std::uint32_t>(rng() % ncat);
            const std::size_t pick = open.empty() ? 0 : rng() % open.size();
            const SnapResult where = site();
            Delta d;
            const auto t0 = std::chrono::steady_clock::now();
            if (op == 0) {
                open.push_back(m.add_facility(cat, where, &d));
            } else if (op == 1) {
                m.move_facility(open[pick], where, &d);
            } else {
                m.remove_facility(open[pick], &d);
            }
            m.update_report(report, d);
            const auto t1 = std::chrono::steady_clock::now();
            if (op == 2) {
                open[pick] = open.back();
                open.pop_back();
            }
            benchmark::DoNotOptimize(report);
            ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            changes += d.changes.size();
        }
        state.PauseTiming();
        if (const std::string diff = report_difference(report, m.report(c.num_communities));
            !diff.empty()) {
            const std::string what =
                "update_report after random edits differs from a fresh report(): " + diff;
            state.SkipWithError(what.c_str());
            return;
        }
        state.ResumeTiming();
    }
    std::sort(ms.begin(), ms.end());
    const auto at = [&](double q) { return ms[static_cast<std::size_t>(q * (ms.size() - 1))]; };
    double sum = 0;
    for (double x : ms) sum += x;
    state.counters["p50_ms"] = at(0.5);
    state.counters["p99_ms"] = at(0.99);
    state.counters["max_ms"] = ms.back();
    state.counters["mean_ms"] = sum / double(ms.size());
    state.counters["changes_per_edit"] = double(changes) / double(ms.size());
    state.SetItemsProcessed(static_cast<std::int64_t>(ms.size()));
}
BENCHMARK(BM_MonacoRandomRescore)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(1);

void BM_MonacoAddOnly(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    CoverageModel m = io::make_coverage_model(c.city);
    m.compute();
    time_adds(
        state, c, m,
        [&](const SnapResult& site, Delta& d) { return m.add_facility(c.kindergarten, site, &d); },
        [&](FacilityHandle f) { m.remove_facility(f); });
}
BENCHMARK(BM_MonacoAddOnly)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_MonacoAddFullReport(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    CoverageModel m = io::make_coverage_model(c.city);
    m.compute();
    time_adds(
        state, c, m,
        [&](const SnapResult& site, Delta& d) {
            const FacilityHandle f = m.add_facility(c.kindergarten, site, &d);
            const CoverageReport r = m.report(c.num_communities);
            benchmark::DoNotOptimize(r.city_score);
            return f;
        },
        [&](FacilityHandle f) { m.remove_facility(f); });
}
BENCHMARK(BM_MonacoAddFullReport)->Unit(benchmark::kMillisecond)->UseRealTime();

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
BENCHMARK(BM_MonacoComputeReport)->Unit(benchmark::kMillisecond)->UseRealTime();

// One ScenarioEvaluator over the city for the evaluate benchmarks (its base computed once).
struct Evaluator {
    scenarios::ScenarioCity city;
    std::unique_ptr<scenarios::ScenarioEvaluator> ev;
    std::vector<std::string> kindergartens;  // ids of the city's kindergartens, up to 41 spread
    explicit Evaluator(const Monaco& c) : city(scenarios::make_scenario_city(c.city)) {
        ev = std::make_unique<scenarios::ScenarioEvaluator>(city);
        const auto& all = city.facilities.at(c.kindergarten);
        for (std::size_t i = 0; i < 41 && !all.empty(); ++i) {
            const std::string& id = all[i * all.size() / 41].id;
            if (kindergartens.empty() || kindergartens.back() != id) kindergartens.push_back(id);
        }
    }
};
Evaluator& evaluator(const Monaco& c) {
    static Evaluator e(c);
    return e;
}

scenarios::Scenario one_edit(std::string name, scenarios::Edit e) {
    scenarios::Scenario s;
    s.name = std::move(name);
    e.index = 1;
    e.where = "bench (edit 1)";
    e.category = "kindergarten";
    e.point_names.assign(e.points.size(), s.name);
    s.edits.push_back(std::move(e));
    return s;
}

// Times evaluate over the scenarios in turn; counts the kindergarten places the edit moved
// (city places after - before: a category with places, re-scored by its PlaceTracker).
void time_evaluate(benchmark::State& state, const Monaco& c,
                   const std::vector<scenarios::Scenario>& scen) {
    scenarios::ScenarioEvaluator& ev = *evaluator(c).ev;
    std::size_t i = 0;
    double moved = 0;
    for (auto _ : state) {
        const scenarios::ScenarioOutcome out = ev.evaluate(scen[i++ % scen.size()]);
        benchmark::DoNotOptimize(out.city_score_after);
        const scenarios::CategoryChange& k = out.city[c.kindergarten];
        moved += std::abs(k.places_after - k.places_before);
    }
    state.counters["places_per_edit"] = moved / double(state.iterations());
    state.SetItemsProcessed(state.iterations());
}

// A one-edit scenario adding a 270-place kindergarten at one of the sites.
void BM_MonacoEvaluateAdd(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    std::vector<scenarios::Scenario> scen;
    for (std::size_t i = 0; i < c.site_pos.size(); ++i) {
        scenarios::Edit e;
        e.type = scenarios::EditType::kAddFacility;
        e.points = {c.site_pos[i]};
        e.capacity = 270;
        scen.push_back(one_edit("kindergarten " + std::to_string(i), std::move(e)));
    }
    time_evaluate(state, c, scen);
}
BENCHMARK(BM_MonacoEvaluateAdd)->Unit(benchmark::kMillisecond)->UseRealTime();

// A one-edit scenario moving one of the city's kindergartens to one of the sites (its
// catchment before and after re-scored).
void BM_MonacoEvaluateMove(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    const Evaluator& ev = evaluator(c);
    if (ev.kindergartens.empty()) {
        state.SkipWithError("no kindergarten to move");
        return;
    }
    std::vector<scenarios::Scenario> scen;
    for (std::size_t i = 0; i < c.site_pos.size(); ++i) {
        scenarios::Edit e;
        e.type = scenarios::EditType::kMoveFacility;
        e.ref = ev.kindergartens[i % ev.kindergartens.size()];
        e.points = {c.site_pos[i]};
        scen.push_back(one_edit("move " + std::to_string(i), std::move(e)));
    }
    time_evaluate(state, c, scen);
}
BENCHMARK(BM_MonacoEvaluateMove)->Unit(benchmark::kMillisecond)->UseRealTime();

// A one-edit scenario closing one of the city's kindergartens.
void BM_MonacoEvaluateClose(benchmark::State& state) {
    const Monaco& c = monaco();
    if (!usable(state, c)) return;
    const Evaluator& ev = evaluator(c);
    if (ev.kindergartens.empty()) {
        state.SkipWithError("no kindergarten to close");
        return;
    }
    std::vector<scenarios::Scenario> scen;
    for (const std::string& id : ev.kindergartens) {
        scenarios::Edit e;
        e.type = scenarios::EditType::kCloseFacility;
        e.ref = id;
        scen.push_back(one_edit("close " + id, std::move(e)));
    }
    time_evaluate(state, c, scen);
}
BENCHMARK(BM_MonacoEvaluateClose)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace lc15
