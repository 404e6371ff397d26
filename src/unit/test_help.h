/* test_help.h - the tiny harness every C unit test uses.
 *
 * Each src/unit/test_<module>.c is its own program linked only with the pure
 * modules (see PURE_OBJ in src/Makefile). It defines test functions with
 * TEST(name), lists them in main() with RUN(name), and ends with
 * `return TEST_REPORT();`. A failed TEST_ASSERT prints file:line and fails the
 * current test but keeps running the others, so one run shows every failure.
 */
#ifndef TEST_HELP_H
#define TEST_HELP_H

#include <stdio.h>
#include <string.h>
#include <time.h>

static int test_failed_asserts = 0;
static int test_cur_failed = 0;
static int test_passed = 0, test_failed = 0;
static const char *test_file_name = "";

#define TEST(name) static void test_##name(void)

#define TEST_ASSERT_MSG(cond, msg) do { \
    if (!(cond)) { \
        fprintf(stderr, "  %s:%d: assertion failed: %s (%s)\n", \
                __FILE__, __LINE__, #cond, (msg)); \
        test_failed_asserts++; test_cur_failed = 1; \
    } \
} while (0)

#define TEST_ASSERT(cond) TEST_ASSERT_MSG(cond, "")

/* Tests are meant to be fast: any taking over half a second says so. */
static double test_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* CPU seconds used by this process: for cost bounds that must hold on a
 * loaded machine, where wall time also counts other processes' turns. */
static inline double test_cpu_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

#define RUN(name) do { \
    test_file_name = __FILE__; \
    test_cur_failed = 0; \
    double test_start = test_now(); \
    test_##name(); \
    if (test_now() - test_start > 0.5) \
        fprintf(stderr, "  [slow] %s took %.1fs\n", #name, test_now() - test_start); \
    if (test_cur_failed) { test_failed++; fprintf(stderr, "[FAIL] %s\n", #name); } \
    else { test_passed++; } \
} while (0)

#define TEST_REPORT() \
    (printf("%s: %d passed, %d failed\n", test_file_name, test_passed, test_failed), \
     test_failed ? 1 : 0)

#endif
