// A measurement kit's manifest.csv (fbnet lut measure / kit import read it): parsed for a shipped space.
#include "fuzzutil.h"

#include "fbnet/lutkit.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FBNET_FUZZ_BODY({
        const std::string dir = fuzz::scratchDir() + "/kit";
        std::filesystem::create_directories(dir);
        std::ofstream(dir + "/manifest.csv", std::ios::binary | std::ios::trunc) << fuzz::text(data, size);
        readKitManifest(dir, "fbnet-cifar");
    });
}
