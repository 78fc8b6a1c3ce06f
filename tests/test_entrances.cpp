// Entrances, islands and silent zeros, on small maps drawn in ASCII and read through the real
// OSM reader (issue 15):
//  * a park with streets along two sides is entered from each side, so homes on both sides
//    reach it from their own side (one nearest point makes one of them walk around);
//  * a fenced school with one gate: homes behind the fence walk round to the gate;
//  * points near an island are snapped onto the main network, or kept on the island (and
//    reported) when the island is right there and the main network far;
//  * the final snap candidates are ranked by true distance, not on a flat map about vertex 0;
//  * sampling gives residents (default_community_population) or refuses with a fix.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/coverage.hpp"
#include "engine/entrances.hpp"
#include "engine/error.hpp"
#include "io/city.hpp"
#include "io/config.hpp"
#include "tests/support/ascii_map.hpp"
#include "tests/support/cli_run.hpp"

namespace lc15 {
namespace {

using test::AsciiMap;

const MultiPolygon& area_tagged(const io::OsmData& d, const std::string& key,
                                const std::string& value) {
    for (const auto& f : d.features) {
        auto it = f.tags.find(key);
        if (f.is_area() && it != f.tags.end() && it->second == value) return f.area;
    }
    throw std::runtime_error("no area " + key + "=" + value);
}

// An area drawn as a rectangle p q / r s whose sides are bare multipolygon members.
void make_area(AsciiMap& m, const std::vector<std::string>& sides, const test::Tags& tags) {
    std::vector<test::AsciiMember> members;
    for (const auto& s : sides) {
        m.tag_way(s, {{"highway", ""}});
        members.push_back({'w', s, "outer"});
    }
    test::Tags t = tags;
    t["type"] = "multipolygon";
    m.add_relation(t, members);
}

// Distances (m) from homes '1' and '2' to one facility with the given entrances.
std::pair<double, double> home_distances(const io::OsmData& d, const AsciiMap& m, const Snapper& s,
                                         std::vector<SnapResult> entrances) {
    CategoryRule r;
    r.radius_m = 5000;
    CoverageModel model(d.graph, {r}, {});
    model.set_homes({{s.snap(m.pos('1'), 50), 1.0, 0}, {s.snap(m.pos('2'), 50), 1.0, 0}});
    model.add_facility(0, std::move(entrances));
    model.compute();
    EXPECT_EQ(model.home(0, 0).count_within, 1u);
    EXPECT_EQ(model.home(0, 1).count_within, 1u);
    return {cm_to_metres(model.home(0, 0).nearest), cm_to_metres(model.home(0, 1).nearest)};
}

// Grid 10 m: streets along the park's north and south sides, joined far to the west.
constexpr const char* kPark = R"(
                    1
a------------------------------b
|  p--------------------q
|  |                    |
|  |                    |
|  |                    |
|  |                    |
|  |                    |
|  r--------------------s
c------------------------------d
                    2
)";

TEST(Entrances, ParkWithTwoSidesOnStreetsIsEnteredFromEachSide) {
    AsciiMap m(kPark, 10.0);
    make_area(m, {"pq", "qs", "rs", "pr"}, {{"leisure", "park"}});
    const io::OsmData d = m.read();
    const Snapper s(d.graph);
    const MultiPolygon& park = area_tagged(d, "leisure", "park");

    EntranceOptions boundary;
    boundary.mode = EntranceMode::Boundary;
    const auto e = area_entrances(s, park, {}, boundary, 300);
    ASSERT_GT(e.size(), 10u);  // samples along both long sides
    const auto [n, so] = home_distances(d, m, s, e);
    // 10 m to the street, 10 m across to the park's edge, at most half a sample spacing along.
    EXPECT_NEAR(n, 20.0, 2.5);
    EXPECT_NEAR(so, 20.0, 2.5);

    // One nearest point: the home on the other side walks round by the western street.
    EntranceOptions nearest;
    const auto one = area_entrances(s, park, {}, nearest, 300);
    ASSERT_EQ(one.size(), 1u);
    const auto [n1, s1] = home_distances(d, m, s, one);
    EXPECT_GT(std::max(n1, s1), 300.0);
    EXPECT_GT(std::max(n1, s1), 10 * std::max(n, so));

    // The same entrances whatever the sampling order: sorted, no exact repeats.
    for (std::size_t i = 1; i < e.size(); ++i)
        EXPECT_TRUE(e[i - 1].edge < e[i].edge ||
                    (e[i - 1].edge == e[i].edge && e[i - 1].off_tail < e[i].off_tail));
}

// Grid 10 m: a fenced school between the same two streets, one gate on its south side.
constexpr const char* kSchool = R"(
                    1
a------------------------------b
|  p--------------------q
|  |                    |
|  |                    |
|  |                    |
|  |                    |
|  |                    |
|  r-----g--------------s
|        |
c--------h---------------------d
         2
)";

TEST(Entrances, FencedSchoolIsEnteredAtItsGate) {
    AsciiMap m(kSchool, 10.0);
    make_area(m, {"pq", "qs", "rg", "pr"}, {{"amenity", "school"}});
    m.tag_node('g', {{"barrier", "gate"}});
    const io::OsmData d = m.read();
    const Snapper s(d.graph);
    const MultiPolygon& school = area_tagged(d, "amenity", "school");
    const std::vector<LonLat> gates = io::gate_points(d.features);
    ASSERT_EQ(gates.size(), 1u);

    EntranceOptions o;
    o.mode = EntranceMode::Gates;
    const auto e = area_entrances(s, school, gates, o, 300);
    ASSERT_EQ(e.size(), 1u);
    EXPECT_LT(haversine_m(e[0].on_edge, m.pos('g')), 0.5);
    const auto [north, south] = home_distances(d, m, s, e);
    // Behind the fence: 10 m to the street, 200 m west, 90 m south, 90 m east, 20 m up.
    EXPECT_NEAR(north, 10 + 200 + 90 + 90 + 20, 1.0);
    EXPECT_NEAR(south, 10 + 20, 1.0);

    // No gate mapped: one boundary point, never none.
    const auto fallback = area_entrances(s, school, {}, o, 300);
    EXPECT_EQ(fallback.size(), 1u);
    // A gate elsewhere in town is not this school's.
    const std::vector<LonLat> far{m.pos('b')};
    EXPECT_EQ(area_entrances(s, school, far, o, 300).size(), 1u);
}

// Grid 10 m: the main street a-b (300 m) and an island x-y (50 m) 60 m south of it.
constexpr const char* kIsland = R"(
a------------------------------b

            3


          x-----y
            4
)";

TEST(Entrances, IslandsSnapToTheMainNetworkUnlessRightThere) {
    AsciiMap m(kIsland, 10.0);
    const io::OsmData d = m.read();
    Snapper s(d.graph);
    // Without a rule the nearest street wins, island or not.
    const SnapResult plain = s.snap(m.pos('4'), 100);
    ASSERT_TRUE(plain.ok());
    EXPECT_FALSE(s.on_island(plain.edge));
    IslandRule rule;
    rule.keep_island_m = 15;
    s.set_island_rule(rule);
    ASSERT_TRUE(s.has_island_rule());
    // '3': island 30 m away, main 20 m: main (it was already the nearest).
    const SnapResult a = s.snap(m.pos('3'), 100);
    EXPECT_FALSE(s.on_island(a.edge));
    // '4': island 10 m away, main 60 m: kept on the island, and it says so.
    const SnapResult b = s.snap(m.pos('4'), 100);
    ASSERT_TRUE(b.ok());
    EXPECT_TRUE(s.on_island(b.edge));
    EXPECT_NEAR(cm_to_metres(b.access), 10.0, 0.5);
    // A point 20 m from an island and 40 m from the main street goes to the main street.
    AsciiMap m2(R"(
a------------------------------b



            5

          x-----y
)",
                10.0);
    const io::OsmData d2 = m2.read();
    Snapper s2(d2.graph);
    s2.set_island_rule({});
    const SnapResult e = s2.snap(m2.pos('5'), 100);
    ASSERT_TRUE(e.ok());
    EXPECT_FALSE(s2.on_island(e.edge));
    EXPECT_NEAR(cm_to_metres(e.access), 40.0, 0.5);
}

// Far from vertex 0 the flat index map is stretched: at 60°N a north-south street 60 m east
// of a point looks 120 m away, farther than an east-west street 100 m north. The true
// distance picks the 60 m one.
TEST(Entrances, FinalSnapCandidatesRankedByTrueDistance) {
    GraphBuilder b;
    const LonLat p{10.0, 60.0};
    const double mlat = 1.0 / 111195.0, mlon = mlat / std::cos(deg2rad(60.0));
    std::vector<WayNode> origin{{1, {0.0, 0.0}}, {2, {0.001, 0.0}}};  // vertex 0 at the equator
    std::vector<WayNode> ew{{3, {p.lon - 200 * mlon, p.lat + 100 * mlat}},
                            {4, {p.lon + 200 * mlon, p.lat + 100 * mlat}}};
    std::vector<WayNode> ns{{5, {p.lon + 60 * mlon, p.lat - 200 * mlat}},
                            {6, {p.lon + 60 * mlon, p.lat + 50 * mlat}}};
    b.add_way(1, origin, 0);
    b.add_way(2, ew, 0);
    b.add_way(3, ns, 0);
    const WalkGraph g = std::move(b).build();
    const Snapper s(g);
    const SnapResult r = s.snap(p, 500);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(g.edge_source_id(r.edge), 3);
    EXPECT_NEAR(cm_to_metres(r.access), 60.0, 0.2);
}

// ------------------------------------------------------------------ sampling gives residents

class SamplingCity : public ::testing::Test {
  protected:
    void write(const std::string& population) {
        AsciiMap m(R"(
a------------------------------b
  p---------q
  |         |
  r---------s
)",
                   10.0);
        make_area(m, {"pq", "qs", "rs", "pr"}, {{"landuse", "residential"}});
        m.write(dir_ / "city.osm");
        std::ofstream(dir_ / "city.toml")
            << "[city]\nname = \"t\"\nosm = \"city.osm\"\nrules = \"" LC15_SOURCE_DIR
               "/configs/rules/gb50180_2018.toml\"\n[communities]\nsource = "
               "\"residential_landuse\"\n[population]\nsource = \"sampling\"\nsample_spacing_m "
               "= 10\n"
            << population;
    }
    test::TempDir dir_;
};

TEST_F(SamplingCity, DefaultCommunityPopulationIsPlaced) {
    write("default_community_population = 900\n");
    const io::City city = io::load_city(io::load_city_config(dir_ / "city.toml"));
    double total = 0;
    for (const auto& h : city.homes) total += h.population;
    EXPECT_GT(city.homes.size(), 5u);
    EXPECT_NEAR(total, 900.0, 1e-6);
}

TEST_F(SamplingCity, NobodyPlacedIsAnError) {
    write("");
    try {
        io::load_city(io::load_city_config(dir_ / "city.toml"));
        FAIL() << "sampling without any population loaded";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("default_community_population"), std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace lc15

namespace lc15 {
namespace {

// lc15 inspect lists the island that carries a building and a kindergarten (both within 10 m
// of it, the main street 60 m away), and no island for a point the main street takes.
TEST(Entrances, InspectListsIslandsCarryingHomesOrFacilities) {
    AsciiMap m(kIsland, 10.0);
    m.tag_node('4', {{"amenity", "kindergarten"}, {"building", "yes"}});
    m.tag_node('3', {{"building", "yes"}});
    test::TempDir dir;
    m.write(dir / "m.osm");
    const auto r = test::run_lc15("inspect --json --rules '" LC15_SOURCE_DIR
                                  "/configs/rules/gb50180_2018.toml' '" +
                                  (dir / "m.osm").string() + "'");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_NE(r.output.find("\"islands_carrying\""), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("\"buildings\": 1"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("kindergarten n"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace lc15
