// Shared main of the GoogleTest executables: an isolated environment for every test process
// (and the fbnet/fbnet-studio children the CLI and studio tests start), then the tests.
#include <cstdlib>

#include <gtest/gtest.h>

#include "testenv.h"

int main(int argc, char **argv)
{
    fbnet::test::isolateEnvironment();
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
