#include <cstdio>
#include <random>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "fbnet/error.h"
#include "fbnet/latencytable.h"
#include "fbnet/pareto.h"
#include "fbnet/resources.h"
#include "fbnet/train.h"
#include "progress.h"

namespace fbnet::cli {

namespace {

struct ParetoOptions
{
    std::string run;
    std::string dataset = "fashion-mnist";
    std::string lut;
    std::size_t subset = 5000;
    std::size_t testSubset = 2000;
    int random = 0;
    int maxArchitectures = 0;
    TrainConfig config;
};

int runPareto(ParetoOptions &o)
{
    const std::string samplesPath = o.run + "/samples.json";
    const auto doc = [&] {
        try {
            return nlohmann::json::parse(readTextFile(samplesPath));
        } catch (const nlohmann::json::exception &e) {
            throw Error::at(samplesPath, "", std::string("not valid JSON (") + e.what() + ")");
        }
    }();
    if (!doc.contains("space") || !doc["space"].is_string() || !doc.contains("samples") || !doc["samples"].is_array())
        throw Error::at(samplesPath, "/", "expected {\"space\": …, \"samples\": [...]} as written by fbnet search");
    const std::string spaceName = doc["space"].get<std::string>();
    const TrainingSetup setup = loadTrainingSetup(spaceName, o.dataset, o.subset, o.testSubset, o.config.seed);
    const SearchSpace &space = setup.space;
    const Dataset &train = setup.train, &test = setup.test;
    std::string lutName = o.lut;
    if (lutName.empty()) {
        const auto cfg = nlohmann::json::parse(readTextFile(o.run + "/config.json"));
        lutName = cfg.at("lut").at("path").get<std::string>();
    }
    const LatencyTable lut = LatencyTable::load(resolveLutPath(lutName, space.name));

    std::vector<std::pair<std::string, Architecture>> archs;
    for (std::size_t i = 0; i < doc["samples"].size(); ++i) {
        const auto &s = doc["samples"][i];
        Architecture a;
        a.space = space.name;
        a.name = s.value("name", "sample" + std::to_string(i));
        a.blocks = s.at("blocks").get<std::vector<std::string>>();
        archs.emplace_back("search", a);
    }
    if (o.maxArchitectures > 0 && int(archs.size()) > o.maxArchitectures)
        archs.resize(std::size_t(o.maxArchitectures));
    // The random baseline: uniformly sampled architectures, trained with the same budget each.
    std::mt19937_64 rng(o.config.seed + 99);
    for (int i = 0; i < o.random; ++i) {
        Architecture a;
        a.space = space.name;
        a.name = "random" + std::to_string(i + 1);
        for (const auto &l : space.layers())
            a.blocks.push_back(l.candidates[std::uniform_int_distribution<std::size_t>(0, l.candidates.size() - 1)(rng)]);
        archs.emplace_back("random", a);
    }
    StopToken stop;
    SigintStop sigint(stop);
    std::vector<ParetoPoint> points;
    std::string csv = "name,origin,latency_ms,test_top1,macs,params,arch\n";
    for (std::size_t i = 0; i < archs.size() && !stop.stopRequested(); ++i) {
        const auto &[origin, a] = archs[i];
        std::fprintf(stderr, "[%zu/%zu] training %s (%s)\n", i + 1, archs.size(), a.name.c_str(), origin.c_str());
        const TrainResult r = trainArchitecture(space, a, train, test, o.config, {}, stop);
        const double ms = lut.predict(space, a);
        const ArchCost cost = computeCost(space, a);
        points.push_back({a.name + " (" + origin + ")", ms, r.testTop1});
        char buf[128];
        std::snprintf(buf, sizeof buf, ",%s,%.4f,%.4f,%lld,%lld,", origin.c_str(), ms, r.testTop1, (long long)cost.macs,
                      (long long)cost.params);
        csv += a.name + buf + a.blocksString() + "\n";
    }
    const auto front = paretoFront(points);
    std::vector<bool> onFront(points.size(), false);
    for (std::size_t i : front)
        onFront[i] = true;
    std::printf("%-24s %12s %10s  %s\n", "architecture", "latency ms", "top-1 %", "front");
    for (std::size_t i = 0; i < points.size(); ++i)
        std::printf("%-24s %12.3f %10.2f  %s\n", points[i].name.c_str(), points[i].latencyMs, points[i].accuracy * 100,
                    onFront[i] ? "*" : "");
    std::printf("latency from %s (%s); %zu of %zu architectures on the front\n", lut.device.c_str(), lut.provenanceKind.c_str(),
                front.size(), points.size());
    writeTextFileAtomic(o.run + "/pareto.csv", csv);
    std::printf("written %s/pareto.csv\n", o.run.c_str());
    return stop.stopRequested() ? 130 : 0;
}

} // namespace

void addParetoCommand(CLI::App &app, Action &run)
{
    auto o = std::make_shared<ParetoOptions>();
    o->config.epochs = 2;
    auto *cmd = app.add_subcommand("pareto",
                                   "Train a search's argmax and samples (and a random baseline) and print the latency/accuracy front");
    cmd->add_option("--run", o->run, "Output folder of fbnet search (samples.json, config.json)")->required();
    cmd->add_option("--dataset", o->dataset, "fashion-mnist[:DIR] | cifar10:DIR | synthetic[:N]")->capture_default_str();
    cmd->add_option("--lut", o->lut, "Latency table for the latency axis (default: the search's)");
    cmd->add_option("--random", o->random, "Also train this many uniformly random architectures (the baseline)")->capture_default_str();
    cmd->add_option("--max-archs", o->maxArchitectures, "Train at most this many of the search's architectures (0: all)")->capture_default_str();
    cmd->add_option("--subset", o->subset, "Training images per architecture")->capture_default_str();
    cmd->add_option("--test-subset", o->testSubset, "Test images")->capture_default_str();
    cmd->add_option("--epochs", o->config.epochs, "Epochs per architecture")->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--batch-size", o->config.batchSize, "Batch size")->capture_default_str();
    cmd->add_option("--max-steps", o->config.maxStepsPerEpoch, "Cap steps per epoch (0: all)")->capture_default_str();
    cmd->add_option("--seed", o->config.seed, "Random seed")->capture_default_str();
    cmd->add_option("--threads", o->config.threads, "Compute threads (0: all cores)")->capture_default_str();
    cmd->callback([o, &run] { run = [o] { return runPareto(*o); }; });
}

} // namespace fbnet::cli
