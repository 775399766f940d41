/*
 * main.c — the program's entry point: the app's table (ing_app_definition,
 * defined by the app) served by ing_main().  Installed on its own as
 * libinngest-fcgi-main.a, so that a user's app is a table and its functions,
 * linked with `pkg-config --libs inngest-fcgi`; a test supplies its own main().
 */
#include "inngest.h"

int main(int argc, char **argv)
{
    return ing_main(&ing_app_definition, argc, argv);
}
