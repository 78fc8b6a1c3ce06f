// The walking profile, one tag combination at a time.
#include <gtest/gtest.h>

#include "engine/types.hpp"
#include "io/osm_profile.hpp"

namespace lc15::io {
namespace {

WayVerdict v(WayTags t, bool private_walkable = true) {
    WalkingProfile p;
    p.private_walkable = private_walkable;
    return classify_way(t, p);
}

TEST(OsmProfile, WalkableHighwayValues) {
    for (const char* h :
         {"footway", "path", "pedestrian", "steps", "living_street", "residential", "service",
          "unclassified", "tertiary", "tertiary_link", "secondary", "secondary_link", "primary",
          "primary_link", "track", "cycleway", "corridor"}) {
        const WayVerdict r = v({.highway = h});
        EXPECT_TRUE(r.walkable) << h;
        EXPECT_EQ(r.reason, WayReason::kWalkable) << h;
    }
}

TEST(OsmProfile, NoHighwayIsNotAStreet) {
    const WayVerdict r = v({});
    EXPECT_FALSE(r.walkable);
    EXPECT_EQ(r.reason, WayReason::kNotHighway);
}

TEST(OsmProfile, MotorwayNeverEvenWithFootYes) {
    EXPECT_EQ(v({.highway = "motorway"}).reason, WayReason::kMotorway);
    EXPECT_EQ(v({.highway = "motorway_link"}).reason, WayReason::kMotorway);
    EXPECT_FALSE(v({.highway = "motorway", .foot = "yes"}).walkable);
}

TEST(OsmProfile, TrunkOnlyWithFootYesOrDesignated) {
    EXPECT_EQ(v({.highway = "trunk"}).reason, WayReason::kTrunkWithoutFoot);
    EXPECT_EQ(v({.highway = "trunk_link"}).reason, WayReason::kTrunkWithoutFoot);
    EXPECT_TRUE(v({.highway = "trunk", .foot = "yes"}).walkable);
    EXPECT_TRUE(v({.highway = "trunk", .foot = "designated"}).walkable);
    EXPECT_FALSE(v({.highway = "trunk", .foot = "no"}).walkable);
}

TEST(OsmProfile, BridlewayOnlyWithFootYes) {
    EXPECT_EQ(v({.highway = "bridleway"}).reason, WayReason::kBridlewayWithoutFoot);
    EXPECT_TRUE(v({.highway = "bridleway", .foot = "yes"}).walkable);
}

TEST(OsmProfile, CyclewayUnlessFootNo) {
    EXPECT_TRUE(v({.highway = "cycleway"}).walkable);
    EXPECT_EQ(v({.highway = "cycleway", .foot = "no"}).reason, WayReason::kFootNo);
}

TEST(OsmProfile, FootNoExcludesAnyHighway) {
    EXPECT_EQ(v({.highway = "footway", .foot = "no"}).reason, WayReason::kFootNo);
    EXPECT_EQ(v({.highway = "residential", .foot = "no"}).reason, WayReason::kFootNo);
}

TEST(OsmProfile, AccessNoUnlessFootAllowed) {
    EXPECT_EQ(v({.highway = "service", .access = "no"}).reason, WayReason::kAccessNo);
    EXPECT_TRUE(v({.highway = "service", .foot = "yes", .access = "no"}).walkable);
    EXPECT_TRUE(v({.highway = "service", .foot = "designated", .access = "no"}).walkable);
}

TEST(OsmProfile, ConstructionAndProposed) {
    EXPECT_EQ(v({.highway = "construction"}).reason, WayReason::kConstruction);
    EXPECT_EQ(v({.highway = "proposed"}).reason, WayReason::kConstruction);
    EXPECT_EQ(v({.highway = "footway", .construction = "yes"}).reason, WayReason::kConstruction);
    EXPECT_TRUE(v({.highway = "footway", .construction = "no"}).walkable);
}

TEST(OsmProfile, PrivateIsAnOptionAndAFlag) {
    const WayVerdict yes = v({.highway = "service", .access = "private"});
    EXPECT_TRUE(yes.walkable);
    EXPECT_EQ(yes.flags, kEdgePrivate);
    const WayVerdict no =
        v({.highway = "service", .access = "private"}, /*private_walkable=*/false);
    EXPECT_FALSE(no.walkable);
    EXPECT_EQ(no.reason, WayReason::kPrivateExcluded);
    // foot=yes opens a private road to pedestrians: not flagged.
    EXPECT_EQ(v({.highway = "service", .foot = "yes", .access = "private"}).flags, 0);
    EXPECT_EQ(v({.highway = "footway", .foot = "private"}).flags, kEdgePrivate);
}

TEST(OsmProfile, StepsFlagged) {
    EXPECT_EQ(v({.highway = "steps"}).flags, kEdgeSteps);
    EXPECT_EQ(v({.highway = "steps", .access = "private"}).flags, kEdgeSteps | kEdgePrivate);
    EXPECT_EQ(v({.highway = "footway"}).flags, 0);
}

TEST(OsmProfile, PedestrianAreaIsWalkable) {
    EXPECT_TRUE(v({.highway = "pedestrian", .area = "yes"}).walkable);
}

TEST(OsmProfile, UnknownHighwayValuesExcluded) {
    EXPECT_EQ(v({.highway = "raceway"}).reason, WayReason::kOtherHighway);
    EXPECT_EQ(v({.highway = "bus_guideway"}).reason, WayReason::kOtherHighway);
    EXPECT_EQ(v({.highway = "something_new"}).reason, WayReason::kOtherHighway);
}

TEST(OsmProfile, ReportCountsByReason) {
    ProfileReport r;
    r.add(v({.highway = "footway"}), 1500.0);
    r.add(v({.highway = "steps"}), 20.0);
    r.add(v({.highway = "service", .access = "private"}), 480.0);
    r.add(v({.highway = "motorway"}), 9999.0);
    r.add(v({.highway = "footway", .foot = "no"}), 10.0);
    r.add(v({}), 10.0);  // not a highway: neither walkable nor counted as excluded
    EXPECT_EQ(r.walkable_ways, 3u);
    EXPECT_DOUBLE_EQ(r.walkable_km, 2.0);
    EXPECT_EQ(r.steps_ways, 1u);
    EXPECT_EQ(r.private_ways, 1u);
    EXPECT_EQ(r.excluded_total(), 2u);
    EXPECT_EQ(r.excluded[static_cast<std::size_t>(WayReason::kMotorway)], 1u);
    EXPECT_EQ(r.excluded[static_cast<std::size_t>(WayReason::kFootNo)], 1u);
    EXPECT_STREQ(reason_name(WayReason::kFootNo), "foot=no");
}

}  // namespace
}  // namespace lc15::io
