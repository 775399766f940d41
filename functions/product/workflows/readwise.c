/*
 * readwise.c — counting each account's Readwise books (functions/README.md §2.1:
 * readwise-count-books on readwise/fetch-books {userId}, and
 * readwise-daily-sync, which fans one such event out per stored account).
 *
 * A token lives only in the store and in request memory that is wiped when
 * the request ends.  It is never a step's output (Inngest stores those), an
 * event's data, an error message or a log line: load-account says only
 * whether the account exists, and fetch-books reads the token again itself.
 * Readwise's "next" links are followed by path only, on READWISE_API_BASE_URL,
 * so an answer can never send the token to another host.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "product/product.h"
#include "product/store/store.h"
#include "product/services/third_party.h"

#define READWISE_DEFAULT_BASE "https://readwise.io"
#define READWISE_BOOKS_PATH "/api/v2/books/"
/* Readwise's largest page; fewer requests against its list rate limit. */
#define READWISE_PAGE_SIZE 1000
/* 500 pages of 1,000 books: far beyond any library, still a bounded loop. */
#define READWISE_MAX_PAGES 500
/* Events per sendEvent step of the daily fan-out. */
#define READWISE_FANOUT_CHUNK 1000

struct secret {
    char *text;
    size_t size;
};

static void secret_wipe(void *p)
{
    struct secret *s = p;
    explicit_bzero(s->text, s->size);
}

/* Request memory for a secret, wiped when the request ends however it ends. */
static char *secret_alloc(struct ing_ctx *c, size_t size)
{
    struct secret *s = ing_alloc(c, sizeof(*s));
    s->text = ing_alloc(c, size);
    s->size = size;
    ing_defer(c, secret_wipe, s);
    return s->text;
}

/* The account's token (request memory, wiped at the end), or NULL if none. */
static const char *read_token(struct ing_ctx *c, const char *user_id, const char *what)
{
    char *token = secret_alloc(c, STORE_MAX_TEXT + 1);
    bool found = false;
    struct store *s = product_store(c);
    store_check(c, s, store_get_readwise_token(s, user_id, token, STORE_MAX_TEXT + 1, &found), what);
    return found && *token ? token : NULL;
}

/* ---- readwise-count-books ----------------------------------------------- */

struct count_job {
    const char *user_id;
    int64_t count;
};

static json_object *load_account(struct ing_ctx *c, void *arg)
{
    const struct count_job *job = arg;
    return ing_json_pack(c, "{s:b}", "exists", read_token(c, job->user_id, "load-account") != NULL);
}

/* Readwise's next link as a URL on our base: only its path and query are
 * kept, and they must stay under the books endpoint. */
static const char *next_url(struct ing_ctx *c, const char *base, const char *next)
{
    const char *path = next;
    const char *scheme = strstr(next, "://");
    if (scheme) {
        path = strchr(scheme + 3, '/');
        if (!path)
            path = "/";
    }
    if (strncmp(path, READWISE_BOOKS_PATH, strlen(READWISE_BOOKS_PATH)) != 0)
        ing_fail_nonretriable(c, "Readwise's next link leaves %s", READWISE_BOOKS_PATH);
    for (const char *p = path; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == 0x7f)
            ing_fail_nonretriable(c, "Readwise's next link is not a plain URL");
    return ing_sprintf(c, "%s%s", base, path);
}

static json_object *fetch_books(struct ing_ctx *c, void *arg)
{
    const struct count_job *job = arg;
    const char *token = read_token(c, job->user_id, "fetch-books");
    if (!token)
        ing_fail_nonretriable(c, "the Readwise account of user %s was removed", job->user_id);
    size_t auth_size = strlen(token) + 32;
    char *auth = secret_alloc(c, auth_size);
    snprintf(auth, auth_size, "Authorization: Token %s", token);
    const char *headers[] = {auth, "Accept: application/json", NULL};

    const char *base = tp_base_url(c, "READWISE_API_BASE_URL", READWISE_DEFAULT_BASE);
    const char *url = ing_sprintf(c, "%s%s?page_size=%d", base, READWISE_BOOKS_PATH, READWISE_PAGE_SIZE);
    int64_t count = 0;
    int pages = 0;
    while (url) {
        if (pages == READWISE_MAX_PAGES)
            ing_fail_nonretriable(c, "Readwise has more than %d pages of books", READWISE_MAX_PAGES);
        struct tp_request rq = {.service = "Readwise", .method = "GET", .url = url,
                                .headers = headers};
        struct tp_response res;
        tp_call(c, &rq, &res);
        pages++;
        json_object *results = ing_json_get(res.json, "results");
        if (!results || !json_object_is_type(results, json_type_array))
            ing_fail(c, "Readwise answered page %d without a results list", pages);
        count += (int64_t)json_object_array_length(results);
        const char *next = ing_json_get_string(res.json, "next");
        url = next && *next ? next_url(c, base, next) : NULL;
    }
    return ing_json_pack(c, "{s:I, s:i}", "count", count, "pages", pages);
}

static json_object *store_count(struct ing_ctx *c, void *arg)
{
    const struct count_job *job = arg;
    struct store *s = product_store(c);
    store_check(c, s, store_put_book_count(s, job->user_id, job->count, (int64_t)time(NULL)),
                "store-count");
    return ing_json_pack(c, "{s:b}", "stored", true);
}

json_object *readwise_count_books(struct ing_ctx *c)
{
    struct count_job job = {.user_id = ing_json_get_string(ing_event_data(c), "userId")};
    if (!job.user_id || !*job.user_id || strlen(job.user_id) > STORE_MAX_ID)
        ing_fail_nonretriable(c, "readwise/fetch-books needs data.userId (1 to %d characters)",
                              STORE_MAX_ID);
    json_object *account = ing_step_run(c, "load-account", load_account, &job);
    if (!json_object_get_boolean(ing_json_get(account, "exists")))
        ing_fail_nonretriable(c, "user %s has no Readwise account", job.user_id);
    json_object *books = ing_step_run(c, "fetch-books", fetch_books, &job);
    if (!ing_json_get_int(books, "count", &job.count))
        job.count = 0;
    ing_step_run(c, "store-count", store_count, &job);
    return ing_json_pack(c, "{s:s, s:I}", "userId", job.user_id, "count", job.count);
}

/* ---- readwise-daily-sync ------------------------------------------------ */

static json_object *list_accounts(struct ing_ctx *c, void *arg)
{
    (void)arg;
    struct store *s = product_store(c);
    json_object *ids = NULL;
    store_check(c, s, store_list_readwise_accounts(s, &ids), "list-accounts");
    ing_keep(c, ids);
    return ing_json_pack(c, "{s:o}", "userIds", ids ? ids : ing_json_array(c));
}

json_object *readwise_daily_sync(struct ing_ctx *c)
{
    json_object *listed = ing_step_run(c, "list-accounts", list_accounts, NULL);
    json_object *ids = ing_json_get(listed, "userIds");
    size_t n = ids && json_object_is_type(ids, json_type_array) ? json_object_array_length(ids) : 0;
    /* one sendEvent for up to READWISE_FANOUT_CHUNK accounts; more accounts
     * repeat the step (fan-out, fan-out:1, …) so no request grows unbounded */
    for (size_t from = 0; from < n; from += READWISE_FANOUT_CHUNK) {
        json_object *events = ing_json_array(c);
        for (size_t i = from; i < n && i < from + READWISE_FANOUT_CHUNK; i++) {
            json_object *user = json_object_array_get_idx(ids, i);
            /* a send retried after a lost answer is de-duplicated by Inngest */
            ing_json_push(events, ing_event_new_id(c, "readwise/fetch-books",
                                                   ing_json_pack(c, "{s:o}", "userId", user), "readwise-%s-%s",
                                                   ing_run_id(c), json_object_get_string(user)));
        }
        ing_step_send_event(c, "fan-out", events);
    }
    return ing_json_pack(c, "{s:I}", "queued", (int64_t)n);
}
