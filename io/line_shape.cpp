#include "io/line_shape.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace lc15::io {

std::vector<LonLat> stretch(const std::vector<LonLat>& line, const std::vector<double>& cum,
                            double a, double b) {
    auto point_at = [&](double m) {
        const std::size_t i = static_cast<std::size_t>(
            std::clamp<std::ptrdiff_t>(std::upper_bound(cum.begin(), cum.end(), m) - cum.begin(), 1,
                                       static_cast<std::ptrdiff_t>(cum.size()) - 1));
        const double len = cum[i] - cum[i - 1];
        const double t = len > 0 ? std::clamp((m - cum[i - 1]) / len, 0.0, 1.0) : 0.0;
        return LonLat{line[i - 1].lon + (line[i].lon - line[i - 1].lon) * t,
                      line[i - 1].lat + (line[i].lat - line[i - 1].lat) * t};
    };
    std::vector<LonLat> out{point_at(a)};
    for (std::size_t i = 0; i < line.size(); ++i)
        if (cum[i] > a && cum[i] < b) out.push_back(line[i]);
    out.push_back(point_at(b));
    return out;
}

std::vector<Pass> passes(const std::vector<std::pair<double, double>>& xy,
                         const std::vector<double>& cum, std::pair<double, double> p,
                         double max_off, bool right_hand) {
    std::vector<Pass> out;
    bool in_run = false;
    for (std::size_t i = 0; i + 1 < xy.size(); ++i) {
        const double t = project_on_segment(p, xy[i], xy[i + 1]);
        const double dx = xy[i + 1].first - xy[i].first, dy = xy[i + 1].second - xy[i].second;
        const double x = xy[i].first + dx * t, y = xy[i].second + dy * t;
        const double d = std::hypot(x - p.first, y - p.second);
        if (!(d <= max_off)) {
            in_run = false;
            continue;
        }
        // A run also ends at a vertex out of reach: the path went away and came back (an
        // out-and-back street whose long segments both touch the stop is two passes).
        if (in_run && !(std::hypot(xy[i].first - p.first, xy[i].second - p.second) <= max_off))
            in_run = false;
        const double cross = dx * (p.second - xy[i].second) - dy * (p.first - xy[i].first);
        const double len = std::hypot(dx, dy);
        const double left = len > 0 ? cross / len : 0;  // > 0: the stop is left of the travel
        const bool wrong = right_hand ? left > 3 : left < -3;
        const Pass c{cum[i] + (cum[i + 1] - cum[i]) * t, d, wrong ? 2 * d : d};
        if (in_run && c.cost < out.back().cost) {
            out.back() = c;
        } else if (!in_run) {
            out.push_back(c);
        }
        in_run = true;
    }
    return out;
}

std::vector<double> place_stops(const std::vector<std::vector<Pass>>& cand, double slack) {
    const std::size_t n = cand.size();
    constexpr double kSkip = 1e7;  // a stop left unplaced costs more than any offsets
    struct State {
        double cost;
        std::size_t prev_stop, prev_pass;  // n: no earlier placed stop
    };
    std::vector<std::vector<State>> dp(n);
    for (std::size_t i = 0; i < n; ++i) {
        dp[i].resize(cand[i].size());
        for (std::size_t c = 0; c < cand[i].size(); ++c) {
            const Pass& here = cand[i][c];
            State best{kSkip * double(i) + here.cost + 1e-9 * here.along, n, 0};
            for (std::size_t j = 0; j < i; ++j) {
                for (std::size_t d = 0; d < cand[j].size(); ++d) {
                    if (cand[j][d].along > here.along + slack) continue;
                    const double cost =
                        dp[j][d].cost + kSkip * double(i - j - 1) + here.cost + 1e-9 * here.along;
                    if (cost < best.cost) best = {cost, j, d};
                }
            }
            dp[i][c] = best;
        }
    }
    // The best end: the last placed stop, the rest after it skipped.
    double best = kSkip * double(n);
    std::size_t end_stop = n, end_pass = 0;
    for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t c = 0; c < cand[i].size(); ++c) {
            const double cost = dp[i][c].cost + kSkip * double(n - 1 - i);
            if (cost < best) {
                best = cost;
                end_stop = i;
                end_pass = c;
            }
        }
    }
    std::vector<double> along(n, std::nan(""));
    while (end_stop < n) {
        along[end_stop] = cand[end_stop][end_pass].along;
        const State& s = dp[end_stop][end_pass];
        end_stop = s.prev_stop;
        end_pass = s.prev_pass;
    }
    return along;
}

void LineShape::add_hop(const std::vector<LonLat>& hop, ShapeSource source) {
    std::size_t skip = 0;
    if (!points.empty() && !hop.empty() && haversine_m(points.back(), hop.front()) < 0.01) skip = 1;
    hop_first.push_back(static_cast<std::uint32_t>(points.size() - skip));
    points.insert(points.end(), hop.begin() + static_cast<std::ptrdiff_t>(skip), hop.end());
    hop_end.push_back(static_cast<std::uint32_t>(points.size()));
    hop_source.push_back(source);
}

std::size_t LineShape::straight_hops() const {
    return static_cast<std::size_t>(
        std::count(hop_source.begin(), hop_source.end(), ShapeSource::kStraight));
}

LineShape straight_shape(const std::vector<LonLat>& stops) {
    LineShape s;
    for (std::size_t i = 0; i + 1 < stops.size(); ++i)
        s.add_hop({stops[i], stops[i + 1]}, ShapeSource::kStraight);
    return s;
}

std::vector<double> cumulative_metres(const std::vector<LonLat>& line) {
    std::vector<double> cum;
    cum.reserve(line.size());
    for (std::size_t i = 0; i < line.size(); ++i)
        cum.push_back(i == 0 ? 0.0 : cum.back() + haversine_m(line[i - 1], line[i]));
    return cum;
}

namespace {

bool usable_distances(const std::vector<double>& d, std::size_t n) {
    if (d.size() != n) return false;
    for (std::size_t i = 0; i < n; ++i) {
        if (!std::isfinite(d[i]) || (i > 0 && d[i] < d[i - 1])) return false;
    }
    return true;
}

}  // namespace

LineShape shape_along_path(const std::vector<LonLat>& stops, const std::vector<LonLat>& path,
                           const std::vector<double>& stop_dist,
                           const std::vector<double>& path_dist, double max_off_m,
                           bool right_hand_traffic) {
    if (path.size() < 2 || stops.size() < 2) return straight_shape(stops);
    const std::vector<double> cum = cumulative_metres(path);
    std::vector<double> along(stops.size(), std::nan(""));
    if (usable_distances(stop_dist, stops.size()) && usable_distances(path_dist, path.size()) &&
        path_dist.back() > path_dist.front()) {
        // The feed's own distances: the point of the path at each stop's distance, in metres
        // along the path (the feed's unit need not be metres).
        for (std::size_t i = 0; i < stops.size(); ++i) {
            const double d = std::clamp(stop_dist[i], path_dist.front(), path_dist.back());
            std::size_t k = static_cast<std::size_t>(
                std::upper_bound(path_dist.begin(), path_dist.end(), d) - path_dist.begin());
            k = std::clamp<std::size_t>(k, 1, path.size() - 1);
            const double span = path_dist[k] - path_dist[k - 1];
            const double t = span > 0 ? std::clamp((d - path_dist[k - 1]) / span, 0.0, 1.0) : 0.0;
            const double m = cum[k - 1] + (cum[k] - cum[k - 1]) * t;
            if (haversine_m(interpolate(path[k - 1], path[k], t), stops[i]) <= max_off_m)
                along[i] = m;
        }
    } else {
        const LocalProjection proj(path.front());
        std::vector<std::pair<double, double>> xy;
        xy.reserve(path.size());
        for (const LonLat& p : path) xy.push_back(proj.forward(p));
        std::vector<std::vector<Pass>> cand(stops.size());
        for (std::size_t i = 0; i < stops.size(); ++i)
            cand[i] = passes(xy, cum, proj.forward(stops[i]), max_off_m, right_hand_traffic);
        along = place_stops(cand, kShapeOrderSlackM);
        // A stop placed a little before the previous one sits at the previous one's place.
        double last = -std::numeric_limits<double>::infinity();
        for (double& a : along) {
            if (std::isnan(a)) continue;
            a = std::max(a, last);
            last = a;
        }
    }
    LineShape shape;
    for (std::size_t i = 0; i + 1 < stops.size(); ++i) {
        if (!std::isnan(along[i]) && !std::isnan(along[i + 1]) && along[i] <= along[i + 1]) {
            shape.add_hop(stretch(path, cum, along[i], along[i + 1]), ShapeSource::kAlongShape);
        } else {
            shape.add_hop({stops[i], stops[i + 1]}, ShapeSource::kStraight);
        }
    }
    return shape;
}

}  // namespace lc15::io
