import { devSignerKey } from '../journal/record-logs.ts';
import type { Store } from '../storage/store.ts';
import { parseSignerKey } from '../tlog/index.ts';
import { DevAttestationVerifier } from './dev-attestation-verifier.ts';
import type { KeysLogger } from './device-admin.ts';
import type { DeviceRevocationListener } from './device-revocation-listener.ts';
import { createKeys, type Keys } from './keys.ts';
import { X509AttestationVerifier } from './x509-attestation-verifier.ts';

/**
 * Opens the `keys` part from the environment. The directory log's origin is
 * `<HERALD_LOG_ORIGIN_PREFIX>/keys`; its checkpoint signer is `HERALD_KEYS_SIGNER_KEY`, or on a
 * local install a development key made in the data directory (`keys-signer.key`, verifier key in
 * `keys-signer.pub`) exactly like the journal's. Elsewhere, without the key, this process records
 * entries but does not sequence them: a process that has it must. `HERALD_MDM_CA_FILE` (a PEM CA
 * certificate) enables `x509` attestation; `dev` attestation (never managed) is always accepted.
 */
export function openKeys(
  store: Store,
  dataDir: string,
  env: NodeJS.ProcessEnv,
  local: boolean,
  extra: { revocationListener?: DeviceRevocationListener; logger?: KeysLogger } = {},
): Keys {
  const prefix = env.HERALD_LOG_ORIGIN_PREFIX ?? 'herald.local';
  const origin = `${prefix}/keys`;
  const signerKey =
    env.HERALD_KEYS_SIGNER_KEY ??
    (local ? devSignerKey(dataDir, origin, 'keys-signer.key', local) : undefined);
  const verifiers = [
    new DevAttestationVerifier(),
    ...(env.HERALD_MDM_CA_FILE ? [X509AttestationVerifier.fromFile(env.HERALD_MDM_CA_FILE)] : []),
  ];
  return createKeys(store, {
    origin,
    ...(signerKey ? { signer: parseSignerKey(signerKey) } : {}),
    verifiers,
    ...extra,
  });
}
