/*
 * test_step_id.c — hashed step ids and the repeat rule, replayed from
 * vectors/step_ids.json, plus collisions the vectors do not spell out and a
 * 10,000-step run (which would crawl if each call rescanned earlier ids).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/limits.h"
#include "base/mem_alloc.h"
#include "core/signature.h"
#include "steps/step_id.h"
#include "vectors.h"

static int strcmp_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

struct fixture {
    struct arena *arena;
    struct step_id_table *ids;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    f->arena = arena_new();
    f->ids = f->arena ? step_id_table_new(f->arena) : NULL;
    if (!f->ids) {
        arena_release(f->arena);
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    arena_release(f->arena);
    free(f);
    return 0;
}

/* Runs one id through the table and checks hash and display id. */
static void expect_next(struct step_id_table *t, const char *id, const char *want_display, const char *want_hash)
{
    const char *display = NULL;
    const char *hash = step_id_next(t, id, &display);
    assert_non_null(hash);
    assert_non_null(display);
    if (strcmp(display, want_display) != 0)
        fail_msg("id \"%s\" shown as \"%s\", want \"%s\"", id, display, want_display);
    assert_int_equal(strlen(hash), 40);
    if (want_hash) {
        assert_string_equal(hash, want_hash);
    } else {
        char h[41];
        sig_sha1_hex(want_display, strlen(want_display), h);
        assert_string_equal(hash, h);
    }
}

/* A step id table of its own, as a fresh request has; *a is its arena. */
static struct step_id_table *fresh_table(struct arena **a)
{
    *a = arena_new();
    assert_non_null(*a);
    struct step_id_table *t = step_id_table_new(*a);
    assert_non_null(t);
    return t;
}

static bool check_hash(json_object *v, void *ctx)
{
    (void)ctx;
    const char *id = vectors_need_str(v, "id");
    const char *hex = vectors_need_str(v, "id_utf8_hex");
    assert_int_equal(strlen(hex), 2 * strlen(id)); /* the id is the bytes we think */

    char h[41];
    sig_sha1_hex(id, strlen(id), h);
    assert_string_equal(h, vectors_need_str(v, "expected_hash"));

    /* first use in a fresh request: the plain hash, the id shown as is */
    struct arena *a;
    struct step_id_table *t = fresh_table(&a);
    const char *display = NULL;
    const char *got = step_id_next(t, id, &display);
    assert_non_null(got);
    assert_string_equal(got, vectors_need_str(v, "expected_hash"));
    assert_ptr_equal(display, id);
    arena_release(a);
    return true;
}

struct call_count {
    size_t held, ran;
};

static bool check_repeat_sequence(json_object *seq, void *ctx)
{
    struct call_count *calls_count = ctx;
    json_object *calls = vectors_need(seq, "calls"), *result = vectors_need(seq, "result");
    size_t m = json_object_array_length(calls);
    assert_int_equal(json_object_array_length(result), m);
    calls_count->held += m;
    struct arena *a;
    struct step_id_table *t = fresh_table(&a);
    for (size_t j = 0; j < m; j++) {
        const char *call = json_object_get_string(json_object_array_get_idx(calls, j));
        json_object *r = json_object_array_get_idx(result, j);
        assert_string_equal(call, vectors_need_str(r, "user_id"));
        expect_next(t, call, vectors_need_str(r, "final_id"), vectors_need_str(r, "hashed"));
        calls_count->ran++;
    }
    arena_release(a);
    return true;
}

static void test_repeat_sequences(void **state)
{
    (void)state;
    struct call_count calls = {0, 0};
    vectors_each("step_ids.json", "repeat_sequences", 3, check_repeat_sequence, &calls);
    assert_cases("step_ids.json repeat_sequences' calls", calls.ran, calls.held, 10);
}

static void test_run_complete_id(void **state)
{
    struct fixture *f = *state;
    json_object *root = vectors_load("step_ids.json");
    assert_non_null(root);
    json_object *rc = vectors_need(root, "run_complete_id");
    const char *id = vectors_need_str(rc, "id");
    assert_string_equal(id, "complete");
    char h[41];
    sig_sha1_hex(id, strlen(id), h);
    assert_string_equal(h, vectors_need_str(rc, "expected_hash"));
    expect_next(f->ids, id, "complete", vectors_need_str(rc, "expected_hash"));
    json_object_put(root);
}

/* Repeat counting is per request: a new table starts over. */
static void test_counting_restarts_per_request(void **state)
{
    struct fixture *f = *state;
    expect_next(f->ids, "item", "item", "3a7d9767b1233601ebf8b67495c6dc2ce8b8c2af");
    expect_next(f->ids, "item", "item:1", "c1606908a12ad4caef5f90e9fcfe3b4d1253a1a8");
    struct step_id_table *fresh = step_id_table_new(f->arena);
    assert_non_null(fresh);
    expect_next(fresh, "item", "item", "3a7d9767b1233601ebf8b67495c6dc2ce8b8c2af");
}

/* Collisions between explicit and generated ids, in both directions: every
 * hash handed out in one request is distinct. */
static void test_collisions(void **state)
{
    struct fixture *f = *state;
    struct step_id_table *t = f->ids;
    expect_next(t, "a", "a", NULL);
    expect_next(t, "a", "a:1", NULL);
    /* an explicit id equal to a generated one gets its own suffix */
    expect_next(t, "a:1", "a:1:1", NULL);
    expect_next(t, "a:2", "a:2", NULL);
    /* "a" skips a:2, taken above, and goes on from there */
    expect_next(t, "a", "a:3", NULL);
    expect_next(t, "a", "a:4", NULL);
    expect_next(t, "a:1", "a:1:2", NULL);
    /* other ids are untouched */
    expect_next(t, "b", "b", NULL);
    expect_next(t, "", "", "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    expect_next(t, "", ":1", NULL);

    /* the display pointer stays valid (arena-owned) after the caller's buffer changes */
    char buf[8];
    strcpy(buf, "zz");
    const char *display = NULL;
    assert_non_null(step_id_next(t, buf, &display));
    assert_ptr_equal(display, buf);
    assert_non_null(step_id_next(t, buf, &display));
    strcpy(buf, "yy");
    assert_string_equal(display, "zz:1");
    /* display may be omitted */
    assert_non_null(step_id_next(t, "zz", NULL));
    assert_null(step_id_next(t, NULL, &display));
    assert_null(display);
}

/* 10,000 repeats of one id, as a long loop would produce, interleaved with
 * distinct ids: every hash unique, every display id what the rule says. */
static void test_ten_thousand_repeats(void **state)
{
    struct fixture *f = *state;
    struct step_id_table *t = f->ids;
    char want[32];
    const char **seen = calloc(2 * ING_MAX_STEPS_PER_REQUEST, sizeof(*seen));
    assert_non_null(seen);
    size_t nseen = 0;
    for (int i = 0; i < ING_MAX_STEPS_PER_REQUEST; i++) {
        const char *display = NULL;
        const char *h = step_id_next(t, "loop", &display);
        assert_non_null(h);
        if (i == 0)
            snprintf(want, sizeof(want), "loop");
        else
            snprintf(want, sizeof(want), "loop:%d", i);
        assert_string_equal(display, want);
        seen[nseen++] = h;

        char other[32];
        snprintf(other, sizeof(other), "other-%d", i);
        h = step_id_next(t, other, &display);
        assert_non_null(h);
        assert_string_equal(display, other);
        seen[nseen++] = h;
    }
    /* the last hash is the plain SHA-1 of its display id */
    char h[41];
    sig_sha1_hex("loop:9999", 9, h);
    assert_string_equal(seen[nseen - 2], h);
    /* all distinct: sort and compare neighbours */
    qsort(seen, nseen, sizeof(*seen), strcmp_ptr);
    for (size_t i = 1; i < nseen; i++)
        assert_string_not_equal(seen[i - 1], seen[i]);
    free(seen);
}

/* Fills the arena's current chunk with the allocator armed to fail, so that
 * the next arena allocation of any size fails. */
static void exhaust_arena(struct arena *a)
{
    mem_fail_after(1);
    while (arena_alloc(a, 1))
        ;
}

/* Allocation failures return NULL and change nothing: no id is marked taken
 * and no repeat index is consumed. */
static void test_allocation_failure(void **state)
{
    struct fixture *f = *state;
    struct step_id_table *t = f->ids;
    expect_next(t, "x", "x", NULL);

    exhaust_arena(f->arena);
    const char *display = "unchanged";
    const char *h = step_id_next(t, "x", &display); /* a repeat */
    mem_fail_reset();
    assert_null(h);
    assert_null(display);

    exhaust_arena(f->arena);
    display = "unchanged";
    h = step_id_next(t, "y", &display); /* a first use */
    mem_fail_reset();
    assert_null(h);
    assert_null(display);

    expect_next(t, "x", "x:1", NULL);
    expect_next(t, "y", "y", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        vectors_unit_test(test_hashes, "step_ids.json", "hashes", 29, check_hash),
        cmocka_unit_test(test_repeat_sequences),
        cmocka_unit_test_setup_teardown(test_run_complete_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counting_restarts_per_request, setup, teardown),
        cmocka_unit_test_setup_teardown(test_collisions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ten_thousand_repeats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allocation_failure, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
