#pragma once
// Helpers shared by the core test files.

#include <functional>
#include <string>

#include "fbnet/error.h"

namespace fbnet::test {

/** The message of the fbnet::Error `f` throws, or "(no error)". */
inline std::string errorOf(const std::function<void()> &f)
{
    try {
        f();
    } catch (const Error &e) {
        return e.what();
    }
    return "(no error)";
}

} // namespace fbnet::test
