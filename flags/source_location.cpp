#include "sluice/source_location.hpp"

namespace sluice {

std::string Diagnostic::format() const {
  std::string out;
  if (!where.file.empty()) {
    out += where.file;
    if (where.line > 0) {
      out += ':' + std::to_string(where.line) + ':' + std::to_string(where.column);
    } else if (!where.path.empty()) {
      out += ": " + where.path;  // JSON files have no line numbers: the field path says where
    }
    out += ": ";
  } else if (!where.path.empty()) {
    out += where.path + ": ";
  }
  out += message;
  return out;
}

}  // namespace sluice
