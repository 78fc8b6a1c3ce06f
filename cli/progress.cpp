#include "cli/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace lc15::cli {

TerminalProgress::TerminalProgress(bool quiet)
    : tty_(::isatty(STDERR_FILENO) == 1), quiet_(quiet) {}

void TerminalProgress::begin(std::string_view step, std::size_t total) {
    std::lock_guard lock(mutex_);
    step_ = std::string(step);
    total_ = total;
    done_ = 0;
    start_ = last_draw_ = std::chrono::steady_clock::now();
    if (tty_ && !quiet_) draw(true);
}

void TerminalProgress::advance(std::size_t n) {
    done_ += n;
    if (!tty_ || quiet_) return;
    std::unique_lock lock(mutex_, std::try_to_lock);
    if (lock.owns_lock()) draw(false);
}

void TerminalProgress::draw(bool force) {
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    const std::size_t done = done_.load();
    if (total_ > 0) {
        const int width = 30;
        const int filled = static_cast<int>(width * std::min<std::size_t>(done, total_) / total_);
        std::fprintf(stderr, "\r  %-28s [%.*s%*s] %zu/%zu", step_.c_str(), filled,
                     "##############################", width - filled, "", done, total_);
    } else {
        std::fprintf(stderr, "\r  %-28s ...", step_.c_str());
    }
    std::fflush(stderr);
}

void TerminalProgress::end() {
    std::lock_guard lock(mutex_);
    if (quiet_) return;
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (tty_) {
        draw(true);
        std::fprintf(stderr, "  %.2f s\n", s);
    } else {
        done_line(step_, total_, done_.load(), s);
    }
}

void TerminalProgress::done_line(const std::string& step, std::size_t total, std::size_t done,
                                 double seconds) {
    const char* clear = tty_ ? "\r\033[K" : "";  // over the owner's bar, drawn again later
    if (total == 0 && done == 0) {               // a step that counts nothing
        std::fprintf(stderr, "%slc15: %s done (%.2f s)\n", clear, step.c_str(), seconds);
    } else {
        std::fprintf(stderr, "%slc15: %s done (%zu items, %.2f s)\n", clear, step.c_str(), done,
                     seconds);
    }
    std::fflush(stderr);
}

void TerminalProgress::Beside::begin(std::string_view step, std::size_t) {
    step_ = std::string(step);
    done_ = 0;
    start_ = std::chrono::steady_clock::now();
}

void TerminalProgress::Beside::end() {
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::lock_guard lock(owner_.mutex_);
    if (!owner_.quiet_) owner_.done_line(step_, 0, done_.load(), s);
}

void TerminalProgress::note(const std::string& message) {
    std::lock_guard lock(mutex_);
    if (!quiet_) std::fprintf(stderr, "%s%s\n", tty_ ? "\r" : "", message.c_str());
}

}  // namespace lc15::cli
