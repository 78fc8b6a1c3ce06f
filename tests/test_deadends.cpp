// Opening dead ends (scenarios/deadends.hpp): candidate links on an ASCII map with the gain
// worked out by hand, a link across a building refused, the scorer against the scenario
// machinery (one add_link scenario per link), and on Monaco.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "engine/network_metrics.hpp"
#include "io/city.hpp"
#include "io/network_figures.hpp"
#include "scenarios/city_adapter.hpp"
#include "scenarios/deadends.hpp"
#include "tests/support/ascii_map.hpp"

namespace lc15 {
namespace {

namespace fs = std::filesystem;
using namespace lc15::scenarios;
using test::AsciiMap;

// 50 m cells. Street a-b (north) reaches the compound's street i-j only the long way round,
// by b-j: 700 + 400 + 500 m. The stubs d-k and n-m end 150 m south of a-b.
const char* kStreets = R"(
a-------------b
              |
              |
    d    n    |
    |    |    |
    |    |    |
    |    |    |
    |    |    |
  i-k----m----j
)";

// Metres east / north of node a.
LonLat at(const AsciiMap& m, double x, double y) {
    const LonLat a = m.pos('a');
    const double m_per_deg = deg2rad(1.0) * kEarthRadiusM;
    return {a.lon + x / (m_per_deg * std::cos(deg2rad(a.lat))), a.lat + y / m_per_deg};
}

VertexId vertex_of(const WalkGraph& g, std::int64_t node_id) {
    for (VertexId v = 0; v < g.num_vertices(); ++v)
        if (g.vertex_key(v) == static_cast<std::uint64_t>(node_id)) return v;
    return kInvalidId;
}

// Homes of one community "compound" at `pos` with `pop` residents, snapped within 300 m (the
// scenario's snap limit).
void set_homes(ScenarioCity& sc, const Snapper& snapper, std::vector<LonLat> pos,
               const std::vector<double>& pop) {
    sc.home_pos = std::move(pos);
    for (std::size_t i = 0; i < sc.home_pos.size(); ++i) {
        Home h;
        h.snap = snapper.snap(sc.home_pos[i], 300);
        h.population = pop[i];
        h.community = 0;
        sc.homes.push_back(h);
    }
    sc.community_names = {"compound"};
    sc.max_snap_m = 300;
}

struct Town {
    AsciiMap map{kStreets, 50.0};
    io::OsmData osm = map.read();
    Snapper snapper{osm.graph};
    ScenarioCity sc;
    Town() {
        sc.graph = &osm.graph;
        CategoryRule kg;
        kg.id = "kindergarten";
        kg.name_zh = "幼儿园";
        kg.level_minutes = 5;
        kg.radius_m = 300;
        sc.rules = {kg};
        // Two kindergartens 10 m north of a-b, above the stubs (10 m east of them).
        sc.facilities = {{{"k1", "north", at(map, 210, 10)}, {"k2", "east", at(map, 460, 10)}}};
        sc.facility_areas = {{}};
        // A compound of 120 residents 20 m east of stub d-k, 50 m south of d; 80 beside n-m.
        set_homes(sc, snapper, {at(map, 220, -200), at(map, 470, -200)}, {120, 80});
    }
    std::vector<VertexId> ends() const {
        NetworkInputs in;
        in.graph = &osm.graph;
        in.bounds = {0, 0, 180, 90};  // the extract's edge is far away
        return dead_end_vertices(in);
    }
    LinkBarriers building() const {  // 30 m deep, between n and street a-b
        LinkBarriers b;
        b.areas.push_back({Polygon{
            {at(map, 400, -60), at(map, 500, -60), at(map, 500, -90), at(map, 400, -90)}, {}}});
        b.area_kinds.push_back("building");
        return b;
    }
    const LinkCandidate& of(const std::vector<LinkCandidate>& c, char node) const {
        const VertexId v = vertex_of(osm.graph, map.node_id(node));
        for (const auto& x : c)
            if (x.dead_end == v) return x;
        throw std::runtime_error("no entry for the dead end");
    }
};

Scenario one_link(const LinkCandidate& c) {
    Scenario s;
    s.name = "link";
    Edit e;
    e.type = EditType::kAddLink;
    e.index = 1;
    e.where = "test (edit 1)";
    e.points = {c.from, c.to};
    s.edits.push_back(e);
    return s;
}

TEST(Deadends, EveryDeadEndGetsACandidateOrAReason) {
    Town t;
    LinkOptions opt;
    opt.max_link_m = 200;
    const auto ends = t.ends();
    ASSERT_EQ(ends.size(), 4u);  // a, d, n, i
    const auto c = find_link_candidates(t.osm.graph, t.snapper, ends, {}, opt);
    EXPECT_EQ(t.of(c, 'a').refusal, LinkRefusal::kNoStreet);    // d is 250 m away
    EXPECT_EQ(t.of(c, 'i').refusal, LinkRefusal::kNoShortcut);  // k: 100 m, walked as much
    const LinkCandidate& d = t.of(c, 'd');
    ASSERT_EQ(d.refusal, LinkRefusal::kNone);
    EXPECT_NEAR(d.length_m, 150.0, 0.05);
    EXPECT_NEAR(d.to.lon, t.map.pos('d').lon, 1e-6);  // straight north onto a-b
    EXPECT_NEAR(d.walk_before_m, 250 + 500 + 400 + 500, 0.5);
    EXPECT_EQ(t.of(c, 'n').refusal, LinkRefusal::kNone);
}

TEST(Deadends, KindergartenWithin300mRanksFirstWithTheHandGain) {
    Town t;
    ScenarioEvaluator ev(t.sc);
    ASSERT_FALSE(ev.base_model().covered(0, 0));  // 1,600 m the long way round
    ASSERT_FALSE(ev.base_model().covered(0, 1));
    LinkOptions opt;
    opt.max_link_m = 200;
    const auto ends = t.ends();
    const auto c = find_link_candidates(t.osm.graph, t.snapper, ends, {}, opt);
    const LinkScorer scorer(ev.base_model());
    std::vector<LinkGain> gains;
    for (const auto& x : c) gains.push_back(scorer.score(x.from_snap, x.to_snap));
    // d: k1 10 m access + 150 m link + 50 m down the stub + 20 m access = 230 m <= 300 m: the
    // compound's 120 residents. n: the 80 beside n-m, from k2 the same way. Score: one
    // category, 200 residents: 120 / 200 x 100 = 60 points.
    const auto order = rank_links(c, gains);
    const VertexId dv = vertex_of(t.osm.graph, t.map.node_id('d'));
    const VertexId nv = vertex_of(t.osm.graph, t.map.node_id('n'));
    ASSERT_EQ(c[order[0]].dead_end, dv);
    ASSERT_EQ(c[order[1]].dead_end, nv);
    EXPECT_DOUBLE_EQ(gains[order[0]].gained[0], 120.0);
    EXPECT_DOUBLE_EQ(gains[order[0]].residents, 120.0);
    EXPECT_NEAR(gains[order[0]].score_gain, 60.0, 1e-9);
    EXPECT_DOUBLE_EQ(gains[order[1]].gained[0], 80.0);
    // Refused dead ends come last.
    EXPECT_NE(c[order[2]].refusal, LinkRefusal::kNone);
    EXPECT_NE(c[order[3]].refusal, LinkRefusal::kNone);

    // One evaluation per link by the scenario machinery (graph rebuilt) gives the same gains.
    for (std::size_t i = 0; i < c.size(); ++i) {
        if (c[i].refusal != LinkRefusal::kNone) continue;
        const ScenarioOutcome o = ev.evaluate(one_link(c[i]));
        EXPECT_DOUBLE_EQ(o.city[0].gained, gains[i].gained[0]) << i;
        EXPECT_DOUBLE_EQ(o.city[0].lost, 0.0);
    }

    // The top two as one scenario: both compounds covered.
    const Scenario top = links_scenario(c, gains, order, 2, "city.toml", t.osm.graph);
    ASSERT_EQ(top.edits.size(), 2u);
    EXPECT_DOUBLE_EQ(ev.evaluate(top).city[0].covered_after, 200.0);
}

// 50 m cells. Stub d-k as in kStreets; p-q a footway cut off from everything (both ends dead
// ends), 100 m below a-b at p and 150 m above i-j at q.
const char* kFragment = R"(
a-------------b
              |
         p    |
    d    |    |
    |    |    |
    |    q    |
    |         |
    |         |
  i-k---------j
)";

TEST(Deadends, GreedyRankingSkipsTheSecondLinkToTheSameFragment) {
    AsciiMap map{kFragment, 50.0};
    const io::OsmData osm = map.read();
    const Snapper snapper{osm.graph};
    ScenarioCity sc;
    sc.graph = &osm.graph;
    CategoryRule kg;
    kg.id = "kindergarten";
    kg.name_zh = "幼儿园";
    kg.level_minutes = 5;
    kg.radius_m = 300;
    sc.rules = {kg};
    // k1 10 m north of a-b above d; k2 10 m north of a-b and k3 10 m south of i-j, both 10 m
    // east of the fragment.
    sc.facilities = {{{"k1", "north", at(map, 210, 10)},
                      {"k2", "north east", at(map, 460, 10)},
                      {"k3", "south east", at(map, 460, -410)}}};
    sc.facility_areas = {{}};
    // Compound A (120) 20 m east of stub d, 50 m below d; compound F (150) 20 m east of the
    // fragment, 75 m below p.
    set_homes(sc, snapper, {at(map, 220, -200), at(map, 470, -175)}, {120, 150});
    ScenarioEvaluator ev(sc);
    ASSERT_FALSE(ev.base_model().covered(0, 0));
    ASSERT_FALSE(ev.base_model().covered(0, 1));  // the fragment reaches nothing

    NetworkInputs in;
    in.graph = &osm.graph;
    in.bounds = {0, 0, 180, 90};
    const auto ends = dead_end_vertices(in);
    LinkOptions opt;
    opt.max_link_m = 200;
    const auto c = find_link_candidates(osm.graph, snapper, ends, {}, opt);
    const LinkScorer scorer(ev.base_model());
    std::vector<LinkGain> gains;
    std::vector<LinkReach> reaches(c.size());
    for (std::size_t i = 0; i < c.size(); ++i)
        gains.push_back(scorer.score(c[i].from_snap, c[i].to_snap, &reaches[i]));
    const VertexId dv = vertex_of(osm.graph, map.node_id('d'));
    const VertexId pv = vertex_of(osm.graph, map.node_id('p'));
    const VertexId qv = vertex_of(osm.graph, map.node_id('q'));
    auto index_of = [&](VertexId v) {
        for (std::size_t i = 0; i < c.size(); ++i)
            if (c[i].dead_end == v) return i;
        throw std::runtime_error("no entry for the dead end");
    };
    const std::size_t di = index_of(dv), pi = index_of(pv), qi = index_of(qv);
    ASSERT_EQ(c[pi].refusal, LinkRefusal::kNone);
    ASSERT_EQ(c[qi].refusal, LinkRefusal::kNone);
    // Alone: p, 100 m up to a-b: k2 10 m access + 10 m along + 100 m link + 75 m down + 20 m
    // access = 215 m; q, 150 m down to i-j: k3 10 + 10 + 150 + 75 + 20 = 265 m: both reach F.
    // d: k1 10 + 150 + 50 + 20 = 230 m reaches A.
    EXPECT_DOUBLE_EQ(gains[pi].residents, 150.0);
    EXPECT_DOUBLE_EQ(gains[qi].residents, 150.0);
    EXPECT_DOUBLE_EQ(gains[di].residents, 120.0);
    // Each alone: p and q (the shorter link first), then d.
    const auto alone = rank_links(c, gains);
    EXPECT_EQ(alone[0], pi);
    EXPECT_EQ(alone[1], qi);
    EXPECT_EQ(alone[2], di);
    // Greedily: p, then d (q adds nobody once p is open), then q.
    const GreedyRanking gr = rank_links_greedy(scorer, c, gains, reaches);
    ASSERT_GE(gr.order.size(), 3u);
    EXPECT_EQ(gr.order[0], pi);
    EXPECT_EQ(gr.order[1], di);
    EXPECT_EQ(gr.order[2], qi);
    EXPECT_DOUBLE_EQ(gr.added[pi].residents, 150.0);
    EXPECT_DOUBLE_EQ(gr.added[di].residents, 120.0);
    EXPECT_DOUBLE_EQ(gr.added[qi].residents, 0.0);
    EXPECT_NEAR(gr.added[di].score_gain, 120.0 / 270.0 * 100.0, 1e-9);
    // The top two: greedily everybody; alone only F.
    const Scenario top = links_scenario(c, gr.added, gr.order, 2, "city.toml", osm.graph);
    ASSERT_EQ(top.edits.size(), 2u);
    EXPECT_DOUBLE_EQ(ev.evaluate(top).city[0].covered_after, 270.0);
    const Scenario top_alone = links_scenario(c, gains, alone, 2, "city.toml", osm.graph);
    EXPECT_DOUBLE_EQ(ev.evaluate(top_alone).city[0].covered_after, 150.0);
}

TEST(Deadends, LinkAcrossABuildingIsNotProposed) {
    Town t;
    LinkOptions opt;
    opt.max_link_m = 200;
    const auto ends = t.ends();
    const auto c = find_link_candidates(t.osm.graph, t.snapper, ends, t.building(), opt);
    EXPECT_EQ(t.of(c, 'n').refusal, LinkRefusal::kBarrier);
    EXPECT_EQ(t.of(c, 'n').blocked_by, "building");
    EXPECT_EQ(t.of(c, 'd').refusal, LinkRefusal::kNone);  // its path passes west of the building
    // A railway across d's path refuses it too; one that ends short of it does not.
    LinkBarriers rail;
    rail.lines.push_back({at(t.map, 100, -100), at(t.map, 300, -100)});
    rail.line_kinds.push_back("railway");
    EXPECT_EQ(t.of(find_link_candidates(t.osm.graph, t.snapper, ends, rail, opt), 'd').refusal,
              LinkRefusal::kBarrier);
    rail.lines[0] = {at(t.map, 100, -100), at(t.map, 190, -100)};
    EXPECT_EQ(t.of(find_link_candidates(t.osm.graph, t.snapper, ends, rail, opt), 'd').refusal,
              LinkRefusal::kNone);
}

TEST(Deadends, TwoDeadEndsFacingEachOtherGiveOneLink) {
    const AsciiMap m("a---b   c---d", 50.0);
    const io::OsmData osm = m.read();
    const Snapper snapper(osm.graph);
    NetworkInputs in;
    in.graph = &osm.graph;
    in.bounds = {0, 0, 180, 90};
    const auto ends = dead_end_vertices(in);
    ASSERT_EQ(ends.size(), 4u);
    LinkOptions opt;
    opt.max_link_m = 250;
    const auto c = find_link_candidates(osm.graph, snapper, ends, {}, opt);
    std::size_t kept = 0, dup = 0;
    for (const auto& x : c) {
        kept += x.refusal == LinkRefusal::kNone;
        if (x.refusal == LinkRefusal::kDuplicate) {
            ++dup;
            const VertexId b = vertex_of(osm.graph, m.node_id('b'));
            const VertexId cv = vertex_of(osm.graph, m.node_id('c'));
            EXPECT_EQ(x.dead_end, std::max(b, cv));  // the lower vertex keeps the link
            EXPECT_EQ(x.blocked_by, "n" + std::to_string(osm.graph.vertex_key(std::min(b, cv))));
        }
    }
    EXPECT_EQ(kept, 1u);  // b-c, 200 m
    EXPECT_EQ(dup, 1u);
}

TEST(Deadends, LinkAcrossAnotherStreetIsNotProposed) {
    // r hangs 100 m below street i-k; the street g-h 200 m north lies beyond i-k: a path there
    // would meet i-k first (and i-k is r's own street, a short walk away).
    const AsciiMap m(R"(
g-----h

i--j--k
   |
   r
)",
                     50.0);
    const io::OsmData osm = m.read();
    const Snapper snapper(osm.graph);
    const std::vector<VertexId> ends{vertex_of(osm.graph, m.node_id('r'))};
    LinkOptions opt;
    opt.max_link_m = 250;
    const auto c = find_link_candidates(osm.graph, snapper, ends, {}, opt);
    ASSERT_EQ(c.size(), 1u);
    EXPECT_EQ(c[0].refusal, LinkRefusal::kBarrier);
    EXPECT_EQ(c[0].blocked_by, "street");
}

TEST(Deadends, BarriersAreBuildingsWaterAndRailwaysOnTheGround) {
    io::City city;
    const Polygon square{{{0, 0}, {0.001, 0}, {0.001, 0.001}, {0, 0.001}}, {}};
    auto feature = [](io::Feature f, std::map<std::string, std::string> tags) {
        f.tags = std::move(tags);
        return f;
    };
    io::Feature area, line, point;
    area.area = {square};
    line.line = {{0, 0}, {0.001, 0.001}};
    point.point = {0, 0};
    city.osm.features = {feature(area, {{"building", "yes"}}),
                         feature(area, {{"building", "no"}, {"amenity", "school"}}),
                         feature(area, {{"natural", "water"}}),
                         feature(line, {{"railway", "rail"}}),
                         feature(line, {{"railway", "rail"}, {"tunnel", "yes"}}),
                         feature(line, {{"railway", "subway"}, {"bridge", "yes"}}),
                         feature(line, {{"waterway", "stream"}}),
                         feature(line, {{"railway", "abandoned"}}),
                         feature(point, {{"building", "yes"}})};
    const LinkBarriers b = link_barriers(city);
    EXPECT_EQ(b.area_kinds, (std::vector<std::string>{"building", "water"}));
    EXPECT_EQ(b.line_kinds, (std::vector<std::string>{"railway", "waterway"}));
}

TEST(Deadends, ScenarioTomlRoundTrips) {
    Town t;
    LinkOptions opt;
    opt.max_link_m = 200;
    const auto ends = t.ends();
    const auto c = find_link_candidates(t.osm.graph, t.snapper, ends, {}, opt);
    std::vector<LinkGain> gains(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) gains[i].score_gain = 1.0 + double(i);
    const auto order = rank_links(c, gains);
    const Scenario s = links_scenario(c, gains, order, 5, "base.toml", t.osm.graph);
    ASSERT_EQ(s.edits.size(), 2u);  // only the two candidates
    test::TempDir dir;
    const fs::path file = dir.path() / "top.toml";
    std::ofstream(file) << scenario_toml(s, "base.toml");
    const Scenario back = load_scenario(file);
    ASSERT_EQ(back.edits.size(), 2u);
    EXPECT_EQ(back.base.filename(), "base.toml");
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(back.edits[i].type, EditType::kAddLink);
        EXPECT_EQ(back.edits[i].points[0], s.edits[i].points[0]);  // bit for bit
        EXPECT_EQ(back.edits[i].points[1], s.edits[i].points[1]);
    }
}

// The oracle: the link built into a new graph as scenarios/scenario.cpp builds it (both streets
// split at the snapped ends, joined by an artificial edge), every home and facility kept where
// it joined the street (snapped again at its street point, never onto the link, with its
// access leg), a full compute; residents newly covered per category, and lost (must be 0).
std::pair<std::vector<double>, double> rebuilt_gains(const CoverageModel& base, const SnapResult& a,
                                                     const SnapResult& c) {
    const WalkGraph& g = base.graph();
    std::vector<std::uint8_t> extra(g.num_edges(), 0);
    extra[a.edge] |= kEdgeClosed;
    extra[c.edge] |= kEdgeClosed;
    GraphBuilder b = GraphBuilder::from_graph(g, extra);
    std::uint64_t next = 0;
    const std::uint64_t kKey = std::uint64_t{3} << 62;
    auto split = [&](const SnapResult& r) {
        const std::uint64_t mid = kKey | next++;
        const auto shape = g.edge_shape(r.edge);
        const auto offs = g.edge_shape_offsets(r.edge);
        std::vector<WayNode> first{{g.vertex_key(g.edge_tail(r.edge)), shape.front()}};
        std::vector<WayNode> second{{mid, r.on_edge}};
        for (std::size_t i = 1; i + 1 < shape.size(); ++i)
            (offs[i] < r.off_tail ? first : second).push_back({kKey | next++, shape[i]});
        first.push_back({mid, r.on_edge});
        second.push_back({g.vertex_key(g.edge_head(r.edge)), shape.back()});
        b.add_way(g.edge_source_id(r.edge), first, g.edge_flags(r.edge));
        b.add_way(g.edge_source_id(r.edge), second, g.edge_flags(r.edge));
        return WayNode{mid, r.on_edge};
    };
    const std::vector<WayNode> link{split(a), split(c)};
    b.add_way(-1, link, kEdgeArtificial);
    const WalkGraph ng = std::move(b).build();
    CoverageOptions opt = base.options();
    opt.forbidden_flags |= kEdgeClosed;
    const Snapper snap(ng, opt.forbidden_flags | kEdgeArtificial);
    auto moved = [&](const SnapResult& s) {
        if (!s.ok()) return s;
        SnapResult n = snap.snap(s.on_edge, 1.0);
        n.access = s.access;
        return n;
    };
    CoverageModel m(ng, base.rules(), opt);
    std::vector<Home> homes = base.homes();
    for (Home& h : homes) h.snap = moved(h.snap);
    m.set_homes(homes);
    for (FacilityHandle f = 0; f < base.num_facility_handles(); ++f)
        if (base.facility_active(f)) {
            std::vector<SnapResult> entrances;
            for (const SnapResult& e : base.facility_entrances(f)) entrances.push_back(moved(e));
            m.add_facility(base.facility_category(f), std::move(entrances));
        }
    m.compute();
    std::vector<double> gained(base.rules().size(), 0.0);
    double lost = 0;
    for (std::uint32_t k = 0; k < gained.size(); ++k) {
        for (HomeId h = 0; h < homes.size(); ++h) {
            const bool was = base.covered(k, h), is = m.covered(k, h);
            if (is && !was) gained[k] += homes[h].population;
            if (was && !is) lost += homes[h].population;
        }
    }
    return {gained, lost};
}

// On a real city the scorer agrees with a full recomputation of the network with each link.
TEST(Deadends, ScorerAgreesWithFullRecomputationOnMonaco) {
    const io::City city =
        io::load_city(io::load_city_config(fs::path(LC15_SOURCE_DIR) / "configs/monaco.toml"));
    const ScenarioCity sc = make_scenario_city(city);
    ScenarioEvaluator ev(sc);
    const io::NetworkFigures nf = io::network_inputs(city);
    const auto ends = dead_end_vertices(nf.inputs(city.osm.graph));
    LinkOptions opt;
    opt.max_snap_m = city.config.max_snap_m;
    const auto c =
        find_link_candidates(city.osm.graph, *city.snapper, ends, link_barriers(city), opt);
    const LinkScorer scorer(ev.base_model());
    std::vector<LinkGain> gains;
    for (const auto& x : c) gains.push_back(scorer.score(x.from_snap, x.to_snap));
    const auto order = rank_links(c, gains);
    // The ten best and every 25th further down.
    std::size_t checked = 0;
    for (std::size_t r = 0; r < order.size(); ++r) {
        const std::size_t i = order[r];
        if (c[i].refusal != LinkRefusal::kNone || (r >= 10 && r % 25 != 0)) continue;
        ++checked;
        const auto [gained, lost] = rebuilt_gains(ev.base_model(), c[i].from_snap, c[i].to_snap);
        EXPECT_EQ(lost, 0.0) << "rank " << r + 1;
        for (std::uint32_t k = 0; k < sc.rules.size(); ++k)
            EXPECT_NEAR(gained[k], gains[i].gained[k], 1e-6)
                << "rank " << r + 1 << " " << sc.rules[k].id;
    }
    EXPECT_GE(checked, 25u);
    EXPECT_GT(gains[order[0]].residents, 0.0);

    // Greedily: rank 1 is the best alone; each added gain is at most the gain alone and never
    // rises down the ranking; the added gains sum to the residents the links reach together
    // (each home counted once per category).
    std::vector<LinkReach> reaches(c.size());
    for (std::size_t i = 0; i < c.size(); ++i)
        scorer.score(c[i].from_snap, c[i].to_snap, &reaches[i]);
    const GreedyRanking gr = rank_links_greedy(scorer, c, gains, reaches);
    ASSERT_EQ(gr.order.size(), c.size());
    EXPECT_EQ(gr.order[0], order[0]);
    double last = 1e300, sum = 0;
    for (std::size_t i : gr.order) {
        if (c[i].refusal != LinkRefusal::kNone) continue;
        EXPECT_LE(gr.added[i].score_gain, last);
        EXPECT_LE(gr.added[i].residents, gains[i].residents + 1e-9);
        last = gr.added[i].score_gain;
        sum += gr.added[i].residents;
    }
    double together = 0;
    const auto& homes = ev.base_model().homes();
    for (std::uint32_t k = 0; k < sc.rules.size(); ++k) {
        std::vector<std::uint8_t> seen(homes.size(), 0);
        for (const auto& r : reaches)
            for (HomeId h : r[k])
                if (!seen[h]) seen[h] = 1, together += homes[h].population;
    }
    EXPECT_NEAR(sum, together, 1e-6 * together);
    EXPECT_LT(sum, [&] {  // on Monaco several dead ends reach the same people
        double s = 0;
        for (const auto& g : gains) s += g.residents;
        return s;
    }());
}

}  // namespace
}  // namespace lc15
