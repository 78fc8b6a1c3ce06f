// PlaceTracker (engine/capacity.hpp): a long run of seeded random facility edits — adds with
// places, moves, closes, several per scenario, of two categories with places and one without —
// on a city of many communities, with homes beyond the report's communities and of none, and
// fractional populations, so that a sum taken in another order would differ in its last bits.
// After every scenario each field of the tracker's report equals measure_places on the edited
// model bit for bit (plain and Gaussian decay); undo (the model's edits undone with
// restore_facility for a closed facility) gives back the figures of the start, equal to
// measure_places on the model undone; the run gives the same figures with one thread as with
// two.
// Seed fixed, overridable with LC15_TEST_SEED.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <random>

#include "engine/capacity.hpp"
#include "tests/support/facility_edits.hpp"
#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

using test::metres_at;

::testing::AssertionResult same_bits(double a, double b) {
    if (std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << a << " != " << b << " (by " << a - b << ")";
}

void expect_same_entry(const CommunityPlaces& a, const CommunityPlaces& b,
                       const std::string& where) {
    EXPECT_TRUE(same_bits(a.demand, b.demand)) << where << " demand";
    EXPECT_TRUE(same_bits(a.places, b.places)) << where << " places";
    EXPECT_TRUE(same_bits(a.needed, b.needed)) << where << " needed";
    EXPECT_TRUE(same_bits(a.gap, b.gap)) << where << " gap";
    EXPECT_TRUE(same_bits(a.per_1000, b.per_1000)) << where << " per_1000";
}

void expect_same_vector(const std::vector<double>& a, const std::vector<double>& b,
                        const std::string& where) {
    ASSERT_EQ(a.size(), b.size()) << where;
    for (std::size_t i = 0; i < a.size(); ++i)
        ASSERT_TRUE(same_bits(a[i], b[i])) << where << " [" << i << "]";
}

// Every field of two place reports, bit for bit.
void expect_same_places(const PlaceReport& a, const PlaceReport& b, const std::string& where) {
    ASSERT_EQ(a.communities.size(), b.communities.size()) << where;
    for (std::size_t c = 0; c < a.communities.size(); ++c)
        expect_same_entry(a.communities[c], b.communities[c],
                          where + " entry " + std::to_string(c));
    expect_same_entry(a.city, b.city, where + " city");
    EXPECT_TRUE(same_bits(a.supply, b.supply)) << where << " supply";
    EXPECT_TRUE(same_bits(a.supply_reached, b.supply_reached)) << where << " supply_reached";
    expect_same_vector(a.detail.ratio, b.detail.ratio, where + " ratio");
    expect_same_vector(a.detail.access, b.detail.access, where + " access");
    expect_same_vector(a.detail.places, b.detail.places, where + " places per home");
}

constexpr std::uint32_t kCommunities = 40;
constexpr std::uint32_t kWithPlaces = 2;  // categories 0 and 1; category 2 has no demand group

// What the run saw after each scenario, to compare thread counts.
struct Seen {
    std::vector<PlaceReport> reports;
};

Seen long_place_run(std::uint64_t seed, Decay decay, int threads) {
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
    Seen seen;
    std::mt19937_64 rng(seed);
    const WalkGraph g = test::jittered_grid(rng, 16, 80, 20, 10);
    const Snapper snapper(g);
    std::uniform_real_distribution<double> coord(-20, 15 * 80 + 20), pop(0.1, 40.0),
        places(5.0, 300.0);
    std::vector<CategoryRule> rules;
    for (int k = 0; k < 3; ++k) {
        CategoryRule r;
        r.id = "c" + std::to_string(k);
        r.radius_m = 160.0 + 90.0 * k;
        rules.push_back(r);
    }
    const DemandRule demand[kWithPlaces] = {{"aged_3_6", 0.0231, 1000, "test", 270, "assumed"},
                                            {"aged_60_plus", 0.2509, 35, "test", 100, "assumed"}};
    std::vector<Home> homes;
    for (int i = 0; i < 2500; ++i) {
        // Communities as the cells of a 7 x 7 grid: cells 40-44 lie beyond the report's 40,
        // cells 45-48 belong to none.
        const double x = coord(rng), y = coord(rng);
        const auto cell = static_cast<CommunityId>(std::clamp(std::floor(x / 180.0), 0.0, 6.0) * 7 +
                                                   std::clamp(std::floor(y / 180.0), 0.0, 6.0));
        homes.push_back({snapper.snap(metres_at(x, y), 30), rng() % 9 == 0 ? 0.0 : pop(rng),
                         cell >= 45 ? kInvalidId : cell});
    }
    CoverageModel m(g, rules, {});
    m.set_homes(homes);
    auto site = [&] {
        return rng() % 4 == 0 ? homes[rng() % homes.size()].snap
                              : snapper.snap(metres_at(coord(rng), coord(rng)), 40);
    };
    // Places: fractional, now and then none (0 or not given).
    auto some_places = [&] {
        const auto r = rng() % 10;
        return r == 0 ? 0.0 : r == 1 ? std::nan("") : places(rng);
    };
    std::vector<double> supply;
    for (int i = 0; i < 30; ++i) {
        m.add_facility(static_cast<std::uint32_t>(i % 3), site());
        supply.push_back(some_places());
    }
    m.compute();
    auto fresh = [&](std::uint32_t k) {
        return measure_places(m, k, demand[k], supply, kCommunities, decay);
    };
    std::vector<PlaceTracker> trackers;
    std::vector<PlaceReport> base;
    for (std::uint32_t k = 0; k < kWithPlaces; ++k) {
        trackers.emplace_back(m, k, demand[k], supply, kCommunities, decay);
        base.push_back(fresh(k));
        expect_same_places(trackers[k].report(), base[k], "start, category " + std::to_string(k));
    }
    const std::string tag = "seed " + std::to_string(seed) + " decay " +
                            std::to_string(static_cast<int>(decay)) + " threads " +
                            std::to_string(threads);
    for (int scen = 0; scen < 120; ++scen) {
        test::FacilityEdits undo;
        std::vector<FacilityHandle> changed;
        // Half the scenarios tell the trackers after every edit (composed updates), half once.
        const bool each = scen % 2 == 1;
        auto tell = [&] {
            for (auto& t : trackers) t.update(m, changed, supply);
            changed.clear();
        };
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            std::vector<FacilityHandle> open;
            for (FacilityHandle f = 0; f < m.num_facility_handles(); ++f)
                if (m.facility_active(f)) open.push_back(f);
            const int op = open.size() < 6 ? 0 : static_cast<int>(rng() % 3);
            if (op == 0) {
                const FacilityHandle f = undo.add(m, static_cast<std::uint32_t>(rng() % 3), site());
                supply.resize(m.num_facility_handles(), 0.0);
                supply[f] = some_places();
                changed.push_back(f);
            } else {
                const FacilityHandle f = open[rng() % open.size()];
                if (op == 1)
                    undo.move(m, f, site());
                else
                    undo.close(m, f);
                changed.push_back(f);
            }
            if (each) tell();
        }
        tell();
        const std::string where = tag + " scenario " + std::to_string(scen);
        for (std::uint32_t k = 0; k < kWithPlaces; ++k) {
            expect_same_places(trackers[k].report(), fresh(k),
                               where + " category " + std::to_string(k));
            seen.reports.push_back(trackers[k].report());
        }
        if (::testing::Test::HasFailure()) return seen;
        // Undone: the model's edits in reverse, then the trackers'.
        undo.undo(m);
        for (std::uint32_t k = 0; k < kWithPlaces; ++k) {
            trackers[k].undo();
            const std::string wk = where + " undone, category " + std::to_string(k);
            // The tracker equals a fresh measure of the model with its edits undone, and that
            // the start's figures (the handles added since are inactive: ratio 0).
            PlaceReport again = fresh(k);
            expect_same_places(trackers[k].report(), again, wk);
            for (std::size_t f = base[k].detail.ratio.size(); f < again.detail.ratio.size(); ++f)
                EXPECT_EQ(again.detail.ratio[f], 0.0) << wk;
            again.detail.ratio.resize(base[k].detail.ratio.size());
            expect_same_places(again, base[k], wk + " fresh");
        }
        if (::testing::Test::HasFailure()) return seen;
    }
    return seen;
}

TEST(PlaceTracker, LongEditRunEqualsMeasurePlacesForAnyThreadCount) {
    for (const Decay decay : {Decay::kNone, Decay::kGaussian}) {
        const std::uint64_t seed = test::test_seed() + 3000 + static_cast<std::uint64_t>(decay);
        const Seen one = long_place_run(seed, decay, 1);
        if (HasFailure()) return;
        const Seen two = long_place_run(seed, decay, 2);
        if (HasFailure()) return;
        ASSERT_EQ(one.reports.size(), 120u * kWithPlaces);
        ASSERT_EQ(two.reports.size(), one.reports.size());
        for (std::size_t i = 0; i < one.reports.size(); ++i) {
            expect_same_places(two.reports[i], one.reports[i],
                               "2 threads vs 1, report " + std::to_string(i));
            if (HasFailure()) return;
        }
        // The run exercises what it should: places shared out, the homes of no community.
        const PlaceReport& last = one.reports.back();
        EXPECT_GT(last.city.places, 0.0);
        EXPECT_GT(last.communities[kCommunities].demand, 0.0);
    }
}

TEST(PlaceTracker, RefusesAnUpdateItCannotFollow) {
    std::mt19937_64 rng(test::test_seed());
    const WalkGraph g = test::jittered_grid(rng, 4, 100, 10, 0);
    const Snapper s(g);
    CategoryRule r;
    r.radius_m = 200;
    CoverageModel m(g, {r}, {});
    m.set_homes({{s.snap(metres_at(50, 0), 30), 10.0, 0}});
    m.add_facility(0, s.snap(metres_at(0, 0), 30));
    m.compute();
    const DemandRule d{"everyone", 1.0, 100, "test", std::nan(""), ""};
    const std::vector<double> places{5};
    PlaceTracker t(m, 0, d, places, 1);
    EXPECT_DOUBLE_EQ(t.report().city.places, 5.0);
    const FacilityHandle f = m.add_facility(0, s.snap(metres_at(100, 0), 30));
    const FacilityHandle changed[] = {f};
    EXPECT_THROW(t.update(m, changed, places), std::invalid_argument);  // no value for f
    const std::vector<double> two{5, 7};
    const FacilityHandle beyond[] = {f + 1};
    EXPECT_THROW(t.update(m, beyond, two), std::out_of_range);
    t.update(m, changed, two);
    EXPECT_DOUBLE_EQ(t.report().city.places, 12.0);
    m.remove_facility(f);
    t.undo();
    EXPECT_DOUBLE_EQ(t.report().city.places, 5.0);
    t.undo();  // nothing to undo
    EXPECT_DOUBLE_EQ(t.report().city.places, 5.0);
}

}  // namespace
}  // namespace lc15
