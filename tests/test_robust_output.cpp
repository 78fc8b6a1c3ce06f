// The output-folder contract (issue 12): a commit switches the whole folder at once and keeps
// what it does not replace; a failed run (full disk, failed switch) replaces nothing; a second
// run into a locked folder is refused naming the holder; SIGTERM removes the staging folder
// and the next run removes those of dead processes; convert refuses to overwrite its input;
// a non-UTF-8 folder name is refused before the work.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "engine/error.hpp"
#include "io/files.hpp"

#include "tests/support/cli_run.hpp"

namespace fs = std::filesystem;

namespace lc15::io {
namespace {

const fs::path kSource = LC15_SOURCE_DIR;
const fs::path kDemo = kSource / "configs/zhuhai_xiangzhou.toml";
using test::slurp;
using test::staging_beside;

std::map<std::string, std::string> contents(const fs::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (e.is_regular_file()) out[e.path().lexically_relative(dir).string()] = slurp(e.path());
    }
    return out;
}

void write(const fs::path& p, const std::string& s) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << s;
}

TEST(RobustOutput, CommitSwitchesTheWholeFolderAndKeepsWhatItDoesNotReplace) {
    const fs::path root = test::fresh_dir("robust_commit");
    const fs::path dir = root / "results";
    {
        OutputDir out(dir);
        write_text(out.stage("a.csv"), "a1");
        write_text(out.stage("b.csv"), "b1");
        write_text(out.stage("sub/c.txt"), "c1");
        EXPECT_FALSE(fs::exists(dir)) << "nothing is visible before the commit";
        out.commit();
    }
    EXPECT_EQ(contents(dir), (std::map<std::string, std::string>{
                                 {"a.csv", "a1"}, {"b.csv", "b1"}, {"sub/c.txt", "c1"}}));
    struct stat before {};
    ASSERT_EQ(::stat(dir.c_str(), &before), 0);
    {
        OutputDir out(dir);  // like `lc15 bus`: replaces one file, keeps the rest
        write_text(out.stage("a.csv"), "a2");
        out.discard("b.csv");
        out.commit();
    }
    EXPECT_EQ(contents(dir),
              (std::map<std::string, std::string>{{"a.csv", "a2"}, {"sub/c.txt", "c1"}}));
    struct stat after {};
    ASSERT_EQ(::stat(dir.c_str(), &after), 0);
    EXPECT_NE(before.st_ino, after.st_ino) << "a new folder was switched in, not files renamed";
    EXPECT_FALSE(fs::is_symlink(dir)) << "DIR stays a real folder";
    EXPECT_TRUE(staging_beside(dir).empty());
}

TEST(RobustOutput, FailedSwitchLeavesEveryEarlierFileAsItWas) {
    const fs::path root = test::fresh_dir("robust_failed_switch");
    const fs::path dir = root / "results";
    {
        OutputDir out(dir);
        for (int i = 0; i < 11; ++i)
            write_text(out.stage("f" + std::to_string(i) + ".csv"), "old" + std::to_string(i));
        out.commit();
    }
    const auto old = contents(dir);
    ::setenv("LC15_FAULT_COMMIT", "1", 1);
    {
        OutputDir out(dir);
        for (int i = 0; i < 11; ++i)
            write_text(out.stage("f" + std::to_string(i) + ".csv"), "new" + std::to_string(i));
        EXPECT_THROW(out.commit(), InputError);
    }
    ::unsetenv("LC15_FAULT_COMMIT");
    EXPECT_EQ(contents(dir), old) << "no file of the failed run may replace an earlier one";
    EXPECT_TRUE(staging_beside(dir).empty());
}

TEST(RobustOutput, WriteTextReportsAFullDisk) {
    if (!fs::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
    try {
        write_text("/dev/full", std::string(1 << 16, 'x'));
        FAIL() << "a write to /dev/full must fail";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("No space left on device"), std::string::npos)
            << e.what();
    }
}

TEST(RobustOutput, FullDiskDuringARunExitsOneAndReplacesNothing) {
    const fs::path dir = test::fresh_dir("robust_full_disk");
    const test::CliRun first = test::run_lc15("coverage -q --no-bus --config " + kDemo.string() +
                                              " --out " + dir.string());
    ASSERT_EQ(first.code, 0) << first.output;
    const auto old = contents(dir);
    ASSERT_TRUE(old.count("warnings.txt"));
    const std::string cmd = "LC15_FAULT_FULL_DISK=warnings.txt " + std::string(LC15_EXE) +
                            " coverage -q --config " + kDemo.string() + " --out " + dir.string() +
                            " 2>&1";
    FILE* p = ::popen(cmd.c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string output;
    char buf[4096];
    while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) output.append(buf, n);
    const int status = ::pclose(p);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 1) << output;
    EXPECT_NE(output.find("warnings.txt"), std::string::npos) << output;
    EXPECT_NE(output.find("No space left on device"), std::string::npos) << output;
    EXPECT_EQ(contents(dir), old) << "a failed run must leave the earlier outputs untouched";
    EXPECT_TRUE(staging_beside(dir).empty());
}

TEST(RobustOutput, SecondRunIntoALockedFolderIsRefusedNamingTheHolder) {
    const fs::path dir = test::fresh_dir("robust_locked");
    OutputDir holder(dir);  // this test process holds the folder
    const test::CliRun r =
        test::run_lc15("coverage -q --config " + kDemo.string() + " --out " + dir.string());
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("another lc15 run is writing to this folder"), std::string::npos)
        << r.output;
    EXPECT_NE(r.output.find("pid " + std::to_string(::getpid())), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(dir / "communities.csv"));
}

TEST(RobustOutput, NextRunRemovesStagingFoldersOfDeadProcesses) {
    const fs::path dir = test::fresh_dir("robust_stale");
    // What kill -9 left: a staging folder beside DIR, and one inside it from older versions.
    write(dir.parent_path() / ("." + dir.filename().string() + ".lc15-partial-4194000") / "x.csv",
          "half");
    write(dir / ".lc15-partial-4194001" / "y.csv", "half");
    ASSERT_EQ(staging_beside(dir).size(), 2u);
    const test::CliRun r = test::run_lc15("coverage -q --no-bus --config " + kDemo.string() +
                                          " --out " + dir.string());
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_TRUE(staging_beside(dir).empty());
    EXPECT_TRUE(fs::exists(dir / "communities.csv"));
}

TEST(RobustOutput, SigtermRemovesTheStagingFolder) {
    const fs::path dir = test::fresh_dir("robust_sigterm");
    // What an earlier interrupted run of this test left beside it would be taken for this run's
    // staging folder below.
    for (const std::string& n : staging_beside(dir)) fs::remove_all(dir.parent_path() / n);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        std::freopen("/dev/null", "w", stdout);
        std::freopen("/dev/null", "w", stderr);
        ::execl(LC15_EXE, LC15_EXE, "coverage", "-q", "--config", kDemo.c_str(), "--out",
                dir.c_str(), static_cast<char*>(nullptr));
        std::_Exit(127);
    }
    // Wait until the run has made its staging folder (before the long work), then stop it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    bool seen = false;
    while (!seen && std::chrono::steady_clock::now() < deadline) {
        seen = !staging_beside(dir).empty();
        if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ASSERT_TRUE(seen) << "the run never staged";
    ::kill(pid, SIGTERM);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    if (WIFEXITED(status)) GTEST_SKIP() << "the run finished before the signal arrived";
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGTERM);
    EXPECT_TRUE(staging_beside(dir).empty()) << staging_beside(dir).front();
    EXPECT_FALSE(fs::exists(dir)) << "nothing is left of an interrupted first run";
}

TEST(RobustOutput, ConvertRefusesToOverwriteItsInput) {
    const fs::path dir = test::fresh_dir("robust_convert_self");
    const std::string text = "id,name,lon,lat\n1,a,122.23,40.66\n";
    write(dir / "a.csv", text);
    const test::CliRun r =
        test::run_lc15("convert " + (dir / "a.csv").string() + " " +
                       (dir / "." / "a.csv").string() + " --from GCJ-02 --to WGS84");
    EXPECT_EQ(r.code, 1) << r.output;
    EXPECT_NE(r.output.find("OUT is the input file"), std::string::npos) << r.output;
    EXPECT_EQ(slurp(dir / "a.csv"), text);
}

TEST(RobustOutput, NonUtf8FolderNamesAreRefusedBeforeTheWork) {
    const fs::path root = test::fresh_dir("robust_gbk");
    const std::string gbk = "\xD6\xD0\xCE\xC4";  // 中文 in GBK
    const test::CliRun out = test::run_lc15("coverage -q --config " + kDemo.string() + " --out '" +
                                            (root / gbk).string() + "'");
    EXPECT_EQ(out.code, 1) << out.output;
    EXPECT_NE(out.output.find("not valid UTF-8"), std::string::npos) << out.output;
    EXPECT_EQ(out.output.find("internal error"), std::string::npos) << out.output;

    fs::create_directories(root / gbk);
    fs::copy_file(kDemo, root / gbk / "city.toml");
    const test::CliRun cfg =
        test::run_lc15("coverage -q --config '" + (root / gbk / "city.toml").string() + "' --out " +
                       (root / "out").string());
    EXPECT_EQ(cfg.code, 1) << cfg.output;
    EXPECT_NE(cfg.output.find("not valid UTF-8"), std::string::npos) << cfg.output;
}

}  // namespace
}  // namespace lc15::io
