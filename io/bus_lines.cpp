#include "io/bus_lines.hpp"

#include <cmath>
#include <fstream>
#include <map>
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

struct Projection {
    double along = 0;                                      // m from the polyline's start
    double off = std::numeric_limits<double>::infinity();  // m from the polyline
};

/// Nearest point of the polyline to p among segments [from_seg, end).
Projection project(const std::vector<std::pair<double, double>>& xy, const std::vector<double>& cum,
                   std::pair<double, double> p, std::size_t from_seg, std::size_t* seg_out) {
    Projection best;
    for (std::size_t i = from_seg; i + 1 < xy.size(); ++i) {
        const double t = project_on_segment(p, xy[i], xy[i + 1]);
        const double x = xy[i].first + (xy[i + 1].first - xy[i].first) * t;
        const double y = xy[i].second + (xy[i + 1].second - xy[i].second) * t;
        const double d = std::hypot(x - p.first, y - p.second);
        if (d < best.off) {
            best.off = d;
            best.along = cum[i] + (cum[i + 1] - cum[i]) * t;
            if (seg_out) *seg_out = i;
        }
    }
    return best;
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

        // Positions of the stops along the chained ways (NaN: not usable).
        const std::vector<LonLat> path = chain_ways(r.ways);
        std::vector<double> along(stops.size(), std::nan(""));
        if (path.size() >= 2) {
            const LocalProjection proj(path.front());
            std::vector<std::pair<double, double>> xy;
            std::vector<double> cum{0.0};
            for (std::size_t i = 0; i < path.size(); ++i) {
                xy.push_back(proj.forward(path[i]));
                if (i > 0) cum.push_back(cum.back() + haversine_m(path[i - 1], path[i]));
            }
            std::size_t seg = 0;
            int unordered = 0;
            for (std::size_t i = 0; i < stops.size(); ++i) {
                const auto p = proj.forward(osm.stops[stops[i]].pos);
                std::size_t found = seg;
                const Projection fwd = project(xy, cum, p, seg, &found);
                if (fwd.off <= o.max_stop_route_m) {
                    along[i] = fwd.along;
                    seg = found;
                } else if (project(xy, cum, p, 0, nullptr).off <= o.max_stop_route_m) {
                    ++unordered;  // on the route, but behind the previous stop
                }
            }
            if (unordered > 0) {
                out.warnings.push_back(label + ": " + std::to_string(unordered) +
                                       " stop(s) out of the order of the route's ways; straight "
                                       "line × " +
                                       std::to_string(o.detour_factor).substr(0, 4) +
                                       " used next to them");
            }
        } else {
            out.warnings.push_back(label + ": no ways; ride times from straight lines");
        }
        int roundabout = 0;
        for (std::size_t i = 0; i + 1 < stops.size(); ++i) {
            const LonLat a = osm.stops[stops[i]].pos, b = osm.stops[stops[i + 1]].pos;
            const double straight = haversine_m(a, b);
            double len = straight * o.detour_factor;
            if (!std::isnan(along[i]) && !std::isnan(along[i + 1]) && along[i + 1] >= along[i] &&
                along[i + 1] - along[i] >= straight * 0.9) {
                // A path far longer than the line between the stops means ways or stops are
                // missing between them (an extract's edge): the straight line is the better guess.
                if (along[i + 1] - along[i] <= straight * o.max_path_ratio + 200) {
                    len = along[i + 1] - along[i];
                } else {
                    ++roundabout;
                }
            }
            line.hop_seconds.push_back(len / speed);
        }
        if (roundabout > 0) {
            out.warnings.push_back(label + ": " + std::to_string(roundabout) +
                                   " hop(s) much longer along the ways than the straight line "
                                   "(ways or stops missing?); straight line used");
        }
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
                                       " (allowed: (0, 1440] min); default used");
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
        kept.push_back(std::move(line));
    }
    out.lines = std::move(kept);
    check_streets(out, snapper, o);
    return out;
}

}  // namespace lc15::io
