// lc15 maps — sea polygons from OSM coastlines for one map's extent (maps/sea.hpp).
#include "maps/sea.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <utility>

namespace lc15::maps::detail {

namespace {

using Key = std::pair<long long, long long>;
Key key(LonLat p) { return {std::llround(p.lon * 1e7), std::llround(p.lat * 1e7)}; }

struct Chain {
    std::vector<LonLat> pts;
    std::vector<std::int64_t> ways;
    bool closed = false;
};

/// The ways joined end to start (the direction of a coastline carries where the sea is, so a
/// way is never turned round).
std::vector<Chain> join(const std::vector<io::OsmCoastline>& ways) {
    std::map<Key, std::vector<std::size_t>> by_start, by_end;
    for (std::size_t i = 0; i < ways.size(); ++i) {
        if (ways[i].line.size() < 2) continue;
        by_start[key(ways[i].line.front())].push_back(i);
        by_end[key(ways[i].line.back())].push_back(i);
    }
    std::vector<char> used(ways.size(), 0);
    auto take = [&](std::map<Key, std::vector<std::size_t>>& m,
                    Key k) -> std::optional<std::size_t> {
        auto it = m.find(k);
        if (it == m.end()) return std::nullopt;
        for (std::size_t j : it->second) {
            if (!used[j]) {
                used[j] = 1;
                return j;
            }
        }
        return std::nullopt;
    };
    std::vector<Chain> chains;
    for (std::size_t i = 0; i < ways.size(); ++i) {
        if (used[i] || ways[i].line.size() < 2) continue;
        used[i] = 1;
        Chain c;
        c.pts = ways[i].line;
        c.ways.push_back(ways[i].way_id);
        auto is_closed = [&] {
            return c.pts.size() > 3 && key(c.pts.front()) == key(c.pts.back());
        };
        c.closed = is_closed();
        while (!c.closed) {
            const auto j = take(by_start, key(c.pts.back()));
            if (!j) break;
            c.pts.insert(c.pts.end(), ways[*j].line.begin() + 1, ways[*j].line.end());
            c.ways.push_back(ways[*j].way_id);
            c.closed = is_closed();
        }
        while (!c.closed) {
            const auto j = take(by_end, key(c.pts.front()));
            if (!j) break;
            c.pts.insert(c.pts.begin(), ways[*j].line.begin(), ways[*j].line.end() - 1);
            c.ways.insert(c.ways.begin(), ways[*j].way_id);
            c.closed = is_closed();
        }
        chains.push_back(std::move(c));
    }
    return chains;
}

struct Box {
    double minx, miny, maxx, maxy;
    bool inside(LonLat p) const {  // strictly
        return p.lon > minx && p.lon < maxx && p.lat > miny && p.lat < maxy;
    }
    bool inside_or_on(LonLat p) const {
        return p.lon >= minx && p.lon <= maxx && p.lat >= miny && p.lat <= maxy;
    }
    double w() const { return maxx - minx; }
    double h() const { return maxy - miny; }
    double perimeter() const { return 2 * (w() + h()); }
    /// Position along the edge, clockwise from the top-left corner (north up).
    double along(LonLat p) const {
        const double d[4] = {std::abs(p.lat - maxy), std::abs(p.lon - maxx), std::abs(p.lat - miny),
                             std::abs(p.lon - minx)};
        const int e = static_cast<int>(std::min_element(d, d + 4) - d);
        switch (e) {
            case 0:
                return std::clamp(p.lon - minx, 0.0, w());
            case 1:
                return w() + std::clamp(maxy - p.lat, 0.0, h());
            case 2:
                return w() + h() + std::clamp(maxx - p.lon, 0.0, w());
            default:
                return 2 * w() + h() + std::clamp(p.lat - miny, 0.0, h());
        }
    }
    /// Clockwise distance along the edge from a to b.
    double cw(double a, double b) const {
        const double p = perimeter();
        double d = std::fmod(b - a, p);
        if (d < 0) d += p;
        return d;
    }
    LonLat corner(int i) const {  // TL, TR, BR, BL: at along() 0, w, w + h, 2w + h
        switch (i) {
            case 0:
                return {minx, maxy};
            case 1:
                return {maxx, maxy};
            case 2:
                return {maxx, miny};
            default:
                return {minx, miny};
        }
    }
    double corner_along(int i) const {
        const double t[4] = {0, w(), w() + h(), 2 * w() + h()};
        return t[i];
    }
};

/// The part of segment a-b inside the box as parameters [t0, t1] (Liang–Barsky).
std::optional<std::pair<double, double>> clip(const Box& b, LonLat a, LonLat q) {
    const double dx = q.lon - a.lon, dy = q.lat - a.lat;
    double t0 = 0, t1 = 1;
    const double p[4] = {-dx, dx, -dy, dy};
    const double r[4] = {a.lon - b.minx, b.maxx - a.lon, a.lat - b.miny, b.maxy - a.lat};
    for (int i = 0; i < 4; ++i) {
        if (p[i] == 0) {
            if (r[i] < 0) return std::nullopt;
            continue;
        }
        const double t = r[i] / p[i];
        if (p[i] < 0) {
            t0 = std::max(t0, t);
        } else {
            t1 = std::min(t1, t);
        }
        if (t0 > t1) return std::nullopt;
    }
    return std::pair{t0, t1};
}

LonLat lerp(LonLat a, LonLat b, double t) {
    return {a.lon + (b.lon - a.lon) * t, a.lat + (b.lat - a.lat) * t};
}

double signed_area(const Ring& r) {
    double s = 0;
    for (std::size_t i = 0; i + 1 < r.size(); ++i)
        s += r[i].lon * r[i + 1].lat - r[i + 1].lon * r[i].lat;
    return s / 2;
}

struct Piece {
    std::vector<LonLat> pts;  ///< from the box's edge, inside it, to the box's edge
    double in = 0, out = 0;   ///< Box::along of its first and last point
};

/// The pieces of a chain inside the box; its first point lies outside or on the edge.
void cut(const Box& box, const std::vector<LonLat>& pts, std::vector<Piece>& pieces) {
    constexpr double kEps = 1e-12;
    std::vector<LonLat> cur;
    bool in = false;
    auto finish = [&] {
        if (cur.size() >= 2) pieces.push_back({cur, box.along(cur.front()), box.along(cur.back())});
        cur.clear();
        in = false;
    };
    for (std::size_t i = 0; i + 1 < pts.size(); ++i) {
        const auto t = clip(box, pts[i], pts[i + 1]);
        if (!t) {
            if (in) finish();
            continue;
        }
        const auto [t0, t1] = *t;
        if (t1 - t0 <= kEps) {  // touches the edge at one point
            if (in && t0 <= kEps) finish();
            continue;
        }
        if (!in) {
            cur = {lerp(pts[i], pts[i + 1], t0)};
            in = true;
        }
        if (t1 < 1 - kEps) {
            cur.push_back(lerp(pts[i], pts[i + 1], t1));
            finish();
        } else {
            cur.push_back(pts[i + 1]);
        }
    }
    if (in && !box.inside(cur.back())) finish();
}

std::string ways_text(const std::vector<std::int64_t>& ways) {
    std::string s = ways.size() == 1 ? "natural=coastline way " : "natural=coastline ways ";
    for (std::size_t i = 0; i < ways.size() && i < 5; ++i)
        s += (i ? ", w" : "w") + std::to_string(ways[i]);
    if (ways.size() > 5) s += " and " + std::to_string(ways.size() - 5) + " more";
    return s;
}

std::string point_text(LonLat p) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f, %.6f", p.lon, p.lat);
    return buf;
}

}  // namespace

SeaShapes sea_shapes(const std::vector<io::OsmCoastline>& coastlines, LonLat lo, LonLat hi,
                     const std::array<LonLat, 2>* extract) {
    SeaShapes out;
    Box box{lo.lon, lo.lat, hi.lon, hi.lat};
    if (extract) {
        // Only where the extract holds the coast: its box less the margin.
        const double dlat = kExtractMarginM / 111320.0;
        const double dlon = dlat / std::max(0.01, std::cos((lo.lat + hi.lat) / 2 * kPi / 180));
        box.minx = std::max(box.minx, (*extract)[0].lon + dlon);
        box.miny = std::max(box.miny, (*extract)[0].lat + dlat);
        box.maxx = std::min(box.maxx, (*extract)[1].lon - dlon);
        box.maxy = std::min(box.maxy, (*extract)[1].lat - dlat);
    }
    if (coastlines.empty() || !(box.w() > 0) || !(box.h() > 0)) return out;
    std::vector<Piece> pieces;
    for (Chain& c : join(coastlines)) {
        double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
        for (LonLat p : c.pts) {
            x0 = std::min(x0, p.lon);
            x1 = std::max(x1, p.lon);
            y0 = std::min(y0, p.lat);
            y1 = std::max(y1, p.lat);
        }
        if (x1 <= box.minx || x0 >= box.maxx || y1 <= box.miny || y0 >= box.maxy) continue;
        if (!c.closed) {
            const bool front = box.inside(c.pts.front()), back = box.inside(c.pts.back());
            if (front || back) {
                out.warnings.push_back(
                    ways_text(c.ways) + ": the coastline ends inside the map at " +
                    point_text(front ? c.pts.front() : c.pts.back()) +
                    " (broken in OSM, or cut by an extract without a header box), so it cannot "
                    "say where the sea is; that stretch of sea is not drawn. Fix the coastline "
                    "in OSM or extract a larger area.");
                continue;
            }
            cut(box, c.pts, pieces);
            continue;
        }
        if (std::all_of(c.pts.begin(), c.pts.end(),
                        [&](LonLat p) { return box.inside_or_on(p); })) {
            (signed_area(c.pts) > 0 ? out.land : out.sea).push_back(c.pts);
            continue;
        }
        // A closed chain crossing the edge: start it at a point outside the box.
        std::vector<LonLat> ring(c.pts.begin(), c.pts.end() - 1);
        const auto first =
            std::find_if(ring.begin(), ring.end(), [&](LonLat p) { return !box.inside_or_on(p); });
        std::rotate(ring.begin(), first, ring.end());
        ring.push_back(ring.front());
        cut(box, ring, pieces);
    }

    // Close the pieces clockwise along the box's edge: after a piece's exit, the next piece to
    // enter clockwise; the sea lies to the right of every piece, so inside the ring.
    std::vector<char> done(pieces.size(), 0);
    std::vector<Ring> rings;
    for (std::size_t s = 0; s < pieces.size(); ++s) {
        if (done[s]) continue;
        Ring ring;
        std::size_t cur = s;
        for (;;) {
            done[cur] = 1;
            ring.insert(ring.end(), pieces[cur].pts.begin(), pieces[cur].pts.end());
            const double from = pieces[cur].out;
            std::size_t next = 0;
            double best = 1e300;
            for (std::size_t j = 0; j < pieces.size(); ++j) {
                const double d = box.cw(from, pieces[j].in);
                if (d < best) {
                    best = d;
                    next = j;
                }
            }
            std::vector<std::pair<double, int>> corners;
            for (int k = 0; k < 4; ++k) {
                const double d = box.cw(from, box.corner_along(k));
                if (d > 0 && d < best) corners.push_back({d, k});
            }
            std::sort(corners.begin(), corners.end());
            for (const auto& [d, k] : corners) ring.push_back(box.corner(k));
            if (next == s) break;
            if (done[next]) {
                out.warnings.push_back(
                    "natural=coastline: the coast inside the map runs in contradicting directions "
                    "(land must lie on the left of every coastline way), so no sea is drawn; fix "
                    "the coastline's direction in OSM.");
                out.sea.clear();
                out.land.clear();
                return out;
            }
            cur = next;
        }
        ring.push_back(ring.front());
        rings.push_back(std::move(ring));
    }
    if (rings.empty() && out.sea.empty() && !out.land.empty()) {
        // Islands and no coast across the map: the map lies in the sea.
        out.sea.push_back(
            {box.corner(0), box.corner(1), box.corner(2), box.corner(3), box.corner(0)});
    }
    out.sea.insert(out.sea.begin(), rings.begin(), rings.end());
    return out;
}

}  // namespace lc15::maps::detail
