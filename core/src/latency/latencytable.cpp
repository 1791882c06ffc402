#include "fbnet/latencytable.h"

#include <cmath>
#include <set>
#include <sstream>

#include "fbnet/error.h"
#include "fbnet/resources.h"
#include "base/jsonutil.h"

namespace fbnet {

using detail::json;
using detail::JsonReader;

static std::string formatExpansion(double e)
{
    if (std::abs(e - std::round(e)) < 1e-9)
        return std::to_string(int(std::lround(e)));
    std::ostringstream ss;
    ss << e;
    return ss.str();
}

std::string opSignature(const LayerSpec &l, const BlockSpec &b)
{
    const std::string hw = "_H" + std::to_string(l.inputSize) + "_W" + std::to_string(l.inputSize);
    const std::string io = "_Cin" + std::to_string(l.cin) + "_Cout" + std::to_string(l.cout);
    if (b.kind == BlockSpec::Kind::Skip)
        return "Skip" + hw + io + "_stride" + std::to_string(l.stride);
    return std::string(b.doubleDw ? "ConvBlockDD" : "ConvBlock") + hw + io + "_exp" + formatExpansion(b.expansion)
        + "_kernel" + std::to_string(b.kernel) + "_stride" + std::to_string(l.stride) + "_group"
        + std::to_string(b.groups);
}

std::string stemSignature(const NetworkPlan &p)
{
    return "ConvNorm_H" + std::to_string(p.inputSize) + "_W" + std::to_string(p.inputSize) + "_Cin"
        + std::to_string(p.inputChannels) + "_Cout" + std::to_string(p.stemChannels) + "_kernel"
        + std::to_string(p.stemKernel) + "_stride" + std::to_string(p.stemStride) + "_group1";
}

std::string headSignature(const NetworkPlan &p)
{
    const int h = p.headInputSize();
    const int cin = p.layers.empty() ? p.stemChannels : p.layers.back().cout;
    return "Head_H" + std::to_string(h) + "_W" + std::to_string(h) + "_Cin" + std::to_string(cin) + "_Cout"
        + std::to_string(p.headChannels) + "_classes" + std::to_string(p.numClasses);
}

LatencyTable LatencyTable::load(const std::string &path)
{
    return fromJsonText(readTextFile(path), path);
}

LatencyTable LatencyTable::fromJsonText(const std::string &text, const std::string &source)
{
    const auto doc = detail::parseJson(text, source);
    JsonReader r(doc, source);
    const int schema = r.getInt("schema");
    if (schema != 1)
        r.fail("schema", "expected schema 1 (this build reads latency tables of schema 1), got " + std::to_string(schema));
    const std::string unit = r.getString("unit");
    if (unit != "ms")
        r.fail("unit", "expected \"ms\" (convert the table to milliseconds), got \"" + unit + "\"");
    LatencyTable t;
    t.sourcePath = source;
    JsonReader dev = r.child("device");
    t.device = dev.getString("name");
    t.description = dev.getString("description", "");
    t.spaces = r.getStringArray("spaces");
    t.batch = r.getInt("batch", 1);
    if (t.batch < 1)
        r.fail("batch", "expected >= 1, got " + std::to_string(t.batch));
    t.threads = r.getInt("threads", 0);
    if (t.threads < 0)
        r.fail("threads", "expected >= 0, got " + std::to_string(t.threads));
    t.date = r.getString("date", "");
    JsonReader prov = r.child("provenance");
    t.provenanceKind = prov.getString("kind");
    static const std::set<std::string> kinds = {"measured", "derived", "calibrated", "modeled"};
    if (!kinds.count(t.provenanceKind))
        prov.fail("kind", "expected one of measured, derived, calibrated, modeled; got \"" + t.provenanceKind + "\"");
    for (const auto &item : prov.node().items())
        if (item.key() != "kind")
            t.provenance[item.key()] = item.value().is_string() ? item.value().get<std::string>() : item.value().dump();
    // Negative or huge latencies would make the search's cost meaningless (or infinite).
    auto latency = [](const JsonReader &reader, const std::string &key) {
        const double v = reader.getDouble(key);
        if (!(v >= 0 && v <= kMaxLatencyMs))
            reader.fail(key, "expected a latency between 0 and 1e7 ms, got " + reader.node().at(key).dump());
        return v;
    };
    t.fixedMs = latency(r, "fixed_ms");
    if (!r.has("entries") || !r.node().at("entries").is_object())
        r.fail("entries", "expected an object mapping op signatures to {\"ms\": ...}");
    for (const auto &item : r.node().at("entries").items()) {
        JsonReader er(item.value(), source, "/entries/" + item.key());
        LatencyEntry e;
        e.ms = latency(er, "ms");
        e.p10 = er.has("p10") ? latency(er, "p10") : -1;
        e.p90 = er.has("p90") ? latency(er, "p90") : -1;
        e.samples = er.getInt("samples", 0);
        if (e.samples < 0)
            er.fail("samples", "expected >= 0, got " + std::to_string(e.samples));
        t.entries[item.key()] = e;
    }
    return t;
}

std::string LatencyTable::toJsonText() const
{
    json j;
    j["schema"] = 1;
    j["unit"] = "ms";
    j["device"] = {{"name", device}, {"description", description}};
    j["spaces"] = spaces;
    j["batch"] = batch;
    j["threads"] = threads;
    j["date"] = date;
    json prov = {{"kind", provenanceKind}};
    for (const auto &[k, v] : provenance)
        prov[k] = v;
    j["provenance"] = prov;
    j["fixed_ms"] = fixedMs;
    json entriesJson = json::object();
    for (const auto &[k, e] : entries) {
        json ej = {{"ms", e.ms}};
        if (e.p10 >= 0)
            ej["p10"] = e.p10;
        if (e.p90 >= 0)
            ej["p90"] = e.p90;
        if (e.samples > 0)
            ej["samples"] = e.samples;
        entriesJson[k] = ej;
    }
    j["entries"] = entriesJson;
    return j.dump(2) + "\n";
}

void LatencyTable::save(const std::string &path) const
{
    writeTextFileAtomic(path, toJsonText());
}

std::optional<double> LatencyTable::lookup(const std::string &signature) const
{
    auto it = entries.find(signature);
    if (it == entries.end())
        return std::nullopt;
    return it->second.ms;
}

std::vector<std::string> LatencyTable::missing(const SearchSpace &space) const
{
    if (!metric.empty())
        return {};
    std::set<std::string> out;
    for (const auto &l : space.layers())
        for (const auto &c : l.candidates) {
            const std::string sig = opSignature(l, space.block(c));
            if (!entries.count(sig))
                out.insert(sig);
        }
    return {out.begin(), out.end()};
}

static Error missingError(const std::string &source, const std::string &what, const std::vector<std::string> &miss)
{
    std::string list;
    for (std::size_t i = 0; i < miss.size() && i < 12; ++i)
        list += "\n  " + miss[i];
    if (miss.size() > 12)
        list += "\n  … and " + std::to_string(miss.size() - 12) + " more";
    return Error::at(source, "entries",
                     "missing " + std::to_string(miss.size()) + " op signature(s) needed by " + what + ":" + list);
}

LatencyTable LatencyTable::costModel(const std::string &metric)
{
    if (metric != "flops" && metric != "params")
        throw Error::at("cost model", metric, "expected flops or params");
    LatencyTable t;
    t.metric = metric;
    t.device = metric;
    t.description = metric == "flops" ? "analytic multiply-accumulates (millions)" : "analytic parameters (millions)";
    t.provenanceKind = "analytic";
    return t;
}

LatencyTable LatencyTable::byName(const std::string &nameOrPath, const std::string &spaceName)
{
    if (nameOrPath == "flops" || nameOrPath == "params")
        return costModel(nameOrPath);
    return load(resolveLutPath(nameOrPath, spaceName));
}

static double metricOf(const ArchCost &c, const std::string &metric)
{
    return double(metric == "flops" ? c.macs : c.weights) / 1e6;
}

double LatencyTable::costOf(const ArchCost &cost) const
{
    if (metric.empty())
        throw Error::at("latency table " + device, "cost", "is measured in ms, not an analytic cost (expected the flops or params table)");
    return metricOf(cost, metric);
}

std::vector<std::vector<double>> LatencyTable::layerTable(const SearchSpace &space) const
{
    if (!metric.empty()) {
        std::vector<std::vector<double>> out;
        for (const auto &l : space.layers()) {
            std::vector<double> row;
            for (const auto &c : l.candidates)
                row.push_back(metricOf(layerCost(l, space.block(c)), metric));
            out.push_back(row);
        }
        return out;
    }
    const auto miss = missing(space);
    if (!miss.empty())
        throw missingError(sourcePath.empty() ? "latency table " + device : sourcePath, "space " + space.name, miss);
    std::vector<std::vector<double>> out;
    for (const auto &l : space.layers()) {
        std::vector<double> row;
        for (const auto &c : l.candidates)
            row.push_back(entries.at(opSignature(l, space.block(c))).ms);
        out.push_back(row);
    }
    return out;
}

double LatencyTable::predict(const NetworkPlan &plan) const
{
    if (!metric.empty())
        return metricOf(computeCost(plan), metric);
    const auto stem = lookup(stemSignature(plan)), head = lookup(headSignature(plan));
    double total = stem && head ? *stem + *head : fixedMs;
    std::vector<std::string> miss;
    for (std::size_t i = 0; i < plan.layers.size(); ++i) {
        const std::string sig = opSignature(plan.layers[i], plan.chosen[i]);
        if (auto v = lookup(sig))
            total += *v;
        else
            miss.push_back(sig);
    }
    if (!miss.empty())
        throw missingError(sourcePath.empty() ? "latency table " + device : sourcePath, "the architecture", miss);
    return total;
}

std::vector<double> LatencyTable::layerMs(const NetworkPlan &plan) const
{
    std::vector<double> ms;
    if (!metric.empty())
        return ms;
    for (std::size_t i = 0; i < plan.layers.size() && i < plan.chosen.size(); ++i)
        ms.push_back(lookup(opSignature(plan.layers[i], plan.chosen[i])).value_or(-1.0));
    return ms;
}

double LatencyTable::fixedPart(const SearchSpace &space) const
{
    if (metric.empty())
        return fixedMs;
    Architecture probe;  // any architecture: the fixed part does not depend on the blocks
    probe.space = space.name;
    for (const auto &l : space.layers())
        probe.blocks.push_back(l.candidates.front());
    const NetworkPlan plan = resolve(space, probe);
    return metricOf(fixedCost(plan), metric);
}

double LatencyTable::predict(const SearchSpace &space, const Architecture &arch) const
{
    return predict(resolve(space, arch));
}

} // namespace fbnet
