// The journal's sequencer alone in a child process, for crash tests: the test SIGKILLs it while
// it integrates a batch. Configured like `herald worker` (HERALD_DATABASE_URL, the archive public
// key, the journal signer key, HERALD_LOG_ORIGIN_PREFIX).
//
//   node --import tsx crashing-sequencer.ts hang <maxBatch>   stops inside its first batch, after
//       the nodes and leaf indexes are written and before the checkpoint and the commit, prints
//       `integrating up to <highest leaf index written>` and waits there to be killed
//   node --import tsx crashing-sequencer.ts run <maxBatch>    prints `sequencing` and integrates
//       everything pending in batches of <maxBatch>, for a kill at a random moment
import { archivePublicKeyFromBase64, Journal, parseRetentionClasses } from '../../src/journal/index.ts';
import { Store } from '../../src/storage/store.ts';
import { parseSignerKey } from '../../src/tlog/index.ts';

const [mode, maxBatch] = process.argv.slice(2);
const env = process.env;
const store = await Store.open(env.HERALD_DATABASE_URL!);
const journal = new Journal({
  db: store.conn.db,
  dialect: store.dialect,
  origin: `${env.HERALD_LOG_ORIGIN_PREFIX}/journal`,
  signer: parseSignerKey(env.HERALD_JOURNAL_SIGNER_KEY!),
  archivePublicKey: archivePublicKeyFromBase64(env.HERALD_ARCHIVE_PUBLIC_KEY!),
  retention: parseRetentionClasses(),
  maxBatch: Number(maxBatch),
  ...(store.conn.sqlite ? { sqlite: store.conn.sqlite } : {}),
  ...(mode === 'hang'
    ? {
        afterAppend: async (trx) => {
          const { last } = await trx
            .selectFrom('journal_leaves')
            .select((eb) => eb.fn.max('leaf_index').as('last'))
            .executeTakeFirstOrThrow();
          process.stdout.write(`integrating up to ${last}\n`);
          // Hold the transaction open until the SIGKILL: an idle process would exit (and its
          // connection would roll back cleanly), which is not a crash.
          setInterval(() => {}, 1000);
          await new Promise(() => {});
        },
      }
    : {}),
});
process.stdout.write('sequencing\n');
await journal.log.sequenceAll();
process.stdout.write('done\n');
await store.close();
