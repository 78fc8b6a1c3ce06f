// Dependencies run one way: engine <- io <- scenarios <- maps <- history, server <- cli.
// engine/ must know no file format: it may include only the standard library, Boost, TBB,
// Eigen and other engine headers. io/ is the only place that reads or writes the inputs; the
// front ends (maps/, history/, server/) stand on io + scenarios and never on each other's
// backends (the engine never sees Cairo, SQLite or HTTP; maps never see SQL or HTTP).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace {

/// Fails for every #include in `folder` (its .hpp/.cpp files) that matches `forbidden`.
/// Returns how many files were read; a folder that does not exist yet reads 0.
int check_includes(const std::string& folder, const std::regex& forbidden) {
    const std::filesystem::path dir = std::filesystem::path(LC15_SOURCE_DIR) / folder;
    if (!std::filesystem::exists(dir)) return 0;
    const std::regex include_re(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
    int files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        const auto ext = entry.path().extension();
        if (ext != ".hpp" && ext != ".cpp" && ext != ".h") continue;
        std::ifstream f(entry.path());
        std::string line;
        int n = 0;
        ++files;
        while (std::getline(f, line)) {
            ++n;
            std::smatch m;
            if (std::regex_search(line, m, include_re)) {
                EXPECT_FALSE(std::regex_search(m[1].str(), forbidden))
                    << folder << "/" << entry.path().filename().string() << ":" << n << " includes "
                    << m[1].str();
            }
        }
    }
    return files;
}

TEST(Layering, EngineIncludesNoFileFormatOrIoHeader) {
    EXPECT_GT(check_includes("engine",
                             std::regex(R"(^(osmium/|protozero/|gdal|ogr|cpl_|proj|toml|nlohmann/)"
                                        R"(|sqlite|cairo|pango|httplib|libpq|postgres|CLI/|io/)"
                                        R"(|scenarios/|maps/|history/|server/|cli/|fstream$)"
                                        R"(|cstdio$))")),
              4);
}

TEST(Layering, IoAndScenariosIncludeNothingAboveThem) {
    const std::regex above(
        R"(^(maps/|history/|server/|cli/|cairo|pango|httplib|libpq|postgres|CLI/))");
    EXPECT_GT(check_includes("io", std::regex(R"(^(scenarios/|maps/|history/|server/|cli/|cairo)"
                                              R"(|pango|httplib|libpq|postgres|CLI/))")),
              4);
    EXPECT_GT(check_includes("scenarios", above), 2);
}

TEST(Layering, FrontEndsStandOnIoAndNotOnEachOther) {
    // maps: drawing only; no database, no HTTP, nothing above.
    check_includes("maps", std::regex(R"(^(history/|server/|cli/|CLI/|sqlite|libpq|httplib))"));
    // history: may leave maps beside a run; never the server's HTTP.
    check_includes("history", std::regex(R"(^(server/|cli/|CLI/|httplib|cairo|pango))"));
    // server: may export maps; the history is the nightly run's, not the page's.
    check_includes("server", std::regex(R"(^(history/|cli/|CLI/|sqlite|libpq|cairo|pango))"));
}

}  // namespace
