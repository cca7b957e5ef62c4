#include "status.h"

const char *hpo_strerror(int status) {
  switch (status) {
    case HPO_OK: return "success";
    case HPO_EINVAL: return "invalid argument";
    case HPO_ENOMEM: return "out of memory";
    case HPO_ERANGE: return "sequence exhausted";
    default: return "unknown error";
  }
}
