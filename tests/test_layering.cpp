// engine/ must know no file format: it may include only the standard library, Boost, TBB,
// Eigen and other engine headers. io/ is the only place that reads or writes files.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

namespace {

TEST(Layering, EngineIncludesNoFileFormatOrIoHeader) {
    const std::filesystem::path engine = std::filesystem::path(LC15_SOURCE_DIR) / "engine";
    const std::regex include_re(R"(^\s*#\s*include\s*[<"]([^>"]+)[>"])");
    const std::regex forbidden(
        R"(^(osmium/|protozero/|gdal|ogr|cpl_|proj|toml|nlohmann/|sqlite|cairo|pango|CLI/|io/|scenarios/|cli/|fstream$|cstdio$))");
    int files = 0;
    for (const auto& entry : std::filesystem::directory_iterator(engine)) {
        std::ifstream f(entry.path());
        std::string line;
        int n = 0;
        ++files;
        while (std::getline(f, line)) {
            ++n;
            std::smatch m;
            if (std::regex_search(line, m, include_re)) {
                EXPECT_FALSE(std::regex_search(m[1].str(), forbidden))
                    << entry.path().filename().string() << ":" << n << " includes " << m[1].str();
            }
        }
    }
    EXPECT_GT(files, 4);
}

}  // namespace
