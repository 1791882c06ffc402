// What a stored run records and a resume parses again: the search configuration and the
// invocation (space, data, table) as JSON; the first byte picks which.
#include "fuzzutil.h"

#include "fbnet/report.h"
#include "fbnet/storedsearch.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    FBNET_FUZZ_BODY({
        const std::string t = fuzz::text(data + 1, size - 1);
        if (data[0] % 2)
            searchConfigFromJson(t, "config").validate();
        else
            invocationFromJson(t, "invocation");
    });
}
