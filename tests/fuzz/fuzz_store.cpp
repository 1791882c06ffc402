// A runs database file: opened (version checks, migrations), then every run read back with its
// epochs, steps, architectures and evaluations.
#include "fuzzutil.h"

#include "fbnet/runstore.h"

using namespace fbnet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const std::string path = fuzz::scratchDir() + "/runs.sqlite";
    for (const char *suffix : {"", "-wal", "-shm", "-journal"})
        std::filesystem::remove(path + suffix);
    fuzz::writeScratch("runs.sqlite", fuzz::text(data, size));
    FBNET_FUZZ_BODY({
        RunStore store(path);
        for (const auto &r : store.runs()) {
            std::vector<std::string> problems;
            store.epochs(r.id, &problems);
            store.steps(r.id);
            for (const auto &a : store.architectures(r.id, &problems))
                store.evaluations(a.id);
            store.epochsCsv(r.id);
        }
        store.integrityCheck();
    });
}
