import type {
  MlsCallOptions,
  MlsEngine,
  MlsGroupState,
  MlsMemberIdentity,
  MlsSignatureKeyPair,
} from '@herald/server/mls';

// GroupInfo publication and re-join by external commit are optional engine capabilities (in the
// style of Kysely's optional driver methods): an engine without them still sends and receives,
// it just cannot publish GroupInfos or recover a lost group state.

/** The capability to sign a GroupInfo for the current epoch. */
interface GroupInfoCapable {
  groupInfo(state: MlsGroupState, options?: MlsCallOptions): Promise<Uint8Array>;
}

/** The capability to join by external commit from a GroupInfo (RFC 9420 §12.4.3.2). */
export interface RejoinCapable {
  joinByExternalCommit(
    groupInfo: Uint8Array,
    joiner: { readonly identity: MlsMemberIdentity; readonly signer: MlsSignatureKeyPair },
    options?: MlsCallOptions & { readonly resync?: { readonly oldLeafIndex: number } },
  ): Promise<{ readonly commit: Uint8Array; readonly state: MlsGroupState }>;
}

/** The GroupInfo for `state`'s epoch, or `undefined` when the engine cannot make one. */
export async function groupInfoOf(
  engine: MlsEngine,
  state: MlsGroupState,
  options: MlsCallOptions,
): Promise<Uint8Array | undefined> {
  const e = engine as MlsEngine & Partial<GroupInfoCapable>;
  return typeof e.groupInfo === 'function' ? e.groupInfo(state, options) : undefined;
}

/** The engine as a {@link RejoinCapable}, or `undefined` when it cannot join by external commit. */
export function rejoinCapable(engine: MlsEngine): RejoinCapable | undefined {
  const e = engine as MlsEngine & Partial<RejoinCapable>;
  return typeof e.joinByExternalCommit === 'function' ? (e as RejoinCapable) : undefined;
}
