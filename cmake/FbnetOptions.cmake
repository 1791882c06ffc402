# INTERFACE targets carrying the project's compile options; link them PRIVATE.
add_library(fbnet_options INTERFACE)
target_compile_features(fbnet_options INTERFACE cxx_std_17)
target_compile_options(fbnet_options INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wno-unused-parameter>)

add_library(fbnet_qt_options INTERFACE)
target_compile_definitions(fbnet_qt_options INTERFACE
  QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
  QT_USE_QSTRINGBUILDER QT_DISABLE_DEPRECATED_BEFORE=0x060400)

# ccache when present: the torch translation units are the slow part of every build.
find_program(FBNET_CCACHE ccache)
if(FBNET_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${FBNET_CCACHE}")
endif()
