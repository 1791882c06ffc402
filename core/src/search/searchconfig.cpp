// SearchConfig: its enum names, its validation and its JSON codec (stored with every run).
#include "fbnet/searchconfig.h"

#include <algorithm>
#include <cstdio>
#include <iterator>

#include "fbnet/error.h"
#include "base/jsonutil.h"

namespace fbnet {

using detail::json;

std::string toString(MaskMode m)
{
    return m == MaskMode::Soft ? "soft" : "hard";
}

std::string toString(LossForm f)
{
    switch (f) {
    case LossForm::Multiplicative: return "mul";
    case LossForm::Additive: return "add";
    case LossForm::Target: return "target";
    }
    return "?";
}

std::string lossFormula(const SearchConfig &c, const std::string &cost)
{
    const auto num = [](double v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", v);
        return std::string(buf);
    };
    if (!c.targets.empty() || c.lossForm == LossForm::Target)
        return "CE + " + num(c.targetWeight) + "\u00b7|" + cost + "/T \u2212 1|";
    if (c.lossForm == LossForm::Additive)
        return "CE + " + num(c.alpha) + "\u00b7" + cost + "^" + num(c.beta);
    return "CE\u00b7" + num(c.alpha) + "\u00b7(log " + cost + ")^" + num(c.beta);
}

MaskMode maskModeFromString(const std::string &s)
{
    if (s == "soft")
        return MaskMode::Soft;
    if (s == "hard")
        return MaskMode::Hard;
    throw Error::at("mode", s, "expected soft or hard");
}

LossForm lossFormFromString(const std::string &s)
{
    if (s == "mul")
        return LossForm::Multiplicative;
    if (s == "add")
        return LossForm::Additive;
    if (s == "target")
        return LossForm::Target;
    throw Error::at("loss", s, "expected mul, add or target");
}

std::string toString(WeightSampling w)
{
    switch (w) {
    case WeightSampling::Theta:
        return "theta";
    case WeightSampling::Uniform:
        return "uniform";
    case WeightSampling::Fair:
        return "fair";
    }
    return "theta";
}

WeightSampling weightSamplingFromString(const std::string &s)
{
    if (s == "theta")
        return WeightSampling::Theta;
    if (s == "uniform")
        return WeightSampling::Uniform;
    if (s == "fair")
        return WeightSampling::Fair;
    throw Error::at("weight_sampling", s, "expected theta, uniform or fair");
}

void applyLossRule(SearchConfig &c, const std::string &namedLoss, int front)
{
    if (!c.targets.empty() || front > 0) {
        if (c.targetMs > 0 || !namedLoss.empty())
            throw Error::at(front > 0 ? "front" : "targets", "",
                            "a family search trains each target's theta on its own target loss; drop target_ms and loss");
        c.lossForm = LossForm::Target;
        return;
    }
    if (!namedLoss.empty())
        c.lossForm = lossFormFromString(namedLoss);
    else if (c.targetMs > 0)
        c.lossForm = LossForm::Target;
}

static const char *const kResumeChangeable[] = {"threads", "loader_threads", "runs", "out", "force_takeover"};

bool resumeMayChange(const std::string &field)
{
    for (const char *f : kResumeChangeable)
        if (field == f)
            return true;
    return false;
}

std::string resumeChangeableList()
{
    std::string out;
    for (const char *f : kResumeChangeable) {
        std::string flag = std::string("--") + f;
        std::replace(flag.begin(), flag.end(), '_', '-');
        out += (out.empty() ? "" : ", ") + flag;
    }
    return out;
}

std::string effectivePickBy(const SearchConfig &config, bool spaceSearchesShapes)
{
    if (config.pickBy != "auto")
        return config.pickBy;
    return spaceSearchesShapes ? "theta" : "synflow";
}

void SearchConfig::validate() const
{
    auto bad = [](const std::string &field, const std::string &expected) { throw Error::at("search config", field, expected); };
    if (epochs < 1)
        bad("epochs", "expected >= 1");
    if (warmupEpochs < 0 || warmupEpochs >= epochs)
        bad("warmup_epochs", "expected 0 <= warm-up < epochs (theta must train for at least one epoch)");
    if (batchSize < 2)
        bad("batch_size", "expected >= 2 (batch norm needs more than one sample)");
    if (!(weightSplit > 0 && weightSplit < 1))
        bad("weight_split", "expected a share strictly between 0 and 1");
    // Every bound excludes NaN and infinity (comparisons with NaN are false).
    if (epochs > 100000)
        bad("epochs", "expected <= 100000");
    if (batchSize > 65536)
        bad("batch_size", "expected <= 65536");
    if (!(lrWeights > 0 && lrWeights <= 100) || !(lrTheta > 0 && lrTheta <= 100))
        bad("learning rate", "expected 0 < lr <= 100");
    if (!(momentum >= 0 && momentum < 1))
        bad("momentum", "expected 0 <= momentum < 1");
    if (!(weightDecay >= 0 && weightDecay <= 1) || !(thetaWeightDecay >= 0 && thetaWeightDecay <= 1))
        bad("weight decay", "expected 0 <= decay <= 1");
    if (!(alpha >= 0 && alpha <= 1e3) || !(beta >= 0 && beta <= 100))
        bad("alpha/beta", "expected 0 <= alpha <= 1000 and 0 <= beta <= 100");
    if (targets.size() > 32)
        bad("targets", "expected at most 32 latency targets");
    for (double t : targets)
        if (!(t > 0 && t <= 1e15))
            bad("targets", "expected positive targets (ms, or MACs/parameters on a cost table)");
    if (!targets.empty() && batchSize < 2 * int(targets.size()) && mode == MaskMode::Soft)
        bad("batch_size", "expected at least 2 samples per target in a batch (soft mode splits each batch among the targets)");
    if (targets.empty() && lossForm == LossForm::Target && !(targetMs > 0 && targetMs <= 1e7))
        bad("target_ms", "expected a positive latency target in ms (at most 1e7)");
    if (!(targetWeight >= 0 && targetWeight <= 1e6))
        bad("target_weight", "expected 0 <= weight <= 1e6");
    if (!(tau0 > 0 && tau0 <= 1e6))
        bad("temperature", "expected 0 < temperature <= 1e6");
    if (!(tauDecay > 0 && tauDecay <= 1))
        bad("temperature_decay", "expected 0 < decay <= 1");
    if (samples < 0 || samples > 100000)
        bad("samples", "expected 0..100000");
    if (maxStepsPerEpoch < 0)
        bad("max_steps", "expected >= 0 (0: whole split)");
    if (weightSampling != WeightSampling::Theta && mode != MaskMode::Hard)
        bad("weight_sampling", "uniform and fair draw one path per step: they need hard mode (soft mode trains every block every step)");
    static const char *const kChoosers[] = {"auto", "theta", "supernet", "synflow", "naswot", "gradnorm", "params", "macs"};
    if (std::find(std::begin(kChoosers), std::end(kChoosers), pickBy) == std::end(kChoosers))
        bad("pick_by", "expected auto, theta, supernet, synflow, naswot, gradnorm, params or macs, got '" + pickBy + "'");
    if (pickCandidates < 1 || pickCandidates > 1000)
        bad("pick_candidates", "expected 1..1000");
    compute.validate();
}

static json configJson(const SearchConfig &c)
{
    return {{"epochs", c.epochs},
            {"warmup_epochs", c.warmupEpochs},
            {"batch_size", c.batchSize},
            {"weight_split", c.weightSplit},
            {"lr_weights", c.lrWeights},
            {"momentum", c.momentum},
            {"weight_decay", c.weightDecay},
            {"lr_theta", c.lrTheta},
            {"theta_weight_decay", c.thetaWeightDecay},
            {"loss", toString(c.lossForm)},
            {"alpha", c.alpha},
            {"beta", c.beta},
            {"target_ms", c.targetMs},
            {"target_weight", c.targetWeight},
            {"targets", c.targets},
            {"latency_unit", "ms"},
            {"temperature", c.tau0},
            {"temperature_decay", c.tauDecay},
            {"temperature_decay_after_warmup", c.tauDecayAfterWarmup},
            {"mode", toString(c.mode)},
            {"weight_sampling", toString(c.weightSampling)},
            {"pick_by", c.pickBy},
            {"pick_candidates", c.pickCandidates},
            {"seed", c.seed},
            {"threads", c.compute.threads},
            {"loader_threads", c.compute.loaderThreads},
            {"samples", c.samples},
            {"max_steps_per_epoch", c.maxStepsPerEpoch},
            {"channels_last", c.compute.channelsLast},
            {"device", c.compute.device},
            {"precision", c.compute.precision},
            {"sync_bn", c.syncBatchNorm}};
}

std::string searchConfigToJson(const SearchConfig &config)
{
    return configJson(config).dump(2) + "\n";
}

SearchConfig searchConfigFromJson(const std::string &text, const std::string &source)
{
    const detail::json doc = detail::parseJson(text, source);
    const detail::JsonReader r(doc, source);
    SearchConfig c;
    c.epochs = r.getInt("epochs", c.epochs);
    c.warmupEpochs = r.getInt("warmup_epochs", c.warmupEpochs);
    c.batchSize = r.getInt("batch_size", c.batchSize);
    c.weightSplit = r.getDouble("weight_split", c.weightSplit);
    c.lrWeights = r.getDouble("lr_weights", c.lrWeights);
    c.momentum = r.getDouble("momentum", c.momentum);
    c.weightDecay = r.getDouble("weight_decay", c.weightDecay);
    c.lrTheta = r.getDouble("lr_theta", c.lrTheta);
    c.thetaWeightDecay = r.getDouble("theta_weight_decay", c.thetaWeightDecay);
    c.lossForm = lossFormFromString(r.getString("loss", toString(c.lossForm)));
    c.alpha = r.getDouble("alpha", c.alpha);
    c.beta = r.getDouble("beta", c.beta);
    c.targetMs = r.getDouble("target_ms", c.targetMs);
    c.targetWeight = r.getDouble("target_weight", c.targetWeight);
    if (r.has("targets")) {
        const auto &t = r.node().at("targets");
        if (!t.is_array())
            r.fail("targets", "expected a list of numbers");
        for (const auto &v : t) {
            if (!v.is_number())
                r.fail("targets", "expected a list of numbers");
            c.targets.push_back(v.get<double>());
        }
    }
    c.tau0 = r.getDouble("temperature", c.tau0);
    c.tauDecay = r.getDouble("temperature_decay", c.tauDecay);
    c.tauDecayAfterWarmup = r.getBool("temperature_decay_after_warmup", c.tauDecayAfterWarmup);
    c.mode = maskModeFromString(r.getString("mode", toString(c.mode)));
    c.weightSampling = weightSamplingFromString(r.getString("weight_sampling", toString(c.weightSampling)));
    c.pickBy = r.getString("pick_by", c.pickBy);
    c.pickCandidates = r.getInt("pick_candidates", c.pickCandidates);
    if (r.has("seed")) {
        if (!r.node().at("seed").is_number_unsigned())
            r.fail("seed", "expected a non-negative integer");
        c.seed = r.node().at("seed").get<std::uint64_t>();
    }
    c.compute.threads = r.getInt("threads", c.compute.threads);
    c.compute.loaderThreads = r.getInt("loader_threads", c.compute.loaderThreads);
    c.samples = r.getInt("samples", c.samples);
    c.maxStepsPerEpoch = r.getInt("max_steps_per_epoch", c.maxStepsPerEpoch);
    c.compute.channelsLast = r.getBool("channels_last", c.compute.channelsLast);
    c.compute.device = r.getString("device", c.compute.device);
    c.compute.precision = r.getString("precision", c.compute.precision);
    c.syncBatchNorm = r.getBool("sync_bn", c.syncBatchNorm);
    return c;
}

} // namespace fbnet
