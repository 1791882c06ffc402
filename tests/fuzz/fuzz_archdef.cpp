// mobile-vision arch_def JSON, imported into a shipped space (the first byte picks which).
#include "fuzzutil.h"

#include "fbnet/architecture.h"
#include "fbnet/mobilevision.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    const SearchSpace &space = fuzz::shippedSpace(data[0] % 2 ? "fbnet-imagenet" : "fbnet-cifar");
    FBNET_FUZZ_BODY({
        const std::string t = fuzz::text(data + 1, size - 1);
        isMobileVisionArchDef(t);
        computeCost(space, fromMobileVisionArchDef(space, t, "fuzz-archdef.json"));
    });
}
