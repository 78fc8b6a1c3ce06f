// Test support for the nightly tests — a small city on the shipped demo district (珠海 香洲,
// real OSM) whose only facilities are a planner's list, so that removing one row from the list
// removes the facility; and a way to start lc15 as a child process that can be killed.
//
//   NightlyCity c("remove");                       // fresh folder with city.toml + facilities.csv
//   c.remove_facility("w900809875");               // the next run misses it
//   CliRun r = run_lc15("nightly -q " + c.args()); // --config ... --history ... --out ...
//   Child k = spawn_lc15("nightly ...", "in_transaction");  // held there (LC15_TEST_HOLD_AT)
//   k.kill9();
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/cli_run.hpp"

extern char** environ;

namespace lc15::test {

inline const std::filesystem::path kSourceDir = LC15_SOURCE_DIR;

/// A facility of the demo list that is the nearest medium sports ground (500 m) for homes of
/// four communities and the nearest small one (300 m) for one.
inline const char* kServingFacility = "w900809875";

class NightlyCity {
  public:
    explicit NightlyCity(const std::string& name, const std::string& targets = {})
        : dir_(fresh_dir("nightly_" + name)) {
        std::filesystem::create_directories(dir_);
        std::filesystem::copy_file(kSourceDir / "data/demo/xiangzhou_facilities_gcj02.csv",
                                   dir_ / "facilities.csv");
        std::ofstream(dir_ / "city.toml")
            << "[city]\nname = \"测试城\"\nosm = \""
            << (kSourceDir / "data/osm/cn_zhuhai_xiangzhou.osm").string() << "\"\nrules = \""
            << (kSourceDir / "configs/rules/gb50180_2018.toml").string()
            << "\"\nbbox = [113.517, 22.2664, 113.5571, 22.2881]\n"
               "[osm_facilities]\nenabled = false\n"
               "[[facilities]]\npath = \"facilities.csv\"\ncrs = \"GCJ-02\"\nid_field = \"id\"\n"
               "name_field = \"name\"\ntype_field = \"type\"\n"
               "[communities]\nsource = \"residential_landuse\"\n"
               "[population]\nsource = \"buildings\"\n"
            << targets;
    }
    ~NightlyCity() {
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }
    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path history() const { return dir_ / "history.sqlite"; }
    std::filesystem::path out() const { return dir_ / "out"; }
    std::string args(const std::string& history = {}) const {
        return "--config " + (dir_ / "city.toml").string() + " --history " +
               (history.empty() ? this->history().string() : history) + " --out " + out().string();
    }
    /// Drops the row with this id from the planner's list.
    void remove_facility(const std::string& id) const {
        std::ifstream in(dir_ / "facilities.csv");
        std::string line, kept;
        while (std::getline(in, line))
            if (line.rfind(id + ",", 0) != 0) kept += line + "\n";
        in.close();
        std::ofstream(dir_ / "facilities.csv") << kept;
    }

  private:
    std::filesystem::path dir_;
};

/// lc15 as a child process with LC15_TEST_HOLD_AT=hold (stdout discarded, stderr read).
class Child {
  public:
    Child(const std::string& args, const std::string& hold) {
        int fds[2];
        if (pipe(fds) != 0) return;
        std::vector<std::string> env;
        for (char** e = environ; *e; ++e)
            if (std::string(*e).rfind("LC15_TEST_HOLD_AT=", 0) != 0) env.emplace_back(*e);
        if (!hold.empty()) env.push_back("LC15_TEST_HOLD_AT=" + hold);
        std::vector<char*> envp;
        for (auto& s : env) envp.push_back(s.data());
        envp.push_back(nullptr);
        const std::string cmd = "exec " + std::string(LC15_EXE) + " " + args + " >/dev/null";
        pid_ = fork();
        if (pid_ == 0) {
            dup2(fds[1], 2);
            close(fds[0]);
            close(fds[1]);
            execle("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr), envp.data());
            _exit(127);
        }
        close(fds[1]);
        err_ = fds[0];
    }
    ~Child() {
        if (pid_ > 0 && !reaped_) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        if (err_ >= 0) close(err_);
    }
    pid_t pid() const { return pid_; }
    /// Reads stderr until `text` appears (true) or the child ends / timeout passes (false).
    bool wait_for(const std::string& text, int timeout_s = 120) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
        while (std::chrono::steady_clock::now() < until) {
            if (stderr_.find(text) != std::string::npos) return true;
            pollfd p{err_, POLLIN, 0};
            if (poll(&p, 1, 200) <= 0) continue;
            char buf[4096];
            const ssize_t n = read(err_, buf, sizeof buf);
            if (n <= 0) return stderr_.find(text) != std::string::npos;
            stderr_.append(buf, static_cast<std::size_t>(n));
        }
        return false;
    }
    void kill9() {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, &status_, 0);
        reaped_ = true;
    }
    /// Waits for the exit; the exit code, or -1 if killed.
    int wait() {
        if (!reaped_) waitpid(pid_, &status_, 0);
        reaped_ = true;
        return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
    }
    const std::string& stderr_text() const { return stderr_; }

  private:
    pid_t pid_ = -1;
    int err_ = -1;
    int status_ = 0;
    bool reaped_ = false;
    std::string stderr_;
};

}  // namespace lc15::test
