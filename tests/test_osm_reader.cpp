// io::read_osm on small networks drawn in ASCII (tests/support/ascii_map.hpp), written as real
// .osm files, plus bad input.
#include <gtest/gtest.h>

#include <oneapi/tbb/task_arena.h>

#include <fstream>

#include "engine/components.hpp"
#include "engine/error.hpp"
#include "io/osm_reader.hpp"
#include "tests/support/ascii_map.hpp"

namespace lc15 {
namespace {

using test::AsciiMap;
using test::TempDir;

VertexId vertex_of(const WalkGraph& g, std::int64_t node_id) {
    for (VertexId v = 0; v < g.num_vertices(); ++v)
        if (g.vertex_key(v) == static_cast<std::uint64_t>(node_id)) return v;
    return kInvalidId;
}

/// The edge between two OSM nodes, or kInvalidId.
EdgeId edge_between(const WalkGraph& g, std::int64_t a, std::int64_t b) {
    const VertexId va = vertex_of(g, a), vb = vertex_of(g, b);
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        if ((g.edge_tail(e) == va && g.edge_head(e) == vb) ||
            (g.edge_tail(e) == vb && g.edge_head(e) == va))
            return e;
    }
    return kInvalidId;
}

const char* kTee = R"(
a---b---c
    |
    d===e
)";

TEST(OsmReaderAscii, JunctionsEdgesAndExactLengths) {
    AsciiMap m(kTee, 100.0);
    ASSERT_EQ(m.num_ways(), 3u);  // a-b-c is one way; b-d; d=e
    const io::OsmData d = m.read();
    const WalkGraph& g = d.graph;
    // b is a junction (a-b-c meets b-d), d joins b-d and the steps; a, c, e are ends.
    EXPECT_EQ(g.num_vertices(), 5u);
    EXPECT_EQ(g.num_edges(), 4u);
    const EdgeId ab = edge_between(g, m.node_id('a'), m.node_id('b'));
    ASSERT_NE(ab, kInvalidId);
    // 4 cells of 100 m east: haversine between the stored positions, to the centimetre.
    EXPECT_EQ(g.edge_length(ab), metres_to_cm(haversine_m(m.pos('a'), m.pos('b'))));
    EXPECT_NEAR(cm_to_metres(g.edge_length(ab)), 400.0, 0.02);
    const EdgeId bd = edge_between(g, m.node_id('b'), m.node_id('d'));
    ASSERT_NE(bd, kInvalidId);
    EXPECT_NEAR(cm_to_metres(g.edge_length(bd)), 200.0, 0.02);
    EXPECT_EQ(g.edge_source_id(ab), m.way_id("ab"));
    // Steps are flagged, the footways are not.
    const EdgeId de = edge_between(g, m.node_id('d'), m.node_id('e'));
    ASSERT_NE(de, kInvalidId);
    EXPECT_EQ(g.edge_flags(de), kEdgeSteps);
    EXPECT_EQ(g.edge_flags(ab), 0);
    EXPECT_EQ(d.profile.walkable_ways, 3u);
    EXPECT_EQ(d.profile.steps_ways, 1u);
    EXPECT_NEAR(d.profile.walkable_km, 1.4, 0.0001);  // a-b-c 800 m + b-d 200 m + d=e 400 m
    EXPECT_EQ(d.timestamp, "2024-05-01T00:00:00Z");
    EXPECT_TRUE(d.warnings.empty());
}

TEST(OsmReaderAscii, PrivateCompoundRoadFlaggedOrExcluded) {
    AsciiMap m(kTee, 100.0);
    m.tag_way("bd", {{"highway", "service"}, {"access", "private"}});
    const io::OsmData walk = m.read();
    const EdgeId bd = edge_between(walk.graph, m.node_id('b'), m.node_id('d'));
    ASSERT_NE(bd, kInvalidId);
    EXPECT_EQ(walk.graph.edge_flags(bd), kEdgePrivate);
    EXPECT_EQ(walk.profile.private_ways, 1u);
    EXPECT_EQ(connected_components(walk.graph).count(), 1u);

    io::OsmReadOptions excluded;
    excluded.profile.private_walkable = false;
    const io::OsmData cut = m.read(excluded);
    EXPECT_EQ(edge_between(cut.graph, m.node_id('b'), m.node_id('d')), kInvalidId);
    EXPECT_EQ(cut.profile.private_excluded, 1u);
    // Without the compound road, a-b-c and d=e fall apart; b is no longer a junction.
    const Components c = connected_components(cut.graph);
    EXPECT_EQ(c.count(), 2u);
    EXPECT_EQ(cut.graph.num_vertices(), 4u);  // a, c, d, e
}

TEST(OsmReaderAscii, FootNoExcludedAndCounted) {
    AsciiMap m(R"(
a---b###c
    |
    d
)",
               50.0);
    m.tag_way("bc", {{"foot", "no"}});
    const io::OsmData d = m.read();
    EXPECT_EQ(vertex_of(d.graph, m.node_id('c')), kInvalidId);
    EXPECT_EQ(d.graph.num_vertices(), 3u);  // a, b (end of a-b, meets b-d), d
    EXPECT_EQ(d.profile.excluded[static_cast<std::size_t>(io::WayReason::kFootNo)], 1u);
    EXPECT_EQ(d.profile.excluded_total(), 1u);
}

TEST(OsmReaderAscii, DeadEndIslandIsASeparateComponent) {
    AsciiMap m(R"(
a---b      f---g
    |
    c---e
)",
               100.0);
    const io::OsmData d = m.read();
    const Components c = connected_components(d.graph);
    ASSERT_EQ(c.count(), 2u);
    EXPECT_EQ(c.size[0], 4u);  // a b c e
    EXPECT_EQ(c.size[1], 2u);  // f g
    EXPECT_EQ(c.component[vertex_of(d.graph, m.node_id('f'))], 1u);
    EXPECT_NEAR(c.length_m[1], 400.0, 0.02);
}

TEST(OsmReaderAscii, PoiNodesBecomeFeaturesWithChineseNames) {
    AsciiMap m(R"(
a---b
  1 2
)",
               100.0);
    m.tag_node('1', {{"amenity", "school"}, {"name", "No. 1 School"}, {"name:zh", "第一小学"}});
    m.tag_node('2', {{"building", "apartments"}, {"building:levels", "18"}});
    const io::OsmData d = m.read();
    ASSERT_EQ(d.features.size(), 2u);
    EXPECT_EQ(d.features[0].id, "n" + std::to_string(m.node_id('1')));
    EXPECT_EQ(d.features[0].name, "第一小学");
    EXPECT_EQ(d.features[0].point, m.pos('1'));
    EXPECT_EQ(d.features[0].tags.at("amenity"), "school");
    EXPECT_EQ(d.features[1].tags.at("building:levels"), "18");
    EXPECT_FALSE(d.features[0].is_area());
}

TEST(OsmReaderAscii, StopsMergedAndRouteInRelationOrder) {
    // 10 m cells. b/1 share a name 22 m apart (merged); c/2 are 10 m apart but named
    // differently (kept apart); d/3 are 32 m apart but in one stop_area (merged).
    AsciiMap m(R"(
a---b---c---d
  1     2
              3
)",
               10.0);
    m.tag_node('b', {{"public_transport", "stop_position"}, {"bus", "yes"}, {"name", "X"}});
    m.tag_node('1', {{"highway", "bus_stop"}, {"public_transport", "platform"}, {"name", "X"}});
    m.tag_node('c', {{"public_transport", "stop_position"}, {"bus", "yes"}, {"name", "Y"}});
    m.tag_node('2', {{"highway", "bus_stop"}, {"name", "Z"}});
    m.tag_node('d', {{"public_transport", "stop_position"}, {"bus", "yes"}, {"name", "W"}});
    m.tag_node('3', {{"public_transport", "platform"}, {"bus", "yes"}, {"name", "W platform"}});
    m.add_relation({{"type", "public_transport"}, {"public_transport", "stop_area"}},
                   {{'n', "d", "stop"}, {'n', "3", "platform"}});
    const auto route = m.add_relation({{"type", "route"},
                                       {"route", "bus"},
                                       {"ref", "5"},
                                       {"interval", "00:12"},
                                       {"from", "X"},
                                       {"to", "W"}},
                                      {{'n', "b", "stop"},
                                       {'n', "1", "platform"},
                                       {'n', "c", "stop_entry_only"},
                                       {'n', "2", "platform"},
                                       {'n', "d", "stop"},
                                       {'w', "ab", ""},
                                       {'w', "!999999", ""}});
    const auto master = m.add_relation({{"type", "route_master"}, {"route_master", "bus"}},
                                       {{'r', "!" + std::to_string(route), ""}});
    const io::OsmData d = m.read();
    const auto id = [&](char c) { return "n" + std::to_string(m.node_id(c)); };
    EXPECT_EQ(d.stop_objects, 6u);
    EXPECT_EQ(d.stop_merges, 2u);
    ASSERT_EQ(d.stops.size(), 4u);
    // Stops in file order of their representative: c, 1 (+b), 2, 3 (+d).
    EXPECT_EQ(d.stops[0].id, id('c'));
    EXPECT_EQ(d.stops[1].id, id('1'));
    EXPECT_EQ(d.stops[1].merged_ids, std::vector<std::string>{id('b')});
    EXPECT_EQ(d.stops[1].pos, m.pos('1'));
    EXPECT_EQ(d.stops[2].id, id('2'));
    EXPECT_TRUE(d.stops[2].merged_ids.empty());
    EXPECT_EQ(d.stops[3].id, id('3'));
    EXPECT_EQ(d.stops[3].merged_ids, std::vector<std::string>{id('d')});

    ASSERT_EQ(d.routes.size(), 1u);
    const io::OsmBusRoute& r = d.routes[0];
    EXPECT_EQ(r.id, "r" + std::to_string(route));
    EXPECT_EQ(r.ref, "5");
    EXPECT_EQ(r.from, "X");
    EXPECT_EQ(r.to, "W");
    EXPECT_EQ(r.interval_minutes, 12);
    EXPECT_EQ(r.route_master, "r" + std::to_string(master));
    // b and 1 are one stop, counted once.
    EXPECT_EQ(r.stops, (std::vector<StopId>{1, 0, 2, 3}));
    ASSERT_EQ(r.ways.size(), 1u);
    EXPECT_EQ(r.ways[0].size(), 4u);  // the whole a-b-c-d way
    ASSERT_EQ(r.warnings.size(), 1u);
    EXPECT_NE(r.warnings[0].find(r.id), std::string::npos);
    EXPECT_NE(r.warnings[0].find("1 of 2 member ways missing"), std::string::npos);
}

TEST(OsmReaderAscii, RouteWithoutStopsWarnsAndIsKept) {
    AsciiMap m("a---b", 100.0);
    m.add_relation({{"type", "route"}, {"route", "trolleybus"}}, {{'w', "ab", ""}});
    const io::OsmData d = m.read();
    ASSERT_EQ(d.routes.size(), 1u);
    EXPECT_EQ(d.routes[0].route, "trolleybus");
    ASSERT_EQ(d.routes[0].warnings.size(), 1u);
    EXPECT_NE(d.routes[0].warnings[0].find("no stops"), std::string::npos);
    EXPECT_EQ(d.warnings.size(), 1u);
}

TEST(OsmReaderAscii, PedestrianMultipolygonWalkedAlongItsRing) {
    AsciiMap m(R"(
a---b
|   |
c---d
)",
               100.0);
    for (const char* w : {"ab", "bd", "cd", "ac"}) m.tag_way(w, {{"highway", ""}});
    const auto rel = m.add_relation(
        {{"type", "multipolygon"}, {"highway", "pedestrian"}, {"name", "Square"}},
        {{'w', "ab", "outer"}, {'w', "bd", "outer"}, {'w', "cd", "outer"}, {'w', "ac", "outer"}});
    const io::OsmData d = m.read();
    ASSERT_EQ(d.graph.num_edges(), 1u);  // one closed ring: a loop at its first node
    EXPECT_EQ(d.graph.num_vertices(), 1u);
    EXPECT_EQ(d.graph.edge_source_id(0), -rel);
    const double perimeter =
        2 * haversine_m(m.pos('a'), m.pos('b')) + 2 * haversine_m(m.pos('a'), m.pos('c'));
    EXPECT_NEAR(cm_to_metres(d.graph.edge_length(0)), perimeter, 0.05);
    EXPECT_NEAR(perimeter, 1200.0, 0.1);
    EXPECT_EQ(d.profile.walkable_ways, 1u);
}

// --- bad input ---

std::string input_error_of(const std::filesystem::path& p) {
    try {
        io::read_osm(p);
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no InputError)";
}

// The features come sorted by osm_id_order (nodes, ways, relations, each by number), and
// find_osm_feature finds every one of them by its id by binary search, and nothing else.
TEST(OsmReaderFeatures, SortedByIdAndFoundByBinarySearch) {
    const io::OsmData d =
        io::read_osm(std::string(LC15_SOURCE_DIR) + "/data/osm/cn_zhuhai_xiangzhou.osm");
    const std::vector<io::Feature>& f = d.features;
    ASSERT_GT(f.size(), 500u);
    for (std::size_t i = 1; i < f.size(); ++i)
        ASSERT_LT(io::osm_id_order(f[i - 1].id), io::osm_id_order(f[i].id))
            << f[i - 1].id << " before " << f[i].id;
    bool node = false, way = false;
    for (const io::Feature& x : f) {
        node |= x.id[0] == 'n';
        way |= x.id[0] == 'w';
        ASSERT_EQ(io::find_osm_feature(f, x.id), &x) << x.id;
    }
    EXPECT_TRUE(node && way);
    EXPECT_EQ(io::find_osm_feature(f, "n1"), nullptr);
    EXPECT_EQ(io::find_osm_feature(f, "w999999999999"), nullptr);
    EXPECT_EQ(io::find_osm_feature(f, ""), nullptr);
}

// The collector runs beside the reader when two threads may run: what it gathers must be the
// same as on one thread. Monaco's buildings fill the area assembler's output (800 KB) several
// times within the file: each batch must reach the collector right after the closed way whose
// handling completed it, or a building would be both a line (its way) and an area.
TEST(OsmReaderThreads, SameOnOneThreadAsOnTwo) {
    const std::string file = std::string(LC15_SOURCE_DIR) + "/data/osm/monaco.osm.pbf";
    io::OsmData one, two;
    tbb::task_arena(1).execute([&] { one = io::read_osm(file); });
    tbb::task_arena(2).execute([&] { two = io::read_osm(file); });
    ASSERT_GT(one.features.size(), 1000u);
    std::size_t areas = 0;
    for (const io::Feature& f : one.features) areas += f.is_area() ? 1 : 0;
    EXPECT_GT(areas, 1000u);  // buildings as areas, not lines
    for (std::size_t i = 1; i < one.features.size(); ++i)
        ASSERT_LT(io::osm_id_order(one.features[i - 1].id), io::osm_id_order(one.features[i].id))
            << "two features " << one.features[i].id;
    ASSERT_EQ(one.features.size(), two.features.size());
    for (std::size_t i = 0; i < one.features.size(); ++i) {
        const io::Feature &a = one.features[i], &b = two.features[i];
        ASSERT_EQ(a.id, b.id);
        EXPECT_EQ(a.name, b.name) << a.id;
        EXPECT_TRUE(a.tags == b.tags) << a.id;
        EXPECT_EQ(a.point.lon, b.point.lon) << a.id;
        EXPECT_EQ(a.point.lat, b.point.lat) << a.id;
        EXPECT_EQ(a.line.size(), b.line.size()) << a.id;
        ASSERT_EQ(a.area.size(), b.area.size()) << a.id;
        for (std::size_t k = 0; k < a.area.size(); ++k) {
            ASSERT_EQ(a.area[k].outer.size(), b.area[k].outer.size()) << a.id;
            for (std::size_t q = 0; q < a.area[k].outer.size(); ++q) {
                EXPECT_EQ(a.area[k].outer[q].lon, b.area[k].outer[q].lon) << a.id;
                EXPECT_EQ(a.area[k].outer[q].lat, b.area[k].outer[q].lat) << a.id;
            }
            EXPECT_EQ(a.area[k].inners.size(), b.area[k].inners.size()) << a.id;
        }
    }
    const WalkGraph &g1 = one.graph, &g2 = two.graph;
    ASSERT_EQ(g1.num_vertices(), g2.num_vertices());
    ASSERT_EQ(g1.num_edges(), g2.num_edges());
    for (VertexId v = 0; v < g1.num_vertices(); ++v) ASSERT_EQ(g1.vertex_key(v), g2.vertex_key(v));
    for (EdgeId e = 0; e < g1.num_edges(); ++e) {
        ASSERT_EQ(g1.edge_tail(e), g2.edge_tail(e)) << e;
        ASSERT_EQ(g1.edge_head(e), g2.edge_head(e)) << e;
        ASSERT_EQ(g1.edge_length(e), g2.edge_length(e)) << e;
        ASSERT_EQ(g1.edge_flags(e), g2.edge_flags(e)) << e;
    }
    EXPECT_EQ(one.profile.walkable_ways, two.profile.walkable_ways);
    EXPECT_EQ(one.profile.walkable_km, two.profile.walkable_km);  // added in the same order
    ASSERT_EQ(one.stops.size(), two.stops.size());
    for (std::size_t i = 0; i < one.stops.size(); ++i) EXPECT_EQ(one.stops[i].id, two.stops[i].id);
    EXPECT_EQ(one.routes.size(), two.routes.size());
    EXPECT_EQ(one.basemap.water.size(), two.basemap.water.size());
    EXPECT_EQ(one.basemap.green.size(), two.basemap.green.size());
    EXPECT_EQ(one.basemap.street_classes, two.basemap.street_classes);
    EXPECT_EQ(one.warnings, two.warnings);
    EXPECT_EQ(one.cut_nodes, two.cut_nodes);
    EXPECT_EQ(one.road_ways, two.road_ways);
    EXPECT_EQ(one.nodes, two.nodes);
    EXPECT_EQ(one.ways, two.ways);
}

TEST(OsmReaderErrors, MissingFile) {
    const std::string e = input_error_of("/nonexistent/lc15/x.osm.pbf");
    EXPECT_NE(e.find("/nonexistent/lc15/x.osm.pbf"), std::string::npos) << e;
    EXPECT_NE(e.find("not found"), std::string::npos) << e;
}

TEST(OsmReaderErrors, TextFileNamedPbf) {
    TempDir dir;
    std::ofstream(dir / "notes.osm.pbf") << "this is a shopping list, not OpenStreetMap data\n";
    const std::string e = input_error_of(dir / "notes.osm.pbf");
    EXPECT_NE(e.find("notes.osm.pbf"), std::string::npos) << e;
    EXPECT_NE(e.find("fix:"), std::string::npos) << e;
}

TEST(OsmReaderErrors, TextFileNamedOsm) {
    TempDir dir;
    std::ofstream(dir / "notes.osm") << "this is not XML\n";
    const std::string e = input_error_of(dir / "notes.osm");
    EXPECT_NE(e.find("notes.osm"), std::string::npos) << e;
    EXPECT_NE(e.find("fix:"), std::string::npos) << e;
}

TEST(OsmReaderErrors, TruncatedPbf) {
    TempDir dir;
    const std::filesystem::path src =
        std::filesystem::path(LC15_SOURCE_DIR) / "data/osm/monaco.osm.pbf";
    std::ifstream in(src, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_GT(bytes.size(), 1000000u);
    std::ofstream(dir / "half.osm.pbf", std::ios::binary)
        .write(bytes.data(), std::streamsize(bytes.size() / 2));
    const std::string e = input_error_of(dir / "half.osm.pbf");
    EXPECT_NE(e.find("half.osm.pbf"), std::string::npos) << e;
    EXPECT_NE(e.find("osmium fileinfo"), std::string::npos) << e;
}

TEST(OsmReaderErrors, NoWalkableWay) {
    AsciiMap m("a###b", 100.0);
    m.tag_way("ab", {{"highway", "motorway"}});
    try {
        m.read();
        FAIL() << "expected InputError";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("no walkable way"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("map.osm"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace lc15
