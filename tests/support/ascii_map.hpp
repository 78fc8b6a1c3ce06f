// Test support — small walking networks drawn in ASCII, written as real .osm XML files and read
// back through io::read_osm (the real pipeline, no shortcuts).
//
//   AsciiMap m(R"(
//       a---b---c
//           |
//       1   d===e
//   )", 100.0);                                 // one character cell = 100 m, both directions
//   m.tag_way("de", {{"access", "private"}});  // extra tags for the way through d-e
//   m.tag_node('1', {{"amenity", "school"}});   // digits are POI nodes, not on the network
//   io::OsmData d = m.read();                   // writes a temp .osm file, reads it, removes it
//
// Drawing rules:
//   - letters (a-z, A-Z) are network nodes; digits (0-9) are stand-alone POI nodes;
//   - '-' (horizontal) and '|' (vertical) are highway=footway, '=' (either direction) is
//     highway=steps, '#' (either direction) is highway=residential;
//   - a straight run of the same character through several letters is ONE way (so a letter in
//     its middle is a junction only if another way touches it); a change of character, a bend
//     or a gap starts a new way;
//   - node (row r, column c) lies c*grid metres east and r*grid metres south of the origin
//     (122.23E, 40.66N, Yingkou), rounded to 7 decimals as OSM stores it.
// Node ids: 1000 + order of appearance (row-major); way ids 1, 2, ... (horizontal runs first);
// relation ids 1, 2, ... in the order added. Every object has timestamp 2024-05-01T00:00:00Z.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/geo.hpp"
#include "io/osm_reader.hpp"

namespace lc15::test {

using Tags = std::map<std::string, std::string>;

struct AsciiMember {
    char type;        ///< 'n' (a letter or digit), 'w' (a way named by two of its letters), 'r'
    std::string ref;  ///< "b" / "1" for nodes, "de" for ways; "!123" is the raw id 123 (for
                      ///< relations, or to refer to an object missing from the file)
    std::string role;
};

class AsciiMap {
  public:
    explicit AsciiMap(std::string_view drawing, double grid_m = 100.0,
                      LonLat origin = {122.23, 40.66});

    /// Adds or overrides tags of the way containing the consecutive letters way[0], way[1];
    /// an empty value removes the tag (e.g. {"highway", ""} for a bare multipolygon member).
    void tag_way(std::string_view way, const Tags& tags);
    /// Adds tags to a node (letter or digit).
    void tag_node(char node, const Tags& tags);
    /// Adds a relation; returns its id.
    std::int64_t add_relation(const Tags& tags, const std::vector<AsciiMember>& members);

    LonLat pos(char node) const;
    std::int64_t node_id(char node) const;
    std::int64_t way_id(std::string_view way) const;
    std::size_t num_ways() const { return ways_.size(); }

    /// The .osm XML text.
    std::string xml() const;
    /// Writes the XML to `file`.
    void write(const std::filesystem::path& file) const;
    /// Writes to a temporary file, reads it with io::read_osm, removes the file.
    io::OsmData read(const io::OsmReadOptions& options = {}) const;

  private:
    struct Node {
        char name;
        int row, col;
        std::int64_t id;
        LonLat pos;
        Tags tags;
    };
    struct Way {
        std::int64_t id;
        std::string letters;
        Tags tags;
    };
    struct Relation {
        std::int64_t id;
        Tags tags;
        std::vector<AsciiMember> members;
    };
    const Node& node(char c) const;
    std::size_t way_index(std::string_view way) const;

    std::vector<Node> nodes_;
    std::vector<Way> ways_;
    std::vector<Relation> relations_;
};

/// A fresh empty folder under the system temp folder, removed by the destructor.
class TempDir {
  public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

}  // namespace lc15::test
