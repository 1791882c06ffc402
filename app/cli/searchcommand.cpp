#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>

#include "commands.h"
#include "fbnet/archexport.h"
#include "fbnet/compute.h"
#include "fbnet/convergence.h"
#include "fbnet/error.h"
#include "fbnet/family.h"
#include "fbnet/lutbuild.h"
#include "fbnet/report.h"
#include "fbnet/resources.h"
#include "fbnet/runstore.h"
#include "fbnet/storedsearch.h"
#include "fbnet/search.h"
#include "progress.h"
#include "usage.h"

namespace fbnet::cli {

namespace {

struct SearchOptions
{
    SearchInvocation inv;
    std::string out;
    std::string mode = "soft";
    std::string loss;
    std::string runs;
    std::string name;
    std::string resume;
    std::string targets;
    CLI::Option *targetsOption = nullptr;  ///< given at all (an empty list is refused, not a plain search)
    std::string weightSampling = "theta";
    int front = 0;
    bool forceTakeover = false;
    SearchConfig config;
};

/** The chooser's picks: per target, its candidates' scores and the one kept. */
void printChooserPicks(const std::vector<ChooserPick> &picks, const std::string &chooser, const std::string &unit)
{
    for (const auto &p : picks) {
        std::printf("%s pick%s: %s, %.3f %s", chooser.c_str(),
                    p.targetMs > 0 ? (" for target " + targetLabel(p.targetMs, unit)).c_str() : "", p.pick.architecture.blocksString().c_str(),
                    p.pick.lutMs, unit.c_str());
        std::printf(" (the best of %zu candidates by theta; scores", p.candidates.size());
        for (double v : p.scores)
            std::printf(" %.4g", v);
        std::printf(")\n");
    }
}

/** What the expected cost is called: "E[latency]" on a latency table (ms), "E[cost]" on FLOPs or parameters, as in the studio. */
const char *expectedLabel(const std::string &unit)
{
    return unit == "ms" ? "E[latency]" : "E[cost]";
}

class CliObserver final : public SearchObserver
{
public:
    void onStep(const StepStats &s) override
    {
        char buf[288];
        std::snprintf(buf, sizeof buf, "[%3d%%] epoch %d/%d %s step %d/%d  loss %.3f  acc %.1f%%  %s %.2f %s  tau %.2f  %.0f img/s  ETA %s",
                      s.totalSteps > 0 ? 100 * s.doneSteps / s.totalSteps : 0, s.epoch + 1, m_epochs, s.phase == Phase::Weights ? "weights" : "theta  ", s.step + 1,
                      s.stepsInPhase, s.loss, s.accuracy * 100, expectedLabel(m_unit), s.expectedLatencyMs, m_unit.c_str(), s.temperature, s.imagesPerSecond,
                      formatDuration(s.etaSeconds).c_str());
        m_line.update(buf);
    }
    void onEpoch(const EpochStats &e) override
    {
        m_line.finish();
        std::fprintf(stderr, "epoch %d: weights loss %.3f acc %.1f%%", e.epoch + 1, e.weightsLoss, e.weightsAccuracy * 100);
        if (e.thetaTrained)
            std::fprintf(stderr, " | theta loss %.3f acc %.1f%%", e.thetaLoss, e.thetaAccuracy * 100);
        if (!e.family.empty()) {
            std::fprintf(stderr, " | %.0f s\n", e.seconds);
            for (const auto &f : e.family)
                std::fprintf(stderr, "  target %g: %s %.2f, argmax %.2f, pick %s %s\n", f.targetMs, expectedLabel(m_unit), f.expectedLatencyMs,
                             f.argmaxLatencyMs, f.pickLatencyMs > 0 ? std::to_string(f.pickLatencyMs).substr(0, 6).c_str() : "none", m_unit.c_str());
            return;
        }
        std::fprintf(stderr, " | %s %.2f %s, argmax %.2f %s | %.0f s\n", expectedLabel(m_unit), e.expectedLatencyMs, m_unit.c_str(), e.argmaxLatencyMs,
                     m_unit.c_str(), e.seconds);
    }
    int m_epochs = 0;
    std::string m_unit = "ms";
    ProgressLine m_line;
};

/** The line every rank of a data-parallel search prints: theta's checksum is the same on all of them. */
void printRankSummary(int rank, const SearchResult &r)
{
    double sum = 0;
    for (const auto &layer : r.theta)
        for (double v : layer)
            sum += v;
    std::printf("rank %d: %s after %d epoch(s); theta sum %.17g\n", rank, r.stopped ? "stopped" : "finished", r.epochsCompleted, sum);
}

/** A rank other than 0 of a torchrun or Slurm launch: computes its shards, writes nothing. */
int runSearchRankCommand(const StoredSearchRequest &req, const std::string &storePath)
{
    std::fprintf(stderr, "fbnet search: %s\n", req.launch.describe().c_str());
    StopToken stop;
    SigintStop sigint(stop);
    const SearchResult r = runSearchRank(storePath, req, stop);
    printRankSummary(req.launch.rank, r);
    return r.stopped ? 130 : 0;
}

/** A family search's result: per target its pick, how far it lies from the target, and the plain argmax beside it. */
void printFamily(const SearchResult &result, const std::string &unit)
{
    const auto &last = result.epochs.back().family;
    std::printf("%-10s %10s %10s %8s %10s %10s  %s\n", "target", "pick", unit.c_str(), "off", "argmax", expectedLabel(unit), "blocks");
    for (const auto &s : result.samples) {
        if (!s.isArgmax)
            continue;
        const FamilyMemberStats *f = nullptr;
        for (const auto &m : last)
            if (m.targetMs == s.targetMs)
                f = &m;
        std::printf("%-10g %10s %10.3f %+7.1f%% %10.3f %10.3f  %s\n", s.targetMs, s.architecture.name.c_str(), s.latencyMs,
                    100 * (s.latencyMs / s.targetMs - 1), f ? f->argmaxLatencyMs : 0.0, f ? f->expectedLatencyMs : 0.0,
                    s.architecture.blocksString().c_str());
    }
    std::printf("pick: the most probable architecture under the target's theta within +-5%% of it; argmax: theta's plain argmax\n");
}

/** A plain search's result: its argmax in full, then its samples. */
void printArchitecture(const SearchResult &result, bool untrained, const std::string &unit, const std::string &lutDevice)
{
    const auto &best = result.samples.front();
    std::printf("architecture%s: %s\n", untrained ? " (UNTRAINED θ)" : "", best.architecture.blocksString().c_str());
    if (!best.architecture.layerWidths.empty())
        std::printf("  %s\n", shapesString(best.architecture).c_str());
    std::printf("  MACs %s, params %s, cost %.3f %s (%s)\n", formatCount(double(best.macs)).c_str(),
                formatCount(double(best.params)).c_str(), best.latencyMs, unit.c_str(), lutDevice.c_str());
    for (std::size_t i = 1; i < result.samples.size(); ++i)
        std::printf("  %s: %.3f %s, %s MACs\n", result.samples[i].architecture.name.c_str(), result.samples[i].latencyMs, unit.c_str(),
                    formatCount(double(result.samples[i].macs)).c_str());
}

/** What a user does with a finished search: train what it hands back (weights kept), export it. */
void printNextSteps(const std::string &store, const std::string &run, double targetMs)
{
    char target[48] = "";
    if (targetMs > 0)
        std::snprintf(target, sizeof target, " --target %g", targetMs);
    std::printf("next: fbnet train --runs %s --arch %s:argmax%s --epochs 10 --out %s-trained   (trains it, keeps its weights)\n"
                "      fbnet export --runs %s --run %s%s --format onnx --out %s.onnx   (with the newest trained weights)\n",
                store.c_str(), run.c_str(), target, run.c_str(), store.c_str(), run.c_str(), target, run.c_str());
}

/** Where a search's time went beyond its steps (checkpoints, all-reduce, waiting for images) and the images it replaced. */
void printCosts(const SearchResult &result, bool distributed)
{
    std::fprintf(stderr, "checkpoints: %.1f s of %.1f s (%.2f%%)\n", result.checkpointSeconds, result.seconds,
                 100 * result.checkpointSeconds / std::max(1e-9, result.seconds));
    if (result.syncSeconds > 0 && distributed) {
        const double steps = std::max(1, result.stepsRun);
        std::fprintf(stderr, "all-reduce: %.1f s of %.1f s (%.2f%%), %.1f ms and %.2f MB of gradients per step\n", result.syncSeconds,
                     result.seconds, 100 * result.syncSeconds / std::max(1e-9, result.seconds), 1000 * result.syncSeconds / steps,
                     result.syncBytes / steps / 1e6);
    }
    if (result.dataWaitSeconds > 0)
        std::fprintf(stderr, "waiting for images: %.1f s of %.1f s (%.2f%%)\n", result.dataWaitSeconds, result.seconds,
                     100 * result.dataWaitSeconds / std::max(1e-9, result.seconds));
    if (!result.badImages.empty()) {
        std::printf("replaced %zu damaged image(s) by the next readable one (--skip-bad-images):\n", result.badImages.size());
        for (const auto &f : result.badImages)
            std::printf("  %s\n", f.c_str());
    }
}

/** Whether θ settled (core's rule, the studio's banner): said before the architecture it qualifies. */
void printConvergence(const SearchSpace &space, const EpochStats &last, const std::string &unit)
{
    if (space.name.empty())
        return;
    const ThetaConvergence cv = assessConvergence(space, last, unit);
    if (!cv.confidence.empty())
        std::printf("theta: %s\n", cv.summary().c_str());
    for (const auto &w : cv.warnings)
        std::printf("warning: %s\n", w.c_str());
}

int runSearchCommand(SearchOptions &o)
{
    StoredSearchRequest req;
    req.invocation = o.inv;
    if (req.invocation.lut.empty()) {
        // The default cost: the Pixel 3 table for FBNet spaces, FLOPs for FBNetV2 spaces.
        req.invocation.lut = SearchSpace::load(resolveSpacePath(req.invocation.space)).searchesShapes() ? "flops" : "pixel3";
    }
    req.config = o.config;
    req.name = o.name;
    req.resume = o.resume;
    req.threads = o.config.compute.threads;
    req.forceTakeover = o.forceTakeover;
    SearchConfig &c = req.config;
    if (o.resume.empty()) {
        c.mode = maskModeFromString(o.mode);
        c.weightSampling = weightSamplingFromString(o.weightSampling);
        if (!o.targets.empty() && o.front > 0)
            throw Error::at("--targets", o.targets, "give either --targets LIST or --front K, not both");
        if (!o.targets.empty() || (o.targetsOption && o.targetsOption->count() > 0))
            c.targets = parseTargets(o.targets, "--targets");
        req.front = o.front;
        req.loss = o.loss;  // the loss rule (a family trains on its targets' loss) is core's: applyLossRule
    }
    req.launch = distributedLaunchFromEnvironment();
    const std::string storePathText = o.runs.empty() ? RunStore::defaultPath() : o.runs;
    if (req.launch.rank > 0)
        return runSearchRankCommand(req, storePathText);
    RunStore store(storePathText);

    StopToken stop;
    SigintStop sigint(stop);
    CliObserver observer;
    ProgressLine lutLine;
    const auto lutProgress = [&lutLine](int done, int total, const std::string &) {
        lutLine.update("measuring this CPU's latency table (first use): " + std::to_string(done) + "/" + std::to_string(total),
                       done == total);
    };
    std::string lutDevice, unit = "ms", runName;
    SearchSpace space;  // for the convergence verdict
    StoredSearchOutcome outcome;
    SearchInputs inputs;
    try {
        outcome = runStoredSearch(store, req, observer, stop, lutProgress,
                                  [&](const RunInfo &run, const SearchInputs &in, const SearchConfig &cfg) {
                                      lutLine.finish();
                                      observer.m_epochs = cfg.epochs;
                                      observer.m_unit = in.lut.unit();
                                      unit = in.lut.unit();
                                      std::fprintf(stderr, "fbnet search%s: run '%s' (id %lld) in %s%s\n",
                                                   o.resume.empty() ? "" : " --resume", run.name.c_str(), (long long)run.id,
                                                   store.path().c_str(),
                                                   req.launch.active() ? (", " + req.launch.describe()).c_str() : "");
                                      std::fprintf(stderr,
                                                   "  space %s (%d layers, 10^%.1f architectures), data %s (%zu images), LUT %s (%s), "
                                                   "%s mode, %d epochs (%d warm-up, %d done), batch %d, %d threads\n",
                                                   in.space.name.c_str(), in.space.layerCount(), in.space.log10Size(),
                                                   in.data.name.c_str(), in.data.size(), in.lut.device.c_str(),
                                                   in.lut.provenanceKind.c_str(), toString(cfg.mode).c_str(), cfg.epochs,
                                                   cfg.warmupEpochs, run.epochsCompleted, cfg.batchSize, resolvedComputeThreads(cfg.compute.threads));
                                      if (in.data.streamed())
                                          std::fprintf(stderr, "  %d classes, %zu files ignored (not images), streamed at %dx%d with %d loader thread(s)\n",
                                                       in.data.numClasses, in.data.ignoredFiles, in.data.height, in.data.width,
                                                       cfg.compute.loaderThreads > 0 ? cfg.compute.loaderThreads : defaultLoaderThreads());
                                      if (!o.out.empty())
                                          inputs = in;
                                      space = in.space;
                                      c = cfg;
                                      runName = run.name;
                                  });
    } catch (const std::exception &e) {
        lutLine.finish();
        observer.m_line.finish();
        if (!runName.empty() && std::string(e.what()).find("resumes there") != std::string::npos)
            std::fprintf(stderr, "fbnet search: run '%s' failed; once the cause is mended, resume with: fbnet search --runs %s --resume %s\n",
                         runName.c_str(), store.path().c_str(), runName.c_str());
        throw;
    }
    observer.m_line.finish();
    const RunInfo &run = outcome.run;
    const SearchResult &result = outcome.result;
    if (result.epochs.empty()) {
        std::fprintf(stderr, "fbnet search: stopped before the first epoch ended; resume with: fbnet search --runs %s --resume %s\n",
                     store.path().c_str(), run.name.c_str());
        return 130;
    }
    if (!o.out.empty())
        writeSearchOutputs(o.out, inputs.space, inputs.lut, inputs.data.name, c, result);
    const bool family = !result.epochs.back().family.empty();
    std::printf("run '%s' (id %lld) %s after %d epoch(s), %s in this session\n", run.name.c_str(), (long long)run.id,
                result.stopped ? "stopped" : "finished", result.epochsCompleted, formatDuration(result.seconds).c_str());
    if (result.stopped)
        std::printf("resume with: fbnet search --runs %s --resume %s\n", store.path().c_str(), run.name.c_str());
    printCosts(result, req.launch.active());
    const bool untrained = std::none_of(result.epochs.begin(), result.epochs.end(), [](const EpochStats &e) { return e.thetaTrained; });
    if (untrained)
        std::printf("warning: %s\n", untrainedThetaWarning().c_str());
    else
        printConvergence(space, result.epochs.back(), unit);
    if (family)
        printFamily(result, unit);
    else
        printArchitecture(result, untrained, unit, run.lutDevice);
    printChooserPicks(outcome.picks, effectivePickBy(c, false), unit);  // picks exist only on FBNet spaces
    if (!o.out.empty())
        std::printf("written to %s/ (architecture.json, samples.json, theta.json, epochs.csv, config.json)\n", o.out.c_str());
    if (req.launch.active())
        printRankSummary(0, result);
    if (!result.stopped)
        printNextSteps(store.path(), run.name, family ? result.samples.front().targetMs : 0);
    return result.stopped ? 130 : 0;
}

/** A resume continues the run as stored: an option it may not change (core's rule) is refused, not ignored. */
void refuseResumeChanges(const CLI::App &cmd, const SearchOptions &o)
{
    if (o.resume.empty())
        return;
    for (const CLI::Option *opt : cmd.get_options())
        if (opt->count() > 0 && !opt->get_lnames().empty() && opt->get_lnames().front() != "resume") {
            std::string field = opt->get_lnames().front();
            std::replace(field.begin(), field.end(), '-', '_');
            if (!resumeMayChange(field))
                throw Error::at("--" + opt->get_lnames().front(), "",
                            "a resumed run keeps the options it was started with; with --resume give only " + resumeChangeableList()
                                + " (start a new run to change the others)");
        }
}

} // namespace

void addSearchCommand(CLI::App &app, Action &run)
{
    auto o = std::make_shared<SearchOptions>();
    SearchConfig &c = o->config;
    SearchInvocation &inv = o->inv;
    inv.lut.clear();
    // The defaults are SearchConfig's and SearchInvocation's own, shared with the studio's dialog.
    auto *cmd = app.add_subcommand("search", "Run an FBNet search (defaults: Fashion-MNIST, fbnet-cifar, Pixel 3 LUT, soft masks)");
    cmd->add_option("--space", inv.space, "Search space name or JSON file")->capture_default_str();
    cmd->add_option("--dataset", inv.dataset, datasetSyntaxSummary(" | ", " | "))->capture_default_str();
    cmd->add_option("--lut", inv.lut, "Cost: a latency table (shipped name such as pixel3, local = this CPU measured on first use, or a JSON file) or flops / params (analytic; FBNetV2 spaces). Default: pixel3, or flops for FBNetV2 spaces");
    cmd->add_option("--out", o->out, "Also write the result files to this directory (the run is always stored in --runs)");
    cmd->add_option("--runs", o->runs, "Runs database (default: $XDG_DATA_HOME/fbnet-studio/runs.sqlite)");
    cmd->add_option("--name", o->name, "Name of the run (default: run-ID)");
    cmd->add_option("--resume", o->resume, "Continue a stopped or killed run (name or id) from its last checkpoint; other search flags are taken from the run");
    cmd->add_flag("--force-takeover", o->forceTakeover,
                  "With --resume: take over a run recorded as running on another host (whose process cannot be checked from here)");
    cmd->add_option("--epochs", c.epochs, "Search epochs")->capture_default_str()->check(atLeast(1));
    cmd->add_option("--warmup-epochs", c.warmupEpochs, "Epochs that train weights only")->capture_default_str()->check(atLeast(0));
    cmd->add_option("--batch-size", c.batchSize, "Batch size")->capture_default_str()->check(CLI::Range(2, 1 << 16));
    cmd->add_option("--loss", o->loss, "mul: CE*a*(log LAT)^b | add: CE + a*LAT^b | target: CE + w*|LAT/T-1|")
        ->check(CLI::IsMember({"mul", "add", "target"}));
    cmd->add_option("--alpha", c.alpha, "alpha of the latency-aware loss")->capture_default_str();
    cmd->add_option("--beta", c.beta, "beta of the latency-aware loss")->capture_default_str();
    cmd->add_option("--target-ms", c.targetMs, "Latency target in ms (selects --loss target)");
    cmd->add_option("--target-weight", c.targetWeight, "Weight of the target penalty")->capture_default_str();
    o->targetsOption = cmd->add_option("--targets", o->targets,
                    "Family search: one theta per target (e.g. 6,9,12,15,18 ms on the run's table; MFLOPs or Mparams on the flops or "
                    "params table, e.g. FBNetV2 spaces), sharing the supernet's weights; each target's pick lies within +-5% of it");
    cmd->add_option("--front", o->front, "Family search of K targets spread over the range the table allows")->check(CLI::Range(2, 32));
    cmd->add_option("--temperature", c.tau0, "Initial Gumbel-softmax temperature")->capture_default_str();
    cmd->add_option("--temperature-decay", c.tauDecay, "Temperature factor per epoch")->capture_default_str();
    cmd->add_flag("--anneal-after-warmup", c.tauDecayAfterWarmup, "Decay the temperature only after the warm-up");
    cmd->add_flag("--sync-bn", c.syncBatchNorm,
                  "Data-parallel: BN over the global batch and Gumbel noise keyed by each sample's place in it "
                  "(N processes then compute what one process of N times the batch computes)");
    cmd->add_option("--mode", o->mode, "soft (weighted sum, the paper) | hard (one sampled block, straight-through)")
        ->capture_default_str()->check(CLI::IsMember({"soft", "hard"}));
    cmd->add_option("--weight-sampling", o->weightSampling,
                    "Hard mode: how weight steps draw their path: theta | uniform (single-path one-shot) | fair (each block once per cycle, FairNAS)")
        ->capture_default_str()->check(CLI::IsMember({"theta", "uniform", "fair"}));
    cmd->add_option("--pick-by", c.pickBy,
                    "What picks each target's architecture among the --pick-candidates most probable under theta within its band: "
                    "auto (synflow on FBNet spaces, the best measured; theta on FBNetV2 spaces) | theta | supernet | synflow | naswot | "
                    "gradnorm | params | macs")
        ->capture_default_str()->check(CLI::IsMember({"auto", "theta", "supernet", "synflow", "naswot", "gradnorm", "params", "macs"}));
    cmd->add_option("--pick-candidates", c.pickCandidates, "Candidates the chooser scores per target")->capture_default_str()->check(CLI::Range(1, 1000));
    cmd->add_option("--subset", inv.subset, "Use N training images (0: all)")->capture_default_str();
    cmd->add_option("--lr", c.lrWeights, "Weights learning rate (SGD, cosine)")->capture_default_str();
    cmd->add_option("--lr-theta", c.lrTheta, "Theta learning rate (Adam)")->capture_default_str();
    cmd->add_option("--width-multiplier", inv.widthMultiplier, "Scale the space's widths")->capture_default_str();
    cmd->add_option("--samples", c.samples, "Architectures sampled from softmax(theta) at the end")->capture_default_str();
    cmd->add_option("--max-steps", c.maxStepsPerEpoch, "Cap steps per phase and epoch (0: all)")->capture_default_str();
    cmd->add_option("--seed", c.seed, "Random seed")->capture_default_str();
    addComputeOptions(cmd, c.compute);
    addImageOptions(cmd, inv.image);
    cmd->add_option("--input-size", inv.inputSize,
                    "Images and network at NxN instead of the space's input (FBNet spaces with --lut flops or params: a device "
                    "table is measured at the space's size)")
        ->check(CLI::Range(8, 1024));
    cmd->callback([o, &run, cmd] {
        run = [o, cmd] {
            refuseResumeChanges(*cmd, *o);
            return runSearchCommand(*o);
        };
    });
}

} // namespace fbnet::cli
