import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Starts a TypeScript server script in its own process and waits for it to print the line
 * `READY <port>` (optionally followed by a space and more, returned as `info`).
 * `HERALD_BENCH_NODE_ARGS` adds Node options to every child, e.g. `--cpu-prof --cpu-prof-dir=prof`
 * (Node refuses `--cpu-prof` in NODE_OPTIONS).
 */
export async function startChild(
  script: string,
  env: Record<string, string> = {},
  opts: { stdin?: boolean } = {},
): Promise<{ port: number; info: string; child: ChildProcess; stop(): Promise<void> }> {
  const nodeArgs = (process.env.HERALD_BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', fileURLToPath(script)], {
    env: { ...process.env, ...env },
    stdio: [opts.stdin ? 'pipe' : 'ignore', 'pipe', 'inherit'],
  });
  const { port, info } = await new Promise<{ port: number; info: string }>((resolve, reject) => {
    let buf = '';
    const onData = (c: Buffer) => {
      buf += c.toString();
      // The whole line: a port read before its last digit arrived would be wrong.
      const m = /READY (\d+)(?: ([^\n]*))?\n/.exec(buf);
      if (!m) return;
      child.stdout!.off('data', onData);
      resolve({ port: Number(m[1]), info: m[2] ?? '' });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    port,
    info,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
