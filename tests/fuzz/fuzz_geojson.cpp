// Fuzzes io::read_vector on a planner's GEOJSON point / polygon file.
#include "io/vector_reader.hpp"
#include "tests/fuzz/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    lc15::io::VectorSource src;
    src.path = lc15::fuzz::write_input(data, size, "points.geojson");
    std::vector<std::string> warnings;
    return lc15::fuzz::run([&] { (void)lc15::io::read_vector(src, &warnings); });
}
