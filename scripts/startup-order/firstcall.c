// firstcall: which functions of an executable run, in the order they first run.
//
// Plants a breakpoint (int3) at every given entry, starts the program under ptrace, and on
// each hit writes the entry's offset, puts the original byte back and lets the thread go on,
// so each entry costs one stop. Every thread is followed (PTRACE_O_TRACECLONE). A forked
// child (WebKit starts its processes with fork, then exec) gets the original bytes back and
// is let go, so code it runs before exec cannot trap. After the given seconds the program
// is killed. Exits 1 if it ended before that.
//
//   firstcall ENTRIES OUT SECONDS BINARY_NAME -- PROGRAM [ARGS…]
//
// ENTRIES: hex offsets from the executable's load address (the link map's addresses for a
// position-independent executable), one per line. BINARY_NAME: how the executable appears
// in /proc/PID/maps, to find that load address. Used by scripts/startup-order.sh.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long *offs, base;
static unsigned char *orig, *state; // state: 0 planted, 1 reached, 2 could not plant
static size_t n;
static volatile sig_atomic_t timed_out;
static pid_t child;

// Killing here, not only flagging: a flag set just before waitpid would not wake it.
static void on_alarm(int s) {
  (void)s;
  timed_out = 1;
  kill(child, SIGKILL);
}

// What a new task is, from its parent's event; its first stop may come before that event.
enum kind { UNKNOWN, THREAD, FORKED, VFORKED };
#define MAX_TASKS 65536
static pid_t task_pid[MAX_TASKS];
static unsigned char task_kind[MAX_TASKS], task_waiting[MAX_TASKS];
static size_t tasks;

static size_t task(pid_t p) {
  for (size_t i = 0; i < tasks; i++)
    if (task_pid[i] == p) return i;
  if (tasks == MAX_TASKS) { fprintf(stderr, "firstcall: too many tasks\n"); exit(1); }
  task_pid[tasks] = p;
  return tasks++;
}

// A new task at its first stop, once its kind is known: a thread runs on traced; a forked
// process gets every breakpoint still planted taken out of its copy of memory, then is let
// go. A vfork child shares the parent's memory, so it is let go as it is (it only execs).
static void release(size_t t) {
  pid_t p = task_pid[t];
  if (task_kind[t] == FORKED) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", p);
    int m = open(path, O_RDWR);
    if (m >= 0) {
      for (size_t i = 0; i < n; i++)
        if (!state[i]) pwrite(m, &orig[i], 1, base + offs[i]);
      close(m);
    }
  }
  if (task_kind[t] == THREAD) ptrace(PTRACE_CONT, p, 0, 0);
  else ptrace(PTRACE_DETACH, p, 0, 0);
  task_waiting[t] = 0;
}

static int by_value(const void *a, const void *b) {
  unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
  return x < y ? -1 : x > y;
}

static long find(unsigned long off) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t m = lo + (hi - lo) / 2;
    if (offs[m] < off) lo = m + 1; else hi = m;
  }
  return lo < n && offs[lo] == off ? (long)lo : -1;
}

static void die(const char *what) { perror(what); exit(1); }

int main(int argc, char **argv) {
  if (argc < 7 || strcmp(argv[5], "--")) {
    fprintf(stderr, "usage: firstcall ENTRIES OUT SECONDS BINARY_NAME -- PROGRAM [ARGS...]\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "r");
  if (!f) die(argv[1]);
  size_t cap = 1 << 16;
  offs = malloc(cap * sizeof *offs);
  unsigned long v;
  while (fscanf(f, "%lx", &v) == 1) {
    if (n == cap && !(offs = realloc(offs, (cap *= 2) * sizeof *offs))) die("realloc");
    offs[n++] = v;
  }
  fclose(f);
  qsort(offs, n, sizeof *offs, by_value);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!k || offs[i] != offs[k - 1]) offs[k++] = offs[i];
  n = k;
  orig = malloc(n);
  state = calloc(n, 1);
  FILE *out = fopen(argv[2], "w");
  if (!out) die(argv[2]);
  int seconds = atoi(argv[3]);
  const char *binary = argv[4];

  child = fork();
  if (child < 0) die("fork");
  if (!child) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    execvp(argv[6], argv + 6);
    _exit(127);
  }
  int st;
  if (waitpid(child, &st, 0) < 0 || !WIFSTOPPED(st)) { fprintf(stderr, "firstcall: %s did not start\n", argv[6]); return 1; }
  ptrace(PTRACE_SETOPTIONS, child, 0,
         PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_EXITKILL);
  task_kind[task(child)] = THREAD;

  char path[64], line[4096];
  snprintf(path, sizeof path, "/proc/%d/maps", child);
  if (!(f = fopen(path, "r"))) die(path);
  while (fgets(line, sizeof line, f)) {
    unsigned long lo, hi, off;
    char perm[8];
    if (sscanf(line, "%lx-%lx %7s %lx", &lo, &hi, perm, &off) == 4 && off == 0 && strstr(line, binary)) {
      base = lo;
      break;
    }
  }
  fclose(f);
  if (!base) { fprintf(stderr, "firstcall: %s is not mapped in %s\n", binary, argv[6]); return 1; }

  snprintf(path, sizeof path, "/proc/%d/mem", child);
  int mem = open(path, O_RDWR);
  if (mem < 0) die(path);
  unsigned char int3 = 0xCC;
  size_t planted = 0;
  for (size_t i = 0; i < n; i++) {
    if (pread(mem, &orig[i], 1, base + offs[i]) != 1 || pwrite(mem, &int3, 1, base + offs[i]) != 1) {
      state[i] = 2;
      continue;
    }
    planted++;
  }
  fprintf(stderr, "firstcall: %zu of %zu breakpoints planted\n", planted, n);

  struct sigaction sa = {0};
  sa.sa_handler = on_alarm; // no SA_RESTART: waitpid returns EINTR when time is up
  sigaction(SIGALRM, &sa, 0);
  alarm(seconds);
  ptrace(PTRACE_CONT, child, 0, 0);
  size_t reached = 0;
  int ended_early = 0;
  while (!timed_out) {
    pid_t p = waitpid(-1, &st, __WALL);
    if (p < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      if (p == child && !timed_out) {
        fprintf(stderr, "firstcall: the program ended early (status %#x)\n", st);
        ended_early = 1;
        break;
      }
      continue;
    }
    if (!WIFSTOPPED(st)) continue;
    int sig = WSTOPSIG(st), pass = 0, event = st >> 16;
    size_t t = task(p);
    if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK) {
      unsigned long msg;
      ptrace(PTRACE_GETEVENTMSG, p, 0, &msg);
      size_t c = task((pid_t)msg);
      task_kind[c] = event == PTRACE_EVENT_CLONE ? THREAD : event == PTRACE_EVENT_FORK ? FORKED : VFORKED;
      if (task_waiting[c]) release(c);
    } else if (event) {
      pass = 0; // other ptrace events (exec, vfork done)
    } else if (task_kind[t] == UNKNOWN) {
      task_waiting[t] = 1; // a new task's first stop, before its parent's event
      continue;
    } else if (task_kind[t] != THREAD) {
      release(t); // a forked process's first stop, after its parent's event
      continue;
    } else if (sig == SIGTRAP) {
      struct user_regs_struct r;
      ptrace(PTRACE_GETREGS, p, 0, &r);
      long i = find(r.rip - 1 - base);
      if (i >= 0 && state[i] != 2) {
        // Another thread may have reached it first and put the byte back: rewind either way.
        if (!state[i]) {
          state[i] = 1;
          reached++;
          fprintf(out, "%lx\n", offs[i]);
          if (pwrite(mem, &orig[i], 1, base + offs[i]) != 1) die("restore");
        }
        r.rip -= 1;
        ptrace(PTRACE_SETREGS, p, 0, &r);
      } else {
        pass = SIGTRAP;
      }
    } else if (sig != SIGSTOP) {
      pass = sig; // the program's own signals go through; SIGSTOP is a new thread's first stop
    }
    ptrace(PTRACE_CONT, p, 0, pass);
  }
  fclose(out);
  fprintf(stderr, "firstcall: %zu functions reached\n", reached);
  kill(child, SIGKILL);
  return ended_early;
}
