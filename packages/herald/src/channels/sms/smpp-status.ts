import { HeraldError } from '../../errors/index.ts';

/** SMPP 3.4 §5.1.3 command_status values, by name. */
export const COMMAND_STATUS = {
  ESME_ROK: 0x00,
  ESME_RINVMSGLEN: 0x01,
  ESME_RINVCMDLEN: 0x02,
  ESME_RINVCMDID: 0x03,
  ESME_RINVBNDSTS: 0x04,
  ESME_RALYBND: 0x05,
  ESME_RINVPRTFLG: 0x06,
  ESME_RINVREGDLVFLG: 0x07,
  ESME_RSYSERR: 0x08,
  ESME_RINVSRCADR: 0x0a,
  ESME_RINVDSTADR: 0x0b,
  ESME_RINVMSGID: 0x0c,
  ESME_RBINDFAIL: 0x0d,
  ESME_RINVPASWD: 0x0e,
  ESME_RINVSYSID: 0x0f,
  ESME_RCANCELFAIL: 0x11,
  ESME_RREPLACEFAIL: 0x13,
  ESME_RMSGQFUL: 0x14,
  ESME_RINVSERTYP: 0x15,
  ESME_RINVNUMDESTS: 0x33,
  ESME_RINVDLNAME: 0x34,
  ESME_RINVDESTFLAG: 0x40,
  ESME_RINVSUBREP: 0x42,
  ESME_RINVESMCLASS: 0x43,
  ESME_RCNTSUBDL: 0x44,
  ESME_RSUBMITFAIL: 0x45,
  ESME_RINVSRCTON: 0x48,
  ESME_RINVSRCNPI: 0x49,
  ESME_RINVDSTTON: 0x50,
  ESME_RINVDSTNPI: 0x51,
  ESME_RINVSYSTYP: 0x53,
  ESME_RINVREPFLAG: 0x54,
  ESME_RINVNUMMSGS: 0x55,
  ESME_RTHROTTLED: 0x58,
  ESME_RINVSCHED: 0x61,
  ESME_RINVEXPIRY: 0x62,
  ESME_RINVDFTMSGID: 0x63,
  ESME_RX_T_APPN: 0x64,
  ESME_RX_P_APPN: 0x65,
  ESME_RX_R_APPN: 0x66,
  ESME_RQUERYFAIL: 0x67,
  ESME_RINVOPTPARSTREAM: 0xc0,
  ESME_ROPTPARNOTALLWD: 0xc1,
  ESME_RINVPARLEN: 0xc2,
  ESME_RMISSINGOPTPARAM: 0xc3,
  ESME_RINVOPTPARAMVAL: 0xc4,
  ESME_RDELIVERYFAILURE: 0xfe,
  ESME_RUNKNOWNERR: 0xff,
} as const;
export type CommandStatusName = keyof typeof COMMAND_STATUS;

const NAMES = new Map<number, CommandStatusName>(
  Object.entries(COMMAND_STATUS).map(([name, value]) => [value, name as CommandStatusName]),
);

/** `ESME_RTHROTTLED (0x00000058)`, or just the hex for a status the spec does not name. */
export function describeCommandStatus(status: number): string {
  const hex = `0x${(status >>> 0).toString(16).padStart(8, '0')}`;
  const name = NAMES.get(status);
  return name === undefined ? hex : `${name} (${hex})`;
}

/** The numeric status for a name from SMPP 3.4 §5.1.3, or undefined. */
export function commandStatusByName(name: string): number | undefined {
  return Object.hasOwn(COMMAND_STATUS, name) ? COMMAND_STATUS[name as CommandStatusName] : undefined;
}

/**
 * Maps a submit_sm_resp (or generic_nack) command_status to the error `send` throws, or
 * undefined for ESME_ROK. The reason, not the text, tells the dispatcher whether to retry.
 */
export function submitStatusError(status: number): HeraldError | undefined {
  if (status === COMMAND_STATUS.ESME_ROK) return undefined;
  const detail = describeCommandStatus(status);
  const options = { details: { commandStatus: status, commandStatusName: detail } };
  switch (status) {
    // The SMSC asks us to slow down (§5.1.3: "throttling error", "message queue full").
    case COMMAND_STATUS.ESME_RTHROTTLED:
    case COMMAND_STATUS.ESME_RMSGQFUL:
      return new HeraldError('HERALD_ERR_CHANNEL_THROTTLED', { channel: 'sms' }, options);
    // A fault on the SMSC side, or the SMSC thinks our session is not bound (a race with an
    // unbind): nothing is wrong with the message, so another try may succeed.
    case COMMAND_STATUS.ESME_RSYSERR:
    case COMMAND_STATUS.ESME_RINVBNDSTS:
      return new HeraldError('HERALD_ERR_CHANNEL_UNAVAILABLE', { channel: 'sms', detail }, options);
    case COMMAND_STATUS.ESME_RINVDSTADR:
      return new HeraldError('HERALD_ERR_CHANNEL_INVALID_DESTINATION', { channel: 'sms' }, options);
    default:
      return new HeraldError('HERALD_ERR_CHANNEL_REJECTED', { channel: 'sms', detail }, options);
  }
}

/** SMPP 3.4 §5.1.3: bind answers that mean our credentials or system id are wrong. */
export function isBindRefusal(status: number): boolean {
  return (
    status === COMMAND_STATUS.ESME_RBINDFAIL ||
    status === COMMAND_STATUS.ESME_RINVPASWD ||
    status === COMMAND_STATUS.ESME_RINVSYSID
  );
}
