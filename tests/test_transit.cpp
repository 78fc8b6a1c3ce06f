// The transit model and RAPTOR: hand-computed trips on a drawn network, a trip that needs a
// transfer, and on random networks the reverse search behind walk_bus_seconds against one
// forward RAPTOR per home (and walk + bus never slower than walking). Seed fixed, overridable
// with LC15_TEST_SEED.
#include <gtest/gtest.h>
#include <oneapi/tbb/global_control.h>

#include <cstdlib>
#include <random>

#include "engine/error.hpp"
#include "engine/transit.hpp"

#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

using lc15::test::test_seed;

LonLat at(double x_m, double y_m) { return test::metres_at(x_m, y_m); }

using test::l_streets;

constexpr double kSpeed = 1.25;  // m/s

TEST(Transit, OneLineHandComputed) {
    const WalkGraph g = l_streets();
    const Snapper snapper(g);
    // Home 100 m up the street, stops A at 200 m and B at 3800 m, the facility at 3900 m.
    std::vector<TransitStopInput> stops{{at(0, 200), "A", "A"}, {at(0, 3800), "B", "B"}};
    std::vector<TransitLineInput> lines{{"1", "Line 1", {0, 1}, {300.0}, 600.0}};
    TransitOptions opt;
    opt.walk_speed_m_per_s = kSpeed;
    opt.budget_s = 3600;
    const TransitNetwork net = build_transit(g, snapper, stops, lines, opt);
    ASSERT_TRUE(net.warnings().empty());
    EXPECT_EQ(net.transfers(0).size(), 0u);  // 3600 m apart: no walking transfer

    const std::vector<SnapResult> homes{snapper.snap(at(0, 100), 50)};
    const std::vector<SnapResult> facilities{snapper.snap(at(0, 3900), 50)};
    const TransitAccess a = walk_bus_seconds(net, homes, facilities, opt);
    // Walking: 3800 m at 1.25 m/s = 3040 s. Bus: walk 100 m (80 s) + wait 600/2 (300 s) +
    // ride 300 s + walk 100 m (80 s) = 760 s, boarding at A.
    EXPECT_NEAR(a.walk_s[0], 3040.0, 0.05);
    EXPECT_NEAR(a.walk_bus_s[0], 760.0, 0.05);
    EXPECT_EQ(a.board_stop[0], 0u);

    // A 30-minute budget cuts the walk but not the bus trip.
    opt.budget_s = 1800;
    const TransitAccess b = walk_bus_seconds(net, homes, facilities, opt);
    EXPECT_EQ(b.walk_s[0], kInfSeconds);
    EXPECT_NEAR(b.walk_bus_s[0], 760.0, 0.05);

    // The wait is capped: with max_wait 60 s the trip is 80 + 60 + 300 + 80 = 520 s.
    opt.max_wait_s = 60;
    EXPECT_NEAR(walk_bus_seconds(net, homes, facilities, opt).walk_bus_s[0], 520.0, 0.05);

    // The bus does not run backwards: from the facility end to the home end only walking helps.
    const TransitAccess back = walk_bus_seconds(net, facilities, homes, opt);
    EXPECT_EQ(back.walk_bus_s[0], kInfSeconds);
}

TEST(Transit, TransferNeedsTwoRounds) {
    const WalkGraph g = l_streets();
    const Snapper snapper(g);
    // Line 1 north from A (0,200) to B (0,3900); walk B -> corner -> C (100,4000) = 200 m;
    // line 2 east from C to D (3800,4000); the facility at (3900,4000).
    std::vector<TransitStopInput> stops{{at(0, 200), "A", ""},
                                        {at(0, 3900), "B", ""},
                                        {at(100, 4000), "C", ""},
                                        {at(3800, 4000), "D", ""}};
    std::vector<TransitLineInput> lines{{"1", "", {0, 1}, {300.0}, 600.0},
                                        {"2", "", {2, 3}, {400.0}, 240.0}};
    TransitOptions opt;
    opt.walk_speed_m_per_s = kSpeed;
    const TransitNetwork net = build_transit(g, snapper, stops, lines, opt);
    ASSERT_EQ(net.transfers(1).size(), 1u);
    EXPECT_EQ(net.transfers(1)[0].to, 2u);
    EXPECT_NEAR(cm_to_metres(net.transfers(1)[0].length), 200.0, 0.05);

    // Forward RAPTOR from A, reached after an 80 s walk.
    TransitQuery q(net);
    const std::vector<TransitOrigin> origin{{0, 80.0}};
    q.run(origin, opt);
    EXPECT_NEAR(q.arrival(1), 80 + 300 + 300, 1e-9);   // ride line 1
    EXPECT_NEAR(q.arrival(2), 680 + 160, 1e-9);        // walk 200 m to C
    EXPECT_EQ(q.ride_arrival(2), kInfSeconds);         // no bus arrives at C
    EXPECT_NEAR(q.arrival(3), 840 + 120 + 400, 1e-9);  // wait 240/2, ride line 2
    EXPECT_NEAR(q.ride_arrival(3), 1360, 1e-9);

    const std::vector<SnapResult> homes{snapper.snap(at(0, 100), 50)};
    const std::vector<SnapResult> facilities{snapper.snap(at(3900, 4000), 50)};
    // 1360 s at D + 100 m egress (80 s) = 1440 s; walking would take 7800 m = 6240 s.
    const TransitAccess a = walk_bus_seconds(net, homes, facilities, opt);
    EXPECT_EQ(a.walk_s[0], kInfSeconds);
    EXPECT_NEAR(a.walk_bus_s[0], 1440.0, 0.05);
    // Without a transfer (one round) the facility is out of reach.
    opt.max_transfers = 0;
    q.run(origin, opt);
    EXPECT_EQ(q.arrival(3), kInfSeconds);
    EXPECT_EQ(walk_bus_seconds(net, homes, facilities, opt).walk_bus_s[0], kInfSeconds);
}

TEST(Transit, RideLabelBehindAWalkLabelStillLeadsToATransfer) {
    const WalkGraph g = l_streets();
    const Snapper snapper(g);
    // One street: A (y = 200), B (1000), C (1200), D (1400), E (3800); transfers up to 250 m,
    // so B-C and C-D (200 m, 160 s) only. Every bus every minute (wait 30 s).
    std::vector<TransitStopInput> stops{{at(0, 200), "A", ""},
                                        {at(0, 1000), "B", ""},
                                        {at(0, 1200), "C", ""},
                                        {at(0, 1400), "D", ""},
                                        {at(0, 3800), "E", ""}};
    std::vector<TransitLineInput> lines{{"1", "", {0, 1}, {100.0}, 60.0},   // A -> B
                                        {"2", "", {1, 2}, {150.0}, 60.0},   // B -> C, slow
                                        {"3", "", {3, 4}, {300.0}, 60.0}};  // D -> E
    TransitOptions opt;
    opt.walk_speed_m_per_s = kSpeed;
    opt.max_transfer_m = 250;
    opt.max_transfers = 2;
    const TransitNetwork net = build_transit(g, snapper, stops, lines, opt);
    TransitQuery q(net);
    const std::vector<TransitOrigin> origin{{0, 0.0}};
    q.run(origin, opt);
    // Line 1 reaches B at 130 s; walking on, C at 290 s (a walk label: no further walk).
    EXPECT_NEAR(q.arrival(2), 290, 1e-9);
    // Line 2 reaches C at 130 + 30 + 150 = 310 s: later than the walk, but only a ride may be
    // followed by a walk, to D at 470 s, then line 3 to E at 470 + 30 + 300 = 800 s.
    EXPECT_NEAR(q.ride_arrival(2), 310, 1e-9);
    EXPECT_NEAR(q.arrival(3), 470, 1e-9);
    EXPECT_NEAR(q.ride_arrival(4), 800, 1e-9);
    // The same in reverse: from A (walking 200 m to it) to a facility at E.
    const std::vector<SnapResult> homes{snapper.snap(at(0, 0), 50)};
    const std::vector<SnapResult> facilities{snapper.snap(at(0, 3800), 50)};
    EXPECT_NEAR(walk_bus_seconds(net, homes, facilities, opt).walk_bus_s[0], 160 + 800, 0.05);
}

TEST(Transit, BadLinesAreReported) {
    const WalkGraph g = l_streets();
    const Snapper snapper(g);
    std::vector<TransitStopInput> stops{{at(0, 200), "A", ""}, {at(2000, 2000), "far", "Field"}};
    TransitOptions opt;
    std::vector<TransitLineInput> short_line{{"s", "", {0}, {}, 600}};
    const TransitNetwork net = build_transit(g, snapper, stops, short_line, opt);
    EXPECT_EQ(net.num_lines(), 0u);
    ASSERT_EQ(net.warnings().size(), 2u);  // the stop in the field and the one-stop line
    EXPECT_NE(net.warnings()[0].find("stop far (Field)"), std::string::npos) << net.warnings()[0];
    EXPECT_NE(net.warnings()[1].find("line s"), std::string::npos);
    std::vector<TransitLineInput> bad_hops{{"b", "", {0, 1}, {1, 2}, 600}};
    EXPECT_THROW(build_transit(g, snapper, stops, bad_hops, opt), InputError);
    std::vector<TransitLineInput> bad_stop{{"c", "", {0, 7}, {60}, 600}};
    EXPECT_THROW(build_transit(g, snapper, stops, bad_stop, opt), InputError);
    std::vector<TransitLineInput> bad_headway{{"d", "", {0, 1}, {60}, 0}};
    EXPECT_THROW(build_transit(g, snapper, stops, bad_headway, opt), InputError);
}

// A jittered street grid with some blocks missing, 150 m apart.
WalkGraph random_grid(std::mt19937_64& rng, int n) {
    return test::jittered_grid(rng, n, 150.0, 20.0, 15);
}

// Walking distance (cm) between two snapped points, by a full search from a.
Distance walk_cm(const WalkGraph& g, MultiSourceDijkstra& s, const SnapResult& a,
                 const SnapResult& b) {
    const auto src = a.sources(g, 0, true);
    s.run(src, kMaxSearchDistance, [](VertexId, Distance, std::uint32_t) {});
    Distance d = b.distance_from(g, s, true);
    if (a.edge == b.edge) d = std::min(d, same_edge_distance(a, b, true));
    return d;
}

void expect_seconds(double got, double want, std::size_t home) {
    if (want == kInfSeconds) {
        EXPECT_EQ(got, kInfSeconds) << "home " << home;
    } else {
        EXPECT_NEAR(got, want, 1e-6) << "home " << home;
    }
}

TEST(Transit, ReverseSearchMatchesForwardRaptorPerHome) {
    std::mt19937_64 rng(test_seed());
    int bus_helps = 0;
    for (int round = 0; round < 6; ++round) {
        const WalkGraph g = random_grid(rng, 14);
        const Snapper snapper(g);
        std::uniform_real_distribution<double> coord(0, 150.0 * 13);
        std::vector<TransitStopInput> stops;
        for (int i = 0; i < 30; ++i)
            stops.push_back({at(coord(rng), coord(rng)), std::to_string(i), ""});
        std::vector<TransitLineInput> lines;
        for (int l = 0; l < 7; ++l) {
            TransitLineInput line{std::to_string(l), "", {}, {}, double(120 + rng() % 1200)};
            std::vector<StopId> perm(stops.size());
            for (StopId s = 0; s < perm.size(); ++s) perm[s] = s;
            std::shuffle(perm.begin(), perm.end(), rng);
            const int len = 2 + int(rng() % 7);
            for (int i = 0; i < len; ++i) {
                line.stops.push_back(perm[i]);
                if (i > 0)
                    line.hop_seconds.push_back(
                        haversine_m(stops[perm[i - 1]].pos, stops[perm[i]].pos) / 6.0);
            }
            lines.push_back(line);
        }
        TransitOptions opt;
        opt.max_transfer_m = 300;
        opt.max_access_m = 400;
        opt.max_egress_m = 350;
        opt.max_transfers = int(rng() % 3);
        opt.budget_s = 1500;
        const TransitNetwork net = build_transit(g, snapper, stops, lines, opt);
        std::vector<SnapResult> homes, facilities;
        for (int i = 0; i < 50; ++i) homes.push_back(snapper.snap(at(coord(rng), coord(rng)), 200));
        for (int i = 0; i < 3; ++i)
            facilities.push_back(snapper.snap(at(coord(rng), coord(rng)), 200));

        const TransitAccess got = walk_bus_seconds(net, homes, facilities, opt);
        {
            tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
            const TransitAccess serial = walk_bus_seconds(net, homes, facilities, opt);
            EXPECT_EQ(serial.walk_bus_s, got.walk_bus_s);
            EXPECT_EQ(serial.board_stop, got.board_stop);
        }

        MultiSourceDijkstra search(g);
        TransitQuery q(net);
        std::vector<double> egress(net.num_stops(), kInfSeconds);
        for (StopId s = 0; s < net.num_stops(); ++s) {
            if (!net.stop(s).snap.ok()) continue;
            for (const SnapResult& f : facilities) {
                if (!f.ok()) continue;
                const Distance d = walk_cm(g, search, net.stop(s).snap, f);
                if (d <= metres_to_cm(opt.max_egress_m))
                    egress[s] = std::min(egress[s], cm_to_metres(d) / opt.walk_speed_m_per_s);
            }
        }
        for (std::size_t h = 0; h < homes.size(); ++h) {
            if (!homes[h].ok()) {
                EXPECT_EQ(got.walk_bus_s[h], kInfSeconds);
                continue;
            }
            double walk = kInfSeconds;
            for (const SnapResult& f : facilities) {
                if (f.ok())
                    walk = std::min(walk, cm_to_metres(walk_cm(g, search, homes[h], f)) /
                                              opt.walk_speed_m_per_s);
            }
            if (walk > opt.budget_s) walk = kInfSeconds;
            expect_seconds(got.walk_s[h], walk, h);
            std::vector<TransitOrigin> origins;
            for (StopId s = 0; s < net.num_stops(); ++s) {
                if (!net.stop(s).snap.ok()) continue;
                const Distance d = walk_cm(g, search, homes[h], net.stop(s).snap);
                if (d <= metres_to_cm(opt.max_access_m))
                    origins.push_back({s, cm_to_metres(d) / opt.walk_speed_m_per_s});
            }
            q.run(origins, opt);
            double best = walk;
            for (StopId s = 0; s < net.num_stops(); ++s) {
                const double t = q.ride_arrival(s) + egress[s];
                if (t <= opt.budget_s) best = std::min(best, t);
            }
            expect_seconds(got.walk_bus_s[h], best, h);
            // The property: walk + bus includes walking alone, so it is never slower.
            EXPECT_LE(got.walk_bus_s[h], got.walk_s[h]);
            if (got.walk_bus_s[h] < got.walk_s[h]) ++bus_helps;
        }
    }
    EXPECT_GT(bus_helps, 0);  // the instances are not all trivial
}

}  // namespace

TEST(Transit, StopAccessIsEachHomesOwnBoundedWalk) {
    std::mt19937_64 rng(test_seed());
    // A jittered grid with some steps; homes and stops anywhere (some on one edge).
    GraphBuilder b;
    const int n = 12;
    std::uniform_real_distribution<double> jitter(-20, 20);
    std::vector<LonLat> pos(n * n);
    for (int i = 0; i < n * n; ++i)
        pos[i] = at(120.0 * (i / n) + jitter(rng), 120.0 * (i % n) + jitter(rng));
    std::int64_t way = 0;
    for (int i = 0; i < n * n; ++i) {
        for (int c : {i + n, (i % n + 1 < n) ? i + 1 : -1}) {
            if (c < 0 || c >= n * n || rng() % 100 < 10) continue;
            const std::vector<WayNode> nodes{{std::uint64_t(i + 1), pos[i]},
                                             {std::uint64_t(c + 1), pos[c]}};
            b.add_way(++way, nodes, rng() % 6 == 0 ? kEdgeSteps : 0);
        }
    }
    const WalkGraph g = std::move(b).build();
    const Snapper snapper(g);
    std::uniform_real_distribution<double> coord(0, 120.0 * (n - 1));
    std::vector<TransitStopInput> stops;
    for (int i = 0; i < 40; ++i)
        stops.push_back({at(coord(rng), coord(rng)), std::to_string(i), ""});
    std::vector<SnapResult> homes;
    for (int i = 0; i < 120; ++i) homes.push_back(snapper.snap(at(coord(rng), coord(rng)), 200));
    homes.push_back(SnapResult{});  // not snapped: no stops
    for (const bool legs : {true, false}) {
        for (const std::uint8_t forbidden : {std::uint8_t{0}, std::uint8_t{kEdgeSteps}}) {
            TransitOptions opt;
            opt.max_access_m = 450;
            opt.access_legs = legs;
            opt.forbidden_flags = forbidden;
            const TransitNetwork net = build_transit(g, snapper, stops, {}, opt);
            const StopAccess access(net, homes, opt);
            ASSERT_EQ(access.num_homes(), homes.size());
            MultiSourceDijkstra search(g);
            std::vector<std::pair<StopId, Distance>> got;
            std::size_t found = 0;
            for (HomeId h = 0; h < homes.size(); ++h) {
                access.of(h, got);
                std::vector<std::pair<StopId, Distance>> want;
                if (homes[h].ok()) {
                    search.run(
                        homes[h].sources(g, 0, legs), kMaxSearchDistance,
                        [](VertexId, Distance, std::uint32_t) {}, forbidden);
                    for (StopId s = 0; s < net.num_stops(); ++s) {
                        const SnapResult& p = net.stop(s).snap;
                        if (!p.ok()) continue;
                        Distance d = p.distance_from(g, search, legs);
                        if (p.edge == homes[h].edge)
                            d = std::min(d, same_edge_distance(homes[h], p, legs));
                        if (d <= metres_to_cm(opt.max_access_m)) want.push_back({s, d});
                    }
                }
                EXPECT_EQ(got, want)
                    << "home " << h << " legs " << legs << " flags " << int(forbidden);
                found += want.size();
            }
            EXPECT_GT(found, homes.size());  // several stops per home on average
            // The same on one thread.
            tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
            const StopAccess serial(net, homes, opt);
            std::vector<std::pair<StopId, Distance>> s1;
            for (HomeId h = 0; h < homes.size(); ++h) {
                access.of(h, got);
                serial.of(h, s1);
                EXPECT_EQ(s1, got);
            }
        }
    }
}

}  // namespace lc15
