#include "sns/binding_filters.h"

#include <variant>

#include "sns/filter_policy.h"
#include "sns/subscription_arguments.h"
#include "sqs/message_mapping.h"

namespace polymq::sns {
namespace {

class PolicyPredicate final : public core::BindingPredicate {
 public:
  explicit PolicyPredicate(FilterPolicy policy) : policy_(std::move(policy)) {}
  bool matches(const core::Message& message) const override {
    if (policy_.scope() == FilterScope::kMessageBody) {
      return policy_.matches_body(message.body.view());
    }
    std::vector<FilterAttribute> attributes;
    for (sqs::MessageAttribute& a : sqs::message_attributes_of(message)) {
      attributes.push_back({std::move(a.name), std::move(a.data_type), std::move(a.value)});
    }
    return policy_.matches_attributes(attributes);
  }

 private:
  FilterPolicy policy_;
};

// A subscription pending confirmation gets nothing.
class Nothing final : public core::BindingPredicate {
 public:
  bool matches(const core::Message&) const override { return false; }
};

}  // namespace

core::Status SubscriptionFilters::compile(
    const core::Table& arguments, std::shared_ptr<const core::BindingPredicate>& out) const {
  if (core::find_bool(arguments, kPendingArgument).value_or(false)) {
    out = std::make_shared<Nothing>();
    return core::Status::Ok();
  }
  const std::string* policy = core::find_string(arguments, kFilterPolicyArgument);
  if (policy == nullptr || policy->empty()) return core::Status::Ok();
  const std::string* scope_name = core::find_string(arguments, kFilterScopeArgument);
  FilterScope scope = FilterScope::kMessageAttributes;
  if (scope_name != nullptr && *scope_name == "MessageBody") {
    scope = FilterScope::kMessageBody;
  } else if (scope_name != nullptr && *scope_name != "MessageAttributes") {
    return {core::ErrorCode::kPreconditionFailed,
            "invalid " + std::string(kFilterScopeArgument) + " '" + *scope_name + "'"};
  }
  auto parsed = FilterPolicy::parse(*policy, scope);
  if (const std::string* error = std::get_if<std::string>(&parsed)) {
    return {core::ErrorCode::kPreconditionFailed, "invalid SNS filter policy: " + *error};
  }
  out = std::make_shared<PolicyPredicate>(std::move(std::get<FilterPolicy>(parsed)));
  return core::Status::Ok();
}

}  // namespace polymq::sns
