#pragma once
// "Did you mean": the closest of some known names to a mistyped one (flags, subcommands, run names).

#include <cstddef>
#include <string>
#include <vector>

namespace fbnet {

/** Levenshtein distance (insertions, deletions, substitutions). */
std::size_t editDistance(const std::string &a, const std::string &b);

/**
 * The candidate within a quarter of `word`'s length (plus one) in edits, or else the only candidate
 * `word` is a prefix of (3 characters or more); empty when there is none or it is ambiguous.
 */
std::string closestMatch(const std::string &word, const std::vector<std::string> &candidates);

} // namespace fbnet
