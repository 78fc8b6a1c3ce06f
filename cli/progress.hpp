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

    /// Steps on a thread beside the owner's (which has its own step meanwhile): each says
    /// once, when done, what the owner's steps say when stderr is not a terminal (never a bar;
    /// on a terminal the owner's bar is drawn again on its next advance). Steps of one Beside
    /// follow one another.
    class Beside : public Progress {
      public:
        explicit Beside(TerminalProgress& owner) : owner_(owner) {}
        void begin(std::string_view step, std::size_t total) override;
        void advance(std::size_t n) override { done_ += n; }
        void end() override;

      private:
        TerminalProgress& owner_;
        std::string step_;
        std::atomic<std::size_t> done_{0};
        std::chrono::steady_clock::time_point start_;
    };

  private:
    void draw(bool force);
    /// "lc15: <step> done (...)" on a line of its own; mutex_ held.
    void done_line(const std::string& step, std::size_t total, std::size_t done, double seconds);
    bool tty_;
    bool quiet_;
    std::mutex mutex_;
    std::string step_;
    std::size_t total_ = 0;
    std::atomic<std::size_t> done_{0};
    std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace lc15::cli
