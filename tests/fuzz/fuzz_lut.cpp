// Latency-table JSON: parsed, then asked for what a shipped space lacks and for a prediction.
#include "fuzzutil.h"

#include "fbnet/architecture.h"
#include "fbnet/latencytable.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FBNET_FUZZ_BODY({
        const LatencyTable t = LatencyTable::fromJsonText(fuzz::text(data, size), "fuzz-lut.json");
        const SearchSpace &space = fuzz::shippedSpace("fbnet-cifar");
        t.missing(space);
        Architecture a;
        a.space = space.name;
        for (const auto &l : space.layers())
            a.blocks.push_back(l.candidates.back());
        t.predict(space, a);
    });
}
