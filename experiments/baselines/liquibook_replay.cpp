// experiments/baselines/liquibook_replay.cpp - E14's C++ order-book baseline: replays a
// flow file (bse/flow.h: `bse-flow 1 SEED N`, then L/M/C lines) into liquibook's
// book::OrderBook and prints one line
//   orders N trades T wall_s W cpu_s C reps R cancel_rejects K
// (W, C: the median over R replays of the replay's wall and thread CPU seconds; T: fills
// of the last replay; K: cancels liquibook refused because the order no longer rests).
//
// Our own harness over liquibook's public API (header-only, github.com/enewhuis/liquibook,
// not part of this repository): built only when the user names liquibook's folder,
// `make results LIQUIBOOK=DIR` or `make bench LIQUIBOOK=DIR` (mk/results.mk), with
// -O2 -std=c++17 -I DIR/src.
//
// The same operations as bse/match.h gets: L -> a limit order (no conditions); M -> a
// market order (price 0) with oc_immediate_or_cancel, so its remainder is cancelled as
// bse/match.h does instead of resting as a liquibook market order; C ID -> cancel of the
// order that took id ID (ids 1, 2, ... in L/M order, as bse/match.h issues them; C 0 is
// a cancel on an empty book: no call, as for bse/match.h an unknown id). Semantic
// differences (so trade counts agree closely but not exactly): liquibook has no
// self-trade prevention (bse/match.h cancels a resting order of the incoming order's
// owner) and no quote cap (bse/match.h stops a market buy at qty x mid of quote value);
// once the books differ, a cancel may name an order liquibook has already filled
// (counted in cancel_rejects).
//
// The file is read and parsed before any timing; each replay uses a fresh book (built
// before and destroyed after the timed part) over the same order objects. Fills are
// counted in the book's on_fill hook, as bse/match.h's benchmark counts FILL events.
// Exit status: 0 done; 1 the replay failed (out of memory); 2 usage or a bad flow file
// (one line naming the file and the line).
#include <book/order.h>
#include <book/order_book.h>

#include <algorithm>
#include <chrono>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace {

namespace lb = liquibook::book;

// One order as liquibook sees it (immutable: liquibook's tracker keeps the open qty).
class ReplayOrder : public lb::Order {
public:
  ReplayOrder(bool buy, lb::Price price, lb::Quantity qty) : buy_(buy), price_(price), qty_(qty) {}
  bool is_buy() const override { return buy_; }
  lb::Price price() const override { return price_; }
  lb::Quantity order_qty() const override { return qty_; }

private:
  bool buy_;
  lb::Price price_;
  lb::Quantity qty_;
};

typedef ReplayOrder *OrderPtr;

// The book, counting what the benchmark reports.
class CountingBook : public lb::OrderBook<OrderPtr> {
public:
  uint64_t fills = 0;
  uint64_t cancel_rejects = 0;

protected:
  void on_fill(const OrderPtr &, const OrderPtr &, lb::Quantity, lb::Price, bool, bool) override { fills++; }
  void on_cancel_reject(const OrderPtr &, const char *) override { cancel_rejects++; }
};

struct Op {
  uint8_t kind;     // 0 limit, 1 market, 2 cancel
  uint64_t target;  // limit/market: the order's id; cancel: the id to cancel (0: none)
};

struct Flow {
  std::vector<ReplayOrder> orders;  // index = id - 1
  std::vector<Op> ops;
};

const char *PROG = "liquibook_replay";

int usage_error(const char *msg)
{
  std::fprintf(stderr, "%s: %s (try --help)\n", PROG, msg);
  return 2;
}

// Reads an unsigned decimal integer at *p (then one space or the line end). Returns 0 on
// success.
int read_u64(const char **p, const char *end, uint64_t *v)
{
  const char *s = *p;
  if (s >= end || *s < '0' || *s > '9')
    return -1;
  uint64_t x = 0;
  while (s < end && *s >= '0' && *s <= '9') {
    unsigned d = unsigned(*s - '0');
    if (x > (UINT64_MAX - d) / 10)
      return -1;
    x = x * 10 + d;
    s++;
  }
  if (s < end && *s == ' ')
    s++;
  else if (s < end && *s != '\n')
    return -1;
  *p = s;
  *v = x;
  return 0;
}

// Parses the flow file text. Returns 0, or -1 with *line and *why set.
int parse(Flow *f, const std::string &text, uint64_t *line, const char **why)
{
  const char *p = text.data(), *end = p + text.size();
  *line = 1;
  uint64_t seed = 0, n = 0;
  static const char HEAD[] = "bse-flow 1 ";
  if (text.compare(0, sizeof HEAD - 1, HEAD) != 0)
    return *why = "not a flow file (expected 'bse-flow 1 SEED N')", -1;
  p += sizeof HEAD - 1;
  if (read_u64(&p, end, &seed) || read_u64(&p, end, &n) || p >= end || *p != '\n')
    return *why = "bad header (expected 'bse-flow 1 SEED N')", -1;
  p++;
  if (n > 100000000)
    return *why = "more than 100000000 operations", -1;
  f->ops.reserve(n);
  f->orders.reserve(n);
  for (uint64_t i = 0; i < n; i++) {
    ++*line;
    if (p + 2 > end || p[1] != ' ')
      return *why = "expected an operation line (L, M or C)", -1;
    char k = p[0];
    p += 2;
    if (k == 'L' || k == 'M') {
      if (p + 2 > end || (p[0] != 'b' && p[0] != 's') || p[1] != ' ')
        return *why = "side must be b or s", -1;
      bool buy = p[0] == 'b';
      p += 2;
      uint64_t price = 0, qty = 0, owner = 0, cap = 0;
      if (k == 'L' && (read_u64(&p, end, &price) || price == 0))
        return *why = "bad limit price", -1;
      if (read_u64(&p, end, &qty) || qty == 0)
        return *why = "bad quantity", -1;
      if (read_u64(&p, end, &owner))
        return *why = "bad owner", -1;
      if (k == 'M' && read_u64(&p, end, &cap))
        return *why = "bad quote cap", -1;
      f->orders.emplace_back(buy, k == 'L' ? price : lb::MARKET_ORDER_PRICE, qty);
      f->ops.push_back(Op{uint8_t(k == 'L' ? 0 : 1), uint64_t(f->orders.size())});
    } else if (k == 'C') {
      uint64_t id = 0;
      if (read_u64(&p, end, &id) || id > f->orders.size())
        return *why = "bad cancel id (must name an earlier L or M line, or be 0)", -1;
      f->ops.push_back(Op{2, id});
    } else
      return *why = "unknown operation (expected L, M or C)", -1;
    if (p >= end || *p != '\n')
      return *why = "extra fields at the end of the line", -1;
    p++;
  }
  if (p != end)
    return ++*line, *why = "more lines than the header's N", -1;
  return 0;
}

double thread_cpu_s()
{
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

const char HELP[] =
    "Usage: liquibook_replay FLOW_FILE [--reps R]\n"
    "Replays a flow file (bse/flow.h, written by `e14_speed --flows DIR` or `bsebench match\n"
    "--flow FILE`) into liquibook's book::OrderBook and prints\n"
    "  orders N trades T wall_s W cpu_s C reps R cancel_rejects K\n"
    "W and C are the median over R replays (default 1, at most 1000) of the replay's wall\n"
    "and thread CPU seconds, each on a fresh book; the file is parsed before timing.\n"
    "Limit orders are plain liquibook limit orders, market orders are immediate-or-cancel,\n"
    "cancels name the order by its bse/match.h id. liquibook has no self-trade prevention\n"
    "and no quote cap, so its trade count differs slightly from bse/match.h's.\n"
    "Exit status: 0 done, 1 the replay failed, 2 usage or a bad flow file.\n";

}  // namespace

int main(int argc, char **argv)
{
  const char *path = nullptr;
  unsigned long reps = 1;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(HELP, stdout);
      return 0;
    }
    if (a == "--version") {
      std::printf("%s 1 (E14 baseline of the BSE-PoUW toolkit; liquibook %d.%d.%d)\n", PROG,
                  liquibook::Version::MAJOR, liquibook::Version::MINOR, liquibook::Version::PATCH);
      return 0;
    }
    if (a == "--reps" || a.rfind("--reps=", 0) == 0) {
      const char *v = a == "--reps" ? (i + 1 < argc ? argv[++i] : nullptr) : argv[i] + 7;
      char *e = nullptr;
      errno = 0;
      reps = v && *v >= '0' && *v <= '9' ? std::strtoul(v, &e, 10) : 0;
      if (!v || errno || !e || *e || reps < 1 || reps > 1000)
        return usage_error("--reps must be an integer in 1..1000");
      continue;
    }
    if (a.size() > 1 && a[0] == '-')
      return usage_error(("unknown option " + a).c_str());
    if (path)
      return usage_error("one flow file only");
    path = argv[i];
  }
  if (!path)
    return usage_error("a flow file is needed");

  std::string text;
  {
    std::FILE *fp = std::fopen(path, "rb");
    if (!fp) {
      std::fprintf(stderr, "%s: %s: cannot read: %s\n", PROG, path, std::strerror(errno));
      return 2;
    }
    char buf[1 << 16];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, fp)) > 0)
      text.append(buf, got);
    bool bad = std::ferror(fp);
    std::fclose(fp);
    if (bad) {
      std::fprintf(stderr, "%s: %s: cannot read\n", PROG, path);
      return 2;
    }
  }
  Flow flow;
  uint64_t line = 0;
  const char *why = "";
  try {
    if (parse(&flow, text, &line, &why)) {
      std::fprintf(stderr, "%s: %s: line %llu: %s\n", PROG, path, (unsigned long long)line, why);
      return 2;
    }
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "%s: %s: out of memory\n", PROG, path);
    return 1;
  }
  text.clear();
  text.shrink_to_fit();

  std::vector<double> wall(reps), cpu(reps);
  uint64_t fills = 0, rejects = 0;
  try {
    for (unsigned long r = 0; r < reps; r++) {
      std::unique_ptr<CountingBook> book(new CountingBook());
      ReplayOrder *orders = flow.orders.data();
      auto t0 = std::chrono::steady_clock::now();
      double c0 = thread_cpu_s();
      for (const Op &op : flow.ops) {
        if (op.kind == 2) {
          if (op.target)
            book->cancel(&orders[op.target - 1]);
        } else
          book->add(&orders[op.target - 1], op.kind == 1 ? lb::oc_immediate_or_cancel : lb::oc_no_conditions);
      }
      cpu[r] = thread_cpu_s() - c0;
      wall[r] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      fills = book->fills;
      rejects = book->cancel_rejects;
    }
  } catch (const std::bad_alloc &) {
    std::fprintf(stderr, "%s: out of memory during the replay\n", PROG);
    return 1;
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  std::printf("orders %zu trades %llu wall_s %.6f cpu_s %.6f reps %lu cancel_rejects %llu\n", flow.ops.size(),
              (unsigned long long)fills, wall[reps / 2], cpu[reps / 2], reps, (unsigned long long)rejects);
  return std::fflush(stdout) == 0 ? 0 : 1;
}
