#!/usr/bin/env bash
# `make new-app NAME=… [DIR=…]`: writes DIR/NAME, a minimal app of your own on
# the installed SDK (DIR defaults to the directory that holds this source
# tree, so the app lands beside it; never inside it):
#   NAME.c        the app: one function, "hello", on the event "NAME/hello",
#                 with one step; its table is ing_app_definition
#   test_NAME.c   its unit test (cmocka, ing_test_call: no server needed)
#   Makefile      builds both with pkg-config (the static library by default),
#                 `make test` runs the test, `make run` serves the app with
#                 this source tree's `make run` (nginx + the Inngest dev server)
# It never overwrites: an existing DIR/NAME is an error.
set -euo pipefail
sdk_src=$(cd "$(dirname "$0")/../.." && pwd)

name=${1:-${NAME:-}}
dir=${2:-${DIR:-$(dirname "$sdk_src")}}
if [[ -z $name ]]; then
	echo "usage: make new-app NAME=<name> [DIR=<parent directory>]" >&2
	exit 2
fi
if ! [[ $name =~ ^[a-z][a-z0-9-]{0,39}$ ]]; then
	echo "new-app: NAME must be lower-case letters, digits and '-', starting with a letter (it becomes the app id)," \
		"not '$name'" >&2
	exit 2
fi
app=$dir/$name
mkdir -p "$dir"
case $(cd "$dir" && pwd)/ in
"$sdk_src"/*)
	echo "new-app: $app would be inside the SDK's source tree; choose a DIR outside it (DIR=~/src)" >&2
	exit 2
	;;
esac
if [[ -e $app ]]; then
	echo "new-app: $app already exists; choose another NAME or DIR" >&2
	exit 1
fi
c_name=${name//-/_}
mkdir -p "$app"

cat >"$app/$name.c" <<EOF
/*
 * $name.c — an Inngest app in C (inngest-fcgi).
 *
 * A function is a C function that takes the request's context and returns
 * its result as JSON; the table at the end declares each one: its id, a name,
 * what triggers it.  Steps (ing_step_run, ing_step_sleep, …) are retried and
 * memoized by Inngest: when a step has run, the function runs again from the
 * top and the step returns its stored value at once.  So no error checks
 * after a step, and nothing held across one but what the SDK gives you.
 * Memory: values from ing_json_*(), ing_json_pack() and ing_sprintf() belong
 * to the request; the SDK never takes your reference nor gives you one.
 */
#include <inngest.h>

/* A step's body: runs once (retried on failure), its value is memoized. */
static json_object *compose(struct ing_ctx *c, void *arg)
{
    const char *who = arg;
    return ing_json_pack(c, "{s:s}", "text", ing_sprintf(c, "Hello, %s!", who));
}

/* The function: triggered by the event "$name/hello" {"data": {"name": "…"}}. */
static json_object *hello(struct ing_ctx *c)
{
    const char *who = ing_json_get_string(ing_event_data(c), "name");
    json_object *message = ing_step_run(c, "compose", compose, (void *)(who ? who : "world"));
    return ing_json_pack(c, "{s:o}", "greeting", ing_json_get(message, "text"));
}

static const struct ing_function functions[] = {
    {.id = "hello", .name = "Say hello", .triggers = {ING_EVENT("$name/hello")}, .handler = hello},
};

const struct ing_app ing_app_definition = {
    .default_app_id = "$name",
    .version = "0.1.0",
    .functions = functions,
    .function_count = ING_COUNT(functions),
};
EOF

cat >"$app/test_$name.c" <<EOF
/*
 * test_$name.c — the unit test of $name.c, in-process: ing_test_call() runs a
 * function as Inngest would call it, once per call, and returns the answer;
 * ing_test_run() plays Inngest for the whole run (inngest.h, "Testing a
 * function without a server").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>
#include <inngest.h>

static void hello_runs_its_step_then_returns_the_greeting(void **state)
{
    (void)state;
    struct ing_test_result r;
    struct ing_test_options o = {.event = "{\"name\":\"$name/hello\",\"data\":{\"name\":\"Ada\"}}"};

    /* 1st call: "compose" is new, so it runs and is reported (206, StepRun). */
    assert_int_equal(ing_test_call(&ing_app_definition, "hello", &o, &r), 0);
    assert_int_equal(r.status, 206);
    json_object *op = json_object_array_get_idx(r.json, 0);
    assert_string_equal(ing_json_get_string(op, "op"), "StepRun");
    assert_string_equal(ing_json_get_string(op, "displayName"), "compose");
    assert_string_equal(ing_json_get_string(ing_json_get(op, "data"), "text"), "Hello, Ada!");

    /* 2nd call: Inngest sends the step's result back; the function returns. */
    char hash[41], steps[512];
    ing_test_step_hash("compose", 0, hash);
    snprintf(steps, sizeof(steps), "{\"%s\":{\"data\":%s}}", hash,
             json_object_to_json_string(ing_json_get(op, "data")));
    ing_test_result_free(&r);
    o.steps = steps;
    assert_int_equal(ing_test_call(&ing_app_definition, "hello", &o, &r), 0);
    assert_int_equal(r.status, 200);
    assert_string_equal(ing_json_get_string(r.json, "greeting"), "Hello, Ada!");
    ing_test_result_free(&r);
}

/* The same run in one call: ing_test_run memoizes each step and calls again
 * until the function returns. */
static void hello_runs_to_its_end(void **state)
{
    (void)state;
    struct ing_test_run_result run;
    struct ing_test_run_options o = {.event = "{\"name\":\"$name/hello\",\"data\":{\"name\":\"Ada\"}}"};
    assert_int_equal(ing_test_run(&ing_app_definition, "hello", &o, &run), 0);
    assert_int_equal(run.status, 200);
    assert_int_equal(run.calls, 2);
    assert_string_equal(ing_json_get_string(run.output, "greeting"), "Hello, Ada!");
    ing_test_run_free(&run);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hello_runs_its_step_then_returns_the_greeting),
        cmocka_unit_test(hello_runs_to_its_end),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
EOF

cat >"$app/Makefile" <<EOF
# $name — an Inngest app in C on inngest-fcgi (written by make new-app).
#   make        build $name (the FastCGI program) and test_$name (its unit test)
#   make test   run the unit test
#   make run    serve $name under nginx with the Inngest dev server, through
#               the SDK source tree's make run (SDK_SRC); Ctrl-C stops it
# The SDK comes from pkg-config: set PKG_CONFIG_PATH=<prefix>/lib/pkgconfig
# when it is installed outside /usr and /usr/local.  SDK_PC=inngest-fcgi links
# the shared library instead of the static one (and the program then needs
# it at run time: LD_LIBRARY_PATH or ldconfig).
SDK_PC  ?= inngest-fcgi-static
SDK_SRC ?= $sdk_src
CFLAGS  ?= -g -O2 -Wall -Wextra
SDK_CFLAGS := \$(shell pkg-config --cflags \$(SDK_PC))
SDK_LIBS   := \$(shell pkg-config --libs \$(SDK_PC))

.PHONY: all test run sdk clean
all: sdk $name test_$name

sdk:
	@pkg-config --exists \$(SDK_PC) || { echo "pkg-config cannot find \$(SDK_PC): install the SDK (make install-sdk" \\
		"PREFIX=...) and set PKG_CONFIG_PATH=<prefix>/lib/pkgconfig" >&2; exit 1; }

$name: $name.c
	\$(CC) \$(CFLAGS) \$(SDK_CFLAGS) -o \$@ $name.c \$(SDK_LIBS)

# The test's main() takes the place of the SDK's.
test_$name: test_$name.c $name.c
	\$(CC) \$(CFLAGS) \$(SDK_CFLAGS) -o \$@ test_$name.c $name.c \$(SDK_LIBS) -lcmocka

test: test_$name
	./test_$name

run: $name
	\$(MAKE) -C \$(SDK_SRC) run APP=\$(CURDIR)/$name

clean:
	rm -f $name test_$name
EOF

printf '%s\n' "/$name" "/test_$name" >"$app/.gitignore"

echo "new-app: wrote $app ($name.c, test_$name.c, Makefile)"
echo "next:"
echo "    make -C $app && make -C $app test    # build it and run its unit test"
echo "    make -C $app run                     # serve it with the Inngest dev server"
