// Siting kernels on a generated grid city: building the candidates' coverage sets (one bounded
// Dijkstra per candidate, parallel) and choosing K = 30 sites by lazy greedy.
//
//   ./build/bench/lc15_bench --benchmark_filter=Siting
#include <benchmark/benchmark.h>

#include <random>

#include "scenarios/siting.hpp"

namespace lc15 {
namespace {

constexpr LonLat kOrigin{113.52, 22.26};

// An n × n street grid with `block_m` blocks and homes every 25 m along the streets (set back
// 15 m), 20 residents each; candidates every 100 m along the streets.
struct GridCity {
    WalkGraph g;
    std::vector<Home> homes;
    std::vector<LonLat> home_points;
    Candidates cands;

    GridCity(int n, double block_m) {
        const LocalProjection proj(kOrigin);
        GraphBuilder b;
        auto key = [&](int i, int j) { return static_cast<std::uint64_t>(i) * 100000 + j + 1; };
        for (int i = 0; i < n; ++i) {
            for (int j = 0; j + 1 < n; ++j) {
                std::vector<WayNode> h{
                    {key(i, j), proj.inverse(j * block_m, i * block_m)},
                    {key(i, j + 1), proj.inverse((j + 1) * block_m, i * block_m)}};
                std::vector<WayNode> v{
                    {key(j, i), proj.inverse(i * block_m, j * block_m)},
                    {key(j + 1, i), proj.inverse(i * block_m, (j + 1) * block_m)}};
                b.add_way(2 * (i * n + j), h, 0);
                b.add_way(2 * (i * n + j) + 1, v, 0);
            }
        }
        g = std::move(b).build();
        Snapper snapper(g);
        const double extent = (n - 1) * block_m;
        for (double y = 0; y <= extent; y += block_m) {
            for (double x = 12.5; x < extent; x += 25) {
                const LonLat p = proj.inverse(x, y + 15);
                home_points.push_back(p);
                homes.push_back({snapper.snap(p, 100), 20, 0});
            }
        }
        cands = generate_candidates(g, {100, 100, 0}, home_points, {});
    }
};

const GridCity& city() {
    static const GridCity c(41, 150);  // 6 × 6 km, 3,280 edges
    return c;
}

void BM_SitingCoverageSets(benchmark::State& state) {
    const GridCity& c = city();
    SitingOptions opt;
    opt.radius_m = static_cast<double>(state.range(0));
    std::size_t entries = 0;
    for (auto _ : state) {
        CoverageSets s = build_coverage_sets(c.g, c.cands.snaps, c.homes, {}, opt);
        entries = s.home.size();
        benchmark::DoNotOptimize(s);
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * c.cands.snaps.size()));
    state.counters["candidates"] = static_cast<double>(c.cands.snaps.size());
    state.counters["homes"] = static_cast<double>(c.homes.size());
    state.counters["set_entries"] = static_cast<double>(entries);
}
BENCHMARK(BM_SitingCoverageSets)->Arg(300)->Arg(500)->Unit(benchmark::kMillisecond);

void BM_SitingGreedyK30(benchmark::State& state) {
    const GridCity& c = city();
    SitingOptions opt;
    opt.radius_m = static_cast<double>(state.range(0));
    opt.k = 30;
    opt.min_spacing_m = 200;
    const CoverageSets s = build_coverage_sets(c.g, c.cands.snaps, c.homes, {}, opt);
    const auto pos = c.cands.positions();
    SitingResult r;
    for (auto _ : state) {
        r = greedy_siting(s, pos, opt);
        benchmark::DoNotOptimize(r);
    }
    if (r.steps.size() != 30) state.SkipWithError("greedy chose fewer than 30 sites");
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * 30));
    state.counters["evaluations"] = static_cast<double>(r.evaluations);
    state.counters["plain_greedy_evaluations"] = static_cast<double>(30 * s.num_candidates());
    state.counters["share"] = r.steps.empty() ? 0 : r.steps.back().share;
}
BENCHMARK(BM_SitingGreedyK30)->Arg(300)->Arg(500)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lc15

namespace lc15 {
namespace {

// One facility edit re-scored incrementally (CoverageModel::move_facility) against a full
// recomputation of the same category set, on the grid city with 40 kindergartens.
struct EditFixture {
    std::vector<SnapResult> sites;
    EditFixture() {
        const GridCity& c = city();
        std::mt19937_64 rng(7);
        for (int i = 0; i < 40; ++i) sites.push_back(c.cands.snaps[rng() % c.cands.snaps.size()]);
    }
};
const std::vector<CategoryRule> kRules{{"kindergarten", "", "", 5, 300, 1, 1, ""},
                                       {"primary_school", "", "", 10, 500, 1, 1, ""}};

void BM_EditIncremental(benchmark::State& state) {
    const GridCity& c = city();
    const EditFixture fx;
    CoverageModel m(c.g, kRules, {});
    m.set_homes(c.homes);
    std::vector<FacilityHandle> h;
    for (std::size_t i = 0; i < fx.sites.size(); ++i)
        h.push_back(m.add_facility(static_cast<std::uint32_t>(i % 2), fx.sites[i]));
    m.compute();
    std::size_t i = 0, changed = 0;
    for (auto _ : state) {
        Delta d;
        m.move_facility(h[0], c.cands.snaps[i++ % c.cands.snaps.size()], &d);
        changed += d.changes.size();
    }
    state.counters["homes_changed_per_edit"] =
        static_cast<double>(changed) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_EditIncremental)->Unit(benchmark::kMicrosecond);

void BM_EditFullRecompute(benchmark::State& state) {
    const GridCity& c = city();
    const EditFixture fx;
    std::size_t i = 0;
    for (auto _ : state) {
        CoverageModel m(c.g, kRules, {});
        m.set_homes(c.homes);
        m.add_facility(0, c.cands.snaps[i++ % c.cands.snaps.size()]);
        for (std::size_t j = 1; j < fx.sites.size(); ++j)
            m.add_facility(static_cast<std::uint32_t>(j % 2), fx.sites[j]);
        m.compute();
        benchmark::DoNotOptimize(m);
    }
}
BENCHMARK(BM_EditFullRecompute)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace lc15
