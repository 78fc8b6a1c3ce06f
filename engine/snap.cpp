#include "engine/snap.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <cmath>
#include <limits>
#include <vector>

namespace lc15 {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;
using Point = bg::model::point<double, 2, bg::cs::cartesian>;
using Segment = bg::model::segment<Point>;
using Value = std::pair<Segment, std::uint32_t>;  // segment, index of its first shape point

struct Snapper::Index {
    LocalProjection proj;
    bgi::rtree<Value, bgi::rstar<16>> tree;
    std::vector<EdgeId> shape_edge;  // shape point index -> edge
};

Snapper::Snapper(const WalkGraph& g, std::uint8_t forbidden_flags)
    : g_(&g), index_(std::make_unique<Index>()) {
    if (g.num_vertices() > 0) index_->proj = LocalProjection(g.coord(0));
    std::vector<Value> values;
    // Shape points are laid out edge by edge; remember each one's edge and position.
    std::uint32_t base = 0;
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        const auto shape = g.edge_shape(e);
        index_->shape_edge.resize(base + shape.size(), e);
        if (!(g.edge_flags(e) & forbidden_flags)) {
            for (std::size_t i = 0; i + 1 < shape.size(); ++i) {
                auto [x1, y1] = index_->proj.forward(shape[i]);
                auto [x2, y2] = index_->proj.forward(shape[i + 1]);
                values.emplace_back(Segment(Point(x1, y1), Point(x2, y2)),
                                    base + static_cast<std::uint32_t>(i));
            }
        }
        base += static_cast<std::uint32_t>(shape.size());
    }
    index_->tree = bgi::rtree<Value, bgi::rstar<16>>(values.begin(), values.end());  // packing
}

Snapper::~Snapper() = default;
Snapper::Snapper(Snapper&&) noexcept = default;
Snapper& Snapper::operator=(Snapper&&) noexcept = default;

double Snapper::nearest_metres(LonLat p) const {
    auto [x, y] = index_->proj.forward(p);
    std::vector<Value> found;
    index_->tree.query(bgi::nearest(Point(x, y), 1), std::back_inserter(found));
    if (found.empty()) return std::numeric_limits<double>::infinity();
    return bg::distance(Point(x, y), found.front().first);
}

SnapResult Snapper::snap(LonLat p, double max_metres) const {
    SnapResult r;
    auto [x, y] = index_->proj.forward(p);
    // The R-tree works in local planar metres; take a few nearest candidates and decide
    // among them exactly, ties broken by shape index so the answer never depends on the tree.
    std::vector<Value> found;
    index_->tree.query(bgi::nearest(Point(x, y), 4), std::back_inserter(found));
    double best = std::numeric_limits<double>::infinity();
    std::uint32_t best_shape = kInvalidId;
    double best_t = 0.0;
    for (const Value& v : found) {
        const auto& s = v.first;
        const std::pair<double, double> a{bg::get<0, 0>(s), bg::get<0, 1>(s)};
        const std::pair<double, double> b{bg::get<1, 0>(s), bg::get<1, 1>(s)};
        const double t = project_on_segment({x, y}, a, b);
        const double px = a.first + (b.first - a.first) * t,
                     py = a.second + (b.second - a.second) * t;
        const double d = std::hypot(px - x, py - y);
        if (d < best - 1e-9 || (std::abs(d - best) <= 1e-9 && v.second < best_shape)) {
            best = d;
            best_shape = v.second;
            best_t = t;
        }
    }
    if (best_shape == kInvalidId || best > max_metres) return r;
    const EdgeId e = index_->shape_edge[best_shape];
    const auto shape = g_->edge_shape(e);
    const auto offs = g_->edge_shape_offsets(e);
    const std::size_t i = best_shape - (shape.data() - g_->edge_shape(0).data());
    const LonLat on = interpolate(shape[i], shape[i + 1], best_t);
    const double along_m = cm_to_metres(offs[i]) + haversine_m(shape[i], on);
    const Distance len = g_->edge_length(e);
    r.edge = e;
    r.off_tail = std::min<Distance>(metres_to_cm(along_m), len);
    r.off_head = len - r.off_tail;
    r.access = metres_to_cm(haversine_m(p, on));
    r.on_edge = on;
    return r;
}

}  // namespace lc15
