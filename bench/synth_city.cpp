// lc15 bench — lc15_synth_city: writes a synthetic Chinese city of any size as a real OSM PBF.
//
//   lc15_synth_city --junctions 100k --seed 42 -o synth_100k.osm.pbf [--toml synth_100k.toml]
//
// What for: the scaling benchmark (bench/scale_run) needs cities of 10k, 100k, 1M and 4M
// street junctions that exercise every stage of `lc15 coverage` the way a real extract does
// (the PBF reader, area assembly, compounds and gates, bus routes, building population) with
// no download. Sizes accept k/M suffixes; the junction count is met to within a few percent.
//
// The city (all lengths in metres, placed near Yingkou at 122.20 E, 40.60 N):
//  * a fine grid of 100 m cells; every 5th line is an arterial (highway=primary or secondary,
//    one way per 500 m side), so the arterials enclose 500 m superblocks;
//  * about 55 % of superblocks are gated compounds (小区): a closed way 10 m inside the
//    arterials tagged landuse=residential + barrier=wall, private service lanes (access=private)
//    on the inner 4 x 4 lines, and two gates (barrier=gate nodes on the wall) where a lane meets
//    an arterial; every other lane end stops at the wall;
//  * the rest are open blocks: residential streets on the inner lines (about 8 % of segments
//    missing: dead ends), a landuse=residential area, diagonal footways across 20 % of cells,
//    of which a tenth are steps; one superblock in 12 is a park (leisure=park area, no homes);
//  * a river (waterway=river + a natural=water area) crosses the city between two grid rows;
//    only the arterials cross it, on bridges (bridge=yes, layer=1);
//  * two residential buildings per cell outside parks and the river (building=residential,
//    building:levels 3..20, 30 m x 12 m), i.e. about two homes per junction; at 35 m² of floor
//    per resident that is ~25,700 residents per km² of residential land (the 480 m x 480 m
//    landuse areas), the density of a Chinese city's housing districts;
//  * facilities of every category in configs/rules/gb50180_2018.toml, as nodes with the tags and
//    names those rules match, at densities per superblock (25 ha) listed in kFacilities below
//    (e.g. a kindergarten per superblock, a middle school per 2 km^2, one railway station);
//  * a bus stop (highway=bus_stop) at the middle of every arterial side, and one bus route
//    relation (type=route, route=bus, interval) along every second arterial line, with its
//    stops (role stop) and ways (role "") in riding order;
//  * sub-districts (街道): boundary=administrative, admin_level=8 relations over 6 x 6
//    superblocks (3 km x 3 km), one closed outer way each.
//
// Every random choice is a hash of (seed, element, purpose) through splitmix64, so the three
// passes (nodes, ways, relations: the order PBF readers expect, ids ascending) recompute the
// same city without storing it, and the same seed gives the same bytes with any standard
// library. Cost: O(cells) time, O(one route) memory; about 10 nodes per junction in the file.
#include <osmium/builder/attr.hpp>
#include <osmium/io/any_output.hpp>
#include <osmium/io/header.hpp>
#include <osmium/io/writer.hpp>
#include <osmium/memory/buffer.hpp>
#include <osmium/osm/box.hpp>

#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace {

using osmium::builder::attr::_id;
using osmium::builder::attr::_location;
using osmium::builder::attr::_members;
using osmium::builder::attr::_nodes;
using osmium::builder::attr::_tags;
using osmium::builder::attr::_version;
using Tags = std::vector<std::pair<std::string, std::string>>;
using Ids = std::vector<osmium::object_id_type>;
using Member = osmium::builder::attr::member_type;

constexpr double kCell = 100.0;  // m between grid lines
constexpr int kSb = 5;           // cells per superblock side
constexpr int kDistrictSb = 6;   // superblocks per sub-district side
constexpr double kLon0 = 122.20, kLat0 = 40.60;

std::uint64_t splitmix(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

/// A facility kind: tags, a name stem, and how many per superblock (may be < 1).
struct FacilityKind {
    Tags tags;
    const char* name;
    double per_superblock;
};

// Densities per 25 ha superblock, roughly those of a Chinese central city planned to GB 50180.
const std::vector<FacilityKind> kFacilities = {
    {{{"amenity", "school"}, {"isced:level", "2"}}, "初级中学", 1.0 / 8},
    {{{"amenity", "school"}, {"isced:level", "1"}}, "小学", 1.0 / 4},
    {{{"leisure", "sports_centre"}}, "体育中心", 1.0 / 16},
    {{{"amenity", "hospital"}}, "社区医院", 1.0 / 8},
    {{{"amenity", "arts_centre"}}, "文化活动中心", 1.0 / 8},
    {{{"office", "government"}}, "街道办事处", 1.0 / 16},
    {{{"amenity", "social_facility"}, {"social_facility", "nursing_home"}}, "养老院", 1.0 / 8},
    {{{"amenity", "marketplace"}}, "菜市场", 1.0 / 2},
    {{{"shop", "supermarket"}}, "超市", 1.0 / 2},
    {{{"amenity", "kindergarten"}}, "幼儿园", 1.0},
    {{{"amenity", "childcare"}}, "托育中心", 1.0 / 2},
    {{{"amenity", "social_facility"},
      {"social_facility", "day_care"},
      {"social_facility:for", "senior"}},
     "日间照料中心",
     1.0 / 2},
    {{{"amenity", "doctors"}}, "社区卫生服务站", 1.0},
    {{{"amenity", "community_centre"}}, "社区服务站", 1.0},
    {{{"leisure", "pitch"}}, "运动场", 1.0},
    {{{"leisure", "fitness_station"}}, "健身点", 2.0},
    {{{"leisure", "playground"}}, "儿童游乐场", 1.0},
    {{{"shop", "convenience"}}, "便利店", 2.0},
    {{{"amenity", "pharmacy"}}, "药店", 1.0},
};

class City {
  public:
    City(long long junctions, std::uint64_t seed) : seed_(seed) {
        // ~side^2 grid nodes plus a few gates; side - 1 a multiple of the superblock.
        const int sb =
            std::max(2, static_cast<int>(std::lround(std::sqrt(double(junctions)) / kSb)));
        nsb_ = sb;
        side_ = sb * kSb + 1;
        river_row_ = (sb / 3) * kSb + 2;  // between grid rows river_row_ and river_row_ + 1
        nd_ = (nsb_ + kDistrictSb - 1) / kDistrictSb;
        // Node id ranges, in the order they are written.
        grid0_ = 1;
        corner0_ = grid0_ + std::int64_t(side_) * side_;  // 4 per superblock (wall/landuse)
        gate0_ = corner0_ + 4LL * nsb_ * nsb_;            // 2 per superblock
        bld0_ = gate0_ + 2LL * nsb_ * nsb_;               // 4 per building, 2 per cell
        const std::int64_t cells = std::int64_t(side_ - 1) * (side_ - 1);
        fac0_ = bld0_ + 8 * cells;
        std::int64_t nfac = 0;
        for (std::size_t k = 0; k < kFacilities.size(); ++k)
            for (int s = 0; s < nsb_ * nsb_; ++s) nfac += facility_count(k, s);
        nfac_ = nfac + 1;              // + the railway station
        river0_ = fac0_ + nfac_;       // side_ river nodes + 4 water corners
        dist0_ = river0_ + side_ + 4;  // (nd_ + 1)^2 district corners
    }

    std::int64_t grid_nodes() const { return std::int64_t(side_) * side_; }
    double extent_km() const { return (side_ - 1) * kCell / 1000.0; }

    void write(osmium::io::Writer& out) {
        write_nodes(out);
        write_ways(out);
        write_relations(out);
    }

    void write_toml(const std::string& path, const std::string& pbf_name) const {
        std::ofstream t(path);
        t << "# lc15 city config for a synthetic city written by lc15_synth_city "
             "(bench/synth_city.cpp):\n"
          << "# " << side_ << " x " << side_ << " grid junctions, " << extent_km()
          << " km square.\n\n"
          << "[city]\nname = \"Synthetic city " << grid_nodes() << " junctions\"\n"
          << "osm = \"" << pbf_name << "\"\nrules = \"" << LC15_SOURCE_DIR
          << "/configs/rules/gb50180_2018.toml\"\n\n"
          << "[network]\nprivate_compounds = \"walkable\"\nmax_snap_m = 300\naccess_legs = true\n"
          << "profile = \"adult\"\n\n[osm_facilities]\nenabled = true\ndedupe_m = 50\n\n"
          << "[bus_stops]\nosm = true\n\n[bus]\nspeed_kmh = 18\ndefault_headway_min = 12\n"
          << "categories = [\"middle_school\", \"health_centre\", \"large_sports\"]\nbudget_min = "
             "30\n\n"
          << "[communities]\nsource = \"osm_admin\"\nadmin_level = 8\n\n"
          << "[population]\nsource = \"buildings\"\nfloor_area_per_person_m2 = 35\ndefault_levels "
             "= 6\n\n"
          << "[targets]\nshare = 1.0\n";
    }

  private:
    // --- geometry and hashing ---
    osmium::Location loc(double x, double y) const {
        const double lat = kLat0 + y / 111320.0;
        const double lon = kLon0 + x / (111320.0 * std::cos(kLat0 * M_PI / 180.0));
        return {std::round(lon * 1e7) / 1e7, std::round(lat * 1e7) / 1e7};
    }
    double u01(std::uint64_t a, std::uint64_t b, std::uint64_t purpose) const {
        const std::uint64_t h = splitmix(splitmix(splitmix(seed_ ^ purpose) ^ a) ^ b);
        return double(h >> 11) * (1.0 / 9007199254740992.0);
    }
    int sb_index(int bi, int bj) const { return bj * nsb_ + bi; }
    bool river_sb(int bj) const { return bj == river_row_ / kSb; }
    bool park(int bi, int bj) const { return !river_sb(bj) && u01(bi, bj, 1) < 1.0 / 12; }
    bool compound(int bi, int bj) const {
        return !river_sb(bj) && !park(bi, bj) && u01(bi, bj, 2) < 0.6;
    }
    int facility_count(std::size_t k, int s) const {
        const double d = kFacilities[k].per_superblock;
        const int whole = static_cast<int>(d);
        return whole + (u01(k, s, 3) < d - whole ? 1 : 0);
    }
    std::int64_t grid_id(int i, int j) const { return grid0_ + std::int64_t(j) * side_ + i; }
    double gx(int i, int j) const {
        // Inner nodes jitter a few metres so edge lengths differ; arterials stay straight.
        if (i % kSb == 0 || j % kSb == 0) return i * kCell;
        return i * kCell + (u01(i, j, 4) - 0.5) * 8.0;
    }
    double gy(int i, int j) const {
        if (i % kSb == 0 || j % kSb == 0) return j * kCell;
        return j * kCell + (u01(i, j, 5) - 0.5) * 8.0;
    }
    // Gates of compound (bi, bj): on the south wall at inner column 2 and on the west wall at
    // inner row 3.
    std::int64_t gate_id(int s, int k) const { return gate0_ + 2LL * s + k; }
    std::int64_t corner_id(int s, int k) const { return corner0_ + 4LL * s + k; }

    void flush(osmium::io::Writer& out, bool force = false) {
        if (force || buffer_.committed() > 16 * 1024 * 1024) {
            out(std::move(buffer_));
            buffer_ =
                osmium::memory::Buffer{32 * 1024 * 1024, osmium::memory::Buffer::auto_grow::yes};
        }
    }
    void node(osmium::io::Writer& out, std::int64_t id, double x, double y, const Tags& tags = {}) {
        osmium::builder::add_node(buffer_, _id(id), _version(1), _location(loc(x, y)), _tags(tags));
        flush(out);
    }
    void way(osmium::io::Writer& out, const Ids& nodes, const Tags& tags) {
        osmium::builder::add_way(buffer_, _id(next_way_++), _version(1), _nodes(nodes),
                                 _tags(tags));
        flush(out);
    }

    // --- pass 1: nodes ---
    void write_nodes(osmium::io::Writer& out) {
        for (int j = 0; j < side_; ++j)
            for (int i = 0; i < side_; ++i) {
                Tags t;
                const bool arterial_side_mid =
                    (j % kSb == 0 && i % kSb == 2) || (i % kSb == 0 && j % kSb == 2);
                if (arterial_side_mid) t = {{"highway", "bus_stop"}, {"name", stop_name(i, j)}};
                node(out, grid_id(i, j), gx(i, j), gy(i, j), t);
            }
        for (int bj = 0; bj < nsb_; ++bj)
            for (int bi = 0; bi < nsb_; ++bi) {
                const double x0 = bi * kSb * kCell + 10, y0 = bj * kSb * kCell + 10,
                             w = kSb * kCell - 20;
                const int s = sb_index(bi, bj);
                node(out, corner_id(s, 0), x0, y0);
                node(out, corner_id(s, 1), x0 + w, y0);
                node(out, corner_id(s, 2), x0 + w, y0 + w);
                node(out, corner_id(s, 3), x0, y0 + w);
            }
        for (int bj = 0; bj < nsb_; ++bj)  // gates after all corners: ids ascending
            for (int bi = 0; bi < nsb_; ++bi) {
                const double x0 = bi * kSb * kCell + 10, y0 = bj * kSb * kCell + 10;
                const int s = sb_index(bi, bj);
                const Tags gate = {{"barrier", "gate"}};
                node(out, gate_id(s, 0), bi * kSb * kCell + 2 * kCell, y0,
                     compound(bi, bj) ? gate : Tags{});
                node(out, gate_id(s, 1), x0, bj * kSb * kCell + 3 * kCell,
                     compound(bi, bj) ? gate : Tags{});
            }
        for (int j = 0; j + 1 < side_; ++j)
            for (int i = 0; i + 1 < side_; ++i) {
                const std::int64_t b = bld0_ + 8 * (std::int64_t(j) * (side_ - 1) + i);
                const double cx = i * kCell, cy = j * kCell;
                for (int k = 0; k < 2; ++k) {
                    const double x0 = cx + 25 + 20 * k, y0 = cy + 20 + 40 * k;
                    node(out, b + 4 * k + 0, x0, y0);
                    node(out, b + 4 * k + 1, x0 + 30, y0);
                    node(out, b + 4 * k + 2, x0 + 30, y0 + 12);
                    node(out, b + 4 * k + 3, x0, y0 + 12);
                }
            }
        std::int64_t f = fac0_;
        for (std::size_t k = 0; k < kFacilities.size(); ++k)
            for (int s = 0; s < nsb_ * nsb_; ++s)
                for (int c = 0, n = facility_count(k, s); c < n; ++c) {
                    const int bi = s % nsb_, bj = s / nsb_;
                    const double x = (bi * kSb + 0.5 + 4 * u01(f, 0, 6)) * kCell;
                    const double y =
                        (bj * kSb + 0.5 + 4 * u01(f, 0, 7)) * kCell + (river_sb(bj) ? 0 : 0);
                    Tags t = kFacilities[k].tags;
                    t.emplace_back("name",
                                   "第" + std::to_string(f - fac0_ + 1) + kFacilities[k].name);
                    node(out, f++, x + 8, y + 8, t);
                }
        node(out, f++, (side_ / 2) * kCell + 30, (side_ / 2) * kCell + 30,
             {{"railway", "station"}, {"name", "营口站"}});
        const double ry = (river_row_ + 0.5) * kCell;
        for (int i = 0; i < side_; ++i) node(out, river0_ + i, i * kCell, ry);
        node(out, river0_ + side_ + 0, 0, ry - 30);
        node(out, river0_ + side_ + 1, (side_ - 1) * kCell, ry - 30);
        node(out, river0_ + side_ + 2, (side_ - 1) * kCell, ry + 30);
        node(out, river0_ + side_ + 3, 0, ry + 30);
        for (int dj = 0; dj <= nd_; ++dj)
            for (int di = 0; di <= nd_; ++di)
                node(out, dist0_ + std::int64_t(dj) * (nd_ + 1) + di,
                     std::min(di * kDistrictSb, nsb_) * kSb * kCell - 1.0,
                     std::min(dj * kDistrictSb, nsb_) * kSb * kCell - 1.0);
        flush(out, true);
    }
    std::string stop_name(int i, int j) const {
        return "站" + std::to_string(i) + "-" + std::to_string(j);
    }

    // --- pass 2: ways ---
    // Arterial way ids are remembered per line so that route relations can list them.
    void write_ways(osmium::io::Writer& out) {
        // Arterials: horizontal lines j % 5 == 0, then vertical i % 5 == 0, one way per side;
        // the vertical side crossing the river is split around a bridge.
        h_ways_.assign(nsb_ + 1, {});
        v_ways_.assign(nsb_ + 1, {});
        for (int a = 0; a <= nsb_; ++a) {
            const int j = a * kSb;
            const Tags t = {{"highway", a % 2 == 0 ? "primary" : "secondary"},
                            {"name", "横" + std::to_string(a) + "路"}};
            for (int b = 0; b < nsb_; ++b) {
                Ids n;
                for (int i = b * kSb; i <= (b + 1) * kSb; ++i) n.push_back(grid_id(i, j));
                h_ways_[a].push_back(next_way_);
                way(out, n, t);
            }
        }
        for (int a = 0; a <= nsb_; ++a) {
            const int i = a * kSb;
            const Tags t = {{"highway", a % 2 == 0 ? "primary" : "secondary"},
                            {"name", "纵" + std::to_string(a) + "路"}};
            Tags bridge = t;
            bridge.emplace_back("bridge", "yes");
            bridge.emplace_back("layer", "1");
            for (int b = 0; b < nsb_; ++b) {
                const int j0 = b * kSb, j1 = (b + 1) * kSb;
                if (river_row_ > j0 && river_row_ < j1) {
                    Ids n1, n2{grid_id(i, river_row_), grid_id(i, river_row_ + 1)}, n3;
                    for (int j = j0; j <= river_row_; ++j) n1.push_back(grid_id(i, j));
                    for (int j = river_row_ + 1; j <= j1; ++j) n3.push_back(grid_id(i, j));
                    for (const auto& [n, tg] :
                         {std::pair{n1, t}, std::pair{n2, bridge}, std::pair{n3, t}}) {
                        v_ways_[a].push_back(next_way_);
                        way(out, n, tg);
                    }
                } else {
                    Ids n;
                    for (int j = j0; j <= j1; ++j) n.push_back(grid_id(i, j));
                    v_ways_[a].push_back(next_way_);
                    way(out, n, t);
                }
            }
        }
        for (int bj = 0; bj < nsb_; ++bj)
            for (int bi = 0; bi < nsb_; ++bi) superblock_ways(out, bi, bj);
        for (int j = 0; j + 1 < side_; ++j)
            for (int i = 0; i + 1 < side_; ++i) {
                const int bi = i / kSb, bj = j / kSb;
                if (park(bi, bj) || j == river_row_) continue;
                const std::int64_t b = bld0_ + 8 * (std::int64_t(j) * (side_ - 1) + i);
                for (int k = 0; k < 2; ++k) {
                    const int levels = 3 + static_cast<int>(18 * u01(i, j * 2 + k, 8));
                    way(out, {b + 4 * k, b + 4 * k + 1, b + 4 * k + 2, b + 4 * k + 3, b + 4 * k},
                        {{"building", "residential"}, {"building:levels", std::to_string(levels)}});
                }
            }
        Ids river;
        for (int i = 0; i < side_; ++i) river.push_back(river0_ + i);
        way(out, river, {{"waterway", "river"}, {"name", "大辽河"}});
        const std::int64_t w = river0_ + side_;
        way(out, {w, w + 1, w + 2, w + 3, w}, {{"natural", "water"}, {"water", "river"}});
        district_ways0_ = next_way_;
        for (int dj = 0; dj < nd_; ++dj)
            for (int di = 0; di < nd_; ++di) {
                auto c = [&](int x, int y) { return dist0_ + std::int64_t(y) * (nd_ + 1) + x; };
                way(out, {c(di, dj), c(di + 1, dj), c(di + 1, dj + 1), c(di, dj + 1), c(di, dj)},
                    {{"boundary", "administrative"}});
            }
        flush(out, true);
    }

    void superblock_ways(osmium::io::Writer& out, int bi, int bj) {
        const int s = sb_index(bi, bj);
        const int i0 = bi * kSb, j0 = bj * kSb;
        const Ids ring = {corner_id(s, 0), corner_id(s, 1), corner_id(s, 2), corner_id(s, 3),
                          corner_id(s, 0)};
        if (park(bi, bj)) {
            way(out, ring, {{"leisure", "park"}, {"name", "公园" + std::to_string(s)}});
        } else if (compound(bi, bj)) {
            // The wall passes through both gates: south side via gate 0, west side via gate 1.
            way(out,
                {corner_id(s, 0), gate_id(s, 0), corner_id(s, 1), corner_id(s, 2), corner_id(s, 3),
                 gate_id(s, 1), corner_id(s, 0)},
                {{"landuse", "residential"},
                 {"barrier", "wall"},
                 {"name", "小区" + std::to_string(s)}});
        } else {
            way(out, ring, {{"landuse", "residential"}});
        }
        const bool gated = compound(bi, bj);
        const Tags lane = gated ? Tags{{"highway", "service"}, {"access", "private"}}
                                : Tags{{"highway", "residential"}};
        // Inner lines: rows j0+1..j0+4 (east-west) and columns i0+1..i0+4 (north-south).
        for (int r = 1; r < kSb; ++r) {
            const int j = j0 + r;
            for (int i = i0; i < i0 + kSb; ++i) {
                const bool end_seg = (i == i0 || i == i0 + kSb - 1);
                if (gated && end_seg) {
                    // West end: the gate on row 3, else the lane stops short of the wall.
                    if (i == i0 && r == 3) {
                        way(out, {grid_id(i, j), gate_id(s, 1)}, {{"highway", "service"}});
                        way(out, {gate_id(s, 1), grid_id(i + 1, j)}, lane);
                    }
                    continue;
                }
                if (!gated && u01(i, j, 9) < 0.08) continue;
                way(out, {grid_id(i, j), grid_id(i + 1, j)}, lane);
            }
        }
        for (int c = 1; c < kSb; ++c) {
            const int i = i0 + c;
            for (int j = j0; j < j0 + kSb; ++j) {
                if (j == river_row_) continue;  // only the arterials bridge the river
                const bool end_seg = (j == j0 || j == j0 + kSb - 1);
                if (gated && end_seg) {
                    if (j == j0 && c == 2) {
                        way(out, {grid_id(i, j), gate_id(s, 0)}, {{"highway", "service"}});
                        way(out, {gate_id(s, 0), grid_id(i, j + 1)}, lane);
                    }
                    continue;
                }
                if (!gated && u01(i, j, 10) < 0.08) continue;
                way(out, {grid_id(i, j), grid_id(i, j + 1)}, lane);
            }
        }
        if (!gated && !park(bi, bj))
            for (int j = j0; j < j0 + kSb; ++j)
                for (int i = i0; i < i0 + kSb; ++i) {
                    if (j == river_row_ || u01(i, j, 11) >= 0.2) continue;
                    const bool steps = u01(i, j, 12) < 0.1;
                    way(out, {grid_id(i, j), grid_id(i + 1, j + 1)},
                        {{"highway", steps ? "steps" : "footway"}});
                }
    }

    // --- pass 3: relations ---
    void write_relations(osmium::io::Writer& out) {
        std::int64_t rid = 1;
        auto route = [&](const std::vector<std::int64_t>& ways,
                         const std::vector<std::int64_t>& stops, const std::string& ref) {
            std::vector<Member> m;
            for (std::int64_t s : stops) m.emplace_back(osmium::item_type::node, s, "stop");
            for (std::int64_t w : ways) m.emplace_back(osmium::item_type::way, w, "");
            const Tags t = {{"type", "route"},
                            {"route", "bus"},
                            {"ref", ref},
                            {"name", ref + "路"},
                            {"interval", u01(rid, 0, 13) < 0.5 ? "00:08" : "00:15"}};
            osmium::builder::add_relation(buffer_, _id(rid++), _version(1), _members(m), _tags(t));
            flush(out);
        };
        for (int a = 0; a <= nsb_; a += 2) {
            std::vector<std::int64_t> stops;
            for (int b = 0; b < nsb_; ++b) stops.push_back(grid_id(b * kSb + 2, a * kSb));
            route(h_ways_[a], stops, std::to_string(100 + a));
        }
        for (int a = 0; a <= nsb_; a += 2) {
            std::vector<std::int64_t> stops;
            for (int b = 0; b < nsb_; ++b) stops.push_back(grid_id(a * kSb, b * kSb + 2));
            route(v_ways_[a], stops, std::to_string(500 + a));
        }
        for (int d = 0; d < nd_ * nd_; ++d) {
            const std::vector<Member> m = {
                Member{osmium::item_type::way, district_ways0_ + d, "outer"}};
            const Tags t = {{"type", "boundary"},
                            {"boundary", "administrative"},
                            {"admin_level", "8"},
                            {"name", "第" + std::to_string(d + 1) + "街道"}};
            osmium::builder::add_relation(buffer_, _id(rid++), _version(1), _members(m), _tags(t));
            flush(out);
        }
        flush(out, true);
    }

    std::uint64_t seed_;
    int nsb_, side_, river_row_, nd_;
    std::int64_t grid0_, corner0_, gate0_, bld0_, fac0_, nfac_, river0_, dist0_;
    std::int64_t next_way_ = 1, district_ways0_ = 0;
    std::vector<std::vector<std::int64_t>> h_ways_, v_ways_;
    osmium::memory::Buffer buffer_{32 * 1024 * 1024, osmium::memory::Buffer::auto_grow::yes};
};

long long parse_size(const std::string& s) {
    std::size_t pos = 0;
    const double v = std::stod(s, &pos);
    const std::string suf = s.substr(pos);
    const double mul = suf.empty()                ? 1
                       : suf == "k" || suf == "K" ? 1e3
                       : suf == "M" || suf == "m" ? 1e6
                                                  : -1;
    if (mul < 0 || !(v > 0) || v * mul > 1e8) throw std::invalid_argument("bad size " + s);
    return static_cast<long long>(v * mul);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Writes a synthetic Chinese city (OSM PBF) for lc15's scaling benchmark"};
    std::string size = "10k", output, toml;
    std::uint64_t seed = 42;
    app.add_option("--junctions", size, "street junctions, e.g. 10k, 100k, 1M, 4M")
        ->capture_default_str();
    app.add_option("--seed", seed, "random seed")->capture_default_str();
    app.add_option("-o,--output", output, "output .osm.pbf")->required();
    app.add_option("--toml", toml, "also write a city config for the file");
    CLI11_PARSE(app, argc, argv);
    try {
        City city(parse_size(size), seed);
        osmium::io::Header header;
        header.set("generator", "lc15_synth_city");
        osmium::io::Writer writer{output, header, osmium::io::overwrite::allow};
        city.write(writer);
        writer.close();
        if (!toml.empty()) {
            const std::size_t slash = output.find_last_of('/');
            city.write_toml(toml, slash == std::string::npos ? output : output.substr(slash + 1));
        }
        std::cerr << "lc15_synth_city: " << city.grid_nodes() << " grid junctions, "
                  << city.extent_km() << " km square -> " << output << "\n";
    } catch (const std::exception& e) {
        std::cerr << "lc15_synth_city: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
