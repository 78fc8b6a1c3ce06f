#include "io/graph_export.hpp"

#include <cinttypes>
#include <cstdio>
#include <fstream>

#include "engine/error.hpp"
#include "io/files.hpp"

namespace lc15::io {
namespace {

/// Centimetres as metres with exactly two decimals, computed in integers (no rounding drift).
void append_metres(std::string& s, Distance cm) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%" PRIu32 ".%02" PRIu32, cm / 100, cm % 100);
    s += buf;
}

}  // namespace

std::string vertices_csv(const WalkGraph& g) {
    std::string s = "id,lon,lat,key\n";
    s.reserve(s.size() + std::size_t{g.num_vertices()} * 48);
    char buf[96];
    for (VertexId v = 0; v < g.num_vertices(); ++v) {
        const LonLat p = g.coord(v);
        std::snprintf(buf, sizeof buf, "%" PRIu32 ",%.7f,%.7f,%" PRIu64 "\n", v, p.lon, p.lat,
                      g.vertex_key(v));
        s += buf;
    }
    return s;
}

std::string edges_csv(const WalkGraph& g) {
    std::string s = "id,source,target,length_m,flags,source_id\n";
    s.reserve(s.size() + std::size_t{g.num_edges()} * 48);
    char buf[96];
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        std::snprintf(buf, sizeof buf, "%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",", e, g.edge_tail(e),
                      g.edge_head(e));
        s += buf;
        append_metres(s, g.edge_length(e));
        std::snprintf(buf, sizeof buf, ",%u,%" PRId64 "\n", unsigned{g.edge_flags(e)},
                      g.edge_source_id(e));
        s += buf;
    }
    return s;
}

std::string edge_wkt(const WalkGraph& g, EdgeId e) {
    std::string s = "LINESTRING(";
    char buf[64];
    bool first = true;
    for (const LonLat& p : g.edge_shape(e)) {
        std::snprintf(buf, sizeof buf, "%s%.7f %.7f", first ? "" : ",", p.lon, p.lat);
        s += buf;
        first = false;
    }
    return s + ")";
}

std::string edge_shapes_csv(const WalkGraph& g) {
    std::string s = "id,geometry\n";
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        s += std::to_string(e) + ",\"" + edge_wkt(g, e) + "\"\n";
    }
    return s;
}

void write_graph_csv(const WalkGraph& g, const std::filesystem::path& dir) {
    OutputDir out(dir);
    write_text(out.stage("vertices.csv"), vertices_csv(g));
    write_text(out.stage("edges.csv"), edges_csv(g));
    write_text(out.stage("edge_shapes.csv"), edge_shapes_csv(g));
    out.commit();
}

void write_graph_graphml(const WalkGraph& g, const std::filesystem::path& file) {
    std::string s =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
        "  <key id=\"lon\" for=\"node\" attr.name=\"lon\" attr.type=\"double\"/>\n"
        "  <key id=\"lat\" for=\"node\" attr.name=\"lat\" attr.type=\"double\"/>\n"
        "  <key id=\"osm_node\" for=\"node\" attr.name=\"osm_node\" attr.type=\"long\"/>\n"
        "  <key id=\"length_m\" for=\"edge\" attr.name=\"length_m\" attr.type=\"double\"/>\n"
        "  <key id=\"flags\" for=\"edge\" attr.name=\"flags\" attr.type=\"int\"/>\n"
        "  <key id=\"osm_way\" for=\"edge\" attr.name=\"osm_way\" attr.type=\"long\"/>\n"
        "  <key id=\"geometry\" for=\"edge\" attr.name=\"geometry\" attr.type=\"string\"/>\n"
        "  <graph id=\"walk\" edgedefault=\"undirected\">\n";
    char buf[256];
    for (VertexId v = 0; v < g.num_vertices(); ++v) {
        const LonLat p = g.coord(v);
        std::snprintf(buf, sizeof buf,
                      "    <node id=\"n%" PRIu32
                      "\"><data key=\"lon\">%.7f</data><data key=\"lat\">%.7f</data>"
                      "<data key=\"osm_node\">%" PRIu64 "</data></node>\n",
                      v, p.lon, p.lat, g.vertex_key(v));
        s += buf;
    }
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        std::snprintf(buf, sizeof buf,
                      "    <edge id=\"e%" PRIu32 "\" source=\"n%" PRIu32 "\" target=\"n%" PRIu32
                      "\"><data key=\"length_m\">",
                      e, g.edge_tail(e), g.edge_head(e));
        s += buf;
        append_metres(s, g.edge_length(e));
        std::snprintf(buf, sizeof buf,
                      "</data><data key=\"flags\">%u</data><data key=\"osm_way\">%" PRId64
                      "</data><data key=\"geometry\">",
                      unsigned{g.edge_flags(e)}, g.edge_source_id(e));
        s += buf;
        s += edge_wkt(g, e) + "</data></edge>\n";
    }
    s += "  </graph>\n</graphml>\n";
    write_file_atomic(file, s);
}

}  // namespace lc15::io
