# caf_discover_tests(TARGET [PREFIX p] [TIMEOUT s] [LABELS l...])
#
# Registers every CAF unit test of TARGET as its own CTest test, named
# <prefix><suite>.<test> (FIXTURES: the CTest fixtures every test requires;
# RESOURCE_LOCK: a resource the tests must not share at the same time), the way gtest_discover_tests does in PRE_TEST mode: when ctest
# loads the test list it runs the binary with `-a` (suites) and `-A <suite>` (tests).
# A filter that matches nothing makes CAF's runner print "tests: 0" and exit 0; every
# registered test therefore fails on that line, and a binary with no tests at all
# registers one failing test instead of silently passing.
set(_CAF_TEST_DISCOVERY_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/CAFTestDiscovery.cmake")

function(caf_discover_tests target)
  cmake_parse_arguments(arg "" "PREFIX;TIMEOUT;FIXTURES;RESOURCE_LOCK" "LABELS;ENVIRONMENT" ${ARGN})
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 60)
  endif()
  set(ctest_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_caf_tests.cmake")
  set(include_file "${CMAKE_CURRENT_BINARY_DIR}/${target}_caf_include.cmake")
  file(WRITE "${include_file}"
    "if(EXISTS \"$<TARGET_FILE:${target}>\")\n"
    "  include(\"${_CAF_TEST_DISCOVERY_SCRIPT}\")\n"
    "  caf_test_discovery(\"$<TARGET_FILE:${target}>\" \"${arg_PREFIX}\" \"${arg_TIMEOUT}\"\n"
    "                     \"${ctest_file}\" \"${arg_LABELS}\" \"${arg_ENVIRONMENT}\"\n"
    "                     \"${arg_FIXTURES}\" \"${arg_RESOURCE_LOCK}\")\n"
    "  include(\"${ctest_file}\")\n"
    "else()\n"
    "  add_test(${arg_PREFIX}${target}.NOT_BUILT ${target}_NOT_BUILT)\n"
    "endif()\n")
  file(GENERATE OUTPUT "${include_file}" INPUT "${include_file}")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES "${include_file}")
endfunction()
