// IDX image and label files (Fashion-MNIST format, gzip or plain). The first two bytes give the
// label file's length; the label file follows, then the image file.
#include "fuzzutil.h"

#include "fbnet/dataset.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    if (size < 2)
        return 0;
    const std::size_t labels = std::min<std::size_t>(size - 2, std::size_t(data[0]) << 8 | data[1]);
    FBNET_FUZZ_BODY({
        const std::string dir = fuzz::scratchDir() + "/idx";
        std::filesystem::create_directories(dir);
        std::ofstream(dir + "/train-labels-idx1-ubyte", std::ios::binary | std::ios::trunc)
            << fuzz::text(data + 2, labels);
        std::ofstream(dir + "/train-images-idx3-ubyte", std::ios::binary | std::ios::trunc)
            << fuzz::text(data + 2 + labels, size - 2 - labels);
        loadFashionMnist(dir, Split::Train, 32);
    });
}
