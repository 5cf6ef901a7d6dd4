// The parts of AWS's query protocol that every query service shares (SQS 2012-11-05, SNS
// 2010-03-31): parameters as form fields (a GET query string and/or an
// application/x-www-form-urlencoded POST body), flattened members ("Prefix.<n>.Rest"), XML
// answers with escaped text, and the <ErrorResponse> shape. Also which service a request is
// for, from its SigV4 credential scope, so one endpoint can serve several services.
#pragma once

#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "http/form.h"
#include "http/message.h"

namespace polymq::aws {

// The request's parameters: its query string, then the form body of a POST whose
// Content-Type is application/x-www-form-urlencoded; nullopt when either is malformed.
std::optional<http::Params> query_parameters(const http::Request& request);

// "Prefix.<n>.Rest" -> n and Rest ("" when there is no ".Rest"); false when `name` is not of
// that form.
bool indexed_member(std::string_view name, std::string_view prefix, int& n, std::string_view& rest);

// `text` escaped for XML character data and attribute values (&, <, >, ", ', and CR as
// &#xD; so a body's line endings survive the XML parser).
std::string xml_escape(std::string_view text);
// Appends <name>escaped text</name>.
void xml_element(std::string& out, std::string_view name, std::string_view text);

// <ErrorResponse xmlns=ns><Error><Type/><Code/><Message/><Detail/></Error><RequestId/>
std::string render_query_error(std::string_view xml_namespace, std::string_view code,
                               std::string_view message, bool sender, std::string_view request_id);

// The service the request was signed for: the <service> of the credential scope
// "<key>/<date>/<region>/<service>/aws4_request" in the Authorization header or the
// X-Amz-Credential parameter; "" when the request names none.
std::string credential_service(const http::Request& request);

// A random (version 4) UUID in its 8-4-4-4-12 hex form, e.g. for request ids.
std::string random_uuid(std::mt19937_64& random);
std::string format_uuid(uint64_t hi, uint64_t lo);

}  // namespace polymq::aws
