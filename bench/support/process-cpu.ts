import { readdirSync, readFileSync } from 'node:fs';

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

/**
 * CPU time (ms) each thread of a process has used so far, by thread id, from
 * `/proc/<pid>/task/<tid>/stat`; empty where there is no /proc. The busiest thread bounds a
 * process's rate when its work cannot spread further (Herald's API thread and worker thread).
 */
export function threadCpuMs(pid: number | undefined): Map<number, number> {
  const out = new Map<number, number>();
  if (pid === undefined) return out;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}
