import type { Channel } from '../channels/channel-adapter.ts';
import type { Contact } from '../contacts/contact-store.ts';

/**
 * The address a channel needs for a recipient, or undefined when the recipient has none on
 * that channel (which the route treats as `unsupported`). Phone channels take E.164 numbers,
 * email takes addresses; a Herald user is reached through the directory (`contact`): its phone,
 * email or newest push token, and the secure channel addresses the user itself.
 */
export function addressFor(
  channel: Channel,
  recipient: string,
  kind: string,
  contact?: Contact,
): string | undefined {
  if (kind === 'user') {
    switch (channel) {
      case 'sms':
      case 'rcs':
        return contact?.phone ?? undefined;
      case 'email':
        return contact?.email ?? undefined;
      case 'push':
        return contact?.push[0];
      case 'secure':
        return recipient;
    }
  }
  switch (channel) {
    case 'sms':
    case 'rcs':
      return kind === 'phone' ? recipient : undefined;
    case 'email':
      return kind === 'email' ? recipient : undefined;
    case 'push':
    case 'secure':
      return undefined;
  }
}
