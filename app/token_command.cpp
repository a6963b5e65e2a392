// `sluice token create|list|revoke`: manages API tokens directly in the store. A token is shown
// once, at creation; the store keeps only its SHA-256.

#include <fmt/format.h>

#include "auth.hpp"
#include "commands.hpp"
#include "sluice/store/errors.hpp"
#include "sluice/store/store.hpp"

namespace sluice::app {

int run_token(const TokenOptions& options) {
  // No default scope: a token's privilege is the operator's choice, said out loud.
  if (options.action == "create" && options.scope.empty()) {
    fmt::print(stderr,
               "sluice token create: --scope is required: admin (everything), read (also read "
               "flags, rollouts and the audit log) or sdk (evaluate flags, the event stream)\n");
    return kExitUsage;
  }
  try {
    auto store = store::open_store(options.store);
    store->migrate();
    if (options.action == "create") {
      auto scope = store::parse_token_scope(options.scope);
      if (!scope) {
        fmt::print(stderr, "sluice token create: --scope must be admin, read or sdk, got '{}'\n",
                   options.scope);
        return kExitUsage;
      }
      if (options.name.empty()) {
        fmt::print(stderr, "sluice token create: --name is required\n");
        return kExitUsage;
      }
      const std::string token = server::generate_token();
      auto result = store->create_token(options.name, *scope, server::sha256_hex(token), "cli");
      if (result.status == store::WriteStatus::AlreadyExists) {
        fmt::print(stderr, "sluice token create: a token named '{}' already exists\n",
                   options.name);
        return kExitInvalid;
      }
      fmt::print("{}\n", token);
      fmt::print(stderr, "token '{}' ({}) created; it is shown only this once\n", options.name,
                 store::to_string(*scope));
      return kExitOk;
    }
    if (options.action == "list") {
      fmt::print("{:<24} {:<6} {:<26} {}\n", "NAME", "SCOPE", "CREATED", "REVOKED");
      for (const auto& token : store->list_tokens()) {
        fmt::print("{:<24} {:<6} {:<26} {}\n", token.name, store::to_string(token.scope),
                   token.created_at, token.revoked_at.value_or("-"));
      }
      return kExitOk;
    }
    if (options.action == "revoke") {
      if (!store->revoke_token(options.name, "cli")) {
        fmt::print(stderr, "sluice token revoke: no active token named '{}'\n", options.name);
        return kExitInvalid;
      }
      fmt::print("token '{}' revoked\n", options.name);
      return kExitOk;
    }
    fmt::print(stderr, "sluice token: unknown action '{}' (create, list, revoke)\n",
               options.action);
    return kExitUsage;
  } catch (const store::StoreError& e) {
    fmt::print(stderr, "sluice token: {}\n", e.what());
    return kExitInvalid;
  }
}

}  // namespace sluice::app
