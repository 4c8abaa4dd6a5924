#include "extract/table_csv.hpp"

#include <utility>

#include "extract/csv_row.hpp"

namespace migration::extract {

RowPageReader PagesOf(db::Database& db, core::Table table) {
  return [&db, table](int64_t after, int limit) { return db.ListRows(table, db::Page{after, limit}); };
}

TableCsv::TableCsv(core::Table table, RowPageReader read, TableCsvOptions options)
    : table_(table), read_(std::move(read)), after_(options.after), header_pending_(options.header) {
  ReadPage();
}

void TableCsv::ReadPage() {
  page_ = read_(after_, kPageRows);
  next_ = 0;
  last_page_ = page_.size() < static_cast<size_t>(kPageRows);
  if (!page_.empty()) after_ = page_.back().id;
}

bool TableCsv::Next(std::string& out, size_t target) {
  const size_t before = out.size();
  if (header_pending_) {
    AppendCsvHeader(table_, out);
    header_pending_ = false;
  }
  while (out.size() - before < target) {
    if (next_ == page_.size()) {
      if (last_page_) break;
      ReadPage();
      if (page_.empty()) break;
    }
    AppendCsvRow(table_, page_[next_++], out);
    ++rows_written_;
  }
  if (next_ == page_.size() && last_page_) {  // done: the page's memory goes now
    page_ = {};
    next_ = 0;
  }
  return out.size() > before;
}

}  // namespace migration::extract
