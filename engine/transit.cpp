#include "engine/transit.hpp"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

#include "engine/error.hpp"

namespace lc15 {

namespace {

double cm_to_seconds(Distance d, double speed) {
    return d == kInfDistance ? kInfSeconds : cm_to_metres(d) / speed;
}

/// Points snapped onto edges, grouped by edge (CSR), to find points sharing a point's edge.
struct EdgePoints {
    std::vector<std::uint32_t> first;
    std::vector<std::uint32_t> item;
    EdgePoints(std::uint32_t num_edges, std::span<const SnapResult> snaps)
        : first(num_edges + 1, 0) {
        for (const SnapResult& s : snaps) {
            if (s.ok()) ++first[s.edge + 1];
        }
        for (std::uint32_t e = 0; e < num_edges; ++e) first[e + 1] += first[e];
        item.resize(first[num_edges]);
        std::vector<std::uint32_t> fill(first.begin(), first.end() - 1);
        for (std::uint32_t i = 0; i < snaps.size(); ++i) {
            if (snaps[i].ok()) item[fill[snaps[i].edge]++] = i;
        }
    }
    std::span<const std::uint32_t> on(EdgeId e) const {
        return {item.data() + first[e], first[e + 1] - first[e]};
    }
};

}  // namespace

// Scratch of one RAPTOR run, in either direction. Two labels per stop, kept apart as in RAPTOR
// implementations: `prev`/`cur`/`best` may be followed by a ride only (an origin, a ride, or a
// walking transfer: "standing at the stop"), `alight` by a walk too (a ride, never an origin or
// a walk: walks do not follow walks). A ride label worse than a walk label is still kept,
// because only the ride label can be followed by a walking transfer.
struct TransitRounds {
    std::vector<double> prev, cur, best;  // standing at the stop (round k-1, round k, best)
    std::vector<double> alight;           // best label whose last leg is a ride
    std::vector<double> ride;             // min(round 0, alight): what ride_arrival reports
    std::vector<std::uint32_t> line_pos;
    std::vector<char> flag, ride_flag;
    std::vector<StopId> marked, improved, ride_improved;

    void resize(std::uint32_t stops, std::uint32_t lines) {
        prev.assign(stops, kInfSeconds);
        cur.assign(stops, kInfSeconds);
        best.assign(stops, kInfSeconds);
        alight.assign(stops, kInfSeconds);
        ride.assign(stops, kInfSeconds);
        line_pos.assign(lines, kInvalidId);
        flag.assign(stops, 0);
        ride_flag.assign(stops, 0);
    }
};

namespace {

using Rounds = TransitRounds;

/// Rounds 1..max_transfers+1 on r.prev (round-0 labels, with r.marked the stops that have one).
/// Forward: labels are arrival times, a line is ridden in stop order and boarded at the best
/// earlier stop. Reverse: labels are times still needed to reach the destination; a line is
/// scanned backwards and "boarding" at stop j means riding to the best later stop.
/// Round k boards from the standing labels of round k-1 (r.prev); a ride improves a stop's ride
/// label (r.alight) if it beats the best ride label so far, whatever its standing label; the
/// walking transfers leave from the stops whose ride label improved, with that label, and
/// improve standing labels only. Transfers do not chain. At the end r.ride = min(round 0, ride
/// label) and r.best the best standing label.
template <bool kReverse>
void run_rounds(const TransitNetwork& net, const TransitOptions& o, Rounds& r) {
    const double speed = o.walk_speed_m_per_s;
    const double budget = o.budget_s;
    const int rides = std::max(0, o.max_transfers) + 1;
    std::vector<std::uint32_t> touched;
    for (int k = 1; k <= rides && !r.marked.empty(); ++k) {
        touched.clear();
        for (StopId s : r.marked) {
            for (auto [l, pos] : net.stop_lines(s)) {
                std::uint32_t& lp = r.line_pos[l];
                if (lp == kInvalidId) {
                    touched.push_back(l);
                    lp = pos;
                } else {
                    lp = kReverse ? std::max(lp, pos) : std::min(lp, pos);
                }
            }
        }
        std::sort(touched.begin(), touched.end());
        r.cur = r.prev;
        r.improved.clear();
        r.ride_improved.clear();
        auto stand = [&](StopId s, double t) {
            if (t < r.cur[s] && t <= budget) {
                r.cur[s] = t;
                if (!r.flag[s]) {
                    r.flag[s] = 1;
                    r.improved.push_back(s);
                }
            }
        };
        auto alight = [&](StopId s, double t) {
            if (t < r.alight[s] && t <= budget) {
                r.alight[s] = t;
                if (!r.ride_flag[s]) {
                    r.ride_flag[s] = 1;
                    r.ride_improved.push_back(s);
                }
            }
            stand(s, t);
        };
        for (std::uint32_t l : touched) {
            const auto stops = net.line_stops(l);
            const auto hops = net.line_hops(l);
            const double wait = boarding_wait_s(net, l, o);
            const std::uint32_t from = r.line_pos[l];
            r.line_pos[l] = kInvalidId;
            double acc = kInfSeconds;
            if constexpr (!kReverse) {
                for (std::uint32_t i = from; i < stops.size(); ++i) {
                    const StopId s = stops[i];
                    if (i > from) acc += hops[i - 1];
                    alight(s, acc);
                    acc = std::min(acc, r.prev[s] + wait);
                }
            } else {
                for (std::uint32_t j = from + 1; j-- > 0;) {
                    const StopId s = stops[j];
                    alight(s, wait + acc);
                    acc = std::min(acc, r.prev[s]);
                    if (j > 0) acc += hops[j - 1];
                }
            }
        }
        // Walking transfers from the stops whose ride label improved in this round; they reach
        // standing labels only, so they do not chain.
        std::sort(r.ride_improved.begin(), r.ride_improved.end());
        for (StopId s : r.ride_improved) {
            r.ride_flag[s] = 0;
            for (const TransitTransfer& tr : net.transfers(s)) {
                stand(tr.to, r.alight[s] + cm_to_seconds(tr.length, speed));
            }
        }
        std::sort(r.improved.begin(), r.improved.end());
        for (StopId s : r.improved) {
            r.flag[s] = 0;
            r.best[s] = std::min(r.best[s], r.cur[s]);
        }
        std::swap(r.prev, r.cur);
        std::swap(r.marked, r.improved);
    }
    r.marked.clear();
    for (std::size_t s = 0; s < r.ride.size(); ++s) r.ride[s] = std::min(r.ride[s], r.alight[s]);
}

void start_rounds(Rounds& r) {
    // r.prev holds the round-0 labels; everything else restarts from them.
    r.marked.clear();
    for (StopId s = 0; s < r.prev.size(); ++s) {
        if (r.prev[s] < kInfSeconds) r.marked.push_back(s);
    }
    r.ride = r.prev;
    r.best = r.prev;
    std::fill(r.alight.begin(), r.alight.end(), kInfSeconds);
}

}  // namespace

std::span<const StopId> TransitNetwork::edge_stops(EdgeId e) const {
    if (edge_stop_first_.empty()) return {};
    return {edge_stop_.data() + edge_stop_first_[e], edge_stop_first_[e + 1] - edge_stop_first_[e]};
}

double boarding_wait_s(const TransitNetwork& net, std::uint32_t l, const TransitOptions& options) {
    return std::min(net.line(l).headway_seconds / 2.0, options.max_wait_s);
}

TransitNetwork build_transit(const WalkGraph& g, const Snapper& snapper,
                             std::span<const TransitStopInput> stops,
                             std::span<const TransitLineInput> lines,
                             const TransitOptions& options) {
    TransitNetwork net;
    net.g_ = &g;
    net.options_ = options;
    const auto num_stops = static_cast<std::uint32_t>(stops.size());
    net.stops_.reserve(num_stops);
    for (const TransitStopInput& in : stops) {
        TransitStop s{in.pos, in.id, in.name, snapper.snap_nearest(in.pos, options.stop_snap_m)};
        if (!s.snap.ok()) {
            net.warnings_.push_back(
                "stop " + in.id + (in.name.empty() ? "" : " (" + in.name + ")") +
                ": no street within " + std::to_string(static_cast<int>(options.stop_snap_m)) +
                " m; riders cannot walk to it");
        }
        net.stops_.push_back(std::move(s));
    }

    for (const TransitLineInput& in : lines) {
        const std::string where = "line " + in.id + (in.name.empty() ? "" : " (" + in.name + ")");
        if (in.stops.size() < 2) {
            net.warnings_.push_back(where + ": fewer than two stops; dropped");
            continue;
        }
        if (in.hop_seconds.size() + 1 != in.stops.size()) {
            throw InputError(where,
                             std::to_string(in.stops.size()) + " stops but " +
                                 std::to_string(in.hop_seconds.size()) + " ride times",
                             "give one ride time per pair of consecutive stops");
        }
        if (!(in.headway_seconds > 0.0) || !std::isfinite(in.headway_seconds)) {
            throw InputError(where, "headway must be a positive number of seconds",
                             "set the line's interval (e.g. 600 for a bus every 10 minutes)");
        }
        for (StopId s : in.stops) {
            if (s >= num_stops) {
                throw InputError(where, "stop index " + std::to_string(s) + " out of range",
                                 "lines refer to stops by their index in the stop list");
            }
        }
        for (double h : in.hop_seconds) {
            if (!(h >= 0.0) || !std::isfinite(h)) {
                throw InputError(where, "ride time must be a finite number >= 0",
                                 "check the stop times of this line");
            }
        }
        TransitLine line{in.id, in.name, in.headway_seconds,
                         static_cast<std::uint32_t>(net.line_stop_.size()),
                         static_cast<std::uint32_t>(in.stops.size())};
        net.line_stop_.insert(net.line_stop_.end(), in.stops.begin(), in.stops.end());
        net.hop_.insert(net.hop_.end(), in.hop_seconds.begin(), in.hop_seconds.end());
        net.hop_.push_back(0.0);  // keeps hop_ aligned with line_stop_
        net.lines_.push_back(std::move(line));
    }

    // Lines serving each stop (a stop may appear twice on a loop line: both positions kept).
    net.stop_line_first_.assign(num_stops + 1, 0);
    for (StopId s : net.line_stop_) ++net.stop_line_first_[s + 1];
    for (StopId s = 0; s < num_stops; ++s) net.stop_line_first_[s + 1] += net.stop_line_first_[s];
    net.stop_line_.resize(net.line_stop_.size());
    {
        std::vector<std::uint32_t> fill(net.stop_line_first_.begin(),
                                        net.stop_line_first_.end() - 1);
        for (std::uint32_t l = 0; l < net.lines_.size(); ++l) {
            for (std::uint32_t i = 0; i < net.lines_[l].size; ++i) {
                const StopId s = net.line_stop_[net.lines_[l].first + i];
                net.stop_line_[fill[s]++] = {l, i};
            }
        }
    }

    // Stops by edge.
    {
        std::vector<SnapResult> snaps(num_stops);
        for (StopId s = 0; s < num_stops; ++s) snaps[s] = net.stops_[s].snap;
        EdgePoints ep(g.num_edges(), snaps);
        net.edge_stop_first_ = std::move(ep.first);
        net.edge_stop_ = std::move(ep.item);
    }

    // Walking transfers: one bounded walk per snapped stop, in parallel; each stop's list is
    // sorted by target so the result is the same on any thread count.
    const Distance limit = metres_to_cm(options.max_transfer_m);
    std::vector<std::vector<TransitTransfer>> found(num_stops);
    tbb::enumerable_thread_specific<MultiSourceDijkstra> searches(std::cref(g));
    tbb::enumerable_thread_specific<std::vector<StopId>> candidates;
    tbb::parallel_for(tbb::blocked_range<StopId>(0, num_stops), [&](const auto& range) {
        MultiSourceDijkstra& search = searches.local();
        std::vector<StopId>& cand = candidates.local();
        for (StopId s = range.begin(); s != range.end(); ++s) {
            const SnapResult& from = net.stops_[s].snap;
            if (!from.ok() || limit == 0) continue;
            const auto src = from.sources(g, 0, options.access_legs);
            cand.clear();
            search.run(
                src, limit,
                [&](VertexId v, Distance, std::uint32_t) {
                    for (ArcId a = g.first_out(v); a < g.first_out(v + 1); ++a) {
                        for (StopId t : net.edge_stops(g.arc_edge(a))) cand.push_back(t);
                    }
                },
                options.forbidden_flags);
            for (StopId t : net.edge_stops(from.edge)) cand.push_back(t);
            std::sort(cand.begin(), cand.end());
            cand.erase(std::unique(cand.begin(), cand.end()), cand.end());
            for (StopId t : cand) {
                if (t == s) continue;
                const SnapResult& to = net.stops_[t].snap;
                Distance d = to.distance_from(g, search, options.access_legs);
                if (to.edge == from.edge) {
                    d = std::min(d, same_edge_distance(from, to, options.access_legs));
                }
                if (d <= limit) found[s].push_back({t, d});
            }
        }
    });
    net.transfer_first_.assign(num_stops + 1, 0);
    for (StopId s = 0; s < num_stops; ++s) {
        net.transfer_first_[s + 1] =
            net.transfer_first_[s] + static_cast<std::uint32_t>(found[s].size());
        net.transfer_.insert(net.transfer_.end(), found[s].begin(), found[s].end());
    }
    return net;
}

// --- forward query ---

TransitQuery::TransitQuery(const TransitNetwork& net)
    : net_(&net), rounds_(std::make_unique<TransitRounds>()) {
    rounds_->resize(net.num_stops(), net.num_lines());
}
TransitQuery::~TransitQuery() = default;
TransitQuery::TransitQuery(TransitQuery&&) noexcept = default;

void TransitQuery::run(std::span<const TransitOrigin> origins, const TransitOptions& options) {
    Rounds& r = *rounds_;
    std::fill(r.prev.begin(), r.prev.end(), kInfSeconds);
    for (const TransitOrigin& o : origins) {
        if (o.stop < r.prev.size() && o.seconds <= options.budget_s) {
            r.prev[o.stop] = std::min(r.prev[o.stop], o.seconds);
        }
    }
    start_rounds(r);
    run_rounds<false>(*net_, options, r);
}

double TransitQuery::arrival(StopId s) const { return rounds_->best[s]; }
double TransitQuery::ride_arrival(StopId s) const { return rounds_->ride[s]; }

// --- every home to the nearest facility ---

StopAccess::StopAccess(const TransitNetwork& net, std::span<const SnapResult> homes,
                       const TransitOptions& options)
    : net_(&net),
      homes_(homes),
      legs_(options.access_legs),
      limit_(std::min<Distance>(kMaxSearchDistance, metres_to_cm(options.max_access_m))) {
    const WalkGraph& g = net.graph();
    // The vertices homes start from: the ends of their edges.
    slot_.assign(g.num_vertices(), kInvalidId);
    std::uint32_t slots = 0;
    for (const SnapResult& h : homes) {
        if (!h.ok()) continue;
        for (VertexId v : {g.edge_tail(h.edge), g.edge_head(h.edge)}) {
            if (slot_[v] == kInvalidId) slot_[v] = slots++;
        }
    }
    // One bounded walk from every stop; (slot, stop, distance) for the home ends it reaches,
    // gathered per block of stops in stop order, then laid out by slot (a counting sort keeps
    // the stop order within a slot): the same whatever the thread count.
    struct Hit {
        std::uint32_t slot;
        StopId stop;
        Distance d;
    };
    const StopId num_stops = net.num_stops();
    const std::uint8_t forbidden = options.forbidden_flags;
    constexpr StopId kBlock = 256;
    const StopId blocks = (num_stops + kBlock - 1) / kBlock;
    std::vector<std::vector<Hit>> hits(blocks);
    tbb::enumerable_thread_specific<MultiSourceDijkstra> searches(std::cref(g));
    tbb::parallel_for(StopId{0}, blocks, [&](StopId b) {
        MultiSourceDijkstra& search = searches.local();
        std::vector<Hit>& mine = hits[b];
        for (StopId t = b * kBlock; t < std::min(num_stops, (b + 1) * kBlock); ++t) {
            const SnapResult& p = net.stop(t).snap;
            if (!p.ok()) continue;
            const auto src = p.sources(g, t, legs_);
            search.run(
                src, limit_,
                [&](VertexId v, Distance d, std::uint32_t) {
                    if (slot_[v] != kInvalidId) mine.push_back({slot_[v], t, d});
                },
                forbidden);
        }
    });
    first_.assign(std::size_t{slots} + 1, 0);
    for (const auto& block : hits) {
        for (const Hit& x : block) ++first_[x.slot + 1];
    }
    for (std::uint32_t s = 0; s < slots; ++s) first_[s + 1] += first_[s];
    reach_.resize(first_[slots]);
    std::vector<std::uint64_t> fill(first_.begin(), first_.end() - 1);
    for (auto& block : hits) {
        for (const Hit& x : block) reach_[fill[x.slot]++] = {x.stop, x.d};
        std::vector<Hit>().swap(block);
    }
}

void StopAccess::of(HomeId h, std::vector<std::pair<StopId, Distance>>& out) const {
    out.clear();
    const SnapResult& home = homes_[h];
    if (!home.ok()) return;
    const WalkGraph& g = net_->graph();
    // From each end of the home's edge: the walk to that end plus the end's walk to the stop
    // (what a search from the home finds; sums over limit_ are dropped, as such a search
    // would).
    for (const SearchSource& s : home.sources(g, 0, legs_)) {
        const std::uint32_t slot = slot_[s.vertex];
        for (std::uint64_t i = first_[slot]; i < first_[slot + 1]; ++i) {
            const auto [t, d] = reach_[i];
            if (std::uint64_t{s.offset} + d <= limit_) out.push_back({t, s.offset + d});
        }
    }
    for (StopId t : net_->edge_stops(home.edge)) {
        const Distance d = same_edge_distance(home, net_->stop(t).snap, legs_);
        if (d <= limit_) out.push_back({t, d});
    }
    std::sort(out.begin(), out.end());
    // The shortest of each stop's entries is its first.
    out.erase(std::unique(out.begin(), out.end(),
                          [](const auto& a, const auto& b) { return a.first == b.first; }),
              out.end());
}

TransitAccess walk_bus_seconds(const TransitNetwork& net, std::span<const SnapResult> homes,
                               std::span<const SnapResult> facilities,
                               const TransitOptions& options, const StopAccess* access) {
    const WalkGraph& g = net.graph();
    const double speed = options.walk_speed_m_per_s;
    const bool legs = options.access_legs;
    const std::uint8_t forbidden = options.forbidden_flags;
    const auto num_homes = static_cast<std::uint32_t>(homes.size());
    TransitAccess out;
    out.walk_s.assign(num_homes, kInfSeconds);
    out.walk_bus_s.assign(num_homes, kInfSeconds);
    out.board_stop.assign(num_homes, kInvalidId);

    // 1. One walk from every facility: the walk-only distance of every vertex.
    const double budget_m = options.budget_s * speed;
    const Distance walk_limit = std::min<Distance>(kMaxSearchDistance, metres_to_cm(budget_m));
    std::vector<SearchSource> src;
    for (std::uint32_t f = 0; f < facilities.size(); ++f) {
        if (!facilities[f].ok()) continue;
        const auto two = facilities[f].sources(g, f, legs);
        src.insert(src.end(), two.begin(), two.end());
    }
    const EdgePoints fac_on_edge(g.num_edges(), facilities);
    MultiSourceDijkstra fac_search(g);
    fac_search.run(
        src, walk_limit, [](VertexId, Distance, std::uint32_t) {}, forbidden);
    auto walk_to_facility = [&](const SnapResult& p) {
        Distance d = p.distance_from(g, fac_search, legs);
        for (std::uint32_t f : fac_on_edge.on(p.edge)) {
            d = std::min(d, same_edge_distance(p, facilities[f], legs));
        }
        return d;
    };

    // 2. Egress: each stop's walk to the nearest facility (round 0 of the reverse search).
    Rounds r;
    r.resize(net.num_stops(), net.num_lines());
    const Distance egress_limit = metres_to_cm(options.max_egress_m);
    for (StopId s = 0; s < net.num_stops(); ++s) {
        const SnapResult& p = net.stop(s).snap;
        if (!p.ok()) continue;
        const Distance d = walk_to_facility(p);
        if (d <= egress_limit) r.prev[s] = cm_to_seconds(d, speed);
    }
    start_rounds(r);
    // 3. Reverse RAPTOR: r.ride[s] = time from boarding at s to the nearest facility.
    run_rounds<true>(net, options, r);
    const std::vector<double>& from_stop = r.ride;

    // 4. Per home: walk only, and walk + bus through the stops within max_access_m.
    std::unique_ptr<StopAccess> own;
    if (!access) access = (own = std::make_unique<StopAccess>(net, homes, options)).get();
    if (access->num_homes() != homes.size())
        throw std::invalid_argument("walk_bus_seconds: the stop access is of other homes");
    tbb::enumerable_thread_specific<std::vector<std::pair<StopId, Distance>>> reach;
    tbb::parallel_for(tbb::blocked_range<HomeId>(0, num_homes), [&](const auto& range) {
        std::vector<std::pair<StopId, Distance>>& near = reach.local();
        for (HomeId h = range.begin(); h != range.end(); ++h) {
            const SnapResult& home = homes[h];
            if (!home.ok()) continue;
            const double walk = cm_to_seconds(walk_to_facility(home), speed);
            double best = walk <= options.budget_s ? walk : kInfSeconds;
            out.walk_s[h] = best;
            StopId board = kInvalidId;
            access->of(h, near);
            for (const auto& [t, d] : near) {
                if (from_stop[t] == kInfSeconds) continue;
                const double total = cm_to_seconds(d, speed) + from_stop[t];
                // (a margin: walking to a stop and on to the facility on foot must not beat
                // walking)
                if (total + 1e-9 < best && total <= options.budget_s) {
                    best = total;
                    board = t;
                }
            }
            out.walk_bus_s[h] = best;
            out.board_stop[h] = board;
        }
    });
    return out;
}

}  // namespace lc15
