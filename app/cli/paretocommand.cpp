// fbnet pareto: train a run's architectures (and a random baseline's) and print the front.

#include <cmath>
#include <cstdio>
#include <map>

#include "commands.h"
#include "fbnet/chooser.h"
#include "fbnet/evaluate.h"
#include "fbnet/error.h"
#include "fbnet/lutbuild.h"
#include "fbnet/pareto.h"
#include "fbnet/resources.h"
#include "fbnet/train.h"
#include "fbnet/trainingplan.h"
#include "progress.h"
#include "usage.h"

namespace fbnet::cli {

Evaluation evaluateStored(RunStore &store, const StoredArchitecture &a, const TrainingSetup &setup, const TrainConfig &config,
                          const LatencyTable &lut, const StopToken &stop, bool measure, const std::string &weightsPath)
{
    return evaluateStoredArchitecture(store, a, setup, config, lut, stop, measure, weightsPath, printEpoch);
}

void printEpoch(const TrainEpoch &e)
{
    finishTrainProgress();
    std::fprintf(stderr, "  epoch %d: train acc %.1f%% | test top-1 %.2f%% | %.0f s\n", e.epoch + 1, e.trainAccuracy * 100,
                 e.testAccuracy * 100, e.seconds);
}

void addPerArchitectureTrainingOptions(CLI::App *cmd, TrainConfig &config, bool deviceFlag)
{
    cmd->add_option("--epochs", config.epochs, "Epochs per architecture")->capture_default_str()->check(atLeast(1));
    cmd->add_option("--batch-size", config.batchSize, "Batch size")->capture_default_str();
    cmd->add_option("--max-steps", config.maxStepsPerEpoch, "Cap steps per epoch (0: all)")->capture_default_str();
    cmd->add_option("--seed", config.seed, "Random seed")->capture_default_str();
    addComputeOptions(cmd, config.compute, deviceFlag);
}

void addComputeOptions(CLI::App *cmd, ComputeOptions &compute, bool deviceFlag)
{
    if (deviceFlag)
        cmd->add_option("--device", compute.device, "cpu, cuda or cuda:N (cuda needs a CUDA build of libtorch)")->capture_default_str();
    cmd->add_option("--precision", compute.precision,
                    "auto (bf16 on a GPU that computes it, else fp32), fp32, bf16 (autocast, a CPU too) or fp16 (GPU, loss scaling)")
        ->capture_default_str();
    cmd->add_option("--threads", compute.threads, "Compute threads (0: all cores)")->capture_default_str();
    cmd->add_option("--loader-threads", compute.loaderThreads,
                    "Image decoder threads for folder data sets (0: 1 on up to 4 cores, else a quarter of the cores)")
        ->capture_default_str();
    cmd->add_flag("--no-channels-last{false}", compute.channelsLast, "Keep activations in NCHW instead of NHWC");
}

void addImageOptions(CLI::App *cmd, ImageOptions &image)
{
    cmd->add_option("--val-fraction", image.valFraction,
                    "Folder data sets without train/ and val/: share of each class held out for validation (by a hash of each path)")
        ->capture_default_str()
        ->check(CLI::Range(0.001, 0.999));
    cmd->add_flag("--skip-bad-images", image.skipBadImages,
                  "Folder data sets: replace a damaged or unreadable image by the next readable one and report it, instead of stopping");
    cmd->add_option_function<std::string>(
           "--normalize", [&image](const std::string &v) { image.normalizeAuto = v == "auto"; },
           "Folder data sets: imagenet (ImageNet's mean and std, the default) or auto (from 256 training images)")
        ->check(CLI::IsMember({"imagenet", "auto"}));
    auto pair = [](double &lo, double &hi) {
        return [&lo, &hi](const std::vector<double> &v) {
            lo = v.at(0);
            hi = v.at(1);
        };
    };
    cmd->add_option_function<std::vector<double>>("--crop-scale", pair(image.scaleMin, image.scaleMax),
                                                  "Folder data sets, training crops: MIN MAX share of the image's area (default 0.08 1)")
        ->expected(2);
    cmd->add_option_function<std::vector<double>>("--crop-ratio", pair(image.ratioMin, image.ratioMax),
                                                  "Folder data sets, training crops: MIN MAX aspect ratio (default 0.75 1.333)")
        ->expected(2);
}

namespace {

struct ParetoOptions
{
    std::string runs;
    std::string run;
    std::string baseline;
    std::string device;
    std::string dataset;
    std::string out;
    bool measure = false;
    bool keepWeights = false;
    bool plan = false;
    double target = 0;
    std::size_t subset = 5000;
    std::size_t testSubset = 2000;
    int maxArchitectures = 0;
    TrainConfig config;
};

struct Point
{
    std::string origin;
    StoredArchitecture arch;
    Evaluation eval;
    double ms = 0;
};

int runPareto(ParetoOptions &o)
{
    RunStore store(storePath(o.runs));
    const RunInfo run = store.run(o.run);
    const SpaceAndTable st = loadRunSpace(run, store.path());
    const std::string dataset = o.dataset.empty() ? st.invocation.dataset : o.dataset;
    const TrainingSetup setup = loadTrainingSetup(st.invocation.space, dataset, o.subset, o.testSubset, o.config.seed,
                                                  st.invocation.image, st.invocation.inputSize);
    const LatencyTable lut = o.device.empty() ? st.lut : LatencyTable::load(resolveLutPath(o.device, st.space.name));

    std::vector<StoredArchitecture> todo;
    std::map<std::int64_t, std::string> origin;
    // --target: one member of a family, named as train and export name it (core's chosenArchitecture checks it).
    const double target = o.target > 0 ? chosenArchitecture(store, run, o.target).targetMs : 0;
    auto add = [&](const RunInfo &r, const std::string &from, int max) {
        for (const auto &a : store.architectures(r.id)) {
            if (max > 0 && int(todo.size()) >= max)
                break;
            if (target > 0 && r.id == run.id && std::abs(a.targetMs - target) > 1e-12)
                continue;
            todo.push_back(a);
            origin[a.id] = from;
        }
    };
    add(run, run.kind == "random" ? "random" : "search", run.kind == "random" ? 0 : o.maxArchitectures);
    if (!o.baseline.empty()) {
        const RunInfo b = store.run(o.baseline);
        if (b.space != run.space)
            throw Error::at(store.path(), "run " + b.name, "is in space " + b.space + ", run " + run.name + " in " + run.space);
        add(b, "random", 0);
    }
    if (todo.empty())
        throw Error::at(store.path(), "run " + run.name, "has no architectures (fbnet sample --run " + run.name + ")");

    {  // the work it starts, said before it starts (core's plan, as the studio's dialog says it)
        const TrainingPlanner planner(store, run, o.dataset);
        std::fprintf(o.plan ? stdout : stderr, "%s\n", planner.plan(todo, o.config, o.subset, o.testSubset).describe().c_str());
        if (o.plan)
            return 0;
    }
    StopToken stop;
    SigintStop sigint(stop);
    EvaluationEvents events;
    events.onArchitecture = [&](int i, int total, const StoredArchitecture &a, bool reused) {
        if (!reused)
            std::fprintf(stderr, "[%d/%d] training %s (%s, id %lld)\n", i, total, a.architecture.name.c_str(), origin[a.id].c_str(),
                         (long long)a.id);
    };
    events.onEpoch = [](int, int, const StoredArchitecture &, const TrainEpoch &e) { printEpoch(e); };
    events.onEvaluated = [&](int i, int total, const StoredArchitecture &a, const Evaluation &e, bool reused) {
        if (reused)
            std::fprintf(stderr, "[%d/%d] %s: stored evaluation %.2f%%\n", i, total, a.architecture.name.c_str(), e.top1 * 100);
    };
    TrainConfig config = o.config;
    attachTrainProgress(config);
    const EvaluationOutcome outcome = evaluateArchitectures(store, todo, setup, config, lut, o.measure, stop, events, o.keepWeights);
    std::vector<Point> points;
    for (const auto &done : outcome.evaluated)
        points.push_back({origin[done.architecture.id], done.architecture, done.evaluation,
                          o.measure ? done.evaluation.measuredMs : lut.predict(setup.space, done.architecture.architecture)});
    std::vector<ParetoPoint> pp;
    for (const auto &p : points)
        pp.push_back({p.arch.architecture.name, p.ms, p.eval.top1});
    const auto front = paretoFront(pp);
    std::vector<bool> onFront(points.size(), false);
    int fromSearch = 0;
    for (std::size_t i : front) {
        onFront[i] = true;
        fromSearch += points[i].origin == "search";
    }
    const std::string axis = o.measure ? "measured ms" : "LUT " + lut.unit();
    std::printf("%-6s %-12s %-8s %12s %10s %9s  %s\n", "id", "name", "origin", axis.c_str(), "top-1 %", "front", "blocks");
    std::string csv = "id,name,origin,latency_ms,latency_source,test_top1,macs,params,on_front,blocks\n";
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto &p = points[i];
        std::printf("%-6lld %-12s %-8s %12.3f %10.2f %9s  %s\n", (long long)p.arch.id, p.arch.architecture.name.c_str(), p.origin.c_str(),
                    p.ms, p.eval.top1 * 100, onFront[i] ? "*" : "", p.arch.architecture.blocksString().c_str());
        char buf[256];
        std::snprintf(buf, sizeof buf, "%lld,%s,%s,%.6g,%s,%.6g,%lld,%lld,%d,", (long long)p.arch.id, p.arch.architecture.name.c_str(),
                      p.origin.c_str(), p.ms, o.measure ? "measured on this CPU" : lut.device.c_str(), p.eval.top1,
                      (long long)p.arch.macs, (long long)p.arch.params, onFront[i] ? 1 : 0);
        csv += buf + p.arch.architecture.blocksString() + "\n";
    }
    std::printf("latency: %s; %zu of %zu architectures on the front, %d of them from the search\n",
                o.measure ? "measured on this CPU" : (lut.device + " (" + lut.provenanceKind + ")").c_str(), front.size(), points.size(),
                fromSearch);
    if (!o.out.empty()) {
        writeTextFileAtomic(o.out, csv);
        std::printf("written %s\n", o.out.c_str());
    }
    return stop.stopRequested() ? 130 : 0;
}

} // namespace

void addParetoCommand(CLI::App &app, Action &run)
{
    auto o = std::make_shared<ParetoOptions>();
    o->config.epochs = 2;
    auto *cmd = app.add_subcommand("pareto",
                                   "Train a run's architectures (argmax, samples; and a random baseline run's) and print the latency/accuracy front");
    cmd->add_option("--runs", o->runs, "Runs database (default: $XDG_DATA_HOME/fbnet-studio/runs.sqlite)");
    cmd->add_option("--run", o->run, "Run name or id (fbnet sample adds architectures to it)")->required();
    cmd->add_option("--baseline", o->baseline, "A random-search run (fbnet random) to show beside it");
    cmd->add_option("--device", o->device, "Latency table for the latency axis (default: the run's)");
    cmd->add_flag("--measure", o->measure, "Latency axis measured on this CPU (end to end) instead of a table");
    cmd->add_option("--dataset", o->dataset, "Data set (default: the run's)");
    cmd->add_option("--target", o->target, "A family run's target: train only its architectures (as train and export --target)")
        ->check(CLI::PositiveNumber);
    cmd->add_option("--max-archs", o->maxArchitectures, "Train at most this many of the run's architectures (0: all)")->capture_default_str();
    cmd->add_option("--subset", o->subset, "Training images per architecture")->capture_default_str();
    cmd->add_option("--test-subset", o->testSubset, "Test images")->capture_default_str();
    addPerArchitectureTrainingOptions(cmd, o->config, /*deviceFlag=*/false);  // --device names the latency table here
    cmd->add_option("--train-device", o->config.compute.device, "Where to train the architectures: cpu, cuda or cuda:N")
        ->capture_default_str();
    cmd->add_option("--out", o->out, "Also write the points as CSV");
    cmd->add_flag("--plan", o->plan, "Print the work it would start (architectures to train, reused, images, how long) and stop");
    cmd->add_flag("--keep-weights", o->keepWeights,
                  "Keep each training's weights in STORE-weights/ (one file per architecture and protocol, removed with its run); "
                  "fbnet export then exports them");
    cmd->callback([o, &run] { run = [o] { return runPareto(*o); }; });
}

} // namespace fbnet::cli
