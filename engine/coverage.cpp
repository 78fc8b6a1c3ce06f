#include "engine/coverage.hpp"

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <functional>
#include <span>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include "engine/search.hpp"

namespace lc15 {

namespace {

// (distance, label) ordered lexicographically: the tie-break every result shares.
struct DistLabel {
    Distance d = kInfDistance;
    std::uint32_t label = kInvalidId;
    friend bool operator<(const DistLabel& a, const DistLabel& b) {
        return a.d != b.d ? a.d < b.d : a.label < b.label;
    }
};

struct HeapItem {
    Distance d;
    std::uint32_t label;
    VertexId v;
    friend bool operator>(const HeapItem& a, const HeapItem& b) {
        if (a.d != b.d) return a.d > b.d;
        if (a.label != b.label) return a.label > b.label;
        return a.v > b.v;
    }
};

// Population-weighted median and 90th percentile of one community's homes for one category:
// the smallest distance whose cumulative weight (in order of distance, ties in home order)
// reaches q of the total (a relative 1e-12 absorbs rounding); -1 when the quantile lies among
// unreached homes (infinite distance) or there is no weight. `keys` is scratch. Every sum runs
// in a fixed order, so a report updated from a Delta equals a fresh one bit for bit.
// Keys (distance << 32 | index) in ascending order, i.e. by distance, ties in index order:
// std::sort for short lists, else a least-significant-digit radix sort on the distance bytes
// (stable, so ties keep their index order; passes where every key has the same byte skipped).
void sort_keys(std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& tmp) {
    const std::size_t n = keys.size();
    if (n < 256) {
        std::sort(keys.begin(), keys.end());
        return;
    }
    std::array<std::array<std::uint32_t, 256>, 4> count{};
    for (std::uint64_t k : keys) {
        for (int b = 0; b < 4; ++b) ++count[b][(k >> (32 + 8 * b)) & 0xff];
    }
    tmp.resize(n);
    for (int b = 0; b < 4; ++b) {
        auto& c = count[b];
        const int shift = 32 + 8 * b;
        if (c[(keys.front() >> shift) & 0xff] == n) continue;  // one bucket: nothing to do
        std::uint32_t sum = 0;
        for (auto& x : c) sum += std::exchange(x, sum);
        for (std::uint64_t k : keys) tmp[c[(k >> shift) & 0xff]++] = k;
        keys.swap(tmp);
    }
}

void weighted_quantiles(std::span<const Distance> dist, std::span<const double> pop,
                        std::vector<std::uint64_t>& keys, std::vector<std::uint64_t>& tmp,
                        double& median_m, double& p90_m) {
    keys.resize(dist.size());
    for (std::size_t i = 0; i < dist.size(); ++i)
        keys[i] = (std::uint64_t{dist[i]} << 32) | static_cast<std::uint32_t>(i);
    sort_keys(keys, tmp);  // = a stable sort by distance
    double total = 0;
    for (std::uint64_t key : keys) total += pop[static_cast<std::uint32_t>(key)];
    median_m = p90_m = -1;
    if (!(total > 0)) return;
    const double want50 = 0.5 * total * (1.0 - 1e-12), want90 = 0.9 * total * (1.0 - 1e-12);
    double cum = 0;
    bool have50 = false;
    for (std::uint64_t key : keys) {
        const double w = pop[static_cast<std::uint32_t>(key)];
        cum += w;
        if (!(w > 0)) continue;
        const Distance d = static_cast<Distance>(key >> 32);
        const double m = d == kInfDistance ? -1.0 : cm_to_metres(d);
        if (!have50 && cum >= want50) {
            median_m = m;
            have50 = true;
        }
        if (cum >= want90) {
            p90_m = m;
            return;
        }
    }
}

}  // namespace

struct CoverageModel::Impl {
    struct Facility {
        std::uint32_t cat;
        std::vector<SnapResult> snaps;  // its entrances (one for a point)
        bool active;
        std::vector<CommunityId> communities;  // communities with a home within the radius
    };
    struct Category {
        std::vector<Distance> vdist;         // per vertex: distance to the nearest facility
        std::vector<FacilityHandle> vlabel;  // per vertex: that facility (lowest handle on ties)
        std::vector<HomeCategoryResult> home;
        // Active facilities with a usable entrance on the edge, ascending, each once.
        std::unordered_map<EdgeId, std::vector<FacilityHandle>> edge_facilities;
        // One bit per edge: whether edge_facilities holds it. Every home asks, few edges have
        // a facility: the bit spares the hash lookup (44M of them in a 2M-home city).
        std::vector<std::uint64_t> edge_bits;
        bool on_edge_any(EdgeId e) const {
            const std::size_t w = e >> 6;
            return w < edge_bits.size() && ((edge_bits[w] >> (e & 63)) & 1);
        }
        std::vector<FacilityHandle>& on_edge_add(EdgeId e) {
            const std::size_t w = e >> 6;
            if (w >= edge_bits.size()) edge_bits.resize(w + 1, 0);
            edge_bits[w] |= std::uint64_t{1} << (e & 63);
            return edge_facilities[e];
        }
        void on_edge_drop(EdgeId e) {
            edge_facilities.erase(e);
            if ((e >> 6) < edge_bits.size()) edge_bits[e >> 6] &= ~(std::uint64_t{1} << (e & 63));
        }
        const std::vector<FacilityHandle>* on_edge(EdgeId e) const {
            if (!on_edge_any(e)) return nullptr;
            const auto it = edge_facilities.find(e);
            return it == edge_facilities.end() ? nullptr : &it->second;
        }
        // Per community (indexed like community_ids): the active facilities with a home of
        // that community within the radius (Facility::communities counted).
        std::vector<std::uint32_t> community_facilities;
    };
    struct Worker {
        explicit Worker(const WalkGraph& g) : search(g) {}
        MultiSourceDijkstra search;
        std::vector<std::uint32_t> edge_stamp;  // per edge: its homes seen in this search
        std::uint32_t stamp = 0;
        std::vector<VertexId> settled;
        std::vector<CommunityId> communities;  // scratch of communities_within
    };

    Impl(const WalkGraph& graph, std::vector<CategoryRule> r, CoverageOptions o)
        : g(graph), rules(std::move(r)), options(o), workers([this] { return Worker(g); }) {
        for (const auto& rule : rules) radius.push_back(metres_to_cm(std::max(0.0, rule.radius_m)));
        index_homes();
    }

    const WalkGraph& g;
    std::vector<CategoryRule> rules;
    CoverageOptions options;
    std::vector<Distance> radius;  // cm, per category
    std::vector<Home> homes;
    std::vector<std::uint32_t> edge_home_first;  // CSR edge -> homes (usable snaps only)
    std::vector<HomeId> edge_homes;
    // Beside edge_homes, what a bounded search needs of each home, so that the homes of an
    // edge are read in one run of memory instead of one Home record each.
    struct EdgeHome {
        HomeId home;
        Distance off_tail, off_head, leg;
        CommunityId community;
    };
    std::vector<EdgeHome> edge_home_info;
    std::vector<HomeId> by_community;        // homes sorted by community, in home order within one
    std::vector<CommunityId> community_ids;  // the distinct community ids of homes, ascending
    std::vector<Facility> facilities;
    std::vector<Category> cats;
    bool computed = false;
    bool edit_state_released = false;  // release_edit_state() since the last compute()
    // Refuses an edit of a model whose edit state was released.
    void require_edit_state(const char* edit) const {
        if (edit_state_released) {
            throw std::logic_error(std::string(edit) +
                                   ": the model's edit state was released; compute() again first");
        }
    }
    tbb::enumerable_thread_specific<Worker> workers;

    // Scratch for serial edits.
    std::vector<std::uint32_t> vmark;
    std::uint32_t vstamp = 0;
    std::vector<std::uint32_t> hmark;
    std::uint32_t hstamp = 0;
    std::vector<std::uint32_t> hslot;  // per home: its index in a Recorder's list
    std::vector<HeapItem> heap;

    bool legs() const { return options.access_legs; }
    Distance leg(const SnapResult& s) const { return options.access_legs ? s.access : 0; }

    /// On the network and not on an edge the profile forbids.
    bool usable(const SnapResult& s) const {
        return s.ok() && s.edge < g.num_edges() &&
               !(g.edge_flags(s.edge) & options.forbidden_flags);
    }

    /// Some entrance of the facility is usable.
    bool usable(const Facility& fac) const {
        return std::any_of(fac.snaps.begin(), fac.snaps.end(),
                           [&](const SnapResult& s) { return usable(s); });
    }

    /// The distinct edges of f's usable entrances, ascending.
    std::vector<EdgeId> entrance_edges(FacilityHandle f) const {
        std::vector<EdgeId> out;
        for (const SnapResult& s : facilities[f].snaps)
            if (usable(s)) out.push_back(s.edge);
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }

    /// The search sources of every usable entrance of f, all labelled f.
    std::vector<SearchSource> sources(FacilityHandle f) const {
        std::vector<SearchSource> out;
        for (const SnapResult& s : facilities[f].snaps) {
            if (!usable(s)) continue;
            for (const SearchSource& x : s.sources(g, f, legs())) out.push_back(x);
        }
        return out;
    }

    /// Along edge e from a point snapped onto it to the nearest usable entrance of f on e,
    /// with f's access leg (not the point's); inf when f has no entrance on e.
    Distance same_edge_to(const SnapResult& p, FacilityHandle f, EdgeId e) const {
        return same_edge_to(p.off_tail, f, e);
    }
    /// The same for a point on e at `off_tail` from its tail (same_edge_distance, no legs).
    Distance same_edge_to(Distance off_tail, FacilityHandle f, EdgeId e) const {
        Distance best = kInfDistance;
        for (const SnapResult& s : facilities[f].snaps) {
            if (s.edge != e || !usable(s)) continue;
            best = std::min<Distance>(best, along_edge(off_tail, s.off_tail) + leg(s));
        }
        return best;
    }

    std::span<const HomeId> homes_on(EdgeId e) const {
        return {edge_homes.data() + edge_home_first[e],
                edge_home_first[e + 1] - edge_home_first[e]};
    }

    void index_homes() {
        edge_home_first.assign(g.num_edges() + 1, 0);
        for (const Home& h : homes) {
            if (usable(h.snap)) ++edge_home_first[h.snap.edge + 1];
        }
        for (std::size_t e = 0; e < g.num_edges(); ++e)
            edge_home_first[e + 1] += edge_home_first[e];
        edge_homes.assign(edge_home_first.back(), 0);
        std::vector<std::uint32_t> fill(edge_home_first.begin(), edge_home_first.end() - 1);
        for (HomeId h = 0; h < homes.size(); ++h) {
            if (usable(homes[h].snap)) edge_homes[fill[homes[h].snap.edge]++] = h;
        }
        edge_home_info.resize(edge_homes.size());
        for (std::size_t i = 0; i < edge_homes.size(); ++i) {
            const Home& home = homes[edge_homes[i]];
            edge_home_info[i] = {edge_homes[i], home.snap.off_tail, home.snap.off_head,
                                 leg(home.snap), home.community};
        }
        by_community.resize(homes.size());
        for (HomeId h = 0; h < homes.size(); ++h) by_community[h] = h;
        std::stable_sort(by_community.begin(), by_community.end(), [&](HomeId a, HomeId b) {
            return homes[a].community < homes[b].community;
        });
        community_ids.clear();
        for (const HomeId h : by_community) {
            const CommunityId c = homes[h].community;
            if (c != kInvalidId && (community_ids.empty() || community_ids.back() != c))
                community_ids.push_back(c);
        }
    }

    // Index of community c in community_ids (kInvalidId for one no home belongs to).
    std::uint32_t community_index(CommunityId c) const {
        const auto it = std::lower_bound(community_ids.begin(), community_ids.end(), c);
        return it != community_ids.end() && *it == c
                   ? static_cast<std::uint32_t>(it - community_ids.begin())
                   : kInvalidId;
    }

    // Facilities of category k within the radius of some home of community c.
    std::uint32_t facilities_within(std::uint32_t k, CommunityId c) const {
        const std::uint32_t i = community_index(c);
        return i == kInvalidId ? 0 : cats[k].community_facilities[i];
    }

    // Adds (+1) or takes away (-1) facility f from the counts of the communities it reaches.
    void count_communities(FacilityHandle f, int sign) {
        Category& cat = cats[facilities[f].cat];
        for (const CommunityId c : facilities[f].communities) {
            const std::uint32_t i = community_index(c);
            if (i != kInvalidId) cat.community_facilities[i] += static_cast<std::uint32_t>(sign);
        }
    }

    // The homes of no community below `ncom` (ids >= ncom, kInvalidId included), in
    // by_community order: the tail of by_community.
    std::span<const HomeId> outside(std::uint32_t ncom) const {
        const auto lo = std::partition_point(by_community.begin(), by_community.end(),
                                             [&](HomeId h) { return homes[h].community < ncom; });
        return {by_community.data() + (lo - by_community.begin()),
                static_cast<std::size_t>(by_community.end() - lo)};
    }

    // The homes of community c, in home order.
    std::span<const HomeId> members(CommunityId c) const {
        const auto lo = std::partition_point(by_community.begin(), by_community.end(),
                                             [&](HomeId h) { return homes[h].community < c; });
        const auto hi = std::partition_point(lo, by_community.end(),
                                             [&](HomeId h) { return homes[h].community <= c; });
        return {by_community.data() + (lo - by_community.begin()),
                static_cast<std::size_t>(hi - lo)};
    }

    struct Scratch {
        std::vector<Distance> dist;
        std::vector<double> pop;
        std::vector<std::uint64_t> keys, tmp;
    };

    // One (community, category) entry from the community's homes; facilities_within is left
    // to the caller. Sums run in home order, the quantiles in distance order.
    void community_metrics(std::uint32_t k, std::span<const HomeId> homes_of, Scratch& s,
                           CategoryCommunityMetrics& x) const {
        s.dist.clear();
        s.pop.clear();
        x.population = x.covered_population = 0;
        for (const HomeId h : homes_of) {
            const double pop = homes[h].population;
            const HomeCategoryResult& r = cats[k].home[h];
            x.population += pop;
            if (r.reached() && r.nearest <= radius[k]) x.covered_population += pop;
            s.dist.push_back(r.nearest);
            s.pop.push_back(pop);
        }
        x.share = x.population > 0 ? x.covered_population / x.population : 0.0;
        weighted_quantiles(s.dist, s.pop, s.keys, s.tmp, x.median_m, x.p90_m);
        x.pass = x.share >= rules[k].target_share;
    }

    // Score and lacking categories of a community from its per-category entries.
    void community_score(CommunityMetrics& cm) const {
        double weighted = 0, weight_sum = 0;
        cm.lacking.clear();
        for (std::uint32_t k = 0; k < rules.size(); ++k) {
            const CategoryCommunityMetrics& x = cm.by_category[k];
            weighted += rules[k].weight * x.share;
            weight_sum += rules[k].weight;
            if (x.population > 0 && x.covered_population == 0) cm.lacking.push_back(k);
        }
        cm.score = weight_sum > 0 ? 100.0 * weighted / weight_sum : 0.0;
    }

    // Figures of category k over `homes_of`, in their order.
    void sum_homes(std::uint32_t k, std::span<const HomeId> homes_of,
                   CityCategorySummary& s) const {
        s = {};
        for (const HomeId h : homes_of) {
            const double pop = homes[h].population;
            const HomeCategoryResult& r = cats[k].home[h];
            s.population += pop;
            if (r.reached() && r.nearest <= radius[k]) s.covered_population += pop;
        }
        s.share = s.population > 0 ? s.covered_population / s.population : 0.0;
    }

    // City figures of category k: the communities' figures in id order, then the homes of no
    // community. report() and update_report() both sum this way, so an updated report equals a
    // fresh one bit for bit while only the touched communities are recomputed.
    static void city_category(std::uint32_t k, CoverageReport& r) {
        CityCategorySummary& s = r.city[k];
        s = {};
        for (const CommunityMetrics& cm : r.communities) {
            s.population += cm.by_category[k].population;
            s.covered_population += cm.by_category[k].covered_population;
        }
        s.population += r.outside[k].population;
        s.covered_population += r.outside[k].covered_population;
        s.share = s.population > 0 ? s.covered_population / s.population : 0.0;
    }

    void city_score(CoverageReport& out) const {
        double weighted = 0, weight_sum = 0;
        for (std::uint32_t k = 0; k < rules.size(); ++k) {
            weighted += rules[k].weight * out.city[k].share;
            weight_sum += rules[k].weight;
        }
        out.city_score = weight_sum > 0 ? 100.0 * weighted / weight_sum : 0.0;
    }

    // Nearest facility of `cat` for home h from the per-vertex arrays and the facilities on
    // the home's own edge. count_within is left to the caller.
    DistLabel nearest(std::uint32_t cat, HomeId h) const {
        const Home& home = homes[h];
        DistLabel best;
        if (!usable(home.snap)) return best;
        const Category& c = cats[cat];
        const EdgeId e = home.snap.edge;
        const VertexId t = g.edge_tail(e), hd = g.edge_head(e);
        if (c.vdist[t] != kInfDistance)
            best = std::min(best, DistLabel{c.vdist[t] + home.snap.off_tail, c.vlabel[t]});
        if (c.vdist[hd] != kInfDistance) {
            best = std::min(best, DistLabel{c.vdist[hd] + home.snap.off_head, c.vlabel[hd]});
        }
        if (const auto* on = c.on_edge(e)) {
            for (FacilityHandle f : *on)
                best = std::min(best, DistLabel{same_edge_to(home.snap, f, e), f});
        }
        if (best.d != kInfDistance) best.d += leg(home.snap);
        return best;
    }

    // Exact distance from facility f to home h given a search run from f alone.
    Distance distance_from_search(const Worker& w, FacilityHandle f, HomeId h) const {
        const SnapResult& hs = homes[h].snap;
        const Distance d =
            std::min(hs.distance_from(g, w.search, false), same_edge_to(hs, f, hs.edge));
        return d == kInfDistance ? d : d + leg(hs);
    }

    // Calls fn(home) once for every home within the category radius of facility f (of any of
    // its entrances: a home near two entrances is still called once), the distance as
    // distance_from_search gives it, with each edge's ends looked up once.
    template <class Fn>
    void for_homes_within(Worker& w, FacilityHandle f, Fn&& fn) {
        for_homes_within_info(w, f, [&](const EdgeHome& eh) { fn(eh.home); });
    }
    template <class Fn>
    void for_homes_within_info(Worker& w, FacilityHandle f, Fn&& fn) {
        const Facility& fac = facilities[f];
        if (!usable(fac)) return;
        const Distance r = radius[fac.cat];
        if (w.edge_stamp.size() != g.num_edges()) {
            w.edge_stamp.assign(g.num_edges(), 0);
            w.stamp = 0;
        }
        if (++w.stamp == 0) {
            std::fill(w.edge_stamp.begin(), w.edge_stamp.end(), 0);
            w.stamp = 1;
        }
        const std::vector<SearchSource> src = sources(f);
        w.settled.clear();
        w.search.run(
            src, std::min(r, kMaxSearchDistance),
            [&](VertexId v, Distance, std::uint32_t) { w.settled.push_back(v); },
            options.forbidden_flags);
        const std::vector<EdgeId> own = entrance_edges(f);
        auto visit_edge = [&](EdgeId e) {
            if (w.edge_stamp[e] == w.stamp) return;
            w.edge_stamp[e] = w.stamp;
            const std::uint32_t first = edge_home_first[e], last = edge_home_first[e + 1];
            if (first == last) return;
            const Distance dt = w.search.distance(g.edge_tail(e));
            const Distance dh = w.search.distance(g.edge_head(e));
            const bool same = std::binary_search(own.begin(), own.end(), e);
            for (std::uint32_t i = first; i < last; ++i) {
                const EdgeHome& eh = edge_home_info[i];
                Distance d = kInfDistance;
                if (dt != kInfDistance) d = dt + eh.off_tail;
                if (dh != kInfDistance) d = std::min<Distance>(d, dh + eh.off_head);
                if (same) d = std::min(d, same_edge_to(eh.off_tail, f, e));
                if (d != kInfDistance && d + eh.leg <= r) fn(eh);
            }
        };
        // Homes along the entrances' own edges, whose ends may be unreached.
        for (EdgeId e : own) visit_edge(e);
        for (VertexId v : w.settled) {
            for (ArcId a = g.first_out(v); a < g.first_out(v + 1); ++a) visit_edge(g.arc_edge(a));
        }
    }

    // The distinct communities of the homes within f's radius, ascending, in a vector of
    // exactly that size (the scratch holds one entry per home, thousands for a facility whose
    // few communities are kept for the model's life); `per_home` sees each home.
    template <typename PerHome>
    std::vector<CommunityId> communities_within(Worker& w, FacilityHandle f, PerHome&& per_home) {
        std::vector<CommunityId>& all = w.communities;
        all.clear();
        for_homes_within_info(w, f, [&](const EdgeHome& eh) {
            per_home(eh.home);
            if (eh.community != kInvalidId) all.push_back(eh.community);
        });
        std::sort(all.begin(), all.end());
        all.erase(std::unique(all.begin(), all.end()), all.end());
        return std::vector<CommunityId>(all.begin(), all.end());
    }
    std::vector<CommunityId> communities_within(Worker& w, FacilityHandle f) {
        return communities_within(w, f, [](HomeId) {});
    }

    void compute() {
        const auto nc = static_cast<std::uint32_t>(rules.size());
        cats.assign(nc, Category{});
        for (Category& c : cats) c.edge_bits.assign(g.num_edges() / 64 + 1, 0);
        edit_state_released = false;
        for (FacilityHandle f = 0; f < facilities.size(); ++f) {
            Facility& fac = facilities[f];
            fac.communities.clear();
            if (!fac.active) continue;
            for (EdgeId e : entrance_edges(f)) cats[fac.cat].on_edge_add(e).push_back(f);
        }
        // 1. Nearest facility: one multi-source search per category.
        tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, nc, 1), [&](const auto& range) {
            Worker& w = workers.local();
            std::vector<SearchSource> src;
            for (std::uint32_t cat = range.begin(); cat != range.end(); ++cat) {
                Category& c = cats[cat];
                c.vdist.resize(g.num_vertices());
                c.vlabel.resize(g.num_vertices());
                src.clear();
                for (FacilityHandle f = 0; f < facilities.size(); ++f) {
                    const Facility& fac = facilities[f];
                    if (fac.cat != cat || !fac.active) continue;
                    for (const SearchSource& s : sources(f)) src.push_back(s);
                }
                // The search settles vertices across the whole city at once (a wavefront
                // round every facility), with 8 bytes of state per vertex, and writes the
                // results in one pass in vertex order afterwards.
                w.search.run_nearest(src, c.vdist, c.vlabel, options.forbidden_flags);
                c.home.assign(homes.size(), HomeCategoryResult{});
                for (HomeId h = 0; h < homes.size(); ++h) {
                    const DistLabel n = nearest(cat, h);
                    c.home[h].nearest = n.d;
                    c.home[h].nearest_facility = n.label;
                }
            }
        });
        // 2. Facilities within the radius: one bounded search per facility. Integer counts,
        //    so the sums do not depend on the order the threads add them in.
        std::vector<FacilityHandle> active;
        for (FacilityHandle f = 0; f < facilities.size(); ++f) {
            if (facilities[f].active && usable(facilities[f])) active.push_back(f);
        }
        tbb::parallel_for(
            tbb::blocked_range<std::size_t>(0, active.size(), 8), [&](const auto& range) {
                Worker& w = workers.local();
                for (std::size_t i = range.begin(); i != range.end(); ++i) {
                    const FacilityHandle f = active[i];
                    Category& c = cats[facilities[f].cat];
                    facilities[f].communities = communities_within(w, f, [&](HomeId h) {
                        std::atomic_ref<std::uint32_t>(c.home[h].count_within)
                            .fetch_add(1, std::memory_order_relaxed);
                    });
                }
            });
        for (Category& c : cats) c.community_facilities.assign(community_ids.size(), 0);
        for (const FacilityHandle f : active) count_communities(f, +1);
        computed = true;
    }

    // ---- incremental edits --------------------------------------------------------------

    // Records the result of each home touched by an edit before its first change.
    struct Recorder {
        Impl& m;
        std::uint32_t cat;
        std::vector<std::pair<HomeId, HomeCategoryResult>> before;
        Recorder(Impl& model, std::uint32_t c) : m(model), cat(c) {
            if (m.hmark.size() != m.homes.size()) {
                m.hmark.assign(m.homes.size(), 0);
                m.hstamp = 0;
            }
            if (++m.hstamp == 0) {
                std::fill(m.hmark.begin(), m.hmark.end(), 0);
                m.hstamp = 1;
            }
        }
        HomeCategoryResult& touch(HomeId h) {
            HomeCategoryResult& r = m.cats[cat].home[h];
            if (m.hmark[h] != m.hstamp) {
                m.hmark[h] = m.hstamp;
                before.emplace_back(h, r);
            }
            return r;
        }
        // Appends the changed homes in home order: a scan over the marks when the edit
        // touched many homes, else a sort of (home, index) keys.
        void finish(Delta* delta) {
            if (!delta) return;
            auto emit = [&](HomeId h, const HomeCategoryResult& b) {
                const HomeCategoryResult& a = m.cats[cat].home[h];
                if (!(a == b)) delta->changes.push_back({cat, h, b, a});
            };
            delta->changes.reserve(delta->changes.size() + before.size());
            if (before.size() * 8 >= m.homes.size()) {
                m.hslot.resize(m.homes.size());
                for (std::uint32_t i = 0; i < before.size(); ++i) m.hslot[before[i].first] = i;
                for (HomeId h = 0; h < m.homes.size(); ++h) {
                    if (m.hmark[h] == m.hstamp) emit(h, before[m.hslot[h]].second);
                }
                return;
            }
            std::vector<std::uint64_t> keys(before.size());
            for (std::uint32_t i = 0; i < before.size(); ++i)
                keys[i] = (std::uint64_t{before[i].first} << 32) | i;
            std::sort(keys.begin(), keys.end());
            for (std::uint64_t key : keys)
                emit(static_cast<HomeId>(key >> 32),
                     before[static_cast<std::uint32_t>(key)].second);
        }
    };

    void next_vstamp() {
        if (vmark.size() != g.num_vertices()) {
            vmark.assign(g.num_vertices(), 0);
            vstamp = 0;
        }
        if (++vstamp == 0) {
            std::fill(vmark.begin(), vmark.end(), 0);
            vstamp = 1;
        }
    }

    // Recomputes the nearest facility of the homes on edges touching `vertices` and on `edges`.
    void refresh_homes(Recorder& rec, const std::vector<VertexId>& vertices,
                       const std::vector<EdgeId>& edges) {
        auto refresh_edge = [&](EdgeId e) {
            for (HomeId h : homes_on(e)) {
                const DistLabel n = nearest(rec.cat, h);
                const HomeCategoryResult& cur = cats[rec.cat].home[h];
                if (cur.nearest == n.d && cur.nearest_facility == n.label) continue;
                HomeCategoryResult& r = rec.touch(h);
                r.nearest = n.d;
                r.nearest_facility = n.label;
            }
        };
        for (EdgeId e : edges) refresh_edge(e);
        for (VertexId v : vertices) {
            for (ArcId a = g.first_out(v); a < g.first_out(v + 1); ++a) refresh_edge(g.arc_edge(a));
        }
    }

    void push(Distance d, std::uint32_t label, VertexId v) {
        heap.push_back({d, label, v});
        std::push_heap(heap.begin(), heap.end(), std::greater<>{});
    }
    HeapItem pop() {
        std::pop_heap(heap.begin(), heap.end(), std::greater<>{});
        const HeapItem top = heap.back();
        heap.pop_back();
        return top;
    }

    // Inserts an active facility into the computed state.
    void insert(FacilityHandle f, Recorder& rec) {
        Facility& fac = facilities[f];
        if (!usable(fac)) return;
        Category& c = cats[fac.cat];
        const std::vector<EdgeId> edges = entrance_edges(f);
        for (EdgeId e : edges) {
            auto& on_edge = c.on_edge_add(e);
            on_edge.insert(std::upper_bound(on_edge.begin(), on_edge.end(), f), f);
        }
        // Search from f, pruned wherever f does not beat the stored (distance, label): a
        // vertex f improves is reached along f's shortest path through improved vertices only.
        next_vstamp();
        std::vector<VertexId> changed;
        heap.clear();
        auto improve = [&](VertexId v, Distance d) {
            if (d > kMaxSearchDistance || !(DistLabel{d, f} < DistLabel{c.vdist[v], c.vlabel[v]}))
                return;
            c.vdist[v] = d;
            c.vlabel[v] = f;
            if (vmark[v] != vstamp) {
                vmark[v] = vstamp;
                changed.push_back(v);
            }
            push(d, f, v);
        };
        for (const SearchSource& s : sources(f)) improve(s.vertex, s.offset);
        while (!heap.empty()) {
            const HeapItem top = pop();
            if (top.d != c.vdist[top.v] || c.vlabel[top.v] != f) continue;
            for (ArcId a = g.first_out(top.v); a < g.first_out(top.v + 1); ++a) {
                if (g.arc_flags(a) & options.forbidden_flags) continue;
                improve(g.head(a), top.d + g.arc_length(a));
            }
        }
        refresh_homes(rec, changed, edges);
        Worker& w = workers.local();
        std::vector<CommunityId> comm;
        for_homes_within(w, f, [&](HomeId h) {
            ++rec.touch(h).count_within;
            if (homes[h].community != kInvalidId) comm.push_back(homes[h].community);
        });
        std::sort(comm.begin(), comm.end());
        comm.erase(std::unique(comm.begin(), comm.end()), comm.end());
        fac.communities = std::move(comm);
        count_communities(f, +1);
    }

    // Takes a facility (still marked active by the caller or not) out of the computed state.
    void erase(FacilityHandle f, Recorder& rec) {
        Facility& fac = facilities[f];
        if (!usable(fac)) return;
        Category& c = cats[fac.cat];
        const std::vector<EdgeId> edges = entrance_edges(f);
        for (EdgeId e : edges) {
            auto& on_edge = c.edge_facilities[e];
            on_edge.erase(std::remove(on_edge.begin(), on_edge.end(), f), on_edge.end());
            if (on_edge.empty()) c.on_edge_drop(e);
        }
        // The region of f: vertices labelled f. It is connected to the ends of f's entrance
        // edges through f's shortest-path tree (a predecessor of a vertex labelled f is
        // labelled f too).
        next_vstamp();
        std::vector<VertexId> region;
        for (EdgeId e : edges) {
            for (VertexId s : {g.edge_tail(e), g.edge_head(e)}) {
                if (c.vlabel[s] == f && vmark[s] != vstamp) {
                    vmark[s] = vstamp;
                    region.push_back(s);
                }
            }
        }
        for (std::size_t i = 0; i < region.size(); ++i) {
            const VertexId v = region[i];
            for (ArcId a = g.first_out(v); a < g.first_out(v + 1); ++a) {
                const VertexId u = g.head(a);
                if (c.vlabel[u] == f && vmark[u] != vstamp) {
                    vmark[u] = vstamp;
                    region.push_back(u);
                }
            }
        }
        for (VertexId v : region) {
            c.vdist[v] = kInfDistance;
            c.vlabel[v] = kInvalidId;
        }
        // Seeds: the boundary (neighbours outside the region keep their values) and the other
        // facilities entering the graph at a region vertex.
        heap.clear();
        auto improve = [&](VertexId v, Distance d, std::uint32_t label) {
            if (d > kMaxSearchDistance ||
                !(DistLabel{d, label} < DistLabel{c.vdist[v], c.vlabel[v]}))
                return;
            c.vdist[v] = d;
            c.vlabel[v] = label;
            push(d, label, v);
        };
        for (VertexId v : region) {
            for (ArcId a = g.first_out(v); a < g.first_out(v + 1); ++a) {
                const VertexId u = g.head(a);
                if (!(g.arc_flags(a) & options.forbidden_flags) && vmark[u] != vstamp &&
                    c.vdist[u] != kInfDistance) {
                    improve(v, c.vdist[u] + g.arc_length(a), c.vlabel[u]);
                }
                if (const auto* on = c.on_edge(g.arc_edge(a))) {
                    for (FacilityHandle o : *on) {
                        for (const SnapResult& en : facilities[o].snaps) {
                            if (en.edge != g.arc_edge(a) || !usable(en)) continue;
                            for (const SearchSource& s : en.sources(g, o, legs()))
                                if (s.vertex == v) improve(v, s.offset, o);
                        }
                    }
                }
            }
        }
        // Dijkstra restricted to the region.
        while (!heap.empty()) {
            const HeapItem top = pop();
            if (top.d != c.vdist[top.v] || top.label != c.vlabel[top.v]) continue;
            for (ArcId a = g.first_out(top.v); a < g.first_out(top.v + 1); ++a) {
                const VertexId u = g.head(a);
                if ((g.arc_flags(a) & options.forbidden_flags) || vmark[u] != vstamp) continue;
                improve(u, top.d + g.arc_length(a), top.label);
            }
        }
        refresh_homes(rec, region, edges);
        Worker& w = workers.local();
        for_homes_within(w, f, [&](HomeId h) { --rec.touch(h).count_within; });
        count_communities(f, -1);
        fac.communities.clear();
    }
};

CoverageModel::CoverageModel(const WalkGraph& g, std::vector<CategoryRule> rules,
                             CoverageOptions options)
    : impl_(std::make_unique<Impl>(g, std::move(rules), options)) {}
CoverageModel::~CoverageModel() = default;
CoverageModel::CoverageModel(CoverageModel&&) noexcept = default;

const std::vector<CategoryRule>& CoverageModel::rules() const { return impl_->rules; }
const CoverageOptions& CoverageModel::options() const { return impl_->options; }
const WalkGraph& CoverageModel::graph() const { return impl_->g; }

void CoverageModel::set_homes(std::vector<Home> homes) {
    impl_->homes = std::move(homes);
    impl_->index_homes();
    impl_->computed = false;
    impl_->cats.clear();
}
const std::vector<Home>& CoverageModel::homes() const { return impl_->homes; }

FacilityHandle CoverageModel::add_facility(std::uint32_t cat, const SnapResult& snap,
                                           Delta* delta) {
    return add_facility(cat, std::vector<SnapResult>{snap}, delta);
}

FacilityHandle CoverageModel::add_facility(std::uint32_t cat, std::vector<SnapResult> entrances,
                                           Delta* delta) {
    if (cat >= impl_->rules.size()) throw std::out_of_range("add_facility: no such category");
    impl_->require_edit_state("add_facility");
    const auto f = static_cast<FacilityHandle>(impl_->facilities.size());
    if (f == kInvalidId) throw std::length_error("add_facility: too many facility handles");
    impl_->facilities.push_back({cat, std::move(entrances), true, {}});
    if (impl_->computed) {
        Impl::Recorder rec(*impl_, cat);
        impl_->insert(f, rec);
        rec.finish(delta);
    }
    return f;
}

void CoverageModel::remove_facility(FacilityHandle f, Delta* delta) {
    if (!facility_active(f)) throw std::out_of_range("remove_facility: not an active facility");
    impl_->require_edit_state("remove_facility");
    impl_->facilities[f].active = false;
    if (impl_->computed) {
        Impl::Recorder rec(*impl_, impl_->facilities[f].cat);
        impl_->erase(f, rec);
        rec.finish(delta);
    }
}

void CoverageModel::restore_facility(FacilityHandle f, std::vector<SnapResult> entrances,
                                     Delta* delta) {
    if (f >= impl_->facilities.size() || impl_->facilities[f].active)
        throw std::out_of_range("restore_facility: not a removed facility");
    impl_->require_edit_state("restore_facility");
    impl_->facilities[f].snaps = std::move(entrances);
    impl_->facilities[f].active = true;
    if (impl_->computed) {
        Impl::Recorder rec(*impl_, impl_->facilities[f].cat);
        impl_->insert(f, rec);
        rec.finish(delta);
    }
}

void CoverageModel::move_facility(FacilityHandle f, const SnapResult& snap, Delta* delta) {
    move_facility(f, std::vector<SnapResult>{snap}, delta);
}

void CoverageModel::move_facility(FacilityHandle f, std::vector<SnapResult> entrances,
                                  Delta* delta) {
    if (!facility_active(f)) throw std::out_of_range("move_facility: not an active facility");
    impl_->require_edit_state("move_facility");
    if (!impl_->computed) {
        impl_->facilities[f].snaps = std::move(entrances);
        return;
    }
    Impl::Recorder rec(*impl_, impl_->facilities[f].cat);
    impl_->erase(f, rec);
    impl_->facilities[f].snaps = std::move(entrances);
    impl_->insert(f, rec);
    rec.finish(delta);
}

void CoverageModel::reserve_facilities(std::size_t n) { impl_->facilities.reserve(n); }

void CoverageModel::release_edit_state() {
    for (Impl::Category& c : impl_->cats) {
        std::vector<Distance>().swap(c.vdist);
        std::vector<FacilityHandle>().swap(c.vlabel);
        decltype(c.edge_facilities)().swap(c.edge_facilities);
        std::vector<std::uint64_t>().swap(c.edge_bits);
    }
    impl_->edit_state_released = impl_->computed;
}

void CoverageModel::set_population(HomeId h, double population) {
    impl_->homes.at(h).population = population;
}

std::uint32_t CoverageModel::facility_category(FacilityHandle f) const {
    return impl_->facilities.at(f).cat;
}
const SnapResult& CoverageModel::facility_snap(FacilityHandle f) const {
    static const SnapResult none{};
    const auto& snaps = impl_->facilities.at(f).snaps;
    return snaps.empty() ? none : snaps.front();
}
const std::vector<SnapResult>& CoverageModel::facility_entrances(FacilityHandle f) const {
    return impl_->facilities.at(f).snaps;
}
bool CoverageModel::facility_active(FacilityHandle f) const {
    return f < impl_->facilities.size() && impl_->facilities[f].active;
}
std::uint32_t CoverageModel::num_facility_handles() const {
    return static_cast<std::uint32_t>(impl_->facilities.size());
}

void CoverageModel::compute() { impl_->compute(); }
bool CoverageModel::computed() const { return impl_->computed; }

const HomeCategoryResult& CoverageModel::home(std::uint32_t cat, HomeId h) const {
    if (!impl_->computed) throw std::logic_error("CoverageModel::home before compute()");
    return impl_->cats.at(cat).home.at(h);
}

bool CoverageModel::covered(std::uint32_t cat, HomeId h) const {
    const HomeCategoryResult& r = home(cat, h);
    return r.reached() && r.nearest <= impl_->radius[cat];
}

std::vector<std::pair<HomeId, Distance>> CoverageModel::homes_within(FacilityHandle f) const {
    Impl& m = *impl_;
    if (f >= m.facilities.size()) throw std::out_of_range("CoverageModel::homes_within");
    std::vector<std::pair<HomeId, Distance>> out;
    if (!m.facilities[f].active || m.edge_home_first.size() != m.g.num_edges() + 1) return out;
    Impl::Worker& w = m.workers.local();
    m.for_homes_within(w, f,
                       [&](HomeId h) { out.emplace_back(h, m.distance_from_search(w, f, h)); });
    std::sort(out.begin(), out.end());
    return out;
}

std::span<const HomeId> CoverageModel::community_homes(CommunityId c) const {
    return impl_->members(c);
}

std::span<const HomeId> CoverageModel::homes_outside(std::uint32_t num_communities) const {
    return impl_->outside(num_communities);
}

CoverageReport CoverageModel::report(std::uint32_t num_communities) const {
    if (!impl_->computed) throw std::logic_error("CoverageModel::report before compute()");
    const Impl& m = *impl_;
    const auto nc = static_cast<std::uint32_t>(m.rules.size());
    CoverageReport out;
    out.communities.resize(num_communities);
    out.city.resize(nc);
    out.outside.resize(nc);
    tbb::enumerable_thread_specific<Impl::Scratch> scratch;
    tbb::parallel_for(tbb::blocked_range<std::uint32_t>(0, num_communities),
                      [&](const auto& range) {
                          Impl::Scratch& s = scratch.local();
                          for (std::uint32_t c = range.begin(); c != range.end(); ++c) {
                              CommunityMetrics& cm = out.communities[c];
                              cm.by_category.resize(nc);
                              const auto homes_of = m.members(c);
                              for (std::uint32_t k = 0; k < nc; ++k) {
                                  CategoryCommunityMetrics& x = cm.by_category[k];
                                  m.community_metrics(k, homes_of, s, x);
                                  x.facilities_within = m.facilities_within(k, c);
                              }
                              m.community_score(cm);
                          }
                      });
    const auto outside = m.outside(num_communities);
    for (std::uint32_t k = 0; k < nc; ++k) {
        m.sum_homes(k, outside, out.outside[k]);
        Impl::city_category(k, out);
    }
    m.city_score(out);
    return out;
}

void CoverageModel::update_report(CoverageReport& report, const Delta& delta) const {
    if (!impl_->computed) throw std::logic_error("CoverageModel::update_report before compute()");
    const Impl& m = *impl_;
    const auto nc = static_cast<std::uint32_t>(m.rules.size());
    const auto ncom = static_cast<std::uint32_t>(report.communities.size());
    if (report.city.size() != nc || report.outside.size() != nc) {
        throw std::invalid_argument("update_report: the report has " +
                                    std::to_string(report.city.size()) + " categories, the model " +
                                    std::to_string(nc));
    }
    // Touched (community, category) entries, sorted and each once, and the categories whose
    // homes of no community changed. The changes of one edit come in home order, so most
    // repeats are caught before the sort.
    std::vector<char> cat_touched(nc, 0), outside_touched(nc, 0);
    std::vector<std::pair<CommunityId, std::uint32_t>> touched;
    for (const HomeChange& ch : delta.changes) {
        if (ch.category >= nc || ch.home >= m.homes.size())
            throw std::out_of_range("update_report: the delta names no home of this model");
        cat_touched[ch.category] = 1;
        const CommunityId c = m.homes[ch.home].community;
        if (c >= ncom) {
            outside_touched[ch.category] = 1;
        } else if (touched.empty() || touched.back() != std::pair{c, ch.category}) {
            touched.emplace_back(c, ch.category);
        }
    }
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    // Every community, not only the touched ones: the city figures add them all up.
    for (const CommunityMetrics& cm : report.communities) {
        if (cm.by_category.size() != nc)
            throw std::invalid_argument("update_report: not a report of this model");
    }
    // Touched communities: the touched entries, then the score. One task per community.
    // Facilities within come from the model's per-community counts: every community a
    // facility's reach gained or lost has a home whose count_within changed, so it is here.
    std::vector<std::size_t> first;  // start of each community's run in `touched`
    for (std::size_t i = 0; i < touched.size(); ++i)
        if (i == 0 || touched[i].first != touched[i - 1].first) first.push_back(i);
    first.push_back(touched.size());
    tbb::enumerable_thread_specific<Impl::Scratch> scratch;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, first.size() - 1, 4),
                      [&](const auto& range) {
                          Impl::Scratch& s = scratch.local();
                          for (std::size_t r = range.begin(); r != range.end(); ++r) {
                              const CommunityId c = touched[first[r]].first;
                              CommunityMetrics& cm = report.communities[c];
                              const auto homes_of = m.members(c);
                              for (std::size_t i = first[r]; i < first[r + 1]; ++i) {
                                  const std::uint32_t k = touched[i].second;
                                  CategoryCommunityMetrics& x = cm.by_category[k];
                                  m.community_metrics(k, homes_of, s, x);
                                  x.facilities_within = m.facilities_within(k, c);
                              }
                              m.community_score(cm);
                          }
                      });
    const bool any_outside =
        std::find(outside_touched.begin(), outside_touched.end(), 1) != outside_touched.end();
    const auto outside = any_outside ? m.outside(ncom) : std::span<const HomeId>{};
    for (std::uint32_t k = 0; k < nc; ++k) {
        if (!cat_touched[k]) continue;
        if (outside_touched[k]) m.sum_homes(k, outside, report.outside[k]);
        Impl::city_category(k, report);
    }
    m.city_score(report);
}

}  // namespace lc15
