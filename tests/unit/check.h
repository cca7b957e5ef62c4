// A small test harness: CHECK macros print both sides on failure and count failures;
// main() returns non-zero when any check failed.
#ifndef HPO_TEST_CHECK_H
#define HPO_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

// Two engines' serialised states (get(engine, buffer) writes size doubles) are the same
// bytes: a state stored before every buffer is set differs from run to run, and valgrind
// flags the comparison.
#define CHECK_SAME_STATE(get, a, b, size)                                   \
  do {                                                                      \
    size_t bytes_ = sizeof(double) * (size_t)(size);                        \
    double *sa_ = malloc(bytes_), *sb_ = malloc(bytes_);                    \
    get(a, sa_);                                                            \
    get(b, sb_);                                                            \
    CHECK(memcmp(sa_, sb_, bytes_) == 0);                                   \
    free(sa_);                                                              \
    free(sb_);                                                              \
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
