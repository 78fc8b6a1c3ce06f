#include "engine/snap.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/components.hpp"

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
    bool rule_set = false;
    IslandRule rule;
    std::vector<char> edge_main;  // per edge, with a rule: on the main network
};

namespace {

// How many nearest segments of the flat index are re-ranked by their true distance.
constexpr unsigned kCandidates = 8;

struct Candidate {
    Distance d = kInfDistance;  // true distance, whole cm
    std::uint32_t shape = kInvalidId;
    LonLat on{};
    bool better_than(const Candidate& o) const { return d != o.d ? d < o.d : shape < o.shape; }
};

}  // namespace

Snapper::Snapper(const WalkGraph& g, std::uint8_t forbidden_flags)
    : g_(&g), index_(std::make_unique<Index>()) {
    if (g.num_vertices() > 0) index_->proj = LocalProjection(g.coord(0));
    std::vector<Value> values;
    // Shape points are laid out edge by edge; remember each one's edge and position.
    std::uint32_t base = 0;
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        const auto shape = g.edge_shape(e);
        index_->shape_edge.resize(base + shape.size(), e);
        // A compound's home and gate ways are walked, never snapped onto (engine/compounds.hpp).
        if (!(g.edge_flags(e) & (forbidden_flags | kEdgeCompound))) {
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
    forbidden_ = forbidden_flags;
}

Snapper::~Snapper() = default;
Snapper::Snapper(Snapper&&) noexcept = default;
Snapper& Snapper::operator=(Snapper&&) noexcept = default;

void Snapper::set_island_rule(const IslandRule& rule) {
    const Components c = connected_components(*g_, forbidden_);
    std::vector<char> main_component(c.count(), 0);
    for (std::uint32_t k = 0; k < c.count(); ++k)
        main_component[k] = k == 0 || c.length_m[k] >= rule.main_component_m;
    index_->edge_main.assign(g_->num_edges(), 0);
    for (EdgeId e = 0; e < g_->num_edges(); ++e)
        index_->edge_main[e] = main_component[c.component[g_->edge_tail(e)]];
    index_->rule = rule;
    index_->rule_set = true;
}

bool Snapper::has_island_rule() const { return index_->rule_set; }
const IslandRule& Snapper::island_rule() const { return index_->rule; }

bool Snapper::on_island(EdgeId e) const {
    return index_->rule_set && e < index_->edge_main.size() && !index_->edge_main[e];
}

double Snapper::nearest_metres(LonLat p) const {
    auto [x, y] = index_->proj.forward(p);
    std::vector<Value> found;
    index_->tree.query(bgi::nearest(Point(x, y), 1), std::back_inserter(found));
    if (found.empty()) return std::numeric_limits<double>::infinity();
    return bg::distance(Point(x, y), found.front().first);
}

namespace {

// The candidate among `found` nearest to p by true distance.
template <class ShapeEdge>
Candidate best_of(const WalkGraph& g, const std::vector<Value>& found, LonLat p,
                  ShapeEdge&& shape_edge) {
    const LocalProjection local(p);  // about the query point: no scale error where it matters
    const LonLat* shape0 = g.edge_shape(0).data();
    Candidate best;
    for (const Value& v : found) {
        const EdgeId e = shape_edge(v.second);
        const auto shape = g.edge_shape(e);
        const std::size_t i = v.second - static_cast<std::uint32_t>(shape.data() - shape0);
        const double t =
            project_on_segment({0.0, 0.0}, local.forward(shape[i]), local.forward(shape[i + 1]));
        Candidate c;
        c.on = interpolate(shape[i], shape[i + 1], t);
        c.d = metres_to_cm(haversine_m(p, c.on));
        c.shape = v.second;
        if (c.better_than(best)) best = c;
    }
    return best;
}

}  // namespace

SnapResult Snapper::snap(LonLat p, double max_metres) const {
    SnapResult r;
    auto [x, y] = index_->proj.forward(p);
    auto shape_edge = [&](std::uint32_t s) { return index_->shape_edge[s]; };
    std::vector<Value> found;
    index_->tree.query(bgi::nearest(Point(x, y), kCandidates), std::back_inserter(found));
    Candidate best = best_of(*g_, found, p, shape_edge);
    if (best.shape == kInvalidId) return r;
    if (index_->rule_set && !index_->edge_main[shape_edge(best.shape)]) {
        // The nearest street is an island: prefer the main network unless the island is
        // right here and the main network far.
        found.clear();
        const auto& main = index_->edge_main;
        index_->tree.query(
            bgi::nearest(Point(x, y), kCandidates) && bgi::satisfies([&](const Value& v) {
                return main[index_->shape_edge[v.second]] != 0;
            }),
            std::back_inserter(found));
        const Candidate m = best_of(*g_, found, p, shape_edge);
        const IslandRule& rule = index_->rule;
        const bool keep_island =
            cm_to_metres(best.d) <= rule.keep_island_m && !(cm_to_metres(m.d) <= rule.far_main_m);
        if (m.shape != kInvalidId && !keep_island && cm_to_metres(m.d) <= max_metres) best = m;
    }
    if (cm_to_metres(best.d) > max_metres) return r;
    const EdgeId e = shape_edge(best.shape);
    const auto shape = g_->edge_shape(e);
    const auto offs = g_->edge_shape_offsets(e);
    const std::size_t i = best.shape - (shape.data() - g_->edge_shape(0).data());
    const LonLat on = best.on;
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
