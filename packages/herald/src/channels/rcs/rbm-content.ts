import { HeraldError } from '../../errors/index.ts';
import type { OutboundMessage, Suggestion } from '../channel-adapter.ts';

/** RBM `contentMessage.text` limit (RBM "Send messages": text messages up to 3072 characters). */
export const RBM_TEXT_LIMIT = 3072;

/**
 * Builds the RBM AgentMessage body (REST v1 `phones.agentMessages` resource) for one message:
 * text, or a standalone rich card with the text as `fallbackText`; suggestion chips; and
 * `expireTime` from the message's deadline (else `ttl` from the adapter's default), so the
 * platform revokes an undelivered message on time. A notice step sends its text alone.
 */
export function agentMessageBody(
  message: OutboundMessage,
  opts: { readonly defaultTtlSeconds?: number | undefined; readonly now?: number } = {},
): Record<string, unknown> {
  if ([...message.body].length > RBM_TEXT_LIMIT) {
    throw new HeraldError('HERALD_ERR_CHANNEL_CONTENT_TOO_LONG', { channel: 'rcs', limit: RBM_TEXT_LIMIT });
  }
  const now = opts.now ?? Date.now();
  if (message.expiresAt !== undefined && message.expiresAt.getTime() <= now) {
    throw new HeraldError('HERALD_ERR_CHANNEL_REJECTED', {
      channel: 'rcs',
      detail: 'the message expired before it was sent',
    });
  }
  const rich = message.contentKind === 'full' ? message.rich : undefined;
  const content: Record<string, unknown> = {};
  if (rich?.card !== undefined) {
    const card = rich.card;
    content['richCard'] = {
      standaloneCard: {
        cardOrientation: 'VERTICAL',
        cardContent: {
          title: card.title,
          description: card.description ?? message.body,
          ...(card.mediaUrl === undefined
            ? {}
            : { media: { height: 'MEDIUM', contentInfo: { fileUrl: card.mediaUrl } } }),
          ...(card.suggestions === undefined ? {} : { suggestions: card.suggestions.map(suggestion) }),
        },
      },
    };
    content['fallbackText'] = message.body;
  } else {
    content['text'] = message.body;
  }
  if (rich?.suggestions !== undefined && rich.suggestions.length > 0) {
    content['suggestions'] = rich.suggestions.map(suggestion);
  }
  const body: Record<string, unknown> = { contentMessage: content };
  if (message.expiresAt !== undefined) body['expireTime'] = message.expiresAt.toISOString();
  else if (opts.defaultTtlSeconds !== undefined) body['ttl'] = `${opts.defaultTtlSeconds}s`;
  return body;
}

/** One RBM `Suggestion`: a reply chip, or an action (open a URL, dial a number). */
function suggestion(s: Suggestion): Record<string, unknown> {
  switch (s.kind) {
    case 'reply':
      return { reply: { text: s.text, postbackData: s.postbackData } };
    case 'open_url':
      return { action: { text: s.text, postbackData: s.postbackData, openUrlAction: { url: s.url } } };
    case 'dial':
      return {
        action: { text: s.text, postbackData: s.postbackData, dialAction: { phoneNumber: s.phoneNumber } },
      };
  }
}
