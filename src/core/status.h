/// Status codes shared by the engines: 0 is success, negative is failure.
#ifndef HPO_CORE_STATUS_H
#define HPO_CORE_STATUS_H

enum {
  HPO_OK = 0,
  HPO_EINVAL = -1,  ///< an argument is out of range
  HPO_ENOMEM = -2,  ///< an allocation failed
  HPO_ERANGE = -3,  ///< a sequence or grid is exhausted
};

/// A short English description of a status code.
const char *hpo_strerror(int status);

#endif
