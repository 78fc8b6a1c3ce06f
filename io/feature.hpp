// lc15 io — a feature read from any source (OSM or a planner's file), before classification.
//
// Coordinates are already WGS84 here: every reader converts from the file's declared
// coordinate system (GCJ-02, BD-09, EPSG:…) at the io boundary.
#pragma once

#include <algorithm>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/polygon.hpp"

namespace lc15::io {

/// A feature's tags: key → value, sorted by key, each key once — std::map's interface for
/// what lc15 asks of tags (find, count, at, [], emplace, iteration in key order), held in one
/// sorted array. A building's two tags take one allocation of 128 bytes instead of a tree of
/// two nodes (about 270 bytes in three allocations), which is most of what a city's features
/// hold once read. Lookups are binary searches over the few tags of one object.
class TagMap {
  public:
    using value_type = std::pair<std::string, std::string>;
    using const_iterator = std::vector<value_type>::const_iterator;
    using iterator = std::vector<value_type>::iterator;

    TagMap() = default;
    TagMap(std::initializer_list<value_type> tags) {
        for (const auto& t : tags) emplace(t.first, t.second);
    }
    TagMap(const std::map<std::string, std::string>& tags) : tags_(tags.begin(), tags.end()) {}

    const_iterator begin() const { return tags_.begin(); }
    const_iterator end() const { return tags_.end(); }
    iterator begin() { return tags_.begin(); }
    iterator end() { return tags_.end(); }
    bool empty() const { return tags_.empty(); }
    std::size_t size() const { return tags_.size(); }
    void reserve(std::size_t n) { tags_.reserve(n); }

    const_iterator find(std::string_view key) const {
        auto it = lower(key);
        return it != tags_.end() && it->first == key ? it : tags_.end();
    }
    std::size_t count(std::string_view key) const { return find(key) != end() ? 1 : 0; }
    const std::string& at(std::string_view key) const {
        auto it = find(key);
        if (it == end()) throw std::out_of_range("TagMap::at: no tag '" + std::string(key) + "'");
        return it->second;
    }
    /// Inserts (key, value) unless the key is there already (like std::map::emplace).
    std::pair<iterator, bool> emplace(std::string_view key, std::string_view value) {
        auto it = tags_.begin() + (lower(key) - tags_.cbegin());
        if (it != tags_.end() && it->first == key) return {it, false};
        return {tags_.emplace(it, std::string(key), std::string(value)), true};
    }
    std::string& operator[](std::string_view key) { return emplace(key, {}).first->second; }
    friend bool operator==(const TagMap&, const TagMap&) = default;

  private:
    const_iterator lower(std::string_view key) const {
        return std::lower_bound(
            tags_.begin(), tags_.end(), key,
            [](const value_type& t, std::string_view k) { return t.first < k; });
    }
    std::vector<value_type> tags_;
};

struct Feature {
    std::string source;  ///< "osm" or the file's path
    std::string id;      ///< OSM "n123" / "w45" / "r6"; a file's id field or "line 12" / "fid 3"
    std::string name;    ///< name:zh, else name (OSM); the name field (files); may be empty
    TagMap tags;         ///< OSM tags, or a file's attributes as text
    LonLat point;        ///< the node, or a representative point (centroid) of an area
    MultiPolygon area;   ///< empty for point features
    std::vector<LonLat> line;  ///< for linear features (a way that is not an area)
    bool is_area() const { return !area.empty(); }
};

}  // namespace lc15::io
