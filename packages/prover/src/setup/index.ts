/**
 * Trusted setup and circuit tooling:
 * - `devSetup`: an INSECURE .zkey from toxic waste this process knows (tests, devnets, benchmarks);
 * - `setupFromPtau`: snarkjs's phase 2 on a public ceremony's powers of tau, one contribution or a beacon;
 * - `compileCircuit`: circom 2 (the `circom2` package) with --O2.
 */
export { DEV_SETUP_WARNING, type DevSetupOptions, type DevSetupResult, type InsecureToxicWaste, circuitPower, devSetup } from './dev.js';
export { type SetupFromPtauOptions, type SetupFromPtauResult, readPtauHeader, setupFromPtau } from './ptau.js';
export { type CompileCircuitOptions, type CompiledCircuit, compileCircuit } from './compile.js';
export { type R1cs, loadR1cs, parseR1cs } from './r1cs.js';
