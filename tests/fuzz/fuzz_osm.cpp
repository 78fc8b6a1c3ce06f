// Fuzzes io::read_osm on an OSM XML extract (.osm: what Overpass and JOSM export).
#include "io/osm_reader.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = lc15::fuzz::write_input(data, size, "extract.osm");
    return lc15::fuzz::run([&] { (void)lc15::io::read_osm(path); });
}
