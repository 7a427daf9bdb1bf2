import { getAddress } from 'ethers';

/** EIP-55 checksummed, as wallets and explorers show addresses. */
export function addr(a: string): string {
  try {
    return getAddress(a);
  } catch {
    return a;
  }
}
