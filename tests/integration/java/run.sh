#!/usr/bin/env bash
# Compiles and runs the RabbitMQ Java client scenarios against an AMQP 0-9-1 broker.
#
#   AMQP_HOST (127.0.0.1) AMQP_PORT (5672) AMQP_USER (guest) AMQP_PASSWORD (guest)
#   JAVA_TEST_TIMEOUT   seconds for the whole run (default 240)
#   ONLY                comma-separated scenario names to run
#
# Needs a JDK (javac 17+) and Debian's librabbitmq-client-java (which pulls in
# libslf4j-java).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
classes="$here/classes"
timeout_s="${JAVA_TEST_TIMEOUT:-240}"

find_jar() {
    local candidate
    for candidate in "$@"; do
        if [[ -f "$candidate" ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

amqp_jar="$(find_jar \
    "${AMQP_CLIENT_JAR:-}" \
    /usr/share/java/amqp-client.jar \
    /usr/share/java/rabbitmq-client.jar \
    /usr/share/maven-repo/com/rabbitmq/amqp-client/debian/amqp-client-debian.jar)" || {
    echo "error: RabbitMQ Java client jar not found (looked for /usr/share/java/amqp-client.jar)." >&2
    echo "Install it with:  sudo apt-get update && sudo apt-get install -y librabbitmq-client-java" >&2
    echo "or point AMQP_CLIENT_JAR at an amqp-client-5.x jar." >&2
    exit 2
}

slf4j_api="$(find_jar "${SLF4J_API_JAR:-}" /usr/share/java/slf4j-api.jar)" || {
    echo "error: slf4j-api.jar not found (a dependency of the RabbitMQ Java client)." >&2
    echo "Install it with:  sudo apt-get install -y libslf4j-java" >&2
    exit 2
}
# A binding keeps slf4j quiet about a missing logger; the simple one shows client errors on stderr.
slf4j_binding="$(find_jar /usr/share/java/slf4j-simple.jar /usr/share/java/slf4j-nop.jar || true)"

for tool in javac java timeout; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "error: '$tool' not found; install a JDK 17+ (e.g. apt-get install -y openjdk-17-jdk-headless) and coreutils." >&2
        exit 2
    fi
done

cp="$amqp_jar:$slf4j_api"
if [[ -n "$slf4j_binding" ]]; then
    cp="$cp:$slf4j_binding"
fi

rm -rf "$classes"
mkdir -p "$classes"
javac -Xlint:all -Xlint:-options --release 17 -cp "$cp" -d "$classes" "$here/ClientScenarios.java"

echo "RabbitMQ Java client: $amqp_jar"
exec timeout --kill-after=10 "$timeout_s" \
    java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$classes:$cp" ClientScenarios
