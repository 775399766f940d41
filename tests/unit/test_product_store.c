/*
 * test_product_store.c — the product app's store (functions/product/store/store.h): one
 * suite of behaviour tests run against both backends, SQLite in a temporary
 * file and Redis on a real redis-server this test starts on a free loopback
 * port (with a password, so AUTH is exercised), then the tests only one
 * backend can have: SQLite's schema migration, lock and path errors; Redis's
 * outage and recovery, URL errors and key namespace.
 *
 * Each test gets a fresh store: a new SQLite file, or a new Redis key prefix.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <sqlite3.h>

#include "product/store/store.h"

#define LOCK_WAIT_MS 150

struct fixture {
    bool redis;
    char dir[256];     /* this group's temporary directory */
    int test_no;       /* gives every test its own file or key prefix */
    struct store *s;   /* the current test's store */
    char db_path[512];
    char prefix[64];
    /* Redis */
    pid_t pid;
    int port;
    char password[40];
    char url[160];
};

/* ------------------------------------------------------------------------ */
/* Helpers                                                                    */
/* ------------------------------------------------------------------------ */

static void ok(struct store *s, enum store_result r, const char *what)
{
    if (r != STORE_OK)
        fail_msg("%s: expected STORE_OK, got %d: %s", what, r, store_error(s));
}
#define OK(fx, call) ok((fx)->s, (call), #call)

static int64_t int_of(json_object *obj, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(obj, key, &v))
        fail_msg("no \"%s\" in %s", key, json_object_to_json_string(obj));
    return json_object_get_int64(v);
}

static const char *str_of(json_object *obj, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
        fail_msg("no string \"%s\" in %s", key, json_object_to_json_string(obj));
    return json_object_get_string(v);
}

static bool is_null(json_object *obj, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(obj, key, &v) && v == NULL;
}

static int64_t at(const char *iso)
{
    int64_t t;
    if (!store_parse_time(iso, &t))
        fail_msg("bad time in the test: %s", iso);
    return t;
}

/* Counts one view of slug and checks what the store answered. */
static void expect_view(struct store *s, const char *slug, const char *title, const char *event_id,
                        const char *day, int64_t want_total, bool want_counted)
{
    int64_t total = -1;
    bool counted = !want_counted;
    ok(s, store_record_view(s, slug, title, event_id, day, &total, &counted), event_id);
    if (total != want_total || counted != want_counted)
        fail_msg("view %s of %s: total %lld counted %d, want %lld and %d", event_id, slug, (long long)total,
                 counted, (long long)want_total, want_counted);
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char child[1024];
            snprintf(child, sizeof child, "%s/%s", path, e->d_name);
            remove_tree(child);
        }
        closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

static void make_temp_dir(struct fixture *fx)
{
    snprintf(fx->dir, sizeof fx->dir, "%s/inngest-fcgi-store-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(fx->dir))
        fail_msg("mkdtemp: %s", strerror(errno));
}

static struct store *open_store(struct fixture *fx, const char *prefix)
{
    struct store_options o = {.busy_timeout_ms = LOCK_WAIT_MS, .redis_timeout_ms = 2000};
    if (fx->redis) {
        o.redis_url = fx->url;
        o.key_prefix = prefix;
    } else {
        o.database_path = fx->db_path;
    }
    char err[512];
    struct store *s = store_open_with(&o, err, sizeof err);
    if (!s)
        fail_msg("store_open_with: %s", err);
    return s;
}

/* ------------------------------------------------------------------------ */
/* redis-server, started and stopped by the test                              */
/* ------------------------------------------------------------------------ */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        fail_msg("cannot find a free port: %s", strerror(errno));
    close(fd);
    return ntohs(a.sin_port);
}

/* redis-server from PATH, else where Debian installs it. */
static const char *redis_server_path(void)
{
    static char found[1024];
    const char *path = getenv("PATH");
    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(found, sizeof found, "%.*s/redis-server", (int)n, p);
        if (n && access(found, X_OK) == 0)
            return found;
        p += n + (p[n] == ':');
    }
    return access("/usr/bin/redis-server", X_OK) == 0 ? "/usr/bin/redis-server" : NULL;
}

/* Whether the server answers PING with our password. */
static bool redis_answers(const struct fixture *fx)
{
    struct timeval tv = {0, 200000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", fx->port, tv);
    bool up = false;
    if (c && !c->err) {
        redisReply *r = redisCommand(c, "AUTH %s", fx->password);
        up = r && r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
    }
    if (c)
        redisFree(c);
    return up;
}

static int redis_start(struct fixture *fx)
{
    const char *bin = redis_server_path();
    if (!bin) {
        fprintf(stderr, "redis-server is not installed: run contrib/install-deps.sh (it installs redis-server)\n");
        return -1;
    }
    char port[16], log[512];
    snprintf(port, sizeof port, "%d", fx->port);
    snprintf(log, sizeof log, "%s/redis.log", fx->dir);
    fx->pid = fork();
    if (fx->pid < 0)
        return -1;
    if (fx->pid == 0) {
        /* never outlive the test, even when it crashes */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() == 1)
            _exit(1);
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execl(bin, "redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
              "--requirepass", fx->password, "--dir", fx->dir, "--daemonize", "no", (char *)NULL);
        _exit(127);
    }
    /* Wait until it answers, or until it exits (a port taken meanwhile). */
    for (int i = 0; i < 500; i++) {
        if (redis_answers(fx))
            return 0;
        int status;
        if (waitpid(fx->pid, &status, WNOHANG) == fx->pid) {
            fprintf(stderr, "redis-server exited before answering (see %s)\n", log);
            fx->pid = 0;
            return -1;
        }
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "redis-server did not answer on 127.0.0.1:%d (see %s)\n", fx->port, log);
    return -1;
}

static void redis_stop(struct fixture *fx)
{
    if (fx->pid <= 0)
        return;
    kill(fx->pid, SIGTERM);
    int status;
    waitpid(fx->pid, &status, 0);
    fx->pid = 0;
}

/* ------------------------------------------------------------------------ */
/* Groups and per-test fixtures                                               */
/* ------------------------------------------------------------------------ */

static int sqlite_group_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    make_temp_dir(fx);
    *state = fx;
    return 0;
}

static int redis_group_setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    fx->redis = true;
    make_temp_dir(fx);
    /* ':' and '@' in the password must be percent-encoded in the URL */
    int salt = rand();
    snprintf(fx->password, sizeof fx->password, "pw:%ld@%d", (long)getpid(), salt);
    fx->port = free_port();
    snprintf(fx->url, sizeof fx->url, "redis://:pw%%3A%ld%%40%d@127.0.0.1:%d/2", (long)getpid(), salt, fx->port);
    *state = fx;
    return redis_start(fx);
}

static int group_teardown(void **state)
{
    struct fixture *fx = *state;
    redis_stop(fx);
    remove_tree(fx->dir);
    free(fx);
    return 0;
}

static int test_setup(void **state)
{
    struct fixture *fx = *state;
    fx->test_no++;
    snprintf(fx->db_path, sizeof fx->db_path, "%s/t%d.db", fx->dir, fx->test_no);
    snprintf(fx->prefix, sizeof fx->prefix, "t%d", fx->test_no);
    fx->s = open_store(fx, fx->prefix);
    return 0;
}

static int test_teardown(void **state)
{
    struct fixture *fx = *state;
    store_close(fx->s);
    fx->s = NULL;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The suite both backends pass                                               */
/* ------------------------------------------------------------------------ */

static void views_are_counted_once_per_event(void **state)
{
    struct fixture *fx = *state;
    int64_t total = -1;
    expect_view(fx->s, "hello", "Hello", "evt-1", "2024-05-01", 1, true);
    /* a retried step repeats the same event: nothing changes */
    expect_view(fx->s, "hello", "Hello", "evt-1", "2024-05-01", 1, false);
    expect_view(fx->s, "hello", "Hello", "evt-2", "2024-05-02", 2, true);
    /* a step retried after its answer was lost, once later views counted:
     * the total the event reached the first time, not the current one */
    expect_view(fx->s, "hello", "Hello", "evt-1", "2024-05-01", 1, false);
    expect_view(fx->s, "hello", "Hello", "evt-2", "2024-05-02", 2, false);
    OK(fx, store_views_total(fx->s, "hello", &total));
    assert_int_equal(total, 2);
    OK(fx, store_views_total(fx->s, "never-viewed", &total));
    assert_int_equal(total, 0);

    /* the daily bucket moved once too */
    json_object *sum;
    OK(fx, store_compute_summary(fx->s, "daily", "2024-05-01", "2024-05-01", &sum));
    assert_int_equal(int_of(sum, "totalViews"), 1);
    json_object *days;
    json_object_object_get_ex(sum, "viewsByDay", &days);
    assert_int_equal(int_of(days, "2024-05-01"), 1);
    json_object_put(sum);
}

static void bad_input_is_refused_as_failed(void **state)
{
    struct fixture *fx = *state;
    int64_t total;
    bool counted;
    assert_int_equal(store_record_view(fx->s, "", "T", "evt", "2024-05-01", &total, &counted), STORE_FAILED);
    assert_non_null(strstr(store_error(fx->s), "slug"));
    assert_int_equal(store_record_view(fx->s, "a", "T", NULL, "2024-05-01", &total, &counted), STORE_FAILED);
    assert_non_null(strstr(store_error(fx->s), "event id"));
    assert_int_equal(store_record_view(fx->s, "a", "T", "evt", "2024-02-30", &total, &counted), STORE_FAILED);
    assert_int_equal(store_record_view(fx->s, "a", "T", "evt", "yesterday", &total, &counted), STORE_FAILED);
    assert_non_null(strstr(store_error(fx->s), "YYYY-MM-DD"));
    char long_slug[STORE_MAX_ID + 2];
    memset(long_slug, 'x', sizeof long_slug - 1);
    long_slug[sizeof long_slug - 1] = '\0';
    assert_int_equal(store_record_view(fx->s, long_slug, "T", "evt", "2024-05-01", &total, &counted),
                     STORE_FAILED);
    json_object *out = (json_object *)1;
    assert_int_equal(store_compute_summary(fx->s, "yearly", "2024-05-01", "2024-05-02", &out), STORE_FAILED);
    assert_null(out);
    assert_int_equal(store_compute_summary(fx->s, "daily", "2024-05-02", "2024-05-01", &out), STORE_FAILED);
    assert_int_equal(store_top_posts(fx->s, "2024-05-01", 0, &out), STORE_FAILED);
    assert_int_equal(store_put_trending(fx->s, NULL, 1), STORE_FAILED);
    assert_int_equal(store_record_payment(fx->s, "pi_1", -5, "usd", NULL, "succeeded", NULL), STORE_FAILED);
    /* nothing was counted by the refused calls */
    OK(fx, store_views_total(fx->s, "a", &total));
    assert_int_equal(total, 0);
}

static void milestones_are_recorded_once(void **state)
{
    struct fixture *fx = *state;
    bool is_new = false;
    OK(fx, store_record_milestone(fx->s, "hello", "Hello", 100, 100, at("2024-05-01T10:00:00Z"), &is_new));
    assert_true(is_new);
    OK(fx, store_record_milestone(fx->s, "hello", "Hello", 100, 101, at("2024-05-01T11:00:00Z"), &is_new));
    assert_false(is_new);
    OK(fx, store_record_milestone(fx->s, "hello", "Hello", 1000, 1000, at("2024-05-03T09:30:00Z"), &is_new));
    assert_true(is_new);
    OK(fx, store_record_milestone(fx->s, "other", "Other", 100, 100, at("2024-05-02T00:00:00Z"), &is_new));
    assert_true(is_new);

    json_object *list;
    OK(fx, store_list_milestones(fx->s, "hello", &list));
    assert_int_equal(json_object_array_length(list), 2);
    json_object *first = json_object_array_get_idx(list, 0), *second = json_object_array_get_idx(list, 1);
    assert_int_equal(int_of(first, "milestone"), 100);
    assert_int_equal(int_of(first, "totalViews"), 100); /* the first record stays */
    assert_string_equal(str_of(first, "reachedAt"), "2024-05-01T10:00:00Z");
    assert_string_equal(str_of(first, "title"), "Hello");
    assert_int_equal(int_of(second, "milestone"), 1000);
    json_object_put(list);
}

static void trending_lists_most_viewed_first(void **state)
{
    struct fixture *fx = *state;
    static const struct { const char *slug, *day; int views; } views[] = {
        {"old-but-big", "2024-04-01", 9}, /* before the window */
        {"alpha", "2024-04-28", 3},       {"bravo", "2024-04-27", 2}, {"bravo", "2024-04-29", 3},
        {"charlie", "2024-04-30", 1},     {"delta", "2024-04-30", 3}, {"old-but-big", "2024-04-30", 1},
    };
    int n = 0;
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        for (int k = 0; k < views[i].views; k++) {
            char id[32], title[64];
            snprintf(id, sizeof id, "evt-%d", n++);
            snprintf(title, sizeof title, "Title of %s", views[i].slug);
            OK(fx, store_record_view(fx->s, views[i].slug, title, id, views[i].day, NULL, NULL));
        }
    }
    json_object *top;
    OK(fx, store_top_posts(fx->s, "2024-04-24", 3, &top));
    assert_int_equal(json_object_array_length(top), 3);
    /* bravo 5, then alpha and delta with 3 each (by slug) */
    assert_string_equal(str_of(json_object_array_get_idx(top, 0), "slug"), "bravo");
    assert_int_equal(int_of(json_object_array_get_idx(top, 0), "views"), 5);
    assert_string_equal(str_of(json_object_array_get_idx(top, 0), "title"), "Title of bravo");
    assert_string_equal(str_of(json_object_array_get_idx(top, 1), "slug"), "alpha");
    assert_string_equal(str_of(json_object_array_get_idx(top, 2), "slug"), "delta");

    json_object *stored = (json_object *)1;
    int64_t computed_at = -1;
    OK(fx, store_get_trending(fx->s, &stored, &computed_at));
    assert_null(stored);
    OK(fx, store_put_trending(fx->s, top, 1714500000));
    OK(fx, store_get_trending(fx->s, &stored, &computed_at));
    assert_int_equal(computed_at, 1714500000);
    assert_true(json_object_equal(stored, top));
    json_object_put(stored);

    /* a later computation replaces the list */
    json_object *empty = json_object_new_array();
    OK(fx, store_put_trending(fx->s, empty, 1714503600));
    OK(fx, store_get_trending(fx->s, &stored, &computed_at));
    assert_int_equal(json_object_array_length(stored), 0);
    assert_int_equal(computed_at, 1714503600);
    json_object_put(stored);
    json_object_put(empty);
    json_object_put(top);
}

static void summary_covers_its_period_only(void **state)
{
    struct fixture *fx = *state;
    static const struct { const char *slug, *day; } views[] = {
        {"a", "2024-04-30"}, /* before */
        {"a", "2024-05-01"}, {"a", "2024-05-01"}, {"b", "2024-05-01"}, {"a", "2024-05-07"}, {"c", "2024-05-07"},
        {"c", "2024-05-07"}, {"c", "2024-05-07"}, {"b", "2024-05-08"}, /* after */
    };
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        char id[32];
        snprintf(id, sizeof id, "evt-%zu", i);
        OK(fx, store_record_view(fx->s, views[i].slug, views[i].slug, id, views[i].day, NULL, NULL));
    }
    OK(fx, store_record_milestone(fx->s, "a", "a", 100, 100, at("2024-04-30T23:59:59Z"), NULL));
    OK(fx, store_record_milestone(fx->s, "c", "c", 100, 100, at("2024-05-07T23:59:59Z"), NULL));
    OK(fx, store_record_milestone(fx->s, "b", "b", 100, 100, at("2024-05-08T00:00:00Z"), NULL));

    json_object *sum;
    OK(fx, store_compute_summary(fx->s, "weekly", "2024-05-01", "2024-05-07", &sum));
    assert_string_equal(str_of(sum, "period"), "weekly");
    assert_string_equal(str_of(sum, "startDate"), "2024-05-01");
    assert_string_equal(str_of(sum, "endDate"), "2024-05-07");
    assert_int_equal(int_of(sum, "totalViews"), 7);
    assert_int_equal(int_of(sum, "uniquePosts"), 3);
    json_object *top, *days, *milestones;
    json_object_object_get_ex(sum, "topPosts", &top);
    assert_int_equal(json_object_array_length(top), 3);
    assert_string_equal(str_of(json_object_array_get_idx(top, 0), "slug"), "a"); /* 3, tie with c → by slug */
    assert_int_equal(int_of(json_object_array_get_idx(top, 0), "views"), 3);
    assert_string_equal(str_of(json_object_array_get_idx(top, 1), "slug"), "c");
    assert_string_equal(str_of(json_object_array_get_idx(top, 2), "slug"), "b");
    json_object_object_get_ex(sum, "viewsByDay", &days);
    assert_int_equal(json_object_object_length(days), 2);
    assert_int_equal(int_of(days, "2024-05-01"), 3);
    assert_int_equal(int_of(days, "2024-05-07"), 4);
    json_object_object_get_ex(sum, "milestones", &milestones);
    assert_int_equal(json_object_array_length(milestones), 1);
    assert_string_equal(str_of(json_object_array_get_idx(milestones, 0), "slug"), "c");
    assert_string_equal(str_of(json_object_array_get_idx(milestones, 0), "reachedAt"), "2024-05-07T23:59:59Z");

    json_object *stored = (json_object *)1;
    OK(fx, store_get_summary(fx->s, "weekly", "2024-05-01", &stored));
    assert_null(stored);
    OK(fx, store_put_summary(fx->s, "weekly", "2024-05-01", sum));
    OK(fx, store_put_summary(fx->s, "weekly", "2024-05-01", sum)); /* a retried step */
    OK(fx, store_get_summary(fx->s, "weekly", "2024-05-01", &stored));
    assert_true(json_object_equal(stored, sum));
    json_object_put(stored);
    OK(fx, store_get_summary(fx->s, "daily", "2024-05-01", &stored));
    assert_null(stored);

    /* an empty period is a summary of zeros, not an error */
    json_object *none;
    OK(fx, store_compute_summary(fx->s, "monthly", "2023-01-01", "2023-01-31", &none));
    assert_int_equal(int_of(none, "totalViews"), 0);
    assert_int_equal(int_of(none, "uniquePosts"), 0);
    json_object_put(none);
    json_object_put(sum);
}

/* Stripe's facts about two subscriptions of one customer, as updates with
 * Stripe's times; delivered in any order and repeated, they end in the same
 * state: sub_1 active (from 300), sub_2 canceled (a derived "active" of its
 * final invoice at the same second does not revive it). */
static const struct store_subscription_update stripe_facts[] = {
    {.subscription_id = "sub_1", .customer_id = "cus_A", .status = "incomplete", .at = 100, .event_id = "evt_1"},
    {.subscription_id = "sub_1", .customer_id = "cus_A", .status = "active", .at = 101, .derived = true, .event_id = "evt_2"},
    {.subscription_id = "sub_1", .status = "active", .at = 101, .event_id = "evt_3"},
    {.subscription_id = "sub_1", .status = "past_due", .at = 200, .derived = true, .event_id = "evt_4"},
    {.subscription_id = "sub_1", .customer_id = "cus_A", .status = "past_due", .at = 200, .event_id = "evt_5"},
    {.subscription_id = "sub_1", .status = "active", .at = 300, .derived = true, .event_id = "evt_6"},
    {.subscription_id = "sub_1", .status = "active", .at = 300, .event_id = "evt_7"},
    {.subscription_id = "sub_1", .customer_id = "cus_A", .user_id = "u1", .at = 150}, /* links only */
    {.subscription_id = "sub_2", .customer_id = "cus_A", .status = "active", .at = 120, .event_id = "evt_8"},
    {.subscription_id = "sub_2", .status = "canceled", .at = 400, .event_id = "evt_9"},
    {.subscription_id = "sub_2", .status = "active", .at = 400, .derived = true, .event_id = "evt_10"},
};

static void expect_sub(struct fixture *fx, const char *id, const char *status, const char *user,
                       const char *status_at)
{
    json_object *sub = NULL;
    OK(fx, store_get_subscription(fx->s, id, &sub));
    assert_non_null(sub);
    if (strcmp(str_of(sub, "status"), status) != 0 || strcmp(str_of(sub, "statusAt"), status_at) != 0 ||
        (user ? is_null(sub, "userId") || strcmp(str_of(sub, "userId"), user) != 0 : !is_null(sub, "userId")))
        fail_msg("%s: want %s at %s (user %s), have %s", id, status, status_at, user ? user : "null",
                 json_object_to_json_string(sub));
    assert_string_equal(str_of(sub, "customerId"), "cus_A");
    assert_int_equal(strlen(str_of(sub, "updatedAt")), 20);
    json_object_put(sub);
}

static void subscriptions_follow_stripe_in_any_order(void **state)
{
    struct fixture *fx = *state;
    enum { N = sizeof stripe_facts / sizeof stripe_facts[0], ROUNDS = 10 };
    unsigned seed = 21;
    for (int round = 0; round < ROUNDS; round++) {
        /* a fresh pair of ids per round (the store is shared by the rounds) */
        char ids[2][32];
        snprintf(ids[0], sizeof ids[0], "sub_1_r%d", round);
        snprintf(ids[1], sizeof ids[1], "sub_2_r%d", round);
        int order[2 * N], n = N;
        for (int i = 0; i < N; i++)
            order[i] = round == 1 ? N - 1 - i : i;
        if (round >= 2) {
            for (int i = 0; i < N; i++)
                if (rand_r(&seed) % 2 == 0)
                    order[n++] = i; /* delivered twice */
            for (int i = n - 1; i > 0; i--) {
                int j = (int)(rand_r(&seed) % (unsigned)(i + 1)), t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        for (int i = 0; i < n; i++) {
            struct store_subscription_update u = stripe_facts[order[i]];
            u.subscription_id = strcmp(u.subscription_id, "sub_1") == 0 ? ids[0] : ids[1];
            bool applied;
            OK(fx, store_update_subscription(fx->s, &u, &applied));
        }
        expect_sub(fx, ids[0], "active", "u1", "1970-01-01T00:05:00Z");
        /* sub_2 never named its user, and no checkout linked cus_A yet */
        expect_sub(fx, ids[1], "canceled", NULL, "1970-01-01T00:06:40Z");
    }

    /* a checkout links the customer to its user: sub_2s get it too */
    OK(fx, store_link_customer(fx->s, "cus_A", "u1"));
    expect_sub(fx, "sub_2_r0", "canceled", "u1", "1970-01-01T00:06:40Z");
    json_object *list = NULL;
    OK(fx, store_list_subscriptions(fx->s, "u1", &list));
    assert_int_equal(json_object_array_length(list), 2 * ROUNDS);
    assert_string_equal(str_of(json_object_array_get_idx(list, 0), "subscriptionId"), "sub_1_r0");
    json_object_put(list);
    /* later subscriptions of a linked customer get the user at once */
    struct store_subscription_update later = {.subscription_id = "sub_3", .customer_id = "cus_A",
                                              .status = "trialing", .at = 500};
    bool applied = false;
    OK(fx, store_update_subscription(fx->s, &later, &applied));
    assert_true(applied);
    expect_sub(fx, "sub_3", "trialing", "u1", "1970-01-01T00:08:20Z");
    /* the same fact again: nothing applied */
    OK(fx, store_update_subscription(fx->s, &later, &applied));
    assert_false(applied);
    /* a checkout's implied "active" at the same second does not hide
     * Stripe's own "trialing", in either order */
    struct store_subscription_update implied = {.subscription_id = "sub_3", .status = "active", .at = 500,
                                                .derived = true};
    OK(fx, store_update_subscription(fx->s, &implied, &applied));
    assert_false(applied);
    struct store_subscription_update t4 = {.subscription_id = "sub_4", .customer_id = "cus_A", .status = "active",
                                           .at = 600, .derived = true};
    OK(fx, store_update_subscription(fx->s, &t4, &applied));
    t4.status = "trialing";
    t4.derived = false;
    OK(fx, store_update_subscription(fx->s, &t4, &applied));
    assert_true(applied);
    expect_sub(fx, "sub_4", "trialing", "u1", "1970-01-01T00:10:00Z");
    /* Stripe's own status may leave canceled; a derived one may not */
    struct store_subscription_update revive = {.subscription_id = "sub_2_r0", .status = "active", .at = 900,
                                               .derived = true};
    OK(fx, store_update_subscription(fx->s, &revive, &applied));
    assert_false(applied);
    revive.derived = false;
    OK(fx, store_update_subscription(fx->s, &revive, &applied));
    assert_true(applied);

    json_object *none = (json_object *)1;
    OK(fx, store_get_subscription(fx->s, "sub_unknown", &none));
    assert_null(none);
    OK(fx, store_list_subscriptions(fx->s, "nobody", &none));
    assert_int_equal(json_object_array_length(none), 0);
    json_object_put(none);
    struct store_subscription_update bad_update = {.subscription_id = "", .status = "active"};
    assert_int_equal(store_update_subscription(fx->s, &bad_update, &applied), STORE_FAILED);
    assert_int_equal(store_status_rank("canceled"), 4);
    assert_int_equal(store_status_rank("past_due"), 2);
    assert_int_equal(store_status_rank("something-new"), 0);

    /* what an invoice said, for its payment intents */
    json_object *inv = json_tokener_parse("{\"subscriptionId\":\"sub_1\",\"billingReason\":\"subscription_cycle\"}");
    OK(fx, store_put_invoice(fx->s, "in_1", inv));
    json_object *back = NULL;
    OK(fx, store_get_invoice(fx->s, "in_1", &back));
    assert_true(json_object_equal(back, inv));
    json_object_put(back);
    json_object_put(inv);
    OK(fx, store_get_invoice(fx->s, "in_unknown", &back));
    assert_null(back);
}

static void payments_are_recorded_once(void **state)
{
    struct fixture *fx = *state;
    bool is_new = false;
    OK(fx, store_record_payment(fx->s, "pi_1", 1999, "usd", "cus_A", "succeeded", &is_new));
    assert_true(is_new);
    OK(fx, store_record_payment(fx->s, "pi_1", 5, "eur", "cus_B", "failed", &is_new));
    assert_false(is_new);
    OK(fx, store_record_payment(fx->s, "pi_2", 0, "usd", NULL, "succeeded", &is_new));
    assert_true(is_new);

    json_object *p;
    OK(fx, store_get_payment(fx->s, "pi_1", &p));
    assert_string_equal(str_of(p, "id"), "pi_1");
    assert_int_equal(int_of(p, "amount"), 1999);
    assert_string_equal(str_of(p, "currency"), "usd");
    assert_string_equal(str_of(p, "customer"), "cus_A");
    assert_string_equal(str_of(p, "status"), "succeeded");
    assert_int_equal(strlen(str_of(p, "recordedAt")), 20);
    json_object_put(p);
    OK(fx, store_get_payment(fx->s, "pi_2", &p));
    assert_true(is_null(p, "customer"));
    json_object_put(p);
    OK(fx, store_get_payment(fx->s, "pi_none", &p));
    assert_null(p);
}

static void github_cache_is_replaced(void **state)
{
    struct fixture *fx = *state;
    json_object *data = (json_object *)1;
    int64_t fetched = -1;
    OK(fx, store_get_github_cache(fx->s, "octocat", &data, &fetched));
    assert_null(data);
    json_object *first = json_tokener_parse("{\"total\":12,\"weeks\":[[1,2],[3]]}");
    json_object *second = json_tokener_parse("{\"total\":15,\"weeks\":[]}");
    OK(fx, store_put_github_cache(fx->s, "octocat", first, 1000));
    OK(fx, store_put_github_cache(fx->s, "octocat", second, 2000));
    OK(fx, store_get_github_cache(fx->s, "octocat", &data, &fetched));
    assert_true(json_object_equal(data, second));
    assert_int_equal(fetched, 2000);
    json_object_put(data);
    OK(fx, store_get_github_cache(fx->s, "someone-else", &data, &fetched));
    assert_null(data);
    json_object_put(first);
    json_object_put(second);
}

static void only_expired_sessions_are_deleted(void **state)
{
    struct fixture *fx = *state;
    OK(fx, store_put_session(fx->s, "s1", "u1", 100));
    OK(fx, store_put_session(fx->s, "s2", "u2", 200));
    OK(fx, store_put_session(fx->s, "s3", "u3", 300));
    OK(fx, store_put_session(fx->s, "s4", "u4", 150));
    OK(fx, store_put_session(fx->s, "s4", "u4", 250)); /* renewed */

    int64_t deleted = -1;
    OK(fx, store_delete_expired_sessions(fx->s, 200, &deleted));
    assert_int_equal(deleted, 2); /* s1, s2: expires_at <= now */
    OK(fx, store_delete_expired_sessions(fx->s, 200, &deleted));
    assert_int_equal(deleted, 0);

    char user[STORE_MAX_ID + 1];
    int64_t expires = 0;
    bool found = true;
    OK(fx, store_get_session(fx->s, "s1", user, sizeof user, &expires, &found));
    assert_false(found);
    OK(fx, store_get_session(fx->s, "s4", user, sizeof user, &expires, &found));
    assert_true(found);
    assert_string_equal(user, "u4");
    assert_int_equal(expires, 250);
    OK(fx, store_get_session(fx->s, "s3", NULL, 0, &expires, &found));
    assert_true(found);
    assert_int_equal(expires, 300);

    /* the emergency clearing: live sessions go too, and the expiry index
     * with them (a later cleanup finds nothing) */
    OK(fx, store_delete_all_sessions(fx->s, &deleted));
    assert_int_equal(deleted, 2);
    OK(fx, store_get_session(fx->s, "s4", user, sizeof user, &expires, &found));
    assert_false(found);
    OK(fx, store_delete_expired_sessions(fx->s, 1000, &deleted));
    assert_int_equal(deleted, 0);
    OK(fx, store_delete_all_sessions(fx->s, &deleted));
    assert_int_equal(deleted, 0);
    OK(fx, store_put_session(fx->s, "s5", "u5", 500));
    OK(fx, store_delete_expired_sessions(fx->s, 1000, &deleted));
    assert_int_equal(deleted, 1);
}

static void readwise_accounts_are_replaced(void **state)
{
    struct fixture *fx = *state;
    OK(fx, store_put_readwise_account(fx->s, "u2", "token-b"));
    OK(fx, store_put_readwise_account(fx->s, "u1", "token-a"));
    OK(fx, store_put_readwise_account(fx->s, "u1", "token-c"));

    json_object *ids;
    OK(fx, store_list_readwise_accounts(fx->s, &ids));
    assert_int_equal(json_object_array_length(ids), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 0)), "u1");
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ids, 1)), "u2");
    json_object_put(ids);

    char token[64];
    bool found = false;
    OK(fx, store_get_readwise_token(fx->s, "u1", token, sizeof token, &found));
    assert_true(found);
    assert_string_equal(token, "token-c");
    OK(fx, store_get_readwise_token(fx->s, "nobody", token, sizeof token, &found));
    assert_false(found);
    char tiny[4];
    assert_int_equal(store_get_readwise_token(fx->s, "u1", tiny, sizeof tiny, &found), STORE_FAILED);
    assert_null(strstr(store_error(fx->s), "token-c"));
    assert_int_equal(store_put_readwise_account(fx->s, "u3", ""), STORE_FAILED);

    int64_t count = -1, counted_at = -1;
    OK(fx, store_get_book_count(fx->s, "u1", &count, &counted_at, &found));
    assert_false(found);
    OK(fx, store_put_book_count(fx->s, "u1", 41, 1000));
    OK(fx, store_put_book_count(fx->s, "u1", 42, 2000));
    OK(fx, store_get_book_count(fx->s, "u1", &count, &counted_at, &found));
    assert_true(found);
    assert_int_equal(count, 42);
    assert_int_equal(counted_at, 2000);
}

/* A worker whose store never opened: every call is retriable, nothing crashes. */
static void a_missing_store_is_retriable(void **state)
{
    (void)state;
    int64_t total = 5;
    bool counted = true;
    assert_int_equal(store_record_view(NULL, "a", "A", "evt", "2024-05-01", &total, &counted), STORE_RETRY);
    assert_int_equal(total, 0);
    assert_false(counted);
    json_object *out = (json_object *)1;
    assert_int_equal(store_get_trending(NULL, &out, NULL), STORE_RETRY);
    assert_null(out);
    assert_int_equal(store_delete_expired_sessions(NULL, 1, NULL), STORE_RETRY);
    assert_non_null(strstr(store_error(NULL), "could not be opened"));
    assert_string_equal(store_backend_name(NULL), "none");
}

/* The subscription both version-1 tests seed (sub_1 of u1 and cus_1, past_due), migrated. */
static void expect_version_1_subscription(struct store *s)
{
    json_object *sub = NULL;
    ok(s, store_get_subscription(s, "sub_1", &sub), "migrated subscription");
    assert_non_null(sub);
    assert_string_equal(str_of(sub, "status"), "past_due");
    assert_string_equal(str_of(sub, "userId"), "u1");
    assert_string_equal(str_of(sub, "customerId"), "cus_1");
    json_object_put(sub);
}

/* ------------------------------------------------------------------------ */
/* A store written by the previous layout reads back the same               */
/* ------------------------------------------------------------------------ */

/* What old_layout_* tests seed in the layout before records (SQLite schema 4,
 * Redis layout 2): one of everything the store keeps. */
#define OLD_TRENDING "[{\"slug\":\"hello\",\"title\":\"Hello\",\"views\":7}]"
#define OLD_MILESTONE "{\"slug\":\"hello\",\"title\":\"Hello\",\"milestone\":100,\"totalViews\":100,\"reachedAt\":1714564800}"
#define OLD_INVOICE "{\"subscriptionId\":\"sub_1\",\"billingReason\":\"subscription_cycle\"}"
#define OLD_RATE_WINDOW 3600

/* Every domain reads the seeded data through the store's interface, and
 * writes on top of it as on a new store. */
static void expect_old_data(struct store *s)
{
    int64_t total = -1, stamp = -1;
    bool found = false, is_new = true;
    ok(s, store_views_total(s, "hello", &total), "total");
    assert_int_equal(total, 7);
    expect_view(s, "hello", "Hello", "evt-kept", "2024-05-01", 5, false);
    expect_view(s, "hello", "Hello", "evt-legacy", "2024-05-01", 7, false);
    expect_view(s, "hello", "Renamed", "evt-new", "2024-05-01", 8, true);
    json_object *v = NULL, *days;
    ok(s, store_compute_summary(s, "daily", "2024-05-01", "2024-05-01", &v), "summary");
    assert_int_equal(int_of(v, "totalViews"), 8);
    json_object_object_get_ex(v, "viewsByDay", &days);
    assert_int_equal(int_of(days, "2024-05-01"), 8);
    json_object_put(v);
    ok(s, store_top_posts(s, "2024-05-01", 5, &v), "top posts");
    assert_int_equal(json_object_array_length(v), 1);
    assert_string_equal(str_of(json_object_array_get_idx(v, 0), "title"), "Hello");
    json_object_put(v);

    ok(s, store_list_milestones(s, "hello", &v), "milestones");
    assert_int_equal(json_object_array_length(v), 1);
    assert_int_equal(int_of(json_object_array_get_idx(v, 0), "totalViews"), 100);
    assert_string_equal(str_of(json_object_array_get_idx(v, 0), "reachedAt"), "2024-05-01T12:00:00Z");
    json_object_put(v);
    ok(s, store_record_milestone(s, "hello", "Hello", 100, 101, 1, &is_new), "milestone again");
    assert_false(is_new);

    ok(s, store_get_trending(s, &v, &stamp), "trending");
    assert_int_equal(stamp, 1714500000);
    assert_string_equal(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), OLD_TRENDING);
    json_object_put(v);
    ok(s, store_get_summary(s, "weekly", "2024-05-01", &v), "stored summary");
    assert_int_equal(int_of(v, "totalViews"), 7);
    json_object_put(v);
    ok(s, store_get_github_cache(s, "octocat", &v, &stamp), "GitHub cache");
    assert_int_equal(int_of(v, "total"), 12);
    assert_int_equal(stamp, 1000);
    json_object_put(v);
    ok(s, store_get_invoice(s, "in_1", &v), "invoice");
    assert_string_equal(str_of(v, "billingReason"), "subscription_cycle");
    json_object_put(v);

    ok(s, store_get_subscription(s, "sub_1", &v), "subscription");
    assert_non_null(v);
    static const char *const sub_1[][2] = {
        {"status", "active"}, {"customerId", "cus_1"}, {"userId", "u1"}, {"eventId", "evt_7"},
        {"statusAt", "1970-01-01T00:05:00Z"}, {"updatedAt", "1970-01-01T00:06:40Z"},
    };
    for (size_t i = 0; i < sizeof sub_1 / sizeof sub_1[0]; i++)
        if (strcmp(str_of(v, sub_1[i][0]), sub_1[i][1]) != 0)
            fail_msg("sub_1: %s is not %s in %s", sub_1[i][0], sub_1[i][1], json_object_to_json_string(v));
    json_object_put(v);
    ok(s, store_list_subscriptions(s, "u1", &v), "u1's subscriptions");
    assert_int_equal(json_object_array_length(v), 1);
    json_object_put(v);
    /* the stored rank still decides: a derived "active" at the same second loses */
    struct store_subscription_update same = {.subscription_id = "sub_1", .status = "active", .at = 300,
                                             .derived = true};
    bool applied = true;
    ok(s, store_update_subscription(s, &same, &applied), "same second");
    assert_false(applied);
    ok(s, store_link_customer(s, "cus_2", "u2"), "link cus_2");
    ok(s, store_list_subscriptions(s, "u2", &v), "u2's subscriptions");
    assert_int_equal(json_object_array_length(v), 1);
    assert_string_equal(str_of(json_object_array_get_idx(v, 0), "subscriptionId"), "sub_2");
    assert_string_equal(str_of(json_object_array_get_idx(v, 0), "status"), "past_due");
    json_object_put(v);
    struct store_subscription_update later = {.subscription_id = "sub_9", .customer_id = "cus_1",
                                              .status = "active", .at = 500};
    ok(s, store_update_subscription(s, &later, &applied), "a later subscription");
    ok(s, store_get_subscription(s, "sub_9", &v), "sub_9");
    assert_string_equal(str_of(v, "userId"), "u1");
    json_object_put(v);

    ok(s, store_get_payment(s, "pi_1", &v), "payment");
    assert_int_equal(int_of(v, "amount"), 1999);
    assert_string_equal(str_of(v, "customer"), "cus_1");
    assert_string_equal(str_of(v, "recordedAt"), "1970-01-01T00:16:40Z");
    json_object_put(v);
    ok(s, store_get_payment(s, "pi_2", &v), "payment without a customer");
    assert_true(is_null(v, "customer"));
    json_object_put(v);
    ok(s, store_record_payment(s, "pi_1", 1, "eur", NULL, "failed", &is_new), "payment again");
    assert_false(is_new);

    char user[64], token[32];
    int64_t expires = 0, deleted = 0, count = 0, hits = 0;
    ok(s, store_get_session(s, "s2", user, sizeof user, &expires, &found), "session");
    assert_true(found);
    assert_string_equal(user, "u2");
    assert_int_equal(expires, 5000000000LL);
    ok(s, store_delete_expired_sessions(s, 1000, &deleted), "expired sessions");
    assert_int_equal(deleted, 1);

    ok(s, store_get_readwise_token(s, "u1", token, sizeof token, &found), "token");
    assert_true(found);
    assert_string_equal(token, "token-old");
    ok(s, store_list_readwise_accounts(s, &v), "accounts");
    assert_int_equal(json_object_array_length(v), 1);
    json_object_put(v);
    ok(s, store_get_book_count(s, "u1", &count, &stamp, &found), "book count");
    assert_int_equal(count, 42);
    assert_int_equal(stamp, 2000);

    /* the current window's count goes on (unless the window turned meanwhile) */
    ok(s, store_rate_hit(s, "contact:a", OLD_RATE_WINDOW, &hits, NULL), "rate limit");
    assert_true(hits == 6 || hits == 1);
}

static int64_t rate_window_start(void)
{
    int64_t now = (int64_t)time(NULL);
    return now - now % OLD_RATE_WINDOW;
}

/* ------------------------------------------------------------------------ */
/* SQLite only                                                                */
/* ------------------------------------------------------------------------ */

static int user_version_of(const char *path)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK) {
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return v;
}

static void exec_sql(const char *path, const char *sql)
{
    sqlite3 *db;
    char *msg = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("preparing %s: %s", path, msg ? msg : sqlite3_errmsg(db));
    sqlite3_close(db);
}

/* Opens the SQLite file at path, which must come out at schema 5. */
static struct store *open_migrated(const char *path)
{
    struct store_options o = {.database_path = path, .busy_timeout_ms = LOCK_WAIT_MS};
    char err[512];
    struct store *s = store_open_with(&o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(user_version_of(path), 5);
    return s;
}

/* Version 1 of the schema as the first release created it, frozen here. */
static const char schema_v1[] =
    "create table posts (slug text primary key, title text not null, total_views integer not null);"
    "create table daily_views (slug text not null, day text not null, views integer not null,"
    "  primary key (slug, day)) without rowid;"
    "create table view_events (event_id text primary key) without rowid;"
    "create table milestones (slug text not null, milestone integer not null, title text not null,"
    "  total_views integer not null, reached_at integer not null, primary key (slug, milestone));"
    "create table documents (kind text not null, key text not null, body text not null,"
    "  stamp integer not null, primary key (kind, key));"
    "create table subscriptions (user_id text primary key, session_id text not null, customer_id text,"
    "  subscription_id text, status text not null, session text, updated_at integer not null);"
    "create table payments (payment_intent_id text primary key, amount integer not null,"
    "  currency text not null, customer text, status text not null, recorded_at integer not null);"
    "create table sessions (session_id text primary key, user_id text not null, expires_at integer not null);"
    "create table readwise_accounts (user_id text primary key, token text not null);"
    "create table book_counts (user_id text primary key, count integer not null, counted_at integer not null);"
    "pragma user_version = 1;";

static void sqlite_migrates_a_version_1_file(void **state)
{
    struct fixture *fx = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/v1.db", fx->dir);
    exec_sql(path, schema_v1);
    exec_sql(path, "INSERT INTO posts VALUES ('hello', 'Hello', 7);"
                   "INSERT INTO daily_views VALUES ('hello', '2024-05-01', 7);"
                   "INSERT INTO view_events VALUES ('evt-old');"
                   "INSERT INTO readwise_accounts VALUES ('u1', 'token-v1');"
                   "INSERT INTO subscriptions VALUES ('u1', 'cs_1', 'cus_1', 'sub_1', 'past_due', NULL, 1000);"
                   "INSERT INTO subscriptions VALUES ('u2', 'cs_2', NULL, NULL, 'active', NULL, 1000);");
    assert_int_equal(user_version_of(path), 1);

    struct store *s = open_migrated(path);
    int64_t total;
    bool counted = true;
    /* the event id recorded before the migration is still known */
    expect_view(s, "hello", "Hello", "evt-old", "2024-05-02", 7, false);
    expect_view(s, "hello", "Hello", "evt-new", "2024-05-02", 8, true);
    expect_view(s, "hello", "Hello", "evt-new", "2024-05-02", 8, false);
    /* an id counted before totals were kept answers the current total */
    ok(s, store_record_view(s, "hello", "Hello", "evt-old", "2024-05-02", &total, &counted), "old event again");
    assert_int_equal(total, 8);
    char token[32];
    bool found;
    ok(s, store_get_readwise_token(s, "u1", token, sizeof token, &found), "token");
    assert_string_equal(token, "token-v1");
    int64_t hits = 0;
    ok(s, store_rate_hit(s, "migrated", 60, &hits, NULL), "rate limits after the migration");
    assert_int_equal(hits, 1);
    /* a subscription row carried over; a one-off checkout's row was not one */
    json_object *sub = NULL;
    expect_version_1_subscription(s);
    ok(s, store_list_subscriptions(s, "u2", &sub), "one-off checkout");
    assert_int_equal(json_object_array_length(sub), 0);
    json_object_put(sub);
    store_close(s);

    /* opening again finds nothing to do */
    store_close(open_migrated(path));
}

/* Schema 4 as the release before records left it (frozen here), with one
 * row in every table. */
static const char schema_v4[] =
    "create table posts (slug text primary key, title text not null, total_views integer not null);"
    "create table daily_views (slug text not null, day text not null, views integer not null,"
    "  primary key (slug, day)) without rowid;"
    "create table view_events (event_id text primary key, recorded_at integer not null default 0, total integer)"
    "  without rowid;"
    "create table milestones (slug text not null, milestone integer not null, title text not null,"
    "  total_views integer not null, reached_at integer not null, primary key (slug, milestone));"
    "create table documents (kind text not null, key text not null, body text not null,"
    "  stamp integer not null, primary key (kind, key));"
    "create table payments (payment_intent_id text primary key, amount integer not null,"
    "  currency text not null, customer text, status text not null, recorded_at integer not null);"
    "create table sessions (session_id text primary key, user_id text not null, expires_at integer not null);"
    "create table readwise_accounts (user_id text primary key, token text not null);"
    "create table book_counts (user_id text primary key, count integer not null, counted_at integer not null);"
    "create table rate_limits (key text primary key, window_start integer not null,"
    "  expires_at integer not null, hits integer not null) without rowid;"
    "create table stripe_subscriptions (subscription_id text primary key, customer_id text, user_id text,"
    "  status text, status_at integer not null default 0, status_rank integer not null default 0,"
    "  event_id text, updated_at integer not null);"
    "create table stripe_customers (customer_id text primary key, user_id text not null);"
    "insert into posts values ('hello', 'Hello', 7);"
    "insert into daily_views values ('hello', '2024-05-01', 7);"
    "insert into view_events values ('evt-kept', strftime('%s', 'now'), 5);"
    "insert into view_events values ('evt-legacy', strftime('%s', 'now'), null);"
    "insert into milestones values ('hello', 100, 'Hello', 100, 1714564800);"
    "insert into documents values ('trending', 'latest', '" OLD_TRENDING "', 1714500000);"
    "insert into documents values ('summary', 'weekly:2024-05-01', '{\"totalViews\":7}', 1714600000);"
    "insert into documents values ('github', 'octocat', '{\"total\":12}', 1000);"
    "insert into documents values ('invoice', 'in_1', '" OLD_INVOICE "', 1000);"
    "insert into stripe_subscriptions values ('sub_1', 'cus_1', 'u1', 'active', 300, 7, 'evt_7', 400);"
    "insert into stripe_subscriptions values ('sub_2', 'cus_2', null, 'past_due', 200, 5, null, 200);"
    "insert into stripe_customers values ('cus_1', 'u1');"
    "insert into payments values ('pi_1', 1999, 'usd', 'cus_1', 'succeeded', 1000);"
    "insert into payments values ('pi_2', 0, 'usd', null, 'succeeded', 1000);"
    "insert into sessions values ('s1', 'u1', 100);"
    "insert into sessions values ('s2', 'u2', 5000000000);"
    "insert into readwise_accounts values ('u1', 'token-old');"
    "insert into book_counts values ('u1', 42, 2000);"
    "pragma user_version = 4;";

static void sqlite_reads_a_version_4_file(void **state)
{
    struct fixture *fx = *state;
    char path[600], sql[256];
    snprintf(path, sizeof path, "%s/v4.db", fx->dir);
    exec_sql(path, schema_v4);
    int64_t start = rate_window_start();
    snprintf(sql, sizeof sql, "insert into rate_limits values ('contact:a', %lld, %lld, 5);", (long long)start,
             (long long)(start + OLD_RATE_WINDOW));
    exec_sql(path, sql);
    struct store *s = open_migrated(path);
    expect_old_data(s);
    store_close(s);
}

static void sqlite_creates_an_empty_file_schema(void **state)
{
    struct fixture *fx = *state;
    char path[600];
    snprintf(path, sizeof path, "%s/empty.db", fx->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600); /* version 0: an empty file */
    assert_true(fd >= 0);
    close(fd);
    struct store *s = open_migrated(path);
    int64_t total;
    ok(s, store_record_view(s, "a", "A", "evt", "2024-05-01", &total, NULL), "view");
    assert_int_equal(total, 1);
    store_close(s);
}

static void sqlite_refuses_a_newer_schema_or_a_non_database(void **state)
{
    struct fixture *fx = *state;
    char path[600], err[512];
    snprintf(path, sizeof path, "%s/future.db", fx->dir);
    exec_sql(path, "CREATE TABLE t (x); PRAGMA user_version = 99;");
    struct store_options o = {.database_path = path, .tolerate_unavailable = true};
    assert_null(store_open_with(&o, err, sizeof err));
    assert_non_null(strstr(err, "schema version 99"));
    assert_int_equal(user_version_of(path), 99); /* untouched */

    snprintf(path, sizeof path, "%s/garbage.db", fx->dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 200; i++)
        fputs("this is not a database file ", f);
    fclose(f);
    assert_null(store_open_with(&o, err, sizeof err));
    assert_non_null(strstr(err, "not a database"));
}

static void sqlite_lock_held_elsewhere_is_retriable(void **state)
{
    struct fixture *fx = *state;
    int64_t total;
    OK(fx, store_record_view(fx->s, "a", "A", "evt-1", "2024-05-01", &total, NULL));

    sqlite3 *other;
    assert_int_equal(sqlite3_open(fx->db_path, &other), SQLITE_OK);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);

    bool counted = true;
    assert_int_equal(store_record_view(fx->s, "a", "A", "evt-2", "2024-05-01", &total, &counted), STORE_RETRY);
    assert_false(counted);
    assert_non_null(strstr(store_error(fx->s), "locked"));
    assert_int_equal(store_put_session(fx->s, "s1", "u1", 10), STORE_RETRY);
    /* readers are not blocked (WAL) */
    OK(fx, store_views_total(fx->s, "a", &total));
    assert_int_equal(total, 1);

    assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    expect_view(fx->s, "a", "A", "evt-2", "2024-05-01", 2, true);
}

static void sqlite_creates_missing_directories_privately(void **state)
{
    struct fixture *fx = *state;
    char path[700], dir[600];
    snprintf(dir, sizeof dir, "%s/x/y", fx->dir);
    snprintf(path, sizeof path, "%s/z/store.db", dir);
    struct store_options o = {.database_path = path};
    char err[512];
    struct store *s = store_open_with(&o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    mode_t mask = umask(0);
    umask(mask);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600 & ~mask);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700 & ~mask);
    store_close(s);
}

static void sqlite_unusable_paths_give_clear_errors(void **state)
{
    struct fixture *fx = *state;
    char file[600], path[700], err[512];
    snprintf(file, sizeof file, "%s/a-file", fx->dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);

    /* a directory where a file is: even root cannot write there */
    snprintf(path, sizeof path, "%s/sub/store.db", file);
    struct store_options o = {.database_path = path, .tolerate_unavailable = true};
    assert_null(store_open_with(&o, err, sizeof err));
    assert_non_null(strstr(err, "cannot create the SQLite database"));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "a-file is not a directory"));

    /* a directory given as the database */
    o.database_path = fx->dir;
    assert_null(store_open_with(&o, err, sizeof err));
    assert_non_null(strstr(err, "is a directory"));
}

/* What opening `path` says, from a process that is not root (root writes
 * anywhere): a child drops to nobody when the test runs as root. */
static void open_as_unprivileged(const char *path, char *err, size_t err_size, bool *opened)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(2);
        struct store_options o = {.database_path = path};
        char msg[512];
        struct store *s = store_open_with(&o, msg, sizeof msg);
        if (s)
            snprintf(msg, sizeof msg, "opened");
        store_close(s);
        ssize_t n = write(fds[1], msg, strlen(msg));
        _exit(n > 0 ? 0 : 3);
    }
    close(fds[1]);
    ssize_t n = read(fds[0], err, err_size - 1);
    close(fds[0]);
    err[n > 0 ? n : 0] = '\0';
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    *opened = strcmp(err, "opened") == 0;
}

static void sqlite_unwritable_directories_give_clear_errors(void **state)
{
    struct fixture *fx = *state;
    char dir[600], path[700], err[512];
    bool opened;
    snprintf(dir, sizeof dir, "%s/read-only", fx->dir);
    assert_int_equal(mkdir(dir, 0755), 0);
    assert_int_equal(chmod(dir, 0555), 0);
    assert_int_equal(chmod(fx->dir, 0755), 0); /* mkdtemp's 0700 would hide everything from nobody */

    snprintf(path, sizeof path, "%s/store.db", dir);
    open_as_unprivileged(path, err, sizeof err, &opened);
    assert_false(opened);
    assert_non_null(strstr(err, "cannot create the SQLite database"));
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "Permission denied"));

    snprintf(path, sizeof path, "%s/sub/store.db", dir);
    open_as_unprivileged(path, err, sizeof err, &opened);
    assert_false(opened);
    assert_non_null(strstr(err, "cannot create the directory"));
    assert_non_null(strstr(err, "Permission denied"));
    chmod(fx->dir, 0700);
}

/* DATABASE_PATH and the default path come from the environment; the worker
 * hook logs and answers STORE_RETRY when the store cannot be opened. */
static void sqlite_environment_and_worker_hooks(void **state)
{
    struct fixture *fx = *state;
    char cwd[1024], path[700];
    assert_non_null(getcwd(cwd, sizeof cwd));
    unsetenv("REDIS_URL");

    snprintf(path, sizeof path, "%s/from-env/app.db", fx->dir);
    setenv("DATABASE_PATH", path, 1);
    void *state_ptr = product_store_start();
    assert_non_null(state_ptr);
    assert_string_equal(store_backend_name(state_ptr), "sqlite");
    assert_int_equal(access(path, F_OK), 0);
    product_store_stop(state_ptr);

    /* unset: run/inngest-fcgi.db under the working directory */
    unsetenv("DATABASE_PATH");
    assert_int_equal(chdir(fx->dir), 0);
    char err[512];
    struct store *s = store_open(err, sizeof err);
    int created = access(STORE_DEFAULT_DATABASE_PATH, F_OK);
    assert_int_equal(chdir(cwd), 0);
    if (!s)
        fail_msg("%s", err);
    assert_int_equal(created, 0);
    store_close(s);

    /* unusable: the hook returns no store and store calls are retriable */
    snprintf(path, sizeof path, "%s/from-env/app.db/inside.db", fx->dir);
    setenv("DATABASE_PATH", path, 1);
    state_ptr = product_store_start();
    unsetenv("DATABASE_PATH");
    assert_null(state_ptr);
    int64_t total;
    assert_int_equal(store_views_total(state_ptr, "a", &total), STORE_RETRY);
}

/* ------------------------------------------------------------------------ */

/* A connection of the test's own to its server, authenticated, on the URL's
 * database (2): to seed or inspect keys. */
static redisContext *redis_raw(const struct fixture *fx)
{
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", fx->port, tv);
    assert_true(c && !c->err);
    freeReplyObject(redisCommand(c, "AUTH %s", fx->password));
    freeReplyObject(redisCommand(c, "SELECT 2"));
    return c;
}
/* Redis only                                                                 */
/* ------------------------------------------------------------------------ */

static void redis_outage_is_retriable_and_recovers(void **state)
{
    struct fixture *fx = *state;
    int64_t total;
    bool counted;
    OK(fx, store_record_view(fx->s, "a", "A", "evt-1", "2024-05-01", &total, &counted));

    redis_stop(fx);
    assert_int_equal(store_record_view(fx->s, "a", "A", "evt-2", "2024-05-01", &total, &counted), STORE_RETRY);
    assert_non_null(strstr(store_error(fx->s), "Redis at 127.0.0.1:"));
    assert_null(strstr(store_error(fx->s), fx->password));
    /* the next call tries to reconnect, and says so */
    assert_int_equal(store_views_total(fx->s, "a", &total), STORE_RETRY);
    assert_non_null(strstr(store_error(fx->s), "cannot connect"));
    assert_null(strstr(store_error(fx->s), fx->password));

    assert_int_equal(redis_start(fx), 0);
    /* this server keeps nothing across restarts (--save ''): a fresh count */
    expect_view(fx->s, "a", "A", "evt-2", "2024-05-01", 1, true);
    OK(fx, store_record_view(fx->s, "a", "A", "evt-2", "2024-05-01", &total, &counted));
    assert_false(counted);
}

/* A server that stops answering (SIGSTOP) times out as STORE_RETRY; the
 * command it had received may still run when it resumes, and the retried
 * step's repeat of it changes nothing. */
static void redis_hung_server_times_out_then_recovers(void **state)
{
    struct fixture *fx = *state;
    struct store_options o = {.redis_url = fx->url, .key_prefix = "hung", .redis_timeout_ms = 300};
    char err[512];
    struct store *s = store_open_with(&o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    int64_t total = -1;
    bool counted;
    kill(fx->pid, SIGSTOP);
    enum store_result r = store_record_view(s, "a", "A", "evt-1", "2024-05-01", &total, &counted);
    kill(fx->pid, SIGCONT);
    assert_int_equal(r, STORE_RETRY);
    assert_non_null(strstr(store_error(s), "lost the connection"));
    ok(s, store_record_view(s, "a", "A", "evt-1", "2024-05-01", &total, &counted), "the retried step");
    assert_int_equal(total, 1);
    ok(s, store_record_view(s, "a", "A", "evt-1", "2024-05-01", &total, &counted), "once more");
    assert_int_equal(total, 1);
    assert_false(counted);
    store_close(s);
}

static void redis_down_at_start_is_tolerated_by_the_worker_hook(void **state)
{
    struct fixture *fx = *state;
    redis_stop(fx);
    setenv("REDIS_URL", fx->url, 1);
    setenv("INNGEST_APP_ID", "hook-test", 1);
    struct store *s = product_store_start();
    assert_non_null(s);
    assert_string_equal(store_backend_name(s), "redis");
    int64_t total;
    assert_int_equal(store_views_total(s, "a", &total), STORE_RETRY);
    assert_non_null(strstr(store_error(s), "cannot connect"));

    /* the strict opener refuses instead */
    char err[512];
    assert_null(store_open(err, sizeof err));
    assert_non_null(strstr(err, "cannot connect"));
    assert_null(strstr(err, fx->password));
    unsetenv("REDIS_URL");
    unsetenv("INNGEST_APP_ID");

    assert_int_equal(redis_start(fx), 0);
    ok(s, store_record_view(s, "a", "A", "evt-1", "2024-05-01", &total, NULL), "after the server came back");
    assert_int_equal(total, 1);

    /* its keys carry the app id from INNGEST_APP_ID */
    redisContext *c = redis_raw(fx);
    redisReply *r = redisCommand(c, "HGET inngest-fcgi:hook-test:r:views-total:a n");
    assert_true(r && r->type == REDIS_REPLY_STRING);
    assert_string_equal(r->str, "1");
    freeReplyObject(r);
    redisFree(c);
    product_store_stop(s);
}

static void redis_keys_are_namespaced(void **state)
{
    struct fixture *fx = *state;
    int64_t total;
    OK(fx, store_record_view(fx->s, "a", "A", "evt-1", "2024-05-01", &total, NULL));
    OK(fx, store_put_readwise_account(fx->s, "u1", "tok"));

    redisContext *c = redis_raw(fx);
    redisReply *r = redisCommand(c, "KEYS *");
    assert_true(r && r->type == REDIS_REPLY_ARRAY);
    char mine[96];
    snprintf(mine, sizeof mine, "inngest-fcgi:%s:", fx->prefix);
    size_t own = 0;
    for (size_t i = 0; i < r->elements; i++) {
        if (strncmp(r->element[i]->str, "inngest-fcgi:", 13) != 0)
            fail_msg("a key outside the namespace: %s", r->element[i]->str);
        own += strncmp(r->element[i]->str, mine, strlen(mine)) == 0;
    }
    assert_true(own >= 5);
    freeReplyObject(r);
    redisFree(c);

    /* another prefix (another environment) sees none of it */
    struct store *other = open_store(fx, "another-env");
    ok(other, store_views_total(other, "a", &total), "other total");
    assert_int_equal(total, 0);
    bool found = true;
    char token[16];
    ok(other, store_get_readwise_token(other, "u1", token, sizeof token, &found), "other token");
    assert_false(found);
    store_close(other);
}

/* A namespace written by version 1 (subscriptions one hash per user) is
 * migrated when a store first connects: the subscription is found by
 * Stripe's id, listed under its user, and its customer is linked. */
static void redis_migrates_version_1(void **state)
{
    struct fixture *fx = *state;
    redisContext *c = redis_raw(fx);
    freeReplyObject(redisCommand(c, "SET inngest-fcgi:v1env:schema-version 1"));
    freeReplyObject(redisCommand(c, "HSET inngest-fcgi:v1env:subscription:u1 session_id cs_1 customer_id cus_1 "
                                    "subscription_id sub_1 status past_due updated_at 1000"));
    freeReplyObject(redisCommand(c, "HSET inngest-fcgi:v1env:subscription:u2 session_id cs_2 status active "
                                    "updated_at 1000")); /* a one-off checkout: not a subscription */
    freeReplyObject(redisCommand(c, "SADD inngest-fcgi:v1env:customer:cus_1:users u1"));
    struct store *s = open_store(fx, "v1env");
    json_object *sub = NULL;
    expect_version_1_subscription(s);
    ok(s, store_list_subscriptions(s, "u1", &sub), "u1's");
    assert_int_equal(json_object_array_length(sub), 1);
    json_object_put(sub);
    ok(s, store_list_subscriptions(s, "u2", &sub), "u2's");
    assert_int_equal(json_object_array_length(sub), 0);
    json_object_put(sub);
    /* a later subscription of the customer gets the user from the link */
    struct store_subscription_update u = {.subscription_id = "sub_9", .customer_id = "cus_1", .status = "active",
                                          .at = 2000};
    bool applied;
    ok(s, store_update_subscription(s, &u, &applied), "new subscription");
    ok(s, store_get_subscription(s, "sub_9", &sub), "sub_9");
    assert_string_equal(str_of(sub, "userId"), "u1");
    json_object_put(sub);
    store_close(s);
    redisReply *r = redisCommand(c, "GET inngest-fcgi:v1env:schema-version");
    assert_string_equal(r->str, "3");
    freeReplyObject(r);
    r = redisCommand(c, "EXISTS inngest-fcgi:v1env:subscription:u1 inngest-fcgi:v1env:customer:cus_1:users");
    assert_int_equal(r->integer, 0);
    freeReplyObject(r);
    redisFree(c);
}

__attribute__((format(printf, 2, 3))) static void redis_do(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (!r || r->type == REDIS_REPLY_ERROR)
        fail_msg("seeding Redis (%s): %s", fmt, r ? r->str : c->errstr);
    freeReplyObject(r);
}

/* One seeding command; arg fills its %s, if it has one. */
static void redis_seed(redisContext *c, const char *command, const char *arg)
{
    redisReply *r = redisCommand(c, command, arg);
    if (!r || r->type == REDIS_REPLY_ERROR)
        fail_msg("seeding Redis (%s): %s", command, r ? r->str : c->errstr);
    freeReplyObject(r);
}

/* A namespace of layout 2 (the release before records), one key of every
 * kind, is carried over into records when a store first connects. */
static void redis_reads_layout_2(void **state)
{
    struct fixture *fx = *state;
    redisContext *c = redis_raw(fx);
#define V2 "inngest-fcgi:v2env:"
    /* one key of every kind: a command and the one argument (%s) that may hold spaces */
    static const struct {
        const char *command, *arg;
    } seed[] = {
        {"SET " V2 "schema-version 2", NULL},
        {"SET " V2 "view-event:evt-kept total:5 EX 1000", NULL},
        {"SET " V2 "view-event:evt-legacy 1 EX 1000", NULL},
        {"HSET " V2 "views:total hello 7", NULL},
        {"HSET " V2 "posts:title hello Hello", NULL},
        {"HSET " V2 "views:day:2024-05-01 hello 7", NULL},
        {"ZADD " V2 "views:days 20240501 2024-05-01", NULL},
        {"HSET " V2 "milestones 00000000000000000100:hello %s", OLD_MILESTONE},
        {"ZADD " V2 "milestones:at 1714564800 00000000000000000100:hello", NULL},
        {"ZADD " V2 "milestones:post:hello 1714564800 00000000000000000100:hello", NULL},
        {"HSET " V2 "doc:trending:latest body %s stamp 1714500000", OLD_TRENDING},
        {"HSET " V2 "doc:summary:weekly:2024-05-01 body %s stamp 1714600000", "{\"totalViews\":7}"},
        {"HSET " V2 "doc:github:octocat body %s stamp 1000", "{\"total\":12}"},
        {"HSET " V2 "doc:invoice:in_1 body %s stamp 1000", OLD_INVOICE},
        {"HSET " V2 "stripe-subscription:sub_1 customer_id cus_1 user_id u1 status active status_at 300 "
         "status_rank 7 event_id evt_7 updated_at 400", NULL},
        {"HSET " V2 "stripe-subscription:sub_2 customer_id cus_2 status past_due status_at 200 "
         "status_rank 5 updated_at 200", NULL},
        {"SET " V2 "stripe-customer:cus_1 u1", NULL},
        {"SADD " V2 "stripe-customer:cus_1:subs sub_1", NULL},
        {"SADD " V2 "stripe-customer:cus_2:subs sub_2", NULL},
        {"SADD " V2 "user:u1:subs sub_1", NULL},
        {"HSET " V2 "payment:pi_1 amount 1999 currency usd customer cus_1 status succeeded recorded_at 1000",
         NULL},
        {"HSET " V2 "payment:pi_2 amount 0 currency usd status succeeded recorded_at 1000", NULL},
        {"HSET " V2 "sessions s1 u1 s2 u2", NULL},
        {"ZADD " V2 "sessions:expiry 100 s1 5000000000 s2", NULL},
        {"HSET " V2 "readwise:tokens u1 token-old", NULL},
        {"HSET " V2 "readwise:books:u1 count 42 counted_at 2000", NULL},
    };
    for (size_t i = 0; i < sizeof seed / sizeof seed[0]; i++)
        redis_seed(c, seed[i].command, seed[i].arg);
    int64_t start = rate_window_start();
    redis_do(c, "SET " V2 "rate:contact:a:%lld 5 EXAT %lld", (long long)start, (long long)(start + OLD_RATE_WINDOW));

    struct store *s = open_store(fx, "v2env");
    expect_old_data(s);
    store_close(s);

    redisReply *r = redisCommand(c, "GET " V2 "schema-version");
    assert_string_equal(r->str, "3");
    freeReplyObject(r);
    /* nothing of layout 2 is left */
    r = redisCommand(c, "KEYS " V2 "*");
    assert_true(r && r->type == REDIS_REPLY_ARRAY);
    for (size_t i = 0; i < r->elements; i++) {
        const char *rest = r->element[i]->str + strlen(V2);
        if (strncmp(rest, "r:", 2) && strncmp(rest, "k:", 2) && strncmp(rest, "s:", 2) &&
            strcmp(rest, "schema-version"))
            fail_msg("a key of layout 2 is left: %s", r->element[i]->str);
    }
    freeReplyObject(r);
#undef V2
    redisFree(c);
}

static void redis_urls_are_checked_without_echoing_passwords(void **state)
{
    struct fixture *fx = *state;
    static const struct { const char *url, *why; } bad[] = {
        {"http://127.0.0.1:6379", "redis://"},
        {"rediss://:secretpw@127.0.0.1:6379", "TLS"},
        {"redis://:secretpw@", "no host"},
        {"redis://:secretpw@127.0.0.1:0", "port"},
        {"redis://:secretpw@127.0.0.1:99999", "port"},
        {"redis://:secretpw@127.0.0.1:6379/abc", "database"},
        {"redis://secretpw@127.0.0.1:6379", "redis://:password@host"},
        {"redis://:secret%zzpw@127.0.0.1:6379", "malformed"},
        {"redis://:secretpw@127.0.0.1:6379/0?timeout=1", "query"},
        {"redis://:secretpw@[::1:6379", "closing ]"},
        {"redis://:secret%00pw@127.0.0.1:6379", "malformed"},
        {"redis://:secretpw%@127.0.0.1:6379", "malformed"},
        {"redis://:secretpw@127.0.0.1:6379#db", "query"},
        {"redis://:secretpw@127.0.0.1:6379/1/2", "database"},
    };
    char err[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct store_options o = {.redis_url = bad[i].url, .tolerate_unavailable = true};
        assert_null(store_open_with(&o, err, sizeof err));
        if (!strstr(err, bad[i].why))
            fail_msg("%s: expected \"%s\" in: %s", bad[i].url, bad[i].why, err);
        assert_null(strstr(err, "secret"));
    }

    /* a wrong password: refused by the server, never echoed */
    char url[160];
    snprintf(url, sizeof url, "redis://:wrong-secret@127.0.0.1:%d", fx->port);
    struct store_options o = {.redis_url = url};
    assert_null(store_open_with(&o, err, sizeof err));
    assert_non_null(strstr(err, "AUTH"));
    assert_null(strstr(err, "wrong-secret"));

    /* an ACL user name ("default") and another database work */
    char with_user[200];
    const char *userinfo = strstr(fx->url, "://:") + 4;
    snprintf(with_user, sizeof with_user, "redis://default:%.*s@127.0.0.1:%d/3",
             (int)(strchr(userinfo, '@') - userinfo), userinfo, fx->port);
    o.redis_url = with_user;
    o.key_prefix = fx->prefix;
    struct store *s = store_open_with(&o, err, sizeof err);
    if (!s)
        fail_msg("%s", err);
    store_close(s);
}

/* ------------------------------------------------------------------------ */
/* Time helpers                                                               */
/* ------------------------------------------------------------------------ */

static void times_parse_and_format(void **state)
{
    (void)state;
    int64_t t;
    assert_true(store_parse_time("1970-01-01T00:00:00Z", &t));
    assert_int_equal(t, 0);
    assert_true(store_parse_time("2024-05-01T12:00:00Z", &t));
    assert_int_equal(t, 1714564800);
    assert_true(store_parse_time("2024-05-01T14:00:00.123+02:00", &t));
    assert_int_equal(t, 1714564800);
    assert_true(store_parse_time("2024-05-01T07:30-0430", &t));
    assert_int_equal(t, 1714564800);
    assert_true(store_parse_time("2024-02-29", &t));
    assert_int_equal(t, 1709164800);
    assert_false(store_parse_time("2023-02-29", &t));
    assert_false(store_parse_time("2024-05-01T25:00:00Z", &t));
    assert_false(store_parse_time("2024-05-01T12:00:00Zjunk", &t));
    assert_false(store_parse_time("", &t));
    assert_false(store_parse_time(NULL, &t));
    char buf[32];
    store_format_time(1714564800, buf);
    assert_string_equal(buf, "2024-05-01T12:00:00Z");
}

/* Issue 13, finding 7: a later view (anyone may send one) cannot rename a post. */
static void view_title_is_kept_from_the_first_view(void **state)
{
    struct fixture *fx = *state;
    int64_t total;
    OK(fx, store_record_view(fx->s, "p", "The real title", "evt-1", "2024-05-01", &total, NULL));
    OK(fx, store_record_view(fx->s, "p", "<script>alert(1)</script> Hacked", "evt-2", "2024-05-01", &total, NULL));
    assert_int_equal(total, 2);
    json_object *top;
    OK(fx, store_top_posts(fx->s, "2024-05-01", 10, &top));
    assert_int_equal(json_object_array_length(top), 1);
    assert_string_equal(str_of(json_object_array_get_idx(top, 0), "title"), "The real title");
    json_object_put(top);
}

/* Issue 13, findings 3 and 7: the rate-limit counters the routes share. */
static void rate_hits_count_per_key_and_window(void **state)
{
    struct fixture *fx = *state;
    int64_t hits = -1, retry = -1;
    for (int i = 1; i <= 3; i++) {
        OK(fx, store_rate_hit(fx->s, "contact:a", 3600, &hits, &retry));
        assert_int_equal(hits, i);
        assert_true(retry >= 1 && retry <= 3600);
    }
    OK(fx, store_rate_hit(fx->s, "contact:b", 3600, &hits, NULL));
    assert_int_equal(hits, 1);
    /* another window length is another count */
    OK(fx, store_rate_hit(fx->s, "contact:a", 86400, &hits, &retry));
    assert_true(hits == 1 || hits == 4); /* the same key: a new window restarts it */
    assert_true(retry >= 1 && retry <= 86400);

    /* a passed window starts again at 1 */
    OK(fx, store_rate_hit(fx->s, "short", 1, &hits, &retry));
    assert_int_equal(retry, 1);
    time_t t0 = time(NULL);
    while (time(NULL) == t0)
        usleep(20 * 1000);
    OK(fx, store_rate_hit(fx->s, "short", 1, &hits, NULL));
    assert_int_equal(hits, 1);
    OK(fx, store_rate_hit(fx->s, "short", 1, &hits, NULL));
    assert_true(hits == 2 || hits == 1); /* 1 if the second turned meanwhile */

    /* bad input */
    assert_int_equal(store_rate_hit(fx->s, "", 60, &hits, NULL), STORE_FAILED);
    assert_int_equal(store_rate_hit(fx->s, NULL, 60, &hits, NULL), STORE_FAILED);
    assert_int_equal(store_rate_hit(fx->s, "k", 0, &hits, NULL), STORE_FAILED);
    assert_int_equal(store_rate_hit(fx->s, "k", STORE_MAX_RATE_WINDOW + 1, &hits, NULL), STORE_FAILED);
    char long_key[STORE_MAX_ID + 2];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    assert_int_equal(store_rate_hit(fx->s, long_key, 60, &hits, NULL), STORE_FAILED);
    assert_int_equal(hits, 0);
}

/* Two connections (two workers, or two hosts on one Redis) count together. */
static void rate_hits_are_shared_between_connections(void **state)
{
    struct fixture *fx = *state;
    struct store *other = open_store(fx, fx->prefix);
    int64_t hits = 0;
    OK(fx, store_rate_hit(fx->s, "shared", 600, &hits, NULL));
    ok(other, store_rate_hit(other, "shared", 600, &hits, NULL), "the other connection");
    assert_int_equal(hits, 2);
    OK(fx, store_rate_hit(fx->s, "shared", 600, &hits, NULL));
    assert_int_equal(hits, 3);
    store_close(other);
}

/* Workers racing on one store: RACE_WORKERS processes (each its own
 * connection, as the SDK's workers have) count the same RACE_EVENTS event
 * ids and as many of their own on one post, create subscriptions of one
 * customer while one of them links that customer to its user.  Nothing is
 * lost or counted twice; a call the store answers STORE_RETRY (SQLite's lock
 * past its busy timeout) is repeated, as a retried step would. */
#define RACE_WORKERS 4
#define RACE_EVENTS 40

#define UNTIL_DONE(call)                                            \
    do {                                                            \
        enum store_result r_ = STORE_RETRY;                         \
        for (int try_ = 0; try_ < 200 && r_ == STORE_RETRY; try_++) \
            r_ = (call);                                            \
        if (r_ != STORE_OK)                                         \
            _exit(10 + r_);                                         \
    } while (0)

static void race_worker(struct fixture *fx, int w, int fd)
{
    struct store *s = open_store(fx, fx->prefix);
    int counted_shared = 0;
    for (int i = 0; i < RACE_EVENTS; i++) {
        char shared[32], own[32], sub[32];
        bool counted = false;
        snprintf(shared, sizeof shared, "evt-shared-%d", i);
        snprintf(own, sizeof own, "evt-%d-%d", w, i);
        UNTIL_DONE(store_record_view(s, "raced", "Raced", shared, "2024-05-01", NULL, &counted));
        counted_shared += counted;
        UNTIL_DONE(store_record_view(s, "raced", "Raced", own, "2024-05-02", NULL, NULL));
        if (w == 0 && i == RACE_EVENTS / 2)
            UNTIL_DONE(store_link_customer(s, "cus_race", "u_race"));
        snprintf(sub, sizeof sub, "sub_race_%d_%d", w, i % 5);
        struct store_subscription_update u = {.subscription_id = sub, .customer_id = "cus_race",
                                              .status = "active", .at = 100 + i};
        UNTIL_DONE(store_update_subscription(s, &u, NULL));
    }
    store_close(s);
    ssize_t n = write(fd, &counted_shared, sizeof counted_shared);
    _exit(n == sizeof counted_shared ? 0 : 3);
}

static void racing_workers_lose_and_double_nothing(void **state)
{
    struct fixture *fx = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pids[RACE_WORKERS];
    for (int w = 0; w < RACE_WORKERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            close(fds[0]);
            race_worker(fx, w, fds[1]);
        }
    }
    close(fds[1]);
    int counted_shared = 0;
    for (int w = 0; w < RACE_WORKERS; w++) {
        int status, one = 0;
        waitpid(pids[w], &status, 0);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("race worker %d ended with status %d", w, status);
        assert_int_equal(read(fds[0], &one, sizeof one), (ssize_t)sizeof one);
        counted_shared += one;
    }
    close(fds[0]);
    assert_int_equal(counted_shared, RACE_EVENTS); /* each shared id counted by exactly one worker */
    int64_t total = 0;
    OK(fx, store_views_total(fx->s, "raced", &total));
    assert_int_equal(total, RACE_EVENTS * (RACE_WORKERS + 1));
    json_object *sum, *days;
    OK(fx, store_compute_summary(fx->s, "weekly", "2024-05-01", "2024-05-07", &sum));
    json_object_object_get_ex(sum, "viewsByDay", &days);
    assert_int_equal(int_of(days, "2024-05-01"), RACE_EVENTS);
    assert_int_equal(int_of(days, "2024-05-02"), RACE_EVENTS * RACE_WORKERS);
    json_object_put(sum);
    /* every subscription of the linked customer has its user, whichever came first */
    json_object *list;
    OK(fx, store_list_subscriptions(fx->s, "u_race", &list));
    assert_int_equal(json_object_array_length(list), RACE_WORKERS * 5);
    json_object_put(list);
}

/* ------------------------------------------------------------------------ */

/* Each test of the shared suite gets a fresh store (test_setup); grouped by domain. */
#define SHARED(t) cmocka_unit_test_setup_teardown(t, test_setup, test_teardown)
#define SHARED_TESTS                                                                                          \
    SHARED(views_are_counted_once_per_event), SHARED(bad_input_is_refused_as_failed),                         \
    SHARED(milestones_are_recorded_once), SHARED(trending_lists_most_viewed_first),                           \
    SHARED(summary_covers_its_period_only), SHARED(view_title_is_kept_from_the_first_view),                   \
    SHARED(subscriptions_follow_stripe_in_any_order), SHARED(payments_are_recorded_once),                     \
    SHARED(github_cache_is_replaced), SHARED(only_expired_sessions_are_deleted),                              \
    SHARED(readwise_accounts_are_replaced),                                                                   \
    SHARED(rate_hits_count_per_key_and_window), SHARED(rate_hits_are_shared_between_connections),             \
    SHARED(racing_workers_lose_and_double_nothing)

int main(void)
{
    /* hiredis writes to sockets a stopped server closed (the SDK's workers ignore it too) */
    signal(SIGPIPE, SIG_IGN);
    srand((unsigned)time(NULL) ^ (unsigned)getpid());

    const struct CMUnitTest sqlite_tests[] = {
        SHARED_TESTS,
        cmocka_unit_test(sqlite_migrates_a_version_1_file),
        cmocka_unit_test(sqlite_reads_a_version_4_file),
        cmocka_unit_test(sqlite_creates_an_empty_file_schema),
        cmocka_unit_test(sqlite_refuses_a_newer_schema_or_a_non_database),
        cmocka_unit_test_setup_teardown(sqlite_lock_held_elsewhere_is_retriable, test_setup, test_teardown),
        cmocka_unit_test(sqlite_creates_missing_directories_privately),
        cmocka_unit_test(sqlite_unusable_paths_give_clear_errors),
        cmocka_unit_test(sqlite_unwritable_directories_give_clear_errors),
        cmocka_unit_test(sqlite_environment_and_worker_hooks),
    };
    const struct CMUnitTest redis_tests[] = {
        SHARED_TESTS,
        cmocka_unit_test_setup_teardown(redis_outage_is_retriable_and_recovers, test_setup, test_teardown),
        cmocka_unit_test(redis_hung_server_times_out_then_recovers),
        cmocka_unit_test(redis_down_at_start_is_tolerated_by_the_worker_hook),
        cmocka_unit_test_setup_teardown(redis_keys_are_namespaced, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(redis_migrates_version_1, test_setup, test_teardown),
        cmocka_unit_test_setup_teardown(redis_reads_layout_2, test_setup, test_teardown),
        cmocka_unit_test(redis_urls_are_checked_without_echoing_passwords),
    };
    const struct CMUnitTest other_tests[] = {
        cmocka_unit_test(a_missing_store_is_retriable),
        cmocka_unit_test(times_parse_and_format),
    };
    int failed = cmocka_run_group_tests_name("store on SQLite", sqlite_tests, sqlite_group_setup, group_teardown);
    failed += cmocka_run_group_tests_name("store on Redis", redis_tests, redis_group_setup, group_teardown);
    failed += cmocka_run_group_tests_name("store without a backend", other_tests, NULL, NULL);
    return failed ? 1 : 0;
}
