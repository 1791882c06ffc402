#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "fbnet/error.h"
#include "fbnet/compute.h"
#include "fbnet/resources.h"
#include "fbnet/train.h"
#include "progress.h"
#include "usage.h"

namespace fbnet::cli {

namespace {

struct TrainOptions
{
    std::string arch;
    std::string space;
    std::string dataset;  // empty: a stored architecture's run's, else fashion-mnist
    std::size_t subset = 10000;
    std::size_t testSubset = 0;
    bool noAugment = false;
    std::string out;
    std::string runs;
    std::string name;
    bool noStore = false;
    bool initFromSupernet = false;
    ImageOptions image;
    int inputSize = 0;
    double target = 0;  ///< with RUN:argmax on a family run
    TrainConfig config;
};

/** RUN:ID without --dataset trains and tests on the data the run searched (its split, image options and
 *  input size where those were not given), as pareto does; anything else on fashion-mnist. Without this,
 *  --init-from-supernet scored a supernet on another data set's test images. */
void takeRunDataUnlessGiven(TrainOptions &o, std::int64_t storedId)
{
    if (!o.dataset.empty())
        return;
    o.dataset = "fashion-mnist";
    if (!storedId)
        return;
    const RunStore store(storePath(o.runs), RunStore::Access::ReadOnly);
    const RunInfo run = store.run(store.architecture(storedId).runId);
    const SearchInvocation inv = invocationFromJson(run.invocationJson, store.path());
    if (inv.dataset.empty())
        return;
    o.dataset = inv.dataset;
    if (o.image == ImageOptions())  // no image flag given
        o.image = inv.image;
    if (o.inputSize == 0)
        o.inputSize = inv.inputSize;
    std::fprintf(stderr, "fbnet train: data of run '%s': %s\n", run.name.c_str(), o.dataset.c_str());
}

/** The result goes to the store: on the stored architecture, or on a "train" run holding this one. */
void recordTraining(const TrainOptions &o, std::int64_t storedId, const std::string &spaceName, const TrainingSetup &setup,
                    const Architecture &arch, const ArchCost &cost, const TrainResult &r)
{
    const SearchSpace &space = setup.space;
    const Dataset &train = setup.train;
    // Results go to the store: on the stored architecture, or on a "train" run holding this one.
    RunStore store(storePath(o.runs));
    if (!storedId) {
        RunInfo info;
        info.name = o.name;
        info.kind = "train";
        info.status = "finished";
        info.space = space.name;
        info.dataset = train.name;
        info.seed = o.config.seed;
        SearchInvocation inv;
        inv.space = spaceName;
        inv.dataset = o.dataset;
        // the run's table: the default device's when the space has one (pixel3 is fbnet-cifar's), else MACs
        inv.lut = "pixel3";
        try {
            resolveLutPath(inv.lut, space.name);
        } catch (const Error &) {
            inv.lut = "flops";
        }
        inv.subset = o.subset;
        inv.numClasses = train.numClasses;
        inv.inputSize = o.inputSize;
        info.invocationJson = invocationToJson(inv);
        info.versions = versionString();
        info.seconds = r.seconds;
        const std::int64_t runId = store.createRun(info);
        StoredArchitecture sa;
        sa.runId = runId;
        sa.role = "imported";
        sa.architecture = arch;
        sa.macs = cost.macs;
        sa.params = cost.params;
        storedId = store.addArchitecture(sa);
        std::printf("stored as run '%s'\n", store.run(runId).name.c_str());
    }
    Evaluation e;
    e.architectureId = storedId;
    e.dataset = train.name;
    e.epochs = int(r.epochs.size());
    e.top1 = r.testTop1;
    e.seconds = r.seconds;
    e.weightsPath = o.out.empty() ? std::string() : std::filesystem::absolute(o.out + "/weights.pt").string();
    e.protocol = trainingProtocol(setup, o.config);
    store.addEvaluation(e);
    std::printf("evaluation stored on architecture %lld in %s\n", (long long)storedId, store.path().c_str());
}

/** result.json and architecture.json beside weights.pt in --out. */
void writeTrainOutputs(const TrainOptions &o, const TrainingSetup &setup, const Architecture &arch, const ArchCost &cost, const TrainResult &r)
{
    const SearchSpace &space = setup.space;
    const Dataset &train = setup.train, &test = setup.test;
    nlohmann::json epochs = nlohmann::json::array();
    for (const auto &e : r.epochs)
        epochs.push_back({{"epoch", e.epoch + 1}, {"train_loss", e.trainLoss}, {"train_accuracy", e.trainAccuracy},
                          {"test_top1", e.testAccuracy}, {"seconds", e.seconds}});
    // What rebuilding the network for weights.pt needs beyond architecture.json: the classes and input size it was trained with.
    const nlohmann::json j = {{"architecture", arch.blocks}, {"space", space.name}, {"dataset", train.name},
                              {"num_classes", space.numClasses}, {"input_size", arch.inputSize.value_or(space.inputSize)},
                              {"class_names", train.classNames},
                              {"train_images", train.size()}, {"test_images", test.size()}, {"macs", cost.macs},
                              {"params", cost.params}, {"test_top1", r.testTop1}, {"stopped", r.stopped},
                              {"config", {{"epochs", o.config.epochs}, {"batch_size", o.config.batchSize}, {"lr", o.config.lr},
                                          {"momentum", o.config.momentum}, {"weight_decay", o.config.weightDecay},
                                          {"augment", o.config.augment}, {"seed", o.config.seed}}},
                              {"epochs", epochs}, {"weights", "weights.pt (state dict; Python: torch.load)"}};
    writeTextFileAtomic(o.out + "/result.json", j.dump(2) + "\n");
    saveArchitecture(arch, o.out + "/architecture.json");
    std::printf("written %s/ (result.json, architecture.json, weights.pt)\n", o.out.c_str());
}

int runTrain(TrainOptions &o)
{
    if (o.config.epochs == 0 && !o.initFromSupernet)
        throw Error::at("--epochs", "", "0 evaluates a supernet's weights of the architecture without training: it needs --init-from-supernet");
    checkComputeAvailable(o.config.compute);  // before any data is read or folder made
    std::int64_t storedId = 0;
    std::string spaceName;
    Architecture arch = loadArchitectureArg(o.arch, o.space, o.runs, &storedId, &spaceName, o.target);
    takeRunDataUnlessGiven(o, storedId);
    const TrainingSetup setup = loadTrainingSetup(spaceName, o.dataset, o.subset, o.testSubset, o.config.seed, o.image, o.inputSize);
    const SearchSpace &space = setup.space;
    arch.space = space.name;
    if (o.initFromSupernet) {
        if (!storedId)
            throw Error::at("--init-from-supernet", "", "needs --arch RUN:argmax or RUN:ID (an architecture of a stored search)");
        RunStore store(storePath(o.runs));
        const RunInfo run = store.run(store.architecture(storedId).runId);
        if (run.checkpointPath.empty() || !std::filesystem::exists(run.checkpointPath))
            throw Error::at(store.path(), "run " + run.name, "has no checkpoint to take supernet weights from");
        o.config.initFromCheckpoint = run.checkpointPath;
        std::fprintf(stderr, "fbnet train: initialised from the supernet of run '%s' (%s)\n", run.name.c_str(), run.checkpointPath.c_str());
    }
    const Dataset &train = setup.train, &test = setup.test;
    o.config.augment = !o.noAugment;
    const ArchCost cost = computeCost(space, arch);
    std::fprintf(stderr, "fbnet train: %s on %s (%zu train / %zu test images), %s MACs, %s params, %d epochs\n",
                 arch.blocksString().c_str(), train.name.c_str(), train.size(), test.size(), formatCount(double(cost.macs)).c_str(),
                 formatCount(double(cost.params)).c_str(), o.config.epochs);
    if (!o.out.empty())
        std::filesystem::create_directories(o.out);
    StopToken stop;
    SigintStop sigint(stop);
    // torchrun or Slurm: data-parallel; rank 0 alone stores the result and writes --out.
    const DistributedLaunch launch = distributedLaunchFromEnvironment();
    if (launch.active())
        std::fprintf(stderr, "fbnet train: %s, global batch %d\n", launch.describe().c_str(), o.config.batchSize * launch.worldSize);
    const bool writer = launch.rank == 0;
    if (writer)
        attachTrainProgress(o.config, "");
    const TrainResult r = trainArchitecture(space, arch, train, test, o.config, [writer](const TrainEpoch &e) {
        finishTrainProgress();
        if (writer)
            std::fprintf(stderr, "epoch %d: train loss %.3f acc %.1f%% | test top-1 %.2f%% | %.0f s\n", e.epoch + 1, e.trainLoss,
                         e.trainAccuracy * 100, e.testAccuracy * 100, e.seconds);
    }, stop, o.out.empty() || !writer ? std::string() : o.out + "/weights.pt", launch);
    if (!writer) {
        std::printf("rank %d: test top-1 %.2f%% (its own BN statistics) after %zu epoch(s); final train loss %.17g\n", launch.rank,
                    r.testTop1 * 100, r.epochs.size(), r.epochs.empty() ? 0.0 : r.epochs.back().trainLoss);
        return r.stopped ? 130 : 0;
    }
    if (launch.active())
        std::printf("rank 0: final train loss %.17g\n", r.epochs.empty() ? 0.0 : r.epochs.back().trainLoss);
    std::printf("test top-1 %.2f%% after %zu epoch(s) in %.0f s%s\n", r.testTop1 * 100, r.epochs.size(), r.seconds,
                r.stopped ? " (stopped)" : "");
    if (o.config.epochs == 0)
        std::printf("(the supernet's weights of these blocks, not trained: not stored as an evaluation)\n");
    if (!r.stopped && !o.noStore && o.config.epochs > 0)
        recordTraining(o, storedId, spaceName, setup, arch, cost, r);
    if (!o.out.empty())
        writeTrainOutputs(o, setup, arch, cost, r);
    return r.stopped ? 130 : 0;
}

} // namespace

void addTrainCommand(CLI::App &app, Action &run)
{
    auto o = std::make_shared<TrainOptions>();
    auto *cmd = app.add_subcommand("train", "Train an architecture from scratch and evaluate top-1 on the test split");
    cmd->add_option("--arch", o->arch, "Architecture: RUN:argmax | RUN:ID (stored), a published name, our JSON or a mobile-vision arch_def file")->required();
    cmd->add_option("--target", o->target, "With --arch RUN:argmax on a family run: the target whose architecture to train (as export --target)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--runs", o->runs, "Runs database the result goes to (default: $XDG_DATA_HOME/fbnet-studio/runs.sqlite)");
    cmd->add_option("--name", o->name, "Name of the run that holds a non-stored architecture (default: run-ID)");
    cmd->add_flag("--no-store", o->noStore, "Do not record the result in the runs database");
    cmd->add_flag("--sync-bn", o->config.syncBatchNorm, "Data-parallel: BN statistics over the global batch (all processes)");
    cmd->add_flag("--init-from-supernet", o->initFromSupernet,
                  "Start from the search's supernet weights of the chosen blocks (needs --arch RUN:ID; FBNetV2: sliced to the chosen widths)");
    cmd->add_option("--space", o->space, "Search space (default: the one the architecture names)");
    cmd->add_option("--dataset", o->dataset, datasetSyntaxSummary(" | ", " | ") + " (default: a stored architecture's run's, else fashion-mnist)");
    cmd->add_option("--subset", o->subset, "Training images (0: all)")->capture_default_str();
    cmd->add_option("--test-subset", o->testSubset, "Test images (0: all)")->capture_default_str();
    cmd->add_option("--epochs", o->config.epochs, "Epochs (0 with --init-from-supernet: the supernet's accuracy of the architecture, no training, not stored)")
        ->capture_default_str()
        ->check(atLeast(0));
    cmd->add_option("--batch-size", o->config.batchSize, "Batch size")->capture_default_str()->check(CLI::Range(2, 1 << 16));
    cmd->add_option("--lr", o->config.lr, "SGD learning rate (cosine to 0)")->capture_default_str();
    cmd->add_flag("--no-augment", o->noAugment, "No random crop / flip (folder data sets: centre crops instead of random-resized crops)");
    cmd->add_option("--max-steps", o->config.maxStepsPerEpoch, "Cap steps per epoch (0: all)")->capture_default_str();
    cmd->add_option("--seed", o->config.seed, "Random seed")->capture_default_str();
    addComputeOptions(cmd, o->config.compute);
    addImageOptions(cmd, o->image);
    cmd->add_option("--input-size", o->inputSize, "Images and network at NxN instead of the space's input (FBNet spaces)")
        ->check(CLI::Range(8, 1024));
    cmd->add_option("--out", o->out, "Write result.json, architecture.json and weights.pt here");
    cmd->callback([o, &run] { run = [o] { return runTrain(*o); }; });
}

} // namespace fbnet::cli
