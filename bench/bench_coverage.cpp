// Coverage kernels on a generated grid city: a 200 x 200 jittered street grid (100 m blocks,
// 1 in 10 streets missing), 20 categories (radii 300-1000 m, 200 facilities each, about one per 2
// km²) and 10,000 homes. Items: home-category results per second for compute(); edits per second
// for the incremental add + remove pair.
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <random>

#include "engine/coverage.hpp"

namespace lc15 {
namespace {

constexpr double kMetreLat = 1.0 / (kEarthRadiusM * kPi / 180.0);

LonLat at(double x, double y) {
    const double lat = 40.6 + y * kMetreLat;
    return {122.2 + x * kMetreLat / std::cos(deg2rad(lat)), lat};
}

struct City {
    static constexpr int kGrid = 200;
    static constexpr double kSpacing = 100;
    static constexpr int kCategories = 20, kFacilitiesPerCategory = 200, kHomes = 10000;
    WalkGraph graph;
    std::unique_ptr<Snapper> snapper;
    std::vector<CategoryRule> rules;
    std::vector<Home> homes;
    std::vector<std::pair<std::uint32_t, SnapResult>> facilities;
    std::vector<SnapResult> spare;  // positions for incremental edits

    City() {
        std::mt19937_64 rng(42);
        std::uniform_real_distribution<double> jitter(-20, 20);
        std::vector<LonLat> pos(kGrid * kGrid);
        for (int i = 0; i < kGrid; ++i)
            for (int j = 0; j < kGrid; ++j)
                pos[i * kGrid + j] = at(i * kSpacing + jitter(rng), j * kSpacing + jitter(rng));
        GraphBuilder b;
        std::int64_t id = 1;
        for (int i = 0; i < kGrid; ++i) {
            for (int j = 0; j < kGrid; ++j) {
                for (auto [di, dj] : {std::pair{1, 0}, std::pair{0, 1}}) {
                    if (i + di >= kGrid || j + dj >= kGrid || rng() % 10 == 0) continue;
                    const int a = i * kGrid + j, c = (i + di) * kGrid + (j + dj);
                    std::vector<WayNode> nodes{{std::uint64_t(a) + 1, pos[a]},
                                               {std::uint64_t(c) + 1, pos[c]}};
                    b.add_way(id++, nodes, rng() % 20 == 0 ? kEdgeSteps : 0);
                }
            }
        }
        graph = std::move(b).build();
        snapper = std::make_unique<Snapper>(graph);
        std::uniform_real_distribution<double> coord(0, (kGrid - 1) * kSpacing);
        for (int k = 0; k < kCategories; ++k) {
            CategoryRule r;
            r.id = "c" + std::to_string(k);
            r.radius_m = 300 + 700.0 * k / (kCategories - 1);
            rules.push_back(r);
        }
        for (int i = 0; i < kHomes; ++i) {
            homes.push_back({snapper->snap(at(coord(rng), coord(rng)), 100), 1.0 + rng() % 50,
                             static_cast<CommunityId>(rng() % 100)});
        }
        for (int k = 0; k < kCategories; ++k)
            for (int i = 0; i < kFacilitiesPerCategory; ++i)
                facilities.push_back({static_cast<std::uint32_t>(k),
                                      snapper->snap(at(coord(rng), coord(rng)), 100)});
        for (int i = 0; i < 64; ++i)
            spare.push_back(snapper->snap(at(coord(rng), coord(rng)), 100));
    }

    CoverageModel model() const {
        CoverageModel m(graph, rules, {});
        m.set_homes(homes);
        for (const auto& [k, s] : facilities) m.add_facility(k, s);
        return m;
    }
};

const City& city() {
    static const City c;
    return c;
}

void BM_CoverageCompute(benchmark::State& state) {
    const City& c = city();
    CoverageModel m = c.model();
    for (auto _ : state) {
        m.compute();
        benchmark::DoNotOptimize(m.home(0, 0).nearest);
    }
    std::uint64_t covered = 0;
    for (std::uint32_t k = 0; k < c.rules.size(); ++k)
        for (HomeId h = 0; h < c.homes.size(); ++h) covered += m.covered(k, h);
    if (covered == 0) state.SkipWithError("nothing covered: the benchmark measured nothing");
    state.counters["covered_share"] = double(covered) / (c.rules.size() * c.homes.size());
    state.SetItemsProcessed(state.iterations() *
                            static_cast<std::int64_t>(c.rules.size() * c.homes.size()));
}
BENCHMARK(BM_CoverageCompute)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_CoverageAddRemove(benchmark::State& state) {
    const City& c = city();
    CoverageModel m = c.model();
    m.compute();
    std::size_t i = 0, changes = 0;
    for (auto _ : state) {
        Delta d;
        const FacilityHandle f = m.add_facility(static_cast<std::uint32_t>(i % c.rules.size()),
                                                c.spare[i % c.spare.size()], &d);
        m.remove_facility(f, &d);
        changes += d.changes.size();
        ++i;
    }
    if (changes == 0) state.SkipWithError("no home changed: the benchmark measured nothing");
    state.counters["changes_per_edit"] = double(changes) / (2.0 * state.iterations());
    state.SetItemsProcessed(state.iterations() * 2);
}
BENCHMARK(BM_CoverageAddRemove)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace lc15
