#pragma once

#include <stdexcept>
#include <string>

namespace sluice::store {

// A store failure that is a bug or a misconfiguration (bad SQL, bad URL, corrupt file).
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The database cannot be reached or did not answer in time. Callers answer 503 and keep serving
// the last snapshot; the store reconnects by itself (bounded backoff). For a write, the outcome
// may be unknown if the connection broke during COMMIT: re-read before retrying.
class StoreUnavailable : public StoreError {
 public:
  using StoreError::StoreError;
};

// The database was migrated by a newer sluice. Refuse to run rather than misread it.
class SchemaTooNew : public StoreError {
 public:
  SchemaTooNew(int database_version, int binary_version);
  int database_version() const { return database_version_; }
  int binary_version() const { return binary_version_; }

 private:
  int database_version_;
  int binary_version_;
};

}  // namespace sluice::store
