// The nightly history's cost on a Monaco-size run (docs/NIGHTLY.md, "Speed"):
//   BM_MonacoRun          the whole measurement lc15 nightly does before storing: load the
//                         city (OSM, snapping), compute, report, bus analysis
//   BM_HistoryWriteMonaco snapshot_run + History::write_run of that run into an SQLite
//                         history (one transaction, synchronous = FULL); target: < 10 % of
//                         BM_MonacoRun
//   BM_Trend365           History::trend of one community, every category, over 365 stored
//                         Monaco runs (SQLite); target: < 100 ms
//   BM_Trend365OneCategory  the same for one category
// Items processed: rows written / trend points read (asserted non-zero).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "history/history.hpp"
#include "io/bus_analysis.hpp"
#include "io/city.hpp"

namespace {

namespace fs = std::filesystem;
using namespace lc15;

struct MonacoRun {
    io::City city;
    std::vector<FacilityHandle> handles;
    std::optional<CoverageModel> model;
    CoverageReport report;
    std::optional<io::BusAnalysis> bus;
};

std::unique_ptr<MonacoRun> run_monaco() {
    auto r = std::make_unique<MonacoRun>();
    const io::CityConfig cfg =
        io::load_city_config(fs::path(LC15_SOURCE_DIR) / "configs/monaco.toml");
    r->city = io::load_city(cfg);
    r->model.emplace(io::make_coverage_model(r->city, &r->handles));
    r->model->compute();
    r->report = r->model->report(static_cast<std::uint32_t>(r->city.communities.size()));
    r->bus = io::analyse_bus(r->city, io::BusAnalysisOptions{});
    return r;
}

MonacoRun& monaco() {
    static std::unique_ptr<MonacoRun> r = run_monaco();
    return *r;
}

history::RunSnapshot snapshot() {
    MonacoRun& m = monaco();
    history::SnapshotInfo info{"bench", "2026-01-01T02:00:00Z", 0, {}};
    return history::snapshot_run(m.city, *m.model, m.report, m.handles, &*m.bus, info);
}

std::size_t rows_of(const history::RunSnapshot& s) {
    return 1 + s.inputs.size() + s.figures.size() + s.city_figures.size() + s.bus.size() +
           s.facilities.size() + s.stops.size() + s.serving.size();
}

fs::path temp_file(const std::string& name) {
    return fs::temp_directory_path() / ("lc15_bench_" + name + "_" + std::to_string(getpid()));
}

void BM_MonacoRun(benchmark::State& state) {
    for (auto _ : state) {
        auto r = run_monaco();
        benchmark::DoNotOptimize(r->report.city_score);
    }
}
BENCHMARK(BM_MonacoRun)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3);

void BM_HistoryWriteMonaco(benchmark::State& state) {
    monaco();
    const fs::path file = temp_file("write");
    std::size_t rows = 0;
    for (auto _ : state) {
        state.PauseTiming();
        fs::remove(file);
        fs::remove(file.string() + "-journal");
        history::History h(history::open_database(file.string()));
        history::RunSnapshot empty;  // run 1: a history that is not empty
        h.write_run(empty);
        state.ResumeTiming();
        history::RunSnapshot s = snapshot();
        h.write_run(s);
        rows += rows_of(s);
    }
    if (rows == 0) state.SkipWithError("nothing written");
    state.SetItemsProcessed(static_cast<std::int64_t>(rows));
    fs::remove(file);
}
BENCHMARK(BM_HistoryWriteMonaco)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(5);

const fs::path& history_365() {
    static const fs::path file = [] {
        const fs::path f = temp_file("365");
        fs::remove(f);
        history::History h(history::open_database(f.string()));
        history::RunSnapshot s = snapshot();
        for (int day = 0; day < 365; ++day) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "2026-%02d-%02dT02:00:00Z", 1 + day / 31 % 12,
                          1 + day % 28);
            s.started_at = buf;
            s.inputs_key = std::to_string(day);
            h.write_run(s);
        }
        return f;
    }();
    return file;
}

void trend(benchmark::State& state, const std::string& category) {
    const fs::path& f = history_365();
    history::History h(history::open_database(f.string()));
    const std::string community = monaco().city.communities[0].name.empty()
                                      ? monaco().city.communities[0].id
                                      : monaco().city.communities[0].name;
    std::size_t points = 0;
    for (auto _ : state) {
        const auto t = h.trend({.community = community, .category = category});
        points += t.size();
        benchmark::DoNotOptimize(t.data());
    }
    if (points == 0) state.SkipWithError("no trend points");
    state.SetItemsProcessed(static_cast<std::int64_t>(points));
    state.counters["points_per_query"] =
        static_cast<double>(points) / static_cast<double>(state.iterations());
}

void BM_Trend365(benchmark::State& state) { trend(state, ""); }
BENCHMARK(BM_Trend365)->Unit(benchmark::kMillisecond)->UseRealTime();
void BM_Trend365OneCategory(benchmark::State& state) { trend(state, "kindergarten"); }
BENCHMARK(BM_Trend365OneCategory)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
