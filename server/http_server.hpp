// lc15 server — the HTTP front of the planner's page: the JSON API of server/planner.hpp and
// the embedded page (server/assets.hpp) over cpp-httplib (docs/SERVER.md).
//
//   Planner planner(city, {});
//   HttpServer http(planner, {.host = "127.0.0.1", .port = 0});   // 0: any free port
//   int port = http.bind();                                       // throws InputError
//   std::thread t([&] { http.run(); });   ...   http.stop(); t.join();
//
// Semantics: listens on 127.0.0.1 by default; any other address needs a token, which is then
// required on every request (header "Authorization: Bearer TOKEN", or ?token=TOKEN once, which
// sets an HttpOnly cookie for the page's own requests). Bodies larger than max_body bytes get
// 413; unknown paths 404; methods not allowed 405; an internal error 500 with a JSON message
// (the session is left as it was). The page is sent with a Content-Security-Policy that allows
// only this origin, so nothing loads from the internet. No file path is taken from a request:
// every served file is compiled in.
// Cost: one thread per connection from cpp-httplib's pool (8 threads), requests to different
// sessions run in parallel. Thread safety: bind/run/stop from one owner thread; stop() may be
// called from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "server/planner.hpp"

namespace lc15::server {

struct ServerOptions {
    std::string host = "127.0.0.1";
    int port = 8015;                 ///< 0: any free port (bind() returns it)
    std::string token;               ///< required for a non-loopback host
    std::size_t max_body = 1 << 20;  ///< bytes; larger bodies get 413
};

/// True for 127.0.0.1, ::1 and localhost.
bool is_loopback(const std::string& host);

class HttpServer {
  public:
    /// Throws InputError for a non-loopback host without a token.
    HttpServer(Planner& planner, ServerOptions options);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Binds the socket; returns the port. Throws InputError when the address is taken.
    int bind();
    /// Serves until stop(); bind() first.
    void run();
    void stop();

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace lc15::server
