pragma circom 2.0.0;

// The benchmark circuit (~2^16 constraints): half a chain of squarings (dense, random-looking witness values), half
// bit decompositions (witness values 0 and 1, as in real circuits: range checks, hashes, comparators).

template Num2Bits(n) {
    signal input in;
    signal output out[n];
    var acc = 0;
    var e = 1;
    for (var i = 0; i < n; i++) {
        out[i] <-- (in >> i) & 1;
        out[i] * (out[i] - 1) === 0;
        acc += out[i] * e;
        e = e + e;
    }
    acc === in;
}

template Bench(SQUARINGS, WORDS) {
    signal input seed;
    signal input words[WORDS];
    signal output out;

    signal x[SQUARINGS];
    x[0] <== seed * seed;
    for (var i = 1; i < SQUARINGS; i++) {
        x[i] <== x[i - 1] * x[i - 1] + i;
    }

    component bits[WORDS];
    var sum = 0;
    for (var w = 0; w < WORDS; w++) {
        bits[w] = Num2Bits(64);
        bits[w].in <== words[w];
        sum += bits[w].out[w % 64];
    }
    out <== x[SQUARINGS - 1] + sum;
}

component main {public [seed]} = Bench(32768, 500);
