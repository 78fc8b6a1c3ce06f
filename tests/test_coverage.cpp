// CoverageModel on small street networks drawn in metres, with hand-computed distances, and
// thread-count invariance on a generated grid city.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <cmath>
#include <random>

#include "engine/coverage.hpp"

namespace lc15 {
namespace {

constexpr double kMetreLat = 1.0 / (kEarthRadiusM * kPi / 180.0);
const LonLat kOrigin{122.2, 40.6};

// x metres east, y metres north of the origin; east-west lengths are exact at every latitude.
LonLat at(double x, double y) {
    const double lat = kOrigin.lat + y * kMetreLat;
    return {kOrigin.lon + x * kMetreLat / std::cos(deg2rad(lat)), lat};
}

struct Net {
    GraphBuilder b;
    std::int64_t next_way = 1;
    // A way through points given in metres; nodes are keyed by the caller.
    void way(std::vector<std::pair<std::uint64_t, std::pair<double, double>>> pts,
             std::uint8_t flags = 0) {
        std::vector<WayNode> nodes;
        for (auto& [k, p] : pts) nodes.push_back({k, at(p.first, p.second)});
        b.add_way(next_way++, nodes, flags);
    }
};

CategoryRule rule(std::string id, double radius_m, double weight = 1.0, double target = 1.0) {
    CategoryRule r;
    r.id = std::move(id);
    r.radius_m = radius_m;
    r.weight = weight;
    r.target_share = target;
    return r;
}

Home home_at(const Snapper& s, double x, double y, double pop = 1.0, CommunityId c = 0,
             double max_m = 100) {
    return Home{s.snap(at(x, y), max_m), pop, c};
}

TEST(Coverage, KindergartenThreeHundredMetresAlongStreetTwoHundredStraight) {
    // A U-shaped street 0,0 -> 0,50 -> 200,50 -> 200,0: 300 m from end to end, the ends 200 m
    // apart in a straight line. Home at one end, kindergarten at the other, both on the street.
    Net n;
    n.way({{1, {0, 0}}, {2, {0, 50}}, {3, {200, 50}}, {4, {200, 0}}});
    const WalkGraph g = std::move(n.b).build();
    const Snapper s(g);
    for (double radius : {300.0, 299.0}) {
        CoverageModel m(g, {rule("kindergarten", radius)}, {});
        m.set_homes({home_at(s, 0, 0)});
        const FacilityHandle f = m.add_facility(0, s.snap(at(200, 0), 50));
        m.compute();
        EXPECT_NEAR(haversine_m(at(0, 0), at(200, 0)), 200.0, 1e-6);
        EXPECT_EQ(m.home(0, 0).nearest, 30000u);
        EXPECT_EQ(m.home(0, 0).nearest_facility, f);
        EXPECT_EQ(m.covered(0, 0), radius == 300.0) << "radius " << radius;
        EXPECT_EQ(m.home(0, 0).count_within, radius == 300.0 ? 1u : 0u);
    }
}

TEST(Coverage, RiverWithOneBridge) {
    // South bank street y=0 and north bank street y=100, joined by one bridge at x=1000.
    // Home 20 m south of the south street at x=0, clinic 20 m north of the north street at
    // x=0: 140 m apart in a straight line, 2100 m along the streets plus 2 x 20 m of legs.
    Net n;
    n.way({{1, {0, 0}}, {2, {1000, 0}}});
    n.way({{2, {1000, 0}}, {3, {1000, 100}}});
    n.way({{4, {0, 100}}, {3, {1000, 100}}});
    const WalkGraph g = std::move(n.b).build();
    const Snapper s(g);
    for (bool legs : {true, false}) {
        CoverageModel m(g, {rule("clinic", 1000)}, CoverageOptions{legs, 0, 1.25});
        m.set_homes({home_at(s, 0, -20)});
        m.add_facility(0, s.snap(at(0, 120), 50));
        m.compute();
        EXPECT_NEAR(cm_to_metres(m.home(0, 0).nearest), legs ? 2140.0 : 2100.0, 0.02);
        EXPECT_FALSE(m.covered(0, 0));
        EXPECT_EQ(m.home(0, 0).count_within, 0u);
    }
}

TEST(Coverage, FacilityOnTheHomesOwnEdge) {
    // One 1000 m street; home 10 m north at x=400, shop 10 m south at x=500: 100 m along the
    // street + 2 x 10 m of legs = 120 m, although both street ends are > 400 m away.
    Net n;
    n.way({{1, {0, 0}}, {2, {1000, 0}}});
    const WalkGraph g = std::move(n.b).build();
    const Snapper s(g);
    CoverageModel m(g, {rule("shop", 300)}, {});
    m.set_homes({home_at(s, 400, 10), home_at(s, 900, 0)});
    m.add_facility(0, s.snap(at(500, -10), 50));
    m.compute();
    EXPECT_NEAR(cm_to_metres(m.home(0, 0).nearest), 120.0, 0.02);
    EXPECT_TRUE(m.covered(0, 0));
    EXPECT_EQ(m.home(0, 0).count_within, 1u);
    EXPECT_NEAR(cm_to_metres(m.home(0, 1).nearest), 410.0, 0.02);
    EXPECT_FALSE(m.covered(0, 1));
    EXPECT_EQ(m.home(0, 1).count_within, 0u);
}

TEST(Coverage, HomeOffTheNetworkCountsAsUncovered) {
    Net n;
    n.way({{1, {0, 0}}, {2, {500, 0}}});
    const WalkGraph g = std::move(n.b).build();
    const Snapper s(g);
    CoverageModel m(g, {rule("shop", 300)}, {});
    // The second home is 400 m from any street; snapping within 100 m fails.
    m.set_homes({home_at(s, 100, 0, 3.0), home_at(s, 100, 400, 1.0)});
    ASSERT_FALSE(m.homes()[1].snap.ok());
    m.add_facility(0, s.snap(at(0, 0), 50));
    m.compute();
    EXPECT_TRUE(m.covered(0, 0));
    EXPECT_FALSE(m.covered(0, 1));
    EXPECT_FALSE(m.home(0, 1).reached());
    const CoverageReport r = m.report(1);
    EXPECT_DOUBLE_EQ(r.communities[0].by_category[0].population, 4.0);
    EXPECT_DOUBLE_EQ(r.communities[0].by_category[0].covered_population, 3.0);
    EXPECT_DOUBLE_EQ(r.communities[0].by_category[0].share, 0.75);
    EXPECT_DOUBLE_EQ(r.city[0].share, 0.75);
    // A population change needs no recomputation: only the report moves.
    m.set_population(1, 3.0);
    EXPECT_DOUBLE_EQ(m.report(1).communities[0].by_category[0].share, 0.5);
}

TEST(Coverage, StepsAreAvoidedInTheBarrierFreeProfile) {
    // A square 0,0-100,0-100,100-0,100 where the side 0,0-0,100 is a flight of steps.
    Net n;
    n.way({{1, {0, 0}}, {2, {100, 0}}, {3, {100, 100}}, {4, {0, 100}}});
    n.way({{1, {0, 0}}, {4, {0, 100}}}, kEdgeSteps);
    const WalkGraph g = std::move(n.b).build();
    for (std::uint8_t forbidden : {std::uint8_t{0}, std::uint8_t{kEdgeSteps}}) {
        const Snapper s(g, forbidden);
        CoverageModel m(g, {rule("clinic", 200)}, CoverageOptions{true, forbidden, 0.7});
        m.set_homes({home_at(s, 0, 0)});
        m.add_facility(0, s.snap(at(0, 100), 50));
        m.compute();
        EXPECT_NEAR(cm_to_metres(m.home(0, 0).nearest), forbidden ? 300.0 : 100.0, 0.02);
        EXPECT_EQ(m.covered(0, 0), !forbidden);
    }
}

TEST(Coverage, SnapOntoForbiddenEdgeIsOffTheNetwork) {
    Net n;
    n.way({{1, {0, 0}}, {2, {100, 0}}});
    n.way({{2, {100, 0}}, {3, {200, 0}}}, kEdgeSteps);
    const WalkGraph g = std::move(n.b).build();
    const Snapper all(g);  // the wrong snapper for the profile: it snaps onto the steps
    CoverageModel m(g, {rule("clinic", 500)}, CoverageOptions{true, kEdgeSteps, 0.7});
    m.set_homes({home_at(all, 150, 5), home_at(all, 50, 5)});
    m.add_facility(0, all.snap(at(20, 0), 50));
    m.compute();
    EXPECT_FALSE(m.home(0, 0).reached());
    EXPECT_TRUE(m.covered(0, 1));
}

TEST(Coverage, CountWithinAndNearestTieBreak) {
    // Street 0..1000; home at 500; shops at 300 and 700 (both 200 m away: the lower handle
    // wins), one at 900 (400 m) and one at 100 (400 m).
    Net n;
    n.way({{1, {0, 0}}, {2, {1000, 0}}});
    const WalkGraph g = std::move(n.b).build();
    const Snapper s(g);
    CoverageModel m(g, {rule("shop", 300), rule("school", 400)}, {});
    m.set_homes({home_at(s, 500, 0)});
    const FacilityHandle a = m.add_facility(0, s.snap(at(700, 0), 10));
    const FacilityHandle b = m.add_facility(0, s.snap(at(300, 0), 10));
    m.add_facility(0, s.snap(at(900, 0), 10));
    m.add_facility(1, s.snap(at(100, 0), 10));
    m.add_facility(1, s.snap(at(900, 0), 10));
    m.compute();
    EXPECT_NEAR(cm_to_metres(m.home(0, 0).nearest), 200.0, 0.02);
    EXPECT_EQ(m.home(0, 0).nearest_facility, std::min(a, b));
    EXPECT_EQ(m.home(0, 0).count_within, 2u);
    EXPECT_EQ(m.home(1, 0).count_within, 2u) << "each category has its own radius";
    const CoverageReport r = m.report(1);
    EXPECT_EQ(r.communities[0].by_category[0].facilities_within, 2u);
    EXPECT_EQ(r.communities[0].by_category[1].facilities_within, 2u);
}

TEST(Coverage, WeightedMedianAndP90) {
    // Facility at x=0; homes on the street at 100, 200, 300, 400 m with populations 4, 2, 2, 2.
    // Weighted (lower) median: cumulative 4, 6 >= 5 -> 200 m; p90: 9 -> 400 m.
    Net n;
    n.way({{1, {0, 0}}, {2, {1000, 0}}});
    const WalkGraph g = std::move(n.b).build();
    const Snapper s(g);
    CoverageModel m(g, {rule("park", 1000)}, {});
    std::vector<Home> homes{home_at(s, 100, 0, 4), home_at(s, 200, 0, 2), home_at(s, 300, 0, 2),
                            home_at(s, 400, 0, 2)};
    m.set_homes(homes);
    m.add_facility(0, s.snap(at(0, 0), 10));
    m.compute();
    CoverageReport r = m.report(1);
    EXPECT_NEAR(r.communities[0].by_category[0].median_m, 200.0, 0.02);
    EXPECT_NEAR(r.communities[0].by_category[0].p90_m, 400.0, 0.02);
    // Two residents off the network (infinite distance): total 12; median 6 -> 200 m; p90
    // 10.8 lies beyond the reached 10 -> -1.
    homes.push_back(home_at(s, 100, 500, 2));
    m.set_homes(homes);
    m.compute();
    r = m.report(1);
    EXPECT_NEAR(r.communities[0].by_category[0].median_m, 200.0, 0.02);
    EXPECT_EQ(r.communities[0].by_category[0].p90_m, -1.0);
    // Nobody reached at all.
    CoverageModel none(g, {rule("park", 1000)}, {});
    none.set_homes(homes);
    none.compute();
    r = none.report(1);
    EXPECT_EQ(r.communities[0].by_category[0].median_m, -1.0);
    EXPECT_EQ(r.communities[0].by_category[0].p90_m, -1.0);
}

TEST(Coverage, ScorePassAndLacking) {
    // Street 0..2000. Community 0: homes at 0 (pop 1) and 1000 (pop 1); community 1: home at
    // 2000 (pop 2). Category A (radius 300, weight 1, target 0.5) has a facility at 0;
    // B (radius 300, weight 3, target 1) at 0 and 1000; C (weight 1) has none.
    Net n;
    n.way({{1, {0, 0}}, {2, {2000, 0}}});
    const WalkGraph g = std::move(n.b).build();
    const Snapper s(g);
    CoverageModel m(g, {rule("A", 300, 1, 0.5), rule("B", 300, 3, 1.0), rule("C", 300, 1, 0.9)},
                    {});
    m.set_homes({home_at(s, 0, 0, 1, 0), home_at(s, 1000, 0, 1, 0), home_at(s, 2000, 0, 2, 1),
                 home_at(s, 10, 0, 5, kInvalidId)});
    m.add_facility(0, s.snap(at(0, 0), 10));
    m.add_facility(1, s.snap(at(0, 0), 10));
    m.add_facility(1, s.snap(at(1000, 0), 10));
    m.compute();
    const CoverageReport r = m.report(2);
    const CommunityMetrics& c0 = r.communities[0];
    EXPECT_DOUBLE_EQ(c0.by_category[0].share, 0.5);
    EXPECT_TRUE(c0.by_category[0].pass);
    EXPECT_DOUBLE_EQ(c0.by_category[1].share, 1.0);
    EXPECT_TRUE(c0.by_category[1].pass);
    EXPECT_DOUBLE_EQ(c0.by_category[2].share, 0.0);
    EXPECT_FALSE(c0.by_category[2].pass);
    EXPECT_DOUBLE_EQ(c0.score, 100.0 * (1 * 0.5 + 3 * 1.0 + 1 * 0.0) / 5);  // 70
    EXPECT_EQ(c0.lacking, std::vector<std::uint32_t>{2});
    const CommunityMetrics& c1 = r.communities[1];
    EXPECT_DOUBLE_EQ(c1.score, 0.0);
    EXPECT_EQ(c1.lacking, (std::vector<std::uint32_t>{0, 1, 2}));
    EXPECT_EQ(c1.by_category[0].facilities_within, 0u);
    // City: 9 residents (5 belong to no community but sit 10 m from facilities of A and B).
    EXPECT_DOUBLE_EQ(r.city[0].population, 9.0);
    EXPECT_DOUBLE_EQ(r.city[0].share, 6.0 / 9.0);
    EXPECT_DOUBLE_EQ(r.city[1].share, 7.0 / 9.0);
    EXPECT_DOUBLE_EQ(r.city_score, 100.0 * (6.0 / 9.0 + 3 * 7.0 / 9.0) / 5);
}

TEST(Coverage, CityScoreIsPopulationWeightedMeanOfCommunityScores) {
    Net n;
    n.way({{1, {0, 0}}, {2, {2000, 0}}});
    const WalkGraph g = std::move(n.b).build();
    const Snapper s(g);
    CoverageModel m(g, {rule("A", 300, 1), rule("B", 600, 2)}, {});
    m.set_homes({home_at(s, 0, 0, 3, 0), home_at(s, 700, 0, 1, 0), home_at(s, 1500, 0, 2, 1),
                 home_at(s, 1900, 0, 5, 1)});
    m.add_facility(0, s.snap(at(100, 0), 10));
    m.add_facility(1, s.snap(at(1000, 0), 10));
    m.compute();
    const CoverageReport r = m.report(2);
    const double want = (4 * r.communities[0].score + 7 * r.communities[1].score) / 11;
    EXPECT_NEAR(r.city_score, want, 1e-9);
    EXPECT_GT(r.city_score, 0.0);
}

// A jittered grid city with some streets missing and some steps.
WalkGraph grid_city(std::mt19937_64& rng, int n, double spacing) {
    std::uniform_real_distribution<double> jitter(-0.2 * spacing, 0.2 * spacing);
    std::vector<LonLat> pos(static_cast<std::size_t>(n) * n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            pos[i * n + j] = at(i * spacing + jitter(rng), j * spacing + jitter(rng));
    GraphBuilder b;
    std::int64_t id = 1;
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < n; ++j) {
            for (auto [di, dj] : {std::pair{1, 0}, std::pair{0, 1}}) {
                if (i + di >= n || j + dj >= n || rng() % 10 == 0) continue;
                const int a = i * n + j, c = (i + di) * n + (j + dj);
                std::vector<WayNode> nodes{{std::uint64_t(a) + 1, pos[a]},
                                           {std::uint64_t(c) + 1, pos[c]}};
                b.add_way(id++, nodes, rng() % 8 == 0 ? kEdgeSteps : 0);
            }
        }
    }
    return std::move(b).build();
}

TEST(Coverage, IdenticalForAnyThreadCount) {
    std::mt19937_64 rng(7);
    const WalkGraph g = grid_city(rng, 30, 80);
    const Snapper s(g, kEdgeSteps);
    std::uniform_real_distribution<double> coord(-50, 30 * 80 + 50);
    std::vector<Home> homes;
    for (int i = 0; i < 2000; ++i) {
        homes.push_back({s.snap(at(coord(rng), coord(rng)), 60), 1.0 + (rng() % 100) / 10.0,
                         static_cast<CommunityId>(rng() % 5)});
    }
    std::vector<CategoryRule> rules;
    for (int k = 0; k < 6; ++k)
        rules.push_back(rule("c" + std::to_string(k), 200 + 150 * k, 1 + k));
    std::vector<std::pair<std::uint32_t, SnapResult>> facilities;
    for (int i = 0; i < 120; ++i)
        facilities.push_back(
            {static_cast<std::uint32_t>(i % 6), s.snap(at(coord(rng), coord(rng)), 60)});

    auto run = [&](int threads) {
        tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
        CoverageModel m(g, rules, CoverageOptions{true, kEdgeSteps, 0.7});
        m.set_homes(homes);
        for (auto& [c, snap] : facilities) m.add_facility(c, snap);
        m.compute();
        return m;
    };
    const CoverageModel one = run(1);
    const CoverageReport r1 = one.report(5);
    std::uint64_t covered = 0;
    for (std::uint32_t k = 0; k < rules.size(); ++k)
        for (HomeId h = 0; h < homes.size(); ++h) covered += one.covered(k, h);
    EXPECT_GT(covered, 1000u);
    EXPECT_LT(covered, 6 * homes.size());
    for (int threads : {2, 4}) {
        const CoverageModel m = run(threads);
        for (std::uint32_t k = 0; k < rules.size(); ++k) {
            for (HomeId h = 0; h < homes.size(); ++h) {
                ASSERT_EQ(m.home(k, h), one.home(k, h))
                    << threads << " threads, cat " << k << " home " << h;
            }
        }
        const CoverageReport r = m.report(5);
        EXPECT_EQ(r.city_score, r1.city_score);
        for (std::uint32_t c = 0; c < 5; ++c) {
            EXPECT_EQ(r.communities[c].score, r1.communities[c].score);
            for (std::uint32_t k = 0; k < rules.size(); ++k) {
                EXPECT_EQ(r.communities[c].by_category[k].median_m,
                          r1.communities[c].by_category[k].median_m);
                EXPECT_EQ(r.communities[c].by_category[k].p90_m,
                          r1.communities[c].by_category[k].p90_m);
                EXPECT_EQ(r.communities[c].by_category[k].facilities_within,
                          r1.communities[c].by_category[k].facilities_within);
            }
        }
    }
}

}  // namespace
}  // namespace lc15
