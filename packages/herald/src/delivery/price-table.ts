import type { Channel } from '../channels/channel-adapter.ts';
import { HeraldError } from '../errors/index.ts';

/** Price per attempt and channel, in millionths of the configured currency unit. */
export type PriceTable = Readonly<Partial<Record<Channel, number>>>;

/** Parses `sms=0.0075,rcs=0.01` (currency units per attempt) into micros. */
export function parsePriceTable(spec: string): PriceTable {
  const table: Partial<Record<Channel, number>> = {};
  for (const part of spec.split(',').filter(Boolean)) {
    const m = /^(secure|rcs|email|push|sms)=(\d+(?:\.\d{1,6})?)$/.exec(part.trim());
    if (!m) throw new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail: `bad price entry "${part}"` });
    table[m[1] as Channel] = Math.round(Number(m[2]) * 1_000_000);
  }
  return table;
}

/** Parses `sms=100,rcs=50` (messages per second) into per-channel caps. */
export function parseRateCaps(spec: string): Readonly<Partial<Record<Channel, number>>> {
  const caps: Partial<Record<Channel, number>> = {};
  for (const part of spec.split(',').filter(Boolean)) {
    const m = /^(secure|rcs|email|push|sms)=(\d{1,6})$/.exec(part.trim());
    if (!m || Number(m[2]) === 0)
      throw new HeraldError('HERALD_ERR_CONFIG_INVALID', { detail: `bad rate entry "${part}"` });
    caps[m[1] as Channel] = Number(m[2]);
  }
  return caps;
}
