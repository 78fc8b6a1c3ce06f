// lc15 io — writing a coverage run: GeoPackage for QGIS, CSV for Excel, JSON for machines.
//
//   OutputDir out(dir);
//   std::optional<BusAnalysis> bus =
//       write_coverage_outputs(&out, city, model, report, run, true, &progress);  // stages all
//   out.commit();                                                  // all appear together
//
// Files (README.md, "Outputs"): coverage.gpkg (layers facilities, stops, entrances, homes,
// homes_grid, communities),
// communities.csv (one row per community, UTF-8 with BOM), community_categories.csv (one row
// per community and category), city_summary.csv, summary.json (inputs with hashes, OSM
// timestamp, config hash, program version, timings, city figures), warnings.txt. With a bus
// analysis (io/bus_analysis.hpp): the communities layer and CSV gain its three stop-catchment
// shares (bus500_land_share, bus500_people_straight_share, bus500_people_walk_share for a
// 500 m radius; empty where a community has no residential land / no people), summary.json a
// "bus" object (city figures, walk + bus shares per category; null without), and the bus
// files of write_bus_outputs are staged too.
// Places against demand (engine/capacity.hpp), for every category with a demand group: the
// communities layer and CSV gain <id>_demand, <id>_places, <id>_places_per_1000 and
// <id>_place_gap; community_categories.csv gains demand_group, demand, places,
// places_per_1000, place_gap and places_assumed (places from facilities of assumed capacity);
// city_summary.csv the city's demand, places and gap; the facilities layer capacity and
// capacity_source. Shown beside the coverage share, never instead of it.
// Last, where each community's figure comes from (io/city.hpp, CommunityRecord):
// population_source ("osm_buildings", "raster×census", ...), population_given (the census or
// layer figure; empty if none), population_estimated (the source's own estimate) and
// scale_factor (given / estimated; empty when not scaled).
// Cost: linear in homes, facilities and communities (plus one bounded search per facility of
// a category with a demand group). Thread safety: reads the city and model only; the bus
// analysis may run on a thread of its own meanwhile (write_coverage_outputs).
#pragma once

#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/capacity.hpp"
#include "engine/coverage.hpp"
#include "engine/network_metrics.hpp"
#include "io/bus_analysis.hpp"
#include "io/city.hpp"
#include "io/files.hpp"
#include "io/network_figures.hpp"
#include "io/vector_writer.hpp"

namespace lc15::io {

struct RunInfo {
    std::string command;                                  ///< the command line, for the record
    std::vector<std::pair<std::string, double>> timings;  ///< further steps (seconds)
    /// Seconds spent writing each output file, in the order written (write_coverage_outputs
    /// fills it for summary.json's timings_s.outputs; summary.json itself is written last
    /// and is not in it).
    std::vector<std::pair<std::string, double>> outputs;
    /// Seconds spent writing each layer of coverage.gpkg, its index included (summary.json:
    /// timings_s["coverage.gpkg layers"]); the per-home layer's rows are built as it is written.
    std::vector<std::pair<std::string, double>> gpkg_layers;
    /// Filled by write_coverage_outputs: whether coverage.gpkg holds the per-home layer, the
    /// cells of homes_grid, and notes for warnings.txt beyond the city's own.
    bool home_points = true;
    std::size_t grid_cells = 0;
    std::vector<std::string> warnings;
};

/// Side of the homes_grid cells (metres).
inline constexpr double kHomesGridM = 100;

/// coverage.gpkg's layer `homes_grid`: the homes in square cells of kHomesGridM (cells of a
/// local projection about a corner on a 0.01° grid just south-west of the homes, so that the
/// cells stay put from night to night), each cell with its homes, residents, and per category
/// <id>_covered (residents covered) and <id>_share; only cells holding homes. Its totals are
/// the per-home layer's: sum of residents = sum of the homes' population, sum of <id>_covered
/// = the city's covered population of that category. Built once (a sort of the homes by
/// cell, 4 bytes a home and 16 a cell); each row's sums are made when the row is asked for,
/// for a writer that streams them. `city` and `model` must outlive the grid.
class HomesGrid {
  public:
    HomesGrid(const City& city, const CoverageModel& model);
    const Layer& header() const { return header_; }  ///< name, geometry and fields; no rows
    std::size_t size() const { return cells_.size(); }
    void row(std::size_t i, Row& out) const;  ///< the i-th cell, rows south to north, west to east

  private:
    struct Cell {
        std::int32_t ix = 0, iy = 0;
        std::uint32_t first = 0;  // its homes: order_[first, next cell's first)
    };
    const City& city_;
    const CoverageModel& model_;
    Layer header_;
    std::vector<Cell> cells_;
    std::vector<HomeId> order_;  // the homes by cell, in id order within a cell
    std::uint32_t nc_ = 0;
    LonLat corner_;
};

/// Place figures of one category (empty `report.communities` for a category without a demand
/// group); `assumed` per community like report.communities: the places that come from
/// facilities of assumed capacity.
struct CategoryPlaces {
    PlaceReport report;
    std::vector<double> assumed;
    double assumed_city = 0;
};
/// Per category, for the model make_coverage_model(city) made (before any edit): the sums per
/// community and for the city; report.detail (per home and facility) is left empty.
std::vector<CategoryPlaces> city_places(const City& city, const CoverageModel& model,
                                        Decay decay = Decay::kNone);
/// Places per facility handle of make_coverage_model(city)'s model (0 where unknown); with
/// `assumed`, per handle whether the value is the category's assumed default.
std::vector<double> places_by_handle(const City& city, std::vector<char>* assumed = nullptr);

/// The layers of coverage.gpkg that need the loaded city only (facilities, stops, entrances),
/// staged in `out` and written from construction on a thread of their own (with more than one
/// thread allowed; else when taken), e.g. while the model computes: SQLite holds one core, the
/// computation takes what is left. write_coverage_outputs(..., &layers) goes on in the same
/// file after them. The city and rules must not change until it is taken or destroyed (which
/// waits for the writing).
class CityLayers {
  public:
    CityLayers(OutputDir& out, const City& city, const std::vector<CategoryRule>& rules);
    ~CityLayers();
    CityLayers(const CityLayers&) = delete;
    CityLayers& operator=(const CityLayers&) = delete;

    struct Written {
        std::unique_ptr<GpkgWriter> gpkg;                    ///< open, the layers in it
        std::vector<std::pair<std::string, double>> layers;  ///< seconds per layer, in order
        double seconds = 0;                                  ///< the file's time so far
    };
    /// Waits for the writing (its error, if any, is thrown here) and hands the file over.
    Written take();

  private:
    std::future<Written> pending_;
};

/// A run's bus analysis, and bus.gpkg staged in `out` when given (else the analysis without its
/// service area, which only bus.gpkg and the maps hold), computed from construction on a thread
/// of its own with more than one thread allowed (else when taken): it needs the loaded city
/// only, so it runs while the model computes and coverage.gpkg is written. `progress` is told
/// of its steps from that thread (the CLI's TerminalProgress::Beside; null: none). The city
/// must not change until it is taken or destroyed (which waits for it).
class BusBeside {
  public:
    BusBeside(OutputDir* out, const City& city, Progress* progress);
    ~BusBeside();
    BusBeside(const BusBeside&) = delete;
    BusBeside& operator=(const BusBeside&) = delete;

    struct Done {
        BusAnalysis bus;
        double gpkg_seconds = 0;  ///< bus.gpkg's writing (0 without `out`)
    };
    /// Waits for the analysis alone (its error, if any, is thrown here): bus.gpkg may still
    /// be being written from it. Valid until take().
    const BusAnalysis& analysis();
    /// Waits for bus.gpkg too (an error of either is thrown here): its seconds.
    double gpkg_seconds();
    /// Waits for both and hands the analysis over.
    Done take();

  private:
    std::optional<BusAnalysis> result_;  // set on the thread before `analysed_` is
    double gpkg_seconds_ = 0;
    std::promise<void> analysed_;
    std::shared_future<void> analysed_future_ = analysed_.get_future().share();
    bool deferred_ = false;  // one thread: the task runs when first waited for
    std::shared_future<void> pending_;
};

/// Stages every output file of a run and computes its bus analysis (none with !with_bus),
/// overlapped: with more than one thread allowed the bus analysis (from `bus_beside` when given,
/// started before the computation) runs on a thread of its own while the layers of coverage.gpkg
/// that need nothing of it (facilities, stops, entrances, homes, homes_grid, in that order; the
/// first three from `city_layers` when given) are written; then come the communities layer, the
/// other files and the bus files. With one thread the two run one after the other; the files
/// are the same.
/// Without `out` only the bus analysis is done, without its service area (only bus.gpkg and
/// the maps hold it; the figures do not depend on it). The bus stages' timings are in summary.json
/// and are appended to `run`. With `out` and `network`, the network indicators the files hold
/// are moved into *network (for the maps drawn after, which show them too). lc15 coverage and
/// lc15 nightly.
std::optional<BusAnalysis> write_coverage_outputs(
    OutputDir* out, const City& city, const CoverageModel& model, const CoverageReport& report,
    RunInfo& run, bool with_bus, Progress* progress, NetworkFigures* network = nullptr,
    CityLayers* city_layers = nullptr, BusBeside* bus_beside = nullptr);

/// The JSON summary alone; `network`: the city's network indicators (network_figures).
std::string coverage_summary_json(const City& city, const CoverageModel& model,
                                  const CoverageReport& report, const NetworkReport& network,
                                  const RunInfo& run, const BusAnalysis* bus = nullptr);

/// The network indicators of one area as the JSON object of summary.json's
/// "network_indicators" (same keys, same rounding; null where undefined), for the front ends
/// that show them (the planner's page).
std::string network_indicators_json(const NetworkMetrics& m);

}  // namespace lc15::io
