// lc15 history — comparing tonight's run with the last one and with the plan's targets: the
// early warnings of the nightly run (docs/NIGHTLY.md lists every kind).
//
//   Comparison c = compare_runs(before ? &*before : nullptr, now, config.plan_targets,
//                               history.unchanged_since(now.city, now.profile, now.data_key()),
//                               utc_now().substr(0, 10));
//   for (const Warning& w : c.warnings) std::cout << w.message << "\n";
//
// Plan warnings (group "plan"), per community and category against the run before:
//   lost_pass      the community passed the category and no longer does;
//   below_target   its share fell below the [targets.<category>] share;
//   share_drop     its share fell by more than [targets] drop_points;
//   facility_gone  a facility that was the nearest within the radius for homes of communities
//                  whose share then fell is gone from the inputs (it names them);
// and without a run before, target_due: a [targets] due date is within due_warning_days (or
// past) and the target is not met. The cause of a fall is read from the stored "serving"
// facilities: a facility gone from the inputs, or one now off the network or merged.
// Data warnings (group "data"), kept apart: inputs_unchanged (no input file changed for
// stale_days), count_drop (used facilities, stops, homes or snapped homes fell by more than
// data_drop since the run before: a broken export rather than a closed school).
// Cost: linear in the figures and facilities of the two runs. Thread safety: pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "history/history.hpp"
#include "io/config.hpp"

namespace lc15::history {

struct Warning {
    std::string group;  ///< plan | data
    std::string kind;
    std::string community_id, community_name;  ///< "" for the city
    std::string category, category_name;       ///< "" for data warnings on the whole run
    std::optional<double> before, after;       ///< shares (0..1) or counts
    std::string cause;
    std::string message;  ///< one line for a person, naming all of the above
};

struct Comparison {
    std::int64_t baseline_run = 0;  ///< 0: no run before
    std::vector<Warning> warnings;  ///< plan warnings first, then data; stable order
    std::size_t count(const std::string& group) const;
};

/// `today` is "YYYY-MM-DD"; `unchanged_since` the start of the stored series with the same
/// input data as `now` ("" if none).
Comparison compare_runs(const RunSnapshot* before, const RunSnapshot& now,
                        const io::PlanTargets& targets, const std::string& unchanged_since,
                        const std::string& today);

/// Days from 1970-01-01 of "YYYY-MM-DD…" (the date part of an ISO time).
long days_of(const std::string& date);

/// "62 %", "100 %", "62.5 %".
std::string percent(double share);

}  // namespace lc15::history
