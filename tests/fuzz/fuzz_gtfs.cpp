// Fuzzes the GTFS reader on a folder feed: the input is the feed's four required files joined
// by lines of "=====" (stops.txt, routes.txt, trips.txt, stop_times.txt), so that mutations
// reach every table.
#include <string_view>

#include "io/gtfs.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const char* names[] = {"stops.txt", "routes.txt", "trips.txt", "stop_times.txt"};
    std::size_t begin = 0;
    for (int i = 0; i < 4; ++i) {
        std::size_t end = all.find("\n=====\n", begin);
        if (end == std::string_view::npos || i == 3) end = all.size();
        const std::string_view part = begin <= all.size() ? all.substr(begin, end - begin) : "";
        lc15::fuzz::write_input(reinterpret_cast<const std::uint8_t*>(part.data()), part.size(),
                                std::string("feed/") + names[i]);
        begin = end == all.size() ? all.size() : end + 7;
    }
    lc15::fuzz::expect_input_errors_only(
        [&] { lc15::io::read_gtfs(lc15::fuzz::scratch() / "feed"); });
    return 0;
}
