#pragma once

#include <cstdlib>

namespace fbnet::test {

/**
 * Tests never touch the user's data or settings: XDG dirs point into the build tree. One compute
 * thread per test process, because ctest runs tests in parallel on few cores.
 */
inline void isolateEnvironment()
{
    setenv("XDG_DATA_HOME", FBNET_TEST_HOME "/data", 1);
    setenv("XDG_CONFIG_HOME", FBNET_TEST_HOME "/config", 1);
    setenv("OMP_NUM_THREADS", "1", 0);
}

} // namespace fbnet::test
