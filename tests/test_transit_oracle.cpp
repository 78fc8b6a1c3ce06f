// RAPTOR against an oracle: on random small networks, TransitQuery (forward) and
// walk_bus_seconds (the reverse search) agree with a plain Dijkstra over an explicit time graph
// of the same trips. The graph has, per number of rides used, a "standing" node per stop (after
// an origin or a walking transfer: may board), an "alighted" node per stop (after a ride: may
// board or walk a transfer) and an "on board" node per line position; boarding costs the
// expected wait and adds a ride, and a ride goes at least one stop on. Because forward and reverse
// RAPTOR share their label rules, a flaw in those rules (a ride label hidden by a walk label) makes
// them agree with each other but not with this graph. Seed fixed, overridable with LC15_TEST_SEED.
#include <gtest/gtest.h>

#include <queue>
#include <random>

#include "engine/transit.hpp"

#include "tests/support/test_city.hpp"

namespace lc15 {
namespace {

LonLat at(double x_m, double y_m) { return test::metres_at(x_m, y_m); }

// A jittered street grid, `gap` metres apart, a few links missing.
WalkGraph small_grid(std::mt19937_64& rng, int n, double gap) {
    return test::jittered_grid(rng, n, gap, 15.0, 10);
}

// The explicit time graph of a transit network, with Dijkstra over (node, rides used).
class TimeGraph {
  public:
    TimeGraph(const TransitNetwork& net, const TransitOptions& o)
        : net_(net), rides_(std::max(0, o.max_transfers) + 1) {
        stops_ = net.num_stops();
        for (std::uint32_t l = 0; l < net.num_lines(); ++l) {
            first_.push_back(positions_);
            positions_ += static_cast<std::uint32_t>(net.line_stops(l).size());
        }
        per_layer_ = 2 * stops_ + positions_;
        adj_.resize(std::size_t(per_layer_) * (rides_ + 1));
        for (int k = 0; k <= rides_; ++k) {
            for (StopId s = 0; s < stops_; ++s) {
                for (const TransitTransfer& t : net.transfers(s))
                    arc(alighted(s, k), standing(t.to, k),
                        cm_to_metres(t.length) / o.walk_speed_m_per_s);
            }
            for (std::uint32_t l = 0; l < net.num_lines(); ++l) {
                const auto stops = net.line_stops(l);
                const auto hops = net.line_hops(l);
                const double wait = boarding_wait_s(net, l, o);
                for (std::uint32_t i = 0; i < stops.size(); ++i) {
                    // Boarding at i rides at least to i + 1 (no getting off where one got on).
                    if (k < rides_ && i + 1 < stops.size()) {
                        arc(standing(stops[i], k), on_board(l, i + 1, k + 1), wait + hops[i]);
                        arc(alighted(stops[i], k), on_board(l, i + 1, k + 1), wait + hops[i]);
                    }
                    arc(on_board(l, i, k), alighted(stops[i], k), 0);
                    if (i + 1 < stops.size())
                        arc(on_board(l, i, k), on_board(l, i + 1, k), hops[i]);
                }
            }
        }
    }

    // From standing origins (round 0): the best standing-or-alighted and alighted time per stop.
    void run(const std::vector<TransitOrigin>& origins) {
        dist_.assign(adj_.size(), kInfSeconds);
        using Item = std::pair<double, std::uint32_t>;
        std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
        for (const TransitOrigin& o : origins) {
            if (o.seconds < dist_[standing(o.stop, 0)]) {
                dist_[standing(o.stop, 0)] = o.seconds;
                q.push({o.seconds, standing(o.stop, 0)});
            }
        }
        while (!q.empty()) {
            auto [d, v] = q.top();
            q.pop();
            if (d > dist_[v]) continue;
            for (auto [w, c] : adj_[v]) {
                if (d + c < dist_[w]) {
                    dist_[w] = d + c;
                    q.push({d + c, w});
                }
            }
        }
    }
    double any(StopId s) const {
        double t = kInfSeconds;
        for (int k = 0; k <= rides_; ++k)
            t = std::min({t, dist_[standing(s, k)], dist_[alighted(s, k)]});
        return t;
    }
    double after_ride(StopId s) const {
        double t = kInfSeconds;
        for (int k = 0; k <= rides_; ++k) t = std::min(t, dist_[alighted(s, k)]);
        return t;
    }
    double origin(StopId s) const { return dist_[standing(s, 0)]; }

  private:
    std::uint32_t standing(StopId s, int k) const { return k * per_layer_ + s; }
    std::uint32_t alighted(StopId s, int k) const { return k * per_layer_ + stops_ + s; }
    std::uint32_t on_board(std::uint32_t l, std::uint32_t i, int k) const {
        return k * per_layer_ + 2 * stops_ + first_[l] + i;
    }
    void arc(std::uint32_t a, std::uint32_t b, double c) { adj_[a].push_back({b, c}); }

    const TransitNetwork& net_;
    int rides_;
    std::uint32_t stops_ = 0, positions_ = 0, per_layer_ = 0;
    std::vector<std::uint32_t> first_;
    std::vector<std::vector<std::pair<std::uint32_t, double>>> adj_;
    std::vector<double> dist_;
};

double within(double t, double budget) { return t <= budget ? t : kInfSeconds; }

void expect_same(double got, double want, const std::string& what) {
    if (want == kInfSeconds) {
        EXPECT_EQ(got, kInfSeconds) << what;
    } else {
        EXPECT_NEAR(got, want, 1e-6) << what;
    }
}

// The graph behind a pointer: the snapper and the network refer to it.
struct Instance {
    std::unique_ptr<WalkGraph> graph;
    std::unique_ptr<Snapper> snapper;
    TransitNetwork net;
    TransitOptions opt;
};

// Stops on a small grid and lines over random stop sequences; rides sometimes slower than
// walking, so that walk labels often beat ride labels at the same stop.
Instance random_instance(std::mt19937_64& rng, int n = 7, double walk_speed = 1.25) {
    Instance in{std::make_unique<WalkGraph>(small_grid(rng, n, 120.0)), nullptr, {}, {}};
    in.snapper = std::make_unique<Snapper>(*in.graph);
    std::uniform_real_distribution<double> coord(0, 120.0 * (n - 1));
    std::vector<TransitStopInput> stops;
    const int num_stops = n + 1 + int(rng() % (n + 1));
    for (int i = 0; i < num_stops; ++i)
        stops.push_back({at(coord(rng), coord(rng)), std::to_string(i), ""});
    std::vector<TransitLineInput> lines;
    const int num_lines = 3 + int(rng() % 6);
    for (int l = 0; l < num_lines; ++l) {
        TransitLineInput line{std::to_string(l), "", {}, {}, double(30 + rng() % 900)};
        std::vector<StopId> perm(stops.size());
        for (StopId s = 0; s < perm.size(); ++s) perm[s] = s;
        std::shuffle(perm.begin(), perm.end(), rng);
        const int len = 2 + int(rng() % 5);
        std::uniform_real_distribution<double> speed(0.8, 9.0);
        for (int i = 0; i < len; ++i) {
            line.stops.push_back(perm[i]);
            if (i > 0)
                line.hop_seconds.push_back(
                    20 + haversine_m(stops[perm[i - 1]].pos, stops[perm[i]].pos) / speed(rng));
        }
        lines.push_back(line);
    }
    in.opt.max_transfer_m = 150 + double(rng() % 250);
    in.opt.walk_speed_m_per_s = walk_speed;
    in.opt.max_access_m = 300;
    in.opt.max_egress_m = 300;
    in.opt.max_transfers = int(rng() % 4);
    in.opt.budget_s = 900 + double(rng() % 1200);
    in.net = build_transit(*in.graph, *in.snapper, stops, lines, in.opt);
    return in;
}

TEST(TransitOracle, ForwardRaptorEqualsDijkstraOverTheTimeGraph) {
    std::mt19937_64 rng(test::test_seed());
    int beyond_one_ride = 0;
    for (int round = 0; round < 60; ++round) {
        const Instance in = random_instance(rng);
        const TransitNetwork& net = in.net;
        TimeGraph tg(net, in.opt);
        TransitQuery q(net);
        for (int trial = 0; trial < 5; ++trial) {
            std::vector<TransitOrigin> origins;
            const int n = 1 + int(rng() % 3);
            for (int i = 0; i < n; ++i)
                origins.push_back({StopId(rng() % net.num_stops()), double(rng() % 300)});
            q.run(origins, in.opt);
            tg.run(origins);
            for (StopId s = 0; s < net.num_stops(); ++s) {
                const std::string what = "instance " + std::to_string(round) + " trial " +
                                         std::to_string(trial) + " stop " + std::to_string(s);
                const double any = within(tg.any(s), in.opt.budget_s);
                const double ride =
                    within(std::min(tg.origin(s), tg.after_ride(s)), in.opt.budget_s);
                expect_same(q.arrival(s), any, what + " arrival");
                expect_same(q.ride_arrival(s), ride, what + " ride_arrival");
                if (ride < kInfSeconds && tg.origin(s) == kInfSeconds) ++beyond_one_ride;
            }
        }
    }
    EXPECT_GT(beyond_one_ride, 100);  // the instances are not trivial
}

Distance walk_cm(const WalkGraph& g, MultiSourceDijkstra& s, const SnapResult& a,
                 const SnapResult& b) {
    const auto src = a.sources(g, 0, true);
    s.run(src, kMaxSearchDistance, [](VertexId, Distance, std::uint32_t) {});
    Distance d = b.distance_from(g, s, true);
    if (a.edge == b.edge) d = std::min(d, same_edge_distance(a, b, true));
    return d;
}

TEST(TransitOracle, WalkBusSecondsEqualsDijkstraOverTheTimeGraph) {
    std::mt19937_64 rng(test::test_seed() + 1);
    int bus_helps = 0;
    for (int round = 0; round < 40; ++round) {
        const Instance in = random_instance(rng, 9, 0.8);  // slow walkers: buses matter more
        const TransitNetwork& net = in.net;
        const TransitOptions& opt = in.opt;
        const WalkGraph& g = *in.graph;
        std::uniform_real_distribution<double> coord(0, 120.0 * 8);
        std::vector<SnapResult> homes, facilities;
        for (int i = 0; i < 30; ++i)
            homes.push_back(in.snapper->snap(at(coord(rng), coord(rng)), 100));
        for (int i = 0; i < 2; ++i)
            facilities.push_back(in.snapper->snap(at(coord(rng), coord(rng)), 100));
        const TransitAccess got = walk_bus_seconds(net, homes, facilities, opt);

        TimeGraph tg(net, opt);
        MultiSourceDijkstra search(g);
        const double v = opt.walk_speed_m_per_s;
        std::vector<double> egress(net.num_stops(), kInfSeconds);
        for (StopId s = 0; s < net.num_stops(); ++s) {
            for (const SnapResult& f : facilities) {
                if (!f.ok() || !net.stop(s).snap.ok()) continue;
                const Distance d = walk_cm(g, search, net.stop(s).snap, f);
                if (d <= metres_to_cm(opt.max_egress_m))
                    egress[s] = std::min(egress[s], cm_to_metres(d) / v);
            }
        }
        for (std::size_t h = 0; h < homes.size(); ++h) {
            if (!homes[h].ok()) continue;
            double walk = kInfSeconds;
            for (const SnapResult& f : facilities)
                if (f.ok())
                    walk = std::min(walk, cm_to_metres(walk_cm(g, search, homes[h], f)) / v);
            std::vector<TransitOrigin> origins;
            for (StopId s = 0; s < net.num_stops(); ++s) {
                if (!net.stop(s).snap.ok()) continue;
                const Distance d = walk_cm(g, search, homes[h], net.stop(s).snap);
                if (d <= metres_to_cm(opt.max_access_m))
                    origins.push_back({s, cm_to_metres(d) / v});
            }
            tg.run(origins);
            double best = walk;
            for (StopId s = 0; s < net.num_stops(); ++s)
                best = std::min(best, tg.after_ride(s) + egress[s]);
            const std::string what =
                "instance " + std::to_string(round) + " home " + std::to_string(h);
            expect_same(got.walk_s[h], within(walk, opt.budget_s), what + " walk");
            expect_same(got.walk_bus_s[h], within(best, opt.budget_s), what + " walk + bus");
            if (within(best, opt.budget_s) + 1e-6 < within(walk, opt.budget_s)) ++bus_helps;
        }
    }
    EXPECT_GT(bus_helps, 15);  // the instances are not trivial
}

}  // namespace
}  // namespace lc15
