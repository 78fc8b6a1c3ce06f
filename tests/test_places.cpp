// Places: snapping areas, estimating where people live, merging facility sources.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/places.hpp"

namespace lc15 {
namespace {

constexpr double kMetreLat = 1.0 / (kEarthRadiusM * kPi / 180.0);

LonLat at(double x, double y) {
    const double lat = 40.6 + y * kMetreLat;
    return {122.2 + x * kMetreLat / std::cos(deg2rad(lat)), lat};
}

MultiPolygon rect(double x0, double y0, double x1, double y1) {
    return {Polygon{{at(x0, y0), at(x1, y0), at(x1, y1), at(x0, y1)}, {}}};
}

WalkGraph street(std::vector<std::pair<double, double>> pts, std::uint64_t key0 = 1) {
    GraphBuilder b;
    std::vector<WayNode> nodes;
    for (auto [x, y] : pts) nodes.push_back({key0++, at(x, y)});
    b.add_way(1, nodes, 0);
    return std::move(b).build();
}

TEST(PlacesSnapArea, ReachedAtTheBoundaryPointNearestTheStreet) {
    // Park 0..100 x 50..150; street along y=0. The nearest boundary is the south side, 50 m.
    const WalkGraph g = street({{-100, 0}, {300, 0}});
    const Snapper s(g);
    const SnapResult r = snap_area(s, rect(0, 50, 100, 150), 200);
    ASSERT_TRUE(r.ok());
    EXPECT_NEAR(cm_to_metres(r.access), 50.0, 0.05);
    // The first sample of minimum access: the south-west corner, 100 m from the street's tail.
    EXPECT_NEAR(cm_to_metres(r.off_tail), 100.0, 0.05);
    // The centroid would have been 100 m away.
    EXPECT_NEAR(cm_to_metres(s.snap(centroid(rect(0, 50, 100, 150)), 200).access), 100.0, 0.05);
    EXPECT_FALSE(snap_area(s, rect(0, 50, 100, 150), 40).ok());
}

TEST(PlacesSnapArea, StreetThroughTheAreaMeansNoAccessLeg) {
    const WalkGraph g = street({{-100, 100}, {300, 100}});
    const Snapper s(g);
    const SnapResult r = snap_area(s, rect(0, 50, 100, 150), 200);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.access, 0u);
    EXPECT_TRUE(contains(rect(0, 50, 100, 150), r.on_edge));
}

TEST(PlacesHomes, FromBuildingsScaledToCommunityPopulation) {
    std::vector<CommunityArea> communities{{rect(0, 0, 1000, 1000), 1000.0},
                                           {rect(1000, 0, 2000, 1000), std::nullopt},
                                           {rect(0, 2000, 1000, 3000), 500.0}};
    std::vector<Building> buildings{
        {at(100, 100), 350, 2, true},    // 350 x 2 / 35 = 20
        {at(200, 100), 700, 0, true},    // default 6 levels: 700 x 6 / 35 = 120
        {at(300, 100), 5000, 3, false},  // not residential
        {at(1500, 500), 350, 10, true},  // community without a figure: 100, unscaled
        {at(5000, 5000), 350, 1, true},  // in no community: 10
        {at(400, 100), 0, 5, true},      // no footprint
    };
    std::vector<CommunityId> unhoused;
    const auto homes = homes_from_buildings(buildings, communities, {}, &unhoused);
    ASSERT_EQ(homes.size(), 4u);
    EXPECT_EQ(homes[0].community, 0u);
    EXPECT_NEAR(homes[0].population, 1000.0 * 20 / 140, 1e-9);
    EXPECT_NEAR(homes[1].population, 1000.0 * 120 / 140, 1e-9);
    EXPECT_NEAR(homes[0].population + homes[1].population, 1000.0, 1e-9);
    EXPECT_EQ(homes[2].community, 1u);
    EXPECT_NEAR(homes[2].population, 100.0, 1e-9);
    EXPECT_EQ(homes[3].community, kInvalidId);
    EXPECT_NEAR(homes[3].population, 10.0, 1e-9);
    EXPECT_EQ(unhoused, std::vector<CommunityId>{2});
    // A different floor area per person changes unscaled homes only.
    HomeOptions o;
    o.floor_area_per_person_m2 = 70;
    const auto half = homes_from_buildings(buildings, communities, o);
    EXPECT_NEAR(half[2].population, 50.0, 1e-9);
    EXPECT_NEAR(half[0].population, homes[0].population, 1e-9);
}

TEST(PlacesHomes, FromGrid) {
    std::vector<CommunityArea> communities{{rect(0, 0, 1000, 1000), 90.0}};
    const auto homes = homes_from_grid(
        {{at(100, 100), 10}, {at(500, 500), 20}, {at(600, 600), 0}, {at(3000, 0), 7}}, communities);
    ASSERT_EQ(homes.size(), 3u);
    EXPECT_NEAR(homes[0].population, 30.0, 1e-9);
    EXPECT_NEAR(homes[1].population, 60.0, 1e-9);
    EXPECT_EQ(homes[2].community, kInvalidId);
    EXPECT_NEAR(homes[2].population, 7.0, 1e-9);
}

TEST(PlacesHomes, FromSamplingSpreadsEvenly) {
    // Residential 0..200 x 0..100 with a lattice every 50 m: 4 x 2 = 8 points; an overlapping
    // copy adds none; a 10 m square elsewhere catches no lattice point and gets its centroid.
    std::vector<MultiPolygon> residential{rect(0, 0, 200, 100), rect(0, 0, 200, 100),
                                          rect(1010, 1010, 1020, 1020)};
    std::vector<CommunityArea> communities{{rect(-10, -10, 500, 500), 800.0}};
    HomeOptions o;
    o.persons_per_hectare = 40;  // 0.25 ha per point outside communities with a figure: 10
    const auto homes = homes_from_sampling(residential, 50, communities, o);
    ASSERT_EQ(homes.size(), 9u);
    double sum = 0;
    for (int i = 0; i < 8; ++i) {
        EXPECT_EQ(homes[i].community, 0u);
        EXPECT_NEAR(homes[i].population, 100.0, 1e-9);
        sum += homes[i].population;
    }
    EXPECT_NEAR(sum, 800.0, 1e-9);
    EXPECT_EQ(homes[8].community, kInvalidId);
    EXPECT_NEAR(homes[8].population, 10.0, 1e-9);
    EXPECT_NEAR(haversine_m(homes[8].pos, at(1015, 1015)), 0.0, 0.01);
    // Points sit 50 m apart.
    EXPECT_NEAR(haversine_m(homes[0].pos, homes[1].pos), 50.0, 0.01);
    EXPECT_THROW(homes_from_sampling(residential, 0, communities), std::invalid_argument);
}

TEST(PlacesDedupe, NearestPairsFirstSameCategoryOnly) {
    const std::uint32_t kg = 0, school = 1;
    std::vector<FacilityPoint> a{{kg, at(0, 0), "osm:n1", ""},
                                 {kg, at(20, 0), "osm:n2", ""},
                                 {school, at(300, 0), "osm:n3", ""}};
    // b0 is 12 m from a0 and 8 m from a1: a1 takes it; a0 then takes b1 (15 m). b2 is a
    // school 0 m from a kindergarten (no merge) and b3 is 25 m from everything (no merge).
    std::vector<FacilityPoint> b{{kg, at(12, 0), "amap:1", ""},
                                 {kg, at(-15, 0), "amap:2", ""},
                                 {school, at(0, 0), "amap:3", ""},
                                 {kg, at(45, 0), "amap:4", ""},
                                 {school, at(310, 0), "amap:5", ""}};
    const DedupeResult r = dedupe_facilities(a, b, 20);
    ASSERT_EQ(r.merges.size(), 3u);
    EXPECT_EQ(r.merges[0].a, 0u);
    EXPECT_EQ(r.merges[0].b, 1u);
    EXPECT_NEAR(r.merges[0].distance_m, 15.0, 0.01);
    EXPECT_EQ(r.merges[1].a, 1u);
    EXPECT_EQ(r.merges[1].b, 0u);
    EXPECT_EQ(r.merges[2].a, 2u);
    EXPECT_EQ(r.merges[2].b, 4u);
    ASSERT_EQ(r.facilities.size(), 5u);
    EXPECT_EQ(r.facilities[0].id, "osm:n1");
    EXPECT_EQ(r.facilities[3].id, "amap:3");
    EXPECT_EQ(r.facilities[4].id, "amap:4");
}

}  // namespace
}  // namespace lc15
