#include "fbnet/architecture.h"

#include <cmath>
#include <sstream>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "base/jsonutil.h"

namespace fbnet {

using detail::json;
using detail::JsonReader;

std::string Architecture::blocksString() const
{
    std::string out;
    for (std::size_t i = 0; i < blocks.size(); ++i)
        out += (i ? "-" : "") + blocks[i];
    return out;
}

std::vector<std::string> Architecture::parseBlocks(const std::string &joined)
{
    std::vector<std::string> out;
    std::stringstream ss(joined);
    std::string item;
    while (std::getline(ss, item, '-'))
        out.push_back(item);
    return out;
}

int NetworkPlan::headInputSize() const
{
    return layers.empty() ? inputSize : (layers.back().inputSize + layers.back().stride - 1) / layers.back().stride;
}

NetworkPlan resolve(const SearchSpace &space, const Architecture &arch)
{
    const std::string where = "architecture " + (arch.name.empty() ? std::string("(unnamed)") : arch.name);
    if (!arch.space.empty() && arch.space != space.name)
        throw Error::at(where, "space", "belongs to space \"" + arch.space + "\", not \"" + space.name + "\"");
    SearchSpace s = space;
    if (arch.inputSize)
        s.inputSize = *arch.inputSize;
    if (arch.stemChannels)
        s.stemChannels = *arch.stemChannels;
    if (arch.headChannels)
        s.headChannels = *arch.headChannels;
    if (!arch.stageWidths.empty()) {
        if (arch.stageWidths.size() != s.stages.size())
            throw Error::at(where, "stage_widths",
                            "expected " + std::to_string(s.stages.size()) + " widths, got "
                                + std::to_string(arch.stageWidths.size()));
        for (std::size_t i = 0; i < s.stages.size(); ++i)
            s.stages[i].channels = arch.stageWidths[i];
    }
    NetworkPlan plan;
    plan.inputSize = s.inputSize;
    plan.inputChannels = s.inputChannels;
    plan.stemChannels = s.stemChannels;
    plan.stemKernel = s.stemKernel;
    plan.stemStride = s.stemStride;
    plan.headChannels = s.headChannels;
    plan.numClasses = s.numClasses;
    plan.headType = s.headType;
    plan.headExpansion = s.headExpansion;
    plan.stemHswish = s.stemHswish;
    plan.layers = s.layers();
    if (!arch.layerWidths.empty()) {
        if (arch.layerWidths.size() != plan.layers.size())
            throw Error::at(where, "widths", "expected " + std::to_string(plan.layers.size()) + " widths (one per layer), got "
                                                 + std::to_string(arch.layerWidths.size()));
        int cin = plan.stemChannels;
        for (std::size_t i = 0; i < plan.layers.size(); ++i) {
            if (arch.layerWidths[i] < 1)
                throw Error::at(where, "widths/" + std::to_string(i), "expected a positive width");
            plan.layers[i].cin = cin;
            plan.layers[i].cout = cin = arch.layerWidths[i];
        }
    }
    if (!arch.layerExpansions.empty() && arch.layerExpansions.size() != plan.layers.size())
        throw Error::at(where, "expansions", "expected " + std::to_string(plan.layers.size()) + " expansions (one per layer), got "
                                                 + std::to_string(arch.layerExpansions.size()));
    if (arch.blocks.size() != plan.layers.size())
        throw Error::at(where, "blocks",
                        "expected " + std::to_string(plan.layers.size()) + " blocks (one per searchable layer of "
                            + space.name + "), got " + std::to_string(arch.blocks.size()));
    for (std::size_t i = 0; i < plan.layers.size(); ++i) {
        const std::string &b = arch.blocks[i];
        if (!s.hasBlock(b))
            throw Error::at(where, "blocks/" + std::to_string(i),
                            "unknown block \"" + b + "\" (space " + space.name + " defines no such block)");
        BlockSpec spec = s.block(b);
        if (!arch.layerExpansions.empty() && arch.layerExpansions[i] > 0)
            spec.expansion = arch.layerExpansions[i];
        if (spec.kind == BlockSpec::Kind::Irf) {
            const auto &l = plan.layers[i];
            const int mid = midChannels(l.cin, spec);
            if (l.cin % spec.groups || l.cout % spec.groups || mid % spec.groups)
                throw Error::at(where, "blocks/" + std::to_string(i),
                                "block \"" + b + "\" has groups that do not divide the layer's widths");
        }
        plan.layers[i].candidates = {b};
        plan.chosen.push_back(spec);
    }
    return plan;
}

namespace {

struct CostAcc
{
    ArchCost &c;
    void conv(std::int64_t cin, std::int64_t cout, std::int64_t k, std::int64_t groups, std::int64_t outSize)
    {
        c.macs += cin / groups * cout * k * k * outSize * outSize;
        c.params += cin / groups * cout * k * k + cout;
        c.weights += cin / groups * cout * k * k;
    }
};

} // namespace

ArchCost layerCost(const LayerSpec &l, const BlockSpec &b)
{
    ArchCost c;
    CostAcc acc{c};
    const int out = (l.inputSize + l.stride - 1) / l.stride;
    if (b.kind == BlockSpec::Kind::Skip) {
        if (l.stride != 1 || l.cin != l.cout)
            acc.conv(l.cin, l.cout, 1, 1, out);
        return c;
    }
    const int mid = midChannels(l.cin, b);
    if (hasPointwise(l.cin, b))
        acc.conv(l.cin, mid, 1, b.groups, l.inputSize);
    acc.conv(mid, mid, b.kernel, mid, out);
    if (b.doubleDw)
        acc.conv(mid, mid, 3, mid, out);
    if (b.se) {
        // pool, 1x1 conv mid -> se (bias), ReLU, 1x1 conv se -> mid (bias), hard sigmoid, scale
        const std::int64_t se = seChannels(mid);
        c.poolReads += std::int64_t(mid) * out * out;
        c.macs += 2 * se * mid;
        c.weights += 2 * se * mid;
        c.params += 2 * se * mid + se + mid;
    }
    acc.conv(mid, l.cout, 1, b.groups, out);
    return c;
}

ArchCost fixedCost(const NetworkPlan &plan)
{
    ArchCost c;
    CostAcc acc{c};
    const int stemOut = (plan.inputSize + plan.stemStride - 1) / plan.stemStride;
    acc.conv(plan.inputChannels, plan.stemChannels, plan.stemKernel, 1, stemOut);
    const int lastC = plan.layers.empty() ? plan.stemChannels : plan.layers.back().cout;
    const int headIn = plan.headInputSize();
    if (plan.headType == "ir_pool") {
        // 1x1 expand + BN + h-swish, pool, 1x1 conv to the head width (no BN, no bias) + h-swish, pool (1x1), FC
        const int mid = roundWidth(lastC * plan.headExpansion, 8);
        acc.conv(lastC, mid, 1, 1, headIn);
        c.poolReads += std::int64_t(mid) * headIn * headIn;
        acc.conv(mid, plan.headChannels, 1, 1, 1);
        c.params -= plan.headChannels;  // the head conv has neither BN nor bias
        c.poolReads += plan.headChannels;
    } else {
        acc.conv(lastC, plan.headChannels, 1, 1, headIn);
        c.poolReads += std::int64_t(plan.headChannels) * headIn * headIn;
    }
    c.macs += std::int64_t(plan.headChannels) * plan.numClasses;
    c.params += std::int64_t(plan.headChannels) * plan.numClasses + plan.numClasses;
    c.weights += std::int64_t(plan.headChannels) * plan.numClasses;
    return c;
}

ArchCost computeCost(const NetworkPlan &plan)
{
    ArchCost c = fixedCost(plan);
    for (std::size_t i = 0; i < plan.layers.size(); ++i) {
        const ArchCost l = layerCost(plan.layers[i], plan.chosen[i]);
        c.macs += l.macs;
        c.params += l.params;
        c.weights += l.weights;
        c.poolReads += l.poolReads;
    }
    return c;
}

ArchCost computeCost(const SearchSpace &space, const Architecture &arch)
{
    return computeCost(resolve(space, arch));
}

Architecture architectureFromJsonText(const std::string &text, const std::string &source)
{
    const auto doc = detail::parseJson(text, source);
    JsonReader r(doc, source);
    Architecture a;
    a.name = r.getString("name", "");
    a.space = r.getString("space");
    if (r.has("blocks") && r.node().at("blocks").is_string())
        a.blocks = Architecture::parseBlocks(r.getString("blocks"));
    else
        a.blocks = r.getStringArray("blocks");
    if (a.blocks.empty())
        r.fail("blocks", "expected at least one block");
    if (a.blocks.size() > std::size_t(kMaxLayers))
        r.fail("blocks", "expected at most " + std::to_string(kMaxLayers) + " blocks");
    if (r.has("input_size"))
        a.inputSize = r.getIntIn("input_size", 8, kMaxInputSize);
    if (r.has("stem_channels"))
        a.stemChannels = r.getIntIn("stem_channels", 1, kMaxChannels);
    if (r.has("head_channels"))
        a.headChannels = r.getIntIn("head_channels", 1, kMaxHeadChannels);
    if (r.has("stage_widths"))
        a.stageWidths = r.getIntArrayIn("stage_widths", 1, kMaxChannels, std::size_t(kMaxLayers));
    if (r.has("widths"))
        a.layerWidths = r.getIntArrayIn("widths", 1, kMaxChannels, std::size_t(kMaxLayers));
    if (r.has("expansions")) {
        if (!r.node().at("expansions").is_array() || r.node().at("expansions").size() > std::size_t(kMaxLayers))
            r.fail("expansions", "expected an array of numbers (0: the block's own)");
        for (const auto &e : r.node().at("expansions")) {
            if (!e.is_number() || !(e.get<double>() >= 0 && e.get<double>() <= kMaxExpansion))
                r.fail("expansions", "expected an array of numbers in [0, 64] (0: the block's own), got " + e.dump());
            a.layerExpansions.push_back(e.get<double>());
        }
    }
    a.source = r.getString("source", "");
    return a;
}

Architecture loadArchitecture(const std::string &path)
{
    return architectureFromJsonText(readTextFile(path), path);
}

std::string architectureToJsonText(const Architecture &a, int indent)
{
    json j;
    j["schema"] = 1;
    if (!a.name.empty())
        j["name"] = a.name;
    j["space"] = a.space;
    j["blocks"] = a.blocks;
    if (a.inputSize)
        j["input_size"] = *a.inputSize;
    if (a.stemChannels)
        j["stem_channels"] = *a.stemChannels;
    if (a.headChannels)
        j["head_channels"] = *a.headChannels;
    if (!a.stageWidths.empty())
        j["stage_widths"] = a.stageWidths;
    if (!a.layerWidths.empty())
        j["widths"] = a.layerWidths;
    if (!a.layerExpansions.empty())
        j["expansions"] = a.layerExpansions;
    if (!a.source.empty())
        j["source"] = a.source;
    return j.dump(indent) + "\n";
}

void saveArchitecture(const Architecture &arch, const std::string &path)
{
    writeTextFileAtomic(path, architectureToJsonText(arch));
}

} // namespace fbnet
