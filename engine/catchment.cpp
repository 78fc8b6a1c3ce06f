#include "engine/catchment.hpp"

#include <oneapi/tbb/parallel_for.h>
#include <oneapi/tbb/parallel_sort.h>

#include <algorithm>
#include <array>
#include <clipper.hpp>
#include <cmath>
#include <compare>
#include <limits>
#include <map>
#include <unordered_map>

#include "engine/search.hpp"

namespace lc15 {

namespace {

using XY = std::pair<double, double>;

LonLat centre_of(std::span<const LonLat> a, std::span<const CatchmentHome> b) {
    double lo_x = 1e9, lo_y = 1e9, hi_x = -1e9, hi_y = -1e9;
    auto add = [&](LonLat p) {
        lo_x = std::min(lo_x, p.lon), hi_x = std::max(hi_x, p.lon);
        lo_y = std::min(lo_y, p.lat), hi_y = std::max(hi_y, p.lat);
    };
    for (LonLat p : a) add(p);
    for (const auto& h : b) add(h.pos);
    return lo_x > hi_x ? LonLat{} : LonLat{(lo_x + hi_x) / 2, (lo_y + hi_y) / 2};
}

/// Points hashed into square cells of the search radius (local metres): "is any point within r
/// of p" looks at the 3 × 3 cells around p.
class PointHash {
  public:
    PointHash(const LocalProjection& proj, std::span<const LonLat> pts, double r) : r_(r) {
        for (LonLat p : pts) {
            const XY xy = proj.forward(p);
            cells_[key(xy)].push_back(xy);
        }
    }
    /// Planar distance (m) to the nearest point within r, or +inf.
    double nearest_within(XY p) const {
        double best = std::numeric_limits<double>::infinity();  // squared
        visit(p, [&](XY q) {
            best = std::min(best, square(q.first - p.first) + square(q.second - p.second));
            return false;
        });
        return best <= r_ * r_ ? std::sqrt(best) : std::numeric_limits<double>::infinity();
    }
    /// Whether q is within r of p: the one test every caller shares.
    bool within(XY p, XY q) const {
        return square(q.first - p.first) + square(q.second - p.second) <= r_ * r_;
    }
    /// The points of every cell that a box grown by r overlaps: all points within r of it.
    void near_box(double x0, double y0, double x1, double y1, std::vector<XY>& out) const {
        out.clear();
        for (std::int64_t cx = cell(x0 - r_); cx <= cell(x1 + r_); ++cx) {
            for (std::int64_t cy = cell(y0 - r_); cy <= cell(y1 + r_); ++cy) {
                auto it = cells_.find(pack(cx, cy));
                if (it != cells_.end()) out.insert(out.end(), it->second.begin(), it->second.end());
            }
        }
    }
    double radius() const { return r_; }

  private:
    static double square(double v) { return v * v; }
    /// Calls f on the points of the 3 × 3 cells around p until it returns true.
    template <class F>
    bool visit(XY p, F&& f) const {
        const auto cx = cell(p.first), cy = cell(p.second);
        for (std::int64_t dx = -1; dx <= 1; ++dx) {
            for (std::int64_t dy = -1; dy <= 1; ++dy) {
                auto it = cells_.find(pack(cx + dx, cy + dy));
                if (it == cells_.end()) continue;
                for (const XY& q : it->second) {
                    if (f(q)) return true;
                }
            }
        }
        return false;
    }
    std::int64_t cell(double v) const { return static_cast<std::int64_t>(std::floor(v / r_)); }
    static std::uint64_t pack(std::int64_t x, std::int64_t y) {
        return (static_cast<std::uint64_t>(x) << 32) ^ static_cast<std::uint32_t>(y);
    }
    std::uint64_t key(XY p) const { return pack(cell(p.first), cell(p.second)); }
    double r_;
    std::unordered_map<std::uint64_t, std::vector<XY>> cells_;
};

/// {sampled land m², covered m²} of one multipolygon: cell centres on a grid aligned to the
/// projection's origin, inside found row by row (even-odd crossings of every ring). A centre
/// is covered when a stop is within r of it; along a row the centres within r of one stop are
/// a run of cells, so each row counts the union of the stops' runs over its spans instead of
/// testing every centre.
std::pair<double, double> sample_land(const MultiPolygon& mp, const LocalProjection& proj,
                                      const PointHash& stops, double cell) {
    std::vector<std::vector<XY>> rings;
    double lo_y = 1e18, hi_y = -1e18, lo_x = 1e18, hi_x = -1e18;
    for (const Polygon& poly : mp) {
        auto add = [&](const Ring& r) {
            if (r.size() < 3) return;
            rings.emplace_back();
            for (LonLat p : r) {
                const XY xy = proj.forward(p);
                rings.back().push_back(xy);
                lo_y = std::min(lo_y, xy.second), hi_y = std::max(hi_y, xy.second);
                lo_x = std::min(lo_x, xy.first), hi_x = std::max(hi_x, xy.first);
            }
        };
        add(poly.outer);
        for (const Ring& h : poly.inners) add(h);
    }
    if (rings.empty()) return {0, 0};
    std::vector<XY> near;
    stops.near_box(lo_x, lo_y, hi_x, hi_y, near);
    const double r = stops.radius();
    auto centre = [cell](std::int64_t i) { return (static_cast<double>(i) + 0.5) * cell; };
    std::uint64_t inside = 0, covered = 0;
    std::vector<double> xs;
    std::vector<std::pair<std::int64_t, std::int64_t>> runs;  // [first, last] cells near a stop
    for (auto row = static_cast<std::int64_t>(std::floor(lo_y / cell));; ++row) {
        const double y = centre(row);
        if (y > hi_y) break;
        runs.clear();
        for (const XY& q : near) {
            const double dy = y - q.second;
            if (dy * dy > r * r) continue;
            // The run from the circle's chord, then each end settled by the exact test.
            const double half = std::sqrt(r * r - dy * dy);
            auto first = static_cast<std::int64_t>(std::ceil((q.first - half) / cell - 0.5));
            auto last = static_cast<std::int64_t>(std::floor((q.first + half) / cell - 0.5));
            while (stops.within({centre(first - 1), y}, q)) --first;
            while (first <= last && !stops.within({centre(first), y}, q)) ++first;
            while (stops.within({centre(last + 1), y}, q)) ++last;
            while (last >= first && !stops.within({centre(last), y}, q)) --last;
            if (first <= last) runs.emplace_back(first, last);
        }
        std::sort(runs.begin(), runs.end());
        std::size_t merged = 0;  // runs[0, merged) disjoint, ascending
        for (const auto& run : runs) {
            if (merged > 0 && run.first <= runs[merged - 1].second + 1)
                runs[merged - 1].second = std::max(runs[merged - 1].second, run.second);
            else
                runs[merged++] = run;
        }
        runs.resize(merged);
        xs.clear();
        for (const auto& r : rings) {
            for (std::size_t i = 0, j = r.size() - 1; i < r.size(); j = i++) {
                const XY a = r[i], b = r[j];
                if ((a.second > y) != (b.second > y)) {
                    xs.push_back(a.first +
                                 (b.first - a.first) * (y - a.second) / (b.second - a.second));
                }
            }
        }
        std::sort(xs.begin(), xs.end());
        for (std::size_t k = 0; k + 1 < xs.size(); k += 2) {
            // Cell centres (i + 0.5) * cell within [xs[k], xs[k+1]).
            const auto first = static_cast<std::int64_t>(std::ceil(xs[k] / cell - 0.5));
            const auto last = static_cast<std::int64_t>(std::ceil(xs[k + 1] / cell - 0.5)) - 1;
            if (first > last) continue;
            inside += static_cast<std::uint64_t>(last - first + 1);
            for (const auto& run : runs) {
                const std::int64_t a = std::max(first, run.first), b = std::min(last, run.second);
                if (a <= b) covered += static_cast<std::uint64_t>(b - a + 1);
            }
        }
    }
    return {static_cast<double>(inside) * cell * cell, static_cast<double>(covered) * cell * cell};
}

void finish(CatchmentFigures& f) {
    f.land_share = f.land_m2 > 0 ? f.land_covered_m2 / f.land_m2 : 0;
    f.straight_share = f.population > 0 ? f.straight_population / f.population : 0;
    f.walk_share = f.population > 0 ? f.walk_population / f.population : 0;
}

/// Network distance (cm) from the nearest stop to every snapped point, one bounded walk.
class StopWalk {
  public:
    StopWalk(const WalkGraph& g, std::span<const SnapResult> stops, Distance limit,
             const CatchmentOptions& o)
        : g_(g),
          stops_(stops),
          search_(g),
          legs_(o.access_legs),
          edge_first_(g.num_edges() + 1, 0) {
        std::vector<SearchSource> src;
        for (std::uint32_t s = 0; s < stops.size(); ++s) {
            if (!stops[s].ok()) continue;
            const auto two = stops[s].sources(g, s, legs_);
            src.insert(src.end(), two.begin(), two.end());
            ++edge_first_[stops[s].edge + 1];
        }
        for (EdgeId e = 0; e < g.num_edges(); ++e) edge_first_[e + 1] += edge_first_[e];
        edge_stop_.resize(edge_first_.back());
        std::vector<std::uint32_t> fill(edge_first_.begin(), edge_first_.end() - 1);
        for (std::uint32_t s = 0; s < stops.size(); ++s) {
            if (stops[s].ok()) edge_stop_[fill[stops[s].edge]++] = s;
        }
        search_.run(
            src, limit, [](VertexId, Distance, std::uint32_t) {}, o.forbidden_flags);
    }
    Distance to(const SnapResult& p, Distance limit) const {
        if (!p.ok()) return kInfDistance;
        Distance d = p.distance_from(g_, search_, legs_);
        for (std::uint32_t i = edge_first_[p.edge]; i < edge_first_[p.edge + 1]; ++i) {
            d = std::min(d, same_edge_distance(p, stops_[edge_stop_[i]], legs_));
        }
        return d <= limit ? d : kInfDistance;
    }
    const MultiSourceDijkstra& search() const { return search_; }
    std::span<const std::uint32_t> on_edge(EdgeId e) const {
        return {edge_stop_.data() + edge_first_[e], edge_first_[e + 1] - edge_first_[e]};
    }

  private:
    const WalkGraph& g_;
    std::span<const SnapResult> stops_;
    MultiSourceDijkstra search_;
    bool legs_;
    std::vector<std::uint32_t> edge_first_, edge_stop_;
};

}  // namespace

std::pair<double, double> land_within(const MultiPolygon& land, std::span<const LonLat> points,
                                      const CatchmentOptions& options) {
    LonLat o{};
    for (const Polygon& p : land) {
        if (!p.outer.empty()) {
            o = p.outer.front();
            break;
        }
    }
    const LocalProjection proj(o);
    const PointHash hash(proj, points, options.radius_m);
    return sample_land(land, proj, hash, options.land_grid_m);
}

CatchmentResult compute_catchment(const WalkGraph& g, std::span<const LonLat> stop_pos,
                                  std::span<const SnapResult> stop_snaps,
                                  std::span<const CatchmentHome> homes,
                                  std::span<const ResidentialLand> land,
                                  std::uint32_t num_communities, const CatchmentOptions& options) {
    CatchmentResult r;
    r.communities.assign(num_communities, {});
    const LocalProjection proj(centre_of(stop_pos, homes));
    const PointHash hash(proj, stop_pos, options.radius_m);

    // (a) residential land, parallel over polygons, summed in order.
    std::vector<std::pair<double, double>> per_land(land.size());
    tbb::parallel_for(std::size_t{0}, land.size(), [&](std::size_t i) {
        per_land[i] = sample_land(land[i].area, proj, hash, options.land_grid_m);
    });
    for (std::size_t i = 0; i < land.size(); ++i) {
        auto add = [&](CatchmentFigures& f) {
            f.land_m2 += per_land[i].first;
            f.land_covered_m2 += per_land[i].second;
        };
        add(r.city);
        if (land[i].community < num_communities) add(r.communities[land[i].community]);
    }

    // (b) and (c) population.
    const Distance radius = metres_to_cm(options.radius_m);
    const Distance gap_limit = std::max(radius, metres_to_cm(options.gap_search_m));
    const StopWalk walk(g, stop_snaps, gap_limit, options);
    r.straight_m.resize(homes.size());
    r.walk_m.resize(homes.size());
    std::vector<char> walk_covered(homes.size(), 0);
    tbb::parallel_for(std::size_t{0}, homes.size(), [&](std::size_t h) {
        r.straight_m[h] = hash.nearest_within(proj.forward(homes[h].pos));
        const Distance d = walk.to(homes[h].snap, gap_limit);
        r.walk_m[h] = d == kInfDistance ? std::numeric_limits<double>::infinity() : cm_to_metres(d);
        walk_covered[h] = d <= radius;
    });
    for (std::size_t h = 0; h < homes.size(); ++h) {  // sums in home order
        const CatchmentHome& home = homes[h];
        auto add = [&](CatchmentFigures& f) {
            f.population += home.population;
            if (r.straight_m[h] <= options.radius_m) f.straight_population += home.population;
            if (walk_covered[h]) f.walk_population += home.population;
        };
        add(r.city);
        if (home.community < num_communities) add(r.communities[home.community]);
    }
    finish(r.city);
    for (auto& f : r.communities) finish(f);

    // Gaps: uncovered homes in square cells.
    struct Cell {
        double pop = 0, sx = 0, sy = 0;
        std::uint32_t homes = 0;
        double walk = std::numeric_limits<double>::infinity();
        std::map<CommunityId, double> by_community;
    };
    std::map<std::pair<std::int64_t, std::int64_t>, Cell> cells;
    for (std::size_t h = 0; h < homes.size(); ++h) {
        if (walk_covered[h] || homes[h].population <= 0) continue;
        const XY p = proj.forward(homes[h].pos);
        Cell& c = cells[{static_cast<std::int64_t>(std::floor(p.first / options.gap_cell_m)),
                         static_cast<std::int64_t>(std::floor(p.second / options.gap_cell_m))}];
        c.pop += homes[h].population;
        c.sx += homes[h].population * p.first;
        c.sy += homes[h].population * p.second;
        ++c.homes;
        c.walk = std::min(c.walk, r.walk_m[h]);
        c.by_community[homes[h].community] += homes[h].population;
    }
    for (const auto& [key, c] : cells) {
        CatchmentGap gap;
        gap.centroid = proj.inverse(c.sx / c.pop, c.sy / c.pop);
        gap.population = c.pop;
        gap.homes = c.homes;
        gap.walk_to_stop_m = std::isfinite(c.walk) ? c.walk : -1;
        double most = -1;
        for (const auto& [com, p] : c.by_community) {
            if (p > most) most = p, gap.community = com;
        }
        r.gaps.push_back(gap);
    }
    std::stable_sort(
        r.gaps.begin(), r.gaps.end(),
        [](const CatchmentGap& a, const CatchmentGap& b) { return a.population > b.population; });
    return r;
}

std::vector<ServiceLine> walking_lines(const WalkGraph& g, std::span<const SnapResult> stop_snaps,
                                       const CatchmentOptions& options) {
    std::vector<ServiceLine> pieces;
    if (g.num_vertices() == 0) return pieces;
    const Distance radius = metres_to_cm(options.radius_m);
    const StopWalk walk(g, stop_snaps, radius, options);
    const LocalProjection proj(g.coord(0));

    // The reached stretch of each edge as intervals [from, to] in cm from its tail, as lines in
    // local metres, in edge order; an end that is the edge's end vertex is noted for joining.
    struct End {
        std::uint32_t piece;
        bool last;  // the piece's last point (else its first)
        XY away;    // unit direction from the vertex into the piece
    };
    std::vector<std::pair<VertexId, End>> ends;
    std::vector<std::pair<double, double>> iv, merged;
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        if (g.edge_flags(e) & options.forbidden_flags) continue;
        const double len = g.edge_length(e);
        iv.clear();
        const Distance dt = walk.search().distance(g.edge_tail(e));
        const Distance dh = walk.search().distance(g.edge_head(e));
        if (dt <= radius) iv.push_back({0.0, std::min(len, double(radius - dt))});
        if (dh <= radius) iv.push_back({std::max(0.0, len - double(radius - dh)), len});
        for (std::uint32_t s : walk.on_edge(e)) {
            const SnapResult& p = stop_snaps[s];
            const Distance acc = options.access_legs ? p.access : 0;
            if (acc > radius) continue;
            const double reach = radius - acc;
            iv.push_back({std::max(0.0, p.off_tail - reach), std::min(len, p.off_tail + reach)});
        }
        if (iv.empty()) continue;
        std::sort(iv.begin(), iv.end());
        merged.assign(1, iv.front());
        for (const auto& x : iv) {
            if (x.first <= merged.back().second)
                merged.back().second = std::max(merged.back().second, x.second);
            else
                merged.push_back(x);
        }
        const auto shape = g.edge_shape(e);
        const auto offs = g.edge_shape_offsets(e);
        auto point_at = [&](double cm) {
            std::size_t i = 1;
            while (i + 1 < shape.size() && offs[i] < cm) ++i;
            const double seg = offs[i] - offs[i - 1];
            const double t = seg > 0 ? std::clamp((cm - offs[i - 1]) / seg, 0.0, 1.0) : 0.0;
            return proj.forward(interpolate(shape[i - 1], shape[i], t));
        };
        for (const auto& [a, b] : merged) {
            ServiceLine line;
            line.push_back(point_at(a));
            for (std::size_t i = 1; i + 1 < shape.size(); ++i) {
                if (offs[i] > a && offs[i] < b) line.push_back(proj.forward(shape[i]));
            }
            line.push_back(point_at(b));
            const double dx = line.back().first - line.front().first;
            const double dy = line.back().second - line.front().second;
            const std::uint32_t id = static_cast<std::uint32_t>(pieces.size());
            if (line.size() == 2 && std::hypot(dx, dy) < 0.01) {
                line.back().first += 0.01;  // a point: a tiny line, never joined
            } else {
                auto away = [](XY from, XY to) {
                    const double ux = to.first - from.first, uy = to.second - from.second;
                    const double n = std::hypot(ux, uy);
                    return n > 0 ? XY{ux / n, uy / n} : XY{0, 0};
                };
                if (a == 0.0) ends.push_back({g.edge_tail(e), {id, false, away(line[0], line[1])}});
                if (b == len) {
                    const std::size_t k = line.size() - 1;
                    ends.push_back({g.edge_head(e), {id, true, away(line[k], line[k - 1])}});
                }
            }
            pieces.push_back(std::move(line));
        }
    }

    // At each vertex, pieces that run on through it with a turn of at most 60° are joined,
    // straightest pairs first: a street reached over many blocks becomes one line, and
    // buffering a few long lines is several times faster than a piece per block (the buffer of
    // a polyline is the union of its segments' buffers; only the 8-gon joins are drawn a bit
    // differently from two 8-gon ends).
    std::stable_sort(ends.begin(), ends.end(),
                     [](const auto& x, const auto& y) { return x.first < y.first; });
    constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::array<std::uint32_t, 2>> link(pieces.size(), {kNone, kNone});  // 2p + last
    struct Pair {
        double dot;
        std::uint32_t i, j;
    };
    std::vector<Pair> pairs;
    for (std::size_t lo = 0; lo < ends.size();) {
        std::size_t hi = lo;
        while (hi < ends.size() && ends[hi].first == ends[lo].first) ++hi;
        pairs.clear();
        for (std::size_t i = lo; i < hi; ++i) {
            for (std::size_t j = i + 1; j < hi; ++j) {
                const XY a = ends[i].second.away, b = ends[j].second.away;
                const double dot = a.first * b.first + a.second * b.second;
                if (dot <= -0.5) pairs.push_back({dot, std::uint32_t(i), std::uint32_t(j)});
            }
        }
        std::stable_sort(pairs.begin(), pairs.end(),
                         [](const Pair& x, const Pair& y) { return x.dot < y.dot; });
        for (const Pair& p : pairs) {
            const End& a = ends[p.i].second;
            const End& b = ends[p.j].second;
            std::uint32_t& la = link[a.piece][a.last];
            std::uint32_t& lb = link[b.piece][b.last];
            if (la != kNone || lb != kNone) continue;
            la = 2 * b.piece + b.last;
            lb = 2 * a.piece + a.last;
        }
        lo = hi;
    }

    // Chains: from every piece with a free end first (in piece order), then the closed loops.
    std::vector<ServiceLine> lines;
    std::vector<char> used(pieces.size(), 0);
    auto follow = [&](std::uint32_t p, bool from_last) {
        ServiceLine chain;
        while (p != kNone && !used[p]) {
            used[p] = 1;
            const ServiceLine& piece = pieces[p];
            const std::size_t skip = chain.empty() ? 0 : 1;  // the shared vertex once
            if (from_last) {
                chain.insert(chain.end(), piece.rbegin() + std::ptrdiff_t(skip), piece.rend());
            } else {
                chain.insert(chain.end(), piece.begin() + std::ptrdiff_t(skip), piece.end());
            }
            const std::uint32_t next = link[p][!from_last];
            if (next == kNone) break;
            p = next / 2;
            from_last = next % 2;
        }
        lines.push_back(std::move(chain));
    };
    for (std::uint32_t p = 0; p < pieces.size(); ++p) {
        if (used[p]) continue;
        if (link[p][0] == kNone)
            follow(p, false);
        else if (link[p][1] == kNone)
            follow(p, true);
    }
    for (std::uint32_t p = 0; p < pieces.size(); ++p) {
        if (!used[p]) follow(p, false);  // a loop: its last point is its first
    }
    return lines;
}

namespace {

/// Outlines of round buffers of open lines, in Clipper's integer units, for one union with the
/// positive fill rule (the buffer is where the outlines wind positively). Drawn as
/// ClipperOffset draws them for a positive offset with round joins and ends: along the line's
/// right side, anticlockwise round its last point, back along its left side and round its first
/// point; at a vertex a side that is outside the turn gets an arc, a side inside it runs back
/// through the vertex (a loop that winds positively inside the buffer anyway), and a straight
/// run-on keeps one point. An arc has a point every `2 pi / steps` from its first normal, plus
/// its last, with `steps` the points of a whole circle whose chords stay within the tolerance.
/// Offsetting through ClipperOffset unites the buffers in a sweep of its own, which a tile then
/// cuts to its square in a second; with the outlines, one sweep does both.
class RoundOutlines {
  public:
    RoundOutlines(double radius, double tolerance) : r_(radius) {
        double steps = kPi / std::acos(1 - std::min(tolerance, 0.25 * radius) / radius);
        steps = std::min(steps, radius * kPi);
        sin_ = std::sin(2 * kPi / steps);
        cos_ = std::cos(2 * kPi / steps);
        per_rad_ = steps / (2 * kPi);
        circle_ = static_cast<int>(std::lround(steps));
    }

    /// The outline of `line` (consecutive duplicates allowed), appended to `out` as one path.
    /// An end that is not `round` is cut square through its point (a butt end): for a line cut
    /// where only the part of its buffer away from that end is wanted.
    void add(const ClipperLib::Path& line, ClipperLib::Paths& out, bool round_first = true,
             bool round_last = true) {
        pts_.clear();
        for (const ClipperLib::IntPoint& q : line)
            if (pts_.empty() || !(q == pts_.back())) pts_.push_back(q);
        ClipperLib::Path& o = out.emplace_back();
        o.reserve(4 * pts_.size() + 2 * circle_);
        if (pts_.size() == 1) {  // a point: a circle
            double x = 1, y = 0;
            for (int i = 0; i < circle_; ++i) {
                o.push_back(at(pts_[0], x, y));
                rotate(x, y);
            }
            return;
        }
        const std::size_t n = pts_.size();
        normals_.resize(n - 1);  // right of each segment
        for (std::size_t i = 0; i + 1 < n; ++i) {
            const double dx = double(pts_[i + 1].X - pts_[i].X);
            const double dy = double(pts_[i + 1].Y - pts_[i].Y);
            const double f = 1 / std::sqrt(dx * dx + dy * dy);
            normals_[i] = {dy * f, -dx * f};
        }
        for (std::size_t j = 1; j + 1 < n; ++j) join(o, pts_[j], normals_[j - 1], normals_[j]);
        end(o, pts_[n - 1], normals_[n - 2], round_last);
        for (std::size_t j = n - 2; j > 0; --j)
            join(o, pts_[j], neg(normals_[j]), neg(normals_[j - 1]));
        end(o, pts_[0], neg(normals_[0]), round_first);
    }

  private:
    static XY neg(XY v) { return {-v.first, -v.second}; }
    ClipperLib::IntPoint at(const ClipperLib::IntPoint& p, double x, double y) const {
        return {static_cast<ClipperLib::cInt>(std::llround(double(p.X) + x * r_)),
                static_cast<ClipperLib::cInt>(std::llround(double(p.Y) + y * r_))};
    }
    void rotate(double& x, double& y) const {
        const double x0 = x;
        x = x * cos_ - sin_ * y;
        y = x0 * sin_ + y * cos_;
    }
    /// The side of the vertex p between segments of right normals a (in) and b (out).
    void join(ClipperLib::Path& o, const ClipperLib::IntPoint& p, XY a, XY b) const {
        const double sin_turn = a.first * b.second - b.first * a.second;
        const double cos_turn = a.first * b.first + a.second * b.second;
        if (std::fabs(sin_turn * r_) < 1.0 && cos_turn > 0) {  // straight on
            o.push_back(at(p, a.first, a.second));
        } else if (sin_turn < 0) {  // inside the turn: back through the vertex
            o.push_back(at(p, a.first, a.second));
            o.push_back(p);
            o.push_back(at(p, b.first, b.second));
        } else {
            arc(o, p, a, b, std::atan2(std::min(sin_turn, 1.0), cos_turn));
        }
    }
    /// The end of a line at p, from normal a round to its opposite.
    void end(ClipperLib::Path& o, const ClipperLib::IntPoint& p, XY a, bool round) const {
        if (round) {
            arc(o, p, a, neg(a), kPi);
        } else {
            o.push_back(at(p, a.first, a.second));
            o.push_back(at(p, -a.first, -a.second));
        }
    }
    /// Anticlockwise round p from normal a to normal b, an angle of `angle`.
    void arc(ClipperLib::Path& o, const ClipperLib::IntPoint& p, XY a, XY b, double angle) const {
        const int steps = std::max(static_cast<int>(std::lround(per_rad_ * std::fabs(angle))), 1);
        double x = a.first, y = a.second;
        for (int i = 0; i < steps; ++i) {
            o.push_back(at(p, x, y));
            rotate(x, y);
        }
        o.push_back(at(p, b.first, b.second));
    }
    double r_, sin_, cos_, per_rad_;
    int circle_;
    ClipperLib::Path pts_;
    std::vector<XY> normals_;
};

}  // namespace

ServiceArea walking_service_area(const WalkGraph& g, std::span<const SnapResult> stop_snaps,
                                 const CatchmentOptions& options) {
    namespace cl = ClipperLib;
    ServiceArea out;
    const std::vector<ServiceLine> lines = walking_lines(g, stop_snaps, options);
    if (lines.empty()) return out;
    const LocalProjection proj(g.coord(0));
    // Clipper works on integers: centimetres of the local projection, so tile edges are exact
    // and a city of ±10,000 km stays in its fast 62-bit range.
    constexpr double kScale = 100;
    auto to_int = [](double m) { return static_cast<cl::cInt>(std::llround(m * kScale)); };

    // Each segment goes to every tile whose square, grown by more than the buffer, meets the
    // segment's bounding box: every point of a tile within buffer_m of a line then has that
    // line's nearby segments in its tile (the round joins and ends are polygons within buffer_m
    // of the line; the margin is only safety). A tile buffers the runs of consecutive segments
    // it holds (cut to its square grown by the buffer, below), each as one line, and keeps the
    // part in its square: exactly the union of all
    // buffers, restricted to the square; squares only share edges. The work per tile is
    // bounded by the street density, so the whole is O(n log n) (the sort).
    constexpr double kTile = ServiceArea::kTileM;
    const double grow = 1.5 * options.buffer_m + 1.0;
    auto tile_of = [&](double v) { return static_cast<std::int32_t>(std::floor(v / kTile)); };
    struct Entry {
        std::int32_t ty, tx;
        std::uint32_t line, seg;
        auto operator<=>(const Entry&) const = default;
    };
    std::vector<Entry> entries;
    for (std::uint32_t l = 0; l < lines.size(); ++l) {
        const ServiceLine& line = lines[l];
        for (std::uint32_t s = 0; s + 1 < line.size(); ++s) {
            const auto [x0, y0] = line[s];
            const auto [x1, y1] = line[s + 1];
            for (std::int32_t ty = tile_of(std::min(y0, y1) - grow);
                 ty <= tile_of(std::max(y0, y1) + grow); ++ty) {
                for (std::int32_t tx = tile_of(std::min(x0, x1) - grow);
                     tx <= tile_of(std::max(x0, x1) + grow); ++tx) {
                    entries.push_back({ty, tx, l, s});
                }
            }
        }
    }
    tbb::parallel_sort(entries.begin(), entries.end());
    std::vector<std::pair<std::size_t, std::size_t>> tile_list;  // [from, to) in entries
    for (std::size_t lo = 0; lo < entries.size();) {
        std::size_t hi = lo;
        while (hi < entries.size() && entries[hi].ty == entries[lo].ty &&
               entries[hi].tx == entries[lo].tx)
            ++hi;
        tile_list.push_back({lo, hi});
        lo = hi;
    }

    // A tile's lines are cut to its square grown by the buffer and a metre: a point of the
    // square within buffer_m of a line is within buffer_m of that line's part in the grown
    // square (its nearest point on the line is), so the union inside the square is the same,
    // and the buffers far outside it — most of the work in a dense city — are not computed.
    const double reach = options.buffer_m + 1.0;
    std::vector<ServiceAreaTile> parts(tile_list.size());
    tbb::parallel_for(std::size_t{0}, tile_list.size(), [&](std::size_t i) {
        const auto [lo, hi] = tile_list[i];
        const std::int32_t ty = entries[lo].ty, tx = entries[lo].tx;
        const double bx0 = tx * kTile - reach, bx1 = (tx + 1) * kTile + reach;
        const double by0 = ty * kTile - reach, by1 = (ty + 1) * kTile + reach;
        cl::Paths mine;
        // Per path of `mine`: whether its first and last points are where the box cut it.
        std::vector<std::array<bool, 2>> cut_ends;
        bool open = false;  // the last path ends at the segment before (inside the box)
        for (std::size_t k = lo; k < hi; ++k) {
            const Entry& en = entries[k];
            const ServiceLine& line = lines[en.line];
            const auto [ax, ay] = line[en.seg];
            const auto [bx, by] = line[en.seg + 1];
            // The segment's part in the box (Liang–Barsky): a + t (b - a), t in [t0, t1].
            double t0 = 0, t1 = 1;
            const double dx = bx - ax, dy = by - ay;
            auto cut = [&](double p, double q) {  // keeps p t <= q
                if (p == 0) return q >= 0;
                const double t = q / p;
                if (p < 0) {
                    if (t > t1) return false;
                    t0 = std::max(t0, t);
                } else {
                    if (t < t0) return false;
                    t1 = std::min(t1, t);
                }
                return true;
            };
            if (!(cut(-dx, ax - bx0) && cut(dx, bx1 - ax) && cut(-dy, ay - by0) &&
                  cut(dy, by1 - ay))) {
                open = false;
                continue;
            }
            const bool runs_on = open && t0 == 0 && entries[k - 1].line == en.line &&
                                 entries[k - 1].seg + 1 == en.seg;
            if (!runs_on) {
                mine.emplace_back();
                cut_ends.push_back({t0 > 0, false});
                if (t0 == 0)
                    mine.back().emplace_back(to_int(ax), to_int(ay));
                else
                    mine.back().emplace_back(to_int(ax + t0 * dx), to_int(ay + t0 * dy));
            }
            if (t1 == 1)
                mine.back().emplace_back(to_int(bx), to_int(by));
            else
                mine.back().emplace_back(to_int(ax + t1 * dx), to_int(ay + t1 * dy));
            cut_ends.back()[1] = t1 < 1;
            open = t1 == 1;
        }
        // The union of the lines' buffers (round joins and ends, arcs within kArcToleranceM of
        // the true circle) inside the square, in one sweep, as outer rings and their holes.
        // Where the box cut a line, the round end is left square: it lies wholly within
        // buffer_m of the cut point, a point of the box's edge more than buffer_m from the
        // square, so it has nothing in the square, yet each of its points would be one more
        // step of the sweep across every edge of the tile.
        RoundOutlines round(options.buffer_m * kScale, ServiceArea::kArcToleranceM * kScale);
        cl::Paths outlines;
        outlines.reserve(mine.size());
        for (std::size_t k = 0; k < mine.size(); ++k)
            round.add(mine[k], outlines, !cut_ends[k][0], !cut_ends[k][1]);
        const cl::cInt x0 = to_int(tx * kTile), x1 = to_int((tx + 1) * kTile);
        const cl::cInt y0 = to_int(ty * kTile), y1 = to_int((ty + 1) * kTile);
        cl::Clipper clip;
        clip.StrictlySimple(true);  // no ring touches itself: valid OGC polygons
        clip.AddPaths(outlines, cl::ptSubject, true);
        clip.AddPath(cl::Path{{x0, y0}, {x1, y0}, {x1, y1}, {x0, y1}}, cl::ptClip, true);
        cl::PolyTree tree;
        clip.Execute(cl::ctIntersection, tree, cl::pftPositive, cl::pftNonZero);

        ServiceAreaTile& t = parts[i];
        t.x = tx, t.y = ty;
        // Clipper's outer rings run anticlockwise and its holes clockwise, unclosed; lc15's
        // polygons (as Boost.Geometry's) run the other way round and repeat the first point.
        // A point exactly on the line of its two neighbours is left out: the one sweep leaves
        // one on the square's edge wherever a buffer's edge crosses it inside the area.
        auto ring_of = [&](const cl::Path& path) {
            const std::size_t n = path.size();
            auto bends = [&](std::size_t i) {
                const cl::IntPoint& a = path[(i + n - 1) % n];
                const cl::IntPoint& b = path[i];
                const cl::IntPoint& c = path[(i + 1) % n];
                return static_cast<__int128>(b.X - a.X) * (c.Y - b.Y) !=
                       static_cast<__int128>(b.Y - a.Y) * (c.X - b.X);
            };
            Ring ring;
            ring.reserve(n + 1);
            auto emit = [&](bool all) {
                for (std::size_t k = n; k-- > 0;) {
                    if (all || bends(k))
                        ring.push_back(proj.inverse(path[k].X / kScale, path[k].Y / kScale));
                }
            };
            emit(false);
            if (ring.size() < 3) {  // never for a ring of area; kept whole if it were
                ring.clear();
                emit(true);
            }
            ring.push_back(ring.front());
            return ring;
        };
        std::vector<const cl::PolyNode*> outers(tree.Childs.begin(), tree.Childs.end());
        for (std::size_t k = 0; k < outers.size(); ++k) {  // grows with islands inside holes
            Polygon poly;
            poly.outer = ring_of(outers[k]->Contour);
            for (const cl::PolyNode* hole : outers[k]->Childs) {
                poly.inners.push_back(ring_of(hole->Contour));
                outers.insert(outers.end(), hole->Childs.begin(), hole->Childs.end());
            }
            t.area.push_back(std::move(poly));
        }
    });
    for (ServiceAreaTile& t : parts) {
        if (!t.area.empty()) out.tiles.push_back(std::move(t));
    }
    return out;
}

}  // namespace lc15
