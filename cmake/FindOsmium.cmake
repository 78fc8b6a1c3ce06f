# Finds libosmium and protozero (header-only; Debian ships no CMake config for them)
# and the libraries libosmium's readers need. Defines the target Osmium::Osmium.
find_path(OSMIUM_INCLUDE_DIR osmium/osm.hpp)
find_path(PROTOZERO_INCLUDE_DIR protozero/version.hpp)
find_package(ZLIB REQUIRED)
find_package(BZip2 REQUIRED)
find_package(EXPAT REQUIRED)
find_package(Threads REQUIRED)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Osmium REQUIRED_VARS OSMIUM_INCLUDE_DIR PROTOZERO_INCLUDE_DIR)
if(Osmium_FOUND AND NOT TARGET Osmium::Osmium)
    add_library(Osmium::Osmium INTERFACE IMPORTED)
    target_include_directories(Osmium::Osmium SYSTEM INTERFACE ${OSMIUM_INCLUDE_DIR}
                                                               ${PROTOZERO_INCLUDE_DIR})
    target_link_libraries(Osmium::Osmium INTERFACE ZLIB::ZLIB BZip2::BZip2 EXPAT::EXPAT
                                                   Threads::Threads)
endif()
