#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/searchspace.h"

namespace fbnet {

/** The largest latency a table may hold for one op or fixed_ms (about 2.8 hours): larger is a broken table. */
inline constexpr double kMaxLatencyMs = 1e7;

/** One operator's latency in milliseconds. */
struct LatencyEntry
{
    double ms = 0;
    double p10 = -1;   ///< -1: unknown
    double p90 = -1;
    int samples = 0;
};

/**
 * Per-device latency lookup table: op signature -> latency. Signatures use HW-NAS-Bench's key
 * strings (`ConvBlock_H32_W32_Cin16_Cout24_exp6_kernel3_stride1_group1`, `Skip_H.._stride..`),
 * so one table can be shared by every layer with the same shapes. What no searchable choice
 * changes (stem, head, pool, classifier) is `fixedMs`.
 */
class LatencyTable
{
public:
    static LatencyTable load(const std::string &path);
    /**
     * An analytic cost model in place of a device table: "flops" (millions of multiply-accumulates)
     * or "params" (millions of parameters), computed from the architecture (FBNetV2's resource
     * terms). Its "ms" are then MFLOPs or Mparams.
     */
    static LatencyTable costModel(const std::string &metric);
    /** A shipped table by name, a file, "flops" or "params". */
    static LatencyTable byName(const std::string &nameOrPath, const std::string &spaceName);
    static LatencyTable fromJsonText(const std::string &text, const std::string &source);
    std::string toJsonText() const;
    void save(const std::string &path) const;

    std::string device;        ///< short name, e.g. "pixel3"
    std::string description;
    std::vector<std::string> spaces;
    int batch = 1;
    int threads = 0;
    std::string date;
    std::string provenanceKind;                     ///< measured | derived | calibrated | modeled
    std::map<std::string, std::string> provenance;  ///< free-form details (method, source, fit error…)
    double fixedMs = 0;
    std::map<std::string, LatencyEntry> entries;
    std::string sourcePath;    ///< where it was loaded from (for messages)
    std::string metric;        ///< empty: a latency table; "flops" / "params": an analytic cost model
    std::string unit() const { return unitOf(metric); }
    /** The unit of a table's numbers by its name or metric: "flops" -> MFLOPs, "params" -> Mparams, any other (a device) -> ms. */
    static std::string unitOf(const std::string &table) { return table == "flops" ? "MFLOPs" : table == "params" ? "Mparams" : "ms"; }
    /** A cost table's number for an analytic cost: millions of MACs (flops) or of weights (params). */
    double costOf(const ArchCost &cost) const;

    std::optional<double> lookup(const std::string &signature) const;
    /** Signatures `space` needs that this table lacks, sorted. */
    std::vector<std::string> missing(const SearchSpace &space) const;
    /** [layer][candidate] latency in ms; throws fbnet::Error listing missing signatures. */
    std::vector<std::vector<double>> layerTable(const SearchSpace &space) const;
    /**
     * The plan's latency: its blocks plus the fixed part. The fixed part is the table's stem and
     * head entries for the plan when it has both (so a 1504-wide head costs what it costs), else
     * fixedMs. Throws if a block is missing.
     */
    double predict(const NetworkPlan &plan) const;
    /** Each searchable layer's block, in ms (-1 where the table lacks its signature); empty for an analytic table. */
    std::vector<double> layerMs(const NetworkPlan &plan) const;
    double predict(const SearchSpace &space, const Architecture &arch) const;
    /** What the searchable layers do not change, at the space's default shapes (fixedMs for a table). */
    double fixedPart(const SearchSpace &space) const;
};

/** HW-NAS-Bench-style key of a block placed in a layer. */
std::string opSignature(const LayerSpec &layer, const BlockSpec &block);
/** Key of the stem conv: ConvNorm_H{in}_W{in}_Cin{}_Cout{}_kernel{}_stride{}_group1. */
std::string stemSignature(const NetworkPlan &plan);
/** Key of head conv + pool + classifier: Head_H{}_W{}_Cin{}_Cout{}_classes{}. */
std::string headSignature(const NetworkPlan &plan);

} // namespace fbnet
