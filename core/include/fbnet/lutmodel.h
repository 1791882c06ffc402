#pragma once

#include <array>
#include <string>
#include <vector>

#include "fbnet/latencytable.h"

namespace fbnet {

/**
 * A per-device latency model: the cost of an op is a weighted sum of its work by class. The
 * classes: dense 1x1 (and full) conv MACs, grouped 1x1 MACs, depthwise 3x3 MACs, depthwise 5x5
 * MACs, activation bytes moved (int8: one byte per element read or written), and ops launched.
 */
struct DeviceModel
{
    static constexpr std::size_t kClasses = 6;
    static const std::array<const char *, kClasses> &classNames();
    /** ns per MAC (first four), ns per byte, µs per op. */
    std::array<double, kClasses> unitCost{0.05, 0.08, 0.25, 0.25, 0.1, 10.0};
};

/** A published or measured whole-network latency to calibrate against. */
struct CalibrationPoint
{
    std::string architecture;  ///< published name or file
    double latencyMs = 0;
    std::string source;
};

/** CSV with columns arch, latency_ms, source. */
std::vector<CalibrationPoint> readCalibrationCsv(const std::string &path);

struct ModelCalibration
{
    DeviceModel model;
    std::vector<double> predictedMs;  ///< per calibration point
    std::vector<double> residualPct;
};

/**
 * Fits the unit costs (in log space, pulled toward `prior` with weight `priorWeight`) so that the
 * modeled whole-network latencies match the calibration points.
 */
ModelCalibration calibrateDeviceModel(const SearchSpace &space, const std::vector<CalibrationPoint> &points,
                                      const DeviceModel &prior, double priorWeight = 0.001);

/** Modeled latency (ms) of an architecture. */
double modeledLatencyMs(const SearchSpace &space, const Architecture &arch, const DeviceModel &model);

/**
 * A `modeled` table for every op of `space` plus the stem and head entries the calibration
 * architectures need; the provenance records the unit costs and each calibration residual.
 */
LatencyTable modeledLatencyTable(const SearchSpace &space, const ModelCalibration &calibration,
                                 const std::vector<CalibrationPoint> &points, const std::string &device,
                                 const std::string &description);

} // namespace fbnet
