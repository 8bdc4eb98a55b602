/*
 * Waiting in the kernel for a socket to become readable, the way a blocking
 * read waits (woken directly by the writer), without taking the thread from
 * the event loop: the wait also watches libuv's own descriptor (its epoll
 * set, which is pollable), so that any event the loop waits for ends it at
 * once, and it lasts no longer than the loop's next timer nor than a cap.
 * The caller then reads the socket itself (non-blocking) or goes back to
 * the loop. Part of the addon built from shm.c (its module registers it).
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <time.h>

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
