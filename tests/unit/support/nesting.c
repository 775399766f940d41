/* nesting.c — deeply nested JSON text for the depth tests (nesting.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "nesting.h"

#include <stdlib.h>
#include <string.h>

char *nested_arrays(size_t depth)
{
    char *text = malloc(2 * depth + 1);
    assert_non_null(text);
    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    text[2 * depth] = '\0';
    return text;
}
