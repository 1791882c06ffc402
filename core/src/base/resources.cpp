#include "fbnet/resources.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <unistd.h>

#include "fbnet/error.h"

namespace fs = std::filesystem;

namespace fbnet {

static std::string exeDir()
{
    std::error_code ec;
    const auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec ? std::string() : p.parent_path().string();
}

static std::string firstExisting(const char *envVar, const std::string &installed, const char *sourceDir)
{
    if (const char *env = std::getenv(envVar); env && *env)
        return env;
    if (!installed.empty() && fs::is_directory(installed))
        return installed;
    return sourceDir;
}

std::string resourceDir()
{
    const std::string exe = exeDir();
    return firstExisting("FBNET_RESOURCE_DIR", exe.empty() ? "" : exe + "/../share/fbnet-studio/resources",
                         FBNET_SOURCE_RESOURCE_DIR);
}

std::string lutDir()
{
    const std::string exe = exeDir();
    return firstExisting("FBNET_LUT_DIR", exe.empty() ? "" : exe + "/../share/fbnet-studio/lut",
                         FBNET_SOURCE_LUT_DIR);
}

static bool looksLikePath(const std::string &s)
{
    return s.find('/') != std::string::npos || (s.size() > 5 && s.substr(s.size() - 5) == ".json");
}

static std::vector<std::string> jsonStems(const std::string &dir)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto &e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".json")
            out.push_back(e.path().stem().string());
    std::sort(out.begin(), out.end());
    return out;
}

static std::string joinNames(const std::vector<std::string> &names)
{
    std::string s;
    for (const auto &n : names)
        s += (s.empty() ? "" : ", ") + n;
    return s;
}

std::string resolveSpacePath(const std::string &nameOrPath)
{
    if (looksLikePath(nameOrPath))
        return nameOrPath;
    const std::string p = resourceDir() + "/spaces/" + nameOrPath + ".json";
    if (!fs::exists(p))
        throw Error::at("search space", nameOrPath, "no such space; known: " + joinNames(spaceNames()));
    return p;
}

std::string resolveArchitecturePath(const std::string &nameOrPath)
{
    if (looksLikePath(nameOrPath) || fs::exists(nameOrPath))
        return nameOrPath;
    const std::string p = resourceDir() + "/architectures/" + nameOrPath + ".json";
    if (!fs::exists(p))
        throw Error::at("architecture", nameOrPath,
                        "no such file or published architecture; known: " + joinNames(publishedArchitectureNames()));
    return p;
}

std::string resolveLutPath(const std::string &nameOrPath, const std::string &spaceName)
{
    if (looksLikePath(nameOrPath) || fs::exists(nameOrPath))
        return nameOrPath;
    const std::string dir = lutDir();
    if (!spaceName.empty() && fs::exists(dir + "/" + nameOrPath + "-" + spaceName + ".json"))
        return dir + "/" + nameOrPath + "-" + spaceName + ".json";
    if (fs::exists(dir + "/" + nameOrPath + ".json"))
        return dir + "/" + nameOrPath + ".json";
    // Tables the user installed (lut fit --install, the studio's kit import).
    const std::string user = userLutDir();
    if (!spaceName.empty() && fs::exists(user + "/" + nameOrPath + "-" + spaceName + ".json"))
        return user + "/" + nameOrPath + "-" + spaceName + ".json";
    if (fs::exists(user + "/" + nameOrPath + ".json"))
        return user + "/" + nameOrPath + ".json";
    // A device that has tables only of other spaces: say whose they are, and what this space has.
    std::vector<std::string> otherSpaces, forThisSpace;
    for (const auto &name : lutNames()) {
        if (name.rfind(nameOrPath + "-", 0) == 0)
            otherSpaces.push_back(name.substr(nameOrPath.size() + 1));
        if (!spaceName.empty() && name.size() > spaceName.size() + 1 && name.compare(name.size() - spaceName.size() - 1, std::string::npos, "-" + spaceName) == 0)
            forThisSpace.push_back(name.substr(0, name.size() - spaceName.size() - 1));
    }
    if (!otherSpaces.empty() && !spaceName.empty())
        throw Error::at("latency table", nameOrPath,
                        "the " + nameOrPath + " table" + (otherSpaces.size() > 1 ? "s belong" : " belongs") + " to space " + joinNames(otherSpaces) +
                            ", not " + spaceName + "; tables of " + spaceName + ": " +
                            (forThisSpace.empty() ? std::string("none (measure one with lut build, or use --lut flops)") : joinNames(forThisSpace)));
    throw Error::at("latency table", nameOrPath, "no such file, shipped or installed table; known: " + joinNames(lutNames()));
}

std::vector<std::string> publishedArchitectureNames()
{
    return jsonStems(resourceDir() + "/architectures");
}

std::vector<std::string> spaceNames()
{
    return jsonStems(resourceDir() + "/spaces");
}

std::vector<std::string> lutNames()
{
    auto names = jsonStems(lutDir());
    for (auto &n : jsonStems(userLutDir()))
        if (std::find(names.begin(), names.end(), n) == names.end())
            names.push_back(std::move(n));
    return names;
}

std::string userLutDir()
{
    return userDataDir() + "/luts";
}

std::string readTextFile(const std::string &path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw Error::at(path, "", "cannot open file for reading");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeTextFileAtomic(const std::string &path, const std::string &text)
{
    writeFileAtomic(path, {std::string_view(text)});
}

void writeFileAtomic(const std::string &path, std::initializer_list<std::string_view> pieces)
{
    const fs::path target(path);
    std::error_code isDir;
    if (fs::is_directory(target, isDir))
        throw Error::at(path, "", "is a folder; give the name of a file to write");
    if (target.has_parent_path()) {
        std::error_code ec;
        fs::create_directories(target.parent_path(), ec);
    }
    // A kill between open and rename leaves this file; RunStore removes those of dead processes.
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        throw Error::at(path, "", "cannot write file (directory missing or not writable)");
    for (const std::string_view piece : pieces) {
        std::size_t done = 0;
        while (done < piece.size()) {
            const ssize_t n = ::write(fd, piece.data() + done, piece.size() - done);
            if (n <= 0) {
                ::close(fd);
                std::remove(tmp.c_str());
                throw Error::at(path, "", "write failed (disk full?)");
            }
            done += std::size_t(n);
        }
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        std::remove(tmp.c_str());
        throw Error::at(path, "", "write failed at fsync (disk full?)");
    }
    ::close(fd);
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        std::remove(tmp.c_str());
        throw Error::at(path, "", "cannot replace file");
    }
}

std::string userDataDir()
{
    if (const char *x = std::getenv("XDG_DATA_HOME"); x && *x)
        return std::string(x) + "/fbnet-studio";
    const char *home = std::getenv("HOME");
    return std::string(home && *home ? home : ".") + "/.local/share/fbnet-studio";
}

} // namespace fbnet
