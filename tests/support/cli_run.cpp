#include "tests/support/cli_run.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace lc15::test {

CliRun run_lc15(const std::string& args) {
    return run_shell(std::string(LC15_EXE) + " " + args + " 2>&1");
}

CliRun run_shell(const std::string& cmd) {
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) return {-1, "popen failed: " + cmd};
    std::string out;
    char buf[4096];
    while (std::size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    const int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::filesystem::path fresh_dir(const std::string& name) {
    namespace fs = std::filesystem;
    const fs::path d = fs::temp_directory_path() / ("lc15_" + name);
    fs::remove_all(d);
    // And what a killed run of an earlier test left beside it (its staging folders).
    const std::string prefix = "." + d.filename().string() + ".lc15-";
    for (const auto& e : fs::directory_iterator(d.parent_path()))
        if (e.path().filename().string().rfind(prefix, 0) == 0) fs::remove_all(e.path());
    return d;
}

std::string slurp(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::vector<std::string> staging_beside(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    std::vector<std::string> out;
    const std::string name = dir.filename().string();
    for (const auto& e : fs::directory_iterator(dir.parent_path())) {
        const std::string n = e.path().filename().string();
        if (n.rfind("." + name + ".lc15-partial-", 0) == 0 ||
            n.rfind("." + name + ".lc15-old-", 0) == 0)
            out.push_back(n);
    }
    if (fs::is_directory(dir)) {
        for (const auto& e : fs::directory_iterator(dir)) {
            if (e.path().filename().string().rfind(".lc15-partial-", 0) == 0)
                out.push_back(e.path().filename().string());
        }
    }
    return out;
}

std::vector<std::vector<std::string>> csv_rows(const std::string& text0) {
    std::string text = text0;
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            row.push_back(cell);
            cell.clear();
        } else if (c == '\n') {
            row.push_back(cell);
            cell.clear();
            rows.push_back(row);
            row.clear();
        } else if (c != '\r') {
            cell += c;
        }
    }
    if (!cell.empty() || !row.empty()) {
        row.push_back(cell);
        rows.push_back(row);
    }
    return rows;
}

}  // namespace lc15::test
