#include "server/http_server.hpp"

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "engine/error.hpp"
#include "server/assets.hpp"

namespace lc15::server {
namespace {

constexpr const char* kSession = "/api/sessions/([0-9a-f]{1,64})";
constexpr const char* kPolicy =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    "connect-src 'self'; frame-ancestors 'none'";

// With a charset parameter cpp-httplib does not compress JSON and scripts on the fly: its
// Brotli (quality 11) took 0.5 s for the city and 1.6 s for Leaflet, far more than sending
// them uncompressed over loopback or a LAN.
std::string media_type(const std::string& t) {
    return t.find(';') == std::string::npos ? t + "; charset=utf-8" : t;
}

void send(httplib::Response& res, const Reply& r) {
    res.status = r.status;
    res.set_content(r.body, media_type(r.content_type).c_str());
    res.set_header("Cache-Control", "no-store");
}

void send_error(httplib::Response& res, int status, const std::string& message,
                const std::string& fix = {}) {
    nlohmann::json j{{"error", message}};
    if (!fix.empty()) j["fix"] = fix;
    res.status = status;
    res.set_content(j.dump(), "application/json; charset=utf-8");
}

// Constant-time comparison of a presented token with the expected one.
bool same_token(const std::string& a, const std::string& b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
    return diff == 0;
}

std::string cookie_token(const httplib::Request& req) {
    const std::string c = req.get_header_value("Cookie");
    const std::string key = "lc15_token=";
    for (std::size_t p = 0; p < c.size();) {
        while (p < c.size() && (c[p] == ' ' || c[p] == ';')) ++p;
        const std::size_t e = c.find(';', p);
        const std::string part = c.substr(p, e == std::string::npos ? std::string::npos : e - p);
        if (part.rfind(key, 0) == 0) return part.substr(key.size());
        if (e == std::string::npos) break;
        p = e + 1;
    }
    return {};
}

}  // namespace

bool is_loopback(const std::string& host) {
    return host == "127.0.0.1" || host == "::1" || host == "localhost";
}

struct HttpServer::Impl {
    Planner& planner;
    ServerOptions options;
    httplib::Server svr;

    Impl(Planner& p, ServerOptions o) : planner(p), options(std::move(o)) {
        svr.set_payload_max_length(options.max_body);
        svr.set_keep_alive_max_count(1000);
        svr.set_tcp_nodelay(true);
        // SO_REUSEADDR only: cpp-httplib's default SO_REUSEPORT would let a second lc15 serve
        // bind the same port and take half of the first one's requests.
        svr.set_socket_options([](socket_t sock) {
            int yes = 1;
            setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
        });  // headers and body go out in two writes: no Nagle delay
        svr.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
            if (options.token.empty()) return httplib::Server::HandlerResponse::Unhandled;
            std::string presented;
            const std::string auth = req.get_header_value("Authorization");
            if (auth.rfind("Bearer ", 0) == 0) presented = auth.substr(7);
            if (presented.empty() && req.has_param("token")) {
                presented = req.get_param_value("token");
                if (same_token(presented, options.token))
                    res.set_header("Set-Cookie", "lc15_token=" + options.token +
                                                     "; HttpOnly; SameSite=Strict; Path=/");
            }
            if (presented.empty()) presented = cookie_token(req);
            if (same_token(presented, options.token))
                return httplib::Server::HandlerResponse::Unhandled;
            send_error(res, 403, "missing or wrong token",
                       "open the page as printed by lc15 serve (…/?token=…) or send "
                       "'Authorization: Bearer TOKEN'");
            return httplib::Server::HandlerResponse::Handled;
        });
        svr.set_exception_handler([](const httplib::Request&, httplib::Response& res,
                                     std::exception_ptr ep) {
            std::string what = "internal error";
            try {
                std::rethrow_exception(ep);
            } catch (const std::exception& e) {
                what = std::string("internal error: ") + e.what();
            } catch (...) {
            }
            send_error(res, 500, what, "the session is unchanged; report this with the request");
        });
        svr.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty()) return;
            if (res.status == 413)
                send_error(res, 413, "the request body is too large",
                           "send one edit, or a scenario file of under a megabyte");
            else if (res.status == 404)
                send_error(res, 404, "no such path: " + req.path, "see docs/SERVER.md");
            else
                send_error(res, res.status, "request refused (" + std::to_string(res.status) + ")");
        });

        for (const Asset& a : embedded_assets()) {
            const Asset asset = a;
            svr.Get(asset.path, [asset](const httplib::Request&, httplib::Response& res) {
                res.set_content(reinterpret_cast<const char*>(asset.data), asset.size,
                                asset.content_type);
                res.set_header("Content-Security-Policy", kPolicy);
                res.set_header("X-Content-Type-Options", "nosniff");
            });
        }

        svr.Get("/api/city", [this](const httplib::Request&, httplib::Response& res) {
            const Reply& r = planner.city();
            res.status = r.status;
            res.set_content(r.body, media_type(r.content_type).c_str());
        });
        svr.Post("/api/sessions", [this](const httplib::Request&, httplib::Response& res) {
            send(res, planner.create_session());
        });
        svr.Post("/api/compare", [this](const httplib::Request& req, httplib::Response& res) {
            send(res, planner.compare(req.body));
        });
        const std::string s = kSession;
        svr.Get(s, [this](const httplib::Request& req, httplib::Response& res) {
            send(res, planner.state(req.matches[1]));
        });
        svr.Delete(s, [this](const httplib::Request& req, httplib::Response& res) {
            send(res, planner.close_session(req.matches[1]));
        });
        svr.Post(s + "/edits", [this](const httplib::Request& req, httplib::Response& res) {
            send(res, planner.edit(req.matches[1], req.body));
        });
        svr.Post(s + "/undo", [this](const httplib::Request& req, httplib::Response& res) {
            send(res, planner.undo(req.matches[1]));
        });
        svr.Post(s + "/redo", [this](const httplib::Request& req, httplib::Response& res) {
            send(res, planner.redo(req.matches[1]));
        });
        svr.Post(s + "/optimize", [this](const httplib::Request& req, httplib::Response& res) {
            send(res, planner.optimize(req.matches[1], req.body));
        });
        svr.Post(s + "/export", [this](const httplib::Request& req, httplib::Response& res) {
            const Reply r = planner.export_map(req.matches[1], req.body);
            if (r.content_type == "application/json") return send(res, r);
            res.status = r.status;
            res.set_content(r.body, r.content_type);
            res.set_header("Cache-Control", "no-store");
            res.set_header("Content-Disposition",
                           std::string("attachment; filename=\"lc15_map.") +
                               (r.content_type == "application/pdf" ? "pdf" : "png") + "\"");
        });
        svr.Get(s + "/scenario.toml", [this](const httplib::Request& req, httplib::Response& res) {
            Reply r = planner.scenario_toml(req.matches[1]);
            send(res, r);
            if (r.status == 200)
                res.set_header("Content-Disposition", "attachment; filename=\"scenario.toml\"");
        });
        svr.Put(s + "/scenario", [this](const httplib::Request& req, httplib::Response& res) {
            send(res, planner.load_scenario(req.matches[1], req.body));
        });
        // Anything else under /api/ that matched no route: name the valid ones.
        auto unknown = [](const httplib::Request& req, httplib::Response& res) {
            send_error(res, 404, "no such API path: " + req.method + " " + req.path,
                       "see docs/SERVER.md for the API");
        };
        svr.Get("/api/.*", unknown);
        svr.Post("/api/.*", unknown);
        svr.Put("/api/.*", unknown);
        svr.Delete("/api/.*", unknown);
    }
};

HttpServer::HttpServer(Planner& planner, ServerOptions options) {
    if (!is_loopback(options.host) && options.token.empty()) {
        throw InputError("--host " + options.host,
                         "listening on an address other than 127.0.0.1 needs a token",
                         "add --token SECRET (then required on every request), or leave out "
                         "--host");
    }
    impl_ = std::make_unique<Impl>(planner, std::move(options));
}
HttpServer::~HttpServer() = default;

int HttpServer::bind() {
    Impl& im = *impl_;
    int port = im.options.port;
    if (port == 0) {
        port = im.svr.bind_to_any_port(im.options.host);
    } else if (!im.svr.bind_to_port(im.options.host, port)) {
        port = -1;
    }
    if (port <= 0) {
        throw InputError(im.options.host + ":" + std::to_string(im.options.port),
                         "cannot listen on this address",
                         "the port may be taken: choose another with --port");
    }
    return port;
}

void HttpServer::run() { impl_->svr.listen_after_bind(); }

void HttpServer::stop() { impl_->svr.stop(); }

}  // namespace lc15::server
