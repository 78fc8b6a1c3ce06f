#include "engine/components.hpp"

#include <algorithm>
#include <numeric>

namespace lc15 {

Components connected_components(const WalkGraph& g, std::uint8_t forbidden_flags) {
    const std::uint32_t n = g.num_vertices();
    std::vector<std::uint32_t> raw(n, kInvalidId);
    std::vector<std::uint32_t> raw_size;
    std::vector<VertexId> stack;
    for (VertexId s = 0; s < n; ++s) {
        if (raw[s] != kInvalidId) continue;
        const auto id = static_cast<std::uint32_t>(raw_size.size());
        raw_size.push_back(0);
        raw[s] = id;
        stack.push_back(s);
        while (!stack.empty()) {
            const VertexId v = stack.back();
            stack.pop_back();
            ++raw_size[id];
            for (ArcId a = g.first_out(v); a < g.first_out(v + 1); ++a) {
                if (g.arc_flags(a) & forbidden_flags) continue;
                const VertexId w = g.head(a);
                if (raw[w] == kInvalidId) {
                    raw[w] = id;
                    stack.push_back(w);
                }
            }
        }
    }
    // Renumber by decreasing size; raw ids already follow smallest vertex first.
    std::vector<std::uint32_t> order(raw_size.size());
    std::iota(order.begin(), order.end(), 0u);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return raw_size[a] > raw_size[b]; });
    std::vector<std::uint32_t> rank(order.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) rank[order[i]] = i;
    Components c;
    c.component.resize(n);
    c.size.resize(order.size());
    c.length_m.assign(order.size(), 0.0);
    for (VertexId v = 0; v < n; ++v) c.component[v] = rank[raw[v]];
    for (std::uint32_t i = 0; i < order.size(); ++i) c.size[i] = raw_size[order[i]];
    for (EdgeId e = 0; e < g.num_edges(); ++e) {
        if (g.edge_flags(e) & forbidden_flags) continue;
        c.length_m[c.component[g.edge_tail(e)]] += cm_to_metres(g.edge_length(e));
    }
    return c;
}

}  // namespace lc15
