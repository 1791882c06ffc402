// Architecture JSON: parsed, then resolved and costed in a shipped space (widths, expansions, input size).
#include "fuzzutil.h"

#include "fbnet/architecture.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FBNET_FUZZ_BODY({
        Architecture a = architectureFromJsonText(fuzz::text(data, size), "fuzz-arch.json");
        for (const char *space : {"fbnet-cifar", "fbnet-imagenet", "fbnetv2-cifar"}) {
            try {
                a.space = space;
                computeCost(fuzz::shippedSpace(space), a);
            } catch (const Error &) {
            }
        }
    });
}
