// lc15 io — bus lines from OpenStreetMap route relations and from planners' line files.
//
//   OsmData osm = read_osm("data/osm/cn_zhuhai_xiangzhou.osm");
//   Snapper snapper(osm.graph);
//   BusLines b = bus_lines_from_osm(osm, snapper, BusLineOptions{});
//   TransitNetwork net = build_transit(osm.graph, snapper, b.stops, b.lines, TransitOptions{});
//
//   BusLines p = read_bus_lines_csv("plans/new_lines.csv", snapper, BusLineOptions{},
//                                   Crs::gcj02());
//
// Ride time of a hop = path length / bus speed (default 18 km/h): the length along the route's
// ways when they are present, else the straight line × 1.3. The ways are chained in member
// order into one polyline; every place where it passes a stop (within max_stop_route_m) is a
// candidate, and the stops take the monotone choice of candidates that places the most stops,
// then lies nearest (a stop on the wrong side of the street for the direction counts double),
// so that on a loop or an out-and-back route, whose ways pass a stop twice, each stop is placed
// on the right pass (a closed loop is laid out twice, for the hop that closes it). A hop this
// cannot measure plausibly (a stop placed out of order: ways listed out of travel order, as in
// old forward/backward routes) takes the shortest path between its stops over the route's ways.
// Each line's report (LineRideReport) counts the hops measured along the ways and why the others
// fell back: no ways, a stop off the route's ways, a stop only out of order, a path much longer
// (ways missing) or shorter than the straight line. Headway: the route's interval tag, else the
// default (10 min). Problems are warnings naming the object — a route with fewer than two stops
// (dropped), a route with fallback hops (with the counts by reason), a stop farther than
// max_stop_street_m from any street — and the rest is still built.
//
// Planners' file (CSV in any CRS io/crs.hpp knows, WGS84 by default; a city config lists them as
// [[bus.lines]] path, crs): one row per stop of a line, in riding order; columns line, lon, lat
// required; stop_id, stop_name, line_name, headway_min optional.
// Rows of the same stop_id (or, without ids, the same name and position) are one shared stop.
//
// Cost: per route, stops × way segments for the candidates and stops² × candidates² for the
// choice (routes have tens of stops). Thread safety: pure functions.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/snap.hpp"
#include "engine/transit.hpp"
#include "io/crs.hpp"
#include "io/line_shape.hpp"
#include "io/osm_reader.hpp"

namespace lc15::io {

struct BusLineOptions {
    double bus_speed_kmh = 18;        ///< average in-vehicle speed, stops included
    double default_headway_min = 10;  ///< when a route has no interval tag / the file no headway
    double detour_factor = 1.3;       ///< straight line × this when the path is unknown
    double max_stop_street_m = 150;   ///< a stop farther from any street is reported
    double max_stop_route_m = 100;  ///< a stop farther from its route's ways uses the straight line
    double max_path_ratio = 2.5;    ///< a hop longer along the ways than this × straight (+200 m)
                                    ///< is taken as broken data: straight line used
    bool right_hand_traffic = true;  ///< buses stop on the right of the direction of travel
};

/// How one line's ride times were found: hops along the route's ways, and the others (straight
/// line × detour_factor) by reason. One reason per hop, the first that applies in this order.
struct LineRideReport {
    std::string line, name;  ///< the line's id and name
    std::string source;      ///< "OSM route relation" or the planners' file name
    std::size_t hops = 0;
    std::size_t along_ways = 0;         ///< measured along the route's ways
    std::size_t shortest_path = 0;      ///< of which by the shortest path over the ways
    std::size_t no_ways = 0;            ///< the relation has no ways in the extract
    std::size_t stop_off_route = 0;     ///< a stop farther than max_stop_route_m from the ways
    std::size_t stop_out_of_order = 0;  ///< a stop near the ways only out of order
    std::size_t path_too_short = 0;     ///< along the ways < 0.9 × straight
    std::size_t path_too_long = 0;      ///< along the ways > max_path_ratio × straight + 200 m
    std::size_t no_path = 0;            ///< a planners' line: stops only, no path
    std::size_t fallback() const { return hops - along_ways; }
};

struct BusLines {
    std::vector<TransitStopInput> stops;  ///< ids: OSM "n123" / the file's stop_id
    std::vector<TransitLineInput> lines;  ///< ids: OSM "r123" / the file's line
    std::vector<LineShape> shapes;        ///< one per line, parallel to `lines`
    std::vector<LineRideReport> reports;  ///< one per line built, in line order
    std::vector<std::string> warnings;
};

/// Every route=bus/trolleybus relation of the extract as a line over its stops.
BusLines bus_lines_from_osm(const OsmData& osm, const Snapper& snapper,
                            const BusLineOptions& options);

/// A planners' line file (see above) whose lon, lat columns are in `crs` (x, y for projected
/// ones), converted to WGS84. Missing file or column: InputError; bad row: warning.
BusLines read_bus_lines_csv(const std::filesystem::path& file, const Snapper& snapper,
                            const BusLineOptions& options, const Crs& crs = Crs::wgs84());

}  // namespace lc15::io
