#pragma once
// A fixed-size pool of database connections shared by the worker threads. Connections are made
// lazily (the service starts even when the database is down) and dropped when a backend reports
// them broken, so the pool heals by itself once the database is back.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "db/pool_stats.hpp"

namespace migration::db {

template <typename Connection>
class ConnectionPool {
 public:
  using Factory = std::function<std::unique_ptr<Connection>()>;

  ConnectionPool(Factory factory, int size, std::chrono::milliseconds acquire_timeout)
      : factory_(std::move(factory)), capacity_(size), acquire_timeout_(acquire_timeout) {}

  // A borrowed connection; returns to the pool when destroyed unless marked broken.
  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
    // A moved-from lease owns nothing and must not return anything to the pool.
    Lease(Lease&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)), broken_(other.broken_) {}
    Lease& operator=(Lease&& other) noexcept {
      if (this != &other) {
        if (pool_ != nullptr) pool_->Release(std::move(conn_), broken_);
        pool_ = std::exchange(other.pool_, nullptr);
        conn_ = std::move(other.conn_);
        broken_ = other.broken_;
      }
      return *this;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (pool_ != nullptr) pool_->Release(std::move(conn_), broken_);
    }
    Connection& operator*() { return *conn_; }
    Connection* operator->() { return conn_.get(); }
    void MarkBroken() { broken_ = true; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> conn_;
    bool broken_ = false;
  };

  Lease Acquire() {
    std::unique_lock lock(mutex_);
    const auto can_lease = [&] { return !idle_.empty() || in_use_ + idle_.size() < capacity_; };
    if (!can_lease()) {
      // Only a caller that really blocks pays for the clock and counts as waiting.
      const auto started = std::chrono::steady_clock::now();
      ++waiting_;
      const bool got = available_.wait_for(lock, acquire_timeout_, can_lease);
      --waiting_;
      wait_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (!got) {
        ++timeouts_;
        throw core::Error(core::ErrorCode::kUnavailable, "all database connections are busy; retry shortly");
      }
    }
    ++in_use_;
    ++acquires_;
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(conn));
    }
    lock.unlock();
    try {
      return Lease(this, factory_());
    } catch (...) {
      lock.lock();
      --in_use_;
      available_.notify_one();
      throw;
    }
  }

  using Stats = ConnectionPoolStats;
  Stats GetStats() {
    std::lock_guard lock(mutex_);
    return {capacity_, in_use_, idle_.size(), waiting_, acquires_, timeouts_, wait_seconds_};
  }

 private:
  void Release(std::unique_ptr<Connection> conn, bool broken) {
    std::lock_guard lock(mutex_);
    --in_use_;
    if (conn && !broken) idle_.push_back(std::move(conn));
    available_.notify_one();
  }

  Factory factory_;
  size_t capacity_;
  std::chrono::milliseconds acquire_timeout_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  size_t in_use_ = 0;
  size_t waiting_ = 0;
  uint64_t acquires_ = 0;
  uint64_t timeouts_ = 0;
  double wait_seconds_ = 0;
};

}  // namespace migration::db
