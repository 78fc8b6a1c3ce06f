// Test support — runs the lc15 binary (LC15_EXE) as a user would and reads what it wrote.
//
//   CliRun r = run_lc15("coverage -q --config city.toml --out /tmp/x");
//   EXPECT_EQ(r.code, 0) << r.output;               // stdout and stderr together
//   std::string csv = slurp("/tmp/x/communities.csv");
//
// Cost: one process per call. Thread safety: popen; call from the test thread.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lc15::test {

struct CliRun {
    int code = -1;       ///< exit code; -1 if the process did not exit normally
    std::string output;  ///< stdout and stderr
};

/// Runs `LC15_EXE args` through the shell.
CliRun run_lc15(const std::string& args);

/// Runs a shell command as given (e.g. pdftotext); `output` is its stdout only.
CliRun run_shell(const std::string& cmd);

/// An empty (removed) path in the temporary folder, /tmp/lc15_<name>, for a test's outputs.
std::filesystem::path fresh_dir(const std::string& name);

/// The bytes of a file ("" if it cannot be read).
std::string slurp(const std::filesystem::path& p);

/// Entries beside `dir` (and inside it) that belong to io::OutputDir's staging of it: must be
/// none once a run has ended, whether it committed or failed.
std::vector<std::string> staging_beside(const std::filesystem::path& dir);

/// The rows of a CSV as lc15 writes it (write_csv_bom: BOM, CRLF, RFC 4180 quotes), header
/// first, each a list of cells.
std::vector<std::vector<std::string>> csv_rows(const std::string& text);

}  // namespace lc15::test
