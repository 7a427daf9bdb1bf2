pragma circom 2.0.0;

// No public signal at all (nPublic = 0): proves knowledge of a factorisation of 391 = 17 · 23 without
// revealing it, with both factors non-trivial.
template Factor() {
    signal input p;
    signal input q;
    signal pinv;
    signal qinv;
    p * q === 391;
    pinv <-- 1 / (p - 1);
    pinv * (p - 1) === 1;
    qinv <-- 1 / (q - 1);
    qinv * (q - 1) === 1;
}

component main = Factor();
