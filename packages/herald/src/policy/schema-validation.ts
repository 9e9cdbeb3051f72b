import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { ErrorCode } from '../errors/index.ts';
import type { PolicyDiagnostic } from './policy-diagnostics.ts';
import schema from './policy.schema.json' with { type: 'json' };
import type { CasesFileDoc, PolicyDoc } from './policy-document.ts';
import { pointerTokens, type SourceDocument } from './source-map.ts';

/** The published JSON Schema of the policy language (also describes cases files). */
export const POLICY_SCHEMA: Readonly<Record<string, unknown>> = schema;

const ajv = new Ajv({
  allErrors: true,
  verbose: true,
  strict: true,
  strictTypes: false,
  strictRequired: false,
});
ajv.addSchema(schema);
const validatePolicyDoc: ValidateFunction = ajv.getSchema(schema.$id)!;
const validateCasesDoc: ValidateFunction = ajv.compile({ $ref: `${schema.$id}#/definitions/casesFile` });

/** Validates a parsed policy document; diagnostics carry file, line and column. */
export function validatePolicy(
  doc: SourceDocument,
): { ok: true; value: PolicyDoc } | { ok: false; diagnostics: PolicyDiagnostic[] } {
  if (validatePolicyDoc(doc.value)) return { ok: true, value: doc.value as PolicyDoc };
  return {
    ok: false,
    diagnostics: toDiagnostics(validatePolicyDoc.errors ?? [], doc, 'HERALD_ERR_POLICY_INVALID'),
  };
}

/** Validates a parsed cases file. */
export function validateCases(
  doc: SourceDocument,
): { ok: true; value: CasesFileDoc } | { ok: false; diagnostics: PolicyDiagnostic[] } {
  if (validateCasesDoc(doc.value)) return { ok: true, value: doc.value as CasesFileDoc };
  return {
    ok: false,
    diagnostics: toDiagnostics(validateCasesDoc.errors ?? [], doc, 'HERALD_ERR_POLICY_CASES_INVALID'),
  };
}

/** Whether a plain value is a schema-valid policy document (used by property tests). */
export function isSchemaValidPolicy(value: unknown): boolean {
  return validatePolicyDoc(value) === true;
}

const CHANNEL_LIST = 'secure, rcs, email, push or sms';

// ajv reports the schema object an error comes from (`verbose`); comparing identities finds
// condition, channel and duration errors wherever ajv inlined the `$ref`.
const defs = schema.definitions;
const condition = defs.condition.properties;
const CONDITION_SCHEMAS: ReadonlySet<unknown> = new Set([
  defs.condition,
  condition.sender,
  condition.recipient,
  condition.time,
]);

/**
 * Turns ajv's errors into one diagnostic per real problem. The schema uses `if/then/else` for
 * fields that take several shapes, so ajv reports only the branch that applies; the `if` and
 * `oneOf` wrappers themselves are summarised or dropped.
 */
function toDiagnostics(
  errors: readonly ErrorObject[],
  doc: SourceDocument,
  generic: ErrorCode,
): PolicyDiagnostic[] {
  const oneOfPaths = errors.filter((e) => e.keyword === 'oneOf').map((e) => `${e.schemaPath}/`);
  const out: PolicyDiagnostic[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (e.keyword === 'if') continue;
    if (oneOfPaths.some((p) => e.schemaPath.startsWith(p))) continue;
    const d = describe(e, generic);
    const path = d.atKey === undefined ? e.instancePath : `${e.instancePath}/${escapeToken(d.atKey)}`;
    const key = `${path}\u0000${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const pos = doc.positionOf(path, { key: d.atKey !== undefined });
    const rule = ruleNameAt(doc.value, e.instancePath);
    out.push({ code: d.code, message: d.message, path, ...pos, ...(rule === undefined ? {} : { rule }) });
  }
  return out;
}

function describe(e: ErrorObject, generic: ErrorCode): { code: ErrorCode; message: string; atKey?: string } {
  const parent = (e.parentSchema ?? {}) as { properties?: Record<string, unknown>; description?: string };
  const where = e.instancePath === '' ? 'the document' : `"${e.instancePath.slice(1)}"`;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys(parent.properties ?? {}).join(', ');
      if (CONDITION_SCHEMAS.has(e.parentSchema)) {
        const scope = lastToken(e.instancePath);
        const name =
          scope === 'sender' || scope === 'recipient' || scope === 'time' ? `${scope}.${key}` : key;
        return {
          code: 'HERALD_ERR_POLICY_UNKNOWN_CONDITION',
          message: `unknown condition "${name}" (expected one of ${allowed})`,
          atKey: key,
        };
      }
      return {
        code: generic,
        message: `unknown key "${key}" in ${where} (expected one of ${allowed})`,
        atKey: key,
      };
    }
    case 'enum': {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      if (e.parentSchema === defs.channel) {
        return {
          code: 'HERALD_ERR_POLICY_UNKNOWN_CHANNEL',
          message: `unknown channel ${JSON.stringify(e.data)} (expected ${CHANNEL_LIST})`,
        };
      }
      return {
        code: generic,
        message: `${JSON.stringify(e.data)} is not allowed in ${where} (expected one of ${allowed.join(', ')})`,
      };
    }
    case 'pattern':
      if (e.parentSchema === defs.duration) {
        return {
          code: 'HERALD_ERR_POLICY_BAD_DURATION',
          message: `bad duration ${JSON.stringify(e.data)} (expected a duration such as 30s, 10m, 2h or 1h30m)`,
        };
      }
      return {
        code: generic,
        message: `${JSON.stringify(e.data)} is not ${parent.description ?? 'valid here'}`,
      };
    case 'required':
      return {
        code: generic,
        message: `${where} is missing "${(e.params as { missingProperty: string }).missingProperty}"`,
      };
    case 'oneOf': {
      const name = (e.data as { name?: unknown } | null)?.name;
      const rule = typeof name === 'string' ? `rule "${name}"` : where;
      return { code: generic, message: `${rule} needs exactly one of allow, block or escalate` };
    }
    case 'type':
      return {
        code: generic,
        message: `${where} must be ${article((e.params as { type: string }).type)}, not ${typeName(e.data)}`,
      };
    case 'const':
      return {
        code: generic,
        message: `${where} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`,
      };
    default:
      return { code: generic, message: `${where} ${e.message ?? 'is invalid'}` };
  }
}

function ruleNameAt(value: unknown, instancePath: string): string | undefined {
  const [head, index] = pointerTokens(instancePath);
  if (head !== 'rules' || index === undefined) return undefined;
  const rules = (value as { rules?: unknown }).rules;
  const rule = Array.isArray(rules) ? (rules[Number(index)] as { name?: unknown } | undefined) : undefined;
  return typeof rule?.name === 'string' ? rule.name : `#${Number(index) + 1}`;
}

function lastToken(path: string): string | undefined {
  return pointerTokens(path).at(-1);
}

function escapeToken(t: string): string {
  return t.replace(/~/g, '~0').replace(/\//g, '~1');
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${JSON.stringify(v)}`;
}
