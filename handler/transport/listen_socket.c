/*
 * listen_socket.c — opening or inheriting the FastCGI listening socket.
 *
 * Inheriting follows sd_listen_fds(3) without linking libsystemd (one less
 * dependency for hosts without systemd): the variables are checked against
 * our pid and then removed, so nothing this process starts takes them too.
 */
#include "transport/listen_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "inngest.h"

#define BACKLOG 1024

static int open_unix(const char *path, char *err, size_t err_size)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path)) {
        snprintf(err, err_size, "unix socket path too long: %s", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "socket: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
        unlink(path); /* a socket left by a previous run */
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, BACKLOG) < 0) {
        snprintf(err, err_size, "cannot listen on unix:%s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    /* nginx's workers run as another user; the group decides who may connect */
    chmod(path, 0660);
    return fd;
}

static int open_inet(const char *spec, char *err, size_t err_size)
{
    char host[128];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof(host)) {
        snprintf(err, err_size,
                 "--listen %s: expected 127.0.0.1:PORT, [::1]:PORT or unix:PATH (a bare :PORT "
                 "would listen on every interface; name the address)",
                 spec);
        return -1;
    }
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port <= 0 || port > 65535) {
        snprintf(err, err_size, "--listen %s: bad port", spec);
        return -1;
    }
    struct sockaddr_storage ss = {0};
    socklen_t len;
    int family;
    if (host[0] == '[') {
        size_t n = strlen(host);
        if (n < 3 || host[n - 1] != ']') {
            snprintf(err, err_size, "--listen %s: bad IPv6 address", spec);
            return -1;
        }
        host[n - 1] = '\0';
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &s6->sin6_addr) != 1) {
            snprintf(err, err_size, "--listen %s: bad IPv6 address", spec);
            return -1;
        }
        family = AF_INET6;
        len = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        if (strcmp(host, "localhost") == 0)
            strcpy(host, "127.0.0.1");
        if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
            snprintf(err, err_size, "--listen %s: bad IPv4 address", spec);
            return -1;
        }
        family = AF_INET;
        len = sizeof(*s4);
    }
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, err_size, "socket: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, BACKLOG) < 0) {
        snprintf(err, err_size, "cannot listen on %s: %s", spec, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int listen_socket_open(const char *spec, char *err, size_t err_size)
{
    if (strncmp(spec, "unix:", 5) == 0)
        return open_unix(spec + 5, err, err_size);
    return open_inet(spec, err, err_size);
}

static bool is_listening_stream(int fd)
{
    int listening = 0, type = 0;
    socklen_t len = sizeof(listening);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 || !listening)
        return false;
    len = sizeof(type);
    return getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

/* Workers are forked, not executed, so they keep the socket; close-on-exec
 * only stops it leaking into programs a function might run. */
static int keep_private(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags >= 0)
        fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    return fd;
}

int listen_socket_inherited(char *err, size_t err_size)
{
    enum { SD_LISTEN_FDS_START = 3 };
    const char *fds = getenv("LISTEN_FDS");
    const char *pid = getenv("LISTEN_PID");
    if (fds && pid) {
        long n = atol(fds);
        long for_pid = atol(pid);
        /* systemd's protocol: consumed once, never passed on to children */
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDNAMES");
        if (for_pid != (long)getpid()) {
            snprintf(err, err_size,
                     "LISTEN_FDS was meant for pid %ld, not this process (%ld): a wrapper script "
                     "must `exec` the program",
                     for_pid, (long)getpid());
            return -1;
        }
        if (n < 1) {
            snprintf(err, err_size, "LISTEN_FDS=%s: no socket was passed", fds);
            return -1;
        }
        if (!is_listening_stream(SD_LISTEN_FDS_START)) {
            snprintf(err, err_size,
                     "the socket passed by systemd (fd 3) is not a listening stream socket: the "
                     ".socket unit needs ListenStream= and Accept=no");
            return -1;
        }
        if (n > 1)
            ing_log(ING_LOG_WARN, "LISTEN_FDS=%ld: serving the first socket only", n);
        return keep_private(SD_LISTEN_FDS_START);
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(0, (struct sockaddr *)&ss, &len) == 0 && is_listening_stream(0))
        return keep_private(0); /* FCGI_LISTENSOCK_FILENO */
    snprintf(err, err_size,
             "no --listen given and no inherited FastCGI socket (neither systemd's LISTEN_FDS nor "
             "a listening socket on fd 0 as spawn-fcgi passes it)");
    return -1;
}
