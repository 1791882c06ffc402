// folder:DIR: the ImageFolder layout (DIR/train/<class>/*, DIR/val/<class>/*, or DIR/<class>/* with a
// stable share held out). Only the file list is read here; the images stream (imagestream.h).
#include <algorithm>
#include <optional>
#include <set>

#include <sys/stat.h>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <random>
#include <thread>

#include "fbnet/dataset.h"
#include "fbnet/error.h"
#include "base/fileread.h"
#include "base/jsonutil.h"
#include "data/imagedecode.h"
#include "data/imagestream.h"

namespace fbnet {

namespace fs = std::filesystem;

namespace {

/** Device and inode: a folder's identity, whatever path (or link) reaches it. */
using FolderId = std::pair<std::uint64_t, std::uint64_t>;

std::optional<FolderId> folderId(const fs::path &dir)
{
    struct stat st{};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
        return std::nullopt;
    return FolderId{std::uint64_t(st.st_dev), std::uint64_t(st.st_ino)};
}

std::vector<std::string> classFolders(const fs::path &dir)
{
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (it->is_directory(ec)) {
            const std::string name = it->path().filename().string();
            if (!detail::validUtf8(name))
                throw Error::at(it->path().string(), "class", "the folder's name is not valid UTF-8 (class names are stored and shown as text): rename it");
            names.push_back(name);
        }
    if (ec)
        throw Error::at(dir.string(), "", "cannot list the folder (" + ec.message() + ")");
    std::sort(names.begin(), names.end());
    return names;
}

/**
 * Every regular file under a class folder, sorted, each folder listed once: a link to a folder is
 * followed once (by the folder's identity, not its path), a link back to the class folder or above it
 * (a loop, or another class's files under this class) is skipped and named, and links that dangle,
 * loop, or lead to FIFOs, devices or sockets are skipped and named: nothing is dropped silently and
 * nothing is read twice. Depth and count are bounded.
 */
struct Listing
{
    std::vector<fs::path> files;
    std::vector<std::string> ignored;  ///< "path: why"
};

Listing filesUnder(const fs::path &classDir, std::set<FolderId> &listed, const std::vector<FolderId> &above)
{
    constexpr int kMaxDepth = 64;
    constexpr std::size_t kMaxEntries = 20000000;
    Listing out;
    std::error_code ec;
    std::vector<std::pair<fs::path, int>> todo{{classDir, 0}};
    if (const auto id = folderId(classDir))
        listed.insert(*id);
    std::size_t seen = 0;
    while (!todo.empty()) {
        const auto [dir, depth] = todo.back();
        todo.pop_back();
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            if (++seen > kMaxEntries)
                throw Error::at(classDir.string(), "", "holds more than 20 million entries: not a data set this loader reads");
            const fs::path p = it->path();
            const detail::FileKind kind = detail::fileKind(p.string());
            if (kind.regular) {
                out.files.push_back(p);
                continue;
            }
            if (kind.why != "a folder") {
                out.ignored.push_back(p.string() + ": " + kind.why);
                continue;
            }
            const auto id = folderId(p);
            if (!id)
                continue;
            if (std::find(above.begin(), above.end(), *id) != above.end() || listed.count(*id)) {
                out.ignored.push_back(p.string() + ": a link to a folder already listed (a loop, or files of another class)");
                continue;
            }
            if (depth + 1 > kMaxDepth) {
                out.ignored.push_back(p.string() + ": deeper than 64 folders");
                continue;
            }
            listed.insert(*id);
            todo.emplace_back(p, depth + 1);
        }
        if (ec)
            throw Error::at(dir.string(), "", "cannot list the folder (" + ec.message() + ")");
    }
    std::sort(out.files.begin(), out.files.end());
    return out;
}

/** FNV-1a of a path relative to the data set: the same file is always in the same split. */
std::uint64_t pathHash(const std::string &relative)
{
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : relative)
        h = (h ^ c) * 1099511628211ull;
    return h;
}

/**
 * A database or one of SQLite's side files, by name. Never opened, not even to sniff it: closing any
 * descriptor of a SQLite file drops the process's locks on it, and the studio (which has its run
 * store open) reads folders to preview them.
 */
bool isDatabaseFile(const std::string &name)
{
    for (const char *suffix : {".sqlite", ".sqlite3", ".db", "-wal", "-shm", "-journal"}) {
        const std::size_t n = std::strlen(suffix);
        if (name.size() >= n && name.compare(name.size() - n, n, suffix) == 0)
            return true;
    }
    return false;
}

} // namespace

namespace {

/** Mean and std per channel of up to 256 training images (centre crops), chosen by a fixed shuffle. */
void sampleNormalisation(Dataset &train)
{
    std::vector<std::size_t> order(train.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(20190611);
    std::shuffle(order.begin(), order.end(), rng);
    order.resize(std::min<std::size_t>(order.size(), 256));
    detail::ImageStream stream(train, int(std::max(1u, std::min(8u, std::thread::hardware_concurrency()))));
    stream.start(order, 0, order.size(), 32, detail::Transform::Eval, 0);
    double sum[3] = {}, sq[3] = {}, n = 0;
    for (std::size_t done = 0; done < order.size();) {
        const auto b = stream.next();
        const std::size_t plane = std::size_t(train.height) * train.width;
        for (std::size_t i = 0; i < b.count; ++i)
            for (int c = 0; c < 3; ++c) {
                const std::uint8_t *p = b.pixels->data() + (i * 3 + std::size_t(c)) * plane;
                for (std::size_t k = 0; k < plane; ++k) {
                    const double v = p[k] / 255.0;
                    sum[c] += v;
                    sq[c] += v * v;
                }
            }
        n += double(b.count * plane);
        done += b.count;
    }
    train.mean.assign(3, 0.f);
    train.std.assign(3, 0.f);
    for (int c = 0; c < 3; ++c) {
        const double m = sum[c] / n;
        train.mean[std::size_t(c)] = float(m);
        train.std[std::size_t(c)] = float(std::max(1e-3, std::sqrt(std::max(0.0, sq[c] / n - m * m))));
    }
}

} // namespace

Dataset loadImageFolder(const std::string &dirText, Split split, int inputSize, const ImageOptions &options)
{
    const fs::path dir(dirText);
    std::error_code ec;
    if (!fs::is_directory(dir, ec))
        throw Error::at(dirText, "", "not a folder (expected DIR/<class>/* or DIR/train/<class>/* and DIR/val/<class>/*)");
    if (inputSize < 8 || inputSize > 1024)
        throw Error::at(dirText, "input size", "expected 8..1024, got " + std::to_string(inputSize));
    if (!(options.valFraction > 0 && options.valFraction < 1))
        throw Error::at(dirText, "validation fraction", "expected a number between 0 and 1 (exclusive), got " + std::to_string(options.valFraction));
    if (!(options.scaleMin > 0 && options.scaleMin <= options.scaleMax && options.scaleMax <= 1))
        throw Error::at(dirText, "crop scale", "expected 0 < min <= max <= 1");
    if (!(options.ratioMin > 0 && options.ratioMin <= options.ratioMax && std::isfinite(options.ratioMax)))
        throw Error::at(dirText, "crop ratio", "expected 0 < min <= max");
    const bool splitFolders = fs::is_directory(dir / "train", ec) && fs::is_directory(dir / "val", ec);
    const fs::path classRoot = splitFolders ? dir / "train" : dir;
    const std::vector<std::string> classes = classFolders(classRoot);
    if (classes.size() < 2)
        throw Error::at(classRoot.string(), "classes", "expected at least 2 class folders, found " + std::to_string(classes.size()));
    Dataset d;
    d.name = "folder:" + dirText;
    d.root = dir.string();
    d.channels = 3;
    d.height = d.width = inputSize;
    d.numClasses = int(classes.size());
    d.classNames = classes;
    d.image = options;
    const auto threshold = std::uint64_t(options.valFraction * 1000000);
    // Every folder is listed once (links to one already listed are skipped); the data set's own folders
    // above the class folders are loops for any link that reaches them.
    std::set<FolderId> listed;
    std::vector<FolderId> above;
    for (const fs::path &p : {dir, classRoot, dir / "val"})
        if (const auto id = folderId(p))
            above.push_back(*id);
    for (std::size_t c = 0; c < classes.size(); ++c) {
        const fs::path folder = splitFolders ? dir / (split == Split::Train ? "train" : "val") / classes[c] : dir / classes[c];
        if (!fs::is_directory(folder, ec)) {
            if (splitFolders && split == Split::Test)
                continue;  // a class without validation images
            throw Error::at(folder.string(), "", "the class folder is missing");
        }
        std::size_t files = 0;
        const Listing listing = filesUnder(folder, listed, above);
        d.ignoredFiles += listing.ignored.size();
        for (const auto &why : listing.ignored)
            if (d.ignoredExamples.size() < 20)
                d.ignoredExamples.push_back(why);
        files += listing.ignored.size();
        for (const auto &f : listing.files) {
            ++files;
            const std::string relative = fs::relative(f, dir, ec).generic_string();
            if (!splitFolders && (pathHash(relative) % 1000000 < threshold) != (split == Split::Test))
                continue;
            if (isDatabaseFile(f.filename().string())) {
                ++d.ignoredFiles;
                continue;
            }
            std::string why;
            switch (detail::sniffImage(f.string(), &why)) {
            case detail::ImageKind::Jpeg:
            case detail::ImageKind::Png:
                d.files.push_back(relative);
                d.labels.push_back(std::int64_t(c));
                break;
            case detail::ImageKind::None:
                ++d.ignoredFiles;  // not an image, by content
                break;
            case detail::ImageKind::Unreadable:
                if (!options.skipBadImages)
                    throw Error::at(f.string(), "", why + " (pass --skip-bad-images to skip such files)");
                d.badFiles.push_back(f.string());
                break;
            }
        }
        if (files == 0)
            throw Error::at(folder.string(), "", "the class folder holds no files (class " + classes[c] + ")");
    }
    if (d.labels.empty())
        throw Error::at(dirText, split == Split::Train ? "train" : "val", "no JPEG or PNG image in this split");
    d.mean = {0.485f, 0.456f, 0.406f};  // ImageNet's, as torchvision's recipes
    d.std = {0.229f, 0.224f, 0.225f};
    if (options.normalizeAuto) {
        if (split == Split::Train) {
            sampleNormalisation(d);
        } else {
            ImageOptions plain = options;
            plain.normalizeAuto = false;
            Dataset train = loadImageFolder(dirText, Split::Train, inputSize, plain);
            sampleNormalisation(train);
            d.mean = train.mean;
            d.std = train.std;
        }
    }
    return d;
}

} // namespace fbnet
