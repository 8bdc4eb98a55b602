/*
 * Waiting in the kernel for a socket to become readable, the way a blocking
 * read waits (woken directly by the writer), without taking the thread from
 * the event loop: the wait also watches libuv's own descriptor (its epoll
 * set, which is pollable), so that any event the loop waits for ends it at
 * once, and it lasts no longer than the loop's next timer nor than a cap.
 * The caller then reads the socket itself (non-blocking, readInto) or goes
 * back to the loop; a sender writes with writeFrom. Part of the addon built from shm.c (its module
 * registers these).
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* What ended a wait: the numbers waitReadable returns. */
enum { ENDED_CAP = 0, ENDED_READABLE = 1, ENDED_LOOP = 2 };

static napi_value number(napi_env env, int value) {
  napi_value result;
  if (napi_create_int32(env, value, &result) != napi_ok) return NULL;
  return result;
}

/*
 * waitReadable(fd, capMicros): 1 when `fd` is readable (or at its end, or
 * failed: a read tells which), 2 when the event loop has something to do
 * (an event on its descriptors, a timer due, immediates or other work
 * pending, a signal), 0 when capMicros passed with neither.
 */
napi_value wait_readable(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  double cap;
  uv_loop_t* loop;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_double(env, argv[1], &cap) != napi_ok ||
      fd < 0 || !(cap >= 0)) {
    napi_throw_type_error(env, NULL, "waitReadable(fd, capMicros): a descriptor and a non-negative number of microseconds");
    return NULL;
  }
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return number(env, ENDED_LOOP);
  /* The loop's clock is the start of this turn's; its next timer is reckoned from now. 0: work is
     pending, and the descriptor is only looked at. */
  uv_update_time(loop);
  int due = uv_backend_timeout(loop);
  /* A loop with nothing alive (no ref'd handle nor request: an idle connection is unref'd) gives 0,
     though it has nothing to do: the wait then lasts its cap, so the caller need not ref the socket
     around every wait. */
  if (due == 0 && !uv_loop_alive(loop)) due = -1;
  int64_t ns = due == 0 ? 0 : (int64_t)(cap * 1000);
  int timer_first = due >= 0 && (int64_t)due * 1000000 <= ns;
  if (timer_first) ns = (int64_t)due * 1000000;
  struct timespec limit = {.tv_sec = (time_t)(ns / 1000000000), .tv_nsec = (long)(ns % 1000000000)};
  struct pollfd watched[2] = {{.fd = fd, .events = POLLIN}, {.fd = uv_backend_fd(loop), .events = POLLIN}};
  int ready = ppoll(watched, watched[1].fd >= 0 ? 2 : 1, &limit, NULL);
  if (ready > 0 && watched[0].revents != 0) return number(env, ENDED_READABLE);
  if (ready == 0 && !timer_first) return number(env, ENDED_CAP);
  return number(env, ENDED_LOOP); /* the loop's descriptor, its timer, or a signal (EINTR) */
}

/*
 * The bytes of argv[1] (any TypedArray or DataView) for readInto/writeFrom, narrowed to
 * [offset, offset + length) when argv[2] and argv[3] give them (clamped to the view): the
 * callers pass a range instead of making a subarray per call. False (a TypeError thrown)
 * for anything else.
 */
static bool view_range(napi_env env, size_t argc, napi_value* argv, const char* usage, void** data, size_t* length) {
  napi_typedarray_type type;
  size_t elements;
  napi_value buffer;
  size_t offset;
  bool is_typedarray = false, is_dataview = false;
  napi_is_typedarray(env, argv[1], &is_typedarray);
  if (is_typedarray) {
    if (napi_get_typedarray_info(env, argv[1], &type, &elements, data, &buffer, &offset) != napi_ok) return false;
    size_t size = type == napi_int8_array || type == napi_uint8_array || type == napi_uint8_clamped_array ? 1
      : type == napi_int16_array || type == napi_uint16_array ? 2
      : type == napi_int32_array || type == napi_uint32_array || type == napi_float32_array ? 4 : 8;
    *length = elements * size;
  } else {
    napi_is_dataview(env, argv[1], &is_dataview);
    if (!is_dataview || napi_get_dataview_info(env, argv[1], length, data, &buffer, &offset) != napi_ok) {
      napi_throw_type_error(env, NULL, usage);
      return false;
    }
  }
  if (argc >= 4) {
    double from, count;
    if (napi_get_value_double(env, argv[2], &from) != napi_ok || napi_get_value_double(env, argv[3], &count) != napi_ok ||
        !(from >= 0) || !(count >= 0)) {
      napi_throw_type_error(env, NULL, usage);
      return false;
    }
    size_t start = from > (double)*length ? *length : (size_t)from;
    size_t left = *length - start;
    *data = (char*)*data + start;
    *length = count > (double)left ? left : (size_t)count;
  }
  return true;
}

/*
 * One non-blocking read(2) or write(2) for readInto and writeFrom, which take the same
 * arguments: the descriptor, the view and the byte range in it.
 */
static napi_value transfer(napi_env env, napi_callback_info info, const char* usage, bool writing) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd;
  void* data = NULL;
  size_t length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  if (!view_range(env, argc, argv, usage, &data, &length)) return NULL;
  ssize_t count;
  do count = writing ? write(fd, data, length) : read(fd, data, length);
  while (count < 0 && errno == EINTR);
  if (count >= 0) return number(env, (int)(count > INT32_MAX ? INT32_MAX : count));
  return number(env, errno == EAGAIN || errno == EWOULDBLOCK ? -1 : -2);
}

/*
 * readInto(fd, view[, offset, length]): one non-blocking read(2) into the bytes of `view`
 * (any TypedArray or DataView), or into its [offset, offset + length) bytes: the count, 0 at
 * end of file, -1 when nothing is there yet (EAGAIN), -2 on another error (Node's own next
 * read reports it). fs.readSync throws for EAGAIN, which costs more than the read.
 */
napi_value read_into(napi_env env, napi_callback_info info) {
  return transfer(env, info, "readInto(fd, view[, offset, length]): a descriptor, a TypedArray or DataView, and a byte range in it", false);
}

/*
 * writeFrom(fd, view[, offset, length]): one non-blocking write(2) of those bytes: the count
 * written, -1 when the socket's buffer is full (EAGAIN), -2 on another error (Node's own next
 * write reports it). fs.writeSync validates its arguments and makes a context object per call,
 * and throws for EAGAIN.
 */
napi_value write_from(napi_env env, napi_callback_info info) {
  return transfer(env, info, "writeFrom(fd, view[, offset, length]): a descriptor, a TypedArray or DataView, and a byte range in it", true);
}

/* What readWaiting returns besides a count (>= 0; 0 at the end of the stream). */
enum { WAITED_CAP = -1, WAITED_ERROR = -2, WAITED_LOOP = -3, WAITED_UNBOUNDED = -4 };

/* How long a send may block on a descriptor left blocking by a holder that died in its wait. */
#define SEND_BOUND_MICROS 10000

/*
 * A socket's receive timeout counts in the kernel's ticks (4 ms at HZ=250): a loop timer due
 * sooner than this is waited for with ppoll instead, which is exact.
 */
#define TICK_SAFE_MS 10

/* One non-blocking read: the count, or `nothing` when there is nothing yet. */
static int read_now(int fd, void* data, size_t length, int nothing) {
  ssize_t count;
  do count = read(fd, data, length);
  while (count < 0 && errno == EINTR);
  if (count >= 0) return (int)(count > INT32_MAX ? INT32_MAX : count);
  return errno == EAGAIN || errno == EWOULDBLOCK ? nothing : WAITED_ERROR;
}

/*
 * The scratch buffer of this thread (each JavaScript thread has its own: thread-local), that
 * readWaitingScratch reads into; held by a reference, so that it outlives every read.
 */
static __thread char* scratch_data = NULL;
static __thread size_t scratch_length = 0;
static __thread napi_ref scratch_ref = NULL;

/* Big-endian int32 at `bytes`: a frame's header. */
static int32_t frame_length(const char* bytes) {
  const unsigned char* b = (const unsigned char*)bytes;
  return (int32_t)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | (uint32_t)b[3]);
}

/*
 * After a read of `count` bytes into `data`, exact: when they are a whole header of a length from
 * 1 to `body_limit`, a second read of the body (never past it), made the way the first was (the
 * descriptor blocking or not as it is now): the total count.
 */
static int with_body(int fd, char* data, int count, size_t body_limit) {
  if (count != 4) return count;
  int32_t length = frame_length(data);
  if (length <= 0 || (size_t)length > body_limit) return count;
  ssize_t more;
  do more = read(fd, data + 4, (size_t)length);
  while (more < 0 && errno == EINTR);
  return more > 0 ? count + (int)more : count;
}

/*
 * One waiting read (see readWaiting below) of at most `length` bytes into `data`; `exact`: the
 * header (4 bytes) only, then the body when its length is at most body_limit (see with_body).
 */
static int waiting_read(napi_env env, int fd, char* data, size_t length, double cap, int32_t set, bool exact, size_t body_limit) {
  size_t first = exact && length > 4 ? 4 : length;
  if (!exact) body_limit = 0;
  if (set >= 1) {
    if (set >= 2) {
      struct timeval send_bound = {.tv_sec = SEND_BOUND_MICROS / 1000000, .tv_usec = SEND_BOUND_MICROS % 1000000};
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_bound, sizeof send_bound);
    }
    /* Whole microseconds, at least one (a zero timeout is none at all). */
    int64_t micros = cap < 1 ? 1 : (int64_t)cap;
    struct timeval bound = {.tv_sec = (time_t)(micros / 1000000), .tv_usec = (suseconds_t)(micros % 1000000)};
    if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound) != 0) return WAITED_UNBOUNDED;
  }
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return WAITED_ERROR;
  uv_update_time(loop);
  int due = uv_backend_timeout(loop);
  /* As in waitReadable: a loop with nothing alive gives 0 though it has nothing to do. */
  if (due == 0 && !uv_loop_alive(loop)) due = -1;
  /* Work is pending (or nothing to read into): only look. */
  if (due == 0 || length == 0 || cap < 1) {
    int count = read_now(fd, data, first, WAITED_LOOP);
    return body_limit > 0 ? with_body(fd, data, count, body_limit) : count;
  }
  if (due < 0 || due >= TICK_SAFE_MS) {
    int blocking = 0, nonblocking = 1;
    if (ioctl(fd, FIONBIO, &blocking) != 0) return WAITED_ERROR;
    ssize_t count = read(fd, data, first);
    int error = errno;
    if (count == 4 && body_limit > 0) count = with_body(fd, data, (int)count, body_limit);
    ioctl(fd, FIONBIO, &nonblocking);
    if (count >= 0) return (int)(count > INT32_MAX ? INT32_MAX : count);
    /* The timeout fails the read with EAGAIN; a signal with EINTR (a timed socket read is never restarted). */
    if (error == EAGAIN || error == EWOULDBLOCK) return WAITED_CAP;
    return error == EINTR ? WAITED_LOOP : WAITED_ERROR;
  }
  int64_t ns = (int64_t)(cap * 1000);
  int timer_first = due >= 0 && (int64_t)due * 1000000 <= ns;
  if (timer_first) ns = (int64_t)due * 1000000;
  struct timespec limit = {.tv_sec = (time_t)(ns / 1000000000), .tv_nsec = (long)(ns % 1000000000)};
  struct pollfd watched[2] = {{.fd = fd, .events = POLLIN}, {.fd = uv_backend_fd(loop), .events = POLLIN}};
  int ready = ppoll(watched, watched[1].fd >= 0 ? 2 : 1, &limit, NULL);
  if (ready > 0 && watched[0].revents != 0) {
    int count = read_now(fd, data, first, WAITED_LOOP);
    return body_limit > 0 ? with_body(fd, data, count, body_limit) : count;
  }
  return ready == 0 && !timer_first ? WAITED_CAP : WAITED_LOOP;
}

/*
 * readWaiting(fd, view, offset, length, capMicros[, set]): one read(2) of at most `length`
 * bytes into `view` from `offset`, waiting for them as a blocking read waits (woken directly by
 * the writer, no poll first) no longer than about capMicros nor the event loop's next timer: the
 * count read (0 at the end of the stream), -1 when the cap passed with nothing, -3 when the loop
 * has something to do (a timer due, work pending: then nothing is waited for, only read; or a
 * signal came), -2 on another error (Node's own next read reports it), -4 when the descriptor
 * takes no receive timeout (not a socket): nothing was read, and it must be waited for otherwise.
 *
 * A socket's descriptor is non-blocking (libuv's): the read is bounded with SO_RCVTIMEO, and the
 * descriptor is made blocking for the read only (FIONBIO, which touches that flag alone) and
 * non-blocking again before this returns. Unlike waitReadable, an event on the loop's other
 * descriptors does not end the wait: it waits for the bytes, the bound or a signal, as CPython's
 * blocking recv does, and costs the kernel half of what a poll and a read cost. The bound counts
 * in the kernel's ticks: capMicros is rounded up to one (4 ms at HZ=250); a timer due within
 * TICK_SAFE_MS is waited for as waitReadable waits (ppoll, exact), then read.
 *
 * `set` says which bounds to set first, whatever way the wait then takes: 0 none (the receive
 * timeout is capMicros already, as the last call on this descriptor set it: the caller must know,
 * since a socket without one would block for good), 1 the receive timeout, 2 that and the send
 * timeout (the first call on a descriptor). The non-blocking flag belongs to the open file, which every process
 * holding a copy of the descriptor shares: the send timeout bounds the writes of the others should
 * this holder be killed inside its read, which leaves the file blocking, and the receive timeout,
 * which stays set, bounds their reads likewise.
 */
napi_value read_waiting(napi_env env, napi_callback_info info) {
  static const char* usage = "readWaiting(fd, view, offset, length, capMicros[, set]): a descriptor, a TypedArray or DataView, a byte range in it, a non-negative number of microseconds and 0, 1 or 2";
  size_t argc = 6;
  napi_value argv[6];
  int32_t fd;
  double cap;
  void* data = NULL;
  size_t length = 0;
  int32_t set = 1;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 5 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_get_value_double(env, argv[4], &cap) != napi_ok || !(cap >= 0)) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  if (argc >= 6 && napi_get_value_int32(env, argv[5], &set) != napi_ok) set = 2;
  if (!view_range(env, 4, argv, usage, &data, &length)) return NULL;
  return number(env, waiting_read(env, fd, data, length, cap, set, false, 0));
}

/*
 * setScratch(view): the buffer readWaitingScratch reads into, for this thread (held until it ends).
 */
napi_value set_scratch(napi_env env, napi_callback_info info) {
  static const char* usage = "setScratch(view): a TypedArray or DataView";
  size_t argc = 1;
  napi_value argv[2];
  void* data = NULL;
  size_t length = 0;
  if (napi_get_cb_info(env, info, &argc, argv + 1, NULL, NULL) != napi_ok || argc < 1) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  if (!view_range(env, 2, argv, usage, &data, &length)) return NULL;
  napi_ref ref;
  if (napi_create_reference(env, argv[1], 1, &ref) != napi_ok) return NULL;
  if (scratch_ref != NULL) napi_delete_reference(env, scratch_ref);
  scratch_ref = ref;
  scratch_data = data;
  scratch_length = length;
  return NULL;
}

/*
 * readWaitingScratch(fd, capMicros, set, exactLimit): readWaiting into this thread's scratch buffer
 * (setScratch; -2 without one), with numbers for arguments only (a typed array costs N-API more
 * than the read's system call). exactLimit -1: one read of as much as the scratch holds; 0 or
 * more, an exact read for a descriptor other processes hold too: the header, then, in the same call, the
 * body when its length is at most exactLimit (and fits the scratch), never a byte past it; the
 * count read is the caller's to frame (fewer than 4 bytes, or only the header, when the rest
 * was not there or may not be read here).
 */
napi_value read_waiting_scratch(napi_env env, napi_callback_info info) {
  static const char* usage = "readWaitingScratch(fd, capMicros, set, exactLimit): a descriptor, a non-negative number of microseconds, 0, 1 or 2, and a number of bytes (-1: not exact)";
  size_t argc = 4;
  napi_value argv[4];
  int32_t fd, set;
  double cap, limit;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 4 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_get_value_double(env, argv[1], &cap) != napi_ok || !(cap >= 0) ||
      napi_get_value_int32(env, argv[2], &set) != napi_ok ||
      napi_get_value_double(env, argv[3], &limit) != napi_ok || !(limit >= -1)) {
    napi_throw_type_error(env, NULL, usage);
    return NULL;
  }
  if (scratch_data == NULL || scratch_length < 4) return number(env, WAITED_ERROR);
  size_t body_limit = limit > (double)(scratch_length - 4) ? scratch_length - 4 : limit > 0 ? (size_t)limit : 0;
  return number(env, waiting_read(env, fd, scratch_data, scratch_length, cap, set, limit >= 0, body_limit));
}

/*
 * dup(fd): a second descriptor for the same open socket, close-on-exec: the
 * number, or -errno. A worker thread shares this process's descriptors, so a
 * Connection end handed to one gets its own copy: the parent closing its end
 * (or the thread closing the copy) leaves the other working, as with a child
 * process.
 */
napi_value dup_descriptor(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "dup(fd): a descriptor");
    return NULL;
  }
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  return number(env, copy >= 0 ? copy : -errno);
}
