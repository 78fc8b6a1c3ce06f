// Scenarios made in a test: edits numbered in order, each placed at "t.toml (edit N)" as a
// scenario file would place it, and a name for every point.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "scenarios/scenario.hpp"

namespace lc15::test {

inline scenarios::Scenario scenario(std::string name, std::vector<scenarios::Edit> edits) {
    scenarios::Scenario s;
    s.name = std::move(name);
    for (std::size_t i = 0; i < edits.size(); ++i) {
        edits[i].index = i + 1;
        edits[i].where = "t.toml (edit " + std::to_string(i + 1) + ")";
        if (edits[i].point_names.size() < edits[i].points.size())
            edits[i].point_names.resize(edits[i].points.size());
    }
    s.edits = std::move(edits);
    return s;
}

}  // namespace lc15::test
