# INTERFACE targets carrying the project's compile options; link them PRIVATE.
add_library(fbnet_options INTERFACE)
target_compile_features(fbnet_options INTERFACE cxx_std_17)
target_compile_options(fbnet_options INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic>)

add_library(fbnet_qt_options INTERFACE)
target_compile_definitions(fbnet_qt_options INTERFACE
  QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_NARROWING_CONVERSIONS_IN_CONNECT
  QT_USE_QSTRINGBUILDER QT_DISABLE_DEPRECATED_BEFORE=0x060400)

# ccache when present: the torch translation units are the slow part of every build.
find_program(FBNET_CCACHE ccache)
if(FBNET_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER "${FBNET_CCACHE}")
endif()

# Sanitizers over the whole build: -DFBNET_SANITIZE=address,undefined (any -fsanitize= list).
# Undefined behaviour is fatal (no recovery), so a test that triggers it fails.
set(FBNET_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined or thread")
if(FBNET_SANITIZE)
  add_compile_options(-fsanitize=${FBNET_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${FBNET_SANITIZE})
endif()

# libFuzzer harnesses (tests/fuzz): Clang only; every target gets coverage instrumentation.
option(FBNET_BUILD_FUZZERS "Build the libFuzzer harnesses under tests/fuzz (Clang)" OFF)
if(FBNET_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "FBNET_BUILD_FUZZERS needs Clang (-DCMAKE_CXX_COMPILER=clang++)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
