package io.turnstile.cookie;

import io.turnstile.Captures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AesCmacTest
{
    private static final String KEY = "2b7e151628aed2a6abf7158809cf4f3c";
    private static final String MESSAGE =
        "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51" +
        "30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";

    @ParameterizedTest
    @CsvSource({
        "0, bb1d6929e95937287fa37d129b756746",
        "16, 070a16b46b4d4144f79bdd9dd04a287c",
        "40, dfa66747de9ae63030ca32611497c827",
        "64, 51f0bebf7e3b9d92fc49741779363cfe"})
    void shouldMatchRfc4493Examples(final int length, final String expected)
    {
        final AesCmac mac = new AesCmac();
        mac.init(Captures.hex(KEY));
        final byte[] input = new byte[length];
        System.arraycopy(Captures.hex(MESSAGE), 0, input, 0, length);
        final byte[] out = new byte[16];

        mac.compute(input, 0, length, out, 0);

        assertArrayEquals(Captures.hex(expected), out);
    }

    @Test
    void shouldLeaveMessageIntactAndMatchWhenReusedAtAnOffset()
    {
        final AesCmac mac = new AesCmac();
        mac.init(Captures.hex(KEY));
        final byte[] out = new byte[20];
        final byte[] input = new byte[7 + 40];
        System.arraycopy(Captures.hex(MESSAGE), 0, input, 7, 40);
        final byte[] original = input.clone();
        for (int round = 0; round < 3; round++)
        {
            mac.compute(input, 7, 40, out, 4);
            assertArrayEquals(Captures.hex("dfa66747de9ae63030ca32611497c827"), java.util.Arrays.copyOfRange(out, 4, 20));
            assertArrayEquals(original, input, "the message is not modified");
        }
    }

    @Test
    void shouldRefuseWrongKeyLength()
    {
        assertThrows(IllegalArgumentException.class, () -> new AesCmac().init(new byte[15]));
    }

    @Test
    void shouldRefuseComputeBeforeInit()
    {
        assertThrows(IllegalStateException.class, () -> new AesCmac().compute(new byte[80], 0, 0, new byte[16], 0));
    }
}
