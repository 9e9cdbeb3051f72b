import { isHeraldError } from '../errors/index.ts';
import { keysCommand, migrateCommand, tenantsCommand } from './admin-commands.ts';
import { devicesCommand } from './device-commands.ts';
import { policyExplainCommand, policyTestCommand, nodePolicyCliIo } from '../policy/index.ts';
import { journalExportCommand, journalKeygenCommand, journalVerifyCommand } from './journal-commands.ts';
import { sendCommand } from './send-command.ts';
import { serveCommand, simulatorCommand } from './serve-commands.ts';

const USAGE = `herald — a messaging gateway that never downgrades silently

usage: herald <command> [options]

  serve [--sandbox]              API and worker (sandbox: with the carrier simulator and a ready tenant)
  worker                         the delivery worker alone (scale-out on PostgreSQL)
  simulator [--port N]           the carrier simulator's SMSC on its own
  migrate                        bring the database schema up to date
  tenants create <name> | list
  keys create --tenant <name> --role sender|admin|auditor|compliance [--name <label>]
  keys list --tenant <name>
  keys revoke --tenant <name> <key-id>
  devices enroll-token --tenant <name> --user <id> [--ttl <seconds>]   one-time device enrollment token
  devices list --tenant <name> [--user <id>]
  send --to <recipient> --text <text> [--classification internal] [--no-follow]
  policy test <policy.yaml> <cases.yaml>     run a policy's test cases; non-zero on any failure
  policy explain <policy.yaml> [message]     the decision and its trace for one message
  journal verify [--log all|journal|audit|keys] --key <k>…   check every log (leaves, proofs, checkpoints) or an export
  journal export request|approve|run         four-eyes e-discovery export (compliance role)
  journal keygen --archive-key <file> | --pkcs11   create the archive key pair, print its public key

Configuration comes from the environment: PORT, HERALD_DATABASE_URL, HERALD_DATA_DIR,
HERALD_SMPP_URL, HERALD_MASTER_KEY (see README).`;

/** The `herald` command line. Exit codes: 0 ok, 1 failure, 2 usage error. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(rest, { api: true, worker: true });
      case 'worker':
        return await serveCommand(rest, { api: false, worker: true });
      case 'simulator':
        return await simulatorCommand(rest);
      case 'migrate':
        return await migrateCommand(out);
      case 'tenants':
        return await tenantsCommand(rest, out);
      case 'keys':
        return await keysCommand(rest, out);
      case 'devices':
        return await devicesCommand(rest, out);
      case 'send':
        return await sendCommand(rest, out);
      case 'policy': {
        const [sub, ...args] = rest;
        if (sub === 'test') return await policyTestCommand(args, nodePolicyCliIo);
        if (sub === 'explain') return await policyExplainCommand(args, nodePolicyCliIo);
        process.stderr.write('usage: herald policy test <policy> <cases> | explain <policy> <message>\n');
        return 2;
      }
      case 'journal': {
        const [sub, ...args] = rest;
        const io = { stdout: out, stderr: process.stderr, env: process.env };
        if (sub === 'verify') return await journalVerifyCommand(args, io);
        if (sub === 'export') return await journalExportCommand(args, io);
        if (sub === 'keygen') return await journalKeygenCommand(args, io);
        process.stderr.write(
          'usage: herald journal verify [options] | export request|approve|run [options] | keygen [options]\n',
        );
        return 2;
      }
      case undefined:
      case 'help':
      case '--help':
        out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        process.stderr.write(`unknown command ${command}\n\n${USAGE}\n`);
        return 2;
    }
  } catch (err) {
    if (isHeraldError(err)) {
      process.stderr.write(`error ${err.code}: ${err.message}\n`);
      return 1;
    }
    if (err instanceof TypeError && (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
}
