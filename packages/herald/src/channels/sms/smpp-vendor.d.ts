/**
 * The subset of the `smpp` package (0.5.x, no published types) that Herald uses, described
 * here instead of typing the vendor as `any` (STYLE.md: vendor clients are described by the
 * subset we use). Field names are the SMPP specification's, as the package uses them.
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';

  /** One PDU, request or response. Mandatory and optional parameters are plain properties. */
  export interface Pdu {
    command: string;
    command_id: number;
    command_status: number;
    sequence_number: number;
    [field: string]: unknown;
    isResponse(): boolean;
    /** The matching `*_resp` (or `generic_nack` for an unknown command) with this sequence number. */
    response(options?: Record<string, unknown>): Pdu;
  }

  /** One SMPP connection, client or server side. Emits `connect`, `pdu`, `error`, `close`. */
  export interface Session extends EventEmitter {
    readonly socket: Socket;
    /** Writes a PDU; returns false (and never calls back) when the socket is not writable. */
    send(pdu: Pdu, responseCallback?: (response: Pdu) => void, sendCallback?: (pdu: Pdu) => void): boolean;
    close(callback?: () => void): void;
    destroy(callback?: () => void): void;
    pause(): void;
    resume(): void;
  }

  /** A `net.Server` that wraps every accepted socket in a `Session` (`session` event). */
  export interface Server extends NetServer {
    readonly sessions: Session[];
  }

  /** A TLV value codec from `smpp.types.tlv`. */
  export interface TlvType {
    read(buffer: Buffer, offset: number, length: number): unknown;
    write(value: unknown, buffer: Buffer, offset: number): void;
    size(value: unknown): number;
  }

  export interface Encoding {
    match(value: string): boolean;
    encode(value: string): Buffer;
    decode(value: Buffer): string;
  }

  interface SmppModule {
    PDU: new (command: string, options?: Record<string, unknown>) => Pdu;
    connect(options: { host: string; port: number }): Session;
    createServer(options: Record<string, unknown>, listener?: (session: Session) => void): Server;
    addTLV(tag: string, options: { id: number; type: TlvType }): void;
    types: { tlv: { string: TlvType; cstring: TlvType; buffer: TlvType; int8: TlvType } };
    encodings: { detect(value: string): string | false } & Record<string, Encoding | undefined>;
  }

  const smpp: SmppModule;
  export default smpp;
}
