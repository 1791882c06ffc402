#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace fbnet::cli {

/** Each registers its subcommand(s) and sets `run` to the action chosen by the parse. */
using Action = std::function<int()>;
void addSearchCommand(CLI::App &app, Action &run);
void addArchCommands(CLI::App &app, Action &run);
void addLutCommands(CLI::App &app, Action &run);
void addTrainCommand(CLI::App &app, Action &run);
void addParetoCommand(CLI::App &app, Action &run);

std::string formatCount(double v);  ///< 249.37M, 4.30M, 12.9k

} // namespace fbnet::cli
