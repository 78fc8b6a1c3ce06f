// Scenarios with places: an added kindergarten's `capacity` closes exactly the 2SFCA place gap
// it reaches, the same file without the key leaves the place figures of the base, and a
// capacity that would change nothing is refused.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "engine/error.hpp"
#include "scenarios/scenario.hpp"
#include "tests/support/ascii_map.hpp"

namespace lc15::scenarios {
namespace {

// The town of test_capacity.cpp: compounds A, B, C, D (communities 0-3) with 120, 200, 80 and
// 270 children aged 3-6 (10 % of 1200, 2000, 800, 2700 residents); kindergartens K1 (160
// places) and K2 (210). Base place gaps: A 60, B 0, C 20, D 270. Parks have no demand group.
struct Town {
    test::AsciiMap map{R"(
a----------------b
17 2 8 3        4
)"};
    io::OsmData osm = map.read();
    ScenarioCity city;
    test::TempDir dir;

    Town() {
        city.graph = &osm.graph;
        city.rules = {CategoryRule{"kindergarten", "幼儿园", "Kindergarten", 5, 300, 1, 1, ""},
                      CategoryRule{"park", "公园", "Park", 15, 500, 1, 1, ""}};
        city.demand = {DemandRule{"aged_3_6", 0.1, 1000, "test", std::nan(""), ""}};
        city.facilities = {{{"k1", "一幼", map.pos('7')}, {"k2", "二幼", map.pos('8')}}, {}};
        city.facility_places = {{160, 210}, {}};
        city.options.access_legs = false;
        Snapper s(osm.graph);
        CommunityId c = 0;
        for (auto [node, residents] :
             {std::pair{'1', 1200.0}, {'2', 2000.0}, {'3', 800.0}, {'4', 2700.0}}) {
            city.home_pos.push_back(map.pos(node));
            city.homes.push_back({s.snap(map.pos(node), 150), residents, c++});
            city.community_names.push_back(std::string(1, node));
        }
        city.bbox = {122.2, 40.6, 122.3, 40.7};
        city.max_snap_m = 150;
        city.profiles = {{"adult", {1.25, false}}};
    }

    // A scenario file adding a facility at D, with the extra lines given.
    Scenario file(const std::string& category, const std::string& extra) const {
        std::ostringstream t;
        t.precision(10);
        t << "name = \"at D\"\nbase = \"city.toml\"\n[[edit]]\ntype = \"add_facility\"\n"
          << "category = \"" << category << "\"\nlon = " << map.pos('4').lon
          << "\nlat = " << map.pos('4').lat << "\n"
          << extra;
        const auto p = dir / "s.toml";
        std::ofstream(p) << t.str();
        return load_scenario(p);
    }
};

TEST(CapacityScenario, TwoHundredSeventyPlacesCloseTheComputedGap) {
    Town t;
    ScenarioEvaluator ev(t.city);
    const ScenarioOutcome with = ev.evaluate(t.file("kindergarten", "capacity = 270\n"));
    const CategoryChange& city = with.city[0];
    ASSERT_TRUE(city.has_places);
    EXPECT_NEAR(city.gap_before, 60 + 20 + 270, 1e-9);
    EXPECT_NEAR(city.gap_after, 60 + 20, 1e-9);
    EXPECT_NEAR(city.places_after - city.places_before, 270, 1e-9);
    const CategoryChange& d = with.communities[3].by_category[0];
    EXPECT_NEAR(d.gap_before, 270, 1e-9);
    EXPECT_NEAR(d.gap_after, 0, 1e-9);
    EXPECT_NEAR(d.places_after, 270, 1e-9);
    for (int c = 0; c < 3; ++c) {  // the others keep their places: K3 reaches only D
        EXPECT_DOUBLE_EQ(with.communities[c].by_category[0].places_after,
                         with.communities[c].by_category[0].places_before);
    }
    EXPECT_NE(with.log[0].find("270 places"), std::string::npos) << with.log[0];
    EXPECT_DOUBLE_EQ(city.gained, 2700);  // coverage beside places, never instead

    // The same file without the key: coverage still gained, places and gap of the base.
    const ScenarioOutcome without = ev.evaluate(t.file("kindergarten", ""));
    EXPECT_DOUBLE_EQ(without.city[0].gained, 2700);
    EXPECT_DOUBLE_EQ(without.city[0].gap_after, without.city[0].gap_before);
    EXPECT_DOUBLE_EQ(without.city[0].places_after, without.city[0].places_before);
    EXPECT_NEAR(without.city[0].gap_after, 350, 1e-9);
    EXPECT_NE(without.log[0].find("no capacity given"), std::string::npos) << without.log[0];
    // And the base is untouched by either.
    EXPECT_DOUBLE_EQ(ev.evaluate(t.file("kindergarten", "capacity = 270\n")).city[0].gap_after,
                     city.gap_after);
}

TEST(CapacityScenario, DefaultCapacityIsUsedAndSaidToBeAssumed) {
    Town t;
    t.city.demand[0].default_capacity = 100;
    t.city.demand[0].capacity_source = "assumed: test";
    ScenarioEvaluator ev(t.city);
    const ScenarioOutcome o = ev.evaluate(t.file("kindergarten", ""));
    EXPECT_NEAR(o.communities[3].by_category[0].gap_after, 170, 1e-9);
    EXPECT_NE(o.log[0].find("assumed"), std::string::npos) << o.log[0];
}

TEST(CapacityScenario, CapacityThatWouldChangeNothingIsRefused) {
    Town t;
    ScenarioEvaluator ev(t.city);
    try {
        ev.evaluate(t.file("park", "capacity = 270\n"));
        ADD_FAILURE() << "capacity on a category without a demand group was accepted";
    } catch (const InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("s.toml"), std::string::npos) << m;
        EXPECT_NE(m.find("no demand group"), std::string::npos) << m;
    }
    // Without the key the park is fine, and parks carry no place figures.
    const ScenarioOutcome o = ev.evaluate(t.file("park", ""));
    EXPECT_FALSE(o.city[1].has_places);
    EXPECT_THROW(t.file("kindergarten", "capacity = -3\n"), InputError);
    EXPECT_THROW(t.file("kindergarten", "capacity = \"many\"\n"), InputError);
}

TEST(CapacityScenario, NoKeyIsSilentlyIgnored) {
    test::TempDir dir;
    auto error_of = [&](const std::string& edit) {
        std::ofstream(dir / "e.toml") << "base = \"c.toml\"\n[[edit]]\n" << edit;
        try {
            load_scenario(dir / "e.toml");
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(
        error_of("type = \"close_facility\"\nid = \"k1\"\nname = \"一幼\"\n").find("not both"),
        std::string::npos);
    EXPECT_NE(error_of("type = \"move_facility\"\nid = \"k1\"\nname = \"一幼\"\nlon = 1\nlat = 2\n")
                  .find("not both"),
              std::string::npos);
    EXPECT_NE(error_of("type = \"set_population\"\nresidents = 5\nlon = 1\nlat = 2\n"
                       "polygon = [[1, 2], [1.1, 2], [1.1, 2.1]]\n")
                  .find("not both"),
              std::string::npos);
    EXPECT_NE(error_of("type = \"add_stop\"\nlon = 1\nlat = 2\ncapacity = 5\n")
                  .find("unknown key 'capacity'"),
              std::string::npos);
    EXPECT_EQ(error_of("type = \"close_facility\"\nid = \"k1\"\n"), "no error");
}

}  // namespace
}  // namespace lc15::scenarios
