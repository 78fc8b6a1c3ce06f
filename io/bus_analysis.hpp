// lc15 io — the bus analysis of a loaded city: the three stop-catchment figures, the gap list,
// the walking service area and walk + bus access to the config's [bus] categories
// (docs/TRANSIT.md). Shared by `lc15 bus` (alone) and `lc15 coverage` (beside the
// living-circle figures).
//
//   City city = load_city(config, "", &progress);
//   BusAnalysis bus = analyse_bus(city, BusAnalysisOptions{}, &progress);
//   bus.catchment.city.walk_share;                  // people within 500 m walking of a stop
//   bus.access[0].share_walk_bus(bus.city_index()); // city share reaching category 0 by bus
//   OutputDir out(dir);
//   write_bus_outputs(out, city, bus);              // bus_catchment.csv, bus_gaps.csv, ...
//   out.commit();
//
// Lines come from the config's GTFS feed when it names one, else from the OSM route
// relations, plus every planners' line file of [[bus.lines]] (converted from its crs). The
// catchment counts the city's stops (OSM and planners' files) and every
// snapped stop served by a line. Errors: InputError naming the file (a missing GTFS feed, an
// unknown [bus] category). Cost: one transit build, one catchment, one service area, one
// walk + bus search per category (engine/transit.hpp, engine/catchment.hpp). Thread safety:
// pure; oneTBB inside; the results do not depend on the thread count. A BusAnalysis refers to
// the City's graph: keep the City alive while using it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/catchment.hpp"
#include "engine/progress.hpp"
#include "engine/transit.hpp"
#include "io/bus_lines.hpp"
#include "io/city.hpp"
#include "io/files.hpp"
#include "io/gtfs.hpp"

namespace lc15::io {

struct BusAnalysisOptions {
    /// Stop catchment radius for the adult walker (GB 50220-95: 300 and 500 m); another walker
    /// profile scales it like every radius (City::radius_scale): the same walking time.
    double radius_m = 500;
    /// Time window and service day of the config's GTFS feed; unset: the config's [bus] window
    /// (07:00–09:00 without one) on a typical Wednesday.
    std::optional<GtfsOptions> gtfs;
    bool service_area = true;  ///< draw the walking service area (the slowest step)
};

/// Walk + bus access to one [bus] category: populations per community, the city last.
struct BusCategoryAccess {
    std::string category;                     ///< the rule id
    std::size_t facilities = 0;               ///< used facilities of the category in the city
    std::vector<double> population;           ///< everyone
    std::vector<double> walk_population;      ///< within the budget walking
    std::vector<double> walk_bus_population;  ///< within the budget walking and by bus
    /// Shares at index i (a community, or the city at the last index); -1 without population.
    double share_walk(std::size_t i) const {
        return population[i] > 0 ? walk_population[i] / population[i] : -1;
    }
    double share_walk_bus(std::size_t i) const {
        return population[i] > 0 ? walk_bus_population[i] / population[i] : -1;
    }
};

struct BusAnalysis {
    double radius_m = 500;    ///< the catchment radius used: options.radius_m × radius_scale
    double radius_scale = 1;  ///< City::radius_scale (walker speed / adult speed)
    double budget_min = 30;   ///< door-to-door budget of the access figures
    /// "GTFS feed.zip" or "OSM route relations", then "+ N planners' line files (a.csv, …)"
    std::string line_source;
    TransitNetwork network;  ///< refers to the City's graph
    /// The course of each network line (io/bus_lines.hpp LineShape), parallel to its lines:
    /// along the OSM route's ways where the ride times were measured along them, else straight
    /// between the stops. The bus map draws it and bus.gpkg's `lines` layer holds it.
    std::vector<LineShape> line_shapes;
    std::size_t stops = 0;  ///< stops counted by the catchment
    CatchmentResult catchment;
    ServiceArea service_area;  ///< in 500 m tiles; empty when not drawn or no stop reaches a street
    std::vector<BusCategoryAccess> access;  ///< one per [bus] category, in config order
    /// How the ride times of OSM routes and planners' lines were found (GTFS lines: timetable).
    std::vector<LineRideReport> ride_reports;
    std::vector<std::string> warnings;                    ///< from the lines and the transit build
    std::vector<std::pair<std::string, double>> timings;  ///< step, seconds

    /// Index of the city in BusCategoryAccess vectors (= number of communities).
    std::size_t city_index() const { return catchment.communities.size(); }
};

/// Throws InputError if an input of the bus analysis named by the config is missing (the GTFS
/// feed, a [[bus.lines]] file): call it before the long work of loading the city.
void check_bus_inputs(const CityConfig& config);

BusAnalysis analyse_bus(const City& city, const BusAnalysisOptions& options,
                        Progress* progress = nullptr);

/// Stages bus_catchment.csv, bus_gaps.csv, bus_access.csv, bus_routes.csv (per line: hops along
/// the ways and fallbacks by reason), bus.gpkg (layers service_area, gaps, lines; unless
/// !with_gpkg: the caller wrote it with write_bus_gpkg) and bus_warnings.txt. With `seconds`,
/// appends the time spent on each file (name, seconds).
void write_bus_outputs(OutputDir& out, const City& city, const BusAnalysis& bus,
                       std::vector<std::pair<std::string, double>>* seconds = nullptr,
                       bool with_gpkg = true);

/// bus.gpkg alone, at `path` (a path OutputDir::stage gave): what write_bus_outputs writes there.
/// Thread safety: may run beside the other writers of the same run (lc15 coverage writes it on
/// the bus analysis' thread while coverage.gpkg is written).
void write_bus_gpkg(const std::filesystem::path& path, const City& city, const BusAnalysis& bus);

/// The files write_bus_outputs writes (for a run that skips the bus analysis to discard).
const std::vector<std::string>& bus_output_files();

}  // namespace lc15::io
