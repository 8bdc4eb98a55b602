/* The kernel's share of a ping-pong wait, in C (two processes, a socketpair, 20-byte messages):
 * cc -O2 -o /tmp/wait-kinds scratchpad/wait-kinds.c && /tmp/wait-kinds MODE 50000
 * MODE 0 blocking read (Python's); 1 ppoll(socket) then read; 2 ppoll(socket, an epoll set holding it) then read;
 * 3 as 2, header and body read apart; 4 the socket made blocking (fcntl) around the read, SO_RCVTIMEO set once;
 * 6 as 4 with F_GETFL and SO_RCVTIMEO each time. Prints CPU (user+system) and system time per round trip, each end. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <poll.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <string.h>
/* mode 0: blocking read; 1: nonblock ppoll(sock) then read; 2: ppoll(sock, epfd(sock registered)); 3: as 2 but header+body reads */
static int mode;
static void waitread(int fd, int ep, char *buf, int n) {
  if (mode == 6) { int fl = fcntl(fd, F_GETFL); struct timeval tv = {0, 1000}; setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK); int r = read(fd, buf, n); fcntl(fd, F_SETFL, fl); if (r == n) return; if (r < 0) { waitread(fd, ep, buf, n); return; } exit(7); }
  if (mode == 4 || mode == 5) { static int fl = -1; if (fl < 0) { fl = fcntl(fd, F_GETFL); struct timeval tv = {0, 1000}; setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv); }
    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    if (mode == 5) { int r = read(fd, buf, 4); if (r == 4) r = read(fd, buf + 4, n - 4) + 4; fcntl(fd, F_SETFL, fl); if (r == n) return; exit(5); }
    int r = read(fd, buf, n); fcntl(fd, F_SETFL, fl); if (r == n) return; if (r < 0) { waitread(fd, ep, buf, n); return; } exit(6); }
  if (mode == 0) { int got = 0; while (got < n) { int r = read(fd, buf + got, n - got); if (r <= 0) exit(1); got += r; } return; }
  for (;;) {
    struct timespec lim = {0, 1000000};
    struct pollfd p[2] = {{fd, POLLIN, 0}, {ep, POLLIN, 0}};
    ppoll(p, mode >= 2 ? 2 : 1, &lim, NULL);
    if (mode == 3) { int r = read(fd, buf, 4); if (r == 4) { r = read(fd, buf + 4, n - 4); if (r == n - 4) return; exit(2);} if (r < 0) continue; exit(3); }
    int r = read(fd, buf, n); if (r == n) return; if (r < 0) continue; exit(4);
  }
}
static double cpu() { struct rusage u; getrusage(RUSAGE_SELF, &u); return u.ru_utime.tv_sec*1e6+u.ru_utime.tv_usec + u.ru_stime.tv_sec*1e6+u.ru_stime.tv_usec; }
static double sys_() { struct rusage u; getrusage(RUSAGE_SELF, &u); return u.ru_stime.tv_sec*1e6+u.ru_stime.tv_usec; }
int main(int argc, char **argv) {
  mode = atoi(argv[1]); int N = atoi(argv[2]);
  int sv[2]; socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  char buf[64]; memset(buf, 1, 64);
  pid_t pid = fork();
  int fd = pid == 0 ? sv[1] : sv[0]; close(pid == 0 ? sv[0] : sv[1]);
  if (mode) fcntl(fd, F_SETFL, O_NONBLOCK);
  int ep = epoll_create1(0); struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd}; epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  if (pid == 0) { for (int i = 0; i < N + 1000; i++) { waitread(fd, ep, buf, 20); write(fd, buf, 20); } double c = cpu(), s = sys_(); printf("child cpu %.2f sys %.2f us/rtt\n", c / (N+1000), s/(N+1000)); return 0; }
  for (int i = 0; i < 1000; i++) { write(fd, buf, 20); waitread(fd, ep, buf, 20); }
  struct timespec t0, t1; clock_gettime(CLOCK_MONOTONIC, &t0); double c0 = cpu(), s0 = sys_();
  for (int i = 0; i < N; i++) { write(fd, buf, 20); waitread(fd, ep, buf, 20); }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("mode %d wall %.2f us/rtt parent cpu %.2f sys %.2f\n", mode, ((t1.tv_sec-t0.tv_sec)*1e9+(t1.tv_nsec-t0.tv_nsec))/1e3/N, (cpu()-c0)/N, (sys_()-s0)/N);
  wait(NULL); return 0;
}
