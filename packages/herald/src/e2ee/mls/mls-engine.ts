import type { MlsMemberIdentity } from './credential-validator.ts';

/**
 * The MLS cipher suites Herald names (RFC 9420 §17.1). 0x0001 is the default; 0x0002 (P-256) is
 * the suite RCS Universal Profile clients use.
 */
export const MLS_CIPHER_SUITES = {
  MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519: 0x0001,
  MLS_128_DHKEMP256_AES128GCM_SHA256_P256: 0x0002,
} as const;
export type MlsCipherSuiteName = keyof typeof MLS_CIPHER_SUITES;
export const DEFAULT_MLS_CIPHER_SUITE: MlsCipherSuiteName = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519';

/** Options every asynchronous engine call accepts. */
export interface MlsCallOptions {
  readonly signal?: AbortSignal;
}

/** A device's long-term signature key pair, the one the key directory publishes. Raw encodings. */
export interface MlsSignatureKeyPair {
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
}

/** A KeyPackage as generated on the device: what to upload, and what to keep. */
export interface MlsKeyPackageBundle {
  /** The `MLSMessage(KeyPackage)` to publish. */
  readonly keyPackage: Uint8Array;
  /** `KeyPackageRef` (RFC 9420 §5.2); Welcome messages name their recipients by it. */
  readonly ref: Uint8Array;
  /** The private init, HPKE and signature keys with the KeyPackage; never leaves the device. */
  readonly secret: Uint8Array;
}

/** What the Delivery Service learns from validating an uploaded KeyPackage. */
export interface MlsValidatedKeyPackage {
  readonly ref: Uint8Array;
  readonly identity: MlsMemberIdentity;
  readonly cipherSuite: MlsCipherSuiteName;
  readonly signaturePublicKey: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** Carries the `last_resort` extension (RFC 9420 §17.3): may be handed out more than once. */
  readonly lastResort: boolean;
}

/** A member of a group as its current ratchet tree shows it. */
export interface MlsMember {
  readonly leafIndex: number;
  /** `undefined` when the leaf's credential is not a Herald identity. */
  readonly identity: MlsMemberIdentity | undefined;
  readonly signaturePublicKey: Uint8Array;
}

/** The Delivery Service as a group's external sender (RFC 9420 §12.1.8.1), used for revocation. */
export interface MlsExternalSender {
  readonly identity: MlsMemberIdentity;
  readonly signaturePublicKey: Uint8Array;
}

/**
 * One device's view of one group at one epoch. Opaque and immutable: every operation returns the
 * next state, and the state passed in must not be used again (its consumed secrets are erased).
 */
export interface MlsGroupState {
  readonly groupId: Uint8Array;
  readonly epoch: bigint;
  readonly cipherSuite: MlsCipherSuiteName;
  readonly ownLeafIndex: number;
  /** False once this device has been removed from the group. */
  readonly active: boolean;
}

/**
 * A commit this device made but has not applied: the Delivery Service orders handshake messages,
 * so the committer applies its own commit only when the server echoes it back
 * ({@link MlsEngine.mergePendingCommit}); if another commit wins the epoch, drop this and keep
 * using the previous state.
 */
export interface MlsPendingCommit {
  /** The epoch the group enters when this commit is applied. */
  readonly epoch: bigint;
  /** The `MLSMessage` carrying the commit, as sent to the server. */
  readonly commit: Uint8Array;
}

/** Output of a commit: the handshake message, the Welcome for new members, and the pending state. */
export interface MlsCommitOutput {
  readonly commit: Uint8Array;
  /** `MLSMessage(Welcome)` when members were added. */
  readonly welcome: Uint8Array | undefined;
  readonly pending: MlsPendingCommit;
}

/**
 * The Delivery Service's Remove of a revoked device, as an external sender (RFC 9420 §12.1.8.1).
 * The server holds no group state: it names the group, epoch and leaf from what it stores (the
 * latest GroupInfo's {@link MlsFraming.members} shows which leaf holds which device).
 */
export interface MlsExternalRemoveRequest {
  readonly groupId: Uint8Array;
  /** The group's current epoch; members refuse a proposal of any other epoch. */
  readonly epoch: bigint;
  readonly removedLeafIndex: number;
  /** The server's position in the group's external senders, as given to `createGroup` (usually 0). */
  readonly senderIndex: number;
  /** The server's signature key pair, the one named in the group's external senders. */
  readonly signer: MlsSignatureKeyPair;
  /** The group's suite (default: the engine's). */
  readonly cipherSuite?: MlsCipherSuiteName;
}

/** A device that joins by external commit: its directory identity and key. */
export interface MlsExternalJoiner {
  readonly identity: MlsMemberIdentity;
  readonly signer: MlsSignatureKeyPair;
}

/** Output of an external join: the commit to send, and the state it leads to. */
export interface MlsExternalJoin {
  /** `MLSMessage` (PublicMessage, sender `new_member_commit`) for the server to fan out. */
  readonly commit: Uint8Array;
  /**
   * The joiner's state in the commit's epoch. Usable once the server has accepted the commit; if
   * another commit won that epoch, discard it and join again from the newer GroupInfo.
   */
  readonly state: MlsGroupState;
}

/** What processing an incoming group message produced. */
export type MlsProcessed =
  | {
      readonly kind: 'application';
      readonly state: MlsGroupState;
      readonly plaintext: Uint8Array;
      readonly authenticatedData: Uint8Array;
      readonly sender: MlsMember;
      readonly epoch: bigint;
    }
  | { readonly kind: 'proposal'; readonly state: MlsGroupState; readonly proposalType: string }
  | {
      readonly kind: 'commit';
      readonly state: MlsGroupState;
      readonly epoch: bigint;
      /** This device was removed by the commit; the state is now inactive. */
      readonly removedSelf: boolean;
    };

/** MLS wire formats (RFC 9420 §6), by name. */
export const MLS_WIRE_FORMATS = [
  'mls_public_message',
  'mls_private_message',
  'mls_welcome',
  'mls_group_info',
  'mls_key_package',
] as const;
export type MlsWireFormat = (typeof MLS_WIRE_FORMATS)[number];

/** Who sent a handshake message, as far as the framing shows it. */
export type MlsFramingSender =
  | { readonly type: 'member'; readonly leafIndex: number }
  | { readonly type: 'external'; readonly senderIndex: number }
  | { readonly type: 'new_member_proposal' }
  | { readonly type: 'new_member_commit' };

/**
 * What the Delivery Service can read from an `MLSMessage` without any key: enough to route it,
 * order handshake messages per group and epoch, and route a Welcome to its recipients.
 */
export interface MlsFraming {
  readonly wireFormat: MlsWireFormat;
  readonly groupId?: Uint8Array;
  readonly epoch?: bigint;
  readonly contentType?: 'application' | 'proposal' | 'commit';
  /** Only a PublicMessage shows its sender; a PrivateMessage encrypts it. */
  readonly sender?: MlsFramingSender;
  /** Suite name, or its decimal id when the suite is unknown. */
  readonly cipherSuite?: string;
  /** For a Welcome: the `KeyPackageRef`s of its recipients. */
  readonly recipients?: readonly Uint8Array[];
  /** For a public Commit: which proposals it covers and whether it carries an UpdatePath. */
  readonly commit?: { readonly proposals: readonly string[]; readonly hasPath: boolean };
  /** For a public Proposal: its type. */
  readonly proposalType?: string;
  /**
   * For a GroupInfo carrying the ratchet tree: its members as the signing member claims them.
   * Unauthenticated for the server, but enough to find the leaf of a device to revoke.
   */
  readonly members?: readonly MlsMember[];
}

/**
 * The MLS operations Herald's SDK (device side) and Delivery Service (server side) need, over an
 * MLS library. Devices generate KeyPackages, create and join groups, commit, encrypt and decrypt;
 * the server only inspects framing and validates KeyPackages, and never holds group secrets.
 * Failures are `HeraldError`s with `HERALD_ERR_E2EE_*` codes.
 */
export interface MlsEngine {
  /** The suite new groups and KeyPackages use. */
  readonly cipherSuite: MlsCipherSuiteName;

  /** A fresh signature key pair for a device (published in the key directory at enrollment). */
  generateSignatureKeyPair(options?: MlsCallOptions): Promise<MlsSignatureKeyPair>;

  /** A KeyPackage for the device, signed with its directory key. */
  generateKeyPackage(
    identity: MlsMemberIdentity,
    signer: MlsSignatureKeyPair,
    options?: MlsCallOptions & { readonly lifetimeSeconds?: number; readonly lastResort?: boolean },
  ): Promise<MlsKeyPackageBundle>;

  /** Server side: checks an uploaded KeyPackage (framing, suite, signatures, lifetime, credential). */
  validateKeyPackage(
    keyPackage: Uint8Array,
    options?: MlsCallOptions & { readonly now?: Date },
  ): Promise<MlsValidatedKeyPackage>;

  /** A new group whose only member is the creator (its leaf from `creator`). */
  createGroup(
    creator: MlsKeyPackageBundle,
    options?: MlsCallOptions & {
      readonly groupId?: Uint8Array;
      readonly externalSenders?: readonly MlsExternalSender[];
    },
  ): Promise<MlsGroupState>;

  /** Commits Adds for the given KeyPackages (plus any proposals received). */
  addMembers(
    state: MlsGroupState,
    keyPackages: readonly Uint8Array[],
    options?: MlsCallOptions,
  ): Promise<MlsCommitOutput>;

  /** Commits Removes for the given leaves (plus any proposals received); always with an UpdatePath. */
  removeMembers(
    state: MlsGroupState,
    leafIndices: readonly number[],
    options?: MlsCallOptions,
  ): Promise<MlsCommitOutput>;

  /**
   * Commits the proposals received so far (e.g. the server's Remove for a revoked device), or,
   * with none, an empty commit that refreshes this device's keys (RFC 9420 §12.4).
   */
  commitPending(state: MlsGroupState, options?: MlsCallOptions): Promise<MlsCommitOutput>;

  /** Applies this device's own commit once the server has echoed it. */
  mergePendingCommit(pending: MlsPendingCommit): MlsGroupState;

  /** Joins from a Welcome addressed to `keyPackage`. */
  joinFromWelcome(
    welcome: Uint8Array,
    keyPackage: MlsKeyPackageBundle,
    options?: MlsCallOptions & { readonly ratchetTree?: Uint8Array },
  ): Promise<MlsGroupState>;

  /**
   * Processes an incoming PublicMessage or PrivateMessage of this group: a member's message, the
   * server's Remove as external sender, or a device's external commit. A received proposal is
   * kept until a commit covers it, and until then this device cannot {@link encrypt}: commit it
   * promptly with {@link commitPending} (unless it removes this device).
   */
  processMessage(state: MlsGroupState, message: Uint8Array, options?: MlsCallOptions): Promise<MlsProcessed>;

  /** Encrypts application data to the group (a PrivateMessage). */
  encrypt(
    state: MlsGroupState,
    plaintext: Uint8Array,
    options?: MlsCallOptions & { readonly authenticatedData?: Uint8Array },
  ): Promise<{ readonly message: Uint8Array; readonly state: MlsGroupState }>;

  /** The group's members (non-blank leaves). */
  members(state: MlsGroupState): readonly MlsMember[];

  /** The epoch authenticator (RFC 9420 §8.7), for safety numbers compared out of band. */
  epochAuthenticator(state: MlsGroupState): Uint8Array;

  /** Serializes the state for the device's store (it contains secrets). */
  exportGroupState(state: MlsGroupState): Uint8Array;

  /** Restores a state from {@link exportGroupState}. */
  importGroupState(bytes: Uint8Array): MlsGroupState;

  /** Server side: reads an `MLSMessage`'s framing without keys; refuses malformed input. */
  inspectMessage(message: Uint8Array): MlsFraming;

  /**
   * Server side: a Remove proposal from the Delivery Service as external sender (revocation),
   * built without group state. Returns an `MLSMessage` PublicMessage with sender `external`;
   * members accept it from {@link processMessage} as `kind: 'proposal'` and the next commit
   * (any member's {@link commitPending}) applies it with an UpdatePath.
   */
  externalRemoveProposal(request: MlsExternalRemoveRequest, options?: MlsCallOptions): Promise<Uint8Array>;

  /**
   * An `MLSMessage(GroupInfo)` for the current epoch, signed by this member, with the
   * `external_pub` and `ratchet_tree` extensions: what a device that lost its state (or a new
   * device of a member) needs to re-join by {@link joinByExternalCommit}. Publish one per epoch.
   */
  groupInfo(state: MlsGroupState, options?: MlsCallOptions): Promise<Uint8Array>;

  /**
   * Joins from a GroupInfo by external commit (RFC 9420 §12.4.3.2). Only a device of a user who
   * already has a leaf in the group may join this way; with `resync`, the commit also removes the
   * device's own old leaf (which must carry the same identity and key).
   */
  joinByExternalCommit(
    groupInfo: Uint8Array,
    joiner: MlsExternalJoiner,
    options?: MlsCallOptions & { readonly resync?: { readonly oldLeafIndex: number } },
  ): Promise<MlsExternalJoin>;
}
