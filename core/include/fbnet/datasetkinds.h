#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fbnet/dataset.h"

namespace fbnet {

/**
 * One kind of data set a search or a training can read, as "NAME" or "NAME:ARGUMENT". The table
 * of kinds (datasetKinds()) is the only list: the CLI's parsing and help, the studio's dialog and
 * loadDataset all read it, so a new format is one row there plus its loader.
 */
struct DatasetKind
{
    enum class Argument {
        None,            ///< "NAME" only
        OptionalFolder,  ///< "NAME" or "NAME:DIR" (a default folder)
        Folder,          ///< "NAME:DIR"
        OptionalCount    ///< "NAME" or "NAME:COUNT"
    };

    std::string name;         ///< "cifar10"
    std::string syntax;       ///< "cifar10:DIR"
    std::string title;        ///< "CIFAR-10 (binary batches)": a human name for menus
    std::string description;  ///< one line: what the files are, where they come from
    Argument argument = Argument::None;
    std::string defaultArgument;  ///< a folder or a count used when none is given ("" if none)
    /** Loads a split at the space's input size; fbnet::Error naming the file or the spec. */
    std::function<Dataset(const std::string &argument, Split split, int inputSize, const ImageOptions &options)> load;
    bool usesImageOptions = false;  ///< folder data sets: ImageOptions apply

    /** "NAME" or "NAME:ARGUMENT" for this kind. */
    std::string spec(const std::string &argument) const;
};

/** Every kind, in the order menus show them. */
const std::vector<DatasetKind> &datasetKinds();

/** The kind named `name`, or nullptr. */
const DatasetKind *findDatasetKind(const std::string &name);

/** "fashion-mnist[:DIR], cifar10:DIR or synthetic[:COUNT]": for help texts and errors. */
std::string datasetSyntaxSummary(const std::string &separator = ", ", const std::string &last = " or ");

/** Splits a spec into its kind and argument; fbnet::Error (field "data set") if the kind is unknown or the argument is missing. */
std::pair<const DatasetKind *, std::string> parseDatasetSpec(const std::string &spec);

/** Loads by spec through the table ("fashion-mnist[:DIR]", "cifar10:DIR", "synthetic[:N]", ...). */
Dataset loadDataset(const std::string &spec, Split split, int inputSize, const ImageOptions &options = {});

/** What a data set holds, for a form to show before a run starts (the studio's preview). */
struct DatasetSummary
{
    std::string name;
    std::vector<std::string> classNames;  ///< empty when the format has none (class i is "i")
    int numClasses = 0;
    std::size_t trainImages = 0, testImages = 0;
    std::size_t ignoredFiles = 0;  ///< folder data sets: files that are not images
    std::vector<std::string> unreadableFiles;  ///< folder data sets with skipBadImages: files that cannot be opened
    struct Thumbnail
    {
        std::string className;
        int size = 0;
        std::vector<std::uint8_t> rgb;  ///< size x size x 3, row-major (interleaved)
    };
    std::vector<Thumbnail> thumbnails;  ///< one per class first, in class order
};

/**
 * Lists both splits and decodes up to `thumbnails` images (one per class first, centre crops of
 * `thumbnailSize`). fbnet::Error naming the file or the field when the data set cannot be used.
 */
DatasetSummary summarizeDataset(const std::string &spec, int inputSize, const ImageOptions &options = {}, int thumbnails = 8,
                                int thumbnailSize = 64);

} // namespace fbnet
