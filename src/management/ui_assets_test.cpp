// The web UI's embedded files: which paths are the UI's, what each answer carries.
#include "management/ui_assets.h"

#include <gtest/gtest.h>

namespace polymq::management {
namespace {

http::Request get(std::string target, std::string method = "GET") {
  http::Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

TEST(UiAssets, TheApiAndMetricsAreNotTheUis) {
  EXPECT_TRUE(is_ui_path("/"));
  EXPECT_TRUE(is_ui_path("/app.js"));
  EXPECT_TRUE(is_ui_path("/apis"));
  EXPECT_TRUE(is_ui_path("/metricsx"));
  EXPECT_FALSE(is_ui_path("/api"));
  EXPECT_FALSE(is_ui_path("/api/overview"));
  EXPECT_FALSE(is_ui_path("/metrics"));
  EXPECT_FALSE(is_ui_path("/metrics/per-object"));
}

TEST(UiAssets, RootIsTheIndexPage) {
  http::Response r = ui_asset(get("/?x=1"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.get("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.headers.get("Cache-Control"), "no-cache");
  EXPECT_NE(r.headers.get("Content-Security-Policy").find("default-src 'self'"),
            std::string_view::npos);
  EXPECT_NE(r.body.find("<script type=\"module\" src=\"app.js\"></script>"), std::string::npos)
      << r.body;
  EXPECT_EQ(r.body, ui_asset(get("/index.html")).body);
}

TEST(UiAssets, EveryFileHasItsTypeAndATag) {
  ASSERT_GT(kEmbeddedFileCount, 3u);
  for (size_t i = 0; i < kEmbeddedFileCount; ++i) {
    const EmbeddedFile& f = kEmbeddedFiles[i];
    http::Response r = ui_asset(get(std::string(f.path)));
    EXPECT_EQ(r.status, 200) << f.path;
    EXPECT_EQ(r.body, f.data) << f.path;
    EXPECT_NE(r.headers.get("Content-Type"), "application/octet-stream") << f.path;
    EXPECT_EQ(r.headers.get("ETag"), f.etag) << f.path;
    EXPECT_EQ(f.etag.size(), 42u) << f.path;  // a quoted SHA-1
  }
  EXPECT_EQ(ui_asset(get("/app.js")).headers.get("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(ui_asset(get("/style.css")).headers.get("Content-Type"), "text/css; charset=utf-8");
}

TEST(UiAssets, AKnownTagIsNotModified) {
  const std::string tag(ui_asset(get("/app.js")).headers.get("ETag"));
  http::Request r = get("/app.js");
  r.headers.add("If-None-Match", "\"other\", W/" + tag);
  http::Response answer = ui_asset(r);
  EXPECT_EQ(answer.status, 304);
  EXPECT_TRUE(answer.body.empty());
  r = get("/app.js");
  r.headers.add("If-None-Match", "\"other\"");
  EXPECT_EQ(ui_asset(r).status, 200);
}

TEST(UiAssets, UnknownPathsAndOtherMethodsAreRefused) {
  EXPECT_EQ(ui_asset(get("/nope.js")).status, 404);
  EXPECT_EQ(ui_asset(get("/ui/app.js")).status, 404);
  EXPECT_EQ(ui_asset(get("/../CMakeLists.txt")).status, 404);
  EXPECT_EQ(ui_asset(get("/app.js", "HEAD")).status, 200);
  http::Response r = ui_asset(get("/", "POST"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.get("Allow"), "GET, HEAD");
}

}  // namespace
}  // namespace polymq::management
