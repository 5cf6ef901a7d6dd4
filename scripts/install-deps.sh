#!/usr/bin/env bash
# Installs the Debian 12 packages PolyMQ needs. Usage: install-deps.sh [build|test]
#   build: what compiling the broker needs
#   test:  build + the real clients the integration tests drive
# Only missing packages are installed, so a second run costs a few dpkg queries.
set -euo pipefail

build_packages=(cmake ninja-build g++ ccache pkg-config libasio-dev libspdlog-dev libfmt-dev
  libcli11-dev libtomlplusplus-dev libssl-dev libgtest-dev rapidjson-dev libboost-dev
  librdkafka-dev)
test_packages=(python3 python3-pika python3-pytest amqp-tools librabbitmq-client-java
  default-jdk-headless nodejs npm clang libclang-rt-14-dev strace
  kcat python3-kafka python3-confluent-kafka python3-lz4 python3-snappy python3-zstandard
  python3-botocore python3-boto3 awscli python3-requests rabbitmq-server chromium)

want=("${build_packages[@]}")
if [[ "${1:-build}" == "test" ]]; then want+=("${test_packages[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A node from elsewhere on PATH is fine for the npm-based tests.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
clean=()
for p in "${missing[@]}"; do [[ -n "$p" ]] && clean+=("$p"); done

if ((${#clean[@]})); then
  echo "installing: ${clean[*]}"
  sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${clean[@]}"
fi
