#pragma once
// Private: a family search's per-target epoch records as JSON, one codec for the checkpoint and
// the run store.

#include "fbnet/search.h"
#include "jsonutil.h"

namespace fbnet::detail {

json familyToJson(const std::vector<FamilyMemberStats> &family);
/** fbnet::Error naming `source` when the record is not a list of targets. */
std::vector<FamilyMemberStats> familyFromJson(const json &j, const std::string &source);

} // namespace fbnet::detail
