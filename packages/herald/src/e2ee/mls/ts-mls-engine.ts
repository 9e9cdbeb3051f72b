import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeGroupState,
  defaultCapabilities,
  defaultCryptoProvider,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultPaddingConfig,
  encodeExternalSender,
  encodeGroupState,
  encodeMlsMessage,
  generateKeyPackageWithKey,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  makePskIndex,
  processPrivateMessage,
  processPublicMessage,
  zeroOutUint8Array,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type CryptoProvider,
  type Extension,
  type PrivateMessage,
  type Proposal,
  type PublicMessage,
  type RatchetTree,
} from 'ts-mls';
import { makeKeyPackageRef, verifyKeyPackage } from 'ts-mls/keyPackage.js';
import { verifyLeafNodeSignatureKeyPackage } from 'ts-mls/leafNode.js';
import { unprotectPrivateMessage } from 'ts-mls/messageProtection.js';
import { ValidationError } from 'ts-mls/mlsError.js';
import { decryptSenderData } from 'ts-mls/privateMessage.js';
import { decodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { leafToNodeIndex, toLeafIndex } from 'ts-mls/treemath.js';
import { HeraldError } from '../../errors/index.ts';
import {
  checkIncomingCommit,
  commitRequiresPath,
  commitReusesHpkeKey,
  describeProposals,
  pendingProposals,
} from './commit-checks.ts';
import {
  credentialIdentity,
  encodeMemberIdentity,
  type CredentialRejection,
  type CredentialValidator,
  type MlsMemberIdentity,
} from './credential-validator.ts';
import {
  DEFAULT_MLS_CIPHER_SUITE,
  MLS_CIPHER_SUITES,
  type MlsCallOptions,
  type MlsCipherSuiteName,
  type MlsCommitOutput,
  type MlsEngine,
  type MlsExternalSender,
  type MlsFraming,
  type MlsGroupState,
  type MlsKeyPackageBundle,
  type MlsMember,
  type MlsPendingCommit,
  type MlsProcessed,
  type MlsSignatureKeyPair,
  type MlsValidatedKeyPackage,
} from './mls-engine.ts';
import { mlsCall, toHeraldError } from './mls-errors.ts';
import { decodeMlsMessageStrict, expectWireFormat, inspectFraming, proposalTypeName } from './mls-framing.ts';
import {
  decodeKeyPackageSecret,
  encodeKeyPackageSecret,
  isHeraldCipherSuite,
  TsMlsGroupState,
  TsMlsPendingCommit,
} from './ts-mls-group-state.ts';

const DAY = 86_400;
/** RFC 9420 §17.3 `last_resort` KeyPackage extension. */
const LAST_RESORT_EXTENSION = 0x000a;
const WIRE_FORMAT_KEY_PACKAGE = 5;

/** Options of {@link TsMlsEngine}. */
export interface TsMlsEngineOptions {
  /** Herald's Authentication Service; ts-mls's default would accept any credential. */
  readonly credentialValidator: CredentialValidator;
  /**
   * The crypto behind ts-mls. Defaults to ts-mls's stock WebCrypto provider, which runs in
   * browsers; Node processes pass the native provider (`createNodeMlsEngine`).
   */
  readonly cryptoProvider?: CryptoProvider;
  /** Suite for new groups and KeyPackages (default 0x0001). */
  readonly cipherSuite?: MlsCipherSuiteName;
  /** Suites accepted from others (default: just `cipherSuite`). */
  readonly acceptedCipherSuites?: readonly MlsCipherSuiteName[];
  /**
   * Wire format of this device's commits and proposals. `private` (default) hides the sender
   * and proposals from the server; `public` lets it check them.
   */
  readonly handshakeWireFormat?: 'private' | 'public';
  /** Put the ratchet tree in the Welcome's GroupInfo (default true), so joiners need nothing else. */
  readonly ratchetTreeInWelcome?: boolean;
  /** Lifetime of generated KeyPackages, seconds (default 30 days). */
  readonly keyPackageLifetimeSeconds?: number;
  /** Longest KeyPackage lifetime accepted (default 90 days). */
  readonly maxKeyPackageLifetimeSeconds?: number;
  /** Tolerated clock difference for lifetimes, seconds (default 300). */
  readonly clockSkewSeconds?: number;
  readonly now?: () => Date;
}

const erase = (secrets: readonly Uint8Array[]): void => secrets.forEach(zeroOutUint8Array);

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function memberAt(tree: RatchetTree, leafIndex: number): MlsMember {
  const node = tree[leafToNodeIndex(toLeafIndex(leafIndex))];
  if (node?.nodeType !== 'leaf')
    throw new HeraldError('HERALD_ERR_E2EE_MEMBER_NOT_FOUND', { leaf: leafIndex });
  return {
    leafIndex,
    identity: credentialIdentity(node.leaf.credential),
    signaturePublicKey: node.leaf.signaturePublicKey,
  };
}

function assertActive(client: ClientState): void {
  if (client.groupActiveState.kind !== 'active') throw new HeraldError('HERALD_ERR_E2EE_NOT_A_MEMBER');
}

interface ReceiverData {
  readonly senderDataSecret: Uint8Array;
  readonly secretTree: ClientState['secretTree'];
  readonly ratchetTree: RatchetTree;
  readonly groupContext: ClientState['groupContext'];
}

/**
 * {@link MlsEngine} on ts-mls 1.6.4 (pinned: 2.0.0-rc.10 commits a Remove without an UpdatePath).
 * Adds what Herald needs on top of the library: its own Authentication Service on every
 * operation, the UpdatePath and fresh-key rules of RFC 9420 §12.4 on incoming commits, strict
 * framing, KeyPackage lifetime limits, stable error codes, and erasure of consumed secrets.
 * Runs in browsers with the stock provider and in Node with the native one.
 */
export class TsMlsEngine implements MlsEngine {
  readonly cipherSuite: MlsCipherSuiteName;
  readonly #accepted: readonly MlsCipherSuiteName[];
  readonly #provider: CryptoProvider;
  readonly #validator: CredentialValidator;
  readonly #config: ClientConfig;
  readonly #publicHandshake: boolean;
  readonly #treeInWelcome: boolean;
  readonly #lifetime: number;
  readonly #maxLifetime: number;
  readonly #skew: number;
  readonly #now: () => Date;
  readonly #impls = new Map<string, Promise<CiphersuiteImpl>>();

  constructor(options: TsMlsEngineOptions) {
    this.cipherSuite = options.cipherSuite ?? DEFAULT_MLS_CIPHER_SUITE;
    this.#accepted = options.acceptedCipherSuites ?? [this.cipherSuite];
    if (!this.#accepted.includes(this.cipherSuite)) this.#accepted = [this.cipherSuite, ...this.#accepted];
    this.#provider = options.cryptoProvider ?? defaultCryptoProvider;
    this.#validator = options.credentialValidator;
    this.#publicHandshake = options.handshakeWireFormat === 'public';
    this.#treeInWelcome = options.ratchetTreeInWelcome ?? true;
    this.#lifetime = options.keyPackageLifetimeSeconds ?? 30 * DAY;
    this.#maxLifetime = options.maxKeyPackageLifetimeSeconds ?? 90 * DAY;
    this.#skew = options.clockSkewSeconds ?? 300;
    this.#now = options.now ?? (() => new Date());
    this.#config = {
      keyRetentionConfig: defaultKeyRetentionConfig,
      // Lifetimes are checked when a KeyPackage is uploaded and when it is added (ts-mls checks
      // on send). Re-checking old KeyPackage leaves on every join would lock members out of
      // groups older than a lifetime. ts-mls 1.6.4 never reads `maximumTotalLifetime`.
      lifetimeConfig: { maximumTotalLifetime: BigInt(this.#maxLifetime), validateLifetimeOnReceive: false },
      keyPackageEqualityConfig: defaultKeyPackageEqualityConfig,
      paddingConfig: defaultPaddingConfig,
      authService: { validateCredential: async (c, k) => (await this.#validator.validate(c, k)).ok },
    };
  }

  /**
   * Runs one library call with an Authentication Service that remembers why it refused a
   * credential, so that refusal surfaces as `HERALD_ERR_E2EE_CREDENTIAL_REJECTED` with its reason
   * (ts-mls only reports a generic validation error). States coming out get the shared config.
   */
  async #run<T>(
    fn: (config: ClientConfig, withConfig: (c: ClientState) => ClientState) => Promise<T>,
  ): Promise<T> {
    let rejection: CredentialRejection | undefined;
    const config: ClientConfig = {
      ...this.#config,
      authService: {
        validateCredential: async (credential, key) => {
          const verdict = await this.#validator.validate(credential, key);
          if (!verdict.ok) rejection ??= verdict.reason;
          return verdict.ok;
        },
      },
    };
    try {
      return await fn(config, (c) => ({ ...c, clientConfig: config }));
    } catch (err) {
      if (rejection !== undefined && !(err instanceof HeraldError))
        throw new HeraldError('HERALD_ERR_E2EE_CREDENTIAL_REJECTED', { reason: rejection }, { cause: err });
      throw toHeraldError(err);
    }
  }

  #wrap(client: ClientState): TsMlsGroupState {
    return new TsMlsGroupState(
      client.clientConfig === this.#config ? client : { ...client, clientConfig: this.#config },
    );
  }

  async generateSignatureKeyPair(options: MlsCallOptions = {}): Promise<MlsSignatureKeyPair> {
    options.signal?.throwIfAborted();
    const cs = await this.#impl(this.cipherSuite);
    const { publicKey, signKey } = await cs.signature.keygen();
    return { publicKey, privateKey: signKey };
  }

  async generateKeyPackage(
    identity: MlsMemberIdentity,
    signer: MlsSignatureKeyPair,
    options: MlsCallOptions & { readonly lifetimeSeconds?: number; readonly lastResort?: boolean } = {},
  ): Promise<MlsKeyPackageBundle> {
    options.signal?.throwIfAborted();
    let encodedIdentity: Uint8Array;
    try {
      encodedIdentity = encodeMemberIdentity(identity);
    } catch {
      throw new HeraldError('HERALD_ERR_E2EE_CREDENTIAL_REJECTED', { reason: 'malformed_identity' });
    }
    const lifetimeSeconds = options.lifetimeSeconds ?? this.#lifetime;
    if (lifetimeSeconds <= 0 || lifetimeSeconds > this.#maxLifetime)
      throw new HeraldError('HERALD_ERR_E2EE_KEY_PACKAGE_LIFETIME', {
        detail: 'requested lifetime out of range',
      });
    const now = BigInt(Math.floor(this.#now().getTime() / 1000));
    const extensions: Extension[] =
      options.lastResort === true
        ? [{ extensionType: LAST_RESORT_EXTENSION, extensionData: new Uint8Array() }]
        : [];
    return mlsCall(async () => {
      const cs = await this.#impl(this.cipherSuite);
      const { publicPackage, privatePackage } = await generateKeyPackageWithKey(
        { credentialType: 'basic', identity: encodedIdentity },
        { ...defaultCapabilities(), ciphersuites: [...this.#accepted] },
        { notBefore: now - BigInt(this.#skew), notAfter: now + BigInt(lifetimeSeconds) },
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

  async validateKeyPackage(
    bytes: Uint8Array,
    options: MlsCallOptions & { readonly now?: Date } = {},
  ): Promise<MlsValidatedKeyPackage> {
    options.signal?.throwIfAborted();
    // Refuse a foreign suite by its id before decoding: an unknown suite is not "malformed".
    if (bytes.length >= 8 && ((bytes[2]! << 8) | bytes[3]!) === WIRE_FORMAT_KEY_PACKAGE) {
      const id = (bytes[6]! << 8) | bytes[7]!;
      if (!this.#accepted.some((name) => MLS_CIPHER_SUITES[name] === id))
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
    if (!isHeraldCipherSuite(suite) || !this.#accepted.includes(suite))
      throw new HeraldError('HERALD_ERR_E2EE_UNSUPPORTED_CIPHERSUITE', { suite });
    if (kp.leafNode.leafNodeSource !== 'key_package') throw invalid('leaf node is not from a KeyPackage');
    const cs = await this.#impl(suite);
    return mlsCall(async () => {
      // RFC 9420 §10.1: both signatures, distinct and well-formed HPKE keys.
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
      const { notBefore, notAfter } = kp.leafNode.lifetime;
      const now = BigInt(Math.floor((options.now ?? this.#now()).getTime() / 1000));
      const skew = BigInt(this.#skew);
      if (notBefore > now + skew || notAfter < now - skew)
        throw new HeraldError('HERALD_ERR_E2EE_KEY_PACKAGE_LIFETIME', { detail: 'not valid now' });
      if (notAfter - notBefore > BigInt(this.#maxLifetime) + skew)
        throw new HeraldError('HERALD_ERR_E2EE_KEY_PACKAGE_LIFETIME', {
          detail: `longer than ${Math.round(this.#maxLifetime / DAY)} days`,
        });
      const verdict = await this.#validator.validate(
        kp.leafNode.credential,
        kp.leafNode.signaturePublicKey,
        options,
      );
      if (!verdict.ok)
        throw new HeraldError('HERALD_ERR_E2EE_CREDENTIAL_REJECTED', { reason: verdict.reason });
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

  async createGroup(
    creator: MlsKeyPackageBundle,
    options: MlsCallOptions & {
      readonly groupId?: Uint8Array;
      readonly externalSenders?: readonly MlsExternalSender[];
    } = {},
  ): Promise<MlsGroupState> {
    options.signal?.throwIfAborted();
    const { keyPackage, privateKeys } = decodeKeyPackageSecret(creator.secret);
    const cs = await this.#impl(keyPackage.cipherSuite);
    // ts-mls 1.6.4 encodes external_senders as one ExternalSender per extension rather than the
    // vector of RFC 9420 §12.1.8.1; fine among Herald clients, not wire-compatible with others.
    const extensions: Extension[] = (options.externalSenders ?? []).map((s) => ({
      extensionType: 'external_senders',
      extensionData: encodeExternalSender({
        signaturePublicKey: s.signaturePublicKey,
        credential: { credentialType: 'basic', identity: encodeMemberIdentity(s.identity) },
      }),
    }));
    const groupId = options.groupId ?? cs.rng.randomBytes(32);
    return this.#run(async (config) =>
      this.#wrap(await createGroup(groupId, keyPackage, privateKeys, extensions, cs, config)),
    );
  }

  async addMembers(
    state: MlsGroupState,
    keyPackages: readonly Uint8Array[],
    options: MlsCallOptions = {},
  ): Promise<MlsCommitOutput> {
    options.signal?.throwIfAborted();
    const adds: Proposal[] = keyPackages.map((bytes) => {
      const message = decodeMlsMessageStrict(bytes);
      expectWireFormat(message, 'mls_key_package');
      return { proposalType: 'add', add: { keyPackage: message.keyPackage } };
    });
    return this.#commit(state, adds);
  }

  async removeMembers(
    state: MlsGroupState,
    leafIndices: readonly number[],
    options: MlsCallOptions = {},
  ): Promise<MlsCommitOutput> {
    options.signal?.throwIfAborted();
    const client = TsMlsGroupState.unwrap(state);
    const removes: Proposal[] = leafIndices.map((leaf) => {
      if (!Number.isInteger(leaf) || leaf < 0)
        throw new HeraldError('HERALD_ERR_E2EE_MEMBER_NOT_FOUND', { leaf });
      memberAt(client.ratchetTree, leaf);
      return { proposalType: 'remove', remove: { removed: leaf } };
    });
    return this.#commit(state, removes);
  }

  async commitPending(state: MlsGroupState, options: MlsCallOptions = {}): Promise<MlsCommitOutput> {
    options.signal?.throwIfAborted();
    return this.#commit(state, []);
  }

  mergePendingCommit(pending: MlsPendingCommit): MlsGroupState {
    return this.#wrap(TsMlsPendingCommit.merge(pending, erase));
  }

  async joinFromWelcome(
    welcomeBytes: Uint8Array,
    keyPackage: MlsKeyPackageBundle,
    options: MlsCallOptions & { readonly ratchetTree?: Uint8Array } = {},
  ): Promise<MlsGroupState> {
    options.signal?.throwIfAborted();
    const message = decodeMlsMessageStrict(welcomeBytes);
    expectWireFormat(message, 'mls_welcome');
    const { welcome } = message;
    const own = decodeKeyPackageSecret(keyPackage.secret);
    if (welcome.cipherSuite !== own.keyPackage.cipherSuite)
      throw new HeraldError('HERALD_ERR_E2EE_UNSUPPORTED_CIPHERSUITE', { suite: welcome.cipherSuite });
    const cs = await this.#impl(own.keyPackage.cipherSuite);
    let tree: RatchetTree | undefined;
    if (options.ratchetTree !== undefined) {
      const decoded = decodeRatchetTree(options.ratchetTree, 0);
      if (decoded === undefined || decoded[1] !== options.ratchetTree.length)
        throw new HeraldError('HERALD_ERR_E2EE_MALFORMED_MESSAGE', { detail: 'ratchet tree' });
      tree = decoded[0];
    }
    return this.#run(async (config) => {
      const ref = await makeKeyPackageRef(own.keyPackage, cs.hash);
      if (!welcome.secrets.some((s) => bytesEqual(s.newMember, ref)))
        throw new HeraldError('HERALD_ERR_E2EE_WELCOME_NOT_FOR_US');
      const psks = makePskIndex(undefined, {});
      return this.#wrap(
        await joinGroup(welcome, own.keyPackage, own.privateKeys, psks, cs, tree, undefined, config),
      );
    });
  }

  async processMessage(
    state: MlsGroupState,
    bytes: Uint8Array,
    options: MlsCallOptions = {},
  ): Promise<MlsProcessed> {
    options.signal?.throwIfAborted();
    const client = TsMlsGroupState.unwrap(state);
    const message = decodeMlsMessageStrict(bytes);
    if (message.wireformat !== 'mls_private_message' && message.wireformat !== 'mls_public_message')
      throw new HeraldError('HERALD_ERR_E2EE_UNEXPECTED_WIRE_FORMAT', {
        expected: 'PublicMessage or PrivateMessage',
        actual: message.wireformat,
      });
    const framing = inspectFraming(message);
    if (framing.groupId === undefined || !bytesEqual(framing.groupId, client.groupContext.groupId))
      throw new HeraldError('HERALD_ERR_E2EE_WRONG_GROUP');
    assertActive(client);
    const cs = await this.#impl(client.groupContext.cipherSuite);
    return this.#run((_, withConfig) =>
      message.wireformat === 'mls_private_message'
        ? this.#processPrivate(withConfig(client), message.privateMessage, cs)
        : this.#processPublic(withConfig(client), message.publicMessage, cs),
    );
  }

  async encrypt(
    state: MlsGroupState,
    plaintext: Uint8Array,
    options: MlsCallOptions & { readonly authenticatedData?: Uint8Array } = {},
  ): Promise<{ readonly message: Uint8Array; readonly state: MlsGroupState }> {
    options.signal?.throwIfAborted();
    const client = TsMlsGroupState.unwrap(state);
    assertActive(client);
    const cs = await this.#impl(client.groupContext.cipherSuite);
    return mlsCall(async () => {
      const r = await createApplicationMessage(client, plaintext, cs, options.authenticatedData);
      const message = encodeMlsMessage({
        version: 'mls10',
        wireformat: 'mls_private_message',
        privateMessage: r.privateMessage,
      });
      erase(r.consumed);
      return { message, state: this.#wrap(r.newState) };
    });
  }

  members(state: MlsGroupState): readonly MlsMember[] {
    const tree = TsMlsGroupState.unwrap(state).ratchetTree;
    const out: MlsMember[] = [];
    for (let node = 0; node < tree.length; node += 2)
      if (tree[node] !== undefined) out.push(memberAt(tree, node / 2));
    return out;
  }

  epochAuthenticator(state: MlsGroupState): Uint8Array {
    return new Uint8Array(TsMlsGroupState.unwrap(state).keySchedule.epochAuthenticator);
  }

  exportGroupState(state: MlsGroupState): Uint8Array {
    return encodeGroupState(TsMlsGroupState.unwrap(state));
  }

  importGroupState(bytes: Uint8Array): MlsGroupState {
    let decoded: ReturnType<typeof decodeGroupState>;
    try {
      decoded = decodeGroupState(bytes, 0);
    } catch {
      decoded = undefined;
    }
    if (decoded === undefined || decoded[1] !== bytes.length)
      throw new HeraldError('HERALD_ERR_E2EE_INVALID_STATE', { detail: 'unreadable group state' });
    return this.#wrap({ ...decoded[0], clientConfig: this.#config });
  }

  inspectMessage(bytes: Uint8Array): MlsFraming {
    return inspectFraming(decodeMlsMessageStrict(bytes));
  }

  /** The ciphersuite implementation for an accepted suite, built once. */
  #impl(name: string): Promise<CiphersuiteImpl> {
    if (!isHeraldCipherSuite(name) || !this.#accepted.includes(name))
      return Promise.reject(new HeraldError('HERALD_ERR_E2EE_UNSUPPORTED_CIPHERSUITE', { suite: name }));
    let impl = this.#impls.get(name);
    if (impl === undefined) {
      impl = getCiphersuiteImpl(getCiphersuiteFromName(name), this.#provider).catch((err: unknown) => {
        this.#impls.delete(name);
        throw toHeraldError(err);
      });
      this.#impls.set(name, impl);
    }
    return impl;
  }

  async #commit(state: MlsGroupState, extra: readonly Proposal[]): Promise<MlsCommitOutput> {
    const client = TsMlsGroupState.unwrap(state);
    assertActive(client);
    const cs = await this.#impl(client.groupContext.cipherSuite);
    const proposals = pendingProposals(client, extra);
    // ts-mls 1.6.4 attaches an UpdatePath only for Update, Remove or no proposals; a commit
    // RFC 9420 §12.4 says needs one (GroupContextExtensions, custom) would go out without it
    // and be refused by every Herald member, so it is refused here.
    const libraryAddsPath =
      proposals.length === 0 ||
      proposals.some((p) => p.proposalType === 'update' || p.proposalType === 'remove');
    if (commitRequiresPath(proposals) && !libraryAddsPath)
      throw new HeraldError('HERALD_ERR_E2EE_COMMIT_PATH_REQUIRED', {
        proposals: describeProposals(proposals),
      });
    if (commitReusesHpkeKey(client.ratchetTree, proposals, { proposals: [], path: undefined }))
      throw new HeraldError('HERALD_ERR_E2EE_KEY_REUSED');
    return this.#run(async (_, withConfig) => {
      const r = await createCommit(
        { state: withConfig(client), cipherSuite: cs, pskIndex: makePskIndex(client, {}) },
        {
          extraProposals: [...extra],
          wireAsPublicMessage: this.#publicHandshake,
          ratchetTreeExtension: this.#treeInWelcome,
        },
      );
      const commit = encodeMlsMessage(r.commit);
      const welcome =
        r.welcome === undefined
          ? undefined
          : encodeMlsMessage({ version: 'mls10', wireformat: 'mls_welcome', welcome: r.welcome });
      const next = { ...r.newState, clientConfig: this.#config };
      return { commit, welcome, pending: new TsMlsPendingCommit(commit, next, r.consumed) };
    });
  }

  async #processPrivate(client: ClientState, pm: PrivateMessage, cs: CiphersuiteImpl): Promise<MlsProcessed> {
    const current = client.groupContext.epoch;
    if (pm.epoch > current)
      throw new HeraldError('HERALD_ERR_E2EE_FUTURE_EPOCH', {
        epoch: pm.epoch.toString(),
        current: current.toString(),
      });
    const stale = (): HeraldError =>
      new HeraldError('HERALD_ERR_E2EE_STALE_EPOCH', {
        epoch: pm.epoch.toString(),
        current: current.toString(),
      });
    let receiver: ReceiverData | undefined;
    if (pm.epoch === current)
      receiver = {
        senderDataSecret: client.keySchedule.senderDataSecret,
        secretTree: client.secretTree,
        ratchetTree: client.ratchetTree,
        groupContext: client.groupContext,
      };
    else if (pm.contentType === 'application') receiver = client.historicalReceiverData.get(pm.epoch);
    // RFC 9420 §14: handshake messages of an old epoch are never processed.
    if (receiver === undefined) throw stale();

    let unprotected: Awaited<ReturnType<typeof unprotectPrivateMessage>>;
    try {
      unprotected = await unprotectPrivateMessage(
        receiver.senderDataSecret,
        pm,
        receiver.secretTree,
        receiver.ratchetTree,
        receiver.groupContext,
        client.clientConfig.keyRetentionConfig,
        cs,
      );
    } catch (err) {
      throw await this.#classifyUnprotectFailure(err, pm, receiver, cs);
    }
    const { content } = unprotected.content;

    if (content.contentType === 'application') {
      if (content.sender.senderType !== 'member')
        throw new HeraldError('HERALD_ERR_E2EE_PROTOCOL_VIOLATION', {
          detail: 'application data from a non-member',
        });
      const sender = memberAt(receiver.ratchetTree, content.sender.leafIndex);
      const next: ClientState =
        pm.epoch === current
          ? { ...client, secretTree: unprotected.tree }
          : {
              ...client,
              historicalReceiverData: new Map(client.historicalReceiverData).set(pm.epoch, {
                ...client.historicalReceiverData.get(pm.epoch)!,
                secretTree: unprotected.tree,
              }),
            };
      erase(unprotected.consumed);
      return {
        kind: 'application',
        state: this.#wrap(next),
        plaintext: content.applicationData,
        authenticatedData: content.authenticatedData,
        sender,
        epoch: pm.epoch,
      };
    }

    // A handshake message of the current epoch. Herald's checks run on the decrypted commit;
    // then ts-mls applies it from the unchanged state (it decrypts again; the first result,
    // including its consumed secrets, is dropped because the old state still needs them).
    if (content.contentType === 'commit') {
      if (content.sender.senderType === 'member' && content.sender.leafIndex === client.privatePath.leafIndex)
        throw new HeraldError('HERALD_ERR_E2EE_OWN_COMMIT');
      checkIncomingCommit(client, content.commit);
    }
    const r = await processPrivateMessage(client, pm, makePskIndex(client, {}), cs, acceptAll);
    if (r.kind !== 'newState')
      throw new HeraldError('HERALD_ERR_E2EE_INTERNAL', { detail: 'unexpected content' });
    erase(r.consumed);
    return content.contentType === 'commit'
      ? this.#commitResult(r.newState)
      : { kind: 'proposal', state: this.#wrap(r.newState), proposalType: proposalTypeName(content.proposal) };
  }

  async #processPublic(client: ClientState, pm: PublicMessage, cs: CiphersuiteImpl): Promise<MlsProcessed> {
    const { content } = pm;
    const current = client.groupContext.epoch;
    if (content.epoch < current)
      throw new HeraldError('HERALD_ERR_E2EE_STALE_EPOCH', {
        epoch: content.epoch.toString(),
        current: current.toString(),
      });
    if (content.epoch > current)
      throw new HeraldError('HERALD_ERR_E2EE_FUTURE_EPOCH', {
        epoch: content.epoch.toString(),
        current: current.toString(),
      });
    if (content.contentType === 'commit') {
      if (content.sender.senderType === 'member' && content.sender.leafIndex === client.privatePath.leafIndex)
        throw new HeraldError('HERALD_ERR_E2EE_OWN_COMMIT');
      checkIncomingCommit(client, content.commit);
    }
    const r = await processPublicMessage(client, pm, makePskIndex(client, {}), cs, acceptAll);
    erase(r.consumed);
    return content.contentType === 'proposal'
      ? { kind: 'proposal', state: this.#wrap(r.newState), proposalType: proposalTypeName(content.proposal) }
      : this.#commitResult(r.newState);
  }

  #commitResult(next: ClientState): MlsProcessed {
    return {
      kind: 'commit',
      state: this.#wrap(next),
      epoch: next.groupContext.epoch,
      removedSelf: next.groupActiveState.kind === 'removedFromGroup',
    };
  }

  /**
   * Tells a replay apart from other failures without reading error text: when the sender data
   * decrypts and names a generation whose key this member already used and deleted, the message
   * was seen before (or is older than the retention window).
   */
  async #classifyUnprotectFailure(
    err: unknown,
    pm: PrivateMessage,
    receiver: ReceiverData,
    cs: CiphersuiteImpl,
  ): Promise<HeraldError> {
    if (err instanceof ValidationError) {
      const senderData = await decryptSenderData(pm, receiver.senderDataSecret, cs).catch(() => undefined);
      const node =
        senderData === undefined
          ? undefined
          : receiver.secretTree[leafToNodeIndex(toLeafIndex(senderData.leafIndex))];
      const ratchet = pm.contentType === 'application' ? node?.application : node?.handshake;
      if (
        senderData !== undefined &&
        ratchet !== undefined &&
        senderData.generation < ratchet.generation &&
        ratchet.unusedGenerations[senderData.generation] === undefined
      )
        return new HeraldError('HERALD_ERR_E2EE_REPLAYED_MESSAGE', {}, { cause: err });
    }
    return toHeraldError(err);
  }
}
