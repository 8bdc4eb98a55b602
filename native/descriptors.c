/*
 * Handing descriptors to a process that is already running: SCM_RIGHTS over
 * its control channel (a Unix socket pair), as Python's forkserver hands a
 * child its pipes. A ready process ("forkserver" start method) was spawned
 * before its start was asked for, so the Connection ends among its arguments
 * cannot be stdio of its spawn: the parent sends them after the Start message,
 * attached to one byte, and the child receives them before it revives its
 * arguments. Part of the addon built from shm.c (its module registers these).
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* At most this many descriptors in one start (a Start message naming more is refused by the parent). */
#define MAX_DESCRIPTORS 64

/* How long a send waits for room in the socket (the child reads its Start message meanwhile). */
#define SEND_PATIENCE_MS 30000

static napi_value int_value(napi_env env, int value) {
  napi_value result;
  if (napi_create_int32(env, value, &result) != napi_ok) return NULL;
  return result;
}

/*
 * sendDescriptors(socket, [fd, …]): one byte on `socket` carrying those
 * descriptors (SCM_RIGHTS); 0, or -errno. The socket may be non-blocking (the
 * parent's end, libuv's): a full buffer is waited out with poll, up to
 * SEND_PATIENCE_MS.
 */
napi_value send_descriptors(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t socket_fd;
  uint32_t count = 0;
  bool is_array = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &socket_fd) != napi_ok || socket_fd < 0 ||
      napi_is_array(env, argv[1], &is_array) != napi_ok || !is_array ||
      napi_get_array_length(env, argv[1], &count) != napi_ok || count == 0 || count > MAX_DESCRIPTORS) {
    napi_throw_type_error(env, NULL, "sendDescriptors(socket, fds): a descriptor and 1 to 64 descriptors to send");
    return NULL;
  }
  int fds[MAX_DESCRIPTORS];
  for (uint32_t i = 0; i < count; i++) {
    napi_value element;
    if (napi_get_element(env, argv[1], i, &element) != napi_ok || napi_get_value_int32(env, element, &fds[i]) != napi_ok || fds[i] < 0) {
      napi_throw_type_error(env, NULL, "sendDescriptors(socket, fds): every fd a descriptor");
      return NULL;
    }
  }
  char byte = 'D';
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buffer[CMSG_SPACE(sizeof(int) * MAX_DESCRIPTORS)];
    struct cmsghdr align;
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr message = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buffer,
                           .msg_controllen = CMSG_SPACE(sizeof(int) * count)};
  struct cmsghdr* header = CMSG_FIRSTHDR(&message);
  header->cmsg_level = SOL_SOCKET;
  header->cmsg_type = SCM_RIGHTS;
  header->cmsg_len = CMSG_LEN(sizeof(int) * count);
  memcpy(CMSG_DATA(header), fds, sizeof(int) * count);
  for (;;) {
    ssize_t sent = sendmsg(socket_fd, &message, MSG_NOSIGNAL);
    if (sent == 1) return int_value(env, 0);
    if (sent < 0 && errno == EINTR) continue;
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct pollfd watched = {.fd = socket_fd, .events = POLLOUT};
      int ready = poll(&watched, 1, SEND_PATIENCE_MS);
      if (ready > 0 || (ready < 0 && errno == EINTR)) continue;
      return int_value(env, ready == 0 ? -ETIMEDOUT : -errno);
    }
    return int_value(env, sent < 0 ? -errno : -EIO);
  }
}

/*
 * receiveDescriptors(socket, count): blocks until the byte that carries them
 * arrives on `socket`, and returns the descriptors (close-on-exec), in the
 * order sent; -errno on failure (-EPIPE at end of file: the parent is gone,
 * -EBADMSG when the byte came without exactly `count` of them).
 */
napi_value receive_descriptors(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t socket_fd, count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      napi_get_value_int32(env, argv[0], &socket_fd) != napi_ok || socket_fd < 0 ||
      napi_get_value_int32(env, argv[1], &count) != napi_ok || count < 1 || count > MAX_DESCRIPTORS) {
    napi_throw_type_error(env, NULL, "receiveDescriptors(socket, count): a descriptor and 1 to 64");
    return NULL;
  }
  char byte;
  struct iovec iov = {.iov_base = &byte, .iov_len = 1};
  union {
    char buffer[CMSG_SPACE(sizeof(int) * MAX_DESCRIPTORS)];
    struct cmsghdr align;
  } control;
  struct msghdr message;
  ssize_t received;
  for (;;) {
    memset(&message, 0, sizeof message);
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control.buffer;
    message.msg_controllen = sizeof control.buffer;
    received = recvmsg(socket_fd, &message, MSG_CMSG_CLOEXEC);
    if (received >= 0) break;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      struct pollfd watched = {.fd = socket_fd, .events = POLLIN};
      if (poll(&watched, 1, -1) >= 0 || errno == EINTR) continue; /* the parent's end closing ends it too */
    }
    return int_value(env, -errno);
  }
  if (received == 0) return int_value(env, -EPIPE);
  int got = 0;
  int fds[MAX_DESCRIPTORS];
  for (struct cmsghdr* header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header)) {
    if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS) continue;
    int n = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < n; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(header) + i * sizeof(int), sizeof fd);
      if (got < MAX_DESCRIPTORS) fds[got++] = fd;
      else close(fd);
    }
  }
  if (got != count || (message.msg_flags & MSG_CTRUNC) != 0) {
    for (int i = 0; i < got; i++) close(fds[i]);
    return int_value(env, -EBADMSG);
  }
  napi_value result;
  if (napi_create_array_with_length(env, (size_t)got, &result) != napi_ok) return NULL;
  for (int i = 0; i < got; i++) {
    if (napi_set_element(env, result, (uint32_t)i, int_value(env, fds[i])) != napi_ok) return NULL;
  }
  return result;
}
