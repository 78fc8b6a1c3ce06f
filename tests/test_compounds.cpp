// Compounds (小区) and their gates (issue 14), on small maps drawn in ASCII and read through the
// real OSM reader, with every distance worked out by hand from the drawing:
//  * a home in a walled compound whose only gate faces away from a kindergarten behind the
//    wall walks round the block (810 m) instead of the 30 m across the wall; an opened gate
//    brings it back within 300 m;
//  * inside a compound the walk to the gate follows the mapped lanes, else runs straight;
//  * nothing outside snaps onto a compound's ways, and a compound without gates keeps the
//    nearest street.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <variant>

#include "engine/compounds.hpp"
#include "engine/coverage.hpp"
#include "io/city.hpp"
#include "io/compounds.hpp"
#include "io/crs.hpp"
#include "io/osm_reader.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/scenario.hpp"
#include "scenarios/scenario_report.hpp"
#include "tests/support/ascii_map.hpp"
#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

using test::AsciiMap;

// Grid positions of a drawing from two of its nodes (row, column known).
struct Grid {
    LonLat origin;      // row 0, column 0
    double dlon, dlat;  // per column, per row
    Grid(const AsciiMap& m, char a, int ra, int ca, char b, int rb, int cb) {
        const LonLat pa = m.pos(a), pb = m.pos(b);
        dlon = (pb.lon - pa.lon) / (cb - ca);
        dlat = (pb.lat - pa.lat) / (rb - ra);
        origin = {pa.lon - ca * dlon, pa.lat - ra * dlat};
    }
    LonLat at(double row, double col) const {
        return {origin.lon + col * dlon, origin.lat + row * dlat};
    }
    MultiPolygon box(int r0, int c0, int r1, int c1) const {
        return {Polygon{{at(r0, c0), at(r0, c1), at(r1, c1), at(r1, c0), at(r0, c0)}, {}}};
    }
};

// Grid 10 m. The compound: rows 2-5, columns 1-11 (not drawn: a wall, not a way). Home 1
// inside, its only gate 3 in the south wall; kindergarten 2 across the north wall.
constexpr const char* kBlock = R"(
    2
a---------------------------------------b
                                        |
    1                                   |
                                        |
    3                                   |
c---------------------------------------d
)";

double walk_to_kindergarten(const WalkGraph& g, const SnapResult& home, LonLat kindergarten) {
    const Snapper s(g);
    CategoryRule r;
    r.id = "kindergarten";
    r.radius_m = 300;
    CoverageModel model(g, {r}, {});
    model.set_homes({{home, 1.0, 0}});
    model.add_facility(0, s.snap(kindergarten, 50));
    model.compute();
    return cm_to_metres(model.home(0, 0).nearest);
}

TEST(Compounds, GateFacingAwayMakesTheHomeWalkRoundTheBlock) {
    AsciiMap m(kBlock, 10.0);
    const io::OsmData d = m.read();
    const Grid grid(m, 'a', 2, 0, 'd', 7, 40);
    const MultiPolygon wall = grid.box(3, 1, 6, 11);  // drawing rows 3-6 = compound rows 2-5

    // Today's behaviour: the home takes the street across the wall, 20 m + 10 m.
    const Snapper plain(d.graph);
    EXPECT_NEAR(walk_to_kindergarten(d.graph, plain.snap(m.pos('1'), 300), m.pos('2')), 30.0, 0.1);

    // Gated: 20 m to the gate, 10 m to the south street, 360 m east, 50 m north, 360 m west,
    // 10 m to the kindergarten.
    std::vector<GatedCompound> cs{{wall, {m.pos('3')}}};
    std::vector<CompoundHome> hs{{m.pos('1'), 0}};
    std::uint64_t key = 0;
    const WalkGraph g = add_compound_access(d.graph, cs, hs, 0, 300, key);
    const auto snaps = compound_home_snaps(g, 1);
    ASSERT_TRUE(snaps[0].ok());
    EXPECT_EQ(snaps[0].access, 0u);
    EXPECT_NEAR(walk_to_kindergarten(g, snaps[0], m.pos('2')), 810.0, 0.2);

    // A gate opened in the north wall at column 8: sqrt(10² + 40²) = 41.23 m to it, 10 m to the
    // north street, 40 m west, 10 m to the kindergarten.
    const LonLat north_gate = grid.at(3, 8);
    std::vector<GatedCompound> opened{{wall, {north_gate}}};
    const WalkGraph g2 = add_compound_access(g, opened, hs, 0, 300, key);
    const auto snaps2 = compound_home_snaps(g2, 1);
    ASSERT_TRUE(snaps2[0].ok());
    EXPECT_NEAR(walk_to_kindergarten(g2, snaps2[0], m.pos('2')), 101.23, 0.2);

    // Nothing snaps onto the home's ways: a point beside the home still finds a street.
    const Snapper s2(g2);
    const SnapResult beside = s2.snap(grid.at(4, 5), 300);
    ASSERT_TRUE(beside.ok());
    EXPECT_FALSE(g2.edge_flags(beside.edge) & kEdgeCompound);
}

// Grid 10 m. The compound: rows 1-5, columns 1-12; lanes e-f-g inside it, gate 3 in the south
// wall below g, a clinic 2 beyond the south street.
constexpr const char* kLanes = R"(
a-----------------b

  e-----f
  1     |
        g
        3
c-----------------d
        2
)";

TEST(Compounds, HomesWalkAlongTheLanesToTheGate) {
    AsciiMap m(kLanes, 10.0);
    const io::OsmData d = m.read();
    const Grid grid(m, 'a', 1, 0, 'd', 7, 18);
    const MultiPolygon wall = grid.box(2, 1, 6, 12);  // drawing rows (leading newline)

    // 10 m up to e, 60 m to f, 20 m down to g, 10 m to the gate (straight: 63.25 m).
    std::vector<LonLat> shape;
    EXPECT_NEAR(compound_walk_m(d.graph, wall, m.pos('1'), m.pos('3'), 0, &shape), 100.0, 0.1);
    ASSERT_GE(shape.size(), 4u);
    EXPECT_EQ(shape.front(), m.pos('1'));
    EXPECT_EQ(shape.back(), m.pos('3'));
    // Without lanes (a compound elsewhere) the walk is straight.
    const MultiPolygon empty_yard = grid.box(8, 20, 12, 30);
    EXPECT_NEAR(compound_walk_m(d.graph, empty_yard, grid.at(9, 21), grid.at(9, 25), 0), 40.0, 0.1);

    // Through the graph: 100 m inside, 10 m to the south street, 10 m to the clinic.
    std::vector<GatedCompound> cs{{wall, {m.pos('3')}}};
    std::vector<CompoundHome> hs{{m.pos('1'), 0}};
    std::uint64_t key = 0;
    const WalkGraph g = add_compound_access(d.graph, cs, hs, 0, 300, key);
    const auto snaps = compound_home_snaps(g, 1);
    ASSERT_TRUE(snaps[0].ok());
    EXPECT_NEAR(walk_to_kindergarten(g, snaps[0], m.pos('2')), 120.0, 0.2);
}

TEST(Compounds, CompoundWithoutGatesAddsNothing) {
    AsciiMap m(kBlock, 10.0);
    const io::OsmData d = m.read();
    const Grid grid(m, 'a', 2, 0, 'd', 7, 40);
    std::vector<GatedCompound> cs{{grid.box(3, 1, 6, 11), {}}};
    std::vector<CompoundHome> hs{{m.pos('1'), 0}};
    std::uint64_t key = 0;
    const WalkGraph g = add_compound_access(d.graph, cs, hs, 0, 300, key);
    EXPECT_EQ(g.num_edges(), d.graph.num_edges());
    EXPECT_FALSE(compound_home_snaps(g, 1)[0].ok());
}

// ------------------------------------------------ the whole pipeline: config, files, scenario

// Grid 10 m. One residential building p-q-r-s (centroid row 5, column 8) inside the compound
// (rows 3-8, columns 2-14, not drawn); its gate in the south wall at row 8, column 8; the
// kindergarten 2 across the north wall.
constexpr const char* kCity = R"(
    2
a---------------------------------------b
                                        |
      p---q                             |
      |   |                             |
      r---s                             |
                                        |
                                        |
c---------------------------------------d
)";

std::string wkt_box(const Grid& g, int r0, int c0, int r1, int c1) {
    char buf[512];
    const LonLat a = g.at(r0, c0), b = g.at(r0, c1), c = g.at(r1, c1), d = g.at(r1, c0);
    std::snprintf(buf, sizeof buf, "POLYGON((%.9f %.9f,%.9f %.9f,%.9f %.9f,%.9f %.9f,%.9f %.9f))",
                  a.lon, a.lat, b.lon, b.lat, c.lon, c.lat, d.lon, d.lat, a.lon, a.lat);
    return buf;
}

TEST(Compounds, OpenGateBringsTheKindergartenBehindTheWallWithin300m) {
    AsciiMap m(kCity, 10.0);
    m.tag_node('2', {{"amenity", "kindergarten"}, {"name", "幼儿园"}});
    for (const char* w : {"pq", "qs", "rs", "pr"}) m.tag_way(w, {{"highway", ""}});
    m.add_relation(
        {{"type", "multipolygon"}, {"building", "residential"}},
        {{'w', "pq", "outer"}, {'w', "qs", "outer"}, {'w', "rs", "outer"}, {'w', "pr", "outer"}});
    test::TempDir dir;
    m.write(dir / "city.osm");
    const Grid grid(m, 'a', 2, 0, 'd', 9, 40);
    std::ofstream(dir / "compounds.csv")
        << "id,name,households,wkt\nc1,海港小区,100,\"" << wkt_box(grid, 3, 2, 8, 14) << "\"\n";
    const LonLat south = grid.at(8, 8), north = grid.at(3, 12);
    char buf[256];
    std::snprintf(buf, sizeof buf, "id,compound,lon,lat\ng1,c1,%.9f,%.9f\n", south.lon, south.lat);
    std::ofstream(dir / "gates.csv") << buf;
    std::ofstream(dir / "city.toml")
        << "[city]\nname = \"t\"\nosm = \"city.osm\"\nrules = \"" LC15_SOURCE_DIR
           "/configs/rules/gb50180_2018.toml\"\n[communities]\nsource = \"whole\"\n"
           "[compounds]\npath = \"compounds.csv\"\ncrs = \"WGS84\"\nhouseholds_field = "
           "\"households\"\n[compounds.gates]\npath = \"gates.csv\"\ncrs = \"WGS84\"\n"
           "compound_field = \"compound\"\n";
    std::snprintf(buf, sizeof buf,
                  "name = \"north gate\"\nbase = \"city.toml\"\n[[edit]]\ntype = \"open_gate\"\n"
                  "compound = \"海港小区\"\nlon = %.9f\nlat = %.9f\n",
                  north.lon, north.lat);
    std::ofstream(dir / "north_gate.toml") << buf;

    const io::City city = io::load_city(io::load_city_config(dir / "city.toml"));
    ASSERT_EQ(city.compounds.size(), 1u);
    ASSERT_EQ(city.compounds[0].gates.size(), 1u);
    EXPECT_EQ(city.compounds[0].homes_on, "buildings");
    ASSERT_GE(city.homes.size(), 1u);
    EXPECT_EQ(city.homes[0].compound, 0u);
    EXPECT_NEAR(city.homes[0].population, 233.0, 1e-9);  // 100 households × 2.33 (营口, 2020)
    std::uint32_t kg = 0;
    const auto rules = city.effective_rules();
    while (kg < rules.size() && rules[kg].id != "kindergarten") ++kg;
    ASSERT_LT(kg, rules.size());

    // Through the south gate: 30 m to it, 10 m to the south street, 320 m east, 70 m north,
    // 360 m west, 10 m to the kindergarten = 800 m (across the wall it would be 80 m).
    CoverageModel model = io::make_coverage_model(city);
    model.compute();
    EXPECT_NEAR(cm_to_metres(model.home(kg, 0).nearest), 800.0, 0.5);
    EXPECT_FALSE(model.covered(kg, 0));

    // open_gate at row 3, column 12: sqrt(20² + 40²) = 44.72 m to it, 10 m to the north
    // street, 80 m west, 10 m: 144.72 m, within 300 m. The scenario re-scores it.
    const scenarios::ScenarioCity sc = scenarios::make_scenario_city(city);
    scenarios::ScenarioEvaluator ev(sc);
    const scenarios::ScenarioOutcome out =
        ev.evaluate(scenarios::load_scenario(dir / "north_gate.toml"));
    EXPECT_TRUE(out.rebuilt);
    EXPECT_NEAR(out.city[kg].covered_before, 0.0, 1e-9);
    EXPECT_NEAR(out.city[kg].covered_after, 233.0, 1e-6);
    EXPECT_NEAR(out.city[kg].gained, 233.0, 1e-6);
    // The scenario's map and GeoPackage show the new gate where it was put.
    const auto [edit_points, edit_lines] =
        scenarios::edit_layers(scenarios::load_scenario(dir / "north_gate.toml"), sc);
    ASSERT_EQ(edit_points.rows.size(), 1u);
    EXPECT_NEAR(edit_points.rows[0].point.lon, north.lon, 1e-9);
    EXPECT_NEAR(edit_points.rows[0].point.lat, north.lat, 1e-9);
    EXPECT_EQ(std::get<std::string>(edit_points.rows[0].values[1]), "open_gate");
    EXPECT_TRUE(edit_lines.rows.empty());

    // The same walk by hand through the engine: the new gate added to the city's graph.
    std::vector<GatedCompound> opened{{city.compounds[0].area, {north}}};
    std::vector<CompoundHome> hs{{city.homes[0].pos, 0}};
    std::uint64_t key = 0;
    const WalkGraph g2 = add_compound_access(city.osm.graph, opened, hs, 0, 300, key);
    EXPECT_NEAR(walk_to_kindergarten(g2, compound_home_snaps(g2, 1)[0], m.pos('2')), 144.72, 0.5);

    // A gate far from the wall is refused with the distance; so is a compound nobody named.
    std::snprintf(buf, sizeof buf,
                  "base = \"city.toml\"\n[[edit]]\ntype = \"open_gate\"\ncompound = \"c1\"\n"
                  "lon = %.9f\nlat = %.9f\n",
                  grid.at(5, 30).lon, grid.at(5, 30).lat);
    std::ofstream(dir / "far.toml") << buf;
    const std::string far =
        test::input_error_of([&] { ev.evaluate(scenarios::load_scenario(dir / "far.toml")); });
    EXPECT_NE(far.find("from the wall of compound c1"), std::string::npos) << far;
}

TEST(Compounds, Gcj02PolygonsLandOnTheirOsmTwinsWithin1m) {
    // Real residential landuse from a shipped extract, shifted to GCJ-02 (as Amap AOIs are)
    // with the project's converter, written as CSV WKT and read back declared GCJ-02.
    io::OsmReadOptions o;
    const io::OsmData d = io::read_osm(LC15_SOURCE_DIR "/data/osm/cn_nanjing_xuanwu.osm", o);
    std::vector<const io::Feature*> twins;
    for (const auto& f : d.features) {
        auto it = f.tags.find("landuse");
        if (f.is_area() && it != f.tags.end() && it->second == "residential" &&
            f.area.size() == 1 && f.area[0].inners.empty())
            twins.push_back(&f);
    }
    ASSERT_GE(twins.size(), 3u);
    test::TempDir dir;
    {
        std::ofstream csv(dir / "aoi.csv");
        csv << "id,residents,wkt\n";
        for (std::size_t i = 0; i < twins.size(); ++i) {
            csv << "a" << i << ",1000,\"POLYGON((";
            const auto& ring = twins[i]->area[0].outer;
            for (std::size_t k = 0; k < ring.size(); ++k) {
                const LonLat q = io::wgs84_to_gcj02(ring[k]);
                char buf[64];
                std::snprintf(buf, sizeof buf, "%s%.9f %.9f", k ? "," : "", q.lon, q.lat);
                csv << buf;
            }
            csv << "))\"\n";
        }
    }
    io::CompoundsConfig cfg;
    cfg.residents_field = "residents";
    io::VectorSource src;
    src.path = dir / "aoi.csv";
    src.crs = io::Crs::gcj02();
    src.crs_declared = true;
    std::vector<std::string> warnings;
    const auto back = io::read_compounds(cfg, src, nullptr, warnings);
    ASSERT_EQ(back.size(), twins.size());
    double worst = 0;
    for (std::size_t i = 0; i < twins.size(); ++i) {
        const auto& a = twins[i]->area[0].outer;
        const auto& b = back[i].area.at(0).outer;
        ASSERT_EQ(a.size(), b.size());
        // Each vertex read back against its nearest twin vertex (ring order may be normalised).
        for (const LonLat& q : b) {
            double near = 1e9;
            for (const LonLat& p : a) near = std::min(near, haversine_m(p, q));
            worst = std::max(worst, near);
        }
        EXPECT_NEAR(back[i].residents, 1000.0, 0.0);
    }
    EXPECT_LT(worst, 1.0);
    // Declared WGS84 instead, the same file lies hundreds of metres off: the test can fail.
    src.crs = io::Crs::wgs84();
    const auto wrong = io::read_compounds(cfg, src, nullptr, warnings);
    EXPECT_GT(haversine_m(wrong[0].area[0].outer[0], twins[0]->area[0].outer[0]), 100.0);
}

}  // namespace
}  // namespace lc15
