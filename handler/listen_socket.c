/*
 * listen_socket.c — opening or inheriting the FastCGI listening socket.
 */
#include "listen_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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

int listen_socket_inherited(void)
{
    const char *fds = getenv("LISTEN_FDS");
    const char *pid = getenv("LISTEN_PID");
    if (fds && pid && atol(pid) == (long)getpid() && atoi(fds) >= 1) {
        unsetenv("LISTEN_FDS");
        unsetenv("LISTEN_PID");
        unsetenv("LISTEN_FDNAMES");
        return 3; /* SD_LISTEN_FDS_START */
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int listening = 0;
    socklen_t optlen = sizeof(listening);
    if (getsockname(0, (struct sockaddr *)&ss, &len) == 0 &&
        getsockopt(0, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) == 0 && listening)
        return 0; /* FCGI_LISTENSOCK_FILENO */
    return -1;
}
