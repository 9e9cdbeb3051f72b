import type { Channel } from '../channels/channel-adapter.ts';

/**
 * The address a channel needs for a recipient, or undefined when the recipient has none on
 * that channel (which the route treats as `unsupported`). Phone channels take E.164 numbers,
 * email takes addresses; the secure channel and push address Herald users.
 */
export function addressFor(channel: Channel, recipient: string, kind: string): string | undefined {
  switch (channel) {
    case 'sms':
    case 'rcs':
      return kind === 'phone' ? recipient : undefined;
    case 'email':
      return kind === 'email' ? recipient : undefined;
    case 'push':
    case 'secure':
      return kind === 'user' ? recipient : undefined;
  }
}
