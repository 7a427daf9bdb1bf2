pragma circom 2.0.0;

// Mostly 0/1 witness values: 64-bit decompositions of two inputs and bitwise AND/OR/XOR of them, and a
// selector that zeroes most products. Exercises the MSMs' handling of zero and one scalars.
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

template Bits(n) {
    signal input x;
    signal input y;
    signal input sel;
    signal output andCount;
    signal output picked;
    component bx = Num2Bits(n);
    component by = Num2Bits(n);
    bx.in <== x;
    by.in <== y;
    signal and[n];
    signal or[n];
    signal xor[n];
    signal masked[n];
    var count = 0;
    for (var i = 0; i < n; i++) {
        and[i] <== bx.out[i] * by.out[i];
        or[i] <== bx.out[i] + by.out[i] - and[i];
        xor[i] <== or[i] - and[i];
        masked[i] <== xor[i] * sel;
        count += and[i];
    }
    andCount <== count;
    var acc = 0;
    for (var i = 0; i < n; i++) acc += masked[i];
    picked <== acc;
}

component main {public [sel]} = Bits(64);
