// The table of data-set kinds. A new format: one row here and its loader (dataset.cpp or a file of its own).
#include "fbnet/datasetkinds.h"

#include <algorithm>
#include <cstdlib>

#include "fbnet/error.h"

namespace fbnet {

namespace {

int parseCount(const std::string &spec, const std::string &arg)
{
    char *end = nullptr;
    errno = 0;
    const long n = std::strtol(arg.c_str(), &end, 10);
    if (arg.empty() || !end || *end || errno || n < 1 || n > 10000000)
        throw Error::at("data set", spec, "expected a count of images from 1 to 10000000 after the colon, got \"" + arg + "\"");
    return int(n);
}

std::vector<DatasetKind> makeKinds()
{
    using A = DatasetKind::Argument;
    std::vector<DatasetKind> kinds;
    kinds.push_back({"fashion-mnist", "fashion-mnist[:DIR]", "Fashion-MNIST",
                     "IDX files (gzip or plain), 28x28 grey padded to the space's input; default folder from Debian's "
                     "dataset-fashion-mnist",
                     A::OptionalFolder, defaultFashionMnistDir(),
                     [](const std::string &arg, Split split, int inputSize, const ImageOptions &) { return loadFashionMnist(arg, split, inputSize); }});
    kinds.push_back({"cifar10", "cifar10:DIR", "CIFAR-10",
                     "the binary batches (data_batch_1..5.bin, test_batch.bin) of cifar-10-binary.tar.gz, 32x32 colour",
                     A::Folder, "", [](const std::string &arg, Split split, int, const ImageOptions &) { return loadCifar10(arg, split); }});
    kinds.push_back({"cifar100", "cifar100:DIR", "CIFAR-100",
                     "the binary version (train.bin, test.bin) of cifar-100-binary.tar.gz, 32x32 colour, the 100 fine labels",
                     A::Folder, "", [](const std::string &arg, Split split, int, const ImageOptions &) { return loadCifar100(arg, split); }});
    kinds.push_back({"folder", "folder:DIR", "Image folder",
                     "JPEG and PNG images in DIR/train/<class>/ and DIR/val/<class>/, or DIR/<class>/ with a tenth held out; "
                     "streamed from disk: random-resized crops and flips for training, centre crops for evaluation",
                     A::Folder, "",
                     [](const std::string &arg, Split split, int inputSize, const ImageOptions &options) {
                         return loadImageFolder(arg, split, inputSize, options);
                     },
                     true});
    kinds.push_back({"synthetic", "synthetic[:COUNT]", "Synthetic",
                     "seeded class patterns plus noise, 10 classes in colour at the space's input size (tests and demos); "
                     "COUNT training images (default 2000), a fifth of that for testing",
                     A::OptionalCount, "2000", [](const std::string &arg, Split split, int inputSize, const ImageOptions &) {
                         const int n = parseCount("synthetic:" + arg, arg);
                         return makeSynthetic(split == Split::Train ? n : std::max(100, n / 5), 10, inputSize, 3, 1,
                                              split == Split::Train ? 11 : 12);
                     }});
    return kinds;
}

} // namespace

std::string DatasetKind::spec(const std::string &arg) const
{
    return arg.empty() ? name : name + ":" + arg;
}

const std::vector<DatasetKind> &datasetKinds()
{
    static const std::vector<DatasetKind> kinds = makeKinds();
    return kinds;
}

const DatasetKind *findDatasetKind(const std::string &name)
{
    for (const auto &k : datasetKinds())
        if (k.name == name)
            return &k;
    return nullptr;
}

std::string datasetSyntaxSummary(const std::string &separator, const std::string &last)
{
    std::string out;
    const auto &kinds = datasetKinds();
    for (std::size_t i = 0; i < kinds.size(); ++i)
        out += (i == 0 ? "" : i + 1 == kinds.size() ? last : separator) + kinds[i].syntax;
    return out;
}

std::pair<const DatasetKind *, std::string> parseDatasetSpec(const std::string &spec)
{
    const auto colon = spec.find(':');
    const std::string name = spec.substr(0, colon);
    std::string arg = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
    const DatasetKind *kind = findDatasetKind(name);
    if (!kind)
        throw Error::at("data set", spec, "unknown kind \"" + name + "\"; expected " + datasetSyntaxSummary());
    if (kind->argument == DatasetKind::Argument::None && !arg.empty())
        throw Error::at("data set", spec, "expected " + kind->syntax + " (no argument)");
    if (kind->argument == DatasetKind::Argument::Folder && arg.empty())
        throw Error::at("data set", spec, "expected " + kind->syntax + " (" + kind->description + ")");
    if (arg.empty())
        arg = kind->defaultArgument;
    return {kind, arg};
}

Dataset loadDataset(const std::string &spec, Split split, int inputSize, const ImageOptions &options)
{
    const auto [kind, arg] = parseDatasetSpec(spec);
    Dataset d = kind->load(arg, split, inputSize, options);
    // Another folder in the default's format is another data set (5,000 MNIST digits as IDX files):
    // its name says which, so runs and evaluations on it are not taken for the default's.
    if (kind->argument == DatasetKind::Argument::OptionalFolder && arg != kind->defaultArgument)
        d.name += ":" + arg;
    return d;
}

} // namespace fbnet
