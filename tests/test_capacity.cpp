// Places against demand (engine/capacity.hpp): the two-step floating catchment computed by hand
// on an ASCII-map city, conservation of places, the decay variant, and the reach matrix against
// the coverage model's own "covered".
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <map>

#include "engine/capacity.hpp"
#include "engine/error.hpp"
#include "io/city.hpp"
#include "io/config.hpp"
#include "tests/support/ascii_map.hpp"
#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

// One footway, 1,600 m (a..b); below it, 100 m off the street: compounds 1 (A, x = 0), 2 (B,
// x = 300), 3 (C, x = 700), 4 (D, x = 1600) and kindergartens 7 (K1, x = 100), 8 (K2, x = 500).
// No access legs: distances are along the street. Radius 300 m.
//   K1 reaches A (100 m) and B (200 m); K2 reaches B (200 m) and C (200 m); D is 1,100 m from K2.
struct Town {
    test::AsciiMap map{R"(
a----------------b
17 2 8 3        4
)"};
    io::OsmData osm = map.read();
    CoverageModel model{osm.graph,
                        {CategoryRule{"kindergarten", "幼儿园", "Kindergarten", 5, 300, 1, 1, ""}},
                        {false, 0, 1.25}};
    FacilityHandle k1 = 0, k2 = 0;
    // Children 3-6 are 10 % of the residents: A 120, B 200, C 80, D 270 children.
    DemandRule rule{"aged_3_6", 0.1, 1000, "test", std::nan(""), ""};

    Town() {
        Snapper s(osm.graph);
        std::vector<Home> homes;
        CommunityId c = 0;
        for (auto [node, residents] :
             {std::pair{'1', 1200.0}, {'2', 2000.0}, {'3', 800.0}, {'4', 2700.0}}) {
            homes.push_back({s.snap(map.pos(node), 150), residents, c++});
        }
        model.set_homes(homes);
        k1 = model.add_facility(0, s.snap(map.pos('7'), 150));
        k2 = model.add_facility(0, s.snap(map.pos('8'), 150));
        model.compute();
    }
};

TEST(Capacity, HandComputedTwoStepOnAsciiTown) {
    Town t;
    // K1 160 places, K2 210 places.
    const std::vector<double> places{160, 210};
    const PlaceReport r = measure_places(t.model, 0, t.rule, places, 4);
    // Step 1: R1 = 160 / (120 + 200) = 0.5; R2 = 210 / (200 + 80) = 0.75.
    EXPECT_DOUBLE_EQ(r.detail.ratio[t.k1], 0.5);
    EXPECT_DOUBLE_EQ(r.detail.ratio[t.k2], 0.75);
    // Step 2: A = 0.5, B = 0.5 + 0.75 = 1.25, C = 0.75, D = 0 places per child.
    EXPECT_DOUBLE_EQ(r.detail.access[0], 0.5);
    EXPECT_DOUBLE_EQ(r.detail.access[1], 1.25);
    EXPECT_DOUBLE_EQ(r.detail.access[2], 0.75);
    EXPECT_DOUBLE_EQ(r.detail.access[3], 0.0);
    // Places: A 60, B 250, C 60, D 0 — 370 = 160 + 210, shared out, not counted twice.
    ASSERT_EQ(r.communities.size(), 5u);
    const double want_places[] = {60, 250, 60, 0}, want_gap[] = {60, 0, 20, 270},
                 want_per_1000[] = {500, 1250, 750, 0}, want_demand[] = {120, 200, 80, 270};
    for (int c = 0; c < 4; ++c) {
        EXPECT_NEAR(r.communities[c].demand, want_demand[c], 1e-9) << c;
        EXPECT_NEAR(r.communities[c].places, want_places[c], 1e-9) << c;
        EXPECT_NEAR(r.communities[c].gap, want_gap[c], 1e-9) << c;
        EXPECT_NEAR(r.communities[c].per_1000, want_per_1000[c], 1e-9) << c;
    }
    EXPECT_EQ(r.communities[4].demand, 0);  // nobody outside the four communities
    EXPECT_NEAR(r.city.places, 370, 1e-9);
    EXPECT_NEAR(r.city.gap, 60 + 20 + 270, 1e-9);  // B's surplus of 50 fills no other gap
    EXPECT_NEAR(r.city.needed, 670, 1e-9);
    EXPECT_DOUBLE_EQ(r.supply, 370);
    EXPECT_DOUBLE_EQ(r.supply_reached, 370);
}

TEST(Capacity, A270PlaceKindergartenAtDClosesItsGap) {
    Town t;
    std::vector<double> places{160, 210};
    const PlaceReport before = measure_places(t.model, 0, t.rule, places, 4);
    Snapper s(t.osm.graph);
    // At D: reaches D only (K2 is 1,100 m away).
    const FacilityHandle k3 = t.model.add_facility(0, s.snap(t.map.pos('4'), 150));
    places.push_back(270);
    const PlaceReport after = measure_places(t.model, 0, t.rule, places, 4);
    EXPECT_NEAR(before.communities[3].gap, 270, 1e-9);
    EXPECT_NEAR(after.communities[3].gap, 0, 1e-9);
    EXPECT_NEAR(before.city.gap - after.city.gap, 270, 1e-9);
    // The other facilities' ratios do not move: R_j depends on demand only.
    EXPECT_DOUBLE_EQ(after.detail.ratio[t.k1], before.detail.ratio[t.k1]);
    EXPECT_DOUBLE_EQ(after.detail.ratio[k3], 1.0);
    t.model.remove_facility(k3);
    places.back() = 0;
    const PlaceReport again = measure_places(t.model, 0, t.rule, places, 4);
    EXPECT_DOUBLE_EQ(again.city.gap, before.city.gap);
}

TEST(Capacity, GaussianDecayWeightsAndConservesPlaces) {
    Town t;
    const std::vector<double> places{160, 210};
    const PlaceReport r = measure_places(t.model, 0, t.rule, places, 4, Decay::kGaussian);
    auto w = [](double d) {
        const double f = std::exp(-0.5);
        return (std::exp(-0.5 * (d / 300) * (d / 300)) - f) / (1 - f);
    };
    // K1: A at 100 m, B at 200 m; K2: B and C at 200 m — as the model measures them (OSM's
    // 7-decimal coordinates move them by centimetres).
    auto dist = [&](FacilityHandle f, HomeId h) {
        for (const auto& [home, d] : t.model.homes_within(f))
            if (home == h) return cm_to_metres(d);
        return -1.0;
    };
    EXPECT_NEAR(dist(t.k1, 0), 100, 0.5);
    EXPECT_NEAR(dist(t.k1, 1), 200, 0.5);
    EXPECT_NEAR(dist(t.k2, 1), 200, 0.5);
    EXPECT_NEAR(dist(t.k2, 2), 200, 0.5);
    EXPECT_EQ(dist(t.k2, 0), -1.0);
    const double r1 = 160 / (w(dist(t.k1, 0)) * 120 + w(dist(t.k1, 1)) * 200);
    const double r2 = 210 / (w(dist(t.k2, 1)) * 200 + w(dist(t.k2, 2)) * 80);
    EXPECT_NEAR(r.detail.ratio[t.k1], r1, 1e-12);
    EXPECT_NEAR(r.detail.ratio[t.k2], r2, 1e-12);
    EXPECT_NEAR(r.detail.access[1], w(dist(t.k1, 1)) * r1 + w(dist(t.k2, 1)) * r2, 1e-12);
    EXPECT_NEAR(r.city.places, 370, 1e-9);  // every place still goes to someone
    EXPECT_LT(w(200), w(100));
}

TEST(Capacity, ReachMatrixAgreesWithCoverage) {
    Town t;
    const ReachMatrix w = reach_matrix(t.model, 0);
    for (HomeId h = 0; h < 4; ++h) {
        double row = 0;
        for (FacilityHandle f = 0; f < 2; ++f) row += w.coeff(h, f);
        EXPECT_EQ(row, t.model.home(0, h).count_within) << h;
        EXPECT_EQ(row > 0, t.model.covered(0, h)) << h;
    }
    EXPECT_THROW(two_step(w, std::vector<double>(3, 1.0), std::vector<double>(2, 1.0)),
                 std::invalid_argument);
}

TEST(Capacity, SeveralSuppliesOnOneMatrixEqualOneAtATime) {
    Town t;
    const ReachMatrix w = reach_matrix(t.model, 0);
    const std::vector<double> demand{120, 200, 80, 50};
    const std::vector<double> a{160, 210}, b{0, 35.5};
    const std::span<const double> both[] = {a, b};
    const std::vector<TwoStepResult> r = two_step(w, demand, both);
    ASSERT_EQ(r.size(), 2u);
    const TwoStepResult ra = two_step(w, demand, a), rb = two_step(w, demand, b);
    EXPECT_EQ(r[0].ratio, ra.ratio);
    EXPECT_EQ(r[0].places, ra.places);
    EXPECT_EQ(r[1].ratio, rb.ratio);
    EXPECT_EQ(r[1].access, rb.access);
    EXPECT_NE(r[0].places, r[1].places);  // the two supplies give different shares
    EXPECT_GT(r[1].places[1] + r[1].places[2], 0);
    const std::vector<double> short_supply{1};
    const std::span<const double> bad[] = {a, short_supply};
    EXPECT_THROW(two_step(w, demand, bad), std::invalid_argument);
}

}  // namespace
}  // namespace lc15

namespace lc15::io {
namespace {

namespace fs = std::filesystem;

fs::path write_rules(const std::string& name, const std::string& extra) {
    static const test::TempDir dir;
    const fs::path p = dir / name;
    std::ofstream(p) << "[[category]]\nid = \"kindergarten\"\nlevel = 5\nradius_m = 300\n"
                        "match = [ { tags = { amenity = \"kindergarten\" } } ]\n"
                     << extra;
    return p;
}

std::string rules_error(const std::string& extra) {
    return test::input_error_of([&] { load_rules(write_rules("r.toml", extra)); });
}

TEST(CapacityRules, ShippedRulesGiveDemandGroupsWithSources) {
    const RuleSet rs = load_rules(fs::path(LC15_SOURCE_DIR) / "configs/rules/gb50180_2018.toml");
    const DemandRule& kg = rs.categories[rs.index_of("kindergarten", "test")].demand;
    EXPECT_EQ(kg.group, "aged_3_6");
    EXPECT_DOUBLE_EQ(kg.share, 0.0231);
    EXPECT_DOUBLE_EQ(kg.default_capacity, 270);
    EXPECT_NE(kg.source.find("第七次全国人口普查"), std::string::npos);
    EXPECT_EQ(kg.capacity_source.rfind("assumed", 0), 0u);
    const DemandRule& old = rs.categories[rs.index_of("nursing_home", "test")].demand;
    EXPECT_DOUBLE_EQ(old.share, 0.2509);  // the census bulletin's 25.09 % aged 60+
    EXPECT_FALSE(rs.categories[rs.index_of("park", "test")].demand.enabled());
    for (const CategoryDef& c : rs.categories) {
        if (!c.demand.enabled()) continue;
        EXPECT_FALSE(c.demand.source.empty()) << c.rule.id;
        EXPECT_FALSE(c.demand.capacity_source.empty()) << c.rule.id;
    }
}

TEST(CapacityRules, BadDemandOrCapacityIsRefusedWithItsLine) {
    EXPECT_EQ(rules_error("demand = { group = \"aged_3_6\", share = 0.02, source = \"x\" }\n"),
              "no error");
    const std::string share =
        rules_error("demand = { group = \"a\", share = 2, source = \"x\" }\n");
    EXPECT_NE(share.find("r.toml:6"), std::string::npos) << share;
    EXPECT_NE(share.find("share must be > 0 and <= 1"), std::string::npos) << share;
    EXPECT_NE(rules_error("demand = { group = \"a\", share = 0.1 }\n").find("without 'source'"),
              std::string::npos);
    EXPECT_NE(rules_error("demand = { group = \"a\", share = 0.1, source = \"x\", per = 3 }\n")
                  .find("unknown key 'per'"),
              std::string::npos);
    EXPECT_NE(rules_error("capacity = { default = -5, source = \"x\" }\n").find("must be > 0"),
              std::string::npos);
    EXPECT_NE(rules_error("capacity = 270\n").find("must be a table"), std::string::npos);
}

TEST(CapacityRules, CityConfigChoosesTheDecay) {
    static const test::TempDir dir;
    auto load = [&](const std::string& extra) {
        std::ofstream(dir / "c.toml")
            << "[city]\nname = \"t\"\nosm = \"x.osm\"\nrules = \""
            << (fs::path(LC15_SOURCE_DIR) / "configs/rules/gb50180_2018.toml").generic_string()
            << "\"\n"
            << extra;
        return load_city_config(dir / "c.toml");
    };
    EXPECT_EQ(load("").places_decay, Decay::kNone);
    EXPECT_EQ(load("[places]\ndecay = \"gaussian\"\n").places_decay, Decay::kGaussian);
    EXPECT_THROW(load("[places]\ndecay = \"linear\"\n"), InputError);
    EXPECT_THROW(load("[places]\nradius = 3\n"), InputError);
}

}  // namespace
}  // namespace lc15::io

namespace lc15::io {
namespace {

// A city loaded from files: OSM kindergartens with capacity=* (one a number, one not), a
// planner's list with a capacity column (a number, an empty cell), the rules' default.
struct CapacityCity {
    test::TempDir dir;
    test::AsciiMap map{R"(
a--------b
 7  8  1 2
)"};
    fs::path config = dir / "city.toml";
    CapacityCity(const std::string& third_capacity) {
        map.tag_node('7', {{"amenity", "kindergarten"}, {"capacity", "90"}});
        map.tag_node('8', {{"amenity", "kindergarten"}, {"capacity", "about 100"}});
        map.write(dir / "m.osm");
        std::ofstream(dir / "pop.csv") << "lon,lat,population\n"
                                       << map.pos('1').lon << "," << map.pos('1').lat << ",500\n";
        std::ofstream kg(dir / "kg.csv");
        kg.precision(10);
        kg << "id,name,lon,lat,places\n"
           << "p1,甲,122.2400,40.6590,120\n"
           << "p2,乙,122.2405,40.6590,\n"
           << "p3,丙," << map.pos('2').lon << "," << map.pos('2').lat << "," << third_capacity
           << "\n";
        std::ofstream(config)
            << "[city]\nname = \"t\"\nosm = \"m.osm\"\nrules = \""
            << (fs::path(LC15_SOURCE_DIR) / "configs/rules/gb50180_2018.toml").generic_string()
            << "\"\n[communities]\nsource = \"whole\"\n"
            << "[population]\nsource = \"file\"\npath = \"pop.csv\"\n"
            << "population_field = \"population\"\n"
            << "[[facilities]]\npath = \"kg.csv\"\ncategory = \"kindergarten\"\n"
            << "capacity_field = \"places\"\n";
    }
};

TEST(CapacityCity, PlannerFieldThenOsmTagThenAssumedDefault) {
    CapacityCity c("60");
    const City city = load_city(load_city_config(c.config));
    std::map<std::string, std::pair<double, std::string>> got;
    for (const FacilityRecord& r : city.facilities)
        if (city.config.rules.categories[r.category].rule.id == "kindergarten")
            got[r.id] = {r.capacity, r.capacity_source};
    ASSERT_EQ(got.size(), 5u);
    EXPECT_EQ(got["p1"], (std::pair<double, std::string>{120, "file"}));
    EXPECT_EQ(got["p2"], (std::pair<double, std::string>{270, "assumed"}));  // empty cell
    EXPECT_EQ(got["p3"], (std::pair<double, std::string>{60, "file"}));
    EXPECT_EQ(got["n" + std::to_string(c.map.node_id('7'))],
              (std::pair<double, std::string>{90, "osm"}));
    EXPECT_EQ(got["n" + std::to_string(c.map.node_id('8'))],
              (std::pair<double, std::string>{270, "assumed"}));  // "about 100" is not a number
    bool warned = false;
    for (const std::string& w : city.warnings) warned |= w.find("capacity=*") != std::string::npos;
    EXPECT_TRUE(warned);
}

TEST(CapacityCity, PlannerCapacityThatIsNotANumberIsAnError) {
    CapacityCity c("sixty");
    try {
        load_city(load_city_config(c.config));
        ADD_FAILURE() << "a capacity of 'sixty' was accepted";
    } catch (const InputError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("kg.csv"), std::string::npos) << m;
        EXPECT_NE(m.find("p3"), std::string::npos) << m;
        EXPECT_NE(m.find("places"), std::string::npos) << m;
    }
}

}  // namespace
}  // namespace lc15::io
