# polymq_add_test(NAME name SOURCES a.cpp b.cpp LIBS lib1 lib2 [PREFIX prefix.])
# Builds a GoogleTest executable and registers each of its tests with CTest (named
# prefix + Suite.Test, so `ctest -R prefix` selects them).
function(polymq_add_test)
  cmake_parse_arguments(T "" "NAME;PREFIX" "SOURCES;LIBS" ${ARGN})
  if(NOT POLYMQ_TESTS)
    return()
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${T_NAME} TEST_PREFIX "${T_PREFIX}" DISCOVERY_TIMEOUT 30
    PROPERTIES LABELS unit)
endfunction()
