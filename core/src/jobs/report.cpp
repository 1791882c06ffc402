#include "fbnet/report.h"

#include <filesystem>
#include <sstream>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "base/jsonutil.h"

namespace fbnet {

using detail::json;

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

    json cfg = detail::parseJson(searchConfigToJson(config), "search config");
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
