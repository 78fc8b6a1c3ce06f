// lc15 CLI — one class per command (osmium-tool style).
//
// setup() declares options on the command's CLI11 sub-app and opens nothing; run() does the
// work and returns an exit code. Errors are exceptions: lc15::InputError (exit 1: bad input,
// names the file/object and the fix) or anything else (exit 2: internal error).
// Every command is listed once in commands.cpp, which drives registration and the --help tests.
#pragma once

#include <oneapi/tbb/global_control.h>
#include <CLI/CLI.hpp>
#include <charconv>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace lc15::cli {

enum ExitCode : int { kExitOk = 0, kExitInput = 1, kExitInternal = 2 };

class Command {
  public:
    virtual ~Command() = default;
    virtual const char* name() const = 0;
    virtual const char* description() const = 0;
    virtual void setup(CLI::App& app) = 0;
    virtual int run() = 0;
};

/// What a number option holds, worded for the message a wrong value gets.
struct NumberRule {
    const char* what;     ///< "a catchment radius in metres": "--radius -5 is not <what>"
    double min, max;      ///< bounds, inclusive unless above_min
    bool above_min;       ///< the value must be greater than min (a radius of 0 means nothing)
    bool whole;           ///< whole numbers only (a count, a port)
    const char* example;  ///< a sensible value, shown as "e.g. --radius 500"
    const char* give = nullptr;  ///< what to give instead of the bounds' wording, if set
};

/// A CLI11 check that refuses what `rule` refuses with a planner's message: the option, the
/// value, what the number is, the numbers it takes and an example. CLI11 checks the text before
/// it converts it, so "abc", "2.5" for a count and "nan" get this message too.
inline CLI::Validator number_check(std::string flag, NumberRule rule) {
    auto fmt = [](double v) {
        std::string s = std::to_string(v);
        s.erase(s.find_last_not_of('0') + 1);
        if (!s.empty() && s.back() == '.') s.pop_back();
        return s;
    };
    // A ceiling that is only the storage type's (a count held in an int) is not worth saying
    // unless the value passed it.
    const bool open_above = rule.max >= 1e300 || rule.max == 2147483647.0;
    auto wording = [&](bool with_max) {
        if (rule.give) return std::string(rule.give);
        std::string take = rule.whole ? "a whole number " : "a number ";
        if (!with_max) return take + (rule.above_min ? "above " : "of at least ") + fmt(rule.min);
        return take +
               (rule.above_min ? "above " + fmt(rule.min) + " and up to "
                               : "from " + fmt(rule.min) + " to ") +
               fmt(rule.max);
    };
    const std::string example = ", e.g. " + flag + " " + rule.example;
    const std::string hint = "give " + wording(!open_above) + example;
    const std::string hint_max = "give " + wording(true) + example;
    const std::string shown = open_above ? (rule.above_min ? ">" : ">=") + fmt(rule.min)
                                         : fmt(rule.min) + ".." + fmt(rule.max);
    return CLI::Validator(
        [flag, rule, hint, hint_max](const std::string& v) -> std::string {
            double x = 0;
            const char* end = v.data() + v.size();
            bool parsed = false;
            if (rule.whole) {
                long long n = 0;
                const auto r = std::from_chars(v.data(), end, n);
                parsed = r.ec == std::errc() && r.ptr == end;
                x = static_cast<double>(n);
            } else {
                const auto r = std::from_chars(v.data(), end, x);
                parsed = r.ec == std::errc() && r.ptr == end && std::isfinite(x);
            }
            // A whole number too long for a long long fails to parse: it is over the ceiling.
            const bool too_big = (parsed && x > rule.max) ||
                                 (rule.whole && !parsed && !v.empty() && v[0] != '-' &&
                                  v.find_first_not_of("0123456789+") == std::string::npos);
            if (parsed && !too_big && (rule.above_min ? x > rule.min : x >= rule.min)) return {};
            return flag + " " + v + " is not " + rule.what + ": " + (too_big ? hint_max : hint);
        },
        shown);
}

/// Mix-in for commands that compute: -j/--threads N (default: all cores).
struct ThreadsOption {
    int threads = 0;
    void add_threads_option(CLI::App& app) {
        app.add_option("-j,--threads", threads,
                       "Worker threads (default: all cores); results are identical for any N")
            ->check(number_check("-j", {"a thread count", 0, 1024, false, true, "2",
                                        "a whole number from 1 to 1024, or 0 for all cores"}));
    }
    /// Hold the returned object for the duration of the computation.
    std::unique_ptr<tbb::global_control> limit_threads() const {
        if (threads <= 0) return nullptr;
        return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                     static_cast<std::size_t>(threads));
    }
};

/// Mix-in for commands that load a city: -c/--config, -o/--out, --profile, -q/--quiet, worded
/// the same in every command's --help. add_city_options() declares all four (--out required);
/// a command whose options differ calls the single adders in the order its --help lists them
/// and adjusts the returned option (e.g. ->description(...) where --out means a folder tree).
struct CityOptions {
    std::string config_file, out_dir, profile;
    bool quiet = false;

    void add_city_options(CLI::App& app, bool config_required = true) {
        add_config_option(app, config_required);
        add_out_option(app);
        add_profile_option(app);
        add_quiet_option(app);
    }
    CLI::Option* add_config_option(CLI::App& app, bool required = true) {
        return app
            .add_option("-c,--config", config_file,
                        "City config (TOML), e.g. configs/zhuhai_xiangzhou.toml")
            ->required(required);
    }
    CLI::Option* add_out_option(CLI::App& app, bool required = true) {
        return app
            .add_option("-o,--out", out_dir,
                        "Output folder (created; files replaced only when the run succeeds)")
            ->required(required);
    }
    CLI::Option* add_profile_option(CLI::App& app) {
        return app.add_option("--profile", profile,
                              "Walker profile: adult, elderly, barrier_free (default: the "
                              "config's)");
    }
    /// `shown`: what the command prints when not quiet ("summary", "table").
    CLI::Option* add_quiet_option(CLI::App& app, const std::string& shown = "summary") {
        return app.add_flag("-q,--quiet", quiet, "No progress or " + shown + " on the terminal");
    }
};

/// All commands, in the order `lc15 --help` lists them.
std::vector<std::unique_ptr<Command>> make_commands();

}  // namespace lc15::cli
