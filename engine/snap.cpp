#include "engine/snap.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "engine/components.hpp"

namespace lc15 {

namespace {

// One indexed segment in the flat projection (metres), with the index of its first shape
// point; `main` is set by the island rule (the segment's edge is on the main network).
struct Seg {
    double ax = 0, ay = 0, bx = 0, by = 0;
    std::uint32_t shape = 0;
    std::uint8_t main = 0;
};

// A segment found by the flat index: squared planar distance and its first shape point.
struct Hit {
    double d2 = 0;
    std::uint32_t shape = 0;
    bool before(double od2, std::uint32_t oshape) const {
        return d2 != od2 ? d2 < od2 : shape < oshape;
    }
};

// Squared planar distance from (px, py) to segment s, by the foot of the perpendicular
// clamped to the segment (the same arithmetic, step for step, as Boost.Geometry's cartesian
// projected-point distance).
inline double seg_d2(double px, double py, const Seg& s) {
    const double vx = s.bx - s.ax, vy = s.by - s.ay;
    const double wx = px - s.ax, wy = py - s.ay;
    const double c1 = wx * vx + wy * vy;
    if (c1 <= 0.0) return wx * wx + wy * wy;
    const double c2 = vx * vx + vy * vy;
    if (c2 <= c1) {
        const double ex = px - s.bx, ey = py - s.by;
        return ex * ex + ey * ey;
    }
    const double b = c1 / c2;
    const double fx = px - (s.ax + b * vx), fy = py - (s.ay + b * vy);
    return fx * fx + fy * fy;
}

// The grid aims at about this many segments (counted by their midpoints) per cell of the
// occupied part of the extract, ...
constexpr double kSegmentsPerCell = 2.0;
// ... within these bounds on the side of a cell (m), ...
constexpr double kMinCellM = 2.0, kMaxCellM = 5000.0;
// ... and never with more cells than this many per segment (an extract that is mostly sea or
// farmland, or a long thin one, widens the cells instead).
constexpr std::size_t kMaxCellsPerSegment = 4;
// Registration widens each segment by this much (in cells), so that a segment touching a
// cell's border is listed in both cells whatever the rounding.
constexpr double kCellSlack = 1e-6;

}  // namespace

// A uniform grid over the bounding box of the indexed segments: cell c lists (ids from
// cell_start[c] to cell_start[c + 1]) every segment that passes through it, in storage order.
struct Snapper::Index {
    LocalProjection proj;
    std::vector<Seg> segs;            // in the order of the cells of their midpoints
    std::vector<EdgeId> shape_edge;   // shape point index -> edge
    double x0 = 0, y0 = 0, cell = 1;  // the grid's lower-left corner and the side of a cell
    long nx = 0, ny = 0;
    std::vector<std::uint32_t> cell_start, ids;
    bool rule_set = false;
    IslandRule rule;
    std::vector<char> edge_main;  // per edge, with a rule: on the main network

    void build_grid();
    template <class F>
    void for_each_cell(const Seg& s, F&& f) const;
    long column(double x) const { return clamp_cell((x - x0) / cell, nx); }
    long row(double y) const { return clamp_cell((y - y0) / cell, ny); }
    // The cell holding the segment's midpoint.
    std::size_t home_cell(const Seg& s) const {
        return static_cast<std::size_t>(row(0.5 * (s.ay + s.by)) * nx +
                                        column(0.5 * (s.ax + s.bx)));
    }
    static long clamp_cell(double u, long n) {
        const double f = std::floor(u);
        return !(f > 0.0) ? 0 : (f > static_cast<double>(n - 1) ? n - 1 : static_cast<long>(f));
    }
    // Squared distance from (px, py) to the block of cells [i0, i1] x [j0, j1].
    double block_d2(double px, double py, long i0, long i1, long j0, long j1) const {
        const double lx = x0 + static_cast<double>(i0) * cell;
        const double hx = x0 + static_cast<double>(i1 + 1) * cell;
        const double ly = y0 + static_cast<double>(j0) * cell;
        const double hy = y0 + static_cast<double>(j1 + 1) * cell;
        const double dx = px < lx ? lx - px : (px > hx ? px - hx : 0.0);
        const double dy = py < ly ? ly - py : (py > hy ? py - hy : 0.0);
        return dx * dx + dy * dy;
    }
    template <class Keep>
    unsigned nearest(double px, double py, unsigned k, Hit* out, Keep&& keep) const;
};

// Calls f(cell) for every cell the segment passes through (or within kCellSlack of): row by
// row, the part of the segment inside the row's band gives the row's run of cells.
template <class F>
void Snapper::Index::for_each_cell(const Seg& s, F&& f) const {
    const double u1 = (s.ax - x0) / cell, v1 = (s.ay - y0) / cell;
    const double u2 = (s.bx - x0) / cell, v2 = (s.by - y0) / cell;
    const double du = u2 - u1, dv = v2 - v1;
    const long j0 = clamp_cell(std::min(v1, v2) - kCellSlack, ny);
    const long j1 = clamp_cell(std::max(v1, v2) + kCellSlack, ny);
    for (long j = j0; j <= j1; ++j) {
        double lo = std::min(u1, u2), hi = std::max(u1, u2);
        if (dv != 0.0) {
            double ta = (static_cast<double>(j) - kCellSlack - v1) / dv;
            double tb = (static_cast<double>(j + 1) + kCellSlack - v1) / dv;
            if (ta > tb) std::swap(ta, tb);
            ta = std::clamp(ta, 0.0, 1.0);
            tb = std::clamp(tb, 0.0, 1.0);
            lo = u1 + du * ta;
            hi = u1 + du * tb;
            if (lo > hi) std::swap(lo, hi);
        }
        const long i0 = clamp_cell(lo - kCellSlack, nx), i1 = clamp_cell(hi + kCellSlack, nx);
        for (long i = i0; i <= i1; ++i) f(static_cast<std::size_t>(j * nx + i));
    }
}

void Snapper::Index::build_grid() {
    const std::size_t n = segs.size();
    if (n == 0) return;
    double lx = std::numeric_limits<double>::infinity(), ly = lx, hx = -lx, hy = -lx;
    for (const Seg& s : segs) {
        lx = std::min({lx, s.ax, s.bx});
        hx = std::max({hx, s.ax, s.bx});
        ly = std::min({ly, s.ay, s.by});
        hy = std::max({hy, s.ay, s.by});
    }
    x0 = lx;
    y0 = ly;
    const double w = std::max(hx - lx, kMinCellM), h = std::max(hy - ly, kMinCellM);
    const double segments = static_cast<double>(n);
    // The occupied area: the part of a coarse grid (about 16 segments a cell if they were
    // spread evenly over the box) that holds the midpoint of some segment.
    cell = std::sqrt(w * h / std::max(1.0, segments / 16.0));
    nx = static_cast<long>(w / cell) + 1;
    ny = static_cast<long>(h / cell) + 1;
    std::vector<char> occupied(static_cast<std::size_t>(nx * ny), 0);
    for (const Seg& s : segs) occupied[home_cell(s)] = 1;
    const double occupied_area =
        static_cast<double>(std::count(occupied.begin(), occupied.end(), char{1})) * cell * cell;
    cell = std::clamp(std::sqrt(occupied_area * kSegmentsPerCell / segments), kMinCellM, kMaxCellM);
    const double max_cells = static_cast<double>(kMaxCellsPerSegment * n + 16);
    for (;;) {
        const double cx = std::floor(w / cell) + 1, cy = std::floor(h / cell) + 1;
        if (cx * cy <= max_cells) break;
        cell *= 1.25;
    }
    nx = static_cast<long>(w / cell) + 1;
    ny = static_cast<long>(h / cell) + 1;
    const std::size_t cells = static_cast<std::size_t>(nx * ny);
    // The segments are stored in the order of their midpoints' cells (then shape order), so
    // that the cells about a point list segments lying side by side in memory.
    {
        std::vector<std::uint32_t> at(cells + 1, 0);
        for (const Seg& s : segs) ++at[home_cell(s) + 1];
        for (std::size_t c = 1; c <= cells; ++c) at[c] += at[c - 1];
        std::vector<Seg> sorted(n);
        for (const Seg& s : segs) sorted[at[home_cell(s)]++] = s;
        segs = std::move(sorted);
    }
    // Counting sort of (cell, segment) by cell, segments visited in order: each cell's list
    // comes out in storage order.
    cell_start.assign(cells + 1, 0);
    for (const Seg& s : segs) for_each_cell(s, [&](std::size_t c) { ++cell_start[c + 1]; });
    std::uint64_t total = 0;
    for (std::size_t c = 1; c <= cells; ++c) {
        total += cell_start[c];
        if (total > std::numeric_limits<std::uint32_t>::max())
            throw std::length_error("snap index: too many cell entries");
        cell_start[c] = static_cast<std::uint32_t>(total);
    }
    ids.resize(total);
    std::vector<std::uint32_t> fill(cell_start.begin(), cell_start.end() - 1);
    for (std::uint32_t i = 0; i < n; ++i)
        for_each_cell(segs[i], [&](std::size_t c) { ids[fill[c]++] = i; });
}

// The k segments (of those `keep` accepts) nearest to (px, py), nearest first, ties by
// shape index, into out[0..k); returns how many there are (fewer than k only when fewer
// are kept). Visits the cells in square rings about p's cell (the nearest cell when p lies
// outside the grid) and stops once the k-th is strictly nearer than every unvisited cell, so
// the answer is exact and does not depend on the cell size.
template <class Keep>
unsigned Snapper::Index::nearest(double px, double py, unsigned k, Hit* out, Keep&& keep) const {
    if (segs.empty() || k == 0 || !std::isfinite(px) || !std::isfinite(py)) return 0;
    unsigned found = 0;
    auto visit = [&](long i, long j) {
        if (found == k && block_d2(px, py, i, i, j, j) > out[k - 1].d2) return;
        const std::size_t c = static_cast<std::size_t>(j * nx + i);
        for (std::uint32_t e = cell_start[c]; e < cell_start[c + 1]; ++e) {
            const Seg& sg = segs[ids[e]];
            if (!keep(sg)) continue;
            const double d2 = seg_d2(px, py, sg);
            if (found == k && out[k - 1].before(d2, sg.shape)) continue;
            // A segment listed in several cells: it is either among the k already, or was
            // beaten by k others (and still is).
            bool seen = false;
            for (unsigned m = 0; m < found && !seen; ++m) seen = out[m].shape == sg.shape;
            if (seen) continue;
            unsigned at = found < k ? found++ : k - 1;
            while (at > 0 && !out[at - 1].before(d2, sg.shape)) {
                out[at] = out[at - 1];
                --at;
            }
            out[at] = Hit{d2, sg.shape};
        }
    };
    const long cx = column(px), cy = row(py);
    for (long r = 0;; ++r) {
        const long i0 = cx - r, i1 = cx + r, j0 = cy - r, j1 = cy + r;
        const long ci0 = std::max(i0, 0L), ci1 = std::min(i1, nx - 1);
        for (long j = std::max(j0, 0L); j <= std::min(j1, ny - 1); ++j) {
            if (j == j0 || j == j1) {
                for (long i = ci0; i <= ci1; ++i) visit(i, j);
            } else {
                if (i0 >= 0) visit(i0, j);
                if (i1 < nx) visit(i1, j);
            }
        }
        // The unvisited cells: the columns left and right of the square, and above and below
        // it within its columns.
        double lb = std::numeric_limits<double>::infinity();
        if (i0 > 0) lb = std::min(lb, block_d2(px, py, 0, i0 - 1, 0, ny - 1));
        if (i1 < nx - 1) lb = std::min(lb, block_d2(px, py, i1 + 1, nx - 1, 0, ny - 1));
        if (j0 > 0 && ci0 <= ci1) lb = std::min(lb, block_d2(px, py, ci0, ci1, 0, j0 - 1));
        if (j1 < ny - 1 && ci0 <= ci1)
            lb = std::min(lb, block_d2(px, py, ci0, ci1, j1 + 1, ny - 1));
        if (lb == std::numeric_limits<double>::infinity()) break;  // every cell visited
        if (found == k && out[k - 1].d2 < lb) break;
    }
    return found;
}

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
    Index& ix = *index_;
    if (g.num_vertices() > 0) ix.proj = LocalProjection(g.coord(0));
    // Shape points are laid out edge by edge; remember each one's edge and position.
    std::uint32_t base = 0;
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        const auto shape = g.edge_shape(e);
        ix.shape_edge.resize(base + shape.size(), e);
        // A compound's home and gate ways are walked, never snapped onto (engine/compounds.hpp).
        if (!(g.edge_flags(e) & (forbidden_flags | kEdgeCompound))) {
            for (std::size_t i = 0; i + 1 < shape.size(); ++i) {
                const auto [x1, y1] = ix.proj.forward(shape[i]);
                const auto [x2, y2] = ix.proj.forward(shape[i + 1]);
                ix.segs.push_back(Seg{x1, y1, x2, y2, base + static_cast<std::uint32_t>(i), 0});
            }
        }
        base += static_cast<std::uint32_t>(shape.size());
    }
    ix.segs.shrink_to_fit();
    ix.build_grid();
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
    for (Seg& s : index_->segs) s.main = index_->edge_main[index_->shape_edge[s.shape]] != 0;
    index_->rule = rule;
    index_->rule_set = true;
}

bool Snapper::has_island_rule() const { return index_->rule_set; }
const IslandRule& Snapper::island_rule() const { return index_->rule; }

bool Snapper::on_island(EdgeId e) const {
    return index_->rule_set && e < index_->edge_main.size() && !index_->edge_main[e];
}

double Snapper::nearest_metres(LonLat p) const {
    const auto [x, y] = index_->proj.forward(p);
    Hit h;
    if (index_->nearest(x, y, 1, &h, [](const Seg&) { return true; }) == 0)
        return std::numeric_limits<double>::infinity();
    return std::sqrt(h.d2);
}

std::vector<std::uint32_t> Snapper::nearest_segments(LonLat p, unsigned k, bool main_only) const {
    const auto [x, y] = index_->proj.forward(p);
    std::vector<Hit> hits(k);
    const bool filter = main_only && index_->rule_set;
    hits.resize(index_->nearest(x, y, k, hits.data(),
                                [&](const Seg& s) { return !filter || s.main != 0; }));
    std::vector<std::uint32_t> shapes;
    shapes.reserve(hits.size());
    for (const Hit& h : hits) shapes.push_back(h.shape);
    return shapes;
}

namespace {

// The candidate among the found segments nearest to p by true distance. The found segments
// come nearest first by their distance in the index's projection (origin latitude lat0_rad),
// which differs from the true distance by at most its scale: only x is scaled, by
// cos(lat)/cos(lat0), and the equirectangular projection about p errs by under
// tan(lat) * d / 2R. Once a candidate's distance, shrunk by both, is beyond the best true
// distance so far by more than a centimetre, neither it nor any after it can win or tie, and
// their true distances (a haversine each) are not computed.
Candidate best_of(const WalkGraph& g, const std::vector<EdgeId>& shape_edge, const Hit* found,
                  unsigned n, LonLat p, double lat0_rad) {
    Candidate best;
    if (n == 0) return best;         // nothing found (the graph may have no edge at all)
    const LocalProjection local(p);  // about the query point: no scale error where it matters
    const LonLat* shape0 = g.edge_shape(0).data();
    const double lat = deg2rad(p.lat);
    const double scale = std::min(std::cos(lat) / std::cos(lat0_rad), 1.0);
    const double tan_lat = std::fabs(std::tan(lat));
    for (unsigned f = 0; f < n; ++f) {
        if (best.shape != kInvalidId && scale > 0) {
            const double planar = std::sqrt(found[f].d2);
            const double eps = 2 * tan_lat * (planar / scale) / kEarthRadiusM + 1e-6;
            if (planar * scale * (1 - eps) * 100.0 > static_cast<double>(best.d) + 1.0) break;
        }
        const std::uint32_t s = found[f].shape;
        const auto shape = g.edge_shape(shape_edge[s]);
        const std::size_t i = s - static_cast<std::uint32_t>(shape.data() - shape0);
        const double t =
            project_on_segment({0.0, 0.0}, local.forward(shape[i]), local.forward(shape[i + 1]));
        Candidate c;
        c.on = interpolate(shape[i], shape[i + 1], t);
        c.d = metres_to_cm(haversine_m(p, c.on));
        c.shape = s;
        if (c.better_than(best)) best = c;
    }
    return best;
}

}  // namespace

SnapResult Snapper::snap(LonLat p, double max_metres) const { return snap(p, max_metres, true); }

SnapResult Snapper::snap_nearest(LonLat p, double max_metres) const {
    return snap(p, max_metres, false);
}

SnapResult Snapper::snap(LonLat p, double max_metres, bool island_rule) const {
    SnapResult r;
    const Index& ix = *index_;
    const auto [x, y] = ix.proj.forward(p);
    std::array<Hit, kCandidates> found;
    unsigned n = ix.nearest(x, y, kCandidates, found.data(), [](const Seg&) { return true; });
    const double lat0 = deg2rad(ix.proj.origin().lat);
    Candidate best = best_of(*g_, ix.shape_edge, found.data(), n, p, lat0);
    if (best.shape == kInvalidId) return r;
    if (island_rule && ix.rule_set && !ix.edge_main[ix.shape_edge[best.shape]]) {
        // The nearest street is an island: prefer the main network unless the island is
        // right here and the main network far.
        n = ix.nearest(x, y, kCandidates, found.data(), [](const Seg& s) { return s.main != 0; });
        const Candidate m = best_of(*g_, ix.shape_edge, found.data(), n, p, lat0);
        const IslandRule& rule = ix.rule;
        const bool keep_island =
            cm_to_metres(best.d) <= rule.keep_island_m && !(cm_to_metres(m.d) <= rule.far_main_m);
        if (m.shape != kInvalidId && !keep_island && cm_to_metres(m.d) <= max_metres) best = m;
    }
    if (cm_to_metres(best.d) > max_metres) return r;
    const EdgeId e = ix.shape_edge[best.shape];
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
