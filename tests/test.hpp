#pragma once

// Included by every test translation unit after `#define CAF_SUITE name`.
// CAF 0.17's dsl.hpp calls an undefined FAIL; map it to CAF_FAIL (caf-0.17-notes.md §5.3).
#define FAIL(msg) CAF_FAIL(msg)
#include <caf/test/unit_test.hpp>
