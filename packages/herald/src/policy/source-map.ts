import { isMap, isNode, isPair, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { PolicyDiagnostic, SourcePosition } from './policy-diagnostics.ts';

/** A parsed YAML (or JSON) source that can say where any value in it came from. */
export interface SourceDocument {
  readonly file: string;
  /** The plain value (YAML 1.2 core schema: `30s`, `10:00`, `NO` stay strings). */
  readonly value: unknown;
  /** Position of the value at a JSON Pointer path; `key: true` gives the position of its key. */
  positionOf(path: string, opts?: { key?: boolean }): SourcePosition;
}

/** Splits a JSON Pointer (RFC 6901) into its reference tokens. */
export function pointerTokens(path: string): string[] {
  if (path === '') return [];
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Builds a JSON Pointer from tokens. */
export function pointer(...tokens: readonly (string | number)[]): string {
  return tokens.map((t) => `/${String(t).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Parses YAML or JSON and keeps the source ranges, so validation errors can name a line and a
 * column. Syntax errors come back as diagnostics with the `syntaxCode` given.
 */
export function parseSource(
  text: string,
  file: string,
  syntaxCode: PolicyDiagnostic['code'],
): { ok: true; doc: SourceDocument } | { ok: false; diagnostics: PolicyDiagnostic[] } {
  const lineCounter = new LineCounter();
  // uniqueKeys (the default) makes a repeated key an error rather than a silent override.
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const problems = [...doc.errors];
  if (problems.length > 0) {
    return {
      ok: false,
      diagnostics: problems.map((e) => {
        const at = e.linePos?.[0] ?? { line: 1, col: 1 };
        const message = e.message.split(' at line ')[0] ?? e.message;
        return {
          code: syntaxCode,
          message: `bad YAML: ${message}`,
          file,
          line: at.line,
          column: at.col,
          path: '',
        };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Alias bombs and similar are refused by `yaml` itself while converting.
    const message = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      diagnostics: [
        { code: syntaxCode, message: `bad YAML: ${message}`, file, line: 1, column: 1, path: '' },
      ],
    };
  }
  return {
    ok: true,
    doc: {
      file,
      value,
      positionOf: (path, opts) => locate(doc, lineCounter, file, path, opts?.key === true),
    },
  };
}

function locate(
  doc: Document,
  lc: LineCounter,
  file: string,
  path: string,
  wantKey: boolean,
): SourcePosition {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  // Walk as far as the path goes; a missing value (a required key) reports its parent.
  for (const token of pointerTokens(path)) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isNode(p.key) && String((p.key as { value?: unknown }).value) === token,
      );
      if (pair === undefined) break;
      keyNode = pair.key;
      node = pair.value ?? pair.key;
    } else if (isSeq(node)) {
      const item = node.items[Number(token)];
      if (item === undefined) break;
      keyNode = undefined;
      node = item;
    } else break;
  }
  const target = wantKey && keyNode !== undefined ? keyNode : node;
  const offset = isNode(target) ? ((target as Node).range?.[0] ?? 0) : 0;
  const { line, col } = lc.linePos(offset);
  return { file, line, column: col };
}
