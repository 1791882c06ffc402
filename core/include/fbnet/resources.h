#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace fbnet {

/**
 * Where shipped data lives: $FBNET_RESOURCE_DIR, else next to the executable
 * (../share/fbnet-studio/resources), else the source tree this binary was built from.
 */
std::string resourceDir();
std::string lutDir();

/** A search space by name ("fbnet-cifar") or by path to a JSON file. */
std::string resolveSpacePath(const std::string &nameOrPath);
/** A published architecture by name ("fbnet-a") or a path to a JSON file. */
std::string resolveArchitecturePath(const std::string &nameOrPath);
/** A latency table by name ("pixel3", "pixel3-fbnet-cifar") or path. */
std::string resolveLutPath(const std::string &nameOrPath, const std::string &spaceName = {});

std::vector<std::string> publishedArchitectureNames();
std::vector<std::string> spaceNames();
std::vector<std::string> lutNames();

std::string readTextFile(const std::string &path);
/** Writes via a temporary file and rename, so a crash never leaves a half-written file. */
void writeTextFileAtomic(const std::string &path, const std::string &text);
/** The same for a file made of several pieces, written one after another. */
void writeFileAtomic(const std::string &path, std::initializer_list<std::string_view> pieces);

/** $XDG_DATA_HOME/fbnet-studio (fallback ~/.local/share/fbnet-studio). */
std::string userDataDir();
/** Where installed tables live (userDataDir()/luts): found by name like the shipped ones. */
std::string userLutDir();

} // namespace fbnet
