// Runs the independent Python verifier (`test/tlog/verify_checkpoint.py`, standard library only)
// for the cross-language tlog tests.
import { execFile, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../tlog/verify_checkpoint.py', import.meta.url));

/** One run of the verifier: exit status and its output. */
export interface PythonRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Resolves the interpreter once (`python3` may be a version-manager shim that costs hundreds of
 * milliseconds per start) and returns a runner. Throws when there is no `python3`: the
 * cross-language check is required, not optional.
 */
export function pythonVerifier(): (args: readonly string[]) => Promise<PythonRun> {
  const probe = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error('python3 is required for the cross-language tlog test');
  const interpreter = probe.stdout.trim() || 'python3';
  return (args) =>
    new Promise((resolve) => {
      execFile(interpreter, ['-I', SCRIPT, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      });
    });
}
