#include "io/network_figures.hpp"

#include <algorithm>

namespace lc15::io {

NetworkInputs NetworkFigures::inputs(const WalkGraph& g) const {
    NetworkInputs in;
    in.graph = &g;
    in.road_edge = road_edge;
    in.cut_vertices = cut_vertices;
    in.bounds = bounds;
    return in;
}

NetworkFigures network_inputs(const City& city) {
    const WalkGraph& g = city.osm.graph;
    NetworkFigures f;
    f.road_edge.assign(g.num_edges(), 0);
    const auto& roads = city.osm.road_ways;
    for (EdgeId e = 0; e < g.num_edges(); ++e)
        f.road_edge[e] = std::binary_search(roads.begin(), roads.end(), g.edge_source_id(e));
    const auto& cut = city.osm.cut_nodes;
    for (VertexId v = 0; v < g.num_vertices(); ++v)
        if (std::binary_search(cut.begin(), cut.end(), g.vertex_key(v)))
            f.cut_vertices.push_back(v);
    if (city.config.bbox) {
        f.bounds = *city.config.bbox;
    } else if (g.num_vertices() > 0) {
        f.bounds = {180, 90, -180, -90};
        for (VertexId v = 0; v < g.num_vertices(); ++v) {
            const LonLat p = g.coord(v);
            f.bounds = {std::min(f.bounds[0], p.lon), std::min(f.bounds[1], p.lat),
                        std::max(f.bounds[2], p.lon), std::max(f.bounds[3], p.lat)};
        }
    }
    return f;
}

NetworkFigures network_figures(const City& city) {
    NetworkFigures f = network_inputs(city);
    std::vector<MultiPolygon> areas;
    areas.reserve(city.communities.size());
    for (const CommunityRecord& c : city.communities) areas.push_back(c.area);
    f.report = network_metrics(f.inputs(city.osm.graph), areas);
    return f;
}

}  // namespace lc15::io
