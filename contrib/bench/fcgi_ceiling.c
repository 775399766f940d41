/*
 * fcgi_ceiling.c — the ceiling of the FastCGI transport: a one-process
 * libfcgi responder that reads the request body and answers a fixed JSON
 * body, with no parsing, signing or logging.  Behind the same nginx as the
 * SDK it shows how fast nginx + FastCGI go with no application at all.
 *
 *   fcgi_ceiling 127.0.0.1:PORT
 */
#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

int main(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == ':') {
        fprintf(stderr, "usage: %s 127.0.0.1:PORT\n", argv[0]);
        return 2;
    }
    if (FCGX_Init() != 0)
        return 1;
    int fd = FCGX_OpenSocket(argv[1], 128);
    if (fd < 0) {
        fprintf(stderr, "%s: cannot listen on %s\n", argv[0], argv[1]);
        return 1;
    }
    FCGX_Request req;
    if (FCGX_InitRequest(&req, fd, 0) != 0)
        return 1;
    static const char answer[] = "Status: 200 OK\r\n"
                                 "Content-Type: application/json\r\n"
                                 "Content-Length: 15\r\n"
                                 "\r\n"
                                 "{\"result\":\"AB\"}";
    char sink[65536];
    while (FCGX_Accept_r(&req) >= 0) {
        while (FCGX_GetStr(sink, (int)sizeof(sink), req.in) > 0)
            ;
        FCGX_PutStr(answer, (int)sizeof(answer) - 1, req.out);
        if (FCGX_HasSeenEOF(req.in) == EOF)
            FCGX_Detach(&req);
        FCGX_Finish_r(&req);
    }
    return 0;
}
