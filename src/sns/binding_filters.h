// The core's BindingFilters for SNS subscriptions: a binding whose arguments carry a filter
// policy (sns/subscription_arguments.h) lets through only the messages it matches, by their
// message attributes (the message's headers, typed as the SQS mapping keeps them) or their
// JSON body. Installed in VHostHooks before definitions are restored.
#pragma once

#include "core/binding_filter.h"

namespace polymq::sns {

class SubscriptionFilters final : public core::BindingFilters {
 public:
  core::Status compile(const core::Table& arguments,
                       std::shared_ptr<const core::BindingPredicate>& out) const override;
};

}  // namespace polymq::sns
