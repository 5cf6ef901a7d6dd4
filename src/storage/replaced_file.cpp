#include "storage/replaced_file.h"

#include <cstdio>

namespace polymq::storage {

ReplacedFile::ReplacedFile(const std::string& dir, const std::string& name, const FaultHooks* hooks)
    : dir_(dir.empty() ? "." : dir), path_(dir_ + "/" + name), hooks_(hooks) {}

Result<std::string> ReplacedFile::read() const {
  auto file = File::open(path_, File::Mode::kRead);
  if (!file.ok()) {
    if (file.status().code() == Code::kNotFound) return std::string();
    return file.status();
  }
  auto size = file->size();
  if (!size.ok()) return size.status();
  if (*size == 0) return Status::Corruption(path_ + " is empty");
  if (*size > kMaxSize) {
    return Status::Corruption(path_ + " is larger than " + std::to_string(kMaxSize) + " bytes");
  }
  std::string contents(static_cast<size_t>(*size), '\0');
  auto n = file->read_at(0, contents.data(), contents.size());
  if (!n.ok()) return n.status();
  contents.resize(*n);  // the file may have shrunk since fstat
  if (contents.empty()) return Status::Corruption(path_ + " is empty");
  return contents;
}

Status ReplacedFile::replace(std::string_view contents) {
  const std::string tmp = path_ + ".tmp";
  {
    auto file = File::open(tmp, File::Mode::kReplace, hooks_);
    if (!file.ok()) return file.status();
    Status st = file->write_at(0, contents.data(), contents.size());
    if (st.ok()) st = file->sync();
    if (st.ok()) st = file->close();
    if (!st.ok()) {
      (void)remove_file(tmp);
      return st;
    }
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    const int err = errno;
    (void)remove_file(tmp);
    return Status::IOError("rename " + tmp + " to " + path_, err);
  }
  return sync_dir(dir_);
}

}  // namespace polymq::storage
