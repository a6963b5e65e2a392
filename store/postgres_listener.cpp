#include "postgres_listener.hpp"

#include <pqxx/nontransaction>
#include <pqxx/notification>

#include "postgres_connect.hpp"
#include "reconnect_backoff.hpp"
#include "sluice/store/errors.hpp"

namespace sluice::store::detail {
namespace {

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection& connection, const std::function<void()>& poke)
      : pqxx::notification_receiver(connection, kChangeChannel), poke_(poke) {}
  // The payload is the store version; the notifier re-reads the feed anyway, so it is unused.
  void operator()(const std::string&, int) override { poke_(); }

 private:
  const std::function<void()>& poke_;
};

// await_notification returns early on traffic only; a probe notices a dead server in bounded
// time even when the socket stays silent.
constexpr std::chrono::seconds kProbeInterval{2};
constexpr long kWaitMicroseconds = 200'000;  // how quickly the destructor is obeyed

}  // namespace

PostgresListener::PostgresListener(Settings settings, std::function<void()> poke)
    : settings_(std::move(settings)), poke_(std::move(poke)), thread_([this] { run(); }) {}

PostgresListener::~PostgresListener() {
  stopping_ = true;
  thread_.join();
}

void PostgresListener::run() {
  ReconnectBackoff backoff(settings_.backoff_min, settings_.backoff_max);
  while (!stopping_) {
    try {
      listen_until_broken(backoff);
    } catch (const std::exception&) {
      // StoreUnavailable or a broken connection; either way: wait, then try again.
      backoff.failed(ReconnectBackoff::Clock::now());
      sleep_unless_stopping(backoff.wait_left(ReconnectBackoff::Clock::now()));
    }
  }
}

void PostgresListener::listen_until_broken(ReconnectBackoff& backoff) {
  auto connection = connect_postgres(settings_.conninfo, settings_.statement_timeout);
  Receiver receiver(*connection, poke_);  // issues LISTEN
  backoff.succeeded();
  poke_();  // catch up on anything committed while we were not listening
  auto last_probe = std::chrono::steady_clock::now();
  while (!stopping_) {
    connection->await_notification(0, kWaitMicroseconds);
    const auto now = std::chrono::steady_clock::now();
    if (now - last_probe >= kProbeInterval) {
      pqxx::nontransaction probe(*connection);
      probe.exec("SELECT 1");
      last_probe = now;
    }
    if (!connection->is_open()) throw StoreUnavailable("postgresql: listener connection closed");
  }
}

void PostgresListener::sleep_unless_stopping(std::chrono::milliseconds duration) {
  const auto until = std::chrono::steady_clock::now() + duration;
  while (!stopping_ && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace sluice::store::detail
