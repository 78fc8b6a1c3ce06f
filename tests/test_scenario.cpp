// Scenarios: parsing (every edit type, CRS, errors with file:line:column and edit index),
// evaluation on a hand-drawn district, refusals, network edits, and the property that random
// facility edits applied incrementally equal a full recomputation.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "engine/error.hpp"
#include "io/crs.hpp"
#include "scenarios/scenario.hpp"
#include "tests/support/scenario_edits.hpp"
#include "tests/support/test_city.hpp"

namespace lc15::scenarios {
namespace {

namespace fs = std::filesystem;

constexpr LonLat kOrigin{113.54, 22.27};
LonLat at(double east_m, double north_m) {
    return LocalProjection(kOrigin).inverse(east_m, north_m);
}

fs::path write_temp(const std::string& name, const std::string& text) {
    const fs::path dir = fs::temp_directory_path() / "lc15_test_scenario";
    fs::create_directories(dir);
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return p;
}

std::string message_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const InputError& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(Scenario, ParsesEveryEditType) {
    const fs::path p = write_temp("all.toml", R"(
name = "all edits"
description = "one of each"
base = "../configs/city.toml"
profile = "elderly"

[[edit]]
type = "add_facility"
category = "kindergarten"
lon = 113.5400
lat = 22.2700
crs = "GCJ-02"
name = "新幼儿园"
capacity = 180

[[edit]]
type = "move_facility"
id = "k1"
lon = 113.541
lat = 22.271

[[edit]]
type = "close_facility"
name = "旧诊所"

[[edit]]
type = "add_stop"
lon = 113.542
lat = 22.272

[[edit]]
type = "remove_stop"
id = "s9"

[[edit]]
type = "add_link"
from = [113.543, 22.273]
to = [113.544, 22.274]
name = "footbridge"

[[edit]]
type = "close_way"
way = 123456789

[[edit]]
type = "close_link"
lon = 113.545
lat = 22.275

[[edit]]
type = "set_population"
polygon = [[113.54, 22.27], [113.541, 22.27], [113.541, 22.271]]
residents = 1200
)");
    const Scenario s = load_scenario(p);
    EXPECT_EQ(s.name, "all edits");
    EXPECT_EQ(s.base, (p.parent_path() / "../configs/city.toml").lexically_normal());
    ASSERT_EQ(s.edits.size(), 10u);
    EXPECT_EQ(s.edits[0].type, EditType::kProfile);
    EXPECT_EQ(s.edits[0].profile, "elderly");
    const Edit& add = s.edits[1];
    EXPECT_EQ(add.type, EditType::kAddFacility);
    EXPECT_EQ(add.index, 1u);
    EXPECT_EQ(add.category, "kindergarten");
    EXPECT_EQ(add.capacity, 180);
    const LonLat want = io::gcj02_to_wgs84({113.54, 22.27});
    ASSERT_EQ(add.points.size(), 1u);
    EXPECT_NEAR(add.points[0].lon, want.lon, 1e-9);
    EXPECT_NEAR(add.points[0].lat, want.lat, 1e-9);
    EXPECT_GT(haversine_m(add.points[0], {113.54, 22.27}), 100.0);  // GCJ-02 is ~500 m off here
    EXPECT_EQ(s.edits[2].ref, "k1");
    EXPECT_EQ(s.edits[3].ref, "旧诊所");
    EXPECT_EQ(s.edits[6].points.size(), 2u);
    EXPECT_EQ(s.edits[7].way_id, 123456789);
    EXPECT_EQ(s.edits[9].residents, 1200);
    EXPECT_EQ(s.edits[9].area.front().outer.size(), 3u);
}

TEST(Scenario, ErrorsNameFileLineColumnAndEdit) {
    const fs::path p =
        write_temp("bad.toml",
                   "name = \"x\"\nbase = \"c.toml\"\n\n[[edit]]\ntype = "
                   "\"add_facility\"\ncategory = \"kindergarten\"\nlon = 1\nlat = 2\n\n"
                   "[[edit]]\ntype = \"open_portal\"\n");
    const std::string m = message_of([&] { load_scenario(p); });
    EXPECT_NE(m.find("bad.toml:11:8 (edit 2)"), std::string::npos) << m;
    EXPECT_NE(m.find("unknown edit type 'open_portal'"), std::string::npos) << m;
    EXPECT_NE(m.find("add_link"), std::string::npos) << m;  // lists the valid types

    const fs::path q =
        write_temp("typo.toml", "base = \"c.toml\"\n[[edit]]\ntype = \"close_way\"\nwya = 5\n");
    const std::string m2 = message_of([&] { load_scenario(q); });
    EXPECT_NE(m2.find("typo.toml:4:7 (edit 1)"), std::string::npos) << m2;
    EXPECT_NE(m2.find("unknown key 'wya'"), std::string::npos) << m2;

    const fs::path r = write_temp("nobase.toml", "name = \"x\"\n");
    EXPECT_NE(message_of([&] { load_scenario(r); }).find("missing 'base'"), std::string::npos);

    const fs::path t = write_temp(
        "crs.toml",
        "base = \"c.toml\"\n[[edit]]\ntype = \"add_stop\"\nlon = 1\nlat = 2\ncrs = \"mars\"\n");
    EXPECT_NE(message_of([&] { load_scenario(t); }).find("crs.toml:6:7"), std::string::npos);
}

// A hand-drawn district: two parallel east-west streets 200 m apart (y = 0 and y = 200),
// 0..1000 m, joined only at x = 0. Homes of 100 residents along the south street at x = 100,
// 300, 500, 700, 900 (community 0) and on the north street at x = 500 (community 1).
// Category kindergarten, radius 300 m; one kindergarten "k1" at (100, 0). No access legs.
struct District {
    WalkGraph g;
    ScenarioCity city;
    District() {
        GraphBuilder b;
        std::vector<WayNode> south{{1, at(0, 0)}, {2, at(1000, 0)}};
        std::vector<WayNode> north{{3, at(0, 200)}, {4, at(1000, 200)}};
        std::vector<WayNode> west{{1, at(0, 0)}, {3, at(0, 200)}};
        b.add_way(101, south, 0);
        b.add_way(102, north, 0);
        b.add_way(103, west, 0);
        g = std::move(b).build();
        city.graph = &g;
        city.rules = {CategoryRule{"kindergarten", "幼儿园", "Kindergarten", 5, 300, 1, 1, ""},
                      CategoryRule{"bus_stop", "公交站", "Bus stop", 10, 500, 1, 1, ""}};
        city.stop_category = 1;
        city.facilities = {{{"k1", "东幼儿园", at(100, 0)}}, {}};
        city.options.access_legs = false;
        Snapper s(g);
        for (double x : {100, 300, 500, 700, 900}) {
            city.home_pos.push_back(at(x, 0));
            city.homes.push_back({s.snap(at(x, 0), 50), 100, 0});
        }
        city.home_pos.push_back(at(500, 200));
        city.homes.push_back({s.snap(at(500, 200), 50), 100, 1});
        city.community_names = {"南苑", "北苑"};
        const LonLat lo = at(-100, -100), hi = at(1100, 300);
        city.bbox = {lo.lon, lo.lat, hi.lon, hi.lat};
        city.max_snap_m = 50;
        city.profiles = {{"adult", {1.25, false}}, {"elderly", {0.625, false}}};
    }
};

using lc15::test::scenario;

TEST(Scenario, FacilityEditsOnHandDrawnDistrict) {
    District d;
    ScenarioEvaluator ev(d.city);
    // Base: k1 at 100 covers homes at 100 and 300 (200 m): 200 of 600 residents.
    EXPECT_DOUBLE_EQ(ev.base_model().report(2).city[0].covered_population, 200);

    Edit add;
    add.type = EditType::kAddFacility;
    add.category = "kindergarten";
    add.points = {at(700, 0)};  // covers 500, 700, 900 (north home at 500: 200+200 via west? no)
    const ScenarioOutcome a = ev.evaluate(scenario("new kindergarten", {add}));
    EXPECT_DOUBLE_EQ(a.city[0].gained, 300);
    EXPECT_DOUBLE_EQ(a.city[0].lost, 0);
    EXPECT_DOUBLE_EQ(a.city[0].covered_after, 500);
    EXPECT_DOUBLE_EQ(a.communities[0].by_category[0].gained, 300);
    EXPECT_DOUBLE_EQ(a.communities[1].by_category[0].gained, 0);
    EXPECT_GT(a.city_score_after, a.city_score_before);
    EXPECT_FALSE(a.rebuilt);

    Edit close;
    close.type = EditType::kCloseFacility;
    close.ref = "东幼儿园";  // by name
    const ScenarioOutcome c = ev.evaluate(scenario("close", {close}));
    EXPECT_DOUBLE_EQ(c.city[0].lost, 200);
    EXPECT_DOUBLE_EQ(c.city[0].covered_after, 0);

    Edit move;
    move.type = EditType::kMoveFacility;
    move.ref = "k1";
    move.points = {at(500, 0)};  // now covers 300, 500, 700; loses 100
    const ScenarioOutcome m = ev.evaluate(scenario("move", {move}));
    EXPECT_DOUBLE_EQ(m.city[0].gained, 200);
    EXPECT_DOUBLE_EQ(m.city[0].lost, 100);

    // The base is untouched after each scenario.
    EXPECT_DOUBLE_EQ(ev.base_model().report(2).city[0].covered_population, 200);
    const auto ranked = rank_scenarios({c, a, m});
    EXPECT_EQ(ranked[0].name, "new kindergarten");
    EXPECT_EQ(ranked[2].name, "close");
}

TEST(Scenario, RefusesPointsOffTheNetworkOrOutside) {
    District d;
    ScenarioEvaluator ev(d.city);
    Edit add;
    add.type = EditType::kAddFacility;
    add.category = "kindergarten";
    add.points = {at(500, 100)};  // 100 m from both streets; limit 50 m
    const std::string m = message_of([&] { ev.evaluate(scenario("off", {add})); });
    EXPECT_NE(m.find("t.toml (edit 1)"), std::string::npos) << m;
    EXPECT_NE(m.find("100 m from the nearest walkable street (limit 50 m)"), std::string::npos)
        << m;
    EXPECT_NE(m.find("nearest valid place is"), std::string::npos) << m;

    add.points = {at(5000, 0)};
    EXPECT_NE(
        message_of([&] { ev.evaluate(scenario("far", {add})); }).find("outside the city's bounds"),
        std::string::npos);
    add.points = {at(500, 0)};
    add.category = "zoo";
    const std::string u = message_of([&] { ev.evaluate(scenario("cat", {add})); });
    EXPECT_NE(u.find("unknown category 'zoo'"), std::string::npos) << u;
    EXPECT_NE(u.find("kindergarten, bus_stop"), std::string::npos) << u;
    // A refused edit leaves the base as it was.
    EXPECT_DOUBLE_EQ(ev.base_model().report(2).city[0].covered_population, 200);
}

TEST(Scenario, NetworkEditsRebuildTheGraph) {
    District d;
    ScenarioEvaluator ev(d.city);
    // Kindergarten at (500, 0): the north home at (500, 200) is 500+200+500 = 1200 m away by
    // the west link. A footbridge from (500, 0) to (500, 200) makes it 200 m.
    Edit add;
    add.type = EditType::kAddFacility;
    add.category = "kindergarten";
    add.points = {at(500, 0)};
    Edit link;
    link.type = EditType::kAddLink;
    link.points = {at(500, 0), at(500, 200)};
    const ScenarioOutcome without = ev.evaluate(scenario("k only", {add}));
    const ScenarioOutcome with = ev.evaluate(scenario("k + bridge", {link, add}));
    EXPECT_TRUE(with.rebuilt);
    EXPECT_DOUBLE_EQ(with.city[0].gained - without.city[0].gained, 100);
    EXPECT_DOUBLE_EQ(with.communities[1].by_category[0].gained, 100);

    // Closing the south street (way 101) cuts the homes off: they snap to the closed street no
    // more, and the west link and north street are 200 m away (beyond the 50 m snap limit).
    Edit close;
    close.type = EditType::kCloseWay;
    close.way_id = 101;
    const ScenarioOutcome c = ev.evaluate(scenario("close south", {close}));
    EXPECT_DOUBLE_EQ(c.city[0].lost, 200);
    close.way_id = 999;
    EXPECT_NE(message_of([&] {
                  ev.evaluate(scenario("bad", {close}));
              }).find("no walkable street has OSM way id 999"),
              std::string::npos);

    // Elderly pace (half the adult speed): radius 150 m; k1 at 100 keeps only the home at 100.
    Edit prof;
    prof.type = EditType::kProfile;
    prof.profile = "elderly";
    const ScenarioOutcome e = ev.evaluate(scenario("elderly", {prof}));
    EXPECT_DOUBLE_EQ(e.city[0].covered_after, 100);

    // A new housing project of 400 residents at (700, 0) with a kindergarten beside it.
    Edit pop;
    pop.type = EditType::kSetPopulation;
    pop.points = {at(650, 0)};
    pop.residents = 400;
    Edit k2 = add;
    k2.points = {at(700, 0)};
    const ScenarioOutcome p = ev.evaluate(scenario("housing", {pop, k2}));
    EXPECT_DOUBLE_EQ(p.city[0].gained, 300 + 400);
}

using lc15::test::test_seed;

// Property: random facility edits applied incrementally give exactly the results of a full
// recomputation with the final facility set.
TEST(Scenario, IncrementalEditsEqualFullRecomputation) {
    std::mt19937_64 rng(test_seed());
    for (int round = 0; round < 6; ++round) {
        GraphBuilder b;
        std::uniform_real_distribution<double> coord(0, 1500);
        const int n = 60;
        std::vector<LonLat> pos(n);
        for (auto& p : pos) p = at(coord(rng), coord(rng));
        for (int i = 0; i < 2 * n; ++i) {
            const int a = static_cast<int>(rng() % n), c = static_cast<int>(rng() % n);
            std::vector<WayNode> w{{std::uint64_t(a) + 1, pos[a]}, {std::uint64_t(c) + 1, pos[c]}};
            b.add_way(i, w, 0);
        }
        const WalkGraph g = std::move(b).build();
        const Snapper s(g);
        std::vector<Home> homes;
        for (int i = 0; i < 300; ++i)
            homes.push_back({s.snap(at(coord(rng), coord(rng)), 500), 1.0 + i % 7,
                             static_cast<CommunityId>(i % 4)});
        const std::vector<CategoryRule> rules{{"a", "", "", 5, 300, 1, 1, ""},
                                              {"b", "", "", 15, 800, 2, 1, ""}};
        CoverageModel inc(g, rules, {});
        inc.set_homes(homes);
        std::vector<std::pair<FacilityHandle, SnapResult>> active;
        for (int i = 0; i < 6; ++i) {
            const SnapResult r = s.snap(at(coord(rng), coord(rng)), 500);
            active.emplace_back(inc.add_facility(static_cast<std::uint32_t>(i % 2), r), r);
        }
        inc.compute();
        for (int step = 0; step < 25; ++step) {
            const int op = static_cast<int>(rng() % 3);
            if (op == 0 || active.empty()) {
                const SnapResult r = s.snap(at(coord(rng), coord(rng)), 500);
                active.emplace_back(inc.add_facility(static_cast<std::uint32_t>(rng() % 2), r), r);
            } else if (op == 1) {
                const std::size_t i = rng() % active.size();
                inc.remove_facility(active[i].first);
                active.erase(active.begin() + static_cast<std::ptrdiff_t>(i));
            } else {
                const std::size_t i = rng() % active.size();
                active[i].second = s.snap(at(coord(rng), coord(rng)), 500);
                inc.move_facility(active[i].first, active[i].second);
            }
        }
        CoverageModel full(g, rules, {});
        full.set_homes(homes);
        for (const auto& [f, r] : active) full.add_facility(inc.facility_category(f), r);
        full.compute();
        for (std::uint32_t cat = 0; cat < 2; ++cat) {
            for (HomeId h = 0; h < homes.size(); ++h) {
                EXPECT_EQ(inc.home(cat, h).nearest, full.home(cat, h).nearest) << round << " " << h;
                EXPECT_EQ(inc.home(cat, h).count_within, full.home(cat, h).count_within);
                EXPECT_EQ(inc.covered(cat, h), full.covered(cat, h));
            }
        }
        const CoverageReport ri = inc.report(4), rf = full.report(4);
        EXPECT_EQ(ri.city_score, rf.city_score);
        for (std::uint32_t c = 0; c < 4; ++c)
            EXPECT_EQ(ri.communities[c].score, rf.communities[c].score);
    }
}

}  // namespace
}  // namespace lc15::scenarios

namespace lc15::scenarios {
namespace {

TEST(Scenario, ExamplesParse) {
    const fs::path dir = fs::path(LC15_SOURCE_DIR) / "scenarios" / "examples";
    for (const char* name :
         {"new_kindergarten.toml", "bus_stop_gap.toml", "open_compound_gate.toml"}) {
        const Scenario s = load_scenario(dir / name);
        EXPECT_FALSE(s.edits.empty()) << name;
        EXPECT_EQ(s.base.filename(), "zhuhai_xiangzhou.toml") << name;
        for (const Edit& e : s.edits) {
            for (const LonLat& p : e.points) {  // inside the demo district (WGS84)
                EXPECT_GT(p.lon, 113.517) << name;
                EXPECT_LT(p.lon, 113.5571) << name;
                EXPECT_GT(p.lat, 22.2664) << name;
                EXPECT_LT(p.lat, 22.2881) << name;
            }
        }
    }
    // The optimiser's sites file is an output: until it is written, the message names it.
    if (!fs::exists(dir / "pocket_parks" / "sites.csv")) {
        const std::string m = message_of([&] { load_scenario(dir / "pocket_parks.toml"); });
        EXPECT_NE(m.find("sites.csv"), std::string::npos) << m;
    }
}

TEST(Scenario, LoadsOptimiserSites) {
    const fs::path csv = write_temp(
        "sites.csv",
        "rank,lon,lat,name,gain\n1,113.54,22.27,site 1,120\n2,113.541,22.271,site 2,80\n");
    const fs::path p = write_temp("parks.toml",
                                  "base = \"c.toml\"\n[[edit]]\ntype = \"add_facility\"\ncategory "
                                  "= \"pocket_park\"\nsites = \"sites.csv\"\n");
    const Scenario s = load_scenario(p);
    ASSERT_EQ(s.edits.size(), 1u);
    ASSERT_EQ(s.edits[0].points.size(), 2u);
    EXPECT_EQ(s.edits[0].point_names[1], "site 2");
    EXPECT_DOUBLE_EQ(s.edits[0].points[1].lon, 113.541);
}

}  // namespace
}  // namespace lc15::scenarios
