// lc15 history — what the nightly run and `lc15 history` write: warnings.csv (UTF-8 with BOM
// for Excel), warnings.json, a Prometheus textfile, the trend as CSV and as an SVG chart, and
// an offline report page (one self-contained HTML file with inline SVG sparklines: no script,
// no network, opens from file://).
//
//   std::string csv = warnings_csv(comparison);
//   io::write_file_atomic(metrics_path, prometheus_text(runs_written, comparison, ok, secs));
//   std::string svg = trend_svg(history.trend({.community = "翠华社区"}), "翠华社区");
//   std::string html = report_html(now, history.trend({.profile = now.profile}), comparison);
//
// Same inputs, same bytes (no clocks inside; times come from the runs). Cost: linear in the
// rows. Thread safety: pure.
#pragma once

#include <string>
#include <vector>

#include "history/history.hpp"
#include "history/warnings.hpp"

namespace lc15::history {

std::string warnings_csv(const std::vector<Warning>& warnings);
/// `runs`: the runs this night stored (or skipped as duplicates), with their comparisons.
struct NightResult {
    RunSnapshot run;  ///< figures of tonight
    Comparison comparison;
    bool stored = false;  ///< false: same inputs as run `duplicate_of`, not stored again
    std::int64_t duplicate_of = 0;
};
std::string warnings_json(const std::vector<NightResult>& night);
/// Prometheus text exposition (no timestamps: the collector takes the file's mtime).
std::string prometheus_text(const std::vector<NightResult>& night, bool success, double seconds,
                            const std::string& finished_at);

std::string trend_csv(const std::vector<TrendPoint>& points);
/// One line per (profile, community, category) series, share 0–100 % over run time.
std::string trend_svg(const std::vector<TrendPoint>& points, const std::string& title);
/// The offline page: tonight's warnings, then per community a row per category with its
/// share tonight, the change since the run before and an inline SVG sparkline of its trend.
/// `trend`: community trend points of every community (History::trend_all).
std::string report_html(const NightResult& night, const std::vector<TrendPoint>& trend);

std::string runs_csv(const std::vector<RunSummary>& runs);

}  // namespace lc15::history
