#include "fbnet/report.h"

#include <filesystem>
#include <sstream>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "jsonutil.h"

namespace fbnet {

using detail::json;

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
            {"latency_unit", "ms"},
            {"temperature", c.tau0},
            {"temperature_decay", c.tauDecay},
            {"temperature_decay_after_warmup", c.tauDecayAfterWarmup},
            {"mode", toString(c.mode)},
            {"seed", c.seed},
            {"threads", c.threads},
            {"samples", c.samples},
            {"max_steps_per_epoch", c.maxStepsPerEpoch},
            {"channels_last", c.channelsLast}};
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
    c.tau0 = r.getDouble("temperature", c.tau0);
    c.tauDecay = r.getDouble("temperature_decay", c.tauDecay);
    c.tauDecayAfterWarmup = r.getBool("temperature_decay_after_warmup", c.tauDecayAfterWarmup);
    c.mode = maskModeFromString(r.getString("mode", toString(c.mode)));
    if (r.has("seed")) {
        if (!r.node().at("seed").is_number_unsigned())
            r.fail("seed", "expected a non-negative integer");
        c.seed = r.node().at("seed").get<std::uint64_t>();
    }
    c.threads = r.getInt("threads", c.threads);
    c.samples = r.getInt("samples", c.samples);
    c.maxStepsPerEpoch = r.getInt("max_steps_per_epoch", c.maxStepsPerEpoch);
    c.channelsLast = r.getBool("channels_last", c.channelsLast);
    return c;
}

void writeSearchOutputs(const std::string &dir, const SearchSpace &space, const LatencyTable &lut,
                        const std::string &datasetName, const SearchConfig &config, const SearchResult &result)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw Error::at(dir, "", "cannot create output directory (" + ec.message() + ")");
    if (result.samples.empty())
        throw Error("search produced no architecture to write");

    Architecture best = result.samples.front().architecture;
    saveArchitecture(best, dir + "/architecture.json");

    json samples = json::array();
    for (const auto &s : result.samples)
        samples.push_back({{"name", s.architecture.name},
                           {"argmax", s.isArgmax},
                           {"blocks", s.architecture.blocks},
                           {"macs", s.macs},
                           {"params", s.params},
                           {"latency_ms", s.latencyMs},
                           {"latency_device", lut.device},
                           {"log_probability", s.logProbability}});
    writeTextFileAtomic(dir + "/samples.json", json{{"space", space.name}, {"samples", samples}}.dump(2) + "\n");

    json layers = json::array();
    const auto specs = space.layers();
    for (std::size_t l = 0; l < result.theta.size() && l < specs.size(); ++l) {
        json probs = json::object();
        const std::vector<double> p = result.epochs.empty() ? std::vector<double>() : result.epochs.back().probabilities.at(l);
        for (std::size_t k = 0; k < specs[l].candidates.size(); ++k)
            probs[specs[l].candidates[k]] = p.empty() ? 0.0 : p[k];
        layers.push_back({{"layer", l + 1}, {"theta", result.theta[l]}, {"probabilities", probs}});
    }
    writeTextFileAtomic(dir + "/theta.json", json{{"space", space.name}, {"layers", layers}}.dump(2) + "\n");

    std::ostringstream csv;
    csv << "epoch,temperature,weights_loss,weights_acc,theta_loss,theta_acc,expected_latency_ms,argmax_latency_ms,seconds,argmax\n";
    for (const auto &e : result.epochs)
        csv << e.epoch << ',' << e.temperature << ',' << e.weightsLoss << ',' << e.weightsAccuracy << ','
            << (e.thetaTrained ? std::to_string(e.thetaLoss) : "") << ','
            << (e.thetaTrained ? std::to_string(e.thetaAccuracy) : "") << ',' << e.expectedLatencyMs << ','
            << e.argmaxLatencyMs << ',' << e.seconds << ',' << e.argmax.blocksString() << '\n';
    writeTextFileAtomic(dir + "/epochs.csv", csv.str());

    json cfg = configJson(config);
    cfg["space"] = space.name;
    cfg["num_classes"] = space.numClasses;
    cfg["dataset"] = datasetName;
    cfg["lut"] = {{"device", lut.device}, {"path", lut.sourcePath}, {"provenance", lut.provenanceKind}};
    cfg["epochs_completed"] = result.epochsCompleted;
    cfg["stopped"] = result.stopped;
    cfg["seconds"] = result.seconds;
    writeTextFileAtomic(dir + "/config.json", cfg.dump(2) + "\n");
}

} // namespace fbnet
