#pragma once

// Helpers for the store's statements: times as the store keeps them, optional parameters and
// multi-row INSERTs.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sql_backend.hpp"

namespace sluice::store::detail {

// `text` in the canonical RFC 3339 form; std::invalid_argument naming `what` otherwise.
std::string canonical_time(std::string_view text, std::string_view what);

SqlParam optional_param(const std::optional<std::string>& text);
// Out of line on purpose: GCC 12 at -O3 sees a "maybe uninitialized" optional through the
// inlined conditional expression.
SqlParam optional_param(const std::optional<std::int64_t>& value);

// Multi-row statements: `head` + "(..), (..)" + `tail`, in chunks of a few fixed sizes so each
// connection prepares (SQLite caches by text) a handful of statements, not one per batch size.
// 256 rows × 17 columns stays far below both databases' parameter limits (SQLite 32766,
// PostgreSQL 65535). `casts[c]` wraps column c's parameter in CAST(.. AS type) when set: a
// VALUES list outside INSERT gives PostgreSQL no column to infer the type from.
class MultiRow {
 public:
  MultiRow(std::string head, std::string tail, std::vector<const char*> casts)
      : head_(std::move(head)), tail_(std::move(tail)), casts_(std::move(casts)) {}

  // add_row(i, params) appends row i's parameters (casts_.size() of them).
  template <typename AddRow>
  void run(SqlTx& tx, std::size_t count, AddRow&& add_row) const {
    std::size_t done = 0;
    std::vector<SqlParam> params;
    while (done < count) {
      const std::size_t remaining = count - done;
      std::size_t chunk = 1;
      for (std::size_t size :
           {std::size_t{256}, std::size_t{64}, std::size_t{16}, std::size_t{4}}) {
        if (remaining >= size) {
          chunk = size;
          break;
        }
      }
      params.clear();
      params.reserve(chunk * casts_.size());
      for (std::size_t i = done; i < done + chunk; ++i)
        add_row(i, params);
      tx.query(sql(chunk), params);
      done += chunk;
    }
  }

 private:
  std::string sql(std::size_t rows) const {
    std::string text = head_;
    std::size_t parameter = 0;
    for (std::size_t row = 0; row < rows; ++row) {
      text += row == 0 ? "(" : ", (";
      for (std::size_t column = 0; column < casts_.size(); ++column) {
        if (column > 0) text += ", ";
        const std::string placeholder = "$" + std::to_string(++parameter);
        text += casts_[column] ? std::string("CAST(") + placeholder + " AS " + casts_[column] + ")"
                               : placeholder;
      }
      text += ")";
    }
    return text + tail_;
  }

  std::string head_;
  std::string tail_;
  std::vector<const char*> casts_;
};

}  // namespace sluice::store::detail
