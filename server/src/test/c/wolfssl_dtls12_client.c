/*
 * A minimal wolfSSL DTLS 1.2 client for Turnstile's interop tests: connect, send one message, print the echo.
 *
 *   wolfssl_dtls12_client HOST PORT MESSAGE [CIPHER_LIST]
 *
 * No server verification (the test's server certificate is self-signed). Debian's wolfSSL 5.5.4 (libwolfssl-dev)
 * sends neither TLS_EMPTY_RENEGOTIATION_INFO_SCSV nor renegotiation_info, which is why this client is in the tests.
 * Exit 0 with the echo on stdout; otherwise a line on stderr naming the failing call and wolfSSL's error, exit 1.
 */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int fail(WOLFSSL *ssl, int ret, const char *what)
{
    char text[WOLFSSL_MAX_ERROR_SZ];
    const int error = NULL == ssl ? ret : wolfSSL_get_error(ssl, ret);
    wolfSSL_ERR_error_string_n((unsigned long)error, text, sizeof(text));
    fprintf(stderr, "wolfssl client: %s failed: error %d: %s\n", what, error, text);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5)
    {
        fprintf(stderr, "usage: %s HOST PORT MESSAGE [CIPHER_LIST]\n", argv[0]);
        return 2;
    }
    struct sockaddr_in server;
    memset(&server, 0, sizeof(server));
    server.sin_family = AF_INET;
    server.sin_port = htons((unsigned short)atoi(argv[2]));
    if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1)
    {
        fprintf(stderr, "wolfssl client: bad IPv4 address %s\n", argv[1]);
        return 2;
    }

    wolfSSL_Init();
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfDTLSv1_2_client_method());
    if (NULL == ctx)
    {
        return fail(NULL, 0, "wolfSSL_CTX_new");
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
    if (argc == 5 && wolfSSL_CTX_set_cipher_list(ctx, argv[4]) != WOLFSSL_SUCCESS)
    {
        return fail(NULL, 0, "wolfSSL_CTX_set_cipher_list");
    }

    const int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&server, sizeof(server)) != 0)
    {
        perror("wolfssl client: socket/connect");
        return 1;
    }
    WOLFSSL *ssl = wolfSSL_new(ctx);
    if (NULL == ssl)
    {
        return fail(NULL, 0, "wolfSSL_new");
    }
    wolfSSL_dtls_set_peer(ssl, &server, sizeof(server));
    wolfSSL_set_fd(ssl, fd);

    int ret = wolfSSL_connect(ssl);
    if (ret != WOLFSSL_SUCCESS)
    {
        return fail(ssl, ret, "wolfSSL_connect");
    }
    fprintf(stderr, "wolfssl client: connected, %s %s\n", wolfSSL_get_version(ssl), wolfSSL_get_cipher(ssl));

    const char *message = argv[3];
    ret = wolfSSL_write(ssl, message, (int)strlen(message));
    if (ret <= 0)
    {
        return fail(ssl, ret, "wolfSSL_write");
    }
    char echo[2048];
    ret = wolfSSL_read(ssl, echo, sizeof(echo) - 1);
    if (ret <= 0)
    {
        return fail(ssl, ret, "wolfSSL_read");
    }
    echo[ret] = '\0';
    printf("%s\n", echo);
    fflush(stdout);

    wolfSSL_shutdown(ssl);
    wolfSSL_free(ssl);
    close(fd);
    wolfSSL_CTX_free(ctx);
    wolfSSL_Cleanup();
    return 0;
}
