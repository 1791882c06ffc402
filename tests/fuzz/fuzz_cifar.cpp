// CIFAR binary files: the same bytes as CIFAR-10's test_batch.bin (3073-byte records, label then
// 3x32x32 pixels) and as CIFAR-100's test.bin (3074-byte records, coarse and fine label).
#include "fuzzutil.h"

#include "fbnet/dataset.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FBNET_FUZZ_BODY({
        const std::string dir = fuzz::scratchDir() + "/cifar";
        std::filesystem::create_directories(dir);
        std::ofstream(dir + "/test_batch.bin", std::ios::binary | std::ios::trunc) << fuzz::text(data, size);
        std::ofstream(dir + "/test.bin", std::ios::binary | std::ios::trunc) << fuzz::text(data, size);
        try {
            loadCifar10(dir, Split::Test);
        } catch (const Error &) {
        }
        loadCifar100(dir, Split::Test);
    });
}
