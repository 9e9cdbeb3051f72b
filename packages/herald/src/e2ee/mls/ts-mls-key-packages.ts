import {
  defaultCapabilities,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  type CiphersuiteImpl,
  type Extension,
  type KeyPackage,
} from 'ts-mls';
import { makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { HeraldError } from '../../errors/index.ts';
import {
  encodeMemberIdentity,
  type CredentialValidator,
  type MlsMemberIdentity,
} from './credential-validator.ts';
import {
  MLS_CIPHER_SUITES,
  type MlsCallOptions,
  type MlsCipherSuiteName,
  type MlsKeyPackageBundle,
  type MlsSignatureKeyPair,
  type MlsValidatedKeyPackage,
} from './mls-engine.ts';
import { mlsCall } from './mls-errors.ts';
import { decodeMlsMessageStrict, expectWireFormat } from './mls-framing.ts';
import { encodeKeyPackageSecret, isHeraldCipherSuite } from './ts-mls-group-state.ts';

const DAY = 86_400;
/** RFC 9420 §17.3: the `last_resort` KeyPackage extension. */
export const LAST_RESORT_EXTENSION = 0x000a;
const WIRE_FORMAT_KEY_PACKAGE = 5;

/** How long KeyPackages live and which suites are accepted. */
export interface KeyPackagePolicy {
  readonly accepted: readonly MlsCipherSuiteName[];
  readonly lifetimeSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly skewSeconds: number;
}

export const unixSeconds = (d: Date): bigint => BigInt(Math.floor(d.getTime() / 1000));

/** Throws unless `now` lies within the KeyPackage's lifetime, give or take the clock skew. */
export function checkKeyPackageLifetime(kp: KeyPackage, now: Date, skewSeconds: number): void {
  const { notBefore, notAfter } = kp.leafNode.lifetime;
  const t = unixSeconds(now);
  const skew = BigInt(skewSeconds);
  if (notBefore > t + skew || notAfter < t - skew)
    throw new HeraldError('HERALD_ERR_E2EE_KEY_PACKAGE_LIFETIME', { detail: 'not valid now' });
}

/** A KeyPackage for `identity`, signed with the device's directory key. */
export async function generateKeyPackage(
  cs: CiphersuiteImpl,
  identity: MlsMemberIdentity,
  signer: MlsSignatureKeyPair,
  options: { readonly lifetimeSeconds?: number; readonly lastResort?: boolean; readonly now: Date },
  policy: KeyPackagePolicy,
): Promise<MlsKeyPackageBundle> {
  let encodedIdentity: Uint8Array;
  try {
    encodedIdentity = encodeMemberIdentity(identity);
  } catch {
    throw new HeraldError('HERALD_ERR_E2EE_CREDENTIAL_REJECTED', { reason: 'malformed_identity' });
  }
  const lifetime = options.lifetimeSeconds ?? policy.lifetimeSeconds;
  if (lifetime <= 0 || lifetime > policy.maxLifetimeSeconds)
    throw new HeraldError('HERALD_ERR_E2EE_KEY_PACKAGE_LIFETIME', {
      detail: 'requested lifetime out of range',
    });
  const now = unixSeconds(options.now);
  const extensions: Extension[] =
    options.lastResort === true
      ? [{ extensionType: LAST_RESORT_EXTENSION, extensionData: new Uint8Array() }]
      : [];
  return mlsCall(async () => {
    const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
      { credentialType: 'basic', identity: encodedIdentity },
      { ...defaultCapabilities(), ciphersuites: [...policy.accepted] },
      { notBefore: now - BigInt(policy.skewSeconds), notAfter: now + BigInt(lifetime) },
      extensions,
      { signKey: signer.privateKey, publicKey: signer.publicKey },
      cs,
    );
    return {
      keyPackage: encodeMlsMessage({
        version: 'mls10',
        wireformat: 'mls_key_package',
        keyPackage: publicPackage,
      }),
      ref: await makeKeyPackageRef(publicPackage, cs.hash),
      secret: encodeKeyPackageSecret(publicPackage, privatePackage),
    };
  });
}

const bytesEqual = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

/**
 * The Delivery Service's check of an uploaded KeyPackage (RFC 9420 §10.1): framing, accepted
 * suite, both signatures, distinct well-formed HPKE keys, lifetime (and not longer than
 * allowed), and the credential against the key directory.
 */
export async function validateKeyPackage(
  bytes: Uint8Array,
  context: MlsCallOptions & {
    readonly now: Date;
    readonly validator: CredentialValidator;
    readonly impl: (suite: MlsCipherSuiteName) => Promise<CiphersuiteImpl>;
  },
  policy: KeyPackagePolicy,
): Promise<MlsValidatedKeyPackage> {
  // Refuse a foreign suite by its id before decoding: an unknown suite is not "malformed".
  if (bytes.length >= 8 && ((bytes[2]! << 8) | bytes[3]!) === WIRE_FORMAT_KEY_PACKAGE) {
    const id = (bytes[6]! << 8) | bytes[7]!;
    if (!policy.accepted.some((name) => MLS_CIPHER_SUITES[name] === id))
      throw new HeraldError('HERALD_ERR_E2EE_UNSUPPORTED_CIPHERSUITE', {
        suite: `0x${id.toString(16).padStart(4, '0')}`,
      });
  }
  const message = decodeMlsMessageStrict(bytes);
  expectWireFormat(message, 'mls_key_package');
  const kp = message.keyPackage;
  const invalid = (detail: string): HeraldError =>
    new HeraldError('HERALD_ERR_E2EE_KEY_PACKAGE_INVALID', { detail });
  if (kp.version !== 'mls10') throw invalid('unsupported protocol version');
  const suite = kp.cipherSuite;
  if (!isHeraldCipherSuite(suite) || !policy.accepted.includes(suite))
    throw new HeraldError('HERALD_ERR_E2EE_UNSUPPORTED_CIPHERSUITE', { suite });
  if (kp.leafNode.leafNodeSource !== 'key_package') throw invalid('leaf node is not from a KeyPackage');
  const cs = await context.impl(suite);
  return mlsCall(async () => {
    if (!(await verifyLeafNodeSignatureKeyPackage(kp.leafNode, cs.signature)))
      throw invalid('bad leaf node signature');
    if (!(await verifyKeyPackage(kp, cs.signature))) throw invalid('bad signature');
    if (bytesEqual(kp.initKey, kp.leafNode.hpkePublicKey)) throw invalid('init key equals encryption key');
    try {
      await cs.hpke.importPublicKey(kp.initKey);
      await cs.hpke.importPublicKey(kp.leafNode.hpkePublicKey);
    } catch {
      throw invalid('malformed HPKE public key');
    }
    checkKeyPackageLifetime(kp, context.now, policy.skewSeconds);
    const { notBefore, notAfter } = kp.leafNode.lifetime;
    if (notAfter - notBefore > BigInt(policy.maxLifetimeSeconds + policy.skewSeconds))
      throw new HeraldError('HERALD_ERR_E2EE_KEY_PACKAGE_LIFETIME', {
        detail: `longer than ${Math.round(policy.maxLifetimeSeconds / DAY)} days`,
      });
    const verdict = await context.validator.validate(
      kp.leafNode.credential,
      kp.leafNode.signaturePublicKey,
      context,
    );
    if (!verdict.ok) throw new HeraldError('HERALD_ERR_E2EE_CREDENTIAL_REJECTED', { reason: verdict.reason });
    return {
      ref: await makeKeyPackageRef(kp, cs.hash),
      identity: verdict.identity,
      cipherSuite: suite,
      signaturePublicKey: kp.leafNode.signaturePublicKey,
      notBefore: new Date(Number(notBefore) * 1000),
      notAfter: new Date(Number(notAfter) * 1000),
      lastResort: kp.extensions.some((e) => e.extensionType === LAST_RESORT_EXTENSION),
    };
  });
}
