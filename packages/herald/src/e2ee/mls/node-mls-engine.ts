import { nodeCryptoProvider } from './crypto/node-crypto-provider.ts';
import { TsMlsEngine, type TsMlsEngineOptions } from './ts-mls-engine.ts';

/**
 * The engine for Node processes (server, Node SDK clients): {@link TsMlsEngine} on the native
 * `node:crypto` provider unless another provider is given. Browsers construct `TsMlsEngine`
 * directly and get ts-mls's stock WebCrypto provider.
 */
export function createNodeMlsEngine(options: TsMlsEngineOptions): TsMlsEngine {
  return new TsMlsEngine({ ...options, cryptoProvider: options.cryptoProvider ?? nodeCryptoProvider });
}
