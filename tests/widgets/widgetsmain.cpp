// The widget tests' main: a QApplication (offscreen unless the caller chose a platform) around gtest.
#include <QApplication>

#include <gtest/gtest.h>

#include "testenv.h"

int main(int argc, char **argv)
{
    // No display needed (test discovery runs this at build time, outside CTest's environment).
    fbnet::test::isolateEnvironment();
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
