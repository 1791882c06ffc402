#pragma once

#include <string>

#include "fbnet/latencytable.h"

namespace fbnet {

enum class LutFormat {
    HwNasBench,  ///< JSON object {"ConvBlock_H.._stride.._group..": ms, "ConvNorm_..": ms, "AvgP_..": ms, "FC_..": ms}
    Ofa,         ///< once-for-all / ProxylessNAS YAML: "expanded_conv-input:HxWxC-output:HxWxC-expand:E-kernel:K-stride:S-idskip:I": {count, mean, std}
    Nni          ///< NNI lut.txt: one {'op_name': .., 'op_data_shape': (w, h, cin, cout, stride), 'op_dtype': 'float', 'op_latency': v} per line
};

LutFormat lutFormatFromString(const std::string &s);

struct ImportReport
{
    LatencyTable table;
    std::size_t recordsRead = 0;
    std::size_t recordsUsed = 0;       ///< mapped onto an op of the space
    std::vector<std::string> missing;  ///< signatures of the space the import does not cover
};

/**
 * Reads a foreign table and maps its records onto `space`'s op signatures. `unitToMs` converts the
 * file's unit (1 for ms, 1e-3 for µs, 1e3 for s); it must be given explicitly because the formats
 * do not say. Records that match no op of the space are counted, not guessed.
 */
ImportReport importLatencyTable(const std::string &path, LutFormat format, const SearchSpace &space, double unitToMs,
                                const std::string &device);

/** CSV: signature,ms,p10,p90,samples (and a fixed_ms row). */
std::string latencyTableToCsv(const LatencyTable &table);

} // namespace fbnet
