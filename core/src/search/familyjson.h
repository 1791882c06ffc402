#pragma once
// Private: a family search's per-target epoch records as JSON, one codec for the checkpoint and
// the run store.

#include "fbnet/searchtypes.h"
#include "base/jsonutil.h"

namespace fbnet::detail {

json familyToJson(const std::vector<FamilyMemberStats> &family);
/** fbnet::Error naming `source` when the record is not a list of targets. */
std::vector<FamilyMemberStats> familyFromJson(const json &j, const std::string &source);

} // namespace fbnet::detail
