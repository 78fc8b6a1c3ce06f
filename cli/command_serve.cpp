// lc15 serve — the planner's what-if page: a local web page over the incremental engine, where
// adding, moving or closing a facility or a bus stop answers at once with who gains and who
// loses (docs/SERVER.md).
//
//   lc15 serve --config CITY.toml [--port 8015]      # then open http://127.0.0.1:8015
//
// The city is loaded and its base coverage computed once; every browser tab is its own session
// of edits over it (server/planner.hpp); the page and Leaflet are compiled in
// (server/assets.hpp). Listens on 127.0.0.1 unless --host is given, which needs --token.
// Runs until SIGINT / SIGTERM. Writes no files, except --port-file when asked.
#include <pthread.h>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli/command.hpp"
#include "cli/progress.hpp"
#include "engine/error.hpp"
#include "io/city.hpp"
#include "io/files.hpp"
#include "io/vector_writer.hpp"
#include "server/http_server.hpp"
#include "server/planner.hpp"

namespace lc15::cli {
namespace {

namespace fs = std::filesystem;

class ServeCommand : public Command, ThreadsOption, CityOptions {
  public:
    const char* name() const override { return "serve"; }
    const char* description() const override {
        return "The planner's what-if page: click a facility or bus stop in, see who gains, "
               "at once";
    }
    void setup(CLI::App& app) override {
        add_config_option(app);
        app.add_option("--port", port_, "Port to listen on (0: any free port)")
            ->check(number_check("--port", {"a port number", 0, 65535, false, true, "8015",
                                            "a whole number from 1 to 65535, or 0 for any free "
                                            "port"}));
        app.add_option("--host", host_,
                       "Address to listen on (default 127.0.0.1; any other needs --token)");
        app.add_option("--token", token_,
                       "Secret every request must carry (Authorization: Bearer, or ?token= "
                       "once in the page's address)");
        app.add_option("--max-sessions", max_sessions_,
                       "Browser tabs served at once (each holds its own copy of the results)")
            ->check(number_check("--max-sessions",
                                 {"a number of browser tabs", 0, 2147483647, true, true, "16"}));
        app.add_option("--port-file", port_file_,
                       "Write the port listened on to this file once ready (for scripts)");
        add_quiet_option(app, "address");
        add_threads_option(app);
        app.footer(
            "Example:\n  lc15 serve --config configs/zhuhai_xiangzhou.toml\n"
            "  then open http://127.0.0.1:8015 in a browser");
    }

    int run() override {
        const auto limit = limit_threads();
        io::require_readable(config_file, "city config (--config)");
        if (!server::is_loopback(host_) && token_.empty()) {
            throw InputError("--host " + host_,
                             "listening on an address other than 127.0.0.1 needs a token",
                             "add --token SECRET, or leave out --host");
        }
        // SIGINT / SIGTERM are taken by a waiting thread (blocked here, inherited by every
        // thread started below) that stops the server cleanly.
        sigset_t signals;
        sigemptyset(&signals);
        sigaddset(&signals, SIGINT);
        sigaddset(&signals, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &signals, nullptr);

        TerminalProgress progress(quiet);
        const io::CityConfig config = io::load_city_config(config_file);
        const io::City city = io::load_city(config, {}, &progress);
        server::PlannerOptions po;
        po.max_sessions = static_cast<std::size_t>(max_sessions_);
        po.config_path = fs::absolute(config_file).lexically_normal().string();
        std::unique_ptr<server::Planner> planner;
        {
            ProgressStep step(&progress, "base coverage", 0);
            planner = std::make_unique<server::Planner>(city, po);
        }
        server::HttpServer http(*planner, {host_, port_, token_, 1 << 20});
        const int port = http.bind();
        if (!port_file_.empty()) io::write_file_atomic(port_file_, std::to_string(port) + "\n");
        if (!quiet) {
            std::string url = "http://" +
                              (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) +
                              ":" + std::to_string(port) + "/";
            if (!token_.empty()) url += "?token=" + token_;
            std::cout << "lc15 serve: " << city.config.name << " on " << url << "\n"
                      << "  " << po.max_sessions << " sessions at most, about "
                      << io::fixed(static_cast<double>(planner->session_bytes()) / (1 << 20), 1)
                      << " MB each; Ctrl-C to stop" << std::endl;
        }
        std::thread waiter([&] {
            int sig = 0;
            sigwait(&signals, &sig);
            http.stop();
        });
        http.run();
        // Stopped by a signal, or the listener failed: wake the waiter either way.
        pthread_kill(waiter.native_handle(), SIGTERM);
        waiter.join();
        return kExitOk;
    }

  private:
    int port_ = 8015;
    std::string host_ = "127.0.0.1";
    std::string token_;
    int max_sessions_ = 16;
    std::string port_file_;
};

}  // namespace

std::unique_ptr<Command> make_serve_command() { return std::make_unique<ServeCommand>(); }

}  // namespace lc15::cli
