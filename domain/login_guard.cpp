#include "domain/login_guard.hpp"

namespace algomirror {

login_guard::login_guard(int max_failures, std::chrono::seconds window,
                         std::chrono::seconds lockout)
  : max_failures_(max_failures), window_(window), lockout_(lockout) {}

bool login_guard::allowed(const std::string& user, utc_instant now, utc_instant* until) const {
  auto i = locked_until_.find(user);
  if (i == locked_until_.end() || now >= i->second)
    return true;
  if (until)
    *until = i->second;
  return false;
}

bool login_guard::failed(const std::string& user, utc_instant now) {
  auto& times = failures_[user];
  times.push_back(now);
  while (!times.empty() && now - times.front() >= window_)
    times.pop_front();
  if (static_cast<int>(times.size()) < max_failures_)
    return false;
  locked_until_[user] = now + lockout_;
  times.clear();
  return true;
}

void login_guard::succeeded(const std::string& user) {
  failures_.erase(user);
  locked_until_.erase(user);
}

} // namespace algomirror
