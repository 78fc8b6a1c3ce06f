#include "tests/support/cli_run.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace lc15::test {

CliRun run_lc15(const std::string& args) {
    const std::string cmd = std::string(LC15_EXE) + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return {-1, "popen failed: " + cmd};
    std::string out;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::filesystem::path fresh_dir(const std::string& name) {
    const std::filesystem::path d = std::filesystem::temp_directory_path() / ("lc15_" + name);
    std::filesystem::remove_all(d);
    return d;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

}  // namespace lc15::test
