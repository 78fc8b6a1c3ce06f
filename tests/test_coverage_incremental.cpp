// Property test: incremental edits (add / remove / move facility) leave the CoverageModel in
// exactly the state a fresh compute() with the same active facilities gives, and the Delta
// lists exactly the homes whose results changed; a report brought up to date with
// update_report after every edit (and one after several edits at once) equals a fresh report()
// bit for bit. Facilities have one or several entrances (some sharing an edge, some repeated,
// some off the network). Seed fixed, overridable with LC15_TEST_SEED.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <map>
#include <random>

#include "engine/coverage.hpp"

#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

constexpr double kMetreLat = 1.0 / (kEarthRadiusM * kPi / 180.0);

using lc15::test::test_seed;

LonLat at(double x, double y) {
    const double lat = 40.6 + y * kMetreLat;
    return {122.2 + x * kMetreLat / std::cos(deg2rad(lat)), lat};
}

// A jittered street grid: some blocks merged (edges removed), some steps, some bent streets.
WalkGraph street_graph(std::mt19937_64& rng, int nx, int ny, double spacing) {
    std::uniform_real_distribution<double> jitter(-0.25 * spacing, 0.25 * spacing);
    std::vector<LonLat> pos(static_cast<std::size_t>(nx) * ny);
    for (int i = 0; i < nx; ++i)
        for (int j = 0; j < ny; ++j)
            pos[i * ny + j] = at(i * spacing + jitter(rng), j * spacing + jitter(rng));
    GraphBuilder b;
    std::int64_t id = 1;
    std::uint64_t shape_key = 1u << 30;
    for (int i = 0; i < nx; ++i) {
        for (int j = 0; j < ny; ++j) {
            for (auto [di, dj] : {std::pair{1, 0}, std::pair{0, 1}}) {
                if (i + di >= nx || j + dj >= ny || rng() % 6 == 0) continue;
                const int a = i * ny + j, c = (i + di) * ny + (j + dj);
                std::vector<WayNode> nodes{{std::uint64_t(a) + 1, pos[a]}};
                if (rng() % 4 == 0) {  // a bend in the middle
                    nodes.push_back({shape_key++, interpolate(pos[a], pos[c], 0.5)});
                    nodes.back().pos.lat += jitter(rng) * kMetreLat * 0.3;
                }
                nodes.push_back({std::uint64_t(c) + 1, pos[c]});
                b.add_way(id++, nodes, rng() % 7 == 0 ? kEdgeSteps : 0);
            }
        }
    }
    return std::move(b).build();
}

struct Scenario {
    std::vector<CategoryRule> rules;
    CoverageOptions options;
};

void expect_same_as_fresh(const CoverageModel& m, const std::string& where) {
    CoverageModel fresh(m.graph(), m.rules(), m.options());
    fresh.set_homes(m.homes());
    // Same handles: add every handle ever issued, then remove the inactive ones before compute.
    for (FacilityHandle f = 0; f < m.num_facility_handles(); ++f) {
        const FacilityHandle g =
            fresh.add_facility(m.facility_category(f), m.facility_entrances(f));
        ASSERT_EQ(g, f);
    }
    for (FacilityHandle f = 0; f < m.num_facility_handles(); ++f) {
        if (!m.facility_active(f)) fresh.remove_facility(f);
    }
    fresh.compute();
    for (std::uint32_t k = 0; k < m.rules().size(); ++k) {
        for (HomeId h = 0; h < m.homes().size(); ++h) {
            const HomeCategoryResult& a = m.home(k, h);
            const HomeCategoryResult& b = fresh.home(k, h);
            ASSERT_EQ(a.nearest, b.nearest) << where << " cat " << k << " home " << h;
            ASSERT_EQ(a.nearest_facility, b.nearest_facility)
                << where << " cat " << k << " home " << h;
            ASSERT_EQ(a.count_within, b.count_within) << where << " cat " << k << " home " << h;
        }
    }
    const CoverageReport ra = m.report(4), rb = fresh.report(4);
    for (std::uint32_t c = 0; c < 4; ++c) {
        for (std::uint32_t k = 0; k < m.rules().size(); ++k) {
            ASSERT_EQ(ra.communities[c].by_category[k].facilities_within,
                      rb.communities[c].by_category[k].facilities_within)
                << where;
        }
        ASSERT_EQ(ra.communities[c].score, rb.communities[c].score) << where;
    }
}

// Bit-identical doubles (also -0.0 against 0.0).
::testing::AssertionResult same_bits(double a, double b) {
    if (std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b))
        return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << a << " != " << b;
}

void expect_reports_identical(const CoverageReport& a, const CoverageReport& b,
                              const std::string& where) {
    ASSERT_EQ(a.communities.size(), b.communities.size()) << where;
    ASSERT_EQ(a.city.size(), b.city.size()) << where;
    for (std::size_t c = 0; c < a.communities.size(); ++c) {
        const CommunityMetrics& x = a.communities[c];
        const CommunityMetrics& y = b.communities[c];
        const std::string at = where + " community " + std::to_string(c);
        ASSERT_EQ(x.by_category.size(), y.by_category.size()) << at;
        for (std::size_t k = 0; k < x.by_category.size(); ++k) {
            const CategoryCommunityMetrics& p = x.by_category[k];
            const CategoryCommunityMetrics& q = y.by_category[k];
            const std::string ak = at + " cat " + std::to_string(k);
            ASSERT_TRUE(same_bits(p.population, q.population)) << ak;
            ASSERT_TRUE(same_bits(p.covered_population, q.covered_population)) << ak;
            ASSERT_TRUE(same_bits(p.share, q.share)) << ak;
            ASSERT_TRUE(same_bits(p.median_m, q.median_m)) << ak;
            ASSERT_TRUE(same_bits(p.p90_m, q.p90_m)) << ak;
            ASSERT_EQ(p.facilities_within, q.facilities_within) << ak;
            ASSERT_EQ(p.pass, q.pass) << ak;
        }
        ASSERT_TRUE(same_bits(x.score, y.score)) << at;
        ASSERT_EQ(x.lacking, y.lacking) << at;
    }
    for (std::size_t k = 0; k < a.city.size(); ++k) {
        const std::string ak = where + " city cat " + std::to_string(k);
        ASSERT_TRUE(same_bits(a.city[k].population, b.city[k].population)) << ak;
        ASSERT_TRUE(same_bits(a.city[k].covered_population, b.city[k].covered_population)) << ak;
        ASSERT_TRUE(same_bits(a.city[k].share, b.city[k].share)) << ak;
    }
    ASSERT_EQ(a.outside.size(), b.outside.size()) << where;
    for (std::size_t k = 0; k < a.outside.size(); ++k) {
        const std::string ak = where + " outside cat " + std::to_string(k);
        ASSERT_TRUE(same_bits(a.outside[k].population, b.outside[k].population)) << ak;
        ASSERT_TRUE(same_bits(a.outside[k].covered_population, b.outside[k].covered_population))
            << ak;
        ASSERT_TRUE(same_bits(a.outside[k].share, b.outside[k].share)) << ak;
    }
    ASSERT_TRUE(same_bits(a.city_score, b.city_score)) << where;
}

using Snapshot = std::vector<std::vector<HomeCategoryResult>>;
Snapshot snapshot(const CoverageModel& m) {
    Snapshot s(m.rules().size());
    for (std::uint32_t k = 0; k < m.rules().size(); ++k)
        for (HomeId h = 0; h < m.homes().size(); ++h) s[k].push_back(m.home(k, h));
    return s;
}

void expect_delta_exact(const Snapshot& before, const Snapshot& after, const Delta& d,
                        const std::string& where) {
    std::map<std::pair<std::uint32_t, HomeId>, const HomeChange*> listed;
    for (std::size_t i = 0; i < d.changes.size(); ++i) {
        const HomeChange& c = d.changes[i];
        if (i > 0) {
            const HomeChange& p = d.changes[i - 1];
            ASSERT_TRUE(std::pair(p.category, p.home) < std::pair(c.category, c.home))
                << where << ": not sorted";
        }
        listed[{c.category, c.home}] = &c;
    }
    for (std::uint32_t k = 0; k < before.size(); ++k) {
        for (HomeId h = 0; h < before[k].size(); ++h) {
            const bool changed = !(before[k][h] == after[k][h]);
            auto it = listed.find({k, h});
            ASSERT_EQ(changed, it != listed.end()) << where << " cat " << k << " home " << h;
            if (changed) {
                ASSERT_EQ(it->second->before, before[k][h]) << where;
                ASSERT_EQ(it->second->after, after[k][h]) << where;
            }
        }
    }
}

void run_property(std::uint64_t seed, bool access_legs, std::uint8_t forbidden) {
    std::mt19937_64 rng(seed);
    const int nx = 6 + static_cast<int>(rng() % 6), ny = 6 + static_cast<int>(rng() % 6);
    const double spacing = 60 + static_cast<double>(rng() % 60);
    const WalkGraph g = street_graph(rng, nx, ny, spacing);
    const Snapper snapper(g, forbidden);
    std::uniform_real_distribution<double> x(-20, nx * spacing), y(-20, ny * spacing);
    std::vector<CategoryRule> rules;
    for (int k = 0; k < 3; ++k) {
        CategoryRule r;
        r.id = "c" + std::to_string(k);
        r.radius_m = spacing * (1.0 + k);  // a few blocks
        rules.push_back(r);
    }
    CoverageModel m(g, rules, CoverageOptions{access_legs, forbidden, 1.0});
    std::vector<Home> homes;
    // Populations with fractions (sums round differently in another order), a few empty
    // homes; community 4 lies beyond the report's 4 communities (city figures only).
    std::uniform_real_distribution<double> pop(0.1, 40.0);
    const int nh = 40 + static_cast<int>(rng() % 80);
    for (int i = 0; i < nh; ++i) {
        const SnapResult s = snapper.snap(at(x(rng), y(rng)), 30);
        const double p = rng() % 10 == 0 ? 0.0 : pop(rng);
        const auto c = static_cast<CommunityId>(rng() % 5);
        homes.push_back({s, p, c == 4 && rng() % 2 ? kInvalidId : c});
    }
    m.set_homes(homes);
    // Exact ties matter (the lower handle must win everywhere): some facilities sit where a
    // home or another facility already is.
    auto random_snap = [&]() {
        if (rng() % 5 == 0 && !homes.empty()) return homes[rng() % homes.size()].snap;
        if (rng() % 3 == 0 && m.num_facility_handles() > 0)
            return m.facility_snap(rng() % m.num_facility_handles());
        return snapper.snap(at(x(rng), y(rng)), 40);
    };
    // One entrance, or several: near each other on one edge, repeated, or spread out.
    auto random_entrances = [&]() {
        std::vector<SnapResult> e{random_snap()};
        if (rng() % 2 == 0) return e;
        const int extra = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < extra; ++i) {
            const int kind = static_cast<int>(rng() % 5);
            if (kind == 0) {
                e.push_back(e.front());
            } else if (kind == 1) {
                e.push_back(SnapResult{});
            } else if (kind == 2 && e.front().ok()) {
                SnapResult s = e.front();  // another point on the same edge
                const Distance len = s.off_tail + s.off_head;
                s.off_tail = static_cast<Distance>(rng() % (len + 1));
                s.off_head = len - s.off_tail;
                e.push_back(s);
            } else {
                e.push_back(random_snap());
            }
        }
        return e;
    };
    for (int i = 0; i < 4; ++i)
        m.add_facility(static_cast<std::uint32_t>(rng() % 3), random_entrances());
    m.compute();
    const std::string tag = "seed " + std::to_string(seed);
    expect_same_as_fresh(m, tag + " initial");
    CoverageReport updated = m.report(4);  // updated after every edit
    CoverageReport batched = updated;      // updated every few edits with their deltas at once
    Delta pending;
    for (int step = 0; step < 25; ++step) {
        std::vector<FacilityHandle> active;
        for (FacilityHandle f = 0; f < m.num_facility_handles(); ++f)
            if (m.facility_active(f)) active.push_back(f);
        const Snapshot before = snapshot(m);
        Delta d;
        const int op = active.empty() ? 0 : static_cast<int>(rng() % 3);
        std::string what;
        if (op == 0) {
            const auto cat = static_cast<std::uint32_t>(rng() % 3);
            m.add_facility(cat, random_entrances(), &d);
            what = "add";
        } else if (op == 1) {
            m.remove_facility(active[rng() % active.size()], &d);
            what = "remove";
        } else {
            m.move_facility(active[rng() % active.size()], random_entrances(), &d);
            what = "move";
        }
        const std::string where = tag + " step " + std::to_string(step) + " " + what;
        expect_same_as_fresh(m, where);
        expect_delta_exact(before, snapshot(m), d, where);
        const CoverageReport fresh = m.report(4);
        m.update_report(updated, d);
        expect_reports_identical(updated, fresh, where + " update_report");
        pending.changes.insert(pending.changes.end(), d.changes.begin(), d.changes.end());
        if (step % 4 == 3) {
            m.update_report(batched, pending);
            pending.changes.clear();
            expect_reports_identical(batched, fresh, where + " update_report, 4 edits");
        }
        if (::testing::Test::HasFatalFailure()) return;
    }
}

TEST(CoverageIncremental, EditsMatchFreshComputation) {
    const std::uint64_t base = test_seed();
    for (std::uint64_t i = 0; i < 24; ++i) {
        run_property(base + i, i % 2 == 0, i % 3 == 0 ? std::uint8_t{kEdgeSteps} : std::uint8_t{0});
        if (HasFatalFailure()) return;
    }
}

// The population-weighted quantile as first written: stable sort of (distance, population) in
// home order, the total and the running sum in that order.
double oracle_quantile(std::vector<std::pair<Distance, double>> v, double q) {
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    double total = 0;
    for (const auto& x : v) total += x.second;
    if (!(total > 0)) return -1;
    const double want = q * total * (1.0 - 1e-12);
    double cum = 0;
    for (const auto& x : v) {
        cum += x.second;
        if (cum >= want && x.second > 0)
            return x.first == kInfDistance ? -1.0 : cm_to_metres(x.first);
    }
    return -1;
}

// Communities of a few thousand homes (the report sorts those by radix, short ones by
// std::sort), with many equal distances (homes sharing a snap) and unreached homes: medians and
// 90th percentiles equal the stable-sort oracle bit for bit, before and after edits.
TEST(CoverageIncremental, QuantilesOfLargeCommunitiesMatchStableSort) {
    std::mt19937_64 rng(test_seed() + 1000);
    const WalkGraph g = street_graph(rng, 12, 12, 80);
    const Snapper snapper(g);
    std::uniform_real_distribution<double> x(-20, 12 * 80), pop(0.1, 40.0);
    std::vector<CategoryRule> rules(2);
    rules[0].radius_m = 150;
    rules[1].radius_m = 400;
    std::vector<Home> homes;
    for (int i = 0; i < 3000; ++i) {
        SnapResult s = snapper.snap(at(x(rng), x(rng)), 30);
        if (i % 4 == 1) s = homes[rng() % homes.size()].snap;  // shares a snap: a tie
        if (i % 50 == 7) s = SnapResult{};                     // off the network: unreached
        const auto c = static_cast<CommunityId>(i % 7 == 0 ? 2 : i % 2);  // 2: a short one
        homes.push_back({s, i % 13 == 0 ? 0.0 : pop(rng), c});
    }
    CoverageModel m(g, rules, {});
    m.set_homes(homes);
    for (int i = 0; i < 3; ++i)
        m.add_facility(static_cast<std::uint32_t>(i % 2), snapper.snap(at(x(rng), x(rng)), 40));
    m.compute();
    CoverageReport updated = m.report(3);
    for (int step = 0; step < 6; ++step) {
        const CoverageReport r = m.report(3);
        std::size_t largest = 0;
        for (std::uint32_t c = 0; c < 3; ++c) {
            for (std::uint32_t k = 0; k < 2; ++k) {
                std::vector<std::pair<Distance, double>> v;
                for (HomeId h = 0; h < homes.size(); ++h)
                    if (homes[h].community == c)
                        v.emplace_back(m.home(k, h).nearest, homes[h].population);
                largest = std::max(largest, v.size());
                const std::string at = "step " + std::to_string(step) + " community " +
                                       std::to_string(c) + " cat " + std::to_string(k);
                EXPECT_TRUE(
                    same_bits(r.communities[c].by_category[k].median_m, oracle_quantile(v, 0.5)))
                    << at;
                EXPECT_TRUE(
                    same_bits(r.communities[c].by_category[k].p90_m, oracle_quantile(v, 0.9)))
                    << at;
            }
        }
        ASSERT_GT(largest, 1000u);
        expect_reports_identical(updated, r, "step " + std::to_string(step));
        Delta d;
        m.add_facility(static_cast<std::uint32_t>(step % 2), snapper.snap(at(x(rng), x(rng)), 40),
                       &d);
        m.update_report(updated, d);
    }
}

TEST(CoverageIncremental, UpdateReportRefusesAnotherModelsReport) {
    GraphBuilder b;
    std::vector<WayNode> nodes{{1, at(0, 0)}, {2, at(500, 0)}};
    b.add_way(1, nodes, 0);
    const WalkGraph g = std::move(b).build();
    const Snapper s(g);
    CategoryRule r;
    r.radius_m = 300;
    CoverageModel m(g, {r, r}, {});
    m.set_homes({{s.snap(at(100, 0), 10), 2.0, 0}, {s.snap(at(450, 0), 10), 3.0, 0}});
    CoverageReport rep;
    EXPECT_THROW(m.update_report(rep, {}), std::logic_error);
    m.compute();
    rep = m.report(1);
    // A kindergarten at 0 m: the home at 100 m is covered, the one at 450 m is not.
    Delta d;
    m.add_facility(0, s.snap(at(0, 0), 10), &d);
    m.update_report(rep, d);
    EXPECT_DOUBLE_EQ(rep.communities[0].by_category[0].covered_population, 2.0);
    EXPECT_DOUBLE_EQ(rep.communities[0].by_category[0].share, 0.4);
    EXPECT_NEAR(rep.communities[0].by_category[0].median_m, 450.0, 0.02);  // 2 of 5 at 100 m
    EXPECT_EQ(rep.communities[0].by_category[0].facilities_within, 1u);
    EXPECT_EQ(rep.communities[0].by_category[1].median_m, -1.0);  // untouched: none reached
    EXPECT_DOUBLE_EQ(rep.city_score, 20.0);                       // (0.4 + 0) / 2
    CoverageReport other = rep;
    other.city.pop_back();
    EXPECT_THROW(m.update_report(other, d), std::invalid_argument);
    Delta bad;
    bad.changes.push_back({0, 7, {}, {}});
    EXPECT_THROW(m.update_report(rep, bad), std::out_of_range);
}

// A park with entrances at both ends of a 1 km street: each home walks to the nearer one, and
// a home within the radius of both still counts the park once.
TEST(CoverageIncremental, SeveralEntrancesCountOnce) {
    GraphBuilder b;
    std::vector<WayNode> nodes{{1, at(0, 0)}, {2, at(1000, 0)}};
    b.add_way(1, nodes, 0);
    const WalkGraph g = std::move(b).build();
    const Snapper s(g);
    CategoryRule r;
    r.radius_m = 600;
    CoverageModel m(g, {r}, {});
    m.set_homes({{s.snap(at(100, 0), 10), 1.0, 0},
                 {s.snap(at(500, 0), 10), 1.0, 0},
                 {s.snap(at(900, 0), 10), 1.0, 0}});
    const FacilityHandle park = m.add_facility(0, {s.snap(at(0, 0), 10), s.snap(at(1000, 0), 10)});
    m.compute();
    EXPECT_NEAR(cm_to_metres(m.home(0, 0).nearest), 100.0, 0.02);
    EXPECT_NEAR(cm_to_metres(m.home(0, 1).nearest), 500.0, 0.02);
    EXPECT_NEAR(cm_to_metres(m.home(0, 2).nearest), 100.0, 0.02);
    for (HomeId h = 0; h < 3; ++h) {
        EXPECT_EQ(m.home(0, h).nearest_facility, park);
        EXPECT_EQ(m.home(0, h).count_within, 1u) << h;
    }
    EXPECT_EQ(m.report(1).communities[0].by_category[0].facilities_within, 1u);
    EXPECT_EQ(m.facility_entrances(park).size(), 2u);
    // Closing the east gate: the east home now walks 900 m, beyond the radius.
    Delta d;
    m.move_facility(park, std::vector<SnapResult>{s.snap(at(0, 0), 10)}, &d);
    EXPECT_NEAR(cm_to_metres(m.home(0, 2).nearest), 900.0, 0.02);
    EXPECT_EQ(m.home(0, 2).count_within, 0u);
    ASSERT_EQ(d.changes.size(), 1u);
    EXPECT_EQ(d.changes[0].home, 2u);
}

// A long run of edits on a city of many communities, with homes of no community (ids beyond the
// report's and none at all) and fractional populations, so that city sums taken in another order
// than report()'s would differ in their last bits. After every edit update_report equals a fresh
// report() bit for bit; the city figures are the communities' plus the outside part, and
// facilities_within matches a count from homes_within. The whole run gives the same reports
// with one thread as with two. Returns the report after each edit.
std::vector<CoverageReport> long_edit_run(std::uint64_t seed, int threads) {
    tbb::global_control gc(tbb::global_control::max_allowed_parallelism, threads);
    std::mt19937_64 rng(seed);
    const WalkGraph g = street_graph(rng, 16, 16, 70);
    const Snapper snapper(g);
    std::uniform_real_distribution<double> x(-20, 16 * 70), pop(0.1, 40.0);
    std::vector<CategoryRule> rules;
    for (int k = 0; k < 3; ++k) {
        CategoryRule r;
        r.id = "c" + std::to_string(k);
        r.radius_m = 90.0 * (1 + k);
        r.weight = 1.0 + k;
        rules.push_back(r);
    }
    constexpr std::uint32_t kCommunities = 40;
    std::vector<Home> homes;
    for (int i = 0; i < 2500; ++i) {
        // Communities as the cells of a 7 x 7 grid over the map (a community's homes lie
        // together): cells 40-44 lie beyond the report's 40, cells 45-48 belong to none.
        const double px = x(rng), py = x(rng);
        const LonLat p = at(px, py);
        const auto cell =
            static_cast<CommunityId>(std::clamp(std::floor(px / 160.0), 0.0, 6.0) * 7 +
                                     std::clamp(std::floor(py / 160.0), 0.0, 6.0));
        const CommunityId c = cell >= 45 ? kInvalidId : cell;
        homes.push_back({snapper.snap(p, 30), rng() % 9 == 0 ? 0.0 : pop(rng), c});
    }
    CoverageModel m(g, rules, {});
    m.set_homes(homes);
    for (int i = 0; i < 12; ++i)
        m.add_facility(static_cast<std::uint32_t>(i % 3), snapper.snap(at(x(rng), x(rng)), 40));
    m.compute();
    CoverageReport updated = m.report(kCommunities);
    std::vector<CoverageReport> out;
    std::vector<FacilityHandle> open;
    for (FacilityHandle f = 0; f < m.num_facility_handles(); ++f) open.push_back(f);
    for (int step = 0; step < 300; ++step) {
        const std::string where = "seed " + std::to_string(seed) + " step " + std::to_string(step);
        const int op = open.size() < 4 ? 0 : static_cast<int>(rng() % 3);
        const SnapResult site = rng() % 4 == 0 ? homes[rng() % homes.size()].snap
                                               : snapper.snap(at(x(rng), x(rng)), 40);
        Delta d;
        if (op == 0) {
            open.push_back(m.add_facility(static_cast<std::uint32_t>(rng() % 3), site, &d));
        } else if (op == 1) {
            m.move_facility(open[rng() % open.size()], site, &d);
        } else {
            const std::size_t i = rng() % open.size();
            m.remove_facility(open[i], &d);
            open.erase(open.begin() + static_cast<std::ptrdiff_t>(i));
        }
        m.update_report(updated, d);
        const CoverageReport fresh = m.report(kCommunities);
        expect_reports_identical(updated, fresh, where);
        if (::testing::Test::HasFatalFailure()) return out;
        for (std::uint32_t k = 0; k < rules.size(); ++k) {
            double pop_sum = 0, covered_sum = 0;
            for (const CommunityMetrics& cm : fresh.communities) {
                pop_sum += cm.by_category[k].population;
                covered_sum += cm.by_category[k].covered_population;
            }
            EXPECT_EQ(fresh.city[k].population, pop_sum + fresh.outside[k].population) << where;
            EXPECT_EQ(fresh.city[k].covered_population,
                      covered_sum + fresh.outside[k].covered_population)
                << where;
        }
        if (step % 50 == 0) {  // facilities within, counted from every facility's reach
            std::vector<std::uint32_t> want(std::size_t{kCommunities} * rules.size(), 0);
            for (FacilityHandle f : open) {
                std::vector<CommunityId> reach;
                for (const auto& [h, dist] : m.homes_within(f))
                    if (homes[h].community < kCommunities) reach.push_back(homes[h].community);
                std::sort(reach.begin(), reach.end());
                reach.erase(std::unique(reach.begin(), reach.end()), reach.end());
                for (CommunityId c : reach) ++want[c * rules.size() + m.facility_category(f)];
            }
            for (std::uint32_t c = 0; c < kCommunities; ++c)
                for (std::uint32_t k = 0; k < rules.size(); ++k)
                    EXPECT_EQ(fresh.communities[c].by_category[k].facilities_within,
                              want[c * rules.size() + k])
                        << where << " community " << c << " cat " << k;
        }
        out.push_back(std::move(updated));
        updated = out.back();
    }
    return out;
}

TEST(CoverageIncremental, LongEditRunEqualsFreshReportsForAnyThreadCount) {
    const std::uint64_t seed = test_seed() + 2000;
    const std::vector<CoverageReport> one = long_edit_run(seed, 1);
    if (HasFatalFailure()) return;
    const std::vector<CoverageReport> two = long_edit_run(seed, 2);
    if (HasFatalFailure()) return;
    ASSERT_EQ(one.size(), 300u);
    ASSERT_EQ(two.size(), one.size());
    double outside_pop = 0;
    for (std::size_t i = 0; i < one.size(); ++i) {
        expect_reports_identical(two[i], one[i], "2 threads vs 1, step " + std::to_string(i));
        if (HasFatalFailure()) return;
    }
    for (const auto& o : one.front().outside) outside_pop += o.population;
    EXPECT_GT(outside_pop, 0.0);  // the outside part is exercised
}

// restore_facility undoes remove_facility exactly: the facility comes back under its own
// handle, so ties break as before and every home result (nearest facility included) and the
// report are those before the removal, whatever was removed and restored in between; its Delta
// lists exactly the homes that changed.
TEST(CoverageIncremental, RestoreUndoesRemoveExactly) {
    std::mt19937_64 rng(test_seed() + 4000);
    const WalkGraph g = street_graph(rng, 10, 10, 70);
    const Snapper snapper(g);
    std::uniform_real_distribution<double> x(-20, 10 * 70), pop(0.1, 40.0);
    std::vector<CategoryRule> rules(2);
    rules[0].radius_m = 150;
    rules[1].radius_m = 300;
    std::vector<Home> homes;
    for (int i = 0; i < 600; ++i)
        homes.push_back(
            {snapper.snap(at(x(rng), x(rng)), 30), pop(rng), static_cast<CommunityId>(rng() % 5)});
    CoverageModel m(g, rules, {});
    m.set_homes(homes);
    for (int i = 0; i < 16; ++i) {  // some share a site: ties between equally near facilities
        const SnapResult s = i % 4 == 3 ? m.facility_snap(static_cast<FacilityHandle>(i - 1))
                                        : snapper.snap(at(x(rng), x(rng)), 40);
        m.add_facility(static_cast<std::uint32_t>(i % 2), s);
    }
    m.compute();
    const Snapshot start = snapshot(m);
    const CoverageReport report = m.report(4);
    EXPECT_THROW(m.restore_facility(0, {m.facility_snap(0)}), std::out_of_range);  // active
    EXPECT_THROW(m.restore_facility(99, {}), std::out_of_range);
    for (int round = 0; round < 20; ++round) {
        std::vector<std::pair<FacilityHandle, std::vector<SnapResult>>> removed;
        const int n = 1 + static_cast<int>(rng() % 4);
        for (int i = 0; i < n; ++i) {
            const auto f = static_cast<FacilityHandle>(rng() % m.num_facility_handles());
            if (!m.facility_active(f)) continue;
            removed.emplace_back(f, m.facility_entrances(f));
            m.remove_facility(f);
        }
        for (auto it = removed.rbegin(); it != removed.rend(); ++it) {
            const Snapshot before = snapshot(m);
            Delta d;
            m.restore_facility(it->first, it->second, &d);
            expect_delta_exact(before, snapshot(m), d, "round " + std::to_string(round));
        }
        const std::string where = "round " + std::to_string(round);
        ASSERT_EQ(snapshot(m), start) << where;
        expect_reports_identical(m.report(4), report, where);
        if (HasFatalFailure()) return;
    }
}

TEST(CoverageIncremental, EditsBeforeComputeOnlyRecord) {
    GraphBuilder b;
    std::vector<WayNode> nodes{{1, at(0, 0)}, {2, at(500, 0)}};
    b.add_way(1, nodes, 0);
    const WalkGraph g = std::move(b).build();
    const Snapper s(g);
    CategoryRule r;
    r.radius_m = 300;
    CoverageModel m(g, {r}, {});
    m.set_homes({{s.snap(at(100, 0), 10), 1.0, 0}});
    const FacilityHandle a = m.add_facility(0, s.snap(at(0, 0), 10));
    const FacilityHandle b2 = m.add_facility(0, s.snap(at(150, 0), 10));
    m.remove_facility(b2);
    EXPECT_FALSE(m.computed());
    EXPECT_THROW(m.home(0, 0), std::logic_error);
    EXPECT_THROW(m.remove_facility(b2), std::out_of_range);
    m.compute();
    EXPECT_EQ(m.home(0, 0).nearest_facility, a);
    EXPECT_EQ(m.home(0, 0).count_within, 1u);
    // Moving the facility next to the home: exactly one change with before and after.
    Delta d;
    m.move_facility(a, s.snap(at(110, 0), 10), &d);
    ASSERT_EQ(d.changes.size(), 1u);
    EXPECT_NEAR(cm_to_metres(d.changes[0].before.nearest), 100.0, 0.02);
    EXPECT_NEAR(cm_to_metres(d.changes[0].after.nearest), 10.0, 0.02);
    EXPECT_EQ(d.changes[0].after.nearest_facility, a);
    // Removing the last facility leaves the home unreached.
    Delta d2;
    m.remove_facility(a, &d2);
    ASSERT_EQ(d2.changes.size(), 1u);
    EXPECT_FALSE(d2.changes[0].after.reached());
    EXPECT_EQ(d2.changes[0].after.count_within, 0u);
}

// A run that edits nothing frees the per-vertex state of the edits: every result and the
// report stay exactly as computed, homes_within still answers, an edit is refused until the
// next compute(), and that compute() gives the same results again.
TEST(CoverageIncremental, ReleasedEditStateKeepsResultsAndRefusesEdits) {
    std::mt19937_64 rng(test_seed() + 11);
    const WalkGraph g = street_graph(rng, 8, 8, 80);
    const Snapper snapper(g);
    std::uniform_real_distribution<double> x(0, 640), pop(0.5, 30);
    std::vector<CategoryRule> rules(2);
    rules[0].radius_m = 150;
    rules[1].radius_m = 400;
    CoverageModel m(g, rules, {});
    std::vector<Home> homes;
    for (int i = 0; i < 60; ++i)
        homes.push_back(
            {snapper.snap(at(x(rng), x(rng)), 30), pop(rng), static_cast<CommunityId>(i % 3)});
    m.set_homes(homes);
    for (int i = 0; i < 6; ++i) m.add_facility(i % 2, snapper.snap(at(x(rng), x(rng)), 30));
    m.compute();
    const Snapshot before = snapshot(m);
    const CoverageReport rep = m.report(3);
    const auto within = m.homes_within(0);
    m.release_edit_state();
    EXPECT_EQ(snapshot(m), before);
    const CoverageReport again = m.report(3);
    EXPECT_EQ(again.city_score, rep.city_score);
    for (std::uint32_t c = 0; c < 3; ++c)
        for (std::uint32_t k = 0; k < 2; ++k) {
            EXPECT_EQ(again.communities[c].by_category[k].covered_population,
                      rep.communities[c].by_category[k].covered_population);
            EXPECT_EQ(again.communities[c].by_category[k].facilities_within,
                      rep.communities[c].by_category[k].facilities_within);
        }
    EXPECT_EQ(m.homes_within(0), within);
    EXPECT_THROW(m.add_facility(0, snapper.snap(at(10, 10), 30)), std::logic_error);
    EXPECT_THROW(m.move_facility(1, snapper.snap(at(10, 10), 30)), std::logic_error);
    EXPECT_THROW(m.remove_facility(2), std::logic_error);
    EXPECT_EQ(m.num_facility_handles(), 6u);  // the refused add left nothing behind
    m.compute();
    EXPECT_EQ(snapshot(m), before);
    Delta d;
    m.remove_facility(2, &d);  // edits work again after compute()
    EXPECT_FALSE(m.facility_active(2));
}

}  // namespace
}  // namespace lc15
