// The pick of a finished search by its chooser, and which architecture a run hands back.
#include "fbnet/chooser.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include <nlohmann/json.hpp>

#include "fbnet/datasetkinds.h"
#include "fbnet/error.h"
#include "fbnet/family.h"
#include "fbnet/storedsearch.h"

namespace fbnet {

namespace {

/** log softmax of each logit row. */
LayerScores logProbabilities(const std::vector<std::vector<double>> &theta)
{
    LayerScores out;
    for (const auto &row : theta) {
        const double mx = row.empty() ? 0 : *std::max_element(row.begin(), row.end());
        double z = 0;
        for (double v : row)
            z += std::exp(v - mx);
        out.emplace_back();
        for (double v : row)
            out.back().push_back(v - mx - std::log(z));
    }
    return out;
}

/** Each target's final logits (a plain search: one entry, target 0, from the run's theta). */
std::vector<std::pair<double, std::vector<std::vector<double>>>> finalThetas(const RunStore &store, const RunInfo &run)
{
    std::vector<std::pair<double, std::vector<std::vector<double>>>> out;
    const auto epochs = store.epochs(run.id);
    if (!epochs.empty() && !epochs.back().family.empty()) {
        for (const auto &m : epochs.back().family) {
            if (m.theta.empty())
                throw Error::at(store.path(), "run " + run.name, "was recorded before each target's theta was kept: it cannot be picked by a chooser");
            out.emplace_back(m.targetMs, m.theta);
        }
        return out;
    }
    const auto theta = nlohmann::json::parse(run.thetaJson, nullptr, false);
    if (!theta.is_array())
        throw Error::at(store.path(), "run " + run.name, "has no final theta (did it finish?)");
    out.emplace_back(0.0, theta.get<std::vector<std::vector<double>>>());
    return out;
}

StoredArchitecture stored(RunStore &store, const RunInfo &run, const SearchInputs &in, Architecture a, const std::string &role, double target,
                          double logProbability)
{
    StoredArchitecture s;
    s.runId = run.id;
    s.role = role;
    a.space = in.space.name;
    s.architecture = std::move(a);
    const ArchCost cost = computeCost(in.space, s.architecture);
    s.macs = cost.macs;
    s.params = cost.params;
    s.lutMs = in.lut.predict(in.space, s.architecture);
    s.logProbability = logProbability;
    s.targetMs = target;
    s.id = store.addArchitecture(s);
    return s;
}

} // namespace

std::vector<ChooserPick> pickWithChooser(RunStore &store, const RunInfo &run, const SearchInputs &in, const SearchConfig &config,
                                         const SearchInvocation &inv, const StopToken &stop)
{
    const std::string by = effectivePickBy(config, in.space.searchesShapes());
    if (by == "theta")
        return {};
    const ChooserKind kind = chooserFromString(by, "pick_by");
    ChooserInputs ci;
    ci.space = in.space;
    ci.data = in.data;
    ci.compute = config.compute;
    ci.seed = config.seed;
    ci.source = run.name;
    if (kind == ChooserKind::Supernet) {
        ci.checkpoint = run.checkpointPath;
        const Dataset all = loadDataset(inv.dataset, Split::Train, inv.inputSize > 0 ? inv.inputSize : in.space.inputSize, inv.image);
        ci.heldOut = heldOutOf(all, inv.subset, config.seed, 2000);
        if (ci.heldOut.size() == 0)  // the search used every training image: its theta split is what it never trained weights on
            ci.heldOut = subset(in.data, std::max<std::size_t>(1, in.data.size() / 5), config.seed ^ 0x5eed);
    }
    std::vector<ChooserPick> out;
    for (const auto &[target, theta] : finalThetas(store, run)) {
        ChooserPick p;
        p.targetMs = target;
        const LayerScores lp = logProbabilities(theta);
        double centre = target;
        if (centre <= 0) {
            Architecture argmax;
            argmax.space = in.space.name;
            for (std::size_t l = 0; l < lp.size(); ++l)
                argmax.blocks.push_back(in.space.layers()[l].candidates[std::size_t(std::max_element(lp[l].begin(), lp[l].end()) - lp[l].begin())]);
            centre = in.lut.predict(in.space, argmax);
        }
        const auto best = bestWithin(in.space, in.lut, lp, centre, std::size_t(config.pickCandidates));
        if (best.empty())
            continue;
        double bestScore = -std::numeric_limits<double>::infinity();
        std::size_t at = 0;
        for (std::size_t i = 0; i < best.size(); ++i) {
            if (stop.stopRequested())
                return out;
            Architecture a = best[i].architecture;
            a.name = (target > 0 ? targetLabel(target, in.lut.unit()) + "-" : std::string()) + "cand" + std::to_string(i + 1);
            a.source = "candidate " + std::to_string(i + 1) + " of " + std::to_string(best.size()) + " by theta within +-5% of "
                + std::to_string(centre) + " " + in.lut.unit();
            p.candidates.push_back(stored(store, run, in, a, "candidate", target, best[i].logProbability));
            ArchitectureScore sc;
            sc.architectureId = p.candidates.back().id;
            sc.chooser = toString(kind);
            sc.source = chooserNeedsSearch(kind) ? run.name : std::string();
            sc.value = chooserScore(kind, p.candidates.back().architecture, ci, stop);
            sc.detail = chooserDetail(kind, ci);
            store.setScore(sc);
            p.scores.push_back(sc.value);
            if (sc.value > bestScore) {
                bestScore = sc.value;
                at = i;
            }
        }
        Architecture chosen = best[at].architecture;
        chosen.name = target > 0 ? targetLabel(target, in.lut.unit()) + "-pick" : "pick";
        chosen.source = "picked by " + toString(kind) + " among the " + std::to_string(best.size()) + " most probable under theta within +-5%";
        p.pick = stored(store, run, in, chosen, "pick", target, best[at].logProbability);
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<double> runTargets(const RunStore &store, const RunInfo &run)
{
    std::vector<double> out;
    for (const auto &a : store.architectures(run.id))
        if (a.targetMs > 0 && std::find(out.begin(), out.end(), a.targetMs) == out.end())
            out.push_back(a.targetMs);
    std::sort(out.begin(), out.end());
    return out;
}

StoredArchitecture chosenArchitecture(const RunStore &store, const RunInfo &run, double targetMs)
{
    const auto archs = store.architectures(run.id);
    const auto targets = runTargets(store, run);
    std::string list;
    for (double t : targets) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%g", t);
        list += std::string(list.empty() ? "" : ", ") + buf;
    }
    if (!targets.empty() && targetMs <= 0)
        throw Error::at(store.path(), "run " + run.name, "is a family of targets " + list + ": say which (--target T)");
    // A target as printed (%g) names the stored one it rounds from.
    for (double t : targets)
        if (targetMs > 0 && std::abs(t - targetMs) <= 1e-3 * std::max(1.0, std::abs(t)))
            targetMs = t;
    if (targetMs > 0 && std::find(targets.begin(), targets.end(), targetMs) == targets.end())
        throw Error::at(store.path(), "run " + run.name,
                        targets.empty() ? std::string("has one architecture, not a family: drop --target")
                                        : "has no target " + std::to_string(targetMs) + "; its targets: " + list);
    const StoredArchitecture *theta = nullptr, *pick = nullptr;
    for (const auto &a : archs) {
        if (std::abs(a.targetMs - targetMs) > 1e-12)
            continue;
        if (a.role == "pick")
            pick = &a;  // the newest
        else if (a.role == "argmax")
            theta = &a;
    }
    if (pick)
        return *pick;
    if (theta)
        return *theta;
    throw Error::at(store.path(), "run " + run.name, "has no chosen architecture (it stopped before its first epoch ended?)");
}

} // namespace fbnet
