// Reading input files without being fooled by FIFOs, devices, huge files or decompression bombs.
#include "base/fileread.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "fbnet/error.h"

namespace fbnet::detail {

namespace {

std::uint64_t limitFromEnvironment(const char *name, std::uint64_t fallback)
{
    const char *v = std::getenv(name);
    if (!v || !*v)
        return fallback;
    char *end = nullptr;
    const unsigned long long n = std::strtoull(v, &end, 10);
    return end && *end == '\0' && n > 0 ? std::uint64_t(n) : fallback;
}

std::string whyNotRegular(const struct stat &st)
{
    if (S_ISFIFO(st.st_mode))
        return "a FIFO";
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
        return "a device";
    if (S_ISSOCK(st.st_mode))
        return "a socket";
    if (S_ISDIR(st.st_mode))
        return "a folder";
    return "not a regular file";
}

std::string megabytes(std::uint64_t bytes)
{
    return std::to_string((bytes + (1 << 20) - 1) >> 20) + " MB";
}

/** An fd of the regular file `path` opened without blocking; -1 with `why` when it is not one. */
int openRegular(const std::string &path, std::string *why, std::uint64_t *size)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        *why = errno == ELOOP ? "a link loop" : errno == ENOENT ? "missing (or a dangling link)" : std::string("cannot be opened (") + std::strerror(errno) + ")";
        return -1;
    }
    struct stat st{};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        *why = ::fstat(fd, &st) == 0 ? whyNotRegular(st) : "cannot be examined";
        ::close(fd);
        return -1;
    }
    *size = std::uint64_t(st.st_size);
    return fd;
}

} // namespace

std::uint64_t maxImageFileBytes()
{
    return limitFromEnvironment("FBNET_MAX_IMAGE_BYTES", std::uint64_t(64) << 20);
}

std::uint64_t maxDataFileBytes()
{
    return limitFromEnvironment("FBNET_MAX_DATA_BYTES", std::uint64_t(2) << 30);
}

FileKind fileKind(const std::string &path)
{
    FileKind k;
    struct stat st{};
    if (::stat(path.c_str(), &st) != 0) {
        struct stat lst{};
        k.why = errno == ELOOP ? "a link loop" : ::lstat(path.c_str(), &lst) == 0 && S_ISLNK(lst.st_mode) ? "a dangling link" : "missing";
        return k;
    }
    k.regular = S_ISREG(st.st_mode);
    k.size = std::uint64_t(st.st_size);
    if (!k.regular)
        k.why = whyNotRegular(st);
    return k;
}

std::vector<unsigned char> readRegularFile(const std::string &path, std::uint64_t maxBytes, const char *what)
{
    std::string why;
    std::uint64_t size = 0;
    const int fd = openRegular(path, &why, &size);
    if (fd < 0)
        throw Error::at(path, "", std::string("is ") + why + ", not a regular file: never read as " + what);
    if (size > maxBytes) {
        ::close(fd);
        throw Error::at(path, "", "is " + megabytes(size) + "; " + what + " files are limited to " + megabytes(maxBytes));
    }
    std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
    std::size_t got = 0;
    while (got < bytes.size()) {
        const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += std::size_t(n);
    }
    ::close(fd);
    bytes.resize(got);  // a file that shrank while being read ends where it ends
    return bytes;
}

std::optional<std::vector<unsigned char>> readHead(const std::string &path, std::size_t n, std::string *why)
{
    std::uint64_t size = 0;
    const int fd = openRegular(path, why, &size);
    if (fd < 0)
        return std::nullopt;
    std::vector<unsigned char> head(n);
    const ssize_t got = ::read(fd, head.data(), n);
    ::close(fd);
    head.resize(got > 0 ? std::size_t(got) : 0);
    return head;
}

std::vector<std::uint8_t> readMaybeGz(const std::string &path, std::uint64_t maxBytes)
{
    std::string why;
    std::uint64_t size = 0;
    const int fd = openRegular(path, &why, &size);
    if (fd < 0)
        throw Error::at(path, "", std::string("is ") + why + ", not a regular file: never read as data");
    // zlib reads the descriptor; gzclose closes it.
    gzFile f = gzdopen(fd, "rb");
    if (!f) {
        ::close(fd);
        throw Error::at(path, "", "cannot open file for reading");
    }
    std::vector<std::uint8_t> out;
    std::uint8_t buf[1 << 16];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0) {
        if (out.size() + std::size_t(n) > maxBytes) {
            gzclose(f);
            throw Error::at(path, "", "inflates to more than " + megabytes(maxBytes) + " (a data file this large, or a decompression bomb; "
                                      "FBNET_MAX_DATA_BYTES raises the limit)");
        }
        out.insert(out.end(), buf, buf + n);
    }
    int errnum = 0;
    const char *msg = gzerror(f, &errnum);
    const bool failed = n < 0 || (errnum != Z_OK && errnum != Z_STREAM_END);
    const std::string reason = failed && msg ? msg : "";
    gzclose(f);
    if (failed)
        throw Error::at(path, "", "corrupt or truncated gzip data (" + reason + ")");
    return out;
}

} // namespace fbnet::detail
