#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "fbnet/dataset.h"
#include "fbnet/searchspace.h"

namespace fbnet::cli {

/** Each registers its subcommand(s) and sets `run` to the action chosen by the parse. */
using Action = std::function<int()>;
void addSearchCommand(CLI::App &app, Action &run);
void addArchCommands(CLI::App &app, Action &run);
void addLutCommands(CLI::App &app, Action &run);
void addTrainCommand(CLI::App &app, Action &run);
void addParetoCommand(CLI::App &app, Action &run);

std::string formatCount(double v);  ///< 249.37M, 4.30M, 12.9k

/** A space loaded with the data set's class count, and the train/test splits at its input size. */
struct TrainingSetup
{
    SearchSpace space;
    Dataset train;
    Dataset test;
};
TrainingSetup loadTrainingSetup(const std::string &spaceName, const std::string &dataset, std::size_t trainSubset,
                                std::size_t testSubset, std::uint64_t seed);

} // namespace fbnet::cli
