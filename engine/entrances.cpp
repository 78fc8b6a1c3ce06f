#include "engine/entrances.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <tuple>

#include "engine/places.hpp"

namespace lc15 {

bool parse_entrance_mode(const std::string& s, EntranceMode& out) {
    if (s == "nearest")
        out = EntranceMode::Nearest;
    else if (s == "boundary")
        out = EntranceMode::Boundary;
    else if (s == "gates")
        out = EntranceMode::Gates;
    else
        return false;
    return true;
}

const char* entrance_mode_name(EntranceMode m) {
    switch (m) {
        case EntranceMode::Boundary:
            return "boundary";
        case EntranceMode::Gates:
            return "gates";
        case EntranceMode::Nearest:
            break;
    }
    return "nearest";
}

double boundary_distance_m(const MultiPolygon& area, LonLat p) {
    const LocalProjection proj(p);
    double best = std::numeric_limits<double>::infinity();
    auto ring = [&](const Ring& r) {
        for (std::size_t i = 0; i + 1 < r.size(); ++i) {
            const auto a = proj.forward(r[i]), b = proj.forward(r[i + 1]);
            const double t = project_on_segment({0.0, 0.0}, a, b);
            best = std::min(best, haversine_m(p, interpolate(r[i], r[i + 1], t)));
        }
        if (r.size() == 1) best = std::min(best, haversine_m(p, r.front()));
    };
    for (const Polygon& poly : area) {
        ring(poly.outer);
        if (!poly.outer.empty() && !(poly.outer.front() == poly.outer.back()))
            ring({poly.outer.back(), poly.outer.front()});
        for (const Ring& in : poly.inners) ring(in);
    }
    return best;
}

namespace {

// Sorted by (edge, off_tail, access), exact repeats of (edge, off_tail) dropped keeping the
// shortest access leg.
void normalise(std::vector<SnapResult>& e) {
    std::sort(e.begin(), e.end(), [](const SnapResult& a, const SnapResult& b) {
        return std::tie(a.edge, a.off_tail, a.access) < std::tie(b.edge, b.off_tail, b.access);
    });
    e.erase(std::unique(e.begin(), e.end(),
                        [](const SnapResult& a, const SnapResult& b) {
                            return a.edge == b.edge && a.off_tail == b.off_tail;
                        }),
            e.end());
}

}  // namespace

std::vector<SnapResult> area_entrances(const Snapper& snapper, const MultiPolygon& area,
                                       std::span<const LonLat> gates, const EntranceOptions& o,
                                       double max_m) {
    std::vector<SnapResult> out;
    if (area.empty()) return out;
    if (o.mode == EntranceMode::Boundary) {
        const double reach = std::min(o.touch_m, max_m);
        for (const LonLat& p : boundary_points(area, std::max(1.0, o.spacing_m))) {
            SnapResult s = snapper.snap(p, reach);
            if (!s.ok()) continue;
            if (contains(area, s.on_edge)) s.access = 0;  // the street runs into the area
            out.push_back(s);
        }
        // A path through the middle that no boundary sample is near.
        SnapResult c = snapper.snap(centroid(area), max_m);
        if (c.ok() && contains(area, c.on_edge)) {
            c.access = 0;
            out.push_back(c);
        }
    } else if (o.mode == EntranceMode::Gates) {
        const auto [lo, hi] = bounds(area);
        const double m = 2 * o.gate_m / 111000.0;  // degrees of latitude, with room
        const double mx = m / std::max(0.01, std::cos(deg2rad(lo.lat)));
        for (const LonLat& gpos : gates) {
            if (gpos.lon < lo.lon - mx || gpos.lon > hi.lon + mx || gpos.lat < lo.lat - m ||
                gpos.lat > hi.lat + m)
                continue;
            if (!contains(area, gpos) && boundary_distance_m(area, gpos) > o.gate_m) continue;
            SnapResult s = snapper.snap(gpos, max_m);
            if (s.ok()) out.push_back(s);
        }
    }
    if (out.empty()) {
        const SnapResult s = snap_area(snapper, area, max_m);
        if (s.ok()) out.push_back(s);
    }
    normalise(out);
    return out;
}

}  // namespace lc15
