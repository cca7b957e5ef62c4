// A small test harness: CHECK macros print both sides on failure and count failures;
// main() returns non-zero when any check failed.
#ifndef HPO_TEST_CHECK_H
#define HPO_TEST_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                            \
  do {                                                                         \
    check_count++;                                                             \
    if (!(cond)) {                                                             \
      check_failures++;                                                        \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

#define CHECK_INT(a, b)                                                                          \
  do {                                                                                           \
    check_count++;                                                                               \
    long long va_ = (long long)(a), vb_ = (long long)(b);                                        \
    if (va_ != vb_) {                                                                            \
      check_failures++;                                                                          \
      fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n", __FILE__, __LINE__, #a, #b, va_, \
              vb_);                                                                              \
    }                                                                                            \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                                    \
  do {                                                                                           \
    check_count++;                                                                               \
    double va_ = (a), vb_ = (b);                                                                 \
    if (!(fabs(va_ - vb_) <= (tol))) {                                                           \
      check_failures++;                                                                          \
      fprintf(stderr, "%s:%d: |%s - %s| <= %g failed: %.17g vs %.17g\n", __FILE__, __LINE__, #a, \
              #b, (double)(tol), va_, vb_);                                                      \
    }                                                                                            \
  } while (0)

#define RUN(test)                                                          \
  do {                                                                     \
    int before_ = check_failures;                                          \
    test();                                                                \
    printf("%s %s\n", check_failures == before_ ? "ok  " : "FAIL", #test); \
  } while (0)

static inline int check_report(void) {
  printf("%d checks, %d failed\n", check_count, check_failures);
  return check_failures ? 1 : 0;
}

#endif
