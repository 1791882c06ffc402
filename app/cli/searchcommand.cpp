#include <cstdio>
#include <ctime>

#include "commands.h"
#include "fbnet/error.h"
#include "fbnet/lutbuild.h"
#include "fbnet/report.h"
#include "fbnet/resources.h"
#include "fbnet/search.h"
#include "progress.h"

namespace fbnet::cli {

namespace {

struct SearchOptions
{
    std::string space = "fbnet-cifar";
    std::string dataset = "fashion-mnist";
    std::string lut = "pixel3";
    std::string out;
    std::string mode = "soft";
    std::string loss;
    std::size_t subset = 2500;
    double widthMultiplier = 1.0;
    SearchConfig config;
};

class CliObserver final : public SearchObserver
{
public:
    void onStep(const StepStats &s) override
    {
        char buf[256];
        std::snprintf(buf, sizeof buf, "epoch %d/%d %s step %d/%d  loss %.3f  acc %.1f%%  E[lat] %.2f ms  tau %.2f  %.0f img/s  ETA %s",
                      s.epoch + 1, m_epochs, s.phase == Phase::Weights ? "weights" : "theta  ", s.step + 1,
                      s.stepsInPhase, s.loss, s.accuracy * 100, s.expectedLatencyMs, s.temperature, s.imagesPerSecond,
                      formatDuration(s.etaSeconds).c_str());
        m_line.update(buf);
    }
    void onEpoch(const EpochStats &e) override
    {
        m_line.finish();
        std::fprintf(stderr, "epoch %d: weights loss %.3f acc %.1f%%", e.epoch + 1, e.weightsLoss, e.weightsAccuracy * 100);
        if (e.thetaTrained)
            std::fprintf(stderr, " | theta loss %.3f acc %.1f%%", e.thetaLoss, e.thetaAccuracy * 100);
        std::fprintf(stderr, " | E[lat] %.2f ms, argmax %.2f ms | %.0f s\n", e.expectedLatencyMs, e.argmaxLatencyMs, e.seconds);
    }
    int m_epochs = 0;
    ProgressLine m_line;
};

std::string defaultOutDir()
{
    char buf[64];
    const std::time_t t = std::time(nullptr);
    std::strftime(buf, sizeof buf, "fbnet-search-%Y%m%d-%H%M%S", std::localtime(&t));
    return buf;
}

int runSearchCommand(SearchOptions &o)
{
    SearchConfig &c = o.config;
    c.mode = maskModeFromString(o.mode);
    if (!o.loss.empty())
        c.lossForm = lossFormFromString(o.loss);
    else if (c.targetMs > 0)
        c.lossForm = LossForm::Target;
    if (c.lossForm == LossForm::Target && !(c.targetMs > 0))
        throw Error::at("--target-ms", "", "the target loss needs --target-ms T with T > 0");
    c.validate();
    setComputeThreads(c.threads);

    // The data set decides the number of classes; the space its input size.
    SearchSpace probe = SearchSpace::load(resolveSpacePath(o.space));
    Dataset data = loadDataset(o.dataset, Split::Train, probe.inputSize);
    data = subset(data, o.subset, c.seed);
    SpaceParams params;
    params.widthMultiplier = o.widthMultiplier;
    params.numClasses = data.numClasses;
    const SearchSpace space = SearchSpace::load(resolveSpacePath(o.space), params);
    LatencyTable lut;
    if (o.lut == "local") {
        StopToken buildStop;
        SigintStop sigint(buildStop);
        ProgressLine line;
        lut = localLatencyTable(space, [&line](int done, int total, const std::string &) {
            line.update("measuring this CPU's latency table (first use): " + std::to_string(done) + "/" + std::to_string(total),
                        done == total);
        }, buildStop);
        line.finish();
    } else {
        lut = LatencyTable::load(resolveLutPath(o.lut, space.name));
    }
    const std::string out = o.out.empty() ? defaultOutDir() : o.out;

    std::fprintf(stderr, "fbnet search: space %s (%d layers, 10^%.1f architectures), data %s (%zu images), LUT %s (%s), %s mode, %d epochs (%d warm-up), batch %d, %d threads\n",
                 space.name.c_str(), space.layerCount(), space.log10Size(), data.name.c_str(), data.size(),
                 lut.device.c_str(), lut.provenanceKind.c_str(), o.mode.c_str(), c.epochs, c.warmupEpochs, c.batchSize,
                 setComputeThreads(c.threads));

    StopToken stop;
    CliObserver observer;
    observer.m_epochs = c.epochs;
    SearchResult result;
    {
        SigintStop sigint(stop);
        try {
            result = runSearch(space, lut, data, c, observer, stop);
        } catch (...) {
            observer.m_line.finish();
            throw;
        }
    }
    observer.m_line.finish();
    if (result.epochs.empty()) {
        std::fprintf(stderr, "fbnet search: stopped before the first epoch ended; nothing written\n");
        return 130;
    }
    writeSearchOutputs(out, space, lut, data.name, c, result);
    const auto &best = result.samples.front();
    std::printf("%s after %d epoch(s) in %s\n", result.stopped ? "stopped" : "finished", result.epochsCompleted,
                formatDuration(result.seconds).c_str());
    std::printf("architecture: %s\n", best.architecture.blocksString().c_str());
    std::printf("  MACs %s, params %s, latency %.3f ms on %s\n", formatCount(double(best.macs)).c_str(),
                formatCount(double(best.params)).c_str(), best.latencyMs, lut.device.c_str());
    for (std::size_t i = 1; i < result.samples.size(); ++i)
        std::printf("  %s: %.3f ms, %s MACs\n", result.samples[i].architecture.name.c_str(), result.samples[i].latencyMs,
                    formatCount(double(result.samples[i].macs)).c_str());
    std::printf("written to %s/ (architecture.json, samples.json, theta.json, epochs.csv, config.json)\n", out.c_str());
    return result.stopped ? 130 : 0;
}

} // namespace

void addSearchCommand(CLI::App &app, Action &run)
{
    auto o = std::make_shared<SearchOptions>();
    SearchConfig &c = o->config;
    // Defaults sized for ~10 minutes on 2 cores (README, "Why these defaults").
    c.epochs = 6;
    c.warmupEpochs = 2;
    c.batchSize = 32;
    auto *cmd = app.add_subcommand("search", "Run an FBNet search (defaults: Fashion-MNIST, fbnet-cifar, Pixel 3 LUT, soft masks)");
    cmd->add_option("--space", o->space, "Search space name or JSON file")->capture_default_str();
    cmd->add_option("--dataset", o->dataset, "fashion-mnist[:DIR] | cifar10:DIR | synthetic[:N]")->capture_default_str();
    cmd->add_option("--lut", o->lut, "Latency table: shipped name (pixel3, …), local (this CPU, measured on first use and cached) or a JSON file")->capture_default_str();
    cmd->add_option("--out", o->out, "Output directory (default: ./fbnet-search-DATE-TIME)");
    cmd->add_option("--epochs", c.epochs, "Search epochs")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--warmup-epochs", c.warmupEpochs, "Epochs that train weights only")->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--batch-size", c.batchSize, "Batch size")->capture_default_str()->check(CLI::Range(2, 1 << 16));
    cmd->add_option("--loss", o->loss, "mul: CE*a*(log LAT)^b | add: CE + a*LAT^b | target: CE + w*|LAT/T-1|")
        ->check(CLI::IsMember({"mul", "add", "target"}));
    cmd->add_option("--alpha", c.alpha, "alpha of the latency-aware loss")->capture_default_str();
    cmd->add_option("--beta", c.beta, "beta of the latency-aware loss")->capture_default_str();
    cmd->add_option("--target-ms", c.targetMs, "Latency target in ms (selects --loss target)");
    cmd->add_option("--target-weight", c.targetWeight, "Weight of the target penalty")->capture_default_str();
    cmd->add_option("--temperature", c.tau0, "Initial Gumbel-softmax temperature")->capture_default_str();
    cmd->add_option("--temperature-decay", c.tauDecay, "Temperature factor per epoch")->capture_default_str();
    cmd->add_flag("--anneal-after-warmup", c.tauDecayAfterWarmup, "Decay the temperature only after the warm-up");
    cmd->add_option("--mode", o->mode, "soft (weighted sum, the paper) | hard (one sampled block, straight-through)")
        ->capture_default_str()->check(CLI::IsMember({"soft", "hard"}));
    cmd->add_option("--subset", o->subset, "Use N training images (0: all)")->capture_default_str();
    cmd->add_option("--lr", c.lrWeights, "Weights learning rate (SGD, cosine)")->capture_default_str();
    cmd->add_option("--lr-theta", c.lrTheta, "Theta learning rate (Adam)")->capture_default_str();
    cmd->add_option("--width-multiplier", o->widthMultiplier, "Scale the space's widths")->capture_default_str();
    cmd->add_option("--samples", c.samples, "Architectures sampled from softmax(theta) at the end")->capture_default_str();
    cmd->add_option("--max-steps", c.maxStepsPerEpoch, "Cap steps per phase and epoch (0: all)")->capture_default_str();
    cmd->add_option("--seed", c.seed, "Random seed")->capture_default_str();
    cmd->add_option("--threads", c.threads, "Compute threads (0: all cores)")->capture_default_str();
    cmd->callback([o, &run] { run = [o] { return runSearchCommand(*o); }; });
}

} // namespace fbnet::cli
