// lc15 io — writing a coverage run: GeoPackage for QGIS, CSV for Excel, JSON for machines.
//
//   OutputDir out(dir);
//   write_coverage_outputs(out, city, model, report, run);   // stages every file
//   out.commit();                                            // all appear together
//
// Files (README.md, "Outputs"): coverage.gpkg (layers communities, homes, facilities, stops),
// communities.csv (one row per community, UTF-8 with BOM), community_categories.csv (one row
// per community and category), city_summary.csv, summary.json (inputs with hashes, OSM
// timestamp, config hash, program version, timings, city figures), warnings.txt.
#pragma once

#include <string>
#include <vector>

#include "engine/coverage.hpp"
#include "io/city.hpp"
#include "io/files.hpp"

namespace lc15::io {

struct RunInfo {
    std::string command;                                  ///< the command line, for the record
    std::vector<std::pair<std::string, double>> timings;  ///< further steps (seconds)
};

void write_coverage_outputs(OutputDir& out, const City& city, const CoverageModel& model,
                            const CoverageReport& report, const RunInfo& run);

/// The JSON summary alone (also used by other commands).
std::string coverage_summary_json(const City& city, const CoverageModel& model,
                                  const CoverageReport& report, const RunInfo& run);

}  // namespace lc15::io
