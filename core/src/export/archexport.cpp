#include "fbnet/archexport.h"

#include "fbnet/chooser.h"
#include "fbnet/error.h"
#include "fbnet/latencytable.h"
#include "fbnet/resources.h"
#include "fbnet/searchconfig.h"
#include "fbnet/storedsearch.h"
#include "base/jsonutil.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace fbnet {

int thetaEpochsOf(const RunInfo &run)
{
    if (run.kind != "search")
        return -1;
    try {
        const SearchConfig c = searchConfigFromJson(run.configJson, "run " + run.name);
        return std::max(0, run.epochsCompleted - c.warmupEpochs);
    } catch (const Error &) {
        return -1;
    }
}

std::string untrainedThetaWarning()
{
    return "untrained θ: the search stopped before any θ epoch (during warm-up), so this architecture is θ's initial "
           "tie-break, not a search result";
}

ArchitectureExport architectureExportOfRun(const RunStore &store, const std::string &run, const std::string &arch, double targetMs)
{
    ArchitectureExport s;
    const RunInfo r = store.run(run);
    const auto archs = store.architectures(r.id);
    if (!arch.empty() && targetMs > 0)
        throw Error::at("--target", arch, "names an architecture already; give --arch or --target, not both");
    const StoredArchitecture *chosen = nullptr;
    bool runHasChoice = false;
    for (const auto &a : archs)
        runHasChoice |= a.role == "argmax" || a.role == "pick";
    if (arch.empty() && runHasChoice) {
        const std::int64_t id = chosenArchitecture(store, r, targetMs).id;  // one rule with train and the studio
        for (const auto &a : archs)
            if (a.id == id)
                chosen = &a;
    } else {
        for (const auto &a : archs)
            if (!arch.empty() && (arch == std::to_string(a.id) || arch == a.architecture.name))
                chosen = &a;
        if (!chosen && arch.empty() && !archs.empty())
            chosen = &archs.front();  // a train or random-baseline run: its architecture
    }
    if (!chosen)
        throw Error::at(store.path(), "run " + r.name, arch.empty() ? "has no architectures yet" : "has no architecture '" + arch + "'");
    s.space = loadRunContext(r, store.path()).space;
    s.arch = chosen->architecture;
    s.evaluations = store.evaluations(chosen->id);
    if (chosen->role == "argmax" || chosen->role == "sample" || chosen->role == "pick")
        s.thetaEpochs = thetaEpochsOf(r);
    detail::json p = {{"run", r.name}, {"run_id", r.id}, {"role", chosen->role}, {"store", store.path()}, {"versions", r.versions}};
    if (s.thetaEpochs >= 0)
        p["theta_epochs"] = s.thetaEpochs;
    s.provenanceJson = p.dump();
    s.describe = "architecture " + std::to_string(chosen->id) + " '" + s.arch.name + "' of run '" + r.name + "'";
    return s;
}

const Evaluation *trainedWeightsOf(const ArchitectureExport &subject)
{
    const Evaluation *newest = nullptr;
    for (const auto &e : subject.evaluations) {
        std::error_code ec;
        if (!e.weightsPath.empty() && std::filesystem::is_regular_file(e.weightsPath, ec))
            newest = &e;
    }
    return newest;
}

std::string trainedWeightsLabel(const Evaluation &e)
{
    char buf[96];
    std::snprintf(buf, sizeof buf, ", %d epoch%s, top-1 %.1f%%", e.epochs, e.epochs == 1 ? "" : "s", 100 * e.top1);
    return "trained weights (" + e.dataset + buf + (e.createdAt.empty() ? "" : ", " + e.createdAt.substr(0, 16)) + ")";
}

std::string architectureExportJson(const ArchitectureExport &s)
{
    const NetworkPlan plan = resolve(s.space, s.arch);
    const ArchCost cost = computeCost(plan);
    detail::json j = detail::json::parse(architectureToJsonText(s.arch));
    j["input_size"] = plan.inputSize;
    j["stem_channels"] = plan.stemChannels;
    j["head_channels"] = plan.headChannels;
    j["num_classes"] = plan.numClasses;
    detail::json layers = detail::json::array();
    for (std::size_t i = 0; i < plan.layers.size(); ++i)
        layers.push_back({{"layer", i + 1}, {"block", plan.chosen[i].name}, {"cin", plan.layers[i].cin}, {"cout", plan.layers[i].cout},
                          {"stride", plan.layers[i].stride}, {"input_size", plan.layers[i].inputSize}});
    j["layers"] = layers;
    detail::json figures;
    figures["macs"] = {{"value", cost.macs}, {"provenance", "analytic (conv + FC multiply-accumulates)"}};
    figures["params"] = {{"value", cost.params}, {"provenance", "analytic (weights + folded-BN biases)"}};
    detail::json lat = detail::json::object();
    for (const auto &name : lutNames()) {
        try {
            const LatencyTable t = LatencyTable::load(resolveLutPath(name, s.space.name));
            if (t.missing(s.space).empty())
                lat[t.device] = {{"ms", t.predict(plan)}, {"provenance", "LUT " + t.sourcePath + " (" + t.provenanceKind + ")"}};
        } catch (const Error &) {
            // a table of another space
        }
    }
    figures["latency"] = lat;
    detail::json acc = detail::json::array();
    for (const auto &e : s.evaluations)
        acc.push_back({{"top1", e.top1}, {"provenance", "fbnet train on " + e.dataset + ", " + std::to_string(e.epochs) + " epochs, " + e.createdAt},
                       {"weights", e.weightsPath}});
    figures["accuracy"] = acc;
    j["figures"] = figures;
    j["provenance"] = s.provenanceJson.empty() ? detail::json::object() : detail::json::parse(s.provenanceJson);
    if (s.thetaEpochs == 0)
        j["warning"] = untrainedThetaWarning();
    return j.dump(2) + "\n";
}

} // namespace fbnet
