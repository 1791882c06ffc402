// Opening a search checkpoint's libtorch archive, after its envelope's checksum is verified.
#include "search/checkpointarchive.h"

#include "fbnet/checkpointfile.h"
#include "fbnet/error.h"

namespace fbnet {

void loadCheckpointArchive(torch::serialize::InputArchive &a, const std::string &path, std::optional<torch::Device> device)
{
    const std::string bytes = readCheckpointFile(path);
    try {
        // Without a device, onto the CPU: a GPU search's optimizer state was written from the GPU, and a
        // CPU-only build (or a reader that only inspects) must still open it.
        a.load_from(bytes.data(), bytes.size(), device ? *device : torch::Device(torch::kCPU));
    } catch (const c10::Error &e) {
        throw Error::at(path, "", std::string("not a readable search checkpoint (") + e.what_without_backtrace() + ")");
    }
}

} // namespace fbnet
