import { readFileSync } from 'node:fs';
import { tryLoadPolicy } from './index.ts';
const r = tryLoadPolicy(readFileSync(process.argv[2]!, 'utf8'), { filename: process.argv[2]! });
if (!r.ok) { console.log(r.error.code, r.error.message); console.log(r.diagnostics); }
else {
  console.log(r.warnings);
  const d = r.policy.decide({ tenantId: 't', classification: (process.argv[3] ?? 'restricted') as 'restricted', retention: 'x', labels: {}, recipient: { kind: 'phone', address: '+4917' } }, { capabilities: {} });
  console.log(r.policy.explain({ tenantId: 't', classification: (process.argv[3] ?? 'restricted') as 'restricted', retention: 'x', labels: {}, recipient: { kind: 'phone', address: '+4917' } }, { capabilities: {} }));
  console.log(JSON.stringify(d));
}
