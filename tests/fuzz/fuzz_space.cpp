// Search-space JSON: parsed, then every layer resolved and costed with its first candidates.
#include "fuzzutil.h"

#include "fbnet/architecture.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FBNET_FUZZ_BODY({
        const SearchSpace s = SearchSpace::fromJsonText(fuzz::text(data, size), "fuzz-space.json");
        Architecture a;
        a.space = s.name;
        for (const auto &l : s.layers())
            a.blocks.push_back(l.candidates.front());
        computeCost(s, a);
    });
}
