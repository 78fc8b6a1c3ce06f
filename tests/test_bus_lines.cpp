// Ride times of OSM route relations (io/bus_lines.hpp) on routes drawn as ASCII maps: a loop and
// an out-and-back route, whose ways pass their stops twice, get every hop along the ways; ways
// listed out of travel order are measured by the shortest path over them; a stop off the
// route's ways is a counted, reported fallback.
#include <gtest/gtest.h>

#include "io/bus_lines.hpp"

#include "tests/support/ascii_map.hpp"

namespace lc15 {
namespace {

using test::AsciiMap;

constexpr double kCell = 20.0;     // m per character
constexpr double kBusSpeed = 5.0;  // 18 km/h in m/s

void stop(AsciiMap& m, char c) {
    m.tag_node(c, {{"highway", "bus_stop"}, {"name", std::string("S") + c}});
}

struct Built {
    io::OsmData osm;
    std::unique_ptr<Snapper> snapper;
    io::BusLines lines;
};

Built build(const AsciiMap& m) {
    Built b{m.read(), nullptr, {}};
    b.snapper = std::make_unique<Snapper>(b.osm.graph);
    b.lines = io::bus_lines_from_osm(b.osm, *b.snapper, io::BusLineOptions{});
    return b;
}

// The hop lengths in metres, in riding order.
std::vector<double> hop_metres(const io::BusLines& b) {
    std::vector<double> m;
    for (double s : b.lines.at(0).hop_seconds) m.push_back(s * kBusSpeed);
    return m;
}

TEST(BusLines, LoopRouteEveryHopAlongItsWays) {
    // Clockwise round the block; buses stop on the right, inside the loop. The last stop is the
    // first one again, 60 m past the corner where the ways start and end.
    AsciiMap m(R"(
a---------------b
|  1         2  |
|               |
|               |
|               |
|               |
|  4         3  |
d---------------c
)",
               kCell);
    for (char c : {'1', '2', '3', '4'}) stop(m, c);
    m.add_relation({{"type", "route"}, {"route", "bus"}, {"ref", "L"}}, {{'n', "1", "platform"},
                                                                         {'n', "2", "platform"},
                                                                         {'n', "3", "platform"},
                                                                         {'n', "4", "platform"},
                                                                         {'n', "1", "platform"},
                                                                         {'w', "ab", ""},
                                                                         {'w', "bc", ""},
                                                                         {'w', "dc", ""},
                                                                         {'w', "ad", ""}});
    const Built b = build(m);
    ASSERT_EQ(b.lines.lines.size(), 1u);
    ASSERT_EQ(b.lines.lines[0].stops.size(), 5u);
    // 1 -> 2 along the top (200 m), 2 -> 3 round the corner (60 + 140 + 60), 3 -> 4 along the
    // bottom, 4 -> 1 up the left side and round the corner where the polyline closes.
    const std::vector<double> want{200, 260, 200, 260};
    const std::vector<double> got = hop_metres(b.lines);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 0.5) << "hop " << i;
    ASSERT_EQ(b.lines.reports.size(), 1u);
    const io::LineRideReport& r = b.lines.reports[0];
    EXPECT_EQ(r.hops, 4u);
    EXPECT_EQ(r.along_ways, 4u);
    EXPECT_EQ(r.fallback(), 0u);
    EXPECT_EQ(r.source, "OSM route relation");
    for (const auto& w : b.lines.warnings)
        EXPECT_EQ(w.find("straight line"), std::string::npos) << w;
}

TEST(BusLines, OutAndBackRouteTakesEachStopOnItsOwnSide) {
    // East along the street and back on the same way; outbound stops on the south side,
    // inbound ones on the north side, each pair facing each other.
    AsciiMap m(R"(
   4         3
a-----------------b
   1         2
)",
               kCell);
    for (char c : {'1', '2', '3', '4'}) stop(m, c);
    m.add_relation({{"type", "route"}, {"route", "bus"}, {"ref", "O"}}, {{'n', "1", "platform"},
                                                                         {'n', "2", "platform"},
                                                                         {'n', "3", "platform"},
                                                                         {'n', "4", "platform"},
                                                                         {'w', "ab", ""},
                                                                         {'w', "ab", ""}});
    const Built b = build(m);
    ASSERT_EQ(b.lines.lines.size(), 1u);
    // 1 -> 2 200 m; 2 -> 3 to the end of the street and back (100 + 100), not 40 m across it;
    // 3 -> 4 200 m.
    const std::vector<double> want{200, 200, 200};
    const std::vector<double> got = hop_metres(b.lines);
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 0.5) << "hop " << i;
    EXPECT_EQ(b.lines.reports.at(0).along_ways, 3u);
}

TEST(BusLines, WaysOutOfTravelOrderTakeTheShortestPathOverThem) {
    // The relation lists its ways backwards (b-c before a-b), so the chained ways run c-b-a and
    // the stops, ridden 1 then 2, lie on them out of order: the hop is the shortest path over
    // the route's ways, 80 m down to b and 120 m east.
    AsciiMap m(R"(
a
|
| 1
|
|
|
b-----------c
      2
)",
               kCell);
    for (char c : {'1', '2'}) stop(m, c);
    m.add_relation(
        {{"type", "route"}, {"route", "bus"}, {"ref", "B"}},
        {{'n', "1", "platform"}, {'n', "2", "platform"}, {'w', "bc", ""}, {'w', "ab", ""}});
    const Built b = build(m);
    ASSERT_EQ(b.lines.lines.size(), 1u);
    EXPECT_NEAR(hop_metres(b.lines).at(0), 200, 0.5);
    const io::LineRideReport& r = b.lines.reports.at(0);
    EXPECT_EQ(r.along_ways, 1u);
    EXPECT_EQ(r.shortest_path, 1u);
    // Its course turns at b, the vertex joining the route's two ways.
    const io::LineShape& s = b.lines.shapes.at(0);
    ASSERT_EQ(s.hop_source.size(), 1u);
    EXPECT_EQ(s.hop_source[0], io::ShapeSource::kShortestPath);
    ASSERT_EQ(s.points.size(), 3u);
    EXPECT_LT(haversine_m(s.points[1], m.pos('b')), 0.01);
}

TEST(BusLines, ShapeFollowsTheRouteWaysThroughTheirBend) {
    // East along a-b, then south along b-c: the hop 1 -> 2 turns at b, and its drawn course
    // (LineShape) holds b, not the straight line between the stops.
    AsciiMap m(R"(
a-----------b
  1         |
            |
          2 |
            |
            c
)",
               kCell);
    for (char c : {'1', '2'}) stop(m, c);
    m.add_relation(
        {{"type", "route"}, {"route", "bus"}, {"ref", "K"}},
        {{'n', "1", "platform"}, {'n', "2", "platform"}, {'w', "ab", ""}, {'w', "bc", ""}});
    const Built b = build(m);
    ASSERT_EQ(b.lines.shapes.size(), 1u);
    const io::LineShape& s = b.lines.shapes[0];
    ASSERT_EQ(s.hop_source.size(), 1u);
    EXPECT_EQ(s.hop_source[0], io::ShapeSource::kAlongWays);
    EXPECT_EQ(s.straight_hops(), 0u);
    ASSERT_EQ(s.hop_first[0], 0u);
    ASSERT_EQ(s.hop_end[0], s.points.size());
    ASSERT_EQ(s.points.size(), 3u);  // the stop on a-b, the bend, the stop on b-c
    EXPECT_LT(haversine_m(s.points[1], m.pos('b')), 0.01);
    EXPECT_LT(haversine_m(s.points[0], m.pos('1')), kCell + 0.5);
    EXPECT_LT(haversine_m(s.points[2], m.pos('2')), 2 * kCell + 0.5);
    // The course is as long as the ride time's path.
    const double course =
        haversine_m(s.points[0], s.points[1]) + haversine_m(s.points[1], s.points[2]);
    EXPECT_NEAR(course, hop_metres(b.lines).at(0), 0.5);
}

TEST(BusLines, StopOffTheRouteFallsBackAndIsCountedByReason) {
    // Stop 3 lies 160 m north of the route's street: its two hops use the straight line × 1.3.
    AsciiMap m(R"(
          3



e-----f
|
|
a-----------------b
   1         2
)",
               kCell);
    for (char c : {'1', '2', '3'}) stop(m, c);
    m.add_relation(
        {{"type", "route"}, {"route", "bus"}, {"ref", "X"}},
        {{'n', "1", "platform"}, {'n', "3", "platform"}, {'n', "2", "platform"}, {'w', "ab", ""}});
    const Built b = build(m);
    ASSERT_EQ(b.lines.lines.size(), 1u);
    const io::LineRideReport& r = b.lines.reports.at(0);
    EXPECT_EQ(r.hops, 2u);
    EXPECT_EQ(r.along_ways, 0u);
    EXPECT_EQ(r.stop_off_route, 2u);
    ASSERT_EQ(b.lines.shapes.size(), 1u);
    EXPECT_EQ(b.lines.shapes[0].straight_hops(), 2u);  // drawn as the straight lines they are
    EXPECT_EQ(r.fallback(), 2u);
    const double straight = haversine_m(m.pos('1'), m.pos('3'));
    EXPECT_NEAR(b.lines.lines[0].hop_seconds[0] * kBusSpeed, straight * 1.3, 0.01);
    bool warned = false;
    for (const auto& w : b.lines.warnings) {
        if (w.find("route r1 (X): 2 of 2 hop(s) from the straight line") != std::string::npos &&
            w.find("2 next to a stop farther than") != std::string::npos)
            warned = true;
    }
    EXPECT_TRUE(warned);
}

}  // namespace
}  // namespace lc15
