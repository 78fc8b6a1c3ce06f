// lc15 engine — connected components of the walking graph.
//
//   Components c = connected_components(graph);
//   c.component[v]; c.size[c.component[v]]; c.largest;
//
// Components are numbered by decreasing size (ties: smallest vertex id first), so component 0
// is the main network. Cost O(V + E). Pure function.
#pragma once

#include <vector>

#include "engine/graph.hpp"

namespace lc15 {

struct Components {
    std::vector<std::uint32_t> component;  ///< per vertex
    std::vector<std::uint32_t> size;       ///< vertices per component, decreasing
    std::vector<double> length_m;          ///< street length per component (each edge once)
    std::uint32_t count() const { return static_cast<std::uint32_t>(size.size()); }
};

Components connected_components(const WalkGraph& g, std::uint8_t forbidden_flags = 0);

}  // namespace lc15
