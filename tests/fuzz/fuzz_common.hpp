// lc15 fuzz harnesses — what every harness shares: the fuzzer's bytes as a file the real
// reader opens, and lc15's InputError as a normal outcome.
//
// A harness is a libFuzzer entry point that writes the bytes to a file in a private scratch
// folder (the readers take paths, as the CLI gives them) and calls one reader on it. A clear
// refusal (InputError: exit 1 in the CLI) is what bad input should get; anything else that
// escapes (another exception: exit 2, "internal error"), a crash, undefined behaviour or a
// leak is a bug that the fuzzer reports. Built only with -DLC15_FUZZ=ON (clang,
// -fsanitize=fuzzer,address,undefined); how to run: docs/ROBUSTNESS.md.
//
// Cost: one small file write per input. Not thread-safe (libFuzzer runs one input at a time).
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "engine/error.hpp"

namespace lc15::fuzz {

/// This process's scratch folder (created on first use, removed at exit).
inline const std::filesystem::path& scratch() {
    static const std::filesystem::path dir = [] {
        const char* tmp = std::getenv("TMPDIR");
        std::filesystem::path d = std::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
                                  ("lc15-fuzz-" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        std::atexit([] {
            std::error_code ec;
            std::filesystem::remove_all(scratch(), ec);
        });
        return d;
    }();
    return dir;
}

/// Writes the bytes to scratch()/name (replacing it) and returns its path.
inline std::filesystem::path write_input(const std::uint8_t* data, std::size_t size,
                                         const std::string& name) {
    const std::filesystem::path p = scratch() / name;
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) std::abort();  // the scratch folder itself failed: not a finding
    return p;
}

/// Runs the reader; a refusal with InputError is a normal outcome, anything else escapes.
template <class F>
int run(F&& read) {
    try {
        read();
    } catch (const InputError&) {
    }
    return 0;
}

}  // namespace lc15::fuzz
