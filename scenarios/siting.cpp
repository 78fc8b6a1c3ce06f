#include "scenarios/siting.hpp"

#include <oneapi/tbb/blocked_range.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <queue>
#include <stdexcept>
#include <unordered_map>

#include "engine/components.hpp"

namespace lc15 {

namespace {

// Items (homes or facilities) indexed by the edge they are snapped on (CSR by edge).
struct ByEdge {
    std::vector<std::uint32_t> first;
    std::vector<std::uint32_t> item;

    template <class SnapOf>
    ByEdge(std::uint32_t num_edges, std::size_t n, SnapOf&& snap_of) : first(num_edges + 1, 0) {
        for (std::size_t i = 0; i < n; ++i) {
            const SnapResult& s = snap_of(i);
            if (s.ok()) ++first[s.edge + 1];
        }
        for (std::uint32_t e = 0; e < num_edges; ++e) first[e + 1] += first[e];
        item.resize(first[num_edges]);
        std::vector<std::uint32_t> fill(first.begin(), first.end() - 1);
        for (std::size_t i = 0; i < n; ++i) {  // ascending i: items sorted within each edge
            const SnapResult& s = snap_of(i);
            if (s.ok()) item[fill[s.edge]++] = static_cast<std::uint32_t>(i);
        }
    }
    std::span<const std::uint32_t> on(EdgeId e) const {
        return {item.data() + first[e], first[e + 1] - first[e]};
    }
};

// Per-thread state for the coverage-set searches.
struct Worker {
    explicit Worker(const WalkGraph& g) : search(g), edge_stamp(g.num_edges(), 0) {}
    MultiSourceDijkstra search;
    std::vector<std::uint32_t> edge_stamp;
    std::uint32_t stamp = 0;
    std::vector<EdgeId> edges;
};

bool usable(const WalkGraph& g, const SnapResult& s, std::uint8_t forbidden) {
    return s.ok() && (g.edge_flags(s.edge) & forbidden) == 0;
}

bool too_close(LonLat p, std::span<const LonLat> chosen, double min_spacing_m) {
    if (min_spacing_m <= 0) return false;
    for (const LonLat& q : chosen) {
        if (haversine_m(p, q) < min_spacing_m) return true;
    }
    return false;
}

void check_capacity(const CoverageSets& sets, const SitingOptions& opt) {
    if (!opt.capacity.empty() && opt.capacity.size() != sets.num_candidates()) {
        throw std::invalid_argument("siting: capacity needs one value per candidate");
    }
}

}  // namespace

CoverageSets build_coverage_sets(const WalkGraph& g, std::span<const SnapResult> candidates,
                                 std::span<const Home> homes, std::span<const SnapResult> existing,
                                 const SitingOptions& opt) {
    const Distance radius = metres_to_cm(opt.radius_m);
    const bool legs = opt.access_legs;
    const std::uint8_t forbidden = opt.forbidden_flags;
    const ByEdge homes_on(g.num_edges(), homes.size(),
                          [&](std::size_t i) -> const SnapResult& { return homes[i].snap; });

    CoverageSets sets;
    sets.weight.assign(homes.size(), 0.0);
    for (std::size_t h = 0; h < homes.size(); ++h) {
        sets.total_population += homes[h].population;
        if (usable(g, homes[h].snap, forbidden)) sets.weight[h] = homes[h].population;
    }

    // 1. Homes already covered by the existing facilities: one multi-source search.
    if (!existing.empty()) {
        const ByEdge fac_on(g.num_edges(), existing.size(),
                            [&](std::size_t i) -> const SnapResult& { return existing[i]; });
        std::vector<SearchSource> src;
        for (std::size_t f = 0; f < existing.size(); ++f) {
            if (!usable(g, existing[f], forbidden)) continue;
            for (const SearchSource& s :
                 existing[f].sources(g, static_cast<std::uint32_t>(f), legs))
                src.push_back(s);
        }
        MultiSourceDijkstra search(g);
        search.run(
            src, radius, [](VertexId, Distance, std::uint32_t) {}, forbidden);
        for (std::size_t h = 0; h < homes.size(); ++h) {
            const SnapResult& hs = homes[h].snap;
            if (!usable(g, hs, forbidden)) continue;
            Distance d = hs.distance_from(g, search, legs);
            for (std::uint32_t f : fac_on.on(hs.edge)) {
                d = std::min(d, same_edge_distance(hs, existing[f], legs));
            }
            if (d <= radius) {
                sets.base_covered += homes[h].population;
                sets.weight[h] = 0.0;
            }
        }
    }

    // 2. Each candidate's set: bounded search from its two entry points, then the homes on
    //    every edge touched by a settled vertex (and on the candidate's own edge).
    const std::size_t nc = candidates.size();
    std::vector<std::vector<std::pair<Distance, HomeId>>> per(nc);
    tbb::enumerable_thread_specific<Worker> workers([&] { return Worker(g); });
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, nc, 16), [&](const auto& range) {
        Worker& w = workers.local();
        for (std::size_t c = range.begin(); c != range.end(); ++c) {
            const SnapResult& cs = candidates[c];
            if (!usable(g, cs, forbidden)) continue;
            if (++w.stamp == 0) {
                std::fill(w.edge_stamp.begin(), w.edge_stamp.end(), 0);
                w.stamp = 1;
            }
            w.edges.clear();
            auto touch = [&](EdgeId e) {
                if (w.edge_stamp[e] == w.stamp) return;
                w.edge_stamp[e] = w.stamp;
                w.edges.push_back(e);
            };
            touch(cs.edge);
            const auto src = cs.sources(g, 0, legs);
            w.search.run(
                src, radius,
                [&](VertexId v, Distance, std::uint32_t) {
                    for (ArcId a = g.first_out(v); a < g.first_out(v + 1); ++a) {
                        if ((g.arc_flags(a) & forbidden) == 0) touch(g.arc_edge(a));
                    }
                },
                forbidden);
            auto& out = per[c];
            for (EdgeId e : w.edges) {
                for (HomeId h : homes_on.on(e)) {
                    const SnapResult& hs = homes[h].snap;
                    if (!usable(g, hs, forbidden)) continue;
                    Distance d = hs.distance_from(g, w.search, legs);
                    if (e == cs.edge) d = std::min(d, same_edge_distance(hs, cs, legs));
                    if (d <= radius) out.emplace_back(d, h);
                }
            }
            std::sort(out.begin(), out.end());
        }
    });

    for (std::size_t c = 0; c < nc; ++c) {
        for (const auto& [d, h] : per[c]) {
            sets.home.push_back(h);
            sets.distance.push_back(d);
        }
        sets.first.push_back(static_cast<std::uint32_t>(sets.home.size()));
    }
    return sets;
}

// Checks the arguments both solvers share and starts a result with the baseline figures.
static SitingResult empty_result(const CoverageSets& sets, std::span<const LonLat> positions,
                                 const SitingOptions& opt) {
    if (opt.min_spacing_m > 0 && positions.size() != sets.num_candidates()) {
        throw std::invalid_argument("siting: spacing needs one position per candidate");
    }
    SitingResult r;
    r.base_covered = sets.base_covered;
    r.total_population = sets.total_population;
    return r;
}

PlaceShares place_shares(const CoverageSets& sets, const PlaceGap& gap,
                         std::span<const double> capacity, Decay decay, double radius_m) {
    const double radius_cm = metres_to_cm(radius_m);
    if (capacity.size() != sets.num_candidates())
        throw std::invalid_argument("siting: capacity needs one value per candidate");
    if (gap.demand.size() != sets.weight.size() || gap.slot.size() != sets.weight.size())
        throw std::invalid_argument("siting: place gap needs demand and slot per home");
    PlaceShares out;
    std::vector<double> by_slot(gap.gap.size(), 0.0);
    std::vector<std::uint32_t> used;
    for (std::uint32_t c = 0; c < sets.num_candidates(); ++c) {
        // 2SFCA with the candidate alone: its places split by the demand in its catchment.
        double total = 0;
        used.clear();
        for (std::uint32_t i = sets.first[c]; i < sets.first[c + 1]; ++i) {
            const HomeId h = sets.home[i];
            const double d = gap.demand[h] * decay_weight(sets.distance[i], radius_cm, decay);
            if (d <= 0) continue;
            const std::uint32_t k = gap.slot[h];
            if (k >= by_slot.size()) throw std::invalid_argument("siting: slot out of range");
            if (by_slot[k] == 0) used.push_back(k);
            by_slot[k] += d;
            total += d;
        }
        std::sort(used.begin(), used.end());
        const double cap = std::isfinite(capacity[c]) && capacity[c] > 0 ? capacity[c] : 0.0;
        for (std::uint32_t k : used) {
            out.slot.push_back(k);
            out.places.push_back(total > 0 ? cap * by_slot[k] / total : 0.0);
            by_slot[k] = 0;
        }
        out.first.push_back(static_cast<std::uint32_t>(out.slot.size()));
    }
    return out;
}

namespace {

// What a site adds, for both models: population newly covered (uncapacitated) or place gap
// closed (capacitated); `take` commits a site.
class GainState {
  public:
    GainState(const CoverageSets& sets, const SitingOptions& opt, const PlaceGap* gap)
        : sets_(sets) {
        if (!opt.capacity.empty()) {
            if (!gap) throw std::invalid_argument("siting: capacities need the place gap");
            shares_ = place_shares(sets, *gap, opt.capacity, opt.decay, opt.radius_m);
            residual_ = gap->gap;
            capacitated_ = true;
        } else {
            residual_ = sets.weight;
        }
    }
    double gain(std::uint32_t c) const {
        double s = 0;
        if (capacitated_) {
            for (std::uint32_t i = shares_.first[c]; i < shares_.first[c + 1]; ++i)
                s += std::min(residual_[shares_.slot[i]], shares_.places[i]);
        } else {
            for (HomeId h : sets_.homes_of(c)) s += residual_[h];
        }
        return s;
    }
    void take(std::uint32_t c) {
        if (capacitated_) {
            for (std::uint32_t i = shares_.first[c]; i < shares_.first[c + 1]; ++i) {
                double& r = residual_[shares_.slot[i]];
                r -= std::min(r, shares_.places[i]);
            }
        } else {
            for (HomeId h : sets_.homes_of(c)) residual_[h] = 0;
        }
    }
    bool capacitated() const { return capacitated_; }

  private:
    const CoverageSets& sets_;
    PlaceShares shares_;
    std::vector<double> residual_;
    bool capacitated_ = false;
};

// Starts a result: uncapacitated, the baseline coverage; capacitated, the base place gap.
void set_totals(SitingResult& r, const CoverageSets& sets, const SitingOptions& opt,
                const PlaceGap* gap) {
    if (!opt.capacity.empty() && gap) {
        r.base_covered = 0;
        r.total_population = std::accumulate(gap->gap.begin(), gap->gap.end(), 0.0);
    } else {
        r.base_covered = sets.base_covered;
        r.total_population = sets.total_population;
    }
}

double share_of(const SitingResult& r, double covered) {
    return r.total_population > 0 ? (r.base_covered + covered) / r.total_population : 0.0;
}

double nearest_m(LonLat p, std::span<const LonLat> others) {
    double best = std::numeric_limits<double>::infinity();
    for (const LonLat& q : others) best = std::min(best, haversine_m(p, q));
    return best;
}

}  // namespace

bool equal_gain(double a, double b) {
    return std::abs(a - b) <= 1e-9 * std::max({1.0, std::abs(a), std::abs(b)});
}

std::uint32_t spread_choice(std::span<const std::uint32_t> tied, std::span<const LonLat> positions,
                            std::span<const LonLat> placed) {
    std::uint32_t best = kInvalidId;
    double best_m = -1;
    for (std::uint32_t c : tied) {
        const double m = positions.empty() || placed.empty()
                             ? std::numeric_limits<double>::infinity()
                             : nearest_m(positions[c], placed);
        if (best == kInvalidId || m > best_m || (m == best_m && c < best)) {
            best = c;
            best_m = m;
        }
    }
    return best;
}

SitingResult greedy_siting(const CoverageSets& sets, std::span<const LonLat> positions,
                           const SitingOptions& opt, std::span<const LonLat> existing,
                           const PlaceGap* gap) {
    check_capacity(sets, opt);
    const std::uint32_t nc = sets.num_candidates();
    SitingResult r = empty_result(sets, positions, opt);
    set_totals(r, sets, opt, gap);
    GainState state(sets, opt, gap);
    auto gain_of = [&](std::uint32_t c) {
        ++r.evaluations;
        return state.gain(c);
    };

    // Max-heap on (gain, -index) of upper bounds; `round` = sites chosen when computed.
    struct Entry {
        double gain;
        std::uint32_t candidate;
        std::uint32_t round;
        bool operator<(const Entry& o) const {
            if (gain != o.gain) return gain < o.gain;
            return candidate > o.candidate;
        }
    };
    std::priority_queue<Entry> heap;
    for (std::uint32_t c = 0; c < nc; ++c) {
        if (too_close(positions.empty() ? LonLat{} : positions[c], existing, opt.min_spacing_m))
            continue;
        heap.push({gain_of(c), c, 0});
    }
    std::vector<LonLat> placed(existing.begin(), existing.end());
    auto allowed = [&](std::uint32_t c) {
        return opt.min_spacing_m <= 0 || !too_close(positions[c], placed, opt.min_spacing_m);
    };
    double covered = 0;
    std::vector<Entry> tied;
    std::vector<std::uint32_t> tied_ids;
    while (r.steps.size() < opt.k && !heap.empty()) {
        const auto round = static_cast<std::uint32_t>(r.steps.size());
        // The best fresh entry (stale bounds are re-evaluated; ruled-out sites dropped: chosen
        // sites never go away).
        Entry top = heap.top();
        heap.pop();
        if (!allowed(top.candidate)) continue;
        if (top.round != round) {
            heap.push({gain_of(top.candidate), top.candidate, round});
            continue;
        }
        if (top.gain <= 0) break;
        // Every other candidate whose gain equals it: bounds at least as high are re-evaluated.
        tied.assign(1, top);
        while (!heap.empty() &&
               (heap.top().gain >= top.gain || equal_gain(heap.top().gain, top.gain))) {
            Entry e = heap.top();
            heap.pop();
            if (!allowed(e.candidate)) continue;
            if (e.round != round) e = {gain_of(e.candidate), e.candidate, round};
            if (equal_gain(e.gain, top.gain))
                tied.push_back(e);
            else
                heap.push(e);
        }
        tied_ids.clear();
        for (const Entry& e : tied) tied_ids.push_back(e.candidate);
        // Tie rule: the site farthest from the sites chosen and the existing facilities.
        const std::uint32_t pick = spread_choice(tied_ids, positions, placed);
        for (const Entry& e : tied)
            if (e.candidate != pick) heap.push(e);
        const double g = state.gain(pick);
        state.take(pick);
        covered += g;
        r.steps.push_back({pick, g, covered, share_of(r, covered)});
        if (!positions.empty()) placed.push_back(positions[pick]);
    }
    r.exhausted = r.steps.size() < opt.k;
    return r;
}

SitingResult exact_siting(const CoverageSets& sets, std::span<const LonLat> positions,
                          const SitingOptions& opt, std::span<const LonLat> existing) {
    if (!opt.capacity.empty()) {
        throw std::invalid_argument("exact_siting: capacities are not supported");
    }
    const std::uint32_t nc = sets.num_candidates();
    SitingResult r = empty_result(sets, positions, opt);

    // Candidates allowed next to the existing facilities, most promising first (better bounds
    // early); ties by index.
    std::vector<std::uint32_t> order;
    std::vector<double> initial(nc, 0.0);
    for (std::uint32_t c = 0; c < nc; ++c) {
        if (opt.min_spacing_m > 0 && too_close(positions[c], existing, opt.min_spacing_m)) continue;
        for (HomeId h : sets.homes_of(c)) initial[c] += sets.weight[h];
        if (initial[c] > 0) order.push_back(c);
    }
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return initial[a] > initial[b]; });

    std::vector<std::uint32_t> count(sets.weight.size(), 0);  // chosen sites covering h
    std::vector<std::uint32_t> chosen, best;
    double best_value = -1;
    std::vector<double> gains;

    auto gain_of = [&](std::uint32_t c) {
        double s = 0;
        for (HomeId h : sets.homes_of(c)) {
            if (count[h] == 0) s += sets.weight[h];
        }
        return s;
    };
    auto compatible = [&](std::uint32_t c) {
        if (opt.min_spacing_m <= 0) return true;
        for (std::uint32_t o : chosen) {
            if (haversine_m(positions[c], positions[o]) < opt.min_spacing_m) return false;
        }
        return true;
    };
    // Depth-first: at position i either take order[i] (if compatible) or skip it.
    auto dfs = [&](auto&& self, std::size_t i, double value) -> void {
        ++r.evaluations;
        if (value > best_value) {
            best_value = value;
            best = chosen;
        }
        const std::size_t left = opt.k - chosen.size();
        if (left == 0 || i == order.size()) return;
        // Submodular bound: value + the `left` largest marginal gains among the rest.
        gains.clear();
        for (std::size_t j = i; j < order.size(); ++j) gains.push_back(gain_of(order[j]));
        const std::size_t take = std::min(left, gains.size());
        std::partial_sort(gains.begin(), gains.begin() + static_cast<std::ptrdiff_t>(take),
                          gains.end(), std::greater<>{});
        const double bound =
            value +
            std::accumulate(gains.begin(), gains.begin() + static_cast<std::ptrdiff_t>(take), 0.0);
        if (bound <= best_value) return;
        const std::uint32_t c = order[i];
        if (compatible(c)) {
            const double g = gain_of(c);
            for (HomeId h : sets.homes_of(c)) ++count[h];
            chosen.push_back(c);
            self(self, i + 1, value + g);
            chosen.pop_back();
            for (HomeId h : sets.homes_of(c)) --count[h];
        }
        self(self, i + 1, value);
    };
    dfs(dfs, 0, 0.0);

    std::sort(best.begin(), best.end());
    std::fill(count.begin(), count.end(), 0);
    double covered = 0;
    for (std::uint32_t c : best) {
        double g = 0;
        for (HomeId h : sets.homes_of(c)) {
            if (count[h]++ == 0) g += sets.weight[h];
        }
        covered += g;
        const double share =
            sets.total_population > 0 ? (sets.base_covered + covered) / sets.total_population : 0.0;
        r.steps.push_back({c, g, covered, share});
    }
    r.exhausted = r.steps.size() < opt.k;
    return r;
}

SnapResult point_on_edge(const WalkGraph& g, EdgeId e, Distance off_tail) {
    SnapResult s;
    const Distance len = g.edge_length(e);
    off_tail = std::min(off_tail, len);
    s.edge = e;
    s.off_tail = off_tail;
    s.off_head = len - off_tail;
    s.access = 0;
    const auto shape = g.edge_shape(e);
    const auto offs = g.edge_shape_offsets(e);
    std::size_t i = 1;
    while (i + 1 < offs.size() && offs[i] < off_tail) ++i;
    const Distance a = offs[i - 1], b = offs[i];
    const double t = b > a ? static_cast<double>(off_tail - std::min(off_tail, a)) / (b - a) : 0.0;
    s.on_edge = interpolate(shape[i - 1], shape[i], std::clamp(t, 0.0, 1.0));
    return s;
}

std::vector<LonLat> Candidates::positions() const {
    std::vector<LonLat> p;
    p.reserve(snaps.size());
    for (const SnapResult& s : snaps) p.push_back(s.on_edge);
    return p;
}

namespace {

// Points hashed into square cells of a local projection, for "is any point within r".
class PointGrid {
  public:
    PointGrid(LonLat origin, double cell_m) : proj_(origin), cell_(cell_m) {}
    void add(LonLat p) { cells_[key(p)].push_back(p); }
    bool any_within(LonLat p, double r_m) const {
        auto [x, y] = proj_.forward(p);
        const auto cx = static_cast<std::int64_t>(std::floor(x / cell_));
        const auto cy = static_cast<std::int64_t>(std::floor(y / cell_));
        const auto reach = static_cast<std::int64_t>(std::ceil(r_m / cell_));
        for (std::int64_t dx = -reach; dx <= reach; ++dx) {
            for (std::int64_t dy = -reach; dy <= reach; ++dy) {
                auto it = cells_.find(pack(cx + dx, cy + dy));
                if (it == cells_.end()) continue;
                for (const LonLat& q : it->second) {
                    if (haversine_m(p, q) < r_m) return true;
                }
            }
        }
        return false;
    }

  private:
    static std::uint64_t pack(std::int64_t x, std::int64_t y) {
        return (static_cast<std::uint64_t>(x) << 32) ^ static_cast<std::uint32_t>(y);
    }
    std::uint64_t key(LonLat p) const {
        auto [x, y] = proj_.forward(p);
        return pack(static_cast<std::int64_t>(std::floor(x / cell_)),
                    static_cast<std::int64_t>(std::floor(y / cell_)));
    }
    LocalProjection proj_;
    double cell_;
    std::unordered_map<std::uint64_t, std::vector<LonLat>> cells_;
};

}  // namespace

Candidates generate_candidates(const WalkGraph& g, const CandidateOptions& opt,
                               std::span<const LonLat> home_points,
                               std::span<const MultiPolygon> residential) {
    Candidates out;
    if (g.num_vertices() == 0 || opt.spacing_m <= 0) return out;
    const Components comp = connected_components(g, opt.forbidden_flags);
    const LonLat origin = g.coord(0);
    PointGrid near(origin, std::max(opt.near_m, 1.0));
    for (const LonLat& p : home_points) near.add(p);
    for (const MultiPolygon& mp : residential) {
        for (const LonLat& p : boundary_points(mp, std::max(opt.near_m / 4, 5.0))) near.add(p);
    }
    std::vector<MultiPolygon> polys(residential.begin(), residential.end());
    const PolygonIndex inside(polys);
    PointGrid placed(origin, opt.spacing_m);
    const Distance step = metres_to_cm(opt.spacing_m);

    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        if (g.edge_flags(e) & opt.forbidden_flags) continue;
        if (comp.component[g.edge_tail(e)] != 0) continue;
        const Distance len = g.edge_length(e);
        // Every `step` along the edge, centred: an edge shorter than the step gets its middle.
        const Distance n = len / step + 1;
        const Distance start = (len - (n - 1) * step) / 2;
        for (Distance i = 0; i < n; ++i) {
            const SnapResult s = point_on_edge(g, e, start + i * step);
            if (placed.any_within(s.on_edge, opt.spacing_m)) continue;
            if (!near.any_within(s.on_edge, opt.near_m) && inside.find(s.on_edge) == kInvalidId)
                continue;
            placed.add(s.on_edge);
            out.snaps.push_back(s);
        }
    }
    return out;
}

}  // namespace lc15
