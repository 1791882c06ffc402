#include <cstdio>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "fbnet/architecture.h"
#include "fbnet/error.h"
#include "fbnet/latencytable.h"
#include "fbnet/resources.h"

namespace fbnet::cli {

namespace {

struct ArchInfoOptions
{
    std::string arch;
    std::string space;
    std::vector<std::string> luts;
    bool json = false;
};

int archInfo(const ArchInfoOptions &o)
{
    const Architecture arch = loadArchitecture(resolveArchitecturePath(o.arch));
    const std::string spaceName = o.space.empty() ? arch.space : o.space;
    if (spaceName.empty())
        throw Error::at(o.arch, "space", "the architecture names no space; pass --space");
    Architecture a = arch;
    if (!o.space.empty())
        a.space = o.space;
    const SearchSpace space = SearchSpace::load(resolveSpacePath(spaceName));
    const NetworkPlan plan = resolve(space, a);
    const ArchCost cost = computeCost(plan);
    nlohmann::json latency = nlohmann::json::object();
    for (const auto &l : o.luts) {
        const LatencyTable t = LatencyTable::load(resolveLutPath(l, space.name));
        latency[t.device] = {{"ms", t.predict(plan)}, {"provenance", t.provenanceKind}};
    }
    if (o.json) {
        nlohmann::json j = {{"name", a.name},
                            {"space", space.name},
                            {"blocks", a.blocks},
                            {"input_size", plan.inputSize},
                            {"head_channels", plan.headChannels},
                            {"num_classes", plan.numClasses},
                            {"macs", cost.macs},
                            {"params", cost.params},
                            {"weights", cost.weights},
                            {"pool_reads", cost.poolReads},
                            {"mobile_vision_flops", cost.macs + cost.poolReads},
                            {"latency_ms", latency}};
        if (!a.layerWidths.empty())
            j["widths"] = a.layerWidths;
        if (!a.layerExpansions.empty())
            j["expansions"] = a.layerExpansions;
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("%s (space %s, input %dx%d, head %d, %d classes)\n", a.name.empty() ? o.arch.c_str() : a.name.c_str(),
                space.name.c_str(), plan.inputSize, plan.inputSize, plan.headChannels, plan.numClasses);
    for (std::size_t i = 0; i < plan.layers.size(); ++i) {
        const auto &l = plan.layers[i];
        const BlockSpec &b = plan.chosen[i];
        std::string mid;
        if (b.kind == BlockSpec::Kind::Irf)
            mid = "  mid " + std::to_string(midChannels(l.cin, b)) + (b.se ? " +SE" : "");
        std::printf("  L%-2zu %4d -> %-4d s%d  %3dx%-3d  %s%s\n", i + 1, l.cin, l.cout, l.stride, l.inputSize, l.inputSize,
                    a.blocks[i].c_str(), mid.c_str());
    }
    std::printf("MACs   %s (%lld; mobile-vision's FLOP count, which adds %lld average-pool reads: %s)\nparams %s (%lld; %s weights without the folded BN biases)\n",
                formatCount(double(cost.macs)).c_str(), (long long)cost.macs, (long long)cost.poolReads,
                formatCount(double(cost.macs + cost.poolReads)).c_str(), formatCount(double(cost.params)).c_str(),
                (long long)cost.params, formatCount(double(cost.weights)).c_str());
    for (const auto &[device, v] : latency.items())
        std::printf("latency on %s: %.3f ms (%s)\n", device.c_str(), v["ms"].get<double>(),
                    v["provenance"].get<std::string>().c_str());
    if (!a.source.empty())
        std::printf("source: %s\n", a.source.c_str());
    return 0;
}

int spaceInfo(const std::string &name, bool json)
{
    const SearchSpace s = SearchSpace::load(resolveSpacePath(name));
    const auto layers = s.layers();
    if (json) {
        nlohmann::json ls = nlohmann::json::array();
        for (const auto &l : layers)
            ls.push_back({{"cin", l.cin}, {"cout", l.cout}, {"stride", l.stride}, {"input_size", l.inputSize},
                          {"candidates", l.candidates}});
        std::printf("%s\n", nlohmann::json{{"name", s.name}, {"input_size", s.inputSize}, {"num_classes", s.numClasses},
                                           {"layers", ls}, {"log10_size", s.log10Size()}}
                                .dump(2)
                                .c_str());
        return 0;
    }
    std::printf("%s: %s\n", s.name.c_str(), s.description.c_str());
    std::printf("input %dx%dx%d, stem %d (k%d s%d), head %d, %d classes\n", s.inputSize, s.inputSize, s.inputChannels,
                s.stemChannels, s.stemKernel, s.stemStride, s.headChannels, s.numClasses);
    for (const auto &l : layers)
        std::printf("  L%-2d %4d -> %-4d s%d  input %dx%d  %zu candidates\n", l.index + 1, l.cin, l.cout, l.stride,
                    l.inputSize, l.inputSize, l.candidates.size());
    std::printf("%d searchable layers; search space size 10^%.2f architectures\n", s.layerCount(), s.log10Size());
    return 0;
}

} // namespace

void addArchCommands(CLI::App &app, Action &run)
{
    auto *arch = app.add_subcommand("arch", "Inspect architectures");
    arch->require_subcommand(1);
    auto o = std::make_shared<ArchInfoOptions>();
    auto *info = arch->add_subcommand("info", "MACs, parameters and LUT latency of an architecture");
    info->add_option("arch", o->arch, "Published name (fbnet-a, …) or JSON file")->required();
    info->add_option("--space", o->space, "Search space (default: the one the architecture names)");
    info->add_option("--lut", o->luts, "Latency table(s) to predict with");
    info->add_flag("--json", o->json, "Print JSON");
    info->callback([o, &run] { run = [o] { return archInfo(*o); }; });
    auto *list = arch->add_subcommand("list", "List the published architectures");
    list->callback([&run] {
        run = [] {
            for (const auto &n : publishedArchitectureNames())
                std::printf("%s\n", n.c_str());
            return 0;
        };
    });

    auto *space = app.add_subcommand("space", "Inspect search spaces");
    space->require_subcommand(1);
    auto spaceName = std::make_shared<std::string>();
    auto spaceJson = std::make_shared<bool>(false);
    auto *sinfo = space->add_subcommand("info", "Layers, candidates and size of a space");
    sinfo->add_option("space", *spaceName, "Space name or JSON file")->required();
    sinfo->add_flag("--json", *spaceJson, "Print JSON");
    sinfo->callback([spaceName, spaceJson, &run] { run = [spaceName, spaceJson] { return spaceInfo(*spaceName, *spaceJson); }; });
    auto *slist = space->add_subcommand("list", "List the shipped spaces");
    slist->callback([&run] {
        run = [] {
            for (const auto &n : spaceNames())
                std::printf("%s\n", n.c_str());
            return 0;
        };
    });
}

} // namespace fbnet::cli
