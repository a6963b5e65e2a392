// net::redact_credentials: the form of a URL that may be printed (logs, errors, API answers).

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "sluice/metrics/prometheus_source.hpp"
#include "sluice/net/url.hpp"

namespace sluice::net {
namespace {

TEST(RedactCredentials, PasswordInTheUserInformation) {
  EXPECT_EQ(redact_credentials("postgresql://sluice:s3cret@db.internal:5432/sluice"),
            "postgresql://sluice:***@db.internal:5432/sluice");
  EXPECT_EQ(redact_credentials("http://prom:p%40ss@127.0.0.1:9090/prefix"),
            "http://prom:***@127.0.0.1:9090/prefix");
}

TEST(RedactCredentials, CredentialQueryParameters) {
  EXPECT_EQ(redact_credentials("postgresql://sluice@db/sluice?password=s3cret&sslmode=require"),
            "postgresql://sluice@db/sluice?password=***&sslmode=require");
  EXPECT_EQ(redact_credentials("https://hooks.example.com/in?token=abc&api_key=k&Signature=x&x=1"),
            "https://hooks.example.com/in?token=***&api_key=***&Signature=***&x=1");
}

TEST(RedactCredentials, NothingToHideIsUnchanged) {
  for (const char* text : {"sqlite:./sluice.db", "sqlite:/var/lib/sluice.db",
                           "http://127.0.0.1:9090", "postgresql://sluice@db:5432/sluice",
                           "postgresql://db/sluice?connect_timeout=5&keepalives=1", "not a url"}) {
    EXPECT_EQ(redact_credentials(text), text);
  }
}

TEST(RedactCredentials, UnparsableUrlWithUserInformation) {
  EXPECT_EQ(redact_credentials("postgresql://sluice:s3cret@h1:5432,h2:5432/sluice"),
            "postgresql://sluice:***@h1:5432,h2:5432/sluice");
  // Not a URL to Boost.URL (a space): the whole user information goes.
  EXPECT_EQ(redact_credentials("postgresql://sluice:s3 cret@db/sluice"),
            "postgresql://***@db/sluice");
}

TEST(RedactCredentials, PrometheusSourceNameHasNoPassword) {
  boost::asio::io_context io;
  metrics::PrometheusSource source(io, "http://prom:s3cret@127.0.0.1:9090/");
  EXPECT_EQ(source.name(), "prometheus http://prom:***@127.0.0.1:9090");
}

}  // namespace
}  // namespace sluice::net
