package dev.skyfn.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class Sha256Test {

    @Test
    void digestsAreFips180sAndEachStartsFresh() {
        // FIPS 180-2, appendix B.1 and B.2
        assertThat(hex(Sha256.of(bytes("abc")))).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        MessageDigest half = Sha256.digest();
        half.update(bytes("abcdbcdecdefdefgefghfghighij"));
        MessageDigest other = Sha256.digest();
        other.update(bytes("unrelated"));
        half.update(bytes("hijkijkljklmklmnlmnomnopnopq"));
        assertThat(hex(half.digest())).isEqualTo("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
        assertThat(hex(Sha256.of(new byte[0]))).as("a copy made after others were used is empty")
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
