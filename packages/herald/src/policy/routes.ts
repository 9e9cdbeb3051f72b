import type { Channel, ContentKind, SecurityTier } from './decision.ts';
import type { ErrorCode } from '../errors/index.ts';
import type { Trigger } from './decision.ts';
import { parseDuration } from './duration.ts';
import type { NoticeRefDoc, StepDoc, TriggerDoc } from './policy-document.ts';
import { CHANNEL_TIERS, NOTICE_ONLY_CHANNELS } from './tiers.ts';

/** The notice sent when a notice step names no template and the policy sets no default. */
export const BUILTIN_NOTICE = 'You have a new secure message. Open the app to read it.';

/** Fallback triggers of a step that does not list its own (all but the last step). */
export const DEFAULT_TRIGGERS: readonly Trigger[] = Object.freeze([{ on: 'unsupported' }, { on: 'failed' }]);

/** One step of a route, resolved at load time. */
export interface StepPlan {
  readonly channel: Channel;
  readonly tier: SecurityTier;
  readonly content: ContentKind;
  readonly notice?: string;
  readonly noticeTemplate?: string;
  readonly fallbackOn: readonly Trigger[];
  /** JSON Pointer of the step in the policy. */
  readonly path: string;
}

/** What route compilation needs from the policy around it. */
export interface RouteContext {
  readonly notices: Readonly<Record<string, string>>;
  readonly defaultNotice: { readonly text: string; readonly template?: string };
  error(code: ErrorCode, path: string, message: string): void;
  warn(path: string, message: string): void;
}

/**
 * Resolves a route's steps: channel tiers, content kind, notice text and fallback triggers.
 * Push carries no content (DESIGN, secure channel): a `full` push step is an error, never
 * converted, so what the author reads is what is sent.
 */
export function compileRoute(steps: readonly StepDoc[], path: string, ctx: RouteContext): StepPlan[] {
  return steps.map((step, i) => {
    const at = `${path}/${i}`;
    const isLast = i === steps.length - 1;
    const content: ContentKind = step.content ?? (step.notice !== undefined ? 'notice' : 'full');
    if (content === 'full' && step.notice !== undefined) {
      ctx.error(
        'HERALD_ERR_POLICY_INVALID',
        `${at}/notice`,
        'a step with content: full sends the message, not a notice; write content: notice',
      );
    }
    if (content === 'full' && NOTICE_ONLY_CHANNELS.has(step.channel)) {
      ctx.error(
        'HERALD_ERR_POLICY_PUSH_CONTENT',
        `${at}/channel`,
        `step ${i + 1} would send the message itself by ${step.channel}; push notifications never carry content — write content: notice`,
      );
    }
    let notice: { text: string; template?: string } | undefined;
    if (content === 'notice') notice = resolveNotice(step.notice, `${at}/notice`, ctx) ?? ctx.defaultNotice;
    let fallbackOn: readonly Trigger[] = isLast ? [] : DEFAULT_TRIGGERS;
    if (step.fallback_on !== undefined) {
      fallbackOn = step.fallback_on.map((t, j) => compileTrigger(t, `${at}/fallback_on/${j}`, ctx));
      if (isLast && step.fallback_on.length > 0) {
        ctx.warn(
          `${at}/fallback_on`,
          `step ${i + 1} is the last step: its fallback_on has no next step to move to`,
        );
      }
    }
    return {
      channel: step.channel,
      tier: CHANNEL_TIERS[step.channel],
      content,
      ...(notice === undefined ? {} : { notice: notice.text }),
      ...(notice?.template === undefined ? {} : { noticeTemplate: notice.template }),
      fallbackOn,
      path: at,
    };
  });
}

/** Resolves a notice reference to its text; reports unknown template names. */
export function resolveNotice(
  ref: NoticeRefDoc | undefined,
  path: string,
  ctx: Pick<RouteContext, 'notices' | 'error'>,
): { text: string; template?: string } | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref !== 'string') return { text: ref.text };
  const text = Object.hasOwn(ctx.notices, ref) ? ctx.notices[ref] : undefined;
  if (text === undefined) {
    const known = Object.keys(ctx.notices);
    ctx.error(
      'HERALD_ERR_POLICY_UNKNOWN_NOTICE',
      path,
      `unknown notice template "${ref}" (${known.length > 0 ? `defined: ${known.join(', ')}` : 'the policy defines no `notices`'})`,
    );
    return undefined;
  }
  return { text, template: ref };
}

function compileTrigger(t: TriggerDoc, path: string, ctx: RouteContext): Trigger {
  if (typeof t === 'string') return { on: t };
  const [on, text] = Object.entries(t)[0] as ['undelivered_after' | 'unread_after', string];
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.error(
      'HERALD_ERR_POLICY_BAD_DURATION',
      `${path}/${on}`,
      `bad duration "${text}" (a duration must be more than zero, such as 30s or 10m)`,
    );
  }
  return { on, ms: ms ?? 0 };
}
