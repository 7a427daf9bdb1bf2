pragma circom 2.0.0;

// Public inputs (k, offset) and public outputs (product, scaled): the public signals are outputs then inputs.
// `inv` makes a = 0 an input the circuit rejects (a·inv = 1 has no solution).
template Multiplier() {
    signal input a;
    signal input b;
    signal input k;
    signal input offset;
    signal output product;
    signal output scaled;
    signal inv;

    inv <-- a != 0 ? 1 / a : 0;
    inv * a === 1;
    product <== a * b;
    scaled <== product * k + offset;
}

component main {public [k, offset]} = Multiplier();
