// GTFS shapes.txt: a line is drawn along its trip's shape, hop by hop between the stops placed on
// it (a bend's vertex kept, a stretch passed twice placed in riding order, shape_dist_traveled
// used when the feed gives it); a stop far from the shape gives a straight hop, counted in
// bus.gpkg; bad shapes.txt rows stop the run naming file and line; streaming CSV reads the same
// rows as the whole text.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>

#include "engine/error.hpp"
#include "io/bus_analysis.hpp"
#include "io/city.hpp"
#include "io/gtfs.hpp"
#include "io/line_shape.hpp"
#include "io/vector_reader.hpp"
#include "maps/maps.hpp"
#include "tests/support/ascii_map.hpp"
#include "tests/support/bend_city.hpp"
#include "tests/support/cli_run.hpp"
#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

namespace fs = std::filesystem;
using test::metres_at;

// Metres along a drawn hop.
double hop_metres(const io::LineShape& s, std::size_t h) {
    double m = 0;
    for (std::uint32_t i = s.hop_first[h] + 1; i < s.hop_end[h]; ++i)
        m += haversine_m(s.points[i - 1], s.points[i]);
    return m;
}

bool passes_near(const io::LineShape& s, std::size_t h, LonLat p, double tol_m) {
    for (std::uint32_t i = s.hop_first[h]; i < s.hop_end[h]; ++i)
        if (haversine_m(s.points[i], p) < tol_m) return true;
    return false;
}

TEST(GtfsShapes, HopFollowsTheBendOfTheShape) {
    // Shape east 1000 m, then north 1000 m; one stop on each leg, 10 m to the right of travel.
    const std::vector<LonLat> path{metres_at(0, 0), metres_at(1000, 0), metres_at(1000, 1000)};
    const std::vector<LonLat> stops{metres_at(200, -10), metres_at(1010, 800)};
    const io::LineShape s = io::shape_along_path(stops, path, {}, {}, io::kMaxStopShapeM, true);
    ASSERT_EQ(s.hop_source.size(), 1u);
    EXPECT_EQ(s.hop_source[0], io::ShapeSource::kAlongShape);
    EXPECT_EQ(s.straight_hops(), 0u);
    EXPECT_TRUE(passes_near(s, 0, path[1], 0.01));  // through the bend's vertex
    EXPECT_NEAR(hop_metres(s, 0), 800 + 800, 2);    // not the 1,100 m of the straight line
}

// An out-and-back shape passes the same street twice: 0 -> 1000 m east, then back to 0.
// Stops lie on the street itself (no side), so only the riding order tells the passes apart.
TEST(GtfsShapes, StretchPassedTwicePlacesEachStopOnItsPass) {
    const std::vector<LonLat> path{metres_at(0, 0), metres_at(500, 0), metres_at(1000, 0),
                                   metres_at(500, 0.001), metres_at(0, 0.001)};
    const std::vector<LonLat> stops{metres_at(100, 0), metres_at(900, 0), metres_at(500, 0),
                                    metres_at(100, 0)};
    const io::LineShape s = io::shape_along_path(stops, path, {}, {}, io::kMaxStopShapeM, true);
    ASSERT_EQ(s.hop_source.size(), 3u);
    EXPECT_EQ(s.straight_hops(), 0u);
    EXPECT_NEAR(hop_metres(s, 0), 800, 1);
    EXPECT_NEAR(hop_metres(s, 1), 100 + 500, 1);  // out to the turn and back to 500 m
    EXPECT_NEAR(hop_metres(s, 2), 400, 1);        // on the way back, not a hop of 0 m
    EXPECT_TRUE(passes_near(s, 1, path[2], 0.01));

    // shape_dist_traveled (here in km) decides where position alone cannot: the second stop
    // at 500 m east is passed at 0.5 and at 1.5 km; the feed says 1.5.
    const std::vector<LonLat> two{metres_at(100, 0), metres_at(500, 0), metres_at(200, 0)};
    const io::LineShape by_pos = io::shape_along_path(two, path, {}, {}, 100, true);
    const io::LineShape by_dist =
        io::shape_along_path(two, path, {0.1, 1.5, 1.8}, {0, 0.5, 1.0, 1.5, 2.0}, 100, true);
    EXPECT_NEAR(hop_metres(by_pos, 0), 400, 1);  // the earliest monotone choice
    EXPECT_NEAR(hop_metres(by_dist, 0), 1400, 1);
    EXPECT_NEAR(hop_metres(by_dist, 1), 300, 1);
    EXPECT_EQ(by_dist.straight_hops(), 0u);
}

TEST(GtfsShapes, StopFarFromTheShapeGivesStraightCountedHops) {
    const std::vector<LonLat> path{metres_at(0, 0), metres_at(2000, 0)};
    const double off = io::kMaxStopShapeM + 50;
    const std::vector<LonLat> stops{metres_at(100, -5), metres_at(700, -5), metres_at(1000, -off),
                                    metres_at(1500, -5)};
    const io::LineShape s = io::shape_along_path(stops, path, {}, {}, io::kMaxStopShapeM, true);
    ASSERT_EQ(s.hop_source.size(), 3u);
    EXPECT_EQ(s.hop_source[0], io::ShapeSource::kAlongShape);
    EXPECT_EQ(s.hop_source[1], io::ShapeSource::kStraight);
    EXPECT_EQ(s.hop_source[2], io::ShapeSource::kStraight);
    EXPECT_EQ(s.straight_hops(), 2u);
    // Just inside the reach it is placed.
    std::vector<LonLat> near = stops;
    near[2] = metres_at(1000, -(io::kMaxStopShapeM - 5));
    EXPECT_EQ(io::shape_along_path(near, path, {}, {}, io::kMaxStopShapeM, true).straight_hops(),
              0u);
}

// Feeds place some stops a little off their spot along the street: a stop the shape reaches up
// to kShapeOrderSlackM before the previous one keeps the line on the shape (an empty hop at
// the previous stop's place); farther out of order, its hops are straight.
TEST(GtfsShapes, StopSlightlyOutOfOrderStaysOnTheShape) {
    const std::vector<LonLat> path{metres_at(0, 0), metres_at(2000, 0)};
    auto line = [&](double back_m) {
        const std::vector<LonLat> stops{metres_at(100, -5), metres_at(800, -5),
                                        metres_at(800 - back_m, -5), metres_at(1500, -5)};
        return io::shape_along_path(stops, path, {}, {}, io::kMaxStopShapeM, true);
    };
    const io::LineShape near = line(io::kShapeOrderSlackM - 10);
    EXPECT_EQ(near.straight_hops(), 0u);
    EXPECT_NEAR(hop_metres(near, 0), 700, 1);
    EXPECT_NEAR(hop_metres(near, 1), 0, 1);  // at the previous stop's place
    EXPECT_NEAR(hop_metres(near, 2), 700, 1);
    const io::LineShape far = line(io::kShapeOrderSlackM + 30);
    EXPECT_EQ(far.straight_hops(), 2u);
}

TEST(GtfsShapes, StreamingCsvReadsTheSameRowsAsTheWholeText) {
    std::string text =
        "\xEF\xBB\xBF"
        "a,b\r\n1,\"x\"\"y\"\r\n\n2,\"multi\nline\"\n3,";
    for (int i = 0; i < 3000; ++i) text += "\n" + std::to_string(i) + ",\"q,\"\"r\"\"\"";
    std::size_t at = 0;
    io::CsvTable whole(text, "t.txt");
    io::CsvTable bytewise(
        [&](char* buf, std::size_t n) {
            const std::size_t k = std::min<std::size_t>({n, 1 + at % 3, text.size() - at});
            std::copy_n(text.data() + at, k, buf);
            at += k;
            return k;
        },
        "t.txt");
    EXPECT_EQ(whole.col("a", true), bytewise.col("a", true));
    EXPECT_EQ(bytewise.col("b", true), 1);
    std::size_t rows = 0;
    while (whole.next()) {
        ASSERT_TRUE(bytewise.next()) << whole.here();
        EXPECT_EQ(whole.get(0), bytewise.get(0));
        EXPECT_EQ(whole.get(1), bytewise.get(1));
        EXPECT_EQ(whole.here(), bytewise.here());
        ++rows;
    }
    EXPECT_FALSE(bytewise.next());
    EXPECT_EQ(rows, 3003u);
}

std::string latlon(LonLat p) {
    std::ostringstream s;
    s << std::setprecision(10) << p.lat << "," << p.lon;
    return s.str();
}

// A city with one street bending at b (a -> b east, b -> c south), a residential area, and a
// GTFS feed: line K rides stop 1 -> stop 2 along the shape a, b, c; line F rides 1 -> far -> 2
// with `far` 250 m off the shape.
struct ShapeCity {
    test::AsciiMap m = test::bend_street_city();
    test::TempDir dir;

    ShapeCity() {
        test::write_bend_city(m, dir.path(), 0.004, "[bus]\ngtfs = \"feed\"\n");
        fs::create_directories(dir / "feed");
        const LonLat mid = m.pos('p');  // 250 m and more from the street
        write("stops.txt", "stop_id,stop_name,stop_lat,stop_lon\nS1,One," + latlon(m.pos('1')) +
                               "\nS2,Two," + latlon(m.pos('2')) + "\nSF,Far," + latlon(mid) + "\n");
        write("routes.txt", "route_id,route_short_name,route_type\nK,K,3\nF,F,3\n");
        write("trips.txt", "route_id,service_id,trip_id,shape_id\nK,D,k1,bend\nF,D,f1,bend\n");
        write("stop_times.txt",
              "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
              "k1,07:30:00,07:30:00,S1,1\nk1,07:35:00,07:35:00,S2,2\n"
              "f1,07:30:00,07:30:00,S1,1\nf1,07:33:00,07:33:00,SF,2\nf1,07:36:00,07:36:00,S2,3\n");
        write_shapes({"bend," + latlon(m.pos('a')) + ",1", "bend," + latlon(m.pos('b')) + ",2",
                      "bend," + latlon(m.pos('c')) + ",3"});
    }
    void write(const std::string& name, const std::string& text) const {
        std::ofstream(dir / "feed" / name) << text;
    }
    void write_shapes(const std::vector<std::string>& rows) const {
        std::string t = "shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence\n";
        for (const auto& r : rows) t += r + "\n";
        write("shapes.txt", t);
    }
};

TEST(MapsBus, GtfsLineFollowsItsShapeInTheGpkgAndOnTheMap) {
    ShapeCity c;
    const io::City city = io::load_city(io::load_city_config(c.dir / "city.toml"));
    const io::BusAnalysis bus = io::analyse_bus(city, io::BusAnalysisOptions{});
    ASSERT_EQ(bus.line_shapes.size(), 2u);
    {
        io::OutputDir out(c.dir / "out");
        io::write_bus_outputs(out, city, bus);
        out.commit();
    }
    io::VectorSource src;
    src.path = c.dir / "out/bus.gpkg";
    src.layer = "lines";
    const io::VectorData lines = io::read_vector(src, nullptr);
    ASSERT_EQ(lines.features.size(), 2u);
    const LonLat bend = c.m.pos('b');
    std::size_t k = 2, f = 2;
    for (std::size_t i = 0; i < 2; ++i) (lines.features[i].id == "F/1" ? f : k) = i;
    ASSERT_LT(k, 2u);
    ASSERT_LT(f, 2u);
    // K: one hop along the shape, through the bend; the file and the map have one geometry.
    const auto& kline = lines.features[k].line;
    EXPECT_TRUE(std::any_of(kline.begin(), kline.end(),
                            [&](LonLat p) { return haversine_m(p, bend) < 0.01; }));
    EXPECT_EQ(kline, bus.line_shapes[k].points);
    EXPECT_EQ(lines.features[k].tags.at("hops"), "1");
    EXPECT_EQ(lines.features[k].tags.at("hops_straight"), "0");
    // F: its middle stop is far from the shape, both its hops straight and counted.
    EXPECT_EQ(lines.features[f].tags.at("hops"), "2");
    EXPECT_EQ(lines.features[f].tags.at("hops_straight"), "2");

    // The map: K drawn through the bend, where a straight line would not pass.
    test::expect_line_through_bend(city, bus, k, bend);
}

TEST(GtfsShapes, BadShapeRowsNameFileLineAndFix) {
    ShapeCity c;
    const fs::path feed = c.dir / "feed";
    auto error_with = [&](const std::vector<std::string>& rows) {
        c.write_shapes(rows);
        return test::input_error_of([&] { io::read_gtfs(feed); });
    };
    const std::string a = latlon(c.m.pos('a')), b = latlon(c.m.pos('b'));
    std::string e = error_with({"bend," + a + ",1", "bend,north,1.0,2"});
    EXPECT_NE(e.find("shapes.txt:3"), std::string::npos) << e;
    EXPECT_NE(e.find("not a number"), std::string::npos) << e;
    e = error_with({"bend," + a + ",1", "bend,-95.5,10.0,2"});
    EXPECT_NE(e.find("shapes.txt:3"), std::string::npos) << e;
    EXPECT_NE(e.find("out of range"), std::string::npos) << e;
    e = error_with({"bend," + a + ",1", "bend," + b + ",x"});
    EXPECT_NE(e.find("shapes.txt:3"), std::string::npos) << e;
    EXPECT_NE(e.find("shape_pt_sequence"), std::string::npos) << e;
    e = error_with({"bend," + a + ",1", "bend," + b + ",2", "bend," + b + ",2"});
    EXPECT_NE(e.find("shapes.txt:4"), std::string::npos) << e;
    EXPECT_NE(e.find("repeats that of line 3"), std::string::npos) << e;
    e = error_with({"other," + a + ",1", "other," + b + ",2"});
    EXPECT_NE(e.find("trips.txt:2"), std::string::npos) << e;
    EXPECT_NE(e.find("shape_id bend"), std::string::npos) << e;
    EXPECT_NE(e.find("add the shape's points"), std::string::npos) << e;
    // Rows of shapes no trip uses are not read beyond their id; out of order rows are sorted.
    e = error_with({"other,north,east,x", "bend," + b + ",2", "bend," + a + ",1",
                    "bend," + latlon(c.m.pos('c')) + ",3"});
    EXPECT_EQ(e, "no error");
    const io::GtfsFeed ok = io::read_gtfs(feed);
    ASSERT_EQ(ok.shapes.size(), 2u);
    EXPECT_EQ(ok.shapes[1].straight_hops(), 0u);  // K/1 after F/1

    // From the command line: exit 1, the message, and nothing written.
    c.write_shapes({"bend," + a + ",1", "bend,north,1.0,2"});
    const fs::path out = c.dir / "maps";
    const test::CliRun r =
        test::run_lc15("map -q --config " + (c.dir / "city.toml").string() + " --out " +
                       out.string() + " --category kindergarten --format png --dpi 72");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("shapes.txt:3"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(out) && !fs::is_empty(out)) << "nothing written";
}

}  // namespace
}  // namespace lc15
