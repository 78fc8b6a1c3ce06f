// lc15 io — census scaling: any population source scaled to given totals per community
// (sub-district, 街道, or a planner's community), with the scale factor of each reported.
//
//   CensusSource src{...};                                  // [population.census]
//   std::vector<CensusFigure> figs = read_census(src);      // name/code + population per row
//   CensusMatch m = match_census(figs, communities, src);   // which row belongs to which community
//   ScaleResult s = scale_to_totals(homes, given);          // homes' residents × given/estimate
//
// The census file is a CSV (UTF-8, with or without BOM; RFC 4180 quoting) with a header: a
// name column, optionally a code column (matched to community ids, e.g. an adcode), and a
// population column; `only` keeps the rows whose columns hold the given values (e.g.
// level = "street" in data/yingkou/yingkou_population_facts.csv). A row matches a community
// whose id equals its code, else whose name equals the row's name or its last space-separated
// word ("站前区 跃进街道" matches 跃进街道). Two rows for one community is bad input; a row
// matching no community is warned about. Every population passes io::check_number (0..1e8).
//
// Scaling (the figure wins over the estimate, like a community layer's population field): the
// homes of a community with a given total are multiplied by total / estimate (the sum of their
// estimated residents), so that they sum to the total; with an estimate of 0 the total is spread
// evenly over them. A community with a total but no home at all is listed in `unhoused`
// (reported by the caller, kept in the outputs with its figure). Homes outside every community
// and communities without a total are left as they are.
//
// Cost: O(rows + communities) reading and matching, O(homes) scaling. Pure and reentrant.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/places.hpp"

namespace lc15::io {

/// [population.census].
struct CensusSource {
    std::filesystem::path path;
    std::string name_field = "name";
    std::string code_field;  ///< "" = match on names only
    std::string population_field = "population";
    std::vector<std::pair<std::string, std::string>> only;  ///< column = value filters
    std::string where;                                      ///< "city.toml:50:1"
};

struct CensusFigure {
    std::string name, code;
    double population = 0;
    int line = 0;  ///< 1-based, header = 1
};

/// Reads the rows kept by `only`. InputError naming the file and line for a missing column, a
/// population that is not a number in [0, 1e8], or a file with no row kept.
std::vector<CensusFigure> read_census(const CensusSource& source);

struct CensusMatch {
    std::vector<std::optional<std::size_t>> figure_of;  ///< per community: a row of `figures`
    std::vector<std::size_t> unmatched;                 ///< rows matching no community
};

/// `communities`: (id, name) per community.
CensusMatch match_census(const std::vector<CensusFigure>& figures,
                         const std::vector<std::pair<std::string, std::string>>& communities,
                         const CensusSource& source);

struct ScaleResult {
    std::vector<double> estimate;  ///< per community: residents before scaling
    std::vector<double> factor;    ///< total / estimate; NaN without a total or estimate
    std::vector<CommunityId> unhoused;
};

/// Scales homes (community already assigned) to `given` totals per community (see above).
ScaleResult scale_to_totals(std::vector<HomePoint>& homes,
                            const std::vector<std::optional<double>>& given);

}  // namespace lc15::io
