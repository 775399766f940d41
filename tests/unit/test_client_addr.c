/*
 * test_client_addr.c — the client address behind proxies (issue 13, finding
 * 8) and the address lists it and the FastCGI front rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "core/client_addr.h"
#include "base/ip_list.h"

static struct ip_list list_of(const char *text)
{
    struct ip_list l;
    char err[200];
    if (!ip_list_parse(text, "TEST", &l, err, sizeof(err)))
        fail_msg("\"%s\" refused: %s", text, err);
    return l;
}

static void expect_client(const char *remote, const char *xff, bool trust, const char *trusted,
                          const char *want)
{
    struct ip_list l;
    if (trusted)
        l = list_of(trusted);
    else
        ip_list_loopback(&l);
    char out[64];
    const char *got = client_addr_resolve(remote, xff, trust, &l, out, sizeof(out));
    if (!want ? got != NULL : (!got || strcmp(got, want) != 0))
        fail_msg("remote %s, X-Forwarded-For \"%s\", trust %d, trusted %s: got %s, want %s",
                 remote ? remote : "(none)", xff ? xff : "(none)", trust, trusted ? trusted : "loopback",
                 got ? got : "(none)", want ? want : "(none)");
}

static void test_right_most_untrusted_entry(void **s)
{
    (void)s;
    /* the case: the client put a fake left-most entry */
    expect_client("127.0.0.1", "6.6.6.6, 203.0.113.9", true, NULL, "203.0.113.9");
    /* two trusted proxies: nginx on loopback and a load balancer in 10/8 */
    expect_client("127.0.0.1", "1.2.3.4, 203.0.113.9, 10.0.0.5", true, "127.0.0.0/8, 10.0.0.0/8",
                  "203.0.113.9");
    /* the load balancer is not trusted: it is the client as far as we know */
    expect_client("127.0.0.1", "1.2.3.4, 203.0.113.9, 10.0.0.5", true, NULL, "10.0.0.5");
    /* every hop trusted: the left-most one */
    expect_client("127.0.0.1", "10.1.1.1, 10.0.0.5", true, "127.0.0.1 10.0.0.0/8", "10.1.1.1");
    /* IPv6, ports and brackets, spacing */
    expect_client("::1", "2001:db8::1", true, NULL, "2001:db8::1");
    expect_client("127.0.0.1", " [2001:db8::7]:443 ,198.51.100.2:8080", true, NULL, "198.51.100.2");
    expect_client("127.0.0.1", "[2001:db8::7]:443", true, NULL, "2001:db8::7");
    /* a v4-mapped REMOTE_ADDR is the IPv4 proxy */
    expect_client("::ffff:127.0.0.1", "203.0.113.9", true, NULL, "203.0.113.9");
}

static void test_forwarded_ignored_unless_trusted(void **s)
{
    (void)s;
    expect_client("192.0.2.7", "203.0.113.9", false, NULL, "192.0.2.7");
    /* the peer itself is not a trusted proxy: a direct client wrote the header */
    expect_client("192.0.2.7", "203.0.113.9", true, NULL, "192.0.2.7");
    expect_client("127.0.0.1", NULL, true, NULL, "127.0.0.1");
    expect_client(NULL, "203.0.113.9", true, NULL, NULL);
    expect_client("", "203.0.113.9", true, NULL, NULL);
    /* not an address (nginx over a Unix socket): kept as it is, nothing forwarded counts */
    expect_client("unix:", "203.0.113.9", true, NULL, "unix:");
}

static void test_garbage_stops_at_the_last_trusted_hop(void **s)
{
    (void)s;
    expect_client("127.0.0.1", "not-an-ip", true, NULL, "127.0.0.1");
    expect_client("127.0.0.1", "203.0.113.9, not-an-ip, 10.0.0.5", true, "127.0.0.0/8 10.0.0.0/8",
                  "10.0.0.5");
    expect_client("127.0.0.1", "203.0.113.9,", true, NULL, "127.0.0.1");
    expect_client("127.0.0.1", "", true, NULL, "127.0.0.1");
    expect_client("127.0.0.1", "1.2.3.4\r\nX-Injected: yes", true, NULL, "127.0.0.1");
    char long_entry[200];
    memset(long_entry, '1', sizeof(long_entry) - 1);
    long_entry[sizeof(long_entry) - 1] = '\0';
    expect_client("127.0.0.1", long_entry, true, NULL, "127.0.0.1");
}

static void test_lists(void **s)
{
    (void)s;
    struct ip_list l = list_of("127.0.0.1, 10.0.0.0/8 192.168.1.0/24,::1,fd00::/8,::ffff:172.16.0.0/108");
    assert_int_equal(l.count, 6);
    const char *in[] = {"127.0.0.1", "10.255.0.1", "192.168.1.77", "::1", "fd12::3", "::ffff:10.1.2.3",
                        "172.16.5.5"};
    const char *out[] = {"127.0.0.2", "11.0.0.1", "192.168.2.1", "::2", "fe80::1", "2001:db8::1",
                         "172.32.0.1", "garbage", ""};
    for (size_t i = 0; i < sizeof(in) / sizeof(in[0]); i++)
        if (!ip_list_contains_text(&l, in[i]))
            fail_msg("%s should be in the list", in[i]);
    for (size_t i = 0; i < sizeof(out) / sizeof(out[0]); i++)
        if (ip_list_contains_text(&l, out[i]))
            fail_msg("%s should not be in the list", out[i]);

    struct ip_list lo;
    ip_list_loopback(&lo);
    struct sockaddr_in v4 = {.sin_family = AF_INET};
    inet_pton(AF_INET, "127.3.4.5", &v4.sin_addr);
    assert_true(ip_list_contains_sockaddr(&lo, (struct sockaddr *)&v4));
    inet_pton(AF_INET, "192.0.2.1", &v4.sin_addr);
    assert_false(ip_list_contains_sockaddr(&lo, (struct sockaddr *)&v4));
    struct sockaddr_in6 v6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &v6.sin6_addr);
    assert_true(ip_list_contains_sockaddr(&lo, (struct sockaddr *)&v6));
    inet_pton(AF_INET6, "::1", &v6.sin6_addr);
    assert_true(ip_list_contains_sockaddr(&lo, (struct sockaddr *)&v6));
    inet_pton(AF_INET6, "2001:db8::1", &v6.sin6_addr);
    assert_false(ip_list_contains_sockaddr(&lo, (struct sockaddr *)&v6));
    struct sockaddr unix_peer = {.sa_family = AF_UNIX};
    assert_false(ip_list_contains_sockaddr(&lo, &unix_peer));

    struct ip_list bad;
    char err[200];
    const char *refused[] = {"10.0.0.0/33", "::1/129", "example.com", "10.0.0.1/", "10.0.0.1/x",
                             "1.2.3.4/-1"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        if (ip_list_parse(refused[i], "TEST", &bad, err, sizeof(err)))
            fail_msg("\"%s\" was accepted", refused[i]);
        assert_non_null(strstr(err, "TEST"));
    }
    char many[1024] = "";
    for (int i = 0; i <= IP_LIST_MAX; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "10.0.0.%d,", i);
    assert_false(ip_list_parse(many, "TEST", &bad, err, sizeof(err)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_right_most_untrusted_entry),
        cmocka_unit_test(test_forwarded_ignored_unless_trusted),
        cmocka_unit_test(test_garbage_stops_at_the_last_trusted_hop),
        cmocka_unit_test(test_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
