// lc15 engine — a frequency-based bus network and a round-based transit search (RAPTOR).
//
// The model (docs/TRANSIT.md): stops snapped onto the walking graph; lines as ordered stop
// lists with a ride time per hop and a headway; walking transfers between stops within
// options.max_transfer_m along the walking graph. Boarding costs the expected wait, half the
// headway (capped at options.max_wait_s): with frequency data there is no timetable, so a trip
// is "walk, wait headway/2, ride, (walk, wait, ride)…, walk".
//
//   std::vector<TransitStopInput> stops{{{lon, lat}, "s1", "Main St"}, ...};
//   std::vector<TransitLineInput> lines{{"1", "Line 1", {0, 1, 2}, {120, 90}, 600}};
//   TransitNetwork net = build_transit(graph, snapper, stops, lines, TransitOptions{});
//
//   TransitQuery q(net);                                  // one per thread, reusable
//   q.run({{StopId{0}, 60.0}}, options);                  // origins: stop + seconds already spent
//   double t = q.arrival(StopId{2});                      // earliest arrival (s) with <= K
//   transfers
//
//   // Every home to the nearest facility (all of one category), walk only and walk + bus:
//   TransitAccess a = walk_bus_seconds(net, homes, facilities, options);
//   a.walk_s[h], a.walk_bus_s[h]                          // seconds, +inf beyond options.budget_s
//
// Search: RAPTOR (Delling, Pajor, Werneck 2012) as in R5, rounds = rides. Round k scans every
// line touched in round k-1 once, in stop order, carrying the best "on board" time; then relaxes
// the walking transfers of the stops it improved. It is exact for "fewest-time with at most K
// transfers", needs only flat arrays (stops, line stops, hop times, transfers), and no graph of
// timetable events, which frequency data does not have. Each stop carries two labels, kept
// apart as in RAPTOR implementations: "standing" (an origin, a ride or a walking transfer; may
// board) and "alighted" (a ride only; may also walk a transfer). Walks never follow walks, so a
// ride label later than a walk label at the same stop is still kept: only it can walk on.
// tests/test_transit_oracle.cpp checks both directions against a plain Dijkstra over the
// explicit time graph of these rules.
//
// walk_bus_seconds runs the search backwards once per category, not once per home: one
// multi-source walk from every facility gives each stop its egress time; one reverse RAPTOR
// gives each stop the time to the nearest facility by bus (boarding there); each home then needs
// only its walks to the stops within options.max_access_m (StopAccess: one bounded walk from
// each stop, shared by every category). Cost: O(V log V) for the egress walk + O(K (sum of
// line lengths + transfers)) for the rounds + S small bounded walks (in parallel) + H merges of
// two short lists, instead of H full RAPTOR runs.
// The result is min(walk only, walk + bus): walk + bus is never slower than walking.
//
// Thread safety: TransitNetwork is immutable after build and shared; TransitQuery is one per
// thread; walk_bus_seconds is parallel (oneTBB) and its results do not depend on thread count.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/graph.hpp"
#include "engine/snap.hpp"

namespace lc15 {

inline constexpr double kInfSeconds = std::numeric_limits<double>::infinity();

struct TransitStopInput {
    LonLat pos;
    std::string id;  ///< the source's id (GTFS stop_id, OSM "n123", a planner's id)
    std::string name;
};

struct TransitLineInput {
    std::string id;                   ///< "route_id/pattern" for GTFS, "r123" for OSM
    std::string name;                 ///< what people call it ("12", "Line 12 to the station")
    std::vector<StopId> stops;        ///< indices into the stop list, in riding order
    std::vector<double> hop_seconds;  ///< ride time stop i -> i+1; size stops.size() - 1
    double headway_seconds = 600;     ///< time between buses
};

struct TransitOptions {
    // --- building ---
    double stop_snap_m = 150;          ///< a stop farther than this from a street is not walkable
    double max_transfer_m = 400;       ///< walking transfers between stops up to this distance
    std::uint8_t forbidden_flags = 0;  ///< e.g. kEdgeSteps for the barrier-free profile
    // --- searching ---
    double walk_speed_m_per_s = 1.25;  ///< 4.5 km/h adult default
    int max_transfers = 3;             ///< rounds = max_transfers + 1 rides
    double max_wait_s = 900;           ///< the expected wait headway/2 is capped at this
    double max_access_m = 800;         ///< walk from a home to the first stop
    double max_egress_m = 800;         ///< walk from the last stop to the facility
    double budget_s = 1800;            ///< door-to-door budget; beyond it the result is +inf
    bool access_legs = true;           ///< count the straight legs from points to the street
};

struct TransitStop {
    LonLat pos;
    std::string id, name;
    SnapResult snap;  ///< !snap.ok(): farther than stop_snap_m from any street
};

struct TransitLine {
    std::string id, name;
    double headway_seconds;
    std::uint32_t first;  ///< into TransitNetwork::line_stops / hop_seconds
    std::uint32_t size;   ///< number of stops
};

/// One walking transfer: to stop `to`, `length` cm along the walking graph (access legs incl.).
struct TransitTransfer {
    StopId to;
    Distance length;
};

class TransitNetwork {
  public:
    std::uint32_t num_stops() const { return static_cast<std::uint32_t>(stops_.size()); }
    std::uint32_t num_lines() const { return static_cast<std::uint32_t>(lines_.size()); }
    const TransitStop& stop(StopId s) const { return stops_[s]; }
    const TransitLine& line(std::uint32_t l) const { return lines_[l]; }
    std::span<const StopId> line_stops(std::uint32_t l) const {
        return {line_stop_.data() + lines_[l].first, lines_[l].size};
    }
    /// Ride times of line l's hops (size line_stops(l).size() - 1).
    std::span<const double> line_hops(std::uint32_t l) const {
        return {hop_.data() + lines_[l].first, lines_[l].size - 1};
    }
    /// Lines serving stop s (as (line, position in the line) pairs).
    std::span<const std::pair<std::uint32_t, std::uint32_t>> stop_lines(StopId s) const {
        return {stop_line_.data() + stop_line_first_[s],
                stop_line_first_[s + 1] - stop_line_first_[s]};
    }
    std::span<const TransitTransfer> transfers(StopId s) const {
        return {transfer_.data() + transfer_first_[s], transfer_first_[s + 1] - transfer_first_[s]};
    }
    /// Stops snapped onto edge e (for walks that must find the stops they pass).
    std::span<const StopId> edge_stops(EdgeId e) const;
    const WalkGraph& graph() const { return *g_; }
    const TransitOptions& build_options() const { return options_; }
    /// Problems found while building (a stop too far from the street, a line with a bad hop).
    const std::vector<std::string>& warnings() const { return warnings_; }

  private:
    friend TransitNetwork build_transit(const WalkGraph&, const Snapper&,
                                        std::span<const TransitStopInput>,
                                        std::span<const TransitLineInput>, const TransitOptions&);
    const WalkGraph* g_ = nullptr;
    TransitOptions options_;
    std::vector<TransitStop> stops_;
    std::vector<TransitLine> lines_;
    std::vector<StopId> line_stop_;
    std::vector<double> hop_;  // hop_[first + i]: ride from stop i to i+1 (last slot unused)
    std::vector<std::uint32_t> stop_line_first_;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> stop_line_;
    std::vector<std::uint32_t> transfer_first_;
    std::vector<TransitTransfer> transfer_;
    std::vector<std::uint32_t> edge_stop_first_;  // CSR over edges (empty if no stop snapped)
    std::vector<StopId> edge_stop_;
    std::vector<std::string> warnings_;
};

/// Snaps the stops (each to the nearest allowed street within stop_snap_m, on an island or not:
/// the snapper's island rule, if any, is not applied), freezes the lines and computes the walking
/// transfers (one bounded walk per stop, in parallel). A line with a stop index out of range, a
/// wrong number of hops, a negative hop or a headway <= 0 throws InputError naming the line; a line
/// with fewer than two stops is dropped with a warning. Cost: S bounded walks of max_transfer_m.
TransitNetwork build_transit(const WalkGraph& g, const Snapper& snapper,
                             std::span<const TransitStopInput> stops,
                             std::span<const TransitLineInput> lines,
                             const TransitOptions& options);

/// Expected wait when boarding line l: min(headway / 2, max_wait_s).
double boarding_wait_s(const TransitNetwork& net, std::uint32_t l, const TransitOptions& options);

struct TransitOrigin {
    StopId stop;
    double seconds;  ///< time already spent when standing at the stop (the access walk)
};

/// Forward RAPTOR from a set of stops. One object per thread; reset costs O(stops).
class TransitQuery {
  public:
    explicit TransitQuery(const TransitNetwork& net);
    ~TransitQuery();
    TransitQuery(TransitQuery&&) noexcept;
    /// Earliest arrival at every stop with at most options.max_transfers transfers
    /// (max_transfers + 1 rides); the origin times are round 0. Labels above options.budget_s
    /// are dropped. Only the search fields of options are read.
    void run(std::span<const TransitOrigin> origins, const TransitOptions& options);
    /// Earliest time standing at s, by any means (origin, ride, walking transfer); +inf if not.
    double arrival(StopId s) const;
    /// Earliest time at s as an origin or getting off a bus there (no walk after the last ride):
    /// the label to continue from with an egress walk, so that walks never follow each other.
    double ride_arrival(StopId s) const;

  private:
    const TransitNetwork* net_;
    std::unique_ptr<struct TransitRounds> rounds_;
};

/// Result of walk_bus_seconds: door-to-door seconds per home, +inf beyond the budget or unsnapped.
struct TransitAccess {
    std::vector<double> walk_s;      ///< walking only (network distance / speed)
    std::vector<double> walk_bus_s;  ///< best of walking only and walk + bus (<= walk_s)
    /// Stop the home's best bus trip boards at; kInvalidId when walking alone is best.
    std::vector<StopId> board_stop;
};

/// Each home's walks to the stops within options.max_access_m (network distance in cm, access
/// legs as options.access_legs says, options.forbidden_flags not walked): what walk + bus needs
/// of a home whatever the category, so found once for all of them. Found backwards, one search
/// bounded by max_access_m from every stop, not one from every home (a city has far fewer
/// stops); the walking graph's arcs are symmetric, so the distances are the same. Keeps, for
/// each end of a home's edge, the stops within reach of it; of() combines a home's two ends
/// (and stops on its own edge) on the fly.
class StopAccess {
  public:
    StopAccess(const TransitNetwork& net, std::span<const SnapResult> homes,
               const TransitOptions& options);
    /// The home's stops within max_access_m, by stop id, each once with its shortest walk;
    /// `out` is reused.
    void of(HomeId h, std::vector<std::pair<StopId, Distance>>& out) const;
    std::size_t num_homes() const { return homes_.size(); }

  private:
    const TransitNetwork* net_;
    std::span<const SnapResult> homes_;
    bool legs_;
    Distance limit_;
    std::vector<std::uint32_t> slot_;  ///< vertex -> index into first_, or kInvalidId
    std::vector<std::uint64_t> first_;
    std::vector<std::pair<StopId, Distance>> reach_;  ///< by slot, then stop
};

/// Every home to the nearest of `facilities` (one category) by walking, and by walking and bus.
/// Homes and facilities that are not snapped (!ok()) get +inf / are ignored. `access`, when
/// given, must be of the same homes and options (computed once, it serves every category).
TransitAccess walk_bus_seconds(const TransitNetwork& net, std::span<const SnapResult> homes,
                               std::span<const SnapResult> facilities,
                               const TransitOptions& options, const StopAccess* access = nullptr);

}  // namespace lc15
