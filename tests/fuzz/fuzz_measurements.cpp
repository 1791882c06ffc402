// Measurement CSV for `lut fit` (arch, latency): read, then each architecture resolved.
#include "fuzzutil.h"

#include "fbnet/architecture.h"
#include "fbnet/lutfit.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FBNET_FUZZ_BODY({
        const std::string path = fuzz::writeScratch("measurements.csv", fuzz::text(data, size));
        for (const auto &m : readMeasurementsCsv(path, "fbnet-cifar", "ms")) {
            try {
                computeCost(fuzz::shippedSpace("fbnet-cifar"), m.architecture);
            } catch (const Error &) {
            }
        }
    });
}
