import {
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeGroupState,
  defaultCryptoProvider,
  defaultKeyPackageEqualityConfig,
  defaultKeyRetentionConfig,
  defaultPaddingConfig,
  encodeExternalSender,
  encodeGroupState,
  encodeMlsMessage,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  joinGroup,
  makePskIndex,
  type CiphersuiteImpl,
  type ClientConfig,
  type ClientState,
  type CryptoProvider,
  type Extension,
  type Proposal,
  type RatchetTree,
} from 'ts-mls';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import { decodeRatchetTree } from 'ts-mls/ratchetTree.js';
import { HeraldError } from '../../errors/index.ts';
import {
  commitRequiresPath,
  commitReusesHpkeKey,
  describeProposals,
  pendingProposals,
  pendingRemovals,
} from './commit-checks.ts';
import {
  encodeMemberIdentity,
  type CredentialRejection,
  type CredentialValidator,
  type MlsMemberIdentity,
} from './credential-validator.ts';
import { checkExternalSenders } from './external-checks.ts';
import {
  DEFAULT_MLS_CIPHER_SUITE,
  type MlsCallOptions,
  type MlsCipherSuiteName,
  type MlsCommitOutput,
  type MlsEngine,
  type MlsExternalJoin,
  type MlsExternalJoiner,
  type MlsExternalRemoveRequest,
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
import { decodeMlsMessageStrict, expectWireFormat, inspectFraming } from './mls-framing.ts';
import {
  decodeKeyPackageSecret,
  isHeraldCipherSuite,
  TsMlsGroupState,
  TsMlsPendingCommit,
} from './ts-mls-group-state.ts';
import {
  checkKeyPackageLifetime,
  generateKeyPackage,
  validateKeyPackage,
  type KeyPackagePolicy,
} from './ts-mls-key-packages.ts';
import { checkGroupId, externalJoin, externalRemoveProposal, groupInfoMessage } from './ts-mls-external.ts';
import { erase, receivePrivate, receivePublic } from './ts-mls-receive.ts';
import { memberAt, treeMembers } from './ts-mls-tree.ts';

const DAY = 86_400;

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

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function assertActive(client: ClientState): void {
  if (client.groupActiveState.kind !== 'active') throw new HeraldError('HERALD_ERR_E2EE_NOT_A_MEMBER');
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
  readonly #policy: KeyPackagePolicy;
  readonly #now: () => Date;
  readonly #impls = new Map<string, Promise<CiphersuiteImpl>>();
  /** The implementations already built, for the per-message paths (no await on a cache hit). */
  readonly #ready = new Map<string, CiphersuiteImpl>();

  constructor(options: TsMlsEngineOptions) {
    this.cipherSuite = options.cipherSuite ?? DEFAULT_MLS_CIPHER_SUITE;
    this.#accepted = options.acceptedCipherSuites ?? [this.cipherSuite];
    if (!this.#accepted.includes(this.cipherSuite)) this.#accepted = [this.cipherSuite, ...this.#accepted];
    this.#provider = options.cryptoProvider ?? defaultCryptoProvider;
    this.#validator = options.credentialValidator;
    this.#publicHandshake = options.handshakeWireFormat === 'public';
    this.#treeInWelcome = options.ratchetTreeInWelcome ?? true;
    this.#policy = {
      accepted: this.#accepted,
      lifetimeSeconds: options.keyPackageLifetimeSeconds ?? 30 * DAY,
      maxLifetimeSeconds: options.maxKeyPackageLifetimeSeconds ?? 90 * DAY,
      skewSeconds: options.clockSkewSeconds ?? 300,
    };
    this.#now = options.now ?? (() => new Date());
    this.#config = {
      keyRetentionConfig: defaultKeyRetentionConfig,
      // Lifetimes are checked when a KeyPackage is uploaded and when it is added (ts-mls checks
      // on send). Re-checking old KeyPackage leaves on every join would lock members out of
      // groups older than a lifetime. ts-mls 1.6.4 never reads `maximumTotalLifetime`.
      lifetimeConfig: {
        maximumTotalLifetime: BigInt(this.#policy.maxLifetimeSeconds),
        validateLifetimeOnReceive: false,
      },
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

  /** A state for callers, always carrying the shared config (not a per-call tracking one). */
  readonly #wrap = (client: ClientState): TsMlsGroupState =>
    new TsMlsGroupState(
      client.clientConfig === this.#config ? client : { ...client, clientConfig: this.#config },
    );

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
    const cs = await this.#impl(this.cipherSuite);
    return generateKeyPackage(cs, identity, signer, { ...options, now: this.#now() }, this.#policy);
  }

  async validateKeyPackage(
    bytes: Uint8Array,
    options: MlsCallOptions & { readonly now?: Date } = {},
  ): Promise<MlsValidatedKeyPackage> {
    options.signal?.throwIfAborted();
    return validateKeyPackage(
      bytes,
      {
        ...options,
        now: options.now ?? this.#now(),
        validator: this.#validator,
        impl: (suite) => this.#impl(suite),
      },
      this.#policy,
    );
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
    if (options.groupId !== undefined) checkGroupId(options.groupId);
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
    const suite = TsMlsGroupState.unwrap(state).groupContext.cipherSuite;
    const now = this.#now();
    const adds: Proposal[] = keyPackages.map((bytes) => {
      const message = decodeMlsMessageStrict(bytes);
      expectWireFormat(message, 'mls_key_package');
      const kp = message.keyPackage;
      // Cheap checks first, for precise codes; ts-mls then verifies signatures and credentials.
      if (kp.cipherSuite !== suite)
        throw new HeraldError('HERALD_ERR_E2EE_UNSUPPORTED_CIPHERSUITE', { suite: kp.cipherSuite });
      checkKeyPackageLifetime(kp, now, this.#policy.skewSeconds);
      return { proposalType: 'add', add: { keyPackage: kp } };
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
    // A leaf the server's Remove already names is covered by reference; naming it again by value
    // would make the commit remove one leaf twice, which RFC 9420 §12.2 forbids.
    const pending = pendingRemovals(client);
    const removes: Proposal[] = [];
    for (const leaf of new Set(leafIndices)) {
      memberAt(client.ratchetTree, leaf);
      if (!pending.has(leaf)) removes.push({ proposalType: 'remove', remove: { removed: leaf } });
    }
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
      const joined = await joinGroup(
        welcome,
        own.keyPackage,
        own.privateKeys,
        psks,
        cs,
        tree,
        undefined,
        config,
      );
      await checkExternalSenders(joined.groupContext.extensions, this.#validator);
      return this.#wrap(joined);
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
    const suite = client.groupContext.cipherSuite;
    const cs = this.#ready.get(suite) ?? (await this.#impl(suite));
    // Application messages never reach the Authentication Service: skip the tracking wrapper.
    if (message.wireformat === 'mls_private_message' && message.privateMessage.contentType === 'application')
      try {
        return await receivePrivate(client, message.privateMessage, cs, this.#wrap);
      } catch (err) {
        throw toHeraldError(err);
      }
    return this.#run((_, withConfig) =>
      message.wireformat === 'mls_private_message'
        ? receivePrivate(withConfig(client), message.privateMessage, cs, this.#wrap)
        : receivePublic(withConfig(client), message.publicMessage, cs, this.#wrap, this.#validator),
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
    const suite = client.groupContext.cipherSuite;
    const cs = this.#ready.get(suite) ?? (await this.#impl(suite));
    try {
      const r = await createApplicationMessage(client, plaintext, cs, options.authenticatedData);
      const message = encodeMlsMessage({
        version: 'mls10',
        wireformat: 'mls_private_message',
        privateMessage: r.privateMessage,
      });
      erase(r.consumed);
      return { message, state: this.#wrap(r.newState) };
    } catch (err) {
      throw toHeraldError(err);
    }
  }

  members(state: MlsGroupState): readonly MlsMember[] {
    return treeMembers(TsMlsGroupState.unwrap(state).ratchetTree);
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

  async externalRemoveProposal(
    request: MlsExternalRemoveRequest,
    options: MlsCallOptions = {},
  ): Promise<Uint8Array> {
    options.signal?.throwIfAborted();
    const cs = await this.#impl(request.cipherSuite ?? this.cipherSuite);
    return mlsCall(() => externalRemoveProposal(request, cs));
  }

  async groupInfo(state: MlsGroupState, options: MlsCallOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted();
    const client = TsMlsGroupState.unwrap(state);
    assertActive(client);
    const cs = await this.#impl(client.groupContext.cipherSuite);
    return mlsCall(() => groupInfoMessage(client, cs));
  }

  async joinByExternalCommit(
    groupInfoBytes: Uint8Array,
    joiner: MlsExternalJoiner,
    options: MlsCallOptions & { readonly resync?: { readonly oldLeafIndex: number } } = {},
  ): Promise<MlsExternalJoin> {
    options.signal?.throwIfAborted();
    const message = decodeMlsMessageStrict(groupInfoBytes);
    expectWireFormat(message, 'mls_group_info');
    const cs = await this.#impl(message.groupInfo.groupContext.cipherSuite);
    return this.#run(async (config) => {
      const r = await externalJoin(message.groupInfo, joiner, options.resync?.oldLeafIndex, {
        cs,
        config,
        validator: this.#validator,
        policy: this.#policy,
        now: this.#now(),
      });
      return { commit: r.commit, state: this.#wrap(r.state) };
    });
  }

  /** The ciphersuite implementation for an accepted suite, built once. */
  #impl(name: string): Promise<CiphersuiteImpl> {
    if (!isHeraldCipherSuite(name) || !this.#accepted.includes(name))
      return Promise.reject(new HeraldError('HERALD_ERR_E2EE_UNSUPPORTED_CIPHERSUITE', { suite: name }));
    let impl = this.#impls.get(name);
    if (impl === undefined) {
      impl = getCiphersuiteImpl(getCiphersuiteFromName(name), this.#provider).then(
        (built) => {
          this.#ready.set(name, built);
          return built;
        },
        (err: unknown) => {
          this.#impls.delete(name);
          throw toHeraldError(err);
        },
      );
      this.#impls.set(name, impl);
    }
    return impl;
  }

  async #commit(state: MlsGroupState, extra: readonly Proposal[]): Promise<MlsCommitOutput> {
    const client = TsMlsGroupState.unwrap(state);
    assertActive(client);
    // RFC 9420 §12.2: a commit may not remove its committer; another member commits it.
    if (pendingRemovals(client).has(client.privatePath.leafIndex))
      throw new HeraldError('HERALD_ERR_E2EE_INVALID_STATE', {
        detail: 'a pending proposal removes this device; another member must commit it',
      });
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
}
