// add_link never makes anyone worse off (issue 12): a new link is not a place homes or
// facilities snap to (it used to be: a 2.3 km footbridge scored +0 / -438 as homes re-snapped
// onto its middle), so the network only gains edges and no home loses coverage.
// Property test on random street networks and random links (seed: LC15_TEST_SEED).
#include <gtest/gtest.h>

#include <random>

#include "engine/error.hpp"
#include "engine/places.hpp"
#include "scenarios/scenario.hpp"
#include "tests/support/test_city.hpp"

namespace lc15::scenarios {
namespace {

LonLat at(double east_m, double north_m) { return test::metres_at(east_m, north_m); }

TEST(RobustScenario, RandomLinksNeverCostAnyoneCoverage) {
    std::mt19937_64 rng(test::test_seed());
    std::uniform_real_distribution<double> coord(0, 1500);
    std::size_t links = 0, gained = 0;
    for (int round = 0; round < 4; ++round) {
        GraphBuilder b;
        const int n = 50;
        std::vector<LonLat> pos(n);
        for (auto& p : pos) p = at(coord(rng), coord(rng));
        for (int i = 0; i < 2 * n; ++i) {
            const int a = static_cast<int>(rng() % n), c = static_cast<int>(rng() % n);
            if (a == c) continue;
            std::vector<WayNode> w{{std::uint64_t(a) + 1, pos[a]}, {std::uint64_t(c) + 1, pos[c]}};
            b.add_way(i + 1, w, 0);
        }
        const WalkGraph g = std::move(b).build();
        ScenarioCity city;
        city.graph = &g;
        city.rules = {CategoryRule{"kindergarten", "幼儿园", "Kindergarten", 5, 300, 1, 1, ""},
                      CategoryRule{"bus_stop", "公交站", "Bus stop", 10, 500, 1, 1, ""}};
        city.stop_category = 1;
        city.facilities.resize(2);
        for (int i = 0; i < 8; ++i)
            city.facilities[i % 2].push_back(
                {"f" + std::to_string(i), "", at(coord(rng), coord(rng))});
        city.options.access_legs = true;
        const Snapper s(g);
        for (int i = 0; i < 250; ++i) {
            const LonLat p = at(coord(rng), coord(rng));
            city.home_pos.push_back(p);
            city.homes.push_back({s.snap(p, 400), 10, static_cast<CommunityId>(i % 2)});
        }
        city.community_names = {"东", "西"};
        const LonLat lo = at(-500, -500), hi = at(2000, 2000);
        city.bbox = {lo.lon, lo.lat, hi.lon, hi.lat};
        city.max_snap_m = 400;
        city.profiles = {{"adult", {1.25, false}}};
        ScenarioEvaluator ev(city);
        for (int k = 0; k < 12; ++k) {
            Edit link;
            link.type = EditType::kAddLink;
            link.index = 1;
            link.where = "t.toml (edit 1)";
            link.points = {at(coord(rng), coord(rng)), at(coord(rng), coord(rng))};
            link.point_names.resize(2);
            Scenario sc;
            sc.name = "link";
            sc.edits = {link};
            ScenarioOutcome o;
            try {
                o = ev.evaluate(sc);
            } catch (const InputError&) {
                continue;  // both ends on one segment: refused, nothing to check
            }
            ++links;
            for (std::size_t c = 0; c < o.city.size(); ++c) {
                EXPECT_EQ(o.city[c].lost, 0) << "round " << round << " link " << k << " category "
                                             << c << ": a new link cost residents coverage";
                gained += o.city[c].gained > 0;
            }
        }
    }
    EXPECT_GE(links, 30u) << "too few links were tried";
    EXPECT_GT(gained, 0u) << "links that help nobody test nothing";
}

}  // namespace
}  // namespace lc15::scenarios
