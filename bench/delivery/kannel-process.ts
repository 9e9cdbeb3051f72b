import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { kannelConfig, type KannelSetup } from './kannel-config.ts';

/** The absolute path of an executable on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  // Debian installs the boxes in /usr/sbin, which a non-root PATH may lack.
  for (const dir of [...path.split(delimiter), '/usr/sbin', '/usr/local/sbin']) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** A TCP port that was free a moment ago (Kannel cannot be told to pick one itself). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** A running Kannel: bearerbox bound to the SMSC, smsbox serving `sendsms`. */
export interface KannelHandle {
  /** `http://127.0.0.1:<port>/cgi-bin/sendsms`. */
  readonly sendsmsUrl: string;
  readonly username: string;
  readonly password: string;
  /** bearerbox's and smsbox's process ids. */
  readonly pids: readonly number[];
  /** bearerbox's `status.txt` (queues, SMSC counters). */
  status(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Starts bearerbox and smsbox with the benchmark's configuration and resolves once the SMPP link
 * is online and `sendsms` answers. Output goes to files in `setup.dir`, quoted when start fails.
 */
export async function startKannel(
  bins: { bearerbox: string; smsbox: string },
  setup: KannelSetup,
): Promise<KannelHandle> {
  const conf = join(setup.dir, 'kannel.conf');
  writeFileSync(conf, kannelConfig(setup), { mode: 0o600 });
  const admin = `http://127.0.0.1:${setup.adminPort}`;
  const pw = encodeURIComponent(setup.adminPassword);
  const status = async (): Promise<string> => (await fetch(`${admin}/status.txt?password=${pw}`)).text();
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    // smsbox first, so bearerbox does not wait for a box that is still sending.
    for (const child of [...children].reverse()) await terminate(child);
  };
  try {
    const bearerbox = launch(bins.bearerbox, conf, join(setup.dir, 'bearerbox.out'));
    children.push(bearerbox);
    await until(bearerbox, async () => /\(online/.test(await status()), 'the SMPP link to come online');
    const smsbox = launch(bins.smsbox, conf, join(setup.dir, 'smsbox.out'));
    children.push(smsbox);
    const sendsmsUrl = `http://127.0.0.1:${setup.sendsmsPort}/cgi-bin/sendsms`;
    await until(
      smsbox,
      async () => {
        await (await fetch(sendsmsUrl)).text(); // any answer: it listens
        return /smsbox:\(none\).*on-?line/.test(await status());
      },
      'smsbox to connect',
    );
    return {
      sendsmsUrl,
      username: setup.sendsmsUser.username,
      password: setup.sendsmsUser.password,
      pids: children.map((c) => c.pid!),
      status,
      stop,
    };
  } catch (err) {
    await stop();
    const tail = (file: string): string => {
      try {
        return readFileSync(join(setup.dir, file), 'utf8').split('\n').slice(-15).join('\n');
      } catch {
        return '';
      }
    };
    throw new Error(
      `Kannel did not start: ${(err as Error).message}\n${tail('bearerbox.out')}\n${tail('smsbox.out')}`,
    );
  }
}

function launch(bin: string, conf: string, out: string): ChildProcess {
  const fd = openSync(out, 'w');
  // -v 3: errors only on the console as in the log files; logging every PDU would cost Kannel.
  const child = spawn(bin, ['-v', '3', conf], { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  return child;
}

async function until(child: ChildProcess, ready: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited waiting for ${what}`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function terminate(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
