#include "io/osm_reader.hpp"

// GCC 12 reports a false stringop-overread inside libosmium's builders when inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstringop-overread"
#include <osmium/area/assembler.hpp>
#include <osmium/area/multipolygon_manager.hpp>
#include <osmium/handler.hpp>
#include <osmium/handler/check_order.hpp>
#include <osmium/handler/node_locations_for_ways.hpp>
#include <osmium/index/map/flex_mem.hpp>
#include <osmium/io/any_input.hpp>
#include <osmium/io/any_output.hpp>
#include <osmium/io/output_iterator.hpp>
#include <osmium/object_pointer_collection.hpp>
#include <osmium/osm/area.hpp>
#include <osmium/osm/node.hpp>
#include <osmium/osm/object_comparisons.hpp>
#include <osmium/osm/relation.hpp>
#include <osmium/osm/way.hpp>
#include <osmium/relations/relations_manager.hpp>
#include <osmium/tags/tags_filter.hpp>
#include <osmium/visitor.hpp>
#pragma GCC diagnostic pop

#include <unistd.h>

#include <oneapi/tbb/parallel_sort.h>
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <fstream>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <sstream>
#include <thread>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>

#include "engine/error.hpp"
#include "engine/polygon.hpp"
#include "io/files.hpp"
#include "io/timing.hpp"

namespace lc15::io {
namespace {

std::string_view tag(const osmium::TagList& tags, const char* key) {
    const char* v = tags.get_value_by_key(key);
    return v == nullptr ? std::string_view{} : std::string_view{v};
}

// The tags lc15 reads of a node, way or area, found in one pass over its tag list: each later
// question is a lookup in a small table, not another walk along the list (a walk measures every
// key and value). A repeated key keeps its first value, as TagList::get_value_by_key finds it.
class ReadTags {
  public:
    explicit ReadTags(const osmium::TagList& tags) : empty_(tags.empty()) {
        for (const osmium::Tag& t : tags) {
            const int k = index(t.key());
            if (k >= 0 && value_[k] == nullptr) {
                value_[k] = t.value();
                letters_ |= 1u << (kKeys[k][0] - 'a');
            }
        }
    }
    bool empty() const { return empty_; }
    /// The value of `key`, nullptr if absent. `key` must be one of kKeys (a logic error once
    /// an object has a key of the same first letter: a key added to a rule must be added there).
    const char* get(const char* key) const {
        // Most questions are of keys the object does not have: no key of their first letter.
        const unsigned letter = static_cast<unsigned char>(key[0]) - 'a';
        if (letter < 26 && (letters_ >> letter & 1u) == 0) return nullptr;
        const int k = index(key);
        if (k < 0) throw std::logic_error(std::string("ReadTags: key not read: ") + key);
        return value_[k];
    }
    std::string_view operator[](const char* key) const {
        const char* v = get(key);
        return v == nullptr ? std::string_view{} : std::string_view{v};
    }

  private:
    static constexpr std::array<const char*, 24> kKeys = {  // sorted
        "access",
        "amenity",
        "area",
        "barrier",
        "boundary",
        "building",
        "bus",
        "construction",
        "entrance",
        "foot",
        "healthcare",
        "highway",
        "landuse",
        "leisure",
        "name",
        "name:zh",
        "natural",
        "office",
        "public_transport",
        "railway",
        "shop",
        "social_facility",
        "trolleybus",
        "waterway"};
    // [first, last) in kKeys of the keys that begin with each letter a–z.
    static constexpr std::array<std::pair<std::uint8_t, std::uint8_t>, 26> kByLetter = [] {
        std::array<std::pair<std::uint8_t, std::uint8_t>, 26> r{};
        for (std::size_t i = kKeys.size(); i-- > 0;) {
            auto& [first, last] = r[static_cast<std::size_t>(kKeys[i][0] - 'a')];
            if (last == 0) last = static_cast<std::uint8_t>(i + 1);
            first = static_cast<std::uint8_t>(i);
        }
        return r;
    }();
    static_assert(std::is_sorted(kKeys.begin(), kKeys.end(), [](const char* a, const char* b) {
        return std::string_view(a) < std::string_view(b);
    }));
    static int index(const char* key) {
        const unsigned letter = static_cast<unsigned char>(key[0]) - 'a';
        if (letter >= 26) return -1;
        const auto [first, last] = kByLetter[letter];
        for (unsigned i = first; i < last; ++i)
            if (std::strcmp(kKeys[i] + 1, key + 1) == 0) return static_cast<int>(i);
        return -1;
    }
    std::array<const char*, kKeys.size()> value_{};
    std::uint32_t letters_ = 0;  // bit i: a key beginning with 'a' + i was read
    bool empty_;
};

std::string display_name(const ReadTags& tags) {
    std::string_view n = tags["name:zh"];
    if (n.empty()) n = tags["name"];
    return std::string(n);
}

WayTags way_tags(const ReadTags& tags) {
    return {tags["highway"], tags["foot"], tags["access"], tags["construction"], tags["area"]};
}

LonLat to_lonlat(const osmium::Location& l) { return {l.lon(), l.lat()}; }

TagMap copy_tags(const osmium::TagList& tags) {
    TagMap m;
    m.reserve(tags.size());
    for (const osmium::Tag& t : tags) m.emplace(t.key(), t.value());
    return m;
}

// Streets open to motor vehicles: the road network of the density figures.
bool is_road_highway(std::string_view h) {
    for (const char* r :
         {"trunk", "trunk_link", "primary", "primary_link", "secondary", "secondary_link",
          "tertiary", "tertiary_link", "unclassified", "residential", "living_street"}) {
        if (h == r) return true;
    }
    return false;
}

enum class BasemapKind : std::uint8_t { kNone, kWater, kGreen };

BasemapKind basemap_kind(const ReadTags& tags) {
    const std::string_view natural = tags["natural"], landuse = tags["landuse"],
                           leisure = tags["leisure"], waterway = tags["waterway"];
    if (natural == "water" || waterway == "riverbank" || waterway == "dock" ||
        landuse == "reservoir" || landuse == "basin")
        return BasemapKind::kWater;
    for (std::string_view v : {"park", "garden", "nature_reserve"})
        if (leisure == v) return BasemapKind::kGreen;
    for (std::string_view v :
         {"grass", "forest", "meadow", "recreation_ground", "village_green", "cemetery"})
        if (landuse == v) return BasemapKind::kGreen;
    for (std::string_view v : {"wood", "scrub", "grassland", "wetland"})
        if (natural == v) return BasemapKind::kGreen;
    return BasemapKind::kNone;
}

bool is_feature(const ReadTags& tags) {
    return is_feature_tags([&](const char* k) { return tags.get(k); });
}

enum class StopKind : std::uint8_t { kPlatform, kStopPosition };

/// Bus stop tagging of an object, if any.
std::optional<StopKind> stop_kind(const ReadTags& tags) {
    const std::string_view pt = tags["public_transport"];
    const bool bus = tags["bus"] == "yes" || tags["trolleybus"] == "yes";
    const bool bus_stop = tags["highway"] == "bus_stop";
    if (pt == "stop_position" && (bus || bus_stop)) return StopKind::kStopPosition;
    if (bus_stop) return StopKind::kPlatform;
    if (pt == "platform" && bus) return StopKind::kPlatform;
    return std::nullopt;
}

/// Role of a route member: a stop, a platform, or a way/other.
enum class RoleKind : std::uint8_t { kStop, kPlatform, kOther };
RoleKind role_kind(std::string_view role) {
    if (role.find("platform") != std::string_view::npos) return RoleKind::kPlatform;
    if (role.find("stop") != std::string_view::npos) return RoleKind::kStop;
    return RoleKind::kOther;
}

/// "10" (minutes), "00:10", "0:10:00"; 0 when absent or unreadable.
int parse_interval_minutes(std::string_view s, bool* ok) {
    *ok = true;
    if (s.empty()) return 0;
    std::vector<int> parts;
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find(':', start);
        if (end == std::string_view::npos) end = s.size();
        int v = 0;
        const auto sub = s.substr(start, end - start);
        auto [p, ec] = std::from_chars(sub.data(), sub.data() + sub.size(), v);
        if (ec != std::errc{} || p != sub.data() + sub.size() || v < 0) {
            *ok = false;
            return 0;
        }
        parts.push_back(v);
        start = end + 1;
    }
    if (parts.size() == 1) return parts[0];
    if (parts.size() == 2) return parts[0] * 60 + parts[1];
    if (parts.size() == 3) return parts[0] * 60 + parts[1] + (parts[2] >= 30 ? 1 : 0);
    *ok = false;
    return 0;
}

std::string id_string(char type, osmium::object_id_type id) { return type + std::to_string(id); }

struct Member {
    osmium::item_type type;
    osmium::object_id_type ref;
    std::string role;
};

struct RouteRelation {
    osmium::object_id_type id;
    TagMap tags;
    std::vector<Member> members;
};

struct StopCandidate {
    std::string id;
    StopKind kind;
    std::string name;
    LonLat pos;
};

std::uint64_t object_key(osmium::item_type type, osmium::object_id_type id) {
    return (static_cast<std::uint64_t>(id) << 2) | (type == osmium::item_type::node ? 0u : 1u);
}

using LocationIndex =
    osmium::index::map::FlexMem<osmium::unsigned_object_id_type, osmium::Location>;
using LocationHandler = osmium::handler::NodeLocationsForWays<LocationIndex>;

// Features in reading order, in chunks of a fixed size: adding one never moves the others, and
// each chunk is one allocation above glibc's largest mmap threshold (32 MB), so it goes back to
// the system when freed (a deque's many small blocks, or chunks the allocator keeps in its
// heap, stay resident: 270 MB of the 360k city). Pages of a chunk not yet filled are not used.
class FeatureChunks {
  public:
    void push_back(Feature&& f) {
        if (chunks_.empty() || chunks_.back().size() == kChunk) {
            chunks_.emplace_back().reserve(kChunk);
            taken_.push_back(0);
        }
        chunks_.back().push_back(std::move(f));
        ++size_;
    }
    std::size_t size() const { return size_; }
    const Feature& operator[](std::size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
    /// Moves feature i out; each index is taken once. A chunk all taken is freed at once: taken
    /// in an order close to the reading order (the sort by id), the features are held about
    /// once, not twice, while they move to their final list (2 GB less at 4M junctions).
    Feature take(std::size_t i) {
        const std::size_t c = i / kChunk;
        Feature f = std::move(chunks_[c][i % kChunk]);
        if (++taken_[c] == chunks_[c].size()) std::vector<Feature>().swap(chunks_[c]);
        return f;
    }

  private:
    static constexpr std::size_t kChunk = (std::size_t{64} << 20) / sizeof(Feature) + 1;
    std::vector<std::vector<Feature>> chunks_;
    std::vector<std::size_t> taken_;  // per chunk: features moved out by take()
    std::size_t size_ = 0;
};

// A set's keys as bits (one in 16 or fewer set, keys mixed by Fibonacci hashing, as an
// object key's low bits are its type): "no" for nearly every key without a hash lookup.
class KeyFilter {
  public:
    template <class Keys>
    explicit KeyFilter(const Keys& keys)
        : bits_(std::bit_ceil(std::max<std::size_t>(16 * keys.size(), 1024))),
          shift_(64 - std::countr_zero(bits_.size())) {
        for (const auto& k : keys) bits_[bit(key_of(k))] = true;
    }
    bool maybe(std::uint64_t key) const { return bits_[bit(key)]; }

  private:
    template <class K>
    static std::uint64_t key_of(const K& k) {
        if constexpr (std::is_integral_v<K>) {
            return static_cast<std::uint64_t>(k);
        } else {
            return static_cast<std::uint64_t>(k.first);
        }
    }
    std::size_t bit(std::uint64_t key) const {
        return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_);
    }
    std::vector<bool> bits_;
    int shift_;  // 64 - log2(bits_.size())
};

class Collector : public osmium::handler::Handler {
  public:
    Collector(const OsmReadOptions& options, OsmData& out,
              const std::unordered_set<std::int64_t>& route_ways,
              const std::unordered_map<std::uint64_t, RoleKind>& route_stop_members)
        : options_(options),
          out_(out),
          route_ways_(route_ways),
          route_stop_members_(route_stop_members),
          route_way_filter_(route_ways),
          member_filter_(route_stop_members) {}

    void node(const osmium::Node& n) {
        ++out_.nodes;
        note_time(n.timestamp());
        // A coordinate outside [-180, 180] x [-90, 90] (a broken editor or converter): the
        // node is left out, and a way through it is cut there as at the extract's edge.
        if (n.location().is_defined() && !n.location().valid()) {
            if (absurd_nodes_++ == 0) {
                std::ostringstream where;
                where << "node " << n.id() << " at lon " << n.location().lon_without_check()
                      << ", lat " << n.location().lat_without_check();
                first_absurd_ = where.str();
            }
        }
        if (n.tags().empty() && !route_stop_member(object_key(osmium::item_type::node, n.id())))
            return;
        if (!n.location().valid()) return;
        const LonLat pos = to_lonlat(n.location());
        const ReadTags tags(n.tags());
        if (is_feature(tags)) {
            Feature f;
            f.source = "osm";
            f.id = id_string('n', n.id());
            f.name = display_name(tags);
            f.tags = copy_tags(n.tags());
            f.point = pos;
            features_.push_back(std::move(f));
        }
        add_stop_candidate(osmium::item_type::node, n.id(), tags, pos);
    }

    void way(const osmium::Way& w) {
        ++out_.ways;
        note_time(w.timestamp());
        const auto& nodes = w.nodes();
        // Runs of nodes with known locations (an extract cuts ways at its edge), in storage
        // kept from way to way, reserved at the way's size so that the runs' spans stay valid.
        way_nodes_.clear();
        way_nodes_.reserve(nodes.size());
        runs_.clear();
        std::size_t missing = 0, from = 0;
        auto end_run = [&] {
            if (way_nodes_.size() > from)
                runs_.emplace_back(way_nodes_.data() + from, way_nodes_.size() - from);
            from = way_nodes_.size();
        };
        for (const osmium::NodeRef& r : nodes) {
            if (!r.location().valid()) {
                ++missing;
                end_run();
                continue;
            }
            way_nodes_.push_back({static_cast<std::uint64_t>(r.ref()), to_lonlat(r.location())});
        }
        end_run();
        const std::vector<std::span<const WayNode>>& runs = runs_;

        const ReadTags tags(w.tags());
        const WayTags wt = way_tags(tags);
        if (!wt.highway.empty()) {
            const WayVerdict v = classify_way(wt, options_.profile);
            double length = 0.0;
            if (v.walkable) {
                // Where the extract cut the way: the known node next to a missing one.
                for (std::size_t i = 0; i < nodes.size(); ++i) {
                    if (!nodes[i].location().valid()) continue;
                    const bool gap_before = i > 0 && !nodes[i - 1].location().valid();
                    const bool gap_after = i + 1 < nodes.size() && !nodes[i + 1].location().valid();
                    if (gap_before || gap_after)
                        out_.cut_nodes.push_back(static_cast<std::uint64_t>(nodes[i].ref()));
                }
                if (is_road_highway(wt.highway) && (v.flags & kEdgePrivate) == 0)
                    out_.road_ways.push_back(w.id());
                for (const auto& run : runs) {
                    for (std::size_t i = 1; i < run.size(); ++i)
                        length += haversine_m(run[i - 1].pos, run[i].pos);
                    builder_.add_way(w.id(), run, v.flags);
                }
                out_.basemap.street_classes.emplace_back(w.id(), street_class(wt.highway));
                if (missing > 0) {
                    out_.warnings.push_back(
                        "way " + std::to_string(w.id()) + ": " + std::to_string(missing) + " of " +
                        std::to_string(nodes.size()) +
                        " nodes missing (cut by the extract), walked in pieces");
                }
            }
            out_.profile.add(v, length);
        }
        if (const std::string_view ww = tags["waterway"];
            ww == "river" || ww == "canal" || ww == "stream" || ww == "drain") {
            for (const auto& run : runs) {
                if (run.size() < 2) continue;
                auto& line = out_.basemap.waterways.emplace_back();
                for (const WayNode& n : run) line.push_back(n.pos);
            }
        }
        if (tags["natural"] == "coastline") {
            for (const auto& run : runs) {
                if (run.size() < 2) continue;
                auto& c = out_.basemap.coastlines.emplace_back();
                c.way_id = w.id();
                for (const WayNode& n : run) c.line.push_back(n.pos);
            }
        }
        if (route_way_filter_.maybe(static_cast<std::uint64_t>(w.id())) &&
            route_ways_.count(w.id())) {
            std::vector<LonLat> line;
            for (const auto& run : runs)
                for (const WayNode& n : run) line.push_back(n.pos);
            route_way_lines_.emplace(w.id(), std::move(line));
        }
        if (runs.empty()) return;
        const bool stop_member = route_stop_member(object_key(osmium::item_type::way, w.id()));
        if (tags.empty() && !stop_member) return;
        const LonLat mid = mean_point(runs);
        add_stop_candidate(osmium::item_type::way, w.id(), tags, mid);
        if (is_feature(tags)) {
            Feature f;
            f.source = "osm";
            f.id = id_string('w', w.id());
            f.name = display_name(tags);
            f.tags = copy_tags(w.tags());
            for (const auto& run : runs)
                for (const WayNode& n : run) f.line.push_back(n.pos);
            f.point = f.line[f.line.size() / 2];
            const bool closed = nodes.size() > 3 && nodes.front().ref() == nodes.back().ref();
            if (closed && tags["area"] != "no") {
                f.point = mid;
                pending_closed_.emplace(w.id(), std::move(f));  // an area unless assembly fails
                return;
            }
            features_.push_back(std::move(f));
        }
    }

    void area(const osmium::Area& a) {
        const char type = a.from_way() ? 'w' : 'r';
        const osmium::object_id_type orig = a.orig_id();
        MultiPolygon mp;
        for (const osmium::OuterRing& outer : a.outer_rings()) {
            // Rings at their exact size: a building's five points held in 80 bytes, not in
            // the 128 that growing by doubling leaves (and in one allocation, not four).
            Polygon poly;
            poly.outer.reserve(outer.size());
            for (const osmium::NodeRef& r : outer) poly.outer.push_back(to_lonlat(r.location()));
            for (const osmium::InnerRing& inner : a.inner_rings(outer)) {
                Ring ring;
                ring.reserve(inner.size());
                for (const osmium::NodeRef& r : inner) ring.push_back(to_lonlat(r.location()));
                poly.inners.push_back(std::move(ring));
            }
            mp.push_back(std::move(poly));
        }
        if (mp.empty()) return;
        const ReadTags tags(a.tags());
        if (type == 'r') {
            // A pedestrian square mapped as a multipolygon: walk along its rings.
            const WayTags wt = way_tags(tags);
            if (!wt.highway.empty()) {
                const WayVerdict v = classify_way(wt, options_.profile);
                if (v.walkable) {
                    auto add_ring = [&](const osmium::NodeRefList& ring) {
                        std::vector<WayNode> nodes;
                        double length = 0.0;
                        for (const osmium::NodeRef& r : ring) {
                            nodes.push_back(
                                {static_cast<std::uint64_t>(r.ref()), to_lonlat(r.location())});
                            if (nodes.size() > 1)
                                length +=
                                    haversine_m(nodes[nodes.size() - 2].pos, nodes.back().pos);
                        }
                        builder_.add_way(-orig, nodes, v.flags);
                        out_.profile.add(v, length);
                        out_.basemap.street_classes.emplace_back(-orig, street_class(wt.highway));
                    };
                    for (const osmium::OuterRing& outer : a.outer_rings()) {
                        add_ring(outer);
                        for (const osmium::InnerRing& inner : a.inner_rings(outer)) add_ring(inner);
                    }
                }
            }
        }
        // A closed way's area has the way's tags: its pending feature (id, name, tags) becomes
        // the area's, its line dropped, instead of a second copy of all of them.
        std::optional<Feature> pending;
        if (type == 'w') {
            if (auto node = pending_closed_.extract(orig))
                pending.emplace(std::move(node.mapped()));
        }
        if (const BasemapKind k = basemap_kind(tags); k != BasemapKind::kNone)
            (k == BasemapKind::kWater ? out_.basemap.water : out_.basemap.green).push_back(mp);
        if (!is_feature(tags)) return;
        Feature f;
        if (pending) {
            f = std::move(*pending);
            f.line = {};
        } else {
            f.source = "osm";
            f.id = id_string(type, orig);
            f.name = display_name(tags);
            f.tags = copy_tags(a.tags());
        }
        f.point = centroid(mp);
        f.area = std::move(mp);
        features_.push_back(std::move(f));
    }

    /// Closed ways the assembler could not turn into a polygon: kept as point features.
    void finish_pending() {
        std::vector<std::int64_t> ids;
        for (const auto& [id, f] : pending_closed_) ids.push_back(id);
        std::sort(ids.begin(), ids.end());
        for (std::int64_t id : ids) {
            out_.warnings.push_back("way " + std::to_string(id) +
                                    ": closed way is not a valid polygon, kept as a line");
            features_.push_back(std::move(pending_closed_.at(id)));
        }
        pending_closed_.clear();
    }

    void note_time(const osmium::Timestamp& t) {
        if (t.valid() && t > newest_) newest_ = t;
    }

    GraphBuilder builder_;
    std::vector<StopCandidate> candidates_;
    std::unordered_map<std::uint64_t, std::uint32_t> candidate_of_;  // object_key -> candidate
    std::unordered_map<std::int64_t, std::vector<LonLat>> route_way_lines_;
    std::unordered_map<std::int64_t, Feature> pending_closed_;
    // In reading order; moved once into OsmData::features in their final order (in chunks:
    // no copy of the millions read so far each time a vector would grow).
    FeatureChunks features_;
    osmium::Timestamp newest_;
    std::uint64_t absurd_nodes_ = 0;  ///< nodes with a coordinate outside the globe
    std::string first_absurd_;        ///< the first of them, for the warning

  private:
    static LonLat mean_point(const std::vector<std::span<const WayNode>>& runs) {
        double lon = 0, lat = 0;
        std::size_t n = 0;
        for (const auto& run : runs)
            for (const WayNode& w : run) {
                lon += w.pos.lon;
                lat += w.pos.lat;
                ++n;
            }
        return {lon / static_cast<double>(n), lat / static_cast<double>(n)};
    }

    // Whether a bus route lists the object as a stop or platform.
    bool route_stop_member(std::uint64_t key) const {
        return member_filter_.maybe(key) && route_stop_members_.count(key) > 0;
    }

    void add_stop_candidate(osmium::item_type type, osmium::object_id_type id, const ReadTags& tags,
                            LonLat pos) {
        std::optional<StopKind> kind = stop_kind(tags);
        const std::uint64_t key = object_key(type, id);
        if (!kind) {
            // Listed as a stop or platform by a bus route: a stop whatever its tags say.
            if (!member_filter_.maybe(key)) return;
            auto it = route_stop_members_.find(key);
            if (it == route_stop_members_.end()) return;
            kind =
                it->second == RoleKind::kPlatform ? StopKind::kPlatform : StopKind::kStopPosition;
        }
        candidate_of_.emplace(key, static_cast<std::uint32_t>(candidates_.size()));
        candidates_.push_back({id_string(type == osmium::item_type::node ? 'n' : 'w', id), *kind,
                               display_name(tags), pos});
    }

    const OsmReadOptions& options_;
    OsmData& out_;
    const std::unordered_set<std::int64_t>& route_ways_;
    const std::unordered_map<std::uint64_t, RoleKind>& route_stop_members_;
    KeyFilter route_way_filter_, member_filter_;
    std::vector<WayNode> way_nodes_;              // the way being read: its located nodes
    std::vector<std::span<const WayNode>> runs_;  // and its runs of them
};

// Pass 2 on two threads: the reading thread checks the order, gives each way its node
// locations and assembles areas; the collector takes each buffer after it on a thread of its
// own. A batch is one buffer read, with the area buffers the assembler gave out while its
// items were handled, each after the item whose handling completed it: the collector sees
// exactly the calls, in exactly the order, of one thread handling each item in turn.
struct ReadBatch {
    static constexpr std::size_t kAfterAll = std::numeric_limits<std::size_t>::max();
    osmium::memory::Buffer buffer;
    std::vector<std::pair<std::size_t, osmium::memory::Buffer>> areas;  // (after item, areas)
};

void collect_batch(const ReadBatch& b, Collector& collector) {
    std::size_t next = 0;
    auto areas_after = [&](std::size_t item) {
        for (; next < b.areas.size() && b.areas[next].first == item; ++next)
            for (const osmium::Area& a : b.areas[next].second.select<osmium::Area>())
                collector.area(a);
    };
    std::size_t item = 0;
    if (b.buffer) {  // the last batch has areas only: no buffer to walk
        for (auto it = b.buffer.cbegin(); it != b.buffer.cend(); ++it, ++item) {
            osmium::apply_item(*it, collector);
            areas_after(item);
        }
    }
    areas_after(ReadBatch::kAfterAll);
}

// Batches from the reading thread to the collector's, at most `capacity` waiting (the reader
// waits beyond: memory stays bounded). stop() ends both sides at once (an error on either).
class BatchHandoff {
  public:
    explicit BatchHandoff(std::size_t capacity) : capacity_(capacity) {}
    /// False once stopped: the reader then stops too.
    bool push(ReadBatch&& b) {
        std::unique_lock lock(mutex_);
        room_.wait(lock, [&] { return stopped_ || queue_.size() < capacity_; });
        if (stopped_) return false;
        queue_.push_back(std::move(b));
        ready_.notify_one();
        return true;
    }
    /// The next batch; none once closed and drained, or stopped.
    std::optional<ReadBatch> pop() {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return stopped_ || closed_ || !queue_.empty(); });
        if (stopped_ || queue_.empty()) return std::nullopt;
        ReadBatch b = std::move(queue_.front());
        queue_.pop_front();
        room_.notify_one();
        return b;
    }
    void close() {
        std::lock_guard lock(mutex_);
        closed_ = true;
        ready_.notify_all();
    }
    void stop() {
        std::lock_guard lock(mutex_);
        stopped_ = true;
        queue_.clear();
        ready_.notify_all();
        room_.notify_all();
    }

  private:
    std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable ready_, room_;
    std::deque<ReadBatch> queue_;
    bool closed_ = false, stopped_ = false;
};

/// Overpass writes its data date as <meta osm_base="..."/> near the top of an XML file.
std::string overpass_osm_base(const std::filesystem::path& file) {
    const std::string name = file.filename().string();
    if (name.size() < 4 || name.substr(name.size() - 4) != ".osm") return {};
    std::ifstream in(file, std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(in.gcount()));
    const auto p = head.find("osm_base=\"");
    if (p == std::string::npos) return {};
    const auto q = head.find('"', p + 10);
    if (q == std::string::npos || q - (p + 10) > 32) return {};
    return head.substr(p + 10, q - (p + 10));
}

void merge_stops(const std::vector<StopCandidate>& cand,
                 const std::vector<std::vector<std::uint32_t>>& stop_areas, double merge_m,
                 OsmData& out, std::vector<StopId>& stop_of_candidate) {
    const std::size_t n = cand.size();
    // Each stop_position joins at most one platform: first the nearest platform of a
    // stop_area it belongs to, else the nearest platform with the same name within merge_m.
    std::vector<std::uint32_t> joins(n, kInvalidId);
    std::vector<double> best(n, 1e300);
    for (const auto& area : stop_areas) {
        for (std::uint32_t s : area) {
            if (cand[s].kind != StopKind::kStopPosition) continue;
            for (std::uint32_t p : area) {
                if (cand[p].kind != StopKind::kPlatform) continue;
                const double d = haversine_m(cand[s].pos, cand[p].pos);
                if (d < best[s] && d <= 100.0) {
                    best[s] = d;
                    joins[s] = p;
                }
            }
        }
    }
    const double lat_window = merge_m / 111000.0 * 1.01;
    std::vector<std::uint32_t> by_lat(n);
    for (std::uint32_t i = 0; i < n; ++i) by_lat[i] = i;
    std::sort(by_lat.begin(), by_lat.end(), [&](std::uint32_t a, std::uint32_t b) {
        return cand[a].pos.lat < cand[b].pos.lat || (cand[a].pos.lat == cand[b].pos.lat && a < b);
    });
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint32_t s = by_lat[i];
        if (cand[s].kind != StopKind::kStopPosition || joins[s] != kInvalidId ||
            cand[s].name.empty())
            continue;
        for (int dir = -1; dir <= 1; dir += 2) {
            for (std::ptrdiff_t j = static_cast<std::ptrdiff_t>(i) + dir;
                 j >= 0 && j < static_cast<std::ptrdiff_t>(n); j += dir) {
                const std::uint32_t p = by_lat[static_cast<std::size_t>(j)];
                if (std::abs(cand[p].pos.lat - cand[s].pos.lat) > lat_window) break;
                if (cand[p].kind != StopKind::kPlatform || cand[p].name != cand[s].name) continue;
                const double d = haversine_m(cand[s].pos, cand[p].pos);
                if (d <= merge_m && (d < best[s] || (d == best[s] && p < joins[s]))) {
                    best[s] = d;
                    joins[s] = p;
                }
            }
        }
    }
    // One stop per platform or unjoined stop_position, in candidate order.
    stop_of_candidate.assign(n, kInvalidId);
    for (std::uint32_t c = 0; c < n; ++c) {
        if (joins[c] != kInvalidId) continue;
        stop_of_candidate[c] = static_cast<StopId>(out.stops.size());
        out.stops.push_back({cand[c].id, cand[c].name, cand[c].pos, {}});
    }
    for (std::uint32_t c = 0; c < n; ++c) {
        if (joins[c] == kInvalidId) continue;
        const StopId s = stop_of_candidate[joins[c]];
        stop_of_candidate[c] = s;
        out.stops[s].merged_ids.push_back(cand[c].id);
        if (out.stops[s].name.empty()) out.stops[s].name = cand[c].name;
    }
    out.stop_objects = n;
    out.stop_merges = n - out.stops.size();
}

std::string get_tag(const TagMap& tags, const std::string& key) {
    auto it = tags.find(key);
    return it == tags.end() ? std::string{} : it->second;
}

OsmData read_osm_impl(const std::filesystem::path& path, const OsmReadOptions& options) {
    OsmData out;
    const osmium::io::File file{path.string()};

    // --- Pass 1: relations ---
    osmium::TagsFilter area_filter{false};
    for (const char* key : {"amenity", "shop", "leisure", "healthcare", "social_facility", "office",
                            "public_transport", "building"}) {
        area_filter.add_rule(true, osmium::TagMatcher{key});
    }
    area_filter.add_rule(true, osmium::TagMatcher{"railway", "station"});
    area_filter.add_rule(true, osmium::TagMatcher{"landuse", "residential"});
    area_filter.add_rule(true, osmium::TagMatcher{"boundary", "administrative"});
    // Water areas, which a new footpath must not cross.
    area_filter.add_rule(true, osmium::TagMatcher{"natural", "water"});
    area_filter.add_rule(true, osmium::TagMatcher{"waterway", "riverbank"});
    // Pedestrian squares mapped as multipolygons (walked along their rings).
    area_filter.add_rule(true, osmium::TagMatcher{"highway", "pedestrian"});
    area_filter.add_rule(true, osmium::TagMatcher{"highway", "footway"});
    // Basemap areas for maps (water, green space).
    for (const char* key : {"natural", "landuse", "waterway"})
        area_filter.add_rule(true, osmium::TagMatcher{key});
    osmium::area::Assembler::config_type assembler_config;
    osmium::area::MultipolygonManager<osmium::area::Assembler> mp_manager{assembler_config,
                                                                          area_filter};

    std::vector<RouteRelation> routes;
    std::vector<std::vector<std::pair<osmium::item_type, osmium::object_id_type>>>
        stop_area_members;
    std::unordered_map<osmium::object_id_type, osmium::object_id_type> master_of;
    std::unordered_set<std::int64_t> route_ways;
    std::unordered_map<std::uint64_t, RoleKind> route_stop_members;
    osmium::Timestamp newest;
    std::string replication;
    {
        osmium::io::Reader reader{file, osmium::osm_entity_bits::relation};
        replication = reader.header().get("osmosis_replication_timestamp");
        if (const osmium::Box box = reader.header().joined_boxes(); box.valid()) {
            out.basemap.extract_box =
                std::array<LonLat, 2>{LonLat{box.bottom_left().lon(), box.bottom_left().lat()},
                                      LonLat{box.top_right().lon(), box.top_right().lat()}};
        }
        while (osmium::memory::Buffer buffer = reader.read()) {
            for (const osmium::Relation& rel : buffer.select<osmium::Relation>()) {
                ++out.relations;
                if (rel.timestamp().valid() && rel.timestamp() > newest) newest = rel.timestamp();
                mp_manager.relation(rel);
                const std::string_view type = tag(rel.tags(), "type");
                const std::string_view route = tag(rel.tags(), "route");
                if (type == "route" && (route == "bus" || route == "trolleybus")) {
                    RouteRelation r{rel.id(), copy_tags(rel.tags()), {}};
                    for (const osmium::RelationMember& m : rel.members()) {
                        r.members.push_back({m.type(), m.ref(), m.role()});
                        const RoleKind rk = role_kind(m.role());
                        if (rk != RoleKind::kOther) {
                            route_stop_members.emplace(object_key(m.type(), m.ref()), rk);
                        } else if (m.type() == osmium::item_type::way) {
                            route_ways.insert(m.ref());
                        }
                    }
                    routes.push_back(std::move(r));
                } else if (type == "route_master") {
                    for (const osmium::RelationMember& m : rel.members()) {
                        if (m.type() == osmium::item_type::relation)
                            master_of.emplace(m.ref(), rel.id());
                    }
                }
                if (tag(rel.tags(), "public_transport") == "stop_area") {
                    auto& members = stop_area_members.emplace_back();
                    for (const osmium::RelationMember& m : rel.members())
                        members.emplace_back(m.type(), m.ref());
                }
            }
        }
        reader.close();
    }
    mp_manager.prepare_for_lookup();

    // --- Pass 2: nodes and ways ---
    LocationIndex index;
    LocationHandler locations{index};
    locations.ignore_errors();
    Collector collector{options, out, route_ways, route_stop_members};
    {
        osmium::io::Reader reader{file,
                                  osmium::osm_entity_bits::node | osmium::osm_entity_bits::way};
        // Ways before their nodes would lose their locations silently: an unsorted file is
        // detected here (out_of_order_error) and sorted in memory by read_osm.
        osmium::handler::CheckOrder order;
        ReadBatch batch;
        std::size_t item = 0;  // the item being handled, where an area batch goes
        auto mp = mp_manager.handler(
            [&](osmium::memory::Buffer&& b) { batch.areas.emplace_back(item, std::move(b)); });
        // The collector on a thread of its own (on this one when only one may run).
        const bool beside = tbb::this_task_arena::max_concurrency() > 1;
        BatchHandoff handoff(8);
        std::exception_ptr collector_error;
        std::thread collecting;
        if (beside) {
            collecting = std::thread([&] {
                try {
                    while (const std::optional<ReadBatch> b = handoff.pop())
                        collect_batch(*b, collector);
                } catch (...) {
                    collector_error = std::current_exception();
                    handoff.stop();
                }
            });
        }
        struct Join {  // on every way out: an error here stops the collector
            BatchHandoff& h;
            std::thread& t;
            ~Join() {
                if (!t.joinable()) return;
                h.stop();
                t.join();
            }
        } join{handoff, collecting};
        auto deliver = [&] {
            if (!beside) {
                collect_batch(batch, collector);
            } else if (!handoff.push(std::move(batch))) {
                return false;
            }
            batch = ReadBatch{};
            return true;
        };
        bool going = true;
        while (going) {
            osmium::memory::Buffer buffer = reader.read();
            if (!buffer) break;
            item = 0;
            for (auto it = buffer.begin(); it != buffer.end(); ++it, ++item)
                osmium::apply_item(*it, order, locations, mp);
            batch.buffer = std::move(buffer);
            going = deliver();
        }
        if (going) {
            item = ReadBatch::kAfterAll;  // what the assembler still holds: after every item
            mp.flush();
            deliver();
        }
        reader.close();
        if (beside) {
            handoff.close();
            collecting.join();
        }
        if (collector_error) std::rethrow_exception(collector_error);
    }
    // The assembler's last areas went out with the last batch (mp.flush() above): its callback
    // refers to that batch, gone now, and is not called again.
    collector.finish_pending();
    if (collector.absurd_nodes_ > 0) {
        out.warnings.push_back(
            std::to_string(collector.absurd_nodes_) +
            (collector.absurd_nodes_ == 1 ? " node has" : " nodes have") +
            " a coordinate outside [-180, 180] x [-90, 90] (first: " + collector.first_absurd_ +
            "); they are left out and the ways through them are cut there: fix them in JOSM, "
            "or cut the extract again from a sound source");
    }
    if (collector.newest_.valid() && collector.newest_ > newest) newest = collector.newest_;

    if (out.profile.walkable_ways == 0 || collector.builder_.num_ways() == 0) {
        throw InputError(
            path.string(),
            "no walkable way in the extract (" + std::to_string(out.ways) + " ways read)",
            "cut an extract that covers the streets of the area (highway=* ways), e.g. with "
            "`osmium extract -b LON1,LAT1,LON2,LAT2`");
    }
    // The graph is built beside the stops, routes and the features' order, which need none
    // of it (half a second each at a million junctions).
    auto graph =
        std::async(beside_launch(), [&collector] { return std::move(collector.builder_).build(); });
    std::sort(out.basemap.street_classes.begin(), out.basemap.street_classes.end());

    // --- Bus stops ---
    std::vector<std::vector<std::uint32_t>> stop_areas;
    for (const auto& members : stop_area_members) {
        std::vector<std::uint32_t> c;
        for (const auto& [type, ref] : members) {
            if (auto it = collector.candidate_of_.find(object_key(type, ref));
                it != collector.candidate_of_.end())
                c.push_back(it->second);
        }
        if (c.size() > 1) stop_areas.push_back(std::move(c));
    }
    std::vector<StopId> stop_of_candidate;
    merge_stops(collector.candidates_, stop_areas, options.stop_merge_metres, out,
                stop_of_candidate);

    // --- Bus routes ---
    std::sort(routes.begin(), routes.end(),
              [](const auto& a, const auto& b) { return a.id < b.id; });
    for (const RouteRelation& rel : routes) {
        OsmBusRoute r;
        r.id = id_string('r', rel.id);
        r.route = get_tag(rel.tags, "route");
        r.ref = get_tag(rel.tags, "ref");
        r.name = get_tag(rel.tags, "name:zh");
        if (r.name.empty()) r.name = get_tag(rel.tags, "name");
        r.from = get_tag(rel.tags, "from");
        r.to = get_tag(rel.tags, "to");
        if (auto it = master_of.find(rel.id); it != master_of.end())
            r.route_master = id_string('r', it->second);
        const std::string label = "route " + r.id + (r.ref.empty() ? "" : " (ref " + r.ref + ")");
        bool interval_ok = true;
        r.interval_minutes = parse_interval_minutes(get_tag(rel.tags, "interval"), &interval_ok);
        if (!interval_ok)
            r.warnings.push_back(label + ": interval=" + get_tag(rel.tags, "interval") +
                                 " not understood");
        std::size_t missing_stops = 0, missing_ways = 0, total_ways = 0;
        for (const Member& m : rel.members) {
            const RoleKind rk = role_kind(m.role);
            if (m.type == osmium::item_type::relation) continue;
            const std::uint64_t key = object_key(m.type, m.ref);
            if (rk != RoleKind::kOther ||
                (m.type == osmium::item_type::node && collector.candidate_of_.count(key))) {
                auto it = collector.candidate_of_.find(key);
                if (it == collector.candidate_of_.end()) {
                    ++missing_stops;
                    continue;
                }
                const StopId s = stop_of_candidate[it->second];
                if (r.stops.empty() || r.stops.back() != s) r.stops.push_back(s);
            } else if (m.type == osmium::item_type::way) {
                ++total_ways;
                auto it = collector.route_way_lines_.find(m.ref);
                if (it == collector.route_way_lines_.end() || it->second.size() < 2) {
                    ++missing_ways;
                    continue;
                }
                r.ways.push_back(it->second);
            }
        }
        if (missing_stops > 0)
            r.warnings.push_back(label + ": " + std::to_string(missing_stops) +
                                 " stop members missing from the extract (cut at its edge?)");
        if (missing_ways > 0)
            r.warnings.push_back(label + ": " + std::to_string(missing_ways) + " of " +
                                 std::to_string(total_ways) +
                                 " member ways missing from the extract (cut at its edge?)");
        if (r.stops.empty()) r.warnings.push_back(label + ": no stops");
        for (const std::string& w : r.warnings) out.warnings.push_back(w);
        out.routes.push_back(std::move(r));
    }

    // --- Features in a stable order: nodes, ways, relations, each by id ---
    // The key is computed once per feature and the features moved once (sorting the Feature
    // objects themselves, re-parsing ids in every comparison, cost 6 % of `lc15 coverage`).
    {
        struct Rank {
            int type;
            long long id;
            std::size_t index;  // ties keep the input order, as a stable sort would
            bool operator<(const Rank& o) const {
                return std::tie(type, id, index) < std::tie(o.type, o.id, o.index);
            }
        };
        FeatureChunks& read = collector.features_;
        std::vector<Rank> order;
        order.reserve(read.size());
        for (std::size_t i = 0; i < read.size(); ++i) {
            const auto [type, number] = osm_id_order(read[i].id);
            order.push_back({type, number, i});
        }
        tbb::parallel_sort(order.begin(), order.end());  // a total order: the serial result
        out.features.clear();
        out.features.reserve(order.size());
        for (const Rank& r : order) out.features.push_back(read.take(r.index));
        read = FeatureChunks{};
    }

    out.graph = graph.get();
    std::sort(out.cut_nodes.begin(), out.cut_nodes.end());
    out.cut_nodes.erase(std::unique(out.cut_nodes.begin(), out.cut_nodes.end()),
                        out.cut_nodes.end());
    std::sort(out.road_ways.begin(), out.road_ways.end());
    out.road_ways.erase(std::unique(out.road_ways.begin(), out.road_ways.end()),
                        out.road_ways.end());

    if (!replication.empty()) {
        out.timestamp = replication;
    } else if (newest.valid()) {
        out.timestamp = newest.to_iso();
    } else {
        out.timestamp = overpass_osm_base(path);
    }
    return out;
}

}  // namespace

namespace fs = std::filesystem;

namespace {

// Memory the kernel says a process can still take (MemAvailable), in bytes; 0 if unknown.
std::uint64_t available_memory() {
    std::ifstream f("/proc/meminfo");
    std::string key;
    std::uint64_t kb = 0;
    std::string unit;
    while (f >> key >> kb >> unit) {
        if (key == "MemAvailable:") return kb * 1024;
    }
    return 0;
}

// An extract not sorted by type and id (what Overpass and JOSM export), sorted in memory into
// a temporary PBF (libosmium's object pointer collection, as `osmium sort` does). Returns false
// when the file would not fit in memory: about 12x a PBF's size, 2x an XML file's, against
// half the memory available.
bool sort_in_memory(const fs::path& file, const fs::path& sorted) {
    std::error_code ec;
    const std::uint64_t size = fs::file_size(file, ec);
    const std::string ext = file.extension().string();
    const std::uint64_t need = size * (ext == ".pbf" ? 12 : 2);
    const std::uint64_t avail = available_memory();
    if (ec || (avail > 0 && need > avail / 2)) return false;
    osmium::io::Reader reader{file.string()};
    osmium::io::Header header = reader.header();
    std::vector<osmium::memory::Buffer> buffers;
    osmium::ObjectPointerCollection objects;
    while (osmium::memory::Buffer buffer = reader.read()) {
        osmium::apply(buffer, objects);
        buffers.push_back(std::move(buffer));
    }
    reader.close();
    objects.sort(osmium::object_order_type_id_version());
    osmium::io::Writer writer{osmium::io::File{sorted.string(), "pbf"}, header,
                              osmium::io::overwrite::allow};
    std::copy(objects.begin(), objects.end(), osmium::io::make_output_iterator(writer));
    writer.close();
    return true;
}

}  // namespace

StreetClass street_class(std::string_view h) {
    for (std::string_view v :
         {"motorway", "trunk", "primary", "motorway_link", "trunk_link", "primary_link"})
        if (h == v) return StreetClass::kMajor;
    for (std::string_view v : {"secondary", "tertiary", "secondary_link", "tertiary_link"})
        if (h == v) return StreetClass::kMinor;
    for (std::string_view v :
         {"footway", "path", "pedestrian", "steps", "cycleway", "track", "bridleway", "corridor"})
        if (h == v) return StreetClass::kPath;
    return StreetClass::kLocal;
}

StreetClass OsmBasemap::class_of(std::int64_t way_id) const {
    auto it = std::lower_bound(street_classes.begin(), street_classes.end(),
                               std::pair<std::int64_t, StreetClass>{way_id, StreetClass::kMajor});
    return it != street_classes.end() && it->first == way_id ? it->second : StreetClass::kLocal;
}

std::pair<int, long long> osm_id_order(std::string_view id) {
    if (id.empty()) return {3, 0};
    const int type = id[0] == 'n' ? 0 : (id[0] == 'w' ? 1 : 2);
    long long number = 0;
    std::from_chars(id.data() + 1, id.data() + id.size(), number);
    return {type, number};
}

const Feature* find_osm_feature(const std::vector<Feature>& features, std::string_view id) {
    const auto key = osm_id_order(id);
    auto it = std::lower_bound(features.begin(), features.end(), key,
                               [](const Feature& f, const std::pair<int, long long>& k) {
                                   return osm_id_order(f.id) < k;
                               });
    return it != features.end() && it->id == id ? &*it : nullptr;
}

OsmData read_osm(const std::filesystem::path& file, const OsmReadOptions& options) {
    require_readable(file, "OSM extract");
    const std::string where = file.string();
    const std::string damaged =
        "the file is damaged, truncated or not OSM data: check it with `osmium fileinfo -e " +
        where + "` and download or export it again";
    try {
        return read_osm_impl(file, options);
    } catch (const InputError&) {
        throw;
    } catch (const osmium::out_of_order_error& e) {
        const fs::path sorted =
            fs::temp_directory_path() / ("lc15-sorted-" + std::to_string(::getpid()) + ".osm.pbf");
        bool fits = false;
        try {
            fits = sort_in_memory(file, sorted);
        } catch (const std::exception&) {
            fits = false;  // reported below with the fix
        }
        if (fits) {
            struct Remove {
                fs::path p;
                ~Remove() {
                    std::error_code ec;
                    fs::remove(p, ec);
                }
            } remove{sorted};
            OsmData d = [&] {
                try {
                    return read_osm_impl(sorted, options);
                } catch (const osmium::out_of_order_error& twice) {
                    throw InputError(where,
                                     std::string("objects are out of order even when sorted (") +
                                         twice.what() + ")",
                                     "give a plain extract, not a history or change file");
                } catch (const InputError&) {
                    throw;
                } catch (const std::exception& other) {
                    throw InputError(where, std::string("cannot read as OSM: ") + other.what(),
                                     damaged);
                }
            }();
            d.warnings.insert(d.warnings.begin(),
                              where + ": objects were not sorted by type and id (" + e.what() +
                                  "); sorted in memory. `osmium sort " + where +
                                  " -o sorted.osm.pbf` makes the next run faster");
            return d;
        }
        throw InputError(where,
                         std::string("objects are not sorted by type and id (") + e.what() +
                             ") and the file is too large to sort in memory",
                         "sort it with `osmium sort " + where + " -o sorted.osm.pbf`");
    } catch (const osmium::pbf_error& e) {
        throw InputError(where, std::string("cannot read as OSM PBF: ") + e.what(), damaged);
    } catch (const osmium::xml_error& e) {
        throw InputError(where + ":" + std::to_string(e.line) + ":" + std::to_string(e.column),
                         std::string("cannot read as OSM XML: ") + e.what(), damaged);
    } catch (const osmium::io_error& e) {
        throw InputError(where, std::string("cannot read as OSM: ") + e.what(), damaged);
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const std::exception& e) {
        throw InputError(where, std::string("cannot read as OSM: ") + e.what(), damaged);
    }
}

}  // namespace lc15::io
