/*
 * carbond's only native code (ADR 0012): what a root daemon on a shared box needs from the
 * kernel and Node.js does not expose.
 *
 *   peerCred(fd)              -> { pid, uid, gid } of the process at the other end of a
 *                                Unix socket (SO_PEERCRED): who is calling, as the kernel
 *                                saw it at connect(2). Nothing the client sends can change it.
 *   userById(uid)             -> { name, uid, gid, home, shell, groups } from the user
 *                                database (getpwuid_r + getgrouplist), or null.
 *   openBeneath(base, rel, f) -> a file descriptor for base/rel opened with flags f, where no
 *                                component of rel may be a symbolic link (each is opened with
 *                                openat(O_NOFOLLOW)), "." and ".." are refused, and base is
 *                                trusted. Root reads a user's files through this only.
 *
 * Plain C on Node-API (node_api.h, ABI-stable), built by scripts/build-native.js with the
 * system C compiler: no node-gyp, no download.
 */
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#define CHECK(call)                                                          \
  do {                                                                       \
    if ((call) != napi_ok) {                                                 \
      napi_throw_error(env, "E_NATIVE", "carbond native: N-API call failed"); \
      return NULL;                                                           \
    }                                                                        \
  } while (0)

static const char *errno_code(int err) {
  switch (err) {
    case ENOENT: return "ENOENT";
    case ELOOP: return "ELOOP";
    case ENOTDIR: return "ENOTDIR";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case EINVAL: return "EINVAL";
    case ENXIO: return "ENXIO";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case EISDIR: return "EISDIR";
    case ENOMEM: return "ENOMEM";
    default: return "EIO";
  }
}

static napi_value throw_errno(napi_env env, int err, const char *what) {
  char msg[512];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, errno_code(err), msg);
  return NULL;
}

static int get_int_arg(napi_env env, napi_callback_info info, size_t want, napi_value *argv, size_t *argc) {
  *argc = want;
  if (napi_get_cb_info(env, info, argc, argv, NULL, NULL) != napi_ok || *argc < want) return -1;
  return 0;
}

static napi_value set_int(napi_env env, napi_value obj, const char *key, int64_t v) {
  napi_value n;
  if (napi_create_int64(env, v, &n) != napi_ok || napi_set_named_property(env, obj, key, n) != napi_ok) return NULL;
  return obj;
}

static napi_value set_str(napi_env env, napi_value obj, const char *key, const char *s) {
  napi_value v;
  if (napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &v) != napi_ok || napi_set_named_property(env, obj, key, v) != napi_ok) return NULL;
  return obj;
}

/* peerCred(fd: number): { pid, uid, gid } */
static napi_value peer_cred(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  int32_t fd;
  if (get_int_arg(env, info, 1, argv, &argc) != 0 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "peerCred(fd): fd must be a number");
    return NULL;
  }
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) return throw_errno(env, errno, "getsockopt(SO_PEERCRED)");
  if (len != sizeof cred) return throw_errno(env, EINVAL, "getsockopt(SO_PEERCRED)");
  napi_value out;
  CHECK(napi_create_object(env, &out));
  if (!set_int(env, out, "pid", cred.pid) || !set_int(env, out, "uid", cred.uid) || !set_int(env, out, "gid", cred.gid)) return NULL;
  return out;
}

/* userById(uid: number): { name, uid, gid, home, shell, groups: number[] } | null */
static napi_value user_by_id(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  size_t argc;
  int64_t uid64;
  if (get_int_arg(env, info, 1, argv, &argc) != 0 || napi_get_value_int64(env, argv[0], &uid64) != napi_ok || uid64 < 0 || uid64 > 0xfffffffeLL) {
    napi_throw_type_error(env, "EINVAL", "userById(uid): uid must be a number in [0, 2^32-2]");
    return NULL;
  }
  long bufsize = sysconf(_SC_GETPW_R_SIZE_MAX);
  if (bufsize < 16384) bufsize = 16384;
  char *buf = malloc((size_t)bufsize);
  if (!buf) return throw_errno(env, ENOMEM, "userById");
  struct passwd pw, *found = NULL;
  int rc = getpwuid_r((uid_t)uid64, &pw, buf, (size_t)bufsize, &found);
  if (rc != 0 || found == NULL) {
    free(buf);
    if (rc != 0 && rc != ENOENT && rc != ESRCH && rc != EBADF && rc != EPERM) return throw_errno(env, rc, "getpwuid_r");
    napi_value nul;
    CHECK(napi_get_null(env, &nul));
    return nul;
  }
  int ngroups = 64;
  gid_t *groups = NULL;
  for (int tries = 0; tries < 8; tries++) {
    gid_t *next = realloc(groups, sizeof(gid_t) * (size_t)ngroups);
    if (!next) { free(groups); free(buf); return throw_errno(env, ENOMEM, "getgrouplist"); }
    groups = next;
    int n = ngroups;
    if (getgrouplist(pw.pw_name, pw.pw_gid, groups, &n) >= 0) { ngroups = n; break; }
    ngroups = n > ngroups ? n : ngroups * 2;
    if (tries == 7) ngroups = 0;
  }
  napi_value out, list;
  if (napi_create_object(env, &out) != napi_ok || napi_create_array_with_length(env, (size_t)ngroups, &list) != napi_ok) {
    free(groups); free(buf);
    napi_throw_error(env, "E_NATIVE", "carbond native: N-API call failed");
    return NULL;
  }
  int ok = set_str(env, out, "name", pw.pw_name) && set_int(env, out, "uid", pw.pw_uid) && set_int(env, out, "gid", pw.pw_gid)
    && set_str(env, out, "home", pw.pw_dir) && set_str(env, out, "shell", pw.pw_shell);
  for (int i = 0; ok && i < ngroups; i++) {
    napi_value g;
    ok = napi_create_int64(env, groups[i], &g) == napi_ok && napi_set_element(env, list, (uint32_t)i, g) == napi_ok;
  }
  free(groups);
  free(buf);
  if (!ok || napi_set_named_property(env, out, "groups", list) != napi_ok) return NULL;
  return out;
}

static int get_string(napi_env env, napi_value v, char *out, size_t cap) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok || len + 1 > cap) return -1;
  if (napi_get_value_string_utf8(env, v, out, cap, &len) != napi_ok) return -1;
  return strlen(out) == len ? 0 : -1; /* no NUL inside */
}

/* openBeneath(base: string, rel: string, flags: number): fd */
static napi_value open_beneath(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  size_t argc;
  char base[4096], rel[4096];
  int32_t flags;
  if (get_int_arg(env, info, 3, argv, &argc) != 0 || get_string(env, argv[0], base, sizeof base) != 0
      || get_string(env, argv[1], rel, sizeof rel) != 0 || napi_get_value_int32(env, argv[2], &flags) != napi_ok) {
    napi_throw_type_error(env, "EINVAL", "openBeneath(base, rel, flags): strings without NUL under 4096 bytes and a number");
    return NULL;
  }
  if (flags & (O_CREAT | O_TRUNC)) return throw_errno(env, EINVAL, "openBeneath: creating or truncating is not allowed");
  int dir = open(base, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return throw_errno(env, errno, base);
  char *save = NULL;
  char *part = strtok_r(rel, "/", &save);
  if (part == NULL) { close(dir); return throw_errno(env, EINVAL, "openBeneath: empty relative path"); }
  while (part != NULL) {
    char *next = strtok_r(NULL, "/", &save);
    if (strcmp(part, ".") == 0 || strcmp(part, "..") == 0) { close(dir); return throw_errno(env, EINVAL, "openBeneath: '.' or '..' in path"); }
    int fl = next == NULL ? (flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY) : (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int fd = openat(dir, part, fl);
    int err = errno;
    close(dir);
    if (fd < 0) return throw_errno(env, err, part);
    dir = fd;
    part = next;
  }
  napi_value out;
  CHECK(napi_create_int32(env, dir, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "peerCred", NULL, peer_cred, NULL, NULL, NULL, napi_enumerable, NULL },
    { "userById", NULL, user_by_id, NULL, NULL, NULL, napi_enumerable, NULL },
    { "openBeneath", NULL, open_beneath, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(carbond_native, init)
