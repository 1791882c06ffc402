#pragma once

#include <string>
#include <vector>

#include "fbnet/architecture.h"
#include "fbnet/latencytable.h"
#include "fbnet/rankstats.h"
#include "fbnet/searchspace.h"

namespace fbnet {

/** A whole-network latency measurement. */
struct Measurement
{
    Architecture architecture;
    double latencyMs = 0;
    std::string split;  ///< the optional column `split` (a measurement kit's "fit" or "holdout")
};

/**
 * Reads a CSV with a column `arch` (blocks joined by '-') and a latency column (default
 * `latency_ms`) and an optional column `split`; other columns are ignored. Errors name the file,
 * the line and the field.
 */
std::vector<Measurement> readMeasurementsCsv(const std::string &path, const std::string &spaceName,
                                             const std::string &latencyColumn = "latency_ms");

struct FitOptions
{
    double ridge = 1e-6;       ///< relative ridge strength (x mean diagonal of the normal matrix)
    bool relative = true;      ///< minimise squared relative error (rows weighted 1/y^2) instead of absolute
    std::string device;        ///< name of the fitted table
    std::string description;
    std::string source;        ///< what the measurements are (for the provenance)
};

/**
 * Least-squares additive table: latency = fixed + sum over layers of entry[signature]. Layers with
 * identical signatures share an entry; identity skips are pinned to 0.
 */
/** One CSV line's cells (double quotes group, no escapes; a trailing \r is dropped). */
std::vector<std::string> splitCsvLine(const std::string &line);

/** Rows whose split is `split` ("" in a file without the column counts as every split). */
std::vector<Measurement> rowsOfSplit(const std::vector<Measurement> &rows, const std::string &split);

LatencyTable fitLatencyTable(const SearchSpace &space, const std::vector<Measurement> &data, const FitOptions &options);

/**
 * Fits a table to a few whole-network measurements using existing device tables as a basis.
 * Candidate models: each prior rescaled (a * prior + b), a least-squares combination of all
 * priors (+ b), and the plain additive fit when there are more measurements than unknowns. The
 * model with the lowest k-fold cross-validated MAPE on the measurements is refitted on all of
 * them and returned as an ordinary table; the provenance records every candidate's CV error.
 */
LatencyTable fitWithPriors(const SearchSpace &space, const std::vector<Measurement> &data,
                           const std::vector<LatencyTable> &priors, const FitOptions &options, int folds = 5);

struct PredictionQuality
{
    double mape = 0;          ///< mean absolute percentage error, %
    double within10 = 0;      ///< share of |error| <= 10%, in [0,1]
    double spearman = 0;
    double maxError = 0;      ///< %
    std::size_t count = 0;
};

PredictionQuality predictionQuality(const std::vector<double> &predicted, const std::vector<double> &measured);

} // namespace fbnet
