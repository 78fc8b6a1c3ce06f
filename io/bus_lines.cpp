#include "io/bus_lines.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <queue>
#include <sstream>

#include "engine/error.hpp"
#include "io/files.hpp"
#include "io/gtfs.hpp"
#include "io/numbers.hpp"

namespace lc15::io {

namespace {

/// The route's ways chained into one polyline, each way turned to continue the previous one.
std::vector<LonLat> chain_ways(const std::vector<std::vector<LonLat>>& ways) {
    std::vector<LonLat> line;
    auto near = [](LonLat a, LonLat b) { return haversine_m(a, b) < 1.0; };
    for (std::size_t i = 0; i < ways.size(); ++i) {
        const auto& w = ways[i];
        if (w.size() < 2) continue;
        if (line.empty()) {
            line = w;
            // Turn the first way if the second one continues from its start.
            if (i + 1 < ways.size() && ways[i + 1].size() >= 2 &&
                (near(w.front(), ways[i + 1].front()) || near(w.front(), ways[i + 1].back())) &&
                !(near(w.back(), ways[i + 1].front()) || near(w.back(), ways[i + 1].back()))) {
                std::reverse(line.begin(), line.end());
            }
            continue;
        }
        if (near(line.back(), w.back()) && !near(line.back(), w.front())) {
            line.insert(line.end(), w.rbegin() + 1, w.rend());
        } else if (near(line.back(), w.front())) {
            line.insert(line.end(), w.begin() + 1, w.end());
        } else {
            line.insert(line.end(), w.begin(), w.end());  // a gap: jump across it
        }
    }
    return line;
}

/// The route's ways as an undirected graph (points of the same position merged), for the hops
/// the ordered placement cannot measure (ways listed out of travel order, as in old
/// forward/backward routes): the shortest path between the two stops over the route's own ways.
class RouteGraph {
  public:
    RouteGraph(const std::vector<std::vector<LonLat>>& ways, LonLat origin) : proj_(origin) {
        std::map<std::pair<std::int64_t, std::int64_t>, std::uint32_t> id;
        for (const auto& w : ways) {
            std::uint32_t prev = 0;
            for (std::size_t i = 0; i < w.size(); ++i) {
                const std::pair<std::int64_t, std::int64_t> k{std::llround(w[i].lon * 1e7),
                                                              std::llround(w[i].lat * 1e7)};
                auto [it, fresh] = id.emplace(k, static_cast<std::uint32_t>(xy_.size()));
                if (fresh) {
                    xy_.push_back(proj_.forward(w[i]));
                    pos_.push_back(w[i]);
                    adj_.emplace_back();
                }
                const std::uint32_t v = it->second;
                if (i > 0 && v != prev) {
                    const double len = dist(prev, v);
                    adj_[prev].push_back({v, len});
                    adj_[v].push_back({prev, len});
                    segs_.push_back({prev, v});
                }
                prev = v;
            }
        }
    }

    /// Metres from a to b along the ways (+inf if either is farther than max_off from them or
    /// no path joins them), and the path's points from a's nearest point to b's.
    std::pair<double, std::vector<LonLat>> path(LonLat a, LonLat b, double max_off) const {
        const Near na = nearest(proj_.forward(a)), nb = nearest(proj_.forward(b));
        constexpr double kInf = std::numeric_limits<double>::infinity();
        if (!(na.off <= max_off) || !(nb.off <= max_off)) return {kInf, {}};
        const auto [au, av] = segs_[na.seg];
        const auto [bu, bv] = segs_[nb.seg];
        const double la = dist(au, av), lb = dist(bu, bv);
        const LonLat pa = at(na), pb = at(nb);
        double best = na.seg == nb.seg ? std::abs(na.t - nb.t) * la : kInf;
        std::vector<double> d(xy_.size(), kInf);
        std::vector<std::uint32_t> parent(xy_.size(), kNone);
        using Item = std::pair<double, std::uint32_t>;
        std::priority_queue<Item, std::vector<Item>, std::greater<>> q;
        d[au] = na.t * la;
        d[av] = std::min(d[av], (1 - na.t) * la);
        q.push({d[au], au});
        q.push({d[av], av});
        while (!q.empty()) {
            const auto [du, u] = q.top();
            q.pop();
            if (du > d[u]) continue;
            for (const auto& [v, len] : adj_[u]) {
                if (du + len < d[v]) {
                    d[v] = du + len;
                    parent[v] = u;
                    q.push({d[v], v});
                }
            }
        }
        const double via_u = d[bu] + nb.t * lb, via_v = d[bv] + (1 - nb.t) * lb;
        if (best <= via_u && best <= via_v) {
            if (!std::isfinite(best)) return {kInf, {}};
            return {best, {pa, pb}};
        }
        std::vector<LonLat> line{pb};
        for (std::uint32_t v = via_u <= via_v ? bu : bv; v != kNone; v = parent[v])
            line.push_back(pos_[v]);
        line.push_back(pa);
        std::reverse(line.begin(), line.end());
        return {std::min(via_u, via_v), std::move(line)};
    }

  private:
    struct Near {
        std::size_t seg = 0;
        double t = 0, off = std::numeric_limits<double>::infinity();
    };
    double dist(std::uint32_t u, std::uint32_t v) const {
        return std::hypot(xy_[u].first - xy_[v].first, xy_[u].second - xy_[v].second);
    }
    Near nearest(std::pair<double, double> p) const {
        Near best;
        for (std::size_t i = 0; i < segs_.size(); ++i) {
            const auto& a = xy_[segs_[i].first];
            const auto& b = xy_[segs_[i].second];
            const double t = project_on_segment(p, a, b);
            const double d = std::hypot(a.first + (b.first - a.first) * t - p.first,
                                        a.second + (b.second - a.second) * t - p.second);
            if (d < best.off) best = {i, t, d};
        }
        return best;
    }
    static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();
    LonLat at(const Near& n) const {
        const LonLat a = pos_[segs_[n.seg].first], b = pos_[segs_[n.seg].second];
        return {a.lon + (b.lon - a.lon) * n.t, a.lat + (b.lat - a.lat) * n.t};
    }
    LocalProjection proj_;
    std::vector<LonLat> pos_;
    std::vector<std::pair<double, double>> xy_;
    std::vector<std::vector<std::pair<std::uint32_t, double>>> adj_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> segs_;
};

std::string fallback_text(const LineRideReport& r, double detour) {
    std::ostringstream m;
    m.precision(2);
    m << r.fallback() << " of " << r.hops << " hop(s) from the straight line × " << detour << ":";
    const char* sep = " ";
    auto part = [&](std::size_t n, const char* what) {
        if (n == 0) return;
        m << sep << n << " " << what;
        sep = "; ";
    };
    part(r.no_ways, "without the route's ways");
    part(r.stop_off_route, "next to a stop farther than max_stop_route_m from the route's ways");
    part(r.stop_out_of_order, "next to a stop out of the order of the route's ways");
    part(r.path_too_long, "much longer along the ways than straight (ways or stops missing?)");
    part(r.path_too_short, "shorter along the ways than straight (ways out of order?)");
    part(r.no_path, "without a path in the file");
    return m.str();
}

void check_streets(BusLines& out, const Snapper& snapper, const BusLineOptions& o) {
    for (const TransitStopInput& s : out.stops) {
        const double d = snapper.nearest_metres(s.pos);
        if (d > o.max_stop_street_m) {
            std::ostringstream m;
            m << "stop " << s.id << (s.name.empty() ? "" : " (" + s.name + ")") << ": "
              << (std::isfinite(d) ? std::to_string(static_cast<int>(d)) + " m" : "no street")
              << " from the nearest street; riders cannot walk to it";
            out.warnings.push_back(m.str());
        }
    }
}

double straight_seconds(LonLat a, LonLat b, const BusLineOptions& o) {
    return haversine_m(a, b) * o.detour_factor / (o.bus_speed_kmh / 3.6);
}

}  // namespace

BusLines bus_lines_from_osm(const OsmData& osm, const Snapper& snapper, const BusLineOptions& o) {
    BusLines out;
    for (const OsmBusStop& s : osm.stops) out.stops.push_back({s.pos, s.id, s.name});
    const double speed = o.bus_speed_kmh / 3.6;
    for (const OsmBusRoute& r : osm.routes) {
        for (const auto& w : r.warnings) out.warnings.push_back(w);
        const std::string label = "route " + r.id + (r.ref.empty() ? "" : " (" + r.ref + ")");
        std::vector<StopId> stops;
        for (StopId s : r.stops) {
            if (s < osm.stops.size() && (stops.empty() || stops.back() != s)) stops.push_back(s);
        }
        if (stops.size() < 2) {
            out.warnings.push_back(label + ": fewer than two stops; not built");
            continue;
        }
        TransitLineInput line;
        line.id = r.id;
        line.name = !r.ref.empty() ? r.ref : r.name;
        line.stops = stops;
        line.headway_seconds =
            60.0 * (r.interval_minutes > 0 ? r.interval_minutes : o.default_headway_min);

        // Positions of the stops along the chained ways (NaN: not placed), and why a stop
        // is not: off the route's ways, or near them only out of order.
        LineRideReport rep;
        rep.line = r.id;
        rep.name = line.name;
        rep.source = "OSM route relation";
        rep.hops = stops.size() - 1;
        std::vector<LonLat> path = chain_ways(r.ways);
        // A loop's polyline ends where it starts; the closing hop goes on past the start (to
        // the first stop again), so the stops are placed on two laps of it.
        if (path.size() >= 3 && haversine_m(path.front(), path.back()) < 1.0) {
            const std::size_t n = path.size();
            path.reserve(2 * n - 1);
            for (std::size_t i = 1; i < n; ++i) path.push_back(path[i]);
        }
        std::vector<double> along(stops.size(), std::nan(""));
        std::vector<char> near_route(stops.size(), 0);
        std::vector<double> cum{0.0};
        if (path.size() >= 2) {
            const LocalProjection proj(path.front());
            std::vector<std::pair<double, double>> xy;
            for (std::size_t i = 0; i < path.size(); ++i) {
                xy.push_back(proj.forward(path[i]));
                if (i > 0) cum.push_back(cum.back() + haversine_m(path[i - 1], path[i]));
            }
            std::vector<std::vector<Pass>> cand(stops.size());
            for (std::size_t i = 0; i < stops.size(); ++i) {
                cand[i] = passes(xy, cum, proj.forward(osm.stops[stops[i]].pos), o.max_stop_route_m,
                                 o.right_hand_traffic);
                near_route[i] = !cand[i].empty();
            }
            along = place_stops(cand);
        }
        std::optional<RouteGraph> graph;  // built for the first hop that needs it
        LineShape shape;
        for (std::size_t i = 0; i + 1 < stops.size(); ++i) {
            const LonLat a = osm.stops[stops[i]].pos, b = osm.stops[stops[i + 1]].pos;
            const double straight = haversine_m(a, b);
            double len = straight * o.detour_factor;
            double ways = along[i + 1] - along[i];
            auto plausible = [&](double m) {
                return m >= straight * 0.9 && m <= straight * o.max_path_ratio + 200;
            };
            bool by_graph = false;
            std::vector<LonLat> graph_line;
            if (path.size() >= 2 && near_route[i] && near_route[i + 1] && !plausible(ways)) {
                if (!graph) graph.emplace(r.ways, path.front());
                auto [p, pl] = graph->path(a, b, o.max_stop_route_m);
                if (plausible(p)) {
                    ways = p;
                    by_graph = true;
                    graph_line = std::move(pl);
                    ++rep.shortest_path;
                }
            }
            const std::size_t along_before = rep.along_ways;
            if (path.size() < 2) {
                ++rep.no_ways;
            } else if (!near_route[i] || !near_route[i + 1]) {
                ++rep.stop_off_route;
            } else if (by_graph) {
                len = ways;
                ++rep.along_ways;
            } else if (std::isnan(along[i]) || std::isnan(along[i + 1])) {
                ++rep.stop_out_of_order;
            } else if (ways < straight * 0.9) {
                ++rep.path_too_short;
            } else if (ways > straight * o.max_path_ratio + 200) {
                // A path far longer than the line between the stops means ways or stops are
                // missing between them (an extract's edge): the straight line is the better guess.
                ++rep.path_too_long;
            } else {
                len = ways;
                ++rep.along_ways;
            }
            line.hop_seconds.push_back(len / speed);
            if (by_graph) {
                shape.add_hop(graph_line, ShapeSource::kShortestPath);
            } else if (rep.along_ways > along_before) {
                shape.add_hop(stretch(path, cum, along[i], along[i + 1]), ShapeSource::kAlongWays);
            } else {
                shape.add_hop({a, b}, ShapeSource::kStraight);
            }
        }
        out.shapes.push_back(std::move(shape));
        if (rep.fallback() > 0)
            out.warnings.push_back(label + ": " + fallback_text(rep, o.detour_factor));
        out.reports.push_back(std::move(rep));
        out.lines.push_back(std::move(line));
    }
    check_streets(out, snapper, o);
    return out;
}

BusLines read_bus_lines_csv(const std::filesystem::path& file, const Snapper& snapper,
                            const BusLineOptions& o, const Crs& crs) {
    const CrsTransformer to_wgs84(crs);
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw InputError(file.string(), "cannot open the bus line file",
                         "check the path; the file is CSV with columns line, lon, lat, …");
    }
    std::stringstream buf;
    buf << in.rdbuf();
    if (!valid_utf8(buf.str())) {
        throw InputError(file.string(), "the text is not UTF-8 (GBK?)",
                         "re-save the file as UTF-8 (Excel: \"CSV UTF-8\"; WPS/LibreOffice: "
                         "character set UTF-8)");
    }
    CsvTable t(buf.str(), file.string());
    const int c_line = t.col("line", true), c_lon = t.col("lon", true), c_lat = t.col("lat", true);
    const int c_id = t.col("stop_id", false), c_name = t.col("stop_name", false),
              c_line_name = t.col("line_name", false), c_head = t.col("headway_min", false);
    BusLines out;
    std::map<std::string, StopId> stop_by_key;
    std::map<std::string, std::size_t> line_by_id;
    std::vector<std::vector<StopId>> line_stops;
    while (t.next()) {
        const std::string& lid = t.get(c_line);
        double x = 0, y = 0;
        try {
            std::size_t n1 = 0, n2 = 0;
            x = std::stod(t.get(c_lon), &n1);
            y = std::stod(t.get(c_lat), &n2);
            if (n1 != t.get(c_lon).size() || n2 != t.get(c_lat).size())
                throw std::invalid_argument("");
        } catch (const std::exception&) {
            out.warnings.push_back(t.here() + ": bad lon/lat '" + t.get(c_lon) + "," +
                                   t.get(c_lat) + "'; row skipped");
            continue;
        }
        const LonLat wgs = to_wgs84.to_wgs84(x, y);
        const double lon = wgs.lon, lat = wgs.lat;
        if (lid.empty() || !(std::abs(lat) <= 90) || !(std::abs(lon) <= 180)) {
            out.warnings.push_back(t.here() + ": no line or coordinates out of range (crs " +
                                   crs.text() + "); row skipped");
            continue;
        }
        std::ostringstream key;
        key.precision(12);
        if (!t.get(c_id).empty())
            key << "id:" << t.get(c_id);
        else
            key << "at:" << t.get(c_name) << "@" << lon << "," << lat;
        auto [it, fresh] = stop_by_key.emplace(key.str(), static_cast<StopId>(out.stops.size()));
        if (fresh) {
            const std::string id = t.get(c_id).empty() ? t.here() : t.get(c_id);  // "file:12"
            out.stops.push_back({{lon, lat}, id, t.get(c_name)});
        }
        auto [li, new_line] = line_by_id.emplace(lid, out.lines.size());
        if (new_line) {
            TransitLineInput line;
            line.id = lid;
            line.name = t.get(c_line_name).empty() ? lid : t.get(c_line_name);
            line.headway_seconds = o.default_headway_min * 60;
            out.lines.push_back(std::move(line));
        }
        TransitLineInput& line = out.lines[li->second];
        if (!t.get(c_head).empty()) {
            std::string why;
            if (auto h = try_parse_number(t.get(c_head), Range::above(0, 1440, "min"), &why)) {
                line.headway_seconds = *h * 60;
            } else {
                out.warnings.push_back(t.here() + ": headway_min '" + t.get(c_head) + "' " + why +
                                       "; the default headway (" +
                                       number_text(o.default_headway_min) +
                                       " min) is used: give the minutes between buses");
            }
        }
        if (line.stops.empty() || line.stops.back() != it->second) line.stops.push_back(it->second);
    }
    std::vector<TransitLineInput> kept;
    for (TransitLineInput& line : out.lines) {
        if (line.stops.size() < 2) {
            out.warnings.push_back(file.string() + ": line " + line.id +
                                   " has fewer than two stops; not built");
            continue;
        }
        for (std::size_t i = 0; i + 1 < line.stops.size(); ++i) {
            line.hop_seconds.push_back(straight_seconds(out.stops[line.stops[i]].pos,
                                                        out.stops[line.stops[i + 1]].pos, o));
        }
        LineRideReport rep;
        rep.line = line.id;
        rep.name = line.name;
        rep.source = file.filename().string();
        rep.hops = rep.no_path = line.hop_seconds.size();
        out.reports.push_back(std::move(rep));
        std::vector<LonLat> at;
        for (StopId s : line.stops) at.push_back(out.stops[s].pos);
        out.shapes.push_back(straight_shape(at));
        kept.push_back(std::move(line));
    }
    out.lines = std::move(kept);
    check_streets(out, snapper, o);
    return out;
}

}  // namespace lc15::io
