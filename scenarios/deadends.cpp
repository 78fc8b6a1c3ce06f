#include "scenarios/deadends.hpp"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_for.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <stdexcept>
#include <unordered_map>

#include "engine/search.hpp"

namespace lc15::scenarios {

const char* refusal_name(LinkRefusal r) {
    switch (r) {
        case LinkRefusal::kNone:
            return "candidate";
        case LinkRefusal::kNoStreet:
            return "no_street_within_reach";
        case LinkRefusal::kBarrier:
            return "behind_barrier";
        case LinkRefusal::kNoShortcut:
            return "no_shortcut";
        case LinkRefusal::kDuplicate:
            return "same_link_as_another";
    }
    return "?";
}

namespace {

std::string tag_of(const io::Feature& f, const char* key) {
    auto it = f.tags.find(key);
    return it == f.tags.end() ? std::string{} : it->second;
}

bool is_yes(const std::string& v) { return !v.empty() && v != "no"; }

}  // namespace

LinkBarriers link_barriers(const io::City& city) {
    LinkBarriers b;
    for (const io::Feature& f : city.osm.features) {
        const std::string building = tag_of(f, "building"), natural = tag_of(f, "natural");
        const std::string waterway = tag_of(f, "waterway"), railway = tag_of(f, "railway");
        const bool under_or_over = is_yes(tag_of(f, "tunnel")) || is_yes(tag_of(f, "bridge")) ||
                                   is_yes(tag_of(f, "culvert"));
        if (f.is_area()) {
            if (!building.empty() && building != "no") {
                b.areas.push_back(f.area);
                b.area_kinds.emplace_back("building");
            } else if (natural == "water" || waterway == "riverbank") {
                b.areas.push_back(f.area);
                b.area_kinds.emplace_back("water");
            }
            continue;
        }
        if (f.line.size() < 2 || under_or_over) continue;
        if (!waterway.empty() && waterway != "riverbank") {
            b.lines.push_back(f.line);
            b.line_kinds.emplace_back("waterway");
        } else if (railway == "rail" || railway == "light_rail" || railway == "narrow_gauge" ||
                   railway == "subway" || railway == "monorail" || railway == "funicular") {
            b.lines.push_back(f.line);
            b.line_kinds.emplace_back("railway");
        }
    }
    return b;
}

namespace {

// Whether segments a-b and c-d cross at a point strictly inside a-b.
bool segments_cross(LonLat a, LonLat b, LonLat c, LonLat d) {
    const double rx = b.lon - a.lon, ry = b.lat - a.lat;
    const double sx = d.lon - c.lon, sy = d.lat - c.lat;
    const double den = rx * sy - ry * sx;
    if (den == 0.0) return false;
    const double qx = c.lon - a.lon, qy = c.lat - a.lat;
    const double t = (qx * sy - qy * sx) / den;
    const double u = (qx * ry - qy * rx) / den;
    constexpr double kEps = 1e-6;  // the ends may touch (a footway ending at a building)
    return t > kEps && t < 1 - kEps && u >= 0.0 && u <= 1.0;
}

bool line_crosses(const std::vector<LonLat>& line, LonLat a, LonLat b) {
    for (std::size_t i = 0; i + 1 < line.size(); ++i)
        if (segments_cross(a, b, line[i], line[i + 1])) return true;
    return false;
}

bool ring_crosses(const Ring& r, LonLat a, LonLat b) {
    for (std::size_t i = 0; i < r.size(); ++i)
        if (segments_cross(a, b, r[i], r[(i + 1) % r.size()])) return true;
    return false;
}

struct BarrierIndex {
    const LinkBarriers& b;
    PolygonIndex areas;
    std::vector<std::pair<LonLat, LonLat>> line_box;
    explicit BarrierIndex(const LinkBarriers& bar) : b(bar), areas(bar.areas) {
        for (const auto& l : bar.lines) {
            LonLat lo{180, 90}, hi{-180, -90};
            for (const LonLat& p : l) {
                lo = {std::min(lo.lon, p.lon), std::min(lo.lat, p.lat)};
                hi = {std::max(hi.lon, p.lon), std::max(hi.lat, p.lat)};
            }
            line_box.emplace_back(lo, hi);
        }
    }
    // The kind of the first barrier the straight path a-b crosses or runs inside, or "".
    std::string crossed(LonLat a, LonLat b) const {
        const LonLat lo{std::min(a.lon, b.lon), std::min(a.lat, b.lat)};
        const LonLat hi{std::max(a.lon, b.lon), std::max(a.lat, b.lat)};
        std::vector<std::uint32_t> cand = areas.candidates(lo, hi);
        std::sort(cand.begin(), cand.end());
        const LonLat mid = interpolate(a, b, 0.5);
        for (std::uint32_t i : cand) {
            const MultiPolygon& mp = this->b.areas[i];
            bool hit = contains(mp, mid);
            for (const Polygon& p : mp) {
                if (hit) break;
                hit = ring_crosses(p.outer, a, b);
                for (const Ring& r : p.inners) hit = hit || ring_crosses(r, a, b);
            }
            if (hit) return this->b.area_kinds[i];
        }
        for (std::size_t i = 0; i < this->b.lines.size(); ++i) {
            const auto& [llo, lhi] = line_box[i];
            if (llo.lon > hi.lon || lhi.lon < lo.lon || llo.lat > hi.lat || lhi.lat < lo.lat)
                continue;
            if (line_crosses(this->b.lines[i], a, b)) return this->b.line_kinds[i];
        }
        return {};
    }
};

// Segments of the graph in square cells of the local plane, for "every street within r".
struct SegmentGrid {
    LocalProjection proj;
    double cell;
    std::unordered_map<std::uint64_t, std::vector<std::pair<EdgeId, std::uint32_t>>> cells;
    static std::uint64_t key(std::int64_t x, std::int64_t y) {
        return (static_cast<std::uint64_t>(x + (1 << 30)) << 32) |
               static_cast<std::uint32_t>(y + (1 << 30));
    }
    SegmentGrid(const WalkGraph& g, double cell_m, std::uint8_t forbidden)
        : proj(g.num_vertices() ? g.coord(0) : LonLat{}), cell(std::max(cell_m, 1.0)) {
        for (EdgeId e = 0; e < g.num_edges(); ++e) {
            if (g.edge_flags(e) & forbidden) continue;
            const auto s = g.edge_shape(e);
            for (std::uint32_t i = 0; i + 1 < s.size(); ++i) {
                const auto [ax, ay] = proj.forward(s[i]);
                const auto [bx, by] = proj.forward(s[i + 1]);
                const auto x0 = static_cast<std::int64_t>(std::floor(std::min(ax, bx) / cell));
                const auto x1 = static_cast<std::int64_t>(std::floor(std::max(ax, bx) / cell));
                const auto y0 = static_cast<std::int64_t>(std::floor(std::min(ay, by) / cell));
                const auto y1 = static_cast<std::int64_t>(std::floor(std::max(ay, by) / cell));
                for (auto x = x0; x <= x1; ++x)
                    for (auto y = y0; y <= y1; ++y) cells[key(x, y)].emplace_back(e, i);
            }
        }
    }
};

// Walks before are measured up to this many times max_link_m (longer: -1, reported empty).
constexpr double kWalkBeforeLimit = 20.0;

// Whether the straight path p-q crosses a street segment other than those of the dead end v
// and of the target edge(s), strictly between p and q.
bool crosses_street(const SegmentGrid& grid, const WalkGraph& g, LonLat p, LonLat q, VertexId v,
                    EdgeId target, EdgeId target_snapped) {
    const auto [px, py] = grid.proj.forward(p);
    const auto cx = static_cast<std::int64_t>(std::floor(px / grid.cell));
    const auto cy = static_cast<std::int64_t>(std::floor(py / grid.cell));
    for (auto x = cx - 1; x <= cx + 1; ++x) {
        for (auto y = cy - 1; y <= cy + 1; ++y) {
            auto it = grid.cells.find(SegmentGrid::key(x, y));
            if (it == grid.cells.end()) continue;
            for (const auto& [e, s] : it->second) {
                if (e == target || e == target_snapped || g.edge_tail(e) == v ||
                    g.edge_head(e) == v)
                    continue;
                const auto shape = g.edge_shape(e);
                if (segments_cross(p, q, shape[s], shape[s + 1])) return true;
            }
        }
    }
    return false;
}

struct Target {
    double dist_m;
    EdgeId edge;
    LonLat point;
    bool operator<(const Target& o) const {
        return dist_m != o.dist_m ? dist_m < o.dist_m : edge < o.edge;
    }
};

}  // namespace

std::vector<LinkCandidate> find_link_candidates(const WalkGraph& g, const Snapper& snapper,
                                                std::span<const VertexId> dead_ends,
                                                const LinkBarriers& barriers,
                                                const LinkOptions& options) {
    std::vector<LinkCandidate> out(dead_ends.size());
    const std::uint8_t forbidden = options.forbidden_flags;
    const SegmentGrid grid(g, options.max_link_m, forbidden);
    const BarrierIndex bar(barriers);
    tbb::enumerable_thread_specific<MultiSourceDijkstra> searches(
        [&] { return MultiSourceDijkstra(g); });
    tbb::parallel_for(std::size_t{0}, dead_ends.size(), [&](std::size_t i) {
        LinkCandidate& c = out[i];
        const VertexId v = dead_ends[i];
        c.dead_end = v;
        c.from = g.coord(v);
        c.refusal = LinkRefusal::kNoStreet;
        c.from_snap = snapper.snap(c.from, options.max_snap_m);
        if (!c.from_snap.ok()) return;
        // The nearest point of every other edge within reach.
        const auto [px, py] = grid.proj.forward(c.from);
        const auto cx = static_cast<std::int64_t>(std::floor(px / grid.cell));
        const auto cy = static_cast<std::int64_t>(std::floor(py / grid.cell));
        std::map<EdgeId, Target> best;
        for (auto x = cx - 1; x <= cx + 1; ++x) {
            for (auto y = cy - 1; y <= cy + 1; ++y) {
                auto it = grid.cells.find(SegmentGrid::key(x, y));
                if (it == grid.cells.end()) continue;
                for (const auto& [e, s] : it->second) {
                    if (g.edge_tail(e) == v || g.edge_head(e) == v) continue;
                    const auto shape = g.edge_shape(e);
                    const auto pa = grid.proj.forward(shape[s]);
                    const auto pb = grid.proj.forward(shape[s + 1]);
                    const double t = project_on_segment({px, py}, pa, pb);
                    const LonLat q = interpolate(shape[s], shape[s + 1], t);
                    const double d = haversine_m(c.from, q);
                    if (d > options.max_link_m) continue;
                    auto [bi, fresh] = best.try_emplace(e, Target{d, e, q});
                    if (!fresh && d < bi->second.dist_m) bi->second = Target{d, e, q};
                }
            }
        }
        std::vector<Target> targets;
        for (const auto& [e, t] : best) targets.push_back(t);
        std::sort(targets.begin(), targets.end());
        if (targets.empty()) return;
        // Walks from the dead end, as far as a shortcut could matter.
        MultiSourceDijkstra& search = searches.local();
        const SearchSource src{v, 0, 0};
        const Distance limit = metres_to_cm(kWalkBeforeLimit * options.max_link_m);
        search.run(
            std::span<const SearchSource>(&src, 1), limit, [](VertexId, Distance, std::uint32_t) {},
            forbidden);
        bool blocked = false, short_walk = false;
        for (const Target& t : targets) {
            const SnapResult to = snapper.snap(t.point, options.max_snap_m);
            if (!to.ok()) continue;
            if (to.edge == c.from_snap.edge) {  // the point lies on the dead end's own street
                short_walk = true;
                continue;
            }
            const Distance walk = to.distance_from(g, search, false);
            const double walk_m = walk == kInfDistance ? -1.0 : cm_to_metres(walk);
            if (walk_m >= 0 && walk_m <= options.min_detour * t.dist_m) {
                short_walk = true;
                continue;
            }
            std::string kind = bar.crossed(c.from, t.point);
            if (kind.empty() && crosses_street(grid, g, c.from, t.point, v, t.edge, to.edge))
                kind = "street";
            if (!kind.empty()) {
                if (!blocked) c.blocked_by = kind;
                blocked = true;
                continue;
            }
            c.to = t.point;
            c.to_snap = to;
            c.to_edge = to.edge;
            c.length_m = t.dist_m;
            c.walk_before_m = walk_m;
            c.refusal = LinkRefusal::kNone;
            c.blocked_by.clear();
            return;
        }
        c.refusal = blocked ? LinkRefusal::kBarrier
                            : (short_walk ? LinkRefusal::kNoShortcut : LinkRefusal::kNoStreet);
    });
    // Two dead ends facing each other give the same link twice: the first keeps it.
    std::unordered_map<VertexId, std::size_t> index_of;
    for (std::size_t i = 0; i < out.size(); ++i) index_of.emplace(out[i].dead_end, i);
    for (std::size_t i = 0; i < out.size(); ++i) {
        LinkCandidate& c = out[i];
        if (c.refusal != LinkRefusal::kNone) continue;
        for (const VertexId u : {g.edge_tail(c.to_edge), g.edge_head(c.to_edge)}) {
            auto it = index_of.find(u);
            if (it == index_of.end() || it->second >= i) continue;
            const LinkCandidate& o = out[it->second];
            if (o.refusal != LinkRefusal::kNone || haversine_m(c.to, o.from) > 0.5 ||
                haversine_m(o.to, c.from) > 0.5)
                continue;
            c.refusal = LinkRefusal::kDuplicate;
            c.blocked_by = "n" + std::to_string(g.vertex_key(u));
            break;
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------

struct LinkScorer::Impl {
    const CoverageModel& m;
    const WalkGraph& g;
    std::uint8_t forbidden;
    bool legs;
    std::vector<Distance> radius;
    std::vector<std::vector<Distance>> vdist;  // [cat][vertex]: nearest facility, within radius
    // [cat]: (edge, snap) of the usable facilities, by edge
    std::vector<std::vector<std::pair<EdgeId, SnapResult>>> on_edge;
    std::vector<std::uint32_t> home_first;  // homes by edge (CSR)
    std::vector<HomeId> home_list;
    std::vector<std::vector<char>> covered;   // [cat][home] before
    std::vector<double> weight_per_resident;  // score points per newly covered resident
    mutable tbb::enumerable_thread_specific<MultiSourceDijkstra> searches;
    struct Marks {
        std::vector<std::uint32_t> stamp;
        std::uint32_t now = 0;
    };
    mutable tbb::enumerable_thread_specific<Marks> marks;

    explicit Impl(const CoverageModel& model)
        : m(model),
          g(model.graph()),
          forbidden(model.options().forbidden_flags),
          legs(model.options().access_legs),
          searches([this] { return MultiSourceDijkstra(g); }) {
        const auto& rules = m.rules();
        const auto nk = static_cast<std::uint32_t>(rules.size());
        const auto& homes = m.homes();
        for (const auto& r : rules) radius.push_back(metres_to_cm(std::max(0.0, r.radius_m)));
        on_edge.resize(nk);
        for (FacilityHandle f = 0; f < m.num_facility_handles(); ++f) {
            if (!m.facility_active(f)) continue;
            for (const SnapResult& e : m.facility_entrances(f))  // every entrance of an area
                if (usable(e)) on_edge[m.facility_category(f)].emplace_back(e.edge, e);
        }
        for (auto& v : on_edge)
            std::stable_sort(v.begin(), v.end(),
                             [](const auto& a, const auto& b) { return a.first < b.first; });
        vdist.assign(nk, {});
        tbb::parallel_for(std::uint32_t{0}, nk, [&](std::uint32_t k) {
            std::vector<SearchSource> src;
            for (const auto& [e, s] : on_edge[k]) {
                for (const SearchSource& x : s.sources(g, 0, legs)) src.push_back(x);
            }
            MultiSourceDijkstra& search = searches.local();
            std::vector<Distance>& d = vdist[k];
            d.assign(g.num_vertices(), kInfDistance);
            search.run(
                src, std::min(radius[k], kMaxSearchDistance),
                [&](VertexId v, Distance dist, std::uint32_t) { d[v] = dist; }, forbidden);
        });
        home_first.assign(g.num_edges() + 1, 0);
        for (const Home& h : homes)
            if (usable(h.snap)) ++home_first[h.snap.edge + 1];
        for (EdgeId e = 0; e < g.num_edges(); ++e) home_first[e + 1] += home_first[e];
        home_list.resize(home_first.back());
        std::vector<std::uint32_t> fill(home_first.begin(), home_first.end() - 1);
        for (HomeId h = 0; h < homes.size(); ++h)
            if (usable(homes[h].snap)) home_list[fill[homes[h].snap.edge]++] = h;
        covered.resize(nk);
        double population = 0, weight_sum = 0;
        for (const Home& h : homes) population += h.population;
        for (const auto& r : rules) weight_sum += r.weight;
        for (std::uint32_t k = 0; k < nk; ++k) {
            covered[k].resize(homes.size());
            for (HomeId h = 0; h < homes.size(); ++h) covered[k][h] = m.covered(k, h) ? 1 : 0;
            weight_per_resident.push_back(population > 0 && weight_sum > 0
                                              ? 100.0 * rules[k].weight / weight_sum / population
                                              : 0.0);
        }
    }

    bool usable(const SnapResult& s) const {
        return s.ok() && s.edge < g.num_edges() && !(g.edge_flags(s.edge) & forbidden);
    }
    Distance leg(const SnapResult& s) const { return legs ? s.access : 0; }

    // Walk from the nearest facility of k to the street point p (no access leg at p).
    Distance facility_distance(std::uint32_t k, const SnapResult& p) const {
        const std::vector<Distance>& d = vdist[k];
        Distance best = kInfDistance;
        const VertexId t = g.edge_tail(p.edge), h = g.edge_head(p.edge);
        if (d[t] != kInfDistance) best = std::min<Distance>(best, d[t] + p.off_tail);
        if (d[h] != kInfDistance) best = std::min<Distance>(best, d[h] + p.off_head);
        const auto& fs = on_edge[k];
        auto it = std::lower_bound(fs.begin(), fs.end(), p.edge,
                                   [](const auto& x, EdgeId e) { return x.first < e; });
        for (; it != fs.end() && it->first == p.edge; ++it)
            best = std::min<Distance>(best,
                                      same_edge_distance(p, it->second, false) + leg(it->second));
        return best;
    }

    // Adds to `gained` the residents of k not covered before that the walk `start` (to the
    // link's far end p) + the walk from p covers.
    // With `found`, the homes are also appended to it.
    void reach(std::uint32_t k, const SnapResult& p, Distance start, Marks& mk, double& gained,
               MultiSourceDijkstra& search, std::vector<HomeId>* found) const {
        const Distance r = radius[k];
        if (start > r) return;
        const auto& homes = m.homes();
        auto consider = [&](HomeId h, Distance d) {
            if (d > r || covered[k][h] || mk.stamp[h] == mk.now) return;
            mk.stamp[h] = mk.now;
            gained += homes[h].population;
            if (found) found->push_back(h);
        };
        // Homes on p's own edge, directly along it.
        for (std::uint32_t i = home_first[p.edge]; i < home_first[p.edge + 1]; ++i) {
            const HomeId h = home_list[i];
            consider(h, start + same_edge_distance(p, homes[h].snap, false) + leg(homes[h].snap));
        }
        const std::array<SearchSource, 2> src{
            SearchSource{g.edge_tail(p.edge), start + p.off_tail, 0},
            SearchSource{g.edge_head(p.edge), start + p.off_head, 0}};
        std::vector<VertexId> settled;
        search.run(
            src, r, [&](VertexId v, Distance, std::uint32_t) { settled.push_back(v); }, forbidden);
        for (VertexId v : settled) {
            for (ArcId a = g.first_out(v); a < g.first_out(v + 1); ++a) {
                const EdgeId e = g.arc_edge(a);
                if (g.edge_flags(e) & forbidden) continue;
                for (std::uint32_t i = home_first[e]; i < home_first[e + 1]; ++i) {
                    const HomeId h = home_list[i];
                    const SnapResult& hs = homes[h].snap;
                    const Distance d = hs.distance_from(g, search, false);
                    if (d != kInfDistance) consider(h, d + leg(hs));
                }
            }
        }
    }
};

LinkScorer::LinkScorer(const CoverageModel& base) : impl_(std::make_unique<Impl>(base)) {}
LinkScorer::~LinkScorer() = default;

LinkGain LinkScorer::score(const SnapResult& a, const SnapResult& b, LinkReach* reach) const {
    const Impl& im = *impl_;
    const auto nk = static_cast<std::uint32_t>(im.radius.size());
    LinkGain out;
    out.gained.assign(nk, 0.0);
    if (reach) reach->assign(nk, {});
    if (!im.usable(a) || !im.usable(b) || a.edge == b.edge) return out;
    // The scenario's link: the haversine length of its two street points, at least 1 cm.
    const Distance len = std::max<Distance>(metres_to_cm(haversine_m(a.on_edge, b.on_edge)), 1);
    Impl::Marks& mk = im.marks.local();
    if (mk.stamp.size() != im.m.homes().size()) {
        mk.stamp.assign(im.m.homes().size(), 0);
        mk.now = 0;
    }
    MultiSourceDijkstra& search = im.searches.local();
    for (std::uint32_t k = 0; k < nk; ++k) {
        ++mk.now;
        const Distance da = im.facility_distance(k, a), db = im.facility_distance(k, b);
        double gained = 0;
        std::vector<HomeId>* found = reach ? &(*reach)[k] : nullptr;
        if (da != kInfDistance) im.reach(k, b, da + len, mk, gained, search, found);
        if (db != kInfDistance) im.reach(k, a, db + len, mk, gained, search, found);
        out.gained[k] = gained;
        out.residents += gained;
        out.score_gain += gained * im.weight_per_resident[k];
    }
    return out;
}

LinkGain LinkScorer::added(const LinkReach& r, const TakenHomes& taken) const {
    const Impl& im = *impl_;
    const auto nk = static_cast<std::uint32_t>(im.radius.size());
    const auto& homes = im.m.homes();
    LinkGain out;
    out.gained.assign(nk, 0.0);
    for (std::uint32_t k = 0; k < nk && k < r.size(); ++k) {
        double gained = 0;
        for (HomeId h : r[k])
            if (taken.empty() || !taken[k][h]) gained += homes[h].population;
        out.gained[k] = gained;
        out.residents += gained;
        out.score_gain += gained * im.weight_per_resident[k];
    }
    return out;
}

std::size_t LinkScorer::num_categories() const { return impl_->radius.size(); }
std::size_t LinkScorer::num_homes() const { return impl_->m.homes().size(); }

namespace {

// Better link first: more city score, more residents, the shorter link, the lower dead end.
bool better(const LinkCandidate& a, const LinkGain& ga, const LinkCandidate& b,
            const LinkGain& gb) {
    if (ga.score_gain != gb.score_gain) return ga.score_gain > gb.score_gain;
    if (ga.residents != gb.residents) return ga.residents > gb.residents;
    if (a.length_m != b.length_m) return a.length_m < b.length_m;
    return a.dead_end < b.dead_end;
}

}  // namespace

GreedyRanking rank_links_greedy(const LinkScorer& scorer,
                                const std::vector<LinkCandidate>& candidates,
                                const std::vector<LinkGain>& gains,
                                const std::vector<LinkReach>& reaches) {
    const std::size_t n = candidates.size();
    if (gains.size() != n || reaches.size() != n)
        throw std::invalid_argument("rank_links_greedy: one gain and one reach per candidate");
    GreedyRanking out;
    out.added = gains;
    TakenHomes taken(scorer.num_categories(), std::vector<std::uint8_t>(scorer.num_homes(), 0));
    // Lazy greedy: a link's added gain only shrinks as links are chosen, so the one on top of
    // the queue whose gain is fresh (computed after the last choice) is the best of all.
    std::vector<std::uint32_t> fresh_at(n, 0);        // the round its out.added was computed in
    auto worse = [&](std::size_t x, std::size_t y) {  // max-heap on `better`
        return better(candidates[y], out.added[y], candidates[x], out.added[x]);
    };
    std::vector<std::size_t> heap;
    std::vector<std::size_t> rest;  // refused: last, by dead end
    for (std::size_t i = 0; i < n; ++i)
        (candidates[i].refusal == LinkRefusal::kNone ? heap : rest).push_back(i);
    std::make_heap(heap.begin(), heap.end(), worse);
    std::uint32_t round = 0;
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), worse);
        const std::size_t i = heap.back();
        if (fresh_at[i] != round) {
            out.added[i] = scorer.added(reaches[i], taken);
            fresh_at[i] = round;
            std::push_heap(heap.begin(), heap.end(), worse);
            continue;
        }
        heap.pop_back();
        out.order.push_back(i);
        for (std::size_t k = 0; k < reaches[i].size(); ++k)
            for (HomeId h : reaches[i][k]) taken[k][h] = 1;
        ++round;
    }
    std::stable_sort(rest.begin(), rest.end(), [&](std::size_t x, std::size_t y) {
        return candidates[x].dead_end < candidates[y].dead_end;
    });
    out.order.insert(out.order.end(), rest.begin(), rest.end());
    return out;
}

std::vector<std::size_t> rank_links(const std::vector<LinkCandidate>& candidates,
                                    const std::vector<LinkGain>& gains) {
    std::vector<std::size_t> order(candidates.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        const LinkCandidate& a = candidates[x];
        const LinkCandidate& b = candidates[y];
        const bool ca = a.refusal == LinkRefusal::kNone, cb = b.refusal == LinkRefusal::kNone;
        if (ca != cb) return ca;
        if (ca) {
            if (gains[x].score_gain != gains[y].score_gain)
                return gains[x].score_gain > gains[y].score_gain;
            if (gains[x].residents != gains[y].residents)
                return gains[x].residents > gains[y].residents;
            if (a.length_m != b.length_m) return a.length_m < b.length_m;
        }
        return a.dead_end < b.dead_end;
    });
    return order;
}

Scenario links_scenario(const std::vector<LinkCandidate>& candidates,
                        const std::vector<LinkGain>& gains, const std::vector<std::size_t>& order,
                        std::size_t k, const std::filesystem::path& base_config,
                        const WalkGraph& g) {
    Scenario s;
    s.base = base_config;
    s.name = "open the top " + std::to_string(k) + " dead ends";
    s.description = "lc15 deadends: the best-ranked footpaths joining dead ends to other streets";
    for (std::size_t i : order) {
        if (s.edits.size() >= k) break;
        const LinkCandidate& c = candidates[i];
        if (c.refusal != LinkRefusal::kNone || gains[i].score_gain <= 0) continue;
        Edit e;
        e.type = EditType::kAddLink;
        e.index = s.edits.size() + 1;
        e.where = "lc15 deadends (edit " + std::to_string(e.index) + ")";
        e.name = "dead end n" + std::to_string(g.vertex_key(c.dead_end)) + " to way " +
                 std::to_string(g.edge_source_id(c.to_edge));
        e.points = {c.from, c.to};
        s.edits.push_back(std::move(e));
    }
    s.name = "open the top " + std::to_string(s.edits.size()) + " dead ends";
    return s;
}

namespace {

std::string number(double v) {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    std::string s(buf, r.ptr);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";  // a TOML float
    return s;
}

std::string quoted(const std::string& s) {
    std::string o = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') o += '\\';
        o += ch;
    }
    return o + "\"";
}

}  // namespace

std::string scenario_toml(const Scenario& s, const std::string& base) {
    std::string t =
        "# Written by lc15 deadends: the best-ranked dead-end links as add_link edits.\n";
    t += "# Evaluate them together: lc15 scenario --scenario THIS_FILE --out DIR\n";
    t += "name = " + quoted(s.name) + "\n";
    t += "description = " + quoted(s.description) + "\n";
    t += "base = " + quoted(base) + "\n";
    for (const Edit& e : s.edits) {
        t += "\n[[edit]]\ntype = \"add_link\"\nname = " + quoted(e.name) + "\n";
        t += "from = [" + number(e.points[0].lon) + ", " + number(e.points[0].lat) + "]\n";
        t += "to = [" + number(e.points[1].lon) + ", " + number(e.points[1].lat) + "]\n";
    }
    return t;
}

}  // namespace lc15::scenarios
