#include "engine/compounds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <queue>
#include <unordered_map>

namespace lc15 {
namespace {

constexpr std::uint64_t kTopBits = std::uint64_t{0xF} << 60;
constexpr std::uint64_t kHomePattern = kCompoundKey;
constexpr std::uint64_t kGatePattern = kCompoundKey | kCompoundGateBit;
constexpr std::uint64_t kInteriorBit = std::uint64_t{1} << 63;

// Where a point meets an edge: its offset from the tail (cm) and the foot point.
struct Foot {
    EdgeId edge = kInvalidId;
    double off_cm = 0;  // along the edge from its tail
    double dist_m = std::numeric_limits<double>::infinity();
    LonLat pos{};
};

Foot foot_on_edge(const WalkGraph& g, EdgeId e, LonLat p) {
    const LocalProjection proj(p);
    const auto shape = g.edge_shape(e);
    const auto offs = g.edge_shape_offsets(e);
    Foot best;
    best.edge = e;
    for (std::size_t i = 0; i + 1 < shape.size(); ++i) {
        const auto a = proj.forward(shape[i]), b = proj.forward(shape[i + 1]);
        const double t = project_on_segment({0.0, 0.0}, a, b);
        const LonLat q = interpolate(shape[i], shape[i + 1], t);
        const double d = haversine_m(p, q);
        if (d < best.dist_m) {
            best.dist_m = d;
            best.pos = q;
            best.off_cm = offs[i] + t * (static_cast<double>(offs[i + 1]) - offs[i]);
        }
    }
    return best;
}

// The shape of edge e from its point at off_cm to one of its ends (the foot excluded, the end
// included).
void partial_shape(const WalkGraph& g, EdgeId e, double off_cm, bool to_head,
                   std::vector<LonLat>& out) {
    const auto shape = g.edge_shape(e);
    const auto offs = g.edge_shape_offsets(e);
    if (to_head) {
        for (std::size_t i = 0; i < shape.size(); ++i)
            if (offs[i] > off_cm) out.push_back(shape[i]);
    } else {
        for (std::size_t i = shape.size(); i-- > 0;)
            if (offs[i] < off_cm) out.push_back(shape[i]);
    }
}

// The lanes of one compound: walkable edges wholly inside it.
class Lanes {
  public:
    Lanes(const WalkGraph& g, const MultiPolygon& area, std::uint8_t forbidden) : g_(g) {
        if (area.empty()) return;
        const auto [lo, hi] = bounds(area);
        const std::uint8_t skip = forbidden | kEdgeCompound | kEdgeClosed;
        for (EdgeId e = 0; e < g.num_edges(); ++e) {
            if (g.edge_flags(e) & skip) continue;
            bool inside = true;
            for (const LonLat& p : g.edge_shape(e)) {
                if (p.lon < lo.lon || p.lon > hi.lon || p.lat < lo.lat || p.lat > hi.lat ||
                    !contains(area, p)) {
                    inside = false;
                    break;
                }
            }
            if (!inside) continue;
            edges_.push_back(e);
            for (VertexId v : {g.edge_tail(e), g.edge_head(e)}) {
                if (local_.emplace(v, static_cast<std::uint32_t>(verts_.size())).second)
                    verts_.push_back(v);
            }
        }
        adj_.resize(verts_.size());
        for (EdgeId e : edges_) {
            const std::uint32_t a = local_.at(g.edge_tail(e)), b = local_.at(g.edge_head(e));
            adj_[a].push_back({b, e});
            adj_[b].push_back({a, e});
        }
    }

    bool empty() const { return edges_.empty(); }
    bool is_lane(EdgeId e) const { return std::binary_search(edges_.begin(), edges_.end(), e); }

    Foot nearest(LonLat p) const {
        Foot best;
        for (EdgeId e : edges_) {
            const Foot f = foot_on_edge(g_, e, p);
            if (f.dist_m < best.dist_m) best = f;  // ties: the lower edge (edges_ ascends)
        }
        return best;
    }

    // The walk from -> to along the lanes; false when no lane joins them.
    bool walk(LonLat from, LonLat to, double& metres, std::vector<LonLat>& shape) const {
        if (edges_.empty()) return false;
        const Foot a = nearest(from), b = nearest(to);
        const double inf = std::numeric_limits<double>::infinity();
        std::vector<double> dist(verts_.size(), inf);
        std::vector<std::pair<std::uint32_t, EdgeId>> pred(verts_.size(), {kInvalidId, kInvalidId});
        using Item = std::pair<double, std::uint32_t>;
        std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
        const std::uint32_t at = local_.at(g_.edge_tail(a.edge)),
                            ah = local_.at(g_.edge_head(a.edge));
        dist[at] = a.off_cm;
        dist[ah] = std::min(dist[ah], g_.edge_length(a.edge) - a.off_cm);
        q.push({dist[at], at});
        q.push({dist[ah], ah});
        while (!q.empty()) {
            const auto [d, u] = q.top();
            q.pop();
            if (d > dist[u]) continue;
            for (const auto& [v, e] : adj_[u]) {
                const double nd = d + g_.edge_length(e);
                if (nd < dist[v]) {
                    dist[v] = nd;
                    pred[v] = {u, e};
                    q.push({nd, v});
                }
            }
        }
        const std::uint32_t bt = local_.at(g_.edge_tail(b.edge)),
                            bh = local_.at(g_.edge_head(b.edge));
        const double via_tail = dist[bt] + b.off_cm;
        const double via_head = dist[bh] + (g_.edge_length(b.edge) - b.off_cm);
        const double direct = a.edge == b.edge ? std::abs(a.off_cm - b.off_cm) : inf;
        const double lane_cm = std::min({via_tail, via_head, direct});
        if (!(lane_cm < inf)) return false;
        metres = a.dist_m + lane_cm / 100.0 + b.dist_m;
        shape = {from, a.pos};
        if (lane_cm == direct) {
            const auto s = g_.edge_shape(b.edge);
            const auto offs = g_.edge_shape_offsets(b.edge);
            const double lo = std::min(a.off_cm, b.off_cm), hi = std::max(a.off_cm, b.off_cm);
            std::vector<LonLat> mid;
            for (std::size_t i = 0; i < s.size(); ++i)
                if (offs[i] > lo && offs[i] < hi) mid.push_back(s[i]);
            if (a.off_cm > b.off_cm) std::reverse(mid.begin(), mid.end());
            shape.insert(shape.end(), mid.begin(), mid.end());
        } else {
            // Vertices from b's end back to a's edge, then forwards.
            const std::uint32_t end = via_tail <= via_head ? bt : bh;
            std::vector<std::pair<std::uint32_t, EdgeId>> steps;  // (vertex reached, by edge)
            std::uint32_t start = end;
            for (; pred[start].first != kInvalidId; start = pred[start].first)
                steps.push_back({start, pred[start].second});
            std::reverse(steps.begin(), steps.end());
            partial_shape(g_, a.edge, a.off_cm, start == ah && start != at, shape);
            for (const auto& [v, e] : steps) {
                const auto s = g_.edge_shape(e);
                if (g_.edge_head(e) == verts_[v])
                    shape.insert(shape.end(), s.begin() + 1, s.end());
                else
                    shape.insert(shape.end(), s.rbegin() + 1, s.rend());
            }
            // From b's end vertex to its foot.
            std::vector<LonLat> tail;
            partial_shape(g_, b.edge, b.off_cm, end == bh, tail);
            if (!tail.empty()) tail.pop_back();  // the end vertex, already in the shape
            std::reverse(tail.begin(), tail.end());
            shape.insert(shape.end(), tail.begin(), tail.end());
        }
        shape.push_back(b.pos);
        shape.push_back(to);
        return true;
    }

  private:
    const WalkGraph& g_;
    std::vector<EdgeId> edges_;
    std::vector<VertexId> verts_;
    std::unordered_map<VertexId, std::uint32_t> local_;
    std::vector<std::vector<std::pair<std::uint32_t, EdgeId>>> adj_;
};

double straight_or_lanes(const Lanes& lanes, LonLat from, LonLat to, std::vector<LonLat>& shape) {
    double m = 0;
    if (lanes.walk(from, to, m, shape)) return m;
    shape = {from, to};
    return haversine_m(from, to);
}

// A gate opens onto a street outside, never onto the compound's own lanes: the nearest
// allowed edge that is not one of them (every edge scanned, those far away by their box only).
SnapResult street_beyond(const WalkGraph& g, const Lanes& lanes, LonLat p, std::uint8_t forbidden,
                         double max_m) {
    const double dlat = max_m / 111320.0;
    const double dlon = dlat / std::max(0.01, std::cos(deg2rad(p.lat)));
    const std::uint8_t skip = forbidden | kEdgeCompound | kEdgeClosed;
    Foot best;
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        if ((g.edge_flags(e) & skip) || lanes.is_lane(e)) continue;
        double lo_lon = 180, lo_lat = 90, hi_lon = -180, hi_lat = -90;
        for (const LonLat& q : g.edge_shape(e)) {
            lo_lon = std::min(lo_lon, q.lon), hi_lon = std::max(hi_lon, q.lon);
            lo_lat = std::min(lo_lat, q.lat), hi_lat = std::max(hi_lat, q.lat);
        }
        if (p.lon < lo_lon - dlon || p.lon > hi_lon + dlon || p.lat < lo_lat - dlat ||
            p.lat > hi_lat + dlat)
            continue;
        const Foot f = foot_on_edge(g, e, p);
        if (f.dist_m < best.dist_m) best = f;
    }
    SnapResult s;
    if (!(best.dist_m <= max_m)) return s;
    s.edge = best.edge;
    s.off_tail = std::min<Distance>(g.edge_length(best.edge),
                                    static_cast<Distance>(std::llround(best.off_cm)));
    s.off_head = g.edge_length(best.edge) - s.off_tail;
    s.access = metres_to_cm(best.dist_m);
    s.on_edge = best.pos;
    return s;
}

}  // namespace

double compound_walk_m(const WalkGraph& g, const MultiPolygon& area, LonLat from, LonLat to,
                       std::uint8_t forbidden, std::vector<LonLat>* shape) {
    const Lanes lanes(g, area, forbidden);
    std::vector<LonLat> s;
    const double m = straight_or_lanes(lanes, from, to, s);
    if (shape) *shape = std::move(s);
    return m;
}

WalkGraph add_compound_access(const WalkGraph& g, std::span<const GatedCompound> compounds,
                              std::span<const CompoundHome> homes, std::uint8_t forbidden,
                              double max_snap_m, std::uint64_t& next_key,
                              std::vector<std::string>* notes) {
    // Gate keys already in g (an earlier call) are never reused.
    for (VertexId v = 0; v < g.num_vertices(); ++v) {
        const std::uint64_t k = g.vertex_key(v);
        if ((k & kTopBits) == kGatePattern) next_key = std::max(next_key, (k & ~kTopBits) + 1);
    }
    const Snapper street(g, forbidden | kEdgeClosed);
    struct Cut {
        double off_cm;
        std::uint64_t key;
        LonLat pos;
    };
    std::map<EdgeId, std::vector<Cut>> cuts;  // ordered: the same build for any input order
    struct GateLink {
        std::uint64_t key;
        LonLat pos;
    };
    std::vector<std::vector<GateLink>> linked(compounds.size());
    std::vector<std::vector<WayNode>> extra_ways;  // gate -> street
    std::vector<Lanes> lanes;
    lanes.reserve(compounds.size());
    for (const auto& c : compounds) {
        if (c.gates.empty())
            lanes.emplace_back(g, MultiPolygon{}, forbidden);
        else
            lanes.emplace_back(g, c.area, forbidden);
    }
    for (std::size_t c = 0; c < compounds.size(); ++c) {
        for (std::size_t i = 0; i < compounds[c].gates.size(); ++i) {
            const LonLat gp = compounds[c].gates[i];
            SnapResult s = street.snap(gp, max_snap_m);
            if (s.ok() && lanes[c].is_lane(s.edge))
                s = street_beyond(g, lanes[c], gp, forbidden, max_snap_m);
            if (!s.ok()) {
                if (notes) {
                    notes->push_back("compound " + std::to_string(c + 1) + ", gate " +
                                     std::to_string(i + 1) + ": no street within " +
                                     std::to_string(static_cast<int>(max_snap_m)) +
                                     " m; gate not used");
                }
                continue;
            }
            std::uint64_t street_key;
            if (s.off_tail == 0) {
                street_key = g.vertex_key(g.edge_tail(s.edge));
            } else if (s.off_head == 0) {
                street_key = g.vertex_key(g.edge_head(s.edge));
            } else {
                auto& v = cuts[s.edge];
                auto it = std::find_if(v.begin(), v.end(),
                                       [&](const Cut& x) { return x.off_cm == s.off_tail; });
                if (it != v.end()) {
                    street_key = it->key;
                } else {
                    street_key = kGatePattern | next_key++;
                    v.push_back({static_cast<double>(s.off_tail), street_key, s.on_edge});
                }
            }
            if (s.access == 0) {
                linked[c].push_back({street_key, s.on_edge});
            } else {
                const std::uint64_t gate_key = kGatePattern | next_key++;
                extra_ways.push_back({{gate_key, gp}, {street_key, s.on_edge}});
                linked[c].push_back({gate_key, gp});
            }
        }
    }

    GraphBuilder b;
    std::uint64_t synthetic = 0;
    std::vector<WayNode> nodes;
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        const auto shape = g.edge_shape(e);
        const auto offs = g.edge_shape_offsets(e);
        const std::uint64_t kt = g.vertex_key(g.edge_tail(e)), kh = g.vertex_key(g.edge_head(e));
        auto interior = [&](std::size_t i) {
            return WayNode{kInteriorBit | synthetic++, shape[i]};
        };
        nodes.clear();
        nodes.push_back({kt, shape.front()});
        auto it = cuts.find(e);
        if (it != cuts.end()) {
            auto& v = it->second;
            std::sort(v.begin(), v.end(),
                      [](const Cut& x, const Cut& y) { return x.off_cm < y.off_cm; });
            std::size_t k = 0;
            for (std::size_t i = 1; i < shape.size(); ++i) {
                while (k < v.size() && v[k].off_cm < offs[i]) {
                    nodes.push_back({v[k].key, v[k].pos});
                    b.add_way(g.edge_source_id(e), nodes, g.edge_flags(e));
                    nodes = {{v[k].key, v[k].pos}};
                    ++k;
                }
                nodes.push_back(i + 1 == shape.size() ? WayNode{kh, shape[i]} : interior(i));
            }
        } else {
            for (std::size_t i = 1; i < shape.size(); ++i)
                nodes.push_back(i + 1 == shape.size() ? WayNode{kh, shape[i]} : interior(i));
        }
        b.add_way(g.edge_source_id(e), nodes, g.edge_flags(e));
    }
    for (const auto& w : extra_ways) b.add_way(0, w, kEdgeCompound);

    std::vector<LonLat> shape;
    for (std::size_t h = 0; h < homes.size(); ++h) {
        const std::uint32_t c = homes[h].compound;
        if (c >= compounds.size() || linked[c].empty()) continue;
        for (const GateLink& gate : linked[c]) {
            straight_or_lanes(lanes[c], homes[h].pos, gate.pos, shape);
            nodes.clear();
            nodes.push_back({kHomePattern | h, shape.front()});
            for (std::size_t i = 1; i + 1 < shape.size(); ++i)
                nodes.push_back({kInteriorBit | synthetic++, shape[i]});
            nodes.push_back({gate.key, shape.back()});
            // A home standing on its gate still gets a way (of 1 cm), hence a vertex.
            if (nodes.size() == 2 && nodes.front().pos == nodes.back().pos)
                nodes.front().pos.lat += 1e-7;
            b.add_way(0, nodes, kEdgeCompound);
        }
    }
    return std::move(b).build();
}

std::vector<SnapResult> compound_home_snaps(const WalkGraph& g, std::size_t num_homes) {
    std::vector<SnapResult> out(num_homes);
    for (VertexId v = 0; v < g.num_vertices(); ++v) {
        const std::uint64_t k = g.vertex_key(v);
        if ((k & kTopBits) != kHomePattern) continue;
        const std::uint64_t h = k & ~kTopBits;
        if (h >= num_homes || g.first_out(v) == g.first_out(v + 1)) continue;
        // The first of the home's ways (arcs are in a fixed order for a given graph).
        const EdgeId e = g.arc_edge(g.first_out(v));
        SnapResult& s = out[h];
        s.edge = e;
        s.access = 0;
        s.on_edge = g.coord(v);
        if (g.edge_tail(e) == v) {
            s.off_tail = 0;
            s.off_head = g.edge_length(e);
        } else {
            s.off_tail = g.edge_length(e);
            s.off_head = 0;
        }
    }
    return out;
}

}  // namespace lc15
