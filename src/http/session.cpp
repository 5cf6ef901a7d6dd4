#include "http/session.h"

namespace polymq::http {

Session::Session(net::Connection& connection, Service& service, SessionConfig config)
    : connection_(connection),
      service_(service),
      config_(config),
      parser_(config.limits),
      last_activity_(net::Clock::now()) {
  responses_ = std::make_shared<ResponseQueue>(
      ResponseQueue::Sink{
          .output = [this]() -> std::string& { return connection_.output(); },
          .flush =
              [this] {
                last_activity_ = net::Clock::now();
                connection_.flush_soon();
              },
          .close = [this] { connection_.close_after_flush(); },
          .room = [this] { connection_.set_reading(true); },
      },
      config_.max_unanswered);
}

size_t Session::on_read(const uint8_t* data, size_t size) {
  if (done_reading_) return size;
  last_activity_ = net::Clock::now();
  size_t pos = 0;
  while (pos < size && !done_reading_) {
    if (responses_->full()) {
      // The rest is presented again once an answer makes room.
      connection_.set_reading(false);
      return pos;
    }
    const RequestParser::Step step = parser_.parse(data + pos, size - pos);
    pos += step.consumed;
    if (step.state == RequestParser::State::kError) {
      refuse(parser_.error_status(), parser_.error_text());
      return size;
    }
    if (step.state == RequestParser::State::kNeedMore) {
      if (step.continue_expected) responses_->interim(kContinue);
      return pos;
    }
    bool keep_alive = false;
    Request request = parser_.take(keep_alive);
    request.remote_address = connection_.remote_address();
    request.remote_loopback = connection_.remote_is_loopback();
    const Framing framing{.head_request = request.method == "HEAD",
                          .close = !keep_alive,
                          .keep_alive_10 = keep_alive && request.version == 10};
    if (!keep_alive) done_reading_ = true;
    const uint64_t slot = responses_->open(framing);
    service_.handle(std::move(request), Responder(responses_, slot));
  }
  return done_reading_ ? size : pos;
}

void Session::refuse(int status, const std::string& text) {
  done_reading_ = true;
  const uint64_t slot = responses_->open(Framing{.close = true});
  responses_->answer(slot, Response::text(status, text + "\n"));
}

void Session::on_tick(net::Clock::time_point now) {
  if (done_reading_ || responses_->unanswered() > 0) return;
  if (now - last_activity_ < config_.idle_timeout) return;
  if (parser_.in_progress()) {
    refuse(408, "request not completed in time");
  } else {
    done_reading_ = true;
    responses_->detach();
    connection_.close_after_flush();
  }
}

void Session::on_shutdown() {
  done_reading_ = true;
  responses_->detach();
  connection_.close_after_flush();
}

void Session::on_closed() { responses_->detach(); }

}  // namespace polymq::http
