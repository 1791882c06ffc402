// Foreign latency tables (`lut import`): the first byte picks HW-NAS-Bench JSON, OFA YAML or NNI lut.txt.
#include "fuzzutil.h"

#include "fbnet/lutimport.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 1)
        return 0;
    const LutFormat format = data[0] % 3 == 0 ? LutFormat::HwNasBench : data[0] % 3 == 1 ? LutFormat::Ofa : LutFormat::Nni;
    FBNET_FUZZ_BODY({
        const std::string path = fuzz::writeScratch("import.txt", fuzz::text(data + 1, size - 1));
        importLatencyTable(path, format, fuzz::shippedSpace("fbnet-cifar"), 1.0, "fuzz");
    });
}
