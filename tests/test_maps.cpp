// lc15 maps on a hand-built city (one covered, one uncovered community on one street) and on
// the demo district: class colours at known pixels, labels, text and fonts in the PDF, SVG as
// XML, the same bytes twice and for any thread count, the walking service area, bad input.
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "engine/error.hpp"
#include "io/bus_analysis.hpp"
#include "io/city.hpp"
#include "io/vector_reader.hpp"
#include "maps/maps.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/scenario_report.hpp"
#include "tests/support/ascii_map.hpp"
#include "tests/support/bend_city.hpp"
#include "tests/support/cli_run.hpp"
#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

namespace fs = std::filesystem;
using test::metres_at;
const fs::path kSource = LC15_SOURCE_DIR;
const fs::path kDemo = kSource / "configs/zhuhai_xiangzhou.toml";

Ring square(double x0, double y0, double x1, double y1) {
    return {metres_at(x0, y0), metres_at(x1, y0), metres_at(x1, y1), metres_at(x0, y1),
            metres_at(x0, y0)};
}

/// One street along y = 0 from x = 0 to 2000 m; 东苑 (x 100..300, y 20..220) with a home at
/// (260, 60) near a kindergarten at (200, -10): covered; 西苑 (x 1500..1700) with a home
/// at (1660, 60), 1460 m from it: not covered (radius 300 m). Extra communities, if asked,
/// are crowded squares with long names to force dropped labels.
struct HandCity {
    io::City city;
    std::unique_ptr<CoverageModel> model;
    CoverageReport report;

    /// `split_street`: the street as two ways meeting at x = 1000 m, the second one listed
    /// from east to west, zigzagging by 20 m (no three points in a line, which cairo would
    /// merge).
    explicit HandCity(int crowd = 0, bool split_street = false) {
        city.config.name = "测试城";
        city.config.bbox =
            std::array<double, 4>{metres_at(-100, -300).lon, metres_at(-100, -300).lat,
                                  metres_at(2100, 500).lon, metres_at(2100, 500).lat};
        io::CategoryDef k;
        k.rule = {"kindergarten", "幼儿园", "Kindergarten", 5, 300, 1, 1.0, "测试条文"};
        city.config.rules.categories.push_back(k);
        city.walker = {"adult", 1.25, false};
        city.osm.timestamp = "2024-05-01T00:00:00Z";
        GraphBuilder b;
        std::vector<WayNode> street, east;
        for (int i = 0; i <= 20; ++i)
            (split_street && i > 10 ? east : street)
                .push_back(
                    {std::uint64_t(i + 1), metres_at(100.0 * i, split_street && i % 2 ? 20 : 0)});
        if (split_street) {
            east.insert(east.begin(), street.back());
            std::reverse(east.begin(), east.end());
            b.add_way(2, east, 0);
        }
        b.add_way(1, street, 0);
        city.osm.graph = std::move(b).build();
        city.osm.basemap.street_classes = {{1, io::StreetClass::kLocal},
                                           {2, io::StreetClass::kLocal}};
        city.snapper = std::make_unique<Snapper>(city.osm.graph);
        city.communities.push_back({"a", "东苑", {Polygon{square(100, 20, 300, 220), {}}}, {}});
        city.communities.push_back({"b", "西苑", {Polygon{square(1500, 20, 1700, 220), {}}}, {}});
        for (int i = 0; i < crowd; ++i) {
            const double x = 700 + 30.0 * (i % 8), y = 250 + 30.0 * (i / 8);
            city.communities.push_back({"c" + std::to_string(i),
                                        "拥挤的社区名称很长第" + std::to_string(i) + "号",
                                        {Polygon{square(x, y, x + 25, y + 25), {}}},
                                        {}});
        }
        auto home = [&](double x, double y, CommunityId c) {
            io::HomeRecord h;
            h.pos = metres_at(x, y);
            h.population = 100;
            h.community = c;
            h.snap = city.snapper->snap(h.pos, 300);
            city.homes.push_back(h);
        };
        home(260, 60, 0);
        home(1660, 60, 1);
        for (int i = 0; i < crowd; ++i)
            home(712 + 30.0 * (i % 8), 262 + 30.0 * (i / 8), static_cast<CommunityId>(2 + i));
        io::FacilityRecord f;
        f.category = 0;
        f.source = "test";
        f.id = "k1";
        f.name = "测试幼儿园";
        f.pos = metres_at(200, -10);
        f.snap = city.snapper->snap(f.pos, 300);
        city.facilities.push_back(f);
        city.population_method = "test homes";
        model = std::make_unique<CoverageModel>(io::make_coverage_model(city));
        model->compute();
        report = model->report(static_cast<std::uint32_t>(city.communities.size()));
    }
    maps::MapInputs inputs() const { return {&city, model.get(), &report, nullptr}; }
};

int channel_diff(std::uint32_t a, std::uint32_t b) {
    int d = 0;
    for (int s = 0; s < 24; s += 8)
        d = std::max(d, std::abs(int((a >> s) & 0xff) - int((b >> s) & 0xff)));
    return d;
}

// stdout of a shell command (pdftotext, pdffonts, …).
std::string run_out(const std::string& cmd) { return test::run_shell(cmd).output; }

void write(const fs::path& p, const std::string& bytes) {
    std::ofstream(p, std::ios::binary) << bytes;
}

TEST(Maps, HandBuiltCityPixelsCarryTheClassColours) {
    HandCity hc;
    ASSERT_EQ(hc.report.communities[0].by_category[0].share, 1.0);
    ASSERT_EQ(hc.report.communities[1].by_category[0].share, 0.0);
    maps::MapOptions opt;
    opt.paper = maps::paper_size("A4", false);
    opt.png_dpi = 72;  // one pixel per point
    const maps::MapResult r =
        maps::render_map(hc.inputs(), {maps::MapKind::kCategory, 0}, opt, maps::Format::kPng);
    const maps::Pixels px = maps::decode_png(r.bytes);
    ASSERT_EQ(px.width, 842);
    ASSERT_EQ(px.height, 596);  // 595.3 pt, rounded up
    auto pixel = [&](double x_m, double y_m) {
        auto [x, y] = r.page_point(metres_at(x_m, y_m));
        return px.at(static_cast<int>(x), static_cast<int>(y));
    };
    // Inside each community, away from its home, label, outline and the street.
    const std::uint32_t covered = 0x253494, uncovered = 0xffffcc;
    EXPECT_LE(channel_diff(pixel(125, 200), covered), 2) << std::hex << pixel(125, 200);
    EXPECT_LE(channel_diff(pixel(280, 200), covered), 2) << std::hex << pixel(280, 200);
    EXPECT_LE(channel_diff(pixel(1525, 200), uncovered), 2) << std::hex << pixel(1525, 200);
    EXPECT_LE(channel_diff(pixel(1680, 200), uncovered), 2) << std::hex << pixel(1680, 200);
    // Outside every community: the paper colour.
    EXPECT_LE(channel_diff(pixel(1000, 150), 0xf5f4f0), 2) << std::hex << pixel(1000, 150);
    // The uncovered home's dot is orange; the service area (purple) runs along the street near
    // the kindergarten, and not 1400 m away.
    EXPECT_LE(channel_diff(pixel(1660, 60), 0xe6550d), 2) << std::hex << pixel(1660, 60);
    const std::uint32_t near = pixel(350, 0), far = pixel(1300, 0);
    EXPECT_GT(channel_diff(near, far), 40) << std::hex << near << " " << far;
    // Both labels are drawn, the uncovered community's included.
    EXPECT_EQ(r.labelled, (std::vector<std::string>{"东苑", "西苑"}));
    EXPECT_TRUE(r.dropped.empty());
}

// The sea from hand-made coastlines (land on the left of a way, sea on its right), on the
// overview of the hand-built city (frame about x -145..2145 m, y -880..1080 m): water where the
// sea is, the paper colour on land, away from communities, street and labels.
struct SeaMap {
    maps::Pixels px;
    maps::MapResult r;
    std::uint32_t at(double x_m, double y_m) const {
        auto [x, y] = r.page_point(metres_at(x_m, y_m));
        return px.at(static_cast<int>(x), static_cast<int>(y));
    }
};
SeaMap sea_map(std::vector<std::vector<std::pair<double, double>>> ways,
               std::optional<std::array<LonLat, 2>> extract = std::nullopt) {
    HandCity hc;
    hc.city.osm.basemap.extract_box = extract;
    std::int64_t id = 100;
    for (const auto& w : ways) {
        io::OsmCoastline c;
        c.way_id = id++;
        for (auto [x, y] : w) c.line.push_back(metres_at(x, y));
        hc.city.osm.basemap.coastlines.push_back(c);
    }
    maps::MapOptions opt;
    opt.paper = maps::paper_size("A4", false);
    opt.png_dpi = 72;
    SeaMap m;
    m.r = maps::render_map(hc.inputs(), {maps::MapKind::kOverview, 0}, opt, maps::Format::kPng);
    m.px = maps::decode_png(m.r.bytes);
    return m;
}
constexpr std::uint32_t kSea = 0xa9cfe8, kLand = 0xf5f4f0;

TEST(MapsSea, StraightCoastAcrossTheMapSeaOnTheRight) {
    // West to east along y = -150, in two ways joined end to start: the sea is south.
    const SeaMap m = sea_map({{{-5000, -150}, {1000, -150}}, {{1000, -150}, {6000, -150}}});
    EXPECT_TRUE(m.r.warnings.empty());
    for (double x : {0.0, 1000.0, 2000.0}) {
        EXPECT_LE(channel_diff(m.at(x, -250), kSea), 2) << x << " " << std::hex << m.at(x, -250);
        EXPECT_LE(channel_diff(m.at(x, -80), kLand), 2) << x << " " << std::hex << m.at(x, -80);
        EXPECT_LE(channel_diff(m.at(x, 400), kLand), 2) << x << " " << std::hex << m.at(x, 400);
    }
    // The same coast drawn east to west: the sea is north.
    const SeaMap n = sea_map({{{6000, -150}, {-5000, -150}}});
    EXPECT_LE(channel_diff(n.at(1000, -250), kLand), 2) << std::hex << n.at(1000, -250);
    EXPECT_LE(channel_diff(n.at(1000, 400), kSea), 2) << std::hex << n.at(1000, 400);
}

TEST(MapsSea, BayAndIsland) {
    // The coast along y = -150 with a bay reaching north to y = 350 between x 800 and 1200,
    // and an island (counter-clockwise) in the open sea at x 900..1100, y -300..-200.
    const SeaMap m =
        sea_map({{{-5000, -150}, {800, -150}, {800, 350}, {1200, 350}, {1200, -150}, {6000, -150}},
                 {{900, -300}, {1100, -300}, {1100, -200}, {900, -200}, {900, -300}}});
    EXPECT_TRUE(m.r.warnings.empty());
    EXPECT_LE(channel_diff(m.at(1000, 300), kSea), 2) << std::hex << m.at(1000, 300);  // bay
    EXPECT_LE(channel_diff(m.at(850, 100), kSea), 2) << std::hex << m.at(850, 100);
    EXPECT_LE(channel_diff(m.at(600, 300), kLand), 2) << std::hex << m.at(600, 300);
    EXPECT_LE(channel_diff(m.at(1400, 300), kLand), 2) << std::hex << m.at(1400, 300);
    EXPECT_LE(channel_diff(m.at(1000, 420), kLand), 2) << std::hex << m.at(1000, 420);
    EXPECT_LE(channel_diff(m.at(1000, -250), kLand), 2) << std::hex << m.at(1000, -250);  // isle
    EXPECT_LE(channel_diff(m.at(700, -250), kSea), 2) << std::hex << m.at(700, -250);
    EXPECT_LE(channel_diff(m.at(1300, -250), kSea), 2) << std::hex << m.at(1300, -250);
}

TEST(MapsSea, IslandAloneMeansTheMapLiesInTheSea) {
    const SeaMap m = sea_map({{{-50, -250}, {2050, -250}, {2050, 450}, {-50, 450}, {-50, -250}}});
    EXPECT_TRUE(m.r.warnings.empty());
    EXPECT_LE(channel_diff(m.at(1000, 400), kLand), 2) << std::hex << m.at(1000, 400);
    EXPECT_LE(channel_diff(m.at(1000, -200), kLand), 2) << std::hex << m.at(1000, -200);
    EXPECT_LE(channel_diff(m.at(-100, 100), kSea), 2) << std::hex << m.at(-100, 100);
    EXPECT_LE(channel_diff(m.at(1000, -300), kSea), 2) << std::hex << m.at(1000, -300);
    EXPECT_LE(channel_diff(m.at(2100, 100), kSea), 2) << std::hex << m.at(2100, 100);
}

TEST(MapsSea, BrokenCoastlineIsSkippedWithAWarningNotFlooded) {
    // A coast that stops in the middle of the map cannot say where the sea is; a good coast
    // beside it is still drawn.
    const SeaMap m = sea_map({{{-5000, -150}, {1000, -150}}});
    ASSERT_EQ(m.r.warnings.size(), 1u);
    EXPECT_NE(m.r.warnings[0].find("w100"), std::string::npos) << m.r.warnings[0];
    EXPECT_NE(m.r.warnings[0].find("ends inside the map"), std::string::npos) << m.r.warnings[0];
    for (double x : {0.0, 1000.0, 2000.0}) {
        EXPECT_LE(channel_diff(m.at(x, -250), kLand), 2) << x << " " << std::hex << m.at(x, -250);
        EXPECT_LE(channel_diff(m.at(x, 400), kLand), 2) << x << " " << std::hex << m.at(x, 400);
    }
    const SeaMap g = sea_map({{{-5000, -150}, {1000, -150}}, {{6000, 450}, {-5000, 450}}});
    ASSERT_EQ(g.r.warnings.size(), 1u);
    EXPECT_LE(channel_diff(g.at(1000, -250), kLand), 2) << std::hex << g.at(1000, -250);
    EXPECT_LE(channel_diff(g.at(1000, 500), kSea), 2) << std::hex << g.at(1000, 500);
    EXPECT_LE(channel_diff(g.at(1000, 400), kLand), 2) << std::hex << g.at(1000, 400);
}

// A bus route whose way bends at b between its two stops: bus.gpkg's line and the bus map
// follow the bend, not the straight line between the stops.
TEST(MapsBus, LineFollowsTheBendOfItsRouteWay) {
    test::AsciiMap m = test::bend_street_city();
    for (char c : {'1', '2'})
        m.tag_node(c, {{"highway", "bus_stop"}, {"name", std::string("站") + c}});
    m.add_relation(
        {{"type", "route"}, {"route", "bus"}, {"ref", "K"}},
        {{'n', "1", "platform"}, {'n', "2", "platform"}, {'w', "ab", ""}, {'w', "bc", ""}});
    test::TempDir dir;
    test::write_bend_city(m, dir.path(), 0.002);
    const io::City city = io::load_city(io::load_city_config(dir / "city.toml"));
    const io::BusAnalysis bus = io::analyse_bus(city, io::BusAnalysisOptions{});
    ASSERT_EQ(bus.line_shapes.size(), 1u);
    {
        io::OutputDir out(dir / "out");
        io::write_bus_outputs(out, city, bus);
        out.commit();
    }
    io::VectorSource src;
    src.path = dir / "out/bus.gpkg";
    src.layer = "lines";
    const io::VectorData lines = io::read_vector(src, nullptr);
    ASSERT_EQ(lines.features.size(), 1u);
    const auto& line = lines.features[0].line;
    ASSERT_EQ(line.size(), 3u);
    EXPECT_LT(haversine_m(line[1], m.pos('b')), 0.01);
    EXPECT_EQ(line, bus.line_shapes[0].points);  // one geometry for the file and the map
    test::expect_line_through_bend(city, bus, 0, m.pos('b'));
}

TEST(MapsSea, CoastCutByTheExtractCountsAsLeavingIt) {
    // The extract ends at x = 1000 m; the coast, cut there, ends 40 m inside it. Within the
    // extract's box (less 150 m) the sea is drawn, without a warning; beyond it nothing.
    const std::array<LonLat, 2> box{metres_at(-3000, -3000), metres_at(1000, 3000)};
    const SeaMap m = sea_map({{{-5000, -150}, {960, -150}}}, box);
    EXPECT_TRUE(m.r.warnings.empty());
    EXPECT_LE(channel_diff(m.at(500, -250), kSea), 2) << std::hex << m.at(500, -250);
    EXPECT_LE(channel_diff(m.at(500, 400), kLand), 2) << std::hex << m.at(500, 400);
    EXPECT_LE(channel_diff(m.at(1500, -250), kLand), 2) << std::hex << m.at(1500, -250);
}

TEST(Maps, LabelsNeverOverlapAndTheDroppedAreListed) {
    HandCity hc(40);
    maps::MapOptions opt;
    opt.paper = maps::paper_size("A4", false);
    const maps::MapResult r =
        maps::render_map(hc.inputs(), {maps::MapKind::kOverview, 0}, opt, maps::Format::kPdf);
    EXPECT_EQ(r.labelled.size() + r.dropped.size(), hc.city.communities.size());
    ASSERT_FALSE(r.dropped.empty()) << "40 long names on 25 m squares cannot all fit";
    ASSERT_EQ(r.label_boxes.size(), r.labelled.size());
    for (std::size_t i = 0; i < r.label_boxes.size(); ++i) {
        for (std::size_t j = i + 1; j < r.label_boxes.size(); ++j) {
            const auto& a = r.label_boxes[i];
            const auto& b = r.label_boxes[j];
            const bool overlap = a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
            EXPECT_FALSE(overlap) << r.labelled[i] << " / " << r.labelled[j];
        }
    }
    // The biggest communities (most residents) are labelled first: 东苑 and 西苑 have 100
    // residents like the crowd, but come first by index.
    EXPECT_EQ(r.labelled[0], "东苑");
    // The dropped names are in the legend box.
    const fs::path dir = test::fresh_dir("maps_labels");
    fs::create_directories(dir);
    write(dir / "o.pdf", r.bytes);
    const std::string text = run_out("pdftotext " + (dir / "o.pdf").string() + " - | tr -d '\\n '");
    EXPECT_NE(text.find("未标注的社区"), std::string::npos) << text;
    EXPECT_NE(text.find(r.dropped.front()), std::string::npos) << text;
    EXPECT_NE(text.find("西苑"), std::string::npos);
}

TEST(Maps, WalkingServiceAreaFollowsTheStreetToTheRadius) {
    HandCity hc;
    const WalkGraph& g = hc.city.osm.graph;
    const SnapResult s = hc.city.facilities[0].snap;  // at x = 200 m, 10 m off the street
    const auto spans = maps::reach_spans(g, {s}, metres_to_cm(300), true, 0);
    // Reach along the street: 300 - 10 (access) = 290 m either way, from x = -90 (cut at 0)
    // to x = 490 m.
    double lo = 1e9, hi = -1e9;
    const LocalProjection proj(metres_at(0, 0));
    for (const auto& sp : spans) {
        auto shape = g.edge_shape(sp.edge);
        const double x0 = proj.forward(shape.front()).first;
        const double x1 = proj.forward(shape.back()).first;
        const double len = cm_to_metres(g.edge_length(sp.edge));
        const double dir = x1 > x0 ? 1 : -1;
        const double a = x0 + dir * cm_to_metres(sp.from_cm), b = x0 + dir * cm_to_metres(sp.to_cm);
        (void)len;
        lo = std::min({lo, a, b});
        hi = std::max({hi, a, b});
    }
    EXPECT_NEAR(lo, 0.0, 0.5);
    EXPECT_NEAR(hi, 490.0, 0.5);
    // Without access legs the reach is 300 m.
    const auto no_legs = maps::reach_spans(g, {s}, metres_to_cm(300), false, 0);
    double hi2 = -1e9;
    for (const auto& sp : no_legs) {
        auto shape = g.edge_shape(sp.edge);
        const double x0 = proj.forward(shape.front()).first;
        const double x1 = proj.forward(shape.back()).first;
        const double dir = x1 > x0 ? 1 : -1;
        hi2 =
            std::max({hi2, x0 + dir * cm_to_metres(sp.from_cm), x0 + dir * cm_to_metres(sp.to_cm)});
    }
    EXPECT_NEAR(hi2, 500.0, 0.5);
}

// A street's edges are drawn as one line through the junction where they meet: one subpath
// (one moveto) in the casing and in the fill, every 100 m point kept, in order from one end
// to the other although the two ways run towards each other.
TEST(Maps, StreetEdgesDrawnAsOneLineThroughTheirJunction) {
    HandCity hc(0, true);
    ASSERT_EQ(hc.city.osm.graph.num_edges(), 2u);
    maps::MapOptions opt;
    opt.paper = maps::paper_size("A4", false);
    const std::string svg =
        maps::render_map(hc.inputs(), {maps::MapKind::kOverview, 0}, opt, maps::Format::kSvg).bytes;
    // The street's paths: round caps and joins, the ones with the most points (21 points, 2 km).
    std::vector<std::string> streets;
    std::size_t most = 0;
    for (std::size_t at = svg.find("<path"); at != std::string::npos;
         at = svg.find("<path", at + 1)) {
        const std::size_t d = svg.find(" d=\"", at), end = svg.find('"', d + 4);
        if (d == std::string::npos ||
            svg.find("stroke-linecap:round;stroke-linejoin:round", at) > d)
            continue;
        const std::string path = svg.substr(d + 4, end - d - 4);
        const std::size_t points = std::count(path.begin(), path.end(), 'L');
        if (points > most) streets.clear();
        if (points >= most) {
            most = points;
            streets.push_back(path);
        }
    }
    ASSERT_EQ(most, 20u) << "the street's 21 points: a moveto and 20 linetos";
    ASSERT_EQ(streets.size(), 2u) << "casing and fill";
    for (const std::string& path : streets) {
        EXPECT_EQ(std::count(path.begin(), path.end(), 'M'), 1) << path;
        std::istringstream in(path);
        std::string op;
        std::vector<double> xs;
        double x = 0, y = 0;
        while (in >> op >> x >> y) xs.push_back(x);
        ASSERT_EQ(xs.size(), 21u) << path;
        if (xs.front() > xs.back()) std::reverse(xs.begin(), xs.end());
        EXPECT_TRUE(std::is_sorted(xs.begin(), xs.end())) << "from one end to the other: " << path;
    }
}

TEST(Maps, SameInputsSameBytesAndSvgIsXml) {
    HandCity hc;
    maps::MapOptions opt;
    opt.paper = maps::paper_size("A4", true);
    for (maps::Format f : {maps::Format::kPdf, maps::Format::kSvg, maps::Format::kPng}) {
        const auto a = maps::render_map(hc.inputs(), {maps::MapKind::kCategory, 0}, opt, f);
        const auto b = maps::render_map(hc.inputs(), {maps::MapKind::kCategory, 0}, opt, f);
        EXPECT_TRUE(a.bytes == b.bytes) << maps::extension(f) << " differs";
        EXPECT_GT(a.bytes.size(), 1000u);
    }
    const auto pdf =
        maps::render_map(hc.inputs(), {maps::MapKind::kOverview, 0}, opt, maps::Format::kPdf);
    EXPECT_NE(pdf.bytes.find("/CreationDate (20240501000000Z)"), std::string::npos)
        << "the creation date is pinned to the map date (the OSM data day)";
    const fs::path dir = test::fresh_dir("maps_svg");
    fs::create_directories(dir);
    write(dir / "m.svg",
          maps::render_map(hc.inputs(), {maps::MapKind::kOverview, 0}, opt, maps::Format::kSvg)
              .bytes);
    EXPECT_EQ(std::system(("xmllint --noout " + (dir / "m.svg").string()).c_str()), 0);
    std::ofstream(dir / "bad.svg") << "<svg><g></svg>";
    EXPECT_NE(
        std::system(("xmllint --noout " + (dir / "bad.svg").string() + " 2>/dev/null").c_str()), 0)
        << "the XML check itself can fail";
}

TEST(Maps, PaperSizesAndFonts) {
    EXPECT_EQ(maps::paper_size("a1", false).width_mm, 841);
    EXPECT_TRUE(maps::paper_size("A3", true).portrait);
    try {
        (void)maps::paper_size("B5", false);
        FAIL() << "B5 accepted";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("A4, A3 or A1"), std::string::npos) << e.what();
    }
    EXPECT_NO_THROW(maps::require_fonts());
}

TEST(Maps, OfflinePageHoldsLeafletAndTheData) {
    HandCity hc;
    const std::string html = maps::render_page(hc.inputs(), maps::MapOptions{});
    EXPECT_NE(html.find("\"name\":\"西苑\""), std::string::npos);
    EXPECT_NE(html.find("Leaflet"), std::string::npos) << "Leaflet inlined";
    EXPECT_EQ(html.find("sourceMappingURL"), std::string::npos);
    // Nothing loaded from elsewhere (the browser test checks the requests themselves).
    EXPECT_EQ(html.find("<script src"), std::string::npos);
    EXPECT_EQ(html.find("<link"), std::string::npos);
    EXPECT_NE(html.find("© OpenStreetMap contributors"), std::string::npos);
}

/// The most common colour in a (2r+1)² window: a hatched fill is its colour between the lines.
std::uint32_t modal(const maps::Pixels& px, int cx, int cy, int r = 4) {
    std::map<std::uint32_t, int> n;
    for (int y = cy - r; y <= cy + r; ++y)
        for (int x = cx - r; x <= cx + r; ++x) ++n[px.at(x, y)];
    return std::max_element(n.begin(), n.end(),
                            [](auto& a, auto& b) { return a.second < b.second; })
        ->first;
}

// The hand-built city with a scenario whose outcome is known: closing 测试幼儿园 loses 东苑's
// 100 residents, a new kindergarten at (1600, -10) covers 西苑's 100 (its home at (1660, 60)
// is 60 + 70 m away along the street and the access legs).
TEST(Maps, ScenarioMapColoursGainAndLossAndNamesTheEdits) {
    HandCity hc;
    const scenarios::ScenarioCity sc = scenarios::make_scenario_city(hc.city);
    scenarios::ScenarioEvaluator ev(sc);
    scenarios::Scenario s;
    s.name = "迁建幼儿园";
    scenarios::Edit closing;
    closing.type = scenarios::EditType::kCloseFacility;
    closing.index = 1;
    closing.where = "test (edit 1)";
    closing.category = "kindergarten";
    closing.ref = "k1";
    scenarios::Edit add;
    add.type = scenarios::EditType::kAddFacility;
    add.index = 2;
    add.where = "test (edit 2)";
    add.category = "kindergarten";
    add.name = "西苑新幼儿园";
    add.points = {metres_at(1600, -10)};
    add.point_names = {add.name};
    s.edits = {closing, add};
    scenarios::ScenarioOutcome o = ev.evaluate(s);
    o.name = s.name;
    ASSERT_EQ(o.communities.size(), 2u);
    ASSERT_DOUBLE_EQ(o.communities[0].by_category[0].lost, 100);
    ASSERT_DOUBLE_EQ(o.communities[0].by_category[0].gained, 0);
    ASSERT_DOUBLE_EQ(o.communities[1].by_category[0].gained, 100);
    ASSERT_DOUBLE_EQ(o.communities[1].by_category[0].lost, 0);

    const maps::ScenarioMapInputs si{&s, &o, &sc};
    maps::MapInputs in = hc.inputs();
    in.scenario = &si;
    maps::MapOptions opt;
    opt.paper = maps::paper_size("A4", false);
    opt.png_dpi = 72;
    const maps::MapResult r =
        maps::render_map(in, {maps::MapKind::kScenario}, opt, maps::Format::kPng);
    const maps::Pixels px = maps::decode_png(r.bytes);
    auto pixel = [&](double x_m, double y_m) {
        auto [x, y] = r.page_point(metres_at(x_m, y_m));
        return modal(px, static_cast<int>(x), static_cast<int>(y));
    };
    // PuOr: the loss the strongest orange (hatched), the gain the strongest purple.
    const std::uint32_t loss = 0xe66101, gain = 0x5e3c99;
    EXPECT_LE(channel_diff(pixel(130, 190), loss), 2) << std::hex << pixel(130, 190);
    EXPECT_LE(channel_diff(pixel(1530, 190), gain), 2) << std::hex << pixel(1530, 190);
    EXPECT_LE(channel_diff(pixel(1000, 150), 0xf5f4f0), 2) << std::hex << pixel(1000, 150);
    // The loss is hatched (dark lines cross it), the gain is a flat fill.
    auto darkest = [&](double x_m, double y_m) {
        auto [x, y] = r.page_point(metres_at(x_m, y_m));
        int d = 255;
        for (int dy = -4; dy <= 4; ++dy)
            for (int dx = -4; dx <= 4; ++dx)
                d = std::min<int>(d, (px.at(int(x) + dx, int(y) + dy) >> 8) & 0xff);
        return d;
    };
    EXPECT_LT(darkest(130, 190), 0x50);
    EXPECT_EQ(darkest(1530, 190), 0x3c);
    // The new kindergarten's marker (the edit ink), left of its white number (radius 6 pt × 0.71 on
    // A4).
    const auto [mx, my] = r.page_point(metres_at(1600, -10));
    EXPECT_LE(channel_diff(px.at(int(mx - 3), int(my)), 0x111111), 2)
        << std::hex << px.at(int(mx - 3), int(my));

    // The PDF names the edits and holds the city row of community_changes.csv.
    const std::string pdf =
        maps::render_map(in, {maps::MapKind::kScenario}, opt, maps::Format::kPdf).bytes;
    const fs::path dir = test::fresh_dir("maps_scenario_hand");
    fs::create_directories(dir);
    write(dir / "s.pdf", pdf);
    const std::string text = run_out("pdftotext " + (dir / "s.pdf").string() + " - | tr -d '\\n '");
    for (const char* w : {"情景前后对比：迁建幼儿园", "关闭设施幼儿园", "测试幼儿园",
                          "新增设施幼儿园", "西苑新幼儿园", "全市得分50→50"})
        EXPECT_NE(text.find(w), std::string::npos) << w << "\n" << text;
    const auto rows = scenarios::community_changes_rows(o, sc.rules);
    const auto& city_row = rows.back();  // 全市, kindergarten
    ASSERT_EQ(std::get<std::string>(city_row[0]), scenarios::kCityRowName);
    std::string figures;
    for (int c : {2, 3, 4, 5, 6}) figures += std::get<std::string>(city_row[c]);
    EXPECT_EQ(figures, "幼儿园100100100100");
    EXPECT_NE(text.find(figures), std::string::npos) << figures << "\n" << text;
}

// --- the demo district, through the CLI ---

TEST(MapsDemo, PdfHoldsTitleNamesLegendAttributionAndASubsetCjkFont) {
    const fs::path dir = test::fresh_dir("maps_demo");
    const test::CliRun r =
        test::run_lc15("map -q --config " + kDemo.string() + " --out " + dir.string() +
                       " --category kindergarten --format pdf,svg --no-bus");
    ASSERT_EQ(r.code, 0) << r.output;
    const std::string pdf = (dir / "map_overview.pdf").string();
    const std::string text = run_out("pdftotext " + pdf + " - | tr -d '\\n '");
    for (const char* s : {"15分钟社区生活圈综合得分", "珠海香洲", "社区综合得分", "无居民",
                          "©OpenStreetMapcontributors", "金地国际公馆", "比例尺"})
        EXPECT_NE(text.find(s), std::string::npos) << s << "\n" << text;
    const std::string kg =
        run_out("pdftotext " + (dir / "map_kindergarten.pdf").string() + " - | tr -d '\\n '");
    for (const char* s : {"幼儿园：300m步行服务范围", "住宅：未覆盖", "社区覆盖比例"})
        EXPECT_NE(kg.find(s), std::string::npos) << s << "\n" << kg;
    const std::string fonts = run_out("pdffonts " + pdf);
    // "ABCDEF+NotoSansCJKsc-Regular ... yes yes yes": embedded, subset, with a Unicode map.
    EXPECT_NE(fonts.find("+NotoSansCJKsc-Regular"), std::string::npos) << fonts;
    EXPECT_NE(fonts.find("yes yes yes"), std::string::npos) << fonts;
    EXPECT_LT(fs::file_size(pdf), 2'000'000u);
    EXPECT_EQ(std::system(("xmllint --noout " + (dir / "map_overview.svg").string()).c_str()), 0);
    // The atlas: one page per community (23), each with its table of every category.
    const std::string atlas = (dir / "map_atlas.pdf").string();
    EXPECT_NE(run_out("pdfinfo " + atlas).find("Pages:           23"), std::string::npos);
    const std::string page5 = run_out("pdftotext -f 5 -l 5 " + atlas + " - | tr -d '\\n '");
    for (const char* s : {"社区生活圈体检（5/23）", "各类设施（GB50180-2018）", "中位距离",
                          "幼儿园（300m）", "GB50180-2018附录B"})
        EXPECT_NE(page5.find(s), std::string::npos) << s << "\n" << page5;
}

TEST(MapsDemo, SameBytesForOneAndTwoThreads) {
    const fs::path a = test::fresh_dir("maps_j1"), b = test::fresh_dir("maps_j2");
    const std::string args = " -q --config " + kDemo.string() +
                             " --category kindergarten,park --format pdf,svg,html --out ";
    ASSERT_EQ(test::run_lc15("map -j1" + args + a.string()).code, 0);
    ASSERT_EQ(test::run_lc15("map -j2" + args + b.string()).code, 0);
    std::size_t files = 0;
    for (const auto& e : fs::directory_iterator(a)) {
        const std::string name = e.path().filename().string();
        EXPECT_TRUE(test::slurp(e.path()) == test::slurp(b / name)) << name << " differs";
        ++files;
    }
    EXPECT_EQ(files, 4u * 2 + 2);  // overview, 2 categories, bus; PDF + SVG; atlas; page
}

TEST(MapsDemo, BadInputExitsOneAndWritesNothing) {
    const fs::path dir = test::fresh_dir("maps_bad");
    fs::create_directories(dir);
    std::ofstream(dir / "map_overview.pdf") << "earlier run";
    const std::string base = "map -q --config " + kDemo.string() + " --out " + dir.string();
    test::CliRun r = test::run_lc15(base + " --category kindergarden");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("kindergarden"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("kindergarten"), std::string::npos) << "lists the valid ids";
    r = test::run_lc15(base + " --paper B4");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("A4, A3 or A1"), std::string::npos) << r.output;
    r = test::run_lc15(base + " --format pdf,tiff");
    EXPECT_EQ(r.code, 1) << r.output;
    // No fonts: fontconfig with an empty configuration finds none.
    std::ofstream(dir.parent_path() / "lc15_maps_nofonts.conf")
        << "<?xml version=\"1.0\"?>\n<fontconfig><cachedir>/nonexistent</cachedir></fontconfig>\n";
    const std::string env =
        "FONTCONFIG_FILE=" + (dir.parent_path() / "lc15_maps_nofonts.conf").string() + " ";
    const std::string nofonts =
        run_out(env + std::string(LC15_EXE) + " map -q --config " + kDemo.string() + " --out " +
                dir.string() + " 2>&1; echo \"exit=$?\"");
    EXPECT_NE(nofonts.find("fonts-noto-cjk"), std::string::npos) << nofonts;
    EXPECT_NE(nofonts.find("exit=1"), std::string::npos) << nofonts;
    // An --out that cannot be written: a path under a regular file.
    r = test::run_lc15("map -q --config " + kDemo.string() + " --out " +
                       (dir / "map_overview.pdf" / "sub").string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_EQ(test::slurp(dir / "map_overview.pdf"), "earlier run");
    std::size_t entries = 0;
    for (const auto& e : fs::directory_iterator(dir)) {
        (void)e;
        ++entries;
    }
    EXPECT_EQ(entries, 1u) << "nothing half-written beside the earlier output";
}

TEST(MapsDemo, CoverageWithMapsLeavesThePdfsAndThePageBesideTheCsv) {
    const fs::path dir = test::fresh_dir("maps_coverage");
    const test::CliRun r =
        test::run_lc15("coverage -q --maps --config " + kDemo.string() + " --out " + dir.string());
    ASSERT_EQ(r.code, 0) << r.output;
    for (const char* f :
         {"communities.csv", "map_overview.pdf", "map_kindergarten.pdf", "map_bus.pdf", "map.html"})
        EXPECT_TRUE(fs::exists(dir / f)) << f;
    EXPECT_FALSE(fs::exists(dir / "map_overview.png"));
    // The overview's city score is the one summary.json holds.
    const std::string summary = test::slurp(dir / "summary.json");
    const std::string text =
        run_out("pdftotext " + (dir / "map_overview.pdf").string() + " - | tr -d '\\n'");
    const auto at = summary.find("\"city_score\"");
    ASSERT_NE(at, std::string::npos) << summary.substr(0, 400);
    const double score = std::strtod(summary.c_str() + summary.find(':', at) + 1, nullptr);
    char buf[32];
    std::snprintf(buf, sizeof buf, "全市得分 %.1f / 100", score);
    EXPECT_NE(text.find(buf), std::string::npos) << buf << "\n" << text.substr(0, 300);
    // The city's network indicators (summary.json) in the overview's legend, a community's
    // (communities.csv) on its atlas page.
    const auto net = summary.find("\"street_km_per_km2\"");
    ASSERT_NE(net, std::string::npos);
    std::snprintf(buf, sizeof buf, "步行街道密度%.2fkm/km²",
                  std::strtod(summary.c_str() + summary.find(':', net) + 1, nullptr));
    const std::string flat =
        run_out("pdftotext " + (dir / "map_overview.pdf").string() + " - | tr -d '\\n '");
    EXPECT_NE(flat.find("路网指标"), std::string::npos) << flat;
    EXPECT_NE(flat.find(buf), std::string::npos) << buf << "\n" << flat;
    const auto rows = test::csv_rows(test::slurp(dir / "communities.csv"));
    ASSERT_GT(rows.size(), 5u);
    const auto col =
        std::find(rows[0].begin(), rows[0].end(), "street_km_per_km2") - rows[0].begin();
    ASSERT_LT(std::size_t(col), rows[0].size());
    const auto dead = std::find(rows[0].begin(), rows[0].end(), "dead_ends") - rows[0].begin();
    ASSERT_LT(std::size_t(dead), rows[0].size());
    const std::string page5 =
        run_out("pdftotext -f 5 -l 5 " + (dir / "map_atlas.pdf").string() + " - | tr -d '\\n '");
    std::snprintf(buf, sizeof buf, "步行街道密度%.2fkm/km²",
                  std::strtod(rows[5][col].c_str(), nullptr));
    EXPECT_NE(page5.find(buf), std::string::npos) << buf << "\n" << page5;
    EXPECT_NE(page5.find("断头路" + rows[5][dead] + "处"), std::string::npos) << page5;
}

// The scenario map of the demo's new kindergarten holds the edit's name and, in its side
// table, the city figures of every changed category exactly as `lc15 scenario` writes them.
TEST(MapsDemo, ScenarioMapHoldsTheEditsAndTheFiguresOfLc15Scenario) {
    const fs::path a = test::fresh_dir("maps_scn_csv"), b = test::fresh_dir("maps_scn_map");
    const std::string scn = (kSource / "scenarios/examples/new_kindergarten.toml").string();
    test::CliRun r = test::run_lc15("scenario -q --config " + kDemo.string() + " --scenario " +
                                    scn + " --out " + a.string());
    ASSERT_EQ(r.code, 0) << r.output;
    r = test::run_lc15("map -q --config " + kDemo.string() + " --scenario " + scn +
                       " --format pdf,png --dpi 72 --out " + b.string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(fs::exists(b / "map_scenario_new_kindergarten.png"));
    EXPECT_FALSE(fs::exists(b / "map_overview.pdf"));
    const std::string text = run_out(
        "pdftotext " + (b / "map_scenario_new_kindergarten.pdf").string() + " - | tr -d '\\n '");
    for (const char* w : {"情景前后对比：新建幼儿园(翠华)", "新增设施幼儿园", "翠华幼儿园(规划)",
                          "全市变化（lc15scenario）"})
        EXPECT_NE(text.find(w), std::string::npos) << w << "\n" << text;
    const auto rows = test::csv_rows(test::slurp(a / "new_kindergarten/community_changes.csv"));
    ASSERT_GT(rows.size(), 1u);
    std::size_t changed = 0;
    for (const auto& row : rows) {
        if (row[0] != "全市 (city)" || (row[5] == "0" && row[6] == "0")) continue;
        const std::string figures = row[2] + row[3] + row[4] + row[5] + row[6];
        EXPECT_NE(text.find(figures), std::string::npos) << figures << "\n" << text;
        ++changed;
    }
    EXPECT_GE(changed, 1u);
}

// The demo's page in headless Chromium (tests/browser/map_page.mjs): every community drawn,
// no console error, no request off the machine, search and layer switch work, and the
// opening view matches the kept screenshot within a tolerance.
TEST(MapsDemo, OfflinePageInHeadlessChromium) {
    const fs::path dir = test::fresh_dir("maps_page");
    const test::CliRun r = test::run_lc15("map -q --config " + kDemo.string() + " --out " +
                                          dir.string() + " --format html");
    ASSERT_EQ(r.code, 0) << r.output;
    const fs::path page = dir / "map.html";
    EXPECT_LT(fs::file_size(page), 20'000'000u);
    const fs::path script = kSource / "tests/browser/map_page.mjs";
    ASSERT_TRUE(fs::exists(kSource / "tests/browser/node_modules/playwright-core"))
        << "run scripts/setup (npm ci in tests/browser)";
    const std::string cmd = "node " + script.string() + " " + page.string() + " 23 金地国际公馆 " +
                            (kSource / "tests/browser/map_page_reference.png").string() + " " +
                            (dir / "screenshot.png").string() + " 2>&1";
    const std::string out = run_out(cmd + "; echo \"exit=$?\"");
    EXPECT_NE(out.find("exit=0"), std::string::npos) << out;
    EXPECT_NE(out.find("\"offsite\":[]"), std::string::npos) << out;
    EXPECT_NE(out.find("\"consoleErrors\":[]"), std::string::npos) << out;
}

}  // namespace
}  // namespace lc15
