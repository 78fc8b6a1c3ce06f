// Fuzzes the OSM reader on OSM XML (io::read_osm: walking graph, facilities, areas, routes).
#include "io/osm_reader.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto p = lc15::fuzz::write_input(data, size, "extract.osm");
    lc15::fuzz::expect_input_errors_only([&] { lc15::io::read_osm(p); });
    return 0;
}
