#pragma once
// One reason a row was rejected: which field, a stable machine code, and a sentence for people;
// and the bounds on how many of them one rejected row keeps.

#include <cstddef>
#include <string>
#include <vector>

namespace migration::ingest {

struct FieldError {
  std::string field;    // column name, or "record" for problems of the whole record
  std::string code;     // stable, snake_case: see the list in row_rules.hpp
  std::string message;  // e.g. "department_id must be a whole number from 1 to 2147483647, got \"-3\""

  bool operator==(const FieldError&) const = default;
};

// A row keeps its first kMaxErrorsPerRow errors; the rest become one "too_many_errors" entry that
// counts them. A hostile row (a JSON object with a million unknown keys) then costs a few hundred
// bytes in the rejects table, the log line and the response, not hundreds of megabytes.
inline constexpr size_t kMaxErrorsPerRow = 10;

// Collects the errors of one row within that bound, counting what it drops.
class FieldErrorList {
 public:
  void Add(FieldError error) {
    if (errors_.size() < kMaxErrorsPerRow) {
      errors_.push_back(std::move(error));
    } else {
      ++dropped_;
    }
  }
  bool empty() const { return errors_.empty(); }

  // The kept errors, then the count of the dropped ones (if any) as a last entry.
  std::vector<FieldError> Take() && {
    if (dropped_ > 0) {
      errors_.push_back({"record", "too_many_errors",
                         std::to_string(dropped_) + " more errors in this row are not listed (only the first " +
                             std::to_string(kMaxErrorsPerRow) + " are kept)"});
    }
    return std::move(errors_);
  }

 private:
  std::vector<FieldError> errors_;
  size_t dropped_ = 0;
};

// Applies the same bound to a list built elsewhere.
inline std::vector<FieldError> CapErrors(std::vector<FieldError> errors) {
  if (errors.size() <= kMaxErrorsPerRow) return errors;
  FieldErrorList list;
  for (auto& error : errors) list.Add(std::move(error));
  return std::move(list).Take();
}

}  // namespace migration::ingest
