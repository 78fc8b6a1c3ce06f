// lc15 io — a feature read from any source (OSM or a planner's file), before classification.
//
// Coordinates are already WGS84 here: every reader converts from the file's declared
// coordinate system (GCJ-02, BD-09, EPSG:…) at the io boundary.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/polygon.hpp"

namespace lc15::io {

struct Feature {
    std::string source;  ///< "osm" or the file's path
    std::string id;      ///< OSM "n123" / "w45" / "r6"; a file's id field or "line 12" / "fid 3"
    std::string name;    ///< name:zh, else name (OSM); the name field (files); may be empty
    std::map<std::string, std::string> tags;  ///< OSM tags, or a file's attributes as text
    LonLat point;              ///< the node, or a representative point (centroid) of an area
    MultiPolygon area;         ///< empty for point features
    std::vector<LonLat> line;  ///< for linear features (a way that is not an area)
    bool is_area() const { return !area.empty(); }
};

}  // namespace lc15::io
