// lc15 io — a city, loaded: everything the engine measures, from a city config.
//
//   CityConfig cfg = load_city_config("configs/zhuhai_xiangzhou.toml");
//   City city = load_city(cfg, "adult", &progress);     // reads OSM + planners' files, snaps
//   CoverageModel model = make_coverage_model(city);     // facilities added, homes set
//   model.compute();
//
// The one loader every front end shares (coverage, bus, scenario, optimize, the nightly job):
//  1. the OSM extract: walking graph, features, bus stops and routes;
//  2. facilities: OSM features classified by the rule set, plus planners' files (any CRS,
//     converted to WGS84 at read time); a facility in both (same category, within
//     dedupe_m) counts once, the planner's record kept and the merge reported; areas are
//     reached at their point nearest the street network;
//  3. communities (a planner's polygons, OSM boundaries at admin_level, or residential land);
//  1b. compounds ([compounds], io/compounds.hpp): their homes and the ways to their gates join
//     the walking graph before anything is snapped onto it;
//  4. homes: a population file, residential buildings, or samples over residential land
//     (those inside a compound give way to the compound's own homes, which come first);
//  5. snapping of homes, facilities and stops onto the walking graph with the profile's
//     forbidden edges (steps for barrier-free); anything beyond max_snap_m is kept and
//     reported with its distance, never silently dropped.
// Errors are InputError naming the file and object. Snapping runs in parallel (TBB) and gives
// the same result for any thread count. The City is immutable once loaded.
#pragma once

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/coverage.hpp"
#include "engine/progress.hpp"
#include "engine/snap.hpp"
#include "io/compounds.hpp"
#include "io/config.hpp"
#include "io/osm_reader.hpp"

namespace lc15::io {

struct FacilityRecord {
    enum class Status { Used, Merged, OffNetwork };
    std::uint32_t category = 0;
    std::string source;  ///< "osm" or the planner's file
    std::string id;      ///< "n123" / "w45" / the file's id or line
    std::string name;
    LonLat pos;  ///< WGS84 (an area's centroid)
    bool is_area = false;
    SnapResult snap;  ///< the entrance with the shortest access leg (the only one for a point)
    /// Every entrance the search starts from (docs/METHOD.md, "Entrances"); {snap} for a point.
    std::vector<SnapResult> entrances;
    std::string entrance_rule = "point";  ///< "point", or the category's rule for an area
    bool on_island = false;  ///< every entrance lies on an island of the walking network
    double street_m = 0;     ///< distance to the nearest street (the access leg when snapped)
    Status status = Status::Used;
    std::string merged_into;  ///< Merged: the id of the record it duplicates
    /// Places (学位, 床位): the planner's capacity_field, else OSM capacity=*, else the
    /// category's default (capacity_source "assumed"); NaN when no source gives one.
    double capacity = std::numeric_limits<double>::quiet_NaN();
    std::string capacity_source;  ///< "file", "osm", "assumed" or "" (unknown)
};

struct CommunityRecord {
    std::string id, name;
    MultiPolygon area;
    std::optional<double> population;  ///< given by the planner / census
    /// Where a given population came from: "census" ([population.census]), "community_layer"
    /// (the communities file's population_field), "osm_tag" (population=*), or "".
    std::string population_given_by = {};
    /// Where the community's figure comes from, for the outputs: the homes' source
    /// ("osm_buildings", "raster", "population_file", "sampling", "residential_land"), then
    /// "×census" etc. when scaled to a given total; "census (no residential place)" when a
    /// given total found no home to go to.
    std::string population_source = {};
    /// Residents estimated by the source before scaling, and total / estimate (NaN when not
    /// scaled: no total given, or nothing estimated).
    double estimated_population = std::numeric_limits<double>::quiet_NaN();
    double scale_factor = std::numeric_limits<double>::quiet_NaN();
};

struct HomeRecord {
    LonLat pos;
    double population = 0;
    CommunityId community = kInvalidId;
    SnapResult snap;
    double street_m = 0;
    bool on_island = false;  ///< snapped onto an island of the walking network
    /// The compound it lies in (index into City::compounds), or kInvalidId. The homes of the
    /// compounds come first, so that a home's index is its vertex key (engine/compounds.hpp).
    std::uint32_t compound = kInvalidId;
};

/// One stop of the city's one set of stops (OSM, planners' stop files, the GTFS feed, planners'
/// line files, deduplicated across sources within dedupe_m): a bus_stop facility once.
struct BusStopRecord {
    std::string source, id, name;  ///< source: "osm", a file name, "GTFS feed.zip"
    LonLat pos;
    std::vector<std::string> lines;
    SnapResult snap;
    double street_m = 0;
    std::vector<std::string> merged_ids;  ///< "source:id" of the same stop in other sources
};

struct GtfsFeed;

struct InputFile {
    std::string
        role;  ///< "osm", "facilities", "communities", "population", "bus_stops", "config", "rules"
    std::string path;
    std::string sha256;
};

/// What a City holds (City adds that its snapper follows its graph when the city moves).
struct CityData {
    CityConfig config;
    WalkerProfile walker;
    std::uint8_t forbidden_flags = 0;
    OsmData osm;
    std::unique_ptr<Snapper> snapper;
    std::vector<FacilityRecord> facilities;
    std::vector<CommunityRecord> communities;
    std::vector<HomeRecord> homes;
    std::vector<CompoundRecord> compounds;  ///< [compounds], with their gates
    std::vector<BusStopRecord> stops;       ///< the one set of stops (OSM ones first, by OSM index)
    std::size_t stop_merges = 0;            ///< stops of one source found in another and merged
    std::shared_ptr<const GtfsFeed> gtfs;   ///< the config's GTFS feed (its window), if any
    std::vector<std::string> warnings;
    std::vector<InputFile> inputs;
    std::vector<std::pair<std::string, double>> timings;  ///< step, seconds
    std::string population_method;
    std::size_t homes_outside_communities = 0;
    double population_outside_communities = 0;
};

struct City : CityData {
    City() = default;
    /// A moved city's snapper reads the graph where it now is.
    City(City&& o) noexcept : CityData(std::move(o)) { follow_graph(); }
    City& operator=(City&& o) noexcept {
        CityData::operator=(std::move(o));
        follow_graph();
        return *this;
    }

    CoverageOptions coverage_options() const;
    /// The rule set's radii are walking distances for the adult reference walker; another
    /// walker covers the same walking *time*, so its radii scale by its speed over the adult
    /// speed (elderly 0.8 m/s: × 0.64). 1 for the adult profile.
    double radius_scale() const;
    /// The rules with radii scaled for this walker (what the model measures against).
    std::vector<CategoryRule> effective_rules() const;

  private:
    void follow_graph() {
        if (snapper) snapper->rebind(osm.graph);
    }
};

/// Where areas are entered through a fence: OSM nodes tagged entrance=* or
/// barrier=gate|entrance, in feature order.
std::vector<LonLat> gate_points(const std::vector<Feature>& features);

/// A category's facility records by status (records of a category the rules do not hold are
/// not counted).
struct FacilityCounts {
    std::size_t used = 0;         ///< Status::Used
    std::size_t merged = 0;       ///< Status::Merged
    std::size_t off_network = 0;  ///< Status::OffNetwork
    std::size_t on_island = 0;    ///< used, but reached only from an island
};
/// One entry per category of the city's rules, in one pass over its facilities.
std::vector<FacilityCounts> facility_counts(const City& city);

/// Frees the outlines of buildings (OSM areas tagged building=*, other than "no", that are not
/// also residential land or a boundary), which after load_city only the maps (drawn beneath the
/// streets) and the scenarios (barriers of new footpaths) read: on a city of two buildings a
/// block they are most of the features and a quarter of the memory. For a run that draws no
/// map and edits nothing (`lc15 coverage` without --maps, `lc15 nightly`). Homes, facilities,
/// communities and compounds were made from them already and stay as they are. Returns how
/// many features it freed.
std::size_t drop_building_outlines(City& city);

/// Loads everything; `profile` names a walker profile of the config ("" = the config's).
City load_city(const CityConfig& config, const std::string& profile = {},
               Progress* progress = nullptr);

/// A CoverageModel over the city's graph with its homes and every Used facility added in
/// record order; handle_of_record (if given) maps facility records to model handles
/// (kInvalidId for records not used). Bus-stop categories take the city's stops.
CoverageModel make_coverage_model(const City& city,
                                  std::vector<FacilityHandle>* handle_of_record = nullptr);

}  // namespace lc15::io
