// The siting optimiser: coverage sets against a Floyd–Warshall oracle, lazy greedy against
// plain greedy, greedy against the exact branch and bound (gap >= 0, >= (1 - 1/e) of the
// optimum), the branch and bound against enumeration, capacities, spacing, candidates.
// Seed fixed, overridable with LC15_TEST_SEED.
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <random>

#include "scenarios/siting.hpp"

#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

using lc15::test::test_seed;

constexpr LonLat kOrigin{113.55, 22.25};

LonLat at(double east_m, double north_m) {
    return LocalProjection(kOrigin).inverse(east_m, north_m);
}

WalkGraph random_graph(std::mt19937_64& rng, int n, int m, bool with_steps) {
    GraphBuilder b;
    std::uniform_real_distribution<double> coord(0.0, 1500.0);
    std::vector<LonLat> pos(n);
    for (auto& p : pos) p = at(coord(rng), coord(rng));
    std::uniform_int_distribution<int> pick(0, n - 1);
    for (int i = 0; i < m; ++i) {
        const int a = pick(rng), c = pick(rng);
        std::vector<WayNode> nodes{{std::uint64_t(a) + 1, pos[a]}, {std::uint64_t(c) + 1, pos[c]}};
        b.add_way(i, nodes, with_steps && (rng() % 5 == 0) ? kEdgeSteps : 0);
    }
    return std::move(b).build();
}

// All-pairs distances by Floyd–Warshall: the oracle.
std::vector<std::vector<std::uint64_t>> all_pairs(const WalkGraph& g, std::uint8_t forbidden) {
    const std::uint32_t n = g.num_vertices();
    constexpr std::uint64_t inf = std::uint64_t{1} << 50;
    std::vector<std::vector<std::uint64_t>> d(n, std::vector<std::uint64_t>(n, inf));
    for (VertexId v = 0; v < n; ++v) {
        d[v][v] = 0;
        for (ArcId a = g.first_out(v); a < g.first_out(v + 1); ++a) {
            if (g.arc_flags(a) & forbidden) continue;
            d[v][g.head(a)] = std::min<std::uint64_t>(d[v][g.head(a)], g.arc_length(a));
        }
    }
    for (VertexId k = 0; k < n; ++k)
        for (VertexId i = 0; i < n; ++i)
            for (VertexId j = 0; j < n; ++j) d[i][j] = std::min(d[i][j], d[i][k] + d[k][j]);
    return d;
}

std::uint64_t oracle_distance(const WalkGraph& g, const std::vector<std::vector<std::uint64_t>>& d,
                              const SnapResult& a, const SnapResult& b, bool legs) {
    std::uint64_t best = std::uint64_t{1} << 50;
    const std::pair<VertexId, Distance> ea[2] = {{g.edge_tail(a.edge), a.off_tail},
                                                 {g.edge_head(a.edge), a.off_head}};
    const std::pair<VertexId, Distance> eb[2] = {{g.edge_tail(b.edge), b.off_tail},
                                                 {g.edge_head(b.edge), b.off_head}};
    for (const auto& [u, ou] : ea)
        for (const auto& [w, ow] : eb) best = std::min(best, d[u][w] + ou + ow);
    if (a.edge == b.edge) {
        best = std::min<std::uint64_t>(
            best, a.off_tail > b.off_tail ? a.off_tail - b.off_tail : b.off_tail - a.off_tail);
    }
    return best + (legs ? a.access + b.access : 0);
}

struct Instance {
    WalkGraph g;
    std::vector<Home> homes;
    std::vector<SnapResult> cands, existing;
};

Instance random_instance(std::mt19937_64& rng, int n, int homes, int cands, int existing,
                         std::uint8_t forbidden) {
    Instance in;
    in.g = random_graph(rng, n, n * 2, forbidden != 0);
    Snapper snapper(in.g, forbidden);
    std::uniform_real_distribution<double> coord(0.0, 1500.0);
    for (int i = 0; i < homes; ++i) {
        Home h;
        h.snap = snapper.snap(at(coord(rng), coord(rng)), i % 17 == 0 ? 20.0 : 2000.0);
        h.population = 1 + static_cast<double>(rng() % 50);
        in.homes.push_back(h);
    }
    for (int i = 0; i < cands; ++i)
        in.cands.push_back(snapper.snap(at(coord(rng), coord(rng)), 2000));
    for (int i = 0; i < existing; ++i)
        in.existing.push_back(snapper.snap(at(coord(rng), coord(rng)), 2000));
    return in;
}

TEST(Siting, CoverageSetsMatchFloydWarshall) {
    std::mt19937_64 rng(test_seed());
    for (int round = 0; round < 12; ++round) {
        const std::uint8_t forbidden = round % 3 == 2 ? kEdgeSteps : 0;
        Instance in =
            random_instance(rng, 40 + static_cast<int>(rng() % 30), 120, 25, round % 4, forbidden);
        SitingOptions opt;
        opt.radius_m = 200 + static_cast<double>(rng() % 500);
        opt.access_legs = round % 2 == 0;
        opt.forbidden_flags = forbidden;
        const CoverageSets sets = build_coverage_sets(in.g, in.cands, in.homes, in.existing, opt);
        const auto d = all_pairs(in.g, forbidden);
        const Distance radius = metres_to_cm(opt.radius_m);

        double base = 0, total = 0;
        for (std::size_t h = 0; h < in.homes.size(); ++h) {
            total += in.homes[h].population;
            bool covered = false;
            for (const SnapResult& f : in.existing) {
                if (in.homes[h].snap.ok() && f.ok() &&
                    oracle_distance(in.g, d, in.homes[h].snap, f, opt.access_legs) <= radius)
                    covered = true;
            }
            if (covered) base += in.homes[h].population;
            const double want = !in.homes[h].snap.ok() || covered ? 0.0 : in.homes[h].population;
            EXPECT_EQ(sets.weight[h], want) << "round " << round << " home " << h;
        }
        EXPECT_DOUBLE_EQ(sets.base_covered, base);
        EXPECT_DOUBLE_EQ(sets.total_population, total);

        ASSERT_EQ(sets.num_candidates(), in.cands.size());
        for (std::uint32_t c = 0; c < sets.num_candidates(); ++c) {
            std::vector<std::pair<Distance, HomeId>> want;
            for (HomeId h = 0; h < in.homes.size(); ++h) {
                if (!in.homes[h].snap.ok() || !in.cands[c].ok()) continue;
                const auto dist =
                    oracle_distance(in.g, d, in.homes[h].snap, in.cands[c], opt.access_legs);
                if (dist <= radius) want.emplace_back(static_cast<Distance>(dist), h);
            }
            std::sort(want.begin(), want.end());
            std::vector<std::pair<Distance, HomeId>> got;
            for (std::uint32_t i = sets.first[c]; i < sets.first[c + 1]; ++i)
                got.emplace_back(sets.distance[i], sets.home[i]);
            EXPECT_EQ(got, want) << "round " << round << " candidate " << c;
        }
    }
}

// A straight street of 1000 m from west to east, drawn by hand:
//   home A at 100 m (20 p), B at 400 m (30 p), C at 650 m (10 p), D at 950 m (40 p);
//   candidates at 0, 500 and 900 m; radius 300 m, no access legs (points on the street).
TEST(Siting, HandDrawnStreet) {
    GraphBuilder b;
    std::vector<WayNode> nodes{{1, at(0, 0)}, {2, at(500, 0)}, {3, at(1000, 0)}};
    b.add_way(1, nodes, 0);
    const WalkGraph g = std::move(b).build();
    Snapper snapper(g);
    auto on = [&](double x) { return snapper.snap(at(x, 0), 1.0); };
    std::vector<Home> homes{{on(100), 20, 0}, {on(400), 30, 0}, {on(650), 10, 0}, {on(950), 40, 0}};
    std::vector<SnapResult> cands{on(0), on(500), on(900)};
    SitingOptions opt;
    opt.radius_m = 300;
    opt.k = 3;
    const CoverageSets sets = build_coverage_sets(g, cands, homes, {}, opt);
    ASSERT_EQ(sets.num_candidates(), 3u);
    EXPECT_EQ(std::vector<HomeId>(sets.homes_of(0).begin(), sets.homes_of(0).end()),
              (std::vector<HomeId>{0}));  // A at 100; B at 400 is beyond 300
    EXPECT_EQ(std::vector<HomeId>(sets.homes_of(1).begin(), sets.homes_of(1).end()),
              (std::vector<HomeId>{1, 2}));  // B at 100, C at 150 (A at 400: no)
    EXPECT_EQ(std::vector<HomeId>(sets.homes_of(2).begin(), sets.homes_of(2).end()),
              (std::vector<HomeId>{3, 2}));  // D at 50, C at 250

    // Greedy: 900 m reaches 50, 500 m reaches 40; take 900 (50), then 500 (+30), then 0 (+20).
    const auto pos = std::vector<LonLat>{at(0, 0), at(500, 0), at(900, 0)};
    SitingResult r = greedy_siting(sets, pos, opt);
    ASSERT_EQ(r.steps.size(), 3u);
    EXPECT_EQ(r.steps[0].candidate, 2u);
    EXPECT_DOUBLE_EQ(r.steps[0].gain, 50);
    EXPECT_EQ(r.steps[1].candidate, 1u);
    EXPECT_DOUBLE_EQ(r.steps[1].gain, 30);
    EXPECT_EQ(r.steps[2].candidate, 0u);
    EXPECT_DOUBLE_EQ(r.steps[2].covered, 100);
    EXPECT_DOUBLE_EQ(r.steps[2].share, 1.0);
    EXPECT_FALSE(r.exhausted);

    // An existing facility at 1000 m covers C (350 m? no) and D (50 m): only D drops out.
    std::vector<SnapResult> existing{on(1000)};
    const CoverageSets with_existing = build_coverage_sets(g, cands, homes, existing, opt);
    EXPECT_DOUBLE_EQ(with_existing.base_covered, 40);
    r = greedy_siting(with_existing, pos, opt);
    EXPECT_EQ(r.steps[0].candidate, 1u);  // 500 m: 40, ahead of 0 m (20) and 900 m (10)
    EXPECT_DOUBLE_EQ(r.steps[0].share, 0.8);

    // Spacing 450 m: after 900 m, 500 m is too close (400 m): next is 0 m; then nothing.
    opt.min_spacing_m = 450;
    r = greedy_siting(sets, pos, opt);
    ASSERT_EQ(r.steps.size(), 2u);
    EXPECT_EQ(r.steps[0].candidate, 2u);
    EXPECT_EQ(r.steps[1].candidate, 0u);
    EXPECT_DOUBLE_EQ(r.covered(), 70);
    EXPECT_TRUE(r.exhausted);

    // Capacities close the place gap (2SFCA): demand = residents; slots A | B, C | D with base
    // gaps 20, 40, 40. 0 m (100 places) reaches A only: 20. 500 m (25 places) reaches B and C:
    // 25 to slot 1. 900 m (45 places) reaches D (40) and C (10): 36 to slot 2, 9 to slot 1: 45.
    opt.min_spacing_m = 0;
    opt.k = 2;
    opt.capacity = {100, 25, 45};
    const PlaceGap gap{{20, 30, 10, 40}, {0, 1, 1, 2}, {20, 40, 40}};
    EXPECT_THROW(greedy_siting(sets, pos, opt), std::invalid_argument);  // capacity needs a gap
    r = greedy_siting(sets, pos, opt, {}, &gap);
    ASSERT_EQ(r.steps.size(), 2u);
    EXPECT_EQ(r.steps[0].candidate, 2u);
    EXPECT_DOUBLE_EQ(r.steps[0].gain, 45);
    // Then 500 m: min(40 - 9, 25) = 25 > 0 m's 20.
    EXPECT_EQ(r.steps[1].candidate, 1u);
    EXPECT_DOUBLE_EQ(r.steps[1].gain, 25);
    EXPECT_DOUBLE_EQ(r.total_population, 100);  // the base gap
    EXPECT_DOUBLE_EQ(r.steps[1].share, 0.7);    // of it closed
    const ExactSiting e = ilp_siting(sets, pos, opt, {}, &gap);
    EXPECT_TRUE(e.optimal);
    EXPECT_DOUBLE_EQ(e.value, 70);  // {900, 500}: 0 m with 900 m makes only 65

    // Gaussian decay (as the city's [places] decay = "gaussian"): 900 m weights D at 50 m and
    // C at 250 m by decay_weight, the same function 2SFCA uses.
    const PlaceShares ps = place_shares(sets, gap, opt.capacity, Decay::kGaussian, 300);
    const double wd = decay_weight(sets.distance[sets.first[2]], 30000, Decay::kGaussian);
    const double wc = decay_weight(sets.distance[sets.first[2] + 1], 30000, Decay::kGaussian);
    EXPECT_NEAR(wd, (std::exp(-0.5 / 36) - std::exp(-0.5)) / (1 - std::exp(-0.5)), 1e-3);
    ASSERT_EQ(ps.first[3] - ps.first[2], 2u);  // slots 1 (C) and 2 (D)
    EXPECT_NEAR(ps.places[ps.first[2] + 1], 45 * wd * 40 / (wd * 40 + wc * 10), 1e-9);
    EXPECT_NEAR(ps.places[ps.first[2]] + ps.places[ps.first[2] + 1], 45, 1e-9);
}

TEST(Siting, TiesGoToTheSiteFarthestFromThoseChosen) {
    // Four candidates on one street, each reaching its own 10 residents: all tie. After the
    // first (lowest index, nothing placed yet), the next is the farthest from it.
    GraphBuilder b;
    std::vector<WayNode> nodes{{1, at(0, 0)}, {2, at(3000, 0)}};
    b.add_way(1, nodes, 0);
    const WalkGraph g = std::move(b).build();
    Snapper snapper(g);
    auto on = [&](double x) { return snapper.snap(at(x, 0), 1.0); };
    std::vector<Home> homes;
    std::vector<SnapResult> cands;
    std::vector<LonLat> pos;
    for (double x : {100.0, 800.0, 1500.0, 2900.0}) {
        homes.push_back({on(x), 10, 0});
        cands.push_back(on(x));
        pos.push_back(at(x, 0));
    }
    SitingOptions opt;
    opt.radius_m = 200;
    opt.k = 3;
    const CoverageSets sets = build_coverage_sets(g, cands, homes, {}, opt);
    SitingResult r = greedy_siting(sets, pos, opt);
    ASSERT_EQ(r.steps.size(), 3u);
    EXPECT_EQ(r.steps[0].candidate, 0u);
    EXPECT_EQ(r.steps[1].candidate, 3u);  // 2,800 m from the first
    EXPECT_EQ(r.steps[2].candidate, 2u);  // 1,400 m from both, ahead of 800 m (700 m)
    // An existing facility at 0 m moves the first pick to the far end.
    r = greedy_siting(sets, pos, opt, std::vector<LonLat>{at(0, 0)});
    EXPECT_EQ(r.steps[0].candidate, 3u);
}

// A random set system, for solver-only tests.
CoverageSets random_sets(std::mt19937_64& rng, std::uint32_t nc, std::uint32_t nh, bool integer) {
    CoverageSets s;
    s.weight.resize(nh);
    for (auto& w : s.weight) {
        w = integer ? static_cast<double>(rng() % 6)
                    : std::uniform_real_distribution<double>(0, 10)(rng);
        s.total_population += w;
    }
    for (std::uint32_t c = 0; c < nc; ++c) {
        const std::uint32_t size = static_cast<std::uint32_t>(rng() % (nh / 3 + 1));
        std::vector<HomeId> hs;
        for (std::uint32_t i = 0; i < size; ++i) hs.push_back(static_cast<HomeId>(rng() % nh));
        std::sort(hs.begin(), hs.end());
        hs.erase(std::unique(hs.begin(), hs.end()), hs.end());
        for (HomeId h : hs) {
            s.home.push_back(h);
            s.distance.push_back(0);
        }
        s.first.push_back(static_cast<std::uint32_t>(s.home.size()));
    }
    return s;
}

// Plain greedy (re-evaluate everything every round, shares computed here from scratch), with
// the tie rule: lazy greedy must pick the same sites.
std::vector<std::uint32_t> plain_greedy(const CoverageSets& s, const SitingOptions& opt,
                                        std::span<const LonLat> pos, const PlaceGap* gap) {
    const bool cap = !opt.capacity.empty();
    std::vector<double> residual = cap ? gap->gap : s.weight;
    std::vector<std::uint32_t> chosen;
    std::vector<LonLat> placed;
    auto shares = [&](std::uint32_t c) {
        std::vector<double> by(gap->gap.size(), 0.0);
        double total = 0;
        for (HomeId h : s.homes_of(c)) {
            by[gap->slot[h]] += gap->demand[h];
            total += gap->demand[h];
        }
        for (double& x : by) x = total > 0 ? opt.capacity[c] * x / total : 0;
        return by;
    };
    auto gain = [&](std::uint32_t c) {
        double g = 0;
        if (cap) {
            const auto by = shares(c);
            for (std::size_t k = 0; k < by.size(); ++k) g += std::min(residual[k], by[k]);
        } else {
            for (HomeId h : s.homes_of(c)) g += residual[h];
        }
        return g;
    };
    for (std::uint32_t round = 0; round < opt.k; ++round) {
        double best = 0;
        for (std::uint32_t c = 0; c < s.num_candidates(); ++c) {
            if (std::find(chosen.begin(), chosen.end(), c) == chosen.end())
                best = std::max(best, gain(c));
        }
        if (best <= 0) break;
        std::uint32_t arg = kInvalidId;
        double arg_m = -1;
        for (std::uint32_t c = 0; c < s.num_candidates(); ++c) {
            if (std::find(chosen.begin(), chosen.end(), c) != chosen.end()) continue;
            if (!equal_gain(gain(c), best)) continue;
            double m = 1e300;
            for (const LonLat& q : placed) m = std::min(m, haversine_m(pos[c], q));
            if (m > arg_m) {  // strictly farther; equal keeps the lower index
                arg = c;
                arg_m = m;
            }
        }
        if (cap) {
            const auto by = shares(arg);
            for (std::size_t k = 0; k < by.size(); ++k) residual[k] -= std::min(residual[k], by[k]);
        } else {
            for (HomeId h : s.homes_of(arg)) residual[h] = 0;
        }
        chosen.push_back(arg);
        placed.push_back(pos[arg]);
    }
    return chosen;
}

PlaceGap random_gap(std::mt19937_64& rng, const CoverageSets& s, std::uint32_t slots) {
    PlaceGap g;
    for (std::size_t h = 0; h < s.weight.size(); ++h) {
        g.demand.push_back(static_cast<double>(rng() % 8));
        g.slot.push_back(static_cast<std::uint32_t>(rng() % slots));
    }
    for (std::uint32_t k = 0; k < slots; ++k) g.gap.push_back(static_cast<double>(rng() % 30));
    return g;
}

TEST(Siting, LazyGreedyPicksWhatPlainGreedyPicks) {
    std::mt19937_64 rng(test_seed() + 1);
    for (int round = 0; round < 200; ++round) {
        const CoverageSets s = random_sets(rng, 5 + rng() % 60, 20 + rng() % 200, round % 2 == 0);
        SitingOptions opt;
        opt.k = 1 + static_cast<std::uint32_t>(rng() % 12);
        std::vector<LonLat> pos;
        for (std::uint32_t c = 0; c < s.num_candidates(); ++c)
            pos.push_back(at(static_cast<double>(rng() % 2000), static_cast<double>(rng() % 2000)));
        PlaceGap gap;
        if (round % 3 == 0) {
            for (std::uint32_t c = 0; c < s.num_candidates(); ++c)
                opt.capacity.push_back(static_cast<double>(rng() % 40));
            gap = random_gap(rng, s, 1 + static_cast<std::uint32_t>(rng() % 6));
        }
        const SitingResult r =
            greedy_siting(s, pos, opt, {}, opt.capacity.empty() ? nullptr : &gap);
        std::vector<std::uint32_t> got;
        for (const auto& st : r.steps) got.push_back(st.candidate);
        EXPECT_EQ(got, plain_greedy(s, opt, pos, &gap)) << "round " << round;
        for (std::size_t i = 1; i < r.steps.size(); ++i)
            EXPECT_LE(r.steps[i].gain, r.steps[i - 1].gain + 1e-9);
    }
}

double enumerate_best(const CoverageSets& s, std::uint32_t k, std::span<const LonLat> pos,
                      double spacing) {
    const std::uint32_t n = s.num_candidates();
    double best = 0;
    for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
        if (static_cast<std::uint32_t>(__builtin_popcount(mask)) > k) continue;
        bool ok = true;
        std::vector<char> cov(s.weight.size(), 0);
        for (std::uint32_t a = 0; a < n && ok; ++a) {
            if (!(mask >> a & 1)) continue;
            for (std::uint32_t b = a + 1; b < n && ok; ++b)
                if ((mask >> b & 1) && spacing > 0 && haversine_m(pos[a], pos[b]) < spacing)
                    ok = false;
            for (HomeId h : s.homes_of(a)) cov[h] = 1;
        }
        if (!ok) continue;
        double v = 0;
        for (std::size_t h = 0; h < cov.size(); ++h) v += cov[h] ? s.weight[h] : 0;
        best = std::max(best, v);
    }
    return best;
}

TEST(Siting, GreedyWithinGuaranteeOfExactOptimum) {
    std::mt19937_64 rng(test_seed() + 2);
    const double bound = 1.0 - 1.0 / std::exp(1.0);
    double worst_ratio = 1.0, sum_gap = 0;
    int suboptimal = 0, rounds = 0;
    for (int round = 0; round < 150; ++round, ++rounds) {
        const std::uint32_t nc = 6 + static_cast<std::uint32_t>(rng() % 10);
        const CoverageSets s = random_sets(rng, nc, 15 + rng() % 40, true);
        SitingOptions opt;
        opt.k = 1 + static_cast<std::uint32_t>(rng() % 5);
        std::vector<LonLat> pos;
        for (std::uint32_t c = 0; c < nc; ++c) pos.push_back(at(rng() % 1000, rng() % 1000));
        if (round % 4 == 3) opt.min_spacing_m = 300;
        const SitingResult g = greedy_siting(s, pos, opt);
        const SitingResult e = exact_siting(s, pos, opt);
        const double brute = enumerate_best(s, opt.k, pos, opt.min_spacing_m);
        EXPECT_DOUBLE_EQ(e.covered(), brute) << "round " << round;
        EXPECT_GE(e.covered(), g.covered()) << "round " << round;  // gap >= 0
        if (opt.min_spacing_m == 0) {
            EXPECT_GE(g.covered(), bound * e.covered() - 1e-9) << "round " << round;
        }
        if (e.covered() > 0) {
            const double ratio = g.covered() / e.covered();
            worst_ratio = std::min(worst_ratio, ratio);
            sum_gap += 1 - ratio;
            if (ratio < 1) ++suboptimal;
        }
    }
    std::cout << "[ siting   ] greedy vs exact on " << rounds << " instances: worst ratio "
              << worst_ratio << ", mean gap " << sum_gap / rounds << ", suboptimal " << suboptimal
              << "\n";
}

// Brute force over every set of at most k sites, for both models.
double brute_force(const CoverageSets& s, const SitingOptions& opt, std::span<const LonLat> pos,
                   const PlaceGap* gap) {
    const std::uint32_t n = s.num_candidates();
    double best = 0;
    for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
        if (static_cast<std::uint32_t>(__builtin_popcount(mask)) > opt.k) continue;
        bool ok = true;
        for (std::uint32_t a = 0; a < n && ok; ++a)
            for (std::uint32_t b = a + 1; b < n && ok; ++b)
                if ((mask >> a & 1) && (mask >> b & 1) && opt.min_spacing_m > 0 &&
                    haversine_m(pos[a], pos[b]) < opt.min_spacing_m)
                    ok = false;
        if (!ok) continue;
        double v = 0;
        if (gap) {
            std::vector<double> got(gap->gap.size(), 0.0);
            for (std::uint32_t c = 0; c < n; ++c) {
                if (!(mask >> c & 1)) continue;
                std::vector<double> by(gap->gap.size(), 0.0);
                double total = 0;
                for (HomeId h : s.homes_of(c)) {
                    by[gap->slot[h]] += gap->demand[h];
                    total += gap->demand[h];
                }
                for (std::size_t k = 0; k < by.size(); ++k)
                    got[k] += total > 0 ? opt.capacity[c] * by[k] / total : 0;
            }
            for (std::size_t k = 0; k < got.size(); ++k) v += std::min(got[k], gap->gap[k]);
        } else {
            std::vector<char> cov(s.weight.size(), 0);
            for (std::uint32_t c = 0; c < n; ++c)
                if (mask >> c & 1)
                    for (HomeId h : s.homes_of(c)) cov[h] = 1;
            for (std::size_t h = 0; h < cov.size(); ++h) v += cov[h] ? s.weight[h] : 0;
        }
        best = std::max(best, v);
    }
    return best;
}

TEST(Siting, IntegerProgrammeEqualsBruteForceAndGreedyNeverBeatsIt) {
    std::mt19937_64 rng(test_seed() + 3);
    double worst = 1;
    for (int round = 0; round < 60; ++round) {
        const std::uint32_t nc = 5 + static_cast<std::uint32_t>(rng() % 8);
        const CoverageSets s = random_sets(rng, nc, 15 + rng() % 40, round % 2 == 0);
        SitingOptions opt;
        opt.k = 1 + static_cast<std::uint32_t>(rng() % 4);
        std::vector<LonLat> pos;
        for (std::uint32_t c = 0; c < nc; ++c)
            pos.push_back(at(static_cast<double>(rng() % 1000), static_cast<double>(rng() % 1000)));
        if (round % 4 == 3) opt.min_spacing_m = 300;
        PlaceGap gap;
        const bool cap = round % 3 == 1;
        if (cap) {
            for (std::uint32_t c = 0; c < nc; ++c)
                opt.capacity.push_back(static_cast<double>(5 + rng() % 40));
            gap = random_gap(rng, s, 1 + static_cast<std::uint32_t>(rng() % 5));
        }
        const PlaceGap* g = cap ? &gap : nullptr;
        const ExactSiting e = ilp_siting(s, pos, opt, {}, g, 10);
        const SitingResult greedy = greedy_siting(s, pos, opt, {}, g);
        const double brute = brute_force(s, opt, pos, g);
        ASSERT_TRUE(e.optimal) << "round " << round;
        EXPECT_NEAR(e.value, brute, 1e-6 * std::max(1.0, brute)) << "round " << round;
        EXPECT_NEAR(e.result.covered(), e.value, 1e-9) << "round " << round;
        EXPECT_LE(e.result.steps.size(), opt.k);
        EXPECT_LE(greedy.covered(), e.value + 1e-6) << "round " << round;
        EXPECT_EQ(e.gap, 0.0);
        if (e.value > 0) worst = std::min(worst, greedy.covered() / e.value);
    }
    std::cout << "[ siting   ] greedy / CBC optimum, worst of 60 small instances: " << worst
              << "\n";
}

TEST(Siting, SameResultForAnyThreadCount) {
    std::mt19937_64 rng(test_seed() + 3);
    Instance in = random_instance(rng, 80, 400, 200, 3, 0);
    SitingOptions opt;
    opt.radius_m = 400;
    opt.k = 10;
    CoverageSets one;
    {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
        one = build_coverage_sets(in.g, in.cands, in.homes, in.existing, opt);
    }
    const CoverageSets many = build_coverage_sets(in.g, in.cands, in.homes, in.existing, opt);
    EXPECT_EQ(one.first, many.first);
    EXPECT_EQ(one.home, many.home);
    EXPECT_EQ(one.distance, many.distance);
    EXPECT_EQ(one.weight, many.weight);
}

TEST(Siting, CandidatesAlongStreetsNearHomes) {
    // Main street 0..1000 m east; a separate island street far away (not the largest
    // component); homes only near the west half.
    GraphBuilder b;
    std::vector<WayNode> main_street{{1, at(0, 0)}, {2, at(1000, 0)}};
    std::vector<WayNode> side{{3, at(500, 0)}, {4, at(500, 600)}};
    std::vector<WayNode> island{{10, at(3000, 3000)}, {11, at(3400, 3000)}};
    b.add_way(1, main_street, 0);
    b.add_way(2, side, 0);
    b.add_way(3, island, 0);
    const WalkGraph g = std::move(b).build();
    std::vector<LonLat> homes{at(200, 30), at(3200, 3010)};
    std::vector<MultiPolygon> residential{
        {Polygon{{at(450, 350), at(550, 350), at(550, 450), at(450, 450)}, {}}}};
    CandidateOptions opt;
    opt.spacing_m = 100;
    opt.near_m = 100;
    const Candidates c = generate_candidates(g, opt, homes, residential);
    const auto pos = c.positions();
    ASSERT_FALSE(pos.empty());
    const LocalProjection proj(kOrigin);
    for (std::size_t i = 0; i < pos.size(); ++i) {
        auto [x, y] = proj.forward(pos[i]);
        EXPECT_LT(x, 1100) << "island street is not the largest component";
        const bool near_home = haversine_m(pos[i], homes[0]) < 100;
        const bool near_area = x > 400 && x < 600 && y > 250 && y < 550;
        EXPECT_TRUE(near_home || near_area) << x << "," << y;
        for (std::size_t j = 0; j < i; ++j) EXPECT_GE(haversine_m(pos[i], pos[j]), 100.0);
        EXPECT_EQ(c.snaps[i].access, 0u);
    }
    // The west edge (0..500 m) gets points at 0, 100, ..., 500 m; only 200 m lies within
    // 100 m of the home at (200, 30) (100 and 300 m are ~104 m away).
    int west = 0;
    for (const LonLat& p : pos) {
        auto [x, y] = proj.forward(p);
        if (y < 1) ++west;
    }
    EXPECT_EQ(west, 1);
}

}  // namespace
}  // namespace lc15
