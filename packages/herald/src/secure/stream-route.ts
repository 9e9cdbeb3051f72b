import type { FastifyPluginAsync } from 'fastify';
import { requireDevice } from '../keys/device-principal.ts';
import type { DeviceInbox } from './device-inbox.ts';
import type { DeviceStreams } from './device-streams.ts';
import type { InboxSignal } from './inbox-signal.ts';
import type { SecureLimits } from './secure-limits.ts';

const OPEN = 1; // WebSocket.OPEN

/**
 * `GET /v1/devices/me/stream`: a WebSocket that sends `{"seq": n}` whenever the device's inbox
 * grows (and once on open), so the device fetches at once instead of polling. It carries no
 * messages, only the sequence number. Announcements come from the inbox signal (LISTEN/NOTIFY on
 * PostgreSQL); every `streamLeaseMs / 3` the stream also re-reads the sequence number (covering
 * a lost announcement), re-checks that the device is still active, renews its presence lease
 * (devices with a live lease get no wake-up pushes) and pings the client, ending it when the
 * previous ping went unanswered.
 */
export const streamRoute: FastifyPluginAsync<{
  inbox: DeviceInbox;
  signal: InboxSignal;
  streams: DeviceStreams;
  limits: SecureLimits;
}> = async (app, { inbox, signal, streams, limits }) => {
  app.get(
    '/v1/devices/me/stream',
    {
      websocket: true,
      schema: { summary: 'WebSocket: {"seq": n} whenever the inbox grows', tags: ['secure'] },
      // Refused before the upgrade, as a plain HTTP error with a Herald code.
      preValidation: async (req) => void requireDevice(req),
    },
    (socket, req) => {
      const device = requireDevice(req);
      const stream = { close: (code: number, reason: string) => socket.close(code, reason) };
      if (!streams.add(device.deviceId, stream, limits.maxStreamsPerDevice)) {
        socket.close(1008, 'HERALD_ERR_SECURE_TOO_MANY_STREAMS');
        return;
      }
      let sent = -1;
      const send = (seq: number) => {
        if (seq <= sent || socket.readyState !== OPEN) return;
        sent = seq;
        socket.send(JSON.stringify({ seq }));
      };
      const unsubscribe = signal.subscribe(device.deviceId, send);
      const refresh = async () => {
        if (!(await inbox.isActive(device))) return socket.close(1008, 'HERALD_ERR_DEVICE_INACTIVE');
        if (socket.readyState !== OPEN) return;
        await inbox.setStreamLease(device, Date.now() + limits.streamLeaseMs);
        send(await inbox.lastSeq(device));
      };
      const fail = (err: unknown) =>
        req.log.warn({ code: (err as { code?: string }).code }, 'stream refresh failed');
      // One refresh at a time, so the lease cleared on close is not renewed by one still running.
      let refreshing: Promise<void> = Promise.resolve();
      const refreshNow = () => (refreshing = refreshing.then(refresh).catch(fail));
      let alive = true;
      socket.on('pong', () => (alive = true));
      const timer = setInterval(
        () => {
          if (!alive) return socket.terminate();
          alive = false;
          socket.ping();
          void refreshNow();
        },
        Math.max(50, Math.floor(limits.streamLeaseMs / 3)),
      );
      void refreshNow();
      socket.on('close', () => {
        clearInterval(timer);
        unsubscribe();
        if (streams.remove(device.deviceId, stream) === 0)
          refreshing = refreshing.then(() => inbox.setStreamLease(device, null)).catch(fail);
      });
    },
  );
};
