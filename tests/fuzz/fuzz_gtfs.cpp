// Fuzzes io::read_gtfs on a GTFS feed given as a .zip (what planners download).
#include "io/gtfs.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = lc15::fuzz::write_input(data, size, "feed.zip");
    return lc15::fuzz::run([&] { (void)lc15::io::read_gtfs(path); });
}
