// folder:DIR: the ImageFolder layout (DIR/train/<class>/*, DIR/val/<class>/*, or DIR/<class>/* with a
// stable tenth held out), decoded once into memory at the space's input size.
#include <algorithm>
#include <filesystem>
#include <optional>
#include <thread>

#include "fbnet/dataset.h"
#include "fbnet/error.h"
#include "imagedecode.h"

namespace fbnet {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> classFolders(const fs::path &dir)
{
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_directory(ec))
            names.push_back(it->path().filename().string());
    if (ec)
        throw Error::at(dir.string(), "", "cannot list the folder (" + ec.message() + ")");
    std::sort(names.begin(), names.end());
    return names;
}

/** Every regular file under `dir`, recursively, sorted. */
std::vector<fs::path> filesUnder(const fs::path &dir)
{
    std::vector<fs::path> files;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(dir, fs::directory_options::follow_directory_symlink, ec), end; !ec && it != end;
         it.increment(ec))
        if (it->is_regular_file(ec))
            files.push_back(it->path());
    if (ec)
        throw Error::at(dir.string(), "", "cannot list the folder (" + ec.message() + ")");
    std::sort(files.begin(), files.end());
    return files;
}

/** FNV-1a of a path relative to the data set: the same file is always in the same split. */
bool heldOut(const std::string &relative)
{
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : relative)
        h = (h ^ c) * 1099511628211ull;
    return h % 1000 < 100;  // 10%
}

} // namespace

Dataset loadImageFolder(const std::string &dirText, Split split, int inputSize)
{
    const fs::path dir(dirText);
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw Error::at(dirText, "", "not a folder (expected DIR/<class>/* or DIR/train/<class>/* and DIR/val/<class>/*)");
    if (inputSize < 8 || inputSize > 1024)
        throw Error::at(dirText, "input size", "expected 8..1024, got " + std::to_string(inputSize));
    const bool splitFolders = fs::is_directory(dir / "train", ec) && fs::is_directory(dir / "val", ec);
    const fs::path classRoot = splitFolders ? dir / "train" : dir;
    const std::vector<std::string> classes = classFolders(classRoot);
    if (classes.size() < 2)
        throw Error::at(classRoot.string(), "classes", "expected at least 2 class folders, found " + std::to_string(classes.size()));
    // (class, file) of this split, in a fixed order.
    std::vector<std::pair<int, fs::path>> items;
    for (std::size_t c = 0; c < classes.size(); ++c) {
        const fs::path folder = splitFolders ? dir / (split == Split::Train ? "train" : "val") / classes[c] : dir / classes[c];
        if (!fs::is_directory(folder, ec)) {
            if (splitFolders && split == Split::Test)
                continue;  // a class without validation images
            throw Error::at(folder.string(), "", "the class folder is missing");
        }
        std::size_t files = 0;
        for (const auto &f : filesUnder(folder)) {
            ++files;
            if (!splitFolders && heldOut(fs::relative(f, dir, ec).generic_string()) != (split == Split::Test))
                continue;
            items.emplace_back(int(c), f);
        }
        if (files == 0)
            throw Error::at(folder.string(), "", "the class folder holds no files (class " + classes[c] + ")");
    }
    // Decode on every core; each image lands at its index, so the order does not depend on the threads.
    std::vector<std::optional<std::vector<std::uint8_t>>> decoded(items.size());
    std::vector<std::string> errors(items.size());
    const unsigned workers = std::max(1u, std::min<unsigned>(std::thread::hardware_concurrency(), 16));
    std::vector<std::thread> pool;
    for (unsigned w = 0; w < workers; ++w)
        pool.emplace_back([&, w] {
            for (std::size_t i = w; i < items.size(); i += workers) {
                try {
                    if (auto img = detail::decodeImage(items[i].second.string()))
                        decoded[i] = detail::resizeCentreCrop(*img, inputSize);
                } catch (const std::exception &e) {
                    errors[i] = e.what();
                }
            }
        });
    for (auto &t : pool)
        t.join();
    for (const auto &e : errors)
        if (!e.empty())
            throw Error(e + " (a damaged image stops the load; remove or replace the file)");
    Dataset d;
    d.name = "folder:" + dirText;
    d.channels = 3;
    d.height = d.width = inputSize;
    d.numClasses = int(classes.size());
    d.classNames = classes;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (!decoded[i]) {
            ++d.ignoredFiles;  // not an image (by content)
            continue;
        }
        d.labels.push_back(items[i].first);
        d.pixels.insert(d.pixels.end(), decoded[i]->begin(), decoded[i]->end());
    }
    if (d.labels.empty())
        throw Error::at(dirText, split == Split::Train ? "train" : "val", "no JPEG or PNG image in this split");
    d.mean = {0.485f, 0.456f, 0.406f};  // ImageNet's, as torchvision's recipes
    d.std = {0.229f, 0.224f, 0.225f};
    return d;
}

} // namespace fbnet
