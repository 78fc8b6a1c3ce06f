#include "io/gdal_errors.hpp"

#include <cpl_error.h>

#include "engine/error.hpp"

namespace lc15::io {

GdalErrors::GdalErrors(std::string where) : file_(where), where_(std::move(where)) {
    CPLErrorReset();
    CPLPushErrorHandlerEx(
        [](CPLErr cls, CPLErrorNum code, const char* msg) {
            handler(static_cast<int>(cls), static_cast<int>(code), msg);
        },
        this);
}

GdalErrors::~GdalErrors() { CPLPopErrorHandler(); }

void GdalErrors::handler(int cls, int /*code*/, const char* msg) {
    auto* self = static_cast<GdalErrors*>(CPLGetErrorHandlerUserData());
    if (self) self->record(cls, msg ? msg : "");
}

void GdalErrors::record(int cls, const char* msg) {
    if (cls == CE_Debug || cls == CE_None) return;
    if (cls >= CE_Failure) {
        if (errors_++ == 0) {
            first_error_ = msg;
            first_error_where_ = where_;
        }
        return;
    }
    const std::string line = where_ + ": " + msg;
    for (auto& [text, n] : warnings_) {
        if (text == line) {
            ++n;
            return;
        }
    }
    if (warnings_.size() < 50) warnings_.emplace_back(line, 1);
}

void GdalErrors::check(const std::string& fix) const {
    if (errors_ == 0) return;
    std::string what = "the file is damaged or cannot be read: " + first_error_;
    if (first_error_where_ != file_) what += " (first at " + first_error_where_ + ")";
    if (errors_ > 1) what += "; " + std::to_string(errors_) + " read errors in all";
    throw InputError(file_, what, fix);
}

std::vector<std::string> GdalErrors::warnings() const {
    std::vector<std::string> out;
    for (const auto& [text, n] : warnings_)
        out.push_back("GDAL warning: " + text +
                      (n > 1 ? " (" + std::to_string(n) + " times)" : ""));
    return out;
}

}  // namespace lc15::io
