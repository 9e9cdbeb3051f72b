/**
 * Checks an AgentMessage the way the RBM API does before accepting it (RBM REST reference
 * `phones.agentMessages` resource; limits from the RBM "Send messages" guide): one kind of
 * content, text up to 3072 characters, up to 11 suggestions of up to 25 characters each,
 * rich card title and description limits, and `expireTime` or `ttl` but not both.
 */

/** The check's result: the expiry instant (epoch ms) when one is set, or what is wrong. */
export type AgentMessageCheck =
  { readonly ok: true; readonly expireAt?: number } | { readonly ok: false; readonly detail: string };

const CONTENT_KINDS = ['text', 'richCard', 'contentInfo', 'uploadedRbmFile'] as const;

/** Validates a parsed AgentMessage body. */
export function checkAgentMessage(body: unknown, now: number = Date.now()): AgentMessageCheck {
  if (!isObject(body)) return bad('the body must be a JSON object');
  const content = body['contentMessage'];
  if (!isObject(content)) return bad('contentMessage is required');
  const kinds = CONTENT_KINDS.filter((k) => content[k] !== undefined);
  if (kinds.length !== 1)
    return bad('contentMessage needs exactly one of text, richCard, contentInfo, uploadedRbmFile');
  if (content['text'] !== undefined) {
    if (typeof content['text'] !== 'string' || content['text'].length === 0)
      return bad('text must be a string');
    if (content['text'].length > 3072) return bad('text is longer than 3072 characters');
  }
  const card = content['richCard'];
  if (card !== undefined) {
    const problem = checkCard(card);
    if (problem !== undefined) return bad(problem);
  }
  const suggestions = checkSuggestions(content['suggestions'], 11);
  if (suggestions !== undefined) return bad(suggestions);
  if (body['expireTime'] !== undefined && body['ttl'] !== undefined)
    return bad('set expireTime or ttl, not both');
  if (body['expireTime'] !== undefined) {
    const at = typeof body['expireTime'] === 'string' ? Date.parse(body['expireTime']) : NaN;
    if (!Number.isFinite(at)) return bad('expireTime must be an RFC 3339 timestamp');
    return { ok: true, expireAt: at };
  }
  if (body['ttl'] !== undefined) {
    // google.protobuf.Duration JSON form: seconds with an "s" suffix, e.g. "3600s" or "1.5s".
    const m = typeof body['ttl'] === 'string' ? /^([0-9]+(?:\.[0-9]{1,9})?)s$/.exec(body['ttl']) : null;
    if (m === null) return bad('ttl must be a duration such as "3600s"');
    return { ok: true, expireAt: now + Math.round(Number(m[1]) * 1000) };
  }
  return { ok: true };
}

function checkCard(card: unknown): string | undefined {
  if (!isObject(card) || !isObject(card['standaloneCard'])) return 'richCard needs a standaloneCard';
  const inner = card['standaloneCard']['cardContent'];
  if (!isObject(inner)) return 'standaloneCard needs cardContent';
  const title = inner['title'];
  if (title !== undefined && (typeof title !== 'string' || title.length > 200))
    return 'card title is longer than 200 characters';
  const description = inner['description'];
  if (description !== undefined && (typeof description !== 'string' || description.length > 2000)) {
    return 'card description is longer than 2000 characters';
  }
  return checkSuggestions(inner['suggestions'], 4);
}

function checkSuggestions(raw: unknown, max: number): string | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length > max) return `at most ${max} suggestions`;
  for (const s of raw as unknown[]) {
    if (!isObject(s)) return 'a suggestion must be an object';
    const inner = s['reply'] ?? s['action'];
    if ((s['reply'] === undefined) === (s['action'] === undefined) || !isObject(inner)) {
      return 'a suggestion needs exactly one of reply or action';
    }
    if (typeof inner['text'] !== 'string' || inner['text'].length === 0 || inner['text'].length > 25) {
      return 'suggestion text must be 1 to 25 characters';
    }
    if (typeof inner['postbackData'] !== 'string' || inner['postbackData'].length > 2048) {
      return 'suggestion postbackData must be at most 2048 characters';
    }
  }
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function bad(detail: string): AgentMessageCheck {
  return { ok: false, detail };
}
