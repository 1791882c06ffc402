// fbnet random: the random-search baseline, stored as its own run.

#include <cstdio>

#include "commands.h"
#include "fbnet/error.h"
#include "fbnet/randombaseline.h"
#include "fbnet/trainingplan.h"
#include "progress.h"

namespace fbnet::cli {

namespace {

struct RandomOptions
{
    std::string runs;
    RandomBaselineRequest request;
    bool plan = false;
};

int runRandom(RandomOptions &o)
{
    RunStore store(storePath(o.runs));
    const RandomBaselineRequest &r = o.request;
    if (!r.budgetOf.empty()) {  // the work it starts, said before it starts (core's plan, as the studio's dialog says it)
        const TrainingPlanner planner(store, store.run(r.budgetOf));
        std::fprintf(o.plan ? stdout : stderr, "%s\n", planner.planBaseline(r.config, r.trainSubset, r.testSubset).describe().c_str());
    } else if (o.plan) {
        throw Error::at("--plan", "", "needs --budget-of RUN: the plan estimates from that run's compute and its trainings");
    }
    if (o.plan)
        return 0;
    StopToken stop;
    SigintStop sigint(stop);
    ProgressLine lutLine;
    RandomBaselineEvents events;
    events.lutProgress = [&lutLine](int done, int total, const std::string &) {
        lutLine.update("measuring this CPU's latency table (first use): " + std::to_string(done) + "/" + std::to_string(total),
                       done == total);
    };
    double budget = 0;
    events.onStarted = [&](const RunInfo &info, const TrainingSetup &setup, double b) {
        lutLine.finish();
        budget = b;
        std::fprintf(stderr, "fbnet random: run '%s' (id %lld): uniform architectures of %s, each trained %d epoch(s) on %zu images, budget %s%s\n",
                     info.name.c_str(), (long long)info.id, setup.space.name.c_str(), r.config.epochs, setup.train.size(),
                     b > 0 ? formatDuration(b).c_str() : "none",
                     r.maxArchitectures > 0 ? (", at most " + std::to_string(r.maxArchitectures) + " architectures").c_str() : "");
    };
    events.onArchitecture = [&](int n, const StoredArchitecture &s, double spent) {
        std::fprintf(stderr, "[%d] %s: %.3f ms, %s MACs (%s of %s spent)\n", n, s.architecture.name.c_str(), s.lutMs,
                     formatCount(double(s.macs)).c_str(), formatDuration(spent).c_str(), formatDuration(budget).c_str());
    };
    events.onEpoch = [&](int, const StoredArchitecture &, const TrainEpoch &e) {
        printEpoch(e);
    };
    events.onEvaluated = [](int, const StoredArchitecture &s, const Evaluation &e) {
        std::printf("%-10s %8.3f ms  top-1 %6.2f%%  %s\n", s.architecture.name.c_str(), s.lutMs, e.top1 * 100,
                    s.architecture.blocksString().c_str());
    };
    RandomBaselineOutcome out;
    try {
        RandomBaselineRequest withProgress = r;
        attachTrainProgress(withProgress.config);
        out = runRandomBaseline(store, withProgress, stop, events);
    } catch (...) {
        lutLine.finish();
        throw;
    }
    std::printf("run '%s': %d random architectures in %s (budget %s); fbnet pareto --run SEARCH --baseline %s compares them\n",
                out.run.name.c_str(), out.architectures, formatDuration(out.spentSeconds).c_str(),
                out.budgetSeconds > 0 ? formatDuration(out.budgetSeconds).c_str() : "none", out.run.name.c_str());
    return out.stopped ? 130 : 0;
}

} // namespace

void addRandomCommand(CLI::App &app, Action &run)
{
    auto o = std::make_shared<RandomOptions>();
    RandomBaselineRequest &r = o->request;
    r.config.epochs = 2;
    auto *cmd = app.add_subcommand("random", "Random-search baseline: train uniformly sampled architectures within a compute budget, stored as a run");
    cmd->add_option("--runs", o->runs, "Runs database (default: $XDG_DATA_HOME/fbnet-studio/runs.sqlite)");
    cmd->add_option("--name", r.name, "Name of the run (default: run-ID)");
    cmd->add_option("--budget", r.budgetSeconds, "Compute budget in seconds");
    cmd->add_option("--budget-of", r.budgetOf, "Use a search run's compute (search + training its architectures), space, data and table");
    cmd->add_option("--max-archs", r.maxArchitectures, "Stop after this many architectures (0: budget only)")->capture_default_str();
    cmd->add_flag("--plan", o->plan, "Print the work it would start (budget, images, about how many architectures) and stop");
    cmd->add_option("--space", r.invocation.space, "Search space")->capture_default_str();
    cmd->add_option("--dataset", r.invocation.dataset, datasetSyntaxSummary(" | ", " | "))->capture_default_str();
    cmd->add_option("--lut", r.invocation.lut, "Latency table for the LUT latency of each architecture")->capture_default_str();
    cmd->add_option("--subset", r.trainSubset, "Training images per architecture (0: all)")->capture_default_str();
    cmd->add_option("--test-subset", r.testSubset, "Test images")->capture_default_str();
    addPerArchitectureTrainingOptions(cmd, r.config);
    cmd->callback([o, &run] { run = [o] { return runRandom(*o); }; });
}

} // namespace fbnet::cli
