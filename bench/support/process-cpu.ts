import { readFileSync } from 'node:fs';

// Linux's USER_HZ: the unit of utime/stime in /proc/<pid>/stat (100 on every mainstream build).
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms) a process has used so far, from Linux's `/proc/<pid>/stat`;
 * undefined where there is no /proc. Comparing CPU per message keeps its meaning on a machine
 * that other work also loads, where throughput alone does not.
 */
export function cpuMs(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : statCpuMs(`/proc/${pid}/stat`);
}

/**
 * CPU time (ms) of a process's main thread alone — Node's event loop, whose share of a core
 * bounds a single-threaded server's throughput — from `/proc/<pid>/task/<pid>/stat`.
 */
export function mainThreadCpuMs(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuMs(path: string): number | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}
