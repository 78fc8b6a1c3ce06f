#include "engine/polygon.hpp"

#include <algorithm>
#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <charconv>
#include <cmath>

#include "engine/types.hpp"

namespace lc15 {

namespace {

bool ring_contains(const Ring& r, LonLat p) {
    bool in = false;
    const std::size_t n = r.size();
    for (std::size_t i = 0, j = n - 1; i < n; j = i++) {
        const LonLat a = r[i], b = r[j];
        if ((a.lat > p.lat) != (b.lat > p.lat)) {
            const double x = (b.lon - a.lon) * (p.lat - a.lat) / (b.lat - a.lat) + a.lon;
            if (p.lon < x) in = !in;
        }
    }
    return in;
}

// Signed area (m^2) and area-weighted centroid sums of a ring in local metres about o.
void ring_moments(const Ring& r, const LocalProjection& proj, double& a2, double& cx, double& cy) {
    const std::size_t n = r.size();
    for (std::size_t i = 0; i < n; ++i) {
        auto [x1, y1] = proj.forward(r[i]);
        auto [x2, y2] = proj.forward(r[(i + 1) % n]);
        const double cross = x1 * y2 - x2 * y1;
        a2 += cross;
        cx += (x1 + x2) * cross;
        cy += (y1 + y2) * cross;
    }
}

LonLat first_point(const MultiPolygon& mp) {
    for (const auto& p : mp)
        if (!p.outer.empty()) return p.outer.front();
    return {};
}

}  // namespace

bool contains(const Polygon& poly, LonLat p) {
    if (poly.outer.size() < 3 || !ring_contains(poly.outer, p)) return false;
    for (const Ring& h : poly.inners) {
        if (h.size() >= 3 && ring_contains(h, p)) return false;
    }
    return true;
}

bool contains(const MultiPolygon& mp, LonLat p) {
    return std::any_of(mp.begin(), mp.end(),
                       [&](const Polygon& poly) { return contains(poly, p); });
}

double area_m2(const MultiPolygon& mp) {
    const LocalProjection proj(first_point(mp));
    double total = 0.0;
    for (const Polygon& poly : mp) {
        double a = 0, cx = 0, cy = 0;
        ring_moments(poly.outer, proj, a, cx, cy);
        double area = std::abs(a) / 2.0;
        for (const Ring& h : poly.inners) {
            double ha = 0;
            ring_moments(h, proj, ha, cx, cy);
            area -= std::abs(ha) / 2.0;
        }
        total += std::max(0.0, area);
    }
    return total;
}

LonLat centroid(const MultiPolygon& mp) {
    const LonLat o = first_point(mp);
    const LocalProjection proj(o);
    double sa = 0, sx = 0, sy = 0;
    for (const Polygon& poly : mp) {
        auto add = [&](const Ring& r, double sign) {
            double a = 0, cx = 0, cy = 0;
            ring_moments(r, proj, a, cx, cy);
            if (a < 0) {
                a = -a;
                cx = -cx;
                cy = -cy;
            }
            sa += sign * a;
            sx += sign * cx;
            sy += sign * cy;
        };
        add(poly.outer, 1.0);
        for (const Ring& h : poly.inners) add(h, -1.0);
    }
    if (std::abs(sa) < 1e-9) {  // degenerate: mean of the outer points
        double x = 0, y = 0;
        std::size_t n = 0;
        for (const Polygon& poly : mp)
            for (const LonLat& p : poly.outer) {
                x += p.lon;
                y += p.lat;
                ++n;
            }
        return n ? LonLat{x / n, y / n} : LonLat{};
    }
    return proj.inverse(sx / (3.0 * sa), sy / (3.0 * sa));
}

std::pair<LonLat, LonLat> bounds(const MultiPolygon& mp) {
    LonLat lo{1e9, 1e9}, hi{-1e9, -1e9};
    for (const Polygon& poly : mp) {
        for (const LonLat& p : poly.outer) {
            lo = {std::min(lo.lon, p.lon), std::min(lo.lat, p.lat)};
            hi = {std::max(hi.lon, p.lon), std::max(hi.lat, p.lat)};
        }
    }
    return {lo, hi};
}

std::vector<LonLat> boundary_points(const MultiPolygon& mp, double spacing_m) {
    std::vector<LonLat> out;
    auto walk = [&](const Ring& r) {
        for (std::size_t i = 0; i < r.size(); ++i) {
            const LonLat a = r[i], b = r[(i + 1) % r.size()];
            out.push_back(a);
            const double d = haversine_m(a, b);
            const int extra = spacing_m > 0 ? static_cast<int>(d / spacing_m) : 0;
            for (int k = 1; k <= extra; ++k)
                out.push_back(interpolate(a, b, double(k) / (extra + 1)));
        }
    };
    for (const Polygon& poly : mp) {
        walk(poly.outer);
        for (const Ring& h : poly.inners) walk(h);
    }
    return out;
}

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using BPoint = bg::model::point<double, 2, bg::cs::cartesian>;
using Box = bg::model::box<BPoint>;

struct PolygonIndex::Impl {
    const std::vector<MultiPolygon>* polys;
    bgi::rtree<std::pair<Box, std::uint32_t>, bgi::rstar<16>> tree;
};

PolygonIndex::PolygonIndex(const std::vector<MultiPolygon>& polygons)
    : impl_(std::make_unique<Impl>()) {
    impl_->polys = &polygons;
    std::vector<std::pair<Box, std::uint32_t>> v;
    for (std::uint32_t i = 0; i < polygons.size(); ++i) {
        if (polygons[i].empty()) continue;
        auto [lo, hi] = bounds(polygons[i]);
        v.emplace_back(Box(BPoint(lo.lon, lo.lat), BPoint(hi.lon, hi.lat)), i);
    }
    impl_->tree = decltype(impl_->tree)(v.begin(), v.end());
}

PolygonIndex::~PolygonIndex() = default;

std::uint32_t PolygonIndex::find(LonLat p) const {
    std::uint32_t best = kInvalidId;
    for (auto it = impl_->tree.qbegin(bgi::intersects(BPoint(p.lon, p.lat)));
         it != impl_->tree.qend(); ++it) {
        if (it->second < best && contains((*impl_->polys)[it->second], p)) best = it->second;
    }
    return best;
}

std::vector<std::uint32_t> PolygonIndex::candidates(LonLat min, LonLat max) const {
    std::vector<std::uint32_t> out;
    for (auto it = impl_->tree.qbegin(
             bgi::intersects(Box(BPoint(min.lon, min.lat), BPoint(max.lon, max.lat))));
         it != impl_->tree.qend(); ++it) {
        out.push_back(it->second);
    }
    std::sort(out.begin(), out.end());
    return out;
}

namespace {

std::string coord_text(LonLat p) {
    char buf[64];
    auto r = std::to_chars(buf, buf + 30, p.lon, std::chars_format::fixed, 5);
    *r.ptr++ = ',';
    *r.ptr++ = ' ';
    r = std::to_chars(r.ptr, buf + sizeof buf, p.lat, std::chars_format::fixed, 5);
    return std::string(buf, r.ptr);
}

double orient(LonLat a, LonLat b, LonLat c) {
    return (b.lon - a.lon) * (c.lat - a.lat) - (b.lat - a.lat) * (c.lon - a.lon);
}

bool on_segment(LonLat a, LonLat b, LonLat p) {
    return std::min(a.lon, b.lon) <= p.lon && p.lon <= std::max(a.lon, b.lon) &&
           std::min(a.lat, b.lat) <= p.lat && p.lat <= std::max(a.lat, b.lat);
}

bool segments_meet(LonLat a, LonLat b, LonLat c, LonLat d) {
    const double o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a),
                 o4 = orient(c, d, b);
    if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0)))
        return true;
    return (o1 == 0 && on_segment(a, b, c)) || (o2 == 0 && on_segment(a, b, d)) ||
           (o3 == 0 && on_segment(c, d, a)) || (o4 == 0 && on_segment(c, d, b));
}

std::string ring_problem(const Ring& r, const std::string& name) {
    if (r.size() < 2 || r.front().lon != r.back().lon || r.front().lat != r.back().lat)
        return name + " is not closed (its last point is not its first)";
    const std::size_t n = r.size() - 1;  // edges
    std::size_t distinct = 0;
    for (std::size_t i = 0; i < n; ++i)
        distinct += r[i].lon != r[i + 1].lon || r[i].lat != r[i + 1].lat;
    if (distinct < 3) return name + " has fewer than 3 distinct points";
    if (n > 4000) return {};
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = i + 2; j < n; ++j) {
            if (i == 0 && j == n - 1) continue;  // the closing edge meets the first
            if (segments_meet(r[i], r[i + 1], r[j], r[j + 1]))
                return name + " crosses itself near " + coord_text(r[j]);
        }
    }
    return {};
}

}  // namespace

std::string polygon_problem(const MultiPolygon& mp) {
    for (std::size_t k = 0; k < mp.size(); ++k) {
        const std::string part = mp.size() > 1 ? "part " + std::to_string(k + 1) + ": " : "";
        std::string why = ring_problem(mp[k].outer, part + "the outer ring");
        for (std::size_t h = 0; why.empty() && h < mp[k].inners.size(); ++h)
            why = ring_problem(mp[k].inners[h], part + "hole " + std::to_string(h + 1));
        if (!why.empty()) return why;
    }
    return {};
}

}  // namespace lc15
