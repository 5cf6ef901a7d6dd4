#include "storage/replaced_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/test_util.h"

namespace polymq::storage {
namespace {

using testing::TempDir;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ReplacedFileTest, MissingFileReadsEmpty) {
  TempDir dir;
  ReplacedFile file(dir.path(), "definitions.json");
  EXPECT_EQ(file.path(), dir.file("definitions.json"));
  auto r = file.read();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(*r, "");
}

TEST(ReplacedFileTest, ReplaceThenReadRoundTrips) {
  TempDir dir;
  ReplacedFile file(dir.path(), "definitions.json");
  ASSERT_TRUE(file.replace("{\"first\": 1}").ok());
  EXPECT_EQ(*file.read(), "{\"first\": 1}");
  // A shorter second version leaves nothing of the first behind.
  ASSERT_TRUE(file.replace("{}").ok());
  EXPECT_EQ(*file.read(), "{}");
  std::string binary("a\0b\xff", 4);
  ASSERT_TRUE(file.replace(binary).ok());
  EXPECT_EQ(*file.read(), binary);
  EXPECT_FALSE(std::filesystem::exists(dir.file("definitions.json.tmp")));
}

TEST(ReplacedFileTest, FailedWriteKeepsThePreviousContents) {
  TempDir dir;
  FaultHooks hooks;
  bool fail = false;
  hooks.on_write = [&](std::string_view, size_t) -> std::optional<WriteFault> {
    if (!fail) return std::nullopt;
    return WriteFault{3, ENOSPC};  // a torn write
  };
  ReplacedFile file(dir.path(), "definitions.json", &hooks);
  ASSERT_TRUE(file.replace("old contents").ok());
  fail = true;
  Status s = file.replace("new contents");
  EXPECT_TRUE(s.is_no_space()) << s.message();
  EXPECT_EQ(*file.read(), "old contents");
  EXPECT_FALSE(std::filesystem::exists(dir.file("definitions.json.tmp")));
}

TEST(ReplacedFileTest, FailedSyncKeepsThePreviousContents) {
  TempDir dir;
  FaultHooks hooks;
  bool fail = false;
  hooks.on_sync = [&](std::string_view) { return fail ? EIO : 0; };
  ReplacedFile file(dir.path(), "definitions.json", &hooks);
  ASSERT_TRUE(file.replace("old").ok());
  fail = true;
  EXPECT_EQ(file.replace("new").sys_errno(), EIO);
  EXPECT_EQ(*file.read(), "old");
}

TEST(ReplacedFileTest, StaleTmpFromACrashIsIgnoredAndReplaced) {
  TempDir dir;
  {
    std::ofstream tmp(dir.file("definitions.json.tmp"));
    tmp << "half a file";
  }
  ReplacedFile file(dir.path(), "definitions.json");
  EXPECT_EQ(*file.read(), "");  // the tmp file is never read
  ASSERT_TRUE(file.replace("whole").ok());
  EXPECT_EQ(slurp(dir.file("definitions.json")), "whole");
  EXPECT_FALSE(std::filesystem::exists(dir.file("definitions.json.tmp")));
}

TEST(ReplacedFileTest, EmptyFileIsCorruptionNotNothingStored) {
  TempDir dir;
  { std::ofstream f(dir.file("definitions.json")); }
  ReplacedFile file(dir.path(), "definitions.json");
  auto r = file.read();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().is_corruption());
  EXPECT_NE(r.status().message().find("empty"), std::string::npos);
}

TEST(ReplacedFileTest, MissingDirectoryIsAnError) {
  TempDir dir;
  ReplacedFile file(dir.file("no/such/dir"), "definitions.json");
  EXPECT_FALSE(file.replace("x").ok());
  // Reading from a missing directory is "nothing stored", like a missing file.
  EXPECT_EQ(*file.read(), "");
}

TEST(ReplacedFileTest, UnreadableFileIsAnError) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("definitions.json"));  // a directory, not a file
  ReplacedFile file(dir.path(), "definitions.json");
  EXPECT_FALSE(file.read().ok());
}

}  // namespace
}  // namespace polymq::storage
