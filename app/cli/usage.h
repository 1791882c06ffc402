#pragma once
// How the CLI answers a mistyped command line: readable range checks, and "did you mean" for
// flags and subcommands (CLI11 itself says only "not expected" or "A subcommand is required").

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "fbnet/closest.h"

namespace fbnet::cli {

/** A whole number of at least `lo`: "must be a whole number >= 1, got 0" (not a 300-digit range). */
CLI::Validator atLeast(long long lo);

using fbnet::closestMatch;  // core: fbnet/closest.h

/**
 * The message for a failed parse, with suggestions for unknown flags and subcommands of the
 * command the user was typing (the deepest subcommand that parsed); empty: CLI11's own is fine.
 */
std::string suggestionFor(const CLI::App &app, const CLI::ParseError &error, int argc, char **argv);

} // namespace fbnet::cli
