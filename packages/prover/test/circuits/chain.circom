pragma circom 2.0.0;

// ~1,000 constraints: a chain x_{i+1} = x_i² + x_i·y + i, one quadratic constraint per step (two for the
// product terms), public result.
template Chain(n) {
    signal input x;
    signal input y;
    signal output out;
    signal s[n + 1];
    signal t[n];
    s[0] <== x;
    for (var i = 0; i < n; i++) {
        t[i] <== s[i] * y;
        s[i + 1] <== s[i] * s[i] + t[i] + i;
    }
    out <== s[n];
}

component main = Chain(500);
