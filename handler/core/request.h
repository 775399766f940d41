/*
 * request.h — one HTTP request as the FastCGI front hands it to the router.
 *
 * Parameters are the FastCGI/CGI environment ("NAME=value" strings: REQUEST_METHOD,
 * HTTP_X_INNGEST_SIGNATURE, …), exactly as libfcgi delivers them, so tests can
 * build a request from a plain array.  The body has been read with a bound.
 */
#ifndef ING_REQUEST_H
#define ING_REQUEST_H

#include <stddef.h>

struct request {
    char **params;       /* NULL-terminated "NAME=value" list, borrowed */
    const char *method;  /* REQUEST_METHOD */
    const char *path;    /* DOCUMENT_URI, or SCRIPT_NAME, or REQUEST_URI without its query */
    const char *query;   /* QUERY_STRING, "" when none */
    const char *body;    /* NUL-terminated; body_len bytes (may contain NULs) */
    size_t body_len;
};

/* Value of a CGI parameter (e.g. "HTTP_HOST"), NULL when absent. */
const char *request_param(const struct request *r, const char *name);

/* Value of a query-string key, URL-decoded into `out`; NULL when absent or
 * longer than out_size-1.  A key given twice yields the first. */
const char *request_query(const struct request *r, const char *key, char *out, size_t out_size);

/* Fills method, path and query from the parameters. */
void request_init(struct request *r, char **params);

#endif
