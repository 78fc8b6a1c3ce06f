// Bus stop catchment: the three 500 m figures against hand-computed cases, the gap list, and
// the walking service area as polygons.
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include "engine/catchment.hpp"

#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

LonLat at(double x_m, double y_m) { return test::metres_at(x_m, y_m); }

MultiPolygon square(double x0, double y0, double side) {
    return {
        Polygon{{at(x0, y0), at(x0 + side, y0), at(x0 + side, y0 + side), at(x0, y0 + side)}, {}}};
}

TEST(Catchment, LandShareMatchesTheCircleArea) {
    CatchmentOptions opt;  // 500 m, 10 m grid
    const std::vector<LonLat> stop{at(0, 0)};
    // A 1 km square centred on the stop: the disc covers pi/4 of it.
    auto [land, covered] = land_within(square(-500, -500, 1000), stop, opt);
    EXPECT_NEAR(land, 1e6, 0.01 * 1e6);
    EXPECT_NEAR(covered / land, kPi / 4, 0.01 * kPi / 4);
    // A 2 km square: the whole disc, pi * 500^2 of 4 km^2.
    std::tie(land, covered) = land_within(square(-1000, -1000, 2000), stop, opt);
    EXPECT_NEAR(covered, kPi * 250000, 0.01 * kPi * 250000);
    // A hole where the stop is removes the inner 200 m square from both.
    MultiPolygon holed = square(-500, -500, 1000);
    holed[0].inners.push_back({at(-100, -100), at(100, -100), at(100, 100), at(-100, 100)});
    std::tie(land, covered) = land_within(holed, stop, opt);
    EXPECT_NEAR(land, 1e6 - 40000, 0.01 * 1e6);
    EXPECT_NEAR(covered, kPi * 250000 - 40000, 0.01 * kPi * 250000);
    // Nothing within reach.
    std::tie(land, covered) = land_within(square(2000, 2000, 300), stop, opt);
    EXPECT_EQ(covered, 0);
}

using test::l_streets;

TEST(Catchment, ThreeFiguresAndGapsByHand) {
    const WalkGraph g = l_streets();
    const Snapper snapper(g);
    const std::vector<LonLat> stops{at(0, 200), at(0, 3700)};
    std::vector<SnapResult> snaps;
    for (LonLat p : stops) snaps.push_back(snapper.snap(p, 50));
    auto home = [&](double x, double y, double pop, CommunityId c) {
        return CatchmentHome{at(x, y), snapper.snap(at(x, y), 400), pop, c};
    };
    const std::vector<CatchmentHome> homes{
        home(0, 600, 100, 0),             // straight 400, walk 400: covered both ways
        home(300, 300, 50, 0),            // straight 316, walk 300 access + 100 along = 400
        home(0, 900, 30, 0),              // straight 700, walk 700
        home(350, 4000, 200, 1),          // straight 461 across the corner, walk 300 + 350 = 650
        home(-2000, 200, 5, kInvalidId),  // in a field: city only, no street within 400 m
    };
    // Community 0's land: a 400 m square around the first stop, wholly within 500 m of it.
    const std::vector<ResidentialLand> land{{square(-200, 0, 400), 0},
                                            {square(1000, 1000, 500), 1}};
    const CatchmentOptions opt;
    const CatchmentResult r = compute_catchment(g, stops, snaps, homes, land, 2, opt);

    EXPECT_NEAR(r.straight_m[1], std::hypot(300, 100), 0.5);
    EXPECT_NEAR(r.walk_m[1], 400, 0.05);
    EXPECT_NEAR(r.walk_m[3], 650, 0.05);
    EXPECT_TRUE(std::isinf(r.walk_m[4]));

    const CatchmentFigures& c0 = r.communities[0];
    EXPECT_DOUBLE_EQ(c0.population, 180);
    EXPECT_DOUBLE_EQ(c0.straight_population, 150);
    EXPECT_DOUBLE_EQ(c0.walk_population, 150);
    EXPECT_NEAR(c0.land_m2, 160000, 1600);
    EXPECT_DOUBLE_EQ(c0.land_share, 1.0);
    const CatchmentFigures& c1 = r.communities[1];
    EXPECT_DOUBLE_EQ(c1.straight_share, 1.0);  // the straight line ignores the corner...
    EXPECT_DOUBLE_EQ(c1.walk_share, 0.0);      // ...the walk does not
    EXPECT_DOUBLE_EQ(c1.land_share, 0.0);
    EXPECT_DOUBLE_EQ(r.city.population, 385);
    EXPECT_DOUBLE_EQ(r.city.straight_population, 350);
    EXPECT_DOUBLE_EQ(r.city.walk_population, 150);
    EXPECT_NEAR(r.city.land_share, 160000.0 / 410000.0, 0.01);

    // Gaps: most people first; the home in the field has no walking distance.
    ASSERT_EQ(r.gaps.size(), 3u);
    EXPECT_DOUBLE_EQ(r.gaps[0].population, 200);
    EXPECT_EQ(r.gaps[0].community, 1u);
    EXPECT_NEAR(r.gaps[0].walk_to_stop_m, 650, 0.05);
    EXPECT_LT(haversine_m(r.gaps[0].centroid, at(350, 4000)), 0.5);
    EXPECT_DOUBLE_EQ(r.gaps[1].population, 30);
    EXPECT_NEAR(r.gaps[1].walk_to_stop_m, 700, 0.05);
    EXPECT_DOUBLE_EQ(r.gaps[2].population, 5);
    EXPECT_EQ(r.gaps[2].walk_to_stop_m, -1);

    // Same figures on one thread.
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    const CatchmentResult serial = compute_catchment(g, stops, snaps, homes, land, 2, opt);
    EXPECT_EQ(serial.city.land_covered_m2, r.city.land_covered_m2);
    EXPECT_EQ(serial.walk_m, r.walk_m);
}

TEST(Catchment, ServiceAreaFollowsTheStreets) {
    GraphBuilder b;
    std::vector<WayNode> nodes;
    for (int i = 0; i <= 8; ++i) nodes.push_back({std::uint64_t(i + 1), at(0, 500.0 * i)});
    b.add_way(1, nodes, 0);
    const WalkGraph g = std::move(b).build();
    const Snapper snapper(g);
    const std::vector<SnapResult> stop{snapper.snap(at(0, 2000), 10)};
    CatchmentOptions opt;  // 500 m, 30 m buffer
    const MultiPolygon area = walking_service_area(g, stop, opt);
    ASSERT_EQ(area.size(), 1u);
    // 1000 m of street, 60 m wide, with round ends: 60,000 + pi 30^2 (a bit less as 8-gons).
    EXPECT_NEAR(area_m2(area), 60000 + kPi * 900, 0.02 * 62827);
    EXPECT_TRUE(contains(area, at(0, 2450)));
    EXPECT_TRUE(contains(area, at(20, 1600)));
    EXPECT_FALSE(contains(area, at(0, 2600)));
    EXPECT_FALSE(contains(area, at(100, 2000)));  // not a circle: 100 m off the street
}

}  // namespace
}  // namespace lc15
