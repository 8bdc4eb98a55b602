/*
 * Shared memory between processes for effect-multiprocessing: named POSIX
 * segments mapped MAP_SHARED and handed to JavaScript as external
 * ArrayBuffers, and futex wait/wake on their words. JS Atomics on such a
 * buffer are locked instructions, so they are atomic across processes; what
 * JS lacks is blocking across processes (Atomics.wait/notify stay within one
 * process), which the futex gives.
 *
 * N-API only (no V8 C++ API), so one binary serves every Node version.
 * Linux only: futexes are. The futexes are shared ones (no
 * FUTEX_PRIVATE_FLAG): the kernel keys them by inode and offset, so separate
 * mappings of one segment, in any process, wake each other.
 *
 * waitAsync never parks on libuv's threadpool (four pending waits would stall
 * every fs/dns/crypto call of the process): one dedicated waiter thread per
 * process sleeps on up to 127 words at once with futex_waitv (Linux >= 5.16),
 * the 128th being its own control word, which interrupts it when the set
 * changes; more pending waits start more such threads. On older kernels each
 * pending wait gets a thread of its own sleeping in FUTEX_WAIT. Results reach
 * the JS thread that asked through a threadsafe function, ref'd while any of
 * its waits is pending so that the event loop stays alive.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449 /* the same number on every architecture */
#endif
#ifndef FUTEX_32
#define FUTEX_32 2
#endif

struct waitv_entry { /* struct futex_waitv of <linux/futex.h>, absent from older headers */
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t reserved;
};

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) return throw_last(env);                    \
  } while (0)

static napi_value throw_last(napi_env env) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) {
    const napi_extended_error_info* info = NULL;
    napi_get_last_error_info(env, &info);
    napi_throw_error(env, NULL, info != NULL && info->error_message != NULL ? info->error_message : "N-API call failed");
  }
  return NULL;
}

/* Throws an Error like Node's system errors: `code` "EEXIST", `errno`, `syscall`. */
static napi_value throw_errno(napi_env env, int error, const char* syscall_name, const char* name) {
  char message[512];
  if (name != NULL) snprintf(message, sizeof message, "%s(%s): %s", syscall_name, name, strerror(error));
  else snprintf(message, sizeof message, "%s: %s", syscall_name, strerror(error));
  napi_value msg, err, code, num, sys;
  const char* code_name = error == EEXIST ? "EEXIST" : error == ENOENT ? "ENOENT" : error == EACCES ? "EACCES"
    : error == EINVAL ? "EINVAL" : error == ENAMETOOLONG ? "ENAMETOOLONG" : error == ENOMEM ? "ENOMEM"
    : error == ENOSPC ? "ENOSPC" : error == EMFILE ? "EMFILE" : error == ENFILE ? "ENFILE" : error == EPERM ? "EPERM" : "EIO";
  if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, code_name, NAPI_AUTO_LENGTH, &code) != napi_ok) return NULL;
  if (napi_create_error(env, code, msg, &err) != napi_ok) return NULL;
  napi_create_int32(env, -error, &num);
  napi_create_string_utf8(env, syscall_name, NAPI_AUTO_LENGTH, &sys);
  napi_set_named_property(env, err, "errno", num);
  napi_set_named_property(env, err, "syscall", sys);
  napi_throw(env, err);
  return NULL;
}

static napi_value throw_type(napi_env env, const char* message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static napi_value throw_range(napi_env env, const char* message) {
  napi_throw_range_error(env, NULL, message);
  return NULL;
}

/* ---- Mappings ------------------------------------------------------------ */

/* A mapping handed to JS. Unmapped by close() or, failing that, when its buffer is collected. */
typedef struct mapping {
  void* address;
  size_t length;
  int unmapped;
  struct mapping* next;
} mapping;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER; /* guards mappings and every waiter structure */
static mapping* mappings = NULL;

static void cancel_waits_within(const char* from, const char* to); /* below */

static void unlink_mapping(mapping* m) {
  for (mapping** at = &mappings; *at != NULL; at = &(*at)->next) {
    if (*at == m) {
      *at = m->next;
      return;
    }
  }
}

static void finalize_mapping(napi_env env, void* data, void* hint) {
  (void)data;
  mapping* m = hint;
  int64_t change;
  pthread_mutex_lock(&lock);
  int was_mapped = !m->unmapped;
  if (was_mapped) munmap(m->address, m->length);
  unlink_mapping(m);
  pthread_mutex_unlock(&lock);
  if (was_mapped) napi_adjust_external_memory(env, -(int64_t)m->length, &change);
  free(m);
}

static napi_value map_fd(napi_env env, int fd, size_t length, const char* name) {
  napi_value buffer;
  if (length == 0) { /* mmap refuses empty mappings; an empty segment is an empty buffer */
    close(fd);
    CHECK(napi_create_arraybuffer(env, 0, NULL, &buffer));
    return buffer;
  }
  void* address = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int error = errno;
  close(fd); /* the mapping keeps the segment */
  if (address == MAP_FAILED) return throw_errno(env, error, "mmap", name);
  mapping* m = calloc(1, sizeof *m);
  if (m == NULL) {
    munmap(address, length);
    return throw_errno(env, ENOMEM, "mmap", name);
  }
  m->address = address;
  m->length = length;
  if (napi_create_external_arraybuffer(env, address, length, finalize_mapping, m, &buffer) != napi_ok) {
    munmap(address, length);
    free(m);
    return throw_last(env);
  }
  pthread_mutex_lock(&lock);
  m->next = mappings;
  mappings = m;
  pthread_mutex_unlock(&lock);
  /* Counted as this heap's external memory, so that the collector unmaps forgotten mappings in time. */
  int64_t change;
  napi_adjust_external_memory(env, (int64_t)length, &change);
  return buffer;
}

/* Reads argument `i` as a segment name into `name` (at most NAME_MAX bytes and a NUL). */
static int get_name(napi_env env, napi_value value, char* name, size_t capacity) {
  napi_valuetype type;
  size_t length = 0;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) {
    throw_type(env, "the segment name must be a string");
    return 0;
  }
  if (napi_get_value_string_utf8(env, value, name, capacity, &length) != napi_ok) {
    throw_last(env);
    return 0;
  }
  if (length + 1 >= capacity) {
    throw_errno(env, ENAMETOOLONG, "shm_open", NULL);
    return 0;
  }
  return 1;
}

static napi_value create(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  char name[NAME_MAX + 2];
  double size;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2) return throw_type(env, "create(name, size) takes 2 arguments");
  if (!get_name(env, argv[0], name, sizeof name)) return NULL;
  if (napi_get_value_double(env, argv[1], &size) != napi_ok) return throw_type(env, "the size must be a number");
  if (!(size >= 1) || size != (double)(int64_t)size || size > (double)SIZE_MAX / 2)
    return throw_range(env, "the size must be a positive integer number of bytes");
  int fd = shm_open(name, O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) return throw_errno(env, errno, "shm_open", name);
  if (ftruncate(fd, (off_t)size) != 0) { /* a fresh segment is zero-filled */
    int error = errno;
    close(fd);
    shm_unlink(name);
    return throw_errno(env, error, "ftruncate", name);
  }
  napi_value buffer = map_fd(env, fd, (size_t)size, name);
  if (buffer == NULL) shm_unlink(name);
  return buffer;
}

static napi_value attach(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char name[NAME_MAX + 2];
  struct stat st;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return throw_type(env, "attach(name) takes 1 argument");
  if (!get_name(env, argv[0], name, sizeof name)) return NULL;
  int fd = shm_open(name, O_RDWR, 0);
  if (fd < 0) return throw_errno(env, errno, "shm_open", name);
  if (fstat(fd, &st) != 0) {
    int error = errno;
    close(fd);
    return throw_errno(env, error, "fstat", name);
  }
  return map_fd(env, fd, (size_t)st.st_size, name);
}

static napi_value unlink_name(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char name[NAME_MAX + 2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return throw_type(env, "unlink(name) takes 1 argument");
  if (!get_name(env, argv[0], name, sizeof name)) return NULL;
  if (shm_unlink(name) != 0) return throw_errno(env, errno, "shm_unlink", name);
  return NULL;
}

static napi_value close_buffer(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  bool is_buffer = false;
  void* data = NULL;
  size_t length = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_is_arraybuffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer)
    return throw_type(env, "close(buffer) takes the ArrayBuffer create or attach returned");
  CHECK(napi_get_arraybuffer_info(env, argv[0], &data, &length));
  pthread_mutex_lock(&lock);
  mapping* m = mappings;
  while (m != NULL && !(m->address == data && !m->unmapped)) m = m->next;
  if (m != NULL) {
    /* No waiter thread may sleep on, or read, memory that is about to go. */
    cancel_waits_within(m->address, (const char*)m->address + m->length);
    munmap(m->address, m->length);
    m->unmapped = 1; /* the finalizer frees the record */
  }
  size_t unmapped = m != NULL ? m->length : 0;
  pthread_mutex_unlock(&lock);
  if (m == NULL && length != 0) return throw_type(env, "close(buffer) takes the ArrayBuffer create or attach returned");
  int64_t change;
  if (unmapped != 0) napi_adjust_external_memory(env, -(int64_t)unmapped, &change);
  if (length != 0) CHECK(napi_detach_arraybuffer(env, argv[0]));
  return NULL;
}

/* ---- Futex words ----------------------------------------------------------- */

/* The address of Int32 `index` of the Int32Array argv[0], with argv[1] as index. */
static int32_t* get_word(napi_env env, napi_value view, napi_value index_value) {
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void* data = NULL;
  double index;
  if (napi_is_typedarray(env, view, &is_typed) != napi_ok || !is_typed) {
    throw_type(env, "the view must be an Int32Array");
    return NULL;
  }
  if (napi_get_typedarray_info(env, view, &type, &length, &data, NULL, NULL) != napi_ok) {
    throw_last(env);
    return NULL;
  }
  if (type != napi_int32_array) {
    throw_type(env, "the view must be an Int32Array");
    return NULL;
  }
  if (napi_get_value_double(env, index_value, &index) != napi_ok) {
    throw_type(env, "the index must be a number");
    return NULL;
  }
  if (!(index >= 0) || index != (double)(int64_t)index || index >= (double)length) {
    throw_range(env, "the index is not an index of the view");
    return NULL;
  }
  return (int32_t*)data + (size_t)index;
}

static int get_int32(napi_env env, napi_value value, int32_t* out, const char* what) {
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok) {
    throw_type(env, what);
    return 0;
  }
  *out = (int32_t)(int64_t)number; /* as Atomics.wait converts: ToInt32 for in-range values */
  return 1;
}

static long futex(int32_t* word, int op, int32_t value, const struct timespec* timeout) {
  return syscall(SYS_futex, word, op, value, timeout, NULL, 0);
}

static void monotonic_after(struct timespec* at, double ms) {
  clock_gettime(CLOCK_MONOTONIC, at);
  int64_t ns = at->tv_nsec + (int64_t)((ms - (int64_t)(ms / 1000) * 1000) * 1e6);
  at->tv_sec += (time_t)(ms / 1000) + ns / 1000000000;
  at->tv_nsec = ns % 1000000000;
}

/* Time left until `deadline`; 0 when it has passed. */
static int remaining(const struct timespec* deadline, struct timespec* left) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  int64_t ns = (int64_t)(deadline->tv_sec - now.tv_sec) * 1000000000 + (deadline->tv_nsec - now.tv_nsec);
  if (ns <= 0) return 0;
  left->tv_sec = ns / 1000000000;
  left->tv_nsec = ns % 1000000000;
  return 1;
}

enum result { RESULT_OK, RESULT_NOT_EQUAL, RESULT_TIMED_OUT, RESULT_CANCELLED };
static const char* result_names[] = {"ok", "not-equal", "timed-out", "cancelled"};

/* Blocks while *word == expected, until woken or `deadline` (NULL: none). */
static enum result wait_blocking(int32_t* word, int32_t expected, const struct timespec* deadline) {
  if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != expected) return RESULT_NOT_EQUAL;
  for (;;) {
    struct timespec left;
    if (deadline != NULL && !remaining(deadline, &left)) return RESULT_TIMED_OUT;
    if (futex(word, FUTEX_WAIT, expected, deadline != NULL ? &left : NULL) == 0) return RESULT_OK;
    if (errno == EAGAIN) return RESULT_NOT_EQUAL;
    if (errno == ETIMEDOUT) return RESULT_TIMED_OUT;
    if (errno != EINTR) return RESULT_NOT_EQUAL; /* EFAULT and the like: let the caller re-check */
  }
}

static napi_value result_value(napi_env env, enum result result) {
  napi_value value;
  if (napi_create_string_utf8(env, result_names[result], NAPI_AUTO_LENGTH, &value) != napi_ok) return NULL;
  return value;
}

static napi_value wait(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t expected;
  double timeout;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) return throw_type(env, "wait(view, index, expected, timeoutMs) takes 4 arguments");
  int32_t* word = get_word(env, argv[0], argv[1]);
  if (word == NULL) return NULL;
  if (!get_int32(env, argv[2], &expected, "the expected value must be a number")) return NULL;
  if (napi_get_value_double(env, argv[3], &timeout) != napi_ok) return throw_type(env, "the timeout must be a number");
  struct timespec deadline;
  int limited = timeout >= 0 && timeout < 1e15; /* negative or infinite: no limit */
  if (limited) monotonic_after(&deadline, timeout);
  return result_value(env, wait_blocking(word, expected, limited ? &deadline : NULL));
}

static napi_value wake(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  double count;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return throw_type(env, "wake(view, index, count) takes 3 arguments");
  int32_t* word = get_word(env, argv[0], argv[1]);
  if (word == NULL) return NULL;
  if (napi_get_value_double(env, argv[2], &count) != napi_ok) return throw_type(env, "the count must be a number");
  int n = count >= INT_MAX ? INT_MAX : count <= 0 ? 0 : (int)count;
  long woken = n == 0 ? 0 : futex(word, FUTEX_WAKE, n, NULL);
  napi_value value;
  CHECK(napi_create_int64(env, woken < 0 ? 0 : woken, &value));
  return value;
}

/* ---- Asynchronous waits -------------------------------------------------------- */

#define GROUP_CAPACITY 127 /* futex_waitv takes 128 words; one is the group's control word */

struct environment;

/* A pending waitAsync, from the call until its callback has run. */
typedef struct waiter {
  uint32_t ticket;
  int32_t* word;
  int32_t expected;
  int limited;
  struct timespec deadline;
  enum result result;
  int done; /* result decided, delivery queued */
  struct group* group; /* where it sleeps while pending */
  struct environment* environment;
  napi_ref view; /* keeps the memory alive while waiting */
  napi_ref callback;
  struct waiter* next; /* in its environment's list */
} waiter;

/* A waiter thread and the waits it sleeps on. */
typedef struct group {
  waiter* waits[GROUP_CAPACITY];
  int count;
  int32_t control; /* bumped and woken when `waits` changes */
  struct group* next;
} group;

/* Per JS thread (main or worker): where its results are delivered. */
typedef struct environment {
  napi_threadsafe_function deliver;
  int pending; /* waits whose callback has not run; the tsfn is ref'd while > 0 */
  waiter* waits;
  uint32_t next_ticket;
} environment;

static group* groups = NULL;
static int waitv_supported = -1; /* unknown until the first try */
static int supports_waitv(void);

static void interrupt(group* g) {
  __atomic_add_fetch(&g->control, 1, __ATOMIC_SEQ_CST);
  futex(&g->control, FUTEX_WAKE, 1, NULL);
}

/* Decides a pending wait (lock held): out of its group, its delivery queued. */
static void settle(waiter* w, enum result result) {
  group* g = w->group;
  for (int i = 0; i < g->count; i++) {
    if (g->waits[i] == w) {
      g->waits[i] = g->waits[--g->count];
      break;
    }
  }
  w->group = NULL;
  w->result = result;
  w->done = 1;
  interrupt(g);
  napi_call_threadsafe_function(w->environment->deliver, w, napi_tsfn_nonblocking);
}

/* Cancels a pending wait (lock held). A one-wait thread sleeps on the word itself: waking the word
 * reaches it (a spurious wake-up for other sleepers there, which futex users re-check). */
static void withdraw(waiter* w) {
  int32_t* word = w->word;
  settle(w, RESULT_CANCELLED);
  if (!supports_waitv()) futex(word, FUTEX_WAKE, INT_MAX, NULL);
}

static void cancel_waits_within(const char* from, const char* to) {
  for (group* g = groups; g != NULL; g = g->next) {
    for (int i = g->count - 1; i >= 0; i--) {
      waiter* w = g->waits[i];
      if ((const char*)w->word >= from && (const char*)w->word < to) withdraw(w);
    }
  }
}

static int earlier(const struct timespec* a, const struct timespec* b) {
  return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Settles the waits of `g` whose deadline passed or whose word changed since they were asked (lock held). */
static void settle_due(group* g) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  for (int i = g->count - 1; i >= 0; i--) {
    waiter* w = g->waits[i];
    if (__atomic_load_n(w->word, __ATOMIC_SEQ_CST) != w->expected) settle(w, RESULT_OK);
    else if (w->limited && !earlier(&now, &w->deadline)) settle(w, RESULT_TIMED_OUT);
  }
}

/* The waiter thread of a group using futex_waitv: sleeps on every word of its group at once. */
static void* run_waitv_group(void* argument) {
  group* g = argument;
  struct waitv_entry entries[GROUP_CAPACITY + 1];
  waiter* asked[GROUP_CAPACITY]; /* compared, never dereferenced: they may be gone when the call returns */
  uint32_t asked_tickets[GROUP_CAPACITY];
  pthread_mutex_lock(&lock);
  for (;;) {
    settle_due(g);
    int count = g->count;
    int32_t control = __atomic_load_n(&g->control, __ATOMIC_SEQ_CST);
    entries[0] = (struct waitv_entry){.val = (uint32_t)control, .uaddr = (uintptr_t)&g->control, .flags = FUTEX_32};
    struct timespec deadline = {0, 0};
    int limited = 0;
    for (int i = 0; i < count; i++) {
      waiter* w = asked[i] = g->waits[i];
      asked_tickets[i] = w->ticket;
      entries[i + 1] = (struct waitv_entry){.val = (uint32_t)w->expected, .uaddr = (uintptr_t)w->word, .flags = FUTEX_32};
      if (w->limited && (!limited || earlier(&w->deadline, &deadline))) {
        deadline = w->deadline;
        limited = 1;
      }
    }
    pthread_mutex_unlock(&lock);
    long woken = syscall(SYS_futex_waitv, entries, count + 1, 0, limited ? &deadline : NULL, CLOCK_MONOTONIC);
    int error = errno;
    pthread_mutex_lock(&lock);
    /* A word that woke us counts as woken even if its value is back to what was expected. */
    if (woken > 0 && woken <= count) {
      for (int i = 0; i < g->count; i++) {
        if (g->waits[i] == asked[woken - 1] && g->waits[i]->ticket == asked_tickets[woken - 1]) {
          settle(g->waits[i], RESULT_OK);
          break;
        }
      }
    }
    /* EAGAIN, ETIMEDOUT, EINTR, EFAULT (a word unmapped meanwhile, its wait cancelled): re-check all.
     * Anything else (ENOMEM) would fail again at once: pause a millisecond rather than spin. */
    if (woken < 0 && error != EAGAIN && error != ETIMEDOUT && error != EINTR && error != EFAULT) {
      pthread_mutex_unlock(&lock);
      nanosleep(&(struct timespec){0, 1000000}, NULL);
      pthread_mutex_lock(&lock);
    }
  }
  return NULL;
}

/* The thread of a one-wait group on a kernel without futex_waitv. */
static void* run_single_wait(void* argument) {
  group* g = argument;
  pthread_mutex_lock(&lock);
  for (;;) {
    settle_due(g);
    if (g->count == 0) break;
    waiter* w = g->waits[0];
    int32_t* word = w->word;
    int32_t expected = w->expected;
    int limited = w->limited;
    struct timespec deadline = w->deadline;
    pthread_mutex_unlock(&lock);
    /* Cancelling wakes this word (a spurious wake-up for other sleepers, which futex users re-check). */
    enum result result = wait_blocking(word, expected, limited ? &deadline : NULL);
    pthread_mutex_lock(&lock);
    if (result == RESULT_OK && g->count == 1 && g->waits[0] == w) settle(w, RESULT_OK);
  }
  for (group** at = &groups; *at != NULL; at = &(*at)->next) {
    if (*at == g) {
      *at = g->next;
      break;
    }
  }
  pthread_mutex_unlock(&lock);
  free(g);
  return NULL;
}

static int supports_waitv(void) {
  if (waitv_supported < 0) {
    const char* forced = getenv("EFFECT_MULTIPROCESSING_FUTEX_WAITV");
    if (forced != NULL && strcmp(forced, "0") == 0) waitv_supported = 0;
    else {
      /* No futexes is EINVAL where the call exists; ENOSYS (old kernel) or EPERM (a seccomp filter that does not know it) mean it cannot be used. */
      long r = syscall(SYS_futex_waitv, NULL, 0, 0, NULL, CLOCK_MONOTONIC);
      waitv_supported = r < 0 && errno == EINVAL;
    }
  }
  return waitv_supported;
}

/* Puts a wait into a group with room, starting a thread when none has (lock held). */
static int enqueue(waiter* w) {
  int waitv = supports_waitv();
  if (waitv) {
    for (group* g = groups; g != NULL; g = g->next) {
      if (g->count < GROUP_CAPACITY) {
        g->waits[g->count++] = w;
        w->group = g;
        interrupt(g);
        return 1;
      }
    }
  }
  group* g = calloc(1, sizeof *g);
  if (g == NULL) return 0;
  g->waits[g->count++] = w;
  w->group = g;
  pthread_t thread;
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attributes, 64 * 1024);
  int failed = pthread_create(&thread, &attributes, waitv ? run_waitv_group : run_single_wait, g);
  pthread_attr_destroy(&attributes);
  if (failed) {
    free(g);
    w->group = NULL;
    return 0;
  }
  g->next = groups;
  groups = g;
  return 1;
}

static void free_waiter(napi_env env, waiter* w) {
  environment* e = w->environment;
  for (waiter** at = &e->waits; *at != NULL; at = &(*at)->next) {
    if (*at == w) {
      *at = w->next;
      break;
    }
  }
  if (env != NULL) {
    napi_delete_reference(env, w->view);
    napi_delete_reference(env, w->callback);
  }
  free(w);
}

/* On the JS thread of the wait's environment: runs its callback. */
static void deliver(napi_env env, napi_value js_callback, void* context, void* data) {
  (void)js_callback;
  (void)context;
  waiter* w = data;
  if (env == NULL) return; /* torn down: the cleanup hook frees the waits */
  environment* e = w->environment;
  napi_value callback, global, argument;
  enum result result = w->result;
  int have = napi_get_reference_value(env, w->callback, &callback) == napi_ok;
  pthread_mutex_lock(&lock);
  free_waiter(env, w);
  pthread_mutex_unlock(&lock);
  if (--e->pending == 0) napi_unref_threadsafe_function(env, e->deliver);
  if (have && napi_get_global(env, &global) == napi_ok && (argument = result_value(env, result)) != NULL)
    napi_call_function(env, global, callback, 1, &argument, NULL); /* a throw becomes an uncaught exception */
}

static napi_value wait_async(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  int32_t expected;
  double timeout;
  napi_valuetype type;
  environment* e = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) return throw_type(env, "waitAsync(view, index, expected, timeoutMs, callback) takes 5 arguments");
  int32_t* word = get_word(env, argv[0], argv[1]);
  if (word == NULL) return NULL;
  if (!get_int32(env, argv[2], &expected, "the expected value must be a number")) return NULL;
  if (napi_get_value_double(env, argv[3], &timeout) != napi_ok) return throw_type(env, "the timeout must be a number");
  if (napi_typeof(env, argv[4], &type) != napi_ok || type != napi_function) return throw_type(env, "the callback must be a function");
  CHECK(napi_get_instance_data(env, (void**)&e));
  waiter* w = calloc(1, sizeof *w);
  if (w == NULL) return throw_errno(env, ENOMEM, "waitAsync", NULL);
  w->word = word;
  w->expected = expected;
  w->environment = e;
  w->limited = timeout >= 0 && timeout < 1e15;
  if (w->limited) monotonic_after(&w->deadline, timeout);
  if (napi_create_reference(env, argv[0], 1, &w->view) != napi_ok || napi_create_reference(env, argv[4], 1, &w->callback) != napi_ok) {
    free(w);
    return throw_last(env);
  }
  pthread_mutex_lock(&lock);
  w->ticket = ++e->next_ticket;
  if (w->ticket == 0) w->ticket = ++e->next_ticket;
  w->next = e->waits;
  e->waits = w;
  int queued = 1;
  if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != expected) { /* decided now, delivered as any result */
    w->result = RESULT_NOT_EQUAL;
    w->done = 1;
    napi_call_threadsafe_function(e->deliver, w, napi_tsfn_nonblocking);
  } else {
    queued = enqueue(w);
  }
  uint32_t ticket = w->ticket;
  if (!queued) free_waiter(env, w);
  pthread_mutex_unlock(&lock);
  if (!queued) return throw_errno(env, EAGAIN, "pthread_create", NULL);
  if (e->pending++ == 0) napi_ref_threadsafe_function(env, e->deliver);
  napi_value value;
  CHECK(napi_create_uint32(env, ticket, &value));
  return value;
}

static napi_value cancel_wait(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  uint32_t ticket;
  environment* e = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &ticket) != napi_ok) return throw_type(env, "cancelWait(ticket) takes a ticket");
  CHECK(napi_get_instance_data(env, (void**)&e));
  pthread_mutex_lock(&lock);
  for (waiter* w = e->waits; w != NULL; w = w->next) {
    if (w->ticket == ticket) {
      if (!w->done) withdraw(w);
      break;
    }
  }
  pthread_mutex_unlock(&lock);
  return NULL;
}

/* A JS thread ends (a worker terminated, or the process exiting): its pending waits go. */
static void cleanup_environment(void* data) {
  environment* e = data;
  pthread_mutex_lock(&lock);
  while (e->waits != NULL) {
    waiter* w = e->waits;
    if (!w->done) {
      group* g = w->group;
      for (int i = 0; i < g->count; i++) {
        if (g->waits[i] == w) {
          g->waits[i] = g->waits[--g->count];
          break;
        }
      }
      interrupt(g);
      if (!supports_waitv()) futex(w->word, FUTEX_WAKE, INT_MAX, NULL);
    }
    e->waits = w->next;
    free(w); /* references die with the environment */
  }
  pthread_mutex_unlock(&lock);
  napi_release_threadsafe_function(e->deliver, napi_tsfn_abort);
}

static void free_environment(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* ---- Module ------------------------------------------------------------------ */

napi_value wait_readable(napi_env env, napi_callback_info info); /* readable.c */
napi_value read_into(napi_env env, napi_callback_info info);     /* readable.c */
napi_value write_from(napi_env env, napi_callback_info info);    /* readable.c */
napi_value read_waiting(napi_env env, napi_callback_info info);  /* readable.c */
napi_value set_scratch(napi_env env, napi_callback_info info);   /* readable.c */
napi_value read_waiting_scratch(napi_env env, napi_callback_info info); /* readable.c */
napi_value dup_descriptor(napi_env env, napi_callback_info info); /* readable.c */
napi_value send_descriptors(napi_env env, napi_callback_info info);    /* descriptors.c */
napi_value receive_descriptors(napi_env env, napi_callback_info info); /* descriptors.c */

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
    {"create", NULL, create, NULL, NULL, NULL, napi_enumerable, NULL},
    {"attach", NULL, attach, NULL, NULL, NULL, napi_enumerable, NULL},
    {"unlink", NULL, unlink_name, NULL, NULL, NULL, napi_enumerable, NULL},
    {"close", NULL, close_buffer, NULL, NULL, NULL, napi_enumerable, NULL},
    {"wait", NULL, wait, NULL, NULL, NULL, napi_enumerable, NULL},
    {"wake", NULL, wake, NULL, NULL, NULL, napi_enumerable, NULL},
    {"waitAsync", NULL, wait_async, NULL, NULL, NULL, napi_enumerable, NULL},
    {"cancelWait", NULL, cancel_wait, NULL, NULL, NULL, napi_enumerable, NULL},
    {"waitReadable", NULL, wait_readable, NULL, NULL, NULL, napi_enumerable, NULL},
    {"readInto", NULL, read_into, NULL, NULL, NULL, napi_enumerable, NULL},
    {"writeFrom", NULL, write_from, NULL, NULL, NULL, napi_enumerable, NULL},
    {"readWaiting", NULL, read_waiting, NULL, NULL, NULL, napi_enumerable, NULL},
    {"setScratch", NULL, set_scratch, NULL, NULL, NULL, napi_enumerable, NULL},
    {"readWaitingScratch", NULL, read_waiting_scratch, NULL, NULL, NULL, napi_enumerable, NULL},
    {"dup", NULL, dup_descriptor, NULL, NULL, NULL, napi_enumerable, NULL},
    {"sendDescriptors", NULL, send_descriptors, NULL, NULL, NULL, napi_enumerable, NULL},
    {"receiveDescriptors", NULL, receive_descriptors, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  environment* e = calloc(1, sizeof *e);
  napi_value name;
  if (e == NULL) return throw_errno(env, ENOMEM, "init", NULL);
  CHECK(napi_create_string_utf8(env, "effect-multiprocessing shm waitAsync", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, NULL, NULL, NULL, deliver, &e->deliver));
  CHECK(napi_unref_threadsafe_function(env, e->deliver)); /* ref'd only while waits are pending */
  CHECK(napi_set_instance_data(env, e, free_environment, NULL));
  CHECK(napi_add_env_cleanup_hook(env, cleanup_environment, e));
  CHECK(napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
