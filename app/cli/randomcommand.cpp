// fbnet random: the random-search baseline, stored as its own run.

#include <chrono>
#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "fbnet/train.h"
#include "progress.h"

namespace fbnet::cli {

namespace {

struct RandomOptions
{
    std::string runs;
    std::string name;
    std::string budgetOf;
    double budget = 0;
    int maxArchitectures = 0;
    SearchInvocation inv;
    std::size_t trainSubset = 5000;  ///< per architecture; kept when --budget-of takes the search's space and data
    std::size_t testSubset = 2000;
    TrainConfig config;
};

int runRandom(RandomOptions &o)
{
    RunStore store(storePath(o.runs));
    SearchInvocation inv = o.inv;
    double budget = o.budget;
    if (!o.budgetOf.empty()) {
        // Same space, device and data as the search; its compute (search + training its architectures) as the budget.
        const RunInfo ref = store.run(o.budgetOf);
        inv = invocationFromJson(ref.invocationJson, store.path() + ": run " + ref.name + ": invocation");
        budget = ref.seconds;
        for (const auto &a : store.architectures(ref.id))
            for (const auto &e : store.evaluations(a.id))
                budget += e.seconds;
    }
    if (!(budget > 0) && o.maxArchitectures <= 0)
        throw Error::at("fbnet random", "--budget", "expected --budget SECONDS, --budget-of RUN or --max-archs N");
    setComputeThreads(o.config.threads);
    // Training images per architecture are this command's --subset, never the search's (its
    // subset sized the supernet's training, not the architectures').
    inv.subset = o.trainSubset;
    const TrainingSetup setup = loadTrainingSetup(inv.space, inv.dataset, inv.subset, o.testSubset, o.config.seed);
    const LatencyTable lut = loadTableWithProgress(inv.lut, setup.space);

    RunInfo info;
    info.name = o.name;
    info.kind = "random";
    info.space = setup.space.name;
    info.dataset = setup.train.name;
    info.lutDevice = lut.device;
    info.lutHash = contentHash(lut.toJsonText());
    info.seed = o.config.seed;
    SearchInvocation recorded = inv;
    recorded.numClasses = setup.train.numClasses;
    info.invocationJson = invocationToJson(recorded);
    info.configJson = nlohmann::json{{"budget_seconds", budget}, {"budget_of", o.budgetOf}, {"max_archs", o.maxArchitectures},
                                     {"train_epochs", o.config.epochs}, {"batch_size", o.config.batchSize}, {"lr", o.config.lr},
                                     {"test_subset", o.testSubset}, {"seed", o.config.seed}}
                          .dump(2);
    info.versions = versionString();
    const std::int64_t id = store.createRun(info);
    info = store.run(id);
    std::fprintf(stderr, "fbnet random: run '%s' (id %lld): uniform architectures of %s, each trained %d epoch(s) on %zu images, budget %s%s\n",
                 info.name.c_str(), (long long)id, setup.space.name.c_str(), o.config.epochs, setup.train.size(),
                 budget > 0 ? formatDuration(budget).c_str() : "none",
                 o.maxArchitectures > 0 ? (", at most " + std::to_string(o.maxArchitectures) + " architectures").c_str() : "");

    StopToken stop;
    SigintStop sigint(stop);
    std::mt19937_64 rng(o.config.seed + 0x5eed);
    const auto t0 = std::chrono::steady_clock::now();
    double spent = 0;
    int n = 0;
    while (!stop.stopRequested() && (o.maxArchitectures <= 0 || n < o.maxArchitectures) && (n == 0 || !(budget > 0) || spent < budget)) {
        StoredArchitecture s;
        s.runId = id;
        s.role = "random";
        Architecture &a = s.architecture;
        a.space = setup.space.name;
        a.name = "random" + std::to_string(n + 1);
        a.source = "fbnet random (uniform over the space, seed " + std::to_string(o.config.seed) + ")";
        for (const auto &l : setup.space.layers())
            a.blocks.push_back(l.candidates[std::uniform_int_distribution<std::size_t>(0, l.candidates.size() - 1)(rng)]);
        const ArchCost cost = computeCost(setup.space, a);
        s.macs = cost.macs;
        s.params = cost.params;
        s.lutMs = lut.predict(setup.space, a);
        s.id = store.addArchitecture(s);
        std::fprintf(stderr, "[%d] %s: %.3f ms, %s MACs (%s of %s spent)\n", n + 1, a.name.c_str(), s.lutMs,
                     formatCount(double(s.macs)).c_str(), formatDuration(spent).c_str(), formatDuration(budget).c_str());
        const Evaluation e = evaluateStored(store, s, setup, o.config, lut, stop, false, {});
        spent = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        store.setSeconds(id, spent);
        if (e.id)
            std::printf("%-10s %8.3f ms  top-1 %6.2f%%  %s\n", a.name.c_str(), s.lutMs, e.top1 * 100, a.blocksString().c_str());
        ++n;
    }
    store.setStatus(id, stop.stopRequested() ? "stopped" : "finished");
    std::printf("run '%s': %d random architectures in %s (budget %s); fbnet pareto --run SEARCH --baseline %s compares them\n",
                info.name.c_str(), n, formatDuration(spent).c_str(), budget > 0 ? formatDuration(budget).c_str() : "none",
                info.name.c_str());
    return stop.stopRequested() ? 130 : 0;
}

} // namespace

void addRandomCommand(CLI::App &app, Action &run)
{
    auto o = std::make_shared<RandomOptions>();
    o->config.epochs = 2;
    auto *cmd = app.add_subcommand("random", "Random-search baseline: train uniformly sampled architectures within a compute budget, stored as a run");
    cmd->add_option("--runs", o->runs, "Runs database (default: $XDG_DATA_HOME/fbnet-studio/runs.sqlite)");
    cmd->add_option("--name", o->name, "Name of the run (default: run-ID)");
    cmd->add_option("--budget", o->budget, "Compute budget in seconds");
    cmd->add_option("--budget-of", o->budgetOf, "Use a search run's compute (search + training its architectures), space, data and table");
    cmd->add_option("--max-archs", o->maxArchitectures, "Stop after this many architectures (0: budget only)")->capture_default_str();
    cmd->add_option("--space", o->inv.space, "Search space")->capture_default_str();
    cmd->add_option("--dataset", o->inv.dataset, "fashion-mnist[:DIR] | cifar10:DIR | synthetic[:N]")->capture_default_str();
    cmd->add_option("--lut", o->inv.lut, "Latency table for the LUT latency of each architecture")->capture_default_str();
    cmd->add_option("--subset", o->trainSubset, "Training images per architecture (0: all)")->capture_default_str();
    cmd->add_option("--test-subset", o->testSubset, "Test images")->capture_default_str();
    addPerArchitectureTrainingOptions(cmd, o->config);
    cmd->callback([o, &run] { run = [o] { return runRandom(*o); }; });
}

} // namespace fbnet::cli
