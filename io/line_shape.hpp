// lc15 io — the drawn course of a bus line, one polyline cut into its hops between stops.
//
//   LineShape s = straight_shape(stop_positions);                 // no path known
//   LineShape s = shape_along_path(stops, path, {}, {}, options); // a GTFS trip's shape
//   for (h : hops) draw(s.points[s.hop_first[h] .. s.hop_end[h]), s.hop_source[h]);
//
// Built once per line by the reader of its source (io/bus_lines.cpp for OSM route relations and
// planners' files, io/gtfs.cpp for GTFS shapes.txt); the bus map and bus.gpkg's `lines` layer
// both draw it (one geometry for both).
//
// Placing stops on a path: every place where the path passes a stop within max_off_m is a
// candidate (one per pass: a loop or an out-and-back path passes a stop twice), and the stops
// take the monotone choice of candidates that places the most stops, then lies nearest (a stop
// on the wrong side of the street for the direction counts double), then earliest (along a GTFS
// shape a stop may lie up to kShapeOrderSlackM before the previous one). A hop between two
// placed stops follows the path between them; any other hop is straight.
//
// Cost: per line, stops × path segments for the candidates and stops² × candidates² for the
// choice. Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "engine/geo.hpp"

namespace lc15::io {

/// Where the drawn course of a hop comes from: the route's ways in order (OSM), the shortest
/// path over them, the trip's shape (GTFS shapes.txt), or the straight line between the stops
/// (no path, or none that fits).
enum class ShapeSource : std::uint8_t { kAlongWays, kShortestPath, kStraight, kAlongShape };

/// The course of a line from its first stop to its last, as the ride times measured it: one
/// polyline (`points`) and per hop the run of points it covers, [hop_first[i], hop_end[i]),
/// with its source. Maps draw it and bus.gpkg writes it (one geometry for both).
struct LineShape {
    std::vector<LonLat> points;
    std::vector<std::uint32_t> hop_first, hop_end;
    std::vector<ShapeSource> hop_source;
    /// Appends a hop's points (its first is shared with the last point when they coincide).
    void add_hop(const std::vector<LonLat>& hop, ShapeSource source);
    std::size_t straight_hops() const;
};

/// Straight hops between the stops at `stops` (lines without a path: planners' files, GTFS
/// trips without a shape).
LineShape straight_shape(const std::vector<LonLat>& stops);

/// A stop farther than this from its GTFS trip's shape is not placed on it: its hops are drawn
/// straight (and counted as such). 100 m is a street's width and a half beyond the kerb: a stop
/// geocoded to the far side of a wide avenue still fits, one on a parallel street does not. The
/// same reach as BusLineOptions::max_stop_route_m for OSM route ways.
inline constexpr double kMaxStopShapeM = 100.0;

/// A line's course along a path it is known to follow (a GTFS trip's shape, first stop to last).
/// With distances (`stop_dist` per stop and `path_dist` per path point, both all finite and
/// non-decreasing, in the feed's one unit) a stop sits where the path reaches its distance;
/// otherwise stops are placed as the file comment says. Either way a stop farther than
/// `max_off_m` from its place is not placed, and its hops are straight.
LineShape shape_along_path(const std::vector<LonLat>& stops, const std::vector<LonLat>& path,
                           const std::vector<double>& stop_dist,
                           const std::vector<double>& path_dist, double max_off_m,
                           bool right_hand_traffic);

// --- the pieces shape_along_path is made of, shared with the OSM route reader ---

/// Cumulative metres along `line` (first 0).
std::vector<double> cumulative_metres(const std::vector<LonLat>& line);

/// The stretch of `line` (cumulative metres `cum`) from `a` to `b` metres along it.
std::vector<LonLat> stretch(const std::vector<LonLat>& line, const std::vector<double>& cum,
                            double a, double b);

/// A place where a path passes a stop: the nearest point of one pass (a run of consecutive
/// segments within reach of the stop, joined at vertices within reach).
struct Pass {
    double along = 0;  ///< m from the polyline's start
    double off = 0;    ///< m from the polyline
    double cost = 0;   ///< off, doubled when the stop lies on the wrong side for this direction
};

/// Every pass of the polyline (`xy` local metres, `cum` cumulative metres) within max_off of p.
/// right_hand: buses stop on the right of their direction of travel, so a pass with the stop
/// more than 3 m to its left costs more.
std::vector<Pass> passes(const std::vector<std::pair<double, double>>& xy,
                         const std::vector<double>& cum, std::pair<double, double> p,
                         double max_off, bool right_hand);

/// Positions of the stops along the polyline: the monotone choice of one pass per stop (or none)
/// that leaves the fewest stops unplaced, then costs least, then lies earliest; a stop may lie
/// up to `slack` metres before the previous placed one. NaN: the stop is not placed.
std::vector<double> place_stops(const std::vector<std::vector<Pass>>& cand, double slack = 0);

/// The slack shape_along_path allows: feeds place some stops a little off their true spot
/// along the street (at the corner, across the road), so that the shape reaches a stop up to
/// this much before the previous one; such a stop is drawn at the previous one's place (an
/// empty hop) rather than straight. Porto Alegre: 173 hops straight without it, 72 with it.
inline constexpr double kShapeOrderSlackM = 50.0;

}  // namespace lc15::io
