// lc15 fuzz harnesses — what they share (tests/fuzz/README.md).
//
//   extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
//       const auto p = lc15::fuzz::write_input(data, size, "city.toml");
//       lc15::fuzz::expect_input_errors_only([&] { lc15::io::load_city_config(p); });
//       return 0;
//   }
//
// Semantics: every reader takes a path, so each input is written to a file in a per-process
// scratch folder. A reader may refuse any input with lc15::InputError (that is its job); any
// other exception is an internal error (exit 2 for a user) and aborts the run, as do crashes
// and sanitizer reports. Thread safety: one input at a time, as libFuzzer calls it.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "engine/error.hpp"

namespace lc15::fuzz {

inline const std::filesystem::path& scratch() {
    static const std::filesystem::path dir = [] {
        const auto d = std::filesystem::temp_directory_path() /
                       ("lc15_fuzz_" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        return d;
    }();
    return dir;
}

inline std::filesystem::path write_input(const std::uint8_t* data, std::size_t size,
                                         const std::string& name) {
    const std::filesystem::path p = scratch() / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return p;
}

template <class F>
void expect_input_errors_only(F&& f) {
    try {
        f();
    } catch (const lc15::InputError&) {
        // A located message with a fix: the reader did its job.
    } catch (const std::exception& e) {
        std::fprintf(stderr, "internal error (not an InputError): %s\n", e.what());
        std::abort();
    }
}

}  // namespace lc15::fuzz
