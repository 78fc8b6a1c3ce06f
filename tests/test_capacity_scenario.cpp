// Scenarios with places: an added kindergarten's `capacity` closes exactly the 2SFCA place gap
// it reaches, the same file without the key leaves the place figures of the base, and a
// capacity that would change nothing is refused. Seeded random scenarios of facility edits
// give the place figures of a fresh measure_places on the edited city bit for bit, with one
// thread as with two, and leave the evaluator's base as a fresh evaluator's.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <bit>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>

#include "engine/capacity.hpp"
#include "engine/error.hpp"
#include "scenarios/scenario.hpp"
#include "tests/support/ascii_map.hpp"
#include "tests/support/facility_edits.hpp"
#include "tests/support/scenario_edits.hpp"
#include "tests/support/test_city.hpp"

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

// A random street grid with kindergartens and elderly homes (places against demand) and parks
// (none); 30 communities, some homes beyond them and some of none; fractional populations.
struct PlacesCity {
    WalkGraph g;
    ScenarioCity city;
    std::mt19937_64 rng;
    std::uniform_real_distribution<double> coord{0, 1300}, pop{0.5, 60.0};

    PlacesCity(std::uint64_t seed, Decay decay) : rng(seed) {
        g = test::jittered_grid(rng, 14, 100, 25, 10);
        city.graph = &g;
        city.rules = {CategoryRule{"kindergarten", "幼儿园", "Kindergarten", 5, 300, 1, 1, ""},
                      CategoryRule{"elderly_care", "养老院", "Elderly care", 15, 500, 1, 1, ""},
                      CategoryRule{"park", "公园", "Park", 15, 400, 1, 1, ""}};
        city.demand = {DemandRule{"aged_3_6", 0.0231, 1000, "test", 270, "assumed"},
                       DemandRule{"aged_60_plus", 0.2509, 35, "test", 100, "assumed"}};
        city.decay = decay;
        city.facilities.resize(3);
        city.facility_places.resize(2);
        for (std::uint32_t k = 0; k < 3; ++k) {
            for (int i = 0; i < 8; ++i) {
                const std::string id = city.rules[k].id + std::to_string(i);
                city.facilities[k].push_back({id, id, point()});
                if (k < 2) city.facility_places[k].push_back(5 + 0.37 * (rng() % 800));
            }
        }
        Snapper s(g);
        for (int i = 0; i < 1500; ++i) {
            const LonLat p = point();
            const auto c = static_cast<CommunityId>(rng() % 34);
            city.home_pos.push_back(p);
            city.homes.push_back(
                {s.snap(p, 300), rng() % 11 == 0 ? 0.0 : pop(rng), c >= 32 ? kInvalidId : c});
        }
        for (int c = 0; c < 30; ++c) city.community_names.push_back("c" + std::to_string(c));
        const LonLat lo = test::metres_at(-200, -200), hi = test::metres_at(1600, 1600);
        city.bbox = {lo.lon, lo.lat, hi.lon, hi.lat};
        city.max_snap_m = 300;
        city.profiles = {{"adult", {1.25, false}}};
    }
    LonLat point() { return test::metres_at(coord(rng), coord(rng)); }
};

using lc15::test::scenario;

::testing::AssertionResult same_bits(double a, double b) {
    if (std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << a << " != " << b;
}

// The place figures of a category of an outcome, after (or before) the scenario.
void expect_places(const CategoryChange& c, const CommunityPlaces& want, bool after,
                   const std::string& where) {
    ASSERT_TRUE(c.has_places) << where;
    EXPECT_TRUE(same_bits(after ? c.demand_after : c.demand_before, want.demand)) << where;
    EXPECT_TRUE(same_bits(after ? c.places_after : c.places_before, want.places)) << where;
    EXPECT_TRUE(same_bits(after ? c.gap_after : c.gap_before, want.gap)) << where;
}

// Each scenario: 1-4 edits (add with or without capacity, move, close) of any category,
// evaluated; the same edits applied to a model built as the evaluator builds its base, and
// measure_places on it, must give the outcome's figures. Returns every outcome.
std::vector<ScenarioOutcome> random_place_scenarios(PlacesCity& t, int threads) {
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
    const ScenarioCity& city = t.city;
    ScenarioEvaluator ev(city);
    // The reference: the base model as the evaluator makes it, edited alike.
    CoverageModel ref(*city.graph, city.rules, city.options);
    ref.set_homes(city.homes);
    const auto snapper = make_snapper(city, *city.graph, city.options.forbidden_flags);
    std::vector<std::vector<FacilityHandle>> handles(3);
    std::vector<double> supply;
    for (std::uint32_t k = 0; k < 3; ++k) {
        for (std::size_t i = 0; i < city.facilities[k].size(); ++i) {
            handles[k].push_back(
                ref.add_facility(k, snap_facility(city, *snapper, k, i, city.max_snap_m)));
            supply.push_back(k < 2 ? city.facility_places[k][i] : 0.0);
        }
    }
    ref.compute();
    const auto nc = static_cast<std::uint32_t>(city.community_names.size());
    auto fresh = [&](std::uint32_t k) {
        return measure_places(ref, k, city.demand[k], supply, nc, city.decay);
    };
    const PlaceReport base[2] = {fresh(0), fresh(1)};
    std::vector<ScenarioOutcome> outcomes;
    for (int n = 0; n < 60; ++n) {
        std::vector<Edit> edits;
        test::FacilityEdits undo;
        std::vector<std::vector<char>> closed(3, std::vector<char>(8, 0));
        const int count = 1 + static_cast<int>(t.rng() % 4);
        for (int i = 0; i < count; ++i) {
            const auto k = static_cast<std::uint32_t>(t.rng() % 3);
            const std::size_t j = t.rng() % 8;
            const int op = static_cast<int>(t.rng() % 3);
            Edit e;
            e.category = city.rules[k].id;
            if (op == 0 || closed[k][j]) {
                e.type = EditType::kAddFacility;
                e.points = {t.point()};
                if (k < 2 && t.rng() % 3 != 0) e.capacity = 10 + 0.53 * (t.rng() % 500);
                const double places = k == 2                   ? 0.0
                                      : std::isnan(e.capacity) ? 270.0 - 170.0 * k
                                                               : e.capacity;
                const FacilityHandle f = undo.add(ref, k, snapper->snap(e.points[0], 300));
                supply.resize(ref.num_facility_handles(), 0.0);
                supply[f] = places;
            } else {
                const FacilityHandle f = handles[k][j];
                e.ref = city.facilities[k][j].id;
                if (op == 1) {
                    e.type = EditType::kMoveFacility;
                    e.points = {t.point()};
                    undo.move(ref, f, snapper->snap(e.points[0], 300));
                } else {
                    e.type = EditType::kCloseFacility;
                    undo.close(ref, f);
                    closed[k][j] = 1;
                }
            }
            edits.push_back(std::move(e));
        }
        const ScenarioOutcome out = ev.evaluate(scenario("random " + std::to_string(n), edits));
        for (std::uint32_t k = 0; k < 2; ++k) {
            const PlaceReport want = fresh(k);
            const std::string where = "scenario " + std::to_string(n) + " category " +
                                      std::to_string(k) + " threads " + std::to_string(threads);
            for (std::uint32_t c = 0; c < nc; ++c) {
                expect_places(out.communities[c].by_category[k], want.communities[c], true,
                              where + " community " + std::to_string(c));
                expect_places(out.communities[c].by_category[k], base[k].communities[c], false,
                              where + " community " + std::to_string(c) + " before");
            }
            expect_places(out.city[k], want.city, true, where + " city");
            expect_places(out.city[k], base[k].city, false, where + " city before");
        }
        if (::testing::Test::HasFailure()) return outcomes;
        outcomes.push_back(out);
        undo.undo(ref);
    }
    return outcomes;
}

TEST(CapacityScenario, RandomFacilityEditsGiveTheFiguresOfAFreshMeasure) {
    for (const Decay decay : {Decay::kNone, Decay::kGaussian}) {
        const std::uint64_t seed = test::test_seed() + 5000 + static_cast<std::uint64_t>(decay);
        PlacesCity one_city(seed, decay), two_city(seed, decay);
        const auto one = random_place_scenarios(one_city, 1);
        if (HasFailure()) return;
        const auto two = random_place_scenarios(two_city, 2);
        if (HasFailure()) return;
        ASSERT_EQ(one.size(), 60u);
        ASSERT_EQ(two.size(), one.size());
        double gained = 0;
        for (std::size_t i = 0; i < one.size(); ++i) {
            for (std::uint32_t k = 0; k < 2; ++k) {
                const CategoryChange& a = one[i].city[k];
                const CategoryChange& b = two[i].city[k];
                EXPECT_TRUE(same_bits(a.places_after, b.places_after)) << i;
                EXPECT_TRUE(same_bits(a.gap_after, b.gap_after)) << i;
                gained += std::abs(a.places_after - a.places_before);
            }
        }
        EXPECT_GT(gained, 0.0);  // the edits did move places about
    }
}

// After scenarios (also one refused halfway through, after edits of it were made) the
// evaluator's base is a fresh evaluator's: its places bit for bit, every home result of its
// model, and the next scenario's figures.
TEST(CapacityScenario, UndoLeavesTheBaseOfAFreshEvaluator) {
    PlacesCity t(test::test_seed() + 6000, Decay::kGaussian);
    ScenarioEvaluator used(t.city);
    auto add = [&](std::uint32_t k, double capacity) {
        Edit e;
        e.type = EditType::kAddFacility;
        e.category = t.city.rules[k].id;
        e.points = {t.point()};
        e.capacity = capacity;
        return e;
    };
    auto on = [&](EditType type, std::uint32_t k, std::size_t i) {
        Edit e;
        e.type = type;
        e.category = t.city.rules[k].id;
        e.ref = t.city.facilities[k][i].id;
        if (type == EditType::kMoveFacility) e.points = {t.point()};
        return e;
    };
    const Scenario probe = scenario("probe", {add(0, 180), on(EditType::kCloseFacility, 1, 2),
                                              on(EditType::kMoveFacility, 0, 5)});
    for (int n = 0; n < 10; ++n) {
        used.evaluate(scenario("s", {on(EditType::kCloseFacility, 0, n % 8), add(1, 60),
                                     on(EditType::kMoveFacility, 1, (n + 3) % 8),
                                     on(EditType::kCloseFacility, 1, (n + 5) % 8)}));
    }
    // Refused at its third edit: the facility was closed by the first.
    EXPECT_THROW(used.evaluate(scenario("refused", {on(EditType::kCloseFacility, 0, 1), add(0, 90),
                                                    on(EditType::kMoveFacility, 0, 1)})),
                 InputError);
    ScenarioEvaluator fresh(t.city);
    for (std::uint32_t k = 0; k < 3; ++k) {
        const PlaceReport* a = used.base_places(k);
        const PlaceReport* b = fresh.base_places(k);
        ASSERT_EQ(a == nullptr, k == 2);
        ASSERT_EQ(b == nullptr, k == 2);
        if (!a) continue;
        const std::string where = "category " + std::to_string(k);
        ASSERT_EQ(a->communities.size(), b->communities.size());
        for (std::size_t c = 0; c < a->communities.size(); ++c) {
            EXPECT_TRUE(same_bits(a->communities[c].places, b->communities[c].places)) << where;
            EXPECT_TRUE(same_bits(a->communities[c].gap, b->communities[c].gap)) << where;
            EXPECT_TRUE(same_bits(a->communities[c].per_1000, b->communities[c].per_1000)) << where;
        }
        EXPECT_TRUE(same_bits(a->city.places, b->city.places)) << where;
        EXPECT_TRUE(same_bits(a->city.gap, b->city.gap)) << where;
        EXPECT_TRUE(same_bits(a->supply, b->supply)) << where;
        EXPECT_TRUE(same_bits(a->supply_reached, b->supply_reached)) << where;
        // The handles the scenarios added are inactive: ratio 0.
        std::vector<double> ratio = b->detail.ratio;
        ASSERT_GE(a->detail.ratio.size(), ratio.size());
        ratio.resize(a->detail.ratio.size(), 0.0);
        EXPECT_EQ(a->detail.ratio, ratio) << where;
        EXPECT_EQ(a->detail.access, b->detail.access) << where;
        EXPECT_EQ(a->detail.places, b->detail.places) << where;
    }
    const CoverageModel& mu = used.base_model();
    const CoverageModel& mf = fresh.base_model();
    for (std::uint32_t k = 0; k < 3; ++k)
        for (HomeId h = 0; h < t.city.homes.size(); ++h)
            ASSERT_EQ(mu.home(k, h), mf.home(k, h)) << "category " << k << " home " << h;
    const ScenarioOutcome a = used.evaluate(probe), b = fresh.evaluate(probe);
    for (std::uint32_t k = 0; k < 2; ++k) {
        EXPECT_TRUE(same_bits(a.city[k].places_after, b.city[k].places_after));
        EXPECT_TRUE(same_bits(a.city[k].gap_after, b.city[k].gap_after));
    }
    EXPECT_TRUE(same_bits(a.city_score_after, b.city_score_after));
}

}  // namespace
}  // namespace lc15::scenarios
