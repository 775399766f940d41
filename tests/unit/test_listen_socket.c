/*
 * test_listen_socket.c — where the program listens: every --listen form it
 * accepts or refuses (and why), a Unix socket replacing a stale one, and the
 * two ways of inheriting a socket (systemd's LISTEN_FDS for this pid, fd 0 as
 * spawn-fcgi passes it).  Only 127.0.0.1 and Unix sockets are ever bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "transport/listen_socket.h"

static char err[512];

/* A loopback port nothing listens on right now (the kernel picks it). */
static int free_loopback_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static bool listening_stream(int fd)
{
    int on = 0, type = 0;
    socklen_t len = sizeof(on);
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &len) != 0)
        return false;
    len = sizeof(type);
    return on && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0 && type == SOCK_STREAM;
}

static void expect_refused(const char *spec, const char *why)
{
    err[0] = '\0';
    int fd = listen_socket_open(spec, err, sizeof(err));
    if (fd >= 0) {
        close(fd);
        fail_msg("--listen %s was accepted", spec);
    }
    if (!strstr(err, why))
        fail_msg("--listen %s: message \"%s\" does not say \"%s\"", spec, err, why);
}

static void test_refuses_what_it_cannot_bind_exactly(void **state)
{
    (void)state;
    /* A bare port would make libfcgi listen on every interface. */
    expect_refused(":9000", "name the address");
    expect_refused("9000", "expected 127.0.0.1:PORT");
    expect_refused("127.0.0.1", "expected 127.0.0.1:PORT");
    char long_host[300];
    memset(long_host, 'a', sizeof(long_host) - 1);
    long_host[sizeof(long_host) - 1] = '\0';
    char spec[320];
    snprintf(spec, sizeof(spec), "%s:9000", long_host);
    expect_refused(spec, "expected 127.0.0.1:PORT");
    expect_refused("127.0.0.1:", "bad port");
    expect_refused("127.0.0.1:0", "bad port");
    expect_refused("127.0.0.1:65536", "bad port");
    expect_refused("127.0.0.1:80x", "bad port");
    expect_refused("127.0.0.1:-1", "bad port");
    expect_refused("example.com:9000", "bad IPv4 address");
    expect_refused("127.0.0.256:9000", "bad IPv4 address");
    expect_refused("[::1:9000", "bad IPv6 address");
    expect_refused("[]:9000", "bad IPv6 address");
    expect_refused("[not-v6]:9000", "bad IPv6 address");
}

/* --listen <host>:<a free port>: the socket; spec and *port say where. */
static int listen_on_free_port(const char *host, char *spec, size_t size, int *port)
{
    *port = free_loopback_port();
    snprintf(spec, size, "%s:%d", host, *port);
    int fd = listen_socket_open(spec, err, sizeof(err));
    if (fd < 0)
        fail_msg("--listen %s: %s", spec, err);
    return fd;
}

static void test_listens_on_loopback(void **state)
{
    (void)state;
    int port;
    char spec[64];
    int fd = listen_on_free_port("127.0.0.1", spec, sizeof(spec), &port);
    assert_true(listening_stream(fd));
    assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    assert_int_equal(sa.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    assert_int_equal(ntohs(sa.sin_port), port);

    /* The same port again: taken, and the message names it. */
    expect_refused(spec, "cannot listen on 127.0.0.1:");
    close(fd);

    /* "localhost" means 127.0.0.1, never a name lookup. */
    fd = listen_on_free_port("localhost", spec, sizeof(spec), &port);
    len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    assert_int_equal(sa.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    close(fd);
}

static void test_unix_socket(void **state)
{
    (void)state;
    char dir[] = "/tmp/ing-listen-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], spec[160];
    snprintf(path, sizeof(path), "%s/app.sock", dir);
    snprintf(spec, sizeof(spec), "unix:%s", path);

    int fd = listen_socket_open(spec, err, sizeof(err));
    if (fd < 0)
        fail_msg("--listen %s: %s", spec, err);
    assert_true(listening_stream(fd));
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISSOCK(st.st_mode));
    assert_int_equal(st.st_mode & 0777, 0660); /* nginx's group may connect, no one else */
    close(fd);

    /* The socket a previous run left behind is replaced. */
    fd = listen_socket_open(spec, err, sizeof(err));
    if (fd < 0)
        fail_msg("a stale socket at %s was not replaced: %s", path, err);
    close(fd);
    unlink(path);

    /* Anything else at that path is left alone and refused. */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    expect_refused(spec, "cannot listen on unix:");
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    unlink(path);

    /* A path longer than sun_path. */
    char long_spec[200] = "unix:/tmp/";
    memset(long_spec + strlen(long_spec), 'p', 150);
    expect_refused(long_spec, "unix socket path too long");

    expect_refused("unix:/nonexistent-dir/for/sure/app.sock", "cannot listen on unix:");
    rmdir(dir);
}

/* A listening loopback socket on fd TARGET (dup2), its original closed. */
static void listen_on_fd(int target)
{
    int port;
    char spec[64];
    int fd = listen_on_free_port("127.0.0.1", spec, sizeof(spec), &port);
    if (fd != target) { /* the lowest free fd may already be the target */
        assert_int_equal(dup2(fd, target), target);
        close(fd);
    }
}

static void set_listen_env(long pid, const char *fds)
{
    char p[32];
    snprintf(p, sizeof(p), "%ld", pid);
    setenv("LISTEN_PID", p, 1);
    setenv("LISTEN_FDS", fds, 1);
    setenv("LISTEN_FDNAMES", "inngest-fcgi", 1);
}

static void expect_env_consumed(void)
{
    assert_null(getenv("LISTEN_FDS"));
    assert_null(getenv("LISTEN_PID"));
    assert_null(getenv("LISTEN_FDNAMES"));
}

static void expect_inherit_refused(const char *why)
{
    err[0] = '\0';
    assert_int_equal(listen_socket_inherited(err, sizeof(err)), -1);
    if (!strstr(err, why))
        fail_msg("message \"%s\" does not say \"%s\"", err, why);
}

static void test_systemd_socket(void **state)
{
    (void)state;
    /* fd 0 is the test's stdin (not a socket) throughout. */
    close(3);
    listen_on_fd(3);

    set_listen_env((long)getpid(), "1");
    assert_int_equal(listen_socket_inherited(err, sizeof(err)), 3);
    expect_env_consumed();
    assert_true(fcntl(3, F_GETFD) & FD_CLOEXEC); /* not passed on to programs a function runs */

    /* More than one socket: the first is served (a warning says so). */
    set_listen_env((long)getpid(), "2");
    assert_int_equal(listen_socket_inherited(err, sizeof(err)), 3);
    expect_env_consumed();

    /* Meant for another process (a wrapper that did not exec). */
    set_listen_env((long)getpid() + 1, "1");
    expect_inherit_refused("a wrapper script must `exec` the program");
    expect_env_consumed();

    set_listen_env((long)getpid(), "0");
    expect_inherit_refused("no socket was passed");
    expect_env_consumed();

    /* fd 3 is not a listening stream (a datagram socket, e.g. ListenDatagram=). */
    close(3);
    int d = socket(AF_INET, SOCK_DGRAM, 0);
    assert_true(d >= 0);
    if (d != 3) {
        assert_int_equal(dup2(d, 3), 3);
        close(d);
    }
    set_listen_env((long)getpid(), "1");
    expect_inherit_refused("not a listening stream socket");
    expect_env_consumed();
    close(3);
}

static void test_spawn_fcgi_socket_on_fd0(void **state)
{
    (void)state;
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_PID");
    int saved = dup(0);
    assert_true(saved >= 0);

    /* Nothing inherited: stdin is not a socket. */
    int devnull = open("/dev/null", O_RDONLY);
    assert_true(devnull >= 0);
    assert_int_equal(dup2(devnull, 0), 0);
    close(devnull);
    expect_inherit_refused("no --listen given and no inherited FastCGI socket");

    /* A socket on fd 0 that does not listen is not served either. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s >= 0);
    assert_int_equal(dup2(s, 0), 0);
    close(s);
    expect_inherit_refused("no --listen given and no inherited FastCGI socket");

    /* spawn-fcgi's way: the listening socket is fd 0. */
    listen_on_fd(0);
    assert_int_equal(listen_socket_inherited(err, sizeof(err)), 0);
    assert_true(fcntl(0, F_GETFD) & FD_CLOEXEC);

    assert_int_equal(dup2(saved, 0), 0);
    close(saved);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_what_it_cannot_bind_exactly),
        cmocka_unit_test(test_listens_on_loopback),
        cmocka_unit_test(test_unix_socket),
        cmocka_unit_test(test_systemd_socket),
        cmocka_unit_test(test_spawn_fcgi_socket_on_fd0),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
