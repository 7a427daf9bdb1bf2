// Hardhat 2 config for the Plasma Tree contracts. CommonJS because the package is "type": "module".
//
// The compiler is the `solc` npm package (soljson.js, pinned to 0.8.28) so that compiling works offline:
// Hardhat would otherwise try to download a native solc build.
const { subtask } = require('hardhat/config');
const {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_COMPILE_SOLIDITY_LOG_COMPILATION_ERRORS,
} = require('hardhat/builtin-tasks/task-names');

const SOLC_VERSION = '0.8.28';

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async ({ solcVersion }, _hre, runSuper) => {
  if (solcVersion !== SOLC_VERSION) return runSuper();
  const solcPkg = require('solc/package.json');
  if (solcPkg.version !== SOLC_VERSION) {
    throw new Error(`contracts: the installed solc package is ${solcPkg.version}, expected ${SOLC_VERSION}`);
  }
  const solc = require('solc');
  return {
    compilerPath: require.resolve('solc/soljson.js'),
    isSolcJs: true,
    version: SOLC_VERSION,
    // e.g. "0.8.28+commit.7893614a.Emscripten.clang" -> "0.8.28+commit.7893614a"
    longVersion: solc.version().replace(/\.Emscripten\.clang$/, ''),
  };
});

// solc warns (2394) at every TSTORE. The only ones are in OpenZeppelin's TransientSlot, used by the reentrancy guard
// and by PlasmaRoot's pending validator list, both reset before the call returns: the use the warning calls safe.
subtask(TASK_COMPILE_SOLIDITY_LOG_COMPILATION_ERRORS, async ({ output, quiet }, _hre, runSuper) => {
  const isKnownTstoreWarning = (e) =>
    e.severity === 'warning' && e.errorCode === '2394' && /^@openzeppelin\//.test(e.sourceLocation?.file ?? '');
  // PlasmaRoot's proof and escape entry points forward their calldata (msg.data) to PlasmaFraudVerifier, which decodes
  // the witnesses itself: the root declares those parameters for its ABI without reading them (5667: unused parameter).
  const isForwardedParameter = (e) =>
    e.severity === 'warning' && e.errorCode === '5667' && e.sourceLocation?.file === 'src/PlasmaRoot.sol';
  const errors = output?.errors?.filter((e) => !isKnownTstoreWarning(e) && !isForwardedParameter(e));
  return runSuper({ output: output && { ...output, errors }, quiet });
});

/** @type {import('hardhat/config').HardhatUserConfig} */
module.exports = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      evmVersion: 'cancun', // transient storage (reentrancy guard) and MCOPY
      // The IR pipeline saves ~2,000 gas per commit over the legacy one (and compiles slower: ~10 s with solcjs).
      viaIR: true,
      // High runs: the hot paths (commit, deposit, withdraw) run millions of times, deployment once.
      optimizer: { enabled: true, runs: 1_000_000 },
    },
  },
  paths: {
    sources: './src',
    tests: './test',
    cache: './cache',
    artifacts: './artifacts',
  },
  networks: {
    hardhat: {
      chainId: 31337,
      allowUnlimitedContractSize: false,
    },
  },
};
