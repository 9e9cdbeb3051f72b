// The ChannelAdapter contract (Hono's common.case.test.ts model): one set of cases that every
// adapter must pass against its simulated provider. channel-adapter.contract.test.ts runs it for
// SMS, RCS, email, APNs and FCM.
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { ChannelAdapter, OutboundMessage, Receipt } from '../../src/channels/channel-adapter.ts';
import { isHeraldError } from '../../src/errors/index.ts';
import { BAD_RESPONSES, type BadResponse } from '../../src/simulator/control/fault-state.ts';
import { heraldCode, testMessage, waitFor } from './channel-adapter.helpers.ts';

/** One adapter wired to its simulator, as the contract needs it. */
export interface ContractRig {
  readonly adapter: ChannelAdapter;
  /** Receipts the adapter handed to its sink. */
  readonly receipts: readonly Receipt[];
  /** Recipients with a known fate at the simulated provider. */
  readonly to: {
    readonly ok: string;
    readonly permanent: string;
    readonly retryable: string;
    /** A recipient whose send takes seconds (for aborts). */
    readonly slow: string;
  };
  /** Whether every try of a message gets the same provider id (FCM names each send anew). */
  readonly stableProviderId: boolean;
  /** How many copies of the message the recipient ends up with. */
  shown(message: OutboundMessage): number | Promise<number>;
  /**
   * Builds the message for a recipient, for channels whose messages need more than
   * {@link testMessage} gives (the secure channel's MLS ciphertext). Default: `testMessage(to)`.
   */
  message?(to: string): OutboundMessage | Promise<OutboundMessage>;
  /** Requests (or sessions) the provider has seen. */
  providerRequests(): number;
  /** Makes the provider answer the next request badly; absent when the simulator cannot. */
  badResponse?(kind: BadResponse): void;
}

/** What an adapter cannot do, with the reason the case is skipped or marked todo. */
export interface ContractLimits {
  /** The provider sends no delivery receipts. */
  readonly noReceipts?: string;
  /** A resend reaches the recipient again (the provider does not de-duplicate). */
  readonly notIdempotent?: string;
  /** The simulator cannot inject malformed answers for this protocol. */
  readonly noBadResponses?: string;
  /** The rig cannot hold a send in flight (for the abort case). */
  readonly noSlowSend?: string;
}

/** Registers the contract cases for one adapter. */
export function channelAdapterContract(
  name: string,
  start: (t: TestContext) => Promise<ContractRig>,
  limits: ContractLimits = {},
): void {
  const make = (rig: ContractRig, to: string) => (rig.message ? rig.message(to) : testMessage(to));
  void describe(`ChannelAdapter contract: ${name}`, () => {
    void test('sends, and resolves with the provider id', async (t) => {
      const rig = await start(t);
      assert.equal(rig.adapter.isReady(), true);
      const sent = await rig.adapter.send(await make(rig, rig.to.ok));
      assert.equal(typeof sent.providerMessageId, 'string');
      assert.ok(sent.providerMessageId.length > 0);
    });

    void test(
      'a resend with the same message id does not reach the recipient twice',
      limits.notIdempotent === undefined ? {} : { todo: limits.notIdempotent },
      async (t) => {
        const rig = await start(t);
        const msg = await make(rig, rig.to.ok);
        const first = await rig.adapter.send(msg);
        const again = await rig.adapter.send(msg);
        assert.equal(await rig.shown(msg), 1);
        if (rig.stableProviderId) assert.equal(again.providerMessageId, first.providerMessageId);
      },
    );

    void test('a permanent provider refusal is not retryable', async (t) => {
      const rig = await start(t);
      await assert.rejects(rig.adapter.send(await make(rig, rig.to.permanent)), (err: unknown) => {
        assert.ok(isHeraldError(err));
        assert.equal(err.isRetryable, false, err.code);
        return true;
      });
    });

    void test('a transient provider failure is retryable', async (t) => {
      const rig = await start(t);
      await assert.rejects(rig.adapter.send(await make(rig, rig.to.retryable)), (err: unknown) => {
        assert.ok(isHeraldError(err));
        assert.equal(err.isRetryable, true, err.code);
        return true;
      });
    });

    void test(
      'a delivery receipt quotes the id send returned',
      limits.noReceipts === undefined ? {} : { skip: limits.noReceipts },
      async (t) => {
        const rig = await start(t);
        const sent = await rig.adapter.send(await make(rig, rig.to.ok));
        await waitFor('a receipt', () =>
          rig.receipts.some((r) => r.providerMessageId === sent.providerMessageId),
        );
        const receipt = rig.receipts.find((r) => r.providerMessageId === sent.providerMessageId)!;
        assert.equal(receipt.channel, rig.adapter.channel);
        assert.equal(receipt.status, 'delivered');
        assert.ok(receipt.at instanceof Date);
      },
    );

    for (const kind of BAD_RESPONSES) {
      void test(
        `a ${kind.replace('_', ' ')} answer is a retryable error, and the retry does not double-send`,
        limits.noBadResponses === undefined ? {} : { skip: limits.noBadResponses },
        async (t) => {
          const rig = await start(t);
          const msg = await make(rig, rig.to.ok);
          rig.badResponse!(kind);
          await assert.rejects(rig.adapter.send(msg), (err: unknown) => {
            assert.ok(isHeraldError(err), String(err));
            assert.equal(err.isRetryable, true, err.code);
            return true;
          });
          await rig.adapter.send(msg);
          if (limits.notIdempotent === undefined) assert.equal(await rig.shown(msg), 1);
        },
      );
    }

    void test('an already aborted signal fails at once without contacting the provider', async (t) => {
      const rig = await start(t);
      const before = rig.providerRequests();
      await assert.rejects(
        rig.adapter.send(await make(rig, rig.to.ok), { signal: AbortSignal.abort() }),
        heraldCode('HERALD_ERR_CHANNEL_ABORTED', true),
      );
      assert.equal(rig.providerRequests(), before);
    });

    void test(
      'aborting a send in flight rejects promptly with HERALD_ERR_CHANNEL_ABORTED',
      limits.noSlowSend === undefined ? {} : { skip: limits.noSlowSend },
      async (t) => {
        const rig = await start(t);
        const controller = new AbortController();
        const msg = await make(rig, rig.to.slow);
        const started = Date.now();
        const sending = rig.adapter.send(msg, { signal: controller.signal });
        setTimeout(() => controller.abort(new Error('caller gave up')), 50);
        await assert.rejects(sending, heraldCode('HERALD_ERR_CHANNEL_ABORTED', true));
        assert.ok(Date.now() - started < 1500, `took ${Date.now() - started} ms`);
      },
    );
  });
}
