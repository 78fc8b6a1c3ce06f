// Facility edits made on a CoverageModel by a test, kept so that they can be undone: in
// reverse order, an added facility removed, a moved one moved back, a closed one restored
// under its own handle (what ScenarioEvaluator does with the base model, done here
// independently as the tests' reference).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/coverage.hpp"

namespace lc15::test {

class FacilityEdits {
  public:
    FacilityHandle add(CoverageModel& m, std::uint32_t cat, const SnapResult& at) {
        const FacilityHandle f = m.add_facility(cat, at);
        done_.push_back({Kind::kAdded, f, {}});
        return f;
    }
    void move(CoverageModel& m, FacilityHandle f, const SnapResult& to) {
        done_.push_back({Kind::kMoved, f, m.facility_entrances(f)});
        m.move_facility(f, to);
    }
    void close(CoverageModel& m, FacilityHandle f) {
        done_.push_back({Kind::kClosed, f, m.facility_entrances(f)});
        m.remove_facility(f);
    }
    /// Undoes every edit, the last first, and forgets them.
    void undo(CoverageModel& m) {
        for (auto it = done_.rbegin(); it != done_.rend(); ++it) {
            if (it->kind == Kind::kAdded)
                m.remove_facility(it->f);
            else if (it->kind == Kind::kMoved)
                m.move_facility(it->f, it->at);
            else
                m.restore_facility(it->f, it->at);
        }
        done_.clear();
    }

  private:
    enum class Kind { kAdded, kMoved, kClosed };
    struct Done {
        Kind kind;
        FacilityHandle f;
        std::vector<SnapResult> at;  // the entrances before a move or close
    };
    std::vector<Done> done_;
};

}  // namespace lc15::test
