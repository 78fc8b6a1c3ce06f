// lc15 io — rule sets and city configs (TOML).
//
//   RuleSet rules = load_rules("configs/rules/gb50180_2018.toml");
//   CityConfig city = load_city_config("configs/zhuhai_xiangzhou.toml");  // applies overrides
//   std::vector<std::uint32_t> cats = classify(city.rules, feature, amap_type);
//
// Paths inside a config are relative to the config file. Every error names the file, line and
// column, and says how to fix it (InputError). Classification is a pure function of a feature's
// tags, name and area; tested one clause at a time. Loading is single-threaded; the returned
// values are immutable and may be shared.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/coverage.hpp"
#include "engine/demand.hpp"
#include "engine/entrances.hpp"
#include "io/census.hpp"
#include "io/feature.hpp"
#include "io/population_raster.hpp"

namespace lc15::io {

/// One `match` clause: every tag must have one of its values ("*": any); if `names` is not
/// empty, the feature's name must contain one of them.
struct MatchClause {
    std::vector<std::pair<std::string, std::vector<std::string>>> tags;
    std::vector<std::string> names;
};

struct CategoryDef {
    CategoryRule rule;
    std::vector<MatchClause> match;
    std::vector<std::string> amap_types;  ///< substrings of an Amap-style type path
    double min_area_m2 = 0.0;
    double max_area_m2 = std::numeric_limits<double>::infinity();
    bool from_bus_stops = false;  ///< facilities are the city's bus stops
    /// `demand` and `capacity` tables: who the category serves, places per facility by default.
    DemandRule demand;
    /// How an area of this category is entered (docs/METHOD.md, "Entrances").
    EntranceMode entrances = EntranceMode::Nearest;
};

struct RuleSet {
    std::string name;
    std::filesystem::path path;
    std::vector<CategoryDef> categories;
    /// Index of a category by id; InputError listing the valid ids if unknown.
    std::uint32_t index_of(const std::string& id, const std::string& where) const;
    std::vector<CategoryRule> rules() const;
    std::string ids_list() const;
};

RuleSet load_rules(const std::filesystem::path& path);

/// Categories the feature belongs to (indices into rules.categories, ascending).
/// `amap_type` is the planner file's type column (empty for OSM features).
std::vector<std::uint32_t> classify(const RuleSet& rules, const Feature& f,
                                    const std::string& amap_type = {});
bool clause_matches(const MatchClause& c, const Feature& f);

/// A planner's vector file (CSV, GeoJSON, Shapefile, GeoPackage).
struct FileSourceConfig {
    std::filesystem::path path;
    std::string layer;
    std::string crs = "WGS84";
    bool crs_declared = false;
    std::string encoding;  ///< "" (UTF-8) or GBK/GB18030
    std::string lon_field, lat_field, id_field, name_field;
    std::string category;        ///< whole file is one category (id)
    std::string category_field;  ///< column holding category ids
    std::string type_field;      ///< Amap-style type column, classified by amap_types
    std::string population_field;
    std::string lines_field;     ///< bus stops: the lines serving them
    std::string capacity_field;  ///< facilities: places (学位, 床位) of each facility
    std::string where;           ///< "config.toml:12:1", for messages
};

// ---- [compounds]: a planner's walled residential compounds (小区) and their gates ----
//   [compounds]
//   path = "compounds.geojson"      polygons (CSV with WKT, GeoJSON, SHP, GPKG), any crs
//   crs = "GCJ-02"                  Amap AOI polygons are GCJ-02
//   residents_field = "residents"   residents per compound, or
//   households_field = "households" households × persons_per_household
//   persons_per_household = 2.33    default: 营口市, 2020 census (七普公报, family households)
//   [compounds.gates]               the gates (出入口) as points: the compounds' only exits
//   path = "gates.csv"
//   compound_field = "compound"     the compound's id; "" = the compound whose wall is nearest
// docs/METHOD.md ("Compounds and gates").
struct CompoundsConfig {
    FileSourceConfig polygons;
    std::string residents_field, households_field;
    /// 营口市第七次全国人口普查主要数据公报 (2020): 2.33 persons per family household
    /// (data/yingkou/yingkou_population_facts.csv, row "city").
    double persons_per_household = 2.33;
    std::optional<FileSourceConfig> gates;
    std::string gate_compound_field;
    double gate_wall_m = 20.0;  ///< a gate lies within this of its compound's wall
};

struct WalkerProfile {
    std::string name;
    double speed_m_per_s = 1.25;
    bool exclude_steps = false;
};

// ---- [targets]: the plan's targets and the nightly run's warning thresholds (history/) ----
// [targets] share = 1.0 is the pass threshold of every category (above). Beside it:
//   drop_points = 5          warn when a community's share falls by more than 5 points
//   due_warning_days = 90    warn about a target not met this many days before its due date
//   stale_days = 7           data warning: every input unchanged for this many days
//   data_drop = 0.2          data warning: facilities, stops, homes or snapped homes fell by
//                            more than this fraction since the last run (a broken export)
//   [targets.kindergarten]   per category (or "bus500": the 500 m stop catchment)
//   share = 0.9              every community's share should reach 90 % ...
//   due = 2025-12-31         ... by this date (a TOML date or "YYYY-MM-DD"; optional)
//   [targets.pocket_park]
//   count = 30               at least 30 used facilities of the category in the city by `due`
//   [targets.bus500]
//   share = 1.0
//   figure = "land"          land | people_straight | people_walk (the bus500_* columns)
struct PlanTarget {
    std::string key;              ///< a category id, or "bus500"
    std::optional<double> share;  ///< per community, 0..1
    std::optional<int> count;     ///< used facilities in the city
    std::string due;              ///< "YYYY-MM-DD" or ""
    std::string figure = "land";  ///< bus500 only
    std::string where;            ///< "config.toml:40:1", for messages
};
struct PlanTargets {
    std::vector<PlanTarget> targets;
    double drop_points = 5.0;
    int due_warning_days = 90;
    int stale_days = 7;
    double data_drop = 0.2;
};
// ---- end of [targets] ----

/// [maps]: what printed maps say about who made them (lc15 map, docs/MAPS.md).
struct MapsConfig {
    std::string producer;  ///< the producing unit (编制单位), printed in the title block
    std::string date;      ///< the date printed on maps ("" = the OSM data date)
    /// Draw administrative boundary lines (boundary=administrative). Off by default: a
    /// simple street map needs no map review in China, a map with boundaries may.
    bool boundaries = false;
};

struct CityConfig {
    std::filesystem::path path;  ///< the config file
    std::string name;
    std::filesystem::path osm;
    RuleSet rules;
    std::optional<std::array<double, 4>> bbox;  ///< min lon, min lat, max lon, max lat (WGS84)

    // network
    bool private_walkable = true;
    double max_snap_m = 300.0;
    bool access_legs = true;
    std::map<std::string, WalkerProfile> profiles;
    bool snap_to_main = true;        ///< [network] islands = "main" (else "nearest")
    double main_component_m = 1000;  ///< components with this much street count as main
    std::string profile = "adult";

    // facilities
    bool osm_facilities = true;
    double dedupe_m = 50.0;
    std::vector<FileSourceConfig> facility_files;

    // bus
    bool osm_bus_stops = true;
    std::vector<FileSourceConfig> bus_stop_files;
    double bus_speed_kmh = 18.0;
    double default_headway_min = 10.0;
    std::filesystem::path gtfs;
    int gtfs_window_start_s = 7 * 3600;  ///< [bus] window = "07:00-09:00": GTFS departures
    int gtfs_window_end_s = 9 * 3600;    ///< counted for headways, seconds after midnight
    std::vector<FileSourceConfig> bus_line_files;  ///< [[bus.lines]]: planners' line files
    std::vector<std::string> bus_categories;       ///< categories measured by walk + bus
    double bus_budget_min = 30.0;

    // communities
    std::string communities_source =
        "residential_landuse";  ///< file | osm_admin | residential_landuse | whole
    int admin_level = 8;
    std::optional<FileSourceConfig> communities_file;

    // population
    std::string population_source = "buildings";  ///< file | buildings | sampling | raster
    std::optional<FileSourceConfig> population_file;
    std::optional<CompoundsConfig> compounds;       ///< [compounds], if given
    std::optional<RasterSource> population_raster;  ///< source = "raster" (path, band, crs)
    std::optional<CensusSource> census;             ///< [population.census]: totals to scale to
    double floor_area_per_person_m2 = 35.0;
    double default_levels = 6.0;
    double sample_spacing_m = 50.0;
    double max_samples = 5e6;  ///< ceiling on sampled home points ([population] max_samples)
    double default_community_population = 0.0;  ///< used by sampling when a community has none

    PlanTargets plan_targets;  ///< [targets] beyond `share` (see PlanTarget)
    // places against demand
    Decay places_decay = Decay::kNone;  ///< [places] decay: plain 2SFCA or Gaussian decay
    MapsConfig maps;
    /// [outputs] home_points_max: coverage.gpkg holds the per-home point layer `homes` only
    /// for cities of at most this many homes; above it, the 100 m grid `homes_grid` (always
    /// written) stands for it and the run's warnings and summary.json say so. 0: never.
    double home_points_max = 500000;

    const WalkerProfile& walking_profile(const std::string& name) const;
    std::string config_hash;  ///< SHA-256 of the config and rules files' bytes
};

CityConfig load_city_config(const std::filesystem::path& path);

}  // namespace lc15::io
