#pragma once
// One reason a row was rejected: which field, a stable machine code, and a sentence for people.

#include <string>

namespace migration::ingest {

struct FieldError {
  std::string field;    // column name, or "record" for problems of the whole record
  std::string code;     // stable, snake_case: see the list in row_rules.hpp
  std::string message;  // e.g. "department_id must be a whole number from 1 to 2147483647, got \"-3\""

  bool operator==(const FieldError&) const = default;
};

}  // namespace migration::ingest
