// lc15 CLI — a progress bar on a terminal; one line per step (with its time) when stderr is
// not a terminal, so logs of the nightly job stay readable. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include "engine/progress.hpp"

namespace lc15::cli {

class TerminalProgress : public Progress {
  public:
    explicit TerminalProgress(bool quiet = false);
    void begin(std::string_view step, std::size_t total) override;
    void advance(std::size_t n) override;
    void end() override;
    /// A one-off message in the log (not a step).
    void note(const std::string& message);

  private:
    void draw(bool force);
    bool tty_;
    bool quiet_;
    std::mutex mutex_;
    std::string step_;
    std::size_t total_ = 0;
    std::atomic<std::size_t> done_{0};
    std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace lc15::cli
