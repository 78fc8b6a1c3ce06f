// lc15 server — the planner's page (web/) and Debian's Leaflet, compiled into the program.
//
//   for (const Asset& a : embedded_assets()) ...   // a.path "/", "/app.js", "/leaflet/leaflet.js"
//
// The table is generated at build time by cmake/embed_assets.cmake (the lc15_server part of
// CMakeLists.txt), so that an installed lc15 serves its page without the source tree and
// nothing is loaded from the internet. Paths are sorted as the generator lists them.
// Cost: the bytes live in the binary (about 600 kB with Leaflet). Thread safety: immutable.
#pragma once

#include <cstddef>
#include <span>

namespace lc15::server {

struct Asset {
    const char* path;  ///< URL path: "/" (index.html), "/app.js", "/leaflet/leaflet.css"
    const char* content_type;
    const unsigned char* data;
    std::size_t size;
};

std::span<const Asset> embedded_assets();

}  // namespace lc15::server
