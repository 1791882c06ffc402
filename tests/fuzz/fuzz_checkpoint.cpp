// Search checkpoint files: the envelope (header, length, CRC-32) that is verified before libtorch
// reads a byte. Data that passes is handed to the checkpoint reader (libtorch's archive, our meta).
#include "fuzzutil.h"

#include "fbnet/checkpointfile.h"
#include "fbnet/search.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    FBNET_FUZZ_BODY({
        const std::string bytes = fuzz::text(data, size);
        checkpointPayload(bytes, "fuzz.ckpt");
        const std::string path = fuzz::writeScratch("run-1.ckpt", bytes);
        // Bare zips (pre-envelope checkpoints) go to libtorch unverified: only enveloped ones here.
        if (bytes.rfind("FBNET-CHECKPOINT-1\n", 0) == 0)
            checkpointEpochs(path);
    });
}
