#include "engine/network_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lc15 {

namespace {

// Parameters t in (0,1) where segment a-b crosses segment c-d (planar, in degrees: the
// crossing parameters are the same in any affine projection).
void crossings(LonLat a, LonLat b, LonLat c, LonLat d, std::vector<double>& ts) {
    const double rx = b.lon - a.lon, ry = b.lat - a.lat;
    const double sx = d.lon - c.lon, sy = d.lat - c.lat;
    const double den = rx * sy - ry * sx;
    if (den == 0.0) return;  // parallel: the midpoint tests decide
    const double qx = c.lon - a.lon, qy = c.lat - a.lat;
    const double t = (qx * sy - qy * sx) / den;
    const double u = (qx * ry - qy * rx) / den;
    if (t > 0.0 && t < 1.0 && u >= 0.0 && u <= 1.0) ts.push_back(t);
}

void ring_crossings(const Ring& r, LonLat a, LonLat b, std::vector<double>& ts) {
    for (std::size_t i = 0; i < r.size(); ++i) {
        const LonLat& p = r[i];
        const LonLat& q = r[(i + 1) % r.size()];
        crossings(a, b, p, q, ts);
    }
}

}  // namespace

double length_inside(const MultiPolygon& mp, LonLat a, LonLat b) {
    const double len = haversine_m(a, b);
    if (len <= 0.0) return 0.0;
    std::vector<double> ts{0.0, 1.0};
    for (const Polygon& p : mp) {
        ring_crossings(p.outer, a, b, ts);
        for (const Ring& r : p.inners) ring_crossings(r, a, b, ts);
    }
    std::sort(ts.begin(), ts.end());
    double inside = 0.0;
    for (std::size_t i = 0; i + 1 < ts.size(); ++i) {
        if (ts[i + 1] <= ts[i]) continue;
        if (contains(mp, interpolate(a, b, 0.5 * (ts[i] + ts[i + 1])))) inside += ts[i + 1] - ts[i];
    }
    return len * inside;
}

std::vector<std::uint32_t> vertex_degrees(const WalkGraph& g, std::uint8_t ignored_flags) {
    std::vector<std::uint32_t> deg(g.num_vertices(), 0);
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        if (g.edge_flags(e) & ignored_flags) continue;
        ++deg[g.edge_tail(e)];
        ++deg[g.edge_head(e)];
    }
    return deg;
}

bool at_extract_edge(const NetworkInputs& in, VertexId v) {
    if (std::find(in.cut_vertices.begin(), in.cut_vertices.end(), v) != in.cut_vertices.end())
        return true;
    const LonLat p = in.graph->coord(v);
    const auto& b = in.bounds;
    const double m_per_deg = deg2rad(1.0) * kEarthRadiusM;
    const double kx = m_per_deg * std::cos(deg2rad(p.lat));
    const double d = std::min({(p.lon - b[0]) * kx, (b[2] - p.lon) * kx, (p.lat - b[1]) * m_per_deg,
                               (b[3] - p.lat) * m_per_deg});
    return d < in.edge_margin_m;
}

std::vector<VertexId> dead_end_vertices(const NetworkInputs& in) {
    if (in.graph == nullptr) throw std::invalid_argument("dead_end_vertices: no graph");
    const WalkGraph& g = *in.graph;
    const std::vector<std::uint32_t> deg = vertex_degrees(g, in.ignored_flags);
    std::vector<VertexId> cut(in.cut_vertices.begin(), in.cut_vertices.end());
    std::sort(cut.begin(), cut.end());
    NetworkInputs sorted = in;
    sorted.cut_vertices = {};
    std::vector<VertexId> out;
    for (VertexId v = 0; v < g.num_vertices(); ++v) {
        if (deg[v] != 1) continue;
        if (std::binary_search(cut.begin(), cut.end(), v) || at_extract_edge(sorted, v)) continue;
        out.push_back(v);
    }
    return out;
}

namespace {

struct Face {
    double area_m2;
    LonLat centroid;
};

// The bounded faces of the subgraph of edges with keep[e], traced with the face on the left.
std::vector<Face> plane_faces(const WalkGraph& g, const std::vector<char>& keep) {
    std::vector<Face> faces;
    if (g.num_vertices() == 0) return faces;
    const LocalProjection proj(g.coord(0));
    // Half-edge 2e runs tail -> head, 2e+1 head -> tail.
    auto from = [&](std::uint32_t h) { return h & 1 ? g.edge_head(h >> 1) : g.edge_tail(h >> 1); };
    auto to = [&](std::uint32_t h) { return h & 1 ? g.edge_tail(h >> 1) : g.edge_head(h >> 1); };
    auto angle = [&](std::uint32_t h) {
        const auto s = g.edge_shape(h >> 1);
        const LonLat p = h & 1 ? s[s.size() - 1] : s[0];
        const LonLat q = h & 1 ? s[s.size() - 2] : s[1];
        const auto [px, py] = proj.forward(p);
        const auto [qx, qy] = proj.forward(q);
        return std::atan2(qy - py, qx - px);
    };
    const std::uint32_t nv = g.num_vertices();
    std::vector<std::uint32_t> first(nv + 1, 0);
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        if (!keep[e]) continue;
        ++first[g.edge_tail(e) + 1];
        ++first[g.edge_head(e) + 1];
    }
    for (std::uint32_t v = 0; v < nv; ++v) first[v + 1] += first[v];
    std::vector<std::uint32_t> out(first[nv]);
    std::vector<double> ang(first[nv]);
    {
        std::vector<std::uint32_t> fill(first.begin(), first.end() - 1);
        for (EdgeId e = 0; e < g.num_edges(); ++e) {
            if (!keep[e]) continue;
            out[fill[g.edge_tail(e)]++] = 2 * e;
            out[fill[g.edge_head(e)]++] = 2 * e + 1;
        }
    }
    std::vector<std::uint32_t> pos(2 * std::size_t{g.num_edges()}, 0);  // index of h in `out`
    for (std::uint32_t v = 0; v < nv; ++v) {
        const auto b = out.begin() + first[v], en = out.begin() + first[v + 1];
        std::vector<std::pair<double, std::uint32_t>> s;
        for (auto it = b; it != en; ++it) s.emplace_back(angle(*it), *it);
        std::sort(s.begin(), s.end());
        for (std::size_t i = 0; i < s.size(); ++i) {
            out[first[v] + i] = s[i].second;
            pos[s[i].second] = static_cast<std::uint32_t>(first[v] + i);
        }
    }
    // Next half-edge of the face on the left of h: at h's head, the one clockwise after h's
    // reverse.
    auto next = [&](std::uint32_t h) {
        const VertexId v = to(h);
        const std::uint32_t i = pos[h ^ 1u];
        const std::uint32_t p = i == first[v] ? first[v + 1] - 1 : i - 1;
        return out[p];
    };
    std::vector<char> seen(2 * std::size_t{g.num_edges()}, 0);
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        if (!keep[e]) continue;
        for (std::uint32_t h0 : {2 * e, 2 * e + 1}) {
            if (seen[h0]) continue;
            double a2 = 0, cx = 0, cy = 0;
            std::uint32_t h = h0;
            do {
                seen[h] = 1;
                const auto s = g.edge_shape(h >> 1);
                const std::size_t n = s.size();
                for (std::size_t i = 0; i + 1 < n; ++i) {
                    const LonLat p = h & 1 ? s[n - 1 - i] : s[i];
                    const LonLat q = h & 1 ? s[n - 2 - i] : s[i + 1];
                    const auto [px, py] = proj.forward(p);
                    const auto [qx, qy] = proj.forward(q);
                    const double c = px * qy - qx * py;
                    a2 += c;
                    cx += (px + qx) * c;
                    cy += (py + qy) * c;
                }
                h = next(h);
            } while (h != h0);
            (void)from;
            const double area = 0.5 * a2;
            if (area > 1.0) faces.push_back({area, proj.inverse(cx / (3 * a2), cy / (3 * a2))});
        }
    }
    return faces;
}

}  // namespace

NetworkReport network_metrics(const NetworkInputs& in, const std::vector<MultiPolygon>& areas) {
    if (in.graph == nullptr) throw std::invalid_argument("network_metrics: no graph");
    const WalkGraph& g = *in.graph;
    if (!in.road_edge.empty() && in.road_edge.size() != g.num_edges())
        throw std::invalid_argument("network_metrics: road_edge must have one entry per edge");
    NetworkReport r;
    r.communities.resize(areas.size());
    for (std::size_t c = 0; c < areas.size(); ++c)
        r.communities[c].area_km2 = area_m2(areas[c]) / 1e6;
    const PolygonIndex index(areas);
    // Every community whose polygon holds p, ascending.
    auto holding = [&](LonLat p) {
        std::vector<std::uint32_t> cand = index.candidates(p, p), out;
        std::sort(cand.begin(), cand.end());
        for (std::uint32_t c : cand)
            if (contains(areas[c], p)) out.push_back(c);
        return out;
    };
    auto is_road = [&](EdgeId e) { return !in.road_edge.empty() && in.road_edge[e] != 0; };

    // Lengths, clipped to every community whose box the segment meets.
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        const std::uint8_t fl = g.edge_flags(e);
        if (fl & in.ignored_flags) continue;
        const auto s = g.edge_shape(e);
        for (std::size_t i = 0; i + 1 < s.size(); ++i) {
            const LonLat a = s[i], b = s[i + 1];
            const LonLat lo{std::min(a.lon, b.lon), std::min(a.lat, b.lat)};
            const LonLat hi{std::max(a.lon, b.lon), std::max(a.lat, b.lat)};
            std::vector<std::uint32_t> cand = index.candidates(lo, hi);
            std::sort(cand.begin(), cand.end());
            for (std::uint32_t c : cand) {
                const double km = length_inside(areas[c], a, b) / 1000.0;
                if (km <= 0) continue;
                NetworkMetrics& m = r.communities[c];
                m.walk_km += km;
                if (is_road(e)) m.road_km += km;
                if (fl & kEdgePrivate) m.gated_km += km;
            }
        }
    }

    // Junctions and ends, in the community holding the vertex.
    const std::vector<std::uint32_t> deg = vertex_degrees(g, in.ignored_flags);
    std::vector<VertexId> cut(in.cut_vertices.begin(), in.cut_vertices.end());
    std::sort(cut.begin(), cut.end());
    NetworkInputs no_cut = in;
    no_cut.cut_vertices = {};
    for (VertexId v = 0; v < g.num_vertices(); ++v) {
        if (deg[v] != 1 && deg[v] < 3) continue;
        const bool edge = deg[v] == 1 && (std::binary_search(cut.begin(), cut.end(), v) ||
                                          at_extract_edge(no_cut, v));
        for (std::uint32_t c : holding(g.coord(v))) {
            NetworkMetrics& m = r.communities[c];
            if (deg[v] >= 3)
                ++m.intersections;
            else if (edge)
                ++m.extract_ends;
            else
                ++m.dead_ends;
        }
    }

    // Blocks: bounded faces of the road network.
    if (!in.road_edge.empty()) {
        std::vector<char> keep(g.num_edges(), 0);
        for (EdgeId e = 0; e < g.num_edges(); ++e)
            keep[e] = is_road(e) && (g.edge_flags(e) & in.ignored_flags) == 0;
        for (const Face& f : plane_faces(g, keep)) {
            for (std::uint32_t c : holding(f.centroid)) {
                ++r.communities[c].blocks;
                r.communities[c].block_area_km2 += f.area_m2 / 1e6;
            }
        }
    }

    for (const NetworkMetrics& m : r.communities) {
        r.city.area_km2 += m.area_km2;
        r.city.walk_km += m.walk_km;
        r.city.road_km += m.road_km;
        r.city.gated_km += m.gated_km;
        r.city.intersections += m.intersections;
        r.city.dead_ends += m.dead_ends;
        r.city.extract_ends += m.extract_ends;
        r.city.blocks += m.blocks;
        r.city.block_area_km2 += m.block_area_km2;
    }
    return r;
}

}  // namespace lc15
