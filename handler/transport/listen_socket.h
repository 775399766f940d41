/*
 * listen_socket.h — where the program listens: an inherited socket (spawn-fcgi,
 * systemd socket activation) or one it opens from --listen.
 *
 * "127.0.0.1:PORT" and "[::1]:PORT" bind exactly that address; a bare ":PORT"
 * is refused because libfcgi would bind every interface with it.
 */
#ifndef ING_LISTEN_SOCKET_H
#define ING_LISTEN_SOCKET_H

#include <stddef.h>

/* Returns a listening fd, or -1 with a message. */
int listen_socket_open(const char *spec, char *err, size_t err_size);
/* The inherited socket: systemd's first passed fd (LISTEN_FDS/LISTEN_PID for
 * this pid), else fd 0 when it is a listening socket (spawn-fcgi).  -1 with a
 * message when there is none or what was passed cannot be served. */
int listen_socket_inherited(char *err, size_t err_size);

#endif
