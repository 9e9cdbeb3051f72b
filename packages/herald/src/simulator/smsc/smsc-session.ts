import type { SmppLogger } from '../../channels/sms/smpp-adapter-options.ts';
import { COMMAND_STATUS } from '../../channels/sms/smpp-status.ts';
import {
  HERALD_MESSAGE_ID_TLV,
  makePdu,
  TON_INTERNATIONAL,
  type SmppPdu,
  type SmppSession,
} from '../../channels/sms/smpp-wire.ts';
import type { SmscAccount, SmscProfile } from '../profile.ts';
import { hashSeed, mulberry32, type Random } from '../prng.ts';
import type { ReceiptDispatcher, ReceiptTarget } from './receipt-dispatcher.ts';
import type { SmscCounters } from './smsc-stats.ts';
import { decideSubmit } from './submit-outcome.ts';
import type { TokenBucket } from './token-bucket.ts';

/** State shared by every connection of one simulated SMSC. */
export interface SmscContext {
  readonly profile: SmscProfile;
  readonly seed: number;
  /** Empty: any credentials bind. */
  readonly accounts: readonly SmscAccount[];
  readonly counters: SmscCounters;
  readonly receipts: ReceiptDispatcher;
  readonly throttle: TokenBucket | undefined;
  /** Per Herald message id: submits seen, and how many were accepted. */
  readonly byHeraldId: Map<string, { submits: number; accepted: number }>;
  /** For submits without a Herald message id. */
  readonly random: Random;
  /** Pending submit_sm_resp timers, cleared on close. */
  readonly timers: Set<NodeJS.Timeout>;
  readonly log: SmppLogger;
  nextMessageId(): string;
}

const BIND_MODES = { bind_transmitter: 'tx', bind_receiver: 'rx', bind_transceiver: 'trx' } as const;
type BindMode = (typeof BIND_MODES)[keyof typeof BIND_MODES];
// SMPP 3.4 §4: these have a *_resp, so an unsupported one is answered in kind (ESME_RINVCMDID).
const ANSWERABLE = new Set(['query_sm', 'cancel_sm', 'replace_sm', 'data_sm', 'submit_multi']);

/** Serves one ESME connection: bind, submit_sm, enquire_link, unbind, receipt delivery. */
export function attachSmscSession(session: SmppSession, ctx: SmscContext): void {
  let mode: BindMode | undefined;
  let systemId = '';
  let target: ReceiptTarget | undefined;
  ctx.counters.sessions++;

  session.on('error', () => session.destroy()); // a broken PDU stream cannot be resynchronised
  session.on('close', () => {
    ctx.counters.sessions--;
    if (target !== undefined) ctx.receipts.removeReceiver(target);
  });
  session.on('pdu', (pdu: SmppPdu) => {
    if (pdu.isResponse()) return; // deliver_sm_resp reaches its callback inside the package
    if (ctx.profile.trace) ctx.log.debug({ command: pdu.command, seq: pdu.sequence_number }, 'smsc: pdu');
    switch (pdu.command) {
      case 'bind_transmitter':
      case 'bind_receiver':
      case 'bind_transceiver':
        return bind(pdu, BIND_MODES[pdu.command]);
      case 'submit_sm':
        // SMPP 3.4 §2.3: only a transmitter or transceiver may submit.
        if (mode !== 'tx' && mode !== 'trx') return reply(pdu, COMMAND_STATUS.ESME_RINVBNDSTS);
        return submit(pdu);
      case 'enquire_link':
        return reply(pdu, COMMAND_STATUS.ESME_ROK);
      case 'unbind':
        // SMPP 3.4 §4.2: answer, then close the connection.
        session.send(pdu.response());
        session.close();
        return;
      default:
        if (ANSWERABLE.has(pdu.command)) return reply(pdu, COMMAND_STATUS.ESME_RINVCMDID);
        // SMPP 3.4 §4.3: generic_nack for what we do not recognise.
        session.send(
          makePdu('generic_nack', {
            sequence_number: pdu.sequence_number,
            command_status: COMMAND_STATUS.ESME_RINVCMDID,
          }),
        );
    }
  });

  function reply(pdu: SmppPdu, status: number): void {
    session.send(pdu.response(status === 0 ? {} : { command_status: status }));
  }

  function bind(pdu: SmppPdu, requested: BindMode): void {
    if (mode !== undefined) return reply(pdu, COMMAND_STATUS.ESME_RALYBND);
    const requestedId = typeof pdu.system_id === 'string' ? pdu.system_id : '';
    if (ctx.accounts.length > 0) {
      const account = ctx.accounts.find((a) => a.systemId === requestedId);
      if (account === undefined) return reply(pdu, COMMAND_STATUS.ESME_RINVSYSID);
      if (account.password !== pdu.password) return reply(pdu, COMMAND_STATUS.ESME_RINVPASWD);
    }
    mode = requested;
    systemId = requestedId;
    ctx.counters.binds++;
    session.send(pdu.response({ system_id: 'HeraldSim' }));
    ctx.log.info({ systemId, mode }, 'smsc: bound');
    if (mode === 'rx' || mode === 'trx') {
      target = {
        systemId,
        deliver: (fields, onResponse) =>
          session.send(makePdu('deliver_sm', fields), (resp) => onResponse(resp.command_status)),
      };
      ctx.receipts.addReceiver(target);
    }
  }

  function submit(pdu: SmppPdu): void {
    const c = ctx.counters;
    c.submitted++;
    const digits = typeof pdu.destination_addr === 'string' ? pdu.destination_addr.replace(/^\+/, '') : '';
    const international = pdu.dest_addr_ton === TON_INTERNATIONAL;
    c.countRecipient(international ? `+${digits}` : digits);
    const heraldId = typeof pdu[HERALD_MESSAGE_ID_TLV] === 'string' ? pdu[HERALD_MESSAGE_ID_TLV] : '';
    let seen: { submits: number; accepted: number } | undefined;
    if (heraldId !== '') {
      seen = ctx.byHeraldId.get(heraldId);
      if (seen === undefined) ctx.byHeraldId.set(heraldId, (seen = { submits: 0, accepted: 0 }));
      else c.resubmits++;
    }
    const attempt = seen?.submits ?? 0;
    if (seen !== undefined) seen.submits++;

    if (ctx.profile.maxOutstanding > 0 && c.inFlight >= ctx.profile.maxOutstanding) {
      c.throttled++;
      return reply(pdu, COMMAND_STATUS.ESME_RMSGQFUL);
    }
    if (ctx.throttle !== undefined && !ctx.throttle.take()) {
      c.throttled++;
      return reply(pdu, COMMAND_STATUS.ESME_RTHROTTLED);
    }
    // A stream per (seed, message id, attempt): the fate of a message does not depend on how
    // concurrent sends interleave, and a retry gets a fresh draw.
    const random = heraldId === '' ? ctx.random : mulberry32(hashSeed(ctx.seed, heraldId, attempt));
    const registeredDelivery = typeof pdu.registered_delivery === 'number' ? pdu.registered_delivery : 0;
    const outcome = decideSubmit(ctx.profile, { destination: digits, registeredDelivery }, random);
    c.inFlight++;
    if (c.inFlight > c.maxInFlight) c.maxInFlight = c.inFlight;

    const answer = (): void => {
      c.inFlight--;
      if (outcome.status !== COMMAND_STATUS.ESME_ROK) {
        if (
          outcome.status === COMMAND_STATUS.ESME_RTHROTTLED ||
          outcome.status === COMMAND_STATUS.ESME_RMSGQFUL
        ) {
          c.throttled++;
        } else c.refused++;
        return reply(pdu, outcome.status);
      }
      const messageId = ctx.nextMessageId();
      // An answer that cannot be written never reached the ESME: treat the message as not taken.
      if (!session.send(pdu.response({ message_id: messageId }))) return;
      c.accepted++;
      if (seen !== undefined && seen.accepted++ > 0) c.duplicates++;
      if (outcome.receipt === undefined) return;
      ctx.receipts.schedule(
        {
          messageId,
          systemId,
          sourceAddr: typeof pdu.source_addr === 'string' ? pdu.source_addr : '',
          sourceTon: typeof pdu.source_addr_ton === 'number' ? pdu.source_addr_ton : 0,
          sourceNpi: typeof pdu.source_addr_npi === 'number' ? pdu.source_addr_npi : 0,
          destinationAddr: digits,
          destinationTon: typeof pdu.dest_addr_ton === 'number' ? pdu.dest_addr_ton : 0,
          destinationNpi: typeof pdu.dest_addr_npi === 'number' ? pdu.dest_addr_npi : 0,
          submittedAt: new Date(),
          plan: outcome.receipt,
          attempts: 0,
        },
        outcome.receipt.delayMs,
      );
    };
    if (outcome.latencyMs === 0) return answer();
    const timer = setTimeout(() => {
      ctx.timers.delete(timer);
      answer();
    }, outcome.latencyMs);
    ctx.timers.add(timer);
  }
}
