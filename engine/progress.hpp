// lc15 engine — progress of long steps, reported to whoever is listening.
//
//   void compute(..., Progress* progress) {
//       ProgressStep step(progress, "coverage", categories.size());
//       for (...) { ...; step.advance(); }
//   }
//
// The engine only calls the interface; a front end decides what to show (the CLI draws a bar
// on a terminal and stays quiet when its output goes to a log). advance() may be called from
// several threads at once: implementations must be thread-safe.
#pragma once

#include <cstddef>
#include <string_view>

namespace lc15 {

class Progress {
  public:
    virtual ~Progress() = default;
    virtual void begin(std::string_view step, std::size_t total) = 0;
    virtual void advance(std::size_t n) = 0;
    virtual void end() = 0;
};

/// RAII helper; a null Progress is allowed and does nothing.
class ProgressStep {
  public:
    ProgressStep(Progress* p, std::string_view step, std::size_t total) : p_(p) {
        if (p_) p_->begin(step, total);
    }
    ~ProgressStep() {
        if (p_) p_->end();
    }
    ProgressStep(const ProgressStep&) = delete;
    ProgressStep& operator=(const ProgressStep&) = delete;
    void advance(std::size_t n = 1) {
        if (p_) p_->advance(n);
    }

  private:
    Progress* p_;
};

}  // namespace lc15
