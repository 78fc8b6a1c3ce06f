// lc15 io — reading an OpenStreetMap extract (.osm, .osm.bz2, .osm.gz, .osm.pbf) into lc15's data.
//
//   OsmData d = read_osm("data/osm/monaco.osm.pbf", OsmReadOptions{});
//   d.graph;      // the walking graph (vertex key = OSM node id, edge source id = OSM way id)
//   d.profile;    // walkable ways and km, steps, private roads, exclusions by reason
//   d.features;   // POIs, buildings, residential land, admin boundaries (ids "n1"/"w2"/"r3")
//   d.stops;      // bus stops, a platform and its stop_position merged into one
//   d.routes;     // route=bus|trolleybus relations with their stops and ways in order
//   d.basemap;    // for maps: street class per walkable way, water and green areas, rivers
//
// Two passes with libosmium: relations first (multipolygons, bus routes, stop areas, route
// masters), then nodes and ways with a flex_mem node-location index; multipolygon relations
// and closed ways are assembled into areas by osmium's MultipolygonManager. The input must be
// sorted by type and id (every planet/extract tool writes it so).
//
// A walkable way whose nodes are partly missing (cut by the extract's edge) is split at the
// gaps; a route missing members keeps what is there and gets a warning naming the relation.
// Multipolygon pedestrian areas are walked along their rings with source id = -relation id.
//
// Errors: lc15::InputError naming the file (missing, not OSM, truncated, unsorted, or without
// any walkable way) with a fix. Cost: memory ~ 16 bytes per node for locations plus the kept
// data; Monaco (180k nodes) reads in well under a second. Thread safety: read_osm may run
// concurrently on different files; libosmium decodes blocks on its own worker threads.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/graph.hpp"
#include "engine/types.hpp"
#include "io/feature.hpp"
#include "io/osm_profile.hpp"

namespace lc15::io {

struct OsmReadOptions {
    WalkingProfile profile;
    /// A platform and a stop_position with the same name closer than this are one stop.
    double stop_merge_metres = 30.0;
};

/// One bus stop as passengers see it (platform and stop_position merged).
struct OsmBusStop {
    std::string id;    ///< OSM id of the representative object ("n123", platform preferred)
    std::string name;  ///< name:zh, else name; may be empty
    LonLat pos;        ///< where people wait (the platform's position when there is one)
    std::vector<std::string> merged_ids;  ///< the other OSM objects merged into this stop
};

struct OsmBusRoute {
    std::string id;     ///< "r123"
    std::string route;  ///< "bus" or "trolleybus"
    std::string ref, name, from, to;
    std::vector<StopId> stops;              ///< indices into OsmData::stops, in relation order
    std::vector<std::vector<LonLat>> ways;  ///< member ways in relation order
    int interval_minutes = 0;  ///< from the interval tag ("10", "00:10", "0:10:00"); 0 if absent
    std::string route_master;  ///< "r456" when a route_master lists this route, else empty
    std::vector<std::string> warnings;  ///< each names the relation
};

/// Street classes a map draws differently (from highway=*).
enum class StreetClass : std::uint8_t {
    kMajor = 0,  ///< motorway…primary (walkable ones: trunk, primary with sidewalks)
    kMinor = 1,  ///< secondary, tertiary
    kLocal = 2,  ///< residential, unclassified, living_street, service, road
    kPath = 3,   ///< footway, path, pedestrian, steps, cycleway, track, bridleway, corridor
};
StreetClass street_class(std::string_view highway);

/// What a map's basemap needs beyond the walking graph and the features: drawn from the
/// extract itself (no web tiles). Water: natural=water, waterway=riverbank|dock,
/// landuse=reservoir|basin; green: leisure=park|garden|nature_reserve, landuse=grass|forest|
/// meadow|recreation_ground|village_green|cemetery, natural=wood|scrub|grassland|wetland.
/// The sea: natural=coastline ways as lines (land on their left, sea on their right), closed
/// into sea polygons by the map for its own extent (maps/sea.hpp).
struct OsmCoastline {
    std::int64_t way_id = 0;
    std::vector<LonLat> line;  ///< in the way's direction; one run of nodes the extract holds
};
struct OsmBasemap {
    /// (OSM way id, class) of every walkable way (pedestrian multipolygons: -relation id),
    /// sorted by way id; WalkGraph::edge_source_id finds an edge's class here.
    std::vector<std::pair<std::int64_t, StreetClass>> street_classes;
    std::vector<MultiPolygon> water, green;
    std::vector<std::vector<LonLat>> waterways;  ///< waterway=river|canal|stream|drain lines
    std::vector<OsmCoastline> coastlines;        ///< natural=coastline, in file order
    /// The extract's box from the file's header (PBF bbox, XML <bounds>), lon/lat lo then hi;
    /// unset without one. Coastlines cut by the extract end near it.
    std::optional<std::array<LonLat, 2>> extract_box;
    /// The class of a way id (kLocal when unknown).
    StreetClass class_of(std::int64_t way_id) const;
};

struct OsmData {
    WalkGraph graph;
    ProfileReport profile;
    std::vector<Feature> features;  ///< sorted: nodes, ways, relations, each by id
    std::vector<OsmBusStop> stops;
    std::uint64_t stop_objects = 0;   ///< bus stop objects before merging
    std::uint64_t stop_merges = 0;    ///< objects merged into another stop (= objects - stops)
    std::vector<OsmBusRoute> routes;  ///< sorted by relation id
    OsmBasemap basemap;
    /// Header osmosis_replication_timestamp, else the newest object timestamp, else an
    /// Overpass <meta osm_base>, else empty (ISO 8601, e.g. "2016-03-05T00:26:02Z").
    std::string timestamp;
    std::vector<std::string> warnings;  ///< data problems, each naming the OSM object
    std::uint64_t nodes = 0, ways = 0, relations = 0;  ///< objects read
    /// OSM node ids where the extract cuts a walkable way (the known node beside a missing
    /// one), sorted: street ends there are the extract's edge, not dead ends.
    std::vector<std::uint64_t> cut_nodes;
    /// Walkable ways open to motor vehicles (highway=trunk … residential, living_street and
    /// their links, not access=private), sorted: the road network of the density figures.
    std::vector<std::int64_t> road_ways;
};

/// Reads an extract. Throws InputError (see above) on bad input.
OsmData read_osm(const std::filesystem::path& file, const OsmReadOptions& options = {});

/// Where a feature of id "n123" / "w45" / "r6" sorts in OsmData::features: its type (nodes 0,
/// ways 1, relations 2), then its number.
std::pair<int, long long> osm_id_order(std::string_view id);
/// The first of `features` (sorted as OsmData::features are) with this id, or null: a binary
/// search, never a map of every feature's id (a city's buildings are millions).
const Feature* find_osm_feature(const std::vector<Feature>& features, std::string_view id);

/// True when an object with these tags is kept as a Feature (amenity, shop, leisure,
/// healthcare, social_facility, office, building, railway=station, public_transport,
/// highway=bus_stop, landuse=residential, boundary=administrative; the gates areas are entered
/// by: entrance=*, barrier=gate|entrance; and what a new footpath must not cross: natural=water,
/// waterway=*, railway=rail|light_rail|narrow_gauge|subway|monorail|funicular).
template <typename GetTag>
bool is_feature_tags(GetTag&& get) {
    for (const char* key : {"amenity", "shop", "leisure", "healthcare", "social_facility", "office",
                            "public_transport"}) {
        if (const char* v = get(key); v != nullptr && *v != '\0') return true;
    }
    auto is = [&](const char* key, std::string_view value) {
        const char* v = get(key);
        return v != nullptr && value == v;
    };
    if (const char* b = get("building"); b != nullptr && *b != '\0' && std::string_view(b) != "no")
        return true;
    if (const char* w = get("waterway"); w != nullptr && *w != '\0') return true;
    for (const char* r : {"rail", "light_rail", "narrow_gauge", "subway", "monorail", "funicular"})
        if (is("railway", r)) return true;
    return is("railway", "station") || is("highway", "bus_stop") || is("landuse", "residential") ||
           is("boundary", "administrative") || is("natural", "water") ||
           (get("entrance") != nullptr) || is("barrier", "gate") || is("barrier", "entrance");
}

}  // namespace lc15::io
