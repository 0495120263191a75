/*
 * A minimal mbedTLS 2.28 DTLS 1.2 client for Turnstile's interop tests: connect, send one message, print the echo.
 *
 *   mbedtls_dtls12_client HOST PORT MESSAGE cert|psk[:IDENTITY:HEXKEY] SUITE [SUITE...]
 *
 * SUITE names as mbedTLS spells them, e.g. TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8 or TLS-PSK-WITH-AES-128-CCM-8: the
 * client offers those and nothing else, as a CoAP device (RFC 7252 section 9.1.3) would. "cert" does not verify the
 * server (the test's certificate is self-signed). Exit 0 with the echo on stdout; otherwise a line on stderr naming
 * the failing call and mbedTLS's error text, exit 1.
 */
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/timing.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SUITES 16
#define READ_TIMEOUT_MS 10000

static int fail(const int ret, const char *what)
{
    char text[256];
    mbedtls_strerror(ret, text, sizeof(text));
    fprintf(stderr, "mbedtls client: %s failed: -0x%04x: %s\n", what, (unsigned int)-ret, text);
    return 1;
}

static int hex_value(const char c)
{
    if (c >= '0' && c <= '9')
    {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f')
    {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F')
    {
        return c - 'A' + 10;
    }
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 6 || argc - 5 > MAX_SUITES)
    {
        fprintf(stderr, "usage: %s HOST PORT MESSAGE cert|psk:IDENTITY:HEXKEY SUITE [SUITE...]\n", argv[0]);
        return 2;
    }
    int suites[MAX_SUITES + 1];
    for (int i = 5; i < argc; i++)
    {
        suites[i - 5] = mbedtls_ssl_get_ciphersuite_id(argv[i]);
        if (0 == suites[i - 5])
        {
            fprintf(stderr, "mbedtls client: unknown or disabled cipher suite %s\n", argv[i]);
            return 2;
        }
    }
    suites[argc - 5] = 0;

    mbedtls_net_context net;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_timing_delay_context timer;
    mbedtls_net_init(&net);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);

    int ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)"turnstile", 9);
    if (ret != 0)
    {
        return fail(ret, "mbedtls_ctr_drbg_seed");
    }
    ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
        MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0)
    {
        return fail(ret, "mbedtls_ssl_config_defaults");
    }
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_min_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_ciphersuites(&conf, suites);
    mbedtls_ssl_conf_read_timeout(&conf, READ_TIMEOUT_MS);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);

    if (0 == strncmp(argv[4], "psk:", 4))
    {
        char *identity = argv[4] + 4;
        char *hex = strchr(identity, ':');
        unsigned char key[64];
        size_t keyLength = 0;
        if (NULL == hex)
        {
            fprintf(stderr, "mbedtls client: psk mode is psk:IDENTITY:HEXKEY\n");
            return 2;
        }
        *hex++ = '\0';
        for (; hex[0] && hex[1] && keyLength < sizeof(key); hex += 2)
        {
            const int high = hex_value(hex[0]);
            const int low = hex_value(hex[1]);
            if (high < 0 || low < 0)
            {
                fprintf(stderr, "mbedtls client: the PSK must be hex\n");
                return 2;
            }
            key[keyLength++] = (unsigned char)(high << 4 | low);
        }
        ret = mbedtls_ssl_conf_psk(&conf, key, keyLength, (const unsigned char *)identity, strlen(identity));
        if (ret != 0)
        {
            return fail(ret, "mbedtls_ssl_conf_psk");
        }
    }
    else if (0 != strcmp(argv[4], "cert"))
    {
        fprintf(stderr, "mbedtls client: mode must be cert or psk:IDENTITY:HEXKEY, got %s\n", argv[4]);
        return 2;
    }

    ret = mbedtls_ssl_setup(&ssl, &conf);
    if (ret != 0)
    {
        return fail(ret, "mbedtls_ssl_setup");
    }
    ret = mbedtls_net_connect(&net, argv[1], argv[2], MBEDTLS_NET_PROTO_UDP);
    if (ret != 0)
    {
        return fail(ret, "mbedtls_net_connect");
    }
    mbedtls_ssl_set_bio(&ssl, &net, mbedtls_net_send, mbedtls_net_recv, mbedtls_net_recv_timeout);
    mbedtls_ssl_set_timer_cb(&ssl, &timer, mbedtls_timing_set_delay, mbedtls_timing_get_delay);

    do
    {
        ret = mbedtls_ssl_handshake(&ssl);
    }
    while (MBEDTLS_ERR_SSL_WANT_READ == ret || MBEDTLS_ERR_SSL_WANT_WRITE == ret);
    if (ret != 0)
    {
        return fail(ret, "mbedtls_ssl_handshake");
    }
    fprintf(stderr, "mbedtls client: connected, %s %s\n", mbedtls_ssl_get_version(&ssl),
        mbedtls_ssl_get_ciphersuite(&ssl));

    const char *message = argv[3];
    do
    {
        ret = mbedtls_ssl_write(&ssl, (const unsigned char *)message, strlen(message));
    }
    while (MBEDTLS_ERR_SSL_WANT_READ == ret || MBEDTLS_ERR_SSL_WANT_WRITE == ret);
    if (ret < 0)
    {
        return fail(ret, "mbedtls_ssl_write");
    }
    unsigned char echo[2048];
    do
    {
        ret = mbedtls_ssl_read(&ssl, echo, sizeof(echo) - 1);
    }
    while (MBEDTLS_ERR_SSL_WANT_READ == ret || MBEDTLS_ERR_SSL_WANT_WRITE == ret);
    if (ret <= 0)
    {
        return fail(ret, "mbedtls_ssl_read");
    }
    echo[ret] = '\0';
    printf("%s\n", (const char *)echo);
    fflush(stdout);

    mbedtls_ssl_close_notify(&ssl);
    mbedtls_net_free(&net);
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return 0;
}
