/*
 * LD_PRELOAD shim that lets BlueZ's btvirt (5.66) run in a sandbox kernel.
 *
 * 1. btdev_create() calls bt_crypto_new(), which opens an AF_ALG socket for AES; kernels built
 *    without CONFIG_CRYPTO_USER_API (this VM: socket(AF_ALG) = EAFNOSUPPORT) make every virtual
 *    controller fail, and btvirt just closes the client connection. Scanning and advertising
 *    never use that AES, so socket(AF_ALG) becomes a harmless AF_UNIX socket and its bind()
 *    succeeds. (LE Encrypt and pairing would then misbehave; the BLE tests use neither.)
 * 2. btvirt's server sockets have fixed paths (/tmp/bt-server-*). When BTVIRT_SOCKET_DIR is
 *    set they are moved into that directory, so test runs do not collide.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef AF_ALG
#define AF_ALG 38
#endif

static const char FIXED_PREFIX[] = "/tmp/bt-server-";

/* Rewrites /tmp/bt-server-<x> to $BTVIRT_SOCKET_DIR/bt-server-<x>; returns 0 when unchanged. */
static int moved_path(const char *path, char *out, size_t size) {
  const char *dir = getenv("BTVIRT_SOCKET_DIR");
  if (!dir || strncmp(path, FIXED_PREFIX, sizeof(FIXED_PREFIX) - 1) != 0) return 0;
  int n = snprintf(out, size, "%s/%s", dir, path + strlen("/tmp/"));
  return n > 0 && (size_t)n < size;
}

int socket(int domain, int type, int protocol) {
  static int (*real_socket)(int, int, int);
  if (!real_socket) real_socket = (int (*)(int, int, int))dlsym(RTLD_NEXT, "socket");
  if (domain == AF_ALG) return real_socket(AF_UNIX, SOCK_SEQPACKET | (type & SOCK_CLOEXEC), 0);
  return real_socket(domain, type, protocol);
}

int bind(int fd, const struct sockaddr *addr, socklen_t len) {
  static int (*real_bind)(int, const struct sockaddr *, socklen_t);
  if (!real_bind) real_bind = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "bind");
  if (addr && addr->sa_family == AF_ALG) return 0;
  if (addr && addr->sa_family == AF_UNIX) {
    const struct sockaddr_un *un = (const struct sockaddr_un *)addr;
    struct sockaddr_un moved = *un;
    if (moved_path(un->sun_path, moved.sun_path, sizeof(moved.sun_path))) {
      return real_bind(fd, (const struct sockaddr *)&moved, sizeof(moved));
    }
  }
  return real_bind(fd, addr, len);
}

int unlink(const char *path) {
  static int (*real_unlink)(const char *);
  if (!real_unlink) real_unlink = (int (*)(const char *))dlsym(RTLD_NEXT, "unlink");
  char moved[sizeof(((struct sockaddr_un *)0)->sun_path)];
  if (moved_path(path, moved, sizeof(moved))) return real_unlink(moved);
  return real_unlink(path);
}
