// lc15 io — bus lines from OpenStreetMap route relations and from planners' line files.
//
//   OsmData osm = read_osm("data/osm/cn_zhuhai_xiangzhou.osm");
//   Snapper snapper(osm.graph);
//   BusLines b = bus_lines_from_osm(osm, snapper, BusLineOptions{});
//   TransitNetwork net = build_transit(osm.graph, snapper, b.stops, b.lines, TransitOptions{});
//
//   BusLines p = read_bus_lines_csv("plans/new_lines.csv", snapper, BusLineOptions{});
//
// Ride time of a hop = path length / bus speed (default 18 km/h): the length along the route's
// ways when they are present (the stops projected onto the chained ways, in order), else the
// straight line × 1.3. Headway: the route's interval tag, else the default (10 min).
// Problems are warnings naming the object — a route with fewer than two stops (dropped), stops
// out of the order of its ways (that hop falls back to the straight line), a stop farther than
// max_stop_street_m from any street — and the rest is still built.
//
// Planners' file (CSV, WGS84 — convert GCJ-02 before): one row per stop of a line, in riding
// order; columns line, lon, lat required; stop_id, stop_name, line_name, headway_min optional.
// Rows of the same stop_id (or, without ids, the same name and position) are one shared stop.
//
// Cost: linear in the routes' ways and stops. Thread safety: pure functions.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/snap.hpp"
#include "engine/transit.hpp"
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
};

struct BusLines {
    std::vector<TransitStopInput> stops;  ///< ids: OSM "n123" / the file's stop_id
    std::vector<TransitLineInput> lines;  ///< ids: OSM "r123" / the file's line
    std::vector<std::string> warnings;
};

/// Every route=bus/trolleybus relation of the extract as a line over its stops.
BusLines bus_lines_from_osm(const OsmData& osm, const Snapper& snapper,
                            const BusLineOptions& options);

/// A planners' line file (see above). Missing file or column: InputError; bad row: warning.
BusLines read_bus_lines_csv(const std::filesystem::path& file, const Snapper& snapper,
                            const BusLineOptions& options);

}  // namespace lc15::io
