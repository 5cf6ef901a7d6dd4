// polymq-perf: an AMQP 0-9-1 load generator in the spirit of RabbitMQ's PerfTest.
//
// Exit status: 0 on success, 1 if the run failed (the broker closed a connection or channel,
// a connection was lost, set-up timed out), 2 for bad options, 3 if messages went missing.
#include <csignal>

#include "perf/options.h"
#include "perf/report.h"
#include "perf/run.h"
#include "perf/stop_signal.h"

int main(int argc, char** argv) {
  using namespace polymq::perf;
  int exit_code = 0;
  auto options = parse_options(argc, argv, exit_code);
  if (!options) return exit_code;

  const std::atomic<bool>& stop = stop_on_signals();
  std::signal(SIGPIPE, SIG_IGN);

  Result result;
  {
    Run run(*options, stop);
    result = run.execute();
  }
  print_summary(options->json ? stderr : stdout, *options, result);
  if (options->json) print_json(stdout, *options, result);
  if (!result.error.empty()) return 1;
  if (result.missing != 0) return 3;
  return 0;
}
